//! Masking of patient data in what a recording writes (never on the wire).
//!
//! One [`Masker`] serves a whole recording, so the same original value always gets the
//! same synthetic one: a patient keeps their synthetic NHS number in every request and
//! response of the run. The map lives in memory only and is never written: a recording
//! cannot be unmasked from its own files.
//!
//! What is replaced, by element name (any depth, requests and responses alike):
//!
//! * NHS numbers (`NHSNumber`, `NhsNumber`, and any other 10-digit number with a valid
//!   modulus 11 check digit anywhere in text or attributes) by synthetic numbers in the
//!   `999` test range, with valid check digits;
//! * other patient numbers (`PseudoNumber`, `PatientNumber`,
//!   `StrategicReportingIdentifier`) by digits of the same length;
//! * names, address parts, postcodes, telephone numbers, e-mail addresses and dates of
//!   birth by synthetic ones (a birth date stays in its year), and the date the
//!   patient registered (`CareStartDate`, in its year too);
//! * the staff who appear in a record: user names (`UserName`, `UsualGPUserName`,
//!   `UserNameDoneBy`, `CurrentUser`, and the `UserName` attribute of an event) by
//!   synthetic ones, and the name in an event's `DoneBy` (`SURNAME, Forename (Role) `)
//!   by a synthetic name, its role kept;
//! * free text (`Line`, `Comments`, `Content`, `FreeText`, `Details`, `Reason`) by
//!   placeholder text of the same length (whitespace kept where it was), unless free
//!   text is kept, in which case known identifiers inside it are still replaced;
//! * the API key by `[redacted]`, always (also by [`redact_api_key`] when masking is off).
//!
//! Every original identifying value seen (three characters or more) is also replaced
//! wherever else it appears as a whole word: in attributes, file paths, error messages.
//!
//! ```
//! use systmone_proxy::masking::{MaskOptions, Masker};
//!
//! let mut masker = Masker::new(MaskOptions { seed: Some(7), ..MaskOptions::default() });
//! let masked = masker
//!     .mask("<R><NHSNumber>4667633050</NHSNumber><Line>seen today</Line></R>")
//!     .unwrap();
//! assert!(!masked.contains("4667633050"));
//! assert!(!masked.contains("seen today"));
//! ```

use std::collections::{HashMap, HashSet};

use xml::reader::XmlEvent;

/// How a recording is masked.
#[derive(Debug, Clone, Default)]
pub struct MaskOptions {
    /// Keep free text (Narrative lines, comments, task content) instead of replacing it
    /// with placeholders; identifiers found elsewhere are still replaced inside it.
    pub keep_free_text: bool,
    /// Seed of the synthetic values (`None`: random for each run, the safe choice).
    pub seed: Option<u64>,
}

/// A document that could not be masked (not well-formed XML): it is not written.
#[derive(Debug, thiserror::Error)]
#[error("the document cannot be masked: {0}")]
pub struct MaskError(String);

/// What an element's text is, for masking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Nhs,
    Number,
    Name,
    Address,
    Postcode,
    Phone,
    Email,
    BirthDate,
    /// A date that is not a birth date but still identifies (registration).
    Date,
    /// A SystmOne user's name (staff).
    UserName,
    FreeText,
    ApiKey,
    Header,
    Other,
}

fn field(local: &str) -> Field {
    match local {
        "NHSNumber" | "NhsNumber" => Field::Nhs,
        "PseudoNumber" | "PatientNumber" | "StrategicReportingIdentifier" => Field::Number,
        "FirstName" | "MiddleNames" | "Surname" | "KnownAs" | "RecipientName" | "SenderName" => {
            Field::Name
        }
        "HouseName" | "HouseNumber" | "Road" | "Locality" | "Town" | "County" | "Address"
        | "SenderAddress" | "RecipientAddress" => Field::Address,
        "Postcode" | "PostCode" => Field::Postcode,
        "HomeTelephone" | "WorkTelephone" | "MobileTelephone" | "AlternateTelephone"
        | "Telephone" | "Fax" => Field::Phone,
        "EmailAddress" | "Email" => Field::Email,
        "DateOfBirth" => Field::BirthDate,
        "CareStartDate" => Field::Date,
        "UserName" | "UsualGPUserName" | "UserNameDoneBy" | "CurrentUser" => Field::UserName,
        "Line" | "Comments" | "Content" | "FreeText" | "Details" | "Reason" | "Narrative" => {
            Field::FreeText
        }
        "APIKey" => Field::ApiKey,
        "RequestUID" | "ResponseUID" | "DeviceID" | "DeviceVersion" | "Function"
        | "FunctionVersion" => Field::Header,
        _ => Field::Other,
    }
}

