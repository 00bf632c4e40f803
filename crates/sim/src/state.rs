//! Shared state: the practice, the user interface state, devices and pending
//! approvals, the audit trail (the journal), throttling and faults. The operations on
//! it are [`crate::Control`]'s.

use std::collections::{BTreeSet, VecDeque};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::NaiveDateTime;
use systmone_types::CurrentSelectionItem;
use tokio::sync::{broadcast, oneshot, watch};
use tokio::time::Instant;

use crate::fault::{FaultKind, FaultSpec, Trigger};
use crate::practice::{Practice, Rng};
use crate::{Approval, Throttle};

/// How a message ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditOutcome {
    /// Answered with a success response.
    Success,
    /// Answered with an error response.
    Error {
        /// The error's text, as in the response.
        message: String,
        /// The response's PermanentError: false when retrying later may succeed.
        permanent: bool,
    },
    /// Not processed, no response (ERRATA E17).
    Throttled,
    /// Not a readable request; an error response was sent.
    Unparseable {
        /// Why the request could not be read.
        message: String,
    },
    /// Swallowed by an injected `drop` fault: not processed, no response.
    Dropped,
    /// Not read at all: the connection spoke another protocol (HTTP, TLS) and was
    /// closed unanswered.
    Refused {
        /// What was refused.
        message: String,
    },
}

/// Where a request departed from the bindings, as the journal keeps it: each
/// departure's kind, path and count, never its value (FIELD-EVIDENCE F14: SystmOne reads
/// what it knows and ignores the rest, so the simulator answers such a request and
/// shows how it departs from SystmOne's shape). Bounded: at most
/// [`RequestDrift::KEPT`] paths of at most [`RequestDrift::PATH_BYTES`] bytes each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestDrift {
    /// The departures kept, in the order the report lists them.
    pub items: Vec<DriftPath>,
    /// How many more departure paths the request had.
    pub more: usize,
}

/// One departure of a request: what, where, how many times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftPath {
    /// What kind of departure (unknown element, out of order, ...).
    pub kind: systmone_core::DriftKind,
    /// Where, e.g. `FunctionParameters/NonClinical/Appointment/Flag`.
    pub path: String,
    /// How many times at that path.
    pub count: u64,
}

impl RequestDrift {
    /// The paths kept of one request.
    pub const KEPT: usize = 32;
    /// The bytes kept of one path.
    pub const PATH_BYTES: usize = 256;

    /// The journal's view of a drift report: no values.
    pub fn from_report(drift: &systmone_core::Drift) -> Self {
        let items = drift.items();
        RequestDrift {
            items: items
                .iter()
                .take(Self::KEPT)
                .map(|item| DriftPath {
                    kind: item.kind,
                    path: cut(&item.path, Self::PATH_BYTES),
                    count: item.count,
                })
                .collect(),
            more: items.len().saturating_sub(Self::KEPT),
        }
    }

    /// Whether the request matched the bindings exactly.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.more == 0
    }

    /// The departures as JSON (the admin API and the audit file): kind, path, count.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "items": self.items.iter().map(|d| serde_json::json!({
                "kind": d.kind.describe(),
                "path": d.path,
                "count": d.count,
            })).collect::<Vec<_>>(),
            "more": self.more,
        })
    }
}

/// `text` cut to at most `max` bytes, on a character boundary.
fn cut(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// How much of a received request the journal keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// The whole document (its API key redacted).
    Whole,
    /// Its first [`JOURNAL_DOCUMENT_BYTES`] (the audit file has it whole).
    Start,
    /// Not a document (or refused before it was read): a short masked excerpt of
    /// its start ([`systmone_core::mask::excerpt`]).
    Excerpt,
}

/// What the journal in memory keeps of one request or response: a larger one is
/// kept as its start (and its size).
pub const JOURNAL_DOCUMENT_BYTES: usize = 1024 * 1024;

