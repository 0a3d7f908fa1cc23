//! Parent requests (SUBSCRIBE, UNSUBSCRIBE, SUBSCRIPTIONS_REQ) and our own
//! pubsub requests (re-subscribe, final unsubscribe): each is queued while
//! connecting, matched to its iq reply, timed out, and answered exactly once.

use super::settings::valid_text;
use super::{Millis, Phase, Tunnel};
use crate::protocol::{format, node_error, MsgType};
use crate::xml::Element;
use crate::xmpp::{pubsub, stanza};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    Subscribe(String),
    Unsubscribe(String),
    Subscriptions,
    /// After a new session: a node the parent had subscribed before.
    Resubscribe(String),
    /// DISCONNECT_REQ: unsubscribe before closing.
    Final(String),
}

struct Pending {
    iq: String,
    kind: Kind,
    deadline: Millis,
}

#[derive(Default)]
pub(super) struct Requests {
    pending: Vec<Pending>,
    /// Parent requests that arrived while connecting.
    queued: Vec<Kind>,
    seq: u32,
}

impl Requests {
    pub fn next_deadline(&self) -> Option<Millis> {
        self.pending.iter().map(|p| p.deadline).min()
    }

    fn take(&mut self, iq: &str) -> Option<Kind> {
        let i = self.pending.iter().position(|p| p.iq == iq)?;
        Some(self.pending.remove(i).kind)
    }

    fn any(&self, f: impl Fn(&Kind) -> bool) -> bool {
        self.pending.iter().any(|p| f(&p.kind))
    }

    pub fn clear_final(&mut self) {
        self.pending.retain(|p| !matches!(p.kind, Kind::Final(_)));
    }

    fn new_id(&mut self) -> String {
        self.seq = self.seq.wrapping_add(1);
        let mut id = String::from("t");
        id.push_str(&self.seq.to_string());
        id
    }
}

impl Tunnel {
    pub(super) fn request_subscribe(&mut self, now: Millis, node: &str) {
        self.parent_request(now, Kind::Subscribe(node.to_string()));
    }

    pub(super) fn request_unsubscribe(&mut self, now: Millis, node: &str) {
        self.parent_request(now, Kind::Unsubscribe(node.to_string()));
    }

    pub(super) fn request_subscriptions(&mut self, now: Millis) {
        self.parent_request(now, Kind::Subscriptions);
    }

    fn parent_request(&mut self, now: Millis, kind: Kind) {
        if let Kind::Subscribe(n) | Kind::Unsubscribe(n) = &kind {
            if !valid_text(n) {
                return self.reply_error(&kind, "bad-request", "the node name is empty or holds characters XMPP cannot carry");
            }
        }
        match self.phase {
            Phase::Connected => self.dispatch(now, kind),
            Phase::Connecting | Phase::Resubscribing => self.requests.queued.push(kind),
            _ => self.reply_error(&kind, "not-connected", "the tunnel is not connected"),
        }
    }

    /// Sends a parent request now, or answers it at once when there is
    /// nothing to ask the server.
    fn dispatch(&mut self, now: Millis, kind: Kind) {
        if let Kind::Subscribe(n) = &kind {
            // Already subscribed: a second subscription would duplicate events.
            if self.subs.contains(n) {
                return self.reply_ok(&kind, None);
            }
        }
        self.send_request(now, kind);
    }

    fn send_request(&mut self, now: Millis, kind: Kind) {
        let (Some(service), Some(jid)) =
            (self.settings.pubsub_service(), self.conn.as_ref().and_then(|c| c.jid.clone()))
        else {
            return self.reply_error(&kind, "not-connected", "the tunnel is not connected");
        };
        let id = self.requests.new_id();
        let iq = match &kind {
            Kind::Subscribe(n) | Kind::Resubscribe(n) => pubsub::subscribe(&id, &service, n, &jid),
            Kind::Unsubscribe(n) | Kind::Final(n) => pubsub::unsubscribe(&id, &service, n, &jid),
            Kind::Subscriptions => pubsub::subscriptions(&id, &service),
        };
        self.send(iq);
        let deadline = now + self.settings.request_timeout_ms as Millis;
        self.requests.pending.push(Pending { iq: id, kind, deadline });
    }

    /// An iq result or error; false if it answers nothing we asked.
    pub(super) fn on_iq_reply(&mut self, now: Millis, el: &Element) -> bool {
        let Some(kind) = el.attr("id").and_then(|id| self.requests.take(id)) else {
            return false;
        };
        if el.attr("type") == Some("result") {
            self.reply_ok(&kind, Some(el));
        } else {
            let cond = stanza::error_condition(el).to_string();
            let text = stanza::error_text(el);
            if let Kind::Subscriptions = kind {
                self.to_parent(format(MsgType::SubscriptionsReq, &pubsub::error_element(el)));
            } else {
                self.reply_error(&kind, &cond, &text);
            }
        }
        self.progress(now);
        true
    }

