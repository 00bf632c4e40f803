//! The console's HTML: one page of panels (journal, devices, the GP's window, throttle
//! and faults, the practice), each panel's live part also served alone as a fragment
//! the page's script swaps in when an event says it changed. Forms post to `/console/*`
//! and come back to the page (they work without the script).

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use super::api::{outcome_parts, parse_throttle, throttle_name};
use crate::control::Control;
use crate::practice::{CODES, DRUGS};
use crate::state::{AuditEntry, Kept};
use crate::{FaultSpec, stdin};

const CSS: &str = include_str!("assets/console.css");
const JS: &str = include_str!("assets/console.js");

/// Journal rows shown on the page (the API has them all).
const JOURNAL_ROWS: usize = 200;
/// XML shown on a journal entry's page, in bytes (the API has it all).
const XML_SHOWN: usize = 1 << 20;

pub(super) fn routes() -> Router<Control> {
    Router::new()
        .route("/console", get(page))
        .route("/console/fragment/{name}", get(fragment))
        .route("/console/journal/{seq}", get(journal_entry))
        .route("/console/assets/console.css", get(css))
        .route("/console/assets/console.js", get(js))
        .route("/console/record/open", post(open_record))
        .route("/console/record/close", post(close_record))
        .route("/console/activity", post(set_activity))
        .route("/console/selection/add", post(add_selection))
        .route("/console/selection/clear", post(clear_selection))
        .route("/console/user", post(set_user))
        .route("/console/devices/pending/{id}/approve", post(approve))
        .route("/console/devices/pending/{id}/block", post(deny))
        .route("/console/devices/unblock", post(unblock))
        .route("/console/throttle", post(set_throttle))
        .route("/console/faults/add", post(add_fault))
        .route("/console/faults/{index}/remove", post(remove_fault))
        .route("/console/journal/clear", post(clear_journal))
        .route("/console/reset", post(reset))
        .route("/console/practice", post(load_practice))
}

async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS).into_response()
}

async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        JS,
    )
        .into_response()
}

