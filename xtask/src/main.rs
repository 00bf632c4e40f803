//! `cargo xtask`: project automation.
//!
//! ```text
//! cargo xtask test              # everything the tests need, then the whole test suite
//! ```

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
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Test { cargo_args } => test::run(&cargo_args),
    }
}
