//! Just enough JID handling: comparing a stanza's `from` with a service.


/// The JID without its resource.
pub fn bare(jid: &str) -> &str {
    jid.split_once('/').map_or(jid, |(bare, _)| bare)
}

/// The resource part, if any.
pub fn resource(jid: &str) -> Option<&str> {
    jid.split_once('/').map(|(_, r)| r)
}

/// Domain parts compare case-insensitively; a missing `from` is the server.
pub fn same_bare(a: &str, b: &str) -> bool {
    bare(a).eq_ignore_ascii_case(bare(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts() {
        assert_eq!(bare("a@b/c/d"), "a@b");
        assert_eq!(resource("a@b/c/d"), Some("c/d"));
        assert_eq!(resource("a@b"), None);
        assert!(same_bare("PubSub.Example.com", "pubsub.example.com"));
        assert!(!same_bare("evil@example.com", "pubsub.example.com"));
    }
}
