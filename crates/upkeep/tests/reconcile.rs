//! `reconcile` (and `--apply`) and `fetch::classify` on files in SystmOne's own style
//! (`tests/fixtures/systmone/`, rebuilt from F13-F17) against our contract (`xsd/`).

use std::path::{Path, PathBuf};

use systmone_upkeep::fetch::{self, FunctionStatus};
use systmone_upkeep::reconcile::{self, FindingKind};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/systmone")
}

fn contract() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../xsd")
}

/// A copy of our contract to change.
fn scratch_contract() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(contract()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

#[test]
fn our_contract_has_everything_update_patient_record_has() {
    let report = reconcile::reconcile(&fixtures().join("practice-a"), &contract()).unwrap();
    assert_eq!(report.to_apply(), 0, "{}", report.to_text());
    assert_eq!(report.configured(), 10, "{}", report.to_text());
    let update = report
        .files
        .iter()
        .find(|f| f.file == "UpdatePatientRecord v1.0.xsd")
        .unwrap();
    assert_eq!(update.ours.as_deref(), Some("UpdatePatientRecord v1.0.xsd"));
    // A configured list: practice configuration with this practice's values.
    let recall = update
        .findings
        .iter()
        .find(|f| f.path.ends_with("/Recall/Type"))
        .unwrap();
    assert_eq!(recall.kind, FindingKind::Configured);
    assert!(recall.detail.contains("\"Northgate clinic\""), "{recall:?}");
    // What ours accept beyond SystmOne's schema is said, not applied.
    assert!(update.findings.iter().any(|f| f.kind == FindingKind::Extra
        && f.path.ends_with("/NonClinical/Task/TaskUID")
        && !f.to_apply));
    // An enumeration of a fixed list: compared value by value.
    assert!(
        update
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::Enumeration
                && f.path.ends_with("/Demographics/Sex")
                && f.detail.contains("only ours: \"I\", \"U\""))
    );
    let text = report.to_text();
    assert!(
        text.contains("0 to apply (--apply), 10 configured lists"),
        "{text}"
    );
}

#[test]
fn apply_writes_what_ours_lack_annotated_and_then_nothing_is_left() {
    let ours = scratch_contract();
    let common = ours.path().join("ClientIntegrationTypes.xsd");
    let text = std::fs::read_to_string(&common).unwrap();
    // Take Task/Due and Drug/@PackID out of our copy.
    let cut = |text: &str, open: &str, close: &str| -> String {
        let start = text.find(open).unwrap();
        let end = start + text[start..].find(close).unwrap() + close.len();
        let line_start = text[..start].rfind('\n').unwrap() + 1;
        let line_end = end + text[end..].find('\n').unwrap() + 1;
        format!("{}{}", &text[..line_start], &text[line_end..])
    };
    let text = cut(&text, "<xs:element name=\"Due\"", "</xs:element>");
    let text = cut(&text, "<xs:attribute name=\"PackID\"", "</xs:attribute>");
    std::fs::write(&common, &text).unwrap();

    let theirs = fixtures().join("practice-a");
    let report = reconcile::reconcile(&theirs, ours.path()).unwrap();
    let missing: Vec<&str> = report
        .files
        .iter()
        .flat_map(|f| f.findings.iter())
        .filter(|f| f.kind == FindingKind::Missing && f.to_apply)
        .map(|f| f.path.as_str())
        .collect();
    assert!(
        missing.iter().any(|p| p.ends_with("/NonClinical/Task/Due")),
        "{missing:?}"
    );
    assert!(
        missing
            .iter()
            .any(|p| p.ends_with("/Medication/Drug/@PackID")),
        "{missing:?}"
    );
    let due = report
        .files
        .iter()
        .flat_map(|f| f.findings.iter())
        .find(|f| f.path.ends_with("/NonClinical/Task/Due"))
        .unwrap();
    assert!(
        due.detail.contains("(0..1, dateTime), after TaskType"),
        "{due:?}"
    );

    let applied = reconcile::apply(&theirs, ours.path(), &report).unwrap();
    assert!(
        applied.iter().any(|a| a.contains("Due into Task")),
        "{applied:?}"
    );
    let after = reconcile::reconcile(&theirs, ours.path()).unwrap();
    assert_eq!(after.to_apply(), 0, "{}", after.to_text());
    let written = std::fs::read_to_string(&common).unwrap();
    assert!(written.contains(
        "<xs:element name=\"Due\" type=\"xs:dateTime\" minOccurs=\"0\">\n        <xs:annotation><xs:documentation>From SystmOne's own schema (UpdatePatientRecord v1.0.xsd of practice-a)"
    ), "{written}");
    // Drug/@PackID goes into our one Drug type, used by Medication and RepeatMedication.
    let again =
        systmone_upkeep::xsd_diff::load(&ours.path().join("UpdatePatientRecord v1.0.xsd")).unwrap();
    assert!(
        again
            .nodes
            .keys()
            .any(|p| p.ends_with("/RepeatMedication/Drug/@PackID"))
    );
}

