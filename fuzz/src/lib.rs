//! A fuzz harness for the core on stable Rust: seeds from the transcripts
//! (`corpus/`), a mutation engine, and a runner that catches panics, times
//! every input and watches memory. `src/main.rs` is the command line;
//! `tests/slice.rs` the short deterministic run of `cargo test`.
#![forbid(unsafe_code)]

pub mod corpus;
pub mod dict;
pub mod mutate;
pub mod rng;
pub mod runner;
pub mod targets;
