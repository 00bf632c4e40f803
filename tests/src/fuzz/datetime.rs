//! The leaf parsers of `systmone-core`: `DateTime` (lenient, ERRATA E7), and beside it
//! `Date` and `DurationMinutes` on the same text.

use chrono::Timelike;
use systmone_core::{Date, DateTime, DurationMinutes};

/// Any text: no panic; what is accepted keeps its original text, has no sub-second
/// part, and its canonical form reads back to the same value (write-back is lossless).
pub fn datetime(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = text.parse::<DateTime>() {
        assert_eq!(t.original(), text);
        assert_eq!(t.value().nanosecond(), 0, "{text:?}");
        let canonical = t.to_string();
        let again: DateTime = canonical
            .parse()
            .unwrap_or_else(|e| panic!("{text:?} wrote {canonical:?}, which does not read: {e}"));
        assert_eq!(again, t, "{text:?} wrote {canonical:?}");
        assert_eq!(again.to_string(), canonical);
        assert_eq!(DateTime::new(t.value()), t);
    }
    if let Ok(d) = text.parse::<Date>() {
        let written = d.to_string();
        let again: Date = written
            .parse()
            .unwrap_or_else(|e| panic!("{text:?} wrote {written:?}, which does not read: {e}"));
        assert_eq!(again, d, "{text:?} wrote {written:?}");
    }
    if let Ok(m) = text.parse::<DurationMinutes>() {
        assert!(
            m.minutes().is_finite() && m.minutes() >= 0.0,
            "{text:?} read as {m:?}"
        );
        let written = m.to_string();
        let again: DurationMinutes = written
            .parse()
            .unwrap_or_else(|e| panic!("{text:?} wrote {written:?}, which does not read: {e}"));
        assert_eq!(again, m, "{text:?} wrote {written:?}");
    }
}
