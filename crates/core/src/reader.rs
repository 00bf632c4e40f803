//! The event source under every reader: [`XmlReader`], re-exported from
//! [`crate::xml`].

use std::borrow::Cow;

mod scan;

use scan::{ScanError, Scanner, Token, is_space};

/// The deepest element nesting the readers accept (the root element is level 1).
pub const MAX_DEPTH: usize = 256;

/// An event of the document, as the readers see it. Names, and text and values that
/// need no change (no reference, no line end to normalise), are borrowed from the
/// document: reading allocates only for what is built from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<'a> {
    /// A start tag (an empty-element tag `<a/>` is a start tag and an end tag).
    Start {
        /// The element's local name (a prefix dropped).
        name: &'a str,
        /// Its attributes in document order, values unescaped and normalised;
        /// namespace declarations left out.
        attributes: Vec<Attribute<'a>>,
    },
    /// The end tag of the innermost open element.
    End,
    /// Text between two tags: never empty.
    Text(Cow<'a, str>),
    /// The end of the document.
    Eof,
}

/// An attribute as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// The name as written, with its prefix if any (`xsi:nil`).
    pub name: &'a str,
    /// The value, with references replaced and whitespace normalised.
    pub value: Cow<'a, str>,
}

impl<'a> Attribute<'a> {
    /// The name without its prefix.
    pub fn local_name(&self) -> &'a str {
        self.name
            .rsplit_once(':')
            .map_or(self.name, |(_, local)| local)
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
/// a tokenizer of its own beneath (`reader/scan.rs`: each piece found in one pass and
/// borrowed from the text), shaped into the few events the readers need.
///
/// ```
/// use systmone_core::xml::{Event, XmlReader};
///
/// let mut reader = XmlReader::new("<a x='1 &amp; 2'>t<![CDATA[<u>]]>&#33;<b/></a>");
/// let Event::Start { name, attributes } = reader.next_event().unwrap() else { panic!() };
/// assert_eq!((name, &*attributes[0].value), ("a", "1 & 2"));
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
    scanner: Scanner<'a>,
    /// The next event, already read (by [`peek`](Self::peek)).
    peeked: Option<Event<'a>>,
    /// Markup read while joining text, to be handed out next.
    pending: Option<Event<'a>>,
    /// Where the pending markup starts.
    pending_offset: usize,
    /// Elements open in the text read so far.
    open: usize,
    /// Whether the root element has been closed.
    root_closed: bool,
    /// Whether anything but whitespace has been read (the declaration must come first).
    started: bool,
    depth: usize,
    /// Attribute vectors handed back ([`recycle`](Self::recycle)), reused for the next
    /// start tags rather than allocated for each.
    spare: Vec<Vec<Attribute<'a>>>,
    /// Whether whitespace-only text is dropped rather than handed out (while
    /// [`peek_markup`](Self::peek_markup) reads).
    skip_blank: bool,
    /// Set once an error was returned, or for a reader of events: one check per event
    /// on the way of every event read from text.
    detour: Option<Box<Detour<'a>>>,
}

/// Where events come from, when not from the text.
enum Detour<'a> {
    /// Once an error was returned, it is returned again.
    Failed(ReadError),
    /// Events handed out instead of the text's ([`XmlReader::from_events`]).
    Replay(std::vec::IntoIter<Event<'a>>),
}

/// What the steps of reading return: the error boxed keeps the event's result as small
/// as the event, moved through every step.
type Step<T> = Result<T, Box<ReadError>>;

impl<'a> XmlReader<'a> {
    /// A reader over `text` (a byte-order mark at its start is skipped).
    pub fn new(text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // A second byte-order mark is text before the root.
        let detour = text.starts_with('\u{feff}').then(|| {
            Box::new(Detour::Failed(ReadError::NotXml {
                line: 1,
                column: 1,
                message: "text outside the root element (a second byte-order mark)".into(),
            }))
        });
        XmlReader {
            source: text,
            scanner: Scanner::new(text),
            peeked: None,
            pending: None,
            pending_offset: 0,
            open: 0,
            root_closed: false,
            started: false,
            depth: 0,
            spare: Vec::new(),
            skip_blank: false,
            detour,
        }
    }

    /// A reader handing out `events` (then [`Event::Eof`]) rather than reading text: how
    /// a value built from parameters in code ([`crate::parameters`]) reaches the
    /// generated readers with no XML written. The events must be balanced, as a
    /// reader's are; they are handed out as they are.
    pub fn from_events(events: Vec<Event<'a>>) -> XmlReader<'a> {
        let mut reader = XmlReader::new("");
        reader.detour = Some(Box::new(Detour::Replay(events.into_iter())));
        reader
    }

    /// Start tags handed out less end tags handed out.
    #[inline]
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The next event, left to be handed out again.
    #[inline]
    pub fn peek(&mut self) -> ReadResult<&Event<'a>> {
        if self.peeked.is_none() {
            self.peeked = Some(self.read()?);
        }
        Ok(self.peeked.as_ref().expect("just filled"))
    }

