//! The proxy between the typed client and the simulator: every function, masked
//! recording, many connections, faults passing through, replay of the recording.

mod common;

use std::path::Path;

use common::*;
use systmone_proxy::recording::read_recording;
use systmone_proxy::{MaskOptions, Masking, Outcome, Proxy, ProxyConfig, ProxyHandle};

async fn proxy(upstream: std::net::SocketAddr, record: &Path, masking: Masking) -> ProxyHandle {
    let mut config = ProxyConfig::new("127.0.0.1:0".parse().unwrap(), upstream);
    config.record = Some(record.to_path_buf());
    config.masking = masking;
    Proxy::start(config).await.unwrap()
}

fn recorded_text(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        files.push((
            path.file_name().unwrap().to_string_lossy().into_owned(),
            text,
        ));
    }
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_function_is_recorded_masked_and_no_identifier_survives() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    let record = work.path().join("recording");
    std::fs::create_dir_all(&root).unwrap();
    let sim = simulator(&root, &[]).await;
    let control = sim.control();
    let proxy = proxy(sim.addr(), &record, Masking::default()).await;

    let through = client(proxy.addr());
    let results = every_function(&through, &control, &root).await;
    let failed: Vec<&String> = results.iter().filter(|r| r.starts_with("Err")).collect();
    assert!(
        failed.is_empty(),
        "calls failed through the proxy: {failed:#?}"
    );
    tokio::time::timeout(std::time::Duration::from_secs(5), sim.wait())
        .await
        .expect("ExitClient through the proxy stops the simulator");
    let summary = proxy.shutdown().await.unwrap();

    // Every call is an exchange, every function is there. The one drift is real: the
    // simulator's records hold Referral data items, which the bindings do not type.
    let metas = read_recording(&record).unwrap();
    assert_eq!(metas.len(), results.len(), "{}", summary.render());
    assert_eq!(summary.exchanges, results.len() as u64);
    assert_eq!(summary.functions.len(), 17, "{}", summary.render());
    let paths: Vec<&String> = summary.drift.keys().collect();
    assert_eq!(
        paths,
        ["Response/Clinical/Event/Referral"],
        "{}",
        summary.render()
    );
    assert!(summary.masked);
    for meta in &metas {
        assert_eq!(meta.outcome, Outcome::Answered, "{meta:?}");
        assert!(meta.masked && !meta.free_text_kept);
        assert!(meta.response_ms.is_some());
        let request =
            std::fs::read_to_string(record.join(meta.request_file.as_ref().unwrap())).unwrap();
        let response =
            std::fs::read_to_string(record.join(meta.response_file.as_ref().unwrap())).unwrap();
        // The pair is one exchange: the response echoes the request's RequestUID.
        let uid = format!("<RequestUID>{}</RequestUID>", meta.request_uid);
        assert!(
            request.contains(&uid) && response.contains(&uid),
            "{meta:?}"
        );
        // What is written still reads with the bindings.
        systmone_bindings::AnyRequest::parse(&request).unwrap();
        systmone_bindings::AnyResponse::parse(&response).unwrap();
    }
    assert!(record.join("summary.json").is_file());

    // The masking: no identifier of the simulator's practice, and never the API key.
    let files = recorded_text(&record);
    assert!(files.len() > 3 * metas.len());
    // The patients that passed through: whose number is in the simulator's journal of
    // what it received and sent.
    let traffic: String = control
        .audit()
        .iter()
        .map(|e| {
            format!(
                "{}\n{}\n",
                e.request_xml,
                e.response_xml.as_deref().unwrap_or("")
            )
        })
        .collect();
    let (patients, identifiers) = practice_identifiers(&traffic);
    assert!(
        patients >= 5 && identifiers.len() > 50,
        "{patients} patients, {} identifiers",
        identifiers.len()
    );
    eprintln!(
        "checked {} identifiers of {patients} patients in {} files",
        identifiers.len(),
        files.len()
    );
    let mut survived = Vec::new();
    for (name, text) in &files {
        assert!(!text.contains(API_KEY), "the API key is in {name}");
        for (what, value) in &identifiers {
            if holds_word(text, value) {
                survived.push(format!("{what} {value:?} in {name}"));
            }
        }
    }
    assert!(
        survived.is_empty(),
        "{} survived: {survived:#?}",
        survived.len()
    );
    // The synthetic NHS numbers are valid, and consistent: the number asked for in
    // GetCurrentSelection's answer is the one GetPatientRecord was asked about.
    let selection = metas
        .iter()
        .find(|m| m.function == "GetCurrentSelection")
        .unwrap();
    let selected =
        std::fs::read_to_string(record.join(selection.response_file.as_ref().unwrap())).unwrap();
    let number = between(&selected, "<NHSNumber>", "</NHSNumber>");
    assert!(systmone_proxy::masking::is_nhs_number(&number), "{number}");
    let asked_for_it = metas
        .iter()
        .filter(|m| m.function == "GetPatientRecord")
        .any(|m| {
            std::fs::read_to_string(record.join(m.request_file.as_ref().unwrap()))
                .unwrap()
                .contains(&number)
        });
    assert!(
        asked_for_it,
        "the same patient keeps the same synthetic number"
    );
}

