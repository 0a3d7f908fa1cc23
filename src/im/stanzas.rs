//! The stanzas IM sends. Every value the parent gave goes through the
//! writer's escaping (attributes and text), never into the markup itself.

use super::request::Send;
use crate::xml::Writer;
use crate::xmpp::{ns, stanza};

/// XEP-0085's states, as element names.
pub const CHAT_STATES: [&str; 5] = ["active", "composing", "paused", "inactive", "gone"];

fn message(to: &str, id: &str, groupchat: bool) -> Writer {
    let mut w = Writer::new();
    w.open("message").attr("xmlns", ns::CLIENT).attr("to", to).attr("id", id);
    w.attr("type", if groupchat { "groupchat" } else { "chat" });
    w
}

fn state_element(w: &mut Writer, state: &str) {
    if let Some(s) = CHAT_STATES.iter().find(|s| **s == state) {
        w.open(s).attr("xmlns", ns::CHAT_STATES).close();
    }
}

/// A chat or room message (RFC 6121 §5), with its chat state and a receipt
/// request (XEP-0184) when asked.
pub fn send(s: &Send, id: &str) -> String {
    let mut w = message(s.to, id, s.groupchat);
    if let Some(b) = s.body {
        w.open("body").text(b).close();
    }
    if let Some(t) = s.subject {
        w.open("subject").text(t).close();
    }
    if let Some(t) = s.thread {
        w.open("thread").text(t).close();
    }
    if let Some(st) = s.state {
        state_element(&mut w, st);
    }
    if s.receipt && s.body.is_some() {
        w.open("request").attr("xmlns", ns::RECEIPTS).close();
    }
    w.finish()
}

/// A standalone chat state notification (no body).
pub fn chat_state(to: &str, id: &str, state: &str, thread: Option<&str>, groupchat: bool) -> String {
    let mut w = message(to, id, groupchat);
    state_element(&mut w, state);
    if let Some(t) = thread {
        w.open("thread").text(t).close();
    }
    w.finish()
}

/// XEP-0184 §5: the receipt for message `of`.
pub fn receipt(to: &str, id: &str, of: &str) -> String {
    let mut w = message(to, id, false);
    w.open("received").attr("xmlns", ns::RECEIPTS).attr("id", of).close();
    w.finish()
}

/// Our broadcast presence (RFC 6121 §4.2, §4.7): `offline` is unavailable.
pub fn own_presence(show: &str, status: Option<&str>, priority: Option<i8>) -> String {
    let mut w = Writer::new();
    w.open("presence").attr("xmlns", ns::CLIENT);
    if show == "offline" {
        w.attr("type", "unavailable");
    } else if show != "available" {
        w.open("show").text(show).close();
    }
    if let Some(s) = status {
        w.open("status").text(s).close();
    }
    if let Some(p) = priority.filter(|_| show != "offline") {
        w.open("priority").text(&p.to_string()).close();
    }
    w.finish()
}

/// A subscription presence (`subscribe`, `subscribed`, `unsubscribed`).
pub fn subscription(to: &str, kind: &'static str, status: Option<&str>) -> String {
    let mut w = Writer::new();
    w.open("presence").attr("xmlns", ns::CLIENT).attr("to", to).attr("type", kind);
    if let Some(s) = status {
        w.open("status").text(s).close();
    }
    w.finish()
}

pub fn roster_get(id: &str, ver: Option<&str>) -> String {
    let mut w = stanza::iq("get", id, None);
    w.open("query").attr("xmlns", ns::ROSTER);
    if let Some(v) = ver {
        w.attr("ver", v);
    }
    w.finish()
}

/// RFC 6121 §2.3 (add or update) and §2.5 (`remove`).
pub fn roster_set(id: &str, jid: &str, name: Option<&str>, groups: &[&str], remove: bool) -> String {
    let mut w = stanza::iq("set", id, None);
    w.open("query").attr("xmlns", ns::ROSTER);
    w.open("item").attr("jid", jid);
    if remove {
        w.attr("subscription", "remove");
    }
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        w.attr("name", n);
    }
    for g in groups {
        w.open("group").text(g).close();
    }
    w.finish()
}

/// XEP-0280 §4.
pub fn carbons_enable(id: &str) -> String {
    let mut w = stanza::iq("set", id, None);
    w.open("enable").attr("xmlns", ns::CARBONS);
    w.finish()
}

/// A XEP-0313 query: `to` the room for a room's archive, else our own.
pub struct MamQuery<'a> {
    pub to: Option<&'a str>,
    pub with: Option<&'a str>,
    pub max: u32,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

