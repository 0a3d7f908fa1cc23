//! The tunnel against a scripted server on a virtual clock: literal XML in,
//! literal parent messages and stanzas out.

use xmpp_tunnel::config::Config;
use xmpp_tunnel::tunnel::{Millis, Output, Tunnel};
use xmpp_tunnel::xmpp::sasl::base64;

const PAGE: &str = "http://localhost:7071/tunnel/";
pub const FEATURES_PLAIN: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
    <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";
pub const FEATURES_BIND: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
    <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>\
    </stream:features>";
pub const OPEN: &str = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='d.example' id='s1' version='1.0'/>";

pub struct Harness {
    pub t: Tunnel,
    pub now: Millis,
    pub parent: Vec<String>,
    pub sent: Vec<String>,
    pub console: Vec<String>,
    pub conn: Option<u32>,
    pub url: Option<String>,
    pub closed: Vec<u32>,
    /// BOSH requests: (conn, rid, url, body).
    pub posts: Vec<(u32, u64, String, String)>,
    pub aborted: Vec<u64>,
    /// Connections that asked for a key derivation (`Output::Derive`).
    pub derives: Vec<u32>,
}

impl Harness {
    pub fn with_config(json: &str) -> Harness {
        let (cfg, problems) = Config::parse(json);
        let mut t = Tunnel::new(cfg, problems, PAGE, Box::new(|b: &mut [u8]| b.fill(7)));
        t.start(0);
        let mut h = Harness {
            t,
            now: 0,
            parent: vec![],
            sent: vec![],
            console: vec![],
            conn: None,
            url: None,
            closed: vec![],
            posts: vec![],
            aborted: vec![],
            derives: vec![],
        };
        h.drain();
        h
    }

