//! Fault injection: `--fault SPEC`.
//!
//! Syntax: `KIND@N` (the Nth request the simulator processes, counting from 1) or
//! `KIND%P` (each request with probability P, drawn from a generator seeded with the
//! simulator's seed). KIND is one of:
//!
//! - `drop`: the request is swallowed: not processed, no response;
//! - `drop-after-write`: the request is processed (a write is applied) and the
//!   response is dropped;
//! - `close-mid`: the request is processed and the connection is closed half-way
//!   through writing the response;
//! - `delay=DURATION`: the response is sent after DURATION (`500ms`, `2s`, `1m`);
//! - `temporary`: the request is not processed and a temporary error
//!   (`PermanentError` false) is returned.
//!
//! Examples: `drop@3`, `drop-after-write@2`, `close-mid@5`, `delay=2s@4`,
//! `temporary@1`, `drop%0.1`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    /// `drop`: the request is swallowed: not processed, no response.
    Drop,
    /// `drop-after-write`: the request is processed (a write is applied) and its response
    /// dropped: the caller cannot know the outcome.
    DropAfterWrite,
    /// `close-mid`: the request is processed and the connection closed half-way through
    /// writing the response.
    CloseMid,
    /// `delay=DURATION`: the response is sent after this long.
    Delay(Duration),
    /// `temporary`: the request is not processed and a temporary error (`PermanentError`
    /// false) is returned.
    Temporary,
}

/// When a fault fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// On the Nth processed request (1-based).
    Nth(u64),
    /// On each request with this probability.
    Probability(f64),
}

/// One fault: what and when.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultSpec {
    /// What the fault does.
    pub kind: FaultKind,
    /// Which requests it hits.
    pub trigger: Trigger,
}

/// A fault spec that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault spec {spec:?}: {reason}")]
pub struct FaultSpecError {
    /// The text that was given.
    pub spec: String,
    /// What is wrong with it.
    pub reason: String,
}

fn parse_duration(text: &str) -> Option<Duration> {
    let (num, unit) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = num.parse().ok()?;
    (value.is_finite() && value >= 0.0).then(|| Duration::from_secs_f64(value * unit))
}

impl FromStr for FaultSpec {
    type Err = FaultSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| FaultSpecError {
            spec: spec.to_string(),
            reason: reason.to_string(),
        };
        let (kind_text, trigger) = if let Some((k, n)) = spec.split_once('@') {
            let n: u64 = n
                .parse()
                .map_err(|_| err("expected a request number after @"))?;
            if n == 0 {
                return Err(err("requests are counted from 1"));
            }
            (k, Trigger::Nth(n))
        } else if let Some((k, p)) = spec.split_once('%') {
            let p: f64 = p
                .parse()
                .map_err(|_| err("expected a probability after %"))?;
            if !(0.0..=1.0).contains(&p) {
                return Err(err("the probability must be between 0 and 1"));
            }
            (k, Trigger::Probability(p))
        } else {
            return Err(err("expected KIND@N or KIND%P"));
        };
        let kind = match kind_text {
            "drop" => FaultKind::Drop,
            "drop-after-write" => FaultKind::DropAfterWrite,
            "close-mid" => FaultKind::CloseMid,
            "temporary" => FaultKind::Temporary,
            other => match other.strip_prefix("delay=") {
                Some(d) => FaultKind::Delay(
                    parse_duration(d).ok_or_else(|| err("expected a duration like 2s or 500ms"))?,
                ),
                None => {
                    return Err(err(
                        "unknown kind (drop, drop-after-write, close-mid, delay=D, temporary)",
                    ));
                }
            },
        };
        Ok(FaultSpec { kind, trigger })
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            FaultKind::Drop => f.write_str("drop")?,
            FaultKind::DropAfterWrite => f.write_str("drop-after-write")?,
            FaultKind::CloseMid => f.write_str("close-mid")?,
            FaultKind::Temporary => f.write_str("temporary")?,
            FaultKind::Delay(d) => write!(f, "delay={}ms", d.as_millis())?,
        }
        match self.trigger {
            Trigger::Nth(n) => write!(f, "@{n}"),
            Trigger::Probability(p) => write!(f, "%{p}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let f: FaultSpec = "delay=2s@4".parse().unwrap();
        assert_eq!(f.kind, FaultKind::Delay(Duration::from_secs(2)));
        assert_eq!(f.trigger, Trigger::Nth(4));
        let f: FaultSpec = "drop%0.1".parse().unwrap();
        assert_eq!(f.trigger, Trigger::Probability(0.1));
        assert_eq!(
            "drop-after-write@2".parse::<FaultSpec>().unwrap().kind,
            FaultKind::DropAfterWrite
        );
        assert_eq!(
            "delay=500ms@1".parse::<FaultSpec>().unwrap().kind,
            FaultKind::Delay(Duration::from_millis(500))
        );
        assert!("drop@0".parse::<FaultSpec>().is_err());
        assert!("explode@1".parse::<FaultSpec>().is_err());
        assert!("drop%2".parse::<FaultSpec>().is_err());
        assert!("drop".parse::<FaultSpec>().is_err());
    }
}
