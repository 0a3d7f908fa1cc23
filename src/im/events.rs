//! What IM tells the parent, as JSON (serde): every text the server sent is
//! a JSON string, data for the parent to show as text, never markup.

use crate::xml::Element;
use crate::xmpp::{jid, ns, stanza};
use serde::Serialize;

#[derive(Serialize)]
pub struct ErrorBody<'a> {
    pub condition: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub text: &'a str,
}

/// A stanza error as the parent sees it.
pub fn server_error(el: Element<'_>) -> (String, String) {
    (stanza::error_condition(el).to_string(), stanza::error_text(el))
}

/// Type 112: a chat, room or error message, or a chat state alone.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Message<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<&'a str>,
    pub from: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<&'a str>,
    #[serde(rename = "type")]
    pub kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'a str>,
    /// XEP-0203: when it was first sent (history, offline storage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stamp: Option<&'a str>,
    /// XEP-0280: a copy of a message another desk of ours sent or received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carbon: Option<&'static str>,
    /// XEP-0313: the archive's id (for paging with `before`/`after`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive_id: Option<&'a str>,
    /// From a JID that is neither in the roster nor a room we are in.
    #[serde(skip_serializing_if = "is_false")]
    pub unknown: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody<'a>>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The message parts of `el` (RFC 6121 §5.2, XEP-0085); `from` defaults to
/// our own account (a stanza without `from` is from it).
pub fn message<'a>(el: Element<'a>, own: &'a str) -> Message<'a> {
    let text = |name| el.child(name, ns::CLIENT).map(|c| c.text());
    Message {
        message_id: el.attr("id"),
        from: el.attr("from").unwrap_or(jid::bare(own)),
        to: el.attr("to"),
        kind: el.attr("type").unwrap_or("normal"),
        body: text("body"),
        subject: text("subject"),
        thread: text("thread"),
        state: el.elements().find(|c| c.ns() == ns::CHAT_STATES).map(|c| c.name()).filter(|n| super::stanzas::CHAT_STATES.contains(n)),
        stamp: el.child("delay", ns::DELAY).and_then(|d| d.attr("stamp")),
        ..Message::default()
    }
}

/// Type 131: a buddy's (or another desk's) availability.
#[derive(Serialize)]
pub struct Presence<'a> {
    pub from: &'a str,
    /// available, away, xa, dnd, chat, offline, or error.
    pub show: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i8>,
    #[serde(skip_serializing_if = "is_false")]
    pub unknown: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody<'a>>,
}

/// `show` as one word: `offline` for unavailable; values outside RFC
/// 6121's four are `available`.
pub fn show(el: Element<'_>) -> &str {
    match el.attr("type") {
        Some("unavailable") => "offline",
        Some("error") => "error",
        _ => match el.child("show", ns::CLIENT).map(|s| s.text()) {
            Some(s @ ("away" | "xa" | "dnd" | "chat")) => s,
            _ => "available",
        },
    }
}

pub fn status(el: Element<'_>) -> Option<&str> {
    el.child("status", ns::CLIENT).map(|s| s.text())
}

pub fn priority(el: Element<'_>) -> Option<i8> {
    el.child("priority", ns::CLIENT).and_then(|p| p.text().trim().parse().ok())
}

/// Type 132 (a buddy request) and 135 (an answer or a withdrawal).
#[derive(Serialize)]
pub struct Subscription<'a> {
    pub from: &'a str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'a str>,
    #[serde(skip_serializing_if = "is_false")]
    pub unknown: bool,
}

/// Type 123: the whole buddy list (`full`, after a fetch) or a push's item.
#[derive(Serialize)]
pub struct RosterChanged<'a> {
    pub items: &'a [super::roster::Item],
    pub full: bool,
}

/// Type 113: a XEP-0184 receipt for one of our messages.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt<'a> {
    pub from: &'a str,
    pub message_id: &'a str,
}

/// Type 152: someone in a room (or we) came, changed or left.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Occupant<'a> {
    pub room: &'a str,
    pub nick: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jid: Option<&'a str>,
    pub role: &'a str,
    pub affiliation: &'a str,
    pub show: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'a str>,
    #[serde(rename = "self")]
    pub me: bool,
    pub left: bool,
    /// XEP-0045 status codes (303 nick change, 307 kicked, 301 banned…).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_nick: Option<&'a str>,
}

/// Type 154 (an invitation) and 156 (a decline of ours).
#[derive(Serialize)]
pub struct Invitation<'a> {
    pub room: &'a str,
    pub from: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<&'a str>,
    #[serde(skip_serializing_if = "is_false")]
    pub unknown: bool,
}

/// Type 143: the blocklist changed (an empty `unblocked` list: all), or
/// (`full`) is all of `blocked`.
#[derive(Serialize)]
pub struct Blocklist<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unblocked: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "is_false")]
    pub full: bool,
}

/// The JIDs of `<item jid/>` children.
pub fn item_jids(el: Element<'_>) -> Vec<&str> {
    el.elements().filter(|i| i.name() == "item").filter_map(|i| i.attr("jid")).collect()
}
