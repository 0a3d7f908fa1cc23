//! What the tunnel page's JavaScript provides (`globalThis.tunnelIO`, set
//! before `Shell.start`): thin wrappers over browser APIs, no decisions.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `parent.postMessage(msg, origin)`.
    #[wasm_bindgen(js_namespace = tunnelIO)]
    pub fn post_to(msg: &str, origin: &str);
    /// Where `post` goes from now on.
    #[wasm_bindgen(js_namespace = tunnelIO)]
    pub fn target(origin: &str);
    /// `parent.postMessage(msg, target)`.
    #[wasm_bindgen(js_namespace = tunnelIO)]
    pub fn post(msg: &str);
    /// A WebSocket with subprotocol `xmpp`, reporting as `conn`; false if
    /// the browser refused the URL outright.
    #[wasm_bindgen(js_namespace = tunnelIO)]
    pub fn open(conn: u32, url: &str) -> bool;
    #[wasm_bindgen(js_namespace = tunnelIO)]
    pub fn send(conn: u32, data: &str);
    /// POSTs a BOSH body, replacing an earlier request with the same
    /// (conn, rid); false if the browser refused it outright.
    #[wasm_bindgen(js_namespace = tunnelIO)]
    pub fn http(conn: u32, rid: f64, url: &str, body: &str) -> bool;
    /// Stops waiting for a request; it reports nothing afterwards.
    #[wasm_bindgen(js_namespace = tunnelIO)]
    pub fn abort(conn: u32, rid: f64);
    /// Closes the socket and aborts the requests of `conn`, silently.
    #[wasm_bindgen(js_namespace = tunnelIO)]
    pub fn close(conn: u32);
    #[wasm_bindgen(js_namespace = tunnelIO)]
    pub fn log(line: &str);
    /// Fires `Shell.timeout` once after `ms`, replacing what was armed; -1 disarms.
    #[wasm_bindgen(js_namespace = tunnelIO)]
    pub fn arm(ms: i32);
    /// `performance.now()`.
    #[wasm_bindgen(js_namespace = tunnelIO)]
    pub fn now() -> f64;
    /// `crypto.getRandomValues`.
    #[wasm_bindgen(js_namespace = tunnelIO)]
    pub fn random(buf: &mut [u8]);
}
