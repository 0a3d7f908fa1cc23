//! BOSH (XEP-0124 with XEP-0206) as a sans-IO client: it says which bodies to
//! POST (each with its `rid`) and turns HTTP responses, processed strictly in
//! `rid` order whatever order they complete in, into stream events.
//!
//! Call order: `start`, then `send`/`restart`/`terminate` as the session
//! needs; feed every HTTP outcome to `on_response` (status 0 for a network
//! failure); drain `poll_output`; honour `poll_timeout` with `on_timeout`.

use crate::prelude::*;
use crate::xml::{self, Doc, Limits, XmlError};
use super::Millis;

pub const NS_HTTPBIND: &str = "http://jabber.org/protocol/httpbind";
pub const NS_XBOSH: &str = "urn:xmpp:xbosh";

/// What we ask of the connection manager.
const WAIT_S: u32 = 60;
const HOLD: u32 = 1;
/// A request not answered within wait + this is treated as lost.
const RESPONSE_MARGIN_MS: Millis = 15_000;
/// Sends of one request before the session counts as lost (XEP-0124 §14:
/// retry a bounded number of times), and the delays between them.
const MAX_SENDS: u32 = 4;
const RETRY_BASE_MS: Millis = 500;
/// A body may hold this many times the stanza size limit.
pub const BODY_FACTOR: usize = 4;
/// Empty polls on a server that holds no request (`hold='0'`) are spaced at
/// least this much, whatever `polling` says (or if it says nothing).
const MIN_POLL_MS: Millis = 1_000;

/// What to do on the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoshOut {
    Post { rid: u64, body: String },
    /// Give up waiting for this request (it is being sent again).
    Abort { rid: u64 },
}

