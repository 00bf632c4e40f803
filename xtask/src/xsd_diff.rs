//! `cargo xtask xsd-diff OLD NEW`: a thin wrapper over `systmone_upkeep::xsd_diff`.

use std::path::Path;

use anyhow::Context;
use systmone_upkeep::xsd_diff::{self, Options, Policy};

use crate::Output;

/// Prints the diff; fails when `fail_on_breaking` and a change is breaking. The practice's
/// configured lists (F17) are taken from the schemas of `contract` (our `xsd/`).
pub fn run(
    old: &Path,
    new: &Path,
    contract: &Path,
    output: Output,
    strict_reader: bool,
    fail_on_breaking: bool,
) -> anyhow::Result<()> {
    let policy = if strict_reader {
        Policy::StrictReader
    } else {
        Policy::TolerantReader
    };
    let configured = xsd_diff::configured_paths(contract).with_context(|| {
        format!(
            "reading the configured lists of {} (--contract)",
            contract.display()
        )
    })?;
    let report = xsd_diff::diff_with(old, new, &Options { policy, configured })?;
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
