//! The early stream: the socket the tunnel page's bootstrap opened to the
//! default endpoint while the module loaded, with the stream header for the
//! page's own host sent on it (the XMPP domain of the usual deployment) and
//! the server's answers held (`www/tunnel/bootstrap.js`). A first login to
//! that URL and domain takes it over with those round trips already done;
//! anything else closes it.

use super::{socket::Socket, timer, Deferred, Shell, ShellRef};
use std::cell::RefCell;
use std::rc::Weak;
use wasm_bindgen::prelude::*;
use web_sys::WebSocket;

#[wasm_bindgen]
extern "C" {
    /// The bootstrap's `{ socket, sent, take }`.
    pub type EarlyStream;
    #[wasm_bindgen(method, getter)]
    fn socket(this: &EarlyStream) -> Option<WebSocket>;
    /// The stream header sent on the socket, once it has been.
    #[wasm_bindgen(method, getter)]
    fn sent(this: &EarlyStream) -> Option<String>;
    /// Stops the page's handlers on the socket; what the server has sent
    /// on it until then, in order.
    #[wasm_bindgen(method)]
    fn take(this: &EarlyStream) -> js_sys::Array;
}

impl Shell {
    /// The early socket as `conn`, if it is still open or opening and the
    /// core takes it for that connection (`Tunnel::adopt_early`: its URL
    /// and the header sent on it); the open and the held answers are fed
    /// in next. Otherwise it is closed.
    pub(super) fn take_early(&mut self, shell: &ShellRef, conn: u32) -> Option<Socket> {
        let early = self.early.take()?;
        let ws = early.socket()?;
        // From now on the socket's own listeners (Socket) receive what comes.
        let frames = early.take();
        let live = matches!(ws.ready_state(), WebSocket::CONNECTING | WebSocket::OPEN);
        if !live || !self.tunnel.adopt_early(conn, &ws.url(), early.sent().as_deref()) {
            let _ = ws.close();
            return None;
        }
        let sock = Socket::watch(shell, conn, ws);
        if sock.is_open() {
            self.deferred.push_back(Deferred::SocketOpen(conn, sock.protocol()));
            for i in 0..frames.length() {
                self.deferred.push_back(Deferred::SocketMessage(conn, frames.get(i)));
            }
        }
        Some(sock)
    }

    /// Closes the early socket, if nothing took it.
    pub(crate) fn drop_early(&mut self) {
        if let Some(early) = self.early.take() {
            early.take();
            if let Some(ws) = early.socket() {
                let _ = ws.close();
            }
        }
    }
}

/// How long the early socket may wait for a first login before it is closed.
const EARLY_SOCKET_MS: i32 = 30_000;

/// Closes the shell's early socket after `EARLY_SOCKET_MS` if no connection
/// took it (a parent that never logs in does not keep a socket open).
pub(super) fn close_later(shell: Weak<RefCell<Shell>>) {
    timer::after(EARLY_SOCKET_MS, shell, |shell| {
        if let Ok(mut s) = shell.try_borrow_mut() {
            s.drop_early();
        }
    });
}
