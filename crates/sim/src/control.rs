//! [`Control`]: every operation an operator or a test performs on a running simulator,
//! implemented once. The stdin commands (`stdin.rs`), the web console and the admin
//! API (`console/`) are front ends of these methods.
//!
//! Nothing here logs patient data or API keys at info or above.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use systmone_types::CurrentSelectionItem;
use tokio::sync::broadcast;
use tokio::time::Instant;
use tracing::{debug, info};

use crate::fault::FaultSpec;
use crate::practice::Practice;
use crate::state::{
    AuditEntry, Change, FaultRule, PendingDevice, PracticeSource, Shared, State, Ui, lock,
};
use crate::state::{FreeSlot, PracticeSummary};
use crate::{Throttle, stdin};

/// The control interface: the UI state an operator or test sets, devices, the journal
/// (audit trail), throttle, faults and the practice. Cheap to clone.
#[derive(Clone)]
pub struct Control {
    pub(crate) shared: Arc<Shared>,
}

/// Why an operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// No patient in the practice has this NHS or pseudo number.
    #[error("no patient in the practice has the number {0:?}")]
    UnknownPatient(String),
    /// No user in the practice has this user name.
    #[error("no user in the practice is called {0:?}")]
    UnknownUser(String),
    /// No device is waiting for approval under this number ([`PendingDevice::id`]).
    #[error("no device is waiting for approval as number {0}")]
    NoSuchPending(u64),
    /// There is no fault rule at this index (0-based, as [`Control::faults`] lists them).
    #[error("there is no fault rule number {0}")]
    NoSuchFault(usize),
    /// The practice file could not be read.
    #[error("cannot read practice file {path}: {source}")]
    PracticeRead {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// The practice JSON is not a [`Practice`].
    #[error("invalid practice: {0}")]
    PracticeParse(#[from] serde_json::Error),
}

/// The GP's window: what the user interface shows now.
#[derive(Debug, Clone, PartialEq)]
pub struct UiState {
    /// The open record's number and whether it can be displayed.
    pub open_record: Option<(String, bool)>,
    /// The path of what the user is doing, outermost first, as GetCurrentActivity reports
    /// it (`Navigation Actions` when empty).
    pub activity: Vec<String>,
    /// The codes and drugs selected, as GetCurrentSelection reports them.
    pub selection: Vec<CurrentSelectionItem>,
    /// The logged-on user's user name.
    pub user: String,
}

/// A patient found by [`Control::search_patients`].
#[derive(Debug, Clone, PartialEq)]
pub struct PatientSummary {
    /// The NHS number, or the pseudo number when there is none.
    pub number: String,
    /// The name as the console shows it: title, first name and surname.
    pub name: String,
    /// The date of birth.
    pub date_of_birth: chrono::NaiveDate,
}

/// Devices: known, blocked, and waiting for approval.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceStatus {
    /// Device IDs approved and issued (or known from the practice), sorted.
    pub known: Vec<String>,
    /// Device IDs the user blocked: their requests are refused.
    pub blocked: Vec<String>,
    /// Devices waiting for the user's answer, oldest first.
    pub pending: Vec<PendingDevice>,
}

/// The throttle as it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct ThrottleStatus {
    /// Whether the throttle is on ([`Throttle::Spec`]) or off.
    pub mode: Throttle,
    /// How long until the next request is allowed (zero: now).
    pub next_request_in: Duration,
    /// How long until the next throttled GetPatientRecord is allowed (zero: now).
    pub next_record_in: Duration,
    /// Requests not answered because of the throttle, since the start.
    pub throttled: u64,
}

/// Which journal entries to list; every field narrows the list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JournalFilter {
    /// The function as sent, compared without regard to case.
    pub function: Option<String>,
    /// The RequestUID as sent, compared exactly (surrounding spaces of the filter ignored).
    pub request_uid: Option<String>,
    /// Entries at or after this time.
    pub since: Option<NaiveDateTime>,
    /// Entries at or before this time.
    pub until: Option<NaiveDateTime>,
    /// Entries after this sequence number.
    pub after_seq: Option<u64>,
}

