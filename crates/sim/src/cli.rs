//! The simulator's command line, shared by the `systmone-sim` binary and `systmone sim`.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::{Approval, FaultSpec, Practice, SimConfig, SimError, Simulator, Throttle};

/// `--throttle`: the [`Throttle`] mode.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ThrottleArg {
    /// As the document says ([`Throttle::Spec`]).
    Spec,
    /// No throttling ([`Throttle::Off`]).
    Off,
}

/// What `--replay` does with a request the recording does not hold.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReplayFallbackArg {
    /// Answer from the practice, as without --replay.
    Practice,
    /// Answer with an error response.
    Refuse,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
/// `--approve`: what the simulated user does when a new device connects ([`Approval`]).
pub enum ApproveArg {
    /// Approve every device ([`Approval::Auto`]).
    Auto,
    /// Block every device ([`Approval::Block`]).
    Block,
    /// Ask on the terminal, in the console or through the admin API ([`Approval::Ask`]).
    Ask,
}

/// The simulator's options.
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// TCP port to listen on (0: any free port).
    #[arg(long, default_value_t = 40700)]
    pub port: u16,
    /// Address to listen on (an IP address, or localhost for 127.0.0.1). A non-loopback
    /// address needs --allow-remote.
    #[arg(long, default_value = "127.0.0.1", value_parser = systmone_transport::addr::parse_ip)]
    pub bind: IpAddr,
    /// Allow binding a non-loopback address (for the interface and the console).
    #[arg(long)]
    pub allow_remote: bool,
    /// Serve the operator console (a web page) and the admin API (JSON) on this
    /// address, e.g. 127.0.0.1:8080 or localhost:8080 (port 0: any free port). A
    /// non-loopback address needs --allow-remote.
    #[arg(long, value_name = "ADDR:PORT", value_parser = systmone_transport::addr::parse_socket_addr)]
    pub console: Option<SocketAddr>,
    /// The token every console and admin API request must carry (default: a random
    /// one for each run, printed with the console's address). Better given in the
    /// environment than on the command line, where other users can read it.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SYSTMONE_CONSOLE_TOKEN",
        hide_env_values = true,
        requires = "console"
    )]
    pub console_token: Option<String>,
    /// With --approve ask: seconds a new device waits for an answer before it gets a
    /// temporary error.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub approval_timeout: u64,
    /// A practice (JSON, see --dump-practice) to load instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// The only directory tree GetDocument, GetXSDFiles and DataExtract may write
    /// into (default: a temporary directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Throttling: as the document says, or off.
    #[arg(long, value_enum, default_value = "spec")]
    pub throttle: ThrottleArg,
    /// Device approval: approve all, block all, or ask (on the terminal, in the
    /// console or through the admin API).
    #[arg(long, value_enum, default_value = "auto")]
    pub approve: ApproveArg,
    /// Inject a fault, e.g. drop@3, drop-after-write@2, close-mid@5, delay=2s@4,
    /// temporary@1, drop%0.1 (repeatable).
    #[arg(long, value_name = "SPEC")]
    pub fault: Vec<FaultSpec>,
    /// Seed of the built-in practice and of probabilistic faults.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Accepted API keys (default: the document's two). Repeatable.
    #[arg(long = "accept-key", value_name = "KEY")]
    pub accept_keys: Vec<String>,
    /// Read control commands from standard input (open NUMBER, close,
    /// activity A/B/C, select drug|code SCHEME ID NAME, select clear, block ID,
    /// devices, audit, summary, quit).
    #[arg(long)]
    pub control_stdin: bool,
    /// Write the built-in practice (for this seed) as JSON to FILE ("-": stdout) and exit.
    #[arg(long, value_name = "FILE")]
    pub dump_practice: Option<PathBuf>,
    /// Append every message of the journal to FILE as a JSON line (request and
    /// response XML included, the API key redacted); memory keeps only the latest
    /// --audit-capacity.
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,
    /// Messages the journal keeps in memory (console, admin API); older ones are
    /// dropped (the audit file keeps them all).
    #[arg(long, value_name = "N", default_value_t = crate::DEFAULT_AUDIT_CAPACITY)]
    pub audit_capacity: usize,
    /// Bytes the journal in memory may take; the oldest messages are dropped to stay
    /// under it (each request and response is kept whole up to 1 MiB, then as its
    /// start; the audit file has them whole).
    #[arg(long, value_name = "BYTES", default_value_t = crate::DEFAULT_AUDIT_MAX_BYTES)]
    pub audit_max_bytes: usize,
    /// Largest request accepted, in bytes (a larger one gets an error and its
    /// connection is closed).
    #[arg(long, value_name = "BYTES", default_value_t = SimConfig::default().max_request_bytes)]
    pub max_request_bytes: usize,
    /// Bytes of requests all connections together may hold, unfinished or being
    /// answered (a connection going over gets a temporary error and is closed).
    #[arg(long, value_name = "BYTES", default_value_t = crate::DEFAULT_MAX_BUFFERED_BYTES)]
    pub max_buffered_bytes: usize,
    /// Seconds a request may take once its first bytes have arrived (plus the time its
    /// bytes take at 16 KiB/s); a connection past it is closed.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::DEFAULT_REQUEST_TIMEOUT.as_secs())]
    pub request_timeout: u64,
    /// Connections open at once. At the limit, the one idle the longest (or the slowest
    /// to send its request) is closed for a new one; if all are busy, the new one gets a
    /// temporary error and is closed.
    #[arg(long, value_name = "N", default_value_t = crate::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Behave like a newer SystmOne than the bindings describe: an extra element
    /// (Demographics/PreferredPronouns) and attribute (Event/@Confidentiality) in
    /// responses, and GetPatientRecord 1.1 advertised by GetFunctions, its request
    /// schema written by GetXSDFiles.
    #[arg(long)]
    pub skew: bool,
    /// Print the built-in practice's test patients (for this seed), in the format
    /// `systmone conformance --test-patients FILE` reads, and exit.
    #[arg(long)]
    pub test_patients: bool,
    /// Answer from a recording made by `systmone proxy --record DIR` (matched by
    /// function and parameters, the request's RequestUID echoed).
    #[arg(long, value_name = "DIR")]
    pub replay: Option<PathBuf>,
    /// Refuse a request that departs from the bindings, naming the path of the first
    /// departure. By default such a request is answered as SystmOne answers it (it
    /// ignores what it does not read) and its drift (paths, kinds and counts) is shown
    /// in the journal, the console and the admin API.
    #[arg(long)]
    pub strict_requests: bool,
    /// With --replay: what a request the recording does not hold gets.
    #[arg(long, value_enum, default_value = "refuse", requires = "replay")]
    pub replay_fallback: ReplayFallbackArg,
}

