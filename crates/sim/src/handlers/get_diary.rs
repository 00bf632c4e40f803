//! GetDiary.

use chrono::NaiveDateTime;
use systmone_bindings::get_diary_v1_0::{
    DiaryResult, DiaryResultItem, GetDiaryParameters, GetDiaryResult,
};
use systmone_core::{Date, DateTime, DurationMinutes};
use systmone_types::{Clinic, Demographics, DiaryAppointment, Slot};

use super::convert::{identity, out_visit};
use crate::state::State;

pub(super) fn handle(st: &State, p: Option<&GetDiaryParameters>) -> GetDiaryResult {
    let matches = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x.trim() == v);
    let (min, max) = (
        p.and_then(|p| p.min_date_time.as_ref()).map(|d| d.value()),
        p.and_then(|p| p.max_date_time.as_ref()).map(|d| d.value()),
    );
    let in_range = |t: NaiveDateTime| min.is_none_or(|m| t >= m) && max.is_none_or(|m| t <= m);
    let users: &[String] = p.map(|p| p.user_name.as_slice()).unwrap_or(&[]);
    let sites: &[String] = p.map(|p| p.site_name.as_slice()).unwrap_or(&[]);
    let (want_a, want_v) = match p {
        Some(p) if p.appointments.is_some() || p.visits.is_some() => {
            (p.appointments.is_some(), p.visits.is_some())
        }
        _ => (true, true),
    };
    let mut result = Vec::new();
    for pt in &st.practice.patients {
        let mut items = Vec::new();
        if want_a {
            for a in &pt.appointments {
                if a.status.eq_ignore_ascii_case("cancelled")
                    || !in_range(a.start)
                    || !matches(users, &a.user_name)
                    || !matches(sites, &a.site_name)
                {
                    continue;
                }
                // F20: AppointmentUID, Status and the Flags before the Clinic.
                items.push(DiaryResultItem::Appointment(DiaryAppointment {
                    extra: Default::default(),
                    appointment_uid: Some(a.uid.clone()),
                    status: Some(a.status.clone()),
                    flag: a.flags.clone(),
                    clinic: Clinic {
                        extra: Default::default(),
                        user_name: a.user_name.clone(),
                        site_name: a.site_name.clone(),
                        clinic_type: a.clinic_type.clone(),
                        slot: vec![Slot {
                            extra: Default::default(),
                            slot_type: a.slot_type.clone(),
                            date_time_start: DateTime::new(a.start),
                            duration: DurationMinutes::from_minutes(a.duration),
                        }],
                    },
                }));
            }
        }
        if want_v {
            for v in &pt.visits {
                let user = v.user_name.as_deref().unwrap_or("");
                if !in_range(v.date_time) || !matches(users, user) {
                    continue;
                }
                items.push(DiaryResultItem::Visit(out_visit(v)));
            }
        }
        if items.is_empty() {
            continue;
        }
        result.push(DiaryResult {
            extra: Default::default(),
            identity: identity(pt),
            demographics: Some(Demographics {
                extra: Default::default(),
                title: Some(pt.title.clone()),
                first_name: Some(pt.first_name.clone()),
                middle_names: Some(pt.middle_names.clone()),
                surname: Some(pt.surname.clone()),
                known_as: None,
                date_of_birth: Some(Date(pt.date_of_birth)),
                sex: pt.sex.parse().ok(),
                marital_status: None,
                ethnicity: None,
                main_language: None,
                english_speaker: None,
                address: None,
                home_telephone: None,
                work_telephone: None,
                mobile_telephone: None,
                alternate_telephone: None,
                email_address: None,
                sms_consent: None,
                usual_gp_user_name: None,
                care_start_date: None,
                registration_type: None,
            }),
            items,
        });
    }
    GetDiaryResult {
        extra: Default::default(),
        result,
    }
}
