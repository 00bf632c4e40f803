//! ExitClient.

use systmone_bindings::exit_client_v1_0::ExitClientResult;

/// The answer only: the server stops the simulator once it is written.
pub(super) fn handle() -> ExitClientResult {
    ExitClientResult {
        extra: Default::default(),
    }
}
