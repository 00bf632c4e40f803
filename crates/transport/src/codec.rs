//! Framing of XML documents on a byte stream, as a pure
//! [`tokio_util::codec`] [`Decoder`] / [`Encoder`] (no IO of its own).
//!
//! The interface sends one XML document per request and one per response on a
//! single TCP connection. The document says a request ends with a newline; the
//! responses' framing is not specified, and some integrations end a request
//! with the text `<EOF>` or with nothing at all (ERRATA E24). So the decoder
//! finds the end of a document by *scanning the XML*: a document is complete
//! when its root element closes, whatever the line breaks inside it and
//! however the bytes were split across reads.
//!
//! The scanner is incremental: it keeps its position and state between calls,
//! so every byte is examined once, however many reads a document arrives in.
//! It is not a validating parser; it understands just enough XML to find the
//! root element's end reliably:
//!
//! * an optional UTF-8 byte-order mark and leading whitespace (skipped, not
//!   part of the document), an XML declaration, processing instructions and
//!   comments before the root (ERRATA E16);
//! * start tags (attribute values in `"` or `'` may contain `>` and `/>`),
//!   end tags, self-closing tags, nested elements of the root's own name;
//! * comments, CDATA sections and processing instructions inside the root
//!   (their content, even `</Root>`, is not markup).
//!
//! A `<!DOCTYPE` before the root is refused ([`FrameError::Doctype`]): the
//! interface never sends one, and refusing it early rules out entity-expansion
//! attacks on whatever parses the document next.
//!
//! The newline (`\n` or `\r\n`) after a document, and with
//! [`XmlDocumentCodec::accept_eof_marker`] the text `<EOF>`, are consumed and
//! are never part of the next document.
//!
//! After the decoder has returned an error the stream is out of step and must
//! be dropped; [`tokio_util::codec::FramedRead`] does so by ending the stream.
//!
//! A server reads through [`XmlRequestCodec`] instead (server mode): bytes that
//! are not a document (text that is not XML, a DOCTYPE, a malformed tag) become
//! a [`Frame::Garbage`] item up to the end of the line they are on, and the next
//! line is read afresh, so the peer gets an error answer and the connection stays
//! usable; only the start of a bad line is kept ([`GARBAGE_KEPT`] bytes). Only a
//! document over the size or depth limit (which cannot be skipped without reading
//! it whole) still ends the stream, and so does a stream that opens as another
//! protocol does ([`sniff_protocol`]: an HTTP request line, a TLS handshake),
//! before anything in it is read.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

/// Default largest document accepted: 64 MiB, the same limit as files read
/// (`systmone_core::file::DEFAULT_MAX_FILE_SIZE`; a test keeps them equal).
pub const DEFAULT_MAX_DOCUMENT_SIZE: usize = 64 * 1024 * 1024;

/// Default deepest element nesting accepted (the root is level 1); real documents
/// are under ten levels deep.
pub const DEFAULT_MAX_DEPTH: usize = 256;

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";
/// The alternative request terminator some integrations send (ERRATA E24).
const EOF_MARKER: &[u8] = b"<EOF>";
const CDATA_OPEN: &[u8] = b"[CDATA[";
const DOCTYPE: &[u8] = b"DOCTYPE";

/// The bytes that mean something inside a start tag: its end, a quote, and a `<`
/// that cannot be in it.
const START_TAG_STOP: [u8; 4] = *b"<>\"'";
/// The bytes that mean something inside an end tag.
const END_TAG_STOP: [u8; 2] = *b"<>";

/// Where the first of the `targets` is in `bytes`. Names, attribute values and the
/// text between tags are a few bytes each, shorter than memchr's set-up pays for:
/// eight bytes at a time in a `u64`, each target found with the zero-byte test
/// (`x - 0x01..01 & !x & 0x80..80` marks the bytes of `x` that are zero, exactly
/// up to the first, which is all that is read of it).
#[inline]
fn position_of_any<const N: usize>(bytes: &[u8], targets: [u8; N]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let mut found = 0;
        for target in targets {
            let x = word ^ (ONES * u64::from(target));
            found |= x.wrapping_sub(ONES) & !x & HIGHS;
        }
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = words.remainder();
    rest.iter()
        .position(|b| targets.contains(b))
        .map(|i| at + i)
}

/// Where the first `<` is in `bytes`: the first bytes a word at a time (the text
/// between tags, short values), the rest of a long text with memchr.
#[inline]
fn find_lt(bytes: &[u8]) -> Option<usize> {
    const SHORT: usize = 32;
    let head = &bytes[..bytes.len().min(SHORT)];
    match position_of_any(head, [b'<']) {
        Some(i) => Some(i),
        None if bytes.len() > SHORT => memchr::memchr(b'<', &bytes[SHORT..]).map(|i| i + SHORT),
        None => None,
    }
}

/// Why a document could not be framed.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The document (still incomplete) grew beyond the configured limit.
    #[error("XML document larger than the limit of {limit} bytes")]
    TooLarge {
        /// The configured `max_document_size`.
        limit: usize,
    },
    /// Elements nested deeper than the configured limit.
    #[error("XML elements nested deeper than the limit of {limit} levels")]
    TooDeep {
        /// The configured `max_depth`.
        limit: usize,
    },
    /// A `<!DOCTYPE` declaration was found before the root element.
    #[error("XML document has a DOCTYPE declaration, which the interface never sends")]
    Doctype,
    /// The bytes cannot be (the start of) an XML document.
    #[error("malformed XML stream: {0}")]
    Malformed(String),
    /// The stream ended in the middle of a document.
    #[error("stream ended in the middle of an XML document")]
    Truncated,
    /// The stream starts as another protocol does (an HTTP request line, a TLS
    /// handshake): [`XmlRequestCodec`] refuses it before reading anything more.
    #[error("the peer speaks {0}, not the Client Integration interface")]
    Foreign(ForeignProtocol),
    /// An IO error of the underlying stream (required by `tokio_util`).
    #[error("IO error: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the scanner is, within or between documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before a document: skipping whitespace, a BOM, an `<EOF>` marker.
    Between,
    /// Inside a document, outside markup (prolog whitespace or content).
    Text,
    /// Just after `<`.
    Open,
    /// Just after `<!`: a comment, CDATA section or DOCTYPE follows.
    Bang,
    /// In a processing instruction `<? ... ?>`; `question` = last byte was `?`.
    Pi { question: bool },
    /// In a comment `<!-- ... -->`; `dashes` = trailing `-` seen (at most 2).
    Comment { dashes: u8 },
    /// In a CDATA section; `brackets` = trailing `]` seen (at most 2).
    CData { brackets: u8 },
    /// In a start tag; `quote` = the open attribute quote, `slash` = last
    /// byte outside quotes was `/`.
    StartTag { quote: Option<u8>, slash: bool },
    /// In an end tag.
    EndTag,
}

/// What the skipper found before a document.
enum Lead {
    /// The buffer is empty or holds only the start of a BOM / `<EOF>`.
    NeedMore,
    /// A `<` that starts a document is at the front of the buffer.
    Start,
    /// Something that cannot start a document is at the front of the buffer.
    Garbage,
}

/// Frames XML documents: decodes one document each time a root element
/// closes; encodes a document followed by one `\n`.
///
/// ```
/// use bytes::BytesMut;
/// use systmone_transport::codec::XmlDocumentCodec;
/// use tokio_util::codec::Decoder;
///
/// let mut codec = XmlDocumentCodec::new().max_document_size(1024 * 1024);
/// let mut buf = BytesMut::from("<A><B/></A>\n<A/>");
/// assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), "<A><B/></A>");
/// assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), "<A/>");
/// assert!(buf.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct XmlDocumentCodec {
    max_document_size: usize,
    max_depth: usize,
    accept_eof_marker: bool,
    state: State,
    /// Scan position, relative to the front of the buffer (the document's
    /// first byte, since bytes before a document are dropped as skipped).
    pos: usize,
    /// Element nesting depth inside the current document.
    depth: usize,
    /// A document was just returned (an `<EOF>` marker may follow).
    after_document: bool,
    /// Total bytes examined by the scanner (for tests and diagnostics).
    bytes_scanned: u64,
    /// Where in the buffer the last malformed byte was (the front for bytes
    /// that cannot start a document): server mode skips the line it is on.
    error_at: usize,
}

