//! The recording: one request/response pair per exchange, written atomically.
//!
//! Layout of a recording directory (`--record DIR`):
//!
//! * `NNNNNN-<Function>.request.xml`: the request (masked unless `--no-mask`; the API
//!   key always redacted);
//! * `NNNNNN-<Function>.response.xml`: its response, when there was one;
//! * `NNNNNN-<Function>.json`: [`ExchangeMeta`] (function, version, RequestUID, timing,
//!   outcome, drift paths), written last, so an exchange whose `.json` exists is whole;
//! * `summary.json`: the run's [`crate::Summary`], written when the proxy stops.
//!
//! `NNNNNN` numbers the exchanges in the order their requests arrived, over all
//! connections. Every file is written to a temporary file in the same directory and
//! renamed into place: a reader never sees half a file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::masking::{MaskOptions, Masker, redact_api_key};

/// How an exchange ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A response came back.
    Answered,
    /// SystmOne's error form came back.
    ErrorResponse,
    /// No response before the connection closed (throttled, dropped, or the caller
    /// gave up).
    Unanswered,
}

/// One drift path of a response (no values: they may hold patient data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftPath {
    /// The kind (`unknown element`, ...).
    pub kind: String,
    /// The path (`Response/Demographics/Pronouns`).
    pub path: String,
    /// How often in this response.
    pub count: u64,
}

/// What `NNNNNN-<Function>.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangeMeta {
    /// The exchange's number in the recording.
    pub exchange: u64,
    /// The connection it came on (numbered from 1 in the order accepted).
    pub connection: u64,
    /// The function, as the request named it.
    pub function: String,
    /// The function's version, as the request named it.
    pub version: String,
    /// The request's RequestUID.
    pub request_uid: String,
    /// `read` or `write`.
    pub call_kind: String,
    /// When the request's last byte was forwarded (RFC 3339, UTC).
    pub requested_at: String,
    /// Milliseconds from the request's last byte to the response's last byte.
    pub response_ms: Option<f64>,
    /// How it ended.
    pub outcome: Outcome,
    /// The request file's name, when written.
    pub request_file: Option<String>,
    /// The response file's name, when written.
    pub response_file: Option<String>,
    /// Whether patient data was masked.
    pub masked: bool,
    /// Whether free text was kept (`--keep-free-text`).
    pub free_text_kept: bool,
    /// The response's drift paths.
    pub drift: Vec<DriftPath>,
}

/// Whether and how what is written is masked.
#[derive(Debug, Clone)]
pub enum Masking {
    /// Patient data replaced by synthetic data (the default).
    Mask(MaskOptions),
    /// Written as received, the API key redacted (`--no-mask`).
    Off,
}

impl Default for Masking {
    fn default() -> Self {
        Masking::Mask(MaskOptions::default())
    }
}

/// Why a file of the recording could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Creating, writing or renaming a file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The document could not be masked, so it was not written.
    #[error(transparent)]
    Mask(#[from] crate::masking::MaskError),
}

/// Writes exchanges into a directory. Shared by every connection (one masker, so the
/// synthetic values are consistent over the whole recording).
#[derive(Debug)]
pub struct Recorder {
    dir: PathBuf,
    masker: Option<Mutex<Masker>>,
    free_text_kept: bool,
}

impl Recorder {
    /// A recorder writing into `dir` (created if missing).
    pub fn new(dir: &Path, masking: Masking) -> Result<Self, RecordError> {
        std::fs::create_dir_all(dir).map_err(|source| RecordError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        let (masker, free_text_kept) = match masking {
            Masking::Mask(options) => {
                let keep = options.keep_free_text;
                (Some(Mutex::new(Masker::new(options))), keep)
            }
            Masking::Off => (None, true),
        };
        Ok(Recorder {
            dir: dir.to_path_buf(),
            masker,
            free_text_kept,
        })
    }

    /// The recording's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether documents are masked.
    pub fn masked(&self) -> bool {
        self.masker.is_some()
    }

    /// What is written for a document: masked, or with only the API key redacted.
    pub fn prepare(&self, text: &str) -> Result<String, RecordError> {
        match &self.masker {
            Some(masker) => {
                let mut masker = masker.lock().unwrap_or_else(|e| e.into_inner());
                Ok(masker.mask(text)?)
            }
            None => Ok(redact_api_key(text)),
        }
    }

    /// Writes one exchange: the request and response as given (already prepared), then
    /// its meta file. `meta`'s file names and flags are filled in here.
    pub fn write(
        &self,
        mut meta: ExchangeMeta,
        request: Option<&str>,
        response: Option<&str>,
    ) -> Result<(), RecordError> {
        let stem = format!("{:06}-{}", meta.exchange, safe_name(&meta.function));
        meta.masked = self.masked();
        meta.free_text_kept = self.free_text_kept;
        if let Some(request) = request {
            let name = format!("{stem}.request.xml");
            self.atomic(&name, request.as_bytes())?;
            meta.request_file = Some(name);
        }
        if let Some(response) = response {
            let name = format!("{stem}.response.xml");
            self.atomic(&name, response.as_bytes())?;
            meta.response_file = Some(name);
        }
        let json = serde_json::to_vec_pretty(&meta).unwrap_or_default();
        self.atomic(&format!("{stem}.json"), &json)
    }

    /// Writes `name` atomically: a temporary file in the same directory, renamed.
    pub fn atomic(&self, name: &str, bytes: &[u8]) -> Result<(), RecordError> {
        let path = self.dir.join(name);
        let error = |source| RecordError::Write {
            path: path.clone(),
            source,
        };
        let mut file = tempfile::NamedTempFile::new_in(&self.dir).map_err(error)?;
        file.write_all(bytes).map_err(error)?;
        file.flush().map_err(error)?;
        file.persist(&path).map_err(|e| error(e.error))?;
        Ok(())
    }
}

/// A function name fit for a file name (anything else becomes `_`).
fn safe_name(function: &str) -> String {
    let name: String = function
        .chars()
        .take(64)
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if name.is_empty() {
        "Unknown".into()
    } else {
        name
    }
}

/// Reads every exchange's meta file of a recording, in exchange order.
pub fn read_recording(dir: &Path) -> Result<Vec<ExchangeMeta>, std::io::Error> {
    let mut metas = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_meta = path.extension().is_some_and(|e| e == "json")
            && path.file_name().is_some_and(|n| n != "summary.json");
        if !is_meta {
            continue;
        }
        let text = systmone_core::file::read_to_string(&path)?;
        let meta: ExchangeMeta = serde_json::from_str(&text).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        })?;
        metas.push(meta);
    }
    metas.sort_by_key(|m| m.exchange);
    Ok(metas)
}
