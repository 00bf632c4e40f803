//! Reconciling SystmOne's own request schemas (what GetXSDFiles writes, kept as fetched in
//! `xsd/systmone/<label>/`) with ours (`xsd/`), path by path.
//!
//! SystmOne's files (F13) describe the request only, with anonymous types and inline
//! enumerations, and carry the practice's configured lists (F17). They are evidence, never
//! files to copy over ours: [`reconcile`] says where they and ours differ, and [`apply`]
//! writes what ours lack into our schemas, in our style (named types, named by path, or
//! our shared types when the shape is one of theirs: one Code, one Drug, one Address),
//! each addition annotated with the file it came from.
//!
//! ```no_run
//! use std::path::Path;
//! use systmone_upkeep::reconcile;
//! let report = reconcile::reconcile(Path::new("xsd/systmone/2026-12-02"), Path::new("xsd")).unwrap();
//! print!("{}", report.to_text());
//! ```
//!
//! Findings, for each function file of theirs:
//! - `missing`: an element or attribute theirs has and ours lacks (its position: after
//!   which sibling; its occurrence and type): `--apply` writes it;
//! - `extra`: one ours has and theirs lacks (ours accepts more: informational);
//! - `type`, `occurs`, `order`, `enumeration`: the same path typed, counted, ordered or
//!   enumerated otherwise;
//! - `configured`: one of the practice's lists (F17), with this practice's values:
//!   configuration, never a change, never a closed enumeration in ours;
//! - `new-function`: a function ours lack altogether: `--apply` writes its file, the
//!   request typed from theirs, the response untyped (kept losslessly and reported as
//!   drift until someone describes it).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::compat::compare_versions;
use crate::xsd_diff::{self, COMMON_SCHEMA_FILE, DiffError, Node, NodeKind, SchemaView, Side};

/// Why SystmOne's schemas could not be reconciled with ours.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// A schema could not be read (see [`DiffError`]).
    #[error(transparent)]
    Schema(#[from] DiffError),
    /// A directory could not be listed, or a schema of ours read or written.
    #[error("cannot read or write {}", path.display())]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// The file system's error.
        #[source]
        source: std::io::Error,
    },
    /// `--apply` found no declaration of the type to add to in our schemas.
    #[error("no declaration of the type {type_name} in {} (to add {path})", dir.display())]
    NoDeclaration {
        /// Our type that should receive the addition.
        type_name: String,
        /// The path added.
        path: String,
        /// Our schemas' directory.
        dir: PathBuf,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReconcileError + '_ {
    move |source| ReconcileError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What kind of difference a [`Finding`] is; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// Theirs has it, ours lacks it.
    Missing,
    /// Ours has it, theirs lacks it.
    Extra,
    /// Another lexical type.
    Type,
    /// Another occurrence.
    Occurs,
    /// The same children in another order.
    Order,
    /// Other enumeration values, or an enumeration against open text.
    Enumeration,
    /// One of the practice's configured lists (F17).
    Configured,
    /// A function ours lack.
    NewFunction,
}

/// One difference between their schema and ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind of difference it is.
    pub kind: FindingKind,
    /// Element, attribute or wildcard.
    pub node: NodeKind,
    /// The path (`/ClientIntegrationRequest/FunctionParameters/...`, attributes `@Name`).
    pub path: String,
    /// Theirs and ours, in words.
    pub detail: String,
    /// Whether `--apply` writes it into our schemas.
    pub to_apply: bool,
}

/// The findings for one of their files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// Their file's name.
    pub file: String,
    /// Our file for the same function version, if any.
    pub ours: Option<String>,
    /// Every finding, by path.
    pub findings: Vec<Finding>,
}

/// What [`reconcile`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// One entry per function file of theirs.
    pub files: Vec<FileReport>,
}

impl Report {
    fn all(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    /// The number of findings.
    pub fn findings(&self) -> usize {
        self.all().count()
    }

    /// The number of findings `--apply` writes.
    pub fn to_apply(&self) -> usize {
        self.all().filter(|f| f.to_apply).count()
    }

    /// The number of configured lists met.
    pub fn configured(&self) -> usize {
        self.all()
            .filter(|f| f.kind == FindingKind::Configured)
            .count()
    }

    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serializes")
    }

    /// One block per file, one line per finding (`+` when `--apply` writes it), totals.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for f in &self.files {
            let ours = f.ours.as_deref().unwrap_or("(none)");
            let _ = writeln!(
                out,
                "{} against ours ({ours}): {} findings, {} to apply",
                f.file,
                f.findings.len(),
                f.findings.iter().filter(|x| x.to_apply).count()
            );
            for x in &f.findings {
                let kind = serde_json::to_value(x.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {} {:<12} {} {}",
                    if x.to_apply { "+" } else { " " },
                    kind,
                    x.path,
                    x.detail
                );
            }
        }
        let _ = writeln!(
            out,
            "\n{} findings, {} to apply (--apply), {} configured lists (practice configuration, F17)",
            self.findings(),
            self.to_apply(),
            self.configured()
        );
        out
    }
}

