//! UpdatePatientRecord.

use systmone_bindings::update_patient_record_v1_0::{
    UpdatePatientRecordParameters, UpdatePatientRecordResult,
};
use systmone_types::{DataItem, Demographics};

use super::convert::{
    identity, in_activity, in_care_plan, in_code, in_drug, in_letter, in_patient_plan, in_recall,
    in_relationship, in_reminder, in_repeat_medication, in_report, in_vaccination,
};
use super::record_access::{Access, access, record_state};
use super::{Ctx, HResult, need, perm};
use crate::practice::{
    self, AddressData, AppointmentData, DocumentData, EventData, ItemData, PatientData, TaskData,
    VisitData,
};
use crate::state::State;

/// The file name of a path as the integration's machine writes it (`C:\Kiosk\a.csv`:
/// `a.csv`), whatever this machine's separator.
fn file_name(path: &str) -> Option<String> {
    path.rsplit(['\\', '/'])
        .next()
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

struct NewDocs<'a> {
    rng: &'a mut practice::Rng,
    docs: Vec<(String, DocumentData)>,
}

impl NewDocs<'_> {
    fn add(&mut self, path: &str, what: &str) -> String {
        let uid = self.rng.uid();
        let original = file_name(path).unwrap_or_else(|| "document".into());
        let ext = original.rsplit_once('.').map(|(_, e)| e).unwrap_or("txt");
        self.docs.push((
            uid.clone(),
            DocumentData {
                file_name: format!("{uid}.{ext}"),
                content: format!("{what} added through Client Integration from {path}\n"),
            },
        ));
        uid
    }
}

fn in_item(item: &DataItem, patient: &PatientData, docs: &mut NewDocs) -> HResult<ItemData> {
    let problem_known = |uid: &str| {
        patient
            .events
            .iter()
            .any(|e| e.items.iter().any(|i| i.problem_uid() == Some(uid)))
    };
    let check_problems = |uids: &[String]| -> HResult<()> {
        match uids.iter().find(|u| !problem_known(u)) {
            Some(u) => Err(perm(format!("Unknown ProblemUID {u}"))),
            None => Ok(()),
        }
    };
    check_problems(linked_problems(item))?;
    Ok(match item {
        DataItem::ClinicalCode(c) => {
            if c.code.code.trim().is_empty() {
                return Err(perm("A ClinicalCode must have a code"));
            }
            // A code written with a severity is recorded as a problem (F3), with a
            // ProblemUID of its own.
            let problem_uid = c.problem_severity.as_ref().map(|_| docs.rng.uid());
            ItemData::Code {
                code: in_code(&c.code),
                episodicity: c.episodicity.as_ref().map(ToString::to_string),
                value: c.value,
                units: c.units.clone(),
                comparator: c.comparator.as_ref().map(ToString::to_string),
                problem_uid,
                problem_severity: c.problem_severity.as_ref().map(ToString::to_string),
                problem_end_date: c.problem_end_date.map(|d| d.date()),
                free_text: c.free_text.clone(),
                problems: c.linked_problem_uid.clone(),
            }
        }
        DataItem::Medication(m) => {
            let drug = in_drug(&m.drug);
            let start = m.start_date.map(|d| d.date());
            ItemData::Medication {
                scheme: drug.scheme,
                product_id: drug.product_id,
                pack_id: drug.pack_id,
                name: drug.name,
                medication_type: m.medication_type.as_ref().map(ToString::to_string),
                start,
                days: start
                    .zip(m.end_date.map(|d| d.date()))
                    .and_then(|(a, b)| u32::try_from((b - a).num_days()).ok())
                    .unwrap_or(28),
                dose: m.dose.clone(),
                quantity: m.quantity.clone(),
                repeat_issue: m.repeat_issue.is_some(),
                problems: m.linked_problem_uid.clone(),
                extra_xml: m
                    .extra
                    .elements()
                    .iter()
                    .map(|r| r.as_str().to_string())
                    .collect(),
            }
        }
        DataItem::Letter(l) => {
            let path = l
                .document_path
                .as_deref()
                .filter(|p| !p.trim().is_empty())
                .ok_or_else(|| perm("A Letter must have a DocumentPath"))?;
            let has_name = l.recipient_name.is_some()
                || l.recipient_organisation
                    .as_deref()
                    .is_some_and(|o| !o.trim().is_empty());
            if !has_name {
                return Err(perm(
                    "A Letter must have a RecipientName or a RecipientOrganisation",
                ));
            }
            if l.kind.trim().is_empty() {
                return Err(perm("A Letter must have a Type"));
            }
            let uid = docs.add(path, "Letter");
            ItemData::Letter(Box::new(in_letter(l, Some(uid))))
        }
        DataItem::Attachment(a) => {
            let problems = a.linked_problem_uid.clone();
            match (a.document_path.as_deref(), a.url.as_deref()) {
                (Some(path), _) if !path.trim().is_empty() => ItemData::Attachment {
                    file_name: file_name(path),
                    file_size: None,
                    document_uid: Some(docs.add(path, "Attachment")),
                    url: a.url.clone().filter(|u| !u.trim().is_empty()),
                    comments: a.comments.clone(),
                    problems,
                },
                (_, Some(url)) if !url.trim().is_empty() => ItemData::Attachment {
                    file_name: None,
                    file_size: None,
                    document_uid: None,
                    url: Some(url.to_string()),
                    comments: a.comments.clone(),
                    problems,
                },
                _ => return Err(perm("An Attachment must have a DocumentPath or a URL")),
            }
        }
        DataItem::DrugSensitivity(d) => {
            let ingredient = d.ingredient.first();
            ItemData::Sensitivity {
                kind: d.kind.to_string(),
                ingredient_id: ingredient
                    .map(|i| i.ingredient_id.clone())
                    .unwrap_or_default(),
                name: ingredient.and_then(|i| i.name.clone()).unwrap_or_default(),
                details: ingredient
                    .and_then(|i| i.details.clone())
                    .unwrap_or_default(),
                free_text: d.free_text.clone(),
                problems: d.linked_problem_uid.clone(),
            }
        }
        DataItem::Narrative(n) => ItemData::Narrative {
            lines: n.line.clone(),
            problems: n.linked_problem_uid.clone(),
        },
        DataItem::LinkedProblemUid(uid) => {
            check_problems(std::slice::from_ref(uid))?;
            ItemData::LinkedProblem {
                problem_uid: uid.clone(),
            }
        }
        DataItem::Other(raw) => ItemData::Raw {
            name: raw.name().to_string(),
            xml: raw.as_str().to_string(),
        },
        DataItem::Reminder(r) => ItemData::Reminder(in_reminder(r)),
        DataItem::Recall(r) => ItemData::Recall(in_recall(r)),
        DataItem::Vaccination(v) => ItemData::Vaccination(in_vaccination(v)),
        DataItem::RepeatMedication(r) => ItemData::RepeatMedication(in_repeat_medication(r)),
        DataItem::PatientPlan(p) => ItemData::PatientPlan(in_patient_plan(p)),
        DataItem::CarePlan(c) => ItemData::CarePlan(in_care_plan(c)),
        DataItem::Relationship(r) => ItemData::Relationship(Box::new(in_relationship(r))),
        DataItem::Report(r) => ItemData::Report(in_report(r)),
        DataItem::Activity(a) => ItemData::Activity(in_activity(a)),
    })
}

