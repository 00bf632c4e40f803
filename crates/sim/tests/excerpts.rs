//! What the simulator shows of bytes it could not read: a short masked excerpt,
//! everywhere (the error response, the journal, the admin API, the console page, the
//! audit file, the log at every level), never the API key, an NHS number or a name;
//! and a connection speaking HTTP or TLS is closed unanswered with nothing it sent run.
//! A file of its own: it installs the process's global log subscriber.

mod common;

use std::time::Duration;

use common::http::{self, get};
use common::*;
use systmone_sim::{AuditOutcome, Kept, SimConfig, Simulator};

/// Everything written through a `tracing_subscriber` writer, kept for the test.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An accepted key that looks like no hex key: only naming it hides it.
const OTHER_KEY: &str = "Tr0ub4dor-and-3";
const NUMBER: &str = "9434765919";
const NAME: &str = "SMITH";

fn secrets_absent(what: &str, text: &str) {
    for secret in [KEY, OTHER_KEY, NUMBER, NAME, "943 476 5919"] {
        assert!(!text.contains(secret), "{secret} in {what}: {text}");
    }
}

#[tokio::test]
async fn received_bytes_are_shown_masked_everywhere_and_foreign_protocols_never_run() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let trail = dir.path().join("trail.jsonl");
    let sim = Simulator::start(SimConfig {
        api_keys: vec![KEY.to_string(), OTHER_KEY.to_string()],
        console: Some("127.0.0.1:0".parse().unwrap()),
        console_token: Some(http::TOKEN.to_string()),
        audit_file: Some(trail.clone()),
        ..config()
    })
    .await
    .unwrap();
    let console = sim.console_addr().unwrap();

    // Lines that are not documents, each holding a key, an NHS number and a name.
    let mut big = format!("APIKey={KEY} {NUMBER} {NAME} ").into_bytes();
    big.resize(3 * 1024 * 1024, b'x');
    let lines: Vec<Vec<u8>> = vec![
        format!("APIKey={KEY} nhs {NUMBER} {NAME}, John").into_bytes(),
        format!("{OTHER_KEY} 943 476 5919 {NAME}").into_bytes(),
        format!("key {KEY} <Surname>{NAME}</Surname> {NUMBER}").into_bytes(),
        big,
    ];
    let mut c = Conn::connect(&sim).await;
    for line in &lines {
        let mut bytes = line.clone();
        bytes.push(b'\n');
        c.send_raw(&bytes).await;
        let reply = c.read().await;
        let e = raw_error(&reply);
        assert!(
            e.message.contains("the request is not an XML document"),
            "{}",
            e.message
        );
        secrets_absent("the error response", &reply);
    }
    // The connection stays usable.
    c.send_raw(
        format!(
            "<ClientIntegrationRequest><APIKey>{KEY}</APIKey><DeviceID>392752167bd7f69b</DeviceID><DeviceVersion>t</DeviceVersion>\
             <RequestUID>ok</RequestUID><Function>GetFunctions</Function>\
             <FunctionVersion>1.0</FunctionVersion><FunctionParameters/></ClientIntegrationRequest>\n"
        )
        .as_bytes(),
    )
    .await;
    let reply = c.read().await;
    assert!(reply.contains("GetPatientRecord"), "{reply}");

    let journal = sim.control().audit();
    assert_eq!(journal.len(), 5);
    for (entry, line) in journal.iter().zip(&lines) {
        assert_eq!(entry.request_kept, Kept::Excerpt);
        assert_eq!(entry.request_size, line.len());
        assert!(
            entry.request_xml.chars().count() <= 80,
            "{}",
            entry.request_xml
        );
        secrets_absent("the journal", &entry.request_xml);
        secrets_absent("the journal", entry.response_xml.as_deref().unwrap());
    }
    assert!(
        journal[0]
            .request_xml
            .starts_with("[name]=[redacted] nhs ##########")
    );
    // The admin API, the console's pages, the audit file.
    let api = get(console, "/api/journal?xml=true").await;
    assert_eq!(api.status, 200);
    secrets_absent("the admin API", &api.body);
    for e in &journal {
        let page = get(console, &format!("/console/journal/{}", e.seq)).await;
        assert_eq!(page.status, 200);
        secrets_absent("the console's entry page", &page.body);
    }
    let page = get(console, "/console").await;
    secrets_absent("the console", &page.body);

    // HTTP: a web page's POST, its body an UpdatePatientRecord; and a TLS hello.
    let update = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/UpdatePatientRecord/v1.0/add-clinical-code-ctv3.request.xml"
    ))
    .unwrap();
    let post = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{update}",
        sim.addr(),
        update.len()
    );
    let tls: &[u8] = &[
        0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03, 0x03,
    ];
    for opening in [post.as_bytes(), tls] {
        let mut c = Conn::connect(&sim).await;
        c.send_raw(opening).await;
        assert_eq!(
            c.try_read(Duration::from_secs(5)).await,
            None,
            "closed with nothing answered"
        );
    }
    let journal = sim.control().audit();
    let refused: Vec<_> = journal
        .iter()
        .filter(|e| matches!(e.outcome, AuditOutcome::Refused { .. }))
        .collect();
    assert_eq!(refused.len(), 2, "{journal:?}");
    assert!(
        journal.iter().all(|e| e.function != "UpdatePatientRecord"),
        "the POST's body was not run"
    );
    sim.shutdown().await;

    let file = std::fs::read_to_string(&trail).unwrap();
    assert_eq!(file.lines().count(), 7);
    secrets_absent("the audit file", &file);
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    secrets_absent("the log", &log);
    let warned: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("a connection speaking another protocol closed unanswered"))
        .collect();
    assert_eq!(warned.len(), 2, "{log}");
    assert!(warned.iter().all(|l| l.contains("WARN")));
    assert!(warned[0].contains("protocol=HTTP") && warned[1].contains("protocol=TLS"));
    assert!(
        !log.contains("Host:") && !log.contains("X505K"),
        "no content: {log}"
    );
}