impl Default for XmlDocumentCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl XmlDocumentCodec {
    /// A codec with the default limit ([`DEFAULT_MAX_DOCUMENT_SIZE`]) that
    /// does not accept `<EOF>` markers.
    pub fn new() -> Self {
        Self {
            max_document_size: DEFAULT_MAX_DOCUMENT_SIZE,
            max_depth: DEFAULT_MAX_DEPTH,
            accept_eof_marker: false,
            state: State::Between,
            pos: 0,
            depth: 0,
            after_document: false,
            bytes_scanned: 0,
            error_at: 0,
        }
    }

    /// Sets the largest document accepted, in bytes (from the document's
    /// first `<` to the `>` closing its root; a BOM and surrounding
    /// whitespace are not counted).
    #[must_use]
    pub fn max_document_size(mut self, limit: usize) -> Self {
        self.max_document_size = limit;
        self
    }

    /// Sets the deepest element nesting accepted (the root element is level
    /// 1); a deeper document is refused with [`FrameError::TooDeep`] as soon
    /// as the start tag over the limit is scanned.
    #[must_use]
    pub fn max_depth(mut self, limit: usize) -> Self {
        self.max_depth = limit;
        self
    }

    /// Whether the text `<EOF>` right after a document (optionally after
    /// whitespace, optionally followed by a newline) is accepted and
    /// consumed as a terminator (ERRATA E24; the simulator accepts it).
    #[must_use]
    pub fn accept_eof_marker(mut self, accept: bool) -> Self {
        self.accept_eof_marker = accept;
        self
    }

    /// The configured document size limit.
    pub fn limit(&self) -> usize {
        self.max_document_size
    }

    /// Total number of bytes the scanner has examined so far. Each byte of
    /// the stream is examined once (a few bytes of look-ahead may be read
    /// again while waiting for the rest of `<!--`, `<![CDATA[`, a BOM or
    /// `<EOF>`), so this grows linearly with the input.
    pub fn bytes_scanned(&self) -> u64 {
        self.bytes_scanned
    }

    /// Whether the decoder is in the middle of a document.
    pub fn in_document(&self) -> bool {
        self.state != State::Between
    }

    /// Skips whitespace, byte-order marks and (when enabled, right after a
    /// document) `<EOF>` markers at the front of `buf`, dropping them.
    fn skip_lead(&mut self, buf: &mut BytesMut) -> Lead {
        loop {
            let Some(&b) = buf.first() else {
                return Lead::NeedMore;
            };
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => {
                    let n = buf
                        .iter()
                        .position(|&c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
                        .unwrap_or(buf.len());
                    buf.advance(n);
                    self.bytes_scanned += n as u64;
                }
                0xEF => match prefix_match(buf, BOM) {
                    Some(true) => {
                        buf.advance(BOM.len());
                        self.bytes_scanned += BOM.len() as u64;
                    }
                    Some(false) => return Lead::NeedMore,
                    None => return Lead::Garbage,
                },
                b'<' => {
                    if self.accept_eof_marker && self.after_document {
                        match prefix_match(buf, EOF_MARKER) {
                            Some(true) => {
                                buf.advance(EOF_MARKER.len());
                                self.bytes_scanned += EOF_MARKER.len() as u64;
                                self.after_document = false;
                                continue;
                            }
                            Some(false) => return Lead::NeedMore,
                            None => {}
                        }
                    }
                    return Lead::Start;
                }
                _ => return Lead::Garbage,
            }
        }
    }

    /// Scans the current document from `self.pos`; returns the document's
    /// length once its root element has closed.
    fn scan(&mut self, buf: &[u8]) -> Result<Option<usize>, FrameError> {
        let end = buf.len().min(self.max_document_size);
        let start = self.pos;
        let result = self.scan_to(buf, end);
        self.bytes_scanned += (self.pos - start) as u64;
        let done = result?;
        if done.is_none() && buf.len() > self.max_document_size {
            return Err(FrameError::TooLarge {
                limit: self.max_document_size,
            });
        }
        Ok(done)
    }

    fn scan_to(&mut self, buf: &[u8], end: usize) -> Result<Option<usize>, FrameError> {
        while self.pos < end {
            if self.state == State::Text && self.depth > 0 {
                if let Some(done) = self.scan_elements(buf, end)? {
                    return Ok(Some(done));
                }
                continue;
            }
            let b = buf[self.pos];
            match self.state {
                State::Between => unreachable!("scan only runs inside a document"),
                State::Text => {
                    let rest = &buf[self.pos..end];
                    let found = find_lt(rest);
                    let text = &rest[..found.unwrap_or(rest.len())];
                    if self.depth == 0 {
                        if let Some(i) = text
                            .iter()
                            .position(|&c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
                        {
                            let at = self.pos + i;
                            // Past the offending byte, as for every other error.
                            self.pos = at + 1;
                            return Err(malformed("text outside the root element", text[i], at));
                        }
                    }
                    match found {
                        Some(i) => {
                            self.pos += i + 1;
                            self.state = State::Open;
                        }
                        None => self.pos = end,
                    }
                }
                State::Open => {
                    self.pos += 1;
                    self.state = match b {
                        b'?' => State::Pi { question: false },
                        b'!' => State::Bang,
                        b'/' if self.depth == 0 => {
                            return Err(FrameError::Malformed(
                                "end tag before the root element".into(),
                            ));
                        }
                        b'/' => State::EndTag,
                        c if is_name_start(c) => State::StartTag {
                            quote: None,
                            slash: false,
                        },
                        c => return Err(malformed("invalid character after '<'", c, self.pos)),
                    };
                }
                State::Bang => {
                    // Look ahead without advancing until the kind is known; not past
                    // the size limit, so the outcome does not depend on how the bytes
                    // were split into reads (found by the codec fuzz target).
                    let rest = &buf[self.pos..end];
                    let (pattern, next) = match b {
                        b'-' => (&b"--"[..], State::Comment { dashes: 0 }),
                        b'[' => (CDATA_OPEN, State::CData { brackets: 0 }),
                        b'D' => (DOCTYPE, State::Text),
                        c => return Err(malformed("invalid markup after '<!'", c, self.pos)),
                    };
                    match prefix_match(rest, pattern) {
                        Some(true) => {}
                        Some(false) => return Ok(None),
                        None => {
                            return Err(FrameError::Malformed(format!(
                                "invalid markup after '<!' at byte {}",
                                self.pos
                            )));
                        }
                    }
                    match next {
                        State::Text if self.depth == 0 => return Err(FrameError::Doctype),
                        State::Text => {
                            return Err(FrameError::Malformed(
                                "DOCTYPE inside the root element".into(),
                            ));
                        }
                        State::CData { .. } if self.depth == 0 => {
                            return Err(FrameError::Malformed(
                                "CDATA section outside the root element".into(),
                            ));
                        }
                        _ => {}
                    }
                    self.pos += pattern.len();
                    self.state = next;
                }
                State::Pi { question } => {
                    self.pos += 1;
                    self.state = if b == b'>' && question {
                        State::Text
                    } else {
                        State::Pi {
                            question: b == b'?',
                        }
                    };
                }
                State::Comment { dashes } => {
                    self.pos += 1;
                    self.state = if b == b'>' && dashes >= 2 {
                        State::Text
                    } else if b == b'-' {
                        State::Comment {
                            dashes: (dashes + 1).min(2),
                        }
                    } else {
                        State::Comment { dashes: 0 }
                    };
                }
                State::CData { brackets } => {
                    self.pos += 1;
                    self.state = if b == b'>' && brackets >= 2 {
                        State::Text
                    } else if b == b']' {
                        State::CData {
                            brackets: (brackets + 1).min(2),
                        }
                    } else {
                        State::CData { brackets: 0 }
                    };
                }
                State::StartTag {
                    quote: Some(q),
                    slash: _,
                } => {
                    let rest = &buf[self.pos..end];
                    match position_of_any(rest, [q]) {
                        Some(i) => {
                            self.pos += i + 1;
                            self.state = State::StartTag {
                                quote: None,
                                slash: false,
                            };
                        }
                        None => self.pos = end,
                    }
                }
                State::StartTag { quote: None, slash } => {
                    // Up to the next byte that means something in a tag (a quote, its
                    // end, or a '<' that cannot be in it), in one search: the name and
                    // the attributes' names between are only skipped.
                    let rest = &buf[self.pos..end];
                    let stop = position_of_any(rest, START_TAG_STOP);
                    let skipped = &rest[..stop.unwrap_or(rest.len())];
                    if let Some(i) = stop
                        && rest[i] == b'<'
                    {
                        self.pos += i + 1;
                        return Err(FrameError::Malformed(format!(
                            "'<' inside a start tag at byte {}",
                            self.pos - 1
                        )));
                    }
                    // Whether the byte before the stop is a '/' (`<a/>`).
                    let slash = skipped.last().map_or(slash, |&c| c == b'/');
                    let Some(i) = stop else {
                        self.pos = end;
                        self.state = State::StartTag { quote: None, slash };
                        continue;
                    };
                    self.pos += i + 1;
                    match rest[i] {
                        b'>' => {
                            self.state = State::Text;
                            if slash {
                                if self.depth == 0 {
                                    // A self-closing root: the whole document.
                                    return Ok(Some(self.pos));
                                }
                            } else {
                                self.depth += 1;
                                if self.depth > self.max_depth {
                                    return Err(FrameError::TooDeep {
                                        limit: self.max_depth,
                                    });
                                }
                            }
                        }
                        quote => {
                            self.state = State::StartTag {
                                quote: Some(quote),
                                slash: false,
                            };
                        }
                    }
                }
                State::EndTag => {
                    let rest = &buf[self.pos..end];
                    let Some(i) = position_of_any(rest, END_TAG_STOP) else {
                        self.pos = end;
                        continue;
                    };
                    self.pos += i + 1;
                    if rest[i] == b'<' {
                        return Err(FrameError::Malformed(format!(
                            "'<' inside an end tag at byte {}",
                            self.pos - 1
                        )));
                    }
                    self.state = State::Text;
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Ok(Some(self.pos));
                    }
                }
            }
        }
        Ok(None)
    }

