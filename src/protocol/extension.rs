//! The extension channel's messages (spec §4.3, types from 100): JSON
//! payloads, written with serde_json.

use super::format_json;
use super::types::{EXT_GAP, EXT_HELLO};
use serde::Serialize;

/// Extension 100, right after `4|loaded`: the protocol version and what
/// this tunnel supports.
pub fn hello() -> String {
    #[derive(Serialize)]
    struct Hello {
        protocol: u32,
        extensions: &'static [&'static str],
    }
    #[cfg(feature = "im")]
    const EXTENSIONS: &[&str] = &["gap", "im"];
    #[cfg(not(feature = "im"))]
    const EXTENSIONS: &[&str] = &["gap"];
    format_json(EXT_HELLO, &Hello { protocol: 1, extensions: EXTENSIONS })
}

/// Extension 101: events may have been missed (a new session replaced a
/// lost one); the parent should refresh what it shows.
pub fn gap(reason: &str) -> String {
    #[derive(Serialize)]
    struct Gap<'a> {
        gap: bool,
        reason: &'a str,
    }
    format_json(EXT_GAP, &Gap { gap: true, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads() {
        let hello_payload = if cfg!(feature = "im") {
            r#"100|{"protocol":1,"extensions":["gap","im"]}"#
        } else {
            r#"100|{"protocol":1,"extensions":["gap"]}"#
        };
        assert_eq!(hello(), hello_payload);
        assert_eq!(gap("a \"quoted\"\nreason"), r#"101|{"gap":true,"reason":"a \"quoted\"\nreason"}"#);
    }
}
