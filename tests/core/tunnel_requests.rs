//! Request bookkeeping across connections: identical requests share one iq,
//! requests die with their connection, replies must come from whom we asked,
//! leftovers are cleaned up, limits hold.

use crate::tunnel::{ids, result, Harness};

#[test]
fn identical_subscribes_share_one_server_request() {
    let mut h = Harness::connected();
    h.parent("7|/n");
    h.parent("7|/n");
    let sent = h.take_sent();
    assert_eq!(sent.len(), 1, "one <subscribe/> on the wire: {sent:?}");
    h.server(&result(&ids(&sent)[0]));
    assert_eq!(h.take_parent(), ["7|/n", "7|/n"], "but one reply per request");
    // While connecting too.
    let mut h = Harness::new();
    h.send_all(&["1|agent1", "5|d.example", "2|secret", "6|pubsub.d.example"]);
    h.parent("7|/q");
    h.parent("7|/q");
    h.finish_login("desk");
    let subscribes: Vec<_> = h.take_sent().into_iter().filter(|s| s.contains("<subscribe")).collect();
    assert_eq!(subscribes.len(), 1);
    h.server(&result(&ids(&subscribes)[0]));
    assert_eq!(h.take_parent().iter().filter(|m| *m == "7|/q").count(), 2);
}

#[test]
fn the_subid_is_kept_and_used_to_unsubscribe() {
    let mut h = Harness::connected();
    h.parent("7|/n");
    let id = h.last_id();
    h.server(&format!("<iq xmlns='jabber:client' type='result' id='{id}' from='pubsub.d.example'><pubsub xmlns='http://jabber.org/protocol/pubsub'>\
                       <subscription node='/n' jid='agent1@d.example/desk' subid='abc' subscription='subscribed'/></pubsub></iq>"));
    h.parent("8|/n");
    assert!(h.sent.last().unwrap().contains("<unsubscribe node=\"/n\" jid=\"agent1@d.example/desk\" subid=\"abc\"/>"));
}

#[test]
fn replies_from_anyone_but_the_service_are_ignored() {
    let mut h = Harness::connected();
    h.parent("14|");
    let id = h.last_id();
    assert_eq!(id.len(), "07070707-1".len(), "ids carry a random per-connection prefix");
    h.server(&format!("<iq xmlns='jabber:client' type='result' id='{id}' from='evil@d.example/x'><pubsub xmlns='http://jabber.org/protocol/pubsub'>\
                       <subscriptions><subscription node='fake' jid='x' subscription='subscribed'/></subscriptions></pubsub></iq>"));
    h.server(&format!("<iq xmlns='jabber:client' type='result' id='{id}'/>"));
    assert!(h.take_parent().is_empty(), "neither a forged nor a from-less reply answers it");
    h.server(&result(&id));
    assert_eq!(h.take_parent(), ["14|[]"]);
}

#[test]
fn a_new_connection_answers_the_old_ones_requests_at_once() {
    let mut h = Harness::connected();
    h.parent("7|/n");
    h.take_parent();
    h.parent("2|other");
    let p = h.take_parent();
    assert!(p[0].starts_with("7|/n|<ApiErrors><ApiError><ErrorType>not-connected"), "{p:?}");
    assert!(p.contains(&"4|connecting".to_string()));
}

// The exact traffic of the legacy page's module (the IM module adds its own:
// tests/core/im.rs); run by the test command's build without `im`.
#[cfg(not(feature = "im"))]
#[test]
fn old_resubscribes_do_not_hold_up_or_spoil_a_new_session() {
    let mut h = Harness::connected();
    h.subscribe("/n");
    // Lost, back, and while renewing /n the resource changes: a third session.
    h.lose_connection();
    h.advance(1000); // the retry
    h.finish_login("desk");
    h.take_parent();
    h.parent("3|other");
    h.finish_login("other");
    let renew = h.take_sent().into_iter().rfind(|s| s.contains("<subscribe node=\"/n\"")).unwrap();
    h.server(&result(&ids(&[renew])[0]));
    let p = h.take_parent();
    let c = p.iter().position(|m| m == "4|connected").expect("connected at once, not after a timeout");
    assert_eq!(p[c - 1], "3|other");
    // The gap from the first loss is still owed: no session had connected since.
    assert!(p[c + 1].starts_with("101|"), "{p:?}");
    h.advance(20_000);
    assert!(h.take_parent().is_empty(), "no late timeout drops /n");
    h.parent("11|");
    assert!(h.sent.iter().any(|s| s.contains("<unsubscribe node=\"/n\"")), "still known, so unsubscribed");
}

