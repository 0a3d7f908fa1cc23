//! Reads exactly one complete XML element into a tree, within limits. Hostile
//! input (DTDs, unknown entities, unbound prefixes, deep nesting, oversized
//! messages, trailing elements) is an `XmlError`, never a panic. Our own
//! parser: a single forward pass over the bytes, no recursion, and text
//! without markup in it is copied in one piece (the hot path of a pubsub
//! notification is one long escaped text).

use crate::prelude::*;
use super::element::{AttrRec, Doc, Rec, Span};
use super::escape::is_xml_char;

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
    /// Not well-formed.
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

use XmlError::*;

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    doc: Doc,
    /// Namespace declarations in scope: (prefix, uri); "" is the default.
    decls: Vec<(&'a str, Span)>,
    /// Open elements: node index, qualified name, how many declarations
    /// each pushed; the root is at index 0.
    open: Vec<(u32, &'a str, usize)>,
    /// The start tag being read: its attributes as written.
    raw: Vec<(&'a str, Span)>,
    /// The text node that text read now extends (none once a tag came
    /// between): adjacent text, references and CDATA form one node.
    last_text: Option<u32>,
    /// Where NS_XML was copied into the text, once an `xml:` prefix needed it.
    xml_ns: Option<Span>,
}

pub fn parse(input: &str, limits: &Limits) -> Result<Doc, XmlError> {
    if input.len() > limits.max_bytes {
        return Err(TooLarge);
    }
    // Names, values and text are all cut from the input, and decoding only
    // shrinks them: one allocation holds them all.
    let doc = Doc { text: String::with_capacity(input.len()), nodes: Vec::new(), attrs: Vec::new() };
    let mut p = Parser { src: input, pos: 0, doc, decls: Vec::new(), open: Vec::new(), raw: Vec::new(), last_text: None, xml_ns: None };
    let mut done = false;
    loop {
        p.text()?;
        let b = p.bytes();
        if p.pos >= b.len() {
            break;
        }
        // b[pos] == '<'
        match b.get(p.pos + 1) {
            Some(b'/') => {
                p.pos += 2;
                let name = p.name()?;
                p.skip_space();
                p.want(b'>')?;
                let (i, qname, pushed) = p.open.pop().ok_or(Malformed)?;
                if qname != name {
                    return Err(Malformed);
                }
                p.close(i, pushed);
                done = p.open.is_empty();
            }
            Some(b'!') => p.bang()?,
            Some(b'?') => {
                let end = p.find("?>")?;
                p.pos = end + 2;
            }
            _ => {
                if done {
                    return Err(Trailing);
                }
                p.pos += 1;
                let (i, qname, pushed, empty) = p.start_tag()?;
                if empty {
                    p.close(i, pushed);
                    done = p.open.is_empty();
                } else {
                    if p.open.len() >= limits.max_depth {
                        return Err(TooDeep);
                    }
                    p.open.push((i, qname, pushed));
                }
            }
        }
    }
    if !p.open.is_empty() {
        return Err(Unclosed);
    }
    if !done {
        return Err(Empty);
    }
    Ok(p.doc)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Bytes that may appear in a name: ASCII letters, digits, `_-.:` and
/// anything non-ASCII (a deliberately loose reading of XML's NameChar).
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':') || b >= 0x80
}

impl<'a> Parser<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    fn want(&mut self, c: u8) -> Result<(), XmlError> {
        if self.bytes().get(self.pos).copied() != Some(c) {
            return Err(if self.pos >= self.src.len() { Unclosed } else { Malformed });
        }
        self.pos += 1;
        Ok(())
    }

    fn skip_space(&mut self) -> bool {
        let start = self.pos;
        while self.bytes().get(self.pos).is_some_and(|&b| is_space(b)) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// `src[a..b]`. (Positions are always at ASCII delimiters; `get` keeps
    /// the panicking slice path, and its formatting code, out of the build.)
    fn cut(&self, a: usize, b: usize) -> Result<&'a str, XmlError> {
        self.src.get(a..b).ok_or(Malformed)
    }

    /// The input from the cursor on.
    fn rest(&self) -> Result<&'a str, XmlError> {
        self.cut(self.pos, self.src.len())
    }

    /// Index of the next `pat` at or after the cursor.
    fn find(&self, pat: &str) -> Result<usize, XmlError> {
        find_str(self.rest()?, pat).map(|i| self.pos + i).ok_or(Unclosed)
    }

    fn name(&mut self) -> Result<&'a str, XmlError> {
        let b = self.bytes();
        let start = self.pos;
        while b.get(self.pos).is_some_and(|&c| is_name_byte(c)) {
            self.pos += 1;
        }
        let name = self.cut(start, self.pos)?;
        match name.as_bytes().first() {
            None => Err(if self.pos >= b.len() { Unclosed } else { Malformed }),
            Some(c) if c.is_ascii_digit() || matches!(c, b'-' | b'.' | b':') => Err(Malformed),
            // A QName has at most one colon, with something on both sides.
            _ if name.bytes().filter(|&b| b == b':').count() > 1 || name.as_bytes().last().copied() == Some(b':') => Err(Malformed),
            _ => Ok(name),
        }
    }

    /// Text up to the next `<` (or the end), added to the open element.
    fn text(&mut self) -> Result<(), XmlError> {
        let start = self.pos;
        // core's memchr, not a byte loop: notification text is a kilobyte
        // of escaped markup without a '<', and this scan is the receive
        // path's hottest (a byte loop measured 1.5x slower end to end).
        let end = self.rest()?.find('<').map_or(self.src.len(), |i| start + i);
        self.pos = end;
        if start == end {
            return Ok(());
        }
        let raw = self.cut(start, end)?;
        if self.open.is_empty() {
            // Only whitespace may stand outside the root element.
            return if raw.bytes().all(is_space) { Ok(()) } else { Err(Trailing) };
        }
        self.add_text(|out| decode(raw, out, false))
    }

    /// Appends to the open element's text node, created if a tag came
    /// since the last text.
    fn add_text(&mut self, f: impl FnOnce(&mut String) -> Result<(), XmlError>) -> Result<(), XmlError> {
        let span = self.append(f)?;
        match self.last_text.and_then(|i| self.doc.nodes.get_mut(i as usize)) {
            // Nothing else was written since: the text continues it.
            Some(r) => r.name.end = span.end,
            None => {
                let i = self.doc.nodes.len() as u32;
                self.last_text = Some(i);
                self.doc.nodes.push(Rec { name: span, ns: None, attrs: Span::default(), end: i + 1 });
            }
        }
        Ok(())
    }

    /// What `f` appends to the document's text.
    fn append(&mut self, f: impl FnOnce(&mut String) -> Result<(), XmlError>) -> Result<Span, XmlError> {
        let start = self.doc.text.len() as u32;
        f(&mut self.doc.text)?;
        Ok(Span { start, end: self.doc.text.len() as u32 })
    }

    /// `s` appended to the document's text.
    fn keep(&mut self, s: &str) -> Span {
        let start = self.doc.text.len() as u32;
        self.doc.text.push_str(s);
        Span { start, end: self.doc.text.len() as u32 }
    }

    /// `<!--…-->`, `<![CDATA[…]]>`, `<!DOCTYPE`: the cursor is on `<`.
    fn bang(&mut self) -> Result<(), XmlError> {
        let rest = self.rest()?;
        if rest.starts_with("<!--") {
            self.pos += 4;
            let end = self.find("-->")?;
            self.pos = end + 3;
        } else if rest.starts_with("<![CDATA[") {
            self.pos += 9;
            let end = self.find("]]>")?;
            let raw = self.cut(self.pos, end)?;
            self.pos = end + 3;
            if self.open.is_empty() {
                return Err(Trailing);
            }
            if !raw.chars().all(is_xml_char) {
                return Err(Malformed);
            }
            self.add_text(|out| {
                normalize_eol(raw, out);
                Ok(())
            })?;
        } else if rest.starts_with("<!DOCTYPE") {
            return Err(DocType);
        } else if "<![CDATA[".starts_with(rest) || "<!DOCTYPE".starts_with(rest) || "<!--".starts_with(rest) {
            return Err(Unclosed);
        } else {
            return Err(Malformed);
        }
        Ok(())
    }

    /// The rest of a start tag (the cursor is past `<`): the element's
    /// node, its qualified name, how many declarations it pushed, and
    /// whether it was empty (`/>`).
    fn start_tag(&mut self) -> Result<(u32, &'a str, usize, bool), XmlError> {
        let qname = self.name()?;
        self.raw.clear();
        let empty = loop {
            let spaced = self.skip_space();
            match self.bytes().get(self.pos) {
                None => return Err(Unclosed),
                Some(b'>') => {
                    self.pos += 1;
                    break false;
                }
                Some(b'/') => {
                    self.pos += 1;
                    self.want(b'>')?;
                    break true;
                }
                Some(_) if !spaced => return Err(Malformed),
                Some(_) => {}
            }
            if self.raw.len() >= MAX_ATTRS {
                return Err(TooManyAttributes);
            }
            let key = self.name()?;
            self.skip_space();
            self.want(b'=')?;
            self.skip_space();
            let quote = *self.bytes().get(self.pos).ok_or(Unclosed)?;
            if quote != b'\'' && quote != b'"' {
                return Err(Malformed);
            }
            self.pos += 1;
            let end = self.rest()?.find(quote as char).map(|i| self.pos + i).ok_or(Unclosed)?;
            let value_raw = self.cut(self.pos, end)?;
            self.pos = end + 1;
            if value_raw.as_bytes().contains(&b'<') {
                return Err(Malformed);
            }
            if self.raw.iter().any(|(k, _)| *k == key) {
                return Err(Malformed);
            }
            let value = self.append(|out| decode(value_raw, out, true))?;
            self.raw.push((key, value));
        };
        self.last_text = None;
        let mut pushed = 0;
        let first_attr = self.doc.attrs.len();
        let mut prefixed = false;
        let raw = core::mem::take(&mut self.raw);
        for &(key, value) in &raw {
            if key == "xmlns" {
                self.decls.push(("", value));
                pushed += 1;
            } else if let Some(p) = key.strip_prefix("xmlns:") {
                self.decls.push((p, value));
                pushed += 1;
            } else {
                prefixed |= key.as_bytes().contains(&b':');
                let name = self.keep(key);
                self.doc.attrs.push(AttrRec { name, value, ns: None });
            }
        }
        self.raw = raw;
        if self.decls.len() > MAX_DECLS_IN_SCOPE {
            return Err(TooManyAttributes);
        }
        if prefixed {
            for k in first_attr..self.doc.attrs.len() {
                let Some(a) = self.doc.attrs.get(k).copied() else { break };
                if let Some((p, _)) = split_byte(self.doc.str(a.name), b':') {
                    if p != "xml" {
                        let ns = self.resolve(p).ok_or(UnboundPrefix)?;
                        if let Some(a) = self.doc.attrs.get_mut(k) {
                            a.ns = Some(ns);
                        }
                    }
                }
            }
        }
        let (prefix, local) = split_byte(qname, b':').unwrap_or(("", qname));
        let ns = match (prefix, self.xml_ns) {
            // `xml` is bound by definition, whatever the document says.
            ("xml", Some(s)) => s,
            ("xml", None) => {
                let s = self.keep(NS_XML);
                *self.xml_ns.insert(s)
            }
            _ => match self.resolve(prefix) {
                Some(u) => u,
                None if prefix.is_empty() => Span::default(),
                None => return Err(UnboundPrefix),
            },
        };
        let name = self.keep(local);
        let i = self.doc.nodes.len() as u32;
        let attrs = Span { start: first_attr as u32, end: self.doc.attrs.len() as u32 };
        self.doc.nodes.push(Rec { name, ns: Some(ns), attrs, end: i + 1 });
        Ok((i, qname, pushed, empty))
    }

    /// The declaration in scope for `prefix` (`xml` is the caller's).
    fn resolve(&self, prefix: &str) -> Option<Span> {
        // (Lengths first, and no comparison at all for the default
        // namespace, "", which most lookups are for: each is a memcmp call.)
        let n = prefix.len();
        self.decls.iter().rev().find(|(p, _)| p.len() == n && (n == 0 || *p == prefix)).map(|(_, u)| *u)
    }

    fn pop_decls(&mut self, n: usize) {
        let keep = self.decls.len().saturating_sub(n);
        self.decls.truncate(keep);
    }

    /// The element at node `i` ends here.
    fn close(&mut self, i: u32, pushed: usize) {
        self.pop_decls(pushed);
        self.last_text = None;
        let end = self.doc.nodes.len() as u32;
        if let Some(r) = self.doc.nodes.get_mut(i as usize) {
            r.end = end;
        }
    }
}

