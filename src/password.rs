//! The agent's password: one type for every copy the core holds, wiped from
//! memory when dropped (freed memory is not cleared by the allocator, and a
//! wasm module's memory is one buffer that lives as long as the page), and
//! never printed.

use zeroize::Zeroizing;

#[derive(Clone, PartialEq, Eq, Default)]
pub struct Password(Zeroizing<String>);

impl Password {
    pub fn new(s: &str) -> Password {
        Password(Zeroizing::new(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn never_printed() {
        assert_eq!(format!("{:?}", super::Password::new("hunter2")), "Password(..)");
    }
}
