//! Measures the client's pacing against the simulator with its documented throttle:
//! sends `COUNT` GetPatientRecord requests back to back and prints how much of the
//! allowed rate was used and how many requests the simulator throttled.
//!
//! ```text
//! cargo run -p systmone-client --example pace -- 20          # 1 s rule (demographics)
//! cargo run -p systmone-client --example pace -- 3 --record  # 30 s rule (whole record)
//! ```

use std::sync::Arc;
use std::time::Duration;

use systmone_bindings::get_patient_record_v1_0::{
    GetPatientRecordParameters, GetPatientRecordV1_0, PatientRecordFilter,
};
use systmone_client::{Client, ClientConfig, MemoryStore};
use systmone_core::Flag;
use systmone_sim::{AuditOutcome, SimConfig, Simulator, Throttle};
use systmone_types::{Identity, PatientId};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count: usize = args.first().map(|a| a.parse()).transpose()?.unwrap_or(20);
    let whole_record = args.iter().any(|a| a == "--record");
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse()?,
        throttle: Throttle::Spec,
        ..SimConfig::default()
    })
    .await?;
    let mut config = ClientConfig::new("f31e26725b5491f2");
    config.addr = sim.addr().to_string();
    config.negotiate_versions = false;
    // One process pacing alone: the documented intervals plus the small guard.
    config.pacing =
        systmone_client::PacingLimits::SYSTMONE.with_guard(systmone_client::DEFAULT_PACING_GUARD);
    let interval = if whole_record {
        config.pacing.patient_record_interval
    } else {
        config.pacing.min_interval
    };
    let client = Client::builder(config)
        .device_store(Arc::new(MemoryStore::new()))
        .build()?;
    let filter = (!whole_record).then(|| PatientRecordFilter {
        demographics: Some(Flag),
        ..PatientRecordFilter::default()
    });
    for _ in 0..count {
        client
            .call::<GetPatientRecordV1_0>(GetPatientRecordParameters {
                extra: Default::default(),
                identity: Some(Identity {
                    extra: Default::default(),
                    number: PatientId::NhsNumber("7835438275".into()),
                    strategic_reporting_identifier: None,
                }),
                leave_record_open: None,
                filter: filter.clone(),
            })
            .await?;
    }
    // Arrival times as the simulator's journal recorded them.
    let times: Vec<_> = sim
        .control()
        .audit()
        .iter()
        .filter(|a| !matches!(a.outcome, AuditOutcome::Throttled))
        .map(|a| a.time)
        .collect();
    let span = (*times.last().unwrap() - times[0]).to_std()?;
    let rule = if whole_record { 30.0 } else { 1.0 };
    let ideal = Duration::from_secs_f64(rule * (times.len() - 1) as f64);
    println!(
        "{} requests ({} s rule, pacing interval {:?}): first to last {:.3} s, ideal {:.3} s, \
         utilisation {:.4}, throttled by the simulator {}",
        times.len(),
        rule,
        interval,
        span.as_secs_f64(),
        ideal.as_secs_f64(),
        ideal.as_secs_f64() / span.as_secs_f64(),
        sim.control().throttle().throttled
    );
    sim.shutdown().await;
    Ok(())
}