/// CR LF and lone CR become LF (XML 1.0 §2.11).
fn normalize_eol(raw: &str, out: &mut String) {
    let mut rest = raw;
    while let Some((part, after)) = split_byte(rest, b'\r') {
        out.push_str(part);
        out.push('\n');
        rest = after.strip_prefix('\n').unwrap_or(after);
    }
    out.push_str(rest);
}

/// Text or an attribute value with references resolved, line ends
/// normalized (and, in attributes, literal whitespace turned into spaces).
/// One pass over the bytes; runs without markup are copied whole.
fn decode(raw: &str, out: &mut String, attr: bool) -> Result<(), XmlError> {
    let b = raw.as_bytes();
    let (mut from, mut i) = (0, 0);
    while let Some(&c) = b.get(i) {
        // Everything else is plain text (bytes from 0x80 on are parts of
        // characters; only U+FFFE and U+FFFF, EF BF BE/BF, are not allowed).
        if !(c == b'&' || c < 0x20 || c == 0xEF) {
            i += 1;
            continue;
        }
        let (replace, len) = match c {
            b'&' => {
                let end = b[i + 1..].iter().position(|&x| x == b';').ok_or(Malformed)?;
                (Some(entity(&b[i + 1..i + 1 + end])?), end + 2)
            }
            b'\r' => (Some(if attr { ' ' } else { '\n' }), if b.get(i + 1).copied() == Some(b'\n') { 2 } else { 1 }),
            b'\t' | b'\n' if attr => (Some(' '), 1),
            b'\t' | b'\n' => (None, 1),
            0xEF if b.get(i + 1).copied() == Some(0xBF) && matches!(b.get(i + 2), Some(0xBE | 0xBF)) => return Err(Malformed),
            0xEF => (None, 1),
            _ => return Err(Malformed),
        };
        if let Some(r) = replace {
            out.push_str(raw.get(from..i).ok_or(Malformed)?);
            out.push(r);
            from = i + len;
        }
        i += len;
    }
    out.push_str(raw.get(from..).ok_or(Malformed)?);
    Ok(())
}

