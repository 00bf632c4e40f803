//! The simulated practice: its data model (here; serialisable as JSON, the `--data`
//! format) and NHS number checks; the built-in practice generated deterministically
//! from a seed (`generate.rs`), with the document's example patients
//! (`document_examples.rs`); the small code mapping tables (`codes.rs`: CTV3 <-> Snomed,
//! Multilex <-> dm+d); the PRNG (`rng.rs`).
//!
//! # The `--data` file format
//!
//! A JSON document holding one [`Practice`]: `sites`, `users`, `slot_types`,
//! `clinic_types`, `slots` (every appointment slot, with `booked` set to the
//! AppointmentUID when taken), `patients` (demographics, `events` with typed `items`,
//! `appointments`, `visits`, `tasks`, `documents`), `numeric_units`, `extracts` and
//! `owners` (UID -> Device ID that added it, for DeleteFromPatientRecord). Dates are
//! `YYYY-MM-DD`, date-times `YYYY-MM-DDTHH:MM:SS`. Write the built-in practice with
//! `systmone-sim --dump-practice FILE` (or [`Practice::to_json`]) to get a template.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

mod codes;
mod document_examples;
mod generate;
mod rng;
mod test_patients;

pub use codes::{
    CODES, DRUGS, ctv3_term, ctv3_to_snomed, dmd_to_multilex, drug_name, multilex_to_dmd,
    snomed_to_ctv3,
};
pub use document_examples::DOCUMENT_EXAMPLE_NUMBERS;
pub use rng::Rng;
pub use test_patients::test_patients_toml;

