//! `absorb` on the real-shape record with elements and an attribute injected, on each
//! kind of evidence, and on bad input.

use std::path::{Path, PathBuf};

use systmone_upkeep::absorb::{AbsorbError, Limits, NodeKind, Shape, absorb};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn real_shape() -> String {
    std::fs::read_to_string(
        workspace().join("tests/fixtures/GetPatientRecord/v1.0/real-shape-full.response.xml"),
    )
    .unwrap()
}

/// The patient values injected (and some the record holds): none may reach a schema
/// or a report.
const VALUES: &[&str] = &[
    "she/her",
    "c0ffee0000000001",
    "2026-01-05",
    "2026-02-05",
    "Rowena",
    "Quillfeather",
    "9990184321",
];

/// The real-shape record with an element after KnownAs, an attribute on the first
/// Event, and an element seen twice in a ClinicalCode.
fn injected() -> String {
    let record = real_shape();
    let record = record.replacen(
        "<KnownAs>Ro</KnownAs>",
        "<KnownAs>Ro</KnownAs>\n\t\t\t<PreferredPronouns>she/her</PreferredPronouns>",
        1,
    );
    let record = record.replacen(
        "EventUID=\"a1c4e07b00000000\"",
        "EventUID=\"a1c4e07b00000000\" ConsultationUID=\"c0ffee0000000001\"",
        1,
    );
    let injected = record.replacen(
        "<Units>kg</Units>",
        "<Units>kg</Units>\n<ReviewDate>2026-01-05</ReviewDate><ReviewDate>2026-02-05</ReviewDate>",
        1,
    );
    assert_ne!(injected, real_shape());
    injected
}

/// A scratch copy of the workspace's schemas.
fn scratch_xsd(dir: &Path) -> PathBuf {
    let xsd = dir.join("xsd");
    std::fs::create_dir_all(&xsd).unwrap();
    for entry in std::fs::read_dir(workspace().join("xsd")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "xsd") {
            std::fs::copy(&path, xsd.join(path.file_name().unwrap())).unwrap();
        }
    }
    xsd
}

fn assert_no_values(text: &str) {
    for value in VALUES {
        assert!(!text.contains(value), "{value} leaked into:\n{text}");
    }
}

#[test]
fn the_real_shape_record_is_described_already() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = scratch_xsd(dir.path());
    let doc = dir.path().join("record.response.xml");
    std::fs::write(&doc, real_shape()).unwrap();
    let absorbed = absorb(&[doc], &xsd, &Limits::default()).unwrap();
    assert_eq!(absorbed.documents, 1);
    assert!(absorbed.proposals.is_empty(), "{:?}", absorbed.proposals);
    assert!(absorbed.left.is_empty(), "{:?}", absorbed.left);
    assert!(absorbed.changes.is_empty());
}

#[test]
fn injected_elements_are_proposed_in_place_typed_and_then_described() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = scratch_xsd(dir.path());
    let doc = dir.path().join("record.response.xml");
    std::fs::write(&doc, injected()).unwrap();
    let absorbed = absorb(std::slice::from_ref(&doc), &xsd, &Limits::default()).unwrap();
    let found: Vec<_> = absorbed
        .proposals
        .iter()
        .map(|p| {
            (
                p.path.as_str(),
                p.kind,
                p.xsd_type.as_str(),
                p.after.as_deref(),
                p.repeated,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "Response/Demographics/PreferredPronouns",
                NodeKind::Element,
                "xs:string",
                Some("KnownAs"),
                false
            ),
            (
                "Response/Clinical/Event/@ConsultationUID",
                NodeKind::Attribute,
                "Uid",
                Some("EventUID"),
                false
            ),
            (
                "Response/Clinical/Event/ClinicalCode/ReviewDate",
                NodeKind::Element,
                "LenientDate",
                Some("Units"),
                true
            ),
        ]
    );
    assert_eq!(absorbed.proposals[2].shapes, [Shape::Date]);
    // ClinicalCode is written by UpdatePatientRecord (through the Event's wildcard):
    // the addition would become sendable, and the report says so.
    assert!(
        absorbed.proposals[2]
            .in_requests
            .contains(&"UpdatePatientRecord 1.0".to_string()),
        "{:?}",
        absorbed.proposals[2].in_requests
    );
    assert!(
        absorbed
            .proposals
            .iter()
            .all(|p| p.documents == 1 && p.placed)
    );
    // All three go into the shared types.
    assert_eq!(absorbed.changes.len(), 1);
    assert!(
        absorbed.changes[0]
            .path
            .ends_with("ClientIntegrationTypes.xsd")
    );
    let diff = absorbed.diff(dir.path());
    assert!(
        diff.contains("--- a/xsd/ClientIntegrationTypes.xsd"),
        "{diff}"
    );
    // Right after KnownAs's declaration, in Demographics.
    let known_as = diff.find("name=\"KnownAs\"").expect(&diff);
    let pronouns = diff
        .find("+      <xs:element name=\"PreferredPronouns\" type=\"xs:string\" minOccurs=\"0\">")
        .expect(&diff);
    assert!(known_as < pronouns);
    assert!(diff.contains(
        "+      <xs:element name=\"ReviewDate\" type=\"LenientDate\" minOccurs=\"0\" maxOccurs=\"unbounded\">"
    ));
    assert!(diff.contains("+    <xs:attribute name=\"ConsultationUID\" type=\"Uid\">"));
    assert!(diff.contains("Absorbed from observed responses: seen in 1 document, first seen "));
    let text = absorbed.to_text(dir.path());
    assert_no_values(&text);

    // Written, the schemas still read (the pipeline codegen uses), and describe it.
    absorbed.write().unwrap();
    let written = std::fs::read_to_string(xsd.join("ClientIntegrationTypes.xsd")).unwrap();
    assert_no_values(&written);
    systmone_upkeep::schema::read(&xsd.join("GetPatientRecord v1.0.xsd")).unwrap();
    let again = absorb(&[doc], &xsd, &Limits::default()).unwrap();
    assert!(again.proposals.is_empty(), "{:?}", again.proposals);
    assert!(again.changes.is_empty());
}

