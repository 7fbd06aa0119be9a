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

cargo fmt --all --check
# Every crate compiles with no warning, the starters included (they are unsolved, not broken).
cargo clippy --workspace --all-targets --quiet -- -D warnings

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "test: installing cargo-nextest"
  cargo install --locked cargo-nextest --quiet
fi
cargo nextest run --workspace --no-fail-fast
cargo test --workspace --doc --quiet
# The book: installs mdBook and Chromium when missing, builds it, checks its links and
# includes against the built pages, and renders a chapter in headless Chromium.
scripts/book.sh
