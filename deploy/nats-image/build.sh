#!/usr/bin/env bash
# Builds the local image lbaas-nats:2.9.10 from the host's Debian nats-server.
#
# Usage: deploy/nats-image/build.sh [tag]      (needs a running Docker engine)
#
# The build context is a temporary directory holding the Dockerfile and a
# `rootfs/` with /usr/sbin/nats-server plus every library `ldd` reports for it,
# copied to the same paths (symlinks resolved). Idempotent: when an image with
# this tag already carries the binary's sha256 as a label, nothing is rebuilt.
set -euo pipefail

tag="${1:-lbaas-nats:2.9.10}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
binary="${NATS_SERVER_BIN:-/usr/sbin/nats-server}"

[[ -x "$binary" ]] || { echo "build.sh: $binary not found (apt-get install nats-server)" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "build.sh: no docker engine answers" >&2; exit 1; }

digest="$(sha256sum "$binary" | cut -d' ' -f1)"
current="$(docker image inspect --format '{{ index .Config.Labels "lbaas.nats-server.sha256" }}' "$tag" 2>/dev/null || true)"
if [[ "$current" == "$digest" ]]; then
  echo "build.sh: $tag is up to date (nats-server sha256 ${digest:0:12})"
  exit 0
fi

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/rootfs"

# Copy a file to the same path under rootfs/, following symlinks.
copy_in() {
  mkdir -p "$ctx/rootfs$(dirname "$1")"
  cp -L "$1" "$ctx/rootfs$1"
}

copy_in "$binary"
# ldd lines look like `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)` or
# `/lib64/ld-linux-x86-64.so.2 (0x...)`; linux-vdso has no file and is skipped.
mapfile -t libs < <(ldd "$binary" | grep -o '/[^ ]*' || true)
for lib in "${libs[@]}"; do copy_in "$lib"; done
echo "build.sh: image files: $binary ${libs[*]}"

cp "$here/Dockerfile" "$ctx/Dockerfile"
docker build --quiet --label "lbaas.nats-server.sha256=$digest" -t "$tag" "$ctx"
docker run --rm "$tag" --version
