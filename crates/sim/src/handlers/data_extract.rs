//! DataExtract.

use systmone_bindings::data_extract_v1_0::{DataExtractParameters, DataExtractResult};

use super::convert::{esc, path_error};
use super::{Ctx, HResult, need, perm};
use crate::files;
use crate::practice::ItemData;
use crate::state::State;

pub(super) fn handle(
    st: &mut State,
    ctx: &Ctx,
    p: Option<&DataExtractParameters>,
) -> HResult<DataExtractResult> {
    let p = need(p)?;
    let name = p.name.trim();
    if !st.practice.extracts.iter().any(|e| e == name) {
        return Err(perm(format!("There is no data extract named {name:?}")));
    }
    let mut patients = String::from("RowIdentifier,NHSNumber,PseudoNumber,DateBirth,Gender\n");
    let mut codes = String::from("RowIdentifier,IDPatient,CTV3Code,NumericValue,DateEvent\n");
    for pt in &st.practice.patients {
        patients.push_str(&format!(
            "{},{},{},{},{}\n",
            pt.sr_id,
            pt.nhs_number.as_deref().unwrap_or(""),
            pt.pseudo_number.as_deref().unwrap_or(""),
            pt.date_of_birth,
            pt.sex
        ));
        for e in &pt.events {
            for item in &e.items {
                if let ItemData::Code { code, value, .. } = item {
                    let row = files::crc32(format!("{}{}", e.uid, code.code).as_bytes());
                    codes.push_str(&format!(
                        "{row},{},{},{},{}\n",
                        pt.sr_id,
                        code.code,
                        value.map(|v| v.to_string()).unwrap_or_default(),
                        e.date_time.format("%Y-%m-%dT%H:%M:%S")
                    ));
                }
            }
        }
    }
    let tables = [("SRPatient.csv", patients), ("SRCode.csv", codes)];
    let mut manifest = format!("<SRManifest><Extract>{}</Extract>", esc(name));
    for (file, content) in &tables {
        manifest.push_str(&format!(
            "<File Name=\"{file}\" Size=\"{}\" CRC=\"{}\"/>",
            content.len(),
            files::crc32(content.as_bytes())
        ));
    }
    manifest.push_str("</SRManifest>\n");
    let crc = u64::from(files::crc32(manifest.as_bytes()));
    if p.sr_manifest_crc == Some(crc) {
        return Err(perm(format!(
            "The data extract {name:?} has already been downloaded (SRManifestCRC {crc} is unchanged)"
        )));
    }
    let base = files::confine(ctx.root, &p.directory, true).map_err(path_error)?;
    let dir_name: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let dir = base.join(&dir_name);
    std::fs::create_dir_all(&dir).map_err(|e| perm(format!("cannot write the extract: {e}")))?;
    let dir = files::confine(ctx.root, &dir.display().to_string(), false).map_err(path_error)?;
    for (file, content) in &tables {
        files::write_file(&dir, file, content.as_bytes()).map_err(path_error)?;
    }
    files::write_file(&dir, "SRManifest.xml", manifest.as_bytes()).map_err(path_error)?;
    Ok(DataExtractResult {
        extra: Default::default(),
        sr_manifest_crc: crc,
    })
}
