//! Round-trip overhead of `Client::call` against a loopback peer that answers at once,
//! next to a bare TCP write-and-read of the same bytes against the same peer.
//!
//! Run: `cargo bench -p systmone-client --bench roundtrip`

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use futures::{SinkExt, StreamExt};
use systmone_bindings::patient_search_v1_0::PatientSearchParameters;
use systmone_client::{Client, ClientConfig, MemoryStore, PacingLimits};
use systmone_transport::codec::XmlDocumentCodec;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;

const RESULT: &str = "<Result><Identity><NHSNumber>7835438275</NHSNumber><StrategicReportingIdentifier>8484556</StrategicReportingIdentifier></Identity>\
    <FirstName>Azra</FirstName><Surname>Swift</Surname><DateOfBirth>1933-01-01</DateOfBirth><Sex>F</Sex>\
    <Address><HouseNumber>425</HouseNumber><Road>Leeds Road</Road><Town>Leeds</Town><Postcode>LS15 4DF</Postcode></Address></Result>";

/// Answers every request at once, echoing its RequestUID.
async fn peer(listener: TcpListener) {
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        tokio::spawn(async move {
            let mut framed = Framed::new(stream, XmlDocumentCodec::new());
            while let Some(Ok(bytes)) = framed.next().await {
                let text = String::from_utf8_lossy(&bytes);
                let uid = systmone_core::envelope::peek_header(&text)
                    .ok()
                    .and_then(|h| h.request_uid)
                    .unwrap_or_default();
                let response = format!(
                    "<ClientIntegrationResponse><DeviceID>392752167bd7f69b</DeviceID><RequestUID>{uid}</RequestUID>\
                     <Function>PatientSearch</Function><FunctionVersion>1.0</FunctionVersion>\
                     <ResponseUID>E1AE86B0-B34A-11E3-9FEC-010000001020</ResponseUID><Response>{RESULT}</Response></ClientIntegrationResponse>"
                );
                if framed.send(response.as_bytes()).await.is_err() {
                    break;
                }
            }
        });
    }
}

fn search() -> PatientSearchParameters {
    PatientSearchParameters {
        extra: Default::default(),
        date_of_birth: None,
        post_code: None,
        first_name: Some("A".into()),
        surname: Some("Swift".into()),
        telephone: None,
        gender: None,
    }
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let addr = runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(peer(listener));
        addr
    });

    let mut config = ClientConfig::new("f31e26725b5491f2");
    config.addr = addr.to_string();
    config.pacing = PacingLimits::off();
    config.negotiate_versions = false;
    let client = Client::builder(config)
        .device_store(Arc::new(MemoryStore::with_id("392752167bd7f69b")))
        .build()
        .unwrap();

    // The bytes the client sends, for the bare TCP comparison.
    let request = systmone_core::Request::<PatientSearchParameters> {
        extra: Default::default(),
        header: systmone_core::RequestHeader {
            api_key: systmone_core::ApiKey::new("f31e26725b5491f2"),
            device_id: "392752167bd7f69b".into(),
            device_version: "bench".into(),
            request_uid: "248DC730-B34A-11E3-A459-010000004280".into(),
        },
        function: "PatientSearch".into(),
        function_version: "1.0".into(),
        output_scheme: None,
        parameters: Some(search()),
    };
    let mut bytes = request.to_xml().unwrap().into_bytes();
    bytes.push(b'\n');
    let mut bare = runtime.block_on(async {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        BufReader::new(stream)
    });

    let mut group = c.benchmark_group("round_trip");
    group.bench_function("client_call_patient_search", |b| {
        b.iter(|| runtime.block_on(client.patient_search(search())).unwrap())
    });
    group.bench_function("bare_tcp_write_read", |b| {
        b.iter(|| {
            runtime.block_on(async {
                bare.get_mut().write_all(&bytes).await.unwrap();
                let mut line = Vec::new();
                bare.read_until(b'\n', &mut line).await.unwrap();
                line.len()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
