//! The typed errors of the upkeep library: what a caller can match on, and messages that
//! name the file involved.

use std::error::Error as _;
use std::path::Path;

use systmone_upkeep::fetch::{self, Listed, Status};
use systmone_upkeep::schema::SchemaError;
use systmone_upkeep::xsd_diff::{self, DiffError, Policy};
use xsd_parser::pipeline::parser::Error as ParserError;

/// `error` and its causes, `: `-separated (as `anyhow`'s `{:#}` shows them).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

const HEAD: &str = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">"#;

#[test]
fn a_missing_include_is_a_parse_error_naming_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Widget v1.0.xsd");
    write(
        &file,
        &format!(r#"{HEAD}<xs:include schemaLocation="Missing.xsd"/></xs:schema>"#),
    );
    let error = xsd_diff::diff(&file, &file, Policy::StrictReader).unwrap_err();
    let DiffError::Schema(SchemaError::Parse { path, source }) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(path, &file);
    // xsd-parser's resolver does not name the include; its io::Error is kept.
    assert!(
        matches!(&**source, ParserError::Resolver(e) if e.kind() == std::io::ErrorKind::NotFound),
        "{source:?}"
    );
    let text = chain(&error);
    assert!(
        text.starts_with(&format!(
            "cannot read the schema {} (or a file it includes): ",
            file.display()
        )),
        "{text}"
    );
}

#[test]
fn an_undefined_type_is_an_interpret_error_naming_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Widget v1.0.xsd");
    write(
        &file,
        &format!(r#"{HEAD}<xs:element name="Widget" type="NoSuchType"/></xs:schema>"#),
    );
    let error = xsd_diff::load(&file).unwrap_err();
    let DiffError::Schema(SchemaError::Interpret { path, .. }) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(path, &file);
    assert!(error.source().is_some(), "the interpreter's error is kept");
    assert!(chain(&error).contains("NoSuchType"), "{}", chain(&error));
}

#[test]
fn a_file_against_a_directory_is_not_comparable() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Widget v1.0.xsd");
    write(&file, &format!("{HEAD}</xs:schema>"));
    let missing = dir.path().join("missing");
    for (old, new) in [(&file, dir.path()), (&missing, dir.path())] {
        let error = xsd_diff::diff(old, new, Policy::StrictReader).unwrap_err();
        assert!(
            matches!(&error, DiffError::NotComparable { old: o, new: n } if o == old && n == new),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "xsd-diff compares two files or two directories: {} and {}",
                old.display(),
                new.display()
            )
        );
    }
}

#[test]
fn a_file_that_cannot_be_written_is_reported_failed_with_its_path() {
    let written = tempfile::tempdir().unwrap();
    let into = tempfile::tempdir().unwrap();
    write(&written.path().join("A v1.0.xsd"), "<xs:schema/>");
    // A directory where the file should go: writing it fails.
    std::fs::create_dir(into.path().join("A v1.0.xsd")).unwrap();
    let listed = [Listed {
        function: "A".into(),
        version: "1.0".into(),
        result: "Successfully written".into(),
    }];
    let report = fetch::install(written.path(), &listed, into.path()).unwrap();
    assert_eq!(report.failed(), 1);
    let Status::Failed(reason) = &report.files[0].status else {
        panic!("{report:?}");
    };
    let prefix = format!(
        "cannot write {}: ",
        into.path().join("A v1.0.xsd").display()
    );
    assert!(reason.starts_with(&prefix), "{reason}");
    assert!(
        reason.ends_with(" (client said: Successfully written)"),
        "{reason}"
    );
}
