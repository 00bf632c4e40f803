//! Responses grow from evidence: the elements and attributes real responses hold that
//! our schemas do not describe, proposed as additions to `xsd/`.
//!
//! SystmOne never ships response schemas, so what we know of responses comes from
//! observation. [`absorb`] reads evidence — saved response documents, proxy recordings
//! (`--record DIR`), conformance reports (`--json`) and drift reports
//! (`systmone parse --drift --json`) — walks each response against our XSDs, and
//! proposes, for every element or attribute they do not declare: its parent path, its
//! place (after its preceding sibling), a type inferred from the values seen (date,
//! dateTime, integer, decimal, 16-hex UID, boolean-like, free text) and its occurrence
//! (`minOccurs="0"`, `maxOccurs="unbounded"` when seen repeated in one parent). The
//! additions come back as edited schema texts ([`Absorbed::diff`] shows them as a
//! unified diff; [`Absorbed::write`] writes them), each annotated with its evidence:
//! how many documents, first seen when.
//!
//! Values are read only to infer a type, in memory: no value reaches the schema, its
//! annotations, the report or an error message.
//!
//! "First seen" is a recording's request time, else the evidence file's modification
//! day. A drift report gives paths and the class of each first value, not places: its
//! additions go last in their type unless a document shows where they stand. What a
//! person must describe (an element holding elements, an attribute on an element of
//! simple content, a new data item where a wildcard stands) is listed in
//! [`Absorbed::left`], never written.
//!
//! ```
//! use systmone_upkeep::absorb::{Shape, infer_type, shape_of};
//! assert_eq!(shape_of("2025-11-03"), Shape::Date);
//! assert_eq!(shape_of("a1c4e07b00000000"), Shape::Uid);
//! assert_eq!(infer_type(&[Shape::Integer, Shape::Decimal]), "xs:decimal");
//! assert_eq!(infer_type(&[Shape::Date, Shape::Empty]), "LenientDateOrEmpty");
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use quick_xml::Reader;
use quick_xml::events::Event;
use serde::Deserialize;

/// The limits on what evidence is read: every size and count read from a file has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest evidence or schema file read, in bytes.
    pub max_file_bytes: usize,
    /// The most documents read in all (a recording or a conformance report holds many).
    pub max_documents: usize,
    /// The deepest element nesting walked.
    pub max_depth: usize,
    /// The most distinct undeclared elements and attributes collected.
    pub max_findings: usize,
    /// The most schema files one function's schema includes.
    pub max_schema_files: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: systmone_core::file::DEFAULT_MAX_FILE_SIZE,
            max_documents: 100_000,
            max_depth: 256,
            max_findings: 10_000,
            max_schema_files: 64,
        }
    }
}

/// Why evidence or a schema could not be absorbed. No message holds a value read from
/// a document.
#[derive(Debug, thiserror::Error)]
pub enum AbsorbError {
    /// A file could not be read (or is larger than the limit).
    #[error(transparent)]
    File(#[from] systmone_core::file::FileError),
    /// A directory could not be listed.
    #[error("cannot list {}: {source}", path.display())]
    Dir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file is none of the kinds of evidence absorb reads.
    #[error("{}: not evidence absorb reads ({why})", path.display())]
    NotEvidence {
        /// The file.
        path: PathBuf,
        /// What it lacked.
        why: &'static str,
    },
    /// A JSON file does not have the shape of its kind of evidence.
    #[error("{}: not a readable {kind} (line {line}, column {column})", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// What it was read as.
        kind: &'static str,
        /// Where the reading failed.
        line: usize,
        /// Where the reading failed.
        column: usize,
    },
    /// A document or schema is not well-formed XML.
    #[error("{what}: not well-formed XML near byte {position}")]
    Xml {
        /// The file (and document within it).
        what: String,
        /// The byte offset where reading failed.
        position: u64,
    },
    /// A document nests deeper than [`Limits::max_depth`].
    #[error("{what}: elements nested deeper than the limit of {limit}")]
    TooDeep {
        /// The file (and document within it).
        what: String,
        /// The limit.
        limit: usize,
    },
    /// More documents, findings or schema files than the limits allow.
    #[error("more {what} than the limit of {limit}")]
    TooMany {
        /// What there were too many of.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// No schema in the directory describes a function version the evidence holds.
    #[error("no schema for {function} {version} in {}", dir.display())]
    NoSchema {
        /// The function.
        function: String,
        /// Its version.
        version: String,
        /// The schema directory.
        dir: PathBuf,
    },
    /// A schema does not have the shape our schemas have.
    #[error("{}: {why}", path.display())]
    Schema {
        /// The schema file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// Writing a schema file failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

// ---------------------------------------------------------------------------
// Value shapes and the types inferred from them.
// ---------------------------------------------------------------------------

/// The class of a value: all absorb keeps of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shape {
    /// The empty string.
    Empty,
    /// `CCYY-MM-DD`.
    Date,
    /// `CCYY-MM-DDThh:mm:ss`, with optional fraction and zone.
    DateTime,
    /// An optionally signed whole number.
    Integer,
    /// An optionally signed number with a fraction.
    Decimal,
    /// Sixteen hexadecimal digits (SystmOne's UIDs: `a1c4e07b00000000`).
    Uid,
    /// `true` or `false`.
    Boolean,
    /// `Yes`, `No` or `Unknown`.
    YesNo,
    /// Anything else.
    Text,
}

impl Shape {
    /// The class's name, as annotations and reports show it.
    pub fn describe(self) -> &'static str {
        match self {
            Shape::Empty => "empty",
            Shape::Date => "date",
            Shape::DateTime => "dateTime",
            Shape::Integer => "integer",
            Shape::Decimal => "decimal",
            Shape::Uid => "16-hex UID",
            Shape::Boolean => "boolean",
            Shape::YesNo => "Yes/No",
            Shape::Text => "free text",
        }
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    s.is_ascii()
        && b.len() == 10
        && digits(&s[0..4])
        && b[4] == b'-'
        && digits(&s[5..7])
        && b[7] == b'-'
        && digits(&s[8..10])
        && (1..=12).contains(&s[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u8>().unwrap_or(0))
}

fn is_date_time(s: &str) -> bool {
    if s.len() < 19 || !s.is_ascii() {
        return false;
    }
    let (date, rest) = s.split_at(10);
    let b = rest.as_bytes();
    if !is_date(date) || b[0] != b'T' {
        return false;
    }
    let time = &rest[1..9];
    let t = time.as_bytes();
    let time_ok = digits(&time[0..2])
        && t[2] == b':'
        && digits(&time[3..5])
        && t[5] == b':'
        && digits(&time[6..8]);
    let mut tail = &rest[9..];
    if let Some(fraction) = tail.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        tail = &fraction[n..];
    }
    let zone_ok = match tail.as_bytes() {
        [] | [b'Z'] => true,
        [b'+' | b'-', ..] => {
            tail.len() == 6 && digits(&tail[1..3]) && &tail[3..4] == ":" && digits(&tail[4..6])
        }
        _ => false,
    };
    time_ok && zone_ok
}

/// The class of one value (read in memory, never kept).
pub fn shape_of(value: &str) -> Shape {
    let unsigned = value.strip_prefix(['-', '+']).unwrap_or(value);
    if value.is_empty() {
        Shape::Empty
    } else if value.len() == 16 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        Shape::Uid
    } else if value == "true" || value == "false" {
        Shape::Boolean
    } else if matches!(value, "Yes" | "No" | "Unknown") {
        Shape::YesNo
    } else if digits(unsigned) {
        Shape::Integer
    } else if unsigned
        .split_once('.')
        .is_some_and(|(whole, fraction)| digits(whole) && digits(fraction))
    {
        Shape::Decimal
    } else if is_date(value) {
        Shape::Date
    } else if is_date_time(value) {
        Shape::DateTime
    } else {
        Shape::Text
    }
}

/// The schema type for the classes of values seen: one of our shared types
/// (`ClientIntegrationTypes.xsd`) or an XML Schema built-in; free text when they
/// disagree. An empty value beside a number or a flag makes it free text (our lenient
/// date types accept empties; `xs:integer` does not).
pub fn infer_type(shapes: &[Shape]) -> &'static str {
    let empty = shapes.contains(&Shape::Empty);
    let mut seen: Vec<Shape> = shapes
        .iter()
        .copied()
        .filter(|s| *s != Shape::Empty)
        .collect();
    seen.sort();
    seen.dedup();
    let only = |allowed: &[Shape]| !seen.is_empty() && seen.iter().all(|s| allowed.contains(s));
    if only(&[Shape::Date]) {
        if empty {
            "LenientDateOrEmpty"
        } else {
            "LenientDate"
        }
    } else if only(&[Shape::Date, Shape::DateTime]) {
        if empty {
            "LenientDateTimeOrEmpty"
        } else {
            "LenientDateTime"
        }
    } else if only(&[Shape::YesNo]) {
        if empty {
            "YesNoUnknownOrEmpty"
        } else {
            "YesNoUnknown"
        }
    } else if empty {
        "xs:string"
    } else if only(&[Shape::Integer]) {
        "xs:integer"
    } else if only(&[Shape::Integer, Shape::Decimal]) {
        "xs:decimal"
    } else if only(&[Shape::Uid]) {
        "Uid"
    } else if only(&[Shape::Boolean]) {
        "xs:boolean"
    } else {
        "xs:string"
    }
}

