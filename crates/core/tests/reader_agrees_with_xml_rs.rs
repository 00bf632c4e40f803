//! The bindings read with `XmlReader` (quick-xml beneath); they used to read with
//! xml-rs, which the project still uses to write and in a few tools. Both must see the
//! same events in every document we have (fixtures and the fuzzers' seeds) and in
//! hand-picked edge cases, and refuse the same malformed ones, apart from the
//! differences listed in `KNOWN_DIFFERENCES`.

use std::path::{Path, PathBuf};

use systmone_core::xml::{Event, XmlReader, parser_config};
use xml::reader::{EventReader, XmlEvent};

/// Events as both readers see them: start (local name, attributes), end, text.
fn ours(text: &str) -> Result<Vec<String>, String> {
    let mut reader = XmlReader::new(text);
    let mut out = Vec::new();
    loop {
        match reader.next_event().map_err(|e| e.to_string())? {
            Event::Start { name, attributes } => out.push(format!(
                "start {name} {:?}",
                attributes
                    .iter()
                    .map(|a| (a.name.clone(), a.value.clone()))
                    .collect::<Vec<_>>()
            )),
            Event::End => out.push("end".into()),
            Event::Text(t) => out.push(format!("text {t:?}")),
            Event::Eof => return Ok(out),
        }
    }
}

fn xml_rs(text: &str) -> Result<Vec<String>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = EventReader::new_with_config(text.as_bytes(), parser_config());
    let mut out = Vec::new();
    let mut depth = 0usize;
    loop {
        match reader.next().map_err(|e| e.to_string())? {
            XmlEvent::StartElement {
                name, attributes, ..
            } => {
                depth += 1;
                out.push(format!(
                    "start {} {:?}",
                    name.local_name,
                    attributes
                        .iter()
                        .map(|a| (
                            match &a.name.prefix {
                                Some(p) => format!("{p}:{}", a.name.local_name),
                                None => a.name.local_name.clone(),
                            },
                            a.value.clone()
                        ))
                        .collect::<Vec<_>>()
                ));
            }
            XmlEvent::EndElement { .. } => {
                depth -= 1;
                out.push("end".into());
            }
            XmlEvent::Characters(t) | XmlEvent::Whitespace(t) | XmlEvent::CData(t) if depth > 0 => {
                out.push(format!("text {t:?}"));
            }
            XmlEvent::EndDocument => return Ok(out),
            XmlEvent::ProcessingInstruction { .. } if depth > 0 => {
                return Err("processing instruction inside the root element".into());
            }
            XmlEvent::Doctype { .. } => return Err("doctype".into()),
            _ => {}
        }
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn agree(label: &str, text: &str) {
    let (a, b) = (ours(text), xml_rs(text));
    match (&a, &b) {
        (Ok(x), Ok(y)) => assert_eq!(x, y, "{label}: the readers see different events"),
        (Err(_), Err(_)) => {}
        _ => panic!("{label}: XmlReader {a:?}\nxml-rs {b:?}\n{text:?}"),
    }
}

#[test]
fn fixtures_and_seeds_read_the_same() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths = Vec::new();
    for dir in [
        "tests/fixtures",
        "fuzz/corpus/parse_request",
        "fuzz/corpus/parse_response",
    ] {
        files(&root.join(dir), &mut paths);
    }
    let mut documents = 0;
    for path in paths {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if !text.trim_start().starts_with('<') && !text.starts_with('\u{feff}') {
            continue;
        }
        agree(&path.display().to_string(), &text);
        documents += 1;
    }
    assert!(documents > 150, "only {documents} documents found");
}

