//! The `systmone` binary, run as a user runs it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
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
        "SYSTMONE_PROFILE",
        "SYSTMONE_CONFIG",
        "SYSTMONE_COLOR",
        "NO_COLOR",
    ] {
        cmd.env_remove(var);
    }
    cmd.timeout(Duration::from_secs(120));
    cmd
}

/// The binary pointed at `sim`, unpaced, with its own Device ID file.
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

/// A Device ID file already holding an ID (the simulator, approving every device, issues
/// its own in return): for tests whose first request is slow or lost, which for a new
/// device would be a first contact (waited for as an approval, never sent again).
fn known_device(dir: &Path) {
    std::fs::write(dir.join("device-id"), "cli-test-device").unwrap();
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

/// Runs a blocking command without stalling the simulator's runtime.
async fn run(mut cmd: Command) -> assert_cmd::assert::Assert {
    tokio::task::spawn_blocking(move || cmd.assert())
        .await
        .expect("command thread")
}

#[test]
fn demo_finishes_under_a_minute() {
    let started = std::time::Instant::now();
    let demo = systmone()
        .arg("demo")
        .timeout(Duration::from_secs(60))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Device approved: SystmOne allocated DeviceID",
        ))
        .stdout(predicate::str::contains("The booking is in the diary."))
        .stdout(predicate::str::contains("X505K is among today's entries."))
        .stdout(predicate::str::contains("[14/14]"))
        .stderr(predicate::str::contains(
            "for the 1 s rule between requests",
        ));
    assert!(started.elapsed() < Duration::from_secs(60));
    // A long list is shortened by whole items, never inside a name.
    let stdout = String::from_utf8_lossy(&demo.get_output().stdout).to_string();
    let functions = stdout
        .lines()
        .find(|l| l.contains("17 functions: "))
        .expect("the GetFunctions summary");
    assert!(
        functions.contains("UpdatePatientRecord 1.0") || functions.contains(" more ("),
        "{functions}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_exit_codes() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();

    // 0: success, the response on stdout.
    let mut cmd = against(&sim, dir.path());
    cmd.args(["call", "GetFunctions", "--output", "xml"]);
    run(cmd)
        .await
        .success()
        .stdout(predicate::str::contains(
            "<Function>GetFunctions</Function>",
        ))
        .stdout(predicate::str::contains("f31e26725b5491f2").not());

    // Parameters from flags, nested, with a flag.
    let mut cmd = against(&sim, dir.path());
    cmd.args([
        "call",
        "GetPatientRecord",
        "--param",
        "Identity/NHSNumber=7835438275",
        "--param",
        "Filter/Demographics=",
        "--output",
        "json",
    ]);
    run(cmd)
        .await
        .success()
        .stdout(predicate::str::contains("\"Surname\": \"Swift\""));

    // 2: an error response, its message on stderr.
    let mut cmd = against(&sim, dir.path());
    cmd.args(["call", "PatientSearch", "--param", "Surname=Swift"]);
    run(cmd)
        .await
        .code(2)
        .stderr(predicate::str::contains("At least two search parameters"));

    // 1: a parameter the function does not have is refused before sending.
    let before = sim.control().audit().len();
    let mut cmd = against(&sim, dir.path());
    cmd.args([
        "call",
        "PatientSearch",
        "--param",
        "Bogus=1",
        "--param",
        "Surname=X",
    ]);
    run(cmd).await.code(1).stderr(predicate::str::contains(
        "unknown element at FunctionParameters/Bogus",
    ));
    assert_eq!(sim.control().audit().len(), before, "nothing was sent");

    // A request file: its header is replaced.
    let mut cmd = against(&sim, dir.path());
    cmd.args(["call", "PatientSearch", "--output", "text", "--xml"])
        .arg(fixtures().join("PatientSearch/v1.0/request.xml"));
    run(cmd)
        .await
        .success()
        .stdout(predicate::str::starts_with("PatientSearch:"));

    // 3: nothing listening.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cmd = systmone();
    cmd.args(["--addr", &format!("127.0.0.1:{port}")])
        .args(["--api-key", "f31e26725b5491f2"])
        .arg("--device-id-file")
        .arg(dir.path().join("device-id"))
        .args(["call", "GetFunctions"]);
    run(cmd)
        .await
        .code(3)
        .stderr(predicate::str::contains("cannot connect"));

    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_write_outcome_exits_4() {
    // Request 1 is the client's GetFunctions (version check); request 2, the write,
    // is applied but its response is lost.
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        faults: vec!["drop-after-write@2".parse().unwrap()],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = against(&sim, dir.path());
    cmd.args([
        "--timeout",
        "2",
        "--call-timeout",
        "2",
        "call",
        "UpdatePatientRecord",
    ])
    .args(["--param", "Identity/NHSNumber=6343800514"])
    .args(["--param", "Clinical/Event/ClinicalCode/Code@Scheme=CTV3"])
    .args(["--param", "Clinical/Event/ClinicalCode/Code@Code=X505K"]);
    run(cmd)
        .await
        .code(4)
        .stderr(predicate::str::contains("is unknown"))
        .stderr(predicate::str::contains(
            "check the record before trying again",
        ));
    sim.shutdown().await;
}

#[test]
fn template_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("status.template.xml");
    std::fs::write(
        &template,
        "<ClientIntegrationRequest>\n<APIKey>@APIKey</APIKey>\n<DeviceID>@DeviceID</DeviceID>\n\
         <DeviceVersion>@DeviceVersion</DeviceVersion>\n<RequestUID>@RequestUID</RequestUID>\n\
         <Function>UpdatePatientRecord</Function>\n<FunctionVersion>1.0</FunctionVersion>\n\
         <FunctionParameters>\n<Identity><NhsNumber>@NHSNumber</NhsNumber></Identity>\n\
         <NonClinical><Appointment><AppointmentUID>@AppointmentUID</AppointmentUID>\
         <Status>@NewStatus|Booked|Arrived|Finished</Status></Appointment></NonClinical>\n\
         </FunctionParameters>\n</ClientIntegrationRequest>\n",
    )
    .unwrap();
    let base = || {
        let mut cmd = systmone();
        cmd.args(["--api-key", "f31e26725b5491f2"])
            .arg("--device-id-file")
            .arg(dir.path().join("device-id"))
            .arg("template")
            .arg(&template);
        cmd
    };
    base()
        .args(["--set", "Colour=blue"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "unknown template parameter \"Colour\"",
        ));
    base()
        .args(["--set", "NHSNumber=7835438275"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "missing value for @AppointmentUID, @NewStatus",
        ));
    base()
        .args(["--set", "NHSNumber=7835438275", "--set", "AppointmentUID=1"])
        .args(["--set", "NewStatus=Cancelled"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "is not one of the listed alternatives: Booked, Arrived, Finished",
        ));
    base()
        .args(["--set", "NHSNumber=7835438275", "--set", "AppointmentUID=1"])
        .args(["--set", "NewStatus=Arrived"])
        .assert()
        .success()
        .stdout(predicate::str::contains("<Status>Arrived</Status>"))
        .stdout(predicate::str::contains("f31e26725b5491f2").not());

    // The document's own template: header values filled from the options.
    systmone()
        .args(["--api-key", "f31e26725b5491f2", "--device-version", "v9"])
        .arg("--device-id-file")
        .arg(dir.path().join("device-id"))
        .arg("template")
        .arg(fixtures().join("templates/GetCurrentActivity.template.xml"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "<DeviceVersion>v9</DeviceVersion>",
        ))
        .stdout(predicate::str::contains("@").not());
}

#[test]
fn a_template_that_is_not_xml_is_refused_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notxml.json");
    std::fs::write(&file, "{\"a\": 1}\n").unwrap();
    let out = systmone()
        .arg("template")
        .arg(&file)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "notxml.json is not an XML request template",
        ))
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "said once: {stderr}");
}

/// A search that matches nobody says so: in words on stderr beside the XML (whose
/// `<Response/>` alone does not say it), and in the text summary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_without_matches_says_no_patient_was_found() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let search = || {
        let mut cmd = against(&sim, dir.path());
        cmd.args(["search", "--surname", "Nobody-Such", "--dob", "1950-01-01"]);
        cmd
    };
    run(search())
        .await
        .success()
        .stdout(predicate::str::contains("<Response/>"))
        .stderr(predicate::str::contains("PatientSearch: 0 patients found"));
    let mut text = search();
    text.args(["--output", "text"]);
    run(text)
        .await
        .success()
        .stdout(predicate::str::contains("PatientSearch: 0 patients found"));
    let mut quiet = search();
    quiet.arg("--quiet");
    run(quiet).await.success().stderr("");
    sim.shutdown().await;
}

