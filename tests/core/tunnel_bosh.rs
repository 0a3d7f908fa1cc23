//! The tunnel over BOSH: chosen by type 12 or configuration, a full login,
//! events, DISCONNECT_REQ with terminate, WebSocket→BOSH fallback, and a late
//! type 12 applied by starting again once.

use crate::tunnel::Harness;

const HTTPBIND: &str = "http://jabber.org/protocol/httpbind";

fn body(inner: &str) -> String {
    format!("<body xmlns=\"{HTTPBIND}\">{inner}</body>")
}

impl Harness {
    fn take_posts(&mut self) -> Vec<(u64, String)> {
        core::mem::take(&mut self.posts).into_iter().map(|(_, rid, _, b)| (rid, b)).collect()
    }

    fn answer(&mut self, rid: u64, body: &str) {
        let c = self.conn.unwrap();
        self.t.handle_http(self.now, c, rid, 200, body);
        self.drain();
    }

    /// Answers the posts in order: the first with `reply`, the rest empty.
    fn answer_last(&mut self, reply: &str) {
        let posts = self.take_posts();
        let (last, _) = *posts.last().expect("nothing posted");
        for (rid, _) in &posts {
            if *rid != last {
                self.answer(*rid, &body(""));
            }
        }
        self.answer(last, reply);
    }

    /// A BOSH login through to `connected`.
    fn bosh_login(&mut self) {
        self.bosh_login_with(crate::tunnel::FEATURES_BIND);
    }

