//! The core's receive path, natively: bytes of a pubsub notification in
//! (`handle_message`) → the parent's EVENT out (`poll_output`), in MB/s of
//! frames, so that a regression shows without a browser. `cargo bench
//! --bench receive [-- N]`; part of `npm run bench`.

use std::time::Instant;
use xmpp_tunnel::tunnel::Output;

mod driver;
use driver::{connected, notification};

fn main() {
    let n: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let frames: Vec<String> = (0..1000).map(notification).collect();
    let frame_bytes: usize = frames.iter().map(String::len).sum::<usize>() / frames.len();
    let mut runs = Vec::new();
    for _ in 0..5 {
        let mut d = connected();
        let (mut bytes_in, mut bytes_out, mut events) = (0u64, 0u64, 0u64);
        let start = Instant::now();
        for i in 0..n {
            let f = &frames[(i % 1000) as usize];
            d.t.handle_message(0, d.conn, f);
            bytes_in += f.len() as u64;
            while let Some(o) = d.t.poll_output() {
                if let Output::Parent(m) = o {
                    bytes_out += m.len() as u64;
                    events += m.starts_with("0|") as u64;
                }
            }
        }
        let s = start.elapsed().as_secs_f64();
        assert_eq!(events, n, "every notification must become one EVENT");
        runs.push((bytes_in as f64 / s / 1e6, n as f64 / s, bytes_out as f64 / s / 1e6));
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mbs, eps, out) = runs[runs.len() / 2];
    println!(
        "core receive path (native, release): {n} notifications of {frame_bytes} B, median of 5: \
         {mbs:.0} MB/s in, {eps:.0} events/s, {out:.0} MB/s out to the parent"
    );
}