/// Why the simulator's command failed.
#[derive(Debug, thiserror::Error)]
pub enum SimCliError {
    /// `--bind` names an address other machines can reach, and `--allow-remote` was not
    /// given.
    #[error("refusing to listen on {0} (not a loopback address) without --allow-remote")]
    NotLoopback(IpAddr),
    /// `--console` names an address other machines can reach, and `--allow-remote` was not
    /// given.
    #[error(
        "refusing to serve the console on {0} (not a loopback address) without --allow-remote: \
         anyone who reaches it controls the simulator"
    )]
    ConsoleNotLoopback(SocketAddr),
    /// The simulator could not start.
    #[error(transparent)]
    Start(#[from] SimError),
    /// `--dump-practice` could not write its file.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file named.
        path: PathBuf,
        /// Why it could not be written.
        source: std::io::Error,
    },
}

impl SimArgs {
    /// The configuration these options describe.
    pub fn config(&self) -> Result<SimConfig, SimCliError> {
        if !self.bind.is_loopback() && !self.allow_remote {
            return Err(SimCliError::NotLoopback(self.bind));
        }
        if let Some(console) = self.console {
            if !console.ip().is_loopback() && !self.allow_remote {
                return Err(SimCliError::ConsoleNotLoopback(console));
            }
        }
        let mut config = SimConfig {
            bind: SocketAddr::new(self.bind, self.port),
            throttle: match self.throttle {
                ThrottleArg::Spec => Throttle::Spec,
                ThrottleArg::Off => Throttle::Off,
            },
            approval: match self.approve {
                ApproveArg::Auto => Approval::Auto,
                ApproveArg::Block => Approval::Block,
                ApproveArg::Ask => Approval::Ask,
            },
            root: self.root.clone(),
            seed: self.seed,
            practice: self.data.clone(),
            faults: self.fault.clone(),
            control_stdin: self.control_stdin,
            console: self.console,
            console_token: self.console_token.clone().filter(|t| !t.trim().is_empty()),
            approval_timeout: std::time::Duration::from_secs(self.approval_timeout),
            audit_file: self.audit.clone(),
            audit_capacity: self.audit_capacity,
            audit_max_bytes: self.audit_max_bytes,
            max_request_bytes: self.max_request_bytes,
            max_buffered_bytes: self.max_buffered_bytes,
            max_connections: self.max_connections,
            request_timeout: std::time::Duration::from_secs(self.request_timeout.max(1)),
            skew: self.skew,
            strict_requests: self.strict_requests,
            replay: self.replay.clone().map(|dir| crate::ReplayConfig {
                dir,
                fallback: match self.replay_fallback {
                    ReplayFallbackArg::Practice => crate::ReplayFallback::Practice,
                    ReplayFallbackArg::Refuse => crate::ReplayFallback::Refuse,
                },
            }),
            ..SimConfig::default()
        };
        if !self.accept_keys.is_empty() {
            config.api_keys = self.accept_keys.clone();
        }
        Ok(config)
    }
}

