//! Transports as sans-IO codecs: what goes on the wire for a stream open,
//! restart, stanza and close, and what a received message means.

pub mod websocket;