    /// The next event that is not whitespace-only text (as `str::trim` sees it), which
    /// is dropped: what a reader of element-only content looks at next. Left to be
    /// handed out again.
    #[inline]
    pub fn peek_markup(&mut self) -> ReadResult<&Event<'a>> {
        loop {
            if self.peeked.is_none() {
                // Whitespace between tags is then dropped before it becomes an event.
                self.skip_blank = true;
                let event = self.read();
                self.skip_blank = false;
                self.peeked = Some(event?);
            }
            match &self.peeked {
                Some(Event::Text(text)) if crate::xml::is_blank(text) => self.peeked = None,
                _ => break,
            }
        }
        Ok(self.peeked.as_ref().expect("just filled"))
    }

    /// The text that comes next, consumed (`None`, and nothing consumed, at markup).
    #[inline]
    pub fn next_text(&mut self) -> ReadResult<Option<Cow<'a, str>>> {
        if let Event::Text(_) = self.peek()?
            && let Some(Event::Text(text)) = self.peeked.take()
        {
            return Ok(Some(text));
        }
        Ok(None)
    }

    /// The text of the element just started and its end tag, both consumed, when it
    /// holds nothing else (`Some("")` when it is empty); `None`, with nothing
    /// consumed, when other markup comes first. A leaf's usual reading, in one call.
    #[inline]
    pub fn text_content(&mut self) -> ReadResult<Option<Cow<'a, str>>> {
        match self.peek()? {
            Event::End => {
                self.next_event()?;
                return Ok(Some(Cow::Borrowed("")));
            }
            Event::Text(_) => {}
            _ => return Ok(None),
        }
        // The markup that ended the text was read with it, or is the next to read: an
        // end tag closes the leaf.
        let closes = match &self.pending {
            Some(event) => matches!(event, Event::End),
            None => self.at_end_tag(),
        };
        if !closes {
            return Ok(None);
        }
        let Some(Event::Text(text)) = self.peeked.take() else {
            unreachable!("peeked text");
        };
        self.next_event()?;
        Ok(Some(text))
    }

    /// Hands back the attributes of a start tag, once read, for the next start tags
    /// to reuse (a few, small ones, are kept).
    #[inline]
    pub fn recycle(&mut self, mut attributes: Vec<Attribute<'a>>) {
        if self.spare.len() < 8 && attributes.capacity() <= 16 && attributes.capacity() > 0 {
            attributes.clear();
            self.spare.push(attributes);
        }
    }

    /// The next event.
    #[inline]
    pub fn next_event(&mut self) -> ReadResult<Event<'a>> {
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

    #[cold]
    fn not_xml(&self, offset: usize, message: impl std::fmt::Display) -> ReadError {
        let (line, column) = self.position(offset);
        ReadError::NotXml {
            line,
            column,
            message: message.to_string(),
        }
    }

    #[cold]
    fn truncated(&self) -> ReadError {
        let (line, column) = self.position(self.source.len());
        ReadError::Truncated { line, column }
    }

    #[inline(never)]
    fn read(&mut self) -> ReadResult<Event<'a>> {
        if self.detour.is_none() {
            return match self.read_joined() {
                Ok(event) => Ok(event),
                Err(error) => Err(self.fail(*error)),
            };
        }
        self.read_detour()
    }

    #[cold]
    fn fail(&mut self, error: ReadError) -> ReadError {
        self.detour = Some(Box::new(Detour::Failed(error.clone())));
        error
    }

    #[cold]
    fn read_detour(&mut self) -> ReadResult<Event<'a>> {
        match self.detour.as_deref_mut() {
            Some(Detour::Replay(events)) => Ok(events.next().unwrap_or(Event::Eof)),
            Some(Detour::Failed(error)) => Err(error.clone()),
            None => unreachable!("a detour"),
        }
    }

    /// The next event, text pieces joined into one.
    fn read_joined(&mut self) -> Step<Event<'a>> {
        if let Some(event) = self.pending.take() {
            return self.hand_out(event, self.pending_offset);
        }
        // Borrowed while it is one piece of the document.
        // With whether every piece is whitespace (as `blank` sees it), known from the
        // scan of each piece rather than asked again of the joined text.
        let mut text: Option<(Cow<'a, str>, usize, bool)> = None;
        loop {
            let offset = self.scanner.position();
            match self.read_raw(offset)? {
                Piece::Text(piece, is_blank) => match &mut text {
                    Some((joined, _, all_blank)) => {
                        joined.to_mut().push_str(&piece);
                        *all_blank &= is_blank;
                    }
                    // Text that ends at a start or end tag is whole: handed out with
                    // the tag left unread (most text, and no pending event to keep).
                    None if self.at_tag() => {
                        if !(is_blank && self.skip_blank || piece.is_empty()) {
                            return self.hand_out(Event::Text(piece), offset);
                        }
                    }
                    None => text = Some((piece, offset, is_blank)),
                },
                Piece::Skip => {}
                Piece::Markup(event) => match text.take() {
                    // Whitespace between tags, dropped for the reader of element-only
                    // content (`peek_markup`).
                    Some((_, _, true)) if self.skip_blank => {
                        return self.hand_out(event, offset);
                    }
                    Some((joined, at, _)) if !joined.is_empty() => {
                        self.pending = Some(event);
                        self.pending_offset = offset;
                        return self.hand_out(Event::Text(joined), at);
                    }
                    _ => return self.hand_out(event, offset),
                },
            }
        }
    }

    /// Whether the parser beneath stands at a start or end tag (after text).
    #[inline(always)]
    fn at_tag(&self) -> bool {
        let at = self.scanner.position();
        matches!(self.source.as_bytes().get(at..at + 2), Some([b'<', next]) if !matches!(next, b'!' | b'?'))
    }

    /// Whether the parser beneath stands at an end tag (after text).
    #[inline(always)]
    fn at_end_tag(&self) -> bool {
        let at = self.scanner.position();
        self.source.as_bytes().get(at..at + 2) == Some(b"</")
    }

    /// Checks `event` against the document's structure before handing it out.
    #[inline(always)]
    fn hand_out(&mut self, event: Event<'a>, offset: usize) -> Step<Event<'a>> {
        match &event {
            Event::Start { .. } => {
                if self.open == 0 && self.root_closed {
                    return Err(self.not_xml(offset, "a second root element").into());
                }
                self.open += 1;
                self.started = true;
                if self.open > MAX_DEPTH {
                    return Err(ReadError::TooDeep { limit: MAX_DEPTH }.into());
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
                        return Err(self
                            .not_xml(offset + at, "text outside the root element")
                            .into());
                    }
                    // Whitespace around the root element is not content.
                    return self.read_joined();
                }
            }
            Event::Eof => {
                if self.open > 0 {
                    return Err(self.truncated().into());
                }
                if !self.root_closed {
                    return Err(self
                        .not_xml(offset, "the document has no root element")
                        .into());
                }
            }
        }
        Ok(event)
    }

    /// One token of the text, checked.
    #[inline(always)]
    fn read_raw(&mut self, offset: usize) -> Step<Piece<'a>> {
        let mut token = self.scanner.next();
        if let Ok(Token::Open(at)) = token {
            if let Some(event) = self.fast_start(at) {
                return Ok(Piece::Markup(event));
            }
            token = self.scanner.start_tag(at);
        }
        let token = match token {
            Ok(token) => token,
            Err(ScanError::Truncated) => return Err(self.truncated().into()),
            Err(ScanError::NotXml(at, message)) => return Err(self.not_xml(at, message).into()),
        };
        let first = !self.started;
        let piece = match token {
            Token::Start {
                name,
                attributes: raw,
            } => {
                let Some(local) = local_start(name) else {
                    return Err(self
                        .not_xml(offset, format!("invalid name {name:?}"))
                        .into());
                };
                let local = &name[local..];
                let mut attributes = Vec::new();
                if !raw.is_empty() {
                    attributes = self.spare.pop().unwrap_or_default();
                    self.attributes(raw, offset, &mut attributes)?;
                }
                Piece::Markup(Event::Start {
                    name: local,
                    attributes,
                })
            }
            Token::End => Piece::Markup(Event::End),
            Token::Open(_) => unreachable!("read above"),
            Token::Text(raw) => {
                // Whitespace (between elements, mostly) holds nothing to refuse.
                let (line_ends, is_blank) = match blank(raw.as_bytes()) {
                    Some(line_ends) => (line_ends, true),
                    None => {
                        self.started = true;
                        (self.scan(raw, offset, true)?, false)
                    }
                };
                Piece::Text(normalize_line_ends(Cow::Borrowed(raw), line_ends), is_blank)
            }
            Token::CData(_) | Token::Reference(_) if self.open == 0 => {
                return Err(self
                    .not_xml(offset, "character data outside the root element")
                    .into());
            }
            Token::CData(raw) => {
                let line_ends = self.scan(raw, offset, false)?;
                self.started = true;
                let text = normalize_line_ends(Cow::Borrowed(raw), line_ends);
                let is_blank = blank(text.as_bytes()).is_some();
                Piece::Text(text, is_blank)
            }
            Token::Reference(name) => {
                let mut resolved = String::new();
                self.push_reference(&mut resolved, name, offset)?;
                self.started = true;
                let is_blank = blank(resolved.as_bytes()).is_some();
                Piece::Text(Cow::Owned(resolved), is_blank)
            }
            Token::Comment(text) => {
                self.scan(text, offset, false)?;
                self.started = true;
                Piece::Skip
            }
            Token::Pi(content) => {
                self.scan(content, offset, false)?;
                let target = content
                    .split(|c: char| c.is_ascii_whitespace())
                    .next()
                    .unwrap_or("");
                if target.eq_ignore_ascii_case("xml") {
                    return Err(self
                        .not_xml(offset, "a processing instruction named xml")
                        .into());
                }
                if !is_xml_name(target) {
                    return Err(self
                        .not_xml(offset, format!("invalid target {target:?}"))
                        .into());
                }
                self.started = true;
                Piece::Skip
            }
            Token::Declaration(content) => {
                if !first || offset != 0 {
                    return Err(self
                        .not_xml(
                            offset,
                            "the XML declaration must be at the very start of the document",
                        )
                        .into());
                }
                self.check_declaration(content.strip_prefix("xml").unwrap_or(content), offset)?;
                self.started = true;
                Piece::Skip
            }
            Token::Doctype => return Err(ReadError::Doctype.into()),
            Token::Eof => Piece::Markup(Event::Eof),
        };
        Ok(piece)
    }

    /// The start tag at `at` (its `<`) read in one pass with its attributes, when it
    /// is plain: an ASCII element name without a prefix, then attributes with ASCII
    /// names, each `name="value"` (or `'value'`) after whitespace. Such a tag ends
    /// where the exact reading ([`Scanner::start_tag`], then [`attributes`](Self::attributes))
    /// would end it (no quote outside its values) and is read as it would read it.
    /// `None`, with nothing consumed, for any other tag and wherever an error would
    /// be: the exact reading then finds which.
    #[inline(always)]
    fn fast_start(&mut self, at: usize) -> Option<Event<'a>> {
        let mut attributes = Vec::new();
        match self.fast_start_into(at, &mut attributes) {
            Some((name, close, empty)) => {
                self.scanner.finish_start(name, close, empty);
                Some(Event::Start { name, attributes })
            }
            None => {
                self.recycle(attributes);
                None
            }
        }
    }

    /// [`fast_start`](Self::fast_start)'s pass: the element's name, the offset of the
    /// tag's `>`, and whether it is an empty-element tag.
    #[inline(always)]
    fn fast_start_into(
        &mut self,
        at: usize,
        attributes: &mut Vec<Attribute<'a>>,
    ) -> Option<(&'a str, usize, bool)> {
        let source: &'a str = self.source;
        let bytes = source.as_bytes();
        let spaces = |mut i: usize| {
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            i
        };
        let plain_name = |mut i: usize| {
            while i < bytes.len() && PLAIN_NAME_BYTE[bytes[i] as usize] {
                i += 1;
            }
            i
        };
        if !NAME_START[*bytes.get(at + 1)? as usize] {
            return None;
        }
        let mut i = plain_name(at + 2);
        let name = &source[at + 1..i];
        let mut names = None;
        loop {
            let mut j = spaces(i);
            match bytes.get(j)? {
                b'>' => return Some((name, j, false)),
                b'/' if bytes.get(j + 1) == Some(&b'>') => return Some((name, j + 1, true)),
                _ => {}
            }
            if j == i || !NAME_START[bytes[j] as usize] {
                return None;
            }
            let name_start = j;
            j = plain_name(j + 1);
            if bytes.get(j) == Some(&b':') {
                j = plain_name(j + 1);
                if !is_name(&source[name_start..j]) {
                    return None;
                }
            }
            let attribute = &source[name_start..j];
            j = spaces(j);
            if bytes.get(j)? != &b'=' {
                return None;
            }
            j = spaces(j + 1);
            let quote = *bytes.get(j)?;
            if quote != b'"' && quote != b'\'' {
                return None;
            }
            j += 1;
            let value_start = j;
            // Whether the value holds what normalisation replaces or a character to
            // look at (as `attribute_value` finds them).
            let mut special = false;
            loop {
                let b = *bytes.get(j)?;
                if VALUE_SCAN[b as usize] {
                    if b == quote {
                        break;
                    }
                    special |= b != b'"' && b != b'\'';
                }
                j += 1;
            }
            let raw = &source[value_start..j];
            i = j + 1;
            if attribute == "xmlns" || attribute.starts_with("xmlns:") {
                if special && self.scan(raw, at, false).is_err() {
                    return None;
                }
                continue;
            }
            let value = if special {
                self.attribute_value(raw, at).ok()?
            } else {
                Cow::Borrowed(raw)
            };
            if repeated(attributes, &mut names, attribute) {
                return None;
            }
            if attributes.capacity() == 0 {
                *attributes = self.spare.pop().unwrap_or_default();
            }
            attributes.push(Attribute {
                name: attribute,
                value,
            });
        }
    }

    /// Refuses the characters XML excludes (controls other than tab, line feed and
    /// carriage return; U+FFFE and U+FFFF) and, in character data (`in_text`), `]]>`;
    /// returns whether `text` holds a carriage return, a line end to normalise. One
    /// pass over the bytes, which runs over all text: a table says which bytes need a
    /// second look.
    fn scan(&self, text: &str, offset: usize, in_text: bool) -> ReadResult<bool> {
        let bytes = text.as_bytes();
        let mut carriage_return = false;
        let mut from = 0;
        while let Some(found) = find_in(&bytes[from..], &SCAN, b']') {
            let at = from + found;
            match bytes[at] {
                b'\r' => carriage_return = true,
                b']' => {
                    if in_text && bytes[at..].starts_with(b"]]>") {
                        return Err(self.not_xml(offset + at, "]]> is not allowed in text"));
                    }
                }
                // The first byte of U+FFFE (EF BF BE) and U+FFFF (EF BF BF), among others.
                0xEF => {
                    if matches!(bytes.get(at + 1..at + 3), Some([0xBF, 0xBE | 0xBF])) {
                        return Err(self.excluded(text, at, offset));
                    }
                }
                _ => return Err(self.excluded(text, at, offset)),
            }
            from = at + 1;
        }
        Ok(carriage_return)
    }

    /// The error for the excluded character at byte `at` of `text`.
    #[cold]
    fn excluded(&self, text: &str, at: usize, offset: usize) -> ReadError {
        self.not_xml(
            offset + at,
            format!(
                "character {:?} is not allowed in XML",
                text[at..].chars().next().unwrap_or_default()
            ),
        )
    }

    /// The attributes of a start tag (`raw`: what follows the element's name), in one
    /// pass, pushed onto `attributes` (empty): whitespace before each, `name = "value"`
    /// with either quote, no name twice; namespace declarations left out.
    fn attributes<'b>(
        &self,
        raw: &'b str,
        offset: usize,
        attributes: &mut Vec<Attribute<'b>>,
    ) -> ReadResult<()> {
        let bytes = raw.as_bytes();
        let skip_space = |mut i: usize| {
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            i
        };
        // Made once there are many (a hash set's seed costs a thread-local lookup).
        let mut names: Option<std::collections::HashSet<&str>> = None;
        let mut i = 0;
        loop {
            let spaced = skip_space(i);
            if spaced == bytes.len() {
                return Ok(());
            }
            if spaced == i {
                return Err(self.not_xml(offset, "attributes must be separated by whitespace"));
            }
            let name_start = spaced;
            i = spaced;
            // An ASCII name without a prefix is checked as it is scanned; any other
            // (a prefix, a character beyond ASCII) is checked whole.
            while i < bytes.len() && PLAIN_NAME_BYTE[bytes[i] as usize] {
                i += 1;
            }
            let plain = i == bytes.len() || is_space(bytes[i]) || bytes[i] == b'=';
            while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'=' {
                i += 1;
            }
            // Cut before an ASCII byte or at the end: on a character boundary.
            let name = &raw[name_start..i];
            let valid = if plain {
                NAME_START[bytes[name_start] as usize]
            } else {
                is_name(name)
            };
            if !valid {
                return Err(self.not_xml(offset, format!("invalid name {name:?}")));
            }
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
            let Some(length) = memchr::memchr(quote, &bytes[i + 1..]) else {
                return Err(self.not_xml(offset, format!("attribute {name}: unclosed quote")));
            };
            let value_raw = &raw[i + 1..i + 1 + length];
            i += length + 2;
            if name == "xmlns" || name.starts_with("xmlns:") {
                // A namespace declaration is not an attribute, and its value is not
                // read: only its characters are checked (as xml-rs, the reader before
                // this one, did).
                self.scan(value_raw, offset, false)?;
                continue;
            }
            let value = self.attribute_value(value_raw, offset)?;
            if repeated(attributes, &mut names, name) {
                return Err(self.not_xml(offset, format!("attribute {name} appears twice")));
            }
            attributes.push(Attribute { name, value });
        }
    }

    /// The XML declaration's pseudo-attributes: `version` (1.x), then optionally
    /// `encoding` and `standalone` (`yes` or `no`), in that order. The encoding named
    /// is not applied: the text is already decoded (real .NET clients declare `utf-16`
    /// on single-byte content, FIELD-EVIDENCE F10).
    fn check_declaration(&self, content: &str, offset: usize) -> ReadResult<()> {
        let mut attributes = Vec::new();
        self.attributes(content.trim_end(), offset, &mut attributes)?;
        let mut names = attributes.iter().map(|a| a.name);
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
    fn attribute_value<'b>(&self, raw: &'b str, offset: usize) -> ReadResult<Cow<'b, str>> {
        let bytes = raw.as_bytes();
        let Some(first) = find_in(bytes, &ATTRIBUTE_SCAN, b'&') else {
            // Nothing to replace, no excluded character: the value as written.
            return Ok(Cow::Borrowed(raw));
        };
        self.scan(raw, offset, false)?;
        let mut value = String::with_capacity(raw.len());
        value.push_str(&raw[..first]);
        let mut rest = &raw[first..];
        while let Some(i) = rest
            .bytes()
            .position(|b| matches!(b, b'&' | b'\t' | b'\n' | b'\r'))
        {
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
        Ok(Cow::Owned(value))
    }
}

