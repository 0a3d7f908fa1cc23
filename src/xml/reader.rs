//! Reads exactly one complete XML element into a `Doc`, within limits: a
//! thin layer over quick-xml's reader. quick-xml finds the markup (tags,
//! attributes, end-tag matching, comments, CDATA, DTDs) and resolves
//! namespaces (`NamespaceResolver`); this layer adds what XMPP needs and
//! quick-xml leaves to its user: the size, depth, attribute and namespace
//! limits, XML names, no DTD, one root and nothing after it, and the checks
//! of characters and references. Hostile input is an `XmlError`, never a
//! panic.
//!
//! Text is not read event by event: quick-xml reports every entity
//! reference as an event of its own, about 400 for one escaped Finesse
//! `<Update>`, and that measured 5–7 times slower. So at each point where
//! text may start, the run of text up to the next `<` is taken from
//! quick-xml's input stream as one raw span and unescaped once (with
//! quick-xml's own EOL normalization and unescaping).

use super::element::{AttrRec, Doc, Rec, Span};
use super::escape::is_xml_char;
use quick_xml::escape::{unescape, EscapeError};
use quick_xml::events::{BytesCData, BytesStart, BytesText, Event};
use quick_xml::name::{Namespace, NamespaceError, QName, ResolveResult};
use quick_xml::reader::Reader;
use quick_xml::utils::is_whitespace;
use quick_xml::XmlVersion;
use std::io::BufRead;

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

impl From<quick_xml::Error> for XmlError {
    fn from(e: quick_xml::Error) -> XmlError {
        use quick_xml::errors::{IllFormedError, SyntaxError};
        match e {
            quick_xml::Error::Syntax(SyntaxError::InvalidBangMarkup) => Malformed,
            // Every other syntax error is markup cut off by the end of input.
            quick_xml::Error::Syntax(_) | quick_xml::Error::IllFormed(IllFormedError::MissingEndTag(_)) => Unclosed,
            quick_xml::Error::Escape(e) => e.into(),
            quick_xml::Error::Namespace(e) => e.into(),
            _ => Malformed,
        }
    }
}

impl From<EscapeError> for XmlError {
    fn from(e: EscapeError) -> XmlError {
        match e {
            EscapeError::UnrecognizedEntity(_, name) if is_ncname(&name) => UnknownEntity,
            EscapeError::InvalidCharRef(_) => BadCharRef,
            _ => Malformed,
        }
    }
}

impl From<NamespaceError> for XmlError {
    fn from(e: NamespaceError) -> XmlError {
        match e {
            NamespaceError::UnknownPrefix(_) => UnboundPrefix,
            NamespaceError::TooManyBindings(_) => TooManyAttributes,
            _ => Malformed,
        }
    }
}

pub fn parse(input: &str, limits: &Limits) -> Result<Doc, XmlError> {
    if input.len() > limits.max_bytes {
        return Err(TooLarge);
    }
    let mut reader = Reader::from_str(input);
    // End tags must match their start tags (the default), and comments
    // must not hold `--`.
    reader.config_mut().check_comments = true;
    let mut b = Builder::new(input, limits.max_depth);
    loop {
        b.text_run(&mut reader)?;
        match reader.read_event()? {
            Event::Start(e) => b.start(&e, false)?,
            Event::Empty(e) => b.start(&e, true)?,
            Event::End(_) => b.end(),
            Event::CData(c) => b.cdata(&c)?,
            // (Never: `text_run` takes all text, references included, up to
            // the next `<` before quick-xml reads on.)
            Event::Text(_) | Event::GeneralRef(_) => return Err(Malformed),
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
            Event::DocType(_) => return Err(DocType),
            Event::Eof => break,
        }
    }
    b.finish()
}

