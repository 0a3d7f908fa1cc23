//! What every module of the core uses from `alloc`: the core is `no_std`
//! in the browser bundle (feature `bundle`), so nothing comes from `std`.

pub use alloc::borrow::ToOwned;
pub use alloc::boxed::Box;
pub use alloc::string::{String, ToString};
pub use alloc::vec::Vec;
pub use alloc::vec;

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
