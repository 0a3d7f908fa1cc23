//! The runner itself: a target that panics, spins and fails a property on
//! known inputs must be reported as such, once per distinct failure, and
//! the same seed must give the same inputs on any number of threads.

use std::time::{Duration, Instant};
use xmpp_tunnel_fuzz::corpus::Corpus;
use xmpp_tunnel_fuzz::rng::Rng;
use xmpp_tunnel_fuzz::runner::{self, Kind, Options};
use xmpp_tunnel_fuzz::targets::Target;

struct Faulty;

impl Target for Faulty {
    type Input = u64;
    const NAME: &'static str = "faulty";
    const EXT: &'static str = "txt";

    fn new(_: &Corpus) -> Faulty {
        Faulty
    }
    fn generate(&self, rng: &mut Rng) -> u64 {
        rng.next_u64() % 500
    }
    fn seed_input(&self, seed: &str) -> u64 {
        seed.trim().parse().unwrap_or(0)
    }
    fn encode(&self, input: &u64) -> String {
        input.to_string()
    }
    fn decode(&self, text: &str) -> Option<u64> {
        text.trim().parse().ok()
    }
    fn run(&self, input: &u64) -> Result<(), String> {
        match input {
            7 => panic!("seven"),
            8 => {
                // Spins (CPU time, which the runner measures).
                let t = Instant::now();
                let mut x = 0u64;
                while t.elapsed() < Duration::from_millis(60) {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
                Ok(())
            }
            9 => Err("nine\ndetails".into()),
            _ => Ok(()),
        }
    }
}

#[test]
fn panics_hangs_and_properties_are_reported() {
    let corpus = Corpus::at(std::path::Path::new("/nonexistent"));
    let opts = Options { inputs: 2000, seed: 3, threads: 2, hang_ms: 20, ..Options::default() };
    let r = runner::run(&Faulty, &corpus, &opts);
    assert_eq!(r.inputs, 2000);
    assert!(r.panics > 0 && r.hangs > 0 && r.properties > 0, "{}", r.summary());
    assert!(r.failed());
    let kinds: Vec<Kind> = r.failures.iter().map(|f| f.kind).collect();
    assert_eq!(kinds.iter().filter(|k| **k == Kind::Panic).count(), 1, "one report per distinct panic");
    let panic = r.failures.iter().find(|f| f.kind == Kind::Panic).map(|f| f.message.clone()).unwrap_or_default();
    assert!(panic.contains("seven") && panic.contains("runner.rs"), "{panic}");
    let property = r.failures.iter().find(|f| f.kind == Kind::Property).map(|f| (f.input.clone(), f.source.clone()));
    assert!(property.is_some_and(|(input, source)| input == "9" && source.starts_with("seed 3 index ")));
}

#[test]
fn a_seed_gives_the_same_inputs_on_any_number_of_threads() {
    let corpus = Corpus::at(std::path::Path::new("/nonexistent"));
    let count = |threads| {
        let opts = Options { inputs: 3000, seed: 11, threads, hang_ms: 10_000, ..Options::default() };
        let r = runner::run(&Faulty, &corpus, &opts);
        (r.panics, r.properties)
    };
    assert_eq!(count(1), count(3));
}
