#!/usr/bin/env bash
# Wall time from command to verdict for `grader ex1 --solution` with the build warm and the
# native Prometheus, against a baseline measured in the same session: the same grading with
# the checks that go through Prometheus removed. The difference is what Prometheus costs.
#
#   scripts/bench-grade.sh [RUNS]      (default 5; results in BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"

cargo build -q -p grader
grader=target/debug/grader
"$grader" ex1 --solution >/dev/null 2>&1 # warms the staged build

baseline_spec=$(mktemp --suffix=.toml)
trap 'rm -f "$baseline_spec"' EXIT
# The ex1 spec without its target_up and promql checks.
awk 'BEGIN { RS = "\n\\[\\[checks\\]\\]\n"; ORS = "" }
     NR == 1 { print; next }
     !/kind = "(target_up|promql)"/ { print "\n[[checks]]\n" $0 }' grader/specs/ex1.toml >"$baseline_spec"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
time_runs() {
  for _ in $(seq "$runs"); do
    start=$(date +%s.%N)
    "$grader" "$@" >/dev/null 2>&1 || { echo "grading failed: $*" >&2; exit 1; }
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f\n", b - a }'
  done
}

full=$(time_runs ex1 --solution | median)
base=$(time_runs --spec "$baseline_spec" --solution | median)
echo "grader ex1 --solution (median of $runs): ${full} s"
echo "same, without the Prometheus checks:     ${base} s"
awk -v f="$full" -v b="$base" 'BEGIN { printf "ratio: %.1f\n", f / b }'
"$grader" --version
prometheus --version 2>&1 | head -n1
