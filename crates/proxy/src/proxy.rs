//! The proxy: accepts the integration's connections, opens one upstream connection for
//! each, and copies bytes both ways as they arrive.
//!
//! Forwarding comes first and is never held up: each chunk read is written to the other
//! side before anything looks at it; a copy then goes through the transport's codec
//! (`XmlDocumentCodec`) to find where documents end, and whole documents go to the
//! connection's observer task, which pairs requests with responses (by RequestUID,
//! else in order), reads each response tolerantly for drift, masks and records. The
//! proxy adds no pacing and never retries: a request the upstream drops stays
//! unanswered, a connection the upstream closes is closed. A stream the codec cannot
//! frame is still forwarded (only no longer recorded), and a recorder that falls behind
//! skips documents rather than slowing the wire.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use systmone_core::ReadMode;
use systmone_transport::codec::{Sniffed, XmlDocumentCodec, sniff_protocol};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_util::codec::Decoder;
use tracing::{debug, info, warn};

use crate::recording::{DriftPath, ExchangeMeta, Masking, Outcome, Recorder};
use crate::summary::Summary;

/// The proxy's configuration.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Where the integration connects (port 0: any free port).
    pub listen: SocketAddr,
    /// The SystmOne client's interface.
    pub upstream: SocketAddr,
    /// Allow a non-loopback listen or upstream address.
    pub allow_remote: bool,
    /// Record exchanges into this directory.
    pub record: Option<PathBuf>,
    /// Masking of what is recorded.
    pub masking: Masking,
    /// How long connecting upstream may take before the integration's connection is
    /// closed.
    pub connect_timeout: Duration,
    /// Largest document observed; a larger one is still forwarded, not recorded.
    pub max_document_size: usize,
}

impl ProxyConfig {
    /// Loopback defaults: listen on `listen`, forward to `upstream`, no recording.
    pub fn new(listen: SocketAddr, upstream: SocketAddr) -> Self {
        ProxyConfig {
            listen,
            upstream,
            allow_remote: false,
            record: None,
            masking: Masking::default(),
            connect_timeout: Duration::from_secs(10),
            max_document_size: systmone_transport::codec::DEFAULT_MAX_DOCUMENT_SIZE,
        }
    }
}

/// Why the proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// A non-loopback address without `allow_remote`.
    #[error(
        "refusing {0} (not a loopback address) without --allow-remote: the proxy carries patient data"
    )]
    NotLoopback(SocketAddr),
    /// Binding the listening address failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The recording directory could not be prepared.
    #[error(transparent)]
    Record(#[from] crate::recording::RecordError),
}

struct Shared {
    upstream: SocketAddr,
    connect_timeout: Duration,
    max_document_size: usize,
    recorder: Option<Recorder>,
    summary: Mutex<Summary>,
    exchanges: AtomicU64,
    connections: AtomicU64,
    shutdown: watch::Sender<bool>,
}

impl Shared {
    fn summary(&self) -> std::sync::MutexGuard<'_, Summary> {
        self.summary.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Starts proxies.
pub struct Proxy;

impl Proxy {
    /// Checks the addresses, prepares the recording directory, binds and starts serving.
    pub async fn start(config: ProxyConfig) -> Result<ProxyHandle, ProxyError> {
        for addr in [config.listen, config.upstream] {
            if !addr.ip().is_loopback() && !config.allow_remote {
                return Err(ProxyError::NotLoopback(addr));
            }
        }
        let recorder = match &config.record {
            Some(dir) => Some(Recorder::new(dir, config.masking.clone())?),
            None => None,
        };
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ProxyError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| ProxyError::Bind {
            addr: config.listen,
            source,
        })?;
        let (shutdown, _) = watch::channel(false);
        let summary = Summary {
            masked: recorder.as_ref().is_some_and(Recorder::masked),
            ..Summary::default()
        };
        let shared = Arc::new(Shared {
            upstream: config.upstream,
            connect_timeout: config.connect_timeout,
            max_document_size: config.max_document_size,
            recorder,
            summary: Mutex::new(summary),
            exchanges: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            shutdown,
        });
        info!(%addr, upstream = %config.upstream, "proxy listening");
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(ProxyHandle { addr, shared, task })
    }
}

/// A running proxy.
pub struct ProxyHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl ProxyHandle {
    /// The address the integration connects to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The summary so far.
    pub fn summary(&self) -> Summary {
        self.shared.summary().clone()
    }

