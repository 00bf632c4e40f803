//! Quoting what a peer sent, safely: [`excerpt`] is the one function through which
//! any part of received bytes is shown (error responses, logs, the simulator's
//! journal and console, the proxy's warnings, the client's errors), and
//! [`redact_keys`] hides the API key in a whole document that is kept.
//!
//! ```
//! use systmone_core::mask::excerpt;
//!
//! let line = b"APIKey=f31e26725b5491f2 nhs 9434765919 SMITH, John";
//! assert_eq!(
//!     excerpt(line, &[]),
//!     "[name]=[redacted] nhs ########## [name], [name]"
//! );
//! // A key it is told about is hidden wherever it appears.
//! assert_eq!(excerpt(b"key: 0f3e33ae95b74520", &["0f3e33ae95b74520"]), "key: [redacted]");
//! ```
//!
//! What an excerpt keeps is the shape of the bytes, which is what a reader needs to
//! see what went wrong (XML or not, which element, what separators): markup names,
//! punctuation, short numbers and lower-case words in text outside elements. What it
//! hides, everywhere in the excerpt:
//!
//! * the API key: every occurrence of a key the caller names (the accepted keys, the
//!   key of the request being answered), case-insensitively; the value after any
//!   `APIKey` text (`<APIKey>k</APIKey>`, `APIKey=k`, `"apikey": "k"`); and any run of
//!   16 or more hex digits, which is what keys (and Device IDs) look like;
//! * numbers that could identify a patient: a run of 6 or more digits (an NHS number,
//!   a date of birth, a telephone number, also written in groups such as
//!   `943 476 5919`) has each digit replaced by `#`;
//! * names: a capitalised word outside markup is `[name]`; inside an XML document's
//!   content and in attribute values every word is `[text]`, since there all text is
//!   data;
//! * length: at most [`EXCERPT_CHARS`] characters come out, `…` marking a cut; control
//!   characters, `"` and `\` are escaped, so the excerpt fits on one line and in quotes.

use std::fmt::Write as _;

/// The longest excerpt, in characters (before the `…` that marks a cut).
pub const EXCERPT_CHARS: usize = 64;

/// How much of the received bytes is looked at: far more than is shown, so that
/// whatever is shown was seen in its context (a key or a number is never cut in two
/// by the window and shown in part).
const WINDOW_BYTES: usize = 1024;

/// A run of this many hex digits or more is taken for a key (SystmOne's keys and
/// Device IDs have 16; a GUID's longest group has 12).
const HEX_RUN: usize = 16;

/// A run of this many digits or more (possibly in groups) could identify a patient.
const DIGIT_RUN: usize = 6;

const REDACTED: &str = "[redacted]";

/// A short, masked excerpt of the start of `received`, for an error message or a log
/// line (see the module documentation for what is hidden). `keys`: API keys to hide
/// wherever they appear (empty ones are ignored).
pub fn excerpt(received: &[u8], keys: &[&str]) -> String {
    let keys: Vec<&str> = keys
        .iter()
        .map(|k| k.trim())
        .filter(|k| k.len() >= 4)
        .collect();
    let longest_key = keys.iter().map(|k| k.len()).max().unwrap_or(0);
    let window_len = received.len().min(WINDOW_BYTES + longest_key);
    let cut = window_len < received.len();
    let mut text: String = String::from_utf8_lossy(&received[..window_len]).into_owned();
    if cut {
        trim_partial_token(&mut text, &keys);
    }
    let chars: Vec<char> = text.chars().collect();
    let hidden = key_spans(&chars, &keys);
    let mut out = Masker::default();
    let mut i = 0;
    let mut spans = hidden.iter().peekable();
    while i < chars.len() && !out.full {
        match spans.peek() {
            Some(&&(start, end)) if start == i => {
                out.placeholder(REDACTED);
                i = end;
                spans.next();
            }
            next => {
                let limit = next.map_or(chars.len(), |(start, _)| *start);
                i = out.token(&chars, i, limit);
            }
        }
    }
    let mut shown = out.text;
    if cut || i < chars.len() {
        shown.push('…');
    }
    shown
}

