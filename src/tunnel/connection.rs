//! A connection's life up to ready: choosing the endpoint, opening the
//! socket, feeding frames to the session, pings, and the step to `connected`
//! (renewing earlier subscriptions first).

use super::link::Link;
use super::ping::PingAction;
use super::{Attempt, Conn, End, Millis, Output, Phase, Tunnel};
use crate::protocol::{Status, Transport};
use crate::transport::bosh::Bosh;
use crate::transport::websocket::{self, Frame};
use crate::xml::Element;
use crate::xmpp::jid;
use crate::xmpp::sasl::SaslError;
use crate::xmpp::session::{Login, Session, SessionError, SessionOut, Step};

impl Tunnel {
    /// Starts a new connection, dropping any current one. `connecting` is
    /// reported for a first login, not for each attempt while reconnecting.
    pub(super) fn connect(&mut self, now: Millis, attempt: Attempt) {
        self.clock = now;
        self.drop_conn();
        let candidates = self.candidates();
        if candidates.is_empty() {
            self.log("no usable endpoint (check \"websocket\" and \"bosh\" in config.json)");
            return self.stop(Status::Disconnected);
        }
        let (transport, url, endpoint) = match self.redirect.take() {
            Some(r) => (r.transport, r.url, r.endpoint),
            None => {
                let (t, u) = candidates[self.endpoint % candidates.len()].clone();
                (t, u.clone(), u)
            }
        };
        // After a loss, try to resume the session (within the server's
        // window, over WebSocket: stream management is not used on BOSH,
        // which has its own retransmission); anything else is a new session.
        let resume = if self.reconnecting && transport == Transport::WebSocket { self.resumable(now) } else { None };
        if resume.is_none() {
            self.sm.reset();
            self.abandon_session();
        }
        let mut random = [0u8; 18];
        (self.entropy)(&mut random);
        self.requests.set_prefix(&random[..4]);
        self.im_prefix();
        let first_rid = u64::from_le_bytes([random[4], random[5], random[6], random[7], random[8], random[9], 0, 0]);
        (self.entropy)(&mut random);
        let login = Login {
            domain: attempt.domain.clone(),
            user: attempt.id.clone(),
            password: attempt.password.clone(),
            // Where the deployment pointed us, not where a redirect led: a
            // redirect to a `wss:` host of an attacker's choosing must not
            // earn it the password in clear.
            allow_plain: is_secure(&endpoint) || self.cfg.allow_insecure_plain,
            nonce: random.to_vec(),
            derive_elsewhere: self.derive_elsewhere,
            nfkc: self.unicode.nfkc,
            min_iterations: self.cfg.min_scram_iterations,
        };
        let link = match transport {
            Transport::WebSocket => Link::WebSocket { open: false, close_sent: false, header_sent: false },
            Transport::Bosh => Link::Bosh(Box::new(Bosh::new(&attempt.domain, first_rid, self.cfg.max_stanza_bytes))),
        };
        self.conn_seq += 1;
        let id = self.conn_seq;
        self.conn = Some(Conn {
            id,
            session: Session::new(login, self.settings.resource.clone(), resume),
            attempt,
            jid: None,
            url: url.clone(),
            endpoint,
            link,
            deadline: now + self.cfg.connect_timeout_ms as Millis,
            resume_deadline: None,
        });
        self.phase = Phase::Connecting;
        self.bound_resource = None;
        self.log_parts(&["connecting to ", &url]);
        if !self.reconnecting {
            self.status(Status::Connecting);
        }
        match transport {
            Transport::WebSocket => self.out.push(Output::Open { conn: id, url }),
            // BOSH needs no socket: the session creation request goes now.
            Transport::Bosh => self.flush_session(),
        }
    }

    fn resumable(&self, now: Millis) -> Option<crate::xmpp::sm::Resume> {
        let r = self.sm.resume()?;
        match (self.sm.max_resume_s(), self.lost_at) {
            (Some(max), Some(lost)) if now.saturating_sub(lost) >= max as Millis * 1000 => None,
            _ => Some(r),
        }
    }

    /// The transport of the current connection.
    pub(super) fn conn_transport(&self) -> Option<Transport> {
        self.conn.as_ref().map(|c| match c.link {
            Link::WebSocket { .. } => Transport::WebSocket,
            Link::Bosh(_) => Transport::Bosh,
        })
    }

    pub(super) fn current(&self, conn: u32) -> bool {
        self.conn.as_ref().is_some_and(|c| c.id == conn)
    }

