//! `systmone-sim`: runs the SystmOne client simulator.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use systmone_sim::{Approval, FaultSpec, Practice, SimConfig, Simulator, Throttle};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ThrottleArg {
    Spec,
    Off,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ApproveArg {
    Auto,
    Block,
    Ask,
}

/// A simulated SystmOne client for the Client Integration interface.
#[derive(Debug, Parser)]
#[command(name = "systmone-sim", version)]
struct Args {
    /// TCP port to listen on (0: any free port).
    #[arg(long, default_value_t = 40700)]
    port: u16,
    /// Address to listen on. A non-loopback address needs --allow-remote.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Allow binding a non-loopback address.
    #[arg(long)]
    allow_remote: bool,
    /// A practice (JSON, see --dump-practice) to load instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// The only directory tree GetDocument, GetXSDFiles and DataExtract may write
    /// into (default: a temporary directory).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Throttling: as the document says, or off.
    #[arg(long, value_enum, default_value = "spec")]
    throttle: ThrottleArg,
    /// Device approval: approve all, block all, or ask on the terminal.
    #[arg(long, value_enum, default_value = "auto")]
    approve: ApproveArg,
    /// Inject a fault, e.g. drop@3, drop-after-write@2, close-mid@5, delay=2s@4,
    /// temporary@1, drop%0.1 (repeatable).
    #[arg(long, value_name = "SPEC")]
    fault: Vec<FaultSpec>,
    /// Seed of the built-in practice and of probabilistic faults.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Accepted API keys (default: the document's two).
    #[arg(long = "api-key", value_name = "KEY")]
    api_keys: Vec<String>,
    /// Read control commands from standard input (open NUMBER, close,
    /// activity A/B/C, select drug|code SCHEME ID NAME, select clear, block ID,
    /// devices, audit, summary, quit).
    #[arg(long)]
    control_stdin: bool,
    /// Write the built-in practice (for this seed) as JSON to FILE ("-": stdout) and exit.
    #[arg(long, value_name = "FILE")]
    dump_practice: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    let args = Args::parse();
    if let Some(path) = &args.dump_practice {
        let practice = Practice::generate(args.seed, chrono::Local::now().date_naive());
        let json = practice.to_json();
        if path.as_os_str() == "-" {
            println!("{json}");
        } else {
            std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
        }
        return Ok(());
    }
    if !args.bind.is_loopback() && !args.allow_remote {
        bail!(
            "refusing to listen on {} (not a loopback address) without --allow-remote",
            args.bind
        );
    }
    let mut config = SimConfig {
        bind: SocketAddr::new(args.bind, args.port),
        throttle: match args.throttle {
            ThrottleArg::Spec => Throttle::Spec,
            ThrottleArg::Off => Throttle::Off,
        },
        approval: match args.approve {
            ApproveArg::Auto => Approval::Auto,
            ApproveArg::Block => Approval::Block,
            ApproveArg::Ask => Approval::Ask,
        },
        root: args.root.clone(),
        seed: args.seed,
        practice: args.data.clone(),
        faults: args.fault.clone(),
        control_stdin: args.control_stdin,
        ..SimConfig::default()
    };
    if !args.api_keys.is_empty() {
        config.api_keys = args.api_keys.clone();
    }
    let sim = Simulator::start(config)
        .await
        .context("starting the simulator")?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", sim.addr())?;
        out.flush()?;
    }
    eprintln!("root directory: {}", sim.root().display());
    let control = sim.control();
    tokio::select! {
        _ = sim.wait() => {}
        _ = tokio::signal::ctrl_c() => control.shutdown(),
    }
    Ok(())
}
