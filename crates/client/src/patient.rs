//! Right patient or an error: the checks that a response is for the patient the request
//! named, and that a filtered record holds no more than the filter asked for.
//!
//! A record filed under the wrong patient is the worst outcome this client can have, so a
//! response to a request that names a patient (GetPatientRecord, UpdatePatientRecord,
//! DeleteFromPatientRecord, LaunchFunctionality: the functions whose parameters and result
//! both carry an `Identity`) must name the same patient, by the same kind of number, or
//! the call ends in [`Error::WrongPatient`](crate::Error::WrongPatient) and its result is
//! never handed out. What counts as the patient's identity comes from the bindings' types
//! (the `Identity` fields of the parameters and the result, and its `PatientId` choice,
//! where ERRATA E1's `NHSNumber` and `NhsNumber` are one kind of number), never from
//! searching the response text. GetDocument names a patient too, but its result carries
//! no `Identity` to compare.

use std::any::Any;
use std::fmt;

use systmone_bindings::delete_from_patient_record_v1_0 as delete;
use systmone_bindings::get_patient_record_v1_0 as record;
use systmone_bindings::launch_functionality_v1_0 as launch;
use systmone_bindings::update_patient_record_v1_0 as update;
use systmone_core::Function;
use systmone_types::{DataItem, Identity, PatientId};

/// A patient's number as a request asked for it or a response answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatientNumber {
    /// An NHS number, digits only (whichever spelling of the element carried it,
    /// ERRATA E1).
    Nhs(String),
    /// A pseudo number (a record without an NHS number).
    Pseudo(String),
    /// A SystmOne client ID (F14: SystmOne's own schema allows it in an `Identity`).
    Client(String),
}

impl PatientNumber {
    /// The number an `Identity` choice holds: NHS numbers without the spaces people
    /// write in them, pseudo numbers trimmed.
    pub fn of(id: &PatientId) -> Self {
        match id {
            PatientId::NhsNumber(n) | PatientId::NhsNumberMixedCase(n) => {
                PatientNumber::Nhs(n.chars().filter(|c| !c.is_whitespace()).collect())
            }
            PatientId::PseudoNumber(n) => PatientNumber::Pseudo(n.trim().to_string()),
            PatientId::ClientId(n) => PatientNumber::Client(n.trim().to_string()),
        }
    }

    /// The number itself.
    pub fn as_str(&self) -> &str {
        match self {
            PatientNumber::Nhs(n) | PatientNumber::Pseudo(n) | PatientNumber::Client(n) => n,
        }
    }
}

impl fmt::Display for PatientNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatientNumber::Nhs(n) => write!(f, "NHS number {n}"),
            PatientNumber::Pseudo(n) => write!(f, "pseudo number {n}"),
            PatientNumber::Client(n) => write!(f, "client ID {n}"),
        }
    }
}

/// The functions whose request and response both name a patient, as `(name,
/// version)`: a response to one of them for another patient than the request names is
/// [`Error::WrongPatient`](crate::Error::WrongPatient). A test holds this list to the
/// schemas (every function version whose parameters and result both have an
/// `Identity` must be here).
pub const PATIENT_CHECKED: &[(&str, &str)] = &[
    (
        record::GetPatientRecordV1_0::NAME,
        record::GetPatientRecordV1_0::VERSION,
    ),
    (
        update::UpdatePatientRecordV1_0::NAME,
        update::UpdatePatientRecordV1_0::VERSION,
    ),
    (
        delete::DeleteFromPatientRecordV1_0::NAME,
        delete::DeleteFromPatientRecordV1_0::VERSION,
    ),
    (
        launch::LaunchFunctionalityV1_0::NAME,
        launch::LaunchFunctionalityV1_0::VERSION,
    ),
];

/// The patient the parameters name (`Some(None)`: none, so SystmOne uses the record
/// open on its screen) and the `Identity` the result carries, for the functions of
/// [`PATIENT_CHECKED`]; `None` for every other function.
fn identities<'a, F: Function>(
    parameters: &'a F::Parameters,
    result: &'a F::Result,
) -> Option<(Option<&'a Identity>, &'a Identity)> {
    let (p, r) = (parameters as &dyn Any, result as &dyn Any);
    if let (Some(p), Some(r)) = (
        p.downcast_ref::<record::GetPatientRecordParameters>(),
        r.downcast_ref::<record::GetPatientRecordResult>(),
    ) {
        return Some((p.identity.as_ref(), &r.identity));
    }
    if let (Some(p), Some(r)) = (
        p.downcast_ref::<update::UpdatePatientRecordParameters>(),
        r.downcast_ref::<update::UpdatePatientRecordResult>(),
    ) {
        return Some((p.identity.as_ref(), &r.identity));
    }
    if let (Some(p), Some(r)) = (
        p.downcast_ref::<delete::DeleteFromPatientRecordParameters>(),
        r.downcast_ref::<delete::DeleteFromPatientRecordResult>(),
    ) {
        return Some((p.identity.as_ref(), &r.identity));
    }
    if let (Some(p), Some(r)) = (
        p.downcast_ref::<launch::LaunchFunctionalityParameters>(),
        r.downcast_ref::<launch::LaunchFunctionalityResult>(),
    ) {
        return Some((Some(&p.identity), &r.identity));
    }
    None
}

