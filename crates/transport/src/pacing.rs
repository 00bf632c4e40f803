//! The client's pacing to SystmOne's throttle (ERRATA E17, E22).
//!
//! SystmOne processes at most one function request per second, and at most
//! one `GetPatientRecord` per thirty seconds, except a `GetPatientRecord`
//! filtered only on demographics or with `MinEntryDate` and `MaxEntryDate`
//! both today: those are exempt from the 30-second limit but still count for
//! the one-per-second limit. A throttled request gets no response at all, so
//! the client paces itself: callers wait their turn, nothing is dropped.
//!
//! A request's send time is the earliest instant that is
//!
//! * not before the request was made,
//! * at least [`PacingLimits::min_interval`] away from every other turn handed
//!   out, before or after it (reserved and not yet sent, or sent), and
//! * for a [`RequestClass::PatientRecord`], at least
//!   [`PacingLimits::patient_record_interval`] after the last (non-exempt)
//!   `GetPatientRecord`'s turn.
//!
//! Nothing else delays a request: an ordinary request after a
//! `GetPatientRecord` waits one interval after it, not thirty seconds, and a
//! request made while a `GetPatientRecord` waits for its 30-second turn goes
//! in a free second before that turn (if there is one a full interval from
//! every other turn): a demographics lookup is not queued behind an extract,
//! and the waiting record keeps its turn. Each wait names its rule
//! ([`Reservation::rule`], [`WaitRule`]).
//!
//! The core is the pure [`PaceSchedule`] (give it the current instant, get the
//! send instant back); [`Pacer`] wraps it for concurrent async callers. A
//! [`Pacer`] never blocks the runtime thread it runs on, also when it shares its
//! turns through a [`PacingFile`] whose lock another process holds (see
//! [`PacingFile::lock_async`]).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::NaiveDate;
use systmone_get_patient_record_v1_0::{GetPatientRecordParameters, PatientRecordFilter};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::pacing_file::{PacingFile, SharedState, instant_to_wall, wall_to_instant};

/// The limits the client paces itself to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacingLimits {
    /// Least time between the sends of any two requests (SystmOne: 1 s).
    pub min_interval: Duration,
    /// Least time between the sends of two throttled `GetPatientRecord`
    /// requests (SystmOne: 30 s).
    pub patient_record_interval: Duration,
}

impl PacingLimits {
    /// The documented SystmOne limits: 1 s between requests, 30 s between
    /// (non-exempt) `GetPatientRecord` requests.
    pub const SYSTMONE: Self = Self {
        min_interval: Duration::from_secs(1),
        patient_record_interval: Duration::from_secs(30),
    };

    /// No pacing at all: every request may be sent at once.
    pub const fn off() -> Self {
        Self {
            min_interval: Duration::ZERO,
            patient_record_interval: Duration::ZERO,
        }
    }

    /// These limits with `guard` added to both intervals: a small allowance (a few
    /// milliseconds) for the time between the client's last byte and SystmOne's
    /// clock reading.
    pub const fn with_guard(self, guard: Duration) -> Self {
        Self {
            min_interval: self.min_interval.saturating_add(guard),
            patient_record_interval: self.patient_record_interval.saturating_add(guard),
        }
    }

    /// Whether these limits never delay a request.
    pub fn is_off(&self) -> bool {
        self.min_interval.is_zero() && self.patient_record_interval.is_zero()
    }
}

impl Default for PacingLimits {
    fn default() -> Self {
        Self::SYSTMONE
    }
}

/// How a request counts against the throttle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestClass {
    /// Any function other than `GetPatientRecord`: one-per-second limit only.
    Ordinary,
    /// A `GetPatientRecord` subject to the 30-second limit (and the
    /// one-per-second limit).
    PatientRecord,
    /// A `GetPatientRecord` exempt from the 30-second limit (demographics
    /// only, or entered today); still subject to the one-per-second limit.
    PatientRecordExempt,
}

/// Classifies a `GetPatientRecord` request (ERRATA E22).
///
/// * `filter_only_demographics`: the request's filter asks for demographics
///   and nothing else;
/// * `min_entry` / `max_entry`: its `MinEntryDate` / `MaxEntryDate`, if set;
/// * `today`: the current date (taken as a parameter to keep this pure).
///
/// The request is exempt from the 30-second limit when it is filtered only on
/// demographics, or when both `MinEntryDate` and `MaxEntryDate` are `today`.
/// Anything else (one date only, dates other than today, no filter) is a
/// throttled [`RequestClass::PatientRecord`].
///
/// ```
/// use chrono::NaiveDate;
/// use systmone_transport::pacing::{classify_patient_record, RequestClass};
///
/// let today = NaiveDate::from_ymd_opt(2024, 3, 24).unwrap();
/// assert_eq!(
///     classify_patient_record(false, Some(today), Some(today), today),
///     RequestClass::PatientRecordExempt
/// );
/// assert_eq!(
///     classify_patient_record(false, Some(today), None, today),
///     RequestClass::PatientRecord
/// );
/// ```
pub fn classify_patient_record(
    filter_only_demographics: bool,
    min_entry: Option<NaiveDate>,
    max_entry: Option<NaiveDate>,
    today: NaiveDate,
) -> RequestClass {
    let entered_today = min_entry == Some(today) && max_entry == Some(today);
    if filter_only_demographics || entered_today {
        RequestClass::PatientRecordExempt
    } else {
        RequestClass::PatientRecord
    }
}

/// How a GetPatientRecord request counts against the throttle (ERRATA E22): exempt when
/// its filter asks for Demographics and nothing else, or when MinEntryDate and
/// MaxEntryDate are both `today`; otherwise (also with no filter: the whole record)
/// throttled. One rule for the client's pacing and the simulator's throttle.
pub fn classify_record_request(
    parameters: Option<&GetPatientRecordParameters>,
    today: NaiveDate,
) -> RequestClass {
    let Some(filter) = parameters.and_then(|p| p.filter.as_ref()) else {
        return RequestClass::PatientRecord;
    };
    let demographics_only = filter.demographics.is_some()
        && PatientRecordFilter {
            demographics: None,
            ..filter.clone()
        } == PatientRecordFilter::default();
    classify_patient_record(
        demographics_only,
        filter.min_entry_date.map(|d| d.0),
        filter.max_entry_date.map(|d| d.0),
        today,
    )
}

