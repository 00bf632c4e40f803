//! The XML layer under the bindings: whole-document reading and writing with the
//! checks the interface needs, and the helpers the generated readers and writers call
//! (elements, text children, choices, `xs:any`, the function-specific content of a
//! response).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use xml::reader::ParserConfig;

pub use crate::reader::{Attribute, Event, MAX_DEPTH, ReadError, ReadResult, XmlReader};
pub use crate::writer::{WriteResult, XmlWriter};

pub use crate::drift::{Parsed, ReadMode, enter};
pub use crate::extra::{
    Extra, Order, TextValue, UnknownAttribute, attribute_value, declared_attributes_by, keep_child,
    keep_unknown_attributes, next_child_keeping_text, push, read_text_item, read_text_member,
    read_unknown_item, typed_attribute, write_members, write_text_member,
};

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not well-formed XML (or not UTF-8). Carries the reader's position.
    #[error("not well-formed XML at line {line}, column {column}: {message}")]
    NotXml {
        /// The line (from 1).
        line: u64,
        /// The column (from 1).
        column: u64,
        /// The XML reader's message.
        message: String,
    },
    /// The text ends before the root element closes: a document cut short.
    #[error(
        "not well-formed XML at line {line}, column {column}: the document ends before its root element closes"
    )]
    Truncated {
        /// The line (from 1).
        line: u64,
        /// The column (from 1).
        column: u64,
    },
    /// A document type declaration: never sent by SystmOne, and a vector for entity
    /// expansion attacks, so refused outright.
    #[error("a DOCTYPE declaration is not allowed in an interface document")]
    Doctype,
    /// The root element is not the one expected.
    #[error("expected root element <{expected}>, found <{found}>")]
    WrongRoot {
        /// The root element expected.
        expected: String,
        /// The root element found.
        found: String,
    },
    /// Well-formed XML that does not match the bindings (missing element, bad value,
    /// unknown child, ...).
    #[error("{0}")]
    Invalid(String),
    /// Strict reading met content the bindings do not describe (tolerant reading
    /// keeps it and reports it as drift).
    #[error("strict reading refused the document: {} at {}", .0.kind, .0.path)]
    Refused(crate::drift::DriftItem),
    /// A function or version the bindings do not include.
    #[error("no bindings for function {function} version {version}")]
    UnknownFunction {
        /// The function the document names.
        function: String,
        /// The version the document names.
        version: String,
    },
    /// Elements nested deeper than the readers accept (real documents are under ten
    /// levels; the XML reader's cost per element grows with the depth).
    #[error("elements nested deeper than the limit of {limit} levels")]
    TooDeep {
        /// The deepest nesting accepted.
        limit: usize,
    },
}

impl From<ReadError> for ParseError {
    fn from(error: ReadError) -> Self {
        match error {
            ReadError::NotXml {
                line,
                column,
                message,
            } => ParseError::NotXml {
                line,
                column,
                message,
            },
            ReadError::Truncated { line, column } => ParseError::Truncated { line, column },
            ReadError::Doctype => ParseError::Doctype,
            ReadError::TooDeep { limit } => ParseError::TooDeep { limit },
            ReadError::Invalid(message) => ParseError::Invalid(message),
        }
    }
}

/// The xml-rs reader configuration matching [`XmlReader`], for tools that walk a
/// document's events with xml-rs themselves (the bindings read with [`XmlReader`]):
/// text kept exactly (no trimming: clinical free text can start with a space),
/// whitespace between elements as text, CDATA as text, comments dropped. The text is
/// already decoded (a Rust string), so the declaration's encoding is not applied: real
/// .NET clients declare `utf-16` on single-byte content (FIELD-EVIDENCE F10).
pub fn parser_config() -> ParserConfig {
    ParserConfig::new()
        .override_encoding(Some(xml::Encoding::Utf8))
        .ignore_invalid_encoding_declarations(true)
        .trim_whitespace(false)
        .whitespace_to_characters(true)
        .cdata_to_characters(true)
        .ignore_comments(true)
        .coalesce_characters(true)
        .ignore_root_level_whitespace(true)
}

