//! SASLprep (RFC 4013) of SCRAM passwords, minus Unicode normalisation.
//!
//! LIMITATION: NFKC (RFC 4013 §2.2) is NOT performed, and unassigned code points
//! (RFC 3454 A.1) are not checked: both need large Unicode tables that would blow the
//! wasm size budget. ASCII passwords (the normal case) are unaffected. A password whose
//! NFKC form differs (e.g. ligatures, full-width or decomposed letters) will simply
//! fail to authenticate against a server that normalises; it is never a security issue.
//! The bidi rule (RFC 3454 §6) is approximated so that we only reject strings that
//! are certainly invalid; anything we let through is left for the server to judge.

use crate::prelude::*;
use super::SaslError;

/// Map, then check prohibited output and the (approximated) bidi rule.
pub(crate) fn saslprep(input: &str) -> Result<String, SaslError> {
    // Fast path: printable ASCII maps to itself and prohibits nothing.
    if input.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Ok(input.to_owned());
    }
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        // B.1 first: U+200B is in both B.1 and C.1.2; removing it is the common reading.
        if maps_to_nothing(c) {
            continue;
        }
        let c = if is_non_ascii_space(c) { ' ' } else { c };
        if is_prohibited(c as u32) {
            return Err(SaslError::ProhibitedPasswordChar);
        }
        out.push(c);
    }
    check_bidi(&out)?;
    Ok(out)
}

/// RFC 3454 B.1 "commonly mapped to nothing".
fn maps_to_nothing(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x1806 | 0x180B..=0x180D | 0x200B..=0x200D | 0x2060
        | 0xFE00..=0xFE0F | 0xFEFF)
}

/// RFC 3454 C.1.2 non-ASCII space characters.
fn is_non_ascii_space(c: char) -> bool {
    matches!(
        c as u32,
        0x00A0 | 0x1680 | 0x2000..=0x200B | 0x202F | 0x205F | 0x3000
    )
}

/// RFC 3454 C.2.1, C.2.2, C.3, C.4, C.6, C.7, C.8, C.9 (C.5 surrogates cannot occur in
/// a Rust `str`; C.1.2 was mapped away above).
fn is_prohibited(c: u32) -> bool {
    // Every plane's last two code points are non-characters (C.4).
    if c & 0xFFFE == 0xFFFE {
        return true;
    }
    matches!(c,
        // C.2.1 / C.2.2 control characters
        0x0000..=0x001F | 0x007F..=0x009F | 0x06DD | 0x070F | 0x180E | 0x200C | 0x200D
        | 0x2028 | 0x2029 | 0x2060..=0x2063 | 0xFEFF | 0x1D173..=0x1D17A
        // C.3 private use
        | 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD
        // C.4 non-characters (rest)
        | 0xFDD0..=0xFDEF
        // C.6 inappropriate for plain text (includes C.2.2's FFF9-FFFC)
        | 0xFFF9..=0xFFFD
        // C.7 inappropriate for canonical representation
        | 0x2FF0..=0x2FFB
        // C.8 change display properties / deprecated (includes C.2.2's 206A-206F)
        | 0x0340 | 0x0341 | 0x200E | 0x200F | 0x202A..=0x202E | 0x206A..=0x206F
        // C.9 tagging characters
        | 0xE0001 | 0xE0020..=0xE007F)
}

/// Letters that are certainly RandALCat (RFC 3454 D.1): Hebrew and Arabic letters.
fn surely_randal(c: char) -> bool {
    matches!(c as u32, 0x05D0..=0x05EA | 0x05F0..=0x05F4 | 0x0621..=0x063A | 0x0641..=0x064A)
}

/// A superset of RandALCat: the right-to-left blocks.
fn maybe_randal(c: char) -> bool {
    matches!(c as u32,
        0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF)
}

/// RFC 3454 §6 with cheap tables: the rule is only enforced when the outcome is
/// certain (a sure RandAL char together with an ASCII letter, which is LCat, or with
/// an end that cannot be RandAL), so a valid password is never rejected.
fn check_bidi(s: &str) -> Result<(), SaslError> {
    if !s.chars().any(surely_randal) {
        return Ok(());
    }
    let ends_ok = s.chars().next().is_some_and(maybe_randal)
        && s.chars().next_back().is_some_and(maybe_randal);
    if !ends_ok || s.bytes().any(|b| b.is_ascii_alphabetic()) {
        return Err(SaslError::ProhibitedPasswordChar);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_unchanged() {
        for s in [
            "pencil",
            "p a s s",
            "!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~",
            "",
        ] {
            assert_eq!(saslprep(s).unwrap(), s);
        }
    }

    // The examples of RFC 4013 §3 that do not depend on NFKC.
    #[test]
    fn rfc4013_examples() {
        assert_eq!(saslprep("I\u{AD}X").unwrap(), "IX");
        assert_eq!(saslprep("user").unwrap(), "user");
        assert_eq!(saslprep("USER").unwrap(), "USER");
        assert_eq!(saslprep("\u{7}"), Err(SaslError::ProhibitedPasswordChar));
        assert_eq!(saslprep("\u{627}1"), Err(SaslError::ProhibitedPasswordChar));
    }

    #[test]
    fn mapping() {
        assert_eq!(saslprep("a\u{A0}b").unwrap(), "a b");
        assert_eq!(saslprep("a\u{3000}b\u{2003}").unwrap(), "a b ");
        assert_eq!(
            saslprep("\u{AD}pass\u{200B}\u{FE0F}word\u{FEFF}").unwrap(),
            "password"
        );
        assert_eq!(saslprep("\u{AD}").unwrap(), "");
        assert_eq!(saslprep("pässwörd").unwrap(), "pässwörd");
    }

    #[test]
    fn prohibited() {
        for s in [
            "a\u{0}b",
            "tab\t",
            "del\u{7F}",
            "\u{85}",
            "\u{2028}",
            "\u{E000}",
            "\u{10FFFD}",
            "\u{FDD0}",
            "\u{FFFF}",
            "\u{1FFFE}",
            "\u{FFFD}",
            "\u{2FF0}",
            "\u{200E}",
            "\u{202E}",
            "\u{E0001}",
            "\u{E0041}",
            "x\u{1D173}",
        ] {
            assert_eq!(saslprep(s), Err(SaslError::ProhibitedPasswordChar), "{s:?}");
        }
    }

    #[test]
    fn bidi() {
        // Pure RTL, and RTL with digits inside, are fine.
        assert_eq!(saslprep("\u{5D0}\u{5D1}").unwrap(), "\u{5D0}\u{5D1}");
        assert!(saslprep("\u{627}1\u{628}").is_ok());
        // Mixing with LTR letters, or starting/ending with a non-RTL char, is not.
        assert!(saslprep("\u{5D0}a\u{5D1}").is_err());
        assert!(saslprep("1\u{627}").is_err());
        // No sure RandAL char: left to the server.
        assert!(saslprep("abc\u{5B0}").is_ok());
    }
}
