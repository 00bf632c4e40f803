//! LaunchFunctionality.

use systmone_bindings::launch_functionality_v1_0::{
    LaunchFunctionalityParameters, LaunchFunctionalityParametersChoice, LaunchFunctionalityResult,
};
use systmone_types::CurrentSelectionItem;

use super::convert::{id_number, identity, in_code, out_code};
use super::{Ctx, HResult, Schemes, need, perm, temp};
use crate::state::State;

pub(super) fn handle(
    st: &mut State,
    ctx: &Ctx,
    p: Option<&LaunchFunctionalityParameters>,
) -> HResult<LaunchFunctionalityResult> {
    let p = need(p)?;
    let number = id_number(&p.identity).to_string();
    let patient = st.practice.patient(&number).ok_or_else(|| {
        perm(format!(
            "No patient record could be found with the number {number}"
        ))
    })?;
    let identity = identity(patient);
    if matches!(&st.ui.open, Some((n, false)) if *n == number) {
        return Err(temp(
            "The patient record is open in SystmOne in a state which cannot be displayed; try again later",
        ));
    }
    st.ui.open = Some((number, true));
    let path: &[&str] = match &p.choice {
        Some(LaunchFunctionalityParametersChoice::ClinicalCode(c)) => {
            st.ui.selection = vec![CurrentSelectionItem::Code(out_code(
                &in_code(&c.code),
                Schemes::default(),
            ))];
            &[
                "Patient Actions",
                "Clinical",
                "Add Read Code",
                "Record Read Code",
            ]
        }
        Some(LaunchFunctionalityParametersChoice::Medication(m)) => {
            st.ui.selection = vec![CurrentSelectionItem::Drug(m.drug.clone())];
            &[
                "Patient Actions",
                "Prescribing",
                "New Acute",
                "Record Acute Medication",
            ]
        }
        Some(LaunchFunctionalityParametersChoice::Attachment(_)) => {
            st.ui.selection = Vec::new();
            &["Patient Actions", "Attachments", "Add Attachment"]
        }
        None => {
            st.ui.selection = Vec::new();
            &["Patient Actions", "Patient Record"]
        }
    };
    st.ui.activity = path.iter().map(|s| s.to_string()).collect();
    let _ = ctx;
    Ok(LaunchFunctionalityResult {
        extra: Default::default(),
        identity,
    })
}
