//! `demo`: a simulator in-process and a walk through the interface, as an integrator
//! would do it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use systmone_client::{AuditDetail, AuditLog, Client, ClientConfig, MemoryStore, PacingWait};
use systmone_sim::{Approval, DOCUMENT_API_KEYS, SimConfig, Simulator, Throttle};

use crate::options::{DemoArgs, GlobalOpts, PacingArg, pacing_limits};
use crate::params::booking_params;
use crate::request::{Params, build_request, resolve_function, send, shown_header, shown_request};
use crate::summary::{summarise_pairs, summarise_response};
use crate::tree::Node;

const STEPS: usize = 14;

struct Demo {
    client: Client,
    verbose: bool,
    step: usize,
}

fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| format!("      {l}\n"))
        .collect()
}

impl Demo {
    /// Sends one request, printing what was sent and what came back.
    async fn step(&mut self, title: &str, function: &str, params: Params) -> anyhow::Result<Node> {
        self.step += 1;
        println!("\n[{}/{STEPS}] {title}", self.step);
        let (function, version) = resolve_function(function, None)?;
        let request = build_request(&function, &version, &params)?;
        println!(
            "  → {function} {version}: {}",
            summarise_pairs(&params.leaves())
        );
        if self.verbose {
            print!(
                "{}",
                indent(&shown_request(&request, &shown_header(&self.client)))
            );
        }
        let started = Instant::now();
        let reply = send(&self.client, request)
            .await
            .with_context(|| format!("demo step {} ({function}) failed", self.step))?;
        println!(
            "  ← {} ({} ms)",
            summarise_response(&function, &reply.body),
            started.elapsed().as_millis()
        );
        if self.verbose {
            print!("{}", indent(&reply.xml));
        }
        Ok(reply.body)
    }
}

fn first_text(body: &Node, name: &str) -> anyhow::Result<String> {
    match body.find(name) {
        Some(n) if !n.text.is_empty() => Ok(n.text.clone()),
        _ => bail!("the response has no {name}"),
    }
}

