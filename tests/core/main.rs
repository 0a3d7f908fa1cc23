//! Transcript tests of the core through its public API: literal server XML
//! and parent messages in, literal stanzas and parent messages out, on a
//! virtual clock. (Per-type unit tests sit beside the code in src/.)

mod bosh;
mod failover;
#[cfg(feature = "im")]
mod im;
mod pubsub;
mod reconnect;
mod security;
mod session;
mod stream_management;
mod tunnel;
mod tunnel_bosh;
mod tunnel_pubsub;
mod tunnel_requests;
mod tunnel_scram;
