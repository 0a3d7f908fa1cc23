//! SUBSCRIBE / UNSUBSCRIBE / SUBSCRIPTIONS_REQ, EVENT and PRESENCE relay,
//! DISCONNECT_REQ and unload, through the scripted harness.

use crate::tunnel::{result, Harness, FEATURES_BIND, FEATURES_PLAIN};




fn event(node: &str, items: &str) -> String {
    format!("<message xmlns=\"jabber:client\" from=\"pubsub.d.example\" to=\"agent1@d.example/desk\">\
             <event xmlns=\"http://jabber.org/protocol/pubsub#event\"><items node=\"{node}\">{items}</items></event></message>")
}

#[test]
fn subscribe_reply_and_byte_exact_events() {
    let mut h = Harness::connected();
    h.parent("7|/finesse/api/User/1001001");
    let sent = h.take_sent();
    assert_eq!(
        sent,
        ["<iq xmlns=\"jabber:client\" type=\"set\" id=\"07070707-1\" to=\"pubsub.d.example\"><pubsub xmlns=\"http://jabber.org/protocol/pubsub\">\
          <subscribe node=\"/finesse/api/User/1001001\" jid=\"agent1@d.example/desk\"/></pubsub></iq>"]
    );
    h.server("<iq xmlns='jabber:client' type='result' id='07070707-1' from='pubsub.d.example'><pubsub xmlns='http://jabber.org/protocol/pubsub'>\
              <subscription node='/finesse/api/User/1001001' jid='agent1@d.example/desk' subscription='subscribed'/></pubsub></iq>");
    assert_eq!(h.take_parent(), ["7|/finesse/api/User/1001001"]);
    h.server(&event(
        "/finesse/api/User/1001001",
        "<item id='a'><notification xmlns='http://jabber.org/protocol/pubsub'>&lt;Update&gt;&lt;data&gt;x|y &amp;amp; ü 日本&lt;/data&gt;&lt;/Update&gt;</notification></item>\
         <item id='b'><notification xmlns='http://jabber.org/protocol/pubsub'>&lt;Update/&gt;</notification></item>",
    ));
    assert_eq!(
        h.take_parent(),
        ["0|/finesse/api/User/1001001<Update><data>x|y &amp; ü 日本</data></Update>", "0|/finesse/api/User/1001001<Update/>"]
    );
    // Node names are encodeURI'd exactly as JavaScript does.
    h.server(&event("/a b/ü", "<item id='c'/>"));
    assert_eq!(h.take_parent(), ["0|/a%20b/%C3%BC"]);
}

