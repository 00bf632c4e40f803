//! The kiosk of FIELD-EVIDENCE F10, F14 and F18: its fixtures sent byte for byte, and a
//! simulator holding its patient, slot and appointment.

use std::path::PathBuf;
use std::time::Duration;

use systmone_sim::{SimHandle, Simulator};

use super::Conn;

pub fn fixture(relative: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The API key of each fixture, so the simulator accepts them as sent.
pub fn api_key(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.split("<APIKey>")
        .nth(1)
        .and_then(|s| s.split("</APIKey>").next())
        .expect("the fixture has an API key")
        .to_string()
}

/// Sends `bytes` on a new connection and returns the response document.
pub async fn exchange(sim: &SimHandle, bytes: &[u8]) -> String {
    let mut conn = Conn::connect(sim).await;
    conn.send_raw(bytes).await;
    conn.try_read(Duration::from_secs(10))
        .await
        .expect("the simulator answered")
}

/// The kiosk's patient, slot and appointment (the values of the F14/F18 fixtures) in
/// the built-in practice, with its device known.
pub async fn kiosk_simulator(strict_requests: bool) -> SimHandle {
    use systmone_sim::practice::{AppointmentData, SlotData};
    let booking = fixture("UpdatePatientRecord/v1.0/f18-kiosk-booking.request.xml");
    let mut config = super::config();
    config.api_keys = vec![api_key(&booking)];
    config.strict_requests = strict_requests;
    let sim = Simulator::start(config).await.unwrap();
    let mut practice = sim.control().practice_data();
    let mut patient = practice
        .patients
        .iter()
        .find(|p| p.nhs_number.is_some() && !p.document_example)
        .unwrap()
        .clone();
    patient.nhs_number = Some("9990628416".into());
    patient.surname = "Draycott".into();
    patient.date_of_birth = chrono::NaiveDate::from_ymd_opt(1947, 8, 30).unwrap();
    patient.sex = "F".into();
    let at = |h, m| {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 2)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    };
    let slot = |start, booked: Option<&str>| SlotData {
        user_name: "ihartwell".into(),
        site_name: "Harrowfield Health Centre".into(),
        clinic_type: "GP Session".into(),
        slot_type: "Slot".into(),
        start,
        duration: 10,
        booked: booked.map(str::to_string),
    };
    practice.slots.push(slot(at(9, 40), None));
    practice
        .slots
        .push(slot(at(11, 0), Some("c3f1a92e00000000")));
    patient.appointments.push(AppointmentData {
        uid: "c3f1a92e00000000".into(),
        start: at(11, 0),
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
    practice.patients.push(patient);
    practice.known_devices.push("51c8e2a7f03d9b64".into());
    sim.control().load_practice(practice);
    sim
}

/// Sends a fixture as the kiosk does (F10: `<EOF>` after it, a new connection).
pub async fn kiosk_exchange(sim: &SimHandle, relative: &str) -> String {
    let mut bytes = fixture(relative);
    bytes.extend_from_slice(b"<EOF>");
    exchange(sim, &bytes).await
}
