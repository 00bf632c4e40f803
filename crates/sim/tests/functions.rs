//! Every function, with the document's examples where it gives them.

mod common;

use common::*;
use systmone_bindings::data_extract_v1_0::{DataExtractParameters, DataExtractV1_0};
use systmone_bindings::delete_from_patient_record_v1_0::{
    DeleteFromPatientRecordParameters, DeleteFromPatientRecordV1_0,
};
use systmone_bindings::get_appointment_slots_v1_0::{
    GetAppointmentSlotsParameters, GetAppointmentSlotsV1_0,
};
use systmone_bindings::get_current_activity_v1_0::{
    GetCurrentActivityParameters, GetCurrentActivityV1_0,
};
use systmone_bindings::get_current_selection_v1_0::{
    GetCurrentSelectionParameters, GetCurrentSelectionV1_0,
};
use systmone_bindings::get_diary_v1_0::{DiaryResultItem, GetDiaryParameters, GetDiaryV1_0};
use systmone_bindings::get_document_v1_0::{GetDocumentParameters, GetDocumentV1_0};
use systmone_bindings::get_functions_v1_0::{GetFunctionsParameters, GetFunctionsV1_0};
use systmone_bindings::get_organisation_meta_data_v1_0::{
    GetOrganisationMetaDataParameters, GetOrganisationMetaDataV1_0,
};
use systmone_bindings::get_patient_record_v1_0::{
    GetPatientRecordParameters, GetPatientRecordResult, GetPatientRecordV1_0, PatientRecordFilter,
};
use systmone_bindings::get_reference_data_v1_0::{
    GetReferenceDataParameters, GetReferenceDataV1_0,
};
use systmone_bindings::get_xsd_files_v1_0::{GetXsdFilesParameters, GetXsdFilesV1_0};
use systmone_bindings::is_patient_retrieved_v1_0::{
    IsPatientRetrievedParameters, IsPatientRetrievedV1_0,
};
use systmone_bindings::launch_functionality_v1_0::{
    LaunchFunctionalityParameters, LaunchFunctionalityParametersChoice, LaunchFunctionalityV1_0,
};
use systmone_bindings::patient_search_v1_0::{PatientSearchParameters, PatientSearchV1_0};
use systmone_bindings::update_patient_record_v1_0::{
    UpdateNonClinical, UpdatePatientRecordParameters, UpdatePatientRecordV1_0,
};
use systmone_core::{CodeScheme, Date, DrugScheme, Flag, OutputScheme, Response};
use systmone_sim::nhs_number_is_valid;
use systmone_types::*;

fn filter() -> PatientRecordFilter {
    PatientRecordFilter::default()
}

fn gpr(number: Option<&str>, f: Option<PatientRecordFilter>) -> GetPatientRecordParameters {
    GetPatientRecordParameters {
        extra: Default::default(),
        identity: number.map(nhs),
        leave_record_open: None,
        filter: f,
    }
}

fn codes(r: &GetPatientRecordResult) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in &r.clinical.as_ref().unwrap().event {
        for i in &e.items {
            if let DataItem::ClinicalCode(c) = i {
                out.push((c.code.scheme.to_string(), c.code.code.clone()));
            }
        }
    }
    out
}

fn event(items: Vec<DataItem>) -> Event {
    Event {
        extra: Default::default(),
        date_time: None,
        user_name: None,
        done_by: None,
        done_at: None,
        method: None,
        software: None,
        linked_referral_uid: None,
        event_uid: None,
        items,
    }
}

fn code_item(scheme: SchemeName, code: &str) -> DataItem {
    DataItem::ClinicalCode(Box::new(ClinicalCode {
        problem_uid: None,
        problem_severity: None,
        episodicity: None,
        problem_end_date: None,
        extra: Default::default(),
        code: Code {
            extra: Default::default(),
            scheme,
            code: code.into(),
            term: None,
        },
        value: None,
        units: None,
        comparator: None,
        free_text: Some("optional comments".into()),
        linked_problem_uid: vec![],
    }))
}

fn update(number: &str) -> UpdatePatientRecordParameters {
    UpdatePatientRecordParameters {
        extra: Default::default(),
        identity: Some(nhs(number)),
        demographics: None,
        clinical: None,
        non_clinical: None,
        leave_record_open: None,
    }
}

fn delete(number: &str, events: Vec<String>) -> DeleteFromPatientRecordParameters {
    DeleteFromPatientRecordParameters {
        extra: Default::default(),
        identity: Some(nhs(number)),
        reason: "Wrong data inserted".into(),
        event_uid: events,
        appointment_uid: vec![],
        task_uid: vec![],
        visit_uid: vec![],
        leave_record_open: None,
    }
}

