//! The data items of SystmOne's own schema (FIELD-EVIDENCE F15, F16) over TCP: each one
//! UpdatePatientRecord writes is stored typed and GetPatientRecord reads it back as
//! written, with no drift (every answer here is checked for departures from the
//! bindings); the record filters select them, with their effective
//! dates; DeleteFromPatientRecord removes them with their event; the kiosk's writes
//! (F18) behave; the generated practice holds each of them.

mod common;

use chrono::{Duration, NaiveDate};
use common::kiosk::{api_key, exchange, fixture, kiosk_exchange, kiosk_simulator};
use common::*;
use systmone_bindings::delete_from_patient_record_v1_0::{
    DeleteFromPatientRecordParameters, DeleteFromPatientRecordV1_0,
};
use systmone_bindings::get_diary_v1_0::{
    DiaryResultItem, GetDiaryParameters, GetDiaryResult, GetDiaryV1_0,
};
use systmone_bindings::get_patient_record_v1_0::{
    GetPatientRecordParameters, GetPatientRecordResult, GetPatientRecordV1_0, PatientRecordFilter,
};
use systmone_bindings::update_patient_record_v1_0::{
    UpdateNonClinical, UpdatePatientRecordParameters, UpdatePatientRecordResult,
    UpdatePatientRecordV1_0,
};
use systmone_core::xml::XmlContent;
use systmone_core::{ApiKey, Date, Flag, Function, ReadMode, Request, RequestHeader, Response};
use systmone_sim::practice::{
    AppointmentData, CodeData, EventData, ItemData, PatientData, Practice, ctv3_term,
};
use systmone_sim::{SimHandle, nhs_number_is_valid};
use systmone_types::*;

/// How a test talks to the simulator: the tests' own key and a device allocated on first
/// contact, or the kiosk's key and device (F10) on a new connection per request.
enum Caller {
    Tests(Conn),
    Kiosk { key: String },
}

impl Caller {
    /// Calls `F`, reads the answer strictly (a departure from the bindings fails the
    /// test) and returns its result, or the error response.
    async fn call<F: Function>(
        &mut self,
        sim: &SimHandle,
        params: F::Parameters,
    ) -> Result<F::Result, systmone_core::ErrorResponse> {
        let (request, reply) = match self {
            Caller::Tests(conn) => {
                let request = conn.request::<F>(params);
                conn.send_raw(format!("{}\n", request.to_xml().unwrap()).as_bytes())
                    .await;
                (request, conn.read().await)
            }
            Caller::Kiosk { key } => {
                let header = RequestHeader {
                    api_key: ApiKey::new(key.as_str()),
                    device_id: "51c8e2a7f03d9b64".into(),
                    device_version: "1.0".into(),
                    request_uid: "@RequestUID".into(),
                };
                let request = Request::new::<F>(header, params);
                let mut bytes = request.to_xml().unwrap().into_bytes();
                bytes.extend_from_slice(b"<EOF>");
                let reply = exchange(sim, &bytes).await;
                (request, reply)
            }
        };
        let response = read_strictly::<F::Result>(&reply);
        assert_eq!(response.request_uid, request.header.request_uid);
        if let Caller::Tests(conn) = self {
            if !response.device_id.is_empty() {
                conn.device_id = response.device_id.clone();
            }
        }
        match response.body {
            systmone_core::ResponseBody::Success(v) => Ok(v),
            systmone_core::ResponseBody::Error(e) => Err(e),
        }
    }

    async fn ok<F: Function>(&mut self, sim: &SimHandle, params: F::Parameters) -> F::Result {
        self.call::<F>(sim, params)
            .await
            .unwrap_or_else(|e| panic!("unexpected error {e:?}"))
    }
}

/// A response read with no departure from the bindings but one: the Referral items of
/// generated records, which the bindings do not type (ERRATA E21) and keep as XML.
fn read_strictly<T: XmlContent>(reply: &str) -> Response<T> {
    let parsed = Response::<T>::read(reply, ReadMode::Tolerant)
        .unwrap_or_else(|e| panic!("not read ({e}): {reply}"));
    for item in parsed.drift.items() {
        assert!(
            item.kind == systmone_core::DriftKind::UnknownElement
                && item.path == "Response/Clinical/Event/Referral",
            "drift {item}: {reply}"
        );
    }
    parsed.value
}

fn kiosk(sim_key: &[u8]) -> Caller {
    Caller::Kiosk {
        key: api_key(sim_key),
    }
}

fn record_params(number: &str, filter: Option<PatientRecordFilter>) -> GetPatientRecordParameters {
    GetPatientRecordParameters {
        identity: Some(nhs(number)),
        filter,
        ..Default::default()
    }
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

fn with_events(number: &str, events: Vec<Event>) -> UpdatePatientRecordParameters {
    let mut p = update(number);
    p.clinical = Some(Clinical {
        extra: Default::default(),
        event: events,
    });
    p
}

fn event(when: &str, user: &str, items: Vec<DataItem>) -> Event {
    Event {
        extra: Default::default(),
        date_time: Some(when.parse().unwrap()),
        user_name: Some(user.into()),
        done_by: None,
        done_at: None,
        method: None,
        software: None,
        linked_referral_uid: None,
        event_uid: None,
        items,
    }
}

fn find_event<'a>(record: &'a GetPatientRecordResult, uid: &str) -> &'a Event {
    record
        .clinical
        .as_ref()
        .expect("a Clinical section")
        .event
        .iter()
        .find(|e| e.event_uid.as_deref() == Some(uid))
        .unwrap_or_else(|| panic!("no event {uid} in the record"))
}

