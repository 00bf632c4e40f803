//! The kit against the simulator in-process (throttle off, no pacing): read-only and
//! with writes every scenario passes; against `--skew` the result is drift and every
//! injected departure is listed; the reports hold what they say and mask patient data.

use std::sync::Arc;
use std::time::Duration;

use systmone_client::{Client, ClientConfig, MemoryStore, PacingLimits};
use systmone_conformance::{
    EXIT_DRIFT, EXIT_PASSED, Kit, KitError, Outcome, Progress, RunOptions, RunReport, TestPatients,
};
use systmone_sim::{DOCUMENT_API_KEYS, Practice, SimConfig, SimHandle, Simulator, Throttle};

async fn simulator(skew: bool) -> SimHandle {
    Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        skew,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn client(sim: &SimHandle) -> Client {
    let mut config = ClientConfig::new(DOCUMENT_API_KEYS[0]);
    config.addr = sim.addr().to_string();
    config.pacing = PacingLimits::off();
    config.response_timeout = Duration::from_secs(20);
    Client::builder(config)
        .device_store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap()
}

fn test_patients() -> TestPatients {
    let practice = Practice::generate(1, chrono::Local::now().date_naive());
    TestPatients::parse(&systmone_sim::practice::test_patients_toml(&practice)).unwrap()
}

async fn run(sim: &SimHandle, options: RunOptions) -> RunReport {
    let kit = Kit::new(client(sim), options).unwrap();
    let mut started = 0;
    let mut finished = 0;
    let report = kit
        .run(|p| match p {
            Progress::Started { .. } => started += 1,
            Progress::Finished { .. } => finished += 1,
        })
        .await
        .unwrap();
    assert_eq!(started, finished);
    report
}

fn options(writes: bool) -> RunOptions {
    RunOptions {
        test_patients: test_patients(),
        allow_writes: writes,
        target: "simulator".into(),
        ..RunOptions::default()
    }
}

fn assert_all_pass(report: &RunReport) {
    let not_passed: Vec<String> = report
        .results
        .iter()
        .filter(|r| r.outcome != Outcome::Pass)
        .map(|r| format!("{} {:?} {:?} {:?}", r.id, r.outcome, r.reason, r.drift))
        .collect();
    assert!(
        not_passed.is_empty(),
        "{not_passed:#?}\n{}",
        report.to_table()
    );
    assert_eq!(report.exit_code(), EXIT_PASSED);
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_every_scenario_passes_and_nothing_is_written() {
    let sim = simulator(false).await;
    let before = sim.control().practice_data();
    let report = run(&sim, options(false)).await;
    assert_all_pass(&report);
    assert!(report.results.iter().all(|r| !r.id.starts_with("write-")));
    assert_eq!(
        report.results.len(),
        systmone_conformance::plan(false).len()
    );
    // Every scenario names its section; each response was kept.
    for r in &report.results {
        assert!(!r.section.is_empty());
        assert!(!r.exchanges.is_empty(), "{}", r.id);
        assert!(r.exchanges.iter().all(|e| e.response.is_some()));
    }
    assert_eq!(
        sim.control().practice_data(),
        before,
        "a read-only run changed the practice"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_writes_every_scenario_passes_and_what_was_added_is_undone() {
    let sim = simulator(false).await;
    let before = sim.control().practice_data();
    let report = run(&sim, options(true)).await;
    assert_all_pass(&report);
    let writes: Vec<&str> = report
        .results
        .iter()
        .filter(|r| r.id.starts_with("write-"))
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(writes, ["write-book-cancel", "write-add-delete-code"]);
    let after = sim.control().practice_data();
    let patients = test_patients();
    for (old, new) in before.patients.iter().zip(&after.patients) {
        let number = old.nhs_number.as_deref().unwrap_or("");
        if !patients.contains(number) {
            assert_eq!(old, new, "a patient who is not a test patient changed");
        } else {
            assert_eq!(old.appointments, new.appointments, "a booking was left");
            assert_eq!(old.events, new.events, "a coded entry was left");
        }
    }
    sim.shutdown().await;
}

#[test]
fn writes_need_test_patients() {
    // Refused before anything is sent: no simulator needed.
    let client = Client::builder(ClientConfig::new(DOCUMENT_API_KEYS[0]))
        .device_store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();
    let refused = Kit::new(
        client,
        RunOptions {
            allow_writes: true,
            ..RunOptions::default()
        },
    );
    assert!(matches!(refused, Err(KitError::WritesWithoutPatients)));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_test_patients_the_patient_scenarios_are_skipped_with_a_reason() {
    let sim = simulator(false).await;
    let report = run(
        &sim,
        RunOptions {
            target: "simulator".into(),
            ..RunOptions::default()
        },
    )
    .await;
    let search = report
        .results
        .iter()
        .find(|r| r.id == "patient-search")
        .unwrap();
    assert_eq!(search.outcome, Outcome::Skipped);
    assert!(search.reason.as_deref().unwrap().contains("has-medication"));
    assert!(search.exchanges.is_empty());
    assert_eq!(report.exit_code(), EXIT_PASSED);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn against_skew_the_result_is_drift_listing_every_departure() {
    let sim = simulator(true).await;
    let report = run(&sim, options(true)).await;
    assert_eq!(report.exit_code(), EXIT_DRIFT, "{}", report.to_table());
    assert_eq!(report.count(Outcome::Fail), 0, "{}", report.to_table());
    let listed: Vec<String> = report
        .results
        .iter()
        .flat_map(|r| r.drift.iter())
        .map(|d| {
            format!(
                "{} | {} | {}",
                d.kind,
                d.path,
                d.value.clone().unwrap_or_default()
            )
        })
        .collect();
    let has = |kind: &str, path_end: &str, value: &str| {
        listed
            .iter()
            .any(|l| l.starts_with(kind) && l.contains(path_end) && l.ends_with(value))
    };
    assert!(
        has("unknown element", "Demographics/PreferredPronouns |", ""),
        "{listed:#?}"
    );
    assert!(
        has("unknown attribute", "Event/@Confidentiality |", ""),
        "{listed:#?}"
    );
    assert!(
        has("new function version", "GetPatientRecord 1.1", ""),
        "{listed:#?}"
    );
    assert!(
        has("new schema file", "GetPatientRecord v1.1.xsd", ""),
        "{listed:#?}"
    );
    // SystmOne's files describe requests only: the release's UpdatePatientRecord
    // accepts the new element.
    assert!(
        listed.iter().any(|l| l.contains("schema change")
            && l.contains("UpdatePatientRecord v1.0.xsd")
            && l.contains("PreferredPronouns")),
        "{listed:#?}"
    );
    sim.shutdown().await;
}
