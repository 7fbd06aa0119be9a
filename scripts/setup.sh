#!/usr/bin/env bash
# Installs what grading needs and the toolchain does not bring: a Prometheus server (and its
# promtool), for ex5's notifications an Alertmanager, and for ex8's batch job a Pushgateway
# and the OpenSSL headers its push client builds with (the `prometheus` crate's `push` feature
# brings reqwest's default TLS). On Debian and Ubuntu it uses the distribution's packages;
# elsewhere it says how.
set -euo pipefail

need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
if ! command -v alertmanager >/dev/null 2>&1 && ! command -v prometheus-alertmanager >/dev/null 2>&1; then
  need+=(prometheus-alertmanager)
fi
if ! command -v pushgateway >/dev/null 2>&1 && ! command -v prometheus-pushgateway >/dev/null 2>&1; then
  need+=(prometheus-pushgateway)
fi
# The final project's config scrapes the machine through a Node Exporter; the grader runs one.
if ! command -v node_exporter >/dev/null 2>&1 && ! command -v prometheus-node-exporter >/dev/null 2>&1; then
  need+=(prometheus-node-exporter)
fi
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in libssl-dev pkg-config; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need+=("$pkg")
  done
fi
# The Python track (python/) and its tests make a virtual environment; as root, from the
# system's Python, which the user nobody can run (see scripts/python-venv.sh).
py=python3
[ "$(id -u)" -ne 0 ] || py=/usr/bin/python3
"$py" -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3 python3-venv)

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
    for svc in prometheus prometheus-alertmanager prometheus-pushgateway prometheus-node-exporter; do
      if systemctl is-active --quiet "$svc" 2>/dev/null; then
        $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
      fi
    done
  fi
fi
echo "setup: $(prometheus --version 2>&1 | head -n1)"