#[test]
fn parse_good_fixtures() {
    let mut checked = 0;
    for function in std::fs::read_dir(fixtures()).unwrap() {
        let function = function.unwrap().path();
        let version_dir = function.join("v1.0");
        if !version_dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&version_dir).unwrap() {
            let file = file.unwrap().path();
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            if !name.ends_with(".xml") || name.starts_with("bad-") {
                continue;
            }
            systmone()
                .arg("parse")
                .arg(&file)
                .assert()
                .success()
                .stdout(predicate::str::contains("a valid"));
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} fixtures found");
    systmone()
        .args(["parse", "--roundtrip"])
        .arg(fixtures().join("PatientSearch/v1.0/request.xml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("<Surname>Littler</Surname>"))
        .stdout(predicate::str::contains("f31e26725b5491f2").not());
}

#[test]
fn parse_bad_fixtures_give_line_and_column() {
    for (file, line) in [
        (
            "GetPatientRecord/v1.0/bad-truncated.response.xml",
            "line 58",
        ),
        (
            "UpdatePatientRecord/v1.0/bad-unclosed-demographics.request.xml",
            // The start of the end tag that does not match.
            "line 30, column 1",
        ),
    ] {
        systmone()
            .arg("parse")
            .arg(fixtures().join(file))
            .assert()
            .code(1)
            .stderr(predicate::str::contains("not well-formed XML at"))
            .stderr(predicate::str::contains(line));
    }
    // An unlisted value is kept and reported by default, refused with --strict.
    let bad_sex = fixtures().join("GetPatientRecord/v1.0/bad-sex-value.response.xml");
    systmone()
        .arg("parse")
        .arg(&bad_sex)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "drift: 1 departures: 1 unknown value",
        ));
    systmone()
        .args(["parse", "--strict"])
        .arg(&bad_sex)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "unknown value at Response/Demographics/Sex",
        ));
}

