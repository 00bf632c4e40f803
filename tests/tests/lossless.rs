//! Lossless, tolerant reading (issue: read real SystmOne records): for every fixture,
//! parse then write gives the same elements in the same order, the same attributes and
//! the same text exactly (only whitespace between elements and `<X/>` versus `<X></X>`
//! may differ); and the same holds, with every departure in the drift report and strict
//! reading refusing it, when unknown elements and attributes are injected at random
//! places.

use std::collections::BTreeSet;

use systmone_bindings::{AnyRequest, AnyResponse};
use systmone_core::{Drift, ParseError, ReadMode};
use xml::reader::{EventReader, ParserConfig, XmlEvent};
use xml::writer::{EmitterConfig, EventWriter, XmlEvent as WriteEvent};

/// A document as the comparison sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Start(String, Vec<(String, String)>),
    Text(String),
    End,
}

fn config() -> ParserConfig {
    ParserConfig::new()
        .trim_whitespace(false)
        .whitespace_to_characters(true)
        .cdata_to_characters(true)
        .ignore_comments(true)
        .coalesce_characters(true)
        .ignore_root_level_whitespace(true)
        .override_encoding(Some(xml::Encoding::Utf8))
        .ignore_invalid_encoding_declarations(true)
}

/// Elements, attributes (sorted; namespace declarations aside) and text; whitespace-only
/// text counts only as an element's whole content.
fn tokens(text: &str) -> Vec<Token> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out: Vec<Token> = Vec::new();
    let mut pending_space: Option<String> = None;
    for event in EventReader::new_with_config(text.as_bytes(), config()) {
        match event.expect("well-formed") {
            XmlEvent::StartElement {
                name, attributes, ..
            } => {
                pending_space = None;
                let mut attrs: Vec<(String, String)> = attributes
                    .into_iter()
                    .map(|a| (a.name.local_name, a.value))
                    .collect();
                attrs.sort();
                out.push(Token::Start(name.local_name, attrs));
            }
            XmlEvent::EndElement { .. } => {
                if let Some(space) = pending_space.take()
                    && matches!(out.last(), Some(Token::Start(..)))
                {
                    out.push(Token::Text(space));
                }
                out.push(Token::End);
            }
            XmlEvent::Characters(t) => {
                if t.trim().is_empty() {
                    pending_space = Some(t);
                } else {
                    pending_space = None;
                    out.push(Token::Text(t));
                }
            }
            _ => {}
        }
    }
    out
}

enum Parsed {
    Request(AnyRequest),
    Response(AnyResponse),
}

impl Parsed {
    fn write(&self, pretty: bool) -> String {
        match self {
            Parsed::Request(r) => r.to_xml(pretty),
            Parsed::Response(r) => r.to_xml(pretty),
        }
        .expect("writes")
    }
}

fn parse(text: &str, request: bool, mode: ReadMode) -> Result<(Parsed, Drift), ParseError> {
    if request {
        AnyRequest::parse_with(text, mode).map(|p| (Parsed::Request(p.value), p.drift))
    } else {
        AnyResponse::parse_with(text, mode).map(|p| (Parsed::Response(p.value), p.drift))
    }
}

fn good_fixtures() -> Vec<(String, String, bool)> {
    systmone_tests::fixtures()
        .into_iter()
        .filter(|f| !f.is_bad())
        .map(|f| {
            let text = std::fs::read_to_string(&f.path).expect("fixture reads");
            (f.relative_path(), text, f.is_request())
        })
        .collect()
}

