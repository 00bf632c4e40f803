//! Lossless reading: what a document holds beyond the typed fields ([`Extra`]), and the
//! helpers the generated readers and writers use to keep it in place.
//!
//! The rule (`docs/field-evidence.md` in the repository): read whatever real clients
//! send, and lose nothing. A generated struct reads every child and attribute the
//! schema declares into typed fields; anything else that is well-formed XML (an
//! unknown element or attribute, a value that does not read as its type, a repeated
//! single element) is kept in the struct's `extra`, with its position among its
//! siblings, and written back there. Each such departure is also recorded in the drift
//! report ([`crate::drift`]); in strict mode it is refused instead.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::drift::{DriftKind, report};
use crate::xml::{
    Attribute, Event, RawXml, ReadError, ReadResult, WriteResult, XmlReader, XmlWriter,
};

/// An attribute the bindings do not declare, kept as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAttribute {
    /// The attribute's name as written (with its prefix, if any).
    pub name: String,
    /// The attribute's value, unescaped.
    pub value: String,
}

/// Where a child element stood among its siblings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// The next value of declared member `member`.
    Member(u16),
    /// Kept element `index`; `stands_for` names the member whose value it holds when
    /// the value could not be typed (empty or invalid).
    Kept { index: u32, stands_for: Option<u16> },
    /// Kept text `index` (text where the schema declares only elements).
    Text(u32),
}

/// What an element held beyond its typed fields: attributes and child elements the
/// bindings do not know (or could not type), and the order of the children when it
/// differs from the declared one. Empty for content the bindings describe exactly.
///
/// Reachable on every generated struct as `extra`; written back in place, so a
/// document read and written again keeps its elements, attributes and text.
///
/// Holds nothing (one pointer, no allocation) for content the bindings describe exactly.
#[derive(Clone, Default)]
pub struct Extra(Option<Box<ExtraData>>);

/// Equal when they hold the same, however they came to hold nothing.
impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        self.data() == other.data()
    }
}

impl Eq for Extra {}

#[derive(Clone, PartialEq, Eq, Default)]
struct ExtraData {
    attributes: Vec<UnknownAttribute>,
    elements: Vec<RawXml>,
    texts: Vec<String>,
    /// Document order of the children; empty when it is the declared order and there
    /// are no kept elements.
    layout: Vec<Slot>,
    /// Unknown attributes on typed text children: (member, occurrence, attributes).
    child_attributes: Vec<(u16, u32, Vec<UnknownAttribute>)>,
    /// Text children whose value writes differently from how it was read (`10.0` read
    /// as a duration of 10): (member, occurrence, text as read). The value's text then
    /// is not kept: it is that of the text as read, read again.
    child_text: Vec<(u16, u32, String)>,
}

static NOTHING: ExtraData = ExtraData {
    attributes: Vec::new(),
    elements: Vec::new(),
    texts: Vec::new(),
    layout: Vec::new(),
    child_attributes: Vec::new(),
    child_text: Vec::new(),
};

impl Extra {
    fn data(&self) -> &ExtraData {
        self.0.as_deref().unwrap_or(&NOTHING)
    }

    fn data_mut(&mut self) -> &mut ExtraData {
        self.0.get_or_insert_with(Default::default)
    }

    /// Whether the element held nothing beyond its typed fields, in declared order.
    pub fn is_empty(&self) -> bool {
        self.0.as_deref().is_none_or(ExtraData::is_empty)
    }
}

impl ExtraData {
    fn is_empty(&self) -> bool {
        self.attributes.is_empty()
            && self.elements.is_empty()
            && self.texts.is_empty()
            && self.layout.is_empty()
            && self.child_attributes.is_empty()
            && self.child_text.is_empty()
    }
}

impl Extra {
    /// Attributes the bindings do not declare, or whose value could not be typed.
    pub fn attributes(&self) -> &[UnknownAttribute] {
        &self.data().attributes
    }

    /// Child elements kept as XML: unknown ones, and declared ones whose value could
    /// not be typed (an empty `<StartDate/>`, say), in document order.
    pub fn elements(&self) -> &[RawXml] {
        &self.data().elements
    }

    /// Text found directly inside the element, where the schema declares only child
    /// elements, in document order.
    pub fn texts(&self) -> &[String] {
        &self.data().texts
    }

