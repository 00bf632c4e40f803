//! `--format fhir` of `parse`, `record` and `extract`, run as a user runs them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use systmone_sim::{SimConfig, SimHandle, Simulator, Throttle};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// The binary with no SYSTMONE_* variables from the environment leaking in.
fn systmone() -> Command {
    let mut cmd = Command::cargo_bin("systmone").expect("binary");
    for var in [
        "SYSTMONE_ADDR",
        "SYSTMONE_API_KEY",
        "SYSTMONE_DEVICE_ID_FILE",
        "SYSTMONE_DEVICE_VERSION",
        "SYSTMONE_TIMEOUT",
        "SYSTMONE_CALL_TIMEOUT",
        "SYSTMONE_MAX_DOCUMENT_SIZE",
        "RUST_LOG",
        "SYSTMONE_OUTPUT",
        "SYSTMONE_AUDIT",
        "SYSTMONE_PACING",
    ] {
        cmd.env_remove(var);
    }
    cmd.timeout(Duration::from_secs(120));
    cmd
}

fn against(sim: &SimHandle, dir: &Path) -> Command {
    let mut cmd = systmone();
    cmd.args(["--addr", &sim.addr().to_string()])
        .args(["--api-key", "f31e26725b5491f2"])
        .arg("--device-id-file")
        .arg(dir.join("device-id"))
        .args(["--pacing", "off"])
        .env("SYSTMONE_TIMEOUT", "10");
    cmd
}

async fn simulator() -> SimHandle {
    Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

async fn run(mut cmd: Command) -> assert_cmd::assert::Assert {
    tokio::task::spawn_blocking(move || cmd.assert())
        .await
        .expect("command thread")
}

fn bundle(stdout: &[u8]) -> Value {
    let bundle: Value = serde_json::from_slice(stdout).expect("stdout is JSON");
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    bundle
}

fn patient_nhs_number(bundle: &Value) -> &str {
    let patient = &bundle["entry"][0]["resource"];
    assert_eq!(patient["resourceType"], "Patient");
    assert_eq!(
        patient["identifier"][0]["system"],
        "https://fhir.nhs.uk/Id/nhs-number"
    );
    patient["identifier"][0]["value"].as_str().unwrap()
}

#[test]
fn parse_a_saved_record_as_fhir() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let out = systmone()
        .args(["parse", "--format", "fhir", "--fhir-report"])
        .arg(&report)
        .arg(fixtures().join("GetPatientRecord/v1.0/real-shape-full.response.xml"))
        .assert()
        .success()
        // What is left out is named on stderr by path, without the patient's values.
        .stderr(predicate::str::contains("RecordState"))
        .stderr(predicate::str::contains("Closed").not())
        .get_output()
        .clone();
    let bundle = bundle(&out.stdout);
    assert_eq!(patient_nhs_number(&bundle), "9990184321");
    let kinds: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    for kind in [
        "Condition",
        "Observation",
        "MedicationStatement",
        "AllergyIntolerance",
        "DocumentReference",
        "Appointment",
        "Task",
        "Encounter",
    ] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    // The report file holds the values.
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(
        report["not_mapped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["value"] == "Closed")
    );
}

#[test]
fn parse_a_search_as_fhir_and_refuse_other_functions() {
    let out = systmone()
        .args(["parse", "--format", "fhir"])
        .arg(fixtures().join("PatientSearch/v1.0/response.xml"))
        .assert()
        .success()
        .get_output()
        .clone();
    let bundle = bundle(&out.stdout);
    assert!(!bundle["entry"].as_array().unwrap().is_empty());
    assert!(
        bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["resource"]["resourceType"] == "Patient")
    );
    systmone()
        .args(["parse", "--format", "fhir"])
        .arg(fixtures().join("GetFunctions/v1.0/as-documented.response.xml"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "FHIR output is for GetPatientRecord and PatientSearch responses, not GetFunctions",
        ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_as_fhir() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let nhs = sim.control().practice().nhs_numbers[0].clone();
    let mut cmd = against(&sim, dir.path());
    cmd.args(["record", &nhs, "--format", "fhir"]);
    let out = run(cmd).await.success().get_output().clone();
    assert_eq!(patient_nhs_number(&bundle(&out.stdout)), nhs);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_writes_one_bundle_per_patient_and_catches_up_on_resume() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("records");
    let numbers: Vec<String> = sim.control().practice().nhs_numbers[..3].to_vec();
    let list = dir.path().join("numbers.txt");

    // A first run without FHIR, then one with it: the saved records get their
    // Bundles without being fetched again.
    std::fs::write(&list, format!("{}\n{}\n", numbers[0], numbers[1])).unwrap();
    let mut cmd = against(&sim, dir.path());
    cmd.args(["extract", "--nhs-file"])
        .arg(&list)
        .arg("--out")
        .arg(&out);
    run(cmd).await.success();
    assert!(!out.join(format!("{}.fhir.json", numbers[0])).exists());

    std::fs::write(&list, numbers.join("\n")).unwrap();
    let mut cmd = against(&sim, dir.path());
    cmd.args(["extract", "--format", "fhir", "--nhs-file"])
        .arg(&list)
        .arg("--out")
        .arg(&out);
    run(cmd).await.success();
    for nhs in &numbers {
        let text = std::fs::read_to_string(out.join(format!("{nhs}.fhir.json"))).unwrap();
        assert_eq!(patient_nhs_number(&bundle(text.as_bytes())), nhs);
        let report: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("{nhs}.fhir-report.json"))).unwrap(),
        )
        .unwrap();
        assert!(report["not_mapped"].is_array());
    }
    let records = sim
        .control()
        .audit()
        .iter()
        .filter(|e| e.function == "GetPatientRecord")
        .count();
    assert_eq!(records, 3, "each record fetched once");

    // Nothing left to fetch, but a Bundle missing: it is written from the saved record.
    let bundle_file = out.join(format!("{}.fhir.json", numbers[1]));
    std::fs::remove_file(&bundle_file).unwrap();
    let mut cmd = against(&sim, dir.path());
    cmd.args(["extract", "--format", "fhir", "--nhs-file"])
        .arg(&list)
        .arg("--out")
        .arg(&out);
    run(cmd).await.success();
    assert!(bundle_file.exists());
    let audit = sim.control().audit();
    let count = |f: &str| audit.iter().filter(|e| e.function == f).count();
    assert_eq!(count("GetPatientRecord"), 3, "no record fetched again");
    // Units of numeric values come from GetReferenceData, once per run with FHIR.
    assert_eq!(count("GetReferenceData"), 2);

    // A run killed between a Bundle and its mapping report left the Bundle alone:
    // the next run makes the report (and the Bundle) again from the saved record.
    let report_file = out.join(format!("{}.fhir-report.json", numbers[2]));
    let report = std::fs::read_to_string(&report_file).unwrap();
    std::fs::remove_file(&report_file).unwrap();
    let mut cmd = against(&sim, dir.path());
    cmd.args(["extract", "--format", "fhir", "--nhs-file"])
        .arg(&list)
        .arg("--out")
        .arg(&out);
    run(cmd).await.success();
    assert_eq!(std::fs::read_to_string(&report_file).unwrap(), report);
    let audit = sim.control().audit();
    let count = |f: &str| audit.iter().filter(|e| e.function == f).count();
    assert_eq!(count("GetPatientRecord"), 3, "no record fetched again");
    sim.shutdown().await;
}
