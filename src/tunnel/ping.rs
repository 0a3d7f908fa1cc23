//! Failover detection (XEP-0199, Finesse's type 15 timings): when the
//! connection has been silent for an interval, ping the server; a ping
//! unanswered within the request timeout is a miss; more misses in a row than
//! the retry count means the connection is dead. Anything received proves the
//! connection alive and starts the count again. A silent connection is thus
//! declared dead within interval × (retries + 1) + timeout.
//!
//! Late timers (a hidden iframe's are throttled) never count as misses by
//! themselves: a ping must have been sent and then left unanswered for the
//! whole timeout.

use crate::prelude::*;
use super::Millis;

#[derive(Debug, Default)]
pub(super) struct Pinger {
    /// When to send the next ping; None when not connected.
    next_at: Option<Millis>,
    /// Pings in flight: (id, deadline).
    outstanding: Vec<(String, Millis)>,
    misses: u32,
    seq: u32,
}

/// What the tunnel must do now.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum PingAction {
    Nothing,
    /// Send a ping with this id.
    Send(String),
    /// Too many misses: the connection is dead.
    Dead,
}

impl Pinger {
    pub fn start(&mut self, now: Millis, interval: u32) {
        *self = Pinger { next_at: Some(now + interval as Millis), seq: self.seq, ..Pinger::default() };
    }

    pub fn stop(&mut self) {
        self.next_at = None;
        self.outstanding.clear();
        self.misses = 0;
    }

    /// Something arrived: the connection is alive.
    pub fn activity(&mut self, now: Millis, interval: u32) {
        if self.next_at.is_some() {
            self.outstanding.clear();
            self.misses = 0;
            self.next_at = Some(now + interval as Millis);
        }
    }

    pub fn is_ping(&self, id: &str) -> bool {
        id.starts_with("ping-")
    }

    pub fn next_deadline(&self) -> Option<Millis> {
        self.outstanding.iter().fold(self.next_at, |t, (_, d)| earlier(t, Some(*d)))
    }

    pub fn on_timeout(&mut self, now: Millis, interval: u32, timeout: u32, retries: u32) -> PingAction {
        let Some(next_at) = self.next_at else { return PingAction::Nothing };
        let before = self.outstanding.len();
        self.outstanding.retain(|(_, d)| *d > now);
        self.misses += (before - self.outstanding.len()) as u32;
        if self.misses > retries {
            self.stop();
            return PingAction::Dead;
        }
        if now >= next_at {
            self.seq = self.seq.wrapping_add(1);
            let id = format!("ping-{}", self.seq);
            self.outstanding.push((id.clone(), now + timeout as Millis));
            self.next_at = Some(now + interval as Millis);
            return PingAction::Send(id);
        }
        PingAction::Nothing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a silent connection on a virtual clock, firing timers at their
    /// deadlines (`late` ms after each); returns when it was declared dead.
    fn dead_after(interval: u32, timeout: u32, retries: u32, late: Millis) -> Millis {
        let mut p = Pinger::default();
        p.start(0, interval);
        for _ in 0..1000 {
            let now = p.next_deadline().unwrap() + late;
            if p.on_timeout(now, interval, timeout, retries) == PingAction::Dead {
                return now;
            }
        }
        panic!("never declared dead");
    }

    #[test]
    fn a_silent_connection_is_dead_within_the_bound() {
        // Finesse's defaults: 10 s, 10 s, 2 → within 10×3 + 10 = 40 s.
        assert_eq!(dead_after(10_000, 10_000, 2, 0), 40_000);
        assert_eq!(dead_after(5_000, 2_000, 0, 0), 7_000);
        assert_eq!(dead_after(1_000, 3_000, 4, 0), 8_000);
    }

    #[test]
    fn late_timers_delay_but_never_invent_misses() {
        // Every timer a full minute late (a throttled hidden iframe): each
        // miss still needs a ping that was sent and left unanswered.
        let t = dead_after(10_000, 10_000, 2, 60_000);
        assert!(t > 40_000);
        let mut p = Pinger::default();
        p.start(0, 10_000);
        assert!(matches!(p.on_timeout(300_000, 10_000, 10_000, 2), PingAction::Send(_)), "first a ping, not a verdict");
    }

    #[test]
    fn traffic_resets_the_count() {
        let mut p = Pinger::default();
        p.start(0, 10_000);
        assert!(matches!(p.on_timeout(10_000, 10_000, 10_000, 0), PingAction::Send(_)));
        p.activity(15_000, 10_000);
        assert_eq!(p.next_deadline(), Some(25_000), "next ping only after another silent interval");
        assert!(matches!(p.on_timeout(25_000, 10_000, 10_000, 0), PingAction::Send(_)));
        assert_eq!(p.on_timeout(35_000, 10_000, 10_000, 0), PingAction::Dead);
        assert_eq!(p.next_deadline(), None, "stopped");
    }

    #[test]
    fn ids_are_recognizable() {
        let mut p = Pinger::default();
        p.start(0, 1000);
        let PingAction::Send(id) = p.on_timeout(1000, 1000, 1000, 2) else { panic!() };
        assert!(p.is_ping(&id));
        assert!(!p.is_ping("0a0b0c0d-1"));
    }
}
