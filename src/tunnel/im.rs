//! Where the tunnel hands IM (src/im/, feature `im`) its inputs and carries
//! out what IM asks. Without the feature every hook is empty and the module
//! carries no IM code (the page legacy parents load).

use super::connection::presence;
use super::{Millis, Tunnel};
use crate::xml::Element;

#[cfg(feature = "im")]
impl Tunnel {
    /// An extension message: true when IM took it.
    pub(super) fn im_request(&mut self, now: Millis, ty: u16, payload: &str) -> bool {
        let taken = self.im.request(now, ty, payload);
        self.drain_im();
        taken
    }

    pub(super) fn im_message(&mut self, el: Element) {
        self.im.on_message(el);
        self.drain_im();
    }

    pub(super) fn im_presence(&mut self, el: Element) {
        let now = self.clock;
        self.im.on_presence(now, el);
        self.drain_im();
    }

    /// A roster or blocklist push: answered here (true), else false.
    pub(super) fn im_iq_set(&mut self, el: Element) -> bool {
        let reply = self.im.on_iq_set(el);
        self.drain_im();
        reply.map(|r| self.send(r)).is_some()
    }

    pub(super) fn im_iq_reply(&mut self, now: Millis, el: Element) -> bool {
        let taken = self.im.on_iq_reply(now, el);
        self.drain_im();
        taken
    }

    /// A session is ready (`fresh`: new, else resumed).
    pub(super) fn im_ready(&mut self, now: Millis, fresh: bool) {
        let ver = self.conn.as_ref().is_some_and(|c| c.session.roster_ver_offered());
        let jid = self.last_jid.clone().unwrap_or_default();
        self.im.session_ready(now, &jid, ver, self.settings.request_timeout_ms, fresh);
        self.drain_im();
    }

    /// The presence a new session starts with: the parent's, if it set one.
    pub(super) fn initial_presence(&self) -> String {
        self.im.initial_presence().map_or_else(|| presence(None), str::to_string)
    }

    /// After the initial presence of a new session: the rooms we were in.
    pub(super) fn im_rejoin(&mut self) {
        self.im.after_presence();
        self.drain_im();
    }

    pub(super) fn im_lost(&mut self) {
        self.im.connection_lost();
    }

    pub(super) fn im_gone(&mut self) {
        self.im.session_gone();
        self.drain_im();
    }

    pub(super) fn im_reset(&mut self) {
        self.im.reset();
        self.drain_im();
    }

    /// Stream management handled one of its elements (or a resumption):
    /// the messages it has acknowledged are sent; if it was refused after
    /// `<enable/>`, nothing will acknowledge those still waiting.
    pub(super) fn im_sm(&mut self) {
        match (self.sm.acked_count(), self.sm.sent_count()) {
            (Some(h), _) => self.im.acked(h),
            (None, None) => self.im.no_acks(),
            // `<enable/>` sent, its answer not yet in.
            (None, Some(_)) => return,
        }
        self.drain_im();
    }

    pub(super) fn im_deadline(&self) -> Option<Millis> {
        self.im.next_deadline()
    }

    pub(super) fn im_timeout(&mut self, now: Millis) {
        self.im.handle_timeout(now);
        self.drain_im();
    }

    pub(super) fn im_prefix(&mut self) {
        self.im.set_prefix(self.requests.prefix());
    }

    fn drain_im(&mut self) {
        use crate::im::ImOut;
        loop {
            let out = self.im.take();
            if out.is_empty() {
                return;
            }
            for o in out {
                match o {
                    ImOut::Send(s) => self.send(s),
                    ImOut::Message { stanza, req, message_id } => {
                        self.send(stanza);
                        let n = self.sm.sent_count();
                        self.im.track(req, message_id, n);
                    }
                    ImOut::Parent(m) => self.post_parent(m),
                    ImOut::Log(l) => self.log(&l),
                }
            }
        }
    }
}

#[cfg(not(feature = "im"))]
impl Tunnel {
    pub(super) fn im_request(&mut self, _: Millis, _: u16, _: &str) -> bool {
        false
    }
    pub(super) fn im_message(&mut self, _: Element) {}
    pub(super) fn im_presence(&mut self, _: Element) {}
    pub(super) fn im_iq_set(&mut self, _: Element) -> bool {
        false
    }
    pub(super) fn im_iq_reply(&mut self, _: Millis, _: Element) -> bool {
        false
    }
    pub(super) fn im_ready(&mut self, _: Millis, _: bool) {}
    pub(super) fn initial_presence(&self) -> String {
        presence(None)
    }
    pub(super) fn im_rejoin(&mut self) {}
    pub(super) fn im_lost(&mut self) {}
    pub(super) fn im_gone(&mut self) {}
    pub(super) fn im_reset(&mut self) {}
    pub(super) fn im_sm(&mut self) {}
    pub(super) fn im_deadline(&self) -> Option<Millis> {
        None
    }
    pub(super) fn im_timeout(&mut self, _: Millis) {}
    pub(super) fn im_prefix(&mut self) {}
}