/// The problems a data item links to (its own LinkedProblemUID children).
fn linked_problems(item: &DataItem) -> &[String] {
    match item {
        DataItem::ClinicalCode(i) => &i.linked_problem_uid,
        DataItem::Medication(i) => &i.linked_problem_uid,
        DataItem::Letter(i) => &i.linked_problem_uid,
        DataItem::Attachment(i) => &i.linked_problem_uid,
        DataItem::DrugSensitivity(i) => &i.linked_problem_uid,
        DataItem::Narrative(i) => &i.linked_problem_uid,
        DataItem::Reminder(i) => &i.linked_problem_uid,
        DataItem::Recall(i) => &i.linked_problem_uid,
        DataItem::Vaccination(i) => &i.linked_problem_uid,
        DataItem::RepeatMedication(i) => &i.linked_problem_uid,
        DataItem::PatientPlan(i) => &i.linked_problem_uid,
        DataItem::CarePlan(i) => &i.linked_problem_uid,
        DataItem::Relationship(i) => &i.linked_problem_uid,
        DataItem::Report(i) => &i.linked_problem_uid,
        DataItem::Activity(i) => &i.linked_problem_uid,
        DataItem::LinkedProblemUid(_) | DataItem::Other(_) => &[],
    }
}

fn apply_demographics(p: &mut PatientData, d: &Demographics) {
    fn set(target: &mut String, v: &Option<String>) {
        if let Some(v) = v {
            *target = v.clone();
        }
    }
    set(&mut p.title, &d.title);
    set(&mut p.first_name, &d.first_name);
    set(&mut p.middle_names, &d.middle_names);
    set(&mut p.surname, &d.surname);
    set(&mut p.known_as, &d.known_as);
    if let Some(v) = &d.date_of_birth {
        p.date_of_birth = v.date();
    }
    if let Some(v) = &d.sex {
        p.sex = v.to_string();
    }
    for (target, slot) in [
        (&mut p.marital_status, &d.marital_status),
        (&mut p.ethnicity, &d.ethnicity),
        (&mut p.main_language, &d.main_language),
    ] {
        if let Some(slot) = slot {
            *target = slot.code.as_ref().map(in_code);
        }
    }
    if let Some(v) = &d.english_speaker {
        p.english_speaker = v.to_string();
    }
    if let Some(a) = &d.address {
        let target = p.address.get_or_insert_with(AddressData::default);
        set(&mut target.house_name, &a.house_name);
        set(&mut target.house_number, &a.house_number);
        set(&mut target.road, &a.road);
        set(&mut target.locality, &a.locality);
        set(&mut target.town, &a.town);
        set(&mut target.county, &a.county);
        set(&mut target.postcode, &a.postcode);
    }
    set(&mut p.home_telephone, &d.home_telephone);
    set(&mut p.work_telephone, &d.work_telephone);
    set(&mut p.mobile_telephone, &d.mobile_telephone);
    set(&mut p.alternate_telephone, &d.alternate_telephone);
    set(&mut p.email, &d.email_address);
    if let Some(v) = &d.sms_consent {
        p.sms_consent = v.to_string();
    }
    set(&mut p.usual_gp, &d.usual_gp_user_name);
    if let Some(v) = &d.care_start_date {
        p.care_start = v.date();
    }
    if let Some(v) = &d.registration_type {
        p.registration_type = Some(v.to_string());
    }
}

