//! The writes a check-in kiosk makes (FIELD-EVIDENCE F18), one typed call each: a coded
//! reading, an arrival, a booking with its reason and flag, and questionnaire answers.
//!
//! Each builds its UpdatePatientRecord parameters as the generated types (never XML
//! text), checks its values before anything is sent ([`Error::InvalidParameter`], naming
//! the expected form), and is a write: sent once, never retried, and
//! [`Error::OutcomeUnknown`] with its RequestUID when no answer comes.
//!
//! ```
//! use std::sync::Arc;
//!
//! use systmone_client::{Answers, Client, ClientConfig, CodedAnswer, MemoryStore, Reading, RecordCode};
//! use systmone_sim::{SimConfig, Simulator};
//! use systmone_types::PatientId;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = Simulator::start(SimConfig { bind: "127.0.0.1:0".parse()?, ..SimConfig::default() }).await?;
//! let mut config = ClientConfig::new("f31e26725b5491f2");
//! config.addr = sim.addr().to_string();
//! let client = Client::builder(config).device_store(Arc::new(MemoryStore::new())).build()?;
//! let patient = PatientId::NhsNumber("7835438275".into());
//!
//! // A blood pressure reading taken at the kiosk.
//! let reading = Reading::new(patient.clone(), RecordCode::ctv3("246.."), 120.0, "mmHg");
//! let written = client.record_reading(reading).await?;
//! assert_eq!(written.result.event_uid.len(), 1);
//!
//! // A questionnaire: one Narrative per answer line, and the answers SystmOne codes.
//! let answers = Answers {
//!     lines: vec!["Do you smoke? No, never".into()],
//!     codes: vec![CodedAnswer::new(RecordCode::ctv3("XE0oh"), "Do you smoke? No, never")],
//!     ..Answers::new(patient)
//! };
//! client.add_answers(answers).await?;
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```

use chrono::NaiveDateTime;
use systmone_bindings::update_patient_record_v1_0::{
    UpdateNonClinical, UpdatePatientRecordParameters, UpdatePatientRecordResult,
    UpdatePatientRecordV1_0,
};
use systmone_core::{CodeScheme, DateTime};
use systmone_types::{
    AppointmentChange, Clinic, Clinical, ClinicalCode, Code, Comparator, DataItem, Event, Identity,
    Narrative, PatientId, SchemeName, Slot,
};

use crate::{Client, Error, Reply};

/// The longest answer line [`Client::add_answers`] sends, in characters: a production
/// kiosk writes each Narrative Line at most 200 characters long (F18). Longer answers
/// are refused before sending; split them into several lines.
pub const MAX_ANSWER_LINE_CHARS: usize = 200;

/// The status [`Client::mark_arrived`] writes: the one a kiosk writes (F18).
pub const ARRIVED: &str = "Arrived";

/// The flag a production kiosk puts on the appointments it books (F18), for
/// [`Booking::flag`].
pub const BOOKED_VIA_TOUCH_SCREEN: &str = "Booked via Touch Screen";

/// A clinical code to write: its scheme and code, without a term (SystmOne has the term;
/// F18: a kiosk writes Scheme and Code only). SystmOne's own schema takes CTV3 and
/// SNOMED CT codes here (F15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordCode {
    /// CTV3 or SNOMED CT.
    pub scheme: CodeScheme,
    /// The code: five letters, digits or dots for CTV3 (`246..`), 6 to 18 digits for
    /// SNOMED CT (`163020007`).
    pub code: String,
}

impl RecordCode {
    /// A CTV3 code (`246..`: O/E - blood pressure reading).
    pub fn ctv3(code: impl Into<String>) -> Self {
        RecordCode {
            scheme: CodeScheme::Ctv3,
            code: code.into(),
        }
    }

    /// A SNOMED CT concept id (`163020007`).
    pub fn snomed(code: impl Into<String>) -> Self {
        RecordCode {
            scheme: CodeScheme::Snomed,
            code: code.into(),
        }
    }

    /// Why the code is not of its scheme's form, if it is not: the form expected.
    pub fn problem(&self) -> Option<String> {
        let code = &self.code;
        match self.scheme {
            CodeScheme::Ctv3 => {
                let ok = code.chars().count() == 5
                    && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
                (!ok).then(|| {
                    format!("{code:?} is not a CTV3 code (5 letters, digits or dots, e.g. 246..)")
                })
            }
            CodeScheme::Snomed => {
                let ok = (6..=18).contains(&code.len())
                    && code.chars().all(|c| c.is_ascii_digit())
                    && !code.starts_with('0');
                (!ok).then(|| {
                    format!(
                        "{code:?} is not a SNOMED CT code (6 to 18 digits, not starting with 0, e.g. 163020007)"
                    )
                })
            }
        }
    }

    fn to_code(&self, field: &str) -> Result<Code, Error> {
        if let Some(problem) = self.problem() {
            return Err(invalid(field, problem));
        }
        Ok(Code {
            scheme: match self.scheme {
                CodeScheme::Ctv3 => SchemeName::Ctv3,
                CodeScheme::Snomed => SchemeName::Snomed,
            },
            code: self.code.clone(),
            term: None,
            extra: Default::default(),
        })
    }
}

/// A coded reading (blood pressure, height, weight, ...): a ClinicalCode with a Value in
/// its Units, and optionally a Comparator and free text (F15), in an Event of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The patient.
    pub patient: PatientId,
    /// What was measured.
    pub code: RecordCode,
    /// The value (an `xs:decimal` in SystmOne's schema: finite).
    pub value: f64,
    /// The value's units, as SystmOne writes them (`mmHg`, `kg`, `cm`); GetReferenceData
    /// lists each numeric code's units.
    pub units: String,
    /// How the value compares with what was measured: SystmOne's code, 3 to 8 (F15
    /// names the codes, not their meanings).
    pub comparator: Option<Comparator>,
    /// A comment on the reading.
    pub free_text: Option<String>,
    /// When the reading was taken, SystmOne's local time (`None`: the Event carries no
    /// DateTime and SystmOne dates it when it files it).
    pub taken_at: Option<NaiveDateTime>,
}

impl Reading {
    /// A reading with no comparator, free text or time.
    pub fn new(patient: PatientId, code: RecordCode, value: f64, units: impl Into<String>) -> Self {
        Reading {
            patient,
            code,
            value,
            units: units.into(),
            comparator: None,
            free_text: None,
            taken_at: None,
        }
    }

    /// The UpdatePatientRecord parameters it is sent as, after checking its values.
    pub fn parameters(&self) -> Result<UpdatePatientRecordParameters, Error> {
        let identity = identity(&self.patient)?;
        let code = self.code.to_code("reading code")?;
        if !self.value.is_finite() {
            return Err(invalid(
                "reading value",
                format!("{} is not a decimal number (e.g. 120 or 37.5)", self.value),
            ));
        }
        let units = self.units.trim();
        if units.is_empty() || has_line_break(units) {
            return Err(invalid(
                "reading units",
                format!(
                    "{:?} is not a unit: give the value's units on one line, e.g. mmHg, kg, cm",
                    self.units
                ),
            ));
        }
        let clinical_code = ClinicalCode {
            code,
            episodicity: None,
            value: Some(self.value),
            units: Some(units.to_string()),
            comparator: self.comparator.clone(),
            problem_uid: None,
            problem_severity: None,
            problem_end_date: None,
            free_text: non_blank(&self.free_text),
            linked_problem_uid: Vec::new(),
            extra: Default::default(),
        };
        Ok(clinical(
            identity,
            self.taken_at,
            vec![DataItem::ClinicalCode(Box::new(clinical_code))],
        ))
    }
}

/// A patient's arrival for an appointment: the Appointment's UID with the Status
/// `Arrived`, nothing else (F18).
#[derive(Debug, Clone, PartialEq)]
pub struct Arrival {
    /// The patient.
    pub patient: PatientId,
    /// The appointment's UID (from GetDiary or GetPatientRecord, or the booking).
    pub appointment_uid: String,
}

impl Arrival {
    /// The UpdatePatientRecord parameters it is sent as, after checking its values.
    pub fn parameters(&self) -> Result<UpdatePatientRecordParameters, Error> {
        let identity = identity(&self.patient)?;
        let uid = self.appointment_uid.trim();
        if uid.is_empty() || uid.chars().any(char::is_whitespace) {
            return Err(invalid(
                "AppointmentUID",
                format!(
                    "{:?} is not an AppointmentUID (one word, e.g. 6510300000000000, from the diary or the booking)",
                    self.appointment_uid
                ),
            ));
        }
        Ok(non_clinical(
            identity,
            AppointmentChange {
                appointment_uid: Some(uid.to_string()),
                status: Some(ARRIVED.to_string()),
                ..Default::default()
            },
        ))
    }
}

/// A booking in a free slot (from GetAppointmentSlots), with the reason the patient gave
/// and a flag shown on the appointment (F18).
#[derive(Debug, Clone, PartialEq)]
pub struct Booking {
    /// The patient.
    pub patient: PatientId,
    /// The clinic's owner (a SystmOne user name).
    pub user_name: String,
    /// The clinic's site.
    pub site_name: String,
    /// The clinic's type.
    pub clinic_type: String,
    /// The free slot, exactly as GetAppointmentSlots gave it.
    pub slot: Slot,
    /// The reason the patient gave, written as the appointment's Comments (F18).
    pub reason: Option<String>,
    /// A flag shown on the appointment ([`BOOKED_VIA_TOUCH_SCREEN`], as a kiosk writes).
    pub flag: Option<String>,
}

impl Booking {
    /// A booking of `slot` of `clinic` (both from GetAppointmentSlots), with no reason or
    /// flag.
    pub fn new(patient: PatientId, clinic: &Clinic, slot: &Slot) -> Self {
        Booking {
            patient,
            user_name: clinic.user_name.clone(),
            site_name: clinic.site_name.clone(),
            clinic_type: clinic.clinic_type.clone(),
            slot: slot.clone(),
            reason: None,
            flag: None,
        }
    }

    /// The UpdatePatientRecord parameters it is sent as, after checking its values.
    pub fn parameters(&self) -> Result<UpdatePatientRecordParameters, Error> {
        let identity = identity(&self.patient)?;
        for (field, value, example) in [
            ("clinic user name", &self.user_name, "dlittler2405"),
            ("clinic site name", &self.site_name, "The Real Surgery"),
            ("clinic type", &self.clinic_type, "Session"),
            ("slot type", &self.slot.slot_type, "Slot"),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(
                    field,
                    format!("it is empty: give it as GetAppointmentSlots does (e.g. {example})"),
                ));
            }
        }
        let minutes = self.slot.duration.minutes();
        if !(minutes.is_finite() && minutes > 0.0) {
            return Err(invalid(
                "slot duration",
                format!("{minutes} is not a number of minutes above 0 (e.g. 10)"),
            ));
        }
        let flag = non_blank(&self.flag);
        if flag.as_deref().is_some_and(has_line_break) {
            return Err(invalid(
                "appointment flag",
                "a flag is one line of text (e.g. Booked via Touch Screen)".to_string(),
            ));
        }
        Ok(non_clinical(
            identity,
            AppointmentChange {
                clinic: Some(Clinic {
                    user_name: self.user_name.clone(),
                    site_name: self.site_name.clone(),
                    clinic_type: self.clinic_type.clone(),
                    slot: vec![self.slot.clone()],
                    extra: Default::default(),
                }),
                comments: non_blank(&self.reason),
                flag,
                ..Default::default()
            },
        ))
    }
}

/// A booking SystmOne confirmed.
#[derive(Debug, Clone)]
pub struct Booked {
    /// The new appointment's UID: SystmOne's confirmation (F18), and what
    /// [`Client::mark_arrived`] takes.
    pub appointment_uid: String,
    /// The call in full.
    pub reply: Reply<UpdatePatientRecordResult>,
}

/// One coded answer of a questionnaire: a code, and the answer as text (F18: the kiosk
/// writes the question and answer as the ClinicalCode's FreeText).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedAnswer {
    /// The code the answer is recorded as.
    pub code: RecordCode,
    /// The answer as text.
    pub free_text: Option<String>,
}

impl CodedAnswer {
    /// An answer coded as `code`, with its text.
    pub fn new(code: RecordCode, free_text: impl Into<String>) -> Self {
        CodedAnswer {
            code,
            free_text: Some(free_text.into()),
        }
    }
}

/// Questionnaire answers, in one Event: the coded answers as ClinicalCodes, then one
/// Narrative per answer line (F18).
#[derive(Debug, Clone, PartialEq)]
pub struct Answers {
    /// The patient.
    pub patient: PatientId,
    /// The answers as text, one Narrative each; each at most
    /// [`MAX_ANSWER_LINE_CHARS`] characters, on one line. Leading and trailing spaces
    /// are sent as given (F1: they are data).
    pub lines: Vec<String>,
    /// The answers SystmOne should hold as codes.
    pub codes: Vec<CodedAnswer>,
    /// When the questionnaire was answered, SystmOne's local time (`None`: SystmOne
    /// dates the Event when it files it).
    pub answered_at: Option<NaiveDateTime>,
}

impl Answers {
    /// No answers yet, for `patient`.
    pub fn new(patient: PatientId) -> Self {
        Answers {
            patient,
            lines: Vec::new(),
            codes: Vec::new(),
            answered_at: None,
        }
    }

    /// The UpdatePatientRecord parameters it is sent as, after checking its values.
    pub fn parameters(&self) -> Result<UpdatePatientRecordParameters, Error> {
        let identity = identity(&self.patient)?;
        if self.lines.is_empty() && self.codes.is_empty() {
            return Err(invalid(
                "answers",
                "there are none: give at least one answer line or coded answer".to_string(),
            ));
        }
        let mut items = Vec::new();
        for (n, answer) in self.codes.iter().enumerate() {
            let code = answer.code.to_code(&format!("coded answer {}", n + 1))?;
            items.push(DataItem::ClinicalCode(Box::new(ClinicalCode {
                code,
                episodicity: None,
                value: None,
                units: None,
                comparator: None,
                problem_uid: None,
                problem_severity: None,
                problem_end_date: None,
                free_text: non_blank(&answer.free_text),
                linked_problem_uid: Vec::new(),
                extra: Default::default(),
            })));
        }
        for (n, line) in self.lines.iter().enumerate() {
            let field = format!("answer line {}", n + 1);
            let chars = line.chars().count();
            if line.trim().is_empty() {
                return Err(invalid(&field, "it is empty".to_string()));
            }
            if has_line_break(line) {
                return Err(invalid(
                    &field,
                    "it holds a line break: give each line of an answer as a line of its own"
                        .to_string(),
                ));
            }
            if chars > MAX_ANSWER_LINE_CHARS {
                return Err(invalid(
                    &field,
                    format!(
                        "it is {chars} characters long, and a line holds at most \
                         {MAX_ANSWER_LINE_CHARS} (F18): split it into several lines"
                    ),
                ));
            }
            items.push(DataItem::Narrative(Box::new(Narrative {
                line: vec![line.clone()],
                linked_problem_uid: Vec::new(),
                extra: Default::default(),
            })));
        }
        Ok(clinical(identity, self.answered_at, items))
    }
}

impl Client {
    /// Records a coded reading (F15): one Event holding a ClinicalCode with its Value
    /// and Units. A write: sent once, never retried; [`Error::OutcomeUnknown`] (with the
    /// RequestUID) when no answer comes, so read the record before trying again.
    ///
    /// ```no_run
    /// # async fn demo(client: &systmone_client::Client) -> Result<(), systmone_client::Error> {
    /// use systmone_client::{Reading, RecordCode};
    /// use systmone_types::PatientId;
    ///
    /// let mut weight = Reading::new(
    ///     PatientId::NhsNumber("7835438275".into()),
    ///     RecordCode::ctv3("22A.."),
    ///     71.4,
    ///     "kg",
    /// );
    /// weight.free_text = Some("weighed in outdoor clothes".into());
    /// let written = client.record_reading(weight).await?;
    /// println!("event {:?}", written.result.event_uid);
    /// # Ok(()) }
    /// ```
    pub async fn record_reading(
        &self,
        reading: Reading,
    ) -> Result<Reply<UpdatePatientRecordResult>, Error> {
        let parameters = reading.parameters()?;
        self.call_detailed::<UpdatePatientRecordV1_0>(parameters)
            .await
    }

    /// Marks a patient arrived for an appointment (F18: the AppointmentUID and the
    /// Status `Arrived`, nothing else). A write: sent once, never retried.
    ///
    /// ```no_run
    /// # async fn demo(client: &systmone_client::Client) -> Result<(), systmone_client::Error> {
    /// use systmone_client::Arrival;
    /// use systmone_types::PatientId;
    ///
    /// client
    ///     .mark_arrived(Arrival {
    ///         patient: PatientId::NhsNumber("7835438275".into()),
    ///         appointment_uid: "6510300000000000".into(),
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn mark_arrived(
        &self,
        arrival: Arrival,
    ) -> Result<Reply<UpdatePatientRecordResult>, Error> {
        let parameters = arrival.parameters()?;
        self.call_detailed::<UpdatePatientRecordV1_0>(parameters)
            .await
    }

    /// Books a free slot, with the patient's reason and a flag (F18). The booking is
    /// made only when SystmOne's response holds the new AppointmentUID; a success
    /// without one is [`Error::NotBooked`]. A write: sent once, never retried.
    ///
    /// ```no_run
    /// # async fn demo(client: &systmone_client::Client) -> Result<(), systmone_client::Error> {
    /// use systmone_bindings::get_appointment_slots_v1_0::GetAppointmentSlotsParameters;
    /// use systmone_client::{BOOKED_VIA_TOUCH_SCREEN, Booking};
    /// use systmone_types::PatientId;
    ///
    /// let free = client
    ///     .get_appointment_slots(GetAppointmentSlotsParameters {
    ///         min_date_time: Some("2024-05-01T08:00:00".parse().unwrap()),
    ///         max_date_time: Some("2024-05-01T18:00:00".parse().unwrap()),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// let clinic = &free.clinic[0];
    /// let mut booking = Booking::new(
    ///     PatientId::NhsNumber("7835438275".into()),
    ///     clinic,
    ///     &clinic.slot[0],
    /// );
    /// booking.reason = Some("Sore throat for a week".into());
    /// booking.flag = Some(BOOKED_VIA_TOUCH_SCREEN.into());
    /// let booked = client.book_appointment(booking).await?;
    /// println!("booked: {}", booked.appointment_uid);
    /// # Ok(()) }
    /// ```
    pub async fn book_appointment(&self, booking: Booking) -> Result<Booked, Error> {
        let parameters = booking.parameters()?;
        let reply = self
            .call_detailed::<UpdatePatientRecordV1_0>(parameters)
            .await?;
        let uid = reply
            .result
            .appointment_uid
            .iter()
            .map(|u| u.trim())
            .find(|u| !u.is_empty())
            .map(str::to_string);
        match uid {
            Some(appointment_uid) => Ok(Booked {
                appointment_uid,
                reply,
            }),
            None => {
                tracing::warn!(
                    request_uid = %reply.request_uid,
                    "SystmOne answered a booking without an AppointmentUID: not confirmed"
                );
                Err(Error::NotBooked {
                    request_uid: reply.request_uid,
                    response_uid: reply.response_uid,
                })
            }
        }
    }

    /// Adds questionnaire answers (F18): one Event of the coded answers and one
    /// Narrative per answer line, each line checked against
    /// [`MAX_ANSWER_LINE_CHARS`]. A write: sent once, never retried.
    ///
    /// ```no_run
    /// # async fn demo(client: &systmone_client::Client) -> Result<(), systmone_client::Error> {
    /// use systmone_client::{Answers, CodedAnswer, RecordCode};
    /// use systmone_types::PatientId;
    ///
    /// let mut answers = Answers::new(PatientId::NhsNumber("7835438275".into()));
    /// answers.lines.push("Do you smoke? Current smoker".into());
    /// answers.lines.push("How many cigarettes a day? 10".into());
    /// answers
    ///     .codes
    ///     .push(CodedAnswer::new(RecordCode::ctv3("137R."), "Do you smoke? Current smoker"));
    /// client.add_answers(answers).await?;
    /// # Ok(()) }
    /// ```
    pub async fn add_answers(
        &self,
        answers: Answers,
    ) -> Result<Reply<UpdatePatientRecordResult>, Error> {
        let parameters = answers.parameters()?;
        self.call_detailed::<UpdatePatientRecordV1_0>(parameters)
            .await
    }
}

