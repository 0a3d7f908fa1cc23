//! SCRAM (RFC 5802, RFC 7677) without channel binding: building client messages,
//! parsing/validating server messages, key derivation and proof/signature computation.

use crate::prelude::*;
use super::base64;
use super::hash::HashAlg;
use super::saslprep::{saslprep, Nfkc};
use super::{Mechanism, SaslError, ScramKeys, Secret, MAX_ITERATIONS};

/// gs2 header "n,," (no channel binding, no authzid), base64-encoded for "c=".
const GS2_HEADER: &str = "n,,";
const CHANNEL_BINDING: &str = "biws";

enum Credential {
    /// Already SASLprep'ed.
    Password(String),
    Keys(ScramKeys),
}

/// Before the server-first-message.
pub(super) struct ClientFirst {
    mechanism: Mechanism,
    hash: HashAlg,
    credential: Credential,
    nonce: String,
    /// client-first-message-bare, which is part of the AuthMessage.
    bare: String,
    /// Fewest iterations accepted from the server.
    pub(super) min_iterations: u32,
}

/// After client-final-message: waiting for the server signature.
pub(super) struct AwaitFinal {
    server_signature: Vec<u8>,
    keys: ScramKeys,
}

impl ClientFirst {
    pub(super) fn new(
        mechanism: Mechanism,
        hash: HashAlg,
        username: &str,
        secret: Secret<'_>,
        nonce: &str,
        nfkc: Option<Nfkc>,
    ) -> Result<ClientFirst, SaslError> {
        if nonce.is_empty() || !nonce.bytes().all(is_nonce_byte) {
            return Err(SaslError::InvalidNonce);
        }
        let credential = match secret {
            Secret::Password(pw) => {
                let pw = saslprep(pw, nfkc)?;
                if pw.is_empty() {
                    return Err(SaslError::EmptyPassword);
                }
                Credential::Password(pw)
            }
            Secret::Keys(k) if k.mechanism == mechanism => Credential::Keys(k.clone()),
            Secret::Keys(_) => return Err(SaslError::KeysMismatch),
        };
        let mut bare = String::with_capacity(username.len() + nonce.len() + 5);
        bare.push_str("n=");
        escape_username(username, &mut bare)?;
        bare.push_str(",r=");
        bare.push_str(nonce);
        Ok(ClientFirst {
            mechanism,
            hash,
            credential,
            nonce: nonce.to_owned(),
            bare,
            min_iterations: super::MIN_ITERATIONS,
        })
    }

    /// client-first-message.
    pub(super) fn message(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(GS2_HEADER.len() + self.bare.len());
        out.extend_from_slice(GS2_HEADER.as_bytes());
        out.extend_from_slice(self.bare.as_bytes());
        out
    }

    /// server-first-message in: checked, and what the proof needs from it
    /// (`Pending`; its `derivation` says what to compute).
    pub(super) fn server_first(self, data: &[u8]) -> Result<Pending, SaslError> {
        // RFC 5802 allows UTF-8 only in extension values, which we ignore
        // (and servers do not send): ASCII only, see `ascii_str`.
        let text = ascii_str(data).ok_or(SaslError::MalformedChallenge)?;
        if let Some(e) = text.strip_prefix("e=") {
            // Not in RFC 5802's grammar here, but say what the server said.
            return Err(server_error(e));
        }
        // Fixed order r, s, i; a leading "m=" (mandatory extension) is thus rejected,
        // as RFC 5802 requires for extensions we do not understand. Trailing
        // extensions are ignored.
        let mut parts = text.split(',');
        let server_nonce = attr(parts.next(), "r=")?;
        let salt = attr(parts.next(), "s=")?;
        let iterations = attr(parts.next(), "i=")?;

        if server_nonce.len() <= self.nonce.len() || !server_nonce.starts_with(&self.nonce) {
            return Err(SaslError::NonceMismatch);
        }
        if !server_nonce.bytes().all(is_nonce_byte) {
            return Err(SaslError::MalformedChallenge);
        }
        let salt = base64::decode(salt)?;
        if salt.is_empty() {
            return Err(SaslError::MalformedChallenge);
        }
        let iterations = parse_iterations(iterations)?;
        if iterations < self.min_iterations {
            return Err(SaslError::TooFewIterations(iterations));
        }
        let (secret, keyed) = match self.credential {
            Credential::Password(pw) => (pw.into_bytes(), false),
            Credential::Keys(k) if k.salt == salt && k.iterations == iterations => {
                ([k.client_key, k.server_key].concat(), true)
            }
            Credential::Keys(_) => return Err(SaslError::KeysMismatch),
        };

        let mut out = String::with_capacity(128);
        out.push_str("c=");
        out.push_str(CHANNEL_BINDING);
        out.push_str(",r=");
        out.push_str(server_nonce);
        // AuthMessage = client-first-bare "," server-first "," client-final-without-proof
        let auth = [self.bare.as_str(), ",", text, ",", &out].concat();
        Ok(Pending { mechanism: self.mechanism, hash: self.hash, secret, keyed, salt, iterations, out, auth })
    }
}
/// A checked server-first-message, waiting for the keys and proof that
/// `derivation` describes.
pub(super) struct Pending {
    mechanism: Mechanism,
    hash: HashAlg,
    /// The SASLprep'ed password, or cached ClientKey || ServerKey (`keyed`).
    secret: Vec<u8>,
    keyed: bool,
    salt: Vec<u8>,
    iterations: u32,
    /// client-final-message-without-proof.
    out: String,
    auth: String,
}

