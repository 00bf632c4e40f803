//! The generated bindings against the fixture corpus, as snapshots (insta).
//!
//! For every fixture under `tests/fixtures/<Function>/v<Version>/`: parse it with the
//! bindings its `Function` and `FunctionVersion` name, snapshot the typed value, write it
//! back and snapshot the XML, and check that parsing what was written gives the same
//! value. A bad-input fixture (`bad-*`) must be refused by strict reading with a clear
//! error; tolerant reading either refuses it too (not well-formed, wrong root, ...) or
//! keeps what it does not know and reports it as drift: both outcomes are snapshotted.
//! New fixtures are picked up by the glob without code.

use std::path::Path;

use systmone_bindings::{AnyRequest, AnyResponse};
use systmone_core::{Drift, ReadMode};

/// The drift report as a snapshot shows it: kind, path, count, first value.
fn drift_text(drift: &Drift) -> String {
    drift
        .items()
        .iter()
        .map(|i| {
            format!(
                "{}: {} x{} {:?}",
                i.kind,
                i.path,
                i.count,
                i.first_value.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// How strict and tolerant reading treat a bad-input fixture.
fn bad_outcome(name: &str, text: &str) -> String {
    let request = name.ends_with("request.xml");
    let read = |mode| {
        if request {
            AnyRequest::parse_with(text, mode).map(|p| p.drift)
        } else {
            AnyResponse::parse_with(text, mode).map(|p| p.drift)
        }
    };
    let strict = match read(ReadMode::Strict) {
        Ok(_) => panic!("{name} is a bad-input fixture but strict reading accepted it"),
        Err(error) => error.to_string(),
    };
    let tolerant = match read(ReadMode::Tolerant) {
        Ok(drift) => {
            assert!(
                !drift.is_empty(),
                "{name}: tolerant reading accepted a bad fixture with no drift"
            );
            format!("kept, drift:\n{}", drift_text(&drift))
        }
        Err(error) => format!("refused: {error}"),
    };
    format!("strict: {strict}\ntolerant: {tolerant}")
}

fn parse_fixture(path: &Path) -> (String, Result<(String, String), String>) {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let bytes = std::fs::read(path).unwrap();
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return (name, Err(format!("not UTF-8: {e}"))),
    };
    let outcome = if name.ends_with("request.xml") {
        AnyRequest::parse(&text)
            .map_err(|e| e.to_string())
            .map(|value| {
                let compact = value.to_xml(false).expect("writes");
                let pretty = value.to_xml(true).expect("writes");
                assert_eq!(
                    AnyRequest::parse(&compact).expect("re-parses"),
                    value,
                    "{name}: compact round trip"
                );
                assert_eq!(
                    AnyRequest::parse(&pretty).expect("re-parses"),
                    value,
                    "{name}: indented round trip"
                );
                (format!("{value:#?}"), pretty)
            })
    } else {
        AnyResponse::parse(&text)
            .map_err(|e| e.to_string())
            .map(|value| {
                let compact = value.to_xml(false).expect("writes");
                let pretty = value.to_xml(true).expect("writes");
                assert_eq!(
                    AnyResponse::parse(&compact).expect("re-parses"),
                    value,
                    "{name}: compact round trip"
                );
                assert_eq!(
                    AnyResponse::parse(&pretty).expect("re-parses"),
                    value,
                    "{name}: indented round trip"
                );
                (format!("{value:#?}"), pretty)
            })
    };
    (name, outcome)
}

#[test]
fn fixtures_parse_round_trip_and_match_snapshots() {
    insta::glob!("../fixtures", "*/v*/*.xml", |path| {
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("bad-")
        {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
            insta::assert_snapshot!("error", bad_outcome(&name, &text));
        } else {
            let (name, outcome) = parse_fixture(path);
            match outcome {
                Ok((typed, xml)) => {
                    insta::assert_snapshot!("typed", typed);
                    insta::assert_snapshot!("xml", xml);
                }
                Err(error) => panic!("{name} should parse: {error}"),
            }
            let text = std::fs::read_to_string(path).unwrap();
            let drift = if name.ends_with("request.xml") {
                AnyRequest::parse_with(&text, ReadMode::Tolerant)
                    .unwrap()
                    .drift
            } else {
                AnyResponse::parse_with(&text, ReadMode::Tolerant)
                    .unwrap()
                    .drift
            };
            if !drift.is_empty() {
                insta::assert_snapshot!("drift", drift_text(&drift));
            }
        }
    });
}

/// SystmOne answers a request whatever the order of its top-level elements (F14): the
/// parameters before the header read as the same request.
#[test]
fn a_request_with_its_parameters_before_its_header_reads_the_same() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/PatientSearch/v1.0/f14-kiosk.request.xml");
    let text = std::fs::read_to_string(path).unwrap();
    let start = text.find("<FunctionParameters").unwrap();
    let end = text.find("</FunctionParameters>").unwrap() + "</FunctionParameters>".len();
    let parameters = &text[start..end];
    let root_start = text.find("<ClientIntegrationRequest").unwrap();
    let root = root_start + text[root_start..].find('>').unwrap() + 1;
    let reordered = format!(
        "{}{parameters}{}{}",
        &text[..root],
        &text[root..start],
        &text[end..]
    );
    assert_ne!(reordered, text);
    for mode in [ReadMode::Strict, ReadMode::Tolerant] {
        let expected = AnyRequest::parse_with(&text, mode).unwrap().value;
        let read = AnyRequest::parse_with(&reordered, mode)
            .unwrap_or_else(|e| panic!("{mode:?}: {e}\n{reordered}"))
            .value;
        let (AnyRequest::PatientSearchV1_0(read), AnyRequest::PatientSearchV1_0(expected)) =
            (&read, &expected)
        else {
            panic!("{mode:?}: not read as PatientSearch 1.0: {read:?}");
        };
        assert_eq!(read.header, expected.header, "{mode:?}");
        assert_eq!(read.function_version, expected.function_version, "{mode:?}");
        assert_eq!(read.parameters, expected.parameters, "{mode:?}");
        // Kept losslessly: written back in the order it came.
        let written = AnyRequest::PatientSearchV1_0(read.clone())
            .to_xml(false)
            .unwrap();
        assert!(
            written.find("<FunctionParameters") < written.find("<Function>"),
            "{written}"
        );
    }
}
