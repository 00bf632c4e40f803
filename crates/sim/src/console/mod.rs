//! The operator console (HTML, `/console`) and the admin API (JSON, `/api`), served
//! by the simulator on its own HTTP port (`--console`). Both are front ends of
//! [`Control`]: the console's forms and the API's endpoints call the same methods.
//! Live updates go out as server-sent events (`/console/events`, also `/api/events`):
//! one event per change, named after what changed (`journal`, `devices`, `ui`,
//! `throttle`, `faults`, `practice`). Every asset is embedded in the binary. Access
//! (a loopback Host, the same-origin rule for state changes, the run's token) is
//! [`access`]'s.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};

use axum::middleware::{self, Next};
use axum::response::Redirect;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures::Stream;
use tokio::net::TcpListener;
use tokio::sync::broadcast::error::RecvError;
use tracing::warn;

use crate::control::Control;

mod access;
mod api;
mod pages;

use access::Access;

/// Serves until the simulator stops. `token`: the run's token (see [`access`]).
pub(crate) async fn serve(listener: TcpListener, control: Control, token: String) {
    let mut stopped = control.stopped();
    let local = listener.local_addr().ok();
    let loopback_only = local.map(|a| a.ip().is_loopback()).unwrap_or(true);
    let access = Access::new(loopback_only, token, local.map_or(0, |a| a.port()));
    let app = router(control, access);
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })
        .await;
    if let Err(e) = result {
        warn!(error = %e, "the console stopped");
    }
}

fn router(control: Control, access: Access) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console") }))
        .merge(pages::routes())
        .nest("/api", api::routes())
        .route("/console/events", get(events))
        .route("/api/events", get(events))
        // A practice file can be tens of megabytes.
        .layer(DefaultBodyLimit::max(128 * 1024 * 1024))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            access::guard(access.clone(), request, next)
        }))
        .with_state(control)
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
