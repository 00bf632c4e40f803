//! Load test: many concurrent connections, each sending a mix of functions one after
//! another, throttle off. Prints requests per second and latency percentiles (all
//! requests, and per function), and how many responses were lost (none within the
//! timeout, or the connection closed first), mismatched (a RequestUID or Function other
//! than the request's) or errors. Exits with a failure if any were.
//!
//! `cargo bench -p systmone-sim --bench load`. Environment:
//! - `SIM_LOAD_CONNECTIONS`: concurrent connections (default 64);
//! - `SIM_LOAD_REQUESTS`: requests per connection (default 200);
//! - `SIM_LOAD_WARM_UP`: requests each connection has answered before the clock starts
//!   (it starts once every connection has had its own; default 20);
//! - `SIM_LOAD_TIMEOUT_MS`: how long a response may take before it counts as lost
//!   (default 10000);
//! - `SIM_LOAD_ADDR`: a simulator already running (`systmone-sim --throttle off`) to
//!   load, instead of one started in this process (its practice must be the built-in
//!   one of seed 0 for the requests to find their patients and users).
//!
//! The requests are built with the typed bindings before the clock starts, in the
//! order SystmOne's own schemas declare their parameters, so the load generator only
//! writes bytes and frames the responses: it is not what is measured.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use systmone_bindings::get_appointment_slots_v1_0::{
    GetAppointmentSlotsParameters, GetAppointmentSlotsV1_0,
};
use systmone_bindings::get_functions_v1_0::{GetFunctionsParameters, GetFunctionsV1_0};
use systmone_bindings::get_organisation_meta_data_v1_0::{
    GetOrganisationMetaDataParameters, GetOrganisationMetaDataV1_0,
};
use systmone_bindings::get_patient_record_v1_0::{
    GetPatientRecordParameters, GetPatientRecordV1_0,
};
use systmone_bindings::patient_search_v1_0::{PatientSearchParameters, PatientSearchV1_0};
use systmone_core::{ApiKey, Date, DateTime, Function, Request, RequestHeader};
use systmone_sim::{Practice, SimConfig, Simulator, Throttle};
use systmone_transport::codec::XmlDocumentCodec;
use systmone_types::{Identity, PatientId};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::Barrier;
use tokio_util::codec::FramedRead;

/// The `systmone-sim` program's allocator: the simulator is measured as it runs there.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const KEY: &str = "f31e26725b5491f2";
/// A Device ID the built-in practice knows (one of the document's examples).
const DEVICE: &str = "392752167bd7f69b";

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One request ready to send: its bytes, and what its response must echo.
struct Prepared {
    function: &'static str,
    request_uid: String,
    bytes: Vec<u8>,
}

fn prepare<F: Function>(params: F::Parameters, request_uid: String) -> Prepared {
    let header = RequestHeader {
        api_key: ApiKey::new(KEY),
        device_id: DEVICE.to_string(),
        device_version: "systmone-sim load bench".to_string(),
        request_uid: request_uid.clone(),
    };
    let mut bytes = Request::new::<F>(header, params)
        .to_xml()
        .expect("a request writes")
        .into_bytes();
    bytes.push(b'\n');
    Prepared {
        function: F::NAME,
        request_uid,
        bytes,
    }
}

/// What the requests ask about: real patients and users of the practice.
struct Subjects {
    /// (NHS number, first name, surname, date of birth).
    patients: Vec<(String, String, String, chrono::NaiveDate)>,
    users: Vec<String>,
    today: chrono::NaiveDate,
}

impl Subjects {
    fn of(practice: &Practice) -> Subjects {
        let with_numbers: Vec<_> = practice
            .patients
            .iter()
            .filter_map(|p| {
                p.nhs_number.as_ref().map(|n| {
                    (
                        n.clone(),
                        p.first_name.clone(),
                        p.surname.clone(),
                        p.date_of_birth,
                    )
                })
            })
            .collect();
        // Spread over the practice, not only its first records.
        let step = (with_numbers.len() / 16).max(1);
        Subjects {
            patients: with_numbers.into_iter().step_by(step).take(16).collect(),
            users: practice.users.iter().map(|u| u.user_name.clone()).collect(),
            today: chrono::Local::now().date_naive(),
        }
    }