#[test]
fn a_drift_report_gives_paths_and_classes_but_not_places() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = scratch_xsd(dir.path());
    let report = dir.path().join("drift.json");
    // As `systmone parse --drift --json` writes it.
    std::fs::write(
        &report,
        serde_json::json!({
            "file": "record.response.xml",
            "document": "response",
            "function": "GetPatientRecord",
            "version": "1.0",
            "total": 3,
            "drift": [
                {"kind": "unknown element", "path": "Response/Demographics/PreferredPronouns", "count": 1, "first_value": "she/her"},
                {"kind": "unknown attribute", "path": "Response/Clinical/Event/@ConsultationUID", "count": 1, "first_value": "c0ffee0000000001"},
                {"kind": "empty value", "path": "Response/Demographics/Sex", "count": 1, "first_value": null},
                // Inside an undeclared element: part of that element.
                {"kind": "unknown element", "path": "Response/Nope/Deeper", "count": 1, "first_value": "x"},
            ],
        })
        .to_string(),
    )
    .unwrap();
    let absorbed = absorb(&[report], &xsd, &Limits::default()).unwrap();
    let found: Vec<_> = absorbed
        .proposals
        .iter()
        .map(|p| (p.path.as_str(), p.xsd_type.as_str(), p.placed))
        .collect();
    assert_eq!(
        found,
        [
            (
                "Response/Demographics/PreferredPronouns",
                "xs:string",
                false
            ),
            ("Response/Clinical/Event/@ConsultationUID", "Uid", false),
        ]
    );
    let text = absorbed.to_text(dir.path());
    assert!(text.contains("its place among its siblings was not in the evidence"));
    assert_no_values(&text);
}

#[test]
fn a_drift_report_naming_no_function_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = scratch_xsd(dir.path());
    let report = dir.path().join("drift.json");
    std::fs::write(&report, r#"{"file": "x.xml", "total": 0, "drift": []}"#).unwrap();
    let error = absorb(&[report], &xsd, &Limits::default()).unwrap_err();
    assert!(matches!(error, AbsorbError::NotEvidence { .. }), "{error}");
}

#[test]
fn a_recording_is_dated_by_its_requests_and_counts_documents() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = scratch_xsd(dir.path());
    let rec = dir.path().join("rec");
    std::fs::create_dir(&rec).unwrap();
    for (n, day) in [(1, "2026-11-30"), (2, "2026-11-28"), (3, "2026-12-01")] {
        let stem = format!("{n:06}-GetPatientRecord");
        std::fs::write(rec.join(format!("{stem}.response.xml")), injected()).unwrap();
        std::fs::write(
            rec.join(format!("{stem}.json")),
            serde_json::json!({
                "exchange": n,
                "function": "GetPatientRecord",
                "version": "1.0",
                "requested_at": format!("{day}T09:00:00Z"),
                "response_file": format!("{stem}.response.xml"),
                "outcome": "answered",
            })
            .to_string(),
        )
        .unwrap();
    }
    // An exchange with no response, and the run's summary: neither is a document.
    std::fs::write(
        rec.join("000004-GetPatientRecord.json"),
        r#"{"requested_at": "2026-11-01T09:00:00Z", "response_file": null}"#,
    )
    .unwrap();
    std::fs::write(rec.join("summary.json"), "{}").unwrap();
    let absorbed = absorb(&[rec], &xsd, &Limits::default()).unwrap();
    assert_eq!(absorbed.documents, 3);
    assert_eq!(absorbed.proposals.len(), 3);
    for p in &absorbed.proposals {
        assert_eq!(p.documents, 3);
        assert_eq!(p.first_seen.as_deref(), Some("2026-11-28"));
    }
    assert!(
        absorbed
            .diff(dir.path())
            .contains("seen in 3 documents, first seen 2026-11-28")
    );
}

