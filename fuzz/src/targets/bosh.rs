//! The BOSH client alone: a session started, then a script of HTTP outcomes
//! (mutated bodies, failures, answers out of order and for stale rids),
//! timers, sends, restarts and terminates. Every body it posts must parse,
//! carry its own rid, and new rids must follow each other; the queue of
//! outputs is drained after each step and stays short; after a timer that
//! went well, no deadline is left in the past.

use super::Target;
use crate::corpus::Corpus;
use crate::dict;
use crate::mutate::Mutator;
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use xmpp_tunnel::transport::bosh::{Bosh, BoshEvent, BoshOut, NS_HTTPBIND};
use xmpp_tunnel::xml;

/// Stanzas the session gives it (the core's own, so well-formed).
const STANZAS: &[&str] = &[
    "<presence xmlns=\"jabber:client\"/>",
    "<iq xmlns=\"jabber:client\" type=\"get\" id=\"a\"/>",
    "<message xmlns=\"jabber:client\"><body>a &amp; b</body></message>",
    "<presence xmlns=\"jabber:client\" type=\"unavailable\"/>",
];
const STATUSES: &[u16] = &[0, 200, 301, 400, 404, 500, 502, 503, 65535];
const MAX_BYTES: &[usize] = &[1 << 20, 1024, 64];
/// Outputs one step may queue (requests ≤ 16, each maybe aborted and resent).
const MAX_OUTPUTS: usize = 64;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Ev {
    /// An outcome for the `pick`-th outstanding request (modulo their number).
    Respond { pick: u8, status: u16, body: String },
    /// An outcome for a rid we never sent or already had answered.
    Stale { offset: i16, status: u16, body: String },
    /// The timer fires late, `ms` on.
    Late { ms: u32 },
    /// The clock moves `ms` on with every deadline honoured on the way.
    Advance { ms: u32 },
    Send { stanza: u8 },
    Restart,
    Terminate { stanzas: u8 },
    ClearQueue,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Script {
    pub first_rid: u64,
    pub max_bytes: u8,
    pub events: Vec<Ev>,
}

pub struct BoshTarget {
    bodies: Mutator,
    frames: Mutator,
}

impl Target for BoshTarget {
    type Input = Script;
    const NAME: &'static str = "bosh";
    const EXT: &'static str = "json";

    fn new(corpus: &Corpus) -> BoshTarget {
        BoshTarget {
            bodies: Mutator::new(corpus.seeds("bosh"), &[dict::XML, dict::XMPP, dict::NUMBERS]),
            frames: Mutator::new(corpus.seeds("core"), &[dict::XML, dict::XMPP]),
        }
    }

    fn generate(&self, rng: &mut Rng) -> Script {
        let n = if rng.one_in(32) { rng.range(24, 200) } else { rng.range(1, 24) };
        let mut events = Vec::with_capacity(n + 1);
        // Mostly a session that gets created, so that the rest has one.
        if !rng.one_in(4) {
            events.push(Ev::Respond { pick: 0, status: 200, body: self.creation(rng) });
        }
        for _ in 0..n {
            events.push(self.event(rng));
        }
        let first_rid = match rng.below(4) {
            0 => rng.next_u64(),
            1 => (1u64 << 52) - 1 - rng.below(8) as u64,
            _ => 1000,
        };
        Script { first_rid, max_bytes: rng.below(MAX_BYTES.len()) as u8, events }
    }

    /// A seed body answers the session creation request.
    fn seed_input(&self, seed: &str) -> Script {
        let events = vec![
            Ev::Respond { pick: 0, status: 200, body: seed.to_string() },
            Ev::Respond { pick: 0, status: 200, body: seed.to_string() },
            Ev::Advance { ms: 120_000 },
        ];
        Script { first_rid: 1000, max_bytes: 0, events }
    }

    super::json_input!(Script);

    fn run(&self, script: &Script) -> Result<(), String> {
        let max_bytes = MAX_BYTES.get(script.max_bytes as usize).copied().unwrap_or(1 << 20);
        let mut d = Driver { b: Bosh::new("d.example", script.first_rid, max_bytes), now: 0, outstanding: Vec::new(), max_rid: None, dead: false };
        d.b.start(0);
        d.drain()?;
        for (k, ev) in script.events.iter().enumerate() {
            d.step(ev).map_err(|e| format!("{e}\n(at event {k}: {ev:?})"))?;
        }
        Ok(())
    }
}

impl BoshTarget {
    /// A session creation response, sometimes mutated.
    fn creation(&self, rng: &mut Rng) -> String {
        let requests = rng.choose(&["1", "2", "16", "17", "0", "99999999999999999999"]);
        let hold = rng.choose(&["0", "1", "2", "16"]);
        let body = format!(
            "<body xmlns='{NS_HTTPBIND}' sid='S1' wait='60' requests='{requests}' hold='{hold}' polling='2' \
             inactivity='30' xmlns:xmpp='urn:xmpp:xbosh' xmpp:version='1.0'>\
             <stream:features xmlns:stream='http://etherx.jabber.org/streams'/></body>"
        );
        if rng.one_in(4) {
            self.bodies.mutate(rng, &body)
        } else {
            body
        }
    }

    fn body(&self, rng: &mut Rng) -> String {
        match rng.below(5) {
            0 => format!("<body xmlns='{NS_HTTPBIND}'>{}</body>", self.frames.generate(rng)),
            1 => format!("<body xmlns='{NS_HTTPBIND}'/>"),
            2 => self.bodies.variant(rng),
            _ => self.bodies.generate(rng),
        }
    }

    fn status(rng: &mut Rng) -> u16 {
        if rng.one_in(5) {
            rng.choose(STATUSES)
        } else {
            200
        }
    }

    fn event(&self, rng: &mut Rng) -> Ev {
        match rng.below(16) {
            0..=5 => Ev::Respond { pick: rng.byte(), status: Self::status(rng), body: self.body(rng) },
            6 => Ev::Stale { offset: rng.range(0, 8) as i16 - 4, status: Self::status(rng), body: self.body(rng) },
            7 | 8 => Ev::Late { ms: rng.choose(&[0, 1, 500, 1000, 2000, 75_000, 10_000_000]) },
            9 | 10 => Ev::Advance { ms: rng.choose(&[1, 999, 1000, 5_000, 75_001, 600_000]) },
            11 | 12 => Ev::Send { stanza: rng.below(STANZAS.len()) as u8 },
            13 => Ev::Restart,
            14 => Ev::Terminate { stanzas: rng.below(3) as u8 },
            _ => Ev::ClearQueue,
        }
    }
}

struct Driver {
    b: Bosh,
    now: u64,
    /// Requests posted and not yet answered with a 200, oldest first.
    outstanding: Vec<u64>,
    max_rid: Option<u64>,
    /// A timer reported the session lost.
    dead: bool,
}

impl Driver {
    fn step(&mut self, ev: &Ev) -> Result<(), String> {
        match ev {
            Ev::Respond { pick, status, body } => {
                if let Some(&rid) = self.outstanding.get(*pick as usize % self.outstanding.len().max(1)) {
                    self.respond(rid, *status, body)?;
                }
            }
            Ev::Stale { offset, status, body } => {
                let base = self.max_rid.unwrap_or(1000);
                let rid = base.saturating_add_signed(*offset as i64);
                if !self.outstanding.contains(&rid) {
                    self.respond(rid, *status, body)?;
                }
            }
            Ev::Late { ms } => {
                self.now += *ms as u64;
                let _ = self.b.on_timeout(self.now);
            }
            Ev::Advance { ms } => self.advance(*ms as u64)?,
            Ev::Send { stanza } => self.b.send(self.now, stanza_at(*stanza).to_string()),
            Ev::Restart => self.b.restart(self.now),
            Ev::Terminate { stanzas } => {
                let last: Vec<String> = (0..*stanzas).map(|i| stanza_at(i).to_string()).collect();
                self.b.terminate(self.now, &last);
            }
            Ev::ClearQueue => self.b.clear_queue(),
        }
        let _ = (self.b.is_active(), self.b.is_started());
        self.drain()
    }

    fn respond(&mut self, rid: u64, status: u16, body: &str) -> Result<(), String> {
        match self.b.on_response(self.now, rid, status, body) {
            Ok(events) => {
                if status == 200 {
                    self.outstanding.retain(|&r| r != rid);
                }
                for ev in &events {
                    match ev {
                        BoshEvent::StreamOpened => {}
                        BoshEvent::Stanzas(doc) | BoshEvent::Terminated(doc) => {
                            let _ = doc.root().elements().map(|e| e.to_xml().len()).sum::<usize>();
                        }
                    }
                }
            }
            Err(e) => {
                let _ = format!("{e:?}");
            }
        }
        Ok(())
    }

    /// Deadlines honoured in order up to `ms` on, as a punctual timer would.
    fn advance(&mut self, ms: u64) -> Result<(), String> {
        let target = self.now + ms;
        if self.dead {
            self.now = target;
            return Ok(());
        }
        for _ in 0..10_000 {
            match self.b.poll_timeout().filter(|&d| d <= target) {
                Some(d) => {
                    self.now = self.now.max(d);
                    let ok = self.b.on_timeout(self.now).is_ok();
                    self.drain()?;
                    if !ok {
                        // The session is over (its owner drops it): no
                        // timer is kept for it.
                        self.dead = true;
                        self.now = target;
                        return Ok(());
                    }
                    if let Some(next) = self.b.poll_timeout().filter(|&n| n <= self.now) {
                        return Err(format!("a deadline left in the past after its timer fired\nnow {}, deadline {next}", self.now));
                    }
                }
                None => {
                    self.now = target;
                    return Ok(());
                }
            }
        }
        Err("over 10000 timer firings in one advance".into())
    }

    /// Takes every queued output and checks each request.
    fn drain(&mut self) -> Result<(), String> {
        let mut n = 0;
        while let Some(o) = self.b.poll_output() {
            n += 1;
            if n > MAX_OUTPUTS {
                return Err(format!("over {MAX_OUTPUTS} outputs queued by one step"));
            }
            match o {
                BoshOut::Post { rid, body } => {
                    check_body(rid, &body)?;
                    match self.max_rid {
                        Some(m) if rid > m && rid != m + 1 => return Err(format!("a new request skips rids: {m} then {rid}")),
                        Some(m) if rid <= m => {} // sent again
                        _ => self.max_rid = Some(rid),
                    }
                    if !self.outstanding.contains(&rid) {
                        self.outstanding.push(rid);
                    }
                }
                BoshOut::Abort { rid } => {
                    if self.max_rid.is_none_or(|m| rid > m) {
                        return Err(format!("an abort of a request never sent: {rid}"));
                    }
                }
            }
        }
        Ok(())
    }
}

fn stanza_at(i: u8) -> &'static str {
    STANZAS.get(i as usize).copied().unwrap_or(STANZAS[0])
}

/// A request body: one `<body/>` of the BOSH namespace, with its rid.
fn check_body(rid: u64, body: &str) -> Result<(), String> {
    let doc = xml::parse(body, &super::UNLIMITED)
        .map_err(|e| format!("a posted body does not parse ({e:?})\n{body:?}"))?;
    let root = doc.root();
    if !root.is("body", NS_HTTPBIND) {
        return Err(format!("a posted body that is not a BOSH <body/>\n{body:?}"));
    }
    if root.attr("rid").and_then(|r| r.parse::<u64>().ok()) != Some(rid) {
        return Err(format!("a body posted as rid {rid} says otherwise\n{body:?}"));
    }
    Ok(())
}
