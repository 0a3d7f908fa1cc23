//! What only a browser can check about the shell, in headless Chromium
//! (wasm-bindgen-test, `run_in_browser`; scripts/test.sh runs them): the
//! origin and source gate, listeners removed with what owns them, the
//! timer's fallback when its worker is refused, WebCrypto's SCRAM against
//! RustCrypto's, and the browser's Unicode against the tables' (NFKC,
//! lower-casing).

use super::{parent, scram, socket, timer, ShellRef};
use crate::config::Config;
use crate::xmpp::sasl::{Mechanism, SaslClient, Secret};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{MessageEvent, MessageEventInit, Window};

wasm_bindgen_test_configure!(run_in_browser);

thread_local! {
    /// Inputs that reached the shell (`with`), counted for these tests.
    pub(super) static DELIVERED: Cell<u32> = const { Cell::new(0) };
}

fn delivered() -> u32 {
    DELIVERED.with(Cell::get)
}

fn window() -> Window {
    web_sys::window().expect("a window")
}

fn own_origin() -> String {
    window().location().origin().expect("an origin")
}

/// A shell over the default configuration, neither listening nor started.
fn shell() -> ShellRef {
    super::Shell::create(&window(), Some(r#"{"allowedOrigins":["https://desk.example"]}"#.into()), None)
}

/// Resolves after `ms` (on the page's own timers).
async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(p).await;
}

fn message(data: &JsValue, origin: &str, source: Option<&Window>) -> MessageEvent {
    let init = MessageEventInit::new();
    init.set_data(data);
    init.set_origin(origin);
    init.set_source_opt_window(source);
    MessageEvent::new_with_event_init_dict("message", &init).expect("a message event")
}

/// A frame of the page's own: a window that is not our parent.
fn sibling() -> Window {
    let doc = window().document().expect("a document");
    let frame: web_sys::HtmlIFrameElement = doc.create_element("iframe").expect("an iframe").unchecked_into();
    doc.body().expect("a body").append_child(&frame).expect("appended");
    frame.content_window().expect("its window")
}

#[wasm_bindgen_test]
fn the_gate_takes_only_the_parent_on_an_allowed_origin() {
    use parent::{judge, Verdict};
    let w = window();
    // The test page is a top-level page: its parent is itself.
    let (cfg, _) = Config::parse(r#"{"allowedOrigins":["https://desk.example"],"maxParentMessageBytes":300}"#);
    let own = own_origin();
    let link = parent::ParentLink::new(&w, &cfg, &own);
    let text = JsValue::from_str("1|agent1");
    let judged = |data: &JsValue, origin: &str, source: Option<&Window>| judge(&message(data, origin, source), &link, &cfg, &own);
    assert_eq!(judged(&text, "https://desk.example", Some(&w)), Verdict::Accept("1|agent1".into()));
    assert_eq!(judged(&text, &own, Some(&w)), Verdict::Accept("1|agent1".into()), "the tunnel's own origin");
    // An allowed origin is not enough: the source must be the parent.
    assert_eq!(judged(&text, "https://desk.example", Some(&sibling())), Verdict::Ignore);
    assert_eq!(judged(&text, "https://desk.example", None), Verdict::Ignore);
    // Nor is the parent on an origin that is not allowed.
    for origin in ["https://evil.example", "https://desk.example.evil.net", "null", ""] {
        assert_eq!(judged(&text, origin, Some(&w)), Verdict::Ignore, "{origin}");
    }
    assert_eq!(judged(&JsValue::from_f64(7.0), "https://desk.example", Some(&w)), Verdict::NotString);
    assert_eq!(judged(&js_sys::Object::new(), "https://desk.example", Some(&w)), Verdict::NotString);
    let long = JsValue::from_str(&"x".repeat(301));
    assert_eq!(judged(&long, "https://desk.example", Some(&w)), Verdict::TooLong);
    // Measured in UTF-16 units before the copy: 300 of them pass.
    assert!(matches!(judged(&JsValue::from_str(&"é".repeat(300)), "https://desk.example", Some(&w)), Verdict::Accept(_)));
}

#[wasm_bindgen_test]
fn a_dropped_socket_reports_nothing() {
    let sh = shell();
    // Port 9 (discard) on loopback: nothing answers; events are ours to send.
    let sock = socket::Socket::open(&sh, 1, "ws://127.0.0.1:9/ws/").expect("a socket");
    let ws = sock.target();
    let frame = message(&JsValue::from_str("<a/>"), "ws://127.0.0.1:9", None);
    let before = delivered();
    ws.dispatch_event(&frame).expect("dispatched");
    assert_eq!(delivered(), before + 1, "a live socket's message reaches the shell");
    drop(sock);
    ws.dispatch_event(&message(&JsValue::from_str("<a/>"), "ws://127.0.0.1:9", None)).expect("dispatched");
    ws.dispatch_event(&web_sys::Event::new("close").expect("an event")).expect("dispatched");
    assert_eq!(delivered(), before + 1, "nothing after the drop");
}

#[wasm_bindgen_test]
fn a_dropped_request_reports_nothing() {
    let sh = shell();
    let req = super::http::HttpRequest::post(&sh, 1, 7, "http://127.0.0.1:9/http-bind/", "<body/>").expect("a request");
    let xhr = req.target();
    let before = delivered();
    drop(req);
    for kind in ["load", "error"] {
        xhr.dispatch_event(&web_sys::Event::new(kind).expect("an event")).expect("dispatched");
    }
    assert_eq!(delivered(), before, "an aborted request never answers");
    // And a live one does (the same listeners, not yet dropped).
    let req = super::http::HttpRequest::post(&sh, 1, 8, "http://127.0.0.1:9/http-bind/", "<body/>").expect("a request");
    req.target().dispatch_event(&web_sys::Event::new("error").expect("an event")).expect("dispatched");
    assert_eq!(delivered(), before + 1);
}

#[wasm_bindgen_test]
fn the_parent_listener_goes_with_the_shell() {
    let w = window();
    let sh = shell();
    let listener = parent::listen(&w, &sh, own_origin());
    let before = delivered();
    w.dispatch_event(&message(&JsValue::from_str("14|"), &own_origin(), Some(&w))).expect("dispatched");
    assert_eq!(delivered(), before + 1);
    drop(listener);
    w.dispatch_event(&message(&JsValue::from_str("14|"), &own_origin(), Some(&w))).expect("dispatched");
    assert_eq!(delivered(), before + 1);
}

/// A timer whose firings are counted.
fn counted_timer() -> (timer::Timer, Rc<Cell<u32>>) {
    let fired = Rc::new(Cell::new(0));
    let f = fired.clone();
    (timer::Timer::new(move || f.set(f.get() + 1)), fired)
}

/// Replaces `window.Worker` with `replacement` (JavaScript) until the
/// returned original is put back.
fn replace_worker(replacement: &str) -> JsValue {
    let w = window();
    let original = js_sys::Reflect::get(&w, &"Worker".into()).expect("Worker");
    let f = js_sys::Function::new_with_args("Original", replacement).call1(&JsValue::NULL, &original).expect("a function");
    js_sys::Reflect::set(&w, &"Worker".into(), &f).expect("replaced");
    original
}

fn restore_worker(original: &JsValue) {
    js_sys::Reflect::set(&window(), &"Worker".into(), original).expect("restored");
}

#[wasm_bindgen_test]
async fn the_timer_runs_in_a_worker_where_it_can() {
    let (mut t, fired) = counted_timer();
    assert!(t.use_worker());
    assert!(t.in_worker());
    t.arm(20);
    sleep(200).await;
    assert_eq!(fired.get(), 1);
    // Re-arming replaces; a negative delay disarms.
    t.arm(30);
    t.arm(-1);
    sleep(150).await;
    assert_eq!(fired.get(), 1);
}

#[wasm_bindgen_test]
async fn the_timer_falls_back_when_a_worker_is_refused() {
    // Refused at once (a CSP without worker-src blob: throws).
    let original = replace_worker("return function () { throw new DOMException('refused by the test', 'SecurityError'); }");
    let (mut t, fired) = counted_timer();
    let moved = t.use_worker();
    restore_worker(&original);
    assert!(!moved && !t.in_worker());
    t.arm(20);
    sleep(200).await;
    assert_eq!(fired.get(), 1, "on setTimeout");
    // Refused later: the worker fails to run (an error event).
    let original = replace_worker(
        "return function () { return new Original(URL.createObjectURL(new Blob(['throw new Error(1)'], {type: 'text/javascript'}))); }",
    );
    let (mut t, fired) = counted_timer();
    assert!(t.use_worker());
    restore_worker(&original);
    t.arm(5_000);
    sleep(300).await;
    assert_eq!(fired.get(), 1, "the error fires the timer once, so that its owner re-arms");
    assert!(!t.in_worker());
    t.arm(20);
    sleep(200).await;
    assert_eq!(fired.get(), 2, "re-armed on setTimeout");
}

/// A SCRAM exchange stopped where the core asks for its keys and proof.
fn deriving(mech: Mechanism, secret: Secret<'_>) -> SaslClient {
    let nonce = crate::xmpp::sasl::base64::decode("fyko+d2lbbFgONRv9qkxdawL").expect("base64");
    let mut c = SaslClient::new(mech, "user", secret, &nonce).expect("a client");
    c.initial_response().expect("client-first");
    let first = b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
    assert_eq!(c.step(first, true), Ok(None));
    c
}

#[wasm_bindgen_test]
async fn web_crypto_gives_the_proof_rust_crypto_gives() {
    for mech in [Mechanism::ScramSha1, Mechanism::ScramSha256, Mechanism::ScramSha512] {
        let c = deriving(mech, Secret::Password("pencil"));
        let d = c.derivation().expect("a derivation");
        let ours = d.compute();
        let web = scram::compute(&scram::Ask::new(&d), None).await;
        assert_eq!(web, ours, "{mech:?}");
        assert_eq!(web.len(), d.answer_len());
        // A reconnect's derivation: the cached keys instead of the password.
        let mut done = deriving(mech, Secret::Password("pencil"));
        let fin = done.derived(&ours).expect("client-final");
        assert!(!fin.is_empty());
        let server_signature = &ours[3 * ours.len() / 4..];
        let v = format!("v={}", crate::xmpp::sasl::base64::encode(server_signature));
        done.success(v.as_bytes()).expect("the server's signature checks out");
        let keys = done.take_keys().expect("keys");
        let c = deriving(mech, Secret::Keys(&keys));
        let d = c.derivation().expect("a keyed derivation");
        assert!(d.keyed);
        assert_eq!(scram::compute(&scram::Ask::new(&d), None).await, d.compute(), "{mech:?} keyed");
    }
}

#[wasm_bindgen_test]
async fn without_web_crypto_the_fallback_computes_it() {
    let c = deriving(Mechanism::ScramSha1, Secret::Password("pencil"));
    let d = c.derivation().expect("a derivation");
    // crypto.subtle hidden, as in an insecure context.
    let hide = js_sys::Function::new_no_args(
        "const d = Object.getOwnPropertyDescriptor(Crypto.prototype, 'subtle');
         Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined, configurable: true });
         return () => Object.defineProperty(Crypto.prototype, 'subtle', d);",
    );
    let restore: js_sys::Function = hide.call0(&JsValue::NULL).expect("hidden").unchecked_into();
    assert!(scram::compute(&scram::Ask::new(&d), None).await.is_empty(), "neither: no answer");
    // The fallback gets the derivation's inputs and its answer is used.
    let fallback = js_sys::Function::new_with_args(
        "bits, keyed, secret, salt, iterations, auth",
        "return Promise.resolve(new Uint8Array(80).fill(bits === 160 && !keyed && iterations === 4096 && salt.length === 12 ? 1 : 2));",
    );
    let answer = scram::compute(&scram::Ask::new(&d), Some(&fallback)).await;
    restore.call0(&JsValue::NULL).expect("restored");
    assert_eq!(answer, vec![1; 80]);
    assert!(super::scram::compute(&scram::Ask::new(&d), None).await.len() == 80, "WebCrypto is back");
}

