//! Handling one verified message from the parent.

use super::settings::{valid_bare_jid, valid_domain, valid_localpart, valid_text};
use super::{Millis, Phase, Tunnel};
use crate::protocol::{self, ParentMessage, Transport};

impl Tunnel {
    pub fn handle_parent(&mut self, now: Millis, data: &str) {
        self.clock = now;
        let msg = match protocol::parse(data, self.cfg.max_parent_message_bytes) {
            Ok(m) => m,
            Err(e) => return self.log(&e.describe()),
        };
        match msg {
            ParentMessage::Id(v) => {
                // The legacy tunnel lower-cased the ID (JavaScript's
                // toLowerCase, all of Unicode); parents rely on it.
                self.settings.id = Some((self.unicode.lowercase)(v));
                self.credentials_changed(now);
            }
            ParentMessage::Password(v) => {
                self.settings.password = Some(crate::password::Password::new(v));
                self.credentials_changed(now);
            }
            ParentMessage::XmppDomain(v) => {
                self.settings.domain = Some(v.trim_ascii().to_ascii_lowercase());
                self.credentials_changed(now);
            }
            ParentMessage::ConnectReq(info) => {
                self.settings.id = Some((self.unicode.lowercase)(&info.id));
                self.settings.password = Some(crate::password::Password::new(&info.password));
                self.settings.domain = Some(info.domain.trim_ascii().to_ascii_lowercase());
                if let Some(t) = info.transport {
                    self.set_transport(now, t);
                }
                self.credentials_changed(now);
            }
            ParentMessage::ResourceId(v) => self.set_resource(now, v),
            ParentMessage::PubsubDomain(v) => {
                // A bare JID (`pubsub.d`, or `user@d` for PEP); anything
                // else (`/x` has an empty bare JID) would make the service
                // nobody, or everybody.
                let v = v.trim_ascii();
                if v.is_empty() || valid_bare_jid(v) {
                    self.settings.pubsub = Some(v.to_string());
                } else {
                    self.log("ignored type 6: not a bare JID (the pubsub service stays as it was)");
                }
            }
            ParentMessage::ConnectionType(t) => self.set_transport(now, t),
            ParentMessage::DisconnectProperties(p) => {
                if self.settings.apply_ping(p) {
                    self.log("type 15: moved a value into its range (timeout 500 ms to 5 min, ping interval 1 s to 1 h, retries 0 to 100)");
                }
            }
            ParentMessage::ContainerConfig { trace } => self.settings.trace = trace,
            ParentMessage::Subscribe(node) => self.request_subscribe(now, node),
            ParentMessage::Unsubscribe(node) => self.request_unsubscribe(now, node),
            ParentMessage::SubscriptionsReq => self.request_subscriptions(now),
            ParentMessage::DisconnectReq => self.disconnect_req(now),
            ParentMessage::Extension { ty, payload } => {
                if !self.im_request(now, ty, payload) {
                    self.log(&format!("ignored extension message of unsupported type {ty}"));
                }
            }
        }
    }

    /// For what the shell drops before parsing (e.g. non-string data).
    pub fn log_parent_problem(&mut self, line: &str) {
        self.log(line);
    }

    /// Connects once ID, domain and password are all known; a re-send of the
    /// values the current connection uses changes nothing (spec §3.1).
    fn credentials_changed(&mut self, now: Millis) {
        let (Some(id), Some(password), Some(domain)) =
            (&self.settings.id, &self.settings.password, &self.settings.domain)
        else {
            return;
        };
        let attempt = super::Attempt { id: id.clone(), password: password.clone(), domain: domain.clone() };
        let live = matches!(self.phase, Phase::Connecting | Phase::Resubscribing | Phase::Connected);
        if live && self.conn.as_ref().is_some_and(|c| c.attempt == attempt) {
            return;
        }
        // The same credentials while waiting to reconnect: the retry (and its
        // backoff, and a session that may be resumed) goes on.
        if matches!(self.phase, Phase::Waiting { .. }) && self.last_attempt.as_ref() == Some(&attempt) {
            return;
        }
        if matches!(self.phase, Phase::Unsubscribing { .. } | Phase::Closing { .. }) {
            // A new login during DISCONNECT_REQ: finish that first, so the
            // parent gets the `disconnected` it waits for.
            self.finish_close();
        }
        if !valid_localpart(&attempt.id) {
            self.log("the ID is not a valid XMPP user name");
            return self.stop(crate::protocol::Status::Unauthorized);
        }
        if !valid_domain(&attempt.domain) {
            self.log("the XMPP domain is not valid");
            return self.stop(crate::protocol::Status::Disconnected);
        }
        // New credentials: a fresh start (first endpoint, no backoff).
        self.reconnecting = false;
        self.backoff.reset();
        self.endpoint = 0;
        self.last_attempt = Some(attempt.clone());
        self.connect(now, attempt);
    }

    /// A resource that arrives late still applies: before binding it is
    /// simply used; after binding with another one, the session restarts once.
    fn set_resource(&mut self, now: Millis, v: &str) {
        let resource = if v.is_empty() || v == "undefined" {
            None
        } else if valid_text(v) {
            Some(v.to_string())
        } else {
            self.log("ignored a resource with characters XMPP cannot carry");
            return;
        };
        self.settings.resource = resource.clone();
        let live = matches!(self.phase, Phase::Connecting | Phase::Resubscribing | Phase::Connected);
        let Some(conn) = self.conn.as_mut().filter(|_| live) else { return };
        if !conn.session.set_resource(resource) {
            let attempt = conn.attempt.clone();
            self.log("resource changed after binding: starting a new session");
            self.connect(now, attempt);
        }
    }

    /// Type 12. Arriving after the connection started (a late setting in
    /// the handshake burst, spec §3.1), it restarts that connection once on
    /// the transport asked for.
    fn set_transport(&mut self, now: Millis, t: Transport) {
        self.settings.transport = t;
        let live = matches!(self.phase, Phase::Connecting | Phase::Resubscribing | Phase::Connected);
        if live && self.conn_transport().is_some_and(|c| c != t) {
            if let Some(a) = self.conn.as_ref().map(|c| c.attempt.clone()) {
                self.log("connection type changed: starting again on the transport asked for");
                self.endpoint = 0;
                self.connect(now, a);
            }
        }
    }
}
