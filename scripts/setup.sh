#!/usr/bin/env bash
# Installs what grading needs and the toolchain does not bring: a Prometheus server (and its
# promtool) and, for ex5's notifications, an Alertmanager. On Debian and Ubuntu it uses the
# distribution's packages; elsewhere it says how.
set -euo pipefail

need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
if ! command -v alertmanager >/dev/null 2>&1 && ! command -v prometheus-alertmanager >/dev/null 2>&1; then
  need+=(prometheus-alertmanager)
fi

if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: missing ${need[*]}. Download them from https://prometheus.io/download/," >&2
    echo "       put the binaries on PATH (or pass --prometheus-bin / --alertmanager-bin)." >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing Debian's ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The packages may start system services; the grader starts its own per run.
  if command -v systemctl >/dev/null 2>&1; then
    for svc in prometheus prometheus-alertmanager; do
      if systemctl is-active --quiet "$svc" 2>/dev/null; then
        $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
      fi
    done
  fi
fi
echo "setup: $(prometheus --version 2>&1 | head -n1)"