/// One message in the audit trail (the journal).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Its number in the journal: 1 for the first message, never reused (not even
    /// after the journal is cleared).
    pub seq: u64,
    /// When it was journalled (answered, or let go unanswered), by the local wall clock.
    pub time: NaiveDateTime,
    /// From the request's arrival to its response (or to the decision not to answer),
    /// including any wait for the user's approval.
    pub elapsed: Duration,
    /// The RequestUID as sent (empty when unreadable).
    pub request_uid: String,
    /// The function as sent (empty when unreadable).
    pub function: String,
    /// The DeviceID as sent (empty for a new device).
    pub device_id: String,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// The request as received, the API key redacted (see `request_kept`).
    pub request_xml: String,
    /// How much of the request `request_xml` holds.
    pub request_kept: Kept,
    /// The request's size as received, in bytes.
    pub request_size: usize,
    /// The response produced (also when a fault then kept it from being delivered);
    /// its first [`JOURNAL_DOCUMENT_BYTES`] when larger.
    pub response_xml: Option<String>,
    /// The response's size, in bytes (0 when there is none).
    pub response_size: usize,
    /// The injected fault, if one applied (`drop-after-write`, `close-mid`, ...).
    pub fault: Option<String>,
    /// Where the request departed from the bindings (empty when it matched them, or
    /// could not be read).
    pub request_drift: RequestDrift,
}

/// A free slot, as the practice summary lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct FreeSlot {
    /// The clinician's user name.
    pub user_name: String,
    /// The site's name.
    pub site_name: String,
    /// The clinic type, as GetOrganisationMetaData lists them.
    pub clinic_type: String,
    /// The slot type, as GetOrganisationMetaData lists them.
    pub slot_type: String,
    /// When it starts (local time).
    pub start: NaiveDateTime,
    /// Its length in minutes.
    pub duration: u32,
}

/// A few facts about the practice, for tests and the demo.
#[derive(Debug, Clone, PartialEq)]
pub struct PracticeSummary {
    /// How many patients the practice has, the document's examples included.
    pub patient_count: usize,
    /// Generated patients with valid NHS numbers (first 20).
    pub nhs_numbers: Vec<String>,
    /// Generated patients with pseudo numbers.
    pub pseudo_numbers: Vec<String>,
    /// The document's example patients.
    pub document_examples: Vec<String>,
    /// Every user's user name.
    pub users: Vec<String>,
    /// The logged-on user's user name.
    pub current_user: String,
    /// Every site's name.
    pub sites: Vec<String>,
    /// The first free slots from now on (first 20).
    pub free_slots: Vec<FreeSlot>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Ui {
    /// The open record's number and whether it can be displayed.
    pub open: Option<(String, bool)>,
    pub activity: Vec<String>,
    pub selection: Vec<CurrentSelectionItem>,
}

pub(crate) struct State {
    pub practice: Practice,
    pub ui: Ui,
    pub devices: BTreeSet<String>,
    pub blocked_devices: BTreeSet<String>,
    pub rng: Rng,
}

pub(crate) struct ThrottleState {
    pub mode: Throttle,
    pub last: Option<Instant>,
    pub last_record: Option<Instant>,
    /// Requests not answered because of the throttle, since the start.
    pub throttled: u64,
}

/// A fault rule and the processed-request count when it was added (`@N` counts from
/// there, so a rule added at run time as `drop@1` hits the next request).
pub(crate) struct FaultRule {
    pub spec: FaultSpec,
    pub base: u64,
}

pub(crate) struct FaultState {
    pub rules: Vec<FaultRule>,
    pub count: u64,
    pub rng: Rng,
}

impl FaultState {
    pub fn new(specs: Vec<FaultSpec>, seed: u64) -> Self {
        FaultState {
            rules: specs
                .into_iter()
                .map(|spec| FaultRule { spec, base: 0 })
                .collect(),
            count: 0,
            rng: Rng::new(seed ^ 0xFA17),
        }
    }
}

/// A device waiting for the user's approval (`--approve ask`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDevice {
    /// The approval's number, for approving or blocking it.
    pub id: u64,
    /// The DeviceVersion the application sent (empty when none).
    pub device_version: String,
    /// The Device ID it sent, if any (one this client never issued).
    pub device_id: String,
    /// When it connected (local time).
    pub since: NaiveDateTime,
}

pub(crate) struct PendingApproval {
    pub device: PendingDevice,
    pub answer: oneshot::Sender<bool>,
}

/// What changed, for the console's live updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A message was journalled (the UI state, devices or throttle may have changed
    /// with it), or the journal was cleared.
    Journal,
    /// A device was approved, blocked, unblocked, or began waiting for approval.
    Devices,
    /// The user interface state changed (open record, activity, selection, user).
    Ui,
    /// The throttle mode changed, or a request was throttled.
    Throttle,
    /// Fault rules were added, removed or cleared.
    Faults,
    /// The practice was replaced (loaded, or reset to the built-in one).
    Practice,
}

impl Change {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Change::Journal => "journal",
            Change::Devices => "devices",
            Change::Ui => "ui",
            Change::Throttle => "throttle",
            Change::Faults => "faults",
            Change::Practice => "practice",
        }
    }
}

