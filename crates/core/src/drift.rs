//! The drift report: every place a document departs from the bindings, recorded while it
//! is read, and the read mode that decides whether a departure is kept (tolerant, the
//! default) or refused (strict, for conformance testing).
//!
//! Real SystmOne clients send more than the interface document shows (the field
//! evidence, `docs/field-evidence.md` in the repository). The tolerant readers keep
//! whatever they do not know (see [`crate::xml::Extra`]) and note it here, so a
//! maintainer can see at once that SystmOne changed and the bindings need regenerating.
//!
//! ```
//! use systmone_core::{DriftKind, ReadMode, Response, NoContent};
//!
//! let text = "<ClientIntegrationResponse><DeviceID>d</DeviceID><RequestUID>r</RequestUID>\
//!     <Function>ExitClient</Function><FunctionVersion>1.0</FunctionVersion>\
//!     <ResponseUID>u</ResponseUID><Shiny>new</Shiny><Response></Response>\
//!     </ClientIntegrationResponse>";
//! let read = Response::<NoContent>::read(text, ReadMode::Tolerant).unwrap();
//! assert_eq!(read.drift.items()[0].kind, DriftKind::UnknownElement);
//! assert_eq!(read.drift.items()[0].path, "Shiny");
//! // Kept, and written back in its place.
//! assert!(read.value.to_xml().unwrap().contains("<Shiny>new</Shiny>"));
//! // Strict reading refuses it, naming the path.
//! let error = Response::<NoContent>::read(text, ReadMode::Strict).unwrap_err();
//! assert!(error.to_string().contains("Shiny"));
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

/// How a document is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadMode {
    /// Keep everything that is well-formed XML; record departures in the drift report.
    #[default]
    Tolerant,
    /// Refuse the first departure from the bindings, naming its path.
    Strict,
}

/// What kind of departure from the bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DriftKind {
    /// An element the bindings do not declare at this place.
    UnknownElement,
    /// An attribute the bindings do not declare on this element.
    UnknownAttribute,
    /// An enumeration value the bindings do not list.
    UnknownValue,
    /// A declared element that came before one the schema puts ahead of it.
    OutOfOrder,
    /// A declared single element that came again.
    Repeated,
    /// An empty element (or attribute) where a typed value is declared.
    EmptyValue,
    /// A value that does not read as its declared type.
    InvalidValue,
    /// Text directly inside an element declared to hold elements (path ends `#text`).
    UnexpectedText,
}

impl DriftKind {
    /// A short name, as in reports (`unknown element`, ...).
    pub fn describe(self) -> &'static str {
        match self {
            DriftKind::UnknownElement => "unknown element",
            DriftKind::UnknownAttribute => "unknown attribute",
            DriftKind::UnknownValue => "unknown value",
            DriftKind::OutOfOrder => "out of order",
            DriftKind::Repeated => "repeated element",
            DriftKind::EmptyValue => "empty value",
            DriftKind::InvalidValue => "invalid value",
            DriftKind::UnexpectedText => "unexpected text",
        }
    }
}

impl fmt::Display for DriftKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// One kind of departure at one path, with how often it occurred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftItem {
    /// What kind of departure.
    pub kind: DriftKind,
    /// Element names from below the root, `/`-separated; an attribute ends in `@Name`
    /// (`Response/Clinical/Event/ClinicalCode/ProblemUID`, `Response/Clinical/Event/@Software`).
    pub path: String,
    /// How many times it occurred in the document.
    pub count: u64,
    /// The first value seen (an element's text or an attribute's value), at most
    /// [`DriftItem::VALUE_LIMIT`] characters. May hold patient data: never log it.
    pub first_value: Option<String>,
}

impl DriftItem {
    /// The longest first value kept, in characters.
    pub const VALUE_LIMIT: usize = 80;
}

impl fmt::Display for DriftItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.kind, self.path)
    }
}

/// Every departure from the bindings found in one document, in the order first seen.
/// Empty for a document the bindings describe exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    items: Vec<DriftItem>,
    index: HashMap<(DriftKind, String), usize>,
}

impl Drift {
    /// Whether the document matched the bindings exactly.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The departures, one per kind and path, in the order first seen.
    pub fn items(&self) -> &[DriftItem] {
        &self.items
    }

    /// How many departures in all (the sum of the counts).
    pub fn total(&self) -> u64 {
        self.items.iter().map(|i| i.count).sum()
    }

    /// A one-line summary with counts by kind and no values (safe to log: no patient
    /// data), e.g. `3 departures: 2 unknown element, 1 empty value`.
    pub fn summary(&self) -> String {
        let mut by_kind: Vec<(DriftKind, u64)> = Vec::new();
        for item in &self.items {
            match by_kind.iter_mut().find(|(k, _)| *k == item.kind) {
                Some((_, n)) => *n += item.count,
                None => by_kind.push((item.kind, item.count)),
            }
        }
        by_kind.sort();
        let parts: Vec<String> = by_kind.iter().map(|(k, n)| format!("{n} {k}")).collect();
        format!("{} departures: {}", self.total(), parts.join(", "))
    }

    /// Records one occurrence.
    pub fn record(&mut self, kind: DriftKind, path: &str, value: Option<&str>) {
        if let Some(&i) = self.index.get(&(kind, path.to_string())) {
            self.items[i].count += 1;
            return;
        }
        self.index
            .insert((kind, path.to_string()), self.items.len());
        self.items.push(DriftItem {
            kind,
            path: path.to_string(),
            count: 1,
            first_value: value.map(|v| v.chars().take(DriftItem::VALUE_LIMIT).collect()),
        });
    }

