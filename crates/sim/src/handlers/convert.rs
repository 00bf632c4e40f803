//! Conversions between the practice and the interface's structures, shared by the handlers.

use systmone_core::{Date, DateTime, DurationMinutes, ErrorResponse, Flag, RawXml};
use systmone_types::{
    Activity, Address, Attachment, CarePlan, CarePlanInstruction, ClinicalCode, Code, CodeSlot,
    CurrentSelection, CurrentSelectionItem, DataItem, Demographics, Drug, DrugSensitivity,
    DrugSensitivityType, Episodicity, Event, FollowUpAction, FollowUpActions, Identity, Ingredient,
    Letter, LetterDirection, Medication, MedicationType, Narrative, PatientAppointment, PatientId,
    PatientPlan, PersonName, PlanItems, ProblemSeverity, Recall, Relationship, Reminder,
    RepeatMedication, Report, SchemeName, SmsConsent, Task, Vaccination, Visit,
};

use super::{Schemes, perm};
use crate::files;
use crate::practice::{
    self, ActivityData, AddressData, AppointmentData, CarePlanData, CodeData, DrugData, EventData,
    FollowUpData, InstructionData, ItemData, LetterData, PatientData, PatientPlanData,
    PersonNameData, RecallData, RelationshipData, ReminderData, RepeatMedicationData, ReportData,
    TaskData, VaccinationData, VisitData,
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
        PatientId::NhsNumber(n)
        | PatientId::NhsNumberMixedCase(n)
        | PatientId::PseudoNumber(n)
        | PatientId::ClientId(n) => n.trim(),
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
        pack_id: None,
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
        date_of_birth: Some(Date(p.date_of_birth)),
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
        care_start_date: Some(Date(p.care_start)),
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
fn plain_date(date: chrono::NaiveDate) -> Date {
    Date(date)
}

fn dates(d: &Option<chrono::NaiveDate>) -> Option<Date> {
    d.map(plain_date)
}

/// A value of a fixed list, from the text the practice keeps (an unlisted value is
/// kept as its text).
fn listed<T: std::str::FromStr>(text: &Option<String>) -> Option<T> {
    text.as_deref().and_then(|t| t.parse().ok())
}

/// The text of a fixed list's value, as the practice keeps it.
fn text_of<T: std::fmt::Display>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(T::to_string)
}

/// An address whose empty fields are not sent (a letter's or a relationship's).
fn partial_address(a: &AddressData) -> Address {
    let field = |v: &str| (!v.is_empty()).then(|| v.to_string());
    Address {
        extra: Default::default(),
        house_name: field(&a.house_name),
        house_number: field(&a.house_number),
        road: field(&a.road),
        locality: field(&a.locality),
        town: field(&a.town),
        county: field(&a.county),
        postcode: field(&a.postcode),
    }
}

pub(super) fn in_address(a: &Address) -> AddressData {
    let field = |v: &Option<String>| v.clone().unwrap_or_default();
    AddressData {
        house_name: field(&a.house_name),
        house_number: field(&a.house_number),
        road: field(&a.road),
        locality: field(&a.locality),
        town: field(&a.town),
        county: field(&a.county),
        postcode: field(&a.postcode),
    }
}

fn out_person(n: &PersonNameData) -> PersonName {
    PersonName {
        extra: Default::default(),
        title: n.title.clone(),
        first_name: n.first_name.clone(),
        middle_names: n.middle_names.clone(),
        surname: n.surname.clone(),
    }
}

fn in_person(n: &PersonName) -> PersonNameData {
    PersonNameData {
        title: n.title.clone(),
        first_name: n.first_name.clone(),
        middle_names: n.middle_names.clone(),
        surname: n.surname.clone(),
    }
}

/// A drug as the practice keeps it: a dm+d product the mapping table knows is stored
/// as its Multilex product, as SystmOne stores Multilex natively.
pub(super) fn in_drug(d: &Drug) -> DrugData {
    let (scheme, product_id) = match d.scheme {
        SchemeName::Dmd => match practice::dmd_to_multilex(&d.product_id) {
            Some(ml) => ("Multilex".to_string(), ml.to_string()),
            None => ("Dmd".to_string(), d.product_id.clone()),
        },
        _ => ("Multilex".to_string(), d.product_id.clone()),
    };
    let name = d
        .name
        .clone()
        .or_else(|| practice::drug_name(&product_id).map(str::to_string));
    DrugData {
        scheme,
        product_id,
        pack_id: d.pack_id,
        name,
    }
}

fn out_drug_data(d: &DrugData, s: Schemes) -> Drug {
    let mut drug = out_drug(&d.scheme, &d.product_id, d.name.as_deref(), s);
    drug.pack_id = d.pack_id;
    drug
}

