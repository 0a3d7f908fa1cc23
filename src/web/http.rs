//! One BOSH request (an XMLHttpRequest POST), its listeners owned with it:
//! dropping it removes them and aborts the request, so an aborted or
//! replaced request can never answer into the tunnel.

use super::{text_within, with, ShellRef};
use crate::transport::bosh::BODY_FACTOR;
use gloo_events::EventListener;
use std::rc::Rc;
use web_sys::XmlHttpRequest;

pub(crate) struct HttpRequest {
    pub conn: u32,
    rid: u64,
    xhr: XmlHttpRequest,
    _listeners: [EventListener; 2],
}

impl HttpRequest {
    /// Starts the POST; None if the browser refuses it outright (the caller
    /// reports that as a network failure).
    pub fn post(shell: &ShellRef, conn: u32, rid: u64, url: &str, body: &str) -> Option<HttpRequest> {
        let xhr = XmlHttpRequest::new().ok()?;
        xhr.open("POST", url).ok()?;
        xhr.set_request_header("Content-Type", "text/xml; charset=utf-8").ok()?;
        let weak = Rc::downgrade(shell);
        let done = move |xhr: &XmlHttpRequest, failed: bool| {
            let Some(shell) = weak.upgrade() else { return };
            let status = if failed { 0 } else { xhr.status().unwrap_or(0) };
            let response = xhr.response().unwrap_or_default();
            with(&shell, |s, now| {
                // Done: forget it (its listener may be the one running; the
                // closure is freed once it returns).
                s.forget_request(conn, rid);
                let max = s.tunnel.config().max_stanza_bytes.saturating_mul(BODY_FACTOR);
                match text_within(&response, max) {
                    Ok(body) => s.tunnel.handle_http(now, conn, rid, status, &body),
                    // An over-long body counts as a failed request.
                    Err(_) => s.tunnel.handle_http(now, conn, rid, 0, ""),
                }
            })
        };
        let (d1, d2) = (done.clone(), done);
        let (x1, x2) = (xhr.clone(), xhr.clone());
        let listeners = [
            EventListener::new(&xhr, "load", move |_| d1(&x1, false)),
            // Network failure, CORS refusal or timeout: all a status 0.
            EventListener::new(&xhr, "error", move |_| d2(&x2, true)),
        ];
        xhr.send_with_opt_str(Some(body)).ok()?;
        Some(HttpRequest { conn, rid, xhr, _listeners: listeners })
    }

    /// The browser's request (for the tests).
    #[cfg(test)]
    pub fn target(&self) -> XmlHttpRequest {
        self.xhr.clone()
    }

    pub fn is(&self, conn: u32, rid: u64) -> bool {
        self.conn == conn && self.rid == rid
    }
}

impl Drop for HttpRequest {
    fn drop(&mut self) {
        // An abort fires neither `load` nor `error`, and the listeners go
        // with the struct right after this.
        let _ = self.xhr.abort();
    }
}