    pub fn new() -> Harness {
        Harness::with_config(r#"{"allowInsecurePlain":true,"allowedOrigins":["http://127.0.0.1:8000"]}"#)
    }

    pub fn drain(&mut self) {
        while let Some(o) = self.t.poll_output() {
            match o {
                Output::Parent(m) => self.parent.push(m),
                Output::Open { conn, url } => {
                    self.conn = Some(conn);
                    self.url = Some(url);
                }
                Output::Send { conn, data } => {
                    assert_eq!(Some(conn), self.conn, "sent on a stale connection: {data}");
                    // Every frame we send must be one well-formed element.
                    xmpp_tunnel::xml::parse(&data, &xmpp_tunnel::xml::Limits::SERVER).expect("we sent malformed XML");
                    self.sent.push(data)
                }
                Output::Close { conn } => self.closed.push(conn),
                Output::Post { conn, rid, url, body } => {
                    // Every body we post is one well-formed element too.
                    xmpp_tunnel::xml::parse(&body, &xmpp_tunnel::xml::Limits::SERVER).expect("we posted malformed XML");
                    self.conn = Some(conn);
                    self.url = Some(url.clone());
                    self.posts.push((conn, rid, url, body));
                }
                Output::Abort { rid, .. } => self.aborted.push(rid),
                Output::Console(l) => self.console.push(l),
                Output::Derive { conn } => self.derives.push(conn),
            }
        }
    }

    pub fn parent(&mut self, msg: &str) {
        self.t.handle_parent(self.now, msg);
        self.drain();
    }

    pub fn server(&mut self, xml: &str) {
        let c = self.conn.expect("no connection");
        self.t.handle_message(self.now, c, xml);
        self.drain();
    }

    pub fn opened(&mut self) {
        let c = self.conn.expect("no connection");
        self.t.handle_open(self.now, c, "xmpp");
        self.drain();
    }

    /// Moves the clock on by `ms`, firing the tunnel's timer at each
    /// deadline on the way, as a punctual browser timer would.
    pub fn advance(&mut self, ms: Millis) {
        let target = self.now + ms;
        for _ in 0..100_000 {
            match self.t.poll_timeout().filter(|d| *d <= target) {
                Some(d) => {
                    self.now = d.max(self.now);
                    self.t.handle_timeout(self.now);
                    self.drain();
                }
                None => {
                    self.now = target;
                    return;
                }
            }
        }
        panic!("the tunnel's deadline never moves on");
    }

    pub fn take_parent(&mut self) -> Vec<String> {
        core::mem::take(&mut self.parent)
    }

    pub fn take_sent(&mut self) -> Vec<String> {
        core::mem::take(&mut self.sent)
    }

    /// The id attribute of the last stanza we sent (skipping stream
    /// management's `<r/>` and `<a/>`, which have none).
    pub fn last_id(&self) -> String {
        self.sent
            .iter()
            .rev()
            .find_map(|s| xmpp_tunnel::xml::parse(s, &xmpp_tunnel::xml::Limits::SERVER).ok()?.root().attr("id").map(str::to_string))
            .expect("no stanza with an id sent")
    }

    /// Sends each message to the tunnel, in order.
    pub fn send_all(&mut self, msgs: &[&str]) {
        for m in msgs {
            self.parent(m);
        }
    }

    /// Logged in as agent1/desk, with the login's output cleared.
    pub fn connected() -> Harness {
        let mut h = Harness::new();
        h.login("desk");
        h.take_parent();
        h.take_sent();
        h
    }

    /// SUBSCRIBE `node` and the service's success.
    pub fn subscribe(&mut self, node: &str) {
        self.parent(&format!("7|{node}"));
        let id = self.last_id();
        self.server(&result(&id));
    }

    /// The socket dies under the tunnel.
    pub fn lose_connection(&mut self) {
        let c = self.conn.expect("no connection");
        self.t.handle_closed(self.now, c, 1006);
        self.drain();
    }

    /// Credentials in the finesse.js 10.x order, then a PLAIN login that
    /// binds `resource`. Leaves the tunnel connected.
    pub fn login(&mut self, resource: &str) {
        self.send_all(&["3|desk", "1|Agent1", "5|d.example", "2|secret", "6|pubsub.d.example"]);
        self.finish_login(resource);
    }

    /// The server's side of a PLAIN login that binds `resource`.
    pub fn finish_login(&mut self, resource: &str) {
        self.opened();
        self.server(OPEN);
        self.server(FEATURES_PLAIN);
        self.server("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        self.server(OPEN);
        self.server(FEATURES_BIND);
        let id = self.last_id();
        self.server(&format!(
            "<iq xmlns='jabber:client' type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
             <jid>agent1@d.example/{resource}</jid></bind></iq>"
        ));
    }
}

/// The id attribute of each frame sent ("" for those without one).
pub fn ids(sent: &[String]) -> Vec<String> {
    sent.iter()
        .map(|s| xmpp_tunnel::xml::parse(s, &xmpp_tunnel::xml::Limits::SERVER).unwrap().root().attr("id").unwrap_or("").to_string())
        .collect()
}

/// An empty result from the pubsub service.
pub fn result(id: &str) -> String {
    format!("<iq xmlns=\"jabber:client\" type=\"result\" id=\"{id}\" from=\"pubsub.d.example\"/>")
}

/// The module legacy parents load (index.html) has no IM: a chat message
/// and a presence are what they were (the presence as type 9 only).
#[cfg(not(feature = "im"))]
#[test]
fn without_im_a_chat_is_dropped_and_presence_is_type_9_only() {
    let mut h = Harness::connected();
    h.server("<message xmlns='jabber:client' from='bob@d.example/x' type='chat' id='m1'><body>hi</body><request xmlns='urn:xmpp:receipts'/></message>");
    h.server("<presence xmlns='jabber:client' from='bob@d.example/x'><show>away</show></presence>");
    assert_eq!(h.take_parent(), ["9|<presence><from>bob@d.example/x</from><type/><show>away</show></presence>"]);
    assert!(h.take_sent().is_empty(), "no receipt, no roster, no carbons");
    h.parent(r#"110|{"id":"1","to":"bob@d.example","body":"x"}"#);
    assert_eq!(h.take_parent(), ["13|ignored extension message of unsupported type 110"]);
}

#[test]
fn loaded_then_hello() {
    let mut h = Harness::new();
    // The IM build (feature `im`) announces IM as well.
    let hello = if cfg!(feature = "im") {
        r#"100|{"protocol":1,"extensions":["gap","im"]}"#
    } else {
        r#"100|{"protocol":1,"extensions":["gap"]}"#
    };
    assert_eq!(h.take_parent(), ["4|loaded", hello]);
    let mut h = Harness::with_config("{}");
    let p = h.take_parent();
    assert_eq!(p.len(), 3);
    assert!(p[2].starts_with("13|no allowedOrigins configured"), "{p:?}");
}

/// The ID is lower-cased as the legacy tunnel did, with JavaScript's
/// toLowerCase: all of Unicode, not just ASCII (the browser test compares
/// the two over every code point).
#[test]
fn the_id_is_lower_cased_in_all_of_unicode() {
    for (id, user) in [("Agent1", "agent1"), ("ÅSA.ÖBERG", "åsa.öberg"), ("ΣΟΦΙΑΣ", "σοφιας"), ("ＡＧＥＮＴ", "ａｇｅｎｔ")] {
        let mut h = Harness::new();
        h.send_all(&[&format!("1|{id}"), "5|d.example", "2|secret"]);
        h.opened();
        h.server(OPEN);
        h.server(FEATURES_PLAIN);
        let auth = h.take_sent().into_iter().find(|s| s.starts_with("<auth")).expect("auth");
        let plain = base64::decode(auth.split('>').nth(1).and_then(|t| t.split('<').next()).unwrap()).unwrap();
        assert_eq!(plain, format!("\0{user}\0secret").into_bytes(), "{id}");
    }
}

// The exact traffic of the legacy page's module (the IM module adds its own:
// tests/core/im.rs); run by the test command's build without `im`.
#[cfg(not(feature = "im"))]
#[test]
fn finesse_10_handshake_reaches_connected() {
    let mut h = Harness::new();
    h.take_parent();
    h.login("desk");
    assert_eq!(h.url.as_deref(), Some("ws://localhost:7071/ws/"));
    let sent = h.take_sent();
    assert_eq!(sent[0], "<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"d.example\" version=\"1.0\"/>");
    // PLAIN: \0agent1\0secret, lower-cased ID.
    assert_eq!(sent[1], "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">AGFnZW50MQBzZWNyZXQ=</auth>");
    assert_eq!(sent[2], sent[0], "stream restart after SASL");
    assert_eq!(
        sent[3],
        "<iq xmlns=\"jabber:client\" type=\"set\" id=\"bind\"><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\">\
         <resource>desk</resource></bind></iq>"
    );
    assert_eq!(sent[4], "<presence xmlns=\"jabber:client\"/>");
    let all = h.take_parent();
    assert!(all.contains(&"13|logged in as agent1@d.example/desk (PLAIN)".to_string()), "{all:?}");
    let p: Vec<_> = all.into_iter().filter(|m| !m.starts_with("13|")).collect();
    assert_eq!(p, ["3|desk", "4|connecting", "3|desk", "4|connected"]);
}

/// A socket the page opened early with the stream header already sent: the
/// header the tunnel would send is the one the page must have sent; it is
/// not sent again, and the login goes on from the server's answers.
#[test]
fn a_stream_header_the_page_sent_early_is_not_sent_again() {
    let mut h = Harness::new();
    h.send_all(&[r#"16|{"enableConsoleTraceLogging":"true"}"#, "1|Agent1", "5|d.example", "2|secret"]);
    let (c, url) = (h.conn.expect("a connection"), h.url.clone().expect("its URL"));
    let header = "<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"d.example\" version=\"1.0\"/>";
    let other = header.replace("d.example", "e.example");
    assert!(!h.t.adopt_early(c, &url, Some(&other)), "another domain's header");
    assert!(!h.t.adopt_early(c, "ws://elsewhere.example/ws/", Some(header)), "another URL");
    assert!(!h.t.adopt_early(c + 1, &url, Some(header)), "another connection's");
    assert!(h.t.adopt_early(c, &url, Some(header)));
    h.opened();
    assert!(h.take_sent().is_empty(), "the header went once, from the page");
    assert!(h.console.iter().any(|l| l.starts_with("SEND (early socket) <open")), "{:?}", h.console);
    assert!(!h.t.adopt_early(c, &url, None), "open now");
    h.server(OPEN);
    h.server(FEATURES_PLAIN);
    h.server("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    let sent = h.take_sent();
    assert!(sent[0].starts_with("<auth "), "{sent:?}");
    assert_eq!(sent[1], header, "the restart after SASL is ours");
}

#[test]
fn finesse_12_order_and_late_resource() {
    let mut h = Harness::new();
    h.take_parent();
    h.send_all(&["12|websocket", "1|agent1", "5|d.example", "2|secret"]);
    assert!(h.conn.is_some(), "connects once ID, domain and password are known");
    // A resource arriving after the password, before binding, still applies.
    h.parent("3|late");
    h.opened();
    h.server(OPEN);
    h.server(FEATURES_PLAIN);
    h.server("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    h.server(OPEN);
    h.server(FEATURES_BIND);
    assert!(h.sent.last().unwrap().contains("<resource>late</resource>"));
}

#[test]
fn resource_after_binding_restarts_once() {
    let mut h = Harness::new();
    h.login("desk");
    let first = h.conn;
    h.take_parent();
    h.parent("3|desk");
    assert_eq!(h.conn, first, "same resource: nothing happens");
    h.parent("3|other");
    assert_ne!(h.conn, first);
    assert_eq!(h.closed, [first.unwrap()]);
    assert!(h.take_parent().contains(&"4|connecting".to_string()));
}

#[test]
fn same_credentials_are_a_no_op_and_new_ones_reconnect() {
    let mut h = Harness::new();
    h.login("desk");
    let first = h.conn;
    h.take_parent();
    h.send_all(&["1|AGENT1", "5|d.example", "2|secret"]);
    assert_eq!(h.conn, first);
    assert!(h.take_parent().is_empty());
    h.parent("2|changed");
    assert_ne!(h.conn, first);
}

#[test]
fn sasl_failure_is_unauthorized_and_needs_a_new_password() {
    let mut h = Harness::new();
    h.send_all(&["1|a", "5|d.example", "2|wrong"]);
    h.opened();
    h.server(OPEN);
    h.server(FEATURES_PLAIN);
    h.take_parent();
    h.server("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>");
    let p = h.take_parent();
    assert_eq!(p.last().map(String::as_str), Some("4|unauthorized"), "{p:?}");
    assert!(p.iter().any(|m| m == "13|authentication failed: not-authorized"));
    assert!(!p.iter().any(|m| m.contains("wrong")), "never log the password");
    let c = h.conn;
    h.parent("1|a");
    h.parent("5|d.example");
    assert_eq!(h.conn, c, "no retry loop with the same bad password");
    h.parent("2|right");
    assert_ne!(h.conn, c);
}

#[test]
fn conflict_stream_error() {
    let mut h = Harness::new();
    h.login("desk");
    h.take_parent();
    h.server("<stream:error xmlns:stream='http://etherx.jabber.org/streams'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
              <text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Replaced by new connection</text></stream:error>");
    let p = h.take_parent();
    assert_eq!(&p[p.len() - 2..], ["3|desk", "4|conflict"]);
    assert!(p.iter().any(|m| m.contains("Replaced by new connection")));
    assert_eq!(h.closed.len(), 1);
}

#[test]
fn plain_is_refused_over_insecure_transport_by_default() {
    let mut h = Harness::with_config("{}");
    h.send_all(&["1|a", "5|d.example", "2|pw"]);
    h.opened();
    h.server(OPEN);
    h.take_parent();
    h.server(FEATURES_PLAIN);
    let p = h.take_parent();
    // Not a credentials problem: the deployment must offer SCRAM or TLS.
    assert_eq!(p.last().map(String::as_str), Some("4|disconnected"));
    assert!(p.iter().any(|m| m.contains("no SASL mechanism")));
}

#[test]
fn wrong_subprotocol_fails() {
    let mut h = Harness::new();
    h.send_all(&["1|a", "5|d.example", "2|pw"]);
    h.take_parent();
    let c = h.conn.unwrap();
    h.t.handle_open(0, c, "");
    h.drain();
    let p = h.take_parent();
    assert!(p.iter().any(|m| m.contains("subprotocol")));
    assert_eq!(p.last().map(String::as_str), Some("4|reconnecting"));
}

#[test]
fn connect_timeout() {
    let mut h = Harness::new();
    h.send_all(&["1|a", "5|d.example", "2|pw"]);
    h.opened();
    h.take_parent();
    h.advance(29_999);
    assert!(h.take_parent().is_empty());
    h.advance(1);
    let p = h.take_parent();
    assert!(p.contains(&"13|timed out while connecting".to_string()));
    assert_eq!(p.last().map(String::as_str), Some("4|reconnecting"));
}

#[test]
fn malformed_server_xml_closes_cleanly() {
    for bad in ["<iq", "<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", "<a>&bogus;</a>", "<p:x/>"] {
        let mut h = Harness::new();
        h.login("r");
        h.take_parent();
        h.server(bad);
        let p = h.take_parent();
        assert!(p[0].starts_with("13|closing the connection: the server sent "), "{bad}: {p:?}");
        assert_eq!(p.last().map(String::as_str), Some("4|reconnecting"));
    }
    let mut h = Harness::with_config(r#"{"allowInsecurePlain":true,"maxStanzaBytes":2048}"#);
    h.login("r");
    h.take_parent();
    h.server(&format!("<message xmlns='jabber:client'><body>{}</body></message>", "x".repeat(4096)));
    assert!(h.take_parent()[0].contains("too large"));
}

#[test]
fn stale_connection_events_are_ignored() {
    let mut h = Harness::new();
    h.login("desk");
    let old = h.conn.unwrap();
    h.parent("2|new-password");
    h.take_parent();
    h.t.handle_closed(0, old, 1006);
    h.t.handle_message(0, old, "<presence xmlns='jabber:client' from='x@y'/>");
    h.drain();
    assert!(h.take_parent().is_empty());
}

#[test]
fn pings_are_answered_and_unknown_iqs_refused() {
    let mut h = Harness::new();
    h.login("r");
    h.take_sent();
    h.server("<iq xmlns='jabber:client' type='get' id='p1' from='d.example'><ping xmlns='urn:xmpp:ping'/></iq>");
    h.server("<iq xmlns='jabber:client' type='set' id='x1' from='d.example'><query xmlns='jabber:iq:roster'/></iq>");
    h.server("<iq xmlns='jabber:client' type='result' id='nobody-asked'/>");
    h.server("<iq xmlns='jabber:client' type='error' id='nobody-asked-either'/>");
    h.server("<iq xmlns='jabber:client' type='get' id='d1' from='x@d.example/r'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    let s = h.take_sent();
    assert_eq!(s.len(), 3, "{s:?}");
    assert_eq!(s[0], "<iq xmlns=\"jabber:client\" type=\"result\" id=\"p1\" to=\"d.example\"/>");
    assert!(s[1].contains("type=\"error\" id=\"x1\"") && s[1].contains("service-unavailable"));
    assert!(s[2].contains("type=\"result\" id=\"d1\"") && s[2].contains("urn:xmpp:ping"));
}

#[test]
fn unknown_and_malformed_parent_messages_are_logged_only() {
    let mut h = Harness::new();
    h.login("r");
    h.take_parent();
    h.take_sent();
    for m in ["nonsense", "x|1", "17|?", "0|/fake<Update/>", "4|connected", "12|pigeon", "15|{", "100|{}"] {
        h.parent(m);
        let p = h.take_parent();
        assert_eq!(p.len(), 1, "{m}: {p:?}");
        assert!(p[0].starts_with("13|"), "{m}: {p:?}");
    }
    assert!(h.take_sent().is_empty());
    let huge = format!("7|{}", "n".repeat(70_000));
    h.parent(&huge);
    assert!(h.take_parent()[0].starts_with("13|ignored a parent message of 70002 bytes"));
}

#[test]
fn invalid_credentials_are_refused_before_connecting() {
    let mut h = Harness::new();
    h.take_parent();
    h.send_all(&["1|a@b", "5|d.example", "2|pw"]);
    assert!(h.conn.is_none());
    let p = h.take_parent();
    assert_eq!(p.last().map(String::as_str), Some("4|unauthorized"));
}


#[test]
fn stanzas_in_a_wrong_namespace_are_not_relayed() {
    let mut h = Harness::new();
    h.login("r");
    h.parent("6|pubsub.d.example");
    h.take_parent();
    h.take_sent();
    // A notification-shaped message outside jabber:client, and a pubsub
    // event in the wrong namespace: neither is an EVENT, neither is answered.
    h.server("<message xmlns='urn:evil' from='pubsub.d.example'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
              <items node='/n'><item id='1'/></items></event></message>");
    h.server("<message xmlns='jabber:client' from='pubsub.d.example'><event xmlns='urn:not-pubsub'>\
              <items node='/n'><item id='1'/></items></event></message>");
    h.server("<iq xmlns='urn:evil' type='get' id='x'><ping xmlns='urn:xmpp:ping'/></iq>");
    assert!(h.take_parent().is_empty());
    assert!(h.take_sent().is_empty());
    // A stream error in the wrong namespace is just an unknown element.
    h.server("<error xmlns='jabber:client'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></error>");
    assert!(h.take_parent().is_empty());
}

#[test]
fn tracing_never_shows_sasl_data() {
    let mut h = Harness::new();
    h.parent(r#"16|{"enableConsoleTraceLogging":"true"}"#);
    h.login("r");
    assert!(h.console.iter().any(|l| l.starts_with("SEND <iq")), "tracing is on");
    for l in &h.console {
        assert!(!l.contains("AGFnZW50MQBzZWNyZXQ="), "PLAIN payload in a trace line: {l}");
        assert!(!l.contains("<auth") && !l.contains("<success"), "SASL element in a trace line: {l}");
    }
    assert!(h.console.iter().any(|l| l.starts_with("RECV <features") && l.contains("<mechanism>PLAIN</mechanism>")));
    assert!(h.console.iter().any(|l| l == "SEND <!-- SASL element not shown -->"));
}
