//! The transport under a connection — RFC 7395 WebSocket or BOSH — and the
//! endpoint candidates: the preferred transport's endpoints first, then the
//! other's, so that a server that is down moves us to the next one, and a
//! WebSocket that cannot be opened (a proxy refusing upgrades) falls back
//! to BOSH.

use super::{End, Millis, Output, Phase, Tunnel};
use crate::config::endpoint_url;
use crate::protocol::{Status, Transport};
use crate::transport::bosh::{Bosh, BoshEvent, BoshOut};
use crate::transport::websocket::{self, Frame};
use crate::xmpp::ns;

pub(super) enum Link {
    WebSocket {
        /// The socket said it is open.
        open: bool,
        /// We sent `<close/>` on it.
        close_sent: bool,
        /// The page sent the first stream header on it already, before
        /// the module had loaded (`adopt_early`): not sent again.
        header_sent: bool,
    },
    Bosh(Box<Bosh>),
}

impl Tunnel {
    /// Every (transport, URL) to try, in order. While a lost WebSocket
    /// session may still be resumed, only WebSocket endpoints.
    pub(super) fn candidates(&self) -> Vec<(Transport, String)> {
        let (ws, bosh) = (Transport::WebSocket, Transport::Bosh);
        let both = if self.settings.transport == bosh { [bosh, ws] } else { [ws, bosh] };
        // (Never filter the list empty: with no WebSocket endpoint at all,
        // there is nothing to keep to.)
        let has_websocket = self.cfg.websocket.as_ref().is_none_or(|l| !l.is_empty());
        let resuming = has_websocket && self.resume_until.is_some_and(|until| self.clock < until);
        let order: &[Transport] = if resuming { &[Transport::WebSocket] } else { &both };
        let mut list = Vec::new();
        for &t in order {
            let (entries, default) = match t {
                Transport::WebSocket => (&self.cfg.websocket, "/ws/"),
                Transport::Bosh => (&self.cfg.bosh, "/http-bind/"),
            };
            let defaults = [default.to_string()];
            let first = list.len();
            for e in entries.as_deref().unwrap_or(&defaults) {
                if let Some(url) = endpoint_url(&self.page_url, e, t) {
                    list.push((t, url));
                }
            }
            // The endpoint last lost goes after the others of its transport.
            if let Some(i) = list[first..].iter().position(|(_, u)| Some(u) == self.demoted.as_ref()) {
                let lost = list.remove(first + i);
                list.push(lost);
            }
        }
        list
    }

    /// A stanza or negotiation element on the current connection. Stanzas
    /// are counted for stream management, and an ack is asked for.
    pub(super) fn send(&mut self, data: String) {
        let stanza = ["<iq ", "<message ", "<presence "].iter().any(|p| data.starts_with(p));
        if stanza {
            self.sm.sent(&data);
        }
        self.send_raw(data);
        if stanza {
            if let Some(r) = self.sm.request_ack() {
                self.send_raw(r);
            }
        }
    }

    /// As it is: SM's own elements, stanzas being resent on resumption.
    pub(super) fn send_raw(&mut self, data: String) {
        let now = self.clock;
        if self.conn.is_none() {
            return;
        }
        self.trace_frame("SEND ", &data);
        let Some(c) = self.conn.as_mut() else { return };
        match &mut c.link {
            Link::WebSocket { .. } => self.out.push(Output::Send { conn: c.id, data }),
            Link::Bosh(bosh) => {
                bosh.send(now, data);
                self.pump_bosh();
            }
        }
    }

    /// The stream header: the first one (WebSocket `<open/>`, BOSH session
    /// creation) or a restart after SASL.
    pub(super) fn open_stream(&mut self) {
        let now = self.clock;
        let Some(c) = self.conn.as_mut() else { return };
        match &mut c.link {
            Link::WebSocket { header_sent, .. } => {
                let frame = websocket::open(&c.attempt.domain);
                if std::mem::take(header_sent) {
                    self.trace_frame("SEND (early socket) ", &frame);
                } else {
                    self.send(frame);
                }
            }
            Link::Bosh(bosh) => {
                let restart = bosh.is_started();
                if restart {
                    bosh.restart(now);
                } else {
                    bosh.start(now);
                }
                self.pump_bosh();
                if restart {
                    // No header comes back on BOSH: the stream is open again.
                    self.on_frame(now, Frame::Open);
                }
            }
        }
    }

    /// Ends the stream from our side, once per connection: `<close/>`
    /// (RFC 7395 §3.6, also in answer to the server's) or a BOSH terminate
    /// carrying whatever stanzas are still queued.
    pub(super) fn send_close(&mut self) {
        let now = self.clock;
        let Some(c) = self.conn.as_mut() else { return };
        match &mut c.link {
            Link::WebSocket { open, close_sent, .. } => {
                if *open && !*close_sent {
                    *close_sent = true;
                    self.out.push(Output::Send { conn: c.id, data: websocket::close() });
                }
            }
            Link::Bosh(bosh) => {
                bosh.terminate(now, &[]);
                self.pump_bosh();
            }
        }
    }

