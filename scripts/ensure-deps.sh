#!/usr/bin/env bash
# Makes a fresh Debian 12 machine ready for lbaas, then runs the given command
# with Node 24 first on PATH. Used by the README's two commands (`npm run demo`,
# `npm test`) so they work on a machine that has only Debian's Node and npm.
#
#   scripts/ensure-deps.sh <command> [args...]
#
# Installs (only what is missing; needs root): nats-server, nftables, iproute2,
# conntrack. Runs `npm ci` when node_modules is missing or older than the lock
# file. Idempotent and quiet when everything is there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

wanted=(nats-server nftables iproute2 conntrack)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  if [[ "$(id -u)" != 0 ]]; then
    echo "[lbaas] missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  else
    echo "[lbaas] installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

if [[ ! -x node_modules/.bin/node || package-lock.json -nt node_modules/.package-lock.json ]]; then
  if [[ -L node_modules ]]; then
    echo "[lbaas] node_modules is a symlink; not reinstalling" >&2
  else
    echo "[lbaas] installing npm packages (npm ci)" >&2
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi
node_version="$(node_modules/.bin/node --version 2>/dev/null || echo none)"
if [[ "$node_version" != v24.* ]]; then
  echo "[lbaas] node_modules/.bin/node is '$node_version', expected v24 (the 'node' dev dependency)" >&2
  exit 1
fi
export PATH="$PWD/node_modules/.bin:$PATH"
exec "$@"
