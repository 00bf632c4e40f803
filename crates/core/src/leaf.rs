//! Leaf types of the shared schema that need care: presence-only flags and the coding
//! schemes of the request header. Their XSD names (`Flag`, `DrugScheme`, `CodeScheme`,
//! `OutputScheme`, and the date types in [`crate::datetime`]) map to these types in
//! every generated crate.

use std::fmt;
use std::str::FromStr;

use crate::datetime::{Date, DateTime, DurationMinutes};
use crate::drift::DriftKind;
use crate::extra::{Extra, Order};
use crate::xml::{
    self as x, Attribute, Event, ReadError, ReadResult, ReadXml, WriteResult, WriteXml, XmlContent,
    XmlReader, XmlWriter,
};
use crate::{ValueError, impl_xml_content, impl_xml_text};

impl_xml_text!(DateTime);
impl_xml_text!(Date);
impl_xml_text!(DurationMinutes);

/// A presence-only flag such as `<LeaveRecordOpen></LeaveRecordOpen>`: the element's
/// presence is the information. Use `Option<Flag>`; `Some(Flag)` is written
/// `<X></X>` as the document's examples do, and both `<X></X>` and `<X/>` are read
/// (ERRATA E19).
///
/// ```
/// # use systmone_core::Flag;
/// let leave_record_open: Option<Flag> = Some(Flag);
/// assert!(leave_record_open.is_some());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flag;

/// The text of a flag: empty (whitespace is allowed, as between tags).
impl FromStr for Flag {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.trim().is_empty() {
            Ok(Flag)
        } else {
            Err(ValueError::new("Flag", text, "an empty element"))
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

impl WriteXml for Flag {
    fn write_xml(&self, writer: &mut XmlWriter, name: &str) -> WriteResult {
        writer.start_element(name);
        writer.characters("");
        writer.end_element()
    }
}

impl ReadXml for Flag {
    fn read_xml(reader: &mut XmlReader<'_>) -> ReadResult<Self> {
        let (name, _, _) = x::read_start(reader)?;
        match reader.peek_markup()? {
            Event::End => Ok(Flag),
            other => Err(ReadError::invalid(format!(
                "<{name}> is a presence-only flag and must be empty, found {other:?}"
            ))),
        }
    }
}

macro_rules! strict_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, as written.
            pub const VALUES: &'static [&'static str] = &[$($text),+];
        }

        impl FromStr for $name {
            type Err = ValueError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(ValueError::new(
                        stringify!($name),
                        text,
                        concat!("one of", $(" ", $text),+),
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self {
                    $($name::$variant => $text),+
                })
            }
        }

        impl_xml_text!($name);
    };
}

strict_enum! {
    /// Drugs coding system for a response (`OutputScheme/Drugs`). ERRATA E3: the
    /// document's "Mulitlex" is a typo and is refused.
    DrugScheme {
        /// SystmOne's default.
        Multilex = "Multilex",
        /// DM+D.
        Dmd = "Dmd",
    }
}

strict_enum! {
    /// Clinical coding system for a response (`OutputScheme/Codes`).
    CodeScheme {
        /// SystmOne's default.
        Ctv3 = "CTV3",
        /// SNOMED CT.
        Snomed = "Snomed",
    }
}

/// The coding schemes the response to a request should use. Omitted parts default to
/// Multilex and CTV3.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutputScheme {
    /// The scheme for drugs (`None`: SystmOne's default).
    pub drugs: Option<DrugScheme>,
    /// The scheme for clinical codes (`None`: SystmOne's default).
    pub codes: Option<CodeScheme>,
    /// Anything else the element held (a misspelt scheme, say: ERRATA E3), kept.
    pub extra: Extra,
}

impl XmlContent for OutputScheme {
    fn read_content(
        reader: &mut XmlReader<'_>,
        name: &str,
        attributes: &[Attribute<'_>],
    ) -> ReadResult<Self> {
        let _scope = x::enter(name);
        let mut scheme = OutputScheme::default();
        let mut order = Order::<2>::new();
        x::keep_unknown_attributes(attributes, &[], &mut scheme.extra)?;
        while let Some(child) = x::next_child_keeping_text(reader, &mut order, &mut scheme.extra)? {
            match child {
                "Drugs" if scheme.drugs.is_none() => {
                    scheme.drugs =
                        x::read_text_member(reader, &mut order, &mut scheme.extra, 0, false)?
                }
                "Codes" if scheme.codes.is_none() => {
                    scheme.codes =
                        x::read_text_member(reader, &mut order, &mut scheme.extra, 1, false)?
                }
                "Drugs" | "Codes" => {
                    x::keep_child(reader, &mut order, &mut scheme.extra, DriftKind::Repeated)?
                }
                _ => x::keep_child(
                    reader,
                    &mut order,
                    &mut scheme.extra,
                    DriftKind::UnknownElement,
                )?,
            }
        }
        Ok(scheme)
    }

    fn write_content(&self, writer: &mut XmlWriter) -> WriteResult {
        let counts = [
            usize::from(self.drugs.is_some()),
            usize::from(self.codes.is_some()),
        ];
        x::write_members(writer, &self.extra, &counts, |writer, member, k| {
            let attributes = self.extra.child_attributes(member as u16, k);
            match (member, &self.drugs, &self.codes) {
                (0, Some(drugs), _) => {
                    x::write_text_member(writer, "Drugs", drugs, attributes, None)
                }
                (1, _, Some(codes)) => {
                    x::write_text_member(writer, "Codes", codes, attributes, None)
                }
                _ => Ok(()),
            }
        })
    }

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

impl_xml_content!(OutputScheme);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_strict() {
        assert_eq!("Multilex".parse::<DrugScheme>(), Ok(DrugScheme::Multilex));
        let err = "Mulitlex".parse::<DrugScheme>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid DrugScheme \"Mulitlex\": one of Multilex Dmd"
        );
        assert_eq!(CodeScheme::Ctv3.to_string(), "CTV3");
    }

    #[test]
    fn flag_forms() {
        for text in [
            "<LeaveRecordOpen/>",
            "<LeaveRecordOpen></LeaveRecordOpen>",
            "<LeaveRecordOpen> </LeaveRecordOpen>",
        ] {
            assert_eq!(x::from_str::<Flag>(text, "LeaveRecordOpen"), Ok(Flag));
        }
        assert_eq!(
            x::to_string(&Flag, "LeaveRecordOpen", false).unwrap(),
            "<LeaveRecordOpen></LeaveRecordOpen>"
        );
        assert!(
            x::from_str::<Flag>("<LeaveRecordOpen>x</LeaveRecordOpen>", "LeaveRecordOpen").is_err()
        );
        assert!(
            x::from_str::<Flag>("<LeaveRecordOpen><a/></LeaveRecordOpen>", "LeaveRecordOpen")
                .is_err()
        );
    }
}
