//! The parent↔tunnel `type|payload` protocol (spec: tunnel-protocol.md §2–§4.3):
//! message types, parsing of what the parent sends, formatting of what we send.

mod encode_uri;
pub mod extension;
mod parent;
mod types;

pub use encode_uri::encode_uri;
pub use parent::{parse, ConnInfo, ParentMessage, PingSettings, ProtocolError, Transport};
pub use types::{MsgType, Status, EXT_GAP, EXT_HELLO};

/// `type|payload` as the parent expects it.
pub fn format(t: MsgType, payload: &str) -> String {
    let mut s = String::with_capacity(payload.len() + 4);
    push_type(&mut s, t as u16);
    s.push_str(payload);
    s
}

/// `type|` and the payload as JSON.
pub fn format_json(t: u16, payload: &impl serde::Serialize) -> String {
    let mut s = String::new();
    push_type(&mut s, t);
    // Our payloads have string keys only (structs, lists of them), which
    // serde_json cannot fail on.
    s.push_str(&serde_json::to_string(payload).unwrap_or_default());
    s
}

/// Writes the decimal type and the separator.
pub fn push_type(s: &mut String, t: u16) {
    s.push_str(&t.to_string());
    s.push('|');
}

/// A SUBSCRIBE/UNSUBSCRIBE failure reply: `node|<ApiErrors>…</ApiErrors>`.
/// The legacy parent splits these replies on `|`, so the error part never
/// contains one (the XML writer escapes it as a character reference).
pub fn node_error(t: MsgType, node: &str, condition: &str, text: &str) -> String {
    let mut s = format(t, node);
    s.push('|');
    let mut w = crate::xml::Writer::with(s);
    w.open("ApiErrors");
    w.open("ApiError");
    w.open("ErrorType");
    w.text_no_pipe(condition);
    w.close();
    w.open("ErrorMessage");
    w.text_no_pipe(text);
    w.close();
    w.close();
    w.close();
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_every_direction_type() {
        assert_eq!(format(MsgType::Event, "/a<x/>"), "0|/a<x/>");
        assert_eq!(format(MsgType::Status, "connected"), "4|connected");
        assert_eq!(format(MsgType::Logging, "a|b"), "13|a|b");
        assert_eq!(format(MsgType::SubscriptionsReq, "[]"), "14|[]");
        let mut s = String::new();
        push_type(&mut s, 100);
        assert_eq!(s, "100|");
    }

    #[test]
    fn node_error_never_adds_a_pipe() {
        let s = node_error(MsgType::Subscribe, "/n", "item-not-found", "no | such <node>");
        assert_eq!(
            s,
            "7|/n|<ApiErrors><ApiError><ErrorType>item-not-found</ErrorType>\
             <ErrorMessage>no &#124; such &lt;node&gt;</ErrorMessage></ApiError></ApiErrors>"
        );
        assert_eq!(s.split('|').count(), 3);
    }
}
