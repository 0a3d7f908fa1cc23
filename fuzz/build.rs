//! Tells the harness the optimization level it was built at: the slice run
//! by `cargo test` is unoptimized, where 100 ms per input is not a hang.
fn main() {
    let level = std::env::var("OPT_LEVEL").unwrap_or_else(|_| "0".into());
    println!("cargo:rustc-env=FUZZ_OPT_LEVEL={level}");
    println!("cargo:rerun-if-changed=build.rs");
}
