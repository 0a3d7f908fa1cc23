//! The element tree as one document: every element and text node in one
//! vector (document order), every name, namespace, value and text in one
//! string. A stanza is then three allocations, not one per name and value,
//! and dropping it frees three buffers instead of walking a tree. `Element` is a
//! handle into a `Doc`; serialization (on quick-xml's writer) keeps
//! namespaces intact when a subtree is relayed alone.

use super::escape::escape_text;
use super::writer::{attribute, into_string, write_text};
use quick_xml::events::{BytesEnd, BytesStart, Event};

/// `Doc::text[start..end]`; for `Rec::attrs`, a range of `Doc::attrs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Span {
    pub start: u32,
    pub end: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Rec {
    /// An element's local name (no prefix), or a text node's text.
    pub name: Span,
    /// An element's resolved namespace (empty when none); None for text.
    pub ns: Option<Span>,
    pub attrs: Span,
    /// Index after the node's last descendant.
    pub end: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct AttrRec {
    /// As written, prefix included (`type`, `xml:lang`, `x:foo`).
    pub name: Span,
    pub value: Span,
    /// Namespace of a prefixed attribute other than `xml:`; needed to
    /// re-declare the prefix when the element is serialized on its own.
    pub ns: Option<Span>,
}

/// One parsed element with everything in it; `root()` is that element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub(super) text: String,
    /// Never empty: node 0 is the root element (the reader's guarantee).
    pub(super) nodes: Vec<Rec>,
    pub(super) attrs: Vec<AttrRec>,
}

impl Doc {
    pub fn root(&self) -> Element<'_> {
        Element { doc: self, i: 0 }
    }

    pub(super) fn str(&self, s: Span) -> &str {
        // Spans are cut at char boundaries by the reader: `get` never
        // fails (and a bad span could not panic).
        self.text.get(s.start as usize..s.end as usize).unwrap_or("")
    }
}

/// An element of a `Doc`.
#[derive(Debug, Clone, Copy)]
pub struct Element<'d> {
    doc: &'d Doc,
    i: u32,
}

/// The children of an element, in order.
pub struct Nodes<'d> {
    doc: &'d Doc,
    i: u32,
    end: u32,
}

impl<'d> Iterator for Nodes<'d> {
    type Item = Node<'d>;

    fn next(&mut self) -> Option<Node<'d>> {
        let at = self.i;
        let rec = self.doc.nodes.get(at as usize).filter(|_| at < self.end)?;
        self.i = rec.end.max(at + 1);
        Some(match rec.ns {
            Some(_) => Node::Element(Element { doc: self.doc, i: at }),
            None => Node::Text(self.doc.str(rec.name)),
        })
    }
}

/// The element children of an element, in order.
pub struct Elements<'d>(Nodes<'d>);

impl<'d> Iterator for Elements<'d> {
    type Item = Element<'d>;

    fn next(&mut self) -> Option<Element<'d>> {
        loop {
            if let Node::Element(e) = self.0.next()? {
                return Some(e);
            }
        }
    }
}

/// Elements are equal when they serialize alike (tests compare them).
impl PartialEq for Element<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.to_xml() == other.to_xml()
    }
}