/// Strip a UTF-8 byte-order mark (E16).
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Refuses `text` if its elements nest deeper than `limit` levels, in one linear pass
/// over the bytes, before an xml-rs reader sees it: xml-rs copies its namespace stack
/// at every start tag, so its cost grows with the square of the depth. ([`XmlReader`]
/// counts the depth itself.)
///
/// Understands just enough XML to count: comments, CDATA sections, processing
/// instructions and declarations are skipped, quoted attribute values may hold `>`.
/// Malformed markup is left for the reader to report.
pub fn check_depth(text: &str, limit: usize) -> Result<(), ParseError> {
    let bytes = text.as_bytes();
    let find = |from: usize, pattern: &[u8]| -> Option<usize> {
        bytes
            .get(from..)?
            .windows(pattern.len())
            .position(|w| w == pattern)
            .map(|i| from + i + pattern.len())
    };
    let mut depth = 0usize;
    let mut i = 0usize;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        i += offset + 1;
        let rest = &bytes[i..];
        let next = if rest.starts_with(b"!--") {
            find(i + 3, b"-->")
        } else if rest.starts_with(b"![CDATA[") {
            find(i + 8, b"]]>")
        } else if rest.starts_with(b"?") {
            find(i + 1, b"?>")
        } else if rest.starts_with(b"!") {
            // A declaration, with an internal subset in brackets.
            let mut brackets = 0usize;
            rest.iter()
                .position(|&b| match b {
                    b'[' => {
                        brackets += 1;
                        false
                    }
                    b']' => {
                        brackets = brackets.saturating_sub(1);
                        false
                    }
                    b'>' => brackets == 0,
                    _ => false,
                })
                .map(|p| i + p + 1)
        } else if rest.starts_with(b"/") {
            depth = depth.saturating_sub(1);
            find(i, b">")
        } else {
            // A start tag: to its `>`, outside quoted attribute values.
            let mut quote = None;
            let mut end = None;
            for (p, &b) in rest.iter().enumerate() {
                match (quote, b) {
                    (Some(q), b) if b == q => quote = None,
                    (Some(_), _) => {}
                    (None, b'"' | b'\'') => quote = Some(b),
                    (None, b'>') => {
                        end = Some(p);
                        break;
                    }
                    _ => {}
                }
            }
            if let Some(p) = end {
                if p == 0 || rest[p - 1] != b'/' {
                    depth += 1;
                    if depth > limit {
                        return Err(ParseError::TooDeep { limit });
                    }
                }
            }
            end.map(|p| i + p + 1)
        };
        match next {
            Some(n) => i = n,
            None => return Ok(()),
        }
    }
    Ok(())
}

/// Checks the prolog of `text` (no DOCTYPE) and returns the root element's local name.
pub fn root_name(text: &str) -> Result<String, ParseError> {
    let mut reader = XmlReader::new(text);
    match reader.next_event()? {
        Event::Start { name, .. } => Ok(name.to_string()),
        other => Err(ParseError::Invalid(format!(
            "expected the root element, found {other:?}"
        ))),
    }
}

/// Parses a whole document whose root must be `<root>` into `T`, tolerantly (the
/// drift report is dropped; see [`from_str_with`]).
pub fn from_str<T: ReadXml>(text: &str, root: &str) -> Result<T, ParseError> {
    from_str_with(text, root, ReadMode::Tolerant).map(|parsed| parsed.value)
}

/// Parses a whole document whose root must be `<root>` into `T`, in `mode`, with the
/// report of where it departed from the bindings.
///
/// Refuses a DOCTYPE, checks the root element's name and refuses anything but
/// whitespace (or comments) after the root; text is kept exactly.
pub fn from_str_with<T: ReadXml>(
    text: &str,
    root: &str,
    mode: ReadMode,
) -> Result<Parsed<T>, ParseError> {
    let (result, drift, refused) = crate::drift::with_context(mode, || parse_document(text, root));
    match (result, refused) {
        (Ok(value), _) => Ok(Parsed { value, drift }),
        (Err(_), Some(item)) => Err(ParseError::Refused(item)),
        (Err(error), None) => Err(error),
    }
}

