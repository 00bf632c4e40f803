//! GetPatientRecord results as UK Core resources.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};
use systmone_get_patient_record_v1_0::{GetPatientRecordResult, PatientRecordNonClinical};
use systmone_get_reference_data_v1_0::GetReferenceDataResult;
use systmone_types::{
    Address as SAddress, Attachment as SAttachment, ClinicalCode, Code, CodeSlot, DataItem,
    Demographics, Drug, DrugSensitivity, Event, Identity, Letter, LetterDirection, Medication,
    PatientAppointment, PatientId, PersonName, ProblemSeverity, RegistrationType, Sex, SmsConsent,
    Task as STask, Visit, YesNoUnknown,
};

use crate::codes;
use crate::model::*;
use crate::nhs_number::nhs_number_is_valid;
use crate::report::{MappingReport, Reason};
use crate::time::{fhir_date, fhir_date_time, fhir_instant};

/// The namespace of the name-based (v5) UUIDs of the resources: the same record
/// always gives the same ids.
const ID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5f1e_0c2a_9b7d_4e31_8a64_2d0f_b1c3_7e95);

/// What the mapping needs beyond the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapOptions {
    /// The date the record is read as of: a medication whose end date is before it is
    /// `completed`, else `active`.
    pub as_of: NaiveDate,
    /// The unit of each numeric code (GetReferenceData's NumericReadCodeUnits), for a
    /// reading whose ClinicalCode has a Value without its own Units.
    pub units: BTreeMap<String, String>,
}

impl MapOptions {
    /// Options for a record read as of `as_of`, with no units known.
    pub fn new(as_of: NaiveDate) -> Self {
        MapOptions {
            as_of,
            units: BTreeMap::new(),
        }
    }

    /// Takes the units of numeric codes from a GetReferenceData result (the latest
    /// entry of a code wins).
    pub fn with_units(mut self, reference: &GetReferenceDataResult) -> Self {
        let mut entries: Vec<_> = reference.numeric_read_code_units.iter().collect();
        entries.sort_by_key(|u| u.created_date.value());
        for entry in entries {
            if !entry.units.trim().is_empty() {
                self.units.insert(entry.code.clone(), entry.units.clone());
            }
        }
        self
    }
}

/// A Bundle and the report of what it does not carry.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// The Bundle (type `collection`): the Patient first, then the resources made from the
    /// record.
    pub bundle: Bundle,
    /// What the Bundle does not carry, each with its path and reason.
    pub report: MappingReport,
}

/// Non-empty text (FHIR forbids empty strings; whitespace alone carries nothing).
pub(crate) fn text(value: &Option<String>) -> Option<String> {
    value.as_ref().filter(|v| !v.trim().is_empty()).cloned()
}

/// Which linking a LinkedProblemUID does, resolved once every problem is known.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LinkKind {
    /// The problem's evidence lists the item (Observation, AllergyIntolerance,
    /// another Condition, and the F15 items with no reason of their own).
    Evidence,
    /// The item's reasonReference (MedicationStatement, MedicationRequest,
    /// Immunization).
    Reason,
    /// CarePlan.addresses.
    Addresses,
    /// DocumentReference.context.related.
    Related,
    /// Encounter.diagnosis.
    Diagnosis,
}

pub(crate) struct Builder {
    key: String,
    pub(crate) entries: Vec<BundleEntry>,
    pub(crate) report: MappingReport,
    /// Index of the entry of each resource keyed by kind and SystmOne key.
    index: BTreeMap<String, usize>,
    /// The names ids were made from.
    issued: std::collections::BTreeSet<String>,
    pub(crate) problems: BTreeMap<String, usize>,
    links: Vec<(String, usize, LinkKind, String)>,
}

impl Builder {
    pub(crate) fn new(key: &str) -> Self {
        Builder {
            key: key.to_string(),
            entries: Vec::new(),
            report: MappingReport::default(),
            index: BTreeMap::new(),
            issued: Default::default(),
            problems: BTreeMap::new(),
            links: Vec::new(),
        }
    }

    /// The id of a resource: a v5 UUID of the patient key, the kind and a local key.
    /// A key SystmOne repeats (the same EventUID or ProblemUID twice) gets a counter,
    /// so ids stay unique and the same for the same record.
    pub(crate) fn id(&mut self, kind: &str, local: &str) -> String {
        let mut name = format!("{}/{kind}/{local}", self.key);
        let mut n = 1;
        while !self.issued.insert(name.clone()) {
            n += 1;
            name = format!("{}/{kind}/{local}#{n}", self.key);
        }
        uuid::Uuid::new_v5(&ID_NAMESPACE, name.as_bytes()).to_string()
    }

    pub(crate) fn url_of(id: &str) -> String {
        format!("urn:uuid:{id}")
    }

    /// Adds a resource, returning its entry index.
    pub(crate) fn add(&mut self, id: &str, resource: Resource) -> usize {
        self.entries.push(BundleEntry {
            full_url: Self::url_of(id),
            resource,
        });
        self.entries.len() - 1
    }

    pub(crate) fn url(&self, index: usize) -> String {
        self.entries[index].full_url.clone()
    }

    pub(crate) fn finish(self, bundle_id: String) -> Mapped {
        Mapped {
            bundle: Bundle {
                resource_type: "Bundle",
                id: bundle_id,
                kind: "collection",
                entry: self.entries,
            },
            report: self.report,
        }
    }

    /// A coded concept keeping its scheme; a code of an unknown scheme keeps its text
    /// and is reported.
    pub(crate) fn concept(
        &mut self,
        path: &str,
        scheme: &systmone_types::SchemeName,
        code: &str,
        term: &Option<String>,
    ) -> CodeableConcept {
        let display = text(term);
        match codes::system_of(scheme) {
            Some(system) if !code.trim().is_empty() => CodeableConcept {
                coding: vec![Coding {
                    system: Some(system.to_string()),
                    code: Some(code.to_string()),
                    display: display.clone(),
                }],
                text: display,
            },
            _ => {
                self.report.push(
                    path,
                    &format!("{scheme}:{code}"),
                    Reason::Invalid,
                    "code scheme with no known FHIR system: only its term is kept",
                );
                CodeableConcept {
                    coding: Vec::new(),
                    text: Some(display.unwrap_or_else(|| code.to_string())),
                }
            }
        }
    }

    fn code(&mut self, path: &str, code: &Code) -> CodeableConcept {
        self.report.extra(path, &code.extra);
        self.concept(path, &code.scheme, &code.code, &code.term)
    }

    pub(crate) fn drug(&mut self, path: &str, drug: &Drug) -> CodeableConcept {
        self.report.extra(path, &drug.extra);
        self.concept(path, &drug.scheme, &drug.product_id, &drug.name)
    }

    fn code_slot(&mut self, path: &str, slot: &Option<CodeSlot>) -> Option<CodeableConcept> {
        let slot = slot.as_ref()?;
        self.report.extra(path, &slot.extra);
        slot.code
            .as_ref()
            .map(|c| self.code(&format!("{path}/Code"), c))
    }

