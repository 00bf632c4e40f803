//! The maintainer's loop, walked end to end against `systmone sim --skew` (a newer
//! SystmOne, its schemas written as SystmOne writes them: request only, F13):
//! conformance reports drift; GetXSDFiles and `fetch::install` (what `cargo xtask
//! fetch-xsd` does) keep the release's files byte for byte in a temporary copy's
//! `xsd/systmone/skew/`, the contract untouched; `absorb --apply` of the first run's
//! conformance report (`--json`) types the response departures (an optional element
//! and attribute) into the common types, flagged as types a request uses too;
//! `reconcile --apply` finds the release's UpdatePatientRecord request accepting them
//! (nothing missing) and writes our `GetPatientRecord v1.1.xsd` from our v1.0 (its
//! response typed); `cargo xtask codegen` there produces a `GetPatientRecord v1.1`
//! crate and bindings that compile; the kit built with them (`systmone-conformance`)
//! passes, no drift, against the same simulator. No drift is accepted: the skew adds
//! only what absorb can type, and in a type requests share only what the release's
//! request schema accepts too (else the kit rightly reports ours sending more).
//!
//! It builds the copy's crates in the workspace's own target directory (the copy is
//! another path, so its crates are built beside ours and the dependencies are reused),
//! which still takes about a minute on CI's two cores: ignored by `cargo test`, run by
//! `.ci/run` as its own step (`cargo nextest run --workspace --run-ignored only -E
//! 'binary(maintainer_loop)'`, or `cargo test --workspace --test maintainer_loop --
//! --ignored`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use systmone_bindings::get_xsd_files_v1_0::GetXsdFilesParameters;
use systmone_client::{Client, ClientConfig, MemoryStore, PacingLimits};
use systmone_conformance::{EXIT_DRIFT, Kit, RunOptions, TestPatients};
use systmone_sim::{DOCUMENT_API_KEYS, Practice, SimConfig, Simulator, Throttle};
use systmone_upkeep::absorb::{self, Limits};
use systmone_upkeep::fetch::{Listed, Status};
use systmone_upkeep::reconcile;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Copies the workspace's sources (no `target/`, no `.git`).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&entry.path(), &to.join(&name));
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

/// The schema files directly in `dir`, with their contents.
fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn cargo(dir: &Path, target: &Path, args: &[&str]) {
    let started = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .status()
        .unwrap();
    eprintln!(
        "cargo {} took {:.0} s",
        args.join(" "),
        started.elapsed().as_secs_f64()
    );
    assert!(status.success(), "cargo {args:?} failed");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "builds a copy of the workspace (minutes): .ci/run runs it as its own step"]