/// The synthetic values of one recording.
pub struct Masker {
    options: MaskOptions,
    rng: u64,
    /// (field, original) -> synthetic.
    map: HashMap<(Field, String), String>,
    /// Every synthetic value handed out (never handed out twice).
    used: HashSet<String>,
    /// Originals to replace wherever they appear: (lowercase original, synthetic).
    learned: Vec<(String, String)>,
    learned_set: HashSet<String>,
    counter: u64,
}

impl std::fmt::Debug for Masker {
    // The map holds patient data: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masker")
            .field("values", &self.map.len())
            .finish_non_exhaustive()
    }
}

impl Masker {
    /// A masker with its own synthetic values.
    pub fn new(options: MaskOptions) -> Self {
        let seed = options.seed.unwrap_or_else(|| {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0),
            );
            h.finish()
        });
        Masker {
            options,
            rng: seed | 1,
            map: HashMap::new(),
            used: HashSet::new(),
            learned: Vec::new(),
            learned_set: HashSet::new(),
            counter: 0,
        }
    }

    fn next(&mut self) -> u64 {
        // splitmix64: enough for synthetic values (nothing secret rests on it: the
        // originals are never written).
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// The masked form of a whole document (request or response).
    pub fn mask(&mut self, text: &str) -> Result<String, MaskError> {
        systmone_core::xml::check_depth(text, systmone_core::xml::MAX_DEPTH)
            .map_err(|e| MaskError(e.to_string()))?;
        let events = read_events(text)?;
        // First pass: learn every identifying value, so one that appears in an
        // attribute before its own element is still replaced.
        let mut stack: Vec<Field> = Vec::new();
        for event in &events {
            match event {
                XmlEvent::StartElement {
                    name, attributes, ..
                } => {
                    stack.push(field(&name.local_name));
                    for attribute in attributes {
                        self.attribute(&attribute.name.local_name, &attribute.value);
                    }
                }
                XmlEvent::EndElement { .. } => {
                    stack.pop();
                }
                XmlEvent::Characters(t) if !t.trim().is_empty() => {
                    if let Some(&f) = stack.last() {
                        if is_identifying(f) {
                            self.synthetic(f, t);
                        }
                    }
                }
                _ => {}
            }
        }
        // Second pass: rewrite.
        let declared = systmone_core::xml::strip_bom(text)
            .trim_start()
            .starts_with("<?xml");
        let mut out = Vec::with_capacity(text.len() + 64);
        let mut writer = xml::writer::EmitterConfig::new()
            .write_document_declaration(declared)
            .perform_indent(false)
            .normalize_empty_elements(false)
            .pad_self_closing(false)
            .cdata_to_characters(true)
            .create_writer(&mut out);
        stack.clear();
        for mut event in events {
            match &mut event {
                XmlEvent::StartDocument { .. } if !declared => continue,
                XmlEvent::StartElement {
                    name, attributes, ..
                } => {
                    stack.push(field(&name.local_name));
                    for attribute in attributes.iter_mut() {
                        attribute.value =
                            self.attribute(&attribute.name.local_name, &attribute.value);
                    }
                }
                XmlEvent::EndElement { .. } => {
                    stack.pop();
                }
                XmlEvent::Characters(t) => {
                    let f = stack.last().copied().unwrap_or(Field::Other);
                    *t = self.text(f, t);
                }
                _ => {}
            }
            if let Some(w) = event.as_writer_event() {
                writer.write(w).map_err(|e| MaskError(e.to_string()))?;
            }
        }
        drop(writer);
        String::from_utf8(out).map_err(|e| MaskError(e.to_string()))
    }

    fn text(&mut self, f: Field, t: &str) -> String {
        if t.trim().is_empty() {
            return t.to_string();
        }
        match f {
            Field::Header => t.to_string(),
            Field::ApiKey => "[redacted]".to_string(),
            Field::FreeText if !self.options.keep_free_text => placeholder(t),
            Field::FreeText | Field::Other => self.scan(t),
            _ => self.synthetic(f, t),
        }
    }

    /// An attribute's masked value: the staff an event names by attribute, and
    /// known identifiers anywhere else.
    fn attribute(&mut self, name: &str, value: &str) -> String {
        if value.trim().is_empty() {
            return value.to_string();
        }
        match name {
            "UserName" => self.synthetic(Field::UserName, value),
            "DoneBy" => self.done_by(value),
            _ => self.scan(value),
        }
    }

    /// `SURNAME, Forename (Role) ` with a synthetic name; the role (not
    /// identifying, and what a reader of the record needs) kept.
    fn done_by(&mut self, value: &str) -> String {
        let (name, role) = match value.find('(') {
            Some(at) => value.split_at(at),
            None => (value, ""),
        };
        let trailing = &name[name.trim_end().len()..];
        let parts: Vec<String> = name
            .trim_end()
            .split(", ")
            .map(|part| {
                if part.trim().is_empty() {
                    part.to_string()
                } else {
                    self.synthetic(Field::Name, part)
                }
            })
            .collect();
        format!("{}{trailing}{}", parts.join(", "), self.scan(role))
    }

    /// The synthetic value for an identifying field's text (learning it).
    fn synthetic(&mut self, f: Field, original: &str) -> String {
        let kind = match f {
            // One map for all names, so a surname searched for is the surname returned.
            Field::Nhs | Field::Number => Field::Number,
            other => other,
        };
        let key = (kind, original.to_string());
        if let Some(s) = self.map.get(&key) {
            return s.clone();
        }
        let digits_only = original.chars().all(|c| c.is_ascii_digit());
        let mut attempts = 0;
        let value = loop {
            self.counter += 1;
            attempts += 1;
            let candidate = match f {
                Field::Nhs | Field::Number if is_nhs_number(original) => self.nhs_number(),
                Field::Nhs | Field::Number | Field::Phone | Field::Address if digits_only => {
                    self.digits_like(original)
                }
                Field::Phone => self.digits_like(original),
                Field::Nhs | Field::Number => self.digits_like(original),
                Field::Name | Field::Address => self.words_like(original),
                Field::Postcode => format!(
                    "ZZ{} {}{}{}",
                    10 + self.below(90),
                    self.below(10),
                    letter(self.below(26)),
                    letter(self.below(26))
                ),
                Field::Email => format!("person{}@example.invalid", self.counter),
                Field::BirthDate | Field::Date => self.birth_date(original),
                Field::UserName => format!("staff{}", self.counter),
                _ => placeholder(original),
            };
            if candidate != original && !self.used.contains(&candidate) {
                break candidate;
            }
            if attempts > 64 {
                // Few values of this shape left (one-letter initials): made unique.
                let unique = format!("{candidate}{}", self.counter);
                if !self.used.contains(&unique) {
                    break unique;
                }
            }
        };
        self.used.insert(value.clone());
        self.map.insert(key, value.clone());
        // An NHS number found by the scan maps the same way as one in its element.
        if is_nhs_number(original) {
            self.map
                .insert((Field::Number, original.to_string()), value.clone());
        }
        let trimmed = original.trim();
        let learnable = trimmed.chars().count() >= 3
            && (trimmed.chars().any(char::is_alphabetic) || trimmed.len() >= 6);
        if learnable && self.learned_set.insert(trimmed.to_ascii_lowercase()) {
            let synthetic = if trimmed == original {
                value.clone()
            } else {
                value.trim().to_string()
            };
            self.learned.push((trimmed.to_ascii_lowercase(), synthetic));
            // Longest first, so "Anne Marie" is replaced before "Anne".
            self.learned
                .sort_by_key(|entry| std::cmp::Reverse(entry.0.len()));
        }
        value
    }

    fn nhs_number(&mut self) -> String {
        loop {
            let mut digits = vec![9u32, 9, 9];
            for _ in 0..6 {
                digits.push(self.below(10) as u32);
            }
            if let Some(check) = nhs_check_digit(&digits) {
                digits.push(check);
                return digits
                    .iter()
                    .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
                    .collect();
            }
        }
    }

    fn digits_like(&mut self, original: &str) -> String {
        let mut first = true;
        original
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    // A leading 0 (telephone numbers) stays.
                    let d = if first && c == '0' {
                        0
                    } else if first {
                        1 + self.below(9)
                    } else {
                        self.below(10)
                    };
                    first = false;
                    char::from_digit(d as u32, 10).unwrap_or('0')
                } else {
                    c
                }
            })
            .collect()
    }

    fn words_like(&mut self, original: &str) -> String {
        const SYLLABLES: [&str; 24] = [
            "ka", "ro", "mi", "ten", "sa", "lu", "bar", "vel", "dor", "fen", "gil", "har", "jas",
            "kor", "lin", "mor", "nel", "per", "quin", "ros", "tal", "ven", "wil", "zen",
        ];
        let words: Vec<&str> = original.split_whitespace().collect();
        if words.len() == 1 && words[0].chars().count() == 1 {
            // An initial (a search by prefix) stays one letter.
            return letter(self.below(26)).to_string();
        }
        let mut out = Vec::with_capacity(words.len());
        for word in words {
            if word.chars().all(|c| c.is_ascii_digit()) {
                out.push(self.digits_like(word));
                continue;
            }
            let n = 2 + self.below(2);
            let mut w = String::new();
            for _ in 0..n {
                w.push_str(SYLLABLES[self.below(SYLLABLES.len() as u64) as usize]);
            }
            let w = if word.chars().all(|c| !c.is_lowercase()) {
                w.to_uppercase()
            } else {
                let mut chars = w.chars();
                chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars).collect())
                    .unwrap_or_default()
            };
            out.push(w);
        }
        out.join(" ")
    }

    fn birth_date(&mut self, original: &str) -> String {
        let bytes = original.as_bytes();
        let is_date = bytes.len() >= 10
            && bytes[..4].iter().all(u8::is_ascii_digit)
            && bytes[4] == b'-'
            && bytes[7] == b'-';
        if !is_date {
            return self.digits_like(original);
        }
        let month = 1 + self.below(12);
        let day = 1 + self.below(28);
        format!("{}-{month:02}-{day:02}{}", &original[..4], &original[10..])
    }

    /// Text that is not an identifying field: NHS numbers and known identifiers in it
    /// replaced.
    fn scan(&mut self, text: &str) -> String {
        let mut out = self.scan_nhs(text);
        for (original, synthetic) in &self.learned {
            out = replace_word(&out, original, synthetic);
        }
        out
    }

    fn scan_nhs(&mut self, text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        let mut copied = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_digit() {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                let run = &text[start..i];
                if is_nhs_number(run) {
                    out.push_str(&text[copied..start]);
                    let synthetic = self.synthetic(Field::Nhs, run);
                    out.push_str(&synthetic);
                    copied = i;
                }
            } else {
                i += 1;
            }
        }
        out.push_str(&text[copied..]);
        out
    }
}

