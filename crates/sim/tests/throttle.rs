//! Throttling on tokio's paused clock (ERRATA E17, E22): a throttled request gets no
//! response at all.

mod common;

use std::time::Duration;

use common::*;
use systmone_bindings::get_functions_v1_0::{GetFunctionsParameters, GetFunctionsV1_0};
use systmone_bindings::get_patient_record_v1_0::{
    GetPatientRecordParameters, GetPatientRecordV1_0, PatientRecordFilter,
};
use systmone_core::{Date, Flag};
use systmone_sim::{AuditOutcome, SimConfig, Simulator, Throttle};

fn filter() -> PatientRecordFilter {
    PatientRecordFilter::default()
}

fn record(f: Option<PatientRecordFilter>) -> GetPatientRecordParameters {
    GetPatientRecordParameters {
        extra: Default::default(),
        identity: Some(nhs("7835438275")),
        leave_record_open: None,
        filter: f,
    }
}

async fn spec_sim() -> systmone_sim::SimHandle {
    Simulator::start(SimConfig {
        throttle: Throttle::Spec,
        ..config()
    })
    .await
    .unwrap()
}

/// Sends without expecting an answer; true if one arrives within 500 ms (paused clock).
/// The simulator is given the chance to run first, so an answer would be there.
async fn answered(c: &mut Conn, request: String) -> bool {
    c.send_raw(format!("{request}\n").as_bytes()).await;
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    c.try_read(Duration::from_millis(500)).await.is_some()
}

/// Awaits a call expecting an answer with the clock running: tokio's paused clock
/// auto-advances whenever the runtime looks idle, even while a loopback answer is on
/// its way, so the clock is paused again only once the answer is in.
async fn live<T>(call: impl std::future::Future<Output = T>) -> T {
    tokio::time::resume();
    let out = call.await;
    tokio::time::pause();
    out
}

#[tokio::test(start_paused = true)]
async fn one_request_per_second() {
    let sim = spec_sim().await;
    let mut c = Conn::connect(&sim).await;
    live(c.ok::<GetFunctionsV1_0>(GetFunctionsParameters::default())).await;
    let second = c.request::<GetFunctionsV1_0>(GetFunctionsParameters::default());
    assert!(!answered(&mut c, second.to_xml().unwrap()).await);
    // 500 ms have passed; another 600 ms and the next is served.
    tokio::time::advance(Duration::from_millis(600)).await;
    live(c.ok::<GetFunctionsV1_0>(GetFunctionsParameters::default())).await;
    let audit = sim.control().audit();
    let throttled: Vec<_> = audit
        .iter()
        .filter(|a| a.outcome == AuditOutcome::Throttled)
        .collect();
    assert_eq!(throttled.len(), 1);
    assert_eq!(throttled[0].request_uid, second.header.request_uid);
    assert!(throttled[0].response_xml.is_none());
    // Across connections too: the client is one process.
    let mut other = Conn::connect(&sim).await;
    let r = other.request::<GetFunctionsV1_0>(GetFunctionsParameters::default());
    assert!(!answered(&mut other, r.to_xml().unwrap()).await);
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn patient_record_every_thirty_seconds_with_exemptions() {
    let sim = spec_sim().await;
    let mut c = Conn::connect(&sim).await;
    let step = Duration::from_millis(1100);
    live(c.ok::<GetPatientRecordV1_0>(record(None))).await;
    tokio::time::advance(step).await;
    // A full record again within 30 s: no response.
    let r = c.request::<GetPatientRecordV1_0>(record(None));
    assert!(!answered(&mut c, r.to_xml().unwrap()).await);
    tokio::time::advance(step).await;
    // Demographics only: exempt.
    let mut f = filter();
    f.demographics = Some(Flag);
    live(c.ok::<GetPatientRecordV1_0>(record(Some(f)))).await;
    tokio::time::advance(step).await;
    // Both entry dates today: exempt.
    let today = Date(chrono::Local::now().date_naive());
    let mut f = filter();
    f.min_entry_date = Some(today);
    f.max_entry_date = Some(today);
    live(c.ok::<GetPatientRecordV1_0>(record(Some(f)))).await;
    tokio::time::advance(step).await;
    // Demographics plus something else is not exempt.
    let mut f = filter();
    f.demographics = Some(Flag);
    f.medication = Some(Flag);
    let r = c.request::<GetPatientRecordV1_0>(record(Some(f)));
    assert!(!answered(&mut c, r.to_xml().unwrap()).await);
    // 30 s after the first full record: served.
    tokio::time::advance(Duration::from_secs(30)).await;
    live(c.ok::<GetPatientRecordV1_0>(record(None))).await;
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn throttle_off_serves_everything() {
    let sim = start().await;
    let mut c = Conn::connect(&sim).await;
    for _ in 0..5 {
        live(c.ok::<GetPatientRecordV1_0>(record(None))).await;
    }
    sim.shutdown().await;
}
