//! The buddy list (RFC 6121 §2): kept here, so that a message or presence
//! from a stranger can be marked, receipts go only to buddies, and a
//! versioned re-fetch after a new session transfers only what changed.

use crate::xml::Element;
use crate::xmpp::{jid, ns};
use serde::Serialize;

#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub jid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// none, to, from, both (remove in a push that removes it).
    pub subscription: String,
    /// `subscribe` while our request waits for an answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ask: Option<String>,
    pub groups: Vec<String>,
}

/// The most items kept (a server's roster limit is typically lower).
const MAX_ITEMS: usize = 10_000;

#[derive(Default)]
pub struct Roster {
    pub items: Vec<Item>,
    /// RFC 6121 §2.6 version of what we hold.
    pub ver: Option<String>,
    /// Fetched at least once since IM started.
    pub loaded: bool,
}

/// An `<item/>` as the parent sees it; None without a usable `jid`.
pub fn item(el: Element<'_>) -> Option<Item> {
    let jid = el.attr("jid").filter(|j| super::request::valid_jid(j, false))?;
    Some(Item {
        jid: jid.to_string(),
        name: el.attr("name").map(str::to_string),
        subscription: el.attr("subscription").unwrap_or("none").to_string(),
        ask: el.attr("ask").map(str::to_string),
        groups: el.elements().filter(|g| g.is("group", ns::ROSTER)).map(|g| g.text().to_string()).collect(),
    })
}

impl Roster {
    pub fn find(&self, j: &str) -> Option<&Item> {
        let b = jid::bare(j);
        self.items.iter().find(|i| i.jid.eq_ignore_ascii_case(b))
    }

    /// A fetch result: the whole list, or (an empty result to a versioned
    /// fetch) no change.
    pub fn replace(&mut self, query: Option<Element<'_>>) {
        self.loaded = true;
        let Some(q) = query else { return };
        self.ver = q.attr("ver").map(str::to_string);
        self.items = q.elements().filter(|i| i.is("item", ns::ROSTER)).filter_map(item).take(MAX_ITEMS).collect();
    }

    /// A push: one item added, changed or (`remove`) removed.
    pub fn apply(&mut self, it: &Item, ver: Option<&str>) {
        if let Some(v) = ver {
            self.ver = Some(v.to_string());
        }
        let at = self.items.iter().position(|i| i.jid.eq_ignore_ascii_case(&it.jid));
        match (at, it.subscription == "remove") {
            (Some(n), true) => {
                self.items.remove(n);
            }
            (Some(n), false) => self.items[n] = it.clone(),
            (None, false) if self.items.len() < MAX_ITEMS => self.items.push(it.clone()),
            _ => {}
        }
    }
}