pub fn mam_query(id: &str, query_id: &str, q: &MamQuery) -> String {
    let mut w = stanza::iq("set", id, q.to);
    w.open("query").attr("xmlns", ns::MAM).attr("queryid", query_id);
    w.open("x").attr("xmlns", ns::DATA).attr("type", "submit");
    w.open("field").attr("var", "FORM_TYPE").attr("type", "hidden");
    w.open("value").text(ns::MAM).close().close();
    if let Some(with) = q.with {
        w.open("field").attr("var", "with");
        w.open("value").text(with).close().close();
    }
    w.close();
    w.open("set").attr("xmlns", ns::RSM);
    w.open("max").text(&q.max.to_string()).close();
    match (q.before, q.after) {
        (_, Some(a)) => {
            w.open("after").text(a).close();
        }
        (Some(b), None) => {
            w.open("before").text(b).close();
        }
        // The newest page by default.
        (None, None) => {
            w.open("before").close();
        }
    }
    w.finish()
}

/// XEP-0191 §3.3/§3.4 (`block`, `unblock`: no items unblocks all), §3.2.
pub fn blocking(id: &str, what: &'static str, jids: &[&str]) -> String {
    let kind = if what == "blocklist" { "get" } else { "set" };
    let mut w = stanza::iq(kind, id, None);
    w.open(what).attr("xmlns", ns::BLOCKING);
    for j in jids {
        w.open("item").attr("jid", j).close();
    }
    w.finish()
}

/// XEP-0045 §7.2: enter a room as `room/nick`.
pub fn join(room: &str, nick: &str, password: Option<&str>, history: Option<u32>) -> String {
    let mut w = Writer::new();
    w.open("presence").attr("xmlns", ns::CLIENT).attr("to", &[room, "/", nick].concat());
    w.open("x").attr("xmlns", ns::MUC);
    if let Some(p) = password {
        w.open("password").text(p).close();
    }
    if let Some(h) = history {
        w.open("history").attr("maxstanzas", &h.to_string()).close();
    }
    w.finish()
}

/// XEP-0045 §10.1.2: accept the default configuration of a room we just
/// created (servers keep a new room locked until its owner does).
pub fn instant_room(id: &str, room: &str) -> String {
    let mut w = stanza::iq("set", id, Some(room));
    w.open("query").attr("xmlns", ns::MUC_OWNER);
    w.open("x").attr("xmlns", ns::DATA).attr("type", "submit");
    w.finish()
}

/// XEP-0045 §7.14.
pub fn leave(room: &str, nick: &str, status: Option<&str>) -> String {
    let mut w = Writer::new();
    w.open("presence").attr("xmlns", ns::CLIENT).attr("to", &[room, "/", nick].concat()).attr("type", "unavailable");
    if let Some(s) = status {
        w.open("status").text(s).close();
    }
    w.finish()
}

/// XEP-0045 §7.8.2 mediated invitation (`invite`) or its decline.
pub fn invitation(room: &str, id: &str, what: &'static str, jid: &str, reason: Option<&str>) -> String {
    let mut w = Writer::new();
    w.open("message").attr("xmlns", ns::CLIENT).attr("to", room).attr("id", id);
    w.open("x").attr("xmlns", ns::MUC_USER);
    w.open(what).attr("to", jid);
    if let Some(r) = reason {
        w.open("reason").text(r).close();
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_never_markup() {
        let s = Send {
            to: "bob@d/x'y",
            body: Some("<b>hi</b> & \"bye\""),
            subject: None,
            groupchat: false,
            thread: Some("t<1>"),
            state: Some("active"),
            receipt: true,
            message_id: None,
        };
        assert_eq!(
            send(&s, "m1"),
            "<message xmlns=\"jabber:client\" to=\"bob@d/x&apos;y\" id=\"m1\" type=\"chat\"><body>&lt;b&gt;hi&lt;/b&gt; &amp; \"bye\"</body>\
             <thread>t&lt;1&gt;</thread><active xmlns=\"http://jabber.org/protocol/chatstates\"/><request xmlns=\"urn:xmpp:receipts\"/></message>"
        );
        assert_eq!(own_presence("offline", Some("gone"), Some(5)), "<presence xmlns=\"jabber:client\" type=\"unavailable\"><status>gone</status></presence>");
        assert_eq!(own_presence("dnd", None, Some(-1)), "<presence xmlns=\"jabber:client\"><show>dnd</show><priority>-1</priority></presence>");
        assert_eq!(join("r@c", "n</x>", None, Some(0)),
            "<presence xmlns=\"jabber:client\" to=\"r@c/n&lt;/x&gt;\"><x xmlns=\"http://jabber.org/protocol/muc\"><history maxstanzas=\"0\"/></x></presence>");
    }
}