/// Whether `name` is a plain (unprefixed) XML name: what absorb writes into a schema.
fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && name.len() <= 128
}

// ---------------------------------------------------------------------------
// Our schemas, with the byte offsets of their declarations (to insert beside them).
// ---------------------------------------------------------------------------

#[derive(Debug)]
struct Node {
    /// The local name (`element`, `complexType`, ...).
    tag: String,
    attrs: Vec<(String, String)>,
    children: Vec<usize>,
    /// The offset of the start tag's `<`.
    start: usize,
    /// The offset just past the element (its end tag, or the empty tag).
    end: usize,
    /// The offset of the end tag's `<`, when there is one.
    close: Option<usize>,
    parent: Option<usize>,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug)]
struct XsdFile {
    path: PathBuf,
    text: String,
    nodes: Vec<Node>,
}

impl XsdFile {
    fn parse(path: PathBuf, text: String, limits: &Limits) -> Result<Self, AbsorbError> {
        let mut nodes: Vec<Node> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut reader = Reader::from_str(&text);
        let bad = |position| AbsorbError::Xml {
            what: path.display().to_string(),
            position,
        };
        loop {
            let before = reader.buffer_position() as usize;
            let event = reader
                .read_event()
                .map_err(|_| bad(reader.error_position()))?;
            let after = reader.buffer_position() as usize;
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let tag = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    let mut attrs = Vec::new();
                    for a in e.attributes() {
                        let a = a.map_err(|_| bad(before as u64))?;
                        let value = a
                            .decode_and_unescape_value(reader.decoder())
                            .map_err(|_| bad(before as u64))?;
                        attrs.push((
                            String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned(),
                            value.into_owned(),
                        ));
                    }
                    let index = nodes.len();
                    let empty = matches!(event, Event::Empty(_));
                    nodes.push(Node {
                        tag,
                        attrs,
                        children: Vec::new(),
                        start: before,
                        end: after,
                        close: None,
                        parent: stack.last().copied(),
                    });
                    if let Some(&parent) = stack.last() {
                        nodes[parent].children.push(index);
                    }
                    if !empty {
                        if stack.len() >= limits.max_depth {
                            return Err(AbsorbError::TooDeep {
                                what: path.display().to_string(),
                                limit: limits.max_depth,
                            });
                        }
                        stack.push(index);
                    }
                }
                Event::End(_) => {
                    let index = stack.pop().ok_or_else(|| bad(before as u64))?;
                    nodes[index].close = Some(before);
                    nodes[index].end = after;
                }
                Event::Eof if stack.is_empty() => break,
                // Ends inside an element: cut short.
                Event::Eof => return Err(bad(before as u64)),
                _ => {}
            }
        }
        if nodes.is_empty() || nodes[0].tag != "schema" {
            return Err(AbsorbError::Schema {
                path,
                why: "the root element is not xs:schema".into(),
            });
        }
        Ok(XsdFile { path, text, nodes })
    }

    /// The whitespace before `offset` on its line.
    fn indent_at(&self, offset: usize) -> &str {
        let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let prefix = &self.text[line_start..offset];
        if prefix.chars().all(char::is_whitespace) {
            prefix
        } else {
            ""
        }
    }
}

/// A node of one of the schema's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Loc {
    file: usize,
    node: usize,
}

/// What an element holds, as far as absorb needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    /// A complex type (named or anonymous): its children and attributes are checked.
    Complex(Loc),
    /// Simple content: text, no attributes.
    Simple,
    /// Anything (`xs:anyType`, a wildcard, or a type absorb does not follow).
    Any,
}

/// A declared child element: its name, its declaration and what it holds.
#[derive(Debug, Clone)]
struct Declared {
    name: String,
    at: Loc,
    ty: Ty,
}

/// What a child element is, to its parent's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookup {
    /// Declared (or a global element a wildcard takes in).
    Declared(Ty),
    /// Taken in by a wildcard, but no global element describes it.
    Wildcard,
    /// Not declared.
    Undeclared,
}

/// One function version's schema: its file and the files it includes.
#[derive(Debug)]
struct Schema {
    files: Vec<XsdFile>,
    complex: HashMap<String, Loc>,
    groups: HashMap<String, Loc>,
    simple: HashSet<String>,
    /// Global elements (the data items an Event's wildcard holds, `LinkedProblemUID`).
    elements: HashMap<String, Loc>,
    /// The `ClientIntegrationResponse` element.
    response_root: Option<Loc>,
}

/// Schema texts by file, as edited so far.
type Texts = BTreeMap<PathBuf, String>;

impl Schema {
    /// Loads `path` and what it includes, reading each file from `texts` when it is
    /// there (edits not yet written) and from disk otherwise (then remembered in `texts`).
    fn load(path: &Path, texts: &mut Texts, limits: &Limits) -> Result<Self, AbsorbError> {
        let mut schema = Schema {
            files: Vec::new(),
            complex: HashMap::new(),
            groups: HashMap::new(),
            simple: HashSet::new(),
            elements: HashMap::new(),
            response_root: None,
        };
        let mut queue = vec![path.to_path_buf()];
        let mut seen = HashSet::new();
        while let Some(path) = queue.pop() {
            if !seen.insert(path.clone()) {
                continue;
            }
            if schema.files.len() >= limits.max_schema_files {
                return Err(AbsorbError::TooMany {
                    what: "included schema files",
                    limit: limits.max_schema_files,
                });
            }
            let text = match texts.get(&path) {
                Some(text) => text.clone(),
                None => {
                    let text = systmone_core::file::read_text(&path, limits.max_file_bytes)?;
                    texts.insert(path.clone(), text.clone());
                    text
                }
            };
            let file = XsdFile::parse(path.clone(), text, limits)?;
            let index = schema.files.len();
            for &child in &file.nodes[0].children {
                let node = &file.nodes[child];
                let loc = Loc {
                    file: index,
                    node: child,
                };
                match (node.tag.as_str(), node.attr("name")) {
                    ("include", _) => {
                        if let Some(location) = node.attr("schemaLocation") {
                            let dir = path.parent().unwrap_or(Path::new("."));
                            queue.push(dir.join(location));
                        }
                    }
                    ("complexType", Some(name)) => {
                        schema.complex.insert(name.to_string(), loc);
                    }
                    ("group", Some(name)) => {
                        schema.groups.insert(name.to_string(), loc);
                    }
                    ("simpleType", Some(name)) => {
                        schema.simple.insert(name.to_string());
                    }
                    ("element", Some("ClientIntegrationResponse")) => {
                        schema.response_root = Some(loc);
                    }
                    ("element", Some(name)) => {
                        schema.elements.insert(name.to_string(), loc);
                    }
                    _ => {}
                }
            }
            schema.files.push(file);
        }
        Ok(schema)
    }

