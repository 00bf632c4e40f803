//! GetXSDFiles: our schemas written the way SystmOne writes its own (F13: one
//! self-contained, request-only, anonymous-type file per function version, no shared
//! include); under `--skew`, the skewed release in the same style (`crate::skew`).

use systmone_bindings::get_xsd_files_v1_0::{
    GetXsdFilesParameters, GetXsdFilesResult, XsdFileResult,
};

use super::convert::path_error;
use super::{Ctx, HResult};
use crate::files;

pub(super) fn handle(ctx: &Ctx, p: Option<&GetXsdFilesParameters>) -> HResult<GetXsdFilesResult> {
    let dir = match p
        .and_then(|p| p.path.as_deref())
        .filter(|s| !s.trim().is_empty())
    {
        Some(path) => files::confine(ctx.root, path, false).map_err(path_error)?,
        None => files::confine(ctx.root, "SystmOne Temp", true).map_err(path_error)?,
    };
    let mut xsd = Vec::new();
    let skewed = ctx.skew.then(crate::skew::xsd_files);
    let served: Vec<(&str, &str)> = match &skewed {
        Some(list) => list.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect(),
        None => files::SYSTMONE_XSD_FILES.to_vec(),
    };
    for (name, text) in served {
        let written = files::write_file(&dir, name, text.as_bytes()).map_err(path_error)?;
        if let Some((function, version)) =
            name.strip_suffix(".xsd").and_then(|n| n.split_once(" v"))
        {
            xsd.push(XsdFileResult {
                extra: Default::default(),
                function: function.to_string(),
                version: version.to_string(),
                result: format!("Successfully written to {}", written.display()),
            });
        }
    }
    Ok(GetXsdFilesResult {
        extra: Default::default(),
        xsd,
    })
}