/// The request a fixture holds, read strictly.
fn fixture_request(relative: &str) -> UpdatePatientRecordParameters {
    let text = String::from_utf8(fixture(relative)).unwrap();
    Request::<UpdatePatientRecordParameters>::read(&text, ReadMode::Strict)
        .unwrap_or_else(|e| panic!("{relative}: {e}"))
        .value
        .parameters
        .unwrap()
}

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

fn code(scheme: SchemeName, value: &str) -> Code {
    Code {
        extra: Default::default(),
        scheme,
        code: value.into(),
        term: None,
    }
}

fn clinical_code(c: &str) -> ClinicalCode {
    ClinicalCode {
        code: code(SchemeName::Ctv3, c),
        episodicity: None,
        value: None,
        units: None,
        comparator: None,
        problem_uid: None,
        problem_severity: None,
        problem_end_date: None,
        free_text: None,
        linked_problem_uid: vec![],
        extra: Default::default(),
    }
}

/// The kiosk's simulator, its patient also holding the problem, referral and
/// appointment that SystmOne-shaped requests link to.
async fn kiosk_with_links() -> SimHandle {
    let sim = kiosk_simulator(true).await;
    let mut practice = sim.control().practice_data();
    let patient = practice.patient_mut("9990628416").unwrap();
    patient.events.push(EventData {
        uid: "7e2b9c4100000000".into(),
        date_time: "2026-01-05T10:00:00".parse().unwrap(),
        entered: "2026-01-05T10:00:00".parse().unwrap(),
        user_name: Some("dlittler2405".into()),
        done_by: None,
        done_at: None,
        software: None,
        method: None,
        linked_referral_uid: None,
        items: vec![
            ItemData::Problem {
                problem_uid: "7e2b9c41d0a35f18".into(),
                code: CodeData::ctv3("XE0s6"),
                status: "Active".into(),
            },
            ItemData::Referral {
                referral_uid: "6510300000000000".into(),
                direction: "Incoming".into(),
                service: "Cardiology".into(),
                closed: None,
            },
        ],
    });
    patient.appointments.push(AppointmentData {
        uid: "8ebea51000000000".into(),
        start: "2026-12-02T10:00:00".parse().unwrap(),
        duration: 10,
        user_name: "ihartwell".into(),
        site_name: "Harrowfield Health Centre".into(),
        clinic_type: "GP Session".into(),
        slot_type: "Slot".into(),
        status: "Booked".into(),
        comments: None,
        flags: Vec::new(),
        linked_referral_uid: None,
    });
    sim.control().load_practice(practice);
    sim
}

