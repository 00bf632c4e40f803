//! A schema-level diff of two versions of a function schema, or of two directories of
//! schemas, for a client that sends requests and reads responses.
//!
//! Each schema is read with xsd-parser (includes resolved) into its `MetaTypes`, and
//! flattened into the element and attribute paths a document can hold, starting at
//! the root elements `ClientIntegrationRequest` (request side) and
//! `ClientIntegrationResponse` (response side): for each path, its occurrence
//! (`min..max`), its lexical type (`string`, `integer`, `complex`, ...) and its
//! enumeration values. Named types are followed (a type already on the path is not
//! entered again), so a change in a shared type shows at every path that uses it,
//! on the side where it matters. Renaming a type without changing its content is not
//! a change: the XML does not carry type names.
//!
//! # Classification
//!
//! A change is BREAKING when a client built on the old schema can fail against a
//! peer that follows the new one; otherwise COMPATIBLE.
//!
//! Requests (the client writes, SystmOne reads and validates):
//! - added element or attribute: breaking if required (old clients never send it),
//!   compatible if optional;
//! - removed: breaking (a client that sends it is refused), even if it was optional;
//! - made optional: compatible; made required: breaking;
//! - cardinality: a lower maximum (or a higher minimum) is breaking, a higher maximum
//!   (or a lower minimum) compatible;
//! - type changed: breaking;
//! - enumeration value added: compatible; removed: breaking.
//!
//! Responses (SystmOne writes, the client reads). The default policy is the
//! **tolerant reader**, because it is what our generated bindings are by default: an
//! unknown element, attribute or enumeration value is kept and reported as drift, not
//! refused. [`Policy::StrictReader`] is a reader that refuses unknown child elements and
//! parses enumerations strictly (it ignores unknown attributes). So:
//! - added element: compatible; for a strict reader breaking, required or optional (it
//!   refuses it as soon as it appears);
//! - added attribute: compatible (unknown attributes are ignored);
//! - removed: breaking if it was required (the old binding requires it), compatible
//!   if it was optional;
//! - made optional: breaking when it could occur at most once (a required field
//!   becomes absent), compatible for a repeated element (read as a list);
//!   made required: compatible;
//! - cardinality: a higher maximum is breaking (a second occurrence of a single
//!   field), a lower one compatible;
//! - type changed: breaking;
//! - enumeration value added: compatible (kept as unlisted); for a strict reader
//!   breaking, unless the enumeration is open (a union with free text, ERRATA E3); value
//!   removed: compatible;
//! - removed (if required), made optional (if single), retyped: breaking under both
//!   policies: a reader that relies on the value no longer gets it.
//!
//! The version pin (`Function` and `FunctionVersion` of the root elements) is
//! reported but always compatible: each function version gets its own bindings.
//! A path reachable on both sides (only in schemas without the two root elements,
//! where every global element is a root) is breaking if it is breaking on either.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::Serialize;
use xsd_parser::models::meta::{
    AttributeMetaVariant, ElementMeta, ElementMetaVariant, ElementMode, MetaType, MetaTypeVariant,
    MetaTypes,
};
use xsd_parser::models::schema::MaxOccurs;
use xsd_parser::models::schema::xs::{ProcessContentsType, Use};
use xsd_parser::models::{IdentType, TypeIdent};

use crate::compat::compare_versions;
use crate::schema::SchemaError;

const REQUEST_ROOT: &str = "ClientIntegrationRequest";
const RESPONSE_ROOT: &str = "ClientIntegrationResponse";
/// The file of shared structures the function schemas include.
pub const COMMON_SCHEMA_FILE: &str = "ClientIntegrationTypes.xsd";

/// Why two schemas (or directories of schemas) could not be diffed.
///
/// ```
/// use systmone_upkeep::xsd_diff::{diff, DiffError, Policy};
/// let dir = tempfile::tempdir().unwrap();
/// let file = dir.path().join("GetDiary v1.0.xsd");
/// std::fs::write(&file, "<xs:schema").unwrap();
/// // A file against a directory.
/// let error = diff(&file, dir.path(), Policy::StrictReader).unwrap_err();
/// assert!(matches!(error, DiffError::NotComparable { .. }));
/// // A schema that is not well-formed XML.
/// let error = diff(&file, &file, Policy::StrictReader).unwrap_err();
/// assert!(matches!(error, DiffError::Schema(_)));
/// assert!(error.to_string().contains("GetDiary v1.0.xsd"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A schema file (or one it includes) could not be read or interpreted.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// A schema's element refers to a type its interpreted types do not hold.
    #[error("cannot follow the types of the schema {}", path.display())]
    Types {
        /// The schema file being walked.
        path: PathBuf,
        /// Which type is missing.
        #[source]
        source: SchemaError,
    },
    /// Type references (`type="X"`, global elements) of a schema go round in a loop.
    #[error("reference cycle at type {name} in the schema {}", path.display())]
    ReferenceCycle {
        /// The schema file being walked.
        path: PathBuf,
        /// A type on the loop.
        name: String,
    },
    /// A directory could not be listed, or a file read to compare its text.
    #[error("cannot read {}", path.display())]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// The file system's error.
        #[source]
        source: std::io::Error,
    },
    /// [`diff`] was given something other than two files or two directories (one of
    /// them missing, or a file and a directory).
    #[error(
        "xsd-diff compares two files or two directories: {} and {}",
        old.display(),
        new.display()
    )]
    NotComparable {
        /// The old side, as given.
        old: PathBuf,
        /// The new side, as given.
        new: PathBuf,
    },
}

