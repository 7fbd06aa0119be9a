#!/usr/bin/env bash
# Installs what grading needs and the toolchain does not bring: a Prometheus server (and its
# promtool). On Debian and Ubuntu it uses the distribution's package; elsewhere it says how.
set -euo pipefail

if command -v prometheus >/dev/null 2>&1; then
  echo "setup: $(prometheus --version 2>&1 | head -n1)"
  exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing Debian's prometheus package"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # The package may start a system service; the grader starts its own Prometheus per run.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
  echo "setup: $(prometheus --version 2>&1 | head -n1)"
else
  echo "setup: no prometheus on PATH. Download it from https://prometheus.io/download/," >&2
  echo "       put the prometheus binary on PATH (or pass --prometheus-bin to the grader)." >&2
  exit 1
fi
