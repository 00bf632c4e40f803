//! Prints the FHIR Bundle (stdout) and mapping report (stderr) of a saved
//! GetPatientRecord or PatientSearch response:
//! `cargo run -p systmone-fhir --example to_fhir -- FILE`.

use systmone_bindings::AnyResponse;
use systmone_core::ResponseBody;
use systmone_fhir::{MapOptions, patient_record_bundle, patient_search_bundle};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: to_fhir FILE")?;
    let xml = std::fs::read_to_string(&path)?;
    let mapped = match AnyResponse::parse(&xml)? {
        AnyResponse::GetPatientRecordV1_0(r) => match &r.body {
            ResponseBody::Success(record) => patient_record_bundle(
                record,
                &MapOptions::new(chrono::NaiveDate::from_ymd_opt(2025, 11, 20).ok_or("date")?),
            ),
            ResponseBody::Error(e) => return Err(e.message.clone().into()),
        },
        AnyResponse::PatientSearchV1_0(r) => match &r.body {
            ResponseBody::Success(result) => patient_search_bundle(result),
            ResponseBody::Error(e) => return Err(e.message.clone().into()),
        },
        _ => return Err("not a GetPatientRecord or PatientSearch response".into()),
    };
    println!("{}", mapped.bundle_json()?);
    eprintln!("{}", mapped.report_json()?);
    Ok(())
}