fn invalid(field: &str, reason: String) -> Error {
    Error::InvalidParameter {
        field: field.to_string(),
        reason,
    }
}

fn has_line_break(text: &str) -> bool {
    text.contains(['\n', '\r'])
}

fn non_blank(text: &Option<String>) -> Option<String> {
    text.as_ref().filter(|t| !t.trim().is_empty()).cloned()
}

/// The modulus 11 check of an NHS number of ten digits.
fn nhs_number_is_valid(digits: &str) -> bool {
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 10 || d.len() != 10 {
        return false;
    }
    let sum: u32 = d[..9].iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => d[9] == 0,
        10 => false,
        c => d[9] == c,
    }
}

/// The request's Identity: an NHS number as ten digits (spaces dropped) with its check
/// digit right, or another number as given, trimmed.
fn identity(patient: &PatientId) -> Result<Identity, Error> {
    let number = match patient {
        PatientId::NhsNumber(n) | PatientId::NhsNumberMixedCase(n) => {
            let digits: String = n.chars().filter(|c| !c.is_whitespace()).collect();
            if !nhs_number_is_valid(&digits) {
                return Err(invalid(
                    "NHS number",
                    format!("{n:?} is not an NHS number (10 digits with a valid check digit)"),
                ));
            }
            match patient {
                PatientId::NhsNumberMixedCase(_) => PatientId::NhsNumberMixedCase(digits),
                _ => PatientId::NhsNumber(digits),
            }
        }
        PatientId::PseudoNumber(n) | PatientId::ClientId(n) => {
            let trimmed = n.trim();
            if trimmed.is_empty() {
                return Err(invalid("patient number", "it is empty".to_string()));
            }
            match patient {
                PatientId::PseudoNumber(_) => PatientId::PseudoNumber(trimmed.to_string()),
                _ => PatientId::ClientId(trimmed.to_string()),
            }
        }
    };
    Ok(Identity {
        number,
        strategic_reporting_identifier: None,
        extra: Default::default(),
    })
}

