//! Serde types for the FHIR R4 (4.0.1) resources and data types this crate writes, and
//! only those: each field is one the mapping fills. JSON names follow the
//! specification; empty values are never written (FHIR forbids empty elements).

use serde::Serialize;

/// A Bundle of type `collection`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// Always `"Bundle"` (JSON `resourceType`).
    pub resource_type: &'static str,
    /// A name-based UUID of the patient (or of the search), so the same input gives the
    /// same id.
    pub id: String,
    /// Always `"collection"` (JSON `type`): a set of resources with no transaction or
    /// document semantics.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The resources, the Patient first. Left out of the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<BundleEntry>,
}

/// One resource in a Bundle, with the URL other entries reference it by.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    /// `urn:uuid:<id>`, which references inside the Bundle use.
    pub full_url: String,
    /// The resource itself.
    pub resource: Resource,
}

/// Every resource type the mapping writes; `resourceType` names the variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "resourceType")]
pub enum Resource {
    /// The patient whose record or search match this is.
    Patient(Patient),
    /// A SystmOne user, or a person named on a letter.
    Practitioner(Practitioner),
    /// A user in the role DoneBy names (`SURNAME, Forename (Role)`, F7).
    PractitionerRole(PractitionerRole),
    /// An organisation named on a letter.
    Organization(Organization),
    /// Where an event was done (Event/@DoneAt).
    Location(Location),
    /// A SystmOne event (a consultation or other entry in the journal).
    Encounter(Encounter),
    /// The patient's registration (type and start date).
    EpisodeOfCare(EpisodeOfCare),
    /// A problem: a clinical code with a ProblemUID, severity, episodicity or end date.
    Condition(Condition),
    /// A clinical code that is not a problem, or an event's free text.
    Observation(Observation),
    /// A medication item.
    MedicationStatement(MedicationStatement),
    /// One ingredient of a drug sensitivity.
    AllergyIntolerance(AllergyIntolerance),
    /// A letter or an attachment.
    DocumentReference(DocumentReference),
    /// A booked appointment or a home visit.
    Appointment(Appointment),
    /// A SystmOne task.
    Task(Task),
    /// The software that entered an event (F7).
    Device(Device),
    /// Who and what entered an event (F7): the software and the user.
    Provenance(Provenance),
    /// The patient's SMS consent.
    Consent(Consent),
    /// A vaccination (F15).
    Immunization(Immunization),
    /// A report, such as a pathology result (F15).
    DiagnosticReport(DiagnosticReport),
    /// A repeat medication template (F15): the authorisation of repeat issues.
    MedicationRequest(MedicationRequest),
    /// A relationship of the patient: a relative, carer or other contact (F15).
    RelatedPerson(RelatedPerson),
    /// A care plan or a patient plan (F15), with its instructions as activities.
    CarePlan(CarePlan),
    /// A reminder shown on the record (F15).
    Flag(Flag),
}

impl Resource {
    /// The resource's type name, as in `resourceType`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Resource::Patient(_) => "Patient",
            Resource::Practitioner(_) => "Practitioner",
            Resource::PractitionerRole(_) => "PractitionerRole",
            Resource::Organization(_) => "Organization",
            Resource::Location(_) => "Location",
            Resource::Encounter(_) => "Encounter",
            Resource::EpisodeOfCare(_) => "EpisodeOfCare",
            Resource::Condition(_) => "Condition",
            Resource::Observation(_) => "Observation",
            Resource::MedicationStatement(_) => "MedicationStatement",
            Resource::AllergyIntolerance(_) => "AllergyIntolerance",
            Resource::DocumentReference(_) => "DocumentReference",
            Resource::Appointment(_) => "Appointment",
            Resource::Task(_) => "Task",
            Resource::Device(_) => "Device",
            Resource::Provenance(_) => "Provenance",
            Resource::Consent(_) => "Consent",
            Resource::Immunization(_) => "Immunization",
            Resource::DiagnosticReport(_) => "DiagnosticReport",
            Resource::MedicationRequest(_) => "MedicationRequest",
            Resource::RelatedPerson(_) => "RelatedPerson",
            Resource::CarePlan(_) => "CarePlan",
            Resource::Flag(_) => "Flag",
        }
    }
}

