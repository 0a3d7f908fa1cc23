//! Drives a whole `Tunnel` as the browser shell would: outputs drained after
//! every input, connections and BOSH requests tracked, the server's side of
//! a PLAIN login scripted over either transport. It checks what a shell
//! relies on: every frame and body sent is one well-formed element, sent on
//! the current connection; parent messages are `type|payload`; one input
//! queues output in proportion to its size; timers move on.

use xmpp_tunnel::config::Config;
use xmpp_tunnel::tunnel::{Millis, Output, Tunnel};
use super::UNLIMITED;
use xmpp_tunnel::transport::bosh::NS_HTTPBIND as HTTPBIND;
use xmpp_tunnel::xml::{self, Limits};

/// The tunnel page's URL the drivers give the core.
pub const PAGE: &str = "http://localhost:7071/tunnel/";
const OPEN: &str = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='d.example' id='s1' version='1.0'/>";
const FEATURES_PLAIN: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
    <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";
const FEATURES_BIND: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
    <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>\
    </stream:features>";
const SUCCESS: &str = "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";
const BIND_RESULT: &str = "<iq xmlns='jabber:client' type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
    <jid>agent1@d.example/desk</jid></bind></iq>";

/// Timer firings at one instant before the deadline counts as stuck.
const SAME_INSTANT_FIRINGS: u32 = 100;

pub struct Driver {
    pub t: Tunnel,
    pub now: Millis,
    /// The newest connection, and whether it is a WebSocket.
    pub conn: Option<u32>,
    pub ws: bool,
    /// The URL of the newest WebSocket.
    pub url: String,
    /// BOSH requests waiting for an answer: (conn, rid), oldest first.
    pub outstanding: Vec<(u32, u64)>,
    /// The id of the last stanza we sent (a reply can echo it).
    pub last_id: Option<String>,
    /// An `Output::Derive` waits for `handle_derived`.
    pub derive: Option<u32>,
    pub connected: bool,
    /// Bytes fed so far: what one input may queue grows with them (a
    /// BOSH response parked for a missing earlier one is handled later).
    fed: usize,
    /// Output allowed for the input being handled.
    budget: (usize, usize),
}

impl Driver {
    pub fn new(config: &str, derive_elsewhere: bool) -> Driver {
        let (cfg, problems) = Config::parse(config);
        let mut t = Tunnel::new(cfg, problems, PAGE, Box::new(|b: &mut [u8]| b.fill(7)));
        if derive_elsewhere {
            t.derive_elsewhere();
        }
        t.start(0);
        let mut d = Driver { t, now: 0, conn: None, ws: false, url: String::new(), outstanding: Vec::new(), last_id: None, derive: None, connected: false, fed: 0, budget: (0, 0) };
        d.budget(0);
        d
    }

    /// One input on connection `conn`, if there is one, its output drained.
    pub fn on(&mut self, conn: Option<u32>, input: impl FnOnce(&mut Tunnel, Millis, u32)) -> Result<(), String> {
        let Some(c) = conn else { return Ok(()) };
        self.budget(0);
        input(&mut self.t, self.now, c);
        self.drain()
    }

    /// One input on the current connection (see `on`).
    pub fn on_conn(&mut self, input: impl FnOnce(&mut Tunnel, Millis, u32)) -> Result<(), String> {
        self.on(self.conn, input)
    }

    /// Sets the output allowed for the next input, of `len` bytes.
    pub fn budget(&mut self, len: usize) {
        self.fed += len;
        self.budget = (256 + self.fed / 4, (64 << 10) + 8 * self.fed);
    }

    /// Every output so far, checked.
    pub fn drain(&mut self) -> Result<(), String> {
        let out = self.t.take_output();
        let bytes: usize = out.iter().map(|o| match o {
            Output::Parent(s) | Output::Console(s) => s.len(),
            Output::Send { data, .. } => data.len(),
            Output::Post { body, url, .. } => body.len() + url.len(),
            Output::Open { url, .. } => url.len(),
            _ => 0,
        }).sum();
        if out.len() > self.budget.0 || bytes > self.budget.1 {
            return Err(format!("one input queued {} outputs, {bytes} bytes: out of proportion to it", out.len()));
        }
        let mut forgotten = false;
        for o in out {
            // After `unauthorized` and DISCONNECT_REQ's `disconnected`, no
            // copy of the password may be left (issue 21).
            forgotten |= matches!(&o, Output::Parent(m) if m == "4|unauthorized");
            self.output(o)?;
        }
        if forgotten && self.t.holds_password() {
            return Err("the password outlived unauthorized".into());
        }
        Ok(())
    }

