//! `systmone describe FUNCTION [PATH]`: a function's parameters (or, with
//! `--response`, its result) from the schema model, as an indented tree of names,
//! types, occurrence and the first sentence of each element's documentation; one
//! element or attribute in full when PATH leads to a value; `-o json` for tools.

use anyhow::bail;
use serde_json::{Value, json};
use systmone_core::schema::{
    Attribute, ComplexType, Content, Element, FunctionModel, Lexical, Node, Occurs, Particle, Text,
};

use crate::checks::did_you_mean;
use crate::options::{DescribeArgs, GlobalOpts};
use crate::output::OutputFormat;
use crate::request::resolve_function;

/// Deep enough for every type of the interface; a type that contained itself would be
/// cut here.
const MAX_DEPTH: usize = 16;

/// Documentation shown on a tree line, in characters at most.
const SUMMARY_WIDTH: usize = 110;

pub fn run(global: &GlobalOpts, args: DescribeArgs) -> anyhow::Result<u8> {
    let (function, version) = resolve_function(&args.function, args.version.as_deref())?;
    let Some(model) = systmone_bindings::schema_model(&function, &version) else {
        bail!("the bindings have no schema model of {function} {version}");
    };
    let (part, root) = if args.response {
        ("result", &model.response)
    } else {
        ("parameters", &model.parameters)
    };
    let path = args.path.as_deref().unwrap_or("");
    let node = FunctionModel::find(root, path).map_err(|e| {
        let mut allowed: Vec<&str> = e.allowed.clone();
        allowed.sort_unstable();
        let step = e.step.trim_start_matches('@');
        anyhow::anyhow!(
            "{function} {version}'s {part} have no {path:?}: {} has no {}{}{}",
            e.path,
            e.step,
            did_you_mean(step, allowed.iter().copied()),
            if allowed.is_empty() {
                String::new()
            } else {
                format!("; it has {}", allowed.join(", "))
            }
        )
    })?;
    if global.output == Some(OutputFormat::Json) {
        let described = match node {
            Node::Element(element) => element_json(element, 0),
            Node::Attribute(attribute) => attribute_json(attribute),
        };
        let document = json!({
            "function": model.function,
            "version": model.version,
            "aliases": model.aliases,
            "kind": match model.kind {
                systmone_core::CallKind::Read => "read",
                systmone_core::CallKind::Write => "write",
            },
            "part": part,
            "path": path,
            "element": described,
        });
        println!("{}", serde_json::to_string_pretty(&document)?);
        return Ok(0);
    }
    let kind = match model.kind {
        systmone_core::CallKind::Read => "a read",
        systmone_core::CallKind::Write => "a write: never retried once sent",
    };
    let aliases = if model.aliases.is_empty() {
        String::new()
    } else {
        format!(", also named {}", model.aliases.join(", "))
    };
    println!(
        "{} {} ({kind}{aliases}): its {part}{}",
        model.function,
        model.version,
        if path.is_empty() {
            String::new()
        } else {
            format!(" at {path}")
        }
    );
    match node {
        Node::Element(element) => match element.content {
            Content::Elements(_) => {
                let mut lines = Vec::new();
                tree_lines(element, 0, &mut lines);
                print!("{}", layout(&lines));
            }
            Content::Text(text) => print!(
                "{}",
                value_detail(
                    element.name,
                    element.occurs.describe(),
                    element.doc,
                    element.cites,
                    &text
                )
            ),
        },
        Node::Attribute(a) => print!(
            "{}",
            value_detail(
                &format!("@{}", a.name),
                if a.required { "required" } else { "optional" },
                a.doc,
                a.cites,
                &a.value
            )
        ),
    }
    Ok(0)
}

/// One line of the tree: indented name, type, occurrence, documentation.
struct Line {
    name: String,
    ty: String,
    occurs: String,
    doc: String,
}

/// A value's type on a tree line: `date (YYYY-MM-DD)`, `one of M, F, U, I`.
fn text_type(text: &Text) -> String {
    let form = match text.form {
        Lexical::Date => "date (YYYY-MM-DD)".to_string(),
        Lexical::DateTime => "date-time (YYYY-MM-DDTHH:MM:SS)".to_string(),
        Lexical::OneOf { .. } => text.form.expected(),
        Lexical::Configured => "text (configured per practice, F17)".to_string(),
        other => other.short().to_string(),
    };
    let named = !matches!(
        text.type_name,
        "string" | "boolean" | "integer" | "nonNegativeInteger" | "decimal" | "Date" | "DateTime"
    ) && !matches!(text.form, Lexical::Flag | Lexical::Minutes);
    let form = if named {
        format!("{} {form}", text.type_name)
    } else {
        form
    };
    let form = if text.empty_allowed {
        format!("{form} or empty")
    } else {
        form
    };
    cut(&form, 48)
}

/// `text` cut at a word boundary to at most `width` characters, with `…`.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split(' ') {
        if out.chars().count() + word.chars().count() + 2 > width {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.push_str(" …");
    out
}

fn summary(doc: &'static str, cites: &[&str]) -> String {
    let first = cut(systmone_core::schema::first_sentence(doc), SUMMARY_WIDTH);
    if cites.is_empty() {
        first
    } else {
        format!("{first} [{}]", cites.join(", "))
    }
}