#[test]
fn parse_drift_lists_unknown_items_and_nothing_for_the_documents_examples() {
    systmone()
        .args(["parse", "--drift"])
        .arg(fixtures().join("GetPatientRecord/v1.0/bad-unknown-child.response.xml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("unknown element"))
        .stdout(predicate::str::contains("Response/Demographics/Nickname"));
    let out = systmone()
        .args(["parse", "--drift", "--json"])
        .arg(fixtures().join("GetPatientRecord/v1.0/unknown-data-items.response.xml"))
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    // Which schema the paths are below (`cargo xtask absorb` reads them).
    assert_eq!(report["document"], "response");
    assert_eq!(report["function"], "GetPatientRecord");
    assert_eq!(report["version"], "1.0");
    let paths: Vec<&str> = report["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "Response/Clinical/Event/Referral",
            "Response/Clinical/Event/Problem"
        ]
    );
    for file in [
        "GetPatientRecord/v1.0/response.xml",
        "GetPatientRecord/v1.0/real-shape-full.response.xml",
        "PatientSearch/v1.0/response.xml",
    ] {
        systmone()
            .args(["parse", "--drift"])
            .arg(fixtures().join(file))
            .assert()
            .success()
            .stdout(predicate::str::contains("no drift"));
    }
}

#[test]
fn parse_roundtrip_keeps_the_real_shape_record() {
    let path = fixtures().join("GetPatientRecord/v1.0/real-shape-full.response.xml");
    let out = systmone()
        .args(["parse", "--roundtrip"])
        .arg(&path)
        .assert()
        .success();
    let written = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let original = std::fs::read_to_string(&path).unwrap();
    // Text kept exactly: the 6,000-character line, spaces at the ends, DoneBy's trailing space.
    for needle in original
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("<Line>"))
        .map(|l| l.trim_end_matches("</Line>"))
    {
        assert!(written.contains(needle), "line lost: {:.40}...", needle);
    }
    assert!(written.contains("(General Medical Practitioner) \""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_resumes_without_fetching_twice() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("records");
    let numbers: Vec<String> = sim.control().practice().nhs_numbers[..3].to_vec();
    let list = dir.path().join("numbers.txt");
    let records = |sim: &SimHandle| {
        sim.control()
            .audit()
            .iter()
            .filter(|e| e.function == "GetPatientRecord")
            .count()
    };

    std::fs::write(&list, format!("{}\n{}\n", numbers[0], numbers[1])).unwrap();
    let mut cmd = against(&sim, dir.path());
    cmd.args(["extract", "--demographics", "--nhs-file"])
        .arg(&list)
        .arg("--out")
        .arg(&out);
    run(cmd).await.success();
    assert_eq!(records(&sim), 2);
    let first = out.join(format!("{}.xml", numbers[0]));
    let saved = std::fs::read_to_string(&first).unwrap();
    assert!(saved.contains(&numbers[0]));
    let mtime = std::fs::metadata(&first).unwrap().modified().unwrap();

    std::fs::write(
        &list,
        format!(
            "# again, with one more\n{}\n{}\n{}\n",
            numbers[0], numbers[1], numbers[2]
        ),
    )
    .unwrap();
    let mut cmd = against(&sim, dir.path());
    cmd.args(["extract", "--demographics", "--nhs-file"])
        .arg(&list)
        .arg("--out")
        .arg(&out);
    run(cmd).await.success().stderr(predicate::str::contains(
        "1 record(s) to fetch, 2 already saved",
    ));
    assert_eq!(records(&sim), 3, "only the new number was fetched");
    assert!(out.join(format!("{}.xml", numbers[2])).exists());
    assert_eq!(
        std::fs::metadata(&first).unwrap().modified().unwrap(),
        mtime
    );
    // The records, and the lock each run holds on the directory.
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            !name.ends_with(".xml") && name != ".extract.lock"
        })
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
    sim.shutdown().await;
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for sub in [
        "demo",
        "call",
        "parse",
        "template",
        "sim",
        "functions",
        "org",
        "search",
        "record",
        "slots",
        "diary",
        "book",
        "reading",
        "arrive",
        "answers",
        "document",
        "extract",
    ] {
        systmone()
            .args([sub, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
    systmone()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("SYSTMONE_API_KEY"))
        .stdout(predicate::str::contains("--pacing"));
}

#[test]
fn missing_api_key_is_one_sentence() {
    systmone()
        .args(["functions"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("error: no API key"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compat_reports_an_unsupported_binding_with_exit_5() {
    let dir = tempfile::tempdir().unwrap();
    let ok = simulator().await;
    let mut cmd = against(&ok, dir.path());
    cmd.arg("compat");
    run(cmd)
        .await
        .success()
        .stdout(predicate::str::contains("PatientSearch").and(predicate::str::contains("ok")));

    // A client that lacks GetDiary and offers only a newer GetDocument.
    let mut advertised: Vec<(String, Vec<String>)> = systmone_bindings::FUNCTIONS
        .iter()
        .filter(|(f, _)| *f != "GetDiary" && *f != "GetDocument")
        .map(|(f, v)| (f.to_string(), vec![v.to_string()]))
        .collect();
    advertised.push(("GetDocument".into(), vec!["2.0".into()]));
    let lacking = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        advertised: Some(advertised),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let other = tempfile::tempdir().unwrap();
    let mut cmd = against(&lacking, other.path());
    cmd.args(["--output", "json", "compat"]);
    run(cmd)
        .await
        .code(5)
        .stdout(predicate::str::contains("\"function\": \"GetDiary\""));
}

/// The binary pointed at `sim` with the documented pacing (shared through the pacing
/// file beside `dir/device-id`).
fn paced_against(sim: &SimHandle, dir: &Path) -> Command {
    let mut cmd = systmone();
    cmd.args(["--addr", &sim.addr().to_string()])
        .args(["--api-key", "f31e26725b5491f2"])
        .arg("--device-id-file")
        .arg(dir.join("device-id"))
        .args(["--pacing", "spec", "--timeout", "20"]);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_pace_together_against_the_real_throttle() {
    // The documented throttle: a request inside it gets no answer at all.
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Spec,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let numbers = sim.control().practice().nhs_numbers[..2].to_vec();
    // Two whole records (throttled: one per 30 s) from two processes at once, each
    // also sending its GetFunctions first.
    let started = std::time::Instant::now();
    let processes: Vec<_> = numbers
        .iter()
        .map(|n| {
            let mut cmd = paced_against(&sim, dir.path());
            cmd.args(["--output", "xml", "record", n]);
            tokio::task::spawn_blocking(move || cmd.output().unwrap())
        })
        .collect();
    let mut waited = false;
    for p in processes {
        let out = p.await.unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        waited |= stderr.contains("for the 30 s full-record rule before GetPatientRecord");
    }
    let audit = sim.control().audit();
    let throttled = audit
        .iter()
        .filter(|e| e.outcome == systmone_sim::AuditOutcome::Throttled)
        .count();
    let sends: Vec<String> = audit
        .iter()
        .map(|e| {
            format!(
                "{} {} {:?}",
                e.time.format("%H:%M:%S%.3f"),
                e.function,
                e.outcome
            )
        })
        .collect();
    assert_eq!(
        throttled, 0,
        "no request was sent inside the throttle: {sends:#?}"
    );
    let records = audit
        .iter()
        .filter(|e| e.function == "GetPatientRecord")
        .count();
    assert_eq!(records, 2);
    assert!(waited, "the second record waited its turn, and said so");
    assert!(started.elapsed() >= Duration::from_secs(30));
    let pacing = std::fs::read_to_string(dir.path().join("pacing")).unwrap();
    assert!(pacing.contains(&sim.addr().to_string()), "{pacing}");
    sim.shutdown().await;
}

/// A demographics lookup in one terminal beside an extract of two full records in
/// another, against the documented throttle: the lookup (exempt from the 30 s rule)
/// takes the next free second instead of queuing behind the extract's second record,
/// which keeps its turn; no request of either is throttled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_beside_an_extract_is_not_held_behind_it() {
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Spec,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let numbers = sim.control().practice().nhs_numbers[..2].to_vec();
    let list = dir.path().join("numbers.txt");
    std::fs::write(&list, numbers.join("\n")).unwrap();
    let mut extract = paced_against(&sim, dir.path());
    extract
        .args(["extract", "--nhs-file"])
        .arg(&list)
        .arg("--out")
        .arg(dir.path().join("out"));
    let extract = tokio::task::spawn_blocking(move || extract.output().unwrap());
    // Once the extract's first record has gone, its second waits ~30 s for its turn.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !sim
        .control()
        .audit()
        .iter()
        .any(|e| e.function == "GetPatientRecord")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the extract never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let started = std::time::Instant::now();
    let mut lookup = paced_against(&sim, dir.path());
    lookup.args(["--output", "xml", "record", &numbers[0], "--demographics"]);
    let lookup = tokio::task::spawn_blocking(move || lookup.output().unwrap())
        .await
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&lookup.stderr);
    assert!(lookup.status.success(), "{stderr}");
    assert!(
        took < Duration::from_secs(5),
        "the lookup took {took:?}: {stderr}"
    );
    assert!(!stderr.contains("full-record rule"), "{stderr}");
    let out = extract.await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let audit = sim.control().audit();
    let throttled = audit
        .iter()
        .filter(|e| e.outcome == systmone_sim::AuditOutcome::Throttled)
        .count();
    let sends: Vec<String> = audit
        .iter()
        .map(|e| {
            format!(
                "{} {} {:?}",
                e.time.format("%H:%M:%S%.3f"),
                e.function,
                e.outcome
            )
        })
        .collect();
    assert_eq!(
        throttled, 0,
        "no request was sent inside the throttle: {sends:#?}"
    );
    let records = audit
        .iter()
        .filter(|e| e.function == "GetPatientRecord")
        .count();
    assert_eq!(records, 3);
    eprintln!("the lookup beside the extract took {took:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reply_shows_a_live_line() {
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        faults: vec!["delay=4s@1".parse().unwrap()],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    known_device(dir.path());
    let mut cmd = against(&sim, dir.path());
    cmd.arg("functions");
    run(cmd).await.success().stderr(predicate::str::contains(
        "waiting for SystmOne... 3 s; a request sent inside its throttle gets no answer",
    ));
    sim.shutdown().await;
}

#[cfg(unix)] // bash, signals, symbolic links
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_ends_quietly() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("systmone");
    let common = format!(
        "--addr {} --api-key f31e26725b5491f2 --device-id-file {} --pacing off",
        sim.addr(),
        dir.path().join("device-id").display()
    );
    let fixture = fixtures().join("GetPatientRecord/v1.0/response.xml");
    // With a fresh Device ID file, -v logs the allocation at info: a log line written
    // after the reader has gone.
    let fresh = |i: usize| {
        format!(
            "-v --addr {} --api-key f31e26725b5491f2 --pacing off --device-id-file {}",
            sim.addr(),
            dir.path().join(format!("fresh-{i}")).display()
        )
    };
    for command in [
        format!("{} functions", fresh(0)),
        format!("{} functions", fresh(1)),
        format!("{} record 7835438275", fresh(2)),
        format!("-v {common} functions"),
        format!("-v {common} -o json functions"),
        format!("{common} -o text record 7835438275"),
        format!("{common} search --surname Swift --dob 1933-01-01"),
        format!("parse {}", fixture.display()),
        format!("parse --roundtrip {}", fixture.display()),
        "sim --dump-practice -".to_string(),
        "--help".to_string(),
        "record --help".to_string(),
    ] {
        // The reader takes one byte and goes, as `| head` does.
        let script = format!(
            "set -o pipefail; '{}' {command} 2>&1 | head -c 1",
            bin.display()
        );
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new("bash")
                .args(["-c", &script])
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "systmone {command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_before_sending_and_hints_the_fix() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let sent = || sim.control().audit().len();
    let refused = |args: &[&str], expected: &[&str]| {
        let mut cmd = against(&sim, dir.path());
        cmd.args(args);
        let mut assert = cmd.assert().code(1);
        for e in expected {
            assert = assert.stderr(predicate::str::contains(*e));
        }
    };
    let before = sent();
    // The check digit of an NHS number.
    refused(
        &["record", "7835438276"],
        &["not a valid NHS number: its check digit is 6, the first nine digits need 5"],
    );
    // PatientSearch's two-criteria rule.
    refused(
        &["search", "--surname", "Swift"],
        &[
            "PatientSearch needs at least two of",
            "you gave only --surname",
        ],
    );
    // The nearest name on a typo, and the allowed names.
    refused(
        &[
            "call",
            "PatientSearch",
            "-p",
            "Surnme=Swift",
            "-p",
            "FirstName=A",
        ],
        &[
            "unknown element at FunctionParameters/Surnme (did you mean Surname?)",
            "allowed in <FunctionParameters>: DateOfBirth, FirstName, Gender, PostCode, Surname, Telephone",
        ],
    );
    refused(
        &[
            "call",
            "GetPatientRecord",
            "-p",
            "Identity/NHSNumber=7835438275",
            "-p",
            "Filter/Demographic=",
        ],
        &[
            "(did you mean Demographics?)",
            "allowed in <Filter>: Activity,",
        ],
    );
    refused(
        &["call", "GetPatientRecrd"],
        &[
            "unknown function \"GetPatientRecrd\" (did you mean GetPatientRecord?)",
            "the functions are: DataExtract",
        ],
    );
    // A value not of its type's form names the value, its element and the form, from
    // the schema model (issue 25): a date, a date-time, an integer, a listed value.
    refused(
        &["search", "--surname", "Swift", "--dob", "01/01/1933"],
        &[
            "invalid value \"01/01/1933\" at FunctionParameters/DateOfBirth: expected a date, YYYY-MM-DD",
        ],
    );
    refused(
        &["slots", "--from", "tomorrow"],
        &[
            "invalid value \"tomorrow\" at FunctionParameters/MinDateTime: expected a date-time, YYYY-MM-DDTHH:MM:SS",
        ],
    );
    refused(
        &["search", "--surname", "Swift", "--gender", "X"],
        &["invalid value \"X\" at FunctionParameters/Gender: expected one of M, F, or empty"],
    );
    refused(
        &["call", "GetReferenceData", "-p", "Bogus=1"],
        &[
            "unknown element at FunctionParameters/Bogus; nothing is allowed in <FunctionParameters>",
        ],
    );
    refused(
        &[
            "call",
            "UpdatePatientRecord",
            "-p",
            "Identity/NHSNumber=7835438275",
            "-p",
            "Clinical/Event/ClinicalCode/Code@Schme=CTV3",
        ],
        &[
            "unknown attribute at FunctionParameters/Clinical/Event/ClinicalCode/Code/@Schme (did you mean Scheme?); allowed on <Code>: Code, Scheme, Term",
        ],
    );
    refused(
        &[
            "book",
            "7835438275",
            "--user",
            "u",
            "--site",
            "s",
            "--clinic-type",
            "c",
            "--start",
            "2024-05-02T09:00:00",
            "--duration",
            "ten",
        ],
        &[
            "invalid value \"ten\" at FunctionParameters/NonClinical/Appointment/Clinic/Slot/Duration: expected a number of minutes",
        ],
    );
    refused(
        &["call", "GetPatientRecord", "-p", "Filter/Demographics=yes"],
        &[
            "invalid value \"yes\" at FunctionParameters/Filter/Demographics: expected nothing: a presence flag, given as Name=",
        ],
    );
    // The same from a request file: the departure, with the form the schema expects.
    let request =
        std::fs::read_to_string(fixtures().join("PatientSearch/v1.0/request.xml")).unwrap();
    let bad_dob = dir.path().join("bad-dob.xml");
    std::fs::write(
        &bad_dob,
        request.replace("<DateOfBirth>2014-03-24", "<DateOfBirth>24/03/2014"),
    )
    .unwrap();
    assert!(request.contains("<DateOfBirth>2014-03-24"));
    refused(
        &["call", "PatientSearch", "--xml", bad_dob.to_str().unwrap()],
        &[
            "invalid value \"24/03/2014\" at FunctionParameters/DateOfBirth: expected a date, YYYY-MM-DD",
        ],
    );
    // A request file cut short: said plainly, with no claim that <Function> is missing.
    let full =
        std::fs::read_to_string(fixtures().join("GetPatientRecord/v1.0/request.xml")).unwrap();
    let cut_at = full.find("</FunctionVersion>").unwrap() + 30;
    let cut = dir.path().join("cut.xml");
    std::fs::write(&cut, &full[..cut_at]).unwrap();
    let mut cmd = against(&sim, dir.path());
    cmd.args(["call", "GetPatientRecord", "--xml"]).arg(&cut);
    cmd.assert()
        .code(1)
        .stderr(predicate::str::contains("is it cut short?"))
        .stderr(predicate::str::contains("Function>").not());
    // Numbers in an extract's file are checked too.
    let list = dir.path().join("numbers.txt");
    std::fs::write(&list, "7835438275\n6640569095\n").unwrap();
    refused(
        &[
            "extract",
            "--out",
            dir.path().join("out").to_str().unwrap(),
            "--nhs-file",
            list.to_str().unwrap(),
        ],
        &["line 2: 6640569095 is not a valid NHS number"],
    );
    assert_eq!(sent(), before, "nothing was sent");

    // A rejected API key names the option and the variable.
    let mut cmd = systmone();
    cmd.args([
        "--addr",
        &sim.addr().to_string(),
        "--api-key",
        "0000000000000000",
    ])
    .arg("--device-id-file")
    .arg(dir.path().join("device-id"))
    .args(["--pacing", "off", "functions"]);
    run(cmd)
        .await
        .code(2)
        .stderr(predicate::str::contains("The API key is not valid"))
        .stderr(predicate::str::contains("--api-key or SYSTMONE_API_KEY"));

    // Connection refused: not retried, and where to look.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cmd = systmone();
    cmd.args([
        "--addr",
        &format!("127.0.0.1:{port}"),
        "--api-key",
        "f31e26725b5491f2",
    ])
    .arg("--device-id-file")
    .arg(dir.path().join("device-id"))
    .arg("functions");
    run(cmd)
        .await
        .code(3)
        .stderr(predicate::str::contains(format!(
            "is SystmOne (or `systmone sim`) running on 127.0.0.1:{port}? see --addr"
        )))
        .stderr(predicate::str::contains("retrying").not());
    sim.shutdown().await;
}

#[test]
fn template_parameter_typos_get_the_nearest_name() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("t.xml");
    std::fs::write(
        &template,
        "<X><S>@NewStatus|Booked|Arrived</S><N>@NHSNumber</N></X>",
    )
    .unwrap();
    systmone()
        .arg("template")
        .arg(&template)
        .args(["--set", "NewStatsu=Booked"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "unknown template parameter \"NewStatsu\" (did you mean NewStatus?): the template has @NHSNumber, @NewStatus",
        ));
}

/// The lines of README's tour of the command (the first `sh` block after its heading).
fn readme_tour() -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let tour = &readme[readme
        .find("### The `systmone` command")
        .expect("tour heading")..];
    let block = &tour[tour.find("```sh\n").expect("sh block") + 6..];
    let block = &block[..block.find("```").expect("end of block")];
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// A process killed when dropped (a failing test leaves no simulator behind).
struct Background(std::process::Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// README's tour, run as written, in order, from a directory laid out like a fresh
/// clone: `systmone sim &` starts the built binary's simulator (on a free port, and
/// unthrottled to keep the suite quick: the throttle is the two-process test's
/// subject), `export` sets the variable, `kill %1` stops the simulator, and every other
/// line runs in bash with the built `systmone` first on PATH.
#[cfg(unix)] // bash, signals, symbolic links
#[test]
fn readme_tour_runs_as_written() {
    use std::io::BufRead;
    let lines = readme_tour();
    assert!(lines.len() >= 10, "{lines:?}");
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(fixtures().parent().unwrap(), dir.path().join("tests")).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("systmone");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), path),
        (
            "SYSTMONE_DEVICE_ID_FILE".into(),
            dir.path().join("device-id").display().to_string(),
        ),
        ("SYSTMONE_PACING".into(), "off".into()),
        ("SYSTMONE_TIMEOUT".into(), "10".into()),
    ];
    let mut sim: Option<Background> = None;
    let mut ran = 0;
    for line in &lines {
        let command = line.split(" #").next().unwrap().trim();
        if let Some(args) = command
            .strip_prefix("systmone sim")
            .and_then(|a| a.strip_suffix('&'))
        {
            let mut child = std::process::Command::new(&bin)
                .arg("sim")
                .args(args.split_whitespace())
                .args(["--port", "0", "--throttle", "off"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            let mut first = String::new();
            std::io::BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut first)
                .unwrap();
            let addr = first
                .trim()
                .strip_prefix("listening on ")
                .expect(&first)
                .to_string();
            env.push(("SYSTMONE_ADDR".into(), addr));
            sim = Some(Background(child));
            continue;
        }
        if let Some(assignment) = command.strip_prefix("export ") {
            let (name, value) = assignment.split_once('=').unwrap();
            env.push((name.into(), value.into()));
            continue;
        }
        if command == "kill %1" {
            assert!(sim.take().is_some(), "the tour started the simulator");
            continue;
        }
        let mut cmd = std::process::Command::new("bash");
        cmd.args(["-c", command]).current_dir(dir.path());
        for var in [
            "SYSTMONE_API_KEY",
            "SYSTMONE_ADDR",
            "SYSTMONE_OUTPUT",
            "SYSTMONE_AUDIT",
        ] {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "README line `{line}` failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    assert!(ran >= 9, "only {ran} commands ran");
    assert!(dir.path().join("records/7835438275.xml").exists());
    assert!(sim.is_none(), "the tour stops its simulator");
}

const SUBCOMMANDS: [&str; 20] = [
    "demo",
    "call",
    "parse",
    "template",
    "sim",
    "functions",
    "org",
    "search",
    "record",
    "slots",
    "diary",
    "book",
    "reading",
    "arrive",
    "answers",
    "document",
    "extract",
    "compat",
    "completions",
    "help",
];

#[test]
fn help_reads_well() {
    for sub in SUBCOMMANDS.iter().filter(|s| **s != "help") {
        let out = systmone().args([sub, "--help"]).output().unwrap();
        assert!(out.status.success(), "{sub}");
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains("Example"), "{sub}: no example");
        // Global options under their own heading.
        assert!(help.contains("\nGlobal options:\n"), "{sub}:\n{help}");
        let (own, global) = help.split_once("\nGlobal options:\n").unwrap();
        assert!(
            !own.contains("--verbose"),
            "{sub}: a global option among its own"
        );
        assert!(global.contains("--verbose"), "{sub}");
        // Every option is described: in the long help an option's line is followed by
        // its text, not by a blank line.
        let options = help.split("\nExample").next().unwrap();
        let lines: Vec<&str> = options.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            if (2..=6).contains(&indent) && trimmed.starts_with('-') {
                // Short help (sim's) has the text on the same line, after a gap.
                let inline = trimmed
                    .split_once("  ")
                    .is_some_and(|(_, text)| !text.trim().is_empty());
                let next = lines.get(i + 1).map_or("", |l| l.trim());
                assert!(
                    inline || !next.is_empty(),
                    "{sub}: {trimmed} has no description"
                );
            }
        }
        // Options that do not apply are not shown.
        if matches!(*sub, "parse" | "sim" | "completions") {
            for hidden in [
                "--addr",
                "--api-key",
                "--device-id-file",
                "--pacing",
                "--timeout",
            ] {
                assert!(!help.contains(hidden), "{sub} shows {hidden}");
            }
        } else if *sub != "demo" {
            assert!(help.contains("--api-key"), "{sub}");
        }
    }
    // Hidden is not refused: a global option before any command still works.
    systmone()
        .args(["--addr", "127.0.0.1:1", "parse"])
        .arg(fixtures().join("PatientSearch/v1.0/request.xml"))
        .assert()
        .success();
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let assert = systmone()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("systmone"))
            .stdout(predicate::str::contains("extract"))
            .stdout(predicate::str::contains("nhs-file"));
        // Function names and `--param` names, from the schema model, where the shell's
        // script completes values (clap's elvish and powershell scripts do not).
        if matches!(shell, "bash" | "zsh" | "fish") {
            assert
                .stdout(predicate::str::contains("Identity/NHSNumber="))
                .stdout(predicate::str::contains("GetAppointmentSlots"));
        }
    }
    systmone()
        .args(["completions", "tcsh"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("possible values"));
}

#[test]
fn describe_shows_the_schema() {
    let out = systmone()
        .args(["describe", "GetAppointmentSlots"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for (name, ty) in [
        ("MinDateTime", "date-time (YYYY-MM-DDTHH:MM:SS)"),
        ("MaxDateTime", "date-time (YYYY-MM-DDTHH:MM:SS)"),
        ("SiteName", "text"),
        ("UserName", "text"),
        ("ClinicType", "text"),
        ("SlotType", "text"),
    ] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name}:\n{text}"));
        assert!(line.contains(ty), "{line}");
    }
    assert!(
        text.starts_with("GetAppointmentSlots 1.0 (a read): its parameters"),
        "{text}"
    );

    // For tools: the same tree as JSON.
    let out = systmone()
        .args(["-o", "json", "describe", "getappointmentslots"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let children: Vec<(&str, &str)> = json["element"]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["value"]["form"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        children,
        [
            ("MinDateTime", "date-time"),
            ("MaxDateTime", "date-time"),
            ("SiteName", "text"),
            ("UserName", "text"),
            ("ClinicType", "text"),
            ("SlotType", "text"),
        ]
    );
    assert_eq!(json["element"]["any_order"], true);

    // One subtree; a configured list (F17) says so.
    systmone()
        .args([
            "describe",
            "UpdatePatientRecord",
            "Clinical/Event/Vaccination",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "its parameters at Clinical/Event/Vaccination",
        ))
        .stdout(predicate::str::contains("PartType"))
        .stdout(predicate::str::contains("configured per practice, F17"))
        .stdout(predicate::str::contains("BatchNumber"));
    // A value in full, here of the result.
    systmone()
        .args([
            "describe",
            "GetPatientRecord",
            "--response",
            "Demographics/Sex",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("its result at Demographics/Sex"))
        .stdout(predicate::str::contains("values: M, F, I, U"));
    // A wrong step: the nearest name, and what is there.
    systmone()
        .args(["describe", "PatientSearch", "DateOfBirt"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "FunctionParameters has no DateOfBirt (did you mean DateOfBirth?); it has DateOfBirth, FirstName,",
        ));
}

fn json_error(output: &std::process::Output) -> serde_json::Value {
    let value: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    value["error"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_makes_failures_machine_readable() {
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        // Request 1 is GetFunctions (version check, kept for the next commands), 2 the
        // search; the write's answer is lost.
        faults: vec!["drop-after-write@3".parse().unwrap()],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = |args: &[&str]| {
        let mut cmd = against(&sim, dir.path());
        cmd.args(["-o", "json", "--timeout", "2", "--call-timeout", "2"])
            .args(args);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
    };

    // A local failure: exit 1, the text on stderr too.
    let out = output(&["record", "7835438276"]).await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    let e = json_error(&out);
    assert_eq!(e["kind"], "local");
    assert_eq!(e["exit_code"], 1);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("not a valid NHS number")
    );
    assert!(e["request_uid"].is_null());
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: 7835438276 is not a valid"));

    // SystmOne's error response: exit 2.
    let out = output(&["call", "PatientSearch", "-p", "Surname=Swift"])
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = json_error(&out);
    assert_eq!(e["kind"], "error-response");
    assert_eq!(e["function"], "PatientSearch");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("At least two search parameters")
    );

    // A write whose outcome is unknown: exit 4, with its RequestUID.
    let out = output(&[
        "call",
        "UpdatePatientRecord",
        "-p",
        "Identity/NHSNumber=6343800514",
        "-p",
        "Clinical/Event/ClinicalCode/Code@Scheme=CTV3",
        "-p",
        "Clinical/Event/ClinicalCode/Code@Code=X505K",
    ])
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e = json_error(&out);
    assert_eq!(e["kind"], "outcome-unknown");
    assert_eq!(e["exit_code"], 4);
    let uid = e["request_uid"].as_str().unwrap();
    let sent = sim.control().audit();
    assert!(
        sent.iter()
            .any(|entry| entry.request_uid == uid && entry.function == "UpdatePatientRecord"),
        "the RequestUID is the one SystmOne received"
    );

    // Nothing listening: exit 3.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cmd = systmone();
    cmd.args([
        "--addr",
        &format!("127.0.0.1:{port}"),
        "--api-key",
        "k",
        "-o",
        "json",
    ])
    .arg("--device-id-file")
    .arg(dir.path().join("device-id"))
    .arg("functions");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(json_error(&out)["kind"], "connect");

    // A usage error clap refuses, after -o json.
    let out = systmone()
        .args(["-o", "json", "record", "--demographic", "7835438275"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let e = json_error(&out);
    assert_eq!(e["kind"], "usage");
    assert!(
        e["message"].as_str().unwrap().contains("--demographic"),
        "{e}"
    );
    sim.shutdown().await;
}

#[cfg(unix)] // bash, signals, symbolic links
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_counts_the_throttle_and_stops_cleanly_on_ctrl_c() {
    use std::io::BufRead;
    // Whole records under the documented throttle: one per 30 s.
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Spec,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("records");
    let list = dir.path().join("numbers.txt");
    let numbers = sim.control().practice().nhs_numbers[..3].join("\n");
    std::fs::write(&list, numbers).unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("systmone"));
    cmd.args([
        "--addr",
        &sim.addr().to_string(),
        "--api-key",
        "f31e26725b5491f2",
    ])
    .arg("--device-id-file")
    .arg(dir.path().join("device-id"))
    .args(["--pacing", "spec", "extract", "--nhs-file"])
    .arg(&list)
    .arg("--out")
    .arg(&out)
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped());
    let (status, stderr) = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        let pid = child.id().to_string();
        let mut seen = String::new();
        for line in std::io::BufReader::new(child.stderr.take().unwrap()).lines() {
            let line = line.unwrap();
            // After the first record, while the second waits its 30 s turn: Ctrl-C.
            if line.starts_with("[1/3]") {
                // bash's own kill: no procps needed on a fresh machine.
                std::process::Command::new("bash")
                    .args(["-c", &format!("kill -INT {pid}")])
                    .status()
                    .unwrap();
            }
            seen.push_str(&line);
            seen.push('\n');
        }
        (child.wait().unwrap(), seen)
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    // The ETA counts the 30 s throttle for the two records left.
    assert!(
        stderr.contains(&format!(
            "ETA 1m 00s ({:.1} s per record: SystmOne's throttle)",
            systmone_client::DEFAULT_PACING
                .patient_record_interval
                .as_secs_f64()
        )),
        "{stderr}"
    );
    // Beside the record, only the lock the run held on the directory.
    let saved = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name() != ".extract.lock")
        .count();
    assert_eq!(saved, 1, "one record saved, no temporary file left");
    assert!(
        stderr.contains(&format!(
            "interrupted: 1 saved in {}; run again to resume",
            out.display()
        )),
        "{stderr}"
    );
    sim.shutdown().await;
}

#[test]
fn extract_refuses_an_empty_number_file() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("numbers.txt");
    std::fs::write(&list, "# none yet\n\n").unwrap();
    systmone()
        .args(["--api-key", "k", "extract", "--out"])
        .arg(dir.path().join("out"))
        .arg("--nhs-file")
        .arg(&list)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("has no NHS numbers"));
    assert!(!dir.path().join("out").exists(), "nothing created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_from_the_config_file_and_what_overrides_them() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("key"), "f31e26725b5491f2\n").unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.sim]\naddr = \"{}\"\napi_key_file = \"{}\"\ndevice_id_file = \"{}\"\npacing = \"off\"\n\n[profiles.empty]\n",
            sim.addr(),
            dir.path().join("key").display(),
            dir.path().join("profile-device-id").display()
        ),
    )
    .unwrap();
    let with = |args: &[&str]| {
        let mut cmd = systmone();
        cmd.arg("--config").arg(&config).args(args);
        cmd
    };
    let refused_port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let elsewhere = format!("127.0.0.1:{refused_port}");

    // The profile gives the address, the key (from its file), the Device ID file and
    // the pacing.
    run(with(&["--profile", "sim", "-o", "xml", "functions"]))
        .await
        .success()
        .stdout(predicate::str::contains(
            "<Function>GetFunctions</Function>",
        ));
    assert!(dir.path().join("profile-device-id").exists());
    // SYSTMONE_PROFILE chooses it too.
    let mut cmd = with(&["-o", "xml", "functions"]);
    cmd.env("SYSTMONE_PROFILE", "sim");
    run(cmd).await.success();
    // A flag overrides it, also after the command name.
    run(with(&[
        "--profile",
        "sim",
        "functions",
        "--addr",
        &elsewhere,
    ]))
    .await
    .code(3)
    .stderr(predicate::str::contains(elsewhere.as_str()));
    // So does an environment variable.
    let mut cmd = with(&["--profile", "sim", "functions"]);
    cmd.env("SYSTMONE_ADDR", &elsewhere);
    run(cmd).await.code(3);
    // A profile that leaves the key out: the usual message.
    run(with(&[
        "--profile",
        "empty",
        "--addr",
        &sim.addr().to_string(),
        "functions",
    ]))
    .await
    .code(1)
    .stderr(predicate::str::contains("no API key"));
    // A misspelt profile, a config file that is not there, an unknown field.
    run(with(&["--profile", "smi", "functions"]))
        .await
        .code(1)
        .stderr(predicate::str::contains("no profile \"smi\" in"))
        .stderr(predicate::str::contains(
            "(did you mean sim?); its profiles: empty, sim",
        ));
    let mut cmd = systmone();
    cmd.args([
        "--config",
        "/nonexistent/config.toml",
        "--profile",
        "sim",
        "functions",
    ]);
    run(cmd).await.code(1).stderr(predicate::str::contains(
        "there is no config file at /nonexistent/config.toml",
    ));
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[profiles.sim]\nadress = \"x\"\n").unwrap();
    let mut cmd = systmone();
    cmd.arg("--config")
        .arg(&bad)
        .args(["--profile", "sim", "functions"]);
    run(cmd)
        .await
        .code(1)
        .stderr(predicate::str::contains("unknown field `adress`"));
    sim.shutdown().await;
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let red = "\u{1b}[1;31merror:";
    let missing_key = |cmd: &mut Command| cmd.arg("functions").assert().code(1);
    let out = missing_key(systmone().args(["--color", "always"]));
    out.stderr(predicate::str::starts_with(red));
    let out = missing_key(systmone().args(["--color", "never"]));
    out.stderr(predicate::str::starts_with("error: no API key"));
    // Not a terminal: no colour by default; NO_COLOR is honoured; the flag wins.
    let out = missing_key(&mut systmone());
    out.stderr(predicate::str::starts_with("error: no API key"));
    let out = missing_key(systmone().env("NO_COLOR", "1"));
    out.stderr(predicate::str::starts_with("error:"));
    let out = missing_key(systmone().env("NO_COLOR", "1").args(["--color", "always"]));
    out.stderr(predicate::str::starts_with(red));
    // clap's own messages too.
    systmone()
        .args(["--color", "never", "recrd"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("\u{1b}[").not());
    systmone()
        .args(["--color", "always", "recrd"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("\u{1b}["));
}

/// Runs `cmd` with stdout and stderr on a pseudo-terminal (120 columns), calling
/// `on_output(everything so far, pid)` as output arrives; returns the exit status and
/// the output. A watchdog kills the command after a minute.
#[cfg(unix)]
fn on_a_terminal(
    mut cmd: std::process::Command,
    mut on_output: impl FnMut(&str, u32),
) -> (std::process::ExitStatus, String) {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    use std::io::Read;
    use std::os::unix::ffi::OsStrExt;
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    rustix::termios::tcsetwinsize(
        &master,
        rustix::termios::Winsize {
            ws_row: 24,
            ws_col: 120,
            ws_xpixel: 0,
            ws_ypixel: 0,
        },
    )
    .unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(std::ffi::OsStr::from_bytes(name.as_bytes()))
        .unwrap();
    cmd.stdin(std::process::Stdio::null())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave);
    let mut child = cmd.spawn().unwrap();
    // The command holds copies of the terminal's other end: without them, reading
    // ends when the child exits.
    drop(cmd);
    let pid = child.id();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        let _ = std::process::Command::new("bash")
            .args(["-c", &format!("kill -KILL {pid} 2>/dev/null")])
            .status();
    });
    let mut master = std::fs::File::from(master);
    let (mut seen, mut buf) = (Vec::new(), [0u8; 4096]);
    loop {
        match master.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                seen.extend_from_slice(&buf[..n]);
                on_output(&String::from_utf8_lossy(&seen), pid);
            }
        }
    }
    (
        child.wait().unwrap(),
        String::from_utf8_lossy(&seen).into_owned(),
    )
}

