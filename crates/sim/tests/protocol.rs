//! Framing, malformed input, API keys, device approval, faults, ExitClient.

mod common;

use std::time::Duration;

use common::*;
use systmone_bindings::get_functions_v1_0::{GetFunctionsParameters, GetFunctionsV1_0};
use systmone_bindings::is_patient_retrieved_v1_0::{
    IsPatientRetrievedParameters, IsPatientRetrievedV1_0,
};
use systmone_bindings::update_patient_record_v1_0::{
    UpdatePatientRecordParameters, UpdatePatientRecordV1_0,
};
use systmone_core::{Response, ResponseBody};
use systmone_sim::{Approval, AuditOutcome, FaultSpec, SimConfig, Simulator};
use systmone_types::{Clinical, ClinicalCode, Code, DataItem, Event, SchemeName};

const DOC_GET_FUNCTIONS: &str = "<ClientIntegrationRequest>
<APIKey>f31e26725b5491f2</APIKey>
<DeviceID>392752167bd7f69b</DeviceID>
<DeviceVersion>v1.0</DeviceVersion>
<RequestUID>F90B7D20-B342-11E3-A459-010000004280</RequestUID>
<Function>GetFunctions</Function>
<FunctionVersion>1.0</FunctionVersion>
<FunctionParameters></FunctionParameters>
</ClientIntegrationRequest>";

