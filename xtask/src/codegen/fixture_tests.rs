//! Codegen on synthetic schemas (`xtask/tests/schemas/synthetic/`, not vendor
//! versions): a self-contained schema that does not include the common one, and two
//! versions of one function side by side.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Files, render};

fn synthetic() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/synthetic")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn copy(from: &Path, to_dir: &Path) {
    std::fs::copy(from, to_dir.join(from.file_name().unwrap())).unwrap();
}

fn file<'a>(files: &'a Files, path: &str) -> &'a str {
    files.get(Path::new(path)).unwrap_or_else(|| {
        panic!(
            "{path} not rendered: {:?}",
            files.keys().collect::<Vec<_>>()
        )
    })
}

fn self_contained() -> (tempfile::TempDir, Files) {
    let dir = tempfile::tempdir().unwrap();
    copy(&synthetic().join("self-contained/Foo v1.0.xsd"), dir.path());
    let files = render(dir.path()).unwrap();
    (dir, files)
}

fn two_versions() -> (tempfile::TempDir, Files) {
    let dir = tempfile::tempdir().unwrap();
    copy(&root().join("xsd/GetPatientRecord v1.0.xsd"), dir.path());
    copy(&root().join("xsd/ClientIntegrationTypes.xsd"), dir.path());
    copy(
        &synthetic().join("multi-version/GetPatientRecord v1.1.xsd"),
        dir.path(),
    );
    let files = render(dir.path()).unwrap();
    (dir, files)
}

#[test]
fn self_contained_schema_keeps_its_types_in_its_crate() {
    let (_dir, files) = self_contained();
    // No common schema: no shared-types crate, and the function crate does not use it.
    assert!(!files.keys().any(|p| p.starts_with("crates/types")));
    let generated = file(&files, "crates/functions/foo_v1_0/src/generated.rs");
    for item in [
        "pub struct FooV1_0;",
        "pub struct FooParameters",
        "pub struct FooResult",
        "pub struct Identity",
        "pub enum RecordState",
        "pub struct FooThing",
    ] {
        assert!(generated.contains(item), "{item} missing:\n{generated}");
    }
    assert!(!generated.contains("systmone_types"), "{generated}");
    // Flag is the hand-written core type, as in the common schema.
    assert!(generated.contains("systmone_core::Flag"), "{generated}");
    let manifest = file(&files, "crates/functions/foo_v1_0/Cargo.toml");
    assert!(!manifest.contains("systmone-types"), "{manifest}");
    let bindings = file(&files, "crates/bindings/src/generated.rs");
    assert!(bindings.contains("(\"Foo\", \"1.0\")"), "{bindings}");
}

#[test]
fn two_versions_of_a_function_get_two_crates() {
    let (_dir, files) = two_versions();
    let v10 = file(
        &files,
        "crates/functions/get_patient_record_v1_0/src/generated.rs",
    );
    let v11 = file(
        &files,
        "crates/functions/get_patient_record_v1_1/src/generated.rs",
    );
    assert!(v10.contains("pub struct GetPatientRecordV1_0;"));
    assert!(v11.contains("pub struct GetPatientRecordV1_1;"));
    assert!(!v10.contains("synthetic_test_filter"));
    assert!(v11.contains("synthetic_test_filter"), "{v11}");
    // The 1.0 crate is exactly what xsd/ gives.
    assert_eq!(
        v10,
        std::fs::read_to_string(
            root().join("crates/functions/get_patient_record_v1_0/src/generated.rs")
        )
        .unwrap()
    );
    let manifest = file(
        &files,
        "crates/functions/get_patient_record_v1_1/Cargo.toml",
    );
    assert!(
        manifest.contains("name = \"systmone-get-patient-record-v1-1\""),
        "{manifest}"
    );
    let bindings = file(&files, "crates/bindings/src/generated.rs");
    for expected in [
        "(\"GetPatientRecord\", \"1.0\")",
        "(\"GetPatientRecord\", \"1.1\")",
        "GetPatientRecordV1_0(",
        "GetPatientRecordV1_1(",
    ] {
        assert!(
            bindings.contains(expected),
            "{expected} missing:\n{bindings}"
        );
    }
    let bindings_manifest = file(&files, "crates/bindings/Cargo.toml");
    assert!(bindings_manifest.contains("../functions/get_patient_record_v1_1"));
}

/// Writes `files` into a scratch workspace whose dependencies are this workspace's
/// `systmone-core`, and runs `cargo check` on it.
fn check_compiles(files: &Files) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let has_types = files.keys().any(|p| p.starts_with("crates/types"));
    let manifest = format!(
        r#"[workspace]
resolver = "3"
members = ["crates/bindings", "crates/functions/*"{types_member}]

[workspace.package]
version = "0.1.0"
edition = "2024"
license = "MIT OR Apache-2.0"
rust-version = "1.85"
readme = "README.md"
keywords = ["systmone"]
categories = ["api-bindings"]

[workspace.dependencies]
systmone-core = {{ path = {core:?} }}
{types_dep}"#,
        types_member = if has_types { ", \"crates/types\"" } else { "" },
        types_dep = if has_types {
            "systmone-types = { path = \"crates/types\" }\n"
        } else {
            ""
        },
        core = root().join("crates/core").display().to_string(),
    );
    std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.path().join("README.md"), "Scratch workspace.\n").unwrap();
    std::fs::copy(root().join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["check", "--offline", "--quiet", "--workspace"])
        .current_dir(dir.path())
        // A target directory of its own (the test's cargo holds the workspace one),
        // kept between runs so that the dependencies build once.
        .env("CARGO_TARGET_DIR", root().join("target/codegen-fixtures"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo check of the rendered crates failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn self_contained_crate_compiles() {
    check_compiles(&self_contained().1);
}

#[test]
fn two_version_crates_compile() {
    check_compiles(&two_versions().1);
}
