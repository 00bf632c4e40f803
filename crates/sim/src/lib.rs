//! A simulated SystmOne client for the Client Integration interface.
//!
//! It listens on TCP like the real client, frames requests by parsing them (ERRATA
//! E24), checks API keys, allocates Device IDs after approval, throttles as the
//! document says (a throttled request gets no response at all), serves all 17
//! functions from a practice generated deterministically from a seed (or loaded from
//! a JSON file), keeps an audit trail and can inject faults. [`Control`] is everything
//! a person at the client (or a test) does; with [`SimConfig::console`] the simulator
//! also serves an operator console (a web page) and a JSON admin API over it.
//!
//! Start it in-process on a free port (port 0) for a test, point your client at
//! [`SimHandle::addr`], and drive the SystmOne user's side through [`Control`]. Here
//! the test talks to it over plain TCP, as any client does:
//!
//! ```
//! use systmone_sim::{SimConfig, Simulator, Throttle};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = Simulator::start(SimConfig {
//!     bind: "127.0.0.1:0".parse()?,
//!     throttle: Throttle::Off,
//!     ..SimConfig::default()
//! })
//! .await?;
//! // What a user at the SystmOne client does: open a patient's record.
//! sim.control().open_record("4667633050", true);
//!
//! let mut stream = tokio::net::TcpStream::connect(sim.addr()).await?;
//! stream
//!     .write_all(
//!         b"<ClientIntegrationRequest><APIKey>f31e26725b5491f2</APIKey><DeviceID></DeviceID>\
//!           <DeviceVersion>doc example</DeviceVersion><RequestUID>1</RequestUID>\
//!           <Function>GetCurrentSelection</Function><FunctionVersion>1.0</FunctionVersion>\
//!           <FunctionParameters></FunctionParameters></ClientIntegrationRequest>\n",
//!     )
//!     .await?;
//! let mut response = Vec::new();
//! while !response.ends_with(b"</ClientIntegrationResponse>") {
//!     let mut chunk = [0; 4096];
//!     let n = stream.read(&mut chunk).await?;
//!     assert!(n > 0, "the simulator closed the connection");
//!     response.extend_from_slice(&chunk[..n]);
//!     response.truncate(response.trim_ascii_end().len());
//! }
//! let response = String::from_utf8(response)?;
//! assert!(response.contains("4667633050"), "{response}");
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub mod cli;
mod config;
mod connections;
mod console;
mod control;
mod error;
pub mod fault;
mod files;
mod handlers;
mod limits;
pub mod practice;
pub mod replay;
mod server;
pub mod skew;
mod state;
mod stdin;

pub use config::{
    Approval, DEFAULT_AUDIT_CAPACITY, DEFAULT_AUDIT_MAX_BYTES, DEFAULT_MAX_BUFFERED_BYTES,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_MIN_REQUEST_RATE, DEFAULT_REQUEST_TIMEOUT, DOCUMENT_API_KEYS,
    SimConfig, Throttle,
};
pub use control::{
    Control, ControlError, DeviceStatus, JournalFilter, PatientSummary, ThrottleStatus, UiState,
};
pub use error::SimError;
pub use fault::{FaultKind, FaultSpec, FaultSpecError, Trigger};
pub use practice::{Practice, nhs_number_is_valid};
pub use replay::{ReplayConfig, ReplayError, ReplayFallback};
pub use state::{
    AuditEntry, AuditOutcome, Change, DriftPath, FreeSlot, JOURNAL_DOCUMENT_BYTES, Kept,
    PendingDevice, PracticeSummary, RequestDrift,
};

/// Starts simulators.
pub struct Simulator;

impl Simulator {
    /// Binds, loads or generates the practice, and starts serving.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        server::start(config).await
    }
}

/// The console's address, token and task.
struct ConsoleHandle {
    addr: SocketAddr,
    token: String,
    task: tokio::task::JoinHandle<()>,
}

/// A running simulator.
pub struct SimHandle {
    addr: SocketAddr,
    console: Option<ConsoleHandle>,
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

    /// The address of the operator console and admin API, if one was asked for.
    pub fn console_addr(&self) -> Option<SocketAddr> {
        self.console.as_ref().map(|c| c.addr)
    }

    /// The console's token for this run ([`SimConfig::console_token`], or a random
    /// one): every console and admin API request carries it (`Authorization: Bearer
    /// TOKEN`, or the cookie [`SimHandle::console_url`] sets).
    pub fn console_token(&self) -> Option<&str> {
        self.console.as_ref().map(|c| c.token.as_str())
    }

    /// The address to open the console at in a browser, with its token
    /// (`http://127.0.0.1:PORT/console?token=TOKEN`), as the simulator prints it.
    pub fn console_url(&self) -> Option<String> {
        self.console
            .as_ref()
            .map(|c| format!("http://{}/console?token={}", c.addr, c.token))
    }

    /// A connection to the simulator over an in-memory pipe, served as a TCP
    /// connection is (its limits and deadlines apply): for tests on tokio's paused
    /// clock, where real sockets cannot be used. At the connection limit it is
    /// served after closing an idle or slow connection, or refused with a temporary
    /// error as a TCP one would be.
    pub fn connect_in_memory(&self) -> tokio::io::DuplexStream {
        let (client, server) = tokio::io::duplex(64 * 1024);
        server::accept(&self.shared, server, "in-memory".to_string(), |task| {
            tokio::spawn(task);
        });
        client
    }

    /// Connections open now (over TCP and in memory).
    pub fn open_connections(&self) -> usize {
        self.shared.connections.open()
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
        self.wait().await;
    }

    /// Waits until ExitClient or [`SimHandle::shutdown`] (from a clone of the control)
    /// stops the simulator.
    pub async fn wait(self) {
        let _ = self.task.await;
        if let Some(ConsoleHandle { task: console, .. }) = self.console {
            // The console stops on the same signal; a browser holding a connection
            // open does not keep the simulator from stopping.
            let abort = console.abort_handle();
            if tokio::time::timeout(std::time::Duration::from_secs(5), console)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}
