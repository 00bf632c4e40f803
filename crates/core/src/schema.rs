//! The schema model at run time: what each function version's parameters and result
//! hold, as codegen read it from the XSDs — element and attribute names in declared
//! order, each value's type with its lexical form, occurrence, fixed lists (closed
//! enumerations) and the lists each practice configures (FIELD-EVIDENCE F17: open
//! text), documentation from the annotations and the E/F numbers it cites.
//!
//! `systmone_bindings::SCHEMA_MODELS` holds one [`FunctionModel`] per function version
//! (generated, static: nothing reads an XSD at run time). The command's `describe`,
//! its parameter checks and the conformance kit's requests are built on it
//! ([`crate::parameters`]).
//!
//! ```
//! use systmone_core::schema::{Content, Lexical, Text};
//!
//! let date = Text { type_name: "Date", form: Lexical::Date, empty_allowed: false };
//! assert!(date.check("1933-01-01"));
//! assert!(!date.check("01/01/1933"));
//! assert_eq!(date.expected(), "a date, YYYY-MM-DD");
//! # let _ = Content::Text(date);
//! ```

use std::str::FromStr;

use crate::CallKind;

/// One function version: its parameters (`FunctionParameters`) and the content of a
/// successful `Response`.
#[derive(Debug)]
pub struct FunctionModel {
    /// The function's name.
    pub function: &'static str,
    /// Other names it is known by (ERRATA E2).
    pub aliases: &'static [&'static str],
    /// Its version, in our spelling (`1.0`).
    pub version: &'static str,
    /// Whether it only reads or may change something.
    pub kind: CallKind,
    /// The `FunctionParameters` element.
    pub parameters: Element,
    /// The `Response` element of a successful response (the result).
    pub response: Element,
}

/// How often an element may occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occurs {
    /// Exactly once.
    One,
    /// At most once.
    Optional,
    /// Any number of times.
    Many,
}

impl Occurs {
    /// `required`, `optional` or `any number`.
    pub fn describe(self) -> &'static str {
        match self {
            Occurs::One => "required",
            Occurs::Optional => "optional",
            Occurs::Many => "any number",
        }
    }
}

/// An element: its name, occurrence, documentation and content.
#[derive(Debug)]
pub struct Element {
    /// The element's name.
    pub name: &'static str,
    /// How often it may occur where it is declared.
    pub occurs: Occurs,
    /// Its documentation (paragraphs separated by a blank line), empty when it has none.
    pub doc: &'static str,
    /// The errata (`E7`) and field evidence (`F17`) its documentation cites.
    pub cites: &'static [&'static str],
    /// A value, or child elements.
    pub content: Content,
}

/// An attribute.
#[derive(Debug)]
pub struct Attribute {
    /// The attribute's name.
    pub name: &'static str,
    /// Whether it must be given.
    pub required: bool,
    /// Its documentation.
    pub doc: &'static str,
    /// The E/F numbers its documentation cites.
    pub cites: &'static [&'static str],
    /// Its value's type.
    pub value: Text,
}

/// What an element holds.
#[derive(Debug, Clone, Copy)]
pub enum Content {
    /// A value written as text.
    Text(Text),
    /// Attributes and child elements.
    Elements(&'static ComplexType),
}

/// A type with attributes and child elements.
#[derive(Debug)]
pub struct ComplexType {
    /// The type's name (as in the bindings).
    pub name: &'static str,
    /// Its documentation.
    pub doc: &'static str,
    /// The E/F numbers its documentation cites.
    pub cites: &'static [&'static str],
    /// Its attributes.
    pub attributes: &'static [Attribute],
    /// Its children, in declared order (the order we write).
    pub children: &'static [Particle],
    /// Whether the children may come in any order (FIELD-EVIDENCE F14).
    pub any_order: bool,
}

/// One entry of a type's content.
#[derive(Debug)]
pub enum Particle {
    /// An element.
    Element(Element),
    /// One of several elements (each `Occurs::One`); `occurs` is the choice's own.
    Choice {
        /// How often the choice is made.
        occurs: Occurs,
        /// The elements to choose from.
        elements: &'static [Element],
    },
    /// Any number of the listed elements, in any order (`xs:any`: an Event's data
    /// items, ERRATA E21).
    Any {
        /// The elements it may hold.
        elements: &'static [Element],
    },
}

