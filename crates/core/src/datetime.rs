//! Date and time leaf types of the interface.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::ValueError;

/// A date and time as SystmOne writes it, read leniently (ERRATA E7).
///
/// The document says date-times are `YYYY-MM-DDTHH:MM:SS`, local time, no zone; its
/// examples also show a bare date (`1933-01-01`) and fractional seconds with a zone
/// (`2017-12-19T12:45:12.0Z`). All are accepted. The text as received is kept
/// ([`DateTime::original`]); the value is the wall-clock time as written (a zone
/// suffix is not applied, since SystmOne's times are local), and it is written back in
/// the canonical form.
///
/// ```
/// use systmone_core::DateTime;
/// let t: DateTime = "2017-12-19T12:45:12.0Z".parse().unwrap();
/// assert_eq!(t.original(), "2017-12-19T12:45:12.0Z");
/// assert_eq!(t.to_string(), "2017-12-19T12:45:12");
/// let d: DateTime = "1933-01-01".parse().unwrap();
/// assert_eq!(d.to_string(), "1933-01-01T00:00:00");
/// ```
#[derive(Clone)]
pub struct DateTime {
    value: NaiveDateTime,
    original: Original,
}

/// The text a date-time was read from. SystmOne writes the canonical form, nineteen
/// ASCII bytes, which is kept in place: a record holds tens of thousands of
/// date-times, and an allocation for each was a measurable part of reading it.
#[derive(Clone)]
enum Original {
    Canonical([u8; 19]),
    Text(Box<str>),
}

impl Original {
    fn new(text: &str) -> Self {
        match <[u8; 19]>::try_from(text.as_bytes()) {
            Ok(bytes) if text.is_ascii() => Original::Canonical(bytes),
            _ => Original::Text(text.into()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // Only ASCII is kept in place, so this never fails.
            Original::Canonical(bytes) => std::str::from_utf8(bytes).unwrap_or_default(),
            Original::Text(text) => text,
        }
    }
}

impl DateTime {
    /// A date-time from a chrono value; its original text is the canonical form.
    /// Sub-second precision is dropped: the interface has none.
    pub fn new(value: NaiveDateTime) -> Self {
        let value = value.with_nanosecond(0).unwrap_or(value);
        let original = match canonical_bytes(value) {
            Some(text) => Original::Canonical(text),
            None => Original::new(&value.format(CANONICAL).to_string()),
        };
        DateTime { value, original }
    }

    /// The wall-clock value.
    pub fn value(&self) -> NaiveDateTime {
        self.value
    }

    /// The text exactly as it was received (or the canonical form, for a value built
    /// in code).
    pub fn original(&self) -> &str {
        self.original.as_str()
    }

    /// The date part.
    pub fn date(&self) -> NaiveDate {
        self.value.date()
    }
}

const CANONICAL: &str = "%Y-%m-%dT%H:%M:%S";

/// `n`'s last decimal digits, as many as `into` holds (zero-padded).
fn digits(into: &mut [u8], mut n: u32) {
    for byte in into.iter_mut().rev() {
        *byte = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// `value` written `YYYY-MM-DDTHH:MM:SS` digit by digit, when its year has four digits
/// (chrono interprets its format string on every call, a measurable part of writing a
/// response).
fn canonical_bytes(value: NaiveDateTime) -> Option<[u8; 19]> {
    let year = u32::try_from(value.year()).ok().filter(|y| *y <= 9999)?;
    let mut text = *b"0000-00-00T00:00:00";
    for (at, width, n) in [
        (0, 4, year),
        (5, 2, value.month()),
        (8, 2, value.day()),
        (11, 2, value.hour()),
        (14, 2, value.minute()),
        (17, 2, value.second()),
    ] {
        digits(&mut text[at..at + width], n);
    }
    Some(text)
}

/// `value` written `YYYY-MM-DDTHH:MM:SS`: [`canonical_bytes`], or by chrono for other
/// years (a sign and more digits).
fn canonical(value: NaiveDateTime) -> impl fmt::Display {
    struct Canonical(NaiveDateTime);
    impl fmt::Display for Canonical {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match canonical_bytes(self.0) {
                Some(text) => f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?),
                None => write!(f, "{}", self.0.format(CANONICAL)),
            }
        }
    }
    Canonical(value)
}

impl FromStr for DateTime {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || {
            ValueError::new(
                "date-time",
                text,
                "expected YYYY-MM-DDTHH:MM:SS or YYYY-MM-DD",
            )
        };
        let trimmed = text.trim();
        let value = if let Some(value) = plain_date_time(trimmed) {
            value
        } else if trimmed.len() == 10 {
            NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
                .map_err(|_| err())?
                .and_time(NaiveTime::MIN)
        } else {
            // Drop a zone suffix (`Z`, `+01:00`, `-0500`): times are local (E7).
            let body = strip_zone(trimmed);
            NaiveDateTime::parse_from_str(body, "%Y-%m-%dT%H:%M:%S%.f").map_err(|_| err())?
        };
        Ok(DateTime {
            value: value.with_nanosecond(0).unwrap_or(value),
            original: Original::new(text),
        })
    }
}

/// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS` (what SystmOne writes) read directly, digit by
/// digit: chrono's parser interprets its format string on every call, which was a
/// large part of reading a record. `None` for anything else, which chrono then reads
/// (so what is accepted does not change: a leap second, say, is left to it).
fn plain_date_time(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    let number = |range: std::ops::Range<usize>| {
        b.get(range)?.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let separators = |at: &[(usize, u8)]| at.iter().all(|&(i, c)| b.get(i) == Some(&c));
    if !separators(&[(4, b'-'), (7, b'-')]) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(5..7)?,
        number(8..10)?,
    )?;
    match b.len() {
        10 => Some(date.and_time(NaiveTime::MIN)),
        19 if separators(&[(10, b'T'), (13, b':'), (16, b':')]) => {
            let time = NaiveTime::from_hms_opt(number(11..13)?, number(14..16)?, number(17..19)?)?;
            Some(date.and_time(time))
        }
        _ => None,
    }
}

fn strip_zone(text: &str) -> &str {
    if let Some(body) = text.strip_suffix('Z') {
        return body;
    }
    // An offset starts with + or - after the time part (position > 10, past the date).
    if let Some(pos) = text.rfind(['+', '-'])
        && pos > 10
    {
        return &text[..pos];
    }
    text
}

impl fmt::Display for DateTime {
    /// The canonical form `YYYY-MM-DDTHH:MM:SS`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", canonical(self.value))
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.original() == self.to_string() {
            write!(f, "DateTime({self})")
        } else {
            write!(f, "DateTime({self}, original: {:?})", self.original())
        }
    }
}

/// Two date-times are equal when their values are: `1933-01-01` equals
/// `1933-01-01T00:00:00`, whatever the original text.
impl PartialEq for DateTime {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Eq for DateTime {}

/// A calendar date, written `CCYY-MM-DD`: what SystmOne's own schemas type `xs:date`
/// (FIELD-EVIDENCE F15: DateOfBirth, StartDate, ReviewDate, ...), and request
/// parameters such as PatientSearch's `DateOfBirth`.
///
/// Read leniently (ERRATA E7: the document writes dates as `CCYY-MM-DDT00:00:00` too):
/// a date-time is read as its date. The reader keeps the text as received when it
/// writes differently, so reading and writing back loses nothing.
///
/// ```
/// use systmone_core::Date;
/// let d: Date = "2014-03-24".parse().unwrap();
/// assert_eq!(d.to_string(), "2014-03-24");
/// let e7: Date = "2014-03-24T00:00:00".parse().unwrap();
/// assert_eq!(e7, d);
/// assert_eq!(e7.to_string(), "2014-03-24");
/// assert!("24/03/2014".parse::<Date>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

impl Date {
    /// The calendar date.
    pub fn date(&self) -> NaiveDate {
        self.0
    }
}

impl FromStr for Date {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        if trimmed.len() == 10 {
            if let Some(value) = plain_date_time(trimmed) {
                return Ok(Date(value.date()));
            }
            if let Ok(date) = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
                return Ok(Date(date));
            }
        } else if let Ok(date_time) = trimmed.parse::<DateTime>() {
            return Ok(Date(date_time.date()));
        }
        Err(ValueError::new(
            "date",
            text,
            "expected CCYY-MM-DD (or a date-time, E7)",
        ))
    }
}

