#!/usr/bin/env bash
# The course's whole test suite, from a fresh clone: installs what it needs, builds every
# crate (the unsolved starters too: they must compile), and runs every test, including the
# grader's against the real Prometheus.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
# The grader's Docker backend is tested with an image built here from the native binary
# (no registry is needed); without a Docker engine those tests fail and say so.
GRADER_TEST_PROMETHEUS_IMAGE=$(scripts/build-images.sh)
export GRADER_TEST_PROMETHEUS_IMAGE
# The student's stack (docker-compose.yml, crates/stack-tests) is tested with Compose and with
# local images built from Debian's packages and the app, since no registry is reachable.
if ! command -v docker-compose >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi
# Installs prometheus-alertmanager, prometheus-node-exporter and busybox-static when missing;
# the end-to-end test calls it again and finds the images ready.
stack_images=$(APP=ex2-metricas-negocio-solucao scripts/build-stack-images.sh)
# The grader's ex5 runs Alertmanager beside Prometheus; its Docker path uses the local image.
GRADER_TEST_ALERTMANAGER_IMAGE=$(sed -n 's/^LOCAL_ALERTMANAGER_IMAGE=//p' <<<"$stack_images")
export GRADER_TEST_ALERTMANAGER_IMAGE
# ex8 runs a Pushgateway beside Prometheus; its Docker path uses the local image too.
GRADER_TEST_PUSHGATEWAY_IMAGE=$(sed -n 's/^LOCAL_PUSHGATEWAY_IMAGE=//p' <<<"$stack_images")
export GRADER_TEST_PUSHGATEWAY_IMAGE
# The platform packages that run in containers (PrairieLearn's image, Gradescope's box) start
# from a local base image made of this machine's Debian, Rust and Prometheus packages.
GRADER_TEST_GRADER_BASE_IMAGE=$(scripts/build-grader-base.sh)
export GRADER_TEST_GRADER_BASE_IMAGE
# The Python track's Flask apps (python/) run in a venv made from PyPI (target/python-venv);
# the grader's tests of that track put its python3 first on PATH.
GRADER_TEST_PYTHON=$(scripts/python-venv.sh)
export GRADER_TEST_PYTHON

cargo fmt --all --check
# Every crate compiles with no warning, the starters included (they are unsolved, not broken).
cargo clippy --workspace --all-targets --quiet -- -D warnings

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "test: installing cargo-nextest"
  cargo install --locked cargo-nextest --quiet
fi
cargo nextest run --workspace --no-fail-fast
# The same grading tests on Prometheus 3.5, the major of the image students grade with
# (prom/prometheus:v3.5.0, prom/alertmanager:v0.28.1): Debian's 3.5.3 and Alertmanager 0.28.1
# (scripts/prometheus3.sh, cached in target/prom3) first on PATH for the native backend, and
# local images built from them for the Docker one. Every solution and starter (tests/course.rs,
# ex5's live alerts and the final project's Black Friday among them), the broken fixtures, the
# fast exercises' variants and both backends give the verdicts they give on 2.42: the same
# tests and snapshots pass on both, and the Prometheus that watch and bulk keep between
# gradings forgets each one's samples on 3.5 too. tests/prometheus3.rs (first pass) asserts
# where the majors differ.
prom3_tests='binary(course) | binary(bad_input) | binary(config_exercise)
  | binary(answers_exercise) | binary(dashboard_exercise) | binary(cli)
  | binary(kept_prometheus)
  | (binary(backends) & test(both_backends_give_the_same_verdicts))'
scripts/prometheus3.sh >target/prom3.env
# shellcheck disable=SC1091
. target/prom3.env
prom3_image=$(PROMETHEUS_BIN="$PROM3_PROMETHEUS" scripts/build-images.sh)
prom3_alertmanager=$(APP=ex2-metricas-negocio-solucao PROMETHEUS_BIN="$PROM3_PROMETHEUS" \
  ALERTMANAGER_BIN="$PROM3_ALERTMANAGER" scripts/build-stack-images.sh \
  | sed -n 's/^LOCAL_ALERTMANAGER_IMAGE=//p')
# The Docker backend on 3.5 against the native one: the fast exercises, and ex5's live alerts
# through Alertmanager 0.28.1's image (the final project runs natively in tests/course.rs).
PATH="$PROM3_BIN_DIR:$PATH" GRADER_TEST_PROMETHEUS_IMAGE="$prom3_image" \
  GRADER_TEST_ALERTMANAGER_IMAGE="$prom3_alertmanager" GRADER_TEST_BACKENDS_ONLY=ex1,ex2,ex3,ex4,ex5,ex6 \
  cargo nextest run -p grader --no-fail-fast -E "$prom3_tests"
cargo test --workspace --doc --quiet
# locustfile.py, for students who use Locust, against the real shop (Locust from PyPI,
# cached in target/locust-venv).
scripts/locust-check.sh
# The book: installs mdBook and Chromium when missing, builds it, checks its links and
# includes against the built pages, and renders a chapter in headless Chromium.
scripts/book.sh
