//! One typed method per interface function, each a thin call into [`Client::call`].

use systmone_bindings::{
    data_extract_v1_0 as data_extract, delete_from_patient_record_v1_0 as delete,
    exit_client_v1_0 as exit_client, get_appointment_slots_v1_0 as slots,
    get_current_activity_v1_0 as activity, get_current_selection_v1_0 as selection,
    get_diary_v1_0 as diary, get_document_v1_0 as document, get_functions_v1_0 as functions,
    get_organisation_meta_data_v1_0 as organisation, get_patient_record_v1_0 as record,
    get_reference_data_v1_0 as reference, get_xsd_files_v1_0 as xsd,
    is_patient_retrieved_v1_0 as retrieved, launch_functionality_v1_0 as launch,
    patient_search_v1_0 as search, update_patient_record_v1_0 as update,
};

use crate::{Client, Error};

impl Client {
    /// GetFunctions: the functions and versions SystmOne supports.
    pub async fn get_functions(&self) -> Result<functions::GetFunctionsResult, Error> {
        self.call::<functions::GetFunctionsV1_0>(functions::GetFunctionsParameters::default())
            .await
    }

    /// GetOrganisationMetaData: sites, users, slot and clinic types.
    pub async fn get_organisation_meta_data(
        &self,
        parameters: organisation::GetOrganisationMetaDataParameters,
    ) -> Result<organisation::GetOrganisationMetaDataResult, Error> {
        self.call::<organisation::GetOrganisationMetaDataV1_0>(parameters)
            .await
    }

    /// GetCurrentActivity: the screen SystmOne is on and the open record.
    pub async fn get_current_activity(&self) -> Result<activity::GetCurrentActivityResult, Error> {
        self.call::<activity::GetCurrentActivityV1_0>(
            activity::GetCurrentActivityParameters::default(),
        )
        .await
    }

    /// GetCurrentSelection: the drugs and codes selected on the active screen.
    pub async fn get_current_selection(
        &self,
    ) -> Result<selection::GetCurrentSelectionResult, Error> {
        self.call::<selection::GetCurrentSelectionV1_0>(
            selection::GetCurrentSelectionParameters::default(),
        )
        .await
    }

    /// PatientSearch: at least two constraints.
    pub async fn patient_search(
        &self,
        parameters: search::PatientSearchParameters,
    ) -> Result<search::PatientSearchResult, Error> {
        self.call::<search::PatientSearchV1_0>(parameters).await
    }

    /// GetPatientRecord: all or part of a record (throttled to once per 30 s unless
    /// demographics only or entered today; the client paces itself).
    pub async fn get_patient_record(
        &self,
        parameters: record::GetPatientRecordParameters,
    ) -> Result<record::GetPatientRecordResult, Error> {
        self.call::<record::GetPatientRecordV1_0>(parameters).await
    }

    /// UpdatePatientRecord: a write, never retried automatically.
    pub async fn update_patient_record(
        &self,
        parameters: update::UpdatePatientRecordParameters,
    ) -> Result<update::UpdatePatientRecordResult, Error> {
        self.call::<update::UpdatePatientRecordV1_0>(parameters)
            .await
    }

    /// GetDocument: writes a letter's or attachment's file into `WriteTo`.
    pub async fn get_document(
        &self,
        parameters: document::GetDocumentParameters,
    ) -> Result<document::GetDocumentResult, Error> {
        self.call::<document::GetDocumentV1_0>(parameters).await
    }

    /// DeleteFromPatientRecord: a write, never retried automatically.
    pub async fn delete_from_patient_record(
        &self,
        parameters: delete::DeleteFromPatientRecordParameters,
    ) -> Result<delete::DeleteFromPatientRecordResult, Error> {
        self.call::<delete::DeleteFromPatientRecordV1_0>(parameters)
            .await
    }

    /// GetAppointmentSlots: free slots.
    pub async fn get_appointment_slots(
        &self,
        parameters: slots::GetAppointmentSlotsParameters,
    ) -> Result<slots::GetAppointmentSlotsResult, Error> {
        self.call::<slots::GetAppointmentSlotsV1_0>(parameters)
            .await
    }

    /// GetDiary: up-coming appointments and visits.
    pub async fn get_diary(
        &self,
        parameters: diary::GetDiaryParameters,
    ) -> Result<diary::GetDiaryResult, Error> {
        self.call::<diary::GetDiaryV1_0>(parameters).await
    }

    /// ExitClient: makes SystmOne exit to desktop.
    pub async fn exit_client(&self) -> Result<exit_client::ExitClientResult, Error> {
        self.call::<exit_client::ExitClientV1_0>(exit_client::ExitClientParameters::default())
            .await
    }

    /// DataExtract: downloads a Strategic Reporting extract.
    pub async fn data_extract(
        &self,
        parameters: data_extract::DataExtractParameters,
    ) -> Result<data_extract::DataExtractResult, Error> {
        self.call::<data_extract::DataExtractV1_0>(parameters).await
    }

    /// LaunchFunctionality: opens SystmOne's own user interface for a patient.
    pub async fn launch_functionality(
        &self,
        parameters: launch::LaunchFunctionalityParameters,
    ) -> Result<launch::LaunchFunctionalityResult, Error> {
        self.call::<launch::LaunchFunctionalityV1_0>(parameters)
            .await
    }

    /// GetXSDFiles: makes SystmOne write its XSD files.
    pub async fn get_xsd_files(
        &self,
        parameters: xsd::GetXsdFilesParameters,
    ) -> Result<xsd::GetXsdFilesResult, Error> {
        self.call::<xsd::GetXsdFilesV1_0>(parameters).await
    }

    /// GetReferenceData: numeric Read codes and their units.
    pub async fn get_reference_data(&self) -> Result<reference::GetReferenceDataResult, Error> {
        self.call::<reference::GetReferenceDataV1_0>(
            reference::GetReferenceDataParameters::default(),
        )
        .await
    }

    /// IsPatientRetrieved: whether a record is open.
    pub async fn is_patient_retrieved(&self) -> Result<retrieved::IsPatientRetrievedResult, Error> {
        self.call::<retrieved::IsPatientRetrievedV1_0>(
            retrieved::IsPatientRetrievedParameters::default(),
        )
        .await
    }
}
