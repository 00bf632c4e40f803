//! Memory over many requests: the simulator's resident set size before and after
//! 100,000 requests on one connection (throttle off), printed from /proc/self/status
//! (Linux). With the journal kept as a ring it stays flat; it once grew 2.6 KB a request.
//!
//! `cargo bench -p systmone-sim --bench memory` (SIM_MEMORY_REQUESTS changes the
//! number of requests; default 100,000).

use std::time::Instant;

use systmone_sim::{SimConfig, Simulator, Throttle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn request(i: usize) -> String {
    let (function, parameters) = match i % 2 {
        0 => ("GetFunctions", ""),
        _ => (
            "PatientSearch",
            "<PostCode>LS18</PostCode><Surname>S</Surname>",
        ),
    };
    format!(
        "<ClientIntegrationRequest><APIKey>f31e26725b5491f2</APIKey><DeviceID>392752167bd7f69b</DeviceID>\
<DeviceVersion>memory</DeviceVersion><RequestUID>{i}</RequestUID><Function>{function}</Function>\
<FunctionVersion>1.0</FunctionVersion><FunctionParameters>{parameters}</FunctionParameters></ClientIntegrationRequest>\n"
    )
}

/// The resident set size in kB (VmRSS), or 0 where /proc is not there.
fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let total: usize = std::env::var("SIM_MEMORY_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mut stream = TcpStream::connect(sim.addr()).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    println!(
        "before any request:    RSS {:>7.1} MB",
        rss_kb() as f64 / 1024.0
    );
    let start = Instant::now();
    let mut checkpoints = vec![1_000.min(total), total / 10, total / 2, total];
    checkpoints.sort_unstable();
    checkpoints.dedup();
    let mut before = None;
    for i in 1..=total {
        stream.write_all(request(i).as_bytes()).await.unwrap();
        loop {
            if let Some(pos) = buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = buf.drain(..=pos).collect();
                assert!(
                    !line.windows(14).any(|w| w == b"<ErrorMessage>"),
                    "{}",
                    String::from_utf8_lossy(&line)
                );
                break;
            }
            let got = stream.read(&mut chunk).await.unwrap();
            assert!(got > 0, "connection closed");
            buf.extend_from_slice(&chunk[..got]);
        }
        if checkpoints.contains(&i) {
            let rss = rss_kb();
            let base = *before.get_or_insert(rss);
            println!(
                "after {i:>7} requests: RSS {:>7.1} MB ({:+.1} MB since {}; {:.0} s)",
                rss as f64 / 1024.0,
                (rss as f64 - base as f64) / 1024.0,
                checkpoints[0],
                start.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "journal in memory: {} messages",
        sim.control().audit().len()
    );
    sim.shutdown().await;
}
