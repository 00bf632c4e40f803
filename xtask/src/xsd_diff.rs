//! `cargo xtask xsd-diff OLD NEW`: a thin wrapper over `systmone_upkeep::xsd_diff`.

use std::path::Path;

use systmone_upkeep::xsd_diff::{self, Policy};

use crate::Output;

/// Prints the diff; fails when `fail_on_breaking` and a change is breaking.
pub fn run(
    old: &Path,
    new: &Path,
    output: Output,
    tolerant_reader: bool,
    fail_on_breaking: bool,
) -> anyhow::Result<()> {
    let policy = if tolerant_reader {
        Policy::TolerantReader
    } else {
        Policy::StrictReader
    };
    let report = xsd_diff::diff(old, new, policy)?;
    match output {
        Output::Text => print!("{}", report.to_text()),
        Output::Json => println!("{}", report.to_json()),
    }
    if fail_on_breaking && report.has_breaking() {
        anyhow::bail!(
            "breaking changes between {} and {}",
            old.display(),
            new.display()
        );
    }
    Ok(())
}
