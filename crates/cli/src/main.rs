//! `systmone`: the command-line tool for the SystmOne Client Integration interface.

// The doc comments of the option structs are clap's help text, read on a terminal
// (`<NHS>.xml` is a placeholder there), not HTML: backticks would show up in `--help`.
#![allow(rustdoc::invalid_html_tags)]

// std's print macros panic when the reader has gone (`systmone functions | head`):
// these replacements, in scope for every module below, end the process quietly then.
macro_rules! println {
    () => { $crate::output::write_stdout(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::output::write_stdout(format_args!($($arg)*), true) };
}
macro_rules! print {
    ($($arg:tt)*) => { $crate::output::write_stdout(format_args!($($arg)*), false) };
}
macro_rules! eprintln {
    () => { $crate::output::write_stderr(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::output::write_stderr(format_args!($($arg)*), true) };
}

mod checks;
mod commands;
mod completion;
mod conformance;
mod demo;
mod describe;
mod extract;
mod fhir_output;
mod fixtures;
mod kiosk;
mod options;
mod output;
mod params;
mod parse;
mod profile;
mod progress;
mod proxy;
mod request;
mod summary;
mod template;
mod template_fill;
mod tree;

use std::process::ExitCode;

use crate::options::{Cli, Command};

/// The allocator `systmone-sim` runs with, so that `systmone sim` serves as fast.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // clap writes its own help and errors before --color is parsed: look ahead.
    let coloured = |command: clap::Command| match colour_asked() {
        Some(choice) => command.color(choice),
        None => command,
    };
    let parsed = coloured(options::command())
        .try_get_matches()
        .and_then(|matches| {
            <Cli as clap::FromArgMatches>::from_arg_matches(&matches).map(|cli| (cli, matches))
        });
    let (mut cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(mut e) => {
            // The same mistake reported without the environment's values, so the usage
            // line does not show options set by SYSTMONE_* variables as required.
            if e.use_stderr() {
                if let Err(plain) = coloured(options::command_without_env()).try_get_matches() {
                    if plain.kind() == e.kind() {
                        e = plain;
                    }
                }
            }
            let _ = e.print();
            // --help and --version are not errors; a usage error is a local failure.
            if !e.use_stderr() {
                return ExitCode::SUCCESS;
            }
            if json_output_asked() {
                let text = e.to_string();
                let first = text.lines().next().unwrap_or("");
                let message = first.strip_prefix("error: ").unwrap_or(first);
                println!(
                    "{}",
                    error_object("usage", message, 1, serde_json::Map::new())
                );
            }
            return ExitCode::from(1);
        }
    };
    // SYSTMONE_AUDIT names the client's audit log, which holds no patient data: the
    // simulator's journal (request and response XML) goes to a file only when its
    // --audit is given on the command line.
    if let Command::Sim(args) = &mut cli.command {
        let source = matches
            .subcommand_matches("sim")
            .and_then(|m| m.value_source("audit"));
        if source != Some(clap::parser::ValueSource::CommandLine) {
            args.audit = None;
        }
    }
    let colour = profile::colour_stderr(cli.global.color);
    init_logging(cli.global.verbose, cli.global.quiet, colour);
    let verbose = cli.global.verbose;
    let json_errors = cli.global.output == Some(output::OutputFormat::Json);
    if let Err(e) = profile::apply(&mut cli.global, &matches) {
        report(&e, 0, colour);
        if json_errors {
            println!("{}", error_json(&e));
        }
        return ExitCode::from(1);
    }
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
        // Whoever read the output has stopped (`| head`): nothing is wrong.
        Err(e) if output::is_closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e, verbose, colour);
            if json_errors {
                println!("{}", error_json(&e));
            }
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
        Command::Proxy(args) => proxy::run(args).await,
        Command::Fixtures(args) => fixtures::run(args),
        Command::Functions => commands::functions(&global).await,
        Command::Org(args) => commands::org(&global, args).await,
        Command::Search(args) => commands::search(&global, args).await,
        Command::Record(args) => commands::record(&global, args).await,
        Command::Slots(args) => commands::slots(&global, args).await,
        Command::Diary(args) => commands::diary(&global, args).await,
        Command::Book(args) => kiosk::book(&global, args).await,
        Command::Reading(args) => kiosk::reading(&global, args).await,
        Command::Arrive(args) => kiosk::arrive(&global, args).await,
        Command::Answers(args) => kiosk::answers(&global, args).await,
        Command::Document(args) => commands::document(&global, args).await,
        Command::Extract(args) => extract::run(&global, args).await,
        Command::Compat => commands::compat(&global).await,
        Command::Describe(args) => describe::run(&global, args),
        Command::Conformance(args) => conformance::run(&global, args).await,
        Command::Completions(args) => {
            // Into memory first: the generator panics on a failed write.
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut options::command(), "systmone", &mut script);
            print!("{}", String::from_utf8_lossy(&script));
            Ok(0)
        }
    }
}

