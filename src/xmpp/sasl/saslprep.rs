//! SASLprep (RFC 4013) of SCRAM passwords, complete: mapping (B.1 to
//! nothing, C.1.2 to a space), NFKC, prohibited output (C.1.2–C.9) and the
//! bidi rule (RFC 3454 §6), with the `stringprep` crate's tables. NFKC is
//! the caller's (`Nfkc`, see `crate::unicode`).
//!
//! Unassigned code points (RFC 3454 A.1) are let through, as for a query:
//! RFC 5802 asks for the stored-string profile, but servers prepare a
//! password with unassigned characters allowed (Prosody's SASLprep, ICU's,
//! keeps an emoji), so refusing them here would only make such a password
//! unusable. The server still has the last word.

use super::SaslError;
use stringprep::tables as t;

/// Unicode normalization form KC.
pub type Nfkc = crate::unicode::Transform;

/// NFKC as this build has it natively (`crate::unicode`).
pub fn native_nfkc() -> Option<Nfkc> {
    crate::unicode::Unicode::native().nfkc
}

/// The prepared password: mapped, normalized, checked.
pub(crate) fn saslprep(input: &str, nfkc: Option<Nfkc>) -> Result<String, SaslError> {
    // Printable ASCII maps to itself, is its own NFKC, and prohibits nothing.
    if input.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Ok(input.to_owned());
    }
    // 2.1 Mapping. U+200B is in both tables: a space first, as Prosody's
    // SASLprep (ICU's) and the stringprep crate have it.
    let mapped: String = input
        .chars()
        .map(|c| if t::non_ascii_space_character(c) { ' ' } else { c })
        .filter(|&c| !t::commonly_mapped_to_nothing(c))
        .collect();
    // 2.2 Normalization (ASCII is already in NFKC).
    let normalized = if mapped.is_ascii() {
        mapped
    } else {
        nfkc.ok_or(SaslError::NoNormalization)?(&mapped)
    };
    // 2.3 Prohibited output.
    if normalized.chars().any(prohibited) {
        return Err(SaslError::ProhibitedPasswordChar);
    }
    // 2.4 Bidirectional characters.
    if bidi_violation(&normalized) {
        return Err(SaslError::ProhibitedPasswordChar);
    }
    Ok(normalized)
}

/// RFC 4013 §2.3: C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9.
fn prohibited(c: char) -> bool {
    t::non_ascii_space_character(c)
        || t::ascii_control_character(c)
        || t::non_ascii_control_character(c)
        || t::private_use(c)
        || t::non_character_code_point(c)
        || t::surrogate_code(c)
        || t::inappropriate_for_plain_text(c)
        || t::inappropriate_for_canonical_representation(c)
        || t::change_display_properties_or_deprecated(c)
        || t::tagging_character(c)
}

/// RFC 3454 §6: with any RandALCat character, no LCat character, and a
/// RandALCat character first and last.
fn bidi_violation(s: &str) -> bool {
    if !s.chars().any(t::bidi_r_or_al) {
        return false;
    }
    let ends = s.chars().next().is_some_and(t::bidi_r_or_al) && s.chars().next_back().is_some_and(t::bidi_r_or_al);
    s.chars().any(t::bidi_l) || !ends
}

#[cfg(all(test, feature = "unicode"))]
mod tests {
    use super::*;

    fn prep(s: &str) -> Result<String, SaslError> {
        saslprep(s, native_nfkc())
    }

    #[test]
    fn ascii_unchanged() {
        for s in ["pencil", "p a s s", "!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~", ""] {
            assert_eq!(prep(s).unwrap(), s);
        }
    }

    /// RFC 4013 §3's examples, all of them.
    #[test]
    fn rfc4013_examples() {
        assert_eq!(prep("I\u{AD}X").unwrap(), "IX", "soft hyphen mapped to nothing");
        assert_eq!(prep("user").unwrap(), "user");
        assert_eq!(prep("USER").unwrap(), "USER", "case preserved");
        assert_eq!(prep("\u{AA}").unwrap(), "a", "output is NFKC, input in ISO 8859-1");
        assert_eq!(prep("\u{2168}").unwrap(), "IX", "output is NFKC, will match the 2nd example");
        assert_eq!(prep("\u{7}"), Err(SaslError::ProhibitedPasswordChar));
        assert_eq!(prep("\u{627}1"), Err(SaslError::ProhibitedPasswordChar), "bidi check");
    }

