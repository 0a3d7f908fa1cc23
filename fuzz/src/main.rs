//! `fuzz [--target NAME|all] [--inputs N] [--seed S] [--threads T] [--index I]`
//!
//! Runs each target's regressions and seeds, then N generated inputs, and
//! prints per target the inputs run, the slowest input, panics, hangs,
//! property failures and resident-memory growth. Failing inputs are saved
//! under fuzz/regressions/<target>/. With `--index I`, saves input I of
//! the run with seed S instead (to keep an input a run reported).
//! Exit status 1 when anything failed.

use std::process::ExitCode;
use xmpp_tunnel_fuzz::corpus::Corpus;
use xmpp_tunnel_fuzz::runner::{describe, Options};
use xmpp_tunnel_fuzz::targets::{self, NAMES};

fn usage() -> ExitCode {
    eprintln!("usage: fuzz [--target NAME|all] [--inputs N] [--seed S] [--threads T] [--index I]\ntargets: {}", NAMES.join(", "));
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut opts = Options { save: true, progress: true, measure_slowest: true, ..Options::default() };
    let mut target = String::from("all");
    let mut index: Option<u64> = None;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let Some(value) = it.next() else { return usage() };
        // Underscores allowed in numbers: 10_000_000.
        let number = value.replace('_', "").parse::<u64>();
        match (flag.as_str(), number) {
            ("--target", _) => target = value.clone(),
            ("--inputs", Ok(n)) => opts.inputs = n,
            ("--seed", Ok(n)) => opts.seed = n,
            ("--threads", Ok(n)) if n > 0 => opts.threads = n as usize,
            ("--index", Ok(n)) => index = Some(n),
            _ => return usage(),
        }
    }
    let names: Vec<&str> = if target == "all" { NAMES.to_vec() } else { vec![target.as_str()] };
    let corpus = Corpus::default();

    if let Some(i) = index {
        for name in names {
            match targets::save_input(name, &corpus, opts.seed, i) {
                Some(Ok(path)) => println!("saved input {i} of seed {} for {name} as {}", opts.seed, path.display()),
                Some(Err(e)) => eprintln!("could not save: {e}"),
                None => return usage(),
            }
        }
        return ExitCode::SUCCESS;
    }

    println!(
        "fuzz: {} generated inputs per target, seed {}, {} threads, hang limit {} ms per input",
        opts.inputs, opts.seed, opts.threads, opts.hang_ms
    );
    let start = std::time::Instant::now();
    let mut reports = Vec::new();
    for name in names {
        let Some(r) = targets::run(name, &corpus, &opts) else { return usage() };
        println!("{}", r.summary());
        reports.push(r);
    }
    println!("\nfuzz: done in {:.1} s", start.elapsed().as_secs_f64());
    for r in &reports {
        println!("{}", r.summary());
    }
    let failed: Vec<_> = reports.iter().filter(|r| r.failed()).collect();
    if failed.is_empty() {
        println!("fuzz: no panics, hangs, property or memory failures");
        return ExitCode::SUCCESS;
    }
    for r in failed {
        for f in &r.failures {
            println!("\n[{}] {}", r.target, describe(f));
        }
    }
    ExitCode::from(1)
}
