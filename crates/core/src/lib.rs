//! Hand-written core of the SystmOne Client Integration bindings.
//!
//! The generated crates (one per function version, and `systmone-types` for the shared
//! structures) build on this crate: the [`Function`] trait ties a function's
//! parameters to its result, [`Request`] and [`Response`] are the envelope, and the
//! leaf types here are the ones a generator should not guess at (lenient date-times,
//! presence-only flags, strict enumerations, raw XML for unknown elements).
//!
//! ```
//! use systmone_core::{DateTime, Response, ResponseBody, NoContent};
//!
//! let text = "<ClientIntegrationResponse><DeviceID>60e1dc7b6c786750</DeviceID>\
//!     <RequestUID>D6CDD100-2907-11E4-97A6-010000004000</RequestUID>\
//!     <Function>ExitClient</Function><FunctionVersion>1.0</FunctionVersion>\
//!     <ResponseUID>D78C3F00-2907-11E4-AEEF-010000000804</ResponseUID>\
//!     <Response></Response></ClientIntegrationResponse>";
//! let response = Response::<NoContent>::from_xml(text).unwrap();
//! assert_eq!(response.body, ResponseBody::Success(NoContent));
//!
//! let t: DateTime = "2017-12-19T12:45:12.0Z".parse().unwrap();
//! assert_eq!(t.to_string(), "2017-12-19T12:45:12");
//! ```

#![warn(missing_docs)]

mod datetime;
pub mod drift;
pub mod envelope;
mod extra;
pub mod file;
mod leaf;
pub mod mask;
pub mod members;
pub mod parameters;
mod reader;
pub mod schema;
pub mod versions;
mod writer;
pub mod xml;

pub use datetime::{Date, DateTime, DurationMinutes};
pub use drift::{Drift, DriftItem, DriftKind, Parsed, ReadMode};
pub use envelope::{
    ApiKey, CallKind, ErrorResponse, Function, NoContent, Request, RequestHeader, Response,
    ResponseBody,
};
pub use extra::{Extra, UnknownAttribute};
pub use leaf::{CodeScheme, DrugScheme, Flag, OutputScheme};
pub use members::{MemberValue, Members};
pub use xml::{ParseError, RawXml, WriteError};

/// A value that is not what the interface allows, e.g. a malformed date or an unknown
/// enumeration value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {value:?}: {expected}")]
pub struct ValueError {
    kind: &'static str,
    value: String,
    expected: String,
}

impl ValueError {
    /// A `value` that is not a valid `kind`, with what was `expected`.
    pub fn new(kind: &'static str, value: &str, expected: impl Into<String>) -> Self {
        ValueError {
            kind,
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}
