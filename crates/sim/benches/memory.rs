//! Memory over many requests: the simulator's resident set size before and after
//! 100,000 requests on one connection (throttle off), printed from /proc/self/status
//! (Linux). With the journal kept as a ring it stays flat; it once grew 2.6 KB a request.
//! Then what large input costs: twenty 15 MB lines that are not XML, one after the
//! other and then twenty at once (the journal keeps each as a short masked excerpt;
//! it once kept them whole, 11 to 372 MB), 100 requests of 1 MB (kept as their first
//! MiB, within the journal's byte bound) and twenty requests of 15 MB at once (the
//! bytes of requests received and being answered stay within `max_buffered_bytes`).
//! The goal: under 200 MB whatever is sent (the sender's own copies included). The
//! live heap (a counting allocator) is printed beside the resident set size, which
//! also counts what glibc keeps of freed memory in its per-thread heaps
//! (`MALLOC_ARENA_MAX=1` shows how much).
//!
//! `cargo bench -p systmone-sim --bench memory` (SIM_MEMORY_REQUESTS changes the
//! number of requests; default 100,000).

use std::time::Instant;

use peak_alloc::PeakAlloc;

use systmone_sim::{SimConfig, Simulator, Throttle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Counts the live heap: the resident set size also holds what the allocator keeps
/// after it is freed (glibc keeps a heap per thread), which is not the simulator's.
#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

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
        "journal in memory: {} messages, {:.1} MB",
        sim.control().audit().len(),
        sim.control().journal_bytes() as f64 / 1e6
    );
    large_input(&sim).await;
    sim.shutdown().await;
}

/// Sends `line` on a new connection and reads the answer (or the close).
async fn send_line(addr: std::net::SocketAddr, line: std::sync::Arc<Vec<u8>>) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = stream.split();
    let send = async {
        let _ = write.write_all(&line).await;
    };
    // The answer is one line (or none, when the connection is closed).
    let receive = async {
        let mut answer = Vec::new();
        let mut chunk = [0u8; 4096];
        while !answer.ends_with(b"\n") {
            match read.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&chunk[..n]),
            }
        }
    };
    // The simulator answers a bad line at once and may close before all is sent.
    tokio::join!(send, async {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(30), receive).await;
    });
}

async fn large_input(sim: &systmone_sim::SimHandle) {
    let report = |what: &str| {
        println!(
            "{what:<38} RSS {:>6.1} MB (peak {:>6.1}); heap {:>6.1} MB (peak {:>6.1}); journal {:.1} MB",
            rss_kb() as f64 / 1024.0,
            peak_kb() as f64 / 1024.0,
            ALLOCATOR.current_usage() as f64 / 1048576.0,
            ALLOCATOR.peak_usage() as f64 / 1048576.0,
            sim.control().journal_bytes() as f64 / 1e6
        );
        ALLOCATOR.reset_peak_usage();
    };
    report("before the large input:");
    // Allocated once, at its size (the sender's own 15 MB are in the figures).
    let mut line = Vec::with_capacity(15 * 1024 * 1024 + 1);
    line.extend_from_slice(b"APIKey=f31e26725b5491f2 9434765919 SMITH ");
    line.resize(15 * 1024 * 1024, b'x');
    line.push(b'\n');
    let line = std::sync::Arc::new(line);
    for _ in 0..20 {
        send_line(sim.addr(), line.clone()).await;
    }
    report("after twenty 15 MB lines, in turn:");
    let at_once: Vec<_> = (0..20)
        .map(|_| tokio::spawn(send_line(sim.addr(), line.clone())))
        .collect();
    for task in at_once {
        task.await.unwrap();
    }
    report("after twenty 15 MB lines, at once:");
    let mut document = request(0).into_bytes();
    let at = document.len() - "</FunctionParameters></ClientIntegrationRequest>\n".len();
    let filler = format!("<Filler>{}</Filler>", "y".repeat(1024 * 1024));
    document.splice(at..at, filler.bytes());
    let document = std::sync::Arc::new(document);
    for _ in 0..100 {
        send_line(sim.addr(), document.clone()).await;
    }
    report("after 100 requests of 1 MB:");
    let mut big = request(0).into_bytes();
    let at = big.len() - "</FunctionParameters></ClientIntegrationRequest>\n".len();
    let filler = format!("<Filler>{}</Filler>", "y".repeat(15 * 1024 * 1024));
    big.splice(at..at, filler.bytes());
    let big = std::sync::Arc::new(big);
    let at_once: Vec<_> = (0..20)
        .map(|_| tokio::spawn(send_line(sim.addr(), big.clone())))
        .collect();
    for task in at_once {
        task.await.unwrap();
    }
    report("after twenty 15 MB requests, at once:");
    let last = sim.control().journal_latest(1);
    if let Some(entry) = last.first() {
        println!(
            "the last one is journalled as {:?}: {} of its {} bytes",
            entry.request_kept,
            entry.request_xml.len(),
            entry.request_size
        );
    }
}

/// The peak resident set size in kB (VmHWM), or 0 where /proc is not there.
fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