/// Done-when of the record/replay work: against a simulator behaving like a newer
/// SystmOne (`--skew`), the summary lists every departure it injects, by path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_lists_the_drift_of_a_newer_systmone() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    let record = work.path().join("recording");
    std::fs::create_dir_all(&root).unwrap();
    let sim = simulator_with(&root, &[], true).await;
    let control = sim.control();
    let proxy = proxy(sim.addr(), &record, Masking::default()).await;
    let results = every_function(&client(proxy.addr()), &control, &root).await;
    let failed: Vec<&String> = results.iter().filter(|r| r.starts_with("Err")).collect();
    assert!(
        failed.is_empty(),
        "calls failed through the proxy: {failed:#?}"
    );
    tokio::time::timeout(std::time::Duration::from_secs(5), sim.wait())
        .await
        .expect("ExitClient through the proxy stops the simulator");
    let summary = proxy.shutdown().await.unwrap();
    let paths: Vec<&str> = summary.drift.keys().map(String::as_str).collect();
    for injected in [
        "Response/Demographics/PreferredPronouns",
        "Response/Clinical/Event/@Confidentiality",
    ] {
        assert!(
            paths.contains(&injected),
            "{injected} missing from the drift: {}",
            summary.render()
        );
    }
    // The rendered summary, as `systmone proxy` prints it, names them too.
    let rendered = summary.render();
    assert!(rendered.contains("PreferredPronouns"), "{rendered}");
}