    fn reply_ok(&mut self, kind: &Kind, result: Option<&Element>) {
        match kind {
            Kind::Subscribe(n) => {
                if let Some(state) = result.and_then(pubsub::subscription_state).filter(|s| *s != "subscribed") {
                    self.log(&["subscription to ", n, " is ", state].concat());
                }
                if !self.subs.contains(n) {
                    self.subs.push(n.clone());
                }
                self.to_parent(format(MsgType::Subscribe, n));
            }
            Kind::Unsubscribe(n) => {
                self.subs.retain(|s| s != n);
                self.to_parent(format(MsgType::Unsubscribe, n));
            }
            Kind::Final(n) => self.to_parent(format(MsgType::Unsubscribe, n)),
            Kind::Subscriptions => {
                let list = result.map(pubsub::parse_subscriptions).unwrap_or_default();
                self.to_parent(format(MsgType::SubscriptionsReq, &subscriptions_json(&list)));
            }
            Kind::Resubscribe(_) => {}
        }
    }

    fn reply_error(&mut self, kind: &Kind, condition: &str, text: &str) {
        match kind {
            Kind::Subscribe(n) => self.to_parent(node_error(MsgType::Subscribe, n, condition, text)),
            Kind::Unsubscribe(n) => {
                // Not subscribed there any more, whatever the reason.
                if matches!(condition, "item-not-found" | "unexpected-request") {
                    self.subs.retain(|s| s != n);
                }
                self.to_parent(node_error(MsgType::Unsubscribe, n, condition, text))
            }
            Kind::Subscriptions => {
                let kind = if condition == "not-connected" { "wait" } else { "cancel" };
                let cond = if condition == "not-connected" { "recipient-unavailable" } else { condition };
                self.to_parent(format(MsgType::SubscriptionsReq, &pubsub::error_xml(kind, cond, text)));
            }
            Kind::Resubscribe(n) => {
                self.subs.retain(|s| s != n);
                self.log(&["could not subscribe again to ", n, ": ", condition].concat());
            }
            Kind::Final(n) => self.log(&["could not unsubscribe from ", n, ": ", condition].concat()),
        }
    }

    /// Moves the phase on when the requests it waits for are all answered.
    fn progress(&mut self, now: Millis) {
        match self.phase {
            Phase::Resubscribing if !self.requests.any(|k| matches!(k, Kind::Resubscribe(_))) => {
                self.now_connected(now)
            }
            Phase::Unsubscribing { .. } if !self.requests.any(|k| matches!(k, Kind::Final(_))) => {
                self.begin_close(now)
            }
            _ => {}
        }
    }

    /// On a new session: subscribe again. True if anything was sent.
    pub(super) fn resubscribe(&mut self, now: Millis) -> bool {
        let nodes = self.subs.clone();
        for n in &nodes {
            self.send_request(now, Kind::Resubscribe(n.clone()));
        }
        !nodes.is_empty()
    }

    /// DISCONNECT_REQ and unload: unsubscribe every node. True if any.
    pub(super) fn send_final_unsubscribes(&mut self, now: Millis) -> bool {
        let nodes = core::mem::take(&mut self.subs);
        for n in &nodes {
            self.send_request(now, Kind::Final(n.clone()));
        }
        !nodes.is_empty()
    }

    pub(super) fn send_queued(&mut self, now: Millis) {
        for kind in core::mem::take(&mut self.requests.queued) {
            self.dispatch(now, kind);
        }
    }

    /// The connection is gone: every open parent request gets its error reply.
    pub(super) fn fail_requests(&mut self) {
        let pending = core::mem::take(&mut self.requests.pending);
        let queued = core::mem::take(&mut self.requests.queued);
        for kind in pending.into_iter().map(|p| p.kind).chain(queued) {
            match kind {
                Kind::Resubscribe(_) | Kind::Final(_) => {}
                k => self.reply_error(&k, "not-connected", "the connection was lost before the server answered"),
            }
        }
    }

    pub(super) fn expire_requests(&mut self, now: Millis) {
        let (expired, keep): (Vec<_>, Vec<_>) =
            core::mem::take(&mut self.requests.pending).into_iter().partition(|p| now >= p.deadline);
        self.requests.pending = keep;
        if expired.is_empty() {
            return;
        }
        for p in expired {
            self.reply_error(&p.kind, "remote-server-timeout", "the server did not answer in time");
        }
        self.progress(now);
    }
}

/// The SUBSCRIPTIONS_REQ reply: a JSON array of {node, jid, subscription, subid}.
fn subscriptions_json(list: &[pubsub::Subscription]) -> String {
    let mut s = String::from("[");
    for (i, sub) in list.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str("{\"node\":");
        json_str(&mut s, &sub.node);
        s.push_str(",\"jid\":");
        json_str(&mut s, &sub.jid);
        s.push_str(",\"subscription\":");
        json_str(&mut s, &sub.subscription);
        s.push_str(",\"subid\":");
        match &sub.subid {
            Some(id) => json_str(&mut s, id),
            None => s.push_str("null"),
        }
        s.push('}');
    }
    s.push(']');
    s
}

/// A JSON string literal (RFC 8259 escaping).
pub(crate) fn json_str(out: &mut String, v: &str) {
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
