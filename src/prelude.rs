//! What every module of the core uses: the collection types, and small
//! helpers for deadlines, decimals and byte searches.

pub use alloc::borrow::ToOwned;
pub use alloc::boxed::Box;
pub use alloc::string::{String, ToString};
pub use alloc::vec::Vec;
pub use alloc::vec;

/// The earlier of two optional times (None: no deadline). One function for
/// every deadline search, where `chain(…).min()` cost a copy of core's
/// iterator code each.
pub fn earlier(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// A decimal number as `str::parse` reads one (an optional `+`, then
/// digits), without a copy of that code per integer type; None when empty,
/// not digits, or over `u64::MAX`.
pub fn parse_decimal(s: &str) -> Option<u64> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0u64, |n, b| {
        let d = b.checked_sub(b'0').filter(|d| *d < 10)?;
        n.checked_mul(10)?.checked_add(u64::from(d))
    })
}

/// `bytes` as text if they are all ASCII (what is ASCII by its grammar).
pub fn ascii_str(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        core::str::from_utf8(bytes).ok()
    } else {
        None
    }
}

/// `parse_decimal` for a `u32`.
pub fn parse_u32(s: &str) -> Option<u32> {
    parse_decimal(s).and_then(|n| u32::try_from(n).ok())
}

/// Appends `n` in decimal. (`to_string()` on integers would link `core::fmt`,
/// which the bundle otherwise does without.)
pub fn push_decimal(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(d as char);
    }
}

/// Byte index of the first `pat` in `hay`. (`str::find` with a string
/// pattern links the two-way searcher: over a kilobyte for patterns of two
/// or three bytes.)
pub fn find_str(hay: &str, pat: &str) -> Option<usize> {
    let (h, p) = (hay.as_bytes(), pat.as_bytes());
    (0..=h.len().checked_sub(p.len())?).find(|&i| h[i..].starts_with(p))
}

/// Byte index of the first of the ASCII bytes `set` in `s`. (A char
/// pattern links core's searchers and memchr: some 700 B of wasm.)
pub fn find_any(s: &str, set: &[u8]) -> Option<usize> {
    s.bytes().position(|b| set.contains(&b))
}

/// `s` split around its first ASCII byte `c`.
pub fn split_byte(s: &str, c: u8) -> Option<(&str, &str)> {
    let i = find_any(s, &[c])?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// `s` up to the first of the ASCII bytes `set` (all of it if none).
pub fn before_any<'a>(s: &'a str, set: &[u8]) -> &'a str {
    find_any(s, set).and_then(|i| s.get(..i)).unwrap_or(s)
}

/// `s.split(c)` for an ASCII byte `c`.
pub fn split_bytes(s: &str, c: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    core::iter::from_fn(move || {
        let r = rest?;
        let (part, after) = split_byte(r, c).map_or((r, None), |(a, b)| (a, Some(b)));
        rest = after;
        Some(part)
    })
}

/// `scheme://rest` split into `scheme` and `rest`.
pub fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let i = find_str(url, "://")?;
    Some((url.get(..i)?, url.get(i + 3..)?))
}

/// `n` in decimal.
pub fn decimal(n: u64) -> String {
    let mut s = String::new();
    push_decimal(&mut s, n);
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimals() {
        for n in [0u64, 7, 10, 99, 1000, 4096, u32::MAX as u64, u64::MAX] {
            assert_eq!(super::decimal(n), n.to_string());
        }
    }

    /// Reads what `str::parse` reads, and nothing else.
    #[test]
    fn parses_decimals() {
        use super::{parse_decimal, parse_u32};
        for s in ["0", "7", "+7", "0042", "4294967295", "4294967296", "18446744073709551615", "18446744073709551616",
                  "", "+", "-1", "++1", "1 ", " 1", "1e3", "0x10", "١"] {
            assert_eq!(parse_decimal(s), s.parse::<u64>().ok(), "{s:?}");
            assert_eq!(parse_u32(s), s.parse::<u32>().ok(), "{s:?}");
        }
    }

    /// The byte searches agree with `str`'s char-pattern ones.
    #[test]
    fn byte_searches() {
        use super::{before_any, find_any, split_byte, split_bytes};
        for s in ["", ",", "a,b", ",a,,b,", "é,ü,", "no separator", "a,b/c?d"] {
            assert_eq!(split_bytes(s, b',').collect::<Vec<_>>(), s.split(',').collect::<Vec<_>>(), "{s:?}");
            assert_eq!(split_byte(s, b','), s.split_once(','), "{s:?}");
            assert_eq!(find_any(s, b"/?"), s.find(['/', '?']), "{s:?}");
            assert_eq!(before_any(s, b",/"), s.split([',', '/']).next().unwrap(), "{s:?}");
        }
    }

    #[test]
    fn finds_strings() {
        use super::{find_str, split_scheme};
        for (hay, pat) in [("a-->b", "-->"), ("-->", "-->"), ("--", "-->"), ("", "?>"), ("x?", "?>"), ("é?>", "?>"), ("a?>b?>", "?>")] {
            assert_eq!(find_str(hay, pat), hay.find(pat), "{hay:?} {pat:?}");
        }
        assert_eq!(split_scheme("ws://h/x"), Some(("ws", "h/x")));
        assert_eq!(split_scheme("://"), Some(("", "")));
        assert_eq!(split_scheme("http:/x"), None);
    }
}
