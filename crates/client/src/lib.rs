//! A typed async client for the SystmOne Client Integration interface.
//!
//! Connect, search, read a record, and handle a write whose outcome is unknown. This
//! example runs against the simulator started in-process on a free port; against a
//! real SystmOne client leave the simulator out and keep the default address
//! (`127.0.0.1:40700`). The simulator is told to drop its 4th request without an
//! answer, so the write below really ends in [`Error::OutcomeUnknown`].
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use systmone_bindings::get_patient_record_v1_0::{GetPatientRecordParameters, PatientRecordFilter};
//! use systmone_bindings::patient_search_v1_0::PatientSearchParameters;
//! use systmone_bindings::update_patient_record_v1_0::UpdatePatientRecordParameters;
//! use systmone_client::{Client, ClientConfig, Error, MemoryStore};
//! use systmone_core::Flag;
//! use systmone_sim::{SimConfig, Simulator};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = Simulator::start(SimConfig {
//!     bind: "127.0.0.1:0".parse()?,
//!     // Requests: 1 GetFunctions (version negotiation), 2 search, 3 record, 4 the write.
//!     faults: vec!["drop@4".parse()?],
//!     ..SimConfig::default()
//! })
//! .await?;
//!
//! let mut config = ClientConfig::new("f31e26725b5491f2");
//! config.addr = sim.addr().to_string();
//! // Short waits for the example: 2 s per response, and 2 s in all for a call (a
//! // write, never sent twice, waits that long for its answer).
//! config.response_timeout = Duration::from_secs(2);
//! config.call_timeout = Some(Duration::from_secs(2));
//! // A real integration keeps its Device ID in the default file store.
//! let client = Client::builder(config)
//!     .device_store(Arc::new(MemoryStore::new()))
//!     .build()?;
//!
//! // Search: PatientSearch needs at least two criteria.
//! let found = client
//!     .patient_search(PatientSearchParameters {
//!         surname: Some("Swift".into()),
//!         first_name: Some("A".into()),
//!         ..Default::default()
//!     })
//!     .await?;
//! let patient = found.result.first().expect("the simulator's practice has A. Swift");
//!
//! // Read the record's demographics (exempt from the 30-second GetPatientRecord throttle).
//! let record = client
//!     .get_patient_record(GetPatientRecordParameters {
//!         identity: Some(patient.identity.clone()),
//!         filter: Some(PatientRecordFilter {
//!             demographics: Some(Flag),
//!             ..Default::default()
//!         }),
//!         leave_record_open: None,
//!         extra: Default::default(),
//!     })
//!     .await?;
//! assert_eq!(record.demographics.unwrap().surname.as_deref(), Some("Swift"));
//!
//! // A write whose answer never comes: it may or may not have been applied.
//! let update = UpdatePatientRecordParameters {
//!     identity: Some(patient.identity.clone()),
//!     ..Default::default()
//! };
//! match client.update_patient_record(update).await {
//!     Err(Error::OutcomeUnknown { function, request_uid, .. }) => {
//!         // Never send it again blindly: read the record back (or ask the user) first,
//!         // and keep the RequestUID for SystmOne's audit trail.
//!         assert_eq!(function, "UpdatePatientRecord");
//!         assert!(!request_uid.is_empty());
//!     }
//!     other => panic!("expected an unknown outcome, got {other:?}"),
//! }
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! The [`guide`] says what to do with each error, why calls queue, where the Device ID
//! lives, how to keep an audit log, how to choose a function version and how to test
//! your own integration against the simulator.
//!
//! What it takes care of:
//! - framing (a document ends when its root element closes, however it is split or
//!   laid out), with a size limit;
//! - one request in flight per connection, reconnection after a broken connection, a
//!   timeout on every wait;
//! - the RequestUID echo: a late answer to an earlier request is discarded (ERRATA E13),
//!   though a Device ID it carries (an approval given after the client stopped
//!   waiting) is kept;
//! - Device ID allocation and storage ([`systmone_transport::device_id`]);
//! - pacing to SystmOne's throttle, so requests are never silently dropped (E17, E22);
//! - right patient or an error: a response for another patient than the one asked for is
//!   [`Error::WrongPatient`], never a value ([guide](guide#right-patient-or-an-error));
//! - retries of reads after a lost response (30 s per attempt, within a budget for the
//!   whole call); writes are never retried and report [`Error::OutcomeUnknown`] when
//!   their response does not arrive;
//! - version negotiation with GetFunctions, using the name SystmOne advertises (E2);
//! - the writes a check-in kiosk makes, typed ([`Client::record_reading`],
//!   [`Client::mark_arrived`], [`Client::book_appointment`], [`Client::add_answers`]),
//!   their values checked before sending;
//! - an opt-in audit log ([`AuditLog`]) with patient data redacted by default.

#![warn(missing_docs)]

#[doc = include_str!("guide.md")]
pub mod guide {}

mod audit;
mod client;
mod error;
mod functions;
mod kiosk;
mod patient;
mod retry;

pub use audit::{AuditDetail, AuditLog, AuditRecord, redact_api_key};
pub use client::{
    ApprovalObserver, ApprovalWait, Client, ClientBuilder, ClientConfig, Connector, DEFAULT_ADDR,
    DEFAULT_APPROVAL_WAIT, DEFAULT_PACING, DEFAULT_PACING_GUARD, NhsNumberElement, PacingObserver,
    PacingWait, Reply, Stream, TcpConnector, UnresolvedHost,
};
pub use error::{Error, ProtocolError};
pub use kiosk::{
    ARRIVED, Answers, Arrival, BOOKED_VIA_TOUCH_SCREEN, Booked, Booking, CodedAnswer,
    MAX_ANSWER_LINE_CHARS, Reading, RecordCode,
};
pub use patient::{PATIENT_CHECKED, PatientNumber};
pub use retry::{DEFAULT_RESPONSE_TIMEOUT, RetryPolicy};
pub use systmone_core::{Drift, DriftItem, DriftKind, ReadMode};
pub use systmone_transport::device_id::{DeviceIdStore, FileStore, MemoryStore};
pub use systmone_transport::negotiation::NegotiationFile;
pub use systmone_transport::pacing::{PacingLimits, WaitRule};
pub use systmone_transport::pacing_file::PacingFile;
