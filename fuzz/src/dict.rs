//! Tokens the mutator inserts: the syntax of each format, so that mutated
//! inputs reach past the first check of a parser more often than random
//! bytes would.

/// XML syntax, and the references and constructs the reader refuses.
pub const XML: &[&str] = &[
    "<", ">", "/>", "</", "<a>", "</a>", "<a/>", "'", "\"", "=", " ", "\t", "\n", "\r", "\r\n", ":",
    "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&", ";", "&#", "&#x", "&#0;", "&#9;", "&#10;", "&#13;",
    "&#124;", "&#x7C;", "&#x10FFFF;", "&#x110000;", "&#xD800;", "&#xFFFE;", "&#65535;", "&#99999999999;",
    "&unknown;", "&l1;", "<![CDATA[", "]]>", "<!--", "-->", "--", "<?xml version='1.0'?>", "<?pi x?>", "?>",
    "<!DOCTYPE", "<!DOCTYPE x [<!ENTITY a 'b'>]>", "<!ENTITY", "<!", "xmlns=", "xmlns=''", "xmlns:",
    "xmlns:p='urn:p'", "p:", "xml:", "xml:lang='en'", "xmlns:xml='http://www.w3.org/XML/1998/namespace'",
    "xmlns:xmlns='u'", "<xml:a/>", "a='1'", "b=\"2\"", "x:y='z'",
];

/// XMPP and BOSH vocabulary: element names, namespaces, attributes.
pub const XMPP: &[&str] = &[
    "iq", "message", "presence", "body", "stream:features", "stream:error", "features", "error", "open", "close",
    "mechanisms", "mechanism", "auth", "challenge", "response", "success", "failure", "abort", "bind", "jid",
    "resource", "session", "optional", "enable", "enabled", "resume", "resumed", "failed", "r", "a", "sm",
    "ping", "query", "pubsub", "event", "items", "item", "retract", "purge", "delete", "notification",
    "subscribe", "unsubscribe", "subscription", "subscriptions", "text", "uri", "show", "status",
    "PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512", "SCRAM-SHA-1-PLUS",
    "jabber:client", "urn:ietf:params:xml:ns:xmpp-framing", "http://etherx.jabber.org/streams",
    "urn:ietf:params:xml:ns:xmpp-sasl", "urn:ietf:params:xml:ns:xmpp-bind", "urn:ietf:params:xml:ns:xmpp-session",
    "urn:ietf:params:xml:ns:xmpp-streams", "urn:ietf:params:xml:ns:xmpp-stanzas", "urn:xmpp:sm:3", "urn:xmpp:ping",
    "http://jabber.org/protocol/pubsub", "http://jabber.org/protocol/pubsub#event",
    "http://jabber.org/protocol/httpbind", "urn:xmpp:xbosh",
    " type='result'", " type='error'", " type='get'", " type='set'", " type='terminate'", " type='unavailable'",
    " id='bind'", " id='07070707-1'", " id='07070707-2'", " id='07070707-3'", " id='ping-1'", " id='ping-2'",
    " from='pubsub.d.example'", " from='d.example'", " to='agent1@d.example/desk'", " node='/n'",
    " sid='S1'", " rid='", " ack='", " wait='60'", " hold='0'", " hold='1'", " requests='2'", " polling='2'",
    " report='", " time='", " condition='see-other-uri'", " condition='host-unknown'", " condition='",
    " xmpp:restart='true'", " h='", " previd='R1'", " resume='true'", " max='300'", " see-other-uri='",
    " subid='", " subscription='subscribed'", " version='1.0'", "agent1@d.example/desk", "d.example",
    "<see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>", "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>",
    "<not-authorized/>", "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>",
    "<r xmlns='urn:xmpp:sm:3'/>", "<a xmlns='urn:xmpp:sm:3' h='1'/>", "ws://", "wss://", "http://", "https://",
    "&lt;Update&gt;", "&lt;/Update&gt;", "&amp;amp;",
];

/// SCRAM's attribute syntax and base64.
pub const SCRAM: &[&str] = &[
    "r=", "s=", "i=", "v=", "e=", "m=", "n=", "c=", "p=", "x=", ",", "=", "==", "n,,", "y,,", "p=tls-unique,,",
    "biws", "BwcHBwcHBwcHBwcHBwcHBwcH", "%NONCE%", "%SIG%", "QSXCR+Q6sek8bf92", "W22ZaJ0SNY7soEsUEjb6gQ==",
    "=2C", "=3D", "i=1", "i=4096", "i=0", "i=01", "i=1000001", "invalid-proof", "other-error",
    "AAAA", "+/", "-_", "=\n", " ",
];

