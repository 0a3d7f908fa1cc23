use xmpp_tunnel::xml::{parse, Doc, Element, Limits};
use xmpp_tunnel::xmpp::pubsub::*;

fn el(s: &str) -> Doc {
    parse(s, &Limits::SERVER).unwrap()
}

fn payload(item: Element) -> String {
    let mut s = String::new();
    write_payload(&mut s, item);
    s
}

#[test]
fn requests() {
    assert_eq!(
        subscribe("s1", "pubsub.d", "/finesse/api/User/1&2", "a@d/r'"),
        "<iq xmlns=\"jabber:client\" type=\"set\" id=\"s1\" to=\"pubsub.d\"><pubsub xmlns=\"http://jabber.org/protocol/pubsub\">\
         <subscribe node=\"/finesse/api/User/1&amp;2\" jid=\"a@d/r&apos;\"/></pubsub></iq>"
    );
    assert!(unsubscribe("u1", "p", "n", "j", None).contains("<unsubscribe node=\"n\" jid=\"j\"/>"));
    assert!(unsubscribe("u1", "p", "n", "j", Some("s&1")).contains("<unsubscribe node=\"n\" jid=\"j\" subid=\"s&amp;1\"/>"));
    assert_eq!(
        subscriptions("l1", "p"),
        "<iq xmlns=\"jabber:client\" type=\"get\" id=\"l1\" to=\"p\"><pubsub xmlns=\"http://jabber.org/protocol/pubsub\">\
         <subscriptions/></pubsub></iq>"
    );
}

#[test]
fn finesse_text_payload_is_unescaped() {
    let m = el("<message xmlns='jabber:client' from='pubsub.d' to='a@d/r'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
        <items node='/finesse/api/User/1001001'><item id='x'><notification xmlns='http://jabber.org/protocol/pubsub'>\
        &lt;Update&gt;&lt;data&gt;a|b &amp;amp; é&lt;/data&gt;&lt;/Update&gt;</notification></item></items></event></message>");
    let Some(Notification::Items { node, items }) = notification(m.root()) else { panic!() };
    let items: Vec<_> = items.elements().filter(is_item).collect();
    assert_eq!(node, "/finesse/api/User/1001001");
    assert_eq!(items.len(), 1);
    assert_eq!(payload(items[0]), "<Update><data>a|b &amp; é</data></Update>");
}

#[test]
fn element_payload_is_serialized_and_empty_item_is_empty() {
    let m = el("<message xmlns='jabber:client' from='pubsub.d'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
        <items node='atom'><item id='1'><entry xmlns='http://www.w3.org/2005/Atom'><title>T&amp;</title></entry></item>\
        <item id='2'/><item id='3'>  <x:y xmlns:x='urn:x'>t</x:y></item></items></event></message>");
    let Some(Notification::Items { items, .. }) = notification(m.root()) else { panic!() };
    let items: Vec<_> = items.elements().filter(is_item).collect();
    assert_eq!(payload(items[0]), "<entry xmlns=\"http://www.w3.org/2005/Atom\"><title>T&amp;</title></entry>");
    assert_eq!(payload(items[1]), "");
    assert_eq!(payload(items[2]), "t");
}

#[test]
fn other_notifications() {
    let kind = |inner: &str| {
        let m = el(&format!("<message xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'>{inner}</event></message>"));
        match notification(m.root()) {
            Some(Notification::Other(k)) => k,
            _ => "items",
        }
    };
    assert_eq!(kind("<items node=\"n\"><retract id=\"1\"/></items>"), "retract");
    assert_eq!(kind("<purge node=\"n\"/>"), "purge");
    assert_eq!(kind("<delete node=\"n\"/>"), "delete");
    assert_eq!(kind("<subscription node=\"n\" jid=\"j\" subscription=\"none\"/>"), "subscription");
    assert!(notification(el("<message xmlns='jabber:client'><body>hi</body></message>").root()).is_none());
}

#[test]
fn subscription_lists_and_errors() {
    let r = el("<iq xmlns='jabber:client' type='result' id='l1'><pubsub xmlns='http://jabber.org/protocol/pubsub'><subscriptions>\
        <subscription node='/a' jid='u@d/r' subscription='subscribed' subid='123'/>\
        <subscription node='/b' jid='u@d' subscription='pending'/></subscriptions></pubsub></iq>");
    let subs = parse_subscriptions(r.root());
    assert_eq!(subs.len(), 2);
    assert_eq!(subs[0], Subscription { node: "/a".into(), jid: "u@d/r".into(), subscription: "subscribed".into(), subid: Some("123".into()) });
    assert_eq!(subs[1].subid, None);
    let ok = el("<iq xmlns='jabber:client' type='result' id='s'><pubsub xmlns='http://jabber.org/protocol/pubsub'>\
        <subscription node='/a' jid='u@d/r' subscription='pending'/></pubsub></iq>");
    assert_eq!(subscription_state(ok.root()), Some("pending"));
    let err = el("<iq xmlns='jabber:client' type='error' id='l1'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
        <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>a &lt; b</text></error></iq>");
    assert_eq!(
        error_element(err.root()),
        "<error type=\"auth\"><forbidden xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/>\
         <text xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\">a &lt; b</text></error>"
    );
    assert_eq!(
        error_xml("wait", "remote-server-timeout", ""),
        "<error type=\"wait\"><remote-server-timeout xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error>"
    );
}