    /// The kept child element called `name`, if any.
    pub fn element(&self, name: &str) -> Option<&RawXml> {
        self.data().elements.iter().find(|e| e.name() == name)
    }

    /// Whether `<name>` was present but empty where a typed value is declared (its
    /// typed field is then `None`).
    pub fn is_present_but_empty(&self, name: &str) -> bool {
        self.element(name).is_some_and(RawXml::is_empty)
    }

    /// Forgets the document order kept from reading: the element is then written in
    /// the declared order, kept elements and text after the declared members.
    pub fn forget_order(&mut self) {
        if let Some(data) = &mut self.0 {
            data.layout.clear();
        }
    }

    /// Adds an attribute to write after the declared ones.
    pub fn push_attribute(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.data_mut().attributes.push(UnknownAttribute {
            name: name.into(),
            value: value.into(),
        });
    }

    /// Adds a child element to write after the declared ones.
    pub fn push_element(&mut self, element: RawXml) {
        let index = self.data().elements.len() as u32;
        self.data_mut().elements.push(element);
        if !self.data().layout.is_empty() {
            self.data_mut().layout.push(Slot::Kept {
                index,
                stands_for: None,
            });
        }
    }

    fn keep(&mut self, element: RawXml, stands_for: Option<u16>) {
        let index = self.data().elements.len() as u32;
        self.data_mut().elements.push(element);
        self.data_mut()
            .layout
            .push(Slot::Kept { index, stands_for });
    }

    /// The text to write for occurrence `occurrence` of text member `member`: the text
    /// it was read from while the value is unchanged, else the value's own.
    pub fn child_text<'a, T: TextValue>(
        &'a self,
        member: u16,
        occurrence: usize,
        value: &'a T,
    ) -> std::borrow::Cow<'a, str> {
        let now = value.xml_text();
        if !self.data().child_text.is_empty()
            && let Some((_, _, original)) = self
                .data()
                .child_text
                .iter()
                .find(|(m, o, _)| *m == member && *o as usize == occurrence)
            && T::from_xml_text(original).is_some_and(|(then, _)| *then.xml_text() == *now)
        {
            return std::borrow::Cow::Borrowed(original.as_str());
        }
        now
    }

    /// Unknown attributes of occurrence `occurrence` of text member `member`.
    pub fn child_attributes(&self, member: u16, occurrence: usize) -> &[UnknownAttribute] {
        self.data()
            .child_attributes
            .iter()
            .find(|(m, o, _)| *m == member && *o as usize == occurrence)
            .map(|(_, _, a)| a.as_slice())
            .unwrap_or(&[])
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("Extra");
        }
        let mut s = f.debug_struct("Extra");
        if !self.data().attributes.is_empty() {
            s.field("attributes", &self.data().attributes);
        }
        if !self.data().elements.is_empty() {
            s.field("elements", &self.data().elements);
        }
        if !self.data().texts.is_empty() {
            s.field("texts", &self.data().texts);
        }
        if !self.data().child_attributes.is_empty() {
            s.field("child_attributes", &self.data().child_attributes);
        }
        if !self.data().layout.is_empty() {
            let order: Vec<String> = self
                .data()
                .layout
                .iter()
                .map(|slot| match slot {
                    Slot::Member(m) => format!("member {m}"),
                    Slot::Kept { index, .. } => format!("kept {index}"),
                    Slot::Text(index) => format!("text {index}"),
                })
                .collect();
            s.field("order", &order);
        }
        s.finish()
    }
}

/// A type read from and written as text, whose values may lie outside what the
/// bindings list (an enumeration's unknown value, kept as its text).
pub trait TextValue: FromStr + fmt::Display {
    /// Whether the value is one the schema does not list (reported as drift).
    fn is_unlisted(&self) -> bool {
        false
    }

    /// The text written for the value: the text it was read from where the type keeps
    /// it (a date-time), so a document read and written again keeps its text.
    fn xml_text(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(self.to_string())
    }

    /// Whether the value is written as `text` ([`xml_text`](Self::xml_text) is
    /// `text`): asked of every value read, so a type whose text is built (a date)
    /// answers without building it.
    fn is_written_as(&self, text: &str) -> bool {
        *self.xml_text() == *text
    }