#[test]
fn edge_cases_read_the_same() {
    let mut failures = Vec::new();
    for text in [
        "<a>x\r\ny\rz</a>",
        "<a b='1\t2\r\n3&#10;4&#9;5 &quot;&apos;&lt;&gt;&amp;'/>",
        "<a>&#x41;&#66;&lt;&amp;<![CDATA[<&>]]>\r\n</a>",
        "<a>x<!-- c -->y</a>",
        "<a> <b/> </a>",
        "\u{feff}<?xml version='1.0' encoding='utf-16'?>\r\n<a/>\r\n",
        "<?xml version='1.0'?><!-- c --><a/><!-- d -->",
        "<a xmlns='u' xmlns:x='v' x:y='1'><x:b/></a>",
        "<a b='&#x10FFFF;'>&#xD7FF;&#xE000;</a>",
        "<a>\u{85}\u{2028}</a>",
        "<a>]]</a>",
        "<a b=\"'\" c='\"'/>",
        "<a.b-c_d/>",
        "<a\u{e9}/>",
        // Refused by both.
        "<a>&foo;</a>",
        "<a>&#0;</a>",
        "<a>&#xD800;</a>",
        "<a>\u{1}</a>",
        "<a>\u{FFFE}</a>",
        "<a b='1' b='2'/>",
        "<a b=1/>",
        "<1a/>",
        "<-a/>",
        "<a></b>",
        "<a>",
        "</a>",
        "x<a/>",
        "<a/>x",
        "",
        " ",
        "<a/><?xml version='1.0'?>",
        " <?xml version='1.0'?><a/>",
        "<a><!-- x -- y --></a>",
        "<a>&amp</a>",
        "<a>& b</a>",
        "<a b='&amp'/>",
        "<a><![CDATA[x]]]></a>",
        "<!DOCTYPE a><a/>",
    ] {
        let result = std::panic::catch_unwind(|| agree(text, text));
        if result.is_err() {
            failures.push(text);
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

/// Where the readers part company, on purpose.
#[test]
fn known_differences() {
    // A processing instruction inside the root element: xml-rs hands it out (and the
    // bindings then refused the document); XmlReader drops it like a comment.
    assert!(ours("<a>x<?p?>y</a>").is_ok());
    // An undeclared prefix: xml-rs refuses it; XmlReader does not resolve prefixes, so
    // a sender's forgotten declaration does not cost the record.
    assert!(xml_rs("<a x:b='1'/>").is_err());
    assert_eq!(
        ours("<a x:b='1'/>").unwrap()[0],
        r#"start a [("x:b", "1")]"#
    );
    // A `<` in an attribute value, which XML forbids: xml-rs reads `</` there but
    // refuses `<` alone; XmlReader reads both (written back escaped).
    assert!(xml_rs("<a b='</'/>").is_ok());
    assert!(xml_rs("<a b='<'/>").is_err());
    assert_eq!(ours("<a b='<'/>").unwrap()[0], r#"start a [("b", "<")]"#);
    // A second root element: xml-rs reads it (the bindings then refused what followed
    // the root); XmlReader refuses it at once.
    assert!(xml_rs("<a/><b/>").is_ok());
    assert!(ours("<a/><b/>").is_err());
}

/// Whether a quoted value after `=` holds a `<` (which XmlReader reads, see
/// `known_differences`).
fn lt_in_quotes(text: &str) -> bool {
    let mut rest = text;
    while let Some(i) = rest.find(['"', '\'']) {
        let quote = rest.as_bytes()[i] as char;
        let after = &rest[i + 1..];
        let Some(end) = after.find(quote) else {
            return false;
        };
        if rest[..i].ends_with('=') && after[..end].contains('<') {
            return true;
        }
        rest = &after[end + 1..];
    }
    false
}

/// Seeded mutations of the fuzzers' seeds (markup characters put in, bytes dropped or
/// doubled): both readers accept or refuse each, and see the same events.
#[test]
fn mutated_seeds_read_the_same() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths = Vec::new();
    files(&root.join("fuzz/corpus/parse_response"), &mut paths);
    files(&root.join("fuzz/corpus/parse_request"), &mut paths);
    paths.sort();
    let seeds: Vec<String> = paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|t| t.len() < 20_000)
        .collect();
    assert!(!seeds.is_empty());
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    const PIECES: &[&str] = &[
        "<",
        ">",
        "&",
        ";",
        "'",
        "\"",
        "/",
        "!",
        "?",
        "[",
        "]",
        "-",
        ":",
        "\r",
        "\n",
        "\t",
        " ",
        "x",
        "&amp;",
        "&#",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<?",
        "?>",
        "</",
        "/>",
        "=",
        "xmlns:p='u'",
        "p:",
        "\u{1}",
        "\u{e9}",
    ];
    let mut differences = Vec::new();
    for round in 0..3000 {
        let mut text = seeds[next(seeds.len())].clone();
        for _ in 0..1 + next(3) {
            let mut at = next(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            match next(3) {
                0 => text.insert_str(at, PIECES[next(PIECES.len())]),
                1 => {
                    let mut end = (at + 1 + next(4)).min(text.len());
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    text.replace_range(at..end, "");
                }
                _ => {
                    let mut end = (at + 1 + next(8)).min(text.len());
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    let piece = text[at..end].to_string();
                    text.insert_str(at, &piece);
                }
            }
        }
        let (a, b) = (ours(&text), xml_rs(&text));
        let same = match (&a, &b) {
            (Ok(x), Ok(y)) => x == y,
            (Err(_), Err(_)) => true,
            // The known differences (see `known_differences`).
            (Ok(events), Err(e)) => {
                e.contains("prefix")
                    || e.contains("processing instruction")
                    || lt_in_quotes(&text)
                    || events
                        .iter()
                        .any(|e| e.starts_with("start") && e.contains('<'))
            }
            (Err(e), Ok(_)) => e.contains("second root element"),
        };
        if !same {
            let context = match &b {
                Err(e) => e
                    .split_once(' ')
                    .and_then(|(pos, _)| pos.split_once(':'))
                    .and_then(|(l, c)| Some((l.parse::<usize>().ok()?, c.parse::<usize>().ok()?)))
                    .and_then(|(l, c)| text.lines().nth(l - 1).map(|line| (line.to_string(), c)))
                    .map(|(line, c)| format!("{line:?} at {c}"))
                    .unwrap_or_default(),
                Ok(_) => match &a {
                    Err(e) => e
                        .split_once("line ")
                        .and_then(|(_, rest)| rest.split_once(','))
                        .and_then(|(l, _)| l.parse::<usize>().ok())
                        .and_then(|l| text.lines().nth(l - 1))
                        .map(|line| format!("{line:?}"))
                        .unwrap_or_default(),
                    Ok(_) => String::new(),
                },
            };
            differences.push(format!(
                "round {round}: XmlReader {}; xml-rs {}; {context}",
                a.as_ref().err().map_or("accepts", String::as_str),
                b.as_ref().err().map_or("accepts", String::as_str)
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
