//! SystmOne's other data items (FIELD-EVIDENCE F15, F16) as UK Core resources: a
//! Vaccination is an `Immunization`, a Report a `DiagnosticReport` with `Observation`
//! results and `Task`s for its follow-up actions, a RepeatMedication a
//! `MedicationRequest`, a Relationship a `RelatedPerson`, a CarePlan and a PatientPlan
//! a `CarePlan`, a Recall a `Task`, a Reminder a `Flag`, and an Activity an `Encounter`
//! within the event's. The crate's documentation says why each is the closest fit.

use systmone_core::Date;
use systmone_types::{
    Activity, CarePlan as SCarePlan, CarePlanAim, CarePlanInstruction, ContactMethod,
    FollowUpActionKind, PatientPlan, Recall, RecallStatus, Relationship, Reminder,
    ReminderSeverity, RepeatMedication, Report, ReportResult, ReportType, Vaccination,
};

use crate::codes;
use crate::model::*;
use crate::record::{Builder, EventContext, LinkKind, MapOptions, text};
use crate::report::Reason;
use crate::time::{fhir_date, fhir_instant};

/// Links an item's LinkedProblemUIDs to the problems they name.
fn link_all(b: &mut Builder, path: &str, uids: &[String], index: usize, kind: LinkKind) {
    for (n, uid) in uids.iter().enumerate() {
        b.link(
            uid,
            index,
            kind,
            &format!("{path}/LinkedProblemUID[{}]", n + 1),
        );
    }
}

fn date(d: &Option<Date>) -> Option<String> {
    d.map(|d| fhir_date(d.date()))
}

/// The text of a Method (Event/@Method, an Activity's Method: F15).
pub(crate) fn method_text(method: Option<&ContactMethod>) -> Option<String> {
    method
        .map(|m| m.to_string())
        .filter(|m| !m.trim().is_empty())
}

/// Encounter.class for a Method: ActCode `VR` (virtual) for a contact by telephone,
/// text or e-mail, else `AMB` (ambulatory), as for an event that does not say.
pub(crate) fn encounter_class(method: Option<&ContactMethod>) -> Coding {
    let virtual_contact = matches!(
        method,
        Some(
            ContactMethod::Telephone
                | ContactMethod::Text
                | ContactMethod::Email
                | ContactMethod::EMail
        )
    );
    let (code, display) = if virtual_contact {
        ("VR", "virtual")
    } else {
        ("AMB", "ambulatory")
    };
    Coding {
        system: Some(codes::ACT_CODE.to_string()),
        code: Some(code.to_string()),
        display: Some(display.to_string()),
    }
}

/// `0.5 ml`, `28 tablet`, `2puffs`: a leading decimal number and the unit after it.
fn number_and_unit(text: &str) -> Option<(serde_json::Number, String)> {
    let t = text.trim();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(end);
    let unit = unit.trim();
    if number.is_empty() || unit.is_empty() || number.matches('.').count() > 1 {
        return None;
    }
    let value = match number.parse::<u64>() {
        Ok(n) => serde_json::Number::from(n),
        Err(_) => serde_json::Number::from_f64(number.parse().ok()?)?,
    };
    Some((value, unit.to_string()))
}

