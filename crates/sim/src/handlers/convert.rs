//! Conversions between the practice and the interface's structures, shared by the handlers.

use systmone_core::{DateTime, DurationMinutes, ErrorResponse, RawXml};
use systmone_types::{
    Address, Attachment, ClinicalCode, Code, CodeSlot, CurrentSelection, CurrentSelectionItem,
    DataItem, Demographics, Drug, DrugSensitivity, Event, Identity, Ingredient, Medication,
    Narrative, PatientAppointment, PatientId, ProblemSeverity, SchemeName, SmsConsent, Task, Visit,
};

use super::{Schemes, perm};
use crate::files;
use crate::practice::{
    self, AddressData, AppointmentData, CodeData, EventData, ItemData, PatientData, TaskData,
    VisitData,
};
use crate::state::State;

pub(super) fn identity(p: &PatientData) -> Identity {
    let number = match (&p.nhs_number, &p.pseudo_number) {
        (Some(n), _) => PatientId::NhsNumber(n.clone()),
        (None, Some(n)) => PatientId::PseudoNumber(n.clone()),
        (None, None) => PatientId::PseudoNumber(String::new()),
    };
    Identity {
        extra: Default::default(),
        number,
        strategic_reporting_identifier: Some(p.sr_id),
    }
}

pub(super) fn id_number(id: &Identity) -> &str {
    match &id.number {
        PatientId::NhsNumber(n) | PatientId::NhsNumberMixedCase(n) | PatientId::PseudoNumber(n) => {
            n.trim()
        }
    }
}

pub(super) fn address(a: &AddressData) -> Address {
    Address {
        extra: Default::default(),
        house_name: Some(a.house_name.clone()),
        house_number: Some(a.house_number.clone()),
        road: Some(a.road.clone()),
        locality: Some(a.locality.clone()),
        town: Some(a.town.clone()),
        county: Some(a.county.clone()),
        postcode: Some(a.postcode.clone()),
    }
}

pub(super) fn out_code(c: &CodeData, s: Schemes) -> Code {
    let (scheme, code) = if s.snomed && c.scheme == "CTV3" {
        match practice::ctv3_to_snomed(&c.code) {
            Some(sn) => (SchemeName::Snomed, sn.to_string()),
            None => (SchemeName::Ctv3, c.code.clone()),
        }
    } else if !s.snomed && c.scheme == "Snomed" {
        match practice::snomed_to_ctv3(&c.code) {
            Some(ct) => (SchemeName::Ctv3, ct.to_string()),
            None => (SchemeName::Snomed, c.code.clone()),
        }
    } else {
        (c.scheme.parse().unwrap_or(SchemeName::Ctv3), c.code.clone())
    };
    Code {
        extra: Default::default(),
        scheme,
        code,
        term: c.term.clone(),
    }
}

pub(super) fn out_drug(scheme: &str, id: &str, name: Option<&str>, s: Schemes) -> Drug {
    let (scheme, product_id) = if s.dmd && scheme == "Multilex" {
        match practice::multilex_to_dmd(id) {
            Some(d) => (SchemeName::Dmd, d.to_string()),
            None => (SchemeName::Multilex, id.to_string()),
        }
    } else if !s.dmd && scheme == "Dmd" {
        match practice::dmd_to_multilex(id) {
            Some(m) => (SchemeName::Multilex, m.to_string()),
            None => (SchemeName::Dmd, id.to_string()),
        }
    } else {
        (
            scheme.parse().unwrap_or(SchemeName::Multilex),
            id.to_string(),
        )
    };
    Drug {
        extra: Default::default(),
        scheme,
        product_id,
        name: name.map(str::to_string),
    }
}

pub(super) fn code_slot(c: &Option<CodeData>, s: Schemes) -> Option<CodeSlot> {
    Some(CodeSlot {
        extra: Default::default(),
        code: c.as_ref().map(|c| out_code(c, s)),
    })
}

pub(super) fn demographics(p: &PatientData, s: Schemes) -> Demographics {
    Demographics {
        extra: Default::default(),
        title: Some(p.title.clone()),
        first_name: Some(p.first_name.clone()),
        middle_names: Some(p.middle_names.clone()),
        surname: Some(p.surname.clone()),
        known_as: Some(p.known_as.clone()),
        date_of_birth: Some(DateTime::new(
            p.date_of_birth.and_time(chrono::NaiveTime::MIN),
        )),
        sex: p.sex.parse().ok(),
        marital_status: code_slot(&p.marital_status, s),
        ethnicity: code_slot(&p.ethnicity, s),
        main_language: code_slot(&p.main_language, s),
        english_speaker: p.english_speaker.parse().ok(),
        address: p.address.as_ref().map(address),
        home_telephone: Some(p.home_telephone.clone()),
        work_telephone: Some(p.work_telephone.clone()),
        mobile_telephone: Some(p.mobile_telephone.clone()),
        alternate_telephone: Some(p.alternate_telephone.clone()),
        email_address: Some(p.email.clone()),
        sms_consent: Some(p.sms_consent.parse().unwrap_or(SmsConsent::Empty)),
        usual_gp_user_name: Some(p.usual_gp.clone()),
        care_start_date: Some(DateTime::new(p.care_start.and_time(chrono::NaiveTime::MIN))),
        registration_type: p.registration_type.as_deref().and_then(|t| t.parse().ok()),
    }
}