#[cfg(unix)]
fn interrupt(pid: u32) {
    std::process::Command::new("bash")
        .args(["-c", &format!("kill -INT {pid}")])
        .status()
        .unwrap();
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_the_wait_line_is_live_and_errors_are_red() {
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        faults: vec!["delay=5s@1".parse().unwrap()],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    known_device(dir.path());
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("systmone"));
    cmd.args([
        "--addr",
        &sim.addr().to_string(),
        "--api-key",
        "f31e26725b5491f2",
    ])
    .arg("--device-id-file")
    .arg(dir.path().join("device-id"))
    .args(["--pacing", "off", "functions"])
    .env_remove("NO_COLOR");
    let (status, shown) = tokio::task::spawn_blocking(move || on_a_terminal(cmd, |_, _| {}))
        .await
        .unwrap();
    assert!(status.success(), "{shown}");
    // Redrawn as the seconds pass, then cleared for the answer.
    for n in [3, 4] {
        assert!(
            shown.contains(&format!(
                "waiting for SystmOne... {n} s; a request sent inside its throttle gets no answer"
            )),
            "{shown:?}"
        );
    }
    assert!(shown.contains("GetFunctions:"), "text output on a terminal");

    let red = |no_color: Option<&str>| {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("systmone"));
        cmd.arg("functions")
            .env_remove("SYSTMONE_API_KEY")
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        on_a_terminal(cmd, |_, _| {})
            .1
            .contains("\u{1b}[1;31merror:")
    };
    assert!(red(None), "red on a terminal");
    assert!(!red(Some("1")), "NO_COLOR is honoured");
    sim.shutdown().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_extract_redraws_its_bar_every_second() {
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Spec,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("numbers.txt");
    std::fs::write(&list, sim.control().practice().nhs_numbers[..2].join("\n")).unwrap();
    let out = dir.path().join("records");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("systmone"));
    cmd.args([
        "--addr",
        &sim.addr().to_string(),
        "--api-key",
        "f31e26725b5491f2",
    ])
    .arg("--device-id-file")
    .arg(dir.path().join("device-id"))
    .args(["--pacing", "spec", "extract", "--nhs-file"])
    .arg(&list)
    .arg("--out")
    .arg(&out);
    let (status, shown) = tokio::task::spawn_blocking(move || {
        let mut sent = false;
        on_a_terminal(cmd, |seen, pid| {
            // The second record waits 30 s for its turn: nothing changes but the clock,
            // and the bar still moves every second.
            if !sent && seen.contains("1/2 records, 4s elapsed") {
                sent = true;
                interrupt(pid);
            }
        })
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(130), "{shown:?}");
    for s in [2, 3, 4] {
        assert!(
            shown.contains(&format!("1/2 records, {s}s elapsed, ETA ")),
            "{s}s: {shown:?}"
        );
    }
    assert!(shown.contains("for the 30 s full-record rule"), "{shown:?}");
    // The ETA counts down while the second record waits its 30 s turn.
    let etas: Vec<u64> = shown
        .split("1/2 records, ")
        .skip(1)
        .filter_map(|s| s.split("ETA ").nth(1))
        .filter_map(|s| s.split('s').next()?.parse().ok())
        .collect();
    assert!(
        etas.len() >= 3 && etas.windows(2).all(|w| w[1] <= w[0]),
        "{etas:?}"
    );
    assert!(etas.first() > etas.last(), "{etas:?}");
    assert!(shown.contains("interrupted: 1 saved in"), "{shown:?}");
    sim.shutdown().await;
}

