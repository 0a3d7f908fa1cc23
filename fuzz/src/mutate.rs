//! The mutation engine: a seed from a pool, changed by a stack of byte-level
//! and token-level mutations, then made a `String` (every API fuzzed takes
//! `&str`; invalid UTF-8 becomes U+FFFD, so byte mutations stay useful).

use crate::dict;
use crate::rng::Rng;

/// Inputs stay below this unless a long-run mutation makes them bigger
/// (up to `LONG_MAX`, past the XML reader's 1 MiB limit).
pub const MAX_LEN: usize = 64 << 10;
const LONG_MAX: usize = (1 << 20) + 4096;

/// What to mutate from and with.
pub struct Mutator {
    /// Seeds (and parts to splice in).
    pub pool: Vec<String>,
    /// Tokens of the format.
    pub tokens: Vec<&'static str>,
    /// The most a long run may make an input grow to.
    pub limit: usize,
}

impl Mutator {
    pub fn new(pool: Vec<String>, token_sets: &[&[&'static str]]) -> Mutator {
        let tokens = token_sets.iter().flat_map(|s| s.iter().copied()).collect();
        Mutator { pool, tokens, limit: LONG_MAX }
    }

    /// Inputs kept to `limit` bytes (values that are many to an input).
    pub fn with_limit(mut self, limit: usize) -> Mutator {
        self.limit = limit;
        self
    }

    /// A pool entry, or an empty string for an empty pool.
    pub fn seed(&self, rng: &mut Rng) -> &str {
        rng.pick(&self.pool).map_or("", String::as_str)
    }

    /// A mutated pool entry (now and then the entry as it is, or token soup).
    pub fn generate(&self, rng: &mut Rng) -> String {
        if rng.one_in(64) {
            return self.soup(rng);
        }
        let seed = self.seed(rng).to_string();
        if rng.one_in(32) {
            return seed;
        }
        self.mutate(rng, &seed)
    }

    /// For state machines, which a malformed input only ends: a seed as it
    /// is, with one value changed (the markup kept), or mutated at large.
    pub fn variant(&self, rng: &mut Rng) -> String {
        match rng.below(3) {
            0 => self.seed(rng).to_string(),
            1 => {
                let mut b = self.seed(rng).as_bytes().to_vec();
                for _ in 0..rng.small(3) {
                    self.value(rng, &mut b);
                }
                into_string(b)
            }
            _ => self.generate(rng),
        }
    }

    /// A quoted value or a run of text (between `>` and `<`) replaced: by a
    /// number, a token or a character, emptied, or doubled.
    fn value(&self, rng: &mut Rng, b: &mut Vec<u8>) {
        let from = rng.below(b.len() + 1);
        let Some(open) = b.iter().skip(from).position(|&c| matches!(c, b'\'' | b'"' | b'>')).map(|i| i + from) else { return };
        let close_with = match b[open] {
            b'>' => b'<',
            q => q,
        };
        let Some(close) = b.iter().skip(open + 1).position(|&c| c == close_with).map(|i| i + open + 1) else { return };
        let inner = b[open + 1..close].to_vec();
        let new: Vec<u8> = match rng.below(5) {
            0 => rng.choose(dict::NUMBERS).as_bytes().to_vec(),
            1 => rng.pick(&self.tokens).unwrap_or(&"").bytes().filter(|c| !matches!(c, b'<' | b'&' | b'\'' | b'"')).collect(),
            2 => {
                let mut v = inner.clone();
                let c = rng.choose(dict::CHARS);
                let mut buf = [0u8; 4];
                let at = rng.below(v.len() + 1);
                v.splice(at..at, c.encode_utf8(&mut buf).bytes());
                v
            }
            3 => Vec::new(),
            _ => [inner.as_slice(), inner.as_slice()].concat(),
        };
        b.splice(open + 1..close, new);
    }

    /// `s` with a stack of mutations.
    pub fn mutate(&self, rng: &mut Rng, s: &str) -> String {
        let mut b = s.as_bytes().to_vec();
        for _ in 0..rng.small(12) {
            self.once(rng, &mut b);
        }
        into_string(b)
    }

    /// Tokens and characters at random, without a seed.
    pub fn soup(&self, rng: &mut Rng) -> String {
        let mut s = String::new();
        for _ in 0..rng.range(1, 64) {
            match rng.below(4) {
                0 => s.push(rng.choose(dict::CHARS)),
                1 => s.push_str(rng.choose(dict::NUMBERS)),
                _ => s.push_str(rng.pick(&self.tokens).unwrap_or(&"")),
            }
        }
        s
    }

    /// One mutation of `b`.
    fn once(&self, rng: &mut Rng, b: &mut Vec<u8>) {
        let len = b.len();
        let at = rng.below(len + 1);
        let op = rng.below(20);
        match op {
            // Bit flip.
            0 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
            }
            // A byte that parsers treat specially.
            1 if len > 0 => {
                let i = rng.below(len);
                b[i] = rng.choose(b"<>/&;'\"=: \t\r\n\0\x7f\xff|,#[]{}!?-");
            }
            // Random bytes, mostly printable.
            2 => {
                let n = rng.range(1, 4);
                let bytes: Vec<u8> = (0..n).map(|_| if rng.one_in(4) { rng.byte() } else { 0x20 + rng.below(0x5f) as u8 }).collect();
                b.splice(at..at, bytes);
            }
            // Delete a span, short or long.
            3 | 4 if len > 0 => {
                let n = if rng.one_in(8) { rng.range(1, len) } else { rng.range(1, 16.min(len)) };
                let start = rng.below(len - n + 1);
                b.drain(start..start + n);
            }
            // Duplicate a span somewhere (repeated elements, attributes).
            5 | 6 if len > 0 => {
                let (start, end) = span(rng, len);
                let copy = b[start..end].to_vec();
                b.splice(at..at, copy);
            }
            // Truncate: keep a prefix or a suffix.
            7 if len > 0 => {
                if rng.bool() {
                    b.truncate(at);
                } else {
                    b.drain(..at.min(len));
                }
            }
            // A token in, or a span replaced by one.
            8..=10 => {
                let t = rng.pick(&self.tokens).unwrap_or(&"<").as_bytes();
                b.splice(at..at, t.iter().copied());
            }
            11 if len > 0 => {
                let (start, end) = span(rng, len);
                let t = rng.pick(&self.tokens).unwrap_or(&"<").as_bytes();
                b.splice(start..end, t.iter().copied());
            }
            // Splice: our prefix, another seed's suffix.
            12 => {
                let other = self.seed(rng).as_bytes();
                let from = rng.below(other.len() + 1);
                b.truncate(at);
                b.extend_from_slice(&other[from..]);
            }
            // A long run of one token (quadratic paths, size limits).
            13 => {
                let t = rng.pick(&self.tokens).unwrap_or(&"a").as_bytes();
                let most = self.limit / t.len().max(1);
                let n = if rng.one_in(64) { rng.range(most.min(1 << 12), most) } else { rng.range(2, 512.min(most.max(2))) };
                let run: Vec<u8> = t.iter().copied().cycle().take(t.len() * n).collect();
                b.splice(at..at, run);
            }
            // A number replaced by one at an edge.
            14 => number(rng, b, at),
            // A character that normalization, case or XML treat specially.
            15 | 16 => {
                let c = rng.choose(dict::CHARS);
                let mut buf = [0u8; 4];
                b.splice(at..at, c.encode_utf8(&mut buf).bytes());
            }
            // ASCII case flipped over a span.
            17 if len > 0 => {
                let (start, end) = span(rng, len);
                b[start..end].iter_mut().for_each(|c| if c.is_ascii_alphabetic() { *c ^= 0x20 });
            }
            // One quote for the other.
            18 => {
                if let Some(i) = b.iter().skip(at).position(|&c| c == b'\'' || c == b'"') {
                    let i = at + i;
                    b[i] = if b[i] == b'\'' { b'"' } else { b'\'' };
                }
            }
            // Two spans swapped.
            _ if len > 1 => {
                let mid = rng.range(1, len - 1);
                let (a, c) = (rng.below(mid), rng.range(mid, len - 1));
                let tail = b.split_off(mid);
                let head = core::mem::take(b);
                b.extend_from_slice(&head[..a]);
                b.extend_from_slice(&tail[..c - mid + 1]);
                b.extend_from_slice(&head[a..]);
                b.extend_from_slice(&tail[c - mid + 1..]);
            }
            _ => {}
        }
        // Only a long run makes an input grow past MAX_LEN.
        let cap = if op == 13 { self.limit } else { MAX_LEN.max(len) };
        b.truncate(cap.min(self.limit));
    }
}

/// A non-empty span `start..end` of `0..len` (`len` > 0), mostly short.
fn span(rng: &mut Rng, len: usize) -> (usize, usize) {
    let n = if rng.one_in(4) { rng.range(1, len) } else { rng.range(1, 32.min(len)) };
    let start = rng.below(len - n + 1);
    (start, start + n)
}

/// The digit run at or after `at` replaced by an interesting number (or one
/// inserted there when there is none).
fn number(rng: &mut Rng, b: &mut Vec<u8>, at: usize) {
    let n = rng.choose(dict::NUMBERS).as_bytes();
    let Some(start) = b.iter().skip(at).position(u8::is_ascii_digit).map(|i| i + at) else {
        b.splice(at..at, n.iter().copied());
        return;
    };
    let end = b[start..].iter().position(|c| !c.is_ascii_digit()).map_or(b.len(), |i| i + start);
    b.splice(start..end, n.iter().copied());
}

/// Bytes as text: invalid UTF-8 becomes U+FFFD.
pub fn into_string(b: Vec<u8>) -> String {
    String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_stay_bounded_and_vary() {
        let m = Mutator::new(vec!["<a b='1'>x</a>".into(), "r=abc,s=QQ==,i=1".into()], &[dict::XML, dict::SCRAM]);
        let mut rng = Rng::new(1);
        let mut distinct = std::collections::HashSet::new();
        for _ in 0..5000 {
            let s = m.generate(&mut rng);
            assert!(s.len() <= LONG_MAX, "{}", s.len());
            distinct.insert(s);
        }
        assert!(distinct.len() > 2500, "{}", distinct.len());
    }
}
