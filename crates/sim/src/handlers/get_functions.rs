//! GetFunctions.

use systmone_bindings::get_functions_v1_0::{GetFunctionsResult, SupportedFunction};

use super::Ctx;

pub(super) fn handle(ctx: &Ctx) -> GetFunctionsResult {
    let supported_function = match ctx.advertised {
        Some(list) => list
            .iter()
            .map(|(f, v)| SupportedFunction {
                extra: Default::default(),
                function: f.clone(),
                version: v.clone(),
            })
            .collect(),
        None => systmone_bindings::FUNCTIONS
            .iter()
            .map(|(f, v)| SupportedFunction {
                extra: Default::default(),
                function: f.to_string(),
                version: vec![v.to_string()],
            })
            .collect(),
    };
    GetFunctionsResult {
        extra: Default::default(),
        supported_function,
    }
}