async fn drift_fetch_reconcile_absorb_codegen_then_conformance_passes() {
    let root = tempfile::tempdir().unwrap();
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        skew: true,
        root: Some(root.path().to_path_buf()),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mut config = ClientConfig::new(DOCUMENT_API_KEYS[0]);
    config.addr = sim.addr().to_string();
    config.pacing = PacingLimits::off();
    config.response_timeout = Duration::from_secs(30);
    let client = Client::builder(config)
        .device_store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();
    let patients_toml = systmone_sim::practice::test_patients_toml(&Practice::generate(
        1,
        chrono::Local::now().date_naive(),
    ));

    // 1. Conformance with the shipped bindings: drift.
    let kit = Kit::new(
        client.clone(),
        RunOptions {
            test_patients: TestPatients::parse(&patients_toml).unwrap(),
            allow_writes: true,
            target: "skew".into(),
            ..RunOptions::default()
        },
    )
    .unwrap();
    let report = kit.run(|_| {}).await.unwrap();
    assert_eq!(report.exit_code(), EXIT_DRIFT, "{}", report.to_table());
    let report_json = report.to_json();

    // 2. A temporary copy of the workspace; the newer XSDs fetched, kept as written, in
    // its xsd/systmone/skew/.
    let loop_dir = workspace().join("target/maintainer-loop");
    let copy = loop_dir.join("workspace");
    let _ = std::fs::remove_dir_all(&copy);
    copy_tree(&workspace(), &copy);
    let ours = copy.join("xsd");
    let contract_before = listing(&ours);
    let remote = root.path().join("xsd");
    std::fs::create_dir_all(&remote).unwrap();
    let written = client
        .get_xsd_files(GetXsdFilesParameters {
            extra: Default::default(),
            path: Some(remote.display().to_string()),
        })
        .await
        .unwrap();
    let listed: Vec<Listed> = written
        .xsd
        .into_iter()
        .map(|x| Listed {
            function: x.function,
            version: x.version,
            result: x.result,
        })
        .collect();
    let theirs = ours.join("systmone/skew");
    let fetched = systmone_upkeep::fetch::install(&remote, &listed, &theirs).unwrap();
    assert_eq!(fetched.failed(), 0, "{}", fetched.to_text());
    assert!(
        fetched
            .files
            .iter()
            .any(|f| f.file == "GetPatientRecord v1.1.xsd" && f.status == Status::New),
        "{}",
        fetched.to_text()
    );
    let v1_1 = "GetPatientRecord v1.1.xsd";
    assert_eq!(
        std::fs::read(theirs.join(v1_1)).unwrap(),
        std::fs::read(remote.join(v1_1)).unwrap(),
        "kept byte for byte"
    );
    assert_eq!(
        listing(&ours),
        contract_before,
        "fetch writes no file of ours"
    );

    // 3. Absorb the response departures the first run reported: into the common types,
    // flagged as types UpdatePatientRecord's request uses too.
    let evidence = loop_dir.join("conformance.json");
    std::fs::write(&evidence, report_json).unwrap();
    let absorbed = absorb::absorb(&[evidence], &ours, &Limits::default()).unwrap();
    let text = absorbed.to_text(&copy);
    eprintln!("{text}");
    assert!(absorbed.left.is_empty(), "{text}");
    for departure in ["PreferredPronouns", "@Confidentiality"] {
        assert!(
            absorbed
                .proposals
                .iter()
                .any(|p| p.path.ends_with(departure)
                    && p.in_requests
                        .iter()
                        .any(|f| f.contains("UpdatePatientRecord"))),
            "{departure} not absorbed:\n{text}"
        );
    }
    absorbed.write().unwrap();

    // 4. Reconcile with the release's files: its UpdatePatientRecord request accepts
    // what absorb made sendable (nothing missing); the new version becomes a file of
    // ours, written from our v1.0.
    let report = reconcile::reconcile(&theirs, &ours).unwrap();
    let text = report.to_text();
    eprintln!("{text}");
    assert_eq!(report.to_apply(), 1, "{text}");
    let applied = reconcile::apply(&theirs, &ours, &report).unwrap();
    assert_eq!(applied.len(), 1, "{applied:?}");
    assert!(ours.join(v1_1).is_file(), "{applied:?}");
    assert_eq!(
        reconcile::reconcile(&theirs, &ours).unwrap().to_apply(),
        0,
        "reconciled"
    );

    // 5. Codegen in the copy, then the kit built with the new bindings.
    // The workspace's own target directory: the dependencies the tests built are
    // reused, and the copy's crates (another path) are built beside ours.
    let target = workspace().join("target");
    cargo(
        &copy,
        &target,
        &[
            "run",
            "--quiet",
            "-p",
            "xtask",
            "--no-default-features",
            "--",
            "codegen",
        ],
    );
    assert!(
        copy.join("crates/functions/get_patient_record_v1_1/Cargo.toml")
            .is_file()
    );
    cargo(
        &copy,
        &target,
        &[
            "build",
            "-p",
            "systmone-conformance",
            "--bin",
            "systmone-conformance",
        ],
    );

    // 6. Conformance with the new bindings passes, writes included.
    let patients = loop_dir.join("patients.toml");
    std::fs::write(&patients, &patients_toml).unwrap();
    let binary = target.join("debug/systmone-conformance");
    let addr = sim.addr().to_string();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(binary)
            .args([
                "--addr",
                &addr,
                "--api-key",
                DOCUMENT_API_KEYS[0],
                "--pacing",
                "off",
            ])
            .arg("--test-patients")
            .arg(&patients)
            .arg("--allow-writes")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{table}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(table.contains(" 0 drift, 0 failed, 0 skipped"), "{table}");
    sim.shutdown().await;
}
