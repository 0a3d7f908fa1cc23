//! The browser shell: the only code that touches web APIs (web-sys, js-sys,
//! gloo-events). It feeds window messages, WebSocket and XMLHttpRequest
//! events, the timer and `pagehide` into the sans-IO `Tunnel` and carries
//! out its outputs. Its one decision of its own is the security gate on
//! window messages (spec §4.1, `parent.rs`); every listener is owned by
//! what it listens to and removed when that is dropped.

mod early;
mod http;
mod parent;
mod scram;
mod socket;
#[cfg(test)]
mod tests;
mod timer;

use crate::config::Config;
use crate::tunnel::{Millis, Output, Tunnel};
use gloo_events::EventListener;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;

pub(crate) struct Shell {
    tunnel: Tunnel,
    parent: parent::ParentLink,
    sockets: Vec<socket::Socket>,
    requests: Vec<http::HttpRequest>,
    timer: timer::Timer,
    /// The deadline the timer is armed for. Deadlines move on with every
    /// frame (ping timing restarts on activity), so a later one is not armed
    /// at once: the earlier timer fires, finds nothing due, and the timer is
    /// armed again. That keeps a timer call per frame off the receive path.
    armed: Option<Millis>,
    /// SCRAM's keys and proof where the page has no WebCrypto.
    scram_fallback: Option<js_sys::Function>,
    /// The socket the page opened to the default endpoint while the module
    /// loaded, until a first connection to that URL takes it over (or
    /// anything else is opened first, which closes it): `early.rs`.
    early: Option<early::EarlyStream>,
    /// Inputs that arose while outputs were being carried out, fed in
    /// afterwards: transport failures (a constructor that throws), and an
    /// adopted early socket's open and held messages.
    deferred: VecDeque<Deferred>,
    _listeners: Vec<EventListener>,
}

pub(crate) type ShellRef = Rc<RefCell<Shell>>;

enum Deferred {
    SocketFailed(u32),
    PostFailed(u32, u64),
    /// An adopted socket that was open already: its open event is past.
    SocketOpen(u32, String),
    /// What the server sent on an adopted socket before it was adopted.
    SocketMessage(u32, JsValue),
}

thread_local! {
    /// Keeps the shell alive for the page's lifetime.
    static SHELL: RefCell<Option<ShellRef>> = const { RefCell::new(None) };
}

/// Entry point, called once by the tunnel page's bootstrap with the text of
/// `config.json` (undefined when it is absent or unreadable), the function
/// that computes SCRAM's keys and proof with the fallback module
/// (`scram.wasm`; see `scram.rs`), and the stream it opened to the default
/// endpoint while the module loaded (so that its round trips overlap the
/// module's download; `early.rs`).
#[wasm_bindgen]
pub fn start(config: Option<String>, scram_fallback: Option<js_sys::Function>, early: Option<early::EarlyStream>) {
    if SHELL.with(|s| s.borrow().is_some()) {
        return;
    }
    let Some(window) = web_sys::window() else { return };
    let shell = Shell::create(&window, config, scram_fallback);
    shell.borrow_mut().early = early;
    early::close_later(Rc::downgrade(&shell));
    let own_origin = window.location().origin().unwrap_or_default();
    let listeners = vec![parent::listen(&window, &shell, own_origin), unload_listener(&window, &shell)];
    shell.borrow_mut()._listeners = listeners;
    with(&shell, |s, now| s.tunnel.start(now));
    timer::upgrade_later(Rc::downgrade(&shell));
    SHELL.with(|s| *s.borrow_mut() = Some(shell));
}

