//! Two small helpers many modules of the core use.

/// The earlier of two optional times (None: no deadline).
pub fn earlier(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// `bytes` as text if they are all ASCII (what is ASCII by its grammar).
pub fn ascii_str(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        std::str::from_utf8(bytes).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn earlier_of_two_deadlines() {
        use super::earlier;
        assert_eq!(earlier(Some(3), Some(2)), Some(2));
        assert_eq!(earlier(None, Some(2)), Some(2));
        assert_eq!(earlier(Some(3), None), Some(3));
        assert_eq!(earlier(None, None), None);
    }

    #[test]
    fn ascii_only() {
        use super::ascii_str;
        assert_eq!(ascii_str(b"r=abc,s=x"), Some("r=abc,s=x"));
        assert_eq!(ascii_str("é".as_bytes()), None);
        assert_eq!(ascii_str(b"\xff"), None);
    }
}