/// Vaccination → Immunization (completed, the Name as the vaccine, BatchNumber as the
/// lot, Dosage as the dose, PartType as the part of the course, Notes as a note).
pub(crate) fn vaccination(
    b: &mut Builder,
    path: &str,
    local: &str,
    v: &Vaccination,
    ctx: &EventContext,
) -> usize {
    b.report.extra(path, &v.extra);
    let mut note: Vec<Annotation> = text(&v.notes)
        .map(|text| Annotation { text })
        .into_iter()
        .collect();
    let dose_quantity = match text(&v.dosage) {
        Some(dosage) => match number_and_unit(&dosage) {
            Some((value, unit)) => Some(Quantity::new(value, Some(unit))),
            None => {
                note.push(Annotation {
                    text: format!("Dosage: {dosage}"),
                });
                None
            }
        },
        None => None,
    };
    let id = b.id("Immunization", local);
    let immunization = Immunization {
        id: id.clone(),
        meta: Meta::uk_core("Immunization"),
        status: "completed",
        vaccine_code: CodeableConcept::text(
            &text(&v.name).unwrap_or_else(|| "Vaccination".to_string()),
        ),
        patient: ctx.subject.clone(),
        encounter: Some(ctx.encounter.clone()),
        occurrence_date_time: ctx.when.clone(),
        // FHIR requires an occurrence: an event without a date has it unknown.
        occurrence_string: ctx.when.is_none().then(|| "unknown".to_string()),
        recorded: ctx.when.clone(),
        lot_number: text(&v.batch_number),
        dose_quantity,
        performer: ctx
            .author
            .iter()
            .map(|a| ImmunizationPerformer { actor: a.clone() })
            .collect(),
        note,
        reason_reference: Vec::new(),
        protocol_applied: text(&v.part_type)
            .map(|part| ImmunizationProtocol {
                dose_number_string: part,
            })
            .into_iter()
            .collect(),
    };
    let index = b.add(&id, Resource::Immunization(immunization));
    link_all(b, path, &v.linked_problem_uid, index, LinkKind::Reason);
    index
}

fn report_categories(kind: &Option<ReportType>) -> (Vec<CodeableConcept>, Vec<CodeableConcept>) {
    let Some(kind) = kind else {
        return (Vec::new(), Vec::new());
    };
    let label = kind.to_string();
    let coded = |system: &str, code: &str, display: &str| CodeableConcept {
        coding: vec![Coding {
            system: Some(system.to_string()),
            code: Some(code.to_string()),
            display: Some(display.to_string()),
        }],
        text: Some(label.clone()),
    };
    match kind {
        ReportType::Pathology | ReportType::BloodSpot => (
            vec![coded(
                codes::DIAGNOSTIC_SERVICE_SECTION,
                "LAB",
                "Laboratory",
            )],
            vec![coded(
                codes::OBSERVATION_CATEGORY,
                "laboratory",
                "Laboratory",
            )],
        ),
        ReportType::Radiology => (
            vec![coded(codes::DIAGNOSTIC_SERVICE_SECTION, "RAD", "Radiology")],
            vec![coded(codes::OBSERVATION_CATEGORY, "imaging", "Imaging")],
        ),
        // Screening (and a type SystmOne adds) has no code of its own: kept as text.
        ReportType::Screening | ReportType::Unlisted(_) => {
            let text = (!label.trim().is_empty()).then(|| CodeableConcept::text(&label));
            (text.clone().into_iter().collect(), Vec::new())
        }
    }
}

/// A report's Result as an interpretation: coded where HL7's codes name it, always
/// with SystmOne's text.
fn interpretation(result: &ReportResult) -> CodeableConcept {
    let label = result.to_string();
    let code = match result {
        ReportResult::Normal | ReportResult::NormalButUnexpected => Some(("N", "Normal")),
        ReportResult::Abnormal | ReportResult::AbnormalButExpected => Some(("A", "Abnormal")),
        ReportResult::Positive => Some(("POS", "Positive")),
        ReportResult::Negative => Some(("NEG", "Negative")),
        _ => None,
    };
    CodeableConcept {
        coding: code
            .map(|(code, display)| Coding {
                system: Some(codes::OBSERVATION_INTERPRETATION.to_string()),
                code: Some(code.to_string()),
                display: Some(display.to_string()),
            })
            .into_iter()
            .collect(),
        text: Some(label),
    }
}