impl Shell {
    /// The shell and its tunnel, not yet listening nor started.
    fn create(window: &web_sys::Window, config: Option<String>, scram_fallback: Option<js_sys::Function>) -> ShellRef {
        let location = window.location();
        let page_url = location.href().unwrap_or_default();
        let own_origin = location.origin().unwrap_or_default();
        let (cfg, problems) = match config {
            Some(text) => Config::parse(&text),
            None => (Config::default(), vec!["no readable config.json beside the tunnel page: using the defaults".into()]),
        };
        let link = parent::ParentLink::new(window, &cfg, &own_origin);
        let entropy = Box::new(|buf: &mut [u8]| {
            // The core asks only for what no one may guess (SCRAM nonces, BOSH
            // rids); a browser without crypto.getRandomValues cannot run this
            // page at all (it is older than WebAssembly).
            if let Some(c) = web_sys::window().and_then(|w| w.crypto().ok()) {
                let _ = c.get_random_values_with_u8_array(buf);
            }
        });
        let mut tunnel = Tunnel::new(cfg, problems, &page_url, entropy);
        // The module has no hashes: the page computes SCRAM's keys and proof;
        // nor Unicode's normalization and case tables: those are the browser's.
        tunnel.derive_elsewhere();
        tunnel.use_unicode(crate::unicode::Unicode { nfkc: Some(browser_nfkc), lowercase: browser_lowercase });
        Rc::new_cyclic(|weak: &Weak<RefCell<Shell>>| {
            let on_timer = weak.clone();
            RefCell::new(Shell {
                tunnel,
                parent: link,
                sockets: Vec::new(),
                requests: Vec::new(),
                timer: timer::Timer::new(move || {
                    if let Some(shell) = on_timer.upgrade() {
                        with(&shell, |s, now| {
                            s.armed = None;
                            s.tunnel.handle_timeout(now)
                        });
                    }
                }),
                armed: None,
                scram_fallback,
                early: None,
                deferred: VecDeque::new(),
                _listeners: Vec::new(),
            })
        })
    }
}

/// Why a value from the page or the network was not taken as text.
pub(crate) enum NotText {
    /// Not a string at all.
    Other,
    /// A string longer than allowed.
    TooLong,
}

/// `v` as text if it is a string of at most `max` UTF-16 units, measured
/// before it is copied into wasm memory (a unit is at least one byte of
/// UTF-8, so a huge value cannot exhaust that memory; the core checks the
/// byte length).
pub(crate) fn text_within(v: &JsValue, max: usize) -> Result<String, NotText> {
    match v.dyn_ref::<js_sys::JsString>() {
        Some(j) if j.length() as usize > max => Err(NotText::TooLong),
        Some(j) => Ok(j.into()),
        None => Err(NotText::Other),
    }
}

/// NFKC by the browser (`String.prototype.normalize`).
pub(crate) fn browser_nfkc(s: &str) -> String {
    js_sys::JsString::from(s).normalize("NFKC").into()
}

/// Lower-casing by the browser (`String.prototype.toLowerCase`): what the
/// legacy tunnel did to the ID.
pub(crate) fn browser_lowercase(s: &str) -> String {
    js_sys::JsString::from(s).to_lower_case().into()
}

/// A listener for `kind` on `target` that runs `f` with the shell while
/// the shell lives (it holds the shell weakly: the shell owns its listeners).
pub(crate) fn listen(
    target: &web_sys::EventTarget,
    kind: &'static str,
    shell: &ShellRef,
    mut f: impl FnMut(&ShellRef, &web_sys::Event) + 'static,
) -> EventListener {
    let weak = Rc::downgrade(shell);
    EventListener::new(target, kind, move |e| {
        if let Some(shell) = weak.upgrade() {
            f(&shell, e)
        }
    })
}

fn unload_listener(window: &web_sys::Window, shell: &ShellRef) -> EventListener {
    listen(window, "pagehide", shell, |shell, _| with(shell, |s, now| s.tunnel.handle_unload(now)))
}

thread_local! {
    /// `performance`, looked up once: `now` runs on every input.
    static PERFORMANCE: Option<web_sys::Performance> = web_sys::window().and_then(|w| w.performance());
}

