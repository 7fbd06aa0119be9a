#!/usr/bin/env bash
# Wall time from command to verdict for the final project, `grader final --solution`, build
# warm: the whole grading on each backend, and the Black Friday scenario alone (the spec with
# only its two checks: its own app and Prometheus, the surge, the flash sale, the payment
# fault until the expected alerts fire, the business metrics read back). The issue asks for
# the Black Friday's verdict in under 3 minutes on this machine.
#
#   scripts/bench-final.sh [RUNS]   (default 3; results in BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"

cargo build -q -p grader
grader=target/debug/grader
"$grader" final --solution --backend native >/dev/null 2>&1 || true # warms the staged build
image=$(scripts/build-images.sh)
alertmanager_image=$(APP=ex2-metricas-negocio-solucao scripts/build-stack-images.sh \
  | sed -n 's/^LOCAL_ALERTMANAGER_IMAGE=//p')

only_day=$(mktemp --suffix=.toml)
trap 'rm -f "$only_day"' EXIT
# The final spec with only its Black Friday checks.
awk 'BEGIN { RS = "\n\\[\\[checks\\]\\]\n"; ORS = "" }
     NR == 1 { print; next }
     /kind = "black_friday_/ { print "\n[[checks]]\n" $0 }' grader/specs/final.toml >"$only_day"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
verdicts() {
  for _ in $(seq "$runs"); do
    GRADER_TIMINGS=1 "$grader" "$@" 2>&1 >/dev/null | awk '/^timing: verdict/ { v = $3 }
      END { if (v == "") exit 1; print v }' || { echo "grading failed: $*" >&2; exit 1; }
  done
}
report() {
  local name=$1; shift
  local out; out=$(verdicts "$@")
  printf "%-52s median %6ss   max %6ss\n" "$name" "$(echo "$out" | median)" \
    "$(echo "$out" | sort -n | tail -n1)"
}

echo "final, $runs runs, seconds from the command's start to the verdict:"
report "the Black Friday alone, native" --spec "$only_day" --solution --backend native
report "the whole final project, native" final --solution --backend native
report "the whole final project, container" final --solution --backend docker \
  --prometheus-image "$image" --alertmanager-image "$alertmanager_image"
"$grader" --version
prometheus --version 2>&1 | head -n1
nproc