/// Report → DiagnosticReport; its Result an Observation among the report's results;
/// each follow-up action, and PatientToBeInformed, a Task about the report. Returns the
/// report and the resources made beside it.
pub(crate) fn report(
    b: &mut Builder,
    path: &str,
    local: &str,
    r: &Report,
    ctx: &EventContext,
) -> (usize, Vec<usize>) {
    b.report.extra(path, &r.extra);
    let (report_category, observation_category) = report_categories(&r.kind);
    let name = text(&r.battery_headers)
        .or_else(|| r.kind.as_ref().map(|k| format!("{k} report")))
        .unwrap_or_else(|| "Report".to_string());
    let code = CodeableConcept::text(&name);
    let effective = date(&r.collection_date);
    let issued = r
        .issue_date
        .map(|d| fhir_instant(d.date().and_time(chrono::NaiveTime::MIN)));
    let mut beside = Vec::new();
    let mut results = Vec::new();
    if let Some(result) = &r.result {
        let id = b.id("Observation", &format!("{local}/result"));
        let observation = Observation {
            id: id.clone(),
            meta: Meta::uk_core("Observation"),
            status: "final",
            category: observation_category,
            code: code.clone(),
            subject: ctx.subject.clone(),
            encounter: Some(ctx.encounter.clone()),
            effective_date_time: effective.clone().or_else(|| ctx.when.clone()),
            issued: issued.clone(),
            interpretation: vec![interpretation(result)],
            ..Default::default()
        };
        let index = b.add(&id, Resource::Observation(observation));
        results.push(Reference::to(&b.url(index)));
        beside.push(index);
    }
    let id = b.id("DiagnosticReport", local);
    let report = DiagnosticReport {
        id: id.clone(),
        meta: Meta::uk_core("DiagnosticReport"),
        status: "final",
        category: report_category,
        code,
        subject: ctx.subject.clone(),
        encounter: Some(ctx.encounter.clone()),
        effective_date_time: effective,
        issued,
        result: results,
        conclusion: text(&r.comments),
    };
    let index = b.add(&id, Resource::DiagnosticReport(report));
    let focus = Reference::to(&b.url(index));
    let mut actions = Vec::new();
    if let Some(follow_up) = &r.follow_up_actions {
        b.report
            .extra(&format!("{path}/FollowUpActions"), &follow_up.extra);
        for (n, action) in follow_up.follow_up_action.iter().enumerate() {
            let apath = format!("{path}/FollowUpActions/FollowUpAction[{}]", n + 1);
            b.report.extra(&apath, &action.extra);
            let what = action.action.as_ref().map(|a| a.to_string());
            let done = matches!(action.action, Some(FollowUpActionKind::NoFurtherAction));
            actions.push((
                format!("{local}/follow-up/{n}"),
                what.filter(|w| !w.trim().is_empty())
                    .unwrap_or_else(|| "Follow-up action".to_string()),
                text(&action.comments),
                // Nothing is left to do after "No Further Action".
                if done { "completed" } else { "requested" },
            ));
        }
    }
    if r.patient_to_be_informed.is_some() {
        actions.push((
            format!("{local}/inform"),
            "Inform the patient of the result".to_string(),
            None,
            "requested",
        ));
    }
    for (key, what, comments, status) in actions {
        let id = b.id("Task", &key);
        let task = Task {
            id: id.clone(),
            meta: None,
            status,
            intent: "plan",
            code: Some(CodeableConcept::text(&what)),
            description: comments,
            focus: Some(focus.clone()),
            for_patient: ctx.subject.clone(),
            encounter: Some(ctx.encounter.clone()),
            authored_on: ctx.when.clone(),
            requester: ctx.author.clone(),
            ..Default::default()
        };
        beside.push(b.add(&id, Resource::Task(task)));
    }
    link_all(b, path, &r.linked_problem_uid, index, LinkKind::Evidence);
    (index, beside)
}