pub(super) fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) fn raw(xml: &str) -> Option<DataItem> {
    RawXml::parse(xml).ok().map(DataItem::Other)
}

/// A plain date (`2015-06-10`), as real clients write medication and problem dates
/// (FIELD-EVIDENCE F2, F3).
fn plain_date(date: chrono::NaiveDate) -> DateTime {
    date.to_string()
        .parse()
        .unwrap_or_else(|_| DateTime::new(date.and_time(chrono::NaiveTime::MIN)))
}

/// A data item as real SystmOne writes it (FIELD-EVIDENCE F1 to F5), in an event
/// dated `event_date`.
pub(super) fn out_item(
    item: &ItemData,
    event_date: chrono::NaiveDate,
    s: Schemes,
) -> Option<DataItem> {
    Some(match item {
        ItemData::Code {
            code,
            value,
            free_text,
            problems,
        } => DataItem::ClinicalCode(Box::new(ClinicalCode {
            code: out_code(code, s),
            numeric_value: *value,
            free_text: free_text.clone(),
            linked_problem_uid: problems.clone(),
            problem_uid: None,
            problem_severity: None,
            episodicity: None,
            problem_end_date: None,
            extra: Default::default(),
        })),
        ItemData::Medication {
            scheme,
            product_id,
            name,
            days,
            dose,
            quantity,
            extra_xml,
        } => {
            let mut medication = Medication {
                medication_type: Some("NHS medication".into()),
                drug: out_drug(scheme, product_id, name.as_deref(), s),
                dose: dose.clone(),
                quantity: quantity.clone(),
                start_date: Some(plain_date(event_date)),
                end_date: Some(plain_date(
                    event_date + chrono::Duration::days(i64::from(*days)),
                )),
                end_reason: Some(String::new()),
                linked_problem_uid: Vec::new(),
                extra: Default::default(),
            };
            for xml in extra_xml {
                if let Ok(raw) = RawXml::parse(xml) {
                    medication.extra.push_element(raw);
                }
            }
            DataItem::Medication(Box::new(medication))
        }
        ItemData::Sensitivity {
            kind,
            ingredient_id,
            name,
            details,
        } => DataItem::DrugSensitivity(Box::new(DrugSensitivity {
            extra: Default::default(),
            kind: kind.clone(),
            ingredient: vec![Ingredient {
                extra: Default::default(),
                scheme: SchemeName::Multilex,
                ingredient_id: ingredient_id.clone(),
                name: Some(name.clone()),
                details: Some(details.clone()),
            }],
            linked_problem_uid: Vec::new(),
        })),
        ItemData::Narrative { text } => DataItem::Narrative(Box::new(Narrative {
            line: text.split('\n').map(str::to_string).collect(),
            extra: Default::default(),
        })),
        ItemData::Letter { xml } => raw(xml)?,
        ItemData::Attachment {
            file_name,
            file_size,
            document_uid,
            url,
            comments,
        } => DataItem::Attachment(Box::new(Attachment {
            extra: Default::default(),
            document_path: None,
            url: url.clone(),
            file_name: file_name.clone(),
            file_size: file_size.clone(),
            document_uid: document_uid.clone(),
            comments: comments.clone(),
            linked_problem_uid: Vec::new(),
        })),
        // F3: a problem is a coded entry with problem fields.
        ItemData::Problem {
            problem_uid,
            code,
            status,
        } => DataItem::ClinicalCode(Box::new(ClinicalCode {
            code: out_code(code, s),
            problem_uid: Some(problem_uid.clone()),
            problem_severity: Some(if status == "Active" {
                ProblemSeverity::Major
            } else {
                ProblemSeverity::Minor
            }),
            episodicity: Some("New".into()),
            problem_end_date: (status != "Active").then(|| plain_date(event_date)),
            numeric_value: None,
            free_text: None,
            linked_problem_uid: Vec::new(),
            extra: Default::default(),
        })),
        ItemData::Referral {
            referral_uid,
            direction,
            service,
            closed,
        } => raw(&format!(
            "<Referral><ReferralUID>{}</ReferralUID><Direction>{}</Direction><Service>{}</Service>{}</Referral>",
            esc(referral_uid),
            esc(direction),
            esc(service),
            closed
                .map(|c| format!("<DateClosed>{c}T00:00:00</DateClosed>"))
                .unwrap_or_default()
        ))?,
        ItemData::LinkedProblem { problem_uid } => DataItem::LinkedProblemUid(problem_uid.clone()),
        ItemData::Raw { xml, .. } => raw(xml)?,
    })
}