/// The document being built, and where the reader is in it.
struct Builder<'a> {
    src: &'a str,
    max_depth: usize,
    doc: Doc,
    ns: quick_xml::name::NamespaceResolver,
    /// Open elements (node indexes); the root is at index 0.
    open: Vec<u32>,
    /// The root element has been closed.
    done: bool,
    /// The text node that text read now extends (none once a tag came
    /// between): adjacent text, references and CDATA form one node.
    last_text: Option<u32>,
    /// The namespace last copied into the document: children mostly share
    /// their parent's, which is then not copied again.
    last_ns: Option<Span>,
}

impl<'a> Builder<'a> {
    fn new(src: &'a str, max_depth: usize) -> Builder<'a> {
        let mut ns = quick_xml::name::NamespaceResolver::default();
        ns.set_max_namespace_bindings(MAX_DECLS_IN_SCOPE);
        // Names, values and text are all cut from the input, and decoding
        // only shrinks them: one allocation holds them all.
        let doc = Doc { text: String::with_capacity(src.len()), nodes: Vec::new(), attrs: Vec::new() };
        Builder { src, max_depth, doc, ns, open: Vec::new(), done: false, last_text: None, last_ns: None }
    }

    fn finish(self) -> Result<Doc, XmlError> {
        if !self.open.is_empty() {
            return Err(Unclosed);
        }
        if !self.done {
            return Err(Empty);
        }
        Ok(self.doc)
    }

    /// The raw text from the reader's position up to the next `<` (or the
    /// end), taken out of quick-xml's input stream in one piece.
    fn text_run(&mut self, reader: &mut Reader<&[u8]>) -> Result<(), XmlError> {
        let at = usize::try_from(reader.buffer_position()).map_err(|_| Malformed)?;
        let rest = self.src.get(at..).ok_or(Malformed)?;
        // (str::find with a char is memchr: notification text is a
        // kilobyte of escaped markup without a '<'.)
        let n = rest.find('<').unwrap_or(rest.len());
        if n == 0 {
            return Ok(());
        }
        reader.stream().consume(n);
        self.escaped_text(rest.get(..n).ok_or(Malformed)?)
    }

    /// Text as written: line ends normalized, then references resolved.
    fn escaped_text(&mut self, raw: &str) -> Result<(), XmlError> {
        if self.open.is_empty() {
            // Only whitespace may stand outside the root element.
            return if raw.bytes().all(is_whitespace) { Ok(()) } else { Err(Trailing) };
        }
        check_literal(raw)?;
        let text = BytesText::from_escaped(raw).xml10_content();
        if !text.contains('&') {
            return self.add_text(&text);
        }
        let value = unescape(&text)?;
        // (Literal characters were checked: anything wrong came from a
        // character reference.)
        check_literal(&value).map_err(|_| BadCharRef)?;
        self.add_text(&value)
    }

    fn cdata(&mut self, c: &BytesCData) -> Result<(), XmlError> {
        if self.open.is_empty() {
            return Err(Trailing);
        }
        let text = c.xml10_content();
        check_literal(&text)?;
        self.add_text(&text)
    }

    /// Appends to the open element's text node, created if a tag came
    /// since the last text.
    fn add_text(&mut self, s: &str) -> Result<(), XmlError> {
        // (An empty CDATA section is no text at all: `<a><![CDATA[]]></a>`
        // is `<a/>`.)
        if s.is_empty() {
            return Ok(());
        }
        let span = self.keep(s);
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

    /// `s` appended to the document's text.
    fn keep(&mut self, s: &str) -> Span {
        let start = self.doc.text.len() as u32;
        self.doc.text.push_str(s);
        Span { start, end: self.doc.text.len() as u32 }
    }

    /// A start tag (`empty`: `<…/>`).
    fn start(&mut self, e: &BytesStart, empty: bool) -> Result<(), XmlError> {
        if self.done {
            return Err(Trailing);
        }
        if self.open.len() >= self.max_depth && !empty {
            return Err(TooDeep);
        }
        let qname = e.name().0;
        if !is_qname(qname) {
            return Err(Malformed);
        }
        self.last_text = None;
        let level = u16::try_from(self.open.len() + 1).map_err(|_| TooDeep)?;
        self.ns.set_level(level);
        let first_attr = self.doc.attrs.len();
        let mut count = 0;
        let mut prefixed = false;
        for a in e.attributes() {
            let a = a.map_err(|_| Malformed)?;
            count += 1;
            if count > MAX_ATTRS {
                return Err(TooManyAttributes);
            }
            let key = a.key.0;
            if !is_qname(key) || a.value.contains('<') {
                return Err(Malformed);
            }
            check_literal(&a.value)?;
            let value = a.normalized_value(XmlVersion::Implicit1_0)?;
            check_refs(&a.value, &value)?;
            if let Some(decl) = a.key.as_namespace_binding() {
                self.ns.add(decl, Namespace(&value))?;
                continue;
            }
            prefixed |= key.contains(':');
            let name = self.keep(key);
            let value = self.keep(&value);
            self.doc.attrs.push(AttrRec { name, value, ns: None });
        }
        if count > 1 && !attributes_separated(e.attributes_raw()) {
            return Err(Malformed);
        }
        if prefixed {
            self.resolve_attributes(first_attr)?;
        }
        let (ns, local) = match self.ns.resolve_element(QName(qname)) {
            (ResolveResult::Bound(ns), local) => (keep_ns(&mut self.doc, &mut self.last_ns, ns.0), local),
            (ResolveResult::Unbound, local) => (Span::default(), local),
            (ResolveResult::Unknown(_), _) => return Err(UnboundPrefix),
        };
        let name = self.keep(local.as_ref());
        let i = self.doc.nodes.len() as u32;
        let attrs = Span { start: first_attr as u32, end: self.doc.attrs.len() as u32 };
        self.doc.nodes.push(Rec { name, ns: Some(ns), attrs, end: i + 1 });
        self.open.push(i);
        if empty {
            self.end();
        }
        Ok(())
    }

    /// The namespaces of the prefixed attributes from `first` on (`xml:`
    /// needs none: it is bound by definition).
    fn resolve_attributes(&mut self, first: usize) -> Result<(), XmlError> {
        for k in first..self.doc.attrs.len() {
            let Some(a) = self.doc.attrs.get(k).copied() else { break };
            let name = self.doc.str(a.name);
            if !name.contains(':') || name.starts_with("xml:") {
                continue;
            }
            let name = name.to_string();
            let span = match self.ns.resolve_attribute(QName(&name)) {
                (ResolveResult::Bound(ns), _) => keep_ns(&mut self.doc, &mut self.last_ns, ns.0),
                _ => return Err(UnboundPrefix),
            };
            if let Some(a) = self.doc.attrs.get_mut(k) {
                a.ns = Some(span);
            }
        }
        Ok(())
    }

    /// The innermost open element ends (quick-xml checked its end tag).
    fn end(&mut self) {
        let Some(i) = self.open.pop() else { return };
        self.ns.set_level(self.open.len() as u16);
        self.last_text = None;
        let end = self.doc.nodes.len() as u32;
        if let Some(r) = self.doc.nodes.get_mut(i as usize) {
            r.end = end;
        }
        self.done = self.open.is_empty();
    }
}

/// A namespace URI in the document: the last one again if it is the same.
fn keep_ns(doc: &mut Doc, last: &mut Option<Span>, ns: &str) -> Span {
    if let Some(s) = last.filter(|s| doc.str(*s) == ns) {
        return s;
    }
    let start = doc.text.len() as u32;
    doc.text.push_str(ns);
    let s = Span { start, end: doc.text.len() as u32 };
    *last = Some(s);
    s
}

/// The bytes `check_literal` looks at twice: C0 controls but white space,
/// and 0xEF (the lead byte of U+FFFE and U+FFFF).
static SUSPECT: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = !matches!(c as u8, b'\t' | b'\n' | b'\r');
        c += 1;
    }
    t[0xEF] = true;
    t
};

