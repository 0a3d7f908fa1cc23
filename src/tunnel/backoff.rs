//! When to try again after a lost connection: exponential backoff with full
//! jitter (delay drawn uniformly from [0, min(max, base·2ⁿ)]), so that
//! thousands of tunnels losing one server do not come back in lockstep.
//! Without jitter (for comparison in the storm benchmark) the delay is the
//! bound itself. The count resets once a connection has been stable.

use super::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffConfig {
    pub base_ms: u32,
    pub max_ms: u32,
    /// Connected this long: the next loss starts from `base_ms` again.
    pub stable_ms: u32,
    pub jitter: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Backoff {
    /// Consecutive failed or short-lived connections.
    failures: u32,
    /// When the current connection became ready.
    ready_at: Option<Millis>,
}

impl Backoff {
    /// The bound for the next delay.
    pub fn bound(&self, cfg: &BackoffConfig) -> Millis {
        doubled(cfg.base_ms as Millis, cfg.max_ms as Millis, self.failures)
    }

    /// The delay before the next attempt; `random` is uniform in [0, 1) as a
    /// fraction of 2³², from the shell's entropy.
    pub fn next_delay(&mut self, cfg: &BackoffConfig, now: Millis, random: u32) -> Millis {
        if let Some(at) = self.ready_at.take() {
            if now.saturating_sub(at) >= cfg.stable_ms as Millis {
                self.failures = 0;
            }
        }
        let bound = self.bound(cfg);
        self.failures = self.failures.saturating_add(1);
        if cfg.jitter {
            fraction(bound, random)
        } else {
            bound
        }
    }

    pub fn ready(&mut self, now: Millis) {
        self.ready_at = Some(now);
    }

    /// A fresh start (new credentials, DISCONNECT_REQ).
    pub fn reset(&mut self) {
        *self = Backoff::default();
    }
}

/// min(max, base·2ⁿ), without overflow.
pub fn doubled(base: Millis, max: Millis, n: u32) -> Millis {
    base.saturating_mul(1u64 << n.min(32)).min(max)
}

/// `bound` times `random` read as a fraction of 2³²: uniform in [0, bound).
pub fn fraction(bound: Millis, random: u32) -> Millis {
    ((bound as u128 * random as u128) >> 32) as Millis
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: BackoffConfig = BackoffConfig { base_ms: 1000, max_ms: 60_000, stable_ms: 30_000, jitter: true };

    #[test]
    fn bounds_double_up_to_the_cap() {
        let mut b = Backoff::default();
        let bounds: Vec<_> = (0..10)
            .map(|_| {
                let bound = b.bound(&CFG);
                b.next_delay(&CFG, 0, u32::MAX);
                bound
            })
            .collect();
        assert_eq!(bounds, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000]);
        for _ in 0..100 {
            b.next_delay(&CFG, 0, 0);
        }
        assert_eq!(b.bound(&CFG), 60_000, "no overflow after many failures");
    }

    #[test]
    fn delays_stay_within_bounds() {
        let mut b = Backoff::default();
        for r in [0, 1, u32::MAX / 2, u32::MAX] {
            let bound = b.bound(&CFG);
            let d = b.next_delay(&CFG, 0, r);
            assert!(d < bound || (d == 0 && bound == 0), "{d} < {bound}");
        }
        let mut b = Backoff::default();
        assert_eq!(b.next_delay(&CFG, 0, u32::MAX), 999);
        assert_eq!(Backoff::default().next_delay(&CFG, 0, 0), 0);
    }

    #[test]
    fn full_jitter_is_uniform() {
        // 20,000 draws from a fixed xorshift sequence: each tenth of [0, bound)
        // gets close to a tenth of the draws.
        let mut x: u32 = 0x9E37_79B9;
        let mut buckets = [0u32; 10];
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let d = Backoff::default().next_delay(&CFG, 0, x);
            buckets[(d / 100) as usize] += 1;
        }
        for b in buckets {
            assert!((1_800..2_200).contains(&b), "{buckets:?}");
        }
    }

    #[test]
    fn without_jitter_the_delay_is_the_bound() {
        let cfg = BackoffConfig { jitter: false, ..CFG };
        let mut b = Backoff::default();
        let d: Vec<_> = (0..3).map(|_| b.next_delay(&cfg, 0, 12345)).collect();
        assert_eq!(d, [1000, 2000, 4000]);
    }

    #[test]
    fn a_stable_connection_resets_the_count() {
        let mut b = Backoff::default();
        for _ in 0..4 {
            b.next_delay(&CFG, 0, 0);
        }
        b.ready(1_000);
        b.next_delay(&CFG, 20_000, 0);
        assert_eq!(b.bound(&CFG), 32_000, "19 s is not stable: keeps growing");
        b.ready(100_000);
        b.next_delay(&CFG, 130_000, 0);
        assert_eq!(b.bound(&CFG), 2_000, "30 s connected: starts again");
    }
}
