//! When a read is sent again, and how long a call may take in all.
//!
//! Each attempt of a read waits [`ClientConfig::response_timeout`] for its answer; a
//! transient failure (a lost or cut-off response, a broken connection, a temporary
//! error) is retried after a backoff, within the call's [`Budget`]
//! ([`ClientConfig::call_budget`]). Writes are never retried.
//!
//! [`ClientConfig::response_timeout`]: crate::ClientConfig::response_timeout
//! [`ClientConfig::call_budget`]: crate::ClientConfig::call_budget

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// The default wait for one response: SystmOne generally answers in under a second
/// (the interface document), a large record in a few seconds; past 30 s the response
/// is taken as lost and a read is sent again.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);

/// Retries of reads after temporary errors, transport failures and timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, including the first (1 = no retry).
    pub max_attempts: u32,
    /// The wait before the first retry; it doubles after each.
    pub initial_backoff: Duration,
    /// The longest wait between retries.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (after attempt `attempt`, from 1).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.initial_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff)
    }

    /// All the waits between attempts, when every attempt is made.
    pub fn total_backoff(&self) -> Duration {
        (1..self.max_attempts.max(1))
            .map(|a| self.backoff(a))
            .fold(Duration::ZERO, Duration::saturating_add)
    }
}

/// The time left to a call: a deadline that moves on by the waits for SystmOne's
/// throttle, which are the client's own choice, not SystmOne's slowness.
pub(crate) struct Budget {
    start: Instant,
    limit: Duration,
    /// Time spent waiting for pacing turns, in nanoseconds (added as they begin, so a
    /// deadline that falls inside a wait moves on).
    paced: AtomicU64,
}

impl Budget {
    pub(crate) fn new(limit: Duration) -> Self {
        Budget {
            start: Instant::now(),
            limit,
            paced: AtomicU64::new(0),
        }
    }

    /// The limit it was given.
    pub(crate) fn limit(&self) -> Duration {
        self.limit
    }

    /// Counts a wait for the throttle: the deadline moves on by it.
    pub(crate) fn add_pacing(&self, wait: Duration) {
        let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
        self.paced.fetch_add(nanos, Ordering::Relaxed);
    }

    /// When the call must have ended.
    pub(crate) fn deadline(&self) -> Instant {
        let paced = Duration::from_nanos(self.paced.load(Ordering::Relaxed));
        self.start + self.limit.saturating_add(paced)
    }

    /// The time left.
    pub(crate) fn remaining(&self) -> Duration {
        self.deadline().saturating_duration_since(Instant::now())
    }

    /// Runs `work` until it ends or the budget runs out (`None`), taking the pacing
    /// waits that begin meanwhile into account.
    pub(crate) async fn run<T>(&self, work: impl std::future::Future<Output = T>) -> Option<T> {
        tokio::pin!(work);
        loop {
            match tokio::time::timeout_at(self.deadline(), &mut work).await {
                Ok(done) => return Some(done),
                // The deadline moved on while a turn was awaited.
                Err(_) if Instant::now() < self.deadline() => {}
                Err(_) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_limit() {
        let policy = RetryPolicy {
            max_attempts: 6,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(5),
        };
        let waits: Vec<u64> = (1..6).map(|a| policy.backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 5, 5]);
        assert_eq!(policy.total_backoff(), Duration::from_secs(17));
        let once = RetryPolicy {
            max_attempts: 1,
            ..policy
        };
        assert_eq!(once.total_backoff(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_moves_on_by_the_pacing_waits() {
        let budget = Budget::new(Duration::from_secs(5));
        budget.add_pacing(Duration::from_secs(30));
        let started = Instant::now();
        let done = budget
            .run(tokio::time::sleep(Duration::from_secs(34)))
            .await;
        assert!(done.is_some());
        assert!(budget.run(std::future::pending::<()>()).await.is_none());
        assert_eq!(started.elapsed(), Duration::from_secs(35));
    }
}
