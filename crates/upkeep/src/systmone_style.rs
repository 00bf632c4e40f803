//! Writing a schema the way SystmOne's GetXSDFiles does (F13): one self-contained file per
//! function version, the request only, every type anonymous and nested where it is used,
//! enumerations inline, `Function` a fixed string and `FunctionVersion` an `xs:decimal`
//! fixed at the version. The simulator serves our schemas in this style, so every
//! maintainer test meets the style real clients write.
//!
//! ```
//! use std::path::Path;
//! use systmone_upkeep::{systmone_style, xsd_diff};
//! let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../xsd/PatientSearch v1.0.xsd");
//! let text = systmone_style::write(&xsd_diff::load(&ours).unwrap(), "PatientSearch", "1.0");
//! assert!(text.contains(r#"<xs:element name="FunctionVersion" type="xs:decimal" fixed="1.0" />"#));
//! assert!(!text.contains("ClientIntegrationResponse") && !text.contains("xs:include"));
//! ```
//!
//! It is written from the request side of [`SchemaView`]:
//! the same paths, occurrences, lexical types and enumerations, so `xsd-diff` of ours
//! against it finds no change. Our Event's lax wildcard is written after the data items
//! it holds (SystmOne's files list them; ours declare them as global elements).

use std::fmt::Write as _;

use crate::xsd_diff::{Node, NodeKind, SchemaView, Side};

const ROOT: &str = "/ClientIntegrationRequest";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The XSD built-in of a lexical family.
fn builtin(lexical: &str) -> String {
    match lexical {
        "unsigned integer" => "xs:nonNegativeInteger".into(),
        other => format!("xs:{other}"),
    }
}

/// Splits `a|union(b|c)|d` at its top-level bars.
fn members(inner: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => {
                out.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&inner[start..]);
    out
}

/// An anonymous simple type for the lexical type `ty` (`union(date|dateTime)`), or the
/// built-in to name in `type="..."`.
enum Simple {
    Builtin(String),
    Anonymous(String),
}

fn simple(ty: &str, indent: &str) -> Simple {
    if let Some(inner) = ty.strip_prefix("union(").and_then(|t| t.strip_suffix(')')) {
        let mut builtins = Vec::new();
        let mut nested = String::new();
        for member in members(inner) {
            match simple(member, &format!("{indent}    ")) {
                Simple::Builtin(b) => builtins.push(b),
                Simple::Anonymous(a) => nested.push_str(&a),
            }
        }
        let member_types = if builtins.is_empty() {
            String::new()
        } else {
            format!(" memberTypes=\"{}\"", builtins.join(" "))
        };
        let mut out = String::new();
        if nested.is_empty() {
            let _ = writeln!(
                out,
                "{indent}<xs:simpleType>\n{indent}  <xs:union{member_types} />\n{indent}</xs:simpleType>"
            );
        } else {
            let _ = write!(
                out,
                "{indent}<xs:simpleType>\n{indent}  <xs:union{member_types}>\n{nested}{indent}  </xs:union>\n{indent}</xs:simpleType>\n"
            );
        }
        return Simple::Anonymous(out);
    }
    if let Some(inner) = ty.strip_prefix("list(").and_then(|t| t.strip_suffix(')')) {
        return Simple::Anonymous(format!(
            "{indent}<xs:simpleType>\n{indent}  <xs:list itemType=\"{}\" />\n{indent}</xs:simpleType>\n",
            builtin(inner)
        ));
    }
    Simple::Builtin(builtin(ty))
}

/// The type of a leaf `n`: its enumeration inline (open ones as a union with free text),
/// or its lexical type.
fn leaf(n: &Node, indent: &str) -> Simple {
    if n.values.is_empty() {
        return simple(&n.ty, indent);
    }
    let base = match simple(&n.ty, indent) {
        Simple::Builtin(b) => b,
        Simple::Anonymous(_) => "xs:string".into(),
    };
    let values: String = n
        .values
        .iter()
        .map(|v| format!("{indent}    <xs:enumeration value=\"{}\" />\n", escape(v)))
        .collect();
    if n.open {
        let values: String = values.lines().map(|l| format!("    {l}\n")).collect();
        Simple::Anonymous(format!(
            "{indent}<xs:simpleType>\n{indent}  <xs:union memberTypes=\"xs:string\">\n{indent}    <xs:simpleType>\n{indent}      <xs:restriction base=\"{base}\">\n{values}{indent}      </xs:restriction>\n{indent}    </xs:simpleType>\n{indent}  </xs:union>\n{indent}</xs:simpleType>\n"
        ))
    } else {
        Simple::Anonymous(format!(
            "{indent}<xs:simpleType>\n{indent}  <xs:restriction base=\"{base}\">\n{values}{indent}  </xs:restriction>\n{indent}</xs:simpleType>\n"
        ))
    }
}

fn occurs(n: &Node) -> String {
    let mut out = String::new();
    if n.min != 1 {
        let _ = write!(out, " minOccurs=\"{}\"", n.min);
    }
    match n.max {
        None => out.push_str(" maxOccurs=\"unbounded\""),
        Some(1) => {}
        Some(m) => {
            let _ = write!(out, " maxOccurs=\"{m}\"");
        }
    }
    out
}

fn name_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

struct Writer<'a> {
    view: &'a SchemaView,
    out: String,
}