    /// The WebSocket opened; `protocol` is the subprotocol the server chose.
    pub fn handle_open(&mut self, now: Millis, conn: u32, protocol: &str) {
        self.clock = now;
        if !self.current(conn) {
            return;
        }
        if protocol != websocket::PROTOCOL {
            self.log("the server did not select the 'xmpp' WebSocket subprotocol (RFC 7395)");
            return self.end(now, End::Retry);
        }
        if let Some(Link::WebSocket { open, .. }) = self.conn.as_mut().map(|c| &mut c.link) {
            *open = true;
        }
        self.flush_session();
    }

    /// Whether a socket the page opened before the module loaded (to `url`,
    /// with `sent` already sent on it) can serve connection `conn`, which
    /// must not be open yet: the same URL, and no header or the very one
    /// this connection opens with. When it can, the header counts as sent
    /// (`open_stream` skips it once). The caller then reports the socket's
    /// open and what the server sent on it, as for any socket.
    pub fn adopt_early(&mut self, conn: u32, url: &str, sent: Option<&str>) -> bool {
        let Some(c) = self.conn.as_mut().filter(|c| c.id == conn && c.url == url) else { return false };
        let Link::WebSocket { open: false, header_sent, .. } = &mut c.link else { return false };
        match sent {
            None => true,
            Some(h) if h == websocket::open(&c.attempt.domain) => {
                *header_sent = true;
                true
            }
            Some(_) => false,
        }
    }

    /// One WebSocket text message.
    pub fn handle_message(&mut self, now: Millis, conn: u32, text: &str) {
        self.clock = now;
        if !self.current(conn) {
            return;
        }
        if text.len() <= self.cfg.max_stanza_bytes {
            self.trace_frame("RECV ", text);
        }
        self.pinger.activity(now, self.settings.ping_interval_ms);
        let frame = match websocket::decode(text, self.cfg.max_stanza_bytes) {
            Ok(f) => f,
            Err(e) => return self.bad_frame(now, e),
        };
        self.on_frame(now, frame);
        self.flush_session();
    }