/// SystmOne's every-member UpdatePatientRecord (F15: every element and attribute its
/// schema has, in its order, version `1`, F10's layout) is stored whole and read back as
/// written: every data item of the event, the event's attributes, the appointment's
/// flag, the visit's status and the task's due date and assignees.
#[tokio::test]
async fn every_member_update_is_stored_and_read_back_as_written() {
    const FIXTURE: &str = "UpdatePatientRecord/v1.0/f15-systmone-order.request.xml";
    let sim = kiosk_with_links().await;
    let mut kiosk = kiosk(&fixture(FIXTURE));
    let reply = kiosk_exchange(&sim, FIXTURE).await;
    let written = fixture_request(FIXTURE);
    let result = match read_strictly::<UpdatePatientRecordResult>(&reply).body {
        systmone_core::ResponseBody::Success(r) => r,
        systmone_core::ResponseBody::Error(e) => panic!("{e:?}"),
    };
    assert_eq!(result.event_uid.len(), 1);
    assert_eq!((result.visit_uid.len(), result.task_uid.len()), (1, 1));
    // An appointment given by its UID is updated, not booked.
    assert!(result.appointment_uid.is_empty());
    let record = kiosk
        .ok::<GetPatientRecordV1_0>(&sim, record_params("9990628416", None))
        .await;

    let demographics = record.demographics.as_ref().unwrap();
    assert_eq!(demographics.middle_names.as_deref(), Some("Ann"));
    assert_eq!(demographics.known_as.as_deref(), Some("Hetty"));

    let sent = &written.clinical.as_ref().unwrap().event[0];
    let stored = find_event(&record, &result.event_uid[0]);
    assert_eq!(stored.method, Some(ContactMethod::FaceToFace));
    assert_eq!(stored.user_name, sent.user_name);
    assert_eq!(stored.done_by, sent.done_by);
    assert_eq!(stored.done_at, sent.done_at);
    assert_eq!(stored.linked_referral_uid, sent.linked_referral_uid);
    assert_eq!(
        stored.date_time.as_ref().map(|d| d.value()),
        sent.date_time.as_ref().map(|d| d.value())
    );
    // What SystmOne adds to what was written: the ProblemUID of a code written as a
    // problem (F3), a Medication's empty EndReason (F2), the DocumentUID standing for a
    // letter's or attachment's DocumentPath and the attachment's FileName (F5).
    let mut expected = sent.items.clone();
    assert_eq!(stored.items.len(), expected.len());
    for (want, got) in expected.iter_mut().zip(&stored.items) {
        match (want, got) {
            (DataItem::ClinicalCode(w), DataItem::ClinicalCode(g)) => {
                let uid = g.problem_uid.as_deref().expect("a ProblemUID");
                assert!(uid.len() == 16 && uid.chars().all(|c| c.is_ascii_hexdigit()));
                w.problem_uid = g.problem_uid.clone();
            }
            (DataItem::Medication(w), DataItem::Medication(g)) => {
                assert_eq!(g.end_reason.as_deref(), Some(""));
                w.end_reason = g.end_reason.clone();
            }
            (DataItem::Letter(w), DataItem::Letter(g)) => {
                assert!(g.document_uid.is_some() && g.document_path.is_none());
                w.document_path = None;
                w.document_uid = g.document_uid.clone();
            }
            (DataItem::Attachment(w), DataItem::Attachment(g)) => {
                assert!(g.document_uid.is_some() && g.document_path.is_none());
                assert_eq!(g.file_name.as_deref(), Some("bp-20261125.csv"));
                w.document_path = None;
                w.document_uid = g.document_uid.clone();
                w.file_name = g.file_name.clone();
            }
            _ => {}
        }
    }
    assert_eq!(stored.items, expected);

    let nc = record.non_clinical.as_ref().unwrap();
    let visit = nc
        .visit
        .iter()
        .find(|v| v.visit_uid.as_deref() == Some(result.visit_uid[0].as_str()))
        .unwrap();
    assert_eq!(visit.status.as_deref(), Some("Booked"));
    assert_eq!(
        visit.linked_referral_uid.as_deref(),
        Some("6510300000000000")
    );
    assert_eq!(visit.user_name.as_deref(), Some("nokafor"));
    let task = nc
        .task
        .iter()
        .find(|t| t.task_uid.as_deref() == Some(result.task_uid[0].as_str()))
        .unwrap();
    assert_eq!(task.task_type.as_deref(), Some("Miscellaneous"));
    assert_eq!(
        task.due.as_ref().map(|d| d.value()),
        Some("2026-11-26T12:00:00".parse().unwrap())
    );
    assert_eq!(task.user_name_assigned.as_deref(), Some("ihartwell"));
    assert_eq!(
        task.group_name_assigned.as_deref(),
        Some("Harrowfield Reception Team")
    );

    let diary = kiosk.ok::<GetDiaryV1_0>(&sim, diary_of("2026-12-02")).await;
    let appointment = diary_appointment(&diary, "8ebea51000000000");
    assert_eq!(appointment.flag, ["Booked via Touch Screen"]);
    assert_eq!(appointment.status.as_deref(), Some("Booked"));
    let stored = sim.control().practice_data();
    let stored = stored
        .patient("9990628416")
        .unwrap()
        .appointments
        .iter()
        .find(|a| a.uid == "8ebea51000000000")
        .unwrap()
        .clone();
    assert_eq!(stored.comments.as_deref(), Some("Blood pressure review"));
    assert_eq!(
        stored.linked_referral_uid.as_deref(),
        Some("6510300000000000")
    );

    // The kiosk deletes what it added: the event goes, with every item in it (once the
    // record the request left open is closed).
    sim.control().close_record();
    kiosk
        .ok::<DeleteFromPatientRecordV1_0>(
            &sim,
            DeleteFromPatientRecordParameters {
                extra: Default::default(),
                identity: Some(nhs("9990628416")),
                reason: "Entered in error".into(),
                event_uid: result.event_uid.clone(),
                appointment_uid: vec![],
                task_uid: result.task_uid.clone(),
                visit_uid: result.visit_uid.clone(),
                leave_record_open: None,
            },
        )
        .await;
    let record = kiosk
        .ok::<GetPatientRecordV1_0>(&sim, record_params("9990628416", None))
        .await;
    let events = &record.clinical.as_ref().unwrap().event;
    assert!(
        events
            .iter()
            .all(|e| e.event_uid.as_deref() != Some(result.event_uid[0].as_str()))
    );
    let nc = record.non_clinical.unwrap();
    assert!(
        nc.task
            .iter()
            .all(|t| t.task_uid != Some(result.task_uid[0].clone()))
    );
    assert!(
        nc.visit
            .iter()
            .all(|v| v.visit_uid != Some(result.visit_uid[0].clone()))
    );
    sim.shutdown().await;
}

fn diary_of(day: &str) -> GetDiaryParameters {
    GetDiaryParameters {
        extra: Default::default(),
        min_date_time: Some(format!("{day}T00:00:00").parse().unwrap()),
        max_date_time: Some(format!("{day}T23:59:59").parse().unwrap()),
        user_name: vec![],
        site_name: vec![],
        appointments: Some(Flag),
        visits: None,
    }
}

