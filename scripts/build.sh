#!/usr/bin/env bash
# Builds the tunnel page into build/tunnel/: wasm (cargo, the no_std bundle)
# → size-optimised wasm (wasm-opt); the page's JavaScript minified (esbuild)
# and inline in index.html. Run scripts/setup.sh first on a fresh
# machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
root=$PWD
# TUNNEL_CRATE lets a throwaway crate stand in while testing this script.
crate=${TUNNEL_CRATE:-$root}
target_dir=${CARGO_TARGET_DIR:-$crate/target}
out=$root/build/tunnel

# core and alloc are rebuilt with the bundle (-Zbuild-std, from rust-src)
# rather than linked precompiled, so that a panic is one trap (no message,
# no location, no formatting code), and std's generics are instantiated and
# optimised for size here instead of reusing its speed-optimised copies
# (-Zshare-generics=n). Inlining is left to LLVM, which sees the whole
# program under LTO: every function may be inlined across crates
# (-Zcross-crate-inline-threshold=always) and MIR's own inliner, which
# decides earlier and worse for size, is off (-Zmir-opt-level=1, the level
# of debug builds). Measured 2026-12-03, gzipped wasm: 49.1 KB → 45.8 KB with
# build-std and share-generics, → 44.3 KB with the inlining flags; same
# behaviour (our panic handler already trapped). These are unstable flags,
# so RUSTC_BOOTSTRAP unlocks them on the machine's one stable toolchain; only
# this build uses them, into its own target directory (tests build the crate
# normally).
echo "build: cargo (wasm32, release, core and alloc rebuilt for size)"
bundle_dir=$target_dir/bundle
wasm_opt=$root/node_modules/.bin/wasm-opt
[ -x "$wasm_opt" ] || { echo "build: $wasm_opt missing: run bash scripts/setup.sh" >&2; exit 1; }
rm -rf "$out" && mkdir -p "$out"

# wasm-opt comes from npm's binaryen (Debian's binaryen 108 is too old for
# what Rust >= 1.82 emits for wasm32); the post-MVP features are named
# explicitly.
features=(--enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int
  --enable-mutable-globals --enable-multivalue --enable-reference-types)
# Flags measured on this module (gzipped bytes, 2026-12-03): flatten +
# rereloop twice before the final -Oz saves ~600 B over plain -Oz. The memory
# is the module's own (exported, never imported), so it starts zeroed, and
# Rust places the 1 MB stack first, so addresses below 1024 are only reached by
# a stack already overflowing. --traps-never-happen would save 900 B more but
# turns a panic into undefined behaviour; not taken.
# A last -Oz after --converge still takes ~90 B off.
passes=(--low-memory-unused --zero-filled-memory --flatten --rereloop -Oz -Oz
  --flatten --rereloop -Oz --converge -Oz)

# One crate, two modules: the tunnel (no hashes: the page computes SCRAM's
# keys and proof with WebCrypto) and, for pages without WebCrypto, the
# hashes alone (scram.wasm, fetched only by those).
build_module() { # features output
  RUSTC_BOOTSTRAP=1 \
  RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zshare-generics=n -Zlocation-detail=none -Zfmt-debug=none
    -Zcross-crate-inline-threshold=always -Zmir-opt-level=1" \
    cargo build --quiet --lib --release --target wasm32-unknown-unknown --no-default-features --features "$1" \
    -Zbuild-std=core,alloc --target-dir "$bundle_dir" --manifest-path "$crate/Cargo.toml"
  "$wasm_opt" "${passes[@]}" --strip-producers --strip-target-features "${features[@]}" \
    "$bundle_dir/wasm32-unknown-unknown/release/xmpp_tunnel.wasm" -o "$out/$2"
  # V8 (as in Chromium) must accept the result.
  node -e 'if (!WebAssembly.validate(require("fs").readFileSync(process.argv[1]))) { console.error("build: invalid wasm"); process.exit(1) }' "$out/$2"
}
build_module bundle tunnel_bg.wasm
build_module scram-module scram.wasm

# The page's JavaScript, minified (every agent downloads it), and inline in
# index.html: as a file of its own it would cost a round trip before the
# module and config.json are even requested.
echo "build: esbuild"
tmp_js=$(mktemp -d)
trap 'rm -rf "$tmp_js"' EXIT
"$root/node_modules/.bin/esbuild" www/tunnel/shell.js --format=iife --minify \
  --target=es2022 --log-level=warning --outfile="$tmp_js/tunnel.js"
node scripts/page.mjs inline www/tunnel/index.html "$tmp_js/tunnel.js" "$out/index.html"
echo "build: a Content-Security-Policy for the page needs $(node scripts/page.mjs csp "$out/index.html")"
echo "build: $(du -b "$out/tunnel_bg.wasm" | cut -f1) + $(du -b "$out/scram.wasm" | cut -f1) bytes wasm → build/tunnel/"