/// `DiffError::Io` for `path`.
fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> DiffError + '_ {
    move |source| DiffError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Which document a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Under `ClientIntegrationRequest`: the client writes it, SystmOne reads and validates
    /// it.
    Request,
    /// Under `ClientIntegrationResponse`: SystmOne writes it, the client reads it.
    Response,
    /// A schema without the two root elements: every global element is a root.
    Both,
}

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// An element (`xs:element`).
    Element,
    /// An attribute (`xs:attribute`), `@Name` in the path.
    Attribute,
    /// `xs:any`.
    Wildcard,
}

/// One path a document can hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    /// The document the path is in.
    pub side: Side,
    /// Whether the path names an element, an attribute or a wildcard.
    pub kind: NodeKind,
    /// The fewest times the path can occur (minOccurs, with optional enclosing groups
    /// counted: 0 when the path can be absent; an attribute's is 1 when `use="required"`).
    pub min: usize,
    /// `None`: unbounded.
    pub max: Option<usize>,
    /// The lexical type: `string`, `integer`, `boolean`, `date`, ..., `complex`, or
    /// `complex(text: string)` for simple content with attributes.
    pub ty: String,
    /// The schema type's name, for display.
    pub type_name: String,
    /// Enumeration values (for enumerations and unions of them).
    pub values: BTreeSet<String>,
    /// A union of enumerations and free text: unknown values are kept (ERRATA E3).
    pub open: bool,
    /// One of the practice's own lists (F17): open text in our schema whose annotation
    /// cites F17 (the mark codegen reads too). A difference in its values is practice
    /// configuration, never a change.
    pub configured: bool,
    /// Reached through a lax or strict `xs:any` (our Event's data items, global elements):
    /// any number of them, in any order, so its occurrence is not compared.
    pub wildcard: bool,
    /// The path's position in a walk of the schema in document order: siblings compare
    /// by it (`reconcile` reports order differences and where to insert with it).
    pub order: usize,
}

impl Node {
    fn occurs(&self) -> String {
        match self.max {
            Some(max) => format!("{}..{}", self.min, max),
            None => format!("{}..unbounded", self.min),
        }
    }
}

/// Every path of one schema, keyed by path (`/ClientIntegrationRequest/...`,
/// attributes as `.../@Name`, wildcards as `.../*`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaView {
    /// Each path and what can be at it.
    pub nodes: BTreeMap<String, Node>,
    /// The schema describes a request and no response (SystmOne's own files, F13).
    pub request_only: bool,
}

impl SchemaView {
    /// The paths of the practice's own lists (F17) in this schema.
    pub fn configured_paths(&self) -> BTreeSet<String> {
        self.nodes
            .iter()
            .filter(|(_, n)| n.configured)
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// The children of `parent` (elements, attributes, wildcards), in document order.
    pub fn children<'a>(&'a self, parent: &str) -> Vec<(&'a str, &'a Node)> {
        let prefix = format!("{parent}/");
        let mut out: Vec<(&str, &Node)> = self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter(|(p, _)| !p[prefix.len()..].contains('/'))
            .map(|(p, n)| (p.as_str(), n))
            .collect();
        out.sort_by_key(|(_, n)| n.order);
        out
    }
}

/// Whether a declaration is one of the practice's configured lists: open text (no
/// enumeration) whose documentation cites F17 (the fixed lists, enumerations, cite it
/// too).
fn is_configured(doc: &[String], ty: &str, values: &BTreeSet<String>) -> bool {
    ty == "string"
        && values.is_empty()
        && doc.iter().any(|d| {
            d.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w == "F17")
        })
}

/// How responses are read; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Unknown child elements are refused (a reader generated strictly).
    StrictReader,
    /// Unknown child elements and attributes are kept and reported as drift (our
    /// bindings, by default).
    #[default]
    TolerantReader,
}

/// What [`diff_with`] needs beyond the two schemas.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// How responses are read.
    pub policy: Policy,
    /// Paths known to hold one of the practice's configured lists (F17), beside those
    /// either schema marks (F17): two of SystmOne's own files carry no such
    /// mark, so the lists come from our schemas ([`configured_paths`]).
    pub configured: BTreeSet<String>,
}

/// The paths of the practice's configured lists (F17) in the schemas of `dir` (our
/// contract, `xsd/`).
pub fn configured_paths(dir: &Path) -> Result<BTreeSet<String>, DiffError> {
    let mut out = BTreeSet::new();
    for (name, path) in xsd_files(dir)? {
        if name == COMMON_SCHEMA_FILE {
            continue;
        }
        out.extend(load(&path)?.configured_paths());
    }
    Ok(out)
}

/// Whether a change can break a client built on the old schema; see the module
/// documentation for the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    /// A client built on the old schema can fail against a peer that follows the new one.
    Breaking,
    /// A client built on the old schema keeps working.
    Compatible,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Breaking => "BREAKING",
            Severity::Compatible => "COMPATIBLE",
        })
    }
}

/// What kind of difference a [`Change`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// The path is only in the new schema.
    Added,
    /// The path is only in the old schema.
    Removed,
    /// The path's minimum occurrence went from 1 or more to 0.
    MadeOptional,
    /// The path's minimum occurrence went from 0 to 1 or more.
    MadeRequired,
    /// The path's occurrence changed otherwise (a new maximum, or a new non-zero minimum).
    CardinalityChanged,
    /// The path's lexical type changed (`string -> integer`).
    TypeChanged,
    /// An enumeration at the path gained a value.
    EnumValueAdded,
    /// An enumeration at the path lost a value.
    EnumValueRemoved,
    /// An enumeration became open (accepts any text) or closed.
    EnumOpenness,
    /// One of the practice's configured lists (F17) has other values: practice
    /// configuration, never breaking.
    ConfiguredList,
}

