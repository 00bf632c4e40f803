//! Version skew (`--skew`): the simulator behaves like a newer SystmOne than the
//! bindings describe, so the maintainer's loop (conformance reports drift, `fetch-xsd`,
//! `xsd-diff`, codegen, conformance passes) can be walked without a real client.
//!
//! Every departure is derived at run time from the shipped v1.0 schemas and responses
//! (no newer XSD lives in `xsd/`, which codegen reads), and each one is listed in
//! [`DEPARTURES`], which tests compare with what conformance reports:
//!
//! - an extra element: `Demographics/PreferredPronouns`, last in every Demographics;
//! - an extra attribute: `Event/@Confidentiality` on every Event;
//! - a new enumeration value: `ProblemSeverity` `Moderate` (sent in place of Major);
//! - a new function version: `GetPatientRecord` 1.1, advertised by GetFunctions beside
//!   1.0, its XSD written by GetXSDFiles, and answered (its request reads as v1.0's).
//!
//! The changed `ClientIntegrationTypes.xsd` and the new `GetPatientRecord v1.1.xsd`
//! are what GetXSDFiles writes under skew, so the regenerated bindings read the skewed
//! responses strictly.

use std::borrow::Cow;

/// The element added to every Demographics.
pub const EXTRA_ELEMENT: &str = "PreferredPronouns";
/// Its value in every response.
pub const EXTRA_ELEMENT_VALUE: &str = "they/them";
/// The attribute added to every Event.
pub const EXTRA_ATTRIBUTE: &str = "Confidentiality";
/// Its value in every response.
pub const EXTRA_ATTRIBUTE_VALUE: &str = "Normal";
/// The ProblemSeverity value sent in place of Major.
pub const NEW_ENUMERATION_VALUE: &str = "Moderate";
/// The function given a new version.
pub const NEW_VERSION_FUNCTION: &str = "GetPatientRecord";
/// Its new version.
pub const NEW_VERSION: &str = "1.1";

/// Each departure from the v1.0 bindings, as a short description (for documentation
/// and tests): element, attribute, enumeration value, function version.
pub const DEPARTURES: [&str; 4] = [
    "Demographics/PreferredPronouns: a new element",
    "Event/@Confidentiality: a new attribute",
    "ProblemSeverity: a new value, Moderate",
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

/// The schema files GetXSDFiles writes under skew: the shipped ones with the common
/// types extended, and `GetPatientRecord v1.1.xsd`.
pub fn xsd_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for (name, text) in systmone_bindings::XSD_FILES {
        if *name == "ClientIntegrationTypes.xsd" {
            files.push((name.to_string(), skewed_common_types(text)));
        } else {
            files.push((name.to_string(), text.to_string()));
        }
        if *name == "GetPatientRecord v1.0.xsd" {
            files.push((
                format!("{NEW_VERSION_FUNCTION} v{NEW_VERSION}.xsd"),
                new_record_version(text),
            ));
        }
    }
    files
}

/// Inserts `insert` before the first `before` that follows `anchor` (unchanged when
/// either is missing, which the tests would notice).
fn insert_after_anchor(text: &str, anchor: &str, before: &str, insert: &str) -> String {
    let Some(start) = text.find(anchor) else {
        return text.to_string();
    };
    let Some(offset) = text[start..].find(before) else {
        return text.to_string();
    };
    let at = start + offset;
    format!("{}{insert}{}", &text[..at], &text[at..])
}

