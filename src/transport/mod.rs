//! Transports as sans-IO codecs: what goes on the wire for a stream open,
//! restart, stanza and close, and what a received message means.

pub mod bosh;
pub mod websocket;

/// Milliseconds on the shell's monotonic clock.
pub type Millis = u64;