/// One difference at one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Breaking or compatible, for the side and the [`Policy`].
    pub severity: Severity,
    /// The document the path is in.
    pub side: Side,
    /// What kind of difference it is.
    pub kind: ChangeKind,
    /// Whether the path names an element, an attribute or a wildcard.
    pub node: NodeKind,
    /// The path (`/ClientIntegrationResponse/Response/...`, attributes as `.../@Name`).
    pub path: String,
    /// What changed, e.g. `0..1 -> 0..unbounded`, `"Inactive"`, `string -> integer`.
    pub detail: String,
}

/// The diff of two versions of one schema file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileDiff {
    /// The old schema's file name.
    pub old: String,
    /// The new schema's file name (another when a new version of a function is diffed
    /// against the old one).
    pub new: String,
    /// Every difference, by path.
    pub changes: Vec<Change>,
    /// What was compared, when not both sides (`request side only: ...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl FileDiff {
    /// The number of breaking changes.
    pub fn breaking(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.severity == Severity::Breaking)
            .count()
    }
}

/// The diff of two schema sets (or of two files: one `FileDiff`, nothing added or
/// removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// How responses were taken to be read.
    pub policy: Policy,
    /// Schema files only in the new set.
    pub added: Vec<String>,
    /// Schema files only in the old set.
    pub removed: Vec<String>,
    /// Files that differ, and new versions of a function diffed against the highest
    /// old version of it.
    pub diffs: Vec<FileDiff>,
    /// Files whose text is identical.
    pub unchanged: Vec<String>,
}

impl Report {
    /// Whether any change is breaking (a removed function version counts).
    pub fn has_breaking(&self) -> bool {
        !self.removed.is_empty() || self.diffs.iter().any(|d| d.breaking() > 0)
    }

    /// The report as pretty-printed JSON (the `--json` output).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serializes")
    }

    /// A plain-text report: the policy, added, removed and unchanged files, each diff's
    /// changes (severity, side, kind, path, detail), and totals.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let policy = match self.policy {
            Policy::StrictReader => {
                "strict reader (a reader that refuses unknown response elements: every added \
                 response element breaks it)"
            }
            Policy::TolerantReader => {
                "tolerant reader (our bindings: an unknown response element, attribute or \
                 enumeration value is kept and reported as drift, so an added one is \
                 compatible; a removed required or retyped one still breaks readers that rely \
                 on it)"
            }
        };
        let _ = writeln!(out, "policy: {policy}");
        for f in &self.added {
            let _ = writeln!(out, "added:   {f}");
        }
        for f in &self.removed {
            let _ = writeln!(out, "removed: {f} (BREAKING for clients that use it)");
        }
        for f in &self.unchanged {
            let _ = writeln!(out, "unchanged: {f}");
        }
        for d in &self.diffs {
            let title = if d.old == d.new {
                d.old.clone()
            } else {
                format!("{} -> {}", d.old, d.new)
            };
            let _ = writeln!(
                out,
                "\n{title}: {} changes, {} breaking",
                d.changes.len(),
                d.breaking()
            );
            if let Some(note) = &d.note {
                let _ = writeln!(out, "  ({note})");
            }
            for c in &d.changes {
                let _ = writeln!(
                    out,
                    "  {:<10} {:<8} {:<20} {} {}",
                    c.severity.to_string(),
                    format!("{:?}", c.side).to_lowercase(),
                    format!("{:?}", c.kind),
                    c.path,
                    c.detail
                );
            }
        }
        let breaking: usize = self.diffs.iter().map(FileDiff::breaking).sum();
        let total: usize = self.diffs.iter().map(|d| d.changes.len()).sum();
        let _ = writeln!(
            out,
            "\n{total} changes ({breaking} breaking); {} added, {} removed, {} unchanged files",
            self.added.len(),
            self.removed.len(),
            self.unchanged.len()
        );
        out
    }
}

// ---------------------------------------------------------------------------------
// Reading a schema into paths
// ---------------------------------------------------------------------------------

/// Reads a schema file (and what it includes) into its paths.
pub fn load(path: &Path) -> Result<SchemaView, DiffError> {
    let (_, types) = crate::schema::read(path)?;
    let mut walker = Walker {
        types: &types,
        globals: Vec::new(),
        path,
    };
    let mut view = SchemaView::default();

    let globals: Vec<&TypeIdent> = types
        .items
        .keys()
        .filter(|id| id.type_ == IdentType::Element && !walker.is_xs(id))
        .collect();
    let roots: Vec<(&TypeIdent, Side)> = {
        let find = |name: &str| globals.iter().find(|id| id.name.as_str() == name).copied();
        match (find(REQUEST_ROOT), find(RESPONSE_ROOT)) {
            (None, None) => globals.iter().map(|id| (*id, Side::Both)).collect(),
            (req, resp) => req
                .map(|r| (r, Side::Request))
                .into_iter()
                .chain(resp.map(|r| (r, Side::Response)))
                .collect(),
        }
    };
    view.request_only = roots.iter().any(|(_, side)| *side == Side::Request)
        && !roots.iter().any(|(_, side)| *side == Side::Response);
    walker.globals = globals
        .iter()
        .filter(|id| {
            ![REQUEST_ROOT, RESPONSE_ROOT].contains(&id.name.as_str()) && !id.name.is_generated()
        })
        .copied()
        .collect();
    for (ident, side) in roots {
        let path = format!("/{}", ident.name.as_str());
        walker.element(
            &mut view,
            side,
            &path,
            (ident, &[]),
            1,
            Some(1),
            &mut Vec::new(),
        )?;
    }
    Ok(view)
}

