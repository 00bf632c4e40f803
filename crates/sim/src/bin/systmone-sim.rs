//! `systmone-sim`: runs the SystmOne client simulator (also `systmone sim`).

use clap::Parser;
use systmone_sim::cli::SimArgs;

/// A simulated SystmOne client for the Client Integration interface.
#[derive(Debug, Parser)]
#[command(name = "systmone-sim", version)]
struct Args {
    #[command(flatten)]
    sim: SimArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    systmone_sim::cli::run(Args::parse().sim).await?;
    Ok(())
}
