//! `extract`: many records under the throttle, one file each, resumable.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use systmone_bindings::get_patient_record_v1_0::GetPatientRecordV1_0;
use systmone_core::Function as _;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use systmone_transport::pacing::RequestClass;

use crate::options::{ExtractArgs, GlobalOpts};
use crate::output::{TEMP_PREFIX, TEMP_SUFFIX, write_atomically};
use crate::params::record_params;
use crate::progress::{eta, human};
use crate::request::call_quiet;

/// The NHS numbers in `text`: one per line, blank lines and `#` comments skipped,
/// spaces inside a number allowed, duplicates dropped.
pub fn read_numbers(text: &str) -> anyhow::Result<Vec<String>> {
    let mut numbers = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let digits =
            crate::checks::nhs_number(line).map_err(|e| anyhow::anyhow!("line {}: {e}", i + 1))?;
        if !numbers.contains(&digits) {
            numbers.push(digits);
        }
    }
    Ok(numbers)
}

/// The file in the output directory that records each response refused as another
/// patient's (one JSON line each).
pub const REFUSALS_FILE: &str = "refusals.jsonl";

/// The lock an extract holds on its output directory while it runs.
const LOCK_FILE: &str = ".extract.lock";

/// Holds the output directory for this run: a second extract into the same directory
/// would fetch the same records twice (and spend the throttle twice), and its
/// temporary files could be taken for a killed run's.
fn lock_out_dir(out: &Path) -> anyhow::Result<std::fs::File> {
    use fs4::fs_std::FileExt;
    let path = out.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    match FileExt::try_lock_exclusive(&file) {
        Ok(true) => Ok(file),
        Ok(false) => anyhow::bail!(
            "another extract is writing into {}; wait for it to finish (or stop it) first",
            out.display()
        ),
        Err(e) => Err(anyhow::anyhow!("cannot lock {}: {e}", path.display())),
    }
}

