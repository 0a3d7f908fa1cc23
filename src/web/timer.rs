//! The shell's one timer. Browsers throttle timers in hidden and background
//! frames (Chromium: to one wake-up per minute after a while), which would
//! stretch ping failover detection from 40 s to minutes. Timers in a
//! dedicated worker are not throttled that way, so the timer runs in a tiny
//! inline worker; where a Content-Security-Policy forbids `blob:` workers it
//! falls back to `setTimeout`, and the core still copes with late timers.

use gloo_events::EventListener;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, Url, Worker};

/// The worker: each message re-arms (or, when negative, cancels) one timeout.
const WORKER_JS: &str =
    "let t;onmessage=e=>{clearTimeout(t);if(e.data>=0)t=setTimeout(()=>postMessage(0),e.data)}";

pub(crate) enum Timer {
    Worker { worker: Worker, _listener: EventListener },
    Window { handle: Option<i32>, callback: Closure<dyn FnMut()> },
}

impl Timer {
    /// `fire` runs when the armed delay has passed.
    pub fn new(fire: impl Fn() + 'static) -> Timer {
        match worker() {
            Some(worker) => {
                let listener = EventListener::new(&worker, "message", move |_| fire());
                Timer::Worker { worker, _listener: listener }
            }
            None => Timer::Window { handle: None, callback: Closure::<dyn FnMut()>::new(fire) },
        }
    }

    /// Fires once after `delay_ms`, replacing whatever was armed; None disarms.
    pub fn arm(&mut self, delay_ms: Option<i32>) {
        match self {
            Timer::Worker { worker, .. } => {
                let _ = worker.post_message(&JsValue::from(delay_ms.unwrap_or(-1)));
            }
            Timer::Window { handle, callback } => {
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
        match self {
            Timer::Worker { worker, .. } => worker.terminate(),
            Timer::Window { .. } => self.arm(None),
        }
    }
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