    fn output(&mut self, o: Output) -> Result<(), String> {
        match o {
            Output::Parent(m) => {
                let ty = m.split_once('|').map(|(t, _)| t);
                if !ty.is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())) {
                    return Err(format!("a parent message that is not type|payload\n{m:?}"));
                }
                if m == "4|connected" {
                    self.connected = true;
                }
            }
            Output::Open { conn, url } => {
                if self.conn.is_some_and(|c| conn <= c) {
                    return Err(format!("a connection id used again: {conn}"));
                }
                if !url.starts_with("ws://") && !url.starts_with("wss://") {
                    return Err(format!("a WebSocket opened on {url:?}"));
                }
                self.conn = Some(conn);
                self.ws = true;
                self.url = url;
                self.derive = None;
            }
            Output::Send { conn, data } => {
                if Some(conn) != self.conn || !self.ws {
                    return Err(format!("sent on connection {conn}, not the current one ({:?})\n{data:?}", self.conn));
                }
                let doc = xml::parse(&data, &Limits::SERVER).map_err(|e| format!("sent XML that does not parse ({e:?})\n{data:?}"))?;
                if let Some(id) = doc.root().attr("id") {
                    self.last_id = Some(id.to_string());
                }
            }
            Output::Post { conn, rid, url, body } => {
                if self.conn.is_some_and(|c| conn < c) {
                    return Err(format!("posted on connection {conn}, not the current one ({:?})", self.conn));
                }
                if !url.starts_with("http://") && !url.starts_with("https://") {
                    return Err(format!("a BOSH request to {url:?}"));
                }
                let doc = xml::parse(&body, &UNLIMITED).map_err(|e| format!("posted a body that does not parse ({e:?})\n{body:?}"))?;
                if let Some(id) = doc.root().elements().filter_map(|e| e.attr("id")).last() {
                    self.last_id = Some(id.to_string());
                }
                if self.conn != Some(conn) {
                    self.conn = Some(conn);
                    self.ws = false;
                    self.derive = None;
                    self.outstanding.clear();
                }
                if !self.outstanding.contains(&(conn, rid)) {
                    self.outstanding.push((conn, rid));
                }
            }
            Output::Abort { conn, rid } => self.outstanding.retain(|&r| r != (conn, rid)),
            Output::Close { conn } => self.outstanding.retain(|&(c, _)| c != conn),
            Output::Console(line) => {
                // A traced frame shows no SASL element but the offered
                // mechanisms (what the namespace may still appear on).
                let frame = line.strip_prefix("RECV ").or_else(|| line.strip_prefix("SEND "));
                let shown = frame.and_then(|f| xml::parse(f, &UNLIMITED).ok());
                if shown.is_some_and(|d| sasl_element(d.root())) {
                    return Err(format!("a SASL element in the trace\n{line:?}"));
                }
            }
            Output::Derive { conn } => self.derive = Some(conn),
        }
        Ok(())
    }

    pub fn parent(&mut self, msg: &str) -> Result<(), String> {
        self.budget(msg.len());
        self.t.handle_parent(self.now, msg);
        self.drain()
    }

    /// A server frame: a WebSocket message, or the content of the answer
    /// to the oldest BOSH request.
    pub fn frame(&mut self, frame: &str) -> Result<(), String> {
        let Some(conn) = self.conn else { return Ok(()) };
        if self.ws {
            self.budget(frame.len());
            self.t.handle_message(self.now, conn, frame);
            return self.drain();
        }
        match self.outstanding.first().copied() {
            Some((_, rid)) => self.http(rid, 200, &format!("<body xmlns='{HTTPBIND}'>{frame}</body>")),
            None => Ok(()),
        }
    }

    pub fn http(&mut self, rid: u64, status: u16, body: &str) -> Result<(), String> {
        let Some(conn) = self.conn else { return Ok(()) };
        self.budget(body.len());
        if status == 200 {
            self.outstanding.retain(|&r| r != (conn, rid));
        }
        self.t.handle_http(self.now, conn, rid, status, body);
        self.drain()
    }

    /// Honours every deadline up to `ms` on, as a punctual timer would.
    pub fn advance(&mut self, ms: Millis) -> Result<(), String> {
        let target = self.now + ms;
        let mut same = 0;
        loop {
            let Some(d) = self.t.poll_timeout().filter(|&d| d <= target) else {
                self.now = target;
                return Ok(());
            };
            same = if d <= self.now { same + 1 } else { 0 };
            if same > SAME_INSTANT_FIRINGS {
                return Err(format!("the deadline never moves on: {d} at {} ms", self.now));
            }
            self.now = self.now.max(d);
            self.budget(0);
            self.t.handle_timeout(self.now);
            self.drain()?;
        }
    }

    /// The server's side of a PLAIN login on the current connection.
    pub fn login(&mut self) -> Result<(), String> {
        let Some(conn) = self.conn else { return Ok(()) };
        if self.ws {
            self.budget(0);
            self.t.handle_open(self.now, conn, "xmpp");
            self.drain()?;
            for f in [OPEN, FEATURES_PLAIN, SUCCESS, OPEN, FEATURES_BIND, BIND_RESULT] {
                self.frame(f)?;
            }
            return Ok(());
        }
        let creation = format!("<body xmlns='{HTTPBIND}' sid='SID' wait='60' requests='2' hold='1'>{FEATURES_PLAIN}</body>");
        if let Some((_, rid)) = self.outstanding.first().copied() {
            self.http(rid, 200, &creation)?;
        }
        for inner in [SUCCESS, FEATURES_BIND, BIND_RESULT] {
            self.answer_last(&format!("<body xmlns='{HTTPBIND}'>{inner}</body>"))?;
        }
        Ok(())
    }

    /// Answers the waiting requests in order: all but the last empty, the
    /// last with `body` (the server's held request carries the news).
    fn answer_last(&mut self, body: &str) -> Result<(), String> {
        let waiting: Vec<u64> = self.outstanding.iter().filter(|(c, _)| Some(*c) == self.conn).map(|&(_, r)| r).collect();
        let Some((&last, rest)) = waiting.split_last() else { return Ok(()) };
        for &rid in rest {
            self.http(rid, 200, &format!("<body xmlns='{HTTPBIND}'/>"))?;
        }
        self.http(last, 200, body)
    }
}

/// An element in the SASL namespace other than the offered mechanisms,
/// anywhere under `e`.
fn sasl_element(e: xmpp_tunnel::xml::Element) -> bool {
    if e.ns() == "urn:ietf:params:xml:ns:xmpp-sasl" {
        return e.name() != "mechanisms";
    }
    e.elements().any(sasl_element)
}
