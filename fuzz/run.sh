#!/usr/bin/env bash
# `npm run fuzz`: every target, 10^7 generated inputs each (after its
# regressions and seeds), on all cores. Extra arguments go to the fuzzer:
#   npm run fuzz -- --target core --inputs 1000000 --seed 7
# The dev profile unwinds (the release profile aborts on panic, and
# catch_unwind needs unwinding); optimized here, with overflow checks and
# debug assertions on. Its own target directory keeps it off the lock of
# the main one.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="$PWD/target/fuzz"
export CARGO_PROFILE_DEV_OPT_LEVEL=3
export CARGO_PROFILE_DEV_DEBUG_ASSERTIONS=true
export CARGO_PROFILE_DEV_OVERFLOW_CHECKS=true
export CARGO_PROFILE_DEV_DEBUG=line-tables-only
cargo build --quiet -p xmpp-tunnel-fuzz --bin fuzz
exec "$CARGO_TARGET_DIR/debug/fuzz" --inputs 10000000 "$@"
