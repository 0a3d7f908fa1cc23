//! Standard-alphabet base64 with padding (RFC 4648 §4), by the `base64`
//! crate's standard engine, which decodes strictly: anything non-canonical
//! (characters outside the alphabet, white space, bad padding, stray bits
//! under the padding) is an error, as SCRAM's values must be exact.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Not canonical base64 (what the crate's `DecodeError` says in detail:
/// nothing here needs to know which way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Base64Error;

pub fn encode(data: &[u8]) -> String {
    STANDARD.encode(data)
}

pub fn decode(s: &str) -> Result<Vec<u8>, Base64Error> {
    decode_bytes(s.as_bytes())
}

pub fn decode_bytes(input: &[u8]) -> Result<Vec<u8>, Base64Error> {
    STANDARD.decode(input).map_err(|_| Base64Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        let v = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, enc) in v {
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode(enc).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn round_trip_lengths_and_all_bytes() {
        let all: Vec<u8> = (0..=255u8).rev().collect();
        for len in 0..=10 {
            let data = &all[..len];
            let enc = encode(data);
            assert_eq!(enc.len(), len.div_ceil(3) * 4);
            assert_eq!(decode(&enc).unwrap(), data, "len {len}");
        }
        for len in [253, 254, 255, 256] {
            let data = &all.iter().cycle().take(len).copied().collect::<Vec<_>>();
            assert_eq!(decode(&encode(data)).unwrap(), *data);
        }
        assert_eq!(encode(&[0xfb, 0xff, 0xbf]), "+/+/");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            // Length not a multiple of 4, white space, other alphabets, non-ASCII.
            "Zg=", "Z", "Zm9v\n", "Zm 9", "Zm-_", "Zm9\u{e9}", "Zm\u{e9}",
            // Padding where a character must be, or in the middle.
            "====", "Z===", "Zg==Zm9v", "Z=g=",
            // Non-zero bits hidden under the padding are not canonical.
            "Zh==", "Zm9=",
        ] {
            assert_eq!(decode(bad), Err(Base64Error), "{bad:?}");
        }
        assert_eq!(decode_bytes(b"\xff\xff\xff\xff"), Err(Base64Error));
    }
}