fn skewed_common_types(text: &str) -> String {
    let text = insert_after_anchor(
        text,
        "<xs:complexType name=\"Demographics\">",
        "    </xs:sequence>",
        &format!(
            "      <xs:element name=\"{EXTRA_ELEMENT}\" type=\"xs:string\" minOccurs=\"0\">\n        \
             <xs:annotation><xs:documentation>The patient's preferred pronouns (systmone sim --skew: a newer client's element).</xs:documentation></xs:annotation>\n      \
             </xs:element>\n"
        ),
    );
    let text = insert_after_anchor(
        &text,
        "<xs:complexType name=\"Event\">",
        "    <xs:attribute name=\"Software\"",
        &format!(
            "    <xs:attribute name=\"{EXTRA_ATTRIBUTE}\" type=\"xs:string\">\n      \
             <xs:annotation><xs:documentation>The event's confidentiality (systmone sim --skew: a newer client's attribute).</xs:documentation></xs:annotation>\n    \
             </xs:attribute>\n"
        ),
    );
    insert_after_anchor(
        &text,
        "<xs:simpleType name=\"ProblemSeverity\">",
        "    </xs:restriction>",
        &format!("      <xs:enumeration value=\"{NEW_ENUMERATION_VALUE}\"/>\n"),
    )
}

fn new_record_version(v1_0: &str) -> String {
    let text = v1_0.replacen(
        "GetPatientRecord v1.0",
        "GetPatientRecord v1.1 (a newer client's, as the simulator's skew option serves it)",
        1,
    );
    let anchor = "<xs:simpleType name=\"GetPatientRecordFunctionVersion\">";
    let old = "<xs:enumeration value=\"1.0\"/>";
    match text
        .find(anchor)
        .and_then(|start| Some(start + text[start..].find(old)?))
    {
        Some(at) => format!(
            "{}<xs:enumeration value=\"{NEW_VERSION}\"/>{}",
            &text[..at],
            &text[at + old.len()..]
        ),
        None => text,
    }
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
        .replace(
            "<ProblemSeverity>Major</ProblemSeverity>",
            &format!("<ProblemSeverity>{NEW_ENUMERATION_VALUE}</ProblemSeverity>"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_types_gain_each_departure() {
        let (_, common) = xsd_files()
            .into_iter()
            .find(|(n, _)| n == "ClientIntegrationTypes.xsd")
            .unwrap();
        assert!(common.contains("<xs:element name=\"PreferredPronouns\""));
        assert!(common.contains("<xs:attribute name=\"Confidentiality\""));
        assert!(common.contains("<xs:enumeration value=\"Moderate\"/>"));
        let demographics = common.find("name=\"Demographics\"").unwrap();
        let pronouns = common.find("name=\"PreferredPronouns\"").unwrap();
        let event = common.find("<xs:complexType name=\"Event\">").unwrap();
        assert!(demographics < pronouns && pronouns < event);
    }

    #[test]
    fn get_patient_record_1_1_is_served() {
        let (_, v1_1) = xsd_files()
            .into_iter()
            .find(|(n, _)| n == "GetPatientRecord v1.1.xsd")
            .unwrap();
        assert!(v1_1.contains("<xs:enumeration value=\"1.1\"/>"), "{v1_1}");
        assert!(!v1_1.contains("<xs:enumeration value=\"1.0\"/>"));
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
    fn responses_gain_the_element_attribute_and_value() {
        let xml = "<Demographics><Title>Mr</Title></Demographics><Event DateTime=\"x\"><ClinicalCode>\
                   <ProblemSeverity>Major</ProblemSeverity></ClinicalCode></Event><EventUID>1</EventUID>";
        let skewed = response(xml);
        assert_eq!(
            skewed,
            "<Demographics><Title>Mr</Title><PreferredPronouns>they/them</PreferredPronouns></Demographics>\
             <Event Confidentiality=\"Normal\" DateTime=\"x\"><ClinicalCode><ProblemSeverity>Moderate</ProblemSeverity>\
             </ClinicalCode></Event><EventUID>1</EventUID>"
        );
        let request = "<Function>GetPatientRecord</Function><FunctionVersion>1.1</FunctionVersion>";
        assert!(request_for_parsing(request).contains("<FunctionVersion>1.0</FunctionVersion>"));
        let other = "<Function>GetDiary</Function><FunctionVersion>1.1</FunctionVersion>";
        assert_eq!(request_for_parsing(other), other);
    }
}