    /// Request `i` of connection `connection`: the mix cycles through five functions.
    fn request(&self, connection: usize, i: usize) -> Prepared {
        let uid = format!("{:08X}-0000-4000-8000-{:012X}", connection, i);
        let n = connection + i;
        let (nhs, first, surname, born) = &self.patients[n % self.patients.len()];
        match n % 5 {
            0 => prepare::<GetFunctionsV1_0>(GetFunctionsParameters::default(), uid),
            1 => prepare::<PatientSearchV1_0>(
                PatientSearchParameters {
                    first_name: Some(first.chars().take(3).collect()),
                    surname: Some(surname.clone()),
                    date_of_birth: Some(Date(*born)),
                    ..Default::default()
                },
                uid,
            ),
            2 => prepare::<GetPatientRecordV1_0>(
                GetPatientRecordParameters {
                    identity: Some(Identity {
                        extra: Default::default(),
                        number: PatientId::NhsNumber(nhs.clone()),
                        strategic_reporting_identifier: None,
                    }),
                    ..Default::default()
                },
                uid,
            ),
            3 => {
                let from = self.today.and_time(chrono::NaiveTime::MIN);
                prepare::<GetAppointmentSlotsV1_0>(
                    GetAppointmentSlotsParameters {
                        min_date_time: Some(DateTime::new(from)),
                        max_date_time: Some(DateTime::new(from + chrono::Duration::days(7))),
                        user_name: vec![self.users[n % self.users.len()].clone()],
                        ..Default::default()
                    },
                    uid,
                )
            }
            _ => prepare::<GetOrganisationMetaDataV1_0>(
                GetOrganisationMetaDataParameters::default(),
                uid,
            ),
        }
    }
}

#[derive(Default)]
struct Tally {
    /// (function, latency, response bytes) of every answered request.
    latencies: Vec<(&'static str, Duration, usize)>,
    lost: usize,
    mismatched: usize,
    errors: usize,
    /// The first few problems, described.
    notes: Vec<String>,
}

impl Tally {
    fn note(&mut self, text: String) {
        if self.notes.len() < 5 {
            self.notes.push(text);
        }
    }

