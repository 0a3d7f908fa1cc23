//! The browser shell: the only code that touches web APIs. It feeds window
//! messages, WebSocket events, timers and `pagehide` into the sans-IO
//! `Tunnel` and carries out its outputs. It makes no protocol decisions
//! beyond the security gate on incoming messages (spec §4.1).

mod http;
mod parent;
mod socket;
mod timer;

use crate::config::Config;
use crate::tunnel::{Millis, Output, Tunnel};
use gloo_events::EventListener;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

pub(crate) struct Shell {
    tunnel: Tunnel,
    parent: parent::ParentLink,
    sockets: Vec<socket::Socket>,
    requests: Vec<http::HttpRequest>,
    timer: Option<timer::Timer>,
    /// Transport failures that happened while outputs were being carried
    /// out (a constructor that throws), fed in afterwards.
    deferred: std::collections::VecDeque<Deferred>,
    _listeners: Vec<EventListener>,
}

pub(crate) type ShellRef = Rc<RefCell<Shell>>;

enum Deferred {
    SocketFailed(u32),
    PostFailed(u32, u64),
}

thread_local! {
    /// Keeps the shell alive for the page's lifetime.
    static SHELL: RefCell<Option<ShellRef>> = const { RefCell::new(None) };
}

/// Entry point, called by the tunnel page with the text of `config.json`
/// (`undefined` when the file is absent or unreadable).
#[wasm_bindgen]
pub fn start(config_text: Option<String>) {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let page_url = location.href().unwrap_or_default();
    let own_origin = location.origin().unwrap_or_default();
    let (cfg, problems) = match config_text {
        Some(t) => Config::parse(&t),
        None => (Config::default(), vec!["no readable config.json beside the tunnel page: using the defaults".into()]),
    };
    let entropy = Box::new(|buf: &mut [u8]| {
        if let Some(c) = web_sys::window().and_then(|w| w.crypto().ok()) {
            let _ = c.get_random_values_with_u8_array(buf);
        }
    });
    let link = parent::ParentLink::new(&window, &cfg, &own_origin);
    let shell = Rc::new(RefCell::new(Shell {
        tunnel: Tunnel::new(cfg, problems, &page_url, entropy),
        parent: link,
        sockets: Vec::new(),
        requests: Vec::new(),
        timer: None,
        deferred: std::collections::VecDeque::new(),
        _listeners: Vec::new(),
    }));
    let listeners = vec![parent::listen(&window, &shell, own_origin), unload_listener(&window, &shell)];
    let weak = Rc::downgrade(&shell);
    let timer = timer::Timer::new(move || {
        if let Some(shell) = weak.upgrade() {
            with(&shell, |s, now| s.tunnel.handle_timeout(now));
        }
    });
    {
        let mut s = shell.borrow_mut();
        s._listeners = listeners;
        s.timer = Some(timer);
    }
    with(&shell, |s, now| s.tunnel.start(now));
    SHELL.with(|s| *s.borrow_mut() = Some(shell));
}

fn unload_listener(window: &web_sys::Window, shell: &ShellRef) -> EventListener {
    let shell = shell.clone();
    EventListener::new(window, "pagehide", move |_| with(&shell, |s, now| s.tunnel.handle_unload(now)))
}

pub(crate) fn now() -> Millis {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now()) as Millis
}

/// Runs one input against the tunnel, then carries out every output and
/// re-arms the single timer.
pub(crate) fn with(shell: &ShellRef, input: impl FnOnce(&mut Shell, Millis)) {
    let Ok(mut s) = shell.try_borrow_mut() else { return };
    input(&mut s, now());
    loop {
        while let Some(o) = s.tunnel.poll_output() {
            s.execute(shell, o);
        }
        match s.deferred.pop_front() {
            Some(Deferred::SocketFailed(conn)) => s.tunnel.handle_closed(now(), conn, 1006),
            Some(Deferred::PostFailed(conn, rid)) => s.tunnel.handle_http(now(), conn, rid, 0, ""),
            None => break,
        }
    }
    s.rearm();
}

impl Shell {
    fn execute(&mut self, shell: &ShellRef, o: Output) {
        match o {
            Output::Parent(msg) => self.parent.post(&msg),
            Output::Open { conn, url } => match socket::Socket::open(shell, conn, &url) {
                Some(sock) => self.sockets.push(sock),
                None => self.deferred.push_back(Deferred::SocketFailed(conn)),
            },
            Output::Post { conn, rid, url, body } => {
                // A request sent again (same rid) replaces its earlier send.
                self.requests.retain(|r| !(r.conn == conn && r.rid == rid));
                match http::HttpRequest::post(shell, conn, rid, &url, &body) {
                    Some(r) => self.requests.push(r),
                    None => self.deferred.push_back(Deferred::PostFailed(conn, rid)),
                }
            }
            Output::Abort { conn, rid } => self.requests.retain(|r| !(r.conn == conn && r.rid == rid)),
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
        }
    }

    fn rearm(&mut self) {
        let delay = self.tunnel.poll_timeout().map(|d| d.saturating_sub(now()).min(i32::MAX as Millis) as i32);
        if let Some(t) = self.timer.as_mut() {
            t.arm(delay);
        }
    }
}