impl Particle {
    /// The elements this entry may stand for.
    pub fn elements(&self) -> &[Element] {
        match self {
            Particle::Element(element) => std::slice::from_ref(element),
            Particle::Choice { elements, .. } | Particle::Any { elements } => elements,
        }
    }
}

/// A value's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    /// The type's name: `string`, `Date`, `SearchGender`, ...
    pub type_name: &'static str,
    /// What text it takes.
    pub form: Lexical,
    /// Whether the element may also be present and empty (FIELD-EVIDENCE F8).
    pub empty_allowed: bool,
}

/// The lexical form of a value: what text a type takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lexical {
    /// Any text.
    Text,
    /// Any text from a list each practice configures (FIELD-EVIDENCE F17: SystmOne
    /// writes the practice's values into its schema, so two practices' lists differ).
    Configured,
    /// `true` or `false`.
    Boolean,
    /// A whole number, 0 or more.
    Unsigned,
    /// A whole number.
    Integer,
    /// A decimal number.
    Decimal,
    /// A date, `YYYY-MM-DD` (a date-time is read as its date, ERRATA E7).
    Date,
    /// A date-time, `YYYY-MM-DDTHH:MM:SS`, SystmOne's local time (ERRATA E7: a date
    /// alone, fractional seconds and a zone are read too; the zone is not applied).
    DateTime,
    /// A number of minutes (ERRATA E8).
    Minutes,
    /// A presence-only flag: the element is empty.
    Flag,
    /// One of `values`; with `open`, other text too (ERRATA E3).
    OneOf {
        /// The listed values.
        values: &'static [&'static str],
        /// Whether other values are expected too.
        open: bool,
    },
}

impl Lexical {
    /// A short name for the form: `text`, `date`, `one of`, ...
    pub fn short(&self) -> &'static str {
        match self {
            Lexical::Text => "text",
            Lexical::Configured => "configured text",
            Lexical::Boolean => "boolean",
            Lexical::Unsigned => "integer >= 0",
            Lexical::Integer => "integer",
            Lexical::Decimal => "decimal",
            Lexical::Date => "date",
            Lexical::DateTime => "date-time",
            Lexical::Minutes => "minutes",
            Lexical::Flag => "flag",
            Lexical::OneOf { open: false, .. } => "one of",
            Lexical::OneOf { open: true, .. } => "one of (open)",
        }
    }

    /// What the form takes, for people: `a date, YYYY-MM-DD`.
    pub fn expected(&self) -> String {
        match self {
            Lexical::Text => "text".into(),
            Lexical::Configured => {
                "text from the practice's own list (F17: each practice configures it)".into()
            }
            Lexical::Boolean => "true or false".into(),
            Lexical::Unsigned => "a whole number, 0 or more".into(),
            Lexical::Integer => "a whole number".into(),
            Lexical::Decimal => "a number, e.g. 12.5".into(),
            Lexical::Date => "a date, YYYY-MM-DD".into(),
            Lexical::DateTime => "a date-time, YYYY-MM-DDTHH:MM:SS (SystmOne's local time)".into(),
            Lexical::Minutes => "a number of minutes, e.g. 10 or 7.5".into(),
            Lexical::Flag => "nothing: a presence flag, given as Name=".into(),
            Lexical::OneOf { values, open } => {
                let listed: Vec<String> = values
                    .iter()
                    .map(|v| {
                        if v.is_empty() {
                            "\"\" (empty)".to_string()
                        } else {
                            v.to_string()
                        }
                    })
                    .collect();
                if *open {
                    format!("one of {}, or other text", listed.join(", "))
                } else {
                    format!("one of {}", listed.join(", "))
                }
            }
        }
    }

    /// Whether `text` is of this form, read as the bindings read it.
    pub fn check(&self, text: &str) -> bool {
        match self {
            Lexical::Text | Lexical::Configured | Lexical::OneOf { open: true, .. } => true,
            Lexical::Boolean => bool::from_str(text).is_ok(),
            Lexical::Unsigned => u64::from_str(text).is_ok(),
            Lexical::Integer => i64::from_str(text).is_ok(),
            Lexical::Decimal => is_decimal(text) && f64::from_str(text).is_ok(),
            Lexical::Date => crate::Date::from_str(text).is_ok(),
            Lexical::DateTime => crate::DateTime::from_str(text).is_ok(),
            Lexical::Minutes => crate::DurationMinutes::from_str(text).is_ok(),
            Lexical::Flag => text.trim().is_empty(),
            Lexical::OneOf {
                values,
                open: false,
            } => values.contains(&text),
        }
    }
}

