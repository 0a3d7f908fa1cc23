//! xmpp-tunnel: a Finesse-compatible EventTunnel. Everything but `web` is a
//! sans-IO core (no I/O, no clock) that the browser shell in `web` drives;
//! docs/architecture.md has the map.
#![forbid(unsafe_code)]

pub mod config;
#[cfg(feature = "im")]
pub mod im;
mod json;
mod prelude;
pub mod password;
pub mod protocol;
pub mod transport;
pub mod tunnel;
pub mod unicode;
pub mod xml;
pub mod xmpp;
#[cfg(all(target_arch = "wasm32", feature = "shell"))]
pub mod web;
