//! The early stream: the socket the tunnel page's bootstrap opened to the
//! default endpoint while the module loaded, with the stream header for the
//! page's own host sent on it (the XMPP domain of the usual deployment) and
//! the server's answers held (`www/tunnel/bootstrap.js`). A first login to
//! that URL and domain takes it over with those round trips already done;
//! anything else closes it.

use super::{socket::Socket, Deferred, Shell, ShellRef};
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
    /// The early socket as `conn`, if it is still usable for a connection
    /// to `url` (and sent the very header the tunnel would send); the open
    /// and the held answers are fed in next. Otherwise it is closed.
    pub(super) fn take_early(&mut self, shell: &ShellRef, conn: u32, url: &str) -> Option<Socket> {
        let early = self.early.take()?;
        let ws = early.socket()?;
        // From now on the socket's own listeners (Socket) receive what comes.
        let frames = early.take();
        let sent = early.sent();
        let fits = sent.as_ref().is_none_or(|h| self.tunnel.stream_header(conn).as_ref() == Some(h));
        if ws.url() != url || !fits {
            let _ = ws.close();
            return None;
        }
        let sock = Socket::adopt(shell, conn, ws)?;
        if sock.is_open() {
            let protocol = sock.protocol();
            self.deferred.push_back(Deferred::SocketOpen { conn, protocol, header_sent: sent.is_some() });
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
