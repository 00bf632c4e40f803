//! The 17 functions, over the practice and the UI state: one file per function, named
//! after it (`get_patient_record.rs` serves GetPatientRecord), each with a `handle`
//! function; `convert.rs` holds the conversions between the practice and the
//! interface's structures, `record_access.rs` the LeaveRecordOpen rules. The generated
//! `RequestHandler` trait maps a request to its handler: `Handlers` below implements it.

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
    /// `--skew`: GetXSDFiles writes the newer schemas.
    pub skew: bool,
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

/// What a handler found, to be written into a response document (with
/// [`render`]) once the state is unlocked: writing it needs nothing of the state.
pub(crate) type Answer = Box<dyn FnOnce(&Shared, &Echo) -> (String, AuditOutcome)>;

fn answer<T: XmlContent + 'static>(body: HResult<T>) -> Answer {
    Box::new(move |shared, echo| render(shared, echo, body))
}

/// Runs one parsed request over the state. Returns what it found, to render into the
/// response document and the outcome after the state's lock is released.
pub(crate) fn handle(st: &mut State, ctx: &Ctx, request: AnyRequest) -> Answer {
    request.dispatch(&mut Handlers { st, ctx })
}

/// The simulator's handler for each function, by the generated
/// [`RequestHandler`](systmone_bindings::RequestHandler): one method per function
/// version in `xsd/`, each calling the function's own file.
struct Handlers<'a, 'c> {
    st: &'a mut State,
    ctx: &'a Ctx<'c>,
}

type Req<P> = systmone_core::Request<P>;

impl systmone_bindings::RequestHandler for Handlers<'_, '_> {
    type Output = Answer;

    /// A function only SystmOne's request schema describes: an empty result.
    fn undescribed(&mut self, _function: &'static str, _version: &'static str) -> Self::Output {
        answer(Ok(NoContent))
    }

    fn data_extract_v1_0(
        &mut self,
        r: Req<systmone_bindings::data_extract_v1_0::DataExtractParameters>,
    ) -> Self::Output {
        answer(data_extract::handle(
            self.st,
            self.ctx,
            r.parameters.as_ref(),
        ))
    }

    fn delete_from_patient_record_v1_0(
        &mut self,
        r: Req<
            systmone_bindings::delete_from_patient_record_v1_0::DeleteFromPatientRecordParameters,
        >,
    ) -> Self::Output {
        answer(delete_from_patient_record::handle(
            self.st,
            self.ctx,
            r.parameters.as_ref(),
        ))
    }

    fn exit_client_v1_0(
        &mut self,
        _: Req<systmone_bindings::exit_client_v1_0::ExitClientParameters>,
    ) -> Self::Output {
        answer(Ok(exit_client::handle()))
    }

    fn get_appointment_slots_v1_0(
        &mut self,
        r: Req<systmone_bindings::get_appointment_slots_v1_0::GetAppointmentSlotsParameters>,
    ) -> Self::Output {
        answer(Ok(get_appointment_slots::handle(
            self.st,
            r.parameters.as_ref(),
        )))
    }

    fn get_current_activity_v1_0(
        &mut self,
        _: Req<systmone_bindings::get_current_activity_v1_0::GetCurrentActivityParameters>,
    ) -> Self::Output {
        answer(Ok(get_current_activity::handle(self.st, self.ctx)))
    }

    fn get_current_selection_v1_0(
        &mut self,
        _: Req<systmone_bindings::get_current_selection_v1_0::GetCurrentSelectionParameters>,
    ) -> Self::Output {
        answer(Ok(get_current_selection::handle(self.st, self.ctx)))
    }

    fn get_diary_v1_0(
        &mut self,
        r: Req<systmone_bindings::get_diary_v1_0::GetDiaryParameters>,
    ) -> Self::Output {
        answer(Ok(get_diary::handle(self.st, r.parameters.as_ref())))
    }

    fn get_document_v1_0(
        &mut self,
        r: Req<systmone_bindings::get_document_v1_0::GetDocumentParameters>,
    ) -> Self::Output {
        answer(get_document::handle(
            self.st,
            self.ctx,
            r.parameters.as_ref(),
        ))
    }

    fn get_functions_v1_0(
        &mut self,
        _: Req<systmone_bindings::get_functions_v1_0::GetFunctionsParameters>,
    ) -> Self::Output {
        answer(Ok(get_functions::handle(self.ctx)))
    }

    fn get_organisation_meta_data_v1_0(
        &mut self,
        r: Req<
            systmone_bindings::get_organisation_meta_data_v1_0::GetOrganisationMetaDataParameters,
        >,
    ) -> Self::Output {
        answer(Ok(get_organisation_meta_data::handle(
            self.st,
            r.parameters.as_ref(),
        )))
    }

    fn get_patient_record_v1_0(
        &mut self,
        r: Req<systmone_bindings::get_patient_record_v1_0::GetPatientRecordParameters>,
    ) -> Self::Output {
        answer(get_patient_record::handle(
            self.st,
            self.ctx,
            r.parameters.as_ref(),
        ))
    }

    fn get_reference_data_v1_0(
        &mut self,
        _: Req<systmone_bindings::get_reference_data_v1_0::GetReferenceDataParameters>,
    ) -> Self::Output {
        answer(Ok(get_reference_data::handle(self.st)))
    }

    fn get_xsd_files_v1_0(
        &mut self,
        r: Req<systmone_bindings::get_xsd_files_v1_0::GetXsdFilesParameters>,
    ) -> Self::Output {
        answer(get_xsd_files::handle(self.ctx, r.parameters.as_ref()))
    }

    fn is_patient_retrieved_v1_0(
        &mut self,
        _: Req<systmone_bindings::is_patient_retrieved_v1_0::IsPatientRetrievedParameters>,
    ) -> Self::Output {
        answer(Ok(is_patient_retrieved::handle(self.st)))
    }

    fn launch_functionality_v1_0(
        &mut self,
        r: Req<systmone_bindings::launch_functionality_v1_0::LaunchFunctionalityParameters>,
    ) -> Self::Output {
        answer(launch_functionality::handle(
            self.st,
            self.ctx,
            r.parameters.as_ref(),
        ))
    }

    fn patient_search_v1_0(
        &mut self,
        r: Req<systmone_bindings::patient_search_v1_0::PatientSearchParameters>,
    ) -> Self::Output {
        answer(patient_search::handle(self.st, r.parameters.as_ref()))
    }

    fn update_patient_record_v1_0(
        &mut self,
        r: Req<systmone_bindings::update_patient_record_v1_0::UpdatePatientRecordParameters>,
    ) -> Self::Output {
        answer(update_patient_record::handle(
            self.st,
            self.ctx,
            r.parameters.as_ref(),
        ))
    }
}

fn need<P>(p: Option<&P>) -> HResult<&P> {
    p.ok_or_else(|| perm("FunctionParameters is missing"))
}