    /// The common case inside the root element, in one loop: text, then a start tag
    /// without quotes or an end tag, whole in `buf`, and again. Anything else (a
    /// quote, a comment, a tag cut off by the end of what has arrived, a `<` in a tag)
    /// is left to [`scan_to`](Self::scan_to), in the state it would have reached
    /// itself, so what it finds or refuses is the same.
    fn scan_elements(&mut self, buf: &[u8], end: usize) -> Result<Option<usize>, FrameError> {
        let mut pos = self.pos;
        let mut depth = self.depth;
        let stopped = loop {
            let Some(i) = find_lt(&buf[pos..end]) else {
                pos = end;
                break State::Text;
            };
            pos += i + 1;
            match buf[..end].get(pos) {
                Some(b'/') => {
                    let rest = &buf[pos + 1..end];
                    match position_of_any(rest, END_TAG_STOP) {
                        Some(j) if rest[j] == b'>' => {
                            pos += 1 + j + 1;
                            depth -= 1;
                            if depth == 0 {
                                self.pos = pos;
                                self.depth = 0;
                                self.state = State::Text;
                                return Ok(Some(pos));
                            }
                        }
                        _ => {
                            pos += 1;
                            break State::EndTag;
                        }
                    }
                }
                Some(&c) if is_name_start(c) => {
                    let rest = &buf[pos..end];
                    match position_of_any(rest, START_TAG_STOP) {
                        Some(j) if rest[j] == b'>' => {
                            pos += j + 1;
                            // The name's first byte is not a stop: `j` is at least 1.
                            if rest[j - 1] != b'/' {
                                depth += 1;
                                if depth > self.max_depth {
                                    self.pos = pos;
                                    self.depth = depth;
                                    self.state = State::Text;
                                    return Err(FrameError::TooDeep {
                                        limit: self.max_depth,
                                    });
                                }
                            }
                        }
                        _ => {
                            break State::StartTag {
                                quote: None,
                                slash: false,
                            };
                        }
                    }
                }
                _ => break State::Open,
            }
        };
        self.pos = pos;
        self.depth = depth;
        self.state = stopped;
        Ok(None)
    }

    fn reset(&mut self) {
        self.state = State::Between;
        self.pos = 0;
        self.depth = 0;
    }
}

/// `Some(true)` if `buf` starts with `pattern`, `Some(false)` if `buf` is a
/// proper prefix of `pattern` (more bytes are needed), `None` otherwise.
fn prefix_match(buf: &[u8], pattern: &[u8]) -> Option<bool> {
    if buf.len() >= pattern.len() {
        buf.starts_with(pattern).then_some(true)
    } else {
        pattern.starts_with(buf).then_some(false)
    }
}

/// A byte that may start an element name: an ASCII letter, `_`, `:`, or
/// any non-ASCII byte (the first byte of a UTF-8 sequence).
fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80
}

fn malformed(what: &str, byte: u8, pos: usize) -> FrameError {
    FrameError::Malformed(format!(
        "{what}: {} at byte {pos}",
        std::ascii::escape_default(byte)
    ))
}

impl Decoder for XmlDocumentCodec {
    type Item = Bytes;
    type Error = FrameError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        if self.state == State::Between {
            match self.skip_lead(buf) {
                Lead::NeedMore => return Ok(None),
                Lead::Garbage => {
                    self.error_at = 0;
                    // Quoted masked: the bytes may hold the API key or patient data.
                    let snippet = systmone_core::mask::excerpt(buf, &[]);
                    return Err(FrameError::Malformed(format!(
                        "data that cannot start an XML document: \"{snippet}\""
                    )));
                }
                Lead::Start => {
                    self.state = State::Open;
                    self.pos = 1;
                    self.bytes_scanned += 1;
                    self.depth = 0;
                    self.after_document = false;
                }
            }
        }
        match self.scan(buf) {
            Ok(Some(len)) => {
                let doc = buf.split_to(len).freeze();
                self.reset();
                self.after_document = true;
                // Eagerly drop the terminator if it is already here; anything
                // else is left for the next call.
                let _ = self.skip_lead(buf);
                Ok(Some(doc))
            }
            Ok(None) => Ok(None),
            Err(e) => {
                // Every error leaves `pos` just past the byte it is about.
                self.error_at = self.pos.saturating_sub(1);
                self.reset();
                Err(e)
            }
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        if let Some(doc) = self.decode(buf)? {
            return Ok(Some(doc));
        }
        if buf.is_empty() {
            Ok(None)
        } else {
            self.reset();
            Err(FrameError::Truncated)
        }
    }
}

impl<T: AsRef<[u8]>> Encoder<T> for XmlDocumentCodec {
    type Error = FrameError;