/// `-o json` (in any spelling clap accepts, or SYSTMONE_OUTPUT=json) on a command line
/// clap refused, so its usage error can be given as JSON too.
fn json_output_asked() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .any(|a| a == "-ojson" || a == "--output=json" || a == "-o=json")
        || args
            .windows(2)
            .any(|w| (w[0] == "-o" || w[0] == "--output") && w[1] == "json")
        || std::env::var("SYSTMONE_OUTPUT").is_ok_and(|v| v == "json")
}

/// `--color always|never` (or `--color=...`, or SYSTMONE_COLOR) on the command line,
/// for clap's own messages (clap itself honours NO_COLOR and terminals).
fn colour_asked() -> Option<clap::ColorChoice> {
    let args: Vec<String> = std::env::args().collect();
    let value = args
        .windows(2)
        .rev()
        .find(|w| w[0] == "--color")
        .map(|w| w[1].clone())
        .or_else(|| {
            args.iter()
                .rev()
                .find_map(|a| a.strip_prefix("--color=").map(String::from))
        })
        .or_else(|| std::env::var("SYSTMONE_COLOR").ok())?;
    match value.as_str() {
        "always" => Some(clap::ColorChoice::Always),
        "never" => Some(clap::ColorChoice::Never),
        _ => None,
    }
}

/// Logs on stderr: warnings by default, `-v` info, `-vv` debug, `-vvv` trace, `-q`
/// errors only; `RUST_LOG` (`debug`, `systmone_client=debug,warn`, ...: a level, or
/// `target=level` pairs) replaces the level the flags choose. No log line holds the
/// API key, and none at info or above a patient's data.
fn init_logging(verbose: u8, quiet: bool, colour: bool) {
    let (filter, targets, refused) = log_filter(verbose, quiet, std::env::var("RUST_LOG").ok());
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(targets)
        .with_ansi(colour)
        .without_time()
        // Its report of a failed write uses std's eprintln!, which panics on a closed
        // pipe (`systmone -v functions 2>&1 | head`).
        .log_internal_errors(false);
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(filter)
        .try_init();
    if let Some(reason) = refused {
        tracing::warn!("RUST_LOG ignored: {reason}");
    }
}

/// The log filter for `-v`/`-q` and `RUST_LOG`, whether lines show their target (with
/// `-vv` or `RUST_LOG`), and why `RUST_LOG` was not understood.
fn log_filter(
    verbose: u8,
    quiet: bool,
    rust_log: Option<String>,
) -> (tracing_subscriber::filter::Targets, bool, Option<String>) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
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
    let flags = Targets::new().with_default(level);
    match rust_log.as_deref().map(str::trim) {
        None | Some("") => (flags, verbose >= 2, None),
        Some(spec) => match spec.parse::<Targets>() {
            Ok(targets) => (targets, true, None),
            Err(e) => (flags, verbose >= 2, Some(format!("{spec:?}: {e}"))),
        },
    }
}

/// One clear sentence; the chain of causes and the debug form only with `-v`.
fn report(error: &anyhow::Error, verbose: u8, colour: bool) {
    eprintln!("{} {}", profile::error_prefix(colour), message(error));
    if verbose > 0 {
        eprintln!("{error:?}");
    }
}

/// The error in one sentence, with the fix when there is an obvious one.
fn message(error: &anyhow::Error) -> String {
    use systmone_client::Error as E;
    match find_client_error(error) {
        Some(E::Response { function, error: e }) => {
            // SystmOne's wording; the simulator says "The API key is not valid".
            let key_hint = if e.message.to_ascii_lowercase().contains("api key") {
                "; check the key given with --api-key or SYSTMONE_API_KEY"
            } else {
                ""
            };
            return format!(
                "SystmOne answered {function} with an error ({}): {}{key_hint}",
                if e.permanent {
                    "permanent"
                } else {
                    "temporary, can be retried"
                },
                e.message
            );
        }
        Some(E::CallTimeout { .. }) => {
            return format!("{}; see --call-timeout", message_chain(error));
        }
        Some(E::UnknownHost { addr, .. }) => {
            return format!(
                "{}; check the host name in --addr {addr} (the SystmOne client on this PC is \
                 127.0.0.1:40700)",
                message_chain(error)
            );
        }
        Some(E::NotApproved { .. }) => {
            return format!(
                "{}; approve this device in SystmOne on this PC when asked, then run the \
                 command again (see --approval-wait)",
                message_chain(error)
            );
        }
        Some(E::Connect { addr, source })
            if source.kind() == std::io::ErrorKind::ConnectionRefused =>
        {
            return format!(
                "cannot connect to SystmOne at {addr}: connection refused; is SystmOne (or \
                 `systmone sim`) running on {addr}? see --addr"
            );
        }
        _ => {}
    }
    message_chain(error)
}

/// The error and the causes that are not already part of its top message.
fn message_chain(error: &anyhow::Error) -> String {
    let mut message = error.to_string();
    // Add the causes that are not already part of the top message.
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
    }
    message
}

