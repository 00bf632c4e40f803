//! The writes a check-in kiosk makes (F18), as commands over the client's typed calls:
//! `reading`, `arrive`, `book` (with its reason and flag) and `answers`. Each checks
//! its values before anything is sent, naming the form expected, and prints the
//! response as the other commands do (`-o json` included).

use anyhow::anyhow;
use chrono::NaiveDateTime;
use clap::{ArgMatches, Args, FromArgMatches, ValueEnum};
use systmone_bindings::update_patient_record_v1_0::{
    UpdatePatientRecordParameters, UpdatePatientRecordResult,
};
use systmone_client::{Answers, Arrival, Booking, CodedAnswer, Reading, RecordCode};
use systmone_core::{CodeScheme, DateTime, DurationMinutes, Response};
use systmone_types::{Comparator, PatientId, Slot};

use crate::options::{BookArgs, GlobalOpts};
use crate::summary::print_reply;
use crate::tree::Node;

pub const READING_HELP: &str = "Examples:
  systmone reading 7835438275 --code 246.. --value 120 --units mmHg
  systmone reading 7835438275 --code 22A.. --value 71.4 --units kg --text 'weighed in outdoor clothes'
  systmone reading 7835438275 --scheme Snomed --code 163020007 --value 120 --units mmHg --at 2026-11-25T10:15:00";

pub const ARRIVE_HELP: &str = "Example:
  systmone arrive 7835438275 6510300000000000    # the AppointmentUID from the diary or the booking";

pub const ANSWERS_HELP: &str = "Example:
  systmone answers 7835438275 --line 'Do you smoke? No, never' --line 'Do you drink alcohol? Rarely' \\
      --code CTV3:XE0oh --text 'Do you smoke? No, never'";

/// A code's scheme, as SystmOne's schema names them (F15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemeArg {
    /// Read Codes version 3 (5 letters, digits or dots, e.g. 246..).
    #[value(name = "CTV3")]
    Ctv3,
    /// SNOMED CT (6 to 18 digits, e.g. 163020007).
    #[value(name = "Snomed")]
    Snomed,
}

impl From<SchemeArg> for CodeScheme {
    fn from(s: SchemeArg) -> Self {
        match s {
            SchemeArg::Ctv3 => CodeScheme::Ctv3,
            SchemeArg::Snomed => CodeScheme::Snomed,
        }
    }
}

#[derive(Debug, Args)]
pub struct ReadingArgs {
    /// The patient's NHS number.
    pub nhs_number: String,
    /// What was measured: a CTV3 code (5 letters, digits or dots, e.g. 246..), or with
    /// --scheme Snomed a SNOMED CT concept id.
    #[arg(long)]
    pub code: String,
    /// The code's scheme.
    #[arg(long, value_enum, ignore_case = true, default_value = "CTV3")]
    pub scheme: SchemeArg,
    /// The value, a decimal number (e.g. 120 or 37.5).
    #[arg(long, value_parser = parse_decimal, allow_hyphen_values = true)]
    pub value: f64,
    /// The value's units, as SystmOne writes them (e.g. mmHg, kg, cm).
    #[arg(long)]
    pub units: String,
    /// How the value compares with what was measured: SystmOne's code, 3 to 8.
    #[arg(long, value_parser = parse_comparator)]
    pub comparator: Option<Comparator>,
    /// A comment on the reading.
    #[arg(long)]
    pub text: Option<String>,
    /// When it was taken, YYYY-MM-DDTHH:MM:SS, SystmOne's local time [default: when
    /// SystmOne files it].
    #[arg(long, value_name = "DATETIME", value_parser = parse_date_time)]
    pub at: Option<NaiveDateTime>,
}

#[derive(Debug, Args)]
pub struct ArriveArgs {
    /// The patient's NHS number.
    pub nhs_number: String,
    /// The appointment's UID (from `systmone diary`, `systmone record --appointments`
    /// or the booking).
    pub appointment_uid: String,
}

/// The options as clap reads them; [`AnswersArgs`] pairs each --text with its --code.
#[derive(Debug, Args)]
struct AnswersOptions {
    /// The patient's NHS number.
    nhs_number: String,
    /// An answer as text, one Narrative each, at most 200 characters (F18; repeatable).
    #[arg(long, value_name = "TEXT")]
    line: Vec<String>,
    /// An answer SystmOne holds as a code, SCHEME:CODE (CTV3:XE0oh, Snomed:160618006;
    /// repeatable).
    #[arg(long, value_name = "SCHEME:CODE", value_parser = parse_scheme_code)]
    code: Vec<RecordCode>,
    /// The text of the --code just before it (its FreeText).
    #[arg(long, value_name = "TEXT")]
    text: Vec<String>,
    /// When it was answered, YYYY-MM-DDTHH:MM:SS, SystmOne's local time [default: when
    /// SystmOne files it].
    #[arg(long, value_name = "DATETIME", value_parser = parse_date_time)]
    at: Option<NaiveDateTime>,
}

