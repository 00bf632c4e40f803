//! The simulated practice: its data model (serialisable as JSON, the `--data` format),
//! the built-in practice generated deterministically from a seed, NHS number checks,
//! and the small code mapping tables (CTV3 <-> Snomed, Multilex <-> dm+d).
//!
//! # The `--data` file format
//!
//! A JSON document holding one [`Practice`]: `sites`, `users`, `slot_types`,
//! `clinic_types`, `slots` (every appointment slot, with `booked` set to the
//! AppointmentUID when taken), `patients` (demographics, `events` with typed `items`,
//! `appointments`, `visits`, `tasks`, `documents`), `numeric_units`, `extracts` and
//! `owners` (UID -> Device ID that added it, for DeleteFromPatientRecord). Dates are
//! `YYYY-MM-DD`, date-times `YYYY-MM-DDTHH:MM:SS`. Write the built-in practice with
//! `systmone-sim --dump-practice FILE` (or [`Practice::to_json`]) to get a template.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

/// A whole practice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Practice {
    pub sites: Vec<SiteData>,
    pub users: Vec<UserData>,
    pub slot_types: Vec<String>,
    pub clinic_types: Vec<String>,
    pub slots: Vec<SlotData>,
    pub patients: Vec<PatientData>,
    pub numeric_units: Vec<NumericUnit>,
    /// Strategic Reporting extracts DataExtract can download, by name.
    pub extracts: Vec<String>,
    /// UID (event, appointment, visit, task) -> the Device ID that added it.
    #[serde(default)]
    pub owners: BTreeMap<String, String>,
    /// Device IDs approved before the simulator started (the document's examples).
    #[serde(default)]
    pub known_devices: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AddressData {
    #[serde(default)]
    pub house_name: String,
    #[serde(default)]
    pub house_number: String,
    #[serde(default)]
    pub road: String,
    #[serde(default)]
    pub locality: String,
    #[serde(default)]
    pub town: String,
    #[serde(default)]
    pub county: String,
    #[serde(default)]
    pub postcode: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteData {
    pub name: String,
    pub id: String,
    pub telephone: Option<String>,
    pub fax: Option<String>,
    pub email: Option<String>,
    pub address: AddressData,
    pub primary: bool,
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserData {
    pub title: String,
    pub first_name: String,
    pub middle_names: String,
    pub surname: String,
    pub user_name: String,
    /// `M`, `F` or empty.
    pub gender: String,
    pub role: String,
    pub role_code: String,
    pub national_id: String,
    pub national_id_type: String,
    pub access_rights: Vec<String>,
    pub groups: Vec<String>,
    pub current: bool,
}

impl UserData {
    /// "LITTLER, Drew" style, as appointments show the clinician.
    pub fn clinician_name(&self) -> String {
        format!("{}, {}", self.surname.to_uppercase(), self.first_name)
    }

    /// "Drew Littler" style, as events show DoneBy.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.surname)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotData {
    pub user_name: String,
    pub site_name: String,
    pub clinic_type: String,
    pub slot_type: String,
    pub start: NaiveDateTime,
    pub duration: u32,
    /// The AppointmentUID booked into this slot, if any.
    pub booked: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericUnit {
    pub code: String,
    pub units: String,
    pub created: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeData {
    /// `CTV3` or `Snomed`.
    pub scheme: String,
    pub code: String,
    pub term: Option<String>,
}

impl CodeData {
    pub fn ctv3(code: &str) -> Self {
        CodeData {
            scheme: "CTV3".into(),
            code: code.into(),
            term: ctv3_term(code).map(str::to_string),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientData {
    /// The NHS number, if the record has one.
    pub nhs_number: Option<String>,
    /// The pseudo number, when the record has no NHS number.
    pub pseudo_number: Option<String>,
    pub sr_id: u64,
    /// One of the document's own example patients (their numbers may fail modulus 11).
    #[serde(default)]
    pub document_example: bool,
    pub title: String,
    pub first_name: String,
    pub middle_names: String,
    pub surname: String,
    pub known_as: String,
    pub date_of_birth: NaiveDate,
    /// M, F, I or U.
    pub sex: String,
    pub marital_status: Option<CodeData>,
    pub ethnicity: Option<CodeData>,
    pub main_language: Option<CodeData>,
    /// Yes, No or Unknown.
    pub english_speaker: String,
    pub address: Option<AddressData>,
    pub home_telephone: String,
    pub work_telephone: String,
    pub mobile_telephone: String,
    pub alternate_telephone: String,
    pub email: String,
    /// Yes, No or empty.
    pub sms_consent: String,
    pub usual_gp: String,
    pub care_start: NaiveDate,
    pub registration_type: Option<String>,
    pub events: Vec<EventData>,
    pub appointments: Vec<AppointmentData>,
    pub visits: Vec<VisitData>,
    pub tasks: Vec<TaskData>,
    /// DocumentUID -> the document behind a letter or attachment.
    #[serde(default)]
    pub documents: BTreeMap<String, DocumentData>,
}

impl PatientData {
    /// The number identifying the record (NHS number, else pseudo number).
    pub fn key(&self) -> &str {
        self.nhs_number
            .as_deref()
            .or(self.pseudo_number.as_deref())
            .unwrap_or("")
    }

    /// Every telephone number on the record.
    pub fn phones(&self) -> [&str; 4] {
        [
            &self.home_telephone,
            &self.mobile_telephone,
            &self.work_telephone,
            &self.alternate_telephone,
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentData {
    pub file_name: String,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    pub uid: String,
    pub date_time: NaiveDateTime,
    /// When it was entered (defaults to the event's date).
    pub entered: NaiveDateTime,
    pub user_name: Option<String>,
    pub done_by: Option<String>,
    pub done_at: Option<String>,
    pub software: Option<String>,
    pub linked_referral_uid: Option<String>,
    pub items: Vec<ItemData>,
}

/// A data item of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ItemData {
    Code {
        code: CodeData,
        value: Option<f64>,
        free_text: Option<String>,
        #[serde(default)]
        problems: Vec<String>,
    },
    Medication {
        /// Multilex product ID (or a dm+d ID when `scheme` is `Dmd`).
        scheme: String,
        product_id: String,
        name: Option<String>,
        /// Days the prescription lasts (effective period).
        days: u32,
        /// Other children, kept as XML.
        #[serde(default)]
        extra_xml: Vec<String>,
    },
    Sensitivity {
        kind: String,
        ingredient_id: String,
        name: String,
        details: String,
    },
    Narrative {
        text: String,
    },
    Letter {
        /// The letter element as XML (DocumentUID included).
        xml: String,
    },
    Attachment {
        document_uid: Option<String>,
        url: Option<String>,
        comments: Option<String>,
    },
    Problem {
        problem_uid: String,
        code: CodeData,
        status: String,
    },
    Referral {
        referral_uid: String,
        direction: String,
        service: String,
        /// Effective until (open when absent).
        closed: Option<NaiveDate>,
    },
    /// An event-level link to a problem.
    LinkedProblem {
        problem_uid: String,
    },
    /// Any other element, kept as XML.
    Raw {
        name: String,
        xml: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointmentData {
    pub uid: String,
    pub start: NaiveDateTime,
    pub duration: u32,
    pub user_name: String,
    pub site_name: String,
    pub clinic_type: String,
    pub slot_type: String,
    pub status: String,
    pub comments: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitData {
    pub uid: String,
    pub date_time: NaiveDateTime,
    pub duration: f64,
    pub comments: Option<String>,
    pub user_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskData {
    pub uid: String,
    pub task_type: Option<String>,
    pub date_time: Option<NaiveDateTime>,
    pub comments: Option<String>,
    pub user_name: Option<String>,
    #[serde(default)]
    pub completed: bool,
}

/// Whether `number` is a ten-digit NHS number with a valid modulus 11 check digit.
pub fn nhs_number_is_valid(number: &str) -> bool {
    let digits: Vec<u32> = number.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 10 || number.len() != 10 {
        return false;
    }
    nhs_check_digit(&digits[..9]) == Some(digits[9])
}

fn nhs_check_digit(first9: &[u32]) -> Option<u32> {
    let sum: u32 = first9
        .iter()
        .enumerate()
        .map(|(i, d)| d * (10 - i as u32))
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => Some(c),
    }
}

/// CTV3 code, term, Snomed concept: the codes the practice uses.
pub const CODES: &[(&str, &str, &str)] = &[
    ("X505K", "Eczema", "43116000"),
    ("XE0s6", "Essential hypertension", "59621000"),
    ("XM1GI", "Chronic obstructive lung disease", "13645005"),
    ("XaBVJ", "Clinical findings", "404684003"),
    ("H33..", "Asthma", "195967001"),
    ("C10F.", "Type 2 diabetes mellitus", "44054006"),
    ("H06z0", "Chest infection", "50417007"),
    ("137R.", "Current smoker", "77176002"),
    ("1371.", "Never smoked tobacco", "266919005"),
    ("229..", "O/E - height", "50373000"),
    ("22A..", "O/E - weight", "27113001"),
    ("22K..", "Body Mass Index", "60621009"),
    ("2469.", "O/E - Systolic BP reading", "271649006"),
    ("246A.", "O/E - Diastolic BP reading", "271650006"),
    ("XE0oZ", "Single person", "125725006"),
    ("XE0oa", "Married", "87915002"),
    ("XaFwD", "White British", "494131000000105"),
    ("XaG5t", "Main spoken language English", "161139006"),
];

/// Multilex product ID, name, dm+d ID, days supply.
pub const DRUGS: &[(&str, &str, &str)] = &[
    ("1004531", "Paracetamol 500mg soluble tablets", "322280009"),
    (
        "1009071",
        "Paracetamol 120mg/5ml oral solution paediatric sugar free",
        "322251003",
    ),
    ("1012244", "Amoxicillin 500mg capsules", "323509004"),
    (
        "1020781",
        "Salbutamol 100micrograms/dose inhaler CFC free",
        "320176004",
    ),
    ("1031542", "Ramipril 5mg capsules", "318903000"),
    ("1045103", "Metformin 500mg tablets", "325278007"),
    ("1052390", "Atorvastatin 20mg tablets", "320030001"),
    (
        "1061122",
        "Omeprazole 20mg gastro-resistant capsules",
        "317319000",
    ),
];

/// The term of a CTV3 code the practice knows.
pub fn ctv3_term(code: &str) -> Option<&'static str> {
    CODES.iter().find(|c| c.0 == code).map(|c| c.1)
}

/// CTV3 -> Snomed.
pub fn ctv3_to_snomed(code: &str) -> Option<&'static str> {
    CODES.iter().find(|c| c.0 == code).map(|c| c.2)
}

/// Snomed -> CTV3.
pub fn snomed_to_ctv3(code: &str) -> Option<&'static str> {
    CODES.iter().find(|c| c.2 == code).map(|c| c.0)
}

/// Multilex -> dm+d.
pub fn multilex_to_dmd(id: &str) -> Option<&'static str> {
    DRUGS.iter().find(|d| d.0 == id).map(|d| d.2)
}

/// dm+d -> Multilex.
pub fn dmd_to_multilex(id: &str) -> Option<&'static str> {
    DRUGS.iter().find(|d| d.2 == id).map(|d| d.0)
}

/// The name of a Multilex product.
pub fn drug_name(id: &str) -> Option<&'static str> {
    DRUGS.iter().find(|d| d.0 == id).map(|d| d.1)
}

/// SplitMix64: a small deterministic PRNG.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A 16-hex-digit SystmOne-style UID.
    pub fn uid(&mut self) -> String {
        format!("{:016x}", self.next_u64())
    }
}

const MALE: &[&str] = &[
    "James", "Oliver", "Harry", "Jack", "George", "Noah", "Charlie", "Jacob", "Thomas", "William",
    "David", "Daniel", "Mohammed", "Samuel", "Joseph", "Adam", "Peter", "Ravi", "Liam", "Arthur",
];
const FEMALE: &[&str] = &[
    "Olivia", "Amelia", "Isla", "Emily", "Ava", "Jessica", "Sophie", "Grace", "Ruby", "Lily",
    "Mia", "Chloe", "Aisha", "Hannah", "Priya", "Ella", "Freya", "Laura", "Sarah", "Megan",
];
const SURNAMES: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Khan", "Hughes", "Turner", "Hill", "Moore", "Cooper", "Ward",
    "Morris", "King",
];
const ROADS: &[(&str, &str, &str)] = &[
    ("Troy Road", "Horsforth", "LS18 5TN"),
    ("Clarence Road", "Horsforth", "LS18 4LB"),
    ("Town Street", "Horsforth", "LS18 4RJ"),
    ("Leeds Road", "Scholes", "LS15 4DF"),
    ("Main Street", "Scholes", "LS15 4DZ"),
    ("Otley Road", "Headingley", "LS6 3AA"),
    ("Kirkstall Lane", "Kirkstall", "LS5 3BE"),
    ("Low Lane", "Horsforth", "LS18 5NY"),
    ("Station Road", "Cross Gates", "LS15 7JY"),
    ("Stanhope Drive", "Horsforth", "LS18 4EW"),
];

struct Gen<'a> {
    rng: Rng,
    today: NaiveDate,
    users: &'a [UserData],
    used_numbers: BTreeSet<String>,
    next_sr: u64,
}

fn at(date: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    date.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN))
}

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap_or_default()
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn user(
    title: &str,
    first: &str,
    surname: &str,
    user_name: &str,
    gender: &str,
    role: (&str, &str),
    id: (&str, &str),
    groups: &[&str],
    current: bool,
) -> UserData {
    UserData {
        title: title.into(),
        first_name: first.into(),
        middle_names: String::new(),
        surname: surname.into(),
        user_name: user_name.into(),
        gender: gender.into(),
        role: role.0.into(),
        role_code: role.1.into(),
        national_id: id.0.into(),
        national_id_type: id.1.into(),
        access_rights: vec![
            "can use the Choose and Book module to refer patients".into(),
            "can record clinical data".into(),
        ],
        groups: groups.iter().map(|g| g.to_string()).collect(),
        current,
    }
}

fn site(
    name: &str,
    id: &str,
    tel: &str,
    road: &str,
    loc: &str,
    pc: &str,
    primary: bool,
) -> SiteData {
    SiteData {
        name: name.into(),
        id: id.into(),
        telephone: Some(tel.into()),
        fax: primary.then(|| "01132050081".to_string()),
        email: primary.then(|| "email@test.com".to_string()),
        address: AddressData {
            house_name: "The Health Centre".into(),
            house_number: String::new(),
            road: road.into(),
            locality: loc.into(),
            town: "Leeds".into(),
            county: "West Yorkshire".into(),
            postcode: pc.into(),
        },
        primary,
        current: primary,
    }
}

impl Practice {
    /// Serialises the practice as JSON (the `--data` format).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a practice written by [`Practice::to_json`].
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The built-in practice, deterministic from `seed` and `today` (slots and pending
    /// appointments are placed relative to `today`).
    pub fn generate(seed: u64, today: NaiveDate) -> Practice {
        let sites = vec![
            site(
                "The Real Surgery",
                "B11111",
                "01132050080",
                "Troy Road",
                "Horsforth",
                "LS18 5TN",
                true,
            ),
            site(
                "Scholes Branch Surgery",
                "B11111-2",
                "01132050090",
                "Main Street",
                "Scholes",
                "LS15 4DZ",
                false,
            ),
        ];
        let gp = ("General Medical Practitioner", "S0010:G0020:R0260");
        let nurse = ("Practice Nurse", "S0030:G0060:R0570");
        let users = vec![
            user(
                "Dr",
                "Drew",
                "Littler",
                "dlittler2405",
                "M",
                gp,
                ("2672881", "GMC"),
                &["Doctors"],
                true,
            ),
            user(
                "Dr",
                "Jeff",
                "Fry",
                "jefffry",
                "M",
                gp,
                ("4512098", "GMC"),
                &["Doctors"],
                false,
            ),
            user(
                "Mrs",
                "Laura",
                "Sharples",
                "lsharples1004",
                "F",
                ("Other Community Health Service", "S0040:G0090:R1210"),
                ("12A3456E", "NMC"),
                &["Community"],
                false,
            ),
            user(
                "Ms",
                "Rachel",
                "Ainsworth",
                "user99",
                "F",
                nurse,
                ("98B7654E", "NMC"),
                &["Nurses"],
                false,
            ),
            user(
                "Mr",
                "Simon",
                "Okafor",
                "sokafor",
                "M",
                ("Pharmacist", "S0050:G0100:R1290"),
                ("2211334", "RPSGB"),
                &["Pharmacists"],
                false,
            ),
        ];
        let mut g = Gen {
            rng: Rng::new(seed),
            today,
            users: &users,
            used_numbers: BTreeSet::new(),
            next_sr: 100_000,
        };
        let mut practice = Practice {
            sites,
            users: users.clone(),
            slot_types: vec!["Slot".into(), "Telephone Appointment Slot".into()],
            clinic_types: vec!["Session".into(), "Nurse Clinic".into()],
            slots: Vec::new(),
            patients: Vec::new(),
            numeric_units: vec![
                NumericUnit {
                    code: "229..".into(),
                    units: "m".into(),
                    created: dt("2013-10-09T11:07:46"),
                },
                NumericUnit {
                    code: "22A..".into(),
                    units: "kg".into(),
                    created: dt("2013-10-09T11:07:46"),
                },
                NumericUnit {
                    code: "22K..".into(),
                    units: "kg/m2".into(),
                    created: dt("2013-10-09T11:07:47"),
                },
                NumericUnit {
                    code: "2469.".into(),
                    units: "mmHg".into(),
                    created: dt("2013-10-09T11:07:48"),
                },
                NumericUnit {
                    code: "246A.".into(),
                    units: "mmHg".into(),
                    created: dt("2013-10-09T11:07:48"),
                },
            ],
            extracts: vec!["Data Extract 1".into(), "Practice Extract".into()],
            owners: BTreeMap::new(),
            known_devices: vec![
                "392752167bd7f69b".into(),
                "60e1dc7b6c786750".into(),
                "0a3b2ed06537a063".into(),
                "2e8bf46a0b9294fa".into(),
                "8cb03c25797e17b1".into(),
                "2087a2d784cda2e4".into(),
            ],
        };
        practice.slots = g.slots();
        for ex in document_examples() {
            g.used_numbers.insert(ex.key().to_string());
            practice.patients.push(ex);
        }
        for i in 0..300 {
            let p = g.patient(i, false);
            practice.patients.push(p);
        }
        for i in 0..10 {
            let p = g.patient(i, true);
            practice.patients.push(p);
        }
        // Book some generated patients into future slots.
        let mut slot_idx: Vec<usize> = (0..practice.slots.len()).collect();
        let n = practice.patients.len();
        for k in 0..60 {
            if slot_idx.is_empty() {
                break;
            }
            let pick = g.rng.below(slot_idx.len() as u64) as usize;
            let si = slot_idx.swap_remove(pick);
            let pi = document_examples_len() + (k * 7) % (n - document_examples_len());
            let uid = g.rng.uid();
            let slot = &mut practice.slots[si];
            slot.booked = Some(uid.clone());
            practice.patients[pi].appointments.push(AppointmentData {
                uid,
                start: slot.start,
                duration: slot.duration,
                user_name: slot.user_name.clone(),
                site_name: slot.site_name.clone(),
                clinic_type: slot.clinic_type.clone(),
                slot_type: slot.slot_type.clone(),
                status: "Booked".into(),
                comments: None,
            });
        }
        add_document_example_records(&mut practice);
        practice
    }

    /// A patient by NHS or pseudo number.
    pub fn patient(&self, number: &str) -> Option<&PatientData> {
        self.patients.iter().find(|p| p.key() == number)
    }

    /// A patient by NHS or pseudo number, mutable.
    pub fn patient_mut(&mut self, number: &str) -> Option<&mut PatientData> {
        self.patients.iter_mut().find(|p| p.key() == number)
    }

    /// The logged-on user.
    pub fn current_user(&self) -> Option<&UserData> {
        self.users.iter().find(|u| u.current).or(self.users.first())
    }

    /// The site the client is at.
    pub fn current_site(&self) -> Option<&SiteData> {
        self.sites.iter().find(|s| s.current).or(self.sites.first())
    }
}

impl Gen<'_> {
    fn slots(&mut self) -> Vec<SlotData> {
        let mut slots = Vec::new();
        let plan: &[(&str, &str, &str, &str, u32, u32)] = &[
            ("dlittler2405", "The Real Surgery", "Session", "Slot", 9, 11),
            ("jefffry", "The Real Surgery", "Session", "Slot", 14, 16),
            (
                "jefffry",
                "Scholes Branch Surgery",
                "Session",
                "Telephone Appointment Slot",
                11,
                12,
            ),
            ("user99", "The Real Surgery", "Nurse Clinic", "Slot", 9, 12),
        ];
        for day in 1..=21 {
            let date = self.today + Duration::days(day);
            if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                continue;
            }
            for (user, site, clinic, slot_type, from, to) in plan {
                let mut t = at(date, *from, 0);
                let end = at(date, *to, 0);
                while t < end {
                    slots.push(SlotData {
                        user_name: user.to_string(),
                        site_name: site.to_string(),
                        clinic_type: clinic.to_string(),
                        slot_type: slot_type.to_string(),
                        start: t,
                        duration: 10,
                        booked: None,
                    });
                    t += Duration::minutes(10);
                }
            }
        }
        // The document's example slots, so its booking example works verbatim.
        for (user, site, clinic, start) in [
            (
                "dlittler2405",
                "The Real Surgery",
                "Session",
                "2014-07-15T13:00:00",
            ),
            ("dlittler", "Surgery Name", "Session", "2014-04-24T16:10:00"),
        ] {
            slots.push(SlotData {
                user_name: user.into(),
                site_name: site.into(),
                clinic_type: clinic.into(),
                slot_type: "Slot".into(),
                start: dt(start),
                duration: 10,
                booked: None,
            });
        }
        slots
    }

    fn number(&mut self, pseudo: bool) -> String {
        loop {
            let n = if pseudo {
                format!("000{:07}", self.rng.below(10_000_000))
            } else {
                let mut digits = vec![4 + self.rng.below(6) as u32];
                for _ in 0..8 {
                    digits.push(self.rng.below(10) as u32);
                }
                match nhs_check_digit(&digits) {
                    Some(c) => {
                        digits.push(c);
                        digits.iter().map(|d| char::from(b'0' + *d as u8)).collect()
                    }
                    None => continue,
                }
            };
            if self.used_numbers.insert(n.clone()) {
                return n;
            }
        }
    }

    fn patient(&mut self, i: usize, pseudo: bool) -> PatientData {
        let number = self.number(pseudo);
        let male = self.rng.chance(0.5);
        let first = if male {
            *self.rng.pick(MALE)
        } else {
            *self.rng.pick(FEMALE)
        };
        let surname = *self.rng.pick(SURNAMES);
        let age_days = 365 * (1 + self.rng.below(90) as i64) + self.rng.below(365) as i64;
        let dob = self.today - Duration::days(age_days);
        let (road, locality, postcode) = *self.rng.pick(ROADS);
        let home = if self.rng.chance(0.7) {
            format!("0113{:07}", self.rng.below(10_000_000))
        } else {
            String::new()
        };
        let mobile = if self.rng.chance(0.6) {
            format!("07{:09}", self.rng.below(1_000_000_000))
        } else {
            String::new()
        };
        self.next_sr += 1 + self.rng.below(50);
        let gp = if self.rng.chance(0.5) {
            "dlittler2405"
        } else {
            "jefffry"
        };
        let care_start = dob.max(d("1980-01-01")) + Duration::days(self.rng.below(3000) as i64);
        let mut p = PatientData {
            nhs_number: (!pseudo).then(|| number.clone()),
            pseudo_number: pseudo.then(|| number.clone()),
            sr_id: self.next_sr,
            document_example: false,
            title: if male { "Mr" } else { "Ms" }.into(),
            first_name: first.into(),
            middle_names: String::new(),
            surname: surname.into(),
            known_as: String::new(),
            date_of_birth: dob,
            sex: if male { "M" } else { "F" }.into(),
            marital_status: Some(CodeData::ctv3(if self.rng.chance(0.5) {
                "XE0oZ"
            } else {
                "XE0oa"
            })),
            ethnicity: Some(CodeData::ctv3("XaFwD")),
            main_language: Some(CodeData::ctv3("XaG5t")),
            english_speaker: "Yes".into(),
            address: Some(AddressData {
                house_name: String::new(),
                house_number: (1 + self.rng.below(200)).to_string(),
                road: road.into(),
                locality: locality.into(),
                town: "Leeds".into(),
                county: "West Yorkshire".into(),
                postcode: postcode.into(),
            }),
            home_telephone: home,
            work_telephone: String::new(),
            mobile_telephone: mobile,
            alternate_telephone: String::new(),
            email: if self.rng.chance(0.4) {
                format!(
                    "{}.{}{}@example.com",
                    first.to_lowercase(),
                    surname.to_lowercase(),
                    i
                )
            } else {
                String::new()
            },
            sms_consent: if self.rng.chance(0.5) { "Yes" } else { "No" }.into(),
            usual_gp: gp.into(),
            care_start: care_start.min(self.today),
            registration_type: Some("GMS".into()),
            events: Vec::new(),
            appointments: Vec::new(),
            visits: Vec::new(),
            tasks: Vec::new(),
            documents: BTreeMap::new(),
        };
        self.record(&mut p);
        p
    }

    fn record(&mut self, p: &mut PatientData) {
        let n_events = 2 + self.rng.below(5);
        let problem_uid = self.rng.uid();
        let referral_uid = self.rng.uid();
        let with_problem = self.rng.chance(0.3);
        let with_referral = self.rng.chance(0.2);
        for e in 0..n_events {
            let days_ago = self.rng.below(3650) as i64;
            let date = self.today - Duration::days(days_ago + 1);
            let when = at(
                date,
                8 + self.rng.below(9) as u32,
                self.rng.below(60) as u32,
            );
            let u = self.rng.pick(self.users).clone();
            let mut items = Vec::new();
            let n_items = 1 + self.rng.below(3);
            for _ in 0..n_items {
                let item = match self.rng.below(10) {
                    0..=2 => {
                        let code = *self.rng.pick(&[
                            "X505K", "XE0s6", "H33..", "C10F.", "H06z0", "137R.", "1371.", "XM1GI",
                        ]);
                        ItemData::Code {
                            code: CodeData::ctv3(code),
                            value: None,
                            free_text: self
                                .rng
                                .chance(0.3)
                                .then(|| "Reviewed in clinic".to_string()),
                            problems: Vec::new(),
                        }
                    }
                    3 => ItemData::Code {
                        code: CodeData::ctv3("229.."),
                        value: Some((150 + self.rng.below(45)) as f64 / 100.0),
                        free_text: None,
                        problems: Vec::new(),
                    },
                    4 => ItemData::Code {
                        code: CodeData::ctv3("22A.."),
                        value: Some((45 + self.rng.below(70)) as f64),
                        free_text: None,
                        problems: Vec::new(),
                    },
                    5 | 6 => {
                        let drug = *self.rng.pick(DRUGS);
                        ItemData::Medication {
                            scheme: "Multilex".into(),
                            product_id: drug.0.into(),
                            name: Some(drug.1.into()),
                            days: 28,
                            extra_xml: Vec::new(),
                        }
                    }
                    7 => ItemData::Narrative {
                        text: "Patient seen, advice given, review if no better.".into(),
                    },
                    8 => {
                        let uid = self.rng.uid();
                        p.documents.insert(
                            uid.clone(),
                            DocumentData {
                                file_name: format!("{uid}.txt"),
                                content: format!(
                                    "Letter for {} {} ({}), dated {}.\nDear Dr {},\nThank you for seeing this patient.\n",
                                    p.first_name, p.surname, p.key(), date, u.surname
                                ),
                            },
                        );
                        ItemData::Letter {
                            xml: letter_xml(&uid, when),
                        }
                    }
                    _ => {
                        let uid = self.rng.uid();
                        p.documents.insert(
                            uid.clone(),
                            DocumentData {
                                file_name: format!("{uid}.pdf"),
                                content: format!(
                                    "%PDF-1.4\n% Attachment for {} recorded {}\n%%EOF\n",
                                    p.key(),
                                    date
                                ),
                            },
                        );
                        ItemData::Attachment {
                            document_uid: Some(uid),
                            url: None,
                            comments: Some("Scanned document".into()),
                        }
                    }
                };
                items.push(item);
            }
            if with_problem && e == 0 {
                items.push(ItemData::Problem {
                    problem_uid: problem_uid.clone(),
                    code: CodeData::ctv3("H33.."),
                    status: "Active".into(),
                });
            }
            if with_referral && e == 0 {
                items.push(ItemData::Referral {
                    referral_uid: referral_uid.clone(),
                    direction: "Outgoing".into(),
                    service: "Respiratory Medicine".into(),
                    closed: None,
                });
            }
            if self.rng.chance(0.05) {
                items.push(ItemData::Sensitivity {
                    kind: "Ingredient".into(),
                    ingredient_id: "2".into(),
                    name: "Penicillin".into(),
                    details: "Amoxicillin 500mg capsules".into(),
                });
            }
            p.events.push(EventData {
                uid: self.rng.uid(),
                date_time: when,
                entered: when,
                user_name: Some(u.user_name.clone()),
                done_by: Some(u.display_name()),
                done_at: Some("Surgery".into()),
                software: None,
                linked_referral_uid: None,
                items,
            });
        }
        p.events.sort_by_key(|e| e.date_time);
        if self.rng.chance(0.1) {
            let date = self.today + Duration::days(1 + self.rng.below(20) as i64);
            p.visits.push(VisitData {
                uid: self.rng.uid(),
                date_time: at(date, 13, 0),
                duration: 20.0,
                comments: Some("Home visit".into()),
                user_name: Some("lsharples1004".into()),
            });
        }
        if self.rng.chance(0.1) {
            p.tasks.push(TaskData {
                uid: self.rng.uid(),
                task_type: Some("Review".into()),
                date_time: Some(at(self.today + Duration::days(3), 9, 0)),
                comments: Some("Review results".into()),
                user_name: Some("dlittler2405".into()),
                completed: false,
            });
        }
    }
}