fn entity(name: &[u8]) -> Result<char, XmlError> {
    let (digits, radix) = match name {
        // Byte patterns, not byte strings: those compile to a memcmp call
        // per name, the receive path's second cost (notification text is
        // an entity every few bytes).
        [b'l', b't'] => return Ok('<'),
        [b'g', b't'] => return Ok('>'),
        [b'a', b'm', b'p'] => return Ok('&'),
        [b'q', b'u', b'o', b't'] => return Ok('"'),
        [b'a', b'p', b'o', b's'] => return Ok('\''),
        [b'#', b'x', hex @ ..] => (hex, 16),
        [b'#', dec @ ..] => (dec, 10),
        [] => return Err(Malformed),
        _ if name.iter().all(|&b| is_name_byte(b)) => return Err(UnknownEntity),
        _ => return Err(Malformed),
    };
    if digits.is_empty() || digits.len() > 8 {
        return Err(BadCharRef);
    }
    let mut n: u32 = 0;
    for &d in digits {
        n = n * radix + (d as char).to_digit(radix).ok_or(BadCharRef)?;
    }
    char::from_u32(n).filter(|c| is_xml_char(*c)).ok_or(BadCharRef)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{Element, Node};

    /// The root of what parses (kept for the test's duration).
    fn p(s: &str) -> Result<Element<'static>, XmlError> {
        parse(s, &Limits::SERVER).map(|d| Box::leak(Box::new(d)).root())
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
        assert_eq!(e.nodes().count(), 1);
        // Literal whitespace in attribute values is normalized; references are not.
        let e = p("<n a='x\ty\r\nz&#10;'/>").unwrap();
        assert_eq!(e.attr("a"), Some("x y z\n"));
        assert_eq!(p("<n>a\rb\tc</n>").unwrap().text(), "a\nb\tc");
        assert_eq!(p("<n>\r\r\n\n\ra\r</n>").unwrap().text(), "\n\n\n\na\n");
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
            // Attributes must be separated by whitespace.
            ("<a b='1'c='2'/>", XmlError::Malformed),
            ("<a:b:c xmlns:a='u'/>", XmlError::Malformed),
            ("<a>&;</a>", XmlError::Malformed),
            ("<a>&amp</a>", XmlError::Malformed),
            ("<a>x\u{1}</a>", XmlError::Malformed),
            ("<a><!--", XmlError::Unclosed),
            ("<a b='1", XmlError::Unclosed),
            ("<a b='<'/>", XmlError::Malformed),
        ];
        let many = format!("<a{}/>", (0..65).map(|i| format!(" a{i}='1'")).collect::<String>());
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
        assert_eq!(parse("<a><b/></a>", &Limits { max_bytes: 16, max_depth: 2 }).map(|d| d.root().name().to_string()), Ok("a".to_string()));
    }

    #[test]
    fn text_nodes_join_only_within_one_element() {
        let e = p("<a><b>x</b>y<!-- c -->z&amp;<![CDATA[w]]><c/>v</a>").unwrap();
        let b = e.child_any_ns("b").unwrap();
        assert_eq!(b.text(), "x", "the parent's text does not continue its child's");
        let texts: Vec<_> = e.nodes().filter_map(|n| match n { Node::Text(t) => Some(t), _ => None }).collect();
        assert_eq!(texts, ["yz&w", "v"], "a comment does not split text; an element does");
        assert_eq!(e.text(), "yz&w", "of mixed content, the first run");
        assert_eq!(e.elements().map(|c| c.name()).collect::<Vec<_>>(), ["b", "c"]);
        assert!(e.child_any_ns("c").unwrap().is_empty());
    }

    #[test]
    fn scopes_end_with_their_element() {
        let e = p("<a xmlns='urn:a'><b xmlns='urn:b'/><c/></a>").unwrap();
        let names: Vec<_> = e.elements().map(|c| (c.name(), c.ns())).collect();
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
