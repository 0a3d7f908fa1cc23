//! xmpp-tunnel: a Finesse-compatible EventTunnel. Everything but `web` is a
//! sans-IO core (no I/O, no clock) that the browser shell in `web` drives;
//! docs/architecture.md has the map.
#![cfg_attr(any(feature = "bundle", feature = "scram-module"), no_std)]
// unsafe only where the browser modules meet wasm itself: their exports,
// imports and allocator (src/web/ffi.rs, io.rs, bundle.rs, src/scram_module.rs).
#![deny(unsafe_code)]

extern crate alloc;

pub mod config;
pub mod json;
mod prelude;
pub mod protocol;
pub mod transport;
pub mod tunnel;
pub mod xml;
pub mod xmpp;
#[cfg(all(target_arch = "wasm32", feature = "bundle"))]
pub mod web;
#[cfg(all(target_arch = "wasm32", feature = "scram-module", not(feature = "bundle")))]
mod scram_module;