/// Resource metadata: the UK Core profile the resource claims.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meta {
    /// The canonical URLs of the profiles the resource conforms to.
    pub profile: Vec<String>,
}

impl Meta {
    /// The `meta` claiming the UK Core profile of a resource type (`UKCore-Patient` for
    /// `"Patient"`).
    pub fn uk_core(resource: &str) -> Option<Meta> {
        Some(Meta {
            profile: vec![format!(
                "https://fhir.hl7.org.uk/StructureDefinition/UKCore-{resource}"
            )],
        })
    }
}

/// An extension (FHIR's way to carry what the base resource has no element for), as UK Core
/// defines them.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    /// The extension's definition (a StructureDefinition URL from [`crate::codes`]).
    pub url: String,
    /// The value, for the coded extensions this crate writes (JSON `valueCodeableConcept`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
}

/// A code in a code system.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Coding {
    /// The code system's URI ([`crate::codes`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The code, as the code system writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The code's term, as SystmOne gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// A concept: codings of it and/or its text. A SystmOne code of a scheme with no known FHIR
/// system keeps only its text (and is reported).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct CodeableConcept {
    /// The concept in code systems (at most one here: the SystmOne code).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    /// The concept as text: the SystmOne term, or a label for a SystmOne value with no code
    /// system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl CodeableConcept {
    /// A concept known only by its text.
    pub fn text(text: &str) -> Self {
        CodeableConcept {
            coding: Vec::new(),
            text: Some(text.to_string()),
        }
    }

    /// A concept from one coding of a FHIR code system.
    pub fn coded(system: &str, code: &str, display: &str) -> Self {
        CodeableConcept {
            coding: vec![Coding {
                system: Some(system.to_string()),
                code: Some(code.to_string()),
                display: Some(display.to_string()),
            }],
            text: None,
        }
    }
}

/// An identifier of a resource (an NHS number, a SystmOne UID).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Identifier {
    /// For an NHS number, UK Core's verification status (`02`, present but not traced: the
    /// interface does not say whether it was traced on PDS).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// What the identifier is, as text, when it has no system (`SystmOne EventUID`; JSON
    /// `type`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CodeableConcept>,
    /// The namespace of the value ([`crate::codes::NHS_NUMBER`] for an NHS number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The identifier itself.
    pub value: String,
}

/// A reference to another resource of the same Bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Reference {
    /// The `urn:uuid:` full URL of the entry referred to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Text for the resource referred to (the mapping does not write it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Reference {
    /// A reference to the entry with this full URL.
    pub fn to(full_url: &str) -> Self {
        Reference {
            reference: Some(full_url.to_string()),
            display: None,
        }
    }
}

/// A person's name.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct HumanName {
    /// `official` for the registered name, `usual` for the known-as name (JSON `use`).
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub name_use: Option<&'static str>,
    /// The name as one text, when SystmOne gave it so (a display name, F7).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The surname.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// The first name, then each middle name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
    /// The title (`Mrs`, `Dr`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prefix: Vec<String>,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// `home` for the patient's address (JSON `use`).
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub address_use: Option<&'static str>,
    /// House name, house number with road, and locality, each present one a line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub line: Vec<String>,
    /// The town.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The county.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// The postcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
}

/// A telephone number or email address.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactPoint {
    /// `phone` or `email`.
    pub system: &'static str,
    /// The number or address as SystmOne holds it.
    pub value: String,
    /// `home`, `work` or `mobile` when SystmOne says which telephone it is (JSON `use`).
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub contact_use: Option<&'static str>,
}

