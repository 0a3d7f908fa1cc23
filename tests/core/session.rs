//! Negotiation transcripts: SCRAM against an independent server-side
//! computation, PLAIN, legacy session, and the failure paths.

use xmpp_tunnel::xml::{parse, Element, Limits};
use xmpp_tunnel::xmpp::sasl::{base64, SaslError};
use xmpp_tunnel::xmpp::session::{Login, Session, SessionError, SessionOut, Step};
use hmac_ref::{Hmac, Mac};
use sha1_ref::{Digest, Sha1};

/// A parsed element that outlives the statement (a test may keep what the
/// session returns about it).
fn el(s: &str) -> Element<'static> {
    Box::leak(Box::new(parse(s, &Limits::SERVER).unwrap())).root()
}

fn login(allow_plain: bool) -> Login {
    Login { domain: "d".into(), user: "user".into(), password: xmpp_tunnel::password::Password::new("pencil"), allow_plain, nonce: vec![7; 18], derive_elsewhere: false, nfkc: xmpp_tunnel::xmpp::sasl::native_nfkc(), min_iterations: xmpp_tunnel::xmpp::sasl::MIN_ITERATIONS }
}

fn outputs(s: &mut Session) -> Vec<SessionOut> {
    core::iter::from_fn(|| s.poll_output()).collect()
}

fn sent(s: &mut Session) -> String {
    match outputs(s).pop() {
        Some(SessionOut::Send(x)) => x,
        o => panic!("expected a stanza, got {o:?}"),
    }
}

fn sasl_payload(xml: &str) -> String {
    let e = el(xml);
    String::from_utf8(base64::decode(e.text().trim()).unwrap()).unwrap()
}

const FEATURES: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
    <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1-PLUS</mechanism>\
    <mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>";

const PLAIN_ONLY: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
    <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";

