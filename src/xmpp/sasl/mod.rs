//! SASL client side for XMPP (RFC 6120 §6): mechanism choice and the per-exchange
//! state machine over raw (already base64-decoded) payloads. Sans-IO: the caller
//! supplies the random nonce bytes and moves the payloads in and out of the stream.

pub mod base64;
mod hash;
mod plain;
mod saslprep;
mod scram;
pub use saslprep::{native_nfkc, Nfkc};
pub use scram::Derivation;

use std::fmt;
use hash::HashAlg;

/// The answer to a `Derivation` given as the page's fallback module gets it
/// (`scram/src/lib.rs`); None for a `bits` other than 160, 256 or 512, or
/// cached keys of the wrong length.
#[cfg(feature = "hashes")]
pub fn compute(bits: u32, keyed: bool, secret: &[u8], salt: &[u8], iterations: u32, auth: &[u8]) -> Option<Vec<u8>> {
    let hash = [HashAlg::Sha1, HashAlg::Sha256, HashAlg::Sha512].into_iter().find(|h| h.output_len() * 8 == bits as usize)?;
    if keyed && secret.len() != 2 * hash.output_len() {
        return None;
    }
    Some(Derivation { hash, secret, keyed, salt, iterations, auth }.compute())
}

/// Highest SCRAM iteration count we accept: a hostile server must not be able to make
/// the browser tab spin in PBKDF2 for minutes.
pub const MAX_ITERATIONS: u32 = 1_000_000;

/// Fewest SCRAM iterations accepted by default (RFC 7677 §4's floor): a
/// man in the middle asking for `i=1` would make the proof thousands of
/// times cheaper to brute-force. A test server may be allowed fewer
/// (`SaslClient::set_min_iterations`).
pub const MIN_ITERATIONS: u32 = 4096;

/// Fewest random bytes accepted for a SCRAM client nonce (128 bits).
pub const MIN_NONCE_BYTES: usize = 16;

/// Mechanisms we implement, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    ScramSha512,
    ScramSha256,
    ScramSha1,
    Plain,
}

