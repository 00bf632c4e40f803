//! FHIR R4 (4.0.1) Bundles, following UK Core, from SystmOne GetPatientRecord and
//! PatientSearch results, with a [`MappingReport`] of everything the Bundle does not
//! carry (nothing is dropped silently).
//!
//! ```
//! use systmone_bindings::AnyResponse;
//! use systmone_fhir::{MapOptions, patient_record_bundle};
//!
//! let xml = std::fs::read_to_string(concat!(
//!     env!("CARGO_MANIFEST_DIR"),
//!     "/../../tests/fixtures/GetPatientRecord/v1.0/real-shape-full.response.xml"
//! ))
//! .unwrap();
//! let AnyResponse::GetPatientRecordV1_0(response) = AnyResponse::parse(&xml).unwrap() else {
//!     panic!("not a GetPatientRecord response");
//! };
//! let systmone_core::ResponseBody::Success(record) = &response.body else {
//!     panic!("an error response");
//! };
//! // Read as of a day; `with_units` adds GetReferenceData's units of numeric codes.
//! let options = MapOptions::new(chrono::NaiveDate::from_ymd_opt(2025, 11, 20).unwrap());
//! let mapped = patient_record_bundle(record, &options);
//! let json = serde_json::to_value(&mapped.bundle).unwrap();
//! assert_eq!(json["type"], "collection");
//! assert_eq!(json["entry"][0]["resource"]["identifier"][0]["value"], "9990184321");
//! // What has no place in FHIR is listed, with where it was and why.
//! assert!(mapped.report.not_mapped.iter().any(|i| i.path == "RecordState"));
//! ```
//!
//! The resources are this crate's own serde types ([`model`]), for just the resources
//! and elements the mapping writes (ARCHITECTURE.md says why). Ids are name-based
//! UUIDs, so a record always gives the same Bundle. Date-times are SystmOne's UK wall
//! clock with the UK offset ([`time`]).

#![warn(missing_docs)]

pub mod codes;
pub mod model;
mod nhs_number;
mod record;
mod report;
mod search;
pub mod time;

pub use model::Bundle;
pub use nhs_number::nhs_number_is_valid;
pub use record::{MapOptions, Mapped, patient_record_bundle};
pub use report::{MappingReport, NotMapped, Reason};
pub use search::patient_search_bundle;

/// Writing a Bundle or a report as JSON failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the FHIR JSON: {0}")]
pub struct JsonError(#[from] serde_json::Error);

impl Mapped {
    /// The Bundle as pretty-printed JSON.
    pub fn bundle_json(&self) -> Result<String, JsonError> {
        Ok(serde_json::to_string_pretty(&self.bundle)?)
    }

    /// The mapping report as pretty-printed JSON.
    pub fn report_json(&self) -> Result<String, JsonError> {
        Ok(serde_json::to_string_pretty(&self.report)?)
    }
}
