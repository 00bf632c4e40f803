//! What the proxy tests share: a session of the typed client over every function, and
//! the simulator's practice identifiers.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use systmone_bindings::data_extract_v1_0::DataExtractParameters;
use systmone_bindings::delete_from_patient_record_v1_0::DeleteFromPatientRecordParameters;
use systmone_bindings::get_appointment_slots_v1_0::GetAppointmentSlotsParameters;
use systmone_bindings::get_diary_v1_0::GetDiaryParameters;
use systmone_bindings::get_document_v1_0::GetDocumentParameters;
use systmone_bindings::get_organisation_meta_data_v1_0::GetOrganisationMetaDataParameters;
use systmone_bindings::get_patient_record_v1_0::GetPatientRecordParameters;
use systmone_bindings::get_xsd_files_v1_0::GetXsdFilesParameters;
use systmone_bindings::launch_functionality_v1_0::{
    LaunchFunctionalityParameters, LaunchFunctionalityParametersChoice,
};
use systmone_bindings::patient_search_v1_0::PatientSearchParameters;
use systmone_bindings::update_patient_record_v1_0::{
    UpdateNonClinical, UpdatePatientRecordParameters,
};
use systmone_client::{Client, ClientConfig, MemoryStore, PacingLimits, RetryPolicy};
use systmone_core::Flag;
use systmone_sim::{Control, SimConfig, SimHandle, Simulator, Throttle};
use systmone_types::{
    AppointmentChange, Clinic, Clinical, ClinicalCode, Code, DataItem, Event, Identity, PatientId,
    SchemeName,
};

pub const API_KEY: &str = "f31e26725b5491f2";

pub async fn simulator(root: &Path, faults: &[&str]) -> SimHandle {
    simulator_with(root, faults, false).await
}

