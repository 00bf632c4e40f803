//! `systmone-conformance`: the kit with this workspace's bindings and nothing else
//! (no simulator, no command), so it builds right after `cargo xtask codegen`, before
//! the rest of the workspace is brought up to date. `systmone conformance` is the
//! full command.
//!
//! Usage: `systmone-conformance --addr HOST:PORT [--api-key KEY] [--pacing spec|off]
//! [--test-patients FILE] [--allow-writes] [--json FILE]`; the API key may also come
//! from SYSTMONE_API_KEY. Exit codes as `systmone conformance`: 0, 6 drift, 7 failures,
//! 4 unknown write outcome, 1 usage or local error.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use systmone_client::{Client, ClientConfig, DEFAULT_PACING, MemoryStore, PacingLimits};
use systmone_conformance::{Kit, RunOptions, TestPatients};

fn main() -> ExitCode {
    match run() {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

fn run() -> Result<u8, String> {
    let mut addr = systmone_client::DEFAULT_ADDR.to_string();
    let mut api_key = std::env::var("SYSTMONE_API_KEY").ok();
    let mut pacing = DEFAULT_PACING;
    let mut patients = TestPatients::default();
    let mut allow_writes = false;
    let mut json: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--addr" => addr = value()?,
            "--api-key" => api_key = Some(value()?),
            "--pacing" => {
                pacing = match value()?.as_str() {
                    "spec" => DEFAULT_PACING,
                    "off" => PacingLimits::off(),
                    other => return Err(format!("--pacing is spec or off, not {other}")),
                }
            }
            "--test-patients" => {
                patients = TestPatients::load(value()?.as_ref()).map_err(|e| e.to_string())?
            }
            "--allow-writes" => allow_writes = true,
            "--json" => json = Some(value()?.into()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let api_key = api_key.ok_or("no API key: --api-key or SYSTMONE_API_KEY")?;
    let mut config = ClientConfig::new(api_key);
    config.addr = addr.clone();
    config.pacing = pacing;
    let client = Client::builder(config)
        .device_store(Arc::new(MemoryStore::new()))
        .build()
        .map_err(|e| e.to_string())?;
    let kit = Kit::new(
        client,
        RunOptions {
            test_patients: patients,
            allow_writes,
            target: addr,
            ..RunOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let report = runtime
        .block_on(kit.run(|_| {}))
        .map_err(|e| e.to_string())?;
    print!("{}", report.to_table());
    if let Some(path) = json {
        std::fs::write(&path, report.to_json())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(report.exit_code())
}