/// A whole practice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Practice {
    pub sites: Vec<SiteData>,
    pub users: Vec<UserData>,
    pub slot_types: Vec<String>,
    pub clinic_types: Vec<String>,
    pub slots: Vec<SlotData>,
    pub patients: Vec<PatientData>,
    pub numeric_units: Vec<NumericUnit>,
    /// Strategic Reporting extracts DataExtract can download, by name.
    pub extracts: Vec<String>,
    /// UID (event, appointment, visit, task) -> the Device ID that added it.
    #[serde(default)]
    pub owners: BTreeMap<String, String>,
    /// Device IDs approved before the simulator started (the document's examples).
    #[serde(default)]
    pub known_devices: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AddressData {
    #[serde(default)]
    pub house_name: String,
    #[serde(default)]
    pub house_number: String,
    #[serde(default)]
    pub road: String,
    #[serde(default)]
    pub locality: String,
    #[serde(default)]
    pub town: String,
    #[serde(default)]
    pub county: String,
    #[serde(default)]
    pub postcode: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteData {
    pub name: String,
    pub id: String,
    pub telephone: Option<String>,
    pub fax: Option<String>,
    pub email: Option<String>,
    pub address: AddressData,
    pub primary: bool,
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserData {
    pub title: String,
    pub first_name: String,
    pub middle_names: String,
    pub surname: String,
    pub user_name: String,
    /// `M`, `F` or empty.
    pub gender: String,
    pub role: String,
    pub role_code: String,
    pub national_id: String,
    pub national_id_type: String,
    pub access_rights: Vec<String>,
    pub groups: Vec<String>,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotData {
    pub user_name: String,
    pub site_name: String,
    pub clinic_type: String,
    pub slot_type: String,
    pub start: NaiveDateTime,
    pub duration: u32,
    /// The AppointmentUID booked into this slot, if any.
    pub booked: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericUnit {
    pub code: String,
    pub units: String,
    pub created: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeData {
    /// `CTV3` or `Snomed`.
    pub scheme: String,
    pub code: String,
    pub term: Option<String>,
}

impl CodeData {
    pub fn ctv3(code: &str) -> Self {
        CodeData {
            scheme: "CTV3".into(),
            code: code.into(),
            term: ctv3_term(code).map(str::to_string),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientData {
    /// The NHS number, if the record has one.
    pub nhs_number: Option<String>,
    /// The pseudo number, when the record has no NHS number.
    pub pseudo_number: Option<String>,
    pub sr_id: u64,
    /// One of the document's own example patients (their numbers may fail modulus 11).
    #[serde(default)]
    pub document_example: bool,
    pub title: String,
    pub first_name: String,
    pub middle_names: String,
    pub surname: String,
    pub known_as: String,
    pub date_of_birth: NaiveDate,
    /// M, F, I or U.
    pub sex: String,
    pub marital_status: Option<CodeData>,
    pub ethnicity: Option<CodeData>,
    pub main_language: Option<CodeData>,
    /// Yes, No or Unknown.
    pub english_speaker: String,
    pub address: Option<AddressData>,
    pub home_telephone: String,
    pub work_telephone: String,
    pub mobile_telephone: String,
    pub alternate_telephone: String,
    pub email: String,
    /// Yes, No or empty.
    pub sms_consent: String,
    pub usual_gp: String,
    pub care_start: NaiveDate,
    pub registration_type: Option<String>,
    pub events: Vec<EventData>,
    pub appointments: Vec<AppointmentData>,
    pub visits: Vec<VisitData>,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentData {
    pub file_name: String,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    pub uid: String,
    pub date_time: NaiveDateTime,
    /// When it was entered (defaults to the event's date).
    pub entered: NaiveDateTime,
    pub user_name: Option<String>,
    pub done_by: Option<String>,
    pub done_at: Option<String>,
    pub software: Option<String>,
    pub linked_referral_uid: Option<String>,
    pub items: Vec<ItemData>,
}

/// A data item of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ItemData {
    Code {
        code: CodeData,
        value: Option<f64>,
        free_text: Option<String>,
        #[serde(default)]
        problems: Vec<String>,
    },
    Medication {
        /// Multilex product ID (or a dm+d ID when `scheme` is `Dmd`).
        scheme: String,
        product_id: String,
        name: Option<String>,
        /// Days the prescription lasts (effective period).
        days: u32,
        /// Dosage instructions as free text (FIELD-EVIDENCE F2).
        #[serde(default)]
        dose: Option<String>,
        /// Quantity with its unit, free text (F2: `28 tablet`).
        #[serde(default)]
        quantity: Option<String>,
        /// Other children, kept as XML.
        #[serde(default)]
        extra_xml: Vec<String>,
    },
    Sensitivity {
        kind: String,
        ingredient_id: String,
        name: String,
        details: String,
    },
    Narrative {
        text: String,
    },
    Letter {
        /// The letter element as XML (DocumentUID included).
        xml: String,
    },
    Attachment {
        /// The attached file's name and size as SystmOne shows them (F5).
        #[serde(default)]
        file_name: Option<String>,
        #[serde(default)]
        file_size: Option<String>,
        document_uid: Option<String>,
        url: Option<String>,
        comments: Option<String>,
    },
    Problem {
        problem_uid: String,
        code: CodeData,
        status: String,
    },
    Referral {
        referral_uid: String,
        direction: String,
        service: String,
        /// Effective until (open when absent).
        closed: Option<NaiveDate>,
    },
    /// An event-level link to a problem.
    LinkedProblem {
        problem_uid: String,
    },
    /// Any other element, kept as XML.
    Raw {
        name: String,
        xml: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointmentData {
    pub uid: String,
    pub start: NaiveDateTime,
    pub duration: u32,
    pub user_name: String,
    pub site_name: String,
    pub clinic_type: String,
    pub slot_type: String,
    pub status: String,
    pub comments: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitData {
    pub uid: String,
    pub date_time: NaiveDateTime,
    pub duration: f64,
    pub comments: Option<String>,
    pub user_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskData {
    pub uid: String,
    pub task_type: Option<String>,
    pub date_time: Option<NaiveDateTime>,
    pub comments: Option<String>,
    pub user_name: Option<String>,
    #[serde(default)]
    pub completed: bool,
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
