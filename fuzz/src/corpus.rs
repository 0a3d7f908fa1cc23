//! The files: seeds under `corpus/<name>/`, inputs that failed under
//! `regressions/<target>/` (replayed on every run, the slice's included).

use std::fs;
use std::path::{Path, PathBuf};

pub struct Corpus {
    root: PathBuf,
}

impl Default for Corpus {
    fn default() -> Self {
        Corpus::at(Path::new(env!("CARGO_MANIFEST_DIR")))
    }
}

impl Corpus {
    /// `root` holds `corpus/` and `regressions/`.
    pub fn at(root: &Path) -> Corpus {
        Corpus { root: root.to_path_buf() }
    }

    /// The seeds in `corpus/<dir>/`, in file-name order.
    pub fn seeds(&self, dir: &str) -> Vec<String> {
        files(&self.root.join("corpus").join(dir)).into_iter().map(|(_, text)| text).collect()
    }

    /// The seed files of `corpus/<dir>/` with their paths.
    pub fn seed_files(&self, dir: &str) -> Vec<(PathBuf, String)> {
        files(&self.root.join("corpus").join(dir))
    }

    /// The saved failing inputs of `target`, with their paths.
    pub fn regressions(&self, target: &str) -> Vec<(PathBuf, String)> {
        files(&self.root.join("regressions").join(target))
    }

    /// Keeps a failing input (named by its content, so saving the same
    /// input twice keeps one file).
    pub fn save_regression(&self, target: &str, kind: &str, ext: &str, text: &str) -> std::io::Result<PathBuf> {
        let dir = self.root.join("regressions").join(target);
        fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{kind}-{:016x}.{ext}", crate::rng::fnv(text.as_bytes())));
        fs::write(&path, text)?;
        Ok(path)
    }
}

/// Every regular file of `dir` (none if it does not exist), sorted by name;
/// contents as text (invalid UTF-8 becomes U+FFFD).
fn files(dir: &Path) -> Vec<(PathBuf, String)> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect();
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| !n.to_string_lossy().starts_with('.')))
        .filter_map(|p| fs::read(&p).ok().map(|b| (p, crate::mutate::into_string(b))))
        .collect()
}
