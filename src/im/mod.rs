//! Instant messaging over the extension channel (types 110–156,
//! docs/protocol.md): chat messages with receipts and chat states, carbons,
//! archive queries, the buddy list, presence and buddy requests, blocking
//! and group chat. Sans-IO like the rest of the core: the tunnel hands it
//! parent requests, stanzas and session events, and drains `ImOut`.
//!
//! Only the IM page's module (im.html) has it: a parent that loads that
//! page wants IM, so it runs from the first sign-in on (a buddy request or
//! an offline message delivered right after it is not lost). Legacy
//! parents load index.html, whose module has none of this.

mod events;
mod incoming;
mod muc;
pub mod request;
mod roster;
mod stanzas;
pub mod types;

use crate::prelude::*;
use crate::protocol::format_json;
use crate::tunnel::Millis;
use crate::xml::Element;
use crate::xmpp::{jid, ns};
use events::ErrorBody;
use request::Body;
use serde::Serialize;
use types::*;

/// Removes from `list` the entries `pred` holds for, and returns them (in
/// order): what is due, answered or expired.
fn take_where<T>(list: &mut Vec<T>, pred: impl Fn(&T) -> bool) -> Vec<T> {
    // (A loop, not `partition`: the iterator adapters cost the page more.)
    let mut taken = Vec::new();
    let mut i = 0;
    while i < list.len() {
        if pred(&list[i]) {
            taken.push(list.remove(i));
        } else {
            i += 1;
        }
    }
    taken
}

/// What the tunnel must do for IM, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImOut {
    /// A stanza for the current session.
    Send(String),
    /// A message whose fate the parent waits for: send it, then `track` it.
    Message { stanza: String, req: String, message_id: String },
    /// A message for the parent.
    Parent(String),
    /// A LOGGING line.
    Log(String),
}

/// Parent requests: one every `RATE_MS` on average, up to `BURST` at once;
/// beyond that they are refused `resource-constraint` (a runaway page
/// cannot flood the server, nor get the account throttled or cut off).
const RATE_MS: Millis = 100;
const BURST: Millis = 50;

/// Requests in flight at once.
const MAX_PENDING: usize = 256;

/// XEP-0030 features IM adds to the tunnel's disco#info.
pub const FEATURES: [&str; 4] = [ns::RECEIPTS, ns::CHAT_STATES, ns::MUC, ns::CONFERENCE];

enum What {
    /// Answered `{"id"}` on success.
    Plain,
    RosterFetch,
    Blocklist,
    History(History),
    Carbons,
}

struct History {
    /// Our own query after a gap: results are relayed as they come, as
    /// MESSAGE events, instead of collected into a reply.
    catch_up: bool,
    query_id: String,
    /// Who sends the results: our account or the room asked.
    from: String,
    max: usize,
    /// Each result, as the JSON of a MESSAGE event.
    items: Vec<String>,
}

struct Pending {
    iq: String,
    ty: u16,
    /// The parent's request id (none for our own requests).
    req: Option<String>,
    deadline: Millis,
    what: What,
}

/// A sent message waiting for stream management's ack: number `n`.
struct Tracked {
    n: u32,
    req: String,
    message_id: String,
}

#[derive(Default)]
pub struct Im {
    /// A session is ready.
    online: bool,
    /// Our full JID in the current (or last) session.
    own: String,
    prefix: String,
    seq: u32,
    timeout_ms: Millis,
    /// The rate limiter's theoretical arrival time (GCRA).
    rate_at: Millis,
    roster: roster::Roster,
    /// The server offers roster versioning.
    roster_ver: bool,
    /// Our presence as the parent last set it.
    presence: Option<String>,
    rooms: Vec<muc::Room>,
    pending: Vec<Pending>,
    tracked: Vec<Tracked>,
    /// Messages the parent sent between two sessions.
    queued: Vec<Queued>,
    /// The parent asked for the blocklist: fetched again by new sessions.
    blocklist_wanted: bool,
    /// The archive id (XEP-0359 stanza-id by our account) of the last
    /// message relayed, and of the last few, so that a new session fetches
    /// what the lost one missed, and relays nothing twice.
    last_archived: Option<String>,
    relayed: Vec<String>,
    /// A session was ready before (a fresh one follows a lost one).
    had_session: bool,
    out: Vec<ImOut>,
}

/// A message waiting for a session, until `deadline`.
struct Queued {
    deadline: Millis,
    stanza: String,
    req: String,
    message_id: String,
}

