//! GetCurrentSelection.

use systmone_bindings::get_current_selection_v1_0::GetCurrentSelectionResult;

use super::Ctx;
use super::convert::{open_identity, selection};
use crate::state::State;

pub(super) fn handle(st: &State, ctx: &Ctx) -> GetCurrentSelectionResult {
    GetCurrentSelectionResult {
        extra: Default::default(),
        identity: open_identity(st),
        current_selection: selection(st, ctx.schemes),
    }
}
