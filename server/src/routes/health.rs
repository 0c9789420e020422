//! `GET /healthz`: is the process up and its database reachable (never calls the gateway).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use super::AppState;

/// The health answer.
#[derive(Debug, Serialize)]
pub struct Health {
    status: &'static str,
    database: String,
    mode: &'static str,
    version: &'static str,
}

/// Liveness and readiness.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses(
        (status = 200, description = "Healthy", body = super::openapi::schemas::Health),
        (status = 503, description = "The database does not answer", body = super::openapi::schemas::Health),
    ))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let (status, code, database) = match state.sessions.store().ping().await {
        Ok(()) => ("ok", StatusCode::OK, "ok".to_owned()),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            (
                "degraded",
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable".to_owned(),
            )
        }
    };
    let mode = if state.http.test_mode {
        "sandbox"
    } else {
        "production"
    };
    (
        code,
        Json(Health {
            status,
            database,
            mode,
            version: env!("CARGO_PKG_VERSION"),
        }),
    )
}