fn hmac1(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha1> as Mac>::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// RFC 5802 §3 (PBKDF2 with HMAC-SHA-1), written out independently of the
/// client code.
pub fn salted_password(password: &str, salt: &[u8], i: u32) -> Vec<u8> {
    let mut block = salt.to_vec();
    block.extend_from_slice(&[0, 0, 0, 1]);
    let mut u = hmac1(password.as_bytes(), &block);
    let mut salted = u.clone();
    for _ in 1..i {
        u = hmac1(password.as_bytes(), &u);
        salted.iter_mut().zip(&u).for_each(|(a, b)| *a ^= b);
    }
    salted
}

/// What the shell answers a derivation with (ClientKey || ServerKey ||
/// ClientProof || ServerSignature), written out independently too.
pub fn scram_answer(password: &str, salt: &[u8], i: u32, auth_message: &[u8]) -> Vec<u8> {
    let salted = salted_password(password, salt, i);
    let (client_key, server_key) = (hmac1(&salted, b"Client Key"), hmac1(&salted, b"Server Key"));
    let signature = hmac1(&Sha1::digest(&client_key), auth_message);
    let proof: Vec<u8> = client_key.iter().zip(&signature).map(|(a, b)| a ^ b).collect();
    [client_key.clone(), server_key.clone(), proof, hmac1(&server_key, auth_message)].concat()
}

/// RFC 5802 §3, server side.
pub fn server_signature(password: &str, salt: &[u8], i: u32, auth_message: &str) -> Vec<u8> {
    let salted = salted_password(password, salt, i);
    let server_key = hmac1(&salted, b"Server Key");
    let _ = Sha1::digest(b"");
    hmac1(&server_key, auth_message.as_bytes())
}

/// Drives a SCRAM-SHA-1 login up to the restart; returns the session.
fn scram_login(tamper: bool) -> Result<Session, SessionError> {
    scram_login_deriving(tamper, None)
}

/// The same with `derive_elsewhere`: the caller hands in `salted` (None:
/// the session derives it itself).
/// The answer a caller hands in, from the salt and the AuthMessage.
type Derive<'a> = &'a dyn Fn(&[u8], &[u8]) -> Vec<u8>;

fn scram_login_deriving(tamper: bool, salted: Option<Derive>) -> Result<Session, SessionError> {
    let mut s = Session::new(Login { derive_elsewhere: salted.is_some(), ..login(false) }, Some("desk".into()), None);
    assert_eq!(outputs(&mut s), [SessionOut::OpenStream]);
    s.stream_opened()?;
    s.element(el(FEATURES))?;
    let auth = sent(&mut s);
    assert!(auth.contains("mechanism=\"SCRAM-SHA-1\""), "{auth}");
    let client_first = sasl_payload(&auth);
    let bare = client_first.strip_prefix("n,,").unwrap().to_string();
    let cnonce = bare.split("r=").nth(1).unwrap().to_string();
    let salt = b"salt-of-the-earth";
    let server_first = format!("r={cnonce}SERVERNONCE,s={},i=4096", base64::encode(salt));
    s.element(el(&format!(
        "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</challenge>",
        base64::encode(server_first.as_bytes())
    )))?;
    if let Some(derive) = salted {
        assert_eq!(outputs(&mut s), [SessionOut::Derive], "nothing is sent before the derivation");
        let d = s.derivation().expect("the derivation asked for");
        assert_eq!((d.bits(), d.secret, d.keyed, d.salt, d.iterations), (160, &b"pencil"[..], false, &salt[..], 4096));
        let given = derive(d.salt, d.auth);
        s.derived(&given)?;
    }
    let client_final = sasl_payload(&sent(&mut s));
    let without_proof = client_final.split(",p=").next().unwrap();
    let auth_message = format!("{bare},{server_first},{without_proof}");
    let mut sig = server_signature("pencil", salt, 4096, &auth_message);
    if tamper {
        sig[0] ^= 1;
    }
    let v = format!("v={}", base64::encode(&sig));
    s.element(el(&format!("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</success>", base64::encode(v.as_bytes()))))?;
    Ok(s)
}

#[test]
fn scram_sha1_bind_and_legacy_session() {
    let mut s = scram_login(false).unwrap();
    assert_eq!(outputs(&mut s), [SessionOut::OpenStream], "restart after SASL success");
    s.stream_opened().unwrap();
    s.element(el("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>\
                  <session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>")).unwrap();
    assert!(sent(&mut s).contains("<resource>desk</resource>"));
    assert!(!s.set_resource(Some("other".into())), "binding already asked for 'desk'");
    assert!(s.set_resource(Some("desk".into())));
    let step = s.element(el("<iq xmlns='jabber:client' type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
                             <jid>user@d/desk-1</jid></bind></iq>")).unwrap();
    assert_eq!(step, Step::Nothing, "mandatory legacy session comes first");
    assert_eq!(sent(&mut s), "<iq xmlns=\"jabber:client\" type=\"set\" id=\"sess\"><session xmlns=\"urn:ietf:params:xml:ns:xmpp-session\"/></iq>");
    let step = s.element(el("<iq xmlns='jabber:client' type='result' id='sess'/>")).unwrap();
    assert_eq!(step, Step::Ready { jid: "user@d/desk-1".into() });
    assert!(s.is_ready());
    let m = s.element(el("<message xmlns='jabber:client'/>")).unwrap();
    assert!(matches!(m, Step::Stanza(_)));
}

#[test]
fn scram_derivation_left_to_the_caller() {
    let right = |salt: &[u8], auth: &[u8]| scram_answer("pencil", salt, 4096, auth);
    let mut s = scram_login_deriving(false, Some(&right)).unwrap();
    assert_eq!(outputs(&mut s), [SessionOut::OpenStream]);
    // A late or repeated result is ignored.
    s.derived(&right(b"salt-of-the-earth", b"")).unwrap();
    assert_eq!(outputs(&mut s), []);
    assert!(s.derivation().is_none());
    // The caller could not compute it: the session does (it has the hashes).
    assert!(scram_login_deriving(false, Some(&|_: &[u8], _: &[u8]| vec![])).is_ok());
    // A wrong answer fails the server's signature, as it must.
    let e = scram_login_deriving(false, Some(&|_: &[u8], _: &[u8]| vec![1; 80])).err().unwrap();
    assert!(matches!(e, SessionError::Sasl(SaslError::ServerSignatureMismatch)), "{e:?}");
}

#[test]
fn scram_server_signature_mismatch_is_an_auth_failure() {
    let e = scram_login(true).err().unwrap();
    assert!(matches!(e, SessionError::Sasl(SaslError::ServerSignatureMismatch)), "{e:?}");
    assert!(e.is_auth());
}

#[test]
fn plain_when_allowed_and_no_mechanism_otherwise() {
    let mut s = Session::new(login(true), None, None);
    outputs(&mut s);
    s.stream_opened().unwrap();
    let only_plain = "<stream:features xmlns:stream=\"http://etherx.jabber.org/streams\"><mechanisms xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">\
                      <mechanism>PLAIN</mechanism></mechanisms></stream:features>";
    s.element(el(only_plain)).unwrap();
    assert_eq!(sasl_payload(&sent(&mut s)), "\0user\0pencil");
    let mut s = Session::new(login(false), None, None);
    s.stream_opened().unwrap();
    assert_eq!(s.element(el(only_plain)), Err(SessionError::NoMechanism));
    let mut s = Session::new(login(false), None, None);
    s.stream_opened().unwrap();
    let none = "<stream:features xmlns:stream=\"http://etherx.jabber.org/streams\"/>";
    assert_eq!(s.element(el(none)), Err(SessionError::NoMechanism));
}

#[test]
fn bind_without_resource_and_bind_errors() {
    let mut s = Session::new(login(true), None, None);
    s.stream_opened().unwrap();
    s.element(el("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
                  <mechanism>PLAIN</mechanism></mechanisms></stream:features>")).unwrap();
    s.element(el("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")).unwrap();
    s.stream_opened().unwrap();
    outputs(&mut s);
    s.element(el("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>")).unwrap();
    assert_eq!(sent(&mut s), "<iq xmlns=\"jabber:client\" type=\"set\" id=\"bind\"><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"/></iq>");
    // Other stanzas while binding go up (a server ping must be answered).
    assert!(matches!(s.element(el("<presence xmlns='jabber:client'/>")), Ok(Step::Stanza(_))));
    let e = s.element(el("<iq xmlns='jabber:client' type='error' id='bind'><error type='cancel'>\
                          <not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"));
    assert_eq!(e, Err(SessionError::Bind("not-allowed".into())));
}

#[test]
fn failures_and_stream_errors() {
    let mut s = Session::new(login(true), None, None);
    assert!(matches!(s.element(el("<x/>")), Err(SessionError::Unexpected(_))), "element before header");
    s.stream_opened().unwrap();
    assert!(s.stream_opened().is_err());
    let mut s = Session::new(login(true), None, None);
    s.stream_opened().unwrap();
    assert!(matches!(s.element(el("<message xmlns='jabber:client'/>")), Err(SessionError::Unexpected(_))));
    let mut s = Session::new(login(true), None, None);
    s.stream_opened().unwrap();
    let e = s.element(el("<stream:error xmlns:stream='http://etherx.jabber.org/streams'>\
                          <host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"));
    assert_eq!(e, Err(SessionError::Stream { condition: "host-unknown".into(), text: String::new() }));
    let mut s = Session::new(login(true), None, None);
    s.stream_opened().unwrap();
    s.element(el(FEATURES)).unwrap();
    let e = s.element(el("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text>bad</text></failure>")).unwrap_err();
    assert_eq!(e, SessionError::AuthFailed("not-authorized".into()));
    assert!(e.is_auth());
    let mut s = Session::new(login(true), None, None);
    s.stream_opened().unwrap();
    s.element(el(FEATURES)).unwrap();
    let e = s.element(el("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>!!notbase64</challenge>"));
    assert!(matches!(e, Err(SessionError::Unexpected(_))));
}

#[test]
fn wrong_namespaces_are_protocol_errors() {
    // Features in the client namespace instead of the stream namespace.
    let mut s = Session::new(login(true), None, None);
    s.stream_opened().unwrap();
    let e = s.element(el("<features xmlns='jabber:client'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
                          <mechanism>PLAIN</mechanism></mechanisms></features>"));
    assert!(matches!(e, Err(SessionError::Unexpected(_))), "{e:?}");
    // Mechanisms in a foreign namespace are not SASL mechanisms.
    let mut s = Session::new(login(true), None, None);
    s.stream_opened().unwrap();
    let e = s.element(el("<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
                          <mechanisms xmlns='urn:evil'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"));
    assert_eq!(e, Err(SessionError::NoMechanism));
    // A SASL success in the wrong namespace is not a success.
    let mut s = Session::new(login(true), None, None);
    s.stream_opened().unwrap();
    s.element(el(FEATURES)).unwrap();
    let e = s.element(el("<success xmlns='jabber:client'/>"));
    assert!(matches!(e, Err(SessionError::Unexpected(_))), "{e:?}");
    // A bind result whose <jid> is outside the bind namespace binds nothing.
    let mut s = Session::new(login(true), None, None);
    s.stream_opened().unwrap();
    s.element(el(PLAIN_ONLY)).unwrap();
    s.element(el("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")).unwrap();
    s.stream_opened().unwrap();
    s.element(el("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>")).unwrap();
    let e = s.element(el("<iq xmlns='jabber:client' type='result' id='bind'><bind xmlns='urn:other'><jid>u@d/r</jid></bind></iq>"));
    assert_eq!(e, Err(SessionError::Bind("no-jid".into())));
}

#[test]
fn a_page_that_cannot_compute_scram_is_not_a_wrong_password() {
    assert!(!SessionError::Sasl(SaslError::DerivationFailed).is_auth());
    assert!(SessionError::Sasl(SaslError::ServerSignatureMismatch).is_auth());
}
