//! The data items of SystmOne's own schema (FIELD-EVIDENCE F15) that an event holds
//! beside codes, medication issues, narrative and attachments: each a typed part of the
//! practice, written by UpdatePatientRecord and served by GetPatientRecord (F16).
//!
//! Values from fixed lists (a Recall's Status, a Report's Result, ...) are kept as the
//! text SystmOne writes (`1st Recall`, `Abnormal, but expected`); values from the lists
//! each practice configures (F17: a Recall's Type, a Relationship's Type, ...) are open
//! text, and the practice's own lists are in [`ConfiguredLists`]. Absent fields are
//! `null` (or left out) in the JSON; dates are `YYYY-MM-DD`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::AddressData;

/// The lists a practice configures for itself (F17): SystmOne writes them into its own
/// schemas as enumerations, so two practices' lists differ. The generated practice uses
/// its own, and writes may name values that are not in them (they are open text to us).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConfiguredLists {
    /// Recall Type.
    #[serde(default)]
    pub recall_types: Vec<String>,
    /// Letter Type ("Miscellaneous" is always among them: the document says it always
    /// works).
    #[serde(default)]
    pub letter_types: Vec<String>,
    /// Relationship Type.
    #[serde(default)]
    pub relationship_types: Vec<String>,
    /// Activity Performed.
    #[serde(default)]
    pub activity_performed: Vec<String>,
    /// Activity With.
    #[serde(default)]
    pub activity_with: Vec<String>,
    /// CarePlan Category.
    #[serde(default)]
    pub care_plan_categories: Vec<String>,
    /// CarePlan SubCategory.
    #[serde(default)]
    pub care_plan_sub_categories: Vec<String>,
    /// Vaccination PartType.
    #[serde(default)]
    pub vaccination_part_types: Vec<String>,
    /// Task TaskType.
    #[serde(default)]
    pub task_types: Vec<String>,
    /// Task GroupNameAssigned (named after the practice's teams).
    #[serde(default)]
    pub task_groups: Vec<String>,
}

/// A person's name (a Letter's recipient or sender).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PersonNameData {
    /// Title (`Dr`).
    #[serde(default)]
    pub title: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Middle names.
    #[serde(default)]
    pub middle_names: Option<String>,
    /// Surname.
    #[serde(default)]
    pub surname: Option<String>,
}

/// A letter: a document with metadata on its sender and recipient (the document's
/// "Adding a Letter"; F15's order). GetDocument fetches its document by `document_uid`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LetterData {
    /// RecipientName.
    #[serde(default)]
    pub recipient_name: Option<PersonNameData>,
    /// RecipientOrganisation.
    #[serde(default)]
    pub recipient_organisation: Option<String>,
    /// RecipientAddress (empty fields are not sent).
    #[serde(default)]
    pub recipient_address: Option<AddressData>,
    /// SenderName.
    #[serde(default)]
    pub sender_name: Option<PersonNameData>,
    /// SenderOrganisation.
    #[serde(default)]
    pub sender_organisation: Option<String>,
    /// SenderAddress (empty fields are not sent).
    #[serde(default)]
    pub sender_address: Option<AddressData>,
    /// The DocumentUID behind it (in [`super::PatientData::documents`]).
    #[serde(default)]
    pub document_uid: Option<String>,
    /// Type: one of the practice's letter types (F17).
    pub letter_type: String,
    /// Direction: `Incoming`, `Outgoing` or `Other`.
    pub direction: String,
    /// DateSentReceived.
    pub date_sent_received: NaiveDate,
    /// LinkedProblemUID: the problems it is linked to.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// A reminder shown on the record (F15): effective from its event until it expires.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReminderData {
    /// FreeText: the reminder.
    #[serde(default)]
    pub free_text: Option<String>,
    /// Severity: `Low`, `Normal` or `High`.
    #[serde(default)]
    pub severity: Option<String>,
    /// ExpiryDate.
    #[serde(default)]
    pub expiry_date: Option<NaiveDate>,
    /// LinkedProblemUID.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// A recall of the patient (F15), pending or past.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RecallData {
    /// RecallDate: when the patient is due.
    #[serde(default)]
    pub recall_date: Option<NaiveDate>,
    /// Type: one of the practice's recall types (F17).
    #[serde(default)]
    pub recall_type: Option<String>,
    /// FreeText.
    #[serde(default)]
    pub free_text: Option<String>,
    /// Status: `Awaiting Result`, `Pending`, `1st Recall`, `2nd Recall`, `3rd Recall`,
    /// `Seen`, `Cancelled by patient` or `Cancelled by clinician`.
    #[serde(default)]
    pub status: Option<String>,
    /// LinkedProblemUID.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// A vaccination given (F15).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VaccinationData {
    /// BatchNumber.
    #[serde(default)]
    pub batch_number: Option<String>,
    /// Notes (free text).
    #[serde(default)]
    pub notes: Option<String>,
    /// Name: the vaccination.
    #[serde(default)]
    pub name: Option<String>,
    /// PartType: which part of a course, one of the practice's part types (F17).
    #[serde(default)]
    pub part_type: Option<String>,
    /// Dosage (free text, `0.5 ml`).
    #[serde(default)]
    pub dosage: Option<String>,
    /// LinkedProblemUID.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// A drug or appliance, in the scheme it is stored in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrugData {
    /// `Multilex` or `Dmd` (a dm+d product the mapping table knows is stored as Multilex).
    pub scheme: String,
    /// ProductID in `scheme`.
    pub product_id: String,
    /// PackID.
    #[serde(default)]
    pub pack_id: Option<i64>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A repeat medication template (F15): issues follow until it is reviewed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RepeatMedicationData {
    /// Drug.
    #[serde(default)]
    pub drug: Option<DrugData>,
    /// Dose (free text).
    #[serde(default)]
    pub dose: Option<String>,
    /// Quantity with its unit (free text, `28 tablet`).
    #[serde(default)]
    pub quantity: Option<String>,
    /// StartDate (the event's date when absent).
    #[serde(default)]
    pub start_date: Option<NaiveDate>,
    /// MaxIssues: issues allowed before a review.
    #[serde(default)]
    pub max_issues: Option<i64>,
    /// ReviewDate.
    #[serde(default)]
    pub review_date: Option<NaiveDate>,
    /// IssueDurationDays: the days each issue lasts.
    #[serde(default)]
    pub issue_duration_days: Option<i64>,
    /// MedicationType: `NHS medication` or `Private issue`.
    #[serde(default)]
    pub medication_type: Option<String>,
    /// LinkedProblemUID.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// An instruction of a care plan or patient plan (CarePlanInstruction).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InstructionData {
    /// InstructionText.
    #[serde(default)]
    pub text: Option<String>,
    /// Order: its place in the plan.
    #[serde(default)]
    pub order: Option<i64>,
    /// Responsibility (care plans): `Social Care Co-ordinator`, `Nurse`, `Carer`,
    /// `Therapist`, `Assistant` or `Practitioner`.
    #[serde(default)]
    pub responsibility: Option<String>,
}

