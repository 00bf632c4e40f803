//! `systmone conformance`: the conformance kit (`systmone-conformance`) against a live
//! SystmOne client or the simulator: the duration announced first, progress with an
//! ETA on stderr, the table on stdout, JSON and JUnit reports, resumable.

use std::time::Duration;

use anyhow::Context;
use systmone_conformance::{Kit, Progress, RunOptions, TestPatients};

use crate::options::{ConformanceArgs, GlobalOpts};
use crate::progress::human;

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
