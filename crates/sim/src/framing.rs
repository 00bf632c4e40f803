//! Request framing (ERRATA E24): an incremental scanner that finds the end of an XML
//! document by following its markup, so a request is complete when its root element
//! closes, whatever follows (`\n`, `\r\n`, the text `<EOF>`, or nothing).
//!
//! Bytes before a document that cannot start one (text that is not `<`) are framed as
//! a line of garbage, so a peer that sends something that is not XML gets an error
//! response and the connection stays usable.

/// One framed unit of input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// The bytes of one document (prolog included, terminator excluded).
    Document(Vec<u8>),
    /// A line that cannot start a document.
    Garbage(Vec<u8>),
}

/// The deepest element nesting a request may have (the root is level 1), as the
/// core readers accept ([`systmone_core::xml::MAX_DEPTH`]).
pub const MAX_DEPTH: usize = systmone_core::xml::MAX_DEPTH;

/// The document being framed is refused before it is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    /// Larger than the limit.
    #[error("the request is too large: request larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// Elements nested deeper than [`MAX_DEPTH`].
    #[error("the request's elements are nested deeper than the limit of {limit} levels")]
    TooDeep { limit: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between documents: skipping whitespace, BOMs and terminators.
    Between,
    /// Inside a document, outside any markup.
    Content,
    /// Inside a tag; `closing` for `</...>`.
    Tag {
        closing: bool,
        quote: u8,
    },
    Comment,
    CData,
    Pi,
    Decl {
        brackets: u32,
        quote: u8,
    },
    Garbage,
}

/// Incremental framer. Feed bytes with [`Framer::push`], take frames with
/// [`Framer::next_frame`], and call [`Framer::finish`] when the peer half-closes.
#[derive(Debug)]
pub struct Framer {
    buf: Vec<u8>,
    pos: usize,
    start: usize,
    depth: usize,
    root_seen: bool,
    state: State,
    limit: usize,
}

const EOF_MARKER: &[u8] = b"<EOF>";
const BOM: &[u8] = b"\xEF\xBB\xBF";

