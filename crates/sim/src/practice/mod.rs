//! The simulated practice: its data model (here; serialisable as JSON, the `--data`
//! format) and NHS number checks; the built-in practice generated deterministically
//! from a seed (`generate.rs`), with the document's example patients
//! (`document_examples.rs`); the data items of SystmOne's own schema (`items.rs`); the
//! small code mapping tables (`codes.rs`: CTV3 <-> Snomed, Multilex <-> dm+d); the PRNG
//! (`rng.rs`).
//!
//! # The `--data` file format
//!
//! A JSON document holding one [`Practice`]: `sites`, `users`, `slot_types`,
//! `clinic_types`, `slots` (every appointment slot, with `booked` set to the
//! AppointmentUID when taken), `patients` (demographics, `events` with typed `items`,
//! `appointments` with their `flags`, `visits`, `tasks`, `documents`), `numeric_units`,
//! `extracts`, `owners` (UID -> Device ID that added it, for DeleteFromPatientRecord),
//! `known_devices` and `lists` (the practice's configured lists, F17:
//! [`ConfiguredLists`]). Dates are `YYYY-MM-DD`, date-times `YYYY-MM-DDTHH:MM:SS`; a
//! field that may be absent is `null` or left out. Write the built-in practice with
//! `systmone-sim --dump-practice FILE` (or [`Practice::to_json`]) to get a template.
//!
//! Each item of an event is an object tagged by `type` ([`ItemData`]), one for each data
//! item UpdatePatientRecord writes and GetPatientRecord returns: `Code` (a ClinicalCode:
//! a coded entry, a reading with `value` and `units`, or a problem written with
//! `problem_severity`), `Medication`, `Sensitivity`, `Narrative`, `Letter`,
//! `Attachment`, and F15's `Reminder`, `Recall`, `Vaccination`, `RepeatMedication`,
//! `PatientPlan`, `CarePlan`, `Relationship`, `Report`, `Activity`; also `Problem` and
//! `Referral` (generated records), `LinkedProblem` (an event-level LinkedProblemUID) and
//! `Raw` (an element the bindings do not describe, as XML). Values of SystmOne's fixed
//! lists are its own text (`"status": "1st Recall"`). An event with one of each of the
//! new items:
//!
//! ```
//! # use systmone_sim::practice::{EventData, ItemData};
//! let event: EventData = serde_json::from_str(r#"{
//!   "uid": "5e1a09c400000000", "date_time": "2026-11-20T09:30:00",
//!   "entered": "2026-11-20T09:30:00", "user_name": "dlittler2405",
//!   "done_by": "Drew Littler", "done_at": "The Real Surgery", "software": null,
//!   "method": "Face to face", "linked_referral_uid": null,
//!   "items": [
//!     {"type": "Code", "code": {"scheme": "CTV3", "code": "2469.", "term": null},
//!      "value": 142.0, "units": "mmHg", "comparator": null, "free_text": null},
//!     {"type": "Reminder", "free_text": "Needs an interpreter", "severity": "High",
//!      "expiry_date": "2027-11-20"},
//!     {"type": "Recall", "recall_date": "2027-05-20", "recall_type": "Hypertension review",
//!      "status": "Pending", "free_text": null},
//!     {"type": "Vaccination", "name": "Influenza vaccine", "batch_number": "FL4821K",
//!      "part_type": "Annual dose", "dosage": "0.5 ml", "notes": "Left deltoid"},
//!     {"type": "RepeatMedication",
//!      "drug": {"scheme": "Multilex", "product_id": "1031542", "name": "Ramipril 5mg capsules"},
//!      "dose": "one daily", "quantity": "28 capsule", "start_date": "2026-11-20",
//!      "max_issues": 6, "review_date": "2027-05-20", "issue_duration_days": 28,
//!      "medication_type": "NHS medication"},
//!     {"type": "PatientPlan", "text": "Walk for 30 minutes a day",
//!      "items": [{"text": "Keep a blood pressure diary", "order": 1}]},
//!     {"type": "CarePlan", "name": "Hypertension care plan", "category": "Long Term Conditions",
//!      "sub_category": "Cardiovascular", "aim": "Maintenance", "review_date": "2027-05-20",
//!      "instructions": [{"text": "Check BP monthly", "order": 1, "responsibility": "Nurse"}]},
//!     {"type": "Relationship", "title": "Mr", "first_name": "Tom", "surname": "Smith",
//!      "relationship_type": "Son", "telephone": "01134960123",
//!      "address": {"house_number": "4", "road": "Troy Road", "postcode": "LS18 5TN"}},
//!     {"type": "Report", "battery_headers": "Urea and electrolytes",
//!      "issue_date": "2026-11-19", "collection_date": "2026-11-17",
//!      "result": "Abnormal, but expected", "report_type": "Pathology",
//!      "patient_to_be_informed": true,
//!      "follow_up_actions": [{"action": "Need to repeat test", "comments": "In 4 weeks"}]},
//!     {"type": "Activity", "performed": "Blood pressure check", "with": "Patient",
//!      "method": "Face to face", "duration": 10}
//!   ]
//! }"#).unwrap();
//! assert_eq!(event.items.len(), 10);
//! assert!(matches!(&event.items[8], ItemData::Report(r) if r.patient_to_be_informed));
//! ```

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

