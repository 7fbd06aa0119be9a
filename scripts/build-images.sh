#!/usr/bin/env bash
# Builds the local images the tests use where no registry is reachable:
#   course-local/prometheus:<version>  Debian's prometheus binary and the libraries it links,
#                                      on scratch, laid out like prom/prometheus.
# Prints the image name. Reuses the image when it already exists for the same binary.
#
# PROMETHEUS_BIN (default: prometheus on PATH) is the binary to package, with the promtool
# beside it: e.g. scripts/prometheus3.sh's 3.5, which gives course-local/prometheus:3.5.3-...
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${PROMETHEUS_BIN:-}" ]; then
  bin=$PROMETHEUS_BIN
  [ -x "$bin" ] || { echo "build-images: PROMETHEUS_BIN=$bin is not an executable" >&2; exit 1; }
else
  bin=$(command -v prometheus) || { echo "build-images: no prometheus binary (run scripts/setup.sh)" >&2; exit 1; }
fi
promtool="$(dirname "$bin")/promtool"
[ -x "$promtool" ] || { echo "build-images: no promtool beside $bin" >&2; exit 1; }
version=$("$bin" --version 2>&1 | head -n1 | awk '{print $3}' | tr '+~' '--')
# The suffix is the layout's revision: bump it when what goes into the image changes.
image="course-local/prometheus:${version}-l2"
if docker image inspect "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp docker/prometheus-local/Dockerfile "$ctx/"
mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/etc/prometheus" "$ctx/data" "$ctx/rootfs/tmp"
# promtool's unit tests write to /tmp, as in the official image.
chmod 1777 "$ctx/rootfs/tmp"
for src in "$bin" "$promtool"; do
  cp "$src" "$ctx/rootfs/bin/$(basename "$src")"
  # The shared libraries it links, at the same paths (the loader included).
  ldd "$src" | grep -oE '/[^ ]+' | while read -r lib; do
    mkdir -p "$ctx/rootfs$(dirname "$lib")"
    cp -L "$lib" "$ctx/rootfs$lib"
  done
done
cat >"$ctx/rootfs/etc/prometheus/prometheus.yml" <<'YML'
global:
  scrape_interval: 15s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['localhost:9090']
YML
docker build -q -t "$image" "$ctx" >/dev/null
echo "$image"