struct Walker<'a> {
    types: &'a MetaTypes,
    /// The global elements other than the two roots: what a lax `xs:any` holds.
    globals: Vec<&'a TypeIdent>,
    /// The schema file, for errors.
    path: &'a Path,
}

/// Occurrence context of the content being flattened.
#[derive(Clone, Copy)]
struct Ctx {
    /// The enclosing group may be absent.
    optional: bool,
    /// The enclosing group may repeat.
    repeated: bool,
}

impl Walker<'_> {
    fn is_xs(&self, ident: &TypeIdent) -> bool {
        crate::schema::is_xs(self.types, ident)
    }

    fn get(&self, ident: &TypeIdent) -> Result<&MetaType, DiffError> {
        crate::schema::get(self.types, ident).map_err(|source| DiffError::Types {
            path: self.path.to_path_buf(),
            source,
        })
    }

    /// Follows references (global elements, `type="X"` aliases) to the type itself.
    fn resolve<'b>(&'b self, mut ident: &'b TypeIdent) -> Result<&'b TypeIdent, DiffError> {
        for _ in 0..64 {
            if self.is_xs(ident) || ident.type_ == IdentType::BuildIn {
                return Ok(ident);
            }
            match &self.get(ident)?.variant {
                MetaTypeVariant::Reference(r) => ident = &r.type_,
                _ => return Ok(ident),
            }
        }
        Err(DiffError::ReferenceCycle {
            path: self.path.to_path_buf(),
            name: ident.name.as_str().to_string(),
        })
    }

    /// The lexical type, the display name, enumeration values and openness of a type.
    fn describe(
        &self,
        ident: &TypeIdent,
    ) -> Result<(String, String, BTreeSet<String>, bool), DiffError> {
        let ident = self.resolve(ident)?;
        let display = if ident.name.is_generated() {
            "(anonymous)".to_string()
        } else {
            ident.name.as_str().to_string()
        };
        if self.is_xs(ident) || ident.type_ == IdentType::BuildIn {
            return Ok((
                lexical(ident.name.as_str()),
                display,
                BTreeSet::new(),
                false,
            ));
        }
        let ty = self.get(ident)?;
        Ok(match &ty.variant {
            MetaTypeVariant::SimpleType(s) => {
                let (lex, _, values, open) = self.describe(&s.base)?;
                let lex = if s.is_list {
                    format!("list({lex})")
                } else {
                    lex
                };
                (lex, display, values, open)
            }
            MetaTypeVariant::Enumeration(e) => {
                let lex = match e.base.as_ident() {
                    Some(base) => self.describe(base)?.0,
                    None => "string".into(),
                };
                let values = e
                    .variants
                    .iter()
                    .map(|v| v.ident.name.as_str().to_string())
                    .collect();
                (lex, display, values, false)
            }
            MetaTypeVariant::Union(u) => {
                let mut values = BTreeSet::new();
                let mut open = false;
                let mut lexes = BTreeSet::new();
                for member in u.types.iter() {
                    let (lex, _, member_values, member_open) = self.describe(&member.type_)?;
                    if member_values.is_empty() || member_open {
                        open = true;
                    }
                    values.extend(member_values);
                    lexes.insert(lex);
                }
                let lex = if lexes.len() == 1 {
                    lexes.into_iter().next().unwrap_or_default()
                } else {
                    format!("union({})", lexes.into_iter().collect::<Vec<_>>().join("|"))
                };
                // A union of plain types (dateTime|date) has no values: not "open".
                let open = open && !values.is_empty();
                (lex, display, values, open)
            }
            MetaTypeVariant::ComplexType(c) => {
                // Simple content with attributes: the text's type.
                if let Some(content) = &c.content {
                    let content_ty = self.get(content)?;
                    if !matches!(
                        content_ty.variant,
                        MetaTypeVariant::Sequence(_)
                            | MetaTypeVariant::All(_)
                            | MetaTypeVariant::Choice(_)
                    ) {
                        let (lex, _, values, open) = self.describe(content)?;
                        return Ok((format!("complex(text: {lex})"), display, values, open));
                    }
                }
                ("complex".into(), display, BTreeSet::new(), false)
            }
            MetaTypeVariant::BuildIn(b) => {
                (lexical(&b.to_string()), display, BTreeSet::new(), false)
            }
            _ => ("complex".into(), display, BTreeSet::new(), false),
        })
    }

    /// Records the element at `path` of type `type_`, then its content.
    #[allow(clippy::too_many_arguments)]
    fn element(
        &self,
        view: &mut SchemaView,
        side: Side,
        path: &str,
        (type_, doc): (&TypeIdent, &[String]),
        min: usize,
        max: Option<usize>,
        stack: &mut Vec<TypeIdent>,
    ) -> Result<(), DiffError> {
        let ident = self.resolve(type_)?.clone();
        let (ty, type_name, values, open) = self.describe(&ident)?;
        let configured = is_configured(doc, &ty, &values);
        insert(
            view,
            path,
            Node {
                side,
                kind: NodeKind::Element,
                min,
                max,
                ty,
                type_name,
                configured,
                values,
                open,
                order: 0,
                wildcard: false,
            },
        );
        if self.is_xs(&ident) || ident.type_ == IdentType::BuildIn || stack.contains(&ident) {
            return Ok(());
        }
        let MetaTypeVariant::ComplexType(complex) = &self.get(&ident)?.variant else {
            return Ok(());
        };
        stack.push(ident.clone());
        for attribute in complex.attributes.iter() {
            let name = attribute.ident.name.as_str();
            let (kind, ty, type_name, values, open) = match &attribute.variant {
                AttributeMetaVariant::Type(t) => {
                    let (ty, type_name, values, open) = self.describe(t)?;
                    (NodeKind::Attribute, ty, type_name, values, open)
                }
                _ => (
                    NodeKind::Wildcard,
                    "any".into(),
                    "anyAttribute".into(),
                    BTreeSet::new(),
                    false,
                ),
            };
            let required = attribute.use_ == Use::Required;
            let configured = is_configured(&attribute.documentation, &ty, &values);
            let attr_path = if kind == NodeKind::Wildcard {
                format!("{path}/@*")
            } else {
                format!("{path}/@{name}")
            };
            insert(
                view,
                &attr_path,
                Node {
                    side,
                    kind,
                    min: usize::from(required),
                    max: Some(1),
                    ty,
                    configured,
                    type_name,
                    values,
                    open,
                    order: 0,
                    wildcard: false,
                },
            );
        }
        if let Some(content) = &complex.content {
            let content_ty = self.get(content)?;
            let ctx = Ctx {
                optional: complex.min_occurs == 0,
                repeated: !matches!(complex.max_occurs, MaxOccurs::Bounded(1)),
            };
            self.content(view, side, path, content_ty, ctx, stack)?;
        }
        stack.pop();
        Ok(())
    }

    fn content(
        &self,
        view: &mut SchemaView,
        side: Side,
        parent: &str,
        content: &MetaType,
        ctx: Ctx,
        stack: &mut Vec<TypeIdent>,
    ) -> Result<(), DiffError> {
        match &content.variant {
            MetaTypeVariant::Sequence(group) | MetaTypeVariant::All(group) => {
                for element in group.elements.iter() {
                    self.member(view, side, parent, element, ctx, stack)?;
                }
            }
            MetaTypeVariant::Choice(group) => {
                // Each branch keeps its own occurrences, relative to the branch: the
                // choice itself is what the standard error form and the result are.
                for element in group.elements.iter() {
                    self.member(view, side, parent, element, ctx, stack)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn member(
        &self,
        view: &mut SchemaView,
        side: Side,
        parent: &str,
        element: &ElementMeta,
        ctx: Ctx,
        stack: &mut Vec<TypeIdent>,
    ) -> Result<(), DiffError> {
        let min = if ctx.optional { 0 } else { element.min_occurs };
        let max = if ctx.repeated {
            None
        } else {
            match element.max_occurs {
                MaxOccurs::Unbounded => None,
                MaxOccurs::Bounded(n) => Some(n),
            }
        };
        match &element.variant {
            ElementMetaVariant::Any { meta } => {
                insert(
                    view,
                    &format!("{parent}/*"),
                    Node {
                        side,
                        kind: NodeKind::Wildcard,
                        min,
                        max,
                        ty: format!("any({:?})", meta.process_contents).to_lowercase(),
                        type_name: "xs:any".into(),
                        values: BTreeSet::new(),
                        open: false,
                        configured: false,
                        order: 0,
                        wildcard: false,
                    },
                );
                // The global elements a lax or strict wildcard validates where they appear.
                if !matches!(meta.process_contents, ProcessContentsType::Skip) {
                    for global in &self.globals {
                        let path = format!("{parent}/{}", global.name.as_str());
                        let before = view.nodes.len();
                        self.element(view, side, &path, (global, &[]), 0, None, stack)?;
                        for node in view.nodes.values_mut().filter(|n| n.order >= before) {
                            node.wildcard = true;
                        }
                    }
                }
                Ok(())
            }
            ElementMetaVariant::Text => Ok(()),
            ElementMetaVariant::Type {
                type_,
                mode: ElementMode::Group,
            } => {
                let group = self.get(type_)?;
                let ctx = Ctx {
                    optional: ctx.optional || element.min_occurs == 0,
                    repeated: ctx.repeated || !matches!(element.max_occurs, MaxOccurs::Bounded(1)),
                };
                self.content(view, side, parent, group, ctx, stack)
            }
            ElementMetaVariant::Type {
                type_,
                mode: ElementMode::Element,
            } => {
                let path = format!("{parent}/{}", element.ident.name.as_str());
                let doc = element.documentation.as_slice();
                self.element(view, side, &path, (type_, doc), min, max, stack)
            }
        }
    }
}

/// Two declarations of one path (the same name in two choice branches): the widest
/// occurrence, the first type.
fn insert(view: &mut SchemaView, path: &str, mut node: Node) {
    let order = view.nodes.len();
    match view.nodes.get_mut(path) {
        None => {
            node.order = order;
            view.nodes.insert(path.to_string(), node);
        }
        Some(existing) => {
            existing.min = existing.min.min(node.min);
            existing.max = match (existing.max, node.max) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            };
        }
    }
}

/// XSD built-in names (and xsd-parser's Rust names for them) to a lexical family.
fn lexical(name: &str) -> String {
    match name {
        "string" | "normalizedString" | "token" | "anyURI" | "String" | "Name" | "NCName"
        | "ID" | "IDREF" | "NMTOKEN" | "language" => "string",
        "boolean" | "bool" => "boolean",
        "integer" | "long" | "int" | "short" | "byte" | "i64" | "i32" | "i16" | "i8" | "isize" => {
            "integer"
        }
        "unsignedLong" | "unsignedInt" | "unsignedShort" | "unsignedByte"
        | "nonNegativeInteger" | "positiveInteger" | "u64" | "u32" | "u16" | "u8" | "usize" => {
            "unsigned integer"
        }
        "decimal" | "double" | "float" | "f64" | "f32" => "decimal",
        other => return other.to_string(),
    }
    .to_string()
}

// ---------------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------------

fn is_version_pin(path: &str) -> bool {
    [REQUEST_ROOT, RESPONSE_ROOT].iter().any(|root| {
        path == format!("/{root}/Function") || path == format!("/{root}/FunctionVersion")
    })
}

/// `a > b` for maxima, unbounded being the largest.
fn max_greater(a: Option<usize>, b: Option<usize>) -> bool {
    match (a, b) {
        (None, Some(_)) => true,
        (Some(a), Some(b)) => a > b,
        _ => false,
    }
}

/// The changes from `old` to `new`, classified under `policy`.
pub fn diff_views(old: &SchemaView, new: &SchemaView, policy: Policy) -> Vec<Change> {
    diff_views_with(
        old,
        new,
        &Options {
            policy,
            ..Options::default()
        },
    )
}

/// The request side only, when either schema describes no response (SystmOne's own
/// files, F13: that a file has no response schema says nothing about the responses).
fn request_sides(old: &SchemaView, new: &SchemaView) -> Option<(SchemaView, SchemaView)> {
    if !(old.request_only || new.request_only) || (old.request_only && new.request_only) {
        return None;
    }
    let keep = |v: &SchemaView| SchemaView {
        nodes: v
            .nodes
            .iter()
            .filter(|(_, n)| n.side == Side::Request)
            .map(|(p, n)| (p.clone(), n.clone()))
            .collect(),
        request_only: true,
    };
    Some((keep(old), keep(new)))
}

/// The changes from `old` to `new`, classified under `options`: a request-only schema
/// is compared on its request side, the practice's configured lists are configuration.
pub fn diff_views_with(old: &SchemaView, new: &SchemaView, options: &Options) -> Vec<Change> {
    let sides = request_sides(old, new);
    let (old, new) = match &sides {
        Some((o, n)) => (o, n),
        None => (old, new),
    };
    let policy = options.policy;
    let mut changes = Vec::new();
    let paths: BTreeSet<&String> = old.nodes.keys().chain(new.nodes.keys()).collect();
    // Below an added or removed path, everything is added or removed: report the top.
    let under = |path: &str, set: &BTreeMap<String, Node>, other: &BTreeMap<String, Node>| {
        path.rmatch_indices('/').any(|(i, _)| {
            let prefix = &path[..i];
            set.contains_key(prefix) && !other.contains_key(prefix)
        })
    };
    for path in paths {
        match (old.nodes.get(path), new.nodes.get(path)) {
            (None, Some(n)) => {
                if under(path, &new.nodes, &old.nodes) {
                    continue;
                }
                let detail = format!(
                    "{} {} ({}, {})",
                    if n.min > 0 { "required" } else { "optional" },
                    kind_name(n.kind),
                    n.occurs(),
                    n.ty
                );
                push(&mut changes, policy, path, n, n, ChangeKind::Added, detail);
            }
            (Some(o), None) => {
                if under(path, &old.nodes, &new.nodes) {
                    continue;
                }
                let detail = format!(
                    "{} {} ({}, {})",
                    if o.min > 0 { "required" } else { "optional" },
                    kind_name(o.kind),
                    o.occurs(),
                    o.ty
                );
                push(
                    &mut changes,
                    policy,
                    path,
                    o,
                    o,
                    ChangeKind::Removed,
                    detail,
                );
            }
            (Some(o), Some(n)) => {
                let configured = o.configured || n.configured || options.configured.contains(path);
                compare_nodes(&mut changes, policy, path, o, n, configured)
            }
            (None, None) => {}
        }
    }
    changes
}

fn kind_name(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Element => "element",
        NodeKind::Attribute => "attribute",
        NodeKind::Wildcard => "wildcard",
    }
}

/// A version number's text as a number's (`1`, `1.0` and `1.00` are one version, F13).
fn version_number(v: &str) -> String {
    let v = v.trim();
    match v.split_once('.') {
        Some((whole, fraction)) => {
            let fraction = fraction.trim_end_matches('0');
            if fraction.is_empty() {
                whole.to_string()
            } else {
                format!("{whole}.{fraction}")
            }
        }
        None => v.to_string(),
    }
}

fn compare_nodes(
    changes: &mut Vec<Change>,
    policy: Policy,
    path: &str,
    o: &Node,
    n: &Node,
    configured: bool,
) {
    let occurs = format!("{} -> {}", o.occurs(), n.occurs());
    if o.wildcard || n.wildcard {
        // Any number, any order: occurrence is not compared.
    } else if o.min == 0 && n.min > 0 {
        push(
            changes,
            policy,
            path,
            o,
            n,
            ChangeKind::MadeRequired,
            occurs.clone(),
        );
    } else if o.min > 0 && n.min == 0 {
        push(
            changes,
            policy,
            path,
            o,
            n,
            ChangeKind::MadeOptional,
            occurs.clone(),
        );
    } else if o.min != n.min || o.max != n.max {
        push(
            changes,
            policy,
            path,
            o,
            n,
            ChangeKind::CardinalityChanged,
            occurs.clone(),
        );
    }
    if !(o.wildcard || n.wildcard) && (o.min == 0) != (n.min == 0) && o.max != n.max {
        // Required-ness and the maximum changed together: both are reported.
        push(
            changes,
            policy,
            path,
            o,
            n,
            ChangeKind::CardinalityChanged,
            occurs,
        );
    }
    let pin = is_version_pin(path);
    if pin {
        // The pin's type (our enumeration of "1.0", SystmOne's xs:decimal fixed at 1) is
        // not a change; only another version number is.
        let numbers =
            |n: &Node| -> BTreeSet<String> { n.values.iter().map(|v| version_number(v)).collect() };
        if o.values.is_empty() || n.values.is_empty() || numbers(o) == numbers(n) {
            return;
        }
    }
    if configured && (o.values != n.values || o.open != n.open) {
        let added = n.values.difference(&o.values).count();
        let removed = o.values.difference(&n.values).count();
        let values = |n: &Node| {
            if n.values.is_empty() {
                "open text".to_string()
            } else {
                format!("{} values", n.values.len())
            }
        };
        let detail = format!(
            "practice configuration (F17), not a change: {} -> {} ({added} added, {removed} removed)",
            values(o),
            values(n)
        );
        changes.push(Change {
            severity: Severity::Compatible,
            side: n.side,
            kind: ChangeKind::ConfiguredList,
            node: n.kind,
            path: path.to_string(),
            detail,
        });
    }
    if o.ty != n.ty && !pin {
        let show = |n: &Node| {
            if n.type_name == n.ty {
                n.ty.clone()
            } else {
                format!("{} ({})", n.ty, n.type_name)
            }
        };
        let detail = format!("{} -> {}", show(o), show(n));
        push(changes, policy, path, o, n, ChangeKind::TypeChanged, detail);
    }
    if configured {
        return;
    }
    for added in n.values.difference(&o.values) {
        push(
            changes,
            policy,
            path,
            o,
            n,
            ChangeKind::EnumValueAdded,
            format!("{added:?}"),
        );
    }
    for removed in o.values.difference(&n.values) {
        push(
            changes,
            policy,
            path,
            o,
            n,
            ChangeKind::EnumValueRemoved,
            format!("{removed:?}"),
        );
    }
    if o.open != n.open {
        let detail = if n.open {
            "closed -> open"
        } else {
            "open -> closed"
        };
        push(
            changes,
            policy,
            path,
            o,
            n,
            ChangeKind::EnumOpenness,
            detail.into(),
        );
    }
}

fn push(
    changes: &mut Vec<Change>,
    policy: Policy,
    path: &str,
    o: &Node,
    n: &Node,
    kind: ChangeKind,
    detail: String,
) {
    let severity = if is_version_pin(path)
        && matches!(
            kind,
            ChangeKind::EnumValueAdded | ChangeKind::EnumValueRemoved
        ) {
        Severity::Compatible
    } else {
        match n.side {
            Side::Request => classify(Side::Request, policy, kind, o, n),
            Side::Response => classify(Side::Response, policy, kind, o, n),
            Side::Both => classify(Side::Request, policy, kind, o, n).min(classify(
                Side::Response,
                policy,
                kind,
                o,
                n,
            )),
        }
    };
    changes.push(Change {
        severity,
        side: n.side,
        kind,
        node: n.kind,
        path: path.to_string(),
        detail,
    });
}

/// The policy of the module documentation. `o` and `n` are the old and new node (the
/// same node for additions and removals).
pub fn classify(side: Side, policy: Policy, kind: ChangeKind, o: &Node, n: &Node) -> Severity {
    use ChangeKind::*;
    use Severity::*;
    let breaking = |b: bool| if b { Breaking } else { Compatible };
    match side {
        Side::Request | Side::Both => match kind {
            Added => breaking(n.min > 0),
            Removed => Breaking,
            MadeOptional => Compatible,
            MadeRequired => Breaking,
            CardinalityChanged => breaking(max_greater(o.max, n.max) || n.min > o.min),
            TypeChanged => Breaking,
            EnumValueAdded => Compatible,
            EnumValueRemoved => Breaking,
            EnumOpenness => breaking(!n.open),
            ConfiguredList => Compatible,
        },
        Side::Response => match kind {
            Added => match (n.kind, policy) {
                (NodeKind::Attribute, _) => Compatible,
                (_, Policy::StrictReader) => Breaking,
                (_, Policy::TolerantReader) => Compatible,
            },
            Removed => breaking(o.min > 0),
            // A single required field becomes absent; a list copes with none.
            MadeOptional => breaking(o.max == Some(1)),
            MadeRequired => Compatible,
            CardinalityChanged => {
                breaking(max_greater(n.max, o.max) || (n.min < o.min && o.max == Some(1)))
            }
            TypeChanged => Breaking,
            // Our bindings keep a value they do not know (as unlisted, reported as
            // drift); a strict reader refuses it.
            EnumValueAdded => breaking(!o.open && policy == Policy::StrictReader),
            EnumValueRemoved => Compatible,
            EnumOpenness => breaking(n.open && policy == Policy::StrictReader),
            ConfiguredList => Compatible,
        },
    }
}

/// Diffs two schema files.
pub fn diff_files(old: &Path, new: &Path, policy: Policy) -> Result<FileDiff, DiffError> {
    diff_files_with(
        old,
        new,
        &Options {
            policy,
            ..Options::default()
        },
    )
}

/// Diffs two schema files under `options`.
pub fn diff_files_with(old: &Path, new: &Path, options: &Options) -> Result<FileDiff, DiffError> {
    let old_view = load(old)?;
    let new_view = load(new)?;
    let note = match (old_view.request_only, new_view.request_only) {
        (true, false) | (false, true) => Some(
            "request side only: one file describes no response (SystmOne's own files hold \
             the request only, F13)"
                .to_string(),
        ),
        _ => None,
    };
    let mut changes = diff_views_with(&old_view, &new_view, options);
    changes.sort_by(|a, b| {
        (a.side, &a.path, a.kind, &a.detail).cmp(&(b.side, &b.path, b.kind, &b.detail))
    });
    Ok(FileDiff {
        old: display_name(old),
        new: display_name(new),
        changes,
        note,
    })
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// `"<Function> v<Version>.xsd"` → (function, version).
pub fn parse_schema_file_name(name: &str) -> Option<(String, String)> {
    let stem = name.strip_suffix(".xsd")?;
    let (function, version) = stem.rsplit_once(" v")?;
    if function.is_empty() || version.is_empty() {
        return None;
    }
    Some((function.to_string(), version.to_string()))
}

fn xsd_files(dir: &Path) -> Result<BTreeMap<String, PathBuf>, DiffError> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(io_error(dir))? {
        let path = entry.map_err(io_error(dir))?.path();
        if path.extension().is_some_and(|e| e == "xsd") && path.is_file() {
            files.insert(display_name(&path), path);
        }
    }
    Ok(files)
}

/// Diffs two files, or two directories of schemas: files are paired by name; a new
/// version of a function is also diffed against the highest old version of it. The
/// common schema is not diffed on its own: its changes show in every function that
/// uses it, on the side where they matter.
pub fn diff(old: &Path, new: &Path, policy: Policy) -> Result<Report, DiffError> {
    diff_with(
        old,
        new,
        &Options {
            policy,
            ..Options::default()
        },
    )
}

/// [`diff`] under `options` (the practice's configured lists known from our schemas).
pub fn diff_with(old: &Path, new: &Path, options: &Options) -> Result<Report, DiffError> {
    let policy = options.policy;
    if old.is_file() && new.is_file() {
        let d = diff_files_with(old, new, options)?;
        let unchanged = read(old)? == read(new)?;
        return Ok(Report {
            policy,
            added: Vec::new(),
            removed: Vec::new(),
            unchanged: if unchanged {
                vec![d.old.clone()]
            } else {
                Vec::new()
            },
            diffs: if unchanged { Vec::new() } else { vec![d] },
        });
    }
    if !old.is_dir() || !new.is_dir() {
        return Err(DiffError::NotComparable {
            old: old.to_path_buf(),
            new: new.to_path_buf(),
        });
    }
    let old_files = xsd_files(old)?;
    let new_files = xsd_files(new)?;
    let mut report = Report {
        policy,
        added: Vec::new(),
        removed: Vec::new(),
        diffs: Vec::new(),
        unchanged: Vec::new(),
    };
    let common_changed = old_files
        .get(COMMON_SCHEMA_FILE)
        .zip(new_files.get(COMMON_SCHEMA_FILE))
        .map(|(a, b)| read(a).ok() != read(b).ok())
        .unwrap_or(false);
    for (name, new_path) in &new_files {
        match old_files.get(name) {
            None => {
                report.added.push(name.clone());
                // A new version of a function we know: what changed since the newest old one.
                if let Some((function, version)) = parse_schema_file_name(name) {
                    let previous = old_files
                        .keys()
                        .filter_map(|n| parse_schema_file_name(n).map(|(f, v)| (n, f, v)))
                        .filter(|(_, f, v)| {
                            f == &function
                                && compare_versions(v, &version) == std::cmp::Ordering::Less
                        })
                        .max_by(|a, b| compare_versions(&a.2, &b.2));
                    if let Some((prev_name, _, _)) = previous {
                        report.diffs.push(diff_files_with(
                            &old_files[prev_name],
                            new_path,
                            options,
                        )?);
                    }
                }
            }
            Some(old_path) => {
                let same_text = read(old_path)? == read(new_path)?;
                if name == COMMON_SCHEMA_FILE {
                    if same_text {
                        report.unchanged.push(name.clone());
                    }
                    continue;
                }
                if same_text && !common_changed {
                    report.unchanged.push(name.clone());
                    continue;
                }
                let d = diff_files_with(old_path, new_path, options)?;
                // Another text with the same paths (SystmOne's layout of our schema) is
                // no change either.
                if d.changes.is_empty() {
                    report.unchanged.push(name.clone());
                } else {
                    report.diffs.push(d);
                }
            }
        }
    }
    for name in old_files.keys() {
        // The common schema is no function: SystmOne's self-contained files have none.
        if !new_files.contains_key(name) && name != COMMON_SCHEMA_FILE {
            report.removed.push(name.clone());
        }
    }
    Ok(report)
}

/// The bytes of `path`.
fn read(path: &Path) -> Result<Vec<u8>, DiffError> {
    systmone_core::file::read(path).map_err(io_error(path))
}
