//! PatientSearch results as UK Core Patients.

use systmone_patient_search_v1_0::{PatientMatch, PatientSearchResult};

use crate::model::*;
use crate::record::{Builder, Mapped, gender, identifiers, identity_key};
use crate::time::fhir_date;

/// Maps a PatientSearch result to a Bundle of type `collection` holding one Patient
/// per match.
pub fn patient_search_bundle(result: &PatientSearchResult) -> Mapped {
    let mut b = Builder::new("PatientSearch");
    b.report.extra("Response", &result.extra);
    for (i, m) in result.result.iter().enumerate() {
        let path = format!("Result[{}]", i + 1);
        map_match(&mut b, &path, m);
    }
    let id = b.id("Bundle", "PatientSearch");
    b.finish(id)
}

fn text(value: &Option<String>) -> Option<String> {
    value.as_ref().filter(|v| !v.trim().is_empty()).cloned()
}

fn map_match(b: &mut Builder, path: &str, m: &PatientMatch) {
    b.report.extra(path, &m.extra);
    let before = b.report.not_mapped.len();
    let identifier = identifiers(&m.identity, &mut b.report);
    // Paths of the identity's items are relative: put them under this match.
    for item in &mut b.report.not_mapped[before..] {
        item.path = format!("{path}/{}", item.path);
    }
    let id = b.id(
        "Patient",
        &format!("{}/{}", identity_key(&m.identity), path),
    );
    let name = HumanName {
        name_use: Some("official"),
        family: text(&m.surname),
        given: text(&m.first_name).into_iter().collect(),
        ..Default::default()
    };
    let address = m
        .address
        .as_ref()
        .and_then(|a| b.address(&format!("{path}/Address"), a))
        .map(|mut a| {
            a.address_use = Some("home");
            a
        });
    let patient = Patient {
        id: id.clone(),
        meta: Meta::uk_core("Patient"),
        identifier,
        name: (name.family.is_some() || !name.given.is_empty())
            .then_some(name)
            .into_iter()
            .collect(),
        telecom: text(&m.telephone)
            .map(|t| ContactPoint {
                system: "phone",
                value: t,
                contact_use: None,
            })
            .into_iter()
            .collect(),
        gender: gender(&m.sex, &format!("{path}/Sex"), &mut b.report),
        birth_date: m.date_of_birth.as_ref().map(|d| fhir_date(d.date())),
        address: address.into_iter().collect(),
        ..Default::default()
    };
    b.add(&id, Resource::Patient(patient));
}