/// Back to the page, with a message when something was refused.
fn back(message: Option<String>) -> Redirect {
    match message {
        None => Redirect::to("/console"),
        Some(m) => Redirect::to(&format!("/console?msg={}", percent_encode(&m))),
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The page.

#[derive(Deserialize, Default)]
struct PageQuery {
    /// Patient search: a name or an NHS number.
    q: Option<String>,
    /// A message to show (a refused operation).
    msg: Option<String>,
}

async fn page(State(control): State<Control>, Query(query): Query<PageQuery>) -> Html<String> {
    let ui = control.ui();
    let users: Vec<(String, String)> = control
        .practice_data()
        .users
        .iter()
        .map(|u| (u.user_name.clone(), u.display_name()))
        .collect();
    let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let found = search.map(|q| control.search_patients(q, 20));
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "SystmOne simulator console" }
                link rel="stylesheet" href="/console/assets/console.css";
                script src="/console/assets/console.js" defer {}
            }
            body {
                header {
                    h1 { "SystmOne simulator" }
                    span #live .live title="Live updates" { "connecting" }
                    a href="/api/journal" { "admin API" }
                }
                @if let Some(m) = &query.msg {
                    p #message .message { (m) }
                }
                main {
                    section #journal-panel .panel .wide {
                        h2 { "Journal" }
                        form method="post" action="/console/journal/clear" .inline {
                            button type="submit" { "Clear journal" }
                        }
                        div #frag-journal data-fragment="journal" { (journal_fragment(&control)) }
                    }
                    section #devices-panel .panel {
                        h2 { "Devices" }
                        div #frag-devices data-fragment="devices" { (devices_fragment(&control)) }
                    }
                    section #window-panel .panel {
                        h2 { "The GP's window" }
                        div #frag-ui data-fragment="ui" { (ui_fragment(&control)) }
                        form method="post" action="/console/user" {
                            label { "Logged-on user "
                                select name="user_name" {
                                    @for (name, display) in &users {
                                        option value=(name) selected[*name == ui.user] { (display) " (" (name) ")" }
                                    }
                                }
                            }
                            button type="submit" { "Log on" }
                        }
                        form method="post" action="/console/activity" {
                            label { "Activity "
                                input name="activity" size="40" placeholder="Patient Actions/Prescribing"
                                    value=(ui.activity.join("/"));
                            }
                            button type="submit" { "Set" }
                        }
                        form #search method="get" action="/console" {
                            label { "Find a patient "
                                input name="q" placeholder="name or NHS number" value=[search];
                            }
                            button type="submit" { "Search" }
                        }
                        @if let Some(found) = &found {
                            @if found.is_empty() {
                                p #search-results { "No patient matches." }
                            } @else {
                                table #search-results {
                                    thead { tr { th { "Name" } th { "Number" } th { "Born" } th {} } }
                                    tbody {
                                        @for p in found {
                                            tr {
                                                td { (p.name) }
                                                td { (p.number) }
                                                td { (p.date_of_birth) }
                                                td {
                                                    form method="post" action="/console/record/open" .inline {
                                                        input type="hidden" name="number" value=(p.number);
                                                        button type="submit" .open-record data-number=(p.number) { "Open record" }
                                                    }
                                                    form method="post" action="/console/record/open" .inline {
                                                        input type="hidden" name="number" value=(p.number);
                                                        input type="hidden" name="hidden" value="1";
                                                        button type="submit" title="Open in a state that cannot be displayed" { "Open (busy)" }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        form method="post" action="/console/record/close" .inline {
                            button type="submit" #close-record { "Close record" }
                        }
                        h3 { "Select codes or drugs (GetCurrentSelection)" }
                        form method="post" action="/console/selection/add" {
                            select name="pick" {
                                option value="" { "(enter below)" }
                                optgroup label="Codes (CTV3)" {
                                    @for (code, term, _) in CODES {
                                        option value=(format!("code|CTV3|{code}|{term}")) { (term) " (" (code) ")" }
                                    }
                                }
                                optgroup label="Drugs (Multilex)" {
                                    @for (id, name, _) in DRUGS {
                                        option value=(format!("drug|Multilex|{id}|{name}")) { (name) }
                                    }
                                }
                            }
                            br;
                            select name="kind" { option value="code" { "code" } option value="drug" { "drug" } }
                            input name="scheme" size="8" placeholder="CTV3";
                            input name="id" size="12" placeholder="code or product ID";
                            input name="name" size="24" placeholder="term or name";
                            button type="submit" { "Add to selection" }
                        }
                        form method="post" action="/console/selection/clear" .inline {
                            button type="submit" { "Clear selection" }
                        }
                    }
                    section #throttle-panel .panel {
                        h2 { "Throttle and faults" }
                        div #frag-throttle data-fragment="throttle" { (throttle_fragment(&control)) }
                        div #frag-faults data-fragment="faults" { (faults_fragment(&control)) }
                        form method="post" action="/console/faults/add" {
                            label { "Fault rule "
                                input name="spec" size="16" placeholder="drop@1, delay=2s@3, temporary%0.1";
                            }
                            button type="submit" { "Add" }
                        }
                        h3 { "Practice" }
                        form method="post" action="/console/reset" .inline {
                            button type="submit" { "Reset the practice" }
                        }
                        form #practice-form method="post" action="/console/practice" {
                            label { "Load a practice (JSON, see --dump-practice) "
                                input type="file" #practice-file accept=".json,application/json";
                            }
                            textarea name="json" #practice-json rows="3" cols="40" placeholder="or paste the JSON here" {}
                            button type="submit" { "Load" }
                        }
                    }
                }
            }
        }
    };
    Html(markup.into_string())
}

async fn fragment(State(control): State<Control>, Path(name): Path<String>) -> Response {
    let markup = match name.as_str() {
        "journal" => journal_fragment(&control),
        "devices" => devices_fragment(&control),
        "ui" => ui_fragment(&control),
        "throttle" => throttle_fragment(&control),
        "faults" => faults_fragment(&control),
        _ => return (StatusCode::NOT_FOUND, "no such fragment\n").into_response(),
    };
    Html(markup.into_string()).into_response()
}

fn journal_fragment(control: &Control) -> Markup {
    let entries = control.journal_latest(JOURNAL_ROWS);
    html! {
        @if entries.is_empty() {
            p .empty { "No requests yet." }
        } @else {
            table #journal-table {
                thead { tr { th { "#" } th { "Time" } th { "Device" } th { "Function" } th { "RequestUID" } th { "Outcome" } th { "Elapsed" } } }
                tbody {
                    @for e in &entries {
                        (journal_row(e))
                    }
                }
            }
        }
    }
}

