//! The shell's one timer. Browsers throttle timers in hidden and background
//! frames (Chromium: to one wake-up per minute after a while), which would
//! stretch ping failover detection from 40 s to minutes. Timers in a
//! dedicated worker are not throttled that way, so the timer runs in a tiny
//! inline worker. Where a Content-Security-Policy forbids `blob:` workers
//! the worker fails (asynchronously, with an `error` event) and the timer
//! falls back to `setTimeout`; the core still copes with late timers.

use gloo_events::EventListener;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, Url, Worker};

/// The worker: each message re-arms (or, when negative, cancels) one timeout.
const WORKER_JS: &str =
    "let t;onmessage=e=>{clearTimeout(t);if(e.data>=0)t=setTimeout(()=>postMessage(0),e.data)}";

enum Kind {
    Worker { worker: Worker, _listeners: [EventListener; 2] },
    Window { handle: Option<i32>, callback: Closure<dyn FnMut()> },
}

pub(crate) struct Timer {
    kind: Kind,
    fire: Rc<dyn Fn()>,
    /// The worker reported an error (a CSP refused it, say).
    worker_failed: Rc<Cell<bool>>,
}

impl Timer {
    /// `fire` runs when the armed delay has passed.
    pub fn new(fire: impl Fn() + 'static) -> Timer {
        let fire: Rc<dyn Fn()> = Rc::new(fire);
        let failed = Rc::new(Cell::new(false));
        let kind = match worker() {
            Some(worker) => {
                let f = fire.clone();
                let on_tick = EventListener::new(&worker, "message", move |_| f());
                let (f, flag) = (fire.clone(), failed.clone());
                // Fire once so that the shell re-arms, now on setTimeout.
                let on_error = EventListener::new(&worker, "error", move |_| {
                    flag.set(true);
                    f();
                });
                Kind::Worker { worker, _listeners: [on_tick, on_error] }
            }
            None => window_kind(&fire),
        };
        Timer { kind, fire, worker_failed: failed }
    }

    /// Fires once after `delay_ms`, replacing whatever was armed; None disarms.
    pub fn arm(&mut self, delay_ms: Option<i32>) {
        if self.worker_failed.get() && matches!(self.kind, Kind::Worker { .. }) {
            self.kind = window_kind(&self.fire);
        }
        match &mut self.kind {
            Kind::Worker { worker, .. } => {
                let _ = worker.post_message(&JsValue::from(delay_ms.unwrap_or(-1)));
            }
            Kind::Window { handle, callback } => {
                let Some(window) = web_sys::window() else { return };
                if let Some(h) = handle.take() {
                    window.clear_timeout_with_handle(h);
                }
                if let Some(d) = delay_ms {
                    *handle = window
                        .set_timeout_with_callback_and_timeout_and_arguments_0(callback.as_ref().unchecked_ref(), d)
                        .ok();
                }
            }
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        match &self.kind {
            Kind::Worker { worker, .. } => worker.terminate(),
            Kind::Window { .. } => self.arm(None),
        }
    }
}

fn window_kind(fire: &Rc<dyn Fn()>) -> Kind {
    let f = fire.clone();
    Kind::Window { handle: None, callback: Closure::<dyn FnMut()>::new(move || f()) }
}

fn worker() -> Option<Worker> {
    let parts = js_sys::Array::of1(&JsValue::from_str(WORKER_JS));
    let opts = BlobPropertyBag::new();
    opts.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&parts, &opts).ok()?;
    let url = Url::create_object_url_with_blob(&blob).ok()?;
    let worker = Worker::new(&url).ok();
    let _ = Url::revoke_object_url(&url);
    worker
}