/// How long a message waits for the connection to come back (a drop is
/// usually over in a few seconds), and how many may wait.
const QUEUE_MS: Millis = 30_000;
const MAX_QUEUED: usize = 100;

/// A catch-up asks for this many archived messages at a time.
const CATCH_UP_PAGE: u32 = 100;
/// Archive ids of relayed messages kept to skip a second delivery.
const RELAYED_KEPT: usize = 256;

#[derive(Serialize)]
struct Ok<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct Failed<'a> {
    id: &'a str,
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SendReply<'a> {
    id: &'a str,
    message_id: &'a str,
    status: &'static str,
    /// Stream management confirmed that the server has it.
    acked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorBody<'a>>,
}

impl Im {
    /// Everything queued since the last call, oldest first.
    pub fn take(&mut self) -> Vec<ImOut> {
        std::mem::take(&mut self.out)
    }

    fn post(&mut self, ty: u16, payload: &impl Serialize) {
        self.out.push(ImOut::Parent(format_json(ty, payload)));
    }

    fn send(&mut self, stanza: String) {
        self.out.push(ImOut::Send(stanza));
    }

    fn log(&mut self, line: &str) {
        self.out.push(ImOut::Log(line.to_string()));
    }

    fn ok(&mut self, ty: u16, id: &str) {
        self.post(ty, &Ok { id });
    }

    fn fail(&mut self, ty: u16, id: &str, condition: &str, text: &str) {
        self.post(ty, &Failed { id, error: ErrorBody { condition, text } });
    }

    /// A fresh stanza id: random per page, so other accounts cannot guess it.
    fn new_id(&mut self) -> String {
        self.seq = self.seq.wrapping_add(1);
        [&self.prefix, "-im", &self.seq.to_string()].concat()
    }

    pub fn set_prefix(&mut self, prefix: &str) {
        self.prefix = prefix.to_string();
    }

    /// Whether `j` is a buddy, a room we are in, or our own account.
    fn known(&self, j: &str) -> bool {
        jid::same_bare(j, &self.own) || self.roster.find(j).is_some() || self.room(j).is_some()
    }

    fn own_bare(&self) -> &str {
        jid::bare(&self.own)
    }

    /// A stanza for our account: no `from`, or our bare JID.
    fn is_from_account(&self, el: Element<'_>) -> bool {
        el.attr("from").is_none_or(|f| f.eq_ignore_ascii_case(self.own_bare()))
    }

    /// An iq of ours; `req` is the parent's request it answers.
    fn ask(&mut self, now: Millis, ty: u16, req: Option<&str>, what: What, stanza: impl FnOnce(&str) -> String) {
        let iq = self.new_id();
        let s = stanza(&iq);
        self.send(s);
        let deadline = now + self.timeout_ms;
        self.pending.push(Pending { iq, ty, req: req.map(str::to_string), deadline, what });
    }

    /// A parent message of type `ty` from 100 up; false when it is not IM's.
    pub fn request(&mut self, now: Millis, ty: u16, payload: &str) -> bool {
        if !request::is_request(ty) {
            return false;
        }
        let m = match crate::json::object(payload) {
            Ok(m) => m,
            Err(why) => {
                self.log(&format!("ignored type {ty}: {why}"));
                return true;
            }
        };
        let Some(id) = request::id(&m) else {
            self.log(&format!("ignored type {ty}: no usable \"id\" (a string of 1 to 64 characters)"));
            return true;
        };
        let at = self.rate_at.max(now) + RATE_MS;
        if at > now + RATE_MS * BURST {
            self.fail(ty, id, "resource-constraint", "too many requests: at most 10 a second on average");
            return true;
        }
        self.rate_at = at;
        let body = match request::body(ty, &m) {
            Ok(b) => b,
            Err(request::Bad(why)) => {
                self.fail(ty, id, "bad-request", &why);
                return true;
            }
        };
        if !self.online {
            self.offline_request(now, ty, id, body);
        } else if self.pending.len() >= MAX_PENDING {
            self.fail(ty, id, "resource-constraint", "too many requests waiting for the server");
        } else {
            self.online_request(now, ty, id, body);
        }
        true
    }

    /// A message to send: its id (the parent's, or a new one) and stanza.
    fn outgoing(&mut self, s: &request::Send) -> (String, String) {
        let message_id = s.message_id.map_or_else(|| self.new_id(), str::to_string);
        let stanza = stanzas::send(s, &message_id);
        (message_id, stanza)
    }