    /// Stops accepting, closes every connection (requests still pending are recorded
    /// as unanswered), writes `summary.json` into the recording, and returns the
    /// summary.
    pub async fn shutdown(self) -> Result<Summary, crate::recording::RecordError> {
        let _ = self.shared.shutdown.send(true);
        let _ = self.task.await;
        let summary = self.shared.summary().clone();
        if let Some(recorder) = &self.shared.recorder {
            let json = serde_json::to_vec_pretty(&summary).unwrap_or_default();
            recorder.atomic("summary.json", &json)?;
        }
        Ok(summary)
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut stop = shared.shutdown.subscribe();
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let id = shared.connections.fetch_add(1, Ordering::Relaxed) + 1;
                    shared.summary().connections += 1;
                    debug!(%peer, connection = id, "connection");
                    connections.spawn(connection(stream, id, shared.clone()));
                }
                Err(e) => warn!(error = %e, "accept failed"),
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Each connection stops on the same signal and flushes its observer.
    while connections.join_next().await.is_some() {}
    info!("proxy stopped");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

enum Observed {
    Document {
        direction: Direction,
        bytes: Bytes,
        at: Instant,
        wall: chrono::DateTime<chrono::Utc>,
    },
    FramingError,
}

async fn connection(client: TcpStream, id: u64, shared: Arc<Shared>) {
    let _ = client.set_nodelay(true);
    let mut stop = shared.shutdown.subscribe();
    let upstream =
        tokio::time::timeout(shared.connect_timeout, TcpStream::connect(shared.upstream)).await;
    let upstream = match upstream {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => {
            warn!(connection = id, upstream = %shared.upstream, error = %e, "upstream not reachable; closing the connection");
            shared.summary().errors.upstream_connect += 1;
            return;
        }
        Err(_) => {
            warn!(connection = id, upstream = %shared.upstream, "upstream connection timed out; closing the connection");
            shared.summary().errors.upstream_connect += 1;
            return;
        }
    };
    let _ = upstream.set_nodelay(true);
    let (mut client_read, mut client_write) = client.into_split();
    let (mut upstream_read, mut upstream_write) = upstream.into_split();
    let (tx, rx) = mpsc::channel(256);
    let observer = tokio::spawn(observe(id, rx, shared.clone()));
    let mut linger = false;
    {
        let up = pump(
            &mut client_read,
            &mut upstream_write,
            Direction::Request,
            tx.clone(),
            shared.clone(),
        );
        let down = pump(
            &mut upstream_read,
            &mut client_write,
            Direction::Response,
            tx,
            shared.clone(),
        );
        tokio::pin!(up, down);
        let (mut up_done, mut down_done) = (false, false);
        // Set when the upstream stopped reading: what it still sends is passed on
        // for a while.
        let mut last_bytes: Option<Instant> = None;
        // A side that ends cleanly (EOF) half-closes the other and the rest still flows; an
        // error on either side ends the connection, as a broken connection would, except
        // that the upstream's last bytes (an error response before it closed on a
        // request it refused) still reach the integration.
        while !(up_done && down_done) {
            tokio::select! {
                _ = stop.wait_for(|s| *s) => break,
                r = &mut up, if !up_done => {
                    up_done = true;
                    match r {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::Unsupported => break,
                        Err(_) => {
                            last_bytes = Some(Instant::now() + LAST_BYTES_WAIT);
                            linger = true;
                        }
                    }
                }
                r = &mut down, if !down_done => {
                    down_done = true;
                    if r.is_err() { break; }
                }
                _ = tokio::time::sleep_until(last_bytes.unwrap_or_else(Instant::now)), if last_bytes.is_some() && !down_done => break,
            }
        }
    }
    if linger {
        // What the integration still sends is read and dropped for a moment before
        // closing, so that the close does not reset the connection under the answer
        // just passed on (some systems then discard it unread).
        let _ = client_write.shutdown().await;
        let drain = async {
            let mut sink = vec![0u8; 64 * 1024];
            while matches!(client_read.read(&mut sink).await, Ok(n) if n > 0) {}
        };
        let _ = tokio::time::timeout(LAST_BYTES_WAIT, drain).await;
    }
    // The pumps (and their senders) were dropped with their scope: the observer ends.
    let _ = observer.await;
    debug!(connection = id, "connection closed");
}

/// How long the upstream's last bytes are waited for, and the integration's drained,
/// once the upstream has stopped reading.
const LAST_BYTES_WAIT: Duration = Duration::from_secs(5);

/// Copies `from` to `to` chunk by chunk, then hands a copy to the codec. Requests
/// are first sniffed: a stream that opens as another protocol does (an HTTP request
/// line, a TLS handshake) is never forwarded (`ErrorKind::Unsupported`).
async fn pump<R, W>(
    from: &mut R,
    to: &mut W,
    direction: Direction,
    tx: mpsc::Sender<Observed>,
    shared: Arc<Shared>,
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut codec = XmlDocumentCodec::new()
        .max_document_size(shared.max_document_size)
        .accept_eof_marker(direction == Direction::Request);
    let mut buffer = BytesMut::new();
    let mut chunk = vec![0u8; 64 * 1024];
    // Every stream is observed (drift, summary) until it cannot be framed.
    let mut observing = true;
    // The bytes read but not yet forwarded: a request's opening, until sniffed.
    let mut held = BytesMut::new();
    let mut sniffing = direction == Direction::Request;
    loop {
        let n = from.read(&mut chunk).await?;
        if sniffing {
            held.extend_from_slice(&chunk[..n]);
            match sniff_protocol(&held) {
                Sniffed::NeedMore if n > 0 => continue,
                Sniffed::Foreign(protocol) => {
                    // Logged once, without content.
                    warn!(%protocol, "a connection speaking another protocol closed unanswered; nothing was forwarded");
                    shared.summary().errors.foreign_protocol += 1;
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::Unsupported,
                        format!("the integration's side spoke {protocol}"),
                    ));
                }
                _ => sniffing = false,
            }
        }
        let bytes: &[u8] = if held.is_empty() {
            &chunk[..n]
        } else {
            &held[..]
        };
        if bytes.is_empty() {
            let _ = to.shutdown().await;
            if observing && !buffer.is_empty() {
                if let Ok(Some(doc)) = codec.decode_eof(&mut buffer) {
                    send(&tx, &shared, direction, doc);
                }
            }
            return Ok(());
        }
        // Forward first: observation never delays the wire.
        to.write_all(bytes).await?;
        if observing {
            buffer.extend_from_slice(bytes);
        }
        let ended = n == 0;
        held.clear();
        if ended {
            // The end came with the opening: forwarded, now the end itself.
            let _ = to.shutdown().await;
            if observing && !buffer.is_empty() {
                if let Ok(Some(doc)) = codec.decode_eof(&mut buffer) {
                    send(&tx, &shared, direction, doc);
                }
            }
            return Ok(());
        }
        if !observing {
            continue;
        }
        loop {
            match codec.decode(&mut buffer) {
                Ok(Some(doc)) => send(&tx, &shared, direction, doc),
                Ok(None) => break,
                Err(e) => {
                    // The error quotes the stream's start masked (the codec's excerpt).
                    warn!(?direction, error = %e, "stream cannot be framed; still forwarded, no longer recorded");
                    let _ = tx.try_send(Observed::FramingError);
                    observing = false;
                    buffer = BytesMut::new();
                    break;
                }
            }
        }
    }
}

