//! The generated schema model (`systmone_bindings::SCHEMA_MODELS`, what `systmone
//! describe`, the command's parameter checks and the conformance kit go by) against an
//! independent reading of the same XSDs (upkeep's `xsd_diff::load`, which the model is
//! not built from): the same paths on both sides, the same fixed lists, the same
//! repetition. And requests built through the model against the same requests read by
//! the bindings from the fixtures.

use std::collections::{BTreeMap, BTreeSet};

use systmone_bindings::{AnyRequest, SCHEMA_MODELS};
use systmone_core::parameters::Parameters;
use systmone_core::schema::{Content, Element, Lexical, Occurs, Particle, Text};
use systmone_core::xml::{Event, XmlReader};
use systmone_core::{DriftKind, ReadMode};
use systmone_tests::{fixtures, workspace_root};
use systmone_upkeep::xsd_diff::{NodeKind, Side, load};

/// What the comparison looks at of one path.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    repeated: bool,
    values: BTreeSet<String>,
    open: bool,
}

/// The model's paths below `element` (`prefix` is its path).
fn model_paths(element: &Element, prefix: &str, repeated: bool, out: &mut BTreeMap<String, Seen>) {
    let repeated = repeated || element.occurs == Occurs::Many;
    // F8: a union of a list with `EmptyText` (present but maybe empty) is, to upkeep,
    // a union with a member that is not a list: open.
    let text_seen = |text: Text| match text.form {
        Lexical::OneOf { values, open } => (
            values.iter().map(|v| v.to_string()).collect(),
            open || text.empty_allowed,
        ),
        _ => (BTreeSet::new(), false),
    };
    match element.content {
        Content::Text(text) => {
            let (values, open) = text_seen(text);
            out.insert(
                prefix.to_string(),
                Seen {
                    repeated,
                    values,
                    open,
                },
            );
        }
        Content::Elements(ty) => {
            out.insert(
                prefix.to_string(),
                Seen {
                    repeated,
                    values: BTreeSet::new(),
                    open: false,
                },
            );
            for a in ty.attributes {
                let (values, open) = text_seen(a.value);
                out.insert(
                    format!("{prefix}/@{}", a.name),
                    Seen {
                        repeated: false,
                        values,
                        open,
                    },
                );
            }
            for particle in ty.children {
                let many = match particle {
                    Particle::Element(_) => false,
                    Particle::Choice { occurs, .. } => *occurs == Occurs::Many,
                    Particle::Any { .. } => true,
                };
                for child in particle.elements() {
                    model_paths(child, &format!("{prefix}/{}", child.name), many, out);
                }
            }
        }
    }
}

/// The paths upkeep reads from `xsd/<file>` on `side` below `root`, each element
/// wildcard (Event's data items, E21) standing for every global element of the common
/// schema.
fn schema_paths(file: &str, side: Side, root: &str) -> BTreeMap<String, Seen> {
    let xsd = workspace_root().join("xsd");
    let view = load(&xsd.join(file)).unwrap();
    let common = load(&xsd.join("ClientIntegrationTypes.xsd")).unwrap();
    let mut out = BTreeMap::new();
    let seen = |node: &systmone_upkeep::xsd_diff::Node, repeated_above: bool| Seen {
        repeated: repeated_above || node.max != Some(1),
        values: node.values.clone(),
        open: node.open,
    };
    for (path, node) in &view.nodes {
        if node.side != side || !(path == root || path.starts_with(&format!("{root}/"))) {
            continue;
        }
        match node.kind {
            NodeKind::Wildcard => {
                let parent = path.trim_end_matches("/*").trim_end_matches("/@*");
                for (p, global) in &common.nodes {
                    if global.kind != NodeKind::Wildcard {
                        let top = p.matches('/').count() == 1;
                        out.insert(format!("{parent}{p}"), seen(global, top));
                    }
                }
            }
            _ => {
                out.insert(path.clone(), seen(node, false));
            }
        }
    }
    out
}

