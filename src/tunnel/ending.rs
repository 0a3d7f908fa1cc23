//! Every way a connection ends: lost (retry with backoff, `reconnecting`),
//! refused for good (`unauthorized`, `conflict`, `disconnected`),
//! DISCONNECT_REQ (unsubscribe, close cleanly), the server's `<close/>`, and
//! page unload.

use super::connection::presence;
use super::{End, Millis, Output, Phase, Tunnel};
use crate::protocol::Status;

/// How long we wait for the server's `<close/>` before closing the socket.
const CLOSE_WAIT_MS: Millis = 2_000;

impl Tunnel {
    /// The connection is over without our asking.
    pub(super) fn end(&mut self, now: Millis, end: End) {
        // A loss during DISCONNECT_REQ (or with nothing to log in with)
        // completes the disconnect instead of retrying.
        if matches!(self.phase, Phase::Unsubscribing { .. } | Phase::Closing { .. }) || self.last_attempt.is_none() {
            return match end {
                End::Stop(status) if self.last_attempt.is_some() => self.stop(status),
                _ => self.finish_close(),
            };
        }
        match end {
            End::Retry => self.retry(now, false),
            End::MoveOn => self.retry(now, true),
            End::Stop(status) => self.stop(status),
        }
    }

    /// Lost: try again after a jittered, growing delay (or, `at_once`, now
    /// on the next endpoint). Requests wait in the queue (each until its
    /// own timeout); subscriptions are renewed on the next session.
    fn retry(&mut self, now: Millis, at_once: bool) {
        let was_ready = self.conn.as_ref().is_some_and(|c| c.jid.is_some());
        let endpoint = self.conn.as_ref().map(|c| c.endpoint.clone());
        if self.sm.resume().is_some() {
            // XEP-0198 §7: a clean <close/> would end the session we want
            // to resume; just let go of the socket.
            self.mark_closed();
        }
        self.drop_conn();
        self.redirects = 0;
        if was_ready {
            self.lost_at = Some(now);
        }
        match (self.sm.resume(), was_ready) {
            (None, _) => {
                // Nothing to resume: the session's requests are lost with it.
                self.abandon_session();
            }
            (Some(_), true) => {
                // Keep to WebSocket while the server may still resume it.
                const PREFER_MS: Millis = 30_000;
                let window = self.sm.max_resume_s().map_or(PREFER_MS, |s| (s as Millis * 1000).min(PREFER_MS));
                self.resume_until = Some(now + window);
            }
            (Some(_), false) => {}
        }
        if was_ready || at_once {
            // Lost after a session, or the server going away: every other
            // endpoint of the transport before this one (a killed cluster
            // node first, it would be the first tried again).
            self.demoted = endpoint;
            self.endpoint = 0;
        } else {
            // This endpoint failed before a session: try the next one.
            self.endpoint = self.endpoint.wrapping_add(1);
        }
        let mut r = [0u8; 4];
        (self.entropy)(&mut r);
        let mut delay = self.backoff.next_delay(&self.backoff_config(), now, u32::from_le_bytes(r));
        if at_once && !std::mem::replace(&mut self.moved_on, true) {
            delay = 0;
        }
        self.phase = Phase::Waiting { until: now + delay };
        self.log(&format!("reconnecting in {delay} ms"));
        if !self.reconnecting {
            self.reconnecting = true;
            self.status(Status::Reconnecting);
        }
    }

    /// For good: no automatic reconnect; every open request is answered.
    /// (Also used to refuse invalid credentials or endpoints up front.)
    pub(super) fn stop(&mut self, status: Status) {
        self.drop_conn();
        self.sm.reset();
        self.abandon_session();
        self.im_reset();
        self.phase = Phase::Idle;
        self.reconnecting = false;
        self.backoff.reset();
        self.fail_queued();
        if status == Status::Unauthorized {
            // Wrong credentials stay wrong: wait for the parent to send new
            // ones, and hold no copy of these meanwhile.
            self.settings.password = None;
            self.last_attempt = None;
        }
        self.status(status);
    }

