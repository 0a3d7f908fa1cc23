//! Reconnect decisions, backoff on a virtual clock, endpoint rotation and
//! ping failover, through the tunnel's public API.

use crate::tunnel::{result, Harness};

/// Deterministic delays: no jitter, 1 s doubling to 8 s.
/// (And WebSocket only, so that retries stay on it.)
const NO_JITTER: &str = r#"{"allowInsecurePlain":true,"allowedOrigins":["http://127.0.0.1:8000"],
    "reconnectBaseMs":1000,"reconnectMaxMs":8000,"reconnectJitter":false,"bosh":[]}"#;

pub fn connected(cfg: &str) -> Harness {
    let mut h = Harness::with_config(cfg);
    h.login("desk");
    h.take_parent();
    h.take_sent();
    h
}

pub fn stream_error(condition: &str) -> String {
    format!("<stream:error xmlns:stream=\"http://etherx.jabber.org/streams\"><{condition} xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/></stream:error>")
}

fn statuses(p: &[String]) -> Vec<&str> {
    p.iter().filter_map(|m| m.strip_prefix("4|")).collect()
}

#[test]
fn a_lost_connection_comes_back_and_renews_subscriptions() {
    let mut h = connected(NO_JITTER);
    h.subscribe("/n");
    h.take_parent();
    let first = h.conn;
    h.lose_connection();
    let p = h.take_parent();
    assert_eq!(statuses(&p), ["reconnecting"]);
    assert!(p.contains(&"13|reconnecting in 1000 ms".to_string()));
    h.advance(999);
    assert_eq!(h.conn, first, "not before the delay");
    h.advance(1);
    assert_ne!(h.conn, first, "a new attempt");
    h.finish_login("desk");
    assert!(statuses(&h.take_parent()).is_empty(), "no 'connecting', no 'connected' before the renewal");
    let renew = h.sent.last().unwrap().clone();
    assert!(renew.contains("<subscribe node=\"/n\""));
    h.server(&result(&h.last_id()));
    // No stream management here: a new session, and the parent is told
    // events may have been missed.
    assert_eq!(
        h.take_parent(),
        ["3|desk", "4|connected", r#"101|{"gap":true,"reason":"the connection was lost and could not be resumed"}"#]
    );
}

#[test]
fn failed_attempts_back_off_exponentially_up_to_the_cap() {
    let mut h = connected(NO_JITTER);
    h.lose_connection();
    let mut delays = vec![];
    for _ in 0..5 {
        let p = h.take_parent();
        let line = p.iter().find(|m| m.starts_with("13|reconnecting in ")).unwrap();
        delays.push(line.trim_start_matches("13|reconnecting in ").trim_end_matches(" ms").parse::<u64>().unwrap());
        let before = h.conn;
        h.advance(delays.last().copied().unwrap());
        assert_ne!(h.conn, before);
        h.lose_connection(); // the server is still down
    }
    assert_eq!(delays, [1000, 2000, 4000, 8000, 8000]);
}

#[test]
fn with_jitter_delays_are_drawn_below_the_bound() {
    let mut h = connected(r#"{"allowInsecurePlain":true,"reconnectBaseMs":1000}"#);
    h.lose_connection();
    let p = h.take_parent();
    let line = p.iter().find(|m| m.starts_with("13|reconnecting in ")).unwrap();
    let d: u64 = line.trim_start_matches("13|reconnecting in ").trim_end_matches(" ms").parse().unwrap();
    // The harness's entropy is 0x07070707: 1000 × 0x07070707 / 2³² = 27.
    assert_eq!(d, 27);
}

#[test]
fn no_reconnect_after_conflict_unauthorized_or_policy_errors() {
    for (cond, status) in [("conflict", "conflict"), ("not-authorized", "unauthorized"), ("policy-violation", "disconnected"), ("host-unknown", "disconnected")] {
        let mut h = connected(NO_JITTER);
        h.server(&stream_error(cond));
        assert_eq!(statuses(&h.take_parent()), [status], "{cond}");
        let c = h.conn;
        h.advance(600_000);
        assert_eq!(h.conn, c, "{cond}: no new attempt");
    }
}

#[test]
fn transient_stream_errors_and_closes_reconnect() {
    for frame in [stream_error("system-shutdown"), stream_error("connection-timeout"), stream_error("reset"),
                  stream_error("internal-server-error"), "<close xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\"/>".to_string()] {
        let mut h = connected(NO_JITTER);
        h.server(&frame);
        assert_eq!(statuses(&h.take_parent()), ["reconnecting"], "{frame}");
        let c = h.conn;
        h.advance(1000);
        assert_ne!(h.conn, c, "{frame}: tries again");
    }
}

#[test]
fn disconnect_req_while_waiting_stops_for_good() {
    let mut h = connected(NO_JITTER);
    h.subscribe("/n");
    h.lose_connection();
    h.take_parent();
    h.parent("11|");
    assert_eq!(h.take_parent(), ["4|unloading", "3|desk", "4|disconnected"]);
    let c = h.conn;
    h.advance(600_000);
    assert_eq!(h.conn, c, "no more attempts");
}

#[test]
fn the_first_login_retries_too_while_the_server_is_down() {
    let mut h = Harness::with_config(NO_JITTER);
    h.take_parent();
    h.send_all(&["1|agent1", "5|d.example", "2|secret"]);
    h.lose_connection();
    assert_eq!(statuses(&h.take_parent()), ["connecting", "reconnecting"]);
    h.advance(1000);
    h.finish_login("desk");
    assert_eq!(statuses(&h.take_parent()), ["connected"]);
}

#[test]
fn endpoints_are_tried_in_turn_and_the_primary_first_after_a_session() {
    let cfg = r#"{"allowInsecurePlain":true,"reconnectJitter":false,"reconnectBaseMs":100,
                 "websocket":["ws://primary:1/ws/","ws://secondary:2/ws/"],"bosh":[]}"#;
    let mut h = Harness::with_config(cfg);
    h.send_all(&["1|agent1", "5|d.example", "2|secret"]);
    assert_eq!(h.url.as_deref(), Some("ws://primary:1/ws/"));
    h.lose_connection(); // primary down
    h.advance(100);
    assert_eq!(h.url.as_deref(), Some("ws://secondary:2/ws/"));
    h.finish_login("desk");
    h.lose_connection(); // secondary lost after a session
    h.advance(1000);
    assert_eq!(h.url.as_deref(), Some("ws://primary:1/ws/"), "back to the primary first");
}

#[test]
fn a_silent_connection_is_detected_by_pings() {
    // Finesse's defaults (10 s interval, 10 s timeout, 2 retries): dead
    // within 10 × 3 + 10 = 40 s of silence.
    let mut h = connected(NO_JITTER);
    h.advance(10_000);
    let ping = h.take_sent();
    assert_eq!(ping.len(), 1);
    assert!(ping[0].contains("<ping xmlns=\"urn:xmpp:ping\"/>") && ping[0].contains("to=\"d.example\""), "{ping:?}");
    h.advance(29_999);
    assert!(statuses(&h.take_parent()).is_empty());
    h.advance(1);
    let p = h.take_parent();
    assert!(p.contains(&"13|the server stopped answering pings: the connection is dead".to_string()));
    assert_eq!(statuses(&p), ["reconnecting"]);
}

#[test]
fn any_traffic_keeps_the_connection_alive() {
    let mut h = connected(NO_JITTER);
    for _ in 0..10 {
        h.advance(10_000);
        let id = h.last_id();
        assert!(id.starts_with("ping-"));
        h.server(&format!("<iq xmlns='jabber:client' type='result' id='{id}' from='d.example'/>"));
    }
    h.advance(15_000);
    h.server("<presence xmlns='jabber:client' from='x@d.example'/>");
    h.advance(25_000);
    assert!(statuses(&h.take_parent()).is_empty(), "never declared dead");
}

#[test]
fn type_15_timings_drive_the_pings() {
    let mut h = connected(NO_JITTER);
    h.parent(r#"15|{"xmppRequestTimeout":"2000","xmppFailoverDetectionPingInterval":"3000","xmppFailoverRequestMaxRetry":"0"}"#);
    // Takes effect from the next interval: 10 s, then 3 s + 2 s timeout.
    h.advance(10_000);
    h.advance(2_000);
    assert_eq!(statuses(&h.take_parent()), ["reconnecting"]);
}

#[test]
fn see_other_uri_is_followed_at_once_but_never_to_a_weaker_scheme() {
    let cfg = r#"{"allowInsecurePlain":true,"websocket":["wss://a.example/ws/"],"bosh":[],"reconnectJitter":false}"#;
    let mut h = connected(cfg);
    let first = h.conn;
    h.server("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing' see-other-uri='wss://b.example/xmpp'/>");
    assert_ne!(h.conn, first, "at once, no backoff");
    assert_eq!(h.url.as_deref(), Some("wss://b.example/xmpp"));
    assert!(h.take_parent().contains(&"13|the server redirects us to wss://b.example/xmpp".to_string()));
    // From wss: to ws: is a downgrade: refused, and we retry as after a loss.
    h.finish_login("desk");
    h.take_parent();
    h.server("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing' see-other-uri='ws://evil.example/ws'/>");
    let p = h.take_parent();
    assert!(p.iter().any(|m| m.starts_with("13|ignored a redirect")), "{p:?}");
    assert_eq!(statuses(&p), ["reconnecting"]);
    h.advance(1000);
    assert_eq!(h.url.as_deref(), Some("wss://a.example/ws/"), "back to the configured endpoint");
}

#[test]
fn see_other_host_keeps_scheme_and_path() {
    let mut h = connected(r#"{"allowInsecurePlain":true,"websocket":["wss://a.example:7443/ws/"],"bosh":[]}"#);
    h.server("<stream:error xmlns:stream='http://etherx.jabber.org/streams'><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>\
              b.example:8443</see-other-host></stream:error>");
    assert_eq!(h.url.as_deref(), Some("wss://b.example:8443/ws/"));
}

#[test]
fn redirect_loops_are_cut_short() {
    let mut h = connected(r#"{"allowInsecurePlain":true,"websocket":["wss://a.example/ws/"],"bosh":[],"reconnectJitter":false}"#);
    for i in 0..3 {
        h.server(&format!("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing' see-other-uri='wss://h{i}.example/ws'/>"));
        h.opened();
        h.server(crate::tunnel::OPEN);
    }
    h.take_parent();
    h.server("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing' see-other-uri='wss://h9.example/ws'/>");
    let p = h.take_parent();
    assert!(p.iter().any(|m| m == "13|ignored a redirect (too many in a row)"), "{p:?}");
}

#[test]
fn a_loss_during_disconnect_req_still_ends_in_disconnected() {
    let mut h = connected(NO_JITTER);
    h.subscribe("/n");
    h.take_parent();
    h.parent("11|");
    h.lose_connection();
    let p = h.take_parent();
    assert_eq!(statuses(&p), ["unloading", "disconnected"], "{p:?}");
    let c = h.conn;
    h.advance(600_000); // the deadline moves on (the harness panics otherwise)
    assert_eq!(h.conn, c, "no reconnect");
}

#[test]
fn the_same_credentials_while_waiting_do_not_restart_the_retry() {
    let mut h = connected(NO_JITTER);
    h.lose_connection();
    h.take_parent();
    let c = h.conn;
    h.send_all(&["1|agent1", "5|d.example", "2|secret"]);
    assert_eq!(h.conn, c, "no attempt outside the backoff");
    assert!(h.take_parent().is_empty(), "and no status");
}

#[test]
fn no_gap_notice_after_a_first_login_that_needed_retries() {
    let mut h = Harness::with_config(NO_JITTER);
    h.send_all(&["1|agent1", "5|d.example", "2|secret"]);
    h.lose_connection();
    h.advance(1000);
    h.finish_login("desk");
    assert!(!h.take_parent().iter().any(|m| m.starts_with("101|")));
}

#[test]
fn a_redirect_of_a_live_session_is_a_reconnect_with_a_gap() {
    let mut h = connected(NO_JITTER);
    h.take_parent();
    // (The same host: over `ws:` a redirect may not leave it.)
    h.server("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing' see-other-uri='ws://localhost:7072/ws'/>");
    assert_eq!(statuses(&h.take_parent()), ["reconnecting"]);
    h.finish_login("desk");
    let p = h.take_parent();
    assert!(p.iter().any(|m| m.starts_with("101|")), "{p:?}");
}
