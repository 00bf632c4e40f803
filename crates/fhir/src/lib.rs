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
//! # SystmOne's other data items (FIELD-EVIDENCE F15, F16)
//!
//! Besides codes, problems, medication, sensitivities, letters, attachments, narrative,
//! appointments, visits and tasks, a record's events hold the items of SystmOne's own
//! schema. Each becomes the closest UK Core resource; what it cannot hold is in the
//! report.
//!
//! - **A reading** (a ClinicalCode with a Value) is an `Observation` whose
//!   `valueQuantity` keeps the Value and the unit as SystmOne wrote it, with its UCUM
//!   system and code where the unit maps ([`codes::ucum`]: `mmHg` is `mm[Hg]`). F15
//!   gives the Comparator's codes (3 to 8) but not their meanings, so a value with a
//!   Comparator is not written as an exact quantity nor given a guessed comparator: it
//!   is a `valueString` (`90 mL/min/1.73m2 (SystmOne comparator code 5)`), and the
//!   Comparator is in the report.
//! - **Vaccination** is an `Immunization` (`completed`): the Name as the vaccine (the
//!   item has no code), BatchNumber as `lotNumber`, Dosage as `doseQuantity` when it
//!   reads as a number and a unit (else a note), PartType (the part of the course, a
//!   practice's own list, F17) as `protocolApplied.doseNumberString`, and Notes, where
//!   the site given is written, as a note.
//! - **Report** is a `DiagnosticReport` (`final`; Type as v2-0074 `LAB` or `RAD`;
//!   BatteryHeaders as its code; CollectionDate as `effectiveDateTime`; IssueDate, at
//!   midnight UK time, as `issued`; Comments as `conclusion`). Its `result`s are an
//!   `Observation` of its Result (Normal, Abnormal, ... as the interpretation, coded
//!   with HL7's `N`, `A`, `POS`, `NEG` where those fit, always with SystmOne's text)
//!   and the Observations of the readings in the same event, which is where a
//!   pathology report's values are. A DiagnosticReport has no place for actions, so
//!   each follow-up action is a `Task` (`plan`, its focus the report; `completed` for
//!   No Further Action), and PatientToBeInformed a Task to inform the patient.
//! - **RepeatMedication** is a `MedicationRequest`: `intent` `plan` (an authorisation
//!   of issues, as GP Connect writes repeat templates), `courseOfTherapyType`
//!   `continuous`, StartDate as the start of `dispenseRequest.validityPeriod`,
//!   MaxIssues less one as `numberOfRepeatsAllowed` (FHIR counts the repeats after the
//!   first supply, SystmOne the issues including it; the number as SystmOne counts it
//!   is also a note), the Quantity and IssueDurationDays as the quantity and
//!   expected supply duration of each issue, Dose as the dosage text. R4 has no
//!   element for a review date: the ReviewDate is a note (`Review date: 2026-01-01`).
//! - **Relationship** is a `RelatedPerson` (Type as the relationship, names,
//!   Telephone, WorkContact as a contact point of system `other`, address, date of
//!   birth, inactive after its EndDate). RelatedPerson has no element for the
//!   OrganisationName or the Description: both are reported.
//! - **CarePlan** and **PatientPlan** are `CarePlan`s (`active`, `plan`): the name,
//!   description and the practice's category and sub-category; each instruction an
//!   activity in its Order, its Responsibility (a role, not a person) as a performer
//!   named by text. CarePlan has no element for the Aim or the ReviewDate: notes.
//! - **Recall** is a `Task` (`plan`). A recall asks for the patient to be seen for
//!   something (its Type) by a date (its RecallDate), and SystmOne follows it through
//!   its invitations (Pending, 1st to 3rd Recall, Seen, Cancelled): that is work to be
//!   done with a due date and a workflow status, which is what Task is for
//!   (`restriction.period.end` is the date; the Status is FHIR's status and, as
//!   written, the business status). An Appointment would claim a booking that does not
//!   exist, a ServiceRequest an order for a service, a CarePlan a plan of care.
//! - **Reminder** is a `Flag`. A reminder is text shown to whoever opens the record
//!   until it expires, which is what a Flag is ("a warning of an issue when providing
//!   care"); its FreeText is the flag's text, the event's date to the ExpiryDate its
//!   period (`inactive` once expired), its Severity HL7's flag-priority extension
//!   (Low `PL`, Normal `PM`, High `PH`). A Communication or a note would lose that it
//!   is shown on the record for a time.
//! - **Activity** is an `Encounter` within the event's own (`partOf`): an activity is
//!   a contact (Performed, With, Method, Duration), not a procedure done to the
//!   patient; Performed and Method are its types, With a participant's type, Duration
//!   its length, Method its class (`VR` for telephone, text and e-mail, else `AMB`) and,
//!   for DNA, its status (`cancelled`). An event's own Method (F15) is its Encounter's
//!   type and class in the same way.
//!
//! LinkedProblemUIDs link them to the problems' Conditions: as `reasonReference`
//! (Immunization, MedicationRequest), `addresses` (CarePlan), a diagnosis (an
//! Activity's Encounter), or else as the Condition's evidence.
//!
//! The resources are this crate's own serde types ([`model`]), for just the resources
//! and elements the mapping writes (ARCHITECTURE.md says why). Ids are name-based
//! UUIDs, so a record always gives the same Bundle. Date-times are SystmOne's UK wall
//! clock with the UK offset ([`time`]).

#![warn(missing_docs)]

pub mod codes;
mod items;
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
