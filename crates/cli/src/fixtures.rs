//! `fixtures import DIR`: a masked proxy recording turned into fixture files.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// The fixtures commands.
#[derive(Debug, Args)]
pub struct FixturesArgs {
    #[command(subcommand)]
    pub command: FixturesCommand,
}

#[derive(Debug, Subcommand)]
pub enum FixturesCommand {
    /// Copy a masked recording's documents to <INTO>/<Function>/v<Version>/recorded-NNNNNN.*.xml,
    /// with a line per file in each function's NOTES.md.
    Import {
        /// The recording (`systmone proxy --record DIR`).
        dir: PathBuf,
        /// The fixtures tree.
        #[arg(long, value_name = "DIR", default_value = "tests/fixtures")]
        into: PathBuf,
    },
}

pub fn run(args: FixturesArgs) -> anyhow::Result<u8> {
    match args.command {
        FixturesCommand::Import { dir, into } => {
            let report = systmone_proxy::fixtures::import(&dir, &into)?;
            for path in &report.written {
                println!("wrote {}", into.join(path).display());
            }
            for path in &report.existing {
                eprintln!("kept {} (exists)", into.join(path).display());
            }
            for (file, why) in &report.skipped {
                eprintln!("skipped {file}: {why}");
            }
            println!(
                "{} fixture files written, {} existing, {} skipped",
                report.written.len(),
                report.existing.len(),
                report.skipped.len()
            );
            Ok(0)
        }
    }
}