    /// The same, with these features after authentication.
    fn bosh_login_with(&mut self, features_bind: &str) {
        let creation = self.take_posts();
        assert_eq!(creation.len(), 1);
        let (rid, b) = &creation[0];
        assert!(b.contains("to=\"d.example\"") && b.contains("xmpp:version=\"1.0\"") && b.contains("hold=\"1\""), "{b}");
        self.answer(*rid, &format!(
            "<body xmlns='{HTTPBIND}' sid='SID' wait='60' requests='2' hold='1'>{}</body>", crate::tunnel::FEATURES_PLAIN));
        let auth = self.take_posts();
        assert!(auth.iter().any(|(_, b)| b.contains("<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">")), "{auth:?}");
        self.posts = auth.into_iter().map(|(r, b)| (self.conn.unwrap(), r, String::new(), b)).collect();
        self.answer_last(&body("<success xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"/>"));
        let restart = self.take_posts();
        assert!(restart.iter().any(|(_, b)| b.contains("xmpp:restart=\"true\"")), "{restart:?}");
        self.posts = restart.into_iter().map(|(r, b)| (self.conn.unwrap(), r, String::new(), b)).collect();
        self.answer_last(&body(features_bind));
        let bind = self.take_posts();
        let bind_id = bind.iter().find(|(_, b)| b.contains("<bind")).map(|_| "bind").unwrap();
        self.posts = bind.into_iter().map(|(r, b)| (self.conn.unwrap(), r, String::new(), b)).collect();
        self.answer_last(&body(&format!(
            "<iq xmlns=\"jabber:client\" type=\"result\" id=\"{bind_id}\"><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\">\
             <jid>agent1@d.example/desk</jid></bind></iq>")));
    }
}

fn statuses(p: &[String]) -> Vec<&str> {
    p.iter().filter_map(|m| m.strip_prefix("4|")).collect()
}

#[test]
fn type_12_bosh_logs_in_over_http_bind() {
    let mut h = Harness::new();
    h.take_parent();
    h.send_all(&["12|BOSH", "3|desk", "1|agent1", "5|d.example", "2|secret", "6|pubsub.d.example"]);
    assert_eq!(h.url.as_deref(), Some("http://localhost:7071/http-bind/"));
    h.bosh_login();
    assert_eq!(statuses(&h.take_parent()), ["connecting", "connected"]);
    // Events arrive in a response body like any stanza.
    h.answer_last(&body("<message xmlns=\"jabber:client\" from=\"pubsub.d.example\"><event xmlns=\"http://jabber.org/protocol/pubsub#event\">\
                         <items node=\"/n\"><item id=\"1\"><notification xmlns=\"http://jabber.org/protocol/pubsub\">&lt;Update/&gt;</notification></item></items></event></message>"));
    assert_eq!(h.take_parent(), ["0|/n<Update/>"]);
}

#[test]
fn disconnect_req_over_bosh_terminates_the_session() {
    let mut h = Harness::new();
    h.send_all(&["12|bosh", "3|desk", "1|agent1", "5|d.example", "2|secret"]);
    h.bosh_login();
    h.take_parent();
    h.parent("11|");
    let p = h.take_posts();
    let term = p.iter().find(|(_, b)| b.contains("type=\"terminate\"")).expect("a terminate body");
    assert!(term.1.contains("<presence xmlns=\"jabber:client\" type=\"unavailable\"/>"), "{term:?}");
    h.posts = p.iter().map(|(r, b)| (h.conn.unwrap(), *r, String::new(), b.clone())).collect();
    h.answer_last(&body(""));
    assert_eq!(statuses(&h.take_parent()), ["unloading", "disconnecting", "disconnected"]);
}

/// A LOGGING line quoting the server is cut to 1000 bytes, whatever the
/// server sent (here a terminate condition of 300 KB).
#[test]
fn what_the_server_says_is_logged_in_bounds() {
    let mut h = Harness::new();
    h.send_all(&["12|bosh", "3|desk", "1|agent1", "5|d.example", "2|secret"]);
    h.bosh_login();
    h.take_parent();
    let condition = "é".repeat(150_000);
    h.answer_last(&format!("<body xmlns='{HTTPBIND}' type='terminate' condition='{condition}'/>"));
    let lines: Vec<_> = h.take_parent().into_iter().filter(|m| m.starts_with("13|")).collect();
    let ended = lines.iter().find(|l| l.contains("the BOSH session ended")).expect("logged");
    assert!(ended.len() <= 1003, "{} bytes", ended.len());
    assert!(ended.ends_with('é'), "cut at a character boundary");
}

#[test]
fn a_websocket_that_cannot_open_falls_back_to_bosh() {
    let mut h = Harness::with_config(r#"{"allowInsecurePlain":true,"reconnectJitter":false,"reconnectBaseMs":100}"#);
    h.take_parent();
    h.send_all(&["1|agent1", "5|d.example", "2|secret"]);
    assert_eq!(h.url.as_deref(), Some("ws://localhost:7071/ws/"));
    h.lose_connection(); // the upgrade was refused: closed before open
    h.advance(100);
    assert_eq!(h.url.as_deref(), Some("http://localhost:7071/http-bind/"));
    h.bosh_login();
    assert_eq!(statuses(&h.take_parent()), ["connecting", "reconnecting", "connected"]);
}

#[test]
fn a_late_type_12_starts_again_once_on_that_transport() {
    let mut h = Harness::new();
    h.send_all(&["1|agent1", "5|d.example", "2|secret"]);
    assert!(h.url.as_deref().unwrap().starts_with("ws:"));
    let first = h.conn;
    h.parent("12|bosh");
    assert_ne!(h.conn, first);
    assert!(h.url.as_deref().unwrap().starts_with("http:"));
    h.parent("12|bosh");
    assert_eq!(h.posts.len(), 1, "the same value again changes nothing");
}

#[test]
fn an_unreachable_bosh_endpoint_reconnects() {
    let mut h = Harness::with_config(r#"{"allowInsecurePlain":true,"transport":"bosh","reconnectJitter":false}"#);
    h.send_all(&["1|agent1", "5|d.example", "2|secret"]);
    let c = h.conn.unwrap();
    for _ in 0..4 {
        let (rid, _) = h.take_posts().pop().expect("a post");
        h.t.handle_http(h.now, c, rid, 0, "");
        h.drain();
        h.advance(5_000);
    }
    let p = h.take_parent();
    assert!(p.iter().any(|m| m.starts_with("13|BOSH connection lost")), "{p:?}");
    assert!(statuses(&p).contains(&"reconnecting"));
}

#[test]
fn bosh_see_other_uri_is_followed() {
    let mut h = Harness::new();
    h.send_all(&["12|bosh", "1|agent1", "5|d.example", "2|secret"]);
    let (rid, _) = h.take_posts().remove(0);
    h.answer(rid, &format!("<body xmlns='{HTTPBIND}' type='terminate' condition='see-other-uri'><uri>http://localhost:5280/http-bind/</uri></body>"));
    assert_eq!(h.url.as_deref(), Some("http://localhost:5280/http-bind/"));
}

#[test]
fn no_stream_management_over_bosh() {
    // BOSH retransmits by itself, and servers (Prosody) do not resume BOSH
    // sessions: SM stays off even when offered.
    let mut h = Harness::new();
    h.send_all(&["12|bosh", "1|agent1", "5|d.example", "2|secret"]);
    h.bosh_login_with(crate::stream_management::FEATURES_BIND_SM);
    assert!(h.parent.contains(&"4|connected".to_string()));
    assert!(!h.posts.iter().any(|p| p.3.contains("urn:xmpp:sm:3")), "no <enable/> on BOSH");
}
