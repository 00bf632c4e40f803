//! The typed client: one connection, one request in flight, paced, with the checks an
//! integration holding real patient records needs.
//!
//! The life of a call, top to bottom in this file:
//! - [`Client::call_detailed`]: the name to send (version negotiation, `function_name`);
//! - `call_with_retries`: the attempts, the backoffs between them and the call's
//!   budget (`retry.rs`); a write is one attempt;
//! - `call_once` / `attempt`: one request with its own RequestUID, under the connection
//!   lock: connect, the pacing turn (`Pacer::reserve`, `confirm_with`), the exchange,
//!   the audit line; an unanswered write becomes `OutcomeUnknown` here;
//! - `exchange`: write the request, wait (`response_timeout`, or the budget for a write)
//!   for the response whose RequestUID echoes it;
//! - `interpret` / `use_response`: read it with the bindings on the blocking pool, then
//!   the checks: function name, Device ID allocation, error responses, and right
//!   patient or an error (`patient.rs`).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use futures::{FutureExt, SinkExt, StreamExt};
use systmone_bindings::get_functions_v1_0::{
    GetFunctionsParameters, GetFunctionsV1_0, SupportedFunction,
};
use systmone_bindings::get_patient_record_v1_0::GetPatientRecordParameters;
use systmone_core::{
    ApiKey, CallKind, Drift, Function, OutputScheme, Parsed, ReadMode, Request, RequestHeader,
    Response, ResponseBody,
};
use systmone_transport::codec::XmlDocumentCodec;
use systmone_transport::device_id::{DeviceIdStore, FileStore};
use systmone_transport::negotiation::NegotiationFile;
use systmone_transport::pacing::{
    Pacer, PacingLimits, RequestClass, WaitRule, classify_record_request,
};
use systmone_transport::pacing_file::PacingFile;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Mutex, OnceCell};
use tokio::time::{Instant, timeout, timeout_at};
use tokio_util::codec::Framed;
use tracing::Instrument;

use crate::audit::{AuditLog, AuditRecord};
use crate::error::{Error, ProtocolError};
use crate::patient;
use crate::retry::DEFAULT_RESPONSE_TIMEOUT;
use crate::retry::{Budget, RetryPolicy};

/// The default address of the SystmOne client's interface (ERRATA E23).
pub const DEFAULT_ADDR: &str = "127.0.0.1:40700";

/// The client's default pacing: SystmOne's documented limits (one request per second,
/// one throttled GetPatientRecord per 30 seconds) plus [`DEFAULT_PACING_GUARD`], since
/// SystmOne measures the gaps on arrival and a request that arrives a moment early gets
/// no response at all (ERRATA E17). Turns count from when a request's last byte was
/// written, so a slow connect or write does not eat into the gap; processes sharing the
/// pacing file read it again after their wait, before sending
/// ([`Pacer::confirm`](systmone_transport::pacing::Pacer::confirm)), so another
/// process's late write pushes their turn back instead of putting the request inside
/// the throttle (which a 5 ms guard once showed under load, when turns were only taken
/// from the other process's reserved time).
pub const DEFAULT_PACING: PacingLimits = PacingLimits::SYSTMONE.with_guard(DEFAULT_PACING_GUARD);

/// The allowance added to SystmOne's intervals (configurable through
/// [`PacingLimits::with_guard`]): the time between our last byte and SystmOne reading
/// its clock varies. On the GP's PC a busy SystmOne may read one request late and the
/// next at once, and Windows' default timer ticks every 15.6 ms, so the guard spans
/// several ticks: 50 ms costs a burst 5% of its speed and a record extract 0.2%, while
/// a request that lands inside the throttle gets no answer at all (a write's outcome
/// is then unknown). Two of our real-throttle tests lost a request with 5 ms on a
/// machine loaded elevenfold.
pub const DEFAULT_PACING_GUARD: Duration = Duration::from_millis(50);

/// How long a first request waits for SystmOne's user to approve the device
/// ([`ClientConfig::approval_wait`]).
pub const DEFAULT_APPROVAL_WAIT: Duration = Duration::from_secs(300);

/// How long a first request goes unanswered before the approval observer is told that
/// a prompt is showing (an approved device gets its answer at once).
const APPROVAL_NOTICE_AFTER: Duration = Duration::from_secs(1);

/// A first request waiting for SystmOne's user to approve this device.
#[derive(Debug, Clone, Copy)]
pub struct ApprovalWait<'a> {
    /// The function of the first request.
    pub function: &'a str,
    /// How long the client waits for the answer ([`ClientConfig::approval_wait`]).
    pub limit: Duration,
}

impl std::fmt::Display for ApprovalWait<'_> {
    /// `approve this device in SystmOne on this PC: a prompt is showing (waiting up to 5 min)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "approve this device in SystmOne on this PC: a prompt is showing (waiting up to {})",
            crate::error::whole_seconds(self.limit)
        )
    }
}

/// Called once when a first request is waiting for SystmOne's user to approve the
/// device (for a line telling the person at the screen).
pub type ApprovalObserver = Arc<dyn Fn(&ApprovalWait<'_>) + Send + Sync>;

/// Which element name the client writes for an NHS number in `Identity` (ERRATA E1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NhsNumberElement {
    /// `<NHSNumber>`, as the Patient Identification section writes it.
    #[default]
    Canonical,
    /// `<NhsNumber>`, as every request example writes it (for client builds that want it).
    AsInExamples,
}

