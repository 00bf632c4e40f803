//! Why the simulator could not start.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot serve the console on {addr}: {source}")]
    ConsoleBind {
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
    #[error(transparent)]
    Replay(#[from] crate::replay::ReplayError),
}