fn functions(text: &str) -> Response<systmone_bindings::get_functions_v1_0::GetFunctionsResult> {
    Response::from_xml(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[tokio::test]
async fn every_framing_variant() {
    let sim = start().await;
    let mut c = Conn::connect(&sim).await;
    // \n, \r\n, <EOF>, nothing (next document follows directly), pretty-printed.
    let one_line = DOC_GET_FUNCTIONS.replace('\n', "");
    let mut input = String::new();
    input.push_str(&one_line);
    input.push('\n');
    input.push_str(&one_line);
    input.push_str("\r\n");
    input.push_str(&one_line);
    input.push_str("<EOF>");
    input.push_str(&one_line);
    input.push_str(DOC_GET_FUNCTIONS);
    input.push('\n');
    input.push_str("\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    input.push_str(DOC_GET_FUNCTIONS);
    c.send_raw(input.as_bytes()).await;
    for _ in 0..6 {
        let reply = c.read().await;
        let r = functions(&reply);
        assert_eq!(r.request_uid, "F90B7D20-B342-11E3-A459-010000004280");
        assert_eq!(r.device_id, "392752167bd7f69b");
        assert!(matches!(r.body, ResponseBody::Success(ref f) if f.supported_function.len() == 17));
        // GUID-style response UID.
        let parts: Vec<_> = r.response_uid.split('-').map(str::len).collect();
        assert_eq!(parts, vec![8, 4, 4, 4, 12]);
    }
    // Split into 1-byte writes.
    for b in one_line.as_bytes() {
        c.send_raw(std::slice::from_ref(b)).await;
    }
    c.send_raw(b"\n").await;
    assert!(matches!(
        functions(&c.read().await).body,
        ResponseBody::Success(_)
    ));
    // No terminator, then a half-close.
    c.send_raw(one_line.as_bytes()).await;
    c.stream.shutdown().await.unwrap_or(());
    assert!(matches!(
        functions(&c.read().await).body,
        ResponseBody::Success(_)
    ));
    assert_eq!(c.try_read(Duration::from_secs(5)).await, None);
    sim.shutdown().await;
}

use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn half_close_ends_an_unterminated_request() {
    let sim = start().await;
    let mut c = Conn::connect(&sim).await;
    c.send_raw(DOC_GET_FUNCTIONS.as_bytes()).await;
    c.stream.shutdown().await.unwrap();
    let r = functions(&c.read().await);
    assert!(matches!(r.body, ResponseBody::Success(_)));
    sim.shutdown().await;
}

#[tokio::test]
async fn malformed_requests_get_errors_and_the_connection_survives() {
    let sim = start().await;
    let mut c = Conn::connect(&sim).await;
    let bad: &[&str] = &[
        "this is not xml\n",
        "<NotARequest><A/></NotARequest>\n",
        "<ClientIntegrationRequest><APIKey>f31e26725b5491f2</APIKey><DeviceID></DeviceID>\
<DeviceVersion>v</DeviceVersion><RequestUID>R1</RequestUID><Function>NoSuchFunction</Function>\
<FunctionVersion>1.0</FunctionVersion></ClientIntegrationRequest>\n",
        "<ClientIntegrationRequest><APIKey>f31e26725b5491f2</APIKey><DeviceID></DeviceID>\
<DeviceVersion>v</DeviceVersion><RequestUID>R2</RequestUID><Function>GetFunctions</Function>\
<FunctionVersion>9.9</FunctionVersion></ClientIntegrationRequest>\n",
        "<ClientIntegrationRequest><APIKey>f31e26725b5491f2</APIKey><DeviceID></DeviceID>\
<DeviceVersion>v</DeviceVersion><RequestUID>R3</RequestUID><Function>PatientSearch</Function>\
<FunctionVersion>1.0</FunctionVersion><FunctionParameters><Gender>X</Gender><Surname>A</Surname>\
</FunctionParameters></ClientIntegrationRequest>\n",
        "<!DOCTYPE x [<!ENTITY a 'b'>]><ClientIntegrationRequest></ClientIntegrationRequest>\n",
        "<ClientIntegrationRequest><APIKey>a</APIKey></Mismatch>\n",
    ];
    for (i, text) in bad.iter().enumerate() {
        c.send_raw(text.as_bytes()).await;
        let reply = c.read().await;
        let e = raw_error(&reply);
        assert!(e.permanent, "{i}: {reply}");
        assert!(!e.message.is_empty());
    }
    // The echo of an invalid but readable request.
    assert!(sim.control().audit().iter().any(|a| a.request_uid == "R3"));
    // Still usable.
    c.send_raw(format!("{DOC_GET_FUNCTIONS}\n").as_bytes())
        .await;
    assert!(matches!(
        functions(&c.read().await).body,
        ResponseBody::Success(_)
    ));
    let audit = sim.control().audit();
    assert!(
        audit
            .iter()
            .any(|a| matches!(a.outcome, AuditOutcome::Unparseable { .. }))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn many_connections_at_once() {
    let sim = start().await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let mut c = Conn::connect(&sim).await;
        tasks.push(tokio::spawn(async move {
            for _ in 0..5 {
                let f = c
                    .ok::<GetFunctionsV1_0>(GetFunctionsParameters::default())
                    .await;
                assert_eq!(f.supported_function.len(), 17);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn api_key_is_checked() {
    let sim = start().await;
    let mut c = Conn::connect(&sim).await;
    let text = DOC_GET_FUNCTIONS.replace("f31e26725b5491f2", "0000000000000000");
    c.send_raw(format!("{text}\n").as_bytes()).await;
    let e = raw_error(&c.read().await);
    assert!(e.permanent);
    assert!(e.message.contains("API key"));
    assert!(!format!("{:?}", sim.control().audit()).is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn device_ids_are_allocated_after_approval() {
    let sim = start().await;
    let mut c = Conn::connect(&sim).await;
    let r = c
        .call::<GetFunctionsV1_0>(GetFunctionsParameters::default())
        .await;
    assert_eq!(r.device_id.len(), 16);
    assert!(r.device_id.chars().all(|ch| ch.is_ascii_hexdigit()));
    let first = r.device_id.clone();
    assert!(sim.control().device_ids().contains(&first));
    // Known device: keeps its ID.
    let r = c
        .call::<GetFunctionsV1_0>(GetFunctionsParameters::default())
        .await;
    assert_eq!(r.device_id, first);
    // An unknown non-empty ID is treated as a new device and given a fresh ID.
    c.device_id = "ffffffffffffffff".into();
    let r = c
        .call::<GetFunctionsV1_0>(GetFunctionsParameters::default())
        .await;
    assert_ne!(r.device_id, "ffffffffffffffff");
    assert_eq!(r.device_id.len(), 16);
    // Blocked through the Device Manager.
    sim.control().block_device(&first);
    c.device_id = first.clone();
    let e = error(
        c.call::<GetFunctionsV1_0>(GetFunctionsParameters::default())
            .await,
    );
    assert!(e.message.contains("blocked"));
    assert!(e.message.contains("Device Manager"));
    sim.shutdown().await;
}

#[tokio::test]
async fn blocking_approval_refuses_new_devices() {
    let sim = Simulator::start(SimConfig {
        approval: Approval::Block,
        ..config()
    })
    .await
    .unwrap();
    let mut c = Conn::connect(&sim).await;
    let e = error(
        c.call::<GetFunctionsV1_0>(GetFunctionsParameters::default())
            .await,
    );
    assert!(e.permanent);
    assert!(e.message.contains("blocked"));
    assert!(e.message.contains("Setup > Mobile Working & Integration"));
    // A device approved before (the document's example ID) still works.
    c.send_raw(format!("{DOC_GET_FUNCTIONS}\n").as_bytes())
        .await;
    assert!(matches!(
        functions(&c.read().await).body,
        ResponseBody::Success(_)
    ));
    sim.shutdown().await;
}

#[tokio::test]
async fn exit_client_answers_then_stops() {
    let sim = start().await;
    let mut c = Conn::connect(&sim).await;
    c.send_raw(
        b"<ClientIntegrationRequest><APIKey>0f3e33ae95b74520</APIKey><DeviceID>60e1dc7b6c786750</DeviceID>\
<DeviceVersion>v1.0</DeviceVersion><RequestUID>D6CDD100-2907-11E4-97A6-010000004000</RequestUID>\
<Function>ExitClient</Function><FunctionVersion>1.0</FunctionVersion>\
<FunctionParameters></FunctionParameters></ClientIntegrationRequest>\n",
    )
    .await;
    let reply = c.read().await;
    assert!(reply.contains("<Response></Response>"), "{reply}");
    let addr = sim.addr();
    tokio::time::timeout(Duration::from_secs(3), sim.wait())
        .await
        .expect("stopped within 3 s");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

fn eczema() -> UpdatePatientRecordParameters {
    UpdatePatientRecordParameters {
        extra: Default::default(),
        identity: Some(nhs("6343800514")),
        demographics: None,
        clinical: Some(Clinical {
            extra: Default::default(),
            event: vec![Event {
                extra: Default::default(),
                date_time: None,
                user_name: None,
                done_by: None,
                done_at: None,
                method: None,
                software: None,
                linked_referral_uid: None,
                event_uid: None,
                items: vec![DataItem::ClinicalCode(Box::new(ClinicalCode {
                    problem_uid: None,
                    problem_severity: None,
                    episodicity: None,
                    problem_end_date: None,
                    extra: Default::default(),
                    code: Code {
                        extra: Default::default(),
                        scheme: SchemeName::Ctv3,
                        code: "X505K".into(),
                        term: None,
                    },
                    value: None,
                    units: None,
                    comparator: None,
                    free_text: None,
                    linked_problem_uid: vec![],
                }))],
            }],
        }),
        non_clinical: None,
        leave_record_open: None,
    }
}

#[tokio::test]
async fn faults() {
    let faults: Vec<FaultSpec> = [
        "drop@1",
        "temporary@2",
        "drop-after-write@3",
        "delay=200ms@4",
        "close-mid@5",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let sim = Simulator::start(SimConfig { faults, ..config() })
        .await
        .unwrap();
    let mut c = Conn::connect(&sim).await;
    c.device_id = "392752167bd7f69b".into();
    // 1: dropped, no response.
    let r1 = c.request::<IsPatientRetrievedV1_0>(IsPatientRetrievedParameters::default());
    c.send_raw(format!("{}\n", r1.to_xml().unwrap()).as_bytes())
        .await;
    assert_eq!(c.try_read(Duration::from_millis(300)).await, None);
    // 2: temporary error.
    let e = c
        .err::<IsPatientRetrievedV1_0>(IsPatientRetrievedParameters::default())
        .await;
    assert!(!e.permanent);
    // 3: the write is applied, the response dropped.
    let r3 = c.request::<UpdatePatientRecordV1_0>(eczema());
    c.send_raw(format!("{}\n", r3.to_xml().unwrap()).as_bytes())
        .await;
    assert_eq!(c.try_read(Duration::from_millis(300)).await, None);
    let audit = sim.control().audit();
    let applied = audit
        .iter()
        .find(|a| a.request_uid == r3.header.request_uid)
        .unwrap();
    assert_eq!(applied.outcome, AuditOutcome::Success);
    assert_eq!(applied.fault.as_deref(), Some("drop-after-write@3"));
    assert!(
        applied
            .response_xml
            .as_ref()
            .unwrap()
            .contains("<EventUID>")
    );
    // 4: delayed.
    let started = std::time::Instant::now();
    c.ok::<IsPatientRetrievedV1_0>(IsPatientRetrievedParameters::default())
        .await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    // 5: closed mid-response.
    let r5 = c.request::<GetFunctionsV1_0>(GetFunctionsParameters::default());
    c.send_raw(format!("{}\n", r5.to_xml().unwrap()).as_bytes())
        .await;
    assert_eq!(c.try_read(Duration::from_secs(5)).await, None);
    // The simulator still serves new connections.
    let mut c2 = Conn::connect(&sim).await;
    c2.ok::<GetFunctionsV1_0>(GetFunctionsParameters::default())
        .await;
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.outcome == AuditOutcome::Dropped)
            .count(),
        1
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn probabilistic_faults_are_seeded() {
    let run = |seed: u64| async move {
        let sim = Simulator::start(SimConfig {
            faults: vec!["temporary%0.5".parse().unwrap()],
            seed,
            ..config()
        })
        .await
        .unwrap();
        let mut c = Conn::connect(&sim).await;
        let mut pattern = Vec::new();
        for _ in 0..16 {
            let r = c
                .call::<GetFunctionsV1_0>(GetFunctionsParameters::default())
                .await;
            pattern.push(matches!(r.body, ResponseBody::Success(_)));
        }
        sim.shutdown().await;
        pattern
    };
    let a = run(42).await;
    assert_eq!(a, run(42).await);
    assert!(a.iter().any(|ok| *ok) && a.iter().any(|ok| !*ok));
}

#[tokio::test]
async fn a_deep_document_is_refused_while_another_connection_is_answered() {
    let sim = start().await;
    // 100,000 nested elements (a 700 KB document), sent in pieces.
    let n = 100_000;
    let deep = format!(
        "<ClientIntegrationRequest><APIKey>{KEY}</APIKey><FunctionParameters>{}{}\
         </FunctionParameters></ClientIntegrationRequest>\n",
        "<a>".repeat(n),
        "</a>".repeat(n)
    );
    let mut a = Conn::connect(&sim).await;
    let mut b = Conn::connect(&sim).await;
    let sender = tokio::spawn(async move {
        for piece in deep.as_bytes().chunks(16 * 1024) {
            if a.stream.write_all(piece).await.is_err() {
                break; // The simulator answered and closed: the rest is not read.
            }
        }
        a.read().await
    });
    let functions_reply = b
        .ok::<GetFunctionsV1_0>(GetFunctionsParameters::default())
        .await;
    assert_eq!(functions_reply.supported_function.len(), 17);
    let reply = sender.await.unwrap();
    let e = raw_error(&reply);
    assert!(e.permanent, "{reply}");
    assert!(
        e.message
            .contains("nested deeper than the limit of 256 levels"),
        "{}",
        e.message
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn invalid_utf8_inside_a_request_element_is_refused() {
    let sim = start().await;
    let mut c = Conn::connect(&sim).await;
    let mut bytes = DOC_GET_FUNCTIONS
        .replace("<DeviceVersion>v1.0<", "<DeviceVersion>v1.0\u{1}<")
        .into_bytes();
    // `\u{1}` stands for the byte: 0xFF is never valid in UTF-8.
    let at = bytes.iter().position(|&b| b == 1).unwrap();
    bytes[at] = 0xFF;
    bytes.push(b'\n');
    c.send_raw(&bytes).await;
    let reply = c.read().await;
    let e = raw_error(&reply);
    assert!(e.permanent, "{reply}");
    assert!(e.message.contains("not valid UTF-8"), "{}", e.message);
    // The error echoes the request's RequestUID, and the connection stays usable.
    assert!(
        reply.contains("F90B7D20-B342-11E3-A459-010000004280"),
        "{reply}"
    );
    c.send_raw(format!("{DOC_GET_FUNCTIONS}\n").as_bytes())
        .await;
    assert!(matches!(
        functions(&c.read().await).body,
        ResponseBody::Success(_)
    ));
    sim.shutdown().await;
}
