//! The parent codec: `protocol::parse` over mutated `type|payload`
//! messages, at several size limits; every error must describe itself.

use super::Target;
use crate::corpus::Corpus;
use crate::dict;
use crate::mutate::Mutator;
use xmpp_tunnel::protocol::{self, ParentMessage};

pub struct Parent {
    m: Mutator,
}

impl Target for Parent {
    type Input = String;
    const NAME: &'static str = "parent";
    const EXT: &'static str = "txt";

    fn new(corpus: &Corpus) -> Parent {
        Parent { m: Mutator::new(corpus.seeds("parent"), &[dict::PARENT, dict::JSON, dict::XML, dict::NUMBERS]) }
    }

    super::text_input!();

    fn run(&self, s: &String) -> Result<(), String> {
        for max in [64 << 10, s.len(), s.len().saturating_sub(1), 256] {
            match protocol::parse(s, max) {
                Ok(m) => check(s, &m)?,
                Err(e) => {
                    if e.describe().is_empty() {
                        return Err(format!("an error without a description\n{e:?}"));
                    }
                }
            }
        }
        let mut uri = String::new();
        protocol::encode_uri(&mut uri, s);
        if !uri.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!("encode_uri left a byte to encode\n{uri:?}"));
        }
        Ok(())
    }
}

/// Text payloads are the message after its first `|`, as they are.
fn check(s: &str, m: &ParentMessage) -> Result<(), String> {
    let payload = s.split_once('|').map_or("", |(_, p)| p);
    let text = match m {
        ParentMessage::Id(v)
        | ParentMessage::Password(v)
        | ParentMessage::ResourceId(v)
        | ParentMessage::XmppDomain(v)
        | ParentMessage::PubsubDomain(v)
        | ParentMessage::Subscribe(v)
        | ParentMessage::Unsubscribe(v) => Some(*v),
        ParentMessage::Extension { payload, .. } => Some(*payload),
        _ => None,
    };
    match text {
        Some(t) if t != payload => Err(format!("a payload that is not the text after the first '|'\n{m:?}")),
        _ => Ok(()),
    }
}