fn out_instruction(i: &InstructionData) -> CarePlanInstruction {
    CarePlanInstruction {
        extra: Default::default(),
        instruction_text: i.text.clone(),
        position: i.order,
        responsibility: listed(&i.responsibility),
    }
}

fn in_instruction(i: &CarePlanInstruction) -> InstructionData {
    InstructionData {
        text: i.instruction_text.clone(),
        order: i.position,
        responsibility: text_of(&i.responsibility),
    }
}

/// A letter as the practice keeps it; its document (`document_uid`) is the caller's.
pub(super) fn in_letter(l: &Letter, document_uid: Option<String>) -> LetterData {
    LetterData {
        recipient_name: l.recipient_name.as_ref().map(in_person),
        recipient_organisation: l.recipient_organisation.clone(),
        recipient_address: l.recipient_address.as_ref().map(in_address),
        sender_name: l.sender_name.as_ref().map(in_person),
        sender_organisation: l.sender_organisation.clone(),
        sender_address: l.sender_address.as_ref().map(in_address),
        document_uid,
        letter_type: l.kind.clone(),
        direction: l.direction.to_string(),
        date_sent_received: l.date_sent_received.date(),
        problems: l.linked_problem_uid.clone(),
    }
}

fn out_letter(l: &LetterData) -> Letter {
    Letter {
        extra: Default::default(),
        recipient_name: l.recipient_name.as_ref().map(out_person),
        recipient_organisation: l.recipient_organisation.clone(),
        recipient_address: l.recipient_address.as_ref().map(partial_address),
        sender_name: l.sender_name.as_ref().map(out_person),
        sender_organisation: l.sender_organisation.clone(),
        sender_address: l.sender_address.as_ref().map(partial_address),
        document_path: None,
        document_uid: l.document_uid.clone(),
        kind: l.letter_type.clone(),
        direction: l
            .direction
            .parse()
            .unwrap_or_else(|_| LetterDirection::Unlisted(l.direction.clone())),
        date_sent_received: plain_date(l.date_sent_received),
        linked_problem_uid: l.problems.clone(),
    }
}

// The data items of SystmOne's own schema (F15), as the practice keeps what
// UpdatePatientRecord wrote.

pub(super) fn in_reminder(r: &Reminder) -> ReminderData {
    ReminderData {
        free_text: r.free_text.clone(),
        severity: text_of(&r.severity),
        expiry_date: r.expiry_date.map(|d| d.date()),
        problems: r.linked_problem_uid.clone(),
    }
}

pub(super) fn in_recall(r: &Recall) -> RecallData {
    RecallData {
        recall_date: r.recall_date.map(|d| d.date()),
        recall_type: r.kind.clone(),
        free_text: r.free_text.clone(),
        status: text_of(&r.status),
        problems: r.linked_problem_uid.clone(),
    }
}

pub(super) fn in_vaccination(v: &Vaccination) -> VaccinationData {
    VaccinationData {
        batch_number: v.batch_number.clone(),
        notes: v.notes.clone(),
        name: v.name.clone(),
        part_type: v.part_type.clone(),
        dosage: v.dosage.clone(),
        problems: v.linked_problem_uid.clone(),
    }
}

pub(super) fn in_repeat_medication(r: &RepeatMedication) -> RepeatMedicationData {
    RepeatMedicationData {
        drug: r.drug.as_ref().map(in_drug),
        dose: r.dose.clone(),
        quantity: r.quantity.clone(),
        start_date: r.start_date.map(|d| d.date()),
        max_issues: r.max_issues,
        review_date: r.review_date.map(|d| d.date()),
        issue_duration_days: r.issue_duration_days,
        medication_type: text_of(&r.medication_type),
        problems: r.linked_problem_uid.clone(),
    }
}

pub(super) fn in_patient_plan(p: &PatientPlan) -> PatientPlanData {
    PatientPlanData {
        text: p.patient_plan.clone(),
        items: p
            .items
            .as_ref()
            .map(|i| i.care_plan_instruction.iter().map(in_instruction).collect()),
        problems: p.linked_problem_uid.clone(),
    }
}

pub(super) fn in_care_plan(c: &CarePlan) -> CarePlanData {
    CarePlanData {
        name: c.care_plan_name.clone(),
        description: c.description.clone(),
        category: c.category.clone(),
        sub_category: c.sub_category.clone(),
        aim: text_of(&c.aim),
        review_date: c.review_date.map(|d| d.date()),
        instructions: c.care_plan_instruction.iter().map(in_instruction).collect(),
        problems: c.linked_problem_uid.clone(),
    }
}