fn is_identifying(f: Field) -> bool {
    !matches!(
        f,
        Field::FreeText | Field::ApiKey | Field::Header | Field::Other
    )
}

fn letter(n: u64) -> char {
    char::from(b'A' + (n % 26) as u8)
}

fn read_events(text: &str) -> Result<Vec<XmlEvent>, MaskError> {
    let reader = xml::reader::EventReader::new_with_config(
        systmone_core::xml::strip_bom(text).as_bytes(),
        systmone_core::xml::parser_config(),
    );
    let mut events = Vec::new();
    for event in reader {
        match event {
            Ok(XmlEvent::Doctype { .. }) => {
                return Err(MaskError("a DOCTYPE declaration".into()));
            }
            Ok(e) => events.push(e),
            Err(e) => return Err(MaskError(e.to_string())),
        }
    }
    Ok(events)
}

/// Placeholder text of the same length in characters, whitespace where it was.
pub fn placeholder(text: &str) -> String {
    const FILL: &[u8] = b"loremipsumdolorsitametconsecteturadipiscing";
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if c.is_whitespace() {
                c
            } else {
                char::from(FILL[i % FILL.len()])
            }
        })
        .collect()
}

/// Replaces whole-word occurrences of `lower` (ASCII lowercase) in `text`, ignoring
/// ASCII case. A word boundary is a change from digit to non-digit for an original that
/// starts or ends with a digit, and a non-alphanumeric character otherwise.
fn replace_word(text: &str, lower: &str, synthetic: &str) -> String {
    if lower.is_empty() || text.len() < lower.len() {
        return text.to_string();
    }
    let haystack = text.to_ascii_lowercase();
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    let first = lower.chars().next().unwrap_or(' ');
    let last = lower.chars().last().unwrap_or(' ');
    let bound = |c: Option<char>, edge: char| match c {
        None => true,
        Some(c) if edge.is_ascii_digit() => !c.is_ascii_digit(),
        Some(c) => !c.is_alphanumeric(),
    };
    while let Some(at) = haystack[from..].find(lower) {
        let start = from + at;
        let end = start + lower.len();
        let before = haystack[..start].chars().next_back();
        let after = haystack[end..].chars().next();
        if bound(before, first) && bound(after, last) {
            out.push_str(&text[copied..start]);
            out.push_str(synthetic);
            copied = end;
        }
        from = end;
    }
    if copied == 0 {
        return text.to_string();
    }
    out.push_str(&text[copied..]);
    out
}

