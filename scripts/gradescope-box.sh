#!/usr/bin/env bash
# Runs the Gradescope autograder of an exercise the way Gradescope does, inside Gradescope's
# default box: a container limited to half a CPU and 768 MB (BOX_CPUS, BOX_MEMORY), with the
# package at /autograder/source, the submission at /autograder/submission and the results in
# /autograder/results.
#
#   scripts/gradescope-box.sh EXERCISE SUBMISSION_DIR OUT_DIR
#
# What setup.sh does when Gradescope builds the image (install the packages, build the grader,
# grade the reference once so the dependencies are compiled) is done here from this machine:
# the container starts from course-local/grader-base (this machine's Debian, Rust and
# Prometheus packages; scripts/build-grader-base.sh), GRADER (default target/debug/grader) is
# the grader setup.sh would have built, the course's target folder holds the dependencies,
# and the reference is graded once in the container, without limits, before the measured run.
# Prints `seconds=N peak_mb=N results=FILE`; exits non-zero when the run did not leave a
# results.json. Every container it starts is removed, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

[ $# -eq 3 ] || { echo "usage: $0 EXERCISE SUBMISSION_DIR OUT_DIR" >&2; exit 2; }
exercise=$1
submission=$(cd "$2" && pwd)
mkdir -p "$3"
out=$(cd "$3" && pwd)
grader=${GRADER:-$root/target/debug/grader}
[ -x "$grader" ] || { echo "gradescope-box: no grader at $grader (cargo build -p grader)" >&2; exit 1; }
base=${GRADER_BASE_IMAGE:-$(scripts/build-grader-base.sh)}
cpus=${BOX_CPUS:-0.5}
memory=${BOX_MEMORY:-768m}

pkg=$("$grader" package --gradescope "$exercise" --out "$out" --course "$root")
mkdir -p "$out/results" "$pkg/curso/target"
name="course-gradescope-box-$$"
trap 'docker rm -f "$name" "$name-setup" >/dev/null 2>&1 || true' EXIT
mounts=(
  -v "$pkg:/autograder/source"
  -v "$root/target:/autograder/source/curso/target"
  -v "$submission:/autograder/submission:ro"
  -v "$out/results:/autograder/results"
  -v "$grader:/usr/local/bin/grader:ro"
  -e GRADER=/usr/local/bin/grader
)

# setup.sh's last step, at the box's paths: the reference graded once.
docker run --rm --name "$name-setup" "${mounts[@]}" "$base" \
  grader "$exercise" --solution --backend native --course /autograder/source/curso >/dev/null 2>&1 || true

# The measured run. The container's memory cgroup records its peak (cgroup v1 or v2).
start=$(date +%s.%N)
docker run --rm --name "$name" --cpus "$cpus" --memory "$memory" --memory-swap "$memory" \
  "${mounts[@]}" "$base" bash -c '
    cp /autograder/source/run_autograder /autograder/run_autograder
    /autograder/run_autograder
    cat /sys/fs/cgroup/memory.peak 2>/dev/null || cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes
  ' >"$out/box.log" 2>&1 || { cat "$out/box.log" >&2; exit 1; }
end=$(date +%s.%N)
peak=$(tail -n 1 "$out/box.log")
[ -s "$out/results/results.json" ] || { echo "gradescope-box: no results.json" >&2; cat "$out/box.log" >&2; exit 1; }
awk -v s="$start" -v e="$end" -v p="$peak" -v r="$out/results/results.json" \
  'BEGIN { printf "seconds=%.1f peak_mb=%d results=%s\n", e - s, p / 1048576, r }'
