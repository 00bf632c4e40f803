//! The run summary: counts per function, errors, drift (paths and counts only: no
//! patient data), written as `summary.json` beside the recording.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Counts for one function and version (key `"GetPatientRecord 1.0"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionCounts {
    /// Requests forwarded.
    pub requests: u64,
    /// Responses forwarded (error responses included).
    pub responses: u64,
    /// Responses that were SystmOne's error form.
    pub error_responses: u64,
    /// Requests that had no response when the connection closed.
    pub unanswered: u64,
    /// Responses whose tolerant reading reported drift.
    pub drifted: u64,
}

/// What went wrong beside the exchanges themselves. None of these changes what either
/// side sees: the bytes are forwarded regardless.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorCounts {
    /// Connections whose upstream could not be reached (the integration's connection
    /// was closed, as SystmOne's absence would).
    pub upstream_connect: u64,
    /// Streams the codec could not frame (forwarded, no longer recorded).
    pub framing: u64,
    /// Responses the bindings could not read even tolerantly.
    pub unreadable_responses: u64,
    /// Responses that matched no request forwarded on their connection.
    pub unmatched_responses: u64,
    /// Documents not written because they could not be masked.
    pub unmaskable: u64,
    /// Files that could not be written.
    pub recording: u64,
    /// Documents not observed because the recorder fell behind.
    pub recorder_overflow: u64,
    /// Connections that spoke another protocol (HTTP, TLS): closed, nothing forwarded.
    #[serde(default)]
    pub foreign_protocol: u64,
}

/// One drift path: what the bindings did not expect, and how often.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftCount {
    /// The kind of departure (`unknown element`, ...).
    pub kind: String,
    /// Occurrences over all responses.
    pub count: u64,
    /// Responses in which it was seen.
    pub responses: u64,
}

/// The summary of a proxy run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Connections accepted.
    pub connections: u64,
    /// Requests forwarded (each an exchange of the recording).
    pub exchanges: u64,
    /// Per function and version.
    pub functions: BTreeMap<String, FunctionCounts>,
    /// Errors.
    pub errors: ErrorCounts,
    /// Drift by path (`Response/Demographics/Pronouns`), with its kind.
    pub drift: BTreeMap<String, DriftCount>,
    /// Whether the recording was masked.
    pub masked: bool,
}

impl Summary {
    /// Counts for a function, created on first use.
    pub fn function(&mut self, function: &str, version: &str) -> &mut FunctionCounts {
        self.functions
            .entry(format!("{function} {version}"))
            .or_default()
    }

    /// Adds one response's drift report.
    pub fn add_drift(&mut self, drift: &systmone_core::Drift) {
        for item in drift.items() {
            let entry = self.drift.entry(item.path.clone()).or_default();
            entry.kind = item.kind.describe().to_string();
            entry.count += item.count;
            entry.responses += 1;
        }
    }

    /// A few lines for a person: totals, then each drift path.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{} connections, {} exchanges{}\n",
            self.connections,
            self.exchanges,
            if self.masked { " (masked)" } else { "" }
        );
        for (function, c) in &self.functions {
            out.push_str(&format!(
                "  {function}: {} requests, {} responses ({} errors), {} unanswered, {} with drift\n",
                c.requests, c.responses, c.error_responses, c.unanswered, c.drifted
            ));
        }
        let e = &self.errors;
        let errors = e.upstream_connect
            + e.framing
            + e.unreadable_responses
            + e.unmatched_responses
            + e.unmaskable
            + e.recording
            + e.recorder_overflow
            + e.foreign_protocol;
        if errors > 0 {
            out.push_str(&format!("errors: {e:?}\n"));
        }
        if self.drift.is_empty() {
            out.push_str("no drift\n");
        } else {
            out.push_str("drift:\n");
            for (path, d) in &self.drift {
                out.push_str(&format!(
                    "  {path}: {} ({} times in {} responses)\n",
                    d.kind, d.count, d.responses
                ));
            }
        }
        out
    }
}
