//! Deployment configuration: `config.json` served beside the tunnel page
//! (spec §4.2), read with serde_json. Unknown keys and bad values are
//! reported, never silently ignored; a broken file falls back to the safe
//! defaults (own origin only).

use crate::json;
use crate::protocol::Transport;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Parent origins allowed to drive the tunnel, normalized. Empty means
    /// only the tunnel's own origin.
    pub allowed_origins: Vec<String>,
    /// Legacy "any origin" mode: an explicit, documented opt-in.
    pub allow_any_origin: bool,
    /// WebSocket endpoints, tried in order; absolute or a path on the
    /// tunnel's own host. None means `/ws/`; an empty list, no WebSocket.
    pub websocket: Option<Vec<String>>,
    /// BOSH endpoints, the same way. None means `/http-bind/`; an empty
    /// list, no BOSH (and so no fallback to it).
    pub bosh: Option<Vec<String>>,
    /// Transport when the parent does not choose one (type 12).
    pub transport: Transport,
    pub max_parent_message_bytes: usize,
    pub max_stanza_bytes: usize,
    /// From opening the transport to a bound, ready session.
    pub connect_timeout_ms: u32,
    /// Defaults for type 15 (Finesse's: 10 s, 10 s, 2).
    pub request_timeout_ms: u32,
    pub ping_interval_ms: u32,
    pub ping_max_retry: u32,
    /// Allow SASL PLAIN over `ws:`/`http:` (test servers on loopback only).
    pub allow_insecure_plain: bool,
    /// Reconnect backoff: first bound, cap, how long a connection must last
    /// to reset it, and full jitter (off only to measure what it saves).
    pub reconnect_base_ms: u32,
    pub reconnect_max_ms: u32,
    pub reconnect_stable_ms: u32,
    pub reconnect_jitter: bool,
    /// Fewest SCRAM iterations a server may ask for (RFC 7677's 4096; lower
    /// only for a test server).
    pub min_scram_iterations: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            allowed_origins: Vec::new(),
            allow_any_origin: false,
            websocket: None,
            bosh: None,
            transport: Transport::WebSocket,
            max_parent_message_bytes: 64 << 10,
            max_stanza_bytes: 1 << 20,
            connect_timeout_ms: 30_000,
            request_timeout_ms: 10_000,
            ping_interval_ms: 10_000,
            ping_max_retry: 2,
            allow_insecure_plain: false,
            reconnect_base_ms: 1_000,
            reconnect_max_ms: 60_000,
            reconnect_stable_ms: 30_000,
            reconnect_jitter: true,
            min_scram_iterations: crate::xmpp::sasl::MIN_ITERATIONS,
        }
    }
}

impl Config {
    /// Parses `config.json`; returns the configuration and one line per
    /// problem found (for LOGGING).
    pub fn parse(text: &str) -> (Config, Vec<String>) {
        let mut problems = Vec::new();
        let mut cfg = Config::default();
        let Ok(map) = json::object(text) else {
            problems.push("config.json is not a JSON object; using the defaults (own origin only)".into());
            return (cfg, problems);
        };
        for (key, v) in &map {
            let ok = match key.as_str() {
                "allowedOrigins" => strings(v).map(|list| {
                    for o in &list {
                        match normalize_origin(o) {
                            Some(n) => cfg.allowed_origins.push(n),
                            None => {
                                // (Control characters shown as U+FFFD.)
                                let shown: String = o.chars().map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect();
                                problems.push(["config.json: allowedOrigins entry \"", &shown, "\" is not an http(s) origin; ignored"].concat())
                            }
                        }
                    }
                }),
                "allowAnyOrigin" => v.as_bool().map(|b| cfg.allow_any_origin = b),
                "websocket" => strings(v).map(|l| cfg.websocket = Some(l)),
                "bosh" => strings(v).map(|l| cfg.bosh = Some(l)),
                "transport" => v.as_str().and_then(Transport::parse).map(|t| cfg.transport = t),
                "allowInsecurePlain" => v.as_bool().map(|b| cfg.allow_insecure_plain = b),
                "reconnectJitter" => v.as_bool().map(|b| cfg.reconnect_jitter = b),
                k => match NUMBERS.iter().position(|(name, ..)| *name == k) {
                    Some(i) => json::whole(v).filter(|n| (NUMBERS[i].1..=NUMBERS[i].2).contains(n)).map(|n| cfg.set_number(i, n)),
                    None => {
                        problems.push(["config.json: unknown key \"", key, "\" ignored"].concat());
                        Some(())
                    }
                },
            };
            if ok.is_none() {
                problems.push(["config.json: bad value for \"", key, "\" ignored"].concat());
            }
        }
        (cfg, problems)
    }

