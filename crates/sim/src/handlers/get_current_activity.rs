//! GetCurrentActivity.

use systmone_bindings::get_current_activity_v1_0::GetCurrentActivityResult;

use super::Ctx;
use super::convert::{open_identity, selection};
use crate::state::State;

pub(super) fn handle(st: &State, ctx: &Ctx) -> GetCurrentActivityResult {
    GetCurrentActivityResult {
        extra: Default::default(),
        identity: open_identity(st),
        activity: if st.ui.activity.is_empty() {
            vec!["Navigation Actions".into()]
        } else {
            st.ui.activity.clone()
        },
        current_selection: Some(selection(st, ctx.schemes)),
    }
}
