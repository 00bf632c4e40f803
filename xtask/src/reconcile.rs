//! `cargo xtask reconcile DIR [--apply]`: SystmOne's own request schemas (fetched into
//! `xsd/systmone/<label>/`) against ours, path by path (`systmone_upkeep::reconcile`).

use std::path::Path;

use systmone_upkeep::reconcile;

use crate::Output;

/// Prints the findings; with `apply`, writes what ours lack into `ours` and says what.
pub fn run(theirs: &Path, ours: &Path, apply: bool, output: Output) -> anyhow::Result<()> {
    let report = reconcile::reconcile(theirs, ours)?;
    match output {
        Output::Text => print!("{}", report.to_text()),
        Output::Json => println!("{}", report.to_json()),
    }
    if apply {
        let applied = reconcile::apply(theirs, ours, &report)?;
        for line in &applied {
            eprintln!("applied: {line}");
        }
        eprintln!(
            "{} additions written into {}; now run `cargo xtask codegen`",
            applied.len(),
            ours.display()
        );
    }
    Ok(())
}