    /// Whether a message from `origin` may drive the tunnel. `own` is the
    /// tunnel page's own origin, always allowed.
    pub fn origin_allowed(&self, origin: &str, own: &str) -> bool {
        if self.allow_any_origin || origin == own {
            return true;
        }
        normalize_origin(origin).is_some_and(|o| self.allowed_origins.contains(&o))
    }

    /// Where messages to the parent may go before it has spoken (`4|loaded`
    /// above all), never "*": the embedder's origin when the browser tells
    /// it (`location.ancestorOrigins[0]`) and it is allowed; with
    /// `allowAnyOrigin`, the referrer's origin; else each allowed origin and
    /// our own (the browser delivers a message only where the target origin
    /// matches).
    pub fn first_parent_targets(&self, own: &str, ancestor: Option<&str>, referrer: Option<&str>) -> Vec<String> {
        match ancestor.filter(|o| self.origin_allowed(o, own)) {
            Some(o) => vec![o.to_string()],
            None if self.allow_any_origin => referrer.and_then(normalize_origin).into_iter().collect(),
            None => self.allowed_origins.iter().cloned().chain([own.to_string()]).collect(),
        }
    }
}

/// The numeric keys and their allowed ranges, in `Config::set_number`'s
/// order (the timings' upper bounds are type 15's: see tunnel/settings.rs).
const NUMBERS: [(&str, u32, u32); 10] = [
    ("maxParentMessageBytes", 256, u32::MAX),
    ("maxStanzaBytes", 1024, u32::MAX),
    ("connectTimeoutMs", 1000, 300_000),
    ("requestTimeoutMs", 100, 300_000),
    ("pingIntervalMs", 100, 3_600_000),
    ("pingMaxRetry", 0, 100),
    ("reconnectBaseMs", 10, u32::MAX),
    ("reconnectMaxMs", 10, u32::MAX),
    ("reconnectStableMs", 0, u32::MAX),
    ("minScramIterations", 1, u32::MAX),
];

impl Config {
    fn set_number(&mut self, i: usize, n: u32) {
        match i {
            0 => self.max_parent_message_bytes = n as usize,
            1 => self.max_stanza_bytes = n as usize,
            2 => self.connect_timeout_ms = n,
            3 => self.request_timeout_ms = n,
            4 => self.ping_interval_ms = n,
            5 => self.ping_max_retry = n,
            6 => self.reconnect_base_ms = n,
            7 => self.reconnect_max_ms = n,
            8 => self.reconnect_stable_ms = n,
            _ => self.min_scram_iterations = n,
        }
    }
}

/// A list of strings; None if it is anything else.
fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?.iter().map(|s| s.as_str().map(str::to_string)).collect()
}


/// `Scheme://host[:port]` the way browsers serialize `event.origin`:
/// lower case, default port dropped, no path. None if not http(s).
pub fn normalize_origin(o: &str) -> Option<String> {
    let mut o = o.trim_ascii();
    while let Some(x) = o.strip_suffix('/') {
        o = x;
    }
    let (scheme, rest) = o.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default = match scheme.as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => return None,
    };
    host_of(rest)?;
    let host = rest.to_ascii_lowercase();
    let host = host.strip_suffix(default).unwrap_or(&host);
    Some([scheme.as_str(), "://", host].concat())
}

/// The authority (`host[:port]`) at the start of what follows a URL's `://`.
pub(crate) fn authority(after_scheme: &str) -> &str {
    let end = after_scheme.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(after_scheme.len());
    after_scheme.get(..end).unwrap_or_default()
}

