//! Load test: 16 concurrent connections, a mix of functions, throttle off.
//! Prints requests per second and latency percentiles.
//!
//! `cargo bench -p systmone-sim --bench load` (set SIM_LOAD_REQUESTS to change the
//! number of requests per connection; default 500).

use std::time::{Duration, Instant};

use systmone_sim::{SimConfig, Simulator, Throttle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn request(i: usize, uid: usize) -> String {
    let body = match i % 5 {
        0 => ("GetFunctions", String::new()),
        1 => (
            "PatientSearch",
            // In the declared order (PostCode before Surname).
            "<PostCode>LS18</PostCode><Surname>S</Surname>".to_string(),
        ),
        2 => (
            "GetPatientRecord",
            "<Identity><NhsNumber>7835438275</NhsNumber></Identity>".to_string(),
        ),
        3 => (
            "GetAppointmentSlots",
            "<UserName>user99</UserName>".to_string(),
        ),
        _ => ("GetOrganisationMetaData", String::new()),
    };
    format!(
        "<ClientIntegrationRequest><APIKey>f31e26725b5491f2</APIKey><DeviceID>392752167bd7f69b</DeviceID>\
<DeviceVersion>load</DeviceVersion><RequestUID>{uid}</RequestUID><Function>{}</Function>\
<FunctionVersion>1.0</FunctionVersion><FunctionParameters>{}</FunctionParameters></ClientIntegrationRequest>\n",
        body.0, body.1
    )
}

async fn client(addr: std::net::SocketAddr, n: usize, id: usize) -> Vec<Duration> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        let text = request(i + id, id * 1_000_000 + i);
        let start = Instant::now();
        stream.write_all(text.as_bytes()).await.unwrap();
        loop {
            if let Some(pos) = buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = buf.drain(..=pos).collect();
                assert!(!line.windows(14).any(|w| w == b"<ErrorMessage>"));
                break;
            }
            let got = stream.read(&mut chunk).await.unwrap();
            assert!(got > 0, "connection closed");
            buf.extend_from_slice(&chunk[..got]);
        }
        latencies.push(start.elapsed());
    }
    latencies
}

fn main() {
    let per_connection: usize = std::env::var("SIM_LOAD_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let connections = 16;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sim = Simulator::start(SimConfig {
            bind: "127.0.0.1:0".parse().unwrap(),
            throttle: Throttle::Off,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let addr = sim.addr();
        // Warm up.
        client(addr, 20, 99).await;
        let start = Instant::now();
        let tasks: Vec<_> = (0..connections)
            .map(|id| tokio::spawn(client(addr, per_connection, id)))
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let elapsed = start.elapsed();
        all.sort();
        let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
        println!(
            "load: {} connections x {} requests (mix: GetFunctions, PatientSearch, GetPatientRecord, GetAppointmentSlots, GetOrganisationMetaData), throttle off",
            connections, per_connection
        );
        println!(
            "load: {} requests in {:.2?}: {:.0} requests/s; latency p50 {:.2?}, p99 {:.2?}, max {:.2?}",
            all.len(),
            elapsed,
            all.len() as f64 / elapsed.as_secs_f64(),
            pct(0.50),
            pct(0.99),
            all[all.len() - 1]
        );
        sim.shutdown().await;
    });
}