mod codes;
mod document_examples;
mod generate;
mod items;
mod rng;
mod test_patients;

pub use codes::{
    CODES, DRUGS, ctv3_term, ctv3_to_snomed, dmd_to_multilex, drug_name, multilex_to_dmd,
    snomed_to_ctv3,
};
pub use document_examples::DOCUMENT_EXAMPLE_NUMBERS;
pub use items::{
    ActivityData, CarePlanData, ConfiguredLists, DrugData, FollowUpData, InstructionData,
    LetterData, PatientPlanData, PersonNameData, RecallData, RelationshipData, ReminderData,
    RepeatMedicationData, ReportData, VaccinationData,
};
pub use rng::Rng;
pub use test_patients::test_patients_toml;

/// A whole practice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Practice {
    /// The practice's sites (GetOrganisationMetaData).
    pub sites: Vec<SiteData>,
    /// The practice's users (GetOrganisationMetaData); the one with `current` set is logged
    /// on.
    pub users: Vec<UserData>,
    /// The slot types GetOrganisationMetaData lists and slots use.
    pub slot_types: Vec<String>,
    /// The clinic types GetOrganisationMetaData lists and slots use.
    pub clinic_types: Vec<String>,
    /// Every appointment slot, free or booked (GetAppointmentSlots, GetDiary).
    pub slots: Vec<SlotData>,
    /// Every patient record.
    pub patients: Vec<PatientData>,
    /// The units of numeric codes (GetReferenceData's NumericReadCodeUnits).
    pub numeric_units: Vec<NumericUnit>,
    /// Strategic Reporting extracts DataExtract can download, by name.
    pub extracts: Vec<String>,
    /// UID (event, appointment, visit, task) -> the Device ID that added it.
    #[serde(default)]
    pub owners: BTreeMap<String, String>,
    /// Device IDs approved before the simulator started (the document's examples).
    #[serde(default)]
    pub known_devices: Vec<String>,
    /// The lists this practice configures for itself (F17).
    #[serde(default)]
    pub lists: ConfiguredLists,
}

/// A postal address, as SystmOne's Address element holds it; an empty field is sent as an
/// empty element.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AddressData {
    /// The house name.
    #[serde(default)]
    pub house_name: String,
    /// The house number.
    #[serde(default)]
    pub house_number: String,
    /// The road.
    #[serde(default)]
    pub road: String,
    /// The locality (village or district within the town).
    #[serde(default)]
    pub locality: String,
    /// The post town.
    #[serde(default)]
    pub town: String,
    /// The county.
    #[serde(default)]
    pub county: String,
    /// The postcode (`LS18 5PX`).
    #[serde(default)]
    pub postcode: String,
}

