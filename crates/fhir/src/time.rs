//! SystmOne's local date-times as FHIR dates and date-times.
//!
//! SystmOne writes wall-clock time in England with no zone (ERRATA E7; a zone suffix,
//! when present, is not applied by the reader). FHIR requires a zone on any dateTime
//! with a time, so the UK offset is worked out here: BST (+01:00) from 01:00 UTC on the
//! last Sunday of March to 01:00 UTC on the last Sunday of October, GMT otherwise. That
//! rule holds from 1996; before it the UK changed on other dates in some years, so a
//! time within a few weeks of a change before 1996 may be an hour out. A wall-clock
//! time that occurs twice (the hour clocks go back) is read as the first (BST).

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Weekday};
use systmone_core::DateTime;

/// A FHIR `date` (`YYYY-MM-DD`).
pub fn fhir_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A FHIR `dateTime`: a plain date when SystmOne sent only a date, else the time with
/// its UK offset. Also a valid `instant` when a time was sent.
pub fn fhir_date_time(value: &DateTime) -> String {
    if is_date_only(value) {
        fhir_date(value.date())
    } else {
        fhir_instant(value.value())
    }
}

/// A FHIR `instant` (seconds and UK offset).
pub fn fhir_instant(local: NaiveDateTime) -> String {
    let offset = if is_bst(local) { "+01:00" } else { "+00:00" };
    format!("{}{offset}", local.format("%Y-%m-%dT%H:%M:%S"))
}

/// Whether SystmOne sent a date with no time (`2015-06-10`, F2, F8).
pub fn is_date_only(value: &DateTime) -> bool {
    value.original().trim().len() == 10
}

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let last = first_of_next.pred_opt()?;
    let back = last.weekday().num_days_from_sunday();
    Some(last - TimeDelta::days(i64::from(back)))
}

fn is_bst(local: NaiveDateTime) -> bool {
    let year = local.year();
    let (Some(march), Some(october)) = (last_sunday(year, 3), last_sunday(year, 10)) else {
        return false;
    };
    debug_assert_eq!(march.weekday(), Weekday::Sun);
    // 01:00 UTC is 01:00 GMT in March (clocks jump to 02:00) and 02:00 BST in October.
    let starts = march.and_hms_opt(1, 0, 0);
    let ends = october.and_hms_opt(2, 0, 0);
    match (starts, ends) {
        (Some(s), Some(e)) => local >= s && local < e,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime {
        text.parse().unwrap()
    }

    #[test]
    fn summer_and_winter_offsets() {
        assert_eq!(
            fhir_date_time(&at("2025-07-01T10:00:00")),
            "2025-07-01T10:00:00+01:00"
        );
        assert_eq!(
            fhir_date_time(&at("2025-11-03T10:14:27")),
            "2025-11-03T10:14:27+00:00"
        );
        // 2025: BST from 30 March 01:00 GMT to 26 October 02:00 BST.
        assert_eq!(
            fhir_date_time(&at("2025-03-30T00:59:59")),
            "2025-03-30T00:59:59+00:00"
        );
        assert_eq!(
            fhir_date_time(&at("2025-03-30T02:00:00")),
            "2025-03-30T02:00:00+01:00"
        );
        assert_eq!(
            fhir_date_time(&at("2025-10-26T01:30:00")),
            "2025-10-26T01:30:00+01:00"
        );
        assert_eq!(
            fhir_date_time(&at("2025-10-26T02:00:00")),
            "2025-10-26T02:00:00+00:00"
        );
    }

    #[test]
    fn a_date_stays_a_date() {
        assert_eq!(fhir_date_time(&at("2015-06-10")), "2015-06-10");
        // A zone suffix is not applied (E7): the wall-clock time is UK local.
        assert_eq!(
            fhir_date_time(&at("2017-12-19T12:45:12.0Z")),
            "2017-12-19T12:45:12+00:00"
        );
    }
}
