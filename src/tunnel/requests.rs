//! Parent requests (SUBSCRIBE, UNSUBSCRIBE, SUBSCRIPTIONS_REQ) and our own
//! pubsub requests (re-subscribe, final unsubscribe, clean-up). Each parent
//! request is answered exactly once: queued while connecting, matched to its
//! iq reply (same id, from the JID we asked), timed out, or answered
//! `not-connected` when its connection goes away.

use crate::prelude::*;
use super::settings::valid_text;
use super::{Millis, Phase, Tunnel};
use crate::protocol::{format, format_json, node_error, MsgType};
use crate::xml::Element;
use crate::xmpp::{jid, pubsub, stanza};

/// Requests in flight or queued at once; more parent requests are refused
/// with `resource-constraint` (a parent cannot make the tunnel grow without
/// bound).
const MAX_REQUESTS: usize = 1024;
/// Of those, the tunnel's own (renewals, clean-ups, final unsubscribes) in
/// flight at once; the rest wait in the backlog, sent as replies come in.
const OWN_WINDOW: usize = 256;
/// Nodes one tunnel may hold at the server: subscribed, being subscribed,
/// or left over to clean up.
const MAX_SUBSCRIPTIONS: usize = 4096;

/// What a request asks. Its node travels beside it (see `Req`): one
/// string in one place, not one per variant, is less code in every match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum What {
    Subscribe,
    Unsubscribe,
    Subscriptions,
    /// After a new session: a node the parent had subscribed before.
    Resubscribe,
    /// DISCONNECT_REQ: unsubscribe before closing (answered `8|node`, as the
    /// legacy tunnel did).
    Final,
    /// A node left subscribed at the server by a lost connection.
    Cleanup,
}
use What::*;

impl What {
    /// How many parent replies the request itself owes.
    fn own_replies(self) -> u32 {
        matches!(self, Subscribe | Unsubscribe | Subscriptions | Final) as u32
    }

    /// Sent by the tunnel for every node at once (paced by `OWN_WINDOW`).
    fn is_own(self) -> bool {
        matches!(self, Resubscribe | Final | Cleanup)
    }
}

/// A request and its node ("" for SUBSCRIPTIONS_REQ).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Req {
    what: What,
    node: String,
    /// Earlier attempts that met a transient error (our own requests).
    tries: u32,
}

impl Req {
    fn new(what: What, node: String) -> Req {
        Req { what, node, tries: 0 }
    }
}

/// Longest wait before asking again after a transient error.
const MAX_RETRY_MS: Millis = 30_000;

struct Pending {
    iq: String,
    /// The JID asked; the reply must come from it.
    to: String,
    /// The XMPP session it was sent on (a resumed session keeps it).
    epoch: u32,
    req: Req,
    deadline: Millis,
    /// Identical parent requests that arrived meanwhile and share the outcome.
    also: u32,
}

#[derive(Default)]
pub(super) struct Requests {
    pending: Vec<Pending>,
    /// Parent requests that arrived while (re)connecting, each with the
    /// deadline after which it is answered `not-connected`.
    queued: Vec<(Req, Millis)>,
    /// Our own requests waiting for room in `OWN_WINDOW`, the next one
    /// last (a plain vector, popped: a `VecDeque` costs the page more).
    backlog: Vec<Req>,
    /// Our own requests that met a transient error, each with when to ask
    /// again (then into the backlog).
    later: Vec<(Req, Millis)>,
    /// Random per connection, so ids cannot be guessed by other accounts.
    prefix: String,
    seq: u32,
}

impl Requests {
    pub fn next_deadline(&self) -> Option<Millis> {
        let t = self.pending.iter().fold(None, |t, p| earlier(t, Some(p.deadline)));
        let t = self.later.iter().fold(t, |t, l| earlier(t, Some(l.1)));
        self.queued.iter().fold(t, |t, q| earlier(t, Some(q.1)))
    }

    pub fn set_prefix(&mut self, random: &[u8]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.prefix = random.iter().flat_map(|b| [HEX[(b >> 4) as usize] as char, HEX[(b & 15) as usize] as char]).collect();
        self.seq = 0;
    }