/// The long options a `--help` text lists.
fn long_options(help: &str) -> std::collections::BTreeSet<String> {
    help.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            // `--port <PORT>`, `-v, --verbose...`
            let rest = l.starts_with('-').then(|| l.split_once("--"))??.1;
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

#[test]
fn sim_takes_the_simulators_options_and_the_logging_ones() {
    use clap::{CommandFactory, Parser};
    #[derive(Parser)]
    struct Sim {
        #[command(flatten)]
        sim: systmone_sim::cli::SimArgs,
    }
    let help = systmone().args(["sim", "--help"]).output().unwrap();
    let listed = long_options(&String::from_utf8_lossy(&help.stdout));
    let mut expected: std::collections::BTreeSet<String> = Sim::command()
        .get_arguments()
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect();
    // As `systmone-sim` takes them (tested there), `--version` aside.
    for logging in ["verbose", "quiet", "color", "help"] {
        expected.insert(logging.to_string());
    }
    assert_eq!(listed, expected);
}

/// `systmone sim --audit FILE` writes the simulator's journal there; SYSTMONE_AUDIT (the
/// client's audit log, which holds no patient data) never does.
#[cfg(unix)]
#[test]
fn sim_audit_comes_from_the_command_line_only() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let client_log = dir.path().join("client-audit.jsonl");
    let trail = dir.path().join("trail.jsonl");
    for with_flag in [false, true] {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("systmone"));
        cmd.args(["sim", "--port", "0", "-q"])
            .env("SYSTMONE_AUDIT", &client_log)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        if with_flag {
            cmd.arg("--audit").arg(&trail);
        }
        let mut child = cmd.spawn().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("listening on"), "{line}");
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        assert!(child.wait().unwrap().success());
        assert!(
            !client_log.exists(),
            "SYSTMONE_AUDIT taken by the simulator"
        );
        assert_eq!(trail.exists(), with_flag);
    }
}

