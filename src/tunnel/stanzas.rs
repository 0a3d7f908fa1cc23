//! Stanzas of a ready session: iq (ping, disco, replies, everything else
//! refused), pubsub notifications → EVENT, presence → PRESENCE.

use super::{Millis, Tunnel};
use crate::protocol::{encode_uri, format, push_type, MsgType};
use crate::xml::{Element, Writer};
use crate::xmpp::pubsub::{self, Notification};
use crate::xmpp::{jid, ns, presence, stanza};

impl Tunnel {
    pub(super) fn on_stanza(&mut self, now: Millis, el: Element) {
        if el.ns() != ns::CLIENT {
            return self.trace("ignored a top-level element outside jabber:client");
        }
        match el.name() {
            "iq" => self.on_iq(now, el),
            "message" => self.on_message(el),
            "presence" => {
                if let Some(p) = presence::relay(el) {
                    self.post_parent(format(MsgType::Presence, &p));
                }
                self.im_presence(el);
            }
            _ => self.trace("ignored an unknown top-level element"),
        }
    }

    fn on_iq(&mut self, now: Millis, el: Element) {
        match el.attr("type") {
            Some("get") | Some("set") => {
                if self.im_iq_set(el) {
                    return;
                }
                let reply = iq_answer(el);
                self.send(reply);
            }
            // Never answer a result or an error (RFC 6120 §8.2.3).
            Some("result") | Some("error") => {
                // Pings need no bookkeeping: any traffic counts as an answer.
                if el.attr("id").is_some_and(|id| self.pinger.is_ping(id)) {
                    return;
                }
                if !self.im_iq_reply(now, el) && !self.on_iq_reply(now, el) {
                    self.trace("ignored an iq reply to nothing we asked");
                }
            }
            _ => self.trace("ignored an iq without a valid type"),
        }
    }

    /// One EVENT per published item; anything else is not an EVENT. Only the
    /// pubsub service may publish: a notification-shaped message from anyone
    /// else would let any account inject events into the agent's desktop.
    fn on_message(&mut self, el: Element) {
        if el.attr("type") == Some("error") {
            return self.im_message(el);
        }
        let Some(n) = pubsub::notification(el) else { return self.im_message(el) };
        let service = self.settings.pubsub_service();
        // (A stanza without `from` comes from our own account, never the service.)
        if !el.attr("from").zip(service.as_deref()).is_some_and(|(from, s)| jid::same_bare(from, s)) {
            return self.log("ignored a pubsub notification that did not come from the pubsub service");
        }
        match n {
            Notification::Items { node, items } => {
                for item in items.elements().filter(pubsub::is_item) {
                    let mut msg = String::with_capacity(node.len() + 256);
                    push_type(&mut msg, MsgType::Event as u16);
                    encode_uri(&mut msg, node);
                    pubsub::write_payload(&mut msg, item);
                    self.post_parent(msg);
                }
            }
            Notification::Other(kind) => self.trace(&["pubsub notification not relayed as EVENT: ", kind].concat()),
        }
    }
}

/// The answer to an iq get/set addressed to us.
fn iq_answer(el: Element) -> String {
    let get = el.attr("type") == Some("get");
    let payload = el.elements().next();
    match payload {
        Some(p) if get && p.is("ping", ns::PING) => stanza::iq_result(el),
        Some(p) if get && p.is("query", ns::DISCO_INFO) && p.attr("node").is_none() => disco_info(el),
        _ => stanza::iq_error(el, "cancel", "service-unavailable"),
    }
}

/// XEP-0030: who we are and what we answer.
fn disco_info(req: Element) -> String {
    let mut w = Writer::new();
    w.open("iq").attr("xmlns", ns::CLIENT).attr("type", "result").attr("id", req.attr("id").unwrap_or(""));
    if let Some(from) = req.attr("from") {
        w.attr("to", from);
    }
    w.open("query").attr("xmlns", ns::DISCO_INFO);
    w.open("identity").attr("category", "client").attr("type", "web").attr("name", "xmpp-tunnel").close();
    for f in &[ns::DISCO_INFO, ns::PING] {
        w.open("feature").attr("var", f).close();
    }
    #[cfg(feature = "im")]
    for f in crate::im::FEATURES {
        w.open("feature").attr("var", f).close();
    }
    w.finish()
}