    /// The Practitioner for a SystmOne user name (one per user), with the name from a
    /// display name when one is known.
    fn practitioner(&mut self, user_name: Option<&str>, display: Option<&str>) -> Option<usize> {
        let user = user_name.filter(|u| !u.trim().is_empty());
        let display = display.map(str::trim).filter(|d| !d.is_empty());
        let key = match (user, display) {
            (Some(u), _) => format!("user/{u}"),
            (None, Some(d)) => format!("name/{d}"),
            (None, None) => return None,
        };
        let name = display.map(parse_display_name);
        if let Some(&index) = self.index.get(&format!("Practitioner/{key}")) {
            if let (Some(name), Resource::Practitioner(p)) =
                (name, &mut self.entries[index].resource)
                && p.name.is_empty()
            {
                p.name.push(name.0);
            }
            return Some(index);
        }
        let id = self.id("Practitioner", &key);
        let practitioner = Practitioner {
            id: id.clone(),
            meta: Meta::uk_core("Practitioner"),
            identifier: user
                .map(|u| Identifier {
                    kind: Some(CodeableConcept::text("SystmOne user name")),
                    value: u.to_string(),
                    ..Default::default()
                })
                .into_iter()
                .collect(),
            name: name.map(|n| n.0).into_iter().collect(),
            address: Vec::new(),
        };
        let index = self.add(&id, Resource::Practitioner(practitioner));
        self.index.insert(format!("Practitioner/{key}"), index);
        Some(index)
    }

    /// The author of an event: a PractitionerRole when DoneBy names a role, else the
    /// Practitioner.
    fn author(&mut self, user_name: Option<&str>, done_by: Option<&str>) -> Option<Reference> {
        let practitioner = self.practitioner(user_name, done_by)?;
        let role = done_by.and_then(|d| parse_display_name(d.trim()).1);
        let Some(role) = role else {
            return Some(Reference::to(&self.url(practitioner)));
        };
        let key = format!("PractitionerRole/{}/{role}", self.url(practitioner));
        if let Some(&index) = self.index.get(&key) {
            return Some(Reference::to(&self.url(index)));
        }
        let id = self.id("PractitionerRole", &key);
        let resource = PractitionerRole {
            id: id.clone(),
            meta: Meta::uk_core("PractitionerRole"),
            practitioner: Reference::to(&self.url(practitioner)),
            code: vec![CodeableConcept::text(&role)],
        };
        let index = self.add(&id, Resource::PractitionerRole(resource));
        self.index.insert(key, index);
        Some(Reference::to(&self.url(index)))
    }

    fn named(
        &mut self,
        kind: &str,
        name: &str,
        make: impl FnOnce(String) -> Resource,
    ) -> Reference {
        let key = format!("{kind}/{name}");
        if let Some(&index) = self.index.get(&key) {
            return Reference::to(&self.url(index));
        }
        let id = self.id(kind, name);
        let index = self.add(&id, make(id.clone()));
        self.index.insert(key, index);
        Reference::to(&self.url(index))
    }

    fn location(&mut self, name: &str) -> Reference {
        self.named("Location", name, |id| {
            Resource::Location(Location {
                id,
                meta: Meta::uk_core("Location"),
                name: name.to_string(),
            })
        })
    }

    fn organisation(&mut self, name: &str, address: Option<Address>) -> Reference {
        self.named("Organization", name, |id| {
            Resource::Organization(Organization {
                id,
                meta: Meta::uk_core("Organization"),
                name: name.to_string(),
                address: address.into_iter().collect(),
            })
        })
    }

    pub(crate) fn address(&mut self, path: &str, address: &SAddress) -> Option<Address> {
        self.report.extra(path, &address.extra);
        let number_and_road = match (text(&address.house_number), text(&address.road)) {
            (Some(n), Some(r)) => Some(format!("{n} {r}")),
            (n, r) => n.or(r),
        };
        let line: Vec<String> = [
            text(&address.house_name),
            number_and_road,
            text(&address.locality),
        ]
        .into_iter()
        .flatten()
        .collect();
        let a = Address {
            address_use: None,
            line,
            city: text(&address.town),
            district: text(&address.county),
            postal_code: text(&address.postcode),
        };
        (a != Address::default()).then_some(a)
    }

    pub(crate) fn link(&mut self, problem_uid: &str, from: usize, kind: LinkKind, path: &str) {
        self.links
            .push((problem_uid.to_string(), from, kind, path.to_string()));
    }

    fn resolve_links(&mut self) {
        for (uid, from, kind, path) in std::mem::take(&mut self.links) {
            let Some(&problem) = self.problems.get(&uid) else {
                self.report.push(
                    &path,
                    &uid,
                    Reason::UnresolvedLink,
                    "LinkedProblemUID names a problem this record does not hold",
                );
                continue;
            };
            let from_url = self.url(from);
            let problem_url = self.url(problem);
            match kind {
                LinkKind::Evidence => {
                    if let Resource::Condition(c) = &mut self.entries[problem].resource {
                        c.evidence.push(ConditionEvidence {
                            detail: vec![Reference::to(&from_url)],
                        });
                    }
                }
                LinkKind::Reason => match &mut self.entries[from].resource {
                    Resource::MedicationStatement(m) => {
                        m.reason_reference.push(Reference::to(&problem_url))
                    }
                    Resource::MedicationRequest(m) => {
                        m.reason_reference.push(Reference::to(&problem_url))
                    }
                    Resource::Immunization(i) => {
                        i.reason_reference.push(Reference::to(&problem_url))
                    }
                    _ => {}
                },
                LinkKind::Addresses => {
                    if let Resource::CarePlan(c) = &mut self.entries[from].resource {
                        c.addresses.push(Reference::to(&problem_url));
                    }
                }
                LinkKind::Related => {
                    if let Resource::DocumentReference(d) = &mut self.entries[from].resource {
                        d.context
                            .get_or_insert_with(DocumentContext::default)
                            .related
                            .push(Reference::to(&problem_url));
                    }
                }
                LinkKind::Diagnosis => {
                    if let Resource::Encounter(e) = &mut self.entries[from].resource {
                        e.diagnosis.push(EncounterDiagnosis {
                            condition: Reference::to(&problem_url),
                        });
                    }
                }
            }
        }
    }
}

/// `SURNAME, Forename (Role) ` (F7) as a name and the role, if any.
fn parse_display_name(display: &str) -> (HumanName, Option<String>) {
    let display = display.trim();
    let (name_text, role) = match (display.rfind('('), display.ends_with(')')) {
        (Some(open), true) => (
            display[..open].trim(),
            Some(display[open + 1..display.len() - 1].trim().to_string()).filter(|r| !r.is_empty()),
        ),
        _ => (display, None),
    };
    let mut name = HumanName {
        text: Some(name_text.to_string()),
        ..Default::default()
    };
    if let Some((family, given)) = name_text.split_once(',') {
        if !family.trim().is_empty() {
            name.family = Some(family.trim().to_string());
        }
        name.given = given.split_whitespace().map(str::to_string).collect();
    }
    (name, role)
}

pub(crate) fn person_name(name: &PersonName) -> Option<HumanName> {
    let n = HumanName {
        name_use: None,
        text: None,
        family: text(&name.surname),
        given: text(&name.first_name).into_iter().collect(),
        prefix: text(&name.title).into_iter().collect(),
    };
    (n != HumanName::default()).then_some(n)
}

