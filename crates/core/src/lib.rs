//! Core of the SystmOne Client Integration bindings.

mod datetime;
pub mod xml;

pub use datetime::{Date, DateTime, DurationMinutes};
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
    pub fn new(kind: &'static str, value: &str, expected: impl Into<String>) -> Self {
        ValueError {
            kind,
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}
