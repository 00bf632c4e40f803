//! `cargo xtask`: project automation.
//!
//! ```text
//! cargo xtask test              # everything the tests need, then the whole test suite
//! cargo xtask codegen           # regenerate the bindings crates from xsd/
//! cargo xtask codegen --check   # fail if the committed bindings are stale
//! ```

mod codegen;
mod test;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "systmone project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install what the tests need (libxml2's xmllint) if it is missing, then run
    /// `cargo test --workspace`.
    ///
    /// Example: `cargo xtask test`
    Test {
        /// Extra arguments passed to `cargo test` (after `--`).
        #[arg(last = true)]
        cargo_args: Vec<String>,
    },
    /// Generate one crate per function version (and the shared-types and bindings
    /// crates) from the XSDs in `xsd/`.
    ///
    /// Example: `cargo xtask codegen --check`
    Codegen {
        /// Change nothing; fail, naming the files, if the committed code is stale.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Test { cargo_args } => test::run(&cargo_args),
        Command::Codegen { check } => codegen::run(&workspace_root(), check),
    }
}

/// The workspace root: xtask lives one level below it.
fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}