enum Piece<'a> {
    /// A piece of text, and whether it is whitespace only.
    Text(Cow<'a, str>, bool),
    Markup(Event<'a>),
    Skip,
}

/// A table of the bytes a scan must look at twice, `extra` and those of every scan:
/// the controls XML excludes (below 0x20 but tab, line feed and carriage return) and
/// 0xEF, the first byte of U+FFFE and U+FFFF.
const fn byte_table(extra: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = !matches!(b as u8, b'\t' | b'\n' | b'\r');
        b += 1;
    }
    table[0xEF] = true;
    let mut i = 0;
    while i < extra.len() {
        table[extra[i] as usize] = true;
        i += 1;
    }
    table
}

/// Text, comments and the like: a carriage return (a line end) and `]` (of `]]>`).
const SCAN: [bool; 256] = byte_table(b"\r]");

/// The first byte of `bytes` in `table`, which holds the bytes below 0x20 it needs
/// (every table here does), 0xEF and `special` (and no other). Thirty-two bytes at a
/// time (compared at once, as the compiler vectorises [`suspect_block`]), the last
/// block overlapping those before, shorter text as two overlapping halves: only a
/// block holding a byte below 0x20, `special` or 0xEF is looked at byte by byte, so
/// most text (a long narrative line, a short value) costs a few operations per block.
#[inline]
fn find_in(bytes: &[u8], table: &[bool; 256], special: u8) -> Option<usize> {
    let in_table = |from: usize, to: usize| {
        bytes[from..to]
            .iter()
            .position(|&b| table[b as usize])
            .map(|found| from + found)
    };
    let length = bytes.len();
    if length < 8 {
        return in_table(0, length);
    }
    let suspect = if length < 16 {
        let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight"));
        Some(suspect_word(word(0), special) || suspect_word(word(length - 8), special))
    } else if length < 32 {
        let half = |at: usize| -> &[u8; 16] { bytes[at..at + 16].try_into().expect("sixteen") };
        Some(suspect_block(half(0), special) || suspect_block(half(length - 16), special))
    } else {
        None
    };
    if let Some(suspect) = suspect {
        return if suspect { in_table(0, length) } else { None };
    }
    let block = |at: usize| -> &[u8; 32] { bytes[at..at + 32].try_into().expect("thirty-two") };
    let mut start = 0;
    while start + 32 <= length {
        if suspect_block(block(start), special)
            && let Some(found) = in_table(start, start + 32)
        {
            return Some(found);
        }
        start += 32;
    }
    if start < length && suspect_block(block(length - 32), special) {
        return in_table(start, length);
    }
    None
}

