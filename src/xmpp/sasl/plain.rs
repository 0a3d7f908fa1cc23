//! SASL PLAIN (RFC 4616): the single "\0authcid\0passwd" message.

use super::SaslError;

/// Build the PLAIN message. No authzid is sent. SASLprep is left to the server
/// (RFC 4616 §2 makes preparation the server's job); we only refuse values that would
/// break the NUL-delimited framing or that the grammar forbids (empty).
pub(super) fn message(username: &str, password: &str) -> Result<Vec<u8>, SaslError> {
    if username.is_empty() || username.as_bytes().contains(&0) {
        return Err(SaslError::InvalidUsername);
    }
    if password.is_empty() {
        return Err(SaslError::EmptyPassword);
    }
    if password.as_bytes().contains(&0) {
        return Err(SaslError::ProhibitedPasswordChar);
    }
    let mut out = Vec::with_capacity(2 + username.len() + password.len());
    out.push(0);
    out.extend_from_slice(username.as_bytes());
    out.push(0);
    out.extend_from_slice(password.as_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_message() {
        assert_eq!(
            message("tim", "tanstaaftanstaaf").unwrap(),
            b"\0tim\0tanstaaftanstaaf"
        );
        assert_eq!(
            message("a,b=c", "p\u{e4}ss").unwrap(),
            "\0a,b=c\0p\u{e4}ss".as_bytes()
        );
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(message("", "x"), Err(SaslError::InvalidUsername));
        assert_eq!(message("a\0b", "x"), Err(SaslError::InvalidUsername));
        assert_eq!(message("a", ""), Err(SaslError::EmptyPassword));
        assert_eq!(message("a", "x\0"), Err(SaslError::ProhibitedPasswordChar));
    }
}
