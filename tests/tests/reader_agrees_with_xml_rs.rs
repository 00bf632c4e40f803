//! `XmlReader` (the bindings' event source) against xml-rs (the
//! reader the bindings used before): the same events in every fixture and in
//! hand-picked edge cases, the same refusals, and only the listed leniencies apart;
//! and `XmlWriter` (under every writer) against xml-rs's writer: what is read, written
//! back compact and indented, is what xml-rs's writer wrote (`write_back` asserts it).
//! The fuzz target `xml_reader` and `fuzz_properties.rs` run the same comparisons on
//! mutated documents (`systmone_tests::fuzz::xml_reader`).

use std::path::Path;

use systmone_tests::fuzz::{
    known_difference, reader_events as ours, write_back, xml_rs_events as xml_rs,
};
use systmone_tests::workspace_root;

fn agree(label: &str, text: &str) -> Result<(), String> {
    let (a, b) = (ours(text), xml_rs(text));
    if a.is_ok() {
        write_back(text, false);
        write_back(text, true);
    }
    match (&a, &b) {
        (Ok(x), Ok(y)) if x == y => Ok(()),
        (Err(_), Err(_)) => Ok(()),
        _ => Err(format!("{label}: XmlReader {a:?}\nxml-rs {b:?}")),
    }
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "xml") {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_reads_the_same() {
    let mut paths = Vec::new();
    files(&workspace_root().join("tests/fixtures"), &mut paths);
    assert!(paths.len() > 100, "only {} fixtures", paths.len());
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            agree(&p.display().to_string(), &text).err()
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
        if let Err(e) = agree(text, text) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Where the readers part company, on purpose (`known_difference`).
#[test]
fn known_differences() {
    for text in [
        "<a>x<?p?>y</a>",
        "<a x:b='1'/>",
        "<a b='<'/>",
        "<a/><b/>",
        "<p:a xmlns:p='u'><p:1/></p:a>",
    ] {
        let (a, b) = (ours(text), xml_rs(text));
        assert!(a.is_ok() != b.is_ok(), "{text}: {a:?} {b:?}");
        assert!(known_difference(text, &a, &b), "{text}: {a:?} {b:?}");
    }
    // A processing instruction inside the root element is dropped like a comment; an
    // undeclared prefix is kept as written; a `<` in an attribute value is kept.
    assert_eq!(ours("<a>x<?p?>y</a>").unwrap()[1], r#"text "xy""#);
    assert_eq!(
        ours("<a x:b='1'/>").unwrap()[0],
        r#"start a [("x:b", "1")]"#
    );
    assert_eq!(ours("<a b='<'/>").unwrap()[0], r#"start a [("b", "<")]"#);
    // A second root element is refused at once.
    assert!(
        ours("<a/><b/>")
            .unwrap_err()
            .contains("second root element")
    );
}
