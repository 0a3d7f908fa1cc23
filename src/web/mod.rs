//! The browser shell's Rust half: it feeds the events that the tunnel page's
//! JavaScript reports (window messages, WebSocket and XMLHttpRequest
//! outcomes, the timer, `pagehide`) into the sans-IO `Tunnel`, and carries
//! out its outputs through the few functions that page provides (`io.rs`).
//! The JavaScript half owns the browser objects and makes no decisions but
//! one: a message counts only if `event.source` is `window.parent`; the
//! origin allow-list is applied here (spec §4.1).
//!
//! Why not web-sys or wasm-bindgen: their bindings and generated glue came
//! to more bytes than they saved (docs/architecture.md).

mod bundle;
mod ffi;
mod io;
mod parent;

use crate::config::Config;
use crate::prelude::*;
use crate::transport::bosh::BODY_FACTOR;
use crate::tunnel::{Millis, Output, Tunnel};

/// Transport failures that happened while outputs were being carried out
/// (a constructor that throws), fed in afterwards.
enum Deferred {
    SocketFailed(u32),
    PostFailed(u32, u64),
}

/// The tunnel page's one object: created by `tunnel_start`, then driven by
/// the page's event handlers through the exports in `ffi.rs`.
pub struct Shell {
    tunnel: Tunnel,
    parent: parent::ParentLink,
    deferred: Vec<Deferred>,
    own_origin: String,
    /// The deadline the page's timer is armed for. Deadlines move on with
    /// every frame (ping timing restarts on activity), so a later one is not
    /// armed at once: the earlier timer fires, finds nothing due, and the
    /// timer is armed again. That keeps a timer message per frame off the
    /// receive path.
    armed: Option<Millis>,
}

/// How the page reports a window message it did not hand over.
const PARENT_OK: u32 = 0;
const PARENT_NOT_STRING: u32 = 1;

impl Shell {
    /// `config`: the text of `config.json` (undefined when absent or
    /// unreadable); `href` and `origin` of the tunnel page; the embedder's
    /// origin where the browser tells it (`location.ancestorOrigins[0]`, or
    /// ""), and `document.referrer`.
    pub fn start(config: Option<&str>, href: &str, origin: &str, ancestor: &str, referrer: &str) -> Shell {
        let (cfg, problems) = match config {
            Some(t) => Config::parse(t),
            None => (Config::default(), vec!["no readable config.json beside the tunnel page: using the defaults".into()]),
        };
        let parent = parent::ParentLink::new(&cfg, origin, ancestor, referrer);
        let entropy = Box::new(|buf: &mut [u8]| io::random(buf));
        let mut tunnel = Tunnel::new(cfg, problems, href, entropy);
        // The bundle has no hashes: the page computes SCRAM's keys and proof.
        tunnel.derive_elsewhere();
        let mut shell = Shell {
            tunnel,
            parent,
            deferred: Vec::new(),
            own_origin: origin.into(),
            armed: None,
        };
        shell.run(|t, now| t.start(now));
        shell
    }

    /// What the page drops before copying it in (in UTF-16 units, each at
    /// least one byte): 0 a parent message, 1 a WebSocket frame, 2 a BOSH
    /// body (`BODY_FACTOR` frames).
    pub fn limit(&self, which: u32) -> u32 {
        let c = self.tunnel.config();
        let n = match which {
            0 => c.max_parent_message_bytes,
            1 => c.max_stanza_bytes,
            _ => c.max_stanza_bytes.saturating_mul(BODY_FACTOR),
        };
        n.min(u32::MAX as usize) as u32
    }

    /// A message from `window.parent` (the page checked `event.source`).
    /// `problem`: 0 with the data, 1 if the data was not a string, 2 if it
    /// was longer than `max_parent`. Messages from an origin that is not
    /// allowed are dropped without an answer.
    pub fn parent(&mut self, origin: &str, data: &str, problem: u32) {
        if !self.tunnel.config().origin_allowed(origin, &self.own_origin) {
            return;
        }
        self.parent.verified(origin);
        self.run(|t, now| match problem {
            PARENT_OK => t.handle_parent(now, data),
            PARENT_NOT_STRING => t.log_parent_problem("ignored a parent message that is not a string"),
            _ => t.log_parent_problem("ignored a parent message over the size limit"),
        });
    }

