//! `systmone fixtures import DIR`: a masked recording turned into fixture files.
//!
//! Each recorded document that the bindings read is copied to
//! `<fixtures>/<Function>/v<Version>/recorded-<NNNNNN>.(request|response).xml` (the
//! function's canonical name, ERRATA E2), and a line per file is added to that
//! function's `NOTES.md` table: where it came from, that it was masked, and its drift.
//! Unmasked recordings are refused: fixtures are committed, and patient data must never
//! be. A file that already exists is left as it is (and reported).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use systmone_core::ReadMode;

use crate::recording::{ExchangeMeta, read_recording};

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The recording could not be read.
    #[error("cannot read the recording {path}: {source}")]
    Read {
        /// The directory or file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The recording holds unmasked exchanges.
    #[error(
        "exchange {exchange} of the recording was recorded with --no-mask: only masked recordings become fixtures"
    )]
    NotMasked {
        /// The first unmasked exchange.
        exchange: u64,
    },
    /// Writing a fixture or NOTES.md failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Fixture files written (relative to the fixtures directory).
    pub written: Vec<PathBuf>,
    /// Files left alone because they exist.
    pub existing: Vec<PathBuf>,
    /// Documents skipped, with why (not readable by the bindings, ...).
    pub skipped: Vec<(String, String)>,
}

/// Imports the recording in `recording` into the fixtures tree `fixtures`
/// (`tests/fixtures`).
pub fn import(recording: &Path, fixtures: &Path) -> Result<ImportReport, ImportError> {
    let metas = read_recording(recording).map_err(|source| ImportError::Read {
        path: recording.to_path_buf(),
        source,
    })?;
    if let Some(unmasked) = metas.iter().find(|m| !m.masked) {
        return Err(ImportError::NotMasked {
            exchange: unmasked.exchange,
        });
    }
    let mut report = ImportReport::default();
    for meta in &metas {
        for (file, kind) in [
            (&meta.request_file, "request"),
            (&meta.response_file, "response"),
        ] {
            let Some(file) = file else { continue };
            import_one(recording, fixtures, meta, file, kind, &mut report)?;
        }
    }
    Ok(report)
}

fn import_one(
    recording: &Path,
    fixtures: &Path,
    meta: &ExchangeMeta,
    file: &str,
    kind: &str,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let source = recording.join(file);
    let text =
        systmone_core::file::read_to_string(&source).map_err(|source_error| ImportError::Read {
            path: source.clone(),
            source: source_error,
        })?;
    // Only what the bindings read becomes a fixture; the drift stays visible.
    let drift = match kind {
        "request" => {
            systmone_bindings::AnyRequest::parse_with(&text, ReadMode::Tolerant).map(|p| p.drift)
        }
        _ => systmone_bindings::AnyResponse::parse_with(&text, ReadMode::Tolerant).map(|p| p.drift),
    };
    let drift = match drift {
        Ok(d) => d,
        Err(e) => {
            report.skipped.push((file.to_string(), e.to_string()));
            return Ok(());
        }
    };
    let function = systmone_bindings::canonical_name(&meta.function);
    let folder = Path::new(function).join(format!("v{}", meta.version));
    let name = format!("recorded-{:06}.{kind}.xml", meta.exchange);
    let relative = folder.join(&name);
    let target = fixtures.join(&relative);
    if target.exists() {
        report.existing.push(relative);
        return Ok(());
    }
    let dir = fixtures.join(&folder);
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ImportError::Write { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(write_error(&dir))?;
    let mut body = text;
    if !body.ends_with('\n') {
        body.push('\n');
    }
    std::fs::write(&target, body).map_err(write_error(&target))?;
    let notes = fixtures.join(function).join("NOTES.md");
    let mut line = String::new();
    if !notes.exists() {
        let _ = write!(
            line,
            "# {function} fixtures\n\n| file | source in the document | fixes / reading choices |\n|---|---|---|\n"
        );
    }
    let drift_text = if drift.is_empty() {
        "no drift".to_string()
    } else {
        let paths: Vec<String> = drift.items().iter().map(ToString::to_string).collect();
        format!("drift: {}", paths.join("; "))
    };
    let _ = writeln!(
        line,
        "| `v{}/{name}` | recorded through `systmone proxy` (exchange {}, {}, outcome {:?}, RequestUID {}) | masked: synthetic patient data{}; {drift_text} |",
        meta.version,
        meta.exchange,
        meta.requested_at,
        meta.outcome,
        meta.request_uid,
        if meta.free_text_kept {
            ", free text kept"
        } else {
            ", free text replaced by placeholders"
        },
    );
    let mut existing = systmone_core::file::read_to_string(&notes).unwrap_or_default();
    if !existing.is_empty() && !existing.ends_with('\n') {
        existing.push('\n');
    }
    existing.push_str(&line);
    std::fs::write(&notes, existing).map_err(write_error(&notes))?;
    report.written.push(relative);
    Ok(())
}
