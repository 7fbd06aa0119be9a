#!/usr/bin/env bash
# Builds the local images docker-compose.local.yml runs where no registry is reachable, each
# from this machine's binaries and the shared libraries they link, on scratch, laid out like
# the official image, with busybox's wget for the compose health checks:
#   course-local/loja:<APP>-<hash>             the course app, built here with cargo (dev profile)
#   course-local/prometheus-stack:<ver>-<hash> scripts/build-images.sh's Prometheus + wget
#   course-local/alertmanager:<ver>-<hash>     Debian's prometheus-alertmanager
#   course-local/node-exporter:<ver>-<hash>    Debian's prometheus-node-exporter
#   course-local/pushgateway:<ver>-<hash>      Debian's prometheus-pushgateway (the grader's ex8)
# An image is reused when it exists for the same files (the tag carries their hash), so a
# re-run only copies and hashes. Installs the Debian packages it needs when missing.
#
# APP (default ex2-metricas-negocio, as in docker-compose.yml) is the cargo package of the app.
# PROMETHEUS_BIN and ALERTMANAGER_BIN (default: Debian's, installed) choose other binaries, with
# promtool / amtool beside them: scripts/prometheus3.sh's, for the images of Prometheus 3.5
# and Alertmanager 0.28.1 (the Alertmanager's templates are read from ../share/prometheus).
# Prints the images as KEY=value lines, for `--env-file` or `set -a; eval "$(...)"`:
#   LOCAL_APP_IMAGE=... LOCAL_PROMETHEUS_IMAGE=... LOCAL_ALERTMANAGER_IMAGE=... LOCAL_NODE_EXPORTER_IMAGE=...
#   LOCAL_PUSHGATEWAY_IMAGE=...
set -euo pipefail
cd "$(dirname "$0")/.."

app=${APP:-ex2-metricas-negocio}
cargo=${CARGO:-cargo}

log() { echo "build-stack-images: $*" >&2; }

# --- what the images are made of ------------------------------------------------------------
need=()
[ -n "${ALERTMANAGER_BIN:-}" ] || command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v prometheus-node-exporter >/dev/null 2>&1 || need+=(prometheus-node-exporter)
command -v prometheus-pushgateway >/dev/null 2>&1 || need+=(prometheus-pushgateway)
command -v busybox >/dev/null 2>&1 || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || { log "missing ${need[*]} and no apt-get to install them"; exit 1; }
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "installing Debian's ${need[*]}"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The packages may start system services on the ports the stack uses; the stack runs its own.
  if command -v systemctl >/dev/null 2>&1; then
    for svc in prometheus-alertmanager prometheus-node-exporter prometheus-pushgateway; do
      if systemctl is-active --quiet "$svc" 2>/dev/null; then
        $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
      fi
    done
  fi
fi
prometheus_image=$(scripts/build-images.sh)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Copies binary $1 to $2 under rootfs $3, with the shared libraries it links at the same paths
# (the loader included). A static binary links nothing.
add_binary() {
  local src=$1 dest=$2 rootfs=$3 lib
  mkdir -p "$rootfs$(dirname "$dest")"
  cp -L "$src" "$rootfs$dest"
  { ldd "$src" 2>/dev/null || true; } | { grep -oE '/[^ ]+' || true; } | while read -r lib; do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
}

# busybox as /bin/busybox with /bin/wget, as in the official Prometheus images.
add_wget() {
  local rootfs=$1
  add_binary "$(command -v busybox)" /bin/busybox "$rootfs"
  ln -sf busybox "$rootfs/bin/wget"
}

# Builds context $2 (with docker/$3/Dockerfile) as $1:<$4>-<hash of the context>, unless that
# image exists; prints the image name. Extra arguments go to docker build.
build() {
  local repo=$1 ctx=$2 dir=$3 prefix=$4 hash image old
  shift 4
  cp "docker/$dir/Dockerfile" "$ctx/Dockerfile"
  hash=$(cd "$ctx" && find . \( -type f -o -type l \) -print | LC_ALL=C sort \
    | while read -r f; do
        if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"; else sha256sum "$f"; fi
      done | sha256sum | cut -c1-12)
  image="$repo:$prefix-$hash"
  if ! docker image inspect "$image" >/dev/null 2>&1; then
    log "building $image"
    if ! docker build -q -t "$image" "$@" "$ctx" >"$ctx/.build.log" 2>&1; then
      cat "$ctx/.build.log" >&2
      exit 1
    fi
    # Older builds of the same thing (a rebuilt app, an upgraded package): removed unless a
    # container still uses them.
    docker image ls --format '{{.Repository}}:{{.Tag}}' "$repo" | grep "^$repo:$prefix-" \
      | grep -vx "$image" | while read -r old; do
        docker image rm "$old" >/dev/null 2>&1 || true
      done
  fi
  echo "$image"
}

