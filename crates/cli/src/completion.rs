//! Shell completion of values from the schema model: function names, `--param` names
//! (`Identity/NHSNumber=`, `Clinical/Event/ClinicalCode/Code@Scheme=`) and `describe`
//! paths. A completion script is written once for every function, so the names are
//! those of every function version; the value itself is not restricted to them (the
//! request's own check names what is allowed where).

use std::ffi::OsStr;
use std::sync::OnceLock;

use clap::builder::{PossibleValue, StringValueParser, TypedValueParser};
use systmone_core::schema::{ComplexType, Content, Element};

/// A value parser that accepts any text and offers `candidates` to completion.
#[derive(Clone, Copy)]
pub struct Suggested {
    candidates: fn() -> &'static [String],
}

impl TypedValueParser for Suggested {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            (self.candidates)()
                .iter()
                .map(|c| PossibleValue::new(c.as_str())),
        ))
    }
}

/// Function names (and aliases) for completion.
pub fn functions() -> Suggested {
    Suggested {
        candidates: || {
            static NAMES: OnceLock<Vec<String>> = OnceLock::new();
            NAMES.get_or_init(|| {
                let mut names: Vec<String> = systmone_bindings::SCHEMA_MODELS
                    .iter()
                    .flat_map(|m| std::iter::once(m.function).chain(m.aliases.iter().copied()))
                    .map(String::from)
                    .collect();
                names.sort();
                names.dedup();
                names
            })
        },
    }
}

/// `--param` names, each with its `=`.
pub fn parameters() -> Suggested {
    Suggested {
        candidates: || {
            static PATHS: OnceLock<Vec<String>> = OnceLock::new();
            PATHS.get_or_init(|| paths(true))
        },
    }
}

/// The paths `describe` takes.
pub fn elements() -> Suggested {
    Suggested {
        candidates: || {
            static PATHS: OnceLock<Vec<String>> = OnceLock::new();
            PATHS.get_or_init(|| paths(false))
        },
    }
}

/// Deep enough for every path of the interface; a type that contained itself would
/// stop here.
const MAX_DEPTH: usize = 12;

/// Every parameter path of every function version: values (`Path=`, `Path@Name=`) when
/// `values`, else elements (`Path`).
fn paths(values: bool) -> Vec<String> {
    let mut out = Vec::new();
    for model in systmone_bindings::SCHEMA_MODELS {
        if let Content::Elements(ty) = model.parameters.content {
            walk(ty, "", values, 0, &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

fn walk(ty: &ComplexType, prefix: &str, values: bool, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    for attribute in ty.attributes {
        if values && !prefix.is_empty() {
            out.push(format!("{prefix}@{}=", attribute.name));
        }
    }
    for particle in ty.children {
        for element in particle.elements() {
            let path = join(prefix, element);
            match element.content {
                Content::Text(_) => out.push(if values { format!("{path}=") } else { path }),
                Content::Elements(child) => {
                    if !values {
                        out.push(path.clone());
                    }
                    walk(child, &path, values, depth + 1, out);
                }
            }
        }
    }
}

fn join(prefix: &str, element: &Element) -> String {
    if prefix.is_empty() {
        element.name.to_string()
    } else {
        format!("{prefix}/{}", element.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_model() {
        let params = paths(true);
        for p in [
            "Identity/NHSNumber=",
            "Filter/Demographics=",
            "Clinical/Event/ClinicalCode/Code@Scheme=",
            "Clinical/Event/Vaccination/PartType=",
        ] {
            assert!(params.iter().any(|x| x == p), "{p}");
        }
        let elements = paths(false);
        assert!(elements.iter().any(|x| x == "Clinical/Event/Vaccination"));
        assert!(!elements.iter().any(|x| x.ends_with('=')));
        let functions = (functions().candidates)();
        assert!(functions.iter().any(|f| f == "DeletePatientRecord"));
    }
}
