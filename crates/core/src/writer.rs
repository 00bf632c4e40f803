//! The writer under every writer: [`XmlWriter`], re-exported from [`crate::xml`].

use crate::xml::WriteError;

/// What writing returns.
pub type WriteResult<T = ()> = Result<T, WriteError>;

/// What was last written inside an element (or before the root), which decides where
/// indentation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wrote {
    Nothing,
    Markup,
    Text,
}

/// Builds a document's text from start tags (with attributes), text and end tags: the
/// writer under every generated writer.
///
/// ```
/// use systmone_core::xml::XmlWriter;
///
/// let mut writer = XmlWriter::new(false);
/// writer.start_element("a");
/// writer.attribute("x", "1 & \"2\"\t");
/// writer.characters("t<u>\r");
/// writer.start_element("b");
/// writer.end_element().unwrap();
/// writer.end_element().unwrap();
/// assert_eq!(writer.finish().unwrap(), "<a x=\"1 &amp; &quot;2&quot;&#x9;\">t&lt;u&gt;&#xD;<b></b></a>");
/// ```
///
/// It writes what xml-rs's writer wrote (the writer the bindings used before) with
/// their configuration, byte for byte: no declaration; compact, empty elements as
/// `<X></X>` (as the document's examples write them); or indented by two spaces, empty
/// elements as `<X/>`, text kept on its element's line. And what xml-rs's writer left
/// literal although every reader normalises it away is written as a character
/// reference: a carriage return anywhere (`&#xD;`, read back as a line feed otherwise)
/// and a tab in an attribute value (`&#x9;`, read back as a space), as line feeds in
/// attribute values are (`&#xA;`). `tests/tests/reader_agrees_with_xml_rs.rs` and the
/// `xml_reader` fuzz target hold it to xml-rs's output.
///
/// Writing into a string cannot fail; an end tag with no element open, or a document
/// finished with elements open, is an error.
#[derive(Debug)]
pub struct XmlWriter {
    out: String,
    indent: bool,
    /// Whether an element with nothing in it is written `<X/>` (else `<X></X>`).
    self_closing: bool,
    /// What was last written in each open element, the document level first.
    wrote: Vec<Wrote>,
    /// The names of the open elements, one after the other in `names`, each starting
    /// at its offset in `starts`.
    names: String,
    starts: Vec<usize>,
    /// A start tag is written up to its attributes: its `>` (or `/>`) is still to come.
    open_tag: bool,
}

impl XmlWriter {
    /// A writer of a document, compact or `indent`ed for people.
    pub fn new(indent: bool) -> Self {
        XmlWriter {
            out: String::new(),
            indent,
            self_closing: indent,
            wrote: vec![Wrote::Nothing],
            names: String::new(),
            starts: Vec::new(),
            open_tag: false,
        }
    }

    /// A writer of a document expected to be about `capacity` bytes long: its text is
    /// allocated once at that size rather than grown from nothing.
    pub fn with_capacity(indent: bool, capacity: usize) -> Self {
        XmlWriter {
            out: String::with_capacity(capacity),
            ..XmlWriter::new(indent)
        }
    }

    /// A writer of the XML kept for an element the bindings do not know (`RawXml`):
    /// compact, empty elements as `<X/>`.
    pub(crate) fn capture() -> Self {
        XmlWriter {
            self_closing: true,
            ..XmlWriter::new(false)
        }
    }

    /// Writes the start tag of element `name`; its attributes follow
    /// ([`attribute`](Self::attribute)).
    pub fn start_element(&mut self, name: &str) {
        self.close_tag();
        let level = self.starts.len();
        if self.indent && !self.wrote(Wrote::Text) && (level > 0 || self.wrote(Wrote::Markup)) {
            self.newline(level);
            if level > 0 {
                self.set(Wrote::Markup);
            }
        }
        self.wrote.push(Wrote::Nothing);
        self.out.push('<');
        self.out.push_str(name);
        self.set(Wrote::Markup);
        self.starts.push(self.names.len());
        self.names.push_str(name);
        self.open_tag = true;
    }

    /// Writes an attribute of the start tag just written (ignored anywhere else).
    pub fn attribute(&mut self, name: &str, value: &str) {
        if !self.open_tag {
            return;
        }
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape(&mut self.out, value, &ATTRIBUTE_ESCAPES);
        self.out.push('"');
    }

    /// Writes text (an empty one still ends the start tag: `<X></X>`).
    pub fn characters(&mut self, text: &str) {
        self.close_tag();
        escape(&mut self.out, text, &TEXT_ESCAPES);
        self.set(Wrote::Text);
    }

    /// Writes the end tag of the innermost open element.
    pub fn end_element(&mut self) -> WriteResult {
        let Some(start) = self.starts.pop() else {
            return Err(WriteError("an end tag with no element open".into()));
        };
        if self.open_tag && self.self_closing {
            self.open_tag = false;
            self.out.push_str("/>");
        } else {
            self.close_tag();
            let level = self.starts.len() + 1;
            if self.indent && self.wrote(Wrote::Markup) {
                self.newline(level - 1);
            }
            self.out.push_str("</");
            self.out.push_str(&self.names[start..]);
            self.out.push('>');
        }
        self.names.truncate(start);
        self.wrote.pop();
        self.set(Wrote::Markup);
        Ok(())
    }

