//! Building the few stanzas the core sends, and reading stanza errors.

use super::ns;
use crate::xml::{Element, Writer};

/// `<iq type=… id=… [to=…]>`: the caller adds the payload and finishes.
pub fn iq(kind: &'static str, id: &str, to: Option<&str>) -> Writer {
    let mut w = Writer::new();
    // RFC 7395 §3.3.3: every message is a standalone element, namespace included.
    w.open("iq").attr("xmlns", ns::CLIENT).attr("type", kind).attr("id", id);
    if let Some(to) = to {
        w.attr("to", to);
    }
    w
}

/// The reply to an `<iq>` we received: same id, addressed back.
fn reply(kind: &'static str, req: Element) -> Writer {
    iq(kind, req.attr("id").unwrap_or(""), req.attr("from"))
}

pub fn iq_result(req: Element) -> String {
    reply("result", req).finish()
}

/// RFC 6120 §8.4: a get/set we do not understand gets service-unavailable.
pub fn iq_error(req: Element, kind: &'static str, condition: &'static str) -> String {
    let mut w = reply("error", req);
    w.open("error").attr("type", kind);
    w.open(condition).attr("xmlns", ns::STANZAS);
    w.finish()
}

/// The defined condition of a stanza's `<error/>` (e.g. `item-not-found`).
pub fn error_condition<'d>(stanza: Element<'d>) -> &'d str {
    stanza
        .child("error", ns::CLIENT)
        .or_else(|| stanza.child_any_ns("error"))
        .and_then(|e| e.elements().find(|c| c.ns() == ns::STANZAS))
        .map_or("undefined-condition", |c| c.name())
}

/// The human-readable `<text/>` of a stanza error, if the server gave one.
pub fn error_text(stanza: Element) -> String {
    stanza
        .child_any_ns("error")
        .and_then(|e| e.child("text", ns::STANZAS))
        .map(|t| t.text().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{parse, Limits};

    #[test]
    fn replies_and_errors() {
        let req = parse(
            "<iq xmlns='jabber:client' type='get' id='p1' from='d.example'><ping xmlns='urn:xmpp:ping'/></iq>",
            &Limits::SERVER,
        )
        .unwrap();
        assert_eq!(iq_result(req.root()), "<iq xmlns=\"jabber:client\" type=\"result\" id=\"p1\" to=\"d.example\"/>");
        assert_eq!(
            iq_error(req.root(), "cancel", "service-unavailable"),
            "<iq xmlns=\"jabber:client\" type=\"error\" id=\"p1\" to=\"d.example\"><error type=\"cancel\">\
             <service-unavailable xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></iq>"
        );
        let err = parse(
            "<iq xmlns='jabber:client' type='error' id='s1'><error type='cancel'>\
             <item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
             <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no such node</text></error></iq>",
            &Limits::SERVER,
        )
        .unwrap();
        assert_eq!(error_condition(err.root()), "item-not-found");
        assert_eq!(error_text(err.root()), "no such node");
        let bare = parse("<iq xmlns='jabber:client' type='error' id='s1'/>", &Limits::SERVER).unwrap();
        assert_eq!(error_condition(bare.root()), "undefined-condition");
    }
}
