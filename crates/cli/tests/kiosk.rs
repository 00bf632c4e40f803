//! The kiosk's commands (`reading`, `arrive`, `book --flag --reason`, `answers`) run as a
//! user runs them, against the simulator and against a peer written here, and `record
//! --format fhir` of a record holding each of SystmOne's other data items.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use systmone_sim::{SimConfig, SimHandle, Simulator, Throttle};

const NHS: &str = "7835438275";

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
        "SYSTMONE_PROFILE",
        "SYSTMONE_CONFIG",
        "SYSTMONE_COLOR",
    ] {
        cmd.env_remove(var);
    }
    cmd.timeout(Duration::from_secs(120));
    cmd
}

fn against_addr(addr: &str, dir: &Path) -> Command {
    let mut cmd = systmone();
    cmd.args(["--addr", addr])
        .args(["--api-key", "f31e26725b5491f2"])
        .arg("--device-id-file")
        .arg(dir.join("device-id"))
        .args(["--pacing", "off"])
        .env("SYSTMONE_TIMEOUT", "10");
    cmd
}

fn against(sim: &SimHandle, dir: &Path) -> Command {
    against_addr(&sim.addr().to_string(), dir)
}

async fn simulator(faults: &[&str]) -> SimHandle {
    Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        faults: faults.iter().map(|f| f.parse().unwrap()).collect(),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

/// Runs a blocking command without stalling the simulator's runtime.
async fn run(mut cmd: Command) -> assert_cmd::assert::Assert {
    tokio::task::spawn_blocking(move || cmd.assert())
        .await
        .expect("command thread")
}

fn stdout_json(assert: &assert_cmd::assert::Assert) -> Value {
    serde_json::from_slice(&assert.get_output().stdout).expect("stdout is JSON")
}

/// The probe: the reading exits 0, and the record then holds that ClinicalCode
/// with its Value; what was sent has its Units (and no NumericValue).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reading_is_written_and_is_in_the_record() {
    let sim = simulator(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = against(&sim, dir.path());
    cmd.args(["-v", "-o", "json", "reading", NHS])
        .args(["--code", "246..", "--value", "120", "--units", "mmHg"]);
    let done = run(cmd)
        .await
        .success()
        .stderr(predicate::str::contains("<Value>120</Value>"))
        .stderr(predicate::str::contains("<Units>mmHg</Units>"))
        .stderr(predicate::str::contains("NumericValue").not());
    let response = stdout_json(&done);
    let event_uid = response["ClientIntegrationResponse"]["Response"]["EventUID"]
        .as_str()
        .expect("the new event's UID")
        .to_string();

    let mut cmd = against(&sim, dir.path());
    cmd.args(["-o", "json", "record", NHS, "--clinical-codes"]);
    let record = stdout_json(&run(cmd).await.success());
    let events = &record["ClientIntegrationResponse"]["Response"]["Clinical"]["Event"];
    let event = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["@EventUID"] == event_uid.as_str())
        .expect("the reading's event");
    assert_eq!(event["ClinicalCode"]["Code"]["@Code"], "246..");
    assert_eq!(event["ClinicalCode"]["Value"], "120");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_of_the_wrong_form_are_refused_before_sending_naming_the_form() {
    // No SystmOne at all: a value refused is never sent, so nothing needs to listen.
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 8] = [
        (
            &[
                "reading", NHS, "--code", "246", "--value", "1", "--units", "mmHg",
            ],
            "5 letters, digits or dots, e.g. 246..",
        ),
        (
            &[
                "reading", NHS, "--scheme", "snomed", "--code", "246..", "--value", "1", "--units",
                "mmHg",
            ],
            "6 to 18 digits",
        ),
        (
            &[
                "reading", NHS, "--code", "246..", "--value", "1,5", "--units", "mmHg",
            ],
            "e.g. 120 or 37.5",
        ),
        (
            &[
                "reading",
                NHS,
                "--code",
                "246..",
                "--value",
                "1",
                "--units",
                "mmHg",
                "--comparator",
                "9",
            ],
            "a code from 3 to 8",
        ),
        (
            &[
                "reading",
                "7835438276",
                "--code",
                "246..",
                "--value",
                "1",
                "--units",
                "mmHg",
            ],
            "check digit",
        ),
        (&["arrive", NHS, " "], "AppointmentUID"),
        (
            &["answers", NHS, "--text", "No", "--code", "CTV3:XE0oh"],
            "put it after a --code",
        ),
        (&["answers", NHS, "--code", "XE0oh"], "SCHEME:CODE"),
    ];
    for (args, expected) in cases {
        let mut cmd = against_addr("127.0.0.1:9", dir.path());
        cmd.args(args);
        run(cmd)
            .await
            .code(1)
            .stderr(predicate::str::contains(expected));
    }
    let long = "x".repeat(201);
    let mut cmd = against_addr("127.0.0.1:9", dir.path());
    cmd.args([
        "-o", "json", "answers", NHS, "--line", "fine", "--line", &long,
    ]);
    let refused = run(cmd).await.code(1);
    let error = stdout_json(&refused);
    assert_eq!(error["error"]["kind"], "invalid-parameter");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("answer line 2") && message.contains("at most 200"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_with_flag_and_reason_then_the_arrival() {
    let sim = simulator(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    // The document's example slot (the simulator keeps it free).
    let mut cmd = against(&sim, dir.path());
    cmd.args(["-v", "-o", "json", "book", NHS])
        .args(["--user", "dlittler2405", "--site", "The Real Surgery"])
        .args(["--clinic-type", "Session", "--start", "2014-07-15T13:00:00"])
        .args([
            "--flag",
            "Booked via Touch Screen",
            "--reason",
            "Sore throat",
        ]);
    let booked = run(cmd)
        .await
        .success()
        .stderr(predicate::str::contains("<Comments>Sore throat</Comments>"))
        .stderr(predicate::str::contains(
            "<Flag>Booked via Touch Screen</Flag>",
        ));
    let uid = stdout_json(&booked)["ClientIntegrationResponse"]["Response"]["AppointmentUID"]
        .as_str()
        .expect("the AppointmentUID")
        .to_string();

    let mut cmd = against(&sim, dir.path());
    cmd.args(["arrive", NHS, &uid]);
    run(cmd).await.success();
    let mut cmd = against(&sim, dir.path());
    cmd.args(["-o", "json", "diary", "--appointments"]).args([
        "--from",
        "2014-07-15T00:00:00",
        "--to",
        "2014-07-16T00:00:00",
    ]);
    let diary = String::from_utf8(run(cmd).await.success().get_output().stdout.clone()).unwrap();
    let at = diary.find(&uid).expect("the booking is in the diary");
    assert!(diary[at..].contains("\"Status\": \"Arrived\""), "{diary}");

    // --comments, the option's name before F18, is still accepted.
    systmone()
        .args(["book", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--reason <TEXT>"))
        .stdout(predicate::str::contains("--comments"))
        .stdout(predicate::str::contains("--flag <TEXT>"));
    sim.shutdown().await;
}

/// A peer that answers every UpdatePatientRecord with a success holding no
/// AppointmentUID (and GetFunctions with the functions it offers).
fn unconfirming_peer() -> std::net::SocketAddr {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let end = "</ClientIntegrationRequest>";
                let mut pending = String::new();
                let mut buffer = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buffer) {
                    if n == 0 {
                        return;
                    }
                    pending.push_str(&String::from_utf8_lossy(&buffer[..n]));
                    while let Some(at) = pending.find(end) {
                        let request: String = pending.drain(..at + end.len()).collect();
                        let header = systmone_core::envelope::peek_header(request.trim()).unwrap();
                        let function = header.function.unwrap_or_default();
                        let body = if function == "GetFunctions" {
                            ["GetFunctions", "UpdatePatientRecord"]
                                .map(|f| format!("<SupportedFunction><Function>{f}</Function><Version>1.0</Version></SupportedFunction>"))
                                .concat()
                        } else {
                            format!(
                                "<Identity><NHSNumber>{NHS}</NHSNumber></Identity><RecordState>Closed</RecordState>"
                            )
                        };
                        let response = format!(
                            "<ClientIntegrationResponse><DeviceID>392752167bd7f69b</DeviceID>\
                             <RequestUID>{}</RequestUID><Function>{function}</Function>\
                             <FunctionVersion>1.0</FunctionVersion>\
                             <ResponseUID>F9A63680-B342-11E3-8FBA-01000000C200</ResponseUID>\
                             <Response>{body}</Response></ClientIntegrationResponse>\n",
                            header.request_uid.unwrap_or_default()
                        );
                        if stream.write_all(response.as_bytes()).is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_answered_without_its_appointment_uid_exits_4() {
    let addr = unconfirming_peer().to_string();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = against_addr(&addr, dir.path());
    cmd.args(["-o", "json", "book", NHS])
        .args(["--user", "dlittler2405", "--site", "The Real Surgery"])
        .args(["--clinic-type", "Session", "--start", "2014-07-15T13:00:00"]);
    let refused = run(cmd)
        .await
        .code(4)
        .stderr(predicate::str::contains("not confirmed"));
    let error = stdout_json(&refused);
    assert_eq!(error["error"]["kind"], "not-booked");
    assert!(error["error"]["request_uid"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kiosk_command_whose_answer_is_lost_exits_4_with_its_request_uid() {
    // Request 1 is the client's GetFunctions; request 2, the write, is applied but its
    // response is lost.
    let commands: [&[&str]; 3] = [
        &[
            "reading", NHS, "--code", "246..", "--value", "120", "--units", "mmHg",
        ],
        &["arrive", NHS, "6510300000000000"],
        &["answers", NHS, "--line", "Any allergies? None"],
    ];
    for args in commands {
        let sim = simulator(&["drop-after-write@2"]).await;
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = against(&sim, dir.path());
        cmd.args(["--timeout", "2", "--call-timeout", "2", "-o", "json"])
            .args(args);
        let lost = run(cmd).await.code(4).stderr(predicate::str::contains(
            "check the record before trying again",
        ));
        let error = stdout_json(&lost);
        assert_eq!(error["error"]["kind"], "outcome-unknown", "{args:?}");
        assert!(error["error"]["request_uid"].is_string(), "{args:?}");
        sim.shutdown().await;
    }
}

/// The probe: after the record holds one of each new data item (the `f15-*`
/// requests, written through the typed client, and a reading through the command),
/// `record --format fhir` gives a Bundle with each new resource and an Observation
/// with a valueQuantity. (`crates/fhir/tests/validation.rs` checks the same record's
/// Bundle with the FHIR schema.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_record_as_fhir_holds_each_new_resource() {
    let sim = simulator(&[]).await;
    let mut config = systmone_client::ClientConfig::new("f31e26725b5491f2");
    config.addr = sim.addr().to_string();
    config.pacing = systmone_client::PacingLimits::off();
    let client = systmone_client::Client::builder(config)
        .device_store(Arc::new(systmone_client::MemoryStore::new()))
        .build()
        .unwrap();
    for item in [
        "vaccination",
        "report",
        "repeat-medication",
        "relationship",
        "care-plan",
        "recall",
        "reminder",
        "activity",
    ] {
        let path = fixtures().join(format!("UpdatePatientRecord/v1.0/f15-{item}.request.xml"));
        let xml = std::fs::read_to_string(&path).unwrap();
        let Ok(systmone_bindings::AnyRequest::UpdatePatientRecordV1_0(request)) =
            systmone_bindings::AnyRequest::parse(&xml)
        else {
            panic!("{path:?} is an UpdatePatientRecord request");
        };
        let mut parameters = request.parameters.unwrap();
        let identity = parameters.identity.as_mut().unwrap();
        identity.number = systmone_types::PatientId::NhsNumber(NHS.into());
        client.update_patient_record(parameters).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = against(&sim, dir.path());
    cmd.args(["reading", NHS])
        .args(["--code", "22A..", "--value", "71.4", "--units", "kg"]);
    run(cmd).await.success();

    let mut cmd = against(&sim, dir.path());
    cmd.args(["record", NHS, "--format", "fhir"]);
    let bundle: Value = serde_json::from_slice(&run(cmd).await.success().get_output().stdout)
        .expect("a Bundle on stdout");
    let resources: Vec<&Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .collect();
    for kind in [
        "Immunization",
        "DiagnosticReport",
        "MedicationRequest",
        "RelatedPerson",
        "CarePlan",
    ] {
        assert!(
            resources.iter().any(|r| r["resourceType"] == kind),
            "no {kind} in the Bundle"
        );
    }
    let weight = resources
        .iter()
        .find(|r| r["resourceType"] == "Observation" && r["code"]["coding"][0]["code"] == "22A..")
        .expect("the reading's Observation");
    assert_eq!(weight["valueQuantity"]["value"], 71.4);
    assert_eq!(weight["valueQuantity"]["code"], "kg");
    sim.shutdown().await;
}
