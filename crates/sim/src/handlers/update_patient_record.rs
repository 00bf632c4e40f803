//! UpdatePatientRecord.

use systmone_bindings::update_patient_record_v1_0::{
    UpdatePatientRecordParameters, UpdatePatientRecordResult,
};
use systmone_types::{DataItem, Demographics, Event, SchemeName};

use super::convert::{identity, in_code};
use super::record_access::{Access, access, record_state};
use super::{Ctx, HResult, need, perm};
use crate::practice::{
    self, AddressData, AppointmentData, DocumentData, EventData, ItemData, PatientData, TaskData,
    VisitData,
};
use crate::state::State;

fn event_xml(items: Vec<DataItem>) -> Option<String> {
    let event = Event {
        extra: Default::default(),
        date_time: None,
        user_name: None,
        done_by: None,
        done_at: None,
        method: None,
        software: None,
        linked_referral_uid: None,
        event_uid: None,
        items,
    };
    let xml = systmone_core::xml::to_string(&event, "X", false).ok()?;
    let inner = xml.strip_prefix("<X>")?.strip_suffix("</X>")?;
    Some(inner.to_string())
}

fn item_xml(item: &DataItem) -> String {
    event_xml(vec![item.clone()]).unwrap_or_default()
}

struct NewDocs<'a> {
    rng: &'a mut practice::Rng,
    docs: Vec<(String, DocumentData)>,
}

impl NewDocs<'_> {
    fn add(&mut self, path: &str, what: &str) -> String {
        let uid = self.rng.uid();
        let original = path.rsplit(['\\', '/']).next().unwrap_or("document");
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
        patient.events.iter().any(|e| {
            e.items
                .iter()
                .any(|i| matches!(i, ItemData::Problem { problem_uid, .. } if problem_uid == uid))
        })
    };
    let check_problems = |uids: &[String]| -> HResult<()> {
        match uids.iter().find(|u| !problem_known(u)) {
            Some(u) => Err(perm(format!("Unknown ProblemUID {u}"))),
            None => Ok(()),
        }
    };
    Ok(match item {
        DataItem::ClinicalCode(c) => {
            check_problems(&c.linked_problem_uid)?;
            if c.code.code.trim().is_empty() {
                return Err(perm("A ClinicalCode must have a code"));
            }
            ItemData::Code {
                code: in_code(&c.code),
                value: c.value,
                free_text: c.free_text.clone(),
                problems: c.linked_problem_uid.clone(),
            }
        }
        DataItem::Medication(m) => {
            let (scheme, id) = match m.drug.scheme {
                SchemeName::Dmd => match practice::dmd_to_multilex(&m.drug.product_id) {
                    Some(ml) => ("Multilex".to_string(), ml.to_string()),
                    None => ("Dmd".to_string(), m.drug.product_id.clone()),
                },
                _ => ("Multilex".to_string(), m.drug.product_id.clone()),
            };
            let name = m
                .drug
                .name
                .clone()
                .or_else(|| practice::drug_name(&id).map(str::to_string));
            ItemData::Medication {
                scheme,
                product_id: id,
                name,
                days: m
                    .start_date
                    .as_ref()
                    .zip(m.end_date.as_ref())
                    .and_then(|(a, b)| u32::try_from((b.date() - a.date()).num_days()).ok())
                    .unwrap_or(28),
                dose: m.dose.clone(),
                quantity: m.quantity.clone(),
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
            check_problems(&l.linked_problem_uid)?;
            let uid = docs.add(path, "Letter");
            let mut stored = l.clone();
            stored.document_path = None;
            stored.document_uid = Some(uid);
            ItemData::Letter {
                xml: item_xml(&DataItem::Letter(stored)),
            }
        }
        DataItem::Attachment(a) => {
            check_problems(&a.linked_problem_uid)?;
            match (a.document_path.as_deref(), a.url.as_deref()) {
                (Some(path), _) if !path.trim().is_empty() => ItemData::Attachment {
                    file_name: std::path::Path::new(path)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned()),
                    file_size: None,
                    document_uid: Some(docs.add(path, "Attachment")),
                    url: None,
                    comments: a.comments.clone(),
                },
                (_, Some(url)) if !url.trim().is_empty() => ItemData::Attachment {
                    file_name: None,
                    file_size: None,
                    document_uid: None,
                    url: Some(url.to_string()),
                    comments: a.comments.clone(),
                },
                _ => return Err(perm("An Attachment must have a DocumentPath or a URL")),
            }
        }
        DataItem::DrugSensitivity(d) => {
            check_problems(&d.linked_problem_uid)?;
            ItemData::Raw {
                name: "DrugSensitivity".into(),
                xml: item_xml(item),
            }
        }
        DataItem::Narrative(n) => ItemData::Narrative {
            text: n.line.join("\n"),
        },
        // The other data items of SystmOne's own schema (F15): kept as written, and
        // returned as written by GetPatientRecord.
        DataItem::Reminder(_)
        | DataItem::Recall(_)
        | DataItem::Vaccination(_)
        | DataItem::RepeatMedication(_)
        | DataItem::PatientPlan(_)
        | DataItem::CarePlan(_)
        | DataItem::Relationship(_)
        | DataItem::Report(_)
        | DataItem::Activity(_) => {
            check_problems(linked_problems(item))?;
            ItemData::Raw {
                name: item.xml_name().to_string(),
                xml: item_xml(item),
            }
        }
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
    })
}

/// The problems a data item of SystmOne's own schema (F15) links to.
fn linked_problems(item: &DataItem) -> &[String] {
    match item {
        DataItem::Reminder(i) => &i.linked_problem_uid,
        DataItem::Recall(i) => &i.linked_problem_uid,
        DataItem::Vaccination(i) => &i.linked_problem_uid,
        DataItem::RepeatMedication(i) => &i.linked_problem_uid,
        DataItem::PatientPlan(i) => &i.linked_problem_uid,
        DataItem::CarePlan(i) => &i.linked_problem_uid,
        DataItem::Relationship(i) => &i.linked_problem_uid,
        DataItem::Report(i) => &i.linked_problem_uid,
        DataItem::Activity(i) => &i.linked_problem_uid,
        _ => &[],
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
            if let Some(r) = &e.linked_referral_uid {
                let known = original.events.iter().any(|ev| {
                    ev.items.iter().any(
                        |i| matches!(i, ItemData::Referral { referral_uid, .. } if referral_uid == r),
                    )
                });
                if !known {
                    return Err(perm(format!("Unknown LinkedReferralUID {r}")));
                }
            }
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
                linked_referral_uid: e.linked_referral_uid.clone(),
                items,
            });
            result.event_uid.push(uid);
        }
    }
    if let Some(nc) = &p.non_clinical {
        for a in &nc.appointment {
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

fn st_user_display(user: &Option<practice::UserData>, name: &str) -> Option<String> {
    user.as_ref()
        .filter(|u| u.user_name == name)
        .map(|u| u.display_name())
}
