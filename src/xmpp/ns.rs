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
/// RFC 6121 roster, and roster versioning's stream feature.
pub const ROSTER: &str = "jabber:iq:roster";
pub const ROSTER_VER: &str = "urn:xmpp:features:rosterver";
/// XEP-0085 chat states.
pub const CHAT_STATES: &str = "http://jabber.org/protocol/chatstates";
/// XEP-0184 message delivery receipts.
pub const RECEIPTS: &str = "urn:xmpp:receipts";
/// XEP-0280 message carbons, and XEP-0297 forwarding that carries them.
pub const CARBONS: &str = "urn:xmpp:carbons:2";
pub const FORWARD: &str = "urn:xmpp:forward:0";
/// XEP-0203 delayed delivery.
pub const DELAY: &str = "urn:xmpp:delay";
/// XEP-0313 message archive management, its data form (XEP-0004) and
/// result paging (XEP-0059).
pub const MAM: &str = "urn:xmpp:mam:2";
pub const DATA: &str = "jabber:x:data";
pub const RSM: &str = "http://jabber.org/protocol/rsm";
/// XEP-0359 stanza ids (the archive's id of a message).
pub const SID: &str = "urn:xmpp:sid:0";
/// XEP-0191 blocking.
pub const BLOCKING: &str = "urn:xmpp:blocking";
/// XEP-0045 multi-user chat, and XEP-0249 direct invitations.
pub const MUC: &str = "http://jabber.org/protocol/muc";
pub const MUC_USER: &str = "http://jabber.org/protocol/muc#user";
pub const MUC_OWNER: &str = "http://jabber.org/protocol/muc#owner";
pub const CONFERENCE: &str = "jabber:x:conference";
