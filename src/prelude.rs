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
}