pub(super) fn handle(
    st: &mut State,
    ctx: &Ctx,
    p: Option<&UpdatePatientRecordParameters>,
) -> HResult<UpdatePatientRecordResult> {
    let p = need(p)?;
    let (number, open) = access(
        st,
        p.identity.as_ref(),
        p.leave_record_open.is_some(),
        Access::Write,
    )?;
    let user = st.practice.current_user().cloned();
    let site = st
        .practice
        .current_site()
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let original = st
        .practice
        .patient(&number)
        .cloned()
        .ok_or_else(|| perm("Patient not found"))?;
    let mut patient = original.clone();
    let mut slots = st.practice.slots.clone();
    let mut result = UpdatePatientRecordResult {
        extra: Default::default(),
        identity: identity(&patient),
        event_uid: Vec::new(),
        appointment_uid: Vec::new(),
        visit_uid: Vec::new(),
        task_uid: Vec::new(),
        record_state: record_state(open),
    };
    let mut docs = NewDocs {
        rng: &mut st.rng,
        docs: Vec::new(),
    };
    if let Some(d) = &p.demographics {
        apply_demographics(&mut patient, d);
    }
    if let Some(clinical) = &p.clinical {
        for e in &clinical.event {
            if e.items.is_empty() {
                return Err(perm("An Event must contain at least one data item"));
            }
            check_referral(&original, e.linked_referral_uid.as_deref())?;
            let mut items = Vec::new();
            for item in &e.items {
                items.push(in_item(item, &original, &mut docs)?);
            }
            let uid = docs.rng.uid();
            let when = e.date_time.as_ref().map(|d| d.value()).unwrap_or(ctx.now);
            let user_name = e
                .user_name
                .clone()
                .or_else(|| user.as_ref().map(|u| u.user_name.clone()));
            let done_by = e.done_by.clone().or_else(|| {
                let name = user_name.as_ref()?;
                st_user_display(&user, name)
            });
            patient.events.push(EventData {
                uid: uid.clone(),
                date_time: when,
                entered: ctx.now,
                user_name,
                done_by,
                done_at: e.done_at.clone().or_else(|| Some(site.clone())),
                software: e
                    .software
                    .clone()
                    .or_else(|| Some("Client Integration Software".into())),
                method: e.method.as_ref().map(ToString::to_string),
                linked_referral_uid: e.linked_referral_uid.clone(),
                items,
            });
            result.event_uid.push(uid);
        }
    }
    if let Some(nc) = &p.non_clinical {
        for a in &nc.appointment {
            check_referral(&original, a.linked_referral_uid.as_deref())?;
            match (&a.appointment_uid, &a.clinic) {
                (Some(uid), _) => {
                    let appt = patient
                        .appointments
                        .iter_mut()
                        .find(|x| &x.uid == uid)
                        .ok_or_else(|| {
                            perm(format!("No appointment {uid} in this patient record"))
                        })?;
                    if let Some(s) = &a.status {
                        appt.status = s.clone();
                        if s.eq_ignore_ascii_case("cancelled") {
                            if let Some(slot) =
                                slots.iter_mut().find(|s| s.booked.as_deref() == Some(uid))
                            {
                                slot.booked = None;
                            }
                        }
                    }
                    if let Some(c) = &a.comments {
                        appt.comments = Some(c.clone());
                    }
                    if let Some(flag) = &a.flag {
                        if !appt.flags.contains(flag) {
                            appt.flags.push(flag.clone());
                        }
                    }
                    if let Some(r) = &a.linked_referral_uid {
                        appt.linked_referral_uid = Some(r.clone());
                    }
                }
                (None, Some(clinic)) => {
                    let [slot] = clinic.slot.as_slice() else {
                        return Err(perm("A new appointment must give exactly one Slot"));
                    };
                    let free = slots.iter_mut().find(|s| {
                        s.booked.is_none()
                            && s.user_name == clinic.user_name
                            && s.site_name == clinic.site_name
                            && s.clinic_type == clinic.clinic_type
                            && s.slot_type == slot.slot_type
                            && s.start == slot.date_time_start.value()
                            && f64::from(s.duration) == slot.duration.minutes()
                    });
                    let Some(free) = free else {
                        return Err(perm(
                            "The appointment does not match a free slot in the appointment book",
                        ));
                    };
                    let uid = docs.rng.uid();
                    free.booked = Some(uid.clone());
                    patient.appointments.push(AppointmentData {
                        uid: uid.clone(),
                        start: free.start,
                        duration: free.duration,
                        user_name: free.user_name.clone(),
                        site_name: free.site_name.clone(),
                        clinic_type: free.clinic_type.clone(),
                        slot_type: free.slot_type.clone(),
                        status: a.status.clone().unwrap_or_else(|| "Booked".into()),
                        comments: a.comments.clone(),
                        flags: a.flag.iter().cloned().collect(),
                        linked_referral_uid: a.linked_referral_uid.clone(),
                    });
                    result.appointment_uid.push(uid);
                }
                (None, None) => {
                    return Err(perm(
                        "An Appointment must give an AppointmentUID or a Clinic",
                    ));
                }
            }
        }
        for v in &nc.visit {
            check_referral(&original, v.linked_referral_uid.as_deref())?;
            let uid = docs.rng.uid();
            patient.visits.push(VisitData {
                uid: uid.clone(),
                date_time: v.date_time.value(),
                duration: v.duration.minutes(),
                comments: v.comments.clone(),
                user_name: v
                    .user_name
                    .clone()
                    .or_else(|| user.as_ref().map(|u| u.user_name.clone())),
                status: v.status.clone(),
                linked_referral_uid: v.linked_referral_uid.clone(),
            });
            result.visit_uid.push(uid);
        }
        for t in &nc.task {
            let uid = docs.rng.uid();
            patient.tasks.push(TaskData {
                uid: uid.clone(),
                task_type: t.task_type.clone(),
                date_time: t.date_time.as_ref().map(|d| d.value()),
                comments: t.content.clone(),
                user_name: user.as_ref().map(|u| u.user_name.clone()),
                completed: t.status.as_deref() == Some("Completed"),
                due: t.due.as_ref().map(|d| d.value()),
                user_name_assigned: t.user_name_assigned.clone(),
                group_name_assigned: t.group_name_assigned.clone(),
            });
            result.task_uid.push(uid);
        }
    }
    // All checks passed: commit.
    for (uid, doc) in docs.docs {
        patient.documents.insert(uid, doc);
    }
    result.identity = identity(&patient);
    for uid in result
        .event_uid
        .iter()
        .chain(&result.appointment_uid)
        .chain(&result.visit_uid)
        .chain(&result.task_uid)
    {
        st.practice
            .owners
            .insert(uid.clone(), ctx.device_id.to_string());
    }
    st.practice.slots = slots;
    if let Some(target) = st.practice.patient_mut(&number) {
        *target = patient;
    }
    Ok(result)
}

/// A LinkedReferralUID must name a referral of the record.
fn check_referral(patient: &PatientData, uid: Option<&str>) -> HResult<()> {
    let Some(uid) = uid else { return Ok(()) };
    let known = patient.events.iter().any(|e| {
        e.items
            .iter()
            .any(|i| matches!(i, ItemData::Referral { referral_uid, .. } if referral_uid == uid))
    });
    if known {
        Ok(())
    } else {
        Err(perm(format!("Unknown LinkedReferralUID {uid}")))
    }
}

fn st_user_display(user: &Option<practice::UserData>, name: &str) -> Option<String> {
    user.as_ref()
        .filter(|u| u.user_name == name)
        .map(|u| u.display_name())
}
