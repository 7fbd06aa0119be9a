#!/usr/bin/env bash
# What a student's first `cargo run -p grader -- ex1` compiles, in a fresh target folder: the
# grader, then ex1 (the grader builds the exercise into the same target folder), with the
# workspace's profile and with the dependencies at opt-level 1 (the profile before), one
# after the other in one session. CPU seconds (user + sys) matter more than wall time on a
# shared machine.
#
#   scripts/bench-first-build.sh [OUT_DIR]   (default target/bench-first-build; results in BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/bench-first-build}
mkdir -p "$out"
measure() {
  local name=$1
  shift
  local t="$out/$name"
  rm -rf "$t"
  for package in grader ex1-metricas-http; do
    /usr/bin/time -f "$name $package: wall %e s, user %U s, sys %S s" \
      cargo build -q -p "$package" --target-dir "$t" "$@" 2>&1 | tail -1
  done
  echo "$name: $(find "$t/debug/.fingerprint" -mindepth 1 -maxdepth 1 | wc -l) compilation units"
  rm -rf "$t"
}
measure workspace-profile
measure deps-opt-level-1 --config 'profile.dev.package."*".opt-level=1'
