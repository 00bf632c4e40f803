//! The client against an in-process fake SystmOne peer over in-memory streams, on
//! tokio's paused clock: framing, RequestUID echo, timeouts, retries, writes whose
//! outcome is unknown, Device ID, size limit, DOCTYPE, pacing, version negotiation and
//! the audit log.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use systmone_bindings::get_patient_record_v1_0::{
    GetPatientRecordParameters, GetPatientRecordV1_0, PatientRecordFilter,
};
use systmone_bindings::patient_search_v1_0::PatientSearchParameters;
use systmone_bindings::update_patient_record_v1_0::UpdatePatientRecordParameters;
use systmone_client::{
    AuditDetail, AuditLog, Client, ClientConfig, Connector, DeviceIdStore, Error, FileStore,
    MemoryStore, PatientNumber, ProtocolError, Stream,
};
use systmone_core::{Date, Flag};
use systmone_transport::codec::XmlDocumentCodec;
use systmone_types::{Identity, PatientId};
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;
use tokio_util::codec::Framed;

/// A request as the peer saw it.
#[derive(Debug, Clone)]
struct Seen {
    function: String,
    request_uid: String,
    device_id: String,
    xml: String,
    at: Instant,
}

/// What the peer does with a request.
enum Reply {
    /// Send this document (followed by `\n`).
    Doc(String),
    /// Send these raw bytes in chunks of `n` bytes.
    Chunked(Vec<u8>, usize),
    /// Send several documents in order.
    Many(Vec<String>),
    /// Say nothing.
    Nothing,
    /// Send the first half of this document, then close the connection.
    CutOff(String),
    /// Send this document after a while.
    Later(Duration, String),
}

type Handler = Box<dyn FnMut(&Seen) -> Reply + Send>;

#[derive(Clone)]
struct FakePeer {
    seen: Arc<Mutex<Vec<Seen>>>,
    handler: Arc<Mutex<Handler>>,
}

