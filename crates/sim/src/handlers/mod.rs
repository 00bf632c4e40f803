//! The 17 functions, over the practice and the UI state: one file per function, named
//! after it (`get_patient_record.rs` serves GetPatientRecord), each with a `handle`
//! function; `convert.rs` holds the conversions between the practice and the
//! interface's structures, `record_access.rs` the LeaveRecordOpen rules. [`handle`]
//! below is the only place that maps a request to its handler.

use std::path::Path;

use chrono::NaiveDateTime;
use systmone_bindings::AnyRequest;
use systmone_core::xml::XmlContent;
use systmone_core::{
    CodeScheme, DrugScheme, ErrorResponse, NoContent, OutputScheme, Response, ResponseBody,
};

use crate::state::{AuditOutcome, Shared, State};

mod convert;
mod record_access;

mod data_extract;
mod delete_from_patient_record;
mod exit_client;
mod get_appointment_slots;
mod get_current_activity;
mod get_current_selection;
mod get_diary;
mod get_document;
mod get_functions;
mod get_organisation_meta_data;
mod get_patient_record;
mod get_reference_data;
mod get_xsd_files;
mod is_patient_retrieved;
mod launch_functionality;
mod patient_search;
mod update_patient_record;

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
        R::GetFunctionsV1_0(_) => render(shared, echo, Ok(get_functions::handle(ctx))),
        R::GetOrganisationMetaDataV1_0(r) => render(
            shared,
            echo,
            Ok(get_organisation_meta_data::handle(
                st,
                r.parameters.as_ref(),
            )),
        ),
        R::GetCurrentActivityV1_0(_) => {
            render(shared, echo, Ok(get_current_activity::handle(st, ctx)))
        }
        R::GetCurrentSelectionV1_0(_) => {
            render(shared, echo, Ok(get_current_selection::handle(st, ctx)))
        }
        R::IsPatientRetrievedV1_0(_) => render(shared, echo, Ok(is_patient_retrieved::handle(st))),
        R::PatientSearchV1_0(r) => render(
            shared,
            echo,
            patient_search::handle(st, r.parameters.as_ref()),
        ),
        R::GetPatientRecordV1_0(r) => render(
            shared,
            echo,
            get_patient_record::handle(st, ctx, r.parameters.as_ref()),
        ),
        R::UpdatePatientRecordV1_0(r) => render(
            shared,
            echo,
            update_patient_record::handle(st, ctx, r.parameters.as_ref()),
        ),
        R::DeleteFromPatientRecordV1_0(r) => render(
            shared,
            echo,
            delete_from_patient_record::handle(st, ctx, r.parameters.as_ref()),
        ),
        R::GetDocumentV1_0(r) => render(
            shared,
            echo,
            get_document::handle(st, ctx, r.parameters.as_ref()),
        ),
        R::GetAppointmentSlotsV1_0(r) => render(
            shared,
            echo,
            Ok(get_appointment_slots::handle(st, r.parameters.as_ref())),
        ),
        R::GetDiaryV1_0(r) => render(
            shared,
            echo,
            Ok(get_diary::handle(st, r.parameters.as_ref())),
        ),
        R::ExitClientV1_0(_) => render(shared, echo, Ok(exit_client::handle())),
        R::DataExtractV1_0(r) => render(
            shared,
            echo,
            data_extract::handle(st, ctx, r.parameters.as_ref()),
        ),
        R::LaunchFunctionalityV1_0(r) => render(
            shared,
            echo,
            launch_functionality::handle(st, ctx, r.parameters.as_ref()),
        ),
        R::GetXsdFilesV1_0(r) => render(
            shared,
            echo,
            get_xsd_files::handle(ctx, r.parameters.as_ref()),
        ),
        R::GetReferenceDataV1_0(_) => render(shared, echo, Ok(get_reference_data::handle(st))),
    }
}

fn need<P>(p: Option<&P>) -> HResult<&P> {
    p.ok_or_else(|| perm("FunctionParameters is missing"))
}