    /// The server's `<close/>`: the end of DISCONNECT_REQ, or a loss.
    pub(super) fn server_closed(&mut self, now: Millis, see_other_uri: Option<String>) {
        if matches!(self.phase, Phase::Closing { .. }) {
            return self.finish_close();
        }
        if let Some(uri) = see_other_uri {
            return self.follow(now, super::connection::SeeOther::Uri(&uri));
        }
        self.log("the server closed the stream");
        self.end(now, End::Retry);
    }

    /// `pagehide`: the page is going away and nothing can be awaited, so
    /// unsubscribe and close in one go.
    pub fn handle_unload(&mut self, now: Millis) {
        self.clock = now;
        self.status(Status::Unloading);
        if matches!(self.phase, Phase::Connected | Phase::Resubscribing) {
            self.send_all_final_unsubscribes(now);
            self.send(presence(Some("unavailable")));
        }
        self.fail_queued();
        self.drop_conn();
        self.sm.reset();
        self.abandon_session();
        self.im_reset();
        self.phase = Phase::Idle;
        self.reconnecting = false;
    }

    /// DISCONNECT_REQ (type 11): `unloading`, unsubscribe every node, close
    /// cleanly, `disconnected`; no automatic reconnect afterwards.
    pub(super) fn disconnect_req(&mut self, now: Millis) {
        if matches!(self.phase, Phase::Unsubscribing { .. } | Phase::Closing { .. }) {
            return; // Already on its way to `disconnected`.
        }
        self.status(Status::Unloading);
        // Forget the password: a new connection needs it sent again.
        self.settings.password = None;
        self.last_attempt = None;
        self.reconnecting = false;
        self.backoff.reset();
        match self.phase {
            Phase::Connected | Phase::Resubscribing => {
                self.fail_queued();
                if self.send_final_unsubscribes(now) {
                    let deadline = now + self.settings.request_timeout_ms as Millis;
                    self.phase = Phase::Unsubscribing { deadline };
                } else {
                    self.begin_close(now);
                }
            }
            Phase::Connecting | Phase::Waiting { .. } | Phase::Idle => {
                // Whatever the server still holds is cleaned up next session.
                self.subs.retire_all();
                self.stop(Status::Disconnected);
            }
            Phase::Unsubscribing { .. } | Phase::Closing { .. } => {}
        }
    }

    /// All final unsubscribes answered (or timed out): close the stream.
    pub(super) fn begin_close(&mut self, now: Millis) {
        self.drop_backlog();
        self.pinger.stop();
        self.status(Status::Disconnecting);
        self.send(presence(Some("unavailable")));
        self.send_close();
        self.phase = Phase::Closing { deadline: now + CLOSE_WAIT_MS };
    }

    /// Ends a DISCONNECT_REQ (also early, when new credentials arrive
    /// meanwhile: the parent still gets its `disconnected`).
    pub(super) fn finish_close(&mut self) {
        self.drop_conn();
        self.sm.reset();
        self.abandon_session();
        self.im_reset();
        self.phase = Phase::Idle;
        self.status(Status::Disconnected);
    }

    /// Deadlines of DISCONNECT_REQ: expired final unsubscribes get their
    /// replies first, then the close goes ahead.
    pub(super) fn timeout_closing(&mut self, now: Millis) {
        self.expire_requests(now);
        match self.phase {
            Phase::Closing { deadline } if now >= deadline => self.finish_close(),
            Phase::Unsubscribing { deadline } if now >= deadline => self.begin_close(now),
            _ => {}
        }
    }

    /// Closes the connection. (Its session's requests live on if it may
    /// be resumed; the callers settle them otherwise.)
    pub(super) fn drop_conn(&mut self) {
        self.im_lost();
        self.discard_queued_stanzas();
        self.send_close();
        self.pinger.stop();
        if let Some(c) = self.conn.take() {
            self.out.push(Output::Close { conn: c.id });
        }
    }
}