    /// `text` read as a value (`None` when it does not read as one), and whether the
    /// value is written as `text` ([`is_written_as`](Self::is_written_as)): what a
    /// reader asks of every text value, in one call, so a type whose values are always
    /// written as they were read (a string) answers without comparing.
    fn from_xml_text(text: &str) -> Option<(Self, bool)> {
        let value = text.parse::<Self>().ok()?;
        let written_as = value.is_written_as(text);
        Some((value, written_as))
    }
}

/// Whether `value` displays as `text`: [`TextValue::is_written_as`] for a type written
/// with its `Display`, found without building the display's string (a number read is
/// asked this, and a record holds thousands).
pub(crate) fn displays_as(value: &impl fmt::Display, text: &str) -> bool {
    /// The text not yet matched by what the display wrote so far.
    struct Rest<'a>(&'a str);
    impl fmt::Write for Rest<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            match self.0.strip_prefix(s) {
                Some(rest) => {
                    self.0 = rest;
                    Ok(())
                }
                None => Err(fmt::Error),
            }
        }
    }
    let mut rest = Rest(text);
    fmt::write(&mut rest, format_args!("{value}")).is_ok() && rest.0.is_empty()
}

/// Types written with their `Display`, every value listed.
macro_rules! listed_text {
    ($($t:ty),*) => {
        $(impl TextValue for $t {
            fn is_written_as(&self, text: &str) -> bool {
                displays_as(self, text)
            }
        })*
    };
}
impl TextValue for String {
    fn xml_text(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(self)
    }

    fn is_written_as(&self, text: &str) -> bool {
        self == text
    }

    /// A string is the text it was read from.
    fn from_xml_text(text: &str) -> Option<(Self, bool)> {
        Some((text.to_owned(), true))
    }
}
listed_text!(bool, u64, i64, f64, u32, i32);
impl TextValue for crate::DateTime {
    fn xml_text(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(self.original())
    }
}

listed_text!(
    crate::DurationMinutes,
    crate::DrugScheme,
    crate::CodeScheme,
    crate::Flag
);

/// Tracks the children of one element as they are read: how many values each declared
/// member has, whether they come in the declared order, and (only once they do not, or
/// an element is kept) the document order, so the writer can restore it. `N` is the
/// number of declared members.
pub struct Order<const N: usize> {
    values: [u32; N],
    last: usize,
    recording: bool,
    any_order: bool,
}

impl<const N: usize> Default for Order<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Order<N> {
    /// No positions recorded yet.
    pub fn new() -> Self {
        Order {
            values: [0; N],
            last: 0,
            recording: false,
            any_order: false,
        }
    }

    /// For content the schema allows in any order (the envelope's header, F11): the
    /// order is kept for writing, but not reported.
    pub fn any_order() -> Self {
        Order {
            any_order: true,
            ..Self::new()
        }
    }

    /// How many values member `member` has so far (the occurrence of the next one).
    pub fn occurrence(&self, member: usize) -> usize {
        self.values[member] as usize
    }

    /// Until now every child was a declared member in declared order, so the layout
    /// so far is each member's values in member order.
    fn start_recording(&mut self, extra: &mut Extra) {
        if self.recording {
            return;
        }
        self.recording = true;
        extra.data_mut().layout.clear();
        for (member, &count) in self.values.iter().enumerate() {
            for _ in 0..count {
                extra.data_mut().layout.push(Slot::Member(member as u16));
            }
        }
        // Elements kept before this point (none, or the layout would be recording).
    }

    /// A value of declared member `member` (element `name`) comes next.
    #[inline]
    pub fn member(&mut self, extra: &mut Extra, member: usize, name: &str) -> ReadResult<()> {
        if !self.recording && member < self.last {
            if !self.any_order {
                report(DriftKind::OutOfOrder, name, None)?;
            }
            self.start_recording(extra);
        }
        if self.recording {
            extra.data_mut().layout.push(Slot::Member(member as u16));
        }
        self.last = self.last.max(member);
        self.values[member] += 1;
        Ok(())
    }

    /// Keeps `text` (found where the schema declares only elements) at this place.
    pub fn keep_text(&mut self, extra: &mut Extra, text: String) {
        self.start_recording(extra);
        let index = extra.data().texts.len() as u32;
        extra.data_mut().texts.push(text);
        extra.data_mut().layout.push(Slot::Text(index));
    }

