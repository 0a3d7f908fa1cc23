#![cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;
use xmpp_tunnel::tunnel::Output;

#[path = "../benches/driver.rs"]
mod driver;
use driver::{connected, notification};
#[wasm_bindgen_test]
fn receive_in_wasm() {
    let frames: Vec<String> = (0..1000).map(notification).collect();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let mut d = connected();
        let n = 20000u64;
        let start = js_sys::Date::now();
        let mut events = 0;
        for i in 0..n {
            d.t.handle_message(0, d.conn, &frames[(i % 1000) as usize]);
            while let Some(o) = d.t.poll_output() { if let Output::Parent(m) = o { events += m.starts_with("0|") as u64; } }
        }
        let us = (js_sys::Date::now() - start) * 1000.0 / n as f64;
        assert_eq!(events, n);
        best = best.min(us);
    }
    wasm_bindgen_test::console_log!("wasm receive path: {best:.2} us per notification (best of 5)");
}