pub async fn run(global: &GlobalOpts, args: DemoArgs) -> anyhow::Result<u8> {
    let began = Instant::now();
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let root = dir.path().join("sim-root");
    std::fs::create_dir_all(&root)?;
    let sim = Simulator::start(SimConfig {
        bind: "127.0.0.1:0".parse().expect("address"),
        // `--pacing off` is for a simulator that does not throttle either.
        throttle: match global.pacing {
            PacingArg::Spec => Throttle::Spec,
            PacingArg::Off => Throttle::Off,
        },
        approval: Approval::Auto,
        root: Some(root.clone()),
        // The operator console, to watch the walk-through in a browser.
        console: Some("127.0.0.1:0".parse().expect("address")),
        ..SimConfig::default()
    })
    .await
    .context("cannot start the simulator")?;
    let control = sim.control();
    println!(
        "Started a simulated SystmOne client on {} (throttle as documented, devices approved automatically).",
        sim.addr()
    );
    if let Some(console) = sim.console_url() {
        println!(
            "Watch it in a browser: the simulator's operator console is at {console} \
             (the journal of requests, devices, the GP's window)."
        );
    }
    println!(
        "Every request is paced to SystmOne's limit of one per second; waits are shown with …"
    );

    let mut config = ClientConfig::new(DOCUMENT_API_KEYS[0]);
    config.addr = sim.addr().to_string();
    config.device_version = concat!("systmone demo ", env!("CARGO_PKG_VERSION")).to_string();
    // The simulator answers at once: a short wait, so a lost answer costs seconds.
    config.response_timeout = global.timeout.unwrap_or(Duration::from_secs(10));
    config.pacing = pacing_limits(global.pacing);
    let quiet = global.quiet;
    let mut builder = Client::builder(config)
        .device_store(Arc::new(MemoryStore::new()))
        .on_pacing_wait(Arc::new(move |wait: &PacingWait<'_>| {
            if !quiet {
                eprintln!("  … {wait}");
            }
        }));
    if let Some(path) = &global.audit {
        builder = builder.audit(
            AuditLog::open(path, AuditDetail::Redacted)
                .with_context(|| format!("cannot open the audit log {}", path.display()))?,
        );
    }
    let client = builder.build()?;
    let mut demo = Demo {
        client: client.clone(),
        verbose: global.verbose > 0,
        step: 0,
    };

    // 1. First contact: no Device ID yet, so SystmOne asks its user to approve us.
    println!("\nDevice approval: this device has no Device ID yet, so the first request sends an");
    println!("empty <DeviceID>; SystmOne asks its user to approve the device and allocates one.");
    let functions = demo
        .step(
            "GetFunctions: first contact and discovery",
            "GetFunctions",
            Params::new(),
        )
        .await?;
    let device_id = client.device_id()?.unwrap_or_default();
    println!(
        "  Device approved: SystmOne allocated DeviceID {device_id}; every later request sends it."
    );
    let _ = functions;

    // 2. The organisation.
    let mut p = Params::new();
    p.flag("LoggedOnUserOnly", false)?;
    demo.step(
        "GetOrganisationMetaData: sites, users, slot and clinic types",
        "GetOrganisationMetaData",
        p,
    )
    .await?;

    // 3. A patient search.
    let mut p = Params::new();
    p.add("Surname", "Swift")?;
    p.add("DateOfBirth", "1933-01-01")?;
    let found = demo
        .step(
            "PatientSearch: surname and date of birth",
            "PatientSearch",
            p,
        )
        .await?;
    let nhs = first_text(&found, "NHSNumber")?;

    // 4. Demographics only (exempt from the 30-second throttle).
    let mut p = Params::new();
    p.add("Identity/NHSNumber", &nhs)?;
    p.add("Filter/Demographics", "")?;
    demo.step(
        "GetPatientRecord: demographics only (exempt from the 30 s record throttle)",
        "GetPatientRecord",
        p,
    )
    .await?;

    // 5. A filtered clinical record: entered today (also exempt).
    let today = chrono::Local::now().date_naive().to_string();
    let mut p = Params::new();
    p.add("Identity/NHSNumber", &nhs)?;
    p.add("Filter/MinEntryDate", &today)?;
    p.add("Filter/MaxEntryDate", &today)?;
    p.add("Filter/ClinicalCodes", "")?;
    p.add("Filter/Medication", "")?;
    p.add("Filter/Appointments", "")?;
    demo.step(
        "GetPatientRecord: codes, medication and appointments entered today (exempt too)",
        "GetPatientRecord",
        p,
    )
    .await?;

    // 6. Free slots in the coming week.
    let fmt = "%Y-%m-%dT%H:%M:%S";
    let now = chrono::Local::now().naive_local();
    let mut p = Params::new();
    p.add("MinDateTime", &now.format(fmt).to_string())?;
    p.add(
        "MaxDateTime",
        &(now + chrono::Duration::days(14)).format(fmt).to_string(),
    )?;
    let slots = demo
        .step(
            "GetAppointmentSlots: free slots in the next two weeks",
            "GetAppointmentSlots",
            p,
        )
        .await?;
    let Some(clinic) = slots.find("Clinic") else {
        bail!("the simulator offered no free slots");
    };
    let slot = clinic.child("Slot").context("a Clinic without a Slot")?;
    let (user, site, clinic_type) = (
        clinic.text_at("UserName"),
        clinic.text_at("SiteName"),
        clinic.text_at("ClinicType"),
    );
    let (slot_type, start, duration) = (
        slot.text_at("SlotType"),
        slot.text_at("DateTimeStart"),
        slot.text_at("Duration"),
    );
    println!("  Booking the first: {start} with {user} at {site} ({clinic_type}, {duration} min)");

    // 7. Book it.
    let p = booking_params(
        &nhs,
        &user,
        &site,
        &clinic_type,
        &slot_type,
        &start,
        &duration,
        Some("Booked by the systmone demo"),
    )?;
    let booked = demo
        .step(
            "UpdatePatientRecord: book the slot",
            "UpdatePatientRecord",
            p,
        )
        .await?;
    let appointment_uid = first_text(&booked, "AppointmentUID")?;

    // 8. The diary shows it.
    let day = start.get(..10).unwrap_or(&start).to_string();
    let mut p = Params::new();
    p.add("MinDateTime", &format!("{day}T00:00:00"))?;
    p.add("MaxDateTime", &format!("{day}T23:59:59"))?;
    p.add("UserName", &user)?;
    p.add("Appointments", "")?;
    let diary = demo
        .step(
            "GetDiary: that day's diary for the clinician",
            "GetDiary",
            p,
        )
        .await?;
    let shown = diary
        .children
        .iter()
        .any(|r| r.find("NHSNumber").is_some_and(|n| n.text == nhs));
    println!(
        "  The booking {} in the diary.",
        if shown { "is" } else { "is NOT" }
    );

    // 9. The patient arrives.
    let mut p = Params::new();
    p.add("Identity/NHSNumber", &nhs)?;
    p.add("NonClinical/Appointment/AppointmentUID", &appointment_uid)?;
    p.add("NonClinical/Appointment/Status", "Arrived")?;
    demo.step(
        "UpdatePatientRecord: mark the appointment Arrived",
        "UpdatePatientRecord",
        p,
    )
    .await?;

    // 10. A coded entry.
    let mut p = Params::new();
    p.add("Identity/NHSNumber", &nhs)?;
    p.add("Clinical/Event/ClinicalCode/Code@Scheme", "CTV3")?;
    p.add("Clinical/Event/ClinicalCode/Code@Code", "X505K")?;
    p.add(
        "Clinical/Event/ClinicalCode/FreeText",
        "Added by the systmone demo",
    )?;
    let added = demo
        .step(
            "UpdatePatientRecord: add a coded entry (CTV3 X505K)",
            "UpdatePatientRecord",
            p,
        )
        .await?;
    let event_uid = first_text(&added, "EventUID")?;

    // The entry is in today's entries (exempt from the 30 s throttle).
    let mut p = Params::new();
    p.add("Identity/NHSNumber", &nhs)?;
    p.add("Filter/MinEntryDate", &today)?;
    p.add("Filter/MaxEntryDate", &today)?;
    p.add("Filter/ClinicalCodes", "")?;
    let record = demo
        .step(
            "GetPatientRecord: codes entered today now include the new entry",
            "GetPatientRecord",
            p,
        )
        .await?;
    let mut codes = Vec::new();
    record.find_all("Code", &mut codes);
    let found = codes
        .iter()
        .any(|c| c.attrs.iter().any(|(n, v)| n == "Code" && v == "X505K"));
    println!(
        "  X505K {} among today's entries.",
        if found { "is" } else { "is NOT" }
    );

    // 11. Delete it again.
    let mut p = Params::new();
    p.add("Identity/NHSNumber", &nhs)?;
    p.add("Reason", "Entered by the systmone demo")?;
    p.add("EventUID", &event_uid)?;
    demo.step(
        "DeleteFromPatientRecord: delete that entry, with a reason",
        "DeleteFromPatientRecord",
        p,
    )
    .await?;

    // 12. A document: the simulator's practice says which records have files behind
    // their letters and attachments.
    let practice = control.practice_data();
    let with_document = practice
        .patients
        .iter()
        .filter(|p| p.nhs_number.is_some())
        .find_map(|p| {
            p.documents
                .keys()
                .next()
                .map(|uid| (p.nhs_number.clone().unwrap_or_default(), uid.clone()))
        });
    let Some((doc_nhs, document_uid)) = with_document else {
        bail!("the simulated practice has no documents");
    };
    let write_to = root.join("documents");
    std::fs::create_dir_all(&write_to)?;
    let mut p = Params::new();
    p.add("Identity/NHSNumber", &doc_nhs)?;
    p.add("DocumentUID", &document_uid)?;
    p.add("WriteTo", &write_to.display().to_string())?;
    let document = demo
        .step(
            "GetDocument: fetch a letter's file into a temporary directory",
            "GetDocument",
            p,
        )
        .await?;
    let file = first_text(&document, "DocumentFile")?;
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    println!("  {file}: {size} bytes");

    // 13. What SystmOne's own audit trail holds.
    demo.step(
        "IsPatientRetrieved: is a record open in SystmOne's window?",
        "IsPatientRetrieved",
        Params::new(),
    )
    .await?;
    let audit = control.audit();
    println!(
        "\nSystmOne's audit trail (Audit > Client Integration) now holds {} messages from this device.",
        audit
            .iter()
            .filter(|e| e.device_id == device_id || e.device_id.is_empty())
            .count()
    );
    println!(
        "Done in {:.1} s. Try `systmone sim --console 127.0.0.1:8080` (then open the \
         address it prints, token included) and `systmone --help` next.",
        began.elapsed().as_secs_f64()
    );
    sim.shutdown().await;
    if args.keep {
        let kept = dir.keep();
        println!("Kept the simulator's directory: {}", kept.display());
    }
    Ok(0)
}