fn send(tx: &mpsc::Sender<Observed>, shared: &Shared, direction: Direction, bytes: Bytes) {
    let observed = Observed::Document {
        direction,
        bytes,
        at: Instant::now(),
        wall: chrono::Utc::now(),
    };
    if tx.try_send(observed).is_err() {
        shared.summary().errors.recorder_overflow += 1;
    }
}

struct Pending {
    exchange: u64,
    function: String,
    version: String,
    request_uid: String,
    text: String,
    at: Instant,
    wall: chrono::DateTime<chrono::Utc>,
}

/// Pairs a connection's requests and responses, reads responses for drift, records.
async fn observe(connection: u64, mut rx: mpsc::Receiver<Observed>, shared: Arc<Shared>) {
    let mut pending: VecDeque<Pending> = VecDeque::new();
    while let Some(observed) = rx.recv().await {
        match observed {
            Observed::FramingError => shared.summary().errors.framing += 1,
            Observed::Document {
                direction: Direction::Request,
                bytes,
                at,
                wall,
            } => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let header = systmone_core::envelope::peek_header(&text).unwrap_or_default();
                let function = header.function.unwrap_or_default();
                let version = header.function_version.unwrap_or_default();
                let exchange = shared.exchanges.fetch_add(1, Ordering::Relaxed) + 1;
                {
                    let mut summary = shared.summary();
                    summary.exchanges += 1;
                    summary.function(&function, &version).requests += 1;
                }
                pending.push_back(Pending {
                    exchange,
                    function,
                    version,
                    request_uid: header.request_uid.unwrap_or_default(),
                    text,
                    at,
                    wall,
                });
            }
            Observed::Document {
                direction: Direction::Response,
                bytes,
                at,
                ..
            } => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let uid = systmone_core::envelope::peek_header(&text)
                    .ok()
                    .and_then(|h| h.request_uid);
                let index = uid
                    .as_ref()
                    .and_then(|uid| pending.iter().position(|p| &p.request_uid == uid))
                    .unwrap_or(0);
                let Some(request) = pending.remove(index) else {
                    shared.summary().errors.unmatched_responses += 1;
                    warn!(
                        connection,
                        "a response with no request pending on its connection"
                    );
                    continue;
                };
                let elapsed = at.saturating_duration_since(request.at);
                let shared = shared.clone();
                let done = tokio::task::spawn_blocking(move || {
                    finish(&shared, connection, request, Some((text, elapsed)))
                })
                .await;
                if let Err(e) = done {
                    warn!(error = %e, "recording an exchange failed");
                }
            }
        }
    }
    // The connection closed: whatever is still pending was never answered.
    for request in pending {
        let shared = shared.clone();
        let _ =
            tokio::task::spawn_blocking(move || finish(&shared, connection, request, None)).await;
    }
}

