//! xsd-diff on hand-made synthetic pairs (`tests/schemas/synthetic/`, not vendor
//! versions) covering every change class, on both sides.

use std::path::{Path, PathBuf};

use systmone_upkeep::xsd_diff::{self, Change, ChangeKind, Policy, Severity, Side};

fn synthetic() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/synthetic")
}

fn xsd_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../xsd")
}

fn pair(policy: Policy) -> Vec<Change> {
    let d = xsd_diff::diff(
        &synthetic().join("old/Widget v1.0.xsd"),
        &synthetic().join("new/Widget v1.1.xsd"),
        policy,
    )
    .unwrap();
    assert_eq!(d.diffs.len(), 1);
    d.diffs[0].changes.clone()
}

/// The one change at `path` of `kind` on `side`.
fn find<'a>(changes: &'a [Change], side: Side, kind: ChangeKind, path: &str) -> &'a Change {
    let found: Vec<&Change> = changes
        .iter()
        .filter(|c| c.side == side && c.kind == kind && c.path.ends_with(path))
        .collect();
    assert_eq!(found.len(), 1, "{side:?} {kind:?} {path}: {changes:#?}");
    found[0]
}

use ChangeKind::*;
use Severity::*;
use Side::*;

/// (side, kind, path suffix, severity under the strict-reader policy, detail)
const EXPECTED: &[(Side, ChangeKind, &str, Severity, &str)] = &[
    // Requests: the client writes.
    (
        Request,
        Added,
        "Parameters/AddedOptional",
        Compatible,
        "optional element (0..1, string)",
    ),
    (
        Request,
        Added,
        "Parameters/AddedRequired",
        Breaking,
        "required element (1..1, string)",
    ),
    (
        Request,
        Removed,
        "Parameters/Removed",
        Breaking,
        "optional element (0..1, string)",
    ),
    (
        Request,
        MadeOptional,
        "Parameters/MadeOptional",
        Compatible,
        "1..1 -> 0..1",
    ),
    (
        Request,
        MadeRequired,
        "Parameters/MadeRequired",
        Breaking,
        "0..1 -> 1..1",
    ),
    (
        Request,
        CardinalityChanged,
        "Parameters/MoreOccurrences",
        Compatible,
        "0..1 -> 0..unbounded",
    ),
    (
        Request,
        CardinalityChanged,
        "Parameters/FewerOccurrences",
        Breaking,
        "0..unbounded -> 0..1",
    ),
    (
        Request,
        TypeChanged,
        "Parameters/TypeChanged",
        Breaking,
        "string -> integer",
    ),
    (
        Request,
        EnumValueAdded,
        "Parameters/Kind",
        Compatible,
        "\"Huge\"",
    ),
    (
        Request,
        EnumValueRemoved,
        "Parameters/Kind",
        Breaking,
        "\"Tiny\"",
    ),
    (
        Request,
        Added,
        "Parameters/Thing/Note",
        Compatible,
        "optional element (0..1, string)",
    ),
    (
        Request,
        Added,
        "Parameters/Thing/@NewOptional",
        Compatible,
        "optional attribute (0..1, string)",
    ),
    (
        Request,
        Added,
        "Parameters/Thing/@NewRequired",
        Breaking,
        "required attribute (1..1, string)",
    ),
    (
        Request,
        Removed,
        "Parameters/Thing/@Gone",
        Breaking,
        "optional attribute (0..1, string)",
    ),
    // The version pin: every version has its own bindings.
    (
        Request,
        EnumValueAdded,
        "ClientIntegrationRequest/FunctionVersion",
        Compatible,
        "\"1.1\"",
    ),
    (
        Request,
        EnumValueRemoved,
        "ClientIntegrationRequest/FunctionVersion",
        Compatible,
        "\"1.0\"",
    ),
    (
        Response,
        EnumValueAdded,
        "ClientIntegrationResponse/FunctionVersion",
        Compatible,
        "\"1.1\"",
    ),
    (
        Response,
        EnumValueRemoved,
        "ClientIntegrationResponse/FunctionVersion",
        Compatible,
        "\"1.0\"",
    ),
    // Responses: the client reads, strictly.
    (
        Response,
        Added,
        "Response/AddedOptional",
        Breaking,
        "optional element (0..1, string)",
    ),
    (
        Response,
        Removed,
        "Response/RemovedRequired",
        Breaking,
        "required element (1..1, string)",
    ),
    (
        Response,
        Removed,
        "Response/RemovedOptional",
        Compatible,
        "optional element (0..1, string)",
    ),
    (
        Response,
        MadeOptional,
        "Response/MadeOptional",
        Breaking,
        "1..1 -> 0..1",
    ),
    (
        Response,
        MadeRequired,
        "Response/MadeRequired",
        Compatible,
        "0..1 -> 1..1",
    ),
    (
        Response,
        CardinalityChanged,
        "Response/MoreOccurrences",
        Breaking,
        "0..1 -> 0..unbounded",
    ),
    (
        Response,
        CardinalityChanged,
        "Response/FewerOccurrences",
        Compatible,
        "0..unbounded -> 0..1",
    ),
    (
        Response,
        TypeChanged,
        "Response/TypeChanged",
        Breaking,
        "string -> integer",
    ),
    (
        Response,
        EnumValueAdded,
        "Response/Status",
        Breaking,
        "\"Suspended\"",
    ),
    (
        Response,
        EnumValueRemoved,
        "Response/Status",
        Compatible,
        "\"Inactive\"",
    ),
    (
        Response,
        EnumValueAdded,
        "Response/Scheme",
        Compatible,
        "\"SNOMED\"",
    ),
    (
        Response,
        EnumOpenness,
        "Response/Category",
        Breaking,
        "closed -> open",
    ),
    (
        Response,
        Added,
        "Response/Thing/Note",
        Breaking,
        "optional element (0..1, string)",
    ),
    (
        Response,
        Added,
        "Response/Thing/@NewOptional",
        Compatible,
        "optional attribute (0..1, string)",
    ),
    (
        Response,
        Added,
        "Response/Thing/@NewRequired",
        Compatible,
        "required attribute (1..1, string)",
    ),
    (
        Response,
        Removed,
        "Response/Thing/@Gone",
        Compatible,
        "optional attribute (0..1, string)",
    ),
];

