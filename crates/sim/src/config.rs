//! The simulator's configuration.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::fault::FaultSpec;

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
    /// Ask the user, like SystmOne's dialog: on the terminal, in the console or
    /// through the admin API.
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
    /// Serve the operator console and admin API here (HTTP; port 0 for any free port).
    /// The command line refuses a non-loopback address without `--allow-remote`.
    pub console: Option<SocketAddr>,
    /// How long a new device waits for the user's answer with [`Approval::Ask`]; then
    /// it gets a temporary error.
    pub approval_timeout: Duration,
    /// Answer from a recording made by `systmone proxy` (`--replay DIR`).
    pub replay: Option<crate::replay::ReplayConfig>,
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
            console: None,
            approval_timeout: Duration::from_secs(300),
            replay: None,
        }
    }
}