/// Whether `number` is ten digits with a valid modulus 11 check digit.
pub fn is_nhs_number(number: &str) -> bool {
    let digits: Vec<u32> = number.chars().filter_map(|c| c.to_digit(10)).collect();
    digits.len() == 10 && number.len() == 10 && nhs_check_digit(&digits[..9]) == Some(digits[9])
}

fn nhs_check_digit(first9: &[u32]) -> Option<u32> {
    let sum: u32 = first9
        .iter()
        .enumerate()
        .map(|(i, d)| d * (10 - i as u32))
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => Some(c),
    }
}

pub use systmone_core::envelope::redact_api_key;

#[cfg(test)]
mod tests {
    use super::*;

    fn masker() -> Masker {
        Masker::new(MaskOptions {
            seed: Some(1),
            ..MaskOptions::default()
        })
    }

    #[test]
    fn nhs_numbers_are_replaced_consistently_with_valid_check_digits() {
        let mut m = masker();
        let a = m
            .mask("<A><NHSNumber>4667633050</NHSNumber><P>file 4667633050.xml</P></A>")
            .unwrap();
        let b = m
            .mask("<B><NhsNumber>4667633050</NhsNumber><X Id=\"4667633050\"/></B>")
            .unwrap();
        assert!(
            !a.contains("4667633050") && !b.contains("4667633050"),
            "{a}{b}"
        );
        let synthetic = &a[a.find("<NHSNumber>").unwrap() + 11..][..10];
        assert!(is_nhs_number(synthetic), "{synthetic}");
        assert!(synthetic.starts_with("999"));
        assert_eq!(a.matches(synthetic).count(), 2, "{a}");
        assert_eq!(b.matches(synthetic).count(), 2, "{b}");
    }

