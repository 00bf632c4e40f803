//! `cargo xtask`: project automation.
//!
//! ```text
//! cargo xtask test              # everything the tests need, then the whole test suite
//! cargo xtask codegen           # regenerate the bindings crates from xsd/
//! cargo xtask codegen --check   # fail if the committed bindings are stale
//! cargo xtask xsd-diff OLD NEW   # what changed between two schemas (or schema dirs)
//! cargo xtask compat             # GetFunctions on a live client against our bindings
//! cargo xtask fetch-xsd          # GetXSDFiles on a live client, kept in xsd/systmone/<label>/
//! cargo xtask reconcile DIR      # SystmOne's request schemas against ours (--apply: write)
//! cargo xtask absorb PATH...     # response elements seen but not in xsd/, as a diff
//! ```
//!
//! `compat` and `fetch-xsd` talk to a live client, so they need the `live` feature,
//! which builds the generated bindings and the client into xtask. The `cargo xtask`
//! alias builds without it (codegen, the tests and the schema tools need none of that,
//! and codegen still runs when the generated code does not compile); asked for `compat`
//! or `fetch-xsd`, that build runs `cargo run -p xtask` (with `live`, the default) with
//! the same arguments.

mod absorb;
mod codegen;
#[cfg(feature = "live")]
mod compat;
#[cfg(feature = "live")]
mod fetch_xsd;
mod reconcile;
mod test;
mod xsd_diff;

#[cfg(all(test, feature = "live"))]
mod live_tests;