impl Mechanism {
    const ALL: [Mechanism; 4] = [
        Mechanism::ScramSha512,
        Mechanism::ScramSha256,
        Mechanism::ScramSha1,
        Mechanism::Plain,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mechanism::ScramSha512 => "SCRAM-SHA-512",
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            Mechanism::ScramSha1 => "SCRAM-SHA-1",
            Mechanism::Plain => "PLAIN",
        }
    }

    /// The mechanism with this name (case-insensitive, surrounding whitespace ignored).
    pub fn from_name(name: &str) -> Option<Mechanism> {
        let name = name.trim_ascii();
        Mechanism::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name))
    }

    /// The strongest mechanism both sides support, one offered name at a
    /// time (fold the server's <mechanism> texts through it, from None):
    /// the stronger of `best` and `name`. Names in any case; unknown ones
    /// are ignored, e.g. the -PLUS variants, which need channel binding we
    /// cannot do in a browser. PLAIN only if allow_plain.
    pub fn better(best: Option<Mechanism>, name: &str, allow_plain: bool) -> Option<Mechanism> {
        let m = Mechanism::from_name(name).filter(|&m| allow_plain || m != Mechanism::Plain);
        match (best, m) {
            // Declaration order is strength order.
            (Some(b), Some(m)) if (b as u8) < (m as u8) => Some(b),
            (b, None) => b,
            (_, m) => m,
        }
    }

    fn hash(self) -> Option<HashAlg> {
        match self {
            Mechanism::ScramSha512 => Some(HashAlg::Sha512),
            Mechanism::ScramSha256 => Some(HashAlg::Sha256),
            Mechanism::ScramSha1 => Some(HashAlg::Sha1),
            Mechanism::Plain => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaslError {
    /// A base64 value inside a server message is invalid.
    BadBase64,
    /// A server message (challenge or success data) does not follow the grammar,
    /// or uses a mandatory extension ("m=") we do not support.
    MalformedChallenge,
    /// The server nonce does not extend ours.
    NonceMismatch,
    /// Iteration count missing, not a number, 0, or above [`MAX_ITERATIONS`].
    BadIterationCount,
    /// Fewer iterations than allowed (by default [`MIN_ITERATIONS`]).
    TooFewIterations(u32),
    /// The server could not prove it knows the password: do not trust this server.
    ServerSignatureMismatch,
    /// The server's "e=" attribute, e.g. "invalid-proof".
    ServerError(String),
    /// SCRAM <success/> came without the server signature.
    MissingServerSignature,
    /// The password contains a character SASLprep prohibits (incl. bidi violations).
    ProhibitedPasswordChar,
    /// The password is empty (after SASLprep for SCRAM).
    EmptyPassword,
    /// The password needs Unicode normalization (SASLprep's NFKC) and this
    /// build was given none.
    NoNormalization,
    /// The username is empty or contains NUL.
    InvalidUsername,
    /// Fewer than [`MIN_NONCE_BYTES`] random bytes were supplied.
    NonceTooShort,
    /// The (encoded) client nonce is empty or not printable ASCII without ','.
    InvalidNonce,
    /// Cached keys do not fit this exchange (other mechanism, salt or iteration count,
    /// or PLAIN): authenticate with the password instead.
    KeysMismatch,
    /// A method was called out of order, or after an earlier error.
    UnexpectedStep,
    /// Nothing could compute SCRAM's keys and proof (the page's WebCrypto
    /// and its fallback module both failed).
    DerivationFailed,
}

impl From<base64::Base64Error> for SaslError {
    fn from(_: base64::Base64Error) -> Self {
        SaslError::BadBase64
    }
}

/// Derived SCRAM keys, kept so that a reconnect can authenticate without the plaintext
/// password (RFC 5802 §5.1 allows a client to cache ClientKey/ServerKey per salt+iterations).
/// These are password equivalents for this server: store them as carefully as a password.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramKeys {
    mechanism: Mechanism,
    salt: Vec<u8>,
    iterations: u32,
    client_key: Vec<u8>,
    server_key: Vec<u8>,
}

impl ScramKeys {
    /// Rebuild keys from storage; checks that the parts are consistent.
    pub fn from_parts(
        mechanism: Mechanism,
        salt: Vec<u8>,
        iterations: u32,
        client_key: Vec<u8>,
        server_key: Vec<u8>,
    ) -> Result<ScramKeys, SaslError> {
        let len = mechanism
            .hash()
            .ok_or(SaslError::KeysMismatch)?
            .output_len();
        if salt.is_empty()
            || !(1..=MAX_ITERATIONS).contains(&iterations)
            || client_key.len() != len
            || server_key.len() != len
        {
            return Err(SaslError::KeysMismatch);
        }
        Ok(ScramKeys {
            mechanism,
            salt,
            iterations,
            client_key,
            server_key,
        })
    }

    pub fn mechanism(&self) -> Mechanism {
        self.mechanism
    }
    pub fn salt(&self) -> &[u8] {
        &self.salt
    }
    pub fn iterations(&self) -> u32 {
        self.iterations
    }
    pub fn client_key(&self) -> &[u8] {
        &self.client_key
    }
    pub fn server_key(&self) -> &[u8] {
        &self.server_key
    }
}

impl fmt::Debug for ScramKeys {
    // Never print key material.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ScramKeys(..)")
    }
}

#[derive(Clone, Copy)]
pub enum Secret<'a> {
    Password(&'a str),
    Keys(&'a ScramKeys),
}

/// Closed set of exchange states; every error moves to `Failed`.
enum State {
    PlainStart(Vec<u8>),
    PlainSent,
    ScramStart(scram::ClientFirst),
    ScramFirstSent(scram::ClientFirst),
    /// Server-first checked; waiting for the answer to its derivation.
    ScramDeriving(scram::Pending),
    ScramFinalSent(scram::AwaitFinal),
    /// Server-final arrived as a challenge and checked out; waiting for <success/>.
    ScramVerified(scram::AwaitFinal),
    Done(Option<ScramKeys>),
    Failed,
}

pub struct SaslClient {
    mechanism: Mechanism,
    state: State,
}

impl fmt::Debug for SaslClient {
    // Holds a password or keys: print nothing of it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SaslClient(..)")
    }
}

impl SaslClient {
    /// `nonce_bytes`: random bytes supplied by the caller (at least [`MIN_NONCE_BYTES`]
    /// for SCRAM, ignored for PLAIN); they are base64-encoded into the printable nonce.
    /// No authzid is ever sent (gs2 header "n,,"). The username is SCRAM-escaped only.
    /// SCRAM passwords are SASLprep'ed with this build's own NFKC ([`native_nfkc`]).
    pub fn new(
        mechanism: Mechanism,
        username: &str,
        secret: Secret<'_>,
        nonce_bytes: &[u8],
    ) -> Result<SaslClient, SaslError> {
        SaslClient::with_normalizer(mechanism, username, secret, nonce_bytes, native_nfkc())
    }