/// The key a bundle is built under: the NHS number or the pseudo number.
pub(crate) fn identity_key(identity: &Identity) -> &str {
    match &identity.number {
        PatientId::NhsNumber(n)
        | PatientId::NhsNumberMixedCase(n)
        | PatientId::PseudoNumber(n)
        | PatientId::ClientId(n) => n,
    }
}

/// The identifiers of a SystmOne identity: the NHS number under UK Core's system
/// (only when its check digit holds), or the pseudo number.
pub(crate) fn identifiers(identity: &Identity, report: &mut MappingReport) -> Vec<Identifier> {
    report.extra("Identity", &identity.extra);
    let mut out = Vec::new();
    match &identity.number {
        PatientId::NhsNumber(n) | PatientId::NhsNumberMixedCase(n) => {
            if nhs_number_is_valid(n) {
                out.push(Identifier {
                    extension: vec![Extension {
                        url: codes::NHS_NUMBER_VERIFICATION_EXTENSION.to_string(),
                        // The interface does not say whether the number was traced on
                        // PDS, so "verified" (01) is not claimed.
                        value_codeable_concept: Some(CodeableConcept::coded(
                            codes::NHS_NUMBER_VERIFICATION_SYSTEM,
                            "02",
                            "Number present but not traced",
                        )),
                    }],
                    system: Some(codes::NHS_NUMBER.to_string()),
                    value: n.clone(),
                    kind: None,
                });
            } else {
                report.push(
                    "Identity/NHSNumber",
                    n,
                    Reason::Invalid,
                    "fails the NHS number check digit (modulus 11): not written as an NHS number",
                );
            }
        }
        PatientId::PseudoNumber(n) => out.push(Identifier {
            kind: Some(CodeableConcept::text("SystmOne pseudo number")),
            value: n.clone(),
            ..Default::default()
        }),
        // F14: SystmOne's ClientID has no published system either.
        PatientId::ClientId(n) => out.push(Identifier {
            kind: Some(CodeableConcept::text("SystmOne ClientID")),
            value: n.clone(),
            ..Default::default()
        }),
    }
    // TPP's reporting identifier has no published system: kept by its type.
    if let Some(sri) = identity.strategic_reporting_identifier {
        out.push(Identifier {
            kind: Some(CodeableConcept::text(
                "SystmOne Strategic Reporting Identifier",
            )),
            value: sri.to_string(),
            ..Default::default()
        });
    }
    out
}

pub(crate) fn gender(
    sex: &Option<Sex>,
    path: &str,
    report: &mut MappingReport,
) -> Option<&'static str> {
    match sex.as_ref()? {
        Sex::M => Some("male"),
        Sex::F => Some("female"),
        Sex::I => Some("other"),
        Sex::U => Some("unknown"),
        Sex::Unlisted(v) => {
            report.push(
                path,
                v,
                Reason::Invalid,
                "a sex FHIR's gender codes do not cover",
            );
            None
        }
    }
}

/// Maps a GetPatientRecord result to a UK Core Bundle of type `collection`.
pub fn patient_record_bundle(record: &GetPatientRecordResult, options: &MapOptions) -> Mapped {
    let key = identity_key(&record.identity).to_string();
    let mut b = Builder::new(&key);
    b.report.extra("Response", &record.extra);

    let patient_id = b.id("Patient", "");
    let mut patient = Patient {
        id: patient_id.clone(),
        meta: Meta::uk_core("Patient"),
        identifier: identifiers(&record.identity, &mut b.report),
        ..Default::default()
    };
    let patient_index = b.add(&patient_id, Resource::Patient(Patient::default()));
    let patient_ref = Reference::to(&Builder::url_of(&patient_id));

    if let Some(d) = &record.demographics {
        demographics(&mut b, d, &mut patient, &patient_ref);
    }
    b.entries[patient_index].resource = Resource::Patient(patient);

    if let Some(clinical) = &record.clinical {
        b.report.extra("Clinical", &clinical.extra);
        for (i, event) in clinical.event.iter().enumerate() {
            map_event(
                &mut b,
                &format!("Clinical/Event[{}]", i + 1),
                event,
                &patient_ref,
                options,
            );
        }
    }
    if let Some(non_clinical) = &record.non_clinical {
        map_non_clinical(&mut b, non_clinical, &patient_ref);
    }
    if let Some(state) = &record.record_state {
        b.report.push(
            "RecordState",
            &state.to_string(),
            Reason::NoHome,
            "the state of the SystmOne screen, not of the record",
        );
    }
    b.resolve_links();
    let bundle_id = b.id("Bundle", "GetPatientRecord");
    b.finish(bundle_id)
}

