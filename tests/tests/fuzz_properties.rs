//! The fuzz harnesses as property tests: each target's harness (tests/src/fuzz/) runs
//! on its committed seed corpus (`fuzz/corpus/<target>/`), on every input a fuzz run
//! found failing (`fuzz/regressions/<target>/`, kept after the fix), and then on
//! mutations of those inputs: `MIN_CASES` always, then up to `CASES` within `BUDGET`
//! per target (a fixed generator seed, so a run is repeatable up to where the budget
//! stops it).
//! The long coverage-guided runs are `cargo fuzz` (fuzz/README.md).

use std::path::Path;
use std::time::Duration;

use systmone_tests::fuzz::{TARGETS, run_mutations};
use systmone_tests::workspace_root;

const MIN_CASES: usize = 200;
const CASES: usize = 3000;
const BUDGET: Duration = Duration::from_secs(2);

/// The files of `dir` (none if it does not exist), sorted by name.
fn inputs(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

fn run(target: &str) {
    let (_, harness) = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .expect("a known target");
    let fuzz = workspace_root().join("fuzz");
    let mut seeds = inputs(&fuzz.join("corpus").join(target));
    assert!(!seeds.is_empty(), "no seed corpus for {target}");
    seeds.extend(inputs(&fuzz.join("regressions").join(target)));
    let done = run_mutations(*harness, &seeds, 11, MIN_CASES, CASES, BUDGET);
    eprintln!(
        "{target}: {} seeds and kept crashes, {done} mutations",
        seeds.len()
    );
}

#[test]
fn codec_frames_the_same_however_split() {
    run("codec");
}

#[test]
fn any_response_parses_without_panic_and_writes_back() {
    run("parse_response");
}

#[test]
fn any_request_parses_without_panic_and_writes_back() {
    run("parse_request");
}

#[test]
fn template_filler_fills_exactly_and_refuses_the_rest() {
    run("template");
}

#[test]
fn date_time_parser_reads_back_what_it_writes() {
    run("datetime");
}

#[test]
fn xml_reader_agrees_with_xml_rs_and_reads_back_what_it_accepts() {
    run("xml_reader");
}

/// Every target has a seed corpus and a test above.
#[test]
fn every_target_has_seeds() {
    for (name, _) in TARGETS {
        let dir = workspace_root().join("fuzz").join("corpus").join(name);
        assert!(!inputs(&dir).is_empty(), "{}", dir.display());
    }
}