/// RepeatMedication → MedicationRequest: an authorisation (`plan`) of continuous
/// therapy, with the repeats allowed, the quantity and duration of each issue, and the
/// review date.
pub(crate) fn repeat_medication(
    b: &mut Builder,
    path: &str,
    local: &str,
    r: &RepeatMedication,
    ctx: &EventContext,
) -> usize {
    b.report.extra(path, &r.extra);
    let medication = match &r.drug {
        Some(drug) => b.drug(&format!("{path}/Drug"), drug),
        None => CodeableConcept::text("Repeat medication (no drug named)"),
    };
    let mut note = Vec::new();
    // R4 has no element for a repeat's review: kept as a note.
    if let Some(review) = date(&r.review_date) {
        note.push(Annotation {
            text: format!("Review date: {review}"),
        });
    }
    let mut dispense = DispenseRequest {
        validity_period: date(&r.start_date).map(|start| Period {
            start: Some(start),
            end: None,
        }),
        ..Default::default()
    };
    if let Some(max) = r.max_issues {
        match u64::try_from(max) {
            Ok(issues) if issues >= 1 => {
                dispense.number_of_repeats_allowed = Some(issues - 1);
                note.push(Annotation {
                    text: format!("Issues allowed before review: {issues}"),
                });
            }
            _ => b.report.push(
                &format!("{path}/MaxIssues"),
                &max.to_string(),
                Reason::Invalid,
                "not a number of issues of at least 1",
            ),
        }
    }
    if let Some(quantity) = text(&r.quantity) {
        match number_and_unit(&quantity) {
            Some((value, unit)) => dispense.quantity = Some(Quantity::new(value, Some(unit))),
            None => note.push(Annotation {
                text: format!("Quantity: {quantity}"),
            }),
        }
    }
    if let Some(days) = r.issue_duration_days {
        match u64::try_from(days) {
            Ok(days) => dispense.expected_supply_duration = Some(Duration::days(days)),
            Err(_) => b.report.push(
                &format!("{path}/IssueDurationDays"),
                &days.to_string(),
                Reason::Invalid,
                "a negative number of days",
            ),
        }
    }
    let id = b.id("MedicationRequest", local);
    let request = MedicationRequest {
        id: id.clone(),
        meta: Meta::uk_core("MedicationRequest"),
        status: "active",
        intent: "plan",
        category: r
            .medication_type
            .as_ref()
            .map(|t| t.to_string())
            .filter(|t| !t.trim().is_empty())
            .map(|t| CodeableConcept::text(&t))
            .into_iter()
            .collect(),
        medication_codeable_concept: medication,
        subject: ctx.subject.clone(),
        encounter: Some(ctx.encounter.clone()),
        authored_on: ctx.when.clone(),
        requester: ctx.author.clone(),
        course_of_therapy_type: CodeableConcept::coded(
            codes::COURSE_OF_THERAPY,
            "continuous",
            "Continuous long term therapy",
        ),
        reason_reference: Vec::new(),
        note,
        dosage_instruction: text(&r.dose)
            .map(|text| Dosage { text })
            .into_iter()
            .collect(),
        dispense_request: (dispense != DispenseRequest::default()).then_some(dispense),
    };
    let index = b.add(&id, Resource::MedicationRequest(request));
    link_all(b, path, &r.linked_problem_uid, index, LinkKind::Reason);
    index
}