    fn node(&self, loc: Loc) -> &Node {
        &self.files[loc.file].nodes[loc.node]
    }

    fn children(&self, loc: Loc) -> impl Iterator<Item = (Loc, &Node)> {
        self.node(loc).children.iter().map(move |&node| {
            let child = Loc {
                file: loc.file,
                node,
            };
            (child, self.node(child))
        })
    }

    /// What the element declared at `loc` holds.
    fn element_type(&self, loc: Loc) -> Ty {
        let node = self.node(loc);
        if let Some(name) = node.attr("type") {
            return match name.split_once(':') {
                Some((_, "anyType")) => Ty::Any,
                Some(_) => Ty::Simple,
                None => match self.complex.get(name) {
                    Some(&t) => self.complex_type(t),
                    None if self.simple.contains(name) => Ty::Simple,
                    None => Ty::Any,
                },
            };
        }
        for (child, node) in self.children(loc) {
            match node.tag.as_str() {
                "complexType" => return self.complex_type(child),
                "simpleType" => return Ty::Simple,
                _ => {}
            }
        }
        Ty::Any
    }

    /// A complex type absorb can follow: children in sequences, choices, alls and
    /// groups, and attributes (simple or complex content it leaves alone).
    fn complex_type(&self, loc: Loc) -> Ty {
        let follows = self
            .children(loc)
            .all(|(_, n)| !matches!(n.tag.as_str(), "simpleContent" | "complexContent"));
        if follows { Ty::Complex(loc) } else { Ty::Any }
    }

    /// The child elements `ty` declares, in schema order, and whether a wildcard
    /// (`xs:any`) accepts others.
    fn declared(&self, ty: Loc) -> (Vec<Declared>, bool) {
        let mut out = Vec::new();
        let mut wildcard = false;
        self.walk_particles(ty, 0, &mut out, &mut wildcard);
        (out, wildcard)
    }

    fn walk_particles(&self, loc: Loc, depth: usize, out: &mut Vec<Declared>, wildcard: &mut bool) {
        // Groups may refer to groups; a cycle (or a silly depth) stops here.
        if depth > 32 {
            return;
        }
        for (child, node) in self.children(loc) {
            match node.tag.as_str() {
                "sequence" | "choice" | "all" => {
                    self.walk_particles(child, depth + 1, out, wildcard)
                }
                "group" => match node.attr("ref").and_then(|r| self.groups.get(r)) {
                    Some(&group) => self.walk_particles(group, depth + 1, out, wildcard),
                    None => *wildcard = true,
                },
                "any" => *wildcard = true,
                "element" => match (node.attr("name"), node.attr("ref")) {
                    (Some(name), _) => out.push(Declared {
                        name: name.to_string(),
                        at: child,
                        ty: self.element_type(child),
                    }),
                    (None, Some(name)) => match self.elements.get(name) {
                        // Placed where the reference stands; typed as the global element.
                        Some(&global) => out.push(Declared {
                            name: name.to_string(),
                            at: child,
                            ty: self.element_type(global),
                        }),
                        None => *wildcard = true,
                    },
                    (None, None) => {}
                },
                _ => {}
            }
        }
    }

    /// What child `name` of an element of type `ty` is.
    fn lookup(&self, ty: Loc, name: &str) -> Lookup {
        let (declared, wildcard) = self.declared(ty);
        if let Some(d) = declared.into_iter().find(|d| d.name == name) {
            return Lookup::Declared(d.ty);
        }
        match (wildcard, self.elements.get(name)) {
            // A wildcard reads the global elements (lax): an Event's data items.
            (true, Some(&global)) => Lookup::Declared(self.element_type(global)),
            (true, None) => Lookup::Wildcard,
            (false, _) => Lookup::Undeclared,
        }
    }

    /// The attributes `ty` declares.
    fn attributes(&self, ty: Loc) -> Vec<(String, Loc)> {
        self.children(ty)
            .filter(|(_, n)| n.tag == "attribute")
            .filter_map(|(loc, n)| n.attr("name").map(|name| (name.to_string(), loc)))
            .collect()
    }

    /// What the element at `path` (below the root, `/`-separated) holds, when every
    /// step is declared.
    fn resolve(&self, path: &str) -> Option<Ty> {
        let mut ty = self.element_type(self.response_root?);
        if path.is_empty() {
            return Some(ty);
        }
        for step in path.split('/') {
            let Ty::Complex(loc) = ty else {
                return None;
            };
            let Lookup::Declared(next) = self.lookup(loc, step) else {
                return None;
            };
            ty = next;
        }
        Some(ty)
    }
}

/// The schema file of `function` `version` in `dir`: `<Function> v<version>.xsd`,
/// versions compared as numbers (`1` is `1.0`).
fn schema_file(dir: &Path, function: &str, version: &str) -> Result<PathBuf, AbsorbError> {
    let number = |v: &str| {
        let v = v.trim();
        let (whole, fraction) = v.split_once('.').unwrap_or((v, ""));
        (
            whole.trim_start_matches('0').to_string(),
            fraction.trim_end_matches('0').to_string(),
        )
    };
    let wanted = number(version);
    let prefix = format!("{function} v");
    let entries = std::fs::read_dir(dir).map_err(|source| AbsorbError::Dir {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| AbsorbError::Dir {
            path: dir.to_path_buf(),
            source,
        })?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(v) = name
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".xsd"))
            && number(v) == wanted
        {
            return Ok(entry.path());
        }
    }
    Err(AbsorbError::NoSchema {
        function: function.to_string(),
        version: version.to_string(),
        dir: dir.to_path_buf(),
    })
}

// ---------------------------------------------------------------------------
// Findings: what the evidence holds that the schemas do not declare.
// ---------------------------------------------------------------------------

/// An element or an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    /// A child element.
    Element,
    /// An attribute.
    Attribute,
}

/// What was seen of one undeclared element or attribute at one path.
#[derive(Debug, Clone, Default)]
struct Finding {
    /// Element children seen (an element with elements inside needs a type described by
    /// hand).
    has_children: bool,
    /// Seen on an element of simple content (an attribute there needs the element's
    /// type changed by hand).
    on_simple: bool,
    after: Option<String>,
    before: Option<String>,
    /// Whether the evidence showed where it stands (a drift report does not).
    placed: bool,
    /// A child a wildcard takes in (a new data item of an Event): a new global element,
    /// described by hand.
    under_wildcard: bool,
    shapes: Vec<Shape>,
    repeated: bool,
    documents: u64,
    first_seen: Option<String>,
}

impl Finding {
    fn add_shape(&mut self, shape: Shape) {
        if !self.shapes.contains(&shape) {
            self.shapes.push(shape);
        }
    }

    fn seen_on(&mut self, date: Option<&str>) {
        if let Some(date) = date
            && self.first_seen.as_deref().is_none_or(|d| date < d)
        {
            self.first_seen = Some(date.to_string());
        }
    }
}

/// (function, version, path, kind): path is below the root, an attribute's ending in
/// `@Name`.
type Key = (String, String, String, NodeKind);

#[derive(Debug, Default)]
struct Findings {
    items: BTreeMap<Key, Finding>,
    /// Keys in the order first seen.
    order: Vec<Key>,
    documents: usize,
    skipped_requests: usize,
    /// Function versions seen that no schema describes, with how many documents.
    no_schema: BTreeMap<(String, String), u64>,
}

impl Findings {
    fn entry(&mut self, key: Key, limits: &Limits) -> Result<&mut Finding, AbsorbError> {
        if !self.items.contains_key(&key) {
            if self.items.len() >= limits.max_findings {
                return Err(AbsorbError::TooMany {
                    what: "undeclared elements and attributes",
                    limit: limits.max_findings,
                });
            }
            self.order.push(key.clone());
        }
        Ok(self.items.entry(key).or_default())
    }

    fn count_document(&mut self, limits: &Limits) -> Result<(), AbsorbError> {
        self.documents += 1;
        if self.documents > limits.max_documents {
            return Err(AbsorbError::TooMany {
                what: "documents",
                limit: limits.max_documents,
            });
        }
        Ok(())
    }
}

