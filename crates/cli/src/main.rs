//! `systmone`: the command-line tool for the SystmOne Client Integration interface.

mod commands;
mod demo;
mod extract;
mod fhir_output;
mod options;
mod output;
mod parse;
mod request;
mod template;
mod tree;

use std::process::ExitCode;

use clap::Parser;

use crate::options::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors; a usage error is a local failure.
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    init_logging(cli.global.verbose, cli.global.quiet);
    let verbose = cli.global.verbose;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            report(&e, verbose);
            ExitCode::from(exit_code(&e))
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<u8> {
    let global = cli.global;
    match cli.command {
        Command::Demo(args) => demo::run(&global, args).await,
        Command::Call(args) => commands::call(&global, args).await,
        Command::Parse(args) => parse::run(&global, args),
        Command::Template(args) => template::run(&global, args).await,
        Command::Sim(args) => commands::sim(args).await,
        Command::Functions => commands::functions(&global).await,
        Command::Org(args) => commands::org(&global, args).await,
        Command::Search(args) => commands::search(&global, args).await,
        Command::Record(args) => commands::record(&global, args).await,
        Command::Slots(args) => commands::slots(&global, args).await,
        Command::Diary(args) => commands::diary(&global, args).await,
        Command::Book(args) => commands::book(&global, args).await,
        Command::Document(args) => commands::document(&global, args).await,
        Command::Extract(args) => extract::run(&global, args).await,
        Command::Compat => commands::compat(&global).await,
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    use tracing_subscriber::filter::LevelFilter;
    let level = if quiet {
        LevelFilter::ERROR
    } else {
        match verbose {
            0 => LevelFilter::WARN,
            1 => LevelFilter::INFO,
            2 => LevelFilter::DEBUG,
            _ => LevelFilter::TRACE,
        }
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_target(verbose >= 2)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .try_init();
}

/// One clear sentence; the chain of causes and the debug form only with `-v`.
fn report(error: &anyhow::Error, verbose: u8) {
    if let Some(systmone_client::Error::Response { function, error: e }) = find_client_error(error)
    {
        eprintln!(
            "error: SystmOne answered {function} with an error ({}): {}",
            if e.permanent {
                "permanent"
            } else {
                "temporary, can be retried"
            },
            e.message
        );
        return;
    }
    let mut message = error.to_string();
    // Add the causes that are not already part of the top message.
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
    }
    eprintln!("error: {message}");
    if verbose > 0 {
        eprintln!("{error:?}");
    }
}

fn find_client_error(error: &anyhow::Error) -> Option<&systmone_client::Error> {
    error
        .chain()
        .find_map(|e| e.downcast_ref::<systmone_client::Error>())
}

/// 2: SystmOne answered with an error; 3: transport or protocol failure; 4: a write's
/// outcome is unknown; 1: anything else (usage, files, invalid parameters).
fn exit_code(error: &anyhow::Error) -> u8 {
    use systmone_client::Error as E;
    match find_client_error(error) {
        Some(E::Response { .. } | E::DeviceBlocked { .. } | E::Unsupported { .. }) => 2,
        Some(E::Connect { .. } | E::Io(_) | E::Timeout { .. } | E::Protocol(_)) => 3,
        Some(E::OutcomeUnknown { .. }) => 4,
        _ => 1,
    }
}
