//! The typed client against the simulator over loopback: every one of the 17 functions,
//! end to end through the generated bindings on both sides.

use std::sync::Arc;

use systmone_bindings::data_extract_v1_0::DataExtractParameters;
use systmone_bindings::delete_from_patient_record_v1_0::DeleteFromPatientRecordParameters;
use systmone_bindings::get_appointment_slots_v1_0::GetAppointmentSlotsParameters;
use systmone_bindings::get_diary_v1_0::{DiaryResultItem, GetDiaryParameters};
use systmone_bindings::get_document_v1_0::GetDocumentParameters;
use systmone_bindings::get_organisation_meta_data_v1_0::GetOrganisationMetaDataParameters;
use systmone_bindings::get_patient_record_v1_0::{GetPatientRecordParameters, PatientRecordFilter};
use systmone_bindings::get_xsd_files_v1_0::GetXsdFilesParameters;
use systmone_bindings::launch_functionality_v1_0::{
    LaunchFunctionalityParameters, LaunchFunctionalityParametersChoice,
};
use systmone_bindings::patient_search_v1_0::PatientSearchParameters;
use systmone_bindings::update_patient_record_v1_0::{
    UpdateNonClinical, UpdatePatientRecordParameters,
};
use systmone_client::{Client, ClientConfig, Error, MemoryStore, PacingLimits};
use systmone_core::{DateTime, DurationMinutes, Flag};
use systmone_sim::{SimConfig, Simulator, Throttle};
use systmone_types::{
    AppointmentChange, Clinic, Clinical, ClinicalCode, Code, DataItem, Event, Identity, PatientId,
    SchemeName, Slot,
};