/// Reads `events` (a whole element named `root`, as [`XmlReader::from_events`] hands
/// them out) into `T`, in `mode`, with the drift report: a value built in code, read by
/// the same readers as a document.
pub fn from_events_with<T: ReadXml>(
    events: Vec<Event<'_>>,
    root: &str,
    mode: ReadMode,
) -> Result<Parsed<T>, ParseError> {
    let read = || {
        let mut reader = XmlReader::from_events(events);
        match reader.peek()? {
            Event::Start { name, .. } if *name == root => {}
            other => {
                return Err(ParseError::Invalid(format!(
                    "expected <{root}>, found {other:?}"
                )));
            }
        }
        let value = T::read_xml(&mut reader)?;
        finish_document(&mut reader)?;
        Ok(value)
    };
    let (result, drift, refused) = crate::drift::with_context(mode, read);
    match (result, refused) {
        (Ok(value), _) => Ok(Parsed { value, drift }),
        (Err(_), Some(item)) => Err(ParseError::Refused(item)),
        (Err(error), None) => Err(error),
    }
}

fn parse_document<T: ReadXml>(text: &str, root: &str) -> Result<T, ParseError> {
    let mut reader = XmlReader::new(text);
    let found = match reader.peek()? {
        Event::Start { name, .. } => *name,
        other => {
            return Err(ParseError::Invalid(format!(
                "expected the root element, found {other:?}"
            )));
        }
    };
    if found != root {
        return Err(ParseError::WrongRoot {
            expected: root.to_string(),
            found: found.to_string(),
        });
    }
    let parsed = T::read_xml(&mut reader)
        .map_err(ParseError::from)
        .and_then(|value| finish_document(&mut reader).map(|()| value));
    // The bindings may stop at an element they refuse before the reader reaches a
    // syntax error further on; the syntax error, with its position, is the clearer
    // report. Checked only on failure, so it costs nothing when the document is good.
    parsed.map_err(|error| match error {
        ParseError::Invalid(_) => well_formed(text).err().unwrap_or(error),
        other => other,
    })
}

/// Reads the whole document, checking only that it is well-formed XML.
fn well_formed(text: &str) -> Result<(), ParseError> {
    let mut reader = XmlReader::new(text);
    while reader.next_event()? != Event::Eof {}
    Ok(())
}

/// After the root element: consume its end tag if the type left it, then require
/// the end of the document (the reader refuses anything but whitespace after it).
pub fn finish_document(reader: &mut XmlReader<'_>) -> Result<(), ParseError> {
    loop {
        match reader.next_event()? {
            Event::Eof => return Ok(()),
            Event::End if reader.depth() == 0 => {}
            other => {
                return Err(ParseError::Invalid(format!(
                    "unexpected content after the root element: {other:?}"
                )));
            }
        }
    }
}

/// What [`to_string`] allocates for a document before writing it.
const DOCUMENT_CAPACITY: usize = 4 * 1024;

/// Writes `value` as a document with root element `<root>`, compact (as sent: no
/// declaration, E16; empty elements `<X></X>`, as the document's examples write them)
/// or indented for people (empty elements `<X/>`).
pub fn to_string<T: WriteXml>(value: &T, root: &str, indent: bool) -> Result<String, WriteError> {
    // Most requests and responses are a few kilobytes: written into one allocation of
    // that size, not grown into it a doubling at a time.
    let mut writer = XmlWriter::with_capacity(indent, DOCUMENT_CAPACITY);
    value.write_xml(&mut writer, root)?;
    let mut text = writer.finish()?;
    // What is kept (a journal of responses) holds what it counts, not a margin.
    if text.len() < text.capacity() / 2 {
        text.shrink_to_fit();
    }
    Ok(text)
}

/// Writing a document failed (an end tag with no element open, or raw XML that does
/// not read).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot write XML: {0}")]
pub struct WriteError(pub String);

// ---------------------------------------------------------------------------
// Helpers for hand-written and generated (de)serialisers.
//
// Protocol: `read_xml` consumes the element's start tag and content and leaves its end
// tag for the caller; `write_xml` writes the whole element, named by the caller.
// ---------------------------------------------------------------------------

fn err(message: impl fmt::Display) -> ReadError {
    ReadError::invalid(message)
}

/// Consumes the start tag of the next element and returns its name, its attributes
/// and the depth inside it.
#[inline]
pub fn read_start<'a>(
    reader: &mut XmlReader<'a>,
) -> ReadResult<(&'a str, Vec<Attribute<'a>>, usize)> {
    skip_whitespace(reader)?;
    match reader.next_event()? {
        Event::Start { name, attributes } => Ok((name, attributes, reader.depth())),
        other => Err(err(format!("expected an element, found {other:?}"))),
    }
}