/// Runs the simulator until ExitClient or Ctrl-C: prints `listening on ADDR:PORT` to
/// stdout once bound, then `console on http://ADDR:PORT/console?token=TOKEN` with `--console` (or writes the practice and returns, with `--dump-practice`).
pub async fn run(args: SimArgs) -> Result<(), SimCliError> {
    if let Some(path) = &args.dump_practice {
        let json = Practice::generate(args.seed, chrono::Local::now().date_naive()).to_json();
        let written = if path.as_os_str() == "-" {
            match writeln!(std::io::stdout(), "{json}") {
                // The reader stopped early (`| head`): what it wanted was written.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other,
            }
        } else {
            std::fs::write(path, json)
        };
        return written.map_err(|source| SimCliError::Write {
            path: path.clone(),
            source,
        });
    }
    if args.test_patients {
        let practice = Practice::generate(args.seed, chrono::Local::now().date_naive());
        let text = crate::practice::test_patients_toml(&practice);
        return match write!(std::io::stdout(), "{text}") {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(SimCliError::Write {
                path: PathBuf::from("<stdout>"),
                source: e,
            }),
            _ => Ok(()),
        };
    }
    let sim = Simulator::start(args.config()?).await?;
    // Registered before "listening on" is printed, so a SIGTERM sent as soon as a
    // caller sees that line is handled (the temporary root removed), not fatal.
    let terminated = terminated();
    let stdout = (|| {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", sim.addr())?;
        // With its token, as notebook servers print theirs.
        if let Some(url) = sim.console_url() {
            writeln!(out, "console on {url}")?;
        }
        out.flush()
    })();
    stdout.map_err(|source| SimCliError::Write {
        path: PathBuf::from("<stdout>"),
        source,
    })?;
    eprintln!("root directory: {}", sim.root().display());
    let control = sim.control();
    tokio::select! {
        _ = sim.wait() => {}
        _ = tokio::signal::ctrl_c() => control.shutdown(),
        _ = terminated => control.shutdown(),
    }
    // On a signal the handle is dropped with `wait`'s future: its temporary root
    // directory is removed.
    Ok(())
}

/// Registers for SIGTERM now; the future resolves when it arrives (never elsewhere).
fn terminated() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        #[cfg(unix)]
        if let Some(mut term) = term {
            term.recv().await;
            return;
        }
        std::future::pending::<()>().await
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Args {
        #[command(flatten)]
        sim: SimArgs,
    }

    fn config(args: &[&str]) -> Result<SimConfig, SimCliError> {
        let mut all = vec!["systmone-sim"];
        all.extend_from_slice(args);
        Args::try_parse_from(all).unwrap().sim.config()
    }

    #[test]
    fn the_console_is_loopback_only_unless_allowed() {
        let refused = config(&["--console", "0.0.0.0:8080"]).unwrap_err();
        assert!(matches!(refused, SimCliError::ConsoleNotLoopback(_)));
        assert!(refused.to_string().contains("--allow-remote"));
        let allowed = config(&["--console", "0.0.0.0:8080", "--allow-remote"]).unwrap();
        assert_eq!(allowed.console, Some("0.0.0.0:8080".parse().unwrap()));
        let local = config(&["--console", "127.0.0.1:0"]).unwrap();
        assert_eq!(local.console, Some("127.0.0.1:0".parse().unwrap()));
        assert_eq!(config(&[]).unwrap().console, None);
    }

    #[test]
    fn requests_are_read_as_systmone_reads_them_unless_strict() {
        assert!(!config(&[]).unwrap().strict_requests);
        assert!(config(&["--strict-requests"]).unwrap().strict_requests);
    }

    #[test]
    fn localhost_is_loopback_for_the_interface_and_the_console() {
        let c = config(&["--bind", "localhost", "--console", "localhost:8080"]).unwrap();
        assert_eq!(c.bind.ip(), std::net::IpAddr::from([127, 0, 0, 1]));
        assert_eq!(c.console, Some("127.0.0.1:8080".parse().unwrap()));
        // A name is not looked up: only localhost stands for an address.
        assert!(Args::try_parse_from(["systmone-sim", "--bind", "example.org"]).is_err());
    }

    #[test]
    fn the_audit_file_and_the_limits() {
        let c = config(&[
            "--audit",
            "trail.jsonl",
            "--audit-capacity",
            "5",
            "--max-request-bytes",
            "1000",
            "--max-buffered-bytes",
            "2000",
            "--max-connections",
            "3",
        ])
        .unwrap();
        assert_eq!(c.audit_file, Some(PathBuf::from("trail.jsonl")));
        assert_eq!(
            (
                c.audit_capacity,
                c.max_request_bytes,
                c.max_buffered_bytes,
                c.max_connections
            ),
            (5, 1000, 2000, 3)
        );
        let d = config(&[]).unwrap();
        let defaults = SimConfig::default();
        assert_eq!(d.audit_file, None);
        assert_eq!(
            (
                d.audit_capacity,
                d.max_request_bytes,
                d.max_buffered_bytes,
                d.max_connections
            ),
            (
                defaults.audit_capacity,
                defaults.max_request_bytes,
                defaults.max_buffered_bytes,
                defaults.max_connections
            )
        );
    }
}
