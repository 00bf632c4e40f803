//! The listener, connections, and the request pipeline: framing, throttling, faults,
//! API key and device checks, dispatch, audit.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::{SinkExt, StreamExt};
use systmone_bindings::AnyRequest;
use systmone_transport::codec::{Frame, FrameError};
use systmone_transport::pacing::{RequestClass, classify_record_request};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;
use tokio_util::codec::Framed;
use tracing::{debug, info, warn};

use crate::connections::{Admission, Deadlines, Phase, Registry, Slot, SlotGuard, Tracked};
use crate::control::Control;
use crate::fault::FaultKind;
use crate::handlers::{self, Ctx, Echo, Schemes, perm, render_error, temp};
use crate::limits::{BudgetedCodec, BufferBudget, ReadError};
use crate::practice::{Practice, Rng};
use crate::state::{
    self, AuditEntry, AuditOutcome, Change, FaultState, JOURNAL_DOCUMENT_BYTES, Kept,
    PendingApproval, PendingDevice, PracticeSource, RequestDrift, Shared, State, ThrottleState, Ui,
    Whole, lock,
};
use crate::{Approval, SimConfig, SimError, SimHandle, console, stdin};

pub(crate) async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
    let (root, temp_dir) = match &config.root {
        Some(path) => {
            std::fs::create_dir_all(path).map_err(|source| SimError::Root {
                path: path.clone(),
                source,
            })?;
            (path.clone(), None)
        }
        None => {
            let dir = tempfile::Builder::new()
                .prefix("systmone-sim-")
                .tempdir()
                .map_err(|source| SimError::Root {
                    path: std::env::temp_dir(),
                    source,
                })?;
            (dir.path().to_path_buf(), Some(dir))
        }
    };
    let root: PathBuf = root.canonicalize().map_err(|source| SimError::Root {
        path: root.clone(),
        source,
    })?;
    let practice = match &config.practice {
        Some(path) => {
            let text = systmone_core::file::read_to_string(path).map_err(|source| {
                SimError::PracticeRead {
                    path: path.clone(),
                    source,
                }
            })?;
            Practice::from_json(&text).map_err(|source| SimError::PracticeParse {
                path: path.clone(),
                source,
            })?
        }
        None => Practice::generate(config.seed, chrono::Local::now().date_naive()),
    };
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| SimError::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind {
        addr: config.bind,
        source,
    })?;
    let replay = config
        .replay
        .as_ref()
        .map(crate::replay::Replay::load)
        .transpose()?;
    let devices: BTreeSet<String> = practice.known_devices.iter().cloned().collect();
    let (shutdown, _) = watch::channel(false);
    let practice_source = match &config.practice {
        Some(path) => PracticeSource::File(path.clone()),
        None => PracticeSource::Generated { seed: config.seed },
    };
    let console_listener =
        match config.console {
            Some(console_addr) => {
                Some(TcpListener::bind(console_addr).await.map_err(|source| {
                    SimError::ConsoleBind {
                        addr: console_addr,
                        source,
                    }
                })?)
            }
            None => None,
        };
    let audit_file = match &config.audit_file {
        Some(path) => Some(Mutex::new(std::io::LineWriter::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|source| SimError::AuditFile {
                    path: path.clone(),
                    source,
                })?,
        ))),
        None => None,
    };
    let (changes, _) = broadcast::channel(256);
    let shared = Arc::new(Shared {
        api_keys: config.api_keys.clone(),
        approval: config.approval,
        approval_timeout: config.approval_timeout,
        practice_source,
        root: root.clone(),
        advertised: config
            .advertised
            .clone()
            .or_else(|| config.skew.then(crate::skew::advertised)),
        skew: config.skew,
        strict_requests: config.strict_requests,
        max_request_bytes: config.max_request_bytes,
        deadlines: Deadlines {
            idle: config.idle_timeout,
            request: config.request_timeout,
            min_rate: config.min_request_rate,
        },
        connections: Arc::new(Registry::new(
            config.max_connections,
            config.min_request_rate,
        )),
        state: Mutex::new(State {
            practice,
            ui: Ui::default(),
            devices,
            blocked_devices: BTreeSet::new(),
            rng: Rng::new(config.seed ^ 0x00D0_C0DE),
        }),
        audit: Mutex::new(state::Journal::new(
            config.audit_capacity,
            config.audit_max_bytes,
        )),
        audit_file,
        buffers: Arc::new(BufferBudget::new(config.max_buffered_bytes)),
        large_requests: tokio::sync::Semaphore::new(1),
        max_connections: config.max_connections,
        throttle: Mutex::new(ThrottleState {
            mode: config.throttle,
            last: None,
            last_record: None,
            throttled: 0,
        }),
        faults: Mutex::new(FaultState::new(config.faults.clone(), config.seed)),
        shutdown,
        pending: Mutex::new(Vec::new()),
        pending_counter: AtomicU64::new(1),
        audit_counter: AtomicU64::new(0),
        changes,
        uid_counter: AtomicU64::new(1),
        uid_base: config.seed.rotate_left(17)
            ^ std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0),
        replay,
    });
    let control = Control {
        shared: shared.clone(),
    };
    if config.control_stdin || config.approval == Approval::Ask {
        stdin::spawn(control.clone(), config.control_stdin);
    }
    info!(%addr, "SystmOne simulator listening");
    let task = tokio::spawn(accept_loop(listener, shared.clone()));
    let console = match console_listener {
        Some(listener) => {
            let console_addr = listener
                .local_addr()
                .map_err(|source| SimError::ConsoleBind {
                    addr: listener_addr_hint(&config),
                    source,
                })?;
            info!(%console_addr, "operator console and admin API listening");
            let token = config
                .console_token
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
            Some(crate::ConsoleHandle {
                addr: console_addr,
                token: token.clone(),
                task: tokio::spawn(console::serve(listener, control.clone(), token)),
            })
        }
        None => None,
    };
    Ok(SimHandle {
        console,
        addr,
        root,
        control,
        shared,
        task,
        _temp: temp_dir,
    })
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut stop = shared.shutdown.subscribe();
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    debug!(%peer, "connection");
                    let _ = stream.set_nodelay(true);
                    accept(&shared, stream, peer.to_string(), |task| {
                        connections.spawn(task);
                    });
                }
                Err(e) => warn!(error = %e, "accept failed"),
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
    info!("SystmOne simulator stopped");
}