/// The error as a JSON object for `-o json` (on stdout, beside the text on stderr):
/// `{"error": {"kind", "message", "exit_code", "request_uid", ...}}`.
fn error_json(error: &anyhow::Error) -> String {
    use systmone_client::Error as E;
    let client = find_client_error(error);
    let kind = match client {
        Some(E::Response { .. }) => "error-response",
        Some(E::DeviceBlocked { .. }) => "device-blocked",
        Some(E::NotApproved { .. }) => "not-approved",
        Some(E::UnknownHost { .. }) => "unknown-host",
        Some(E::Unsupported { .. }) => "unsupported",
        Some(E::Connect { .. }) => "connect",
        Some(E::Io(_)) => "io",
        Some(E::Timeout { .. } | E::CallTimeout { .. }) => "timeout",
        Some(E::WrongPatient { .. }) => "wrong-patient",
        Some(E::Protocol(_)) => "protocol",
        Some(E::OutcomeUnknown { .. }) => "outcome-unknown",
        Some(E::DeviceId(_)) => "device-id",
        Some(E::Encode(_)) => "encode",
        Some(E::InvalidParameter { .. }) => "invalid-parameter",
        Some(E::NotBooked { .. }) => "not-booked",
        None => "local",
    };
    let mut extra = serde_json::Map::new();
    match client {
        Some(E::OutcomeUnknown {
            function,
            request_uid,
            ..
        }) => {
            extra.insert("request_uid".into(), request_uid.as_str().into());
            extra.insert("function".into(), function.as_str().into());
        }
        Some(E::NotBooked { request_uid, .. }) => {
            extra.insert("request_uid".into(), request_uid.as_str().into());
            extra.insert("function".into(), "UpdatePatientRecord".into());
        }
        Some(E::Response { function, error }) => {
            extra.insert("function".into(), function.as_str().into());
            extra.insert("permanent".into(), error.permanent.into());
        }
        Some(E::WrongPatient {
            function,
            request_uid,
            write,
            ..
        }) => {
            extra.insert("request_uid".into(), request_uid.as_str().into());
            extra.insert("function".into(), function.as_str().into());
            extra.insert("write".into(), (*write).into());
        }
        _ => {}
    }
    error_object(kind, &message(error), exit_code(error), extra)
}

/// `{"error": {"kind", "message", "exit_code", "request_uid": null, ...extra}}`.
fn error_object(
    kind: &str,
    message: &str,
    exit_code: u8,
    extra: serde_json::Map<String, serde_json::Value>,
) -> String {
    let mut object = serde_json::Map::new();
    object.insert("kind".into(), kind.into());
    object.insert("message".into(), message.into());
    object.insert("exit_code".into(), exit_code.into());
    object.insert("request_uid".into(), serde_json::Value::Null);
    object.extend(extra);
    serde_json::to_string_pretty(&serde_json::json!({ "error": object }))
        .unwrap_or_else(|_| "{\"error\": {}}".to_string())
}

fn find_client_error(error: &anyhow::Error) -> Option<&systmone_client::Error> {
    error
        .chain()
        .find_map(|e| e.downcast_ref::<systmone_client::Error>())
}

/// The device's first request was not approved in time.
const EXIT_NOT_APPROVED: u8 = 9;

/// 9: the device's first request was not approved in time; 2: SystmOne answered with an error; 3: transport or protocol failure; 4: a write's
/// outcome is unknown (a booking answered without its AppointmentUID too); 8: the answer was for another patient; 1: anything else
/// (usage, files, invalid parameters).
fn exit_code(error: &anyhow::Error) -> u8 {
    use systmone_client::Error as E;
    match find_client_error(error) {
        Some(E::Response { .. } | E::DeviceBlocked { .. } | E::Unsupported { .. }) => 2,
        Some(
            E::Connect { .. }
            | E::Io(_)
            | E::Timeout { .. }
            | E::CallTimeout { .. }
            | E::UnknownHost { .. }
            | E::Protocol(_),
        ) => 3,
        Some(E::OutcomeUnknown { .. } | E::NotBooked { .. }) => 4,
        Some(E::WrongPatient { .. }) => output::EXIT_WRONG_PATIENT,
        Some(E::NotApproved { .. }) => EXIT_NOT_APPROVED,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::log_filter;

    #[test]
    fn verbosity_and_rust_log_choose_the_levels() {
        let debug_of = |verbose, quiet, rust_log: Option<&str>| {
            let (filter, _, refused) = log_filter(verbose, quiet, rust_log.map(String::from));
            (
                filter.would_enable("systmone_client::client", &Level::DEBUG),
                filter.would_enable("systmone_client::client", &Level::INFO),
                refused.is_some(),
            )
        };
        assert_eq!(debug_of(0, false, None), (false, false, false));
        assert_eq!(debug_of(1, false, None), (false, true, false));
        assert_eq!(debug_of(2, false, None), (true, true, false));
        assert_eq!(debug_of(0, false, Some("debug")), (true, true, false));
        assert_eq!(
            debug_of(0, true, Some("systmone_client=debug")),
            (true, true, false)
        );
        assert_eq!(debug_of(2, false, Some("info")), (false, true, false));
        // Not understood: the flags' level, and the reason.
        assert_eq!(debug_of(2, false, Some("x=loud")), (true, true, true));
        assert_eq!(debug_of(0, false, Some("  ")), (false, false, false));
    }
}
