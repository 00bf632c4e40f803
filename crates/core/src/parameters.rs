//! Parameters given by path and value (`Identity/NHSNumber=...`, as people type them),
//! checked against a function version's [schema model](crate::schema) and made into
//! the typed parameters: every name is one the model declares (else the names it does
//! allow there), every value has its type's lexical form (else the form expected), and
//! the typed value is built from the checked tree by the generated readers, with no
//! XML text written or parsed on the way.
//!
//! ```
//! use systmone_core::parameters::{ParameterError, Parameters};
//! use systmone_core::schema::{ComplexType, Content, Element, Lexical, Occurs, Particle, Text};
//!
//! static SEARCH: ComplexType = ComplexType {
//!     name: "Search", doc: "", cites: &[], attributes: &[], any_order: true,
//!     children: &[Particle::Element(Element {
//!         name: "DateOfBirth", occurs: Occurs::Optional, doc: "", cites: &[],
//!         content: Content::Text(Text { type_name: "Date", form: Lexical::Date, empty_allowed: false }),
//!     })],
//! };
//! static ROOT: Element = Element {
//!     name: "FunctionParameters", occurs: Occurs::One, doc: "", cites: &[],
//!     content: Content::Elements(&SEARCH),
//! };
//!
//! let mut parameters = Parameters::new();
//! parameters.add("DateOfBirth", "01/01/1933").unwrap();
//! let error = parameters.check(&ROOT).unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "invalid value \"01/01/1933\" at FunctionParameters/DateOfBirth: expected a date, YYYY-MM-DD"
//! );
//!
//! let mut parameters = Parameters::new();
//! parameters.add("DateOfBrith", "1933-01-01").unwrap();
//! let Err(ParameterError::UnknownElement { allowed, .. }) = parameters.check(&ROOT) else {
//!     panic!("an unknown name");
//! };
//! assert_eq!(allowed, ["DateOfBirth"]);
//! ```

use crate::drift::{DriftKind, ReadMode};
use crate::schema::{ComplexType, Content, Element, Occurs, Particle, Text};
use crate::xml::{Attribute, Event, ParseError, ReadXml, XmlContent};

/// The root element of a request's parameters.
pub const ROOT: &str = "FunctionParameters";

/// Parameters as a tree of names, attributes and values below `FunctionParameters`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameters {
    root: Node,
}

/// One element given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Node {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters::new()
    }
}

/// Why parameters are not a valid request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParameterError {
    /// A name that is not an element or attribute name.
    #[error("parameter name {path:?} {reason}")]
    BadName {
        /// The path given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An element the model does not declare there.
    #[error("unknown element at {path}")]
    UnknownElement {
        /// Its path (`FunctionParameters/Surnme`).
        path: String,
        /// Its name.
        name: String,
        /// The element it was given in.
        parent: String,
        /// The names the model allows there, in declared order.
        allowed: Vec<&'static str>,
    },
    /// An attribute the model does not declare there.
    #[error("unknown attribute at {path}")]
    UnknownAttribute {
        /// Its path (`.../Code/@Schme`).
        path: String,
        /// Its name.
        name: String,
        /// The element it was given on.
        element: String,
        /// The attributes the model declares there.
        allowed: Vec<&'static str>,
    },
    /// A value that does not have its type's lexical form.
    #[error("invalid value {value:?} at {path}: expected {expected}")]
    InvalidValue {
        /// Its element's (or attribute's) path.
        path: String,
        /// The value given.
        value: String,
        /// The form the type takes (`a date, YYYY-MM-DD`).
        expected: String,
    },
    /// An element given more often than the model allows.
    #[error("{path} may be given only once{choice}")]
    Repeated {
        /// Its path.
        path: String,
        /// For a choice, the names it chooses from.
        choice: String,
    },
    /// Something required that was not given.
    #[error("{path} needs {what}")]
    Missing {
        /// The element that needs it.
        path: String,
        /// What (`<Identity>`, `one of <NHSNumber>, <PseudoNumber>`, `@Scheme`).
        what: String,
    },
    /// A value given for an element that holds elements.
    #[error("{path} holds elements ({children}), not a value; give them as {path}/Name=Value")]
    NotAValue {
        /// Its path.
        path: String,
        /// The names of its children.
        children: String,
    },
    /// Elements or attributes given inside an element that holds a value.
    #[error("{path} holds a value ({expected}), not elements or attributes")]
    NotElements {
        /// Its path.
        path: String,
        /// The form of its value.
        expected: String,
    },
    /// The bindings refused the parameters the model accepted (the model and the
    /// readers disagree: a bug to report).
    #[error("the bindings refused the parameters: {0}")]
    Refused(ParseError),
    /// No model for the function version.
    #[error("the bindings have no {function} version {version}")]
    UnknownFunction {
        /// The function asked for.
        function: String,
        /// The version asked for.
        version: String,
    },
}