/// A site (surgery or branch) of the practice, as GetOrganisationMetaData sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteData {
    /// The site's name.
    pub name: String,
    /// The site's ID (`B11111`).
    pub id: String,
    /// The site's telephone number.
    pub telephone: Option<String>,
    /// The site's fax number.
    pub fax: Option<String>,
    /// The site's email address.
    pub email: Option<String>,
    /// The site's address.
    pub address: AddressData,
    /// Whether it is the practice's main site (PrimarySite).
    pub primary: bool,
    /// Whether the client is at this site (CurrentSite).
    pub current: bool,
}

/// A SystmOne user (staff member), as GetOrganisationMetaData sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserData {
    /// Title (`Dr`).
    pub title: String,
    /// First name.
    pub first_name: String,
    /// Middle names, space-separated (may be empty).
    pub middle_names: String,
    /// Surname.
    pub surname: String,
    /// The user name other functions name the user by (UsualGPUserName, an event's
    /// UserName, a slot's clinician).
    pub user_name: String,
    /// `M`, `F` or empty.
    pub gender: String,
    /// The role as text (`General Medical Practitioner`).
    pub role: String,
    /// The role's national (RBAC) code (`S0010:G0020:R0260`).
    pub role_code: String,
    /// The user's professional registration number (a GMC number for a GP, an NMC number
    /// for a nurse).
    pub national_id: String,
    /// The register `national_id` is in (`GMC`, `NMC`).
    pub national_id_type: String,
    /// The access rights granted (AccessRights/Access).
    pub access_rights: Vec<String>,
    /// The user groups the user is in (UserGroups/Group).
    pub groups: Vec<String>,
    /// Whether this user is logged on (CurrentUser).
    pub current: bool,
}

impl UserData {
    /// "LITTLER, Drew" style, as appointments show the clinician.
    pub fn clinician_name(&self) -> String {
        format!("{}, {}", self.surname.to_uppercase(), self.first_name)
    }

    /// "Drew Littler" style, as events show DoneBy.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.surname)
    }
}

/// An appointment slot in a clinician's diary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotData {
    /// The clinician's user name.
    pub user_name: String,
    /// The site's name.
    pub site_name: String,
    /// The clinic type (one of [`Practice::clinic_types`]).
    pub clinic_type: String,
    /// The slot type (one of [`Practice::slot_types`]).
    pub slot_type: String,
    /// When it starts (local time).
    pub start: NaiveDateTime,
    /// Its length in minutes.
    pub duration: u32,
    /// The AppointmentUID booked into this slot, if any.
    pub booked: Option<String>,
}

/// The unit of a numeric code (GetReferenceData's NumericReadCodeUnits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericUnit {
    /// The code whose readings (ClinicalCode Value) have this unit (`22K..`).
    pub code: String,
    /// The unit as text (`kg`, `kg/m2`, `mmHg`).
    pub units: String,
    /// When the unit was set; the latest entry of a code is the one in force.
    pub created: NaiveDateTime,
}

/// A clinical code of the practice (a CTV3 or Snomed code and its term); sent in the scheme
/// the caller asked for, mapped through [`ctv3_to_snomed`] and [`snomed_to_ctv3`] when the
/// mapping table has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeData {
    /// `CTV3` or `Snomed`.
    pub scheme: String,
    /// The code in that scheme.
    pub code: String,
    /// The code's term (rubric), if known.
    pub term: Option<String>,
}

impl CodeData {
    /// A CTV3 code, with its term from the built-in table when it has one.
    pub fn ctv3(code: &str) -> Self {
        CodeData {
            scheme: "CTV3".into(),
            code: code.into(),
            term: ctv3_term(code).map(str::to_string),
        }
    }
}