fn letter_xml(uid: &str, when: NaiveDateTime) -> String {
    format!(
        "<Letter><RecipientName><Title>Dr</Title><FirstName>Drew</FirstName><Surname>Littler</Surname></RecipientName>\
<RecipientOrganisation>The Real Surgery</RecipientOrganisation>\
<SenderOrganisation>Leeds Teaching Hospitals</SenderOrganisation>\
<DocumentUID>{uid}</DocumentUID><Type>Miscellaneous</Type><Direction>Incoming</Direction>\
<DateSentReceived>{}</DateSentReceived></Letter>",
        when.format("%Y-%m-%dT%H:%M:%S")
    )
}

fn blank_patient(number: &str, pseudo: bool, sr: u64) -> PatientData {
    PatientData {
        nhs_number: (!pseudo).then(|| number.to_string()),
        pseudo_number: pseudo.then(|| number.to_string()),
        sr_id: sr,
        document_example: true,
        title: "Mr".into(),
        first_name: "John".into(),
        middle_names: String::new(),
        surname: "Example".into(),
        known_as: String::new(),
        date_of_birth: d("1970-01-01"),
        sex: "M".into(),
        marital_status: None,
        ethnicity: None,
        main_language: None,
        english_speaker: "Yes".into(),
        address: Some(AddressData {
            house_name: String::new(),
            house_number: "1".into(),
            road: "Troy Road".into(),
            locality: "Horsforth".into(),
            town: "Leeds".into(),
            county: "West Yorkshire".into(),
            postcode: "LS18 5TN".into(),
        }),
        home_telephone: String::new(),
        work_telephone: String::new(),
        mobile_telephone: String::new(),
        alternate_telephone: String::new(),
        email: String::new(),
        sms_consent: String::new(),
        usual_gp: "dlittler2405".into(),
        care_start: d("2000-01-01"),
        registration_type: Some("GMS".into()),
        events: Vec::new(),
        appointments: Vec::new(),
        visits: Vec::new(),
        tasks: Vec::new(),
        documents: BTreeMap::new(),
    }
}

