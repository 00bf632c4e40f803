//! The simulator's resource limits, each hit and answered with a clear error: the
//! journal kept in memory (and the full trail in a file), one request's size, the
//! bytes of unfinished requests of all connections together, open connections.

mod common;

use std::time::Duration;

use common::*;
use systmone_bindings::get_functions_v1_0::{GetFunctionsParameters, GetFunctionsV1_0};
use systmone_sim::{Approval, SimConfig, Simulator};

const GET_FUNCTIONS: &str = "<ClientIntegrationRequest><APIKey>f31e26725b5491f2</APIKey>\
<DeviceID>392752167bd7f69b</DeviceID><DeviceVersion>v1.0</DeviceVersion>\
<RequestUID>U</RequestUID><Function>GetFunctions</Function>\
<FunctionVersion>1.0</FunctionVersion><FunctionParameters/></ClientIntegrationRequest>\n";

#[tokio::test]
async fn the_journal_keeps_the_latest_in_memory_and_all_in_the_audit_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trail.jsonl");
    let sim = Simulator::start(SimConfig {
        audit_capacity: 3,
        audit_file: Some(file.clone()),
        ..config()
    })
    .await
    .unwrap();
    let mut c = Conn::connect(&sim).await;
    for _ in 0..5 {
        c.ok::<GetFunctionsV1_0>(GetFunctionsParameters::default())
            .await;
    }
    let seqs: Vec<u64> = sim.control().audit().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [3, 4, 5], "the latest three, oldest first");
    sim.shutdown().await;
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5, "{text}");
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["seq"], i as u64 + 1);
        assert_eq!(line["outcome"], "success");
        assert_eq!(line["function"], "GetFunctions");
        let request = line["request_xml"].as_str().unwrap();
        assert!(request.contains("<APIKey>[redacted]</APIKey>"), "{request}");
        assert!(!text.contains(KEY), "the API key never reaches the file");
        assert!(
            line["response_xml"]
                .as_str()
                .unwrap()
                .contains("GetFunctions")
        );
    }
}

#[tokio::test]
async fn an_audit_file_that_cannot_be_opened_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let Err(e) = Simulator::start(SimConfig {
        audit_file: Some(dir.path().join("no/such/dir/trail.jsonl")),
        ..config()
    })
    .await
    else {
        panic!("started")
    };
    assert!(e.to_string().contains("cannot open the audit file"), "{e}");
}