#[test]
fn a_function_only_their_file_describes_gets_a_file_of_ours() {
    let ours = scratch_contract();
    let theirs = fixtures().join("new-function");
    let report = reconcile::reconcile(&theirs, ours.path()).unwrap();
    assert_eq!(report.files[0].findings[0].kind, FindingKind::NewFunction);
    reconcile::apply(&theirs, ours.path(), &report).unwrap();
    let file = ours.path().join("GetTaskList v1.0.xsd");
    let text = std::fs::read_to_string(&file).unwrap();
    // Typed parameters; Subject's Code is our one shared shape, not a new type.
    assert!(
        text.contains("<xs:element name=\"MinDateTime\" type=\"xs:dateTime\""),
        "{text}"
    );
    assert!(
        text.contains("<xs:element name=\"Subject\" type=\"CodeSlot\""),
        "{text}"
    );
    // No value of theirs is copied (it may be a practice's configured list, F17).
    assert!(
        text.contains("<xs:element name=\"Status\" type=\"xs:string\" minOccurs=\"0\">"),
        "{text}"
    );
    assert!(text.contains("lists 2 values here, not copied") && !text.contains("Outstanding"));
    // The response: the error form or untyped content, kept.
    assert!(
        text.contains("<xs:any processContents=\"lax\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>")
    );
    let view = systmone_upkeep::xsd_diff::load(&file).unwrap();
    assert!(!view.request_only);
    assert!(
        view.nodes
            .contains_key("/ClientIntegrationRequest/FunctionParameters/Subject/Code/@Scheme")
    );
    let after = reconcile::reconcile(&theirs, ours.path()).unwrap();
    assert!(
        after.files[0]
            .findings
            .iter()
            .all(|f| f.kind != FindingKind::NewFunction)
    );
    assert_eq!(after.to_apply(), 0, "{}", after.to_text());
}

/// A new version of a function ours describe is written from our latest earlier
/// version: its response stays typed (SystmOne's files say nothing of responses).
#[test]
fn a_new_version_of_ours_is_written_from_our_earlier_version() {
    let ours = scratch_contract();
    let theirs = tempfile::tempdir().unwrap();
    let v1_0 = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../bindings/xsd/systmone/PatientSearch v1.0.xsd"),
    )
    .unwrap();
    let v1_1 = v1_0.replacen(r#"fixed="1.0""#, r#"fixed="1.1""#, 1);
    assert_ne!(v1_0, v1_1);
    std::fs::write(theirs.path().join("PatientSearch v1.1.xsd"), v1_1).unwrap();
    let report = reconcile::reconcile(theirs.path(), ours.path()).unwrap();
    let finding = &report.files[0].findings[0];
    assert_eq!(finding.kind, FindingKind::NewFunction);
    assert!(
        finding.detail.contains("PatientSearch v1.0.xsd"),
        "{}",
        finding.detail
    );
    let applied = reconcile::apply(theirs.path(), ours.path(), &report).unwrap();
    assert_eq!(applied.len(), 1, "{applied:?}");
    let text = std::fs::read_to_string(ours.path().join("PatientSearch v1.1.xsd")).unwrap();
    assert!(text.contains(r#"<xs:enumeration value="1.1"/>"#), "{text}");
    assert!(!text.contains(r#"<xs:enumeration value="1.0"/>"#), "{text}");
    assert!(!text.contains("processContents=\"lax\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n    </xs:sequence>\n  </xs:group>"));
    let old = systmone_upkeep::xsd_diff::load(&ours.path().join("PatientSearch v1.0.xsd")).unwrap();
    let new = systmone_upkeep::xsd_diff::load(&ours.path().join("PatientSearch v1.1.xsd")).unwrap();
    let response = |v: &systmone_upkeep::xsd_diff::SchemaView| {
        v.nodes
            .keys()
            .filter(|p| p.starts_with("/ClientIntegrationResponse/Response"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(!response(&old).is_empty());
    assert_eq!(response(&old), response(&new));
    assert_eq!(
        reconcile::reconcile(theirs.path(), ours.path())
            .unwrap()
            .to_apply(),
        0
    );
}

#[test]
fn fetched_functions_are_new_new_versions_changed_or_unchanged() {
    let fetched = tempfile::tempdir().unwrap();
    for dir in ["practice-a", "new-function"] {
        for entry in std::fs::read_dir(fixtures().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, fetched.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    std::fs::copy(
        fixtures().join("practice-a/GetDiary v1.0.xsd"),
        fetched.path().join("GetDiary v1.1.xsd"),
    )
    .unwrap();
    let status = |functions: &[fetch::FunctionReport], f: &str, v: &str| {
        functions
            .iter()
            .find(|x| x.function == f && x.version == v)
            .unwrap()
            .status
            .clone()
    };
    // Against our contract (no previous fetch).
    let functions = fetch::classify(fetched.path(), &contract(), None).unwrap();
    assert_eq!(
        status(&functions, "GetTaskList", "1.0"),
        FunctionStatus::NewFunction
    );
    assert!(matches!(
        status(&functions, "GetDiary", "1.1"),
        FunctionStatus::NewVersion { .. }
    ));
    assert!(matches!(
        status(&functions, "PatientSearch", "1.0"),
        FunctionStatus::RequestChanged { .. }
    ));
    // Against another practice's fetch: only configured lists differ, so unchanged.
    let functions = fetch::classify(
        fetched.path(),
        &contract(),
        Some(&fixtures().join("practice-b")),
    )
    .unwrap();
    assert!(matches!(
        status(&functions, "UpdatePatientRecord", "1.0"),
        FunctionStatus::Unchanged { .. }
    ));
    let text = fetch::functions_text(&functions);
    assert!(text.contains("GetTaskList v1.0: new function"), "{text}");
}