/// A new connection: served (`spawn` runs its task), after closing an idle or slow
/// one to make room if the limit is reached; or refused with a temporary error.
pub(crate) fn accept<S, F>(shared: &Arc<Shared>, stream: S, peer: String, spawn: F)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    F: FnOnce(std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>),
{
    match shared.connections.admit(Instant::now()) {
        Admission::Serve(slot, guard) => {
            spawn(Box::pin(connection(
                stream,
                shared.clone(),
                peer,
                slot,
                guard,
            )));
        }
        Admission::Refuse => {
            warn!(%peer, limit = shared.max_connections, "connection refused: too many open, all busy");
            tokio::spawn(refuse(stream, shared.clone()));
        }
    }
}

enum After {
    Continue,
    Close,
    Exit,
}

/// A connection over the limit: a temporary error, then it is closed.
async fn refuse<S: AsyncWrite + Unpin>(mut stream: S, shared: Arc<Shared>) {
    let (xml, _) = render_error(
        &shared,
        &Echo::default(),
        temp(format!(
            "The simulator already has {} connections open, its limit, all of them busy; \
             try again later",
            shared.max_connections
        )),
    );
    let write = async {
        stream.write_all(format!("{xml}\n").as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), write).await;
}

/// A connection's stream of requests and responses.
type Connection<S> = Framed<Tracked<S>, BudgetedCodec>;

/// A request this large or larger waits for the other large ones to be answered.
const LARGE_REQUEST: usize = 1024 * 1024;

/// A request smaller than this is read on the runtime's own thread.
const READ_ON_RUNTIME: usize = 16 * 1024;

/// A buffer that held a large request keeps its allocation: past this, it is
/// replaced by one as small as what it still holds.
const KEPT_BUFFER_CAPACITY: usize = 64 * 1024;

