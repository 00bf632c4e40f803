//! GetAppointmentSlots.

use std::collections::BTreeMap;

use systmone_bindings::get_appointment_slots_v1_0::{
    GetAppointmentSlotsParameters, GetAppointmentSlotsResult,
};
use systmone_core::{DateTime, DurationMinutes};
use systmone_types::{Clinic, Slot};

use crate::state::State;

pub(super) fn handle(
    st: &State,
    p: Option<&GetAppointmentSlotsParameters>,
) -> GetAppointmentSlotsResult {
    let matches = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x.trim() == v);
    let mut clinics: Vec<Clinic> = Vec::new();
    // Clinics by (user, site, clinic type), borrowed from the practice.
    let mut index: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for s in &st.practice.slots {
        if s.booked.is_some() {
            continue;
        }
        if let Some(p) = p {
            if p.min_date_time
                .as_ref()
                .is_some_and(|m| s.start < m.value())
                || p.max_date_time
                    .as_ref()
                    .is_some_and(|m| s.start > m.value())
                || !matches(&p.user_name, &s.user_name)
                || !matches(&p.site_name, &s.site_name)
                || !matches(&p.clinic_type, &s.clinic_type)
                || !matches(&p.slot_type, &s.slot_type)
            {
                continue;
            }
        }
        let key = (
            s.user_name.as_str(),
            s.site_name.as_str(),
            s.clinic_type.as_str(),
        );
        let i = *index.entry(key).or_insert_with(|| {
            clinics.push(Clinic {
                extra: Default::default(),
                user_name: s.user_name.clone(),
                site_name: s.site_name.clone(),
                clinic_type: s.clinic_type.clone(),
                slot: Vec::new(),
            });
            clinics.len() - 1
        });
        clinics[i].slot.push(Slot {
            extra: Default::default(),
            slot_type: s.slot_type.clone(),
            date_time_start: DateTime::new(s.start),
            duration: DurationMinutes::from_minutes(s.duration),
        });
    }
    GetAppointmentSlotsResult {
        extra: Default::default(),
        clinic: clinics,
    }
}
