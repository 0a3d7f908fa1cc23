//! XML for XMPP: a bounded reader that turns one complete element (an RFC 7395
//! message, a BOSH body) into a small tree, and a writer that escapes everything.

mod element;
mod escape;
mod reader;
mod redact;
mod writer;

pub use element::{Doc, Element, Elements, Node, Nodes};
pub use escape::{escape_attr, escape_text};
pub use reader::{parse, Limits, XmlError};
pub use redact::hide_namespace;
pub use writer::Writer;
