//! The simulator answers requests shaped as real integrations sent them to real SystmOne
//! clients (FIELD-EVIDENCE F10, F11), sent byte for byte from the fixture corpus: a
//! declaration naming utf-16 on single-byte content, xsi/xsd namespace declarations, CRLF
//! and indentation, `<X />` empties, a RequestUID that is not a UUID, date-times with an
//! offset, `<EOF>` or no terminator at all, header elements in another order, and a new
//! connection per request.

mod common;

use common::kiosk::{api_key, exchange, fixture, kiosk_exchange, kiosk_simulator};
use systmone_bindings::AnyResponse;
use systmone_core::ResponseBody;
use systmone_sim::{SimConfig, Simulator};

fn success(function: &str, response: &str) -> AnyResponse {
    let parsed = AnyResponse::parse(response).unwrap_or_else(|e| panic!("{e}: {response}"));
    let ok = match &parsed {
        AnyResponse::GetDiaryV1_0(r) => matches!(r.body, ResponseBody::Success(_)),
        AnyResponse::GetPatientRecordV1_0(r) => matches!(r.body, ResponseBody::Success(_)),
        other => panic!("{function}: unexpected response {other:?}"),
    };
    assert!(ok, "{function}: an error response: {response}");
    parsed
}

#[tokio::test]
async fn dotnet_kiosk_and_python_requests_get_answers() {
    let f10 = fixture("GetDiary/v1.0/f10-dotnet.request.xml");
    let f11 = fixture("GetPatientRecord/v1.0/f11-python.request.xml");
    assert!(f10.starts_with(b"<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n"));
    assert!(f10.windows(2).any(|w| w == b"\r\n"));
    assert!(f11.starts_with(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));

    let mut config = common::config();
    config.api_keys = vec![api_key(&f10), api_key(&f11)];
    let sim = Simulator::start(SimConfig { ..config }).await.unwrap();
    // The Python client's patient: a copy of one of the practice's, under its number.
    let mut practice = sim.control().practice_data();
    let mut patient = practice
        .patients
        .iter()
        .find(|p| p.nhs_number.is_some())
        .unwrap()
        .clone();
    patient.nhs_number = Some("9990513767".into());
    practice.patients.push(patient);
    sim.control().load_practice(practice);

    // F10: `<EOF>` after the document, a new connection per request.
    let mut bytes = f10.clone();
    bytes.extend_from_slice(b"<EOF>");
    let response = exchange(&sim, &bytes).await;
    let parsed = success("GetDiary", &response);
    let AnyResponse::GetDiaryV1_0(diary) = parsed else {
        unreachable!()
    };
    assert_eq!(
        diary.request_uid, "@RequestUID",
        "echoed verbatim (F9, F10)"
    );
    assert!(
        !diary.device_id.is_empty(),
        "a Device ID allocated for `<DeviceID />`"
    );

    // F11: no terminator at all; the document is complete when its root closes.
    let response = exchange(&sim, &f11).await;
    let AnyResponse::GetPatientRecordV1_0(record) = success("GetPatientRecord", &response) else {
        unreachable!()
    };
    assert_eq!(record.request_uid, "5f0c2a9e-7b14-4d3a-9e61-c2f8a0b4d7e3");

    // The same documents again on fresh connections: still answered.
    for bytes in [&f10, &f11] {
        let response = exchange(&sim, bytes).await;
        assert!(response.contains("<ResponseUID>"), "{response}");
    }
    sim.shutdown().await;
}

