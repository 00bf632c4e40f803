//! What people see while the command waits: pacing waits and a live line while a
//! reply is awaited, so no wait is ever silent.

use std::future::Future;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A reply slower than this gets a live line.
pub const LIVE_AFTER: Duration = Duration::from_secs(3);

/// Without a terminal (logs, CI), the line is repeated this often.
const PLAIN_EVERY: Duration = Duration::from_secs(15);

/// Until when the current request is held back by pacing: the wait for a reply
/// is counted from there, not from the call. Set by the pacing observer; one
/// client per process, so one value.
static PACING_UNTIL: Mutex<Option<Instant>> = Mutex::new(None);

/// Records that pacing holds the next request back for `wait`.
pub fn note_pacing_wait(wait: Duration) {
    *PACING_UNTIL.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now() + wait);
}

/// Whether the request awaited is a first one, waiting for SystmOne's user to approve
/// this device (then the live line says so, not that the throttle may be the cause).
static APPROVAL_PENDING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether pacing is off: only then can a request of ours be inside SystmOne's
/// throttle, and a slow answer be the throttle's silence.
static PACING_OFF: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Records whether pacing is off (`--pacing off`).
pub fn note_pacing_off(off: bool) {
    PACING_OFF.store(off, std::sync::atomic::Ordering::Relaxed);
}

/// Records that the request awaited waits for the device's approval.
pub fn note_approval_wait() {
    APPROVAL_PENDING.store(true, std::sync::atomic::Ordering::Relaxed);
}

fn pacing_until() -> Option<Instant> {
    *PACING_UNTIL.lock().unwrap_or_else(|e| e.into_inner())
}

/// The live line's text after `waited`.
pub fn waiting_text(waited: Duration) -> String {
    if APPROVAL_PENDING.load(std::sync::atomic::Ordering::Relaxed) {
        return format!(
            "waiting for this device's approval in SystmOne... {} s",
            waited.as_secs()
        );
    }
    if PACING_OFF.load(std::sync::atomic::Ordering::Relaxed) {
        return format!(
            "waiting for SystmOne... {} s; a request sent inside its throttle gets no answer",
            waited.as_secs()
        );
    }
    format!("waiting for SystmOne... {} s", waited.as_secs())
}

/// Runs `call` (one request and its reply); when the reply takes longer than
/// [`LIVE_AFTER`] after the request's send, shows "waiting for SystmOne... N s" on
/// stderr: redrawn every second on a terminal, repeated every 15 s otherwise.
pub async fn with_wait_line<T>(quiet: bool, call: impl Future<Output = T>) -> T {
    if quiet {
        return call.await;
    }
    *PACING_UNTIL.lock().unwrap_or_else(|e| e.into_inner()) = None;
    APPROVAL_PENDING.store(false, std::sync::atomic::Ordering::Relaxed);
    let started = Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let mut shown: Option<indicatif::ProgressBar> = None;
    let mut last_plain: Option<Instant> = None;
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tokio::pin!(call);
    let result = loop {
        tokio::select! {
            result = &mut call => break result,
            _ = ticker.tick() => {
                let now = Instant::now();
                let sent = pacing_until().map_or(started, |p| p.max(started));
                let Some(waited) = now.checked_duration_since(sent) else { continue };
                if waited < LIVE_AFTER {
                    continue;
                }
                if terminal {
                    let bar = shown.get_or_insert_with(|| {
                        let bar = indicatif::ProgressBar::new_spinner();
                        bar.enable_steady_tick(Duration::from_millis(250));
                        bar
                    });
                    bar.set_message(waiting_text(waited));
                } else if last_plain.is_none_or(|l| now - l >= PLAIN_EVERY) {
                    last_plain = Some(now);
                    eprintln!("{}", waiting_text(waited));
                }
            }
        }
    };
    if let Some(bar) = shown {
        bar.finish_and_clear();
    }
    result
}

/// Long work (extract, conformance) shares this style: a bar redrawn every second on
/// a terminal, a line per item otherwise, and an ETA that counts the throttle.
///
/// The estimate for `remaining` items: each takes the longer of the throttle's
/// interval and the average so far.
pub fn eta(remaining: u64, interval: Duration, elapsed: Duration, done: u64) -> Duration {
    let average = if done == 0 {
        Duration::ZERO
    } else {
        elapsed / u32::try_from(done).unwrap_or(u32::MAX)
    };
    interval.max(average) * u32::try_from(remaining).unwrap_or(u32::MAX)
}

/// A duration for people: 42s, 1m 01s, 2h 05m.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_counts_the_throttle() {
        let s = Duration::from_secs;
        // Fast answers: the 30 s throttle sets the pace.
        assert_eq!(eta(3, s(30), s(2), 2), s(90));
        // Slower than the throttle: the average does.
        assert_eq!(eta(2, s(1), s(20), 2), s(20));
        assert_eq!(human(s(61)), "1m 01s");
    }
}