#[test]
fn a_recording_cannot_point_outside_itself() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = scratch_xsd(dir.path());
    let rec = dir.path().join("rec");
    std::fs::create_dir(&rec).unwrap();
    std::fs::write(
        rec.join("000001-GetPatientRecord.json"),
        r#"{"requested_at": "2026-11-01T09:00:00Z", "response_file": "../secret.xml"}"#,
    )
    .unwrap();
    let error = absorb(&[rec], &xsd, &Limits::default()).unwrap_err();
    assert!(matches!(error, AbsorbError::NotEvidence { .. }), "{error}");
}

#[test]
fn a_conformance_report_gives_its_responses() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = scratch_xsd(dir.path());
    let report = dir.path().join("conformance.json");
    std::fs::write(
        &report,
        serde_json::json!({
            "target": "127.0.0.1:40700",
            "results": [
                {"id": "record", "exchanges": [
                    {"function": "GetPatientRecord", "version": "1.0", "request": "<r/>", "response": injected()},
                    {"function": "GetPatientRecord", "version": "1.0", "request": "<r/>", "response": null},
                ]},
                {"id": "search", "exchanges": [
                    {"function": "GetPatientRecord", "version": "1.0", "request": "<r/>", "response": real_shape()},
                ]},
            ],
        })
        .to_string(),
    )
    .unwrap();
    let absorbed = absorb(&[report], &xsd, &Limits::default()).unwrap();
    assert_eq!(absorbed.documents, 2);
    assert_eq!(absorbed.proposals.len(), 3);
    assert!(absorbed.proposals.iter().all(|p| p.documents == 1));
}

#[test]
fn what_needs_a_person_is_left_to_one() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = scratch_xsd(dir.path());
    let doc = dir.path().join("record.response.xml");
    let record = real_shape()
        // An element holding elements.
        .replacen(
            "<KnownAs>Ro</KnownAs>",
            "<KnownAs>Ro</KnownAs><Carer><Name>A</Name></Carer>",
            1,
        )
        // An attribute on an element of simple content.
        .replacen("<Units>kg</Units>", "<Units System=\"SI\">kg</Units>", 1)
        // A new data item of an Event (its content is a wildcard).
        .replacen("<Narrative>", "<Referral>r</Referral><Narrative>", 1);
    std::fs::write(&doc, record).unwrap();
    let absorbed = absorb(&[doc], &xsd, &Limits::default()).unwrap();
    assert!(absorbed.proposals.is_empty(), "{:?}", absorbed.proposals);
    assert!(absorbed.changes.is_empty());
    let left: Vec<&str> = absorbed.left.iter().map(|l| l.path.as_str()).collect();
    assert_eq!(
        left,
        [
            "Response/Demographics/Carer",
            "Response/Clinical/Event/Referral",
            "Response/Clinical/Event/ClinicalCode/Units/@System",
        ]
    );
}

#[test]
fn requests_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = scratch_xsd(dir.path());
    let request = workspace().join("tests/fixtures/GetPatientRecord/v1.0/f11-python.request.xml");
    let absorbed = absorb(&[request], &xsd, &Limits::default()).unwrap();
    assert_eq!(absorbed.skipped_requests, 1);
    assert!(absorbed.proposals.is_empty());
}

#[test]
fn bad_input_is_a_typed_error_without_values() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = scratch_xsd(dir.path());
    let broken = dir.path().join("broken.xml");
    let text = injected();
    // Cut inside the Demographics: not well-formed.
    std::fs::write(&broken, &text[..text.find("</Surname>").unwrap()]).unwrap();
    let error = absorb(std::slice::from_ref(&broken), &xsd, &Limits::default()).unwrap_err();
    assert!(matches!(error, AbsorbError::Xml { .. }), "{error}");
    assert_no_values(&error.to_string());

    let json = dir.path().join("bad.json");
    std::fs::write(
        &json,
        r#"{"results": [{"exchanges": [{"response": 9990184321}]}]}"#,
    )
    .unwrap();
    let error = absorb(&[json], &xsd, &Limits::default()).unwrap_err();
    assert!(matches!(error, AbsorbError::Json { .. }), "{error}");
    assert_no_values(&error.to_string());

    let other = dir.path().join("notes.txt");
    std::fs::write(&other, "hello").unwrap();
    let error = absorb(&[other], &xsd, &Limits::default()).unwrap_err();
    assert!(matches!(error, AbsorbError::NotEvidence { .. }), "{error}");
}