/// A time span; either end may be open.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Period {
    /// The start, as a FHIR date or dateTime ([`crate::time`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// The end, as a FHIR date or dateTime ([`crate::time`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// A measured value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantity {
    /// The number, kept exactly as SystmOne's Value (FIELD-EVIDENCE F15).
    pub value: serde_json::Number,
    /// The unit as SystmOne wrote it: the reading's own Units (F15), else GetReferenceData's
    /// NumericReadCodeUnits when [`crate::MapOptions::with_units`] gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// `http://unitsofmeasure.org` when the unit maps to UCUM ([`crate::codes::ucum`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<&'static str>,
    /// The UCUM code of the unit (`mm[Hg]` for `mmHg`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
}

impl Quantity {
    /// A value in a unit given as text, with its UCUM code when the unit maps.
    pub fn new(value: serde_json::Number, unit: Option<String>) -> Self {
        let ucum = unit.as_deref().and_then(crate::codes::ucum);
        Quantity {
            value,
            unit,
            system: ucum.map(|_| crate::codes::UCUM),
            code: ucum,
        }
    }
}

/// A note: free text, episodicity, quantity or sensitivity details that have no other
/// element.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Annotation {
    /// The note's text (markdown in FHIR; SystmOne's text is written as is).
    pub text: String,
}

/// How a medication is taken.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dosage {
    /// SystmOne's dose, as free text.
    pub text: String,
}

/// A document's content, described rather than included.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Attachment {
    /// Where the document can be fetched, when SystmOne gave a URL (a path on the SystmOne
    /// machine is reported instead).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The size in bytes (from FileSize, `14236 bytes`, F5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    /// The file name, or the letter's type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// The patient (UK Core Patient).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    /// The resource id: a name-based UUID, the same for the same record.
    pub id: String,
    /// Claims the UK Core Patient profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// UK Core's ethnic category, from Demographics/Ethnicity.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// The NHS number (only when its check digit holds) or the pseudo number, and the
    /// Strategic Reporting Identifier.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// The official name and, if SystmOne has one, the known-as name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    /// Home, work, mobile and alternate telephone numbers and the email address.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
    /// `male`, `female`, `other` or `unknown`, from SystmOne's sex (M, F, I, U).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<&'static str>,
    /// The date of birth (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// The home address.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub address: Vec<Address>,
    /// Demographics/MaritalStatus, coded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marital_status: Option<CodeableConcept>,
    /// The main language (preferred) and English when the patient speaks it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub communication: Vec<PatientCommunication>,
    /// The usual GP (Demographics/UsualGPUserName).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub general_practitioner: Vec<Reference>,
}

/// A language the patient speaks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientCommunication {
    /// The language, coded.
    pub language: CodeableConcept,
    /// Whether it is the patient's preferred language (the main language is; English is
    /// only when no main language is known).
    pub preferred: bool,
}

/// A SystmOne user, or a person named on a letter (UK Core Practitioner).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Practitioner {
    /// The resource id: a name-based UUID, one per user (or per letter party).
    pub id: String,
    /// Claims the UK Core Practitioner profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The SystmOne user name, when known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// The name, from a display name (F7) or a letter.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    /// For a person on a letter who names no organisation, the letter's address.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub address: Vec<Address>,
}

/// A practitioner in a role (UK Core PractitionerRole).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PractitionerRole {
    /// The resource id: a name-based UUID, one per practitioner and role.
    pub id: String,
    /// Claims the UK Core PractitionerRole profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The practitioner in the role.
    pub practitioner: Reference,
    /// The role as text, from the display name (`General Medical Practitioner`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub code: Vec<CodeableConcept>,
}

/// An organisation named on a letter (UK Core Organization).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Organization {
    /// The resource id: a name-based UUID, one per organisation name.
    pub id: String,
    /// Claims the UK Core Organization profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The organisation's name.
    pub name: String,
    /// The letter's address for it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub address: Vec<Address>,
}

/// Where an event was done (UK Core Location).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Location {
    /// The resource id: a name-based UUID, one per name.
    pub id: String,
    /// Claims the UK Core Location profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The name (Event/@DoneAt).
    pub name: String,
}