/// `--call-timeout` bounds the whole command's wait for a read, its retries included: a
/// read that never gets an answer is tried once within a 1 s budget, not three times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_call_timeout_bounds_a_read_with_its_retries() {
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        faults: vec!["drop%1".parse().unwrap()],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    known_device(dir.path());
    let mut cmd = against(&sim, dir.path());
    cmd.args(["--timeout", "1", "--call-timeout", "1", "functions"]);
    run(cmd).await.code(3).stderr(predicate::str::contains(
        "no answer from SystmOne within 1 s, the time allowed for the whole call (1 attempt); \
         see --call-timeout",
    ));
    let sent = sim.control().audit();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].outcome, systmone_sim::AuditOutcome::Dropped);
    sim.shutdown().await;
}

/// The issue's probe: with `--timeout` the one retry never ran (the budget was the
/// attempt's timeout). A read whose response is lost is now sent again after
/// `--timeout`, and succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_whose_response_is_lost_is_sent_again_after_the_timeout() {
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        faults: vec!["drop@1".parse().unwrap()],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    known_device(dir.path());
    let mut cmd = against(&sim, dir.path());
    cmd.args(["--timeout", "1", "-o", "xml", "functions"]);
    let started = std::time::Instant::now();
    run(cmd).await.success().stdout(predicate::str::contains(
        "<Function>GetFunctions</Function>",
    ));
    // The lost attempt's second, the backoff's, and the answer.
    assert!(started.elapsed() >= Duration::from_secs(2));
    let sent = sim.control().audit();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0].outcome, systmone_sim::AuditOutcome::Dropped);
    sim.shutdown().await;
}