fn clinical(
    identity: Identity,
    at: Option<NaiveDateTime>,
    items: Vec<DataItem>,
) -> UpdatePatientRecordParameters {
    UpdatePatientRecordParameters {
        identity: Some(identity),
        clinical: Some(Clinical {
            event: vec![Event {
                date_time: at.map(DateTime::new),
                items,
                ..Default::default()
            }],
            extra: Default::default(),
        }),
        ..Default::default()
    }
}

fn non_clinical(
    identity: Identity,
    appointment: AppointmentChange,
) -> UpdatePatientRecordParameters {
    UpdatePatientRecordParameters {
        identity: Some(identity),
        non_clinical: Some(UpdateNonClinical {
            appointment: vec![appointment],
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use systmone_core::DurationMinutes;
    use systmone_core::xml::to_string;

    fn nhs() -> PatientId {
        PatientId::NhsNumber("783 543 8275".into())
    }

    fn xml(p: &UpdatePatientRecordParameters) -> String {
        to_string(p, "FunctionParameters", false).unwrap()
    }

    #[test]
    fn a_reading_is_a_clinical_code_with_value_and_units() {
        let mut reading = Reading::new(nhs(), RecordCode::ctv3("246.."), 120.0, " mmHg ");
        reading.comparator = Some(Comparator::V3);
        reading.free_text = Some("seated".into());
        reading.taken_at = Some("2026-11-25T10:15:00".parse().unwrap());
        let text = xml(&reading.parameters().unwrap());
        assert_eq!(
            text,
            "<FunctionParameters><Identity><NHSNumber>7835438275</NHSNumber></Identity>\
             <Clinical><Event DateTime=\"2026-11-25T10:15:00\"><ClinicalCode>\
             <Code Scheme=\"CTV3\" Code=\"246..\"></Code><Value>120</Value><Units>mmHg</Units>\
             <Comparator>3</Comparator><FreeText>seated</FreeText></ClinicalCode></Event>\
             </Clinical></FunctionParameters>"
        );
        assert!(!text.contains("NumericValue"));
    }

    #[test]
    fn values_are_checked_before_sending() {
        let problem = |r: &Reading| match r.parameters() {
            Err(Error::InvalidParameter { field, reason }) => format!("{field}: {reason}"),
            other => panic!("expected a refusal, got {other:?}"),
        };
        let good = Reading::new(nhs(), RecordCode::ctv3("246.."), 120.0, "mmHg");
        let mut r = good.clone();
        r.code = RecordCode::ctv3("246");
        assert!(
            problem(&r).contains("5 letters, digits or dots"),
            "{}",
            problem(&r)
        );
        r.code = RecordCode::snomed("0123");
        assert!(problem(&r).contains("6 to 18 digits"));
        let mut r = good.clone();
        r.value = f64::NAN;
        assert!(problem(&r).starts_with("reading value"));
        let mut r = good.clone();
        r.units = "  ".into();
        assert!(problem(&r).contains("e.g. mmHg"));
        let mut r = good.clone();
        r.patient = PatientId::NhsNumber("7835438276".into());
        assert!(problem(&r).contains("check digit"));
        assert!(RecordCode::snomed("163020007").problem().is_none());
    }

    #[test]
    fn an_arrival_is_the_uid_and_the_status_only() {
        let arrival = Arrival {
            patient: nhs(),
            appointment_uid: "6510300000000000".into(),
        };
        assert_eq!(
            xml(&arrival.parameters().unwrap()),
            "<FunctionParameters><Identity><NHSNumber>7835438275</NHSNumber></Identity>\
             <NonClinical><Appointment><AppointmentUID>6510300000000000</AppointmentUID>\
             <Status>Arrived</Status></Appointment></NonClinical></FunctionParameters>"
        );
        let blank = Arrival {
            appointment_uid: " ".into(),
            ..arrival
        };
        assert!(matches!(
            blank.parameters(),
            Err(Error::InvalidParameter { .. })
        ));
    }

    #[test]
    fn a_booking_carries_its_reason_and_flag() {
        let booking = Booking {
            patient: nhs(),
            user_name: "dlittler2405".into(),
            site_name: "The Real Surgery".into(),
            clinic_type: "Session".into(),
            slot: Slot {
                slot_type: "Slot".into(),
                date_time_start: "2014-07-15T13:00:00".parse().unwrap(),
                duration: DurationMinutes::from_minutes(10),
                extra: Default::default(),
            },
            reason: Some("Sore throat".into()),
            flag: Some(BOOKED_VIA_TOUCH_SCREEN.into()),
        };
        let text = xml(&booking.parameters().unwrap());
        assert!(
            text.contains(
                "<Clinic><UserName>dlittler2405</UserName><SiteName>The Real Surgery</SiteName>\
                 <ClinicType>Session</ClinicType><Slot><SlotType>Slot</SlotType>\
                 <DateTimeStart>2014-07-15T13:00:00</DateTimeStart><Duration>10</Duration></Slot>\
                 </Clinic><Comments>Sore throat</Comments>"
            ),
            "{text}"
        );
        assert!(
            text.contains("<Flag>Booked via Touch Screen</Flag>"),
            "{text}"
        );
    }

    #[test]
    fn answers_are_codes_then_one_narrative_per_line_of_at_most_200_characters() {
        let mut answers = Answers::new(nhs());
        answers.lines = vec![" Do you smoke? No ".into(), "x".repeat(200)];
        answers.codes = vec![CodedAnswer::new(RecordCode::ctv3("XE0oh"), "No")];
        let text = xml(&answers.parameters().unwrap());
        assert!(
            text.contains(
                "<Event><ClinicalCode><Code Scheme=\"CTV3\" Code=\"XE0oh\"></Code>\
                 <FreeText>No</FreeText></ClinicalCode><Narrative><Line> Do you smoke? No </Line>\
                 </Narrative><Narrative><Line>"
            ),
            "{text}"
        );
        answers.lines.push("é".repeat(201));
        match answers.parameters() {
            Err(Error::InvalidParameter { field, reason }) => {
                assert_eq!(field, "answer line 3");
                assert!(reason.contains("201 characters") && reason.contains("at most 200"));
            }
            other => panic!("{other:?}"),
        }
        answers.lines = vec!["two\nlines".into()];
        assert!(answers.parameters().is_err());
        assert!(Answers::new(nhs()).parameters().is_err());
    }
}
