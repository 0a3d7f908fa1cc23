//! What the server sends IM: messages (with carbons, archive results,
//! receipts and invitations inside), presence, roster and blocklist pushes,
//! and the answers to our iqs.

use super::events::{self, ErrorBody};
use super::roster;
use super::types::*;
use super::{History, Im, ImOut, Pending, What};
use crate::protocol::format_json;
use crate::tunnel::Millis;
use crate::xml::Element;
use crate::xmpp::{jid, ns, stanza};
use serde::Serialize;

impl Im {
    /// The answer to iq `p`.
    pub(super) fn answered(&mut self, now: Millis, p: Pending, el: Element<'_>) {
        let error = el.attr("type") == Some("error");
        if error {
            let (condition, text) = events::server_error(el);
            match &p.req {
                Some(req) => self.fail(p.ty, req, &condition, &text),
                None => self.log(&["the server refused an IM request of the tunnel's own: ", &condition].concat()),
            }
            if matches!(p.what, What::RosterFetch) {
                // Nothing to compare with: every sender is unknown.
                self.roster.loaded = true;
            }
            return;
        }
        let req = p.req.as_deref();
        match p.what {
            What::Plain | What::Carbons => {
                if let Some(id) = req {
                    self.ok(p.ty, id);
                }
            }
            What::RosterFetch => {
                self.roster.replace(el.child("query", ns::ROSTER));
                let m = format_json(ROSTER_CHANGED, &events::RosterChanged { items: &self.roster.items, full: true });
                self.out.push(ImOut::Parent(m));
                if let Some(id) = req {
                    self.roster_reply(id);
                }
            }
            What::Blocklist => {
                #[derive(Serialize)]
                struct List<'a> {
                    id: &'a str,
                    jids: Vec<&'a str>,
                }
                let jids = el.child("blocklist", ns::BLOCKING).map(events::item_jids).unwrap_or_default();
                match req {
                    Some(id) => self.post(BLOCKLIST, &List { id, jids }),
                    // Our own fetch on a new session: the whole list, as an event.
                    None => self.post(BLOCKLIST_CHANGED, &events::Blocklist { blocked: Some(jids), unblocked: None, full: true }),
                }
            }
            What::History(h) => self.history_done(now, req.unwrap_or(""), h, el),
        }
    }

    /// XEP-0313 §4.3: the results came before this `<fin/>`.
    fn history_done(&mut self, now: Millis, id: &str, h: History, el: Element<'_>) {
        let fin = el.child("fin", ns::MAM);
        let complete = fin.is_some_and(|f| matches!(f.attr("complete"), Some("true" | "1")));
        let set = fin.and_then(|f| f.child("set", ns::RSM));
        let text = |name| set.and_then(|s| s.child(name, ns::RSM)).map(|c| c.text());
        if h.catch_up {
            // The next page, while there is one.
            if let Some(last) = text("last").filter(|_| !complete) {
                let last = last.to_string();
                let room = (!jid::same_bare(&h.from, &self.own)).then_some(h.from.as_str());
                self.catch_up(now, room, &last);
            }
            return;
        }
        // One JSON text built from the results' JSON (each already written).
        let mut s = String::new();
        crate::protocol::push_type(&mut s, HISTORY);
        s.push_str("{\"id\":");
        s.push_str(&json_string(id));
        s.push_str(",\"messages\":[");
        s.push_str(&h.items.join(","));
        s.push_str("],\"complete\":");
        s.push_str(if complete { "true" } else { "false" });
        for (key, v) in [("first", text("first")), ("last", text("last"))] {
            if let Some(v) = v {
                s.push_str(&[",\"", key, "\":", &json_string(v)].concat());
            }
        }
        s.push('}');
        self.out.push(ImOut::Parent(s));
    }

    /// A message stanza that is not a pubsub notification. Returns nothing:
    /// whatever is not IM's is dropped here with a trace at most.
    pub fn on_message(&mut self, el: Element<'_>) {
        let from = el.attr("from").unwrap_or("");
        if el.attr("type") == Some("error") {
            let (condition, text) = events::server_error(el);
            let m = events::Message {
                kind: "error",
                error: Some(ErrorBody { condition: &condition, text: &text }),
                ..events::message(el, &self.own)
            };
            let m = format_json(MESSAGE, &m);
            return self.out.push(ImOut::Parent(m));
        }
        for carbon in ["received", "sent"] {
            if let Some(c) = el.child(carbon, ns::CARBONS) {
                // XEP-0280 §11: only our own account (its bare JID) sends carbons.
                if !self.is_from_account(el) {
                    return self.log("ignored a carbon copy that did not come from our own account");
                }
                if let Some(inner) = forwarded(c) {
                    self.relay(inner.0, Some(carbon), inner.1, None);
                }
                return;
            }
        }
        if let Some(r) = el.child("result", ns::MAM) {
            return self.archived(el, r);
        }
        if self.invitation(el) {
            return;
        }
        if let Some(r) = el.child("received", ns::RECEIPTS) {
            if let Some(of) = r.attr("id") {
                self.post(RECEIPT, &events::Receipt { from, message_id: of });
            }
        }
        self.relay(el, None, None, None);
    }

    /// One message as a MESSAGE event; a receipt goes back when asked for
    /// by a buddy (XEP-0184 §8: not to strangers, whom it would tell that
    /// we are online).
    fn relay(&mut self, el: Element<'_>, carbon: Option<&'static str>, stamp: Option<&str>, archive_id: Option<&str>) {
        let own_full = self.own.clone();
        let mut m = events::message(el, &own_full);
        if m.body.is_none() && m.subject.is_none() && m.state.is_none() {
            return;
        }
        m.carbon = carbon;
        m.stamp = m.stamp.or(stamp);
        let groupchat = m.kind == "groupchat";
        let room = if groupchat {
            match self.room(m.from) {
                Some(i) => Some(i),
                None => return self.log("ignored a room message from a room we are not in"),
            }
        } else {
            None
        };
        // The id the archive gave it (XEP-0359): our account's, or the
        // room's for a room message.
        let archive = if groupchat { jid::bare(m.from) } else { jid::bare(&own_full) };
        let sid = el.elements().find(|s| s.is("stanza-id", ns::SID) && s.attr("by").is_some_and(|b| b.eq_ignore_ascii_case(archive)));
        m.archive_id = archive_id.or(sid.and_then(|s| s.attr("id")));
        if carbon.is_none() && m.body.is_some() {
            if let Some(id) = m.archive_id {
                if !self.first_relay(id) {
                    return;
                }
                match room {
                    Some(i) => self.rooms[i].last_id = Some(id.to_string()),
                    None => self.last_archived = Some(id.to_string()),
                }
            }
        }
        let peer = if carbon == Some("sent") { m.to.unwrap_or("") } else { m.from };
        m.unknown = !self.known(peer);
        let receipt = carbon.is_none()
            && archive_id.is_none()
            && !groupchat
            && m.body.is_some()
            && el.child("request", ns::RECEIPTS).is_some()
            && self.roster.find(m.from).is_some_and(|i| matches!(i.subscription.as_str(), "from" | "both"));
        let (to, of) = (m.from.to_string(), m.message_id.map(str::to_string));
        let json = format_json(MESSAGE, &m);
        self.out.push(ImOut::Parent(json));
        if let (true, Some(of)) = (receipt, of) {
            let id = self.new_id();
            self.send(super::stanzas::receipt(&to, &id, &of));
        }
    }

    /// XEP-0313 §4.2: one result of a query of ours, from whom we asked.
    fn archived(&mut self, el: Element<'_>, r: Element<'_>) {
        let own = self.own.clone();
        let from = el.attr("from").unwrap_or(jid::bare(&own)).to_string();
        let qid = r.attr("queryid").unwrap_or("");
        let Some(h) = self.pending.iter_mut().find_map(|p| match &mut p.what {
            What::History(h) if h.query_id == qid && jid::same_bare(&h.from, &from) && !from.contains('/') => Some(h),
            _ => None,
        }) else {
            return self.log("ignored an archive result to no query of ours");
        };
        if h.items.len() >= h.max {
            return;
        }
        let Some((inner, stamp)) = forwarded(r) else { return };
        if h.catch_up {
            // What this very desk sent, it knows; the rest is relayed live.
            if inner.attr("from") == Some(own.as_str()) {
                return;
            }
            let sent = inner.attr("from").is_some_and(|f| jid::same_bare(f, &own));
            return self.relay(inner, sent.then_some("sent"), stamp, r.attr("id"));
        }
        let mut m = events::message(inner, &own);
        m.stamp = m.stamp.or(stamp);
        m.archive_id = r.attr("id");
        h.items.push(serde_json::to_string(&m).unwrap_or_default());
    }

    /// XEP-0045 §7.8 mediated invitations and declines, XEP-0249 direct
    /// invitations. True when `el` was one.
    fn invitation(&mut self, el: Element<'_>) -> bool {
        let from = el.attr("from").unwrap_or("");
        if let Some(x) = el.child("x", ns::MUC_USER) {
            fn reason(e: Element<'_>) -> Option<&str> {
                e.child("reason", ns::MUC_USER).map(|r| r.text())
            }
            if let Some(i) = x.child("invite", ns::MUC_USER) {
                let inviter = i.attr("from").unwrap_or("");
                let password = x.child("password", ns::MUC_USER).map(|p| p.text());
                let ev = events::Invitation { room: jid::bare(from), from: inviter, reason: reason(i), password, unknown: !self.known(inviter) };
                self.post(INVITATION, &ev);
                return true;
            }
            if let Some(d) = x.child("decline", ns::MUC_USER) {
                let ev = events::Invitation { room: jid::bare(from), from: d.attr("from").unwrap_or(""), reason: reason(d), password: None, unknown: false };
                self.post(DECLINED, &ev);
                return true;
            }
        }
        if let Some(x) = el.child("x", ns::CONFERENCE) {
            let Some(room) = x.attr("jid") else { return true };
            let ev = events::Invitation { room, from: jid::bare(from), reason: x.attr("reason"), password: x.attr("password"), unknown: !self.known(from) };
            self.post(INVITATION, &ev);
            return true;
        }
        false
    }

    /// A presence stanza (after the legacy PRESENCE relay).
    pub fn on_presence(&mut self, now: Millis, el: Element<'_>) {
        let Some(from) = el.attr("from") else { return };
        if self.room(from).is_some() {
            return self.occupant(now, from, el);
        }
        let status = events::status(el);
        let unknown = !self.known(from);
        match el.attr("type") {
            Some("subscribe") => {
                let ev = events::Subscription { from: jid::bare(from), kind: None, status, unknown };
                self.post(BUDDY_REQUEST, &ev);
            }
            Some(kind @ ("subscribed" | "unsubscribed" | "unsubscribe")) => {
                let ev = events::Subscription { from: jid::bare(from), kind: Some(kind), status, unknown };
                self.post(SUBSCRIPTION, &ev);
            }
            None | Some("unavailable" | "error") => {
                let (condition, text) = events::server_error(el);
                let error = (el.attr("type") == Some("error")).then_some(ErrorBody { condition: &condition, text: &text });
                let ev = events::Presence { from, show: events::show(el), status, priority: events::priority(el), unknown, error };
                self.post(PRESENCE, &ev);
            }
            _ => {}
        }
    }

    /// An iq get/set: roster and blocklist pushes (from our own account
    /// only, RFC 6121 §2.1.6) are answered here; None for anything else.
    pub fn on_iq_set(&mut self, el: Element<'_>) -> Option<String> {
        if el.attr("type") != Some("set") || !self.is_from_account(el) {
            return None;
        }
        if let Some(q) = el.child("query", ns::ROSTER) {
            let items: Vec<roster::Item> = q.elements().filter(|i| i.is("item", ns::ROSTER)).filter_map(roster::item).collect();
            // §2.1.6: a push holds exactly one item.
            if items.len() != 1 {
                return Some(stanza::iq_error(el, "modify", "bad-request"));
            }
            self.roster.apply(&items[0], q.attr("ver"));
            self.post(ROSTER_CHANGED, &events::RosterChanged { items: &items, full: false });
            return Some(stanza::iq_result(el));
        }
        for (name, blocked) in [("block", true), ("unblock", false)] {
            if let Some(b) = el.child(name, ns::BLOCKING) {
                let jids = events::item_jids(b);
                let ev = if blocked {
                    events::Blocklist { blocked: Some(jids), unblocked: None, full: false }
                } else {
                    events::Blocklist { blocked: None, unblocked: Some(jids), full: false }
                };
                self.post(BLOCKLIST_CHANGED, &ev);
                return Some(stanza::iq_result(el));
            }
        }
        None
    }
}

/// XEP-0297: the message inside `<forwarded/>`, and its delay stamp.
fn forwarded(wrapper: Element<'_>) -> Option<(Element<'_>, Option<&str>)> {
    let f = wrapper.child("forwarded", ns::FORWARD)?;
    let stamp = f.child("delay", ns::DELAY).and_then(|d| d.attr("stamp"));
    Some((f.child("message", ns::CLIENT)?, stamp))
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}
