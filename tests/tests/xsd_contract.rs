//! The XSD contract checked by an independent validator: every valid fixture must
//! validate against its function's schema with libxml2's `xmllint --schema`, and every
//! bad-input fixture (`bad-*`) must be rejected. This proves the schemas say what the
//! interface document says, independently of our own Rust parser.
//!
//! `cargo xtask test` installs `xmllint` (Debian package `libxml2-utils`) when it is
//! missing. Without it the tests that run it are reported as ignored (the build script
//! looks for it: `cfg(missing_xmllint)`), except under CI (`CI` set), where they fail.

use std::collections::BTreeSet;
use std::process::Command;

use systmone_tests::{fixtures, workspace_root};

/// The functions the bindings include, as codegen read them from `xsd/` (one list of
/// functions: no hand-kept copy here). The document has 17.
fn functions() -> Vec<&'static str> {
    let names: Vec<&str> = systmone_bindings::FUNCTIONS
        .iter()
        .map(|(f, _)| *f)
        .collect();
    assert_eq!(
        names.len(),
        17,
        "the document lists 17 functions: {names:?}"
    );
    names
}

struct Outcome {
    ok: bool,
    output: String,
}

fn xmllint(schema: &std::path::Path, doc: &std::path::Path) -> Outcome {
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(schema)
        .arg(doc)
        .output()
        .expect(
            "xmllint not found: install libxml2-utils (`cargo xtask test` does) to check the XSD contract",
        );
    Outcome {
        ok: out.status.success(),
        output: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Validates a document given as bytes (on xmllint's standard input).
fn xmllint_bytes(schema: &std::path::Path, doc: &[u8]) -> Outcome {
    use std::io::Write;
    use std::process::Stdio;

    let mut child = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(schema)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect(
            "xmllint not found: install libxml2-utils (`cargo xtask test` does) to check the XSD contract",
        );
    let mut stdin = child.stdin.take().expect("piped stdin");
    let doc = doc.to_vec();
    // Written from a thread so that a full stderr pipe cannot deadlock the exchange.
    let writer = std::thread::spawn(move || stdin.write_all(&doc));
    let out = child.wait_with_output().expect("xmllint ran");
    writer
        .join()
        .expect("writer thread")
        .expect("document written to xmllint");
    Outcome {
        ok: out.status.success(),
        output: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// F10: a production .NET client declares `encoding="utf-16"` but sends ASCII bytes.
/// libxml2 refuses such a document before validating it ("Document labelled UTF-16 but
/// has UTF-8 content"), so for a document whose declaration says UTF-16 while its bytes
/// carry no UTF-16 byte-order mark and no NUL byte, this returns the same bytes with only
/// the declared encoding replaced by UTF-8, for the schema check. `None` otherwise.
fn relabel_mislabelled_utf16(doc: &[u8]) -> Option<Vec<u8>> {
    if !doc.starts_with(b"<?xml") || doc.contains(&0) {
        return None;
    }
    let end = doc.windows(2).position(|w| w == b"?>")?;
    let declaration = std::str::from_utf8(&doc[..end]).ok()?;
    let lower = declaration.to_ascii_lowercase();
    let label = ["encoding=\"utf-16\"", "encoding='utf-16'"]
        .into_iter()
        .find_map(|l| lower.find(l).map(|at| (at, l.len())))?;
    let (at, len) = label;
    let mut relabelled = Vec::with_capacity(doc.len());
    relabelled.extend_from_slice(&doc[..at]);
    relabelled.extend_from_slice(b"encoding=\"UTF-8\"");
    relabelled.extend_from_slice(&doc[at + len..]);
    Some(relabelled)
}

#[test]
#[cfg_attr(
    missing_xmllint,
    ignore = "needs xmllint: install Debian's libxml2-utils (cargo xtask test does)"
)]
fn there_is_one_schema_per_function_and_it_compiles() {
    let xsd = workspace_root().join("xsd");
    let mut missing = Vec::new();
    for function in functions() {
        let schema = xsd.join(format!("{function} v1.0.xsd"));
        if !schema.is_file() {
            missing.push(schema.display().to_string());
            continue;
        }
        // Validating the schema file itself: it compiles if the only complaint is that
        // `xs:schema` is not a ClientIntegration root.
        let out = xmllint(&schema, &schema);
        assert!(
            !out.output.contains("failed to compile") && !out.output.contains("parser error"),
            "{function}: schema does not compile:\n{}",
            out.output
        );
    }
    assert!(missing.is_empty(), "missing schemas: {missing:?}");
}

#[test]
fn every_function_has_request_and_response_fixtures() {
    let all = fixtures();
    for function in functions() {
        for direction in ["request", "response"] {
            assert!(
                all.iter()
                    .any(|f| f.function == function && f.name == direction && !f.is_bad()),
                "{function}: no {direction}.xml fixture"
            );
        }
    }
    let known: BTreeSet<&str> = functions().into_iter().collect();
    for f in &all {
        assert!(
            known.contains(f.function.as_str()),
            "{}: fixture folder is not one of the 17 functions",
            f.relative_path()
        );
    }
}

#[test]
#[cfg_attr(
    missing_xmllint,
    ignore = "needs xmllint: install Debian's libxml2-utils (cargo xtask test does)"
)]
fn valid_fixtures_validate_and_bad_ones_are_rejected() {
    let all = fixtures();
    assert!(
        all.len() >= 34,
        "fixture corpus looks empty: {} files",
        all.len()
    );
    let mut failures = Vec::new();
    let (mut valid, mut rejected) = (0, 0);
    for f in &all {
        let bytes = std::fs::read(&f.path).unwrap_or_else(|e| panic!("{}: {e}", f.path.display()));
        let out = match relabel_mislabelled_utf16(&bytes) {
            Some(relabelled) => xmllint_bytes(&f.schema(), &relabelled),
            None => xmllint(&f.schema(), &f.path),
        };
        match (f.is_bad(), out.ok) {
            (false, true) => valid += 1,
            (true, false) => rejected += 1,
            (false, false) => failures.push(format!(
                "{} should validate against {} but xmllint said:\n{}",
                f.relative_path(),
                f.schema().display(),
                out.output
            )),
            (true, true) => failures.push(format!(
                "{} is a bad-input fixture but validates against {}",
                f.relative_path(),
                f.schema().display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("xmllint: {valid} valid fixtures validated, {rejected} bad fixtures rejected");
}

/// Every element and attribute the schemas declare carries the document's description
/// (`xs:annotation/xs:documentation`), so the generated Rust has it as rustdoc.
#[test]
fn every_declaration_is_documented() {
    use xml::reader::{EventReader, XmlEvent};

    let mut missing = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(workspace_root().join("xsd"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xsd"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 18,
        "expected 17 function schemas and the common one"
    );
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        // (local name, name attribute of a declaration, documented)
        let mut stack: Vec<(String, Option<String>, bool)> = Vec::new();
        for event in EventReader::new(text.as_bytes()) {
            match event.unwrap() {
                XmlEvent::StartElement {
                    name, attributes, ..
                } => {
                    let local = name.local_name;
                    if local == "documentation" {
                        let n = stack.len();
                        if n >= 2 && stack[n - 1].0 == "annotation" {
                            stack[n - 2].2 = true;
                        }
                    }
                    let declared = (local == "element" || local == "attribute")
                        .then(|| {
                            attributes
                                .iter()
                                .find(|a| a.name.local_name == "name")
                                .map(|a| a.value.clone())
                        })
                        .flatten();
                    stack.push((local, declared, false));
                }
                XmlEvent::EndElement { .. } => {
                    let (_, declared, documented) = stack.pop().unwrap();
                    if let Some(name) = declared
                        && !documented
                    {
                        missing.push(format!(
                            "{}: {name}",
                            path.file_name().unwrap().to_string_lossy()
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    assert!(
        missing.is_empty(),
        "declarations without xs:documentation: {missing:?}"
    );
}

/// Every function schema says, machine-readably, whether its function reads or writes:
/// exactly one `<xs:appinfo source="systmone:call-kind">` holding `read` or `write`,
/// in the annotation of the `<Function>FunctionName` type, where codegen reads it. The
/// generated classification must agree with it, and the writes must be exactly the
/// functions the document says change the record or the client: a write is never
/// retried blindly, so this one list is checked against the document here.
#[test]
fn every_function_schema_declares_its_call_kind() {
    use systmone_core::CallKind;
    use xml::reader::{EventReader, XmlEvent};

    const SOURCE: &str = "systmone:call-kind";
    let mut problems = Vec::new();
    for function in functions() {
        let path = workspace_root()
            .join("xsd")
            .join(format!("{function} v1.0.xsd"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name_type = format!("{function}FunctionName");
        // Open elements: (local name, value of its `name` attribute, or of `source`
        // for an appinfo).
        let mut stack: Vec<(String, Option<String>)> = Vec::new();
        // Each call-kind appinfo: (whether it sits in the annotation of the
        // FunctionName type, its text); `in_call_kind` is the one being read.
        let mut in_call_kind: Option<(bool, String)> = None;
        let mut found: Vec<(bool, String)> = Vec::new();
        for event in EventReader::new(text.as_bytes()) {
            match event.unwrap_or_else(|e| panic!("{}: {e}", path.display())) {
                XmlEvent::StartElement {
                    name, attributes, ..
                } => {
                    let key = if name.local_name == "appinfo" {
                        "source"
                    } else {
                        "name"
                    };
                    let value = attributes
                        .iter()
                        .find(|a| a.name.local_name == key)
                        .map(|a| a.value.clone());
                    if name.local_name == "appinfo" && value.as_deref() == Some(SOURCE) {
                        let n = stack.len();
                        let placed = n >= 2
                            && stack[n - 1].0 == "annotation"
                            && stack[n - 2].0 == "simpleType"
                            && stack[n - 2].1.as_deref() == Some(name_type.as_str());
                        in_call_kind = Some((placed, String::new()));
                    }
                    stack.push((name.local_name, value));
                }
                XmlEvent::Characters(chars) | XmlEvent::CData(chars) => {
                    if let Some((_, text)) = in_call_kind.as_mut() {
                        text.push_str(&chars);
                    }
                }
                XmlEvent::EndElement { name } => {
                    stack.pop();
                    if name.local_name == "appinfo"
                        && let Some(done) = in_call_kind.take()
                    {
                        found.push(done);
                    }
                }
                _ => {}
            }
        }
        const DOCUMENTED_WRITES: [&str; 5] = [
            "UpdatePatientRecord",
            "DeleteFromPatientRecord",
            "LaunchFunctionality",
            "DataExtract",
            "ExitClient",
        ];
        let expected = if DOCUMENTED_WRITES.contains(&function) {
            "write"
        } else {
            "read"
        };
        let generated = match systmone_bindings::call_kind(function) {
            CallKind::Read => "read",
            CallKind::Write => "write",
        };
        if generated != expected {
            problems.push(format!(
                "{function}: the bindings classify it {generated:?}, the document {expected:?}"
            ));
        }
        match found.as_slice() {
            [(true, kind)] if kind == expected => {}
            [(true, kind)] => problems.push(format!(
                "{function}: call-kind is {kind:?}, but the document makes it {expected:?}"
            )),
            [(false, _)] => problems.push(format!(
                "{function}: the call-kind appinfo is not in the annotation of {name_type}"
            )),
            other => problems.push(format!(
                "{function}: expected exactly one call-kind appinfo, found {}",
                other.len()
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The F10 fixture keeps the .NET client's wire form (declared UTF-16, ASCII bytes, CRLF,
/// no `<EOF>` in the file), which libxml2 cannot read as is: the contract test validates
/// it relabelled (see `relabel_mislabelled_utf16`), and only the label differs.
#[test]
#[cfg_attr(
    missing_xmllint,
    ignore = "needs xmllint: install Debian's libxml2-utils (cargo xtask test does)"
)]
fn the_dotnet_fixture_is_mislabelled_utf16_and_validates_relabelled() {
    let all = fixtures();
    let fixture = all
        .iter()
        .find(|f| f.function == "GetDiary" && f.name == "f10-dotnet" && f.is_request())
        .expect("GetDiary/v1.0/f10-dotnet.request.xml");
    let bytes = std::fs::read(&fixture.path).unwrap();
    assert!(bytes.is_ascii(), "F10: the bytes are ASCII");
    assert!(
        bytes.starts_with(b"<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n"),
        "F10: declared utf-16, CRLF line endings"
    );
    assert!(
        !bytes.windows(5).any(|w| w == b"<EOF>"),
        "no <EOF> in the file"
    );

    let as_is = xmllint(&fixture.schema(), &fixture.path);
    assert!(
        !as_is.ok && as_is.output.contains("UTF-16"),
        "xmllint was expected to refuse the mislabelled document; it said:\n{}",
        as_is.output
    );
    let relabelled = relabel_mislabelled_utf16(&bytes).expect("declared utf-16");
    assert_eq!(
        relabelled.len(),
        bytes.len() - "utf-16".len() + "UTF-8".len()
    );
    let out = xmllint_bytes(&fixture.schema(), &relabelled);
    assert!(out.ok, "relabelled F10 request:\n{}", out.output);

    // A document that is really UTF-16, or declared UTF-8, is left alone.
    assert!(relabel_mislabelled_utf16(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><a/>").is_none());
    let utf16: Vec<u8> = "<?xml version=\"1.0\" encoding=\"utf-16\"?><a/>"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert!(relabel_mislabelled_utf16(&utf16).is_none());
}
