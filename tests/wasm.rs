//! The core compiled to wasm32 and run by wasm-bindgen-test (in Node), for
//! what could differ from the native build: checked against the JavaScript
//! engine itself (encodeURI) and against 64-bit hash arithmetic (SCRAM-SHA-512,
//! values from an independent Python computation of RFC 5802).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::wasm_bindgen_test;
use xmpp_tunnel::protocol::encode_uri;
use xmpp_tunnel::xmpp::sasl::{base64, Mechanism, SaslClient, Secret};

fn ours(s: &str) -> String {
    let mut o = String::new();
    encode_uri(&mut o, s);
    o
}

#[wasm_bindgen_test]
fn encode_uri_is_the_engines() {
    let mut samples: Vec<String> = (0u32..0x3000).filter_map(char::from_u32).map(String::from).collect();
    samples.extend(["😀", "\u{10FFFF}", "/finesse/api/Team/Dev Ops/Zoë", "a|b&c=d#e?f", "%41%", "\u{FFFD}\u{E000}"].map(String::from));
    for s in &samples {
        let js: String = js_sys::encode_uri(s).into();
        assert_eq!(ours(s), js, "encodeURI({s:?})");
    }
}

#[wasm_bindgen_test]
fn scram_sha512_in_wasm() {
    let nonce = base64::decode("fyko+d2lbbFgONRv9qkxdawL").unwrap();
    let mut c = SaslClient::new(Mechanism::ScramSha512, "user", Secret::Password("pencil"), &nonce).unwrap();
    assert_eq!(c.initial_response().unwrap(), b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
    let fin = c.challenge(b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096").unwrap();
    assert_eq!(
        String::from_utf8(fin).unwrap(),
        "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,\
         p=VdS8LkrURiej1tG6iX+fqCXQfUnBb//d9llXYaH+ylUbDwBUz9geyR9fC4TewskRUM2tlYSalhAT4Aay1Q5dTA=="
    );
    c.success(b"v=14PAAuavk9hxBEkgB0brDxUhvWu+N16meYk+qxVNFqchR8QPohM09Y4Z6WaTCuX4C6nqMB9KIJTDm6RpSM990g==").unwrap();
}
