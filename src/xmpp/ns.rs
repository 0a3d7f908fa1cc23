//! Namespaces, one constant each, named for the specification that defines it.

/// RFC 7395 WebSocket framing.
pub const FRAMING: &str = "urn:ietf:params:xml:ns:xmpp-framing";
/// RFC 6120 stream and stream errors.
pub const STREAM: &str = "http://etherx.jabber.org/streams";
pub const STREAMS: &str = "urn:ietf:params:xml:ns:xmpp-streams";
pub const SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
pub const BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";
pub const STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";
pub const CLIENT: &str = "jabber:client";
/// RFC 3921 session establishment (obsolete, still mandatory on old servers).
pub const SESSION: &str = "urn:ietf:params:xml:ns:xmpp-session";
/// XEP-0060.
pub const PUBSUB: &str = "http://jabber.org/protocol/pubsub";
pub const PUBSUB_EVENT: &str = "http://jabber.org/protocol/pubsub#event";
/// XEP-0199.
pub const PING: &str = "urn:xmpp:ping";
/// XEP-0030.
pub const DISCO_INFO: &str = "http://jabber.org/protocol/disco#info";