/// A patient record: identity, demographics, the journal of events, and the appointments,
/// home visits, tasks and documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientData {
    /// The NHS number, if the record has one.
    pub nhs_number: Option<String>,
    /// The pseudo number, when the record has no NHS number.
    pub pseudo_number: Option<String>,
    /// The Strategic Reporting Identifier (Identity/StrategicReportingIdentifier); it
    /// also identifies the patient in DataExtract's files.
    pub sr_id: u64,
    /// One of the document's own example patients (their numbers may fail modulus 11).
    #[serde(default)]
    pub document_example: bool,
    /// Title (`Mrs`).
    pub title: String,
    /// First name.
    pub first_name: String,
    /// Middle names, space-separated (may be empty).
    pub middle_names: String,
    /// Surname.
    pub surname: String,
    /// The name the patient is known by (may be empty).
    pub known_as: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// M, F, I or U.
    pub sex: String,
    /// Marital status, coded (Demographics/MaritalStatus).
    pub marital_status: Option<CodeData>,
    /// Ethnicity, coded (Demographics/Ethnicity).
    pub ethnicity: Option<CodeData>,
    /// Main language, coded (Demographics/MainLanguage).
    pub main_language: Option<CodeData>,
    /// Yes, No or Unknown.
    pub english_speaker: String,
    /// The home address.
    pub address: Option<AddressData>,
    /// Home telephone number (may be empty).
    pub home_telephone: String,
    /// Work telephone number (may be empty).
    pub work_telephone: String,
    /// Mobile telephone number (may be empty).
    pub mobile_telephone: String,
    /// Another telephone number (may be empty).
    pub alternate_telephone: String,
    /// Email address (may be empty).
    pub email: String,
    /// Yes, No or empty.
    pub sms_consent: String,
    /// The usual GP's user name (Demographics/UsualGPUserName).
    pub usual_gp: String,
    /// When the patient's registration at the practice started
    /// (Demographics/CareStartDate).
    pub care_start: NaiveDate,
    /// The registration type (`GMS`, `Private`, or other text).
    pub registration_type: Option<String>,
    /// The journal: every event, oldest first (GetPatientRecord's Clinical section).
    pub events: Vec<EventData>,
    /// The patient's appointments (GetPatientRecord's PatientAppointments).
    pub appointments: Vec<AppointmentData>,
    /// The patient's home visits.
    pub visits: Vec<VisitData>,
    /// Tasks about the patient.
    pub tasks: Vec<TaskData>,
    /// DocumentUID -> the document behind a letter or attachment.
    #[serde(default)]
    pub documents: BTreeMap<String, DocumentData>,
}

impl PatientData {
    /// The number identifying the record (NHS number, else pseudo number).
    pub fn key(&self) -> &str {
        self.nhs_number
            .as_deref()
            .or(self.pseudo_number.as_deref())
            .unwrap_or("")
    }

    /// Every telephone number on the record.
    pub fn phones(&self) -> [&str; 4] {
        [
            &self.home_telephone,
            &self.mobile_telephone,
            &self.work_telephone,
            &self.alternate_telephone,
        ]
    }
}

/// A document behind a letter or attachment, which GetDocument writes into the root
/// directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentData {
    /// The name GetDocument writes it under.
    pub file_name: String,
    /// The document's text.
    pub content: String,
}

/// An event in the patient's journal (a consultation or other entry) and its data items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    /// The EventUID.
    pub uid: String,
    /// When it happened (local time): the effective date the record filter's effective
    /// dates compare.
    pub date_time: NaiveDateTime,
    /// When it was entered (defaults to the event's date).
    pub entered: NaiveDateTime,
    /// The user name of who did it (UserName).
    pub user_name: Option<String>,
    /// Who did it as SystmOne shows them (DoneBy, `SURNAME, Forename (Role)`,
    /// FIELD-EVIDENCE F7).
    pub done_by: Option<String>,
    /// Where it was done (DoneAt: a site or organisation name).
    pub done_at: Option<String>,
    /// The software that entered it (Software, F7), when not SystmOne itself.
    pub software: Option<String>,
    /// How it took place (Method, F15: `Face to face`, `Telephone`, ...).
    #[serde(default)]
    pub method: Option<String>,
    /// The referral the event belongs to (LinkedReferralUID).
    pub linked_referral_uid: Option<String>,
    /// The data items, in order.
    pub items: Vec<ItemData>,
}