/// Where the practice came from, so that it can be reset.
#[derive(Debug, Clone)]
pub(crate) enum PracticeSource {
    Generated { seed: u64 },
    File(PathBuf),
}

pub(crate) struct Shared {
    pub api_keys: Vec<String>,
    pub approval: Approval,
    /// How long a device waits for the user's answer (`--approve ask`).
    pub approval_timeout: Duration,
    pub practice_source: PracticeSource,
    pub root: PathBuf,
    pub advertised: Option<Vec<(String, Vec<String>)>>,
    /// `--skew`: behave like a newer SystmOne (`crate::skew`).
    pub skew: bool,
    /// `--strict-requests`: refuse a request that departs from the bindings.
    pub strict_requests: bool,
    pub max_request_bytes: usize,
    /// A connection's idle and request deadlines.
    pub deadlines: crate::connections::Deadlines,
    /// The open connections.
    pub connections: std::sync::Arc<crate::connections::Registry>,
    pub state: Mutex<State>,
    /// The journal in memory: the latest messages, as many as its bounds allow.
    pub audit: Mutex<Journal>,
    /// The full trail, a JSON line per message (`--audit FILE`).
    pub audit_file: Option<Mutex<std::io::LineWriter<std::fs::File>>>,
    /// Bytes of unfinished requests, all connections together.
    pub buffers: std::sync::Arc<crate::limits::BufferBudget>,
    /// Large requests are answered one at a time (their cost is a few times their size).
    pub large_requests: tokio::sync::Semaphore,
    pub max_connections: usize,
    pub throttle: Mutex<ThrottleState>,
    pub faults: Mutex<FaultState>,
    pub shutdown: watch::Sender<bool>,
    /// Devices waiting for the user's approval, oldest first.
    pub pending: Mutex<Vec<PendingApproval>>,
    pub pending_counter: AtomicU64,
    pub audit_counter: AtomicU64,
    pub changes: broadcast::Sender<Change>,
    pub uid_counter: AtomicU64,
    pub uid_base: u64,
    /// The recording answered from (`--replay`).
    pub replay: Option<crate::replay::Replay>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn trigger_shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    /// A fresh GUID-style ResponseUID, e.g. `F9A63680-B342-11E3-8FBA-01000000C200`.
    pub fn response_uid(&self) -> String {
        let n = self.uid_counter.fetch_add(1, Ordering::Relaxed);
        let mut r = Rng::new(self.uid_base ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let a = r.next_u64();
        format!(
            "{:08X}-{:04X}-{:04X}-{:04X}-{:012X}",
            (a >> 32) as u32,
            (a >> 16) as u16,
            a as u16,
            (n >> 48) as u16 ^ 0x8000,
            n & 0xFFFF_FFFF_FFFF
        )
    }

    /// Tells the console something changed (nobody listening is fine).
    pub fn changed(&self, change: Change) {
        let _ = self.changes.send(change);
    }

    /// Journals a message, numbering it: to the file, if there is one (with the
    /// `whole` request and response when the entry keeps only their start), and to
    /// the journal in memory, dropping its oldest messages to stay in its bounds.
    pub fn audit(&self, mut entry: AuditEntry, whole: Whole<'_>) {
        entry.seq = self.audit_counter.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(file) = &self.audit_file {
            let line = audit_line(&entry, whole);
            if let Err(e) = writeln!(lock(file), "{line}") {
                tracing::warn!(error = %e, "cannot write to the audit file");
            }
        }
        lock(&self.audit).push(entry);
        self.changed(Change::Journal);
    }

    /// Whether a request that arrived at `now` may be processed; records it if so, and
    /// counts it if not. The gaps are measured between arrivals, not between the ends
    /// of parsing (which a busy machine delays by varying amounts).
    pub fn admit(&self, record_throttled: bool, now: Instant) -> bool {
        let mut t = lock(&self.throttle);
        if t.mode == Throttle::Off {
            return true;
        }
        let too_soon = t
            .last
            .is_some_and(|last| now.duration_since(last) < Duration::from_secs(1))
            || (record_throttled
                && t.last_record
                    .is_some_and(|last| now.duration_since(last) < Duration::from_secs(30)));
        if too_soon {
            t.throttled += 1;
            return false;
        }
        if record_throttled {
            t.last_record = Some(now);
        }
        t.last = Some(now);
        true
    }

    /// The fault for the next processed request, if any.
    pub fn next_fault(&self) -> Option<FaultSpec> {
        let mut f = lock(&self.faults);
        f.count += 1;
        if f.rules.is_empty() {
            return None;
        }
        let n = f.count;
        let rules: Vec<(FaultSpec, u64)> = f.rules.iter().map(|r| (r.spec, r.base)).collect();
        for (spec, base) in rules {
            let fire = match spec.trigger {
                Trigger::Nth(k) => base + k == n,
                Trigger::Probability(p) => f.rng.unit() < p,
            };
            if fire {
                return Some(spec);
            }
        }
        None
    }
}

/// The whole request and response of a journal entry that keeps only their
/// start, for the audit file (`None`: the entry's own text is whole).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Whole<'a> {
    pub request: Option<&'a str>,
    pub response: Option<&'a str>,
}