/// Whether `text` is whitespace only (as `str::trim` sees it): the whitespace between
/// elements, which is all spaces, tabs and line ends, is told in one pass over its
/// bytes.
pub(crate) fn is_blank(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        || text.trim().is_empty()
}

#[inline]
fn skip_whitespace(reader: &mut XmlReader<'_>) -> ReadResult<()> {
    reader.peek_markup()?;
    Ok(())
}

/// The local name of the next child element of the element whose content is at
/// `depth`, or `None` at that element's end tag (which is left unconsumed).
/// Whitespace between children is skipped; other text is an error.
pub fn next_child<'a>(reader: &mut XmlReader<'a>, parent: &str) -> ReadResult<Option<&'a str>> {
    match reader.peek_markup()? {
        Event::Text(text) => Err(err(format!("unexpected text {text:?} in <{parent}>"))),
        Event::Start { name, .. } => Ok(Some(name)),
        Event::End => Ok(None),
        Event::Eof => Err(err(format!("unexpected end of document in <{parent}>"))),
    }
}

/// Reads the next child element with `T`'s reader and consumes its end tag.
#[inline]
pub fn read_child<T: ReadXml>(reader: &mut XmlReader<'_>) -> ReadResult<T> {
    let depth = reader.depth();
    let value = T::read_xml(reader)?;
    consume_end(reader, depth)?;
    Ok(value)
}

/// Reads the next child element as text and parses it with `FromStr`.
pub fn read_text_child<T>(reader: &mut XmlReader<'_>) -> ReadResult<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    let (name, _, depth) = read_start(reader)?;
    let text = read_text_content(reader, name)?;
    consume_end(reader, depth - 1)?;
    text.parse::<T>().map_err(|e| err(format!("<{name}>: {e}")))
}

/// Reads the text content of the element just started, up to (not including) its end
/// tag. Child elements are an error.
pub fn read_text_content<'a>(reader: &mut XmlReader<'a>, name: &str) -> ReadResult<Cow<'a, str>> {
    let text = read_text_run(reader)?;
    match reader.peek()? {
        Event::End => Ok(text),
        other => Err(err(format!(
            "<{name}> must hold text only, found {other:?}"
        ))),
    }
}

/// The text events that come next, joined (empty if none), stopping before the next
/// other event: borrowed from the document when it is written there as it reads.
pub(crate) fn read_text_run<'a>(reader: &mut XmlReader<'a>) -> ReadResult<Cow<'a, str>> {
    let mut text = Cow::Borrowed("");
    while let Some(t) = reader.next_text()? {
        if text.is_empty() {
            text = t;
        } else {
            text.to_mut().push_str(&t);
        }
    }
    Ok(text)
}

/// Consumes the end tag of the element that was started at `depth` (the depth before
/// its start tag).
fn consume_end(reader: &mut XmlReader<'_>, depth: usize) -> ReadResult<()> {
    match reader.next_event()? {
        Event::End if reader.depth() == depth => Ok(()),
        other => Err(err(format!("expected an end tag, found {other:?}"))),
    }
}

/// Skips the next child element entirely.
pub fn skip_child(reader: &mut XmlReader<'_>) -> ReadResult<()> {
    let depth = reader.depth();
    reader.next_event()?;
    while reader.depth() > depth {
        reader.next_event()?;
    }
    Ok(())
}

/// The value of attribute `name`, parsed with `FromStr`.
pub fn attribute<T>(
    attributes: &[Attribute<'_>],
    element: &str,
    name: &str,
) -> ReadResult<Option<T>>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    match attributes.iter().find(|a| a.local_name() == name) {
        None => Ok(None),
        Some(a) => a
            .value
            .parse::<T>()
            .map(Some)
            .map_err(|e| err(format!("<{element} {name}=...>: {e}"))),
    }
}

/// Error for an element the content model does not allow.
pub fn unexpected_child(parent: &str, child: &str) -> ReadError {
    err(format!("<{child}> is not allowed in <{parent}>"))
}

