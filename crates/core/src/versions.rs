//! Function versions as SystmOne writes them (`1.0`, `1.10`): ordering, and the highest
//! version both sides support.
//!
//! ```
//! use systmone_core::versions::highest_common;
//! let advertised = vec!["1.0".to_string(), "1.10".to_string(), "2.0".to_string()];
//! assert_eq!(highest_common(&advertised, &["1.0", "1.9", "1.10"]).as_deref(), Some("1.10"));
//! ```

use std::cmp::Ordering;

/// Compares dotted version numbers numerically, segment by segment (`1.10 > 1.9`,
/// `1.0 == 1.0.0`); a segment that is not a number compares as text, after numbers.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let mut left = a.trim().split('.');
    let mut right = b.trim().split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (l, r) => {
                let l = l.unwrap_or("0");
                let r = r.unwrap_or("0");
                let ord = match (l.parse::<u64>(), r.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => l.cmp(r),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

/// The highest version in both lists (numeric comparison of dotted versions), as the
/// client advertises it.
pub fn highest_common(advertised: &[String], ours: &[&str]) -> Option<String> {
    advertised
        .iter()
        .filter(|a| {
            ours.iter()
                .any(|o| compare_versions(a, o) == Ordering::Equal)
        })
        .max_by(|a, b| compare_versions(a, b))
        .cloned()
}