async fn connection<S>(
    stream: S,
    shared: Arc<Shared>,
    peer: String,
    slot: Arc<Slot>,
    _guard: SlotGuard,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let codec = BudgetedCodec::new(shared.max_request_bytes, shared.buffers.clone());
    let mut conn = Framed::new(Tracked::new(stream, slot.clone()), codec);
    let mut stop = shared.shutdown.subscribe();
    loop {
        let next = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = slot.closed() => {
                debug!(%peer, "connection closed to make room for a new one");
                return;
            }
            _ = slot.expired(&shared.deadlines) => {
                match slot.phase() {
                    Phase::Idle { .. } => debug!(%peer, "idle connection closed"),
                    _ => info!(%peer, "connection closed: its request was not complete within its deadline"),
                }
                return;
            }
            next = conn.next() => next,
        };
        slot.set(Phase::Busy);
        let frame = match next {
            // The peer closed (after its last request, answered).
            None => {
                let _ = conn.get_mut().shutdown().await;
                return;
            }
            Some(Ok(frame)) => frame,
            Some(Err(ReadError::Frame(FrameError::Io(_)))) => return,
            // Another protocol (a web page's POST, a TLS client): nothing it sent is
            // read, nothing is answered.
            Some(Err(ReadError::Frame(FrameError::Foreign(protocol)))) => {
                warn!(%peer, %protocol, "a connection speaking another protocol closed unanswered");
                let refused = Received {
                    text: String::new(),
                    size: conn.read_buffer().len(),
                    document: false,
                    api_key: String::new(),
                };
                let message = format!(
                    "The connection spoke {protocol}, not the Client Integration interface: \
                     closed unanswered, nothing it sent was read"
                );
                audit(
                    &shared,
                    Instant::now(),
                    &Echo::default(),
                    &refused,
                    AuditOutcome::Refused { message },
                    None,
                    None,
                    &RequestDrift::default(),
                );
                return;
            }
            Some(Err(e)) => {
                let echo = Echo::default();
                let error = match &e {
                    ReadError::Busy { .. } => {
                        warn!("a request refused: unfinished requests over the simulator's limit");
                        temp(format!("The simulator is busy: {e}; try again later"))
                    }
                    ReadError::Frame(e) => perm(format!("The request could not be framed: {e}")),
                };
                let (xml, outcome) = render_error(&shared, &echo, error);
                let refused = Received {
                    text: String::new(),
                    size: conn.read_buffer().len(),
                    document: false,
                    api_key: String::new(),
                };
                audit(
                    &shared,
                    Instant::now(),
                    &echo,
                    &refused,
                    outcome,
                    Some(xml.clone()),
                    None,
                    &RequestDrift::default(),
                );
                let _ = conn.send(xml.as_str()).await;
                return;
            }
        };
        let buffer = conn.read_buffer_mut();
        if buffer.capacity() > KEPT_BUFFER_CAPACITY && buffer.len() <= KEPT_BUFFER_CAPACITY {
            *buffer = bytes::BytesMut::from(&buffer[..]);
        }
        let size = match &frame {
            Frame::Document(bytes) => bytes.len(),
            Frame::Garbage { bytes, .. } => bytes.len(),
        };
        let answering = shared.buffers.hold(size);
        // Answering a request costs a few times its size (its text, the parse, the
        // journal's copy): large ones are answered one at a time, so that what is
        // held stays bounded however many arrive at once.
        let lane = match size >= LARGE_REQUEST {
            true => shared.large_requests.acquire().await.ok(),
            false => None,
        };
        let after = process(&shared, &mut conn, frame).await;
        drop((answering, lane));
        match after {
            After::Continue => {}
            After::Close => return,
            After::Exit => {
                shared.trigger_shutdown();
                return;
            }
        }
        // What came in while it was answered starts the next request.
        let now = Instant::now();
        let buffered = conn.read_buffer().len();
        slot.set(if buffered == 0 && !conn.codec().in_frame() {
            Phase::Idle { since: now }
        } else {
            Phase::Receiving {
                since: now,
                bytes: buffered as u64,
            }
        });
    }
}

/// The header fields, read leniently (so an invalid request still gets its echo).
#[derive(Debug, Default, Clone)]
struct Header {
    api_key: String,
    device_id: String,
    device_version: String,
    request_uid: String,
    function: String,
    version: String,
}

impl Header {
    /// The header of a request the bindings read.
    fn of(request: &AnyRequest) -> Header {
        let header = request.header();
        let (function, version) = request.function_as_sent();
        Header {
            api_key: header.api_key.expose().to_string(),
            device_id: header.device_id.clone(),
            device_version: header.device_version.clone(),
            request_uid: header.request_uid.clone(),
            function: function.to_string(),
            version: version.to_string(),
        }
    }
}