/// The code points the browser's Unicode has assigned: the tables may be of
/// a later version than the browser's, and differ on what it does not know.
fn assigned_in_the_browser() -> impl Iterator<Item = char> {
    let unassigned = js_sys::RegExp::new("^\\p{Cn}$", "u");
    (0u32..0x30000).filter_map(char::from_u32).filter(move |c| !unassigned.test(&c.to_string()))
}

#[wasm_bindgen_test]
fn nfkc_is_the_browsers_and_agrees_with_the_tables() {
    use unicode_normalization::UnicodeNormalization;
    assert_eq!(super::browser_nfkc("\u{FF30}\u{FF41}\u{FF53}\u{FF53}-Zoe\u{301}"), "Pass-Zo\u{E9}");
    let mut differ = Vec::new();
    for c in assigned_in_the_browser() {
        // After the character, a combining accent: composition is checked too.
        let s = format!("{c}\u{301}");
        let (browser, tables) = (super::browser_nfkc(&s), s.nfkc().collect::<String>());
        if browser != tables {
            differ.push((c, browser, tables));
        }
    }
    assert!(differ.is_empty(), "{} differences: {:?}", differ.len(), &differ[..differ.len().min(16)]);
}

#[wasm_bindgen_test]
fn lower_casing_is_the_browsers_and_agrees_with_std() {
    assert_eq!(super::browser_lowercase("ÅSA.ÖBERG ΣΟΦΙΑΣ İ"), "åsa.öberg σοφιας i\u{307}");
    let mut differ = Vec::new();
    for c in assigned_in_the_browser() {
        // Between letters, and before a final sigma.
        let s = format!("A{c}Σ");
        if super::browser_lowercase(&s) != s.to_lowercase() {
            differ.push(c);
        }
    }
    assert!(differ.is_empty(), "{} differences: {:?}", differ.len(), &differ[..differ.len().min(16)]);
}