/// A SystmOne event (UK Core Encounter).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Encounter {
    /// The resource id: a name-based UUID of the EventUID.
    pub id: String,
    /// Claims the UK Core Encounter profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The EventUID.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// `finished`: the journal holds past events (an Activity whose Method is `DNA`,
    /// did not attend, is `cancelled`).
    pub status: &'static str,
    /// ActCode `VR` (virtual) for a contact by telephone, text or e-mail (Method, F15),
    /// else `AMB` (ambulatory).
    pub class: Coding,
    /// How it took place (Event/@Method, or an Activity's Method, F15) and, for an
    /// Activity, what was done (Performed), as text (JSON `type`).
    #[serde(rename = "type", skip_serializing_if = "Vec::is_empty")]
    pub kind: Vec<CodeableConcept>,
    /// The patient.
    pub subject: Reference,
    /// The user who did it; for an Activity, who it was done with (With) as a type.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub participant: Vec<EncounterParticipant>,
    /// Starts at the event's date and time; no end is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// An Activity's Duration, in minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<Duration>,
    /// The problems the event links (LinkedProblemUID).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnosis: Vec<EncounterDiagnosis>,
    /// Where it was done.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub location: Vec<EncounterLocation>,
    /// For an Activity, the Encounter of the event it was recorded in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_of: Option<Reference>,
}

/// Someone who took part in an encounter.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct EncounterParticipant {
    /// The part they took, as text (an Activity's With; JSON `type`).
    #[serde(rename = "type", skip_serializing_if = "Vec::is_empty")]
    pub kind: Vec<CodeableConcept>,
    /// The Practitioner or PractitionerRole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub individual: Option<Reference>,
}

/// A length of time (FHIR's Duration: a quantity of time in UCUM).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duration {
    /// The number of units.
    pub value: u64,
    /// The unit for people (`min`, `days`).
    pub unit: &'static str,
    /// Always `http://unitsofmeasure.org`.
    pub system: &'static str,
    /// The UCUM code (`min`, `d`).
    pub code: &'static str,
}

impl Duration {
    /// Whole minutes.
    pub fn minutes(value: u64) -> Self {
        Duration {
            value,
            unit: "min",
            system: crate::codes::UCUM,
            code: "min",
        }
    }

    /// Whole days.
    pub fn days(value: u64) -> Self {
        Duration {
            value,
            unit: "days",
            system: crate::codes::UCUM,
            code: "d",
        }
    }
}

/// A problem an encounter was about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EncounterDiagnosis {
    /// The problem's Condition.
    pub condition: Reference,
}

/// A place an encounter happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EncounterLocation {
    /// The Location.
    pub location: Reference,
}

/// The patient's registration at the practice. UK Core's Patient has no element for it; an
/// EpisodeOfCare is the base resource for a period of care by a provider.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct EpisodeOfCare {
    /// The resource id: a name-based UUID, one per record.
    pub id: String,
    /// Not written: no UK Core profile is claimed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Always `active`.
    pub status: &'static str,
    /// The registration type (`GMS`, `Private` or SystmOne's other text; JSON `type`).
    #[serde(rename = "type", skip_serializing_if = "Vec::is_empty")]
    pub kind: Vec<CodeableConcept>,
    /// The patient.
    pub patient: Reference,
    /// Starts at Demographics/CareStartDate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// The usual GP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub care_manager: Option<Reference>,
}

/// A problem (UK Core Condition).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// The resource id: a name-based UUID of the ProblemUID.
    pub id: String,
    /// Claims the UK Core Condition profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The ProblemUID.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// `active`, or `resolved` when the problem has an end date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clinical_status: Option<CodeableConcept>,
    /// Always `problem-list-item`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    /// SystmOne's Major or Minor, as text: it is the problem's significance, which FHIR's
    /// severity codes (severe, moderate, mild) do not name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<CodeableConcept>,
    /// The clinical code.
    pub code: CodeableConcept,
    /// The patient.
    pub subject: Reference,
    /// The event it was recorded in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    /// Not written: the interface gives no onset separate from the event's date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onset_date_time: Option<String>,
    /// The problem's end date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abatement_date_time: Option<String>,
    /// The event's date and time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_date: Option<String>,
    /// The user who recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorder: Option<Reference>,
    /// The items that link to the problem (LinkedProblemUID on an observation, sensitivity
    /// or other problem).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<ConditionEvidence>,
    /// The code's free text, the episodicity, and the event's narrative.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