/// The rule that holds a request back, for telling people what a wait is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitRule {
    /// The least time between any two requests (SystmOne: 1 s).
    Interval(Duration),
    /// The least time between two throttled `GetPatientRecord` requests (SystmOne:
    /// 30 s for a full record).
    PatientRecord(Duration),
}

impl std::fmt::Display for WaitRule {
    /// `the 1 s rule between requests`, `the 30 s full-record rule` (whole seconds:
    /// a guard of under 100 ms is not the rule).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = |d: &Duration| {
            let s = d.as_secs_f64();
            if s - s.floor() < 0.1 {
                format!("{}", s.floor())
            } else {
                format!("{s:.1}")
            }
        };
        match self {
            WaitRule::Interval(d) => write!(f, "the {} s rule between requests", secs(d)),
            WaitRule::PatientRecord(d) => write!(f, "the {} s full-record rule", secs(d)),
        }
    }
}

/// A turn handed out by the pacer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    /// The class the turn was asked for.
    pub class: RequestClass,
    /// Order in which turns were handed out (0, 1, 2, ...).
    pub seq: u64,
    /// When the turn was asked for.
    pub requested_at: Instant,
    /// When the request may be sent (and is recorded as sent).
    pub send_at: Instant,
    /// How long the caller has to wait: `send_at - requested_at`.
    pub wait: Duration,
    /// The rule the wait is for (`None` when there is no wait).
    pub rule: Option<WaitRule>,
}

impl Reservation {
    /// Sleeps until the send time (returns at once if it has come).
    pub async fn ready(&self) {
        if Instant::now() < self.send_at {
            tokio::time::sleep_until(self.send_at).await;
        }
    }
}

/// Most turns a schedule keeps (reserved and not yet a full interval old); beyond it
/// new turns go after the last one.
pub const MAX_TURNS: usize = 64;

/// The pure pacing state: every turn handed out that can still hold a new one back
/// (reserved, or sent less than an interval ago), and the send time of the last
/// throttled `GetPatientRecord`.
///
/// A new turn goes in the earliest gap its own rules allow: at least
/// [`PacingLimits::min_interval`] from every other turn, before or after it, and for
/// a throttled `GetPatientRecord` at least [`PacingLimits::patient_record_interval`]
/// after the last one. So a request exempt from the 30-second rule is not queued
/// behind a full record waiting for its turn, and that record keeps its turn.
#[derive(Debug, Clone)]
pub struct PaceSchedule {
    limits: PacingLimits,
    /// The turns, sorted.
    turns: Vec<Instant>,
    last_send: Option<Instant>,
    last_patient_record: Option<Instant>,
    /// When the last request's last byte was actually written (not its turn).
    last_sent: Option<Instant>,
    /// When the last throttled `GetPatientRecord`'s last byte was actually written.
    last_patient_record_sent: Option<Instant>,
    next_seq: u64,
}

