//! Cluster-grade failover in the core (issue 23): which endpoint comes
//! next after a loss or a server going away, and our own requests that
//! meet a transient error asked again, keeping the node.

use crate::reconnect::{connected, stream_error};
use crate::tunnel::{result, Harness};

/// Two nodes of a cluster, WebSocket only, deterministic delays.
const CLUSTER: &str = r#"{"allowInsecurePlain":true,"websocket":["ws://node1:5280/ws/","ws://node2:5280/ws/"],"bosh":[],
    "reconnectBaseMs":1000,"reconnectMaxMs":8000,"reconnectJitter":false}"#;

fn on_node1() -> Harness {
    let h = connected(CLUSTER);
    assert_eq!(h.url.as_deref(), Some("ws://node1:5280/ws/"));
    h
}

#[test]
fn after_a_loss_the_lost_node_is_tried_last() {
    let mut h = on_node1();
    h.lose_connection(); // node1 killed
    h.advance(1000);
    assert_eq!(h.url.as_deref(), Some("ws://node2:5280/ws/"), "not the dead node first");
    h.finish_login("desk");
    h.take_parent();
    h.lose_connection(); // now node2 goes (a short session: the doubled delay)
    h.advance(2000);
    assert_eq!(h.url.as_deref(), Some("ws://node1:5280/ws/"), "node1 is back at the top");
}

#[test]
fn a_node_going_away_moves_the_tunnel_on_at_once() {
    for condition in ["system-shutdown", "reset"] {
        let mut h = on_node1();
        let first = h.conn;
        h.server(&stream_error(condition));
        h.advance(0);
        assert_ne!(h.conn, first, "{condition}: no backoff");
        assert_eq!(h.url.as_deref(), Some("ws://node2:5280/ws/"), "{condition}: the other node");
        // node2 going away too before a session: this time a backoff.
        let second = h.conn;
        h.opened();
        h.server(crate::tunnel::OPEN);
        h.server(&stream_error(condition));
        h.advance(0);
        assert_eq!(h.conn, second, "{condition}: a second one in a row waits");
        h.advance(2000);
        assert_ne!(h.conn, second);
    }
}

#[test]
fn failures_before_a_session_still_rotate_through_the_list() {
    let mut h = Harness::with_config(CLUSTER);
    h.send_all(&["1|agent1", "5|d.example", "2|secret"]);
    assert_eq!(h.url.as_deref(), Some("ws://node1:5280/ws/"));
    h.lose_connection(); // refused
    h.advance(1000);
    assert_eq!(h.url.as_deref(), Some("ws://node2:5280/ws/"));
    h.lose_connection();
    h.advance(2000);
    assert_eq!(h.url.as_deref(), Some("ws://node1:5280/ws/"));
}

fn error_reply(id: &str, kind: &str, condition: &str) -> String {
    format!("<iq xmlns='jabber:client' type='error' id='{id}' from='pubsub.d.example'><error type='{kind}'>\
             <{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")
}

/// Subscribed to `/n` on node1, then lost and logged in again on node2:
/// returns the harness with the re-subscribe's id.
fn resubscribing() -> (Harness, String) {
    let mut h = on_node1();
    h.subscribe("/n");
    h.take_parent();
    h.lose_connection();
    h.advance(1000);
    h.take_sent();
    h.finish_login("desk");
    let id = h.last_id();
    assert!(h.sent.iter().any(|s| s.contains("<subscribe") && s.contains(&id)));
    (h, id)
}

#[test]
fn transient_errors_on_a_resubscribe_are_asked_again_keeping_the_node() {
    for (kind, condition) in [("wait", "internal-server-error"), ("cancel", "internal-server-error"),
                              ("wait", "resource-constraint"), ("wait", "remote-server-timeout"), ("wait", "policy-violation")] {
        let (mut h, id) = resubscribing();
        h.server(&error_reply(&id, kind, condition));
        let p = h.take_parent();
        assert!(!p.iter().any(|m| m.starts_with("7|/n|")), "{kind}/{condition}: no error to the parent: {p:?}");
        assert!(p.iter().any(|m| m.starts_with("13|subscribing again to /n failed for now")), "{p:?}");
        assert!(p.contains(&"4|connected".to_string()), "connected meanwhile");
        h.take_sent();
        h.advance(1000);
        assert!(h.sent.iter().any(|s| s.contains("<subscribe") && s.contains("node=\"/n\"")), "{kind}/{condition}: asked again: {:?}", h.sent);
        let id = h.last_id();
        h.server(&result(&id));
        h.server("<message xmlns='jabber:client' from='pubsub.d.example'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
                  <items node='/n'><item id='1'><x xmlns='urn:x'/></item></items></event></message>");
        assert!(h.take_parent().iter().any(|m| m.starts_with("0|/n")), "the node's events flow");
    }
}

#[test]
fn permanent_errors_on_a_resubscribe_drop_the_node_with_an_error() {
    for condition in ["item-not-found", "forbidden", "not-authorized"] {
        let (mut h, id) = resubscribing();
        h.server(&error_reply(&id, "cancel", condition));
        let p = h.take_parent();
        assert!(p.iter().any(|m| m.starts_with("7|/n|<ApiErrors>") && m.contains(condition)), "{condition}: {p:?}");
        assert!(p.iter().any(|m| m == "13|could not subscribe again to /n"), "{p:?}");
        h.take_sent();
        h.advance(60_000);
        assert!(!h.take_sent().iter().any(|s| s.contains("<subscribe")), "{condition}: not asked again");
    }
}

#[test]
fn the_wait_before_asking_again_grows() {
    let (mut h, mut id) = resubscribing();
    let mut waits = vec![];
    for _ in 0..7 {
        h.server(&error_reply(&id, "wait", "internal-server-error"));
        h.take_sent();
        let from = h.now;
        while !h.sent.iter().any(|s| s.contains("<subscribe")) {
            h.advance(100);
        }
        waits.push(h.now - from);
        id = h.last_id();
    }
    // Jittered in [bound/2, bound): 1 s, 2 s, 4 s, … capped at 30 s.
    for (w, bound) in waits.iter().zip([1000, 2000, 4000, 8000, 16000, 30_000, 30_000]) {
        assert!(*w >= bound / 2 && *w <= bound + 100, "{waits:?}");
    }
}
