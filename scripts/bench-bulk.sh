#!/usr/bin/env bash
# Grading a class: `grader bulk` on COUNT submissions of ex2 (two thirds the solution, one
# third the starter, each a folder of its own, so each student's crate is compiled), with the
# dependencies already compiled (a warm cache, as on an instructor's second class), on the
# native Prometheus, with the default number of jobs. Prints, for each isolation, the wall
# time of the whole class and the time per submission (each one's `execution_time`, from its
# build to its verdict).
#
#   scripts/bench-bulk.sh [COUNT] [ISOLATION...]   (default 30, "process container";
#                                                   results in BENCHMARKS.md)
#
# `container` needs Docker Engine (the app's image is built from this machine's libraries;
# nothing is pulled).
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-30}"
shift || true
isolations=("$@")
[ ${#isolations[@]} -gt 0 ] || isolations=(process container)

cargo build -q -p grader
grader=$PWD/target/debug/grader
# Warms the dependencies (and the course's own build of the solution).
"$grader" ex2 --solution --backend native >/dev/null 2>&1 || true

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for isolation in "${isolations[@]}"; do
  # A fresh class each time: every student's crate is compiled, only the dependencies are warm.
  class="$work/$isolation/turma"
  for i in $(seq -w 1 "$count"); do
    if (( 10#$i % 3 == 0 )); then from=exercises/ex2-metricas-negocio; else from=solutions/ex2-metricas-negocio; fi
    mkdir -p "$class/aluno-$i"
    cp -r "$from/src" "$class/aluno-$i/"
  done
  start=$(date +%s.%N)
  code=0
  "$grader" bulk "$class" --exercise ex2 --backend native --isolation "$isolation" \
    --lang en >/dev/null 2>"$work/$isolation.log" || code=$?
  end=$(date +%s.%N)
  out="$work/$isolation/ex2-results"
  graded=$(grep -l '"status": "graded"' "$out"/*/results.json 2>/dev/null | wc -l)
  per=$(grep -h '"execution_time"' "$out"/*/results.json | tr -dc '0-9.\n' | sort -n)
  printf "%-10s %3d submissions (%d graded, exit %d) in %6.1f s; per submission: median %5.1f s, max %5.1f s, mean %5.1f s\n" \
    "$isolation" "$count" "$graded" "$code" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" \
    "$(echo "$per" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')" \
    "$(echo "$per" | tail -n1)" \
    "$(echo "$per" | awk '{ s += $1 } END { print s / NR }')"
done
echo "jobs: $(nproc) cores (the default: the cores, at most 4)"
"$grader" --version
prometheus --version 2>&1 | head -n1