    #[test]
    fn identifying_fields_and_free_text() {
        let mut m = masker();
        let doc = "<R><APIKey>f31e26725b5491f2</APIKey><RequestUID>7</RequestUID>\
            <FirstName>Rowena</FirstName><Surname>Quillfeather</Surname>\
            <DateOfBirth>1968-04-17</DateOfBirth><Postcode>HX9 4QT</Postcode>\
            <MobileTelephone>07700 900461</MobileTelephone><EmailAddress>ro@q.example</EmailAddress>\
            <Line> D: Dyspepsia, Rowena said</Line><Event DoneBy=\"QUILLFEATHER, R\" DateTime=\"1968-04-17T10:00:00\"/></R>";
        let out = m.mask(doc).unwrap();
        for original in [
            "f31e26725b5491f2",
            "Rowena",
            "Quillfeather",
            "QUILLFEATHER",
            "1968-04-17",
            "HX9 4QT",
            "07700 900461",
            "ro@q.example",
            "Dyspepsia",
        ] {
            assert!(!out.contains(original), "{original} survived: {out}");
        }
        assert!(out.contains("<RequestUID>7</RequestUID>"));
        assert!(out.contains("<APIKey>[redacted]</APIKey>"));
        // Same length, leading space kept.
        let line = &out[out.find("<Line>").unwrap() + 6..out.find("</Line>").unwrap()];
        assert_eq!(
            line.chars().count(),
            " D: Dyspepsia, Rowena said".chars().count()
        );
        assert!(line.starts_with(' '));
        // The birth date stays in its year and parses.
        let dob = &out[out.find("<DateOfBirth>").unwrap() + 13..][..10];
        assert!(dob.starts_with("1968-"));
        assert!(chrono::NaiveDate::parse_from_str(dob, "%Y-%m-%d").is_ok());
    }

