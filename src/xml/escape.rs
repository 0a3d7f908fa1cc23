//! Escaping for text and attribute values: quick-xml's (`partial_escape`
//! for text, `escape` for attribute values), then what XML 1.0 readers
//! would otherwise change: characters XML cannot carry at all (most C0
//! controls, U+FFFE/U+FFFF) become U+FFFD rather than breaking the stream,
//! and whitespace that normalization would alter becomes a character
//! reference (CR everywhere, tab and LF in attribute values). Callers that
//! must refuse such input check it before writing.

use quick_xml::escape::{escape, partial_escape};

/// True for characters XML 1.0 allows in a document.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

pub fn escape_text(out: &mut String, s: &str) {
    finish(out, &partial_escape(s), false, false)
}

pub fn escape_attr(out: &mut String, s: &str) {
    finish(out, &escape(s), true, false)
}

/// Text that must not contain a literal `|` (legacy replies are split on it).
pub fn escape_text_no_pipe(out: &mut String, s: &str) {
    finish(out, &partial_escape(s), false, true)
}

/// `escaped` (quick-xml's output, which never adds these characters) with
/// the replacements above.
fn finish(out: &mut String, escaped: &str, attr: bool, pipe: bool) {
    // Fast path: most text has none of them.
    if !escaped.bytes().any(|b| b < 0x20 || b == 0xEF || (pipe && b == b'|')) {
        out.push_str(escaped);
        return;
    }
    for c in escaped.chars() {
        match c {
            // Attribute-value normalization would turn these into spaces.
            '\t' if attr => out.push_str("&#9;"),
            '\n' if attr => out.push_str("&#10;"),
            // End-of-line normalization would drop a literal CR.
            '\r' => out.push_str("&#13;"),
            '|' if pipe => out.push_str("&#124;"),
            c if !is_xml_char(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> String {
        let mut o = String::new();
        escape_text(&mut o, s);
        o
    }
    fn a(s: &str) -> String {
        let mut o = String::new();
        escape_attr(&mut o, s);
        o
    }

    #[test]
    fn escapes() {
        assert_eq!(t("plain"), "plain");
        assert_eq!(t("a<b>&c'\""), "a&lt;b&gt;&amp;c'\"");
        assert_eq!(a("a<b>&c'\""), "a&lt;b&gt;&amp;c&apos;&quot;");
        assert_eq!(t("l1\r\nl2\tx"), "l1&#13;\nl2\tx");
        assert_eq!(a("l1\nl2\t"), "l1&#10;l2&#9;");
        assert_eq!(t("nul\u{0}bell\u{7}"), "nul\u{FFFD}bell\u{FFFD}");
        assert_eq!(t("\u{FFFE}\u{FFFF}ok\u{FFFD}é😀"), "\u{FFFD}\u{FFFD}ok\u{FFFD}é😀");
        let mut o = String::new();
        escape_text_no_pipe(&mut o, "a|b<c");
        assert_eq!(o, "a&#124;b&lt;c");
    }
}