fn demographics(b: &mut Builder, d: &Demographics, patient: &mut Patient, patient_ref: &Reference) {
    b.report.extra("Demographics", &d.extra);
    let mut given: Vec<String> = text(&d.first_name).into_iter().collect();
    if let Some(middle) = text(&d.middle_names) {
        given.extend(middle.split_whitespace().map(str::to_string));
    }
    let official = HumanName {
        name_use: Some("official"),
        text: None,
        family: text(&d.surname),
        given,
        prefix: text(&d.title).into_iter().collect(),
    };
    if official.family.is_some() || !official.given.is_empty() {
        patient.name.push(official);
    } else if let Some(t) = text(&d.title) {
        b.report.push(
            "Demographics/Title",
            &t,
            Reason::NoHome,
            "a title with no name",
        );
    }
    if let Some(known_as) = text(&d.known_as) {
        patient.name.push(HumanName {
            name_use: Some("usual"),
            family: text(&d.surname),
            given: vec![known_as],
            ..Default::default()
        });
    }
    patient.gender = gender(&d.sex, "Demographics/Sex", &mut b.report);
    patient.birth_date = d.date_of_birth.as_ref().map(|t| fhir_date(t.date()));
    patient.marital_status = b.code_slot("Demographics/MaritalStatus", &d.marital_status);
    if let Some(ethnicity) = b.code_slot("Demographics/Ethnicity", &d.ethnicity) {
        patient.extension.push(Extension {
            url: codes::ETHNIC_CATEGORY_EXTENSION.to_string(),
            value_codeable_concept: Some(ethnicity),
        });
    }
    let main_language = b.code_slot("Demographics/MainLanguage", &d.main_language);
    let has_main_language = main_language.is_some();
    if let Some(language) = main_language {
        patient.communication.push(PatientCommunication {
            language,
            preferred: true,
        });
    }
    match &d.english_speaker {
        Some(YesNoUnknown::Yes) => patient.communication.push(PatientCommunication {
            language: CodeableConcept::coded("urn:ietf:bcp:47", "en", "English"),
            preferred: !has_main_language,
        }),
        // "Unknown" says nothing about the patient.
        Some(YesNoUnknown::Unknown) | None => {}
        Some(other @ (YesNoUnknown::No | YesNoUnknown::Unlisted(_))) => b.report.push(
            "Demographics/EnglishSpeaker",
            &format!("{other:?}"),
            Reason::NoHome,
            "FHIR Patient.communication lists languages spoken, not languages not spoken",
        ),
    }
    if let Some(address) = &d.address
        && let Some(mut a) = b.address("Demographics/Address", address)
    {
        a.address_use = Some("home");
        patient.address.push(a);
    }
    for (value, system, contact_use) in [
        (&d.home_telephone, "phone", Some("home")),
        (&d.work_telephone, "phone", Some("work")),
        (&d.mobile_telephone, "phone", Some("mobile")),
        (&d.alternate_telephone, "phone", None),
        (&d.email_address, "email", None),
    ] {
        if let Some(v) = text(value) {
            patient.telecom.push(ContactPoint {
                system,
                value: v,
                contact_use,
            });
        }
    }
    let sms = match &d.sms_consent {
        Some(SmsConsent::Yes) => Some("permit"),
        Some(SmsConsent::No) => Some("deny"),
        Some(SmsConsent::Empty) | None => None,
        Some(SmsConsent::Unlisted(v)) => {
            b.report.push(
                "Demographics/SMSConsent",
                v,
                Reason::Invalid,
                "neither Yes nor No",
            );
            None
        }
    };
    if let Some(kind) = sms {
        let id = b.id("Consent", "sms");
        let consent = Consent {
            id: id.clone(),
            status: "active",
            scope: CodeableConcept::coded(
                codes::CONSENT_SCOPE,
                "patient-privacy",
                "Privacy Consent",
            ),
            category: vec![CodeableConcept::coded(
                codes::LOINC,
                "59284-0",
                "Patient Consent",
            )],
            patient: patient_ref.clone(),
            policy_rule: CodeableConcept::text("SystmOne SMS consent (Demographics/SMSConsent)"),
            provision: ConsentProvision {
                kind,
                action: vec![CodeableConcept::text("Contact by SMS")],
            },
        };
        b.add(&id, Resource::Consent(consent));
    }
    let gp = d
        .usual_gp_user_name
        .as_deref()
        .and_then(|u| b.practitioner(Some(u), None));
    if let Some(gp) = gp {
        patient.general_practitioner.push(Reference::to(&b.url(gp)));
    }
    // Registration: UK Core's Patient has no element for it, so an EpisodeOfCare (the
    // base resource for a period of care by a provider) carries its type and start.
    if d.care_start_date.is_some() || d.registration_type.is_some() {
        let id = b.id("EpisodeOfCare", "registration");
        let kind = d.registration_type.as_ref().map(|t| {
            CodeableConcept::text(&match t {
                RegistrationType::Gms => "GMS".to_string(),
                RegistrationType::Private => "Private".to_string(),
                RegistrationType::Other(o) => o.clone(),
            })
        });
        let episode = EpisodeOfCare {
            id: id.clone(),
            meta: None,
            status: "active",
            kind: kind
                .into_iter()
                .filter(|k| k.text.as_deref().is_some_and(|t| !t.trim().is_empty()))
                .collect(),
            patient: patient_ref.clone(),
            period: d.care_start_date.as_ref().map(|t| Period {
                start: Some(fhir_date(t.date())),
                end: None,
            }),
            care_manager: gp.map(|g| Reference::to(&b.url(g))),
        };
        b.add(&id, Resource::EpisodeOfCare(episode));
    }
}

/// Whether a resource has a `note` for an event's narrative.
fn holds_notes(resource: &Resource) -> bool {
    matches!(
        resource,
        Resource::Condition(_)
            | Resource::Observation(_)
            | Resource::MedicationStatement(_)
            | Resource::AllergyIntolerance(_)
            | Resource::Immunization(_)
            | Resource::MedicationRequest(_)
            | Resource::CarePlan(_)
            | Resource::Task(_)
    )
}

/// Adds an event's narrative to a resource made from it, if it has a `note`.
fn add_note(resource: &mut Resource, note: &str) -> bool {
    let annotation = Annotation {
        text: note.to_string(),
    };
    match resource {
        Resource::Condition(r) => r.note.push(annotation),
        Resource::Observation(r) => r.note.push(annotation),
        Resource::MedicationStatement(r) => r.note.push(annotation),
        Resource::AllergyIntolerance(r) => r.note.push(annotation),
        Resource::Immunization(r) => r.note.push(annotation),
        Resource::MedicationRequest(r) => r.note.push(annotation),
        Resource::CarePlan(r) => r.note.push(annotation),
        Resource::Task(r) => r.note.push(annotation),
        _ => return false,
    }
    true
}

pub(crate) struct EventContext {
    pub(crate) encounter: Reference,
    pub(crate) encounter_index: usize,
    pub(crate) when: Option<String>,
    pub(crate) author: Option<Reference>,
    pub(crate) subject: Reference,
}