/// The host of an authority: a name of letters, digits, `.`, `-` and `_`,
/// or an IPv6 literal in brackets (returned with them), followed by nothing
/// or a port of 1 to 5 digits up to 65535. None for anything else (an empty
/// host, user info, control characters, braces, a port that is not one).
pub(crate) fn host_of(authority: &str) -> Option<&str> {
    let b = authority.as_bytes();
    let end = if b.first() == Some(&b'[') {
        let close = b.iter().position(|&c| c == b']')?;
        let v6 = b.get(1..close)?;
        (!v6.is_empty() && v6.iter().all(|c| c.is_ascii_hexdigit() || matches!(c, b':' | b'.'))).then_some(close + 1)?
    } else {
        let end = b.iter().position(|&c| c == b':').unwrap_or(b.len());
        let name = b.get(..end)?;
        (!name.is_empty() && name.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))).then_some(end)?
    };
    let port_ok = match b.get(end..)? {
        [] => true,
        [b':', digits @ ..] => {
            !digits.is_empty() && digits.len() <= 5 && digits.iter().all(u8::is_ascii_digit)
                && digits.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')) <= 65535
        }
        _ => false,
    };
    port_ok.then(|| authority.get(..end)).flatten()
}

/// The endpoint URL for a configured entry (absolute, or a path on the
/// tunnel page's host) given the page's URL: `http://h:7071/tunnel/` and
/// `/ws/` → `ws://h:7071/ws/`; `/http-bind/` → `http://h:7071/http-bind/`.
/// None if the entry's scheme does not fit the transport.
pub fn endpoint_url(page: &str, entry: &str, transport: Transport) -> Option<String> {
    let schemes: [&str; 2] = match transport {
        Transport::WebSocket => ["ws://", "wss://"],
        Transport::Bosh => ["http://", "https://"],
    };
    if schemes.iter().any(|s| entry.starts_with(s)) {
        return Some(entry.to_string());
    }
    if !entry.starts_with('/') {
        return None;
    }
    let (scheme, rest) = page.split_once("://")?;
    let host = authority(rest);
    let secure = match scheme {
        "https" => true,
        "http" => false,
        _ => return None,
    };
    let scheme = schemes[secure as usize];
    Some([scheme, host, entry].concat())
}