    /// The document written.
    pub fn finish(self) -> WriteResult<String> {
        if !self.starts.is_empty() {
            return Err(WriteError(format!(
                "{} elements left open",
                self.starts.len()
            )));
        }
        Ok(self.out)
    }

    fn close_tag(&mut self) {
        if self.open_tag {
            self.open_tag = false;
            self.out.push('>');
        }
    }

    fn wrote(&self, what: Wrote) -> bool {
        self.wrote.last() == Some(&what)
    }

    fn set(&mut self, what: Wrote) {
        if let Some(last) = self.wrote.last_mut() {
            *last = what;
        }
    }

    fn newline(&mut self, level: usize) {
        self.out.push('\n');
        for _ in 0..level {
            self.out.push_str("  ");
        }
    }
}

/// What each byte is written as (`None`: itself).
type Escapes = [Option<&'static str>; 256];

const fn escapes(pairs: &[(u8, &'static str)]) -> Escapes {
    let mut table = [None; 256];
    let mut i = 0;
    while i < pairs.len() {
        table[pairs[i].0 as usize] = Some(pairs[i].1);
        i += 1;
    }
    table
}

/// Text: markup characters, and a carriage return (else read back as a line feed).
const TEXT_ESCAPES: Escapes = escapes(&[
    (b'<', "&lt;"),
    (b'>', "&gt;"),
    (b'&', "&amp;"),
    (b'\r', "&#xD;"),
]);

/// Attribute values: markup characters, quotes, and the whitespace attribute value
/// normalisation would turn into spaces.
const ATTRIBUTE_ESCAPES: Escapes = escapes(&[
    (b'<', "&lt;"),
    (b'>', "&gt;"),
    (b'"', "&quot;"),
    (b'\'', "&apos;"),
    (b'&', "&amp;"),
    (b'\n', "&#xA;"),
    (b'\r', "&#xD;"),
    (b'\t', "&#x9;"),
]);

/// Appends `text` to `out` with the bytes `escapes` names replaced, copying the runs
/// between them whole. (Every byte escaped is ASCII, so the runs are whole characters.)
fn escape(out: &mut String, text: &str, escapes: &Escapes) {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = find_escaped(&bytes[from..], escapes) {
        let at = from + found;
        out.push_str(&text[from..at]);
        out.push_str(escapes[bytes[at] as usize].unwrap_or_default());
        from = at + 1;
    }
    out.push_str(&text[from..]);
}

/// The first byte of `bytes` that `escapes` replaces. Sixteen bytes at a time, each
/// compared at once with every byte either table escapes (a fold of `|`, which the
/// compiler vectorises): only a block holding one is looked at byte by byte.
fn find_escaped(bytes: &[u8], escapes: &Escapes) -> Option<usize> {
    let mut blocks = bytes.chunks_exact(16);
    let mut start = 0;
    for block in &mut blocks {
        let block: &[u8; 16] = block.try_into().expect("sixteen bytes");
        let suspect = block.iter().fold(false, |suspect, &b| {
            suspect
                | (b == b'<')
                | (b == b'>')
                | (b == b'&')
                | (b == b'"')
                | (b == b'\'')
                | (b < 0x0E)
        });
        if suspect && let Some(found) = block.iter().position(|&b| escapes[b as usize].is_some()) {
            return Some(start + found);
        }
        start += 16;
    }
    blocks
        .remainder()
        .iter()
        .position(|&b| escapes[b as usize].is_some())
        .map(|found| start + found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sixteen bytes at a time finds what a byte at a time finds, wherever it is.
    #[test]
    fn the_block_scan_finds_every_byte_escaped() {
        for escapes in [&TEXT_ESCAPES, &ATTRIBUTE_ESCAPES] {
            for length in 0..40 {
                for at in 0..length {
                    for b in 0..128u8 {
                        let mut bytes = vec![b'a'; length];
                        bytes[at] = b;
                        let expected = bytes.iter().position(|&b| escapes[b as usize].is_some());
                        assert_eq!(find_escaped(&bytes, escapes), expected, "{b:#x} at {at}");
                    }
                }
            }
        }
    }

    #[test]
    fn indented_as_xml_rs_indents() {
        let mut writer = XmlWriter::new(true);
        writer.start_element("a");
        writer.start_element("b");
        writer.characters("x");
        writer.end_element().unwrap();
        writer.start_element("c");
        writer.end_element().unwrap();
        writer.start_element("d");
        writer.characters("");
        writer.end_element().unwrap();
        writer.end_element().unwrap();
        assert_eq!(
            writer.finish().unwrap(),
            "<a>\n  <b>x</b>\n  <c/>\n  <d></d>\n</a>"
        );
        let mut writer = XmlWriter::new(false);
        assert!(writer.end_element().is_err());
        writer.start_element("a");
        assert!(writer.finish().is_err());
    }
}