fn diary_appointment<'a>(diary: &'a GetDiaryResult, uid: &str) -> &'a DiaryAppointment {
    diary
        .result
        .iter()
        .flat_map(|r| &r.items)
        .find_map(|i| match i {
            DiaryResultItem::Appointment(a) if a.appointment_uid.as_deref() == Some(uid) => Some(a),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no appointment {uid} in the diary"))
}

/// Each data item fixture (one item of F15 written as SystmOne's schema has it, and the
/// kiosk's reading) comes back in the record exactly as written; a code's term is what
/// SystmOne adds (F4).
#[tokio::test]
async fn each_data_item_reads_back_as_written() {
    let sim = kiosk_simulator(true).await;
    for name in [
        "reminder",
        "recall",
        "vaccination",
        "repeat-medication",
        "patient-plan",
        "care-plan",
        "relationship",
        "report",
        "activity",
        "reading",
    ] {
        let relative = format!("UpdatePatientRecord/v1.0/f15-{name}.request.xml");
        let mut kiosk = kiosk(&fixture(&relative));
        let reply = kiosk_exchange(&sim, &relative).await;
        let result = match read_strictly::<UpdatePatientRecordResult>(&reply).body {
            systmone_core::ResponseBody::Success(r) => r,
            systmone_core::ResponseBody::Error(e) => panic!("{name}: {e:?}"),
        };
        let record = kiosk
            .ok::<GetPatientRecordV1_0>(&sim, record_params("9990628416", None))
            .await;
        let stored = find_event(&record, &result.event_uid[0]);
        let sent = &fixture_request(&relative).clinical.unwrap().event[0];
        let mut expected = sent.items.clone();
        for item in &mut expected {
            if let DataItem::ClinicalCode(c) = item {
                c.code.term = ctv3_term(&c.code.code).map(str::to_string);
            }
        }
        assert_eq!(stored.items, expected, "{name}");
        assert_eq!(stored.method, sent.method, "{name}");
    }
    sim.shutdown().await;
}

/// A patient of the built-in practice with an empty record, so a filter's answer is
/// exactly what the test wrote.
async fn with_empty_patient(sim: &SimHandle, number: &str) {
    let mut practice: Practice = sim.control().practice_data();
    assert!(nhs_number_is_valid(number) && practice.patient(number).is_none());
    let mut patient: PatientData = practice
        .patients
        .iter()
        .find(|p| !p.document_example)
        .unwrap()
        .clone();
    patient.nhs_number = Some(number.into());
    patient.pseudo_number = None;
    patient.events.clear();
    patient.appointments.clear();
    patient.visits.clear();
    patient.tasks.clear();
    patient.documents.clear();
    practice.patients.push(patient);
    sim.control().load_practice(practice);
}

/// A consultation on 10 January 2025 with one of each kind of item.
fn consultation() -> Vec<DataItem> {
    let mut plain = clinical_code("X505K");
    plain.free_text = Some("Flexures only".into());
    vec![
        DataItem::ClinicalCode(Box::new(plain)),
        DataItem::Reminder(Box::new(Reminder {
            free_text: Some("Needs an interpreter".into()),
            severity: Some(ReminderSeverity::High),
            expiry_date: Some(date("2025-06-30")),
            ..Default::default()
        })),
        DataItem::Recall(Box::new(Recall {
            recall_date: Some(date("2025-07-01")),
            kind: Some("Asthma review".into()),
            status: Some(RecallStatus::Pending),
            ..Default::default()
        })),
        DataItem::Vaccination(Box::new(Vaccination {
            batch_number: Some("FL1234K".into()),
            name: Some("Influenza vaccine".into()),
            part_type: Some("Annual dose".into()),
            dosage: Some("0.5 ml".into()),
            notes: Some("Left deltoid".into()),
            ..Default::default()
        })),
        DataItem::RepeatMedication(Box::new(RepeatMedication {
            drug: Some(Drug {
                extra: Default::default(),
                scheme: SchemeName::Multilex,
                product_id: "1031542".into(),
                pack_id: Some(3),
                name: Some("Ramipril 5mg capsules".into()),
            }),
            dose: Some("one daily".into()),
            quantity: Some("28 capsule".into()),
            start_date: Some(date("2025-01-10")),
            max_issues: Some(6),
            review_date: Some(date("2025-07-10")),
            issue_duration_days: Some(28),
            medication_type: Some(MedicationType::NhsMedication),
            ..Default::default()
        })),
        DataItem::PatientPlan(Box::new(PatientPlan {
            patient_plan: Some("Walk every day".into()),
            items: Some(PlanItems {
                extra: Default::default(),
                care_plan_instruction: vec![CarePlanInstruction {
                    instruction_text: Some("Thirty minutes".into()),
                    position: Some(1),
                    ..Default::default()
                }],
            }),
            ..Default::default()
        })),
        DataItem::CarePlan(Box::new(CarePlan {
            care_plan_name: Some("Asthma management plan".into()),
            category: Some("Long Term Conditions".into()),
            sub_category: Some("Respiratory".into()),
            aim: Some(CarePlanAim::Maintenance),
            review_date: Some(date("2026-01-10")),
            care_plan_instruction: vec![CarePlanInstruction {
                instruction_text: Some("Check inhaler technique".into()),
                position: Some(1),
                responsibility: Some(Responsibility::Nurse),
                ..Default::default()
            }],
            ..Default::default()
        })),
        DataItem::Relationship(Box::new(Relationship {
            first_name: Some("Tom".into()),
            surname: Some("Smith".into()),
            kind: Some("Son".into()),
            end_date: Some(date("2025-03-01")),
            ..Default::default()
        })),
        DataItem::Activity(Box::new(Activity {
            performed: Some("Medication review".into()),
            with: Some("Patient".into()),
            method: Some(ContactMethod::FaceToFace),
            duration: Some(15),
            ..Default::default()
        })),
        DataItem::Narrative(Box::new(Narrative {
            line: vec!["Seen with son.".into(), " Plan agreed.".into()],
            ..Default::default()
        })),
        DataItem::Attachment(Box::new(Attachment {
            url: Some("https://example.org/leaflet".into()),
            comments: Some("Leaflet".into()),
            ..Default::default()
        })),
        DataItem::DrugSensitivity(Box::new(DrugSensitivity {
            extra: Default::default(),
            kind: DrugSensitivityType::Drug,
            ingredient: vec![],
            free_text: Some("Rash with amoxicillin".into()),
            linked_problem_uid: vec![],
        })),
        DataItem::Medication(Box::new(Medication {
            medication_type: None,
            drug: Drug {
                extra: Default::default(),
                scheme: SchemeName::Multilex,
                product_id: "1012244".into(),
                pack_id: None,
                name: None,
            },
            dose: Some("one three times a day".into()),
            quantity: Some("21 capsule".into()),
            start_date: Some(date("2025-01-10")),
            end_date: Some(date("2025-02-07")),
            end_reason: None,
            repeat_issue: None,
            linked_problem_uid: vec![],
            extra: Default::default(),
        })),
        DataItem::Letter(Box::new(Letter {
            extra: Default::default(),
            recipient_name: None,
            recipient_organisation: Some("The Real Surgery".into()),
            recipient_address: None,
            sender_name: None,
            sender_organisation: None,
            sender_address: None,
            document_path: Some("c:\\letters\\clinic.docx".into()),
            document_uid: None,
            kind: "Clinic Letter".into(),
            direction: LetterDirection::Incoming,
            date_sent_received: date("2025-01-09"),
            linked_problem_uid: vec![],
        })),
    ]
}

/// A pathology report filed on 1 February 2025 with its results as coded readings.
fn report() -> Vec<DataItem> {
    let reading = |c: &str, value: f64, units: &str| {
        let mut code = clinical_code(c);
        code.value = Some(value);
        code.units = Some(units.into());
        DataItem::ClinicalCode(Box::new(code))
    };
    vec![
        DataItem::Report(Box::new(Report {
            battery_headers: Some("Urea and electrolytes".into()),
            issue_date: Some(date("2025-01-31")),
            result: Some(ReportResult::AbnormalButExpected),
            patient_to_be_informed: Some(Flag),
            collection_date: Some(date("2025-01-29")),
            kind: Some(ReportType::Pathology),
            follow_up_actions: Some(FollowUpActions {
                extra: Default::default(),
                follow_up_action: vec![FollowUpAction {
                    action: Some(FollowUpActionKind::NeedToRepeatTest),
                    comments: Some("In four weeks".into()),
                    ..Default::default()
                }],
            }),
            ..Default::default()
        })),
        reading("44I4.", 5.9, "mmol/L"),
        reading("44J3.", 98.0, "umol/L"),
    ]
}

/// The items of the record's events, by event date: each item's element name, and a
/// ClinicalCode's code.
fn contents(record: &GetPatientRecordResult) -> Vec<String> {
    let Some(clinical) = &record.clinical else {
        return Vec::new();
    };
    clinical
        .event
        .iter()
        .flat_map(|e| &e.items)
        .map(|i| match i {
            DataItem::ClinicalCode(c) => format!("ClinicalCode {}", c.code.code),
            other => other.xml_name().to_string(),
        })
        .collect()
}

/// Each of GetPatientRecord's filters selects the items the document says it does,
/// with the effective periods it lists, entry dates and the user who recorded them.
#[tokio::test]
async fn the_record_filters_select_each_data_item() {
    const NUMBER: &str = "9434765919";
    let sim = start().await;
    with_empty_patient(&sim, NUMBER).await;
    let mut c = Caller::Tests(Conn::connect(&sim).await);
    let written = c
        .ok::<UpdatePatientRecordV1_0>(
            &sim,
            with_events(
                NUMBER,
                vec![
                    event("2025-01-10T10:00:00", "dlittler2405", consultation()),
                    event("2025-02-01T09:00:00", "user99", report()),
                    event(
                        "2025-02-02T11:00:00",
                        "dlittler2405",
                        vec![DataItem::ClinicalCode(Box::new(ClinicalCode {
                            value: Some(150.0),
                            units: Some("mmHg".into()),
                            ..clinical_code("2469.")
                        }))],
                    ),
                ],
            ),
        )
        .await;
    assert_eq!(written.event_uid.len(), 3);

    let all = [
        "ClinicalCode X505K",
        "Reminder",
        "Recall",
        "Vaccination",
        "RepeatMedication",
        "PatientPlan",
        "CarePlan",
        "Relationship",
        "Activity",
        "Narrative",
        "Attachment",
        "DrugSensitivity",
        "Medication",
        "Letter",
        "Report",
        "ClinicalCode 44I4.",
        "ClinicalCode 44J3.",
        "ClinicalCode 2469.",
    ];
    let whole = c
        .ok::<GetPatientRecordV1_0>(&sim, record_params(NUMBER, None))
        .await;
    assert_eq!(contents(&whole), all);

    type Set = fn(&mut PatientRecordFilter);
    let cases: [(&str, Set, &[&str]); 20] = [
        ("Reminders", |f| f.reminders = Some(Flag), &["Reminder"]),
        ("Recalls", |f| f.recalls = Some(Flag), &["Recall"]),
        (
            "Vaccinations",
            |f| f.vaccinations = Some(Flag),
            &["Vaccination"],
        ),
        (
            "Medication: acute and repeat",
            |f| f.medication = Some(Flag),
            &["RepeatMedication", "Medication"],
        ),
        (
            "CarePlans: care and patient plans",
            |f| f.care_plans = Some(Flag),
            &["PatientPlan", "CarePlan"],
        ),
        (
            "Relationships",
            |f| f.relationships = Some(Flag),
            &["Relationship"],
        ),
        (
            "Results: the report and its readings",
            |f| f.results = Some(Flag),
            &["Report", "ClinicalCode 44I4.", "ClinicalCode 44J3."],
        ),
        ("Activity", |f| f.activity = Some(Flag), &["Activity"]),
        ("Letters", |f| f.letters = Some(Flag), &["Letter"]),
        (
            "Attachments",
            |f| f.attachments = Some(Flag),
            &["Attachment"],
        ),
        ("Narrative", |f| f.narrative = Some(Flag), &["Narrative"]),
        (
            "Sensitivities",
            |f| f.sensitivities = Some(Flag),
            &["DrugSensitivity"],
        ),
        (
            "ClinicalCodes",
            |f| f.clinical_codes = Some(Flag),
            &[
                "ClinicalCode X505K",
                "ClinicalCode 44I4.",
                "ClinicalCode 44J3.",
                "ClinicalCode 2469.",
            ],
        ),
        (
            "ClinicalCode",
            |f| f.clinical_code = vec!["X505K".into()],
            &["ClinicalCode X505K"],
        ),
        (
            "Numeric: a reading",
            |f| f.numeric = vec!["2469.".into()],
            &["ClinicalCode 2469."],
        ),
        (
            "Numeric: a code without a value is no reading",
            |f| f.numeric = vec!["X505K".into()],
            &[],
        ),
        (
            "two filters",
            |f| {
                f.reminders = Some(Flag);
                f.recalls = Some(Flag);
            },
            &["Reminder", "Recall"],
        ),
        (
            // Effective on 1 April 2025: the reminder (until 30 June), the repeat (six
            // 28-day issues from 10 January), codes, the recall, plans and the
            // sensitivity; not the relationship (ended 1 March), the acute medication
            // (ran out 7 February) or what happened on one day before it.
            "MinEffectiveDate",
            |f| f.min_effective_date = Some("2025-04-01".parse().unwrap()),
            &[
                "ClinicalCode X505K",
                "Reminder",
                "Recall",
                "RepeatMedication",
                "PatientPlan",
                "CarePlan",
                "DrugSensitivity",
                "ClinicalCode 44I4.",
                "ClinicalCode 44J3.",
                "ClinicalCode 2469.",
            ],
        ),
        (
            "MinEffectiveDate after the reminder expired and the repeat ran out",
            |f| {
                f.min_effective_date = Some("2025-07-01".parse().unwrap());
                f.reminders = Some(Flag);
                f.medication = Some(Flag);
                f.recalls = Some(Flag);
            },
            &["Recall"],
        ),
        (
            "UserNameDoneBy",
            |f| f.user_name_done_by = vec!["user99".into()],
            &["Report", "ClinicalCode 44I4.", "ClinicalCode 44J3."],
        ),
    ];
    for (name, set, want) in cases {
        let mut filter = PatientRecordFilter::default();
        set(&mut filter);
        let r = c
            .ok::<GetPatientRecordV1_0>(&sim, record_params(NUMBER, Some(filter)))
            .await;
        assert_eq!(contents(&r), want, "{name}");
    }
    // MaxEffectiveDate: nothing said to have occurred after it.
    let filter = PatientRecordFilter {
        max_effective_date: Some("2025-01-31".parse().unwrap()),
        ..Default::default()
    };
    let r = c
        .ok::<GetPatientRecordV1_0>(&sim, record_params(NUMBER, Some(filter)))
        .await;
    assert_eq!(contents(&r), &all[..14]);
    // Entry dates: everything was entered today.
    let yesterday = chrono::Local::now().date_naive() - Duration::days(1);
    let mut filter = PatientRecordFilter {
        min_entry_date: Some(Date(yesterday)),
        reminders: Some(Flag),
        ..Default::default()
    };
    let r = c
        .ok::<GetPatientRecordV1_0>(&sim, record_params(NUMBER, Some(filter.clone())))
        .await;
    assert_eq!(contents(&r), ["Reminder"]);
    filter.min_entry_date = None;
    filter.max_entry_date = Some(Date(yesterday));
    let r = c
        .ok::<GetPatientRecordV1_0>(&sim, record_params(NUMBER, Some(filter)))
        .await;
    assert_eq!(contents(&r), Vec::<String>::new());

    // Deleted with their event.
    c.ok::<DeleteFromPatientRecordV1_0>(
        &sim,
        DeleteFromPatientRecordParameters {
            extra: Default::default(),
            identity: Some(nhs(NUMBER)),
            reason: "Entered in error".into(),
            event_uid: written.event_uid[..1].to_vec(),
            appointment_uid: vec![],
            task_uid: vec![],
            visit_uid: vec![],
            leave_record_open: None,
        },
    )
    .await;
    let r = c
        .ok::<GetPatientRecordV1_0>(&sim, record_params(NUMBER, None))
        .await;
    assert_eq!(contents(&r), &all[14..]);
    sim.shutdown().await;
}

/// The kiosk's writes (F18), sent byte for byte: a booking with Comments and Flag gets an
/// AppointmentUID and shows in GetDiary with its Flag (F20's order) and in the record;
/// an arrival sets the Status GetDiary shows; a questionnaire's codes and lines and a
/// reading's Value, Units and Comparator are in the record as written.
#[tokio::test]
async fn the_kiosks_writes_behave() {
    const BOOKING: &str = "UpdatePatientRecord/v1.0/f18-kiosk-booking.request.xml";
    let sim = kiosk_simulator(true).await;
    let mut kiosk = kiosk(&fixture(BOOKING));

    let reply = kiosk_exchange(&sim, BOOKING).await;
    let booked = match read_strictly::<UpdatePatientRecordResult>(&reply).body {
        systmone_core::ResponseBody::Success(r) => r.appointment_uid,
        systmone_core::ResponseBody::Error(e) => panic!("{e:?}"),
    };
    assert_eq!(booked.len(), 1, "F18: booked only with an AppointmentUID");
    let uid = booked[0].clone();

    let diary_request = Request::new::<GetDiaryV1_0>(
        RequestHeader {
            api_key: ApiKey::new(api_key(&fixture(BOOKING))),
            device_id: "51c8e2a7f03d9b64".into(),
            device_version: "1.0".into(),
            request_uid: "@RequestUID".into(),
        },
        diary_of("2026-12-02"),
    );
    let reply = exchange(&sim, diary_request.to_xml().unwrap().as_bytes()).await;
    let diary = match read_strictly::<GetDiaryResult>(&reply).body {
        systmone_core::ResponseBody::Success(d) => d,
        systmone_core::ResponseBody::Error(e) => panic!("{e:?}"),
    };
    let appointment = diary_appointment(&diary, &uid);
    assert_eq!(appointment.status.as_deref(), Some("Booked"));
    assert_eq!(appointment.flag, ["Booked via Touch Screen"]);
    assert_eq!(appointment.clinic.user_name, "ihartwell");
    assert_eq!(
        appointment.clinic.slot[0].date_time_start.value(),
        "2026-12-02T09:40:00".parse().unwrap()
    );
    // F20: AppointmentUID, Status and Flag come before the Clinic.
    let at = |text: &str| reply.find(text).unwrap();
    let mine = at(&format!("<AppointmentUID>{uid}</AppointmentUID>"));
    let flag = mine + reply[mine..].find("<Flag>").unwrap();
    let clinic = mine + reply[mine..].find("<Clinic>").unwrap();
    assert!(flag < clinic, "{reply}");
    let filter = PatientRecordFilter {
        appointments: Some(Flag),
        ..Default::default()
    };
    let record = kiosk
        .ok::<GetPatientRecordV1_0>(&sim, record_params("9990628416", Some(filter.clone())))
        .await;
    let nc = record.non_clinical.unwrap();
    let in_record = nc
        .appointment
        .iter()
        .find(|a| a.appointment_uid == uid)
        .unwrap();
    assert_eq!(in_record.status, "Booked");
    let practice = sim.control().practice_data();
    let stored = practice
        .patient("9990628416")
        .unwrap()
        .appointments
        .iter()
        .find(|a| a.uid == uid)
        .unwrap();
    assert_eq!(stored.comments.as_deref(), Some("Cough for three weeks"));
    assert_eq!(stored.flags, ["Booked via Touch Screen"]);

    // The fixture's arrival, for the appointment booked at 11:00; then the new booking's.
    let reply = kiosk_exchange(
        &sim,
        "UpdatePatientRecord/v1.0/f18-kiosk-arrival.request.xml",
    )
    .await;
    assert!(!reply.contains("<ErrorMessage>"), "{reply}");
    let mut arrival = update("9990628416");
    arrival.non_clinical = Some(UpdateNonClinical {
        extra: Default::default(),
        appointment: vec![AppointmentChange {
            appointment_uid: Some(uid.clone()),
            status: Some("Arrived".into()),
            ..Default::default()
        }],
        visit: vec![],
        task: vec![],
    });
    kiosk.ok::<UpdatePatientRecordV1_0>(&sim, arrival).await;
    let diary = kiosk.ok::<GetDiaryV1_0>(&sim, diary_of("2026-12-02")).await;
    let earlier = diary_appointment(&diary, "c3f1a92e00000000");
    assert_eq!(earlier.status.as_deref(), Some("Arrived"));
    let booked = diary_appointment(&diary, &uid);
    assert_eq!(booked.status.as_deref(), Some("Arrived"));
    assert_eq!(booked.flag, ["Booked via Touch Screen"], "kept on arrival");
    let record = kiosk
        .ok::<GetPatientRecordV1_0>(&sim, record_params("9990628416", Some(filter)))
        .await;
    assert!(
        record
            .non_clinical
            .unwrap()
            .appointment
            .iter()
            .any(|a| a.appointment_uid == uid && a.status == "Arrived")
    );

    // The questionnaire: its codes (with FreeText, no Term sent) and one Narrative per
    // answer, in the order written.
    const QUESTIONNAIRE: &str = "UpdatePatientRecord/v1.0/f18-kiosk-questionnaire.request.xml";
    let reply = kiosk_exchange(&sim, QUESTIONNAIRE).await;
    let answered = match read_strictly::<UpdatePatientRecordResult>(&reply).body {
        systmone_core::ResponseBody::Success(r) => r.event_uid,
        systmone_core::ResponseBody::Error(e) => panic!("{e:?}"),
    };
    let record = kiosk
        .ok::<GetPatientRecordV1_0>(&sim, record_params("9990628416", None))
        .await;
    let stored = find_event(&record, &answered[0]);
    let sent = &fixture_request(QUESTIONNAIRE).clinical.unwrap().event[0];
    assert_eq!(stored.items.len(), sent.items.len());
    for (got, want) in stored.items.iter().zip(&sent.items) {
        match (got, want) {
            (DataItem::ClinicalCode(g), DataItem::ClinicalCode(w)) => {
                assert_eq!(
                    (&g.code.scheme, &g.code.code),
                    (&w.code.scheme, &w.code.code)
                );
                assert_eq!(g.free_text, w.free_text);
                // SystmOne adds the term of a code it knows (F4).
                assert_eq!(g.code.term.as_deref(), ctv3_term(&g.code.code));
            }
            (DataItem::Narrative(g), DataItem::Narrative(w)) => assert_eq!(g, w),
            other => panic!("not as written: {other:?}"),
        }
    }

    // The reading, found again by the Numeric filter with its Value, Units, Comparator.
    kiosk_exchange(&sim, "UpdatePatientRecord/v1.0/f15-reading.request.xml").await;
    let filter = PatientRecordFilter {
        numeric: vec!["246A.".into()],
        ..Default::default()
    };
    let record = kiosk
        .ok::<GetPatientRecordV1_0>(&sim, record_params("9990628416", Some(filter)))
        .await;
    let readings: Vec<_> = record
        .clinical
        .unwrap()
        .event
        .into_iter()
        .flat_map(|e| e.items)
        .filter_map(|i| match i {
            DataItem::ClinicalCode(c) if c.comparator.is_some() => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(readings.len(), 1);
    assert_eq!(readings[0].value, Some(88.0));
    assert_eq!(readings[0].units.as_deref(), Some("mmHg"));
    assert_eq!(readings[0].comparator, Some(Comparator::V3));
    sim.shutdown().await;
}

/// The practice generated from a seed holds each data item of F15, realistic, with
/// values from its own configured lists (F17); every record the simulator serves from it
/// reads without drift, and the first generated adult's holds one of each.
#[tokio::test]
async fn the_generated_practice_holds_each_data_item() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let practice = Practice::generate(1, today);
    let lists = &practice.lists;
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    let mut due_recalls = 0;
    for p in &practice.patients {
        for e in &p.events {
            let readings = e
                .items
                .iter()
                .filter(|i| {
                    matches!(
                        i,
                        ItemData::Code {
                            value: Some(_),
                            units: Some(_),
                            ..
                        }
                    )
                })
                .count();
            for item in &e.items {
                let kind = match item {
                    ItemData::Code {
                        value: Some(_),
                        units,
                        ..
                    } => {
                        assert!(units.is_some(), "a reading has its Units");
                        "reading"
                    }
                    ItemData::Reminder(r) => {
                        assert!(r.free_text.is_some() && r.severity.is_some());
                        "Reminder"
                    }
                    ItemData::Recall(r) => {
                        assert!(lists.recall_types.contains(r.recall_type.as_ref().unwrap()));
                        if r.recall_date.unwrap() > today && r.status.as_deref() == Some("Pending")
                        {
                            due_recalls += 1;
                        }
                        "Recall"
                    }
                    ItemData::Vaccination(v) => {
                        assert!(v.batch_number.as_ref().is_some_and(|b| b.len() == 7));
                        assert!(
                            lists
                                .vaccination_part_types
                                .contains(v.part_type.as_ref().unwrap())
                        );
                        "Vaccination"
                    }
                    ItemData::RepeatMedication(r) => {
                        assert!(r.review_date.unwrap() >= today);
                        assert!(r.max_issues.is_some() && r.issue_duration_days.is_some());
                        assert!(r.drug.as_ref().is_some_and(|d| d.name.is_some()));
                        "RepeatMedication"
                    }
                    ItemData::Medication {
                        repeat_issue: true, ..
                    } => "repeat issue",
                    ItemData::Report(r) => {
                        assert!(r.follow_up_actions.as_ref().is_some_and(|a| !a.is_empty()));
                        assert!(r.result.is_some() && r.battery_headers.is_some());
                        assert!(readings > 0, "the report's results are in its event");
                        "Report"
                    }
                    ItemData::CarePlan(c) => {
                        assert!(
                            lists
                                .care_plan_categories
                                .contains(c.category.as_ref().unwrap())
                        );
                        assert!(
                            lists
                                .care_plan_sub_categories
                                .contains(c.sub_category.as_ref().unwrap())
                        );
                        assert!(!c.instructions.is_empty());
                        "CarePlan"
                    }
                    ItemData::PatientPlan(p) => {
                        assert!(p.items.as_ref().is_some_and(|i| !i.is_empty()));
                        "PatientPlan"
                    }
                    ItemData::Relationship(r) => {
                        assert!(
                            lists
                                .relationship_types
                                .contains(r.relationship_type.as_ref().unwrap())
                        );
                        "Relationship"
                    }
                    ItemData::Activity(a) => {
                        assert!(
                            lists
                                .activity_performed
                                .contains(a.performed.as_ref().unwrap())
                        );
                        assert!(lists.activity_with.contains(a.with.as_ref().unwrap()));
                        "Activity"
                    }
                    ItemData::Letter(l) => {
                        assert!(lists.letter_types.contains(&l.letter_type));
                        "Letter"
                    }
                    _ => continue,
                };
                *counts.entry(kind).or_default() += 1;
            }
        }
    }
    eprintln!("generated practice (seed 1): {counts:?}, recalls due: {due_recalls}");
    for kind in [
        "reading",
        "Reminder",
        "Recall",
        "Vaccination",
        "RepeatMedication",
        "repeat issue",
        "Report",
        "CarePlan",
        "PatientPlan",
        "Relationship",
        "Activity",
        "Letter",
    ] {
        assert!(counts.get(kind).copied().unwrap_or(0) > 0, "no {kind}");
    }
    assert!(due_recalls > 0);
    for list in [
        &lists.recall_types,
        &lists.letter_types,
        &lists.relationship_types,
        &lists.activity_performed,
        &lists.activity_with,
        &lists.care_plan_categories,
        &lists.care_plan_sub_categories,
        &lists.vaccination_part_types,
        &lists.task_types,
        &lists.task_groups,
    ] {
        assert!(!list.is_empty());
    }
    assert!(lists.letter_types.iter().any(|t| t == "Miscellaneous"));

    // Served: the simulator's built-in practice, every record read strictly.
    let sim = start().await;
    let served = sim.control().practice_data();
    let mut c = Caller::Tests(Conn::connect(&sim).await);
    let today = chrono::Local::now().date_naive();
    let first = served
        .patients
        .iter()
        .find(|q| {
            !q.document_example
                && q.nhs_number.is_some()
                && today.years_since(q.date_of_birth).unwrap_or(0) >= 18
        })
        .unwrap();
    for p in &served.patients {
        let identity = match (&p.nhs_number, &p.pseudo_number) {
            (Some(n), _) => nhs(n),
            (None, Some(n)) => Identity {
                extra: Default::default(),
                number: PatientId::PseudoNumber(n.clone()),
                strategic_reporting_identifier: None,
            },
            (None, None) => continue,
        };
        let record = c
            .ok::<GetPatientRecordV1_0>(
                &sim,
                GetPatientRecordParameters {
                    identity: Some(identity),
                    ..Default::default()
                },
            )
            .await;
        if p.key() != first.key() {
            continue;
        }
        let items: Vec<&DataItem> = record
            .clinical
            .iter()
            .flat_map(|c| &c.event)
            .flat_map(|e| &e.items)
            .collect();
        let has = |name: &str| items.iter().any(|i| i.xml_name() == name);
        for name in [
            "Reminder",
            "Recall",
            "Vaccination",
            "RepeatMedication",
            "PatientPlan",
            "CarePlan",
            "Relationship",
            "Report",
            "Activity",
        ] {
            assert!(has(name), "the first generated adult has no {name}");
        }
        assert!(items.iter().any(|i| matches!(i,
            DataItem::ClinicalCode(c) if c.units.as_deref() == Some("mmHg") && c.value.is_some())));
        assert!(
            items
                .iter()
                .any(|i| matches!(i, DataItem::Medication(m) if m.repeat_issue.is_some()))
        );
    }
    sim.shutdown().await;
}
