#!/usr/bin/env bash
# Builds course-local/grader-base: this machine's own Debian userland (its /usr and /etc),
# Rust toolchain and cargo cache, and the Prometheus, Alertmanager, Pushgateway and Node
# Exporter scripts/setup.sh installed, as one image. It stands in, where no registry is
# reachable, for the official images the platform packages start from (`rust:<version>` plus
# Debian's packages): the PrairieLearn image of `grader package --prairielearn` is built FROM
# it in the tests, and the Gradescope autograder runs in it under Gradescope's limits
# (scripts/bench-gradescope.sh). Prints the image name; reuses the image when it exists.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v prometheus >/dev/null || { echo "build-grader-base: run scripts/setup.sh first" >&2; exit 1; }
rustc_version=$(rustc --version | awk '{print $2}')
# The suffix is the layout's revision: bump it when what goes into the image changes.
image="course-local/grader-base:${rustc_version}-l1"
if docker image inspect "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi

rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
cargo_home=${CARGO_HOME:-$HOME/.cargo}
toolchain=$(rustup show active-toolchain | awk '{print $1}')
toolchain_dir=$(readlink -f "$rustup_home/toolchains/$toolchain")
[ -d "$toolchain_dir" ] || { echo "build-grader-base: no toolchain at $toolchain_dir" >&2; exit 1; }

# Everything goes in at the same paths as here, so the toolchain, the cargo cache and the
# linker find each other as they do on this machine. Large parts of /usr no grading uses
# (other languages' runtimes, documentation) stay out.
list=$(mktemp)
trap 'rm -f "$list"' EXIT
{
  echo usr; echo etc; echo bin; echo lib; echo lib64; echo sbin
  echo "${rustup_home#/}/settings.toml"
  echo "${rustup_home#/}/toolchains/$toolchain"
  echo "${toolchain_dir#/}"
  echo "${cargo_home#/}/bin"
  echo "${cargo_home#/}/registry"
} >"$list"
tar -C / --numeric-owner -cf - \
  --exclude=usr/lib/google-cloud-sdk --exclude=usr/lib/jvm --exclude=usr/lib/llvm-14 \
  --exclude=usr/share/doc --exclude=usr/share/man --exclude=usr/lib/postgresql \
  --exclude=usr/local/lib/node_modules --exclude='etc/ssh/ssh_host_*' \
  -T "$list" 2>/dev/null |
  docker import \
    --change "ENV PATH=${cargo_home}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV RUSTUP_HOME=${rustup_home} CARGO_HOME=${cargo_home} RUSTUP_AUTO_INSTALL=0" \
    --change "CMD [\"/bin/bash\"]" \
    - "$image" >/dev/null
# /tmp and /root exist in any real base image.
ctx=$(mktemp -d)
trap 'rm -f "$list"; rm -rf "$ctx"' EXIT
printf 'FROM %s\nRUN mkdir -p /tmp /root /var/tmp && chmod 1777 /tmp /var/tmp\n' "$image" >"$ctx/Dockerfile"
docker build -q -t "$image" "$ctx" >/dev/null
echo "$image"
