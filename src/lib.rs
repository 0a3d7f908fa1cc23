//! xmpp-tunnel: a Finesse-compatible EventTunnel. Everything but `web` is a
//! sans-IO core (no I/O, no clock) that the browser shell in `web` drives;
//! docs/architecture.md has the map.
#![cfg_attr(feature = "bundle", no_std)]
// unsafe only where the browser bundle meets wasm itself: its exports,
// imports and allocator (src/web/ffi.rs, io.rs, bundle.rs).
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
