//! The EventTunnel: joins the parent's `type|payload` protocol to an XMPP
//! session. Sans-IO: it takes inputs and queues outputs; time is a parameter.
//!
//! Contract for the shell that drives it:
//! - inputs: `start` once, then `handle_parent` (a verified parent message),
//!   `handle_open` / `handle_message` / `handle_closed` (transport events,
//!   tagged with the connection id the tunnel gave in `Output::Open`; stale
//!   ids are ignored), `handle_timeout` when the deadline from
//!   `poll_timeout` has passed (late is fine), `handle_unload` on `pagehide`,
//!   and after `derive_elsewhere`, `handle_derived` for each `Output::Derive`;
//! - after every input: drain `poll_output` (or `take_output`) in order, then re-arm one timer
//!   for `poll_timeout`.

use crate::prelude::*;
mod backoff;
mod connection;
mod ending;
mod im;
mod link;
mod parent;
mod ping;
mod requests;
pub(crate) mod settings;
mod stanzas;
mod subscriptions;

use crate::config::Config;
use crate::protocol::{format, MsgType, Status};
use crate::xmpp::session::Session;
use crate::xmpp::sm::Sm;
use backoff::{Backoff, BackoffConfig};
use ping::Pinger;
use requests::Requests;
use settings::Settings;
use subscriptions::Subscriptions;

/// Milliseconds on a monotonic clock of the shell's choosing.
pub type Millis = u64;

/// Fills a buffer with cryptographically random bytes.
pub type Entropy = Box<dyn FnMut(&mut [u8])>;

/// What the shell must do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// `postMessage` to the verified parent.
    Parent(String),
    /// Open a WebSocket (subprotocol `xmpp`) and report on it as `conn`.
    Open { conn: u32, url: String },
    Send { conn: u32, data: String },
    /// BOSH: POST `body` to `url` and report the outcome with `handle_http`
    /// tagged with `conn` and `rid`.
    Post { conn: u32, rid: u64, url: String, body: String },
    /// BOSH: stop waiting for that request (no report needed).
    Abort { conn: u32, rid: u64 },
    /// Forget the connection: close the socket, abort its requests.
    Close { conn: u32 },
    /// A trace line for the browser console (type 16 enabled it).
    Console(String),
    /// Derive the salted password `derivation(conn)` describes and report it
    /// with `handle_derived` (only after `derive_elsewhere`).
    Derive { conn: u32 },
}

/// Where the tunnel is in its life; exactly one connection exists in every
/// phase but `Idle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    /// Lost: the next attempt starts at `until`.
    Waiting { until: Millis },
    Connecting,
    /// Bound; subscribing again the nodes the parent had before.
    Resubscribing,
    Connected,
    /// DISCONNECT_REQ: waiting for the unsubscribe replies.
    Unsubscribing { deadline: Millis },
    /// We sent `<close/>`; waiting for the server's.
    Closing { deadline: Millis },
}

/// How a connection ended without our asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Try again after a backoff (`reconnecting`).
    Retry,
    /// The server is going away (a stream error `system-shutdown` or
    /// `reset`): try the next endpoint at once, without a backoff (once
    /// between two sessions; a second in a row waits like any loss).
    MoveOn,
    /// Report this status and wait for the parent.
    Stop(crate::protocol::Status),
}

/// The credentials a connection was started with (to tell a re-send of the
/// same values from a change).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Attempt {
    id: String,
    password: crate::password::Password,
    domain: String,
}

/// A redirect to follow on the next attempt.
struct Redirect {
    transport: crate::protocol::Transport,
    url: String,
    /// The configured endpoint the chain of redirects started from.
    endpoint: String,
}

struct Conn {
    id: u32,
    session: Session,
    attempt: Attempt,
    /// Bound full JID once ready.
    jid: Option<String>,
    /// The URL it uses.
    url: String,
    /// The configured endpoint it came from (`url` itself, unless a server
    /// redirected us): what PLAIN's permission rests on.
    endpoint: String,
    link: link::Link,
    /// Deadline for reaching a ready session.
    deadline: Millis,
    /// Deadline for the answer to `<resume/>`: a cluster node asked to
    /// resume a session held by a frozen peer waits for it (ejabberd: 15 s).
    resume_deadline: Option<Millis>,
}