fn identity(nhs: &str) -> Identity {
    Identity {
        extra: Default::default(),
        number: PatientId::NhsNumber(nhs.into()),
        strategic_reporting_identifier: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_function_through_the_typed_client() {
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let root = sim.root().to_path_buf();
    let control = sim.control();
    let mut config = ClientConfig::new("f31e26725b5491f2");
    config.addr = sim.addr().to_string();
    config.pacing = PacingLimits::off();
    let client = Client::builder(config)
        .device_store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();

    // GetFunctions: first contact allocates a Device ID.
    let functions = client.get_functions().await.unwrap();
    assert_eq!(functions.supported_function.len(), 17);
    assert!(client.device_id().unwrap().is_some());

    // GetOrganisationMetaData, logged-on user only.
    let org = client
        .get_organisation_meta_data(GetOrganisationMetaDataParameters {
            extra: Default::default(),
            logged_on_user_only: Some(String::new()),
        })
        .await
        .unwrap();
    assert_eq!(org.user.len(), 1);
    assert!(org.user[0].current_user.is_some());

    // UI state: nothing open, then a record opened in SystmOne's window.
    assert!(
        client
            .get_current_activity()
            .await
            .unwrap()
            .identity
            .is_none()
    );
    assert!(
        !client
            .is_patient_retrieved()
            .await
            .unwrap()
            .is_patient_retrieved
    );
    control.open_record("7835438275", true);
    assert!(
        client
            .is_patient_retrieved()
            .await
            .unwrap()
            .is_patient_retrieved
    );
    let selection = client.get_current_selection().await.unwrap();
    assert_eq!(
        selection.identity.map(|i| i.number),
        Some(PatientId::NhsNumber("7835438275".into()))
    );
    control.close_record();

    // PatientSearch and a demographics-only record.
    let found = client
        .patient_search(PatientSearchParameters {
            surname: Some("Swift".into()),
            first_name: Some("A".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.result.len(), 1);
    let record = client
        .get_patient_record(GetPatientRecordParameters {
            extra: Default::default(),
            identity: Some(found.result[0].identity.clone()),
            leave_record_open: None,
            filter: Some(PatientRecordFilter {
                demographics: Some(Flag),
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    assert_eq!(
        record.demographics.unwrap().surname.as_deref(),
        Some("Swift")
    );

    // Free slots, book the first, see it in the diary.
    let slots = client
        .get_appointment_slots(GetAppointmentSlotsParameters::default())
        .await
        .unwrap();
    let clinic = &slots.clinic[0];
    let slot = &clinic.slot[0];
    let booked = client
        .update_patient_record(UpdatePatientRecordParameters {
            identity: Some(identity("7835438275")),
            non_clinical: Some(UpdateNonClinical {
                appointment: vec![AppointmentChange {
                    clinic: Some(Clinic {
                        slot: vec![slot.clone()],
                        ..clinic.clone()
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(booked.appointment_uid.len(), 1);
    let diary = client
        .get_diary(GetDiaryParameters {
            user_name: vec![clinic.user_name.clone()],
            appointments: Some(Flag),
            ..Default::default()
        })
        .await
        .unwrap();
    let starts: Vec<&DateTime> = diary
        .result
        .iter()
        .flat_map(|r| &r.items)
        .filter_map(|item| match item {
            DiaryResultItem::Appointment(a) => a.clinic.slot.first().map(|s| &s.date_time_start),
            _ => None,
        })
        .collect();
    assert!(
        starts.contains(&&slot.date_time_start),
        "the booking is in the diary"
    );
    // The slot is no longer free: booking it again is refused.
    let again = client
        .update_patient_record(UpdatePatientRecordParameters {
            identity: Some(identity("6343800514")),
            non_clinical: Some(UpdateNonClinical {
                appointment: vec![AppointmentChange {
                    clinic: Some(Clinic {
                        slot: vec![Slot {
                            duration: DurationMinutes::from_minutes(10),
                            ..slot.clone()
                        }],
                        ..clinic.clone()
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(again, Error::Response { .. }), "{again}");

    // A coded entry added, then deleted (with a reason).
    let added = client
        .update_patient_record(UpdatePatientRecordParameters {
            identity: Some(identity("6343800514")),
            clinical: Some(Clinical {
                extra: Default::default(),
                event: vec![Event {
                    items: vec![DataItem::ClinicalCode(Box::new(ClinicalCode {
                        problem_uid: None,
                        problem_severity: None,
                        episodicity: None,
                        problem_end_date: None,
                        extra: Default::default(),
                        code: Code {
                            extra: Default::default(),
                            scheme: SchemeName::Ctv3,
                            code: "X505K".into(),
                            term: None,
                        },
                        value: None,
                        units: None,
                        comparator: None,
                        free_text: Some("added by a test".into()),
                        linked_problem_uid: Vec::new(),
                    }))],
                    ..Default::default()
                }],
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(added.event_uid.len(), 1);
    client
        .delete_from_patient_record(DeleteFromPatientRecordParameters {
            extra: Default::default(),
            identity: Some(identity("6343800514")),
            reason: "Entered in error by a test".into(),
            event_uid: added.event_uid.clone(),
            appointment_uid: Vec::new(),
            task_uid: Vec::new(),
            visit_uid: Vec::new(),
            leave_record_open: None,
        })
        .await
        .unwrap();

    // GetDocument writes the file inside the simulator's root.
    let docs = root.join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    let document = client
        .get_document(GetDocumentParameters {
            extra: Default::default(),
            identity: Some(identity("6640569094")),
            document_uid: "4093400000000000".into(),
            write_to: docs.display().to_string(),
            leave_record_open: None,
        })
        .await
        .unwrap();
    assert!(std::path::Path::new(&document.document_file[0]).is_file());

    // DataExtract, then the same CRC again is refused.
    let extracts = root.join("extracts");
    std::fs::create_dir_all(&extracts).unwrap();
    let extract = client
        .data_extract(DataExtractParameters {
            extra: Default::default(),
            sr_manifest_crc: None,
            directory: extracts.display().to_string(),
            name: "Data Extract 1".into(),
        })
        .await
        .unwrap();
    let same = client
        .data_extract(DataExtractParameters {
            extra: Default::default(),
            sr_manifest_crc: Some(extract.sr_manifest_crc),
            directory: extracts.display().to_string(),
            name: "Data Extract 1".into(),
        })
        .await
        .unwrap_err();
    assert!(matches!(same, Error::Response { .. }), "{same}");

    // LaunchFunctionality opens the record in SystmOne's window.
    let launched = client
        .launch_functionality(LaunchFunctionalityParameters {
            extra: Default::default(),
            identity: identity("4994354243"),
            choice: Some(LaunchFunctionalityParametersChoice::ClinicalCode(
                ClinicalCode {
                    problem_uid: None,
                    problem_severity: None,
                    episodicity: None,
                    problem_end_date: None,
                    extra: Default::default(),
                    code: Code {
                        extra: Default::default(),
                        scheme: SchemeName::Ctv3,
                        code: "H33..".into(),
                        term: None,
                    },
                    value: None,
                    units: None,
                    comparator: None,
                    free_text: None,
                    linked_problem_uid: Vec::new(),
                },
            )),
        })
        .await
        .unwrap();
    assert_eq!(
        launched.identity.number,
        PatientId::NhsNumber("4994354243".into())
    );
    assert!(
        client
            .is_patient_retrieved()
            .await
            .unwrap()
            .is_patient_retrieved
    );

    // GetXSDFiles lists every function; GetReferenceData has the height code.
    std::fs::create_dir_all(root.join("xsd")).unwrap();
    let xsd = client
        .get_xsd_files(GetXsdFilesParameters {
            extra: Default::default(),
            path: Some(root.join("xsd").display().to_string()),
        })
        .await
        .unwrap();
    assert_eq!(xsd.xsd.len(), 17);
    let reference = client.get_reference_data().await.unwrap();
    assert!(
        reference
            .numeric_read_code_units
            .iter()
            .any(|u| u.code == "229..")
    );

    // ExitClient answers, then the simulator stops.
    client.exit_client().await.unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), sim.wait())
        .await
        .expect("the simulator exits after ExitClient");
}

/// The simulator answers each filter with what it asks for, as SystmOne does: the
/// client's check of a filtered record (`Reply::unasked`) finds nothing beyond it, for
/// each kind of data on its own and for a few mixtures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_sends_no_more_than_each_filter_asks_for() {
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
    let f = PatientRecordFilter::default;
    let on = Some(Flag);
    let filters = [
        PatientRecordFilter {
            demographics: on,
            ..f()
        },
        PatientRecordFilter {
            appointments: on,
            ..f()
        },
        PatientRecordFilter { visits: on, ..f() },
        PatientRecordFilter { tasks: on, ..f() },
        PatientRecordFilter {
            clinical_codes: on,
            ..f()
        },
        PatientRecordFilter {
            medication: on,
            ..f()
        },
        PatientRecordFilter {
            sensitivities: on,
            ..f()
        },
        PatientRecordFilter { letters: on, ..f() },
        PatientRecordFilter {
            attachments: on,
            ..f()
        },
        PatientRecordFilter {
            narrative: on,
            ..f()
        },
        PatientRecordFilter {
            results: on,
            vaccinations: on,
            ..f()
        },
        PatientRecordFilter {
            demographics: on,
            medication: on,
            tasks: on,
            ..f()
        },
    ];
    let mut full = 0;
    for filter in filters {
        let reply = client
            .call_detailed::<systmone_bindings::get_patient_record_v1_0::GetPatientRecordV1_0>(
                GetPatientRecordParameters {
                    identity: Some(identity("7835438275")),
                    leave_record_open: None,
                    filter: Some(filter.clone()),
                    extra: Default::default(),
                },
            )
            .await
            .unwrap();
        assert!(reply.unasked.is_empty(), "{filter:?}: {:?}", reply.unasked);
        full += usize::from(reply.result.clinical.is_some());
    }
    assert!(full > 0, "some filters returned clinical data to check");
    sim.shutdown().await;
}