#[test]
fn limits_hold() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = scratch_xsd(dir.path());
    let doc = dir.path().join("record.response.xml");
    std::fs::write(&doc, injected()).unwrap();
    let two = [doc.clone(), doc.clone()];

    let limits = Limits {
        max_documents: 1,
        ..Limits::default()
    };
    let error = absorb(&two, &xsd, &limits).unwrap_err();
    assert!(
        matches!(
            error,
            AbsorbError::TooMany {
                what: "documents",
                ..
            }
        ),
        "{error}"
    );

    let limits = Limits {
        max_depth: 4,
        ..Limits::default()
    };
    let error = absorb(std::slice::from_ref(&doc), &xsd, &limits).unwrap_err();
    assert!(
        matches!(error, AbsorbError::TooDeep { limit: 4, .. }),
        "{error}"
    );

    let limits = Limits {
        max_file_bytes: 1024,
        ..Limits::default()
    };
    let error = absorb(std::slice::from_ref(&doc), &xsd, &limits).unwrap_err();
    assert!(matches!(error, AbsorbError::File(_)), "{error}");

    let limits = Limits {
        max_findings: 2,
        ..Limits::default()
    };
    let error = absorb(&[doc], &xsd, &limits).unwrap_err();
    assert!(matches!(error, AbsorbError::TooMany { .. }), "{error}");
}

#[test]
fn a_repeated_item_is_not_written_into_an_all() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = dir.path().join("xsd");
    std::fs::create_dir(&xsd).unwrap();
    std::fs::write(
        xsd.join("Foo v1.0.xsd"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="ClientIntegrationResponse">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Function" type="xs:string"/>
        <xs:element name="FunctionVersion" type="xs:string"/>
        <xs:element name="Response" type="FooResponse"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
  <xs:complexType name="FooResponse">
    <xs:all>
      <xs:element name="A" type="xs:string" minOccurs="0"/>
    </xs:all>
  </xs:complexType>
</xs:schema>
"#,
    )
    .unwrap();
    let doc = dir.path().join("foo.xml");
    std::fs::write(
        &doc,
        "<ClientIntegrationResponse><Function>Foo</Function><FunctionVersion>1</FunctionVersion>\
         <Response><B>x</B><B>y</B><A>a</A><C>12</C></Response></ClientIntegrationResponse>",
    )
    .unwrap();
    let absorbed = absorb(&[doc], &xsd, &Limits::default()).unwrap();
    let left: Vec<&str> = absorbed.left.iter().map(|l| l.path.as_str()).collect();
    assert_eq!(left, ["Response/B"]);
    let found: Vec<_> = absorbed
        .proposals
        .iter()
        .map(|p| (p.path.as_str(), p.xsd_type.as_str(), p.after.as_deref()))
        .collect();
    assert_eq!(found, [("Response/C", "xs:integer", Some("A"))]);
    assert!(absorbed.proposals[0].in_requests.is_empty());
    let diff = absorbed.diff(dir.path());
    assert!(
        diff.contains("+      <xs:element name=\"C\" type=\"xs:integer\" minOccurs=\"0\">"),
        "{diff}"
    );
}

#[test]
fn a_drift_report_of_a_document_also_given_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = scratch_xsd(dir.path());
    let doc = dir.path().join("record.response.xml");
    std::fs::write(&doc, injected()).unwrap();
    let report = dir.path().join("drift.json");
    // Named as `systmone parse` was given it, run in the report's directory.
    std::fs::write(
        &report,
        serde_json::json!({
            "file": "record.response.xml",
            "document": "response",
            "function": "GetPatientRecord",
            "version": "1.0",
            "total": 1,
            "drift": [{"kind": "unknown element", "path": "Response/Demographics/PreferredPronouns", "count": 1, "first_value": "she/her"}],
        })
        .to_string(),
    )
    .unwrap();
    let absorbed = absorb(&[report, doc], &xsd, &Limits::default()).unwrap();
    assert_eq!(absorbed.documents, 1);
    assert!(
        absorbed
            .proposals
            .iter()
            .all(|p| p.documents == 1 && p.placed)
    );
}
