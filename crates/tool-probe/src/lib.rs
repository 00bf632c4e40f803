//! For the build scripts of crates whose tests need a program the Rust toolchain does
//! not bring (a browser, libxml2's `xmllint`, node): a test that cannot run its subject
//! must never pass. libtest decides what is ignored when the test is compiled, so the
//! build script looks for the program and, when it is missing, sets a cfg the test uses
//! to be ignored, with the reason shown in the test output. Under CI (the `CI`
//! environment variable set) the cfg is never set: the test runs, and fails, naming
//! what is missing.
//!
//! In `build.rs`'s `main`:
//!
//! ```no_run
//! systmone_tool_probe::programs("missing_xmllint", &["xmllint"]);
//! ```
//!
//! the test (in the same package, whose build script set the cfg):
//!
//! ```text
//! #[test]
//! #[cfg_attr(missing_xmllint, ignore = "needs xmllint (Debian: libxml2-utils)")]
//! fn validates_with_xmllint() {
//!     // Runs when xmllint was found, or under CI, where its absence is a failure.
//! }
//! ```
//!
//! The build script is run again when `CI` changes, when a program found is changed or
//! removed, and when a program missing may have appeared (the directory it would be in
//! changes), so installing the program is enough for the next `cargo test` to run the
//! test.

#![warn(missing_docs)]

use std::path::{Path, PathBuf};

/// Whether this is a CI run: `CI` is set, and not to an empty value, `0` or `false`
/// (CI services set `CI=true`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "FALSE" | "False"))
}

/// Looks for files at fixed paths (`/usr/bin/chromium`); sets `cfg` when one is missing
/// outside CI. Returns whether all were found.
pub fn files(cfg: &str, paths: &[&str]) -> bool {
    declare(cfg);
    let mut all = true;
    for path in paths {
        let path = Path::new(path);
        if path.is_file() {
            watch(path);
        } else {
            all = false;
            // Where it would appear: the nearest directory that exists.
            match path.ancestors().skip(1).find(|a| a.is_dir()) {
                Some(dir) => watch(dir),
                None => watch(path),
            }
        }
    }
    finish(cfg, all)
}

/// Looks for programs on `PATH` (`xmllint`, `node`); sets `cfg` when one is missing
/// outside CI. Returns whether all were found.
pub fn programs(cfg: &str, names: &[&str]) -> bool {
    declare(cfg);
    println!("cargo::rerun-if-env-changed=PATH");
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    let dirs: Vec<&PathBuf> = dirs
        .iter()
        .filter(|d| d.is_absolute() && d.is_dir())
        .collect();
    let mut all = true;
    for name in names {
        match dirs.iter().map(|d| d.join(name)).find(|p| is_executable(p)) {
            Some(found) => watch(&found),
            None => {
                all = false;
                for dir in &dirs {
                    watch(dir);
                }
            }
        }
    }
    finish(cfg, all)
}

fn declare(cfg: &str) {
    println!("cargo::rustc-check-cfg=cfg({cfg})");
    println!("cargo::rerun-if-env-changed=CI");
}

fn watch(path: &Path) {
    println!("cargo::rerun-if-changed={}", path.display());
}

fn finish(cfg: &str, found: bool) -> bool {
    if !found && !in_ci() {
        println!("cargo::rustc-cfg={cfg}");
    }
    found
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file() || path.with_extension("exe").is_file() || path.with_extension("cmd").is_file()
}