/// A fake SystmOne on a free port that answers every GetPatientRecord with the record
/// of `answered` (the RequestUID echoed), and GetFunctions and GetReferenceData as
/// SystmOne would.
fn wrong_patient_peer(answered: &'static str) -> std::net::SocketAddr {
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
                        let body = match function.as_str() {
                            "GetFunctions" => ["GetFunctions", "GetPatientRecord", "GetReferenceData"]
                                .map(|f| format!("<SupportedFunction><Function>{f}</Function><Version>1.0</Version></SupportedFunction>"))
                                .concat(),
                            "GetPatientRecord" => format!(
                                "<Identity><NHSNumber>{answered}</NHSNumber></Identity>\
                                 <Demographics><FirstName>Other</FirstName><Surname>Person</Surname></Demographics>\
                                 <RecordState>Closed</RecordState>"
                            ),
                            _ => String::new(),
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

/// The issue's probe: `record 9434765919` answered with 4917111072's record. The
/// command refuses it (exit 8, nothing of it printed), and `extract` saves nothing
/// under 9434765919, records the refusal, and saves 4917111072's own record.
#[test]
fn a_record_for_another_patient_is_refused_and_never_saved() {
    let addr = wrong_patient_peer("4917111072").to_string();
    let dir = tempfile::tempdir().unwrap();
    let base = || {
        let mut cmd = systmone();
        cmd.args([
            "--addr",
            &addr,
            "--api-key",
            "f31e26725b5491f2",
            "--pacing",
            "off",
        ])
        .arg("--device-id-file")
        .arg(dir.path().join("device-id"));
        cmd
    };
    base()
        .args(["-o", "xml", "record", "9434765919", "--demographics"])
        .assert()
        .code(8)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "SystmOne answered GetPatientRecord for another patient (NHS number 4917111072) \
             than the one asked for (NHS number 9434765919)",
        ));
    let out = base()
        .args(["-o", "json", "record", "9434765919"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    let e = json_error(&out);
    assert_eq!(e["kind"], "wrong-patient");
    assert_eq!(e["exit_code"], 8);
    assert!(!e["request_uid"].as_str().unwrap().is_empty());

    let list = dir.path().join("numbers.txt");
    std::fs::write(&list, "9434765919\n4917111072\n").unwrap();
    let records = dir.path().join("records");
    base()
        .args(["extract", "--nhs-file"])
        .arg(&list)
        .arg("--out")
        .arg(&records)
        .assert()
        .code(8)
        .stderr(predicate::str::contains(
            "1 response(s) were for another patient",
        ));
    assert!(!records.join("9434765919.xml").exists());
    assert!(
        std::fs::read_to_string(records.join("4917111072.xml"))
            .unwrap()
            .contains("<NHSNumber>4917111072</NHSNumber>")
    );
    let refusals = std::fs::read_to_string(records.join("refusals.jsonl")).unwrap();
    let line: serde_json::Value = serde_json::from_str(refusals.trim()).unwrap();
    assert_eq!(line["asked"], "NHS number 9434765919");
    assert_eq!(line["answered"], "NHS number 4917111072");
    assert!(!line["request_uid"].as_str().unwrap().is_empty());
}

/// Temporary files an interrupted run left in the output directory are removed at the
/// next run; the records and refusals stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_removes_a_killed_runs_temporary_files_and_logs_no_nhs_number() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("records");
    std::fs::create_dir_all(&out).unwrap();
    let left = out.join(".extract-AbC123.tmp");
    std::fs::write(&left, "<ClientIntegrationResponse>half a rec").unwrap();
    let number = sim.control().practice().nhs_numbers[0].clone();
    let list = dir.path().join("numbers.txt");
    std::fs::write(&list, format!("{number}\n")).unwrap();
    let mut cmd = against(&sim, dir.path());
    cmd.args(["-v", "extract", "--demographics", "--nhs-file"])
        .arg(&list)
        .arg("--out")
        .arg(&out);
    let assert = run(cmd)
        .await
        .success()
        .stderr(predicate::str::contains(
            "removed 1 temporary file(s) an interrupted run left",
        ))
        .stderr(predicate::str::contains("saved record 1 of 1"));
    // Logs at info and the progress lines name positions, never the patient.
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(!stderr.contains(&number), "{stderr}");
    assert!(!left.exists());
    assert!(out.join(format!("{number}.xml")).exists());
    sim.shutdown().await;
}

#[test]
fn parse_stops_at_the_size_limit() {
    #[cfg(unix)]
    systmone()
        .args(["parse", "/dev/zero"])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "/dev/zero is larger than the limit of 64 MiB; raise the limit with --max-document-size",
        ));
    let file = fixtures().join("GetPatientRecord/v1.0/response.xml");
    systmone()
        .args(["--max-document-size", "100", "parse"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "is larger than the limit of 100 bytes",
        ));
    systmone()
        .env("SYSTMONE_MAX_DOCUMENT_SIZE", "1000000")
        .arg("parse")
        .arg(&file)
        .assert()
        .success();
}

/// `-vv` and `RUST_LOG` give debug logs; `-v` does not; a RUST_LOG that cannot be read
/// is said so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_logs_with_vv_or_rust_log() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    for (flags, env, debug) in [
        (&["-vv"][..], None, true),
        (&[][..], Some("debug"), true),
        (&[][..], Some("systmone_client=debug,warn"), true),
        (&["-v"][..], None, false),
    ] {
        let mut cmd = against(&sim, dir.path());
        cmd.args(flags).args(["-o", "xml", "functions"]);
        if let Some(env) = env {
            cmd.env("RUST_LOG", env);
        }
        let assert = run(cmd).await.success();
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert_eq!(
            stderr.contains("DEBUG") && stderr.contains("sending the request"),
            debug,
            "{flags:?} {env:?}: {stderr}"
        );
        assert!(!stderr.contains("f31e26725b5491f2"));
    }
    let mut cmd = against(&sim, dir.path());
    cmd.env("RUST_LOG", "systmone=loud")
        .args(["-o", "xml", "functions"]);
    run(cmd).await.success().stderr(predicate::str::contains(
        "RUST_LOG ignored: \"systmone=loud\"",
    ));
    sim.shutdown().await;
}

