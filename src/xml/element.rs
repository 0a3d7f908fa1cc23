//! The element tree: names with resolved namespaces, attributes, children;
//! serialization that keeps namespaces intact when a subtree is relayed alone.

use crate::prelude::*;
use super::escape::{escape_attr, escape_text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    /// As written, prefix included (`type`, `xml:lang`, `x:foo`).
    pub name: String,
    pub value: String,
    /// Namespace of a prefixed attribute other than `xml:`; needed to
    /// re-declare the prefix when the element is serialized on its own.
    pub ns: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Local name (no prefix).
    pub name: String,
    /// Resolved namespace URI, empty when none.
    pub ns: String,
    pub attrs: Vec<Attr>,
    pub children: Vec<Node>,
}

impl Element {
    pub fn is(&self, name: &str, ns: &str) -> bool {
        self.name == name && self.ns == ns
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.name == name).map(|a| a.value.as_str())
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    pub fn child(&self, name: &str, ns: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(name, ns))
    }

    /// First child of that name in any namespace (for the parent's own XML,
    /// which carries none).
    pub fn child_any_ns(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    pub fn has_elements(&self) -> bool {
        self.elements().next().is_some()
    }

    /// Concatenated text of the direct children.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                s.push_str(t);
            }
        }
        s
    }

    /// Serializes this element as a standalone document fragment: the root
    /// declares its namespace, children declare theirs where it changes.
    pub fn write_to(&self, out: &mut String) {
        self.write_in(out, "", &mut Vec::new());
    }

    pub fn to_xml(&self) -> String {
        let mut s = String::new();
        self.write_to(&mut s);
        s
    }

    // Depth is bounded by the reader's limit, so recursion is safe.
    // `declared`: prefixes declared by ancestors in this serialization.
    fn write_in<'a>(&'a self, out: &mut String, parent_ns: &str, declared: &mut Vec<(&'a str, &'a str)>) {
        let scope = declared.len();
        out.push('<');
        out.push_str(&self.name);
        if self.ns != parent_ns {
            out.push_str(" xmlns='");
            escape_attr(out, &self.ns);
            out.push('\'');
        }
        for a in &self.attrs {
            if let (Some(ns), Some((prefix, _))) = (&a.ns, split_byte(&a.name, b':')) {
                // Declare each prefix once, where no ancestor did already.
                let known = declared.iter().rev().find(|(p, _)| *p == prefix).map(|(_, n)| *n);
                if known != Some(ns.as_str()) {
                    declared.push((prefix, ns));
                    out.push_str(" xmlns:");
                    out.push_str(prefix);
                    out.push_str("='");
                    escape_attr(out, ns);
                    out.push('\'');
                }
            }
            out.push(' ');
            out.push_str(&a.name);
            out.push_str("='");
            escape_attr(out, &a.value);
            out.push('\'');
        }
        if self.children.is_empty() {
            out.push_str("/>");
            declared.truncate(scope);
            return;
        }
        out.push('>');
        for n in &self.children {
            match n {
                Node::Element(e) => e.write_in(out, &self.ns, declared),
                Node::Text(t) => escape_text(out, t),
            }
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
        declared.truncate(scope);
    }
}

#[cfg(test)]
mod tests {
    use crate::xml::{parse, Limits};

    fn round(s: &str) -> String {
        parse(s, &Limits::SERVER).map(|e| e.to_xml()).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    #[test]
    fn serializes_with_namespaces_intact() {
        assert_eq!(
            round("<a:entry xmlns:a='urn:atom'><a:title>x</a:title><b xmlns='urn:b'/></a:entry>"),
            "<entry xmlns='urn:atom'><title>x</title><b xmlns='urn:b'/></entry>"
        );
        assert_eq!(
            round("<x xmlns='urn:x' xmlns:p='urn:p' p:k='v' xml:lang='en'>a&amp;b&lt;c</x>"),
            "<x xmlns='urn:x' xmlns:p='urn:p' p:k='v' xml:lang='en'>a&amp;b&lt;c</x>"
        );
        assert_eq!(round("<x q=\"it's\"/>"), "<x q='it&apos;s'/>");
        // One declaration per prefix: a second one would be a duplicate attribute.
        let atom = "<link xmlns='urn:atom' xmlns:xl='urn:xlink' xl:type='simple' xl:href='u'><a xl:role='r'/></link>";
        let out = round(atom);
        assert_eq!(out, "<link xmlns='urn:atom' xmlns:xl='urn:xlink' xl:type='simple' xl:href='u'><a xl:role='r'/></link>");
        assert_eq!(round(&out), out, "re-parses to the same thing");
    }

    #[test]
    fn accessors() {
        let e = parse(
            "<iq xmlns='jabber:client' type='result' id='1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
             <jid>a@b/c</jid></bind></iq>",
            &Limits::SERVER,
        )
        .unwrap();
        assert!(e.is("iq", "jabber:client"));
        assert_eq!(e.attr("type"), Some("result"));
        assert_eq!(e.attr("nope"), None);
        let jid = e.child("bind", "urn:ietf:params:xml:ns:xmpp-bind").and_then(|b| b.child_any_ns("jid"));
        assert_eq!(jid.map(|j| j.text()), Some("a@b/c".to_string()));
        assert!(e.has_elements());
        assert!(e.child("bind", "jabber:client").is_none());
    }
}
