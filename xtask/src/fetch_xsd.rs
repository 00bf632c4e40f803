//! `cargo xtask fetch-xsd`: GetXSDFiles on a live client writes the schemas into a
//! directory on this machine; `systmone_upkeep::fetch` copies them into `xsd/` (or
//! `--into`) and says which are new, changed, unchanged or failed.

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

pub fn run(
    live: &LiveArgs,
    remote_dir: Option<PathBuf>,
    into: &Path,
    output: Output,
) -> anyhow::Result<()> {
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
        fetch(&client, &remote, into).await
    })?
    .with_context(|| {
        format!(
            "fetching the XSDs via {} (the simulator writes only inside its --root: \
             pass --remote-dir with an existing directory there)",
            remote.display()
        )
    })?;
    match output {
        Output::Text => print!("{}", report.to_text()),
        Output::Json => println!("{}", report.to_json()),
    }
    if report.failed() > 0 {
        anyhow::bail!("{} schema files could not be fetched", report.failed());
    }
    Ok(())
}