/// Evidence for a problem.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionEvidence {
    /// The resource that links to the problem.
    pub detail: Vec<Reference>,
}

/// A clinical code that is not a problem, or an event's free text (UK Core Observation).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    /// The resource id: a name-based UUID of the event and item.
    pub id: String,
    /// Claims the UK Core Observation profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Always `final`.
    pub status: &'static str,
    /// For a report's result, the report's type (`laboratory`, `imaging`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    /// The clinical code; SNOMED `37331000000100` (Comment note) for an event's free text,
    /// as GP Connect writes it; a report's battery for its result.
    pub code: CodeableConcept,
    /// The patient.
    pub subject: Reference,
    /// The event it was recorded in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    /// The event's date and time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    /// The user who recorded it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub performer: Vec<Reference>,
    /// For a report's result, when it was issued (an instant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued: Option<String>,
    /// A reading's Value in its Units (F15), with the UCUM code when the unit maps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    /// The free text of a Comment note; a reading whose Comparator's meaning is not
    /// known, as text (value, units and the comparator's code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    /// For a report's result, SystmOne's Result (Normal, Abnormal, ...), coded where
    /// HL7's interpretation codes name it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interpretation: Vec<CodeableConcept>,
    /// The code's free text and the event's narrative.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

/// A medication item (UK Core MedicationStatement).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MedicationStatement {
    /// The resource id: a name-based UUID of the event and item.
    pub id: String,
    /// Claims the UK Core MedicationStatement profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `stopped` when there is an end reason, `completed` when it ended before
    /// [`crate::MapOptions::as_of`], else `active`.
    pub status: &'static str,
    /// The end reason, as text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub status_reason: Vec<CodeableConcept>,
    /// SystmOne's medication type, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<CodeableConcept>,
    /// The drug, coded in its scheme (dm+d, Multilex).
    pub medication_codeable_concept: CodeableConcept,
    /// The patient.
    pub subject: Reference,
    /// The event it was recorded in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Reference>,
    /// The medication's start and end dates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_period: Option<Period>,
    /// The event's date and time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_asserted: Option<String>,
    /// The user who recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub information_source: Option<Reference>,
    /// The problems it is linked to (LinkedProblemUID).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reason_reference: Vec<Reference>,
    /// The quantity (free text, F2: R4's MedicationStatement has no quantity) and the
    /// event's narrative.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
    /// The dose, as text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dosage: Vec<Dosage>,
}

/// One ingredient of a drug sensitivity (UK Core AllergyIntolerance).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AllergyIntolerance {
    /// The resource id: a name-based UUID of the event, item and ingredient.
    pub id: String,
    /// Claims the UK Core AllergyIntolerance profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Always `active`: the record says nothing of resolution.
    pub clinical_status: CodeableConcept,
    /// Always `medication`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<&'static str>,
    /// The ingredient, coded in its scheme.
    pub code: CodeableConcept,
    /// The patient.
    pub patient: Reference,
    /// The event it was recorded in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    /// The event's date and time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_date: Option<String>,
    /// The user who recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorder: Option<Reference>,
    /// The sensitivity type, the ingredient's details and the event's narrative.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

/// A letter or attachment (UK Core DocumentReference).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DocumentReference {
    /// The resource id: a name-based UUID of the event and item.
    pub id: String,
    /// Claims the UK Core DocumentReference profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The DocumentUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_identifier: Option<Identifier>,
    /// Always `current`.
    pub status: &'static str,
    /// A letter's type, as text (JSON `type`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CodeableConcept>,
    /// `Letter` (with `Incoming letter` or `Outgoing letter`) or `Attachment`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    /// The patient.
    pub subject: Reference,
    /// When the letter was sent or received, or the attachment's event time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The letter's sender and the user who recorded it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub author: Vec<Reference>,
    /// An attachment's comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The document, described (FHIR requires at least one).
    pub content: Vec<DocumentContent>,
    /// The event, and what the document relates to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<DocumentContext>,
}

