//! Reconciling SystmOne's own request schemas (what GetXSDFiles writes, kept as fetched in
//! `xsd/systmone/<label>/`) with ours (`xsd/`), path by path.
//!
//! SystmOne's files (F13) describe the request only, with anonymous types and inline
//! enumerations, and carry the practice's configured lists (F17). They are evidence, never
//! files to copy over ours: [`reconcile`] says where they and ours differ, and [`apply`]
//! writes what ours lack into our schemas, in our style (named types, named by path, or
//! our shared types when the shape is one of theirs: one Code, one Drug, one Address),
//! each addition annotated with the file it came from. No enumeration value of theirs is
//! copied (a practice's configured list, F17, cannot be told from a fixed one in one file).
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
//!   drift until someone describes it); a new version of a function ours describe is
//!   written from our latest earlier version (its response kept typed, so what the new
//!   release adds to responses reads as drift `absorb` can take in).

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
        let mut findings = compare(&their_view, our_view.as_ref(), &configured);
        if ours_name.is_none()
            && let Some((function, version)) = xsd_diff::parse_schema_file_name(name)
            && let Some(earlier) = earlier_version(our_files.keys(), &function, &version)
        {
            for f in &mut findings {
                f.detail = format!(
                    "a version our schemas lack: --apply writes it from ours, {earlier} (request and response; a request difference of theirs shows on the next reconcile)"
                );
            }
        }
        files.push(FileReport {
            file: name.clone(),
            ours: ours_name,
            findings,
        });
    }
    Ok(Report { files })
}

// ---------------------------------------------------------------------------------
// Writing what ours lack
// ---------------------------------------------------------------------------------

/// The XSD built-in for a lexical type of [`xsd_diff`].
fn xs_type(lexical: &str) -> &'static str {
    match lexical {
        "date" => "xs:date",
        "dateTime" => "xs:dateTime",
        "integer" => "xs:integer",
        "unsigned integer" => "xs:nonNegativeInteger",
        "decimal" => "xs:decimal",
        "boolean" => "xs:boolean",
        _ => "xs:string",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The names a shape of children has (`@Code`, `Town`, ...), to find our shared type of
/// the same shape.
fn shape(view: &SchemaView, path: &str) -> BTreeSet<String> {
    view.children(path)
        .into_iter()
        .map(|(p, _)| name_of(p).to_string())
        .collect()
}

/// Writes declarations in our style from their (anonymous, nested) ones: a type per path,
/// named by path, unless its shape is one of our named types (one Code, one Drug, one
/// Address).
struct Writer<'a> {
    theirs: &'a SchemaView,
    /// Our named complex types by the shape of their children.
    shapes: BTreeMap<BTreeSet<String>, String>,
    /// Type names taken (ours and those written).
    taken: BTreeSet<String>,
    /// Type definitions to append.
    defs: Vec<String>,
    /// Where the declarations come from, for the annotations.
    source: String,
    /// The prefix of new type names (the function's name for a new function's file).
    prefix: String,
}