fn assert_same(name: &str, original: &str, written: &str) {
    let (a, b) = (tokens(original), tokens(written));
    if a != b {
        let at = a
            .iter()
            .zip(&b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        panic!(
            "{name}: written document differs at token {at}:\n original: {:?}\n written:  {:?}",
            a.get(at.saturating_sub(1)..(at + 2).min(a.len())),
            b.get(at.saturating_sub(1)..(at + 2).min(b.len())),
        );
    }
}

#[test]
fn every_fixture_round_trips_exactly() {
    let fixtures = good_fixtures();
    assert!(fixtures.len() > 100, "the corpus is there");
    for (name, text, request) in &fixtures {
        let (value, _) =
            parse(text, *request, ReadMode::Tolerant).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_same(name, text, &value.write(false));
        assert_same(name, text, &value.write(true));
    }
}

#[test]
fn the_documents_examples_and_the_real_shape_fixtures_have_no_drift() {
    for (name, text, request) in good_fixtures() {
        let file = name.rsplit('/').next().unwrap();
        let expect_none = matches!(file, "request.xml" | "response.xml")
            || file.starts_with("real-shape")
            || file.starts_with('f');
        if !expect_none {
            continue;
        }
        let (_, drift) = parse(&text, request, ReadMode::Tolerant).unwrap();
        assert!(drift.is_empty(), "{name}: {:?}", drift.items());
        parse(&text, request, ReadMode::Strict)
            .unwrap_or_else(|e| panic!("{name} is refused by strict reading: {e}"));
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.next().is_multiple_of(one_in)
    }
}

/// `text` with unknown attributes and elements injected at random places; returns the
/// document and the injected names. Elements are injected between siblings (a child
/// element inside a text-only element is kept too, but a required text field then has
/// no typed value). Nothing is injected inside elements the bindings
/// already keep as unknown (`skip`), where it would not be reported on its own.
fn inject(text: &str, rng: &mut Rng, skip: &BTreeSet<String>) -> (String, Vec<String>) {
    let mut writer = EventWriter::new_with_config(
        Vec::new(),
        EmitterConfig::new()
            .write_document_declaration(false)
            .perform_indent(false),
    );
    let mut injected = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut skipping = 0usize;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for event in EventReader::new_with_config(text.as_bytes(), config()) {
        let event = event.expect("well-formed");
        match &event {
            XmlEvent::StartElement {
                name, attributes, ..
            } => {
                // An unknown element before this one, in its parent (a container).
                if !path.is_empty() && skipping == 0 && rng.chance(5) {
                    let element = format!("ZzElement{}", injected.len());
                    writer
                        .write(WriteEvent::start_element(element.as_str()).attr("kind", "x"))
                        .unwrap();
                    writer.write(WriteEvent::characters(" text  ")).unwrap();
                    writer.write(WriteEvent::start_element("Inner")).unwrap();
                    writer.write(WriteEvent::end_element()).unwrap();
                    writer.write(WriteEvent::end_element()).unwrap();
                    injected.push(element);
                }
                path.push(name.local_name.clone());
                let relative = path[1..].join("/");
                if skipping > 0 || skip.contains(&relative) {
                    skipping += 1;
                }
                let mut start = WriteEvent::start_element(name.local_name.as_str());
                for a in attributes {
                    start = start.attr(a.name.local_name.as_str(), &a.value);
                }
                let attribute_name = format!("zzAttr{}", injected.len());
                let add_attribute = skipping == 0 && path.len() > 1 && rng.chance(4);
                if add_attribute {
                    start = start.attr(attribute_name.as_str(), " injected value ");
                }
                writer.write(start).unwrap();
                if add_attribute {
                    injected.push(attribute_name);
                }
            }
            XmlEvent::EndElement { .. } => {
                writer.write(WriteEvent::end_element()).unwrap();
                path.pop();
                skipping = skipping.saturating_sub(1);
            }
            XmlEvent::Characters(t) => writer.write(WriteEvent::characters(t)).unwrap(),
            _ => {}
        }
    }
    (String::from_utf8(writer.into_inner()).unwrap(), injected)
}

#[test]
fn injected_unknown_content_survives_is_reported_and_refused_strictly() {
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let mut checked = 0;
    for (name, text, request) in good_fixtures() {
        // Paths the bindings already keep whole (unknown data items).
        let (_, baseline) = parse(&text, request, ReadMode::Tolerant).unwrap();
        let mut skip: BTreeSet<String> = baseline.items().iter().map(|i| i.path.clone()).collect();
        // The request header's OutputScheme is hand-written core and still strict.
        skip.insert("OutputScheme".into());
        for round in 0..3 {
            let (document, injected) = inject(&text, &mut rng, &skip);
            if injected.is_empty() {
                continue;
            }
            let label = format!("{name} (round {round})");
            let (value, drift) = parse(&document, request, ReadMode::Tolerant)
                .unwrap_or_else(|e| panic!("{label}: tolerant reading failed: {e}\n{document}"));
            assert_same(&label, &document, &value.write(false));
            assert_same(&label, &document, &value.write(true));
            for item in &injected {
                assert!(
                    drift.items().iter().any(|d| d
                        .path
                        .split('/')
                        .any(|p| p == item || p == format!("@{item}"))),
                    "{label}: {item} is not in the drift report {:?}",
                    drift.items()
                );
            }
            match parse(&document, request, ReadMode::Strict) {
                Err(ParseError::Refused(item)) => assert!(
                    injected.iter().any(|i| item.path.contains(i.as_str())),
                    "{label}: strict reading refused {item:?}, not an injected item"
                ),
                Err(other) => panic!("{label}: strict reading failed otherwise: {other}"),
                Ok(_) => panic!("{label}: strict reading accepted injected content"),
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} injected documents checked");
}

/// A start tag's attributes told apart: declared ones typed whatever their order, one
/// whose value does not type kept with the unknown ones (declared order first, then
/// the unknown ones as they came), each departure reported, strict reading refusing
/// the first, and all written back.
#[test]
fn declared_and_unknown_attributes_are_told_apart() {
    use systmone_core::{DriftKind, xml};
    let text = r#"<Event Software="S" Shiny="1" EventUID="E" DateTime="not a date" UserName="u" DoneAt="D" Zed="2" DoneBy="B "/>"#;
    let parsed =
        xml::from_str_with::<systmone_types::Event>(text, "Event", ReadMode::Tolerant).unwrap();
    let event = &parsed.value;
    assert_eq!(event.software.as_deref(), Some("S"));
    assert_eq!(event.event_uid.as_deref(), Some("E"));
    assert_eq!(event.user_name.as_deref(), Some("u"));
    assert_eq!(event.done_at.as_deref(), Some("D"));
    assert_eq!(event.done_by.as_deref(), Some("B "));
    assert_eq!(event.date_time, None);
    assert_eq!(event.method, None);
    let kept: Vec<(&str, &str)> = event
        .extra
        .attributes()
        .iter()
        .map(|a| (a.name.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(
        kept,
        [("DateTime", "not a date"), ("Shiny", "1"), ("Zed", "2")]
    );
    let drift: Vec<(DriftKind, &str)> = parsed
        .drift
        .items()
        .iter()
        .map(|i| (i.kind, i.path.as_str()))
        .collect();
    assert_eq!(
        drift,
        [
            (DriftKind::InvalidValue, "Event/@DateTime"),
            (DriftKind::UnknownAttribute, "Event/@Shiny"),
            (DriftKind::UnknownAttribute, "Event/@Zed"),
        ]
    );
    let written = xml::to_string(event, "Event", false).unwrap();
    assert_eq!(
        written,
        r#"<Event UserName="u" DoneBy="B " DoneAt="D" Software="S" EventUID="E" DateTime="not a date" Shiny="1" Zed="2"></Event>"#
    );
    let again = xml::from_str::<systmone_types::Event>(&written, "Event").unwrap();
    assert_eq!(&again, event);
    let refused =
        xml::from_str_with::<systmone_types::Event>(text, "Event", ReadMode::Strict).unwrap_err();
    assert!(refused.to_string().contains("Event/@DateTime"), "{refused}");
}
