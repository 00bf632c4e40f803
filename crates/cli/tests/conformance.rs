//! `systmone conformance` run as a user runs it, against the simulator in-process
//! (throttle off, no pacing): exit codes, the table, the JSON and JUnit reports (they
//! parse, their counts match, patient data masked unless asked for), `--help`, and
//! `systmone sim --test-patients`.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use systmone_sim::{SimConfig, SimHandle, Simulator, Throttle};

fn systmone() -> Command {
    let mut cmd = Command::cargo_bin("systmone").expect("binary");
    for (var, _) in std::env::vars() {
        if var.starts_with("SYSTMONE_") || var == "NO_COLOR" {
            cmd.env_remove(var);
        }
    }
    cmd.timeout(Duration::from_secs(120));
    cmd
}

async fn simulator(skew: bool) -> SimHandle {
    Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        skew,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

/// `systmone sim --test-patients` into `dir/patients.toml`.
fn test_patients(dir: &Path) -> std::path::PathBuf {
    let out = systmone()
        .args(["sim", "--test-patients"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("[roles]") && text.contains("has-medication = \""),
        "{text}"
    );
    let path = dir.join("patients.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn conformance(sim: &SimHandle, dir: &Path) -> Command {
    let mut cmd = systmone();
    cmd.args(["--addr", &sim.addr().to_string()])
        .args(["--api-key", "f31e26725b5491f2"])
        .arg("--device-id-file")
        .arg(dir.join("device-id"))
        .args(["--pacing", "off", "conformance", "--test-patients"])
        .arg(test_patients(dir));
    cmd
}

async fn output(mut cmd: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// The numbers of the test patients file (patient data the reports must mask).
fn numbers(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("patients.toml"))
        .unwrap()
        .lines()
        .filter_map(|l| {
            l.split_once(" = \"")
                .map(|(_, n)| n.trim_end_matches('"').to_string())
        })
        .collect()
}

/// Checks the JUnit file is well-formed XML and its counts match the JSON report's.
fn check_junit(junit: &str, json: &serde_json::Value) {
    let reader = xml::reader::EventReader::new(junit.as_bytes());
    let mut cases = 0;
    let mut failures = 0;
    let mut skipped = 0;
    let mut suite_counts = None;
    for event in reader {
        if let xml::reader::XmlEvent::StartElement {
            name, attributes, ..
        } = event.expect("the JUnit report is well-formed XML")
        {
            let attr = |n: &str| {
                attributes
                    .iter()
                    .find(|a| a.name.local_name == n)
                    .map(|a| a.value.parse::<usize>().unwrap())
            };
            match name.local_name.as_str() {
                "testsuite" => {
                    suite_counts = Some((attr("tests"), attr("failures"), attr("skipped")))
                }
                "testcase" => cases += 1,
                "failure" => failures += 1,
                "skipped" => skipped += 1,
                _ => {}
            }
        }
    }
    assert_eq!(
        suite_counts,
        Some((Some(cases), Some(failures), Some(skipped)))
    );
    let results = json["results"].as_array().unwrap();
    assert_eq!(cases, results.len());
    let count = |o: &str| results.iter().filter(|r| r["outcome"] == o).count();
    assert_eq!(failures, count("fail") + count("drift"));
    assert_eq!(skipped, count("skipped"));
}

#[tokio::test(flavor = "multi_thread")]
async fn with_writes_every_scenario_passes_exit_0_and_the_reports_agree() {
    let sim = simulator(false).await;
    let dir = tempfile::tempdir().unwrap();
    let (json_path, junit_path) = (dir.path().join("report.json"), dir.path().join("junit.xml"));
    let mut cmd = conformance(&sim, dir.path());
    cmd.arg("--allow-writes")
        .arg("--json")
        .arg(&json_path)
        .arg("--junit")
        .arg(&junit_path);
    let out = output(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("this run takes about"), "{stderr}");
    assert!(stderr.contains("ETA"), "{stderr}");
    assert!(stdout.starts_with("scenario "), "{stdout}");
    assert!(stdout.contains("write-book-cancel"), "{stdout}");
    assert!(stdout.contains(" 0 drift, 0 failed, 0 skipped"), "{stdout}");
    let text = std::fs::read_to_string(&json_path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).expect("the JSON report parses");
    let results = json["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r["outcome"] == "pass"));
    for r in results {
        assert!(r["section"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(r["elapsed_ms"].is_u64());
        let exchange = &r["exchanges"][0];
        assert!(
            exchange["request"]
                .as_str()
                .unwrap()
                .contains("<ClientIntegrationRequest")
        );
        assert!(
            exchange["response"]
                .as_str()
                .unwrap()
                .contains("<ClientIntegrationResponse")
        );
    }
    // Masked: no test patient's number, no API key.
    for number in numbers(dir.path()) {
        assert!(
            !text.contains(&number),
            "an NHS number is in the JSON report"
        );
    }
    assert!(!text.contains("f31e26725b5491f2"));
    assert!(text.contains("<NHSNumber>***</NHSNumber>"));
    check_junit(&std::fs::read_to_string(&junit_path).unwrap(), &json);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn payloads_are_kept_only_when_asked_for_never_the_key() {
    let sim = simulator(false).await;
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("report.json");
    let mut cmd = conformance(&sim, dir.path());
    cmd.arg("--include-payloads").arg("--json").arg(&json_path);
    let out = output(cmd).await;
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&json_path).unwrap();
    assert!(numbers(dir.path()).iter().any(|n| text.contains(n)));
    assert!(!text.contains("f31e26725b5491f2"));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["payloads_included"],
        true
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn against_skew_the_exit_code_is_drift_and_the_departures_are_listed() {
    let sim = simulator(true).await;
    let dir = tempfile::tempdir().unwrap();
    let (json_path, junit_path) = (dir.path().join("report.json"), dir.path().join("junit.xml"));
    let mut cmd = conformance(&sim, dir.path());
    cmd.arg("--allow-writes")
        .arg("--json")
        .arg(&json_path)
        .arg("--junit")
        .arg(&junit_path);
    let out = output(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(6), "{stdout}");
    for departure in [
        "unknown element at Response/",
        "Demographics/PreferredPronouns",
        "unknown attribute at Response/",
        "Event/@Confidentiality",
        "new function version at GetFunctions: GetPatientRecord 1.1",
        "new schema file at GetXSDFiles: GetPatientRecord v1.1.xsd",
    ] {
        assert!(stdout.contains(departure), "{departure} not in\n{stdout}");
    }
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    check_junit(&std::fs::read_to_string(&junit_path).unwrap(), &json);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_run_resumes_without_repeating_scenarios() {
    let sim = simulator(false).await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("conformance.state");
    let mut first = conformance(&sim, dir.path());
    first.arg("--resume").arg(&state);
    assert_eq!(output(first).await.status.code(), Some(0));
    let lines = std::fs::read_to_string(&state).unwrap().lines().count();
    // Keep the first five results, as if the run had been stopped there.
    let kept: Vec<String> = std::fs::read_to_string(&state)
        .unwrap()
        .lines()
        .take(5)
        .map(str::to_string)
        .collect();
    std::fs::write(&state, kept.join("\n") + "\n").unwrap();
    let sent_before = sim.control().audit().len();
    let mut second = conformance(&sim, dir.path());
    second.arg("--resume").arg(&state);
    let out = output(second).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(&format!("[1/{}]", lines - 5)), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("functions "),
        "the resumed report keeps earlier results"
    );
    // The five kept scenarios were not sent again (each sends one request).
    let resent = sim.control().audit()[sent_before..]
        .iter()
        .filter(|e| e.function == "GetOrganisationMetaData")
        .count();
    assert_eq!(resent, 0);
    sim.shutdown().await;
}

#[test]
fn help_documents_the_exit_codes() {
    let out = systmone().args(["conformance", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for text in [
        "6 drift only",
        "7 at least one",
        "--allow-writes",
        "--include-payloads",
        "Example",
    ] {
        assert!(help.contains(text), "{text} not in {help}");
    }
}
