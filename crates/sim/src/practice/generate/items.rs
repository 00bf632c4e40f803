//! The generated records' data items of SystmOne's own schema (FIELD-EVIDENCE F15):
//! coded readings, recalls, vaccinations, repeat medication and its issues, reports
//! with their results, care and patient plans, relationships, reminders, activities;
//! with the practice's configured lists (F17).
//!
//! They are drawn from a generator of their own, so the rest of the practice (numbers,
//! names, events, bookings) is what it was before these items existed.

use chrono::{Duration, Months, NaiveDateTime};

use super::{FEMALE, Gen, MALE, at};
use crate::practice::{
    ActivityData, AddressData, CarePlanData, CodeData, ConfiguredLists, DRUGS, DrugData, EventData,
    FollowUpData, InstructionData, ItemData, PatientData, PatientPlanData, RecallData,
    RelationshipData, ReminderData, RepeatMedicationData, ReportData, UserData, VaccinationData,
};

/// The practice's own lists (F17): some name its clinics and towns, as real ones do.
pub(in crate::practice) fn configured_lists() -> ConfiguredLists {
    let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
    ConfiguredLists {
        recall_types: list(&[
            "Asthma review",
            "COPD review",
            "Diabetes annual review",
            "Hypertension review",
            "Medication review",
            "Cervical screening",
            "Horsforth Flu Clinic",
            "Scholes Nurse Clinic",
        ]),
        letter_types: list(&[
            "Miscellaneous",
            "Discharge Summary",
            "Outpatient Letter",
            "Referral Letter",
            "Test Result Letter",
            "Clinic Letter",
        ]),
        relationship_types: list(&[
            "Next of kin",
            "Carer",
            "Son",
            "Daughter",
            "Wife",
            "Husband",
            "Mother",
            "Father",
            "Friend",
            "Social Worker",
        ]),
        activity_performed: list(&[
            "Telephone consultation",
            "Medication review",
            "Blood pressure check",
            "Chronic disease review",
            "Home visit",
            "Smoking cessation advice",
        ]),
        activity_with: list(&["Patient", "Carer", "Relative", "Social Worker"]),
        care_plan_categories: list(&[
            "Long Term Conditions",
            "Frailty",
            "Mental Health",
            "End of Life",
        ]),
        care_plan_sub_categories: list(&[
            "Respiratory",
            "Cardiovascular",
            "Diabetes",
            "Mobility",
            "Memory",
        ]),
        vaccination_part_types: list(&[
            "First",
            "Second",
            "Third",
            "Booster",
            "Annual dose",
            "Single dose",
        ]),
        task_types: list(&[
            "Review",
            "Miscellaneous",
            "Prescription request",
            "Appointment request",
        ]),
        task_groups: list(&[
            "Reception Team",
            "Nursing Team",
            "Prescribing Team",
            "Horsforth Admin Team",
        ]),
    }
}

/// Vaccination name, part type, dosage, batch prefix, and the ages (years) it is for.
const VACCINES: &[(&str, &str, &str, &str, u32, u32)] = &[
    ("Influenza vaccine", "Annual dose", "0.5 ml", "FL", 50, 120),
    (
        "Pneumococcal polysaccharide vaccine",
        "Single dose",
        "0.5 ml",
        "PN",
        65,
        120,
    ),
    ("COVID-19 mRNA vaccine", "Booster", "0.3 ml", "CV", 18, 120),
    (
        "Tetanus, diphtheria and polio vaccine",
        "Booster",
        "0.5 ml",
        "TD",
        14,
        120,
    ),
    ("Hepatitis B vaccine", "First", "1 ml", "HB", 16, 70),
    (
        "Measles, mumps and rubella vaccine",
        "Second",
        "0.5 ml",
        "MM",
        1,
        16,
    ),
];

/// Repeat medication: Multilex product, dose, quantity.
const REPEATS: &[(&str, &str, &str)] = &[
    ("1031542", "one capsule daily", "28 capsule"),
    ("1045103", "one tablet twice a day with food", "56 tablet"),
    ("1052390", "one tablet at night", "28 tablet"),
    (
        "1061122",
        "one capsule daily before breakfast",
        "28 capsule",
    ),
    ("1020781", "two puffs when required", "1 inhaler"),
];

/// Batteries of tests: each one's name and its tests.
/// A test of a battery: its code, units, the low and high of its reference range, and
/// how far beyond the range values are generated.
type Test = (&'static str, &'static str, f64, f64, f64);

