//! A small element tree for showing documents to people: indented text, JSON, and
//! the look-ups the summaries and the demo need. Typed parsing is the bindings' job;
//! this only reads documents the bindings already accepted (or wrote).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::ser::{Serialize, SerializeMap, Serializer};
use systmone_core::xml::{Event, XmlReader};

/// One element: name, attributes, children and its own text (trimmed of the
/// whitespace between elements only when it has children).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
    pub text: String,
}

/// A vector without spare capacity. Attributes collected from the reader's vector
/// reuse its allocation (room for four attributes of twice the size).
trait Fitted {
    fn fitted(self) -> Self;
}

impl<T> Fitted for Vec<T> {
    fn fitted(mut self) -> Self {
        self.shrink_to_fit();
        self
    }
}

/// `text` without spare capacity: the XML reader's names and values come with room to
/// spare, which across the hundreds of thousands of elements of a large record was most
/// of the tree.
fn exact(mut text: String) -> String {
    text.shrink_to_fit();
    text
}

impl Node {
    /// Parses a whole document into its root element.
    pub fn parse(text: &str) -> anyhow::Result<Node> {
        let mut reader = XmlReader::new(text);
        let mut stack: Vec<Node> = Vec::new();
        loop {
            match reader.next_event()? {
                Event::Start { name, attributes } => stack.push(Node {
                    name: name.to_string(),
                    attrs: attributes
                        .into_iter()
                        .map(|a| (a.local_name().to_string(), exact(a.value.into_owned())))
                        .collect::<Vec<_>>()
                        .fitted(),
                    ..Node::default()
                }),
                Event::Text(t) => {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&t);
                    }
                }
                Event::End => {
                    let mut node = stack.pop().expect("balanced by the reader");
                    if !node.children.is_empty() && node.text.trim().is_empty() {
                        // Freed, not just emptied: a large record has hundreds of
                        // thousands of elements.
                        node.text = String::new();
                    }
                    node.children.shrink_to_fit();
                    node.text.shrink_to_fit();
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(node),
                        // The reader refuses anything but whitespace after the root.
                        None => return Ok(node),
                    }
                }
                Event::Eof => anyhow::bail!("the document has no root element"),
            }
        }
    }

    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The children named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Follows a `/`-separated path of child names.
    pub fn at(&self, path: &str) -> Option<&Node> {
        path.split('/')
            .filter(|s| !s.is_empty())
            .try_fold(self, |node, part| node.child(part))
    }

    /// The text at `path` (empty when absent).
    pub fn text_at(&self, path: &str) -> String {
        self.at(path).map(|n| n.text.clone()).unwrap_or_default()
    }

    /// Every descendant (self included) named `name`, in document order.
    pub fn find_all<'a>(&'a self, name: &str, out: &mut Vec<&'a Node>) {
        if self.name == name {
            out.push(self);
        }
        for c in &self.children {
            c.find_all(name, out);
        }
    }

    /// The first descendant named `name`.
    pub fn find(&self, name: &str) -> Option<&Node> {
        let mut all = Vec::new();
        self.find_all(name, &mut all);
        all.into_iter().next()
    }

    /// How many descendants are named `name`.
    pub fn count(&self, name: &str) -> usize {
        let mut all = Vec::new();
        self.find_all(name, &mut all);
        all.len()
    }

    /// `Path=Value` for every leaf (attributes as `Path@Name=Value`), in order.
    pub fn leaves(&self, prefix: &str, out: &mut Vec<(String, String)>) {
        for (name, value) in &self.attrs {
            out.push((format!("{prefix}@{name}"), value.clone()));
        }
        if self.children.is_empty() {
            if !prefix.is_empty() && (self.attrs.is_empty() || !self.text.is_empty()) {
                out.push((prefix.to_string(), self.text.clone()));
            }
            return;
        }
        for c in &self.children {
            let path = if prefix.is_empty() {
                c.name.clone()
            } else {
                format!("{prefix}/{}", c.name)
            };
            c.leaves(&path, out);
        }
    }

    /// Indented `Name: value` lines for people.
    pub fn render_text(&self, depth: usize, out: &mut String) {
        let indent = "  ".repeat(depth);
        let attrs: Vec<String> = self.attrs.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        if self.children.is_empty() {
            if self.text.is_empty() {
                let _ = writeln!(out, "{indent}{}{attrs}", self.name);
            } else {
                let _ = writeln!(out, "{indent}{}{attrs}: {}", self.name, self.text);
            }
        } else {
            let _ = writeln!(out, "{indent}{}{attrs}", self.name);
            for c in &self.children {
                c.render_text(depth + 1, out);
            }
        }
    }

    /// Writes the element as JSON `{ name: ... }`, indented, as it goes (a large
    /// record is never held as a JSON value or string): an element with only text is a
    /// string; otherwise an object with attributes as `@name`, children by name (arrays
    /// when repeated) and text as `#text`, keys in sorted order. An empty element (a
    /// presence flag) is `""`.
    pub fn write_json_document(&self, out: impl std::io::Write) -> serde_json::Result<()> {
        serde_json::to_writer_pretty(out, &JsonDocument(self))
    }
}

