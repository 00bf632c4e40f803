//! The event source under every reader: [`XmlReader`], re-exported from
//! [`crate::xml`].

use std::borrow::Cow;

use quick_xml::events::Event as QuickEvent;

/// The deepest element nesting the readers accept (the root element is level 1).
pub const MAX_DEPTH: usize = 256;

/// An event of the document, as the readers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A start tag (an empty-element tag `<a/>` is a start tag and an end tag).
    Start {
        /// The element's local name (a prefix dropped).
        name: String,
        /// Its attributes in document order, values unescaped and normalised;
        /// namespace declarations left out.
        attributes: Vec<Attribute>,
    },
    /// The end tag of the innermost open element.
    End,
    /// Text between two tags: never empty.
    Text(String),
    /// The end of the document.
    Eof,
}

/// An attribute as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The name as written, with its prefix if any (`xsi:nil`).
    pub name: String,
    /// The value, with references replaced and whitespace normalised.
    pub value: String,
}

impl Attribute {
    /// The name without its prefix.
    pub fn local_name(&self) -> &str {
        self.name
            .rsplit_once(':')
            .map_or(&self.name, |(_, local)| local)
    }

    /// Whether the name has a prefix.
    pub fn is_prefixed(&self) -> bool {
        self.name.contains(':')
    }
}

/// Why reading stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Not well-formed XML.
    #[error("not well-formed XML at line {line}, column {column}: {message}")]
    NotXml {
        /// The line (from 1).
        line: u64,
        /// The column in characters (from 1).
        column: u64,
        /// What was wrong.
        message: String,
    },
    /// The text ends before the root element closes (a document cut short).
    #[error(
        "not well-formed XML at line {line}, column {column}: the document ends before its root element closes"
    )]
    Truncated {
        /// The line (from 1).
        line: u64,
        /// The column in characters (from 1).
        column: u64,
    },
    /// A document type declaration (refused outright).
    #[error("a DOCTYPE declaration is not allowed in an interface document")]
    Doctype,
    /// Elements nested deeper than [`MAX_DEPTH`].
    #[error("elements nested deeper than the limit of {limit} levels")]
    TooDeep {
        /// The deepest nesting accepted.
        limit: usize,
    },
    /// Well-formed XML the bindings cannot read, or content strict reading refused.
    #[error("{0}")]
    Invalid(String),
}

impl ReadError {
    /// An error for content the readers cannot accept.
    pub fn invalid(message: impl std::fmt::Display) -> Self {
        ReadError::Invalid(message.to_string())
    }
}

/// What reading returns.
pub type ReadResult<T> = Result<T, ReadError>;

/// A pull reader over one document's text, the event source under every reader:
/// quick-xml beneath (it borrows from the text rather than copying it per event),
/// shaped into the few events the readers need.
///
/// ```
/// use systmone_core::xml::{Event, XmlReader};
///
/// let mut reader = XmlReader::new("<a x='1 &amp; 2'>t<![CDATA[<u>]]>&#33;<b/></a>");
/// let Event::Start { name, attributes } = reader.next_event().unwrap() else { panic!() };
/// assert_eq!((name.as_str(), attributes[0].value.as_str()), ("a", "1 & 2"));
/// assert_eq!(reader.next_event().unwrap(), Event::Text("t<u>!".into()));
/// assert!(matches!(reader.next_event().unwrap(), Event::Start { name, .. } if name == "b"));
/// assert_eq!(reader.next_event().unwrap(), Event::End);
/// assert_eq!(reader.next_event().unwrap(), Event::End);
/// assert_eq!(reader.next_event().unwrap(), Event::Eof);
/// ```
///
/// What it guarantees, whatever the parser beneath does not check itself:
/// - text comes as one event between markup: character data, CDATA sections and
///   references joined, comments and processing instructions dropped; line ends
///   normalised to `\n` (XML 1.0 section 2.11), and attribute values normalised (each
///   tab, line end or space a space, section 3.3.3), as the XML specification requires
///   of every processor;
/// - only the five predefined entities and character references to XML characters are
///   accepted; a DOCTYPE is refused (entity expansion is an attack, and SystmOne never
///   sends one), as is a character the XML specification excludes (control characters
///   other than tab, line feed and carriage return);
/// - one root element, nothing but whitespace, comments and processing instructions
///   outside it, the XML declaration only at the very start, every element closed, end
///   tags matching their start tags, names well-formed, no attribute twice;
/// - elements nest at most [`MAX_DEPTH`] levels, and every cost is linear in the
///   length of the document;
/// - namespace declarations (`xmlns`, `xmlns:p`) are not attributes (as in every
///   namespace-aware reader), and element names are their local part; prefixes are
///   not resolved, so a document with an undeclared prefix is still read;
/// - a literal `<` in an attribute value (which XML forbids) is read as itself rather
///   than costing the document, and written back escaped.
///
/// Errors carry the line and column where the reader stopped.
///
/// `depth` counts the start tags handed out by [`next_event`](Self::next_event) less
/// the end tags: inside the root element's content it is 1.
pub struct XmlReader<'a> {
    source: &'a str,
    inner: quick_xml::Reader<&'a [u8]>,
    /// The next event, already read (by [`peek`](Self::peek)).
    peeked: Option<Event>,
    /// Markup read while joining text, to be handed out next.
    pending: Option<(Event, usize)>,
    /// Elements open in the text read so far.
    open: usize,
    /// Whether the root element has been closed.
    root_closed: bool,
    /// Whether anything but whitespace has been read (the declaration must come first).
    started: bool,
    depth: usize,
    /// Once an error was returned, it is returned again.
    failed: Option<ReadError>,
    /// Events handed out instead of the text's ([`XmlReader::from_events`]).
    replay: Option<std::vec::IntoIter<Event>>,
}

