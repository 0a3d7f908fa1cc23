//! Hash primitives for SCRAM: H(), HMAC() and `Hi()` (PBKDF2 with dkLen
//! the hash's length, RFC 5802 §2.2) over SHA-1, SHA-256 and SHA-512, by
//! RustCrypto's `sha1`, `sha2`, `hmac` and `pbkdf2`. Natively (tests, tools)
//! and in the page's fallback module; the tunnel module leaves them to
//! WebCrypto and only needs `HashAlg`'s lengths (feature `hashes` off).

/// The hash behind a SCRAM mechanism.
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
}

#[cfg(feature = "hashes")]
mod rust_crypto {
    use super::HashAlg;
    use hmac::{Hmac, KeyInit, Mac};
    use sha1::Sha1;
    use sha2::{Digest, Sha256, Sha512};

    impl HashAlg {
        pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
            match self {
                HashAlg::Sha1 => Sha1::digest(data).to_vec(),
                HashAlg::Sha256 => Sha256::digest(data).to_vec(),
                HashAlg::Sha512 => Sha512::digest(data).to_vec(),
            }
        }

        pub(crate) fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
            fn mac<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
                // HMAC takes keys of any length: new_from_slice cannot fail.
                <M as KeyInit>::new_from_slice(key).map(|m| m.chain_update(data).finalize().into_bytes().to_vec()).unwrap_or_default()
            }
            match self {
                HashAlg::Sha1 => mac::<Hmac<Sha1>>(key, data),
                HashAlg::Sha256 => mac::<Hmac<Sha256>>(key, data),
                HashAlg::Sha512 => mac::<Hmac<Sha512>>(key, data),
            }
        }

        /// `Hi()`: PBKDF2 with HMAC as PRF and one output block. `iterations`
        /// must be >= 1 (what SCRAM's parser accepts); 0 is taken as 1.
        pub(crate) fn pbkdf2(self, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
            let mut out = vec![0; self.output_len()];
            let rounds = iterations.max(1);
            match self {
                HashAlg::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, rounds, &mut out),
                HashAlg::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, rounds, &mut out),
                HashAlg::Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, rounds, &mut out),
            }
            out
        }
    }
}

#[cfg(all(test, feature = "hashes"))]
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
    // Python's hashlib on inputs around the block and length-field boundaries
    // (first 8 bytes of each digest).
    #[test]
    fn digests_at_block_boundaries() {
        let cases: &[(usize, &str, &str, &str)] = &[
            (0, "da39a3ee5e6b4b0d", "e3b0c44298fc1c14", "cf83e1357eefb8bd"),
            (55, "ddf57317ef34bfee", "e7313d333c272e63", "14fd424b1fcadee6"),
            (56, "a0d492bb0fc889d0", "4324d65f3c103567", "480fa85be41ef55a"),
            (63, "c55856749bef509b", "81c80242132f230c", "ecd42a703a4e93e1"),
            (64, "bede92be29c3874e", "39e3d7b6b5d075d3", "8f3cc30b3fb5bf96"),
            (111, "4a01b1272627e5be", "67d9492e628fd376", "68cffa6d0d76f309"),
            (112, "54c08c2a0ed21de2", "96b928cff8528dbb", "d0865c524d1dddf7"),
            (119, "504e27376a6e0f0d", "9ce7368e4daf3234", "236bdd7f38a611b5"),
            (127, "34d5e582029e9b9b", "a8d23e75d936f303", "e0b6a20f1c0c8897"),
            (128, "a09133e6730ffe89", "d2742f1f4ac6bb7c", "99b16f17aa0b969a"),
            (1000, "4231a8a50a10fa97", "1e9bc38cbf860b9e", "00e36fccf193e596"),
        ];
        for &(n, s1, s256, s512) in cases {
            let data: Vec<u8> = (0..n).map(|i| ((i * 7 + 3) % 256) as u8).collect();
            assert_eq!(&hex(&HashAlg::Sha1.digest(&data))[..16], s1, "sha1 {n}");
            assert_eq!(&hex(&HashAlg::Sha256.digest(&data))[..16], s256, "sha256 {n}");
            assert_eq!(&hex(&HashAlg::Sha512.digest(&data))[..16], s512, "sha512 {n}");
        }
    }
}