/// A child: an element, or text (adjacent text, references and CDATA form one).
#[derive(Debug, Clone, Copy)]
pub enum Node<'d> {
    Element(Element<'d>),
    Text(&'d str),
}

/// The root of a document without one (which the reader never returns):
/// an element without name or content.
const NONE: Rec = Rec { name: Span { start: 0, end: 0 }, ns: Some(Span { start: 0, end: 0 }), attrs: Span { start: 0, end: 0 }, end: 0 };

impl<'d> Element<'d> {
    fn rec(self) -> &'d Rec {
        self.doc.nodes.get(self.i as usize).unwrap_or(&NONE)
    }

    /// Local name (no prefix).
    pub fn name(self) -> &'d str {
        self.doc.str(self.rec().name)
    }

    /// Resolved namespace URI, empty when none.
    pub fn ns(self) -> &'d str {
        self.rec().ns.map_or("", |s| self.doc.str(s))
    }

    pub fn is(self, name: &str, ns: &str) -> bool {
        self.name() == name && self.ns() == ns
    }

    fn attr_recs(self) -> &'d [AttrRec] {
        let a = self.rec().attrs;
        self.doc.attrs.get(a.start as usize..a.end as usize).unwrap_or(&[])
    }

    pub fn attr(self, name: &str) -> Option<&'d str> {
        let doc = self.doc;
        self.attr_recs().iter().find(|a| doc.str(a.name) == name).map(|a| doc.str(a.value))
    }

    /// The children in order.
    pub fn nodes(self) -> Nodes<'d> {
        Nodes { doc: self.doc, i: self.i + 1, end: self.rec().end }
    }

    pub fn elements(self) -> Elements<'d> {
        Elements(self.nodes())
    }

    pub fn child(self, name: &str, ns: &str) -> Option<Element<'d>> {
        self.elements().find(|e| e.is(name, ns))
    }

    /// First child of that name in any namespace (for the parent's own XML,
    /// which carries none).
    pub fn child_any_ns(self, name: &str) -> Option<Element<'d>> {
        self.elements().find(|e| e.name() == name)
    }

    pub fn has_elements(self) -> bool {
        self.elements().next().is_some()
    }

    /// No children at all, not even text.
    pub fn is_empty(self) -> bool {
        self.rec().end <= self.i + 1
    }

    /// The text of an element without child elements, borrowed: the
    /// reader joins adjacent text, references and CDATA (comments between
    /// them too) into one node, so it has at most one. Of an element with
    /// children: its first run of text. Empty when there is none.
    pub fn text(self) -> &'d str {
        self.nodes().find_map(|n| match n {
            Node::Text(t) => Some(t),
            Node::Element(_) => None,
        })
        .unwrap_or("")
    }

    /// Serializes this element as a standalone document fragment: the root
    /// declares its namespace, children declare theirs where it changes.
    pub fn write_to(self, out: &mut String) {
        // (Written on after what `out` holds, without a copy.)
        let mut w = quick_xml::Writer::new(std::mem::take(out).into_bytes());
        self.write_into(&mut w);
        *out = into_string(w.into_inner());
    }

    pub fn to_xml(self) -> String {
        let mut s = String::new();
        self.write_to(&mut s);
        s
    }

    /// `write_to`, on quick-xml's writer.
    pub(super) fn write_into(self, w: &mut quick_xml::Writer<Vec<u8>>) {
        self.write_in(w, "", &mut Vec::new(), None);
    }

    /// `write_to`, with every element that `hide` matches written as its
    /// placeholder (a comment), content and all.
    pub(super) fn write_hiding(self, out: &mut String, hide: &Hide) {
        let mut w = quick_xml::Writer::new(std::mem::take(out).into_bytes());
        self.write_in(&mut w, "", &mut Vec::new(), Some(hide));
        *out = into_string(w.into_inner());
    }

    // Depth is bounded by the reader's limit, so recursion is safe.
    // `declared`: prefixes declared by ancestors in this serialization.
    fn write_in(self, w: &mut quick_xml::Writer<Vec<u8>>, parent_ns: &str, declared: &mut Vec<(&'d str, &'d str)>, hide: Option<&Hide>) {
        let (doc, scope) = (self.doc, declared.len());
        let (name, ns) = (self.name(), self.ns());
        let hide = match hide {
            Some(h) if h.ns == ns && h.keep == name => None, // kept whole
            Some(h) if h.ns == ns => {
                let _ = w.write_event(Event::Comment(quick_xml::events::BytesText::from_escaped(h.placeholder)));
                return;
            }
            h => h,
        };
        let mut start = BytesStart::new(name);
        if ns != parent_ns {
            start.push_attribute(attribute("xmlns", ns));
        }
        for a in self.attr_recs() {
            let a_name = doc.str(a.name);
            if let (Some(a_ns), Some((prefix, _))) = (a.ns.map(|s| doc.str(s)), a_name.split_once(':')) {
                // Declare each prefix once, where no ancestor did already.
                let known = declared.iter().rev().find(|(p, _)| *p == prefix).map(|(_, n)| *n);
                if known != Some(a_ns) {
                    declared.push((prefix, a_ns));
                    start.push_attribute(attribute(&["xmlns:", prefix].concat(), a_ns));
                }
            }
            start.push_attribute(attribute(a_name, doc.str(a.value)));
        }
        // (Writing into a Vec cannot fail.)
        if self.is_empty() {
            let _ = w.write_event(Event::Empty(start));
        } else {
            let _ = w.write_event(Event::Start(start));
            for n in self.nodes() {
                match n {
                    Node::Element(e) => e.write_in(w, ns, declared, hide),
                    Node::Text(t) => write_text(w, t, escape_text),
                }
            }
            let _ = w.write_event(Event::End(BytesEnd::new(name)));
        }
        declared.truncate(scope);
    }
}

