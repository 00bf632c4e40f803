//! The simulator's resource limits, each hit and answered with a clear error: the
//! journal kept in memory (and the full trail in a file), one request's size, the
//! bytes of unfinished requests of all connections together, open connections.

mod common;

use std::time::Duration;

use common::*;
use systmone_bindings::get_functions_v1_0::{GetFunctionsParameters, GetFunctionsV1_0};
use systmone_sim::{SimConfig, Simulator};

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
        max_buffered_bytes: 100_000,
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
    b.send_raw(unfinished(40_000).as_bytes()).await;
    let reply = b.read().await;
    let e = raw_error(&reply);
    assert!(!e.permanent, "a temporary error: {reply}");
    assert!(e.message.contains("busy"), "{}", e.message);
    assert!(
        e.message.contains("over its limit of 100000 bytes"),
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
async fn a_connection_over_the_limit_gets_a_temporary_error() {
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
    let mut third = Conn::connect(&sim).await;
    let reply = third.read().await;
    let e = raw_error(&reply);
    assert!(!e.permanent, "{reply}");
    assert!(
        e.message
            .contains("already has 2 connections open, its limit"),
        "{}",
        e.message
    );
    assert_eq!(third.try_read(Duration::from_secs(5)).await, None, "closed");
    // One closes: a new connection is served (once the simulator has seen it go).
    drop(open.pop());
    let served = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let mut c = Conn::connect(&sim).await;
            c.send_raw(GET_FUNCTIONS.as_bytes()).await;
            let reply = c.read().await;
            if !reply.contains("its limit") {
                return reply;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("a connection is served again");
    assert!(served.contains("GetPatientRecord"), "{served}");
    sim.shutdown().await;
}
