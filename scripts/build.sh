#!/usr/bin/env bash
# Builds the tunnel page into build/tunnel/: wasm (cargo, the no_std bundle)
# → JS glue (wasm-bindgen) → size-optimised wasm (wasm-opt); the page's
# JavaScript and the glue bundled and minified into tunnel.js (esbuild);
# index.html. Run scripts/setup.sh first on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
root=$PWD
# TUNNEL_CRATE lets a throwaway crate stand in while testing this script.
crate=${TUNNEL_CRATE:-$root}
target_dir=${CARGO_TARGET_DIR:-$crate/target}
out=$root/build/tunnel

echo "build: cargo (wasm32, release)"
cargo build --quiet --lib --release --target wasm32-unknown-unknown --features bundle \
  --manifest-path "$crate/Cargo.toml"

echo "build: wasm-bindgen"
rm -rf "$out" && mkdir -p "$out"
glue=$(mktemp -d)
trap 'rm -rf "$glue"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$glue" --out-name tunnel \
  "$target_dir/wasm32-unknown-unknown/release/xmpp_tunnel.wasm"

# wasm-opt comes from npm's binaryen: Debian's binaryen 108 cannot parse
# wasm-bindgen 0.2.130 output (its externref shims use table.fill). Rust >= 1.82
# emits these post-MVP features for wasm32, and wasm-bindgen drops the
# features section, so they are named explicitly.
echo "build: wasm-opt"
wasm_opt=$root/node_modules/.bin/wasm-opt
[ -x "$wasm_opt" ] || { echo "build: $wasm_opt missing: run bash scripts/setup.sh" >&2; exit 1; }
features=(--enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int
  --enable-mutable-globals --enable-multivalue --enable-reference-types)
"$wasm_opt" -Oz --converge "${features[@]}" "$glue/tunnel_bg.wasm" -o "$out/tunnel_bg.wasm"
# V8 (as in Chromium) must accept the result.
node -e 'if (!WebAssembly.validate(require("fs").readFileSync(process.argv[1]))) { console.error("build: invalid wasm"); process.exit(1) }' "$out/tunnel_bg.wasm"

# The page's JavaScript (www/tunnel/shell.js) and wasm-bindgen's glue, as one
# minified module: every agent downloads it.
echo "build: esbuild"
cp www/tunnel/shell.js "$glue/"
"$root/node_modules/.bin/esbuild" "$glue/shell.js" --bundle --format=esm --minify \
  --target=es2022 --log-level=warning --outfile="$out/tunnel.js"
cp www/tunnel/index.html "$out/"
echo "build: $(du -b "$out/tunnel_bg.wasm" | cut -f1) bytes wasm → build/tunnel/"
