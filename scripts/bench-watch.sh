#!/usr/bin/env bash
# `grader watch ex1` as a student runs it, in a pseudo-terminal: SAVES edits of the solution's
# src/http.rs, each followed by the re-grade it triggers. Prints, for the watch's default (one
# Prometheus kept for the session) and with --fresh-prometheus (a new one per grading), the
# median over the saves of:
#   - the re-grade once the crate has rebuilt: from the app's start to the verdict (the
#     grader's own phase times, GRADER_TIMINGS);
#   - the whole loop: from the save to the verdict on screen (rebuild included).
#
#   scripts/bench-watch.sh [SAVES]   (default 10; results in BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
saves="${1:-10}"

cargo build -q -p grader
grader=$PWD/target/debug/grader
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for mode in kept fresh; do
  copy="$work/$mode/ex1"
  mkdir -p "$copy"
  cp -r solutions/ex1-metricas-http/. "$copy/"
  flags=()
  [ "$mode" = kept ] || flags=(--fresh-prometheus)
  python3 - "$grader" "$copy" "$saves" "$mode" "${flags[@]}" <<'PY'
import os, pty, re, select, sys, time

grader, copy, saves, mode, *flags = sys.argv[1:]
saves = int(saves)
pid, fd = pty.fork()
if pid == 0:
    env = dict(os.environ, GRADER_TIMINGS="1")
    os.execve(grader, [grader, "watch", "ex1", "--path", copy, "--backend", "native",
                       "--lang", "en", *flags], env)

buf = ""
def read_until(pattern, start, limit=300):
    """Reads the terminal until `pattern` matches after offset `start`; the match."""
    global buf
    deadline = time.time() + limit
    while True:
        m = re.compile(pattern).search(buf, start)
        if m:
            return m
        if time.time() > deadline:
            sys.exit(f"{mode}: no {pattern!r} within {limit}s")
        r, _, _ = select.select([fd], [], [], 1)
        if r:
            buf += os.read(fd, 65536).decode(errors="replace")

def median(xs):
    xs = sorted(xs)
    return xs[(len(xs) - 1) // 2]

m = read_until(r"Score: \d+/\d+", 0, 900)  # the first grading (build, new Prometheus)
regrade, loop = [], []
http = os.path.join(copy, "src", "http.rs")
for i in range(saves):
    time.sleep(1)
    start = m.end()
    saved = time.time()
    with open(http, "a") as f:
        f.write(f"// edição {i}\n")
    m = read_until(r"Score: \d+/\d+", start)
    shown = time.time()
    chunk = buf[start:m.end()]
    app = [float(x) for x in re.findall(r"timing: app started ([0-9.]+)", chunk)]
    verdict = re.search(r"timing: verdict ([0-9.]+)", buf[start:]) or read_until(
        r"timing: verdict ([0-9.]+)", start)
    regrade.append(float(verdict.group(1)) - app[-1])
    loop.append(shown - saved)
os.write(fd, b"q")
os.waitpid(pid, 0)
print(f"{mode:6} re-grade after the rebuild: median {median(regrade):5.2f} s (max {max(regrade):5.2f}); "
      f"save to verdict: median {median(loop):5.2f} s (max {max(loop):5.2f}), {saves} saves")
PY
done
"$grader" --version
prometheus --version 2>&1 | head -n1