# --- the app ----------------------------------------------------------------------------------
log "cargo build -p $app"
exe=$("$cargo" build --quiet -p "$app" --message-format=json-render-diagnostics \
  | grep -oE '"executable":"[^"]+"' | tail -n1 | sed -e 's/^"executable":"//' -e 's/"$//')
[ -n "$exe" ] && [ -x "$exe" ] || { log "cargo built no executable for $app"; exit 1; }
ctx="$work/loja"
add_binary "$exe" /usr/local/bin/loja "$ctx/rootfs"
add_wget "$ctx/rootfs"
app_image=$(build course-local/loja "$ctx" loja-local "$app")

# --- Prometheus ---------------------------------------------------------------------------------
ctx="$work/prometheus"
add_wget "$ctx/rootfs"
# The base image's id is part of what the tag's hash covers.
docker image inspect -f '{{.Id}}' "$prometheus_image" >"$ctx/base-image-id"
prometheus_stack_image=$(build course-local/prometheus-stack "$ctx" prometheus-stack-local \
  "${prometheus_image##*:}" --build-arg "BASE=$prometheus_image")

# --- Alertmanager -------------------------------------------------------------------------------
ctx="$work/alertmanager"
am_bin=${ALERTMANAGER_BIN:-$(command -v prometheus-alertmanager)}
am_dir=$(dirname "$am_bin")
version=$("$am_bin" --version 2>&1 | head -n1 | awk '{print $3}' | tr '+~' '--')
add_binary "$am_bin" /bin/alertmanager "$ctx/rootfs"
if [ -n "${ALERTMANAGER_BIN:-}" ]; then amtool="$am_dir/amtool"; else amtool=$(command -v amtool); fi
add_binary "$amtool" /bin/amtool "$ctx/rootfs"
# Debian's build reads its notification templates (and web page) from here at run time.
mkdir -p "$ctx/rootfs/usr/share/prometheus"
cp -a "$am_dir/../share/prometheus/alertmanager" "$ctx/rootfs/usr/share/prometheus/"
add_wget "$ctx/rootfs"
mkdir -p "$ctx/rootfs/etc/alertmanager" "$ctx/data"
cat >"$ctx/rootfs/etc/alertmanager/alertmanager.yml" <<'YML'
route:
  receiver: nenhum
receivers:
  - name: nenhum
YML
alertmanager_image=$(build course-local/alertmanager "$ctx" alertmanager-local "$version")

# --- node-exporter ------------------------------------------------------------------------------
ctx="$work/node-exporter"
version=$(prometheus-node-exporter --version 2>&1 | head -n1 | awk '{print $3}' | tr '+~' '--')
add_binary "$(command -v prometheus-node-exporter)" /bin/node_exporter "$ctx/rootfs"
add_wget "$ctx/rootfs"
node_exporter_image=$(build course-local/node-exporter "$ctx" node-exporter-local "$version")

# --- Pushgateway ---------------------------------------------------------------------------------
ctx="$work/pushgateway"
version=$(prometheus-pushgateway --version 2>&1 | head -n1 | awk '{print $3}' | tr '+~' '--')
add_binary "$(command -v prometheus-pushgateway)" /bin/pushgateway "$ctx/rootfs"
# Debian's build reads its web page's templates from here at run time.
mkdir -p "$ctx/rootfs/usr/share/prometheus" "$ctx/data"
cp -a /usr/share/prometheus/pushgateway "$ctx/rootfs/usr/share/prometheus/"
add_wget "$ctx/rootfs"
pushgateway_image=$(build course-local/pushgateway "$ctx" pushgateway-local "$version")

echo "LOCAL_APP_IMAGE=$app_image"
echo "LOCAL_PROMETHEUS_IMAGE=$prometheus_stack_image"
echo "LOCAL_ALERTMANAGER_IMAGE=$alertmanager_image"
echo "LOCAL_NODE_EXPORTER_IMAGE=$node_exporter_image"
echo "LOCAL_PUSHGATEWAY_IMAGE=$pushgateway_image"