/// Every patient number a response's `Identity` holds: the typed one, and any further
/// number element the tolerant reader kept beside it (a repeated `NHSNumber`, say),
/// which would make the response name two patients.
fn answered_numbers(identity: &Identity) -> Vec<PatientNumber> {
    let mut numbers = vec![PatientNumber::of(&identity.number)];
    for kept in identity.extra.elements() {
        // Read as the bindings' number choice: the element names are the choice's own.
        let text = kept.text();
        let id = [
            PatientId::NhsNumber(text.clone()),
            PatientId::NhsNumberMixedCase(text.clone()),
            PatientId::PseudoNumber(text.clone()),
            PatientId::ClientId(text),
        ]
        .into_iter()
        .find(|id| id.xml_name() == kept.name());
        if let Some(id) = id {
            numbers.push(PatientNumber::of(&id));
        }
    }
    numbers
}

/// A response for another patient than the one asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mismatch {
    pub asked: PatientNumber,
    pub answered: PatientNumber,
}

/// Checks that the result of `F` is for the patient its parameters name. `Ok` when it
/// is, when the request named no patient (the record open in SystmOne is used), and for
/// functions that do not name a patient.
pub(crate) fn check_patient<F: Function>(
    parameters: &F::Parameters,
    result: &F::Result,
) -> Result<(), Mismatch> {
    let Some((Some(asked), answered)) = identities::<F>(parameters, result) else {
        return Ok(());
    };
    let asked = PatientNumber::of(&asked.number);
    match answered_numbers(answered).into_iter().find(|n| *n != asked) {
        None => Ok(()),
        Some(answered) => Err(Mismatch { asked, answered }),
    }
}

