//! The functions and versions a live SystmOne client advertises (GetFunctions) against
//! the bindings we ship (`systmone_bindings::FUNCTIONS`), and the highest version both
//! sides support.
//!
//! ```
//! use systmone_upkeep::compat::{compare, Verdict};
//! let advertised = vec![("GetFunctions".to_string(), vec!["1.0".to_string()]),
//!                       ("GetDiary".to_string(), vec!["1.0".to_string(), "1.1".to_string()])];
//! let ours = [("GetFunctions", "1.0"), ("GetDiary", "1.0"), ("ExitClient", "1.0")];
//! let report = compare(&advertised, &ours, &[]);
//! assert_eq!(report.row("GetDiary").unwrap().verdict, Verdict::NewerAvailable);
//! assert_eq!(report.row("ExitClient").unwrap().verdict, Verdict::MissingFromClient);
//! assert!(report.has_failures());
//! ```

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

pub use systmone_core::versions::{compare_versions, highest_common};

/// What the comparison says about one function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every version we ship is supported and none is newer.
    Ok,
    /// Every version we ship is supported, and the client has a newer one.
    NewerAvailable,
    /// The client no longer supports (some of) the versions we ship.
    OurVersionUnsupported,
    /// The client advertises a function we have no bindings for.
    UnknownToUs,
    /// We ship bindings for a function the client does not advertise.
    MissingFromClient,
}

impl Verdict {
    /// A binding we ship that the client does not support: the `compat` command fails.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Verdict::OurVersionUnsupported | Verdict::MissingFromClient
        )
    }

    /// The verdict in a few words, as the `compat` table prints it.
    pub fn describe(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::NewerAvailable => "newer version available",
            Verdict::OurVersionUnsupported => "our version no longer supported",
            Verdict::UnknownToUs => "function unknown to us",
            Verdict::MissingFromClient => "function we have but the client lacks",
        }
    }
}

/// One function's line of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The function's name (`GetPatientRecord`), as our bindings name it.
    pub function: String,
    /// Versions the live client supports, ascending.
    pub client_versions: Vec<String>,
    /// Versions we have bindings for, ascending.
    pub our_versions: Vec<String>,
    /// The highest version both sides support: what a negotiating client would use.
    pub highest_common: Option<String>,
    /// Our versions the client does not support.
    pub unsupported: Vec<String>,
    /// Client versions newer than our newest.
    pub newer: Vec<String>,
    /// The other name the client advertises the function under (ERRATA E2).
    pub advertised_as: Option<String>,
    /// What the comparison says about this function.
    pub verdict: Verdict,
}

/// The whole table, one row per function either side knows, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// One row per function either side knows, sorted by name.
    pub rows: Vec<Row>,
}

impl Report {
    /// The row of a function, by our name for it.
    pub fn row(&self, function: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.function == function)
    }

    /// Whether a binding we ship is unsupported by the client (the command's exit
    /// status).
    pub fn has_failures(&self) -> bool {
        self.rows.iter().any(|r| r.verdict.is_failure())
    }

    /// The report as pretty-printed JSON (the `--json` output).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serializes")
    }

    /// A plain-text table.
    pub fn to_table(&self) -> String {
        let headers = ["FUNCTION", "CLIENT", "OURS", "USE", "VERDICT"];
        let cells: Vec<[String; 5]> = self
            .rows
            .iter()
            .map(|r| {
                let mut verdict = r.verdict.describe().to_string();
                if !r.unsupported.is_empty() {
                    let _ = write!(verdict, " ({} unsupported)", r.unsupported.join(", "));
                } else if !r.newer.is_empty() {
                    let _ = write!(verdict, " ({})", r.newer.join(", "));
                }
                [
                    match &r.advertised_as {
                        Some(alias) => format!("{} (as {alias})", r.function),
                        None => r.function.clone(),
                    },
                    dash(&r.client_versions.join(", ")),
                    dash(&r.our_versions.join(", ")),
                    dash(r.highest_common.as_deref().unwrap_or("")),
                    verdict,
                ]
            })
            .collect();
        let mut widths = headers.map(str::len);
        for row in &cells {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.len());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, row: &[&str]| {
            let mut text = String::new();
            for (i, c) in row.iter().enumerate() {
                let _ = write!(text, "{c:<width$}  ", width = widths[i]);
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&mut out, &headers);
        for row in &cells {
            line(&mut out, &row.each_ref().map(String::as_str));
        }
        out
    }
}