/// What SCRAM's proof takes (RFC 5802 §3), for whoever computes it: the
/// browser's WebCrypto, the page's fallback module, or the core itself.
/// The answer is ClientKey || ServerKey || ClientProof || ServerSignature,
/// `answer_len` bytes: SaltedPassword := PBKDF2(HMAC-hash, password, salt,
/// iterations) unless `keyed`, ClientKey := HMAC(SaltedPassword, "Client
/// Key"), ServerKey := HMAC(SaltedPassword, "Server Key"), ClientProof :=
/// ClientKey XOR HMAC(H(ClientKey), auth), ServerSignature := HMAC(ServerKey,
/// auth).
pub struct Derivation<'a> {
    pub(super) hash: HashAlg,
    /// The SASLprep'ed password; `keyed`: ClientKey || ServerKey instead.
    pub secret: &'a [u8],
    pub keyed: bool,
    pub salt: &'a [u8],
    pub iterations: u32,
    /// AuthMessage.
    pub auth: &'a [u8],
}

impl Derivation<'_> {
    /// The hash's output length in bits: 160, 256 or 512 (SHA-1, SHA-256,
    /// SHA-512).
    pub fn bits(&self) -> u32 {
        (self.hash.output_len() * 8) as u32
    }

    pub fn answer_len(&self) -> usize {
        4 * self.hash.output_len()
    }

    /// The answer, computed here.
    #[cfg(feature = "hashes")]
    pub fn compute(&self) -> Vec<u8> {
        let (h, n) = (self.hash, self.hash.output_len());
        let (client_key, server_key) = if self.keyed {
            // ClientKey || ServerKey, 2n bytes (`ScramKeys` and `sasl::compute` check it).
            let (c, s) = self.secret.split_at(n.min(self.secret.len()));
            (c.to_vec(), s.to_vec())
        } else {
            let salted = h.pbkdf2(self.secret, self.salt, self.iterations);
            (h.hmac(&salted, b"Client Key"), h.hmac(&salted, b"Server Key"))
        };
        let mut proof = h.hmac(&h.digest(&client_key), self.auth);
        for (p, k) in proof.iter_mut().zip(&client_key) {
            *p ^= k;
        }
        let signature = h.hmac(&server_key, self.auth);
        [client_key, server_key, proof, signature].concat()
    }
}

impl Pending {
    pub(super) fn derivation(&self) -> Derivation<'_> {
        Derivation {
            hash: self.hash,
            secret: &self.secret,
            keyed: self.keyed,
            salt: &self.salt,
            iterations: self.iterations,
            auth: self.auth.as_bytes(),
        }
    }

    /// The answer `derivation` asked for in, the client-final-message out.
    pub(super) fn finish(self, answer: &[u8]) -> Result<(Vec<u8>, AwaitFinal), SaslError> {
        let n = self.hash.output_len();
        if answer.len() != 4 * n {
            return Err(SaslError::DerivationFailed);
        }
        let (keys, rest) = answer.split_at(2 * n);
        let (proof, server_signature) = rest.split_at(n);
        let mut out = self.out;
        out.push_str(",p=");
        out.push_str(&base64::encode(proof));
        let keys = ScramKeys {
            mechanism: self.mechanism,
            salt: self.salt,
            iterations: self.iterations,
            client_key: keys[..n].to_vec(),
            server_key: keys[n..].to_vec(),
        };
        Ok((out.into_bytes(), AwaitFinal { server_signature: server_signature.to_vec(), keys }))
    }
}