pub(super) fn in_relationship(r: &Relationship) -> RelationshipData {
    RelationshipData {
        title: r.title.clone(),
        first_name: r.first_name.clone(),
        middle_names: r.middle_names.clone(),
        surname: r.surname.clone(),
        address: r.address.as_ref().map(in_address),
        relationship_type: r.kind.clone(),
        organisation_name: r.organisation_name.clone(),
        telephone: r.telephone.clone(),
        work_contact: r.work_contact.clone(),
        description: r.description.clone(),
        end_date: r.end_date.map(|d| d.date()),
        date_of_birth: r.date_of_birth.map(|d| d.date()),
        problems: r.linked_problem_uid.clone(),
    }
}

pub(super) fn in_report(r: &Report) -> ReportData {
    ReportData {
        battery_headers: r.battery_headers.clone(),
        issue_date: r.issue_date.map(|d| d.date()),
        result: text_of(&r.result),
        comments: r.comments.clone(),
        patient_to_be_informed: r.patient_to_be_informed.is_some(),
        collection_date: r.collection_date.map(|d| d.date()),
        report_type: text_of(&r.kind),
        follow_up_actions: r.follow_up_actions.as_ref().map(|f| {
            f.follow_up_action
                .iter()
                .map(|a| FollowUpData {
                    action: text_of(&a.action),
                    comments: a.comments.clone(),
                })
                .collect()
        }),
        problems: r.linked_problem_uid.clone(),
    }
}

pub(super) fn in_activity(a: &Activity) -> ActivityData {
    ActivityData {
        performed: a.performed.clone(),
        with: a.with.clone(),
        method: text_of(&a.method),
        duration: a.duration,
        problems: a.linked_problem_uid.clone(),
    }
}

