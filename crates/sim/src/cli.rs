//! The simulator's command line, shared by the `systmone-sim` binary and `systmone sim`.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::{Approval, FaultSpec, Practice, SimConfig, SimError, Simulator, Throttle};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ThrottleArg {
    Spec,
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
pub enum ApproveArg {
    Auto,
    Block,
    Ask,
}

/// The simulator's options.
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// TCP port to listen on (0: any free port).
    #[arg(long, default_value_t = 40700)]
    pub port: u16,
    /// Address to listen on. A non-loopback address needs --allow-remote.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Allow binding a non-loopback address (for the interface and the console).
    #[arg(long)]
    pub allow_remote: bool,
    /// Serve the operator console (a web page) and the admin API (JSON) on this
    /// address, e.g. 127.0.0.1:8080 (port 0: any free port). A non-loopback address
    /// needs --allow-remote.
    #[arg(long, value_name = "ADDR:PORT")]
    pub console: Option<SocketAddr>,
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
    /// Answer from a recording made by `systmone proxy --record DIR` (matched by
    /// function and parameters, the request's RequestUID echoed).
    #[arg(long, value_name = "DIR")]
    pub replay: Option<PathBuf>,
    /// With --replay: what a request the recording does not hold gets.
    #[arg(long, value_enum, default_value = "refuse", requires = "replay")]
    pub replay_fallback: ReplayFallbackArg,
}

/// Why the simulator's command failed.
#[derive(Debug, thiserror::Error)]
pub enum SimCliError {
    #[error("refusing to listen on {0} (not a loopback address) without --allow-remote")]
    NotLoopback(IpAddr),
    #[error(
        "refusing to serve the console on {0} (not a loopback address) without --allow-remote: \
         anyone who reaches it controls the simulator"
    )]
    ConsoleNotLoopback(SocketAddr),
    #[error(transparent)]
    Start(#[from] SimError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
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
            approval_timeout: std::time::Duration::from_secs(self.approval_timeout),
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
/// stdout once bound, then `console on http://ADDR:PORT/console` with `--console` (or writes the practice and returns, with `--dump-practice`).
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
    let sim = Simulator::start(args.config()?).await?;
    // Registered before "listening on" is printed, so a SIGTERM sent as soon as a
    // caller sees that line is handled (the temporary root removed), not fatal.
    let terminated = terminated();
    let stdout = (|| {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", sim.addr())?;
        if let Some(console) = sim.console_addr() {
            writeln!(out, "console on http://{console}/console")?;
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
}
