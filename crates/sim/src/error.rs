//! Why the simulator could not start.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The interface's address could not be bound (in use, or not this machine's).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why it could not be bound.
        source: std::io::Error,
    },
    /// The console's address could not be bound.
    #[error("cannot serve the console on {addr}: {source}")]
    ConsoleBind {
        /// The address.
        addr: SocketAddr,
        /// Why it could not be bound.
        source: std::io::Error,
    },
    /// The root directory (the only tree the file-writing functions may write into) could
    /// not be made or resolved.
    #[error("cannot use root directory {path}: {source}")]
    Root {
        /// The directory.
        path: PathBuf,
        /// Why it could not be used.
        source: std::io::Error,
    },
    /// The practice file (`--data`) could not be read.
    #[error("cannot read practice file {path}: {source}")]
    PracticeRead {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// The full audit trail's file (`--audit FILE`) cannot be opened for appending.
    #[error("cannot open the audit file {path}: {source}")]
    AuditFile {
        /// The file.
        path: PathBuf,
        /// Why it cannot be opened.
        source: std::io::Error,
    },
    #[error("invalid practice file {path}: {source}")]
    /// The practice file is not a [`crate::Practice`] in JSON.
    PracticeParse {
        /// The file.
        path: PathBuf,
        /// Where and why the JSON did not read.
        source: serde_json::Error,
    },
    /// The recording given to `--replay` cannot be read.
    #[error(transparent)]
    Replay(#[from] crate::replay::ReplayError),
}
