//! Standard-alphabet base64 with padding (RFC 4648 §4): encoder and a strict decoder
//! that rejects anything non-canonical (bad characters, bad padding, stray bits).

use crate::prelude::*;
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base64Error {
    /// Length is not a multiple of 4.
    InvalidLength,
    /// A byte outside the alphabet.
    InvalidChar,
    /// Misplaced `=`, or non-zero bits in the last character before the padding.
    InvalidPadding,
}

// Bit-accumulator loops rather than unrolled 3-byte/4-char blocks: the inputs are
// tiny (salts, proofs, nonces) and the code is a fraction of the size in wasm.
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in data {
        acc = acc << 8 | u32::from(b);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(ALPHABET[(acc >> bits) as usize & 63] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[(acc << (6 - bits)) as usize & 63] as char);
    }
    while out.len() % 4 != 0 {
        out.push('=');
    }
    out
}

pub fn decode(s: &str) -> Result<Vec<u8>, Base64Error> {
    decode_bytes(s.as_bytes())
}

fn sextet(c: u8) -> Result<u32, Base64Error> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        b'=' => return Err(Base64Error::InvalidPadding),
        _ => return Err(Base64Error::InvalidChar),
    };
    Ok(v as u32)
}

pub fn decode_bytes(input: &[u8]) -> Result<Vec<u8>, Base64Error> {
    if input.len() % 4 != 0 {
        return Err(Base64Error::InvalidLength);
    }
    let pad = input
        .iter()
        .rev()
        .take(2)
        .take_while(|&&c| c == b'=')
        .count();
    let body = &input[..input.len() - pad];
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in body {
        // Only the low bits matter; older ones are shifted out harmlessly.
        acc = acc << 6 | sextet(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // With len % 4 == 0 and pad <= 2, 0, 2 or 4 bits are left over; a canonical
    // encoding leaves them zero.
    if acc & ((1 << bits) - 1) != 0 {
        return Err(Base64Error::InvalidPadding);
    }
    Ok(out)
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
        use Base64Error::*;
        assert_eq!(decode("Zg="), Err(InvalidLength));
        assert_eq!(decode("Z"), Err(InvalidLength));
        assert_eq!(decode("Zm9v\n"), Err(InvalidLength));
        assert_eq!(decode("Zm 9"), Err(InvalidChar));
        assert_eq!(decode("Zm-_"), Err(InvalidChar));
        assert_eq!(decode("Zm9\u{e9}"), Err(InvalidLength));
        assert_eq!(decode("Zm\u{e9}"), Err(InvalidChar));
        assert_eq!(decode("===="), Err(InvalidPadding));
        assert_eq!(decode("Z==="), Err(InvalidPadding));
        assert_eq!(decode("Zg==Zm9v"), Err(InvalidPadding));
        assert_eq!(decode("Z=g="), Err(InvalidPadding));
        // Non-zero bits hidden under the padding are not canonical.
        assert_eq!(decode("Zh=="), Err(InvalidPadding));
        assert_eq!(decode("Zm9="), Err(InvalidPadding));
        assert_eq!(decode_bytes(b"\xff\xff\xff\xff"), Err(InvalidChar));
    }
}