impl PaceSchedule {
    /// A schedule with no request sent yet.
    pub fn new(limits: PacingLimits) -> Self {
        Self {
            limits,
            turns: Vec::new(),
            last_send: None,
            last_patient_record: None,
            last_sent: None,
            last_patient_record_sent: None,
            next_seq: 0,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> PacingLimits {
        self.limits
    }

    /// When the last request was (or will be) sent: the latest turn.
    pub fn last_send(&self) -> Option<Instant> {
        self.last_send
    }

    /// When the last throttled `GetPatientRecord` was (or will be) sent.
    pub fn last_patient_record(&self) -> Option<Instant> {
        self.last_patient_record
    }

    /// The turns that can still hold a new one back, sorted.
    pub fn turns(&self) -> &[Instant] {
        &self.turns
    }

    fn add_turn(&mut self, at: Instant) {
        let i = self.turns.partition_point(|&t| t <= at);
        if i > 0 && self.turns[i - 1] == at {
            return;
        }
        self.turns.insert(i, at);
        self.last_send = self.last_send.max(Some(at));
        if self.turns.len() > 2 * MAX_TURNS {
            self.turns.remove(0);
        }
    }

    /// Drops the turns that can no longer hold back a turn taken at `now` or later.
    fn forget_before(&mut self, now: Instant) {
        let min = self.limits.min_interval;
        self.turns.retain(|&t| t + min > now);
    }

    /// Takes into account turns taken elsewhere (another process sharing a
    /// [`PacingFile`]): its last send and last throttled record become the later
    /// of the two, and its turns are added to these.
    pub fn merge(
        &mut self,
        last_send: Option<Instant>,
        last_patient_record: Option<Instant>,
        turns: &[Instant],
    ) {
        self.last_send = self.last_send.max(last_send);
        self.last_patient_record = self.last_patient_record.max(last_patient_record);
        for &t in turns {
            self.add_turn(t);
        }
        // A file without the turns (or with too many): nothing before its last send.
        if let Some(last) = last_send {
            if !self.turns.contains(&last) {
                self.add_turn(last);
            }
        }
    }

    /// The earliest instant, not before `now`, at which a request of `class` may be
    /// sent, without reserving it, and the rule that holds it back (if any).
    pub fn earliest_with_rule(
        &self,
        class: RequestClass,
        now: Instant,
    ) -> (Instant, Option<WaitRule>) {
        let min = self.limits.min_interval;
        let mut at = now;
        let mut rule = None;
        if class == RequestClass::PatientRecord {
            if let Some(last) = self.last_patient_record {
                let floor = last + self.limits.patient_record_interval;
                if floor > at {
                    at = floor;
                    rule = Some(WaitRule::PatientRecord(self.limits.patient_record_interval));
                }
            }
        }
        if self.turns.len() >= MAX_TURNS {
            // Too many turns to keep track of the gaps: after the last one.
            if let Some(last) = self.last_send {
                at = at.max(last + min);
            }
        } else {
            // Sorted: moving past one turn can only meet later ones.
            for &t in &self.turns {
                if t + min > at && at + min > t {
                    at = t + min;
                }
            }
        }
        if at > now && rule.is_none() {
            rule = Some(WaitRule::Interval(min));
        }
        (at, rule.filter(|_| at > now))
    }

    /// The earliest instant, not before `now`, at which a request of
    /// `class` may be sent, without reserving it.
    pub fn earliest(&self, class: RequestClass, now: Instant) -> Instant {
        self.earliest_with_rule(class, now).0
    }

    /// Reserves the earliest turn for a request of `class` asked for at
    /// `now`, and records its send time.
    pub fn reserve(&mut self, class: RequestClass, now: Instant) -> Reservation {
        self.forget_before(now);
        let (send_at, rule) = self.earliest_with_rule(class, now);
        self.add_turn(send_at);
        if class == RequestClass::PatientRecord {
            self.last_patient_record = self.last_patient_record.max(Some(send_at));
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        Reservation {
            class,
            seq,
            requested_at: now,
            send_at,
            wait: send_at.saturating_duration_since(now),
            rule,
        }
    }
}

impl PaceSchedule {
    /// Records that a request of `class` was actually sent (its last byte written) at
    /// `at`, which may be later than its reserved turn (a slow connect or write): the
    /// next turns count from the later of the two, as SystmOne's clock does.
    pub fn sent(&mut self, class: RequestClass, at: Instant) {
        self.add_turn(at);
        self.last_sent = self.last_sent.max(Some(at));
        if class == RequestClass::PatientRecord {
            self.last_patient_record = self.last_patient_record.max(Some(at));
            self.last_patient_record_sent = self.last_patient_record_sent.max(Some(at));
        }
    }

    /// When the last request's last byte was actually written, and the last throttled
    /// `GetPatientRecord`'s (as [`PaceSchedule::sent`] recorded them).
    pub fn last_sent(&self) -> (Option<Instant>, Option<Instant>) {
        (self.last_sent, self.last_patient_record_sent)
    }

    /// Takes into account requests actually sent elsewhere (another process sharing
    /// a [`PacingFile`]): each instant becomes the later of the two.
    pub fn merge_sent(
        &mut self,
        last_sent: Option<Instant>,
        last_patient_record_sent: Option<Instant>,
    ) {
        self.last_sent = self.last_sent.max(last_sent);
        self.last_patient_record_sent = self.last_patient_record_sent.max(last_patient_record_sent);
    }

    /// The earliest instant, not before `now`, at which a request of `class` whose
    /// turn has come may really be sent: the limits counted from the last bytes
    /// actually written. Later than its turn only when a request reserved before it
    /// was written late, after this turn had been taken from its reserved time (the
    /// other process's [`PaceSchedule::sent`] came after this process's
    /// [`PaceSchedule::reserve`]). Requests reserved after this one cannot have been
    /// sent yet (their turns come at least one interval later), so they never delay it.
    pub fn confirmed(&self, class: RequestClass, now: Instant) -> Instant {
        let mut at = now;
        if let Some(last) = self.last_sent {
            at = at.max(last + self.limits.min_interval);
        }
        if class == RequestClass::PatientRecord {
            if let Some(last) = self.last_patient_record_sent {
                at = at.max(last + self.limits.patient_record_interval);
            }
        }
        at
    }
}

/// Paces requests for any number of concurrent callers (clone it to share:
/// clones share one schedule). Turns are reserved under an async lock, which is
/// fair: callers are served in the order of their calls, first come, first served.
///
/// A turn, once reserved, counts as used even if the caller then gives up
/// (drops the future): the pacer errs on the side of sending too slowly.
#[derive(Debug, Clone)]
pub struct Pacer {
    limits: PacingLimits,
    schedule: Arc<Mutex<PaceSchedule>>,
    shared: Option<Arc<PacingFile>>,
}

impl Default for Pacer {
    fn default() -> Self {
        Self::new(PacingLimits::default())
    }
}

impl Pacer {
    /// A pacer with these limits and no request sent yet.
    pub fn new(limits: PacingLimits) -> Self {
        Self {
            limits,
            schedule: Arc::new(Mutex::new(PaceSchedule::new(limits))),
            shared: None,
        }
    }

    /// A pacer whose turns are also shared, through `file`, with every other
    /// process using the same file and SystmOne address: each turn is taken
    /// under the file's lock, after the other processes' sends. If the file
    /// cannot be used, pacing goes on within this process and the problem is
    /// logged at warn (it can then only fail to wait for other processes).
    pub fn shared(limits: PacingLimits, file: PacingFile) -> Self {
        Self {
            shared: Some(Arc::new(file)),
            ..Self::new(limits)
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> PacingLimits {
        self.limits
    }

    /// Records that a request of `class` was sent at `at` (when its last byte was
    /// written): later turns, in this process and (with a pacing file) in the others,
    /// count from then if it is later than the reserved turn. With a pacing file, this
    /// waits for the file's lock (without blocking the runtime thread).
    pub async fn sent(&self, class: RequestClass, at: Instant) {
        if self.limits.is_off() {
            return;
        }
        let mut schedule = self.schedule.lock().await;
        self.with_file(&mut schedule, |schedule, _| schedule.sent(class, at))
            .await;
    }

    /// Runs `update` on the schedule and the time now, the schedule merged first with
    /// the pacing file's state and saved back to it after, under the file's lock
    /// (without a file: just `update`). The time is read once the lock is held, right
    /// before the wall clock, so that converting the other processes' wall-clock times
    /// does not count the wait for the lock: read before it, their sends would seem
    /// that much earlier, and a turn taken from them that much too early.
    ///
    /// The file is locked, read and written without blocking the runtime thread
    /// ([`PacingFile::lock_async`], [`PacingFileGuard::save_async`](crate::pacing_file::PacingFileGuard::save_async)):
    /// a blocked thread would delay every other task on it, and with them the times at
    /// which their requests go out.
    async fn with_file<R>(
        &self,
        schedule: &mut PaceSchedule,
        update: impl FnOnce(&mut PaceSchedule, Instant) -> R,
    ) -> R {
        let Some(file) = self.shared.as_deref() else {
            return update(schedule, Instant::now());
        };
        let guard = match file.lock_async().await {
            Ok(guard) => guard,
            Err(e) => {
                tracing::warn!("{e}; pacing only within this process");
                return update(schedule, Instant::now());
            }
        };
        if let Some(reason) = guard.reset_reason() {
            tracing::warn!(
                "pacing file {} was damaged ({reason}); it is reset, and this request waits \
                 the full throttle interval in case another process has just sent one",
                file.path().display()
            );
        }
        let now = Instant::now();
        let wall = file.now();
        let theirs = guard.state();
        let to_instant = |t: Option<SystemTime>| t.and_then(|t| wall_to_instant(t, wall, now));
        let their_turns: Vec<Instant> = theirs
            .turns
            .iter()
            .filter_map(|&t| wall_to_instant(t, wall, now))
            .collect();
        schedule.merge(
            to_instant(theirs.last_send),
            to_instant(theirs.last_patient_record),
            &their_turns,
        );
        schedule.merge_sent(
            to_instant(theirs.last_sent),
            to_instant(theirs.last_patient_record_sent),
        );
        let result = update(schedule, now);
        let to_wall = |t: Option<Instant>| t.map(|t| instant_to_wall(t, wall, now));
        let ours = SharedState {
            last_send: to_wall(schedule.last_send),
            last_patient_record: to_wall(schedule.last_patient_record),
            last_sent: to_wall(schedule.last_sent),
            last_patient_record_sent: to_wall(schedule.last_patient_record_sent),
            turns: schedule
                .turns
                .iter()
                .map(|&t| instant_to_wall(t, wall, now))
                .collect(),
        };
        // Checking a turn usually changes nothing: then the file is left as it is
        // (the lock is released when the guard drops).
        if guard.reset_reason().is_some() || !ours.same_in_file(&theirs) {
            if let Err(e) = guard.save_async(ours).await {
                tracing::warn!("{e}; other processes will not see this request's turn");
            }
        }
        result
    }

    /// Reserves the next turn for a request of `class` now, without waiting for
    /// it (only for the turns being reserved before it and, with a pacing file, for
    /// the file's lock). The caller must wait for [`Reservation::ready`] before
    /// sending; `wait` tells how long that is (for a progress line).
    pub async fn reserve(&self, class: RequestClass) -> Reservation {
        let mut schedule = self.schedule.lock().await;
        if self.limits.is_off() {
            return schedule.reserve(class, Instant::now());
        }
        self.with_file(&mut schedule, |schedule, now| schedule.reserve(class, now))
            .await
    }

    /// Waits for `turn` ([`Reservation::ready`]), then checks it against the requests
    /// actually sent since it was reserved, re-reading the pacing file, and waits
    /// longer if one of them was written late ([`PaceSchedule::confirmed`]): another
    /// process's slow connect or write would otherwise put this request inside
    /// SystmOne's throttle. Call it just before sending; returns how much longer than
    /// the turn it waited.
    pub async fn confirm(&self, turn: &Reservation) -> Duration {
        self.confirm_with(turn, |_| {}).await
    }

    /// Like [`confirm`](Self::confirm), calling `on_wait` with each extra wait before
    /// it starts (a caller's deadline can then move on by it).
    pub async fn confirm_with(
        &self,
        turn: &Reservation,
        mut on_wait: impl FnMut(Duration),
    ) -> Duration {
        turn.ready().await;
        let mut later = Duration::ZERO;
        loop {
            if self.limits.is_off() {
                return later;
            }
            let (at, now) = {
                let mut schedule = self.schedule.lock().await;
                self.with_file(&mut schedule, |schedule, now| {
                    (schedule.confirmed(turn.class, now), now)
                })
                .await
            };
            if at <= now {
                return later;
            }
            let wait = at - now;
            tracing::debug!("an earlier request was sent late: waiting {wait:?} more");
            on_wait(wait);
            later += wait;
            tokio::time::sleep_until(at).await;
        }
    }

    /// Waits until a request of `class` may be sent; returns the turn.
    pub async fn wait_turn(&self, class: RequestClass) -> Reservation {
        let turn = self.reserve(class).await;
        turn.ready().await;
        turn
    }

    /// Like [`wait_turn`](Self::wait_turn), calling `on_wait` first when the
    /// caller has to wait (not when it may send at once).
    pub async fn wait_turn_with(
        &self,
        class: RequestClass,
        on_wait: impl FnOnce(&Reservation),
    ) -> Reservation {
        let turn = self.reserve(class).await;
        if !turn.wait.is_zero() {
            on_wait(&turn);
        }
        turn.ready().await;
        turn
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use RequestClass::{Ordinary as O, PatientRecord as P, PatientRecordExempt as X};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn record_requests_are_classified_on_their_filter() {
        let today = date(2024, 3, 24);
        let with = |filter: PatientRecordFilter| GetPatientRecordParameters {
            extra: Default::default(),
            identity: None,
            leave_record_open: None,
            filter: Some(filter),
        };
        let flag = Some(systmone_core::Flag);
        let demographics = PatientRecordFilter {
            demographics: flag,
            ..PatientRecordFilter::default()
        };
        assert_eq!(
            classify_record_request(Some(&with(demographics.clone())), today),
            X
        );
        let more = PatientRecordFilter {
            letters: flag,
            ..demographics
        };
        assert_eq!(classify_record_request(Some(&with(more)), today), P);
        let entered_today = PatientRecordFilter {
            min_entry_date: Some(systmone_core::Date(today)),
            max_entry_date: Some(systmone_core::Date(today)),
            clinical_codes: flag,
            ..PatientRecordFilter::default()
        };
        assert_eq!(
            classify_record_request(Some(&with(entered_today)), today),
            X
        );
        assert_eq!(classify_record_request(None, today), P);
        assert_eq!(
            classify_record_request(Some(&with(PatientRecordFilter::default())), today),
            P
        );
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    /// Checks the limits over sends (in any order).
    fn assert_limits(sends: &[(RequestClass, Instant)], limits: PacingLimits) {
        let mut sends = sends.to_vec();
        sends.sort_by_key(|&(_, t)| t);
        for pair in sends.windows(2) {
            let gap = pair[1].1 - pair[0].1;
            assert!(gap >= limits.min_interval, "gap {gap:?} in {sends:?}");
        }
        let records: Vec<Instant> = sends
            .iter()
            .filter(|(c, _)| *c == P)
            .map(|&(_, t)| t)
            .collect();
        for pair in records.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(gap >= limits.patient_record_interval, "record gap {gap:?}");
        }
    }

    /// Issues every class at once from its own task; class `k` is asked for
    /// by the `k`-th call (the counter and the reservation are both taken
    /// before the task's first await, so call order is reservation order).
    /// Returns the send offsets from the start, in call order.
    async fn all_at_once(pacer: &Pacer, classes: &[RequestClass]) -> Vec<Duration> {
        let t0 = Instant::now();
        let calls = Arc::new(AtomicUsize::new(0));
        let classes: Arc<[RequestClass]> = classes.into();
        let mut handles = Vec::new();
        for _ in 0..classes.len() {
            let pacer = pacer.clone();
            let calls = calls.clone();
            let classes = classes.clone();
            handles.push(tokio::spawn(async move {
                let k = calls.fetch_add(1, Ordering::SeqCst);
                let turn = pacer.wait_turn(classes[k]).await;
                (k, turn, Instant::now())
            }));
        }
        let mut results = Vec::new();
        for h in handles {
            results.push(h.await.unwrap());
        }
        results.sort_by_key(|r| r.0);
        let mut sends = Vec::new();
        for (k, turn, returned) in &results {
            assert_eq!(
                turn.seq, *k as u64,
                "FIFO: the k-th call gets the k-th turn"
            );
            assert_eq!(turn.send_at, *returned, "returns exactly at its send time");
            assert_eq!(turn.requested_at, t0);
            assert_eq!(turn.wait, *returned - t0);
            sends.push((turn.class, *returned));
        }
        assert_limits(&sends, pacer.limits());
        sends.iter().map(|&(_, t)| t - t0).collect()
    }

    #[test]
    fn classify_demographics_only_is_exempt() {
        let today = date(2024, 3, 24);
        assert_eq!(classify_patient_record(true, None, None, today), X);
        assert_eq!(
            classify_patient_record(true, Some(date(2014, 9, 1)), None, today),
            X
        );
    }

    #[test]
    fn classify_entered_today_is_exempt_only_with_both_dates_today() {
        let today = date(2024, 3, 24);
        let yesterday = date(2024, 3, 23);
        assert_eq!(
            classify_patient_record(false, Some(today), Some(today), today),
            X
        );
        assert_eq!(classify_patient_record(false, Some(today), None, today), P);
        assert_eq!(classify_patient_record(false, None, Some(today), today), P);
        assert_eq!(
            classify_patient_record(false, Some(yesterday), Some(today), today),
            P
        );
        assert_eq!(
            classify_patient_record(false, Some(yesterday), Some(yesterday), today),
            P
        );
        assert_eq!(classify_patient_record(false, None, None, today), P);
    }

    #[test]
    fn default_limits_are_the_documented_ones() {
        let limits = PacingLimits::default();
        assert_eq!(limits.min_interval, secs(1));
        assert_eq!(limits.patient_record_interval, secs(30));
        assert!(!limits.is_off());
        assert!(PacingLimits::off().is_off());
    }

    #[test]
    fn pure_schedule_gives_the_earliest_allowed_time() {
        let t0 = Instant::now();
        let mut s = PaceSchedule::new(PacingLimits::default());
        assert_eq!(s.reserve(P, t0).send_at, t0);
        // An ordinary request right after a GetPatientRecord waits 1 s, not 30.
        let r = s.reserve(O, t0 + ms(100));
        assert_eq!(r.send_at, t0 + secs(1));
        assert_eq!(r.wait, ms(900));
        // Exempt: 1 s after the previous send only.
        assert_eq!(s.reserve(X, t0 + secs(5)).send_at, t0 + secs(5));
        // Throttled: 30 s after the previous throttled record.
        assert_eq!(s.earliest(P, t0 + secs(6)), t0 + secs(30));
        assert_eq!(s.reserve(P, t0 + secs(6)).send_at, t0 + secs(30));
        // Long after everything: no wait.
        let r = s.reserve(P, t0 + secs(100));
        assert_eq!((r.send_at, r.wait), (t0 + secs(100), Duration::ZERO));
        assert_eq!(r.seq, 4);
    }

    #[tokio::test(start_paused = true)]
    async fn mixed_workload_issued_at_once() {
        let pacer = Pacer::new(PacingLimits::default());
        let classes = [O, P, O, P, X, P, O, X, X];
        let sends = all_at_once(&pacer, &classes).await;
        // The records wait for their 30 s turns; everything else takes the free
        // seconds between them.
        let expected: Vec<Duration> = [0, 1, 2, 31, 3, 61, 4, 5, 6]
            .into_iter()
            .map(secs)
            .collect();
        assert_eq!(sends, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn mixed_workload_spread_out() {
        let pacer = Pacer::new(PacingLimits::default());
        // (arrival in ms, class, expected send in ms)
        let plan: [(u64, RequestClass, u64); 10] = [
            (0, O, 0),
            (500, P, 1_000),
            (5_000, O, 5_000),
            (10_000, P, 31_000), // 30 s after the previous record
            (31_200, O, 32_000), // only 1 s after a record, not 30
            (40_000, X, 40_000), // exempt: 9 s after a record is fine
            (40_200, P, 61_000), // 30 s after the last throttled record
            (70_000, O, 70_000), // no wait
            (75_000, X, 75_000), // no wait
            (95_000, P, 95_000), // over 30 s since the last record: no wait
        ];
        let t0 = Instant::now();
        let mut handles = Vec::new();
        for &(arrive, class, _) in &plan {
            let pacer = pacer.clone();
            handles.push(tokio::spawn(async move {
                tokio::time::sleep_until(t0 + ms(arrive)).await;
                let turn = pacer.wait_turn(class).await;
                (turn, Instant::now())
            }));
        }
        let mut sends = Vec::new();
        for (h, &(arrive, class, expected)) in handles.into_iter().zip(&plan) {
            let (turn, returned) = h.await.unwrap();
            assert_eq!(returned - t0, ms(expected), "arrived at {arrive} ms");
            assert_eq!(turn.send_at, returned);
            assert_eq!(turn.requested_at, t0 + ms(arrive));
            assert_eq!(turn.wait, ms(expected - arrive));
            sends.push((class, returned));
        }
        assert_limits(&sends, PacingLimits::default());
    }

    #[tokio::test(start_paused = true)]
    async fn many_concurrent_callers_each_get_the_earliest_free_turn() {
        let pacer = Pacer::new(PacingLimits::default());
        let classes: Vec<RequestClass> = (0..40)
            .map(|i| match i % 5 {
                0 => P,
                2 => X,
                _ => O,
            })
            .collect();
        let sends = all_at_once(&pacer, &classes).await;
        assert_eq!(sends.len(), 40);
        // Each at its earliest time: a record 30 s after the previous record's turn,
        // anything else in the first free second (all turns are whole seconds here).
        let mut expected = Vec::new();
        let mut taken = std::collections::BTreeSet::new();
        let mut last_record: Option<u64> = None;
        for &class in &classes {
            let mut at = match (class, last_record) {
                (P, Some(l)) => l + 30,
                _ => 0,
            };
            while taken.contains(&at) {
                at += 1;
            }
            taken.insert(at);
            if class == P {
                last_record = Some(at);
            }
            expected.push(secs(at));
        }
        assert_eq!(sends, expected);
    }

    /// The case of a lookup beside an extract: a full record waits for its 30 s turn;
    /// a demographics lookup, a search and another exempt record asked for meanwhile
    /// go in the free seconds before it, the record keeps its turn, and nothing is
    /// sent inside either rule. Each wait names its rule.
    #[tokio::test(start_paused = true)]
    async fn an_exempt_request_is_not_queued_behind_a_full_record() {
        let limits = PacingLimits::SYSTMONE.with_guard(ms(5));
        let pacer = Pacer::new(limits);
        let t0 = Instant::now();
        let first = pacer.wait_turn(P).await;
        assert_eq!((first.send_at, first.rule), (t0, None));
        pacer.sent(P, t0).await;
        // The extract's second record: 30 s (and the guard) after the first.
        let second = pacer.reserve(P).await;
        assert_eq!(second.send_at - t0, ms(30_005));
        assert_eq!(second.rule, Some(WaitRule::PatientRecord(ms(30_005))));
        assert_eq!(
            second.rule.unwrap().to_string(),
            "the 30 s full-record rule"
        );
        // Another terminal's lookup, 200 ms later: the 1 s rule only.
        tokio::time::advance(ms(200)).await;
        let lookup = pacer.reserve(X).await;
        assert_eq!(lookup.send_at - t0, ms(1005));
        assert_eq!(lookup.rule, Some(WaitRule::Interval(ms(1005))));
        assert_eq!(
            lookup.rule.unwrap().to_string(),
            "the 1 s rule between requests"
        );
        let search = pacer.reserve(O).await;
        assert_eq!(search.send_at - t0, ms(2010));
        // Asked for at 29.5 s: too close to the record's turn before it, so after it.
        tokio::time::sleep_until(t0 + ms(29_500)).await;
        let late = pacer.reserve(O).await;
        assert_eq!(late.send_at - t0, ms(31_010));
        // The record kept its turn.
        let third = pacer.reserve(P).await;
        assert_eq!(third.send_at - t0, ms(60_010));
        let sends = [
            (P, first.send_at),
            (P, second.send_at),
            (X, lookup.send_at),
            (O, search.send_at),
            (O, late.send_at),
            (P, third.send_at),
        ];
        assert_limits(&sends, limits);
    }

    /// The same across two processes sharing the pacing file: A's extract holds a
    /// record turn 30 s away; B's demographics lookup goes at the next free second.
    #[tokio::test(start_paused = true)]
    async fn another_process_lookup_is_not_queued_behind_a_full_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing");
        let clock = paused_wall_clock();
        let limits = PacingLimits::SYSTMONE.with_guard(ms(5));
        let process =
            || Pacer::shared(limits, PacingFile::at(&path, "a").with_clock(clock.clone()));
        let (a, b) = (process(), process());
        let t0 = Instant::now();
        let first = a.wait_turn(P).await;
        a.sent(P, first.send_at).await;
        let second = a.reserve(P).await;
        let at = second.send_at - t0;
        assert!(at >= ms(30_005) && at < ms(30_007), "{at:?}");
        tokio::time::advance(ms(100)).await;
        // B's command: GetFunctions (or not) and the lookup, each a second apart.
        let b_first = b.reserve(O).await;
        let at = b_first.send_at - t0;
        assert!(at >= ms(1005) && at < ms(1007), "{at:?}");
        let b_lookup = b.reserve(X).await;
        let at = b_lookup.send_at - t0;
        assert!(at >= ms(2010) && at < ms(2013), "{at:?}");
        // A's next record still keeps 30 s after its second.
        let third = a.reserve(P).await;
        let at = third.send_at - second.send_at;
        assert!(at >= ms(30_005) && at < ms(30_008), "{at:?}");
        assert_limits(
            &[
                (P, first.send_at),
                (P, second.send_at),
                (O, b_first.send_at),
                (X, b_lookup.send_at),
                (P, third.send_at),
            ],
            limits,
        );
    }

    #[tokio::test(start_paused = true)]
    async fn turns_count_from_when_a_request_was_actually_sent() {
        let limits = PacingLimits::SYSTMONE.with_guard(ms(5));
        assert_eq!(limits.min_interval, ms(1005));
        assert_eq!(limits.patient_record_interval, ms(30_005));
        let pacer = Pacer::new(limits);
        let start = Instant::now();
        // The first request's turn is at once, but its connect and write take 1.5 s.
        let first = pacer.wait_turn(RequestClass::PatientRecord).await;
        assert_eq!(first.send_at, start);
        tokio::time::advance(ms(1500)).await;
        pacer
            .sent(RequestClass::PatientRecord, Instant::now())
            .await;
        // The next turns count from the last byte written, plus the guard.
        let second = pacer.wait_turn(RequestClass::Ordinary).await;
        assert_eq!(second.send_at - start, ms(1500 + 1005));
        pacer.sent(RequestClass::Ordinary, second.send_at).await;
        let third = pacer.wait_turn(RequestClass::PatientRecord).await;
        assert_eq!(third.send_at - start, ms(1500 + 30_005));
        // Sent on time: the schedule is unchanged, the pace is the limit exactly.
        pacer.sent(RequestClass::PatientRecord, third.send_at).await;
        let fourth = pacer.wait_turn(RequestClass::Ordinary).await;
        assert_eq!(fourth.send_at - third.send_at, ms(1005));
        // A late stamp never moves the schedule back.
        pacer.sent(RequestClass::Ordinary, start).await;
        let fifth = pacer.wait_turn(RequestClass::Ordinary).await;
        assert_eq!(fifth.send_at - fourth.send_at, ms(1005));
    }

    #[tokio::test(start_paused = true)]
    async fn off_never_waits() {
        let pacer = Pacer::new(PacingLimits::off());
        let sends = all_at_once(&pacer, &[P, P, O, X, P, O, P]).await;
        assert!(sends.iter().all(|d| d.is_zero()), "{sends:?}");
        let t0 = Instant::now();
        for _ in 0..10 {
            let turn = pacer.wait_turn(P).await;
            assert_eq!(turn.wait, Duration::ZERO);
        }
        assert_eq!(Instant::now(), t0);
    }

    #[tokio::test(start_paused = true)]
    async fn custom_limits_are_honoured() {
        let limits = PacingLimits {
            min_interval: ms(250),
            patient_record_interval: secs(5),
        };
        let pacer = Pacer::new(limits);
        assert_eq!(pacer.limits(), limits);
        let sends = all_at_once(&pacer, &[P, O, P, X, O, P]).await;
        let expected: Vec<Duration> = [0, 250, 5_000, 500, 750, 10_000]
            .into_iter()
            .map(ms)
            .collect();
        assert_eq!(sends, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn wait_observer_sees_waits_only() {
        let pacer = Pacer::default();
        let mut seen = Vec::new();
        pacer.wait_turn_with(O, |r| seen.push(r.wait)).await;
        pacer.wait_turn_with(P, |r| seen.push(r.wait)).await;
        pacer.wait_turn_with(P, |r| seen.push(r.wait)).await;
        assert_eq!(seen, vec![secs(1), secs(30)]);
        // reserve() hands out the turn before any waiting.
        let turn = pacer.reserve(O).await;
        assert_eq!(turn.wait, secs(1));
        let before = Instant::now();
        turn.ready().await;
        assert_eq!(Instant::now() - before, secs(1));
    }

    /// A wall clock that follows tokio's (paused) clock, for two "processes".
    fn paused_wall_clock() -> crate::pacing_file::WallClock {
        let (base, base_wall) = (Instant::now(), SystemTime::now());
        Arc::new(move || base_wall + (Instant::now() - base))
    }

    #[tokio::test(start_paused = true)]
    async fn two_pacers_sharing_a_file_pace_together() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing");
        let clock = paused_wall_clock();
        let process = |addr: &str| {
            Pacer::shared(
                PacingLimits::default(),
                PacingFile::at(&path, addr).with_clock(clock.clone()),
            )
        };
        let (a, b) = (process("127.0.0.1:40700"), process("127.0.0.1:40700"));
        let t0 = Instant::now();
        // The file keeps whole milliseconds, rounded up: a turn taken from another
        // process's times may be up to 1 ms later than exact, never earlier.
        let at = |turn: Reservation, expected: Duration, what: &str| {
            let offset = turn.send_at - t0;
            assert!(
                offset >= expected && offset < expected + ms(2),
                "{what}: {offset:?}, expected {expected:?}"
            );
            turn
        };
        // `record N` in one process, then `record N` in another.
        let mut sends = Vec::new();
        let turn = at(a.wait_turn(O).await, secs(0), "A's first");
        sends.push((O, turn.send_at));
        let turn = at(a.wait_turn(P).await, secs(1), "A's record");
        sends.push((P, turn.send_at));
        let turn = at(
            b.wait_turn(O).await,
            secs(2),
            "B's first: 1 s after A's record",
        );
        sends.push((O, turn.send_at));
        let turn = at(b.wait_turn(P).await, secs(31), "B's record: 30 s after A's");
        sends.push((P, turn.send_at));
        // Exempt requests only wait the one-second gap, whoever sent last.
        let turn = at(a.wait_turn(X).await, secs(32), "A's exempt record");
        sends.push((X, turn.send_at));
        // Another address is paced on its own.
        let other = process("127.0.0.1:40701");
        assert_eq!(other.reserve(P).await.wait, Duration::ZERO);
        // Every send of the two processes, in order, keeps the limits.
        assert_limits(&sends, PacingLimits::default());
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_pacers_sharing_a_file_never_overlap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing");
        let clock = paused_wall_clock();
        let pacers: Vec<Pacer> = (0..4)
            .map(|_| {
                Pacer::shared(
                    PacingLimits::default(),
                    PacingFile::at(&path, "a").with_clock(clock.clone()),
                )
            })
            .collect();
        let classes = [P, O, P, X, O, P, X, O];
        let mut handles = Vec::new();
        for (i, class) in classes.into_iter().enumerate() {
            let pacer = pacers[i % pacers.len()].clone();
            handles.push(tokio::spawn(async move {
                tokio::time::sleep(ms(i as u64 * 10)).await;
                (class, pacer.wait_turn(class).await.send_at)
            }));
        }
        let mut sends = Vec::new();
        for h in handles {
            sends.push(h.await.unwrap());
        }
        sends.sort_by_key(|&(_, t)| t);
        assert_limits(&sends, PacingLimits::default());
    }

    /// Two processes: A's request is written 300 ms after its turn, after B has taken
    /// its turn from A's reserved time. B re-reads the pacing file before sending
    /// ([`Pacer::confirm`]) and sends a full interval after A's last byte.
    #[tokio::test(start_paused = true)]
    async fn a_late_send_in_another_process_delays_a_turn_taken_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing");
        let clock = paused_wall_clock();
        let limits = PacingLimits::SYSTMONE.with_guard(ms(5));
        let process =
            || Pacer::shared(limits, PacingFile::at(&path, "a").with_clock(clock.clone()));
        let (a, b) = (process(), process());
        let t0 = Instant::now();
        let a_turn = a.reserve(O).await;
        assert_eq!(a.confirm(&a_turn).await, Duration::ZERO);
        // B takes its turn while A is still connecting or writing.
        tokio::time::sleep(ms(100)).await;
        let b_turn = b.reserve(O).await;
        let from_reserved = b_turn.send_at - t0;
        assert!(
            from_reserved >= ms(1005) && from_reserved < ms(1007),
            "{from_reserved:?}"
        );
        // A's last byte goes out 300 ms after its turn.
        tokio::time::sleep_until(t0 + ms(300)).await;
        let a_sent = Instant::now();
        a.sent(O, a_sent).await;
        // Sent at its turn, B's request would arrive 705 ms after A's: throttled.
        assert!(b_turn.send_at - a_sent < limits.min_interval);
        let later = b.confirm(&b_turn).await;
        let b_sent = Instant::now();
        assert!(
            b_sent - a_sent >= limits.min_interval,
            "{:?}",
            b_sent - a_sent
        );
        assert!(b_sent - a_sent < limits.min_interval + ms(2));
        // The file keeps whole milliseconds: within one of 300 ms.
        assert!(later > ms(298) && later < ms(302), "{later:?}");
        // Without a late send, confirming costs nothing (but the file's rounding up to
        // whole milliseconds).
        b.sent(O, b_sent).await;
        let a_turn = a.reserve(O).await;
        assert!(a.confirm(&a_turn).await < ms(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_late_record_delays_the_next_record_turn_taken_before_it() {
        let mut schedule = PaceSchedule::new(PacingLimits::SYSTMONE);
        let t0 = Instant::now();
        let first = schedule.reserve(P, t0);
        let second = schedule.reserve(P, t0);
        assert_eq!(second.send_at - t0, secs(30));
        // The first record's last byte went out 2 s late.
        schedule.sent(P, first.send_at + secs(2));
        assert_eq!(schedule.confirmed(P, second.send_at) - t0, secs(32));
        // An exempt request only keeps the 1 s gap.
        assert_eq!(schedule.confirmed(X, t0 + secs(2)) - t0, secs(3));
    }

    /// Checking a turn that nothing has changed leaves the file as it is (each
    /// rewrite cost every request's turn milliseconds); taking a turn rewrites it.
    #[cfg(unix)]
    #[tokio::test]
    async fn confirming_an_unchanged_turn_does_not_rewrite_the_file() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing");
        let pacer = Pacer::shared(PacingLimits::SYSTMONE, PacingFile::at(&path, "a"));
        let identity = || {
            let m = std::fs::metadata(&path).unwrap();
            (m.ino(), std::fs::read_to_string(&path).unwrap())
        };
        let turn = pacer.reserve(O).await;
        let reserved = identity();
        assert_eq!(pacer.confirm(&turn).await, Duration::ZERO);
        assert_eq!(identity(), reserved, "confirm rewrote the file");
        pacer.sent(O, Instant::now()).await;
        assert_ne!(identity().0, reserved.0, "sent did not write the file");
    }

    /// Real clocks: while another process holds the pacing file's lock, the wait for
    /// it must not shift the other processes' times (read against a wall clock taken
    /// after the wait, they would seem that much earlier).
    #[tokio::test]
    async fn waiting_for_the_file_lock_does_not_make_a_turn_early() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing");
        let limits = PacingLimits::SYSTMONE.with_guard(ms(5));
        let (a, b) = (
            Pacer::shared(limits, PacingFile::at(&path, "a")),
            Pacer::shared(limits, PacingFile::at(&path, "a")),
        );
        let a_turn = a.reserve(O).await;
        let holder = PacingFile::at(&path, "a");
        let (locked_tx, locked_rx) = std::sync::mpsc::channel();
        let hold = std::thread::spawn(move || {
            let _guard = holder.lock().unwrap();
            locked_tx.send(()).unwrap();
            std::thread::sleep(ms(200));
        });
        locked_rx.recv().unwrap();
        let b_turn = b.reserve(O).await;
        hold.join().unwrap();
        let gap = b_turn.send_at - a_turn.send_at;
        assert!(gap >= limits.min_interval, "{gap:?}");
    }

    /// On one runtime thread (the test runtime is `current_thread`): while another
    /// holder has the pacing file's lock, a pacer waiting for it lets the other tasks
    /// run, the holder among them, and takes its turn once the lock is released (a
    /// pacer blocking the thread would starve the holder, give up after the lock's
    /// time limit and pace only within its process).
    #[tokio::test(start_paused = true)]
    async fn a_pacer_waiting_for_the_file_lock_lets_the_other_tasks_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing");
        let clock = paused_wall_clock();
        let file = || PacingFile::at(&path, "a").with_clock(clock.clone());
        let pacer = Pacer::shared(PacingLimits::default(), file());
        let t0 = Instant::now();
        let held = file().lock_async().await.unwrap();
        let holder = tokio::spawn(async move {
            tokio::time::sleep(ms(300)).await;
            drop(held);
        });
        let turn = pacer.reserve(O).await;
        let asked = turn.requested_at - t0;
        assert!(asked >= ms(300) && asked <= ms(305), "{asked:?}");
        assert_eq!(turn.wait, Duration::ZERO);
        holder.await.unwrap();
        // The turn went into the file: another process's next turn is an interval later.
        let next = Pacer::shared(PacingLimits::default(), file())
            .reserve(O)
            .await;
        let gap = next.send_at - turn.send_at;
        assert!(gap >= secs(1) && gap < secs(1) + ms(2), "{gap:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_damaged_file_makes_the_next_turn_wait_fully() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing");
        std::fs::write(&path, "not a pacing file").unwrap();
        let pacer = Pacer::shared(
            PacingLimits::default(),
            PacingFile::at(&path, "a").with_clock(paused_wall_clock()),
        );
        assert_eq!(pacer.reserve(P).await.wait, secs(30));
        // The file is valid again: later turns follow the usual rule.
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .starts_with("systmone-pacing 1")
        );
    }
}
