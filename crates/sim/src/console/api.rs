//! The admin API: JSON over HTTP for CI scripts (documented in the crate's README).
//! Errors are `{"error": "..."}` with 400 (bad input) or 404 (no such thing).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use systmone_types::CurrentSelectionItem;

use crate::control::{Control, ControlError, JournalFilter, ThrottleStatus, UiState};
use crate::state::{AuditEntry, AuditOutcome, Kept, PendingDevice};
use crate::{FaultSpec, Throttle, stdin};

pub(super) fn routes() -> Router<Control> {
    Router::new()
        .route("/ui", get(get_ui))
        .route("/ui/record", put(open_record).delete(close_record))
        .route("/ui/activity", put(set_activity))
        .route(
            "/ui/selection",
            put(set_selection)
                .post(add_selection)
                .delete(clear_selection),
        )
        .route("/ui/user", put(set_user))
        .route("/journal", get(journal).delete(clear_journal))
        .route("/journal/{seq}", get(journal_entry))
        .route("/devices", get(devices))
        .route("/devices/pending/{id}/approve", post(approve))
        .route("/devices/pending/{id}/block", post(deny))
        .route("/devices/{device_id}/block", post(block).delete(unblock))
        .route("/throttle", get(throttle).put(set_throttle))
        .route("/faults", get(faults).post(add_fault).delete(clear_faults))
        .route("/faults/{index}", delete(remove_fault))
        .route("/reset", post(reset))
        .route("/practice", get(practice).put(load_practice))
}

/// An API error: a status and a message.
pub(super) struct ApiError(StatusCode, String);

impl ApiError {
    fn bad(message: impl Into<String>) -> Self {
        ApiError(StatusCode::BAD_REQUEST, message.into())
    }
}

