//! The module's exports, which the page's JavaScript calls for every event.
//! Strings come in through one input buffer: the page asks for room
//! (`tunnel_input`), writes UTF-8 there, then calls an export with the byte
//! lengths of the strings it wrote, in order. Our own few lines instead of
//! wasm-bindgen's generated glue, which cost 3 KB gzipped on every download.
#![allow(unsafe_code)]

use super::Shell;
use crate::prelude::*;
use core::cell::UnsafeCell;

struct State {
    input: Vec<u8>,
    shell: Option<Shell>,
    /// Inside an export: a call from the page while one runs is refused
    /// (none can happen: the page's functions never call back).
    busy: bool,
}

struct Global(UnsafeCell<State>);

// SAFETY: wasm32-unknown-unknown without the atomics feature has one thread.
unsafe impl Sync for Global {}

static GLOBAL: Global = Global(UnsafeCell::new(State { input: Vec::new(), shell: None, busy: false }));

/// Runs `f` with the input buffer and the shell, unless an export is running.
fn enter(f: impl FnOnce(&[u8], &mut Option<Shell>)) {
    // SAFETY: one thread, and `busy` turns re-entry away, so this is the
    // only reference to the state while `f` runs.
    let s = unsafe { &mut *GLOBAL.0.get() };
    if s.busy {
        return;
    }
    s.busy = true;
    f(&s.input, &mut s.shell);
    s.busy = false;
}

/// Splits the input into the strings the page wrote (at most five: the first
/// `lens.len()`, the rest ""); None if the lengths do not fit. One copy for
/// every export, not one per arity.
fn strings<'a>(input: &'a [u8], lens: &[usize]) -> Option<[&'a str; 5]> {
    let mut out = [""; 5];
    let mut at: usize = 0;
    for (o, &len) in out.iter_mut().zip(lens) {
        let bytes = input.get(at..at.checked_add(len)?)?;
        // SAFETY: the page writes only TextEncoder's output (UTF-8, lone
        // surrogates replaced), whole strings, and passes the lengths it
        // wrote (www/tunnel/shell.js's `put`). Checking again would not
        // make the module safer from its page, which can write anywhere in
        // its memory, and cost the bundle core's UTF-8 validator (600 bytes)
        // and every frame a pass over its bytes.
        *o = unsafe { core::str::from_utf8_unchecked(bytes) };
        at += len;
    }
    Some(out)
}

/// Calls `f` on the shell with the strings of this call.
fn with(lens: &[usize], f: impl FnOnce(&mut Shell, [&str; 5])) {
    enter(|input, shell| {
        if let (Some(shell), Some(s)) = (shell.as_mut(), strings(input, lens)) {
            f(shell, s)
        }
    });
}

/// Room for `len` bytes of input strings; the page writes there.
#[no_mangle]
pub extern "C" fn tunnel_input(len: usize) -> *mut u8 {
    // SAFETY: as in `enter`; the buffer is not borrowed between exports.
    let s = unsafe { &mut *GLOBAL.0.get() };
    if s.busy {
        return core::ptr::null_mut();
    }
    // Grown, never cleared: zeroing it took a tenth of the module's time on
    // the receive path (a tick profile of a burst). Exports read only the
    // lengths the page says it wrote.
    if s.input.len() < len {
        s.input.resize(len, 0);
    }
    s.input.as_mut_ptr()
}

/// Input: config.json (if `flags` bit 0), `location.href`, `location.origin`,
/// `location.ancestorOrigins[0]` (or ""), `document.referrer`.
#[no_mangle]
pub extern "C" fn tunnel_start(flags: u32, config: usize, href: usize, origin: usize, ancestor: usize, referrer: usize) {
    enter(|input, shell| {
        if let (None, Some([c, h, o, a, r])) = (shell.as_ref(), strings(input, &[config, href, origin, ancestor, referrer])) {
            *shell = Some(Shell::start((flags & 1 != 0).then_some(c), h, o, a, r));
        }
    });
}

/// The size limits the page applies before copying data in: 0 parent
/// messages, 1 WebSocket frames, 2 BOSH bodies (in UTF-16 units).
#[no_mangle]
pub extern "C" fn tunnel_limit(which: u32) -> u32 {
    let mut n = 0;
    enter(|_, shell| n = shell.as_ref().map_or(0, |s| s.limit(which)));
    n
}

/// Input: the message's origin, its data (`problem` 0), or "" when it was
/// not a string (1) or too long (2).
#[no_mangle]
pub extern "C" fn tunnel_parent(origin: usize, data: usize, problem: u32) {
    with(&[origin, data], |s, [o, d, ..]| s.parent(o, d, problem));
}

/// Input: the subprotocol the server chose.
#[no_mangle]
pub extern "C" fn tunnel_opened(conn: u32, protocol: usize) {
    with(&[protocol], |s, [p, ..]| s.opened(conn, p));
}

/// Input: a text frame ("" for a binary one).
#[no_mangle]
pub extern "C" fn tunnel_message(conn: u32, text: usize) {
    with(&[text], |s, [t, ..]| s.message(conn, t));
}

#[no_mangle]
pub extern "C" fn tunnel_oversized(conn: u32) {
    with(&[], |s, _| s.oversized(conn));
}

#[no_mangle]
pub extern "C" fn tunnel_closed(conn: u32, code: u32) {
    with(&[], |s, _| s.closed(conn, code as u16));
}

/// Input: the response body.
#[no_mangle]
pub extern "C" fn tunnel_http(conn: u32, rid: f64, status: u32, body: usize) {
    with(&[body], |s, [b, ..]| s.http(conn, rid, status as u16, b));
}

/// Input: the answer to `io::derive` (bytes, not a string), or none.
#[no_mangle]
pub extern "C" fn tunnel_derived(conn: u32, len: usize) {
    enter(|input, shell| {
        if let Some(s) = shell.as_mut() {
            s.derived(conn, input.get(..len).unwrap_or_default());
        }
    });
}

#[no_mangle]
pub extern "C" fn tunnel_timeout() {
    with(&[], |s, _| s.timeout());
}

#[no_mangle]
pub extern "C" fn tunnel_unload() {
    with(&[], |s, _| s.unload());
}
