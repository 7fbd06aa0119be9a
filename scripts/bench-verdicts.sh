#!/usr/bin/env bash
# Has a change to the grader made any verdict slower? Times `grader EX --solution` (build warm,
# native backend) for every exercise with the grader of a base revision and with this tree's,
# interleaved run by run in one session, and prints each exercise's median verdict time for
# both and their ratio. The exercises' own crates are the same for both (this tree's).
#
#   scripts/bench-verdicts.sh BASE_REV [RUNS]   (default 3; results in BENCHMARKS.md)
#   EXERCISES="ex2 ex8" scripts/bench-verdicts.sh BASE_REV   (only these)
set -euo pipefail
cd "$(dirname "$0")/.."
base_rev="${1:?name the base revision, e.g. scripts/bench-verdicts.sh 3a7b1e9}"
runs="${2:-3}"

cargo build -q -p grader
new=target/debug/grader
# The base grader, built from its revision in a worktree of its own (kept for the next run).
base_tree=target/bench-base
if [ ! -d "$base_tree" ]; then
  git worktree add -q --detach "$base_tree" "$base_rev"
fi
git -C "$base_tree" checkout -q --detach "$base_rev"
CARGO_TARGET_DIR="$PWD/target/bench-base-target" cargo build -q -p grader --manifest-path "$base_tree/Cargo.toml"
old="$PWD/target/bench-base-target/debug/grader"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# Seconds from the command to its verdict (wall time: a batch job's pipeline reports no
# phase times), and its score line.
verdict() {
  local start end
  start=$(date +%s.%N)
  "$1" "$2" --solution --backend native >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

# The exercises both graders know (an exercise new in this tree has no base to compare with).
exercises=${EXERCISES:-$("$new" list 2>/dev/null | awk '$1 ~ /^(ex[0-9]+|final)$/ { print $1 }')}
known=$("$old" list 2>/dev/null | awk '$1 ~ /^(ex[0-9]+|final)$/ { print $1 }')
printf "%-8s %10s %10s %7s\n" exercise base new ratio
for ex in $exercises; do
  grep -qx "$ex" <<<"$known" || continue
  "$new" "$ex" --solution --backend native >/dev/null 2>&1 || true # warms the staged build
  b=(); n=()
  for _ in $(seq "$runs"); do
    b+=("$(verdict "$old" "$ex")")
    n+=("$(verdict "$new" "$ex")")
  done
  mb=$(printf '%s\n' "${b[@]}" | median)
  mn=$(printf '%s\n' "${n[@]}" | median)
  printf "%-8s %9.1fs %9.1fs %7.2f\n" "$ex" "$mb" "$mn" "$(echo "scale=3; $mn / $mb" | bc)"
done
