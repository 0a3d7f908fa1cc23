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

/// `encode`/`decode` of a target whose input is a script: JSON with serde.
macro_rules! json_input {
    ($t:ty) => {
        fn encode(&self, input: &$t) -> String {
            serde_json::to_string_pretty(input).unwrap_or_default()
        }

        fn decode(&self, text: &str) -> Option<$t> {
            serde_json::from_str(text).ok()
        }
    };
}
pub(crate) use json_input;

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
use xmpp_tunnel::xml::Limits;

/// The server's limits without the size cap: for checking what the code
/// under test wrote, however long.
pub(crate) const UNLIMITED: Limits = Limits { max_bytes: usize::MAX, ..Limits::SERVER };

/// One thing fuzzed. An input is generated from an RNG alone (so a seed
/// reproduces it), runs without panicking or the run fails, and saves as
/// text (`encode`/`decode`) when it fails.
pub trait Target: Sync {
    type Input: Send;
    const NAME: &'static str;
    /// The saved file's extension: "txt" for a plain input, "json" for a script.
    const EXT: &'static str;

    fn new(corpus: &Corpus) -> Self;
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

/// `$body` with `$t` bound to the target named `$name` (one of `NAMES`,
/// the one list of them); None for an unknown name.
macro_rules! with_target {
    ($name:expr, $corpus:expr, $t:ident => $body:expr) => {
        match $name {
            "parent" => { let $t = parent::Parent::new($corpus); Some($body) }
            "xml" => { let $t = xml::Xml::new($corpus); Some($body) }
            "xml-writer" => { let $t = writer::XmlWriter::new($corpus); Some($body) }
            "bosh" => { let $t = bosh::BoshTarget::new($corpus); Some($body) }
            "scram" => { let $t = scram::Scram::new($corpus); Some($body) }
            "config" => { let $t = config::ConfigTarget::new($corpus); Some($body) }
            "core" => { let $t = core::Core::new($corpus); Some($body) }
            _ => None,
        }
    };
}

/// Runs the named target; None for an unknown name.
pub fn run(name: &str, corpus: &Corpus, opts: &Options) -> Option<Report> {
    with_target!(name, corpus, t => runner::run(&t, corpus, opts))
}

/// Generates input `index` of a run with `seed` and saves it as a
/// regression (to keep an input the run reported).
pub fn save_input(name: &str, corpus: &Corpus, seed: u64, index: u64) -> Option<std::io::Result<std::path::PathBuf>> {
    fn save<T: Target>(t: T, corpus: &Corpus, seed: u64, index: u64) -> std::io::Result<std::path::PathBuf> {
        let input = t.generate(&mut Rng::new(runner::input_seed(seed, T::NAME, index)));
        corpus.save_regression(T::NAME, "saved", T::EXT, &t.encode(&input))
    }
    with_target!(name, corpus, t => save(t, corpus, seed, index))
}
