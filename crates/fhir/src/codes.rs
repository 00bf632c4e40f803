//! Code systems: each SystmOne coding scheme and the FHIR system URI it keeps.

use systmone_types::SchemeName;

/// SNOMED CT.
pub const SNOMED_CT: &str = "http://snomed.info/sct";
/// Read Codes version 3 (CTV3), as FHIR names it.
pub const CTV3: &str = "http://read.info/ctv3";
/// Read Codes version 2 (4-byte and 5-byte).
pub const READ_V2: &str = "http://read.info/readv2";
/// NHS Dictionary of Medicines and Devices, as UK Core names it.
pub const DMD: &str = "https://dmd.nhs.uk";
/// Multilex (FDB) drug codes. HL7 UK names no system for them; this is the
/// identifier system Care Connect (UK Core's predecessor) used for Multilex codes.
pub const MULTILEX: &str = "https://fhir.hl7.org.uk/Id/multilex-drug-codes";

/// The FHIR system of a SystmOne scheme, or `None` for a scheme no system is known
/// for (the code then goes to the mapping report).
pub fn system_of(scheme: &SchemeName) -> Option<&'static str> {
    match scheme {
        SchemeName::Ctv3 => Some(CTV3),
        SchemeName::Snomed => Some(SNOMED_CT),
        SchemeName::Dmd => Some(DMD),
        SchemeName::Multilex => Some(MULTILEX),
        // E3: other scheme names are possible; Read v2 is the one a GP record may hold.
        SchemeName::Other(name) => match name.to_ascii_lowercase().as_str() {
            "read" | "readv2" | "read2" | "read v2" => Some(READ_V2),
            "snomedct" | "snomed ct" | "sct" => Some(SNOMED_CT),
            "dm+d" => Some(DMD),
            "ctv3" => Some(CTV3),
            _ => None,
        },
    }
}

/// UK Core's NHS number identifier system.
pub const NHS_NUMBER: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// UK Core's extension for the verification status of an NHS number.
pub const NHS_NUMBER_VERIFICATION_EXTENSION: &str =
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus";
/// The code system of that extension's value (England).
pub const NHS_NUMBER_VERIFICATION_SYSTEM: &str =
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland";
/// UK Core's ethnic category extension.
pub const ETHNIC_CATEGORY_EXTENSION: &str =
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory";
/// HL7 v3 ActCode, for Encounter.class.
pub const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
/// HL7's condition-clinical code system, for Condition.clinicalStatus (`active`, or
/// `resolved` once a problem has an end date).
pub const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
/// HL7's condition-category code system: every SystmOne problem is a `problem-list-item`.
pub const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
/// HL7's allergyintolerance-clinical code system, for AllergyIntolerance.clinicalStatus
/// (always `active`: the record holds no resolution).
pub const ALLERGY_CLINICAL: &str =
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
/// HL7's provenance-participant-type code system: the software that entered an event (F7)
/// is the `composer`, the user the `author`.
pub const PROVENANCE_PARTICIPANT: &str =
    "http://terminology.hl7.org/CodeSystem/provenance-participant-type";
/// HL7's consentscope code system: the SMS consent Consent has scope `patient-privacy`.
pub const CONSENT_SCOPE: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
/// LOINC, for the SMS consent Consent's category (`59284-0`, Patient Consent).
pub const LOINC: &str = "http://loinc.org";

/// UCUM, the code system of units of measure.
pub const UCUM: &str = "http://unitsofmeasure.org";
/// HL7 v2 table 0074 (diagnostic service section), for DiagnosticReport.category.
pub const DIAGNOSTIC_SERVICE_SECTION: &str = "http://terminology.hl7.org/CodeSystem/v2-0074";
/// HL7's observation-category code system (`laboratory`, `imaging`).
pub const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
/// HL7 v3 ObservationInterpretation (`N`, `A`, `POS`, `NEG`), for a report's Result.
pub const OBSERVATION_INTERPRETATION: &str =
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
/// HL7's medicationrequest-course-of-therapy code system: a repeat is `continuous`.
pub const COURSE_OF_THERAPY: &str =
    "http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy";
