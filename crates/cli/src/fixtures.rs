//! `fixtures import DIR`: a masked proxy recording turned into fixture files.

use crate::options::{FixturesArgs, FixturesCommand};

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
