//! `call`, `sim` and the task-shaped commands.

use anyhow::bail;
use systmone_bindings::AnyRequest;
use systmone_client::Client;

use crate::options::*;
use crate::output::print_reply;
use crate::request::{Params, Reply, ShownHeader, build_request, resolve_function, send};

/// The header shown in printed requests for `client`.
pub fn shown_header(client: &Client) -> ShownHeader {
    ShownHeader {
        device_id: client.device_id().ok().flatten().unwrap_or_default(),
        device_version: client.config().device_version.clone(),
    }
}

/// Sends a checked request, logging the XML with -v, and prints the response.
async fn send_and_print(
    global: &GlobalOpts,
    client: &Client,
    request: AnyRequest,
    shown: &str,
) -> anyhow::Result<u8> {
    if global.verbose > 0 {
        eprintln!("request:\n{}", pretty(shown));
    }
    let reply = crate::progress::with_wait_line(global.quiet, send(client, request)).await?;
    if global.verbose > 0 {
        eprintln!("response:\n{}", reply.xml.trim_end());
    }
    print_reply(global.output(), &reply, global.quiet)?;
    Ok(0)
}

/// An indented form of a document for people (the input if it does not parse).
pub fn pretty(doc: &str) -> String {
    match AnyRequest::parse(doc)
        .ok()
        .and_then(|r| r.to_xml(true).ok())
    {
        Some(x) => x,
        None => doc.to_string(),
    }
}

/// Builds, checks and sends `function` with `params`; prints the response.
pub async fn call_with(global: &GlobalOpts, function: &str, params: Params) -> anyhow::Result<u8> {
    let (function, version) = resolve_function(function, None)?;
    let client = global.client(None)?;
    let (request, doc) = build_request(&function, &version, &params, &shown_header(&client))?;
    send_and_print(global, &client, request, &doc).await
}

/// Same, returning the reply instead of printing it.
pub async fn call_quiet(client: &Client, function: &str, params: &Params) -> anyhow::Result<Reply> {
    let (function, version) = resolve_function(function, None)?;
    let (request, _) = build_request(&function, &version, params, &shown_header(client))?;
    send(client, request).await
}

pub async fn call(global: &GlobalOpts, args: CallArgs) -> anyhow::Result<u8> {
    let (function, version) = resolve_function(&args.function, args.version.as_deref())?;
    match &args.xml {
        Some(path) => {
            let text = global.read_file(path)?;
            let request = crate::request::parse_to_send(&text).map_err(|e| {
                // Say plainly when the file ends early.
                let cut = if matches!(e, systmone_core::ParseError::Truncated { .. }) {
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
            send_and_print(global, &client, request, &text).await
        }
        None => {
            let mut params = Params::new();
            for p in &args.params {
                params.add_pair(p)?;
            }
            let client = global.client(None)?;
            let (request, doc) =
                build_request(&function, &version, &params, &shown_header(&client))?;
            send_and_print(global, &client, request, &doc).await
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
        crate::progress::with_wait_line(global.quiet, client.supported_functions())
            .await?
            .iter()
            .map(|f| (f.function.clone(), f.version.clone()))
            .collect();
    let report = systmone_upkeep::compat::compare(
        &advertised,
        systmone_bindings::FUNCTIONS,
        systmone_bindings::ALIASES,
    );
    if matches!(global.output, Some(crate::options::OutputFormat::Json)) {
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

/// `Identity` with an NHS or pseudo number.
pub fn identity(p: &mut Params, number: &str, pseudo: bool) -> anyhow::Result<()> {
    let number = number.trim();
    if pseudo {
        p.add("Identity/PseudoNumber", number)
    } else {
        let digits = crate::checks::nhs_number(number)
            .map_err(|e| anyhow::anyhow!("{e}; use --pseudo for a pseudo number"))?;
        p.add("Identity/NHSNumber", &digits)
    }
}

/// The parameters of a GetPatientRecord call.
pub fn record_params(
    number: &str,
    pseudo: bool,
    leave_open: bool,
    filter: &RecordFilter,
) -> anyhow::Result<Params> {
    let mut p = Params::new();
    identity(&mut p, number, pseudo)?;
    p.flag("LeaveRecordOpen", leave_open)?;
    filter.add_to(&mut p)?;
    Ok(p)
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

/// The parameters that book a slot.
#[allow(clippy::too_many_arguments)]
pub fn booking_params(
    nhs: &str,
    user: &str,
    site: &str,
    clinic_type: &str,
    slot_type: &str,
    start: &str,
    duration: &str,
    comments: Option<&str>,
) -> anyhow::Result<Params> {
    let mut p = Params::new();
    identity(&mut p, nhs, false)?;
    let a = "NonClinical/Appointment";
    p.add(&format!("{a}/Clinic/UserName"), user)?;
    p.add(&format!("{a}/Clinic/SiteName"), site)?;
    p.add(&format!("{a}/Clinic/ClinicType"), clinic_type)?;
    p.add(&format!("{a}/Clinic/Slot/SlotType"), slot_type)?;
    p.add(&format!("{a}/Clinic/Slot/DateTimeStart"), start)?;
    p.add(&format!("{a}/Clinic/Slot/Duration"), duration)?;
    p.opt(&format!("{a}/Comments"), comments)?;
    Ok(p)
}

pub async fn document(global: &GlobalOpts, args: DocumentArgs) -> anyhow::Result<u8> {
    let mut p = Params::new();
    identity(&mut p, &args.nhs_number, false)?;
    p.add("DocumentUID", &args.document_uid)?;
    p.add("WriteTo", &args.write_to)?;
    p.flag("LeaveRecordOpen", args.leave_record_open)?;
    call_with(global, "GetDocument", p).await
}
