//! The catalogue of scenarios: what each checks, which document section and which facts
//! (E-numbers of `docs/errata.md`, F-numbers of `docs/field-evidence.md`), and the
//! requests it sends (for the duration estimate).

use crate::test_patients::Role;

/// What a scenario does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// GetFunctions, and compat of the shipped bindings with what it advertises.
    Functions,
    /// GetOrganisationMetaData.
    OrganisationMetaData,
    /// GetCurrentActivity.
    CurrentActivity,
    /// GetCurrentSelection.
    CurrentSelection,
    /// IsPatientRetrieved.
    IsPatientRetrieved,
    /// GetReferenceData.
    ReferenceData,
    /// PatientSearch by a test patient's surname and date of birth (read from their
    /// demographics first); the patient must be among the matches.
    PatientSearch,
    /// GetPatientRecord of `role`'s patient with one filter (none: the whole record);
    /// the response must hold `expect` (else the practice lacks the data: skipped).
    Record {
        /// The filter element (`Medication`, ...), or none for the whole record.
        filter: Option<&'static str>,
        /// Both entry dates today (exempt from the 30 s rule, ERRATA E22).
        entered_today: bool,
        /// Whose record.
        role: Role,
        /// An element the response must hold.
        expect: Option<&'static str>,
    },
    /// GetAppointmentSlots for the next two weeks.
    Slots,
    /// GetDiary for the next two weeks.
    Diary,
    /// GetXSDFiles into SystmOne's temporary directory, then xsd-diff against the
    /// bindings' schemas.
    XsdFiles,
    /// Books a free slot for the has-appointments patient, then cancels it
    /// (DeleteFromPatientRecord). Needs `--allow-writes`.
    BookAndCancel,
    /// Adds a coded entry to the has-problems patient, reads it back (entered today,
    /// exempt), then deletes it. Needs `--allow-writes`.
    AddAndDeleteCode,
}

/// One scenario of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    /// A stable id (the resume file and reports name scenarios by it).
    pub id: &'static str,
    /// What it checks, in a line.
    pub title: &'static str,
    /// The document's section ("Function Descriptions" sub-section).
    pub section: &'static str,
    /// The errata (E..) and field evidence (F..) it checks.
    pub refs: &'static [&'static str],
    /// What it does.
    pub check: Check,
}

impl Scenario {
    /// Whether it writes to a record.
    pub fn writes(&self) -> bool {
        matches!(self.check, Check::BookAndCancel | Check::AddAndDeleteCode)
    }

    /// The requests it sends, in order: `true` for a GetPatientRecord the 30 s rule
    /// throttles.
    pub fn requests(&self) -> Vec<bool> {
        match self.check {
            Check::PatientSearch => vec![false, false],
            Check::Record {
                filter,
                entered_today,
                ..
            } => vec![filter != Some("Demographics") && !entered_today],
            Check::BookAndCancel | Check::AddAndDeleteCode => vec![false, false, false],
            _ => vec![false],
        }
    }
}

const fn record(
    id: &'static str,
    title: &'static str,
    refs: &'static [&'static str],
    filter: Option<&'static str>,
    role: Role,
    expect: Option<&'static str>,
) -> Scenario {
    Scenario {
        id,
        title,
        section: "GetPatientRecord > Filters",
        refs,
        check: Check::Record {
            filter,
            entered_today: false,
            role,
            expect,
        },
    }
}

