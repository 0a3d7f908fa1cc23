//! The whole core: a tunnel logged in over a scripted PLAIN exchange
//! (WebSocket or BOSH, by configuration or type 12), then a script of
//! mutated server frames and replies to our own requests interleaved with
//! parent messages, timers, closes, re-logins and the shell's other inputs.
//! `core_driver.rs` checks each output.

use super::core_driver::Driver;
use xmpp_tunnel::transport::bosh::NS_HTTPBIND as HTTPBIND;
use super::Target;
use crate::corpus::Corpus;
use crate::dict;
use crate::mutate::Mutator;
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// Configurations logged in with: PLAIN allowed on loopback, and the
/// settings that change paths (fast reconnects, BOSH by default, small
/// limits, short timers and pings, several endpoints).
const CONFIGS: &[&str] = &[
    r#"{"allowInsecurePlain":true}"#,
    r#"{"allowInsecurePlain":true,"reconnectJitter":false,"reconnectBaseMs":10,"reconnectMaxMs":100,"reconnectStableMs":0}"#,
    r#"{"allowInsecurePlain":true,"transport":"bosh"}"#,
    r#"{"allowInsecurePlain":true,"maxStanzaBytes":1024,"maxParentMessageBytes":256}"#,
    r#"{"allowInsecurePlain":true,"requestTimeoutMs":100,"pingIntervalMs":100,"pingMaxRetry":0,"connectTimeoutMs":1000}"#,
    r#"{"allowInsecurePlain":true,"websocket":["/ws/","wss://b.example/ws"],"bosh":["/http-bind/","https://c.example/bind"]}"#,
    r#"{"allowInsecurePlain":true,"bosh":[]}"#,
];
const CREDENTIALS: &[&str] = &["3|desk", "1|Agent1", "5|d.example", "2|secret", "6|pubsub.d.example"];
const PROTOCOLS: &[&str] = &["xmpp", "", "XMPP", "xmpp-framing"];
const CLOSE_CODES: &[u16] = &[1000, 1001, 1006, 1011, 4000, 0, 65535];
const STATUSES: &[u16] = &[0, 404, 500, 503];
const FROMS: &[&str] = &["pubsub.d.example", "d.example", "agent1@d.example/desk", "evil.example"];

/// The header the page sends early, for the domain the driver logs in to.
const EARLY_HEADER: &str = "<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"d.example\" version=\"1.0\"/>";