#[test]
fn the_model_has_every_path_list_and_repetition_of_the_schemas() {
    assert_eq!(
        SCHEMA_MODELS.len(),
        systmone_bindings::FUNCTIONS.len(),
        "one model per function version"
    );
    let mut problems = Vec::new();
    for model in SCHEMA_MODELS {
        let file = format!("{} v{}.xsd", model.function, model.version);
        for (side, document, root, element) in [
            (
                Side::Request,
                "/ClientIntegrationRequest",
                "FunctionParameters",
                &model.parameters,
            ),
            (
                Side::Response,
                "/ClientIntegrationResponse",
                "Response",
                &model.response,
            ),
        ] {
            let root = format!("{document}/{root}");
            let mut ours = BTreeMap::new();
            model_paths(element, &root, false, &mut ours);
            let mut theirs = schema_paths(&file, side, &root);
            if side == Side::Response {
                // The error form, the other branch of `<Function>Response`.
                theirs.retain(|p, _| {
                    !p.ends_with("/ErrorMessage") && !p.ends_with("/PermanentError")
                });
            }
            // The root's own occurrence is the envelope's business.
            for paths in [&mut ours, &mut theirs] {
                if let Some(seen) = paths.get_mut(&root) {
                    seen.repeated = false;
                }
            }
            for (path, seen) in &theirs {
                match ours.get(path) {
                    None => problems.push(format!("{file}: {path} is not in the model")),
                    Some(mine) if mine != seen => {
                        problems.push(format!("{file}: {path}: model {mine:?}, schema {seen:?}"))
                    }
                    Some(_) => {}
                }
            }
            for path in ours.keys().filter(|p| !theirs.contains_key(*p)) {
                problems.push(format!("{file}: {path} is in the model, not the schema"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `FunctionParameters` of a request document as model parameters (paths and values),
/// or `None` when paths cannot say it: an element holding elements or attributes given
/// twice in one parent (which of two `Event`s would a value belong to?), or one holding
/// both attributes and text.
fn parameters_of(document: &str) -> Option<Parameters> {
    struct Frame {
        name: String,
        attributes: usize,
        has_children: bool,
        structured_children: Vec<String>,
        text: String,
    }
    let mut reader = XmlReader::new(document);
    let mut stack: Vec<Frame> = Vec::new();
    let mut parameters = Parameters::new();
    let path = |stack: &[Frame]| {
        stack[1..]
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join("/")
    };
    loop {
        match reader.next_event().unwrap() {
            Event::Start { name, attributes } => {
                if stack.is_empty() && name != "FunctionParameters" {
                    continue;
                }
                if let Some(parent) = stack.last_mut() {
                    parent.has_children = true;
                }
                stack.push(Frame {
                    name: name.to_string(),
                    attributes: attributes.len(),
                    has_children: false,
                    structured_children: Vec::new(),
                    text: String::new(),
                });
                let here = path(&stack);
                for a in attributes {
                    parameters
                        .add(&format!("{here}@{}", a.local_name()), &a.value)
                        .unwrap();
                }
            }
            Event::Text(t) => {
                if let Some(frame) = stack.last_mut() {
                    frame.text.push_str(&t);
                }
            }
            Event::End if !stack.is_empty() => {
                let here = path(&stack);
                let frame = stack.pop().unwrap();
                let Some(parent) = stack.last_mut() else {
                    return Some(parameters);
                };
                if frame.has_children || frame.attributes > 0 {
                    if parent.structured_children.contains(&frame.name) {
                        return None;
                    }
                    parent.structured_children.push(frame.name);
                }
                if !frame.has_children {
                    match (frame.attributes, frame.text.is_empty()) {
                        (0, _) => parameters.add(&here, &frame.text).unwrap(),
                        (_, true) => {}
                        (_, false) => return None,
                    }
                }
            }
            Event::End => {}
            Event::Eof => return None,
        }
    }
}

/// The `FunctionParameters` element of a written request.
fn written_parameters(request: &AnyRequest) -> String {
    let xml = request.to_xml(false).unwrap();
    let start = xml.find("<FunctionParameters").unwrap();
    let end = xml.rfind("</FunctionParameters>").unwrap();
    xml[start..end].to_string()
}

#[test]
fn requests_built_through_the_model_are_the_fixtures_requests() {
    let mut built = 0;
    for fixture in fixtures() {
        if !fixture.is_request() || fixture.is_bad() {
            continue;
        }
        let text = std::fs::read_to_string(&fixture.path).unwrap();
        let parsed = AnyRequest::parse_with(&text, ReadMode::Tolerant).unwrap();
        if parsed
            .drift
            .items()
            .iter()
            .any(|i| i.kind != DriftKind::OutOfOrder)
        {
            continue;
        }
        let Some(parameters) = parameters_of(&text) else {
            continue;
        };
        let mut read = parsed.value;
        read.declared_order();
        let (function, version) = read.function();
        let through_model = AnyRequest::from_parameters(function, version, &parameters)
            .unwrap_or_else(|e| panic!("{}: {e}", fixture.relative_path()));
        assert_eq!(
            written_parameters(&through_model),
            written_parameters(&read),
            "{}",
            fixture.relative_path()
        );
        built += 1;
    }
    eprintln!("{built} fixture requests built through the model");
    assert!(built >= 40, "only {built} fixtures built through the model");
}
