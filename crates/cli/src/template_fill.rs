//! The filler of the vendor's XML templates ("XML Templates" in the interface
//! document): `@Name` is a parameter, `@Name|A|B|C` a parameter with its allowed values.
//! Pure (no IO), so the fuzz harness (`tests/src/fuzz/`) compiles this file as it is.

use std::collections::BTreeMap;

use anyhow::bail;

use crate::tree::escape;

/// One `@Name[|A|B...]` in a template.
#[derive(Debug, Clone, PartialEq)]
pub struct Placeholder {
    pub name: String,
    /// The allowed values (empty: any value).
    pub alternatives: Vec<String>,
    /// Byte range of the whole token in the template.
    pub start: usize,
    pub end: usize,
    /// 1-based line of the token, for messages.
    pub line: usize,
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Finds the placeholders: an `@` that starts an element's text or an attribute's
/// value (so an e-mail address in text is not one).
pub fn placeholders(template: &str) -> Vec<Placeholder> {
    let mut found = Vec::new();
    let bytes = template.as_bytes();
    let mut i = 0;
    // Lines are counted as the scan goes: counting from the start for each
    // placeholder took time quadratic in the template's size.
    let mut line = 1;
    let mut lines_counted_to = 0;
    while i < bytes.len() {
        if bytes[i] != b'@' {
            i += 1;
            continue;
        }
        let before = template[..i].trim_end_matches([' ', '\t', '\r', '\n']);
        let starts_value = matches!(before.chars().last(), Some('>' | '"' | '\''));
        let name_len = template[i + 1..]
            .chars()
            .take_while(|c| is_name_char(*c))
            .count();
        if !starts_value || name_len == 0 {
            i += 1;
            continue;
        }
        let name = template[i + 1..i + 1 + name_len].to_string();
        let mut end = i + 1 + name_len;
        let mut alternatives = Vec::new();
        while template[end..].starts_with('|') {
            let rest = &template[end + 1..];
            let len = rest
                .find(['|', '<', '"', '\'', '\n', '\r'])
                .unwrap_or(rest.len());
            alternatives.push(rest[..len].trim().to_string());
            end += 1 + len;
        }
        line += template[lines_counted_to..i].matches('\n').count();
        lines_counted_to = i;
        found.push(Placeholder {
            name,
            alternatives,
            start: i,
            end,
            line,
        });
        i = end;
    }
    found
}

/// Fills `template` with `values`; `defaults` are used for names not in `values`.
/// Refuses names the template does not have, missing values and values outside the
/// listed alternatives.
pub fn fill(
    template: &str,
    values: &BTreeMap<String, String>,
    defaults: &BTreeMap<String, String>,
) -> anyhow::Result<String> {
    let found = placeholders(template);
    let mut names: Vec<&str> = found.iter().map(|p| p.name.as_str()).collect();
    names.sort();
    names.dedup();
    for name in values.keys() {
        if !names.contains(&name.as_str()) {
            if names.is_empty() {
                bail!("unknown template parameter {name:?}: the template has no @ parameters");
            }
            bail!(
                "unknown template parameter {name:?}{}: the template has {}",
                crate::checks::did_you_mean(name, names.iter().copied()),
                names
                    .iter()
                    .map(|n| format!("@{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let missing: Vec<String> = names
        .iter()
        .filter(|n| !values.contains_key(**n) && !defaults.contains_key(**n))
        .map(|n| format!("@{n}"))
        .collect();
    if !missing.is_empty() {
        let hint = if missing.iter().any(|m| m == "@APIKey") {
            "; @APIKey comes from --api-key or SYSTMONE_API_KEY"
        } else {
            ""
        };
        bail!(
            "missing value for {} (give it with --set Name=Value{hint})",
            missing.join(", ")
        );
    }
    let mut out = String::with_capacity(template.len());
    let mut at = 0;
    for p in &found {
        let value = values
            .get(&p.name)
            .or_else(|| defaults.get(&p.name))
            .expect("checked above");
        if !p.alternatives.is_empty() && !p.alternatives.iter().any(|a| a == value) {
            bail!(
                "value {value:?} for @{} (line {}) is not one of the listed alternatives: {}",
                p.name,
                p.line,
                p.alternatives.join(", ")
            );
        }
        out.push_str(&template[at..p.start]);
        out.push_str(&escape(value));
        at = p.end;
    }
    out.push_str(&template[at..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "<X><A>@APIKey</A><S>@NewStatus|Booked|Arrived|Finished</S>\
                     <C Scheme=\"@Scheme|CTV3|Snomed\"></C><E>me@example.com</E></X>";

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn finds_placeholders_not_emails() {
        let names: Vec<String> = placeholders(T).into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["APIKey", "NewStatus", "Scheme"]);
        assert_eq!(
            placeholders(T)[1].alternatives,
            ["Booked", "Arrived", "Finished"]
        );
    }

    #[test]
    fn fills_and_refuses() {
        let d = map(&[("APIKey", "k")]);
        let ok = fill(T, &map(&[("NewStatus", "Arrived"), ("Scheme", "CTV3")]), &d).unwrap();
        assert!(ok.contains("<S>Arrived</S>") && ok.contains("Scheme=\"CTV3\""));
        let e = fill(T, &map(&[("NewStatus", "Gone"), ("Scheme", "CTV3")]), &d).unwrap_err();
        assert!(
            e.to_string().contains("not one of the listed alternatives"),
            "{e}"
        );
        let e = fill(T, &map(&[("Scheme", "CTV3")]), &d).unwrap_err();
        assert!(
            e.to_string().contains("missing value for @NewStatus"),
            "{e}"
        );
        let e = fill(T, &map(&[("Nope", "1")]), &d).unwrap_err();
        assert!(e.to_string().contains("unknown template parameter"), "{e}");
    }
}