/// Reads the response for drift, counts, masks and writes one exchange.
fn finish(
    shared: &Shared,
    connection: u64,
    request: Pending,
    response: Option<(String, Duration)>,
) {
    let mut drift_paths = Vec::new();
    let outcome = match &response {
        None => Outcome::Unanswered,
        Some((text, _)) => {
            match systmone_bindings::AnyResponse::parse_with(text, ReadMode::Tolerant) {
                Ok(parsed) => {
                    if !parsed.drift.is_empty() {
                        let paths: Vec<&str> = parsed
                            .drift
                            .items()
                            .iter()
                            .map(|i| i.path.as_str())
                            .collect();
                        // Paths and counts only: values may be patient data.
                        info!(
                            function = %request.function,
                            departures = parsed.drift.total(),
                            paths = %paths.join(", "),
                            "response drifts from the bindings"
                        );
                        let mut summary = shared.summary();
                        summary.add_drift(&parsed.drift);
                        summary
                            .function(&request.function, &request.version)
                            .drifted += 1;
                    }
                    drift_paths = parsed
                        .drift
                        .items()
                        .iter()
                        .map(|i| DriftPath {
                            kind: i.kind.describe().to_string(),
                            path: i.path.clone(),
                            count: i.count,
                        })
                        .collect();
                }
                Err(e) => {
                    // The error may quote the document: only at debug.
                    warn!(function = %request.function, "a response the bindings cannot read");
                    debug!(error = %e, "why it cannot be read");
                    shared.summary().errors.unreadable_responses += 1;
                }
            }
            if is_error_response(text) {
                Outcome::ErrorResponse
            } else {
                Outcome::Answered
            }
        }
    };
    {
        let mut summary = shared.summary();
        let counts = summary.function(&request.function, &request.version);
        match outcome {
            Outcome::Unanswered => counts.unanswered += 1,
            Outcome::ErrorResponse => {
                counts.responses += 1;
                counts.error_responses += 1;
            }
            Outcome::Answered => counts.responses += 1,
        }
    }
    debug!(
        connection,
        exchange = request.exchange,
        function = %request.function,
        request_uid = %request.request_uid,
        ?outcome,
        "exchange"
    );
    let Some(recorder) = &shared.recorder else {
        return;
    };
    let prepare = |text: &str| match recorder.prepare(text) {
        Ok(prepared) => Some(prepared),
        Err(e) => {
            warn!(exchange = request.exchange, error = %e, "a document not recorded");
            shared.summary().errors.unmaskable += 1;
            None
        }
    };
    let request_text = prepare(&request.text);
    let response_text = response.as_ref().and_then(|(text, _)| prepare(text));
    let meta = ExchangeMeta {
        exchange: request.exchange,
        connection,
        call_kind: match systmone_bindings::call_kind(&request.function) {
            systmone_core::CallKind::Read => "read".into(),
            systmone_core::CallKind::Write => "write".into(),
        },
        function: request.function,
        version: request.version,
        request_uid: request.request_uid,
        requested_at: request
            .wall
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        response_ms: response
            .as_ref()
            .map(|(_, d)| (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0),
        outcome,
        request_file: None,
        response_file: None,
        masked: false,
        free_text_kept: false,
        drift: drift_paths,
    };
    if let Err(e) = recorder.write(meta, request_text.as_deref(), response_text.as_deref()) {
        warn!(error = %e, "recording failed");
        shared.summary().errors.recording += 1;
    }
}

/// SystmOne's error form: `<Response>` holding `<ErrorMessage>`.
fn is_error_response(text: &str) -> bool {
    text.contains("<ErrorMessage>") || text.contains("<ErrorMessage ")
}
