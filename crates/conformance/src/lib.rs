//! A conformance kit for the SystmOne Client Integration interface: does this
//! practice's SystmOne client still match our bindings?
//!
//! A catalogue of scenarios ([`CATALOGUE`]), each naming the document section and the
//! facts it checks (E-numbers: the document's errata, `docs/errata.md`; F-numbers: the
//! field evidence, `docs/field-evidence.md`; every report says where), is run through the typed
//! client against a live client or the simulator. Every response is read tolerantly
//! (by the client) and strictly (here); a scenario passes, drifts (tolerant reading
//! succeeded, strict did not: the drift lists each departure), fails (an error, a wrong
//! shape, a timeout) or is skipped (the function is not advertised, or the practice
//! lacks the data). Requests are built through the schema model of the version both
//! sides support (`systmone_bindings::schema_model`, `AnyRequest::from_parameters`) and
//! results read as typed values by the model's paths (`systmone_core::Members`), so a
//! version that exists only in regenerated bindings is run like any other. Reads only by default; with [`RunOptions::allow_writes`] and a
//! [`TestPatients`] file it also books and cancels a slot and adds and deletes a coded
//! entry, on the named test patients only, undoing what it added. A write whose outcome
//! is unknown stops the run, naming its RequestUID.
//!
//! ```no_run
//! use systmone_client::{Client, ClientConfig};
//! use systmone_conformance::{Kit, RunOptions, TestPatients};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder(ClientConfig::new("f31e26725b5491f2")).build()?;
//! let options = RunOptions {
//!     test_patients: TestPatients::load("test-patients.toml".as_ref())?,
//!     target: "127.0.0.1:40700".into(),
//!     ..RunOptions::default()
//! };
//! let kit = Kit::new(client, options)?;
//! let report = kit.run(|_progress| {}).await?;
//! print!("{}", report.to_table());
//! std::process::exit(report.exit_code().into());
//! # }
//! ```
//!
//! Reports: [`RunReport::to_table`], [`RunReport::to_json`] (documents with patient
//! data masked unless [`RunOptions::include_payloads`]; the API key always) and
//! [`RunReport::to_junit`]. Exit codes: [`EXIT_PASSED`], [`EXIT_DRIFT`],
//! [`EXIT_FAILED`], [`EXIT_OUTCOME_UNKNOWN`].

#![warn(missing_docs)]

pub mod catalogue;
pub mod mask;
pub mod report;
mod run;
pub mod test_patients;

pub use catalogue::{CATALOGUE, Check, Scenario, plan};
pub use report::{
    DriftEntry, EXIT_DRIFT, EXIT_FAILED, EXIT_OUTCOME_UNKNOWN, EXIT_PASSED, ExchangeRecord,
    Outcome, REFERENCES, RunReport, ScenarioResult,
};
pub use run::{Kit, KitError, PER_REQUEST, Progress, RunOptions, estimate_requests};
pub use test_patients::{Role, TestPatients, TestPatientsError};
