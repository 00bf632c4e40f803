//! `call`, `sim` and the task-shaped commands.

use anyhow::bail;
use systmone_bindings::AnyRequest;
use systmone_client::Client;

use crate::options::*;
use crate::output::OutputFormat;
use crate::params::{identity, record_params};
use crate::request::{
    Params, add_pair, build_request, resolve_function, send, shown_header, shown_request,
};
use crate::summary::print_reply;

/// Sends a checked request, showing it with -v, and prints the response.
async fn send_and_print(
    global: &GlobalOpts,
    client: &Client,
    request: AnyRequest,
) -> anyhow::Result<u8> {
    if global.verbose > 0 {
        eprintln!(
            "request:\n{}",
            shown_request(&request, &shown_header(client))
        );
    }
    let reply = crate::progress::with_wait_line(global.quiet, send(client, request)).await?;
    if global.verbose > 0 {
        eprintln!("response:\n{}", reply.xml.trim_end());
    }
    print_reply(global.output(), &reply, global.quiet)?;
    Ok(0)
}

/// Builds, checks and sends `function` with `params`; prints the response.
pub async fn call_with(global: &GlobalOpts, function: &str, params: Params) -> anyhow::Result<u8> {
    let (function, version) = resolve_function(function, None)?;
    let request = build_request(&function, &version, &params)?;
    let client = global.client(None)?;
    send_and_print(global, &client, request).await
}

pub async fn call(global: &GlobalOpts, args: CallArgs) -> anyhow::Result<u8> {
    let (function, version) = resolve_function(&args.function, args.version.as_deref())?;
    match &args.xml {
        Some(path) => {
            let text = global.read_file(path)?;
            let request = crate::request::parse_to_send(&text).map_err(|e| {
                // Say plainly when the file ends early.
                let cut = if e.is_truncated() {
                    " (is it cut short?)"
                } else {
                    ""
                };
                anyhow::anyhow!("{} is not a valid request{cut}: {e}", path.display())
            })?;
            let (found, found_version) = request.function();
            let (found, found_version) = (found.to_string(), found_version.to_string());
            let (canonical, _) = resolve_function(&found, Some(&found_version))?;
            if canonical != function || found_version != version {
                bail!(
                    "{} is a {found} {found_version} request, not {function} {version}",
                    path.display()
                );
            }
            let client = global.client(None)?;
            send_and_print(global, &client, request).await
        }
        None => {
            let mut params = Params::new();
            for p in &args.params {
                add_pair(&mut params, p)?;
            }
            let request = build_request(&function, &version, &params)?;
            let client = global.client(None)?;
            send_and_print(global, &client, request).await
        }
    }
}

pub async fn sim(args: systmone_sim::cli::SimArgs) -> anyhow::Result<u8> {
    systmone_sim::cli::run(args).await?;
    Ok(0)
}

/// `systmone compat`: GetFunctions against the bindings we ship (the same comparison as
/// `cargo xtask compat`).
pub async fn compat(global: &GlobalOpts) -> anyhow::Result<u8> {
    let client = global.client(None)?;
    let advertised: Vec<(String, Vec<String>)> =
        crate::progress::with_wait_line(global.quiet, client.ask_supported_functions())
            .await?
            .iter()
            .map(|f| (f.function.clone(), f.version.clone()))
            .collect();
    let report = systmone_upkeep::compat::compare(
        &advertised,
        systmone_bindings::FUNCTIONS,
        systmone_bindings::ALIASES,
    );
    if matches!(global.output, Some(OutputFormat::Json)) {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_table());
    }
    if report.has_failures() {
        eprintln!("The SystmOne client does not support some of the bindings this tool ships.");
        return Ok(5);
    }
    Ok(0)
}

pub async fn functions(global: &GlobalOpts) -> anyhow::Result<u8> {
    call_with(global, "GetFunctions", Params::new()).await
}

