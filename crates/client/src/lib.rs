//! A typed async client for the SystmOne Client Integration interface.
//!
//! ```no_run
//! # async fn demo() -> Result<(), systmone_client::Error> {
//! use systmone_client::{Client, ClientConfig};
//!
//! let client = Client::builder(ClientConfig::new("f31e26725b5491f2")).build()?;
//! for f in client.get_functions().await?.supported_function {
//!     println!("{} {}", f.function, f.version.join(", "));
//! }
//! # Ok(()) }
//! ```
//!
//! What it takes care of:
//! - framing (a document ends when its root element closes, however it is split or
//!   laid out), with a size limit;
//! - one request in flight per connection, reconnection after a broken connection, a
//!   timeout on every wait;
//! - the RequestUID echo: a late answer to an earlier request is discarded (ERRATA E13);
//! - Device ID allocation and storage ([`systmone_transport::device_id`]);
//! - pacing to SystmOne's throttle, so requests are never silently dropped (E17, E22);
//! - retries of reads; writes are never retried and report [`Error::OutcomeUnknown`]
//!   when their response does not arrive;
//! - version negotiation with GetFunctions, using the name SystmOne advertises (E2);
//! - an opt-in audit log ([`AuditLog`]) with patient data redacted by default.

mod audit;
mod client;
mod error;
mod functions;

pub use audit::{AuditDetail, AuditLog, AuditRecord, redact_api_key};
pub use client::{
    Client, ClientBuilder, ClientConfig, Connector, DEFAULT_ADDR, DEFAULT_PACING,
    DEFAULT_PACING_GUARD, NhsNumberElement, PacingObserver, Reply, RetryPolicy, Stream,
    TcpConnector,
};
pub use error::{Error, ProtocolError};
pub use systmone_core::{Drift, DriftItem, DriftKind, ReadMode};
pub use systmone_transport::device_id::{DeviceIdStore, FileStore, MemoryStore};
pub use systmone_transport::pacing::PacingLimits;
pub use systmone_transport::pacing_file::PacingFile;