fn tree_lines(element: &Element, depth: usize, lines: &mut Vec<Line>) {
    let indent = "  ".repeat(depth);
    let occurs = if depth == 0 {
        String::new()
    } else {
        element.occurs.describe().to_string()
    };
    match element.content {
        Content::Text(text) => lines.push(Line {
            name: format!("{indent}{}", element.name),
            ty: text_type(&text),
            occurs,
            doc: summary(element.doc, element.cites),
        }),
        Content::Elements(ty) => {
            let order = if ty.any_order { ", any order" } else { "" };
            let (doc, cites) = if element.doc.is_empty() {
                (ty.doc, ty.cites)
            } else {
                (element.doc, element.cites)
            };
            lines.push(Line {
                name: format!("{indent}{}", element.name),
                ty: format!("{}{order}", ty.name),
                occurs,
                doc: summary(doc, cites),
            });
            if depth >= MAX_DEPTH {
                lines.push(Line {
                    name: format!("{indent}  …"),
                    ty: String::new(),
                    occurs: String::new(),
                    doc: format!("deeper than {MAX_DEPTH} levels: describe a path below"),
                });
                return;
            }
            content_lines(ty, depth + 1, lines);
        }
    }
}

fn content_lines(ty: &ComplexType, depth: usize, lines: &mut Vec<Line>) {
    let indent = "  ".repeat(depth);
    for a in ty.attributes {
        lines.push(Line {
            name: format!("{indent}@{}", a.name),
            ty: text_type(&a.value),
            occurs: if a.required { "required" } else { "optional" }.into(),
            doc: summary(a.doc, a.cites),
        });
    }
    for particle in ty.children {
        match particle {
            Particle::Element(element) => tree_lines(element, depth, lines),
            Particle::Choice { occurs, elements } => {
                lines.push(Line {
                    name: format!("{indent}(one of)"),
                    ty: String::new(),
                    occurs: occurs.describe().into(),
                    doc: if *occurs == Occurs::Many {
                        "any number of these, in any order".into()
                    } else {
                        "exactly one of these".into()
                    },
                });
                for element in *elements {
                    tree_lines(element, depth + 1, lines);
                }
            }
            Particle::Any { elements } => {
                lines.push(Line {
                    name: format!("{indent}(data items)"),
                    ty: String::new(),
                    occurs: Occurs::Many.describe().into(),
                    doc: "any number of these, in any order (E21)".into(),
                });
                for element in *elements {
                    tree_lines(element, depth + 1, lines);
                }
            }
        }
    }
}

/// The lines in columns.
fn layout(lines: &[Line]) -> String {
    let width = |f: fn(&Line) -> &str| {
        lines
            .iter()
            .map(|l| f(l).chars().count())
            .max()
            .unwrap_or(0)
    };
    let (name, ty, occurs) = (width(|l| &l.name), width(|l| &l.ty), width(|l| &l.occurs));
    let mut out = String::new();
    for l in lines {
        let line = format!(
            "{:name$}  {:ty$}  {:occurs$}  {}",
            l.name, l.ty, l.occurs, l.doc
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// One value in full: its type and form, the listed values, all its documentation.
fn value_detail(name: &str, occurs: &str, doc: &str, cites: &[&str], text: &Text) -> String {
    let mut out = format!("{name}: {} ({occurs})\n", text.type_name);
    out.push_str(&format!("  expected: {}\n", text.expected()));
    if let Lexical::OneOf { values, open } = text.form {
        out.push_str(&format!(
            "  values: {}{}\n",
            values
                .iter()
                .map(|v| if v.is_empty() { "\"\"" } else { v })
                .collect::<Vec<_>>()
                .join(", "),
            if open { " (others accepted, E3)" } else { "" }
        ));
    }
    if !cites.is_empty() {
        out.push_str(&format!("  cites: {}\n", cites.join(", ")));
    }
    for paragraph in doc.split("\n\n").filter(|p| !p.is_empty()) {
        out.push_str(&format!("  {paragraph}\n"));
    }
    out
}

fn text_json(text: &Text) -> Value {
    let mut value = json!({
        "type": text.type_name,
        "form": text.form.short(),
        "expected": text.expected(),
        "empty_allowed": text.empty_allowed,
    });
    if let Lexical::OneOf { values, open } = text.form {
        value["values"] = json!(values);
        value["open"] = json!(open);
    }
    if text.form == Lexical::Configured {
        value["configured"] = json!(true);
    }
    value
}

fn attribute_json(a: &Attribute) -> Value {
    json!({
        "attribute": a.name,
        "required": a.required,
        "doc": a.doc,
        "cites": a.cites,
        "value": text_json(&a.value),
    })
}

fn occurs_json(occurs: Occurs) -> &'static str {
    match occurs {
        Occurs::One => "one",
        Occurs::Optional => "optional",
        Occurs::Many => "many",
    }
}

fn element_json(element: &Element, depth: usize) -> Value {
    let mut value = json!({
        "name": element.name,
        "occurs": occurs_json(element.occurs),
        "doc": element.doc,
        "cites": element.cites,
    });
    match element.content {
        Content::Text(text) => value["value"] = text_json(&text),
        Content::Elements(ty) => {
            value["type"] = json!(ty.name);
            value["type_doc"] = json!(ty.doc);
            value["type_cites"] = json!(ty.cites);
            value["any_order"] = json!(ty.any_order);
            value["attributes"] = ty.attributes.iter().map(attribute_json).collect();
            if depth < MAX_DEPTH {
                value["children"] = ty
                    .children
                    .iter()
                    .map(|particle| match particle {
                        Particle::Element(e) => element_json(e, depth + 1),
                        Particle::Choice { occurs, elements } => json!({
                            "choice": occurs_json(*occurs),
                            "elements": elements.iter().map(|e| element_json(e, depth + 1)).collect::<Vec<_>>(),
                        }),
                        Particle::Any { elements } => json!({
                            "any": true,
                            "elements": elements.iter().map(|e| element_json(e, depth + 1)).collect::<Vec<_>>(),
                        }),
                    })
                    .collect();
            }
        }
    }
    value
}
