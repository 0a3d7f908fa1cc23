//! The nodes this tunnel holds subscriptions to, with the server's subid, and
//! the nodes that may still be subscribed at the server although the parent
//! no longer wants them (left over from a lost connection): those are
//! unsubscribed quietly on the next session.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Sub {
    pub node: String,
    pub subid: Option<String>,
}

#[derive(Default)]
pub(super) struct Subscriptions {
    active: Vec<Sub>,
    stale: Vec<String>,
}

impl Subscriptions {
    pub fn contains(&self, node: &str) -> bool {
        self.active.iter().any(|s| s.node == node)
    }

    pub fn len(&self) -> usize {
        self.active.len()
    }

    pub fn subid(&self, node: &str) -> Option<&str> {
        self.active.iter().find(|s| s.node == node).and_then(|s| s.subid.as_deref())
    }

    /// Subscribed (again): the parent wants it, so it is not stale any more.
    pub fn add(&mut self, node: &str, subid: Option<String>) {
        self.stale.retain(|n| n != node);
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
        self.remove(node);
        if !self.stale.iter().any(|n| n == node) {
            self.stale.push(node.to_string());
        }
    }

    pub fn retire_all(&mut self) {
        for s in &std::mem::take(&mut self.active) {
            self.retire(&s.node);
        }
    }

    /// The `i`th subscribed node.
    pub fn node(&self, i: usize) -> Option<&str> {
        self.active.get(i).map(|s| s.node.as_str())
    }

    /// Forgets every subscribed node (their unsubscribes are on their way).
    pub fn forget_active(&mut self) {
        self.active.clear();
    }

    pub fn take_stale(&mut self) -> Vec<String> {
        std::mem::take(&mut self.stale)
    }
}
