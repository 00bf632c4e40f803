//! Open connections: what each is doing (waiting for a request, receiving one, being
//! answered), the deadline that follows from it, and which to close when the limit
//! of open connections is reached, so that a slow or idle peer never keeps a real
//! client out.
//!
//! Deadlines count progress, not time since the last request: a connection that
//! waits for its next request may do so for the idle timeout; once a request has
//! started it must be complete within the request timeout, extended by the time its
//! bytes take at the minimum rate (so a large request sent at a reasonable speed is
//! never cut, and a peer sending a byte a second is closed after the request
//! timeout). When a new connection arrives at the limit, the connection idle the
//! longest is closed to make room; failing that, the one receiving a request slowest
//! (below the minimum rate, for half a second or more); a connection being answered is
//! never closed. Only when every connection is busy or sending briskly is the new
//! one refused.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::state::lock;

/// The deadlines of a connection (from [`crate::SimConfig`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadlines {
    /// Waiting for a request.
    pub idle: Duration,
    /// A request started and not complete.
    pub request: Duration,
    /// Bytes a second a request is allowed at the least, beyond `request`.
    pub min_rate: u64,
}

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Waiting for its next request (nothing of it received) since then.
    Idle { since: Instant },
    /// Receiving a request: its first bytes came at `since`, `bytes` so far.
    Receiving { since: Instant, bytes: u64 },
    /// A request is being answered (parsing, the user's approval, the response).
    Busy,
}

impl Phase {
    /// When the connection is closed if nothing changes (`None`: never).
    pub fn deadline(self, d: &Deadlines) -> Option<Instant> {
        match self {
            Phase::Idle { since } => Some(since + d.idle),
            Phase::Receiving { since, bytes } => {
                let allowance = Duration::from_secs_f64(bytes as f64 / d.min_rate.max(1) as f64);
                Some(since + d.request + allowance)
            }
            Phase::Busy => None,
        }
    }
}

/// One open connection, shared by its task, its stream and the registry.
#[derive(Debug)]
pub(crate) struct Slot {
    phase: Mutex<Phase>,
    /// Set when the registry closes it to make room.
    closed: Notify,
    /// Set when its deadline may have moved earlier (a request started).
    started: Notify,
}

impl Slot {
    pub fn phase(&self) -> Phase {
        *lock(&self.phase)
    }

    pub fn set(&self, phase: Phase) {
        *lock(&self.phase) = phase;
    }

    /// `n` bytes arrived.
    fn received(&self, n: usize, now: Instant) {
        let mut phase = lock(&self.phase);
        *phase = match *phase {
            Phase::Idle { .. } => {
                self.started.notify_one();
                Phase::Receiving {
                    since: now,
                    bytes: n as u64,
                }
            }
            Phase::Receiving { since, bytes } => Phase::Receiving {
                since,
                bytes: bytes + n as u64,
            },
            Phase::Busy => Phase::Busy,
        };
    }

    /// Resolves when the registry closed this connection to make room.
    pub async fn closed(&self) {
        self.closed.notified().await
    }

    /// Resolves when the deadline of the connection's phase has passed (re-read
    /// each time it would pass, since progress moves it later, and when a request
    /// starts, which moves it earlier).
    pub async fn expired(&self, deadlines: &Deadlines) {
        loop {
            match self.phase().deadline(deadlines) {
                Some(at) if at <= Instant::now() => return,
                Some(at) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(at) => {}
                        _ = self.started.notified() => {}
                    }
                }
                // Busy: the connection's task changes the phase before it waits again.
                None => std::future::pending::<()>().await,
            }
        }
    }
}

/// The open connections.
#[derive(Debug)]
pub(crate) struct Registry {
    slots: Mutex<HashMap<u64, Arc<Slot>>>,
    next: AtomicU64,
    limit: usize,
    min_rate: u64,
}

/// What to do with a new connection.
#[derive(Debug)]
pub(crate) enum Admission {
    /// Serve it (its slot, and a guard that removes it when dropped).
    Serve(Arc<Slot>, SlotGuard),
    /// The limit is reached by connections that are all busy or sending briskly.
    Refuse,
}

/// Removes a connection from the registry when its task ends.
#[derive(Debug)]
pub(crate) struct SlotGuard {
    registry: Arc<Registry>,
    id: u64,
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        lock(&self.registry.slots).remove(&self.id);
    }
}

impl Registry {
    pub fn new(limit: usize, min_rate: u64) -> Self {
        Registry {
            slots: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            limit,
            min_rate,
        }
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        lock(&self.slots).len()
    }

