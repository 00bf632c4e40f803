//! The parameters the task-shaped commands send (`record`, `book`, `document`, ...),
//! by path: checked against the function's schema model when the request is built.

use crate::options::RecordFilter;
use crate::request::Params;

/// `Identity` with an NHS or pseudo number.
pub fn identity(p: &mut Params, number: &str, pseudo: bool) -> anyhow::Result<()> {
    let number = number.trim();
    if pseudo {
        Ok(p.add("Identity/PseudoNumber", number)?)
    } else {
        let digits = crate::checks::nhs_number(number)
            .map_err(|e| anyhow::anyhow!("{e}; use --pseudo for a pseudo number"))?;
        Ok(p.add("Identity/NHSNumber", &digits)?)
    }
}

/// The parameters of a GetPatientRecord call.
pub fn record_params(
    number: &str,
    pseudo: bool,
    leave_open: bool,
    filter: &RecordFilter,
) -> anyhow::Result<Params> {
    let mut p = Params::new();
    identity(&mut p, number, pseudo)?;
    p.flag("LeaveRecordOpen", leave_open)?;
    add_filter(filter, &mut p)?;
    Ok(p)
}

/// The parameters that book a slot.
#[allow(clippy::too_many_arguments)]
pub fn booking_params(
    nhs: &str,
    user: &str,
    site: &str,
    clinic_type: &str,
    slot_type: &str,
    start: &str,
    duration: &str,
    comments: Option<&str>,
) -> anyhow::Result<Params> {
    let mut p = Params::new();
    identity(&mut p, nhs, false)?;
    let a = "NonClinical/Appointment";
    p.add(&format!("{a}/Clinic/UserName"), user)?;
    p.add(&format!("{a}/Clinic/SiteName"), site)?;
    p.add(&format!("{a}/Clinic/ClinicType"), clinic_type)?;
    p.add(&format!("{a}/Clinic/Slot/SlotType"), slot_type)?;
    p.add(&format!("{a}/Clinic/Slot/DateTimeStart"), start)?;
    p.add(&format!("{a}/Clinic/Slot/Duration"), duration)?;
    p.opt(&format!("{a}/Comments"), comments)?;
    Ok(p)
}

/// Adds GetPatientRecord's `Filter` element (when any filter is set) to `params`.
pub fn add_filter(filter: &RecordFilter, params: &mut Params) -> anyhow::Result<()> {
    let today = chrono::Local::now().date_naive().to_string();
    let f = |name: &str| format!("Filter/{name}");
    params.opt(&f("MinEffectiveDate"), filter.min_effective_date.as_deref())?;
    params.opt(&f("MaxEffectiveDate"), filter.max_effective_date.as_deref())?;
    let (min_entry, max_entry) = if filter.entered_today {
        (Some(today.as_str()), Some(today.as_str()))
    } else {
        (
            filter.min_entry_date.as_deref(),
            filter.max_entry_date.as_deref(),
        )
    };
    params.opt(&f("MinEntryDate"), min_entry)?;
    params.opt(&f("MaxEntryDate"), max_entry)?;
    params.flag(&f("Appointments"), filter.appointments)?;
    params.flag(&f("CarePlans"), filter.care_plans)?;
    params.flag(&f("Demographics"), filter.demographics)?;
    params.flag(&f("ClinicalCodes"), filter.clinical_codes)?;
    for c in &filter.clinical_code {
        params.add(&f("ClinicalCode"), c)?;
    }
    params.flag(&f("Letters"), filter.letters)?;
    params.flag(&f("Medication"), filter.medication)?;
    params.flag(&f("Sensitivities"), filter.sensitivities)?;
    params.flag(&f("Recalls"), filter.recalls)?;
    params.flag(&f("Referrals"), filter.referrals)?;
    params.flag(&f("Relationships"), filter.relationships)?;
    params.flag(&f("Results"), filter.results)?;
    params.flag(&f("Vaccinations"), filter.vaccinations)?;
    for c in &filter.numeric {
        params.add(&f("Numeric"), c)?;
    }
    params.flag(&f("Reminders"), filter.reminders)?;
    params.flag(&f("Activity"), filter.activity)?;
    params.flag(&f("Attachments"), filter.attachments)?;
    params.flag(&f("Narrative"), filter.narrative)?;
    params.flag(&f("Visits"), filter.visits)?;
    params.flag(&f("Tasks"), filter.tasks)?;
    for u in &filter.user_name_done_by {
        params.add(&f("UserNameDoneBy"), u)?;
    }
    Ok(())
}