/// `systmone answers`: the lines, and each code with the --text given after it.
#[derive(Debug)]
pub struct AnswersArgs {
    pub nhs_number: String,
    pub lines: Vec<String>,
    pub codes: Vec<CodedAnswer>,
    pub at: Option<NaiveDateTime>,
}

impl FromArgMatches for AnswersArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let options = AnswersOptions::from_arg_matches(matches)?;
        let positions = |id: &str| -> Vec<usize> {
            matches
                .indices_of(id)
                .map(|i| i.collect())
                .unwrap_or_default()
        };
        let (code_at, text_at) = (positions("code"), positions("text"));
        let mut codes: Vec<CodedAnswer> = options
            .code
            .into_iter()
            .map(|code| CodedAnswer {
                code,
                free_text: None,
            })
            .collect();
        for (text, at) in options.text.into_iter().zip(text_at) {
            // The --code given last before this --text.
            let Some(owner) = code_at.iter().rposition(|&c| c < at) else {
                return Err(clap::Error::raw(
                    clap::error::ErrorKind::ArgumentConflict,
                    "--text gives the text of the --code before it: put it after a --code \
                     SCHEME:CODE\n",
                ));
            };
            if codes[owner].free_text.replace(text).is_some() {
                return Err(clap::Error::raw(
                    clap::error::ErrorKind::ArgumentConflict,
                    "a --code takes one --text: give the whole answer in one\n",
                ));
            }
        }
        Ok(AnswersArgs {
            nhs_number: options.nhs_number,
            lines: options.line,
            codes,
            at: options.at,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for AnswersArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        AnswersOptions::augment_args(cmd)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        AnswersOptions::augment_args_for_update(cmd)
    }
}

fn parse_decimal(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let form = !(whole.is_empty() && fraction.is_empty()) && digits(whole) && digits(fraction);
    match t.parse::<f64>() {
        Ok(v) if form && v.is_finite() => Ok(v),
        _ => Err(format!(
            "{text:?} is not a decimal number: digits with an optional sign and point, e.g. 120 or 37.5"
        )),
    }
}

fn parse_comparator(text: &str) -> Result<Comparator, String> {
    Ok(match text.trim() {
        "3" => Comparator::V3,
        "4" => Comparator::V4,
        "5" => Comparator::V5,
        "6" => Comparator::V6,
        "7" => Comparator::V7,
        "8" => Comparator::V8,
        _ => {
            return Err(format!(
                "{text:?} is not a comparator: SystmOne's comparator is a code from 3 to 8 (F15)"
            ));
        }
    })
}

fn parse_date_time(text: &str) -> Result<NaiveDateTime, String> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S").map_err(|_| {
        format!("{text:?} is not a date-time: YYYY-MM-DDTHH:MM:SS, e.g. 2026-11-25T10:15:00")
    })
}

/// `CTV3:XE0oh` or `Snomed:160618006` (the scheme in any case), its code checked.
fn parse_scheme_code(text: &str) -> Result<RecordCode, String> {
    let form = "SCHEME:CODE, e.g. CTV3:XE0oh or Snomed:160618006";
    let Some((scheme, code)) = text.split_once(':') else {
        return Err(format!("{text:?} is not {form}"));
    };
    let scheme = SchemeArg::from_str(scheme.trim(), true)
        .map_err(|_| format!("{scheme:?} is not a scheme: CTV3 or Snomed ({form})"))?;
    let code = RecordCode {
        scheme: scheme.into(),
        code: code.trim().to_string(),
    };
    match code.problem() {
        Some(problem) => Err(problem),
        None => Ok(code),
    }
}

/// A value refused before sending, in the words of the schema model: the value, the
/// element it would fill and the form UpdatePatientRecord's schema expects there.
fn refused(value: &str, path: &str, option: &str) -> anyhow::Error {
    let expected = systmone_bindings::schema_model("UpdatePatientRecord", "1.0")
        .and_then(|model| crate::request::expected_form(model, path))
        .unwrap_or_else(|| "another form".into());
    anyhow!("invalid value {value:?} at FunctionParameters/{path}: expected {expected} ({option})")
}

/// The patient, by an NHS number whose check digit holds.
fn nhs_patient(number: &str) -> anyhow::Result<PatientId> {
    Ok(PatientId::NhsNumber(crate::checks::nhs_number(number)?))
}

/// With -v, the parameters about to be sent.
fn show_parameters(global: &GlobalOpts, parameters: &UpdatePatientRecordParameters) {
    if global.verbose > 0
        && let Ok(xml) = systmone_core::xml::to_string(parameters, "FunctionParameters", true)
    {
        eprintln!("request parameters:\n{xml}");
    }
}

