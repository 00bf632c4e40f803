//! Shared state: the practice, the user interface state, devices and pending
//! approvals, the audit trail (the journal), throttling and faults. The operations on
//! it are [`crate::Control`]'s.

use std::collections::BTreeSet;
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
    Success,
    Error {
        message: String,
        permanent: bool,
    },
    /// Not processed, no response (ERRATA E17).
    Throttled,
    /// Not a readable request; an error response was sent.
    Unparseable {
        message: String,
    },
    /// Swallowed by an injected `drop` fault: not processed, no response.
    Dropped,
}

/// One message in the audit trail (the journal).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Its number in the journal: 1 for the first message, never reused (not even
    /// after the journal is cleared).
    pub seq: u64,
    pub time: NaiveDateTime,
    /// From the request's arrival to its response (or to the decision not to answer),
    /// including any wait for the user's approval.
    pub elapsed: Duration,
    pub request_uid: String,
    /// The function as sent (empty when unreadable).
    pub function: String,
    pub device_id: String,
    pub outcome: AuditOutcome,
    /// The request as received, the text of its `APIKey` replaced by `[redacted]`.
    pub request_xml: String,
    /// The response produced (also when a fault then kept it from being delivered).
    pub response_xml: Option<String>,
    /// The injected fault, if one applied (`drop-after-write`, `close-mid`, ...).
    pub fault: Option<String>,
}

/// A free slot, as the practice summary lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct FreeSlot {
    pub user_name: String,
    pub site_name: String,
    pub clinic_type: String,
    pub slot_type: String,
    pub start: NaiveDateTime,
    pub duration: u32,
}

/// A few facts about the practice, for tests and the demo.
#[derive(Debug, Clone, PartialEq)]
pub struct PracticeSummary {
    pub patient_count: usize,
    /// Generated patients with valid NHS numbers (first 20).
    pub nhs_numbers: Vec<String>,
    /// Generated patients with pseudo numbers.
    pub pseudo_numbers: Vec<String>,
    /// The document's example patients.
    pub document_examples: Vec<String>,
    pub users: Vec<String>,
    pub current_user: String,
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
    Devices,
    Ui,
    Throttle,
    Faults,
    Practice,
}

impl Change {
    pub fn name(self) -> &'static str {
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
    pub max_request_bytes: usize,
    pub idle_timeout: Duration,
    pub state: Mutex<State>,
    pub audit: Mutex<Vec<AuditEntry>>,
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

    /// Journals a message, numbering it.
    pub fn audit(&self, mut entry: AuditEntry) {
        entry.seq = self.audit_counter.fetch_add(1, Ordering::Relaxed) + 1;
        lock(&self.audit).push(entry);
        self.changed(Change::Journal);
    }

    /// Whether a request may be processed now; records it if so, and counts it if not.
    pub fn admit(&self, record_throttled: bool) -> bool {
        let now = Instant::now();
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

/// Whether a fault kind means "process the request".
pub(crate) fn processes(kind: Option<FaultKind>) -> bool {
    !matches!(kind, Some(FaultKind::Drop) | Some(FaultKind::Temporary))
}
