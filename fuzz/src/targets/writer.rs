//! The XML writer with arbitrary names, values and text: what it writes
//! must parse, and read back equal to what was written after the writer's
//! documented replacements (characters XML cannot carry become U+FFFD;
//! src/xml/escape.rs). Attributes given after content are ignored.

use super::Target;
use crate::corpus::Corpus;
use crate::dict;
use crate::mutate::Mutator;
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use xmpp_tunnel::xml::{self, Element, Node, Writer};

const NAMES: &[&str] = &["iq", "message", "body", "x", "Update", "error", "item"];
const FALLBACK: &str = "undefined-condition";
const ATTRS: &[&str] = &["id", "type", "to", "from", "node", "jid", "xml:lang", "subid", "a", "b-c", "d.e", "_f"];
const NAMESPACES: &[&str] = &["jabber:client", "urn:x", "http://jabber.org/protocol/pubsub", ""];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Name {
    /// One of `NAMES` (`open`).
    Fixed(u8),
    /// A name from the input (`open_name`, falling back to `FALLBACK`).
    Run(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct El {
    name: Name,
    /// `xmlns`, one of `NAMESPACES`.
    ns: Option<u8>,
    /// Indexes into `ATTRS` (distinct within an element, `late` included).
    attrs: Vec<(u8, String)>,
    children: Vec<Child>,
    /// Given after the content: ignored unless nothing was written yet.
    late: Vec<(u8, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Child {
    Text(String),
    TextNoPipe(String),
    El(El),
}

pub struct XmlWriter {
    m: Mutator,
}

impl Target for XmlWriter {
    type Input = El;
    const NAME: &'static str = "xml-writer";
    const EXT: &'static str = "json";

    fn new(corpus: &Corpus) -> XmlWriter {
        let mut pool = corpus.seeds("xml-writer");
        pool.extend(corpus.seeds("parent"));
        XmlWriter { m: Mutator::new(pool, &[dict::XML, dict::XMPP]).with_limit(4096) }
    }

    fn generate(&self, rng: &mut Rng) -> El {
        self.element(rng, 0)
    }

    /// A seed is one text, in an attribute and as content.
    fn seed_input(&self, seed: &str) -> El {
        El {
            name: Name::Run(seed.to_string()),
            ns: None,
            attrs: vec![(0, seed.to_string())],
            children: vec![Child::Text(seed.to_string()), Child::TextNoPipe(seed.to_string())],
            late: vec![],
        }
    }

    super::json_input!(El);

    fn run(&self, model: &El) -> Result<(), String> {
        let mut w = Writer::new();
        write(&mut w, model);
        let out = w.finish();
        // (No size limit here: the property is about content, and a big
        // tree of long values may pass the reader's 1 MiB.)
        let doc = xml::parse(&out, &super::UNLIMITED)
            .map_err(|e| format!("the writer wrote XML that does not parse ({e:?})\nwritten: {out:?}"))?;
        compare(model, doc.root(), "").map_err(|what| format!("{what}\nwritten: {out:?}"))
    }
}

impl XmlWriter {
    /// A value or text, at most a few kilobytes (the tree holds dozens).
    fn text(&self, rng: &mut Rng) -> String {
        let mut s = match rng.below(4) {
            0 => self.m.soup(rng),
            _ => self.m.generate(rng),
        };
        s.truncate(crate::runner::floor_boundary(&s, 4096));
        s
    }

    fn element(&self, rng: &mut Rng, depth: usize) -> El {
        let name = if rng.one_in(3) { Name::Run(self.text(rng)) } else { Name::Fixed(rng.below(NAMES.len()) as u8) };
        let ns = rng.one_in(3).then(|| rng.below(NAMESPACES.len()) as u8);
        // Distinct attribute names: a shuffled prefix of ATTRS.
        let mut order: Vec<u8> = (0..ATTRS.len() as u8).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let (n, late) = (rng.below(4), if rng.one_in(4) { rng.range(1, 2) } else { 0 });
        let mut names = order.into_iter();
        let attrs = names.by_ref().take(n).map(|i| (i, self.text(rng))).collect();
        let late = names.take(late).map(|i| (i, self.text(rng))).collect();
        let kids = if depth >= 4 { 0 } else { rng.below(4) };
        let children = (0..kids)
            .map(|_| match rng.below(5) {
                0 | 1 => Child::Text(self.text(rng)),
                2 => Child::TextNoPipe(self.text(rng)),
                _ => Child::El(self.element(rng, depth + 1)),
            })
            .collect();
        El { name, ns, attrs, children, late }
    }
}

fn attr_name(i: u8) -> &'static str {
    ATTRS.get(i as usize).copied().unwrap_or("id")
}

fn name_at(i: u8) -> &'static str {
    NAMES.get(i as usize).copied().unwrap_or("x")
}

fn ns_at(i: u8) -> &'static str {
    NAMESPACES.get(i as usize).copied().unwrap_or("")
}

fn write(w: &mut Writer, e: &El) {
    match &e.name {
        Name::Fixed(i) => w.open(name_at(*i)),
        Name::Run(s) => w.open_name(s, FALLBACK),
    };
    if let Some(ns) = e.ns {
        w.attr("xmlns", ns_at(ns));
    }
    for (i, v) in &e.attrs {
        w.attr(attr_name(*i), v);
    }
    for c in &e.children {
        match c {
            Child::Text(t) => {
                w.text(t);
            }
            Child::TextNoPipe(t) => {
                w.text_no_pipe(t);
            }
            Child::El(el) => write(w, el),
        }
    }
    for (i, v) in &e.late {
        w.attr(attr_name(*i), v);
    }
    w.close();
}

/// What the writer promises to write for `s`.
fn carried(s: &str) -> String {
    s.chars().map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' }).collect()
}

/// XML 1.0 §2.2 Char.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Namespaces in XML 1.0, NCName: an XML 1.0 §2.3 Name without ':'.
fn is_ncname(s: &str) -> bool {
    let start = |c: char| {
        matches!(c, 'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
            | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}'
            | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
            | '\u{10000}'..='\u{EFFFF}')
    };
    let more = |c: char| start(c) || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}');
    let mut chars = s.chars();
    chars.next().is_some_and(start) && chars.all(more)
}