    /// Writes the document followed by exactly one `\n`. Whitespace at the
    /// end of the document is dropped first, so a document that already
    /// ends with a newline is not followed by a blank line. An empty (or
    /// all-whitespace) document is refused.
    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<(), FrameError> {
        let doc = item.as_ref();
        let len = doc
            .iter()
            .rposition(|&c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
            .map_or(0, |i| i + 1);
        if len == 0 {
            return Err(FrameError::Malformed("empty document".into()));
        }
        dst.reserve(len + 1);
        dst.put_slice(&doc[..len]);
        dst.put_u8(b'\n');
        Ok(())
    }
}

/// One unit a server reads ([`XmlRequestCodec`]'s item).
#[derive(Debug)]
pub enum Frame {
    /// A whole document (prolog included, terminator excluded), as
    /// [`XmlDocumentCodec`] returns it.
    Document(Bytes),
    /// Bytes that are not a document, up to the end of the line the fault was
    /// found on (the `\n` or `\r\n` excluded), or up to the end of the stream.
    Garbage {
        /// The start of the bytes skipped, at most [`GARBAGE_KEPT`] of them (for an
        /// error answer and the audit trail; the rest is dropped as it is read).
        bytes: Bytes,
        /// How many bytes were skipped in all.
        len: usize,
        /// Why they are not a document: [`FrameError::Malformed`],
        /// [`FrameError::Doctype`], or [`FrameError::Truncated`] for a document
        /// the peer stopped sending in the middle of.
        error: FrameError,
    },
}

/// How much of a garbage line [`Frame::Garbage`] keeps: whatever its length, a bad
/// line costs no more memory than this.
pub const GARBAGE_KEPT: usize = 1024;

/// A protocol a peer may mistakenly (or maliciously) speak to the interface port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForeignProtocol {
    /// An HTTP request line (`POST / HTTP/1.1`): a web page, curl, a browser.
    Http,
    /// A TLS handshake (a client hello record).
    Tls,
}

impl std::fmt::Display for ForeignProtocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ForeignProtocol::Http => "HTTP",
            ForeignProtocol::Tls => "TLS",
        })
    }
}

/// What the first bytes of a stream say ([`sniff_protocol`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// Too few bytes to tell (they are the start of a foreign protocol's opening).
    NeedMore,
    /// Another protocol's opening.
    Foreign(ForeignProtocol),
    /// Not another protocol's opening: the interface's bytes (or garbage).
    Interface,
}

/// HTTP's request methods, each with the space after it (HTTP/2's preface starts
/// with `PRI `).
const HTTP_METHODS: [&[u8]; 10] = [
    b"GET ",
    b"HEAD ",
    b"POST ",
    b"PUT ",
    b"DELETE ",
    b"CONNECT ",
    b"OPTIONS ",
    b"TRACE ",
    b"PATCH ",
    b"PRI ",
];

/// Whether the first bytes of a stream are another protocol's opening: an HTTP
/// request line (a method and a space) or a TLS handshake record (`0x16 0x03`
/// and a minor version up to 4). Decides on at most 8 bytes, and at the first
/// byte that no such opening has there, so an interface document (which starts
/// with `<`, a BOM or whitespace) is never held up.
///
/// ```
/// use systmone_transport::codec::{ForeignProtocol, Sniffed, sniff_protocol};
///
/// assert_eq!(sniff_protocol(b"POST / HTTP/1.1\r\n"), Sniffed::Foreign(ForeignProtocol::Http));
/// assert_eq!(sniff_protocol(b"POS"), Sniffed::NeedMore);
/// assert_eq!(sniff_protocol(b"\x16\x03\x01"), Sniffed::Foreign(ForeignProtocol::Tls));
/// assert_eq!(sniff_protocol(b"<ClientIntegrationRequest>"), Sniffed::Interface);
/// ```
pub fn sniff_protocol(first: &[u8]) -> Sniffed {
    let mut need_more = first.is_empty();
    for method in HTTP_METHODS {
        match prefix_match(first, method) {
            Some(true) => return Sniffed::Foreign(ForeignProtocol::Http),
            Some(false) => need_more = true,
            None => {}
        }
    }
    match first {
        [0x16] | [0x16, 0x03] => need_more = true,
        [0x16, 0x03, minor, ..] if *minor <= 4 => return Sniffed::Foreign(ForeignProtocol::Tls),
        _ => {}
    }
    if need_more {
        Sniffed::NeedMore
    } else {
        Sniffed::Interface
    }
}

/// [`XmlDocumentCodec`] in server mode: never out of step after garbage.
///
/// A request that cannot be framed (text that is not XML, a DOCTYPE, a
/// malformed tag) is returned as [`Frame::Garbage`] with the rest of the line
/// it is on, and decoding starts again on the next line; whatever a client sends,
/// it gets one item to answer per bad line and its next request is read. A
/// document larger than the size limit or deeper than the depth limit is still
/// an error that ends the stream: a server answers it and closes the connection.
/// A garbage line counts against the size limit too, but only its first
/// [`GARBAGE_KEPT`] bytes are kept.
///
/// A stream whose first bytes are another protocol's opening ([`sniff_protocol`]:
/// an HTTP request line, a TLS handshake) is refused with
/// [`FrameError::Foreign`] before anything else is read from it, so a web page's
/// `POST` to the interface port never has its body run as a request.
///
/// At the end of the stream ([`Decoder::decode_eof`]) an unfinished document or
/// line is a [`Frame::Garbage`] item too (with [`FrameError::Truncated`] for a
/// document), so a peer that half-closes still gets an answer.
///
/// ```
/// use bytes::BytesMut;
/// use systmone_transport::codec::{Frame, FrameError, XmlDocumentCodec, XmlRequestCodec};
/// use tokio_util::codec::Decoder;
///
/// let mut codec = XmlRequestCodec::new(XmlDocumentCodec::new());
/// let mut buf = BytesMut::from("not xml\r\n<A <B>\n<A/>\n");
/// let Some(Frame::Garbage { bytes, len, error }) = codec.decode(&mut buf).unwrap() else {
///     panic!("garbage expected")
/// };
/// assert_eq!((&bytes[..], len), (&b"not xml"[..], 7));
/// assert!(matches!(error, FrameError::Malformed(_)));
/// assert!(matches!(codec.decode(&mut buf).unwrap(), Some(Frame::Garbage { .. })));
/// let Some(Frame::Document(doc)) = codec.decode(&mut buf).unwrap() else {
///     panic!("document expected")
/// };
/// assert_eq!(&doc[..], b"<A/>");
/// ```
#[derive(Debug)]
pub struct XmlRequestCodec {
    documents: XmlDocumentCodec,
    /// The stream's first bytes were found not to be another protocol's.
    sniffed: bool,
    /// Skipping a bad line.
    skipping: Option<Skip>,
}

/// A bad line being skipped.
#[derive(Debug)]
struct Skip {
    /// Where in the buffer to go on looking for its newline.
    from: usize,
    /// Why it is bad.
    error: FrameError,
    /// Its first bytes (up to [`GARBAGE_KEPT`]).
    kept: BytesMut,
    /// Its bytes already dropped from the buffer.
    dropped: usize,
}

impl XmlRequestCodec {
    /// Server mode for `documents` (its limits and `<EOF>` setting apply).
    pub fn new(documents: XmlDocumentCodec) -> Self {
        Self {
            documents,
            sniffed: false,
            skipping: None,
        }
    }

    /// The document codec inside (its limits, [`XmlDocumentCodec::bytes_scanned`]).
    pub fn documents(&self) -> &XmlDocumentCodec {
        &self.documents
    }

    /// Whether a document or a garbage line has started and is not yet complete.
    pub fn in_frame(&self) -> bool {
        self.skipping.is_some() || self.documents.in_document()
    }

