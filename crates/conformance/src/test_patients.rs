//! The test patients file: numbered roles mapped to a practice's own NHS numbers, as
//! in the GP Connect provider test kit. Writes go to these patients only.
//!
//! ```
//! use systmone_conformance::{Role, TestPatients};
//!
//! let patients = TestPatients::parse("[roles]\nhas-medication = \"9434765919\"\n").unwrap();
//! assert_eq!(patients.get(Role::HasMedication), Some("9434765919"));
//! assert_eq!(patients.get(Role::HasDocuments), None);
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// What a test patient's record must hold for the scenarios that use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Has medication (acute or repeat).
    HasMedication,
    /// Has problems (coded entries with problem fields, FIELD-EVIDENCE F3).
    HasProblems,
    /// Has appointments (and the booking scenario writes to this patient).
    HasAppointments,
    /// Has letters or attachments behind DocumentUIDs.
    HasDocuments,
}

impl Role {
    /// Every role, in the order of the file.
    pub const ALL: [Role; 4] = [
        Role::HasMedication,
        Role::HasProblems,
        Role::HasAppointments,
        Role::HasDocuments,
    ];

    /// The role's name in the file (`has-medication`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Role::HasMedication => "has-medication",
            Role::HasProblems => "has-problems",
            Role::HasAppointments => "has-appointments",
            Role::HasDocuments => "has-documents",
        }
    }
}

/// Why a test patients file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TestPatientsError {
    /// The file could not be read.
    #[error("cannot read the test patients file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not the expected TOML.
    #[error("the test patients file is not valid: {0}")]
    Format(String),
    /// A number is not ten digits with a valid modulus 11 check digit.
    #[error("the test patient for {role} has an invalid NHS number ({reason})")]
    BadNumber {
        /// The role.
        role: &'static str,
        /// What is wrong with it (never the number: it is patient data).
        reason: &'static str,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    roles: BTreeMap<Role, String>,
}

/// The test patients: for each role, the NHS number of the practice's patient in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestPatients {
    roles: BTreeMap<Role, String>,
}

impl TestPatients {
    /// Reads the file's text: a `[roles]` table of `role = "NHS number"`.
    pub fn parse(text: &str) -> Result<Self, TestPatientsError> {
        let file: File = toml::from_str(text).map_err(|e| {
            // toml's message quotes the offending line, which may hold an NHS number.
            TestPatientsError::Format(e.message().to_string())
        })?;
        for (role, number) in &file.roles {
            if let Err(reason) = check_nhs_number(number) {
                return Err(TestPatientsError::BadNumber {
                    role: role.name(),
                    reason,
                });
            }
        }
        Ok(TestPatients { roles: file.roles })
    }

    /// Reads the file at `path`.
    pub fn load(path: &Path) -> Result<Self, TestPatientsError> {
        let text = systmone_core::file::read_to_string(path).map_err(|source| {
            TestPatientsError::Read {
                path: path.display().to_string(),
                source,
            }
        })?;
        Self::parse(&text)
    }

    /// The NHS number of the patient in `role`, if the file names one.
    pub fn get(&self, role: Role) -> Option<&str> {
        self.roles.get(&role).map(String::as_str)
    }

    /// Whether `number` is one of the test patients (writes are allowed on no other).
    pub fn contains(&self, number: &str) -> bool {
        self.roles.values().any(|n| n == number)
    }

    /// Whether no role is filled.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }
}

/// Ten digits whose modulus 11 check digit holds.
pub fn check_nhs_number(number: &str) -> Result<(), &'static str> {
    let digits: Vec<u32> = number.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 10 || number.len() != 10 {
        return Err("not ten digits");
    }
    let sum: u32 = digits[..9]
        .iter()
        .enumerate()
        .map(|(i, d)| d * (10 - i as u32))
        .sum();
    let check = 11 - sum % 11;
    let check = if check == 11 { 0 } else { check };
    if check == 10 || check != digits[9] {
        return Err("the check digit does not hold");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_files_are_refused_without_echoing_numbers() {
        let bad = TestPatients::parse("[roles]\nhas-medication = \"9434765918\"\n").unwrap_err();
        assert!(matches!(bad, TestPatientsError::BadNumber { .. }));
        assert!(!bad.to_string().contains("943476591"), "{bad}");
        let unknown = TestPatients::parse("[roles]\nhas-cats = \"9434765919\"\n").unwrap_err();
        assert!(matches!(unknown, TestPatientsError::Format(_)), "{unknown}");
        let ok = TestPatients::parse("[roles]\nhas-documents = \"9434765919\"\n").unwrap();
        assert!(ok.contains("9434765919"));
        assert!(!ok.contains("9434765918"));
    }
}
