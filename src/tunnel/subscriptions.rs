//! The nodes this tunnel holds subscriptions to, with the server's subid, and
//! the nodes that may still be subscribed at the server although the parent
//! no longer wants them (left over from a lost connection, or a SUBSCRIBE
//! whose outcome is unknown): those are unsubscribed quietly on the next
//! session.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Sub {
    pub node: String,
    pub subid: Option<String>,
}

#[derive(Default)]
pub(super) struct Subscriptions {
    active: Vec<Sub>,
    /// Never a node of `active`, never twice: so retiring every active
    /// node is one move, without a search.
    stale: Vec<String>,
}

impl Subscriptions {
    pub fn contains(&self, node: &str) -> bool {
        self.active.iter().any(|s| s.node == node)
    }

    /// Nodes the server may hold for us: subscribed, or left to clean up.
    pub fn held(&self) -> usize {
        self.active.len() + self.stale.len()
    }

    pub fn subid(&self, node: &str) -> Option<&str> {
        self.active.iter().find(|s| s.node == node).and_then(|s| s.subid.as_deref())
    }

    /// Subscribed (again): the parent wants it, so it is not stale any more.
    pub fn add(&mut self, node: &str, subid: Option<String>) {
        if let Some(i) = self.stale.iter().position(|n| n == node) {
            self.stale.swap_remove(i);
        }
        match self.active.iter_mut().find(|s| s.node == node) {
            Some(s) => s.subid = subid.or(s.subid.take()),
            None => self.active.push(Sub { node: node.to_string(), subid }),
        }
    }

    pub fn remove(&mut self, node: &str) {
        self.active.retain(|s| s.node != node);
    }

    /// The parent no longer wants it, but the server may not know yet.
    pub fn retire(&mut self, node: &str) {
        let before = self.active.len();
        self.remove(node);
        if self.active.len() < before {
            // (Held, so not stale.)
            self.stale.push(node.to_string());
        }
    }

    /// The server may hold it, though the parent never got it (an unknown
    /// outcome) or gave it up: cleaned up next session, unless the parent
    /// holds it now.
    pub fn maybe_left_over(&mut self, node: &str) {
        if !self.contains(node) && !self.stale.iter().any(|n| n == node) {
            self.stale.push(node.to_string());
        }
    }

    pub fn retire_all(&mut self) {
        while let Some(s) = self.active.pop() {
            self.stale.push(s.node);
        }
    }

    pub fn len(&self) -> usize {
        self.active.len()
    }

    /// The `i`th subscribed node.
    pub fn node(&self, i: usize) -> Option<&str> {
        self.active.get(i).map(|s| s.node.as_str())
    }

    pub fn take_stale(&mut self) -> Vec<String> {
        std::mem::take(&mut self.stale)
    }
}
