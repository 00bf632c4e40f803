//! `--format fhir` for `record`, `parse` and `extract`: GetPatientRecord and
//! PatientSearch responses as FHIR R4 (UK Core) Bundles (`systmone-fhir`), with the
//! mapping report of what a Bundle does not carry.

use std::path::Path;

use anyhow::{Context, bail};
use systmone_bindings::AnyResponse;
use systmone_client::Client;
use systmone_core::ResponseBody;
use systmone_fhir::{MapOptions, Mapped, patient_record_bundle, patient_search_bundle};

use crate::options::{FhirArgs, GlobalOpts};
use crate::output::write_atomically;
use crate::request::{Params, call_quiet};

/// Options for records read today, with the units of numeric codes from
/// GetReferenceData when the client answers it (else values go without units).
async fn options(client: &Client) -> MapOptions {
    let options = MapOptions::new(chrono::Local::now().date_naive());
    match client.get_reference_data().await {
        Ok(reference) => options.with_units(&reference),
        Err(e) => {
            tracing::warn!("no units for numeric values: GetReferenceData failed: {e}");
            options
        }
    }
}

/// The Bundle of a GetPatientRecord or PatientSearch response document.
pub fn convert(xml: &str, options: &MapOptions) -> anyhow::Result<Mapped> {
    let response = AnyResponse::parse(xml)?;
    let error = |e: &systmone_core::ErrorResponse| {
        anyhow::anyhow!(
            "the document is an error response, not a record: {}",
            e.message
        )
    };
    Ok(match &response {
        AnyResponse::GetPatientRecordV1_0(r) => match &r.body {
            ResponseBody::Success(record) => patient_record_bundle(record, options),
            ResponseBody::Error(e) => return Err(error(e)),
        },
        AnyResponse::PatientSearchV1_0(r) => match &r.body {
            ResponseBody::Success(result) => patient_search_bundle(result),
            ResponseBody::Error(e) => return Err(error(e)),
        },
        other => bail!(
            "FHIR output is for GetPatientRecord and PatientSearch responses, not {}",
            other.function().0
        ),
    })
}

/// Prints the Bundle on stdout, what it leaves out (paths and reasons, no values)
/// on stderr, and the full report to `--fhir-report` if asked.
pub fn print(global: &GlobalOpts, args: &FhirArgs, mapped: &Mapped) -> anyhow::Result<()> {
    println!("{}", mapped.bundle_json()?);
    if let Some(path) = &args.fhir_report {
        std::fs::write(path, mapped.report_json()? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if !global.quiet && !mapped.report.is_empty() {
        eprintln!("FHIR mapping: {}", mapped.report.summary());
        for item in &mapped.report.not_mapped {
            eprintln!("  {} ({:?}): {}", item.path, item.reason, item.note);
        }
    }
    Ok(())
}

/// `parse FILE --format fhir` (offline: numeric values go without units).
pub fn parse(global: &GlobalOpts, args: &FhirArgs, file: &Path) -> anyhow::Result<u8> {
    let text = global.read_file(file)?;
    let options = MapOptions::new(chrono::Local::now().date_naive());
    let mapped =
        convert(&text, &options).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    print(global, args, &mapped)?;
    Ok(0)
}

/// `record NHS --format fhir`.
pub async fn record(global: &GlobalOpts, args: &FhirArgs, params: Params) -> anyhow::Result<u8> {
    let client = global.client(None)?;
    let reply = call_quiet(&client, "GetPatientRecord", &params).await?;
    let mapped = convert(&reply.xml, &options(&client).await)?;
    print(global, args, &mapped)?;
    Ok(0)
}

/// `extract --format fhir`: a Bundle and a mapping report beside each saved record.
pub struct Extract {
    /// `None` when FHIR output was not asked for.
    options: Option<MapOptions>,
}

impl Extract {
    /// Whether saved records still lack their Bundle or its mapping report (a run
    /// without --format fhir saved them, or a run was killed between the files).
    pub fn pending(args: &FhirArgs, out: &Path, saved: &[String]) -> bool {
        args.wanted() && saved.iter().any(|nhs| !Self::complete(out, nhs))
    }

    /// Whether both FHIR files of a saved record are there.
    fn complete(out: &Path, nhs: &str) -> bool {
        out.join(format!("{nhs}.fhir.json")).exists()
            && out.join(format!("{nhs}.fhir-report.json")).exists()
    }

    /// Gets the units through the extract's client (so its pacing holds) and writes
    /// the Bundles and reports that saved records lack (both again when one is
    /// missing: they are made together from the record).
    pub async fn start(
        global: &GlobalOpts,
        args: &FhirArgs,
        client: &Client,
        out: &Path,
        saved: &[String],
    ) -> anyhow::Result<Extract> {
        if !args.wanted() {
            return Ok(Extract { options: None });
        }
        let extract = Extract {
            options: Some(options(client).await),
        };
        for nhs in saved {
            if Self::complete(out, nhs) {
                continue;
            }
            let xml = global.read_file(&out.join(format!("{nhs}.xml")))?;
            extract.save(out, nhs, &xml)?;
        }
        Ok(extract)
    }

    /// Writes `<NHS>.fhir.json` and `<NHS>.fhir-report.json` (nothing when FHIR
    /// output was not asked for).
    pub fn save(&self, out: &Path, nhs: &str, xml: &str) -> anyhow::Result<()> {
        let Some(options) = &self.options else {
            return Ok(());
        };
        let mapped =
            convert(xml, options).with_context(|| format!("{nhs}: cannot convert to FHIR"))?;
        write_atomically(
            &out.join(format!("{nhs}.fhir.json")),
            &mapped.bundle_json()?,
        )?;
        write_atomically(
            &out.join(format!("{nhs}.fhir-report.json")),
            &mapped.report_json()?,
        )?;
        tracing::debug!("FHIR for a record: {}", mapped.report.summary());
        Ok(())
    }
}