pub struct Tunnel {
    cfg: Config,
    /// `location.href` of the tunnel page (endpoints are derived from it).
    page_url: String,
    /// Problems found in the configuration, reported at start.
    config_problems: Vec<String>,
    settings: Settings,
    phase: Phase,
    conn: Option<Conn>,
    conn_seq: u32,
    /// Nodes the parent subscribed; subscribed again on every new session
    /// and unsubscribed on DISCONNECT_REQ.
    subs: Subscriptions,
    requests: Requests,
    /// Resource last bound (reported as type 3 before each STATUS).
    bound_resource: Option<String>,
    /// Credentials to log in again with after a loss.
    last_attempt: Option<Attempt>,
    /// Lost and retrying; `reconnecting` was reported.
    reconnecting: bool,
    backoff: Backoff,
    /// Index into the endpoint list for the next attempt.
    endpoint: usize,
    /// The configured endpoint whose session was last lost (or which said
    /// it was going away): tried after the others of its transport, so that
    /// a dead or dying cluster node is not the first one tried again.
    demoted: Option<String>,
    /// An `End::MoveOn` skipped the backoff since the last session.
    moved_on: bool,
    pinger: Pinger,
    /// XEP-0198 state; outlives connections so that a session can resume.
    sm: Sm,
    /// Counts XMPP sessions (a resumed one keeps its number); requests
    /// belong to the session they were sent on.
    epoch: u32,
    /// The full JID of the current or last session (kept across a resume).
    last_jid: Option<String>,
    /// When the last connection was lost (to respect the resume window).
    lost_at: Option<Millis>,
    /// A new session replaced a lost one: events may have been missed.
    gap: bool,
    /// Where the server sent us (see-other-uri/-host), for the next attempt.
    redirect: Option<Redirect>,
    /// Redirects followed since the last session: a loop is cut short.
    redirects: u32,
    /// After losing a resumable session: keep to its transport until then,
    /// so that it can be resumed (BOSH cannot resume a WebSocket session).
    resume_until: Option<Millis>,
    /// The time of the input being handled (for code paths that take none).
    clock: Millis,
    out: Vec<Output>,
    entropy: Entropy,
    /// The shell derives SCRAM's salted password (`Output::Derive`).
    derive_elsewhere: bool,
    /// NFKC and lower-casing: the build's own, or the shell's.
    unicode: crate::unicode::Unicode,
    #[cfg(feature = "im")]
    im: crate::im::Im,
}

impl Tunnel {
    /// `entropy` fills buffers with cryptographically random bytes (SCRAM
    /// nonces); the browser shell uses `crypto.getRandomValues`.
    pub fn new(cfg: Config, config_problems: Vec<String>, page_url: &str, entropy: Entropy) -> Tunnel {
        let settings = Settings::new(&cfg);
        Tunnel {
            cfg,
            page_url: page_url.to_string(),
            config_problems,
            settings,
            phase: Phase::Idle,
            conn: None,
            conn_seq: 0,
            subs: Subscriptions::default(),
            requests: Requests::default(),
            bound_resource: None,
            last_attempt: None,
            reconnecting: false,
            backoff: Backoff::default(),
            endpoint: 0,
            demoted: None,
            moved_on: false,
            pinger: Pinger::default(),
            sm: Sm::default(),
            epoch: 0,
            last_jid: None,
            lost_at: None,
            gap: false,
            redirect: None,
            redirects: 0,
            resume_until: None,
            clock: 0,
            out: Vec::new(),
            entropy,
            derive_elsewhere: false,
            unicode: crate::unicode::Unicode::native(),
            #[cfg(feature = "im")]
            im: crate::im::Im::default(),
        }
    }

    /// From now on, SCRAM's PBKDF2 is asked of the shell (`Output::Derive`),
    /// whose browser has a native one (WebCrypto: several times faster than
    /// ours in V8's first tier on a fresh page); otherwise it runs here.
    pub fn derive_elsewhere(&mut self) {
        self.derive_elsewhere = true;
    }