fn map_event(
    b: &mut Builder,
    path: &str,
    event: &Event,
    subject: &Reference,
    options: &MapOptions,
) {
    b.report.extra(path, &event.extra);
    let local = event.event_uid.clone().unwrap_or_else(|| path.to_string());
    let author = b.author(event.user_name.as_deref(), event.done_by.as_deref());
    let location = text(&event.done_at).map(|at| b.location(&at));
    let when = event.date_time.as_ref().map(fhir_date_time);
    let id = b.id("Encounter", &local);
    let encounter = Encounter {
        id: id.clone(),
        meta: Meta::uk_core("Encounter"),
        identifier: event
            .event_uid
            .iter()
            .map(|u| Identifier {
                kind: Some(CodeableConcept::text("SystmOne EventUID")),
                value: u.clone(),
                ..Default::default()
            })
            .collect(),
        status: "finished",
        class: crate::items::encounter_class(event.method.as_ref()),
        kind: crate::items::method_text(event.method.as_ref())
            .map(|m| CodeableConcept::text(&m))
            .into_iter()
            .collect(),
        subject: subject.clone(),
        participant: author
            .iter()
            .map(|a| EncounterParticipant {
                kind: Vec::new(),
                individual: Some(a.clone()),
            })
            .collect(),
        period: when.as_ref().map(|w| Period {
            start: Some(w.clone()),
            end: None,
        }),
        length: None,
        diagnosis: Vec::new(),
        location: location
            .into_iter()
            .map(|l| EncounterLocation { location: l })
            .collect(),
        part_of: None,
    };
    let encounter_index = b.add(&id, Resource::Encounter(encounter));
    if let Some(referral) = text(&event.linked_referral_uid) {
        b.report.push(
            &format!("{path}/@LinkedReferralUID"),
            &referral,
            Reason::UnresolvedLink,
            "referrals are not part of the record this mapping reads",
        );
    }
    let ctx = EventContext {
        encounter: Reference::to(&b.url(encounter_index)),
        encounter_index,
        when,
        author,
        subject: subject.clone(),
    };
    let mut made = Vec::new();
    // Made from an item beside its main resource (a report's result Observation and
    // follow-up Tasks): in the Provenance, without the narrative notes.
    let mut beside = Vec::new();
    let mut reports = Vec::new();
    let mut readings = Vec::new();
    let mut narratives = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (n, item) in event.items.iter().enumerate() {
        let name = item.xml_name().to_string();
        let count = counts.entry(name.clone()).or_insert(0);
        *count += 1;
        let item_path = format!("{path}/{name}[{count}]");
        let local = format!("{local}/{n}");
        match item {
            DataItem::Narrative(narrative) => {
                b.report.extra(&item_path, &narrative.extra);
                let note = narrative.line.join("\n");
                if !note.trim().is_empty() {
                    narratives.push(note);
                }
            }
            DataItem::ClinicalCode(code) => {
                if let Some(index) = clinical_code(b, &item_path, &local, code, &ctx, options) {
                    if matches!(b.entries[index].resource, Resource::Observation(_)) {
                        readings.push(index);
                    }
                    made.push(index);
                }
            }
            DataItem::Medication(m) => {
                made.push(medication(b, &item_path, &local, m, &ctx, options))
            }
            DataItem::DrugSensitivity(s) => {
                made.extend(sensitivity(b, &item_path, &local, s, &ctx))
            }
            DataItem::Letter(l) => made.push(letter(b, &item_path, &local, l, &ctx)),
            DataItem::Attachment(a) => made.push(attachment(b, &item_path, &local, a, &ctx)),
            DataItem::LinkedProblemUid(uid) => {
                b.link(uid, ctx.encounter_index, LinkKind::Diagnosis, &item_path)
            }
            DataItem::Other(raw) => b.report.push(
                &item_path,
                raw.as_str(),
                Reason::Unknown,
                "a data item the bindings do not know (ERRATA E21)",
            ),
            // F15's other data items (`items.rs`).
            DataItem::Vaccination(v) => {
                made.push(crate::items::vaccination(b, &item_path, &local, v, &ctx))
            }
            DataItem::Report(r) => {
                let (index, results) = crate::items::report(b, &item_path, &local, r, &ctx);
                reports.push(index);
                made.push(index);
                beside.extend(results);
            }
            DataItem::RepeatMedication(r) => made.push(crate::items::repeat_medication(
                b, &item_path, &local, r, &ctx,
            )),
            DataItem::Relationship(r) => made.push(crate::items::relationship(
                b, &item_path, &local, r, &ctx, options,
            )),
            DataItem::CarePlan(c) => {
                made.push(crate::items::care_plan(b, &item_path, &local, c, &ctx))
            }
            DataItem::PatientPlan(p) => {
                made.push(crate::items::patient_plan(b, &item_path, &local, p, &ctx))
            }
            DataItem::Recall(r) => made.push(crate::items::recall(b, &item_path, &local, r, &ctx)),
            DataItem::Reminder(r) => made.push(crate::items::reminder(
                b, &item_path, &local, r, &ctx, options,
            )),
            DataItem::Activity(a) => {
                made.push(crate::items::activity(b, &item_path, &local, a, &ctx))
            }
        }
    }
    // A report's results: its own Result, and the readings the same event holds (the
    // values of a pathology report are coded entries beside it).
    for &report in &reports {
        let urls: Vec<Reference> = readings.iter().map(|&i| Reference::to(&b.url(i))).collect();
        if let Resource::DiagnosticReport(r) = &mut b.entries[report].resource {
            r.result.extend(urls);
        }
    }
    // Free text goes with what the event recorded, as a note on each resource; an
    // event with nothing else that can hold a note gets a "Comment note" Observation,
    // as GP Connect writes free-text entries.
    let holds_notes = made.iter().any(|&i| holds_notes(&b.entries[i].resource));
    for (n, note) in narratives.into_iter().enumerate() {
        if holds_notes {
            for &index in &made {
                add_note(&mut b.entries[index].resource, &note);
            }
        } else {
            let id = b.id("Observation", &format!("{local}/narrative/{n}"));
            let observation = Observation {
                id: id.clone(),
                meta: Meta::uk_core("Observation"),
                status: "final",
                code: CodeableConcept::coded(codes::SNOMED_CT, "37331000000100", "Comment note"),
                subject: ctx.subject.clone(),
                encounter: Some(ctx.encounter.clone()),
                effective_date_time: ctx.when.clone(),
                performer: ctx.author.iter().cloned().collect(),
                value_string: Some(note),
                ..Default::default()
            };
            made.push(b.add(&id, Resource::Observation(observation)));
        }
    }
    if let Some(software) = text(&event.software) {
        made.extend(beside);
        provenance(b, path, &local, &software, encounter_index, &made, &ctx);
    }
}

/// The software that entered an event (F7): a Device, and a Provenance naming it as
/// the composer (and the user as the author) of what the event became, recorded at
/// the event's time.
fn provenance(
    b: &mut Builder,
    path: &str,
    local: &str,
    software: &str,
    encounter: usize,
    made: &[usize],
    ctx: &EventContext,
) {
    let Some(recorded) = ctx.when.clone().filter(|w| w.len() > 10) else {
        b.report.push(
            &format!("{path}/@Software"),
            software,
            Reason::NoHome,
            "a Provenance needs the time of the entry, and the event has none",
        );
        return;
    };
    let device = b.named("Device", software, |id| {
        Resource::Device(Device {
            id,
            meta: None,
            device_name: vec![DeviceName {
                name: software.to_string(),
                kind: "user-friendly-name",
            }],
        })
    });
    let mut agent = vec![ProvenanceAgent {
        kind: CodeableConcept::coded(codes::PROVENANCE_PARTICIPANT, "composer", "Composer"),
        who: device,
    }];
    if let Some(author) = &ctx.author {
        agent.push(ProvenanceAgent {
            kind: CodeableConcept::coded(codes::PROVENANCE_PARTICIPANT, "author", "Author"),
            who: author.clone(),
        });
    }
    let target = std::iter::once(encounter)
        .chain(made.iter().copied())
        .map(|i| Reference::to(&b.url(i)))
        .collect();
    let id = b.id("Provenance", local);
    b.add(
        &id,
        Resource::Provenance(Provenance {
            id: id.clone(),
            target,
            recorded,
            agent,
        }),
    );
}

