//! The SystmOne Client Integration toolkit in one crate: the typed async client, the
//! bindings of every function, the core types they use, and (feature `sim`) a
//! simulated SystmOne client to test against.
//!
//! Search for a patient and read their demographics. Here the client talks to the
//! simulator, started in-process on a free port; against a real SystmOne client leave
//! the simulator out and keep the default address (`127.0.0.1:40700`).
//!
//! ```
//! use std::sync::Arc;
//!
//! use systmone::bindings::get_patient_record_v1_0::{GetPatientRecordParameters, PatientRecordFilter};
//! use systmone::bindings::patient_search_v1_0::PatientSearchParameters;
//! use systmone::prelude::*;
//! use systmone::sim::{SimConfig, Simulator};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = Simulator::start(SimConfig {
//!     bind: "127.0.0.1:0".parse()?,
//!     ..SimConfig::default()
//! })
//! .await?;
//!
//! let mut config = ClientConfig::new("f31e26725b5491f2");
//! config.addr = sim.addr().to_string();
//! // A real integration keeps its Device ID in a file (the default store).
//! let client = Client::builder(config)
//!     .device_store(Arc::new(MemoryStore::new()))
//!     .build()?;
//!
//! // PatientSearch needs at least two criteria.
//! let found = client
//!     .patient_search(PatientSearchParameters {
//!         surname: Some("Swift".into()),
//!         first_name: Some("A".into()),
//!         ..Default::default()
//!     })
//!     .await?;
//! let patient = found.result.first().expect("the simulator's practice has A. Swift");
//!
//! // Demographics only: exempt from the 30-second GetPatientRecord throttle.
//! let record = client
//!     .get_patient_record(GetPatientRecordParameters {
//!         identity: Some(patient.identity.clone()),
//!         filter: Some(PatientRecordFilter {
//!             demographics: Some(Flag),
//!             ..Default::default()
//!         }),
//!         ..Default::default()
//!     })
//!     .await?;
//! assert_eq!(record.demographics.unwrap().surname.as_deref(), Some("Swift"));
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! In `Cargo.toml`:
//!
//! ```toml
//! [dependencies]
//! systmone = "0.1"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//!
//! [dev-dependencies]
//! # The simulator, to test the integration in `cargo test`.
//! systmone = { version = "0.1", features = ["sim"] }
//! ```
//!
//! Where things are:
//! - at the top: the client ([`Client`], [`ClientConfig`], [`Error`], Device ID
//!   stores, pacing, the audit log) and the core types of the interface ([`Flag`],
//!   [`DateTime`], [`Date`], [`ReadMode`], the drift report [`Drift`], [`ParseError`]);
//!   the client's [`guide`] says what to do with each error, why calls queue, where the
//!   Device ID lives and how to test against the simulator;
//! - [`bindings`]: one module per function version (`bindings::patient_search_v1_0`
//!   holds `PatientSearchParameters`, `PatientSearchResult` and the marker
//!   `PatientSearchV1_0` for [`Client::call`]), [`AnyRequest`] / [`AnyResponse`],
//!   which read any saved document, and each function version's [`schema`] model
//!   (`bindings::schema_model`: names, types, lists, documentation), which
//!   [`AnyRequest::from_parameters`] builds requests through from [`parameters`];
//! - [`types`]: the structures every function shares (`Identity`, `Demographics`,
//!   `Event`, ...);
//! - [`transport`]: the framing codec, the pacing schedule and the Device ID files,
//!   for those building their own transport;
//! - `sim` (feature `sim`): the simulator, [`prelude`]: the names most programs use.
//!
//! Each part is also its own crate (`systmone-client`, `systmone-bindings`, ...), for
//! those who want fewer dependencies.

#![warn(missing_docs)]

pub use systmone_client::*;

pub use systmone_core::{
    ApiKey, CallKind, CodeScheme, Date, DateTime, Drift, DriftItem, DriftKind, DrugScheme,
    DurationMinutes, ErrorResponse, Extra, Flag, Function, MemberValue, Members, NoContent,
    OutputScheme, ParseError, Parsed, RawXml, ReadMode, Request, RequestHeader, Response,
    ResponseBody, UnknownAttribute, ValueError, WriteError, parameters, schema, versions,
};

pub use systmone_bindings::{AnyRequest, AnyResponse};

/// Every generated binding: one module per function version (its parameters, its
/// result, its own structures and its marker type), [`AnyRequest`] and
/// [`AnyResponse`], and the list of functions the bindings hold.
pub use systmone_bindings as bindings;

/// The structures the functions share (`Identity`, `Demographics`, `Event`, ...),
/// one Rust type per type of the common schema.
pub use systmone_types as types;

/// The framing codec, the pacing schedule and the Device ID stores the client is
/// built on.
pub use systmone_transport as transport;

/// The simulated SystmOne client (feature `sim`): start it in-process on port 0 and
/// point the client at [`sim::SimHandle::addr`].
#[cfg(feature = "sim")]
pub use systmone_sim as sim;

/// The names most integrations use: `use systmone::prelude::*;`.
///
/// The parameters and results of each function are in its module of [`bindings`]
/// (`systmone::bindings::patient_search_v1_0::PatientSearchParameters`).
pub mod prelude {
    pub use crate::types::{Identity, PatientId};
    pub use crate::{
        AnyResponse, Client, ClientConfig, Date, DateTime, DeviceIdStore, Error, FileStore, Flag,
        MemoryStore, ReadMode, Reply, ResponseBody,
    };

    #[cfg(feature = "sim")]
    pub use crate::sim::{SimConfig, Simulator};
}
