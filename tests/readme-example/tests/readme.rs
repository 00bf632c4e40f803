//! README's library example as a new integrator meets it: the program (this crate's
//! binary, taken from README.md by build.rs) runs against the simulator, and this
//! crate's dependencies are the ones README tells the reader to add, nothing more.

#[path = "../src/readme.rs"]
mod readme;

use std::path::Path;
use std::process::Command;

fn file(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The `[dependencies]` table of a manifest, as its lines (comments and blank lines
/// left out).
fn dependencies(manifest: &str) -> Vec<String> {
    manifest
        .lines()
        .map(str::trim)
        .skip_while(|l| *l != "[dependencies]")
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

#[test]
fn this_crate_depends_on_what_readme_says_and_nothing_else() {
    let readme = file("../../README.md");
    let block = readme::block(&readme, "toml").unwrap();
    // README points at a checkout of the repository; this crate is inside one.
    let block = block.replace(
        "\"path/to/systmone/crates/systmone\"",
        "\"../../crates/systmone\"",
    );
    let ours = dependencies(&file("Cargo.toml"));
    assert_eq!(
        dependencies(&block),
        ours,
        "README's [dependencies] and this crate's differ"
    );
    let names: Vec<&str> = ours
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names, ["systmone", "tokio"]);
    assert!(ours[0].contains("features = [\"sim\"]"), "{}", ours[0]);
}

#[test]
fn readmes_program_runs_against_the_simulator() {
    let output = Command::new(env!("CARGO_BIN_EXE_systmone-readme-example"))
        .output()
        .expect("README's program starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "README's program failed ({}):\n{}\n{stdout}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 patient(s) found"), "{stdout}");
    assert!(stdout.contains("\"Swift\""), "{stdout}");
}