/// `text` with the API key hidden and everything else byte for byte: the text of
/// every `APIKey` element (an unclosed one hides everything after it), and every
/// occurrence of one of `keys` (case-insensitively), replaced by `[redacted]`. For
/// whole documents that are kept (the simulator's journal, recordings, audit logs);
/// anything quoted from received bytes goes through [`excerpt`] instead.
///
/// ```
/// use systmone_core::mask::redact_keys;
///
/// let xml = "<Request><APIKey>f31e26725b5491f2</APIKey><Note>f31e26725b5491f2</Note></Request>";
/// assert_eq!(
///     redact_keys(xml, &["F31E26725B5491F2"]),
///     "<Request><APIKey>[redacted]</APIKey><Note>[redacted]</Note></Request>"
/// );
/// ```
pub fn redact_keys(text: &str, keys: &[&str]) -> String {
    let out = crate::envelope::redact_api_key(text);
    let keys: Vec<&[u8]> = keys
        .iter()
        .map(|k| k.trim().as_bytes())
        .filter(|k| k.len() >= 4)
        .collect();
    if keys.is_empty() {
        return out;
    }
    // One pass for all keys, so a large document is copied once more at most. Only
    // where a key's first byte is (in either case) can a key start: the scan jumps
    // from one such byte to the next.
    let mut firsts: Vec<u8> = keys
        .iter()
        .flat_map(|k| [k[0].to_ascii_lowercase(), k[0].to_ascii_uppercase()])
        .collect();
    firsts.sort_unstable();
    firsts.dedup();
    let next_start = |from: usize| {
        let rest = &out.as_bytes()[from..];
        let found = match firsts[..] {
            [a] => memchr::memchr(a, rest),
            [a, b] => memchr::memchr2(a, b, rest),
            [a, b, c] => memchr::memchr3(a, b, c, rest),
            _ => rest.iter().position(|c| firsts.contains(c)),
        };
        found.map(|i| from + i)
    };
    let bytes = out.as_bytes();
    let mut redacted: Option<String> = None;
    let mut from = 0;
    let mut i = 0;
    while let Some(at) = next_start(i) {
        i = at;
        // Its first two bytes before the whole key: most candidates are a letter of
        // a tag's name that starts a key too.
        let found = keys.iter().find(|key| {
            bytes.len() - i >= key.len()
                && bytes[i].eq_ignore_ascii_case(&key[0])
                && bytes[i + 1].eq_ignore_ascii_case(&key[1])
                && bytes[i..i + key.len()].eq_ignore_ascii_case(key)
                && out.is_char_boundary(i)
                && out.is_char_boundary(i + key.len())
        });
        match found {
            Some(key) => {
                let r = redacted.get_or_insert_with(|| String::with_capacity(out.len()));
                r.push_str(&out[from..i]);
                r.push_str(REDACTED);
                i += key.len();
                from = i;
            }
            None => i += 1,
        }
    }
    match redacted {
        None => out,
        Some(mut r) => {
            r.push_str(&out[from..]);
            r
        }
    }
}

/// The window ended inside the received bytes: whatever token runs into its end is
/// only part of something (a number, a key, a word), so it is dropped, and so is the
/// start of a key the caller named.
fn trim_partial_token(text: &mut String, keys: &[&str]) {
    while text.chars().last().is_some_and(char::is_alphanumeric) {
        text.pop();
    }
    for key in keys {
        for n in (1..key.len()).rev() {
            let Some(prefix) = key.get(..n) else { continue };
            let bytes = text.as_bytes();
            if bytes.len() >= n && bytes[bytes.len() - n..].eq_ignore_ascii_case(prefix.as_bytes())
            {
                text.truncate(text.len() - n);
                break;
            }
        }
    }
}

/// The character spans (start, end) to show as `[redacted]`, sorted and disjoint.
fn key_spans(chars: &[char], keys: &[&str]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    // Keys named by the caller.
    for key in keys {
        let key: Vec<char> = key.chars().collect();
        let mut i = 0;
        while i + key.len() <= chars.len() {
            if chars[i..i + key.len()]
                .iter()
                .zip(&key)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
            {
                spans.push((i, i + key.len()));
                i += key.len();
            } else {
                i += 1;
            }
        }
    }
    // The value after any `APIKey` text.
    const NAME: [char; 6] = ['a', 'p', 'i', 'k', 'e', 'y'];
    let mut i = 0;
    while i + NAME.len() <= chars.len() {
        if !chars[i..i + NAME.len()]
            .iter()
            .zip(NAME)
            .all(|(a, b)| a.to_ascii_lowercase() == b)
        {
            i += 1;
            continue;
        }
        let mut start = i + NAME.len();
        // Past the separators: `>`, `=`, `:`, quotes, spaces (a few).
        let mut skipped = 0;
        while start < chars.len()
            && skipped < 8
            && matches!(
                chars[start],
                '>' | '=' | ':' | '"' | '\'' | ' ' | '\t' | '\r' | '\n'
            )
        {
            start += 1;
            skipped += 1;
        }
        let mut end = start;
        while end < chars.len()
            && !chars[end].is_whitespace()
            && !matches!(chars[end], '<' | '"' | '\'' | ',' | ';' | '&' | '}' | ']')
        {
            end += 1;
        }
        if end > start {
            spans.push((start, end));
        }
        i = end.max(i + NAME.len());
    }
    // Long hex runs.
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_hexdigit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_hexdigit() {
            i += 1;
        }
        let run = &chars[start..i];
        // A run of decimal digits is a number (the digit rule masks it), not a key.
        if run.len() >= HEX_RUN && run.iter().any(|c| c.is_ascii_alphabetic()) {
            spans.push((start, i));
        }
    }
    merge(spans)
}

