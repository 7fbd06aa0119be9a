#!/usr/bin/env bash
# Wall time from command to verdict for `grader ex1 --solution`, build warm, on each
# Prometheus backend, side by side in one session, with the time to a ready Prometheus; and a
# baseline: the same grading without the checks that go through Prometheus.
#
#   scripts/bench-grade.sh [RUNS] [ALERT_RUNS]   (default 5 and 3; results in BENCHMARKS.md)
#
# Then the same for ex5 (alerting rules), whose live scenarios dominate: each backend, and a
# baseline of ex5 without its scenarios (promtool, unit tests and recording rules only).
#
# The container runs use the image scripts/build-images.sh builds from the native binary, so
# both backends run the same Prometheus version and the difference is the container alone.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
alert_runs="${2:-3}"

cargo build -q -p grader
grader=target/debug/grader
image=$(scripts/build-images.sh)
"$grader" ex1 --solution --backend native >/dev/null 2>&1 # warms the staged build

baseline_spec=$(mktemp --suffix=.toml)
alert_baseline_spec=$(mktemp --suffix=.toml)
trap 'rm -f "$baseline_spec" "$alert_baseline_spec"' EXIT
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
# ex5: the Alertmanager beside the container is the local image of scripts/build-stack-images.sh.
alertmanager_image=$(APP=ex2-metricas-negocio-solucao scripts/build-stack-images.sh \
  | sed -n 's/^LOCAL_ALERTMANAGER_IMAGE=//p')
awk 'BEGIN { RS = "\n\\[\\[checks\\]\\]\n"; ORS = "" }
     NR == 1 { print; next }
     !/kind = "(alert_fires|alert_notified)"/ { print "\n[[checks]]\n" $0 }' grader/specs/ex5.toml \
  >"$alert_baseline_spec"
runs=$alert_runs
echo "ex5, median of $runs runs:"
report "native binary" ex5 --solution --backend native
report "container" ex5 --solution --backend docker --prometheus-image "$image" \
  --alertmanager-image "$alertmanager_image"
report "baseline: ex5 without its live scenarios" --spec "$alert_baseline_spec" --solution \
  --backend native

"$grader" --version
prometheus --version 2>&1 | head -n1