/// The longest text of an undeclared element classified; longer is free text.
const SHAPE_TEXT_LIMIT: usize = 64;

struct Frame {
    path: String,
    ty: Ty,
    /// The previous child element's name.
    prev: Option<String>,
    /// The undeclared child just seen, waiting for the name of the next sibling.
    pending: Option<Key>,
    /// Occurrences of undeclared children in this parent.
    counts: HashMap<String, u32>,
    /// For an undeclared element: its key, and its text so far (bounded).
    finding: Option<Key>,
    text: String,
    text_overflow: bool,
}

impl Frame {
    fn new(path: String, ty: Ty, finding: Option<Key>) -> Self {
        Frame {
            path,
            ty,
            prev: None,
            pending: None,
            counts: HashMap::new(),
            finding,
            text: String::new(),
            text_overflow: false,
        }
    }

    fn push_text(&mut self, text: &str) {
        if self.finding.is_none() || self.text_overflow {
            return;
        }
        if self.text.len() + text.len() > SHAPE_TEXT_LIMIT {
            self.text_overflow = true;
            self.text.clear();
        } else {
            self.text.push_str(text);
        }
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}/{name}")
    }
}

/// Whether an attribute is markup rather than content (`xmlns`, `xsi:...`).
fn is_markup_attribute(name: &str) -> bool {
    name == "xmlns" || name.starts_with("xmlns:") || name.starts_with("xsi:")
}

struct Walk<'a> {
    schema: &'a Schema,
    function: &'a str,
    version: &'a str,
    date: Option<&'a str>,
    limits: &'a Limits,
    what: &'a str,
}