impl<'a> XmlReader<'a> {
    /// A reader over `text` (a byte-order mark at its start is skipped).
    pub fn new(text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut inner = quick_xml::Reader::from_reader(text.as_bytes());
        let config = inner.config_mut();
        config.trim_text(false);
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.check_comments = true;
        config.allow_unmatched_ends = false;
        config.allow_dangling_amp = false;
        // quick-xml would skip a second byte-order mark too: it is text before the root.
        let failed = text.starts_with('\u{feff}').then(|| ReadError::NotXml {
            line: 1,
            column: 1,
            message: "text outside the root element (a second byte-order mark)".into(),
        });
        XmlReader {
            source: text,
            inner,
            peeked: None,
            pending: None,
            open: 0,
            root_closed: false,
            started: false,
            depth: 0,
            failed,
            replay: None,
        }
    }

    /// A reader handing out `events` (then [`Event::Eof`]) rather than reading text: how
    /// a value built from parameters in code ([`crate::parameters`]) reaches the
    /// generated readers with no XML written. The events must be balanced, as a
    /// reader's are; they are handed out as they are.
    pub fn from_events(events: Vec<Event>) -> XmlReader<'static> {
        let mut reader = XmlReader::new("");
        reader.replay = Some(events.into_iter());
        reader
    }

    /// Start tags handed out less end tags handed out.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The next event, left to be handed out again.
    pub fn peek(&mut self) -> ReadResult<&Event> {
        if self.peeked.is_none() {
            self.peeked = Some(self.read()?);
        }
        Ok(self.peeked.as_ref().expect("just filled"))
    }

    /// The next event.
    pub fn next_event(&mut self) -> ReadResult<Event> {
        let event = match self.peeked.take() {
            Some(event) => event,
            None => self.read()?,
        };
        match event {
            Event::Start { .. } => self.depth += 1,
            Event::End => self.depth -= 1,
            _ => {}
        }
        Ok(event)
    }

    /// The line and column (from 1) of byte `offset` of the text.
    fn position(&self, offset: usize) -> (u64, u64) {
        let offset = offset.min(self.source.len());
        let mut cut = offset;
        while !self.source.is_char_boundary(cut) {
            cut -= 1;
        }
        let before = &self.source[..cut];
        let line = before.bytes().filter(|&b| b == b'\n').count() as u64 + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() as u64 + 1;
        (line, column)
    }

    fn not_xml(&self, offset: usize, message: impl std::fmt::Display) -> ReadError {
        let (line, column) = self.position(offset);
        ReadError::NotXml {
            line,
            column,
            message: message.to_string(),
        }
    }

    fn truncated(&self) -> ReadError {
        let (line, column) = self.position(self.source.len());
        ReadError::Truncated { line, column }
    }

    fn read(&mut self) -> ReadResult<Event> {
        if let Some(events) = &mut self.replay {
            return Ok(events.next().unwrap_or(Event::Eof));
        }
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let result = self.read_joined();
        if let Err(error) = &result {
            self.failed = Some(error.clone());
        }
        result
    }

    /// The next event, text pieces joined into one.
    fn read_joined(&mut self) -> ReadResult<Event> {
        if let Some((event, offset)) = self.pending.take() {
            return self.hand_out(event, offset);
        }
        let mut text: Option<(String, usize)> = None;
        loop {
            let offset = self.inner.buffer_position() as usize;
            match self.read_raw(offset)? {
                Piece::Text(piece) => match &mut text {
                    Some((joined, _)) => joined.push_str(&piece),
                    None => text = Some((piece.into_owned(), offset)),
                },
                Piece::Skip => {}
                Piece::Markup(event) => match text.take() {
                    Some((joined, at)) if !joined.is_empty() => {
                        self.pending = Some((event, offset));
                        return self.hand_out(Event::Text(joined), at);
                    }
                    _ => return self.hand_out(event, offset),
                },
            }
        }
    }

    /// Checks `event` against the document's structure before handing it out.
    fn hand_out(&mut self, event: Event, offset: usize) -> ReadResult<Event> {
        match &event {
            Event::Start { .. } => {
                if self.open == 0 && self.root_closed {
                    return Err(self.not_xml(offset, "a second root element"));
                }
                self.open += 1;
                self.started = true;
                if self.open > MAX_DEPTH {
                    return Err(ReadError::TooDeep { limit: MAX_DEPTH });
                }
            }
            Event::End => {
                self.open -= 1;
                if self.open == 0 {
                    self.root_closed = true;
                }
            }
            Event::Text(text) => {
                if self.open == 0 {
                    if !is_whitespace(text) {
                        let at = text.len() - text.trim_start().len();
                        return Err(self.not_xml(offset + at, "text outside the root element"));
                    }
                    // Whitespace around the root element is not content.
                    return self.read_joined();
                }
            }
            Event::Eof => {
                if self.open > 0 {
                    return Err(self.truncated());
                }
                if !self.root_closed {
                    return Err(self.not_xml(offset, "the document has no root element"));
                }
            }
        }
        Ok(event)
    }

    /// One event of the parser beneath.
    fn read_raw(&mut self, offset: usize) -> ReadResult<Piece<'a>> {
        let event = match self.inner.read_event() {
            Ok(event) => event,
            Err(error) => {
                use quick_xml::errors::{Error, SyntaxError as S};
                if let Error::Syntax(
                    S::UnclosedTag
                    | S::UnclosedComment
                    | S::UnclosedCData
                    | S::UnclosedPIOrXmlDecl
                    | S::UnclosedDoctype,
                ) = error
                {
                    return Err(self.truncated());
                }
                let at = self.inner.error_position() as usize;
                return Err(self.not_xml(at, error));
            }
        };
        let first = !self.started;
        let piece = match event {
            QuickEvent::Start(start) => {
                let qname = start.name();
                let name = self.name(qname.as_ref(), offset)?;
                let local = match name.rsplit_once(':') {
                    Some((_, local)) => local,
                    None => name,
                };
                let raw = self.utf8(start.attributes_raw(), offset)?;
                let attributes = self.attributes(raw, offset)?;
                Piece::Markup(Event::Start {
                    name: local.to_string(),
                    attributes,
                })
            }
            QuickEvent::End(_) => Piece::Markup(Event::End),
            // Not produced with `expand_empty_elements`.
            QuickEvent::Empty(_) => {
                return Err(self.not_xml(offset, "unexpected empty-element event"));
            }
            QuickEvent::Text(text) => {
                let raw = self.utf8_cow(text.into_inner(), offset)?;
                self.check_chars(&raw, offset)?;
                if let Some(at) = raw.find("]]>") {
                    return Err(self.not_xml(offset + at, "]]> is not allowed in text"));
                }
                self.started |= !is_whitespace(&raw);
                Piece::Text(normalize_line_ends(raw))
            }
            QuickEvent::CData(_) | QuickEvent::GeneralRef(_) if self.open == 0 => {
                return Err(self.not_xml(offset, "character data outside the root element"));
            }
            QuickEvent::CData(data) => {
                let raw = self.utf8_cow(data.into_inner(), offset)?;
                self.check_chars(&raw, offset)?;
                self.started = true;
                Piece::Text(normalize_line_ends(raw))
            }
            QuickEvent::GeneralRef(reference) => {
                let name = self.utf8(&reference, offset)?;
                let mut resolved = String::new();
                self.push_reference(&mut resolved, name, offset)?;
                self.started = true;
                Piece::Text(Cow::Owned(resolved))
            }
            QuickEvent::Comment(comment) => {
                self.check_chars(self.utf8(&comment, offset)?, offset)?;
                self.started = true;
                Piece::Skip
            }
            QuickEvent::PI(pi) => {
                let content = self.utf8(&pi, offset)?;
                self.check_chars(content, offset)?;
                let target = content
                    .split(|c: char| c.is_ascii_whitespace())
                    .next()
                    .unwrap_or("");
                if target.eq_ignore_ascii_case("xml") {
                    return Err(self.not_xml(offset, "a processing instruction named xml"));
                }
                if !is_xml_name(target) {
                    return Err(self.not_xml(offset, format!("invalid target {target:?}")));
                }
                self.started = true;
                Piece::Skip
            }
            QuickEvent::Decl(declaration) => {
                if !first || offset != 0 {
                    return Err(self.not_xml(
                        offset,
                        "the XML declaration must be at the very start of the document",
                    ));
                }
                let content = self.utf8(&declaration, offset)?;
                self.check_declaration(content.strip_prefix("xml").unwrap_or(content), offset)?;
                self.started = true;
                Piece::Skip
            }
            QuickEvent::DocType(_) => return Err(ReadError::Doctype),
            QuickEvent::Eof => Piece::Markup(Event::Eof),
        };
        Ok(piece)
    }

    fn utf8<'b>(&self, bytes: &'b [u8], offset: usize) -> ReadResult<&'b str> {
        std::str::from_utf8(bytes).map_err(|e| self.not_xml(offset, e))
    }

    fn utf8_cow(&self, bytes: Cow<'a, [u8]>, offset: usize) -> ReadResult<Cow<'a, str>> {
        match bytes {
            Cow::Borrowed(b) => Ok(Cow::Borrowed(
                std::str::from_utf8(b).map_err(|e| self.not_xml(offset, e))?,
            )),
            Cow::Owned(b) => Ok(Cow::Owned(
                String::from_utf8(b).map_err(|e| self.not_xml(offset, e))?,
            )),
        }
    }

    /// A name as UTF-8, checked against the XML name production.
    fn name<'b>(&self, bytes: &'b [u8], offset: usize) -> ReadResult<&'b str> {
        let name = self.utf8(bytes, offset)?;
        if !is_name(name) {
            return Err(self.not_xml(offset, format!("invalid name {name:?}")));
        }
        Ok(name)
    }

    /// Refuses the characters XML excludes: controls other than tab, line feed and
    /// carriage return, and U+FFFE and U+FFFF (a byte scan: this runs over all text).
    fn check_chars(&self, text: &str, offset: usize) -> ReadResult<()> {
        let control = text
            .bytes()
            .position(|b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'));
        let bad = control.or_else(|| text.find(['\u{FFFE}', '\u{FFFF}']));
        match bad {
            None => Ok(()),
            Some(i) => Err(self.not_xml(
                offset + i,
                format!(
                    "character {:?} is not allowed in XML",
                    text[i..].chars().next().unwrap_or_default()
                ),
            )),
        }
    }

    /// The attributes of a start tag (`raw`: what follows the element's name), in one
    /// pass: whitespace before each, `name = "value"` with either quote, no name twice;
    /// namespace declarations left out.
    fn attributes(&self, raw: &str, offset: usize) -> ReadResult<Vec<Attribute>> {
        let bytes = raw.as_bytes();
        let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        let skip_space = |mut i: usize| {
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            i
        };
        let mut attributes: Vec<Attribute> = Vec::new();
        let mut names = std::collections::HashSet::new();
        let mut i = 0;
        loop {
            let spaced = skip_space(i);
            if spaced == bytes.len() {
                return Ok(attributes);
            }
            if spaced == i {
                return Err(self.not_xml(offset, "attributes must be separated by whitespace"));
            }
            let name_start = spaced;
            i = spaced;
            while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'=' {
                i += 1;
            }
            let name = self.name(&bytes[name_start..i], offset)?;
            i = skip_space(i);
            if bytes.get(i) != Some(&b'=') {
                return Err(self.not_xml(offset, format!("attribute {name} has no value")));
            }
            i = skip_space(i + 1);
            let quote = match bytes.get(i) {
                Some(&q @ (b'"' | b'\'')) => q,
                _ => {
                    return Err(self.not_xml(
                        offset,
                        format!("the value of attribute {name} must be quoted"),
                    ));
                }
            };
            let Some(length) = bytes[i + 1..].iter().position(|&b| b == quote) else {
                return Err(self.not_xml(offset, format!("attribute {name}: unclosed quote")));
            };
            let value_raw = &raw[i + 1..i + 1 + length];
            i += length + 2;
            if name == "xmlns" || name.starts_with("xmlns:") {
                // A namespace declaration is not an attribute, and its value is not
                // read: only its characters are checked (as xml-rs, the reader before
                // this one, did).
                self.check_chars(value_raw, offset)?;
                continue;
            }
            let value = self.attribute_value(value_raw, offset)?;
            // A set once there are a few, so many attributes cost linear time.
            let repeated = if attributes.len() < 8 {
                attributes.iter().any(|a| a.name == name)
            } else {
                if names.is_empty() {
                    names.extend(attributes.iter().map(|a| a.name.clone()));
                }
                !names.insert(name.to_string())
            };
            if repeated {
                return Err(self.not_xml(offset, format!("attribute {name} appears twice")));
            }
            attributes.push(Attribute {
                name: name.to_string(),
                value,
            });
        }
    }

    /// The XML declaration's pseudo-attributes: `version` (1.x), then optionally
    /// `encoding` and `standalone` (`yes` or `no`), in that order. The encoding named
    /// is not applied: the text is already decoded (real .NET clients declare `utf-16`
    /// on single-byte content, FIELD-EVIDENCE F10).
    fn check_declaration(&self, content: &str, offset: usize) -> ReadResult<()> {
        let attributes = self.attributes(content.trim_end(), offset)?;
        let mut names = attributes.iter().map(|a| a.name.as_str());
        let bad = |message: &str| Err(self.not_xml(offset, message));
        match attributes.first() {
            Some(a) if a.name == "version" => {
                // `1.` and digits (as XML 1.0's fifth edition), read by XML 1.0's rules
                // whatever it says (SystmOne writes 1.0).
                let minor = a.value.strip_prefix("1.").unwrap_or("");
                if minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) {
                    return bad("the XML declaration's version must be 1.x");
                }
            }
            _ => return bad("the XML declaration must start with version"),
        }
        names.next();
        let mut expected = ["encoding", "standalone"].into_iter();
        for name in names {
            if !expected.any(|e| e == name) {
                return bad(
                    "the XML declaration allows version, encoding and standalone, in that order",
                );
            }
        }
        if let Some(a) = attributes.iter().find(|a| a.name == "standalone")
            && a.value != "yes"
            && a.value != "no"
        {
            return bad("standalone must be yes or no");
        }
        Ok(())
    }

    /// Appends the text of reference `&name;` to `out`.
    fn push_reference(&self, out: &mut String, name: &str, offset: usize) -> ReadResult<()> {
        let resolved = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "apos" => '\'',
            "quot" => '"',
            _ => {
                let code = if let Some(hex) = name.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16)
                        .ok()
                        .filter(|_| !hex.starts_with('+'))
                } else if let Some(decimal) = name.strip_prefix('#') {
                    decimal
                        .parse::<u32>()
                        .ok()
                        .filter(|_| !decimal.starts_with('+'))
                } else {
                    return Err(self.not_xml(offset, format!("unknown entity &{name};")));
                };
                match code.and_then(char::from_u32).filter(|&c| is_xml_char(c)) {
                    Some(c) => c,
                    None => {
                        return Err(self.not_xml(
                            offset,
                            format!("&{name}; is not a reference to an XML character"),
                        ));
                    }
                }
            }
        };
        out.push(resolved);
        Ok(())
    }

    /// An attribute value as written, with references replaced and whitespace
    /// normalised (a literal tab or line end is a space; a referenced one stays).
    /// A literal `<`, which XML forbids here, is read as itself (xml-rs, the reader
    /// before this one, accepted `</` there): it costs nothing to keep, and is written
    /// back escaped.
    fn attribute_value(&self, raw: &str, offset: usize) -> ReadResult<String> {
        self.check_chars(raw, offset)?;
        let mut value = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(i) = rest.find(['&', '\t', '\n', '\r']) {
            value.push_str(&rest[..i]);
            let tail = &rest[i..];
            match tail.as_bytes()[0] {
                b'&' => {
                    let Some(end) = tail.find(';') else {
                        return Err(self.not_xml(offset, "an unterminated reference"));
                    };
                    self.push_reference(&mut value, &tail[1..end], offset)?;
                    rest = &tail[end + 1..];
                }
                b'\r' => {
                    value.push(' ');
                    rest = tail[1..].strip_prefix('\n').unwrap_or(&tail[1..]);
                }
                _ => {
                    value.push(' ');
                    rest = &tail[1..];
                }
            }
        }
        value.push_str(rest);
        Ok(value)
    }
}