/// Prints a typed write's response in the chosen format, as the other commands do.
fn print_written(
    global: &GlobalOpts,
    reply: &systmone_client::Reply<UpdatePatientRecordResult>,
) -> anyhow::Result<u8> {
    if global.verbose > 0 {
        eprintln!("response:\n{}", reply.response_xml.trim_end());
    }
    let xml = Response::<UpdatePatientRecordResult>::from_xml(&reply.response_xml)
        .ok()
        .and_then(|r| r.to_pretty_xml().ok())
        .unwrap_or_else(|| reply.response_xml.clone());
    let root = Node::parse(&xml)?;
    let body = root
        .children
        .into_iter()
        .find(|c| c.name == "Response")
        .unwrap_or_default();
    let shown = crate::request::Reply {
        function: reply.function.clone(),
        xml,
        body,
    };
    print_reply(global.output(), &shown, global.quiet)?;
    Ok(0)
}

pub async fn reading(global: &GlobalOpts, args: ReadingArgs) -> anyhow::Result<u8> {
    let mut reading = Reading::new(
        nhs_patient(&args.nhs_number)?,
        RecordCode {
            scheme: args.scheme.into(),
            code: args.code,
        },
        args.value,
        args.units,
    );
    reading.comparator = args.comparator;
    reading.free_text = args.text;
    reading.taken_at = args.at;
    show_parameters(global, &reading.parameters()?);
    let client = global.client(None)?;
    let reply =
        crate::progress::with_wait_line(global.quiet, client.record_reading(reading)).await?;
    print_written(global, &reply)
}

pub async fn arrive(global: &GlobalOpts, args: ArriveArgs) -> anyhow::Result<u8> {
    let arrival = Arrival {
        patient: nhs_patient(&args.nhs_number)?,
        appointment_uid: args.appointment_uid,
    };
    show_parameters(global, &arrival.parameters()?);
    let client = global.client(None)?;
    let reply = crate::progress::with_wait_line(global.quiet, client.mark_arrived(arrival)).await?;
    print_written(global, &reply)
}

pub async fn book(global: &GlobalOpts, args: BookArgs) -> anyhow::Result<u8> {
    let slot = "NonClinical/Appointment/Clinic/Slot";
    let start: DateTime = args
        .start
        .parse()
        .map_err(|_| refused(&args.start, &format!("{slot}/DateTimeStart"), "--start"))?;
    let duration: DurationMinutes = args
        .duration
        .parse()
        .map_err(|_| refused(&args.duration, &format!("{slot}/Duration"), "--duration"))?;
    let booking = Booking {
        patient: nhs_patient(&args.nhs_number)?,
        user_name: args.user,
        site_name: args.site,
        clinic_type: args.clinic_type,
        slot: Slot {
            slot_type: args.slot_type,
            date_time_start: start,
            duration,
            extra: Default::default(),
        },
        reason: args.reason,
        flag: args.flag,
    };
    show_parameters(global, &booking.parameters()?);
    let client = global.client(None)?;
    let booked =
        crate::progress::with_wait_line(global.quiet, client.book_appointment(booking)).await?;
    print_written(global, &booked.reply)
}

pub async fn answers(global: &GlobalOpts, args: AnswersArgs) -> anyhow::Result<u8> {
    let answers = Answers {
        lines: args.lines,
        codes: args.codes,
        answered_at: args.at,
        ..Answers::new(nhs_patient(&args.nhs_number)?)
    };
    show_parameters(global, &answers.parameters()?);
    let client = global.client(None)?;
    let reply = crate::progress::with_wait_line(global.quiet, client.add_answers(answers)).await?;
    print_written(global, &reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_comparators_and_codes() {
        assert_eq!(parse_decimal("120").unwrap(), 120.0);
        assert_eq!(parse_decimal("-0.5").unwrap(), -0.5);
        assert_eq!(parse_decimal("37.").unwrap(), 37.0);
        for bad in ["", "1e3", "NaN", "inf", "12,5", ".", "1.2.3"] {
            let e = parse_decimal(bad).unwrap_err();
            assert!(e.contains("e.g. 120 or 37.5"), "{bad}: {e}");
        }
        assert_eq!(parse_comparator("3").unwrap(), Comparator::V3);
        assert!(parse_comparator("2").unwrap_err().contains("3 to 8"));
        let code = parse_scheme_code("snomed:160618006").unwrap();
        assert_eq!(code.scheme, CodeScheme::Snomed);
        assert!(
            parse_scheme_code("XE0oh")
                .unwrap_err()
                .contains("SCHEME:CODE")
        );
        assert!(
            parse_scheme_code("Read:XE0oh")
                .unwrap_err()
                .contains("CTV3 or Snomed")
        );
        assert!(
            parse_scheme_code("CTV3:XE0")
                .unwrap_err()
                .contains("not a CTV3 code")
        );
        assert!(
            parse_date_time("25/11/2026")
                .unwrap_err()
                .contains("YYYY-MM-DDTHH:MM:SS")
        );
    }
}
