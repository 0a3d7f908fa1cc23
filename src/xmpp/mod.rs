//! The XMPP client side: stream negotiation, SASL, stanzas, pubsub, presence.

pub mod jid;
pub mod ns;
pub mod presence;
pub mod pubsub;
pub mod sasl;
pub mod session;
pub mod sm;
pub mod stanza;
