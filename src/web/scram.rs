//! SCRAM's keys and proof for the core (`Output::Derive`): the tunnel's
//! module has no hashes, because the browser has them natively. WebCrypto
//! computes them where the page has `crypto.subtle` (secure contexts only);
//! where it has not (Finesse deployments serve the tunnel over plain
//! `http://host:7071` too) or WebCrypto fails, the page's fallback module
//! does (the `scram` crate on RustCrypto, `scram.wasm`, fetched only then),
//! through the function the bootstrap hands to `start`. With neither the
//! answer is empty: the login fails with a LOGGING line and is retried.
//! Copies of the secret are wiped once used.

use super::with;
use super::Shell;
use crate::xmpp::sasl::Derivation;
use js_sys::{Array, Function, Uint8Array};
use std::cell::RefCell;
use std::rc::Weak;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, HmacImportParams, HmacKeyGenParams, Pbkdf2Params, SubtleCrypto};
use zeroize::Zeroize;

/// What a `Derivation` asks, owned (the computation outlives the borrow).
pub(crate) struct Ask {
    bits: u32,
    keyed: bool,
    secret: Vec<u8>,
    salt: Vec<u8>,
    iterations: u32,
    auth: Vec<u8>,
}

impl Ask {
    pub fn new(d: &Derivation) -> Ask {
        Ask {
            bits: d.bits(),
            keyed: d.keyed,
            secret: d.secret.to_vec(),
            salt: d.salt.to_vec(),
            iterations: d.iterations,
            auth: d.auth.to_vec(),
        }
    }

    fn hash(&self) -> &'static str {
        match self.bits {
            160 => "SHA-1",
            256 => "SHA-256",
            _ => "SHA-512",
        }
    }

    fn len(&self) -> usize {
        self.bits as usize / 8
    }
}