    /// What `Output::Derive { conn }` asks for, while it still waits.
    pub fn derivation(&self, conn: u32) -> Option<crate::xmpp::sasl::Derivation<'_>> {
        if !self.current(conn) {
            return None;
        }
        self.conn.as_ref()?.session.derivation()
    }

    /// The answer to `derivation(conn)`; anything not of its length (empty:
    /// the shell could not compute it) and the core computes it, where it
    /// has the hashes (the tunnel module has not: the login fails, retried).
    pub fn handle_derived(&mut self, now: Millis, conn: u32, answer: &[u8]) {
        self.clock = now;
        if !self.current(conn) {
            return;
        }
        let Some(r) = self.conn.as_mut().map(|c| c.session.derived(answer)) else { return };
        match r {
            Ok(()) => self.flush_session(),
            Err(e) => self.session_failed(now, e),
        }
    }

    /// A stream header, close or element from either transport.
    pub(super) fn on_frame(&mut self, now: Millis, frame: Frame) {
        match frame {
            Frame::Open => {
                let r = self.conn.as_mut().map(|c| c.session.stream_opened());
                if let Some(Err(e)) = r {
                    self.session_failed(now, e);
                }
            }
            Frame::Close { see_other_uri } => self.server_closed(now, see_other_uri),
            Frame::Element(doc) => self.on_element(now, doc.root()),
        }
    }

    /// A top-level element from either transport.
    pub(super) fn on_element(&mut self, now: Millis, el: Element) {
        let wait = self.settings.request_timeout_ms as Millis;
        let step = match self.conn.as_mut() {
            Some(c) => {
                let step = c.session.element(el);
                c.resume_deadline = if c.session.is_resuming() { Some(c.resume_deadline.unwrap_or(now + wait)) } else { None };
                step
            }
            None => return,
        };
        match step {
            Ok(Step::Nothing) => {}
            Ok(Step::Ready { jid }) => self.on_ready(now, jid),
            Ok(Step::Resumed { h }) => self.on_resumed(now, h),
            Ok(Step::ResumeFailed) => {
                self.log("the server could not resume the session: starting a new one");
                self.sm.reset();
                self.abandon_session();
            }
            Ok(Step::Stanza(st)) => {
                // Stream management sees every element first.
                let (reply, own) = self.sm.received(st);
                if let Some(a) = reply {
                    self.send_raw(a);
                }
                if own {
                    self.im_sm();
                }
                if !own {
                    self.on_stanza(now, st);
                }
            }
            Err(e) => self.session_failed(now, e),
        }
    }

    /// A message the shell measured as over `max_stanza_bytes` and did not
    /// copy (each UTF-16 unit is at least one byte).
    pub fn handle_oversized(&mut self, now: Millis, conn: u32) {
        self.clock = now;
        if self.current(conn) {
            self.bad_frame(now, crate::xml::XmlError::TooLarge);
        }
    }

    fn bad_frame(&mut self, now: Millis, e: crate::xml::XmlError) {
        self.log_parts(&["closing the connection: the server sent ", e.as_str()]);
        self.end(now, End::Retry);
    }

    /// The socket closed or failed.
    pub fn handle_closed(&mut self, now: Millis, conn: u32, code: u16) {
        self.clock = now;
        if !self.current(conn) {
            return;
        }
        if matches!(self.phase, Phase::Closing { .. }) {
            return self.finish_close();
        }
        self.log(&format!("connection lost (WebSocket close code {code})"));
        self.end(now, End::Retry);
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        self.clock = now;
        self.bosh_timeout(now);
        if let Some(c) = &self.conn {
            if c.jid.is_none() && now >= c.deadline {
                self.log("timed out while connecting");
                return self.end(now, End::Retry);
            }
            if c.resume_deadline.is_some_and(|d| now >= d) {
                // Better a new session now (and a gap) than a wait on a
                // peer that may never answer: on the same endpoint.
                let attempt = c.attempt.clone();
                self.log("the server did not answer the resumption in time: starting a new session");
                self.sm.reset();
                self.abandon_session();
                return self.connect(now, attempt);
            }
        }
        if let Phase::Waiting { until } = self.phase {
            if now >= until {
                if let Some(a) = self.last_attempt.clone() {
                    self.connect(now, a);
                }
            }
        }
        let s = &self.settings;
        match self.pinger.on_timeout(now, s.ping_interval_ms, s.request_timeout_ms, s.ping_max_retry) {
            PingAction::Nothing => {}
            PingAction::Send(id) => {
                let domain = self.conn.as_ref().map(|c| c.attempt.domain.clone()).unwrap_or_default();
                self.send(ping(&id, &domain));
            }
            PingAction::Dead => {
                self.log("the server stopped answering pings: the connection is dead");
                return self.end(now, End::Retry);
            }
        }
        self.im_timeout(now);
        self.timeout_closing(now);
    }

    fn session_failed(&mut self, now: Millis, e: SessionError) {
        self.log(&describe(&e));
        if let SessionError::Stream { condition, text } = &e {
            if condition == "see-other-host" {
                return self.follow(now, SeeOther::Host(text.trim_ascii()));
            }
        }
        let end = match &e {
            e if e.is_auth() => End::Stop(Status::Unauthorized),
            SessionError::Stream { condition, .. } => match condition.as_str() {
                "conflict" => End::Stop(Status::Conflict),
                // Retrying cannot help: the deployment must change.
                "policy-violation" | "host-unknown" | "host-gone" => End::Stop(Status::Disconnected),
                // The server is going away: the next endpoint, now.
                "system-shutdown" | "reset" => End::MoveOn,
                _ => End::Retry,
            },
            SessionError::NoMechanism | SessionError::Bind(_) => End::Stop(Status::Disconnected),
            _ => End::Retry,
        };
        self.end(now, end);
    }

    fn on_ready(&mut self, now: Millis, full_jid: String) {
        self.bound_resource = jid::resource(&full_jid).map(str::to_string);
        let mech = self.conn.as_ref().and_then(|c| c.session.mechanism()).map_or("?", |m| m.name());
        self.log_parts(&["logged in as ", &full_jid, " (", mech, ")"]);
        let sm_offered = self.conn.as_ref().is_some_and(|c| c.session.sm_offered());
        let had_session = self.last_jid.replace(full_jid.clone()).is_some();
        if let Some(c) = self.conn.as_mut() {
            c.jid = Some(full_jid);
        }
        // A new session after a lost one: whatever was published meanwhile
        // is gone (not after a first login that needed retries).
        if self.reconnecting && had_session {
            self.gap = true;
        }
        if self.sm.resume().is_some() {
            // We could have resumed, but this server offered no stream
            // management: the old session and its requests are gone.
            self.sm.reset();
            self.abandon_session();
        }
        self.backoff.ready(now);
        self.pinger.start(now, self.settings.ping_interval_ms);
        if sm_offered && self.conn_transport() == Some(Transport::WebSocket) {
            // Before anything else, so that every stanza is counted.
            let enable = self.sm.enable();
            self.send_raw(enable);
        }
        self.im_ready(now, true);
        // Initial presence: servers route pubsub notifications only to
        // available resources. (With IM, the one the parent set.)
        let initial = self.initial_presence();
        self.send(initial);
        self.im_rejoin();
        if self.resubscribe(now) {
            self.phase = Phase::Resubscribing;
        } else {
            self.now_connected(now);
        }
    }

    /// XEP-0198 `<resumed/>`: the same session, nothing lost, nothing to
    /// subscribe again; only our unacknowledged stanzas go out again.
    fn on_resumed(&mut self, now: Millis, h: Option<u32>) {
        let Some(again) = h.and_then(|h| self.sm.resumed(h)) else {
            // XEP-0198 handled-count-too-high (or none): this resumption
            // cannot be trusted; start a new session.
            self.log("the server resumed with an impossible count: starting a new session");
            self.sm.reset();
            self.abandon_session();
            return self.end(now, End::Retry);
        };
        self.log("resumed the session (XEP-0198): no event lost");
        let jid = self.last_jid.clone();
        self.bound_resource = jid.as_deref().and_then(jid::resource).map(str::to_string);
        if let Some(c) = self.conn.as_mut() {
            c.jid = jid;
        }
        for s in again {
            self.send_raw(s);
        }
        self.im_sm();
        self.im_ready(now, false);
        if let Some(r) = self.sm.request_ack() {
            self.send_raw(r);
        }
        self.backoff.ready(now);
        self.pinger.start(now, self.settings.ping_interval_ms);
        self.now_connected(now);
    }

    pub(super) fn now_connected(&mut self, now: Millis) {
        self.phase = Phase::Connected;
        self.reconnecting = false;
        self.redirects = 0;
        self.resume_until = None;
        self.lost_at = None;
        self.moved_on = false;
        // The next loss starts from the top of the list again (bar the
        // endpoint it loses, `demoted` then).
        self.endpoint = 0;
        self.status(Status::Connected);
        if std::mem::take(&mut self.gap) {
            // Extension 101: the parent should refresh what it shows.
            self.post_parent(crate::protocol::extension::gap("the connection was lost and could not be resumed"));
        }
        self.send_queued(now);
        // Our own requests that waited while we were away (a resumed
        // session keeps them).
        self.pump_backlog(now);
    }

    /// Hands what the session wants to the transport.
    pub(super) fn flush_session(&mut self) {
        if !self.link_ready() {
            return;
        }
        while let Some(o) = self.conn.as_mut().and_then(|c| c.session.poll_output()) {
            match o {
                SessionOut::OpenStream => self.open_stream(),
                SessionOut::Send(s) => self.send(s),
                SessionOut::Derive => {
                    if let Some(conn) = self.conn.as_ref().map(|c| c.id) {
                        self.out.push(Output::Derive { conn });
                    }
                }
            }
        }
    }
}