/// A document's content.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentContent {
    /// Where and what the document is.
    pub attachment: Attachment,
}

/// What a document was made in and relates to.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct DocumentContext {
    /// The event it was recorded in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub encounter: Vec<Reference>,
    /// Not written: the interface gives no period of care for a document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// A letter's recipients, and the problems the document is linked to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Reference>,
}

/// A booked appointment, or a home visit (a booking in the visits diary).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    /// The resource id: a name-based UUID of the AppointmentUID or VisitUID.
    pub id: String,
    /// Not written: no UK Core profile is claimed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The AppointmentUID or VisitUID.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// SystmOne's status as FHIR's (`booked`, `arrived`, `checked-in`, `fulfilled`,
    /// `cancelled`, `noshow`); an unknown one is written `booked` and reported.
    pub status: &'static str,
    /// The clinic type.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub service_type: Vec<CodeableConcept>,
    /// `Home visit` for a visit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appointment_type: Option<CodeableConcept>,
    /// Not written: the interface has no description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The start, an instant with the UK offset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// The start plus the duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// The duration in whole minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes_duration: Option<u32>,
    /// A visit's comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The patient, the clinician, and the site.
    pub participant: Vec<AppointmentParticipant>,
}

/// Someone or something taking part in an appointment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppointmentParticipant {
    /// The Patient, Practitioner or Location.
    pub actor: Reference,
    /// Always `accepted`.
    pub status: &'static str,
}

/// A SystmOne task (a job for a user), a recall (F15), or a report's follow-up action.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// The resource id: a name-based UUID of the TaskUID.
    pub id: String,
    /// Not written: no UK Core profile is claimed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The TaskUID.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// SystmOne's status as FHIR's (`requested`, `in-progress`, `completed`, `cancelled`,
    /// `on-hold`); `requested` when unknown.
    pub status: &'static str,
    /// SystmOne's status text, whatever it is (a recall's Status: `1st Recall`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_status: Option<CodeableConcept>,
    /// `order` for a SystmOne task; `plan` for a recall and a report's follow-up action.
    pub intent: &'static str,
    /// The task type (a recall's Type, a follow-up action), as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    /// The task's content (a recall's free text, a follow-up action's comments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What the task is about: a report's follow-up action names the DiagnosticReport.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<Reference>,
    /// The patient (JSON `for`).
    #[serde(rename = "for")]
    pub for_patient: Reference,
    /// The event it was recorded in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    /// When the task was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authored_on: Option<String>,
    /// Who asked for it (the user who recorded a recall).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester: Option<Reference>,
    /// For a recall, the date the patient is recalled for, as the end of the period the
    /// task is to be done in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restriction: Option<TaskRestriction>,
    /// The event's narrative.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

/// When a task is to be done by.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRestriction {
    /// The period; a recall's date is its end.
    pub period: Period,
}

/// Software that entered data (Event/@Software, F7).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// The resource id: a name-based UUID, one per software name.
    pub id: String,
    /// Not written: no UK Core profile is claimed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The software's name.
    pub device_name: Vec<DeviceName>,
}

/// A name of a device.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceName {
    /// The name, as Event/@Software gives it.
    pub name: String,
    /// Always `user-friendly-name` (JSON `type`).
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// Who and what entered an event (F7): targets the Encounter and what it became, recorded
/// at the event's time.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Provenance {
    /// The resource id: a name-based UUID of the event.
    pub id: String,
    /// The Encounter and the resources made from the event.
    pub target: Vec<Reference>,
    /// The event's date and time (an event with no time gets no Provenance, and is
    /// reported).
    pub recorded: String,
    /// The software (composer) and the user (author).
    pub agent: Vec<ProvenanceAgent>,
}