impl From<ControlError> for ApiError {
    fn from(e: ControlError) -> Self {
        let status = match e {
            ControlError::UnknownPatient(_)
            | ControlError::UnknownUser(_)
            | ControlError::NoSuchPending(_)
            | ControlError::NoSuchFault(_) => StatusCode::NOT_FOUND,
            ControlError::PracticeRead { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            ControlError::PracticeParse(_) => StatusCode::BAD_REQUEST,
        };
        ApiError(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// An empty success.
#[derive(Serialize)]
pub(super) struct Done {
    ok: bool,
}

const DONE: Json<Done> = Json(Done { ok: true });

// ---------------------------------------------------------------------------
// The GP's window.

/// A drug or code in the selection.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct SelectionItemJson {
    /// `drug` or `code`.
    pub kind: String,
    /// A scheme name as the interface writes it: `Multilex`, `Dmd`, `CTV3`, `Snomed`...
    pub scheme: String,
    /// The product ID or the code.
    pub id: String,
    /// The drug's name or the code's term.
    #[serde(default)]
    pub name: Option<String>,
}

impl SelectionItemJson {
    pub fn from_item(item: &CurrentSelectionItem) -> Self {
        match item {
            CurrentSelectionItem::Drug(d) => SelectionItemJson {
                kind: "drug".into(),
                scheme: d.scheme.to_string(),
                id: d.product_id.clone(),
                name: d.name.clone(),
            },
            CurrentSelectionItem::Code(c) => SelectionItemJson {
                kind: "code".into(),
                scheme: c.scheme.to_string(),
                id: c.code.clone(),
                name: c.term.clone(),
            },
        }
    }

    fn to_item(&self) -> Result<CurrentSelectionItem, ApiError> {
        stdin::selection_item(
            &self.kind,
            Some(&self.scheme),
            Some(&self.id),
            self.name.as_deref(),
        )
        .ok_or_else(|| {
            ApiError::bad(format!(
                "not a selection item: kind must be drug or code, scheme a known scheme name \
                 (got kind {:?}, scheme {:?}), id not empty",
                self.kind, self.scheme
            ))
        })
    }
}

#[derive(Serialize)]
struct OpenRecordJson {
    number: String,
    displayable: bool,
}

#[derive(Serialize)]
struct UiJson {
    open_record: Option<OpenRecordJson>,
    activity: Vec<String>,
    selection: Vec<SelectionItemJson>,
    user: String,
}

impl From<UiState> for UiJson {
    fn from(ui: UiState) -> Self {
        UiJson {
            open_record: ui.open_record.map(|(number, displayable)| OpenRecordJson {
                number,
                displayable,
            }),
            activity: ui.activity,
            selection: ui
                .selection
                .iter()
                .map(SelectionItemJson::from_item)
                .collect(),
            user: ui.user,
        }
    }
}

async fn get_ui(State(control): State<Control>) -> Json<UiJson> {
    Json(control.ui().into())
}

fn default_true() -> bool {
    true
}

#[derive(Deserialize)]
struct OpenRecordBody {
    number: String,
    /// False: open in a state that cannot be displayed.
    #[serde(default = "default_true")]
    displayable: bool,
}

async fn open_record(
    State(control): State<Control>,
    Json(body): Json<OpenRecordBody>,
) -> ApiResult<UiJson> {
    control.open_patient(&body.number, body.displayable)?;
    Ok(Json(control.ui().into()))
}

async fn close_record(State(control): State<Control>) -> Json<UiJson> {
    control.close_record();
    Json(control.ui().into())
}

#[derive(Deserialize)]
struct ActivityBody {
    activity: Vec<String>,
}

async fn set_activity(
    State(control): State<Control>,
    Json(body): Json<ActivityBody>,
) -> Json<UiJson> {
    control.set_activity(body.activity);
    Json(control.ui().into())
}

#[derive(Deserialize)]
struct SelectionBody {
    items: Vec<SelectionItemJson>,
}

async fn set_selection(
    State(control): State<Control>,
    Json(body): Json<SelectionBody>,
) -> ApiResult<UiJson> {
    let items = body
        .items
        .iter()
        .map(SelectionItemJson::to_item)
        .collect::<Result<Vec<_>, _>>()?;
    control.set_selection(items);
    Ok(Json(control.ui().into()))
}

async fn add_selection(
    State(control): State<Control>,
    Json(body): Json<SelectionItemJson>,
) -> ApiResult<UiJson> {
    control.add_selection(body.to_item()?);
    Ok(Json(control.ui().into()))
}

async fn clear_selection(State(control): State<Control>) -> Json<UiJson> {
    control.set_selection(Vec::new());
    Json(control.ui().into())
}

#[derive(Deserialize)]
struct UserBody {
    user_name: String,
}

async fn set_user(State(control): State<Control>, Json(body): Json<UserBody>) -> ApiResult<UiJson> {
    control.set_user(&body.user_name)?;
    Ok(Json(control.ui().into()))
}

// ---------------------------------------------------------------------------
// The journal.

#[derive(Serialize)]
pub(crate) struct JournalEntryJson {
    pub seq: u64,
    pub time: NaiveDateTime,
    pub elapsed_ms: u64,
    pub device_id: String,
    pub function: String,
    pub request_uid: String,
    /// `success`, `error`, `throttled`, `unparseable`, `dropped` or `refused`.
    pub outcome: &'static str,
    /// The error message, for `error` and `unparseable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permanent: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    /// Where the request departed from the bindings: kind, path, count (no values).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub request_drift: Vec<DriftJson>,
    /// Departure paths beyond those listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub request_drift_more: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_xml: Option<String>,
    /// How much of the request `request_xml` holds: `whole`, `start` (its first MiB)
    /// or `excerpt` (not a document: a short masked excerpt).
    pub request_kept: &'static str,
    /// The request's size as received, in bytes.
    pub request_size: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_xml: Option<String>,
    /// The response's size in bytes (`response_xml` holds its first MiB).
    pub response_size: usize,
}

/// The name of how much of a request the journal keeps.
pub(crate) fn kept_name(kept: Kept) -> &'static str {
    match kept {
        Kept::Whole => "whole",
        Kept::Start => "start",
        Kept::Excerpt => "excerpt",
    }
}

impl JournalEntryJson {
    pub fn new(e: &AuditEntry, with_xml: bool) -> Self {
        let (outcome, message, permanent) = outcome_parts(&e.outcome);
        JournalEntryJson {
            seq: e.seq,
            time: e.time,
            elapsed_ms: e.elapsed.as_millis() as u64,
            device_id: e.device_id.clone(),
            function: e.function.clone(),
            request_uid: e.request_uid.clone(),
            outcome,
            message,
            permanent,
            fault: e.fault.clone(),
            request_drift: e
                .request_drift
                .items
                .iter()
                .map(|d| DriftJson {
                    kind: d.kind.describe(),
                    path: d.path.clone(),
                    count: d.count,
                })
                .collect(),
            request_drift_more: e.request_drift.more,
            request_xml: with_xml.then(|| e.request_xml.clone()),
            request_kept: kept_name(e.request_kept),
            request_size: e.request_size,
            response_xml: if with_xml {
                e.response_xml.clone()
            } else {
                None
            },
            response_size: e.response_size,
        }
    }
}

/// One departure of a request from the bindings (FIELD-EVIDENCE F14).
#[derive(Serialize)]
pub(crate) struct DriftJson {
    /// `unknown element`, `unknown attribute`, `out of order`, ...
    pub kind: &'static str,
    /// E.g. `FunctionParameters/NonClinical/Appointment/Flag`.
    pub path: String,
    pub count: u64,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The outcome's name, message and permanence.
pub(crate) fn outcome_parts(o: &AuditOutcome) -> (&'static str, Option<String>, Option<bool>) {
    match o {
        AuditOutcome::Success => ("success", None, None),
        AuditOutcome::Error { message, permanent } => {
            ("error", Some(message.clone()), Some(*permanent))
        }
        AuditOutcome::Throttled => ("throttled", None, None),
        AuditOutcome::Unparseable { message } => ("unparseable", Some(message.clone()), None),
        AuditOutcome::Dropped => ("dropped", None, None),
        AuditOutcome::Refused { message } => ("refused", Some(message.clone()), None),
    }
}

#[derive(Deserialize, Default)]
struct JournalQuery {
    function: Option<String>,
    request_uid: Option<String>,
    /// `YYYY-MM-DDTHH:MM:SS` (local time, as the journal records it).
    since: Option<String>,
    until: Option<String>,
    /// Only entries with a larger sequence number.
    after: Option<u64>,
    /// Include the request and response XML.
    #[serde(default)]
    xml: bool,
}

#[derive(Serialize)]
struct JournalJson {
    entries: Vec<JournalEntryJson>,
    /// Requests the throttle kept from being answered since the start.
    throttled_total: u64,
}

fn parse_time(name: &str, text: Option<&str>) -> Result<Option<NaiveDateTime>, ApiError> {
    text.map(|t| {
        let t = t.trim();
        NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M"))
            .map_err(|_| ApiError::bad(format!("{name} must be YYYY-MM-DDTHH:MM:SS, got {t:?}")))
    })
    .transpose()
}

async fn journal(
    State(control): State<Control>,
    Query(q): Query<JournalQuery>,
) -> ApiResult<JournalJson> {
    let filter = JournalFilter {
        function: q.function.filter(|s| !s.trim().is_empty()),
        request_uid: q.request_uid.filter(|s| !s.trim().is_empty()),
        since: parse_time("since", q.since.as_deref())?,
        until: parse_time("until", q.until.as_deref())?,
        after_seq: q.after,
    };
    Ok(Json(JournalJson {
        entries: control
            .journal(&filter)
            .iter()
            .map(|e| JournalEntryJson::new(e, q.xml))
            .collect(),
        throttled_total: control.throttle().throttled,
    }))
}

async fn journal_entry(
    State(control): State<Control>,
    Path(seq): Path<u64>,
) -> ApiResult<JournalEntryJson> {
    control
        .journal_entry(seq)
        .map(|e| Json(JournalEntryJson::new(&e, true)))
        .ok_or_else(|| {
            ApiError(
                StatusCode::NOT_FOUND,
                format!("no journal entry number {seq}"),
            )
        })
}

async fn clear_journal(State(control): State<Control>) -> Json<Done> {
    control.clear_journal();
    DONE
}

// ---------------------------------------------------------------------------
// Devices.

#[derive(Serialize)]
struct PendingJson {
    id: u64,
    device_version: String,
    device_id: String,
    since: NaiveDateTime,
}

impl From<&PendingDevice> for PendingJson {
    fn from(p: &PendingDevice) -> Self {
        PendingJson {
            id: p.id,
            device_version: p.device_version.clone(),
            device_id: p.device_id.clone(),
            since: p.since,
        }
    }
}

#[derive(Serialize)]
struct DevicesJson {
    known: Vec<String>,
    blocked: Vec<String>,
    pending: Vec<PendingJson>,
}

async fn devices(State(control): State<Control>) -> Json<DevicesJson> {
    let d = control.devices();
    Json(DevicesJson {
        known: d.known,
        blocked: d.blocked,
        pending: d.pending.iter().map(PendingJson::from).collect(),
    })
}

async fn approve(State(control): State<Control>, Path(id): Path<u64>) -> ApiResult<Done> {
    control.answer_pending(id, true)?;
    Ok(DONE)
}

async fn deny(State(control): State<Control>, Path(id): Path<u64>) -> ApiResult<Done> {
    control.answer_pending(id, false)?;
    Ok(DONE)
}

async fn block(State(control): State<Control>, Path(device_id): Path<String>) -> Json<Done> {
    control.block_device(&device_id);
    DONE
}

async fn unblock(State(control): State<Control>, Path(device_id): Path<String>) -> Json<Done> {
    control.unblock_device(&device_id);
    DONE
}

// ---------------------------------------------------------------------------
// Throttle and faults.

#[derive(Serialize)]
struct ThrottleJson {
    /// `spec` (as the document says) or `off`.
    mode: &'static str,
    next_request_in_ms: u64,
    next_record_in_ms: u64,
    /// Requests not answered because of the throttle, since the start.
    throttled: u64,
}

impl From<ThrottleStatus> for ThrottleJson {
    fn from(t: ThrottleStatus) -> Self {
        ThrottleJson {
            mode: throttle_name(t.mode),
            next_request_in_ms: t.next_request_in.as_millis() as u64,
            next_record_in_ms: t.next_record_in.as_millis() as u64,
            throttled: t.throttled,
        }
    }
}

pub(crate) fn throttle_name(mode: Throttle) -> &'static str {
    match mode {
        Throttle::Spec => "spec",
        Throttle::Off => "off",
    }
}

pub(crate) fn parse_throttle(text: &str) -> Result<Throttle, ApiError> {
    match text.trim() {
        "spec" | "on" => Ok(Throttle::Spec),
        "off" => Ok(Throttle::Off),
        other => Err(ApiError::bad(format!(
            "mode must be spec or off, got {other:?}"
        ))),
    }
}

async fn throttle(State(control): State<Control>) -> Json<ThrottleJson> {
    Json(control.throttle().into())
}

#[derive(Deserialize)]
struct ThrottleBody {
    mode: String,
}

async fn set_throttle(
    State(control): State<Control>,
    Json(body): Json<ThrottleBody>,
) -> ApiResult<ThrottleJson> {
    control.set_throttle(parse_throttle(&body.mode)?);
    Ok(Json(control.throttle().into()))
}

#[derive(Serialize)]
struct FaultsJson {
    /// The rules, in the order they are tried; an index removes one.
    faults: Vec<String>,
}

fn faults_json(control: &Control) -> Json<FaultsJson> {
    Json(FaultsJson {
        faults: control.faults().iter().map(ToString::to_string).collect(),
    })
}

async fn faults(State(control): State<Control>) -> Json<FaultsJson> {
    faults_json(&control)
}

#[derive(Deserialize)]
struct FaultBody {
    spec: String,
}

async fn add_fault(
    State(control): State<Control>,
    Json(body): Json<FaultBody>,
) -> ApiResult<FaultsJson> {
    let spec: FaultSpec = body
        .spec
        .trim()
        .parse()
        .map_err(|e: crate::FaultSpecError| ApiError::bad(e.to_string()))?;
    control.add_fault(spec);
    Ok(faults_json(&control))
}

async fn remove_fault(
    State(control): State<Control>,
    Path(index): Path<usize>,
) -> ApiResult<FaultsJson> {
    control.remove_fault(index)?;
    Ok(faults_json(&control))
}

async fn clear_faults(State(control): State<Control>) -> Json<FaultsJson> {
    control.clear_faults();
    faults_json(&control)
}

// ---------------------------------------------------------------------------
// The practice.

async fn reset(State(control): State<Control>) -> ApiResult<Done> {
    control.reset()?;
    Ok(DONE)
}

async fn practice(State(control): State<Control>) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        control.practice_data().to_json(),
    )
        .into_response()
}

async fn load_practice(State(control): State<Control>, body: String) -> ApiResult<Done> {
    control.load_practice_json(&body)?;
    Ok(DONE)
}
