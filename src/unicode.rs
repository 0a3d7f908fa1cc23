//! The two things the core needs Unicode's large tables for: NFKC, for
//! SASLprep of SCRAM passwords (RFC 4013), and lower-casing, for the agent
//! ID (the legacy tunnel lower-cased it with JavaScript's `toLowerCase`).
//! Natively they are `unicode-normalization`'s and std's (feature
//! `unicode`). The tunnel module is built without them: its shell hands the
//! tunnel the browser's own (`String.prototype.normalize`, `toLowerCase`),
//! whose tables every browser has, so the page does not download them
//! again (10 KB gzipped for std's case mapping alone).


/// A transformation of text.
pub type Transform = fn(&str) -> String;

#[derive(Clone, Copy)]
pub struct Unicode {
    /// Normalization form KC; None in a build without the tables and
    /// without a shell to supply them (a password that needs it fails).
    pub nfkc: Option<Transform>,
    pub lowercase: Transform,
}

impl Unicode {
    /// This build's own: the tables' with feature `unicode`; else no NFKC,
    /// and lower-casing of ASCII only.
    pub fn native() -> Unicode {
        #[cfg(feature = "unicode")]
        {
            fn nfkc(s: &str) -> String {
                unicode_normalization::UnicodeNormalization::nfkc(s).collect()
            }
            Unicode { nfkc: Some(nfkc), lowercase: str::to_lowercase }
        }
        #[cfg(not(feature = "unicode"))]
        Unicode { nfkc: None, lowercase: str::to_ascii_lowercase }
    }
}

impl std::fmt::Debug for Unicode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Unicode(..)")
    }
}