    /// `new`, with the NFKC to SASLprep a SCRAM password with (none: a
    /// password that needs normalization fails with `NoNormalization`).
    pub fn with_normalizer(
        mechanism: Mechanism,
        username: &str,
        secret: Secret<'_>,
        nonce_bytes: &[u8],
        nfkc: Option<Nfkc>,
    ) -> Result<SaslClient, SaslError> {
        if mechanism.hash().is_some() {
            if nonce_bytes.len() < MIN_NONCE_BYTES {
                return Err(SaslError::NonceTooShort);
            }
            return SaslClient::start(mechanism, username, secret, &base64::encode(nonce_bytes), nfkc);
        }
        SaslClient::start(mechanism, username, secret, "", nfkc)
    }

    /// Like `new` but with the already-encoded client nonce (deterministic tests).
    #[cfg(test)]
    pub(crate) fn with_nonce(
        mechanism: Mechanism,
        username: &str,
        secret: Secret<'_>,
        nonce: &str,
    ) -> Result<SaslClient, SaslError> {
        SaslClient::start(mechanism, username, secret, nonce, native_nfkc())
    }

    fn start(
        mechanism: Mechanism,
        username: &str,
        secret: Secret<'_>,
        nonce: &str,
        nfkc: Option<Nfkc>,
    ) -> Result<SaslClient, SaslError> {
        let state = match (mechanism.hash(), secret) {
            (Some(hash), secret) => State::ScramStart(scram::ClientFirst::new(
                mechanism, hash, username, secret, nonce, nfkc,
            )?),
            (None, Secret::Password(pw)) => State::PlainStart(plain::message(username, pw)?),
            (None, Secret::Keys(_)) => return Err(SaslError::KeysMismatch),
        };
        Ok(SaslClient { mechanism, state })
    }

    pub fn mechanism(&self) -> Mechanism {
        self.mechanism
    }

    /// Accept server-first messages with as few as `n` iterations (default
    /// [`MIN_ITERATIONS`]); only before the server-first message.
    pub fn set_min_iterations(&mut self, n: u32) {
        if let State::ScramStart(first) | State::ScramFirstSent(first) = &mut self.state {
            first.min_iterations = n;
        }
    }

    /// Raw (not base64) initial response to put in <auth/> (PLAIN: "\0user\0pass";
    /// SCRAM: client-first-message).
    pub fn initial_response(&mut self) -> Result<Vec<u8>, SaslError> {
        match std::mem::replace(&mut self.state, State::Failed) {
            State::PlainStart(msg) => {
                self.state = State::PlainSent;
                Ok(msg)
            }
            State::ScramStart(first) => {
                let msg = first.message();
                self.state = State::ScramFirstSent(first);
                Ok(msg)
            }
            _ => Err(SaslError::UnexpectedStep),
        }
    }

    /// Raw challenge in, raw response out, SCRAM's keys and proof computed
    /// here (see `step` to have them computed elsewhere).
    #[cfg(feature = "hashes")]
    pub fn challenge(&mut self, data: &[u8]) -> Result<Vec<u8>, SaslError> {
        self.step(data, false)?.ok_or(SaslError::UnexpectedStep)
    }

    /// Raw challenge in, Some(raw response) out. SCRAM server-first gives
    /// client-final, or with `defer` (always, in a build without the
    /// hashes) None: then `derived` gives it, given the answer to
    /// `derivation`. A server-final ("v=") sent as a challenge is verified
    /// and answered with an empty response (RFC 6120 lets the server put it
    /// in a challenge or in <success/>).
    pub fn step(&mut self, data: &[u8], defer: bool) -> Result<Option<Vec<u8>>, SaslError> {
        match std::mem::replace(&mut self.state, State::Failed) {
            State::ScramFirstSent(first) => {
                let pending = first.server_first(data)?;
                // A build without the hashes (the tunnel module) cannot
                // compute it: it always defers.
                if defer || cfg!(not(feature = "hashes")) {
                    self.state = State::ScramDeriving(pending);
                    return Ok(None);
                }
                self.finish(pending, None).map(Some)
            }
            State::ScramFinalSent(next) => {
                next.verify(data)?;
                self.state = State::ScramVerified(next);
                Ok(Some(Vec::new()))
            }
            _ => Err(SaslError::UnexpectedStep),
        }
    }

