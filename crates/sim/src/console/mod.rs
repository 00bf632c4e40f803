//! The operator console (HTML, `/console`) and the admin API (JSON, `/api`), served
//! by the simulator on its own HTTP port (`--console`). Both are front ends of
//! [`Control`]: the console's forms and the API's endpoints call the same methods.
//! Live updates go out as server-sent events (`/console/events`, also `/api/events`):
//! one event per change, named after what changed (`journal`, `devices`, `ui`,
//! `throttle`, `faults`, `practice`). Every asset is embedded in the binary.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use futures::Stream;
use tokio::net::TcpListener;
use tokio::sync::broadcast::error::RecvError;
use tracing::warn;

use crate::control::Control;

mod api;
mod pages;

/// Serves until the simulator stops.
pub(crate) async fn serve(listener: TcpListener, control: Control) {
    let mut stopped = control.stopped();
    let loopback_only = listener
        .local_addr()
        .map(|a| a.ip().is_loopback())
        .unwrap_or(true);
    let app = router(control, loopback_only);
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })
        .await;
    if let Err(e) = result {
        warn!(error = %e, "the console stopped");
    }
}

/// `loopback_only`: the console listens on loopback, so every request must name a
/// loopback host (a web page whose name was re-pointed at 127.0.0.1, "DNS rebinding",
/// would name its own).
fn router(control: Control, loopback_only: bool) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console") }))
        .merge(pages::routes())
        .nest("/api", api::routes())
        .route("/console/events", get(events))
        .route("/api/events", get(events))
        // A practice file can be tens of megabytes.
        .layer(DefaultBodyLimit::max(128 * 1024 * 1024))
        .layer(middleware::from_fn(same_origin_only))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            loopback_host_only(loopback_only, request, next)
        }))
        .with_state(control)
}

/// Refuses state-changing requests a page from another origin made (a web page the
/// operator has open must not drive the simulator); curl sends no Origin and passes.
async fn same_origin_only(request: Request, next: Next) -> Response {
    if request.method() != Method::GET && !same_origin(request.headers()) {
        return (StatusCode::FORBIDDEN, "cross-origin requests are refused\n").into_response();
    }
    next.run(request).await
}

async fn loopback_host_only(loopback_only: bool, request: Request, next: Next) -> Response {
    if loopback_only && !loopback_host(request.headers()) {
        return (
            StatusCode::FORBIDDEN,
            "the console answers only requests addressed to a loopback host \
             (127.0.0.1, [::1] or localhost)\n",
        )
            .into_response();
    }
    next.run(request).await
}

/// Whether the Host header names 127.0.0.1 (or any 127.x), [::1] or localhost.
fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let origin = origin.to_str().unwrap_or("");
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    !host.is_empty() && origin.split_once("://").map(|(_, rest)| rest) == Some(host)
}

/// Server-sent events: one per change; ends when the simulator stops.
async fn events(
    axum::extract::State(control): axum::extract::State<Control>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let changes = control.subscribe();
    let stopped = control.stopped();
    let stream = futures::stream::unfold(
        (changes, stopped),
        |(mut changes, mut stopped)| async move {
            let name = tokio::select! {
                _ = stopped.wait_for(|s| *s) => return None,
                change = changes.recv() => match change {
                    Ok(change) => change.name(),
                    // Missed some: the page refreshes everything.
                    Err(RecvError::Lagged(_)) => "all",
                    Err(RecvError::Closed) => return None,
                },
            };
            Some((
                Ok(Event::default().event(name).data(name)),
                (changes, stopped),
            ))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