impl Writer<'_> {
    fn element(&mut self, path: &str, indent: &str) {
        let n = &self.view.nodes[path];
        let name = name_of(path);
        let occurs_attr = occurs(n);
        let children = self.view.children(path);
        if children.is_empty() && n.ty != "complex" && !n.ty.starts_with("complex(") {
            match leaf(n, &format!("{indent}  ")) {
                Simple::Builtin(b) => {
                    let _ = writeln!(
                        self.out,
                        "{indent}<xs:element name=\"{name}\" type=\"{b}\"{occurs_attr} />"
                    );
                }
                Simple::Anonymous(a) => {
                    let _ = write!(
                        self.out,
                        "{indent}<xs:element name=\"{name}\"{occurs_attr}>\n{a}{indent}</xs:element>\n"
                    );
                }
            }
            return;
        }
        let _ = writeln!(
            self.out,
            "{indent}<xs:element name=\"{name}\"{occurs_attr}>\n{indent}  <xs:complexType>"
        );
        let inner = format!("{indent}    ");
        if let Some(text) =
            n.ty.strip_prefix("complex(text: ")
                .and_then(|t| t.strip_suffix(')'))
        {
            let base = match simple(text, "") {
                Simple::Builtin(b) => b,
                Simple::Anonymous(_) => "xs:string".into(),
            };
            let _ = writeln!(
                self.out,
                "{inner}<xs:simpleContent>\n{inner}  <xs:extension base=\"{base}\">"
            );
            for (p, c) in &children {
                if c.kind == NodeKind::Attribute {
                    self.attribute(p, &format!("{inner}    "));
                }
            }
            let _ = writeln!(
                self.out,
                "{inner}  </xs:extension>\n{inner}</xs:simpleContent>"
            );
        } else {
            let elements: Vec<&str> = children
                .iter()
                .filter(|(_, c)| c.kind == NodeKind::Element)
                .map(|(p, _)| *p)
                .collect();
            let wildcard = children.iter().find(|(_, c)| c.kind == NodeKind::Wildcard);
            if !elements.is_empty() || wildcard.is_some() {
                let _ = writeln!(self.out, "{inner}<xs:sequence>");
                for p in elements {
                    self.element(p, &format!("{inner}  "));
                }
                if let Some((_, w)) = wildcard {
                    let process =
                        w.ty.strip_prefix("any(")
                            .and_then(|t| t.strip_suffix(')'))
                            .unwrap_or("lax");
                    let _ = writeln!(
                        self.out,
                        "{inner}  <xs:any processContents=\"{process}\"{} />",
                        occurs(w)
                    );
                }
                let _ = writeln!(self.out, "{inner}</xs:sequence>");
            }
            for (p, c) in &children {
                if c.kind == NodeKind::Attribute {
                    self.attribute(p, &inner);
                }
            }
        }
        let _ = writeln!(
            self.out,
            "{indent}  </xs:complexType>\n{indent}</xs:element>"
        );
    }

    fn attribute(&mut self, path: &str, indent: &str) {
        let n = &self.view.nodes[path];
        let name = name_of(path).trim_start_matches('@');
        if name == "*" {
            let _ = writeln!(
                self.out,
                "{indent}<xs:anyAttribute processContents=\"lax\" />"
            );
            return;
        }
        let use_ = if n.min > 0 { " use=\"required\"" } else { "" };
        match leaf(n, &format!("{indent}  ")) {
            Simple::Builtin(b) => {
                let _ = writeln!(
                    self.out,
                    "{indent}<xs:attribute name=\"{name}\" type=\"{b}\"{use_} />"
                );
            }
            Simple::Anonymous(a) => {
                let _ = write!(
                    self.out,
                    "{indent}<xs:attribute name=\"{name}\"{use_}>\n{a}{indent}</xs:attribute>\n"
                );
            }
        }
    }
}

/// The request side of `view` as SystmOne writes a function's schema (F13), CRLF line
/// ends and all.
pub fn write(view: &SchemaView, function: &str, version: &str) -> String {
    let request = SchemaView {
        nodes: view
            .nodes
            .iter()
            .filter(|(_, n)| n.side != Side::Response)
            .map(|(p, n)| (p.clone(), n.clone()))
            .collect(),
        request_only: true,
    };
    let mut w = Writer {
        view: &request,
        out: String::new(),
    };
    w.out.push_str(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<xs:schema elementFormDefault=\"qualified\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n  <xs:element name=\"ClientIntegrationRequest\">\n    <xs:complexType>\n      <xs:sequence>\n",
    );
    for (path, n) in request.children(ROOT) {
        match (n.kind, name_of(path)) {
            (NodeKind::Element, "Function") => {
                let _ = writeln!(
                    w.out,
                    "        <xs:element name=\"Function\" type=\"xs:string\" fixed=\"{}\" />",
                    escape(function)
                );
            }
            (NodeKind::Element, "FunctionVersion") => {
                let _ = writeln!(
                    w.out,
                    "        <xs:element name=\"FunctionVersion\" type=\"xs:decimal\" fixed=\"{}\" />",
                    escape(version)
                );
            }
            (NodeKind::Element, _) => w.element(path, "        "),
            _ => {}
        }
    }
    w.out
        .push_str("      </xs:sequence>\n    </xs:complexType>\n  </xs:element>\n</xs:schema>\n");
    w.out.replace('\n', "\r\n")
}
