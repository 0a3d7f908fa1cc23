//! Builds outgoing XML. Names are our own constants; every value and text
//! goes through the escaper, so untrusted input cannot change the structure.

use crate::prelude::*;
use super::element::Element;
use super::escape::{escape_attr, escape_text, escape_text_no_pipe};

pub struct Writer {
    buf: String,
    open: Vec<&'static str>,
    /// A start tag is written but not yet ended with `>`.
    in_tag: bool,
}

impl Default for Writer {
    fn default() -> Self {
        Writer::new()
    }
}

impl Writer {
    pub fn new() -> Writer {
        Writer::with(String::with_capacity(128))
    }

    /// Appends to an existing buffer (e.g. one that already holds `7|node|`).
    pub fn with(buf: String) -> Writer {
        Writer { buf, open: Vec::new(), in_tag: false }
    }

    fn end_tag(&mut self) {
        if self.in_tag {
            self.buf.push('>');
            self.in_tag = false;
        }
    }

    pub fn open(&mut self, name: &'static str) -> &mut Writer {
        self.end_tag();
        self.buf.push('<');
        self.buf.push_str(name);
        self.open.push(name);
        self.in_tag = true;
        self
    }

    /// Only valid right after `open`; ignored elsewhere rather than
    /// producing broken XML.
    pub fn attr(&mut self, name: &'static str, value: &str) -> &mut Writer {
        if self.in_tag {
            self.buf.push(' ');
            self.buf.push_str(name);
            self.buf.push_str("='");
            escape_attr(&mut self.buf, value);
            self.buf.push('\'');
        }
        self
    }

    /// Empty text writes nothing, so `<type/>` stays self-closing.
    pub fn text(&mut self, t: &str) -> &mut Writer {
        if t.is_empty() {
            return self;
        }
        self.end_tag();
        escape_text(&mut self.buf, t);
        self
    }

    pub fn text_no_pipe(&mut self, t: &str) -> &mut Writer {
        if t.is_empty() {
            return self;
        }
        self.end_tag();
        escape_text_no_pipe(&mut self.buf, t);
        self
    }

    /// A received element, re-serialized (namespaces declared on its root).
    pub fn element(&mut self, e: Element) -> &mut Writer {
        self.end_tag();
        e.write_to(&mut self.buf);
        self
    }

    /// Closes the innermost open element (`/>` when it has no content).
    pub fn close(&mut self) -> &mut Writer {
        if let Some(name) = self.open.pop() {
            if self.in_tag {
                self.buf.push_str("/>");
                self.in_tag = false;
            } else {
                self.buf.push_str("</");
                self.buf.push_str(name);
                self.buf.push('>');
            }
        }
        self
    }

    /// Closes whatever is still open and returns the text.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_escapes() {
        let mut w = Writer::new();
        w.open("iq").attr("type", "set").attr("id", "a'<b");
        w.open("pubsub").attr("xmlns", "http://jabber.org/protocol/pubsub");
        w.open("subscribe").attr("node", "/x&y").close();
        w.close();
        w.open("body").text("1 < 2 & \"q\"");
        assert_eq!(
            w.finish(),
            "<iq type='set' id='a&apos;&lt;b'><pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <subscribe node='/x&amp;y'/></pubsub><body>1 &lt; 2 &amp; \"q\"</body></iq>"
        );
    }

    #[test]
    fn hostile_values_cannot_inject_markup() {
        let evil = "'/><evil xmlns='x'/><x a='";
        let mut w = Writer::new();
        w.open("subscribe").attr("node", evil);
        let out = w.finish();
        let el = crate::xml::parse(&out, &crate::xml::Limits::SERVER).unwrap();
        assert_eq!(el.root().attr("node"), Some(evil));
        assert!(el.root().is_empty());
    }
}
