//! `cargo xtask absorb PATH...`: a thin wrapper over `systmone_upkeep::absorb`.

use std::io::Write;
use std::path::{Path, PathBuf};

use systmone_upkeep::absorb::{self, Limits};

/// Prints the additions the evidence shows (and the unified diff of the schemas);
/// writes them into `xsd_dir` when `apply`.
pub fn run(paths: &[PathBuf], xsd_dir: &Path, apply: bool) -> anyhow::Result<()> {
    let absorbed = absorb::absorb(paths, xsd_dir, &Limits::default())?;
    let base = xsd_dir.parent().unwrap_or(xsd_dir);
    // Written, not printed: a closed pipe (`| head`) is an error, not a panic.
    std::io::stdout()
        .lock()
        .write_all(absorbed.to_text(base).as_bytes())?;
    if apply {
        absorbed.write()?;
        println!(
            "wrote {} schema file(s); now run `cargo xtask codegen`",
            absorbed.changes.len()
        );
    } else if !absorbed.changes.is_empty() {
        println!("(nothing written: --apply writes these additions)");
    }
    Ok(())
}
