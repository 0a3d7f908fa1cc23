//! What the parent told us: credentials, resource, pubsub service, transport,
//! timings, tracing. Kept apart from connection state so late settings in a
//! handshake burst are never lost (spec §3.1).

use crate::config::Config;
use crate::protocol::{PingSettings, Transport};

/// Type 15's ranges: below them a zero timeout would fail every request at
/// once; above them a silent server would pile up pings that never expire
/// (a timeout of days with a ping every second), each timer tick scanning
/// them all.
pub const REQUEST_TIMEOUT_MS: (u32, u32) = (500, 300_000);
pub const PING_INTERVAL_MS: (u32, u32) = (1000, 3_600_000);
pub const PING_MAX_RETRY: (u32, u32) = (0, 100);

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

    /// Applies type 15, each value moved into its range. True if any was
    /// moved.
    pub fn apply_ping(&mut self, p: PingSettings) -> bool {
        let mut moved = false;
        let mut within = |v: u32, (min, max): (u32, u32)| {
            moved |= !(min..=max).contains(&v);
            v.clamp(min, max)
        };
        if let Some(v) = p.request_timeout_ms {
            self.request_timeout_ms = within(v, REQUEST_TIMEOUT_MS);
        }
        if let Some(v) = p.ping_interval_ms {
            self.ping_interval_ms = within(v, PING_INTERVAL_MS);
        }
        if let Some(v) = p.max_retry {
            self.ping_max_retry = within(v, PING_MAX_RETRY);
        }
        moved
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

/// `[local@]domain`, each part as above.
pub fn valid_bare_jid(s: &str) -> bool {
    let (local, domain) = s.split_once('@').map_or((None, s), |(l, d)| (Some(l), d));
    valid_domain(domain) && local.is_none_or(valid_localpart)
}

/// A bare JID, or (where `resource`) a full one: a JID we may put in a
/// stanza.
#[cfg_attr(not(feature = "im"), allow(dead_code))]
pub fn valid_jid(s: &str, resource: bool) -> bool {
    match s.split_once('/') {
        None => valid_bare_jid(s),
        Some((bare, r)) => resource && valid_bare_jid(bare) && valid_text(r),
    }
}

/// Resources and node names: any text XML can carry.
pub fn valid_text(s: &str) -> bool {
    !s.is_empty() && s.len() <= 1023 && s.chars().all(|c| !c.is_control() && c != '\u{FFFE}' && c != '\u{FFFF}')
}
