//! GetReferenceData.

use systmone_bindings::get_reference_data_v1_0::{GetReferenceDataResult, NumericReadCodeUnits};
use systmone_core::DateTime;

use crate::state::State;

pub(super) fn handle(st: &State) -> GetReferenceDataResult {
    GetReferenceDataResult {
        extra: Default::default(),
        numeric_read_code_units: st
            .practice
            .numeric_units
            .iter()
            .map(|n| NumericReadCodeUnits {
                extra: Default::default(),
                code: n.code.clone(),
                units: n.units.clone(),
                created_date: DateTime::new(n.created),
            })
            .collect(),
    }
}
