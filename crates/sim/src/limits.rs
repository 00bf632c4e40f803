//! The simulator's resource limits on reading requests: the bytes of unfinished
//! requests all connections hold together ([`BufferBudget`]), and the request codec
//! each connection reads through, which accounts its buffer (its allocation, which
//! grows by doubling, not only what it holds) against that budget
//! ([`BudgetedCodec`]). The size and depth of one request are the transport codec's
//! limits.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::BytesMut;
use systmone_transport::codec::{Frame, FrameError, XmlDocumentCodec, XmlRequestCodec};
use tokio_util::codec::{Decoder, Encoder};

/// Bytes of unfinished requests held by all connections together, against a limit.
#[derive(Debug)]
pub(crate) struct BufferBudget {
    limit: usize,
    used: AtomicUsize,
}

impl BufferBudget {
    pub fn new(limit: usize) -> Self {
        BufferBudget {
            limit,
            used: AtomicUsize::new(0),
        }
    }

    /// Bytes held now, by all connections.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Counts `bytes` of a complete request being answered until the guard is
    /// dropped: a request does not stop counting when its last byte arrives, so the
    /// limit holds for what is being parsed too (the share is taken even over the
    /// limit: the bytes are already here; other connections' growth is refused).
    pub fn hold(self: &Arc<Self>, bytes: usize) -> Held {
        self.used.fetch_add(bytes, Ordering::Relaxed);
        Held {
            budget: self.clone(),
            bytes,
        }
    }

    /// Moves one connection's share from `*held` to `now` bytes. Growing over the
    /// limit is refused (`Err(the total it would have been)`, the share unchanged);
    /// shrinking always succeeds.
    fn resize(&self, held: &mut usize, now: usize) -> Result<(), usize> {
        if now <= *held {
            self.used.fetch_sub(*held - now, Ordering::Relaxed);
            *held = now;
            return Ok(());
        }
        let grow = now - *held;
        let total = self.used.fetch_add(grow, Ordering::Relaxed) + grow;
        if total > self.limit {
            self.used.fetch_sub(grow, Ordering::Relaxed);
            return Err(total);
        }
        *held = now;
        Ok(())
    }
}

/// A complete request's bytes, counted against the budget while it is answered.
#[derive(Debug)]
pub(crate) struct Held {
    budget: Arc<BufferBudget>,
    bytes: usize,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

/// Why a connection's requests can no longer be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    /// The request cannot be framed (too large, too deep) or the stream failed.
    #[error("{0}")]
    Frame(#[from] FrameError),
    /// Growing this connection's buffer would take all connections together over
    /// their limit.
    #[error(
        "the simulator would hold {total} bytes of unfinished requests, over its limit of \
         {limit} bytes for all connections together"
    )]
    Busy { total: usize, limit: usize },
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Frame(FrameError::Io(e))
    }
}

/// The transport's request codec (server mode: garbage is an item, the connection
/// stays usable), with the connection's buffer accounted against the budget of all
/// connections. Its share is given back when it is dropped with its connection.
#[derive(Debug)]
pub(crate) struct BudgetedCodec {
    requests: XmlRequestCodec,
    budget: Arc<BufferBudget>,
    held: usize,
}

impl BudgetedCodec {
    /// Requests up to `max_request_bytes` each (`<EOF>` terminators accepted, ERRATA
    /// E24; nesting up to the core readers' depth limit).
    pub fn new(max_request_bytes: usize, budget: Arc<BufferBudget>) -> Self {
        let documents = XmlDocumentCodec::new()
            .max_document_size(max_request_bytes)
            .max_depth(systmone_core::xml::MAX_DEPTH)
            .accept_eof_marker(true);
        BudgetedCodec {
            requests: XmlRequestCodec::new(documents),
            budget,
            held: 0,
        }
    }

    /// Whether a request (or a bad line) has started and is not yet complete.
    pub fn in_frame(&self) -> bool {
        self.requests.in_frame()
    }

    fn account(&mut self, now: usize) -> Result<(), ReadError> {
        self.budget
            .resize(&mut self.held, now)
            .map_err(|total| ReadError::Busy {
                total,
                limit: self.budget.limit,
            })
    }
}

impl Drop for BudgetedCodec {
    fn drop(&mut self) {
        let _ = self.budget.resize(&mut self.held, 0);
    }
}

impl Decoder for BudgetedCodec {
    type Item = Frame;
    type Error = ReadError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, ReadError> {
        self.account(held(buf))?;
        let frame = self.requests.decode(buf)?;
        self.account(held(buf))?;
        Ok(frame)
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, ReadError> {
        self.account(held(buf))?;
        let frame = self.requests.decode_eof(buf)?;
        self.account(held(buf))?;
        Ok(frame)
    }
}

/// What a connection's buffer holds: its allocation (which grows by doubling), or
/// nothing once empty (the allocation then belongs to the request cut from it, which
/// is counted while it is answered, [`BufferBudget::hold`]).
fn held(buf: &BytesMut) -> usize {
    if buf.is_empty() { 0 } else { buf.capacity() }
}

impl Encoder<&str> for BudgetedCodec {
    type Error = std::io::Error;

    /// A response and its `\n`.
    fn encode(&mut self, xml: &str, dst: &mut BytesMut) -> Result<(), std::io::Error> {
        self.requests
            .encode(xml, dst)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_refuses_growth_over_the_limit_and_takes_shares_back() {
        let budget = Arc::new(BufferBudget::new(100));
        let mut a = BudgetedCodec::new(1000, budget.clone());
        let mut b = BudgetedCodec::new(1000, budget.clone());
        let mut buf_a = BytesMut::from(&[b'<'; 1][..]);
        buf_a.extend_from_slice(&[b'a'; 59]);
        assert!(a.decode(&mut buf_a).unwrap().is_none());
        assert_eq!(budget.used(), 60);
        let mut buf_b = BytesMut::from(&b"<b>"[..]);
        buf_b.extend_from_slice(&[b'x'; 50]);
        match b.decode(&mut buf_b) {
            Err(ReadError::Busy { total, limit }) => assert_eq!((total, limit), (113, 100)),
            other => panic!("expected Busy, got {other:?}"),
        }
        assert_eq!(budget.used(), 60, "a refused share is not kept");
        drop(a);
        assert_eq!(budget.used(), 0);
        // A complete request leaves the buffer: its bytes are given back, unless
        // held while it is answered.
        let mut buf = BytesMut::from(&b"<b/>\n"[..]);
        assert!(matches!(b.decode(&mut buf), Ok(Some(Frame::Document(_)))));
        assert_eq!(budget.used(), 0);
        let held = budget.hold(95);
        let mut buf_c = BytesMut::from(&b"<c>"[..]);
        buf_c.extend_from_slice(&[b'x'; 10]);
        assert!(matches!(b.decode(&mut buf_c), Err(ReadError::Busy { .. })));
        drop(held);
        assert_eq!(budget.used(), 0);
    }
}