enum Piece<'a> {
    Text(Cow<'a, str>),
    Markup(Event),
    Skip,
}

fn is_whitespace(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// `\r\n` and a lone `\r` as `\n` (XML 1.0 section 2.11).
fn normalize_line_ends(text: Cow<'_, str>) -> Cow<'_, str> {
    if !text.contains('\r') {
        return text;
    }
    Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// The XML 1.0 `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn is_name_start(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// The XML `Name` production.
fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

/// An element or attribute name: the XML `Name` production with at most one colon,
/// each side a name of its own, as namespaces require (element names lose their
/// prefix, so the local part must stand alone when written back).
fn is_name(name: &str) -> bool {
    if name.starts_with(':') || !is_xml_name(name) {
        return false;
    }
    if let Some((_, local)) = name.split_once(':')
        && !local
            .chars()
            .next()
            .is_some_and(|c| c != ':' && is_name_start(c))
    {
        return false;
    }
    let colons = name.bytes().filter(|&b| b == b':').count();
    colons == 0 || (colons == 1 && !name.ends_with(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> ReadResult<Vec<Event>> {
        let mut reader = XmlReader::new(text);
        let mut out = Vec::new();
        loop {
            let event = reader.next_event()?;
            if event == Event::Eof {
                return Ok(out);
            }
            out.push(event);
        }
    }

    fn start(name: &str, attributes: &[(&str, &str)]) -> Event {
        Event::Start {
            name: name.into(),
            attributes: attributes
                .iter()
                .map(|(n, v)| Attribute {
                    name: (*n).into(),
                    value: (*v).into(),
                })
                .collect(),
        }
    }

    #[test]
    fn text_is_joined_and_normalised() {
        assert_eq!(
            events("<a>x\r\ny<!-- c --><?p i?>&lt;<![CDATA[ & ]]>\rz</a>").unwrap(),
            vec![
                start("a", &[]),
                Event::Text("x\ny< & \nz".into()),
                Event::End
            ]
        );
        assert_eq!(
            events("<a b='1\t2\r\n3&#10;4 &quot;'/>").unwrap(),
            vec![start("a", &[("b", "1 2 3\n4 \"")]), Event::End]
        );
    }

    #[test]
    fn namespaces_and_prefixes() {
        assert_eq!(
            events(r#"<x:a xmlns:x="u" xmlns="v" xsi:nil="true"></x:a>"#).unwrap(),
            vec![start("a", &[("xsi:nil", "true")]), Event::End]
        );
    }

    #[test]
    fn malformed_documents_are_refused_with_a_position() {
        for (text, line) in [
            ("<a>\n<b></a>", 2),
            ("<a></a><b></b>", 1),
            ("<a>&foo;</a>", 1),
            ("<a>&#0;</a>", 1),
            ("<a>\u{1}</a>", 1),
            ("<a b='1' b='2'></a>", 1),
            ("<1a></1a>", 1),
            ("<p:1a></p:1a>", 1),
            ("\u{feff}\u{feff}<a/>", 1),
            ("<a/>&#x20;", 1),
            ("<![CDATA[ ]]><a/>", 1),
            ("x<a></a>", 1),
            ("<a></a>\nx", 2),
            ("<a>&amp</a>", 1),
            ("", 1),
            ("<a></a><?xml version='1.0'?>", 1),
            ("\n<?xml version='1.0'?><a/>", 2),
        ] {
            match events(text) {
                Err(ReadError::NotXml { line: l, .. }) => assert_eq!(l, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
        assert_eq!(events("<!DOCTYPE a><a/>"), Err(ReadError::Doctype));
        for cut in [
            "<a>\n<b>",
            "<a>\n<b",
            "<a>\n<!-- x",
            "<a>\n<![CDATA[",
            "<a>\n<?p",
        ] {
            assert_eq!(
                events(cut),
                Err(ReadError::Truncated {
                    line: 2,
                    column: cut.len() as u64 - 3
                }),
                "{cut:?}"
            );
        }
    }

    #[test]
    fn depth_is_limited() {
        let deep = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        assert!(events(&deep(MAX_DEPTH)).is_ok());
        assert_eq!(
            events(&deep(MAX_DEPTH + 1)),
            Err(ReadError::TooDeep { limit: MAX_DEPTH })
        );
    }

    #[test]
    fn declaration_and_bom_at_the_start() {
        assert_eq!(
            events("\u{feff}<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<a/>\r\n").unwrap(),
            vec![start("a", &[]), Event::End]
        );
    }
}