#[test]
fn notifications_from_anyone_but_the_service_are_dropped() {
    let mut h = Harness::connected();
    h.subscribe("/n");
    h.take_parent();
    h.server("<message xmlns='jabber:client' from='mallory@d.example/x'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
              <items node='/n'><item id='1'><notification xmlns='http://jabber.org/protocol/pubsub'>&lt;Update/&gt;</notification></item>\
              </items></event></message>");
    let p = h.take_parent();
    assert_eq!(p.len(), 1);
    assert!(p[0].starts_with("13|ignored a pubsub notification"));
    // Retractions and purges are not EVENTs.
    h.server("<message xmlns='jabber:client' from='pubsub.d.example'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
              <purge node='/n'/></event></message>");
    assert!(h.take_parent().is_empty());
}

// The exact traffic of the legacy page's module (the IM module adds its own:
// tests/core/im.rs); run by the test command's build without `im`.
#[cfg(not(feature = "im"))]
#[test]
fn subscribe_errors_and_timeouts_get_exactly_one_reply() {
    let mut h = Harness::connected();
    h.parent("7|/missing");
    let id = h.last_id();
    h.server(&format!("<iq xmlns='jabber:client' type='error' id='{id}' from='pubsub.d.example'><error type='cancel'>\
                       <item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"));
    assert_eq!(
        h.take_parent(),
        ["7|/missing|<ApiErrors><ApiError><ErrorType>item-not-found</ErrorType><ErrorMessage/></ApiError></ApiErrors>"]
    );
    h.parent("7|/slow");
    h.advance(9_999);
    assert!(h.take_parent().is_empty());
    h.advance(1);
    let p = h.take_parent();
    assert_eq!(p.len(), 1);
    assert!(p[0].starts_with("7|/slow|<ApiErrors><ApiError><ErrorType>remote-server-timeout</ErrorType>"));
    // A late answer after the timeout is not a second reply.
    let late = h.last_id();
    h.server(&result(&late));
    assert!(h.take_parent().is_empty());
    // Bad node names never reach the server.
    h.take_sent();
    h.parent("7|");
    h.parent("8|bad\u{1}node");
    assert!(h.take_sent().is_empty());
    let p = h.take_parent();
    assert!(p[0].starts_with("7||<ApiErrors><ApiError><ErrorType>bad-request"));
    assert!(p[1].starts_with("8|bad\u{1}node|<ApiErrors>"));
}

#[test]
fn type_15_sets_the_request_timeout() {
    let mut h = Harness::connected();
    h.parent(r#"15|{"xmppRequestTimeout":"3000","xmppFailoverDetectionPingInterval":"10000","xmppFailoverRequestMaxRetry":"2"}"#);
    h.parent("7|/n");
    h.advance(3_000);
    assert!(h.take_parent()[0].contains("remote-server-timeout"));
}

#[test]
fn requests_when_not_connected_are_answered_at_once() {
    let mut h = Harness::new();
    h.take_parent();
    h.parent("7|/n");
    h.parent("8|/n");
    h.parent("14|");
    let p = h.take_parent();
    assert_eq!(p.len(), 3);
    assert!(p[0].starts_with("7|/n|<ApiErrors><ApiError><ErrorType>not-connected"));
    assert!(p[1].starts_with("8|/n|<ApiErrors>"));
    assert_eq!(
        p[2],
        "14|<error type=\"wait\"><recipient-unavailable xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/>\
         <text xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\">the tunnel is not connected</text></error>"
    );
}

#[test]
fn requests_while_connecting_wait_for_connected_or_fail_with_it() {
    let mut h = Harness::new();
    h.send_all(&["1|agent1", "5|d.example", "2|secret"]);
    h.parent("7|/early");
    h.take_parent();
    assert!(h.sent.is_empty());
    // Connection lost before ready: the request waits for the reconnect,
    // but not beyond its timeout.
    h.lose_connection();
    assert!(!h.take_parent().iter().any(|m| m.starts_with("7|")));
    h.advance(10_000);
    let p = h.take_parent();
    assert!(p.iter().any(|m| m.starts_with("7|/early|<ApiErrors><ApiError><ErrorType>not-connected")), "{p:?}");
    // Queued during a login that succeeds: sent after connected.
    let mut h = Harness::new();
    h.send_all(&["1|agent1", "5|d.example", "2|secret", "6|pubsub.d.example"]);
    h.parent("7|/early");
    h.take_parent();
    h.finish_login("desk");
    let p = h.take_parent();
    assert!(p.iter().any(|m| m == "4|connected"));
    assert!(h.sent.last().unwrap().contains("<subscribe node=\"/early\""));
}

#[test]
fn duplicate_subscribe_does_not_duplicate_the_subscription() {
    let mut h = Harness::connected();
    h.subscribe("/n");
    h.take_parent();
    h.take_sent();
    h.parent("7|/n");
    assert!(h.take_sent().is_empty());
    assert_eq!(h.take_parent(), ["7|/n"]);
}

#[test]
fn unsubscribe_and_subscription_list() {
    let mut h = Harness::connected();
    h.subscribe("/a");
    h.subscribe("/b");
    h.take_parent();
    h.parent("8|/a");
    let id = h.last_id();
    assert!(h.sent.last().unwrap().contains("<unsubscribe node=\"/a\" jid=\"agent1@d.example/desk\"/>"));
    h.server(&result(&id));
    assert_eq!(h.take_parent(), ["8|/a"]);
    h.parent("14|");
    let id = h.last_id();
    h.server(&format!("<iq xmlns='jabber:client' type='result' id='{id}' from='pubsub.d.example'><pubsub xmlns='http://jabber.org/protocol/pubsub'><subscriptions>\
                       <subscription node='/b' jid='agent1@d.example/desk' subscription='subscribed' subid='x\"1'/></subscriptions></pubsub></iq>"));
    assert_eq!(
        h.take_parent(),
        [r#"14|[{"node":"/b","jid":"agent1@d.example/desk","subscription":"subscribed","subid":"x\"1"}]"#]
    );
    h.parent("14|");
    let id = h.last_id();
    h.server(&format!("<iq xmlns='jabber:client' type='error' id='{id}' from='pubsub.d.example'><error type='cancel'>\
                       <feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"));
    assert_eq!(h.take_parent(), ["14|<error type=\"cancel\"><feature-not-implemented xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error>"]);
}

// The exact traffic of the legacy page's module (the IM module adds its own:
// tests/core/im.rs); run by the test command's build without `im`.
#[cfg(not(feature = "im"))]
#[test]
fn presence_is_relayed_escaped() {
    let mut h = Harness::connected();
    h.server("<presence xmlns='jabber:client' from='finesse@d.example/x&amp;y'/>");
    h.server("<presence xmlns='jabber:client' from='b@d.example' type='unavailable'/>");
    assert_eq!(
        h.take_parent(),
        [
            "9|<presence><from>finesse@d.example/x&amp;y</from><type/></presence>",
            "9|<presence><from>b@d.example</from><type>unavailable</type></presence>"
        ]
    );
}

#[test]
fn disconnect_req_unsubscribes_then_closes() {
    let mut h = Harness::connected();
    h.subscribe("/a");
    h.subscribe("/b");
    h.take_parent();
    h.take_sent();
    h.parent("11|");
    assert_eq!(h.take_parent(), ["4|unloading"]);
    let sent = h.take_sent();
    assert_eq!(sent.len(), 2);
    assert!(sent[0].contains("<unsubscribe node=\"/a\""));
    assert!(sent[1].contains("<unsubscribe node=\"/b\""));
    for s in &sent {
        let id = xmpp_tunnel::xml::parse(s, &xmpp_tunnel::xml::Limits::SERVER).unwrap().root().attr("id").unwrap().to_string();
        h.server(&result(&id));
    }
    assert_eq!(h.take_parent(), ["8|/a", "8|/b", "3|desk", "4|disconnecting"]);
    assert_eq!(h.take_sent(), ["<presence xmlns=\"jabber:client\" type=\"unavailable\"/>", "<close xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\"/>"]);
    h.server("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
    assert_eq!(h.take_parent(), ["3|desk", "4|disconnected"]);
    assert_eq!(h.closed.len(), 1);
    // No reconnect by itself, and the password is gone.
    h.parent("1|agent1");
    h.parent("5|d.example");
    assert!(h.take_parent().is_empty());
    h.parent("2|secret");
    assert!(h.take_parent().contains(&"4|connecting".to_string()));
}

// The exact traffic of the legacy page's module (the IM module adds its own:
// tests/core/im.rs); run by the test command's build without `im`.
#[cfg(not(feature = "im"))]
#[test]
fn disconnect_req_when_the_server_does_not_answer() {
    let mut h = Harness::connected();
    h.subscribe("/a");
    h.take_parent();
    h.parent("11|");
    h.advance(10_000);
    let p = h.take_parent();
    assert_eq!(p[0], "4|unloading");
    assert!(p[1].starts_with("13|could not unsubscribe from /a"), "{p:?}");
    assert!(p[2].starts_with("8|/a|<ApiErrors><ApiError><ErrorType>remote-server-timeout"), "{p:?}");
    assert_eq!(&p[3..], ["3|desk", "4|disconnecting"]);
    h.advance(2_000);
    assert_eq!(h.take_parent(), ["3|desk", "4|disconnected"]);
    assert_eq!(h.closed.len(), 1);
}

#[test]
fn disconnect_req_without_connection() {
    let mut h = Harness::new();
    h.take_parent();
    h.parent("11|");
    assert_eq!(h.take_parent(), ["4|unloading", "4|disconnected"]);
}

#[test]
fn new_session_subscribes_again_before_connected() {
    let mut h = Harness::connected();
    h.subscribe("/a");
    h.take_parent();
    h.parent("2|other-password");
    h.take_sent();
    h.take_parent();
    h.opened();
    h.server("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='d.example' id='s2' version='1.0'/>");
    h.server(FEATURES_PLAIN);
    h.server("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    h.server("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='d.example' id='s3' version='1.0'/>");
    h.server(FEATURES_BIND);
    let id = h.last_id();
    h.server(&format!("<iq xmlns='jabber:client' type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
                       <jid>agent1@d.example/desk2</jid></bind></iq>"));
    assert!(!h.take_parent().iter().any(|m| m == "4|connected"), "not before the re-subscription");
    assert!(h.sent.last().unwrap().contains("<subscribe node=\"/a\" jid=\"agent1@d.example/desk2\"/>"));
    let id = h.last_id();
    h.server(&result(&id));
    assert_eq!(h.take_parent(), ["3|desk2", "4|connected"]);
}

#[test]
fn unload_unsubscribes_and_closes_at_once() {
    let mut h = Harness::connected();
    h.subscribe("/a");
    h.take_parent();
    h.take_sent();
    h.parent("7|/pending");
    h.take_sent();
    h.t.handle_unload(0);
    h.drain();
    let p = h.take_parent();
    assert_eq!(p[0], "4|unloading");
    assert!(p[1].starts_with("7|/pending|<ApiErrors>"), "{p:?}");
    let s = h.take_sent();
    assert!(s[0].contains("<unsubscribe node=\"/a\""));
    assert!(s[2].starts_with("<close"));
    assert_eq!(h.closed.len(), 1);
}
