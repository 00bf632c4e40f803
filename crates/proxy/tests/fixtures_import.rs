//! `fixtures import`: a masked recording becomes fixture files with NOTES.md lines; an
//! unmasked one is refused.

mod common;

use common::*;
use systmone_proxy::fixtures::{ImportError, import};
use systmone_proxy::{Masking, Proxy, ProxyConfig};

async fn record(masking: Masking) -> (tempfile::TempDir, std::path::PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    let dir = work.path().join("recording");
    std::fs::create_dir_all(&root).unwrap();
    let sim = simulator(&root, &[]).await;
    let mut config = ProxyConfig::new("127.0.0.1:0".parse().unwrap(), sim.addr());
    config.record = Some(dir.clone());
    config.masking = masking;
    let proxy = Proxy::start(config).await.unwrap();
    let c = client(proxy.addr());
    c.get_functions().await.unwrap();
    c.patient_search(
        systmone_bindings::patient_search_v1_0::PatientSearchParameters {
            surname: Some("Swift".into()),
            first_name: Some("A".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    c.get_patient_record(
        systmone_bindings::get_patient_record_v1_0::GetPatientRecordParameters {
            extra: Default::default(),
            identity: Some(identity("7835438275")),
            leave_record_open: None,
            filter: None,
        },
    )
    .await
    .unwrap();
    drop(c);
    proxy.shutdown().await.unwrap();
    sim.shutdown().await;
    (work, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_masked_recording_becomes_fixtures_with_notes() {
    let (_work, dir) = record(Masking::default()).await;
    let fixtures = tempfile::tempdir().unwrap();
    // An existing NOTES.md keeps its content; the new lines go after it.
    std::fs::create_dir_all(fixtures.path().join("PatientSearch")).unwrap();
    std::fs::write(fixtures.path().join("PatientSearch/NOTES.md"), "# kept\n").unwrap();
    let report = import(&dir, fixtures.path()).unwrap();
    assert_eq!(report.written.len(), 6, "{report:?}");
    assert!(report.skipped.is_empty() && report.existing.is_empty());
    for (function, exchange) in [
        ("GetFunctions", 1),
        ("PatientSearch", 2),
        ("GetPatientRecord", 3),
    ] {
        for kind in ["request", "response"] {
            let path = fixtures
                .path()
                .join(format!("{function}/v1.0/recorded-{exchange:06}.{kind}.xml"));
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                !text.contains("7835438275") && !text.contains(API_KEY),
                "{path:?}"
            );
        }
        let notes =
            std::fs::read_to_string(fixtures.path().join(function).join("NOTES.md")).unwrap();
        assert_eq!(
            notes.matches("recorded through `systmone proxy`").count(),
            2,
            "{notes}"
        );
        assert!(notes.contains(&format!("`v1.0/recorded-{exchange:06}.response.xml`")));
    }
    let notes = std::fs::read_to_string(fixtures.path().join("PatientSearch/NOTES.md")).unwrap();
    assert!(notes.starts_with("# kept\n"));
    // The simulator's Referral items are drift, named in the record's note.
    let record_notes =
        std::fs::read_to_string(fixtures.path().join("GetPatientRecord/NOTES.md")).unwrap();
    assert!(
        record_notes.contains("unknown element at Response/Clinical/Event/Referral"),
        "{record_notes}"
    );
    // Importing again leaves the files alone.
    let again = import(&dir, fixtures.path()).unwrap();
    assert_eq!((again.written.len(), again.existing.len()), (0, 6));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmasked_recording_is_refused() {
    let (_work, dir) = record(Masking::Off).await;
    let fixtures = tempfile::tempdir().unwrap();
    let refused = import(&dir, fixtures.path()).unwrap_err();
    assert!(
        matches!(refused, ImportError::NotMasked { exchange: 1 }),
        "{refused}"
    );
    assert_eq!(std::fs::read_dir(fixtures.path()).unwrap().count(), 0);
}
