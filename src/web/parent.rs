//! The window `message` gate and the way back to the parent (spec §4.1). A
//! message counts only if it comes from `window.parent` and an allowed
//! origin; anything else is dropped without an answer (answering would tell
//! a hostile page we exist). We post only to the parent's verified origin,
//! never to "*": until the parent has spoken, to the origins
//! `Config::first_parent_targets` gives for what the browser tells of the
//! embedder.

use super::{with, ShellRef};
use crate::config::Config;
use gloo_events::EventListener;
use wasm_bindgen::prelude::*;
use js_sys::JsString;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Window};

pub(crate) struct ParentLink {
    parent: Option<ParentWindow>,
    /// The origin of the last accepted message (and as a JavaScript string,
    /// so that it is not decoded from wasm memory at every event).
    pub verified: Option<(String, JsString)>,
    /// Until the parent has spoken: the origins `4|loaded` may go to.
    candidates: Vec<JsString>,
}

#[wasm_bindgen]
extern "C" {
    /// The parent window, as far as posting to it goes.
    type ParentWindow;

    /// `postMessage(message, targetOrigin)` with the message as text and
    /// the origin as a JavaScript string: one call per message, no string
    /// made twice (web-sys's `Window::post_message` takes a JsValue, made by
    /// a call of its own, and a `&str`, decoded again at every call).
    #[wasm_bindgen(method, catch, js_name = postMessage)]
    fn post_text(this: &ParentWindow, message: &str, target_origin: &JsString) -> Result<(), JsValue>;
}

impl ParentLink {
    pub fn new(window: &Window, cfg: &Config, own_origin: &str) -> ParentLink {
        let parent = window.parent().ok().flatten().map(JsCast::unchecked_into::<ParentWindow>);
        let targets = cfg.first_parent_targets(own_origin, ancestor_origin(window).as_deref(), referrer_origin(window).as_deref());
        let candidates = targets.iter().map(|o| JsString::from(o.as_str())).collect();
        ParentLink { parent, verified: None, candidates }
    }

    pub fn post(&self, msg: &str) {
        let Some(p) = &self.parent else { return };
        match &self.verified {
            Some((_, o)) => {
                let _ = p.post_text(msg, o);
            }
            None => {
                for o in &self.candidates {
                    let _ = p.post_text(msg, o);
                }
            }
        }
    }

    /// From now on, messages go to `origin` (a message from it was accepted).
    pub fn verify(&mut self, origin: String) {
        if self.verified.as_ref().is_none_or(|(o, _)| *o != origin) {
            let js = JsString::from(origin.as_str());
            self.verified = Some((origin, js));
        }
    }

    /// Whether `e` came from our parent window: an object identity test,
    /// which no origin check can replace (a sibling frame of an allowed
    /// origin has the same origin).
    pub fn is_source(&self, e: &MessageEvent) -> bool {
        match (e.source(), &self.parent) {
            (Some(src), Some(p)) => js_sys::Object::is(&src, p.unchecked_ref()),
            _ => false,
        }
    }
}

/// `location.ancestorOrigins[0]` where the browser has it (not in web-sys).
fn ancestor_origin(window: &Window) -> Option<String> {
    let list = js_sys::Reflect::get(window.location().as_ref(), &JsValue::from_str("ancestorOrigins")).ok()?;
    if list.is_undefined() || list.is_null() {
        return None;
    }
    js_sys::Reflect::get(&list, &JsValue::from_f64(0.0)).ok()?.as_string()
}

/// The origin of `document.referrer`, by the browser's URL parser.
fn referrer_origin(window: &Window) -> Option<String> {
    Some(web_sys::Url::new(&window.document()?.referrer()).ok()?.origin())
}

/// What the gate makes of one window message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Not from our parent, or from an origin that is not allowed: dropped
    /// without an answer.
    Ignore,
    /// From the parent, but not a string.
    NotString,
    /// From the parent, but longer than the limit (in UTF-16 units, each at
    /// least one byte: measured before it is copied into wasm memory).
    TooLong,
    Accept(String),
}

/// The gate: source, origin, type and size, in that order.
pub(crate) fn judge(e: &MessageEvent, link: &ParentLink, cfg: &Config, own_origin: &str) -> Verdict {
    if !link.is_source(e) || !cfg.origin_allowed(&e.origin(), own_origin) {
        return Verdict::Ignore;
    }
    match super::text_within(&e.data(), cfg.max_parent_message_bytes) {
        Ok(s) => Verdict::Accept(s),
        Err(super::NotText::TooLong) => Verdict::TooLong,
        Err(super::NotText::Other) => Verdict::NotString,
    }
}

pub(crate) fn listen(window: &Window, shell: &ShellRef, own_origin: String) -> EventListener {
    super::listen(window, "message", shell, move |shell, e| {
        let Some(e) = e.dyn_ref::<MessageEvent>() else { return };
        with(shell, |s, now| {
            let verdict = judge(e, &s.parent, s.tunnel.config(), &own_origin);
            if verdict != Verdict::Ignore {
                s.parent.verify(e.origin());
            }
            match verdict {
                Verdict::Ignore => {}
                Verdict::NotString => s.tunnel.log_parent_problem("ignored a parent message that is not a string"),
                Verdict::TooLong => s.tunnel.log_parent_problem("ignored a parent message over the size limit"),
                Verdict::Accept(data) => s.tunnel.handle_parent(now, &data),
            }
        })
    })
}