/// The simulator, behaving like a newer SystmOne (`--skew`) when `skew` is set.
pub async fn simulator_with(root: &Path, faults: &[&str], skew: bool) -> SimHandle {
    Simulator::start(SimConfig {
        skew,
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        root: Some(root.to_path_buf()),
        faults: faults.iter().map(|f| f.parse().unwrap()).collect(),
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

pub fn client(addr: SocketAddr) -> Client {
    let mut config = ClientConfig::new(API_KEY);
    config.addr = addr.to_string();
    config.pacing = PacingLimits::off();
    config.response_timeout = Duration::from_secs(2);
    config.retry = RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
    };
    Client::builder(config)
        .device_store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap()
}

pub fn identity(nhs: &str) -> Identity {
    Identity {
        extra: Default::default(),
        number: PatientId::NhsNumber(nhs.into()),
        strategic_reporting_identifier: None,
    }
}

fn code(code: &str) -> ClinicalCode {
    ClinicalCode {
        problem_uid: None,
        problem_severity: None,
        episodicity: None,
        problem_end_date: None,
        extra: Default::default(),
        code: Code {
            extra: Default::default(),
            scheme: SchemeName::Ctv3,
            code: code.into(),
            term: None,
        },
        value: None,
        units: None,
        comparator: None,
        free_text: Some("added through the proxy".into()),
        linked_problem_uid: Vec::new(),
    }
}

/// Every function of the interface, as an integration would call them: the typed
/// results (or errors) in order, as Debug text.
pub async fn every_function(client: &Client, control: &Control, root: &Path) -> Vec<String> {
    let mut results = Vec::new();
    macro_rules! record {
        ($e:expr) => {{
            let r = $e.await;
            results.push(format!("{r:?}"));
            r
        }};
    }
    let _ = record!(client.get_functions());
    let _ = record!(
        client.get_organisation_meta_data(GetOrganisationMetaDataParameters {
            extra: Default::default(),
            logged_on_user_only: None,
        })
    );
    let _ = record!(client.get_current_activity());
    let _ = record!(client.is_patient_retrieved());
    control.open_record("7835438275", true);
    let _ = record!(client.is_patient_retrieved());
    let _ = record!(client.get_current_selection());
    control.close_record();
    let found = record!(client.patient_search(PatientSearchParameters {
        surname: Some("Swift".into()),
        first_name: Some("A".into()),
        ..Default::default()
    }));
    for number in ["7835438275", "6343800514", "6640569094"] {
        let _ = record!(client.get_patient_record(GetPatientRecordParameters {
            extra: Default::default(),
            identity: Some(identity(number)),
            leave_record_open: None,
            filter: None,
        }));
    }
    if let Ok(found) = found {
        for result in found.result {
            let _ = record!(client.get_patient_record(GetPatientRecordParameters {
                extra: Default::default(),
                identity: Some(result.identity.clone()),
                leave_record_open: None,
                filter: None,
            }));
        }
    }
    let slots = record!(client.get_appointment_slots(GetAppointmentSlotsParameters::default()));
    if let Ok(slots) = slots {
        let clinic = &slots.clinic[0];
        let _ = record!(client.update_patient_record(UpdatePatientRecordParameters {
            identity: Some(identity("7835438275")),
            non_clinical: Some(UpdateNonClinical {
                appointment: vec![AppointmentChange {
                    clinic: Some(Clinic {
                        slot: vec![clinic.slot[0].clone()],
                        ..clinic.clone()
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        }));
        let _ = record!(client.get_diary(GetDiaryParameters {
            user_name: vec![clinic.user_name.clone()],
            appointments: Some(Flag),
            ..Default::default()
        }));
    }
    let added = record!(client.update_patient_record(UpdatePatientRecordParameters {
        identity: Some(identity("6343800514")),
        clinical: Some(Clinical {
            extra: Default::default(),
            event: vec![Event {
                items: vec![DataItem::ClinicalCode(Box::new(code("X505K")))],
                ..Default::default()
            }],
        }),
        ..Default::default()
    }));
    if let Ok(added) = added {
        let _ = record!(
            client.delete_from_patient_record(DeleteFromPatientRecordParameters {
                extra: Default::default(),
                identity: Some(identity("6343800514")),
                reason: "Entered in error".into(),
                event_uid: added.event_uid.clone(),
                appointment_uid: Vec::new(),
                task_uid: Vec::new(),
                visit_uid: Vec::new(),
                leave_record_open: None,
            })
        );
    }
    let docs = root.join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    let _ = record!(client.get_document(GetDocumentParameters {
        extra: Default::default(),
        identity: Some(identity("6640569094")),
        document_uid: "4093400000000000".into(),
        write_to: docs.display().to_string(),
        leave_record_open: None,
    }));
    let extracts = root.join("extracts");
    std::fs::create_dir_all(&extracts).unwrap();
    let _ = record!(client.data_extract(DataExtractParameters {
        extra: Default::default(),
        sr_manifest_crc: None,
        directory: extracts.display().to_string(),
        name: "Data Extract 1".into(),
    }));
    let _ = record!(client.launch_functionality(LaunchFunctionalityParameters {
        extra: Default::default(),
        identity: identity("4994354243"),
        choice: Some(LaunchFunctionalityParametersChoice::ClinicalCode(code(
            "H33.."
        ))),
    }));
    std::fs::create_dir_all(root.join("xsd")).unwrap();
    let _ = record!(client.get_xsd_files(GetXsdFilesParameters {
        extra: Default::default(),
        path: Some(root.join("xsd").display().to_string()),
    }));
    let _ = record!(client.get_reference_data());
    let _ = record!(client.exit_client());
    results
}

/// Every identifying value of the simulator's practice's patients (seed 1, generated
/// for today) whose number `traffic` holds: the patients that passed through.
pub fn practice_identifiers(traffic: &str) -> (usize, Vec<(String, String)>) {
    let practice = systmone_sim::Practice::generate(1, chrono::Local::now().date_naive());
    let mut out = Vec::new();
    let mut patients = 0;
    for p in &practice.patients {
        if !holds_word(traffic, p.key()) {
            continue;
        }
        patients += 1;
        let mut push = |what: &str, value: &str| {
            if !value.trim().is_empty() {
                out.push((what.to_string(), value.trim().to_string()));
            }
        };
        if let Some(n) = &p.nhs_number {
            push("NHS number", n);
        }
        if let Some(n) = &p.pseudo_number {
            push("pseudo number", n);
        }
        push("first name", &p.first_name);
        push("middle names", &p.middle_names);
        push("surname", &p.surname);
        push("known as", &p.known_as);
        push(
            "date of birth",
            &p.date_of_birth.format("%Y-%m-%d").to_string(),
        );
        if let Some(a) = &p.address {
            push("house name", &a.house_name);
            push("road", &a.road);
            push("postcode", &a.postcode);
        }
        push("home telephone", &p.home_telephone);
        push("work telephone", &p.work_telephone);
        push("mobile telephone", &p.mobile_telephone);
        push("alternate telephone", &p.alternate_telephone);
        push("email", &p.email);
    }
    (patients, out)
}

/// Whether `text` holds `value` as a whole word, ignoring ASCII case.
pub fn holds_word(text: &str, value: &str) -> bool {
    let haystack = text.to_ascii_lowercase();
    let needle = value.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = haystack[from..].find(&needle) {
        let start = from + at;
        let end = start + needle.len();
        let edge = |c: Option<char>, e: char| match c {
            None => true,
            Some(c) if e.is_ascii_digit() => !c.is_ascii_digit(),
            Some(c) => !c.is_alphanumeric(),
        };
        if edge(
            haystack[..start].chars().next_back(),
            needle.chars().next().unwrap(),
        ) && edge(
            haystack[end..].chars().next(),
            needle.chars().last().unwrap(),
        ) {
            return true;
        }
        from = end;
    }
    false
}