pub(super) fn out_event(e: &EventData, items: Vec<DataItem>) -> Event {
    Event {
        extra: Default::default(),
        date_time: Some(DateTime::new(e.date_time)),
        user_name: e.user_name.clone(),
        done_by: e.done_by.clone(),
        done_at: e.done_at.clone(),
        software: e.software.clone(),
        linked_referral_uid: e.linked_referral_uid.clone(),
        event_uid: Some(e.uid.clone()),
        items,
    }
}

pub(super) fn open_identity(st: &State) -> Option<Identity> {
    let (number, _) = st.ui.open.as_ref()?;
    match st.practice.patient(number) {
        Some(p) => Some(identity(p)),
        None => Some(Identity {
            extra: Default::default(),
            number: PatientId::NhsNumber(number.clone()),
            strategic_reporting_identifier: None,
        }),
    }
}

pub(super) fn selection(st: &State, s: Schemes) -> CurrentSelection {
    CurrentSelection {
        extra: Default::default(),
        items: st
            .ui
            .selection
            .iter()
            .map(|item| match item {
                CurrentSelectionItem::Drug(d) => CurrentSelectionItem::Drug(out_drug(
                    &d.scheme.to_string(),
                    &d.product_id,
                    d.name.as_deref(),
                    s,
                )),
                CurrentSelectionItem::Code(c) => CurrentSelectionItem::Code(out_code(
                    &CodeData {
                        scheme: c.scheme.to_string(),
                        code: c.code.clone(),
                        term: c.term.clone(),
                    },
                    s,
                )),
            })
            .collect(),
    }
}

pub(super) fn patient_appointment(st: &State, a: &AppointmentData) -> PatientAppointment {
    let clinician = st
        .practice
        .users
        .iter()
        .find(|u| u.user_name == a.user_name)
        .map(|u| u.clinician_name());
    PatientAppointment {
        extra: Default::default(),
        date_time: DateTime::new(a.start),
        duration: DurationMinutes::from_minutes(a.duration),
        clinician,
        user_name: Some(a.user_name.clone()),
        site: Some(a.site_name.clone()),
        clinic_type: Some(a.clinic_type.clone()),
        appointment_uid: a.uid.clone(),
        status: a.status.clone(),
    }
}

pub(super) fn out_visit(v: &VisitData) -> Visit {
    Visit {
        extra: Default::default(),
        date_time: DateTime::new(v.date_time),
        duration: format!("{}", v.duration)
            .parse()
            .unwrap_or(DurationMinutes::from_minutes(0)),
        comments: v.comments.clone(),
        user_name: v.user_name.clone(),
        visit_uid: Some(v.uid.clone()),
    }
}

/// A task in the real shape (FIELD-EVIDENCE F6): its content starts with a line
/// naming when and by whom it was made, then the message, then a newline.
pub(super) fn out_task(t: &TaskData) -> Task {
    let header = match (t.date_time, &t.user_name) {
        (Some(when), Some(user)) => format!("{} - {user}\n", when.format("%a %d %b %H:%M")),
        (Some(when), None) => format!("{}\n", when.format("%a %d %b %H:%M")),
        (None, Some(user)) => format!("{user}\n"),
        (None, None) => String::new(),
    };
    Task {
        task_uid: Some(t.uid.clone()),
        date_time: t.date_time.map(DateTime::new),
        task_type: t.task_type.clone(),
        status: Some(
            if t.completed {
                "Completed"
            } else {
                "Not Started"
            }
            .into(),
        ),
        content: Some({
            let mut content = header + t.comments.as_deref().unwrap_or_default();
            if !content.ends_with('\n') {
                content.push('\n');
            }
            content
        }),
        extra: Default::default(),
    }
}

pub(super) fn in_code(code: &Code) -> CodeData {
    match code.scheme {
        SchemeName::Snomed => match practice::snomed_to_ctv3(&code.code) {
            Some(ct) => CodeData::ctv3(ct),
            None => CodeData {
                scheme: "Snomed".into(),
                code: code.code.clone(),
                term: code.term.clone(),
            },
        },
        _ => {
            let mut c = CodeData::ctv3(&code.code);
            if c.term.is_none() {
                c.term = code.term.clone();
            }
            c
        }
    }
}

pub(super) fn path_error(e: files::PathError) -> ErrorResponse {
    perm(e.to_string())
}
