//! The interface document's own example patients and their records, so its examples work verbatim.

use super::generate::{blank_patient, d, dt, letter, named};
use super::{
    AddressData, AppointmentData, CodeData, DocumentData, EventData, ItemData, PatientData,
    Practice, TaskData, VisitData,
};

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

pub(super) fn document_examples_len() -> usize {
    DOCUMENT_EXAMPLE_NUMBERS.len()
}

pub(super) fn document_examples() -> Vec<PatientData> {
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

pub(super) fn add_document_example_records(practice: &mut Practice) {
    let code = |c: &str| ItemData::code(CodeData::ctv3(c));
    let event =
        |uid: &str, when: &str, user: &str, done_by: &str, items: Vec<ItemData>| EventData {
            uid: uid.into(),
            date_time: dt(when),
            entered: dt(when),
            user_name: Some(user.into()),
            done_by: Some(done_by.into()),
            done_at: Some("Surgery".into()),
            software: None,
            method: None,
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
                ItemData::reading(CodeData::ctv3("229.."), 1.62, "m"),
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
                free_text: None,
                problems: Vec::new(),
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
            flags: Vec::new(),
            linked_referral_uid: None,
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
            vec![ItemData::Letter(Box::new(letter(
                "4093400000000000",
                dt("2014-03-01T11:00:00"),
            )))],
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
            flags: Vec::new(),
            linked_referral_uid: None,
        });
        p.tasks.push(TaskData {
            uid: "a827c51000000000".into(),
            task_type: Some("Review".into()),
            date_time: Some(dt("2014-04-03T09:00:00")),
            comments: None,
            user_name: Some("dlittler2405".into()),
            completed: false,
            due: None,
            user_name_assigned: None,
            group_name_assigned: None,
        });
        p.visits.push(VisitData {
            uid: "8827c51000000000".into(),
            date_time: dt("2014-04-04T13:00:00"),
            duration: 20.0,
            comments: None,
            user_name: Some("lsharples1004".into()),
            status: None,
            linked_referral_uid: None,
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
            flags: Vec::new(),
            linked_referral_uid: None,
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
            flags: Vec::new(),
            linked_referral_uid: None,
        });
    }
    if let Some(p) = practice.patient_mut("8997304569") {
        p.visits.push(VisitData {
            uid: "7b1b2c1000000000".into(),
            date_time: dt("2014-06-05T11:00:00"),
            duration: 20.0,
            comments: Some("Deferred from 05 Jun 2014 09:49".into()),
            user_name: Some("dlittler2405".into()),
            status: None,
            linked_referral_uid: None,
        });
    }
}