#[tokio::test]
async fn discovery_and_ui_state() {
    let sim = start().await;
    let mut c = Conn::connect(&sim).await;
    let f = c
        .ok::<GetFunctionsV1_0>(GetFunctionsParameters::default())
        .await;
    let names: Vec<_> = f
        .supported_function
        .iter()
        .map(|s| s.function.as_str())
        .collect();
    assert_eq!(names.len(), 17);
    assert!(names.contains(&"DeleteFromPatientRecord"));
    assert!(names.contains(&"GetReferenceData"));
    assert!(f.supported_function.iter().all(|s| s.version == ["1.0"]));

    let me = c
        .ok::<GetOrganisationMetaDataV1_0>(GetOrganisationMetaDataParameters {
            extra: Default::default(),
            logged_on_user_only: Some(String::new()),
        })
        .await;
    assert_eq!(me.user.len(), 1);
    assert_eq!(me.user[0].user_name, "dlittler2405");
    assert_eq!(me.user[0].national_id.as_deref(), Some("2672881"));
    assert!(me.user[0].current_user.is_some());
    assert_eq!(me.site.len(), 1);
    assert_eq!(me.site[0].id, "B11111");
    let all = c
        .ok::<GetOrganisationMetaDataV1_0>(GetOrganisationMetaDataParameters {
            extra: Default::default(),
            logged_on_user_only: None,
        })
        .await;
    assert!(all.user.len() >= 4 && all.site.len() >= 2);
    assert!(
        all.slot_type
            .contains(&"Telephone Appointment Slot".to_string())
    );
    assert!(all.clinic_type.contains(&"Nurse Clinic".to_string()));

    let retrieved = c
        .ok::<IsPatientRetrievedV1_0>(IsPatientRetrievedParameters::default())
        .await;
    assert!(!retrieved.is_patient_retrieved);
    let control = sim.control();
    control.open_record("7737976078", true);
    control.set_activity(
        [
            "Patient Actions",
            "Prescribing",
            "New Acute",
            "Record Acute Medication",
        ]
        .map(String::from)
        .to_vec(),
    );
    control.set_selection(vec![CurrentSelectionItem::Drug(Drug {
        extra: Default::default(),
        scheme: SchemeName::Multilex,
        product_id: "1004531".into(),
        pack_id: None,
        name: Some("Paracetamol 500mg soluble tablets".into()),
    })]);
    let a = c
        .ok::<GetCurrentActivityV1_0>(GetCurrentActivityParameters::default())
        .await;
    assert_eq!(a.activity.len(), 4);
    assert_eq!(
        a.identity.unwrap().strategic_reporting_identifier,
        Some(665584)
    );
    assert_eq!(a.current_selection.unwrap().items.len(), 1);
    // Dm+d on request.
    let mut req = c.request::<GetCurrentSelectionV1_0>(GetCurrentSelectionParameters::default());
    req.output_scheme = Some(OutputScheme {
        extra: Default::default(),
        drugs: Some(DrugScheme::Dmd),
        codes: None,
    });
    let s = success(c.send::<GetCurrentSelectionV1_0>(&req).await);
    match &s.current_selection.items[0] {
        CurrentSelectionItem::Drug(d) => assert_eq!(d.scheme, SchemeName::Dmd),
        other => panic!("{other:?}"),
    }
    assert!(
        c.ok::<IsPatientRetrievedV1_0>(IsPatientRetrievedParameters::default())
            .await
            .is_patient_retrieved
    );
    // The document's template (no FunctionParameters, E4).
    c.send_raw(
        b"<ClientIntegrationRequest><APIKey>f31e26725b5491f2</APIKey><DeviceID>392752167bd7f69b</DeviceID>\
<DeviceVersion>v1.0</DeviceVersion><RequestUID>1807F6D0-B344-11E3-A459-010000004280</RequestUID>\
<Function>GetCurrentActivity</Function><FunctionVersion>1.0</FunctionVersion></ClientIntegrationRequest>\n",
    )
    .await;
    let reply = c.read().await;
    assert!(
        reply.contains("<NHSNumber>7737976078</NHSNumber>"),
        "{reply}"
    );
    let refdata = c
        .ok::<GetReferenceDataV1_0>(GetReferenceDataParameters::default())
        .await;
    assert!(
        refdata
            .numeric_read_code_units
            .iter()
            .any(|u| u.code == "229.." && u.units == "m")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn patient_search_rules() {
    let sim = start().await;
    let mut c = Conn::connect(&sim).await;
    let p = |first: Option<&str>, surname: Option<&str>, post: Option<&str>, tel: Option<&str>| {
        PatientSearchParameters {
            extra: Default::default(),
            date_of_birth: None,
            post_code: post.map(String::from),
            first_name: first.map(String::from),
            surname: surname.map(String::from),
            telephone: tel.map(String::from),
            gender: None,
        }
    };
    let e = c
        .err::<PatientSearchV1_0>(p(Some("Drew"), None, None, None))
        .await;
    assert_eq!(
        e.message,
        "At least two search parameters must be specified"
    );
    assert!(e.permanent);
    // Prefixes, case-insensitive; postcode area.
    let r = c
        .ok::<PatientSearchV1_0>(p(Some("jas"), Some("SAF"), Some("LS18"), None))
        .await;
    assert_eq!(r.result.len(), 1);
    assert_eq!(
        r.result[0].identity.number,
        PatientId::PseudoNumber("0001980947".into())
    );
    assert_eq!(
        r.result[0].identity.strategic_reporting_identifier,
        Some(88110)
    );
    // Full postcode must match exactly.
    let r = c
        .ok::<PatientSearchV1_0>(p(Some("J"), None, Some("LS18 4LB"), None))
        .await;
    assert!(
        r.result
            .iter()
            .any(|m| m.surname.as_deref() == Some("Saffer"))
    );
    let r = c
        .ok::<PatientSearchV1_0>(p(Some("J"), None, Some("LS18 5TN"), None))
        .await;
    assert!(
        !r.result
            .iter()
            .any(|m| m.surname.as_deref() == Some("Saffer"))
    );
    // DOB and gender.
    let mut q = p(None, None, None, None);
    q.date_of_birth = Some("1989-02-08".parse::<Date>().unwrap());
    q.gender = Some(SearchGender::M);
    let r = c.ok::<PatientSearchV1_0>(q).await;
    assert!(
        r.result
            .iter()
            .any(|m| m.first_name.as_deref() == Some("Miguel"))
    );
    // Telephone: every phone field (find a generated patient's mobile number).
    let practice = sim.control().practice_data();
    let pt = practice
        .patients
        .iter()
        .find(|p| !p.mobile_telephone.is_empty() && p.home_telephone.is_empty())
        .unwrap();
    let r = c
        .ok::<PatientSearchV1_0>(p(None, Some(&pt.surname), None, Some(&pt.mobile_telephone)))
        .await;
    assert!(
        r.result
            .iter()
            .any(|m| m.identity.number == PatientId::NhsNumber(pt.key().into()))
    );
    // No match is not an error.
    let r = c
        .ok::<PatientSearchV1_0>(p(Some("Zzz"), Some("Zzz"), None, None))
        .await;
    assert!(r.result.is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn patient_record_and_filters() {
    let sim = start().await;
    let mut c = Conn::connect(&sim).await;
    let summary = sim.control().practice();
    assert!(summary.patient_count >= 300);
    assert!(summary.nhs_numbers.iter().all(|n| nhs_number_is_valid(n)));
    assert!(summary.pseudo_numbers.len() >= 10);
    // Whole record of the document's patient.
    let r = c
        .ok::<GetPatientRecordV1_0>(gpr(Some("7835438275"), None))
        .await;
    let d = r.demographics.as_ref().unwrap();
    assert_eq!(d.first_name.as_deref(), Some("Azra"));
    assert_eq!(d.usual_gp_user_name.as_deref(), Some("jefffry"));
    let clinical = r.clinical.as_ref().unwrap();
    assert!(
        clinical
            .event
            .iter()
            .any(|e| e.event_uid.as_deref() == Some("b95ee04200000000"))
    );
    assert!(clinical.event.iter().any(|e| {
        e.items
            .iter()
            .any(|i| matches!(i, DataItem::DrugSensitivity(_)))
    }));
    let nc = r.non_clinical.as_ref().unwrap();
    assert_eq!(nc.appointment[0].appointment_uid, "6510300000000000");
    assert_eq!(r.record_state, Some(RecordState::Closed));
    // Demographics only.
    let mut f = filter();
    f.demographics = Some(Flag);
    let r = c
        .ok::<GetPatientRecordV1_0>(gpr(Some("7835438275"), Some(f)))
        .await;
    assert!(r.demographics.is_some() && r.clinical.is_none() && r.non_clinical.is_none());
    // Numeric 229.. only.
    let mut f = filter();
    f.numeric = vec!["229..".into()];
    let r = c
        .ok::<GetPatientRecordV1_0>(gpr(Some("7835438275"), Some(f)))
        .await;
    assert!(r.demographics.is_none());
    assert_eq!(codes(&r), vec![("CTV3".to_string(), "229..".to_string())]);
    // A specific clinical code, in Snomed.
    let mut f = filter();
    f.clinical_code = vec!["XE0s6".into()];
    let mut req = c.request::<GetPatientRecordV1_0>(gpr(Some("7835438275"), Some(f)));
    req.output_scheme = Some(OutputScheme {
        extra: Default::default(),
        drugs: None,
        codes: Some(CodeScheme::Snomed),
    });
    let r = success(c.send::<GetPatientRecordV1_0>(&req).await);
    assert_eq!(
        codes(&r),
        vec![("Snomed".to_string(), "59621000".to_string())]
    );
    // UserNameDoneBy.
    let mut f = filter();
    f.user_name_done_by = vec!["lsharples1004".into()];
    let r = c
        .ok::<GetPatientRecordV1_0>(gpr(Some("7835438275"), Some(f)))
        .await;
    let events = &r.clinical.as_ref().unwrap().event;
    assert!(!events.is_empty());
    assert!(
        events
            .iter()
            .all(|e| e.user_name.as_deref() == Some("lsharples1004"))
    );
    // Sensitivities only, with effective dates.
    let mut f = filter();
    f.sensitivities = Some(Flag);
    f.max_effective_date = Some("2016-01-01".parse().unwrap());
    let r = c
        .ok::<GetPatientRecordV1_0>(gpr(Some("7835438275"), Some(f)))
        .await;
    assert!(r.clinical.as_ref().unwrap().event.is_empty());
    // Entry dates.
    let mut f = filter();
    f.min_entry_date = Some("2014-03-26".parse().unwrap());
    f.max_entry_date = Some("2014-03-26".parse().unwrap());
    let r = c
        .ok::<GetPatientRecordV1_0>(gpr(Some("7835438275"), Some(f)))
        .await;
    let events = &r.clinical.as_ref().unwrap().event;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_uid.as_deref(), Some("b95ee04200000000"));
    // Appointments only.
    let mut f = filter();
    f.appointments = Some(Flag);
    let r = c
        .ok::<GetPatientRecordV1_0>(gpr(Some("7835438275"), Some(f)))
        .await;
    assert!(r.clinical.is_none());
    assert_eq!(r.non_clinical.unwrap().appointment.len(), 1);
    // Unknown patient.
    let e = c
        .err::<GetPatientRecordV1_0>(gpr(Some("9999999999"), None))
        .await;
    assert!(e.permanent);
    // No identity and nothing open.
    let e = c.err::<GetPatientRecordV1_0>(gpr(None, None)).await;
    assert!(e.permanent);
    // No identity: the open record.
    sim.control().open_record("4667633050", true);
    let r = c.ok::<GetPatientRecordV1_0>(gpr(None, None)).await;
    assert_eq!(r.identity.number, PatientId::NhsNumber("4667633050".into()));
    assert_eq!(r.record_state, Some(RecordState::Open));
    // Open but not displayable + LeaveRecordOpen: temporary error.
    sim.control().open_record("4667633050", false);
    let mut p = gpr(Some("4667633050"), None);
    p.leave_record_open = Some(Flag);
    let e = c.err::<GetPatientRecordV1_0>(p.clone()).await;
    assert!(!e.permanent);
    // LeaveRecordOpen on a closed record opens it.
    sim.control().close_record();
    let r = c.ok::<GetPatientRecordV1_0>(p).await;
    assert_eq!(r.record_state, Some(RecordState::Open));
    assert_eq!(
        sim.control().open_record_number().as_deref(),
        Some("4667633050")
    );
    // Letters carry DocumentUIDs; GetDocument writes the file into the root.
    let mut f = filter();
    f.letters = Some(Flag);
    let r = c
        .ok::<GetPatientRecordV1_0>(gpr(Some("6640569094"), Some(f)))
        .await;
    let has_letter = r.clinical.unwrap().event.iter().any(|e| {
        e.items.iter().any(|i| matches!(i, DataItem::Letter(l) if l.document_uid.as_deref() == Some("4093400000000000")))
    });
    assert!(has_letter);
    sim.shutdown().await;
}

#[tokio::test]
async fn updates_and_deletes() {
    let sim = start().await;
    let mut c = Conn::connect(&sim).await;
    // The document's Eczema example, verbatim.
    c.send_raw(
        b"<ClientIntegrationRequest>\n<APIKey>0f3e33ae95b74520</APIKey>\n<DeviceID>60e1dc7b6c786750</DeviceID>\n\
<DeviceVersion>v1.0</DeviceVersion>\n<RequestUID>5F33C740-CABF-11E3-BFB0-010000005024</RequestUID>\n\
<Function>UpdatePatientRecord</Function>\n<FunctionVersion>1.0</FunctionVersion>\n<FunctionParameters>\n\
<Identity>\n<NhsNumber>6343800514</NhsNumber>\n</Identity>\n<Clinical>\n<Event>\n<ClinicalCode>\n\
<Code Scheme=\"Snomed\" Code=\"43116000\"></Code>\n<FreeText>optional comments</FreeText>\n</ClinicalCode>\n\
<LinkedProblemUID>794d100000000000</LinkedProblemUID>\n</Event>\n</Clinical>\n</FunctionParameters>\n\
</ClientIntegrationRequest>\n",
    )
    .await;
    let reply = c.read().await;
    let r: Response<systmone_bindings::update_patient_record_v1_0::UpdatePatientRecordResult> =
        Response::from_xml(&reply).unwrap();
    let other_device_event = success(r).event_uid[0].clone();
    // Our own addition, typed, with defaults of now and the logged-on user.
    let mut p = update("6343800514");
    p.clinical = Some(Clinical {
        extra: Default::default(),
        event: vec![event(vec![code_item(SchemeName::Ctv3, "X505K")])],
    });
    p.demographics = Some(Demographics {
        extra: Default::default(),
        title: None,
        first_name: None,
        middle_names: Some("NewName".into()),
        surname: None,
        known_as: None,
        date_of_birth: None,
        sex: None,
        marital_status: None,
        ethnicity: None,
        main_language: None,
        english_speaker: None,
        address: None,
        home_telephone: None,
        work_telephone: None,
        mobile_telephone: Some("07700900123".into()),
        alternate_telephone: None,
        email_address: None,
        sms_consent: None,
        usual_gp_user_name: None,
        care_start_date: None,
        registration_type: None,
    });
    let r = c.ok::<UpdatePatientRecordV1_0>(p).await;
    assert_eq!(r.event_uid.len(), 1);
    assert_eq!(r.record_state, Some(RecordState::Closed));
    let mine = r.event_uid[0].clone();
    let rec = c
        .ok::<GetPatientRecordV1_0>(gpr(Some("6343800514"), None))
        .await;
    let d = rec.demographics.as_ref().unwrap();
    assert_eq!(d.middle_names.as_deref(), Some("NewName"));
    assert_eq!(d.first_name.as_deref(), Some("Karen"));
    assert_eq!(d.mobile_telephone.as_deref(), Some("07700900123"));
    let added = rec
        .clinical
        .as_ref()
        .unwrap()
        .event
        .iter()
        .find(|e| e.event_uid.as_deref() == Some(mine.as_str()))
        .unwrap();
    assert_eq!(added.user_name.as_deref(), Some("dlittler2405"));
    assert!(added.date_time.is_some());
    // The Snomed code was stored as CTV3 X505K.
    assert!(codes(&rec).iter().filter(|c| c.1 == "X505K").count() >= 2);
    // Unknown linked referral: error, nothing added.
    let mut p = update("6343800514");
    let mut e = event(vec![code_item(SchemeName::Ctv3, "X505K")]);
    e.linked_referral_uid = Some("0000000000000bad".into());
    p.clinical = Some(Clinical {
        extra: Default::default(),
        event: vec![e],
    });
    assert!(c.err::<UpdatePatientRecordV1_0>(p).await.permanent);
    // Writing to a record open in the UI without LeaveRecordOpen: temporary error.
    sim.control().open_record("6343800514", true);
    let mut p = update("6343800514");
    p.clinical = Some(Clinical {
        extra: Default::default(),
        event: vec![event(vec![code_item(SchemeName::Ctv3, "H33..")])],
    });
    let e = c.err::<UpdatePatientRecordV1_0>(p.clone()).await;
    assert!(!e.permanent);
    p.leave_record_open = Some(Flag);
    let r = c.ok::<UpdatePatientRecordV1_0>(p).await;
    assert_eq!(r.record_state, Some(RecordState::Open));
    let mine2 = r.event_uid[0].clone();
    sim.control().close_record();
    // Delete: a reason is needed.
    let mut d = delete("6343800514", vec![mine.clone()]);
    d.reason = String::new();
    assert!(c.err::<DeleteFromPatientRecordV1_0>(d).await.permanent);
    // All or nothing: one UID not ours.
    let e = c
        .err::<DeleteFromPatientRecordV1_0>(delete(
            "6343800514",
            vec![mine.clone(), other_device_event.clone()],
        ))
        .await;
    assert!(
        e.message.contains("not added by this device"),
        "{}",
        e.message
    );
    let rec = c
        .ok::<GetPatientRecordV1_0>(gpr(Some("6343800514"), None))
        .await;
    let uids: Vec<_> = rec
        .clinical
        .unwrap()
        .event
        .iter()
        .filter_map(|e| e.event_uid.clone())
        .collect();
    assert!(uids.contains(&mine));
    // Our own two go.
    let r = c
        .ok::<DeleteFromPatientRecordV1_0>(delete("6343800514", vec![mine.clone(), mine2.clone()]))
        .await;
    assert_eq!(r.record_state, Some(RecordState::Closed));
    let rec = c
        .ok::<GetPatientRecordV1_0>(gpr(Some("6343800514"), None))
        .await;
    let uids: Vec<_> = rec
        .clinical
        .unwrap()
        .event
        .iter()
        .filter_map(|e| e.event_uid.clone())
        .collect();
    assert!(!uids.contains(&mine) && !uids.contains(&mine2) && uids.contains(&other_device_event));
    // Identity absent needs LeaveRecordOpen (E11).
    let mut d = delete("6343800514", vec![other_device_event.clone()]);
    d.identity = None;
    assert!(
        c.err::<DeleteFromPatientRecordV1_0>(d)
            .await
            .message
            .contains("LeaveRecordOpen")
    );
    // The document's DeletePatientRecord example, verbatim (its UIDs belong to its device).
    c.send_raw(
        b"<ClientIntegrationRequest><APIKey>f31e26725b5491f2</APIKey><DeviceID>392752167bd7f69b</DeviceID>\
<DeviceVersion>v1.0</DeviceVersion><RequestUID>B1CF8B60-B4C6-11E3-8523-010000000060</RequestUID>\
<Function>DeletePatientRecord</Function><FunctionVersion>1.0</FunctionVersion><FunctionParameters>\
<Identity><NhsNumber>6640569094</NhsNumber></Identity><Reason>Wrong data inserted</Reason>\
<EventUID>6e9de04200000000</EventUID><AppointmentUID>9827c51000000000</AppointmentUID>\
<TaskUID>a827c51000000000</TaskUID><VisitUID>8827c51000000000</VisitUID></FunctionParameters>\
</ClientIntegrationRequest>\n",
    )
    .await;
    let reply = c.read().await;
    assert!(
        reply.contains("<Function>DeletePatientRecord</Function>"),
        "{reply}"
    );
    assert!(
        reply.contains("<StrategicReportingIdentifier>619941</StrategicReportingIdentifier>"),
        "{reply}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn appointments_visits_tasks_and_diary() {
    let sim = start().await;
    let mut c = Conn::connect(&sim).await;
    let slots = c
        .ok::<GetAppointmentSlotsV1_0>(GetAppointmentSlotsParameters {
            extra: Default::default(),
            min_date_time: None,
            max_date_time: None,
            user_name: vec!["user99".into()],
            site_name: vec!["The Real Surgery".into()],
            clinic_type: vec!["Nurse Clinic".into()],
            slot_type: vec!["Slot".into()],
        })
        .await;
    assert_eq!(slots.clinic.len(), 1);
    let clinic = slots.clinic[0].clone();
    let free = clinic.slot[0].clone();
    let total = clinic.slot.len();
    let book = |slot: Slot| {
        let mut p = update("7137845479");
        p.non_clinical = Some(UpdateNonClinical {
            extra: Default::default(),
            appointment: vec![AppointmentChange {
                extra: Default::default(),
                appointment_uid: None,
                clinic: Some(Clinic {
                    slot: vec![slot],
                    ..clinic.clone()
                }),
                status: None,
                comments: Some("Comments2".into()),
                linked_referral_uid: None,
                flag: None,
            }],
            visit: vec![],
            task: vec![],
        });
        p
    };
    let r = c.ok::<UpdatePatientRecordV1_0>(book(free.clone())).await;
    assert_eq!(r.appointment_uid.len(), 1);
    let appt = r.appointment_uid[0].clone();
    // The slot is no longer free; booking it again fails.
    let after = c
        .ok::<GetAppointmentSlotsV1_0>(GetAppointmentSlotsParameters {
            extra: Default::default(),
            min_date_time: None,
            max_date_time: None,
            user_name: vec!["user99".into()],
            site_name: vec![],
            clinic_type: vec![],
            slot_type: vec![],
        })
        .await;
    assert_eq!(after.clinic[0].slot.len(), total - 1);
    assert!(
        c.err::<UpdatePatientRecordV1_0>(book(free.clone()))
            .await
            .permanent
    );
    // A slot that does not exist.
    let mut wrong = free.clone();
    wrong.duration = systmone_core::DurationMinutes::from_minutes(15);
    assert!(
        c.err::<UpdatePatientRecordV1_0>(book(wrong))
            .await
            .permanent
    );
    // Status update, visits and tasks.
    let mut p = update("7137845479");
    p.non_clinical = Some(UpdateNonClinical {
        extra: Default::default(),
        appointment: vec![AppointmentChange {
            extra: Default::default(),
            appointment_uid: Some(appt.clone()),
            clinic: None,
            status: Some("Arrived".into()),
            comments: None,
            linked_referral_uid: None,
            flag: None,
        }],
        visit: vec![Visit {
            extra: Default::default(),
            date_time: free.date_time_start.clone(),
            duration: systmone_core::DurationMinutes::from_minutes(20),
            comments: Some("Home visit".into()),
            user_name: None,
            linked_referral_uid: None,
            status: None,
            visit_uid: None,
        }],
        task: vec![Task {
            extra: Default::default(),
            task_uid: None,
            date_time: None,
            task_type: Some("Review".into()),
            due: None,
            status: Some("Not Started".into()),
            content: Some("Check bloods\n".into()),
            user_name_assigned: None,
            group_name_assigned: None,
        }],
    });
    let r = c.ok::<UpdatePatientRecordV1_0>(p).await;
    assert_eq!((r.visit_uid.len(), r.task_uid.len()), (1, 1));
    let mut f = filter();
    f.appointments = Some(Flag);
    f.visits = Some(Flag);
    f.tasks = Some(Flag);
    let rec = c
        .ok::<GetPatientRecordV1_0>(gpr(Some("7137845479"), Some(f)))
        .await;
    let nc = rec.non_clinical.unwrap();
    assert!(
        nc.appointment
            .iter()
            .any(|a| a.appointment_uid == appt && a.status == "Arrived")
    );
    assert_eq!(nc.visit.len(), 1);
    assert_eq!(nc.task.len(), 1);
    // F6: the real shape, content ending in one newline.
    let task = &nc.task[0];
    assert_eq!(task.status.as_deref(), Some("Not Started"));
    let content = task.content.as_deref().unwrap();
    assert!(content.ends_with("Check bloods\n"), "{content:?}");
    assert!(!content.ends_with("\n\n"), "{content:?}");
    // The diary shows the booking and the visit.
    let diary = c
        .ok::<GetDiaryV1_0>(GetDiaryParameters {
            extra: Default::default(),
            min_date_time: Some(free.date_time_start.clone()),
            max_date_time: Some(free.date_time_start.clone()),
            user_name: vec![],
            site_name: vec![],
            appointments: None,
            visits: None,
        })
        .await;
    let mine = diary
        .result
        .iter()
        .find(|r| r.identity.number == PatientId::NhsNumber("7137845479".into()))
        .unwrap();
    assert_eq!(mine.items.len(), 2);
    // The document's GetDiary example dates.
    let diary = c
        .ok::<GetDiaryV1_0>(GetDiaryParameters {
            extra: Default::default(),
            min_date_time: Some("2014-06-05T08:00:00".parse().unwrap()),
            max_date_time: Some("2014-06-06T08:00:00".parse().unwrap()),
            user_name: vec![],
            site_name: vec![],
            appointments: None,
            visits: Some(Flag),
        })
        .await;
    assert_eq!(diary.result.len(), 1);
    assert!(matches!(
        diary.result[0].items[0],
        DiaryResultItem::Visit(_)
    ));
    assert_eq!(
        diary.result[0]
            .demographics
            .as_ref()
            .unwrap()
            .first_name
            .as_deref(),
        Some("Vickey")
    );
    // The document's booking example slot exists.
    let mut p = update("7137845479");
    p.non_clinical = Some(UpdateNonClinical {
        extra: Default::default(),
        appointment: vec![AppointmentChange {
            extra: Default::default(),
            appointment_uid: None,
            clinic: Some(Clinic {
                extra: Default::default(),
                user_name: "dlittler2405".into(),
                site_name: "The Real Surgery".into(),
                clinic_type: "Session".into(),
                slot: vec![Slot {
                    extra: Default::default(),
                    slot_type: "Slot".into(),
                    date_time_start: "2014-07-15T13:00:00".parse().unwrap(),
                    duration: "10".parse().unwrap(),
                }],
            }),
            status: None,
            comments: Some("Comments2".into()),
            linked_referral_uid: None,
            flag: None,
        }],
        visit: vec![],
        task: vec![],
    });
    c.ok::<UpdatePatientRecordV1_0>(p).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn files_stay_inside_the_root() {
    let sim = start().await;
    let root = sim.root().to_path_buf();
    let mut c = Conn::connect(&sim).await;
    std::fs::create_dir_all(root.join("docs")).unwrap();
    let doc = |write_to: &str| GetDocumentParameters {
        extra: Default::default(),
        identity: Some(nhs("6640569094")),
        document_uid: "4093400000000000".into(),
        write_to: write_to.into(),
        leave_record_open: None,
    };
    let r = c
        .ok::<GetDocumentV1_0>(doc(root.join("docs").to_str().unwrap()))
        .await;
    assert_eq!(r.document_file.len(), 1);
    assert!(std::path::Path::new(&r.document_file[0]).starts_with(root.canonicalize().unwrap()));
    assert!(
        std::fs::read_to_string(&r.document_file[0])
            .unwrap()
            .contains("6640569094")
    );
    // Relative to the root works too.
    c.ok::<GetDocumentV1_0>(doc("docs")).await;
    // Outside: absolute, by .., by a symlink, or missing.
    let outside = tempfile::tempdir().unwrap();
    assert!(
        c.err::<GetDocumentV1_0>(doc(outside.path().to_str().unwrap()))
            .await
            .permanent
    );
    assert!(
        c.err::<GetDocumentV1_0>(doc("docs/../.."))
            .await
            .message
            .contains("outside")
    );
    std::os::unix::fs::symlink(outside.path(), root.join("link")).unwrap();
    assert!(
        c.err::<GetDocumentV1_0>(doc("link"))
            .await
            .message
            .contains("outside")
    );
    assert!(c.err::<GetDocumentV1_0>(doc("missing")).await.permanent);
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    // Unknown document.
    let mut p = doc("docs");
    p.document_uid = "0".into();
    assert!(c.err::<GetDocumentV1_0>(p).await.permanent);

    // GetXSDFiles.
    let x = c
        .ok::<GetXsdFilesV1_0>(GetXsdFilesParameters {
            extra: Default::default(),
            path: Some("docs".into()),
        })
        .await;
    assert_eq!(x.xsd.len(), 17);
    let gf = x.xsd.iter().find(|r| r.function == "GetFunctions").unwrap();
    assert_eq!(gf.version, "1.0");
    assert!(gf.result.starts_with("Successfully written to "));
    assert!(root.join("docs/GetFunctions v1.0.xsd").exists());
    // SystmOne's style (F13): self-contained, request only, no shared include.
    assert!(!root.join("docs/ClientIntegrationTypes.xsd").exists());
    let written = std::fs::read_to_string(root.join("docs/GetFunctions v1.0.xsd")).unwrap();
    assert!(!written.contains("ClientIntegrationResponse") && !written.contains("xs:include"));
    assert!(
        c.err::<GetXsdFilesV1_0>(GetXsdFilesParameters {
            extra: Default::default(),
            path: Some(outside.path().to_str().unwrap().into()),
        })
        .await
        .permanent
    );

    // DataExtract and SRManifestCRC.
    let extract = |crc: Option<u64>, dir: &str| DataExtractParameters {
        extra: Default::default(),
        sr_manifest_crc: crc,
        directory: dir.into(),
        name: "Data Extract 1".into(),
    };
    let first = c
        .ok::<DataExtractV1_0>(extract(Some(123456789), "Data Extracts"))
        .await;
    assert!(
        root.join("Data Extracts/Data Extract 1/SRManifest.xml")
            .exists()
    );
    let again = c
        .err::<DataExtractV1_0>(extract(Some(first.sr_manifest_crc), "Data Extracts"))
        .await;
    assert!(again.message.contains("already been downloaded"));
    assert!(
        c.err::<DataExtractV1_0>(extract(None, "../escape"))
            .await
            .message
            .contains("outside")
    );
    let mut unknown = extract(None, "x");
    unknown.name = "Nope".into();
    assert!(c.err::<DataExtractV1_0>(unknown).await.permanent);
    sim.shutdown().await;
}

#[tokio::test]
async fn launch_functionality_opens_the_record() {
    let sim = start().await;
    let mut c = Conn::connect(&sim).await;
    let r = c
        .ok::<LaunchFunctionalityV1_0>(LaunchFunctionalityParameters {
            extra: Default::default(),
            identity: nhs("4994354243"),
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
                    linked_problem_uid: vec![],
                },
            )),
        })
        .await;
    assert_eq!(r.identity.strategic_reporting_identifier, Some(95124));
    assert_eq!(
        sim.control().open_record_number().as_deref(),
        Some("4994354243")
    );
    let s = c
        .ok::<GetCurrentSelectionV1_0>(GetCurrentSelectionParameters::default())
        .await;
    assert!(
        matches!(&s.current_selection.items[0], CurrentSelectionItem::Code(c) if c.code == "H33..")
    );
    let e = c
        .err::<LaunchFunctionalityV1_0>(LaunchFunctionalityParameters {
            extra: Default::default(),
            identity: nhs("9999999999"),
            choice: None,
        })
        .await;
    assert!(e.permanent);
    sim.shutdown().await;
}
