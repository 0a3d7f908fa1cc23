//! XEP-0060 as a subscriber: requests we send and the notifications and
//! subscription lists we read. Item payloads stay unparsed elements.

use super::ns;
use super::stanza;
use crate::xml::{Element, Writer};

pub fn subscribe(id: &str, service: &str, node: &str, jid: &str) -> String {
    request(id, "set", service, "subscribe", Some(node), Some(jid), None)
}

/// With the subid when the service gave one (required where a JID may hold
/// several subscriptions to a node).
pub fn unsubscribe(id: &str, service: &str, node: &str, jid: &str, subid: Option<&str>) -> String {
    request(id, "set", service, "unsubscribe", Some(node), Some(jid), subid)
}

/// All our subscriptions at the service.
pub fn subscriptions(id: &str, service: &str) -> String {
    request(id, "get", service, "subscriptions", None, None, None)
}

fn request(
    id: &str,
    kind: &'static str,
    service: &str,
    op: &'static str,
    node: Option<&str>,
    jid: Option<&str>,
    subid: Option<&str>,
) -> String {
    let mut w = stanza::iq(kind, id, Some(service));
    w.open("pubsub").attr("xmlns", ns::PUBSUB);
    w.open(op);
    if let Some(n) = node {
        w.attr("node", n);
    }
    if let Some(j) = jid {
        w.attr("jid", j);
    }
    if let Some(s) = subid {
        w.attr("subid", s);
    }
    w.finish()
}

/// One subscription, as the SUBSCRIPTIONS_REQ reply lists it (spec §3.4).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Subscription {
    pub node: String,
    pub jid: String,
    pub subscription: String,
    pub subid: Option<String>,
}

/// The `<subscriptions/>` list of a result.
pub fn parse_subscriptions(result: Element) -> Vec<Subscription> {
    let Some(list) = result.child("pubsub", ns::PUBSUB).and_then(|p| p.child("subscriptions", ns::PUBSUB)) else {
        return Vec::new();
    };
    let mut subs = Vec::new();
    for e in list.elements().filter(|e| e.name() == "subscription") {
        subs.push(Subscription {
            node: e.attr("node").or(list.attr("node")).unwrap_or("").to_string(),
            jid: e.attr("jid").unwrap_or("").to_string(),
            subscription: e.attr("subscription").unwrap_or("").to_string(),
            subid: e.attr("subid").map(str::to_string),
        });
    }
    subs
}

/// The `<subscription subscription='…'/>` state in a subscribe result
/// (`subscribed`, `pending`, `unconfigured`); servers may omit it.
pub fn subscription_state<'d>(result: Element<'d>) -> Option<&'d str> {
    result.child("pubsub", ns::PUBSUB)?.child("subscription", ns::PUBSUB)?.attr("subscription")
}

/// The subid in a subscribe result, if the service gave one.
pub fn subscription_id<'d>(result: Element<'d>) -> Option<&'d str> {
    result.child("pubsub", ns::PUBSUB)?.child("subscription", ns::PUBSUB)?.attr("subid")
}

/// What a notification `<message>` carries.
pub enum Notification<'a> {
    /// `<items node>`: published items (retractions are not EVENTs).
    /// `items`: the `<items/>` element, with at least one `<item/>` (see `is_item`).
    Items { node: &'a str, items: Element<'a> },
    /// Retract-only, purge, delete, configuration, subscription state.
    Other(&'static str),
}

pub fn notification<'a>(msg: Element<'a>) -> Option<Notification<'a>> {
    let event = msg.child("event", ns::PUBSUB_EVENT)?;
    let first = event.elements().next()?;
    Some(match first.name() {
        "items" => {
            if !first.elements().any(|e| is_item(&e)) {
                return Some(Notification::Other("retract"));
            }
            Notification::Items { node: first.attr("node").unwrap_or(""), items: first }
        }
        "purge" => Notification::Other("purge"),
        "delete" => Notification::Other("delete"),
        "configuration" => Notification::Other("configuration"),
        "subscription" => Notification::Other("subscription"),
        _ => Notification::Other("unknown"),
    })
}

/// A published item among an `<items/>` element's children (the others are
/// retractions).
pub fn is_item(e: &Element) -> bool {
    e.name() == "item"
}

/// Appends an item's payload as spec §3.3 wants it: a text-only payload
/// element (Finesse's escaped `<Update>`) as its unescaped text, any other
/// payload element serialized, nothing for a payload-less item.
pub fn write_payload(out: &mut String, item: Element) {
    let Some(payload) = item.elements().next() else {
        return;
    };
    if payload.has_elements() {
        payload.write_to(out);
    } else {
        out.push_str(payload.text());
    }
}

/// A stanza error as the SUBSCRIPTIONS_REQ failure payload (`<error …/>`),
/// rebuilt from its type, condition and text only.
pub fn error_element(reply: Element) -> String {
    let kind = reply.child_any_ns("error").and_then(|e| e.attr("type")).unwrap_or("cancel");
    error_xml(kind, stanza::error_condition(reply), &stanza::error_text(reply))
}

/// `<error type='…'><condition xmlns='…stanzas'/>[<text>…</text>]</error>`.
pub fn error_xml(kind: &str, condition: &str, text: &str) -> String {
    let mut w = Writer::new();
    w.open("error").attr("type", kind);
    w.open_name(condition, "undefined-condition").attr("xmlns", ns::STANZAS).close();
    if !text.is_empty() {
        w.open("text").attr("xmlns", ns::STANZAS).text(text).close();
    }
    w.finish()
}