/// Removes the temporary files a killed run left in `out` (under the directory's
/// lock, so none of them belongs to a running extract); returns how many.
fn remove_stale_temp_files(out: &Path) -> anyhow::Result<usize> {
    let mut removed = 0;
    let entries =
        std::fs::read_dir(out).with_context(|| format!("cannot list {}", out.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove {}", entry.path().display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Appends the refusal of a response for another patient to `DIR/refusals.jsonl`:
/// when, the number asked for, the one answered, and the RequestUID SystmOne's audit
/// trail knows the request by. The record itself is not kept anywhere.
fn record_refusal(out: &Path, error: &systmone_client::Error) -> anyhow::Result<()> {
    let systmone_client::Error::WrongPatient {
        function,
        asked,
        answered,
        request_uid,
        ..
    } = error
    else {
        return Ok(());
    };
    let line = serde_json::json!({
        "time": chrono::Local::now().format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
        "function": function,
        "asked": asked.to_string(),
        "answered": answered.to_string(),
        "request_uid": request_uid,
        "reason": "the response was for another patient; nothing of it was saved",
    });
    let path = out.join(REFUSALS_FILE);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    writeln!(file, "{line}").with_context(|| format!("cannot write {}", path.display()))?;
    file.sync_all()?;
    Ok(())
}

/// How long each record takes at least: the pacing interval its class waits for
/// (30 s for a throttled GetPatientRecord, the one-second gap for an exempt one).
fn per_record_interval(global: &GlobalOpts, args: &ExtractArgs) -> anyhow::Result<Duration> {
    let limits = crate::options::pacing_limits(global.pacing);
    // The class of the requests the extract sends, decided by the client's own rule.
    let sample = record_params("9434765919", false, false, &args.filter)?;
    let request = crate::request::build_request(
        GetPatientRecordV1_0::NAME,
        GetPatientRecordV1_0::VERSION,
        &sample,
    )?;
    let class = match &request {
        systmone_bindings::AnyRequest::GetPatientRecordV1_0(r) => {
            systmone_transport::pacing::classify_record_request(
                r.parameters.as_ref(),
                chrono::Local::now().date_naive(),
            )
        }
        _ => RequestClass::PatientRecord,
    };
    Ok(match class {
        RequestClass::PatientRecord => limits.patient_record_interval.max(limits.min_interval),
        _ => limits.min_interval,
    })
}

pub async fn run(global: &GlobalOpts, args: ExtractArgs) -> anyhow::Result<u8> {
    let text = global.read_file(&args.nhs_file)?;
    let numbers =
        read_numbers(&text).map_err(|e| anyhow::anyhow!("{}: {e}", args.nhs_file.display()))?;
    if numbers.is_empty() {
        anyhow::bail!(
            "{} has no NHS numbers (one per line; blank lines and # comments are skipped)",
            args.nhs_file.display()
        );
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let _lock = lock_out_dir(&args.out)?;
    let stale = remove_stale_temp_files(&args.out)?;
    if stale > 0 && !global.quiet {
        eprintln!(
            "removed {stale} temporary file(s) an interrupted run left in {}",
            args.out.display()
        );
    }
    let (done, todo): (Vec<String>, Vec<String>) = numbers
        .into_iter()
        .partition(|n| args.out.join(format!("{n}.xml")).exists());
    if !global.quiet {
        eprintln!(
            "{} record(s) to fetch, {} already saved in {} (skipped)",
            todo.len(),
            done.len(),
            args.out.display()
        );
    }
    if todo.is_empty() && !crate::fhir_output::Extract::pending(&args.fhir, &args.out, &done) {
        return Ok(0);
    }

    let interval = per_record_interval(global, &args)?;
    let total = todo.len() as u64;
    // A bar redrawn every second on a terminal; a line per record otherwise (logs).
    let terminal = std::io::stderr().is_terminal();
    let bar = if global.quiet || !terminal {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
    };
    let record_started = Arc::new(std::sync::Mutex::new(std::time::Instant::now()));
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} records, {elapsed} elapsed, ETA {throttled_eta} {msg}",
        )
        .expect("valid template")
        .with_key("throttled_eta", {
            let record_started = record_started.clone();
            move |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let remaining = state.len().unwrap_or(0).saturating_sub(state.pos());
                let whole = eta(remaining, interval, state.elapsed(), state.pos());
                // Counts down while a record waits its turn or its answer, never
                // below the records after it.
                let per = eta(1, interval, state.elapsed(), state.pos());
                let into_this = record_started
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .elapsed()
                    .min(per);
                let _ = write!(w, "{}", human(whole.saturating_sub(into_this)));
            }
        }),
    );
    bar.enable_steady_tick(Duration::from_secs(1));
    let observer_bar = bar.clone();
    let client = global.client(Some(Arc::new(
        move |wait: &systmone_client::PacingWait<'_>| {
            observer_bar.set_message(format!(
                "(waiting {:.1} s for {})",
                wait.wait.as_secs_f64(),
                wait.rule
            ));
        },
    )))?;
    let throttle_note = if interval >= Duration::from_secs(5) {
        format!(
            " ({:.1} s per record: SystmOne's throttle)",
            interval.as_secs_f64()
        )
    } else {
        String::new()
    };

    let started = std::time::Instant::now();
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let fhir =
        crate::fhir_output::Extract::start(global, &args.fhir, &client, &args.out, &done).await?;
    let (mut fetched, mut failed, mut wrong_patient) = (0usize, 0usize, 0usize);
    for nhs in &todo {
        let params = record_params(nhs, false, false, &args.filter)?;
        bar.set_message(format!("fetching {nhs}"));
        let outcome = tokio::select! {
            outcome = call_quiet(&client, GetPatientRecordV1_0::NAME, &params) => outcome,
            _ = &mut interrupted => {
                bar.abandon();
                // A read: nothing is lost by dropping it. Files are renamed into place
                // whole, so what is in DIR is complete.
                eprintln!(
                    "interrupted: {} saved in {}; run again to resume",
                    done.len() + fetched,
                    args.out.display()
                );
                return Ok(130);
            }
        };
        let position = fetched + failed + wrong_patient + 1;
        let outcome_word;
        match outcome {
            Ok(reply) => {
                // The client has checked that the record is this number's (else the
                // call is `WrongPatient`): it is saved under the number asked for.
                let path = args.out.join(format!("{nhs}.xml"));
                write_atomically(&path, &reply.xml)?;
                fhir.save(&args.out, nhs, &reply.xml)?;
                fetched += 1;
                outcome_word = "saved";
                // No NHS number at info: the position and size only.
                tracing::info!(
                    "saved record {position} of {total} ({} bytes)",
                    reply.xml.len()
                );
            }
            Err(e) => {
                let client_error = e
                    .chain()
                    .find_map(|c| c.downcast_ref::<systmone_client::Error>());
                if let Some(wrong @ systmone_client::Error::WrongPatient { .. }) = client_error {
                    // Refused, recorded, never saved; the next records are still
                    // checked one by one.
                    record_refusal(&args.out, wrong)?;
                    wrong_patient += 1;
                    outcome_word = "refused: the answer was for another patient";
                    bar.suspend(|| eprintln!("{nhs}: {e}"));
                } else if !matches!(client_error, Some(systmone_client::Error::Response { .. })) {
                    bar.abandon();
                    return Err(e.context(format!(
                        "extract stopped at {nhs} ({fetched} fetched in this run; run again to resume)"
                    )));
                } else {
                    failed += 1;
                    outcome_word = "refused by SystmOne";
                    bar.suspend(|| eprintln!("{nhs}: {e}"));
                }
            }
        }
        // The next record starts now (before the bar shows this one done).
        *record_started.lock().unwrap_or_else(|e| e.into_inner()) = std::time::Instant::now();
        bar.inc(1);
        if !terminal && !global.quiet {
            // Such lines usually end up in a log file: the position, not the number.
            let finished = (fetched + failed + wrong_patient) as u64;
            let left = eta(total - finished, interval, started.elapsed(), finished);
            eprintln!(
                "[{finished}/{total}] {outcome_word}; ETA {}{throttle_note}",
                human(left)
            );
        }
    }
    bar.finish_with_message("done");
    if !global.quiet {
        eprintln!(
            "fetched {fetched}, skipped {} already saved, {failed} refused by SystmOne",
            done.len()
        );
    }
    if wrong_patient > 0 {
        eprintln!(
            "{wrong_patient} response(s) were for another patient than the one asked for: \
             refused, not saved, and recorded in {}; report them (with their RequestUIDs) \
             to the practice",
            args.out.join(REFUSALS_FILE).display()
        );
        return Ok(crate::output::EXIT_WRONG_PATIENT);
    }
    Ok(if failed > 0 { 2 } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_file() {
        let n = read_numbers("# list\n466 763 3050\n\n7835438275 # Azra\n4667633050\n").unwrap();
        assert_eq!(n, ["4667633050", "7835438275"]);
        assert!(read_numbers("123\n").is_err());
        assert!(read_numbers("# nothing\n\n").unwrap().is_empty());
    }
}