impl Framer {
    /// A framer refusing documents larger than `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Framer {
            buf: Vec::new(),
            pos: 0,
            start: 0,
            depth: 0,
            root_seen: false,
            state: State::Between,
            limit,
        }
    }

    /// Adds received bytes.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Whether a document (or garbage line) has started and is not yet complete.
    pub fn in_frame(&self) -> bool {
        self.state != State::Between
    }

    fn take(&mut self, end: usize, garbage: bool) -> Frame {
        let bytes = self.buf[self.start..end].to_vec();
        self.buf.drain(..end);
        self.pos = 0;
        self.start = 0;
        self.depth = 0;
        self.root_seen = false;
        self.state = State::Between;
        if garbage {
            Frame::Garbage(bytes)
        } else {
            Frame::Document(bytes)
        }
    }

    /// The next complete frame, if the buffered bytes hold one.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FramingError> {
        loop {
            if self.state != State::Between && self.pos - self.start > self.limit {
                return Err(FramingError::TooLarge { limit: self.limit });
            }
            let rest = &self.buf[self.pos..];
            if rest.is_empty() {
                if self.state == State::Between {
                    self.buf.clear();
                    self.pos = 0;
                }
                return Ok(None);
            }
            match self.state {
                State::Between => {
                    let b = rest[0];
                    if b.is_ascii_whitespace() {
                        self.pos += 1;
                    } else if rest.starts_with(BOM) {
                        self.pos += BOM.len();
                    } else if BOM.starts_with(rest) {
                        return Ok(None);
                    } else if rest.starts_with(EOF_MARKER) {
                        self.pos += EOF_MARKER.len();
                    } else if EOF_MARKER.starts_with(rest) {
                        return Ok(None);
                    } else if b == b'<' {
                        self.start = self.pos;
                        self.state = State::Content;
                    } else {
                        self.start = self.pos;
                        self.state = State::Garbage;
                    }
                }
                State::Garbage => {
                    match rest.iter().position(|&c| c == b'\n') {
                        Some(i) => {
                            let mut end = self.pos + i;
                            if end > self.start && self.buf[end - 1] == b'\r' {
                                end -= 1;
                            }
                            let frame = self.take(end, true);
                            // Skip the newline itself.
                            if !self.buf.is_empty() {
                                self.buf.drain(..1);
                            }
                            return Ok(Some(frame));
                        }
                        None => {
                            self.pos = self.buf.len();
                        }
                    }
                }
                State::Content => match rest.iter().position(|&c| c == b'<') {
                    None => self.pos = self.buf.len(),
                    Some(i) => {
                        let at = self.pos + i;
                        let after = &self.buf[at..];
                        if after.len() < 2 {
                            self.pos = at;
                            return Ok(None);
                        }
                        match after[1] {
                            b'/' => {
                                self.state = State::Tag {
                                    closing: true,
                                    quote: 0,
                                };
                                self.pos = at + 2;
                            }
                            b'?' => {
                                self.state = State::Pi;
                                self.pos = at + 2;
                            }
                            b'!' => {
                                if after.len() < 4 {
                                    self.pos = at;
                                    return Ok(None);
                                }
                                if after.starts_with(b"<!--") {
                                    self.state = State::Comment;
                                    self.pos = at + 4;
                                } else if b"<![CDATA[".starts_with(&after[..after.len().min(9)]) {
                                    if after.len() < 9 {
                                        self.pos = at;
                                        return Ok(None);
                                    }
                                    self.state = State::CData;
                                    self.pos = at + 9;
                                } else {
                                    self.state = State::Decl {
                                        brackets: 0,
                                        quote: 0,
                                    };
                                    self.pos = at + 2;
                                }
                            }
                            _ => {
                                self.state = State::Tag {
                                    closing: false,
                                    quote: 0,
                                };
                                self.pos = at + 1;
                            }
                        }
                    }
                },
                State::Tag { closing, quote } => {
                    let mut q = quote;
                    let mut done = None;
                    for (i, &c) in rest.iter().enumerate() {
                        if q != 0 {
                            if c == q {
                                q = 0;
                            }
                        } else if c == b'"' || c == b'\'' {
                            q = c;
                        } else if c == b'>' {
                            done = Some(self.pos + i);
                            break;
                        }
                    }
                    match done {
                        None => {
                            self.state = State::Tag { closing, quote: q };
                            self.pos = self.buf.len();
                        }
                        Some(gt) => {
                            self.pos = gt + 1;
                            self.state = State::Content;
                            if closing {
                                self.depth = self.depth.saturating_sub(1);
                                if self.depth == 0 {
                                    return Ok(Some(self.take(gt + 1, false)));
                                }
                            } else if gt > 0 && self.buf[gt - 1] == b'/' {
                                if self.depth == 0 {
                                    return Ok(Some(self.take(gt + 1, false)));
                                }
                            } else {
                                self.depth += 1;
                                self.root_seen = true;
                                if self.depth > MAX_DEPTH {
                                    return Err(FramingError::TooDeep { limit: MAX_DEPTH });
                                }
                            }
                        }
                    }
                }
                State::Comment | State::CData | State::Pi => {
                    let (marker, back): (&[u8], usize) = match self.state {
                        State::Comment => (b"-->", 2),
                        State::CData => (b"]]>", 2),
                        _ => (b"?>", 1),
                    };
                    let mut found = None;
                    for (i, &c) in rest.iter().enumerate() {
                        let abs = self.pos + i;
                        if c == b'>' && abs >= back && self.buf[abs - back..=abs] == *marker {
                            found = Some(abs);
                            break;
                        }
                    }
                    match found {
                        None => self.pos = self.buf.len(),
                        Some(gt) => {
                            self.pos = gt + 1;
                            self.state = State::Content;
                        }
                    }
                }
                State::Decl { brackets, quote } => {
                    let (mut br, mut q) = (brackets, quote);
                    let mut done = None;
                    for (i, &c) in rest.iter().enumerate() {
                        if q != 0 {
                            if c == q {
                                q = 0;
                            }
                        } else if c == b'"' || c == b'\'' {
                            q = c;
                        } else if c == b'[' {
                            br += 1;
                        } else if c == b']' {
                            br = br.saturating_sub(1);
                        } else if c == b'>' && br == 0 {
                            done = Some(self.pos + i);
                            break;
                        }
                    }
                    match done {
                        None => {
                            self.state = State::Decl {
                                brackets: br,
                                quote: q,
                            };
                            self.pos = self.buf.len();
                        }
                        Some(gt) => {
                            self.pos = gt + 1;
                            self.state = State::Content;
                        }
                    }
                }
            }
        }
    }

    /// The peer half-closed: whatever was started is the last frame.
    pub fn finish(&mut self) -> Option<Frame> {
        match self.state {
            State::Between => None,
            State::Garbage => {
                let end = self.buf.len();
                Some(self.take(end, true))
            }
            _ => {
                let end = self.buf.len();
                let frame = self.take(end, false);
                match &frame {
                    Frame::Document(b) if b.iter().all(|c| c.is_ascii_whitespace()) => None,
                    _ => Some(frame),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[&[u8]]) -> Vec<Frame> {
        let mut f = Framer::new(1 << 20);
        let mut out = Vec::new();
        for chunk in input {
            f.push(chunk);
            while let Some(frame) = f.next_frame().unwrap() {
                out.push(frame);
            }
        }
        out.extend(f.finish());
        out
    }

    fn doc(s: &str) -> Frame {
        Frame::Document(s.as_bytes().to_vec())
    }

    #[test]
    fn terminators() {
        let got =
            frames(&[b"<a><b x='>'/></a>\n<a/>\r\n<a></a><EOF><?xml version='1.0'?>\n<a>t</a>"]);
        assert_eq!(
            got,
            vec![
                doc("<a><b x='>'/></a>"),
                doc("<a/>"),
                doc("<a></a>"),
                doc("<?xml version='1.0'?>\n<a>t</a>")
            ]
        );
    }

    #[test]
    fn byte_by_byte() {
        let text = "\u{feff}<!-- c > --><a><![CDATA[</a>]]><!-- </a> --></a><EOF>";
        let chunks: Vec<&[u8]> = text.as_bytes().chunks(1).collect();
        let got = frames(&chunks);
        assert_eq!(
            got,
            vec![doc("<!-- c > --><a><![CDATA[</a>]]><!-- </a> --></a>")]
        );
    }

    #[test]
    fn garbage_line() {
        let got = frames(&[b"hello world\r\n<a/>\n"]);
        assert_eq!(
            got,
            vec![Frame::Garbage(b"hello world".to_vec()), doc("<a/>")]
        );
    }

    #[test]
    fn unfinished_on_close() {
        let got = frames(&[b"<a><b>"]);
        assert_eq!(got, vec![doc("<a><b>")]);
    }

    #[test]
    fn too_large() {
        let mut f = Framer::new(10);
        f.push(b"<a>0123456789012345");
        assert!(f.next_frame().is_err());
    }

    #[test]
    fn too_deep() {
        let mut f = Framer::new(1 << 20);
        f.push(format!("{}{}\n", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH)).as_bytes());
        assert!(matches!(f.next_frame(), Ok(Some(Frame::Document(_)))));
        f.push("<a>".repeat(100_000).as_bytes());
        assert_eq!(
            f.next_frame(),
            Err(FramingError::TooDeep { limit: MAX_DEPTH })
        );
    }
}