/// Whether `block` holds a byte below 0x20, `special` or 0xEF (each kind gathered on
/// its own, which the compiler turns into a few vector comparisons).
#[inline(always)]
fn suspect_block<const N: usize>(block: &[u8; N], special: u8) -> bool {
    let (mut control, mut special_byte, mut ef) = (0u8, 0u8, 0u8);
    for &b in block {
        control |= u8::from(b < 0x20);
        special_byte |= u8::from(b == special);
        ef |= u8::from(b == 0xEF);
    }
    (control | special_byte | ef) != 0
}

/// Whether the eight bytes of `word` hold one below 0x20, `special` or 0xEF (exact,
/// as the borrow of a subtraction runs only from a byte that is below what it is
/// compared with).
#[inline(always)]
fn suspect_word(word: u64, special: u8) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |w: u64, n: u64| w.wrapping_sub(ONES * n) & !w & HIGH;
    let zero = |w: u64| below(w, 1);
    (below(word, 0x20) | zero(word ^ (ONES * u64::from(special))) | zero(word ^ (ONES * 0xEF))) != 0
}

/// Attribute values: what normalisation replaces (references, tabs, line ends).
const ATTRIBUTE_SCAN: [bool; 256] = byte_table(b"&\t\n\r");

/// Attribute values read with the tag: [`ATTRIBUTE_SCAN`]'s bytes and the quotes.
const VALUE_SCAN: [bool; 256] = byte_table(b"&\t\n\r\"'");

