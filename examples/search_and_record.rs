//! Using the library from Rust: start the simulator in-process (a real SystmOne client
//! listens on 127.0.0.1:40700 instead), search for a patient and read their
//! demographics.
//!
//! Run: `cargo run -p systmone --example search_and_record` (a crate of your own needs
//! only `systmone`, with its feature `sim` for the simulator, and tokio).

use std::sync::Arc;

use systmone::bindings::get_patient_record_v1_0::{
    GetPatientRecordParameters, PatientRecordFilter,
};
use systmone::bindings::patient_search_v1_0::PatientSearchParameters;
use systmone::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The simulator, on a free port, approving every device.
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse()?,
        ..SimConfig::default()
    })
    .await?;

    let mut config = ClientConfig::new("f31e26725b5491f2");
    config.addr = sim.addr().to_string();
    config.device_version = "search_and_record example v1.0".into();
    // A real integration keeps its Device ID in a file (the default store).
    let client = Client::builder(config)
        .device_store(Arc::new(MemoryStore::new()))
        .build()?;

    // PatientSearch needs at least two constraints.
    let found = client
        .patient_search(PatientSearchParameters {
            surname: Some("Swift".into()),
            first_name: Some("A".into()),
            ..Default::default()
        })
        .await?;
    println!("{} patient(s) found", found.result.len());

    for patient in &found.result {
        // Demographics only: exempt from the 30-second GetPatientRecord throttle.
        let filter = PatientRecordFilter {
            demographics: Some(Flag),
            ..PatientRecordFilter::default()
        };
        let record = client
            .get_patient_record(GetPatientRecordParameters {
                identity: Some(patient.identity.clone()),
                filter: Some(filter),
                ..Default::default()
            })
            .await?;
        if let Some(d) = record.demographics {
            println!(
                "{} {} {}, born {}",
                d.title.unwrap_or_default(),
                d.first_name.unwrap_or_default(),
                d.surname.unwrap_or_default(),
                d.date_of_birth
                    .map(|b| b.date().to_string())
                    .unwrap_or_default()
            );
        }
    }
    println!("Device ID allocated: {:?}", client.device_id()?);
    sim.shutdown().await;
    Ok(())
}
