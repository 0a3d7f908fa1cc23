//! RFC 7395 framing: every WebSocket text message is one complete element;
//! the stream is opened and closed with `<open/>` and `<close/>` in the
//! framing namespace.

use crate::xml::{self, Doc, Limits, Writer, XmlError};
use crate::xmpp::ns;

/// The subprotocol we offer and the server must select.
pub const PROTOCOL: &str = "xmpp";

pub fn open(domain: &str) -> String {
    let mut w = Writer::new();
    w.open("open").attr("xmlns", ns::FRAMING).attr("to", domain).attr("version", "1.0");
    w.finish()
}

pub fn close() -> String {
    let mut w = Writer::new();
    w.open("close").attr("xmlns", ns::FRAMING);
    w.finish()
}

#[derive(Debug, PartialEq)]
pub enum Frame {
    /// The server's stream header.
    Open,
    /// The server closes the stream; `see-other-uri` is a redirect.
    Close { see_other_uri: Option<String> },
    Element(Doc),
}

pub fn decode(text: &str, max_bytes: usize) -> Result<Frame, XmlError> {
    let limits = Limits { max_bytes, ..Limits::SERVER };
    let doc = xml::parse(text, &limits)?;
    let el = doc.root();
    if el.ns() == ns::FRAMING {
        match el.name() {
            "open" => return Ok(Frame::Open),
            "close" => {
                let see_other_uri = el.attr("see-other-uri").map(str::to_string);
                return Ok(Frame::Close { see_other_uri });
            }
            _ => {}
        }
    }
    Ok(Frame::Element(doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        assert_eq!(open("d.example"), "<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"d.example\" version=\"1.0\"/>");
        assert_eq!(close(), "<close xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\"/>");
        assert_eq!(
            decode("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='d' id='x' version='1.0' xml:lang='en'/>", 1000),
            Ok(Frame::Open)
        );
        assert_eq!(
            decode("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing' see-other-uri='wss://b/ws'/>", 1000),
            Ok(Frame::Close { see_other_uri: Some("wss://b/ws".into()) })
        );
        // An <open> in another namespace is just an element (wrong namespace).
        assert!(matches!(decode("<open xmlns='jabber:client'/>", 1000), Ok(Frame::Element(_))));
        assert_eq!(decode("<a>x</a>", 5), Err(XmlError::TooLarge));
        assert_eq!(decode("<a><b></a>", 1000), Err(XmlError::Malformed));
    }
}
