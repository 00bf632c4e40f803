//! GetPatientRecord.

use chrono::{Duration, NaiveDate};
use systmone_bindings::get_patient_record_v1_0::{
    GetPatientRecordParameters, GetPatientRecordResult, PatientRecordFilter,
    PatientRecordNonClinical,
};
use systmone_core::Flag;
use systmone_types::{Clinical, DataItem};

use super::convert::{
    demographics, identity, out_event, out_item, out_task, out_visit, patient_appointment,
};
use super::record_access::{Access, access, record_state};
use super::{Ctx, HResult, Schemes, perm};
use crate::practice::{ItemData, PatientData};
use crate::state::State;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Category {
    Codes,
    Medication,
    Sensitivities,
    Letters,
    Attachments,
    Narrative,
    Referrals,
    Vaccinations,
    Results,
    Recalls,
    Reminders,
    CarePlans,
    Relationships,
    Activity,
    Link,
    Other,
}

fn category(item: &ItemData) -> Category {
    match item {
        ItemData::Code { .. } | ItemData::Problem { .. } => Category::Codes,
        // "This includes both acute and repeat medication."
        ItemData::Medication { .. } | ItemData::RepeatMedication(_) => Category::Medication,
        ItemData::Sensitivity { .. } => Category::Sensitivities,
        ItemData::Narrative { .. } => Category::Narrative,
        ItemData::Letter(_) => Category::Letters,
        ItemData::Attachment { .. } => Category::Attachments,
        ItemData::Referral { .. } => Category::Referrals,
        ItemData::Reminder(_) => Category::Reminders,
        ItemData::Recall(_) => Category::Recalls,
        ItemData::Vaccination(_) => Category::Vaccinations,
        // A patient plan is a plan of instructions, as a care plan is: the document has
        // no filter of its own for it.
        ItemData::PatientPlan(_) | ItemData::CarePlan(_) => Category::CarePlans,
        ItemData::Relationship(_) => Category::Relationships,
        ItemData::Report(_) => Category::Results,
        ItemData::Activity(_) => Category::Activity,
        ItemData::LinkedProblem { .. } => Category::Link,
        ItemData::Raw { name, .. } => match name.as_str() {
            "ClinicalCode" | "Problem" => Category::Codes,
            "Medication" | "RepeatMedication" => Category::Medication,
            "DrugSensitivity" => Category::Sensitivities,
            "Letter" => Category::Letters,
            "Attachment" => Category::Attachments,
            "Narrative" => Category::Narrative,
            "Referral" => Category::Referrals,
            "Vaccination" => Category::Vaccinations,
            "Report" | "Result" | "TestResult" => Category::Results,
            "Recall" => Category::Recalls,
            "Reminder" => Category::Reminders,
            "CarePlan" | "PatientPlan" => Category::CarePlans,
            "Relationship" => Category::Relationships,
            "Activity" => Category::Activity,
            _ => Category::Other,
        },
    }
}

/// Whether a GetPatientRecord filter selects any data type (else: everything).
fn selects_types(f: &PatientRecordFilter) -> bool {
    [
        f.appointments,
        f.care_plans,
        f.demographics,
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
        f.visits,
        f.tasks,
    ]
    .iter()
    .any(Option::is_some)
        || !f.clinical_code.is_empty()
        || !f.numeric.is_empty()
}

/// Whether the filter selects `item`; `in_report` says its event holds a Report, whose
/// coded readings are the report's results (selected by Results as well).
fn item_wanted(item: &ItemData, f: Option<&PatientRecordFilter>, in_report: bool) -> bool {
    let Some(f) = f else { return true };
    if !selects_types(f) {
        return true;
    }
    let flag = |o: Option<Flag>| o.is_some();
    match category(item) {
        Category::Codes => {
            if f.clinical_codes.is_some() || (in_report && f.results.is_some()) {
                return true;
            }
            let (code, value) = match item {
                ItemData::Code { code, value, .. } => (code.code.as_str(), *value),
                ItemData::Problem { code, .. } => (code.code.as_str(), None),
                _ => return false,
            };
            f.clinical_code.iter().any(|c| c.trim() == code)
                || (value.is_some() && f.numeric.iter().any(|c| c.trim() == code))
        }
        Category::Medication => flag(f.medication),
        Category::Sensitivities => flag(f.sensitivities),
        Category::Letters => flag(f.letters),
        Category::Attachments => flag(f.attachments),
        Category::Narrative => flag(f.narrative),
        Category::Referrals => flag(f.referrals),
        Category::Vaccinations => flag(f.vaccinations),
        Category::Results => flag(f.results),
        Category::Recalls => flag(f.recalls),
        Category::Reminders => flag(f.reminders),
        Category::CarePlans => flag(f.care_plans),
        Category::Relationships => flag(f.relationships),
        Category::Activity => flag(f.activity),
        Category::Link | Category::Other => false,
    }
}

/// When an item is effective (the filter's MinEffectiveDate, MaxEffectiveDate).
enum Effective {
    /// On its event's date only (a consultation's narrative, a vaccination given).
    OnTheDay,
    /// From its event's date until a date.
    Until(NaiveDate),
    /// From its event's date on ("most data items are indefinitely effective from their
    /// date of recording (e.g. clinical codes)").
    Indefinitely,
}