/// How to reach SystmOne and how to behave.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `host:port` of the SystmOne client (default `127.0.0.1:40700`).
    pub addr: String,
    /// Your API key, given by TPP.
    pub api_key: ApiKey,
    /// Your software's version, shown in SystmOne's audit trail and approval dialog.
    pub device_version: String,
    /// How long to wait for the TCP connection.
    pub connect_timeout: Duration,
    /// How long writing a request may take.
    pub write_timeout: Duration,
    /// How long one attempt of a read waits for its whole response (default
    /// [`DEFAULT_RESPONSE_TIMEOUT`], 30 s: SystmOne generally answers in under a second,
    /// and even a large record in a few). When it runs out the read is sent again (a
    /// late answer to the first attempt is recognised by its RequestUID and discarded),
    /// so this is how long a lost response costs. Raise it for records that take
    /// SystmOne longer to write.
    pub response_timeout: Duration,
    /// The time a whole call may take ([`ClientConfig::call_budget`]; `None`, the
    /// default: room for every attempt of a read, `retry.max_attempts` ×
    /// `response_timeout` plus the waits between them, 93 s with the defaults). A read's
    /// attempts and the waits between them count; its waits for SystmOne's throttle do
    /// not (they are the client's own choice, and a full record waits 30 s for its
    /// turn). A write is sent once, never again, and waits for its answer this long:
    /// the time a read would spend on retries goes to the write's one answer, since a
    /// write without one is [`Error::OutcomeUnknown`].
    pub call_timeout: Option<Duration>,
    /// The largest response accepted (default 64 MiB).
    pub max_document_size: usize,
    /// The throttle limits to pace to (default: the documented 1 s and 30 s).
    pub pacing: PacingLimits,
    /// Retries of reads (writes are never retried).
    pub retry: RetryPolicy,
    /// The element name written for NHS numbers (ERRATA E1).
    pub nhs_number_element: NhsNumberElement,
    /// Coding schemes to ask for in every request (`None`: SystmOne's defaults).
    pub output_scheme: Option<OutputScheme>,
    /// Ask GetFunctions once, then refuse calls to versions SystmOne does not support.
    pub negotiate_versions: bool,
    /// How long a first request (no Device ID yet: SystmOne shows its user a prompt to
    /// allow this software) waits for the user's answer (default
    /// [`DEFAULT_APPROVAL_WAIT`], 5 minutes: the prompt and the response, in place of
    /// [`response_timeout`](Self::response_timeout)). It is sent once, never again (another
    /// request would be another prompt), then the call fails with
    /// [`Error::NotApproved`].
    pub approval_wait: Duration,
    /// How responses are read: tolerantly (the default: whatever real clients send is
    /// kept, and each departure from the bindings is reported in [`Reply::drift`]) or
    /// strictly (a departure is a protocol error naming its path; for conformance tests).
    pub read_mode: ReadMode,
}

impl ClientConfig {
    /// The defaults, with your API key.
    pub fn new(api_key: impl Into<String>) -> Self {
        ClientConfig {
            addr: DEFAULT_ADDR.to_string(),
            api_key: ApiKey::new(api_key),
            device_version: concat!("systmone-rs ", env!("CARGO_PKG_VERSION")).to_string(),
            connect_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(30),
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
            call_timeout: None,
            max_document_size: systmone_transport::codec::DEFAULT_MAX_DOCUMENT_SIZE,
            pacing: DEFAULT_PACING,
            retry: RetryPolicy::default(),
            nhs_number_element: NhsNumberElement::default(),
            output_scheme: None,
            negotiate_versions: true,
            approval_wait: DEFAULT_APPROVAL_WAIT,
            read_mode: ReadMode::Tolerant,
        }
    }

    /// The time a whole call may take: `call_timeout` when set, else room for every
    /// attempt of a read and the backoffs between them.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut config = systmone_client::ClientConfig::new("key");
    /// // 3 attempts of 30 s, and 1 s and 2 s between them.
    /// assert_eq!(config.call_budget(), Duration::from_secs(93));
    /// config.response_timeout = Duration::from_secs(5);
    /// assert_eq!(config.call_budget(), Duration::from_secs(18));
    /// config.call_timeout = Some(Duration::from_secs(10));
    /// assert_eq!(config.call_budget(), Duration::from_secs(10));
    /// ```
    pub fn call_budget(&self) -> Duration {
        self.call_timeout.unwrap_or_else(|| {
            let attempts = self.retry.max_attempts.max(1);
            self.response_timeout.saturating_mul(attempts) + self.retry.total_backoff()
        })
    }
}

/// A byte stream to SystmOne.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Opens connections: TCP by default; tests use in-memory streams.
pub trait Connector: Send + Sync + 'static {
    /// Opens a new connection.
    fn connect(&self) -> BoxFuture<'_, std::io::Result<Box<dyn Stream>>>;
    /// For messages.
    fn describe(&self) -> String;
}

/// Connects over TCP to `host:port` (`localhost` is 127.0.0.1, not whatever the
/// resolver says: [`systmone_transport::addr`]).
pub struct TcpConnector(pub String);

impl Connector for TcpConnector {
    fn connect(&self) -> BoxFuture<'_, std::io::Result<Box<dyn Stream>>> {
        Box::pin(async move {
            let addr = systmone_transport::addr::with_loopback(&self.0);
            // Resolved apart, so that a name that does not resolve is its own error
            // (not retried), not a connection failure.
            let unresolved = |reason: String| {
                std::io::Error::new(std::io::ErrorKind::NotFound, UnresolvedHost(reason))
            };
            let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host(addr.as_str())
                .await
                .map_err(|e| unresolved(e.to_string()))?
                .collect();
            if addrs.is_empty() {
                return Err(unresolved("the name has no address".into()));
            }
            let stream = tokio::net::TcpStream::connect(&addrs[..]).await?;
            stream.set_nodelay(true)?;
            Ok(Box::new(stream) as Box<dyn Stream>)
        })
    }

    fn describe(&self) -> String {
        self.0.clone()
    }
}

type Connection = Framed<Box<dyn Stream>, XmlDocumentCodec>;

/// A host name that does not resolve (the reason), inside the `io::Error` a
/// [`Connector`] returns: the call then fails with [`Error::UnknownHost`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UnresolvedHost(pub String);

/// A wait before a request is sent, when pacing holds it back.
#[derive(Debug, Clone, Copy)]
pub struct PacingWait<'a> {
    /// The function whose request waits.
    pub function: &'a str,
    /// How long it waits.
    pub wait: Duration,
    /// The rule it waits for (SystmOne's 1 s rule, or its 30 s rule for full
    /// records); its `Display` says so in words.
    pub rule: WaitRule,
}