/// The content the reader should see: adjacent text joined, empty text absent.
enum Want<'m> {
    Text(String),
    El(&'m El),
}

fn compare(m: &El, e: Element, parent_ns: &str) -> Result<(), String> {
    let name = match &m.name {
        Name::Fixed(i) => name_at(*i),
        Name::Run(s) if is_ncname(s) => s.as_str(),
        Name::Run(_) => FALLBACK,
    };
    if e.name() != name {
        return Err(format!("element name {:?} read back as {:?}", name, e.name()));
    }
    let ns: &str = m.ns.map_or(parent_ns, |i| ns_at(i));
    if e.ns() != ns {
        return Err(format!("namespace {:?} read back as {:?} on <{name}>", ns, e.ns()));
    }
    for (i, v) in &m.attrs {
        let want = carried(v);
        if e.attr(attr_name(*i)) != Some(want.as_str()) {
            return Err(format!("attribute {}={want:?} read back as {:?}", attr_name(*i), e.attr(attr_name(*i))));
        }
    }
    let mut want: Vec<Want> = Vec::new();
    for c in &m.children {
        match c {
            Child::Text(t) | Child::TextNoPipe(t) if t.is_empty() => {}
            Child::Text(t) | Child::TextNoPipe(t) => match want.last_mut() {
                Some(Want::Text(s)) => s.push_str(&carried(t)),
                _ => want.push(Want::Text(carried(t))),
            },
            Child::El(el) => want.push(Want::El(el)),
        }
    }
    let content = !want.is_empty();
    for (i, v) in &m.late {
        let got = e.attr(attr_name(*i));
        let expected = (!content).then(|| carried(v));
        if got != expected.as_deref() {
            return Err(format!("attribute {} given after the start tag read back as {got:?}, expected {expected:?}", attr_name(*i)));
        }
    }
    let nodes: Vec<Node> = e.nodes().collect();
    if nodes.len() != want.len() {
        return Err(format!("<{name}> has {} child nodes, expected {}", nodes.len(), want.len()));
    }
    for (n, w) in nodes.into_iter().zip(want) {
        match (n, w) {
            (Node::Text(got), Want::Text(t)) if got == t => {}
            (Node::Element(c), Want::El(m)) => compare(m, c, ns)?,
            (got, _) => return Err(format!("in <{name}>: {got:?} where other content was written")),
        }
    }
    Ok(())
}
