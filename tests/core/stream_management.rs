//! XEP-0198 through the tunnel: enable after binding, counters and acks both
//! ways, resume after a loss (no event lost or duplicated, no
//! re-subscription), failed resumption (new session, re-subscribe, gap
//! notice), and the server's resume window.

use crate::tunnel::{result, Harness, FEATURES_PLAIN, OPEN};

const SM: &str = "urn:xmpp:sm:3";
pub const FEATURES_BIND_SM: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
    <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>";
const CFG: &str = r#"{"allowInsecurePlain":true,"reconnectJitter":false,"reconnectBaseMs":1000,"bosh":[]}"#;

impl Harness {
    /// SASL and restart, up to the features after authentication.
    pub fn authenticate(&mut self) {
        self.opened();
        self.server(OPEN);
        self.server(FEATURES_PLAIN);
        self.server("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        self.server(OPEN);
        self.server(FEATURES_BIND_SM);
    }

    /// A login on a server with stream management, resumable with id `R1`.
    pub fn login_sm(&mut self) {
        self.send_all(&["3|desk", "1|agent1", "5|d.example", "2|secret", "6|pubsub.d.example"]);
        self.authenticate();
        self.server("<iq xmlns='jabber:client' type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
                     <jid>agent1@d.example/desk</jid></bind></iq>");
        self.server(&format!("<enabled xmlns='{SM}' id='R1' resume='true' max='300'/>"));
    }

    fn event(&mut self, n: u32) {
        self.server(&format!(
            "<message xmlns='jabber:client' from='pubsub.d.example'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='/n'><item id='{n}'><notification xmlns='http://jabber.org/protocol/pubsub'>{n}</notification></item></items></event></message>"));
    }
}

fn events(p: &[String]) -> Vec<&str> {
    p.iter().filter_map(|m| m.strip_prefix("0|/n")).collect()
}

#[test]
fn enabled_after_binding_and_acks_both_ways() {
    let mut h = Harness::with_config(CFG);
    h.login_sm();
    let sent = h.take_sent();
    let enable = sent.iter().position(|s| s == "<enable xmlns=\"urn:xmpp:sm:3\" resume=\"true\"/>").expect("enable");
    let presence = sent.iter().position(|s| s.starts_with("<presence")).unwrap();
    assert!(enable < presence, "enabled before the first counted stanza: {sent:?}");
    assert!(sent.contains(&"<r xmlns=\"urn:xmpp:sm:3\"/>".to_string()), "asks the server to ack our stanzas");
    for n in 0..3 {
        h.event(n);
    }
    h.server(&format!("<r xmlns='{SM}'/>"));
    assert_eq!(h.take_sent(), ["<a xmlns=\"urn:xmpp:sm:3\" h=\"3\"/>"], "three stanzas handled");
    // SM's own elements never reach the parent.
    h.server(&format!("<a xmlns='{SM}' h='1'/>"));
    assert_eq!(events(&h.take_parent()), ["0", "1", "2"]);
}

// The exact traffic of the legacy page's module (the IM module adds its own:
// tests/core/im.rs); run by the test command's build without `im`.
#[cfg(not(feature = "im"))]
#[test]
fn a_drop_is_resumed_without_loss_duplicates_or_resubscription() {
    let mut h = Harness::with_config(CFG);
    h.login_sm();
    h.subscribe("/n");
    h.server(&format!("<a xmlns='{SM}' h='2'/>")); // presence and subscribe acked
    h.event(1);
    h.event(2);
    h.parent("7|/m"); // in flight when the connection dies
    h.take_parent();
    h.lose_connection();
    assert!(h.take_parent().contains(&"4|reconnecting".to_string()));
    h.advance(1000);
    h.take_sent();
    h.authenticate();
    let sent = h.take_sent();
    // Handled: the subscribe result and events 1 and 2.
    assert_eq!(sent.last().unwrap(), "<resume xmlns=\"urn:xmpp:sm:3\" h=\"3\" previd=\"R1\"/>", "resume instead of bind: {sent:?}");
    // The server had our stanzas up to 2: the SUBSCRIBE for /m goes again.
    h.server(&format!("<resumed xmlns='{SM}' h='2' previd='R1'/>"));
    let again = h.take_sent();
    assert!(again.iter().any(|s| s.contains("<subscribe node=\"/m\"")), "{again:?}");
    assert!(!again.iter().any(|s| s.contains("<subscribe node=\"/n\"")), "no re-subscription of /n");
    // The server resends what we had not handled: events from 3 on.
    h.event(3);
    let p = h.take_parent();
    let statuses: Vec<_> = p.iter().filter(|m| m.starts_with("3|") || m.starts_with("4|")).collect();
    assert_eq!(statuses, ["3|desk", "4|connected"]);
    assert!(!p.iter().any(|m| m.starts_with("101|")), "no gap");
    assert!(p.contains(&"13|resumed the session (XEP-0198): no event lost".to_string()));
    assert_eq!(events(&p), ["3"]);
    // The request from before the drop is answered on the resumed session.
    let id = again.iter().find(|s| s.contains("<subscribe node=\"/m\"")).map(|s| {
        xmpp_tunnel::xml::parse(s, &xmpp_tunnel::xml::Limits::SERVER).unwrap().root().attr("id").unwrap().to_string()
    });
    h.server(&result(&id.unwrap()));
    assert_eq!(h.take_parent(), ["7|/m"]);
}

#[test]
fn failed_resumption_binds_subscribes_again_and_reports_a_gap() {
    let mut h = Harness::with_config(CFG);
    h.login_sm();
    h.subscribe("/n");
    h.parent("7|/pending");
    h.take_parent();
    h.lose_connection();
    h.advance(1000);
    h.authenticate();
    h.take_parent();
    h.server(&format!("<failed xmlns='{SM}'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>"));
    let p = h.take_parent();
    assert!(p.iter().any(|m| m.starts_with("7|/pending|<ApiErrors><ApiError><ErrorType>not-connected")), "{p:?}");
    assert!(h.sent.last().unwrap().contains("<bind"), "binds a new session");
    h.server("<iq xmlns='jabber:client' type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>agent1@d.example/desk</jid></bind></iq>");
    let renew = h.sent.iter().rev().find(|s| s.contains("<subscribe node=\"/n\"")).cloned().expect("re-subscribes /n");
    let id = xmpp_tunnel::xml::parse(&renew, &xmpp_tunnel::xml::Limits::SERVER).unwrap().root().attr("id").unwrap().to_string();
    h.server(&result(&id));
    let p = h.take_parent();
    let c = p.iter().position(|m| m == "4|connected").unwrap();
    assert!(p[c + 1].starts_with("101|{\"gap\":true"), "{p:?}");
}

#[test]
fn no_resume_attempt_past_the_servers_window() {
    let mut h = Harness::with_config(r#"{"allowInsecurePlain":true,"reconnectJitter":false,"reconnectBaseMs":400000,"reconnectMaxMs":400000,"bosh":[]}"#);
    h.login_sm(); // max='300' s
    h.lose_connection();
    h.advance(400_000);
    h.authenticate();
    assert!(h.sent.last().unwrap().contains("<bind"), "straight to a new session");
}

#[test]
fn a_server_without_stream_management_still_works() {
    let mut h = Harness::with_config(CFG);
    h.login("desk");
    assert!(!h.sent.iter().any(|s| s.contains(SM)));
    h.take_parent();
    h.take_sent();
    h.server(&format!("<r xmlns='{SM}'/>"));
    assert!(h.take_sent().is_empty(), "no <a/> on a stream without SM");
}

#[test]
fn a_dead_resumable_connection_is_dropped_without_close() {
    // XEP-0198 §7: a clean <close/> would end the session to be resumed.
    let mut h = Harness::with_config(CFG);
    h.login_sm();
    h.take_sent();
    h.advance(40_000); // silent: pings unanswered
    assert!(h.take_parent().contains(&"4|reconnecting".to_string()));
    assert!(!h.sent.iter().any(|s| s.starts_with("<close")), "{:?}", h.sent);
}

#[test]
fn a_resumed_count_beyond_what_we_sent_starts_a_new_session() {
    let mut h = Harness::with_config(CFG);
    h.login_sm();
    h.lose_connection();
    h.advance(1000);
    h.authenticate();
    h.take_parent();
    h.server(&format!("<resumed xmlns='{SM}' h='99' previd='R1'/>"));
    let p = h.take_parent();
    assert!(p.iter().any(|m| m.contains("impossible count")), "{p:?}");
    h.advance(5_000);
    h.authenticate();
    assert!(h.sent.last().unwrap().contains("<bind"), "a new session, not another resume");
}

#[test]
fn retries_keep_to_websocket_while_the_session_may_be_resumed() {
    // BOSH is a candidate, but it cannot resume a WebSocket session.
    let mut h = Harness::with_config(r#"{"allowInsecurePlain":true,"reconnectJitter":false,"reconnectBaseMs":1000,"reconnectMaxMs":4000}"#);
    h.login_sm(); // max='300': kept to WebSocket for 30 s
    h.lose_connection();
    let mut urls = vec![];
    for _ in 0..6 {
        h.advance(4_000);
        urls.push(h.url.clone().unwrap());
        h.lose_connection(); // still down
    }
    assert!(urls.iter().all(|u| u.starts_with("ws:")), "{urls:?}");
    h.advance(30_000);
    let mut later = vec![];
    for _ in 0..2 {
        later.push(h.url.clone().unwrap());
        h.lose_connection();
        h.advance(4_000);
    }
    assert!(later.iter().any(|u| u.starts_with("http:")), "then BOSH: {later:?}");
}

#[test]
fn a_resumption_left_unanswered_gives_way_to_a_new_session_on_the_same_endpoint() {
    // A cluster node asked to resume a session its frozen peer holds waits
    // for that peer (ejabberd: 15 s): after xmppRequestTimeout, a new one.
    let mut h = Harness::with_config(CFG);
    h.login_sm();
    h.parent(r#"15|{"xmppRequestTimeout":2000}"#);
    h.take_parent();
    h.lose_connection();
    h.advance(1000);
    let resuming = h.conn;
    h.take_sent();
    h.authenticate();
    assert!(h.take_sent().iter().any(|s| s.starts_with("<resume ")), "resumption asked");
    h.advance(1999);
    assert_eq!(h.conn, resuming, "not before the request timeout");
    h.advance(1);
    assert_ne!(h.conn, resuming, "a new connection at once");
    assert_eq!(h.url.as_deref(), Some("ws://localhost:7071/ws/"));
    let p = h.take_parent();
    assert!(p.contains(&"13|the server did not answer the resumption in time: starting a new session".to_string()), "{p:?}");
    h.take_sent();
    h.authenticate();
    assert!(!h.take_sent().iter().any(|s| s.starts_with("<resume ")), "no second resumption: a bind");
}