/// An optional sign, digits and at most one decimal point (no exponent, `inf` or NaN,
/// which `f64` would read).
fn is_decimal(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|&b| b == b'.').count() <= 1
        && digits.bytes().any(|b| b.is_ascii_digit())
}

impl Text {
    /// Whether `text` is a value of this type (empty when the type allows it).
    pub fn check(&self, text: &str) -> bool {
        (self.empty_allowed && text.is_empty()) || self.form.check(text)
    }

    /// What the type takes, for people.
    pub fn expected(&self) -> String {
        let form = self.form.expected();
        if self.empty_allowed {
            format!("{form}, or empty")
        } else {
            form
        }
    }
}

impl ComplexType {
    /// The child element `name`, with the entry of the content that declares it.
    pub fn child(&self, name: &str) -> Option<(&'static Particle, &'static Element)> {
        self.children.iter().find_map(|particle| {
            particle
                .elements()
                .iter()
                .find(|e| e.name == name)
                .map(|e| (particle, e))
        })
    }

    /// The names of every child element it may hold, in declared order.
    pub fn child_names(&self) -> Vec<&'static str> {
        self.children
            .iter()
            .flat_map(|p| p.elements().iter().map(|e| e.name))
            .collect()
    }

    /// The attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<&'static Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

impl Element {
    /// The first sentence of its documentation (else its type's).
    pub fn summary(&self) -> &'static str {
        let doc = match (self.doc.is_empty(), &self.content) {
            (true, Content::Elements(ty)) => ty.doc,
            _ => self.doc,
        };
        first_sentence(doc)
    }

    /// Its type's name: `string`, `Date`, `Identity`, ...
    pub fn type_name(&self) -> &'static str {
        match &self.content {
            Content::Text(text) => text.type_name,
            Content::Elements(ty) => ty.name,
        }
    }
}

