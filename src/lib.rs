//! xmpp-tunnel: a Finesse-compatible EventTunnel. A sans-IO core (everything
//! but `web`) that the browser shell in `web` drives; see docs/architecture.md.
#![forbid(unsafe_code)]

pub mod protocol;
pub mod xml;
pub mod xmpp;