/// A data item of an event, tagged by `type` in the JSON (`{"type": "Recall",
/// "recall_date": "2026-12-01", ...}`). Every item UpdatePatientRecord can write is one
/// of these, typed; `Raw` keeps only elements the bindings do not describe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ItemData {
    /// A clinical code (ClinicalCode): a coded entry, a reading (`value` with `units`,
    /// F15) or, with `problem_uid`, a problem written as a code with problem fields
    /// (F3).
    Code {
        /// The code.
        code: CodeData,
        /// Episodicity: `New` or `Ongoing`.
        #[serde(default)]
        episodicity: Option<String>,
        /// The reading's Value.
        value: Option<f64>,
        /// The Value's Units (`mmHg`; GetReferenceData lists each numeric code's units).
        #[serde(default)]
        units: Option<String>,
        /// Comparator: a code from `3` to `8` (F15).
        #[serde(default)]
        comparator: Option<String>,
        /// ProblemUID, when the code was written as a problem (with a ProblemSeverity):
        /// the UID the simulator gave it, which LinkedProblemUID may then name.
        #[serde(default)]
        problem_uid: Option<String>,
        /// ProblemSeverity: `Major` or `Minor`.
        #[serde(default)]
        problem_severity: Option<String>,
        /// ProblemEndDate.
        #[serde(default)]
        problem_end_date: Option<NaiveDate>,
        /// FreeText entered with the code.
        free_text: Option<String>,
        /// The ProblemUIDs it is linked to (LinkedProblemUID).
        #[serde(default)]
        problems: Vec<String>,
    },
    /// A medication issue (acute, or an issue of a repeat).
    Medication {
        /// Multilex product ID (or a dm+d ID when `scheme` is `Dmd`).
        scheme: String,
        /// The drug's ID in `scheme`.
        product_id: String,
        /// The drug's PackID (F15).
        #[serde(default)]
        pack_id: Option<i64>,
        /// The drug's name.
        name: Option<String>,
        /// MedicationType: `NHS medication` (when absent) or `Private issue`.
        #[serde(default)]
        medication_type: Option<String>,
        /// When it starts (the event's date when absent).
        #[serde(default)]
        start: Option<NaiveDate>,
        /// Days the prescription lasts (effective period; EndDate is `start` + `days`).
        days: u32,
        /// Dosage instructions as free text (FIELD-EVIDENCE F2).
        #[serde(default)]
        dose: Option<String>,
        /// Quantity with its unit, free text (F2: `28 tablet`).
        #[serde(default)]
        quantity: Option<String>,
        /// RepeatIssue: an issue of a repeat medication (F15).
        #[serde(default)]
        repeat_issue: bool,
        /// The ProblemUIDs it is linked to (LinkedProblemUID).
        #[serde(default)]
        problems: Vec<String>,
        /// Other children, kept as XML.
        #[serde(default)]
        extra_xml: Vec<String>,
    },
    /// A drug sensitivity or allergy (DrugSensitivity).
    Sensitivity {
        /// Type: `Ingredient` or `Drug`.
        kind: String,
        /// The ingredient's Multilex ID (no Ingredient element is sent when empty, as
        /// for a sensitivity written by UpdatePatientRecord, whose schema has none).
        #[serde(default)]
        ingredient_id: String,
        /// The ingredient's name.
        #[serde(default)]
        name: String,
        /// The drug as the SystmOne front end names it (Ingredient/@Details).
        #[serde(default)]
        details: String,
        /// FreeText.
        #[serde(default)]
        free_text: Option<String>,
        /// The ProblemUIDs it is linked to (LinkedProblemUID).
        #[serde(default)]
        problems: Vec<String>,
    },
    /// Free text (Narrative, F1): its Line elements, each kept exactly.
    Narrative {
        /// The lines.
        lines: Vec<String>,
        /// The ProblemUIDs it is linked to (LinkedProblemUID).
        #[serde(default)]
        problems: Vec<String>,
    },
    /// A letter (boxed: its names and addresses make it the largest item).
    Letter(Box<LetterData>),
    /// An attached document (Attachment, F5).
    Attachment {
        /// The attached file's name and size as SystmOne shows them (F5).
        #[serde(default)]
        file_name: Option<String>,
        /// The size as SystmOne shows it (`14236 bytes`).
        #[serde(default)]
        file_size: Option<String>,
        /// The DocumentUID: GetDocument fetches it from [`PatientData::documents`].
        document_uid: Option<String>,
        /// A URL for the document, if it has one.
        url: Option<String>,
        /// Comments on the attachment.
        comments: Option<String>,
        /// The ProblemUIDs it is linked to (LinkedProblemUID).
        #[serde(default)]
        problems: Vec<String>,
    },
    /// A problem: a clinical code with problem fields (FIELD-EVIDENCE F3).
    Problem {
        /// The ProblemUID other items link to.
        problem_uid: String,
        /// The problem's code.
        code: CodeData,
        /// `Active` (sent as a Major problem with no end date) or anything else (Minor,
        /// ended on the event's date).
        status: String,
    },
    /// A referral, sent as a Referral element.
    Referral {
        /// The ReferralUID events link to.
        referral_uid: String,
        /// `Incoming` or `Outgoing`.
        direction: String,
        /// The service referred to.
        service: String,
        /// Effective until (open when absent).
        closed: Option<NaiveDate>,
    },
    /// A reminder (F15; the Reminders filter).
    Reminder(ReminderData),
    /// A recall (F15; the Recalls filter).
    Recall(RecallData),
    /// A vaccination (F15; the Vaccinations filter).
    Vaccination(VaccinationData),
    /// A repeat medication template (F15; the Medication filter).
    RepeatMedication(RepeatMedicationData),
    /// A patient plan (F15; the CarePlans filter).
    PatientPlan(PatientPlanData),
    /// A care plan (F15; the CarePlans filter).
    CarePlan(CarePlanData),
    /// A relationship (F15; the Relationships filter; boxed, for its address).
    Relationship(Box<RelationshipData>),
    /// A report such as a pathology result (F15; the Results filter).
    Report(ReportData),
    /// An activity (F15; the Activity filter).
    Activity(ActivityData),
    /// An event-level link to a problem.
    LinkedProblem {
        /// The ProblemUID.
        problem_uid: String,
    },
    /// Any other element, kept as XML.
    Raw {
        /// The element's name (for the record filter's categories).
        name: String,
        /// The element as XML.
        xml: String,
    },
}

