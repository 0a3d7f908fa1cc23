#!/usr/bin/env bash
# The README's test command: set-up, build, native tests of the core, then the
# browser and interop tests against real Prosody/ejabberd in real Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
start=$(date +%s)

bash scripts/setup.sh
bash scripts/build.sh
# The tunnel page's gzipped download (html with its script, and the wasm;
# and with scram.wasm, which only pages without WebCrypto fetch). Its budget
# is 120 KB (150 KB for a plain-http page); these ratchets hold what the
# page is now, and move down as it shrinks. (Raised from 119,048/140,715 by
# the security review's fixes, issue 21, and cluster failover, issue 23.)
# The IM page (im.html, issue 24) is held at what it landed at.
node scripts/size.mjs --max 121579 --max-insecure 144646 --max-im 143978

echo "test: native unit and transcript tests of the core"
cargo test --workspace --quiet
echo "test: the same, built without instant messaging (the module legacy pages load)"
cargo test --quiet --no-default-features --features hashes,unicode

echo "test: the core as wasm32 (wasm-bindgen-test, in Node)"
# (No --quiet: cargo passes it on, and the runner refuses it.)
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown --test wasm

echo "test: the browser shell in headless Chromium (wasm-bindgen-test; webdriver.json)"
CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown --lib --features shell

echo "test: infrastructure, browser and interop tests"
# One file at a time: each starts its own servers and browser, and the
# machines have 2 cores.
node --test --test-concurrency=1 tests/*.test.mjs bench/*.test.mjs tests/browser/*.test.mjs

echo "test: all done in $(( $(date +%s) - start )) s"
