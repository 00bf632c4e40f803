//! Writes README's library example (the program in its "Using the library from Rust")
//! to `$OUT_DIR/readme_example.rs`, which `src/main.rs` includes.

#[path = "src/readme.rs"]
mod readme;

use std::path::Path;

fn main() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    println!("cargo::rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let program = readme::block(&text, "rust").unwrap_or_else(|e| panic!("{e}"));
    let out = Path::new(&std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("readme_example.rs");
    std::fs::write(&out, program).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