/// Relationship → RelatedPerson (its Type as the relationship; Telephone and
/// WorkContact as contact points; active until its EndDate). OrganisationName and
/// Description have no element in RelatedPerson and are reported.
pub(crate) fn relationship(
    b: &mut Builder,
    path: &str,
    local: &str,
    r: &Relationship,
    ctx: &EventContext,
    options: &MapOptions,
) -> usize {
    b.report.extra(path, &r.extra);
    let mut given: Vec<String> = text(&r.first_name).into_iter().collect();
    if let Some(middle) = text(&r.middle_names) {
        given.extend(middle.split_whitespace().map(str::to_string));
    }
    let name = HumanName {
        family: text(&r.surname),
        given,
        prefix: text(&r.title).into_iter().collect(),
        ..Default::default()
    };
    let mut telecom = Vec::new();
    if let Some(phone) = text(&r.telephone) {
        telecom.push(ContactPoint {
            system: "phone",
            value: phone,
            contact_use: None,
        });
    }
    // Free text ("ext 2214", an e-mail, a number): how to reach them at work.
    if let Some(work) = text(&r.work_contact) {
        telecom.push(ContactPoint {
            system: "other",
            value: work,
            contact_use: Some("work"),
        });
    }
    for (field, value) in [
        ("OrganisationName", &r.organisation_name),
        ("Description", &r.description),
    ] {
        if let Some(v) = text(value) {
            b.report.push(
                &format!("{path}/{field}"),
                &v,
                Reason::NoHome,
                "RelatedPerson has no element for it",
            );
        }
    }
    let address = r
        .address
        .as_ref()
        .and_then(|a| b.address(&format!("{path}/Address"), a));
    let end = r.end_date.map(|d| d.date());
    let id = b.id("RelatedPerson", local);
    let person = RelatedPerson {
        id: id.clone(),
        meta: Meta::uk_core("RelatedPerson"),
        active: end.is_none_or(|end| end >= options.as_of),
        patient: ctx.subject.clone(),
        relationship: text(&r.kind)
            .map(|k| CodeableConcept::text(&k))
            .into_iter()
            .collect(),
        name: (name != HumanName::default())
            .then_some(name)
            .into_iter()
            .collect(),
        telecom,
        birth_date: date(&r.date_of_birth),
        address: address.into_iter().collect(),
        period: end.map(|end| Period {
            start: None,
            end: Some(fhir_date(end)),
        }),
    };
    let index = b.add(&id, Resource::RelatedPerson(person));
    link_all(b, path, &r.linked_problem_uid, index, LinkKind::Evidence);
    index
}

/// A plan's instructions as activities, in their Order (those without one last, as
/// given).
fn activities(
    b: &mut Builder,
    path: &str,
    instructions: &[CarePlanInstruction],
) -> Vec<CarePlanActivity> {
    let mut ordered: Vec<(usize, &CarePlanInstruction)> = instructions.iter().enumerate().collect();
    ordered.sort_by_key(|(n, i)| (i.position.is_none(), i.position, *n));
    ordered
        .into_iter()
        .map(|(n, i)| {
            b.report
                .extra(&format!("{path}/CarePlanInstruction[{}]", n + 1), &i.extra);
            CarePlanActivity {
                detail: CarePlanActivityDetail {
                    status: "not-started",
                    performer: i
                        .responsibility
                        .as_ref()
                        .map(|r| r.to_string())
                        .filter(|r| !r.trim().is_empty())
                        .map(|r| Reference {
                            reference: None,
                            display: Some(r),
                        })
                        .into_iter()
                        .collect(),
                    description: text(&i.instruction_text),
                },
            }
        })
        .collect()
}

fn plan(b: &mut Builder, local: &str, plan: CarePlan) -> usize {
    let id = b.id("CarePlan", local);
    b.add(
        &id,
        Resource::CarePlan(CarePlan {
            id: id.clone(),
            ..plan
        }),
    )
}

fn plan_base(ctx: &EventContext) -> CarePlan {
    CarePlan {
        meta: Meta::uk_core("CarePlan"),
        status: "active",
        intent: "plan",
        subject: ctx.subject.clone(),
        encounter: Some(ctx.encounter.clone()),
        created: ctx.when.clone(),
        author: ctx.author.clone(),
        ..Default::default()
    }
}

/// CarePlan → CarePlan (name, description, category and sub-category, instructions as
/// activities with their responsibility; Aim and ReviewDate as notes).
pub(crate) fn care_plan(
    b: &mut Builder,
    path: &str,
    local: &str,
    c: &SCarePlan,
    ctx: &EventContext,
) -> usize {
    b.report.extra(path, &c.extra);
    let mut note = Vec::new();
    if let Some(aim) = c.aim.as_ref().filter(|a| !matches!(a, CarePlanAim::Empty)) {
        note.push(Annotation {
            text: format!("Aim: {aim}"),
        });
    }
    if let Some(review) = date(&c.review_date) {
        note.push(Annotation {
            text: format!("Review date: {review}"),
        });
    }
    let resource = CarePlan {
        category: [&c.category, &c.sub_category]
            .into_iter()
            .filter_map(text)
            .map(|t| CodeableConcept::text(&t))
            .collect(),
        title: text(&c.care_plan_name),
        description: text(&c.description),
        activity: activities(b, path, &c.care_plan_instruction),
        note,
        ..plan_base(ctx)
    };
    let index = plan(b, local, resource);
    link_all(b, path, &c.linked_problem_uid, index, LinkKind::Addresses);
    index
}