/// Whether `name` can be an element or attribute name here (letters, digits and `_`).
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Parameters {
    /// No parameters.
    pub fn new() -> Self {
        Parameters {
            root: Node {
                name: ROOT.into(),
                ..Node::default()
            },
        }
    }

    /// Adds `value` at `path`: elements nested with `/` (`Identity/NHSNumber`), an
    /// attribute as `Path@Name`; an empty value for a presence flag. An element on the
    /// way (and the element of an attribute) is the last one of that name given, so
    /// `Code@Scheme` and then `Code@Code` describe one `Code`; a value's element is
    /// always new, so giving a name twice repeats the element.
    pub fn add(&mut self, path: &str, value: &str) -> Result<(), ParameterError> {
        let bad = |reason: &str| ParameterError::BadName {
            path: path.to_string(),
            reason: reason.to_string(),
        };
        let (elements, attribute) = match path.split_once('@') {
            Some((p, a)) => (p, Some(a)),
            None => (path, None),
        };
        let parts: Vec<&str> = elements.split('/').filter(|p| !p.is_empty()).collect();
        if parts.is_empty() {
            return Err(bad("names no element"));
        }
        if parts.len() > crate::xml::MAX_DEPTH - 2 {
            return Err(bad("is deeper than any element of the interface"));
        }
        if let Some(p) = parts.iter().find(|p| !valid_name(p)) {
            return Err(bad(&format!("has an invalid element name {p:?}")));
        }
        if attribute.is_some_and(|a| !valid_name(a)) {
            return Err(bad("has an invalid attribute name"));
        }
        let mut node = &mut self.root;
        let last = parts.len() - 1;
        for (i, part) in parts.iter().enumerate() {
            let reuse = i < last || attribute.is_some();
            let existing = if reuse {
                node.children.iter().rposition(|c| c.name == *part)
            } else {
                None
            };
            let index = match existing {
                Some(i) => i,
                None => {
                    node.children.push(Node {
                        name: part.to_string(),
                        ..Node::default()
                    });
                    node.children.len() - 1
                }
            };
            node = &mut node.children[index];
        }
        match attribute {
            Some(a) => node.attributes.push((a.to_string(), value.to_string())),
            None => node.text = value.to_string(),
        }
        Ok(())
    }

    /// Adds `value` at `path` when there is one.
    pub fn opt(&mut self, path: &str, value: Option<&str>) -> Result<(), ParameterError> {
        match value {
            Some(v) => self.add(path, v),
            None => Ok(()),
        }
    }

    /// Adds the presence flag `path` when `on`.
    pub fn flag(&mut self, path: &str, on: bool) -> Result<(), ParameterError> {
        if on { self.add(path, "") } else { Ok(()) }
    }

    /// Whether nothing was given.
    pub fn is_empty(&self) -> bool {
        self.root.children.is_empty() && self.root.attributes.is_empty()
    }

    /// Every value given, as (`Path`, value) pairs in order (attributes as
    /// `Path@Name`, flags with an empty value).
    pub fn leaves(&self) -> Vec<(String, String)> {
        fn walk(node: &Node, prefix: &str, out: &mut Vec<(String, String)>) {
            for (name, value) in &node.attributes {
                out.push((format!("{prefix}@{name}"), value.clone()));
            }
            if node.children.is_empty() {
                if !prefix.is_empty() && (node.attributes.is_empty() || !node.text.is_empty()) {
                    out.push((prefix.to_string(), node.text.clone()));
                }
                return;
            }
            for child in &node.children {
                let path = if prefix.is_empty() {
                    child.name.clone()
                } else {
                    format!("{prefix}/{}", child.name)
                };
                walk(child, &path, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.root, "", &mut out);
        out
    }

    /// Checks every name and value against `root` (a function model's `parameters`):
    /// the first problem found, in the order the parameters were given.
    pub fn check(&self, root: &Element) -> Result<(), ParameterError> {
        check_element(&self.root, root, ROOT)
    }

    /// The typed parameters: checked against `root`, then read by `P`'s generated
    /// reader from the tree (no text), in declared order.
    pub fn build<P: ReadXml + XmlContent>(&self, root: &Element) -> Result<P, ParameterError> {
        self.check(root)?;
        let parsed = crate::xml::from_events_with::<P>(self.events(), ROOT, ReadMode::Tolerant)
            .map_err(ParameterError::Refused)?;
        // The model let the names through in any order; what is sent is in declared order.
        if let Some(item) = parsed
            .drift
            .items()
            .iter()
            .find(|i| i.kind != DriftKind::OutOfOrder)
        {
            return Err(ParameterError::Refused(ParseError::Refused(item.clone())));
        }
        let mut value = parsed.value;
        value.declared_order();
        Ok(value)
    }

    /// The tree as the events a reader hands out.
    fn events(&self) -> Vec<Event<'_>> {
        fn walk<'a>(node: &'a Node, out: &mut Vec<Event<'a>>) {
            out.push(Event::Start {
                name: &node.name,
                attributes: node
                    .attributes
                    .iter()
                    .map(|(name, value)| Attribute {
                        name,
                        value: value.as_str().into(),
                    })
                    .collect(),
            });
            if !node.text.is_empty() {
                out.push(Event::Text(node.text.as_str().into()));
            }
            for child in &node.children {
                walk(child, out);
            }
            out.push(Event::End);
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }
}

fn check_element(node: &Node, model: &Element, path: &str) -> Result<(), ParameterError> {
    match &model.content {
        Content::Text(text) => check_text(node, text, path),
        Content::Elements(ty) => check_complex(node, ty, path),
    }
}

fn check_text(node: &Node, text: &Text, path: &str) -> Result<(), ParameterError> {
    if !node.children.is_empty() || !node.attributes.is_empty() {
        return Err(ParameterError::NotElements {
            path: path.to_string(),
            expected: text.expected(),
        });
    }
    if text.check(&node.text) {
        Ok(())
    } else {
        Err(ParameterError::InvalidValue {
            path: path.to_string(),
            value: node.text.clone(),
            expected: text.expected(),
        })
    }
}

fn tags(elements: &[Element]) -> String {
    elements
        .iter()
        .map(|e| format!("<{}>", e.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_complex(node: &Node, ty: &ComplexType, path: &str) -> Result<(), ParameterError> {
    if !node.text.trim().is_empty() {
        return Err(ParameterError::NotAValue {
            path: path.to_string(),
            children: ty.child_names().join(", "),
        });
    }
    for (name, value) in &node.attributes {
        let attribute_path = format!("{path}/@{name}");
        let Some(attribute) = ty.attribute(name) else {
            return Err(ParameterError::UnknownAttribute {
                path: attribute_path,
                name: name.clone(),
                element: node.name.clone(),
                allowed: ty.attributes.iter().map(|a| a.name).collect(),
            });
        };
        if node.attributes.iter().filter(|(n, _)| n == name).count() > 1 {
            return Err(ParameterError::Repeated {
                path: attribute_path,
                choice: String::new(),
            });
        }
        if !attribute.value.check(value) {
            return Err(ParameterError::InvalidValue {
                path: attribute_path,
                value: value.clone(),
                expected: attribute.value.expected(),
            });
        }
    }
    // How many children each entry of the content was given.
    let mut given = vec![0usize; ty.children.len()];
    for child in &node.children {
        let child_path = format!("{path}/{}", child.name);
        let Some((index, element)) = ty.children.iter().enumerate().find_map(|(i, p)| {
            p.elements()
                .iter()
                .find(|e| e.name == child.name)
                .map(|e| (i, e))
        }) else {
            return Err(ParameterError::UnknownElement {
                path: child_path,
                name: child.name.clone(),
                parent: node.name.clone(),
                allowed: ty.child_names(),
            });
        };
        given[index] += 1;
        let once = match &ty.children[index] {
            Particle::Element(e) => e.occurs != Occurs::Many,
            Particle::Choice { occurs, .. } => *occurs != Occurs::Many,
            Particle::Any { .. } => false,
        };
        if once && given[index] > 1 {
            let choice = match &ty.children[index] {
                Particle::Choice { elements, .. } if elements.len() > 1 => {
                    format!(", and only one of {}", tags(elements))
                }
                _ => String::new(),
            };
            return Err(ParameterError::Repeated {
                path: child_path,
                choice,
            });
        }
        check_element(child, element, &child_path)?;
    }
    for attribute in ty.attributes.iter().filter(|a| a.required) {
        if !node.attributes.iter().any(|(n, _)| n == attribute.name) {
            return Err(ParameterError::Missing {
                path: path.to_string(),
                what: format!("@{}", attribute.name),
            });
        }
    }
    for (particle, count) in ty.children.iter().zip(&given) {
        let what = match particle {
            Particle::Element(e) if e.occurs == Occurs::One => format!("<{}>", e.name),
            Particle::Choice {
                occurs: Occurs::One,
                elements,
            } => format!("one of {}", tags(elements)),
            _ => continue,
        };
        if *count == 0 {
            return Err(ParameterError::Missing {
                path: path.to_string(),
                what,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute as AttributeModel, Lexical};

    const TEXT: Content = Content::Text(Text {
        type_name: "string",
        form: Lexical::Text,
        empty_allowed: false,
    });

    static CODE: ComplexType = ComplexType {
        name: "Code",
        doc: "",
        cites: &[],
        attributes: &[AttributeModel {
            name: "Scheme",
            required: true,
            doc: "",
            cites: &[],
            value: Text {
                type_name: "SchemeName",
                form: Lexical::OneOf {
                    values: &["CTV3", "Snomed"],
                    open: false,
                },
                empty_allowed: false,
            },
        }],
        children: &[],
        any_order: false,
    };

    static IDENTITY: ComplexType = ComplexType {
        name: "Identity",
        doc: "",
        cites: &[],
        attributes: &[],
        children: &[Particle::Choice {
            occurs: Occurs::One,
            elements: &[
                Element {
                    name: "NHSNumber",
                    occurs: Occurs::One,
                    doc: "",
                    cites: &[],
                    content: TEXT,
                },
                Element {
                    name: "PseudoNumber",
                    occurs: Occurs::One,
                    doc: "",
                    cites: &[],
                    content: TEXT,
                },
            ],
        }],
        any_order: false,
    };

    static PARAMETERS: ComplexType = ComplexType {
        name: "Parameters",
        doc: "",
        cites: &[],
        attributes: &[],
        children: &[
            Particle::Element(Element {
                name: "Identity",
                occurs: Occurs::One,
                doc: "",
                cites: &[],
                content: Content::Elements(&IDENTITY),
            }),
            Particle::Element(Element {
                name: "Code",
                occurs: Occurs::Many,
                doc: "",
                cites: &[],
                content: Content::Elements(&CODE),
            }),
            Particle::Element(Element {
                name: "Flag",
                occurs: Occurs::Optional,
                doc: "",
                cites: &[],
                content: Content::Text(Text {
                    type_name: "Flag",
                    form: Lexical::Flag,
                    empty_allowed: false,
                }),
            }),
        ],
        any_order: false,
    };

    static ROOT_MODEL: Element = Element {
        name: ROOT,
        occurs: Occurs::One,
        doc: "",
        cites: &[],
        content: Content::Elements(&PARAMETERS),
    };

    fn check(pairs: &[(&str, &str)]) -> Result<(), ParameterError> {
        let mut p = Parameters::new();
        for (path, value) in pairs {
            p.add(path, value)?;
        }
        p.check(&ROOT_MODEL)
    }

    #[test]
    fn nested_and_repeated_parameters() {
        let mut p = Parameters::new();
        p.add("Identity/NHSNumber", "4667633050").unwrap();
        p.add("Code@Scheme", "CTV3").unwrap();
        p.add("Code", "").unwrap();
        p.add("Code@Scheme", "Snomed").unwrap();
        p.flag("Flag", true).unwrap();
        assert_eq!(
            p.leaves(),
            [
                ("Identity/NHSNumber".to_string(), "4667633050".to_string()),
                ("Code@Scheme".into(), "CTV3".into()),
                ("Code@Scheme".into(), "Snomed".into()),
                ("Flag".into(), "".into()),
            ]
        );
        assert_eq!(p.check(&ROOT_MODEL), Ok(()));
        assert!(p.add("", "x").is_err());
        assert!(p.add("A/b c", "x").is_err());
        assert!(p.add("A@", "x").is_err());
    }

    #[test]
    fn every_problem_names_its_path() {
        let id = ("Identity/NHSNumber", "4667633050");
        assert!(matches!(
            check(&[id, ("Cod@Scheme", "CTV3")]),
            Err(ParameterError::UnknownElement { path, allowed, .. })
                if path == "FunctionParameters/Cod" && allowed == ["Identity", "Code", "Flag"]
        ));
        assert_eq!(
            check(&[id, ("Code@Schema", "CTV3")])
                .unwrap_err()
                .to_string(),
            "unknown attribute at FunctionParameters/Code/@Schema"
        );
        assert_eq!(
            check(&[id, ("Code@Scheme", "Read")])
                .unwrap_err()
                .to_string(),
            "invalid value \"Read\" at FunctionParameters/Code/@Scheme: expected one of CTV3, Snomed"
        );
        assert_eq!(
            check(&[id, ("Identity/PseudoNumber", "1")])
                .unwrap_err()
                .to_string(),
            "FunctionParameters/Identity/PseudoNumber may be given only once, and only one of <NHSNumber>, <PseudoNumber>"
        );
        assert_eq!(
            check(&[("Flag", "")]).unwrap_err().to_string(),
            "FunctionParameters needs <Identity>"
        );
        assert_eq!(
            check(&[("Identity", "")]).unwrap_err().to_string(),
            "FunctionParameters/Identity needs one of <NHSNumber>, <PseudoNumber>"
        );
        assert_eq!(
            check(&[id, ("Code", "")]).unwrap_err().to_string(),
            "FunctionParameters/Code needs @Scheme"
        );
        assert_eq!(
            check(&[id, ("Flag", "yes")]).unwrap_err().to_string(),
            "invalid value \"yes\" at FunctionParameters/Flag: expected nothing: a presence flag, given as Name="
        );
        assert_eq!(
            check(&[("Identity", "4667633050")])
                .unwrap_err()
                .to_string(),
            "FunctionParameters/Identity holds elements (NHSNumber, PseudoNumber), not a value; give them as FunctionParameters/Identity/Name=Value"
        );
        assert!(matches!(
            check(&[("Identity/NHSNumber/X", "1")]),
            Err(ParameterError::NotElements { .. })
        ));
    }
}