    /// `answer` None (or, from elsewhere, not of the length asked for): the
    /// core computes it, where it has the hashes.
    fn finish(&mut self, pending: scram::Pending, answer: Option<&[u8]>) -> Result<Vec<u8>, SaslError> {
        let d = pending.derivation();
        #[cfg(feature = "hashes")]
        let own: Vec<u8>;
        let answer = match answer {
            Some(a) if a.len() == d.answer_len() => a,
            #[cfg(feature = "hashes")]
            _ => {
                own = d.compute();
                &own
            }
            #[cfg(not(feature = "hashes"))]
            _ => return Err(SaslError::DerivationFailed),
        };
        let (response, next) = pending.finish(answer)?;
        self.state = State::ScramFinalSent(next);
        Ok(response)
    }

    /// What the exchange waits for, if it does.
    pub fn derivation(&self) -> Option<Derivation<'_>> {
        match &self.state {
            State::ScramDeriving(pending) => Some(pending.derivation()),
            _ => None,
        }
    }

    /// The answer to `derivation` in, the raw response out. Given anything
    /// not of `answer_len` (empty, say), the client computes it itself where
    /// it has the hashes, and fails with `DerivationFailed` where not.
    pub fn derived(&mut self, answer: &[u8]) -> Result<Vec<u8>, SaslError> {
        match std::mem::replace(&mut self.state, State::Failed) {
            State::ScramDeriving(pending) => self.finish(pending, Some(answer)),
            _ => Err(SaslError::UnexpectedStep),
        }
    }

    /// Additional data of <success/>. For SCRAM it must carry the server-final message
    /// unless that already came as a challenge; the signature is checked in constant time.
    pub fn success(&mut self, data: &[u8]) -> Result<(), SaslError> {
        match std::mem::replace(&mut self.state, State::Failed) {
            // RFC 4616 defines no additional data; nothing to check.
            State::PlainSent => self.state = State::Done(None),
            State::ScramFinalSent(fin) => {
                fin.verify(data)?;
                self.state = State::Done(Some(fin.into_keys()));
            }
            State::ScramVerified(fin) => {
                // A server repeating the server-final here must repeat it correctly.
                if !data.is_empty() {
                    fin.verify(data)?;
                }
                self.state = State::Done(Some(fin.into_keys()));
            }
            _ => return Err(SaslError::UnexpectedStep),
        }
        Ok(())
    }

    /// After a successful SCRAM exchange: the derived keys to cache (None for PLAIN or
    /// before success).
    pub fn keys(&self) -> Option<&ScramKeys> {
        match &self.state {
            State::Done(keys) => keys.as_ref(),
            _ => None,
        }
    }

    /// `keys`, moved out (the client is done with them).
    pub fn take_keys(&mut self) -> Option<ScramKeys> {
        match &mut self.state {
            State::Done(keys) => keys.take(),
            _ => None,
        }
    }
}

