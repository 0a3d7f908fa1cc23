//! The shell's one timer. Browsers throttle timers in hidden and background
//! frames (Chromium: to one wake-up a minute after a while), which would
//! stretch ping failover detection from 40 s to minutes. A dedicated
//! worker's timers are not throttled that way, so the timer moves into a
//! tiny worker a second after start (a new worker costs the page's thread
//! a couple of milliseconds, which at once would land in the first login).
//! Where the worker cannot be made (a Content-Security-Policy without
//! `worker-src blob:`), or fails later (an `error` event), the timer stays
//! on or goes back to `setTimeout`; the core copes with late timers.

use super::Shell;
use gloo_events::EventListener;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, Url, Worker};

/// The worker: each message re-arms (or, when negative, cancels) one timeout.
const WORKER_JS: &str =
    "let t;onmessage=e=>{clearTimeout(t);if(e.data>=0)t=setTimeout(()=>postMessage(0),e.data)}";

/// How long after start the timer moves into its worker.
pub(crate) const WORKER_DELAY_MS: i32 = 1000;

enum Kind {
    Window { handle: Option<i32>, callback: Closure<dyn FnMut()> },
    Worker { worker: Worker, _listeners: [EventListener; 2] },
}

pub(crate) struct Timer {
    kind: Kind,
    fire: Rc<dyn Fn()>,
    /// The worker reported an error: back to `setTimeout` at the next arm.
    worker_failed: Rc<Cell<bool>>,
}

impl Timer {
    /// `fire` runs when the armed delay has passed.
    pub fn new(fire: impl Fn() + 'static) -> Timer {
        let fire: Rc<dyn Fn()> = Rc::new(fire);
        Timer { kind: window_kind(&fire), fire, worker_failed: Rc::new(Cell::new(false)) }
    }

    /// Fires once after `delay_ms`, replacing whatever was armed; a negative
    /// delay disarms.
    pub fn arm(&mut self, delay_ms: i32) {
        if self.worker_failed.get() && matches!(self.kind, Kind::Worker { .. }) {
            self.kind = window_kind(&self.fire);
        }
        match &mut self.kind {
            Kind::Worker { worker, .. } => {
                let _ = worker.post_message(&JsValue::from(delay_ms));
            }
            Kind::Window { handle, callback } => {
                let Some(window) = web_sys::window() else { return };
                if let Some(h) = handle.take() {
                    window.clear_timeout_with_handle(h);
                }
                if delay_ms >= 0 {
                    *handle = window
                        .set_timeout_with_callback_and_timeout_and_arguments_0(callback.as_ref().unchecked_ref(), delay_ms)
                        .ok();
                }
            }
        }
    }

    /// Moves into a worker where one can be made; true if it did. What was
    /// armed on `setTimeout` is cancelled: the caller arms again.
    pub fn use_worker(&mut self) -> bool {
        if matches!(self.kind, Kind::Worker { .. }) {
            return true;
        }
        let Some(worker) = make_worker() else { return false };
        self.arm(-1);
        let f = self.fire.clone();
        let on_tick = EventListener::new(&worker, "message", move |_| f());
        let (f, flag) = (self.fire.clone(), self.worker_failed.clone());
        // Fire once so that the shell re-arms, now on setTimeout.
        let on_error = EventListener::new(&worker, "error", move |_| {
            flag.set(true);
            f();
        });
        self.kind = Kind::Worker { worker, _listeners: [on_tick, on_error] };
        true
    }

    /// Whether the timer runs in a worker (for the tests).
    #[cfg(test)]
    pub fn in_worker(&self) -> bool {
        matches!(self.kind, Kind::Worker { .. }) && !self.worker_failed.get()
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        match &self.kind {
            Kind::Worker { worker, .. } => worker.terminate(),
            Kind::Window { .. } => self.arm(-1),
        }
    }
}

fn window_kind(fire: &Rc<dyn Fn()>) -> Kind {
    let f = fire.clone();
    Kind::Window { handle: None, callback: Closure::<dyn FnMut()>::new(move || f()) }
}

fn make_worker() -> Option<Worker> {
    let parts = js_sys::Array::of1(&JsValue::from_str(WORKER_JS));
    let opts = BlobPropertyBag::new();
    opts.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&parts, &opts).ok()?;
    let url = Url::create_object_url_with_blob(&blob).ok()?;
    let worker = Worker::new(&url).ok();
    let _ = Url::revoke_object_url(&url);
    worker
}

/// `f` with the shell, once, after `ms` on the page's own timers, unless
/// the shell is gone by then.
pub(crate) fn after(ms: i32, shell: Weak<RefCell<Shell>>, f: impl FnOnce(&super::ShellRef) + 'static) {
    let Some(window) = web_sys::window() else { return };
    let once = Closure::once_into_js(move || {
        if let Some(shell) = shell.upgrade() {
            f(&shell)
        }
    });
    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(once.unchecked_ref(), ms);
}

/// After `WORKER_DELAY_MS`, moves the shell's timer into its worker and
/// re-arms it there.
pub(crate) fn upgrade_later(shell: Weak<RefCell<Shell>>) {
    after(WORKER_DELAY_MS, shell, |shell| {
        super::with(shell, |s, _| {
            if s.timer.use_worker() {
                // Whatever was armed is re-armed by `with`, in the worker.
                s.armed = None;
            }
        })
    });
}
