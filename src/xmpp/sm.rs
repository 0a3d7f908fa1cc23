//! XEP-0198 stream management, client side: the counters, the stanzas sent
//! but not yet acknowledged, and what it takes to resume. It outlives a
//! connection (that is its point); the session negotiates `<resume/>` with
//! what it holds.

use super::ns;
use crate::xml::{Element, Writer};

pub const NS_SM: &str = "urn:xmpp:sm:3";

/// Unacknowledged stanzas kept for resending; beyond this the oldest are
/// dropped and resumption would be unsound, so it is given up.
const MAX_UNACKED: usize = 1000;

#[derive(Debug, Default)]
pub struct Sm {
    /// `<enable/>` sent on the current session: outbound counting runs.
    enabling: bool,
    /// `<enabled/>` received: inbound counting runs.
    enabled: bool,
    /// Inbound stanzas handled (the `h` we report).
    inbound: u32,
    /// Outbound stanzas sent since `<enable/>`.
    outbound: u32,
    /// The server's last `h` for our stanzas.
    acked: u32,
    /// Stanzas the server has not acknowledged, oldest first.
    unacked: Vec<String>,
    /// Resumption: the stream id the server gave (`<enabled resume='true'/>`).
    resume_id: Option<String>,
    /// Seconds the server keeps a lost session.
    max_s: Option<u32>,
    /// An `<r/>` of ours is waiting for its `<a/>`.
    asked: bool,
}

/// What resuming needs: `<resume previd h/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    pub previd: String,
    pub h: u32,
}

fn is_stanza(el: Element) -> bool {
    el.ns() == ns::CLIENT && matches!(el.name(), "message" | "presence" | "iq")
}

impl Sm {
    /// `<enable resume='true'/>` for a new session.
    pub fn enable(&mut self) -> String {
        *self = Sm { enabling: true, ..Sm::default() };
        let mut w = Writer::new();
        w.open("enable").attr("xmlns", NS_SM).attr("resume", "true");
        w.finish()
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// What to resume with after a loss, if the server allowed it.
    pub fn resume(&self) -> Option<Resume> {
        Some(Resume { previd: self.resume_id.clone()?, h: self.inbound })
    }

    /// The server's session is gone (resumption failed or was never
    /// possible): forget everything.
    pub fn reset(&mut self) {
        *self = Sm::default();
    }

    /// The server's count of our stanzas, while SM runs.
    pub fn acked_count(&self) -> Option<u32> {
        self.enabled.then_some(self.acked)
    }

    /// The number of the stanza sent last, while SM counts them (None:
    /// nothing will acknowledge it).
    pub fn sent_count(&self) -> Option<u32> {
        self.enabling.then_some(self.outbound)
    }

    pub fn max_resume_s(&self) -> Option<u32> {
        self.max_s
    }

    /// A stanza we are sending (counted and kept until acknowledged).
    pub fn sent(&mut self, stanza: &str) {
        if !self.enabling {
            return;
        }
        self.outbound = self.outbound.wrapping_add(1);
        self.unacked.push(stanza.to_string());
        if self.unacked.len() > MAX_UNACKED {
            self.unacked.remove(0);
            // Whatever was dropped could not be resent: no resumption.
            self.resume_id = None;
        }
    }

    /// `<r/>` to send after our stanzas, when none is outstanding.
    pub fn request_ack(&mut self) -> Option<String> {
        if !self.enabled || self.asked || self.unacked.is_empty() {
            return None;
        }
        self.asked = true;
        Some(r_element())
    }

    /// A received top-level element. Returns what to send back (`<a/>` for
    /// an `<r/>`), and whether the element was SM's own (not a stanza for
    /// the application).
    pub fn received(&mut self, el: Element) -> (Option<String>, bool) {
        if el.ns() != NS_SM {
            if self.enabled && is_stanza(el) {
                self.inbound = self.inbound.wrapping_add(1);
            }
            return (None, false);
        }
        match el.name() {
            "enabled" => {
                self.enabled = true;
                if matches!(el.attr("resume"), Some("true" | "1")) {
                    self.resume_id = el.attr("id").map(str::to_string);
                }
                self.max_s = el.attr("max").and_then(|n| n.parse().ok());
                // Stanzas sent since <enable/> wait for their first ack.
                (self.request_ack(), true)
            }
            // Only a stream with SM enabled owes acks.
            "r" => (self.enabled.then(|| self.a_element()), true),
            "a" => {
                if let Some(h) = el.attr("h").and_then(|n| n.parse().ok()) {
                    self.ack(h);
                }
                self.asked = false;
                (None, true)
            }
            // `<failed/>` after `<enable/>`: no SM on this session.
            "failed" => {
                self.reset();
                (None, true)
            }
            _ => (None, true),
        }
    }

    /// The server acknowledged up to `h`: drop those from the queue. An `h`
    /// beyond what we sent is a server bug; we keep what we have.
    fn ack(&mut self, h: u32) {
        let newly = h.wrapping_sub(self.acked);
        if newly as usize > self.unacked.len() {
            return;
        }
        self.unacked.drain(..newly as usize);
        self.acked = h;
    }

    /// `<resumed h/>`: drop what the server got, return what to send again;
    /// counting goes on as before. None when `h` claims more than we sent
    /// (XEP-0198 handled-count-too-high).
    pub fn resumed(&mut self, h: u32) -> Option<Vec<String>> {
        if h.wrapping_sub(self.acked) as usize > self.unacked.len() {
            return None;
        }
        self.ack(h);
        self.enabling = true;
        self.enabled = true;
        self.asked = false;
        let again = std::mem::take(&mut self.unacked);
        // Resent stanzas are counted and kept again.
        self.outbound = self.acked;
        for s in &again {
            self.sent(s);
        }
        Some(again)
    }

    fn a_element(&self) -> String {
        let mut w = Writer::new();
        w.open("a").attr("xmlns", NS_SM).attr("h", &self.inbound.to_string());
        w.finish()
    }
}

fn r_element() -> String {
    let mut w = Writer::new();
    w.open("r").attr("xmlns", NS_SM);
    w.finish()
}

/// `<resume xmlns h previd/>`.
pub fn resume_element(r: &Resume) -> String {
    let mut w = Writer::new();
    w.open("resume").attr("xmlns", NS_SM).attr("h", &r.h.to_string()).attr("previd", &r.previd);
    w.finish()
}