/// Decode the base64 text of a <challenge/> or <success/> element: empty text or a
/// lone "=" mean no data; XML whitespace around the text is ignored.
pub fn decode_payload(text: &str) -> Result<Vec<u8>, SaslError> {
    match text.trim_ascii() {
        "" | "=" => Ok(Vec::new()),
        t => Ok(base64::decode(t)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in Mechanism::ALL {
            assert_eq!(Mechanism::from_name(m.name()), Some(m));
        }
        assert_eq!(
            Mechanism::from_name(" scram-sha-1\n"),
            Some(Mechanism::ScramSha1)
        );
        assert_eq!(Mechanism::from_name("SCRAM-SHA-1-PLUS"), None);
        assert_eq!(Mechanism::from_name("SCRAM-SHA-"), None);
    }

    #[test]
    fn choose_strongest() {
        use Mechanism::*;
        let ch = |v: &[&str], p| v.iter().fold(None, |best, n| Mechanism::better(best, n, p));
        assert_eq!(
            ch(
                &["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512"],
                true
            ),
            Some(ScramSha512)
        );
        assert_eq!(
            ch(&["SCRAM-SHA-1", "PLAIN", "SCRAM-SHA-256"], true),
            Some(ScramSha256)
        );
        assert_eq!(ch(&["scram-sha-1", "plain"], false), Some(ScramSha1));
        assert_eq!(
            ch(&["Scram-Sha-512", "SCRAM-SHA-1"], false),
            Some(ScramSha512)
        );
        // -PLUS needs channel binding; unknown names are ignored.
        assert_eq!(
            ch(
                &[
                    "SCRAM-SHA-512-PLUS",
                    "SCRAM-SHA-256-PLUS",
                    "X-OAUTH2",
                    "DIGEST-MD5",
                    "SCRAM-SHA-1"
                ],
                false
            ),
            Some(ScramSha1)
        );
        assert_eq!(ch(&["SCRAM-SHA-1-PLUS", "EXTERNAL"], true), None);
        assert_eq!(ch(&["PLAIN"], false), None);
        assert_eq!(ch(&["PLAIN", "ANONYMOUS"], true), Some(Plain));
        assert_eq!(ch(&[], true), None);
        // The best so far stays when the next name is weaker or unusable.
        assert_eq!(Mechanism::better(Some(ScramSha256), "PLAIN", true), Some(ScramSha256));
        assert_eq!(Mechanism::better(Some(ScramSha1), "nope", true), Some(ScramSha1));
        assert_eq!(Mechanism::better(Some(ScramSha1), "SCRAM-SHA-512", true), Some(ScramSha512));
    }

    #[test]
    fn plain_exchange() {
        let mut c =
            SaslClient::new(Mechanism::Plain, "juliet", Secret::Password("r0m30"), &[]).unwrap();
        assert_eq!(c.mechanism(), Mechanism::Plain);
        assert_eq!(c.success(b""), Err(SaslError::UnexpectedStep));

        let mut c =
            SaslClient::new(Mechanism::Plain, "juliet", Secret::Password("r0m30"), &[]).unwrap();
        assert_eq!(c.initial_response().unwrap(), b"\0juliet\0r0m30");
        assert_eq!(c.initial_response(), Err(SaslError::UnexpectedStep));

        let mut c =
            SaslClient::new(Mechanism::Plain, "juliet", Secret::Password("r0m30"), &[]).unwrap();
        c.initial_response().unwrap();
        c.success(b"").unwrap();
        assert_eq!(c.keys(), None);

        let mut c =
            SaslClient::new(Mechanism::Plain, "juliet", Secret::Password("r0m30"), &[]).unwrap();
        c.initial_response().unwrap();
        assert_eq!(c.challenge(b""), Err(SaslError::UnexpectedStep));

        let keys =
            ScramKeys::from_parts(Mechanism::ScramSha1, vec![1], 1, vec![0; 20], vec![0; 20])
                .unwrap();
        assert!(matches!(
            SaslClient::new(Mechanism::Plain, "juliet", Secret::Keys(&keys), &[]),
            Err(SaslError::KeysMismatch)
        ));
    }

    #[test]
    fn scram_keys_parts_and_debug() {
        let k = ScramKeys::from_parts(
            Mechanism::ScramSha256,
            vec![7; 16],
            4096,
            vec![1; 32],
            vec![2; 32],
        )
        .unwrap();
        assert_eq!(
            (k.mechanism(), k.salt(), k.iterations()),
            (Mechanism::ScramSha256, &[7u8; 16][..], 4096)
        );
        assert_eq!(
            (k.client_key(), k.server_key()),
            (&[1u8; 32][..], &[2u8; 32][..])
        );
        assert_eq!(format!("{k:?}"), "ScramKeys(..)");
        let bad = [
            (Mechanism::Plain, vec![7], 1, 32, 32),
            (Mechanism::ScramSha256, vec![], 1, 32, 32),
            (Mechanism::ScramSha256, vec![7], 0, 32, 32),
            (Mechanism::ScramSha256, vec![7], MAX_ITERATIONS + 1, 32, 32),
            (Mechanism::ScramSha256, vec![7], 1, 20, 32),
            (Mechanism::ScramSha256, vec![7], 1, 32, 64),
        ];
        for (m, salt, i, ck, sk) in bad {
            assert_eq!(
                ScramKeys::from_parts(m, salt, i, vec![0; ck], vec![0; sk]),
                Err(SaslError::KeysMismatch)
            );
        }
        let c = SaslClient::new(
            Mechanism::ScramSha1,
            "u",
            Secret::Password("hunter2"),
            &[9; 16],
        )
        .unwrap();
        assert_eq!(format!("{c:?}"), "SaslClient(..)");
    }

    #[test]
    fn payload_decoding() {
        assert_eq!(decode_payload(""), Ok(vec![]));
        assert_eq!(decode_payload("="), Ok(vec![]));
        assert_eq!(decode_payload(" \n Zm9v\r\n"), Ok(b"foo".to_vec()));
        assert_eq!(decode_payload("Zm9"), Err(SaslError::BadBase64));
        assert_eq!(decode_payload("Zm 9v"), Err(SaslError::BadBase64));
    }
}