    /// Keeps `element` at this place, standing for a value of `stands_for` when that
    /// member's value could not be typed.
    pub fn keep(&mut self, extra: &mut Extra, element: RawXml, stands_for: Option<usize>) {
        self.start_recording(extra);
        extra.keep(element, stands_for.map(|m| m as u16));
    }
}

/// A text element as read: its name, attributes and text (borrowed from the document
/// where it can be), or the whole element as XML when it held child elements.
struct Leaf<'a> {
    name: &'a str,
    attributes: Vec<Attribute<'a>>,
    content: LeafContent<'a>,
}

enum LeafContent<'a> {
    Text(Cow<'a, str>),
    Mixed { raw: RawXml, first_child: &'a str },
}

/// Reads the next element, expected to hold text only, consuming its end tag.
fn read_leaf<'a>(reader: &mut XmlReader<'a>) -> ReadResult<Leaf<'a>> {
    let (name, attributes, depth) = crate::xml::read_start(reader)?;
    if let Some(text) = reader.text_content()? {
        return Ok(Leaf {
            name,
            attributes,
            content: LeafContent::Text(text),
        });
    }
    let text = crate::xml::read_text_run(reader)?;
    if let Event::End = reader.peek()? {
        reader.next_event()?;
        return Ok(Leaf {
            name,
            attributes,
            content: LeafContent::Text(text),
        });
    }
    // Child elements inside a text element: keep the whole element as XML.
    let mut capture = Capture::new();
    capture.start(name, &attributes)?;
    capture.text(&text)?;
    let mut first_child = None;
    loop {
        let event = reader.next_event()?;
        if first_child.is_none()
            && let Event::Start { name, .. } = &event
        {
            first_child = Some(*name);
        }
        let done = matches!(event, Event::End) && reader.depth() + 1 == depth;
        capture.event(&event)?;
        if done {
            break;
        }
    }
    let raw = capture.finish(name)?;
    Ok(Leaf {
        name,
        attributes,
        content: LeafContent::Mixed {
            raw,
            first_child: first_child.unwrap_or_default(),
        },
    })
}

/// Writes read events back as XML text: the capture behind [`RawXml`]. Whitespace-only
/// text is kept only as an element's whole content, so indentation between child
/// elements (which a writer may change) is not part of the value.
pub(crate) struct Capture {
    writer: XmlWriter,
    pending_space: Option<String>,
    just_started: bool,
}

impl Capture {
    pub(crate) fn new() -> Self {
        Capture {
            writer: XmlWriter::capture(),
            pending_space: None,
            just_started: false,
        }
    }