/// Error for an element that may appear once but came again.
pub fn duplicate(parent: &str, child: &str) -> ReadError {
    err(format!("<{child}> appears more than once in <{parent}>"))
}

/// Error for a required element or attribute that is missing.
pub fn missing(parent: &str, what: &str) -> ReadError {
    err(format!("<{parent}> is missing {what}"))
}

/// `values` without spare capacity, for a repeated element's values once read: a
/// vector filled one value at a time has room for at least four, or up to twice its
/// length, and in a large record (a GetPatientRecord of 40,000 Events of one or two
/// data items each, a data item being several hundred bytes) the spare room cost more
/// than the values themselves.
pub fn fitted<T>(mut values: Vec<T>) -> Vec<T> {
    values.shrink_to_fit();
    values
}

/// Writes a start tag with the given attributes (`None` values are left out).
pub fn write_start(
    writer: &mut XmlWriter,
    name: &str,
    attributes: &[(&str, Option<String>)],
) -> WriteResult {
    writer.start_element(name);
    for (key, value) in attributes {
        if let Some(value) = value {
            writer.attribute(key, value);
        }
    }
    Ok(())
}

/// Writes an end tag.
pub fn write_end(writer: &mut XmlWriter) -> WriteResult {
    writer.end_element()
}

/// Writes `value` as child element `<name>`.
pub fn write_child<T: WriteXml + ?Sized>(
    writer: &mut XmlWriter,
    name: &str,
    value: &T,
) -> WriteResult {
    value.write_xml(writer, name)
}

/// Writes `value` as child element `<name>value</name>` using `Display`.
pub fn write_text_child<T: fmt::Display>(
    writer: &mut XmlWriter,
    name: &str,
    value: &T,
) -> WriteResult {
    writer.start_element(name);
    // Always one text event, so an empty value is written `<X></X>` as the examples do.
    writer.characters(&value.to_string());
    writer.end_element()
}

/// Types whose XML form is a run of text (dates, enumerations, ...): implements
/// [`ReadXml`] and [`WriteXml`] through `FromStr` and `Display`.
#[macro_export]
macro_rules! impl_xml_text {
    ($ty:ty) => {
        impl $crate::xml::WriteXml for $ty {
            fn write_xml(
                &self,
                writer: &mut $crate::xml::XmlWriter,
                name: &str,
            ) -> $crate::xml::WriteResult {
                $crate::xml::write_text_child(writer, name, self)
            }
        }

        impl $crate::xml::ReadXml for $ty {
            fn read_xml(reader: &mut $crate::xml::XmlReader<'_>) -> $crate::xml::ReadResult<Self> {
                let (name, _, _) = $crate::xml::read_start(reader)?;
                let text = $crate::xml::read_text_content(reader, &name)?;
                text.parse::<$ty>()
                    .map_err(|e| $crate::xml::ReadError::invalid(format!("<{name}>: {e}")))
            }
        }
    };
}

/// Types whose XML form is a whole element handled by [`XmlContent`]: implements
/// [`ReadXml`] and [`WriteXml`] through it. Generic types list their parameters in
/// brackets: `impl_xml_content!([P: Bound] Request<P>)`.
#[macro_export]
macro_rules! impl_xml_content {
    ([$($generics:tt)*] $ty:ty) => {
        impl<$($generics)*> $crate::xml::WriteXml for $ty {
            fn write_xml(
                &self,
                writer: &mut $crate::xml::XmlWriter,
                name: &str,
            ) -> $crate::xml::WriteResult {
                $crate::xml::write_element(self, name, writer)
            }
        }

        impl<$($generics)*> $crate::xml::ReadXml for $ty {
            fn read_xml(
                reader: &mut $crate::xml::XmlReader<'_>,
            ) -> $crate::xml::ReadResult<Self> {
                $crate::xml::read_element(reader)
            }
        }
    };
    ($ty:ty) => {
        $crate::impl_xml_content!([] $ty);
    };
}

/// Writes `value` as a whole element `<name>`: its attributes (declared, then kept
/// unknown ones), its content, its end tag.
pub fn write_element<T: XmlContent>(value: &T, name: &str, writer: &mut XmlWriter) -> WriteResult {
    writer.start_element(name);
    value.write_attributes(writer);
    if let Some(extra) = value.extra() {
        for a in extra.attributes() {
            writer.attribute(&a.name, &a.value);
        }
    }
    value.write_content(writer)?;
    writer.end_element()
}