#[cfg(not(feature = "live"))]
use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "systmone project automation",
    after_help = "compat and fetch-xsd talk to a live client: they are built with the \
                  `live` feature (the bindings and the client) when first asked for."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install what the tests need (libxml2's xmllint) if it is missing, then run
    /// `cargo test --workspace`.
    ///
    /// Example: `cargo xtask test`
    Test {
        /// Extra arguments passed to `cargo test` (after `--`).
        #[arg(last = true)]
        cargo_args: Vec<String>,
    },
    /// Generate one crate per function version (and the shared-types and bindings
    /// crates) from the XSDs in `xsd/`.
    ///
    /// Example: `cargo xtask codegen --check`
    Codegen {
        /// Change nothing; fail, naming the files, if the committed code is stale.
        #[arg(long)]
        check: bool,
    },
    /// A schema-level diff of two versions of a function schema, or of two directories
    /// of schemas (paired by file name; a new version of a function is diffed against
    /// its highest old version): each change classed BREAKING or COMPATIBLE for a
    /// client that sends requests and reads responses. A request-only file (SystmOne's
    /// own) is compared on its request side; a difference in one of the practice's
    /// configured lists is practice configuration, never breaking.
    ///
    /// Example: `cargo xtask xsd-diff xsd/ xsd/systmone/2026-12-02/ --output json`
    XsdDiff {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
        /// Class every new response element as breaking (a reader that refuses unknown
        /// elements); the default is our bindings' tolerant reader, which keeps them
        /// and reports them as drift.
        #[arg(long)]
        strict_reader: bool,
        /// The schemas that name the practice's configured lists (type ConfiguredList);
        /// default: the workspace's `xsd/`.
        #[arg(long)]
        contract: Option<PathBuf>,
        /// Exit non-zero when a change is breaking.
        #[arg(long)]
        fail_on_breaking: bool,
    },
    /// Propose the schema additions observed responses show: every element and
    /// attribute they hold that `xsd/` does not declare, with its parent, its place
    /// (after its preceding sibling), a type inferred from the values seen and its
    /// occurrence, as a unified diff. Reads response documents, proxy recordings
    /// (directories), conformance reports (`--json`) and drift reports
    /// (`systmone parse --drift --json`). No value goes into the schemas.
    ///
    /// Example: `cargo xtask absorb rec/ --apply`
    Absorb {
        /// Evidence files and recording directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The schema directory (default: the workspace's `xsd/`).
        #[arg(long)]
        xsd: Option<PathBuf>,
        /// Write the additions into the schemas (annotated with their evidence).
        #[arg(long)]
        apply: bool,
    },
    /// Compare SystmOne's own request schemas (a directory `fetch-xsd` wrote, e.g.
    /// `xsd/systmone/2026-12-02/`) with ours, path by path: what theirs have and ours
    /// lack (position, occurrence, type), what ours have and theirs lack, order, type
    /// and enumeration differences, the practice's configured lists (F17, never
    /// breaking). `--apply` writes what ours lack into `xsd/`, annotated with its source.
    ///
    /// Example: `cargo xtask reconcile xsd/systmone/2026-12-02 --apply`
    Reconcile {
        /// The directory of SystmOne's files.
        theirs: PathBuf,
        /// Our schemas (default: the workspace's `xsd/`).
        #[arg(long)]
        ours: Option<PathBuf>,
        /// Write what ours lack into our schemas (then run `cargo xtask codegen`).
        #[arg(long)]
        apply: bool,
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Ask a live client (or the simulator) for its functions (GetFunctions) and
    /// compare them with the bindings we ship. Exits non-zero when a binding we ship
    /// is not supported.
    ///
    /// Example: `cargo xtask compat --addr 127.0.0.1:40700 --output json`
    #[cfg(feature = "live")]
    Compat {
        #[command(flatten)]
        live: LiveArgs,
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Ask a live client (or the simulator) to write its XSDs (GetXSDFiles) and keep
    /// them byte for byte in `xsd/systmone/<label>/` (never over our contract), saying
    /// which files are new, changed, unchanged or failed and, per function, whether it
    /// is a new function, a new version, a changed request schema or unchanged (against
    /// the previous fetch, else our contract). Then `cargo xtask reconcile` that directory.
    ///
    /// Example: `cargo xtask fetch-xsd --label practice-a`
    #[cfg(feature = "live")]
    FetchXsd {
        #[command(flatten)]
        live: LiveArgs,
        /// Where the client writes the files (the request's `Path`; for the simulator,
        /// an existing directory inside its root). Default: a fresh temporary directory.
        #[arg(long)]
        remote_dir: Option<PathBuf>,
        /// The directory's name under `xsd/systmone/` (default: today's date, UTC).
        #[arg(long)]
        label: Option<String>,
        /// Where to keep them instead (never our contract, `xsd/`).
        #[arg(long)]
        into: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// `compat` or `fetch-xsd` in a build without the `live` feature: run by a build
    /// with it.
    #[cfg(not(feature = "live"))]
    #[command(external_subcommand)]
    Live(Vec<OsString>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Text,
    Json,
}

/// How to reach a live client.
#[cfg(feature = "live")]
#[derive(clap::Args, Debug)]
pub struct LiveArgs {
    /// `host:port` of the SystmOne client or simulator.
    #[arg(long, env = "SYSTMONE_ADDR", default_value = systmone_client::DEFAULT_ADDR)]
    addr: String,
    /// Your API key.
    #[arg(long, env = "SYSTMONE_API_KEY", hide_env_values = true)]
    api_key: String,
}

#[cfg(feature = "live")]
impl LiveArgs {
    fn client(&self) -> anyhow::Result<systmone_client::Client> {
        let mut config = systmone_client::ClientConfig::new(self.api_key.clone());
        config.addr = self.addr.clone();
        Ok(systmone_client::Client::builder(config).build()?)
    }
}

#[cfg(feature = "live")]
fn block_on<T>(future: impl std::future::Future<Output = T>) -> anyhow::Result<T> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(future))
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Test { cargo_args } => test::run(&cargo_args),
        Command::Codegen { check } => codegen::run(&workspace_root(), check),
        Command::XsdDiff {
            old,
            new,
            output,
            strict_reader,
            contract,
            fail_on_breaking,
        } => xsd_diff::run(
            &old,
            &new,
            &contract.unwrap_or_else(|| workspace_root().join("xsd")),
            output,
            strict_reader,
            fail_on_breaking,
        ),
        Command::Absorb { paths, xsd, apply } => absorb::run(
            &paths,
            &xsd.unwrap_or_else(|| workspace_root().join("xsd")),
            apply,
        ),
        Command::Reconcile {
            theirs,
            ours,
            apply,
            output,
        } => reconcile::run(
            &theirs,
            &ours.unwrap_or_else(|| workspace_root().join("xsd")),
            apply,
            output,
        ),
        #[cfg(feature = "live")]
        Command::Compat { live, output } => compat::run(&live, output),
        #[cfg(feature = "live")]
        Command::FetchXsd {
            live,
            remote_dir,
            label,
            into,
            output,
        } => fetch_xsd::run(
            &live,
            remote_dir,
            &workspace_root().join("xsd"),
            label,
            into,
            output,
        ),
        #[cfg(not(feature = "live"))]
        Command::Live(args) => run_live(&args),
    }
}

/// Runs `cargo xtask ARGS` in a build with the `live` feature (the default features),
/// and exits as it does.
#[cfg(not(feature = "live"))]
fn run_live(args: &[OsString]) -> anyhow::Result<()> {
    use anyhow::Context;
    let command = args.first().and_then(|a| a.to_str()).unwrap_or_default();
    if !matches!(command, "compat" | "fetch-xsd") {
        anyhow::bail!("no command {command:?}: see `cargo xtask --help`");
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["run", "--quiet", "--package", "xtask", "--"])
        .args(args)
        .current_dir(workspace_root())
        .status()
        .context("running cargo run --package xtask (the live build)")?;
    std::process::exit(status.code().unwrap_or(1));
}

/// The workspace root: xtask lives one level below it.
fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}