fn lenient_header(text: &str) -> Header {
    use xml::reader::XmlEvent;
    let mut header = Header::default();
    // The reader's cost grows with the square of the nesting depth.
    if systmone_core::xml::check_depth(text, systmone_core::xml::MAX_DEPTH).is_err() {
        return header;
    }
    let reader = xml::reader::EventReader::new_with_config(
        systmone_core::xml::strip_bom(text).as_bytes(),
        systmone_core::xml::parser_config(),
    );
    let mut depth = 0usize;
    let mut current: Option<String> = None;
    let mut text_acc = String::new();
    for event in reader {
        match event {
            Ok(XmlEvent::StartElement { name, .. }) => {
                depth += 1;
                if depth == 2 {
                    current = Some(name.local_name);
                    text_acc.clear();
                }
            }
            Ok(XmlEvent::Characters(t)) if depth == 2 => text_acc.push_str(&t),
            Ok(XmlEvent::EndElement { .. }) => {
                if depth == 2 {
                    let value = std::mem::take(&mut text_acc);
                    match current.take().as_deref() {
                        Some("APIKey") => header.api_key = value,
                        Some("DeviceID") => header.device_id = value,
                        Some("DeviceVersion") => header.device_version = value,
                        Some("RequestUID") => header.request_uid = value,
                        Some("Function") => header.function = value,
                        Some("FunctionVersion") => header.version = value,
                        _ => {}
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Ok(XmlEvent::Doctype { .. }) | Err(_) => break,
            Ok(_) => {}
        }
    }
    header
}

fn listener_addr_hint(config: &SimConfig) -> std::net::SocketAddr {
    config
        .console
        .unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
}

/// A request as received: its text (lossy UTF-8; of a line that is not a document,
/// only its start, [`Frame::Garbage`]) and what the journal needs to keep it safely.
/// Reads as its text.
struct Received {
    text: String,
    /// Bytes received.
    size: usize,
    /// Whether it is a document (else: a bad line, kept as a masked excerpt).
    document: bool,
    /// The API key it sent (hidden wherever it appears in what is kept).
    api_key: String,
}

impl std::ops::Deref for Received {
    type Target = String;

    fn deref(&self) -> &String {
        &self.text
    }
}

/// The keys to hide in what is kept of a request: every accepted key, and the one
/// it sent.
fn secrets<'a>(shared: &'a Shared, sent: &'a str) -> Vec<&'a str> {
    let mut keys: Vec<&str> = shared.api_keys.iter().map(String::as_str).collect();
    keys.push(sent);
    keys
}

/// At most `max` bytes of `text` (cut at a character boundary).
fn start_of(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Header values echoed into the journal (a RequestUID can be megabytes long).
const JOURNAL_FIELD_BYTES: usize = 256;

#[allow(clippy::too_many_arguments)]
fn audit(
    shared: &Shared,
    started: Instant,
    echo: &Echo,
    request: &Received,
    outcome: AuditOutcome,
    response: Option<String>,
    fault: Option<String>,
    drift: &RequestDrift,
) {
    if !drift.is_empty() {
        // Paths and kinds only: a request's values may be patient data.
        info!(function = %echo.function, request_uid = %echo.request_uid, paths = drift.items.len() + drift.more, "the request departs from the bindings");
        for d in &drift.items {
            debug!(request_uid = %echo.request_uid, kind = d.kind.describe(), path = %d.path, count = d.count, "request drift");
        }
    }
    match &outcome {
        AuditOutcome::Success => {
            info!(function = %echo.function, request_uid = %echo.request_uid, "request succeeded")
        }
        // The messages may name a patient (an NHS number not found) or echo request
        // content: only at debug.
        AuditOutcome::Error { message, permanent } => {
            info!(function = %echo.function, request_uid = %echo.request_uid, permanent, "request failed");
            debug!(request_uid = %echo.request_uid, %message, "the error returned");
        }
        other => {
            info!(function = %echo.function, request_uid = %echo.request_uid, "request not answered normally");
            debug!(request_uid = %echo.request_uid, outcome = ?other, "how it was answered");
        }
    }
    let keys = secrets(shared, &request.api_key);
    // Bounded in bytes: a large request is kept as its start (the audit file has it
    // whole), a line that is not a document as a short masked excerpt. Only the start
    // is redacted unless the file needs it all (a key cut at the end of the start is
    // in the margin, and redacted there).
    let redact = |text: &str| systmone_core::mask::redact_keys(text, &keys);
    let large = request.text.len() > JOURNAL_DOCUMENT_BYTES;
    let whole_request =
        (request.document && large && shared.audit_file.is_some()).then(|| redact(&request.text));
    let (request_xml, request_kept) = if !request.document {
        (
            systmone_core::mask::excerpt(request.text.as_bytes(), &keys),
            Kept::Excerpt,
        )
    } else if !large {
        (redact(&request.text), Kept::Whole)
    } else {
        let margin = start_of(&request.text, JOURNAL_DOCUMENT_BYTES + 64 * 1024);
        (
            start_of(&redact(margin), JOURNAL_DOCUMENT_BYTES).to_string(),
            Kept::Start,
        )
    };
    let response_size = response.as_ref().map_or(0, String::len);
    let (response_xml, whole_response) = match response {
        Some(r) if r.len() > JOURNAL_DOCUMENT_BYTES => (
            Some(start_of(&r, JOURNAL_DOCUMENT_BYTES).to_string()),
            Some(r),
        ),
        other => (other, None),
    };
    let field = |s: &str| start_of(s, JOURNAL_FIELD_BYTES).to_string();
    let entry = AuditEntry {
        seq: 0,
        time: chrono::Local::now().naive_local(),
        elapsed: started.elapsed(),
        request_uid: field(&echo.request_uid),
        function: field(&echo.function),
        device_id: field(&echo.device_id),
        outcome,
        request_xml,
        request_kept,
        request_size: request.size,
        response_xml,
        response_size,
        fault,
        request_drift: drift.clone(),
    };
    let whole = Whole {
        request: whole_request.as_deref(),
        response: whole_response.as_deref(),
    };
    shared.audit(entry, whole);
}

/// The device check: Ok(device id to use) or the error to return.
async fn check_device(
    shared: &Shared,
    header: &Header,
) -> Result<String, systmone_core::ErrorResponse> {
    let blocked = || {
        perm(format!(
            "The request from {} was blocked by the SystmOne user. Blocks can be removed using the \
             Device Manager screen in SystmOne (Setup > Mobile Working & Integration menu).",
            if header.device_version.is_empty() {
                "this application"
            } else {
                header.device_version.as_str()
            }
        ))
    };
    let id = header.device_id.trim().to_string();
    {
        let st = lock(&shared.state);
        if !id.is_empty() && st.blocked_devices.contains(&id) {
            return Err(blocked());
        }
        if !id.is_empty() && st.devices.contains(&id) {
            return Ok(id);
        }
    }
    // A new device (empty DeviceID), or a Device ID this client never issued: the
    // user is asked, as on first contact.
    let approved = match shared.approval {
        Approval::Auto => true,
        Approval::Block => false,
        Approval::Ask => match ask_user(shared, header).await {
            Some(answer) => answer,
            None => {
                return Err(temp(
                    "The SystmOne user did not answer the request to allow this device; try again later",
                ));
            }
        },
    };
    let mut st = lock(&shared.state);
    if !approved {
        if !id.is_empty() {
            st.blocked_devices.insert(id);
        }
        return Err(blocked());
    }
    let new_id = loop {
        let candidate = st.rng.uid();
        if !st.devices.contains(&candidate) {
            break candidate;
        }
    };
    st.devices.insert(new_id.clone());
    drop(st);
    info!("new device approved");
    shared.changed(Change::Devices);
    Ok(new_id)
}

/// Asks the user (stdin prompt, console, admin API) whether to allow a new device.
/// `None`: no answer within the approval timeout.
async fn ask_user(shared: &Shared, header: &Header) -> Option<bool> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let id = shared.pending_counter.fetch_add(1, Ordering::Relaxed);
    lock(&shared.pending).push(PendingApproval {
        device: PendingDevice {
            id,
            device_version: header.device_version.clone(),
            device_id: header.device_id.trim().to_string(),
            since: chrono::Local::now().naive_local(),
        },
        answer: tx,
    });
    shared.changed(Change::Devices);
    eprintln!(
        "Allow {} to connect? [y/N] (device {id})",
        if header.device_version.is_empty() {
            "an application with no version"
        } else {
            header.device_version.as_str()
        }
    );
    let answer = tokio::time::timeout(shared.approval_timeout, rx).await;
    // Whatever happened, it no longer waits.
    let removed = {
        let mut list = lock(&shared.pending);
        let before = list.len();
        list.retain(|p| p.device.id != id);
        before != list.len()
    };
    if removed {
        shared.changed(Change::Devices);
    }
    match answer {
        Ok(Ok(approved)) => Some(approved),
        // The answer's sender was dropped without an answer: not approved.
        Ok(Err(_)) => Some(false),
        Err(_) => {
            info!(approval = id, "device approval timed out");
            None
        }
    }
}

async fn process<S>(shared: &Arc<Shared>, conn: &mut Connection<S>, frame: Frame) -> After
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let started = Instant::now();
    // A request must be UTF-8: one that is not is answered with an error (its header
    // read from the lossy text, to echo it).
    let (bytes, size, not_a_document) = match frame {
        Frame::Document(b) => {
            let size = b.len();
            (b, size, None)
        }
        Frame::Garbage { bytes, len, error } => (bytes, len, Some(error)),
    };
    let document = not_a_document.is_none();
    let (text, not_utf8) = match String::from_utf8(Vec::from(bytes)) {
        Ok(text) => (text, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
        }
    };
    let (text, header, parsed, drift) = if let Some(error) = not_a_document {
        // The error quotes the line's start, masked (the codec's excerpt); the keys
        // this simulator accepts are hidden too, whatever they look like.
        let message = format!("the request is not an XML document ({error})");
        let parsed = Err(systmone_core::mask::redact_keys(
            &message,
            &secrets(shared, ""),
        ));
        (text, Header::default(), parsed, RequestDrift::default())
    } else {
        let skew = shared.skew;
        // As SystmOne reads a request (F14): header and parameters in any order, and
        // what the bindings do not know kept and journalled, not refused; unless
        // `--strict-requests`.
        let mode = if shared.strict_requests {
            systmone_core::ReadMode::Strict
        } else {
            systmone_core::ReadMode::Tolerant
        };
        let read = move || {
            let parsed = match not_utf8 {
                Some(at) => Err(format!("the request is not valid UTF-8 (at byte {at})")),
                None if skew => {
                    AnyRequest::parse_with(&crate::skew::request_for_parsing(&text), mode)
                        .map_err(|e| e.to_string())
                }
                None => AnyRequest::parse_with(&text, mode).map_err(|e| e.to_string()),
            };
            match parsed {
                // Read as the bindings read it: the header is theirs. A request that
                // departs from them, or is not read at all, has its header read
                // leniently, so that whatever it sent is echoed.
                Ok(parsed) if !skew && parsed.drift.is_empty() => {
                    let header = Header::of(&parsed.value);
                    (text, header, Ok(parsed.value), RequestDrift::default())
                }
                Ok(parsed) => {
                    let header = lenient_header(&text);
                    let drift = RequestDrift::from_report(&parsed.drift);
                    (text, header, Ok(parsed.value), drift)
                }
                Err(e) => {
                    let header = lenient_header(&text);
                    (text, header, Err(e), RequestDrift::default())
                }
            }
        };
        // A small request is read on the runtime's thread: handing it to another
        // costs more than reading it. A large one is read off it, so that one big
        // document never holds up the other connections.
        if size < READ_ON_RUNTIME {
            read()
        } else {
            match tokio::task::spawn_blocking(read).await {
                Ok(done) => done,
                Err(e) => {
                    warn!("parsing a request failed: {e}");
                    return After::Close;
                }
            }
        }
    };
    let text = Received {
        text,
        size,
        document,
        api_key: header.api_key.clone(),
    };
    let mut echo = Echo {
        device_id: header.device_id.clone(),
        request_uid: header.request_uid.clone(),
        function: header.function.clone(),
        version: header.version.clone(),
    };
    // Throttling (ERRATA E17, E22): a throttled request gets no response at all.
    let today = chrono::Local::now().date_naive();
    let record_throttled = match &parsed {
        Ok(AnyRequest::GetPatientRecordV1_0(r)) => {
            classify_record_request(r.parameters.as_ref(), today) == RequestClass::PatientRecord
        }
        _ => false,
    };
    if !shared.admit(record_throttled, started) {
        debug!(function = %echo.function, "throttled");
        audit(
            shared,
            started,
            &echo,
            &text,
            AuditOutcome::Throttled,
            None,
            None,
            &drift,
        );
        shared.changed(Change::Throttle);
        return After::Continue;
    }
    let fault = shared.next_fault();
    let fault_kind = fault.map(|f| f.kind);
    let fault_text = fault.map(|f| f.to_string());
    match fault_kind {
        Some(FaultKind::Drop) => {
            audit(
                shared,
                started,
                &echo,
                &text,
                AuditOutcome::Dropped,
                None,
                fault_text,
                &drift,
            );
            return After::Continue;
        }
        Some(FaultKind::Temporary) => {
            let (xml, outcome) = render_error(
                shared,
                &echo,
                temp("SystmOne is busy and could not process the request; try again later"),
            );
            audit(
                shared,
                started,
                &echo,
                &text,
                outcome,
                Some(xml.clone()),
                fault_text,
                &drift,
            );
            return match conn.send(xml.as_str()).await {
                Ok(()) => After::Continue,
                Err(_) => After::Close,
            };
        }
        _ => {}
    }
    debug_assert!(state::processes(fault_kind));
    let mut replayed = match (&shared.replay, &parsed) {
        (Some(replay), Ok(_)) => crate::replay::respond(shared, replay, &echo, &text),
        _ => None,
    };
    if let Some(None) = replayed {
        // Recorded without a response: none now either.
        let fault = Some("replay: recorded without a response".to_string());
        audit(
            shared,
            started,
            &echo,
            &text,
            AuditOutcome::Dropped,
            None,
            fault,
            &drift,
        );
        return After::Continue;
    }
    let mut exit = false;
    let (xml, outcome) = match parsed {
        _ if replayed.is_some() => {
            exit = systmone_bindings::same_function(&echo.function, "ExitClient");
            let answer = replayed.take().flatten();
            answer.unwrap_or_else(|| render_error(shared, &echo, perm("replay")))
        }
        Err(message) => {
            let message = format!("The request could not be read: {message}");
            let (xml, _) = render_error(shared, &echo, perm(message.clone()));
            (xml, AuditOutcome::Unparseable { message })
        }
        Ok(request) => {
            if !shared.api_keys.iter().any(|k| k == header.api_key.trim()) {
                render_error(shared, &echo, perm("The API key is not valid"))
            } else {
                match check_device(shared, &header).await {
                    Err(e) => render_error(shared, &echo, e),
                    Ok(device_id) => {
                        echo.device_id = device_id.clone();
                        exit = matches!(request, AnyRequest::ExitClientV1_0(_));
                        let ctx = Ctx {
                            device_id: &device_id,
                            schemes: Schemes::from(match &request {
                                AnyRequest::GetPatientRecordV1_0(r) => r.output_scheme.as_ref(),
                                AnyRequest::GetCurrentActivityV1_0(r) => r.output_scheme.as_ref(),
                                AnyRequest::GetCurrentSelectionV1_0(r) => r.output_scheme.as_ref(),
                                _ => None,
                            }),
                            now: chrono::Local::now().naive_local().with_nanosecond_zero(),
                            root: &shared.root,
                            advertised: shared.advertised.as_ref(),
                            skew: shared.skew,
                        };
                        // Rendered once the state is unlocked: other connections'
                        // requests do not wait for this one's response to be written.
                        let answer = handlers::handle(&mut lock(&shared.state), &ctx, request);
                        answer(shared, &echo)
                    }
                }
            }
        }
    };
    // `--skew`: the response as a newer SystmOne writes it.
    let xml = if shared.skew {
        crate::skew::response(&xml)
    } else {
        xml
    };
    let journal = |xml: String| {
        audit(
            shared,
            started,
            &echo,
            &text,
            outcome,
            Some(xml),
            fault_text,
            &drift,
        )
    };
    let sent = match fault_kind {
        Some(FaultKind::DropAfterWrite) => {
            journal(xml);
            return After::Continue;
        }
        Some(FaultKind::CloseMid) => {
            let half = xml.len() / 2;
            journal(xml.clone());
            let stream = conn.get_mut();
            let _ = stream.write_all(&xml.as_bytes()[..half]).await;
            let _ = stream.flush().await;
            return After::Close;
        }
        Some(FaultKind::Delay(d)) => {
            journal(xml.clone());
            tokio::time::sleep(d).await;
            conn.send(xml.as_str()).await
        }
        // Framed into the connection's buffer, then journalled (the journal keeps the
        // text itself, not a copy), then sent: journalled before the client can have it.
        _ => match conn.feed(xml.as_str()).await {
            Ok(()) => {
                journal(xml);
                conn.flush().await
            }
            Err(e) => {
                journal(xml);
                Err(e)
            }
        },
    };
    match sent {
        Ok(()) if exit => After::Exit,
        Ok(()) => After::Continue,
        Err(_) if exit => After::Exit,
        Err(_) => After::Close,
    }
}

trait NoNanos {
    fn with_nanosecond_zero(self) -> Self;
}

impl NoNanos for chrono::NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

#[cfg(test)]
mod tests {
    use systmone_bindings::AnyRequest;
    use systmone_core::ReadMode;
    use systmone_core::envelope::redact_api_key;

    use super::{Header, lenient_header};

    /// A request the bindings read without departures has the header the lenient
    /// reader would have found: what is echoed does not depend on which read it.
    #[test]
    fn the_typed_header_is_the_lenient_one() {
        let header = |api: &str, uid: &str, function: &str, version: &str| {
            format!(
                "<APIKey>{api}</APIKey><DeviceID> 392752167bd7f69b </DeviceID>\
                 <DeviceVersion>app &amp; v1 &#233;</DeviceVersion><RequestUID>{uid}</RequestUID>\
                 <Function>{function}</Function><FunctionVersion>{version}</FunctionVersion>"
            )
        };
        let requests = [
            format!(
                "<ClientIntegrationRequest>{}<FunctionParameters/></ClientIntegrationRequest>",
                header("f31e26725b5491f2", "A-1", "GetFunctions", "1.0")
            ),
            format!(
                "\u{feff}<?xml version=\"1.0\" encoding=\"utf-16\"?>\n<ClientIntegrationRequest>\n  {}\n  \
                 <FunctionParameters></FunctionParameters>\n</ClientIntegrationRequest>",
                header(" key ", "<![CDATA[B&2]]>", "GetFunctions", "1")
            ),
            // The header in another order.
            "<ClientIntegrationRequest><FunctionVersion>1.0</FunctionVersion>\
             <Function>GetCurrentActivity</Function><RequestUID>C-3</RequestUID>\
             <DeviceVersion></DeviceVersion><DeviceID/><APIKey>k</APIKey>\
             <FunctionParameters/></ClientIntegrationRequest>"
                .to_string(),
        ];
        let mut compared = 0;
        for text in &requests {
            let parsed = AnyRequest::parse_with(text, ReadMode::Tolerant).expect("it reads");
            if !parsed.drift.is_empty() {
                continue;
            }
            compared += 1;
            assert_eq!(
                format!("{:?}", Header::of(&parsed.value)),
                format!("{:?}", lenient_header(text)),
                "{text}"
            );
        }
        assert!(compared >= 2, "only {compared} requests read without drift");
    }

    #[test]
    fn the_api_key_never_reaches_the_journal() {
        let xml = "<ClientIntegrationRequest><APIKey>f31e26725b5491f2</APIKey><DeviceID>\
                   </DeviceID></ClientIntegrationRequest>";
        let redacted = redact_api_key(xml);
        assert_eq!(
            redacted,
            "<ClientIntegrationRequest><APIKey>[redacted]</APIKey><DeviceID></DeviceID>\
             </ClientIntegrationRequest>"
        );
        assert_eq!(
            redact_api_key("<a><APIKey >k1</APIKey><APIKey>k2</APIKey ><APIKeyX>v</APIKeyX></a>"),
            "<a><APIKey >[redacted]</APIKey><APIKey>[redacted]</APIKey ><APIKeyX>v</APIKeyX></a>"
        );
        assert_eq!(redact_api_key("<a><APIKey/></a>"), "<a><APIKey/></a>");
        assert_eq!(redact_api_key("<a><APIKey>secret"), "<a><APIKey>[redacted]");
        assert_eq!(redact_api_key("not xml <APIKey"), "not xml <APIKey");
    }
}