impl Walk<'_> {
    fn key(&self, path: String, kind: NodeKind) -> Key {
        (
            self.function.to_string(),
            self.version.to_string(),
            path,
            kind,
        )
    }

    /// Walks one response document, adding what it holds undeclared to `findings`.
    fn document(&self, text: &str, findings: &mut Findings) -> Result<(), AbsorbError> {
        let root_ty = match self.schema.response_root {
            Some(root) => self.schema.element_type(root),
            None => Ty::Any,
        };
        let mut touched: HashSet<Key> = HashSet::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut reader = Reader::from_str(text);
        let bad = |position| AbsorbError::Xml {
            what: self.what.to_string(),
            position,
        };
        loop {
            let before = reader.buffer_position();
            let event = reader
                .read_event()
                .map_err(|_| bad(reader.error_position()))?;
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    let frame = match stack.last_mut() {
                        None => Frame::new(String::new(), root_ty, None),
                        Some(parent) => {
                            let frame = self.child(parent, &name, findings, &mut touched)?;
                            parent.prev = Some(name.clone());
                            frame
                        }
                    };
                    self.attributes(&frame, e, findings, &mut touched, before, reader.decoder())?;
                    if matches!(event, Event::Start(_)) {
                        if stack.len() >= self.limits.max_depth {
                            return Err(AbsorbError::TooDeep {
                                what: self.what.to_string(),
                                limit: self.limits.max_depth,
                            });
                        }
                        stack.push(frame);
                    } else {
                        Self::finish(frame, findings);
                    }
                }
                Event::End(_) => {
                    let frame = stack.pop().ok_or_else(|| bad(before))?;
                    Self::finish(frame, findings);
                }
                Event::Text(ref t) => {
                    if let Some(frame) = stack.last_mut() {
                        let raw = t.decode().map_err(|_| bad(before))?;
                        let text = quick_xml::escape::unescape(&raw).map_err(|_| bad(before))?;
                        frame.push_text(&text);
                    }
                }
                Event::CData(ref t) => {
                    if let Some(frame) = stack.last_mut() {
                        frame.push_text(&String::from_utf8_lossy(t.as_ref()));
                    }
                }
                Event::GeneralRef(ref r) => {
                    if let Some(frame) = stack.last_mut() {
                        let c = r.resolve_char_ref().ok().flatten();
                        let mut buf = [0u8; 4];
                        // A named entity (`&amp;`) stands for markup characters: text.
                        frame.push_text(c.map_or("&", |c| c.encode_utf8(&mut buf)));
                    }
                }
                Event::Eof if stack.is_empty() => break,
                // Ends inside an element: cut short.
                Event::Eof => return Err(bad(before)),
                _ => {}
            }
        }
        Ok(())
    }

    /// The frame for child `name` of `parent`, noting it when undeclared.
    fn child(
        &self,
        parent: &mut Frame,
        name: &str,
        findings: &mut Findings,
        touched: &mut HashSet<Key>,
    ) -> Result<Frame, AbsorbError> {
        let path = join(&parent.path, name);
        if let Some(key) = parent.pending.take() {
            let same = key.2.rsplit('/').next() == Some(name);
            let finding = findings.entry(key, self.limits)?;
            if finding.before.is_none() && finding.placed && !same {
                finding.before = Some(name.to_string());
            }
        }
        if let Some(key) = &parent.finding {
            // Inside an undeclared element: its content is its own.
            if let Some(f) = findings.items.get_mut(key) {
                f.has_children = true;
            }
            return Ok(Frame::new(path, Ty::Any, None));
        }
        let Ty::Complex(loc) = parent.ty else {
            return Ok(Frame::new(path, Ty::Any, None));
        };
        let under_wildcard = match self.schema.lookup(loc, name) {
            Lookup::Declared(ty) => return Ok(Frame::new(path, ty, None)),
            Lookup::Wildcard => true,
            Lookup::Undeclared => false,
        };
        if !is_plain_name(name) {
            return Ok(Frame::new(path, Ty::Any, None));
        }
        let key = self.key(path.clone(), NodeKind::Element);
        let count = parent.counts.entry(name.to_string()).or_insert(0);
        *count += 1;
        let repeated = *count > 1;
        let finding = findings.entry(key.clone(), self.limits)?;
        if repeated {
            finding.repeated = true;
        }
        finding.under_wildcard |= under_wildcard;
        if !finding.placed {
            finding.placed = true;
            finding.after = parent.prev.clone();
            finding.before = None;
        }
        if touched.insert(key.clone()) {
            finding.documents += 1;
            finding.seen_on(self.date);
        }
        parent.pending = Some(key.clone());
        Ok(Frame::new(path, Ty::Any, Some(key)))
    }

    fn attributes(
        &self,
        frame: &Frame,
        e: &quick_xml::events::BytesStart<'_>,
        findings: &mut Findings,
        touched: &mut HashSet<Key>,
        position: u64,
        decoder: quick_xml::encoding::Decoder,
    ) -> Result<(), AbsorbError> {
        if frame.finding.is_some() || frame.ty == Ty::Any {
            return Ok(());
        }
        let declared = match frame.ty {
            Ty::Complex(loc) => self.schema.attributes(loc),
            _ => Vec::new(),
        };
        let mut prev: Option<String> = None;
        for a in e.attributes() {
            let a = a.map_err(|_| AbsorbError::Xml {
                what: self.what.to_string(),
                position,
            })?;
            let name = String::from_utf8_lossy(a.key.as_ref()).into_owned();
            if is_markup_attribute(&name) || declared.iter().any(|(n, _)| *n == name) {
                prev = Some(name);
                continue;
            }
            if !is_plain_name(&name) {
                continue;
            }
            let value = a
                .decode_and_unescape_value(decoder)
                .map_err(|_| AbsorbError::Xml {
                    what: self.what.to_string(),
                    position,
                })?;
            let key = self.key(join(&frame.path, &format!("@{name}")), NodeKind::Attribute);
            let finding = findings.entry(key.clone(), self.limits)?;
            finding.add_shape(shape_of(&value));
            finding.on_simple |= frame.ty == Ty::Simple;
            if !finding.placed {
                finding.placed = true;
                finding.after = prev.clone();
            }
            if touched.insert(key) {
                finding.documents += 1;
                finding.seen_on(self.date);
            }
            prev = Some(name);
        }
        Ok(())
    }

    /// An element ends: an undeclared one's text is classified, then dropped.
    fn finish(frame: Frame, findings: &mut Findings) {
        let Some(key) = frame.finding else { return };
        if let Some(finding) = findings.items.get_mut(&key) {
            if frame.text_overflow {
                finding.add_shape(Shape::Text);
            } else if !finding.has_children || !frame.text.trim().is_empty() {
                finding.add_shape(shape_of(&frame.text));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Evidence files.
// ---------------------------------------------------------------------------

/// A drift report as `systmone parse --drift --json` writes it.
#[derive(Deserialize)]
struct DriftReport {
    /// The document it reports on, as named to `systmone parse`.
    #[serde(default)]
    file: Option<String>,
    function: Option<String>,
    version: Option<String>,
    #[serde(default)]
    document: Option<String>,
    drift: Vec<DriftReportItem>,
}

#[derive(Deserialize)]
struct DriftReportItem {
    kind: String,
    path: String,
    first_value: Option<String>,
}

/// The parts of a conformance report (`systmone conformance --json`) absorb reads.
#[derive(Deserialize)]
struct ConformanceReport {
    results: Vec<ConformanceResult>,
}

#[derive(Deserialize)]
struct ConformanceResult {
    #[serde(default)]
    exchanges: Vec<ConformanceExchange>,
}

#[derive(Deserialize)]
struct ConformanceExchange {
    response: Option<String>,
}

/// The parts of a recording's `NNNNNN-<Function>.json` absorb reads.
#[derive(Deserialize)]
struct ExchangeMeta {
    requested_at: String,
    response_file: Option<String>,
}

/// The date part of an RFC 3339 time, when it is one.
fn date_part(time: &str) -> Option<String> {
    time.get(..10).filter(|d| is_date(d)).map(str::to_string)
}

/// The day a file was last modified (UTC), as a stand-in for when it was seen.
fn modified(path: &Path) -> Option<String> {
    let time = std::fs::metadata(path).ok()?.modified().ok()?;
    let time: chrono::DateTime<chrono::Utc> = time.into();
    Some(time.format("%Y-%m-%d").to_string())
}

fn json_error(path: &Path, kind: &'static str, e: &serde_json::Error) -> AbsorbError {
    // serde_json's messages can quote the value it refused: only the place is kept.
    AbsorbError::Json {
        path: path.to_path_buf(),
        kind,
        line: e.line(),
        column: e.column(),
    }
}

struct Gatherer<'a> {
    xsd_dir: &'a Path,
    limits: &'a Limits,
    texts: Texts,
    schemas: HashMap<PathBuf, Schema>,
    findings: Findings,
    /// The evidence files given, canonical: a drift report of one of them adds nothing.
    given: HashSet<PathBuf>,
}

impl Gatherer<'_> {
    fn schema(&mut self, function: &str, version: &str) -> Result<&Schema, AbsorbError> {
        let path = schema_file(self.xsd_dir, function, version)?;
        if !self.schemas.contains_key(&path) {
            let schema = Schema::load(&path, &mut self.texts, self.limits)?;
            self.schemas.insert(path.clone(), schema);
        }
        Ok(&self.schemas[&path])
    }

    fn path(&mut self, path: &Path) -> Result<(), AbsorbError> {
        if path.is_dir() {
            return self.recording(path);
        }
        let text = systmone_core::file::read_text(path, self.limits.max_file_bytes)?;
        let start = text.trim_start_matches('\u{feff}').trim_start();
        if start.starts_with('<') {
            self.findings.count_document(self.limits)?;
            return self.document(
                &text,
                &path.display().to_string(),
                modified(path).as_deref(),
            );
        }
        if !start.starts_with('{') {
            return Err(AbsorbError::NotEvidence {
                path: path.to_path_buf(),
                why: "neither an XML document nor a JSON report",
            });
        }
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| json_error(path, "JSON file", &e))?;
        if value.get("drift").is_some_and(serde_json::Value::is_array)
            && value.get("file").is_some()
        {
            let report: DriftReport =
                serde_json::from_value(value).map_err(|e| json_error(path, "drift report", &e))?;
            // The document itself, given too, says more (places, occurrence): it alone counts.
            // Named relative to where `parse` ran: here, or beside the report.
            let beside = path.parent().unwrap_or(Path::new("."));
            let of_given = report.file.as_deref().is_some_and(|f| {
                [PathBuf::from(f), beside.join(f)]
                    .iter()
                    .filter_map(|p| std::fs::canonicalize(p).ok())
                    .any(|p| self.given.contains(&p))
            });
            if of_given {
                return Ok(());
            }
            self.findings.count_document(self.limits)?;
            self.drift_report(path, report)
        } else if value
            .get("results")
            .is_some_and(serde_json::Value::is_array)
        {
            let report: ConformanceReport = serde_json::from_value(value)
                .map_err(|e| json_error(path, "conformance report", &e))?;
            let date = modified(path);
            for (i, exchange) in report
                .results
                .iter()
                .flat_map(|r| r.exchanges.iter())
                .enumerate()
            {
                if let Some(response) = &exchange.response {
                    self.findings.count_document(self.limits)?;
                    let what = format!("{} (response {})", path.display(), i + 1);
                    self.document(response, &what, date.as_deref())?;
                }
            }
            Ok(())
        } else {
            Err(AbsorbError::NotEvidence {
                path: path.to_path_buf(),
                why: "a JSON file that is neither a drift report nor a conformance report",
            })
        }
    }

    /// A proxy recording: each exchange's response, dated by its request.
    fn recording(&mut self, dir: &Path) -> Result<(), AbsorbError> {
        let listing = |source| AbsorbError::Dir {
            path: dir.to_path_buf(),
            source,
        };
        let mut metas = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(listing)? {
            let path = entry.map_err(listing)?.path();
            let is_meta = path.extension().is_some_and(|e| e == "json")
                && path.file_name().is_some_and(|n| n != "summary.json");
            if is_meta {
                if metas.len() >= self.limits.max_documents {
                    return Err(AbsorbError::TooMany {
                        what: "documents",
                        limit: self.limits.max_documents,
                    });
                }
                metas.push(path);
            }
        }
        if metas.is_empty() {
            return Err(AbsorbError::NotEvidence {
                path: dir.to_path_buf(),
                why: "a directory with no recorded exchanges (NNNNNN-<Function>.json)",
            });
        }
        metas.sort();
        for meta_path in metas {
            let text = systmone_core::file::read_text(&meta_path, self.limits.max_file_bytes)?;
            let meta: ExchangeMeta = serde_json::from_str(&text)
                .map_err(|e| json_error(&meta_path, "recorded exchange", &e))?;
            let Some(file) = meta.response_file else {
                continue;
            };
            // The file name comes from the recording: it must stay inside it.
            if file.contains(['/', '\\']) || file.starts_with('.') {
                return Err(AbsorbError::NotEvidence {
                    path: meta_path,
                    why: "a response file name outside the recording",
                });
            }
            let response_path = dir.join(file);
            let response =
                systmone_core::file::read_text(&response_path, self.limits.max_file_bytes)?;
            self.findings.count_document(self.limits)?;
            let date = date_part(&meta.requested_at);
            self.document(
                &response,
                &response_path.display().to_string(),
                date.as_deref(),
            )?;
        }
        Ok(())
    }

    fn document(&mut self, text: &str, what: &str, date: Option<&str>) -> Result<(), AbsorbError> {
        let header =
            systmone_core::envelope::peek_header(text).map_err(|_| AbsorbError::NotEvidence {
                path: PathBuf::from(what),
                why: "not a ClientIntegrationResponse or Request with a readable header",
            })?;
        if header.root != systmone_core::envelope::RESPONSE_ROOT {
            // Requests are what we send: `reconcile` compares those with SystmOne's files.
            self.findings.skipped_requests += 1;
            return Ok(());
        }
        let (Some(function), Some(version)) = (header.function, header.function_version) else {
            return Err(AbsorbError::NotEvidence {
                path: PathBuf::from(what),
                why: "a response naming no Function or FunctionVersion",
            });
        };
        let limits = self.limits;
        if let Err(AbsorbError::NoSchema { .. }) = schema_file(self.xsd_dir, &function, &version) {
            *self
                .findings
                .no_schema
                .entry((function, version))
                .or_insert(0) += 1;
            return Ok(());
        }
        let mut findings = std::mem::take(&mut self.findings);
        let result = self.schema(&function, &version).and_then(|schema| {
            Walk {
                schema,
                function: &function,
                version: &version,
                date,
                limits,
                what,
            }
            .document(text, &mut findings)
        });
        self.findings = findings;
        result
    }

    /// A drift report: what it names undeclared, with the class of its first value; its
    /// place and occurrence are not in it.
    fn drift_report(&mut self, path: &Path, report: DriftReport) -> Result<(), AbsorbError> {
        if report.document.as_deref().is_some_and(|d| d != "response") {
            self.findings.skipped_requests += 1;
            return Ok(());
        }
        let (Some(function), Some(version)) = (report.function, report.version) else {
            return Err(AbsorbError::NotEvidence {
                path: path.to_path_buf(),
                why: "a drift report naming no function and version (written by an older systmone)",
            });
        };
        let date = modified(path);
        let limits = *self.limits;
        let mut keys = Vec::new();
        {
            let schema = self.schema(&function, &version)?;
            for item in &report.drift {
                let kind = match item.kind.as_str() {
                    "unknown element" => NodeKind::Element,
                    "unknown attribute" => NodeKind::Attribute,
                    _ => continue,
                };
                let (parent, name) = item.path.rsplit_once('/').unwrap_or(("", &item.path));
                let plain = name.strip_prefix('@').unwrap_or(name);
                if !is_plain_name(plain) || (kind == NodeKind::Attribute) != name.starts_with('@') {
                    continue;
                }
                // A path inside an undeclared element is part of that element's content.
                let Some(ty) = schema.resolve(parent) else {
                    continue;
                };
                let mut under_wildcard = false;
                let declared = match (ty, kind) {
                    (Ty::Complex(loc), NodeKind::Element) => match schema.lookup(loc, plain) {
                        Lookup::Declared(_) => true,
                        Lookup::Wildcard => {
                            under_wildcard = true;
                            false
                        }
                        Lookup::Undeclared => false,
                    },
                    (Ty::Complex(loc), NodeKind::Attribute) => {
                        schema.attributes(loc).iter().any(|(n, _)| n == plain)
                    }
                    (Ty::Simple, NodeKind::Attribute) => false,
                    _ => true,
                };
                if !declared {
                    let shape = item.first_value.as_deref().map(shape_of);
                    keys.push((
                        (function.clone(), version.clone(), item.path.clone(), kind),
                        shape,
                        ty == Ty::Simple,
                        under_wildcard,
                    ));
                }
            }
        }
        for (key, shape, on_simple, under_wildcard) in keys {
            let finding = self.findings.entry(key, &limits)?;
            finding.under_wildcard |= under_wildcard;
            if let Some(shape) = shape {
                finding.add_shape(shape);
            }
            finding.on_simple |= on_simple;
            finding.documents += 1;
            finding.seen_on(date.as_deref());
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Proposals and the edited schemas.
// ---------------------------------------------------------------------------

/// One addition to our schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The function version whose responses showed it.
    pub function: String,
    /// The function version.
    pub version: String,
    /// Its path below the root (`Response/Demographics/Pronouns`, `.../@Software`).
    pub path: String,
    /// Element or attribute.
    pub kind: NodeKind,
    /// The schema type it is given.
    pub xsd_type: String,
    /// The classes of the values seen.
    pub shapes: Vec<Shape>,
    /// The sibling it follows, when the evidence showed one.
    pub after: Option<String>,
    /// The sibling it comes before, when it has no preceding sibling.
    pub before: Option<String>,
    /// Whether the evidence showed its place (a drift report alone does not).
    pub placed: bool,
    /// Seen more than once in one parent: `maxOccurs="unbounded"`.
    pub repeated: bool,
    /// In how many documents.
    pub documents: u64,
    /// The earliest day it was seen (`CCYY-MM-DD`).
    pub first_seen: Option<String>,
    /// The schema file it goes into, and the type it goes into.
    pub into: Option<(PathBuf, String)>,
    /// The function versions whose requests use that type too (`UpdatePatientRecord
    /// 1.0` writes a ClinicalCode): there the addition becomes something we could send,
    /// though it was only ever observed in responses.
    pub in_requests: Vec<String>,
}

/// Something seen that absorb does not write, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Left {
    /// The function version.
    pub function: String,
    /// The function version.
    pub version: String,
    /// The path below the root.
    pub path: String,
    /// Why it is left to a person.
    pub why: &'static str,
}

/// A schema file and its text before and after absorb's additions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// The file.
    pub path: PathBuf,
    /// Its text now.
    pub before: String,
    /// Its text with the additions.
    pub after: String,
}

