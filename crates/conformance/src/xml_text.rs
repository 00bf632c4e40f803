//! Reading a few values out of a response document (UIDs, slot details, names),
//! whatever the bindings' version: the scenarios need values, not types.

/// The inner text of every `<name>...</name>` (and nothing for `<name/>`), entities
/// decoded. Elements are matched by exact name, not nested in themselves.
pub fn blocks<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find(&open) {
        let after = &rest[at + open.len()..];
        // `<NameX` is another element; `<Name/>` and `<Name .../>` are empty.
        let Some(next) = after.chars().next() else {
            break;
        };
        if !(next == '>' || next.is_whitespace() || next == '/') {
            rest = after;
            continue;
        }
        let Some(gt) = after.find('>') else { break };
        if after[..gt].ends_with('/') {
            rest = &after[gt + 1..];
            continue;
        }
        let body = &after[gt + 1..];
        match body.find(&close) {
            Some(end) => {
                found.push(&body[..end]);
                rest = &body[end + close.len()..];
            }
            None => break,
        }
    }
    found
}

/// The decoded text of the first `<name>` element, if any.
pub fn first_text(xml: &str, name: &str) -> Option<String> {
    blocks(xml, name).first().map(|t| decode(t))
}

/// The decoded text of every `<name>` element.
pub fn texts(xml: &str, name: &str) -> Vec<String> {
    blocks(xml, name).into_iter().map(decode).collect()
}

/// Whether the document holds a `<name>` element (empty or not).
pub fn has_element(xml: &str, name: &str) -> bool {
    let open = format!("<{name}");
    xml.match_indices(&open).any(|(at, _)| {
        xml[at + open.len()..]
            .chars()
            .next()
            .is_some_and(|c| c == '>' || c == '/' || c.is_whitespace())
    })
}

/// The five predefined entities and character references decoded.
pub fn decode(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let Some(semi) = after.find(';') else {
            out.push_str(after);
            return out;
        };
        let entity = &after[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&after[..=semi]),
        }
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    out
}

/// Text escaped for XML content.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_match_whole_names_only() {
        let xml = "<Event a=\"1\"><EventUID>7</EventUID></Event><Event/><Event>x &amp; y</Event>";
        assert_eq!(
            blocks(xml, "Event"),
            ["<EventUID>7</EventUID>", "x &amp; y"]
        );
        assert_eq!(first_text(xml, "EventUID").as_deref(), Some("7"));
        assert_eq!(texts(xml, "Event")[1], "x & y");
        assert!(has_element(xml, "EventUID"));
        assert!(!has_element(xml, "Even"));
        assert_eq!(decode("&#65;&#x42;&bogus;"), "AB&bogus;");
    }
}
