//! A simulated SystmOne client for the Client Integration interface.
//!
//! It listens on TCP like the real client, frames requests by parsing them (ERRATA
//! E24), checks API keys, allocates Device IDs after approval, throttles as the
//! document says (a throttled request gets no response at all), serves all 17
//! functions from a practice generated deterministically from a seed (or loaded from
//! a JSON file), keeps an audit trail and can inject faults.
//!
//! ```no_run
//! # async fn demo() -> Result<(), systmone_sim::SimError> {
//! use systmone_sim::{SimConfig, Simulator, Throttle};
//! let config = SimConfig {
//!     bind: "127.0.0.1:0".parse().unwrap(),
//!     throttle: Throttle::Off,
//!     ..SimConfig::default()
//! };
//! let sim = Simulator::start(config).await?;
//! println!("listening on {}", sim.addr());
//! sim.control().open_record("4667633050", true);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub mod cli;
pub mod fault;
mod files;
pub mod framing;
mod handlers;
pub mod practice;
mod server;
mod state;

pub use fault::{FaultKind, FaultSpec, FaultSpecError, Trigger};
pub use practice::{Practice, nhs_number_is_valid};
pub use state::{AuditEntry, AuditOutcome, Control, FreeSlot, PracticeSummary};

/// The API keys the document's examples use.
pub const DOCUMENT_API_KEYS: [&str; 2] = ["f31e26725b5491f2", "0f3e33ae95b74520"];

/// Throttling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Throttle {
    /// As the document says: one request per second; one GetPatientRecord per 30
    /// seconds unless its filter is Demographics only or both entry dates are today.
    #[default]
    Spec,
    /// No throttling.
    Off,
}

/// What happens when a device without a (known) Device ID connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Approval {
    /// The user approves every device.
    #[default]
    Auto,
    /// The user blocks every device.
    Block,
    /// Ask on the terminal, like SystmOne's dialog.
    Ask,
}

/// The simulator's configuration.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen (default 127.0.0.1:40700; port 0 for an ephemeral port).
    pub bind: SocketAddr,
    /// The API keys accepted (default: the document's two).
    pub api_keys: Vec<String>,
    pub throttle: Throttle,
    pub approval: Approval,
    /// The only tree GetDocument, GetXSDFiles and DataExtract may write into. `None`:
    /// a fresh temporary directory, removed when the simulator stops.
    pub root: Option<PathBuf>,
    /// Seed of the built-in practice and of probabilistic faults.
    pub seed: u64,
    /// A practice file (JSON) to load instead of the built-in practice.
    pub practice: Option<PathBuf>,
    pub faults: Vec<FaultSpec>,
    /// Overrides GetFunctions' list: (function, versions).
    pub advertised: Option<Vec<(String, Vec<String>)>>,
    /// Largest request accepted, in bytes.
    pub max_request_bytes: usize,
    /// A connection with no complete request for this long is closed.
    pub idle_timeout: Duration,
    /// Read control commands (`open 4667633050`, `close`, ...) from standard input.
    pub control_stdin: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 40700)),
            api_keys: DOCUMENT_API_KEYS.iter().map(|k| k.to_string()).collect(),
            throttle: Throttle::Spec,
            approval: Approval::Auto,
            root: None,
            seed: 1,
            practice: None,
            faults: Vec::new(),
            advertised: None,
            max_request_bytes: 16 * 1024 * 1024,
            idle_timeout: Duration::from_secs(300),
            control_stdin: false,
        }
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot use root directory {path}: {source}")]
    Root {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read practice file {path}: {source}")]
    PracticeRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid practice file {path}: {source}")]
    PracticeParse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// Starts simulators.
pub struct Simulator;

impl Simulator {
    /// Binds, loads or generates the practice, and starts serving.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        server::start(config).await
    }
}

/// A running simulator.
pub struct SimHandle {
    addr: SocketAddr,
    root: PathBuf,
    control: Control,
    shared: Arc<state::Shared>,
    task: tokio::task::JoinHandle<()>,
    _temp: Option<tempfile::TempDir>,
}

impl SimHandle {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The directory tree the file-writing functions may write into.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The control interface (UI state, audit trail, practice summary).
    pub fn control(&self) -> Control {
        self.control.clone()
    }

    /// Stops listening and closes every connection.
    pub async fn shutdown(self) {
        self.shared.trigger_shutdown();
        let _ = self.task.await;
    }

    /// Waits until ExitClient or [`SimHandle::shutdown`] (from a clone of the control)
    /// stops the simulator.
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}