impl ItemData {
    /// A coded entry with nothing but its code.
    pub fn code(code: CodeData) -> Self {
        ItemData::Code {
            code,
            episodicity: None,
            value: None,
            units: None,
            comparator: None,
            problem_uid: None,
            problem_severity: None,
            problem_end_date: None,
            free_text: None,
            problems: Vec::new(),
        }
    }

    /// A coded reading: a Value in its Units (F15).
    pub fn reading(code: CodeData, value: f64, units: &str) -> Self {
        ItemData::Code {
            code,
            episodicity: None,
            value: Some(value),
            units: Some(units.to_string()),
            comparator: None,
            problem_uid: None,
            problem_severity: None,
            problem_end_date: None,
            free_text: None,
            problems: Vec::new(),
        }
    }

    /// The ProblemUID this item is, if it is a problem (F3).
    pub fn problem_uid(&self) -> Option<&str> {
        match self {
            ItemData::Problem { problem_uid, .. } => Some(problem_uid),
            ItemData::Code {
                problem_uid: Some(uid),
                ..
            } => Some(uid),
            _ => None,
        }
    }
}

/// A booked appointment (a slot taken for the patient).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointmentData {
    /// The AppointmentUID.
    pub uid: String,
    /// When it starts (local time).
    pub start: NaiveDateTime,
    /// Its length in minutes.
    pub duration: u32,
    /// The clinician's user name.
    pub user_name: String,
    /// The site's name.
    pub site_name: String,
    /// The clinic type.
    pub clinic_type: String,
    /// The slot type.
    pub slot_type: String,
    /// SystmOne's status text (`Booked`, `Arrived`, `Finished`, `Cancelled`, `Did Not
    /// Attend`, ...). GetPatientRecord lists only pending appointments: all but
    /// cancelled, finished, left and did-not-attend (`DNA`) ones.
    pub status: String,
    /// Comments made when booking (F18: the reason a kiosk's patient gave).
    pub comments: Option<String>,
    /// The flags shown on the appointment (F15, F18: a kiosk's booking writes `Booked
    /// via Touch Screen`; F20: GetDiary sends them, repeated).
    #[serde(default)]
    pub flags: Vec<String>,
    /// The referral it is linked to (LinkedReferralUID, F15).
    #[serde(default)]
    pub linked_referral_uid: Option<String>,
}