impl std::fmt::Display for PacingWait<'_> {
    /// `waiting 29.0 s for the 30 s full-record rule before GetPatientRecord`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "waiting {:.1} s for {} before {}",
            self.wait.as_secs_f64(),
            self.rule,
            self.function
        )
    }
}

/// Called with each wait before a request is sent, when pacing holds it back (for a
/// progress line).
pub type PacingObserver = Arc<dyn Fn(&PacingWait<'_>) + Send + Sync>;

struct Inner {
    config: ClientConfig,
    connector: Box<dyn Connector>,
    device_store: Arc<dyn DeviceIdStore>,
    device_id: StdMutex<Option<String>>,
    connection: Mutex<Option<Connection>>,
    pacer: Pacer,
    supported: OnceCell<Vec<SupportedFunction>>,
    /// Whether `supported` came from the negotiation file (not asked in this process).
    supported_from_file: std::sync::atomic::AtomicBool,
    /// The answer asked afresh after the file's one met a version error.
    fresh: OnceCell<Vec<SupportedFunction>>,
    negotiation_file: Option<NegotiationFile>,
    audit: Option<AuditLog>,
    pacing_observer: Option<PacingObserver>,
    approval_observer: Option<ApprovalObserver>,
    /// Held by the one request making first contact in this process.
    first_contact: Mutex<()>,
    today: fn() -> chrono::NaiveDate,
}

/// A client of the SystmOne Client Integration interface.
///
/// Cheap to clone and safe to share between tasks: clones share one connection, and
/// calls queue in order, one request in flight at a time, paced to SystmOne's throttle.
///
/// ```no_run
/// # async fn demo() -> Result<(), systmone_client::Error> {
/// use systmone_client::{Client, ClientConfig};
/// use systmone_bindings::patient_search_v1_0::PatientSearchParameters;
///
/// let client = Client::builder(ClientConfig::new("f31e26725b5491f2")).build()?;
/// let found = client
///     .patient_search(PatientSearchParameters {
///         surname: Some("Swift".into()),
///         first_name: Some("A".into()),
///         ..Default::default()
///     })
///     .await?;
/// println!("{} matches", found.result.len());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// Builds a [`Client`].
pub struct ClientBuilder {
    config: ClientConfig,
    connector: Option<Box<dyn Connector>>,
    device_store: Option<Arc<dyn DeviceIdStore>>,
    audit: Option<AuditLog>,
    pacing_observer: Option<PacingObserver>,
    approval_observer: Option<ApprovalObserver>,
    pacing_file: Option<PacingFile>,
    negotiation_file: Option<NegotiationFile>,
    today: fn() -> chrono::NaiveDate,
}

fn local_today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

impl ClientBuilder {
    /// Where the Device ID is kept (default: a file in the platform config directory).
    pub fn device_store(mut self, store: Arc<dyn DeviceIdStore>) -> Self {
        self.device_store = Some(store);
        self
    }

    /// How connections are opened (default: TCP to `config.addr`).
    pub fn connector(mut self, connector: impl Connector) -> Self {
        self.connector = Some(Box::new(connector));
        self
    }

    /// Append every request and response to an audit log.
    pub fn audit(mut self, log: AuditLog) -> Self {
        self.audit = Some(log);
        self
    }

    /// Be told when pacing holds a request back.
    pub fn on_pacing_wait(mut self, observer: PacingObserver) -> Self {
        self.pacing_observer = Some(observer);
        self
    }

    /// Be told when a first request waits for SystmOne's user to approve this device.
    pub fn on_approval_wait(mut self, observer: ApprovalObserver) -> Self {
        self.approval_observer = Some(observer);
        self
    }

    /// Keep the GetFunctions answer in `file` (beside the Device ID), for the other
    /// clients and processes talking to the same address: version negotiation then
    /// asks once an hour ([`MAX_AGE`](systmone_transport::negotiation::MAX_AGE)), not
    /// once per client, and again after a version error (default: once per client).
    pub fn negotiation_file(mut self, file: NegotiationFile) -> Self {
        self.negotiation_file = Some(file);
        self
    }

    /// Share pacing with other processes through `file` (default: this client's
    /// pacing covers only its own requests).
    pub fn pacing_file(mut self, file: PacingFile) -> Self {
        self.pacing_file = Some(file);
        self
    }

    /// The date the GetPatientRecord throttle exemption compares entry dates with
    /// (default: today, local time, as SystmOne does).
    pub fn today(mut self, today: fn() -> chrono::NaiveDate) -> Self {
        self.today = today;
        self
    }

    /// The client. Fails only when no Device ID store was given and the platform has
    /// no configuration directory for the default file store.
    pub fn build(self) -> Result<Client, Error> {
        let device_store = match self.device_store {
            Some(store) => store,
            None => Arc::new(FileStore::new()?),
        };
        let connector = self
            .connector
            .unwrap_or_else(|| Box::new(TcpConnector(self.config.addr.clone())));
        Ok(Client {
            inner: Arc::new(Inner {
                pacer: match self.pacing_file {
                    Some(file) => Pacer::shared(self.config.pacing, file),
                    None => Pacer::new(self.config.pacing),
                },
                config: self.config,
                connector,
                device_store,
                device_id: StdMutex::new(None),
                connection: Mutex::new(None),
                supported: OnceCell::new(),
                supported_from_file: std::sync::atomic::AtomicBool::new(false),
                fresh: OnceCell::new(),
                negotiation_file: self.negotiation_file,
                audit: self.audit,
                pacing_observer: self.pacing_observer,
                approval_observer: self.approval_observer,
                first_contact: Mutex::new(()),
                today: self.today,
            }),
        })
    }
}

fn new_request_uid() -> String {
    uuid::Uuid::new_v4().to_string().to_uppercase()
}

/// A successful call in full: the typed result and what the exchange carried.
#[derive(Debug, Clone)]
pub struct Reply<T> {
    /// The function's typed result.
    pub result: T,
    /// The RequestUID sent (and echoed).
    pub request_uid: String,
    /// SystmOne's ID for the response.
    pub response_uid: String,
    /// The Device ID the response carried.
    pub device_id: String,
    /// The function name as sent and echoed.
    pub function: String,
    /// The request document as sent (it holds the API key: do not log it).
    pub request_xml: String,
    /// The response document as received.
    pub response_xml: String,
    /// Where the response departed from the bindings (unknown elements or attributes,
    /// unlisted values, ...): empty when it matched them exactly. A non-empty report is
    /// the sign that SystmOne changed and the bindings need regenerating. Its values
    /// may hold patient data.
    pub drift: Drift,
    /// The parts of a GetPatientRecord response that its filter did not ask for
    /// (`Demographics`, `Clinical`, `NonClinical/Appointment`,
    /// `Clinical/Event/Medication`, ...): empty when SystmOne sent only what was asked
    /// (and for other functions). SystmOne sent more than it was asked for; the
    /// record is for the right patient (that is checked, see the
    /// [guide](crate::guide#right-patient-or-an-error)), and each such response is
    /// logged at warn, naming the parts, never their content.
    pub unasked: Vec<&'static str>,
}

struct ReplyHeader {
    response_uid: String,
    device_id: String,
    function: String,
    drift: Drift,
    unasked: Vec<&'static str>,
}

/// A response whose RequestUID matches the request.
struct Exchange {
    text: String,
    /// When the response timeout runs out: it covers reading the response too.
    deadline: Instant,
    /// The response timeout that set `deadline`.
    limit: Duration,
}

/// A failed exchange, and whether the request had (possibly) reached SystmOne: for a
/// write that makes the outcome unknown.
struct Failed {
    /// Boxed: failures are the rare path, and keep the `Result`s small.
    error: Box<Error>,
    after_send: bool,
}

impl Failed {
    fn sent(error: Error) -> Self {
        Failed {
            error: Box::new(error),
            after_send: true,
        }
    }

    fn before(error: Error) -> Self {
        Failed {
            error: Box::new(error),
            after_send: false,
        }
    }
}

impl From<Error> for Failed {
    /// Errors that carry a known outcome (an error response, a blocked device).
    fn from(error: Error) -> Self {
        Failed::before(error)
    }
}

impl Client {
    /// A builder for a client with this configuration.
    pub fn builder(config: ClientConfig) -> ClientBuilder {
        ClientBuilder {
            config,
            connector: None,
            device_store: None,
            audit: None,
            pacing_observer: None,
            approval_observer: None,
            pacing_file: None,
            negotiation_file: None,
            today: local_today,
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The Device ID in use (`None` before first contact).
    pub fn device_id(&self) -> Result<Option<String>, Error> {
        let mut cached = self
            .inner
            .device_id
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if cached.is_none() {
            *cached = self.inner.device_store.load()?;
        }
        Ok(cached.clone())
    }

    /// Device ID Allocation: keeps the ID SystmOne issued for every later request. A
    /// failure to store it must not hide the outcome of the call that brought it (a
    /// write may have succeeded): it is kept in memory for this process and reported.
    fn keep_device_id(&self, device_id: &str) {
        if let Err(e) = self.inner.device_store.save(device_id) {
            tracing::error!(error = %e, "cannot store the Device ID SystmOne allocated; it is kept for this process only");
        } else {
            tracing::info!("SystmOne allocated a Device ID; stored for later requests");
        }
        *self
            .inner
            .device_id
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(device_id.to_string());
    }

    /// An answer that came too late for its request (ERRATA E13) is discarded, but a
    /// Device ID in it is not: the user who approved the device after the client
    /// stopped waiting would otherwise be shown the prompt again at the next request.
    /// Taken only while neither this process nor the store holds one, so a stale
    /// answer never replaces an ID in use.
    fn keep_late_device_id(&self, device_id: Option<&str>) {
        let Some(device_id) = device_id.filter(|id| !id.is_empty()) else {
            return;
        };
        if matches!(self.device_id(), Ok(None)) {
            tracing::info!("a late answer carried the Device ID SystmOne allocated");
            self.keep_device_id(device_id);
        }
    }

    /// The functions and versions the connected SystmOne client supports: asked once,
    /// or read from the negotiation file ([`ClientBuilder::negotiation_file`]) when it
    /// holds a recent answer for this address.
    pub async fn supported_functions(&self) -> Result<&[SupportedFunction], Error> {
        if let Some(fresh) = self.inner.fresh.get() {
            return Ok(fresh.as_slice());
        }
        let list = self
            .inner
            .supported
            .get_or_try_init(|| async {
                if let Some(kept) = self.inner.negotiation_file.as_ref().and_then(|f| f.load()) {
                    tracing::debug!("the versions SystmOne supports, as it answered recently");
                    self.inner
                        .supported_from_file
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                    return Ok(kept
                        .into_iter()
                        .map(|(function, version)| SupportedFunction {
                            function,
                            version,
                            extra: Default::default(),
                        })
                        .collect());
                }
                self.ask_functions().await
            })
            .await?;
        Ok(list.as_slice())
    }

    /// Asks SystmOne for the functions and versions it supports now (GetFunctions),
    /// whatever was asked or kept before, and keeps the answer.
    pub async fn ask_supported_functions(&self) -> Result<&[SupportedFunction], Error> {
        let list = self
            .inner
            .fresh
            .get_or_try_init(|| self.ask_functions())
            .await?;
        Ok(list.as_slice())
    }

    async fn ask_functions(&self) -> Result<Vec<SupportedFunction>, Error> {
        let result = self
            .call_with_retries::<GetFunctionsV1_0>(
                GetFunctionsV1_0::NAME,
                &GetFunctionsParameters::default(),
            )
            .await?;
        self.keep_functions(&result.result.supported_function);
        Ok(result.result.supported_function)
    }

    /// Writes a GetFunctions answer to the negotiation file, if there is one.
    fn keep_functions(&self, list: &[SupportedFunction]) {
        if let Some(file) = &self.inner.negotiation_file {
            let advertised: Vec<(String, Vec<String>)> = list
                .iter()
                .map(|f| (f.function.clone(), f.version.clone()))
                .collect();
            if let Err(e) = file.save(&advertised) {
                tracing::debug!(
                    "cannot keep the GetFunctions answer in {}: {e}",
                    file.path().display()
                );
            }
        }
    }

    /// Forgets a GetFunctions answer read from the negotiation file (a version error:
    /// SystmOne may have been updated).
    fn forget_kept_functions(&self) {
        if let Some(file) = &self.inner.negotiation_file {
            file.forget();
        }
    }

    /// The highest version of `function` that both the connected SystmOne client and
    /// the caller (`ours`: the versions it has bindings for) support, if any; the
    /// caller then calls that version's marker type. Uses the GetFunctions answer
    /// (asked once); accepts either name of a function with two (ERRATA E2).
    pub async fn highest_common_version(
        &self,
        function: &str,
        ours: &[&str],
    ) -> Result<Option<String>, Error> {
        let supported = self.supported_functions().await?;
        let advertised: Vec<String> = supported
            .iter()
            .filter(|s| {
                s.function == function || systmone_bindings::same_function(&s.function, function)
            })
            .flat_map(|s| s.version.iter().cloned())
            .collect();
        Ok(systmone_core::versions::highest_common(&advertised, ours))
    }

    /// Calls function `F` with its parameters and returns its typed result.
    ///
    /// Reads are retried on temporary errors and timeouts; writes never are: if a
    /// write's response does not arrive the error is [`Error::OutcomeUnknown`].
    pub async fn call<F: Function>(&self, parameters: F::Parameters) -> Result<F::Result, Error> {
        self.call_detailed::<F>(parameters)
            .await
            .map(|reply| reply.result)
    }

    /// Like [`call`](Self::call), with the RequestUID, ResponseUID and the documents
    /// exchanged.
    pub async fn call_detailed<F: Function>(
        &self,
        parameters: F::Parameters,
    ) -> Result<Reply<F::Result>, Error> {
        let name = self.function_name::<F>().await?;
        let reply = match self.call_with_retries::<F>(&name, &parameters).await {
            Err(Error::Response { function, error })
                if error.message.to_ascii_lowercase().contains("version") =>
            {
                // A version error: the kept answer may be out of date.
                self.forget_kept_functions();
                return Err(Error::Response { function, error });
            }
            other => other?,
        };
        // An explicit GetFunctions also answers the version negotiation's question.
        if let Some(functions) = (&reply.result as &dyn std::any::Any)
            .downcast_ref::<systmone_bindings::get_functions_v1_0::GetFunctionsResult>(
        ) {
            self.keep_functions(&functions.supported_function);
            let _ = self.inner.fresh.set(functions.supported_function.clone());
        }
        Ok(reply)
    }

    /// The name to send for `F`: the one SystmOne advertises (ERRATA E2), after checking
    /// it supports `F::VERSION`.
    async fn function_name<F: Function>(&self) -> Result<String, Error> {
        if !self.inner.config.negotiate_versions || F::NAME == GetFunctionsV1_0::NAME {
            return Ok(F::NAME.to_string());
        }
        let mut supported = self.supported_functions().await?;
        let offers = |list: &[SupportedFunction]| {
            list.iter().any(|s| {
                F::is_named(&s.function)
                    && s.version
                        .iter()
                        .any(|v| systmone_core::versions::same_version(v, F::VERSION))
            })
        };
        if !offers(supported)
            && self.inner.fresh.get().is_none()
            && self
                .inner
                .supported_from_file
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            // The kept answer says no: SystmOne may have been updated since; ask it.
            self.forget_kept_functions();
            supported = self.ask_supported_functions().await?;
        }
        let entry = supported.iter().find(|s| F::is_named(&s.function));
        match entry {
            // F13: a version is a number (`1` is our `1.0`).
            Some(s)
                if s.version
                    .iter()
                    .any(|v| systmone_core::versions::same_version(v, F::VERSION)) =>
            {
                Ok(s.function.clone())
            }
            other => Err(Error::Unsupported {
                function: F::NAME.to_string(),
                version: F::VERSION.to_string(),
                supported: other.map(|s| s.version.clone()).unwrap_or_default(),
            }),
        }
    }

    /// Calls `F` once (a write) or until an attempt succeeds, fails for good, or the
    /// attempts or the call's budget run out (a read).
    ///
    /// Each attempt waits `response_timeout` for its answer (a write waits the whole
    /// budget, since it is never sent again); between attempts, a backoff. The budget
    /// ([`ClientConfig::call_budget`]) bounds a read's attempts and backoffs, not its
    /// waits for SystmOne's throttle.
    async fn call_with_retries<F: Function>(
        &self,
        name: &str,
        parameters: &F::Parameters,
    ) -> Result<Reply<F::Result>, Error> {
        let config = &self.inner.config;
        let retry = config.retry;
        let budget = Budget::new(config.call_budget());
        let (attempts, response_limit) = match F::KIND {
            CallKind::Read => (retry.max_attempts.max(1), config.response_timeout),
            CallKind::Write => (1, budget.limit().max(config.response_timeout)),
        };
        let mut attempt = 1;
        loop {
            let once = self.call_once::<F>(name, parameters, &budget, response_limit);
            let outcome = match F::KIND {
                // A write is never cut short: its outcome would be lost.
                CallKind::Write => once.await,
                CallKind::Read => match budget.run(once).await {
                    Some(outcome) => outcome,
                    None => {
                        tracing::debug!(function = name, attempt, "the call's budget ran out");
                        return Err(Error::CallTimeout {
                            limit: budget.limit(),
                            attempts: attempt,
                        });
                    }
                },
            };
            match outcome {
                Err(e) if attempt < attempts && e.is_transient() => {
                    let backoff = retry.backoff(attempt);
                    // SystmOne's own message may name a patient: only its kind at warn.
                    tracing::warn!(
                        function = name,
                        attempt,
                        outcome = e.outcome(),
                        "retrying a read after {backoff:?}"
                    );
                    tracing::debug!(error = %e, "the error retried");
                    if budget.remaining() <= backoff {
                        tracing::debug!("no time left in the call's budget for another attempt");
                        return Err(Error::CallTimeout {
                            limit: budget.limit(),
                            attempts: attempt,
                        });
                    }
                    tokio::time::sleep(backoff).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn pacing_class<F: Function>(&self, parameters: &F::Parameters) -> RequestClass {
        if F::NAME != "GetPatientRecord" {
            return RequestClass::Ordinary;
        }
        // A version whose parameters this rule does not know counts as throttled: pacing
        // too slowly is safe, too fast loses the request.
        match (parameters as &dyn std::any::Any).downcast_ref::<GetPatientRecordParameters>() {
            Some(p) => classify_record_request(Some(p), (self.inner.today)()),
            None => RequestClass::PatientRecord,
        }
    }

    /// One attempt: the request built afresh (its own RequestUID), its pacing turn,
    /// the exchange, the response read and checked, the audit line.
    async fn call_once<F: Function>(
        &self,
        name: &str,
        parameters: &F::Parameters,
        budget: &Budget,
        response_limit: Duration,
    ) -> Result<Reply<F::Result>, Error> {
        let request_uid = new_request_uid();
        let span = tracing::debug_span!("call", function = name, version = F::VERSION, request_uid = %request_uid);
        self.attempt::<F>(name, parameters, budget, response_limit, request_uid)
            .instrument(span)
            .await
    }

    async fn attempt<F: Function>(
        &self,
        name: &str,
        parameters: &F::Parameters,
        budget: &Budget,
        response_limit: Duration,
        request_uid: String,
    ) -> Result<Reply<F::Result>, Error> {
        let inner = &self.inner;
        let mut sent_device_id = self.device_id()?.unwrap_or_default();
        // First contact shows SystmOne's user a prompt: one request at a time makes it,
        // in this process and (through a lock beside the Device ID file) in the others;
        // a request that waited reads the ID the first was given.
        let _first_contact = if sent_device_id.is_empty() {
            let in_process = inner.first_contact.lock().await;
            let across = match inner.device_store.first_contact_lock() {
                Some(path) => {
                    systmone_transport::device_id::lock_file_within(
                        &path,
                        inner.config.approval_wait,
                    )
                    .await?
                }
                None => None,
            };
            let stored = inner.device_store.load()?;
            let mut cached = inner.device_id.lock().unwrap_or_else(|e| e.into_inner());
            if cached.is_none() {
                *cached = stored;
            }
            sent_device_id = cached.clone().unwrap_or_default();
            Some((in_process, across))
        } else {
            None
        };
        let first_contact = sent_device_id.is_empty();
        let response_limit = if first_contact {
            // The answer comes once the user has answered the prompt.
            budget.add_pacing(inner.config.approval_wait);
            inner.config.approval_wait
        } else {
            response_limit
        };
        let request = Request {
            extra: Default::default(),
            header: RequestHeader {
                api_key: inner.config.api_key.clone(),
                device_id: sent_device_id.clone(),
                device_version: inner.config.device_version.clone(),
                request_uid: request_uid.clone(),
            },
            function: name.to_string(),
            function_version: F::VERSION.to_string(),
            output_scheme: inner.config.output_scheme.clone(),
            parameters: Some(parameters.clone()),
        };
        let mut xml = request.to_xml().map_err(|e| Error::Encode(e.to_string()))?;
        if inner.config.nhs_number_element == NhsNumberElement::AsInExamples {
            xml = xml
                .replace("<NHSNumber>", "<NhsNumber>")
                .replace("</NHSNumber>", "</NhsNumber>");
        }
        let class = self.pacing_class::<F>(parameters);

        // Connect first (and let go of the connection), so the time a connection takes
        // does not shorten the gap SystmOne sees between this request and the one
        // before (`exchange` checks the connection again after the wait).
        let started = Instant::now();
        let connected = {
            let mut connection = inner.connection.lock().await;
            self.ensure_connected(&mut connection).await
        };
        let outcome = match connected {
            Err(failed) => Err(failed),
            Ok(()) => {
                // The turn is taken and waited for outside the connection lock: a request
                // exempt from the 30 s rule goes in the next free second while a full
                // record waits for its turn, in this process as in the others.
                let turn = inner.pacer.reserve(class).await;
                if let Some(rule) = turn.rule {
                    tracing::info!(
                        function = name,
                        "waiting {:?} for SystmOne's throttle ({rule})",
                        turn.wait
                    );
                    if let Some(observer) = &inner.pacing_observer {
                        observer(&PacingWait {
                            function: name,
                            wait: turn.wait,
                            rule,
                        });
                    }
                }
                // Counted before the wait, so a deadline falling inside it moves on.
                budget.add_pacing(turn.wait);
                turn.ready().await;
                // One request in flight: the connection lock is held until the response.
                let mut connection = inner.connection.lock().await;
                // After the turn, the pacing file is read again: a request written late
                // (here another one still holding the connection, or another process's)
                // pushes this one back (it would be throttled).
                inner
                    .pacer
                    .confirm_with(&turn, |wait| budget.add_pacing(wait))
                    .await;
                let exchange =
                    self.exchange(&mut connection, &xml, &request_uid, class, response_limit);
                if first_contact {
                    self.noticing_approval(name, exchange).await
                } else {
                    exchange.await
                }
            }
        };
        // A first request unanswered: the prompt went unanswered (it is not sent again:
        // that would be a second prompt).
        let outcome = match outcome {
            Err(failed)
                if first_contact
                    && matches!(
                        *failed.error,
                        Error::Timeout {
                            what: "response",
                            ..
                        }
                    ) =>
            {
                Err(Failed {
                    error: Box::new(Error::NotApproved {
                        waited: response_limit,
                        message: None,
                    }),
                    after_send: true,
                })
            }
            other => other,
        };
        let (response_xml, result) = match outcome {
            Ok(exchange) => {
                let sent = Sent {
                    name,
                    device_id: &sent_device_id,
                    request_uid: &request_uid,
                };
                let (text, result) = self.interpret::<F>(&sent, parameters, exchange).await;
                (text, result)
            }
            Err(failed) => (None, Err(failed)),
        };
        let result = result.map_err(|failed| match F::KIND {
            CallKind::Write if failed.after_send => Error::OutcomeUnknown {
                function: name.to_string(),
                request_uid: request_uid.clone(),
                cause: failed.error,
            },
            _ => *failed.error,
        });
        if let Some(log) = &inner.audit {
            let (outcome, response_uid) = match &result {
                Ok((_, header)) => ("success", Some(header.response_uid.as_str())),
                Err(e) => (e.outcome(), None),
            };
            log.write(AuditRecord {
                time: chrono::Local::now()
                    .format("%Y-%m-%dT%H:%M:%S%.3f")
                    .to_string(),
                function: name,
                version: F::VERSION,
                request_uid: &request_uid,
                response_uid,
                outcome,
                duration_ms: started.elapsed().as_millis(),
                request: Some(&xml),
                response: response_xml.as_deref(),
            });
        }
        let (result, header) = result?;
        Ok(Reply {
            result,
            request_uid,
            response_uid: header.response_uid,
            device_id: header.device_id,
            function: header.function,
            request_xml: xml,
            response_xml: response_xml.unwrap_or_default(),
            drift: header.drift,
            unasked: header.unasked,
        })
    }

    /// Runs a first request's exchange; if its answer has not come after
    /// [`APPROVAL_NOTICE_AFTER`], tells the approval observer (once) that a prompt is
    /// showing.
    async fn noticing_approval<T>(&self, function: &str, exchange: impl Future<Output = T>) -> T {
        tokio::pin!(exchange);
        tokio::select! {
            done = &mut exchange => return done,
            () = tokio::time::sleep(APPROVAL_NOTICE_AFTER) => {}
        }
        let wait = ApprovalWait {
            function,
            limit: self.inner.config.approval_wait,
        };
        tracing::info!(function, "{wait}");
        if let Some(observer) = &self.inner.approval_observer {
            observer(&wait);
        }
        exchange.await
    }

    /// Makes sure `slot` holds a live connection.
    async fn ensure_connected(&self, slot: &mut Option<Connection>) -> Result<(), Failed> {
        let config = &self.inner.config;
        // A connection SystmOne closed while idle is noticed here, before sending, so a
        // write is never reported as of unknown outcome just because the connection had
        // gone stale; a late answer to an earlier request waiting in the buffer is dropped.
        while let Some(connection) = slot.as_mut() {
            match connection.next().now_or_never() {
                None => break,
                Some(Some(Ok(late))) => {
                    tracing::warn!("discarding a late response received while idle");
                    let header = std::str::from_utf8(&late)
                        .ok()
                        .and_then(|text| systmone_core::envelope::peek_header(text).ok());
                    self.keep_late_device_id(header.and_then(|h| h.device_id).as_deref());
                }
                Some(None) | Some(Some(Err(_))) => {
                    tracing::debug!("the idle connection was closed; reconnecting");
                    *slot = None;
                }
            }
        }
        if slot.is_none() {
            tracing::debug!(addr = %self.inner.connector.describe(), "connecting");
            let connect = timeout(config.connect_timeout, self.inner.connector.connect()).await;
            let stream = match connect {
                Err(_) => {
                    return Err(Failed::before(Error::Timeout {
                        what: "connection",
                        limit: config.connect_timeout,
                    }));
                }
                Ok(Err(source)) if source.get_ref().is_some_and(|e| e.is::<UnresolvedHost>()) => {
                    return Err(Failed::before(Error::UnknownHost {
                        addr: self.inner.connector.describe(),
                        reason: source.to_string(),
                    }));
                }
                Ok(Err(source)) => {
                    return Err(Failed::before(Error::Connect {
                        addr: self.inner.connector.describe(),
                        source,
                    }));
                }
                Ok(Ok(stream)) => stream,
            };
            let codec = XmlDocumentCodec::new().max_document_size(config.max_document_size);
            *slot = Some(Framed::new(stream, codec));
            tracing::debug!("connected");
        }
        Ok(())
    }

    /// Sends one request and waits for the response whose RequestUID echoes it.
    async fn exchange(
        &self,
        slot: &mut Option<Connection>,
        xml: &str,
        request_uid: &str,
        class: RequestClass,
        response_limit: Duration,
    ) -> Result<Exchange, Failed> {
        let config = &self.inner.config;
        self.ensure_connected(slot).await?;
        let connection = slot.as_mut().expect("connected above");
        tracing::debug!(bytes = xml.len(), "sending the request");

        match timeout(config.write_timeout, connection.send(xml.as_bytes())).await {
            Err(_) => {
                *slot = None;
                return Err(Failed::sent(Error::Timeout {
                    what: "write",
                    limit: config.write_timeout,
                }));
            }
            Ok(Err(e)) => {
                *slot = None;
                return Err(Failed::sent(frame_error(e)));
            }
            // SystmOne's throttle counts from when the request arrived: the next turn
            // counts from the last byte written, if that was after the reserved turn.
            Ok(Ok(())) => self.inner.pacer.sent(class, Instant::now()).await,
        }
        let sent_at = Instant::now();

        let deadline = sent_at + response_limit;
        loop {
            let frame = match timeout_at(deadline, connection.next()).await {
                // The connection is kept: a late answer is recognised by its RequestUID
                // and discarded.
                Err(_) => {
                    tracing::debug!("no response within {response_limit:?}");
                    return Err(Failed::sent(Error::Timeout {
                        what: "response",
                        limit: response_limit,
                    }));
                }
                Ok(None) => {
                    tracing::debug!("SystmOne closed the connection before answering");
                    *slot = None;
                    return Err(Failed::sent(Error::Protocol(ProtocolError::Closed)));
                }
                Ok(Some(Err(e))) => {
                    // After a framing error the stream position is unknown.
                    tracing::debug!(error = %e, "the response could not be framed");
                    *slot = None;
                    return Err(Failed::sent(frame_error(e)));
                }
                Ok(Some(Ok(bytes))) => bytes,
            };
            // The frame was cut from the connection's read buffer and shares its
            // allocation: with the (empty) buffer let go, the frame owns its bytes and
            // becomes the text without a copy, and a record of tens of megabytes is
            // held once, not as frame, text and grown buffer side by side.
            if connection.read_buffer().is_empty() {
                *connection.read_buffer_mut() = bytes::BytesMut::new();
            }
            let text = match String::from_utf8(Vec::from(frame)) {
                Ok(mut text) => {
                    // The buffer grew by doubling: give back what the text does not use.
                    text.shrink_to_fit();
                    text
                }
                Err(_) => {
                    return Err(Failed::sent(Error::Protocol(ProtocolError::Parse(
                        systmone_core::ParseError::Invalid("the response is not UTF-8".into()),
                    ))));
                }
            };
            let header = systmone_core::envelope::peek_header(&text)
                .map_err(|e| Failed::sent(Error::Protocol(ProtocolError::Parse(e))))?;
            if header.request_uid.as_deref() != Some(request_uid) {
                // ERRATA E13: a late answer to an earlier request that timed out.
                // What SystmOne sent, quoted through the one masking function.
                let found = header.request_uid.as_deref().unwrap_or("");
                tracing::warn!(
                    expected = request_uid,
                    found = %systmone_core::mask::excerpt(found.as_bytes(), &[]),
                    "discarding a response whose RequestUID does not match the request in flight"
                );
                self.keep_late_device_id(header.device_id.as_deref());
                continue;
            }
            tracing::debug!(
                bytes = text.len(),
                after_ms = sent_at.elapsed().as_millis(),
                "response received"
            );
            return Ok(Exchange {
                text,
                deadline,
                limit: response_limit,
            });
        }
    }

    /// Turns the response text into the typed result or the error it carries; gives
    /// the text back unless the reading outlived the response's deadline.
    ///
    /// The text is read on a blocking thread (reading a large record is CPU work that
    /// must not hold up the runtime), within the response timeout.
    async fn interpret<F: Function>(
        &self,
        sent: &Sent<'_>,
        parameters: &F::Parameters,
        exchange: Exchange,
    ) -> (Option<String>, Result<(F::Result, ReplyHeader), Failed>) {
        let mode = self.inner.config.read_mode;
        let Exchange {
            text,
            deadline,
            limit,
        } = exchange;
        let read = tokio::task::spawn_blocking(move || {
            let parsed = Response::<F::Result>::read(&text, mode);
            (text, parsed)
        });
        let (text, parsed) = match timeout_at(deadline, read).await {
            Err(_) => {
                let error = Error::Timeout {
                    what: "response",
                    limit,
                };
                return (None, Err(Failed::sent(error)));
            }
            Ok(Err(join)) => {
                let error = systmone_core::ParseError::Invalid(format!(
                    "the response reader failed: {join}"
                ));
                return (None, Err(Failed::sent(Error::Protocol(error.into()))));
            }
            Ok(Ok(done)) => done,
        };
        let result = self.use_response::<F>(sent, parameters, parsed);
        match &result {
            // The wrong patient's record is not handed out in any form: not even as
            // the text of the audit log's full payloads.
            Err(failed) if matches!(*failed.error, Error::WrongPatient { .. }) => (None, result),
            _ => (Some(text), result),
        }
    }

    /// The typed result or the error a parsed response carries.
    fn use_response<F: Function>(
        &self,
        sent: &Sent<'_>,
        parameters: &F::Parameters,
        parsed: Result<Parsed<Response<F::Result>>, systmone_core::ParseError>,
    ) -> Result<(F::Result, ReplyHeader), Failed> {
        let name = sent.name;
        let Parsed {
            value: response,
            drift,
        } = parsed.map_err(|e| Failed::sent(Error::Protocol(e.into())))?;
        if !drift.is_empty() {
            // Counts and kinds only: the report's values may hold patient data.
            tracing::info!(
                function = name,
                "the response departs from the bindings: {}",
                drift.summary()
            );
        }
        if !F::is_named(&response.function) && response.function != name {
            return Err(Failed::sent(Error::Protocol(
                ProtocolError::WrongFunction {
                    expected: name.to_string(),
                    found: response.function,
                },
            )));
        }
        if !response.device_id.is_empty() && response.device_id != sent.device_id {
            self.keep_device_id(&response.device_id);
        }
        let result = match response.body {
            ResponseBody::Success(result) => result,
            ResponseBody::Error(error) => {
                let lower = error.message.to_ascii_lowercase();
                if sent.device_id.is_empty() && lower.contains("block") {
                    return Err(Error::DeviceBlocked {
                        message: error.message,
                    }
                    .into());
                }
                // The prompt went unanswered: SystmOne (or the simulator) says so.
                if sent.device_id.is_empty()
                    && ["approv", "allow this device", "did not answer"]
                        .iter()
                        .any(|w| lower.contains(w))
                {
                    return Err(Error::NotApproved {
                        waited: self.inner.config.approval_wait,
                        message: Some(error.message),
                    }
                    .into());
                }
                return Err(Error::Response {
                    function: name.to_string(),
                    error,
                }
                .into());
            }
        };
        // Right patient or an error (see the guide): the result is dropped here, never
        // handed out.
        if let Err(mismatch) = patient::check_patient::<F>(parameters, &result) {
            tracing::error!(
                function = name,
                request_uid = sent.request_uid,
                "the response is for another patient than the one asked for; refused"
            );
            return Err(Error::WrongPatient {
                function: name.to_string(),
                asked: mismatch.asked,
                answered: mismatch.answered,
                write: F::KIND == CallKind::Write,
                request_uid: sent.request_uid.to_string(),
            }
            .into());
        }
        let unasked = patient::beyond_filter::<F>(parameters, &result);
        if !unasked.is_empty() {
            tracing::warn!(
                function = name,
                request_uid = sent.request_uid,
                "SystmOne sent more than the filter asked for: {}",
                unasked.join(", ")
            );
        }
        let header = ReplyHeader {
            response_uid: response.response_uid,
            device_id: response.device_id,
            function: response.function,
            drift,
            unasked,
        };
        Ok((result, header))
    }
}

/// What one attempt sent, for reading its response.
struct Sent<'a> {
    name: &'a str,
    device_id: &'a str,
    request_uid: &'a str,
}

fn frame_error(e: systmone_transport::codec::FrameError) -> Error {
    match e {
        systmone_transport::codec::FrameError::Io(io) => Error::Io(io),
        other => Error::Protocol(ProtocolError::Frame(other)),
    }
}
