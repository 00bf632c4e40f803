//! The 17 functions, over the practice and the UI state.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use systmone_bindings::AnyRequest;
use systmone_bindings::data_extract_v1_0::{DataExtractParameters, DataExtractResult};
use systmone_bindings::delete_from_patient_record_v1_0::{
    DeleteFromPatientRecordParameters, DeleteFromPatientRecordResult,
};
use systmone_bindings::exit_client_v1_0::ExitClientResult;
use systmone_bindings::get_appointment_slots_v1_0::{
    GetAppointmentSlotsParameters, GetAppointmentSlotsResult,
};
use systmone_bindings::get_current_activity_v1_0::GetCurrentActivityResult;
use systmone_bindings::get_current_selection_v1_0::GetCurrentSelectionResult;
use systmone_bindings::get_diary_v1_0::{
    DiaryResult, DiaryResultItem, GetDiaryParameters, GetDiaryResult,
};
use systmone_bindings::get_document_v1_0::{GetDocumentParameters, GetDocumentResult};
use systmone_bindings::get_functions_v1_0::{GetFunctionsResult, SupportedFunction};
use systmone_bindings::get_organisation_meta_data_v1_0::{
    AccessRights, GetOrganisationMetaDataParameters, GetOrganisationMetaDataResult, Site, User,
    UserGroups,
};
use systmone_bindings::get_patient_record_v1_0::{
    GetPatientRecordParameters, GetPatientRecordResult, PatientRecordFilter,
    PatientRecordNonClinical,
};
use systmone_bindings::get_reference_data_v1_0::{GetReferenceDataResult, NumericReadCodeUnits};
use systmone_bindings::get_xsd_files_v1_0::{
    GetXsdFilesParameters, GetXsdFilesResult, XsdFileResult,
};
use systmone_bindings::is_patient_retrieved_v1_0::IsPatientRetrievedResult;
use systmone_bindings::launch_functionality_v1_0::{
    LaunchFunctionalityParameters, LaunchFunctionalityParametersChoice, LaunchFunctionalityResult,
};
use systmone_bindings::patient_search_v1_0::{
    PatientMatch, PatientSearchParameters, PatientSearchResult,
};
use systmone_bindings::update_patient_record_v1_0::{
    UpdatePatientRecordParameters, UpdatePatientRecordResult,
};
use systmone_core::xml::XmlContent;
use systmone_core::{
    CodeScheme, DateTime, DrugScheme, DurationMinutes, ErrorResponse, Flag, NoContent,
    OutputScheme, RawXml, Response, ResponseBody,
};
use systmone_types::{
    Address, Attachment, Clinic, Clinical, ClinicalCode, Code, CodeSlot, CurrentSelection,
    CurrentSelectionItem, DataItem, Demographics, DiaryAppointment, Drug, DrugSensitivity, Event,
    Identity, Ingredient, Medication, PatientAppointment, PatientId, RecordState, SchemeName, Sex,
    Slot, SmsConsent, Task, Visit,
};

use crate::files;
use crate::practice::{
    self, AddressData, AppointmentData, CodeData, DocumentData, EventData, ItemData, PatientData,
    TaskData, VisitData,
};
use crate::state::{AuditOutcome, Shared, State};

/// The header fields a response echoes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Echo {
    pub device_id: String,
    pub request_uid: String,
    pub function: String,
    pub version: String,
}

/// What a handler needs besides the state.
pub(crate) struct Ctx<'a> {
    pub device_id: &'a str,
    pub schemes: Schemes,
    pub now: NaiveDateTime,
    pub root: &'a Path,
    pub advertised: Option<&'a Vec<(String, Vec<String>)>>,
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Schemes {
    pub snomed: bool,
    pub dmd: bool,
}

impl Schemes {
    pub fn from(scheme: Option<&OutputScheme>) -> Self {
        Schemes {
            snomed: scheme.and_then(|s| s.codes) == Some(CodeScheme::Snomed),
            dmd: scheme.and_then(|s| s.drugs) == Some(DrugScheme::Dmd),
        }
    }
}

type HResult<T> = Result<T, ErrorResponse>;

pub(crate) fn perm(message: impl Into<String>) -> ErrorResponse {
    ErrorResponse {
        extra: Default::default(),
        message: message.into(),
        permanent: true,
    }
}

pub(crate) fn temp(message: impl Into<String>) -> ErrorResponse {
    ErrorResponse {
        extra: Default::default(),
        message: message.into(),
        permanent: false,
    }
}