/// A home visit (a booking in the visits diary).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitData {
    /// The VisitUID.
    pub uid: String,
    /// When it is (local time).
    pub date_time: NaiveDateTime,
    /// Its length in minutes (fractional minutes are possible on the wire).
    pub duration: f64,
    /// Comments on the visit.
    pub comments: Option<String>,
    /// The visiting clinician's user name, if assigned.
    pub user_name: Option<String>,
    /// The visit's status (F15).
    #[serde(default)]
    pub status: Option<String>,
    /// The referral it is linked to (LinkedReferralUID, F15).
    #[serde(default)]
    pub linked_referral_uid: Option<String>,
}

/// A task about the patient (a job for a user); sent in the real shape (FIELD-EVIDENCE F6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskData {
    /// The TaskUID.
    pub uid: String,
    /// The task's type (`Review`).
    pub task_type: Option<String>,
    /// When it was made (local time).
    pub date_time: Option<NaiveDateTime>,
    /// The message; the Content sent starts with a line naming when and by whom it was
    /// made.
    pub comments: Option<String>,
    /// The user who made it.
    pub user_name: Option<String>,
    /// Whether it is done (Status `Completed`, else `Not Started`).
    #[serde(default)]
    pub completed: bool,
    /// When it is due (Due, F15).
    #[serde(default)]
    pub due: Option<NaiveDateTime>,
    /// The user it is assigned to (UserNameAssigned, F15).
    #[serde(default)]
    pub user_name_assigned: Option<String>,
    /// The group it is assigned to (GroupNameAssigned, F15; one of the practice's
    /// [`ConfiguredLists::task_groups`], F17).
    #[serde(default)]
    pub group_name_assigned: Option<String>,
}

/// Whether `number` is a ten-digit NHS number with a valid modulus 11 check digit.
pub fn nhs_number_is_valid(number: &str) -> bool {
    let digits: Vec<u32> = number.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 10 || number.len() != 10 {
        return false;
    }
    nhs_check_digit(&digits[..9]) == Some(digits[9])
}

fn nhs_check_digit(first9: &[u32]) -> Option<u32> {
    let sum: u32 = first9
        .iter()
        .enumerate()
        .map(|(i, d)| d * (10 - i as u32))
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => Some(c),
    }
}

impl Practice {
    /// Serialises the practice as JSON (the `--data` format).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a practice written by [`Practice::to_json`].
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// A patient by NHS or pseudo number.
    pub fn patient(&self, number: &str) -> Option<&PatientData> {
        self.patients.iter().find(|p| p.key() == number)
    }

    /// A patient by NHS or pseudo number, mutable.
    pub fn patient_mut(&mut self, number: &str) -> Option<&mut PatientData> {
        self.patients.iter_mut().find(|p| p.key() == number)
    }

    /// The logged-on user.
    pub fn current_user(&self) -> Option<&UserData> {
        self.users.iter().find(|u| u.current).or(self.users.first())
    }

    /// The site the client is at.
    pub fn current_site(&self) -> Option<&SiteData> {
        self.sites.iter().find(|s| s.current).or(self.sites.first())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modulus_11() {
        assert!(nhs_number_is_valid("1111111111"));
        assert!(!nhs_number_is_valid("1111111112"));
        assert!(!nhs_number_is_valid("111111111"));
        assert!(!nhs_number_is_valid("11111111a1"));
    }
}
