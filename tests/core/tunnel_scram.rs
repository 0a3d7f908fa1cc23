//! SCRAM through the whole tunnel with the salted password derived by the
//! shell (`derive_elsewhere`, as the browser shell does with WebCrypto):
//! the request, its answer, stale and missing answers, and a connection that
//! ends while it waits.

use crate::session::{scram_answer, server_signature};
use crate::tunnel::{Harness, FEATURES_BIND, OPEN};
use xmpp_tunnel::xml::{parse, Limits};
use xmpp_tunnel::xmpp::sasl::base64;

pub const FEATURES_SCRAM: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
    <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>";
const SALT: &[u8] = b"pepper and salt";

fn payload(xml: &str) -> String {
    let e = parse(xml, &Limits::SERVER).unwrap();
    String::from_utf8(base64::decode(e.root().text().trim()).unwrap()).unwrap()
}

fn sasl(name: &str, text: &str) -> String {
    format!("<{name} xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">{}</{name}>", base64::encode(text.as_bytes()))
}

/// A tunnel that derives elsewhere, up to the server-first-message; returns
/// the client-first-bare and the server-first.
fn to_challenge(h: &mut Harness) -> (String, String) {
    challenge_with(h, 4096)
}

/// `to_challenge`, the server asking for `iterations`.
pub fn challenge_with(h: &mut Harness, iterations: u32) -> (String, String) {
    h.t.derive_elsewhere();
    h.send_all(&["3|desk", "1|agent1", "5|d.example", "2|secret"]);
    h.opened();
    h.server(OPEN);
    h.server(FEATURES_SCRAM);
    let bare = payload(h.sent.last().unwrap()).strip_prefix("n,,").unwrap().to_string();
    let nonce = bare.split("r=").nth(1).unwrap();
    let first = format!("r={nonce}srv,s={},i={iterations}", base64::encode(SALT));
    h.take_sent();
    h.server(&sasl("challenge", &first));
    (bare, first)
}

/// The server's side after client-final: success with its signature, then bind.
fn finish(h: &mut Harness, bare: &str, first: &str) {
    let fin = payload(&h.take_sent().pop().expect("client-final sent"));
    let auth = format!("{bare},{first},{}", fin.split(",p=").next().unwrap());
    let v = format!("v={}", base64::encode(&server_signature("secret", SALT, 4096, &auth)));
    h.server(&sasl("success", &v));
    h.server(OPEN);
    h.server(FEATURES_BIND);
    let id = h.last_id();
    h.server(&format!(
        "<iq xmlns='jabber:client' type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
         <jid>agent1@d.example/desk</jid></bind></iq>"
    ));
}

#[test]
fn the_shell_derives_the_salted_password() {
    let mut h = Harness::new();
    let (bare, first) = to_challenge(&mut h);
    let conn = h.conn.unwrap();
    assert_eq!(h.derives, [conn]);
    assert!(h.sent.is_empty(), "no response before the derivation");
    let d = h.t.derivation(conn).expect("what to derive");
    assert_eq!((d.bits(), d.secret, d.keyed, d.salt, d.iterations), (160, &b"secret"[..], false, SALT, 4096));
    let answer = scram_answer("secret", SALT, 4096, d.auth);
    assert!(h.t.derivation(conn + 1).is_none());
    // An answer for another connection is ignored.
    h.t.handle_derived(h.now, conn + 1, &answer);
    h.drain();
    assert!(h.sent.is_empty());
    h.t.handle_derived(h.now, conn, &answer);
    h.drain();
    assert!(h.t.derivation(conn).is_none());
    finish(&mut h, &bare, &first);
    let p = h.take_parent();
    assert!(p.contains(&"13|logged in as agent1@d.example/desk (SCRAM-SHA-1)".to_string()), "{p:?}");
    assert_eq!(p.last().map(String::as_str), Some("4|connected"));
    // A late repeat changes nothing.
    h.take_sent();
    h.t.handle_derived(h.now, conn, &[1; 80]);
    h.drain();
    assert!(h.take_sent().is_empty() && h.take_parent().is_empty());
}

#[test]
fn an_empty_answer_and_the_core_derives_it() {
    let mut h = Harness::new();
    let (bare, first) = to_challenge(&mut h);
    let conn = h.conn.unwrap();
    h.t.handle_derived(h.now, conn, &[]);
    h.drain();
    finish(&mut h, &bare, &first);
    assert_eq!(h.take_parent().last().map(String::as_str), Some("4|connected"));
}

#[test]
fn a_wrong_answer_is_an_authentication_failure() {
    let mut h = Harness::new();
    let (bare, first) = to_challenge(&mut h);
    let conn = h.conn.unwrap();
    h.t.handle_derived(h.now, conn, &[0; 80]);
    h.drain();
    let fin = payload(&h.take_sent().pop().unwrap());
    let auth = format!("{bare},{first},{}", fin.split(",p=").next().unwrap());
    let v = format!("v={}", base64::encode(&server_signature("secret", SALT, 4096, &auth)));
    h.server(&sasl("success", &v));
    let p = h.take_parent();
    assert!(p.contains(&"4|unauthorized".to_string()), "{p:?}");
}

#[test]
fn lost_while_deriving_then_a_stale_answer() {
    let mut h = Harness::new();
    to_challenge(&mut h);
    let old = h.conn.unwrap();
    h.lose_connection();
    assert!(h.t.derivation(old).is_none(), "the request died with its connection");
    h.advance(60_000);
    let new = h.conn.unwrap();
    assert_ne!(new, old, "reconnected");
    let sent_before = h.sent.len();
    h.t.handle_derived(h.now, old, &[0; 80]);
    h.drain();
    assert_eq!(h.sent.len(), sent_before, "nothing sent for the old connection");
}

#[test]
fn no_answer_at_all_and_the_connect_timeout_applies() {
    let mut h = Harness::new();
    to_challenge(&mut h);
    let old = h.conn.unwrap();
    h.take_parent();
    h.advance(31_000);
    let p = h.take_parent();
    assert!(p.iter().any(|m| m.starts_with("13|")), "the timeout is logged: {p:?}");
    assert!(h.closed.contains(&old), "the waiting connection is closed");
}
