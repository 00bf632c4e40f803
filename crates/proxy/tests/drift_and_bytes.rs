//! The proxy against an upstream written here: bytes pass unchanged both ways (layout,
//! BOM, `<EOF>` terminator, odd chunking), drift in a response is reported by path, and
//! a request the upstream never answers stays unanswered.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use systmone_proxy::recording::read_recording;
use systmone_proxy::{Masking, Outcome, Proxy, ProxyConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const FIXTURE: &str = include_str!(
    "../../../tests/fixtures/GetPatientRecord/v1.0/f8-demographics-as-sent.response.xml"
);

/// A request as a .NET integration might frame it: BOM, declaration, CRLF, `<EOF>`.
const REQUEST: &[u8] = b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<ClientIntegrationRequest>\r\n  <APIKey>f31e26725b5491f2</APIKey>\r\n  <DeviceID>8e3f5a91c27d4b06</DeviceID>\r\n  <DeviceVersion>test 1</DeviceVersion>\r\n  <RequestUID>REQ-1</RequestUID>\r\n  <Function>GetPatientRecord</Function>\r\n  <FunctionVersion>1.0</FunctionVersion>\r\n  <FunctionParameters><Identity><NHSNumber>9990277656</NHSNumber></Identity></FunctionParameters>\r\n</ClientIntegrationRequest><EOF>";

/// The fixture answering REQ-1, with an element and an attribute the bindings do not
/// know (as a newer SystmOne might send), ending in CRLF.
fn drifted_response() -> Vec<u8> {
    let text = FIXTURE
        .replace(
            "<RequestUID>A0CE5E80-CA20-11F0-B1D4-6C2B59E8A7F3</RequestUID>",
            "<RequestUID>REQ-1</RequestUID>",
        )
        .replace("<Demographics>", "<Demographics Verified=\"yes\">")
        .replace(
            "<Sex>M</Sex>",
            "<Sex>M</Sex>\n\t\t\t<Pronouns>he/him</Pronouns>",
        );
    assert!(text.contains("Pronouns") && text.contains("REQ-1"));
    let mut bytes = text.trim_end().as_bytes().to_vec();
    bytes.extend_from_slice(b"\r\n");
    bytes
}

struct Upstream {
    addr: std::net::SocketAddr,
    received: Arc<Mutex<Vec<u8>>>,
}

/// Accepts one connection, keeps every byte it receives, and once it has `wait_for`
/// bytes sends `answer` (if any) in three pieces.
async fn upstream(wait_for: usize, answer: Option<Vec<u8>>) -> Upstream {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let mut answered = false;
        loop {
            let n = match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let total = {
                let mut kept = kept.lock().unwrap();
                kept.extend_from_slice(&buf[..n]);
                kept.len()
            };
            if total >= wait_for && !answered {
                answered = true;
                if let Some(answer) = &answer {
                    let third = answer.len() / 3;
                    for piece in [
                        &answer[..third],
                        &answer[third..2 * third],
                        &answer[2 * third..],
                    ] {
                        stream.write_all(piece).await.unwrap();
                        stream.flush().await.unwrap();
                        tokio::task::yield_now().await;
                    }
                }
            }
        }
    });
    Upstream { addr, received }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_pass_unchanged_and_drift_is_reported_by_path() {
    let record = tempfile::tempdir().unwrap();
    let answer = drifted_response();
    let upstream = upstream(REQUEST.len(), Some(answer.clone())).await;
    let mut config = ProxyConfig::new("127.0.0.1:0".parse().unwrap(), upstream.addr);
    config.record = Some(record.path().to_path_buf());
    config.masking = Masking::default();
    let proxy = Proxy::start(config).await.unwrap();

    let mut integration = tokio::net::TcpStream::connect(proxy.addr()).await.unwrap();
    // The request in uneven pieces, as a slow writer sends it.
    for piece in REQUEST.chunks(37) {
        integration.write_all(piece).await.unwrap();
        integration.flush().await.unwrap();
    }
    let mut got = vec![0u8; answer.len()];
    tokio::time::timeout(Duration::from_secs(10), integration.read_exact(&mut got))
        .await
        .expect("the response arrives")
        .unwrap();
    assert_eq!(
        got, answer,
        "the response reaches the integration byte for byte"
    );
    integration.shutdown().await.unwrap();
    // The upstream closes when the integration does; nothing more arrives.
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), integration.read_to_end(&mut rest))
        .await
        .unwrap()
        .unwrap();
    assert!(rest.is_empty());
    assert_eq!(
        upstream.received.lock().unwrap().as_slice(),
        REQUEST,
        "the request reaches the upstream byte for byte"
    );

    let summary = proxy.shutdown().await.unwrap();
    let paths: Vec<(&str, &str)> = summary
        .drift
        .iter()
        .map(|(path, d)| (path.as_str(), d.kind.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("Response/Demographics/@Verified", "unknown attribute"),
            ("Response/Demographics/Pronouns", "unknown element"),
        ],
        "{}",
        summary.render()
    );
    assert_eq!(summary.functions["GetPatientRecord 1.0"].drifted, 1);
    let metas = read_recording(record.path()).unwrap();
    assert_eq!(metas.len(), 1);
    assert_eq!(metas[0].request_uid, "REQ-1");
    assert_eq!(metas[0].outcome, Outcome::Answered);
    assert_eq!(metas[0].drift.len(), 2);
    // Masked: neither the NHS number, the name nor the API key is written.
    for file in [
        "000001-GetPatientRecord.request.xml",
        "000001-GetPatientRecord.response.xml",
    ] {
        let text = std::fs::read_to_string(record.path().join(file)).unwrap();
        for original in [
            "9990277656",
            "Ellingworth",
            "Caspar",
            "1959-12-02",
            "f31e26725b5491f2",
        ] {
            assert!(!text.contains(original), "{original} in {file}");
        }
    }
    // The summary names paths and kinds only: no value of the drifted content.
    let json = std::fs::read_to_string(record.path().join("summary.json")).unwrap();
    assert!(json.contains("Response/Demographics/Pronouns"));
    assert!(!json.contains("he/him") && !json.contains("yes\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_the_upstream_never_answers_stays_unanswered() {
    let record = tempfile::tempdir().unwrap();
    let upstream = upstream(REQUEST.len(), None).await;
    let mut config = ProxyConfig::new("127.0.0.1:0".parse().unwrap(), upstream.addr);
    config.record = Some(record.path().to_path_buf());
    let proxy = Proxy::start(config).await.unwrap();
    let mut integration = tokio::net::TcpStream::connect(proxy.addr()).await.unwrap();
    integration.write_all(REQUEST).await.unwrap();
    // Wait until the upstream has it all, then give up as an integration would.
    tokio::time::timeout(Duration::from_secs(10), async {
        while upstream.received.lock().unwrap().len() < REQUEST.len() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap();
    integration.shutdown().await.unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), integration.read_to_end(&mut rest))
        .await
        .unwrap()
        .unwrap();
    assert!(rest.is_empty(), "the proxy answers nothing of its own");
    let summary = proxy.shutdown().await.unwrap();
    let counts = &summary.functions["GetPatientRecord 1.0"];
    assert_eq!(
        (counts.requests, counts.responses, counts.unanswered),
        (1, 0, 1)
    );
    let metas = read_recording(record.path()).unwrap();
    assert_eq!(metas[0].outcome, Outcome::Unanswered);
    assert!(metas[0].response_file.is_none() && metas[0].response_ms.is_none());
    // The upstream saw the request once: the proxy does not retry.
    assert_eq!(upstream.received.lock().unwrap().as_slice(), REQUEST);
}

/// Everything the integration receives until the proxy closes (a reset after the last
/// bytes ends it too).
async fn received_until_closed(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = async {
        while let Ok(n) = stream.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("the proxy closes the connection");
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_protocol_is_never_forwarded_nor_answered() {
    let http: &[u8] = b"POST / HTTP/1.1\r\nHost: 127.0.0.1:40700\r\nContent-Type: text/xml\r\n\r\n";
    let tls: &[u8] = &[
        0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03, 0x03,
    ];
    for (opening, split) in [(http, 2), (http, 40), (tls, 1)] {
        let upstream = upstream(1, Some(b"<unexpected/>\n".to_vec())).await;
        let proxy = Proxy::start(ProxyConfig::new(
            "127.0.0.1:0".parse().unwrap(),
            upstream.addr,
        ))
        .await
        .unwrap();
        let mut integration = tokio::net::TcpStream::connect(proxy.addr()).await.unwrap();
        // A web page's POST, its body an UpdatePatientRecord; the opening split, as
        // a slow sender's would be.
        integration.write_all(&opening[..split]).await.unwrap();
        integration.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _ = integration.write_all(&opening[split..]).await;
        let _ = integration.write_all(REQUEST).await;
        let got = received_until_closed(&mut integration).await;
        assert!(got.is_empty(), "nothing answered: {got:?}");
        let summary = proxy.shutdown().await.unwrap();
        assert_eq!(summary.errors.foreign_protocol, 1);
        assert_eq!(summary.exchanges, 0);
        assert!(
            upstream.received.lock().unwrap().is_empty(),
            "not one byte reached the upstream"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upstreams_last_answer_reaches_the_integration_before_the_close() {
    // The simulator answers a request over its size limit with an error response and
    // closes, while the integration is still sending it.
    let sim = systmone_sim::Simulator::start(systmone_sim::SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: systmone_sim::Throttle::Off,
        max_request_bytes: 64 * 1024,
        ..systmone_sim::SimConfig::default()
    })
    .await
    .unwrap();
    let proxy = Proxy::start(ProxyConfig::new("127.0.0.1:0".parse().unwrap(), sim.addr()))
        .await
        .unwrap();
    let mut integration = tokio::net::TcpStream::connect(proxy.addr()).await.unwrap();
    let mut request =
        b"<ClientIntegrationRequest><APIKey>f31e26725b5491f2</APIKey><FunctionParameters>".to_vec();
    request.resize(4 * 1024 * 1024, b'x');
    let (mut read, mut write) = integration.split();
    let send = async {
        // Cut off part way: the upstream stopped reading.
        let _ = write.write_all(&request).await;
    };
    let receive = async {
        let mut got = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(n) = read.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&chunk[..n]);
        }
        got
    };
    let (_, got) = tokio::time::timeout(Duration::from_secs(20), async {
        tokio::join!(send, receive)
    })
    .await
    .expect("the proxy closes the connection");
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.contains(
            "<ErrorMessage>The request could not be framed: XML document larger than the limit"
        ),
        "the upstream's error response is passed on: {text:?}"
    );
    proxy.shutdown().await.unwrap();
    sim.shutdown().await;
}