pub async fn org(global: &GlobalOpts, args: OrgArgs) -> anyhow::Result<u8> {
    let mut p = Params::new();
    p.flag("LoggedOnUserOnly", args.logged_on_user_only)?;
    call_with(global, "GetOrganisationMetaData", p).await
}

pub async fn search(global: &GlobalOpts, args: SearchArgs) -> anyhow::Result<u8> {
    let given: Vec<&str> = [
        args.surname.is_some(),
        args.first_name.is_some(),
        args.dob.is_some(),
        args.postcode.is_some(),
        args.telephone.is_some(),
        args.gender.is_some(),
    ]
    .into_iter()
    .zip(crate::checks::SEARCH_FIELDS)
    .filter_map(|(set, flag)| set.then_some(flag))
    .collect();
    crate::checks::two_search_criteria(&given)?;
    let mut p = Params::new();
    p.opt("Surname", args.surname.as_deref())?;
    p.opt("FirstName", args.first_name.as_deref())?;
    p.opt("DateOfBirth", args.dob.as_deref())?;
    p.opt("PostCode", args.postcode.as_deref())?;
    p.opt("Telephone", args.telephone.as_deref())?;
    p.opt("Gender", args.gender.as_deref())?;
    call_with(global, "PatientSearch", p).await
}

pub async fn record(global: &GlobalOpts, args: RecordArgs) -> anyhow::Result<u8> {
    let p = record_params(
        &args.nhs_number,
        args.pseudo,
        args.leave_record_open,
        &args.filter,
    )?;
    if args.fhir.wanted() {
        return crate::fhir_output::record(global, &args.fhir, p).await;
    }
    call_with(global, "GetPatientRecord", p).await
}

fn range(from: Option<String>, to: Option<String>) -> (String, String) {
    let fmt = "%Y-%m-%dT%H:%M:%S";
    let now = chrono::Local::now().naive_local();
    let from = from.unwrap_or_else(|| now.format(fmt).to_string());
    let to = to.unwrap_or_else(|| {
        let start = chrono::NaiveDateTime::parse_from_str(&from, fmt)
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(&from, "%Y-%m-%d")
                    .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight"))
            })
            .unwrap_or(now);
        (start + chrono::Duration::days(7)).format(fmt).to_string()
    });
    (from, to)
}

pub async fn slots(global: &GlobalOpts, args: SlotsArgs) -> anyhow::Result<u8> {
    let (from, to) = range(args.from, args.to);
    let mut p = Params::new();
    p.add("MinDateTime", &from)?;
    p.add("MaxDateTime", &to)?;
    for u in &args.user {
        p.add("UserName", u)?;
    }
    for s in &args.site {
        p.add("SiteName", s)?;
    }
    for c in &args.clinic_type {
        p.add("ClinicType", c)?;
    }
    for s in &args.slot_type {
        p.add("SlotType", s)?;
    }
    call_with(global, "GetAppointmentSlots", p).await
}

pub async fn diary(global: &GlobalOpts, args: DiaryArgs) -> anyhow::Result<u8> {
    let (from, to) = range(args.from, args.to);
    let mut p = Params::new();
    p.add("MinDateTime", &from)?;
    p.add("MaxDateTime", &to)?;
    for u in &args.user {
        p.add("UserName", u)?;
    }
    for s in &args.site {
        p.add("SiteName", s)?;
    }
    let both = !args.appointments && !args.visits;
    p.flag("Appointments", args.appointments || both)?;
    p.flag("Visits", args.visits || both)?;
    call_with(global, "GetDiary", p).await
}

pub async fn document(global: &GlobalOpts, args: DocumentArgs) -> anyhow::Result<u8> {
    let mut p = Params::new();
    identity(&mut p, &args.nhs_number, false)?;
    p.add("DocumentUID", &args.document_uid)?;
    p.add("WriteTo", &args.write_to)?;
    p.flag("LeaveRecordOpen", args.leave_record_open)?;
    call_with(global, "GetDocument", p).await
}
