//! GetDocument.

use systmone_bindings::get_document_v1_0::{GetDocumentParameters, GetDocumentResult};

use super::convert::path_error;
use super::record_access::{Access, access, record_state};
use super::{Ctx, HResult, need, perm};
use crate::files;
use crate::state::State;

pub(super) fn handle(
    st: &mut State,
    ctx: &Ctx,
    p: Option<&GetDocumentParameters>,
) -> HResult<GetDocumentResult> {
    let p = need(p)?;
    let (number, open) = access(
        st,
        p.identity.as_ref(),
        p.leave_record_open.is_some(),
        Access::Read,
    )?;
    let patient = st
        .practice
        .patient(&number)
        .ok_or_else(|| perm("Patient not found"))?;
    let doc = patient
        .documents
        .get(p.document_uid.trim())
        .ok_or_else(|| {
            perm(format!(
                "No document {} in this patient record",
                p.document_uid
            ))
        })?;
    let dir = files::confine(ctx.root, &p.write_to, false).map_err(path_error)?;
    let written =
        files::write_file(&dir, &doc.file_name, doc.content.as_bytes()).map_err(path_error)?;
    Ok(GetDocumentResult {
        extra: Default::default(),
        document_file: vec![written.display().to_string()],
        record_state: record_state(open),
    })
}
