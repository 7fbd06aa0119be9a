#!/usr/bin/env bash
# How fast the course's load generator is, next to wrk and Locust, on this machine in one run.
#
# Each tool sends as many `GET /` as it can to the same trivial server (crates/loadgen/examples/
# alvo.rs: axum answering "hello" on 127.0.0.1, one worker thread), with the same number of
# connections/users and no think time:
#   loadgen   the library under `grader load` (crates/loadgen/examples/carga.rs, release
#             build, the default tokio runtime, one shared keep-alive client)
#   wrk       the C reference, 2 threads (its default)
#   Locust    FastHttpUser and HttpUser, one process (as students run it), no wait time
# Rounds alternate the tools, so a machine busy with something else slows all of them alike;
# each figure is the median of the rounds.
#
#   scripts/bench-load.sh [SECONDS] [USERS] [ROUNDS]      (default 10 32 3; results in BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
users="${2:-32}"
rounds="${3:-3}"

if ! command -v wrk >/dev/null; then
  echo "bench-load: wrk is missing: sudo apt-get install -y wrk" >&2
  exit 1
fi
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
venv="$target_dir/locust-venv"
if [ ! -x "$venv/bin/locust" ]; then
  echo "bench-load: installing Locust in $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'locust>=2.37,<3'
fi
cargo build --release -q -p loadgen --example alvo --example carga

work=$(mktemp -d)
alvo_pid=""
cleanup() {
  if [ -n "$alvo_pid" ]; then
    kill "$alvo_pid" 2>/dev/null || true
    wait "$alvo_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$target_dir/release/examples/alvo" 0 1 >"$work/alvo.url" &
alvo_pid=$!
for _ in $(seq 100); do
  [ -s "$work/alvo.url" ] && break
  sleep 0.05
done
url=$(cat "$work/alvo.url")

for kind in FastHttpUser HttpUser; do
  cat >"$work/$kind.py" <<PY
from locust import $kind, task


class Bench($kind):
    @task
    def inicio(self):
        self.client.get("/")
PY
done

# Each prints the requests per second it measured.
run_loadgen() {
  "$target_dir/release/examples/carga" "$url" "$users" "$seconds" |
    awk '$1 == "Aggregated" { print $(NF - 1); exit }'
}
run_wrk() {
  wrk -t2 -c"$users" -d"${seconds}s" "$url/" | awk '/^Requests\/sec:/ { print $2 }'
}
run_locust() {
  "$venv/bin/locust" -f "$work/$1.py" --headless --users "$users" --spawn-rate "$users" \
    --run-time "${seconds}s" --host "$url" --only-summary 2>&1 |
    awk '$1 == "Aggregated" { print $(NF - 1); exit }'
}

echo "bench-load: $users connections/users, ${seconds}s per run, $rounds rounds, target $url"
wrk -t2 -c"$users" -d1s "$url/" >/dev/null # warm-up
for round in $(seq "$rounds"); do
  for tool in loadgen wrk FastHttpUser HttpUser; do
    case $tool in
      loadgen) rps=$(run_loadgen) ;;
      wrk) rps=$(run_wrk) ;;
      *) rps=$(run_locust "$tool") ;;
    esac
    echo "$rps" >>"$work/$tool.rps"
    printf "  round %s  %-13s %10.0f req/s\n" "$round" "$tool" "$rps"
  done
done

median() { sort -g "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
loadgen=$(median "$work/loadgen.rps")
echo
printf "%-36s %16s %16s\n" "tool ($users users/connections)" "req/s (median)" "loadgen / tool"
for tool in loadgen wrk FastHttpUser HttpUser; do
  rps=$(median "$work/$tool.rps")
  case $tool in
    loadgen) name="loadgen (grader load's library)" ;;
    wrk) name="wrk -t2" ;;
    *) name="Locust $tool" ;;
  esac
  printf "%-36s %16.0f %15.2fx\n" "$name" "$rps" "$(echo "$loadgen $rps" | awk '{ print $1 / $2 }')"
done
echo
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(uname -sr)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "versions: $(rustc --version), $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2), $("$venv/bin/locust" --version 2>&1 | cut -d' ' -f1-2)"