impl AwaitFinal {
    /// Check a server-final-message ("v=..." or "e=...").
    pub(super) fn verify(&self, data: &[u8]) -> Result<(), SaslError> {
        if data.is_empty() {
            return Err(SaslError::MissingServerSignature);
        }
        let text = ascii_str(data).ok_or(SaslError::MalformedChallenge)?;
        let first = text.split(',').next().unwrap_or_default();
        if let Some(e) = first.strip_prefix("e=") {
            return Err(server_error(e));
        }
        let v = first
            .strip_prefix("v=")
            .ok_or(SaslError::MalformedChallenge)?;
        let signature = base64::decode(v)?;
        if !ct_eq(&signature, &self.server_signature) {
            return Err(SaslError::ServerSignatureMismatch);
        }
        Ok(())
    }

    pub(super) fn into_keys(self) -> ScramKeys {
        self.keys
    }
}

/// RFC 5802 "printable": %x21-2B / %x2D-7E (no ',').
fn is_nonce_byte(b: u8) -> bool {
    (0x21..=0x7e).contains(&b) && b != b','
}

fn attr<'a>(part: Option<&'a str>, prefix: &str) -> Result<&'a str, SaslError> {
    part.and_then(|p| p.strip_prefix(prefix))
        .ok_or(SaslError::MalformedChallenge)
}

fn server_error(value: &str) -> SaslError {
    let value = value.split(',').next().unwrap_or_default();
    SaslError::ServerError(value.to_owned())
}

/// saslname: ',' and '=' escaped; NUL is not allowed anywhere in SCRAM.
fn escape_username(username: &str, out: &mut String) -> Result<(), SaslError> {
    if username.is_empty() {
        return Err(SaslError::InvalidUsername);
    }
    for c in username.chars() {
        match c {
            ',' => out.push_str("=2C"),
            '=' => out.push_str("=3D"),
            '\0' => return Err(SaslError::InvalidUsername),
            c => out.push(c),
        }
    }
    Ok(())
}

/// posit-number (no sign, no leading zero), capped so that a hostile server cannot
/// make the tab spin in PBKDF2.
fn parse_iterations(s: &str) -> Result<u32, SaslError> {
    let b = s.as_bytes();
    // MAX_ITERATIONS has 7 digits; the length check also rules out overflow.
    if b.is_empty() || b.len() > 7 || b[0] == b'0' || !b.iter().all(u8::is_ascii_digit) {
        return Err(SaslError::BadIterationCount);
    }
    let n = b.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    if n > MAX_ITERATIONS {
        return Err(SaslError::BadIterationCount);
    }
    Ok(n)
}