fn journal_row(e: &AuditEntry) -> Markup {
    let (outcome, message, _) = outcome_parts(&e.outcome);
    let href = format!("/console/journal/{}", e.seq);
    html! {
        tr .journal-row .(outcome) data-seq=(e.seq) data-function=(e.function) {
            td { a href=(href) { (e.seq) } }
            td { (e.time.format("%H:%M:%S%.3f")) }
            td .mono { (e.device_id) }
            td { a href=(href) { (if e.function.is_empty() { "(unreadable)" } else { e.function.as_str() }) } }
            td .mono { (e.request_uid) }
            td title=[message] {
                (outcome)
                @if let Some(f) = &e.fault { " (fault " (f) ")" }
                @if !e.request_drift.is_empty() { " " span .drift title="the request departs from the bindings" { "(drift)" } }
            }
            td { (format!("{:.1}", e.elapsed.as_secs_f64() * 1000.0)) " ms" }
        }
    }
}

fn devices_fragment(control: &Control) -> Markup {
    let d = control.devices();
    html! {
        h3 { "Waiting for approval" }
        @if d.pending.is_empty() {
            p .empty { "None." }
        } @else {
            ul #pending {
                @for p in &d.pending {
                    li .pending-device id=(format!("pending-{}", p.id)) {
                        (if p.device_version.is_empty() { "an application with no version" } else { p.device_version.as_str() })
                        " (since " (p.since.format("%H:%M:%S")) ") "
                        form method="post" action=(format!("/console/devices/pending/{}/approve", p.id)) .inline {
                            button type="submit" .approve { "Approve" }
                        }
                        form method="post" action=(format!("/console/devices/pending/{}/block", p.id)) .inline {
                            button type="submit" .block { "Block" }
                        }
                    }
                }
            }
        }
        h3 { "Known devices" }
        ul #known-devices {
            @for id in &d.known {
                li .mono { (id) @if d.blocked.contains(id) { " (blocked)" } }
            }
        }
        @if !d.blocked.is_empty() {
            h3 { "Blocked" }
            ul #blocked-devices {
                @for id in &d.blocked {
                    li {
                        span .mono { (id) } " "
                        form method="post" action="/console/devices/unblock" .inline {
                            input type="hidden" name="device_id" value=(id);
                            button type="submit" { "Unblock" }
                        }
                    }
                }
            }
        }
    }
}

fn ui_fragment(control: &Control) -> Markup {
    let ui = control.ui();
    let open = ui
        .open_record
        .as_ref()
        .map(|(n, displayable)| (n.clone(), *displayable, control.patient_name(n)));
    html! {
        dl #ui-state {
            dt { "User" } dd #ui-user { (ui.user) }
            dt { "Activity" } dd #ui-activity { (if ui.activity.is_empty() { "Navigation Actions".to_string() } else { ui.activity.join(" > ") }) }
            dt { "Open record" }
            dd #ui-record {
                @match &open {
                    None => "none",
                    Some((n, displayable, name)) => {
                        (name.as_deref().unwrap_or("(not in the practice)")) " " span .mono { (n) }
                        @if !displayable { " (cannot be displayed)" }
                    }
                }
            }
            dt { "Selection" }
            dd #ui-selection {
                @if ui.selection.is_empty() { "none" }
                @for item in &ui.selection {
                    @let j = super::api::SelectionItemJson::from_item(item);
                    span .chip { (j.kind) " " (j.scheme) " " (j.id) @if let Some(n) = &j.name { " " (n) } }
                }
            }
        }
    }
}

fn throttle_fragment(control: &Control) -> Markup {
    let t = control.throttle();
    let on = t.mode == crate::Throttle::Spec;
    html! {
        p #throttle-state data-mode=(throttle_name(t.mode)) {
            "Throttle: " strong { (if on { "on (as documented)" } else { "off" }) }
            @if on {
                " · next request "
                @if t.next_request_in.is_zero() { "now" } @else { "in " (t.next_request_in.as_millis()) " ms" }
                " · next full GetPatientRecord "
                @if t.next_record_in.is_zero() { "now" } @else { "in " (t.next_record_in.as_secs()) " s" }
            }
            " · throttled so far: " strong #throttled-count { (t.throttled) }
        }
        form method="post" action="/console/throttle" .inline {
            input type="hidden" name="mode" value=(if on { "off" } else { "spec" });
            button type="submit" { (if on { "Switch off" } else { "Switch on" }) }
        }
    }
}