impl FakePeer {
    fn new(handler: impl FnMut(&Seen) -> Reply + Send + 'static) -> Self {
        FakePeer {
            seen: Arc::default(),
            handler: Arc::new(Mutex::new(Box::new(handler))),
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Connector for FakePeer {
    fn connect(
        &self,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = std::io::Result<Box<dyn Stream>>> + Send + '_>,
    > {
        let peer = self.clone();
        Box::pin(async move {
            let (client, server) = tokio::io::duplex(1 << 20);
            tokio::spawn(async move {
                let mut framed = Framed::new(server, XmlDocumentCodec::new());
                while let Some(Ok(bytes)) = framed.next().await {
                    let xml = String::from_utf8(bytes.to_vec()).unwrap();
                    let header = systmone_core::envelope::peek_header(&xml).unwrap();
                    let seen = Seen {
                        function: header.function.unwrap_or_default(),
                        request_uid: header.request_uid.unwrap_or_default(),
                        device_id: header.device_id.unwrap_or_default(),
                        xml,
                        at: Instant::now(),
                    };
                    peer.seen.lock().unwrap().push(seen.clone());
                    let reply = (peer.handler.lock().unwrap())(&seen);
                    match reply {
                        Reply::Doc(doc) => framed.send(doc.as_bytes()).await.unwrap(),
                        Reply::Many(docs) => {
                            for doc in docs {
                                framed.send(doc.as_bytes()).await.unwrap();
                            }
                        }
                        Reply::Chunked(bytes, n) => {
                            let stream = framed.get_mut();
                            for chunk in bytes.chunks(n) {
                                stream.write_all(chunk).await.unwrap();
                                stream.flush().await.unwrap();
                                tokio::task::yield_now().await;
                            }
                        }
                        Reply::Nothing => {}
                        Reply::Later(wait, doc) => {
                            tokio::time::sleep(wait).await;
                            framed.send(doc.as_bytes()).await.unwrap();
                        }
                        Reply::CutOff(doc) => {
                            let stream = framed.get_mut();
                            stream
                                .write_all(&doc.as_bytes()[..doc.len() / 2])
                                .await
                                .unwrap();
                            stream.flush().await.unwrap();
                            return;
                        }
                    }
                }
            });
            Ok(Box::new(client) as Box<dyn Stream>)
        })
    }

    fn describe(&self) -> String {
        "fake peer".into()
    }
}

const DEVICE: &str = "392752167bd7f69b";

fn response(seen: &Seen, device_id: &str, body: &str) -> String {
    format!(
        "<ClientIntegrationResponse><DeviceID>{device_id}</DeviceID><RequestUID>{}</RequestUID>\
         <Function>{}</Function><FunctionVersion>1.0</FunctionVersion>\
         <ResponseUID>F9A63680-B342-11E3-8FBA-01000000C200</ResponseUID><Response>{body}</Response>\
         </ClientIntegrationResponse>",
        seen.request_uid, seen.function
    )
}

fn error_body(message: &str, permanent: bool) -> String {
    format!("<ErrorMessage>{message}</ErrorMessage><PermanentError>{permanent}</PermanentError>")
}

const SEARCH_RESULT: &str = "<Result><Identity><NHSNumber>7835438275</NHSNumber><StrategicReportingIdentifier>8484556</StrategicReportingIdentifier></Identity>\
    <FirstName>Azra</FirstName><Surname>Swift</Surname><DateOfBirth>1933-01-01</DateOfBirth><Sex>F</Sex></Result>";

fn all_functions_body(delete_name: &str) -> String {
    let mut body = String::new();
    for f in [
        "GetFunctions",
        "GetOrganisationMetaData",
        "PatientSearch",
        "GetPatientRecord",
        "UpdatePatientRecord",
        delete_name,
    ] {
        body.push_str(&format!(
            "<SupportedFunction><Function>{f}</Function><Version>1.0</Version></SupportedFunction>"
        ));
    }
    body
}

fn config() -> ClientConfig {
    let mut config = ClientConfig::new("f31e26725b5491f2");
    config.negotiate_versions = false;
    config.response_timeout = Duration::from_secs(60);
    // The documented limits exactly, so the times below are the documented ones (the
    // default adds a safety margin).
    config.pacing = systmone_client::PacingLimits::SYSTMONE;
    config
}

fn client(peer: &FakePeer, config: ClientConfig) -> Client {
    Client::builder(config)
        .connector(peer.clone())
        .device_store(Arc::new(MemoryStore::with_id(DEVICE)))
        .build()
        .unwrap()
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

fn identity(nhs: &str) -> Identity {
    Identity {
        extra: Default::default(),
        number: PatientId::NhsNumber(nhs.into()),
        strategic_reporting_identifier: None,
    }
}

const UPDATE_RESULT: &str =
    "<Identity><NHSNumber>6343800514</NHSNumber></Identity><EventUID>6e9de04200000000</EventUID>";

fn update() -> UpdatePatientRecordParameters {
    UpdatePatientRecordParameters {
        extra: Default::default(),
        identity: Some(identity("6343800514")),
        demographics: None,
        clinical: None,
        non_clinical: None,
        leave_record_open: None,
    }
}

#[tokio::test(start_paused = true)]
async fn split_and_pretty_printed_responses_are_read() {
    let peer = FakePeer::new(|seen| {
        let doc = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n{}\r\n",
            response(seen, DEVICE, SEARCH_RESULT).replace("><", ">\r\n  <")
        );
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(doc.as_bytes());
        Reply::Chunked(bytes, 3)
    });
    let client = client(&peer, config());
    let result = client.patient_search(search()).await.unwrap();
    assert_eq!(result.result.len(), 1);
    assert_eq!(result.result[0].surname.as_deref(), Some("Swift"));
    // The connection is reused for the next call.
    client.patient_search(search()).await.unwrap();
    assert_eq!(peer.seen().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_stale_response_is_discarded_and_the_right_one_returned() {
    let peer = FakePeer::new(|seen| {
        let mut stale = seen.clone();
        stale.request_uid = "AAAAAAAA-0000-0000-0000-000000000000".into();
        Reply::Many(vec![
            response(
                &stale,
                DEVICE,
                "<Result><Identity><NHSNumber>1111111111</NHSNumber></Identity></Result>",
            ),
            response(seen, DEVICE, SEARCH_RESULT),
        ])
    });
    let client = client(&peer, config());
    let result = client.patient_search(search()).await.unwrap();
    assert_eq!(result.result.len(), 1);
    assert_eq!(result.result[0].first_name.as_deref(), Some("Azra"));
}

#[tokio::test(start_paused = true)]
async fn no_response_times_out_and_a_read_is_retried_a_bounded_number_of_times() {
    let peer = FakePeer::new(|_| Reply::Nothing);
    let mut config = config();
    config.response_timeout = Duration::from_secs(5);
    config.retry.max_attempts = 3;
    let client = client(&peer, config);
    let err = client.patient_search(search()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                what: "response",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(peer.seen().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_read_cut_off_mid_response_is_retried() {
    let mut calls = 0;
    let peer = FakePeer::new(move |seen| {
        calls += 1;
        let doc = response(seen, DEVICE, SEARCH_RESULT);
        if calls == 1 {
            Reply::CutOff(doc)
        } else {
            Reply::Doc(doc)
        }
    });
    let client = client(&peer, config());
    let result = client.patient_search(search()).await.unwrap();
    assert_eq!(result.result.len(), 1);
    assert_eq!(peer.seen().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn the_call_timeout_bounds_a_read_with_all_its_attempts() {
    let peer = FakePeer::new(|_| Reply::Nothing);
    let mut config = config();
    config.response_timeout = Duration::from_secs(3);
    config.call_timeout = Some(Duration::from_secs(5));
    config.retry.max_attempts = 4;
    let client = client(&peer, config);
    let started = Instant::now();
    let err = client.patient_search(search()).await.unwrap_err();
    // Without the budget: 3 s per attempt and the waits between them, 4 attempts. With
    // it: the first attempt (3 s), a 1 s backoff, and the second cut short at 5 s.
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    assert!(
        matches!(
            err,
            Error::CallTimeout { limit, attempts: 2 } if limit == Duration::from_secs(5)
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "no answer from SystmOne within 5 s, the time allowed for the whole call (2 attempts)"
    );
    assert_eq!(peer.seen().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_lost_read_response_is_retried_after_the_attempt_timeout() {
    // The probe: `--timeout 10` made the call's budget equal to the attempt's
    // timeout, so the one retry never ran. Now the budget leaves room for the attempts.
    for attempt_timeout in [5, 10] {
        let mut calls = 0;
        let peer = FakePeer::new(move |seen| {
            calls += 1;
            if calls == 1 {
                Reply::Nothing
            } else {
                Reply::Doc(response(seen, DEVICE, RECORD_RESULT))
            }
        });
        let mut config = config();
        config.response_timeout = Duration::from_secs(attempt_timeout);
        let client = client(&peer, config);
        let started = Instant::now();
        client
            .get_patient_record(record(Some(demographics_only())))
            .await
            .unwrap();
        // The attempt's timeout, the 1 s backoff, and the answer at once.
        assert_eq!(started.elapsed(), Duration::from_secs(attempt_timeout + 1));
        let seen = peer.seen();
        assert_eq!(seen.len(), 2);
        assert_ne!(seen[0].request_uid, seen[1].request_uid);
    }
}

#[tokio::test(start_paused = true)]
async fn the_defaults_wait_30_s_per_attempt_within_a_budget_for_three() {
    let defaults = ClientConfig::new("k");
    assert_eq!(defaults.response_timeout, Duration::from_secs(30));
    assert_eq!(defaults.call_timeout, None);
    assert_eq!(defaults.call_budget(), Duration::from_secs(93));
    // A read whose responses are all lost ends after the three attempts and the two
    // backoffs: within its budget, as the response timeout of the third attempt.
    let peer = FakePeer::new(|_| Reply::Nothing);
    let mut config = config();
    config.response_timeout = defaults.response_timeout;
    let client = client(&peer, config);
    let started = Instant::now();
    let err = client.patient_search(search()).await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(93));
    assert!(
        matches!(
            err,
            Error::Timeout {
                what: "response",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(peer.seen().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_write_waits_for_its_one_answer_for_the_whole_budget() {
    // Answered after 10 s: a read would have been sent again at 5 s; a write, never
    // sent again, waits for its answer for the call's budget (5 s x 3 + 3 s).
    let peer = FakePeer::new(|seen| {
        if seen.function == "UpdatePatientRecord" {
            Reply::Later(
                Duration::from_secs(10),
                response(seen, DEVICE, UPDATE_RESULT),
            )
        } else {
            Reply::Doc(response(seen, DEVICE, SEARCH_RESULT))
        }
    });
    let mut config = config();
    config.response_timeout = Duration::from_secs(5);
    let client = client(&peer, config.clone());
    client.update_patient_record(update()).await.unwrap();
    assert_eq!(peer.seen().len(), 1);

    let silent = FakePeer::new(|_| Reply::Nothing);
    let client = self::client(&silent, config);
    let started = Instant::now();
    let err = client.update_patient_record(update()).await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(18));
    match err {
        Error::OutcomeUnknown { cause, .. } => {
            assert_eq!(cause.to_string(), "no response from SystmOne within 18 s")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(silent.seen().len(), 1, "a write is never sent again");
}

#[tokio::test(start_paused = true)]
async fn the_call_timeout_does_not_count_the_wait_for_the_throttle() {
    let peer = FakePeer::new(|seen| Reply::Doc(response(seen, DEVICE, RECORD_RESULT)));
    let mut config = config();
    config.call_timeout = Some(Duration::from_secs(3));
    let client = client(&peer, config);
    client.get_patient_record(record(None)).await.unwrap();
    // The second whole record waits 30 s for its turn, then is answered at once.
    let started = Instant::now();
    client.get_patient_record(record(None)).await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(30));
}

#[tokio::test(start_paused = true)]
async fn a_temporary_error_is_retried_then_succeeds() {
    let mut calls = 0;
    let peer = FakePeer::new(move |seen| {
        calls += 1;
        if calls == 1 {
            Reply::Doc(response(
                seen,
                DEVICE,
                &error_body("The record is in use", false),
            ))
        } else {
            Reply::Doc(response(seen, DEVICE, SEARCH_RESULT))
        }
    });
    let client = client(&peer, config());
    client.patient_search(search()).await.unwrap();
    let seen = peer.seen();
    assert_eq!(seen.len(), 2);
    assert_ne!(
        seen[0].request_uid, seen[1].request_uid,
        "each attempt has its own RequestUID"
    );
}

#[tokio::test(start_paused = true)]
async fn a_permanent_error_is_not_retried() {
    let peer = FakePeer::new(|seen| {
        Reply::Doc(response(
            seen,
            DEVICE,
            &error_body("At least two search parameters must be specified", true),
        ))
    });
    let client = client(&peer, config());
    match client.patient_search(search()).await.unwrap_err() {
        Error::Response { error, .. } => {
            assert!(error.permanent);
            assert_eq!(
                error.message,
                "At least two search parameters must be specified"
            );
        }
        other => panic!("{other}"),
    }
    assert_eq!(peer.seen().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_write_without_response_is_outcome_unknown_and_sent_once() {
    let peer = FakePeer::new(|_| Reply::Nothing);
    let mut config = config();
    config.response_timeout = Duration::from_secs(5);
    let client = client(&peer, config);
    let err = client.update_patient_record(update()).await.unwrap_err();
    match &err {
        Error::OutcomeUnknown {
            function,
            request_uid,
            cause,
        } => {
            assert_eq!(function, "UpdatePatientRecord");
            assert_eq!(request_uid, &peer.seen()[0].request_uid);
            assert!(matches!(**cause, Error::Timeout { .. }));
        }
        other => panic!("expected OutcomeUnknown, got {other}"),
    }
    let writes = peer
        .seen()
        .iter()
        .filter(|s| s.function == "UpdatePatientRecord")
        .count();
    assert_eq!(writes, 1, "a write is never retried");
}

#[tokio::test(start_paused = true)]
async fn a_write_with_a_temporary_error_is_not_retried_either() {
    let peer = FakePeer::new(|seen| {
        Reply::Doc(response(seen, DEVICE, &error_body("Record in use", false)))
    });
    let client = client(&peer, config());
    let err = client.update_patient_record(update()).await.unwrap_err();
    assert!(
        matches!(err, Error::Response { ref error, .. } if !error.permanent),
        "{err}"
    );
    assert_eq!(peer.seen().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_blocked_device_is_its_own_error() {
    let peer = FakePeer::new(|seen| {
        Reply::Doc(response(
            seen,
            "",
            &error_body("The request was blocked by the SystmOne user", true),
        ))
    });
    let client = Client::builder(config())
        .connector(peer.clone())
        .device_store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();
    let err = client.patient_search(search()).await.unwrap_err();
    assert!(matches!(err, Error::DeviceBlocked { .. }), "{err}");
    assert!(err.to_string().contains("Device Manager"), "{err}");
    assert_eq!(peer.seen()[0].device_id, "");
}

#[tokio::test(start_paused = true)]
async fn the_allocated_device_id_is_stored_and_reused_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config").join("device-id");
    let peer = FakePeer::new(|seen| Reply::Doc(response(seen, "2087a2d784cda2e4", SEARCH_RESULT)));
    for _ in 0..2 {
        // A new client each time, as after a restart of the integration.
        let client = Client::builder(config())
            .connector(peer.clone())
            .device_store(Arc::new(FileStore::at(&path)))
            .build()
            .unwrap();
        client.patient_search(search()).await.unwrap();
    }
    let seen = peer.seen();
    assert_eq!(
        seen[0].device_id, "",
        "first contact sends an empty DeviceID"
    );
    assert_eq!(seen[1].device_id, "2087a2d784cda2e4");
    assert_eq!(
        FileStore::at(&path).load().unwrap().as_deref(),
        Some("2087a2d784cda2e4")
    );
}

#[tokio::test(start_paused = true)]
async fn an_oversized_response_is_a_clear_error() {
    let peer = FakePeer::new(|seen| {
        let big = SEARCH_RESULT.repeat(200);
        Reply::Doc(response(seen, DEVICE, &big))
    });
    let mut config = config();
    config.max_document_size = 4096;
    config.retry.max_attempts = 1;
    let client = client(&peer, config);
    let err = client.patient_search(search()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::Frame(
                systmone_transport::codec::FrameError::TooLarge { limit: 4096 }
            ))
        ),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_deeply_nested_response_is_a_clear_error() {
    // 100,000 nested elements: refused by the framing at the depth limit.
    let peer = FakePeer::new(|seen| {
        let n = 100_000;
        let deep = format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        Reply::Doc(response(seen, DEVICE, &deep))
    });
    let mut config = config();
    config.retry.max_attempts = 1;
    let client = client(&peer, config);
    let err = client.patient_search(search()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::Frame(
                systmone_transport::codec::FrameError::TooDeep { limit: 256 }
            ))
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "SystmOne's response could not be read: XML elements nested deeper than the limit of 256 levels"
    );
}

#[tokio::test(start_paused = true)]
async fn a_doctype_in_a_response_is_rejected() {
    let peer = FakePeer::new(|seen| {
        Reply::Doc(format!(
            "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>{}",
            response(seen, DEVICE, SEARCH_RESULT)
        ))
    });
    let mut config = config();
    config.retry.max_attempts = 1;
    let client = client(&peer, config);
    let err = client.patient_search(search()).await.unwrap_err();
    assert!(err.to_string().to_lowercase().contains("doctype"), "{err}");
}

fn record(filter: Option<PatientRecordFilter>) -> GetPatientRecordParameters {
    GetPatientRecordParameters {
        extra: Default::default(),
        identity: Some(identity("7835438275")),
        leave_record_open: None,
        filter,
    }
}

fn demographics_only() -> PatientRecordFilter {
    PatientRecordFilter {
        demographics: Some(Flag),
        ..PatientRecordFilter::default()
    }
}

fn entered_today() -> PatientRecordFilter {
    let today = Date(chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    PatientRecordFilter {
        min_entry_date: Some(today),
        max_entry_date: Some(today),
        clinical_codes: Some(Flag),
        ..PatientRecordFilter::default()
    }
}

const RECORD_RESULT: &str =
    "<Identity><NHSNumber>7835438275</NHSNumber></Identity><RecordState>Closed</RecordState>";

#[tokio::test(start_paused = true)]
async fn pacing_obeys_both_limits_and_the_exemptions_without_extra_waiting() {
    let peer = FakePeer::new(|seen| {
        let body = if seen.function == "GetPatientRecord" {
            RECORD_RESULT
        } else {
            SEARCH_RESULT
        };
        Reply::Doc(response(seen, DEVICE, body))
    });
    let waits = Arc::new(Mutex::new(Vec::new()));
    let observed = waits.clone();
    let client = Client::builder(config())
        .connector(peer.clone())
        .device_store(Arc::new(MemoryStore::with_id(DEVICE)))
        .on_pacing_wait(Arc::new(move |w: &systmone_client::PacingWait<'_>| {
            observed
                .lock()
                .unwrap()
                .push((w.function.to_string(), w.wait))
        }))
        .today(|| chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
        .build()
        .unwrap();
    let start = Instant::now();
    // Full record, search, full record, demographics-only record, entered-today record,
    // full record, search.
    client.get_patient_record(record(None)).await.unwrap();
    client.patient_search(search()).await.unwrap();
    client.get_patient_record(record(None)).await.unwrap();
    client
        .get_patient_record(record(Some(demographics_only())))
        .await
        .unwrap();
    client
        .get_patient_record(record(Some(entered_today())))
        .await
        .unwrap();
    client.get_patient_record(record(None)).await.unwrap();
    client.patient_search(search()).await.unwrap();

    let times: Vec<u64> = peer
        .seen()
        .iter()
        .map(|s| (s.at - start).as_secs())
        .collect();
    // 1 s between any two requests; 30 s between full GetPatientRecords; the exempt
    // ones (demographics only, entered today) only wait the 1 s; nobody waits longer.
    assert_eq!(times, vec![0, 1, 30, 31, 32, 60, 61]);
    assert!(
        !waits.lock().unwrap().is_empty(),
        "the observer saw the waits"
    );
}

/// One client shared by an extract and a lookup (a GP-facing app with a background
/// extract): while the extract's second full record waits for its 30 s turn, a
/// demographics lookup and a search asked for meanwhile go in the next free seconds,
/// and the record keeps its turn. The wait seen by the observer names its rule.
#[tokio::test(start_paused = true)]
async fn a_lookup_is_not_held_behind_a_full_record_waiting_for_its_turn() {
    let peer = FakePeer::new(|seen| {
        let body = if seen.function == "GetPatientRecord" {
            RECORD_RESULT
        } else {
            SEARCH_RESULT
        };
        Reply::Doc(response(seen, DEVICE, body))
    });
    let rules = Arc::new(Mutex::new(Vec::new()));
    let observed = rules.clone();
    let mut config = config();
    config.pacing = systmone_client::PacingLimits::SYSTMONE;
    let client = Client::builder(config)
        .connector(peer.clone())
        .device_store(Arc::new(MemoryStore::with_id(DEVICE)))
        .on_pacing_wait(Arc::new(move |w: &systmone_client::PacingWait<'_>| {
            observed.lock().unwrap().push(w.to_string())
        }))
        .today(|| chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
        .build()
        .unwrap();
    let start = Instant::now();
    client.get_patient_record(record(None)).await.unwrap();
    let extract = {
        let client = client.clone();
        tokio::spawn(async move { client.get_patient_record(record(None)).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    client
        .get_patient_record(record(Some(demographics_only())))
        .await
        .unwrap();
    let lookup_done = Instant::now() - start;
    client.patient_search(search()).await.unwrap();
    extract.await.unwrap().unwrap();
    assert_eq!(
        lookup_done,
        Duration::from_secs(1),
        "the lookup went at 1 s"
    );
    let times: Vec<u64> = peer
        .seen()
        .iter()
        .map(|s| (s.at - start).as_secs())
        .collect();
    assert_eq!(times, vec![0, 1, 2, 30]);
    let rules = rules.lock().unwrap();
    assert!(
        rules
            .iter()
            .any(|r| r.contains("for the 30 s full-record rule before GetPatientRecord")),
        "{rules:?}"
    );
    assert!(
        rules
            .iter()
            .any(|r| r.contains("for the 1 s rule between requests before GetPatientRecord")),
        "{rules:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_share_one_connection_in_order() {
    let peer = FakePeer::new(|seen| Reply::Doc(response(seen, DEVICE, SEARCH_RESULT)));
    let client = client(&peer, config());
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            client
                .patient_search(search())
                .await
                .map(|r| r.result.len())
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 1);
    }
    let times: Vec<u64> = peer
        .seen()
        .iter()
        .map(|s| (s.at - start).as_secs())
        .collect();
    assert_eq!(times, vec![0, 1, 2, 3]);
}

#[tokio::test(start_paused = true)]
async fn version_negotiation_refuses_unsupported_versions_and_uses_the_advertised_name() {
    let peer = FakePeer::new(|seen| {
        let body = match seen.function.as_str() {
            "GetFunctions" => all_functions_body("DeletePatientRecord"),
            "DeletePatientRecord" => "<Identity><NHSNumber>6640569094</NHSNumber></Identity><RecordState>Closed</RecordState>".to_string(),
            _ => SEARCH_RESULT.to_string(),
        };
        Reply::Doc(response(seen, DEVICE, &body))
    });
    let mut config = config();
    config.negotiate_versions = true;
    let client = client(&peer, config);
    client.patient_search(search()).await.unwrap();
    let delete =
        systmone_bindings::delete_from_patient_record_v1_0::DeleteFromPatientRecordParameters {
            extra: Default::default(),
            identity: Some(identity("6640569094")),
            reason: "Wrong data inserted".into(),
            event_uid: vec!["6e9de04200000000".into()],
            appointment_uid: Vec::new(),
            task_uid: Vec::new(),
            visit_uid: Vec::new(),
            leave_record_open: None,
        };
    client.delete_from_patient_record(delete).await.unwrap();
    let err = client
        .get_diary(systmone_bindings::get_diary_v1_0::GetDiaryParameters {
            extra: Default::default(),
            min_date_time: None,
            max_date_time: None,
            user_name: Vec::new(),
            site_name: Vec::new(),
            appointments: None,
            visits: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unsupported { ref function, .. } if function == "GetDiary"),
        "{err}"
    );
    let functions: Vec<String> = peer.seen().iter().map(|s| s.function.clone()).collect();
    assert_eq!(
        functions,
        vec!["GetFunctions", "PatientSearch", "DeletePatientRecord"],
        "GetFunctions asked once"
    );
}

/// FIELD-EVIDENCE F13: a version is a number. A SystmOne advertising `1` supports our
/// `1.0`; we still send `1.0`.
#[tokio::test(start_paused = true)]
async fn a_version_advertised_as_1_is_our_1_0() {
    let peer = FakePeer::new(|seen| {
        let body = match seen.function.as_str() {
            "GetFunctions" => "<SupportedFunction><Function>GetFunctions</Function><Version>1</Version></SupportedFunction>\
                <SupportedFunction><Function>PatientSearch</Function><Version>1.00</Version></SupportedFunction>"
                .to_string(),
            _ => SEARCH_RESULT.to_string(),
        };
        Reply::Doc(response(seen, DEVICE, &body))
    });
    let mut config = config();
    config.negotiate_versions = true;
    let client = client(&peer, config);
    client.patient_search(search()).await.unwrap();
    assert_eq!(
        client
            .highest_common_version("PatientSearch", &["1.0"])
            .await
            .unwrap()
            .as_deref(),
        Some("1.0")
    );
    let sent = &peer.seen()[1];
    assert_eq!(sent.function, "PatientSearch");
    assert!(
        sent.xml.contains("<FunctionVersion>1.0</FunctionVersion>"),
        "{}",
        sent.xml
    );
}

#[tokio::test(start_paused = true)]
async fn the_audit_log_has_one_line_per_call_without_patient_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let peer = FakePeer::new(|seen| Reply::Doc(response(seen, DEVICE, SEARCH_RESULT)));
    let client = Client::builder(config())
        .connector(peer.clone())
        .device_store(Arc::new(MemoryStore::with_id(DEVICE)))
        .audit(AuditLog::open(&path, AuditDetail::Redacted).unwrap())
        .build()
        .unwrap();
    client.patient_search(search()).await.unwrap();
    client.patient_search(search()).await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(!text.contains("Swift") && !text.contains("f31e26725b5491f2"));
    let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(line["function"], "PatientSearch");
    assert_eq!(line["outcome"], "success");
    assert_eq!(line["request_uid"], peer.seen()[0].request_uid.as_str());
}

#[tokio::test(start_paused = true)]
async fn the_api_key_never_appears_in_debug_output() {
    let config = ClientConfig::new("f31e26725b5491f2");
    assert!(!format!("{config:?}").contains("f31e26725b5491f2"));
}

#[tokio::test(start_paused = true)]
async fn nhs_number_spelling_is_configurable() {
    let peer = FakePeer::new(|seen| Reply::Doc(response(seen, DEVICE, RECORD_RESULT)));
    let mut config = config();
    config.nhs_number_element = systmone_client::NhsNumberElement::AsInExamples;
    let client = client(&peer, config);
    client
        .get_patient_record(record(Some(demographics_only())))
        .await
        .unwrap();
    assert!(
        peer.seen()[0]
            .xml
            .contains("<NhsNumber>7835438275</NhsNumber>")
    );
}

/// A peer that answers the first request on each connection, then hangs up.
#[tokio::test(start_paused = true)]
async fn a_broken_connection_is_replaced_by_a_new_one() {
    let connections = Arc::new(Mutex::new(0));
    let counter = connections.clone();
    struct HangUp {
        inner: FakePeer,
        connections: Arc<Mutex<u32>>,
    }
    impl Connector for HangUp {
        fn connect(
            &self,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = std::io::Result<Box<dyn Stream>>> + Send + '_>,
        > {
            *self.connections.lock().unwrap() += 1;
            let seen = self.inner.seen.clone();
            Box::pin(async move {
                let (client, server) = tokio::io::duplex(1 << 16);
                tokio::spawn(async move {
                    let mut framed = Framed::new(server, XmlDocumentCodec::new());
                    if let Some(Ok(bytes)) = framed.next().await {
                        let xml = String::from_utf8(bytes.to_vec()).unwrap();
                        let header = systmone_core::envelope::peek_header(&xml).unwrap();
                        let s = Seen {
                            function: header.function.unwrap_or_default(),
                            request_uid: header.request_uid.unwrap_or_default(),
                            device_id: header.device_id.unwrap_or_default(),
                            xml,
                            at: Instant::now(),
                        };
                        seen.lock().unwrap().push(s.clone());
                        framed
                            .send(response(&s, DEVICE, SEARCH_RESULT).as_bytes())
                            .await
                            .unwrap();
                    }
                    // Dropping the stream closes the connection.
                });
                Ok(Box::new(client) as Box<dyn Stream>)
            })
        }

        fn describe(&self) -> String {
            "hang-up peer".into()
        }
    }
    let peer = FakePeer::new(|_| Reply::Nothing);
    let mut config = config();
    // No retry: the hang-up must be noticed before sending, not repaired by a retry.
    config.retry.max_attempts = 1;
    let client = Client::builder(config)
        .connector(HangUp {
            inner: peer.clone(),
            connections: counter,
        })
        .device_store(Arc::new(MemoryStore::with_id(DEVICE)))
        .build()
        .unwrap();
    for _ in 0..3 {
        client.patient_search(search()).await.unwrap();
    }
    assert_eq!(peer.seen().len(), 3);
    assert!(
        *connections.lock().unwrap() >= 2,
        "reconnected after the peer hung up"
    );
}

#[tokio::test(start_paused = true)]
async fn the_default_pacing_keeps_a_margin_over_the_documented_limits() {
    let config = ClientConfig::new("k");
    assert!(config.pacing.min_interval > Duration::from_secs(1));
    assert!(config.pacing.patient_record_interval > Duration::from_secs(30));
}

#[tokio::test(start_paused = true)]
async fn a_detailed_call_carries_the_uids_and_documents() {
    let peer = FakePeer::new(|seen| Reply::Doc(response(seen, DEVICE, SEARCH_RESULT)));
    let client = client(&peer, config());
    let reply = client
        .call_detailed::<systmone_bindings::patient_search_v1_0::PatientSearchV1_0>(search())
        .await
        .unwrap();
    assert_eq!(reply.request_uid, peer.seen()[0].request_uid);
    assert_eq!(reply.response_uid, "F9A63680-B342-11E3-8FBA-01000000C200");
    assert!(reply.response_xml.contains("<Surname>Swift</Surname>"));
    assert_eq!(reply.result.result.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_highest_version_both_sides_support_is_chosen() {
    let peer = FakePeer::new(|seen| {
        let body = "<SupportedFunction><Function>GetFunctions</Function><Version>1.0</Version></SupportedFunction>\
            <SupportedFunction><Function>GetPatientRecord</Function><Version>1.0</Version><Version>1.10</Version><Version>2.0</Version></SupportedFunction>\
            <SupportedFunction><Function>DeletePatientRecord</Function><Version>1.0</Version></SupportedFunction>";
        Reply::Doc(response(seen, DEVICE, body))
    });
    let client = client(&peer, config());
    let pick = |f: &'static str, ours: &'static [&'static str]| {
        let client = client.clone();
        async move { client.highest_common_version(f, ours).await.unwrap() }
    };
    assert_eq!(
        pick("GetPatientRecord", &["1.0", "1.9", "1.10"])
            .await
            .as_deref(),
        Some("1.10")
    );
    assert_eq!(pick("GetPatientRecord", &["3.0"]).await, None);
    assert_eq!(
        pick("DeleteFromPatientRecord", &["1.0"]).await.as_deref(),
        Some("1.0")
    );
    assert_eq!(pick("GetDiary", &["1.0"]).await, None);
    assert_eq!(peer.seen().len(), 1, "GetFunctions asked once");
}

// Right patient or an error (the guide's clinical-safety property).

/// The probe: `record 9434765919` answered with 4917111072's record, the
/// RequestUID echoed.
#[tokio::test(start_paused = true)]
async fn a_record_for_another_patient_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let peer = FakePeer::new(|seen| {
        Reply::Doc(response(
            seen,
            DEVICE,
            "<Identity><NHSNumber>4917111072</NHSNumber></Identity>\
             <Demographics><Surname>Other</Surname></Demographics><RecordState>Closed</RecordState>",
        ))
    });
    let client = Client::builder(config())
        .connector(peer.clone())
        .device_store(Arc::new(MemoryStore::with_id(DEVICE)))
        .audit(AuditLog::open(&audit, AuditDetail::FullPayloads).unwrap())
        .build()
        .unwrap();
    let mut asked = record(Some(demographics_only()));
    asked.identity = Some(identity("9434765919"));
    let err = client.get_patient_record(asked).await.unwrap_err();
    match &err {
        Error::WrongPatient {
            function,
            asked,
            answered,
            write,
            request_uid,
        } => {
            assert_eq!(function, "GetPatientRecord");
            assert_eq!(*asked, PatientNumber::Nhs("9434765919".into()));
            assert_eq!(*answered, PatientNumber::Nhs("4917111072".into()));
            assert!(!write);
            assert_eq!(request_uid, &peer.seen()[0].request_uid);
        }
        other => panic!("expected WrongPatient, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "SystmOne answered GetPatientRecord for another patient (NHS number 4917111072) than \
         the one asked for (NHS number 9434765919); the response was refused and nothing of it \
         was kept"
    );
    assert_eq!(peer.seen().len(), 1, "not retried");
    // Not even the audit log's full payloads keep the other patient's record.
    let line: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&audit).unwrap().trim()).unwrap();
    assert_eq!(line["outcome"], "wrong-patient");
    assert!(line["response"].is_null(), "{line}");
}

#[tokio::test(start_paused = true)]
async fn both_spellings_of_the_nhs_number_and_spaces_are_the_same_patient() {
    // ERRATA E1: asked as NHSNumber with spaces, answered as NhsNumber.
    let peer = FakePeer::new(|seen| {
        Reply::Doc(response(
            seen,
            DEVICE,
            "<Identity><NhsNumber>9434765919</NhsNumber></Identity><RecordState>Closed</RecordState>",
        ))
    });
    let client = client(&peer, config());
    let mut asked = record(Some(demographics_only()));
    asked.identity = Some(identity("943 476 5919"));
    client.get_patient_record(asked).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_identity_naming_two_patients_is_refused() {
    // The asked-for number first, another one repeated after it (kept by the tolerant
    // reader beside the typed one).
    let peer = FakePeer::new(|seen| {
        Reply::Doc(response(
            seen,
            DEVICE,
            "<Identity><NHSNumber>7835438275</NHSNumber><NHSNumber>4917111072</NHSNumber></Identity>\
             <RecordState>Closed</RecordState>",
        ))
    });
    let client = client(&peer, config());
    let err = client
        .get_patient_record(record(Some(demographics_only())))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::WrongPatient { answered, .. }
            if *answered == PatientNumber::Nhs("4917111072".into())),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_pseudo_number_answer_to_an_nhs_number_is_refused() {
    let peer = FakePeer::new(|seen| {
        Reply::Doc(response(
            seen,
            DEVICE,
            "<Identity><PseudoNumber>7835438275</PseudoNumber></Identity>",
        ))
    });
    let client = client(&peer, config());
    let err = client
        .get_patient_record(record(Some(demographics_only())))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WrongPatient { .. }), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn a_write_answered_for_another_patient_says_to_check_both_records() {
    let peer = FakePeer::new(|seen| {
        Reply::Doc(response(
            seen,
            DEVICE,
            "<Identity><NHSNumber>4917111072</NHSNumber></Identity><EventUID>1</EventUID>",
        ))
    });
    let client = client(&peer, config());
    let err = client.update_patient_record(update()).await.unwrap_err();
    assert!(
        matches!(&err, Error::WrongPatient { write: true, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("check both records"), "{err}");
    assert_eq!(peer.seen().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_request_for_the_open_record_is_not_compared() {
    // No Identity: SystmOne answers with the record open on its screen, whoever it is.
    let peer = FakePeer::new(|seen| {
        Reply::Doc(response(
            seen,
            DEVICE,
            "<Identity><NHSNumber>4917111072</NHSNumber></Identity>",
        ))
    });
    let client = client(&peer, config());
    let mut open = record(Some(demographics_only()));
    open.identity = None;
    let result = client.get_patient_record(open).await.unwrap();
    assert_eq!(
        PatientNumber::of(&result.identity.number),
        PatientNumber::Nhs("4917111072".into())
    );
}

#[tokio::test(start_paused = true)]
async fn a_filtered_request_answered_with_more_is_flagged() {
    // The probe: a demographics-only request answered with a full record.
    let peer = FakePeer::new(|seen| {
        Reply::Doc(response(
            seen,
            DEVICE,
            "<Identity><NHSNumber>7835438275</NHSNumber></Identity>\
             <Demographics><Surname>Swift</Surname></Demographics>\
             <Clinical><Event><EventUID>1</EventUID><Medication><Drug Name=\"Omeprazole 20mg\" ProductID=\"8437011\" Scheme=\"Multilex\"/></Medication></Event></Clinical>\
             <NonClinical><Task><Content>x</Content></Task></NonClinical>",
        ))
    });
    let client = client(&peer, config());
    let reply = client
        .call_detailed::<GetPatientRecordV1_0>(record(Some(demographics_only())))
        .await
        .unwrap();
    assert_eq!(reply.unasked, ["NonClinical/Task", "Clinical"]);

    // Clinical codes asked for, a medication sent too.
    let codes = PatientRecordFilter {
        clinical_codes: Some(Flag),
        ..PatientRecordFilter::default()
    };
    let reply = client
        .call_detailed::<GetPatientRecordV1_0>(record(Some(codes)))
        .await
        .unwrap();
    assert_eq!(
        reply.unasked,
        [
            "Demographics",
            "NonClinical/Task",
            "Clinical/Event/Medication"
        ]
    );

    // No filter: everything was asked for.
    let reply = client
        .call_detailed::<GetPatientRecordV1_0>(record(None))
        .await
        .unwrap();
    assert!(reply.unasked.is_empty());
}

/// First contact (no Device ID): SystmOne shows its user a prompt and answers only
/// once the user has. An unanswered prompt: the request is sent once (one prompt), the
/// observer is told once after a second, and the call ends in `NotApproved` after
/// `approval_wait`, not after the response timeout and its retries.
#[tokio::test(start_paused = true)]
async fn an_unanswered_first_contact_is_sent_once_and_not_approved() {
    let peer = FakePeer::new(|_| Reply::Nothing);
    let told = Arc::new(Mutex::new(Vec::new()));
    let observed = told.clone();
    let mut config = config();
    config.response_timeout = Duration::from_secs(5);
    config.approval_wait = Duration::from_secs(120);
    let client = Client::builder(config)
        .connector(peer.clone())
        .device_store(Arc::new(MemoryStore::new()))
        .on_approval_wait(Arc::new(move |w: &systmone_client::ApprovalWait<'_>| {
            observed.lock().unwrap().push(w.to_string())
        }))
        .build()
        .unwrap();
    let start = Instant::now();
    let error = client.patient_search(search()).await.unwrap_err();
    assert!(
        matches!(error, Error::NotApproved { waited, .. } if waited == Duration::from_secs(120)),
        "{error:?}"
    );
    assert_eq!(Instant::now() - start, Duration::from_secs(120));
    assert_eq!(peer.seen().len(), 1, "one request: one prompt");
    assert_eq!(
        *told.lock().unwrap(),
        vec![
            "approve this device in SystmOne on this PC: a prompt is showing (waiting up to 2 min)"
                .to_string()
        ]
    );
}

/// The user approves the device only after the client stopped waiting: SystmOne's
/// answer to the first request, carrying the Device ID it allocated, arrives late
/// (while the client is idle, or while it waits for its next answer). The Device ID
/// is kept and stored all the same, so later requests carry it and are not first
/// contacts again (each of which would show the user another prompt).
#[tokio::test(start_paused = true)]
async fn a_device_id_in_a_late_answer_is_kept() {
    for next_call_after in [Duration::from_secs(60), Duration::from_secs(10)] {
        let peer = FakePeer::new(|seen| {
            if seen.device_id.is_empty() {
                // Approved 150 s after the prompt showed.
                Reply::Later(
                    Duration::from_secs(150),
                    response(seen, DEVICE, SEARCH_RESULT),
                )
            } else {
                Reply::Doc(response(seen, DEVICE, SEARCH_RESULT))
            }
        });
        let store = Arc::new(MemoryStore::new());
        let mut config = config();
        config.approval_wait = Duration::from_secs(120);
        let client = Client::builder(config)
            .connector(peer.clone())
            .device_store(store.clone())
            .build()
            .unwrap();
        let error = client.patient_search(search()).await.unwrap_err();
        assert!(matches!(error, Error::NotApproved { .. }), "{error:?}");
        tokio::time::sleep(next_call_after).await;
        // At 180 s, the late answer came while idle; at 130 s, it comes while this call
        // waits, and this call (sent without a Device ID) waits in turn.
        let _ = client.patient_search(search()).await;
        client.patient_search(search()).await.unwrap();
        let seen = peer.seen();
        let last = seen.last().unwrap();
        assert_eq!(last.device_id, DEVICE, "after {next_call_after:?}");
        assert_eq!(store.load().unwrap().as_deref(), Some(DEVICE));
    }
}

/// Two tasks of one client making first contact together: one request goes, the other
/// waits for it and uses the Device ID it was given.
#[tokio::test(start_paused = true)]
async fn concurrent_first_contacts_make_one_prompt() {
    let peer = FakePeer::new(|seen| {
        if seen.device_id.is_empty() {
            Reply::Later(
                Duration::from_secs(10),
                response(seen, DEVICE, SEARCH_RESULT),
            )
        } else {
            Reply::Doc(response(seen, DEVICE, SEARCH_RESULT))
        }
    });
    let client = Client::builder(config())
        .connector(peer.clone())
        .device_store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();
    let (a, b) = tokio::join!(
        client.patient_search(search()),
        client.patient_search(search())
    );
    a.unwrap();
    b.unwrap();
    let seen = peer.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen.iter().filter(|s| s.device_id.is_empty()).count(),
        1,
        "one first contact"
    );
}
