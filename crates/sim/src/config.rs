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
    /// Whether requests are throttled as the document says (one request per second; one
    /// GetPatientRecord per 30 seconds, with its exemptions) or not at all. Default:
    /// [`Throttle::Spec`].
    pub throttle: Throttle,
    /// What the simulated user does when a device without a known Device ID connects.
    /// Default: [`Approval::Auto`].
    pub approval: Approval,
    /// The only tree GetDocument, GetXSDFiles and DataExtract may write into. `None`:
    /// a fresh temporary directory, removed when the simulator stops.
    pub root: Option<PathBuf>,
    /// Seed of the built-in practice and of probabilistic faults.
    pub seed: u64,
    /// A practice file (JSON) to load instead of the built-in practice.
    pub practice: Option<PathBuf>,
    /// Faults to inject ([`crate::fault`]); more can be added at run time through
    /// [`Control::add_fault`](crate::Control::add_fault).
    pub faults: Vec<FaultSpec>,
    /// Overrides GetFunctions' list: (function, versions).
    pub advertised: Option<Vec<(String, Vec<String>)>>,
    /// Largest request accepted, in bytes; also what one connection may hold of an
    /// unfinished request (plus one read). A larger one is answered with an error and
    /// its connection closed.
    pub max_request_bytes: usize,
    /// A connection waiting this long for its next request (nothing of it received)
    /// is closed.
    pub idle_timeout: Duration,
    /// A request whose first bytes have arrived must be complete within this, plus
    /// the time its bytes take at [`SimConfig::min_request_rate`]; else its
    /// connection is closed (a peer sending a byte a second holds a connection for
    /// this long, not for ever).
    pub request_timeout: Duration,
    /// Bytes a second a request is allowed at the least beyond
    /// [`SimConfig::request_timeout`]. A connection receiving slower than this (for
    /// a second or more) is also the first closed, after the idle ones, when a new
    /// connection arrives at [`SimConfig::max_connections`].
    pub min_request_rate: u64,
    /// Read control commands (`open 4667633050`, `close`, ...) from standard input.
    pub control_stdin: bool,
    /// Serve the operator console and admin API here (HTTP; port 0 for any free port).
    /// The command line refuses a non-loopback address without `--allow-remote`.
    pub console: Option<SocketAddr>,
    /// The token every console and admin API request must carry (see
    /// [`SimHandle::console_token`](crate::SimHandle::console_token)). `None`: a
    /// random one for each run, printed with the console's address.
    pub console_token: Option<String>,
    /// How long a new device waits for the user's answer with [`Approval::Ask`]; then
    /// it gets a temporary error.
    pub approval_timeout: Duration,
    /// How many messages the journal keeps in memory (the console, the admin API,
    /// [`crate::Control::audit`]): the oldest is dropped when a new one would exceed
    /// it. The full trail goes to [`SimConfig::audit_file`] when one is given.
    pub audit_capacity: usize,
    /// How many bytes the journal in memory may take (each request and response in
    /// it is kept whole up to 1 MiB, then as its start; a line that is not a
    /// document as a short masked excerpt): the oldest messages are dropped to stay
    /// under it, so what is sent never grows the simulator's memory without bound.
    pub audit_max_bytes: usize,
    /// Append every message of the journal to this file as a JSON line (request and
    /// response XML included, the API key redacted), however many are kept in memory.
    pub audit_file: Option<PathBuf>,
    /// Bytes of requests all connections together may hold (unfinished ones by their
    /// buffers' allocations, complete ones while they are answered); a connection
    /// that would go over it is answered with a temporary error and closed. Requests
    /// of 1 MiB or more are answered one at a time.
    pub max_buffered_bytes: usize,
    /// Connections open at once. At the limit, a new connection is served after
    /// closing the one idle the longest (or, failing that, the slowest to send its
    /// request); only when every one is busy or sending briskly is it answered with a
    /// temporary error and closed.
    pub max_connections: usize,
    /// Behave like a newer SystmOne than the bindings describe (`--skew`, see
    /// [`crate::skew`]).
    pub skew: bool,
    /// Answer from a recording made by `systmone proxy` (`--replay DIR`).
    pub replay: Option<crate::replay::ReplayConfig>,
    /// Refuse a request that departs from the bindings (an element or attribute they
    /// do not know, a value they do not list, ...), naming the path, instead of
    /// answering it as SystmOne does and journalling its drift (`--strict-requests`).
    pub strict_requests: bool,
}

/// Default [`SimConfig::audit_capacity`].
pub const DEFAULT_AUDIT_CAPACITY: usize = 1000;
/// Default [`SimConfig::audit_max_bytes`]: 32 MiB.
pub const DEFAULT_AUDIT_MAX_BYTES: usize = 32 * 1024 * 1024;
/// Default [`SimConfig::max_buffered_bytes`]: 48 MiB (room for two requests of the
/// largest size, 16 MiB, whose buffers grow to 32 MiB at most).
pub const DEFAULT_MAX_BUFFERED_BYTES: usize = 48 * 1024 * 1024;
/// Default [`SimConfig::request_timeout`]: 10 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Default [`SimConfig::min_request_rate`]: 16 KiB a second (a request on loopback
/// arrives at many megabytes a second).
pub const DEFAULT_MIN_REQUEST_RATE: u64 = 16 * 1024;
/// Default [`SimConfig::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 64;

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
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            min_request_rate: DEFAULT_MIN_REQUEST_RATE,
            control_stdin: false,
            console: None,
            console_token: None,
            approval_timeout: Duration::from_secs(300),
            audit_capacity: DEFAULT_AUDIT_CAPACITY,
            audit_max_bytes: DEFAULT_AUDIT_MAX_BYTES,
            audit_file: None,
            max_buffered_bytes: DEFAULT_MAX_BUFFERED_BYTES,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            skew: false,
            replay: None,
            strict_requests: false,
        }
    }
}