/// PatientPlan → CarePlan of category `Patient plan` (its text as the description, its
/// items as activities).
pub(crate) fn patient_plan(
    b: &mut Builder,
    path: &str,
    local: &str,
    p: &PatientPlan,
    ctx: &EventContext,
) -> usize {
    b.report.extra(path, &p.extra);
    let activity = match &p.items {
        Some(items) => {
            let ipath = format!("{path}/Items");
            b.report.extra(&ipath, &items.extra);
            activities(b, &ipath, &items.care_plan_instruction)
        }
        None => Vec::new(),
    };
    let resource = CarePlan {
        category: vec![CodeableConcept::text("Patient plan")],
        description: text(&p.patient_plan),
        activity,
        ..plan_base(ctx)
    };
    let index = plan(b, local, resource);
    link_all(b, path, &p.linked_problem_uid, index, LinkKind::Addresses);
    index
}

/// Recall → Task (`plan`): the patient is to be seen for its Type by its RecallDate;
/// its Status (Pending, 1st Recall, Seen, ...) as FHIR's status and, as written, the
/// business status.
pub(crate) fn recall(
    b: &mut Builder,
    path: &str,
    local: &str,
    r: &Recall,
    ctx: &EventContext,
) -> usize {
    b.report.extra(path, &r.extra);
    let status = match &r.status {
        Some(RecallStatus::Pending) | None => "requested",
        Some(
            RecallStatus::AwaitingResult
            | RecallStatus::V1stRecall
            | RecallStatus::V2ndRecall
            | RecallStatus::V3rdRecall,
        ) => "in-progress",
        Some(RecallStatus::Seen) => "completed",
        Some(RecallStatus::CancelledByPatient | RecallStatus::CancelledByClinician) => "cancelled",
        // The text is kept as the business status.
        Some(RecallStatus::Unlisted(_)) => "requested",
    };
    let id = b.id("Task", &format!("recall/{local}"));
    let task = Task {
        id: id.clone(),
        meta: None,
        status,
        business_status: r
            .status
            .as_ref()
            .map(|s| s.to_string())
            .filter(|s| !s.trim().is_empty())
            .map(|s| CodeableConcept::text(&s)),
        intent: "plan",
        code: Some(CodeableConcept::text(
            &text(&r.kind).unwrap_or_else(|| "Recall".to_string()),
        )),
        description: text(&r.free_text),
        for_patient: ctx.subject.clone(),
        encounter: Some(ctx.encounter.clone()),
        authored_on: ctx.when.clone(),
        requester: ctx.author.clone(),
        restriction: date(&r.recall_date).map(|when| TaskRestriction {
            period: Period {
                start: None,
                end: Some(when),
            },
        }),
        ..Default::default()
    };
    let index = b.add(&id, Resource::Task(task));
    link_all(b, path, &r.linked_problem_uid, index, LinkKind::Evidence);
    index
}

