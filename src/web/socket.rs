//! One WebSocket (subprotocol `xmpp`), its listeners owned with it: dropping
//! the `Socket` removes them and closes it, so a replaced connection can
//! never report into the tunnel again.

use super::{listen, text_within, with, NotText, Shell, ShellRef};
use crate::tunnel::Millis;
use gloo_events::EventListener;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CloseEvent, MessageEvent, WebSocket};

pub(crate) struct Socket {
    pub conn: u32,
    ws: WebSocket,
    _listeners: [EventListener; 3],
}

impl Socket {
    /// None if the browser refuses the URL outright.
    pub fn open(shell: &ShellRef, conn: u32, url: &str) -> Option<Socket> {
        let ws = WebSocket::new_with_str(url, crate::transport::websocket::PROTOCOL).ok()?;
        Some(Socket::watch(shell, conn, ws))
    }


    pub fn is_open(&self) -> bool {
        self.ws.ready_state() == WebSocket::OPEN
    }

    pub fn protocol(&self) -> String {
        self.ws.protocol()
    }

    /// `ws` as `conn`, listened to from now on. (For a socket the page
    /// opened already, whether it is open yet is the caller's to report:
    /// its open event may be past.)
    pub fn watch(shell: &ShellRef, conn: u32, ws: WebSocket) -> Socket {
        let on = |kind: &'static str, f: fn(&ShellRef, u32, &WebSocket, &web_sys::Event)| {
            let socket = ws.clone();
            listen(&ws, kind, shell, move |shell, e| f(shell, conn, &socket, e))
        };
        let listeners = [
            on("open", |shell, conn, ws, _| {
                let protocol = ws.protocol();
                with(shell, |s, now| s.tunnel.handle_open(now, conn, &protocol))
            }),
            on("message", |shell, conn, _, e| {
                // (A WebSocket's message events are MessageEvents: no check.)
                let data = e.unchecked_ref::<MessageEvent>().data();
                with(shell, |s, now| receive(s, now, conn, &data))
            }),
            on("close", |shell, conn, _, e| {
                let code = e.dyn_ref::<CloseEvent>().map_or(1006, |c| c.code());
                with(shell, |s, now| {
                    s.forget_socket(conn);
                    s.tunnel.handle_closed(now, conn, code)
                })
            }),
        ];
        Socket { conn, ws, _listeners: listeners }
    }

    /// The browser's socket (for the tests).
    #[cfg(test)]
    pub fn target(&self) -> WebSocket {
        self.ws.clone()
    }

    pub fn send(&self, data: &str) {
        // A socket that is closing refuses; its close event tells the core.
        let _ = self.ws.send_with_str(data);
    }
}

/// One message from the server on `conn` into the tunnel.
#[inline(never)]
pub(crate) fn receive(s: &mut Shell, now: Millis, conn: u32, data: &JsValue) {
    match text_within(data, s.tunnel.config().max_stanza_bytes) {
        Ok(text) => s.tunnel.handle_message(now, conn, &text),
        Err(NotText::TooLong) => s.tunnel.handle_oversized(now, conn),
        // RFC 7395 allows only text frames; a binary one reads as empty,
        // which the core reports as malformed.
        Err(NotText::Other) => s.tunnel.handle_message(now, conn, ""),
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // The listeners go with the struct (declared after `ws`, dropped
        // after this): nothing the close causes reaches the tunnel.
        let _ = self.ws.close();
    }
}