const BATTERIES: &[(&str, &[Test])] = &[
    (
        "Urea and electrolytes",
        &[
            ("44I4.", "mmol/L", 3.5, 5.3, 0.6),
            ("44J3.", "umol/L", 60.0, 110.0, 30.0),
        ],
    ),
    ("HbA1c", &[("XaPbt", "mmol/mol", 20.0, 47.0, 20.0)]),
    ("Full blood count", &[("423..", "g/L", 115.0, 165.0, 15.0)]),
    ("Lipid profile", &[("44P..", "mmol/L", 3.0, 5.0, 2.0)]),
];

/// A care plan: its name, category, sub-category, and its instructions with who carries
/// each out.
type CarePlanTemplate = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const CARE_PLANS: &[CarePlanTemplate] = &[
    (
        "Asthma management plan",
        "Long Term Conditions",
        "Respiratory",
        &[
            ("Check inhaler technique", "Nurse"),
            ("Agree a written asthma action plan", "Practitioner"),
        ],
    ),
    (
        "Hypertension care plan",
        "Long Term Conditions",
        "Cardiovascular",
        &[
            ("Check blood pressure every three months", "Nurse"),
            ("Review medication at each check", "Practitioner"),
        ],
    ),
    (
        "Falls prevention plan",
        "Frailty",
        "Mobility",
        &[
            ("Assess the home for hazards", "Therapist"),
            ("Help with strength and balance exercises", "Carer"),
        ],
    ),
];

const REMINDERS: &[(&str, &str)] = &[
    ("Hard of hearing: please speak clearly", "Normal"),
    ("Requires an interpreter (Punjabi)", "High"),
    ("Prefers telephone contact", "Low"),
    ("Check blood pressure at next visit", "Normal"),
    ("Do not send SMS messages", "High"),
];

/// Which of the items a record gets.
struct Draw {
    readings: bool,
    recall: bool,
    vaccination: bool,
    repeat: bool,
    report: bool,
    care_plan: bool,
    patient_plan: bool,
    relationship: bool,
    reminder: bool,
    activity: bool,
}