impl Writer<'_> {
    fn doc(&self, n: &Node) -> String {
        let values = if n.values.is_empty() {
            String::new()
        } else {
            format!(
                " SystmOne's schema lists {} values here, not copied: one file cannot tell a practice's configured list (F17) from a fixed one; make a fixed one an enumeration by hand.",
                n.values.len()
            )
        };
        format!(
            "<xs:annotation><xs:documentation>From SystmOne's own schema ({}): {}, {}.{values} Written by cargo xtask reconcile --apply; review it.</xs:documentation></xs:annotation>",
            escape(&self.source),
            occurs(n),
            n.ty
        )
    }

    /// A fresh type name for `path`: its element name, then with its parents' names.
    fn type_name(&mut self, path: &str) -> String {
        let segments: Vec<&str> = path
            .trim_start_matches("/ClientIntegrationRequest/")
            .split('/')
            .filter(|s| *s != "FunctionParameters" && !s.is_empty())
            .map(|s| s.trim_start_matches('@'))
            .collect();
        for take in 1..=segments.len() {
            let name = format!(
                "{}{}",
                self.prefix,
                segments[segments.len() - take..].concat()
            );
            if !self.taken.contains(&name) {
                self.taken.insert(name.clone());
                return name;
            }
        }
        let mut n = 2;
        loop {
            let name = format!("{}{}{n}", self.prefix, segments.concat());
            if self.taken.insert(name.clone()) {
                return name;
            }
            n += 1;
        }
    }

    /// The type of the node at `path`: a built-in, our shared type, or one defined here.
    fn type_of(&mut self, path: &str) -> String {
        let n = &self.theirs.nodes[path];
        let children = self.theirs.children(path);
        if children.is_empty() {
            if n.ty == "complex" {
                return "Flag".into();
            }
            if n.values.is_empty() {
                return xs_type(&n.ty).into();
            }
            // No value is copied: one file cannot tell a practice's configured list
            // (F17, whose values are the practice's own) from a fixed one; the
            // annotation says how many there were.
            return xs_type(&n.ty).into();
        }
        if let Some(ours) = self.shapes.get(&shape(self.theirs, path)) {
            return ours.clone();
        }
        let name = self.type_name(path);
        let def = self.complex_type(&name, path);
        self.defs.push(def);
        name
    }

    /// A named complex type with the children of `path`.
    fn complex_type(&mut self, name: &str, path: &str) -> String {
        let children: Vec<String> = self
            .theirs
            .children(path)
            .into_iter()
            .map(|(p, _)| p.to_string())
            .collect();
        let mut elements = String::new();
        let mut attributes = String::new();
        for child in &children {
            let node = self.theirs.nodes[child].clone();
            match node.kind {
                NodeKind::Attribute => attributes.push_str(&self.attribute(child, "    ")),
                NodeKind::Element => elements.push_str(&self.element(child, "      ")),
                NodeKind::Wildcard => elements.push_str(
                    "      <xs:any processContents=\"lax\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n",
                ),
            }
        }
        let content = if elements.is_empty() {
            String::new()
        } else {
            format!("    <xs:sequence>\n{elements}    </xs:sequence>\n")
        };
        format!(
            "  <xs:complexType name=\"{name}\">\n    <xs:annotation><xs:documentation>{} in SystmOne's own schema ({}), named by its path.</xs:documentation></xs:annotation>\n{content}{attributes}  </xs:complexType>\n",
            path.trim_start_matches("/ClientIntegrationRequest/"),
            escape(&self.source)
        )
    }

    /// An element declaration for `path`, at `indent`.
    fn element(&mut self, path: &str, indent: &str) -> String {
        let n = self.theirs.nodes[path].clone();
        let ty = self.type_of(path);
        let mut occurs = String::new();
        if n.min != 1 {
            let _ = write!(occurs, " minOccurs=\"{}\"", n.min);
        }
        match n.max {
            None => occurs.push_str(" maxOccurs=\"unbounded\""),
            Some(1) => {}
            Some(m) => {
                let _ = write!(occurs, " maxOccurs=\"{m}\"");
            }
        }
        format!(
            "{indent}<xs:element name=\"{}\" type=\"{ty}\"{occurs}>\n{indent}  {}\n{indent}</xs:element>\n",
            name_of(path),
            self.doc(&n)
        )
    }

    /// An attribute declaration for `path`, at `indent`.
    fn attribute(&mut self, path: &str, indent: &str) -> String {
        let n = self.theirs.nodes[path].clone();
        let ty = self.type_of(path);
        let use_ = if n.min > 0 { " use=\"required\"" } else { "" };
        format!(
            "{indent}<xs:attribute name=\"{}\" type=\"{ty}\"{use_}>\n{indent}  {}\n{indent}</xs:attribute>\n",
            name_of(path).trim_start_matches('@'),
            self.doc(&n)
        )
    }
}

/// The names and shapes of our named complex types, and every type name our schemas
/// declare.
fn our_types(
    views: &[SchemaView],
    texts: &[String],
) -> (BTreeMap<BTreeSet<String>, String>, BTreeSet<String>) {
    let mut shapes = BTreeMap::new();
    for view in views {
        for (path, n) in &view.nodes {
            if n.ty == "complex" && n.type_name != "(anonymous)" {
                let s = shape(view, path);
                if !s.is_empty() {
                    shapes.entry(s).or_insert_with(|| n.type_name.clone());
                }
            }
        }
    }
    let mut taken = BTreeSet::new();
    for text in texts {
        for tag in [
            "<xs:complexType name=\"",
            "<xs:simpleType name=\"",
            "<xs:group name=\"",
        ] {
            for (at, _) in text.match_indices(tag) {
                let rest = &text[at + tag.len()..];
                if let Some(end) = rest.find('"') {
                    taken.insert(rest[..end].to_string());
                }
            }
        }
    }
    (shapes, taken)
}

/// The byte range of `<xs:complexType name="name">...</xs:complexType>` in `text`.
fn type_range(text: &str, name: &str) -> Option<(usize, usize)> {
    let open = format!("<xs:complexType name=\"{name}\"");
    let start = text.find(&open)?;
    let end = start + text[start..].find("</xs:complexType>")? + "</xs:complexType>".len();
    Some((start, end))
}

