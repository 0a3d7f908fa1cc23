//! The short deterministic slice the test command runs: every target for a
//! fixed seed and a few thousand inputs (unoptimized, as `cargo test`
//! builds), after replaying every file in fuzz/regressions/ and
//! fuzz/corpus/. Any panic, hang or property failure fails the test with the
//! input; `cargo run -p xmpp-tunnel-fuzz -- --target T --seed 20261207
//! --index I` saves input I of it as a regression file.

use xmpp_tunnel_fuzz::corpus::Corpus;
use xmpp_tunnel_fuzz::runner::{describe, Options};
use xmpp_tunnel_fuzz::targets;

const SEED: u64 = 20261207;

fn slice(target: &str, inputs: u64) {
    // One thread each: the test harness runs the targets side by side.
    let opts = Options { inputs, seed: SEED, threads: 1, ..Options::default() };
    let r = targets::run(target, &Corpus::default(), &opts).expect("a known target");
    println!("{}", r.summary());
    let failures: Vec<String> = r.failures.iter().map(describe).collect();
    assert!(!r.failed(), "{}\n{}", r.summary(), failures.join("\n"));
    assert!(r.replayed > 0, "no seed files for {target}");
    assert_eq!(r.inputs, inputs);
}

#[test]
fn parent() {
    slice("parent", 30_000);
}

#[test]
fn xml() {
    slice("xml", 12_000);
}

#[test]
fn xml_writer() {
    slice("xml-writer", 6_000);
}

#[test]
fn bosh() {
    slice("bosh", 6_000);
}

#[test]
fn scram() {
    slice("scram", 6_000);
}

#[test]
fn config() {
    slice("config", 12_000);
}

#[test]
fn core() {
    slice("core", 3_000);
}