/// Comparison whose timing does not depend on where the first difference is.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_escaping() {
        let mut s = String::new();
        escape_username("a,b=c\u{e9}", &mut s).unwrap();
        assert_eq!(s, "a=2Cb=3Dc\u{e9}");
        assert_eq!(escape_username("", &mut s), Err(SaslError::InvalidUsername));
        assert_eq!(
            escape_username("a\0", &mut s),
            Err(SaslError::InvalidUsername)
        );
    }

    #[test]
    fn iteration_counts() {
        assert_eq!(parse_iterations("1"), Ok(1));
        assert_eq!(parse_iterations("4096"), Ok(4096));
        assert_eq!(parse_iterations("1000000"), Ok(MAX_ITERATIONS));
        for bad in [
            "",
            "0",
            "04096",
            "1000001",
            "9999999",
            "99999999999999999999",
            "+1",
            "-1",
            "1e3",
            "4096 ",
            "abc",
        ] {
            assert_eq!(
                parse_iterations(bad),
                Err(SaslError::BadIterationCount),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn constant_time_eq() {
        assert!(ct_eq(b"", b""));
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }

    // ---- Whole exchanges through the public state machine. ----

    use crate::xmpp::sasl::{SaslClient, MIN_NONCE_BYTES};

    const SHA1_NONCE: &str = "fyko+d2lbbFgONRv9qkxdawL";
    const SHA1_FIRST: &str =
        "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
    const SHA1_FINAL: &str =
        "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
    const SHA1_V: &str = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=";

    const SHA2_NONCE: &str = "rOprNGfwEbeRWgbNEkqO";
    const SHA2_FIRST: &str =
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

    fn sha1_client(secret: Secret<'_>) -> SaslClient {
        SaslClient::with_nonce(Mechanism::ScramSha1, "user", secret, SHA1_NONCE).unwrap()
    }

    /// A SHA-1 client that has sent client-first (RFC 5802 nonce, password "pencil").
    fn sha1_started() -> SaslClient {
        let mut c = sha1_client(Secret::Password("pencil"));
        c.initial_response().unwrap();
        c
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    fn run(mech: Mechanism, nonce: &str, first: &str, fin: &str, v: &str) -> ScramKeys {
        let mut c =
            SaslClient::with_nonce(mech, "user", Secret::Password("pencil"), nonce).unwrap();
        assert_eq!(c.mechanism(), mech);
        assert_eq!(
            c.initial_response().unwrap(),
            format!("n,,n=user,r={nonce}").as_bytes()
        );
        assert_eq!(
            String::from_utf8(c.challenge(first.as_bytes()).unwrap()).unwrap(),
            fin
        );
        assert!(c.keys().is_none());
        c.success(v.as_bytes()).unwrap();
        c.keys().unwrap().clone()
    }

    #[test]
    fn rfc5802_sha1() {
        let keys = run(
            Mechanism::ScramSha1,
            SHA1_NONCE,
            SHA1_FIRST,
            SHA1_FINAL,
            SHA1_V,
        );
        assert_eq!(keys.mechanism(), Mechanism::ScramSha1);
        assert_eq!(keys.iterations(), 4096);
        assert_eq!(keys.salt(), base64::decode("QSXCR+Q6sek8bf92").unwrap());
        // ClientKey/ServerKey as computed by the Python script described below.
        assert_eq!(
            hex(keys.client_key()),
            "e234c47bf6c36696dd6d852b99aaa2ba26555728"
        );
        assert_eq!(
            hex(keys.server_key()),
            "0fe09258b3ac852ba502cc62ba903eaacdbf7d31"
        );
    }

    #[test]
    fn rfc7677_sha256() {
        run(
            Mechanism::ScramSha256,
            SHA2_NONCE,
            SHA2_FIRST,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
             p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
        );
    }

    // No RFC vector exists for SCRAM-SHA-512. These values come from an independent
    // RFC 5802 implementation in Python (hashlib.pbkdf2_hmac, hmac.new(.., "sha512"),
    // base64), run on the RFC 7677 inputs; the same script reproduces the RFC 5802 and
    // RFC 7677 vectors above byte for byte.
    #[test]
    fn sha512_python_vector() {
        let keys = run(
            Mechanism::ScramSha512,
            SHA2_NONCE,
            SHA2_FIRST,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
             p=gMGXRcevScNtxZ6/8lQYpGtnsNAc3mGcmNomv+xnoOMw+3R2xNJdMNnzMlTN8PPC6wdp6dybEmDYXYTxwnYPJQ==",
            "v=ZQnYEgWQMFmmsM8aQMF0nDDCy/AgCzkwk8CmMZYcMg0vSVlKDanekLtifDSeVGT4+5ZxXnJq199RVG2rR7N7Zw==",
        );
        assert_eq!(
            hex(keys.client_key()),
            "f81d81a6c0467dbd957885e9f3a0387a99e989171077fc3b8d134b710907c424\
             917b624f885a3667838762858a893a4fce39043aa57fa07388a5aaa6fdbac920"
        );
    }

    #[test]
    fn server_final_as_challenge() {
        let mut c = sha1_started();
        c.challenge(SHA1_FIRST.as_bytes()).unwrap();
        assert_eq!(c.challenge(SHA1_V.as_bytes()).unwrap(), b"");
        assert!(c.keys().is_none());
        c.success(b"").unwrap();
        assert!(c.keys().is_some());

        // Repeated in <success/>: must match again.
        let mut c = sha1_started();
        c.challenge(SHA1_FIRST.as_bytes()).unwrap();
        c.challenge(SHA1_V.as_bytes()).unwrap();
        c.success(SHA1_V.as_bytes()).unwrap();
        let mut c = sha1_started();
        c.challenge(SHA1_FIRST.as_bytes()).unwrap();
        c.challenge(SHA1_V.as_bytes()).unwrap();
        assert_eq!(
            c.success(b"v=AAAA"),
            Err(SaslError::ServerSignatureMismatch)
        );

        // A wrong one in the challenge fails there.
        let mut c = sha1_started();
        c.challenge(SHA1_FIRST.as_bytes()).unwrap();
        assert_eq!(
            c.challenge(b"v=rmF9pqV8S7suAoZWja4dJRkFsKA="),
            Err(SaslError::ServerSignatureMismatch)
        );
    }

    #[test]
    fn server_final_errors() {
        let cases: [(&[u8], SaslError); 8] = [
            (
                b"v=rmF9pqV8S7suAoZWja4dJRkFsKA=",
                SaslError::ServerSignatureMismatch,
            ),
            (
                b"v=rmF9pqV8S7suAoZWja4dJRkF",
                SaslError::ServerSignatureMismatch,
            ),
            (b"v=", SaslError::ServerSignatureMismatch),
            (b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ", SaslError::BadBase64),
            (
                b"e=invalid-proof",
                SaslError::ServerError("invalid-proof".into()),
            ),
            (
                b"e=other-error,x=1",
                SaslError::ServerError("other-error".into()),
            ),
            (b"", SaslError::MissingServerSignature),
            (b"x=1", SaslError::MalformedChallenge),
        ];
        for (data, err) in cases {
            let mut c = sha1_started();
            c.challenge(SHA1_FIRST.as_bytes()).unwrap();
            assert_eq!(c.success(data), Err(err), "{data:?}");
            assert!(c.keys().is_none());
            // The exchange is dead after an error.
            assert_eq!(c.success(SHA1_V.as_bytes()), Err(SaslError::UnexpectedStep));
        }
        // Extensions after the verifier are ignored.
        let mut c = sha1_started();
        c.challenge(SHA1_FIRST.as_bytes()).unwrap();
        c.success(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=,x=ext").unwrap();
    }

    #[test]
    fn malformed_server_first() {
        let n = "fyko+d2lbbFgONRv9qkxdawL";
        let cases: Vec<(String, SaslError)> = vec![
            (String::new(), SaslError::MalformedChallenge),
            (",".into(), SaslError::MalformedChallenge),
            (
                format!("r={n}x,s=QSXCR+Q6sek8bf92"),
                SaslError::MalformedChallenge,
            ),
            (format!("r={n}x,i=4096"), SaslError::MalformedChallenge),
            (
                "s=QSXCR+Q6sek8bf92,i=4096".into(),
                SaslError::MalformedChallenge,
            ),
            (
                format!("r={n}x,i=4096,s=QSXCR+Q6sek8bf92"),
                SaslError::MalformedChallenge,
            ),
            (
                format!("m=ext,r={n}x,s=QSXCR+Q6sek8bf92,i=4096"),
                SaslError::MalformedChallenge,
            ),
            (
                format!("r={n}x\u{e9},s=QSXCR+Q6sek8bf92,i=4096"),
                SaslError::MalformedChallenge,
            ),
            (format!("r={n}x,s=,i=4096"), SaslError::MalformedChallenge),
            (
                format!("r={n}x,s=QSXCR+Q6sek8bf9,i=4096"),
                SaslError::BadBase64,
            ),
            (
                format!("r={n}x,s=QSXCR*Q6sek8bf92,i=4096"),
                SaslError::BadBase64,
            ),
            (
                format!("r={n}x,s=QSXCR+Q6sek8bf92,i=0"),
                SaslError::BadIterationCount,
            ),
            (
                format!("r={n}x,s=QSXCR+Q6sek8bf92,i=abc"),
                SaslError::BadIterationCount,
            ),
            (
                format!("r={n}x,s=QSXCR+Q6sek8bf92,i="),
                SaslError::BadIterationCount,
            ),
            (
                format!("r={n}x,s=QSXCR+Q6sek8bf92,i=1000001"),
                SaslError::BadIterationCount,
            ),
            (
                format!("r={n}x,s=QSXCR+Q6sek8bf92,i=4294967296"),
                SaslError::BadIterationCount,
            ),
            // RFC 7677's floor: a man in the middle's i=1 is refused.
            (
                format!("r={n}x,s=QSXCR+Q6sek8bf92,i=4095"),
                SaslError::TooFewIterations(4095),
            ),
            (
                format!("r={n}x,s=QSXCR+Q6sek8bf92,i=1"),
                SaslError::TooFewIterations(1),
            ),
            (
                format!("r={n},s=QSXCR+Q6sek8bf92,i=4096"),
                SaslError::NonceMismatch,
            ),
            (
                format!("r=X{n},s=QSXCR+Q6sek8bf92,i=4096"),
                SaslError::NonceMismatch,
            ),
            (
                "r=fyko,s=QSXCR+Q6sek8bf92,i=4096".into(),
                SaslError::NonceMismatch,
            ),
            (
                "r=,s=QSXCR+Q6sek8bf92,i=4096".into(),
                SaslError::NonceMismatch,
            ),
            (
                "e=server-busy".into(),
                SaslError::ServerError("server-busy".into()),
            ),
        ];
        for (data, err) in cases {
            let mut c = sha1_started();
            assert_eq!(c.challenge(data.as_bytes()), Err(err), "{data:?}");
            assert_eq!(c.success(SHA1_V.as_bytes()), Err(SaslError::UnexpectedStep));
        }
        // A test server may be allowed fewer.
        let mut c = sha1_started();
        c.set_min_iterations(1);
        let low = format!("r={n}x,s=QSXCR+Q6sek8bf92,i=1");
        assert!(c.challenge(low.as_bytes()).is_ok());
        let mut c = sha1_started();
        assert_eq!(
            c.challenge(b"r=\xff\xfe"),
            Err(SaslError::MalformedChallenge)
        );
        // Trailing extensions are accepted (and are part of the AuthMessage).
        let mut c = sha1_started();
        let resp = c
            .challenge(format!("{SHA1_FIRST},x=ext").as_bytes())
            .unwrap();
        assert_ne!(resp, SHA1_FINAL.as_bytes());
        // Unless they hold UTF-8 beyond ASCII (which RFC 5802 allows there,
        // and no server sends): the whole message must be ASCII.
        let mut c = sha1_started();
        assert_eq!(c.challenge(format!("{SHA1_FIRST},x=\u{e9}").as_bytes()), Err(SaslError::MalformedChallenge));
        let mut c = sha1_started();
        c.challenge(SHA1_FIRST.as_bytes()).unwrap();
        assert_eq!(c.success("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=,x=\u{e9}".as_bytes()), Err(SaslError::MalformedChallenge));
    }

    #[test]
    fn never_panics_on_mangled_input() {
        let inputs = [SHA1_FIRST.as_bytes(), SHA1_V.as_bytes()];
        for input in inputs {
            for cut in 0..input.len() {
                for flip in [None, Some(0u8), Some(b','), Some(b'='), Some(0xff)] {
                    let mut data = input[..cut].to_vec();
                    if let Some(b) = flip {
                        data.push(b);
                        data.extend_from_slice(&input[cut..]);
                    }
                    let mut c = sha1_started();
                    let _ = c.challenge(&data);
                    let _ = c.challenge(&data);
                    let _ = c.success(&data);
                }
            }
        }
    }

    #[test]
    fn out_of_order_calls() {
        let mut c = sha1_client(Secret::Password("pencil"));
        assert_eq!(c.success(SHA1_V.as_bytes()), Err(SaslError::UnexpectedStep));
        let mut c = sha1_client(Secret::Password("pencil"));
        assert_eq!(
            c.challenge(SHA1_FIRST.as_bytes()),
            Err(SaslError::UnexpectedStep)
        );
        let mut c = sha1_started();
        assert_eq!(c.success(SHA1_V.as_bytes()), Err(SaslError::UnexpectedStep));
        let mut c = sha1_started();
        assert_eq!(c.initial_response(), Err(SaslError::UnexpectedStep));
        let mut c = sha1_started();
        c.challenge(SHA1_FIRST.as_bytes()).unwrap();
        c.success(SHA1_V.as_bytes()).unwrap();
        assert_eq!(
            c.challenge(SHA1_V.as_bytes()),
            Err(SaslError::UnexpectedStep)
        );
    }

    /// The keys and proof computed elsewhere (the page, in the browser):
    /// the same client-final whether the answer is handed in, missing or
    /// malformed (then computed here).
    #[test]
    fn deferred_derivation() {
        let answer = {
            let mut c = sha1_started();
            c.step(SHA1_FIRST.as_bytes(), true).unwrap();
            c.derivation().unwrap().compute()
        };
        assert_eq!(answer.len(), 80);
        for given in [&answer[..], b"", &answer[..79], &[answer.clone(), vec![0]].concat()] {
            let mut c = sha1_started();
            assert!(c.derivation().is_none(), "nothing to derive before server-first");
            assert_eq!(c.step(SHA1_FIRST.as_bytes(), true), Ok(None));
            let d = c.derivation().unwrap();
            assert_eq!((d.bits(), d.secret, d.keyed, d.iterations), (160, &b"pencil"[..], false, 4096));
            assert_eq!(d.salt, base64::decode("QSXCR+Q6sek8bf92").unwrap());
            assert_eq!(d.auth, format!("n=user,r={SHA1_NONCE},{SHA1_FIRST},c=biws,r={SHA1_NONCE}3rfcNHYJY1ZVvWVs7j").as_bytes());
            assert_eq!(d.answer_len(), 80);
            // Another challenge while deriving is out of order.
            let mut early = sha1_started();
            early.step(SHA1_FIRST.as_bytes(), true).unwrap();
            assert_eq!(early.step(SHA1_V.as_bytes(), true), Err(SaslError::UnexpectedStep));
            assert_eq!(c.derived(given).unwrap(), SHA1_FINAL.as_bytes());
            assert!(c.derivation().is_none());
            assert_eq!(c.derived(&answer), Err(SaslError::UnexpectedStep), "only once");
        }
        // The answer is RFC 5802's: its keys are cached, its signature checked.
        let mut c = sha1_started();
        c.step(SHA1_FIRST.as_bytes(), true).unwrap();
        c.derived(&answer).unwrap();
        c.success(SHA1_V.as_bytes()).unwrap();
        assert_eq!(c.keys().unwrap().client_key(), &answer[..20]);
        assert_eq!(c.keys().unwrap().server_key(), &answer[20..40]);
        // A wrong answer of the right length is used as given: the proof is
        // wrong and the server's signature does not check out.
        let mut c = sha1_started();
        c.step(SHA1_FIRST.as_bytes(), true).unwrap();
        assert_ne!(c.derived(&[0; 80]).unwrap(), SHA1_FINAL.as_bytes());
        assert_eq!(c.success(SHA1_V.as_bytes()), Err(SaslError::ServerSignatureMismatch));
        // A server-first that fails the checks asks for nothing.
        let mut c = sha1_started();
        assert_eq!(c.step(b"r=other,s=QSXCR+Q6sek8bf92,i=4096", true), Err(SaslError::NonceMismatch));
        assert!(c.derivation().is_none());
        // Cached keys: the derivation carries them instead of the password,
        // and the same answer comes back (no PBKDF2 needed for it).
        let keys = c_keys();
        let mut c = sha1_client(Secret::Keys(&keys));
        c.initial_response().unwrap();
        assert_eq!(c.step(SHA1_FIRST.as_bytes(), true), Ok(None));
        let d = c.derivation().unwrap();
        assert!(d.keyed);
        assert_eq!(d.secret, &answer[..40]);
        assert_eq!(d.compute(), answer);
        assert_eq!(c.derived(&answer).unwrap(), SHA1_FINAL.as_bytes());
        // The fallback module's entry point gives the same, and refuses what
        // does not fit.
        let auth = format!("n=user,r={SHA1_NONCE},{SHA1_FIRST},c=biws,r={SHA1_NONCE}3rfcNHYJY1ZVvWVs7j");
        let salt = base64::decode("QSXCR+Q6sek8bf92").unwrap();
        assert_eq!(super::super::compute(160, false, b"pencil", &salt, 4096, auth.as_bytes()), Some(answer.clone()));
        assert_eq!(super::super::compute(160, true, &answer[..40], &salt, 4096, auth.as_bytes()), Some(answer.clone()));
        assert_eq!(super::super::compute(160, true, &answer[..39], &salt, 4096, auth.as_bytes()), None);
        assert_eq!(super::super::compute(384, false, b"pencil", &salt, 4096, auth.as_bytes()), None);
    }

    fn c_keys() -> ScramKeys {
        let mut c = sha1_started();
        c.challenge(SHA1_FIRST.as_bytes()).unwrap();
        c.success(SHA1_V.as_bytes()).unwrap();
        c.keys().unwrap().clone()
    }

    #[test]
    fn cached_keys_reuse() {
        let mut c = sha1_started();
        c.challenge(SHA1_FIRST.as_bytes()).unwrap();
        c.success(SHA1_V.as_bytes()).unwrap();
        let keys = c.keys().unwrap().clone();

        let mut c = sha1_client(Secret::Keys(&keys));
        assert_eq!(
            c.initial_response().unwrap(),
            b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"
        );
        assert_eq!(
            c.challenge(SHA1_FIRST.as_bytes()).unwrap(),
            SHA1_FINAL.as_bytes()
        );
        c.success(SHA1_V.as_bytes()).unwrap();
        assert_eq!(c.keys(), Some(&keys));

        let n = SHA1_NONCE;
        for other in [
            format!("r={n}3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf93,i=4096"),
            format!("r={n}3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4097"),
        ] {
            let mut c = sha1_client(Secret::Keys(&keys));
            c.initial_response().unwrap();
            assert_eq!(c.challenge(other.as_bytes()), Err(SaslError::KeysMismatch));
        }
        let k = Secret::Keys(&keys);
        assert!(matches!(
            SaslClient::with_nonce(Mechanism::ScramSha256, "user", k, n),
            Err(SaslError::KeysMismatch)
        ));
    }

    #[test]
    fn password_is_saslprepped() {
        // U+00AD is mapped to nothing, so this is still the RFC 5802 password.
        let mut c = sha1_client(Secret::Password("pen\u{AD}cil"));
        c.initial_response().unwrap();
        assert_eq!(
            c.challenge(SHA1_FIRST.as_bytes()).unwrap(),
            SHA1_FINAL.as_bytes()
        );
        for (pw, err) in [
            ("pen\u{7}cil", SaslError::ProhibitedPasswordChar),
            ("", SaslError::EmptyPassword),
            ("\u{AD}", SaslError::EmptyPassword),
        ] {
            let r = SaslClient::with_nonce(Mechanism::ScramSha1, "user", Secret::Password(pw), "n");
            assert_eq!(r.err(), Some(err));
        }
    }

    #[test]
    fn username_and_random_nonce() {
        let bytes = [0xfbu8; MIN_NONCE_BYTES];
        let mut c = SaslClient::new(
            Mechanism::ScramSha256,
            "a,b=c",
            Secret::Password("p"),
            &bytes,
        )
        .unwrap();
        let first = String::from_utf8(c.initial_response().unwrap()).unwrap();
        assert_eq!(
            first,
            format!("n,,n=a=2Cb=3Dc,r={}", base64::encode(&bytes))
        );
        assert!(matches!(
            SaslClient::new(
                Mechanism::ScramSha1,
                "u",
                Secret::Password("p"),
                &bytes[1..]
            ),
            Err(SaslError::NonceTooShort)
        ));
        assert!(matches!(
            SaslClient::new(Mechanism::ScramSha1, "", Secret::Password("p"), &bytes),
            Err(SaslError::InvalidUsername)
        ));
    }

    #[test]
    fn nonce_must_be_printable() {
        let mk = |n| {
            ClientFirst::new(
                Mechanism::ScramSha1,
                HashAlg::Sha1,
                "u",
                Secret::Password("p"),
                n,
                None,
            )
        };
        assert!(mk("abc+/=").is_ok());
        for bad in ["", "a,b", "a b", "a\u{e9}"] {
            assert!(matches!(mk(bad), Err(SaslError::InvalidNonce)), "{bad:?}");
        }
    }
}
