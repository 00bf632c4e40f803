//! The mapping report: everything in a SystmOne result that the Bundle does not
//! carry, each with where it was and why, so nothing is dropped silently.

use serde::Serialize;
use systmone_core::Extra;

/// Why an item is not in the Bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// FHIR R4 and UK Core have no element for it.
    NoHome,
    /// The reader kept it as unknown content (an element or attribute the bindings do
    /// not declare, or a value that did not read as its type).
    Unknown,
    /// It breaks a rule of the target (an NHS number failing its check digit, a code
    /// in a scheme with no known system, a value of the wrong form).
    Invalid,
    /// It links to something the record does not hold.
    UnresolvedLink,
}

/// One value that is not in the Bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotMapped {
    /// Where it was, as an element path (`Clinical/Event[3]/Medication/Quantity`).
    pub path: String,
    /// The value (text, or XML for unknown elements). It is patient data: never log it.
    pub value: String,
    /// Why it is not in the Bundle.
    pub reason: Reason,
    /// A short explanation.
    pub note: String,
}

/// What a mapping left out. Empty when the Bundle holds everything.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct MappingReport {
    /// Every value left out, in the order the mapping met them.
    pub not_mapped: Vec<NotMapped>,
}

impl MappingReport {
    /// Whether the Bundle carries everything (nothing was left out).
    pub fn is_empty(&self) -> bool {
        self.not_mapped.is_empty()
    }

    /// Items for one reason.
    pub fn with_reason(&self, reason: Reason) -> impl Iterator<Item = &NotMapped> {
        self.not_mapped.iter().filter(move |i| i.reason == reason)
    }

    /// A one-line count by reason, free of patient data (for logs).
    pub fn summary(&self) -> String {
        let count = |r| self.with_reason(r).count();
        format!(
            "{} not mapped ({} with no FHIR home, {} unknown, {} invalid, {} unresolved links)",
            self.not_mapped.len(),
            count(Reason::NoHome),
            count(Reason::Unknown),
            count(Reason::Invalid),
            count(Reason::UnresolvedLink)
        )
    }

    pub(crate) fn push(&mut self, path: &str, value: &str, reason: Reason, note: &str) {
        self.not_mapped.push(NotMapped {
            path: path.to_string(),
            value: value.to_string(),
            reason,
            note: note.to_string(),
        });
    }

    /// Lists what a struct's `extra` holds. Elements present but empty carry nothing
    /// and are not listed.
    pub(crate) fn extra(&mut self, path: &str, extra: &Extra) {
        for attribute in extra.attributes() {
            self.push(
                &format!("{path}/@{}", attribute.name),
                &attribute.value,
                Reason::Unknown,
                "attribute kept by the reader",
            );
        }
        for element in extra.elements() {
            if element.is_empty() {
                continue;
            }
            self.push(
                &format!("{path}/{}", element.name()),
                element.as_str(),
                Reason::Unknown,
                "element kept by the reader",
            );
        }
    }
}
