//! The tunnel page's fallback for SCRAM where it has no WebCrypto (a
//! plain-http deployment, where `crypto.subtle` does not exist, or one whose
//! WebCrypto fails): the core's hashes as a module of their own,
//! `scram.wasm`, which the page fetches only then. It answers exactly what
//! the tunnel's `Output::Derive` asks (`sasl::Derivation`). The secret and
//! the answer are wiped from this module's memory before it returns.
#![forbid(unsafe_code)]

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

/// ClientKey || ServerKey || ClientProof || ServerSignature for SHA-1,
/// SHA-256 or SHA-512 (`bits` 160, 256, 512), from the SASLprep'ed password
/// or, `keyed`, the cached ClientKey || ServerKey. An error for another
/// `bits` or cached keys of the wrong length.
#[wasm_bindgen]
pub fn derive(bits: u32, keyed: bool, mut secret: Vec<u8>, salt: &[u8], iterations: u32, auth: &[u8]) -> Result<Uint8Array, JsError> {
    let answer = xmpp_tunnel::xmpp::sasl::compute(bits, keyed, &secret, salt, iterations, auth);
    secret.zeroize();
    let mut answer = answer.ok_or_else(|| JsError::new("scram.wasm: nothing to compute for that input"))?;
    let out = Uint8Array::from(answer.as_slice());
    answer.zeroize();
    Ok(out)
}
