//! The page's fallback for SCRAM where it has no WebCrypto (a plain-http
//! deployment): a second, small module with only the core's hashes
//! (`cargo build --no-default-features --features scram-module`), which the
//! page fetches and instantiates afresh for each login that needs it, so no
//! secret outlives the computation. It answers exactly what the tunnel's
//! `Output::Derive` asks (`sasl::Derivation`).
#![allow(unsafe_code)]

#[path = "web/bundle.rs"]
mod bundle;

use crate::prelude::*;

/// Room for `len` bytes: the secret, the salt and the AuthMessage, in order.
#[no_mangle]
pub extern "C" fn scram_input(len: usize) -> *mut u8 {
    // Never freed: the instance lives for one computation.
    vec![0u8; len].leak().as_mut_ptr()
}

/// The answer (ClientKey || ServerKey || ClientProof || ServerSignature, four
/// times the hash's length) for the input at `input`; null if `bits` is not
/// 160, 256 or 512 or the secret does not fit `keyed`.
#[no_mangle]
pub extern "C" fn scram_derive(
    input: *const u8,
    bits: u32,
    keyed: u32,
    secret_len: usize,
    salt_len: usize,
    iterations: u32,
    auth_len: usize,
) -> *const u8 {
    let Some(total) = secret_len.checked_add(salt_len).and_then(|n| n.checked_add(auth_len)) else {
        return core::ptr::null();
    };
    // SAFETY: `input` is what `scram_input` returned for at least `total`
    // bytes (the page asks for exactly that), and nothing else refers to it.
    let bytes = unsafe { core::slice::from_raw_parts(input, total) };
    let (secret, rest) = bytes.split_at(secret_len);
    let (salt, auth) = rest.split_at(salt_len);
    match crate::xmpp::sasl::compute(bits, keyed != 0, secret, salt, iterations, auth) {
        Some(answer) => answer.leak().as_ptr(),
        None => core::ptr::null(),
    }
}