/// No character XML cannot carry, written literally (most C0 controls;
/// U+FFFE and U+FFFF, EF BF BE/BF in UTF-8).
fn check_literal(raw: &str) -> Result<(), XmlError> {
    let b = raw.as_bytes();
    // A table lookup per byte first (this runs over every byte of every
    // stanza, and most text is clean): only if it flags a byte, a control
    // other than white space or a 0xEF, is each byte looked at again.
    if !b.iter().any(|&c| SUSPECT[c as usize]) || raw.chars().all(is_xml_char) {
        Ok(())
    } else {
        Err(Malformed)
    }
}

/// After `check_literal`: what character references in `raw` produced is a
/// character XML allows (quick-xml refuses only `&#0;` and non-characters).
/// Literal characters were checked already, so anything `check_literal`
/// finds in `value` came from a reference.
fn check_refs(raw: &str, value: &str) -> Result<(), XmlError> {
    if raw.as_bytes().contains(&b'&') {
        return check_literal(value).map_err(|_| BadCharRef);
    }
    Ok(())
}

/// quick-xml reads `a='1'b='2'` as two attributes; XML requires white
/// space between them. `raw` is the start tag after its name.
fn attributes_separated(raw: &str) -> bool {
    let b = raw.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        i += 1;
        if c == b'\'' || c == b'"' {
            // A value: the next byte after its closing quote.
            let Some(len) = b.get(i..).and_then(|r| r.iter().position(|&x| x == c)) else { return true };
            i += len + 1;
            if b.get(i).is_some_and(|&n| !is_whitespace(n) && n != b'/') {
                return false;
            }
        }
    }
    true
}