/// The journal in memory: at most `capacity` messages and `max_bytes` bytes of
/// them, the oldest dropped first.
#[derive(Debug)]
pub(crate) struct Journal {
    entries: VecDeque<AuditEntry>,
    bytes: usize,
    capacity: usize,
    max_bytes: usize,
}

/// What an entry costs besides its texts (its fields, its place in the ring).
const ENTRY_OVERHEAD: usize = 256;

fn entry_bytes(e: &AuditEntry) -> usize {
    ENTRY_OVERHEAD
        + e.request_xml.len()
        + e.response_xml.as_ref().map_or(0, String::len)
        + e.request_uid.len()
        + e.function.len()
        + e.device_id.len()
        + e.fault.as_ref().map_or(0, String::len)
        + match &e.outcome {
            AuditOutcome::Error { message, .. }
            | AuditOutcome::Unparseable { message }
            | AuditOutcome::Refused { message } => message.len(),
            _ => 0,
        }
}

impl Journal {
    pub fn new(capacity: usize, max_bytes: usize) -> Self {
        Journal {
            entries: VecDeque::new(),
            bytes: 0,
            capacity,
            max_bytes,
        }
    }

    /// Adds a message, dropping the oldest ones while either bound would be passed.
    pub fn push(&mut self, entry: AuditEntry) {
        if self.capacity == 0 {
            return;
        }
        // The latest message is kept whatever its size (each text is bounded).
        let size = entry_bytes(&entry);
        while !self.entries.is_empty()
            && (self.entries.len() >= self.capacity || self.bytes + size > self.max_bytes)
        {
            if let Some(old) = self.entries.pop_front() {
                self.bytes -= entry_bytes(&old);
            }
        }
        self.bytes += size;
        self.entries.push_back(entry);
    }

    /// The messages, oldest first.
    pub fn iter(&self) -> std::collections::vec_deque::Iter<'_, AuditEntry> {
        self.entries.iter()
    }

    /// Bytes the messages take (texts and a fixed cost each).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}

/// A message of the journal as one JSON line of the audit file.
fn audit_line(e: &AuditEntry, whole: Whole<'_>) -> serde_json::Value {
    let (outcome, message, permanent) = match &e.outcome {
        AuditOutcome::Success => ("success", None, None),
        AuditOutcome::Error { message, permanent } => ("error", Some(message), Some(*permanent)),
        AuditOutcome::Throttled => ("throttled", None, None),
        AuditOutcome::Unparseable { message } => ("unparseable", Some(message), None),
        AuditOutcome::Dropped => ("dropped", None, None),
        AuditOutcome::Refused { message } => ("refused", Some(message), None),
    };
    let request_kept = match (e.request_kept, whole.request) {
        (Kept::Excerpt, _) => "excerpt",
        (_, Some(_)) | (Kept::Whole, None) => "whole",
        (Kept::Start, None) => "start",
    };
    serde_json::json!({
        "seq": e.seq,
        "time": e.time,
        "elapsed_ms": e.elapsed.as_millis() as u64,
        "device_id": e.device_id,
        "function": e.function,
        "request_uid": e.request_uid,
        "outcome": outcome,
        "message": message,
        "permanent": permanent,
        "fault": e.fault,
        "request_drift": e.request_drift.to_json(),
        "request_xml": whole.request.unwrap_or(&e.request_xml),
        "request_kept": request_kept,
        "request_size": e.request_size,
        "response_xml": whole.response.or(e.response_xml.as_deref()),
        "response_size": e.response_size,
    })
}

/// Whether a fault kind means "process the request".
pub(crate) fn processes(kind: Option<FaultKind>) -> bool {
    !matches!(kind, Some(FaultKind::Drop) | Some(FaultKind::Temporary))
}