    /// The WebSocket `conn` opened with this subprotocol.
    pub fn opened(&mut self, conn: u32, protocol: &str) {
        self.run(|t, now| t.handle_open(now, conn, protocol));
    }

    /// A text frame (a binary one arrives as "", which the core reports as
    /// malformed: RFC 7395 allows only text).
    pub fn message(&mut self, conn: u32, text: &str) {
        self.run(|t, now| t.handle_message(now, conn, text));
    }

    /// A frame longer than `max_frame`, not copied in.
    pub fn oversized(&mut self, conn: u32) {
        self.run(|t, now| t.handle_oversized(now, conn));
    }

    pub fn closed(&mut self, conn: u32, code: u16) {
        self.run(|t, now| t.handle_closed(now, conn, code));
    }

    /// A BOSH request ended: HTTP status and body, or status 0 when the
    /// network failed (or the body was over `max_body`).
    pub fn http(&mut self, conn: u32, rid: f64, status: u16, body: &str) {
        self.run(|t, now| t.handle_http(now, conn, rid as u64, status, body));
    }

    /// The answer `io::derive` was asked for (empty: the page could not
    /// compute it, and the login fails).
    pub fn derived(&mut self, conn: u32, answer: &[u8]) {
        self.run(|t, now| t.handle_derived(now, conn, answer));
    }

    pub fn timeout(&mut self) {
        self.armed = None;
        self.run(|t, now| t.handle_timeout(now));
    }

    pub fn unload(&mut self) {
        self.run(|t, now| t.handle_unload(now));
    }

    /// Runs one input against the tunnel, then carries out every output and
    /// re-arms the single timer.
    fn run(&mut self, input: impl FnOnce(&mut Tunnel, Millis)) {
        input(&mut self.tunnel, now());
        self.carry_out();
    }

    /// The part of `run` after the input: one copy, not one per export.
    #[inline(never)]
    fn carry_out(&mut self) {
        loop {
            for o in &self.tunnel.take_output() {
                self.execute(o);
            }
            if self.deferred.is_empty() {
                break;
            }
            match self.deferred.remove(0) {
                Deferred::SocketFailed(conn) => self.tunnel.handle_closed(now(), conn, 1006),
                Deferred::PostFailed(conn, rid) => self.tunnel.handle_http(now(), conn, rid, 0, ""),
            }
        }
        match self.tunnel.poll_timeout() {
            Some(d) if self.armed.is_none_or(|a| d < a) => {
                self.armed = Some(d);
                io::arm(d.saturating_sub(now()).min(i32::MAX as Millis) as i32);
            }
            // Nothing to wait for: an armed timer may fire; it finds nothing due.
            _ => {}
        }
    }

    fn execute(&mut self, o: &Output) {
        match o {
            Output::Parent(msg) => self.parent.post(msg),
            &Output::Open { conn, ref url } => {
                if !io::open(conn, url) {
                    self.deferred.push(Deferred::SocketFailed(conn));
                }
            }
            // A request sent again (same rid) replaces its earlier send.
            &Output::Post { conn, rid, ref url, ref body } => {
                if !io::http(conn, rid as f64, url, body) {
                    self.deferred.push(Deferred::PostFailed(conn, rid));
                }
            }
            &Output::Abort { conn, rid } => io::abort(conn, rid as f64),
            &Output::Send { conn, ref data } => io::send(conn, data),
            &Output::Close { conn } => io::close(conn),
            Output::Console(line) => io::log(line),
            &Output::Derive { conn } => {
                if let Some(d) = self.tunnel.derivation(conn) {
                    io::derive(conn, d.bits(), d.keyed, d.secret, d.salt, d.iterations, d.auth);
                }
            }
        }
    }
}

fn now() -> Millis {
    io::now() as Millis
}
