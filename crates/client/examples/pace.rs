//! Measures the client's default pacing ([`systmone_client::DEFAULT_PACING`]) against
//! the simulator with its documented throttle: sends `COUNT` GetPatientRecord requests
//! back to back and prints how much of the allowed rate was used and how many requests
//! the simulator throttled. With `--clients N`, N clients with pacers of their own
//! share one pacing file, as N processes do, and send the requests between them at
//! once.
//!
//! ```text
//! cargo run -p systmone-client --example pace -- 20              # 1 s rule (demographics)
//! cargo run -p systmone-client --example pace -- 3 --record      # 30 s rule (whole record)
//! cargo run -p systmone-client --example pace -- 40 --clients 2  # two "processes"
//! ```

use std::sync::Arc;
use std::time::Duration;

use systmone_bindings::get_patient_record_v1_0::{
    GetPatientRecordParameters, GetPatientRecordV1_0, PatientRecordFilter,
};
use systmone_client::{Client, ClientConfig, MemoryStore, PacingFile};
use systmone_core::Flag;
use systmone_sim::{AuditOutcome, SimConfig, Simulator, Throttle};
use systmone_types::{Identity, PatientId};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count: usize = args.first().map(|a| a.parse()).transpose()?.unwrap_or(20);
    let whole_record = args.iter().any(|a| a == "--record");
    let clients: usize = match args.iter().position(|a| a == "--clients") {
        Some(i) => args.get(i + 1).ok_or("--clients N")?.parse()?,
        None => 1,
    };
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse()?,
        throttle: Throttle::Spec,
        ..SimConfig::default()
    })
    .await?;
    let mut config = ClientConfig::new("f31e26725b5491f2");
    config.addr = sim.addr().to_string();
    config.negotiate_versions = false;
    // A throttled request gets no answer: retried after 5 s rather than 300 s.
    config.response_timeout = Duration::from_secs(5);
    let interval = if whole_record {
        config.pacing.patient_record_interval
    } else {
        config.pacing.min_interval
    };
    let shared = tempfile::tempdir()?;
    let filter = (!whole_record).then(|| PatientRecordFilter {
        demographics: Some(Flag),
        ..PatientRecordFilter::default()
    });
    let mut tasks = Vec::new();
    for i in 0..clients {
        let client = Client::builder(config.clone())
            .device_store(Arc::new(MemoryStore::new()))
            .pacing_file(PacingFile::in_dir(shared.path(), &config.addr))
            .build()?;
        let filter = filter.clone();
        let mine = count / clients + usize::from(i < count % clients);
        tasks.push(tokio::spawn(async move {
            for _ in 0..mine {
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
            Ok::<_, systmone_client::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
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
        "{} requests from {clients} client(s) ({} s rule, pacing interval {:?}): first to \
         last {:.3} s, ideal {:.3} s, utilisation {:.4}, throttled by the simulator {}",
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