/// Whether attribute `name` is among `attributes` (`names`, a set of them made once
/// there are many, so many attributes cost linear time).
#[inline(always)]
fn repeated<'b>(
    attributes: &[Attribute<'b>],
    names: &mut Option<std::collections::HashSet<&'b str>>,
    name: &'b str,
) -> bool {
    if attributes.len() < 8 {
        // The first and last bytes first: most names differ there, and a comparison
        // of equal lengths is a call.
        let ends = |n: &str| (n.as_bytes()[0], n.as_bytes()[n.len() - 1]);
        let (length, name_ends) = (name.len(), ends(name));
        for a in attributes {
            if a.name.len() == length && ends(a.name) == name_ends && a.name == name {
                return true;
            }
        }
        false
    } else {
        !names
            .get_or_insert_with(|| attributes.iter().map(|a| a.name).collect())
            .insert(name)
    }
}

/// The ASCII bytes that may start a name (a colon apart: see [`is_name`]).
const NAME_START: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphabetic() || b as u8 == b'_';
        b += 1;
    }
    table
};

/// The ASCII bytes of names.
const NAME_BYTE: [bool; 256] = {
    let mut table = NAME_START;
    let mut b = 0;
    while b < 128 {
        table[b] |= (b as u8).is_ascii_digit() || matches!(b as u8, b'-' | b'.' | b':');
        b += 1;
    }
    table
};