/// The subprotocol the socket reports, by index (unknown: "xmpp").
fn protocol(p: u8) -> &'static str {
    PROTOCOLS.get(p as usize).copied().unwrap_or("xmpp")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Ev {
    /// A server frame on the current connection.
    Frame(String),
    /// An iq result (or error) from `FROMS` answering the last stanza we
    /// sent, with this content.
    Reply { error: bool, from: u8, content: String },
    Parent(String),
    /// The clock moves on, every deadline honoured on the way.
    Advance(u32),
    /// The timer fires this late.
    Late(u32),
    Closed(u16),
    Open(u8),
    /// The socket opened with the stream header already sent by the page
    /// (the early stream), then the answers the page held.
    OpenSent(u8),
    /// The server's side of a PLAIN login on the current connection.
    Login,
    /// A BOSH outcome for the `pick`-th waiting request: this status, or
    /// a 200 with this body.
    Http { pick: u8, status: u16, body: Option<String> },
    /// The shell's answer to `Output::Derive`: empty, zeros, or sevens.
    Derived(u8),
    Oversized,
    Unload,
    /// A frame on a connection that is gone.
    Stale(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Script {
    pub config: u8,
    /// Type 12 `bosh` before the credentials.
    pub bosh: bool,
    /// Type 16 with console tracing on.
    pub trace: bool,
    pub derive_elsewhere: bool,
    /// Log in first (else the events start with the credentials sent).
    pub login: bool,
    pub events: Vec<Ev>,
}

pub struct Core {
    frames: Mutator,
    replies: Mutator,
    parents: Mutator,
    bodies: Mutator,
}

impl Target for Core {
    type Input = Script;
    const NAME: &'static str = "core";
    const EXT: &'static str = "json";

    fn new(corpus: &Corpus) -> Core {
        Core {
            frames: Mutator::new(corpus.seeds("core"), &[dict::XML, dict::XMPP, dict::XMPP]),
            replies: Mutator::new(corpus.seeds("core-replies"), &[dict::XML, dict::XMPP]),
            parents: Mutator::new(corpus.seeds("parent"), &[dict::PARENT, dict::JSON, dict::NUMBERS]),
            bodies: Mutator::new(corpus.seeds("bosh"), &[dict::XML, dict::XMPP]),
        }
    }

    fn generate(&self, rng: &mut Rng) -> Script {
        let n = if rng.one_in(32) { rng.range(16, 256) } else { rng.range(1, 16) };
        Script {
            config: rng.below(CONFIGS.len()) as u8,
            bosh: rng.one_in(4),
            trace: rng.one_in(8),
            derive_elsewhere: rng.one_in(8),
            login: !rng.one_in(16),
            events: (0..n).map(|_| self.event(rng)).collect(),
        }
    }

    /// A seed frame arrives after the login, then time passes.
    fn seed_input(&self, seed: &str) -> Script {
        let events = vec![Ev::Frame(seed.to_string()), Ev::Advance(60_000), Ev::Parent("11|".into()), Ev::Advance(60_000)];
        Script { config: 0, bosh: false, trace: true, derive_elsewhere: false, login: true, events }
    }

    super::json_input!(Script);

    fn run(&self, s: &Script) -> Result<(), String> {
        let config = CONFIGS.get(s.config as usize).copied().unwrap_or(CONFIGS[0]);
        let mut d = Driver::new(config, s.derive_elsewhere);
        d.drain()?;
        if s.bosh {
            d.parent("12|bosh")?;
        }
        if s.trace {
            d.parent(r#"16|{"enableConsoleTraceLogging":"true"}"#)?;
        }
        for m in CREDENTIALS {
            d.parent(m)?;
        }
        if s.login {
            d.login()?;
            if !d.connected {
                return Err(format!("the scripted login did not reach connected (config {config})"));
            }
        }
        for (k, ev) in s.events.iter().enumerate() {
            step(&mut d, ev).map_err(|e| format!("{e}\n(at event {k})"))?;
        }
        Ok(())
    }
}

fn step(d: &mut Driver, ev: &Ev) -> Result<(), String> {
    match ev {
        Ev::Frame(f) => d.frame(f),
        Ev::Reply { error, from, content } => {
            let Some(id) = d.last_id.clone() else { return Ok(()) };
            let kind = if *error { "error" } else { "result" };
            let from = FROMS.get(*from as usize).copied().unwrap_or(FROMS[0]);
            let mut escaped = String::new();
            xmpp_tunnel::xml::escape_attr(&mut escaped, &id);
            d.frame(&format!("<iq xmlns='jabber:client' type='{kind}' id='{escaped}' from='{from}'>{content}</iq>"))
        }
        Ev::Parent(m) => d.parent(m),
        Ev::Advance(ms) => d.advance(*ms as u64),
        Ev::Late(ms) => {
            d.now += *ms as u64;
            d.budget(0);
            d.t.handle_timeout(d.now);
            d.drain()
        }
        Ev::Closed(code) => d.on_conn(|t, now, c| t.handle_closed(now, c, *code)),
        Ev::Open(p) => d.on_conn(|t, now, c| t.handle_open(now, c, protocol(*p))),
        // As the shell does: opened only if the core takes it.
        Ev::OpenSent(p) => {
            let url = d.url.clone();
            d.on_conn(|t, now, c| {
                if t.adopt_early(c, &url, Some(EARLY_HEADER)) {
                    t.handle_open(now, c, protocol(*p))
                }
            })
        }
        Ev::Login => d.login(),
        Ev::Http { pick, status, body } => {
            let waiting: Vec<u64> = d.outstanding.iter().filter(|(c, _)| Some(*c) == d.conn).map(|&(_, r)| r).collect();
            let Some(&rid) = waiting.get(*pick as usize % waiting.len().max(1)) else { return Ok(()) };
            match body {
                Some(b) => d.http(rid, 200, b),
                None => d.http(rid, *status, ""),
            }
        }
        Ev::Derived(kind) => {
            let answer = match kind % 3 {
                0 => Vec::new(),
                1 => vec![0; 80],
                _ => vec![7; 80],
            };
            let conn = d.derive.or(d.conn);
            d.on(conn, |t, now, c| {
                let _ = t.derivation(c).map(|x| (x.bits(), x.iterations));
                t.handle_derived(now, c, &answer)
            })
        }
        Ev::Oversized => d.on_conn(|t, now, c| t.handle_oversized(now, c)),
        Ev::Unload => {
            d.budget(0);
            d.t.handle_unload(d.now);
            d.drain()
        }
        Ev::Stale(f) => match d.conn {
            Some(c) if c > 0 => {
                d.budget(f.len());
                d.t.handle_message(d.now, c - 1, f);
                d.t.handle_http(d.now, c - 1, 0, 200, f);
                d.drain()
            }
            _ => Ok(()),
        },
    }
}

impl Core {
    fn event(&self, rng: &mut Rng) -> Ev {
        match rng.below(100) {
            0..=34 => Ev::Frame(self.frames.variant(rng)),
            35..=44 => Ev::Reply { error: rng.one_in(3), from: rng.below(FROMS.len()) as u8, content: self.reply(rng) },
            45..=64 => Ev::Parent(self.parent(rng)),
            65..=72 => Ev::Advance(rng.choose(&[1, 100, 999, 1000, 5_000, 10_000, 30_000, 61_000, 300_000])),
            73..=76 => Ev::Late(rng.choose(&[0, 1, 1000, 60_000, 100_000_000])),
            77..=79 => Ev::Closed(rng.choose(CLOSE_CODES)),
            80 | 81 => Ev::Open(rng.below(PROTOCOLS.len()) as u8),
            82 => Ev::OpenSent(rng.below(PROTOCOLS.len()) as u8),
            83..=86 => Ev::Login,
            87..=91 => {
                let body = (!rng.one_in(3)).then(|| self.body(rng));
                Ev::Http { pick: rng.byte(), status: rng.choose(STATUSES), body }
            }
            92 | 93 => Ev::Derived(rng.byte()),
            94 => Ev::Oversized,
            95 => Ev::Unload,
            _ => Ev::Stale(self.frames.generate(rng)),
        }
    }

    fn parent(&self, rng: &mut Rng) -> String {
        self.parents.variant(rng)
    }

    fn reply(&self, rng: &mut Rng) -> String {
        self.replies.variant(rng)
    }

    fn body(&self, rng: &mut Rng) -> String {
        if rng.bool() {
            format!("<body xmlns='{HTTPBIND}'>{}</body>", self.frames.variant(rng))
        } else {
            self.bodies.variant(rng)
        }
    }
}
