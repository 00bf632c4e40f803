//! Version skew (`--skew`): the simulator behaves like a newer SystmOne than the
//! bindings describe, so the maintainer's loop (conformance reports drift, `fetch-xsd`,
//! `reconcile`, `absorb`, codegen, conformance passes) can be walked without a real
//! client.
//!
//! Every departure is derived at run time from the shipped v1.0 schemas and responses
//! (no newer XSD lives in `xsd/`, which codegen reads), and each one is listed in
//! [`DEPARTURES`], which tests compare with what conformance reports. They are what a
//! release plausibly adds, and what `absorb` can take in from the responses:
//!
//! - an extra optional element: `Demographics/PreferredPronouns`, last in every
//!   Demographics;
//! - an extra optional attribute: `Event/@Confidentiality` on every Event;
//! - a new function version: `GetPatientRecord` 1.1, advertised by GetFunctions beside
//!   1.0, its XSD written by GetXSDFiles, and answered (its request reads as v1.0's).
//!
//! GetXSDFiles writes the release as SystmOne does (F13), request only: the files of
//! [`systmone_bindings::SYSTMONE_XSD_FILES`], UpdatePatientRecord's accepting the new
//! element and attribute (a release lets integrations write what it now records), and
//! `GetPatientRecord v1.1.xsd`, v1.0's request at the new version. What responses hold
//! is in no schema, as with a real client: it is learnt from the responses (`absorb`).

use std::borrow::Cow;

use systmone_bindings::get_patient_record_v1_0::GetPatientRecordV1_0;
use systmone_bindings::update_patient_record_v1_0::UpdatePatientRecordV1_0;
use systmone_core::Function;

/// The element added to every Demographics.
pub const EXTRA_ELEMENT: &str = "PreferredPronouns";
/// Its value in every response.
pub const EXTRA_ELEMENT_VALUE: &str = "they/them";
/// The attribute added to every Event.
pub const EXTRA_ATTRIBUTE: &str = "Confidentiality";
/// Its value in every response.
pub const EXTRA_ATTRIBUTE_VALUE: &str = "Normal";
/// The function given a new version.
pub const NEW_VERSION_FUNCTION: &str = GetPatientRecordV1_0::NAME;
/// Its new version.
pub const NEW_VERSION: &str = "1.1";

/// Each departure from the v1.0 bindings, as a short description (for documentation
/// and tests): element, attribute, function version.
pub const DEPARTURES: [&str; 3] = [
    "Demographics/PreferredPronouns: a new element",
    "Event/@Confidentiality: a new attribute",
    "GetPatientRecord 1.1: a new function version",
];

/// GetFunctions' list under skew: the bindings' functions, GetPatientRecord with 1.1
/// beside 1.0.
pub fn advertised() -> Vec<(String, Vec<String>)> {
    systmone_bindings::FUNCTIONS
        .iter()
        .map(|(f, v)| {
            let mut versions = vec![v.to_string()];
            if *f == NEW_VERSION_FUNCTION {
                versions.push(NEW_VERSION.to_string());
            }
            (f.to_string(), versions)
        })
        .collect()
}

/// The schema files GetXSDFiles writes under skew, in SystmOne's style: the shipped
/// ones, UpdatePatientRecord's accepting the new element and attribute (the release
/// lets integrations write what it records), and `GetPatientRecord v1.1.xsd` (v1.0's
/// request at 1.1).
pub fn xsd_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for (name, text) in systmone_bindings::SYSTMONE_XSD_FILES {
        if *name == schema_file::<UpdatePatientRecordV1_0>() {
            files.push((name.to_string(), skewed_update(text)));
        } else {
            files.push((name.to_string(), text.to_string()));
        }
        if *name == schema_file::<GetPatientRecordV1_0>() {
            files.push((
                format!("{NEW_VERSION_FUNCTION} v{NEW_VERSION}.xsd"),
                text.replacen(
                    r#"name="FunctionVersion" type="xs:decimal" fixed="1.0""#,
                    &format!(r#"name="FunctionVersion" type="xs:decimal" fixed="{NEW_VERSION}""#),
                    1,
                ),
            ));
        }
    }
    files
}

/// The name GetXSDFiles gives a function version's file: `<Function> v<Version>.xsd`.
fn schema_file<F: Function>() -> String {
    format!("{} v{}.xsd", F::NAME, F::VERSION)
}

/// Inserts `line` (at `depth` levels below `element`'s declaration) before the line
/// closing `closing` at that depth, within `element`'s anonymous type: SystmOne's
/// files indent each level by two spaces. Unchanged when either is missing, which the
/// tests would notice.
fn insert_in(text: &str, element: &str, closing: &str, depth: usize, line: &str) -> String {
    let anchor = format!("<xs:element name=\"{element}\" ");
    let Some(at) = text.find(&anchor) else {
        return text.to_string();
    };
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = " ".repeat(at - line_start + 2 * depth);
    let close = format!("\n{indent}{closing}");
    let Some(offset) = text[at..].find(&close) else {
        return text.to_string();
    };
    let end = at + offset + 1;
    format!("{}{indent}  {line}\n{}", &text[..end], &text[end..])
}