/// One party to a Provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvenanceAgent {
    /// `composer` or `author` (JSON `type`).
    #[serde(rename = "type")]
    pub kind: CodeableConcept,
    /// The Device or the user's Practitioner (or PractitionerRole).
    pub who: Reference,
}

/// The patient's SMS consent (Demographics/SMSConsent Yes or No).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    /// The resource id: a name-based UUID, one per record.
    pub id: String,
    /// Always `active`.
    pub status: &'static str,
    /// Always `patient-privacy`.
    pub scope: CodeableConcept,
    /// Always LOINC `59284-0` (Patient Consent).
    pub category: Vec<CodeableConcept>,
    /// The patient.
    pub patient: Reference,
    /// Names SystmOne's SMS consent as the rule.
    pub policy_rule: CodeableConcept,
    /// Permit or deny contact by SMS.
    pub provision: ConsentProvision,
}

/// What a consent permits or denies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsentProvision {
    /// `permit` (Yes) or `deny` (No) (JSON `type`).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Always `Contact by SMS`.
    pub action: Vec<CodeableConcept>,
}

/// A vaccination (UK Core Immunization).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Immunization {
    /// The resource id: a name-based UUID of the event and item.
    pub id: String,
    /// Claims the UK Core Immunization profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Always `completed`: the record holds vaccinations given.
    pub status: &'static str,
    /// The vaccination's Name, as text (SystmOne's item carries no code).
    pub vaccine_code: CodeableConcept,
    /// The patient.
    pub patient: Reference,
    /// The event it was recorded in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    /// The event's date and time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurrence_date_time: Option<String>,
    /// `unknown` when the event has no date (FHIR requires an occurrence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurrence_string: Option<String>,
    /// The event's date and time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded: Option<String>,
    /// The BatchNumber.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lot_number: Option<String>,
    /// The Dosage (`0.5 ml`) as a quantity, when it reads as a number and a unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dose_quantity: Option<Quantity>,
    /// The user who recorded it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub performer: Vec<ImmunizationPerformer>,
    /// The Notes (where the site given is written), a Dosage that is not a quantity,
    /// and the event's narrative.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
    /// The problems it is linked to (LinkedProblemUID).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reason_reference: Vec<Reference>,
    /// Which part of a course it was (PartType, a practice's own list, F17).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub protocol_applied: Vec<ImmunizationProtocol>,
}

/// Who gave a vaccination.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImmunizationPerformer {
    /// The Practitioner or PractitionerRole.
    pub actor: Reference,
}

/// The part of a course a vaccination was.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImmunizationProtocol {
    /// The PartType as SystmOne holds it (`First part`, `Booster`).
    pub dose_number_string: String,
}

/// A report such as a pathology result (UK Core DiagnosticReport).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticReport {
    /// The resource id: a name-based UUID of the event and item.
    pub id: String,
    /// Claims the UK Core DiagnosticReport profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Always `final`: the record holds issued reports.
    pub status: &'static str,
    /// The report's Type: v2-0074 `LAB` (Pathology, Blood Spot) or `RAD` (Radiology),
    /// with SystmOne's text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    /// The BatteryHeaders (the tests reported), as text.
    pub code: CodeableConcept,
    /// The patient.
    pub subject: Reference,
    /// The event it was recorded in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    /// The CollectionDate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    /// The IssueDate, at midnight UK time (FHIR's `issued` is an instant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued: Option<String>,
    /// The Observation of its Result, and those of the event's coded values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub result: Vec<Reference>,
    /// The Comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<String>,
}