/// The kiosk's own calls (FIELD-EVIDENCE F13, F14, F18), byte for byte: version `1`,
/// SystmOne's order of parameters, `<Gender />`, a booking with Comments and Flag, an
/// arrival, a questionnaire. Each is answered (F18: any ErrorMessage is the kiosk's
/// error), and none departs from the bindings.
#[tokio::test]
async fn the_kiosks_calls_are_answered_without_drift() {
    const CALLS: [&str; 8] = [
        "PatientSearch/v1.0/f14-kiosk.request.xml",
        "GetPatientRecord/v1.0/f14-kiosk-demographics.request.xml",
        "GetAppointmentSlots/v1.0/f14-kiosk.request.xml",
        "GetDiary/v1.0/f14-kiosk.request.xml",
        "GetOrganisationMetaData/v1.0/f14-kiosk.request.xml",
        "UpdatePatientRecord/v1.0/f18-kiosk-booking.request.xml",
        "UpdatePatientRecord/v1.0/f18-kiosk-arrival.request.xml",
        "UpdatePatientRecord/v1.0/f18-kiosk-questionnaire.request.xml",
    ];
    let sim = kiosk_simulator(false).await;
    let mut answered = 0;
    for call in CALLS {
        let response = kiosk_exchange(&sim, call).await;
        AnyResponse::parse(&response).unwrap_or_else(|e| panic!("{call}: {e}: {response}"));
        assert!(!response.contains("<ErrorMessage>"), "{call}: {response}");
        answered += 1;
        let entry = sim.control().journal_latest(1).remove(0);
        assert!(
            entry.request_drift.is_empty(),
            "{call}: {:?}",
            entry.request_drift
        );
        match call {
            c if c.starts_with("PatientSearch") => assert!(response.contains("9990628416")),
            c if c.ends_with("booking.request.xml") => {
                assert!(response.contains("<AppointmentUID>"), "F18: booked")
            }
            _ => {}
        }
    }
    assert_eq!(answered, CALLS.len());
    sim.shutdown().await;
}

/// Requests written as SystmOne's own schemas allow (every member filled, SystmOne's
/// order, version `1`, F10's layout) are read with no departure: whatever the handler
/// then answers, it is never a reading refusal.
#[tokio::test]
async fn requests_in_systmones_own_shape_are_read_without_drift() {
    let sim = kiosk_simulator(true).await;
    for call in [
        "PatientSearch/v1.0/f14-systmone-order.request.xml",
        "GetPatientRecord/v1.0/f14-systmone-order.request.xml",
        "GetAppointmentSlots/v1.0/f14-systmone-order.request.xml",
        "GetDiary/v1.0/f14-systmone-order.request.xml",
        "GetOrganisationMetaData/v1.0/f14-systmone-order.request.xml",
        "UpdatePatientRecord/v1.0/f15-systmone-order.request.xml",
    ] {
        let response = kiosk_exchange(&sim, call).await;
        assert!(
            !response.contains("could not be read"),
            "{call}: {response}"
        );
        let entry = sim.control().journal_latest(1).remove(0);
        assert!(entry.request_drift.is_empty(), "{call}");
    }
    sim.shutdown().await;
}

/// A request with what the bindings do not know is answered (SystmOne ignores what it
/// does not read) and its drift journalled, paths, kinds and counts, never values;
/// `--strict-requests` refuses it instead, naming the path.
#[tokio::test]
async fn unknown_content_is_journalled_not_refused_unless_strict() {
    let booking = String::from_utf8(fixture(
        "UpdatePatientRecord/v1.0/f18-kiosk-booking.request.xml",
    ))
    .unwrap();
    let departing = booking
        .replace(
            "<Flag>Booked via Touch Screen</Flag>",
            "<Flag>Booked via Touch Screen</Flag>\r\n        <Reason>Sore throat</Reason>\r\n        <Reason>Cough</Reason>",
        )
        .replace("<Appointment>", "<Appointment Priority=\"urgent\">");
    let mut bytes = departing.into_bytes();
    bytes.extend_from_slice(b"<EOF>");

    let sim = kiosk_simulator(false).await;
    let response = exchange(&sim, &bytes).await;
    assert!(!response.contains("<ErrorMessage>"), "{response}");
    let entry = sim.control().journal_latest(1).remove(0);
    let drift: Vec<(String, String, u64)> = entry
        .request_drift
        .items
        .iter()
        .map(|d| (d.kind.describe().to_string(), d.path.clone(), d.count))
        .collect();
    let appointment = "FunctionParameters/NonClinical/Appointment";
    assert_eq!(
        drift,
        [
            (
                "unknown attribute".to_string(),
                format!("{appointment}/@Priority"),
                1
            ),
            (
                "unknown element".to_string(),
                format!("{appointment}/Reason"),
                2
            ),
        ]
    );
    assert!(
        !format!("{:?}", entry.request_drift).contains("Sore throat"),
        "no values"
    );
    sim.shutdown().await;

    let strict = kiosk_simulator(true).await;
    let response = exchange(&strict, &bytes).await;
    assert!(
        response.contains("could not be read") && response.contains(appointment),
        "{response}"
    );
    strict.shutdown().await;
}