fn clinical_code(
    b: &mut Builder,
    path: &str,
    local: &str,
    c: &ClinicalCode,
    ctx: &EventContext,
    options: &MapOptions,
) -> Option<usize> {
    b.report.extra(path, &c.extra);
    let code = b.code(&format!("{path}/Code"), &c.code);
    let is_problem = c.problem_uid.is_some()
        || c.problem_severity.is_some()
        || c.episodicity.is_some()
        || c.problem_end_date.is_some();
    let free_text = text(&c.free_text).map(|t| Annotation {
        text: c.free_text.clone().unwrap_or(t),
    });
    let index = if is_problem {
        let local = c.problem_uid.clone().unwrap_or_else(|| local.to_string());
        let id = b.id("Condition", &local);
        let mut note: Vec<Annotation> = free_text.into_iter().collect();
        if let Some(e) = c.episodicity.as_ref().map(|e| e.to_string()) {
            // UK Core has no episodicity element for Condition: kept as a note.
            note.push(Annotation {
                text: format!("Episodicity: {e}"),
            });
        }
        if let Some(v) = c.value {
            b.report.push(
                &format!("{path}/Value"),
                &v.to_string(),
                Reason::NoHome,
                "a Condition has no value",
            );
        }
        if let Some(u) = text(&c.units) {
            b.report.push(
                &format!("{path}/Units"),
                &u,
                Reason::NoHome,
                "a Condition has no value",
            );
        }
        if let Some(comparator) = &c.comparator {
            b.report.push(
                &format!("{path}/Comparator"),
                &comparator.to_string(),
                Reason::NoHome,
                "a Condition has no value",
            );
        }
        let condition = Condition {
            id: id.clone(),
            meta: Meta::uk_core("Condition"),
            identifier: c
                .problem_uid
                .iter()
                .map(|u| Identifier {
                    kind: Some(CodeableConcept::text("SystmOne ProblemUID")),
                    value: u.clone(),
                    ..Default::default()
                })
                .collect(),
            clinical_status: Some(if c.problem_end_date.is_some() {
                CodeableConcept::coded(codes::CONDITION_CLINICAL, "resolved", "Resolved")
            } else {
                CodeableConcept::coded(codes::CONDITION_CLINICAL, "active", "Active")
            }),
            category: vec![CodeableConcept::coded(
                codes::CONDITION_CATEGORY,
                "problem-list-item",
                "Problem List Item",
            )],
            // SystmOne's Major/Minor is the problem's significance, which FHIR's
            // severity codes (severe, moderate, mild) do not name: kept as text.
            severity: c
                .problem_severity
                .as_ref()
                .map(|s| {
                    CodeableConcept::text(&match s {
                        ProblemSeverity::Major => "Major".to_string(),
                        ProblemSeverity::Minor => "Minor".to_string(),
                        ProblemSeverity::Unlisted(o) => o.clone(),
                    })
                })
                .filter(|s| s.text.as_deref().is_some_and(|t| !t.trim().is_empty())),
            code,
            subject: ctx.subject.clone(),
            encounter: Some(ctx.encounter.clone()),
            onset_date_time: None,
            abatement_date_time: c.problem_end_date.map(|d| fhir_date(d.date())),
            recorded_date: ctx.when.clone(),
            recorder: ctx.author.clone(),
            evidence: Vec::new(),
            note,
        };
        let index = b.add(&id, Resource::Condition(condition));
        if let Some(uid) = &c.problem_uid {
            b.problems.insert(uid.clone(), index);
        }
        index
    } else {
        let id = b.id("Observation", local);
        // F15: the record's Units, else GetReferenceData's for the code.
        let unit = text(&c.units).or_else(|| options.units.get(&c.code.code).cloned());
        let mut value_quantity = match c.value {
            Some(v) => match serde_json::Number::from_f64(v) {
                Some(value) => Some(Quantity::new(value, unit.clone())),
                None => {
                    b.report.push(
                        &format!("{path}/Value"),
                        &v.to_string(),
                        Reason::Invalid,
                        "not a finite number",
                    );
                    None
                }
            },
            None => None,
        };
        // F15 gives the Comparator's codes (3 to 8), not what each means: a value with
        // one is not written as an exact quantity, nor given a guessed comparator.
        let mut value_string = None;
        if let Some(comparator) = &c.comparator {
            let code = comparator.to_string();
            b.report.push(
                &format!("{path}/Comparator"),
                &code,
                Reason::NoHome,
                "SystmOne's comparator codes (3 to 8) have no documented meaning: the value \
                 is written as text with the code, not as an exact quantity",
            );
            if let (Some(v), Some(_)) = (c.value, value_quantity.take()) {
                let units = unit.map(|u| format!(" {u}")).unwrap_or_default();
                value_string = Some(format!("{v}{units} (SystmOne comparator code {code})"));
            }
        }
        let observation = Observation {
            id: id.clone(),
            meta: Meta::uk_core("Observation"),
            status: "final",
            code,
            subject: ctx.subject.clone(),
            encounter: Some(ctx.encounter.clone()),
            effective_date_time: ctx.when.clone(),
            performer: ctx.author.iter().cloned().collect(),
            value_quantity,
            value_string,
            note: free_text.into_iter().collect(),
            ..Default::default()
        };
        b.add(&id, Resource::Observation(observation))
    };
    for (n, uid) in c.linked_problem_uid.iter().enumerate() {
        b.link(
            uid,
            index,
            LinkKind::Evidence,
            &format!("{path}/LinkedProblemUID[{}]", n + 1),
        );
    }
    Some(index)
}

fn medication(
    b: &mut Builder,
    path: &str,
    local: &str,
    m: &Medication,
    ctx: &EventContext,
    options: &MapOptions,
) -> usize {
    b.report.extra(path, &m.extra);
    let medication = b.drug(&format!("{path}/Drug"), &m.drug);
    let end_reason = text(&m.end_reason);
    let status = if end_reason.is_some() {
        "stopped"
    } else {
        match &m.end_date {
            Some(end) if end.date() < options.as_of => "completed",
            _ => "active",
        }
    };
    let period = Period {
        start: m.start_date.map(|d| fhir_date(d.date())),
        end: m.end_date.map(|d| fhir_date(d.date())),
    };
    let id = b.id("MedicationStatement", local);
    let statement = MedicationStatement {
        id: id.clone(),
        meta: Meta::uk_core("MedicationStatement"),
        status,
        status_reason: end_reason
            .iter()
            .map(|r| CodeableConcept::text(r))
            .collect(),
        category: m
            .medication_type
            .as_ref()
            .map(|t| CodeableConcept::text(&t.to_string())),
        medication_codeable_concept: medication,
        subject: ctx.subject.clone(),
        context: Some(ctx.encounter.clone()),
        effective_period: (period != Period::default()).then_some(period),
        date_asserted: ctx.when.clone(),
        information_source: ctx.author.clone(),
        reason_reference: Vec::new(),
        // R4's MedicationStatement has no quantity: the supply (free text, F2) is a note.
        note: text(&m.quantity)
            .map(|q| Annotation {
                text: format!("Quantity: {q}"),
            })
            .into_iter()
            .collect(),
        dosage: text(&m.dose)
            .map(|d| Dosage { text: d })
            .into_iter()
            .collect(),
    };
    let index = b.add(&id, Resource::MedicationStatement(statement));
    for (n, uid) in m.linked_problem_uid.iter().enumerate() {
        b.link(
            uid,
            index,
            LinkKind::Reason,
            &format!("{path}/LinkedProblemUID[{}]", n + 1),
        );
    }
    index
}

fn sensitivity(
    b: &mut Builder,
    path: &str,
    local: &str,
    s: &DrugSensitivity,
    ctx: &EventContext,
) -> Vec<usize> {
    b.report.extra(path, &s.extra);
    if s.ingredient.is_empty() {
        b.report.push(
            path,
            &s.kind.to_string(),
            Reason::NoHome,
            "a drug sensitivity naming no ingredient has no code",
        );
        return Vec::new();
    }
    let mut made = Vec::new();
    for (n, ingredient) in s.ingredient.iter().enumerate() {
        let ipath = format!("{path}/Ingredient[{}]", n + 1);
        b.report.extra(&ipath, &ingredient.extra);
        let code = b.concept(
            &ipath,
            &ingredient.scheme,
            &ingredient.ingredient_id,
            &ingredient.name,
        );
        let mut note = Vec::new();
        if !s.kind.to_string().trim().is_empty() {
            note.push(Annotation {
                text: format!("Sensitivity type: {}", s.kind),
            });
        }
        if let Some(details) = text(&ingredient.details) {
            note.push(Annotation { text: details });
        }
        let id = b.id("AllergyIntolerance", &format!("{local}/{n}"));
        let allergy = AllergyIntolerance {
            id: id.clone(),
            meta: Meta::uk_core("AllergyIntolerance"),
            clinical_status: CodeableConcept::coded(codes::ALLERGY_CLINICAL, "active", "Active"),
            category: vec!["medication"],
            code,
            patient: ctx.subject.clone(),
            encounter: Some(ctx.encounter.clone()),
            recorded_date: ctx.when.clone(),
            recorder: ctx.author.clone(),
            note,
        };
        let index = b.add(&id, Resource::AllergyIntolerance(allergy));
        for (k, uid) in s.linked_problem_uid.iter().enumerate() {
            b.link(
                uid,
                index,
                LinkKind::Evidence,
                &format!("{path}/LinkedProblemUID[{}]", k + 1),
            );
        }
        made.push(index);
    }
    made
}

