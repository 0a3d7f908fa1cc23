//! A connection's life: open, negotiate, ready, and every way it ends
//! (failure, DISCONNECT_REQ, server close, timeout, page unload).

use super::{Attempt, Conn, Millis, Output, Phase, Tunnel};
use crate::config::websocket_url;
use crate::protocol::Status;
use crate::transport::websocket::{self, Frame};
use crate::xmpp::session::{Login, Session, SessionError, SessionOut, Step};
use crate::xmpp::jid;

/// How long we wait for the server's `<close/>` before closing the socket.
const CLOSE_WAIT_MS: Millis = 2_000;

impl Tunnel {
    /// Starts a new connection, dropping any current one.
    pub(super) fn connect(&mut self, now: Millis, attempt: Attempt) {
        self.drop_conn();
        let entry = self.cfg.websocket.first().map_or("/ws/", |s| s.as_str());
        let Some(url) = websocket_url(&self.page_url, entry) else {
            self.log("no usable WebSocket endpoint (check \"websocket\" in config.json)");
            return self.refuse(Status::Disconnected);
        };
        let mut nonce = [0u8; 18];
        (self.entropy)(&mut nonce);
        self.requests.set_prefix(&nonce[..4]);
        (self.entropy)(&mut nonce);
        let secure = url.starts_with("wss:");
        let login = Login {
            domain: attempt.domain.clone(),
            user: attempt.id.clone(),
            password: attempt.password.clone(),
            allow_plain: secure || self.cfg.allow_insecure_plain,
            nonce: nonce.to_vec(),
        };
        self.conn_seq += 1;
        let id = self.conn_seq;
        self.conn = Some(Conn {
            id,
            session: Session::new(login, self.settings.resource.clone()),
            attempt,
            jid: None,
            open: false,
            close_sent: false,
            deadline: now + self.cfg.connect_timeout_ms as Millis,
        });
        self.phase = Phase::Connecting;
        self.bound_resource = None;
        self.log(&["connecting to ", &url].concat());
        self.out.push_back(Output::Open { conn: id, url });
        self.status(Status::Connecting);
    }

    fn current(&self, conn: u32) -> bool {
        self.conn.as_ref().is_some_and(|c| c.id == conn)
    }

    /// The WebSocket opened; `protocol` is the subprotocol the server chose.
    pub fn handle_open(&mut self, now: Millis, conn: u32, protocol: &str) {
        if !self.current(conn) {
            return;
        }
        if protocol != websocket::PROTOCOL {
            self.log("the server did not select the 'xmpp' WebSocket subprotocol (RFC 7395)");
            return self.fail(now, Status::Disconnected);
        }
        if let Some(c) = self.conn.as_mut() {
            c.open = true;
        }
        self.flush_session();
    }

    /// One WebSocket text message.
    pub fn handle_message(&mut self, now: Millis, conn: u32, text: &str) {
        if !self.current(conn) {
            return;
        }
        if self.settings.trace && text.len() <= self.cfg.max_stanza_bytes {
            self.out.push_back(Output::Console(["RECV ", super::redact(text)].concat()));
        }
        let frame = match websocket::decode(text, self.cfg.max_stanza_bytes) {
            Ok(f) => f,
            Err(e) => return self.bad_frame(now, e),
        };
        match frame {
            Frame::Open => {
                let r = self.conn.as_mut().map(|c| c.session.stream_opened());
                if let Some(Err(e)) = r {
                    return self.session_failed(now, e);
                }
            }
            Frame::Close { see_other_uri } => {
                if matches!(self.phase, Phase::Closing { .. }) {
                    return self.finish_close();
                }
                if see_other_uri.is_some() {
                    self.log("the server redirected the stream (see-other-uri); redirects are not followed yet");
                }
                self.log("the server closed the stream");
                return self.fail(now, Status::Disconnected);
            }
            Frame::Element(el) => {
                let step = match self.conn.as_mut() {
                    Some(c) => c.session.element(el),
                    None => return,
                };
                match step {
                    Ok(Step::Nothing) => {}
                    Ok(Step::Ready { jid }) => self.on_ready(now, jid),
                    Ok(Step::Stanza(st)) => self.on_stanza(now, st),
                    Err(e) => return self.session_failed(now, e),
                }
            }
        }
        self.flush_session();
    }