fn merge(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// The longest run of capitals in `word`.
fn capital_run(word: &[char]) -> usize {
    word.split(|c| !c.is_uppercase())
        .map(<[char]>::len)
        .max()
        .unwrap_or(0)
}

/// Where the masker is in the XML-ish structure of the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Place {
    /// Outside markup, before any tag closed: text of unknown kind.
    #[default]
    Text,
    /// Outside markup after a tag: an element's content (all data).
    Content,
    /// Inside `<...>`, outside quotes: names, kept.
    Markup,
    /// Inside a quoted attribute value (the quote character).
    Quoted(char),
}

#[derive(Default)]
struct Masker {
    text: String,
    /// Characters written so far.
    len: usize,
    /// [`EXCERPT_CHARS`] were written: the rest is cut.
    full: bool,
    place: Place,
}

impl Masker {
    fn push(&mut self, c: char) {
        if self.len >= EXCERPT_CHARS {
            self.full = true;
            return;
        }
        let before = self.text.len();
        match c {
            '"' => self.text.push_str("\\\""),
            '\\' => self.text.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(self.text, "{}", c.escape_default());
            }
            c => self.text.push(c),
        }
        self.len += self.text[before..].chars().count();
    }

    fn placeholder(&mut self, p: &str) {
        if self.len >= EXCERPT_CHARS {
            self.full = true;
            return;
        }
        self.text.push_str(p);
        self.len += p.chars().count();
    }

    /// Writes the token starting at `i` (a word, a number, or one character), masked
    /// as its place requires; returns where the next token starts. A token never runs
    /// into a hidden span (`limit`: where the next one starts).
    fn token(&mut self, chars: &[char], i: usize, limit: usize) -> usize {
        let c = chars[i];
        if c.is_alphabetic() {
            let mut end = i + 1;
            while end < limit
                && (chars[end].is_alphabetic()
                    || (matches!(chars[end], '\'' | '-' | '’')
                        && end + 1 < limit
                        && chars[end + 1].is_alphabetic()))
            {
                end += 1;
            }
            let word = &chars[i..end];
            let capitals = word.iter().filter(|c| c.is_uppercase()).count();
            let shown = match self.place {
                // Element and attribute names, unless in capitals (SystmOne's names
                // never are, nor have more than four in a row, as in `NHSNumber`; a
                // surname in capitals is common).
                Place::Markup => word.len() < 2 || (capitals < word.len() && capital_run(word) < 5),
                Place::Content | Place::Quoted(_) => false,
                Place::Text => word.len() < 2 || capitals == 0,
            };
            match (shown, self.place) {
                (true, _) => word.iter().for_each(|&w| self.push(w)),
                (false, Place::Content | Place::Quoted(_)) => self.placeholder("[text]"),
                (false, _) => self.placeholder("[name]"),
            }
            return end;
        }
        if c.is_ascii_digit() {
            // Digits, possibly in groups joined by one separator.
            let mut end = i + 1;
            let mut digits = 1;
            while end < limit {
                if chars[end].is_ascii_digit() {
                    digits += 1;
                    end += 1;
                } else if matches!(chars[end], ' ' | '-' | '.' | '/' | ':')
                    && end + 1 < limit
                    && chars[end + 1].is_ascii_digit()
                {
                    end += 1;
                } else {
                    break;
                }
            }
            let mask = digits >= DIGIT_RUN;
            for &d in &chars[i..end] {
                self.push(if mask && d.is_ascii_digit() { '#' } else { d });
            }
            return end;
        }
        self.push(c);
        let next = chars.get(i + 1).copied();
        self.place = match (self.place, c) {
            // A tag only if a name (or `/`, `?`, `!`) follows: `< SMITH` is text.
            (Place::Text | Place::Content, '<')
                if next.is_some_and(|n| {
                    n.is_alphabetic() || matches!(n, '/' | '?' | '!' | '_' | ':')
                }) =>
            {
                Place::Markup
            }
            (Place::Markup, '>') => Place::Content,
            (Place::Markup, q @ ('"' | '\'')) => Place::Quoted(q),
            (Place::Quoted(q), c) if c == q => Place::Markup,
            (place, _) => place,
        };
        i + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "f31e26725b5491f2";

    #[test]
    fn the_api_key_is_hidden_in_and_out_of_elements() {
        assert_eq!(
            excerpt(
                b"<ClientIntegrationRequest><APIKey>f31e26725b5491f2</APIKey>",
                &[]
            ),
            "<ClientIntegrationRequest><APIKey>[redacted]</APIKey>"
        );
        assert_eq!(
            excerpt(b"apikey: \"abc\"", &[]),
            "apikey: \\\"[redacted]\\\""
        );
        assert_eq!(excerpt(b"APIKEY=zz9", &[]), "[name]=[redacted]");
        // A key named by the caller, wherever and however cased.
        assert_eq!(excerpt(b"x F31E26725B5491F2 y", &[KEY]), "x [redacted] y");
        // Any long hex run.
        assert_eq!(excerpt(b"k=0f3e33ae95b74520;", &[]), "k=[redacted];");
        // A short key named by the caller, inside a word.
        assert_eq!(excerpt(b"abkey1zz", &["key1"]), "ab[redacted]zz");
    }

    #[test]
    fn numbers_and_names_are_masked() {
        assert_eq!(
            excerpt(b"9434765919 943 476 5919 1970-01-02 at byte 93, v1.0", &[]),
            "########## ### ### #### ####-##-## at byte 93, v1.0"
        );
        assert_eq!(
            excerpt(
                b"<Surname>smith</Surname><Forenames>Mary Ann</Forenames>",
                &[]
            ),
            "<Surname>[text]</Surname><Forenames>[text] [text]</Forenames>"
        );
        assert_eq!(
            excerpt(b"<Code Term=\"Asthma\" Code=\"H33\"/>", &[]),
            "<Code Term=\\\"[text]\\\" Code=\\\"[text]33\\\"/>"
        );
        assert_eq!(
            excerpt(b"POST / HTTP/1.1\r\n", &[]),
            "[name] / [name]/1.1\\r\\n"
        );
        assert_eq!(excerpt("O'Brien d'Arcy".as_bytes(), &[]), "[name] [name]");
        // Markup names are kept, but not a name in capitals, nor a number.
        assert_eq!(
            excerpt(b"<SMITH 9434765919><Line1>", &[]),
            "<[name] ##########><Line1>"
        );
        assert_eq!(excerpt(b"a < SMITH", &[]), "a < [name]");
    }

    #[test]
    fn excerpts_are_short_and_on_one_line() {
        let long = "junk ".repeat(1000);
        let shown = excerpt(long.as_bytes(), &[]);
        assert!(shown.ends_with('…'));
        assert!(shown.chars().count() <= EXCERPT_CHARS + 6, "{shown}");
        assert!(!shown.contains('\n'));
        assert_eq!(excerpt(b"a\x00\xff\"b", &[]), "a\\u{0}\u{fffd}\\\"b");
        assert_eq!(excerpt(b"", &[]), "");
    }

    #[test]
    fn nothing_is_shown_in_part_at_the_window_edge() {
        // A long word is shown as one placeholder, so what follows it is shown even
        // though the window ends in it: a number, then a key, cut by the window.
        let number = format!("{} 9434765919 more", "X".repeat(WINDOW_BYTES - 5));
        let shown = excerpt(number.as_bytes(), &[]);
        assert_eq!(shown, "[name] …");
        let key = format!("{} {KEY} more", "X".repeat(WINDOW_BYTES + 16 - 10));
        let shown = excerpt(key.as_bytes(), &[KEY]);
        assert_eq!(shown, "[name] …");
        let cut_key = format!("{} {KEY}", "X".repeat(WINDOW_BYTES - 9));
        assert_eq!(excerpt(cut_key.as_bytes(), &[]), "[name] …");
    }

    #[test]
    fn redact_keys_keeps_everything_else() {
        let xml = "<a><APIKey>k1</APIKey><b>0F3E33AE95B74520</b></a>";
        assert_eq!(
            redact_keys(xml, &["0f3e33ae95b74520", ""]),
            "<a><APIKey>[redacted]</APIKey><b>[redacted]</b></a>"
        );
        assert_eq!(redact_keys("é key1 é", &["KEY1"]), "é [redacted] é");
    }

    /// A small seeded generator (xorshift), so the property test repeats.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Random junk, with the key (in some spelling and context), NHS numbers and
    /// names mixed in at random places.
    fn junk(rng: &mut Rng, key: &str) -> Vec<u8> {
        const PIECES: [&str; 12] = [
            "<ClientIntegrationRequest>",
            "<APIKey>",
            "</APIKey>",
            "<Surname>",
            " ",
            "\r\n",
            "=",
            "\"",
            "<",
            ">",
            "Function",
            "zz",
        ];
        let mut out = Vec::new();
        for _ in 0..rng.below(40) + 1 {
            match rng.below(8) {
                0 => out.extend_from_slice(key.as_bytes()),
                1 => out.extend_from_slice(key.to_ascii_uppercase().as_bytes()),
                2 => out.extend_from_slice(format!("APIKey={key}").as_bytes()),
                3 => out.extend_from_slice(b"9434765919"),
                4 => out.extend_from_slice(b"SMITH"),
                5 => out.extend_from_slice(PIECES[rng.below(PIECES.len())].as_bytes()),
                6 => {
                    for _ in 0..rng.below(20) {
                        out.push(rng.next() as u8);
                    }
                }
                _ => {
                    for _ in 0..rng.below(2000) {
                        out.push(b' ' + rng.below(95) as u8);
                    }
                }
            }
        }
        out
    }

    /// [`redact_keys`] as it was written first, trying every key at every byte.
    fn redact_keys_at_every_byte(text: &str, keys: &[&str]) -> String {
        let out = crate::envelope::redact_api_key(text);
        let keys: Vec<&[u8]> = keys
            .iter()
            .map(|k| k.trim().as_bytes())
            .filter(|k| k.len() >= 4)
            .collect();
        let bytes = out.as_bytes();
        let (mut redacted, mut from, mut i) = (String::new(), 0, 0);
        while i < bytes.len() {
            let found = keys.iter().find(|key| {
                bytes.len() - i >= key.len()
                    && bytes[i..i + key.len()].eq_ignore_ascii_case(key)
                    && out.is_char_boundary(i)
                    && out.is_char_boundary(i + key.len())
            });
            match found {
                Some(key) => {
                    redacted.push_str(&out[from..i]);
                    redacted.push_str(REDACTED);
                    i += key.len();
                    from = i;
                }
                None => i += 1,
            }
        }
        redacted.push_str(&out[from..]);
        redacted
    }

    #[test]
    fn redact_keys_finds_what_trying_every_byte_finds() {
        let mut rng = Rng(0x5EED_1234_ABCD_0002);
        for round in 0..500 {
            let text = String::from_utf8_lossy(&junk(&mut rng, KEY)).into_owned();
            for keys in [
                &[KEY][..],
                &[KEY, ""],
                &["SMITH", KEY],
                &["zzzz", "9434", "<apikey", KEY],
                &["\u{e9}t\u{e9}s", KEY],
            ] {
                assert_eq!(
                    redact_keys(&text, keys),
                    redact_keys_at_every_byte(&text, keys),
                    "round {round}, keys {keys:?}"
                );
            }
        }
    }

    #[test]
    fn no_key_no_number_no_name_in_any_excerpt_of_random_junk() {
        let mut rng = Rng(0x5EED_1234_ABCD_0001);
        for round in 0..1500 {
            let bytes = junk(&mut rng, KEY);
            // Named, and not named (found by the APIKey and hex rules alone).
            for keys in [&[KEY][..], &[]] {
                let shown = excerpt(&bytes, keys);
                let lower = shown.to_ascii_lowercase();
                // Not the key, nor any 8 characters of it.
                for start in 0..=KEY.len() - 8 {
                    assert!(
                        !lower.contains(&KEY[start..start + 8]),
                        "round {round}: {shown:?} from {:?}",
                        String::from_utf8_lossy(&bytes)
                    );
                }
                assert!(
                    !shown.contains("9434") && !shown.contains("SMITH"),
                    "{shown}"
                );
                assert!(shown.chars().count() <= EXCERPT_CHARS + 12, "{shown}");
                assert!(!shown.contains('\n') && !shown.contains('\r'), "{shown}");
            }
        }
    }
}
