//! The generated bindings against the fixture corpus, as snapshots (insta).
//!
//! For every fixture under `tests/fixtures/<Function>/v<Version>/`: parse it with the
//! bindings its `Function` and `FunctionVersion` name, snapshot the typed value, write it
//! back and snapshot the XML, and check that parsing what was written gives the same
//! value. A bad-input fixture (`bad-*`) must give a clear error, also snapshotted. New
//! fixtures are picked up by the glob without code.

use std::path::Path;

use systmone_bindings::{AnyRequest, AnyResponse};

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
        let (name, outcome) = parse_fixture(path);
        if name.starts_with("bad-") {
            match outcome {
                Ok((typed, _)) => panic!("{name} is a bad-input fixture but parsed:\n{typed}"),
                Err(error) => insta::assert_snapshot!("error", error),
            }
        } else {
            match outcome {
                Ok((typed, xml)) => {
                    insta::assert_snapshot!("typed", typed);
                    insta::assert_snapshot!("xml", xml);
                }
                Err(error) => panic!("{name} should parse: {error}"),
            }
        }
    });
}
