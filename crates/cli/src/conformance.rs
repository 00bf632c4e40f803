//! `systmone conformance`: the conformance kit (`systmone-conformance`) against a live
//! SystmOne client or the simulator: the duration announced first, progress with an
//! ETA on stderr, the table on stdout, JSON and JUnit reports, resumable.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use systmone_conformance::{Kit, Progress, RunOptions, TestPatients};

use crate::options::GlobalOpts;
use crate::progress::human;

/// `systmone conformance`'s options.
#[derive(Debug, Args)]
pub struct ConformanceArgs {
    /// The test patients file: a `[roles]` table mapping has-medication, has-problems,
    /// has-appointments and has-documents to this practice's NHS numbers
    /// (`systmone sim --test-patients` prints the simulator's). Without it the
    /// scenarios that need a patient are skipped.
    #[arg(long, value_name = "FILE", env = "SYSTMONE_TEST_PATIENTS")]
    pub test_patients: Option<PathBuf>,
    /// Also run the write scenarios (book then cancel a slot, add then delete a coded
    /// entry) on the test patients only, undoing what they add.
    #[arg(long, requires = "test_patients")]
    pub allow_writes: bool,
    /// Write the report as JSON: per scenario its reference, the request and response
    /// documents, outcome, drift and elapsed time.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the report as JUnit XML, for CI servers.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Keep patient data (names, addresses, dates of birth, NHS numbers, free text) in
    /// the JSON report and the resume file; it is masked by default.
    #[arg(long)]
    pub include_payloads: bool,
    /// The resume file: each result is added to it as it is known; run again with the
    /// same file to go on where an interrupted run stopped (delete it to start afresh).
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,
}

/// The subcommand's help text after the options.
pub const AFTER_HELP: &str = "\
Exit codes: 0 every scenario passed (or was skipped); 6 drift only (the responses read
tolerantly but not strictly: SystmOne changed, regenerate the bindings); 7 at least one
scenario failed; 4 a write's outcome is unknown (the run stopped: check the RequestUID
named); 1 usage or local error.

Examples:
  systmone sim --test-patients > patients.toml && systmone sim &
  systmone conformance --test-patients patients.toml
  systmone conformance --test-patients patients.toml --allow-writes --json report.json --junit junit.xml
  systmone conformance --test-patients patients.toml --resume conformance.state";

pub async fn run(global: &GlobalOpts, args: ConformanceArgs) -> anyhow::Result<u8> {
    let test_patients = match &args.test_patients {
        Some(path) => TestPatients::load(path)?,
        None => TestPatients::default(),
    };
    let client = global.client(None)?;
    let kit = Kit::new(
        client,
        RunOptions {
            test_patients,
            allow_writes: args.allow_writes,
            include_payloads: args.include_payloads,
            state_file: args.resume.clone(),
            target: global.addr.clone(),
        },
    )?;
    let scenarios = kit.scenarios();
    let estimate = kit.estimate(&scenarios, systmone_conformance::PER_REQUEST);
    let quiet = global.quiet;
    if !quiet {
        eprintln!(
            "{} scenarios ({}); under the pacing in use this run takes about {} ({:.1} s).",
            scenarios.len(),
            if args.allow_writes {
                "reads and writes"
            } else {
                "read-only"
            },
            human(estimate),
            estimate.as_secs_f64()
        );
    }
    let report = kit
        .run(|progress| {
            if quiet {
                return;
            }
            match progress {
                Progress::Started {
                    index,
                    total,
                    scenario,
                    eta,
                } => eprintln!(
                    "[{index}/{total}] {} … ETA {}",
                    scenario.id,
                    human(eta.max(Duration::from_secs(1)))
                ),
                Progress::Finished {
                    index,
                    total,
                    result,
                } => eprintln!(
                    "[{index}/{total}] {} {} ({:.2} s)",
                    result.id,
                    result.outcome.as_str(),
                    result.elapsed_ms as f64 / 1000.0
                ),
            }
        })
        .await?;
    print!("{}", report.to_table());
    if let Some(path) = &args.json {
        std::fs::write(path, report.to_json())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, report.to_junit())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(report.exit_code())
}