    #[test]
    fn staff_and_registration_are_masked_roles_kept() {
        let mut m = masker();
        let doc = "<R><Demographics><CareStartDate>2003-09-01</CareStartDate>\
            <UsualGPUserName>ihartwell</UsualGPUserName></Demographics>\
            <Event DoneBy=\"HARTWELL, Imogen (General Medical Practitioner) \" UserName=\"ihartwell\"/>\
            <Event DoneBy=\"OKAFOR, Nnamdi (Practice Nurse) \" UserName=\"nokafor\"/>\
            <User><UserName>nokafor</UserName></User><UserNameDoneBy>user99</UserNameDoneBy>\
            <Line>Seen by Imogen</Line></R>";
        let out = m.mask(doc).unwrap();
        for original in [
            "2003-09-01",
            "ihartwell",
            "nokafor",
            "HARTWELL",
            "Imogen",
            "OKAFOR",
            "Nnamdi",
            "user99",
        ] {
            assert!(!out.contains(original), "{original} survived: {out}");
        }
        // The role stays, the shape too; one user keeps one synthetic name.
        assert!(out.contains(" (General Medical Practitioner) \""), "{out}");
        assert!(out.contains(" (Practice Nurse) \""), "{out}");
        let start = out.find("<CareStartDate>").unwrap() + 15;
        assert!(out[start..].starts_with("2003-"), "{out}");
        let gp = &out
            [out.find("<UsualGPUserName>").unwrap() + 17..out.find("</UsualGPUserName>").unwrap()];
        assert_eq!(
            out.matches(&format!("UserName=\"{gp}\"")).count(),
            1,
            "{out}"
        );
        let done_by = &out[out.find("DoneBy=\"").unwrap() + 8..];
        let (surname, rest) = done_by.split_once(", ").unwrap();
        assert!(surname.chars().all(|c| c.is_ascii_uppercase()), "{surname}");
        assert!(rest.starts_with(|c: char| c.is_ascii_uppercase()), "{rest}");
    }

    #[test]
    fn kept_free_text_still_loses_known_identifiers() {
        let mut m = Masker::new(MaskOptions {
            keep_free_text: true,
            seed: Some(3),
        });
        let out = m
            .mask("<R><Surname>Quillfeather</Surname><Line>Mrs Quillfeather seen</Line></R>")
            .unwrap();
        assert!(out.contains(" seen</Line>"), "{out}");
        assert!(!out.contains("Quillfeather"), "{out}");
    }

    #[test]
    fn the_api_key_is_redacted_byte_for_byte_otherwise() {
        let doc = "<R>\r\n<APIKey>secret</APIKey><X/>\n</R>";
        assert_eq!(
            redact_api_key(doc),
            "<R>\r\n<APIKey>[redacted]</APIKey><X/>\n</R>"
        );
    }

    #[test]
    fn not_xml_is_refused() {
        assert!(masker().mask("<A><B></A>").is_err());
        assert!(masker().mask("<!DOCTYPE a><a/>").is_err());
    }
}
