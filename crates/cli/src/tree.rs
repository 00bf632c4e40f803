//! A small element tree for showing documents to people: indented text, JSON, and
//! the look-ups the summaries and the demo need. Typed parsing is the bindings' job;
//! this only reads documents the bindings already accepted (or wrote).

use std::fmt::Write as _;

use serde_json::{Map, Value};
use xml::common::Position;
use xml::reader::{EventReader, ParserConfig, XmlEvent};

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
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        systmone_core::xml::check_depth(text, systmone_core::xml::MAX_DEPTH)?;
        let config = ParserConfig::new()
            .trim_whitespace(false)
            .whitespace_to_characters(true)
            .cdata_to_characters(true)
            .ignore_comments(true)
            .coalesce_characters(true);
        let reader = EventReader::new_with_config(text.as_bytes(), config);
        let mut stack: Vec<Node> = Vec::new();
        let mut root = None;
        for event in reader {
            match event.map_err(|e| {
                anyhow::anyhow!(
                    "not well-formed XML at line {}, column {}: {}",
                    e.position().row + 1,
                    e.position().column + 1,
                    e.msg()
                )
            })? {
                XmlEvent::StartElement {
                    name, attributes, ..
                } => stack.push(Node {
                    name: exact(name.local_name),
                    attrs: attributes
                        .into_iter()
                        .map(|a| (exact(a.name.local_name), exact(a.value)))
                        .collect::<Vec<_>>()
                        .fitted(),
                    ..Node::default()
                }),
                XmlEvent::Characters(t) => {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&t);
                    }
                }
                XmlEvent::EndElement { .. } => {
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
                        None => root = Some(node),
                    }
                }
                _ => {}
            }
        }
        root.ok_or_else(|| anyhow::anyhow!("the document has no root element"))
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

    /// JSON: an element with only text is a string; otherwise an object with
    /// attributes as `@name`, children by name (arrays when repeated) and text as
    /// `#text`. An empty element (a presence flag) is `""`.
    pub fn to_json(&self) -> Value {
        if self.children.is_empty() && self.attrs.is_empty() {
            return Value::String(self.text.clone());
        }
        let mut map = Map::new();
        for (n, v) in &self.attrs {
            map.insert(format!("@{n}"), Value::String(v.clone()));
        }
        for c in &self.children {
            let value = c.to_json();
            match map.get_mut(&c.name) {
                Some(Value::Array(items)) if self.children_named(&c.name).count() > 1 => {
                    items.push(value)
                }
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, value]);
                }
                None => {
                    map.insert(c.name.clone(), value);
                }
            }
        }
        if !self.text.trim().is_empty() {
            map.insert("#text".into(), Value::String(self.text.clone()));
        }
        Value::Object(map)
    }

    /// The element as a JSON object `{ name: ... }`.
    pub fn to_json_document(&self) -> Value {
        let mut map = Map::new();
        map.insert(self.name.clone(), self.to_json());
        Value::Object(map)
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

/// Writes `node` as compact XML, presence flags as `<X></X>`.
pub fn write_xml(node: &Node, out: &mut String) {
    out.push('<');
    out.push_str(&node.name);
    for (n, v) in &node.attrs {
        let _ = write!(out, " {n}=\"{}\"", escape(v));
    }
    out.push('>');
    out.push_str(&escape(&node.text));
    for c in &node.children {
        write_xml(c, out);
    }
    let _ = write!(out, "</{}>", node.name);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_children_become_arrays() {
        let n = Node::parse("<R><A>1</A><A>2</A><A>3</A><B x=\"y\"/></R>").unwrap();
        assert_eq!(
            n.to_json().to_string(),
            r#"{"A":["1","2","3"],"B":{"@x":"y"}}"#
        );
        let mut leaves = Vec::new();
        n.leaves("", &mut leaves);
        assert_eq!(leaves.len(), 4);
    }
}