    /// A message the shell measured as over `max_stanza_bytes` and did not
    /// copy (each UTF-16 unit is at least one byte).
    pub fn handle_oversized(&mut self, now: Millis, conn: u32) {
        if self.current(conn) {
            self.bad_frame(now, crate::xml::XmlError::TooLarge);
        }
    }

    fn bad_frame(&mut self, now: Millis, e: crate::xml::XmlError) {
        self.log(&["closing the connection: the server sent ", e.as_str()].concat());
        self.fail(now, Status::Disconnected);
    }

    /// The socket closed or failed.
    pub fn handle_closed(&mut self, now: Millis, conn: u32, code: u16) {
        if !self.current(conn) {
            return;
        }
        if matches!(self.phase, Phase::Closing { .. }) {
            return self.finish_close();
        }
        let mut line = String::from("connection lost (WebSocket close code ");
        line.push_str(&code.to_string());
        line.push(')');
        self.log(&line);
        self.fail(now, Status::Disconnected);
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        if let Some(c) = &self.conn {
            if c.jid.is_none() && now >= c.deadline {
                self.log("timed out while connecting");
                return self.fail(now, Status::Disconnected);
            }
        }
        // Expired final unsubscribes get their replies before the close.
        self.expire_requests(now);
        match self.phase {
            Phase::Closing { deadline } if now >= deadline => self.finish_close(),
            Phase::Unsubscribing { deadline } if now >= deadline => self.begin_close(now),
            _ => {}
        }
    }

    /// `pagehide`: the page is going away and nothing can be awaited, so
    /// unsubscribe and close in one go.
    pub fn handle_unload(&mut self, now: Millis) {
        self.status(Status::Unloading);
        if self.phase == Phase::Connected || self.phase == Phase::Resubscribing {
            self.send_final_unsubscribes(now);
            self.send(unavailable());
        }
        self.fail_queued();
        self.drop_conn();
        self.phase = Phase::Idle;
    }

    /// DISCONNECT_REQ (type 11): `unloading`, unsubscribe every node, close
    /// cleanly, `disconnected`; no automatic reconnect afterwards.
    pub(super) fn disconnect_req(&mut self, now: Millis) {
        if matches!(self.phase, Phase::Unsubscribing { .. } | Phase::Closing { .. }) {
            return; // Already on its way to `disconnected`.
        }
        self.status(Status::Unloading);
        // Forget the password: a new connection needs it sent again.
        self.settings.password = None;
        match self.phase {
            Phase::Connected | Phase::Resubscribing => {
                self.fail_queued();
                if self.send_final_unsubscribes(now) {
                    let deadline = now + self.settings.request_timeout_ms as Millis;
                    self.phase = Phase::Unsubscribing { deadline };
                } else {
                    self.begin_close(now);
                }
            }
            Phase::Connecting => {
                // Whatever the server still holds is cleaned up next session.
                self.subs.retire_all();
                self.fail(now, Status::Disconnected);
            }
            Phase::Unsubscribing { .. } | Phase::Closing { .. } => {}
            Phase::Idle => {
                self.subs.retire_all();
                self.status(Status::Disconnected);
            }
        }
    }

    /// All final unsubscribes answered (or timed out): close the stream.
    pub(super) fn begin_close(&mut self, now: Millis) {
        self.status(Status::Disconnecting);
        self.send(unavailable());
        self.send_close();
        self.phase = Phase::Closing { deadline: now + CLOSE_WAIT_MS };
    }

    /// Ends a DISCONNECT_REQ (also early, when new credentials arrive
    /// meanwhile: the parent still gets its `disconnected`).
    pub(super) fn finish_close(&mut self) {
        self.drop_conn();
        self.phase = Phase::Idle;
        self.status(Status::Disconnected);
    }