/// Where, inside our type at `range`, a declaration goes: after the sibling `after`
/// (an element declaration), or first in its content model; attributes before the end of
/// the type.
fn insertion_point(
    text: &str,
    range: (usize, usize),
    after: Option<&str>,
    attribute: bool,
) -> Option<usize> {
    let (start, end) = range;
    let body = &text[start..end];
    if attribute {
        return Some(start + body.rfind("  </xs:complexType>")?);
    }
    if let Some(after) = after {
        let open = format!("<xs:element name=\"{after}\"");
        if let Some(at) = body.find(&open) {
            let tag_end = at + body[at..].find('>')?;
            let decl_end = if body[..tag_end].ends_with('/') {
                tag_end + 1
            } else {
                tag_end + body[tag_end..].find("</xs:element>")? + "</xs:element>".len()
            };
            let line_end = decl_end + body[decl_end..].find('\n').map_or(0, |i| i + 1);
            return Some(start + line_end);
        }
    }
    for group in ["<xs:sequence>", "<xs:all>"] {
        if let Some(at) = body.find(group) {
            let after_tag = at + group.len();
            let line_end = after_tag + body[after_tag..].find('\n').map_or(0, |i| i + 1);
            return Some(start + line_end);
        }
    }
    None
}

/// The name of the preceding sibling (of the same kind) of `path` in `theirs` that ours
/// also has.
fn preceding<'a>(theirs: &'a SchemaView, ours: &SchemaView, path: &str) -> Option<&'a str> {
    let kind = theirs.nodes[path].kind;
    theirs
        .children(parent_of(path))
        .into_iter()
        .take_while(|(p, _)| *p != path)
        .filter(|(p, n)| n.kind == kind && ours.nodes.contains_key(*p))
        .last()
        .map(|(p, _)| name_of(p))
}

