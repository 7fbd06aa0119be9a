#!/usr/bin/env bash
# Fetches Prometheus 3 (and the Alertmanager the official images pin) from Debian's archive
# for the tests, without touching this machine's apt sources or installed packages: an apt
# configuration of its own under target/prom3/apt, `apt-get download`, and `dpkg-deb -x` into
# target/prom3/root. The binaries link only libc, so they run on Debian 12 and Ubuntu.
#
# The versions are pinned exactly; a run with the packages already unpacked touches no network.
# When the archive stops serving a pinned version, it fails and says what is served instead.
#
# Prints the binaries as KEY=value lines:
#   PROM3_BIN_DIR=...  (prometheus, promtool, prometheus-alertmanager and amtool, together)
#   PROM3_PROMETHEUS=... PROM3_PROMTOOL=... PROM3_ALERTMANAGER=... PROM3_AMTOOL=...
set -euo pipefail
cd "$(dirname "$0")/.."

# package=version@suite. prometheus and promtool from sid (3.5 LTS), Alertmanager from trixie
# (0.28.1, the version of the image the grader pulls, prom/alertmanager:v0.28.1).
pins=(
  "prometheus=3.5.3+ds1-6@sid"
  "promtool=3.5.3+ds1-6@sid"
  "prometheus-alertmanager=0.28.1+ds-1@trixie"
)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

log() { echo "prometheus3: $*" >&2; }

base=$(pwd)/target/prom3
root="$base/root"
debs="$base/debs"
apt_dir="$base/apt"
stamp="$root/.pins"

print_paths() {
  echo "PROM3_BIN_DIR=$root/usr/bin"
  echo "PROM3_PROMETHEUS=$root/usr/bin/prometheus"
  echo "PROM3_PROMTOOL=$root/usr/bin/promtool"
  echo "PROM3_ALERTMANAGER=$root/usr/bin/prometheus-alertmanager"
  echo "PROM3_AMTOOL=$root/usr/bin/amtool"
}

# Already unpacked for these very pins: nothing to do.
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${pins[*]}" ] \
  && [ -x "$root/usr/bin/prometheus" ] && [ -x "$root/usr/bin/promtool" ] \
  && [ -x "$root/usr/bin/prometheus-alertmanager" ]; then
  print_paths
  exit 0
fi

for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 || { log "needs $tool (Debian or Ubuntu)"; exit 1; }
done
[ -r "$keyring" ] || { log "no $keyring (install debian-archive-keyring)"; exit 1; }

mkdir -p "$debs" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
suites=$(printf '%s\n' "${pins[@]}" | sed 's/.*@//' | sort -u)
for suite in $suites; do
  echo "deb [signed-by=$keyring] $mirror $suite main"
done >"$apt_dir/sources.list"

# Everything apt reads or writes is under target/prom3/apt; dpkg's database is not consulted
# (nothing is installed), and no lock of the system's apt is taken.
apt_opts=(
  -o "Dir::Etc::sourcelist=$apt_dir/sources.list"
  -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::Cache=$apt_dir/cache"
  -o "Dir::State::status=/dev/null"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=$(id -un)"
  -o "Acquire::Languages=none"
  -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
  -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
  -o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false"
)

# The .deb files already downloaded for these pins are reused; the package lists are fetched
# only when one is missing.
missing=()
for pin in "${pins[@]}"; do
  spec=${pin%@*}
  pkg=${spec%%=*}
  ver=${spec#*=}
  deb="$debs/${pkg}_${ver//:/%3a}_$(dpkg --print-architecture).deb"
  [ -f "$deb" ] || missing+=("$spec")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "fetching the package lists of $(echo $suites) from $mirror"
  if ! apt-get "${apt_opts[@]}" -qq update >"$apt_dir/update.log" 2>&1; then
    cat "$apt_dir/update.log" >&2
    log "apt-get update failed (is $mirror reachable?)"
    exit 1
  fi
  for spec in "${missing[@]}"; do
    pkg=${spec%%=*}
    ver=${spec#*=}
    log "downloading $pkg $ver"
    if ! (cd "$debs" && apt-get "${apt_opts[@]}" -qq download "$spec" >"$apt_dir/download.log" 2>&1); then
      served=$(apt-cache "${apt_opts[@]}" madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); gsub(/^ +| +$/,"",$3); print "  " $2 "  (" $3 ")"}')
      cat "$apt_dir/download.log" >&2
      log "Debian's archive no longer serves $pkg $ver."
      if [ -n "$served" ]; then
        log "it serves now:"
        echo "$served" >&2
      fi
      log "update the pin in scripts/prometheus3.sh to one of those (same upstream version if possible)."
      exit 1
    fi
  done
fi

# Unpacked afresh, so a changed pin leaves nothing of the previous version behind.
rm -rf "$root"
mkdir -p "$root"
for pin in "${pins[@]}"; do
  spec=${pin%@*}
  pkg=${spec%%=*}
  ver=${spec#*=}
  dpkg-deb -x "$debs/${pkg}_${ver//:/%3a}_$(dpkg --print-architecture).deb" "$root"
done
for b in prometheus promtool prometheus-alertmanager amtool; do
  "$root/usr/bin/$b" --version >/dev/null 2>&1 || { log "$root/usr/bin/$b does not run here"; exit 1; }
done
echo "${pins[*]}" >"$stamp"
log "$("$root/usr/bin/prometheus" --version 2>&1 | head -n1)"
log "$("$root/usr/bin/prometheus-alertmanager" --version 2>&1 | head -n1)"
print_paths