/// Writes a response document for `body`.
pub(crate) fn render<T: XmlContent>(
    shared: &Shared,
    echo: &Echo,
    body: HResult<T>,
) -> (String, AuditOutcome) {
    let outcome = match &body {
        Ok(_) => AuditOutcome::Success,
        Err(e) => AuditOutcome::Error {
            message: e.message.clone(),
            permanent: e.permanent,
        },
    };
    let response = Response {
        extra: Default::default(),
        device_id: echo.device_id.clone(),
        request_uid: echo.request_uid.clone(),
        function: echo.function.clone(),
        function_version: echo.version.clone(),
        response_uid: shared.response_uid(),
        body: match body {
            Ok(v) => ResponseBody::Success(v),
            Err(e) => ResponseBody::Error(e),
        },
    };
    match response.to_xml() {
        Ok(xml) => (xml, outcome),
        Err(e) => render_error(shared, echo, perm(format!("Internal error: {e}"))),
    }
}

/// Writes the standard error response.
pub(crate) fn render_error(
    shared: &Shared,
    echo: &Echo,
    error: ErrorResponse,
) -> (String, AuditOutcome) {
    let outcome = AuditOutcome::Error {
        message: error.message.clone(),
        permanent: error.permanent,
    };
    let response = Response::<NoContent> {
        extra: Default::default(),
        device_id: echo.device_id.clone(),
        request_uid: echo.request_uid.clone(),
        function: echo.function.clone(),
        function_version: echo.version.clone(),
        response_uid: shared.response_uid(),
        body: ResponseBody::Error(error),
    };
    let xml = response.to_xml().unwrap_or_else(|_| {
        "<ClientIntegrationResponse><DeviceID></DeviceID><RequestUID></RequestUID><Function></Function>\
<FunctionVersion></FunctionVersion><ResponseUID></ResponseUID><Response><ErrorMessage>Internal error</ErrorMessage>\
<PermanentError>true</PermanentError></Response></ClientIntegrationResponse>"
            .to_string()
    });
    (xml, outcome)
}

/// Runs one parsed request. Returns the response document and the outcome.
pub(crate) fn handle(
    shared: &Shared,
    st: &mut State,
    ctx: &Ctx,
    echo: &Echo,
    request: AnyRequest,
) -> (String, AuditOutcome) {
    use AnyRequest as R;
    match request {
        R::GetFunctionsV1_0(_) => render(shared, echo, Ok(get_functions(ctx))),
        R::GetOrganisationMetaDataV1_0(r) => {
            render(shared, echo, Ok(org_meta(st, r.parameters.as_ref())))
        }
        R::GetCurrentActivityV1_0(_) => render(shared, echo, Ok(current_activity(st, ctx))),
        R::GetCurrentSelectionV1_0(_) => render(shared, echo, Ok(current_selection(st, ctx))),
        R::IsPatientRetrievedV1_0(_) => render(
            shared,
            echo,
            Ok(IsPatientRetrievedResult {
                extra: Default::default(),
                is_patient_retrieved: st.ui.open.is_some(),
            }),
        ),
        R::PatientSearchV1_0(r) => render(shared, echo, patient_search(st, r.parameters.as_ref())),
        R::GetPatientRecordV1_0(r) => render(
            shared,
            echo,
            get_patient_record(st, ctx, r.parameters.as_ref()),
        ),
        R::UpdatePatientRecordV1_0(r) => render(
            shared,
            echo,
            update_patient_record(st, ctx, r.parameters.as_ref()),
        ),
        R::DeleteFromPatientRecordV1_0(r) => {
            render(shared, echo, delete(st, ctx, r.parameters.as_ref()))
        }
        R::GetDocumentV1_0(r) => render(shared, echo, get_document(st, ctx, r.parameters.as_ref())),
        R::GetAppointmentSlotsV1_0(r) => render(
            shared,
            echo,
            Ok(appointment_slots(st, r.parameters.as_ref())),
        ),
        R::GetDiaryV1_0(r) => render(shared, echo, Ok(diary(st, r.parameters.as_ref()))),
        R::ExitClientV1_0(_) => render(shared, echo, Ok(ExitClientResult::default())),
        R::DataExtractV1_0(r) => render(shared, echo, data_extract(st, ctx, r.parameters.as_ref())),
        R::LaunchFunctionalityV1_0(r) => {
            render(shared, echo, launch(st, ctx, r.parameters.as_ref()))
        }
        R::GetXsdFilesV1_0(r) => render(shared, echo, xsd_files(ctx, r.parameters.as_ref())),
        R::GetReferenceDataV1_0(_) => render(shared, echo, Ok(reference_data(st))),
    }
}

fn need<P>(p: Option<&P>) -> HResult<&P> {
    p.ok_or_else(|| perm("FunctionParameters is missing"))
}

// ---------------------------------------------------------------------------
// Conversions from the practice to the interface's structures.

