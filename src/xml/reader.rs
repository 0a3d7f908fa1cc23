//! Reads exactly one complete XML element into a tree, within limits. Hostile
//! input (DTDs, unknown entities, unbound prefixes, deep nesting, oversized
//! messages, trailing elements) is an `XmlError`, never a panic.

use super::element::{Attr, Element, Node};
use super::escape::is_xml_char;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;

const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_depth: usize,
}

impl Limits {
    /// For what the server sends: a stanza, or a BOSH body of stanzas.
    pub const SERVER: Limits = Limits { max_bytes: 1 << 20, max_depth: 48 };
    /// For XML embedded in a parent message (type 10).
    pub const PARENT: Limits = Limits { max_bytes: 16 << 10, max_depth: 4 };
}

/// Attributes (namespace declarations included) on one element, and
/// namespace declarations in scope at once: real stanzas use a handful;
/// without a cap, hostile input makes the duplicate and prefix lookups
/// quadratic (seconds of a blocked tab for one megabyte).
const MAX_ATTRS: usize = 64;
const MAX_DECLS_IN_SCOPE: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmlError {
    /// Not well-formed (quick-xml's syntax errors land here).
    Malformed,
    /// Input ended inside an element.
    Unclosed,
    /// No element at all.
    Empty,
    /// Something other than whitespace after the root element.
    Trailing,
    /// `<!DOCTYPE …>`: forbidden in XMPP, and the door to entity expansion.
    DocType,
    /// An entity other than the five predefined ones.
    UnknownEntity,
    /// A character reference to a character XML does not allow.
    BadCharRef,
    UnboundPrefix,
    TooDeep,
    TooLarge,
    /// Too many attributes or namespace declarations.
    TooManyAttributes,
}

impl XmlError {
    pub fn as_str(self) -> &'static str {
        match self {
            XmlError::Malformed => "malformed XML",
            XmlError::Unclosed => "unclosed XML element",
            XmlError::Empty => "no XML element",
            XmlError::Trailing => "content after the XML element",
            XmlError::DocType => "XML with a DOCTYPE",
            XmlError::UnknownEntity => "XML with an unknown entity",
            XmlError::BadCharRef => "XML with an invalid character reference",
            XmlError::UnboundPrefix => "XML with an undeclared namespace prefix",
            XmlError::TooDeep => "XML nested too deeply",
            XmlError::TooLarge => "XML too large",
            XmlError::TooManyAttributes => "XML with too many attributes",
        }
    }
}

/// Namespace declarations in scope: (prefix, uri); "" is the default namespace.
struct Scopes {
    decls: Vec<(String, String)>,
    /// How many declarations each open element pushed.
    marks: Vec<usize>,
}

impl Scopes {
    fn resolve(&self, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(NS_XML);
        }
        self.decls.iter().rev().find(|(p, _)| p == prefix).map(|(_, u)| u.as_str())
    }
}

pub fn parse(input: &str, limits: &Limits) -> Result<Element, XmlError> {
    if input.len() > limits.max_bytes {
        return Err(XmlError::TooLarge);
    }
    let mut reader = Reader::from_str(input);
    reader.config_mut().check_end_names = true;
    let mut scopes = Scopes { decls: Vec::new(), marks: Vec::new() };
    // Open elements; the root is at index 0.
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let ev = reader.read_event().map_err(|_| XmlError::Malformed)?;
        match ev {
            Event::Start(s) | Event::Empty(s) if root.is_some() => {
                let _ = s;
                return Err(XmlError::Trailing);
            }
            Event::Start(s) => {
                if stack.len() >= limits.max_depth {
                    return Err(XmlError::TooDeep);
                }
                let el = start(&s, &mut scopes)?;
                stack.push(el);
            }
            Event::Empty(s) => {
                let el = start(&s, &mut scopes)?;
                end(&mut scopes);
                close(&mut stack, &mut root, el);
            }
            Event::End(_) => {
                end(&mut scopes);
                let el = stack.pop().ok_or(XmlError::Malformed)?;
                close(&mut stack, &mut root, el);
            }
            Event::Text(t) => {
                let text = t.xml10_content().map_err(|_| XmlError::Malformed)?;
                push_text(&mut stack, &text)?;
            }
            Event::CData(c) => {
                let text = c.decode().map_err(|_| XmlError::Malformed)?;
                push_text(&mut stack, &text)?;
            }
            Event::GeneralRef(r) => {
                let c = entity(&r)?;
                let mut buf = [0u8; 4];
                push_text(&mut stack, c.encode_utf8(&mut buf))?;
            }
            Event::DocType(_) => return Err(XmlError::DocType),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Unclosed);
    }
    root.ok_or(XmlError::Empty)
}

