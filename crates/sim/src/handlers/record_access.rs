//! Access to records: the LeaveRecordOpen rules of "Functions which retrieve patient records".

use systmone_types::{Identity, RecordState};

use super::convert::id_number;
use super::{HResult, perm, temp};
use crate::state::State;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    Read,
    Write,
}

/// Applies the LeaveRecordOpen rules. Returns the record's number and whether the
/// record is open in the UI afterwards.
pub(super) fn access(
    st: &mut State,
    identity: Option<&Identity>,
    leave_open: bool,
    kind: Access,
) -> HResult<(String, bool)> {
    let number = match identity {
        Some(id) => id_number(id).to_string(),
        None => match &st.ui.open {
            Some((n, _)) => n.clone(),
            None => {
                return Err(perm(
                    "No Identity was given and no patient record is open in SystmOne",
                ));
            }
        },
    };
    if st.practice.patient(&number).is_none() {
        return Err(perm(format!(
            "No patient record could be found with the number {number}"
        )));
    }
    let open = st.ui.open.clone();
    if leave_open {
        match open {
            Some((n, false)) if n == number => Err(temp(
                "The patient record is open in SystmOne in a state which cannot be displayed; try again later",
            )),
            Some((n, true)) if n == number => Ok((number, true)),
            _ => {
                st.ui.open = Some((number.clone(), true));
                st.ui.activity = vec!["Patient Actions".into(), "Patient Record".into()];
                Ok((number, true))
            }
        }
    } else {
        match open {
            Some((n, _)) if n == number => match kind {
                Access::Read => Ok((number, true)),
                Access::Write => Err(temp(
                    "The patient record is in use in SystmOne and cannot be saved on completion; try again later",
                )),
            },
            _ => Ok((number, false)),
        }
    }
}

pub(super) fn record_state(open: bool) -> Option<RecordState> {
    Some(if open {
        RecordState::Open
    } else {
        RecordState::Closed
    })
}