/// What [`absorb`] found and the schemas it would write.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Absorbed {
    /// How many documents were read (responses, and requests skipped).
    pub documents: usize,
    /// Requests (and request drift reports) skipped: absorb grows response schemas.
    pub skipped_requests: usize,
    /// The additions, in the order first seen.
    pub proposals: Vec<Proposal>,
    /// What it saw and left to a person.
    pub left: Vec<Left>,
    /// The schema files the additions change.
    pub changes: Vec<FileChange>,
}

impl Absorbed {
    /// The changes as a unified diff of the schema files (paths relative to `base`).
    pub fn diff(&self, base: &Path) -> String {
        let mut out = String::new();
        for change in &self.changes {
            let name = change
                .path
                .strip_prefix(base)
                .unwrap_or(&change.path)
                .display()
                .to_string();
            let diff = similar::TextDiff::from_lines(&change.before, &change.after);
            let _ = write!(
                out,
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{name}"), &format!("b/{name}"))
            );
        }
        out
    }

    /// A summary for people: each proposal and what was left, then the diff.
    pub fn to_text(&self, base: &Path) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} document(s) read{}; {} addition(s) proposed, {} left to a person",
            self.documents,
            if self.skipped_requests > 0 {
                format!(" ({} request(s) skipped)", self.skipped_requests)
            } else {
                String::new()
            },
            self.proposals.len(),
            self.left.len()
        );
        for p in &self.proposals {
            let shapes: Vec<&str> = p.shapes.iter().map(|s| s.describe()).collect();
            let place = match (&p.after, &p.before, p.placed) {
                (Some(a), _, _) => format!("after {a}"),
                (None, Some(b), _) => format!("before {b}"),
                (None, None, true) => "first".to_string(),
                (None, None, false) => "place not in the evidence: last".to_string(),
            };
            let _ = writeln!(
                out,
                "  + {} {} {} {}: {} ({}; {}; {}; {} document(s){})",
                p.function,
                p.version,
                match p.kind {
                    NodeKind::Element => "element",
                    NodeKind::Attribute => "attribute",
                },
                p.path,
                p.xsd_type,
                if shapes.is_empty() {
                    "no values seen".to_string()
                } else {
                    format!("values seen: {}", shapes.join(", "))
                },
                place,
                if p.repeated { "repeated" } else { "optional" },
                p.documents,
                p.first_seen
                    .as_deref()
                    .map(|d| format!(", first seen {d}"))
                    .unwrap_or_default()
            );
        }
        for p in &self.proposals {
            if let (Some((_, ty)), false) = (&p.into, p.in_requests.is_empty()) {
                let _ = writeln!(
                    out,
                    "  ! {ty} is in the requests of {} too: {} would become sendable; check it against SystmOne's request schema (reconcile) before sending it",
                    p.in_requests.join(", "),
                    p.path.rsplit('/').next().unwrap_or(&p.path)
                );
            }
        }
        for l in &self.left {
            let _ = writeln!(
                out,
                "  ? {} {} {}: {}",
                l.function, l.version, l.path, l.why
            );
        }
        out.push_str(&self.diff(base));
        out
    }

    /// Writes the changed schema files.
    pub fn write(&self) -> Result<(), AbsorbError> {
        for change in &self.changes {
            std::fs::write(&change.path, &change.after).map_err(|source| AbsorbError::Write {
                path: change.path.clone(),
                source,
            })?;
        }
        Ok(())
    }
}

