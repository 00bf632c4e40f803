//! Function versions as SystmOne writes them: numbers (FIELD-EVIDENCE F13: SystmOne's own
//! schemas type `FunctionVersion` as an `xs:decimal`, so a .NET client sends `1` where the
//! document writes `1.0`). `1`, `1.0` and `1.00` are one version; dotted versions order
//! segment by segment (`1.10 > 1.9`); we spell a version as our schema files do (`1.0`).
//!
//! ```
//! use systmone_core::versions::{canonical_version, highest_common, same_version};
//! assert!(same_version("1", "1.0") && same_version("1.00", "1.0"));
//! assert_eq!(canonical_version("1"), "1.0");
//! let advertised = vec!["1".to_string(), "1.10".to_string(), "2.0".to_string()];
//! assert_eq!(highest_common(&advertised, &["1.0", "1.9", "1.10"]).as_deref(), Some("1.10"));
//! assert_eq!(highest_common(&advertised[..1], &["1.0"]).as_deref(), Some("1.0"));
//! ```

use std::cmp::Ordering;

/// Compares dotted version numbers numerically, segment by segment (`1.10 > 1.9`,
/// `1 == 1.0 == 1.00 == 1.0.0`); a segment that is not a number compares as text, after
/// numbers.
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

/// Whether two spellings name the same version (`1`, `1.0`, `1.00`).
pub fn same_version(a: &str, b: &str) -> bool {
    compare_versions(a, b) == Ordering::Equal
}

/// The version as our schema files spell it: numeric segments without leading zeros,
/// no trailing zero segments beyond `major.minor` (`1` → `1.0`, `1.00` → `1.0`,
/// `01.10` → `1.10`). A version with a segment that is not a number is returned
/// trimmed, as it is.
pub fn canonical_version(version: &str) -> String {
    let trimmed = version.trim();
    let segments: Option<Vec<u64>> = trimmed.split('.').map(|s| s.parse().ok()).collect();
    let Some(mut segments) = segments else {
        return trimmed.to_string();
    };
    while segments.len() > 2 && segments.last() == Some(&0) {
        segments.pop();
    }
    if segments.len() == 1 {
        segments.push(0);
    }
    segments
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The highest version in both lists, spelt as in `ours` (so what is sent is our
/// spelling, `1.0`, whatever SystmOne advertises: `1` or `1.0`).
pub fn highest_common(advertised: &[String], ours: &[&str]) -> Option<String> {
    ours.iter()
        .filter(|o| advertised.iter().any(|a| same_version(a, o)))
        .max_by(|a, b| compare_versions(a, b))
        .map(|o| o.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_version_however_written() {
        for v in ["1", "1.0", "1.00", " 1.0 ", "01.0", "1.0.0"] {
            assert!(same_version(v, "1.0"), "{v}");
            assert_eq!(canonical_version(v), "1.0", "{v}");
        }
        assert!(!same_version("1.1", "1.0"));
        assert!(
            !same_version("1.10", "1.1"),
            "dotted, not decimal: 1.10 is ten"
        );
        assert_eq!(canonical_version("1.10"), "1.10");
        assert_eq!(canonical_version("2.0.1"), "2.0.1");
        assert_eq!(canonical_version("1.x"), "1.x");
        assert_eq!(canonical_version(""), "");
    }
}
