//! Where messages to the parent go: only to the origin of the last accepted
//! parent message, never to "*". Until the parent has spoken, `4|loaded`
//! goes to the embedder's origin when the browser tells it and it is
//! allowed, else to each allowed origin (the browser delivers a message only
//! where the target origin matches).

use super::io;
use crate::config::{normalize_origin, Config};
use crate::prelude::*;

pub(crate) struct ParentLink {
    verified: Option<String>,
    candidates: Vec<String>,
}

impl ParentLink {
    pub fn new(cfg: &Config, own_origin: &str, ancestor: &str, referrer: &str) -> ParentLink {
        let ancestor = Some(ancestor).filter(|o| !o.is_empty() && cfg.origin_allowed(o, own_origin));
        let candidates = match ancestor {
            Some(o) => vec![o.into()],
            None if cfg.allow_any_origin => referrer_origin(referrer).map_or(Vec::new(), |o| vec![o]),
            None => {
                let mut c = cfg.allowed_origins.clone();
                c.push(own_origin.into());
                c
            }
        };
        ParentLink { verified: None, candidates }
    }

    /// The origin of a message the shell accepted: from now on the page
    /// posts there (it keeps the origin, so that it is not copied out of
    /// wasm memory with every event).
    pub fn verified(&mut self, origin: &str) {
        if self.verified.as_deref() != Some(origin) {
            self.verified = Some(origin.into());
            io::target(origin);
        }
    }

    pub fn post(&self, msg: &str) {
        if self.verified.is_some() {
            return io::post(msg);
        }
        for o in &self.candidates {
            io::post_to(msg, o);
        }
    }
}

fn referrer_origin(referrer: &str) -> Option<String> {
    let (scheme, rest) = split_scheme(referrer)?;
    let host = before_any(rest, b"/");
    normalize_origin(&[scheme, "://", host].concat())
}
