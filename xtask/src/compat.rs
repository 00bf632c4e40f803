//! `cargo xtask compat`: GetFunctions on a live client against the bindings we ship
//! (`systmone_bindings::FUNCTIONS`); the comparison is `systmone_upkeep::compat`.

use systmone_client::Client;
use systmone_upkeep::compat::{self, Report};

use crate::{LiveArgs, Output};

/// Asks the client for its functions and compares them with ours.
pub async fn check(client: &Client) -> anyhow::Result<Report> {
    let advertised: Vec<(String, Vec<String>)> = client
        .supported_functions()
        .await?
        .iter()
        .map(|f| (f.function.clone(), f.version.clone()))
        .collect();
    Ok(compat::compare(
        &advertised,
        systmone_bindings::FUNCTIONS,
        systmone_bindings::ALIASES,
    ))
}

/// Prints the table (or JSON); fails when a binding we ship is unsupported.
pub fn run(live: &LiveArgs, output: Output) -> anyhow::Result<()> {
    let report = crate::block_on(async {
        let client = live.client()?;
        check(&client).await
    })??;
    match output {
        Output::Text => print!("{}", report.to_table()),
        Output::Json => println!("{}", report.to_json()),
    }
    if report.has_failures() {
        let failing: Vec<&str> = report
            .rows
            .iter()
            .filter(|r| r.verdict.is_failure())
            .map(|r| r.function.as_str())
            .collect();
        anyhow::bail!(
            "the client does not support bindings we ship: {}",
            failing.join(", ")
        );
    }
    Ok(())
}