fn skewed_update(text: &str) -> String {
    let text = insert_in(
        text,
        "Demographics",
        "</xs:sequence>",
        2,
        &format!(r#"<xs:element name="{EXTRA_ELEMENT}" type="xs:string" minOccurs="0" />"#),
    );
    insert_in(
        &text,
        "Event",
        "</xs:complexType>",
        1,
        &format!(r#"<xs:attribute name="{EXTRA_ATTRIBUTE}" type="xs:string" />"#),
    )
}

/// A request as the v1.0 bindings read it: a GetPatientRecord 1.1 request is read as
/// 1.0 (the new version adds nothing to the request); the response still echoes 1.1.
pub fn request_for_parsing(text: &str) -> Cow<'_, str> {
    let asks_new = text.contains(&format!("<Function>{NEW_VERSION_FUNCTION}</Function>"))
        && text.contains(&format!("<FunctionVersion>{NEW_VERSION}</FunctionVersion>"));
    if asks_new {
        Cow::Owned(text.replacen(
            &format!("<FunctionVersion>{NEW_VERSION}</FunctionVersion>"),
            "<FunctionVersion>1.0</FunctionVersion>",
            1,
        ))
    } else {
        Cow::Borrowed(text)
    }
}

/// A response document as the newer client writes it.
pub fn response(xml: &str) -> String {
    let element =
        format!("<{EXTRA_ELEMENT}>{EXTRA_ELEMENT_VALUE}</{EXTRA_ELEMENT}></Demographics>");
    let with_attribute = format!("<Event {EXTRA_ATTRIBUTE}=\"{EXTRA_ATTRIBUTE_VALUE}\"");
    xml.replace("</Demographics>", &element)
        .replace("<Demographics/>", &format!("<Demographics>{element}"))
        .replace("<Event>", &format!("{with_attribute}>"))
        .replace("<Event ", &format!("{with_attribute} "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_are_systmone_s_style_request_only() {
        let files = xsd_files();
        assert_eq!(files.len(), systmone_bindings::SYSTMONE_XSD_FILES.len() + 1);
        for (name, text) in &files {
            assert!(!text.contains("ClientIntegrationResponse"), "{name}");
            assert!(!text.contains("xs:include"), "{name}");
        }
        let (_, update) = files
            .iter()
            .find(|(n, _)| *n == schema_file::<UpdatePatientRecordV1_0>())
            .unwrap();
        let demographics = update.find(r#"name="Demographics""#).unwrap();
        let pronouns = update.find(r#"name="PreferredPronouns""#).unwrap();
        let event = update.find(r#"<xs:element name="Event" "#).unwrap();
        let confidentiality = update.find(r#"name="Confidentiality""#).unwrap();
        assert!(
            demographics < pronouns && event < confidentiality,
            "{update}"
        );
    }

    #[test]
    fn get_patient_record_1_1_is_served() {
        let (_, v1_1) = xsd_files()
            .into_iter()
            .find(|(n, _)| n == "GetPatientRecord v1.1.xsd")
            .unwrap();
        assert!(
            v1_1.contains(r#"name="FunctionVersion" type="xs:decimal" fixed="1.1""#),
            "{v1_1}"
        );
        assert!(!v1_1.contains(r#"fixed="1.0""#));
        // Every served schema is well-formed XML (a comment holding `--` is not).
        for (name, text) in xsd_files() {
            for event in xml::reader::EventReader::new(text.as_bytes()) {
                if let Err(e) = event {
                    panic!("{name}: {e}");
                }
            }
        }
        let listed = advertised();
        let record = listed
            .iter()
            .find(|(f, _)| f == "GetPatientRecord")
            .unwrap();
        assert_eq!(record.1, ["1.0", "1.1"]);
    }

    #[test]
    fn responses_gain_the_element_and_attribute() {
        let xml = "<Demographics><Title>Mr</Title></Demographics><Event DateTime=\"x\"><ClinicalCode>\
                   <ProblemSeverity>Major</ProblemSeverity></ClinicalCode></Event><EventUID>1</EventUID>";
        let skewed = response(xml);
        assert_eq!(
            skewed,
            "<Demographics><Title>Mr</Title><PreferredPronouns>they/them</PreferredPronouns></Demographics>\
             <Event Confidentiality=\"Normal\" DateTime=\"x\"><ClinicalCode><ProblemSeverity>Major</ProblemSeverity>\
             </ClinicalCode></Event><EventUID>1</EventUID>"
        );
        let request = "<Function>GetPatientRecord</Function><FunctionVersion>1.1</FunctionVersion>";
        assert!(request_for_parsing(request).contains("<FunctionVersion>1.0</FunctionVersion>"));
        let other = "<Function>GetDiary</Function><FunctionVersion>1.1</FunctionVersion>";
        assert_eq!(request_for_parsing(other), other);
    }
}