/// JSON syntax and the keys of config.json and of the parent's JSON payloads.
pub const JSON: &[&str] = &[
    "{", "}", "[", "]", ":", ",", "\"", "\"\"", "null", "true", "false", "\\u0000", "\\ud800", "\\udc00",
    "\\\"", "\\\\", "\\n", "1e999", "-1e999", "-0", "1.5", "1e2", "0.0", "[]", "{}", "[[[[[[[[", "]]]]]]]]",
    "\"allowedOrigins\"", "\"allowAnyOrigin\"", "\"websocket\"", "\"bosh\"", "\"transport\"",
    "\"allowInsecurePlain\"", "\"reconnectJitter\"", "\"maxParentMessageBytes\"", "\"maxStanzaBytes\"",
    "\"connectTimeoutMs\"", "\"requestTimeoutMs\"", "\"pingIntervalMs\"", "\"pingMaxRetry\"",
    "\"reconnectBaseMs\"", "\"reconnectMaxMs\"", "\"reconnectStableMs\"", "\"xmppRequestTimeout\"",
    "\"xmppFailoverDetectionPingInterval\"", "\"xmppFailoverRequestMaxRetry\"", "\"enableConsoleTraceLogging\"",
    "\"https://a.example\"", "\"http://127.0.0.1:8000\"", "\"HTTPS://X.EXAMPLE:443/\"", "\"/ws/\"",
    "\"/http-bind/\"", "\"wss://b.example/ws\"", "\"BOSH\"", "\"websocket\"", "\"null\"", "\"true\"", "\"5000\"",
    // IM requests (types 110-155).
    "\"id\"", "\"to\"", "\"body\"", "\"type\"", "\"groupchat\"", "\"chat\"", "\"thread\"", "\"subject\"",
    "\"state\"", "\"composing\"", "\"receipt\"", "\"messageId\"", "\"with\"", "\"room\"", "\"max\"",
    "\"before\"", "\"after\"", "\"jid\"", "\"name\"", "\"groups\"", "\"show\"", "\"status\"", "\"priority\"",
    "\"answer\"", "\"accept\"", "\"decline\"", "\"defer\"", "\"jids\"", "\"nick\"", "\"password\"",
    "\"history\"", "\"reason\"", "\"bob@d.example\"", "\"team@conference.d.example\"", "\"a@b/c\"",
];

/// The parent protocol: types and separators.
pub const PARENT: &[&str] = &[
    "|", "||", "0|", "1|", "2|", "3|", "4|", "5|", "6|", "7|", "8|", "9|", "10|", "11|", "12|", "13|", "14|",
    "15|", "16|", "17|", "99|", "100|", "101|", "65535|", "65536|", "007|", "/finesse/api/User/1001001",
    "110|", "111|", "114|", "120|", "121|", "122|", "130|", "133|", "134|", "140|", "141|", "142|", "150|", "151|",
    "153|", "155|",
    "<connInfo>", "</connInfo>", "<id>", "</id>", "<password>", "</password>", "<xmppDomain>", "</xmppDomain>",
    "<notificationConnectionType>", "</notificationConnectionType>", "websocket", "bosh", "BOSH",
];

/// Numbers at the edges of the types and limits the code uses.
pub const NUMBERS: &[&str] = &[
    "0", "1", "-1", "2", "7", "16", "17", "48", "49", "64", "65", "99", "100", "128", "255", "256", "999",
    "1000", "1023", "1024", "4096", "65535", "65536", "65537", "1000000", "1000001", "2147483647",
    "2147483648", "4294967295", "4294967296", "4503599627370496", "9007199254740993", "18446744073709551615",
    "18446744073709551616", "99999999999999999999999", "1e3", "1.5", "-0", "00", "+1", "0x10", " 1",
];

/// Characters that change meaning or length under normalization, case
/// mapping, bidi rules or XML's character set.
pub const CHARS: &[char] = &[
    '\0', '\u{1}', '\u{8}', '\t', '\n', '\u{B}', '\u{C}', '\r', '\u{1F}', '\u{7F}', '\u{85}', '\u{A0}', '\u{AD}',
    'é', 'ß', 'Σ', 'ς', 'İ', '\u{1E9E}', '\u{301}', '\u{34F}', '\u{200B}', '\u{200D}', '\u{2028}', '\u{202E}',
    '\u{2168}', '\u{FB01}', '\u{FDFA}', '\u{FEFF}', '\u{FF21}', '\u{5D0}', '\u{627}', '日', '😀', '\u{D7FF}',
    '\u{E000}', '\u{FFFD}', '\u{FFFE}', '\u{FFFF}', '\u{10000}', '\u{E0001}', '\u{10FFFF}',
];
