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
cargo test --workspace --doc --quiet
# locustfile.py, for students who use Locust, against the real shop (Locust from PyPI,
# cached in target/locust-venv).
scripts/locust-check.sh
# The book: installs mdBook and Chromium when missing, builds it, checks its links and
# includes against the built pages, and renders a chapter in headless Chromium.
scripts/book.sh
