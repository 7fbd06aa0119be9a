#!/usr/bin/env bash
# Time from command to verdict for `grader ex1|ex5|final --solution`, native, build warm, on
# Debian's Prometheus 2.42 (Alertmanager 0.25) and on Prometheus 3.5.3 (Alertmanager 0.28.1,
# from scripts/prometheus3.sh), one run each, the two majors back to back per exercise so that
# both see the same machine load.
#
#   scripts/bench-majors.sh [RUNS]   (default 1; results in BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-1}"

cargo build -q -p grader
grader=target/debug/grader
prom3_dir=$(scripts/prometheus3.sh | sed -n 's/^PROM3_BIN_DIR=//p')
for ex in ex1 ex5 final; do # warms the staged builds
  "$grader" "$ex" --solution --backend native >/dev/null 2>&1 || true
done

# Prints the verdict time of one grading, from the grader's own phase times.
verdict() {
  GRADER_TIMINGS=1 "$@" 2>&1 >/dev/null | awk '/^timing: verdict/ { v = $3 }
    END { if (v == "") exit 1; print v }' || { echo "grading failed: $*" >&2; exit 1; }
}
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for ex in ex1 ex5 final; do
  for _ in $(seq "$runs"); do
    v2=$(verdict "$grader" "$ex" --solution --backend native)
    v3=$(verdict env PATH="$prom3_dir:$PATH" "$grader" "$ex" --solution --backend native)
    printf "%-6s 2.42: %6ss   3.5.3: %6ss\n" "$ex" "$v2" "$v3"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