/// Reminder → Flag: shown whenever the record is opened until its ExpiryDate; its
/// Severity as HL7's flag-priority.
pub(crate) fn reminder(
    b: &mut Builder,
    path: &str,
    local: &str,
    r: &Reminder,
    ctx: &EventContext,
    options: &MapOptions,
) -> usize {
    b.report.extra(path, &r.extra);
    let priority = match &r.severity {
        Some(ReminderSeverity::Low) => Some(("PL", "Low priority")),
        Some(ReminderSeverity::Normal) => Some(("PM", "Medium priority")),
        Some(ReminderSeverity::High) => Some(("PH", "High priority")),
        Some(ReminderSeverity::Unlisted(v)) => {
            if !v.trim().is_empty() {
                b.report.push(
                    &format!("{path}/Severity"),
                    v,
                    Reason::Invalid,
                    "a severity FHIR's flag priorities do not name",
                );
            }
            None
        }
        None => None,
    };
    let expiry = r.expiry_date.map(|d| d.date());
    let id = b.id("Flag", local);
    let flag = Flag {
        id: id.clone(),
        meta: Meta::uk_core("Flag"),
        extension: priority
            .map(|(code, display)| Extension {
                url: codes::FLAG_PRIORITY_EXTENSION.to_string(),
                value_codeable_concept: Some(CodeableConcept::coded(
                    codes::FLAG_PRIORITY,
                    code,
                    display,
                )),
            })
            .into_iter()
            .collect(),
        status: if expiry.is_some_and(|e| e < options.as_of) {
            "inactive"
        } else {
            "active"
        },
        code: CodeableConcept::text(&text(&r.free_text).unwrap_or_else(|| "Reminder".to_string())),
        subject: ctx.subject.clone(),
        period: (ctx.when.is_some() || expiry.is_some()).then(|| Period {
            start: ctx.when.clone(),
            end: expiry.map(fhir_date),
        }),
        encounter: Some(ctx.encounter.clone()),
        author: ctx.author.clone(),
    };
    let index = b.add(&id, Resource::Flag(flag));
    link_all(b, path, &r.linked_problem_uid, index, LinkKind::Evidence);
    index
}

/// Activity → Encounter within the event's: what was done (Performed) and how (Method)
/// as its types, who with (With) as a participant, its Duration as its length.
pub(crate) fn activity(
    b: &mut Builder,
    path: &str,
    local: &str,
    a: &Activity,
    ctx: &EventContext,
) -> usize {
    b.report.extra(path, &a.extra);
    let mut participant: Vec<EncounterParticipant> = ctx
        .author
        .iter()
        .map(|author| EncounterParticipant {
            kind: Vec::new(),
            individual: Some(author.clone()),
        })
        .collect();
    if let Some(with) = text(&a.with) {
        participant.push(EncounterParticipant {
            kind: vec![CodeableConcept::text(&format!("With: {with}"))],
            individual: None,
        });
    }
    let length = match a.duration {
        Some(minutes) => match u64::try_from(minutes) {
            Ok(m) => Some(Duration::minutes(m)),
            Err(_) => {
                b.report.push(
                    &format!("{path}/Duration"),
                    &minutes.to_string(),
                    Reason::Invalid,
                    "a negative number of minutes",
                );
                None
            }
        },
        None => None,
    };
    let id = b.id("Encounter", &format!("activity/{local}"));
    let encounter = Encounter {
        id: id.clone(),
        meta: Meta::uk_core("Encounter"),
        identifier: Vec::new(),
        // DNA: the patient did not attend.
        status: if matches!(a.method, Some(ContactMethod::Dna)) {
            "cancelled"
        } else {
            "finished"
        },
        class: encounter_class(a.method.as_ref()),
        kind: [text(&a.performed), method_text(a.method.as_ref())]
            .into_iter()
            .flatten()
            .map(|t| CodeableConcept::text(&t))
            .collect(),
        subject: ctx.subject.clone(),
        participant,
        period: ctx.when.as_ref().map(|w| Period {
            start: Some(w.clone()),
            end: None,
        }),
        length,
        diagnosis: Vec::new(),
        location: Vec::new(),
        part_of: Some(ctx.encounter.clone()),
    };
    let index = b.add(&id, Resource::Encounter(encounter));
    link_all(b, path, &a.linked_problem_uid, index, LinkKind::Diagnosis);
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_units() {
        let (v, u) = number_and_unit("0.5 ml").unwrap();
        assert_eq!((v.to_string(), u.as_str()), ("0.5".to_string(), "ml"));
        let (v, u) = number_and_unit("28 tablet").unwrap();
        assert_eq!((v.to_string(), u.as_str()), ("28".to_string(), "tablet"));
        assert!(number_and_unit("one puff").is_none());
        assert!(number_and_unit("28").is_none());
        assert!(number_and_unit("1.2.3 ml").is_none());
    }
}