#[test]
fn every_change_class_is_found_and_classified() {
    let changes = pair(Policy::StrictReader);
    for (side, kind, path, severity, detail) in EXPECTED {
        let c = find(&changes, *side, *kind, path);
        assert_eq!(c.severity, *severity, "{c:?}");
        assert_eq!(c.detail, *detail, "{c:?}");
    }
    assert_eq!(
        changes.len(),
        EXPECTED.len(),
        "unexpected changes: {changes:#?}"
    );
}

#[test]
fn tolerant_reader_accepts_new_response_elements() {
    let changes = pair(Policy::TolerantReader);
    assert_eq!(
        find(&changes, Response, Added, "Response/AddedOptional").severity,
        Compatible
    );
    assert_eq!(
        find(&changes, Response, Added, "Response/Thing/Note").severity,
        Compatible
    );
    // Our bindings keep an enumeration value they do not know (unlisted, reported).
    let differing: Vec<(ChangeKind, &str)> = pair(Policy::StrictReader)
        .iter()
        .zip(&changes)
        .filter(|(a, b)| a.severity != b.severity)
        .map(|(_, b)| (b.kind, b.path.as_str()))
        .collect();
    assert_eq!(differing.len(), 4, "{differing:?}");
    assert!(
        differing
            .iter()
            .all(|(k, _)| matches!(k, Added | EnumValueAdded | EnumOpenness))
    );
    // Everything else is classified as under the strict policy.
}

#[test]
fn reversed_pair_swaps_added_and_removed() {
    let d = xsd_diff::diff(
        &synthetic().join("new/Widget v1.1.xsd"),
        &synthetic().join("old/Widget v1.0.xsd"),
        Policy::StrictReader,
    )
    .unwrap();
    let changes = &d.diffs[0].changes;
    let c = find(changes, Request, Removed, "Parameters/AddedRequired");
    assert_eq!(c.severity, Breaking);
    let c = find(changes, Response, Removed, "Response/AddedOptional");
    assert_eq!(c.severity, Compatible);
    let c = find(changes, Response, EnumOpenness, "Response/Category");
    assert_eq!(
        (c.severity, c.detail.as_str()),
        (Compatible, "open -> closed")
    );
}

#[test]
fn directories_pair_files_and_diff_new_versions() {
    let report = xsd_diff::diff(
        &synthetic().join("old"),
        &synthetic().join("new"),
        Policy::StrictReader,
    )
    .unwrap();
    assert_eq!(report.added, ["Widget v1.1.xsd"]);
    assert_eq!(report.removed, ["Widget v1.0.xsd"]);
    assert_eq!(report.diffs.len(), 1);
    assert_eq!(report.diffs[0].old, "Widget v1.0.xsd");
    assert_eq!(report.diffs[0].new, "Widget v1.1.xsd");
    assert_eq!(report.diffs[0].changes.len(), EXPECTED.len());
    assert!(report.has_breaking());

    let text = report.to_text();
    assert!(
        text.contains("Widget v1.0.xsd -> Widget v1.1.xsd: 34 changes, 16 breaking"),
        "{text}"
    );
    assert!(
        text.contains("removed: Widget v1.0.xsd (BREAKING for clients that use it)"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["policy"], "strict-reader");
    assert_eq!(json["added"][0], "Widget v1.1.xsd");
    let first = &json["diffs"][0]["changes"][0];
    assert!(first["severity"] == "BREAKING" || first["severity"] == "COMPATIBLE");
    assert!(first["side"] == "request" || first["side"] == "response");
}

#[test]
fn a_schema_set_against_itself_is_unchanged() {
    let report = xsd_diff::diff(&xsd_dir(), &xsd_dir(), Policy::default()).unwrap();
    assert!(report.diffs.is_empty(), "{}", report.to_text());
    assert!(report.added.is_empty() && report.removed.is_empty());
    assert_eq!(report.unchanged.len(), 18);
    assert!(!report.has_breaking());
}

#[test]
fn the_real_schemas_flatten_into_both_sides() {
    let view = xsd_diff::load(&xsd_dir().join("GetPatientRecord v1.0.xsd")).unwrap();
    let filter = &view.nodes["/ClientIntegrationRequest/FunctionParameters/Filter/ClinicalCode"];
    assert_eq!((filter.side, filter.min, filter.max), (Request, 0, None));
    let identity = &view.nodes["/ClientIntegrationResponse/Response/Identity"];
    assert_eq!(
        (identity.side, identity.min, identity.ty.as_str()),
        (Response, 1, "complex")
    );
    // The shared types are followed into the paths that use them.
    assert!(
        view.nodes
            .keys()
            .any(|k| k.starts_with("/ClientIntegrationResponse/Response/Demographics/")),
    );
}