    /// Looks for the end of the bad line; the item once found. What is scanned
    /// without finding it leaves the buffer (its start kept), so a long bad line
    /// is never held whole.
    fn skip_line(
        &mut self,
        buf: &mut BytesMut,
        mut skip: Skip,
    ) -> Result<Option<Frame>, FrameError> {
        let from = skip.from.min(buf.len());
        let keep = |kept: &mut BytesMut, bytes: &[u8]| {
            let room = GARBAGE_KEPT.saturating_sub(kept.len());
            kept.extend_from_slice(&bytes[..bytes.len().min(room)]);
        };
        match buf[from..].iter().position(|&c| c == b'\n') {
            Some(i) => {
                let line = buf.split_to(from + i + 1);
                let mut end = from + i;
                if end > 0 && line[end - 1] == b'\r' {
                    end -= 1;
                }
                keep(&mut skip.kept, &line[..end]);
                let len = skip.dropped + end;
                Ok(Some(Frame::Garbage {
                    bytes: skip.kept.freeze(),
                    len,
                    error: skip.error,
                }))
            }
            None => {
                // Everything but a final `\r` (which may start the line's `\r\n`).
                let mut take = buf.len();
                if buf.last() == Some(&b'\r') {
                    take -= 1;
                }
                keep(&mut skip.kept, &buf[..take]);
                skip.dropped += take;
                buf.advance(take);
                if skip.dropped > self.documents.max_document_size {
                    let limit = self.documents.max_document_size;
                    return Err(FrameError::TooLarge { limit });
                }
                skip.from = buf.len();
                self.skipping = Some(skip);
                Ok(None)
            }
        }
    }
}

impl Decoder for XmlRequestCodec {
    type Item = Frame;
    type Error = FrameError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        if !self.sniffed {
            match sniff_protocol(buf) {
                Sniffed::NeedMore => return Ok(None),
                Sniffed::Foreign(protocol) => return Err(FrameError::Foreign(protocol)),
                Sniffed::Interface => self.sniffed = true,
            }
        }
        if let Some(skip) = self.skipping.take() {
            return self.skip_line(buf, skip);
        }
        match self.documents.decode(buf) {
            Ok(doc) => Ok(doc.map(Frame::Document)),
            Err(error @ (FrameError::Malformed(_) | FrameError::Doctype)) => {
                let skip = Skip {
                    from: self.documents.error_at,
                    error,
                    kept: BytesMut::new(),
                    dropped: 0,
                };
                self.skip_line(buf, skip)
            }
            Err(e) => Err(e),
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        // A stream that ends in the first bytes of a foreign opening: just bytes.
        self.sniffed = true;
        if let Some(frame) = self.decode(buf)? {
            return Ok(Some(frame));
        }
        let skip = self.skipping.take();
        if buf.is_empty() && skip.is_none() {
            return Ok(None);
        }
        let (error, mut kept, dropped) = match skip {
            Some(skip) => (skip.error, skip.kept, skip.dropped),
            None => (FrameError::Truncated, BytesMut::new(), 0),
        };
        self.documents.reset();
        let mut rest = buf.split();
        if rest.last() == Some(&b'\r') {
            rest.truncate(rest.len() - 1);
        }
        let room = GARBAGE_KEPT.saturating_sub(kept.len());
        kept.extend_from_slice(&rest[..rest.len().min(room)]);
        Ok(Some(Frame::Garbage {
            bytes: kept.freeze(),
            len: dropped + rest.len(),
            error,
        }))
    }
}

impl<T: AsRef<[u8]>> Encoder<T> for XmlRequestCodec {
    type Error = FrameError;

