//! The kiosk's writes (FIELD-EVIDENCE F18) through the typed client: against the
//! simulator end to end (the reading in the record, the booking's AppointmentUID, the
//! arrival in the diary), and against a peer written here for what the simulator does
//! not do (a booking answered without an AppointmentUID, no answer at all), on tokio's
//! paused clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use systmone_bindings::get_appointment_slots_v1_0::GetAppointmentSlotsParameters;
use systmone_bindings::get_diary_v1_0::{DiaryResultItem, GetDiaryParameters};
use systmone_bindings::get_patient_record_v1_0::GetPatientRecordParameters;
use systmone_client::{
    Answers, Arrival, BOOKED_VIA_TOUCH_SCREEN, Booking, Client, ClientConfig, CodedAnswer,
    Connector, Error, MemoryStore, PacingLimits, Reading, RecordCode, Stream,
};
use systmone_core::{DurationMinutes, Flag};
use systmone_sim::{SimConfig, Simulator, Throttle};
use systmone_transport::codec::XmlDocumentCodec;
use systmone_types::{Clinic, DataItem, Identity, PatientId, Slot};
use tokio_util::codec::Framed;

const NHS: &str = "7835438275";

fn patient() -> PatientId {
    PatientId::NhsNumber(NHS.into())
}

