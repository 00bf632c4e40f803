//! The built-in practice, generated deterministically from a seed.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

mod items;

use super::document_examples::{
    add_document_example_records, document_examples, document_examples_len,
};
use super::{
    AddressData, AppointmentData, CodeData, DRUGS, DocumentData, EventData, ItemData, LetterData,
    NumericUnit, PatientData, PersonNameData, Practice, Rng, SiteData, SlotData, TaskData,
    UserData, VisitData, nhs_check_digit,
};

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
    /// The generator of the data items of SystmOne's own schema (`items.rs`), apart from
    /// `rng` so that adding them left the rest of the practice as it was.
    items: Rng,
    /// Whether a record was given one of each of those items yet.
    every_item_given: bool,
    today: NaiveDate,
    users: &'a [UserData],
    used_numbers: BTreeSet<String>,
    next_sr: u64,
}

pub(super) fn at(date: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    date.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN))
}

pub(super) fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap_or_default()
}

pub(super) fn d(s: &str) -> NaiveDate {
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
            items: Rng::new(seed.rotate_left(32) ^ 0xF15),
            every_item_given: false,
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
                    code: "246..".into(),
                    units: "mmHg".into(),
                    created: dt("2013-10-09T11:07:48"),
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
                // The results of the generated pathology reports.
                NumericUnit {
                    code: "44I4.".into(),
                    units: "mmol/L".into(),
                    created: dt("2013-10-09T11:07:49"),
                },
                NumericUnit {
                    code: "44J3.".into(),
                    units: "umol/L".into(),
                    created: dt("2013-10-09T11:07:49"),
                },
                NumericUnit {
                    code: "XaPbt".into(),
                    units: "mmol/mol".into(),
                    created: dt("2013-10-09T11:07:49"),
                },
                NumericUnit {
                    code: "423..".into(),
                    units: "g/L".into(),
                    created: dt("2013-10-09T11:07:49"),
                },
                NumericUnit {
                    code: "44P..".into(),
                    units: "mmol/L".into(),
                    created: dt("2013-10-09T11:07:49"),
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
            lists: items::configured_lists(),
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
                // Some booked by patients online (SystmOne shows it as a flag, F20).
                flags: if k % 6 == 0 {
                    vec!["Booked online".into()]
                } else {
                    Vec::new()
                },
                linked_referral_uid: None,
            });
        }
        add_document_example_records(&mut practice);
        practice
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
        self.schema_items(&mut p, !pseudo);
        p.events.sort_by_key(|e| e.date_time);
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
                        let mut item = ItemData::code(CodeData::ctv3(code));
                        if let ItemData::Code { free_text, .. } = &mut item {
                            *free_text = self
                                .rng
                                .chance(0.3)
                                .then(|| "Reviewed in clinic".to_string());
                        }
                        item
                    }
                    3 => ItemData::reading(
                        CodeData::ctv3("229.."),
                        (150 + self.rng.below(45)) as f64 / 100.0,
                        "m",
                    ),
                    4 => ItemData::reading(
                        CodeData::ctv3("22A.."),
                        (45 + self.rng.below(70)) as f64,
                        "kg",
                    ),
                    5 | 6 => {
                        let drug = *self.rng.pick(DRUGS);
                        ItemData::Medication {
                            scheme: "Multilex".into(),
                            product_id: drug.0.into(),
                            pack_id: None,
                            name: Some(drug.1.into()),
                            medication_type: None,
                            start: None,
                            days: 28,
                            dose: Some("take one daily".into()),
                            quantity: Some("28 tablet".into()),
                            repeat_issue: false,
                            problems: Vec::new(),
                            extra_xml: Vec::new(),
                        }
                    }
                    7 => ItemData::Narrative {
                        lines: vec![
                            " Patient seen, advice given.".into(),
                            "Review if no better.".into(),
                        ],
                        problems: Vec::new(),
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
                        ItemData::Letter(Box::new(letter(&uid, when)))
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
                            file_name: Some(format!("{uid}.txt")),
                            file_size: Some(format!(
                                "{} bytes",
                                p.documents.get(&uid).map_or(0, |d| d.content.len())
                            )),
                            document_uid: Some(uid),
                            url: None,
                            comments: Some("Scanned document".into()),
                            problems: Vec::new(),
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
                    free_text: None,
                    problems: Vec::new(),
                });
            }
            p.events.push(EventData {
                uid: self.rng.uid(),
                date_time: when,
                entered: when,
                user_name: Some(u.user_name.clone()),
                done_by: Some(u.display_name()),
                done_at: Some("Surgery".into()),
                // F7: some events were entered by third-party software (chosen without
                // drawing from the generator, so the rest of the practice is unchanged).
                software: (p.events.len() % 7 == 3).then(|| "TRANSFoRm".to_string()),
                method: None,
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
                status: None,
                linked_referral_uid: None,
            });
        }
        if self.rng.chance(0.1) {
            let made = at(self.today + Duration::days(3), 9, 0);
            p.tasks.push(TaskData {
                uid: self.rng.uid(),
                task_type: Some("Review".into()),
                date_time: Some(made),
                comments: Some("Review results".into()),
                user_name: Some("dlittler2405".into()),
                completed: false,
                due: Some(made + Duration::days(2)),
                user_name_assigned: Some(p.usual_gp.clone()),
                group_name_assigned: None,
            });
        }
    }
}

/// A letter from the hospital to the practice, behind the document `uid`.
pub(super) fn letter(uid: &str, when: NaiveDateTime) -> LetterData {
    LetterData {
        recipient_name: Some(PersonNameData {
            title: Some("Dr".into()),
            first_name: Some("Drew".into()),
            middle_names: None,
            surname: Some("Littler".into()),
        }),
        recipient_organisation: Some("The Real Surgery".into()),
        recipient_address: None,
        sender_name: None,
        sender_organisation: Some("Leeds Teaching Hospitals".into()),
        sender_address: None,
        document_uid: Some(uid.into()),
        letter_type: "Miscellaneous".into(),
        direction: "Incoming".into(),
        date_sent_received: when.date(),
        problems: Vec::new(),
    }
}

pub(super) fn blank_patient(number: &str, pseudo: bool, sr: u64) -> PatientData {
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

pub(super) fn named(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::practice::nhs_number_is_valid;

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