/// Reads a whole element with `T`'s [`XmlContent`] (its end tag left for the caller).
pub fn read_element<T: XmlContent>(reader: &mut XmlReader<'_>) -> ReadResult<T> {
    let (name, attributes, _) = read_start(reader)?;
    let value = T::read_content(reader, name, &attributes);
    reader.recycle(attributes);
    value
}

/// A type read from a whole element: the element's start tag, its content, and not its
/// end tag, which is left for the caller.
pub trait ReadXml: Sized {
    /// Reads the next element (whitespace before it skipped).
    fn read_xml(reader: &mut XmlReader<'_>) -> ReadResult<Self>;
}

/// A type written as a whole element, named by the caller: start tag, content, end tag.
pub trait WriteXml {
    /// Writes the value as element `<name>`.
    fn write_xml(&self, writer: &mut XmlWriter, name: &str) -> WriteResult;
}

/// An element whose content is read and written by code (generated or hand-written):
/// every generated struct, the envelope, and the function-specific content of a
/// response.
pub trait XmlContent: Sized {
    /// Reads the content of the element `name` whose start tag (with `attributes`) was
    /// just consumed, up to but not including its end tag.
    fn read_content(
        reader: &mut XmlReader<'_>,
        name: &str,
        attributes: &[Attribute<'_>],
    ) -> ReadResult<Self>;

    /// Writes the element's declared attributes, in order (absent optional ones left
    /// out), just after its start tag.
    fn write_attributes(&self, _writer: &mut XmlWriter) {}

    /// Writes the element's children.
    fn write_content(&self, writer: &mut XmlWriter) -> WriteResult;

    /// What the element held beyond its typed fields (its unknown attributes are
    /// written after the declared ones).
    fn extra(&self) -> Option<&Extra> {
        None
    }

    /// Forgets the document order kept from reading, here and in every typed
    /// descendant, so the element is written in the schema's declared order (kept
    /// unknown elements after the declared ones): what we send follows the document.
    fn declared_order(&mut self) {}
}

/// An element the bindings do not know, kept as XML text and written back unchanged
/// (ERRATA E21: `Event` holds data item types the document never shows).
///
/// The text is the element as read, re-emitted by the XML writer: the same elements,
/// attributes and text, though not byte for byte (quoting and `<a></a>` versus `<a/>`
/// may be normalised).
#[derive(Clone, PartialEq, Eq)]
pub struct RawXml {
    name: String,
    xml: String,
}

impl RawXml {
    pub(crate) fn from_captured(name: String, xml: String) -> Self {
        RawXml { name, xml }
    }

    /// The element's text content (all its text, child elements' included), for
    /// reports.
    pub fn text(&self) -> String {
        let mut reader = XmlReader::new(&self.xml);
        let mut text = String::new();
        loop {
            match reader.next_event() {
                Ok(Event::Text(t)) => text.push_str(&t),
                Ok(Event::Eof) | Err(_) => return text,
                Ok(_) => {}
            }
        }
    }

    /// Whether the element has no attributes and no content (`<X/>`).
    pub fn is_empty(&self) -> bool {
        self.xml == format!("<{}/>", self.name) || self.xml == format!("<{0}></{0}>", self.name)
    }

    /// The element's local name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The element as XML text.
    pub fn as_str(&self) -> &str {
        &self.xml
    }

    /// Parses `xml` (one element) into a raw value.
    pub fn parse(xml: &str) -> Result<Self, ParseError> {
        let mut reader = XmlReader::new(xml);
        let raw = RawXml::read_xml(&mut reader)?;
        finish_document(&mut reader)?;
        Ok(raw)
    }
}

impl fmt::Debug for RawXml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawXml({:?})", self.xml)
    }
}

impl ReadXml for RawXml {
    fn read_xml(reader: &mut XmlReader<'_>) -> ReadResult<Self> {
        skip_whitespace(reader)?;
        let mut capture = crate::extra::Capture::new();
        let start_depth = reader.depth();
        let first = reader.next_event()?;
        let name = match &first {
            Event::Start { name, .. } => name.to_string(),
            other => return Err(err(format!("expected an element, found {other:?}"))),
        };
        capture.event(&first)?;
        loop {
            let depth = reader.depth();
            if matches!(reader.peek()?, Event::End) && depth == start_depth + 1 {
                // Our own end tag: record it, leave it for the caller.
                capture.end()?;
                break;
            }
            let event = reader.next_event()?;
            capture.event(&event)?;
        }
        capture.finish(&name)
    }
}