fn faults_fragment(control: &Control) -> Markup {
    let faults = control.faults();
    html! {
        h3 { "Fault rules" }
        @if faults.is_empty() {
            p .empty { "None." }
        } @else {
            ol #fault-rules start="0" {
                @for (i, f) in faults.iter().enumerate() {
                    li {
                        span .mono { (f) } " "
                        form method="post" action=(format!("/console/faults/{i}/remove")) .inline {
                            button type="submit" { "Remove" }
                        }
                    }
                }
            }
        }
    }
}

async fn journal_entry(State(control): State<Control>, Path(seq): Path<u64>) -> Response {
    let Some(e) = control.journal_entry(seq) else {
        return (StatusCode::NOT_FOUND, Html("no such journal entry")).into_response();
    };
    let (outcome, message, permanent) = outcome_parts(&e.outcome);
    let shown = |xml: &str| -> (String, bool) {
        if xml.len() <= XML_SHOWN {
            return (xml.to_string(), false);
        }
        let mut end = XML_SHOWN;
        while !xml.is_char_boundary(end) {
            end -= 1;
        }
        (xml[..end].to_string(), true)
    };
    let (request, request_cut) = shown(&e.request_xml);
    let (response, response_cut) = shown(e.response_xml.as_deref().unwrap_or(""));
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Journal entry " (e.seq) }
                link rel="stylesheet" href="/console/assets/console.css";
            }
            body {
                header { h1 { "Journal entry " (e.seq) } a href="/console" { "back to the console" } }
                main .single {
                    dl {
                        dt { "Time" } dd { (e.time) }
                        dt { "Function" } dd { (e.function) }
                        dt { "RequestUID" } dd .mono { (e.request_uid) }
                        dt { "Device" } dd .mono { (e.device_id) }
                        dt { "Outcome" } dd { (outcome) @if let Some(m) = &message { ": " (m) } @if let Some(p) = permanent { (if p { " (permanent)" } else { " (temporary)" }) } }
                        dt { "Elapsed" } dd { (format!("{:.1}", e.elapsed.as_secs_f64() * 1000.0)) " ms" }
                        @if let Some(f) = &e.fault { dt { "Fault" } dd { (f) } }
                    }
                    h2 { "Request drift" }
                    @if e.request_drift.is_empty() {
                        p #request-drift .empty { "None: the request matches the bindings." }
                    } @else {
                        p { "Where the request departs from the bindings. SystmOne ignores what it does not read, so the request was answered; " code { "--strict-requests" } " refuses it instead." }
                        table #request-drift {
                            thead { tr { th { "Kind" } th { "Path" } th { "Count" } } }
                            tbody {
                                @for d in &e.request_drift.items {
                                    tr { td { (d.kind.describe()) } td .mono { (d.path) } td { (d.count) } }
                                }
                            }
                        }
                        @if e.request_drift.more > 0 { p { "And " (e.request_drift.more) " more paths." } }
                    }
                    h2 { "Request" }
                    pre #request-xml { (request) }
                    (kept_note(e.request_kept, e.request_size, request_cut))
                    h2 { "Response" }
                    @if e.response_xml.is_none() { p { "No response was sent." } }
                    pre #response-xml { (response) }
                    @if response_cut || e.response_xml.as_ref().is_some_and(|r| r.len() < e.response_size) { p .kept { "The first MiB of " (e.response_size) " bytes (the audit file, --audit, has it whole)." } }
                }
            }
        }
    };
    Html(markup.into_string()).into_response()
}

/// What the page shows of a request, when it is not the whole document.
fn kept_note(kept: Kept, size: usize, cut: bool) -> Markup {
    html! {
        @match kept {
            Kept::Excerpt => p .kept { "Not a document (" (size) " bytes): a short excerpt, masked (API key, numbers, names)." },
            Kept::Start => p .kept { "The first MiB of " (size) " bytes (the audit file, --audit, has it whole)." },
            Kept::Whole if cut => p .kept { "Cut at 1 MiB of " (size) " bytes." },
            Kept::Whole => {},
        }
    }
}