/// An XML name (XML 1.0 §2.3) of the namespaces kind: one or two NCNames,
/// joined by a colon.
pub(crate) fn is_qname(s: &str) -> bool {
    match s.as_bytes().iter().position(|&b| b == b':') {
        Some(i) => is_ncname(&s[..i]) && is_ncname(&s[i + 1..]),
        None => is_ncname(s),
    }
}

/// A name without a prefix (an NCName).
pub(crate) fn is_ncname(s: &str) -> bool {
    let b = s.as_bytes();
    // XMPP's names are ASCII: bytes, without decoding characters.
    if b.is_ascii() {
        let start = |c: u8| c.is_ascii_alphabetic() || c == b'_';
        let rest = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.');
        return b.first().is_some_and(|&c| start(c)) && b.iter().all(|&c| rest(c));
    }
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

fn is_name_start(c: char) -> bool {
    matches!(c, 'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}'
        | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
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
        // Declarations are attribute values: references in them resolved.
        let e = p("<a xmlns='urn:a&amp;b'><b/></a>").unwrap();
        assert_eq!(e.ns(), "urn:a&b");
        assert_eq!(e.child_any_ns("b").unwrap().ns(), "urn:a&b");
        // A default namespace can be undeclared.
        let e = p("<a xmlns='urn:a'><b xmlns=''/></a>").unwrap();
        assert_eq!(e.child_any_ns("b").unwrap().ns(), "");
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
        // A referenced CR is a CR: line-end normalization is of literal ones.
        assert_eq!(p("<n>a&#13;\r\nb</n>").unwrap().text(), "a\r\nb");
        assert_eq!(p("<n><![CDATA[a\r\nb]]></n>").unwrap().text(), "a\nb");
        assert!(p("<n><![CDATA[]]></n>").unwrap().is_empty(), "an empty CDATA section is no text");
    }

    #[test]
    fn hostile_input_is_an_error() {
        let cases: &[(&str, XmlError)] = &[
            ("<a>", XmlError::Unclosed),
            ("<a><b></a>", XmlError::Malformed),
            ("</a>", XmlError::Malformed),
            ("", XmlError::Empty),
            ("   ", XmlError::Empty),
            ("text", XmlError::Trailing),
            ("<a/><b/>", XmlError::Trailing),
            ("<a/>junk", XmlError::Trailing),
            ("<a/><![CDATA[x]]>", XmlError::Trailing),
            ("<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>", XmlError::DocType),
            ("<a>&x;</a>", XmlError::UnknownEntity),
            ("<a b='&x;'/>", XmlError::UnknownEntity),
            ("<a>&#0;</a>", XmlError::BadCharRef),
            ("<a>&#xD800;</a>", XmlError::BadCharRef),
            ("<a>&#99999999;</a>", XmlError::BadCharRef),
            ("<a>&#xFFFE;</a>", XmlError::BadCharRef),
            ("<a>&#x;</a>", XmlError::BadCharRef),
            ("<a b='&#1;'/>", XmlError::BadCharRef),
            ("<p:a/>", XmlError::UnboundPrefix),
            ("<a p:b='1'/>", XmlError::UnboundPrefix),
            ("<a b='1' b='2'/>", XmlError::Malformed),
            ("<a b=1/>", XmlError::Malformed),
            ("< a/>", XmlError::Malformed),
            ("<a/ >", XmlError::Malformed),
            // Attributes must be separated by whitespace.
            ("<a b='1'c='2'/>", XmlError::Malformed),
            ("<a:b:c xmlns:a='u'/>", XmlError::Malformed),
            ("<a>&;</a>", XmlError::Malformed),
            ("<a>&amp</a>", XmlError::Malformed),
            ("<a>x\u{1}</a>", XmlError::Malformed),
            ("<a>x\u{FFFF}</a>", XmlError::Malformed),
            ("<a b='x\u{FFFE}'/>", XmlError::Malformed),
            ("<a><!--", XmlError::Unclosed),
            ("<a><!-- x -- y --></a>", XmlError::Malformed),
            ("<a><!x></a>", XmlError::Malformed),
            ("<a b='1", XmlError::Unclosed),
            ("<a b='<'/>", XmlError::Malformed),
            // Names are XML names.
            ("<1x/>", XmlError::Malformed),
            ("<p:1x xmlns:p='urn:x'/>", XmlError::Malformed),
            ("<p:-x xmlns:p='urn:x'/>", XmlError::Malformed),
            ("<p:.x xmlns:p='urn:x'/>", XmlError::Malformed),
            ("<a\u{FFFF}/>", XmlError::Malformed),
            ("<a\u{FFFE}b/>", XmlError::Malformed),
            ("<a b\u{FFFE}='1'/>", XmlError::Malformed),
            ("<a .b='1'/>", XmlError::Malformed),
            ("<a\u{1}/>", XmlError::Malformed),
            ("<xmlns:a xmlns:xmlns='u'/>", XmlError::Malformed),
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
    fn names_of_every_script() {
        for ok in ["<Update/>", "<a.b-c_d/>", "<é/>", "<日本/>", "<p:x xmlns:p='urn:p'/>", "<_/>", "<a b.c='1'/>"] {
            assert!(p(ok).is_ok(), "{ok}");
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
        let e = p("<a xmlns:p='urn:1'><b xmlns:p='urn:2'><p:c/></b><p:d/></a>").unwrap();
        let b = e.child_any_ns("b").unwrap();
        assert_eq!(b.child_any_ns("c").unwrap().ns(), "urn:2");
        assert_eq!(e.child_any_ns("d").unwrap().ns(), "urn:1");
    }

    #[test]
    fn declarations_and_instructions_are_skipped() {
        let e = p("<?xml version='1.0'?>\n<a><?pi x?>t</a>\n").unwrap();
        assert_eq!(e.text(), "t");
    }

    #[test]
    fn never_panics_on_garbage() {
        // A cheap fuzz (the fuzz harness does the real work): every prefix
        // and suffix of a realistic stanza, and byte soup.
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