/// `.xsd` files of `dir` by name.
fn xsd_files(dir: &Path) -> Result<BTreeMap<String, PathBuf>, ReconcileError> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        if path.extension().is_some_and(|e| e == "xsd") && path.is_file() {
            if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                files.insert(name.to_string(), path.clone());
            }
        }
    }
    Ok(files)
}

/// Our file for the function version of `theirs` (versions compare as numbers: `1` is
/// `1.0`).
fn our_file(theirs: &str, ours: &BTreeMap<String, PathBuf>) -> Option<String> {
    let (function, version) = xsd_diff::parse_schema_file_name(theirs)?;
    ours.keys()
        .find(|name| {
            xsd_diff::parse_schema_file_name(name).is_some_and(|(f, v)| {
                f == function && compare_versions(&v, &version) == std::cmp::Ordering::Equal
            })
        })
        .cloned()
}

/// The request side of a schema.
fn request_side(view: SchemaView) -> SchemaView {
    SchemaView {
        nodes: view
            .nodes
            .into_iter()
            .filter(|(_, n)| n.side != Side::Response)
            .collect(),
        request_only: true,
    }
}

fn is_header(path: &str) -> bool {
    let rest = path.trim_start_matches("/ClientIntegrationRequest");
    !rest.starts_with("/FunctionParameters/")
}

fn occurs(n: &Node) -> String {
    match n.max {
        Some(max) => format!("{}..{max}", n.min),
        None => format!("{}..unbounded", n.min),
    }
}

fn name_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn parent_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(p, _)| p).unwrap_or("")
}

fn kind_word(n: &Node) -> &'static str {
    match n.kind {
        NodeKind::Element => "element",
        NodeKind::Attribute => "attribute",
        NodeKind::Wildcard => "wildcard",
    }
}

