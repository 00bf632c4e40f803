//! Typed values walked by element name: every generated struct implements
//! [`Members`], handing out its attributes (`@Name`) and child elements in declared
//! order, text values as their text and elements as `dyn Members`. Code that must read
//! a function version it was not compiled against (the conformance kit, when SystmOne
//! offers a version that appeared only in a regenerated schema) reads its typed result
//! this way, by the paths of the schema model, never by scanning the document's text.
//!
//! ```
//! use systmone_core::members::{MemberValue, Members};
//!
//! struct Slot { start: String, site: Option<String> }
//! impl Members for Slot {
//!     fn members<'a>(&'a self, visit: &mut dyn FnMut(&'static str, MemberValue<'a>)) {
//!         visit("DateTimeStart", MemberValue::text(&self.start));
//!         if let Some(site) = &self.site {
//!             visit("@Site", MemberValue::text(site));
//!         }
//!     }
//! }
//! struct Clinic { slots: Vec<Slot> }
//! impl Members for Clinic {
//!     fn members<'a>(&'a self, visit: &mut dyn FnMut(&'static str, MemberValue<'a>)) {
//!         for slot in &self.slots {
//!             visit("Slot", MemberValue::Element(slot));
//!         }
//!     }
//! }
//!
//! let clinic = Clinic { slots: vec![
//!     Slot { start: "2024-05-02T09:00:00".into(), site: None },
//!     Slot { start: "2024-05-02T09:10:00".into(), site: Some("Main".into()) },
//! ] };
//! let clinic: &dyn Members = &clinic;
//! assert_eq!(clinic.texts("Slot/DateTimeStart").len(), 2);
//! assert_eq!(clinic.first_text("Slot/@Site").as_deref(), Some("Main"));
//! assert_eq!(clinic.elements("Slot").len(), 2);
//! assert!(clinic.contains("Site") && !clinic.contains("Duration"));
//! ```

use std::borrow::Cow;

use crate::xml::TextValue;

/// One attribute or child element of a typed value.
pub enum MemberValue<'a> {
    /// A value written as text (as the bindings write it).
    Text(Cow<'a, str>),
    /// An element with members of its own.
    Element(&'a dyn Members),
}

impl<'a> MemberValue<'a> {
    /// A text value.
    pub fn text<T: TextValue>(value: &'a T) -> Self {
        MemberValue::Text(value.xml_text())
    }
}

/// A typed value's attributes and child elements, by name.
pub trait Members {
    /// Calls `visit` with each attribute (named `@Name`) and each child element the
    /// value holds, in declared order; a repeated element once per value. What the
    /// bindings do not describe (kept in `extra`) is not visited.
    fn members<'a>(&'a self, visit: &mut dyn FnMut(&'static str, MemberValue<'a>));
}

impl<'t> dyn Members + 't {
    /// The elements at `path` (`Clinic/Slot`): every match, through repeated elements.
    pub fn elements(&self, path: &str) -> Vec<&dyn Members> {
        let mut current: Vec<&dyn Members> = vec![self];
        for step in path.split('/').filter(|s| !s.is_empty()) {
            let mut next = Vec::new();
            for value in current {
                value.members(&mut |name, member| {
                    if let (true, MemberValue::Element(element)) = (name == step, member) {
                        next.push(element);
                    }
                });
            }
            current = next;
        }
        current
    }

    /// The text values at `path` (`Identity/NHSNumber`, `Code/@Scheme`), in order.
    pub fn texts(&self, path: &str) -> Vec<String> {
        let (parent, last) = match path.rsplit_once('/') {
            Some((parent, last)) => (parent, last),
            None => ("", path),
        };
        let mut found = Vec::new();
        for element in self.elements(parent) {
            element.members(&mut |name, member| {
                if let (true, MemberValue::Text(text)) = (name == last, member) {
                    found.push(text.into_owned());
                }
            });
        }
        found
    }

    /// The first text value at `path`.
    pub fn first_text(&self, path: &str) -> Option<String> {
        self.texts(path).into_iter().next()
    }

    /// Whether an attribute or element named `name` is anywhere below (an empty
    /// element counts: a presence flag).
    pub fn contains(&self, name: &str) -> bool {
        let mut found = false;
        let attribute = format!("@{name}");
        self.members(&mut |member, value| {
            if found {
                return;
            }
            if member == name || member == attribute {
                found = true;
            } else if let MemberValue::Element(element) = value {
                found = element.contains(name);
            }
        });
        found
    }
}

/// A result with no content (ExitClient): no members.
/// A boxed value (the bindings box an Event's larger data items) is walked as the value.
impl<T: Members + ?Sized> Members for Box<T> {
    fn members<'a>(&'a self, visit: &mut dyn FnMut(&'static str, MemberValue<'a>)) {
        (**self).members(visit)
    }
}

impl Members for crate::NoContent {
    fn members<'a>(&'a self, _visit: &mut dyn FnMut(&'static str, MemberValue<'a>)) {}
}

/// The header's coding schemes.
impl Members for crate::OutputScheme {
    fn members<'a>(&'a self, visit: &mut dyn FnMut(&'static str, MemberValue<'a>)) {
        if let Some(drugs) = &self.drugs {
            visit("Drugs", MemberValue::text(drugs));
        }
        if let Some(codes) = &self.codes {
            visit("Codes", MemberValue::text(codes));
        }
    }
}