/// The ASCII bytes of names but the colon (of a prefix).
const PLAIN_NAME_BYTE: [bool; 256] = {
    let mut table = NAME_BYTE;
    table[b':' as usize] = false;
    table
};

fn is_whitespace(text: &str) -> bool {
    blank(text.as_bytes()).is_some()
}

/// Whether `bytes` are XML whitespace only (and then whether a carriage return is
/// among them).
fn blank(bytes: &[u8]) -> Option<bool> {
    let mut carriage_return = false;
    for &b in bytes {
        match b {
            b' ' | b'\t' | b'\n' => {}
            b'\r' => carriage_return = true,
            _ => return None,
        }
    }
    Some(carriage_return)
}

/// `\r\n` and a lone `\r` as `\n` (XML 1.0 section 2.11), when `text` holds a
/// carriage return (`line_ends`).
#[inline(always)]
fn normalize_line_ends(text: Cow<'_, str>, line_ends: bool) -> Cow<'_, str> {
    if !line_ends {
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
    local_start(name).is_some()
}

/// Where the local part of `name` starts (after its prefix's colon), if it is a name
/// ([`is_name`]). ASCII names (every name of the interface) are checked with tables;
/// others by [`is_name_by_chars`].
fn local_start(name: &str) -> Option<usize> {
    let bytes = name.as_bytes();
    // Most names: ASCII name bytes, no prefix.
    if bytes.iter().all(|&b| PLAIN_NAME_BYTE[b as usize]) {
        return bytes
            .first()
            .is_some_and(|&b| NAME_START[b as usize])
            .then_some(0);
    }
    let mut colon = None;
    for (i, &b) in bytes.iter().enumerate() {
        if !NAME_BYTE[b as usize] {
            if b.is_ascii() {
                return None;
            }
            return is_name_by_chars(name).then(|| name.find(':').map_or(0, |colon| colon + 1));
        }
        if b == b':' {
            if colon.is_some() {
                return None;
            }
            colon = Some(i);
        }
    }
    let starts_name = |i: usize| bytes.get(i).is_some_and(|&b| NAME_START[b as usize]);
    let local = colon.map_or(0, |c| c + 1);
    (starts_name(0) && starts_name(local)).then_some(local)
}

/// [`is_name`], character by character.
fn is_name_by_chars(name: &str) -> bool {
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

    fn events(text: &str) -> ReadResult<Vec<Event<'_>>> {
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

    fn start<'a>(name: &'a str, attributes: &[(&'a str, &'a str)]) -> Event<'a> {
        Event::Start {
            name,
            attributes: attributes
                .iter()
                .map(|(n, v)| Attribute {
                    name: n,
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
    fn names_alike_at_both_ends_are_different_attributes() {
        assert_eq!(
            events("<a xab='1' xcb='2' p:xab='3'></a>").unwrap(),
            vec![
                start("a", &[("xab", "1"), ("xcb", "2"), ("p:xab", "3")]),
                Event::End
            ]
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
            ("<a DoneAt='1' DoneBy='2' x:y='3' DoneAt='4'></a>", 1),
            ("<a p:b='1' p:b='2'></a>", 1),
            ("<a b:='1'></a>", 1),
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

    /// The tables give the answer of the character-by-character check on every ASCII
    /// name of up to three bytes over the bytes that matter.
    #[test]
    fn name_tables_agree_with_the_productions() {
        let alphabet: Vec<u8> = b"aZ_:-.9 \t=/<\x7f".to_vec();
        let mut names = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = names
                .iter()
                .flat_map(|n| alphabet.iter().map(move |&b| format!("{n}{}", b as char)))
                .collect();
            names.extend(longer);
        }
        for name in &names {
            assert_eq!(is_name(name), is_name_by_chars(name), "{name:?}");
        }
        assert!(is_name("xsi:nil") && is_name("Ab-c.d_9") && is_name("\u{e9}t\u{e9}"));
        assert!(!is_name(":a") && !is_name("a:") && !is_name("a:b:c") && !is_name("p:1a"));
    }

    /// The block and word scans find what a byte at a time finds, wherever it is.
    #[test]
    fn the_word_scan_finds_every_byte_the_table_names() {
        for (table, special) in [(&SCAN, b']'), (&ATTRIBUTE_SCAN, b'&')] {
            for length in 0..40 {
                for at in 0..length {
                    for b in 0..=255u8 {
                        let mut bytes = vec![b'a'; length];
                        bytes[at] = b;
                        let expected = bytes.iter().position(|&b| table[b as usize]);
                        let found = find_in(&bytes, table, special);
                        assert_eq!(found, expected, "{b:#x} at {at} of {length}");
                        bytes[0] = b' ';
                        bytes[length - 1] = b'\n';
                        let expected = bytes.iter().position(|&b| table[b as usize]);
                        let found = find_in(&bytes, table, special);
                        assert_eq!(found, expected, "{b:#x} at {at} of {length}");
                    }
                }
            }
        }
    }

    /// Where the tokenizer ends each construct, and which error a malformed one gives
    /// (a construct never closed is `Truncated` whatever it holds).
    #[test]
    fn constructs_end_where_they_end_and_fail_as_they_fail() {
        let kind = |text: &str| match events(text) {
            Ok(_) => "ok",
            Err(ReadError::NotXml { .. }) => "not xml",
            Err(ReadError::Truncated { .. }) => "truncated",
            Err(ReadError::Doctype) => "doctype",
            Err(other) => panic!("{text:?}: {other:?}"),
        };
        for (text, expected) in [
            ("<a><!----></a>", "ok"),
            ("<a><!---></a>", "truncated"),
            ("<a><!-- a--b --></a>", "not xml"),
            ("<a><!-- a --->", "not xml"),
            ("<a><!-x--></a>", "truncated"),
            ("<a><!x></a>", "not xml"),
            ("<a><!", "not xml"),
            ("<a><", "truncated"),
            ("<a><![CDATA[x]]]></a>", "ok"),
            ("<a><![CDAT[x]]></a>", "truncated"),
            ("<a><?p?></a>", "ok"),
            ("<a><?></a>", "truncated"),
            ("<a><??></a>", "not xml"),
            ("<!DOCTYPE a [<!ENTITY e 'x'>]><a/>", "doctype"),
            ("<!doctype a><a/>", "doctype"),
            ("<!DOCTYPE ><a/>", "not xml"),
            ("<!Dx><a/>", "truncated"),
            ("<a>&a&b;</a>", "not xml"),
            ("<a>&amp</a>", "not xml"),
            ("<a/ >", "not xml"),
            ("<a b='>'/>", "ok"),
            ("<a b='1'", "truncated"),
            ("<a b='1' / >", "not xml"),
            ("<a b='x\"y' c=\"p'q\"></a >", "ok"),
            ("<a b='1'c='2'/>", "not xml"),
            ("<a b = '1' p:c='2'/>", "ok"),
            // The `>` of an end tag is found skipping quotes too.
            ("<a></a '>", "truncated"),
            ("<p:a></p:a >", "ok"),
            ("<p:a></a>", "not xml"),
            ("</a>", "not xml"),
        ] {
            assert_eq!(kind(text), expected, "{text:?}");
        }
        assert_eq!(
            events("<a b=' x&amp;\ty ' c=\"'\"/>").unwrap(),
            vec![start("a", &[("b", " x& y "), ("c", "'")]), Event::End]
        );
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