    pub(crate) fn start(&mut self, name: &str, attributes: &[Attribute<'_>]) -> ReadResult<()> {
        self.pending_space = None;
        self.writer.start_element(name);
        for a in attributes {
            self.writer.attribute(a.name, &a.value);
        }
        self.just_started = true;
        Ok(())
    }

    pub(crate) fn text(&mut self, text: &str) -> ReadResult<()> {
        if text.is_empty() {
            return Ok(());
        }
        if text.trim().is_empty() && self.pending_space.is_none() {
            self.pending_space = Some(text.to_string());
            return Ok(());
        }
        if let Some(space) = self.pending_space.take() {
            self.writer.characters(&space);
        }
        self.just_started = false;
        self.writer.characters(text);
        Ok(())
    }

    pub(crate) fn end(&mut self) -> ReadResult<()> {
        if let Some(space) = self.pending_space.take()
            && self.just_started
        {
            self.writer.characters(&space);
        }
        self.just_started = false;
        self.writer
            .end_element()
            .map_err(|e| ReadError::invalid(format!("cannot keep an element as XML: {e}")))
    }

    pub(crate) fn event(&mut self, event: &Event<'_>) -> ReadResult<()> {
        match event {
            Event::Start { name, attributes } => self.start(name, attributes),
            Event::End => self.end(),
            Event::Text(t) => self.text(t),
            Event::Eof => Err(ReadError::invalid("unexpected end of document")),
        }
    }

    pub(crate) fn finish(self, name: &str) -> ReadResult<RawXml> {
        let xml = self
            .writer
            .finish()
            .map_err(|e| ReadError::invalid(format!("cannot keep an element as XML: {e}")))?;
        Ok(RawXml::from_captured(name.to_string(), xml))
    }
}

fn raw_from_parts(name: &str, attributes: &[Attribute<'_>], text: &str) -> ReadResult<RawXml> {
    let mut capture = Capture::new();
    capture.start(name, attributes)?;
    capture.text(text)?;
    capture.end()?;
    capture.finish(name)
}

fn report_attributes(element: &str, attributes: &[Attribute<'_>]) -> ReadResult<()> {
    for a in attributes {
        report(
            DriftKind::UnknownAttribute,
            &format!("{element}/@{}", a.local_name()),
            Some(&a.value),
        )?;
    }
    Ok(())
}

/// Reads the next child, declared as text member `member` of type `T`: returns its
/// value, or `None` when it was kept as XML instead (empty or invalid value, child
/// elements), recording the departure. With `empty_allowed` (FIELD-EVIDENCE F8) an
/// empty element is kept without a report.
pub fn read_text_member<T: TextValue, const N: usize>(
    reader: &mut XmlReader<'_>,
    order: &mut Order<N>,
    extra: &mut Extra,
    member: usize,
    empty_allowed: bool,
) -> ReadResult<Option<T>> {
    let leaf = read_leaf(reader)?;
    let text = match leaf.content {
        LeafContent::Mixed { raw, first_child } => {
            report(
                DriftKind::UnknownElement,
                &format!("{}/{first_child}", leaf.name),
                Some(&raw.text()),
            )?;
            order.keep(extra, raw, Some(member));
            return Ok(None);
        }
        LeafContent::Text(text) => text,
    };
    match T::from_xml_text(&text) {
        Some((value, _)) if value.is_unlisted() && text.is_empty() => {
            // A closed enumeration reads "" as unlisted: keep the element as empty.
            if !empty_allowed {
                report(DriftKind::EmptyValue, leaf.name, Some(&text))?;
            }
            report_attributes(leaf.name, &leaf.attributes)?;
            let raw = raw_from_parts(leaf.name, &leaf.attributes, &text)?;
            order.keep(extra, raw, Some(member));
            Ok(None)
        }
        Some((value, written_as)) => {
            if value.is_unlisted() {
                report(DriftKind::UnknownValue, leaf.name, Some(&text))?;
            }
            let occurrence = order.occurrence(member) as u32;
            if !written_as {
                extra
                    .data_mut()
                    .child_text
                    .push((member as u16, occurrence, text.into_owned()));
            }
            if !leaf.attributes.is_empty() {
                report_attributes(leaf.name, &leaf.attributes)?;
                extra.data_mut().child_attributes.push((
                    member as u16,
                    occurrence,
                    leaf.attributes.iter().map(unknown_attribute).collect(),
                ));
            }
            order.member(extra, member, leaf.name)?;
            Ok(Some(value))
        }
        None => {
            let empty = text.trim().is_empty();
            if !(empty && empty_allowed) {
                let kind = if empty {
                    DriftKind::EmptyValue
                } else {
                    DriftKind::InvalidValue
                };
                report(kind, leaf.name, Some(&text))?;
            }
            report_attributes(leaf.name, &leaf.attributes)?;
            let raw = raw_from_parts(leaf.name, &leaf.attributes, &text)?;
            order.keep(extra, raw, Some(member));
            Ok(None)
        }
    }
}

/// Keeps the next child as XML: an element the bindings do not declare here
/// (`kind` unknown element) or a declared single element that came again (repeated).
pub fn keep_child<const N: usize>(
    reader: &mut XmlReader<'_>,
    order: &mut Order<N>,
    extra: &mut Extra,
    kind: DriftKind,
) -> ReadResult<()> {
    let raw: RawXml = crate::xml::read_child(reader)?;
    report(kind, raw.name(), Some(&raw.text()))?;
    order.keep(extra, raw, None);
    Ok(())
}

/// Reads a text data item inside `xs:any` content: its value, or the element kept as
/// XML (reported) when it has attributes, child elements or a value that does not read.
pub fn read_text_item<T: TextValue>(reader: &mut XmlReader<'_>) -> ReadResult<Result<T, RawXml>> {
    let leaf = read_leaf(reader)?;
    let text = match leaf.content {
        LeafContent::Mixed { raw, first_child } => {
            report(
                DriftKind::UnknownElement,
                &format!("{}/{first_child}", leaf.name),
                Some(&raw.text()),
            )?;
            return Ok(Err(raw));
        }
        LeafContent::Text(text) => text,
    };
    if leaf.attributes.is_empty()
        && let Some((value, true)) = T::from_xml_text(&text)
    {
        return Ok(Ok(value));
    }
    if leaf.attributes.is_empty() {
        report(DriftKind::InvalidValue, leaf.name, Some(&text))?;
    }
    report_attributes(leaf.name, &leaf.attributes)?;
    Ok(Err(raw_from_parts(leaf.name, &leaf.attributes, &text)?))
}

/// The local name of the next child element of `parent`, or `None` at its end tag
/// (left unconsumed). Whitespace between children is skipped; other text is kept in
/// place and reported (strict reading refuses it).
#[inline]
pub fn next_child_keeping_text<'a, const N: usize>(
    reader: &mut XmlReader<'a>,
    order: &mut Order<N>,
    extra: &mut Extra,
) -> ReadResult<Option<&'a str>> {
    loop {
        match reader.peek_markup()? {
            Event::Start { name, .. } => return Ok(Some(name)),
            Event::End => return Ok(None),
            Event::Text(_) => keep_text(reader, order, extra)?,
            Event::Eof => return Err(ReadError::invalid("unexpected end of document")),
        }
    }
}

/// Keeps the text that comes next (peeked) in place, reported: the rare way of
/// [`next_child_keeping_text`], kept apart so the usual way is inlined.
#[inline(never)]
fn keep_text<const N: usize>(
    reader: &mut XmlReader<'_>,
    order: &mut Order<N>,
    extra: &mut Extra,
) -> ReadResult<()> {
    let Event::Text(text) = reader.next_event()? else {
        unreachable!("peeked text");
    };
    report(DriftKind::UnexpectedText, "#text", Some(&text))?;
    order.keep_text(extra, text.into_owned());
    Ok(())
}

/// Reads an unknown element inside `xs:any` content (kept as XML, reported).
pub fn read_unknown_item(reader: &mut XmlReader<'_>) -> ReadResult<RawXml> {
    let raw: RawXml = crate::xml::read_child(reader)?;
    report(DriftKind::UnknownElement, raw.name(), Some(&raw.text()))?;
    Ok(raw)
}

fn unknown_attribute(a: &Attribute<'_>) -> UnknownAttribute {
    UnknownAttribute {
        name: a.name.to_string(),
        value: a.value.to_string(),
    }
}

/// Keeps the attributes not named in `known` (namespace declarations aside),
/// recording each.
pub fn keep_unknown_attributes(
    attributes: &[Attribute<'_>],
    known: &[&str],
    extra: &mut Extra,
) -> ReadResult<()> {
    for a in attributes {
        if known.contains(&a.name) {
            continue;
        }
        report(
            DriftKind::UnknownAttribute,
            &format!("@{}", a.local_name()),
            Some(&a.value),
        )?;
        extra.data_mut().attributes.push(unknown_attribute(a));
    }
    Ok(())
}

/// The value of declared attribute `name`: `None` when absent, or when its value could
/// not be typed (then kept with the unknown attributes and recorded).
pub fn attribute_value<T: TextValue>(
    attributes: &[Attribute<'_>],
    name: &str,
    extra: &mut Extra,
) -> ReadResult<Option<T>> {
    typed_attribute(attributes.iter().find(|a| a.name == name), name, extra)
}

/// The declared attributes of a start tag (the first of each name), found in one pass
/// over its attributes, and whether any other attribute is there (to keep with
/// [`keep_unknown_attributes`]): what a generated reader asks of a start tag before
/// typing each value with [`typed_attribute`]. `index` gives each declared name's
/// place (`None` for a name not declared): the generated reader's `match` on the names,
/// which compiles to a few compares of words rather than a comparison with each name in
/// turn.
#[inline]
pub fn declared_attributes_by<'r, 'a, const K: usize>(
    attributes: &'r [Attribute<'a>],
    index: impl Fn(&str) -> Option<usize>,
) -> ([Option<&'r Attribute<'a>>; K], bool) {
    let mut found = [None; K];
    let mut unknown = false;
    for a in attributes {
        match index(a.name).and_then(|i| found.get_mut(i)) {
            Some(slot) => {
                slot.get_or_insert(a);
            }
            None => unknown = true,
        }
    }
    (found, unknown)
}

/// The value of declared attribute `name` found as `attribute`, as
/// [`attribute_value`] reads it.
pub fn typed_attribute<T: TextValue>(
    attribute: Option<&Attribute<'_>>,
    name: &str,
    extra: &mut Extra,
) -> ReadResult<Option<T>> {
    let Some(a) = attribute else {
        return Ok(None);
    };
    match a.value.parse::<T>() {
        Ok(value) => {
            if value.is_unlisted() {
                report(DriftKind::UnknownValue, &format!("@{name}"), Some(&a.value))?;
            }
            Ok(Some(value))
        }
        Err(_) => {
            let kind = if a.value.trim().is_empty() {
                DriftKind::EmptyValue
            } else {
                DriftKind::InvalidValue
            };
            report(kind, &format!("@{name}"), Some(&a.value))?;
            extra.data_mut().attributes.push(unknown_attribute(a));
            Ok(None)
        }
    }
}

/// Pushes `value` onto `values`, growing it from exactly one value and then by
/// doubling: most repeated elements of a record come once (an Event's one data item),
/// and a vector grown the usual way has room for four, which [`crate::xml::fitted`]
/// then gives back with a reallocation.
pub fn push<T>(values: &mut Vec<T>, value: T) {
    if values.len() == values.capacity() {
        values.reserve_exact(values.len().max(1));
    }
    values.push(value);
}

/// Writes an element's children: each member's values (`counts[m]` of them, written
/// by `write(writer, m, k)`) and the kept elements, in document order when the element
/// was read with a different one, else in declared order. Values added since reading
/// come after those read.
pub fn write_members(
    writer: &mut XmlWriter,
    extra: &Extra,
    counts: &[usize],
    mut write: impl FnMut(&mut XmlWriter, usize, usize) -> WriteResult,
) -> WriteResult {
    if extra.data().layout.is_empty() {
        // In declared order (a value built in code, or read in order): nothing to
        // count, no allocation for an element of every response.
        for (m, &count) in counts.iter().enumerate() {
            for k in 0..count {
                write(writer, m, k)?;
            }
        }
        // Elements kept with no layout (added by hand, or the order forgotten): after
        // the declared ones.
        for raw in &extra.data().elements {
            crate::xml::write_child(writer, raw.name(), raw)?;
        }
        for text in &extra.data().texts {
            writer.characters(text);
        }
        return Ok(());
    }
    let mut next = vec![0usize; counts.len()];
    // Values a member has beyond its slots (added since reading) may take the
    // place of the kept element that stood for it.
    let mut surplus: Vec<usize> = counts.to_vec();
    for slot in &extra.data().layout {
        if let Slot::Member(m) = slot {
            let m = *m as usize;
            surplus[m] = surplus[m].saturating_sub(1);
        }
    }
    for slot in &extra.data().layout {
        match *slot {
            Slot::Member(m) => {
                let m = m as usize;
                if next[m] < counts[m] {
                    write(writer, m, next[m])?;
                    next[m] += 1;
                }
            }
            Slot::Kept { index, stands_for } => {
                if let Some(m) = stands_for.map(usize::from)
                    && surplus[m] > 0
                    && next[m] < counts[m]
                {
                    surplus[m] -= 1;
                    write(writer, m, next[m])?;
                    next[m] += 1;
                    continue;
                }
                let raw = &extra.data().elements[index as usize];
                crate::xml::write_child(writer, raw.name(), raw)?;
            }
            Slot::Text(index) => {
                writer.characters(&extra.data().texts[index as usize]);
            }
        }
    }
    for (m, &count) in counts.iter().enumerate() {
        for k in next[m]..count {
            write(writer, m, k)?;
        }
    }
    Ok(())
}

/// Writes text child `<name>` with the unknown attributes it was read with.
pub fn write_text_member<T: TextValue>(
    writer: &mut XmlWriter,
    name: &str,
    value: &T,
    attributes: &[UnknownAttribute],
    text: Option<&str>,
) -> WriteResult {
    writer.start_element(name);
    for a in attributes {
        writer.attribute(&a.name, &a.value);
    }
    match text {
        Some(text) => writer.characters(text),
        None => writer.characters(&value.xml_text()),
    }
    writer.end_element()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a reader asks of a text value in one call is what it asked in two: the
    /// value `text` parses to, and whether that value's text is `text` again.
    fn agrees<T: TextValue + fmt::Debug>(texts: &[&str]) {
        for text in texts {
            let expected = text.parse::<T>().ok().map(|v| {
                let written_as = *v.xml_text() == **text;
                (v, written_as)
            });
            // Compared as printed: NaN is not equal to itself.
            assert_eq!(
                format!("{:?}", T::from_xml_text(text)),
                format!("{expected:?}"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn one_call_reads_as_parse_and_compare() {
        let numbers = [
            "71.4",
            "71.40",
            "10",
            "10.0",
            "-0",
            "0",
            "1e3",
            "1000",
            " 5",
            "",
            "x",
            "007",
            "18446744073709551616",
            "-3",
            "NaN",
            "inf",
        ];
        agrees::<f64>(&numbers);
        agrees::<u64>(&numbers);
        agrees::<i64>(&numbers);
        agrees::<u32>(&numbers);
        agrees::<i32>(&numbers);
        agrees::<bool>(&["true", "false", "1", "True", ""]);
        agrees::<String>(&["", " a b ", "x & y", "é"]);
        agrees::<crate::DurationMinutes>(&["10", "10.0", "7.5", "", "ten"]);
        agrees::<crate::DrugScheme>(&["Multilex", "Dmd", "Mulitlex", ""]);
        agrees::<crate::Flag>(&["", " ", "x"]);
        agrees::<crate::Date>(&["2025-10-31", "2025-10-20T00:00:00", "31/10/2025"]);
        agrees::<crate::DateTime>(&["2025-10-31T16:05:00", "2017-12-19T12:45:12.0Z", "x"]);
    }

    /// Reads each child of `<a>` in `xml` as text member 0 of type `T`.
    fn members<T: TextValue>(xml: &str) -> (Vec<Option<T>>, Extra) {
        let mut reader = XmlReader::new(xml);
        let (_, _, _) = crate::xml::read_start(&mut reader).unwrap();
        let mut order = Order::<1>::new();
        let mut extra = Extra::default();
        let mut values = Vec::new();
        while next_child_keeping_text(&mut reader, &mut order, &mut extra)
            .unwrap()
            .is_some()
        {
            values.push(
                read_text_member::<T, 1>(&mut reader, &mut order, &mut extra, 0, false).unwrap(),
            );
        }
        (values, extra)
    }

    #[test]
    fn text_reads_the_same_however_it_is_written() {
        let (values, extra) = members::<String>(
            "<a><T>x &amp; y</T><T>x &#38; y</T><T><![CDATA[x & y]]></T><T>x <![CDATA[&]]> y</T>\
             <T>x &amp;<!-- c --> y</T><T>x &#x26; y</T></a>",
        );
        assert_eq!(values, vec![Some("x & y".to_string()); 6]);
        assert!(extra.is_empty(), "{extra:?}");
        // Spaces and line ends are part of the value, as written.
        let (values, _) = members::<String>("<a><T>  a\n b </T><T></T><T/><T>\r\n</T></a>");
        assert_eq!(
            values,
            ["  a\n b ", "", "", "\n"].map(|t| Some(t.to_string()))
        );
    }

    #[test]
    fn a_number_keeps_the_text_it_was_read_from() {
        let (values, extra) = members::<f64>("<a><V>71.4</V><V>10.0</V><V>1e3</V></a>");
        assert_eq!(values, vec![Some(71.4), Some(10.0), Some(1000.0)]);
        let written = |values: &[Option<f64>]| {
            let mut writer = XmlWriter::new(false);
            write_members(&mut writer, &extra, &[values.len()], |writer, _, k| {
                let value = values[k].as_ref().unwrap();
                let text = extra.child_text(0, k, value);
                write_text_member(writer, "V", value, &[], Some(&text))
            })
            .unwrap();
            writer.finish().unwrap()
        };
        assert_eq!(written(&values), "<V>71.4</V><V>10.0</V><V>1e3</V>");
        // A value changed since reading is written as it now is; one set to what it
        // was keeps the text it was read from.
        let changed = [Some(71.4), Some(11.0), Some(1000.0)];
        assert_eq!(written(&changed), "<V>71.4</V><V>11</V><V>1e3</V>");
    }
}