fn between(text: &str, open: &str, close: &str) -> String {
    let start = text.find(open).unwrap() + open.len();
    let end = text[start..].find(close).unwrap() + start;
    text[start..end].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_the_recording_gives_the_client_the_same_typed_results() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    let record = work.path().join("recording");
    std::fs::create_dir_all(&root).unwrap();
    let sim = simulator(&root, &[]).await;
    let control = sim.control();
    // Unmasked (as --no-mask): the client sends the same identifiers again.
    let proxy = proxy(sim.addr(), &record, Masking::Off).await;
    let live = every_function(&client(proxy.addr()), &control, &root).await;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), sim.wait()).await;
    proxy.shutdown().await.unwrap();

    // A fresh simulator answering only from the recording (refusing anything else).
    let replay = systmone_sim::Simulator::start(systmone_sim::SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: systmone_sim::Throttle::Off,
        root: Some(root.clone()),
        replay: Some(systmone_sim::ReplayConfig {
            dir: record.clone(),
            fallback: systmone_sim::ReplayFallback::Refuse,
        }),
        ..systmone_sim::SimConfig::default()
    })
    .await
    .unwrap();
    let replay_control = replay.control();
    let replayed = every_function(&client(replay.addr()), &replay_control, &root).await;
    assert_eq!(live.len(), replayed.len());
    for (i, (a, b)) in live.iter().zip(&replayed).enumerate() {
        assert_eq!(a, b, "call {i} differs");
    }
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), replay.wait()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_masked_recording_replays_consistently() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    let record = work.path().join("recording");
    std::fs::create_dir_all(&root).unwrap();
    let sim = simulator(&root, &[]).await;
    sim.control().open_record("7835438275", true);
    let proxy = proxy(sim.addr(), &record, Masking::default()).await;
    // An integration that takes the patient from SystmOne's screen, then the record.
    let flow = |c: systmone_client::Client| async move {
        let selection = c.get_current_selection().await.unwrap();
        let identity = selection.identity.unwrap();
        let record = c
            .get_patient_record(
                systmone_bindings::get_patient_record_v1_0::GetPatientRecordParameters {
                    extra: Default::default(),
                    identity: Some(identity.clone()),
                    leave_record_open: None,
                    filter: None,
                },
            )
            .await
            .unwrap();
        (identity, record)
    };
    let (live_identity, _) = flow(client(proxy.addr())).await;
    proxy.shutdown().await.unwrap();
    sim.shutdown().await;

    let replay = systmone_sim::Simulator::start(systmone_sim::SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: systmone_sim::Throttle::Off,
        replay: Some(systmone_sim::ReplayConfig {
            dir: record.clone(),
            fallback: systmone_sim::ReplayFallback::Refuse,
        }),
        ..systmone_sim::SimConfig::default()
    })
    .await
    .unwrap();
    let (identity, replayed_record) = flow(client(replay.addr())).await;
    // The replay hands out the synthetic number, and the record asked by it is the
    // recorded (masked) one.
    assert_ne!(identity, live_identity);
    let metas = read_recording(&record).unwrap();
    let recorded = metas
        .iter()
        .find(|m| m.function == "GetPatientRecord")
        .unwrap();
    let text =
        std::fs::read_to_string(record.join(recorded.response_file.as_ref().unwrap())).unwrap();
    let systmone_bindings::AnyResponse::GetPatientRecordV1_0(response) =
        systmone_bindings::AnyResponse::parse(&text).unwrap()
    else {
        panic!("not a GetPatientRecord response");
    };
    let systmone_core::ResponseBody::Success(expected) = response.body else {
        panic!("an error response was recorded");
    };
    assert_eq!(replayed_record, expected);
    // A request the recording does not hold is refused.
    let other = client(replay.addr())
        .get_patient_record(
            systmone_bindings::get_patient_record_v1_0::GetPatientRecordParameters {
                extra: Default::default(),
                identity: Some(identity_of("6343800514")),
                leave_record_open: None,
                filter: None,
            },
        )
        .await
        .unwrap_err();
    assert!(
        other.to_string().contains("No recorded exchange"),
        "{other}"
    );
    replay.shutdown().await;
}