impl JournalFilter {
    pub(crate) fn matches(&self, entry: &AuditEntry) -> bool {
        self.function
            .as_deref()
            .is_none_or(|f| entry.function.eq_ignore_ascii_case(f.trim()))
            && self
                .request_uid
                .as_deref()
                .is_none_or(|u| entry.request_uid == u.trim())
            && self.since.is_none_or(|t| entry.time >= t)
            && self.until.is_none_or(|t| entry.time <= t)
            && self.after_seq.is_none_or(|s| entry.seq > s)
    }
}

impl Control {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.shared.state)
    }

    fn ui_changed(&self) {
        self.shared.changed(Change::Ui);
    }

    /// Tells when something changes (for live views).
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.shared.changes.subscribe()
    }

    /// A receiver that turns true when the simulator stops.
    pub fn stopped(&self) -> tokio::sync::watch::Receiver<bool> {
        self.shared.shutdown.subscribe()
    }

    // -----------------------------------------------------------------------
    // The GP's window.

    /// Opens a record in the UI (`displayable` false: open in a state that cannot be
    /// displayed, such as a background retrieval). The number is not checked against
    /// the practice (see [`Control::open_patient`]).
    pub fn open_record(&self, nhs_number: &str, displayable: bool) {
        self.state().ui.open = Some((nhs_number.trim().to_string(), displayable));
        info!("a patient record was opened in the UI");
        debug!(number = nhs_number, displayable, "record opened");
        self.ui_changed();
    }

    /// Opens a patient's record as the user would: only a patient of the practice.
    pub fn open_patient(&self, number: &str, displayable: bool) -> Result<(), ControlError> {
        let number = number.trim();
        if self.state().practice.patient(number).is_none() {
            return Err(ControlError::UnknownPatient(number.to_string()));
        }
        self.open_record(number, displayable);
        Ok(())
    }

    /// Closes the open record.
    pub fn close_record(&self) {
        self.state().ui.open = None;
        info!("the patient record was closed in the UI");
        self.ui_changed();
    }

    /// Sets the activity path, e.g. `["Patient Actions", "Prescribing"]`.
    pub fn set_activity(&self, path: Vec<String>) {
        self.state().ui.activity = path
            .into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        self.ui_changed();
    }

    /// Sets the selected drugs and codes.
    pub fn set_selection(&self, items: Vec<CurrentSelectionItem>) {
        self.state().ui.selection = items;
        self.ui_changed();
    }

    /// Adds a drug or code to the selection.
    pub fn add_selection(&self, item: CurrentSelectionItem) {
        self.state().ui.selection.push(item);
        self.ui_changed();
    }

    /// Makes `user_name` the logged-on user.
    pub fn set_user(&self, user_name: &str) -> Result<(), ControlError> {
        let user_name = user_name.trim();
        let mut st = self.state();
        if !st.practice.users.iter().any(|u| u.user_name == user_name) {
            return Err(ControlError::UnknownUser(user_name.to_string()));
        }
        for u in &mut st.practice.users {
            u.current = u.user_name == user_name;
        }
        drop(st);
        info!(user = user_name, "logged-on user changed");
        self.ui_changed();
        Ok(())
    }

    /// The open record's number, if any.
    pub fn open_record_number(&self) -> Option<String> {
        self.state().ui.open.as_ref().map(|o| o.0.clone())
    }

    /// What the GP's window shows.
    pub fn ui(&self) -> UiState {
        let st = self.state();
        UiState {
            open_record: st.ui.open.clone(),
            activity: st.ui.activity.clone(),
            selection: st.ui.selection.clone(),
            user: st
                .practice
                .current_user()
                .map(|u| u.user_name.clone())
                .unwrap_or_default(),
        }
    }

    /// Patients whose NHS or pseudo number starts with `query`, or whose names contain
    /// every word of it (case ignored); at most `limit`.
    pub fn search_patients(&self, query: &str, limit: usize) -> Vec<PatientSummary> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return Vec::new();
        }
        let digits: String = query.chars().filter(|c| !c.is_whitespace()).collect();
        let st = self.state();
        st.practice
            .patients
            .iter()
            .filter(|p| {
                let by_number =
                    digits.chars().all(|c| c.is_ascii_digit()) && p.key().starts_with(&digits);
                let name = format!(
                    "{} {} {} {}",
                    p.first_name, p.middle_names, p.surname, p.known_as
                )
                .to_lowercase();
                by_number || words.iter().all(|w| name.contains(w.as_str()))
            })
            .take(limit)
            .map(|p| PatientSummary {
                number: p.key().to_string(),
                name: format!("{} {} {}", p.title, p.first_name, p.surname)
                    .trim()
                    .to_string(),
                date_of_birth: p.date_of_birth,
            })
            .collect()
    }

    /// The name shown for a patient number, if the practice has it.
    pub fn patient_name(&self, number: &str) -> Option<String> {
        self.state().practice.patient(number).map(|p| {
            format!("{} {} {}", p.title, p.first_name, p.surname)
                .trim()
                .to_string()
        })
    }

    // -----------------------------------------------------------------------
    // The journal.

    /// The messages in memory, oldest first: every message since the journal was last
    /// cleared, up to [`crate::SimConfig::audit_capacity`] (the latest ones).
    pub fn audit(&self) -> Vec<AuditEntry> {
        lock(&self.shared.audit).iter().cloned().collect()
    }

    /// The messages `filter` selects, oldest first.
    pub fn journal(&self, filter: &JournalFilter) -> Vec<AuditEntry> {
        lock(&self.shared.audit)
            .iter()
            .filter(|e| filter.matches(e))
            .cloned()
            .collect()
    }

    /// The last `n` messages, newest first.
    pub fn journal_latest(&self, n: usize) -> Vec<AuditEntry> {
        lock(&self.shared.audit)
            .iter()
            .rev()
            .take(n)
            .cloned()
            .collect()
    }

    /// One message by its sequence number.
    pub fn journal_entry(&self, seq: u64) -> Option<AuditEntry> {
        lock(&self.shared.audit)
            .iter()
            .find(|e| e.seq == seq)
            .cloned()
    }

    /// Bytes the journal in memory takes now (at most about
    /// [`crate::SimConfig::audit_max_bytes`]).
    pub fn journal_bytes(&self) -> usize {
        lock(&self.shared.audit).bytes()
    }

    /// Bytes of unfinished requests all connections hold now (at most
    /// [`crate::SimConfig::max_buffered_bytes`]).
    pub fn buffered_bytes(&self) -> usize {
        self.shared.buffers.used()
    }

    /// Empties the journal (sequence numbers go on from where they were).
    pub fn clear_journal(&self) {
        lock(&self.shared.audit).clear();
        info!("journal cleared");
        self.shared.changed(Change::Journal);
    }

    // -----------------------------------------------------------------------
    // Devices.

    /// Known Device IDs.
    pub fn device_ids(&self) -> Vec<String> {
        self.state().devices.iter().cloned().collect()
    }

    /// Known, blocked and pending devices.
    pub fn devices(&self) -> DeviceStatus {
        let (known, blocked) = {
            let st = self.state();
            (
                st.devices.iter().cloned().collect(),
                st.blocked_devices.iter().cloned().collect(),
            )
        };
        DeviceStatus {
            known,
            blocked,
            pending: lock(&self.shared.pending)
                .iter()
                .map(|p| p.device.clone())
                .collect(),
        }
    }

    /// Answers a device waiting for approval, as the user would in SystmOne's dialog.
    pub fn answer_pending(&self, id: u64, approve: bool) -> Result<(), ControlError> {
        let pending = {
            let mut list = lock(&self.shared.pending);
            let index = list
                .iter()
                .position(|p| p.device.id == id)
                .ok_or(ControlError::NoSuchPending(id))?;
            list.remove(index)
        };
        let _ = pending.answer.send(approve);
        info!(approval = id, approve, "device approval answered");
        self.shared.changed(Change::Devices);
        Ok(())
    }

    /// Answers the device that has waited longest, if any; returns its number.
    pub fn answer_oldest_pending(&self, approve: bool) -> Option<u64> {
        let id = lock(&self.shared.pending).first().map(|p| p.device.id)?;
        self.answer_pending(id, approve).ok().map(|()| id)
    }

    /// Blocks a device (as the Device Manager screen would).
    pub fn block_device(&self, id: &str) {
        self.state().blocked_devices.insert(id.trim().to_string());
        self.shared.changed(Change::Devices);
    }

    /// Unblocks a device.
    pub fn unblock_device(&self, id: &str) {
        self.state().blocked_devices.remove(id.trim());
        self.shared.changed(Change::Devices);
    }

    // -----------------------------------------------------------------------
    // Throttle and faults.

    /// The throttle's mode, when the next requests are allowed, and how many requests
    /// it has kept from being answered.
    pub fn throttle(&self) -> ThrottleStatus {
        let t = lock(&self.shared.throttle);
        let now = Instant::now();
        let until = |last: Option<Instant>, gap: u64| {
            last.map(|l| (l + Duration::from_secs(gap)).saturating_duration_since(now))
                .unwrap_or_default()
        };
        let on = t.mode == Throttle::Spec;
        ThrottleStatus {
            mode: t.mode,
            next_request_in: if on { until(t.last, 1) } else { Duration::ZERO },
            next_record_in: if on {
                until(t.last_record, 30)
            } else {
                Duration::ZERO
            },
            throttled: t.throttled,
        }
    }

    /// Switches the throttle on (as documented) or off.
    pub fn set_throttle(&self, mode: Throttle) {
        lock(&self.shared.throttle).mode = mode;
        info!(?mode, "throttle set");
        self.shared.changed(Change::Throttle);
    }

    /// The fault rules, in the order they are tried.
    pub fn faults(&self) -> Vec<FaultSpec> {
        lock(&self.shared.faults)
            .rules
            .iter()
            .map(|r| r.spec)
            .collect()
    }

    /// Adds a fault rule; `@N` counts processed requests from now.
    pub fn add_fault(&self, spec: FaultSpec) {
        let mut f = lock(&self.shared.faults);
        let base = f.count;
        f.rules.push(FaultRule { spec, base });
        drop(f);
        info!(fault = %spec, "fault rule added");
        self.shared.changed(Change::Faults);
    }

    /// Removes fault rule number `index` (0 is the first).
    pub fn remove_fault(&self, index: usize) -> Result<FaultSpec, ControlError> {
        let mut f = lock(&self.shared.faults);
        if index >= f.rules.len() {
            return Err(ControlError::NoSuchFault(index));
        }
        let removed = f.rules.remove(index).spec;
        drop(f);
        self.shared.changed(Change::Faults);
        Ok(removed)
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).rules.clear();
        self.shared.changed(Change::Faults);
    }

    // -----------------------------------------------------------------------
    // The practice.

    /// A copy of the practice as it is now (JSON-serialisable).
    pub fn practice_data(&self) -> Practice {
        self.state().practice.clone()
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

    /// Replaces the practice (e.g. a `--data` file's content) and clears the UI state.
    pub fn load_practice(&self, practice: Practice) {
        let mut st = self.state();
        for id in &practice.known_devices {
            st.devices.insert(id.clone());
        }
        st.practice = practice;
        st.ui = Ui::default();
        drop(st);
        info!("practice loaded");
        self.shared.changed(Change::Practice);
        self.ui_changed();
    }

    /// Reads a practice from JSON (the `--data` format) and loads it.
    pub fn load_practice_json(&self, json: &str) -> Result<(), ControlError> {
        self.load_practice(Practice::from_json(json)?);
        Ok(())
    }

    /// Puts the practice back as it was at the start (regenerated from the seed, or
    /// re-read from the `--data` file), clears the UI state and the throttle's timers.
    /// The journal, devices and fault rules are kept.
    pub fn reset(&self) -> Result<(), ControlError> {
        let practice = match &self.shared.practice_source {
            PracticeSource::Generated { seed } => {
                Practice::generate(*seed, chrono::Local::now().date_naive())
            }
            PracticeSource::File(path) => {
                let text = systmone_core::file::read_to_string(path).map_err(|source| {
                    ControlError::PracticeRead {
                        path: path.clone(),
                        source,
                    }
                })?;
                Practice::from_json(&text)?
            }
        };
        self.load_practice(practice);
        {
            let mut t = lock(&self.shared.throttle);
            t.last = None;
            t.last_record = None;
        }
        self.shared.changed(Change::Throttle);
        Ok(())
    }

    /// Stops the simulator (as ExitClient does).
    pub fn shutdown(&self) {
        self.shared.trigger_shutdown();
    }

    /// Runs one stdin console command; returns what to print. See `stdin.rs`.
    pub fn command(&self, line: &str) -> String {
        stdin::run_command(self, line)
    }
}