/// Reads the evidence in `paths` (response documents, recording directories,
/// conformance and drift reports), compares it with the schemas in `xsd_dir`, and
/// returns the additions it shows with the edited schema texts (nothing is written:
/// see [`Absorbed::write`]).
pub fn absorb(paths: &[PathBuf], xsd_dir: &Path, limits: &Limits) -> Result<Absorbed, AbsorbError> {
    let mut gatherer = Gatherer {
        xsd_dir,
        limits,
        texts: Texts::new(),
        schemas: HashMap::new(),
        findings: Findings::default(),
        given: paths
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect(),
    };
    for path in paths {
        gatherer.path(path)?;
    }
    let Gatherer {
        mut texts,
        findings,
        mut schemas,
        ..
    } = gatherer;
    let originals = texts.clone();
    let mut absorbed = Absorbed {
        documents: findings.documents,
        skipped_requests: findings.skipped_requests,
        ..Absorbed::default()
    };
    for (function, version) in findings.no_schema.keys() {
        absorbed.left.push(Left {
            function: function.clone(),
            version: version.clone(),
            path: String::new(),
            why: "no schema describes this function version (fetch-xsd and reconcile first)",
        });
    }
    // Additions at different paths can land in one shared type: the first written
    // carries the evidence of all.
    let mut merged: Vec<(Key, Finding)> = Vec::new();
    for key in &findings.order {
        let finding = findings.items[key].clone();
        let (function, version, path, _) = key;
        let left = |why| Left {
            function: function.clone(),
            version: version.clone(),
            path: path.clone(),
            why,
        };
        if finding.under_wildcard {
            absorbed.left.push(left(
                "a new data item where a wildcard stands: declare it as a global element by hand",
            ));
            continue;
        }
        if finding.has_children {
            absorbed
                .left
                .push(left("holds elements: describe its type by hand"));
            continue;
        }
        if finding.on_simple {
            absorbed.left.push(left(
                "an attribute on an element of simple content: describe by hand",
            ));
            continue;
        }
        merged.push((key.clone(), finding));
    }
    // Group by the type they go into, so the same addition reached from two paths is
    // written once with the evidence of both.
    let mut targets: Vec<((PathBuf, String, String, NodeKind), usize)> = Vec::new();
    let mut groups: Vec<(Key, Finding)> = Vec::new();
    for (key, finding) in merged {
        let (function, version, path, kind) = &key;
        let file = schema_file(xsd_dir, function, version)?;
        // Read while gathering, from the texts before any addition.
        if !schemas.contains_key(&file) {
            let schema = Schema::load(&file, &mut texts, limits)?;
            schemas.insert(file.clone(), schema);
        }
        let schema = &schemas[&file];
        let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
        let name = name.trim_start_matches('@').to_string();
        let Some(Ty::Complex(loc)) = schema.resolve(parent) else {
            absorbed.left.push(Left {
                function: function.clone(),
                version: version.clone(),
                path: path.clone(),
                why: "its parent is not a complex type absorb can extend",
            });
            continue;
        };
        let target = (
            schema.files[loc.file].path.clone(),
            schema.node(loc).start.to_string(),
            name,
            *kind,
        );
        match targets.iter().find(|(t, _)| *t == target) {
            Some(&(_, i)) => {
                let into = &mut groups[i].1;
                into.documents += finding.documents;
                into.repeated |= finding.repeated;
                for shape in &finding.shapes {
                    into.add_shape(*shape);
                }
                if let Some(d) = &finding.first_seen {
                    into.seen_on(Some(d));
                }
            }
            None => {
                targets.push((target, groups.len()));
                groups.push((key, finding));
            }
        }
    }
    for (key, finding) in groups {
        let (function, version, path, kind) = key;
        let mut proposal = Proposal {
            xsd_type: infer_type(&finding.shapes).to_string(),
            shapes: {
                let mut s = finding.shapes.clone();
                s.sort();
                s
            },
            after: finding.after,
            before: finding.before,
            placed: finding.placed,
            repeated: finding.repeated && kind == NodeKind::Element,
            documents: finding.documents,
            first_seen: finding.first_seen,
            into: None,
            in_requests: Vec::new(),
            function,
            version,
            path,
            kind,
        };
        let file = schema_file(xsd_dir, &proposal.function, &proposal.version)?;
        match insert(&file, &mut texts, limits, &proposal)? {
            Inserted::Into(path, ty) => {
                proposal.into = Some((path, ty));
                absorbed.proposals.push(proposal);
            }
            Inserted::Already => {}
            Inserted::Left(why) => absorbed.left.push(Left {
                function: proposal.function,
                version: proposal.version,
                path: proposal.path,
                why,
            }),
        }
    }
    let in_requests = request_types(xsd_dir, &originals, limits)?;
    for p in &mut absorbed.proposals {
        if let Some((_, ty)) = &p.into
            && let Some(functions) = in_requests.get(ty)
        {
            p.in_requests = functions.clone();
        }
    }
    for (path, after) in texts {
        let before = match originals.get(&path) {
            Some(before) => before.clone(),
            None => systmone_core::file::read_text(&path, limits.max_file_bytes)?,
        };
        if before != after {
            absorbed.changes.push(FileChange {
                before,
                path,
                after,
            });
        }
    }
    Ok(absorbed)
}