/// Writes what ours lack into our schemas in `ours` (the report's `missing` findings it
/// marks to apply, and a file for each new function); returns one line per addition.
/// Every declaration is annotated with the file of `theirs` it came from.
pub fn apply(theirs: &Path, ours: &Path, report: &Report) -> Result<Vec<String>, ReconcileError> {
    let our_files = xsd_files(ours)?;
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    for (name, path) in &our_files {
        texts.insert(
            name.clone(),
            systmone_core::file::read_to_string(path).map_err(io(path))?,
        );
    }
    let mut views = Vec::new();
    for (name, path) in &our_files {
        if name != COMMON_SCHEMA_FILE {
            views.push(request_side(xsd_diff::load(path)?));
        }
    }
    let (shapes, mut taken) = our_types(&views, &texts.values().cloned().collect::<Vec<_>>());
    let label = theirs
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut applied = Vec::new();
    for file in &report.files {
        let their_path = theirs.join(&file.file);
        let their_view = request_side(xsd_diff::load(&their_path)?);
        let mut writer = Writer {
            theirs: &their_view,
            shapes: shapes.clone(),
            taken: std::mem::take(&mut taken),
            defs: Vec::new(),
            source: format!("{} of {label}", file.file),
            prefix: String::new(),
        };
        match &file.ours {
            None => {
                let Some((function, version)) = xsd_diff::parse_schema_file_name(&file.file) else {
                    continue;
                };
                let version = if version.contains('.') {
                    version
                } else {
                    format!("{version}.0")
                };
                writer.prefix = function.clone();
                let name = format!("{function} v{version}.xsd");
                let derived =
                    earlier_version(texts.keys(), &function, &version).and_then(|earlier| {
                        Some((
                            derive_version_file(
                                &texts[&earlier],
                                &function,
                                &version,
                                &writer.source,
                            )?,
                            earlier,
                        ))
                    });
                let (text, line) = match derived {
                    Some((text, earlier)) => (
                        text,
                        format!("{name}: a new version, written from {earlier} (its response)"),
                    ),
                    None => (
                        new_function_file(&mut writer, &function, &version),
                        format!("{name}: a new function, written from {}", file.file),
                    ),
                };
                let to = ours.join(&name);
                std::fs::write(&to, text).map_err(io(&to))?;
                applied.push(line);
            }
            Some(ours_name) => {
                let our_view = request_side(xsd_diff::load(&our_files[ours_name])?);
                for finding in file.findings.iter().filter(|f| f.to_apply) {
                    let parent = parent_of(&finding.path);
                    let Some(parent_node) = our_view.nodes.get(parent) else {
                        continue;
                    };
                    let attribute = finding.node == NodeKind::Attribute;
                    let wildcard = our_view.nodes.contains_key(&format!("{parent}/*"));
                    if wildcard && !attribute {
                        // Our lax wildcard holds global elements: the item becomes one.
                        let decl = writer.element(&finding.path, "  ");
                        let target = if texts.contains_key(COMMON_SCHEMA_FILE) {
                            COMMON_SCHEMA_FILE.to_string()
                        } else {
                            ours_name.clone()
                        };
                        let text = texts.get_mut(&target).expect("listed above");
                        let decl = decl.replacen(" minOccurs=\"0\"", "", 1).replacen(
                            " maxOccurs=\"unbounded\"",
                            "",
                            1,
                        );
                        let at = text.rfind("</xs:schema>").unwrap_or(text.len());
                        text.insert_str(at, &format!("{decl}\n"));
                        applied.push(format!(
                            "{target}: global element {} ({})",
                            name_of(&finding.path),
                            finding.path
                        ));
                        continue;
                    }
                    let type_name = parent_node.type_name.clone();
                    let decl = if attribute {
                        writer.attribute(&finding.path, "    ")
                    } else {
                        writer.element(&finding.path, "      ")
                    };
                    let after =
                        preceding(&their_view, &our_view, &finding.path).map(str::to_string);
                    let mut done = false;
                    for target in [ours_name.as_str(), COMMON_SCHEMA_FILE] {
                        let Some(text) = texts.get_mut(target) else {
                            continue;
                        };
                        let Some(range) = type_range(text, &type_name) else {
                            continue;
                        };
                        let Some(at) = insertion_point(text, range, after.as_deref(), attribute)
                        else {
                            continue;
                        };
                        text.insert_str(at, &decl);
                        applied.push(format!(
                            "{target}: {} into {type_name} ({})",
                            name_of(&finding.path),
                            finding.path
                        ));
                        done = true;
                        break;
                    }
                    if !done {
                        return Err(ReconcileError::NoDeclaration {
                            type_name,
                            path: finding.path.clone(),
                            dir: ours.to_path_buf(),
                        });
                    }
                }
                if !writer.defs.is_empty() {
                    let target = if texts.contains_key(COMMON_SCHEMA_FILE) {
                        COMMON_SCHEMA_FILE.to_string()
                    } else {
                        ours_name.clone()
                    };
                    let text = texts.get_mut(&target).expect("listed above");
                    let at = text.rfind("</xs:schema>").unwrap_or(text.len());
                    let defs = writer.defs.join("\n");
                    text.insert_str(at, &format!("{defs}\n"));
                }
            }
        }
        taken = writer.taken;
    }
    for (name, text) in &texts {
        let path = ours.join(name);
        let before = systmone_core::file::read_to_string(&path).map_err(io(&path))?;
        if &before != text {
            std::fs::write(&path, text).map_err(io(&path))?;
        }
    }
    Ok(applied)
}

/// Our latest file of `function` older than `version`, if any.
fn earlier_version<'a>(
    names: impl IntoIterator<Item = &'a String>,
    function: &str,
    version: &str,
) -> Option<String> {
    names
        .into_iter()
        .filter_map(|name| {
            let (f, v) = xsd_diff::parse_schema_file_name(name)?;
            (f == function && compare_versions(&v, version) == std::cmp::Ordering::Less)
                .then(|| (v, name.clone()))
        })
        .max_by(|(a, _), (b, _)| compare_versions(a, b))
        .map(|(_, name)| name)
}

/// A new version of a function ours describe: our latest earlier version's file, its
/// request and response, at the new version. A newer release keeps what it answered
/// (SystmOne's files say nothing of responses, F13), so the response stays typed and
/// what it adds reads as drift for `absorb`; a request difference of theirs shows on
/// the next `reconcile`, against this file. `None` when the file names no version.
fn derive_version_file(
    earlier: &str,
    function: &str,
    version: &str,
    source: &str,
) -> Option<String> {
    let anchor = format!("<xs:simpleType name=\"{function}FunctionVersion\">");
    let start = earlier.find(&anchor)?;
    let end = start + earlier[start..].find("</xs:simpleType>")?;
    let values = "<xs:enumeration value=\"";
    let first = start + earlier[start..end].find(values)?;
    let close = first + earlier[first..end].find("/>")? + 2;
    let mut text = format!(
        "{}{values}{version}\"/>{}",
        &earlier[..first],
        &earlier[close..end]
    );
    text.push_str(&earlier[end..]);
    let note = format!(
        "<!--\n  {function} v{version}: written by cargo xtask reconcile (apply) for SystmOne's\n  {}, from our earlier version's file below.\n-->\n",
        escape(source).replace("--", "- -")
    );
    let at = text.find("?>").map(|i| i + 2).unwrap_or(0);
    let at = text[at..].find('\n').map(|i| at + i + 1).unwrap_or(at);
    text.insert_str(at, &note);
    Some(text)
}