    fn add(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.lost += other.lost;
        self.mismatched += other.mismatched;
        self.errors += other.errors;
        for n in other.notes {
            self.note(n);
        }
    }
}

/// One connection: its warm-up requests, then (once every connection has sent its
/// own, `ready`) the measured ones; each request sent once the previous one is
/// answered, each response checked against its request. The warm-up's tally, then
/// the measured requests'.
async fn client(
    addr: SocketAddr,
    warm_up: Vec<Prepared>,
    requests: Vec<Prepared>,
    timeout: Duration,
    ready: Arc<Barrier>,
) -> (Tally, Tally) {
    let stream = match TcpStream::connect(addr).await {
        Ok(stream) => stream,
        // Counted, and still at the start line: the others are not kept waiting.
        Err(e) => {
            let mut lost = Tally {
                lost: warm_up.len() + requests.len(),
                ..Tally::default()
            };
            lost.note(format!("cannot connect to {addr}: {e}"));
            ready.wait().await;
            return (lost, Tally::default());
        }
    };
    stream.set_nodelay(true).expect("nodelay");
    let (read, mut write) = stream.into_split();
    let mut responses = FramedRead::new(read, XmlDocumentCodec::new());
    let warm = exchange(&mut write, &mut responses, warm_up, timeout).await;
    ready.wait().await;
    let measured = exchange(&mut write, &mut responses, requests, timeout).await;
    (warm, measured)
}

/// Sends `requests` one after the other on a connection, each once the previous one
/// is answered.
async fn exchange(
    write: &mut OwnedWriteHalf,
    responses: &mut FramedRead<OwnedReadHalf, XmlDocumentCodec>,
    requests: Vec<Prepared>,
    timeout: Duration,
) -> Tally {
    let mut tally = Tally::default();
    let total = requests.len();
    for (i, request) in requests.into_iter().enumerate() {
        let start = Instant::now();
        if write.write_all(&request.bytes).await.is_err() {
            tally.lost += total - i;
            tally.note(format!("{}: write failed", request.request_uid));
            break;
        }
        let response = match tokio::time::timeout(timeout, responses.next()).await {
            Ok(Some(Ok(document))) => document,
            Ok(Some(Err(e))) => {
                tally.lost += total - i;
                tally.note(format!("{}: unframed response: {e}", request.request_uid));
                break;
            }
            Ok(None) => {
                tally.lost += total - i;
                tally.note(format!("{}: connection closed", request.request_uid));
                break;
            }
            // A late response is read as the next request's, and counted mismatched.
            Err(_) => {
                tally.lost += 1;
                tally.note(format!(
                    "{}: no response in {timeout:?}",
                    request.request_uid
                ));
                continue;
            }
        };
        let elapsed = start.elapsed();
        let text = std::str::from_utf8(&response).unwrap_or("");
        match systmone_core::envelope::peek_header(text) {
            Ok(h)
                if h.request_uid.as_deref() == Some(&request.request_uid)
                    && h.function.as_deref() == Some(request.function) =>
            {
                tally
                    .latencies
                    .push((request.function, elapsed, response.len()));
            }
            Ok(h) => {
                tally.mismatched += 1;
                tally.note(format!(
                    "{} {}: answered as {:?} {:?}",
                    request.function, request.request_uid, h.function, h.request_uid
                ));
                continue;
            }
            Err(e) => {
                tally.mismatched += 1;
                tally.note(format!("{}: unreadable response: {e}", request.request_uid));
                continue;
            }
        }
        if text.contains("<ErrorMessage>") {
            tally.errors += 1;
            tally.note(format!(
                "{} {}: error response",
                request.function, request.request_uid
            ));
        }
    }
    tally
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// The machine's load average, when it can be read (Linux).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_string())
}

fn main() {
    let connections = env("SIM_LOAD_CONNECTIONS", 64) as usize;
    let per_connection = env("SIM_LOAD_REQUESTS", 200) as usize;
    let warm_up = env("SIM_LOAD_WARM_UP", 20) as usize;
    let timeout = Duration::from_millis(env("SIM_LOAD_TIMEOUT_MS", 10_000));
    let external: Option<SocketAddr> = std::env::var("SIM_LOAD_ADDR")
        .ok()
        .map(|a| a.parse().expect("SIM_LOAD_ADDR is host:port"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let failed = rt.block_on(async {
        let sim = match external {
            Some(_) => None,
            None => Some(
                Simulator::start(SimConfig {
                    bind: "127.0.0.1:0".parse().expect("an address"),
                    throttle: Throttle::Off,
                    max_connections: SimConfig::default().max_connections.max(connections),
                    ..SimConfig::default()
                })
                .await
                .expect("the simulator starts"),
            ),
        };
        let (addr, practice) = match (&sim, external) {
            (Some(sim), _) => (sim.addr(), sim.control().practice_data()),
            (None, Some(addr)) => (
                addr,
                Practice::generate(0, chrono::Local::now().date_naive()),
            ),
            (None, None) => unreachable!("one or the other"),
        };
        let subjects = Subjects::of(&practice);
        let plan = |connection: usize, n: usize| -> Vec<Prepared> {
            (0..n).map(|i| subjects.request(connection, i)).collect()
        };
        // Every connection opened and warmed up first (and its answers checked), so
        // that what is timed is the simulator serving, not connections being set up
        // or its journal filling for the first time.
        let plans: Vec<_> = (0..connections)
            .map(|c| {
                let mut all = plan(c, warm_up + per_connection);
                let measured = all.split_off(warm_up);
                (all, measured)
            })
            .collect();
        let ready = Arc::new(Barrier::new(connections + 1));
        let tasks: Vec<_> = plans
            .into_iter()
            .map(|(warm, requests)| {
                tokio::spawn(client(addr, warm, requests, timeout, ready.clone()))
            })
            .collect();
        // A client task that panics never arrives.
        let warmed = timeout.saturating_mul(warm_up as u32 + 1);
        if tokio::time::timeout(warmed, ready.wait()).await.is_err() {
            println!("load: the connections were not all open and warmed up in {warmed:?}");
            return true;
        }
        let load_before = load_average();
        let start = Instant::now();
        let mut warm = Tally::default();
        let mut tally = Tally::default();
        for t in tasks {
            let (w, measured) = t.await.expect("a client task");
            warm.add(w);
            tally.add(measured);
        }
        let elapsed = start.elapsed();
        tally.errors += warm.errors;
        tally.mismatched += warm.mismatched;
        tally.lost += warm.lost;
        for n in warm.notes {
            tally.note(n);
        }
        let mut all: Vec<Duration> = tally.latencies.iter().map(|(_, d, _)| *d).collect();
        let received: usize = tally.latencies.iter().map(|(_, _, n)| n).sum();
        all.sort();
        let sent = connections * per_connection;
        println!(
            "load: {connections} connections x {per_connection} requests (mix: GetFunctions, \
             PatientSearch, GetPatientRecord, GetAppointmentSlots, GetOrganisationMetaData), \
             after {warm_up} each to warm up, throttle off, {}",
            match external {
                Some(a) => format!("simulator at {a}"),
                None => "simulator in process".to_string(),
            }
        );
        println!(
            "load: {sent} requests in {elapsed:.2?}: {:.0} requests/s, {:.1} MB/s of responses; \
             latency p50 {:.2?}, p90 {:.2?}, p99 {:.2?}, max {:.2?}",
            all.len() as f64 / elapsed.as_secs_f64(),
            received as f64 / 1e6 / elapsed.as_secs_f64(),
            percentile(&all, 0.50),
            percentile(&all, 0.90),
            percentile(&all, 0.99),
            all.last().copied().unwrap_or_default(),
        );
        let mut by_function: BTreeMap<&str, (Vec<Duration>, usize)> = BTreeMap::new();
        for (f, d, n) in &tally.latencies {
            let entry = by_function.entry(f).or_default();
            entry.0.push(*d);
            entry.1 += n;
        }
        for (f, (mut l, bytes)) in by_function {
            l.sort();
            println!(
                "load:   {f:<24} {:>6} answered, p50 {:.2?}, p99 {:.2?}, {:>6} bytes per response",
                l.len(),
                percentile(&l, 0.50),
                percentile(&l, 0.99),
                bytes / l.len().max(1),
            );
        }
        println!(
            "load: {} answered, {} lost, {} mismatched, {} errors; load average {load_before} \
             before, {} after",
            all.len(),
            tally.lost,
            tally.mismatched,
            tally.errors,
            load_average()
        );
        for n in &tally.notes {
            println!("load:   {n}");
        }
        if let Some(sim) = sim {
            sim.shutdown().await;
        }
        tally.lost + tally.mismatched + tally.errors > 0
    });
    if failed {
        std::process::exit(1);
    }
}
