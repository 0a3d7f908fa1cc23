//! The fuzz targets, one file each, and their registry.

/// The `Target` methods of a target whose input is one string mutated from
/// its seeds (its `m: Mutator`), saved as it is.
macro_rules! text_input {
    () => {
        fn generate(&self, rng: &mut crate::rng::Rng) -> String {
            self.m.generate(rng)
        }

        fn seed_input(&self, seed: &str) -> String {
            seed.to_string()
        }

        fn encode(&self, input: &String) -> String {
            input.clone()
        }

        fn decode(&self, text: &str) -> Option<String> {
            Some(text.to_string())
        }
    };
}
pub(crate) use text_input;

mod bosh;
mod config;
mod core;
mod core_driver;
mod parent;
mod scram;
mod writer;
mod xml;

use crate::corpus::Corpus;
use crate::rng::Rng;
use crate::runner::{self, Options, Report};

/// One thing fuzzed. An input is generated from an RNG alone (so a seed
/// reproduces it), runs without panicking or the run fails, and saves as
/// text (`encode`/`decode`) when it fails.
pub trait Target: Sync {
    type Input: Send;
    const NAME: &'static str;
    /// The saved file's extension: "txt" for a plain input, "json" for a script.
    const EXT: &'static str;

    fn new(corpus: &Corpus) -> Self
    where
        Self: Sized;
    fn generate(&self, rng: &mut Rng) -> Self::Input;
    /// A seed file of `corpus/<NAME>/` as an input.
    fn seed_input(&self, seed: &str) -> Self::Input;
    fn encode(&self, input: &Self::Input) -> String;
    /// A saved input; one that does not decode is taken as a seed.
    fn decode(&self, text: &str) -> Option<Self::Input>;
    /// Err: a property failed (first line: what, for grouping; then details).
    fn run(&self, input: &Self::Input) -> Result<(), String>;
}

/// Every target, in the order `all` runs them.
pub const NAMES: &[&str] = &["parent", "xml", "xml-writer", "bosh", "scram", "config", "core"];

/// Runs the named target; None for an unknown name.
pub fn run(name: &str, corpus: &Corpus, opts: &Options) -> Option<Report> {
    Some(match name {
        "parent" => runner::run(&parent::Parent::new(corpus), corpus, opts),
        "xml" => runner::run(&xml::Xml::new(corpus), corpus, opts),
        "xml-writer" => runner::run(&writer::XmlWriter::new(corpus), corpus, opts),
        "bosh" => runner::run(&bosh::BoshTarget::new(corpus), corpus, opts),
        "scram" => runner::run(&scram::Scram::new(corpus), corpus, opts),
        "config" => runner::run(&config::ConfigTarget::new(corpus), corpus, opts),
        "core" => runner::run(&core::Core::new(corpus), corpus, opts),
        _ => return None,
    })
}

/// Generates input `index` of a run with `seed` and saves it as a
/// regression (to keep an input the run reported).
pub fn save_input(name: &str, corpus: &Corpus, seed: u64, index: u64) -> Option<std::io::Result<std::path::PathBuf>> {
    fn save<T: Target>(t: T, corpus: &Corpus, seed: u64, index: u64) -> std::io::Result<std::path::PathBuf> {
        let input = t.generate(&mut Rng::new(runner::input_seed(seed, T::NAME, index)));
        corpus.save_regression(T::NAME, "saved", T::EXT, &t.encode(&input))
    }
    Some(match name {
        "parent" => save(parent::Parent::new(corpus), corpus, seed, index),
        "xml" => save(xml::Xml::new(corpus), corpus, seed, index),
        "xml-writer" => save(writer::XmlWriter::new(corpus), corpus, seed, index),
        "bosh" => save(bosh::BoshTarget::new(corpus), corpus, seed, index),
        "scram" => save(scram::Scram::new(corpus), corpus, seed, index),
        "config" => save(config::ConfigTarget::new(corpus), corpus, seed, index),
        "core" => save(core::Core::new(corpus), corpus, seed, index),
        _ => return None,
    })
}

/// Script targets: JSON with serde, a seed file taken as a plain input.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}
