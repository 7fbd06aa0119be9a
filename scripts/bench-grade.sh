#!/usr/bin/env bash
# Wall time from command to verdict for `grader ex1 --solution`, build warm, on each
# Prometheus backend, side by side in one session, with the time to a ready Prometheus; and a
# baseline: the same grading without the checks that go through Prometheus.
#
#   scripts/bench-grade.sh [RUNS]      (default 5; results in BENCHMARKS.md)
#
# The container runs use the image scripts/build-images.sh builds from the native binary, so
# both backends run the same Prometheus version and the difference is the container alone.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"

cargo build -q -p grader
grader=target/debug/grader
image=$(scripts/build-images.sh)
"$grader" ex1 --solution --backend native >/dev/null 2>&1 # warms the staged build

baseline_spec=$(mktemp --suffix=.toml)
trap 'rm -f "$baseline_spec"' EXIT
# The ex1 spec without its target_up and promql checks.
awk 'BEGIN { RS = "\n\\[\\[checks\\]\\]\n"; ORS = "" }
     NR == 1 { print; next }
     !/kind = "(target_up|promql)"/ { print "\n[[checks]]\n" $0 }' grader/specs/ex1.toml >"$baseline_spec"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# Prints "<ready> <verdict>" per run, from the grader's own phase times.
phase_runs() {
  for _ in $(seq "$runs"); do
    GRADER_TIMINGS=1 "$grader" "$@" 2>&1 >/dev/null | awk '
      /^timing: prometheus ready/ { r = $4 } /^timing: verdict/ { v = $3 }
      END { if (v == "") exit 1; printf "%s %s\n", (r == "" ? "-" : r), v }' \
      || { echo "grading failed: $*" >&2; exit 1; }
  done
}
report() {
  local name=$1; shift
  local out; out=$(phase_runs "$@")
  printf "%-48s ready %6ss   verdict %6ss\n" "$name" \
    "$(echo "$out" | awk '{print $1}' | median)" "$(echo "$out" | awk '{print $2}' | median)"
}

echo "median of $runs runs, seconds from the command's start:"
report "native binary" ex1 --solution --backend native
report "container ($image)" ex1 --solution --backend docker --prometheus-image "$image"
report "baseline: no Prometheus checks" --spec "$baseline_spec" --solution
"$grader" --version
prometheus --version 2>&1 | head -n1