/// Every scenario, read-only ones first, in the order they run. Throttled records
/// come last among the reads, so the scenarios that cost nothing run first and the
/// 30 s waits are not spent idle between them.
pub const CATALOGUE: &[Scenario] = &[
    Scenario {
        id: "functions",
        title: "GetFunctions, and compat of the shipped bindings",
        section: "GetFunctions",
        refs: &["E2"],
        check: Check::Functions,
    },
    Scenario {
        id: "organisation",
        title: "GetOrganisationMetaData: sites, users, slot and clinic types",
        section: "GetOrganisationMetaData",
        refs: &["E9", "E14"],
        check: Check::OrganisationMetaData,
    },
    Scenario {
        id: "current-activity",
        title: "GetCurrentActivity",
        section: "GetCurrentActivity",
        refs: &["E4"],
        check: Check::CurrentActivity,
    },
    Scenario {
        id: "current-selection",
        title: "GetCurrentSelection",
        section: "GetCurrentSelection",
        refs: &["E4", "E10"],
        check: Check::CurrentSelection,
    },
    Scenario {
        id: "is-patient-retrieved",
        title: "IsPatientRetrieved",
        section: "IsPatientRetrieved",
        refs: &["E4"],
        check: Check::IsPatientRetrieved,
    },
    Scenario {
        id: "reference-data",
        title: "GetReferenceData: numeric code units",
        section: "GetReferenceData",
        refs: &["E6"],
        check: Check::ReferenceData,
    },
    Scenario {
        id: "record-demographics",
        title: "GetPatientRecord, Demographics only (exempt from the 30 s rule)",
        section: "GetPatientRecord > Filters",
        refs: &["E22", "F8"],
        check: Check::Record {
            filter: Some("Demographics"),
            entered_today: false,
            role: Role::HasMedication,
            expect: Some("Demographics"),
        },
    },
    Scenario {
        id: "record-entered-today",
        title: "GetPatientRecord, clinical codes entered today (exempt from the 30 s rule)",
        section: "GetPatientRecord > Filters",
        refs: &["E22"],
        check: Check::Record {
            filter: Some("ClinicalCodes"),
            entered_today: true,
            role: Role::HasProblems,
            expect: None,
        },
    },
    Scenario {
        id: "patient-search",
        title: "PatientSearch by a test patient's surname and date of birth",
        section: "PatientSearch",
        refs: &["E15"],
        check: Check::PatientSearch,
    },
    Scenario {
        id: "appointment-slots",
        title: "GetAppointmentSlots: free slots in the next two weeks",
        section: "GetAppointmentSlots",
        refs: &["E8"],
        check: Check::Slots,
    },
    Scenario {
        id: "diary",
        title: "GetDiary: the next two weeks",
        section: "GetDiary",
        refs: &["E12"],
        check: Check::Diary,
    },
    Scenario {
        id: "xsd-files",
        title: "GetXSDFiles, then xsd-diff against the bindings' schemas",
        section: "GetXSDFiles",
        refs: &[],
        check: Check::XsdFiles,
    },
    record(
        "record-whole",
        "GetPatientRecord, the whole record",
        &["F7"],
        None,
        Role::HasProblems,
        Some("Event"),
    ),
    record(
        "record-clinical-codes",
        "GetPatientRecord, ClinicalCodes (problems as fields)",
        &["F3", "F4"],
        Some("ClinicalCodes"),
        Role::HasProblems,
        Some("ProblemUID"),
    ),
    record(
        "record-medication",
        "GetPatientRecord, Medication",
        &["F2"],
        Some("Medication"),
        Role::HasMedication,
        Some("Medication"),
    ),
    record(
        "record-narrative",
        "GetPatientRecord, Narrative",
        &["F1"],
        Some("Narrative"),
        Role::HasProblems,
        Some("Narrative"),
    ),
    record(
        "record-letters",
        "GetPatientRecord, Letters",
        &["E21"],
        Some("Letters"),
        Role::HasDocuments,
        Some("Letter"),
    ),
    record(
        "record-attachments",
        "GetPatientRecord, Attachments",
        &["F5"],
        Some("Attachments"),
        Role::HasDocuments,
        Some("Attachment"),
    ),
    record(
        "record-appointments",
        "GetPatientRecord, Appointments",
        &["E8"],
        Some("Appointments"),
        Role::HasAppointments,
        Some("Appointment"),
    ),
    record(
        "record-tasks",
        "GetPatientRecord, Tasks",
        &["F6"],
        Some("Tasks"),
        Role::HasAppointments,
        Some("Task"),
    ),
    Scenario {
        id: "write-book-cancel",
        title: "UpdatePatientRecord books a free slot, DeleteFromPatientRecord cancels it",
        section: "UpdatePatientRecord; DeleteFromPatientRecord",
        refs: &["E2", "E11", "E13"],
        check: Check::BookAndCancel,
    },
    Scenario {
        id: "write-add-delete-code",
        title: "UpdatePatientRecord adds a coded entry, read back, then deleted",
        section: "UpdatePatientRecord; DeleteFromPatientRecord",
        refs: &["E2", "E22"],
        check: Check::AddAndDeleteCode,
    },
];

/// The scenarios a run includes: the reads, and the writes when allowed.
pub fn plan(allow_writes: bool) -> Vec<&'static Scenario> {
    CATALOGUE
        .iter()
        .filter(|s| allow_writes || !s.writes())
        .collect()
}