// ---------------------------------------------------------------------------
// Forms: each calls one Control operation and comes back to the page.

#[derive(Deserialize)]
struct OpenForm {
    number: String,
    #[serde(default)]
    hidden: Option<String>,
}

async fn open_record(State(control): State<Control>, Form(f): Form<OpenForm>) -> Redirect {
    back(
        control
            .open_patient(&f.number, f.hidden.is_none())
            .err()
            .map(|e| e.to_string()),
    )
}

async fn close_record(State(control): State<Control>) -> Redirect {
    control.close_record();
    back(None)
}

#[derive(Deserialize)]
struct ActivityForm {
    activity: String,
}

async fn set_activity(State(control): State<Control>, Form(f): Form<ActivityForm>) -> Redirect {
    control.set_activity(f.activity.split('/').map(str::to_string).collect());
    back(None)
}

#[derive(Deserialize)]
struct SelectionForm {
    #[serde(default)]
    pick: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    scheme: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
}

async fn add_selection(State(control): State<Control>, Form(f): Form<SelectionForm>) -> Redirect {
    let item = if f.pick.is_empty() {
        stdin::selection_item(&f.kind, Some(&f.scheme), Some(&f.id), Some(&f.name))
    } else {
        let mut parts = f.pick.splitn(4, '|');
        let kind = parts.next().unwrap_or("");
        stdin::selection_item(kind, parts.next(), parts.next(), parts.next())
    };
    match item {
        Some(item) => {
            control.add_selection(item);
            back(None)
        }
        None => back(Some(
            "Not a selection item: pick one, or give a kind, a scheme (CTV3, Snomed, Multilex, Dmd...) and an ID".into(),
        )),
    }
}

async fn clear_selection(State(control): State<Control>) -> Redirect {
    control.set_selection(Vec::new());
    back(None)
}

#[derive(Deserialize)]
struct UserForm {
    user_name: String,
}

async fn set_user(State(control): State<Control>, Form(f): Form<UserForm>) -> Redirect {
    back(control.set_user(&f.user_name).err().map(|e| e.to_string()))
}

async fn approve(State(control): State<Control>, Path(id): Path<u64>) -> Redirect {
    back(
        control
            .answer_pending(id, true)
            .err()
            .map(|e| e.to_string()),
    )
}

async fn deny(State(control): State<Control>, Path(id): Path<u64>) -> Redirect {
    back(
        control
            .answer_pending(id, false)
            .err()
            .map(|e| e.to_string()),
    )
}

#[derive(Deserialize)]
struct DeviceForm {
    device_id: String,
}

async fn unblock(State(control): State<Control>, Form(f): Form<DeviceForm>) -> Redirect {
    control.unblock_device(&f.device_id);
    back(None)
}

#[derive(Deserialize)]
struct ThrottleForm {
    mode: String,
}

async fn set_throttle(State(control): State<Control>, Form(f): Form<ThrottleForm>) -> Redirect {
    match parse_throttle(&f.mode) {
        Ok(mode) => {
            control.set_throttle(mode);
            back(None)
        }
        Err(_) => back(Some(format!("Unknown throttle mode {:?}", f.mode))),
    }
}

#[derive(Deserialize)]
struct FaultForm {
    spec: String,
}

async fn add_fault(State(control): State<Control>, Form(f): Form<FaultForm>) -> Redirect {
    match f.spec.trim().parse::<FaultSpec>() {
        Ok(spec) => {
            control.add_fault(spec);
            back(None)
        }
        Err(e) => back(Some(e.to_string())),
    }
}

async fn remove_fault(State(control): State<Control>, Path(index): Path<usize>) -> Redirect {
    back(control.remove_fault(index).err().map(|e| e.to_string()))
}

async fn clear_journal(State(control): State<Control>) -> Redirect {
    control.clear_journal();
    back(None)
}

async fn reset(State(control): State<Control>) -> Redirect {
    back(control.reset().err().map(|e| e.to_string()))
}

#[derive(Deserialize)]
struct PracticeForm {
    json: String,
}

async fn load_practice(State(control): State<Control>, Form(f): Form<PracticeForm>) -> Redirect {
    back(
        control
            .load_practice_json(&f.json)
            .err()
            .map(|e| e.to_string()),
    )
}