fn named(
    mut p: PatientData,
    title: &str,
    first: &str,
    surname: &str,
    dob: &str,
    sex: &str,
) -> PatientData {
    p.title = title.into();
    p.first_name = first.into();
    p.surname = surname.into();
    p.date_of_birth = d(dob);
    p.sex = sex.into();
    p
}

/// The numbers of the document's own example patients.
pub const DOCUMENT_EXAMPLE_NUMBERS: &[&str] = &[
    "4667633050",
    "7835438275",
    "6640569094",
    "7137845479",
    "6343800514",
    "4994354243",
    "5941589352",
    "8997304569",
    "9400130333",
    "7737976078",
    "1111111111",
    "0002767317",
    "0001980947",
];

fn document_examples_len() -> usize {
    DOCUMENT_EXAMPLE_NUMBERS.len()
}

fn document_examples() -> Vec<PatientData> {
    let mut azra = named(
        blank_patient("7835438275", false, 8484556),
        "Mrs",
        "Azra",
        "Swift",
        "1933-01-01",
        "F",
    );
    azra.marital_status = Some(CodeData::ctv3("XE0oZ"));
    azra.ethnicity = Some(CodeData::ctv3("XaFwD"));
    azra.main_language = Some(CodeData::ctv3("XaG5t"));
    azra.address = Some(AddressData {
        house_name: String::new(),
        house_number: "425".into(),
        road: "Leeds Road".into(),
        locality: "Scholes".into(),
        town: "Leeds".into(),
        county: String::new(),
        postcode: "LS15 4DF".into(),
    });
    azra.usual_gp = "jefffry".into();
    azra.care_start = d("1990-10-29");
    let mut jasvinder = named(
        blank_patient("0001980947", true, 88110),
        "Mr",
        "Jasvinder",
        "Saffer",
        "1929-09-01",
        "M",
    );
    jasvinder.address = Some(AddressData {
        house_name: "The Health Centre".into(),
        house_number: "13".into(),
        road: "Clarence Road".into(),
        locality: "Horsforth".into(),
        town: "Leeds".into(),
        county: "West Yorkshire".into(),
        postcode: "LS18 4LB".into(),
    });
    vec![
        named(
            blank_patient("4667633050", false, 8827771),
            "Mr",
            "Daniel",
            "Hartley",
            "1961-05-14",
            "M",
        ),
        azra,
        named(
            blank_patient("6640569094", false, 619941),
            "Mrs",
            "Helen",
            "Marsh",
            "1975-11-02",
            "F",
        ),
        named(
            blank_patient("7137845479", false, 31354877),
            "Mr",
            "Peter",
            "Lomax",
            "1958-03-21",
            "M",
        ),
        named(
            blank_patient("6343800514", false, 2203314),
            "Ms",
            "Karen",
            "Oldroyd",
            "1982-07-09",
            "F",
        ),
        named(
            blank_patient("4994354243", false, 95124),
            "Mr",
            "Alan",
            "Birch",
            "1949-12-30",
            "M",
        ),
        named(
            blank_patient("5941589352", false, 84521),
            "Mr",
            "Miguel",
            "Danielson",
            "1989-02-08",
            "M",
        ),
        named(
            blank_patient("8997304569", false, 3618741),
            "Ms",
            "Vickey",
            "Callaghan",
            "1992-02-02",
            "F",
        ),
        named(
            blank_patient("9400130333", false, 774268),
            "Miss",
            "Poppy",
            "Ainsley",
            "2016-04-18",
            "F",
        ),
        named(
            blank_patient("7737976078", false, 665584),
            "Mr",
            "Stuart",
            "Kemp",
            "1968-08-08",
            "M",
        ),
        named(
            blank_patient("1111111111", false, 1111111),
            "Mr",
            "Test",
            "Patient",
            "1980-01-01",
            "M",
        ),
        named(
            blank_patient("0002767317", true, 8827772),
            "Mrs",
            "Edna",
            "Pickles",
            "1938-06-11",
            "F",
        ),
        jasvinder,
    ]
}