/// Elements to leave out of a serialization (`write_hiding`): those in
/// namespace `ns` but the one named `keep`.
pub(super) struct Hide<'a> {
    pub ns: &'a str,
    pub keep: &'a str,
    /// The comment's text written instead.
    pub placeholder: &'a str,
}

#[cfg(test)]
mod tests {
    use crate::xml::{parse, Limits};

    fn round(s: &str) -> String {
        parse(s, &Limits::SERVER).map(|d| d.root().to_xml()).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    #[test]
    fn serializes_with_namespaces_intact() {
        assert_eq!(
            round("<a:entry xmlns:a='urn:atom'><a:title>x</a:title><b xmlns='urn:b'/></a:entry>"),
            r#"<entry xmlns="urn:atom"><title>x</title><b xmlns="urn:b"/></entry>"#
        );
        assert_eq!(
            round("<x xmlns='urn:x' xmlns:p='urn:p' p:k='v' xml:lang='en'>a&amp;b&lt;c</x>"),
            r#"<x xmlns="urn:x" xmlns:p="urn:p" p:k="v" xml:lang="en">a&amp;b&lt;c</x>"#
        );
        assert_eq!(round("<x q=\"it's\"/>"), r#"<x q="it&apos;s"/>"#);
        assert_eq!(round("<x q='say \"hi\"'/>"), r#"<x q="say &quot;hi&quot;"/>"#);
        // One declaration per prefix: a second one would be a duplicate attribute.
        let atom = "<link xmlns='urn:atom' xmlns:xl='urn:xlink' xl:type='simple' xl:href='u'><a xl:role='r'/></link>";
        let out = round(atom);
        assert_eq!(out, r#"<link xmlns="urn:atom" xmlns:xl="urn:xlink" xl:type="simple" xl:href="u"><a xl:role="r"/></link>"#);
        assert_eq!(round(&out), out, "re-parses to the same thing");
        // Mixed content keeps its order; a subtree alone declares what it uses.
        assert_eq!(round("<a>x<b>y</b>z<c/></a>"), "<a>x<b>y</b>z<c/></a>");
        let d = parse("<r xmlns='urn:r' xmlns:p='urn:p'><s p:k='v'><t/></s></r>", &Limits::SERVER).unwrap();
        let s = d.root().child("s", "urn:r").unwrap();
        assert_eq!(s.to_xml(), r#"<s xmlns="urn:r" xmlns:p="urn:p" p:k="v"><t/></s>"#);
    }

    #[test]
    fn accessors() {
        let d = parse(
            "<iq xmlns='jabber:client' type='result' id='1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
             <jid>a@b/c</jid></bind>tail</iq>",
            &Limits::SERVER,
        )
        .unwrap();
        let e = d.root();
        assert!(e.is("iq", "jabber:client"));
        assert_eq!(e.attr("type"), Some("result"));
        assert_eq!(e.attr("nope"), None);
        let jid = e.child("bind", "urn:ietf:params:xml:ns:xmpp-bind").and_then(|b| b.child_any_ns("jid"));
        assert_eq!(jid.map(|j| j.text()), Some("a@b/c"));
        assert!(e.has_elements());
        assert!(e.child("bind", "jabber:client").is_none());
        assert_eq!(e.elements().count(), 1, "the text after <bind/> is not an element");
        assert_eq!(e.text(), "tail");
        let jid = jid.unwrap();
        assert_eq!(jid.elements().count(), 0);
        assert!(!jid.is_empty() && !jid.has_elements());
        assert_eq!(jid.attr("type"), None, "a child does not see its parent's attributes");
    }
}