    /// Adds another report's items (counts of the same kind and path add up).
    pub fn merge(&mut self, other: &Drift) {
        for item in &other.items {
            let key = (item.kind, item.path.clone());
            match self.index.get(&key) {
                Some(&i) => self.items[i].count += item.count,
                None => {
                    self.index.insert(key, self.items.len());
                    self.items.push(item.clone());
                }
            }
        }
    }
}

/// A value read from a document, with the report of where it departed from the
/// bindings.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    /// What was read.
    pub value: T,
    /// Where the document departed from the bindings (empty when it matched them).
    pub drift: Drift,
}

impl<T> Parsed<T> {
    /// Applies `f` to the value, keeping the report.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Parsed<U> {
        Parsed {
            value: f(self.value),
            drift: self.drift,
        }
    }
}

// ---------------------------------------------------------------------------
// The reading context. The readers' signatures carry no context, and parsing is synchronous, so the context of the document being read
// lives in a thread-local for the duration of one parse (`with_context`).
// ---------------------------------------------------------------------------

struct Context {
    mode: ReadMode,
    /// The path of the element being read, below the root.
    path: String,
    marks: Vec<usize>,
    drift: Drift,
    /// Strict mode: the departure that stopped the read.
    refused: Option<DriftItem>,
}

thread_local! {
    static CONTEXT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// Runs `read` with a fresh context in `mode` and returns its value, the drift report
/// and, in strict mode, the departure that stopped it. Nested calls (a document read
/// while reading another) get their own context.
pub(crate) fn with_context<T>(
    mode: ReadMode,
    read: impl FnOnce() -> T,
) -> (T, Drift, Option<DriftItem>) {
    let fresh = Context {
        mode,
        path: String::new(),
        marks: Vec::new(),
        drift: Drift::default(),
        refused: None,
    };
    let outer = CONTEXT.with(|c| c.borrow_mut().replace(fresh));
    let value = read();
    let context = CONTEXT.with(|c| std::mem::replace(&mut *c.borrow_mut(), outer));
    let context = context.expect("the context set above");
    (value, context.drift, context.refused)
}

/// Enters element `name` (for drift paths) until the guard is dropped.
#[inline]
pub fn enter(name: &str) -> Scope {
    CONTEXT.with(|c| {
        if let Some(context) = c.borrow_mut().as_mut() {
            context.marks.push(context.path.len());
            if !context.path.is_empty() {
                context.path.push('/');
            }
            context.path.push_str(name);
        }
    });
    Scope(())
}

/// Leaves the element entered by [`enter`] when dropped.
#[must_use]
pub struct Scope(());

impl Drop for Scope {
    #[inline]
    fn drop(&mut self) {
        CONTEXT.with(|c| {
            if let Some(context) = c.borrow_mut().as_mut()
                && let Some(mark) = context.marks.pop()
            {
                context.path.truncate(mark);
            }
        });
    }
}

/// Records a departure at `child` of the current element (`@Name` for an attribute,
/// empty for the element itself). In strict mode the read must stop: the error names
/// the path.
pub fn report(kind: DriftKind, child: &str, value: Option<&str>) -> crate::xml::ReadResult<()> {
    CONTEXT.with(|c| {
        let mut guard = c.borrow_mut();
        let Some(context) = guard.as_mut() else {
            return Ok(());
        };
        let path = match (context.path.is_empty(), child.is_empty()) {
            (_, true) => context.path.clone(),
            (true, false) => child.to_string(),
            (false, false) => format!("{}/{child}", context.path),
        };
        match context.mode {
            ReadMode::Tolerant => {
                context.drift.record(kind, &path, value);
                Ok(())
            }
            ReadMode::Strict => {
                let message = format!("strict reading: {kind} at {path}");
                context.refused = Some(DriftItem {
                    kind,
                    path,
                    count: 1,
                    first_value: value.map(|v| v.chars().take(DriftItem::VALUE_LIMIT).collect()),
                });
                Err(crate::xml::ReadError::Invalid(message))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_by_kind_and_path() {
        let mut drift = Drift::default();
        drift.record(DriftKind::UnknownElement, "Response/X", Some("a"));
        drift.record(DriftKind::UnknownElement, "Response/X", Some("b"));
        drift.record(DriftKind::EmptyValue, "Response/Y", None);
        assert_eq!(drift.items().len(), 2);
        assert_eq!(drift.items()[0].count, 2);
        assert_eq!(drift.items()[0].first_value.as_deref(), Some("a"));
        assert_eq!(
            drift.summary(),
            "3 departures: 2 unknown element, 1 empty value"
        );
    }

    #[test]
    fn nested_contexts_do_not_mix() {
        let (_, outer, _) = with_context(ReadMode::Tolerant, || {
            let _a = enter("A");
            report(DriftKind::UnknownElement, "X", None).unwrap();
            let (_, inner, _) = with_context(ReadMode::Tolerant, || {
                report(DriftKind::UnknownElement, "Y", None).unwrap();
            });
            assert_eq!(inner.items()[0].path, "Y");
        });
        assert_eq!(outer.items().len(), 1);
        assert_eq!(outer.items()[0].path, "A/X");
    }

    #[test]
    fn strict_refuses_with_the_path() {
        let (result, drift, refused) = with_context(ReadMode::Strict, || {
            let _a = enter("Response");
            report(DriftKind::UnknownAttribute, "@Software", Some("x"))
        });
        assert!(result.is_err());
        assert!(drift.is_empty());
        assert_eq!(refused.unwrap().path, "Response/@Software");
    }
}