/// Where a server redirects us.
pub(super) enum SeeOther<'a> {
    /// RFC 7395 `<close see-other-uri/>`, BOSH `see-other-uri`: a full URL.
    Uri(&'a str),
    /// RFC 6120 `see-other-host`: a host (and port) for the same kind of URL.
    Host(&'a str),
}

impl Tunnel {
    /// Follows a redirect at once — never to a weaker scheme (wss→ws,
    /// https→http) nor to another transport, never to another host when it
    /// came over an unencrypted connection (anyone on the path can write
    /// one), and at most 3 in a row.
    pub(super) fn follow(&mut self, now: Millis, to: SeeOther) {
        const MAX_REDIRECTS: u32 = 3;
        let (Some(transport), Some(c)) = (self.conn_transport(), self.conn.as_ref()) else {
            return;
        };
        let (current, endpoint) = (c.url.clone(), c.endpoint.clone());
        let target = match to {
            SeeOther::Uri(u) => Some(u.to_string()),
            SeeOther::Host(h) => with_host(&current, h),
        };
        let secure = is_secure(&current);
        let allowed = |u: &str| match transport {
            Transport::WebSocket => u.starts_with("wss://") || (!secure && u.starts_with("ws://")),
            Transport::Bosh => u.starts_with("https://") || (!secure && u.starts_with("http://")),
        };
        let refused = match &target {
            None => Some("a bad address"),
            Some(u) if !allowed(u) || u.contains(['\'', '"', '<', '>', ' ']) => Some("a weaker scheme or a bad address"),
            Some(u) if !secure && host(u).is_none_or(|h| Some(h) != host(&current)) => {
                Some("another host, received over an unencrypted connection")
            }
            Some(_) if self.redirects >= MAX_REDIRECTS => Some("too many in a row"),
            Some(_) => None,
        };
        match (target, refused) {
            (Some(u), None) => {
                self.redirects += 1;
                if self.conn.as_ref().is_some_and(|c| c.jid.is_some()) && !self.reconnecting {
                    // Moved while connected: a new session elsewhere.
                    self.reconnecting = true;
                    self.status(Status::Reconnecting);
                }
                self.log_parts(&["the server redirects us to ", &u]);
                self.redirect = Some(super::Redirect { transport, url: u, endpoint });
                if let Some(a) = self.conn.as_ref().map(|c| c.attempt.clone()) {
                    // A redirect is not a failure: no backoff, state kept.
                    self.connect(now, a);
                }
            }
            (_, why) => {
                self.log_parts(&["ignored a redirect (", why.unwrap_or("a bad address"), ")"]);
                self.end(now, End::Retry);
            }
        }
    }
}

/// `wss:` or `https:`.
fn is_secure(url: &str) -> bool {
    url.starts_with("wss:") || url.starts_with("https:")
}

/// The host of an absolute URL, lower-cased, without the port; None when
/// it has no valid one (user info, say).
fn host(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    crate::config::host_of(crate::config::authority(rest)).map(str::to_ascii_lowercase)
}

/// `current` with its host (and port) replaced by `host`.
fn with_host(current: &str, host: &str) -> Option<String> {
    let (scheme, rest) = current.split_once("://")?;
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    if host.is_empty() || host.contains(['/', '@', '?', '#']) {
        return None;
    }
    Some([scheme, "://", host, path].concat())
}

/// `<presence/>`, or with a type (`unavailable`).
pub(super) fn presence(kind: Option<&str>) -> String {
    let mut w = crate::xml::Writer::new();
    w.open("presence").attr("xmlns", crate::xmpp::ns::CLIENT);
    if let Some(k) = kind {
        w.attr("type", k);
    }
    w.finish()
}

fn ping(id: &str, to: &str) -> String {
    let mut w = crate::xmpp::stanza::iq("get", id, Some(to));
    w.open("ping").attr("xmlns", crate::xmpp::ns::PING);
    w.finish()
}

/// A LOGGING line for a session failure; never includes SASL data.
fn describe(e: &SessionError) -> String {
    match e {
        SessionError::NoMechanism => "the server offers no SASL mechanism this tunnel may use".into(),
        SessionError::Sasl(SaslError::DerivationFailed) => {
            "the page could not compute SCRAM's proof (WebCrypto failed or is missing, and scram.wasm did not load)".into()
        }
        SessionError::Sasl(SaslError::ProhibitedPasswordChar) => {
            "the password holds characters SASLprep (RFC 4013) prohibits: SCRAM cannot use it".into()
        }
        SessionError::Sasl(SaslError::EmptyPassword) => "the password is empty".into(),
        SessionError::Sasl(SaslError::TooFewIterations(n)) => format!(
            "the server asked for {n} SCRAM iterations, fewer than the {} allowed (RFC 7677; \"minScramIterations\" in config.json lowers it for a test server): not logging in",
            crate::xmpp::sasl::MIN_ITERATIONS
        ),
        SessionError::Sasl(SaslError::InvalidUsername) => "the ID cannot be a SASL user name".into(),
        SessionError::Sasl(SaslError::NoNormalization) => {
            "the password needs Unicode normalization (SASLprep's NFKC), which this build does not have".into()
        }
        SessionError::Sasl(_) => "SASL authentication failed on our side (bad server data or signature)".into(),
        SessionError::AuthFailed(c) => ["authentication failed: ", c].concat(),
        SessionError::Bind(c) => ["resource binding failed: ", c].concat(),
        SessionError::Stream { condition, text } if text.is_empty() => ["stream error: ", condition].concat(),
        SessionError::Stream { condition, text } => ["stream error: ", condition, " (", text, ")"].concat(),
        SessionError::Unexpected(what) => ["protocol error: the server sent ", what].concat(),
    }
}