/// The parts of a GetPatientRecord result its filter did not ask for (empty for other
/// functions, for a request without a filter, and for a filter that selects no kind of
/// data, which asks for everything within its dates and users).
///
/// Only what the filter plainly rules out is named: the three sections (Demographics,
/// Clinical, NonClinical), pending appointments, visits and tasks, and the event data
/// items that only one flag asks for (Medication, DrugSensitivity, Letter, Attachment).
/// Clinical codes can come from several flags (ClinicalCodes, ClinicalCode, Numeric,
/// Results, Vaccinations, ...), and dates are effective over periods, so neither is
/// judged here.
pub(crate) fn beyond_filter<F: Function>(
    parameters: &F::Parameters,
    result: &F::Result,
) -> Vec<&'static str> {
    let (p, r) = (parameters as &dyn Any, result as &dyn Any);
    let (Some(p), Some(r)) = (
        p.downcast_ref::<record::GetPatientRecordParameters>(),
        r.downcast_ref::<record::GetPatientRecordResult>(),
    ) else {
        return Vec::new();
    };
    let Some(f) = &p.filter else {
        return Vec::new();
    };
    let non_clinical = [f.appointments, f.visits, f.tasks];
    let clinical = [
        f.care_plans,
        f.clinical_codes,
        f.letters,
        f.medication,
        f.sensitivities,
        f.recalls,
        f.referrals,
        f.relationships,
        f.results,
        f.vaccinations,
        f.reminders,
        f.activity,
        f.attachments,
        f.narrative,
    ];
    let asks_clinical = clinical.iter().any(Option::is_some)
        || !f.clinical_code.is_empty()
        || !f.numeric.is_empty();
    let asks_non_clinical = non_clinical.iter().any(Option::is_some);
    if !(asks_clinical || asks_non_clinical || f.demographics.is_some()) {
        return Vec::new();
    }
    let mut extra = Vec::new();
    if f.demographics.is_none() && r.demographics.is_some() {
        extra.push("Demographics");
    }
    if let Some(nc) = &r.non_clinical {
        for (asked, present, name) in [
            (
                f.appointments,
                !nc.appointment.is_empty(),
                "NonClinical/Appointment",
            ),
            (f.visits, !nc.visit.is_empty(), "NonClinical/Visit"),
            (f.tasks, !nc.task.is_empty(), "NonClinical/Task"),
        ] {
            if asked.is_none() && present {
                extra.push(name);
            }
        }
    }
    if let Some(clinical) = &r.clinical {
        if !asks_clinical && !clinical.event.is_empty() {
            extra.push("Clinical");
        } else {
            let items = clinical.event.iter().flat_map(|e| &e.items);
            let mut seen = [false; 4];
            for item in items {
                let slot = match item {
                    DataItem::Medication(_) if f.medication.is_none() => 0,
                    DataItem::DrugSensitivity(_) if f.sensitivities.is_none() => 1,
                    DataItem::Letter(_) if f.letters.is_none() => 2,
                    DataItem::Attachment(_) if f.attachments.is_none() => 3,
                    _ => continue,
                };
                seen[slot] = true;
            }
            let names = [
                "Clinical/Event/Medication",
                "Clinical/Event/DrugSensitivity",
                "Clinical/Event/Letter",
                "Clinical/Event/Attachment",
            ];
            extra.extend(names.iter().zip(seen).filter(|(_, s)| *s).map(|(n, _)| *n));
        }
    }
    extra
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nhs(n: &str) -> Identity {
        Identity {
            number: PatientId::NhsNumber(n.into()),
            strategic_reporting_identifier: None,
            extra: Default::default(),
        }
    }

    fn record_params(identity: Option<Identity>) -> record::GetPatientRecordParameters {
        record::GetPatientRecordParameters {
            identity,
            ..Default::default()
        }
    }

    fn record_result(identity: Identity) -> record::GetPatientRecordResult {
        record::GetPatientRecordResult {
            identity,
            demographics: None,
            clinical: None,
            non_clinical: None,
            record_state: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn both_spellings_of_the_nhs_number_are_one_patient() {
        let asked = record_params(Some(Identity {
            number: PatientId::NhsNumberMixedCase("943 476 5919".into()),
            ..nhs("")
        }));
        let ok = record_result(nhs("9434765919"));
        assert_eq!(
            check_patient::<record::GetPatientRecordV1_0>(&asked, &ok),
            Ok(())
        );
        let other = record_result(nhs("4917111072"));
        assert_eq!(
            check_patient::<record::GetPatientRecordV1_0>(&asked, &other),
            Err(Mismatch {
                asked: PatientNumber::Nhs("9434765919".into()),
                answered: PatientNumber::Nhs("4917111072".into()),
            })
        );
    }

    #[test]
    fn a_pseudo_number_is_not_an_nhs_number() {
        let asked = record_params(Some(nhs("9434765919")));
        let pseudo = record_result(Identity {
            number: PatientId::PseudoNumber("9434765919".into()),
            ..nhs("")
        });
        assert!(check_patient::<record::GetPatientRecordV1_0>(&asked, &pseudo).is_err());
    }

    /// The schema's definition `<xs:{kind} name="{name}">...</xs:{kind}>` (a test
    /// reading our own XSDs, not a response).
    fn definition<'a>(xsd: &'a str, kind: &str, name: &str) -> Option<&'a str> {
        let start = xsd.find(&format!("<xs:{kind} name=\"{name}\">"))?;
        let end = xsd[start..].find(&format!("</xs:{kind}>"))?;
        Some(&xsd[start..start + end])
    }

    #[test]
    fn every_function_naming_a_patient_both_ways_is_checked() {
        let mut named = Vec::new();
        for (file, xsd) in systmone_bindings::XSD_FILES {
            let Some((function, version)) =
                file.strip_suffix(".xsd").and_then(|f| f.split_once(" v"))
            else {
                continue;
            };
            let has_identity = |definition: Option<&str>| {
                definition.is_some_and(|d| d.contains("<xs:element name=\"Identity\""))
            };
            let asks = has_identity(definition(
                xsd,
                "complexType",
                &format!("{function}Parameters"),
            ));
            let answers = has_identity(definition(xsd, "group", &format!("{function}Result")));
            if asks && answers {
                named.push((function, version));
            }
        }
        named.sort();
        let mut checked = PATIENT_CHECKED.to_vec();
        checked.sort();
        assert_eq!(named, checked);
    }

    #[test]
    fn the_open_record_is_not_compared() {
        let asked = record_params(None);
        let any = record_result(nhs("4917111072"));
        assert_eq!(
            check_patient::<record::GetPatientRecordV1_0>(&asked, &any),
            Ok(())
        );
    }
}
