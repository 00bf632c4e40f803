//! `AnyRequest::parse_with` and `AnyResponse::parse_with`, tolerant and strict.

use std::fmt::Debug;

use systmone_bindings::{AnyRequest, AnyResponse};
use systmone_core::{ParseError, Parsed, ReadMode, WriteError};

/// A whole document the bindings read and write.
trait Document: Sized + PartialEq + Debug {
    fn parse_with(text: &str, mode: ReadMode) -> Result<Parsed<Self>, ParseError>;
    fn to_xml(&self, pretty: bool) -> Result<String, WriteError>;
}

impl Document for AnyRequest {
    fn parse_with(text: &str, mode: ReadMode) -> Result<Parsed<Self>, ParseError> {
        AnyRequest::parse_with(text, mode)
    }
    fn to_xml(&self, pretty: bool) -> Result<String, WriteError> {
        AnyRequest::to_xml(self, pretty)
    }
}

impl Document for AnyResponse {
    fn parse_with(text: &str, mode: ReadMode) -> Result<Parsed<Self>, ParseError> {
        AnyResponse::parse_with(text, mode)
    }
    fn to_xml(&self, pretty: bool) -> Result<String, WriteError> {
        AnyResponse::to_xml(self, pretty)
    }
}

/// Any bytes as a request document (invalid UTF-8 replaced, as a reader of the
/// socket's text would see it).
pub fn parse_request(data: &[u8]) {
    check::<AnyRequest>(data);
}

/// Any bytes as a response document.
pub fn parse_response(data: &[u8]) {
    check::<AnyResponse>(data);
}

/// No panic in either mode; a document strict reading accepts reads tolerantly to the
/// same value with no drift; whatever tolerant reading accepts is written (compact and
/// indented) to a document that reads back to an equal value.
fn check<D: Document>(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let strict = D::parse_with(&text, ReadMode::Strict);
    let tolerant = D::parse_with(&text, ReadMode::Tolerant);
    if let Ok(strict) = &strict {
        assert!(strict.drift.is_empty(), "strict reading reported drift");
        let tolerant = match &tolerant {
            Ok(t) => t,
            Err(e) => panic!("strict reading accepted what tolerant reading refused: {e}"),
        };
        assert_eq!(
            tolerant.value, strict.value,
            "tolerant and strict values differ"
        );
        assert!(
            tolerant.drift.is_empty(),
            "tolerant reading reported drift on what strict reading accepted: {:?}",
            tolerant.drift
        );
    }
    let Ok(tolerant) = tolerant else {
        return;
    };
    for pretty in [false, true] {
        let written = tolerant
            .value
            .to_xml(pretty)
            .unwrap_or_else(|e| panic!("a document read cannot be written (pretty {pretty}): {e}"));
        let again = D::parse_with(&written, ReadMode::Tolerant).unwrap_or_else(|e| {
            panic!("written back (pretty {pretty}), it does not read: {e}\n{written}")
        });
        assert_eq!(
            again.value, tolerant.value,
            "written back (pretty {pretty}), it reads differently:\n{written}"
        );
    }
}