    #[test]
    fn normalization() {
        // Full-width letters and digits, composed and decomposed accents,
        // ligatures: what a keyboard or an IME may produce.
        assert_eq!(prep("\u{FF50}\u{FF41}\u{FF53}\u{FF53}\u{FF11}\u{FF12}").unwrap(), "pass12");
        assert_eq!(prep("Zoe\u{301}").unwrap(), "Zo\u{E9}");
        assert_eq!(prep("Zo\u{E9}").unwrap(), "Zo\u{E9}");
        assert_eq!(prep("\u{FB01}x").unwrap(), "fix");
        // Without a normalizer, a password that needs one is refused rather
        // than sent unnormalized; ASCII needs none.
        assert_eq!(saslprep("Zoe\u{301}", None), Err(SaslError::NoNormalization));
        assert_eq!(saslprep("pass\u{A0}word", None).unwrap(), "pass word");
    }

    #[test]
    fn mapping() {
        assert_eq!(prep("a\u{A0}b").unwrap(), "a b");
        assert_eq!(prep("a\u{3000}b\u{2003}").unwrap(), "a b ");
        assert_eq!(prep("\u{AD}pass\u{FE0F}word\u{FEFF}").unwrap(), "password");
        // U+200B is a space (C.1.2) before it is nothing (B.1), as Prosody
        // (ICU) prepares it: "a b".
        assert_eq!(prep("a\u{200B}b").unwrap(), "a b");
        // Unassigned in Unicode 3.2, and let through as Prosody does.
        assert_eq!(prep("\u{1F600}").unwrap(), "\u{1F600}");
        assert_eq!(prep("\u{AD}").unwrap(), "");
        assert_eq!(prep("pässwörd").unwrap(), "pässwörd");
    }

    #[test]
    fn prohibited() {
        for s in [
            "a\u{0}b", "tab\t", "del\u{7F}", "\u{85}", "\u{2028}", "\u{E000}", "\u{10FFFD}", "\u{FDD0}", "\u{FFFF}",
            "\u{1FFFE}", "\u{FFFD}", "\u{2FF0}", "\u{200E}", "\u{202E}", "\u{E0001}", "\u{E0041}", "x\u{1D173}",
        ] {
            assert_eq!(prep(s), Err(SaslError::ProhibitedPasswordChar), "{s:?}");
        }
    }

    #[test]
    fn bidi() {
        // Pure RTL, and RTL with digits inside, are fine.
        assert_eq!(prep("\u{5D0}\u{5D1}").unwrap(), "\u{5D0}\u{5D1}");
        assert!(prep("\u{627}1\u{628}").is_ok());
        // Mixing with LTR letters, or starting/ending with a non-RTL char, is not.
        assert!(prep("\u{5D0}a\u{5D1}").is_err());
        assert!(prep("1\u{627}").is_err());
        // No RandAL character: nothing to check.
        assert!(prep("abc\u{5B0}").is_ok());
        // LCat beyond ASCII counts too (the old approximation missed it).
        assert!(prep("\u{5D0}\u{E9}\u{5D1}").is_err());
    }

    /// The stringprep crate's own SASLprep agrees wherever it does not
    /// refuse an unassigned code point (which we let through, see above).
    #[test]
    fn agrees_with_the_stringprep_crate() {
        let mut samples: Vec<String> = (0x20u32..0x3000).chain(0xF900..0x10000).chain(0x1D400..0x1D800)
            .filter_map(char::from_u32).map(|c| format!("a{c}b")).collect();
        samples.extend(["\u{5D0}\u{5D1}", "\u{627}1\u{628}", "1\u{627}", "\u{FF21}\u{FF22}", "\u{2168}x"].map(String::from));
        for s in &samples {
            match stringprep::saslprep(s) {
                Ok(theirs) => assert_eq!(prep(s).as_deref(), Ok(&*theirs), "{s:?}"),
                Err(_) if s.chars().any(t::unassigned_code_point) => {}
                Err(_) => assert!(prep(s).is_err(), "{s:?}: stringprep refuses it, we took {:?}", prep(s)),
            }
        }
    }
}