/// The bootstrap's early stream object, for `ws`.
fn early_stream(ws: &web_sys::WebSocket, sent: Option<&str>) -> super::early::EarlyStream {
    let o = js_sys::Object::new();
    let take = js_sys::Function::new_no_args("return []");
    for (key, value) in [("socket", ws.into()), ("sent", sent.map_or(JsValue::UNDEFINED, JsValue::from_str)), ("take", take.into())] {
        js_sys::Reflect::set(&o, &key.into(), &value).expect("a property");
    }
    o.unchecked_into()
}

/// A shell whose tunnel is logging in to d.example over `url`:
/// connection 1, not yet opened.
fn logging_in(url: &str) -> ShellRef {
    let config = format!(r#"{{"allowedOrigins":["https://desk.example"],"websocket":["{url}"]}}"#);
    let sh = super::Shell::create(&window(), Some(config), None);
    for m in ["1|agent", "5|d.example", "2|pw"] {
        sh.borrow_mut().tunnel.handle_parent(0, m);
    }
    sh
}

#[wasm_bindgen_test]
fn the_early_socket_serves_a_first_connection_to_its_url_only() {
    let url = "ws://127.0.0.1:9/ws/";
    let early = |url: &str| web_sys::WebSocket::new_with_str(url, "xmpp").expect("a socket");
    let sh = logging_in(url);
    // Taken over for its own URL, still connecting.
    sh.borrow_mut().early = Some(early_stream(&early(url), None));
    let taken = sh.borrow_mut().take_early(&sh, 1);
    assert!(taken.is_some_and(|s| s.conn == 1));
    assert!(sh.borrow().early.is_none());
    // Another URL: closed, and the caller opens its own.
    let ws = early("ws://127.0.0.1:9/other/");
    sh.borrow_mut().early = Some(early_stream(&ws, None));
    assert!(sh.borrow_mut().take_early(&sh, 1).is_none());
    assert!(ws.ready_state() >= web_sys::WebSocket::CLOSING, "closed (or closing)");
    // A socket that closed meanwhile is not taken over.
    let ws = early(url);
    ws.close().expect("closed");
    sh.borrow_mut().early = Some(early_stream(&ws, None));
    assert!(sh.borrow_mut().take_early(&sh, 1).is_none());
    // Nor does a BOSH start leave it open.
    let ws = early(url);
    sh.borrow_mut().early = Some(early_stream(&ws, None));
    sh.borrow_mut().drop_early();
    assert!(ws.ready_state() >= web_sys::WebSocket::CLOSING);
}

/// A stream header the page sent early must be the one the login would
/// send (its domain): otherwise the socket is closed, not taken.
#[wasm_bindgen_test]
fn the_early_stream_serves_only_a_login_to_the_domain_it_opened() {
    let url = "ws://127.0.0.1:9/ws/";
    let sh = logging_in(url);
    let header = |domain: &str| format!("<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"{domain}\" version=\"1.0\"/>");
    let ws = web_sys::WebSocket::new_with_str(url, "xmpp").expect("a socket");
    sh.borrow_mut().early = Some(early_stream(&ws, Some(&header("other.example"))));
    assert!(sh.borrow_mut().take_early(&sh, 1).is_none(), "another domain's stream");
    assert!(ws.ready_state() >= web_sys::WebSocket::CLOSING);
    let ws = web_sys::WebSocket::new_with_str(url, "xmpp").expect("a socket");
    sh.borrow_mut().early = Some(early_stream(&ws, Some(&header("d.example"))));
    assert!(sh.borrow_mut().take_early(&sh, 1).is_some_and(|s| s.conn == 1));
}