fn document_uid(uid: &Option<String>) -> Option<Identifier> {
    text(uid).map(|u| Identifier {
        kind: Some(CodeableConcept::text("SystmOne DocumentUID")),
        value: u,
        ..Default::default()
    })
}

fn letter(b: &mut Builder, path: &str, local: &str, l: &Letter, ctx: &EventContext) -> usize {
    b.report.extra(path, &l.extra);
    let party = |b: &mut Builder,
                 role: &str,
                 name: &Option<PersonName>,
                 org: &Option<String>,
                 address: &Option<SAddress>| {
        let mut refs = Vec::new();
        let address = address
            .as_ref()
            .and_then(|a| b.address(&format!("{path}/{role}Address"), a));
        let org_name = text(org);
        if let Some(name) = name {
            b.report.extra(&format!("{path}/{role}Name"), &name.extra);
            if let Some(human) = person_name(name) {
                let key = format!(
                    "{}|{}|{}",
                    human.family.clone().unwrap_or_default(),
                    human.given.join(" "),
                    org_name.clone().unwrap_or_default()
                );
                let with_address = if org_name.is_none() {
                    address.clone()
                } else {
                    None
                };
                refs.push(b.named("Practitioner", &format!("letter/{key}"), |id| {
                    Resource::Practitioner(Practitioner {
                        id,
                        meta: Meta::uk_core("Practitioner"),
                        identifier: Vec::new(),
                        name: vec![human],
                        address: with_address.into_iter().collect(),
                    })
                }));
            }
        }
        if let Some(org) = org_name {
            refs.push(b.organisation(&org, address));
        } else if refs.is_empty() && address.is_some() {
            b.report.push(
                &format!("{path}/{role}Address"),
                &format!("{address:?}"),
                Reason::NoHome,
                "an address with no person or organisation",
            );
        }
        refs
    };
    let author = party(
        b,
        "Sender",
        &l.sender_name,
        &l.sender_organisation,
        &l.sender_address,
    );
    let recipients = party(
        b,
        "Recipient",
        &l.recipient_name,
        &l.recipient_organisation,
        &l.recipient_address,
    );
    if let Some(p) = text(&l.document_path) {
        b.report.push(
            &format!("{path}/DocumentPath"),
            &p,
            Reason::NoHome,
            "a path on the SystmOne machine, not a URL",
        );
    }
    let direction = match &l.direction {
        LetterDirection::Incoming => "Incoming".to_string(),
        LetterDirection::Outgoing => "Outgoing".to_string(),
        LetterDirection::Other => "Other".to_string(),
        LetterDirection::Unlisted(o) => o.clone(),
    };
    let mut category = vec![CodeableConcept::text("Letter")];
    if !direction.trim().is_empty() {
        category.push(CodeableConcept::text(&format!("{direction} letter")));
    }
    let id = b.id("DocumentReference", local);
    let kind = (!l.kind.trim().is_empty()).then(|| CodeableConcept::text(&l.kind));
    let document = DocumentReference {
        id: id.clone(),
        meta: Meta::uk_core("DocumentReference"),
        master_identifier: document_uid(&l.document_uid),
        status: "current",
        kind: kind.clone(),
        category,
        subject: ctx.subject.clone(),
        date: Some(fhir_instant(
            l.date_sent_received.date().and_time(chrono::NaiveTime::MIN),
        )),
        author: author.into_iter().chain(ctx.author.clone()).collect(),
        description: None,
        content: vec![DocumentContent {
            attachment: Attachment {
                title: Some(if l.kind.trim().is_empty() {
                    "Letter".to_string()
                } else {
                    l.kind.clone()
                }),
                ..Default::default()
            },
        }],
        context: Some(DocumentContext {
            encounter: vec![ctx.encounter.clone()],
            period: None,
            related: recipients,
        }),
    };
    let index = b.add(&id, Resource::DocumentReference(document));
    for (n, uid) in l.linked_problem_uid.iter().enumerate() {
        b.link(
            uid,
            index,
            LinkKind::Related,
            &format!("{path}/LinkedProblemUID[{}]", n + 1),
        );
    }
    index
}

/// `14236 bytes` (F5) as a byte count.
fn file_size(text: &str) -> Option<u32> {
    let t = text.trim();
    let number = t
        .strip_suffix("bytes")
        .or_else(|| t.strip_suffix("byte"))
        .unwrap_or(t);
    number.trim().parse().ok()
}

fn attachment(
    b: &mut Builder,
    path: &str,
    local: &str,
    a: &SAttachment,
    ctx: &EventContext,
) -> usize {
    b.report.extra(path, &a.extra);
    let mut attachment = Attachment {
        title: text(&a.file_name),
        ..Default::default()
    };
    if let Some(size) = text(&a.file_size) {
        match file_size(&size) {
            Some(n) => attachment.size = Some(n),
            None => b.report.push(
                &format!("{path}/FileSize"),
                &size,
                Reason::Invalid,
                "not a size in bytes",
            ),
        }
    }
    if let Some(url) = text(&a.url) {
        if url.chars().any(char::is_whitespace) {
            b.report.push(
                &format!("{path}/URL"),
                &url,
                Reason::Invalid,
                "not a URL (holds spaces)",
            );
        } else {
            attachment.url = Some(url);
        }
    }
    if let Some(p) = text(&a.document_path) {
        b.report.push(
            &format!("{path}/DocumentPath"),
            &p,
            Reason::NoHome,
            "a path on the SystmOne machine, not a URL",
        );
    }
    if attachment == Attachment::default() {
        attachment.title = Some("Attachment".to_string());
    }
    let id = b.id("DocumentReference", local);
    let document = DocumentReference {
        id: id.clone(),
        meta: Meta::uk_core("DocumentReference"),
        master_identifier: document_uid(&a.document_uid),
        status: "current",
        kind: None,
        category: vec![CodeableConcept::text("Attachment")],
        subject: ctx.subject.clone(),
        date: ctx.when.as_ref().filter(|w| w.len() > 10).cloned(),
        author: ctx.author.iter().cloned().collect(),
        description: text(&a.comments),
        content: vec![DocumentContent { attachment }],
        context: Some(DocumentContext {
            encounter: vec![ctx.encounter.clone()],
            period: None,
            related: Vec::new(),
        }),
    };
    let index = b.add(&id, Resource::DocumentReference(document));
    for (n, uid) in a.linked_problem_uid.iter().enumerate() {
        b.link(
            uid,
            index,
            LinkKind::Related,
            &format!("{path}/LinkedProblemUID[{}]", n + 1),
        );
    }
    index
}

