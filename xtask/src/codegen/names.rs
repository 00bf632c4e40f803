//! Rust names for XSD names, and the names of generated crates.

/// `GetPatientRecord v1.0.xsd` → (`GetPatientRecord`, `1.0`).
pub fn parse_schema_file_name(file_name: &str) -> Option<(String, String)> {
    let stem = file_name.strip_suffix(".xsd")?;
    let (function, version) = stem.rsplit_once(" v")?;
    let valid_version = !version.is_empty()
        && version
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let valid_function =
        !function.is_empty() && function.bytes().all(|b| b.is_ascii_alphanumeric());
    (valid_version && valid_function).then(|| (function.to_string(), version.to_string()))
}

/// Splits `NHSNumber` into `NHS`, `Number`; `SRManifestCRC` into `SR`, `Manifest`,
/// `CRC`; `UsualGPUserName` into `Usual`, `GP`, `User`, `Name`.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            Some(p) if c.is_ascii_uppercase() => {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            }
            _ => false,
        };
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `snake_case` field name.
pub fn field_name(xml_name: &str) -> String {
    let name = words(xml_name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    // `type` (DrugSensitivity, Letter) reads best as `kind`; yaserde's derive cannot
    // take raw identifiers or a trailing underscore without warnings.
    match name.as_str() {
        "type" => "kind".into(),
        // `order` (a care plan instruction's, F15) is the readers' own local name.
        "order" => "position".into(),
        _ if is_keyword(&name) => format!("{name}_value"),
        _ => name,
    }
}

/// `UpperCamelCase` type name, keeping the XSD's own spelling when it already is one.
pub fn type_name(xsd_name: &str) -> String {
    words(xsd_name).iter().map(|w| capitalise(w)).collect()
}

/// An enum variant for an element name.
pub fn variant_name(xml_name: &str) -> String {
    type_name(xml_name)
}

/// An enum variant for an enumeration value (`CTV3` → `Ctv3`, `""` → `Empty`).
pub fn enum_variant(value: &str) -> String {
    if value.is_empty() {
        return "Empty".into();
    }
    let name = type_name(value);
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{name}")
    } else {
        name
    }
}

/// Variants of a choice; where two element names would give the same variant
/// (ERRATA E1: `NHSNumber` and `NhsNumber`), the non-canonical spelling is marked.
pub fn choice_variant(owner: &str, xml_name: &str) -> String {
    match (owner, xml_name) {
        ("Identity", "NhsNumber") => "NhsNumberMixedCase".into(),
        _ => variant_name(xml_name),
    }
}

/// The enum and field names of a choice in `owner`.
pub fn choice_names(owner: &str, repeated: bool) -> (String, String) {
    match owner {
        "Identity" => ("PatientId".into(), "number".into()),
        _ if repeated => (format!("{}Item", type_name(owner)), "items".into()),
        _ => (format!("{}Choice", type_name(owner)), "choice".into()),
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => {
            first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
        }
        None => String::new(),
    }
}

fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "type"
            | "match"
            | "ref"
            | "self"
            | "struct"
            | "enum"
            | "fn"
            | "mod"
            | "use"
            | "impl"
            | "loop"
            | "move"
            | "where"
            | "in"
            | "for"
            | "if"
            | "else"
            | "let"
            | "crate"
            | "super"
            | "trait"
            | "true"
            | "false"
            | "as"
            | "box"
            | "const"
            | "continue"
            | "break"
            | "dyn"
            | "extern"
            | "mut"
            | "pub"
            | "return"
            | "static"
            | "unsafe"
            | "while"
            | "async"
            | "await"
    )
}

/// The directory and package of a function version's crate:
/// `GetPatientRecord`, `1.0` → `get_patient_record_v1_0`, `systmone-get-patient-record-v1-0`.
pub fn function_crate(function: &str, version: &str) -> (String, String) {
    let snake = field_name(function);
    let v = version.replace('.', "_");
    (
        format!("{snake}_v{v}"),
        format!(
            "systmone-{}-v{}",
            snake.replace('_', "-"),
            version.replace('.', "-")
        ),
    )
}

/// The marker type of a function version: `GetPatientRecordV1_0`.
pub fn function_marker(function: &str, version: &str) -> String {
    format!("{}V{}", type_name(function), version.replace('.', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names() {
        for (xml, rust) in [
            ("NHSNumber", "nhs_number"),
            ("NhsNumber", "nhs_number"),
            ("APIKey", "api_key"),
            ("SMSConsent", "sms_consent"),
            ("UsualGPUserName", "usual_gp_user_name"),
            ("URL", "url"),
            ("ID", "id"),
            ("NationalIDType", "national_id_type"),
            ("EventUID", "event_uid"),
            ("DateTimeStart", "date_time_start"),
            ("SRManifestCRC", "sr_manifest_crc"),
            ("XSD", "xsd"),
            ("Type", "kind"),
            ("LinkedProblemUID", "linked_problem_uid"),
        ] {
            assert_eq!(field_name(xml), rust, "{xml}");
        }
    }

    #[test]
    fn type_and_variant_names() {
        assert_eq!(type_name("PatientRecordFilter"), "PatientRecordFilter");
        assert_eq!(type_name("XsdFileResult"), "XsdFileResult");
        assert_eq!(enum_variant("CTV3"), "Ctv3");
        assert_eq!(enum_variant("Multilex"), "Multilex");
        assert_eq!(enum_variant(""), "Empty");
        assert_eq!(choice_variant("Identity", "NHSNumber"), "NhsNumber");
        assert_eq!(
            choice_variant("Identity", "NhsNumber"),
            "NhsNumberMixedCase"
        );
    }

    #[test]
    fn schema_file_names() {
        assert_eq!(
            parse_schema_file_name("GetPatientRecord v1.0.xsd"),
            Some(("GetPatientRecord".into(), "1.0".into()))
        );
        assert_eq!(parse_schema_file_name("ClientIntegrationTypes.xsd"), None);
        assert_eq!(parse_schema_file_name("Get Functions v1.0.xsd"), None);
        assert_eq!(
            function_crate("GetPatientRecord", "1.0"),
            (
                "get_patient_record_v1_0".into(),
                "systmone-get-patient-record-v1-0".into()
            )
        );
    }
}
