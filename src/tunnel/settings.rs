//! What the parent told us: credentials, resource, pubsub service, transport,
//! timings, tracing. Kept apart from connection state so late settings in a
//! handshake burst are never lost (spec §3.1).

use crate::config::Config;
use crate::protocol::{PingSettings, Transport};

pub const MIN_REQUEST_TIMEOUT_MS: u32 = 500;
pub const MIN_PING_INTERVAL_MS: u32 = 1000;

pub struct Settings {
    pub id: Option<String>,
    pub password: Option<crate::password::Password>,
    pub domain: Option<String>,
    pub resource: Option<String>,
    pub pubsub: Option<String>,
    pub transport: Transport,
    pub request_timeout_ms: u32,
    pub ping_interval_ms: u32,
    pub ping_max_retry: u32,
    pub trace: bool,
}

impl Settings {
    pub fn new(cfg: &Config) -> Settings {
        Settings {
            id: None,
            password: None,
            domain: None,
            resource: None,
            pubsub: None,
            transport: cfg.transport,
            request_timeout_ms: cfg.request_timeout_ms,
            ping_interval_ms: cfg.ping_interval_ms,
            ping_max_retry: cfg.ping_max_retry,
            trace: false,
        }
    }

    /// The pubsub service: type 6, or `pubsub.<domain>` (the legacy tunnel
    /// dropped every SUBSCRIBE when 6 never came).
    pub fn pubsub_service(&self) -> Option<String> {
        match (&self.pubsub, &self.domain) {
            (Some(p), _) if !p.is_empty() => Some(p.clone()),
            (_, Some(d)) => Some(["pubsub.", d].concat()),
            _ => None,
        }
    }

    /// Applies type 15; values below the minimums (a zero timeout would fail
    /// every request at once) are raised to them. True if any was raised.
    pub fn apply_ping(&mut self, p: PingSettings) -> bool {
        let mut raised = false;
        let mut at_least = |v: u32, min: u32| {
            raised |= v < min;
            v.max(min)
        };
        if let Some(v) = p.request_timeout_ms {
            self.request_timeout_ms = at_least(v, MIN_REQUEST_TIMEOUT_MS);
        }
        if let Some(v) = p.ping_interval_ms {
            self.ping_interval_ms = at_least(v, MIN_PING_INTERVAL_MS);
        }
        if let Some(v) = p.max_retry {
            self.ping_max_retry = v;
        }
        raised
    }
}

/// A JID localpart we can log in with: no characters RFC 7622 forbids there,
/// nothing XML cannot carry.
pub fn valid_localpart(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 1023
        && s.chars().all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '"' | '&' | '\'' | '/' | ':' | '<' | '>' | '@'))
}

pub fn valid_domain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 1023 && s.chars().all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '@' | '/' | '<' | '>' | '\'' | '"' | '&'))
}

/// Resources and node names: any text XML can carry.
pub fn valid_text(s: &str) -> bool {
    !s.is_empty() && s.len() <= 1023 && s.chars().all(|c| !c.is_control() && c != '\u{FFFE}' && c != '\u{FFFF}')
}