pub(crate) fn now() -> Millis {
    PERFORMANCE.with(|p| p.as_ref().map_or(0.0, |p| p.now())) as Millis
}

/// Runs one input against the tunnel, then carries out every output and
/// re-arms the single timer.
pub(crate) fn with(shell: &ShellRef, input: impl FnOnce(&mut Shell, Millis)) {
    #[cfg(test)]
    tests::DELIVERED.with(|n| n.set(n.get() + 1));
    // Inputs come from the event loop one at a time and nothing we call
    // dispatches an event synchronously into us, so the shell is never
    // borrowed here; should it be, the input is reported, not lost silently.
    let Ok(mut s) = shell.try_borrow_mut() else {
        web_sys::console::error_1(&JsValue::from_str("xmpp-tunnel: an event arrived while the shell was busy"));
        return;
    };
    input(&mut s, now());
    s.carry_out(shell);
}

impl Shell {
    fn carry_out(&mut self, shell: &ShellRef) {
        loop {
            for o in self.tunnel.take_output() {
                self.execute(shell, o);
            }
            match self.deferred.pop_front() {
                Some(Deferred::SocketFailed(conn)) => self.tunnel.handle_closed(now(), conn, 1006),
                Some(Deferred::PostFailed(conn, rid)) => self.tunnel.handle_http(now(), conn, rid, 0, ""),
                Some(Deferred::SocketOpen(conn, protocol)) => self.tunnel.handle_open(now(), conn, &protocol),
                Some(Deferred::SocketMessage(conn, data)) => socket::receive(self, now(), conn, &data),
                None => break,
            }
        }
        match self.tunnel.poll_timeout() {
            Some(d) if self.armed.is_none_or(|a| d < a) => {
                self.armed = Some(d);
                self.timer.arm(d.saturating_sub(now()).min(i32::MAX as Millis) as i32);
            }
            // Nothing to wait for: an armed timer may fire; it finds nothing due.
            _ => {}
        }
    }

    fn execute(&mut self, shell: &ShellRef, o: Output) {
        match o {
            Output::Parent(msg) => self.parent.post(&msg),
            Output::Open { conn, url } => match self.take_early(shell, conn).or_else(|| socket::Socket::open(shell, conn, &url)) {
                Some(sock) => self.sockets.push(sock),
                None => self.deferred.push_back(Deferred::SocketFailed(conn)),
            },
            Output::Post { conn, rid, url, body } => {
                self.drop_early();
                // A request sent again (same rid) replaces its earlier send.
                self.requests.retain(|r| !r.is(conn, rid));
                match http::HttpRequest::post(shell, conn, rid, &url, &body) {
                    Some(r) => self.requests.push(r),
                    None => self.deferred.push_back(Deferred::PostFailed(conn, rid)),
                }
            }
            Output::Abort { conn, rid } => self.requests.retain(|r| !r.is(conn, rid)),
            Output::Send { conn, data } => {
                if let Some(sock) = self.sockets.iter().find(|s| s.conn == conn) {
                    sock.send(&data);
                }
            }
            Output::Close { conn } => {
                self.sockets.retain(|s| s.conn != conn);
                self.requests.retain(|r| r.conn != conn);
            }
            Output::Console(line) => web_sys::console::log_1(&JsValue::from_str(&line)),
            Output::Derive { conn } => {
                if let Some(d) = self.tunnel.derivation(conn) {
                    let ask = scram::Ask::new(&d);
                    scram::derive(Rc::downgrade(shell), conn, ask, self.scram_fallback.clone());
                }
            }
        }
    }

    /// A socket closed by itself: forget it (its listeners go with it).
    pub(crate) fn forget_socket(&mut self, conn: u32) {
        self.sockets.retain(|s| s.conn != conn);
    }

    /// A request answered: forget it.
    pub(crate) fn forget_request(&mut self, conn: u32, rid: u64) {
        self.requests.retain(|r| !r.is(conn, rid));
    }
}