/// An item's effective period, as the document lists them: medication until the
/// prescription runs out (a repeat: its issues, when it says how many and how long),
/// referrals until closed, relationships until ended, reminders until expired; codes,
/// sensitivities, recalls and plans indefinitely.
fn effective(item: &ItemData, start: NaiveDate) -> Effective {
    let until = |end: Option<NaiveDate>| end.map_or(Effective::Indefinitely, Effective::Until);
    match item {
        ItemData::Medication {
            days, start: from, ..
        } => Effective::Until(from.unwrap_or(start) + Duration::days(i64::from(*days))),
        ItemData::RepeatMedication(r) => until(
            r.max_issues
                .zip(r.issue_duration_days)
                .and_then(|(n, days)| n.checked_mul(days))
                .and_then(|days| {
                    r.start_date
                        .unwrap_or(start)
                        .checked_add_signed(Duration::try_days(days)?)
                }),
        ),
        ItemData::Referral { closed, .. } => until(*closed),
        ItemData::Relationship(r) => until(r.end_date),
        ItemData::Reminder(r) => until(r.expiry_date),
        ItemData::Code { .. }
        | ItemData::Problem { .. }
        | ItemData::Sensitivity { .. }
        | ItemData::Recall(_)
        | ItemData::CarePlan(_)
        | ItemData::PatientPlan(_) => Effective::Indefinitely,
        ItemData::Narrative { .. }
        | ItemData::Letter(_)
        | ItemData::Attachment { .. }
        | ItemData::Vaccination(_)
        | ItemData::Report(_)
        | ItemData::Activity(_)
        | ItemData::LinkedProblem { .. }
        | ItemData::Raw { .. } => Effective::OnTheDay,
    }
}

fn clinical(p: &PatientData, f: Option<&PatientRecordFilter>, s: Schemes) -> Clinical {
    let mut events = Vec::new();
    for e in &p.events {
        if let Some(f) = f {
            let entered = e.entered.date();
            if f.min_entry_date.is_some_and(|d| entered < d.0)
                || f.max_entry_date.is_some_and(|d| entered > d.0)
            {
                continue;
            }
            if !f.user_name_done_by.is_empty() {
                if let Some(u) = &e.user_name {
                    if !f.user_name_done_by.iter().any(|x| x.trim() == u) {
                        continue;
                    }
                }
            }
        }
        let start = e.date_time.date();
        let in_report = e.items.iter().any(|i| matches!(i, ItemData::Report(_)));
        let kept: Vec<&ItemData> = e
            .items
            .iter()
            // Event-level links are added after the items the filter keeps.
            .filter(|item| !matches!(item, ItemData::LinkedProblem { .. }))
            .filter(|item| item_wanted(item, f, in_report))
            .filter(|item| {
                let Some(f) = f else { return true };
                if f.max_effective_date.is_some_and(|d| start > d.0) {
                    return false;
                }
                let Some(min) = f.min_effective_date else {
                    return true;
                };
                match effective(item, start) {
                    Effective::OnTheDay => start >= min.0,
                    Effective::Until(end) => end >= min.0,
                    Effective::Indefinitely => true,
                }
            })
            .collect();
        if kept.is_empty() {
            continue;
        }
        let mut items: Vec<DataItem> = kept
            .iter()
            .filter_map(|i| out_item(i, e.date_time.date(), s))
            .collect();
        // Event-level links travel with the event, last (F15's order).
        items.extend(e.items.iter().filter_map(|i| match i {
            ItemData::LinkedProblem { problem_uid } => {
                Some(DataItem::LinkedProblemUid(problem_uid.clone()))
            }
            _ => None,
        }));
        events.push(out_event(e, items));
    }
    Clinical {
        extra: Default::default(),
        event: events,
    }
}

fn pending(status: &str) -> bool {
    !matches!(
        status.to_ascii_lowercase().as_str(),
        "cancelled" | "finished" | "dna" | "did not attend" | "left"
    )
}

pub(super) fn handle(
    st: &mut State,
    ctx: &Ctx,
    p: Option<&GetPatientRecordParameters>,
) -> HResult<GetPatientRecordResult> {
    let (identity_param, leave_open, filter) = match p {
        Some(p) => (
            p.identity.as_ref(),
            p.leave_record_open.is_some(),
            p.filter.as_ref(),
        ),
        None => (None, false, None),
    };
    let (number, open) = access(st, identity_param, leave_open, Access::Read)?;
    let st = &*st;
    let patient = st
        .practice
        .patient(&number)
        .ok_or_else(|| perm("Patient not found"))?;
    let all = filter.is_none_or(|f| !selects_types(f));
    let want = |flag: Option<Flag>| all || flag.is_some();
    let f = filter;
    let demographics_wanted = all || f.is_some_and(|f| f.demographics.is_some());
    let clinical_wanted = all
        || f.is_some_and(|f| {
            let mut g = f.clone();
            g.demographics = None;
            g.appointments = None;
            g.visits = None;
            g.tasks = None;
            selects_types(&g)
        });
    let nonclinical_wanted = all
        || f.is_some_and(|f| f.appointments.is_some() || f.visits.is_some() || f.tasks.is_some());
    let non_clinical = nonclinical_wanted.then(|| PatientRecordNonClinical {
        extra: Default::default(),
        appointment: if want(f.and_then(|f| f.appointments)) {
            patient
                .appointments
                .iter()
                .filter(|a| pending(&a.status))
                .map(|a| patient_appointment(st, a))
                .collect()
        } else {
            Vec::new()
        },
        visit: if want(f.and_then(|f| f.visits)) {
            patient.visits.iter().map(out_visit).collect()
        } else {
            Vec::new()
        },
        task: if want(f.and_then(|f| f.tasks)) {
            patient
                .tasks
                .iter()
                .filter(|t| !t.completed)
                .map(out_task)
                .collect()
        } else {
            Vec::new()
        },
    });
    Ok(GetPatientRecordResult {
        extra: Default::default(),
        identity: identity(patient),
        demographics: demographics_wanted.then(|| demographics(patient, ctx.schemes)),
        clinical: clinical_wanted.then(|| clinical(patient, filter, ctx.schemes)),
        non_clinical,
        record_state: record_state(open),
    })
}