/// Values, shown briefly.
fn show_values(values: &BTreeSet<String>) -> String {
    if values.is_empty() {
        return "none".into();
    }
    let shown: Vec<String> = values.iter().take(12).map(|v| format!("{v:?}")).collect();
    let more = values.len().saturating_sub(12);
    if more > 0 {
        format!("{}, ... ({more} more)", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Compares their file with ours (`None`: a function ours lack).
fn compare(
    theirs: &SchemaView,
    ours: Option<&SchemaView>,
    configured: &BTreeSet<String>,
) -> Vec<Finding> {
    let Some(ours) = ours else {
        return vec![Finding {
            kind: FindingKind::NewFunction,
            node: NodeKind::Element,
            path: "/ClientIntegrationRequest".into(),
            detail: format!(
                "a function our schemas lack: --apply writes its file in our style ({} request paths typed from SystmOne's schema; the response untyped, kept and reported as drift until described)",
                theirs.nodes.len()
            ),
            to_apply: true,
        }];
    };
    let mut findings = Vec::new();
    let skip = |p: &str| p.ends_with("/FunctionVersion") || p.ends_with("/Function");
    let top = |path: &str, set: &SchemaView, other: &SchemaView| {
        path.rmatch_indices('/').any(|(i, _)| {
            let prefix = &path[..i];
            set.nodes.contains_key(prefix) && !other.nodes.contains_key(prefix)
        })
    };
    for (path, t) in &theirs.nodes {
        if skip(path) {
            continue;
        }
        match ours.nodes.get(path) {
            None => {
                if top(path, theirs, ours) {
                    continue;
                }
                let siblings = theirs.children(parent_of(path));
                let position = siblings
                    .iter()
                    .take_while(|(p, _)| p != path)
                    .filter(|(_, n)| n.kind == t.kind)
                    .last()
                    .map(|(p, _)| format!("after {}", name_of(p)))
                    .unwrap_or_else(|| "first".into());
                let below = theirs
                    .nodes
                    .range(format!("{path}/")..)
                    .take_while(|(p, _)| p.starts_with(&format!("{path}/")))
                    .count();
                let content = if below > 0 {
                    format!(", with {below} paths below")
                } else {
                    String::new()
                };
                findings.push(Finding {
                    kind: FindingKind::Missing,
                    node: t.kind,
                    path: path.clone(),
                    detail: format!(
                        "SystmOne's schema has {} {} ({}, {}{content}), {position}; ours lacks it",
                        kind_word(t),
                        name_of(path),
                        occurs(t),
                        t.ty
                    ),
                    to_apply: !is_header(path) && ours.nodes.contains_key(parent_of(path)),
                });
            }
            Some(o) => compare_node(&mut findings, path, t, o, configured),
        }
    }
    for (path, o) in &ours.nodes {
        if theirs.nodes.contains_key(path) || skip(path) || top(path, ours, theirs) {
            continue;
        }
        // Our lax wildcard's global data items are what our Event accepts, not a claim
        // about what SystmOne's Event holds.
        if o.wildcard {
            continue;
        }
        findings.push(Finding {
            kind: FindingKind::Extra,
            node: o.kind,
            path: path.clone(),
            detail: format!(
                "ours has {} {} ({}, {}); SystmOne's schema does not",
                kind_word(o),
                name_of(path),
                occurs(o),
                o.ty
            ),
            to_apply: false,
        });
    }
    // Order: the children both have, in their order and in ours.
    let parents: BTreeSet<&str> = theirs.nodes.keys().map(|p| parent_of(p)).collect();
    for parent in parents {
        if !ours.nodes.contains_key(parent) || parent.is_empty() {
            continue;
        }
        let names = |v: &SchemaView, other: &SchemaView| -> Vec<String> {
            v.children(parent)
                .into_iter()
                .filter(|(p, n)| n.kind == NodeKind::Element && other.nodes.contains_key(*p))
                .map(|(p, _)| name_of(p).to_string())
                .collect()
        };
        let (t, o) = (names(theirs, ours), names(ours, theirs));
        let wildcard = ours.children(parent).iter().any(|(_, n)| n.wildcard);
        if t != o && !wildcard {
            findings.push(Finding {
                kind: FindingKind::Order,
                node: NodeKind::Element,
                path: parent.to_string(),
                detail: format!(
                    "SystmOne's order: {}; ours: {} (F14: SystmOne reads parameters in any order)",
                    t.join(", "),
                    o.join(", ")
                ),
                to_apply: false,
            });
        }
    }
    findings.sort_by(|a, b| (&a.path, a.kind).cmp(&(&b.path, b.kind)));
    findings
}

fn compare_node(
    findings: &mut Vec<Finding>,
    path: &str,
    t: &Node,
    o: &Node,
    configured: &BTreeSet<String>,
) {
    let push = |findings: &mut Vec<Finding>, kind, detail: String| {
        findings.push(Finding {
            kind,
            node: t.kind,
            path: path.to_string(),
            detail,
            to_apply: false,
        })
    };
    if o.configured || configured.contains(path) {
        let detail = if t.values.is_empty() {
            "practice configuration (F17): open text in both".to_string()
        } else {
            format!(
                "practice configuration (F17), open text in ours: {} values at this practice: {}",
                t.values.len(),
                show_values(&t.values)
            )
        };
        push(findings, FindingKind::Configured, detail);
        if t.ty != o.ty {
            push(
                findings,
                FindingKind::Type,
                format!("SystmOne's {}; ours {} ({})", t.ty, o.ty, o.type_name),
            );
        }
        return;
    }
    if t.ty != o.ty {
        push(
            findings,
            FindingKind::Type,
            format!("SystmOne's {}; ours {} ({})", t.ty, o.ty, o.type_name),
        );
    }
    if !o.wildcard && (t.min != o.min || t.max != o.max) {
        push(
            findings,
            FindingKind::Occurs,
            format!("SystmOne's {}; ours {}", occurs(t), occurs(o)),
        );
    }
    if t.values != o.values {
        let detail = if o.values.is_empty() {
            format!(
                "SystmOne's schema lists {} values ({}); ours is open text",
                t.values.len(),
                show_values(&t.values)
            )
        } else if t.values.is_empty() {
            format!(
                "ours lists {} values ({}); SystmOne's schema is open text",
                o.values.len(),
                show_values(&o.values)
            )
        } else {
            let theirs_only: BTreeSet<String> = t.values.difference(&o.values).cloned().collect();
            let ours_only: BTreeSet<String> = o.values.difference(&t.values).cloned().collect();
            format!(
                "only SystmOne's: {}; only ours: {}",
                show_values(&theirs_only),
                show_values(&ours_only)
            )
        };
        push(findings, FindingKind::Enumeration, detail);
    }
}

/// Compares each of SystmOne's request schemas in `theirs` with ours in `ours`. The
/// practice's configured lists are those our schemas mark (F17).
pub fn reconcile(theirs: &Path, ours: &Path) -> Result<Report, ReconcileError> {
    let their_files = xsd_files(theirs)?;
    let our_files = xsd_files(ours)?;
    let configured = xsd_diff::configured_paths(ours)?;
    let mut files = Vec::new();
    for (name, path) in &their_files {
        if name == COMMON_SCHEMA_FILE || xsd_diff::parse_schema_file_name(name).is_none() {
            continue;
        }
        let their_view = request_side(xsd_diff::load(path)?);
        let ours_name = our_file(name, &our_files);
        let our_view = match &ours_name {
            Some(n) => Some(request_side(xsd_diff::load(&our_files[n])?)),
            None => None,
        };
        files.push(FileReport {
            file: name.clone(),
            ours: ours_name,
            findings: compare(&their_view, our_view.as_ref(), &configured),
        });
    }
    Ok(Report { files })
}

/// Writes what ours lack into our schemas; returns one line per addition.
pub fn apply(theirs: &Path, ours: &Path, report: &Report) -> Result<Vec<String>, ReconcileError> {
    let _ = (theirs, ours, report);
    Ok(Vec::new())
}
