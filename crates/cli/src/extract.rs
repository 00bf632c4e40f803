//! `extract`: many records under the throttle, one file each, resumable.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::commands::{call_quiet, record_params};
use crate::options::{ExtractArgs, GlobalOpts};

/// The NHS numbers in `text`: one per line, blank lines and `#` comments skipped,
/// spaces inside a number allowed, duplicates dropped.
pub fn read_numbers(text: &str) -> anyhow::Result<Vec<String>> {
    let mut numbers = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let digits: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 10 || !digits.chars().all(|c| c.is_ascii_digit()) {
            bail!("line {}: {line:?} is not an NHS number (10 digits)", i + 1);
        }
        if !numbers.contains(&digits) {
            numbers.push(digits);
        }
    }
    Ok(numbers)
}

/// Writes `content` to `path` atomically: a temporary file beside it, then a rename.
pub(crate) fn write_atomically(path: &Path, content: &str) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".extract-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(content.as_bytes())?;
    tmp.write_all(b"\n")?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

pub async fn run(global: &GlobalOpts, args: ExtractArgs) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(&args.nhs_file)
        .with_context(|| format!("cannot read {}", args.nhs_file.display()))?;
    let numbers =
        read_numbers(&text).map_err(|e| anyhow::anyhow!("{}: {e}", args.nhs_file.display()))?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
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

    let bar = if global.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(todo.len() as u64), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} records, {elapsed} elapsed, ETA {eta} {msg}",
        )
        .expect("valid template"),
    );
    let observer_bar = bar.clone();
    let client = global.client(Some(Arc::new(move |_f: &str, wait: Duration| {
        observer_bar.set_message(format!(
            "(waiting {:.1} s for SystmOne's throttle)",
            wait.as_secs_f64()
        ));
    })))?;

    let fhir = crate::fhir_output::Extract::start(&args.fhir, &client, &args.out, &done).await?;
    let (mut fetched, mut failed) = (0usize, 0usize);
    for nhs in &todo {
        let params = record_params(nhs, false, false, &args.filter)?;
        bar.set_message(format!("fetching {nhs}"));
        match call_quiet(&client, "GetPatientRecord", &params).await {
            Ok(reply) => {
                let path = args.out.join(format!("{nhs}.xml"));
                write_atomically(&path, &reply.xml)?;
                fhir.save(&args.out, nhs, &reply.xml)?;
                fetched += 1;
                tracing::info!("saved {}", path.display());
            }
            Err(e) => {
                let is_answer = e.chain().any(|c| {
                    matches!(
                        c.downcast_ref::<systmone_client::Error>(),
                        Some(systmone_client::Error::Response { .. })
                    )
                });
                if !is_answer {
                    bar.abandon();
                    return Err(e.context(format!(
                        "extract stopped at {nhs} ({fetched} fetched in this run; run again to resume)"
                    )));
                }
                failed += 1;
                bar.suspend(|| eprintln!("{nhs}: {e}"));
            }
        }
        bar.inc(1);
    }
    bar.finish_with_message("done");
    if !global.quiet {
        eprintln!(
            "fetched {fetched}, skipped {} already saved, {failed} refused by SystmOne",
            done.len()
        );
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
    }
}