fn dash(s: &str) -> String {
    if s.is_empty() { "-".into() } else { s.into() }
}

/// Compares what the client advertises (GetFunctions: function name and versions)
/// with the bindings we ship ((function, version) pairs, as in
/// `systmone_bindings::FUNCTIONS`); `aliases` ((alias, function), as in
/// `systmone_bindings::ALIASES`) map the other names a client may advertise a
/// function under (ERRATA E2) to ours.
pub fn compare(
    advertised: &[(String, Vec<String>)],
    ours: &[(&str, &str)],
    aliases: &[(&str, &str)],
) -> Report {
    let mut table: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    let mut advertised_as: BTreeMap<String, String> = BTreeMap::new();
    for (name, versions) in advertised {
        let function = match aliases.iter().find(|(alias, _)| alias == name) {
            Some((alias, function)) => {
                advertised_as.insert(function.to_string(), alias.to_string());
                function.to_string()
            }
            None => name.clone(),
        };
        let entry = table.entry(function).or_default();
        for v in versions {
            if !entry.0.contains(v) {
                entry.0.push(v.clone());
            }
        }
    }
    for (function, version) in ours {
        let entry = table.entry(function.to_string()).or_default();
        if !entry.1.iter().any(|v| v == version) {
            entry.1.push(version.to_string());
        }
    }
    let rows = table
        .into_iter()
        .map(|(function, (mut client, mut ours))| {
            client.sort_by(|a, b| compare_versions(a, b));
            ours.sort_by(|a, b| compare_versions(a, b));
            let supported = |v: &String| {
                client
                    .iter()
                    .any(|c| compare_versions(c, v) == Ordering::Equal)
            };
            let unsupported: Vec<String> = ours.iter().filter(|v| !supported(v)).cloned().collect();
            let newer: Vec<String> = match ours.last() {
                Some(newest) => client
                    .iter()
                    .filter(|c| compare_versions(c, newest) == Ordering::Greater)
                    .cloned()
                    .collect(),
                None => Vec::new(),
            };
            let our_refs: Vec<&str> = ours.iter().map(String::as_str).collect();
            let verdict = if ours.is_empty() {
                Verdict::UnknownToUs
            } else if client.is_empty() {
                Verdict::MissingFromClient
            } else if !unsupported.is_empty() {
                Verdict::OurVersionUnsupported
            } else if !newer.is_empty() {
                Verdict::NewerAvailable
            } else {
                Verdict::Ok
            };
            Row {
                advertised_as: advertised_as.get(&function).cloned(),
                highest_common: highest_common(&client, &our_refs),
                function,
                client_versions: client,
                our_versions: ours,
                unsupported,
                newer,
                verdict,
            }
        })
        .collect();
    Report { rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adv(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        list.iter()
            .map(|(f, vs)| (f.to_string(), vs.iter().map(|v| v.to_string()).collect()))
            .collect()
    }

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare_versions("1.10", "1.9"), Ordering::Greater);
        assert_eq!(compare_versions("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(compare_versions("2.0", "10.0"), Ordering::Less);
        assert_eq!(compare_versions("1.1", "1.1"), Ordering::Equal);
        assert_eq!(compare_versions("1.x", "1.9"), Ordering::Greater);
    }

    #[test]
    fn highest_common_version() {
        let a = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            highest_common(&a(&["1.0", "1.9", "1.10"]), &["1.0", "1.9", "1.10"]).as_deref(),
            Some("1.10")
        );
        assert_eq!(
            highest_common(&a(&["1.0", "1.1", "2.0"]), &["1.0", "1.1"]).as_deref(),
            Some("1.1")
        );
        assert_eq!(highest_common(&a(&["2.0"]), &["1.0", "1.1"]), None);
        assert_eq!(highest_common(&a(&[]), &["1.0"]), None);
        // F13: a version is a number; the answer is spelt as ours.
        assert_eq!(
            highest_common(&a(&["1.0"]), &["1.0.0"]).as_deref(),
            Some("1.0.0")
        );
        assert_eq!(highest_common(&a(&["1"]), &["1.0"]).as_deref(), Some("1.0"));
    }

    #[test]
    fn a_version_advertised_as_1_is_ours() {
        let report = compare(
            &adv(&[("PatientSearch", &["1"])]),
            &[("PatientSearch", "1.0")],
            &[],
        );
        let row = report.row("PatientSearch").unwrap();
        assert_eq!(row.verdict, Verdict::Ok);
        assert_eq!(row.highest_common.as_deref(), Some("1.0"));
    }

    #[test]
    fn every_verdict() {
        let advertised = adv(&[
            ("Same", &["1.0"]),
            ("Newer", &["1.0", "1.1"]),
            ("Dropped", &["1.1"]),
            ("PartlyDropped", &["1.1", "1.2"]),
            ("Theirs", &["1.0"]),
        ]);
        let ours = [
            ("Same", "1.0"),
            ("Newer", "1.0"),
            ("Dropped", "1.0"),
            ("PartlyDropped", "1.0"),
            ("PartlyDropped", "1.1"),
            ("Ours", "1.0"),
        ];
        let report = compare(&advertised, &ours, &[]);
        let verdict = |f| report.row(f).unwrap().verdict;
        assert_eq!(verdict("Same"), Verdict::Ok);
        assert_eq!(verdict("Newer"), Verdict::NewerAvailable);
        assert_eq!(report.row("Newer").unwrap().newer, ["1.1"]);
        assert_eq!(
            report.row("Newer").unwrap().highest_common.as_deref(),
            Some("1.0")
        );
        assert_eq!(verdict("Dropped"), Verdict::OurVersionUnsupported);
        assert_eq!(report.row("Dropped").unwrap().highest_common, None);
        assert_eq!(verdict("PartlyDropped"), Verdict::OurVersionUnsupported);
        assert_eq!(report.row("PartlyDropped").unwrap().unsupported, ["1.0"]);
        assert_eq!(
            report
                .row("PartlyDropped")
                .unwrap()
                .highest_common
                .as_deref(),
            Some("1.1")
        );
        assert_eq!(verdict("Theirs"), Verdict::UnknownToUs);
        assert_eq!(verdict("Ours"), Verdict::MissingFromClient);
        assert!(report.has_failures());
        let names: Vec<&str> = report.rows.iter().map(|r| r.function.as_str()).collect();
        assert_eq!(
            names,
            [
                "Dropped",
                "Newer",
                "Ours",
                "PartlyDropped",
                "Same",
                "Theirs"
            ]
        );
    }

    #[test]
    fn all_ok_is_not_a_failure() {
        let report = compare(
            &adv(&[("A", &["1.0"]), ("B", &["1.0", "1.1"]), ("C", &["1.0"])]),
            &[("A", "1.0"), ("B", "1.1")],
            &[],
        );
        assert!(!report.has_failures());
        assert_eq!(report.row("C").unwrap().verdict, Verdict::UnknownToUs);
    }

    #[test]
    fn aliases_are_the_same_function() {
        let report = compare(
            &adv(&[("DeletePatientRecord", &["1.0"])]),
            &[("DeleteFromPatientRecord", "1.0")],
            &[("DeletePatientRecord", "DeleteFromPatientRecord")],
        );
        assert_eq!(report.rows.len(), 1);
        let row = &report.rows[0];
        assert_eq!(row.verdict, Verdict::Ok);
        assert_eq!(row.advertised_as.as_deref(), Some("DeletePatientRecord"));
        assert!(
            report
                .to_table()
                .contains("DeleteFromPatientRecord (as DeletePatientRecord)")
        );
    }

    #[test]
    fn table_and_json() {
        let report = compare(
            &adv(&[("A", &["1.0", "1.1"])]),
            &[("A", "1.0"), ("B", "1.0")],
            &[],
        );
        let table = report.to_table();
        assert!(table.starts_with("FUNCTION"), "{table}");
        assert!(
            table.contains("A         1.0, 1.1  1.0   1.0  newer version available (1.1)"),
            "{table}"
        );
        assert!(
            table.contains("function we have but the client lacks"),
            "{table}"
        );
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["rows"][0]["verdict"], "newer-available");
        assert_eq!(json["rows"][1]["verdict"], "missing-from-client");
    }
}
