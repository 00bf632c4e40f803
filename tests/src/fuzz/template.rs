//! The template filler of the `systmone template` command (`crates/cli/src/template_fill.rs`).

use std::collections::BTreeMap;

use crate::template_fill::{fill, placeholders};

/// A value with every character the filler must escape, and an `@` that must not
/// become a placeholder.
const AWKWARD_VALUE: &str = "a&b<c>d\"e'f @g|h";

/// Any text as a template: no panic; each placeholder found is an `@`, its name and
/// its alternatives, in order and without overlap; filled with a value for each name
/// (the first listed alternative where there is one), it succeeds exactly when each
/// value is allowed everywhere its name appears, and the result is the template with
/// each placeholder replaced by the escaped value, the rest untouched; an unknown
/// name or a missing value is refused; defaults fill like values.
pub fn template(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let found = placeholders(text);
    let mut previous_end = 0;
    let mut line = 1;
    let mut lines_counted_to = 0;
    for p in &found {
        assert!(
            p.start >= previous_end,
            "overlapping placeholders: {found:?}"
        );
        let token = &text[p.start..p.end];
        assert!(token.starts_with('@'), "{token:?}");
        assert!(token[1..].starts_with(&p.name), "{token:?} / {p:?}");
        assert!(!p.name.is_empty());
        assert!(
            p.name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{p:?}"
        );
        line += text[lines_counted_to..p.start].matches('\n').count();
        lines_counted_to = p.start;
        assert_eq!(p.line, line, "{p:?}");
        previous_end = p.end;
    }

    let mut values = BTreeMap::new();
    for p in &found {
        values.entry(p.name.clone()).or_insert_with(|| {
            p.alternatives
                .first()
                .cloned()
                .unwrap_or_else(|| AWKWARD_VALUE.to_string())
        });
    }
    let allowed = found
        .iter()
        .all(|p| p.alternatives.is_empty() || p.alternatives.contains(&values[&p.name]));
    let none = BTreeMap::new();
    let filled = fill(text, &values, &none);
    assert_eq!(filled.is_ok(), allowed, "{filled:?} for {values:?}");
    if let Ok(filled) = &filled {
        let mut expected = String::new();
        let mut at = 0;
        for p in &found {
            expected.push_str(&text[at..p.start]);
            for c in values[&p.name].chars() {
                match c {
                    '&' => expected.push_str("&amp;"),
                    '<' => expected.push_str("&lt;"),
                    '>' => expected.push_str("&gt;"),
                    '"' => expected.push_str("&quot;"),
                    '\'' => expected.push_str("&apos;"),
                    c => expected.push(c),
                }
            }
            at = p.end;
        }
        expected.push_str(&text[at..]);
        assert_eq!(filled, &expected);
    }
    assert_eq!(fill(text, &none, &values).ok(), filled.ok(), "defaults");

    let mut unknown = values.clone();
    let name = (0..)
        .map(|i| format!("NotInTheTemplate{i}"))
        .find(|n| !values.contains_key(n))
        .expect("a free name");
    unknown.insert(name, "x".into());
    assert!(
        fill(text, &unknown, &none).is_err(),
        "unknown name accepted"
    );
    if let Some(first) = values.keys().next() {
        let mut missing = values.clone();
        missing.remove(&first.clone());
        let e = fill(text, &missing, &none).expect_err("missing value accepted");
        assert!(e.to_string().contains("missing value for"), "{e}");
    }
}
