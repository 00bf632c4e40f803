//! IsPatientRetrieved.

use systmone_bindings::is_patient_retrieved_v1_0::IsPatientRetrievedResult;

use crate::state::State;

/// True while a record is open in the UI, whether or not it can be displayed.
pub(super) fn handle(st: &State) -> IsPatientRetrievedResult {
    IsPatientRetrievedResult {
        extra: Default::default(),
        is_patient_retrieved: st.ui.open.is_some(),
    }
}