async fn simulator_client() -> (systmone_sim::SimHandle, Client) {
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

async fn record(
    client: &Client,
) -> systmone_bindings::get_patient_record_v1_0::GetPatientRecordResult {
    client
        .get_patient_record(GetPatientRecordParameters {
            identity: Some(Identity {
                number: patient(),
                strategic_reporting_identifier: None,
                extra: Default::default(),
            }),
            ..Default::default()
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reading_is_in_the_record_as_a_clinical_code_with_its_value() {
    let (sim, client) = simulator_client().await;
    let mut reading = Reading::new(patient(), RecordCode::ctv3("246.."), 120.0, "mmHg");
    reading.free_text = Some("seated, left arm".into());
    reading.taken_at = Some("2026-11-25T10:15:00".parse().unwrap());
    let written = client.record_reading(reading).await.unwrap();
    let [event_uid] = written.result.event_uid.as_slice() else {
        panic!("one event: {:?}", written.result.event_uid);
    };
    // What was sent: SystmOne's names (F15), never NumericValue.
    assert!(
        written
            .request_xml
            .contains("<Value>120</Value><Units>mmHg</Units>")
    );
    assert!(!written.request_xml.contains("NumericValue"));

    let record = record(&client).await;
    let event = record
        .clinical
        .iter()
        .flat_map(|c| &c.event)
        .find(|e| e.event_uid.as_deref() == Some(event_uid.as_str()))
        .expect("the new event is in the record");
    let codes: Vec<_> = event
        .items
        .iter()
        .filter_map(|i| match i {
            DataItem::ClinicalCode(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0].code.code, "246..");
    assert_eq!(codes[0].value, Some(120.0));
    assert_eq!(codes[0].free_text.as_deref(), Some("seated, left arm"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_is_confirmed_by_its_appointment_uid_and_the_arrival_shows_in_the_diary() {
    let (sim, client) = simulator_client().await;
    let free = client
        .get_appointment_slots(GetAppointmentSlotsParameters::default())
        .await
        .unwrap();
    let clinic = free.clinic.first().expect("free slots");
    let mut booking = Booking::new(patient(), clinic, &clinic.slot[0]);
    booking.reason = Some("Sore throat for a week".into());
    booking.flag = Some(BOOKED_VIA_TOUCH_SCREEN.into());
    let booked = client.book_appointment(booking).await.unwrap();
    assert!(!booked.appointment_uid.is_empty());
    assert!(booked.reply.request_xml.contains(
        "<Comments>Sore throat for a week</Comments><Flag>Booked via Touch Screen</Flag>"
    ));

    client
        .mark_arrived(Arrival {
            patient: patient(),
            appointment_uid: booked.appointment_uid.clone(),
        })
        .await
        .unwrap();
    let start = clinic.slot[0].date_time_start.clone();
    let diary = client
        .get_diary(GetDiaryParameters {
            min_date_time: Some(start.clone()),
            max_date_time: Some(start),
            appointments: Some(Flag),
            ..Default::default()
        })
        .await
        .unwrap();
    let status = diary
        .result
        .iter()
        .flat_map(|r| &r.items)
        .find_map(|i| match i {
            DiaryResultItem::Appointment(a)
                if a.appointment_uid.as_deref() == Some(booked.appointment_uid.as_str()) =>
            {
                a.status.clone()
            }
            _ => None,
        });
    assert_eq!(status.as_deref(), Some("Arrived"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_one_event_of_codes_and_narratives() {
    let (sim, client) = simulator_client().await;
    let mut answers = Answers::new(patient());
    answers.lines = vec![
        "Do you smoke? No, never".into(),
        "Do you drink alcohol? Rarely".into(),
    ];
    answers.codes = vec![CodedAnswer::new(
        RecordCode::ctv3("XE0oh"),
        "Do you smoke? No, never",
    )];
    let written = client.add_answers(answers).await.unwrap();
    let record = record(&client).await;
    let event = record
        .clinical
        .iter()
        .flat_map(|c| &c.event)
        .find(|e| e.event_uid.as_ref() == written.result.event_uid.first())
        .expect("the answers' event");
    let names: Vec<&str> = event.items.iter().map(|i| i.xml_name()).collect();
    assert_eq!(names, ["ClinicalCode", "Narrative", "Narrative"]);
    sim.shutdown().await;
}

// ---------------------------------------------------------------------------
// A peer that answers as told, for what the simulator never does.

type Handler = Box<dyn FnMut(&str) -> Option<String> + Send>;

#[derive(Clone)]
struct Peer {
    seen: Arc<Mutex<Vec<String>>>,
    handler: Arc<Mutex<Handler>>,
}

impl Peer {
    /// `handler` gets each request's RequestUID and returns the response body, or `None`
    /// to say nothing.
    fn new(handler: impl FnMut(&str) -> Option<String> + Send + 'static) -> Self {
        Peer {
            seen: Arc::default(),
            handler: Arc::new(Mutex::new(Box::new(handler))),
        }
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    fn client(&self) -> Client {
        let mut config = ClientConfig::new("f31e26725b5491f2");
        config.negotiate_versions = false;
        config.response_timeout = Duration::from_secs(5);
        config.call_timeout = Some(Duration::from_secs(20));
        Client::builder(config)
            .connector(self.clone())
            .device_store(Arc::new(MemoryStore::with_id("392752167bd7f69b")))
            .build()
            .unwrap()
    }
}

impl Connector for Peer {
    fn connect(
        &self,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = std::io::Result<Box<dyn Stream>>> + Send + '_>,
    > {
        let peer = self.clone();
        Box::pin(async move {
            let (client, server) = tokio::io::duplex(1 << 16);
            tokio::spawn(async move {
                let mut framed = Framed::new(server, XmlDocumentCodec::new());
                while let Some(Ok(bytes)) = framed.next().await {
                    let xml = String::from_utf8(bytes.to_vec()).unwrap();
                    let header = systmone_core::envelope::peek_header(&xml).unwrap();
                    let uid = header.request_uid.unwrap_or_default();
                    peer.seen.lock().unwrap().push(xml);
                    let body = (peer.handler.lock().unwrap())(&uid);
                    if let Some(body) = body {
                        let doc = format!(
                            "<ClientIntegrationResponse><DeviceID>392752167bd7f69b</DeviceID>\
                             <RequestUID>{uid}</RequestUID><Function>UpdatePatientRecord</Function>\
                             <FunctionVersion>1.0</FunctionVersion>\
                             <ResponseUID>F9A63680-B342-11E3-8FBA-01000000C200</ResponseUID>\
                             <Response>{body}</Response></ClientIntegrationResponse>"
                        );
                        framed.send(doc.as_bytes()).await.unwrap();
                    }
                }
            });
            Ok(Box::new(client) as Box<dyn Stream>)
        })
    }

    fn describe(&self) -> String {
        "kiosk test peer".into()
    }
}

fn booking() -> Booking {
    let clinic = Clinic {
        user_name: "dlittler2405".into(),
        site_name: "The Real Surgery".into(),
        clinic_type: "Session".into(),
        slot: vec![Slot {
            slot_type: "Slot".into(),
            date_time_start: "2014-07-15T13:00:00".parse().unwrap(),
            duration: DurationMinutes::from_minutes(10),
            extra: Default::default(),
        }],
        extra: Default::default(),
    };
    let mut booking = Booking::new(patient(), &clinic, &clinic.slot[0]);
    booking.flag = Some(BOOKED_VIA_TOUCH_SCREEN.into());
    booking
}

const IDENTITY: &str = "<Identity><NHSNumber>7835438275</NHSNumber></Identity>";

#[tokio::test(start_paused = true)]
async fn a_booking_answered_without_an_appointment_uid_is_not_booked() {
    let peer = Peer::new(|_| Some(format!("{IDENTITY}<RecordState>Closed</RecordState>")));
    let err = peer.client().book_appointment(booking()).await.unwrap_err();
    match &err {
        Error::NotBooked { request_uid, .. } => {
            assert!(peer.requests()[0].contains(&format!("<RequestUID>{request_uid}<")));
        }
        other => panic!("expected NotBooked, got {other}"),
    }
    assert!(err.to_string().contains("not confirmed"), "{err}");
    assert_eq!(peer.requests().len(), 1, "never sent again");

    let peer = Peer::new(|_| {
        Some(format!(
            "{IDENTITY}<AppointmentUID>7c2e0f1a00000000</AppointmentUID>"
        ))
    });
    let booked = peer.client().book_appointment(booking()).await.unwrap();
    assert_eq!(booked.appointment_uid, "7c2e0f1a00000000");
}

#[tokio::test(start_paused = true)]
async fn each_kiosk_write_without_an_answer_is_outcome_unknown_and_sent_once() {
    let peer = Peer::new(|_| None);
    let client = peer.client();
    let mut answers = Answers::new(patient());
    answers.lines.push("Any allergies? None".into());
    let outcomes = [
        client
            .record_reading(Reading::new(
                patient(),
                RecordCode::snomed("163020007"),
                120.0,
                "mmHg",
            ))
            .await
            .map(drop),
        client
            .mark_arrived(Arrival {
                patient: patient(),
                appointment_uid: "6510300000000000".into(),
            })
            .await
            .map(drop),
        client.book_appointment(booking()).await.map(drop),
        client.add_answers(answers).await.map(drop),
    ];
    let requests = peer.requests();
    assert_eq!(requests.len(), 4, "each write sent once");
    for (n, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            Err(Error::OutcomeUnknown {
                function,
                request_uid,
                ..
            }) => {
                assert_eq!(function, "UpdatePatientRecord");
                assert!(requests[n].contains(&format!("<RequestUID>{request_uid}<")));
            }
            other => panic!("write {n}: expected OutcomeUnknown, got {other:?}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_value_of_the_wrong_form_is_refused_before_anything_is_sent() {
    let peer = Peer::new(|_| Some(IDENTITY.to_string()));
    let client = peer.client();
    let mut answers = Answers::new(patient());
    answers.lines.push("a".repeat(201));
    let err = client.add_answers(answers).await.unwrap_err();
    assert!(matches!(err, Error::InvalidParameter { .. }), "{err}");
    assert!(err.to_string().contains("at most 200"), "{err}");
    let err = client
        .record_reading(Reading::new(
            patient(),
            RecordCode::ctv3("246"),
            120.0,
            "mmHg",
        ))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a CTV3 code"), "{err}");
    assert!(peer.requests().is_empty(), "nothing was sent");
}