    /// The connection ends without our `<close/>` (to keep it resumable).
    pub(super) fn mark_closed(&mut self) {
        if let Some(Link::WebSocket { close_sent, .. }) = self.conn.as_mut().map(|c| &mut c.link) {
            *close_sent = true;
        }
    }

    /// BOSH: stanzas still queued are stale once the connection is being
    /// dropped (they were answered `not-connected`, or are SASL data).
    pub(super) fn discard_queued_stanzas(&mut self) {
        if let Some(Link::Bosh(b)) = self.conn.as_mut().map(|c| &mut c.link) {
            b.clear_queue();
        }
    }

    /// Whether the session may talk yet (a WebSocket must be open first).
    pub(super) fn link_ready(&self) -> bool {
        match self.conn.as_ref().map(|c| &c.link) {
            Some(Link::WebSocket { open, .. }) => *open,
            Some(Link::Bosh(_)) => true,
            None => false,
        }
    }

    /// Moves what BOSH wants on the network into the tunnel's outputs.
    pub(super) fn pump_bosh(&mut self) {
        let Some(c) = self.conn.as_mut() else { return };
        let Link::Bosh(bosh) = &mut c.link else { return };
        while let Some(o) = bosh.poll_output() {
            self.out.push(match o {
                BoshOut::Post { rid, body } => Output::Post { conn: c.id, rid, url: c.url.clone(), body },
                BoshOut::Abort { rid } => Output::Abort { conn: c.id, rid },
            });
        }
    }

    pub(super) fn bosh_timeout(&mut self, now: Millis) {
        let Some(Link::Bosh(bosh)) = self.conn.as_mut().map(|c| &mut c.link) else { return };
        let r = bosh.on_timeout(now);
        self.pump_bosh();
        if let Err(e) = r {
            self.bosh_failed(now, e);
        }
    }

    pub(super) fn bosh_deadline(&self) -> Option<Millis> {
        match self.conn.as_ref().map(|c| &c.link) {
            Some(Link::Bosh(bosh)) => bosh.poll_timeout(),
            _ => None,
        }
    }

    /// The outcome of a BOSH request: `status` 200 with its body, another
    /// HTTP status, or 0 when the network failed.
    pub fn handle_http(&mut self, now: Millis, conn: u32, rid: u64, status: u16, body: &str) {
        self.clock = now;
        if !self.current(conn) {
            return;
        }
        if status == 200 && body.len() <= self.cfg.max_stanza_bytes * crate::transport::bosh::BODY_FACTOR {
            self.trace_frame("RECV ", body);
        }
        let Some(Link::Bosh(bosh)) = self.conn.as_mut().map(|c| &mut c.link) else { return };
        let r = bosh.on_response(now, rid, status, body);
        self.pump_bosh();
        let events = match r {
            Ok(ev) => ev,
            Err(e) => return self.bosh_failed(now, e),
        };
        if status == 200 {
            self.pinger.activity(now, self.settings.ping_interval_ms);
        }
        for ev in &events {
            if !self.current(conn) {
                return; // an earlier event ended this connection
            }
            match ev {
                BoshEvent::StreamOpened => self.on_frame(now, Frame::Open),
                BoshEvent::Stanzas(doc) => {
                    for el in doc.root().elements() {
                        if !self.current(conn) {
                            return;
                        }
                        self.on_element(now, el);
                    }
                }
                BoshEvent::Terminated(doc) => {
                    let body = doc.root();
                    let condition = body.attr("condition");
                    if let (Some("see-other-uri"), Some(u)) = (condition, body.child_any_ns("uri")) {
                        return self.follow(now, super::connection::SeeOther::Uri(u.text()));
                    }
                    if let Some(err) = body.child("error", ns::STREAM) {
                        // A stream error relayed by the connection manager.
                        self.on_element(now, err);
                        if !self.current(conn) {
                            return;
                        }
                    }
                    return self.bosh_terminated(now, condition);
                }
            }
        }
        self.flush_session();
    }

    fn bosh_terminated(&mut self, now: Millis, condition: Option<&str>) {
        if matches!(self.phase, Phase::Closing { .. }) {
            return self.finish_close();
        }
        let cond = condition.unwrap_or("none");
        self.log_parts(&["the BOSH session ended (condition: ", cond, ")"]);
        let end = match cond {
            // The deployment must change before retrying can help.
            "host-unknown" | "improper-addressing" | "policy-violation" | "bad-request" => End::Stop(Status::Disconnected),
            _ => End::Retry,
        };
        self.end(now, end);
    }

    fn bosh_failed(&mut self, now: Millis, e: crate::transport::bosh::BoshError) {
        use crate::transport::bosh::BoshError;
        let why = match e {
            BoshError::Unreachable { .. } => "the BOSH endpoint stopped answering",
            BoshError::BadResponse(what) => what,
            BoshError::Xml(x) => x.as_str(),
        };
        self.log_parts(&["BOSH connection lost: ", why]);
        self.end(now, End::Retry);
    }
}
