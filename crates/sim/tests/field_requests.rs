//! The simulator answers requests shaped as real integrations sent them to real SystmOne
//! clients (FIELD-EVIDENCE F10, F11), sent byte for byte from the fixture corpus: a
//! declaration naming utf-16 on single-byte content, xsi/xsd namespace declarations, CRLF
//! and indentation, `<X />` empties, a RequestUID that is not a UUID, date-times with an
//! offset, `<EOF>` or no terminator at all, header elements in another order, and a new
//! connection per request.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::Conn;
use systmone_bindings::AnyResponse;
use systmone_core::ResponseBody;
use systmone_sim::{SimConfig, Simulator};

fn fixture(relative: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The API key of each fixture, so the simulator accepts them as sent.
fn api_key(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.split("<APIKey>")
        .nth(1)
        .and_then(|s| s.split("</APIKey>").next())
        .expect("the fixture has an API key")
        .to_string()
}

/// Sends `bytes` on a new connection and returns the response document.
async fn exchange(sim: &systmone_sim::SimHandle, bytes: &[u8]) -> String {
    let mut conn = Conn::connect(sim).await;
    conn.send_raw(bytes).await;
    conn.try_read(Duration::from_secs(10))
        .await
        .expect("the simulator answered")
}

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
