#!/usr/bin/env bash
# Idempotent set-up of everything the build, the tests and the demo need.
# CI starts on a fresh Debian 12 (root, rustup/cargo, node, npm present) with
# no stdin, so nothing here may prompt; every step is skipped when satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
export PATH="$HOME/.cargo/bin:$PATH"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# 1. Debian packages: the browsers (Chromium and its WebDriver, for
# wasm-bindgen-test; Firefox ESR, driven over WebDriver BiDi by
# puppeteer-core), the two XMPP servers, and nginx with openssl for the deployment test
# (deploy/nginx/ with TLS in front of them). (wasm-opt comes
# from npm's binaryen: Debian's 108 cannot read current wasm-bindgen output.)
pkgs=(chromium chromium-driver firefox-esr prosody ejabberd nginx openssl)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: apt packages present"
else
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  # A package install may start the system services; our tests run private
  # instances, so stop those once through their own init mechanism. The pid
  # files are checked rather than "status", which would spawn epmd.
  for svc in prosody ejabberd nginx; do
    pidf=/run/$svc/$svc.pid
    if [ "$svc" = nginx ]; then pidf=/run/nginx.pid; fi
    if [ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
      echo "setup: stopping system $svc service"
      if [ -d /run/systemd/system ]; then $SUDO systemctl stop "$svc" || true
      else $SUDO "/etc/init.d/$svc" stop >/dev/null || true; fi
    fi
  done
fi

# 2. Rust target for the tunnel.
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: rust target wasm32-unknown-unknown present"
else
  echo "setup: adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
# 3. wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
# No --locked: the registry mirror lacks one of its pinned transitive versions.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$want" ] || { echo "setup: no wasm-bindgen in Cargo.lock" >&2; exit 1; }
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" = "$want" ]; then
  echo "setup: wasm-bindgen-cli $want present"
else
  echo "setup: installing wasm-bindgen-cli $want (a few minutes)"
  cargo install -q wasm-bindgen-cli --version "$want"
fi

# 4. npm dependencies, when missing or older than the lock file.
if [ -d node_modules ] && [ node_modules -nt package-lock.json ]; then
  echo "setup: node_modules up to date"
else
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  touch node_modules
fi
