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
    // Each list trimmed once, not once for every slot of the practice.
    fn trimmed(list: Option<&Vec<String>>) -> Vec<&str> {
        list.map_or_else(Vec::new, |l| l.iter().map(|x| x.trim()).collect())
    }
    let users = trimmed(p.map(|p| &p.user_name));
    let sites = trimmed(p.map(|p| &p.site_name));
    let clinic_types = trimmed(p.map(|p| &p.clinic_type));
    let slot_types = trimmed(p.map(|p| &p.slot_type));
    let matches = |list: &[&str], v: &str| list.is_empty() || list.contains(&v);
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
                || !matches(&users, &s.user_name)
                || !matches(&sites, &s.site_name)
                || !matches(&clinic_types, &s.clinic_type)
                || !matches(&slot_types, &s.slot_type)
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
