#!/usr/bin/env bash
# ex9, the operational laws graded on measurements: how long `grader ex9 --solution` takes to
# its verdict (build warm), and how stable the verdict is over repeated gradings of the same
# solution (every run measures the shop anew: a verdict that rested on luck would show here).
# Baseline in the same session: ex7, the other stepped-load exercise (one window a step).
#
#   scripts/bench-method.sh [RUNS]   (default 10; results in BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"

cargo build -q -p grader
grader=target/debug/grader
"$grader" ex9 --solution >/dev/null 2>&1 || true # warms the staged build of ex2's solution

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# One grading: its verdict time (GRADER_TIMINGS) and its score line.
grade() {
  local out
  out=$(GRADER_TIMINGS=1 "$grader" "$1" --solution 2>&1) || true
  printf '%s %s\n' "$(awk '/^timing: verdict/ { print $3 }' <<<"$out")" \
    "$(grep -o 'Score: [0-9]*/[0-9]*' <<<"$out" | tail -1)"
}

baseline=$(for _ in 1 2 3; do grade ex7; done | awk '{ print $1 }' | median)
results=$(for _ in $(seq "$runs"); do grade ex9; done)
full=$(awk '{ split($3, s, "/"); if (s[1] == s[2]) n++ } END { print n + 0 }' <<<"$results")
times=$(awk '{ print $1 }' <<<"$results")
med=$(median <<<"$times")
max=$(sort -n <<<"$times" | tail -1)
echo "ex7 verdict (baseline, median of 3): ${baseline} s"
echo "ex9 verdict over ${runs} runs: median ${med} s, max ${max} s, ratio to ex7 $(echo "scale=2; $med / $baseline" | bc)"
echo "ex9 full marks: ${full} of ${runs}"
