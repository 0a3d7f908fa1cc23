//! The SASL client over mutated server messages: server-first messages
//! built on the client's real nonce (`%NONCE%`) or taken from the seeds,
//! answers to the derivation (computed, made up, of the wrong length),
//! server-final messages that carry the right signature (`%SIG%`, known
//! when the answer was given) or not, in the expected order or any other.
//!
//! PBKDF2 runs as many rounds as the server asks, up to a million by
//! design: scripts ask for at most 16 (4096 now and then), and a script
//! read from a file is held to 4096.

use super::Target;
use crate::corpus::Corpus;
use crate::dict;
use crate::mutate::Mutator;
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use xmpp_tunnel::xmpp::sasl::{base64, Mechanism, SaslClient, Secret};

const MECHANISMS: &[Mechanism] = &[Mechanism::ScramSha1, Mechanism::ScramSha256, Mechanism::ScramSha512, Mechanism::Plain];
/// Round counts: generated scripts, and any script.
const CHEAP_ITERATIONS: u32 = 16;
const MAX_ITERATIONS: u32 = 4096;
/// The floor set on every client (RFC 7677's 4096 would make each run
/// thousands of rounds): an accepted server-first below it is a failure.
const FLOOR: u32 = 4;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Answer {
    /// What the derivation asks, computed.
    Computed,
    /// Made up: every byte this one (the signature is then known).
    Fill(u8),
    /// Of this (wrong) length: the client computes it itself.
    Length(u16),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Call {
    Initial,
    /// `challenge`: server-first answered with the client's own hashes.
    Challenge(String),
    /// `step`, deferring the derivation or not.
    Step { data: String, defer: bool },
    Derived(Answer),
    Success(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Script {
    pub mechanism: u8,
    pub user: String,
    pub password: String,
    pub nonce_bytes: u8,
    pub steps: Vec<Call>,
}

pub struct Scram {
    firsts: Mutator,
    finals: Mutator,
    words: Mutator,
}

impl Target for Scram {
    type Input = Script;
    const NAME: &'static str = "scram";
    const EXT: &'static str = "json";

    fn new(corpus: &Corpus) -> Scram {
        let (mut firsts, mut finals) = (Vec::new(), Vec::new());
        for (path, text) in corpus.seed_files("scram") {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name.starts_with("first") { firsts.push(text) } else { finals.push(text) }
        }
        let words = vec!["pencil".into(), "user".into(), "I\u{AD}X".into(), "\u{2168}".into(), "a,b=c".into(), "\u{627}1\u{627}".into()];
        Scram {
            firsts: Mutator::new(firsts, &[dict::SCRAM, dict::SCRAM, dict::NUMBERS]),
            finals: Mutator::new(finals, &[dict::SCRAM, dict::NUMBERS]),
            words: Mutator::new(words, &[]).with_limit(4096),
        }
    }

    fn generate(&self, rng: &mut Rng) -> Script {
        let mechanism = if rng.one_in(8) { rng.below(MECHANISMS.len()) as u8 } else { 0 };
        let user = if rng.one_in(16) { self.words.generate(rng) } else { "user".into() };
        let password = if rng.one_in(8) { self.words.generate(rng) } else { "pencil".into() };
        let nonce_bytes = if rng.one_in(16) { rng.choose(&[0, 15, 16, 17, 64]) } else { 18 };
        let cap = if rng.one_in(1000) { MAX_ITERATIONS } else { CHEAP_ITERATIONS };
        let first = cap_iterations(&self.server_first(rng), cap);
        let answer = match rng.below(8) {
            0 => Answer::Computed,
            1 => Answer::Length(rng.choose(&[0, 1, 79, 81, 128, 256])),
            _ => Answer::Fill(rng.byte()),
        };
        let fin = self.server_final(rng);
        let mut steps = match rng.below(6) {
            0 => vec![Call::Initial, Call::Challenge(first), Call::Success(fin)],
            1 => vec![Call::Initial, Call::Step { data: first, defer: true }, Call::Derived(answer),
                      Call::Step { data: fin, defer: false }, Call::Success(self.success_after_challenge(rng))],
            _ => vec![Call::Initial, Call::Step { data: first, defer: true }, Call::Derived(answer), Call::Success(fin)],
        };
        // Now and then, steps out of order, repeated or missing.
        for _ in 0..rng.below(3) {
            if rng.one_in(4) && !steps.is_empty() {
                let i = rng.below(steps.len());
                match rng.below(3) {
                    0 => drop(steps.remove(i)),
                    1 => steps.insert(rng.below(steps.len() + 1), steps[i].clone()),
                    _ => {
                        let j = rng.below(steps.len());
                        steps.swap(i, j);
                    }
                }
            }
        }
        Script { mechanism, user, password, nonce_bytes, steps }
    }

    /// A seed is a server-first (`first-*` files) or a server-final message.
    fn seed_input(&self, seed: &str) -> Script {
        let first = "r=%NONCE%srv,s=QSXCR+Q6sek8bf92,i=16";
        let steps = if seed.starts_with("r=") || seed.contains(",s=") {
            vec![Call::Initial, Call::Step { data: seed.into(), defer: true }, Call::Derived(Answer::Fill(1)), Call::Success("v=%SIG%".into())]
        } else {
            vec![Call::Initial, Call::Step { data: first.into(), defer: true }, Call::Derived(Answer::Fill(1)), Call::Success(seed.into())]
        };
        Script { mechanism: 0, user: "user".into(), password: "pencil".into(), nonce_bytes: 18, steps }
    }

    super::json_input!(Script);

    fn run(&self, s: &Script) -> Result<(), String> {
        let mechanism = MECHANISMS.get(s.mechanism as usize).copied().unwrap_or(Mechanism::ScramSha1);
        let nonce = vec![7u8; s.nonce_bytes as usize];
        let Ok(mut c) = SaslClient::new(mechanism, &s.user, Secret::Password(&s.password), &nonce) else { return Ok(()) };
        c.set_min_iterations(FLOOR);
        let client_nonce = base64::encode(&nonce);
        // The server signature, once the answer that holds it is known.
        let mut signature: Option<Vec<u8>> = None;
        let fill = |text: &str, sig: &Option<Vec<u8>>| -> Vec<u8> {
            let sig = sig.as_deref().map(base64::encode).unwrap_or_else(|| "AAAA".into());
            cap_iterations(&text.replace("%NONCE%", &client_nonce).replace("%SIG%", &sig), MAX_ITERATIONS).into_bytes()
        };
        for step in &s.steps {
            let _ = (c.mechanism(), c.keys().is_some());
            match step {
                Call::Initial => {
                    let _ = c.initial_response();
                }
                Call::Challenge(t) => {
                    let data = fill(t, &signature);
                    below_floor(&data, c.challenge(&data).is_ok())?;
                }
                Call::Step { data, defer } => {
                    let data = fill(data, &signature);
                    below_floor(&data, c.step(&data, *defer).is_ok())?;
                }
                Call::Derived(a) => {
                    let d = c.derivation();
                    let n = d.as_ref().map_or(20, |d| d.answer_len());
                    if let Some(d) = &d {
                        if d.bits() as usize * 4 / 8 != n {
                            return Err(format!("a derivation of {} bits asks for {n} bytes", d.bits()));
                        }
                    }
                    let answer = match a {
                        Answer::Computed => d.map(|d| d.compute()).unwrap_or_default(),
                        Answer::Fill(b) => vec![*b; n],
                        Answer::Length(len) => vec![3; *len as usize],
                    };
                    if answer.len() == n {
                        signature = answer.get(3 * n / 4..).map(<[u8]>::to_vec);
                    }
                    let _ = c.derived(&answer);
                }
                Call::Success(t) => {
                    let _ = c.success(&fill(t, &signature));
                }
            }
        }
        let _ = c.take_keys().map(|k| (k.iterations(), k.salt().len(), k.client_key().len()));
        Ok(())
    }
}

impl Scram {
    /// Mostly on the client's nonce, extended; else a seed, mutated.
    fn server_first(&self, rng: &mut Rng) -> String {
        if rng.one_in(3) {
            return self.firsts.generate(rng);
        }
        let suffix = match rng.below(4) {
            0 => String::new(),
            1 => self.firsts.soup(rng),
            _ => "3rfcNHYJY1ZVvWVs7j".into(),
        };
        let salt = rng.choose(&["QSXCR+Q6sek8bf92", "W22ZaJ0SNY7soEsUEjb6gQ==", "", "=", "AA", "!!", "cGVwcGVyIGFuZCBzYWx0"]);
        let i = rng.range(1, CHEAP_ITERATIONS as usize);
        let ext = rng.choose(&["", "", ",x=ext", ",m=must", ",", ",e=oops"]);
        let text = format!("r=%NONCE%{suffix},s={salt},i={i}{ext}");
        if rng.bool() {
            self.firsts.mutate(rng, &text)
        } else {
            text
        }
    }

    fn server_final(&self, rng: &mut Rng) -> String {
        match rng.below(4) {
            0 | 1 => "v=%SIG%".into(),
            2 => self.finals.mutate(rng, "v=%SIG%"),
            _ => self.finals.generate(rng),
        }
    }

    /// `<success/>` after a server-final sent as a challenge: usually empty.
    fn success_after_challenge(&self, rng: &mut Rng) -> String {
        match rng.below(3) {
            0 => "v=%SIG%".into(),
            1 => self.finals.generate(rng),
            _ => String::new(),
        }
    }
}

/// A server-first with fewer iterations than `FLOOR` must not be accepted.
fn below_floor(data: &[u8], accepted: bool) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    let i = text.split(',').nth(2).and_then(|p| p.strip_prefix("i=")).and_then(|n| n.parse::<u32>().ok());
    match i {
        Some(i) if accepted && i < FLOOR && text.starts_with("r=") => Err(format!("accepted {i} iterations, below the floor")),
        _ => Ok(()),
    }
}

/// Every `i=` value above `cap` that the client accepts (no leading zero,
/// at most 7 digits) lowered to `cap` (PBKDF2's rounds); others stay as
/// they are, for the client to refuse.
fn cap_iterations(text: &str, cap: u32) -> String {
    text.split(',')
        .map(|part| match part.strip_prefix("i=") {
            Some(n) if !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit()) && n.len() <= 7 && n.parse::<u32>().is_ok_and(|v| v > cap) => {
                format!("i={cap}")
            }
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}
