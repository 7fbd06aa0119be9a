#!/usr/bin/env bash
# Time and peak memory of the Gradescope autograder inside Gradescope's default box (half a CPU,
# 768 MB; see scripts/gradescope-box.sh), grading each listed exercise's reference solution as
# a submission. A comment is added to each of its Rust files, so its crate is compiled in the
# box as a student's would be (setup.sh compiled the reference itself). The numbers go in
# BENCHMARKS.md.
#
#   scripts/bench-gradescope.sh [EXERCISE...]      (default: ex1 ex2 ex5 final)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p grader
export GRADER_BASE_IMAGE=${GRADER_BASE_IMAGE:-$(scripts/build-grader-base.sh)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ $# -gt 0 ] || set -- ex1 ex2 ex5 final
printf '%-6s %9s %8s %6s\n' exercise seconds peak_mb score
for ex in "$@"; do
  solution=$(sed -n 's/^solution *= *"\(.*\)"/\1/p' "grader/specs/$ex.toml" | head -n1)
  mkdir -p "$work/$ex/entrega"
  cp -r "$solution/." "$work/$ex/entrega/"
  find "$work/$ex/entrega" -name '*.rs' -exec sh -c 'printf "\n// entrega\n" >>"$1"' _ {} \;
  line=$(scripts/gradescope-box.sh "$ex" "$work/$ex/entrega" "$work/$ex/caixa")
  results=${line##*results=}
  score=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print("%s/%s" % (d["score"], d["max_score"]))' "$results")
  secs=$(sed 's/.*seconds=\([^ ]*\).*/\1/' <<<"$line")
  peak=$(sed 's/.*peak_mb=\([^ ]*\).*/\1/' <<<"$line")
  printf '%-6s %9s %8s %6s\n' "$ex" "$secs" "$peak" "$score"
done