fn identity(p: &PatientData) -> Identity {
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

fn id_number(id: &Identity) -> &str {
    match &id.number {
        PatientId::NhsNumber(n) | PatientId::NhsNumberMixedCase(n) | PatientId::PseudoNumber(n) => {
            n.trim()
        }
    }
}

fn address(a: &AddressData) -> Address {
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

fn out_code(c: &CodeData, s: Schemes) -> Code {
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

fn out_drug(scheme: &str, id: &str, name: Option<&str>, s: Schemes) -> Drug {
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

fn code_slot(c: &Option<CodeData>, s: Schemes) -> Option<CodeSlot> {
    Some(CodeSlot {
        extra: Default::default(),
        code: c.as_ref().map(|c| out_code(c, s)),
    })
}

fn demographics(p: &PatientData, s: Schemes) -> Demographics {
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
        registration_type: p.registration_type.clone(),
    }
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn code_xml(c: &Code) -> String {
    format!(
        "<Code Scheme=\"{}\" Code=\"{}\"{}></Code>",
        esc(&c.scheme.to_string()),
        esc(&c.code),
        c.term
            .as_ref()
            .map(|t| format!(" Term=\"{}\"", esc(t)))
            .unwrap_or_default()
    )
}

fn raw(xml: &str) -> Option<DataItem> {
    RawXml::parse(xml).ok().map(DataItem::Other)
}

fn out_item(item: &ItemData, s: Schemes) -> Option<DataItem> {
    Some(match item {
        ItemData::Code {
            code,
            value,
            free_text,
            problems,
        } => DataItem::ClinicalCode(ClinicalCode {
            extra: Default::default(),
            code: out_code(code, s),
            numeric_value: *value,
            free_text: free_text.clone(),
            linked_problem_uid: problems.clone(),
        }),
        ItemData::Medication {
            scheme,
            product_id,
            name,
            extra_xml,
            ..
        } => DataItem::Medication(Medication {
            extra: Default::default(),
            drug: out_drug(scheme, product_id, name.as_deref(), s),
            items: extra_xml.iter().filter_map(|x| raw(x)).collect(),
        }),
        ItemData::Sensitivity {
            kind,
            ingredient_id,
            name,
            details,
        } => DataItem::DrugSensitivity(DrugSensitivity {
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
        }),
        ItemData::Narrative { text } => DataItem::Narrative(text.clone()),
        ItemData::Letter { xml } => raw(xml)?,
        ItemData::Attachment {
            document_uid,
            url,
            comments,
        } => DataItem::Attachment(Attachment {
            extra: Default::default(),
            document_path: None,
            url: url.clone(),
            document_uid: document_uid.clone(),
            comments: comments.clone(),
            linked_problem_uid: Vec::new(),
        }),
        ItemData::Problem {
            problem_uid,
            code,
            status,
        } => raw(&format!(
            "<Problem><ProblemUID>{}</ProblemUID>{}<Status>{}</Status></Problem>",
            esc(problem_uid),
            code_xml(&out_code(code, s)),
            esc(status)
        ))?,
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

fn out_event(e: &EventData, items: Vec<DataItem>) -> Event {
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

// ---------------------------------------------------------------------------
// Discovery and UI state.

fn get_functions(ctx: &Ctx) -> GetFunctionsResult {
    let supported_function = match ctx.advertised {
        Some(list) => list
            .iter()
            .map(|(f, v)| SupportedFunction {
                extra: Default::default(),
                function: f.clone(),
                version: v.clone(),
            })
            .collect(),
        None => systmone_bindings::FUNCTIONS
            .iter()
            .map(|(f, v)| SupportedFunction {
                extra: Default::default(),
                function: f.to_string(),
                version: vec![v.to_string()],
            })
            .collect(),
    };
    GetFunctionsResult {
        extra: Default::default(),
        supported_function,
    }
}

fn org_meta(
    st: &State,
    p: Option<&GetOrganisationMetaDataParameters>,
) -> GetOrganisationMetaDataResult {
    let only_me = p.and_then(|p| p.logged_on_user_only).is_some();
    let pr = &st.practice;
    let site = |s: &practice::SiteData| Site {
        extra: Default::default(),
        name: s.name.clone(),
        id: s.id.clone(),
        telephone: s.telephone.clone(),
        fax: s.fax.clone(),
        email: s.email.clone(),
        address: Some(address(&s.address)),
        primary_site: s.primary.then_some(Flag),
        current_site: s.current.then_some(Flag),
    };
    let user = |u: &practice::UserData| User {
        extra: Default::default(),
        title: Some(u.title.clone()),
        first_name: Some(u.first_name.clone()),
        middle_names: Some(u.middle_names.clone()),
        surname: Some(u.surname.clone()),
        user_name: u.user_name.clone(),
        gender: u.gender.parse().ok(),
        role: Some(u.role.clone()),
        role_code: Some(u.role_code.clone()),
        national_id: Some(u.national_id.clone()),
        national_id_type: Some(u.national_id_type.clone()),
        access_rights: Some(AccessRights {
            extra: Default::default(),
            access: u.access_rights.clone(),
        }),
        user_groups: Some(UserGroups {
            extra: Default::default(),
            group: u.groups.clone(),
        }),
        current_user: u.current.then_some(Flag),
    };
    let (sites, users) = if only_me {
        (
            pr.current_site().map(site).into_iter().collect(),
            pr.current_user().map(user).into_iter().collect(),
        )
    } else {
        (
            pr.sites.iter().map(site).collect(),
            pr.users.iter().map(user).collect(),
        )
    };
    GetOrganisationMetaDataResult {
        extra: Default::default(),
        site: sites,
        user: users,
        slot_type: pr.slot_types.clone(),
        clinic_type: pr.clinic_types.clone(),
    }
}

fn open_identity(st: &State) -> Option<Identity> {
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

fn selection(st: &State, s: Schemes) -> CurrentSelection {
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

fn current_activity(st: &State, ctx: &Ctx) -> GetCurrentActivityResult {
    GetCurrentActivityResult {
        extra: Default::default(),
        identity: open_identity(st),
        activity: if st.ui.activity.is_empty() {
            vec!["Navigation Actions".into()]
        } else {
            st.ui.activity.clone()
        },
        current_selection: Some(selection(st, ctx.schemes)),
    }
}

fn current_selection(st: &State, ctx: &Ctx) -> GetCurrentSelectionResult {
    GetCurrentSelectionResult {
        extra: Default::default(),
        identity: open_identity(st),
        current_selection: selection(st, ctx.schemes),
    }
}

fn reference_data(st: &State) -> GetReferenceDataResult {
    GetReferenceDataResult {
        extra: Default::default(),
        numeric_read_code_units: st
            .practice
            .numeric_units
            .iter()
            .map(|n| NumericReadCodeUnits {
                extra: Default::default(),
                code: n.code.clone(),
                units: n.units.clone(),
                created_date: DateTime::new(n.created),
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------
// PatientSearch.

fn norm_phone(t: &str) -> String {
    t.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

fn patient_search(st: &State, p: Option<&PatientSearchParameters>) -> HResult<PatientSearchResult> {
    let p = need(p)?;
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
    let prefix = |value: &str, q: &str| value.to_lowercase().starts_with(&q.to_lowercase());
    let result = st
        .practice
        .patients
        .iter()
        .filter(|pt| first.is_none_or(|q| prefix(&pt.first_name, q)))
        .filter(|pt| surname.is_none_or(|q| prefix(&pt.surname, q)))
        .filter(|pt| p.date_of_birth.is_none_or(|d| d.0 == pt.date_of_birth))
        .filter(|pt| p.gender.as_ref().is_none_or(|g| g.to_string() == pt.sex))
        .filter(|pt| {
            post.is_none_or(|q| {
                let pc = pt
                    .address
                    .as_ref()
                    .map(|a| a.postcode.to_uppercase())
                    .unwrap_or_default();
                let q = q.to_uppercase();
                if q.contains(' ') {
                    pc == q
                } else {
                    pc.split(' ').next() == Some(q.as_str())
                }
            })
        })
        .filter(|pt| {
            phone.is_none_or(|q| {
                let q = norm_phone(q);
                pt.phones()
                    .iter()
                    .any(|ph| !ph.is_empty() && norm_phone(ph) == q)
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

// ---------------------------------------------------------------------------
// Access to records ("Functions which retrieve patient records").

#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

/// Applies the LeaveRecordOpen rules. Returns the record's number and whether the
/// record is open in the UI afterwards.
fn access(
    st: &mut State,
    identity: Option<&Identity>,
    leave_open: bool,
    kind: Access,
) -> HResult<(String, bool)> {
    let number = match identity {
        Some(id) => id_number(id).to_string(),
        None => match &st.ui.open {
            Some((n, _)) => n.clone(),
            None => {
                return Err(perm(
                    "No Identity was given and no patient record is open in SystmOne",
                ));
            }
        },
    };
    if st.practice.patient(&number).is_none() {
        return Err(perm(format!(
            "No patient record could be found with the number {number}"
        )));
    }
    let open = st.ui.open.clone();
    if leave_open {
        match open {
            Some((n, false)) if n == number => Err(temp(
                "The patient record is open in SystmOne in a state which cannot be displayed; try again later",
            )),
            Some((n, true)) if n == number => Ok((number, true)),
            _ => {
                st.ui.open = Some((number.clone(), true));
                st.ui.activity = vec!["Patient Actions".into(), "Patient Record".into()];
                Ok((number, true))
            }
        }
    } else {
        match open {
            Some((n, _)) if n == number => match kind {
                Access::Read => Ok((number, true)),
                Access::Write => Err(temp(
                    "The patient record is in use in SystmOne and cannot be saved on completion; try again later",
                )),
            },
            _ => Ok((number, false)),
        }
    }
}

fn record_state(open: bool) -> Option<RecordState> {
    Some(if open {
        RecordState::Open
    } else {
        RecordState::Closed
    })
}

// ---------------------------------------------------------------------------
// GetPatientRecord.

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
        ItemData::Medication { .. } => Category::Medication,
        ItemData::Sensitivity { .. } => Category::Sensitivities,
        ItemData::Narrative { .. } => Category::Narrative,
        ItemData::Letter { .. } => Category::Letters,
        ItemData::Attachment { .. } => Category::Attachments,
        ItemData::Referral { .. } => Category::Referrals,
        ItemData::LinkedProblem { .. } => Category::Link,
        ItemData::Raw { name, .. } => match name.as_str() {
            "ClinicalCode" | "Problem" => Category::Codes,
            "Medication" => Category::Medication,
            "DrugSensitivity" => Category::Sensitivities,
            "Letter" => Category::Letters,
            "Attachment" => Category::Attachments,
            "Narrative" => Category::Narrative,
            "Referral" => Category::Referrals,
            "Vaccination" => Category::Vaccinations,
            "Result" | "TestResult" => Category::Results,
            "Recall" => Category::Recalls,
            "Reminder" => Category::Reminders,
            "CarePlan" => Category::CarePlans,
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

fn item_wanted(item: &ItemData, f: Option<&PatientRecordFilter>) -> bool {
    let Some(f) = f else { return true };
    if !selects_types(f) {
        return true;
    }
    let flag = |o: Option<Flag>| o.is_some();
    match category(item) {
        Category::Codes => {
            if f.clinical_codes.is_some() {
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

fn effective_end(item: &ItemData, start: NaiveDate) -> Option<NaiveDate> {
    match item {
        ItemData::Medication { days, .. } => Some(start + Duration::days(i64::from(*days))),
        ItemData::Referral { closed, .. } => *closed,
        _ => None,
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
        let kept: Vec<&ItemData> = e
            .items
            .iter()
            .filter(|item| item_wanted(item, f))
            .filter(|item| {
                let Some(f) = f else { return true };
                if f.max_effective_date.is_some_and(|d| start > d.0) {
                    return false;
                }
                match (f.min_effective_date, effective_end(item, start)) {
                    (Some(min), Some(end)) => end >= min.0,
                    (Some(min), None) => {
                        // Indefinitely effective from recording, except items with a
                        // discrete period (handled above).
                        matches!(
                            item,
                            ItemData::Code { .. }
                                | ItemData::Problem { .. }
                                | ItemData::Sensitivity { .. }
                                | ItemData::Referral { .. }
                        ) || start >= min.0
                    }
                    (None, _) => true,
                }
            })
            .collect();
        if kept.is_empty() {
            continue;
        }
        let mut items: Vec<DataItem> = kept.iter().filter_map(|i| out_item(i, s)).collect();
        // Event-level links travel with the event.
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

fn patient_appointment(st: &State, a: &AppointmentData) -> PatientAppointment {
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

fn out_visit(v: &VisitData) -> Visit {
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

fn out_task(t: &TaskData) -> Task {
    Task {
        extra: Default::default(),
        task_type: t.task_type.clone(),
        date_time: t.date_time.map(DateTime::new),
        comments: t.comments.clone(),
        user_name: t.user_name.clone(),
        task_uid: Some(t.uid.clone()),
    }
}

fn get_patient_record(
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

// ---------------------------------------------------------------------------
// UpdatePatientRecord.

fn event_xml(items: Vec<DataItem>) -> Option<String> {
    let event = Event {
        extra: Default::default(),
        date_time: None,
        user_name: None,
        done_by: None,
        done_at: None,
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

fn in_code(code: &Code) -> CodeData {
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
                value: c.numeric_value,
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
                days: 28,
                extra_xml: m.items.iter().map(item_xml).collect(),
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
                    document_uid: Some(docs.add(path, "Attachment")),
                    url: None,
                    comments: a.comments.clone(),
                },
                (_, Some(url)) if !url.trim().is_empty() => ItemData::Attachment {
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
        DataItem::Narrative(text) => ItemData::Narrative { text: text.clone() },
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
        p.registration_type = Some(v.clone());
    }
}

fn update_patient_record(
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
                comments: t.comments.clone(),
                user_name: t
                    .user_name
                    .clone()
                    .or_else(|| user.as_ref().map(|u| u.user_name.clone())),
                completed: false,
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

// ---------------------------------------------------------------------------
// DeleteFromPatientRecord.

fn delete(
    st: &mut State,
    ctx: &Ctx,
    p: Option<&DeleteFromPatientRecordParameters>,
) -> HResult<DeleteFromPatientRecordResult> {
    let p = need(p)?;
    if p.identity.is_none() && p.leave_record_open.is_none() {
        return Err(perm(
            "LeaveRecordOpen is required when no Identity is given",
        ));
    }
    if p.reason.trim().is_empty() {
        return Err(perm("A Reason must be given for the deletion"));
    }
    let (number, open) = access(
        st,
        p.identity.as_ref(),
        p.leave_record_open.is_some(),
        Access::Write,
    )?;
    let patient = st
        .practice
        .patient(&number)
        .ok_or_else(|| perm("Patient not found"))?;
    let owned = |uid: &str| st.practice.owners.get(uid).map(String::as_str) == Some(ctx.device_id);
    let check = |kind: &str, uids: &[String], exists: &dyn Fn(&str) -> bool| -> HResult<()> {
        for uid in uids {
            if !exists(uid) {
                return Err(perm(format!(
                    "The {kind} {uid} cannot be deleted: it is not in this patient record"
                )));
            }
            if !owned(uid) {
                return Err(perm(format!(
                    "The {kind} {uid} cannot be deleted: it was not added by this device"
                )));
            }
        }
        Ok(())
    };
    check("event", &p.event_uid, &|u| {
        patient.events.iter().any(|e| e.uid == u)
    })?;
    check("appointment", &p.appointment_uid, &|u| {
        patient.appointments.iter().any(|e| e.uid == u)
    })?;
    check("task", &p.task_uid, &|u| {
        patient.tasks.iter().any(|e| e.uid == u)
    })?;
    check("visit", &p.visit_uid, &|u| {
        patient.visits.iter().any(|e| e.uid == u)
    })?;
    if p.event_uid.is_empty()
        && p.appointment_uid.is_empty()
        && p.task_uid.is_empty()
        && p.visit_uid.is_empty()
    {
        return Err(perm("Nothing to delete was given"));
    }
    let identity = identity(patient);
    for uid in &p.appointment_uid {
        if let Some(slot) = st
            .practice
            .slots
            .iter_mut()
            .find(|s| s.booked.as_deref() == Some(uid))
        {
            slot.booked = None;
        }
    }
    if let Some(patient) = st.practice.patient_mut(&number) {
        patient.events.retain(|e| !p.event_uid.contains(&e.uid));
        patient
            .appointments
            .retain(|e| !p.appointment_uid.contains(&e.uid));
        patient.tasks.retain(|e| !p.task_uid.contains(&e.uid));
        patient.visits.retain(|e| !p.visit_uid.contains(&e.uid));
    }
    for uid in p
        .event_uid
        .iter()
        .chain(&p.appointment_uid)
        .chain(&p.task_uid)
        .chain(&p.visit_uid)
    {
        st.practice.owners.remove(uid);
    }
    Ok(DeleteFromPatientRecordResult {
        extra: Default::default(),
        identity,
        record_state: record_state(open),
    })
}

// ---------------------------------------------------------------------------
// Files.

fn path_error(e: files::PathError) -> ErrorResponse {
    perm(e.to_string())
}

fn get_document(
    st: &mut State,
    ctx: &Ctx,
    p: Option<&GetDocumentParameters>,
) -> HResult<GetDocumentResult> {
    let p = need(p)?;
    let (number, open) = access(
        st,
        p.identity.as_ref(),
        p.leave_record_open.is_some(),
        Access::Read,
    )?;
    let patient = st
        .practice
        .patient(&number)
        .ok_or_else(|| perm("Patient not found"))?;
    let doc = patient
        .documents
        .get(p.document_uid.trim())
        .ok_or_else(|| {
            perm(format!(
                "No document {} in this patient record",
                p.document_uid
            ))
        })?;
    let dir = files::confine(ctx.root, &p.write_to, false).map_err(path_error)?;
    let written =
        files::write_file(&dir, &doc.file_name, doc.content.as_bytes()).map_err(path_error)?;
    Ok(GetDocumentResult {
        extra: Default::default(),
        document_file: vec![written.display().to_string()],
        record_state: record_state(open),
    })
}

fn xsd_files(ctx: &Ctx, p: Option<&GetXsdFilesParameters>) -> HResult<GetXsdFilesResult> {
    let dir = match p
        .and_then(|p| p.path.as_deref())
        .filter(|s| !s.trim().is_empty())
    {
        Some(path) => files::confine(ctx.root, path, false).map_err(path_error)?,
        None => files::confine(ctx.root, "SystmOne Temp", true).map_err(path_error)?,
    };
    let mut xsd = Vec::new();
    for (name, text) in files::XSD_FILES {
        let written = files::write_file(&dir, name, text.as_bytes()).map_err(path_error)?;
        if let Some((function, version)) =
            name.strip_suffix(".xsd").and_then(|n| n.split_once(" v"))
        {
            xsd.push(XsdFileResult {
                extra: Default::default(),
                function: function.to_string(),
                version: version.to_string(),
                result: format!("Successfully written to {}", written.display()),
            });
        }
    }
    Ok(GetXsdFilesResult {
        extra: Default::default(),
        xsd,
    })
}

fn data_extract(
    st: &mut State,
    ctx: &Ctx,
    p: Option<&DataExtractParameters>,
) -> HResult<DataExtractResult> {
    let p = need(p)?;
    let name = p.name.trim();
    if !st.practice.extracts.iter().any(|e| e == name) {
        return Err(perm(format!("There is no data extract named {name:?}")));
    }
    let mut patients = String::from("RowIdentifier,NHSNumber,PseudoNumber,DateBirth,Gender\n");
    let mut codes = String::from("RowIdentifier,IDPatient,CTV3Code,NumericValue,DateEvent\n");
    for pt in &st.practice.patients {
        patients.push_str(&format!(
            "{},{},{},{},{}\n",
            pt.sr_id,
            pt.nhs_number.as_deref().unwrap_or(""),
            pt.pseudo_number.as_deref().unwrap_or(""),
            pt.date_of_birth,
            pt.sex
        ));
        for e in &pt.events {
            for item in &e.items {
                if let ItemData::Code { code, value, .. } = item {
                    let row = files::crc32(format!("{}{}", e.uid, code.code).as_bytes());
                    codes.push_str(&format!(
                        "{row},{},{},{},{}\n",
                        pt.sr_id,
                        code.code,
                        value.map(|v| v.to_string()).unwrap_or_default(),
                        e.date_time.format("%Y-%m-%dT%H:%M:%S")
                    ));
                }
            }
        }
    }
    let tables = [("SRPatient.csv", patients), ("SRCode.csv", codes)];
    let mut manifest = format!("<SRManifest><Extract>{}</Extract>", esc(name));
    for (file, content) in &tables {
        manifest.push_str(&format!(
            "<File Name=\"{file}\" Size=\"{}\" CRC=\"{}\"/>",
            content.len(),
            files::crc32(content.as_bytes())
        ));
    }
    manifest.push_str("</SRManifest>\n");
    let crc = u64::from(files::crc32(manifest.as_bytes()));
    if p.sr_manifest_crc == Some(crc) {
        return Err(perm(format!(
            "The data extract {name:?} has already been downloaded (SRManifestCRC {crc} is unchanged)"
        )));
    }
    let base = files::confine(ctx.root, &p.directory, true).map_err(path_error)?;
    let dir_name: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let dir = base.join(&dir_name);
    std::fs::create_dir_all(&dir).map_err(|e| perm(format!("cannot write the extract: {e}")))?;
    let dir = files::confine(ctx.root, &dir.display().to_string(), false).map_err(path_error)?;
    for (file, content) in &tables {
        files::write_file(&dir, file, content.as_bytes()).map_err(path_error)?;
    }
    files::write_file(&dir, "SRManifest.xml", manifest.as_bytes()).map_err(path_error)?;
    Ok(DataExtractResult {
        extra: Default::default(),
        sr_manifest_crc: crc,
    })
}

// ---------------------------------------------------------------------------
// Appointments and diary.

fn appointment_slots(
    st: &State,
    p: Option<&GetAppointmentSlotsParameters>,
) -> GetAppointmentSlotsResult {
    let matches = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x.trim() == v);
    let mut clinics: Vec<Clinic> = Vec::new();
    let mut index: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for s in &st.practice.slots {
        if s.booked.is_some() {
            continue;
        }
        if let Some(p) = p {
            if p.min_date_time
                .as_ref()
                .is_some_and(|m| s.start < m.value())
                || p.max_date_time
                    .as_ref()
                    .is_some_and(|m| s.start > m.value())
                || !matches(&p.user_name, &s.user_name)
                || !matches(&p.site_name, &s.site_name)
                || !matches(&p.clinic_type, &s.clinic_type)
                || !matches(&p.slot_type, &s.slot_type)
            {
                continue;
            }
        }
        let key = (
            s.user_name.clone(),
            s.site_name.clone(),
            s.clinic_type.clone(),
        );
        let i = *index.entry(key).or_insert_with(|| {
            clinics.push(Clinic {
                extra: Default::default(),
                user_name: s.user_name.clone(),
                site_name: s.site_name.clone(),
                clinic_type: s.clinic_type.clone(),
                slot: Vec::new(),
            });
            clinics.len() - 1
        });
        clinics[i].slot.push(Slot {
            extra: Default::default(),
            slot_type: s.slot_type.clone(),
            date_time_start: DateTime::new(s.start),
            duration: DurationMinutes::from_minutes(s.duration),
        });
    }
    GetAppointmentSlotsResult {
        extra: Default::default(),
        clinic: clinics,
    }
}

fn diary(st: &State, p: Option<&GetDiaryParameters>) -> GetDiaryResult {
    let matches = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x.trim() == v);
    let (min, max) = (
        p.and_then(|p| p.min_date_time.as_ref()).map(|d| d.value()),
        p.and_then(|p| p.max_date_time.as_ref()).map(|d| d.value()),
    );
    let in_range = |t: NaiveDateTime| min.is_none_or(|m| t >= m) && max.is_none_or(|m| t <= m);
    let users: &[String] = p.map(|p| p.user_name.as_slice()).unwrap_or(&[]);
    let sites: &[String] = p.map(|p| p.site_name.as_slice()).unwrap_or(&[]);
    let (want_a, want_v) = match p {
        Some(p) if p.appointments.is_some() || p.visits.is_some() => {
            (p.appointments.is_some(), p.visits.is_some())
        }
        _ => (true, true),
    };
    let mut result = Vec::new();
    for pt in &st.practice.patients {
        let mut items = Vec::new();
        if want_a {
            for a in &pt.appointments {
                if a.status.eq_ignore_ascii_case("cancelled")
                    || !in_range(a.start)
                    || !matches(users, &a.user_name)
                    || !matches(sites, &a.site_name)
                {
                    continue;
                }
                items.push(DiaryResultItem::Appointment(DiaryAppointment {
                    extra: Default::default(),
                    clinic: Clinic {
                        extra: Default::default(),
                        user_name: a.user_name.clone(),
                        site_name: a.site_name.clone(),
                        clinic_type: a.clinic_type.clone(),
                        slot: vec![Slot {
                            extra: Default::default(),
                            slot_type: a.slot_type.clone(),
                            date_time_start: DateTime::new(a.start),
                            duration: DurationMinutes::from_minutes(a.duration),
                        }],
                    },
                    appointment_uid: Some(a.uid.clone()),
                    status: Some(a.status.clone()),
                }));
            }
        }
        if want_v {
            for v in &pt.visits {
                let user = v.user_name.as_deref().unwrap_or("");
                if !in_range(v.date_time) || !matches(users, user) {
                    continue;
                }
                items.push(DiaryResultItem::Visit(out_visit(v)));
            }
        }
        if items.is_empty() {
            continue;
        }
        result.push(DiaryResult {
            extra: Default::default(),
            identity: identity(pt),
            demographics: Some(Demographics {
                extra: Default::default(),
                title: Some(pt.title.clone()),
                first_name: Some(pt.first_name.clone()),
                middle_names: Some(pt.middle_names.clone()),
                surname: Some(pt.surname.clone()),
                known_as: None,
                date_of_birth: Some(DateTime::new(
                    pt.date_of_birth.and_time(chrono::NaiveTime::MIN),
                )),
                sex: pt.sex.parse().ok(),
                marital_status: None,
                ethnicity: None,
                main_language: None,
                english_speaker: None,
                address: None,
                home_telephone: None,
                work_telephone: None,
                mobile_telephone: None,
                alternate_telephone: None,
                email_address: None,
                sms_consent: None,
                usual_gp_user_name: None,
                care_start_date: None,
                registration_type: None,
            }),
            items,
        });
    }
    GetDiaryResult {
        extra: Default::default(),
        result,
    }
}

// ---------------------------------------------------------------------------
// LaunchFunctionality.

fn launch(
    st: &mut State,
    ctx: &Ctx,
    p: Option<&LaunchFunctionalityParameters>,
) -> HResult<LaunchFunctionalityResult> {
    let p = need(p)?;
    let number = id_number(&p.identity).to_string();
    let patient = st.practice.patient(&number).ok_or_else(|| {
        perm(format!(
            "No patient record could be found with the number {number}"
        ))
    })?;
    let identity = identity(patient);
    if matches!(&st.ui.open, Some((n, false)) if *n == number) {
        return Err(temp(
            "The patient record is open in SystmOne in a state which cannot be displayed; try again later",
        ));
    }
    st.ui.open = Some((number, true));
    let path: &[&str] = match &p.choice {
        Some(LaunchFunctionalityParametersChoice::ClinicalCode(c)) => {
            st.ui.selection = vec![CurrentSelectionItem::Code(out_code(
                &in_code(&c.code),
                Schemes::default(),
            ))];
            &[
                "Patient Actions",
                "Clinical",
                "Add Read Code",
                "Record Read Code",
            ]
        }
        Some(LaunchFunctionalityParametersChoice::Medication(m)) => {
            st.ui.selection = vec![CurrentSelectionItem::Drug(m.drug.clone())];
            &[
                "Patient Actions",
                "Prescribing",
                "New Acute",
                "Record Acute Medication",
            ]
        }
        Some(LaunchFunctionalityParametersChoice::Attachment(_)) => {
            st.ui.selection = Vec::new();
            &["Patient Actions", "Attachments", "Add Attachment"]
        }
        None => {
            st.ui.selection = Vec::new();
            &["Patient Actions", "Patient Record"]
        }
    };
    st.ui.activity = path.iter().map(|s| s.to_string()).collect();
    let _ = ctx;
    Ok(LaunchFunctionalityResult {
        extra: Default::default(),
        identity,
    })
}
