//! Installing the XSDs a live client wrote with GetXSDFiles: which are new, changed,
//! unchanged or failed.
//!
//! GetXSDFiles writes `<Function> v<Version>.xsd` for every function version into a
//! directory and answers with one (function, version, result) line each. The files
//! those schemas include (`ClientIntegrationTypes.xsd`) are not listed: they are found
//! from the schemas' `xs:include`/`xs:import` and copied too.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// Why a schema file could not be installed.
///
/// Only [`FetchError::CreateDir`] fails [`install`] as a whole; a file that cannot be read
/// or written is reported in its [`Status::Failed`], with this error's text and causes.
///
/// ```
/// use systmone_upkeep::fetch::{install, FetchError};
/// let dir = tempfile::tempdir().unwrap();
/// let file = dir.path().join("a file");
/// std::fs::write(&file, "").unwrap();
/// // A directory cannot be created under a file.
/// let error = install(dir.path(), &[], &file.join("xsd")).unwrap_err();
/// assert!(matches!(error, FetchError::CreateDir { .. }));
/// assert!(error.to_string().contains("a file"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The directory to install into could not be created.
    #[error("cannot create the directory {}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The file system's error.
        #[source]
        source: std::io::Error,
    },
    /// A file the client wrote (or one a schema includes) could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file, in the directory the client wrote into.
        path: PathBuf,
        /// The file system's error.
        #[source]
        source: std::io::Error,
    },
    /// A schema could not be written into the target directory.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file, in the target directory.
        path: PathBuf,
        /// The file system's error.
        #[source]
        source: std::io::Error,
    },
}

/// One line of the GetXSDFiles response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The function the schema is for (`GetPatientRecord`).
    pub function: String,
    /// The function version (`1.0`); the file is `<Function> v<Version>.xsd`.
    pub version: String,
    /// The client's text for this file (e.g. "Successfully written to ...").
    pub result: String,
}

/// What installing one schema file did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "status", content = "reason")]
pub enum Status {
    /// The file was not in the target directory; it is now.
    New,
    /// The file was there with other text; it is replaced.
    Changed,
    /// The file was there with the same text; it is left as it was.
    Unchanged,
    /// The file could not be read or written; the reason says why (with the client's result
    /// text for a listed file).
    Failed(String),
}

/// One schema file and what installing it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fetched {
    /// The file name (`GetDiary v1.0.xsd`, or an included file such as
    /// `ClientIntegrationTypes.xsd`).
    pub file: String,
    /// What installing it did (flattened into the JSON as `status` and `reason`).
    #[serde(flatten)]
    pub status: Status,
    /// The client's result text; `None` for included files it does not list.
    pub result: Option<String>,
}

/// What [`install`] did: one entry per listed file, then the included files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Each file and what installing it did, in the order met.
    pub files: Vec<Fetched>,
}

impl Report {
    /// The number of files whose status `pick` accepts (`report.count(|s| *s ==
    /// Status::New)`).
    pub fn count(&self, pick: fn(&Status) -> bool) -> usize {
        self.files.iter().filter(|f| pick(&f.status)).count()
    }

    /// The number of files that could not be installed (the command fails when it is not
    /// 0).
    pub fn failed(&self) -> usize {
        self.count(|s| matches!(s, Status::Failed(_)))
    }

    /// The report as pretty-printed JSON (the `--json` output).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serializes")
    }

    /// One line per file (`new`, `changed`, `unchanged`, `FAILED` with the reason under it)
    /// and a count of each.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for f in &self.files {
            let status = match &f.status {
                Status::New => "new".to_string(),
                Status::Changed => "changed".to_string(),
                Status::Unchanged => "unchanged".to_string(),
                Status::Failed(reason) => format!("FAILED: {reason}"),
            };
            let _ = writeln!(
                out,
                "{:<10} {}",
                status.split(':').next().unwrap_or(""),
                f.file
            );
            if let Status::Failed(reason) = &f.status {
                let _ = writeln!(out, "           {reason}");
            }
        }
        let _ = writeln!(
            out,
            "{} new, {} changed, {} unchanged, {} failed",
            self.count(|s| *s == Status::New),
            self.count(|s| *s == Status::Changed),
            self.count(|s| *s == Status::Unchanged),
            self.failed()
        );
        out
    }
}