impl Gen<'_> {
    /// Adds the data items of SystmOne's own schema to a generated record. The first
    /// adult with an NHS number gets one of each, so a practice always has them.
    pub(super) fn schema_items(&mut self, p: &mut PatientData, may_get_every: bool) {
        let age = self.today.years_since(p.date_of_birth).unwrap_or(0);
        let adult = age >= 18;
        let every = may_get_every && adult && !self.every_item_given;
        self.every_item_given |= every;
        let mut chance = |probability: f64| every || self.items.chance(probability);
        let draw = Draw {
            readings: chance(0.5),
            recall: chance(0.4),
            vaccination: chance(0.5),
            repeat: adult && chance(0.35),
            report: adult && chance(0.3),
            care_plan: chance(0.08),
            patient_plan: chance(0.05),
            relationship: chance(0.2),
            reminder: chance(0.15),
            activity: chance(0.3),
        };
        let problem = p
            .events
            .iter()
            .flat_map(|e| &e.items)
            .find_map(ItemData::problem_uid)
            .map(str::to_string);
        let linked = || problem.iter().cloned().collect::<Vec<_>>();
        if draw.readings {
            self.readings(p);
        }
        if draw.recall {
            self.recall(p, linked());
        }
        if draw.vaccination {
            self.vaccinations(p, age);
        }
        if draw.repeat {
            self.repeat(p, linked());
        }
        if draw.report {
            for _ in 0..1 + self.items.below(2) {
                self.report(p);
            }
        }
        if draw.care_plan {
            self.care_plan(p, linked());
        }
        if draw.patient_plan {
            self.patient_plan(p);
        }
        if draw.relationship {
            for _ in 0..1 + self.items.below(2) {
                self.relationship(p, age);
            }
        }
        if draw.reminder {
            self.reminder(p);
        }
        if draw.activity {
            self.activity(p);
        }
    }

    /// A past date-time within the last `days` days, in surgery hours, after the
    /// patient's birth.
    fn past(&mut self, p: &PatientData, days: u64) -> NaiveDateTime {
        let date = self.today - Duration::days(1 + self.items.below(days.max(1)) as i64);
        let date = date
            .max(p.date_of_birth + Duration::days(1))
            .min(self.today);
        at(
            date,
            8 + self.items.below(9) as u32,
            self.items.below(60) as u32,
        )
    }

    fn user(&mut self, user_name: &str) -> UserData {
        let found = self.users.iter().find(|u| u.user_name == user_name);
        match found {
            Some(u) => u.clone(),
            None => self.items.pick(self.users).clone(),
        }
    }

    fn push(
        &mut self,
        p: &mut PatientData,
        when: NaiveDateTime,
        user_name: &str,
        method: Option<&str>,
        items: Vec<ItemData>,
    ) {
        let u = self.user(user_name);
        p.events.push(EventData {
            uid: self.items.uid(),
            date_time: when,
            entered: when,
            user_name: Some(u.user_name.clone()),
            done_by: Some(u.display_name()),
            done_at: Some("Surgery".into()),
            software: None,
            method: method.map(str::to_string),
            linked_referral_uid: None,
            items,
        });
    }

    /// Blood pressure, and height, weight and body mass index (Value with Units).
    fn readings(&mut self, p: &mut PatientData) {
        let when = self.past(p, 700);
        let systolic = 110 + self.items.below(60);
        let diastolic = 65 + self.items.below(35);
        self.push(
            p,
            when,
            "user99",
            Some("Face to face"),
            vec![
                ItemData::reading(CodeData::ctv3("2469."), systolic as f64, "mmHg"),
                ItemData::reading(CodeData::ctv3("246A."), diastolic as f64, "mmHg"),
            ],
        );
        let when = self.past(p, 1400);
        let height = (150 + self.items.below(45)) as f64 / 100.0;
        let weight = (45 + self.items.below(70)) as f64;
        let bmi = (weight / (height * height) * 10.0).round() / 10.0;
        self.push(
            p,
            when,
            "user99",
            Some("Face to face"),
            vec![
                ItemData::reading(CodeData::ctv3("229.."), height, "m"),
                ItemData::reading(CodeData::ctv3("22A.."), weight, "kg"),
                ItemData::reading(CodeData::ctv3("22K.."), bmi, "kg/m2"),
            ],
        );
    }

    /// A recall: most are due in the coming months; some are overdue, with letters sent.
    fn recall(&mut self, p: &mut PatientData, problems: Vec<String>) {
        let when = self.past(p, 300);
        let recall_type = self
            .items
            .pick(&["Asthma review", "Hypertension review", "Medication review"])
            .to_string();
        let overdue = self.items.chance(0.3);
        let (date, status) = if overdue {
            let late = 7 + self.items.below(60) as i64;
            let status = *self.items.pick(&["1st Recall", "2nd Recall"]);
            (self.today - Duration::days(late), status)
        } else {
            (
                self.today + Duration::days(7 + self.items.below(180) as i64),
                "Pending",
            )
        };
        self.push(
            p,
            when,
            "dlittler2405",
            None,
            vec![ItemData::Recall(RecallData {
                recall_date: Some(date),
                recall_type: Some(recall_type),
                free_text: Some("Book with the practice nurse".into()),
                status: Some(status.into()),
                problems,
            })],
        );
    }

    /// One or two vaccinations suited to the patient's age, with batch numbers.
    fn vaccinations(&mut self, p: &mut PatientData, age: u32) {
        let suited: Vec<_> = VACCINES
            .iter()
            .filter(|v| (v.4..=v.5).contains(&age))
            .collect();
        if suited.is_empty() {
            return;
        }
        for _ in 0..1 + self.items.below(2) {
            let (name, part, dosage, prefix, _, _) = **self.items.pick(&suited);
            let when = self.past(p, 1000);
            let batch = format!(
                "{prefix}{:04}{}",
                self.items.below(10_000),
                char::from(b'A' + self.items.below(26) as u8)
            );
            let site = if age < 2 {
                "Left thigh"
            } else {
                *self.items.pick(&["Left deltoid", "Right deltoid"])
            };
            self.push(
                p,
                when,
                "user99",
                Some("Face to face"),
                vec![ItemData::Vaccination(VaccinationData {
                    batch_number: Some(batch),
                    notes: Some(format!("{site}, intramuscular")),
                    name: Some(name.into()),
                    part_type: Some(part.into()),
                    dosage: Some(dosage.into()),
                    problems: Vec::new(),
                })],
            );
        }
    }

    /// A repeat medication with its review date and maximum issues, and its latest
    /// issue (a Medication with RepeatIssue).
    fn repeat(&mut self, p: &mut PatientData, problems: Vec<String>) {
        let (product, dose, quantity) = *self.items.pick(REPEATS);
        let name = DRUGS
            .iter()
            .find(|d| d.0 == product)
            .map(|d| d.1.to_string());
        let when = self.past(p, 700);
        let start = when.date();
        let issue_days: i64 = if self.items.chance(0.7) { 28 } else { 56 };
        let max_issues: i64 = if issue_days == 28 { 12 } else { 6 };
        let months = self.items.pick(&[6u32, 12]);
        let mut review = start + Months::new(*months);
        while review < self.today {
            review = review + Months::new(*months);
        }
        self.push(
            p,
            when,
            "dlittler2405",
            None,
            vec![ItemData::RepeatMedication(RepeatMedicationData {
                drug: Some(DrugData {
                    scheme: "Multilex".into(),
                    product_id: product.into(),
                    pack_id: None,
                    name: name.clone(),
                }),
                dose: Some(dose.into()),
                quantity: Some(quantity.into()),
                start_date: Some(start),
                max_issues: Some(max_issues),
                review_date: Some(review),
                issue_duration_days: Some(issue_days),
                medication_type: Some("NHS medication".into()),
                problems,
            })],
        );
        let issued = self.today - Duration::days(1 + self.items.below(issue_days as u64) as i64);
        let issued = at(issued.max(start), 10, 30);
        self.push(
            p,
            issued,
            "sokafor",
            None,
            vec![ItemData::Medication {
                scheme: "Multilex".into(),
                product_id: product.into(),
                pack_id: None,
                name,
                medication_type: None,
                start: None,
                days: issue_days as u32,
                dose: Some(dose.into()),
                quantity: Some(quantity.into()),
                repeat_issue: true,
                problems: Vec::new(),
                extra_xml: Vec::new(),
            }],
        );
    }

    /// A pathology report: the battery's results as coded readings in the same event,
    /// its overall result and follow-up action.
    fn report(&mut self, p: &mut PatientData) {
        let (battery, tests) = *self.items.pick(BATTERIES);
        let when = self.past(p, 900);
        let mut items = Vec::new();
        let mut outside = 0;
        for (code, units, low, high, spread) in tests {
            let span = high - low + 2.0 * spread;
            let value = low - spread + span * self.items.unit();
            let value = (value * 10.0).round() / 10.0;
            if value < *low || value > *high {
                outside += 1;
            }
            items.push(ItemData::reading(CodeData::ctv3(code), value, units));
        }
        let (result, comments, action, action_comments) = match outside {
            0 => (
                "Normal",
                "Results within the reference range",
                "No Further Action",
                None,
            ),
            _ if self.items.chance(0.5) => (
                "Abnormal, but expected",
                "Known to the practice; in keeping with the patient's condition",
                "Other",
                Some("Discuss at the next review"),
            ),
            _ => (
                "Abnormal",
                "Outside the reference range",
                "Need to repeat test",
                Some("Repeat in four weeks"),
            ),
        };
        items.insert(
            0,
            ItemData::Report(ReportData {
                battery_headers: Some(battery.into()),
                issue_date: Some(when.date() - Duration::days(1)),
                result: Some(result.into()),
                comments: Some(comments.into()),
                patient_to_be_informed: outside > 0,
                collection_date: Some(when.date() - Duration::days(3)),
                report_type: Some("Pathology".into()),
                follow_up_actions: Some(vec![FollowUpData {
                    action: Some(action.into()),
                    comments: action_comments.map(str::to_string),
                }]),
                problems: Vec::new(),
            }),
        );
        self.push(p, when, "dlittler2405", None, items);
    }

    fn care_plan(&mut self, p: &mut PatientData, problems: Vec<String>) {
        let (name, category, sub, steps) = *self.items.pick(CARE_PLANS);
        let when = self.past(p, 500);
        let review = when.date() + Months::new(12);
        self.push(
            p,
            when,
            "dlittler2405",
            Some("Face to face"),
            vec![ItemData::CarePlan(CarePlanData {
                name: Some(name.into()),
                description: Some(format!("{name}, agreed with the patient")),
                category: Some(category.into()),
                sub_category: Some(sub.into()),
                aim: Some("Maintenance".into()),
                review_date: Some(review),
                instructions: steps
                    .iter()
                    .zip(1..)
                    .map(|((text, who), order)| InstructionData {
                        text: Some(text.to_string()),
                        order: Some(order),
                        responsibility: Some(who.to_string()),
                    })
                    .collect(),
                problems,
            })],
        );
    }

    fn patient_plan(&mut self, p: &mut PatientData) {
        let when = self.past(p, 400);
        let steps = [
            "Walk for thirty minutes a day",
            "Keep a diary of symptoms",
            "Book a review in three months",
        ];
        self.push(
            p,
            when,
            "jefffry",
            Some("Face to face"),
            vec![ItemData::PatientPlan(PatientPlanData {
                text: Some("Plan agreed with the patient to improve fitness".into()),
                items: Some(
                    steps
                        .iter()
                        .zip(1..)
                        .map(|(text, order)| InstructionData {
                            text: Some(text.to_string()),
                            order: Some(order),
                            responsibility: None,
                        })
                        .collect(),
                ),
                problems: Vec::new(),
            })],
        );
    }

    fn relationship(&mut self, p: &mut PatientData, age: u32) {
        let male = self.items.chance(0.5);
        let kind = match (age, male) {
            (0..18, true) => "Father",
            (0..18, false) => "Mother",
            (18..45, true) => *self.items.pick(&["Husband", "Father", "Next of kin"]),
            (18..45, false) => *self.items.pick(&["Wife", "Mother", "Next of kin"]),
            (_, true) => *self.items.pick(&["Son", "Husband", "Next of kin", "Carer"]),
            (_, false) => *self
                .items
                .pick(&["Daughter", "Wife", "Next of kin", "Carer"]),
        };
        let first = if male {
            *self.items.pick(MALE)
        } else {
            *self.items.pick(FEMALE)
        };
        let same_home = self.items.chance(0.5);
        let address = if same_home {
            p.address.clone()
        } else {
            Some(AddressData {
                house_number: (1 + self.items.below(120)).to_string(),
                road: "Low Lane".into(),
                town: "Leeds".into(),
                postcode: "LS18 5NY".into(),
                ..AddressData::default()
            })
        };
        // A parent is some thirty years older, a child thirty years younger, anyone else
        // of about the patient's age.
        let years: i64 = match kind {
            "Mother" | "Father" => -30,
            "Son" | "Daughter" => 30,
            _ => 0,
        };
        let dob = p.date_of_birth
            + Duration::days(years * 365 + self.items.below(5 * 365) as i64 - 2 * 365);
        let dob = Some(dob.min(self.today - Duration::days(365)));
        let when = self.past(p, 2000);
        let telephone = format!("07700 900{:03}", self.items.below(1000));
        self.push(
            p,
            when,
            "dlittler2405",
            None,
            vec![ItemData::Relationship(Box::new(RelationshipData {
                title: Some(if male { "Mr" } else { "Mrs" }.into()),
                first_name: Some(first.into()),
                middle_names: None,
                surname: Some(p.surname.clone()),
                address,
                relationship_type: Some(kind.into()),
                organisation_name: None,
                telephone: Some(telephone),
                work_contact: None,
                description: (kind == "Carer").then(|| "Main carer; has consent".to_string()),
                end_date: None,
                date_of_birth: dob,
                problems: Vec::new(),
            }))],
        );
    }

    fn reminder(&mut self, p: &mut PatientData) {
        let (text, severity) = *self.items.pick(REMINDERS);
        let when = self.past(p, 900);
        let expiry = self
            .items
            .chance(0.4)
            .then(|| self.today + Duration::days(30 + self.items.below(300) as i64));
        self.push(
            p,
            when,
            "dlittler2405",
            None,
            vec![ItemData::Reminder(ReminderData {
                free_text: Some(text.into()),
                severity: Some(severity.into()),
                expiry_date: expiry,
                problems: Vec::new(),
            })],
        );
    }

    fn activity(&mut self, p: &mut PatientData) {
        let (performed, method, minutes) = *self.items.pick(&[
            ("Telephone consultation", "Telephone", 10),
            ("Medication review", "Face to face", 15),
            ("Blood pressure check", "Face to face", 10),
            ("Chronic disease review", "Face to face", 20),
            ("Smoking cessation advice", "Telephone", 10),
        ]);
        let with = *self
            .items
            .pick(&["Patient", "Patient", "Carer", "Relative"]);
        let when = self.past(p, 600);
        let duration = minutes + self.items.below(10) as i64;
        let user = if method == "Telephone" {
            "jefffry"
        } else {
            "user99"
        };
        self.push(
            p,
            when,
            user,
            Some(method),
            vec![ItemData::Activity(ActivityData {
                performed: Some(performed.into()),
                with: Some(with.into()),
                method: Some(method.into()),
                duration: Some(duration),
                problems: Vec::new(),
            })],
        );
    }
}
