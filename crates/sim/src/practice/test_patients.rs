//! The practice's test patients: one patient per role of the conformance kit
//! (`systmone sim --test-patients`), in the file format `systmone conformance
//! --test-patients FILE` reads.

use super::{ItemData, PatientData, Practice, nhs_number_is_valid};

/// Whether a patient fills a role.
type Fills = fn(&PatientData) -> bool;

/// The roles, each with what a patient needs to fill it.
const ROLES: [(&str, Fills); 4] = [
    ("has-medication", |p| {
        items(p).any(|i| matches!(i, ItemData::Medication { .. }))
    }),
    // Problems and narrative (the kit reads both from this patient's record).
    ("has-problems", |p| {
        items(p).any(|i| matches!(i, ItemData::Problem { .. }))
            && items(p).any(|i| matches!(i, ItemData::Narrative { .. }))
    }),
    // Appointments and tasks (both non-clinical).
    ("has-appointments", |p| {
        !p.appointments.is_empty() && !p.tasks.is_empty()
    }),
    // Letters and attachments, with documents behind them.
    ("has-documents", |p| {
        !p.documents.is_empty()
            && items(p).any(|i| matches!(i, ItemData::Letter { .. }))
            && items(p).any(|i| matches!(i, ItemData::Attachment { .. }))
    }),
];

fn items(p: &PatientData) -> impl Iterator<Item = &ItemData> {
    p.events.iter().flat_map(|e| e.items.iter())
}

/// The test patients file for `practice`: a `[roles]` table of role = "NHS number",
/// the first patient (with a valid NHS number) that fills each role. A role no patient
/// fills is left out, with a comment saying so.
pub fn test_patients_toml(practice: &Practice) -> String {
    let mut out = String::from(
        "# Test patients of the simulated practice (systmone sim --test-patients): one NHS\n\
         # number per role. `systmone conformance --test-patients FILE` reads this file; with\n\
         # --allow-writes it writes only to these patients, undoing what it added.\n\
         [roles]\n",
    );
    for (role, fills) in ROLES {
        let found = practice.patients.iter().find(|p| {
            !p.document_example
                && p.nhs_number.as_deref().is_some_and(nhs_number_is_valid)
                && fills(p)
        });
        match found.and_then(|p| p.nhs_number.as_deref()) {
            Some(number) => out.push_str(&format!("{role} = \"{number}\"\n")),
            None => out.push_str(&format!("# {role}: no patient of this practice fills it\n")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_is_filled_by_the_built_in_practice() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let text = test_patients_toml(&Practice::generate(1, day));
        for (role, _) in ROLES {
            assert!(text.contains(&format!("\n{role} = \"")), "{role}: {text}");
        }
    }
}
