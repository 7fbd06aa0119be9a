#!/usr/bin/env bash
# Grading a class: `grader bulk` on COUNT submissions of ex2 (two thirds the solution, one
# third the starter, each a folder of its own, so each student's crate is compiled), with the
# dependencies already compiled (a warm cache, as on an instructor's second class), on the
# native Prometheus, with the default number of jobs. Prints, for each mode, the wall
# time of the whole class and the time per submission (each one's `execution_time`, from its
# build to its verdict).
#
#   scripts/bench-bulk.sh [COUNT] [MODE...]   (default 30, "process process:fresh container";
#                                              results in BENCHMARKS.md)
#
# A MODE is an isolation (`process`, `container`), with `:fresh` for a new Prometheus per
# submission (`--fresh-prometheus`) instead of one kept per grading slot (the default).
#
# `container` needs Docker Engine (the app's image is built from this machine's libraries;
# nothing is pulled).
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-30}"
shift || true
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(process process:fresh container)

cargo build -q -p grader
grader=$PWD/target/debug/grader
# Warms the dependencies (and the course's own build of the solution).
"$grader" ex2 --solution --backend native >/dev/null 2>&1 || true

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for mode in "${modes[@]}"; do
  isolation=${mode%%:*}
  fresh=()
  [ "$mode" = "${mode%:fresh}" ] || fresh=(--fresh-prometheus)
  # A fresh class each time: every student's crate is compiled, only the dependencies are warm.
  class="$work/$mode/turma"
  for i in $(seq -w 1 "$count"); do
    if (( 10#$i % 3 == 0 )); then from=exercises/ex2-metricas-negocio; else from=solutions/ex2-metricas-negocio; fi
    mkdir -p "$class/aluno-$i"
    cp -r "$from/src" "$class/aluno-$i/"
  done
  start=$(date +%s.%N)
  code=0
  "$grader" bulk "$class" --exercise ex2 --backend native --isolation "$isolation" \
    "${fresh[@]}" --lang en >/dev/null 2>"$work/$mode.log" || code=$?
  end=$(date +%s.%N)
  out="$work/$mode/ex2-results"
  graded=$(grep -l '"status": "graded"' "$out"/*/results.json 2>/dev/null | wc -l)
  per=$(grep -h '"execution_time"' "$out"/*/results.json | tr -dc '0-9.\n' | sort -n)
  printf "%-17s %3d submissions (%d graded, exit %d) in %6.1f s; per submission: median %5.1f s, max %5.1f s, mean %5.1f s\n" \
    "$mode" "$count" "$graded" "$code" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" \
    "$(echo "$per" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')" \
    "$(echo "$per" | tail -n1)" \
    "$(echo "$per" | awk '{ s += $1 } END { print s / NR }')"
  # Every mode must give each student the same score as the first mode did.
  for r in "$out"/*/results.json; do
    printf "%s %s\n" "$(basename "$(dirname "$r")")" "$(grep -m1 '"score"' "$r" | tr -dc '0-9.')"
  done >"$work/$mode.scores"
  first=${modes[0]}
  if ! diff -q "$work/$first.scores" "$work/$mode.scores" >/dev/null; then
    echo "  different scores from $first:"
    diff "$work/$first.scores" "$work/$mode.scores" || true
  elif [ "$mode" != "$first" ]; then
    echo "  every score the same as $first"
  fi
done
echo "jobs: $(nproc) cores (the default: the cores, at most 4)"
"$grader" --version
prometheus --version 2>&1 | head -n1