fn appointment_status(status: &str) -> Option<&'static str> {
    Some(match status.trim().to_ascii_lowercase().as_str() {
        "booked" | "reserved" => "booked",
        "arrived" | "waiting" => "arrived",
        "in progress" | "in consultation" | "started" => "checked-in",
        "finished" | "seen" | "complete" | "completed" | "left" => "fulfilled",
        "cancelled" | "cancelled by patient" | "cancelled by unit" | "cancelled by practice" => {
            "cancelled"
        }
        "did not attend" | "dna" | "no show" => "noshow",
        _ => return None,
    })
}

fn minutes(path: &str, d: f64, report: &mut MappingReport) -> Option<u32> {
    if d.fract() == 0.0 && d >= 1.0 && d <= f64::from(u32::MAX) {
        Some(d as u32)
    } else {
        report.push(
            path,
            &d.to_string(),
            Reason::Invalid,
            "not a whole, positive number of minutes",
        );
        None
    }
}

fn map_non_clinical(b: &mut Builder, n: &PatientRecordNonClinical, patient: &Reference) {
    b.report.extra("NonClinical", &n.extra);
    for (i, a) in n.appointment.iter().enumerate() {
        map_appointment(
            b,
            &format!("NonClinical/Appointment[{}]", i + 1),
            a,
            patient,
        );
    }
    for (i, v) in n.visit.iter().enumerate() {
        map_visit(b, &format!("NonClinical/Visit[{}]", i + 1), v, patient);
    }
    for (i, t) in n.task.iter().enumerate() {
        map_task(b, &format!("NonClinical/Task[{}]", i + 1), t, patient);
    }
}

fn participant(actor: Reference) -> AppointmentParticipant {
    AppointmentParticipant {
        actor,
        status: "accepted",
    }
}

fn map_appointment(b: &mut Builder, path: &str, a: &PatientAppointment, patient: &Reference) {
    b.report.extra(path, &a.extra);
    let status = appointment_status(&a.status).unwrap_or_else(|| {
        b.report.push(
            &format!("{path}/Status"),
            &a.status,
            Reason::Invalid,
            "a status FHIR's appointment statuses do not name: written as booked",
        );
        "booked"
    });
    let duration = minutes(
        &format!("{path}/Duration"),
        a.duration.minutes(),
        &mut b.report,
    );
    let start = a.date_time.value();
    let mut participants = vec![participant(patient.clone())];
    if let Some(p) = b.practitioner(a.user_name.as_deref(), a.clinician.as_deref()) {
        participants.push(participant(Reference::to(&b.url(p))));
    }
    if let Some(site) = text(&a.site) {
        participants.push(participant(b.location(&site)));
    }
    let id = b.id("Appointment", &a.appointment_uid);
    let appointment = Appointment {
        id: id.clone(),
        meta: None,
        identifier: vec![Identifier {
            kind: Some(CodeableConcept::text("SystmOne AppointmentUID")),
            value: a.appointment_uid.clone(),
            ..Default::default()
        }],
        status,
        service_type: text(&a.clinic_type)
            .map(|t| CodeableConcept::text(&t))
            .into_iter()
            .collect(),
        appointment_type: None,
        description: None,
        start: Some(fhir_instant(start)),
        end: duration.map(|m| fhir_instant(start + TimeDelta::minutes(i64::from(m)))),
        minutes_duration: duration,
        comment: None,
        participant: participants,
    };
    b.add(&id, Resource::Appointment(appointment));
}

fn map_visit(b: &mut Builder, path: &str, v: &Visit, patient: &Reference) {
    b.report.extra(path, &v.extra);
    let duration = minutes(
        &format!("{path}/Duration"),
        v.duration.minutes(),
        &mut b.report,
    );
    let start = v.date_time.value();
    let mut participants = vec![participant(patient.clone())];
    if let Some(p) = b.practitioner(v.user_name.as_deref(), None) {
        participants.push(participant(Reference::to(&b.url(p))));
    }
    let local = v.visit_uid.clone().unwrap_or_else(|| path.to_string());
    let id = b.id("Appointment", &format!("visit/{local}"));
    // A visit is a booking in the home visits diary: an Appointment of that type.
    let appointment = Appointment {
        id: id.clone(),
        meta: None,
        identifier: text(&v.visit_uid)
            .map(|u| Identifier {
                kind: Some(CodeableConcept::text("SystmOne VisitUID")),
                value: u,
                ..Default::default()
            })
            .into_iter()
            .collect(),
        status: "booked",
        service_type: Vec::new(),
        appointment_type: Some(CodeableConcept::text("Home visit")),
        description: None,
        start: Some(fhir_instant(start)),
        end: duration.map(|m| fhir_instant(start + TimeDelta::minutes(i64::from(m)))),
        minutes_duration: duration,
        comment: text(&v.comments).map(|_| v.comments.clone().unwrap_or_default()),
        participant: participants,
    };
    b.add(&id, Resource::Appointment(appointment));
}

fn map_task(b: &mut Builder, path: &str, t: &STask, patient: &Reference) {
    b.report.extra(path, &t.extra);
    let status_text = text(&t.status);
    let status = match status_text
        .as_deref()
        .map(|s| s.trim().to_ascii_lowercase())
    {
        Some(s) if s == "not started" => "requested",
        Some(s) if s == "in progress" => "in-progress",
        Some(s) if s == "completed" || s == "complete" => "completed",
        Some(s) if s == "cancelled" => "cancelled",
        Some(s) if s == "on hold" => "on-hold",
        // The status text is kept as businessStatus below, whatever it is.
        _ => "requested",
    };
    let local = t.task_uid.clone().unwrap_or_else(|| path.to_string());
    let id = b.id("Task", &local);
    let task = Task {
        id: id.clone(),
        meta: None,
        identifier: text(&t.task_uid)
            .map(|u| Identifier {
                kind: Some(CodeableConcept::text("SystmOne TaskUID")),
                value: u,
                ..Default::default()
            })
            .into_iter()
            .collect(),
        status,
        business_status: status_text.map(|s| CodeableConcept::text(&s)),
        intent: "order",
        code: text(&t.task_type).map(|k| CodeableConcept::text(&k)),
        description: text(&t.content).map(|_| t.content.clone().unwrap_or_default()),
        for_patient: patient.clone(),
        authored_on: t.date_time.as_ref().map(fhir_date_time),
        ..Default::default()
    };
    b.add(&id, Resource::Task(task));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_split_into_name_and_role() {
        let (name, role) = parse_display_name("HARTWELL, Imogen (General Medical Practitioner) ");
        assert_eq!(name.family.as_deref(), Some("HARTWELL"));
        assert_eq!(name.given, vec!["Imogen"]);
        assert_eq!(name.text.as_deref(), Some("HARTWELL, Imogen"));
        assert_eq!(role.as_deref(), Some("General Medical Practitioner"));
        let (name, role) = parse_display_name("Reception");
        assert_eq!(name.text.as_deref(), Some("Reception"));
        assert!(name.family.is_none() && role.is_none());
    }

    #[test]
    fn file_sizes() {
        assert_eq!(file_size("14236 bytes"), Some(14236));
        assert_eq!(file_size("0 bytes"), Some(0));
        assert_eq!(file_size("1.2 MB"), None);
    }
}