/// Written as it was read, under its own name (the name asked for is the same: the
/// writers ask for the name it was read as).
impl WriteXml for RawXml {
    fn write_xml(&self, writer: &mut XmlWriter, _name: &str) -> WriteResult {
        // The text was written by `Capture` from events of a document that was read,
        // so it reads again.
        let mut reader = XmlReader::new(&self.xml);
        loop {
            match reader.next_event().map_err(|e| WriteError(e.to_string()))? {
                Event::Eof => return Ok(()),
                Event::Start { name, attributes } => {
                    writer.start_element(name);
                    for a in &attributes {
                        writer.attribute(a.name, &a.value);
                    }
                }
                Event::End => writer.end_element()?,
                Event::Text(text) => writer.characters(&text),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_xml_round_trips_and_keeps_spaces() {
        let text =
            r#"<Referral UID="1"><Reason>  Dermatology &amp; skin </Reason><Empty/></Referral>"#;
        let raw = RawXml::parse(text).unwrap();
        assert_eq!(raw.name(), "Referral");
        assert_eq!(raw.as_str(), text);
        // Written back with empty elements as `<X></X>`, like everything we write.
        let written = to_string(&raw, "Referral", false).unwrap();
        assert_eq!(written, text.replace("<Empty/>", "<Empty></Empty>"));
        assert_eq!(RawXml::parse(&written).unwrap().as_str(), raw.as_str());
    }

    /// A tab in an attribute value and a carriage return in text, both written as
    /// character references (else the next reader normalises them away).
    #[test]
    fn referenced_whitespace_survives_writing() {
        let text = "<R a=\"1&#9;2&#10;3&#13;\"><T>x&#13;y\tz</T></R>";
        let raw = RawXml::parse(text).unwrap();
        let again = RawXml::parse(&to_string(&raw, "R", false).unwrap()).unwrap();
        assert_eq!(again, raw);
        let mut reader = XmlReader::new(again.as_str());
        let Ok(Event::Start { attributes, .. }) = reader.next_event() else {
            panic!("{again:?}")
        };
        assert_eq!(attributes[0].value, "1\t2\n3\r");
        assert_eq!(again.text(), "x\ry\tz");
    }

    #[test]
    fn deep_nesting_is_refused_with_the_limit() {
        let deep = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        assert_eq!(
            RawXml::parse(&deep(100_000)),
            Err(ParseError::TooDeep { limit: MAX_DEPTH })
        );
        assert_eq!(
            ParseError::TooDeep { limit: 256 }.to_string(),
            "elements nested deeper than the limit of 256 levels"
        );
        // At the limit: accepted. Self-closing tags, end tags, comments, CDATA and
        // quoted `>` do not count as levels.
        assert!(RawXml::parse(&deep(MAX_DEPTH)).is_ok());
        assert_eq!(
            check_depth(&deep(MAX_DEPTH + 1), MAX_DEPTH),
            Err(ParseError::TooDeep { limit: MAX_DEPTH })
        );
        let flat = format!(
            "<r>{}</r>",
            "<a x='>'/><!-- <b><b><b> --><![CDATA[<c><c>]]><?p <d><d>?><e></e>".repeat(1000)
        );
        assert_eq!(check_depth(&flat, 2), Ok(()));
        assert_eq!(
            check_depth("<r><a b=\"/>\"><c></c></a></r>", 2),
            Err(ParseError::TooDeep { limit: 2 })
        );
    }

    #[test]
    fn doctype_is_refused() {
        let text = r#"<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>"#;
        assert_eq!(root_name(text), Err(ParseError::Doctype));
    }

    #[test]
    fn malformed_xml_reports_position() {
        match RawXml::parse("<a>\n  <b></a>") {
            Err(ParseError::NotXml { line, .. }) => assert_eq!(line, 2),
            other => panic!("expected NotXml, got {other:?}"),
        }
    }
}