/// `localhost` is an address wherever one is asked for: the client's `--addr`, the
/// simulator's `--bind` and `--console`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn localhost_is_accepted_as_an_address() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = systmone();
    cmd.args(["--addr", &format!("localhost:{}", sim.addr().port())])
        .args(["--api-key", "f31e26725b5491f2", "--pacing", "off"])
        .arg("--device-id-file")
        .arg(dir.path().join("device-id"))
        .args(["-o", "xml", "functions"]);
    run(cmd).await.success().stdout(predicate::str::contains(
        "<Function>GetFunctions</Function>",
    ));
    sim.shutdown().await;

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("systmone"))
        .args([
            "sim",
            "--bind",
            "localhost",
            "--port",
            "0",
            "--console",
            "localhost:0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(first.contains("127.0.0.1:"), "{first}");
    assert!(second.contains("console on http://127.0.0.1:"), "{second}");
}

/// With SYSTMONE_* variables set, a usage error's usage line does not show the options
/// they set as if they were required (issue 25).
#[test]
fn the_usage_line_does_not_show_options_set_by_the_environment() {
    systmone()
        .env("SYSTMONE_API_KEY", "f31e26725b5491f2")
        .env("SYSTMONE_ADDR", "127.0.0.1:1")
        .arg("record")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "Usage: systmone record <NHS_NUMBER>",
        ))
        .stderr(predicate::str::contains("--api-key <").not());
}

/// A simulator whose user is asked to approve each new device (`--approve ask`),
/// giving up after `unanswered` without an answer.
async fn asking_simulator(unanswered: Duration) -> SimHandle {
    Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        approval: systmone_sim::Approval::Ask,
        approval_timeout: unanswered,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

/// Counts the prompts the simulator shows (each pending device has its own number)
/// while the returned task runs.
fn watch_prompts(
    sim: &SimHandle,
) -> (
    tokio::task::JoinHandle<()>,
    std::sync::Arc<std::sync::Mutex<std::collections::BTreeSet<u64>>>,
) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let control = sim.control();
    let kept = seen.clone();
    let task = tokio::spawn(async move {
        loop {
            for device in control.devices().pending {
                kept.lock().unwrap().insert(device.id);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    (task, seen)
}

/// Waits until a device is pending.
async fn wait_for_pending(sim: &SimHandle) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while sim.control().devices().pending.is_empty() {
        assert!(std::time::Instant::now() < deadline, "no device pending");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_contact_makes_one_prompt_and_says_to_approve_it() {
    let sim = asking_simulator(Duration::from_secs(60)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = against(&sim, dir.path());
    cmd.args(["--timeout", "500ms", "functions"]);
    let (watch, prompts) = watch_prompts(&sim);
    let command = tokio::task::spawn_blocking(move || cmd.output().unwrap());
    wait_for_pending(&sim).await;
    // A real wait (the client is another process, out of reach of a paused clock):
    // twice the client's response timeout here, far shorter than its approval wait.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        sim.control().devices().pending.len(),
        1,
        "one pending device"
    );
    sim.control().answer_oldest_pending(true).unwrap();
    let out = command.await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("approve this device in SystmOne on this PC: a prompt is showing"),
        "{stderr}"
    );
    assert!(!stderr.contains("throttle"), "{stderr}");
    let known = sim.control().devices().known.len();
    // The Device ID is kept: the next command makes no prompt.
    let mut cmd = against(&sim, dir.path());
    cmd.arg("functions");
    run(cmd).await.success();
    watch.abort();
    assert_eq!(prompts.lock().unwrap().len(), 1);
    assert_eq!(sim.control().devices().known.len(), known);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_prompt_ends_in_exit_code_9_with_one_prompt() {
    // The client gives up first (its --approval-wait), then the simulator's user.
    for (sim_gives_up, client_waits) in [(60, 2), (2, 30)] {
        let sim = asking_simulator(Duration::from_secs(sim_gives_up)).await;
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = against(&sim, dir.path());
        cmd.args(["--approval-wait", &client_waits.to_string(), "functions"]);
        let (watch, prompts) = watch_prompts(&sim);
        let started = std::time::Instant::now();
        let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap();
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(9), "{stderr}");
        assert!(stderr.contains("not approved yet"), "{stderr}");
        assert!(stderr.contains("a prompt is showing"), "{stderr}");
        assert!(!stderr.contains("throttle"), "{stderr}");
        assert!(!stderr.contains("retrying"), "{stderr}");
        assert!(took < Duration::from_secs(15), "{took:?}");
        watch.abort();
        assert_eq!(prompts.lock().unwrap().len(), 1, "{stderr}");
        eprintln!(
            "simulator gives up after {sim_gives_up} s, client after {client_waits} s: exit 9 in {took:?}"
        );
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_commands_making_first_contact_together_make_one_prompt() {
    let sim = asking_simulator(Duration::from_secs(60)).await;
    let dir = tempfile::tempdir().unwrap();
    let (watch, prompts) = watch_prompts(&sim);
    let commands: Vec<_> = (0..2)
        .map(|_| {
            let mut cmd = against(&sim, dir.path());
            cmd.arg("functions");
            tokio::task::spawn_blocking(move || cmd.output().unwrap())
        })
        .collect();
    wait_for_pending(&sim).await;
    // A real wait (two other processes): room for the second to make a prompt of its
    // own if the first-contact lock did not hold it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        sim.control().devices().pending.len(),
        1,
        "one pending device"
    );
    sim.control().answer_oldest_pending(true).unwrap();
    for command in commands {
        let out = command.await.unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    watch.abort();
    assert_eq!(prompts.lock().unwrap().len(), 1);
    sim.shutdown().await;
}

/// Version negotiation is asked once and kept beside the Device ID: two `search`
/// commands send one GetFunctions and two PatientSearches; `functions` and `compat`
/// still ask SystmOne; another address is asked on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_searches_negotiate_once() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let requests = |sim: &SimHandle, function: &str| {
        sim.control()
            .audit()
            .iter()
            .filter(|e| e.function == function)
            .count()
    };
    for _ in 0..2 {
        let mut cmd = against(&sim, dir.path());
        cmd.args(["search", "--surname", "Swift", "--first-name", "A"]);
        run(cmd).await.success();
    }
    assert_eq!(
        sim.control().audit().len(),
        3,
        "{:?}",
        sim.control().audit()
    );
    assert_eq!(requests(&sim, "GetFunctions"), 1);
    assert_eq!(requests(&sim, "PatientSearch"), 2);
    for command in ["functions", "compat"] {
        let mut cmd = against(&sim, dir.path());
        cmd.arg(command);
        run(cmd).await.success();
    }
    assert_eq!(
        requests(&sim, "GetFunctions"),
        3,
        "functions and compat ask"
    );
    let kept = std::fs::read_to_string(dir.path().join("functions")).unwrap();
    assert!(kept.contains(&sim.addr().to_string()), "{kept}");
    let other = simulator().await;
    let mut cmd = against(&other, dir.path());
    cmd.args(["search", "--surname", "Swift", "--first-name", "A"]);
    run(cmd).await.success();
    assert_eq!(requests(&other, "GetFunctions"), 1, "another address asks");
    sim.shutdown().await;
    other.shutdown().await;
}

/// A kept answer that does not offer the version called (SystmOne updated since) is
/// not taken as final: the client asks again and keeps the new answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_answer_without_the_version_is_asked_again() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    std::fs::write(
        dir.path().join("functions"),
        format!(
            "systmone-functions 1\n{}\t{now}\tGetFunctions=1.0;PatientSearch=0.9\n",
            sim.addr()
        ),
    )
    .unwrap();
    let mut cmd = against(&sim, dir.path());
    cmd.args(["search", "--surname", "Swift", "--first-name", "A"]);
    run(cmd).await.success();
    let functions = sim
        .control()
        .audit()
        .iter()
        .filter(|e| e.function == "GetFunctions")
        .count();
    assert_eq!(functions, 1);
    let kept = std::fs::read_to_string(dir.path().join("functions")).unwrap();
    assert!(kept.contains("PatientSearch=1.0"), "{kept}");
    sim.shutdown().await;
}

/// An address that is not HOST:PORT is refused before anything is sent (exit 1, at
/// once, saying what to type); a name that does not resolve is its own message (exit 3,
/// not retried); neither mentions the throttle.
#[test]
fn a_bad_or_unknown_address_says_what_to_type() {
    let dir = tempfile::tempdir().unwrap();
    for (addr, code, says) in [
        ("127.0.0.1", 1, "is not HOST:PORT (e.g. 127.0.0.1:40700"),
        ("127.0.0.1:", 1, "is not HOST:PORT"),
        ("http://127.0.0.1:40700", 1, "is not HOST:PORT"),
        (
            "nosuchhost.invalid:40700",
            3,
            "cannot find the host of nosuchhost.invalid:40700",
        ),
    ] {
        let started = std::time::Instant::now();
        let out = systmone()
            .args(["--addr", addr, "--api-key", "f31e26725b5491f2"])
            .arg("--device-id-file")
            .arg(dir.path().join("device-id"))
            .arg("functions")
            .output()
            .unwrap();
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{addr}: {stderr}");
        assert!(stderr.contains(says), "{addr}: {stderr}");
        assert!(!stderr.contains("throttle"), "{addr}: {stderr}");
        assert!(!stderr.contains("retrying"), "{addr}: {stderr}");
        assert!(took < Duration::from_secs(2), "{addr}: {took:?}");
    }
}