    /// Between sessions: a message waits for the next one (up to
    /// `QUEUE_MS`), presence is kept for it, the roster answered from what
    /// we hold, the rest refused.
    fn offline_request(&mut self, now: Millis, ty: u16, id: &str, body: Body) {
        match body {
            Body::Send(s) if self.queued.len() < MAX_QUEUED && !(s.groupchat && self.joined(s.to).is_none()) => {
                let (message_id, stanza) = self.outgoing(&s);
                self.queued.push(Queued { deadline: now + QUEUE_MS, stanza, req: id.to_string(), message_id });
            }
            Body::Presence { show, status, priority } => {
                self.presence = Some(stanzas::own_presence(show, status, priority));
                self.ok(ty, id);
            }
            Body::Roster if self.roster.loaded => self.roster_reply(id),
            _ => self.fail(ty, id, "not-connected", "not connected: try again when the status is connected"),
        }
    }

    fn online_request(&mut self, now: Millis, ty: u16, id: &str, body: Body) {
        match body {
            Body::Send(s) => {
                if s.groupchat && self.joined(s.to).is_none() {
                    return self.fail(ty, id, "not-acceptable", "not in that room: join it first");
                }
                let (message_id, stanza) = self.outgoing(&s);
                self.out.push(ImOut::Message { stanza, req: id.to_string(), message_id });
            }
            Body::ChatState { to, state, thread, groupchat } => {
                if groupchat && self.joined(to).is_none() {
                    return self.fail(ty, id, "not-acceptable", "not in that room: join it first");
                }
                let mid = self.new_id();
                self.send(stanzas::chat_state(to, &mid, state, thread, groupchat));
                self.ok(ty, id);
            }
            Body::History { with, room, max, before, after } => {
                let query_id = self.new_id();
                let from = room.unwrap_or(self.own_bare()).to_string();
                let q = stanzas::MamQuery { to: room, with, max, before, after };
                let what = What::History(History { catch_up: false, query_id: query_id.clone(), from, max: max as usize, items: Vec::new() });
                self.ask(now, ty, Some(id), what, |iq| stanzas::mam_query(iq, &query_id, &q));
            }
            Body::Roster if self.roster.loaded => self.roster_reply(id),
            Body::Roster => {
                // A fetch of our own under way (IM's start) answers this too.
                let ours = self.pending.iter_mut().find(|p| matches!(p.what, What::RosterFetch) && p.req.is_none());
                match ours {
                    Some(p) => p.req = Some(id.to_string()),
                    None => self.fetch_roster(now, Some(id)),
                }
            }
            Body::RosterSet { jid, name, groups } => {
                self.ask(now, ty, Some(id), What::Plain, |iq| stanzas::roster_set(iq, jid, name, &groups, false))
            }
            Body::RosterRemove { jid } => {
                self.ask(now, ty, Some(id), What::Plain, |iq| stanzas::roster_set(iq, jid, None, &[], true))
            }
            Body::Presence { show, status, priority } => {
                let p = stanzas::own_presence(show, status, priority);
                self.presence = Some(p.clone());
                self.send(p);
                self.ok(ty, id);
            }
            Body::Answer { jid, answer } => {
                match answer {
                    "accept" => {
                        self.send(stanzas::subscription(jid, "subscribed", None));
                        // A buddy both ways, unless we asked already or are
                        // subscribed to them.
                        let theirs = self.roster.find(jid).is_some_and(|i| i.ask.is_some() || matches!(i.subscription.as_str(), "to" | "both"));
                        if !theirs {
                            self.send(stanzas::subscription(jid, "subscribe", None));
                        }
                    }
                    "decline" => self.send(stanzas::subscription(jid, "unsubscribed", None)),
                    // Left pending: the server delivers it again at the next sign-in.
                    _ => {}
                }
                self.ok(ty, id);
            }
            Body::Ask { jid, name, groups, status } => {
                if name.is_some() || !groups.is_empty() {
                    self.ask(now, ROSTER_SET, None, What::Plain, |iq| stanzas::roster_set(iq, jid, name, &groups, false));
                }
                self.send(stanzas::subscription(jid, "subscribe", status));
                self.ok(ty, id);
            }
            Body::Block { jids } => self.ask(now, ty, Some(id), What::Plain, |iq| stanzas::blocking(iq, "block", &jids)),
            Body::Unblock { jids } => self.ask(now, ty, Some(id), What::Plain, |iq| stanzas::blocking(iq, "unblock", &jids)),
            Body::Blocklist => {
                self.blocklist_wanted = true;
                self.ask(now, ty, Some(id), What::Blocklist, |iq| stanzas::blocking(iq, "blocklist", &[]))
            }
            Body::Join { room, nick, password, history } => self.join(now, id, room, nick, password, history),
            Body::Leave { room, status } => self.leave(now, id, room, status),
            Body::Invite { room, jid, reason } | Body::Decline { room, jid, reason } => {
                let what = if ty == INVITE { "invite" } else { "decline" };
                let mid = self.new_id();
                self.send(stanzas::invitation(room, &mid, what, jid, reason));
                self.ok(ty, id);
            }
        }
    }