impl Date {
    /// The date as written (`CCYY-MM-DD`) when its year has four digits, as every
    /// real date has: without chrono's format machinery, which parses its format
    /// string at each call (reading compares every date with its text).
    fn plain_text(&self) -> Option<[u8; 10]> {
        let year = u32::try_from(self.0.year()).ok().filter(|&y| y <= 9999)?;
        let mut text = *b"0000-00-00";
        digits(&mut text[0..4], year);
        digits(&mut text[5..7], self.0.month());
        digits(&mut text[8..10], self.0.day());
        Some(text)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.plain_text() {
            // ASCII digits and dashes.
            Some(text) => f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?),
            None => write!(f, "{}", self.0.format("%Y-%m-%d")),
        }
    }
}

impl crate::extra::TextValue for Date {
    fn is_written_as(&self, text: &str) -> bool {
        match self.plain_text() {
            Some(written) => written == text.as_bytes(),
            None => self.to_string() == text,
        }
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

/// A duration in whole or fractional minutes (ERRATA E8: `10` in slots, `10.0` in
/// GetPatientRecord appointments). Written without a fraction when it is whole.
///
/// ```
/// use systmone_core::DurationMinutes;
/// let a: DurationMinutes = "10.0".parse().unwrap();
/// let b: DurationMinutes = "10".parse().unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.to_string(), "10");
/// assert_eq!("7.5".parse::<DurationMinutes>().unwrap().to_string(), "7.5");
/// assert!("-1".parse::<DurationMinutes>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, PartialOrd)]
pub struct DurationMinutes(f64);

impl DurationMinutes {
    /// Whole minutes.
    pub fn from_minutes(minutes: u32) -> Self {
        DurationMinutes(f64::from(minutes))
    }

    /// The duration in minutes.
    pub fn minutes(self) -> f64 {
        self.0
    }
}

impl FromStr for DurationMinutes {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || ValueError::new("duration", text, "expected minutes, e.g. 10 or 10.0");
        let t = text.trim();
        // Plain decimal digits only: no exponent, sign, NaN or infinity.
        let digits_ok = !t.is_empty()
            && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && t.bytes().filter(|&b| b == b'.').count() <= 1
            && t.bytes().any(|b| b.is_ascii_digit());
        if !digits_ok {
            return Err(err());
        }
        // Over 309 digits, the nearest f64 is infinity: no duration, and it would be
        // written `inf` (found by the `datetime` fuzz target).
        t.parse::<f64>()
            .ok()
            .filter(|minutes| minutes.is_finite())
            .map(DurationMinutes)
            .ok_or_else(err)
    }
}

impl fmt::Display for DurationMinutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.fract() == 0.0 && self.0 < 1e15 {
            write!(f, "{}", self.0 as u64)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl fmt::Debug for DurationMinutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DurationMinutes({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_as_chrono_writes_it() {
        for (y, mo, d, h, mi, s) in [
            (2014, 3, 26, 9, 6, 50),
            (1933, 1, 1, 0, 0, 0),
            (0, 1, 1, 0, 0, 0),
            (999, 12, 31, 23, 59, 59),
            (9999, 12, 31, 23, 59, 59),
            (10000, 1, 1, 0, 0, 0),
            (-1, 6, 15, 12, 0, 0),
        ] {
            let v = NaiveDate::from_ymd_opt(y, mo, d)
                .and_then(|date| date.and_hms_opt(h, mi, s))
                .expect("a valid date-time");
            assert_eq!(canonical(v).to_string(), v.format(CANONICAL).to_string());
            assert_eq!(DateTime::new(v).original(), v.format(CANONICAL).to_string());
            assert_eq!(Date(v.date()).to_string(), v.format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn date_time_variants_of_e7() {
        for (text, canonical) in [
            ("2014-03-26T09:06:50", "2014-03-26T09:06:50"),
            ("2017-12-19T12:45:12.0Z", "2017-12-19T12:45:12"),
            ("2017-12-19T12:45:12.123+01:00", "2017-12-19T12:45:12"),
            ("2014-03-24T00:00:00", "2014-03-24T00:00:00"),
            ("1933-01-01", "1933-01-01T00:00:00"),
        ] {
            let t: DateTime = text.parse().unwrap();
            assert_eq!(t.to_string(), canonical, "{text}");
            assert_eq!(t.original(), text);
        }
        assert_eq!(
            "1933-01-01".parse::<DateTime>().unwrap(),
            "1933-01-01T00:00:00".parse::<DateTime>().unwrap()
        );
    }

    /// The direct reading gives chrono's value whenever it gives one.
    #[test]
    fn plain_date_times_read_as_chrono_reads_them() {
        let mut texts = Vec::new();
        for year in ["0000", "1900", "2000", "2023", "2024", "9999"] {
            for month in ["00", "01", "02", "04", "12", "13", "1a"] {
                for day in ["00", "01", "28", "29", "30", "31", "32"] {
                    texts.push(format!("{year}-{month}-{day}"));
                    for time in [
                        "00:00:00", "23:59:59", "24:00:00", "12:60:00", "23:59:60", "1:2:03",
                    ] {
                        texts.push(format!("{year}-{month}-{day}T{time}"));
                    }
                }
            }
        }
        texts.extend(["2024-02-29X00:00:00", "2024/02/29", "+2024-02-29"].map(String::from));
        let mut read = 0;
        for text in &texts {
            let chrono = if text.len() == 10 {
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .map(|d| d.and_time(NaiveTime::MIN))
            } else {
                NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok()
            };
            if let Some(value) = plain_date_time(text) {
                assert_eq!(Some(value), chrono, "{text}");
                read += 1;
            }
        }
        assert!(read > 250, "{read}");
    }

    #[test]
    fn bad_date_times_are_errors() {
        for text in [
            "",
            "yesterday",
            "2014-13-01",
            "2014-03-26 09:06:50",
            "2014-03-26T25:00:00",
        ] {
            let err = text.parse::<DateTime>().unwrap_err();
            assert!(err.to_string().contains("date-time"), "{err}");
        }
    }

    #[test]
    fn dates_read_date_times_as_their_date() {
        for text in [
            "2015-06-10",
            " 2015-06-10 ",
            "2015-06-10T00:00:00",
            "2015-06-10T15:23:29",
            "2015-06-10T00:00:00+00:00",
            "2015-06-10T00:00:00.0Z",
        ] {
            let d: Date = text.parse().unwrap();
            assert_eq!(d.to_string(), "2015-06-10", "{text}");
        }
        for text in ["", "2015-6-10", "10/06/2015", "2015-06-10T", "2015-13-10"] {
            assert!(text.parse::<Date>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn durations() {
        assert!("".parse::<DurationMinutes>().is_err());
        assert!("1e3".parse::<DurationMinutes>().is_err());
        assert!("NaN".parse::<DurationMinutes>().is_err());
        // Plain digits, but more than an f64 holds: infinity is no duration.
        let huge = "2".repeat(310);
        let err = huge.parse::<DurationMinutes>().unwrap_err();
        assert!(err.to_string().contains("duration"), "{err}");
        assert!("1".repeat(300).parse::<DurationMinutes>().is_ok());
        assert_eq!("20".parse::<DurationMinutes>().unwrap().minutes(), 20.0);
    }
}