#[test]
fn a_login_during_disconnect_req_still_ends_it_with_disconnected() {
    let mut h = Harness::connected();
    h.subscribe("/n");
    h.take_parent();
    h.parent("11|");
    h.parent("11|");
    assert_eq!(h.take_parent(), ["4|unloading"], "a second DISCONNECT_REQ adds nothing");
    h.parent("2|secret");
    let p = h.take_parent();
    let d = p.iter().position(|m| m == "4|disconnected").expect("disconnected");
    let c = p.iter().position(|m| m == "4|connecting").expect("connecting");
    assert!(d < c, "{p:?}");
}

#[test]
fn a_server_ping_during_binding_is_answered() {
    let mut h = Harness::new();
    h.send_all(&["1|agent1", "5|d.example", "2|secret"]);
    h.opened();
    h.server(crate::tunnel::OPEN);
    h.server(crate::tunnel::FEATURES_PLAIN);
    h.server("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    h.server(crate::tunnel::OPEN);
    h.server(crate::tunnel::FEATURES_BIND);
    h.take_sent();
    h.server("<iq xmlns='jabber:client' type='get' id='p9' from='d.example'><ping xmlns='urn:xmpp:ping'/></iq>");
    assert_eq!(h.take_sent(), ["<iq xmlns=\"jabber:client\" type=\"result\" id=\"p9\" to=\"d.example\"/>"]);
}

#[test]
fn requests_beyond_the_limit_are_refused() {
    let mut h = Harness::new();
    h.send_all(&["1|agent1", "5|d.example", "2|secret"]);
    h.take_parent();
    for i in 0..1025 {
        h.parent(&format!("7|/n{i}"));
    }
    let p = h.take_parent();
    assert_eq!(p.len(), 1, "only the 1025th is answered now");
    assert!(p[0].starts_with("7|/n1024|<ApiErrors><ApiError><ErrorType>resource-constraint"));
}

#[test]
fn unsubscribe_while_disconnected_is_not_undone_by_the_next_session() {
    let mut h = Harness::connected();
    h.subscribe("/n");
    // Replaced by another login: stopped, not retrying.
    h.server("<stream:error xmlns:stream='http://etherx.jabber.org/streams'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
    h.take_parent();
    h.parent("8|/n");
    assert!(h.take_parent()[0].starts_with("8|/n|<ApiErrors><ApiError><ErrorType>not-connected"));
    h.parent("2|secret");
    h.take_sent();
    h.finish_login("desk");
    let sent = h.take_sent();
    assert!(!sent.iter().any(|s| s.contains("<subscribe")), "not renewed: {sent:?}");
    assert!(sent.iter().any(|s| s.contains("<unsubscribe node=\"/n\"")), "and cleaned up at the server");
    assert!(h.take_parent().contains(&"4|connected".to_string()), "without waiting for the clean-up");
}

#[test]
fn type_15_minimums() {
    let mut h = Harness::connected();
    h.parent(r#"15|{"xmppRequestTimeout":0}"#);
    assert!(h.take_parent()[0].starts_with("13|type 15: moved a value into its range"));
    h.parent("7|/n");
    h.advance(499);
    assert!(h.take_parent().is_empty());
    h.advance(1);
    assert!(h.take_parent()[0].contains("remote-server-timeout"));
}

#[test]
fn a_failed_final_unsubscribe_is_answered_and_retried_next_session() {
    let mut h = Harness::connected();
    h.subscribe("/n");
    h.take_parent();
    h.parent("11|");
    let id = h.last_id();
    h.server(&format!("<iq xmlns='jabber:client' type='error' id='{id}' from='pubsub.d.example'><error type='wait'>\
                       <internal-server-error xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"));
    let p = h.take_parent();
    assert!(p.iter().any(|m| m.starts_with("8|/n|<ApiErrors><ApiError><ErrorType>internal-server-error")), "{p:?}");
    h.server("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
    h.parent("2|secret");
    h.take_sent();
    h.finish_login("desk");
    assert!(h.take_sent().iter().any(|s| s.contains("<unsubscribe node=\"/n\"")));
}

#[test]
fn we_answer_the_servers_close_with_ours() {
    let mut h = Harness::connected();
    h.server("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
    assert_eq!(h.take_sent(), ["<close xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\"/>"]);
    assert_eq!(h.closed.len(), 1);
}