    #[cfg_attr(not(feature = "im"), allow(dead_code))]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn new_id(&mut self) -> String {
        self.seq = self.seq.wrapping_add(1);
        format!("{}-{}", self.prefix, self.seq)
    }

    /// Whether a request of this kind is in flight or waits in the backlog.
    fn any(&self, what: What) -> bool {
        self.pending.iter().any(|p| p.req.what == what) || self.backlog.iter().any(|r| r.what == what)
    }

    /// SUBSCRIBEs in flight or queued for nodes not yet held.
    fn subscribing(&self) -> usize {
        let pending = self.pending.iter().filter(|p| p.req.what == Subscribe).map(|p| 1 + p.also as usize);
        pending.sum::<usize>() + self.queued.iter().filter(|q| q.0.what == Subscribe).count()
    }
}

/// How a request ended.
enum Outcome<'a> {
    Ok(Option<Element<'a>>),
    /// The server's stanza error.
    Error(Element<'a>),
    /// No server answer: our own condition.
    Failed(&'static str, &'static str),
}

impl Tunnel {
    pub(super) fn request_subscribe(&mut self, now: Millis, node: &str) {
        self.parent_request(now, Req::new(Subscribe, node.to_string()));
    }

    pub(super) fn request_unsubscribe(&mut self, now: Millis, node: &str) {
        self.parent_request(now, Req::new(Unsubscribe, node.to_string()));
    }

    pub(super) fn request_subscriptions(&mut self, now: Millis) {
        self.parent_request(now, Req::new(Subscriptions, String::new()));
    }

    fn parent_request(&mut self, now: Millis, req: Req) {
        if req.what != Subscriptions && !valid_text(&req.node) {
            return self.reply(&req, 1, Outcome::Failed("bad-request", "the node name is empty or holds characters XMPP cannot carry"));
        }
        let full = self.requests.pending.len() + self.requests.queued.len() >= MAX_REQUESTS
            || (req.what == Subscribe
                && !self.subs.contains(&req.node)
                && self.subs.held() + self.requests.subscribing() >= MAX_SUBSCRIPTIONS);
        if full {
            return self.reply(&req, 1, Outcome::Failed("resource-constraint", "too many subscriptions or requests"));
        }
        match self.phase {
            Phase::Connected => self.dispatch(now, req),
            Phase::Connecting | Phase::Resubscribing | Phase::Waiting { .. } => {
                let deadline = now + self.settings.request_timeout_ms as Millis;
                self.requests.queued.push((req, deadline));
            }
            Phase::Idle => {
                // No server to tell now; make sure the next session neither
                // renews it nor keeps a leftover subscription. (A node the
                // tunnel does not hold needs nothing: no record, no bound.)
                if req.what == Unsubscribe && self.subs.contains(&req.node) {
                    self.subs.retire(&req.node);
                }
                self.reply(&req, 1, Outcome::Failed("not-connected", "the tunnel is not connected"))
            }
            Phase::Unsubscribing { .. } | Phase::Closing { .. } => {
                self.reply(&req, 1, Outcome::Failed("not-connected", "the tunnel is disconnecting"))
            }
        }
    }

    /// Sends a parent request, answers it at once when there is nothing to
    /// ask, or attaches it to an identical request already on its way (a
    /// second subscription would duplicate every event).
    fn dispatch(&mut self, now: Millis, req: Req) {
        if req.what == Subscribe && self.subs.contains(&req.node) {
            return self.reply(&req, 1, Outcome::Ok(None));
        }
        if req.what == Subscribe {
            // A clean-up still waiting would undo this subscription.
            if let Some(i) = self.requests.backlog.iter().position(|r| r.what == Cleanup && r.node == req.node) {
                self.requests.backlog.remove(i);
            }
        }
        let same = |p: &Pending| {
            matches!((p.req.what, req.what), (Subscribe | Resubscribe, Subscribe) | (Unsubscribe, Unsubscribe))
                && p.req.node == req.node
        };
        if let Some(p) = self.requests.pending.iter_mut().find(|p| same(p)) {
            p.also += 1;
            return;
        }
        self.send_request(now, req);
    }

    fn send_request(&mut self, now: Millis, req: Req) {
        let epoch = self.epoch;
        let (Some(service), Some(me)) = (self.settings.pubsub_service(), self.conn.as_ref().and_then(|c| c.jid.clone()))
        else {
            let times = req.what.own_replies();
            return self.reply(&req, times, Outcome::Failed("not-connected", "the tunnel is not connected"));
        };
        let id = self.requests.new_id();
        let n = &req.node;
        let iq = match req.what {
            Subscribe | Resubscribe => pubsub::subscribe(&id, &service, n, &me),
            Unsubscribe | Final => pubsub::unsubscribe(&id, &service, n, &me, self.subs.subid(n)),
            Cleanup => pubsub::unsubscribe(&id, &service, n, &me, None),
            Subscriptions => pubsub::subscriptions(&id, &service),
        };
        self.send(iq);
        let deadline = now + self.settings.request_timeout_ms as Millis;
        self.requests.pending.push(Pending { iq: id, to: service, epoch, req, deadline, also: 0 });
    }

    /// An iq result or error; false if it answers nothing we asked (an
    /// unknown id, another session's id, or a sender we did not ask).
    pub(super) fn on_iq_reply(&mut self, now: Millis, el: Element) -> bool {
        let epoch = self.epoch;
        let (Some(id), Some(from)) = (el.attr("id"), el.attr("from")) else { return false };
        let Some(i) = self
            .requests
            .pending
            .iter()
            .position(|p| p.iq == id && p.epoch == epoch && jid::same_bare(from, &p.to))
        else {
            return false;
        };
        let p = self.requests.pending.remove(i);
        let outcome = if el.attr("type") == Some("result") { Outcome::Ok(Some(el)) } else { Outcome::Error(el) };
        self.settle(&p, outcome);
        self.pump_backlog(now);
        self.progress(now);
        true
    }

    fn settle(&mut self, p: &Pending, outcome: Outcome) {
        let times = p.req.what.own_replies() + p.also;
        let n = &p.req.node;
        match (p.req.what, &outcome) {
            (Subscribe | Resubscribe, Outcome::Ok(r)) => {
                if let Some(state) = r.and_then(pubsub::subscription_state).filter(|s| *s != "subscribed") {
                    self.log_parts(&["subscription to ", n, " is ", state]);
                }
                let subid = r.and_then(pubsub::subscription_id).map(str::to_string);
                self.subs.add(n, subid);
            }
            (Resubscribe | Cleanup, Outcome::Error(e)) if transient(*e) && !not_subscribed(*e) => {
                // A server hiccup (a cluster passes on a lock conflict as
                // internal-server-error): ask again later, keeping the node.
                return self.ask_again(&p.req, stanza::error_condition(*e));
            }
            (Resubscribe | Cleanup, Outcome::Failed("remote-server-timeout", _)) => {
                return self.ask_again(&p.req, "no answer");
            }
            (Resubscribe, Outcome::Error(_)) => {
                // The server refused: the parent must know this node is gone
                // (an unsolicited SUBSCRIBE error, and a LOGGING line).
                self.subs.remove(n);
                self.log_parts(&["could not subscribe again to ", n]);
                return self.reply(&p.req, times.max(1), outcome);
            }
            (Resubscribe, Outcome::Failed(..)) => {
                // The connection went: keep it, so that it is renewed or
                // unsubscribed on the next session rather than forgotten.
                self.log_parts(&["no answer to subscribing again to ", n]);
            }
            (Subscribe, Outcome::Failed(..)) => {
                // Unknown outcome: the server may hold it though the parent
                // was told it failed; unsubscribed next session.
                self.subs.maybe_left_over(n)
            }
            (Unsubscribe | Final, Outcome::Ok(_)) => self.subs.remove(n),
            (Unsubscribe | Final | Cleanup, Outcome::Error(e)) if not_subscribed(*e) => {
                self.subs.remove(n)
            }
            (Unsubscribe, Outcome::Failed(..)) => {
                // The server may not have heard it: check again next session.
                self.subs.retire(n)
            }
            (Final | Cleanup, Outcome::Error(_) | Outcome::Failed(..)) => {
                self.log_parts(&["could not unsubscribe from ", n, "; will try again on the next session"]);
                if p.req.what == Final {
                    self.subs.retire(n);
                } else {
                    self.subs.maybe_left_over(n);
                }
            }
            _ => {}
        }
        self.reply(&p.req, times, outcome);
    }

    /// One of our own requests met a transient error: into `later`, after a
    /// growing, jittered wait (1 s, 2 s, … up to 30 s), said once a node.
    fn ask_again(&mut self, req: &Req, why: &str) {
        let bound = super::backoff::doubled(1000, MAX_RETRY_MS, req.tries);
        let mut r = [0u8; 4];
        (self.entropy)(&mut r);
        // Uniform in [bound/2, bound): spread, never at once.
        let wait = bound / 2 + super::backoff::fraction(bound / 2, u32::from_le_bytes(r));
        if req.tries == 0 {
            let doing = if req.what == Cleanup { "cleaning up " } else { "subscribing again to " };
            self.log_parts(&[doing, &req.node, " failed for now (", why, "); trying again"]);
        }
        let mut again = req.clone();
        again.tries += 1;
        self.requests.later.push((again, self.clock + wait));
    }

    /// Sends `times` identical parent replies for a request of this kind.
    fn reply(&mut self, req: &Req, times: u32, outcome: Outcome) {
        if times == 0 {
            return;
        }
        let n = &req.node;
        let msg = match (req.what, &outcome) {
            (Subscribe | Resubscribe, Outcome::Ok(_)) => format(MsgType::Subscribe, n),
            (Unsubscribe | Final, Outcome::Ok(_)) => format(MsgType::Unsubscribe, n),
            (Subscriptions, Outcome::Ok(r)) => {
                let list = r.map(pubsub::parse_subscriptions).unwrap_or_default();
                format_json(MsgType::SubscriptionsReq as u16, &list)
            }
            (Subscriptions, Outcome::Error(e)) => format(MsgType::SubscriptionsReq, &pubsub::error_element(*e)),
            (Subscriptions, Outcome::Failed(cond, text)) => {
                let (kind, cond) = if *cond == "not-connected" { ("wait", "recipient-unavailable") } else { ("cancel", *cond) };
                format(MsgType::SubscriptionsReq, &pubsub::error_xml(kind, cond, text))
            }
            (Cleanup, _) => return,
            (what, _) => {
                let t = if matches!(what, Unsubscribe | Final) { MsgType::Unsubscribe } else { MsgType::Subscribe };
                match &outcome {
                    Outcome::Error(e) => node_error(t, n, stanza::error_condition(*e), &stanza::error_text(*e)),
                    Outcome::Failed(c, text) => node_error(t, n, c, text),
                    Outcome::Ok(_) => return,
                }
            }
        };
        for _ in 1..times {
            self.post_parent(msg.clone());
        }
        self.post_parent(msg);
    }

    /// Moves the phase on when the requests it waits for are all answered.
    fn progress(&mut self, now: Millis) {
        match self.phase {
            Phase::Resubscribing if !self.requests.any(Resubscribe) => self.now_connected(now),
            Phase::Unsubscribing { .. } if !self.requests.any(Final) => self.begin_close(now),
            _ => {}
        }
    }

    /// On a ready session: clean up leftovers, then renew the parent's
    /// subscriptions. True if any renewal was sent.
    pub(super) fn resubscribe(&mut self, now: Millis) -> bool {
        self.for_every_node(now, Resubscribe)
    }

    /// DISCONNECT_REQ: unsubscribe every node, paced like any of our own
    /// requests. True if any.
    pub(super) fn send_final_unsubscribes(&mut self, now: Millis) -> bool {
        self.for_every_node(now, Final)
    }

    /// Unload: every final unsubscribe now; the page will not wait.
    pub(super) fn send_all_final_unsubscribes(&mut self, now: Millis) {
        self.for_every_node(now, Final);
        self.send_backlog(now, usize::MAX);
    }

    /// Unsubscribes leftover nodes quietly, then `what` for every subscribed
    /// node, through the backlog. True if there was any.
    fn for_every_node(&mut self, now: Millis, what: What) -> bool {
        let backlog = &mut self.requests.backlog;
        if what == Final {
            // Renewals still waiting are moot now.
            backlog.retain(|r| r.what != Resubscribe);
        }
        // After what waits already, clean-ups first: in front of it, reversed.
        let mut next = Vec::new();
        let n = self.subs.len();
        for i in (0..n).rev() {
            if let Some(node) = self.subs.node(i) {
                next.push(Req::new(what, node.to_string()));
            }
        }
        let mut stale = self.subs.take_stale();
        while let Some(node) = stale.pop() {
            next.push(Req::new(Cleanup, node));
        }
        next.append(backlog);
        *backlog = next;
        self.pump_backlog(now);
        n > 0
    }

    /// Sends from the backlog while fewer than `OWN_WINDOW` of our own
    /// requests are in flight (and a session may take them).
    pub(super) fn pump_backlog(&mut self, now: Millis) {
        self.send_backlog(now, OWN_WINDOW);
    }

    /// `pump_backlog` with a window of one's choosing (unload: all of it).
    fn send_backlog(&mut self, now: Millis, window: usize) {
        if matches!(self.phase, Phase::Idle | Phase::Waiting { .. } | Phase::Closing { .. }) {
            return;
        }
        let in_flight = self.requests.pending.iter().filter(|p| p.req.what.is_own()).count();
        for _ in in_flight..window {
            let Some(req) = self.requests.backlog.pop() else { break };
            self.send_request(now, req);
        }
    }

    pub(super) fn send_queued(&mut self, now: Millis) {
        for (req, _) in &std::mem::take(&mut self.requests.queued) {
            self.dispatch(now, req.clone());
        }
    }

    /// Queued parent requests get `not-connected`.
    pub(super) fn fail_queued(&mut self) {
        for (req, _) in &std::mem::take(&mut self.requests.queued) {
            self.reply(req, 1, Outcome::Failed("not-connected", "the tunnel is not connected"));
        }
    }

    /// The XMPP session is gone for good (not resumable): its requests can
    /// never be answered, and a next session gets a new number.
    pub(super) fn abandon_session(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        self.im_gone();
        for p in &std::mem::take(&mut self.requests.pending) {
            self.settle(p, Outcome::Failed("not-connected", "the connection was lost before the server answered"));
        }
        self.drop_backlog();
    }

    /// Our own requests never sent: nothing happened at the server; a
    /// final unsubscribe is answered, and its node cleaned up next session.
    pub(super) fn drop_backlog(&mut self) {
        while let Some((req, _)) = self.requests.later.pop() {
            self.requests.backlog.push(req);
        }
        while let Some(req) = self.requests.backlog.pop() {
            match req.what {
                Final => {
                    self.subs.retire(&req.node);
                    self.reply(&req, 1, Outcome::Failed("not-connected", "the connection was lost before it was sent"));
                }
                Cleanup => self.subs.maybe_left_over(&req.node),
                _ => {}
            }
        }
    }

    pub(super) fn expire_requests(&mut self, now: Millis) {
        // Our own requests due to be asked again join the backlog.
        let mut i = 0;
        let mut due = false;
        while let Some((_, at)) = self.requests.later.get(i) {
            if now < *at {
                i += 1;
                continue;
            }
            let (req, _) = self.requests.later.remove(i);
            self.requests.backlog.push(req);
            due = true;
        }
        // Index loops, not `partition`s into new vectors: a third of the
        // code, and a timeout rarely expires more than one.
        let mut i = 0;
        while let Some(&(_, deadline)) = self.requests.queued.get(i) {
            if now < deadline {
                i += 1;
                continue;
            }
            let (req, _) = self.requests.queued.remove(i);
            self.reply(&req, 1, Outcome::Failed("not-connected", "no connection came back in time"));
        }
        let (mut i, mut any) = (0, false);
        while let Some(p) = self.requests.pending.get(i) {
            if now < p.deadline {
                i += 1;
                continue;
            }
            let p = self.requests.pending.remove(i);
            self.settle(&p, Outcome::Failed("remote-server-timeout", "the server did not answer in time"));
            any = true;
        }
        if due || any {
            self.pump_backlog(now);
        }
        if any {
            self.progress(now);
        }
    }
}

/// A server hiccup rather than a refusal: an error of type `wait` (RFC
/// 6120 §8.3.2: retry after waiting), or a condition a busy server or
/// cluster passes on. Anything else (`item-not-found`, `forbidden`, …) is
/// the server's answer.
fn transient(e: Element) -> bool {
    let wait = e.child_any_ns("error").and_then(|er| er.attr("type")) == Some("wait");
    wait || matches!(stanza::error_condition(e), "internal-server-error" | "resource-constraint" | "remote-server-timeout")
}

/// The server says there is no such subscription (any more).
fn not_subscribed(e: Element) -> bool {
    matches!(stanza::error_condition(e), "item-not-found" | "unexpected-request")
        || e.child_any_ns("error").is_some_and(|er| er.elements().any(|c| c.name() == "not-subscribed"))
}

