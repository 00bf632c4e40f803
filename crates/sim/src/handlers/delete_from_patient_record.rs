//! DeleteFromPatientRecord.

use systmone_bindings::delete_from_patient_record_v1_0::{
    DeleteFromPatientRecordParameters, DeleteFromPatientRecordResult,
};

use super::convert::identity;
use super::record_access::{Access, access, record_state};
use super::{Ctx, HResult, need, perm};
use crate::state::State;

pub(super) fn handle(
    st: &mut State,
    ctx: &Ctx,
    p: Option<&DeleteFromPatientRecordParameters>,
) -> HResult<DeleteFromPatientRecordResult> {
    let p = need(p)?;
    if p.identity.is_none() && p.leave_record_open.is_none() {
        return Err(perm(
            "LeaveRecordOpen is required when no Identity is given",
        ));
    }
    if p.reason.trim().is_empty() {
        return Err(perm("A Reason must be given for the deletion"));
    }
    let (number, open) = access(
        st,
        p.identity.as_ref(),
        p.leave_record_open.is_some(),
        Access::Write,
    )?;
    let patient = st
        .practice
        .patient(&number)
        .ok_or_else(|| perm("Patient not found"))?;
    let owned = |uid: &str| st.practice.owners.get(uid).map(String::as_str) == Some(ctx.device_id);
    let check = |kind: &str, uids: &[String], exists: &dyn Fn(&str) -> bool| -> HResult<()> {
        for uid in uids {
            if !exists(uid) {
                return Err(perm(format!(
                    "The {kind} {uid} cannot be deleted: it is not in this patient record"
                )));
            }
            if !owned(uid) {
                return Err(perm(format!(
                    "The {kind} {uid} cannot be deleted: it was not added by this device"
                )));
            }
        }
        Ok(())
    };
    check("event", &p.event_uid, &|u| {
        patient.events.iter().any(|e| e.uid == u)
    })?;
    check("appointment", &p.appointment_uid, &|u| {
        patient.appointments.iter().any(|e| e.uid == u)
    })?;
    check("task", &p.task_uid, &|u| {
        patient.tasks.iter().any(|e| e.uid == u)
    })?;
    check("visit", &p.visit_uid, &|u| {
        patient.visits.iter().any(|e| e.uid == u)
    })?;
    if p.event_uid.is_empty()
        && p.appointment_uid.is_empty()
        && p.task_uid.is_empty()
        && p.visit_uid.is_empty()
    {
        return Err(perm("Nothing to delete was given"));
    }
    let identity = identity(patient);
    for uid in &p.appointment_uid {
        if let Some(slot) = st
            .practice
            .slots
            .iter_mut()
            .find(|s| s.booked.as_deref() == Some(uid))
        {
            slot.booked = None;
        }
    }
    if let Some(patient) = st.practice.patient_mut(&number) {
        patient.events.retain(|e| !p.event_uid.contains(&e.uid));
        patient
            .appointments
            .retain(|e| !p.appointment_uid.contains(&e.uid));
        patient.tasks.retain(|e| !p.task_uid.contains(&e.uid));
        patient.visits.retain(|e| !p.visit_uid.contains(&e.uid));
    }
    for uid in p
        .event_uid
        .iter()
        .chain(&p.appointment_uid)
        .chain(&p.task_uid)
        .chain(&p.visit_uid)
    {
        st.practice.owners.remove(uid);
    }
    Ok(DeleteFromPatientRecordResult {
        extra: Default::default(),
        identity,
        record_state: record_state(open),
    })
}