/// What the responses mean for the stream.
#[derive(Debug, PartialEq)]
pub enum BoshEvent {
    /// Session created, or the stream restarted: a stream header.
    StreamOpened,
    /// A body with stanzas: each element child of its root is one.
    Stanzas(Doc),
    /// The session ended (`type='terminate'`, or the answer to ours): the
    /// body, with its `condition` and what it carries (`<uri/>` for
    /// `see-other-uri`, XEP-0124 §17.1; a stream error, XEP-0206).
    Terminated(Doc),
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BoshError {
    /// A request failed `MAX_SENDS` times (HTTP errors, network, timeouts).
    Unreachable { status: u16 },
    /// A response body we cannot use.
    BadResponse(&'static str),
    Xml(XmlError),
}

#[derive(Debug)]
struct InFlight {
    rid: u64,
    body: String,
    sends: u32,
    /// When to give up on this send (while in flight) or to send again.
    deadline: Millis,
    /// Waiting for `deadline` to send again, not on the network.
    backing_off: bool,
}

#[derive(Debug, PartialEq, Eq)]
enum State {
    Idle,
    Creating,
    Active,
    Terminating,
    Ended,
}

pub struct Bosh {
    domain: String,
    state: State,
    sid: Option<String>,
    /// The rid of the next new request.
    next_rid: u64,
    /// The rid whose response is processed next.
    next_process: u64,
    /// Server limits (XEP-0124 §7.1), known after session creation.
    requests: u32,
    hold: u32,
    wait_ms: Millis,
    polling_ms: Millis,
    last_poll: Option<Millis>,
    in_flight: Vec<InFlight>,
    /// Responses that arrived before an earlier one: (rid, body).
    parked: Vec<(u64, Doc)>,
    queue: Vec<String>,
    restart_wanted: bool,
    /// The rid of our terminate request, once sent.
    terminate_rid: Option<u64>,
    max_bytes: usize,
    out: Vec<BoshOut>,
}

impl Bosh {
    /// `first_rid`: random, well below 2⁵³ so that it never overflows there.
    pub fn new(domain: &str, first_rid: u64, max_bytes: usize) -> Bosh {
        let rid = (first_rid % (1u64 << 52)).max(1);
        Bosh {
            domain: domain.to_string(),
            state: State::Idle,
            sid: None,
            next_rid: rid,
            next_process: rid,
            requests: 1,
            hold: HOLD,
            wait_ms: WAIT_S as Millis * 1000,
            polling_ms: 0,
            last_poll: None,
            in_flight: Vec::new(),
            parked: Vec::new(),
            queue: Vec::new(),
            restart_wanted: false,
            terminate_rid: None,
            max_bytes,
            out: Vec::new(),
        }
    }

    pub fn poll_output(&mut self) -> Option<BoshOut> {
        if self.out.is_empty() {
            None
        } else {
            Some(self.out.remove(0))
        }
    }

    /// Session creation request (XEP-0206 §5).
    pub fn start(&mut self, now: Millis) {
        let mut w = xml::Writer::new();
        w.open("body")
            .attr("xmlns", NS_HTTPBIND)
            .attr("xmlns:xmpp", NS_XBOSH)
            .attr("content", "text/xml; charset=utf-8")
            .attr("to", &self.domain)
            .attr("xml:lang", "en")
            .attr("ver", "1.6")
            .attr("xmpp:version", "1.0")
            .attr("wait", &WAIT_S.to_string())
            .attr("hold", &HOLD.to_string())
            .attr("ack", "1");
        let rid = self.next_rid;
        w.attr("rid", &rid.to_string());
        self.state = State::Creating;
        self.post(now, w.finish());
    }

    /// Queues a stanza for the next request.
    pub fn send(&mut self, now: Millis, stanza: String) {
        self.queue.push(stanza);
        self.flush(now);
    }

    /// Stream restart after SASL (XEP-0206 §5). BOSH has no stream header
    /// to wait for: the restarted stream's features come on whichever
    /// request the server holds, so the caller treats the stream as open
    /// again at once.
    pub fn restart(&mut self, now: Millis) {
        self.restart_wanted = true;
        self.flush(now);
    }

    /// Ends the session, carrying these last stanzas (unavailable presence).
    pub fn terminate(&mut self, now: Millis, stanzas: &[String]) {
        if self.state != State::Active {
            self.state = State::Ended;
            return;
        }
        let mut w = self.body_head(Some("terminate"));
        for s in self.queue.iter().chain(stanzas) {
            w.xml(s);
        }
        self.queue.clear();
        let body = w.finish();
        self.state = State::Terminating;
        self.terminate_rid = Some(self.next_rid);
        self.post(now, body);
    }

    pub fn is_active(&self) -> bool {
        self.state == State::Active
    }

    /// Drops stanzas not yet sent.
    pub fn clear_queue(&mut self) {
        self.queue.clear();
    }

    /// Session creation has been asked for.
    pub fn is_started(&self) -> bool {
        self.state != State::Idle
    }

    pub fn poll_timeout(&self) -> Option<Millis> {
        let poll = if self.polling_due() { self.last_poll.map(|t| t + self.polling_ms.max(MIN_POLL_MS)) } else { None };
        self.in_flight.iter().fold(poll, |t, f| earlier(t, Some(f.deadline)))
    }

    fn polling_due(&self) -> bool {
        self.state == State::Active && self.in_flight.is_empty() && self.hold == 0
    }

    pub fn on_timeout(&mut self, now: Millis) -> Result<(), BoshError> {
        // By index: `resend` changes entries in place (deadlines move past
        // `now`), never the list.
        for i in 0..self.in_flight.len() {
            let Some(&InFlight { rid, deadline, backing_off, .. }) = self.in_flight.get(i) else { break };
            if deadline > now {
                continue;
            }
            if !backing_off {
                // No answer in wait + margin: lost on the way; send it again.
                self.out.push(BoshOut::Abort { rid });
            }
            self.resend(now, rid, 0)?;
        }
        self.flush(now);
        Ok(())
    }

    /// An HTTP outcome for `rid`: status 200 with its body, any other
    /// status, or 0 for a network failure.
    pub fn on_response(&mut self, now: Millis, rid: u64, status: u16, body: &str) -> Result<Vec<BoshEvent>, BoshError> {
        // A request waiting to be sent again (after a `report`) may still
        // get its real answer: a 200 is taken. Failures of earlier sends
        // are stale.
        let known = self.in_flight.iter().any(|f| f.rid == rid && (!f.backing_off || status == 200));
        if !known {
            return Ok(Vec::new()); // aborted, or already answered
        }
        if status != 200 {
            // XEP-0124 §14: a network or HTTP failure; the same request
            // (same rid) goes again, a bounded number of times.
            self.resend(now, rid, status)?;
            return Ok(Vec::new());
        }
        // A body may carry several stanzas: it gets a larger budget.
        let limits = Limits { max_bytes: self.max_bytes.saturating_mul(BODY_FACTOR), ..Limits::SERVER };
        let doc = xml::parse(body, &limits).map_err(BoshError::Xml)?;
        let el = doc.root();
        if !el.is("body", NS_HTTPBIND) {
            return Err(BoshError::BadResponse("a response that is not a BOSH <body/>"));
        }
        self.in_flight.retain(|f| f.rid != rid);
        if let Some(report) = el.attr("report").and_then(|n| n.parse::<u64>().ok()) {
            // §9.3: the server says our request `report` needs sending again.
            if self.in_flight.iter().any(|f| f.rid == report) {
                self.resend(now, report, 0)?;
            }
        }
        self.parked.push((rid, doc));
        let mut events = Vec::new();
        while let Some(i) = self.parked.iter().position(|(r, _)| *r == self.next_process) {
            let (rid, doc) = self.parked.remove(i);
            self.next_process += 1;
            self.process(now, rid, doc, &mut events)?;
            if self.state == State::Ended {
                return Ok(events);
            }
        }
        self.flush(now);
        Ok(events)
    }

    fn process(&mut self, now: Millis, rid: u64, doc: Doc, events: &mut Vec<BoshEvent>) -> Result<(), BoshError> {
        let body = doc.root();
        let terminated = body.attr("type") == Some("terminate") || self.terminate_rid == Some(rid);
        if terminated {
            self.state = State::Ended;
            self.in_flight.clear();
        } else if self.state == State::Creating {
            let sid = body.attr("sid").ok_or(BoshError::BadResponse("a session response without sid"))?;
            self.sid = Some(sid.to_string());
            let secs = |name: &str| body.attr(name).and_then(|n| n.parse::<u64>().ok());
            self.requests = secs("requests").map_or(2, |r| r.clamp(1, 16) as u32);
            self.hold = secs("hold").map_or(HOLD, |h| h.min(16) as u32);
            self.wait_ms = secs("wait").map_or(self.wait_ms, |w| w.clamp(1, 3600) * 1000);
            self.polling_ms = secs("polling").map_or(0, |p| p.min(3600) * 1000);
            self.state = State::Active;
            self.last_poll = Some(now);
            events.push(BoshEvent::StreamOpened);
        }
        // A terminating body's stanzas are not relayed.
        if terminated {
            events.push(BoshEvent::Terminated(doc));
        } else if body.has_elements() {
            events.push(BoshEvent::Stanzas(doc));
        }
        Ok(())
    }

    /// Sends a request when there is something to say and a free slot, and
    /// keeps one request waiting at the server so it can push to us.
    fn flush(&mut self, now: Millis) {
        if self.state != State::Active {
            return;
        }
        let on_wire = self.in_flight.len() as u32;
        let has_data = !self.queue.is_empty() || self.restart_wanted;
        let free = on_wire < self.requests.max(1);
        if has_data && free {
            let restart = std::mem::take(&mut self.restart_wanted);
            let mut w = self.body_head(None);
            if restart {
                w.attr("xmlns:xmpp", NS_XBOSH).attr("xmpp:restart", "true").attr("to", &self.domain).attr("xml:lang", "en");
                // Stanzas never ride on a restart body (XEP-0206 §5).
            } else {
                for s in &self.queue {
                    w.xml(s);
                }
                self.queue.clear();
            }
            let body = w.finish();
            self.post(now, body);
            return self.flush(now);
        }
        if on_wire == 0 && !has_data {
            // An empty request, so the server can push; polling servers
            // (hold 0) get one no more often than `polling`.
            if self.hold == 0 && self.last_poll.is_some_and(|t| now < t + self.polling_ms.max(MIN_POLL_MS)) {
                return;
            }
            self.last_poll = Some(now);
            let body = self.body_head(None).finish();
            self.post(now, body);
        }
    }

    /// `<body xmlns rid sid [ack] [type]`, open for more attributes or content.
    fn body_head(&mut self, kind: Option<&str>) -> xml::Writer {
        let mut w = xml::Writer::new();
        w.open("body").attr("xmlns", NS_HTTPBIND).attr("rid", &self.next_rid.to_string());
        w.attr("sid", self.sid.as_deref().unwrap_or(""));
        // §9.2: tell the server which response we processed last when an
        // earlier one is still outstanding.
        let acked = self.next_process - 1;
        if acked + 1 < self.next_rid {
            w.attr("ack", &acked.to_string());
        }
        if let Some(k) = kind {
            w.attr("type", k);
        }
        w
    }

    fn post(&mut self, now: Millis, body: String) {
        let rid = self.next_rid;
        self.next_rid += 1;
        let deadline = now + self.wait_ms + RESPONSE_MARGIN_MS;
        self.out.push(BoshOut::Post { rid, body: body.clone() });
        self.in_flight.push(InFlight { rid, body, sends: 1, deadline, backing_off: false });
    }

    /// The same request again (same rid), after a short delay on repeated
    /// failures; `Unreachable` once it has failed `MAX_SENDS` times.
    fn resend(&mut self, now: Millis, rid: u64, status: u16) -> Result<(), BoshError> {
        let wait = self.wait_ms;
        let Some(f) = self.in_flight.iter_mut().find(|f| f.rid == rid) else { return Ok(()) };
        if f.backing_off {
            f.backing_off = false;
            f.sends += 1;
            f.deadline = now + wait + RESPONSE_MARGIN_MS;
            self.out.push(BoshOut::Post { rid, body: f.body.clone() });
            return Ok(());
        }
        if f.sends >= MAX_SENDS {
            self.state = State::Ended;
            return Err(BoshError::Unreachable { status });
        }
        f.backing_off = true;
        f.deadline = now + (RETRY_BASE_MS << (f.sends - 1));
        Ok(())
    }
}