/// Our file for a function only their schema describes: the request typed from theirs,
/// the response untyped (its content kept as it comes and reported as drift).
fn new_function_file(writer: &mut Writer<'_>, function: &str, version: &str) -> String {
    let params = "/ClientIntegrationRequest/FunctionParameters";
    let children: Vec<String> = writer
        .theirs
        .children(params)
        .into_iter()
        .map(|(p, _)| p.to_string())
        .collect();
    let mut elements = String::new();
    let mut attributes = String::new();
    for child in &children {
        match writer.theirs.nodes[child].kind {
            NodeKind::Attribute => attributes.push_str(&writer.attribute(child, "    ")),
            _ => elements.push_str(&writer.element(child, "      ")),
        }
    }
    let content = if elements.is_empty() {
        String::new()
    } else {
        format!("    <xs:all>\n{elements}    </xs:all>\n")
    };
    let source = escape(&writer.source);
    let defs = writer.defs.join("\n");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!--
  {function} v{version}: request and response documents.
  Written by cargo xtask reconcile (apply) from SystmOne's own schema ({source}), which
  describes the request only: the response is untyped until someone describes it.
-->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="unqualified">
  <xs:annotation>
    <xs:documentation>{function}: a function only SystmOne's own schema ({source}) describes.</xs:documentation>
  </xs:annotation>

  <xs:include schemaLocation="ClientIntegrationTypes.xsd"/>

  <xs:simpleType name="{function}FunctionName">
    <xs:annotation>
      <xs:documentation>The function name: {function}.</xs:documentation>
      <xs:appinfo source="systmone:call-kind">write</xs:appinfo>
    </xs:annotation>
    <xs:restriction base="xs:string">
      <xs:enumeration value="{function}"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:simpleType name="{function}FunctionVersion">
    <xs:annotation>
      <xs:documentation>The version of the function this schema describes (F13: a number).</xs:documentation>
    </xs:annotation>
    <xs:restriction base="xs:decimal">
      <xs:enumeration value="{version}"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:element name="ClientIntegrationRequest">
    <xs:annotation>
      <xs:documentation>The root element of a {function} request (F11: header elements in any order).</xs:documentation>
    </xs:annotation>
    <xs:complexType>
      <xs:all>
        <xs:element name="APIKey" type="xs:string"/>
        <xs:element name="DeviceID" type="xs:string"/>
        <xs:element name="DeviceVersion" type="xs:string"/>
        <xs:element name="RequestUID" type="xs:string"/>
        <xs:element name="Function" type="{function}FunctionName"/>
        <xs:element name="FunctionVersion" type="{function}FunctionVersion"/>
        <xs:element name="OutputScheme" type="OutputScheme" minOccurs="0"/>
        <xs:element name="FunctionParameters" type="{function}Parameters" minOccurs="0"/>
      </xs:all>
    </xs:complexType>
  </xs:element>

  <xs:complexType name="{function}Parameters">
    <xs:annotation>
      <xs:documentation>The parameters SystmOne's own schema ({source}) gives; F14: read in any order.</xs:documentation>
    </xs:annotation>
{content}{attributes}  </xs:complexType>

{defs}
  <xs:element name="ClientIntegrationResponse">
    <xs:annotation>
      <xs:documentation>The root element of a {function} response.</xs:documentation>
    </xs:annotation>
    <xs:complexType>
      <xs:sequence>
        <xs:group ref="ResponseHeader"/>
        <xs:element name="Function" type="{function}FunctionName"/>
        <xs:element name="FunctionVersion" type="{function}FunctionVersion"/>
        <xs:element name="ResponseUID" type="xs:string"/>
        <xs:element name="Response" type="{function}Response"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>

  <xs:complexType name="{function}Response">
    <xs:annotation>
      <xs:documentation>The results of the function: the standard error form, or content no schema describes yet (SystmOne's files describe requests only, F13), kept as it comes and reported as drift.</xs:documentation>
    </xs:annotation>
    <xs:choice>
      <xs:group ref="ErrorContent"/>
      <xs:group ref="{function}Result"/>
    </xs:choice>
  </xs:complexType>

  <xs:group name="{function}Result">
    <xs:annotation>
      <xs:documentation>Untyped until described: every element is kept.</xs:documentation>
    </xs:annotation>
    <xs:sequence>
      <xs:any processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:group>
</xs:schema>
"#
    )
}