#[tokio::test]
async fn a_request_over_the_size_limit_is_answered_and_its_connection_closed() {
    let sim = Simulator::start(SimConfig {
        max_request_bytes: 1024,
        ..config()
    })
    .await
    .unwrap();
    let mut c = Conn::connect(&sim).await;
    let mut big = String::from("<ClientIntegrationRequest><APIKey>");
    big.push_str(&"k".repeat(2000));
    c.send_raw(big.as_bytes()).await;
    let reply = c.read().await;
    let e = raw_error(&reply);
    assert!(e.permanent, "{reply}");
    assert!(
        e.message.contains("larger than the limit of 1024 bytes"),
        "{}",
        e.message
    );
    assert_eq!(c.try_read(Duration::from_secs(5)).await, None, "closed");
    // Its buffer is given back as its task ends.
    tokio::time::timeout(Duration::from_secs(10), async {
        while sim.control().buffered_bytes() != 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the buffer given back");
    sim.shutdown().await;
}

#[tokio::test]
async fn unfinished_requests_over_the_limit_of_all_connections_are_refused() {
    let sim = Simulator::start(SimConfig {
        max_request_bytes: 1024 * 1024,
        // Buffers are counted by their allocation, which doubles as it grows: 80,000
        // bytes take 128 KiB.
        max_buffered_bytes: 200_000,
        ..config()
    })
    .await
    .unwrap();
    let unfinished = |n: usize| {
        let mut text = String::from("<ClientIntegrationRequest><APIKey>");
        text.push_str(&"k".repeat(n));
        text
    };
    let mut a = Conn::connect(&sim).await;
    a.send_raw(unfinished(80_000).as_bytes()).await;
    // Wait (bounded) until the simulator holds A's bytes.
    tokio::time::timeout(Duration::from_secs(10), async {
        while sim.control().buffered_bytes() < 80_000 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the simulator reads the unfinished request");
    let mut b = Conn::connect(&sim).await;
    b.send_raw(unfinished(80_000).as_bytes()).await;
    let reply = b.read().await;
    let e = raw_error(&reply);
    assert!(!e.permanent, "a temporary error: {reply}");
    assert!(e.message.contains("busy"), "{}", e.message);
    assert!(
        e.message.contains("over its limit of 200000 bytes"),
        "{}",
        e.message
    );
    assert_eq!(b.try_read(Duration::from_secs(5)).await, None, "closed");
    // A finishes its request: answered (an error: the key is not valid), and the
    // simulator holds nothing once it is read.
    a.send_raw(b"</APIKey></ClientIntegrationRequest>\n").await;
    let reply = a.read().await;
    assert!(raw_error(&reply).permanent, "{reply}");
    assert_eq!(sim.control().buffered_bytes(), 0);
    // Small requests go on being answered.
    let mut c = Conn::connect(&sim).await;
    c.send_raw(GET_FUNCTIONS.as_bytes()).await;
    assert!(c.read().await.contains("GetPatientRecord"));
    sim.shutdown().await;
}

#[tokio::test]
async fn at_the_connection_limit_the_longest_idle_makes_room_and_only_busy_ones_refuse() {
    let sim = Simulator::start(SimConfig {
        max_connections: 2,
        ..config()
    })
    .await
    .unwrap();
    let mut open = Vec::new();
    for _ in 0..2 {
        let mut c = Conn::connect(&sim).await;
        c.send_raw(GET_FUNCTIONS.as_bytes()).await;
        assert!(c.read().await.contains("GetPatientRecord"));
        open.push(c);
    }
    // Both idle: a third is served, and the one idle the longest is closed.
    let mut third = Conn::connect(&sim).await;
    third.send_raw(GET_FUNCTIONS.as_bytes()).await;
    assert!(third.read().await.contains("GetPatientRecord"));
    assert_eq!(
        open[0].try_read(Duration::from_secs(5)).await,
        None,
        "closed"
    );
    assert_eq!(sim.open_connections(), 2);
    sim.shutdown().await;

    // Connections waiting for the user's approval are busy: a third is refused.
    let sim = Simulator::start(SimConfig {
        max_connections: 2,
        approval: Approval::Ask,
        ..config()
    })
    .await
    .unwrap();
    let new_device = GET_FUNCTIONS.replace("392752167bd7f69b", "");
    let mut waiting = Vec::new();
    for _ in 0..2 {
        let mut c = Conn::connect(&sim).await;
        c.send_raw(new_device.as_bytes()).await;
        waiting.push(c);
    }
    tokio::time::timeout(Duration::from_secs(10), async {
        while sim.control().devices().pending.len() < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("two devices waiting");
    let mut refused = Conn::connect(&sim).await;
    let reply = refused.read().await;
    let e = raw_error(&reply);
    assert!(!e.permanent, "{reply}");
    assert!(
        e.message
            .contains("already has 2 connections open, its limit, all of them busy"),
        "{}",
        e.message
    );
    assert_eq!(
        refused.try_read(Duration::from_secs(5)).await,
        None,
        "closed"
    );
    sim.shutdown().await;
}

/// A request's first bytes, sent a byte at a time by the slow connections.
const SLOW: &[u8] = b"<ClientIntegrationRequest><APIKey>";

#[tokio::test]
async fn a_real_client_is_served_while_64_slow_connections_are_open() {
    let sim = Simulator::start(config()).await.unwrap();
    assert_eq!(SimConfig::default().max_connections, 64);
    let mut slow = Vec::new();
    for _ in 0..64 {
        let mut c = Conn::connect(&sim).await;
        c.send_raw(&SLOW[..1]).await;
        slow.push(c);
    }
    // Past the half second after which a slow request's rate counts against it.
    tokio::time::sleep(Duration::from_millis(700)).await;
    for c in &mut slow {
        c.send_raw(&SLOW[1..2]).await;
    }
    assert_eq!(sim.open_connections(), 64);
    for round in 0..5 {
        let started = std::time::Instant::now();
        let mut client = Conn::connect(&sim).await;
        client.send_raw(GET_FUNCTIONS.as_bytes()).await;
        let reply = client.read().await;
        assert!(reply.contains("GetPatientRecord"), "round {round}: {reply}");
        eprintln!(
            "a real client beside 64 slow connections: served in {:.1} ms (round {round})",
            started.elapsed().as_secs_f64() * 1000.0
        );
        assert_eq!(sim.open_connections(), 64, "one slow connection made room");
    }
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn slow_connections_are_closed_at_their_deadline_and_never_lock_a_client_out() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::time::Instant;
    let sim = Simulator::start(config()).await.unwrap();
    let start = Instant::now();
    // 64 connections sending a byte a second.
    let mut slow = Vec::new();
    for _ in 0..64 {
        slow.push(sim.connect_in_memory());
    }
    let mut closed_at = Vec::new();
    let mut served_after = None;
    for second in 0..SLOW.len() {
        for (i, stream) in slow.iter_mut().enumerate() {
            if closed_at.iter().any(|(j, _)| *j == i) {
                continue;
            }
            // Closed: the write fails, or a read sees the end (never an answer).
            let mut byte = [0u8; 1];
            let ended = stream.write_all(&SLOW[second..second + 1]).await.is_err()
                || matches!(
                    futures::FutureExt::now_or_never(stream.read(&mut byte)),
                    Some(Ok(0)) | Some(Err(_))
                );
            if ended {
                closed_at.push((i, start.elapsed()));
            }
        }
        if second == 5 {
            // A real client, while all 64 are open.
            assert_eq!(sim.open_connections(), 64);
            let asked = Instant::now();
            let mut client = sim.connect_in_memory();
            client.write_all(GET_FUNCTIONS.as_bytes()).await.unwrap();
            let mut reply = Vec::new();
            let mut chunk = [0u8; 4096];
            while !reply.ends_with(b"\n") {
                let n = tokio::time::timeout(Duration::from_secs(5), client.read(&mut chunk))
                    .await
                    .expect("an answer within 5 s")
                    .unwrap();
                assert!(n > 0, "answered before closing");
                reply.extend_from_slice(&chunk[..n]);
            }
            let reply = String::from_utf8(reply).unwrap();
            assert!(reply.contains("GetPatientRecord"), "{reply}");
            served_after = Some(asked.elapsed());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let served_after = served_after.unwrap();
    // One made room for the client at once; the other 63 at their deadline: 10 s
    // (and the few milliseconds their bytes are worth) after their first byte.
    assert_eq!(closed_at.len(), 64, "{closed_at:?}");
    let latest = closed_at.iter().map(|(_, t)| *t).max().unwrap();
    let at_deadline = closed_at
        .iter()
        .filter(|(_, t)| *t >= Duration::from_secs(10) && *t <= Duration::from_secs(12))
        .count();
    assert_eq!(at_deadline, 63, "{closed_at:?}");
    assert!(served_after < Duration::from_secs(1), "{served_after:?}");
    eprintln!(
        "64 connections at a byte a second: a real client served in {served_after:?} of the \
         paused clock; one closed to make room for it, {at_deadline} at their deadline (seen \
         closed within {latest:?} of the first byte)"
    );
    sim.shutdown().await;
}