fn close(stack: &mut Vec<Element>, root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(el)),
        None => *root = Some(el),
    }
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(el) => {
            // Adjacent text and references form one text node.
            if let Some(Node::Text(t)) = el.children.last_mut() {
                t.push_str(text);
            } else {
                el.children.push(Node::Text(text.to_string()));
            }
            Ok(())
        }
        // Only whitespace may stand outside the root element.
        None if text.bytes().all(|b| b.is_ascii_whitespace()) => Ok(()),
        None => Err(XmlError::Trailing),
    }
}

fn entity(r: &BytesRef) -> Result<char, XmlError> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => Ok(c),
            _ => Err(XmlError::BadCharRef),
        };
    }
    match r.as_ref() {
        b"lt" => Ok('<'),
        b"gt" => Ok('>'),
        b"amp" => Ok('&'),
        b"apos" => Ok('\''),
        b"quot" => Ok('"'),
        _ => Err(XmlError::UnknownEntity),
    }
}

fn utf8(b: &[u8]) -> Result<&str, XmlError> {
    core::str::from_utf8(b).map_err(|_| XmlError::Malformed)
}

/// Builds an element from a start tag, pushing its namespace declarations.
fn start(s: &BytesStart, scopes: &mut Scopes) -> Result<Element, XmlError> {
    let mut pushed = 0;
    let mut attrs = Vec::new();
    let mut prefixed = false;
    for (i, a) in s.attributes().enumerate() {
        if i >= MAX_ATTRS {
            return Err(XmlError::TooManyAttributes);
        }
        let a = a.map_err(|_| XmlError::Malformed)?;
        let key = utf8(a.key.as_ref())?;
        let value = a.unescape_value().map_err(|e| match e {
            quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(..)) => {
                XmlError::UnknownEntity
            }
            quick_xml::Error::Escape(_) => XmlError::BadCharRef,
            _ => XmlError::Malformed,
        })?;
        if !value.chars().all(is_xml_char) {
            return Err(XmlError::BadCharRef);
        }
        if key == "xmlns" {
            scopes.decls.push((String::new(), value.into_owned()));
            pushed += 1;
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            scopes.decls.push((p.to_string(), value.into_owned()));
            pushed += 1;
        } else {
            prefixed |= key.contains(':');
            attrs.push(Attr { name: key.to_string(), value: value.into_owned(), ns: None });
        }
    }
    scopes.marks.push(pushed);
    if scopes.decls.len() > MAX_DECLS_IN_SCOPE {
        return Err(XmlError::TooManyAttributes);
    }
    if prefixed {
        for a in attrs.iter_mut() {
            if let Some((p, _)) = a.name.split_once(':') {
                if p != "xml" {
                    a.ns = Some(scopes.resolve(p).ok_or(XmlError::UnboundPrefix)?.to_string());
                }
            }
        }
    }
    let qname = utf8(s.name().into_inner())?;
    let (prefix, local) = qname.split_once(':').unwrap_or(("", qname));
    let ns = match scopes.resolve(prefix) {
        Some(u) => u.to_string(),
        None if prefix.is_empty() => String::new(),
        None => return Err(XmlError::UnboundPrefix),
    };
    Ok(Element { name: local.to_string(), ns, attrs, children: Vec::new() })
}