fn identity_of(n: &str) -> systmone_types::Identity {
    identity(n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_connections_at_once_are_each_recorded_as_pairs() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    let record = work.path().join("recording");
    std::fs::create_dir_all(&root).unwrap();
    let sim = simulator(&root, &[]).await;
    let proxy = proxy(sim.addr(), &record, Masking::Mask(MaskOptions::default())).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let c = client(proxy.addr());
        tasks.push(tokio::spawn(async move {
            c.get_functions().await.unwrap();
            for n in ["7835438275", "6343800514", "6640569094"] {
                c.get_patient_record(
                    systmone_bindings::get_patient_record_v1_0::GetPatientRecordParameters {
                        extra: Default::default(),
                        identity: Some(identity(n)),
                        leave_record_open: None,
                        filter: None,
                    },
                )
                .await
                .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let summary = proxy.shutdown().await.unwrap();
    sim.shutdown().await;
    assert_eq!(summary.connections, 8, "{}", summary.render());
    assert_eq!(summary.exchanges, 32, "{}", summary.render());
    let metas = read_recording(&record).unwrap();
    assert_eq!(metas.len(), 32);
    let mut connections = std::collections::BTreeSet::new();
    for meta in &metas {
        connections.insert(meta.connection);
        assert_eq!(meta.outcome, Outcome::Answered);
        let response =
            std::fs::read_to_string(record.join(meta.response_file.as_ref().unwrap())).unwrap();
        assert!(response.contains(&format!("<RequestUID>{}</RequestUID>", meta.request_uid)));
    }
    assert_eq!(connections.len(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_upstream_pass_through_and_a_dropped_write_stays_unknown() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    let record = work.path().join("recording");
    std::fs::create_dir_all(&root).unwrap();
    // Request 2 (a read) is swallowed; request 4 (a write) is applied and its response
    // dropped.
    let sim = simulator(&root, &["drop@2", "drop-after-write@4"]).await;
    let proxy = proxy(sim.addr(), &record, Masking::default()).await;
    let c = client(proxy.addr());
    c.get_functions().await.unwrap(); // 1
    // 2 is dropped: the client's own retry (3) answers it; the proxy retried nothing.
    c.get_reference_data().await.unwrap();
    let write = c
        .update_patient_record(
            systmone_bindings::update_patient_record_v1_0::UpdatePatientRecordParameters {
                identity: Some(identity("6343800514")),
                clinical: Some(systmone_types::Clinical {
                    extra: Default::default(),
                    event: vec![systmone_types::Event {
                        items: vec![systmone_types::DataItem::ClinicalCode(Box::new(
                            systmone_types::ClinicalCode {
                                problem_uid: None,
                                problem_severity: None,
                                episodicity: None,
                                problem_end_date: None,
                                extra: Default::default(),
                                code: systmone_types::Code {
                                    extra: Default::default(),
                                    scheme: systmone_types::SchemeName::Ctv3,
                                    code: "X505K".into(),
                                    term: None,
                                },
                                value: None,
                                units: None,
                                comparator: None,
                                free_text: None,
                                linked_problem_uid: Vec::new(),
                            },
                        ))],
                        ..Default::default()
                    }],
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(write, systmone_client::Error::OutcomeUnknown { .. }),
        "{write}"
    );
    drop(c);
    let summary = proxy.shutdown().await.unwrap();
    // The simulator processed exactly what the client sent: nothing was added.
    let upstream_requests = sim.control().audit().len();
    sim.shutdown().await;
    let metas = read_recording(&record).unwrap();
    assert_eq!(metas.len(), 4, "{}", summary.render());
    assert_eq!(upstream_requests, 4);
    let outcomes: Vec<(String, Outcome)> = metas
        .iter()
        .map(|m| (m.function.clone(), m.outcome))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("GetFunctions".to_string(), Outcome::Answered),
            ("GetReferenceData".to_string(), Outcome::Unanswered),
            ("GetReferenceData".to_string(), Outcome::Answered),
            ("UpdatePatientRecord".to_string(), Outcome::Unanswered),
        ]
    );
    let write_counts = &summary.functions["UpdatePatientRecord 1.0"];
    assert_eq!((write_counts.requests, write_counts.unanswered), (1, 1));
}

#[tokio::test]
async fn non_loopback_addresses_need_allow_remote() {
    let refused = Proxy::start(ProxyConfig::new(
        "0.0.0.0:0".parse().unwrap(),
        "127.0.0.1:40700".parse().unwrap(),
    ))
    .await
    .err()
    .unwrap();
    assert!(refused.to_string().contains("--allow-remote"), "{refused}");
    let refused = Proxy::start(ProxyConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        "192.0.2.1:40700".parse().unwrap(),
    ))
    .await
    .err()
    .unwrap();
    assert!(matches!(
        refused,
        systmone_proxy::ProxyError::NotLoopback(_)
    ));
}
