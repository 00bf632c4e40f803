//! `compat` and `fetch-xsd` against the simulator (`systmone-sim`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use systmone_client::{Client, ClientConfig, MemoryStore, PacingLimits};
use systmone_sim::{DOCUMENT_API_KEYS, SimConfig, SimHandle, Simulator, Throttle};
use systmone_upkeep::compat::Verdict;
use systmone_upkeep::fetch::Status;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

async fn simulator(advertised: Option<Vec<(String, Vec<String>)>>) -> SimHandle {
    Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        advertised,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn client(sim: &SimHandle) -> Client {
    let mut config = ClientConfig::new(DOCUMENT_API_KEYS[0]);
    config.addr = sim.addr().to_string();
    config.pacing = PacingLimits {
        min_interval: Duration::ZERO,
        patient_record_interval: Duration::ZERO,
    };
    Client::builder(config)
        .device_store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn compat_with_the_default_simulator_is_all_ok() {
    let sim = simulator(None).await;
    let report = crate::compat::check(&client(&sim)).await.unwrap();
    assert_eq!(report.rows.len(), systmone_bindings::FUNCTIONS.len());
    assert!(
        report.rows.iter().all(|r| r.verdict == Verdict::Ok),
        "{}",
        report.to_table()
    );
    assert!(!report.has_failures());
    sim.shutdown().await;
}

#[tokio::test]
async fn compat_with_a_simulator_advertising_other_versions() {
    // Everything we ship at 1.0, except: GetDiary also at 1.1 (newer), GetDocument
    // only at 2.0 (ours unsupported), ExitClient absent (the client lacks it),
    // DeleteFromPatientRecord under its other name (E2), and a function we do not know.
    let mut advertised: Vec<(String, Vec<String>)> = systmone_bindings::FUNCTIONS
        .iter()
        .filter(|(f, _)| !["ExitClient", "DeleteFromPatientRecord"].contains(f))
        .map(|(f, v)| {
            let versions = match *f {
                "GetDiary" => vec![v.to_string(), "1.1".to_string()],
                "GetDocument" => vec!["2.0".to_string()],
                _ => vec![v.to_string()],
            };
            (f.to_string(), versions)
        })
        .collect();
    advertised.push(("DeletePatientRecord".into(), vec!["1.0".into()]));
    advertised.push(("SyntheticNewFunction".into(), vec!["1.0".into()]));
    let sim = simulator(Some(advertised)).await;
    let report = crate::compat::check(&client(&sim)).await.unwrap();
    let row = |f: &str| report.row(f).unwrap();
    assert_eq!(row("GetDiary").verdict, Verdict::NewerAvailable);
    assert_eq!(row("GetDiary").client_versions, ["1.0", "1.1"]);
    assert_eq!(row("GetDiary").highest_common.as_deref(), Some("1.0"));
    assert_eq!(row("GetDocument").verdict, Verdict::OurVersionUnsupported);
    assert_eq!(row("ExitClient").verdict, Verdict::MissingFromClient);
    assert_eq!(row("SyntheticNewFunction").verdict, Verdict::UnknownToUs);
    assert_eq!(row("DeleteFromPatientRecord").verdict, Verdict::Ok);
    assert_eq!(row("PatientSearch").verdict, Verdict::Ok);
    assert!(report.has_failures());
    let table = report.to_table();
    println!("{table}");
    assert!(table.contains("our version no longer supported"), "{table}");
    sim.shutdown().await;
}

#[tokio::test]
async fn fetch_xsd_round_trips_to_identical_files_and_code() {
    let sim = simulator(None).await;
    let client = client(&sim);
    // The simulator writes only inside its root, into an existing directory.
    let remote = sim.root().join("fetched-xsd");
    std::fs::create_dir_all(&remote).unwrap();
    let into = tempfile::tempdir().unwrap();

    let report = crate::fetch_xsd::fetch(&client, &remote, into.path())
        .await
        .unwrap();
    println!("{}", report.to_text());
    assert_eq!(report.failed(), 0);
    assert!(report.files.iter().all(|f| f.status == Status::New));
    // What the simulator writes: SystmOne's style (F13), one self-contained,
    // request-only file per function version, kept byte for byte.
    assert_eq!(
        report.files.len(),
        systmone_bindings::SYSTMONE_XSD_FILES.len()
    );
    for (name, text) in systmone_bindings::SYSTMONE_XSD_FILES {
        assert_eq!(
            std::fs::read(into.path().join(name)).unwrap(),
            text.as_bytes(),
            "{name}"
        );
    }
    // The same requests as ours, path by path: nothing to reconcile, no change.
    let reconciled =
        systmone_upkeep::reconcile::reconcile(into.path(), &root().join("xsd")).unwrap();
    // Only the practice's configured lists (F17) are said, as configuration.
    assert_eq!(reconciled.to_apply(), 0, "{}", reconciled.to_text());
    assert_eq!(
        reconciled.findings(),
        reconciled.configured(),
        "{}",
        reconciled.to_text()
    );
    let diff = systmone_upkeep::xsd_diff::diff(
        &root().join("xsd"),
        into.path(),
        systmone_upkeep::xsd_diff::Policy::default(),
    )
    .unwrap();
    assert!(
        diff.diffs.iter().all(|d| d.changes.is_empty()),
        "{}",
        diff.to_text()
    );
    assert!(!diff.has_breaking(), "{}", diff.to_text());
    let ours = systmone_bindings::SYSTMONE_XSD_FILES;

    // Again: nothing changed. Then one local file differs: it is changed back.
    let again = crate::fetch_xsd::fetch(&client, &remote, into.path())
        .await
        .unwrap();
    assert!(again.files.iter().all(|f| f.status == Status::Unchanged));
    std::fs::write(into.path().join("GetDiary v1.0.xsd"), "<xs:schema/>").unwrap();
    let third = crate::fetch_xsd::fetch(&client, &remote, into.path())
        .await
        .unwrap();
    let diary = third
        .files
        .iter()
        .find(|f| f.file == "GetDiary v1.0.xsd")
        .unwrap();
    assert_eq!(diary.status, Status::Changed);
    assert_eq!(third.count(|s| *s == Status::Unchanged), ours.len() - 1);
    sim.shutdown().await;
}
