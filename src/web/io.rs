//! What the tunnel page's JavaScript provides (the import object `io` in
//! www/tunnel/shell.js): thin wrappers over browser APIs, no decisions.
//! Strings go out as (pointer, length) of UTF-8 in wasm memory, which the
//! page decodes before the call returns.
#![allow(unsafe_code)]

mod raw {
    #[link(wasm_import_module = "io")]
    extern "C" {
        pub fn post_to(msg: *const u8, msg_len: usize, origin: *const u8, origin_len: usize);
        pub fn target(origin: *const u8, len: usize);
        pub fn post(msg: *const u8, len: usize);
        pub fn open(conn: u32, url: *const u8, len: usize) -> u32;
        pub fn send(conn: u32, data: *const u8, len: usize);
        pub fn http(conn: u32, rid: f64, url: *const u8, url_len: usize, body: *const u8, body_len: usize) -> u32;
        pub fn abort(conn: u32, rid: f64);
        pub fn close(conn: u32);
        pub fn log(line: *const u8, len: usize);
        pub fn arm(ms: i32);
        pub fn now() -> f64;
        pub fn random(buf: *mut u8, len: usize);
        pub fn derive(conn: u32, bits: u32, keyed: u32, secret: *const u8, secret_len: usize, salt: *const u8,
            salt_len: usize, iterations: u32, auth: *const u8, auth_len: usize);
    }
}

// SAFETY (every call below): the page's functions read (or, for `random`,
// write) exactly the given ranges of our memory, synchronously, and never
// call back into the module.

/// `parent.postMessage(msg, origin)`.
pub fn post_to(msg: &str, origin: &str) {
    unsafe { raw::post_to(msg.as_ptr(), msg.len(), origin.as_ptr(), origin.len()) }
}

/// Where `post` goes from now on.
pub fn target(origin: &str) {
    unsafe { raw::target(origin.as_ptr(), origin.len()) }
}

/// `parent.postMessage(msg, target)`.
pub fn post(msg: &str) {
    unsafe { raw::post(msg.as_ptr(), msg.len()) }
}

/// A WebSocket with subprotocol `xmpp`, reporting as `conn`; false if the
/// browser refused the URL outright.
pub fn open(conn: u32, url: &str) -> bool {
    unsafe { raw::open(conn, url.as_ptr(), url.len()) != 0 }
}

pub fn send(conn: u32, data: &str) {
    unsafe { raw::send(conn, data.as_ptr(), data.len()) }
}

/// POSTs a BOSH body, replacing an earlier request with the same
/// (conn, rid); false if the browser refused it outright.
pub fn http(conn: u32, rid: f64, url: &str, body: &str) -> bool {
    unsafe { raw::http(conn, rid, url.as_ptr(), url.len(), body.as_ptr(), body.len()) != 0 }
}

/// Stops waiting for a request; it reports nothing afterwards.
pub fn abort(conn: u32, rid: f64) {
    unsafe { raw::abort(conn, rid) }
}

/// Closes the socket and aborts the requests of `conn`, silently.
pub fn close(conn: u32) {
    unsafe { raw::close(conn) }
}

pub fn log(line: &str) {
    unsafe { raw::log(line.as_ptr(), line.len()) }
}

/// Calls `tunnel_timeout` once after `ms`, replacing what was armed.
pub fn arm(ms: i32) {
    unsafe { raw::arm(ms) }
}

/// `performance.now()`.
pub fn now() -> f64 {
    unsafe { raw::now() }
}

/// `crypto.getRandomValues`.
pub fn random(buf: &mut [u8]) {
    unsafe { raw::random(buf.as_mut_ptr(), buf.len()) }
}

/// SCRAM's keys and proof (`sasl::Derivation`, with SHA-1, SHA-256 or
/// SHA-512 for `bits` 160, 256, 512) by WebCrypto, or by the page's fallback
/// module where it has none, reported later through `tunnel_derived`. The
/// page copies the secret and wipes its copies once done.
pub fn derive(conn: u32, bits: u32, keyed: bool, secret: &[u8], salt: &[u8], iterations: u32, auth: &[u8]) {
    unsafe {
        raw::derive(conn, bits, keyed as u32, secret.as_ptr(), secret.len(), salt.as_ptr(), salt.len(), iterations,
            auth.as_ptr(), auth.len())
    }
}
