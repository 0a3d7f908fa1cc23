//! The XML reader over mutated stanzas and bodies: what parses is walked
//! through every accessor, serialized, and must parse again to the same
//! text (round trip); each subtree serialized alone, and the root relayed
//! through the writer, must parse too. (Documents over 64 KB, which are
//! there for the limits, are parsed, walked and relayed only.)

use super::Target;
use crate::corpus::Corpus;
use crate::dict;
use crate::mutate::Mutator;
use xmpp_tunnel::xml::{self, Element, Limits, Node, Writer};

/// Documents above this are parsed and relayed only, not round-tripped.
const BIG: usize = 64 << 10;

pub struct Xml {
    m: Mutator,
}

impl Target for Xml {
    type Input = String;
    const NAME: &'static str = "xml";
    const EXT: &'static str = "txt";

    fn new(corpus: &Corpus) -> Xml {
        let mut pool = corpus.seeds("xml");
        pool.extend(corpus.seeds("core"));
        pool.extend(corpus.seeds("bosh"));
        Xml { m: Mutator::new(pool, &[dict::XML, dict::XML, dict::XMPP]) }
    }

    super::text_input!();

    fn run(&self, s: &String) -> Result<(), String> {
        // The parent's limits and a tight one: other early exits.
        let _ = xml::parse(s, &Limits::PARENT);
        let _ = xml::parse(s, &Limits { max_bytes: 64, max_depth: 2 });
        let doc = match xml::parse(s, &Limits::SERVER) {
            Ok(d) => d,
            Err(e) => {
                return if e.as_str().is_empty() { Err("an error without a description".into()) } else { Ok(()) };
            }
        };
        let root = doc.root();
        walk(root, 0)?;
        if s.len() > BIG {
            // What the core does with a big one: relay it once. (Reparsing
            // what escaping made up to four times larger would be most of
            // the time spent, and these inputs are about the limits.)
            let _ = root.to_xml();
            return Ok(());
        }
        // (Escaping may make a document near the size limit pass it.)
        let unlimited = super::UNLIMITED;
        let once = root.to_xml();
        let again = xml::parse(&once, &unlimited)
            .map_err(|e| format!("a parsed document serializes to XML that does not parse ({e:?})\nserialized: {once:?}"))?;
        let twice = again.root().to_xml();
        if twice != once {
            return Err(format!("serializing the reparsed document gives other text\nfirst:  {once:?}\nsecond: {twice:?}"));
        }
        // A subtree relayed alone declares the namespaces it uses (the
        // first few children: each may be nearly the whole document).
        for (k, e) in root.elements().enumerate().take(if s.len() < 4096 { 8 } else { 2 }) {
            let alone = e.to_xml();
            if let Err(err) = xml::parse(&alone, &unlimited) {
                return Err(format!("child {k} serialized alone does not parse ({err:?})\nserialized: {alone:?}"));
            }
        }
        // And relayed through the writer, inside one of ours.
        let mut w = Writer::new();
        w.open("relay");
        w.element(root);
        let relayed = w.finish();
        let back = xml::parse(&relayed, &unlimited)
            .map_err(|e| format!("the writer relays a parsed element as XML that does not parse ({e:?})\nrelayed: {relayed:?}"))?;
        let inner = back.root().elements().next().map(|e| e.to_xml());
        if inner.as_deref() != Some(once.as_str()) {
            return Err(format!("the writer relays a parsed element changed\nrelayed: {relayed:?}\nexpected inside: {once:?}"));
        }
        Ok(())
    }
}

/// Every accessor on every element, and the tree's own consistency.
fn walk(e: Element, depth: usize) -> Result<(), String> {
    if depth > Limits::SERVER.max_depth {
        return Err(format!("a tree deeper than the limit ({depth})"));
    }
    let (name, ns) = (e.name(), e.ns());
    if name.is_empty() {
        return Err("an element without a name".into());
    }
    if !e.is(name, ns) {
        return Err("is() disagrees with name() and ns()".into());
    }
    let _ = (e.attr("id"), e.attr("type"), e.attr("xml:lang"), e.text());
    let (mut elements, mut texts, mut last_text) = (0, 0, false);
    for n in e.nodes() {
        match n {
            Node::Element(c) => {
                elements += 1;
                last_text = false;
                walk(c, depth + 1)?;
            }
            Node::Text(t) => {
                if last_text {
                    return Err("two text nodes in a row (they are joined into one)".into());
                }
                if t.is_empty() {
                    return Err("an empty text node".into());
                }
                texts += 1;
                last_text = true;
            }
        }
    }
    if e.elements().count() != elements || e.has_elements() != (elements > 0) {
        return Err("elements() disagrees with nodes()".into());
    }
    if e.is_empty() != (elements + texts == 0) {
        return Err("is_empty() disagrees with nodes()".into());
    }
    if let Some(first) = e.elements().next() {
        if e.child_any_ns(first.name()).is_none() || e.child(first.name(), first.ns()).is_none() {
            return Err("child() does not find the first child".into());
        }
    }
    Ok(())
}