#[cfg(test)]
mod tests {
    #[test]
    fn first_parent_targets_never_widen_to_any_origin() {
        let own = "http://localhost:7071";
        let (cfg, _) = Config::parse(r#"{"allowedOrigins":["https://desk.example"]}"#);
        let t = |a, r| cfg.first_parent_targets(own, a, r);
        assert_eq!(t(Some("https://desk.example"), None), ["https://desk.example"]);
        assert_eq!(t(Some("https://evil.example"), Some("https://evil.example/")), ["https://desk.example", own]);
        assert_eq!(t(None, None), ["https://desk.example", own]);
        let (any, _) = Config::parse(r#"{"allowAnyOrigin":true}"#);
        let t = |a, r| any.first_parent_targets(own, a, r);
        assert_eq!(t(Some("https://a.example"), Some("https://b.example")), ["https://a.example"]);
        assert_eq!(t(None, Some("https://b.example:443")), ["https://b.example"]);
        assert!(t(None, None).is_empty(), "nowhere rather than \"*\"");
        assert!(t(None, Some("null")).is_empty());
    }

    use super::*;

    #[test]
    fn defaults_allow_only_own_origin() {
        let c = Config::default();
        assert!(c.origin_allowed("http://localhost:7071", "http://localhost:7071"));
        assert!(!c.origin_allowed("http://127.0.0.1:7071", "http://localhost:7071"));
        assert!(!c.origin_allowed("null", "http://localhost:7071"));
    }

    #[test]
    fn parses_and_normalizes() {
        let (c, problems) = Config::parse(
            r#"{"allowedOrigins":["HTTPS://Desk.Example.com:443/","http://127.0.0.1:8080"],
                "websocket":["/ws","wss://b.example/ws/"],"transport":"BOSH","requestTimeoutMs":5000}"#,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(c.allowed_origins, ["https://desk.example.com", "http://127.0.0.1:8080"]);
        assert!(c.origin_allowed("https://desk.example.com", "https://x"));
        assert!(c.origin_allowed("http://127.0.0.1:8080", "https://x"));
        assert!(!c.origin_allowed("http://127.0.0.1:8081", "https://x"));
        assert!(!c.origin_allowed("https://desk.example.com.evil.net", "https://x"));
        assert_eq!(c.transport, Transport::Bosh);
        assert_eq!(c.request_timeout_ms, 5000);
        assert_eq!(c.websocket.map(|l| l.len()), Some(2));
    }

    #[test]
    fn junk_origins_are_reported_one_by_one() {
        let junk = ["https://:443", "https://", "http://a\u{1}b", "https://{x}", "https://a:99999", "https://a:", "https://[]", "ftp://a"];
        let json = format!("{{\"allowedOrigins\":{}}}", serde_json::to_string(&[&junk[..], &["https://[::1]:8443"]].concat()).unwrap());
        let (c, problems) = Config::parse(&json);
        assert_eq!(c.allowed_origins, ["https://[::1]:8443"]);
        assert_eq!(problems.len(), junk.len(), "{problems:?}");
        assert_eq!(problems[0], "config.json: allowedOrigins entry \"https://:443\" is not an http(s) origin; ignored");
        assert!(problems[2].contains("a\u{FFFD}b"), "control characters shown as U+FFFD: {}", problems[2]);
    }

    #[test]
    fn reports_problems() {
        let (c, p) = Config::parse(r#"{"alowedOrigins":["https://a"],"requestTimeoutMs":"soon","allowedOrigins":["ftp://x","https://ok"]}"#);
        assert_eq!(c.allowed_origins, ["https://ok"]);
        assert_eq!(c.request_timeout_ms, 10_000);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p.iter().any(|l| l.contains("alowedOrigins")));
        let (c, p) = Config::parse("not json");
        assert_eq!(c, Config::default());
        assert_eq!(p.len(), 1);
        let (_, p) = Config::parse("[1]");
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn every_numeric_key_sets_its_own_field() {
        let (c, p) = Config::parse(
            r#"{"maxParentMessageBytes":2001,"maxStanzaBytes":2002,"connectTimeoutMs":2003,"requestTimeoutMs":2004,
                "pingIntervalMs":2005,"pingMaxRetry":6,"reconnectBaseMs":2007,"reconnectMaxMs":2008,
                "reconnectStableMs":2009,"minScramIterations":2010}"#,
        );
        assert!(p.is_empty(), "{p:?}");
        let got = [c.max_parent_message_bytes as u32, c.max_stanza_bytes as u32, c.connect_timeout_ms,
            c.request_timeout_ms, c.ping_interval_ms, c.ping_max_retry, c.reconnect_base_ms, c.reconnect_max_ms,
            c.reconnect_stable_ms, c.min_scram_iterations];
        assert_eq!(got, [2001, 2002, 2003, 2004, 2005, 6, 2007, 2008, 2009, 2010]);
        // And each key's greatest: above it too.
        let (c, p) = Config::parse(r#"{"requestTimeoutMs":300001,"pingIntervalMs":3600001,"pingMaxRetry":101,"connectTimeoutMs":300001}"#);
        assert_eq!(p.len(), 4, "{p:?}");
        assert_eq!(c, Config::default());
        // Each key's least value still applies: below it, the default stays.
        let (c, p) = Config::parse(r#"{"maxParentMessageBytes":255,"maxStanzaBytes":1023,"connectTimeoutMs":999}"#);
        assert_eq!(p.len(), 3, "{p:?}");
        assert_eq!(c, Config::default());
    }

    #[test]
    fn any_origin_is_explicit() {
        let (c, _) = Config::parse(r#"{"allowAnyOrigin":true}"#);
        assert!(c.origin_allowed("https://anything.example", "https://x"));
    }

    #[test]
    fn endpoints_from_the_page_location() {
        let ws = |p, e| endpoint_url(p, e, Transport::WebSocket);
        let bosh = |p, e| endpoint_url(p, e, Transport::Bosh);
        assert_eq!(ws("http://h:7071/tunnel/", "/ws/").as_deref(), Some("ws://h:7071/ws/"));
        assert_eq!(ws("https://h:7443/tunnel/?x=1", "/ws/").as_deref(), Some("wss://h:7443/ws/"));
        assert_eq!(ws("https://h/", "wss://o/ws").as_deref(), Some("wss://o/ws"));
        assert_eq!(ws("https://h/", "ws.example/ws"), None);
        assert_eq!(ws("https://h/", "https://o/http-bind/"), None);
        assert_eq!(ws("file:///x", "/ws/"), None);
        assert_eq!(bosh("http://h:7071/tunnel/", "/http-bind/").as_deref(), Some("http://h:7071/http-bind/"));
        assert_eq!(bosh("https://h:7443/tunnel/", "/http-bind/").as_deref(), Some("https://h:7443/http-bind/"));
        assert_eq!(bosh("https://h/", "wss://o/ws"), None);
    }
}