/// A data item as real SystmOne writes it (FIELD-EVIDENCE F1 to F5, and F15's items as
/// SystmOne's own schema orders them, F16), in an event dated `event_date`.
pub(super) fn out_item(
    item: &ItemData,
    event_date: chrono::NaiveDate,
    s: Schemes,
) -> Option<DataItem> {
    Some(match item {
        ItemData::Code {
            code,
            episodicity,
            value,
            units,
            comparator,
            problem_uid,
            problem_severity,
            problem_end_date,
            free_text,
            problems,
        } => DataItem::ClinicalCode(Box::new(ClinicalCode {
            code: out_code(code, s),
            episodicity: listed(episodicity),
            value: *value,
            units: units.clone(),
            comparator: listed(comparator),
            problem_uid: problem_uid.clone(),
            problem_severity: listed(problem_severity),
            problem_end_date: dates(problem_end_date),
            free_text: free_text.clone(),
            linked_problem_uid: problems.clone(),
            extra: Default::default(),
        })),
        ItemData::Medication {
            scheme,
            product_id,
            pack_id,
            name,
            medication_type,
            start,
            days,
            dose,
            quantity,
            repeat_issue,
            problems,
            extra_xml,
        } => {
            let start = start.unwrap_or(event_date);
            let mut drug = out_drug(scheme, product_id, name.as_deref(), s);
            drug.pack_id = *pack_id;
            let mut medication = Medication {
                medication_type: Some(
                    listed(medication_type).unwrap_or(MedicationType::NhsMedication),
                ),
                drug,
                dose: dose.clone(),
                quantity: quantity.clone(),
                start_date: Some(plain_date(start)),
                end_date: Some(plain_date(start + chrono::Duration::days(i64::from(*days)))),
                end_reason: Some(String::new()),
                repeat_issue: repeat_issue.then_some(Flag),
                linked_problem_uid: problems.clone(),
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
            free_text,
            problems,
        } => DataItem::DrugSensitivity(Box::new(DrugSensitivity {
            extra: Default::default(),
            kind: kind
                .parse()
                .unwrap_or_else(|_| DrugSensitivityType::Unlisted(kind.clone())),
            ingredient: if ingredient_id.is_empty() {
                Vec::new()
            } else {
                vec![Ingredient {
                    extra: Default::default(),
                    scheme: SchemeName::Multilex,
                    ingredient_id: ingredient_id.clone(),
                    name: Some(name.clone()),
                    details: Some(details.clone()),
                }]
            },
            free_text: free_text.clone(),
            linked_problem_uid: problems.clone(),
        })),
        ItemData::Narrative { lines, problems } => DataItem::Narrative(Box::new(Narrative {
            line: lines.clone(),
            linked_problem_uid: problems.clone(),
            extra: Default::default(),
        })),
        ItemData::Letter(l) => DataItem::Letter(Box::new(out_letter(l))),
        ItemData::Attachment {
            file_name,
            file_size,
            document_uid,
            url,
            comments,
            problems,
        } => DataItem::Attachment(Box::new(Attachment {
            extra: Default::default(),
            document_path: None,
            url: url.clone(),
            file_name: file_name.clone(),
            file_size: file_size.clone(),
            document_uid: document_uid.clone(),
            comments: comments.clone(),
            linked_problem_uid: problems.clone(),
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
            episodicity: Some(Episodicity::New),
            problem_end_date: (status != "Active").then(|| plain_date(event_date)),
            value: None,
            units: None,
            comparator: None,
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
        ItemData::Reminder(r) => DataItem::Reminder(Box::new(Reminder {
            extra: Default::default(),
            free_text: r.free_text.clone(),
            severity: listed(&r.severity),
            expiry_date: dates(&r.expiry_date),
            linked_problem_uid: r.problems.clone(),
        })),
        ItemData::Recall(r) => DataItem::Recall(Box::new(Recall {
            extra: Default::default(),
            recall_date: dates(&r.recall_date),
            kind: r.recall_type.clone(),
            free_text: r.free_text.clone(),
            status: listed(&r.status),
            linked_problem_uid: r.problems.clone(),
        })),
        ItemData::Vaccination(v) => DataItem::Vaccination(Box::new(Vaccination {
            extra: Default::default(),
            batch_number: v.batch_number.clone(),
            notes: v.notes.clone(),
            name: v.name.clone(),
            part_type: v.part_type.clone(),
            dosage: v.dosage.clone(),
            linked_problem_uid: v.problems.clone(),
        })),
        ItemData::RepeatMedication(r) => DataItem::RepeatMedication(Box::new(RepeatMedication {
            extra: Default::default(),
            drug: r.drug.as_ref().map(|d| out_drug_data(d, s)),
            dose: r.dose.clone(),
            quantity: r.quantity.clone(),
            start_date: dates(&r.start_date),
            max_issues: r.max_issues,
            review_date: dates(&r.review_date),
            issue_duration_days: r.issue_duration_days,
            medication_type: listed(&r.medication_type),
            linked_problem_uid: r.problems.clone(),
        })),
        ItemData::PatientPlan(p) => DataItem::PatientPlan(Box::new(PatientPlan {
            extra: Default::default(),
            patient_plan: p.text.clone(),
            items: p.items.as_ref().map(|items| PlanItems {
                extra: Default::default(),
                care_plan_instruction: items.iter().map(out_instruction).collect(),
            }),
            linked_problem_uid: p.problems.clone(),
        })),
        ItemData::CarePlan(c) => DataItem::CarePlan(Box::new(CarePlan {
            extra: Default::default(),
            care_plan_name: c.name.clone(),
            description: c.description.clone(),
            category: c.category.clone(),
            sub_category: c.sub_category.clone(),
            aim: listed(&c.aim),
            review_date: dates(&c.review_date),
            care_plan_instruction: c.instructions.iter().map(out_instruction).collect(),
            linked_problem_uid: c.problems.clone(),
        })),
        ItemData::Relationship(r) => DataItem::Relationship(Box::new(Relationship {
            extra: Default::default(),
            title: r.title.clone(),
            first_name: r.first_name.clone(),
            middle_names: r.middle_names.clone(),
            surname: r.surname.clone(),
            address: r.address.as_ref().map(partial_address),
            kind: r.relationship_type.clone(),
            organisation_name: r.organisation_name.clone(),
            telephone: r.telephone.clone(),
            work_contact: r.work_contact.clone(),
            description: r.description.clone(),
            end_date: dates(&r.end_date),
            date_of_birth: dates(&r.date_of_birth),
            linked_problem_uid: r.problems.clone(),
        })),
        ItemData::Report(r) => DataItem::Report(Box::new(Report {
            extra: Default::default(),
            battery_headers: r.battery_headers.clone(),
            issue_date: dates(&r.issue_date),
            result: listed(&r.result),
            comments: r.comments.clone(),
            patient_to_be_informed: r.patient_to_be_informed.then_some(Flag),
            collection_date: dates(&r.collection_date),
            kind: listed(&r.report_type),
            follow_up_actions: r.follow_up_actions.as_ref().map(|actions| FollowUpActions {
                extra: Default::default(),
                follow_up_action: actions
                    .iter()
                    .map(|a| FollowUpAction {
                        extra: Default::default(),
                        action: listed(&a.action),
                        comments: a.comments.clone(),
                    })
                    .collect(),
            }),
            linked_problem_uid: r.problems.clone(),
        })),
        ItemData::Activity(a) => DataItem::Activity(Box::new(Activity {
            extra: Default::default(),
            performed: a.performed.clone(),
            with: a.with.clone(),
            method: listed(&a.method),
            duration: a.duration,
            linked_problem_uid: a.problems.clone(),
        })),
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
        method: listed(&e.method),
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
        linked_referral_uid: v.linked_referral_uid.clone(),
        status: v.status.clone(),
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
        due: t.due.map(DateTime::new),
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
        user_name_assigned: t.user_name_assigned.clone(),
        group_name_assigned: t.group_name_assigned.clone(),
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
