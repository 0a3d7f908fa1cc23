//! The security review's findings (issue 21), each as a transcript: what
//! the tunnel did wrong, now refused.

use crate::tunnel::{ids, Harness, FEATURES_PLAIN, OPEN};
use crate::tunnel_scram::{challenge_with, FEATURES_SCRAM};

const CLOSE_TO_ATTACKER: &str =
    "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing' see-other-uri='wss://attacker.example/ws/'/>";

fn logged(p: &[String], start: &str) -> bool {
    p.iter().any(|m| m.strip_prefix("13|").is_some_and(|l| l.starts_with(start)))
}

/// A plain `ws:` deployment (Finesse's port 7071) without `allowInsecurePlain`,
/// connecting: the socket is open and the server's header came.
fn plain_ws_deployment() -> Harness {
    let mut h = Harness::with_config(r#"{"websocket":["ws://finesse.example:7071/ws/"],"bosh":[],"reconnectJitter":false}"#);
    h.send_all(&["1|agent1", "5|d.example", "2|secret"]);
    h.opened();
    h.server(OPEN);
    h.take_parent();
    h
}

#[test]
fn a_redirect_over_an_unencrypted_stream_does_not_move_the_tunnel_to_another_host() {
    let mut h = plain_ws_deployment();
    let first = h.conn;
    h.server(CLOSE_TO_ATTACKER);
    let p = h.take_parent();
    assert!(logged(&p, "ignored a redirect (another host, received over an unencrypted connection)"), "{p:?}");
    assert!(!p.iter().any(|m| m.contains("redirects us")), "{p:?}");
    h.advance(1000);
    assert_ne!(h.conn, first);
    assert_eq!(h.url.as_deref(), Some("ws://finesse.example:7071/ws/"), "the retry goes to the configured endpoint");
}

#[test]
fn plain_rests_on_the_configured_endpoint_not_on_where_a_redirect_led() {
    // The same host over TLS is followed (an upgrade the server may ask
    // for), but PLAIN stays forbidden: the deployment pointed us at `ws:`.
    let mut h = plain_ws_deployment();
    h.server("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing' see-other-uri='wss://finesse.example:7443/ws/'/>");
    assert_eq!(h.url.as_deref(), Some("wss://finesse.example:7443/ws/"));
    h.opened();
    h.server(OPEN);
    h.take_sent();
    h.server(FEATURES_PLAIN);
    assert!(!h.take_sent().iter().any(|s| s.contains("mechanism=\"PLAIN\"")), "no password in clear");
    assert!(logged(&h.take_parent(), "the server offers no SASL mechanism this tunnel may use"));
}

#[test]
fn a_see_other_host_over_an_unencrypted_stream_is_refused_too() {
    let mut h = plain_ws_deployment();
    h.server("<stream:error xmlns:stream='http://etherx.jabber.org/streams'><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>\
              attacker.example:443</see-other-host></stream:error>");
    assert!(logged(&h.take_parent(), "ignored a redirect (another host"));
    h.advance(1000);
    assert_eq!(h.url.as_deref(), Some("ws://finesse.example:7071/ws/"));
}

#[test]
fn over_bosh_too() {
    let mut h = Harness::with_config(r#"{"bosh":["http://finesse.example:7071/http-bind/"],"websocket":[],"reconnectJitter":false}"#);
    h.send_all(&["1|agent1", "5|d.example", "2|secret"]);
    let (c, rid) = (h.conn.unwrap(), h.posts[0].1);
    let body = "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='see-other-uri'>\
                <uri>https://attacker.example/http-bind/</uri></body>";
    h.t.handle_http(h.now, c, rid, 200, body);
    h.drain();
    assert!(logged(&h.take_parent(), "ignored a redirect (another host"));
    h.posts.clear();
    h.advance(1000);
    assert_eq!(h.posts.last().map(|p| p.2.as_str()), Some("http://finesse.example:7071/http-bind/"));
}

/// A server-first-message (salt, iterations, nonces), base64.
const SERVER_FIRST_B64: &str = "cj1CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCc3J2LHM9Y0dWd2NHVnkscz00MDk2";

#[test]
fn the_trace_shows_no_sasl_element_inside_a_bosh_body() {
    // Prosody's BOSH declares the streams namespace on every <body>.
    let mut h = Harness::with_config(r#"{"websocket":[],"allowInsecurePlain":true}"#);
    h.parent(r#"16|{"enableConsoleTraceLogging":"true"}"#);
    h.send_all(&["1|agent1", "5|d.example", "2|secret"]);
    let c = h.conn.unwrap();
    let body = |inner: &str| {
        format!("<body xmlns='http://jabber.org/protocol/httpbind' xmlns:stream='http://etherx.jabber.org/streams' \
                 sid='S' wait='60' requests='2' hold='1'>{inner}</body>")
    };
    let rid = h.posts[0].1;
    h.t.handle_http(h.now, c, rid, 200, &body(FEATURES_SCRAM));
    h.drain();
    let rid = h.posts.last().unwrap().1;
    let challenge = format!("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{SERVER_FIRST_B64}</challenge><iq xmlns='jabber:client' id='x' type='result'/>");
    h.t.handle_http(h.now, c, rid, 200, &body(&challenge));
    h.drain();
    assert!(h.console.iter().any(|l| l.contains("<mechanism>SCRAM-SHA-1</mechanism>")), "the offer is shown: {:?}", h.console);
    let recv = h.console.iter().find(|l| l.starts_with("RECV ") && l.contains("<iq")).expect("the body is traced");
    assert!(recv.contains("<!-- SASL element not shown --><iq"), "{recv}");
    for l in &h.console {
        assert!(!l.contains(SERVER_FIRST_B64), "SASL data in the trace: {l}");
        assert!(!l.contains("<auth"), "SASL element in the trace: {l}");
    }
}

#[test]
fn the_trace_shows_no_sasl_element_over_websocket_whatever_it_declares() {
    let mut h = Harness::new();
    h.parent(r#"16|{"enableConsoleTraceLogging":"true"}"#);
    h.send_all(&["1|agent1", "5|d.example", "2|secret"]);
    h.opened();
    h.server(OPEN);
    h.server(FEATURES_SCRAM);
    h.server(&format!("<s:challenge xmlns:s='urn:ietf:params:xml:ns:xmpp-sasl' \
                       xmlns:stream='http://etherx.jabber.org/streams'>{SERVER_FIRST_B64}</s:challenge>"));
    assert!(h.console.iter().any(|l| l == "RECV <!-- SASL element not shown -->"), "{:?}", h.console);
    assert!(!h.console.iter().any(|l| l.contains(SERVER_FIRST_B64)));
}

#[test]
fn names_that_are_not_xml_names_are_refused_not_relayed() {
    for payload in ["<p:1x xmlns:p='urn:x'/>", "<p:.x xmlns:p='urn:x'/>", "<x\u{FFFE}/>", "<x a\u{FFFF}='1'/>"] {
        let mut h = Harness::connected();
        h.subscribe("/n");
        h.take_parent();
        h.server(&format!("<message xmlns='jabber:client' from='pubsub.d.example'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
                           <items node='/n'><item id='1'>{payload}</item></items></event></message>"));
        let p = h.take_parent();
        assert!(!p.iter().any(|m| m.starts_with("0|")), "{payload} relayed: {p:?}");
        assert!(logged(&p, "closing the connection: the server sent"), "{payload}: {p:?}");
    }
}

fn unsubscribes(sent: &[String]) -> usize {
    sent.iter().filter(|s| s.contains("<unsubscribe")).count()
}

#[test]
fn unsubscribe_while_disconnected_records_only_nodes_the_tunnel_holds() {
    let mut h = Harness::connected();
    h.subscribe("/held");
    h.parent("11|");
    let id = h.last_id();
    h.server(&crate::tunnel::result(&id)); // the final unsubscribe
    h.server("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
    assert!(h.take_parent().contains(&"4|disconnected".to_string()));
    for i in 0..3000 {
        h.parent(&format!("8|/n{i}"));
    }
    let p = h.take_parent();
    assert_eq!(p.iter().filter(|m| m.contains("not-connected")).count(), 3000, "each answered");
    h.take_sent();
    h.send_all(&["1|agent1", "2|secret"]);
    h.finish_login("desk");
    assert_eq!(unsubscribes(&h.take_sent()), 0, "nothing to clean up: the tunnel held none of them");
}

#[test]
fn clean_ups_and_renewals_go_out_at_most_256_at_a_time() {
    let mut h = Harness::connected();
    for i in 0..600 {
        h.subscribe(&format!("/n{i}"));
    }
    h.lose_connection();
    h.parent("11|"); // while waiting: every node is left to clean up
    h.take_sent();
    h.send_all(&["1|agent1", "2|secret"]);
    h.finish_login("desk");
    let mut sent = h.take_sent();
    assert_eq!(unsubscribes(&sent), 256, "a window, not 600 at once");
    let mut total = 0;
    while unsubscribes(&sent) > 0 {
        total += unsubscribes(&sent);
        let unsubscribing: Vec<String> = sent.iter().filter(|s| s.contains("<unsubscribe")).cloned().collect();
        for id in ids(&unsubscribing) {
            h.server(&crate::tunnel::result(&id));
        }
        sent = h.take_sent();
    }
    assert_eq!(total, 600, "all cleaned up in the end");
}

#[test]
fn the_subscription_limit_counts_subscribes_in_flight() {
    let mut h = Harness::connected();
    for i in 0..4095 {
        h.subscribe(&format!("/n{i}"));
    }
    h.take_parent();
    for i in 0..1000 {
        h.parent(&format!("7|/more{i}"));
    }
    let p = h.take_parent();
    let refused = p.iter().filter(|m| m.contains("resource-constraint")).count();
    assert_eq!(refused, 999, "only the 4,096th goes out");
}

#[test]
fn a_subscribe_without_an_answer_is_cleaned_up_next_session() {
    // The server may have made it: the parent was told it failed, so no
    // event of it may come back through a later session.
    let mut h = Harness::connected();
    h.parent("7|/maybe");
    h.advance(10_000);
    assert!(h.take_parent().iter().any(|m| m.starts_with("7|/maybe|") && m.contains("remote-server-timeout")));
    h.lose_connection();
    h.take_sent();
    h.advance(1_000);
    h.finish_login("desk");
    let sent = h.take_sent();
    assert!(sent.iter().any(|s| s.contains("<unsubscribe") && s.contains("node=\"/maybe\"")), "{sent:?}");
}

#[test]
fn no_copy_of_the_password_outlives_unauthorized_or_disconnect_req() {
    let mut h = Harness::new();
    h.send_all(&["1|agent1", "5|d.example", "2|wrong"]);
    h.opened();
    h.server(OPEN);
    h.server(FEATURES_PLAIN);
    assert!(h.t.holds_password(), "while it is needed");
    h.server("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>");
    assert!(h.take_parent().contains(&"4|unauthorized".to_string()));
    assert!(!h.t.holds_password(), "forgotten after unauthorized");
    h.parent("1|agent1");
    assert!(h.take_parent().is_empty() && h.t.poll_output().is_none(), "and no login without a new one");

    let mut h = Harness::connected();
    assert!(h.t.holds_password(), "kept while the session lives, to log in again after a loss");
    h.parent("11|");
    h.server("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
    assert!(h.take_parent().contains(&"4|disconnected".to_string()));
    assert!(!h.t.holds_password(), "forgotten after DISCONNECT_REQ");
}

/// A SCRAM login up to the server-first message, which asks for `i`
/// iterations; returns what was sent after it.
fn scram_with_iterations(config: &str, i: u32) -> (Harness, Vec<String>) {
    let mut h = Harness::with_config(config);
    challenge_with(&mut h, i);
    let sent = h.take_sent();
    (h, sent)
}

#[test]
fn scram_iteration_counts_below_4096_are_refused_unless_configured() {
    let (mut h, sent) = scram_with_iterations("{}", 1);
    assert!(!sent.iter().any(|s| s.contains("<response")) && h.derives.is_empty(), "no proof computed or sent: {sent:?}");
    let p = h.take_parent();
    assert!(logged(&p, "the server asked for 1 SCRAM iterations, fewer than the 4096 allowed"), "{p:?}");
    assert!(p.contains(&"4|reconnecting".to_string()) && !p.contains(&"4|unauthorized".to_string()), "{p:?}");
    let (h, _) = scram_with_iterations("{}", 4096);
    assert_eq!(h.derives.len(), 1, "4096 is enough");
    let (h, _) = scram_with_iterations(r#"{"minScramIterations":1}"#, 1);
    assert_eq!(h.derives.len(), 1, "a test server may be allowed fewer");
}

#[test]
fn type_15_values_are_moved_into_their_ranges() {
    let mut h = Harness::connected();
    h.parent(r#"15|{"xmppRequestTimeout":4294967295,"xmppFailoverDetectionPingInterval":1000,"xmppFailoverRequestMaxRetry":4294967295}"#);
    assert!(logged(&h.take_parent(), "type 15: moved a value into its range"));
    // A silent server: one ping a second, each outstanding for at most
    // 5 minutes, and the connection declared dead within the bound
    // (interval × (retries + 1) + timeout), never piling up pings for hours.
    // (The new interval applies from the next ping, 10 s in.)
    h.advance(10_000 + 1000 * 101 + 300_000);
    let p = h.take_parent();
    assert!(logged(&p, "the server stopped answering pings"), "dead within 10 s + 1 s × 101 + 5 min: {p:?}");
    let pings = h.take_sent().iter().filter(|s| s.contains("urn:xmpp:ping")).count();
    assert!(pings <= 402, "{pings} pings");
    h.parent(r#"15|{"xmppRequestTimeout":0,"xmppFailoverDetectionPingInterval":"0"}"#);
    assert!(logged(&h.take_parent(), "type 15: moved a value into its range"));
}

const NOTIFICATION_WITHOUT_FROM: &str = "<message xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
    <items node='/n'><item id='1'><x xmlns='urn:x'/></item></items></event></message>";

#[test]
fn type_6_must_be_a_jid_and_a_stanza_without_from_is_never_the_service() {
    let mut h = Harness::connected();
    h.subscribe("/n");
    h.take_parent();
    for bad in ["6|/x", "6|a@", "6|@b", "6|a b", "6|pubsub.d.example/res"] {
        h.parent(bad);
        assert!(logged(&h.take_parent(), "ignored type 6: not a bare JID"), "{bad}");
    }
    h.server(NOTIFICATION_WITHOUT_FROM);
    let p = h.take_parent();
    assert!(!p.iter().any(|m| m.starts_with("0|")), "{p:?}");
    assert!(logged(&p, "ignored a pubsub notification that did not come from the pubsub service"));
    // The service named before still publishes.
    h.server(&NOTIFICATION_WITHOUT_FROM.replace("<message ", "<message from='pubsub.d.example' "));
    assert!(h.take_parent().iter().any(|m| m.starts_with("0|/n")));
}
