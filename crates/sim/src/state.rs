//! Shared state: the practice, the user interface state, devices, the audit trail,
//! throttling and faults, and the [`Control`] handle over them.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::NaiveDateTime;
use systmone_types::CurrentSelectionItem;
use tokio::sync::watch;
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

/// One message in the audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub time: NaiveDateTime,
    pub request_uid: String,
    /// The function as sent (empty when unreadable).
    pub function: String,
    pub device_id: String,
    pub outcome: AuditOutcome,
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

#[derive(Debug, Default)]
pub(crate) struct ThrottleState {
    pub last: Option<Instant>,
    pub last_record: Option<Instant>,
}

pub(crate) struct FaultState {
    pub specs: Vec<FaultSpec>,
    pub count: u64,
    pub rng: Rng,
}

pub(crate) struct Shared {
    pub api_keys: Vec<String>,
    pub throttle_mode: Throttle,
    pub approval: Approval,
    pub root: PathBuf,
    pub advertised: Option<Vec<(String, Vec<String>)>>,
    pub max_request_bytes: usize,
    pub idle_timeout: Duration,
    pub state: Mutex<State>,
    pub audit: Mutex<Vec<AuditEntry>>,
    pub throttle: Mutex<ThrottleState>,
    pub faults: Mutex<FaultState>,
    pub shutdown: watch::Sender<bool>,
    pub ask_lock: tokio::sync::Mutex<()>,
    /// A pending terminal prompt waiting for a line.
    pub prompt: Mutex<Option<tokio::sync::oneshot::Sender<String>>>,
    pub uid_counter: AtomicU64,
    pub uid_base: u64,
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

    pub fn audit(&self, entry: AuditEntry) {
        lock(&self.audit).push(entry);
    }

    /// Whether a request may be processed now; records it if so.
    pub fn admit(&self, record_throttled: bool) -> bool {
        if self.throttle_mode == Throttle::Off {
            return true;
        }
        let now = Instant::now();
        let mut t = lock(&self.throttle);
        if let Some(last) = t.last {
            if now.duration_since(last) < Duration::from_secs(1) {
                return false;
            }
        }
        if record_throttled {
            if let Some(last) = t.last_record {
                if now.duration_since(last) < Duration::from_secs(30) {
                    return false;
                }
            }
            t.last_record = Some(now);
        }
        t.last = Some(now);
        true
    }

    /// The fault for the next processed request, if any.
    pub fn next_fault(&self) -> Option<FaultSpec> {
        let mut f = lock(&self.faults);
        if f.specs.is_empty() {
            return None;
        }
        f.count += 1;
        let n = f.count;
        let specs = f.specs.clone();
        for spec in specs {
            let fire = match spec.trigger {
                Trigger::Nth(k) => k == n,
                Trigger::Probability(p) => f.rng.unit() < p,
            };
            if fire {
                return Some(spec);
            }
        }
        None
    }
}

/// The control interface: the UI state an operator or test sets, and the audit trail.
/// Cheap to clone.
#[derive(Clone)]
pub struct Control {
    pub(crate) shared: Arc<Shared>,
}

impl Control {
    /// Opens a record in the UI (`displayable` false: open in a state that cannot be
    /// displayed, such as a background retrieval).
    pub fn open_record(&self, nhs_number: &str, displayable: bool) {
        lock(&self.shared.state).ui.open = Some((nhs_number.to_string(), displayable));
    }

    /// Closes the open record.
    pub fn close_record(&self) {
        lock(&self.shared.state).ui.open = None;
    }

    /// Sets the activity path, e.g. `["Patient Actions", "Prescribing"]`.
    pub fn set_activity(&self, path: Vec<String>) {
        lock(&self.shared.state).ui.activity = path;
    }

    /// Sets the selected drugs and codes.
    pub fn set_selection(&self, items: Vec<CurrentSelectionItem>) {
        lock(&self.shared.state).ui.selection = items;
    }

    /// The open record's number, if any.
    pub fn open_record_number(&self) -> Option<String> {
        lock(&self.shared.state)
            .ui
            .open
            .as_ref()
            .map(|o| o.0.clone())
    }

    /// Every message so far.
    pub fn audit(&self) -> Vec<AuditEntry> {
        lock(&self.shared.audit).clone()
    }

    /// Known Device IDs.
    pub fn device_ids(&self) -> Vec<String> {
        lock(&self.shared.state).devices.iter().cloned().collect()
    }

    /// Blocks a device (as the Device Manager screen would).
    pub fn block_device(&self, id: &str) {
        lock(&self.shared.state)
            .blocked_devices
            .insert(id.to_string());
    }

    /// Unblocks a device.
    pub fn unblock_device(&self, id: &str) {
        lock(&self.shared.state).blocked_devices.remove(id);
    }

