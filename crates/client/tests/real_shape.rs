//! The typed client reads records in the real shape (FIELD-EVIDENCE F1 to F8) from the
//! simulator: problems, medication details, attachments and tasks arrive as typed
//! fields, with an empty drift report; a response that departs from the bindings is
//! kept and its drift handed to the caller.

use std::sync::Arc;

use systmone_bindings::get_patient_record_v1_0::GetPatientRecordParameters;
use systmone_client::{Client, ClientConfig, MemoryStore, PacingLimits};
use systmone_core::{DriftKind, ReadMode};
use systmone_sim::practice::ItemData;
use systmone_sim::{SimConfig, SimHandle, Simulator, Throttle};
use systmone_types::{DataItem, Identity, PatientId};

async fn start() -> (SimHandle, Client) {
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
    (sim, client)
}

fn full_record(nhs: &str) -> GetPatientRecordParameters {
    GetPatientRecordParameters {
        identity: Some(Identity {
            number: PatientId::NhsNumber(nhs.to_string()),
            strategic_reporting_identifier: None,
            extra: Default::default(),
        }),
        leave_record_open: None,
        // No filter: the whole record.
        filter: None,
        extra: Default::default(),
    }
}

#[tokio::test]
async fn real_shape_records_arrive_typed_and_read_strictly() {
    let (sim, client) = start().await;
    let practice = sim.control().practice_data();
    let has = |want: fn(&ItemData) -> bool| {
        practice
            .patients
            .iter()
            .find(|p| p.nhs_number.is_some() && p.events.iter().any(|e| e.items.iter().any(want)))
            .and_then(|p| p.nhs_number.clone())
            .expect("the practice has such a patient")
    };
    let with_problem = has(|i| matches!(i, ItemData::Problem { .. }));
    let with_medication = has(|i| matches!(i, ItemData::Medication { .. }));
    let with_attachment = has(|i| matches!(i, ItemData::Attachment { .. }));
    let with_task = practice
        .patients
        .iter()
        .find(|p| !p.tasks.is_empty() && p.nhs_number.is_some())
        .and_then(|p| p.nhs_number.clone())
        .expect("a patient with a task");

    let items = |record: &systmone_bindings::get_patient_record_v1_0::GetPatientRecordResult| {
        record
            .clinical
            .as_ref()
            .map(|c| {
                c.event
                    .iter()
                    .flat_map(|e| e.items.clone())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };

    // The only departure from the bindings is the Referral data item the simulator
    // adds on purpose (ERRATA E21: Event holds items the document never shows).
    let record = client
        .call_detailed::<systmone_bindings::get_patient_record_v1_0::GetPatientRecordV1_0>(
            full_record(&with_problem),
        )
        .await
        .unwrap();
    assert!(
        record
            .drift
            .items()
            .iter()
            .all(|i| i.kind == DriftKind::UnknownElement
                && i.path == "Response/Clinical/Event/Referral"),
        "{:?}",
        record.drift.items()
    );
    let problem = items(&record.result)
        .into_iter()
        .find_map(|i| match i {
            DataItem::ClinicalCode(c) if c.problem_uid.is_some() => Some(c),
            _ => None,
        })
        .expect("F3: a problem as ClinicalCode fields");
    assert_eq!(problem.problem_uid.as_ref().unwrap().len(), 16);
    assert!(problem.problem_severity.is_some());
    assert!(problem.code.term.is_some(), "F4: Code/@Term");
    // Every field of Demographics is present (F8).
    let demographics = record.result.demographics.as_ref().unwrap();
    assert!(demographics.middle_names.is_some() && demographics.home_telephone.is_some());

    let record = client
        .get_patient_record(full_record(&with_medication))
        .await
        .unwrap();
    let medication = items(&record)
        .into_iter()
        .find_map(|i| match i {
            DataItem::Medication(m) => Some(m),
            _ => None,
        })
        .expect("a medication");
    assert_eq!(
        medication.medication_type,
        Some(systmone_types::MedicationType::NhsMedication)
    );
    assert!(medication.dose.is_some() && medication.quantity.is_some());
    // F2, F15: plain dates (a `Date` is written CCYY-MM-DD).
    let start = medication.start_date.unwrap();
    assert!(medication.end_date.unwrap() > start);

    let record = client
        .get_patient_record(full_record(&with_attachment))
        .await
        .unwrap();
    let attachment = items(&record)
        .into_iter()
        .find_map(|i| match i {
            DataItem::Attachment(a) => Some(a),
            _ => None,
        })
        .expect("an attachment");
    assert!(attachment.file_name.is_some());
    assert!(attachment.file_size.as_deref().unwrap().ends_with(" bytes"));

    let record = client
        .get_patient_record(full_record(&with_task))
        .await
        .unwrap();
    let task = &record.non_clinical.as_ref().expect("tasks").task[0];
    assert_eq!(task.task_uid.as_ref().unwrap().len(), 16);
    assert!(task.status.is_some() && task.task_type.is_some());
    assert!(task.content.as_deref().unwrap().ends_with('\n'), "F6");
}

#[tokio::test]
async fn narrative_lines_keep_their_spaces() {
    let (sim, client) = start().await;
    let practice = sim.control().practice_data();
    let nhs = practice
        .patients
        .iter()
        .find(|p| {
            p.nhs_number.is_some()
                && p.events.iter().any(|e| {
                    e.items
                        .iter()
                        .any(|i| matches!(i, ItemData::Narrative { .. }))
                })
        })
        .and_then(|p| p.nhs_number.clone())
        .expect("a narrative");
    let record = client.get_patient_record(full_record(&nhs)).await.unwrap();
    let narrative = record
        .clinical
        .unwrap()
        .event
        .into_iter()
        .flat_map(|e| e.items)
        .find_map(|i| match i {
            DataItem::Narrative(n) => Some(n),
            _ => None,
        })
        .unwrap();
    assert!(narrative.line.len() >= 2, "F1: lines");
    assert!(
        narrative.line[0].starts_with(' '),
        "F1: a leading space is data"
    );
}

#[tokio::test]
async fn drift_is_reported_to_the_caller_and_refused_strictly() {
    use systmone_bindings::get_functions_v1_0::{GetFunctionsParameters, GetFunctionsV1_0};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    // A peer that answers like a newer SystmOne: an element and an attribute we do not know.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = socket.read(&mut chunk).await.unwrap();
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buffer).to_string();
                    if let Some(end) = text.find("</ClientIntegrationRequest>") {
                        let uid = text
                            .split("<RequestUID>")
                            .nth(1)
                            .and_then(|s| s.split("</RequestUID>").next())
                            .unwrap()
                            .to_string();
                        buffer.drain(..end + "</ClientIntegrationRequest>".len());
                        let reply = format!(
                            "<ClientIntegrationResponse><DeviceID>abc</DeviceID><RequestUID>{uid}</RequestUID>\
                             <Function>GetFunctions</Function><FunctionVersion>1.0</FunctionVersion>\
                             <ResponseUID>U</ResponseUID><Response><SupportedFunction Preview=\"yes\">\
                             <Function>GetFunctions</Function><Version>1.0</Version><Since>2027</Since>\
                             </SupportedFunction></Response></ClientIntegrationResponse>\n"
                        );
                        socket.write_all(reply.as_bytes()).await.unwrap();
                    }
                }
            });
        }
    });
    let connect = |mode| {
        let mut config = ClientConfig::new("f31e26725b5491f2");
        config.addr = addr.to_string();
        config.pacing = PacingLimits::off();
        config.read_mode = mode;
        Client::builder(config)
            .device_store(Arc::new(MemoryStore::new()))
            .build()
            .unwrap()
    };
    let reply = connect(ReadMode::Tolerant)
        .call_detailed::<GetFunctionsV1_0>(GetFunctionsParameters::default())
        .await
        .unwrap();
    let paths: Vec<(DriftKind, &str)> = reply
        .drift
        .items()
        .iter()
        .map(|i| (i.kind, i.path.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            (
                DriftKind::UnknownAttribute,
                "Response/SupportedFunction/@Preview"
            ),
            (
                DriftKind::UnknownElement,
                "Response/SupportedFunction/Since"
            ),
        ]
    );
    // Kept: typed fields as usual, and the unknown element in place.
    let supported = &reply.result.supported_function[0];
    assert_eq!(supported.function, "GetFunctions");
    assert_eq!(
        supported.extra.elements()[0].as_str(),
        "<Since>2027</Since>"
    );

    let error = connect(ReadMode::Strict)
        .call::<GetFunctionsV1_0>(GetFunctionsParameters::default())
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("SupportedFunction/@Preview"),
        "{error}"
    );
}
