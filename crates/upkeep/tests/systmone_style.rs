//! xsd-diff on files in SystmOne's own style (`tests/fixtures/systmone/`, rebuilt from
//! F13-F17): request-only, self-contained, anonymous types, configured lists written in.

use std::path::{Path, PathBuf};

use systmone_upkeep::xsd_diff::{self, ChangeKind, Options, Policy, Severity, Side};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/systmone")
}

fn contract() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../xsd")
}

fn options() -> Options {
    Options {
        policy: Policy::TolerantReader,
        configured: xsd_diff::configured_paths(&contract()).unwrap(),
    }
}

#[test]
fn our_schemas_name_the_ten_configured_lists_of_update_patient_record() {
    let view = xsd_diff::load(&contract().join("UpdatePatientRecord v1.0.xsd")).unwrap();
    let lists: Vec<String> = view
        .configured_paths()
        .into_iter()
        .map(|p| p.rsplit("/FunctionParameters/").next().unwrap().to_string())
        .collect();
    assert_eq!(
        lists,
        [
            "Clinical/Event/Activity/Performed",
            "Clinical/Event/Activity/With",
            "Clinical/Event/CarePlan/Category",
            "Clinical/Event/CarePlan/SubCategory",
            "Clinical/Event/Letter/Type",
            "Clinical/Event/Recall/Type",
            "Clinical/Event/Relationship/Type",
            "Clinical/Event/Vaccination/PartType",
            "NonClinical/Task/GroupNameAssigned",
            "NonClinical/Task/TaskType",
        ]
    );
}

#[test]
fn two_practices_files_differ_in_configuration_only() {
    let report = xsd_diff::diff_with(
        &fixtures().join("practice-a"),
        &fixtures().join("practice-b"),
        &options(),
    )
    .unwrap();
    assert!(!report.has_breaking(), "{}", report.to_text());
    assert_eq!(report.unchanged.len(), 5, "{}", report.to_text());
    let changes = &report.diffs[0].changes;
    assert_eq!(changes.len(), 10, "{}", report.to_text());
    assert!(changes.iter().all(|c| c.kind == ChangeKind::ConfiguredList
        && c.severity == Severity::Compatible
        && c.detail.starts_with("practice configuration (F17)")));
    // Without knowing the lists, the same pair is full of removed values.
    let blind = xsd_diff::diff(
        &fixtures().join("practice-a"),
        &fixtures().join("practice-b"),
        Policy::TolerantReader,
    )
    .unwrap();
    assert!(blind.has_breaking());
}

#[test]
fn a_request_only_file_is_compared_on_its_request_side() {
    let report =
        xsd_diff::diff_with(&contract(), &fixtures().join("practice-a"), &options()).unwrap();
    let text = report.to_text();
    assert!(!text.contains("ClientIntegrationResponse"), "{text}");
    assert!(
        !report
            .removed
            .iter()
            .any(|f| f == "ClientIntegrationTypes.xsd")
    );
    for d in &report.diffs {
        assert!(d.changes.iter().all(|c| c.side == Side::Request), "{d:?}");
        assert!(d.note.as_deref().unwrap().starts_with("request side only"));
        // The version's type (our enumeration of 1.0, their xs:decimal fixed at 1) and
        // the function's (our enumeration, their fixed string) are no change.
        assert!(
            !d.changes
                .iter()
                .any(|c| c.path.ends_with("/FunctionVersion") || c.path.ends_with("/Function")),
            "{d:?}"
        );
    }
    // What SystmOne's PatientSearch schema says and ours does not (F14's xs:date).
    let search = report
        .diffs
        .iter()
        .find(|d| d.old == "PatientSearch v1.0.xsd")
        .unwrap();
    assert!(
        search
            .changes
            .iter()
            .any(|c| c.kind == ChangeKind::TypeChanged
                && c.path.ends_with("FunctionParameters/DateOfBirth"))
    );
}

#[test]
fn the_tolerant_reader_is_the_default_and_says_what_still_breaks() {
    assert_eq!(Policy::default(), Policy::TolerantReader);
    let report = xsd_diff::diff(&contract(), &contract(), Policy::default()).unwrap();
    let text = report.to_text();
    assert!(
        text.starts_with("policy: tolerant reader (our bindings"),
        "{text}"
    );
    assert!(
        text.contains("a removed required or retyped one still breaks"),
        "{text}"
    );
}

#[test]
fn our_schemas_written_in_systmone_style_are_the_same_requests() {
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for entry in std::fs::read_dir(contract()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some((function, version)) = xsd_diff::parse_schema_file_name(&name) else {
            continue;
        };
        let text = systmone_upkeep::systmone_style::write(
            &xsd_diff::load(&path).unwrap(),
            &function,
            &version,
        );
        assert!(!text.contains("xs:include") && !text.contains("ClientIntegrationResponse"));
        assert!(!text.contains("<xs:complexType name=") && !text.contains("<xs:simpleType name="));
        assert!(text.contains("\r\n"));
        let styled = dir.path().join(&name);
        std::fs::write(&styled, &text).unwrap();
        let view = xsd_diff::load(&styled).unwrap();
        assert!(view.request_only);
        let d = xsd_diff::diff_files_with(&path, &styled, &options()).unwrap();
        assert!(d.changes.is_empty(), "{name}: {:#?}", d.changes);
        compared += 1;
    }
    assert_eq!(compared, 17);
}
