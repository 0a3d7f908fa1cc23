#!/usr/bin/env bash
# Builds the tunnel pages into build/tunnel/: the tunnel module (this crate
# with its browser shell), the same with instant messaging (feature `im`,
# loaded by im.html), and the SCRAM fallback module (scram/), each by
# cargo on stable Rust, wasm-bindgen and wasm-opt; the bootstrap bundled
# with wasm-bindgen's glue by esbuild, minified, and inline in index.html.
# Run scripts/setup.sh first on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
root=$PWD
target_dir=${CARGO_TARGET_DIR:-$root/target}
wasm_dir=$target_dir/wasm32-unknown-unknown/release
out=$root/build/tunnel
pkg=$root/build/pkg
wasm_opt=$root/node_modules/.bin/wasm-opt
[ -x "$wasm_opt" ] || { echo "build: $wasm_opt missing: run bash scripts/setup.sh" >&2; exit 1; }
command -v wasm-bindgen >/dev/null || { echo "build: wasm-bindgen missing: run bash scripts/setup.sh" >&2; exit 1; }
pkg_im=$root/build/pkg-im
rm -rf "$out" "$pkg" "$pkg_im" && mkdir -p "$out" "$pkg" "$pkg_im"

# Separate invocations: built together, cargo would unify the crate's
# features and put the hashes into the tunnel module. The IM module is
# copied aside before the plain one overwrites it (same crate, same name).
echo "build: cargo (wasm32, release)"
cargo build --quiet --release --target wasm32-unknown-unknown -p xmpp-tunnel --lib \
  --no-default-features --features shell,im
cp "$wasm_dir/xmpp_tunnel.wasm" "$pkg_im/xmpp_tunnel_im.wasm"
cargo build --quiet --release --target wasm32-unknown-unknown -p xmpp-tunnel --lib \
  --no-default-features --features shell
cargo build --quiet --release --target wasm32-unknown-unknown -p xmpp-tunnel-scram --lib

echo "build: wasm-bindgen"
wasm-bindgen --target web --out-dir "$pkg" --out-name tunnel "$wasm_dir/xmpp_tunnel.wasm"
wasm-bindgen --target web --out-dir "$pkg" --out-name scram "$wasm_dir/xmpp_tunnel_scram.wasm"
wasm-bindgen --target web --out-dir "$pkg_im" --out-name tunnel-im "$pkg_im/xmpp_tunnel_im.wasm"
cp "$pkg_im/tunnel-im_bg.wasm" "$pkg/tunnel-im_bg.wasm"

# wasm-opt comes from npm's binaryen (Debian's binaryen 108 is too old for
# what current Rust and wasm-bindgen emit); the post-MVP features Rust
# enables for wasm32 are named explicitly.
echo "build: wasm-opt"
features=(--enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int
  --enable-mutable-globals --enable-multivalue --enable-reference-types)
# --low-memory-unused lets it fold constant offsets into loads and stores
# (1.3 KB gzipped of the page): it assumes nothing lives in the first 1 KB of
# memory, which holds here: Rust's wasm32 layout puts the stack first, growing
# down from 1 MB, and all data above it.
for m in tunnel:tunnel_bg.wasm tunnel-im:tunnel-im_bg.wasm scram:scram.wasm; do
  "$wasm_opt" --low-memory-unused -Oz --strip-producers "${features[@]}" "$pkg/${m%%:*}_bg.wasm" -o "$out/${m#*:}"
  # V8 (as in Chromium) must accept the result.
  node -e 'if (!WebAssembly.validate(require("fs").readFileSync(process.argv[1]))) { console.error("build: invalid wasm"); process.exit(1) }' "$out/${m#*:}"
done

# The bootstrap and the glue, minified (every agent downloads them), and
# inline in index.html: as a file of their own they would cost a round trip
# before the module and config.json are even requested.
echo "build: esbuild"
tmp_js=$(mktemp -d)
trap 'rm -rf "$tmp_js"' EXIT
# One bootstrap, bundled with each module's own glue (wasm-bindgen's
# generated names differ between the two modules).
for page in index:tunnel im:tunnel-im; do
  name=${page%%:*} module=${page#*:}
  glue=$pkg/$module.js
  [ "$name" = im ] && glue=$pkg_im/$module.js
  mkdir -p "$tmp_js/$name"
  "$root/node_modules/.bin/esbuild" www/tunnel/bootstrap.js --bundle --format=esm --minify \
    --alias:tunnel-glue="$glue" --define:TUNNEL_MODULE="\"${module}_bg.wasm\"" \
    --target=es2022 --log-level=warning --outfile="$tmp_js/$name/bootstrap.js"
  node scripts/page.mjs inline "www/tunnel/$name.html" "$tmp_js/$name/bootstrap.js" "$out/$name.html"
done
# The SCRAM fallback's worker, with scram.wasm's glue: a file of its own,
# fetched only by pages without WebCrypto.
"$root/node_modules/.bin/esbuild" www/tunnel/scram-worker.js --bundle --format=esm --minify \
  --target=es2022 --log-level=warning --outfile="$out/scram-worker.js"
echo "build: a Content-Security-Policy for the page needs $(node scripts/page.mjs csp "$out/index.html")"
echo "build: $(du -b "$out/tunnel_bg.wasm" | cut -f1) (IM: $(du -b "$out/tunnel-im_bg.wasm" | cut -f1)) + $(du -b "$out/scram.wasm" | cut -f1) bytes wasm → build/tunnel/"