    /// NFKC (SASLprep of SCRAM passwords) and lower-casing (the agent ID)
    /// from the shell: the browser's, where this build has no tables.
    pub fn use_unicode(&mut self, unicode: crate::unicode::Unicode) {
        self.unicode = unicode;
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Whether the tunnel holds any copy of the password (it must not after
    /// `unauthorized` or DISCONNECT_REQ; tests and the fuzzer check it).
    pub fn holds_password(&self) -> bool {
        self.settings.password.is_some()
            || self.last_attempt.is_some()
            || self.conn.as_ref().is_some_and(|c| !c.attempt.password.as_str().is_empty())
    }

    /// `4|loaded`, the extension announcement, then any configuration problems.
    pub fn start(&mut self, now: Millis) {
        self.clock = now;
        self.post_parent(format(MsgType::Status, Status::Loaded.as_str()));
        self.post_parent(crate::protocol::extension::hello());
        if self.cfg.allowed_origins.is_empty() && !self.cfg.allow_any_origin {
            self.log("no allowedOrigins configured: only the tunnel's own origin may use it");
        }

        for p in &std::mem::take(&mut self.config_problems) {
            self.log(p);
        }
    }

    /// The next output, oldest first (drivers that take one at a time).
    pub fn poll_output(&mut self) -> Option<Output> {
        (!self.out.is_empty()).then(|| self.out.remove(0))
    }

    /// Every output queued so far, oldest first (the browser shell: one
    /// hand-over instead of a queue it pops from).
    pub fn take_output(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.out)
    }

    /// The earliest deadline the tunnel is waiting for.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let conn = self.conn.as_ref().filter(|c| c.jid.is_none()).map(|c| c.resume_deadline.map_or(c.deadline, |r| r.min(c.deadline)));
        let phase = match self.phase {
            Phase::Unsubscribing { deadline } | Phase::Closing { deadline } | Phase::Waiting { until: deadline } => {
                Some(deadline)
            }
            _ => None,
        };
        let ours = earlier(conn, phase);
        let ours = earlier(ours, self.im_deadline());
        earlier(earlier(ours, self.requests.next_deadline()), earlier(self.pinger.next_deadline(), self.bosh_deadline()))
    }

    fn backoff_config(&self) -> BackoffConfig {
        BackoffConfig {
            base_ms: self.cfg.reconnect_base_ms,
            max_ms: self.cfg.reconnect_max_ms,
            stable_ms: self.cfg.reconnect_stable_ms,
            jitter: self.cfg.reconnect_jitter,
        }
    }

    fn post_parent(&mut self, msg: String) {
        self.out.push(Output::Parent(msg));
    }

    /// A LOGGING line for the parent. Never pass secrets here.
    fn log(&mut self, line: &str) {
        let line = capped(line);
        self.post_parent(format(MsgType::Logging, line));
        self.trace(line);
    }

    /// `log` of a line in parts (one concatenation, not one per caller).
    fn log_parts(&mut self, parts: &[&str]) {
        self.log(&parts.concat());
    }

    /// A frame sent or received, for the console trace (SASL redacted).
    fn trace_frame(&mut self, direction: &str, frame: &str) {
        if self.settings.trace {
            self.out.push(Output::Console([direction, &redact(frame)].concat()));
        }
    }

    fn trace(&mut self, line: &str) {
        if self.settings.trace {
            self.out.push(Output::Console(line.to_string()));
        }
    }

    /// STATUS, preceded by the resource (spec §3, type 3) except for
    /// `loaded` and `unloading`.
    fn status(&mut self, s: Status) {
        if !matches!(s, Status::Loaded | Status::Unloading) {
            let resource = self.bound_resource.as_deref().or(self.settings.resource.as_deref());
            if let Some(m) = resource.map(|r| format(MsgType::ResourceId, r)) {
                self.post_parent(m);
            }
        }
        self.post_parent(format(MsgType::Status, s.as_str()));
    }

}

/// The longest LOGGING line, in bytes: some lines quote what the server
/// sent (a stream error's text, a BOSH condition), which is up to a
/// megabyte and must not become one parent message of that size.
const MAX_LOG_BYTES: usize = 1000;

/// `line`, cut to `MAX_LOG_BYTES` at a character boundary.
fn capped(line: &str) -> &str {
    let mut end = line.len().min(MAX_LOG_BYTES);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line[..end]
}

/// What a trace line may show of a frame: the SASL exchange carries the
/// password (PLAIN) or what an offline dictionary attack needs (SCRAM's
/// salt, nonces, proof and signature), so no SASL element is printed,
/// wherever it sits (a BOSH body holds it among other elements); the offered
/// mechanisms are. A frame that names SASL's namespace but does not read
/// as XML is not printed at all.
fn redact(frame: &str) -> std::borrow::Cow<'_, str> {
    crate::xml::hide_namespace(frame, crate::xmpp::ns::SASL, "mechanisms", " SASL element not shown ")
        .unwrap_or(std::borrow::Cow::Borrowed("<frame not shown: it holds SASL data and is not well-formed>"))
}