fn add_document_example_records(practice: &mut Practice) {
    let code = |c: &str| ItemData::Code {
        code: CodeData::ctv3(c),
        value: None,
        free_text: None,
        problems: Vec::new(),
    };
    let event =
        |uid: &str, when: &str, user: &str, done_by: &str, items: Vec<ItemData>| EventData {
            uid: uid.into(),
            date_time: dt(when),
            entered: dt(when),
            user_name: Some(user.into()),
            done_by: Some(done_by.into()),
            done_at: Some("Surgery".into()),
            software: None,
            linked_referral_uid: None,
            items,
        };
    if let Some(p) = practice.patient_mut("7835438275") {
        let mut e = event(
            "b95ee04200000000",
            "2014-03-26T09:06:50",
            "dlittler2405",
            "Drew Littler",
            vec![
                code("XE0s6"),
                ItemData::Code {
                    code: CodeData::ctv3("229.."),
                    value: Some(1.62),
                    free_text: None,
                    problems: Vec::new(),
                },
            ],
        );
        e.software = Some("Client Integration Software".into());
        e.linked_referral_uid = Some("6510300000000000".into());
        p.events.push(event(
            "a95ee04200000000",
            "2014-03-20T10:00:00",
            "dlittler2405",
            "Drew Littler",
            vec![ItemData::Referral {
                referral_uid: "6510300000000000".into(),
                direction: "Incoming".into(),
                service: "Cardiology".into(),
                closed: None,
            }],
        ));
        p.events.push(e);
        p.events.push(event(
            "3c891fb900000000",
            "2017-12-19T12:45:12",
            "lsharples1004",
            "SHARPLES, Laura ('Other' Community Health Service)",
            vec![ItemData::Sensitivity {
                kind: "Ingredient".into(),
                ingredient_id: "1".into(),
                name: "None known".into(),
                details: "LATEX FOAM - ADHESIVE".into(),
            }],
        ));
        p.appointments.push(AppointmentData {
            uid: "6510300000000000".into(),
            start: dt("2014-03-26T14:55:00"),
            duration: 10,
            user_name: "dlittler2405".into(),
            site_name: "The Real Surgery".into(),
            clinic_type: "Session".into(),
            slot_type: "Slot".into(),
            status: "Booked".into(),
            comments: None,
        });
    }
    if let Some(p) = practice.patient_mut("6640569094") {
        p.documents.insert(
            "4093400000000000".into(),
            DocumentData {
                file_name: "276740.doc".into(),
                content: "Discharge summary for Helen Marsh (6640569094).\n".into(),
            },
        );
        p.events.push(event(
            "5e9de04200000000",
            "2014-03-01T11:00:00",
            "dlittler2405",
            "Drew Littler",
            vec![ItemData::Letter {
                xml: letter_xml("4093400000000000", dt("2014-03-01T11:00:00")),
            }],
        ));
        // The DeleteFromPatientRecord example's UIDs, added by the example's device.
        let mut added = event(
            "6e9de04200000000",
            "2014-03-27T10:00:00",
            "dlittler2405",
            "Drew Littler",
            vec![code("X505K")],
        );
        added.software = Some("Client Integration Software".into());
        p.events.push(added);
        p.appointments.push(AppointmentData {
            uid: "9827c51000000000".into(),
            start: dt("2014-04-02T10:00:00"),
            duration: 10,
            user_name: "dlittler2405".into(),
            site_name: "The Real Surgery".into(),
            clinic_type: "Session".into(),
            slot_type: "Slot".into(),
            status: "Booked".into(),
            comments: None,
        });
        p.tasks.push(TaskData {
            uid: "a827c51000000000".into(),
            task_type: Some("Review".into()),
            date_time: Some(dt("2014-04-03T09:00:00")),
            comments: None,
            user_name: Some("dlittler2405".into()),
            completed: false,
        });
        p.visits.push(VisitData {
            uid: "8827c51000000000".into(),
            date_time: dt("2014-04-04T13:00:00"),
            duration: 20.0,
            comments: None,
            user_name: Some("lsharples1004".into()),
        });
        for uid in [
            "6e9de04200000000",
            "9827c51000000000",
            "a827c51000000000",
            "8827c51000000000",
        ] {
            practice
                .owners
                .insert(uid.into(), "392752167bd7f69b".into());
        }
    }
    if let Some(p) = practice.patient_mut("7137845479") {
        p.appointments.push(AppointmentData {
            uid: "8ebea51000000000".into(),
            start: dt("2014-07-14T09:30:00"),
            duration: 10,
            user_name: "dlittler2405".into(),
            site_name: "The Real Surgery".into(),
            clinic_type: "Session".into(),
            slot_type: "Slot".into(),
            status: "Booked".into(),
            comments: None,
        });
    }
    if let Some(p) = practice.patient_mut("6343800514") {
        p.events.push(event(
            "c15ee04200000000",
            "2014-04-01T10:00:00",
            "dlittler2405",
            "Drew Littler",
            vec![
                ItemData::Referral {
                    referral_uid: "6510300000000000".into(),
                    direction: "Incoming".into(),
                    service: "Dermatology".into(),
                    closed: None,
                },
                ItemData::Problem {
                    problem_uid: "794d100000000000".into(),
                    code: CodeData::ctv3("X505K"),
                    status: "Active".into(),
                },
            ],
        ));
    }
    if let Some(p) = practice.patient_mut("5941589352") {
        p.appointments.push(AppointmentData {
            uid: "7a1b2c1000000000".into(),
            start: dt("2014-06-05T14:15:00"),
            duration: 10,
            user_name: "jefffry".into(),
            site_name: "The Real Surgery".into(),
            clinic_type: "Session".into(),
            slot_type: "Slot".into(),
            status: "Booked".into(),
            comments: None,
        });
    }
    if let Some(p) = practice.patient_mut("8997304569") {
        p.visits.push(VisitData {
            uid: "7b1b2c1000000000".into(),
            date_time: dt("2014-06-05T11:00:00"),
            duration: 20.0,
            comments: Some("Deferred from 05 Jun 2014 09:49".into()),
            user_name: Some("dlittler2405".into()),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modulus_11() {
        assert!(nhs_number_is_valid("1111111111"));
        assert!(!nhs_number_is_valid("1111111112"));
        assert!(!nhs_number_is_valid("111111111"));
        assert!(!nhs_number_is_valid("11111111a1"));
    }

    #[test]
    fn deterministic_and_valid() {
        let today = d("2024-05-01");
        let a = Practice::generate(7, today);
        let b = Practice::generate(7, today);
        assert_eq!(a, b);
        let c = Practice::generate(8, today);
        assert_ne!(a.patients, c.patients);
        let generated: Vec<_> = a.patients.iter().filter(|p| !p.document_example).collect();
        assert_eq!(generated.len(), 310);
        for p in &generated {
            if let Some(n) = &p.nhs_number {
                assert!(nhs_number_is_valid(n), "{n}");
            }
        }
        let json = a.to_json();
        assert_eq!(Practice::from_json(&json).unwrap(), a);
    }
}