/// A repeat medication template: the authorisation of repeat issues (UK Core
/// MedicationRequest).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MedicationRequest {
    /// The resource id: a name-based UUID of the event and item.
    pub id: String,
    /// Claims the UK Core MedicationRequest profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Always `active`: the record says nothing of a template's end.
    pub status: &'static str,
    /// Always `plan`: an authorisation, as GP Connect writes repeat templates (each
    /// issue would be an `order`).
    pub intent: &'static str,
    /// The MedicationType (NHS medication, Private issue), as text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    /// The drug, coded in its scheme (dm+d, Multilex).
    pub medication_codeable_concept: CodeableConcept,
    /// The patient.
    pub subject: Reference,
    /// The event it was recorded in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    /// The event's date and time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authored_on: Option<String>,
    /// The user who recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester: Option<Reference>,
    /// Always `continuous` (a repeat is long-term therapy).
    pub course_of_therapy_type: CodeableConcept,
    /// The problems it is linked to (LinkedProblemUID).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reason_reference: Vec<Reference>,
    /// The review date and the number of issues allowed (as SystmOne counts them), a
    /// Quantity that is not a number and a unit, and the event's narrative.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
    /// The Dose, as text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dosage_instruction: Vec<Dosage>,
    /// The start date, the repeats allowed, the quantity per issue and its duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispense_request: Option<DispenseRequest>,
}

/// What each issue of a repeat supplies, and how many there may be.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DispenseRequest {
    /// Starts at the StartDate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validity_period: Option<Period>,
    /// MaxIssues less one: FHIR counts the repeats after the first supply, SystmOne the
    /// issues including it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_of_repeats_allowed: Option<u64>,
    /// The Quantity (`28 tablet`) as a number and a unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    /// The IssueDurationDays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_supply_duration: Option<Duration>,
}

/// A relationship of the patient (UK Core RelatedPerson).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RelatedPerson {
    /// The resource id: a name-based UUID of the event and item.
    pub id: String,
    /// Claims the UK Core RelatedPerson profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `false` once the relationship's EndDate is before [`crate::MapOptions::as_of`].
    pub active: bool,
    /// The patient.
    pub patient: Reference,
    /// The relationship's Type (a practice's own list, F17), as text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub relationship: Vec<CodeableConcept>,
    /// The person's name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    /// The Telephone, and the WorkContact (free text: system `other`, use `work`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
    /// The DateOfBirth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// The Address.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub address: Vec<Address>,
    /// From the event's date to the EndDate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

/// A care plan or patient plan (UK Core CarePlan).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CarePlan {
    /// The resource id: a name-based UUID of the event and item.
    pub id: String,
    /// Claims the UK Core CarePlan profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Always `active`: the record says nothing of a plan's end.
    pub status: &'static str,
    /// Always `plan`.
    pub intent: &'static str,
    /// A care plan's Category and SubCategory (a practice's own lists, F17), or
    /// `Patient plan`, as text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    /// A care plan's CarePlanName.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A care plan's Description; a patient plan's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The patient.
    pub subject: Reference,
    /// The event it was recorded in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    /// The event's date and time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The user who recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<Reference>,
    /// The problems it is linked to (LinkedProblemUID).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Reference>,
    /// The instructions, in their Order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub activity: Vec<CarePlanActivity>,
    /// The Aim and the ReviewDate (CarePlan has no element for either), and the event's
    /// narrative.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

/// One instruction of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CarePlanActivity {
    /// The instruction.
    pub detail: CarePlanActivityDetail,
}

/// What an instruction says, and who carries it out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CarePlanActivityDetail {
    /// Always `not-started`: the record says nothing of progress.
    pub status: &'static str,
    /// The Responsibility (Nurse, Carer, ...), a role rather than a person: a
    /// reference by its display text only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub performer: Vec<Reference>,
    /// The InstructionText.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A reminder shown on the record (UK Core Flag).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Flag {
    /// The resource id: a name-based UUID of the event and item.
    pub id: String,
    /// Claims the UK Core Flag profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The Severity as HL7's flag-priority extension (Low `PL`, Normal `PM`, High `PH`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// `inactive` once the ExpiryDate is before [`crate::MapOptions::as_of`], else
    /// `active`.
    pub status: &'static str,
    /// The reminder's FreeText, as text.
    pub code: CodeableConcept,
    /// The patient.
    pub subject: Reference,
    /// From the event's date to the ExpiryDate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// The event it was recorded in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    /// The user who recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<Reference>,
}