    fn roster_reply(&mut self, id: &str) {
        #[derive(Serialize)]
        struct Items<'a> {
            id: &'a str,
            items: &'a [roster::Item],
        }
        let m = format_json(ROSTER, &Items { id, items: &self.roster.items });
        self.out.push(ImOut::Parent(m));
    }

    fn fetch_roster(&mut self, now: Millis, req: Option<&str>) {
        // RFC 6121 §2.6.2: `ver` only where the server offers versioning.
        let ver = self.roster_ver.then(|| self.roster.ver.clone().unwrap_or_default());
        self.ask(now, ROSTER, req, What::RosterFetch, |iq| stanzas::roster_get(iq, ver.as_deref()));
    }

    /// A session is ready: `fresh` unless it was resumed (XEP-0198), which
    /// keeps everything as it was. A fresh one needs, before IM works:
    /// carbons, the roster (versioned: only changes travel) and, once the
    /// parent has asked for it, the blocklist (the server pushes changes
    /// only to sessions that fetched it); the tunnel then sends the initial
    /// presence and calls `after_presence`.
    pub fn session_ready(&mut self, now: Millis, own: &str, roster_ver: bool, timeout_ms: u32, fresh: bool) {
        self.online = true;
        self.own = own.to_string();
        self.roster_ver = roster_ver;
        self.timeout_ms = timeout_ms as Millis;
        if fresh {
            self.ask(now, 0, None, What::Carbons, stanzas::carbons_enable);
            self.fetch_roster(now, None);
            if self.blocklist_wanted {
                self.ask(now, BLOCKLIST, None, What::Blocklist, |iq| stanzas::blocking(iq, "blocklist", &[]));
            }
            if std::mem::replace(&mut self.had_session, true) {
                if let Some(after) = self.last_archived.clone() {
                    self.catch_up(now, None, &after);
                }
            }
        } else {
            self.flush_queued();
        }
    }

    /// After a session that could not be resumed: the messages the archive
    /// (ours, or a room's once we are back in it) got since the last one
    /// relayed, relayed in order as they come, a page of 100 at a time.
    pub(super) fn catch_up(&mut self, now: Millis, room: Option<&str>, after: &str) {
        let query_id = self.new_id();
        let from = room.unwrap_or(self.own_bare()).to_string();
        let q = stanzas::MamQuery { to: room, with: None, max: CATCH_UP_PAGE, before: None, after: Some(after) };
        let what = What::History(History { catch_up: true, query_id: query_id.clone(), from, max: CATCH_UP_PAGE as usize, items: Vec::new() });
        self.ask(now, HISTORY, None, what, |iq| stanzas::mam_query(iq, &query_id, &q));
    }

    /// A message with archive id `id` is being relayed: false when it was
    /// already (a catch-up and offline storage can both deliver it).
    pub(super) fn first_relay(&mut self, id: &str) -> bool {
        if self.relayed.iter().any(|r| r == id) {
            return false;
        }
        if self.relayed.len() >= RELAYED_KEPT {
            self.relayed.remove(0);
        }
        self.relayed.push(id.to_string());
        true
    }

    /// The presence to announce a new session with, if the parent set one.
    pub fn initial_presence(&self) -> Option<&str> {
        self.presence.as_deref()
    }

    /// A fresh session announced its presence: the rooms we were in, and
    /// the messages that waited.
    pub fn after_presence(&mut self) {
        self.rejoin();
        self.flush_queued();
    }

    fn flush_queued(&mut self) {
        for q in std::mem::take(&mut self.queued) {
            self.out.push(ImOut::Message { stanza: q.stanza, req: q.req, message_id: q.message_id });
        }
    }

    /// The connection is gone; it may still be resumed.
    pub fn connection_lost(&mut self) {
        self.online = false;
    }

    /// The session is gone for good: what waited for it fails, every
    /// message not acknowledged is reported failed; rooms are rejoined by
    /// the next session.
    pub fn session_gone(&mut self) {
        self.online = false;
        for p in std::mem::take(&mut self.pending) {
            if let Some(req) = p.req {
                self.fail(p.ty, &req, "not-connected", "the connection was lost before the server answered");
            }
        }
        for t in std::mem::take(&mut self.tracked) {
            self.message_failed(&t.req, &t.message_id, "the connection was lost before the server acknowledged the message");
        }
        self.rooms_gone();
    }

    /// The parent signed out (DISCONNECT_REQ) or the tunnel stopped: IM
    /// starts afresh with the next sign-in; waiting messages fail.
    pub fn reset(&mut self) {
        self.session_gone();
        for q in std::mem::take(&mut self.queued) {
            self.message_failed(&q.req, &q.message_id, "the tunnel signed out before the message could be sent");
        }
        let prefix = std::mem::take(&mut self.prefix);
        let out = std::mem::take(&mut self.out);
        // (A sign-out and a new sign-in is not a gap: no catch-up.)
        *self = Im { prefix, seq: self.seq, out, ..Im::default() };
    }

    /// SEND's reply: the server has the message (`acked`: stream
    /// management says so).
    fn message_sent(&mut self, req: &str, message_id: &str, acked: bool) {
        self.post(SEND, &SendReply { id: req, message_id, status: "sent", acked, error: None });
    }

    fn message_failed(&mut self, req: &str, message_id: &str, text: &str) {
        let r = SendReply { id: req, message_id, status: "failed", acked: false, error: Some(ErrorBody { condition: "not-connected", text }) };
        self.post(SEND, &r);
    }

    /// A message went out as stream management's stanza number `n`, or
    /// (None) on a stream without it.
    pub fn track(&mut self, req: String, message_id: String, n: Option<u32>) {
        match n {
            Some(n) => self.tracked.push(Tracked { n, req, message_id }),
            None => {
                self.message_sent(&req, &message_id, false);
            }
        }
    }

    /// Stream management was refused after all: the messages waiting for
    /// its ack were handed to the stream, which is all that can be said.
    pub fn no_acks(&mut self) {
        for t in std::mem::take(&mut self.tracked) {
            self.message_sent(&t.req, &t.message_id, false);
        }
    }

    /// The server acknowledged our stanzas up to number `h`.
    pub fn acked(&mut self, h: u32) {
        for t in take_where(&mut self.tracked, |t| h.wrapping_sub(t.n) < 1 << 31) {
            self.message_sent(&t.req, &t.message_id, true);
        }
    }

    pub fn next_deadline(&self) -> Option<Millis> {
        let t = self.pending.iter().fold(None, |t, p| earlier(t, Some(p.deadline)));
        let t = self.queued.iter().fold(t, |t, q| earlier(t, Some(q.deadline)));
        self.rooms.iter().fold(t, |t, r| earlier(t, r.deadline))
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        for p in take_where(&mut self.pending, |p| p.deadline <= now) {
            match p.req {
                Some(req) => self.fail(p.ty, &req, "remote-server-timeout", "the server did not answer in time"),
                None => self.log("an IM request of the tunnel's own got no answer in time"),
            }
        }
        for q in take_where(&mut self.queued, |q| q.deadline <= now) {
            self.message_failed(&q.req, &q.message_id, "not connected: the tunnel could not send the message in time");
        }
        self.rooms_timeout(now);
    }

    /// An iq result or error: true when it answers one of ours.
    pub fn on_iq_reply(&mut self, now: Millis, el: Element<'_>) -> bool {
        let Some(at) = el.attr("id").and_then(|id| self.pending.iter().position(|p| p.iq == id)) else {
            return false;
        };
        // The reply must come from whom we asked (RFC 6120 §8.1.2.1).
        let asked = match &self.pending[at].what {
            What::History(h) => h.from.clone(),
            _ => self.own_bare().to_string(),
        };
        if !el.attr("from").map_or(asked == self.own_bare(), |f| jid::same_bare(f, &asked) && jid::resource(f).is_none()) {
            return false;
        }
        let p = self.pending.remove(at);
        self.answered(now, p, el);
        true
    }
}