    /// Stops the simulator (as ExitClient does).
    pub fn shutdown(&self) {
        self.shared.trigger_shutdown();
    }

    /// A copy of the practice as it is now (JSON-serialisable).
    pub fn practice_data(&self) -> Practice {
        lock(&self.shared.state).practice.clone()
    }

    /// A few known facts about the practice.
    pub fn practice(&self) -> PracticeSummary {
        let st = lock(&self.shared.state);
        let p = &st.practice;
        let now = chrono::Local::now().naive_local();
        let generated = p.patients.iter().filter(|x| !x.document_example);
        PracticeSummary {
            patient_count: p.patients.len(),
            nhs_numbers: generated
                .clone()
                .filter_map(|x| x.nhs_number.clone())
                .take(20)
                .collect(),
            pseudo_numbers: generated.filter_map(|x| x.pseudo_number.clone()).collect(),
            document_examples: p
                .patients
                .iter()
                .filter(|x| x.document_example)
                .map(|x| x.key().to_string())
                .collect(),
            users: p.users.iter().map(|u| u.user_name.clone()).collect(),
            current_user: p
                .current_user()
                .map(|u| u.user_name.clone())
                .unwrap_or_default(),
            sites: p.sites.iter().map(|s| s.name.clone()).collect(),
            free_slots: p
                .slots
                .iter()
                .filter(|s| s.booked.is_none() && s.start > now)
                .take(20)
                .map(|s| FreeSlot {
                    user_name: s.user_name.clone(),
                    site_name: s.site_name.clone(),
                    clinic_type: s.clinic_type.clone(),
                    slot_type: s.slot_type.clone(),
                    start: s.start,
                    duration: s.duration,
                })
                .collect(),
        }
    }

    /// Runs one console command; returns what to print.
    ///
    /// Commands: `open NUMBER [hidden]`, `close`, `activity A/B/C`,
    /// `select drug SCHEME ID NAME...`, `select code SCHEME CODE TERM...`,
    /// `select clear`, `block DEVICEID`, `unblock DEVICEID`, `devices`, `audit`,
    /// `summary`, `quit`.
    pub fn command(&self, line: &str) -> String {
        use systmone_types::{Code, Drug, SchemeName};
        let line = line.trim();
        let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        match cmd {
            "open" => {
                let mut parts = rest.split_whitespace();
                let Some(n) = parts.next() else {
                    return "usage: open NUMBER [hidden]".into();
                };
                let displayable = parts.next() != Some("hidden");
                self.open_record(n, displayable);
                format!("opened {n}")
            }
            "close" => {
                self.close_record();
                "closed".into()
            }
            "activity" => {
                self.set_activity(
                    rest.split('/')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                );
                "ok".into()
            }
            "select" => {
                let mut parts = rest.splitn(4, ' ');
                let what = parts.next().unwrap_or("");
                if what == "clear" {
                    self.set_selection(Vec::new());
                    return "ok".into();
                }
                let scheme: SchemeName = match parts.next().map(str::parse) {
                    Some(Ok(s)) => s,
                    _ => return "usage: select drug|code SCHEME ID NAME".into(),
                };
                let Some(id) = parts.next() else {
                    return "usage: select drug|code SCHEME ID NAME".into();
                };
                let name = parts.next().map(str::to_string);
                let item = match what {
                    "drug" => CurrentSelectionItem::Drug(Drug {
                        extra: Default::default(),
                        scheme,
                        product_id: id.into(),
                        name,
                    }),
                    "code" => CurrentSelectionItem::Code(Code {
                        extra: Default::default(),
                        scheme,
                        code: id.into(),
                        term: name,
                    }),
                    _ => return "usage: select drug|code SCHEME ID NAME".into(),
                };
                lock(&self.shared.state).ui.selection.push(item);
                "ok".into()
            }
            "block" => {
                self.block_device(rest);
                "blocked".into()
            }
            "unblock" => {
                self.unblock_device(rest);
                "unblocked".into()
            }
            "devices" => self.device_ids().join("\n"),
            "audit" => self
                .audit()
                .iter()
                .map(|e| {
                    format!(
                        "{} {} {} {:?}",
                        e.time, e.request_uid, e.function, e.outcome
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            "summary" => format!("{:#?}", self.practice()),
            "quit" | "exit" => {
                self.shutdown();
                "bye".into()
            }
            "" => String::new(),
            other => format!("unknown command {other:?}"),
        }
    }

    pub(crate) fn fault_state(specs: Vec<FaultSpec>, seed: u64) -> FaultState {
        FaultState {
            specs,
            count: 0,
            rng: Rng::new(seed ^ 0xFA17),
        }
    }
}

/// Whether a fault kind means "process the request".
pub(crate) fn processes(kind: Option<FaultKind>) -> bool {
    !matches!(kind, Some(FaultKind::Drop) | Some(FaultKind::Temporary))
}
