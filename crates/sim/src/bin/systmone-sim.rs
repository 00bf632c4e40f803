//! `systmone-sim`: runs the SystmOne client simulator (also `systmone sim`).

use clap::{ArgAction, Parser, ValueEnum};
use systmone_sim::cli::SimArgs;
use tracing_subscriber::filter::LevelFilter;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Colour on stderr: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(
        long,
        env = "SYSTMONE_COLOR",
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    color: ColorArg,
}

/// When to colour the logs (as `systmone --color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorArg {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always (even into a file or pipe).
    Always,
    /// Never.
    Never,
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
    use std::io::IsTerminal;
    let colour = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_ansi(colour)
        .init();
    match systmone_sim::cli::run(args.sim).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