/// A node as the JSON document `{ name: value }`.
struct JsonDocument<'a>(&'a Node);

impl Serialize for JsonDocument<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(&self.0.name, &JsonValue(self.0))?;
        map.end()
    }
}

/// A node's JSON value (see [`Node::write_json_document`]).
struct JsonValue<'a>(&'a Node);

enum JsonEntry<'a> {
    Text(&'a str),
    Nodes(Vec<&'a Node>),
}

impl Serialize for JsonValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let node = self.0;
        if node.children.is_empty() && node.attrs.is_empty() {
            return serializer.serialize_str(&node.text);
        }
        // Children grouped by name in one pass (a record's Clinical holds tens of
        // thousands of Events).
        let mut entries: BTreeMap<std::borrow::Cow<'_, str>, JsonEntry<'_>> = BTreeMap::new();
        for (n, v) in &node.attrs {
            entries.insert(format!("@{n}").into(), JsonEntry::Text(v));
        }
        for c in &node.children {
            match entries.get_mut(c.name.as_str()) {
                Some(JsonEntry::Nodes(nodes)) => nodes.push(c),
                _ => {
                    entries.insert(c.name.as_str().into(), JsonEntry::Nodes(vec![c]));
                }
            }
        }
        if !node.text.trim().is_empty() {
            entries.insert("#text".into(), JsonEntry::Text(&node.text));
        }
        let mut map = serializer.serialize_map(Some(entries.len()))?;
        for (key, entry) in &entries {
            match entry {
                JsonEntry::Text(text) => map.serialize_entry(key, text)?,
                JsonEntry::Nodes(nodes) if nodes.len() == 1 => {
                    map.serialize_entry(key, &JsonValue(nodes[0]))?
                }
                JsonEntry::Nodes(nodes) => map.serialize_entry(
                    key,
                    &nodes.iter().map(|n| JsonValue(n)).collect::<Vec<_>>(),
                )?,
            }
        }
        map.end()
    }
}

/// Escapes text for element content or attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_children_become_arrays() {
        let n = Node::parse("<R><A>1</A><B x=\"y\"/><A>2</A><A>3</A>t</R>").unwrap();
        let mut json = Vec::new();
        n.write_json_document(&mut json).unwrap();
        let text = String::from_utf8(json.clone()).unwrap();
        let at = |key: &str| text.find(key).unwrap();
        assert!(
            at("#text") < at("\"A\"") && at("\"A\"") < at("\"B\""),
            "{text}"
        );
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(
            value.to_string(),
            r##"{"R":{"#text":"t","A":["1","2","3"],"B":{"@x":"y"}}}"##
        );
        let mut leaves = Vec::new();
        n.leaves("", &mut leaves);
        assert_eq!(leaves.len(), 4);
    }
}