/// A patient plan (F15): text and its instructions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PatientPlanData {
    /// PatientPlan: the plan's text.
    #[serde(default)]
    pub text: Option<String>,
    /// Items: the instructions (`None` when the plan has no Items element).
    #[serde(default)]
    pub items: Option<Vec<InstructionData>>,
    /// LinkedProblemUID.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// A care plan (F15).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CarePlanData {
    /// CarePlanName.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Category: one of the practice's care plan categories (F17).
    #[serde(default)]
    pub category: Option<String>,
    /// SubCategory: one of the practice's care plan sub-categories (F17).
    #[serde(default)]
    pub sub_category: Option<String>,
    /// Aim: empty, `Assessment`, `Enabling`, `Supportive`, `Curative`,
    /// `Rehabilitation`, `Maintenance` or `Anticipatory`.
    #[serde(default)]
    pub aim: Option<String>,
    /// ReviewDate.
    #[serde(default)]
    pub review_date: Option<NaiveDate>,
    /// CarePlanInstruction, in order.
    #[serde(default)]
    pub instructions: Vec<InstructionData>,
    /// LinkedProblemUID.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// A relationship of the patient (F15): a relative, carer or other contact; effective
/// from its event until `end_date`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RelationshipData {
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// FirstName.
    #[serde(default)]
    pub first_name: Option<String>,
    /// MiddleNames.
    #[serde(default)]
    pub middle_names: Option<String>,
    /// Surname.
    #[serde(default)]
    pub surname: Option<String>,
    /// Address (empty fields are not sent).
    #[serde(default)]
    pub address: Option<AddressData>,
    /// Type: one of the practice's relationship types (F17).
    #[serde(default)]
    pub relationship_type: Option<String>,
    /// OrganisationName.
    #[serde(default)]
    pub organisation_name: Option<String>,
    /// Telephone.
    #[serde(default)]
    pub telephone: Option<String>,
    /// WorkContact.
    #[serde(default)]
    pub work_contact: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// EndDate: when the relationship ended.
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
    /// DateOfBirth.
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
    /// LinkedProblemUID.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// A follow-up action of a report (FollowUpAction).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FollowUpData {
    /// Action (`No Further Action`, `Need to repeat test`, `Other`, ...).
    #[serde(default)]
    pub action: Option<String>,
    /// Comments.
    #[serde(default)]
    pub comments: Option<String>,
}

/// A report, such as a pathology result (F15). The results themselves are the coded
/// readings (ClinicalCode with Value and Units) of the same event, which the Results
/// filter returns with the report.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReportData {
    /// BatteryHeaders: the test battery (`Urea and electrolytes`).
    #[serde(default)]
    pub battery_headers: Option<String>,
    /// IssueDate.
    #[serde(default)]
    pub issue_date: Option<NaiveDate>,
    /// Result: `Normal`, `Abnormal, but expected`, ... (F15's list).
    #[serde(default)]
    pub result: Option<String>,
    /// Comments.
    #[serde(default)]
    pub comments: Option<String>,
    /// PatientToBeInformed: whether the patient is to be told.
    #[serde(default)]
    pub patient_to_be_informed: bool,
    /// CollectionDate: when the sample was taken.
    #[serde(default)]
    pub collection_date: Option<NaiveDate>,
    /// Type: `Pathology`, `Radiology`, `Blood Spot` or `Screening`.
    #[serde(default)]
    pub report_type: Option<String>,
    /// FollowUpActions (`None` when the report has no FollowUpActions element).
    #[serde(default)]
    pub follow_up_actions: Option<Vec<FollowUpData>>,
    /// LinkedProblemUID.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// An activity, such as a contact with the patient (F15).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ActivityData {
    /// Performed: one of the practice's activities (F17).
    #[serde(default)]
    pub performed: Option<String>,
    /// With: who it was with, from the practice's list (F17).
    #[serde(default)]
    pub with: Option<String>,
    /// Method: `Face to face`, `Telephone`, ... (the list of Event/@Method).
    #[serde(default)]
    pub method: Option<String>,
    /// Duration in minutes.
    #[serde(default)]
    pub duration: Option<i64>,
    /// LinkedProblemUID.
    #[serde(default)]
    pub problems: Vec<String>,
}
