//! `config.json`: `Config::parse` over mutated files, then the origin check
//! and a tunnel built from what was read (its endpoints come from the
//! file), asked to connect.

use super::Target;
use crate::corpus::Corpus;
use crate::dict;
use crate::mutate::Mutator;
use xmpp_tunnel::config::Config;
use xmpp_tunnel::tunnel::{Output, Tunnel};

use super::core_driver::PAGE;
const OWN: &str = "http://localhost:7071";

pub struct ConfigTarget {
    m: Mutator,
}

impl Target for ConfigTarget {
    type Input = String;
    const NAME: &'static str = "config";
    const EXT: &'static str = "txt";

    fn new(corpus: &Corpus) -> ConfigTarget {
        ConfigTarget { m: Mutator::new(corpus.seeds("config"), &[dict::JSON, dict::JSON, dict::NUMBERS]) }
    }

    super::text_input!();

    fn run(&self, text: &String) -> Result<(), String> {
        let (cfg, problems) = Config::parse(text);
        if problems.iter().any(|p| p.is_empty()) {
            return Err("an empty problem line".into());
        }
        if !cfg.origin_allowed(OWN, OWN) {
            return Err("the tunnel's own origin is refused".into());
        }
        for o in ["https://a.example", "http://127.0.0.1:8000", "null", "", "HTTPS://A.EXAMPLE:443"] {
            let _ = cfg.origin_allowed(o, OWN);
        }
        for o in &cfg.allowed_origins {
            if !o.starts_with("http://") && !o.starts_with("https://") {
                return Err(format!("an allowed origin that is not http(s)\n{o:?}"));
            }
            // (Issue 21: no empty host, no junk in it; normal already.)
            if xmpp_tunnel::config::normalize_origin(o).as_ref() != Some(o) || o.ends_with("://") {
                return Err(format!("an allowed origin that is not a normal origin\n{o:?}"));
            }
        }
        // Timings within the ranges type 15 has too.
        if cfg.request_timeout_ms > 300_000 || cfg.ping_interval_ms > 3_600_000 || cfg.ping_max_retry > 100 {
            return Err("a timing out of its range".into());
        }
        // The tunnel takes the file as read and connects with it.
        let mut t = Tunnel::new(cfg, problems, PAGE, Box::new(|b: &mut [u8]| b.fill(7)));
        t.start(0);
        for m in ["1|agent1", "5|d.example", "2|secret"] {
            t.handle_parent(0, m);
        }
        for o in t.take_output() {
            if let Output::Open { url, .. } | Output::Post { url, .. } = o {
                if url.is_empty() {
                    return Err("an endpoint without a URL".into());
                }
            }
        }
        if let Some(d) = t.poll_timeout() {
            t.handle_timeout(d);
            let _ = t.take_output();
        }
        Ok(())
    }
}