fn end(scopes: &mut Scopes) {
    let n = scopes.marks.pop().unwrap_or(0);
    let keep = scopes.decls.len().saturating_sub(n);
    scopes.decls.truncate(keep);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Element, XmlError> {
        parse(s, &Limits::SERVER)
    }

    #[test]
    fn resolves_namespaces() {
        let e = p("<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
                   <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>\
                   </stream:features>")
        .unwrap();
        assert!(e.is("features", "http://etherx.jabber.org/streams"));
        let m = e.child("mechanisms", "urn:ietf:params:xml:ns:xmpp-sasl").unwrap();
        assert_eq!(m.child("mechanism", "urn:ietf:params:xml:ns:xmpp-sasl").unwrap().text(), "PLAIN");
    }

    #[test]
    fn unescapes_text_and_attributes() {
        let e = p("<n a='&lt;&#x7C;&#124;&apos;'>&lt;Update&gt;a&amp;b|&#233;<![CDATA[<raw>]]>\r\nz</n>").unwrap();
        assert_eq!(e.attr("a"), Some("<||'"));
        assert_eq!(e.text(), "<Update>a&b|é<raw>\nz");
        assert_eq!(e.children.len(), 1);
    }

    #[test]
    fn hostile_input_is_an_error() {
        let cases: &[(&str, XmlError)] = &[
            ("<a>", XmlError::Unclosed),
            ("<a><b></a>", XmlError::Malformed),
            ("", XmlError::Empty),
            ("   ", XmlError::Empty),
            ("text", XmlError::Trailing),
            ("<a/><b/>", XmlError::Trailing),
            ("<a/>junk", XmlError::Trailing),
            ("<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>", XmlError::DocType),
            ("<a>&x;</a>", XmlError::UnknownEntity),
            ("<a b='&x;'/>", XmlError::UnknownEntity),
            ("<a>&#0;</a>", XmlError::BadCharRef),
            ("<a>&#xD800;</a>", XmlError::BadCharRef),
            ("<a>&#99999999;</a>", XmlError::BadCharRef),
            ("<a b='&#1;'/>", XmlError::BadCharRef),
            ("<p:a/>", XmlError::UnboundPrefix),
            ("<a p:b='1'/>", XmlError::UnboundPrefix),
            ("<a b='1' b='2'/>", XmlError::Malformed),
            ("<a b=1/>", XmlError::Malformed),
            ("< a/>", XmlError::Malformed),
        ];
        let many = format!("<a {}/>", (0..65).map(|i| format!("a{i}='1'")).collect::<String>());
        assert_eq!(p(&many).err(), Some(XmlError::TooManyAttributes));
        let decls: String = (0..60).map(|i| format!(" xmlns:p{i}='urn:{i}'")).collect();
        let nested = format!("<a{decls}><b{decls}><c{decls}/></b></a>");
        assert_eq!(p(&nested).err(), Some(XmlError::TooManyAttributes));
        for (input, want) in cases {
            assert_eq!(p(input).err(), Some(*want), "{input}");
        }
    }

    #[test]
    fn entity_tricks_do_not_expand() {
        // Billion laughs needs a DTD; without one the reference is unknown.
        let laughs = "<!DOCTYPE l [<!ENTITY l0 'ha'><!ENTITY l1 '&l0;&l0;'>]><a>&l1;</a>";
        assert_eq!(p(laughs).err(), Some(XmlError::DocType));
        assert_eq!(p("<a>&l1;</a>").err(), Some(XmlError::UnknownEntity));
        // An escaped entity is just text.
        assert_eq!(p("<a>&amp;l1;</a>").unwrap().text(), "&l1;");
    }

    #[test]
    fn depth_and_size_limits() {
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert_eq!(p(&deep).err(), Some(XmlError::TooDeep));
        let ok = "<a>".repeat(48) + &"</a>".repeat(48);
        assert!(p(&ok).is_ok());
        let big = format!("<a>{}</a>", "x".repeat(1 << 20));
        assert_eq!(p(&big).err(), Some(XmlError::TooLarge));
        let tight = Limits { max_bytes: 10, max_depth: 2 };
        assert_eq!(parse("<a><b><c/></b></a>", &tight).err(), Some(XmlError::TooLarge));
        assert_eq!(parse("<a><b/></a>", &Limits { max_bytes: 16, max_depth: 2 }).map(|e| e.name), Ok("a".to_string()));
    }

    #[test]
    fn scopes_end_with_their_element() {
        let e = p("<a xmlns='urn:a'><b xmlns='urn:b'/><c/></a>").unwrap();
        let names: Vec<_> = e.elements().map(|c| (c.name.as_str(), c.ns.as_str())).collect();
        assert_eq!(names, [("b", "urn:b"), ("c", "urn:a")]);
    }

    #[test]
    fn never_panics_on_garbage() {
        // A cheap fuzz: every prefix of a realistic stanza, and byte soup.
        let s = "<message xmlns='jabber:client' from='pubsub.d'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
                 <items node='/n'><item id='1'><notification xmlns='http://jabber.org/protocol/pubsub'>&lt;Update&gt;é\
                 </notification></item></items></event></message>";
        for i in 0..s.len() {
            if s.is_char_boundary(i) {
                let _ = p(&s[..i]);
                let _ = p(&s[i..]);
            }
        }
        let mut x: u32 = 1;
        for _ in 0..2000 {
            let soup: String = (0..40)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    b"<>/&;:='\"ab x#!-[]?"[(x % 19) as usize] as char
                })
                .collect();
            let _ = p(&soup);
        }
    }
}