/// The `schemaLocation`s of a schema's `xs:include` and `xs:import`: plain file names
/// only (nothing outside the directory is copied).
pub fn included_files(schema: &str) -> Vec<String> {
    let mut out = Vec::new();
    for tag in schema.split('<').skip(1) {
        let tag = tag.trim_start();
        if !(tag.starts_with("xs:include") || tag.starts_with("xs:import")) {
            continue;
        }
        let Some(at) = tag.find("schemaLocation") else {
            continue;
        };
        let rest = tag[at + "schemaLocation".len()..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        if let Some(end) = rest[1..].find(quote) {
            let name = &rest[1..1 + end];
            if !name.contains(['/', '\\']) && name != ".." && !name.is_empty() {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// Copies the listed schemas (and the files they include) from `written_dir`, where
/// the client wrote them, into `into`, and says what each did. A listed file that is
/// missing or unreadable is reported as failed, with the client's result text.
pub fn install(written_dir: &Path, listed: &[Listed], into: &Path) -> Result<Report, FetchError> {
    std::fs::create_dir_all(into).map_err(|source| FetchError::CreateDir {
        path: into.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    let mut includes = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for l in listed {
        let file = format!("{} v{}.xsd", l.function, l.version);
        seen.insert(file.clone());
        let outcome = copy(written_dir, &file, into);
        if let Ok((_, text)) = &outcome {
            includes.extend(included_files(text));
        }
        files.push(Fetched {
            status: match outcome {
                Ok((status, _)) => status,
                Err(e) => {
                    Status::Failed(format!("{} (client said: {})", with_causes(&e), l.result))
                }
            },
            file,
            result: Some(l.result.clone()),
        });
    }
    // Included files, transitively.
    let mut queue: Vec<String> = includes.into_iter().collect();
    while let Some(file) = queue.pop() {
        if !seen.insert(file.clone()) {
            continue;
        }
        let outcome = copy(written_dir, &file, into);
        if let Ok((_, text)) = &outcome {
            queue.extend(included_files(text));
        }
        files.push(Fetched {
            status: match outcome {
                Ok((status, _)) => status,
                Err(e) => Status::Failed(format!(
                    "{} (included, not listed by the client)",
                    with_causes(&e)
                )),
            },
            file,
            result: None,
        });
    }
    files.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(Report { files })
}

/// `error` and its causes, `: `-separated (what the report shows: it has no error chain).
fn with_causes(error: &FetchError) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(e) = cause {
        let _ = write!(text, ": {e}");
        cause = e.source();
    }
    text
}

/// Copies `file` byte for byte (SystmOne's files are evidence: CRLF, encoding and all are
/// kept); returns what it did and the text, for the includes it names.
fn copy(from_dir: &Path, file: &str, into: &Path) -> Result<(Status, String), FetchError> {
    let from = from_dir.join(file);
    let bytes = systmone_core::file::read(&from).map_err(|source| FetchError::Read {
        path: from.clone(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let to = into.join(file);
    let status = match systmone_core::file::read(&to) {
        Ok(existing) if existing == bytes => return Ok((Status::Unchanged, text)),
        Ok(_) => Status::Changed,
        Err(_) => Status::New,
    };
    std::fs::write(&to, &bytes).map_err(|source| FetchError::Write {
        path: to.clone(),
        source,
    })?;
    Ok((status, text))
}

/// What a fetched function schema is, against our contract and the previous fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum FunctionStatus {
    /// A function our contract lacks.
    NewFunction,
    /// A version of a function our contract has, at another version.
    NewVersion {
        /// The versions our contract has.
        ours: Vec<String>,
    },
    /// The request schema differs from the baseline (the previous fetch, or our contract
    /// when there is none), practice configuration (F17) aside.
    RequestChanged {
        /// What it was compared with (`xsd/systmone/2026-11-02`, `xsd`).
        baseline: String,
        /// The number of differences.
        changes: usize,
        /// How many are breaking for a client built on the baseline.
        breaking: usize,
    },
    /// The same request schema as the baseline, practice configuration aside.
    Unchanged {
        /// What it was compared with.
        baseline: String,
    },
}

/// One fetched function schema and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionReport {
    /// The function.
    pub function: String,
    /// Its version, as SystmOne names its file.
    pub version: String,
    /// What it is.
    #[serde(flatten)]
    pub status: FunctionStatus,
}

/// Says, for each function schema in `fetched` (what [`install`] wrote), whether it is a
/// new function, a new version, a changed request schema or unchanged: against `previous`
/// (the last fetch, when there is one) or else our `contract`, on the request side
/// (SystmOne's files describe no response, F13), the practice's configured lists aside.
pub fn classify(
    fetched: &Path,
    contract: &Path,
    previous: Option<&Path>,
) -> Result<Vec<FunctionReport>, crate::xsd_diff::DiffError> {
    use crate::xsd_diff::{self, ChangeKind, Options, Policy, Severity};
    let names = |dir: &Path| -> Vec<(String, String, PathBuf)> {
        let mut out = Vec::new();
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some((f, v)) = xsd_diff::parse_schema_file_name(&name) {
                    out.push((f, v, entry.path()));
                }
            }
        }
        out.sort();
        out
    };
    let ours = names(contract);
    let before = previous.map(names).unwrap_or_default();
    let options = Options {
        policy: Policy::TolerantReader,
        configured: xsd_diff::configured_paths(contract)?,
    };
    let same =
        |a: &str, b: &str| crate::compat::compare_versions(a, b) == std::cmp::Ordering::Equal;
    let mut out = Vec::new();
    for (function, version, path) in names(fetched) {
        let ours_versions: Vec<&(String, String, PathBuf)> =
            ours.iter().filter(|(f, _, _)| *f == function).collect();
        let status = if ours_versions.is_empty() {
            FunctionStatus::NewFunction
        } else if !ours_versions.iter().any(|(_, v, _)| same(v, &version)) {
            FunctionStatus::NewVersion {
                ours: ours_versions.iter().map(|(_, v, _)| v.clone()).collect(),
            }
        } else {
            let (baseline, base_path) = match before
                .iter()
                .find(|(f, v, _)| *f == function && same(v, &version))
            {
                Some((_, _, p)) => (
                    previous
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    p.clone(),
                ),
                None => {
                    let (_, _, p) = ours_versions
                        .iter()
                        .find(|(_, v, _)| same(v, &version))
                        .expect("checked above");
                    (contract.display().to_string(), p.clone())
                }
            };
            let d = xsd_diff::diff_files_with(&base_path, &path, &options)?;
            let changes: Vec<_> = d
                .changes
                .iter()
                .filter(|c| c.kind != ChangeKind::ConfiguredList)
                .collect();
            if changes.is_empty() {
                FunctionStatus::Unchanged { baseline }
            } else {
                FunctionStatus::RequestChanged {
                    baseline,
                    breaking: changes
                        .iter()
                        .filter(|c| c.severity == Severity::Breaking)
                        .count(),
                    changes: changes.len(),
                }
            }
        };
        out.push(FunctionReport {
            function,
            version,
            status,
        });
    }
    Ok(out)
}

/// [`classify`]'s result, one line per function.
pub fn functions_text(functions: &[FunctionReport]) -> String {
    let mut out = String::new();
    for f in functions {
        let what = match &f.status {
            FunctionStatus::NewFunction => {
                "new function (reconcile --apply writes its schema)".to_string()
            }
            FunctionStatus::NewVersion { ours } => {
                format!("new version (ours: {})", ours.join(", "))
            }
            FunctionStatus::RequestChanged {
                baseline,
                changes,
                breaking,
            } => format!(
                "request schema changed against {baseline}: {changes} changes, {breaking} breaking"
            ),
            FunctionStatus::Unchanged { baseline } => {
                format!("unchanged against {baseline}")
            }
        };
        let _ = writeln!(out, "{} v{}: {what}", f.function, f.version);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_are_found() {
        let schema = r#"<xs:schema><xs:include schemaLocation="ClientIntegrationTypes.xsd"/>
            <xs:import namespace="x" schemaLocation='Other.xsd'/>
            <xs:include schemaLocation="../outside.xsd"/></xs:schema>"#;
        assert_eq!(
            included_files(schema),
            ["ClientIntegrationTypes.xsd", "Other.xsd"]
        );
    }

    #[test]
    fn new_changed_unchanged_failed() {
        let written = tempfile::tempdir().unwrap();
        let into = tempfile::tempdir().unwrap();
        let w = |name: &str, text: &str| std::fs::write(written.path().join(name), text).unwrap();
        w(
            "A v1.0.xsd",
            r#"<xs:schema><xs:include schemaLocation="Common.xsd"/></xs:schema>"#,
        );
        w("B v1.0.xsd", "<xs:schema>b</xs:schema>");
        w("C v1.0.xsd", "<xs:schema>c2</xs:schema>");
        w("Common.xsd", "<xs:schema/>");
        std::fs::write(into.path().join("B v1.0.xsd"), "<xs:schema>b</xs:schema>").unwrap();
        std::fs::write(into.path().join("C v1.0.xsd"), "<xs:schema>c1</xs:schema>").unwrap();
        let listed: Vec<Listed> = ["A", "B", "C", "D"]
            .iter()
            .map(|f| Listed {
                function: f.to_string(),
                version: "1.0".into(),
                result: "Successfully written".into(),
            })
            .collect();
        let report = install(written.path(), &listed, into.path()).unwrap();
        let status: Vec<(&str, &Status)> = report
            .files
            .iter()
            .map(|f| (f.file.as_str(), &f.status))
            .collect();
        assert_eq!(status[0], ("A v1.0.xsd", &Status::New));
        assert_eq!(status[1], ("B v1.0.xsd", &Status::Unchanged));
        assert_eq!(status[2], ("C v1.0.xsd", &Status::Changed));
        assert_eq!(status[3], ("Common.xsd", &Status::New));
        assert_eq!(status[4].0, "D v1.0.xsd");
        assert!(
            matches!(status[4].1, Status::Failed(r) if r.contains("client said: Successfully written"))
        );
        // The reason names the file and says why (the io::Error under the typed error).
        let Status::Failed(reason) = status[4].1 else {
            panic!("{:?}", status[4])
        };
        assert!(
            reason.starts_with(&format!(
                "cannot read {}: ",
                written.path().join("D v1.0.xsd").display()
            )),
            "{reason}"
        );
        assert_eq!(report.failed(), 1);
        assert_eq!(
            std::fs::read_to_string(into.path().join("C v1.0.xsd")).unwrap(),
            "<xs:schema>c2</xs:schema>"
        );
        let text = report.to_text();
        assert!(
            text.ends_with("2 new, 1 changed, 1 unchanged, 1 failed\n"),
            "{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["files"][0]["status"], "new");
        assert_eq!(json["files"][4]["status"], "failed");
    }
}
