//! `systmone-sim`: runs the SystmOne client simulator (also `systmone sim`).

use clap::{ArgAction, Parser};
use systmone_sim::cli::SimArgs;
use tracing_subscriber::filter::LevelFilter;

/// A simulated SystmOne client for the Client Integration interface.
#[derive(Debug, Parser)]
#[command(name = "systmone-sim", version)]
struct Args {
    #[command(flatten)]
    sim: SimArgs,
    /// More detail on stderr (as `systmone sim`): the simulator logs each request at
    /// info by default; -v adds debug logs (error messages, which may name a patient),
    /// -vv trace.
    #[arg(short, long, action = ArgAction::Count)]
    verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let level = match (args.quiet, args.verbose) {
        (true, _) => LevelFilter::ERROR,
        (false, 0) => LevelFilter::INFO,
        (false, 1) => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .init();
    match systmone_sim::cli::run(args.sim).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