/// The first sentence of `doc` (up to the first full stop followed by a space, or its
/// first paragraph).
pub fn first_sentence(doc: &'static str) -> &'static str {
    let paragraph = doc.split("\n\n").next().unwrap_or("");
    for (end, _) in paragraph.match_indices(". ") {
        // Not after an abbreviation: `e.g.`, `i.e.`, `etc.`.
        let word = paragraph[..end].rsplit(' ').next().unwrap_or("");
        if !word.contains('.') && !matches!(word, "etc" | "cf" | "(e.g" | "(i.e") {
            return &paragraph[..=end];
        }
    }
    paragraph
}

/// What a path of the model leads to.
#[derive(Debug, Clone, Copy)]
pub enum Node {
    /// An element.
    Element(&'static Element),
    /// An attribute (the path's last step was `@Name`).
    Attribute(&'static Attribute),
}

/// A path that leads nowhere in the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path} has no {step}")]
pub struct PathError {
    /// The part of the path that was found.
    pub path: String,
    /// The step that was not (`Name` or `@Name`).
    pub step: String,
    /// The names that are there (children, or `@`attributes).
    pub allowed: Vec<&'static str>,
}

impl FunctionModel {
    /// Whether `name` names this function (its name or an alias).
    pub fn is_named(&self, name: &str) -> bool {
        self.function == name || self.aliases.contains(&name)
    }

    /// The element or attribute at `path` below `root` (`Clinical/Event/Vaccination`,
    /// `Clinical/Event/ClinicalCode/Code/@Scheme`; an empty path is `root` itself).
    /// A first step naming `root` itself is skipped, so the paths of drift reports
    /// (`FunctionParameters/DateOfBirth`) are found too.
    pub fn find(root: &'static Element, path: &str) -> Result<Node, PathError> {
        let mut steps: Vec<&str> = Vec::new();
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            match segment.find('@') {
                // `Code@Scheme` is `Code`, then `@Scheme`.
                Some(at) if at > 0 => steps.extend([&segment[..at], &segment[at..]]),
                _ => steps.push(segment),
            }
        }
        if steps.first() == Some(&root.name) {
            steps.remove(0);
        }
        let mut element = root;
        let mut found = root.name.to_string();
        for (i, step) in steps.iter().enumerate() {
            let Content::Elements(ty) = &element.content else {
                return Err(PathError {
                    path: found,
                    step: step.to_string(),
                    allowed: Vec::new(),
                });
            };
            if let Some(attribute) = step.strip_prefix('@') {
                return match ty.attribute(attribute) {
                    Some(a) if i + 1 == steps.len() => Ok(Node::Attribute(a)),
                    _ => Err(PathError {
                        path: found,
                        step: step.to_string(),
                        allowed: ty.attributes.iter().map(|a| a.name).collect(),
                    }),
                };
            }
            match ty.child(step) {
                Some((_, child)) => element = child,
                None => {
                    return Err(PathError {
                        path: found,
                        step: step.to_string(),
                        allowed: ty.child_names(),
                    });
                }
            }
            found.push('/');
            found.push_str(step);
        }
        Ok(Node::Element(element))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static CODE: ComplexType = ComplexType {
        name: "Code",
        doc: "A code. F15: read too.",
        cites: &["F15"],
        attributes: &[Attribute {
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

    static PARAMETERS: ComplexType = ComplexType {
        name: "Parameters",
        doc: "",
        cites: &[],
        attributes: &[],
        children: &[
            Particle::Element(Element {
                name: "Code",
                occurs: Occurs::Many,
                doc: "",
                cites: &[],
                content: Content::Elements(&CODE),
            }),
            Particle::Choice {
                occurs: Occurs::One,
                elements: &[Element {
                    name: "Since",
                    occurs: Occurs::One,
                    doc: "From this date. Inclusive.",
                    cites: &[],
                    content: Content::Text(Text {
                        type_name: "Date",
                        form: Lexical::Date,
                        empty_allowed: false,
                    }),
                }],
            },
        ],
        any_order: false,
    };

    static ROOT: Element = Element {
        name: "FunctionParameters",
        occurs: Occurs::One,
        doc: "",
        cites: &[],
        content: Content::Elements(&PARAMETERS),
    };

    #[test]
    fn paths_lead_to_elements_and_attributes() {
        let Node::Element(since) = FunctionModel::find(&ROOT, "Since").unwrap() else {
            panic!("an element");
        };
        assert_eq!(since.summary(), "From this date.");
        assert_eq!(
            first_sentence("The type (e.g. Session, Clinic). More."),
            "The type (e.g. Session, Clinic)."
        );
        assert_eq!(since.type_name(), "Date");
        assert!(matches!(
            FunctionModel::find(&ROOT, "FunctionParameters/Code/@Scheme"),
            Ok(Node::Attribute(a)) if a.name == "Scheme"
        ));
        assert!(matches!(
            FunctionModel::find(&ROOT, "Code@Scheme"),
            Ok(Node::Attribute(a)) if a.name == "Scheme"
        ));
        let error = FunctionModel::find(&ROOT, "Code/Bogus").unwrap_err();
        assert_eq!(error.path, "FunctionParameters/Code");
        assert_eq!(error.to_string(), "FunctionParameters/Code has no Bogus");
        let error = FunctionModel::find(&ROOT, "Sinc").unwrap_err();
        assert_eq!(error.allowed, ["Code", "Since"]);
        assert!(FunctionModel::find(&ROOT, "").is_ok());
    }

    #[test]
    fn lexical_forms_read_as_the_bindings_read() {
        assert!(Lexical::DateTime.check("2024-05-01T09:00:00"));
        assert!(Lexical::DateTime.check("2024-05-01"));
        assert!(!Lexical::DateTime.check("01/05/2024 09:00"));
        assert!(Lexical::Minutes.check("7.5"));
        assert!(!Lexical::Minutes.check("ten"));
        assert!(Lexical::Decimal.check("-12.5"));
        assert!(!Lexical::Decimal.check("inf"));
        assert!(!Lexical::Decimal.check("1e5"));
        assert!(Lexical::Unsigned.check("7"));
        assert!(!Lexical::Unsigned.check("-7"));
        assert!(Lexical::Flag.check(""));
        assert!(!Lexical::Flag.check("yes"));
        let closed = Lexical::OneOf {
            values: &["M", "F", ""],
            open: false,
        };
        assert!(closed.check("M") && closed.check("") && !closed.check("m"));
        assert_eq!(closed.expected(), "one of M, F, \"\" (empty)");
        let open = Lexical::OneOf {
            values: &["A"],
            open: true,
        };
        assert!(open.check("B"));
        let or_empty = Text {
            type_name: "Date",
            form: Lexical::Date,
            empty_allowed: true,
        };
        assert!(or_empty.check(""));
        assert_eq!(or_empty.expected(), "a date, YYYY-MM-DD, or empty");
    }
}