impl Drop for Ask {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

/// Computes the answer and hands it to the tunnel, later.
pub(crate) fn derive(shell: Weak<RefCell<Shell>>, conn: u32, ask: Ask, fallback: Option<Function>) {
    wasm_bindgen_futures::spawn_local(async move {
        let mut answer = compute(&ask, fallback.as_ref()).await;
        drop(ask);
        if let Some(shell) = shell.upgrade() {
            with(&shell, |s, now| s.tunnel.handle_derived(now, conn, &answer));
        }
        answer.zeroize();
    });
}

/// ClientKey || ServerKey || ClientProof || ServerSignature, or empty when
/// nothing could compute it.
pub(crate) async fn compute(ask: &Ask, fallback: Option<&Function>) -> Vec<u8> {
    if let Some(subtle) = subtle() {
        if let Ok(answer) = by_web_crypto(&subtle, ask).await {
            return answer;
        }
    }
    if let Some(f) = fallback {
        if let Ok(answer) = by_fallback(f, ask).await {
            return answer;
        }
    }
    Vec::new()
}

/// `crypto.subtle`, which only secure contexts have.
fn subtle() -> Option<SubtleCrypto> {
    let subtle = web_sys::window()?.crypto().ok()?.subtle();
    let present = !subtle.is_undefined() && !subtle.is_null();
    present.then_some(subtle)
}

/// Each WebCrypto call is a round trip to its thread, so independent ones
/// run together (a promise starts when it is made): the login waits for the
/// longest chain, not for all of them.
async fn by_web_crypto(c: &SubtleCrypto, ask: &Ask) -> Result<Vec<u8>, JsValue> {
    let (hash, n) = (ask.hash(), ask.len());
    let (mut client_key, server_key) = if ask.keyed {
        let (ck, sk) = ask.secret.split_at(n.min(ask.secret.len()));
        (ck.to_vec(), sk.to_vec())
    } else {
        let password = Uint8Array::from(ask.secret.as_slice());
        // (importKey copies its input before it returns.)
        let imported = c.import_key_with_str("raw", &password, "PBKDF2", false, &usages("deriveKey"));
        password.fill(0, 0, password.length());
        let base: CryptoKey = JsFuture::from(imported?).await?.dyn_into()?;
        let params = Pbkdf2Params::new_with_str("PBKDF2", hash, ask.iterations, &Uint8Array::from(ask.salt.as_slice()));
        // SaltedPassword straight into an HMAC key: a call fewer than
        // deriveBits and importKey.
        let salted_type = HmacKeyGenParams::new_with_str("HMAC", hash);
        salted_type.set_length(ask.bits);
        let salted: CryptoKey =
            JsFuture::from(c.derive_key_with_object_and_object(&params, &base, &salted_type, false, &usages("sign"))?)
                .await?
                .dyn_into()?;
        let ck = c.sign_with_str_and_u8_array("HMAC", &salted, b"Client Key")?;
        let sk = c.sign_with_str_and_u8_array("HMAC", &salted, b"Server Key")?;
        (bytes(JsFuture::from(ck).await?), bytes(JsFuture::from(sk).await?))
    };
    // (Slices are passed as views of wasm memory, which WebCrypto copies
    // before it returns: no copy of a key is left in JavaScript.)
    let auth = ask.auth.as_slice();
    let stored = c.digest_with_str_and_u8_array(hash, &client_key)?;
    let server_sign = hmac_key(c, hash, &server_key)?;
    let server_sign: CryptoKey = JsFuture::from(server_sign).await?.dyn_into()?;
    let server_signature = c.sign_with_str_and_u8_array("HMAC", &server_sign, auth)?;
    let stored = bytes(JsFuture::from(stored).await?);
    let client_sign: CryptoKey = JsFuture::from(hmac_key(c, hash, &stored)?).await?.dyn_into()?;
    let signature = bytes(JsFuture::from(c.sign_with_str_and_u8_array("HMAC", &client_sign, auth)?).await?);
    let server_signature = bytes(JsFuture::from(server_signature).await?);
    if [client_key.len(), server_key.len(), signature.len(), server_signature.len()] != [n; 4] {
        client_key.zeroize();
        return Err(JsValue::from_str("WebCrypto answered with the wrong lengths"));
    }
    let proof: Vec<u8> = client_key.iter().zip(&signature).map(|(k, s)| k ^ s).collect();
    let answer = [client_key.as_slice(), &server_key, &proof, &server_signature].concat();
    client_key.zeroize();
    Ok(answer)
}

/// The fallback module's function: `(bits, keyed, secret, salt, iterations,
/// auth)` → a promise of the answer (a Uint8Array), which is wiped here once
/// copied. (The bootstrap runs it in a worker: `www/tunnel/scram-worker.js`.)
async fn by_fallback(f: &Function, ask: &Ask) -> Result<Vec<u8>, JsValue> {
    let secret = Uint8Array::from(ask.secret.as_slice());
    let args = Array::new();
    args.push(&ask.bits.into());
    args.push(&ask.keyed.into());
    args.push(&secret);
    args.push(&Uint8Array::from(ask.salt.as_slice()));
    args.push(&ask.iterations.into());
    args.push(&Uint8Array::from(ask.auth.as_slice()));
    // (The function reads its arguments once the module is ready: the copy
    // of the secret is wiped after it answers, not before.)
    let called = async { JsFuture::from(f.apply(&JsValue::NULL, &args)?.dyn_into::<js_sys::Promise>()?).await };
    let called = called.await;
    // (The bootstrap transfers it to the fallback's worker, which leaves
    // it detached here, empty: filling a detached array throws.)
    if secret.length() > 0 {
        secret.fill(0, 0, secret.length());
    }
    let out: Uint8Array = called?.dyn_into()?;
    let answer = out.to_vec();
    out.fill(0, 0, out.length());
    // (Its length is the core's to check, as WebCrypto's answer is.)
    Ok(answer)
}

fn hmac_key(c: &SubtleCrypto, hash: &str, key: &[u8]) -> Result<js_sys::Promise, JsValue> {
    let raw = Uint8Array::from(key);
    let p = c.import_key_with_object("raw", &raw, &HmacImportParams::new_with_str("HMAC", hash), false, &usages("sign"));
    raw.fill(0, 0, raw.length());
    p
}

fn usages(u: &str) -> JsValue {
    Array::of1(&JsValue::from_str(u)).into()
}

/// An ArrayBuffer's bytes (empty for anything else).
fn bytes(v: JsValue) -> Vec<u8> {
    match v.dyn_into::<js_sys::ArrayBuffer>() {
        Ok(buf) => {
            let view = Uint8Array::new(&buf);
            let out = view.to_vec();
            view.fill(0, 0, view.length());
            out
        }
        Err(_) => Vec::new(),
    }
}
