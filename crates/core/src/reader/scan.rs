//! The tokenizer beneath [`XmlReader`](super::XmlReader): the document's text cut into
//! markup and text, borrowed from it, with the few checks that decide where a construct
//! ends (closing delimiters, end tags matching start tags, references closed). Every
//! other check is the reader's. Where a construct ends, and which error a malformed one
//! gives, follow quick-xml 0.38 construct by construct (a construct never closed is
//! `Truncated` before its content is looked at), so a document the benchmarks' raw
//! quick-xml scan reads is cut into the same pieces.

/// A piece of the document.
pub(super) enum Token<'a> {
    /// A start tag at this offset (its `<`), not yet read.
    Open(usize),
    /// A start tag: its name as written and what follows the name (the attributes,
    /// untrimmed). An empty-element tag gives a start token then an end token.
    Start { name: &'a str, attributes: &'a str },
    /// An end tag, its name matching the start tag's.
    End,
    /// Character data up to markup or a reference: never empty.
    Text(&'a str),
    /// A reference `&name;`: the name.
    Reference(&'a str),
    /// A CDATA section's content.
    CData(&'a str),
    /// A comment's content.
    Comment(&'a str),
    /// A processing instruction's content (target and data).
    Pi(&'a str),
    /// The XML declaration's content, `xml` included.
    Declaration(&'a str),
    /// A document type declaration with a name.
    Doctype,
    /// The end of the text.
    Eof,
}

/// Why a token could not be read.
pub(super) enum ScanError {
    /// A construct the text ends inside.
    Truncated,
    /// Malformed markup, at byte offset `.0`.
    NotXml(usize, String),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Text or a reference next (or markup, at a `<`).
    Text,
    /// The end of an empty-element tag next.
    Empty,
}

pub(super) struct Scanner<'a> {
    source: &'a str,
    /// Where the next token starts.
    position: usize,
    state: State,
    /// The names of the open elements, innermost last.
    open: Vec<&'a str>,
}

impl<'a> Scanner<'a> {
    pub(super) fn new(source: &'a str) -> Self {
        Scanner {
            source,
            position: 0,
            state: State::Text,
            open: Vec::new(),
        }
    }

    /// Where the next token starts (at its `<` for markup).
    #[inline(always)]
    pub(super) fn position(&self) -> usize {
        self.position
    }

    #[inline(always)]
    pub(super) fn next(&mut self) -> Result<Token<'a>, ScanError> {
        if self.state == State::Empty {
            self.state = State::Text;
            self.open.pop();
            return Ok(Token::End);
        }
        let bytes = self.source.as_bytes();
        let at = self.position;
        match find_markup(&bytes[at..]) {
            Some(0) if bytes[at] == b'<' => self.markup(at),
            Some(0) => self.reference(at),
            Some(length) => {
                self.position = at + length;
                Ok(Token::Text(&self.source[at..at + length]))
            }
            None if at == bytes.len() => Ok(Token::Eof),
            None => {
                self.position = bytes.len();
                Ok(Token::Text(&self.source[at..]))
            }
        }
    }

    /// A reference at `at` (its `&`): it ends at the first `;`, and another `&` or a
    /// `<` before it (or none) leaves it unclosed.
    #[inline(always)]
    fn reference(&mut self, at: usize) -> Result<Token<'a>, ScanError> {
        let bytes = self.source.as_bytes();
        match memchr::memchr3(b';', b'&', b'<', &bytes[at + 1..]) {
            Some(length) if bytes[at + 1 + length] == b';' => {
                self.position = at + length + 2;
                Ok(Token::Reference(&self.source[at + 1..at + 1 + length]))
            }
            _ => Err(ScanError::NotXml(
                at,
                "ill-formed document: entity or character reference not closed: `;` not found before end of input"
                    .into(),
            )),
        }
    }

    /// Markup at `at` (its `<`).
    #[inline(always)]
    fn markup(&mut self, at: usize) -> Result<Token<'a>, ScanError> {
        let bytes = self.source.as_bytes();
        let after = at + 1;
        match bytes.get(after) {
            None => Err(ScanError::Truncated),
            Some(b'!') => self.bang(at),
            Some(b'/') => {
                // Most end tags: the open element's name and `>`, with nothing to skip
                // (a start tag's name holds no quote or `>`).
                if let Some(&expected) = self.open.last() {
                    let end = after + 1 + expected.len();
                    if bytes.get(end) == Some(&b'>')
                        && &bytes[after + 1..end] == expected.as_bytes()
                    {
                        self.open.pop();
                        self.position = end + 1;
                        return Ok(Token::End);
                    }
                }
                let close = tag_end(&bytes[after..]).ok_or(ScanError::Truncated)? + after;
                self.position = close + 1;
                let content = &self.source[after + 1..close];
                // Whitespace may follow the name.
                let name = match content.bytes().rposition(|b| !is_space(b)) {
                    Some(last) => &content[..last + 1],
                    None => content,
                };
                match self.open.pop() {
                    Some(expected) if expected == name => Ok(Token::End),
                    Some(expected) => Err(ScanError::NotXml(
                        at,
                        format!(
                            "ill-formed document: expected `</{expected}>`, but `</{name}>` was found"
                        ),
                    )),
                    None => Err(ScanError::NotXml(
                        at,
                        format!(
                            "ill-formed document: close tag `</{name}>` does not match any open tag"
                        ),
                    )),
                }
            }
            Some(b'?') => {
                // The first `?>` after the `<?` (a `>` right after it does not count).
                let close = memchr::memchr_iter(b'>', &bytes[after + 1..])
                    .map(|i| after + 1 + i)
                    .find(|&i| bytes[i - 1] == b'?')
                    .ok_or(ScanError::Truncated)?;
                self.position = close + 1;
                // `<?>`: the `?` read as the closing one.
                if close == after + 1 {
                    return Err(ScanError::Truncated);
                }
                let content = &self.source[after + 1..close - 1];
                let declaration = content.starts_with("xml")
                    && content.as_bytes().get(3).is_none_or(|&b| is_space(b));
                Ok(if declaration {
                    Token::Declaration(content)
                } else {
                    Token::Pi(content)
                })
            }
            // Read by the reader: in one pass with its attributes when it can
            // (`finish_start`), else by `start_tag`.
            Some(_) => Ok(Token::Open(at)),
        }
    }

    /// The start tag at `at` (its `<`, as [`Token::Open`] gave it), read whole: where
    /// it ends, its name and the text of its attributes.
    pub(super) fn start_tag(&mut self, at: usize) -> Result<Token<'a>, ScanError> {
        let after = at + 1;
        let close = tag_end(&self.source.as_bytes()[after..]).ok_or(ScanError::Truncated)? + after;
        self.position = close + 1;
        let mut content = &self.source[after..close];
        if let Some(empty) = content.strip_suffix('/') {
            content = empty;
            self.state = State::Empty;
        }
        let name_length = content.bytes().position(is_space).unwrap_or(content.len());
        let (name, attributes) = content.split_at(name_length);
        self.open.push(name);
        Ok(Token::Start { name, attributes })
    }

    /// A start tag read by the reader, named `name`, its `>` at `close` (after a `/`
    /// for an empty-element tag): what [`start_tag`](Self::start_tag) would have found.
    #[inline(always)]
    pub(super) fn finish_start(&mut self, name: &'a str, close: usize, empty: bool) {
        self.position = close + 1;
        if empty {
            self.state = State::Empty;
        }
        self.open.push(name);
    }

    /// Markup starting `<!` at `at`: a comment, a CDATA section or a document type
    /// declaration, told apart by the byte after the `!`, then checked for its whole
    /// opening once its end is found.
    #[cold]
    fn bang(&mut self, at: usize) -> Result<Token<'a>, ScanError> {
        let bytes = self.source.as_bytes();
        // From the `!`.
        let chunk = &bytes[at + 1..];
        let text = &self.source[at + 1..];
        match chunk.get(1) {
            Some(b'-') => {
                // The first `-->` whose `>` is at least five bytes after the `!`.
                let close = memchr::memchr_iter(b'>', chunk)
                    .find(|&i| i > 4 && chunk[..i].ends_with(b"--"))
                    .ok_or(ScanError::Truncated)?;
                self.position = at + 1 + close + 1;
                let inner = &chunk[..close];
                if !inner.starts_with(b"!--") {
                    return Err(ScanError::Truncated);
                }
                // `--` anywhere after the opening, the closing one's first dash included.
                if let Some(dash) = inner[3..inner.len() - 1]
                    .windows(2)
                    .position(|pair| pair == b"--")
                {
                    return Err(ScanError::NotXml(
                        at + 4 + dash,
                        "ill-formed document: forbidden string `--` was found in a comment".into(),
                    ));
                }
                Ok(Token::Comment(&text[3..close - 2]))
            }
            Some(b'[') => {
                let close = memchr::memchr_iter(b'>', chunk)
                    .find(|&i| chunk[..i].ends_with(b"]]"))
                    .ok_or(ScanError::Truncated)?;
                self.position = at + 1 + close + 1;
                if !chunk[..close].starts_with(b"![CDATA[") {
                    return Err(ScanError::Truncated);
                }
                Ok(Token::CData(&text[8..close - 2]))
            }
            Some(b'D' | b'd') => {
                // The first `>` with the `<` and `>` before it balanced.
                let mut balance = 0i64;
                let close = memchr::memchr2_iter(b'<', b'>', chunk)
                    .find(|&i| {
                        if chunk[i] == b'<' {
                            balance += 1;
                            false
                        } else if balance == 0 {
                            true
                        } else {
                            balance -= 1;
                            false
                        }
                    })
                    .ok_or(ScanError::Truncated)?;
                self.position = at + 1 + close + 1;
                let inner = &chunk[..close];
                if inner.len() < 8 || !inner[..8].eq_ignore_ascii_case(b"!DOCTYPE") {
                    return Err(ScanError::Truncated);
                }
                if inner[8..].iter().all(|&b| is_space(b)) {
                    // At the `>`, where the name was expected.
                    return Err(ScanError::NotXml(
                        at + 1 + close,
                        "ill-formed document: `<!DOCTYPE>` declaration does not contain a name of a document type".into(),
                    ));
                }
                Ok(Token::Doctype)
            }
            _ => Err(ScanError::NotXml(
                at,
                "syntax error: unknown or missed symbol in markup".into(),
            )),
        }
    }
}

/// The first `<` or `&` of `bytes`: the first bytes looked at one by one, as most
/// text between tags (indentation, a short value) is shorter than a vector search's
/// setup.
#[inline(always)]
fn find_markup(bytes: &[u8]) -> Option<usize> {
    const SHORT: usize = 16;
    let head = &bytes[..bytes.len().min(SHORT)];
    match head.iter().position(|&b| b == b'<' || b == b'&') {
        Some(i) => Some(i),
        None if bytes.len() <= SHORT => None,
        None => memchr::memchr2(b'<', b'&', &bytes[SHORT..]).map(|i| i + SHORT),
    }
}

/// The `>` that ends a tag (`bytes` from the byte after its `<`): the first outside
/// quoted attribute values.
#[inline(always)]
fn tag_end(bytes: &[u8]) -> Option<usize> {
    let mut quote = None;
    for i in memchr::memchr3_iter(b'>', b'\'', b'"', bytes) {
        let b = bytes[i];
        match quote {
            None if b == b'>' => return Some(i),
            None => quote = Some(b),
            Some(q) if q == b => quote = None,
            Some(_) => {}
        }
    }
    None
}

/// XML's whitespace (the `S` production), a byte of it.
#[inline(always)]
pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}