    /// A new connection: served, after closing one to make room if the limit is
    /// reached ([`choose_to_close`]), or refused.
    pub fn admit(self: &Arc<Self>, now: Instant) -> Admission {
        let mut slots = lock(&self.slots);
        if slots.len() >= self.limit {
            let phases: Vec<(u64, Phase)> = slots.iter().map(|(id, s)| (*id, s.phase())).collect();
            match choose_to_close(&phases, now, self.min_rate) {
                Some(id) => {
                    if let Some(slot) = slots.remove(&id) {
                        slot.closed.notify_one();
                    }
                }
                None => return Admission::Refuse,
            }
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let slot = Arc::new(Slot {
            phase: Mutex::new(Phase::Idle { since: now }),
            closed: Notify::new(),
            started: Notify::new(),
        });
        slots.insert(id, slot.clone());
        Admission::Serve(
            slot,
            SlotGuard {
                registry: self.clone(),
                id,
            },
        )
    }
}

/// How long a request is watched before its rate counts against it.
const RATE_OBSERVED: Duration = Duration::from_millis(500);

/// Which connection to close for a new one: the one idle the longest; else the one
/// receiving its request slowest, if that is below `min_rate` after at least
/// [`RATE_OBSERVED`]; else none. Ties go to the oldest (lowest id).
pub(crate) fn choose_to_close(phases: &[(u64, Phase)], now: Instant, min_rate: u64) -> Option<u64> {
    let idle = phases
        .iter()
        .filter_map(|&(id, p)| match p {
            Phase::Idle { since } => Some((since, id)),
            _ => None,
        })
        .min();
    if let Some((_, id)) = idle {
        return Some(id);
    }
    phases
        .iter()
        .filter_map(|&(id, p)| match p {
            Phase::Receiving { since, bytes } => {
                let elapsed = now.saturating_duration_since(since);
                let rate = bytes as f64 / elapsed.as_secs_f64().max(f64::MIN_POSITIVE);
                (elapsed >= RATE_OBSERVED && rate < min_rate as f64).then_some((rate, id))
            }
            _ => None,
        })
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
        .map(|(_, id)| id)
}

/// A connection's stream, telling its slot when bytes arrive.
#[derive(Debug)]
pub(crate) struct Tracked<S> {
    inner: S,
    slot: Arc<Slot>,
}

impl<S> Tracked<S> {
    pub fn new(inner: S, slot: Arc<Slot>) -> Self {
        Tracked { inner, slot }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        if n > 0 {
            self.slot.received(n, Instant::now());
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: Deadlines = Deadlines {
        idle: Duration::from_secs(300),
        request: Duration::from_secs(10),
        min_rate: 1000,
    };

    #[test]
    fn deadlines_follow_progress() {
        let t = Instant::now();
        assert_eq!(Phase::Idle { since: t }.deadline(&D), Some(t + D.idle));
        // A byte a second: the request timeout, hardly extended.
        let slow = Phase::Receiving {
            since: t,
            bytes: 10,
        };
        assert_eq!(slow.deadline(&D), Some(t + Duration::from_millis(10_010)));
        // A large request at the minimum rate has the time its bytes take.
        let large = Phase::Receiving {
            since: t,
            bytes: 1_000_000,
        };
        assert_eq!(large.deadline(&D), Some(t + Duration::from_secs(1010)));
        assert_eq!(Phase::Busy.deadline(&D), None);
    }

    #[test]
    fn the_longest_idle_then_the_slowest_is_closed_never_a_busy_one() {
        let t0 = Instant::now();
        let now = t0 + Duration::from_secs(5);
        let receiving = |id, since_s: u64, bytes| {
            (
                id,
                Phase::Receiving {
                    since: t0 + Duration::from_secs(since_s),
                    bytes,
                },
            )
        };
        let idle = |id, since_s: u64| {
            (
                id,
                Phase::Idle {
                    since: t0 + Duration::from_secs(since_s),
                },
            )
        };
        // Idle ones first, the longest idle.
        let phases = [receiving(1, 0, 5), idle(2, 3), idle(3, 1), (4, Phase::Busy)];
        assert_eq!(choose_to_close(&phases, now, 1000), Some(3));
        // Then the slowest receiving one (5 bytes in 5 s rather than 10).
        let phases = [receiving(1, 0, 10), receiving(2, 0, 5), (3, Phase::Busy)];
        assert_eq!(choose_to_close(&phases, now, 1000), Some(2));
        // Not one that just started, nor one sending at the minimum rate or above.
        let phases = [receiving(1, 5, 1), receiving(2, 0, 6000), (3, Phase::Busy)];
        assert_eq!(choose_to_close(&phases, now, 1000), None);
        assert_eq!(choose_to_close(&[(1, Phase::Busy)], now, 1000), None);
    }

    #[test]
    fn the_registry_makes_room_by_closing_one() {
        let registry = Arc::new(Registry::new(2, 1000));
        let t = Instant::now();
        let Admission::Serve(first, _g1) = registry.admit(t) else {
            panic!("room")
        };
        let Admission::Serve(second, _g2) = registry.admit(t + Duration::from_secs(1)) else {
            panic!("room")
        };
        second.set(Phase::Busy);
        // Full: the idle one goes.
        let Admission::Serve(third, g3) = registry.admit(t + Duration::from_secs(2)) else {
            panic!("the idle one makes room")
        };
        assert_eq!(registry.open(), 2);
        let closed = first.closed();
        assert!(
            futures::FutureExt::now_or_never(closed).is_some(),
            "told to close"
        );
        third.set(Phase::Busy);
        assert!(matches!(registry.admit(t), Admission::Refuse), "all busy");
        drop(g3);
        assert_eq!(registry.open(), 1);
    }
}