    fn session_failed(&mut self, now: Millis, e: SessionError) {
        let status = match &e {
            e if e.is_auth() => Status::Unauthorized,
            SessionError::Stream { condition, .. } if condition == "conflict" => Status::Conflict,
            _ => Status::Disconnected,
        };
        self.log(&describe(&e));
        if status == Status::Unauthorized {
            // Wrong credentials stay wrong: wait for the parent to send new ones.
            self.settings.password = None;
        }
        self.fail(now, status);
    }

    /// The connection is over without our asking: answer every request, tell
    /// the parent. (Automatic reconnect will hook in here.)
    pub(super) fn fail(&mut self, _now: Millis, status: Status) {
        self.refuse(status);
    }

    /// Ends any connection and answers every open request (also used to
    /// refuse invalid credentials or endpoints before connecting).
    pub(super) fn refuse(&mut self, status: Status) {
        self.drop_conn();
        self.phase = Phase::Idle;
        self.fail_queued();
        self.status(status);
    }

    /// `<close/>`, once per connection (RFC 7395 §3.6: also in answer to
    /// the server's, and before we drop a connection ourselves).
    fn send_close(&mut self) {
        if let Some(c) = self.conn.as_mut().filter(|c| c.open && !c.close_sent) {
            c.close_sent = true;
            self.send(websocket::close());
        }
    }

    /// Closes the connection; its unanswered requests are settled.
    fn drop_conn(&mut self) {
        self.send_close();
        if let Some(c) = self.conn.take() {
            self.out.push_back(Output::Close { conn: c.id });
            self.abandon_requests(c.id);
        }
    }

    fn on_ready(&mut self, now: Millis, full_jid: String) {
        self.bound_resource = jid::resource(&full_jid).map(str::to_string);
        let mech = self.conn.as_ref().and_then(|c| c.session.mechanism()).map_or("?", |m| m.name());
        self.log(&["logged in as ", &full_jid, " (", mech, ")"].concat());
        if let Some(c) = self.conn.as_mut() {
            c.jid = Some(full_jid);
        }
        // Initial presence: servers route pubsub notifications only to
        // available resources.
        self.send(presence_available());
        if self.resubscribe(now) {
            self.phase = Phase::Resubscribing;
        } else {
            self.now_connected(now);
        }
    }

    pub(super) fn now_connected(&mut self, now: Millis) {
        self.phase = Phase::Connected;
        self.status(Status::Connected);
        self.send_queued(now);
    }

    /// Turns what the session wants into frames.
    fn flush_session(&mut self) {
        let Some(c) = self.conn.as_mut() else { return };
        if !c.open {
            return;
        }
        let domain = c.attempt.domain.clone();
        while let Some(o) = self.conn.as_mut().and_then(|c| c.session.poll_output()) {
            match o {
                SessionOut::OpenStream => self.send(websocket::open(&domain)),
                SessionOut::Send(s) => self.send(s),
            }
        }
    }
}

fn presence_available() -> String {
    let mut w = crate::xml::Writer::new();
    w.open("presence").attr("xmlns", crate::xmpp::ns::CLIENT);
    w.finish()
}

fn unavailable() -> String {
    let mut w = crate::xml::Writer::new();
    w.open("presence").attr("xmlns", crate::xmpp::ns::CLIENT).attr("type", "unavailable");
    w.finish()
}

/// A LOGGING line for a session failure; never includes SASL data.
fn describe(e: &SessionError) -> String {
    match e {
        SessionError::NoMechanism => "the server offers no SASL mechanism this tunnel may use".into(),
        SessionError::Sasl(_) => "SASL authentication failed on our side (bad server data or signature)".into(),
        SessionError::AuthFailed(c) => ["authentication failed: ", c].concat(),
        SessionError::Bind(c) => ["resource binding failed: ", c].concat(),
        SessionError::Stream { condition, text } if text.is_empty() => ["stream error: ", condition].concat(),
        SessionError::Stream { condition, text } => ["stream error: ", condition, " (", text, ")"].concat(),
        SessionError::Unexpected(what) => ["protocol error: the server sent ", what].concat(),
    }
}

