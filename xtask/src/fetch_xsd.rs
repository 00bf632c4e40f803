//! `cargo xtask fetch-xsd`: GetXSDFiles on a live client writes the schemas into a
//! directory on this machine; `systmone_upkeep::fetch` keeps them, byte for byte, in
//! `xsd/systmone/<label>/` (never over our contract in `xsd/`), says which files are new,
//! changed, unchanged or failed, and what each function schema is: a new function, a new
//! version, a changed request schema, or unchanged.

use std::path::{Path, PathBuf};

use anyhow::Context;

use systmone_bindings::get_xsd_files_v1_0::GetXsdFilesParameters;
use systmone_client::Client;
use systmone_upkeep::fetch::{self, Listed, Report};

use crate::{LiveArgs, Output};

/// Calls GetXSDFiles with `Path` = `remote_dir` (absolute: the client writes there),
/// then installs what it wrote into `into`.
pub async fn fetch(client: &Client, remote_dir: &Path, into: &Path) -> anyhow::Result<Report> {
    let result = client
        .get_xsd_files(GetXsdFilesParameters {
            extra: Default::default(),
            path: Some(remote_dir.display().to_string()),
        })
        .await?;
    let listed: Vec<Listed> = result
        .xsd
        .into_iter()
        .map(|x| Listed {
            function: x.function,
            version: x.version,
            result: x.result,
        })
        .collect();
    Ok(fetch::install(remote_dir, &listed, into)?)
}

/// Today's date (UTC) as `YYYY-MM-DD`: the default label.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The fetch before `into` among its siblings (labels sort by date), if any.
fn previous_fetch(into: &Path) -> Option<PathBuf> {
    let parent = into.parent()?;
    let name = into.file_name()?.to_string_lossy().into_owned();
    let mut labels: Vec<String> = std::fs::read_dir(parent)
        .ok()?
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|l| *l < name)
        .collect();
    labels.sort();
    labels.pop().map(|l| parent.join(l))
}

pub fn run(
    live: &LiveArgs,
    remote_dir: Option<PathBuf>,
    contract: &Path,
    label: Option<String>,
    into: Option<PathBuf>,
    output: Output,
) -> anyhow::Result<()> {
    let label = label.unwrap_or_else(today);
    if label.is_empty() || label.contains(['/', '\\']) || label == ".." || label == "." {
        anyhow::bail!("--label {label:?}: a plain directory name, such as a date");
    }
    let into = into.unwrap_or_else(|| contract.join("systmone").join(&label));
    // Fetched files are evidence: they never replace the contract.
    let same_path = std::path::absolute(&into).ok() == std::path::absolute(contract).ok();
    let same_dir = match (
        std::fs::canonicalize(&into),
        std::fs::canonicalize(contract),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same_path || same_dir {
        anyhow::bail!(
            "{} is our contract: fetched files are kept apart (default xsd/systmone/<label>/)",
            into.display()
        );
    }
    // The default: a fresh temporary directory, removed afterwards.
    let temp = match &remote_dir {
        Some(_) => None,
        None => Some(tempfile::tempdir()?),
    };
    let remote = match (&remote_dir, &temp) {
        (Some(dir), _) => std::path::absolute(dir)?,
        (None, Some(t)) => t.path().to_path_buf(),
        (None, None) => unreachable!(),
    };
    let report = crate::block_on(async {
        let client = live.client()?;
        fetch(&client, &remote, &into).await
    })?
    .with_context(|| {
        format!(
            "fetching the XSDs via {} (the simulator writes only inside its --root: \
             pass --remote-dir with an existing directory there)",
            remote.display()
        )
    })?;
    let previous = previous_fetch(&into);
    let functions = fetch::classify(&into, contract, previous.as_deref())
        .with_context(|| format!("comparing {} with {}", into.display(), contract.display()))?;
    match output {
        Output::Text => {
            println!("kept in {}:", into.display());
            print!("{}", report.to_text());
            print!("{}", fetch::functions_text(&functions));
            println!(
                "next: cargo xtask reconcile {} (then --apply, cargo xtask codegen)",
                into.display()
            );
        }
        Output::Json => println!(
            "{}",
            serde_json::json!({
                "into": into.display().to_string(),
                "files": report.files,
                "functions": functions,
            })
        ),
    }
    if report.failed() > 0 {
        anyhow::bail!("{} schema files could not be fetched", report.failed());
    }
    Ok(())
}
