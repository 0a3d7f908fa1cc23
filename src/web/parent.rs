//! The window `message` gate and the way back to the parent. A message is
//! accepted only from `window.parent` and an allowed origin; anything else is
//! dropped without an answer (answering would tell a hostile page we exist).
//! We post only to the parent's verified origin, never to "*".

use super::{with, ShellRef};
use crate::config::{normalize_origin, Config};
use gloo_events::EventListener;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Window};

pub(crate) struct ParentLink {
    parent: Option<Window>,
    /// The origin of the last accepted message.
    verified: Option<String>,
    /// Until the parent has spoken: the origins `4|loaded` may go to.
    candidates: Vec<String>,
}

impl ParentLink {
    pub fn new(window: &Window, cfg: &Config, own_origin: &str) -> ParentLink {
        let parent = window.parent().ok().flatten();
        // Chromium and WebKit tell us the embedder's origin; use it when it
        // is allowed, else offer `loaded` to each allowed origin (the
        // browser delivers it only where the target origin matches).
        let ancestor = ancestor_origin(window).filter(|o| cfg.origin_allowed(o, own_origin));
        let candidates = match ancestor {
            Some(o) => vec![o],
            None if cfg.allow_any_origin => referrer_origin(window).into_iter().collect(),
            None => {
                let mut c = cfg.allowed_origins.clone();
                c.push(own_origin.to_string());
                c
            }
        };
        ParentLink { parent, verified: None, candidates }
    }

    pub fn post(&self, msg: &str) {
        let Some(p) = &self.parent else { return };
        let data = JsValue::from_str(msg);
        match &self.verified {
            Some(o) => {
                let _ = p.post_message(&data, o);
            }
            None => {
                for o in &self.candidates {
                    let _ = p.post_message(&data, o);
                }
            }
        }
    }
}

/// `location.ancestorOrigins[0]` where the browser has it (not in web-sys).
fn ancestor_origin(window: &Window) -> Option<String> {
    let list = js_sys::Reflect::get(window.location().as_ref(), &JsValue::from_str("ancestorOrigins")).ok()?;
    if list.is_undefined() {
        return None;
    }
    js_sys::Reflect::get(&list, &JsValue::from_f64(0.0)).ok()?.as_string()
}

fn referrer_origin(window: &Window) -> Option<String> {
    let r = window.document()?.referrer();
    let (scheme, rest) = r.split_once("://")?;
    let host = rest.split('/').next()?;
    normalize_origin(&[scheme, "://", host].concat())
}

pub(crate) fn listen(window: &Window, shell: &ShellRef, own_origin: String) -> EventListener {
    let shell = shell.clone();
    EventListener::new(window, "message", move |e| {
        let Some(e) = e.dyn_ref::<MessageEvent>() else { return };
        let origin = e.origin();
        {
            let Ok(mut s) = shell.try_borrow_mut() else { return };
            let from_parent = match (e.source(), &s.parent.parent) {
                (Some(src), Some(p)) => js_sys::Object::is(&src, p.as_ref()),
                _ => false,
            };
            if !from_parent || !s.tunnel.config().origin_allowed(&origin, &own_origin) {
                return;
            }
            s.parent.verified = Some(origin);
        }
        let data = e.data();
        with(&shell, |s, now| match data.dyn_ref::<js_sys::JsString>() {
            // Measured before copying into wasm memory (a UTF-16 unit is at
            // least one byte); the core checks the exact byte length.
            Some(j) if j.length() as usize > s.tunnel.config().max_parent_message_bytes => {
                s.tunnel.log_parent_problem("ignored a parent message over the size limit")
            }
            Some(_) => s.tunnel.handle_parent(now, &data.as_string().unwrap_or_default()),
            None => s.tunnel.log_parent_problem("ignored a parent message that is not a string"),
        })
    })
}
