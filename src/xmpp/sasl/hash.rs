//! Hash primitives for SCRAM: H(), HMAC() and a one-block PBKDF2 (RFC 8018 §5.2),
//! dispatched over the three hash functions by a tiny enum.

use hmac::digest::{Digest, KeyInit, Mac};
use hmac::Hmac;
use sha1::Sha1;
use sha2::{Sha256, Sha512};

/// The hash behind a SCRAM mechanism. A plain enum plus `match` keeps exactly one
/// monomorphised copy of each primitive per hash and nothing else generic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashAlg {
    Sha1,
    Sha256,
    Sha512,
}

impl HashAlg {
    /// Output length in bytes (also the SCRAM key length).
    pub(crate) fn output_len(self) -> usize {
        match self {
            HashAlg::Sha1 => 20,
            HashAlg::Sha256 => 32,
            HashAlg::Sha512 => 64,
        }
    }

    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Sha1 => Sha1::digest(data).to_vec(),
            HashAlg::Sha256 => Sha256::digest(data).to_vec(),
            HashAlg::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    pub(crate) fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Sha1 => hmac_with::<Hmac<Sha1>>(key, data),
            HashAlg::Sha256 => hmac_with::<Hmac<Sha256>>(key, data),
            HashAlg::Sha512 => hmac_with::<Hmac<Sha512>>(key, data),
        }
    }

    /// PBKDF2 with HMAC as PRF and dkLen = hash length, i.e. only block 1 (`Hi()` of
    /// RFC 5802). `iterations` must be >= 1; 0 is treated as 1.
    pub(crate) fn pbkdf2(self, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
        match self {
            HashAlg::Sha1 => pbkdf2_with::<Hmac<Sha1>>(password, salt, iterations),
            HashAlg::Sha256 => pbkdf2_with::<Hmac<Sha256>>(password, salt, iterations),
            HashAlg::Sha512 => pbkdf2_with::<Hmac<Sha512>>(password, salt, iterations),
        }
    }
}

fn keyed<M: Mac + KeyInit>(key: &[u8]) -> M {
    // HMAC accepts keys of any length, so the fallback is unreachable; it only exists
    // to avoid a panic path.
    <M as KeyInit>::new_from_slice(key).unwrap_or_else(|_| <M as KeyInit>::new(&Default::default()))
}

fn hmac_with<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = keyed::<M>(key);
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn pbkdf2_with<M: Mac + KeyInit + Clone>(password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
    // Key once, then clone the keyed state per round: the ipad/opad blocks are hashed
    // a single time instead of on every one of the (up to a million) iterations.
    let prf = keyed::<M>(password);
    let mut mac = prf.clone();
    mac.update(salt);
    mac.update(&1u32.to_be_bytes());
    let mut u = mac.finalize().into_bytes();
    let mut out = u.clone();
    for _ in 1..iterations {
        let mut mac = prf.clone();
        mac.update(&u);
        u = mac.finalize().into_bytes();
        for (o, x) in out.iter_mut().zip(u.iter()) {
            *o ^= x;
        }
    }
    out.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    // RFC 6070 (PBKDF2-HMAC-SHA1).
    #[test]
    fn pbkdf2_sha1_rfc6070() {
        let p = |pw: &[u8], s: &[u8], i| hex(&HashAlg::Sha1.pbkdf2(pw, s, i));
        assert_eq!(
            p(b"password", b"salt", 1),
            "0c60c80f961f0e71f3a9b524af6012062fe037a6"
        );
        assert_eq!(
            p(b"password", b"salt", 2),
            "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"
        );
        assert_eq!(
            p(b"password", b"salt", 4096),
            "4b007901b765489abead49d926f721d065a429c1"
        );
        assert_eq!(
            p(
                b"passwordPASSWORDpassword",
                b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
                4096
            ),
            "3d2eec4fe41c849b80c8d83662c0e44a8b291a96"
        );
    }

    // Values from Python's hashlib.pbkdf2_hmac (first output block only).
    #[test]
    fn pbkdf2_sha2() {
        assert_eq!(
            hex(&HashAlg::Sha256.pbkdf2(b"password", b"salt", 4096)),
            "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"
        );
        assert_eq!(
            hex(&HashAlg::Sha512.pbkdf2(b"password", b"salt", 4096)),
            "d197b1b33db0143e018b12f3d1d1479e6cdebdcc97c5c0f87f6902e072f457b5\
             143f30602641b3d55cd335988cb36b84376060ecd532e039b742a239434af2d5"
        );
    }

    // A password longer than the hash block must be pre-hashed by HMAC.
    #[test]
    fn pbkdf2_long_password() {
        let pw = [b'p'; 200];
        assert_eq!(
            hex(&HashAlg::Sha256.pbkdf2(&pw, b"salt", 2)),
            "d663653a18cc9e2e7a11e753747cef4fe98a644fad58586b674cab1a2fa837ce"
        );
        assert_eq!(
            hex(&HashAlg::Sha512.pbkdf2(&pw, b"salt", 2)),
            "0557029baeb4ba610258820dbe91999b7103d70c89ce171e5c96a67b39ccb7bc\
             3e0ed797739f27961a528528ca31c0b53541d8d2ee71338d8a91c18a337c240e"
        );
    }

    // RFC 2202 / RFC 4231 test case 2.
    #[test]
    fn hmac_vectors() {
        let (k, d) = (
            b"Jefe".as_slice(),
            b"what do ya want for nothing?".as_slice(),
        );
        assert_eq!(
            hex(&HashAlg::Sha1.hmac(k, d)),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        assert_eq!(
            hex(&HashAlg::Sha256.hmac(k, d)),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&HashAlg::Sha512.hmac(k, d)),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
             9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
    }

    #[test]
    fn digest_and_lengths() {
        assert_eq!(
            hex(&HashAlg::Sha1.digest(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        for h in [HashAlg::Sha1, HashAlg::Sha256, HashAlg::Sha512] {
            assert_eq!(h.digest(b"").len(), h.output_len());
            assert_eq!(h.hmac(b"k", b"").len(), h.output_len());
            assert_eq!(h.pbkdf2(b"k", b"s", 0), h.pbkdf2(b"k", b"s", 1));
        }
    }
}