/// The named complex types each function's request reaches, by type: which additions
/// would become sendable.
fn request_types(
    xsd_dir: &Path,
    originals: &Texts,
    limits: &Limits,
) -> Result<HashMap<String, Vec<String>>, AbsorbError> {
    let listing = |source| AbsorbError::Dir {
        path: xsd_dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(xsd_dir).map_err(listing)? {
        let path = entry.map_err(listing)?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Some((function, version)) =
            name.strip_suffix(".xsd").and_then(|n| n.rsplit_once(" v"))
        {
            files.push((path.clone(), format!("{function} {version}")));
        }
        if files.len() > limits.max_schema_files * 16 {
            return Err(AbsorbError::TooMany {
                what: "schema files",
                limit: limits.max_schema_files * 16,
            });
        }
    }
    files.sort();
    let mut texts = originals.clone();
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (file, function) in files {
        let schema = Schema::load(&file, &mut texts, limits)?;
        let Some(&root) = schema.elements.get("ClientIntegrationRequest") else {
            continue;
        };
        let mut queue = vec![schema.element_type(root)];
        let mut seen = HashSet::new();
        while let Some(ty) = queue.pop() {
            let Ty::Complex(loc) = ty else { continue };
            if !seen.insert(loc) {
                continue;
            }
            if let Some(name) = schema.node(loc).attr("name") {
                let functions = out.entry(name.to_string()).or_default();
                if !functions.contains(&function) {
                    functions.push(function.clone());
                }
            }
            let (declared, wildcard) = schema.declared(loc);
            queue.extend(declared.into_iter().map(|d| d.ty));
            if wildcard {
                // A wildcard (an Event's content) takes in every global element.
                queue.extend(schema.elements.values().map(|&e| schema.element_type(e)));
            }
        }
    }
    Ok(out)
}

/// The annotation naming a proposal's evidence (counts, a date and value classes:
/// never a value).
fn evidence_note(p: &Proposal) -> String {
    let shapes: Vec<&str> = p.shapes.iter().map(|s| s.describe()).collect();
    format!(
        "Absorbed from observed responses: seen in {} document{}{}{}{}. Describe it from the interface document or SystmOne's files when they say more.",
        p.documents,
        if p.documents == 1 { "" } else { "s" },
        p.first_seen
            .as_deref()
            .map(|d| format!(", first seen {d}"))
            .unwrap_or_default(),
        if shapes.is_empty() {
            String::new()
        } else {
            format!("; values seen: {}", shapes.join(", "))
        },
        if p.placed {
            ""
        } else {
            "; its place among its siblings was not in the evidence"
        }
    )
}

/// What [`insert`] did.
enum Inserted {
    /// Written into this file, into this type.
    Into(PathBuf, String),
    /// An earlier addition declares it already.
    Already,
    /// Not written, for this reason.
    Left(&'static str),
}

/// Writes `proposal` into the schema texts: into the complex type its parent path
/// resolves to, after its preceding sibling's declaration. Returns the file and type
/// written to (None when an earlier addition already declares it).
fn insert(
    file: &Path,
    texts: &mut Texts,
    limits: &Limits,
    proposal: &Proposal,
) -> Result<Inserted, AbsorbError> {
    let schema = Schema::load(file, texts, limits)?;
    let (parent, name) = proposal
        .path
        .rsplit_once('/')
        .unwrap_or(("", &proposal.path));
    let name = name.trim_start_matches('@');
    let Some(Ty::Complex(ty)) = schema.resolve(parent) else {
        return Ok(Inserted::Already);
    };
    let ty_node = schema.node(ty);
    let ty_name = ty_node.attr("name").map(str::to_string).unwrap_or_else(|| {
        format!(
            "the anonymous type of {}",
            if parent.is_empty() {
                "the root"
            } else {
                parent
            }
        )
    });
    let note = evidence_note(proposal);
    let (declared, _) = schema.declared(ty);
    let attributes = schema.attributes(ty);
    // (file, offset, text, indent of the line it joins)
    let (at_file, offset, before_anchor, indent) = match proposal.kind {
        NodeKind::Element => {
            if declared.iter().any(|d| d.name == name) {
                return Ok(Inserted::Already);
            }
            let find = |n: &Option<String>| {
                n.as_ref()
                    .and_then(|n| declared.iter().find(|d| d.name == *n))
            };
            if let Some(d) = find(&proposal.after) {
                let node = schema.node(d.at);
                (
                    d.at.file,
                    node.end,
                    false,
                    schema.files[d.at.file].indent_at(node.start).to_string(),
                )
            } else if let Some(d) = find(&proposal.before) {
                let node = schema.node(d.at);
                (
                    d.at.file,
                    node.start,
                    true,
                    schema.files[d.at.file].indent_at(node.start).to_string(),
                )
            } else if let Some(d) = declared.last() {
                let node = schema.node(d.at);
                (
                    d.at.file,
                    node.end,
                    false,
                    schema.files[d.at.file].indent_at(node.start).to_string(),
                )
            } else {
                return Ok(Inserted::Left(
                    "its parent's type declares no element to place it beside: add it by hand",
                ));
            }
        }
        NodeKind::Attribute => {
            if attributes.iter().any(|(n, _)| n == name) {
                return Ok(Inserted::Already);
            }
            let anchor = proposal
                .after
                .as_ref()
                .and_then(|a| attributes.iter().find(|(n, _)| n == a))
                .or(attributes.last());
            match anchor {
                Some((_, loc)) => {
                    let node = schema.node(*loc);
                    (
                        loc.file,
                        node.end,
                        false,
                        schema.files[loc.file].indent_at(node.start).to_string(),
                    )
                }
                None => match (schema.children(ty).last(), ty_node.close) {
                    (Some((loc, node)), _) => (
                        loc.file,
                        node.end,
                        false,
                        schema.files[loc.file].indent_at(node.start).to_string(),
                    ),
                    (None, Some(close)) => {
                        let indent =
                            format!("{}  ", schema.files[ty.file].indent_at(ty_node.start));
                        (ty.file, close, true, indent)
                    }
                    (None, None) => {
                        return Ok(Inserted::Left(
                            "its parent's type is an empty tag: add it by hand",
                        ));
                    }
                },
            }
        }
    };
    let container = |loc: Loc| {
        schema.files[loc.file].nodes[loc.node]
            .parent
            .map(|p| schema.files[loc.file].nodes[p].tag.as_str())
    };
    if proposal.kind == NodeKind::Element
        && proposal.repeated
        && declared.iter().any(|d| container(d.at) == Some("all"))
    {
        return Ok(Inserted::Left(
            "repeated, where its type is an xs:all (one of each): describe it by hand",
        ));
    }
    let declaration = match proposal.kind {
        NodeKind::Element => format!(
            "<xs:element name=\"{name}\" type=\"{}\" minOccurs=\"0\"{}>\n{indent}  <xs:annotation>\n{indent}    <xs:documentation>{note}</xs:documentation>\n{indent}  </xs:annotation>\n{indent}</xs:element>",
            proposal.xsd_type,
            if proposal.repeated {
                " maxOccurs=\"unbounded\""
            } else {
                ""
            }
        ),
        NodeKind::Attribute => format!(
            "<xs:attribute name=\"{name}\" type=\"{}\">\n{indent}  <xs:annotation><xs:documentation>{note}</xs:documentation></xs:annotation>\n{indent}</xs:attribute>",
            proposal.xsd_type
        ),
    };
    let path = schema.files[at_file].path.clone();
    let mut text = schema.files[at_file].text.clone();
    let insertion = if before_anchor {
        format!("{declaration}\n{indent}")
    } else {
        format!("\n{indent}{declaration}")
    };
    text.insert_str(offset, &insertion);
    texts.insert(path.clone(), text);
    Ok(Inserted::Into(path, ty_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(shape_of(""), Shape::Empty);
        assert_eq!(shape_of("2025-11-03T10:14:27"), Shape::DateTime);
        assert_eq!(shape_of("2017-12-19T12:45:12.0Z"), Shape::DateTime);
        assert_eq!(shape_of("2017-12-19T12:45:12+01:00"), Shape::DateTime);
        assert_eq!(shape_of("2017-12-19T12:45"), Shape::Text);
        assert_eq!(shape_of("2017-13-19"), Shape::Text);
        assert_eq!(shape_of("-12"), Shape::Integer);
        assert_eq!(shape_of("71.4"), Shape::Decimal);
        assert_eq!(shape_of("71."), Shape::Text);
        assert_eq!(shape_of("7E2B9C41D0A35F18"), Shape::Uid);
        assert_eq!(shape_of("false"), Shape::Boolean);
        assert_eq!(shape_of("Yes"), Shape::YesNo);
        assert_eq!(shape_of("she/her"), Shape::Text);
        assert_eq!(shape_of("2025-11-03é"), Shape::Text);
        assert_eq!(shape_of("2025-11-03Té:00:00"), Shape::Text);
    }

    #[test]
    fn types() {
        assert_eq!(infer_type(&[]), "xs:string");
        assert_eq!(infer_type(&[Shape::Empty]), "xs:string");
        assert_eq!(
            infer_type(&[Shape::Date, Shape::DateTime]),
            "LenientDateTime"
        );
        assert_eq!(
            infer_type(&[Shape::Empty, Shape::DateTime]),
            "LenientDateTimeOrEmpty"
        );
        assert_eq!(infer_type(&[Shape::Integer, Shape::Empty]), "xs:string");
        assert_eq!(infer_type(&[Shape::Integer]), "xs:integer");
        assert_eq!(infer_type(&[Shape::Uid]), "Uid");
        assert_eq!(infer_type(&[Shape::Uid, Shape::Integer]), "xs:string");
        assert_eq!(infer_type(&[Shape::Boolean]), "xs:boolean");
        assert_eq!(infer_type(&[Shape::YesNo]), "YesNoUnknown");
        assert_eq!(infer_type(&[Shape::Text, Shape::Date]), "xs:string");
    }

    #[test]
    fn names() {
        assert!(is_plain_name("Pronouns"));
        assert!(is_plain_name("Sub-Type.2"));
        assert!(!is_plain_name("x:Pronouns"));
        assert!(!is_plain_name("1st"));
        assert!(!is_plain_name("a\"b"));
        assert!(!is_plain_name(""));
    }

    #[test]
    fn dates_of_recordings() {
        assert_eq!(
            date_part("2026-12-02T13:14:10Z").as_deref(),
            Some("2026-12-02")
        );
        assert_eq!(date_part("yesterday"), None);
        assert_eq!(date_part("2026-1"), None);
    }
}
