//! PatientSearch.

use systmone_bindings::patient_search_v1_0::{
    PatientMatch, PatientSearchParameters, PatientSearchResult,
};
use systmone_core::DateTime;
use systmone_types::SearchGender;
use systmone_types::Sex;

use super::convert::{address, identity};
use super::{HResult, need, perm};
use crate::state::State;

fn norm_phone(t: &str) -> String {
    t.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// Whether `value`, lowercased, starts with `lowercase` (already lowercased): the
/// search compares every patient of the practice, so an ASCII name is compared in
/// place, not lowercased into a new string.
fn starts_with_lowercase(value: &str, lowercase: &str) -> bool {
    // Only the start of `value` is looked at: if it is ASCII, it lowercases to as many
    // bytes, and no character after it can change what it starts with.
    match value.as_bytes().get(..lowercase.len()) {
        Some(start) if start.is_ascii() && lowercase.is_ascii() => {
            start.eq_ignore_ascii_case(lowercase.as_bytes())
        }
        None if value.is_ascii() => false,
        _ => value.to_lowercase().starts_with(lowercase),
    }
}

pub(super) fn handle(
    st: &State,
    p: Option<&PatientSearchParameters>,
) -> HResult<PatientSearchResult> {
    let p = need(p)?;
    // Read tolerantly, a value the bindings do not list is kept: not a search SystmOne
    // can run (F14: an empty Gender, as a kiosk sends it, constrains nothing).
    if let Some(SearchGender::Unlisted(g)) = &p.gender {
        return Err(perm(format!("Gender must be M or F, not {g:?}")));
    }
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let (first, surname, post, phone) = (
        given(&p.first_name),
        given(&p.surname),
        given(&p.post_code),
        given(&p.telephone),
    );
    let count = [
        first.is_some(),
        surname.is_some(),
        post.is_some(),
        phone.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count()
        + usize::from(p.date_of_birth.is_some())
        + usize::from(p.gender.is_some());
    if count < 2 {
        return Err(perm("At least two search parameters must be specified"));
    }
    // What each patient is compared with, worked out once for the search.
    let (first, surname) = (first.map(str::to_lowercase), surname.map(str::to_lowercase));
    let gender = p.gender.as_ref().map(ToString::to_string);
    let post = post.map(str::to_uppercase);
    let phone = phone.map(norm_phone);
    let result = st
        .practice
        .patients
        .iter()
        .filter(|pt| {
            first
                .as_ref()
                .is_none_or(|q| starts_with_lowercase(&pt.first_name, q))
        })
        .filter(|pt| {
            surname
                .as_ref()
                .is_none_or(|q| starts_with_lowercase(&pt.surname, q))
        })
        .filter(|pt| p.date_of_birth.is_none_or(|d| d.0 == pt.date_of_birth))
        .filter(|pt| gender.as_ref().is_none_or(|g| *g == pt.sex))
        .filter(|pt| {
            post.as_ref().is_none_or(|q| {
                let pc = pt
                    .address
                    .as_ref()
                    .map(|a| a.postcode.to_uppercase())
                    .unwrap_or_default();
                if q.contains(' ') {
                    pc == *q
                } else {
                    pc.split(' ').next() == Some(q.as_str())
                }
            })
        })
        .filter(|pt| {
            phone.as_ref().is_none_or(|q| {
                pt.phones()
                    .iter()
                    .any(|ph| !ph.is_empty() && norm_phone(ph) == *q)
            })
        })
        .map(|pt| PatientMatch {
            extra: Default::default(),
            identity: identity(pt),
            first_name: Some(pt.first_name.clone()),
            surname: Some(pt.surname.clone()),
            date_of_birth: Some(DateTime::new(
                pt.date_of_birth.and_time(chrono::NaiveTime::MIN),
            )),
            sex: pt.sex.parse::<Sex>().ok(),
            telephone: pt
                .phones()
                .iter()
                .find(|ph| !ph.is_empty())
                .map(|ph| ph.to_string()),
            address: pt.address.as_ref().map(address),
        })
        .collect();
    Ok(PatientSearchResult {
        extra: Default::default(),
        result,
    })
}

#[cfg(test)]
mod tests {
    use super::starts_with_lowercase;

    #[test]
    fn a_prefix_is_compared_as_lowercase() {
        for (value, query) in [
            ("Smith", "smi"),
            ("SMITH", "smith"),
            ("Ödön", "öd"),
            ("İlker", "i\u{307}l"),
            ("Smith", ""),
            ("Smi", "smith"),
            ("Jones", "smi"),
            ("ẞtraße", "ßtr"),
            ("ΟΔΥΣ", "οδυς"),
            ("Ann", "ANN"),
            ("Smith\u{212A}", "smithk"),
            ("Sm\u{212A}th", "smk"),
            ("\u{212A}ate", "kat"),
            ("Ann-Éva", "ann-é"),
            ("Ann-Éva", "ann"),
            ("An", "ann"),
        ] {
            assert_eq!(
                starts_with_lowercase(value, &query.to_lowercase()),
                value.to_lowercase().starts_with(&query.to_lowercase()),
                "{value} {query}"
            );
        }
    }
}
