//! Builds outgoing XML on quick-xml's writer. Names are our own constants;
//! every value and text goes through the escaper (`escape.rs`), so untrusted
//! input cannot change the structure. A start tag is held until what follows
//! it is known, so that an element without content is written `<x/>`.

use super::element::Element;
use super::escape::{escape_attr, escape_text, escape_text_no_pipe};
use super::reader::is_ncname;
use std::borrow::Cow;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;

pub struct Writer {
    w: quick_xml::Writer<Vec<u8>>,
    open: Vec<Cow<'static, str>>,
    /// The start tag being written, until its content (or its end) comes.
    pending: Option<BytesStart<'static>>,
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
        Writer { w: quick_xml::Writer::new(buf.into_bytes()), open: Vec::new(), pending: None }
    }

    fn write(&mut self, e: Event) {
        // Writing into a Vec cannot fail.
        let _ = self.w.write_event(e);
    }

    /// The held start tag, as a start tag: content follows.
    fn end_tag(&mut self) {
        if let Some(start) = self.pending.take() {
            self.write(Event::Start(start));
        }
    }

    pub fn open(&mut self, name: &'static str) -> &mut Writer {
        self.start(Cow::Borrowed(name))
    }

    /// An element named at run time (a stanza error condition the server
    /// sent): `name` if it is an XML name without a prefix, else `fallback`.
    pub fn open_name(&mut self, name: &str, fallback: &'static str) -> &mut Writer {
        if is_ncname(name) {
            self.start(Cow::Owned(name.to_string()))
        } else {
            self.start(Cow::Borrowed(fallback))
        }
    }

    fn start(&mut self, name: Cow<'static, str>) -> &mut Writer {
        self.end_tag();
        self.pending = Some(BytesStart::new(name.clone()));
        self.open.push(name);
        self
    }

    /// Only valid right after `open`; ignored elsewhere rather than
    /// producing broken XML.
    pub fn attr(&mut self, name: &'static str, value: &str) -> &mut Writer {
        if let Some(start) = self.pending.as_mut() {
            start.push_attribute(attribute(name, value));
        }
        self
    }

    /// Empty text writes nothing, so `<type/>` stays self-closing.
    pub fn text(&mut self, t: &str) -> &mut Writer {
        self.escaped_text(t, escape_text)
    }

    pub fn text_no_pipe(&mut self, t: &str) -> &mut Writer {
        self.escaped_text(t, escape_text_no_pipe)
    }

    fn escaped_text(&mut self, t: &str, escape: fn(&mut String, &str)) -> &mut Writer {
        if t.is_empty() {
            return self;
        }
        self.end_tag();
        write_text(&mut self.w, t, escape);
        self
    }

    /// XML this crate wrote already (a stanza queued for a BOSH body), as
    /// it is.
    pub fn xml(&mut self, ours: &str) -> &mut Writer {
        self.end_tag();
        self.write(Event::Text(BytesText::from_escaped(ours)));
        self
    }

    /// A received element, re-serialized (namespaces declared on its root).
    pub fn element(&mut self, e: Element) -> &mut Writer {
        self.end_tag();
        e.write_into(&mut self.w);
        self
    }

    /// Closes the innermost open element (`/>` when it has no content).
    pub fn close(&mut self) -> &mut Writer {
        if let Some(name) = self.open.pop() {
            match self.pending.take() {
                Some(start) => self.write(Event::Empty(start)),
                None => self.write(Event::End(BytesEnd::new(name))),
            }
        }
        self
    }

    /// Closes whatever is still open and returns the text.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        into_string(self.w.into_inner())
    }
}

/// An attribute whose value is escaped here (quick-xml writes the value of
/// an `Attribute` as it is given).
pub(super) fn attribute<'a>(name: &'a str, value: &str) -> Attribute<'a> {
    let mut escaped = String::with_capacity(value.len());
    escape_attr(&mut escaped, value);
    Attribute { key: QName(name), value: escaped.into() }
}

/// Text `t`, escaped by `escape`. (Writing into a Vec cannot fail.)
pub(super) fn write_text(w: &mut quick_xml::Writer<Vec<u8>>, t: &str, escape: fn(&mut String, &str)) {
    let mut escaped = String::with_capacity(t.len());
    escape(&mut escaped, t);
    let _ = w.write_event(Event::Text(BytesText::from_escaped(escaped)));
}

/// What the writer wrote: text from `&str`s only, so always UTF-8.
pub(super) fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
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
            "<iq type=\"set\" id=\"a&apos;&lt;b\"><pubsub xmlns=\"http://jabber.org/protocol/pubsub\">\
             <subscribe node=\"/x&amp;y\"/></pubsub><body>1 &lt; 2 &amp; \"q\"</body></iq>"
        );
        let mut w = Writer::with("7|/n|".into());
        w.open("a").text("");
        assert_eq!(w.finish(), "7|/n|<a/>");
    }

    #[test]
    fn hostile_values_cannot_inject_markup() {
        let evil = "'\"/><evil xmlns='x'/><x a='";
        let mut w = Writer::new();
        w.open("subscribe").attr("node", evil);
        w.open("text").text(evil);
        let out = w.finish();
        let el = crate::xml::parse(&out, &crate::xml::Limits::SERVER).unwrap();
        assert_eq!(el.root().attr("node"), Some(evil));
        assert_eq!(el.root().child_any_ns("text").map(|t| t.text()), Some(evil));
        assert_eq!(el.root().elements().count(), 1);
    }
}