    /// As [`XmlDocumentCodec`]'s encoder: the document and one `\n`.
    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<(), FrameError> {
        self.documents.encode(item, dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_network_limit_is_the_file_limit() {
        assert_eq!(
            DEFAULT_MAX_DOCUMENT_SIZE,
            systmone_core::file::DEFAULT_MAX_FILE_SIZE
        );
    }

    const DOC: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
        <!-- a comment with </ClientIntegrationRequest> in it -->\n\
        <ClientIntegrationRequest>\n\
        \t<APIKey>f31e26725b5491f2</APIKey>\n\
        \t<DeviceID/>\n\
        \t<Function Name=\"a > b\" Other='x/>'>GetPatientRecord</Function>\n\
        \t<FunctionParameters>\n\
        \t\t<ClientIntegrationRequest Nested=\"yes\"><X/></ClientIntegrationRequest>\n\
        \t\t<Note><![CDATA[ </ClientIntegrationRequest> ]] > ]]></Note>\n\
        \t\t<?pi </ClientIntegrationRequest> ?>\n\
        \t\t<!-- - -- </ClientIntegrationRequest> -->\n\
        \t</FunctionParameters>\n\
        </ClientIntegrationRequest>";

    fn decode_all(codec: &mut XmlDocumentCodec, input: &[u8]) -> Vec<Bytes> {
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(doc) = codec.decode(&mut buf).unwrap() {
            out.push(doc);
        }
        if let Some(doc) = codec.decode_eof(&mut buf).unwrap() {
            out.push(doc);
        }
        assert!(buf.is_empty(), "left over: {:?}", buf);
        out
    }

    fn one(input: &str) -> Bytes {
        let docs = decode_all(&mut XmlDocumentCodec::new(), input.as_bytes());
        assert_eq!(docs.len(), 1, "{docs:?}");
        docs.into_iter().next().unwrap()
    }

    /// Feeds `chunks` one after the other, as reads would, then signals EOF.
    fn feed(codec: &mut XmlDocumentCodec, chunks: &[&[u8]]) -> Result<Vec<Bytes>, FrameError> {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            while let Some(doc) = codec.decode(&mut buf)? {
                out.push(doc);
            }
        }
        while let Some(doc) = codec.decode_eof(&mut buf)? {
            out.push(doc);
        }
        Ok(out)
    }

    #[test]
    fn pretty_printed_multiline_document() {
        assert_eq!(one(DOC), DOC);
    }

    #[test]
    fn crlf_line_breaks_and_trailing_crlf() {
        let doc = DOC.replace('\n', "\r\n");
        let input = format!("{doc}\r\n");
        let mut codec = XmlDocumentCodec::new();
        let mut buf = BytesMut::from(input.as_bytes());
        assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), doc);
        // The terminator is consumed with the document.
        assert!(buf.is_empty());
        assert!(!codec.in_document());
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let input = format!("\u{FEFF}{DOC}\n");
        assert_eq!(one(&input), DOC);
        // A BOM split across reads.
        let mut codec = XmlDocumentCodec::new();
        let bytes = input.as_bytes();
        let docs = feed(&mut codec, &[&bytes[..1], &bytes[1..2], &bytes[2..]]).unwrap();
        assert_eq!(docs, vec![Bytes::from(DOC)]);
    }

    #[test]
    fn xml_declaration_is_kept_and_optional() {
        let with = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><A>1</A>";
        assert_eq!(one(with), with);
        assert_eq!(one("<A>1</A>"), "<A>1</A>");
    }

    /// The word-at-a-time search finds what a byte-by-byte one finds: every length
    /// around a word's, each target at every place, with the bytes the zero-byte test
    /// could confuse (a target's neighbours, 0x00, 0x01, 0x7F, 0x80, 0xFF) before
    /// and after it.
    #[test]
    fn the_word_search_finds_the_first_target_as_a_byte_search_does() {
        let naive = |bytes: &[u8], targets: &[u8]| bytes.iter().position(|b| targets.contains(b));
        let targets = START_TAG_STOP;
        let mut confusers: Vec<u8> = vec![0x00, 0x01, 0x7F, 0x80, 0xFF, b'a'];
        for t in targets {
            confusers.extend([t.wrapping_sub(1), t.wrapping_add(1), t ^ 0x80]);
        }
        confusers.retain(|c| !targets.contains(c));
        let mut checked = 0;
        for len in 0..=41 {
            for filler in &confusers {
                let mut bytes = vec![*filler; len];
                assert_eq!(position_of_any(&bytes, targets), None, "{bytes:?}");
                for at in 0..len {
                    for target in targets {
                        bytes[at] = target;
                        // A second target later, and confusers after the first.
                        if at + 3 < len {
                            bytes[at + 3] = targets[0];
                        }
                        for (i, b) in bytes.iter_mut().enumerate().skip(at + 1).take(2) {
                            *b = confusers[(i + len) % confusers.len()];
                        }
                        assert_eq!(
                            position_of_any(&bytes, targets),
                            naive(&bytes, &targets),
                            "{bytes:?}"
                        );
                        assert_eq!(
                            position_of_any(&bytes, [target]),
                            naive(&bytes, &[target]),
                            "{bytes:?}"
                        );
                        checked += 1;
                        bytes.fill(*filler);
                    }
                }
            }
        }
        assert!(checked > 10_000, "{checked}");
    }

    #[test]
    fn every_split_point_of_a_representative_document() {
        let input = format!("\u{FEFF}{}\r\n", DOC.replace('\n', "\r\n"));
        let bytes = input.as_bytes();
        let expected = DOC.replace('\n', "\r\n");
        for split in 0..=bytes.len() {
            let mut codec = XmlDocumentCodec::new();
            let docs = feed(&mut codec, &[&bytes[..split], &bytes[split..]]).unwrap();
            assert_eq!(
                docs,
                vec![Bytes::from(expected.clone())],
                "split at {split}"
            );
        }
        // Two split points at once, over a shorter document with every
        // construct the scanner knows.
        let short = "<?x ?><!--c--><R a='>' b=\"/>\"><R/><![CDATA[</R>]]></R>\n";
        let sb = short.as_bytes();
        for i in 0..=sb.len() {
            for j in i..=sb.len() {
                let mut codec = XmlDocumentCodec::new();
                let docs = feed(&mut codec, &[&sb[..i], &sb[i..j], &sb[j..]]).unwrap();
                assert_eq!(docs, vec![Bytes::from(short.trim_end())], "splits {i},{j}");
            }
        }
    }

    /// A '<' inside a tag is refused at the same byte however the bytes arrive.
    #[test]
    fn a_stray_lt_in_a_tag_is_found_at_every_split_point() {
        for (input, at) in [
            ("<a <b>", "'<' inside a start tag at byte 3"),
            ("<a x='<' y <b/>", "'<' inside a start tag at byte 11"),
            ("<a></a <b>", "'<' inside an end tag at byte 7"),
            ("<a><b/ <c>", "'<' inside a start tag at byte 7"),
        ] {
            let bytes = input.as_bytes();
            for split in 0..=bytes.len() {
                let mut codec = XmlDocumentCodec::new();
                match feed(&mut codec, &[&bytes[..split], &bytes[split..]]) {
                    Err(FrameError::Malformed(message)) => {
                        assert_eq!(message, at, "{input} split at {split}")
                    }
                    other => panic!("{input} split at {split}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn byte_at_a_time() {
        let input = format!("\n\n{DOC}\n{DOC}\r\n");
        let chunks: Vec<&[u8]> = input.as_bytes().chunks(1).collect();
        let mut codec = XmlDocumentCodec::new();
        let docs = feed(&mut codec, &chunks).unwrap();
        assert_eq!(docs, vec![Bytes::from(DOC), Bytes::from(DOC)]);
    }

    #[test]
    fn two_documents_back_to_back_in_one_buffer() {
        let mut codec = XmlDocumentCodec::new();
        let docs = decode_all(&mut codec, b"<A>1</A><B x=\"2\"/>\n  <C><C/></C>");
        assert_eq!(docs, vec!["<A>1</A>", "<B x=\"2\"/>", "<C><C/></C>"]);
    }

    #[test]
    fn document_followed_by_crlf_and_leading_whitespace_skipped() {
        let mut codec = XmlDocumentCodec::new();
        let docs = decode_all(&mut codec, b"\r\n \t\n<A/>\r\n\r\n<B/>\r\n");
        assert_eq!(docs, vec!["<A/>", "<B/>"]);
    }

    #[test]
    fn document_without_terminator_is_complete() {
        let mut codec = XmlDocumentCodec::new();
        let mut buf = BytesMut::from("<A><B>x</B></A>");
        assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), "<A><B>x</B></A>");
        assert!(buf.is_empty());
    }

    #[test]
    fn attributes_containing_gt_and_self_closing_text() {
        let doc =
            "<Root Name=\"a > b\" Other=\"x/>\" Third='<\"/>'><Child A=\"/>\">t</Child></Root>";
        assert_eq!(one(doc), doc);
        // The attribute value must not end the self-closing root early.
        let doc = "<Root Name=\"x/>\"/>";
        assert_eq!(one(doc), doc);
    }

    #[test]
    fn cdata_and_comment_containing_closing_root_tag() {
        let doc = "<Root><![CDATA[</Root>]]><!-- </Root> --></Root>";
        assert_eq!(one(doc), doc);
        let doc = "<!-- </Root> --><Root>a<!----></Root>";
        assert_eq!(one(doc), doc);
        let doc = "<Root><![CDATA[]]]]></Root>";
        assert_eq!(one(doc), doc);
    }

    #[test]
    fn processing_instructions() {
        let doc = "<?xml version=\"1.0\"?><?app x=\"1\"??><Root><?pi </Root> > ? ?></Root>";
        assert_eq!(one(doc), doc);
    }

    #[test]
    fn self_closing_root() {
        assert_eq!(one("<Root/>"), "<Root/>");
        assert_eq!(one("<Root a=\"1\" />\n"), "<Root a=\"1\" />");
    }

    #[test]
    fn deep_nesting_is_refused_at_the_limit() {
        let deep = |n: usize| format!("{}{}\n", "<a>".repeat(n), "</a>".repeat(n));
        let mut codec = XmlDocumentCodec::new();
        let mut buf = BytesMut::from(deep(100_000).as_str());
        match codec.decode(&mut buf) {
            Err(FrameError::TooDeep { limit }) => assert_eq!(limit, DEFAULT_MAX_DEPTH),
            other => panic!("expected TooDeep, got {other:?}"),
        }
        // Refused as soon as the level over the limit is scanned, not at the end.
        assert!(codec.bytes_scanned() <= 3 * (DEFAULT_MAX_DEPTH as u64 + 1));
        let mut codec = XmlDocumentCodec::new().max_depth(3);
        let mut buf = BytesMut::from("<a><b><c/><c></c></b></a>\n<a><b><c><d>");
        assert_eq!(
            codec.decode(&mut buf).unwrap().unwrap(),
            "<a><b><c/><c></c></b></a>"
        );
        assert!(matches!(
            codec.decode(&mut buf),
            Err(FrameError::TooDeep { limit: 3 })
        ));
    }

    #[test]
    fn nested_elements_with_the_root_name() {
        let doc = "<R><R><R/></R><R></R></R>";
        assert_eq!(one(doc), doc);
    }

    #[test]
    fn oversized_document_is_refused() {
        let mut codec = XmlDocumentCodec::new().max_document_size(1024);
        let mut buf = BytesMut::from("<Root>");
        assert!(codec.decode(&mut buf).unwrap().is_none());
        let mut err = None;
        for _ in 0..10 {
            buf.extend_from_slice(&[b'a'; 200]);
            match codec.decode(&mut buf) {
                Ok(None) => {}
                Ok(Some(_)) => panic!("incomplete document returned"),
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        let err = err.expect("limit enforced");
        assert!(
            matches!(err, FrameError::TooLarge { limit: 1024 }),
            "{err:?}"
        );
        // Never buffered much beyond the limit (one read's worth at most).
        assert!(buf.len() <= 1024 + 200);
        assert!(err.to_string().contains("1024"));
    }

    #[test]
    fn document_exactly_at_the_limit_is_accepted() {
        let body = "a".repeat(1024 - "<R></R>".len());
        let doc = format!("<R>{body}</R>");
        assert_eq!(doc.len(), 1024);
        let mut codec = XmlDocumentCodec::new().max_document_size(1024);
        let mut buf = BytesMut::from(format!("{doc}\n").as_bytes());
        assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), doc);

        let doc = format!("<R>{body}a</R>");
        let mut codec = XmlDocumentCodec::new().max_document_size(1024);
        let mut buf = BytesMut::from(doc.as_bytes());
        assert!(matches!(
            codec.decode(&mut buf),
            Err(FrameError::TooLarge { limit: 1024 })
        ));
    }

    #[test]
    fn doctype_is_refused() {
        let mut codec = XmlDocumentCodec::new();
        let mut buf = BytesMut::from(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY a \"aaaa\">]>\n<r>&a;</r>\n",
        );
        assert!(matches!(codec.decode(&mut buf), Err(FrameError::Doctype)));
        // Detected even when split inside the keyword.
        let mut codec = XmlDocumentCodec::new();
        let mut buf = BytesMut::from("<!DOC");
        assert!(codec.decode(&mut buf).unwrap().is_none());
        buf.extend_from_slice(b"TYPE r>");
        assert!(matches!(codec.decode(&mut buf), Err(FrameError::Doctype)));
    }

    #[test]
    fn garbage_is_malformed() {
        for input in [
            "hello<A/>",
            "<A/>junk",
            "<?xml version=\"1.0\"?>text<A/>",
            "</A>",
            "< A/>",
            "<!X>",
            "<![CDATA[x]]><A/>",
            "<A <B>",
        ] {
            let mut codec = XmlDocumentCodec::new();
            let mut buf = BytesMut::from(input);
            let mut result = codec.decode(&mut buf);
            if matches!(result, Ok(Some(_))) {
                result = codec.decode(&mut buf);
            }
            assert!(
                matches!(result, Err(FrameError::Malformed(_))),
                "{input}: {result:?}"
            );
        }
    }

    #[test]
    fn truncated_at_eof_is_an_error() {
        let mut codec = XmlDocumentCodec::new();
        let mut buf = BytesMut::from("<A><B></B>");
        assert!(codec.decode(&mut buf).unwrap().is_none());
        assert!(matches!(
            codec.decode_eof(&mut buf),
            Err(FrameError::Truncated)
        ));
        // Only whitespace left at EOF is a clean end.
        let mut codec = XmlDocumentCodec::new();
        let mut buf = BytesMut::from("<A/>\n  \r\n");
        assert!(codec.decode_eof(&mut buf).unwrap().is_some());
        assert!(codec.decode_eof(&mut buf).unwrap().is_none());
        // Half a BOM at EOF is truncated too.
        let mut codec = XmlDocumentCodec::new();
        let mut buf = BytesMut::from(&b"\xEF\xBB"[..]);
        assert!(matches!(
            codec.decode_eof(&mut buf),
            Err(FrameError::Truncated)
        ));
    }

    #[test]
    fn eof_marker_when_enabled() {
        let mut codec = XmlDocumentCodec::new().accept_eof_marker(true);
        let docs = decode_all(&mut codec, b"<A/><EOF><B>1</B><EOF>\r\n<C/>\n<EOF>");
        assert_eq!(docs, vec!["<A/>", "<B>1</B>", "<C/>"]);

        // Split inside the marker, byte at a time.
        let input = b"<A>x</A><EOF>\n<EOFish/><EOF>";
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        let mut codec = XmlDocumentCodec::new().accept_eof_marker(true);
        let docs = feed(&mut codec, &chunks).unwrap();
        // An element whose name starts with EOF is still an element.
        assert_eq!(docs, vec!["<A>x</A>", "<EOFish/>"]);
    }

    #[test]
    fn eof_marker_is_a_start_tag_when_disabled_or_not_after_a_document() {
        // Disabled: `<EOF>` is syntactically a start tag, so it opens a
        // document that never closes.
        let mut codec = XmlDocumentCodec::new();
        let mut buf = BytesMut::from("<A/><EOF>");
        assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), "<A/>");
        assert!(codec.decode(&mut buf).unwrap().is_none());
        assert!(codec.in_document());
        assert!(matches!(
            codec.decode_eof(&mut buf),
            Err(FrameError::Truncated)
        ));

        // Not after a document, `<EOF>` is an ordinary start tag.
        let mut codec = XmlDocumentCodec::new().accept_eof_marker(true);
        let mut buf = BytesMut::from("<EOF><A/>");
        assert!(codec.decode(&mut buf).unwrap().is_none());
        assert!(codec.in_document());
        buf.extend_from_slice(b"</EOF>");
        assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), "<EOF><A/></EOF>");
    }

    #[test]
    fn large_document_in_4k_chunks_is_scanned_linearly() {
        let mut doc = String::from("<?xml version=\"1.0\"?>\n<Root>\n");
        while doc.len() < 4 * 1024 * 1024 {
            doc.push_str("  <Event DateTime=\"2017-12-19T12:45:12\" Text=\"a > b\"><![CDATA[x]]><!-- c --></Event>\n");
        }
        doc.push_str("</Root>");
        let input = format!("{doc}\r\n");
        let mut codec = XmlDocumentCodec::new();
        let mut buf = BytesMut::new();
        let mut docs = Vec::new();
        for chunk in input.as_bytes().chunks(4096) {
            buf.extend_from_slice(chunk);
            while let Some(d) = codec.decode(&mut buf).unwrap() {
                docs.push(d);
            }
        }
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].len(), doc.len());
        // Every byte examined once: no re-scan from the start per read.
        assert_eq!(codec.bytes_scanned(), input.len() as u64);
    }

    #[test]
    fn encoder_appends_exactly_one_newline() {
        let mut codec = XmlDocumentCodec::new();
        let mut dst = BytesMut::new();
        codec.encode("<A/>", &mut dst).unwrap();
        codec.encode(&b"<B/>\r\n"[..], &mut dst).unwrap();
        codec
            .encode(String::from("<C>\n</C>\n\n"), &mut dst)
            .unwrap();
        codec.encode(Bytes::from_static(b"<D/>"), &mut dst).unwrap();
        assert_eq!(&dst[..], b"<A/>\n<B/>\n<C>\n</C>\n<D/>\n");
        assert!(matches!(
            codec.encode(" \n", &mut dst),
            Err(FrameError::Malformed(_))
        ));
        // What it writes, it reads back.
        let docs = decode_all(&mut XmlDocumentCodec::new(), &dst);
        assert_eq!(docs, vec!["<A/>", "<B/>", "<C>\n</C>", "<D/>"]);
    }

    /// Server-mode items as (kind, bytes), for comparison.
    fn items(
        codec: &mut XmlRequestCodec,
        chunks: &[&[u8]],
    ) -> Result<Vec<(String, Bytes)>, FrameError> {
        let show = |f: Frame| match f {
            Frame::Document(d) => ("doc".to_string(), d),
            Frame::Garbage { bytes, len, error } => {
                assert!(bytes.len() <= GARBAGE_KEPT && bytes.len() <= len);
                let kind = match error {
                    FrameError::Malformed(_) => "malformed",
                    FrameError::Doctype => "doctype",
                    FrameError::Truncated => "truncated",
                    _ => "other",
                };
                (kind.to_string(), bytes)
            }
        };
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            while let Some(f) = codec.decode(&mut buf)? {
                out.push(show(f));
            }
        }
        while let Some(f) = codec.decode_eof(&mut buf)? {
            out.push(show(f));
        }
        assert!(buf.is_empty(), "left over: {buf:?}");
        Ok(out)
    }

    fn server() -> XmlRequestCodec {
        XmlRequestCodec::new(XmlDocumentCodec::new().accept_eof_marker(true))
    }

    const MIXED: &str = "hello world\r\n<A/>\n<!DOCTYPE x [<!ENTITY a 'b'>]><A/>\n<A <B>\n\
                         </X>\n<B>1</B><EOF>\n<?xml version=\"1.0\"?>text\n<C>\n<D>\n</D></C>\n";

    fn mixed_expected() -> Vec<(String, Bytes)> {
        [
            ("malformed", "hello world"),
            ("doc", "<A/>"),
            ("doctype", "<!DOCTYPE x [<!ENTITY a 'b'>]><A/>"),
            ("malformed", "<A <B>"),
            ("malformed", "</X>"),
            ("doc", "<B>1</B>"),
            ("malformed", "<?xml version=\"1.0\"?>text"),
            ("doc", "<C>\n<D>\n</D></C>"),
        ]
        .into_iter()
        .map(|(k, b)| (k.to_string(), Bytes::from(b)))
        .collect()
    }

    #[test]
    fn server_mode_resynchronises_on_the_next_line_after_garbage() {
        assert_eq!(
            items(&mut server(), &[MIXED.as_bytes()]).unwrap(),
            mixed_expected()
        );
    }

    #[test]
    fn server_mode_at_every_split_point() {
        let bytes = MIXED.as_bytes();
        for split in 0..=bytes.len() {
            let got = items(&mut server(), &[&bytes[..split], &bytes[split..]]).unwrap();
            assert_eq!(got, mixed_expected(), "split at {split}");
        }
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(items(&mut server(), &chunks).unwrap(), mixed_expected());
    }

    #[test]
    fn server_mode_skips_only_the_line_of_a_fault_inside_a_document() {
        // The document's first line is taken with the faulty one; the next line is
        // read afresh (an end tag before any root: garbage too), then all is in step.
        let got = items(&mut server(), &[b"<A>\n<B <C>\n</A>\n<D/>\n"]).unwrap();
        let kinds: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, ["malformed", "malformed", "doc"]);
        assert_eq!(got[0].1, "<A>\n<B <C>");
        assert_eq!(got[1].1, "</A>");
        assert_eq!(got[2].1, "<D/>");
    }

    #[test]
    fn server_mode_at_the_end_of_the_stream() {
        let got = items(&mut server(), &[b"<A/>\n<A><B>"]).unwrap();
        assert_eq!(got[1], ("truncated".to_string(), Bytes::from("<A><B>")));
        let got = items(&mut server(), &[b"junk"]).unwrap();
        assert_eq!(got, vec![("malformed".to_string(), Bytes::from("junk"))]);
        // Whitespace only: nothing.
        assert!(items(&mut server(), &[b"<A/>\r\n \n"]).unwrap().len() == 1);
    }

    #[test]
    fn server_mode_limits_still_end_the_stream() {
        let small = || XmlRequestCodec::new(XmlDocumentCodec::new().max_document_size(16));
        // A garbage line longer than the limit, with no end in sight.
        let mut codec = small();
        let mut buf = BytesMut::from(&b"not xml"[..]);
        assert!(codec.decode(&mut buf).unwrap().is_none());
        assert!(codec.in_frame());
        buf.extend_from_slice(&[b'x'; 20]);
        assert!(matches!(
            codec.decode(&mut buf),
            Err(FrameError::TooLarge { limit: 16 })
        ));
        // An over-long document.
        let mut buf = BytesMut::from(&b"<A>0123456789abcdef</A>\n"[..]);
        assert!(matches!(
            small().decode(&mut buf),
            Err(FrameError::TooLarge { limit: 16 })
        ));
        // Too deep.
        let mut codec = XmlRequestCodec::new(XmlDocumentCodec::new().max_depth(2));
        let mut buf = BytesMut::from(&b"<a><b><c>"[..]);
        assert!(matches!(
            codec.decode(&mut buf),
            Err(FrameError::TooDeep { limit: 2 })
        ));
    }

    #[test]
    fn a_long_bad_line_keeps_only_its_start_at_every_split_point() {
        let mut line = b"not xml ".to_vec();
        line.resize(3000, b'x');
        let mut bytes = line.clone();
        bytes.extend_from_slice(b"\r\n<A/>\n");
        for split in 0..=bytes.len() {
            let mut codec = server();
            let mut buf = BytesMut::new();
            let mut got = Vec::new();
            for chunk in [&bytes[..split], &bytes[split..]] {
                buf.extend_from_slice(chunk);
                while let Some(f) = codec.decode(&mut buf).unwrap() {
                    got.push(f);
                }
            }
            assert_eq!(got.len(), 2, "split at {split}");
            let Frame::Garbage {
                bytes: kept, len, ..
            } = &got[0]
            else {
                panic!("garbage first")
            };
            assert_eq!(
                (&kept[..], *len),
                (&line[..GARBAGE_KEPT], 3000),
                "split at {split}"
            );
            assert!(matches!(&got[1], Frame::Document(d) if &d[..] == b"<A/>"));
        }
        // Byte by byte, the buffer never holds the line.
        let mut codec = server();
        let mut buf = BytesMut::new();
        for &b in &bytes[..3001] {
            buf.extend_from_slice(&[b]);
            assert!(codec.decode(&mut buf).unwrap().is_none());
            assert!(buf.len() <= 1, "{} bytes held", buf.len());
        }
        // Cut short by the end of the stream: the same start and length.
        let mut buf = BytesMut::from(&line[..]);
        let mut codec = server();
        assert!(codec.decode(&mut buf).unwrap().is_none());
        let Some(Frame::Garbage {
            bytes: kept, len, ..
        }) = codec.decode_eof(&mut buf).unwrap()
        else {
            panic!("garbage at the end")
        };
        assert_eq!((&kept[..], len), (&line[..GARBAGE_KEPT], 3000));
    }

    #[test]
    fn foreign_protocols_are_refused_before_anything_is_read_at_every_split_point() {
        let http: &[u8] =
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1:40700\r\n\r\n<ClientIntegrationRequest/>\n";
        let tls: &[u8] = &[
            0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
        ];
        for (bytes, protocol) in [(http, ForeignProtocol::Http), (tls, ForeignProtocol::Tls)] {
            for split in 0..=bytes.len() {
                let mut codec = server();
                let mut buf = BytesMut::new();
                let mut outcome = None;
                for chunk in [&bytes[..split], &bytes[split..]] {
                    buf.extend_from_slice(chunk);
                    match codec.decode(&mut buf) {
                        Ok(None) => {}
                        Ok(Some(f)) => panic!("split at {split}: an item {f:?}"),
                        Err(e) => {
                            outcome = Some(e);
                            break;
                        }
                    }
                }
                assert!(
                    matches!(outcome, Some(FrameError::Foreign(p)) if p == protocol),
                    "split at {split}: {outcome:?}"
                );
            }
        }
        // Every method, and HTTP/2's preface.
        for method in [
            "GET", "HEAD", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PRI",
        ] {
            let line = format!("{method} / HTTP/1.1\r\n");
            let mut buf = BytesMut::from(line.as_bytes());
            assert!(matches!(
                server().decode(&mut buf),
                Err(FrameError::Foreign(ForeignProtocol::Http))
            ));
        }
        // Only the stream's first bytes count: later, such a line is garbage.
        let got = items(&mut server(), &[b"<A/>\nGET / HTTP/1.1\r\n"]).unwrap();
        assert_eq!(
            got[1],
            ("malformed".to_string(), Bytes::from("GET / HTTP/1.1"))
        );
        // Not an opening: garbage as ever, and so is a stream ending in a prefix of one.
        assert_eq!(
            items(&mut server(), &[b"GETS\n"]).unwrap()[0].0,
            "malformed"
        );
        assert_eq!(
            items(&mut server(), &[b"POS"]).unwrap()[0].1,
            Bytes::from("POS")
        );
        assert_eq!(sniff_protocol(b" <A/>"), Sniffed::Interface);
        assert_eq!(sniff_protocol(b"\x16\x03\x07"), Sniffed::Interface);
        assert_eq!(sniff_protocol(b""), Sniffed::NeedMore);
    }

    #[test]
    fn server_mode_encodes_as_the_document_codec() {
        let mut dst = BytesMut::new();
        server().encode("<A/>\n", &mut dst).unwrap();
        assert_eq!(&dst[..], b"<A/>\n");
    }
}