/// HL7's flag-priority extension (core R4), for a reminder's Severity.
pub const FLAG_PRIORITY_EXTENSION: &str = "http://hl7.org/fhir/StructureDefinition/flag-priority";
/// The code system of the flag-priority extension's value (`PL`, `PM`, `PH`).
pub const FLAG_PRIORITY: &str = "http://terminology.hl7.org/CodeSystem/flag-priority-code";

/// The UCUM code of a unit as SystmOne writes it (`mmHg` is `mm[Hg]`), for the units of
/// readings a GP record commonly holds; `None` for a unit not listed here (the
/// quantity then keeps only the unit's text).
///
/// ```
/// assert_eq!(systmone_fhir::codes::ucum("mmHg"), Some("mm[Hg]"));
/// assert_eq!(systmone_fhir::codes::ucum(" kg "), Some("kg"));
/// assert_eq!(systmone_fhir::codes::ucum("beats/min"), Some("/min"));
/// assert_eq!(systmone_fhir::codes::ucum("units/week"), None);
/// ```
pub fn ucum(unit: &str) -> Option<&'static str> {
    let unit = unit.trim();
    // Case matters in UCUM (`mg` is not `Mg`), so only the spellings seen in GP records
    // are listed, each with the code it means.
    Some(match unit {
        "mmHg" | "mm Hg" | "mm[Hg]" => "mm[Hg]",
        "kg" | "Kg" | "kgs" => "kg",
        "g" => "g",
        "mg" => "mg",
        "cm" => "cm",
        "m" => "m",
        "mm" => "mm",
        "kg/m2" | "kg/m^2" | "kg/m²" => "kg/m2",
        "%" => "%",
        "bpm" | "beats/min" | "beats per minute" | "/min" | "breaths/min" => "/min",
        "degC" | "°C" | "C" | "Cel" | "deg C" => "Cel",
        "mmol/L" | "mmol/l" => "mmol/L",
        "mmol/mol" => "mmol/mol",
        "umol/L" | "umol/l" | "µmol/L" | "µmol/l" | "micromol/L" => "umol/L",
        "mg/L" | "mg/l" => "mg/L",
        "mg/dL" | "mg/dl" => "mg/dL",
        "g/L" | "g/l" => "g/L",
        "g/dL" | "g/dl" => "g/dL",
        "ng/mL" | "ng/ml" => "ng/mL",
        "IU/L" | "iu/L" | "iu/l" => "[IU]/L",
        "U/L" | "u/l" => "U/L",
        "mL/min/1.73m2" | "ml/min/1.73m2" | "mL/min/1.73m^2" => "mL/min/{1.73_m2}",
        "L/min" | "l/min" => "L/min",
        "L" | "l" => "L",
        "mL" | "ml" => "mL",
        "10*9/L" | "10^9/L" | "x10^9/L" => "10*9/L",
        "10*12/L" | "10^12/L" | "x10^12/L" => "10*12/L",
        "fL" | "fl" => "fL",
        "pg" => "pg",
        "mU/L" => "mU/L",
        "mIU/L" | "miu/L" => "m[IU]/L",
        "pmol/L" | "pmol/l" => "pmol/L",
        "nmol/L" | "nmol/l" => "nmol/L",
        "sec" | "s" | "seconds" => "s",
        "min" | "mins" | "minutes" => "min",
        "h" | "hours" => "h",
        "days" | "d" => "d",
        "weeks" | "wk" => "wk",
        "years" | "a" => "a",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_scheme_keeps_its_system() {
        assert_eq!(system_of(&SchemeName::Ctv3), Some(CTV3));
        assert_eq!(system_of(&SchemeName::Snomed), Some(SNOMED_CT));
        assert_eq!(system_of(&SchemeName::Dmd), Some(DMD));
        assert_eq!(system_of(&SchemeName::Multilex), Some(MULTILEX));
        assert_eq!(system_of(&SchemeName::Other("Read".into())), Some(READ_V2));
        assert_eq!(system_of(&SchemeName::Other("EMIS".into())), None);
    }

    #[test]
    fn units_map_to_ucum_case_sensitively() {
        assert_eq!(ucum("mmol/L"), Some("mmol/L"));
        assert_eq!(ucum("mL/min/1.73m2"), Some("mL/min/{1.73_m2}"));
        assert_eq!(ucum("MG"), None);
        assert_eq!(ucum(""), None);
    }
}
