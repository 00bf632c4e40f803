//! The opt-in audit log: one JSON line per request and response.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;

/// How much of each message the audit log keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuditDetail {
    /// Times, function, UIDs, outcome and duration only: no patient data.
    #[default]
    Redacted,
    /// Also the request and response XML (patient data). The API key is always
    /// redacted.
    FullPayloads,
}

/// An append-only JSON-lines file, flushed after every line.
pub struct AuditLog {
    file: Mutex<File>,
    detail: AuditDetail,
}

/// One line of the audit log.
#[derive(Debug, Serialize)]
pub struct AuditRecord<'a> {
    /// When the call ended, local time (`2026-11-25T20:00:00.000`).
    pub time: String,
    /// The function name as sent.
    pub function: &'a str,
    /// The function version.
    pub version: &'a str,
    /// The request's RequestUID.
    pub request_uid: &'a str,
    /// The response's ResponseUID, when one arrived.
    pub response_uid: Option<&'a str>,
    /// `success`, or a short word for the error (`timeout`, `outcome-unknown`, ...).
    pub outcome: &'a str,
    /// How long the call took, in milliseconds.
    pub duration_ms: u128,
    /// The request document; written only with [`AuditDetail::FullPayloads`], and
    /// always with the API key redacted.
    #[serde(skip)]
    pub request: Option<&'a str>,
    /// The response document; written only with [`AuditDetail::FullPayloads`].
    #[serde(skip)]
    pub response: Option<&'a str>,
}

/// A record as written: the payloads only when asked for.
#[derive(Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    record: &'a AuditRecord<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<&'a str>,
}

impl AuditLog {
    /// Opens (creating if needed) `path` for appending.
    pub fn open(path: &Path, detail: AuditDetail) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(AuditLog {
            file: Mutex::new(file),
            detail,
        })
    }

    /// How much of each message this log keeps.
    pub fn detail(&self) -> AuditDetail {
        self.detail
    }

    /// Appends one record. Payloads are kept only with [`AuditDetail::FullPayloads`].
    pub fn write(&self, record: AuditRecord<'_>) {
        let full = self.detail == AuditDetail::FullPayloads;
        let line = Line {
            record: &record,
            request: record.request.filter(|_| full).map(redact_api_key),
            response: record.response.filter(|_| full),
        };
        let Ok(mut line) = serde_json::to_string(&line) else {
            return;
        };
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        // An audit failure must not fail the call; it is reported in the log instead.
        if let Err(e) = file.write_all(line.as_bytes()).and_then(|()| file.flush()) {
            tracing::warn!(error = %e, "cannot write the audit log");
        }
    }
}

/// The text of every `APIKey` element replaced by `[redacted]` (the simulator's journal
/// and the proxy's recordings use the same function, so the three agree).
pub use systmone_core::envelope::redact_api_key;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_is_redacted() {
        let xml = "<ClientIntegrationRequest><APIKey>f31e26725b5491f2</APIKey><DeviceID></DeviceID></ClientIntegrationRequest>";
        let redacted = redact_api_key(xml);
        assert!(!redacted.contains("f31e"));
        assert!(redacted.contains("<APIKey>[redacted]</APIKey>"));
        // Also with attributes, spaces or a second key (the old audit form missed them).
        let odd = "<R><APIKey a='1'>k1</APIKey><APIKey >k2</APIKey></R>";
        assert_eq!(
            redact_api_key(odd),
            "<R><APIKey a='1'>[redacted]</APIKey><APIKey >[redacted]</APIKey></R>"
        );
    }

    #[test]
    fn redacted_log_has_no_payload_and_is_one_line_per_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path, AuditDetail::Redacted).unwrap();
        for uid in ["1", "2"] {
            log.write(AuditRecord {
                time: "2026-11-23T10:00:00".into(),
                function: "PatientSearch",
                version: "1.0",
                request_uid: uid,
                response_uid: Some("R"),
                outcome: "success",
                duration_ms: 3,
                request: Some("<ClientIntegrationRequest><APIKey>secret</APIKey><Surname>Swift</Surname></ClientIntegrationRequest>"),
                response: Some("<Surname>Swift</Surname>"),
            });
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(!text.contains("Swift") && !text.contains("secret"));
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["function"], "PatientSearch");
        assert_eq!(first["outcome"], "success");
    }

    #[test]
    fn full_payloads_keep_xml_but_never_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path, AuditDetail::FullPayloads).unwrap();
        log.write(AuditRecord {
            time: "t".into(),
            function: "PatientSearch",
            version: "1.0",
            request_uid: "1",
            response_uid: None,
            outcome: "timeout",
            duration_ms: 1,
            request: Some("<ClientIntegrationRequest><APIKey>secret</APIKey><Surname>Swift</Surname></ClientIntegrationRequest>"),
            response: None,
        });
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("Swift"));
        assert!(!text.contains("secret"));
    }
}
