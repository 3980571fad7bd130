//! Liveness and readiness probes (public).

use crate::error::ApiError;
use crate::service::health;
use crate::state::AppState;
use crate::views::health::Health;
use actix_web::{get, web, HttpResponse};

/// Liveness: the process is running.
#[utoipa::path(
    tag = "health",
    operation_id = "healthz",
    summary = "Liveness probe",
    description = "Answers 200 while the process runs. Public; for orchestrators' liveness checks.",
    security(()),
    responses(
        (status = 200, description = "The process is alive", body = Health),
        (status = 405, description = "Only GET is allowed")
    )
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// Readiness: the database answers.
#[utoipa::path(
    tag = "health",
    operation_id = "readyz",
    summary = "Readiness probe (pings the database)",
    description = "Answers 200 when the database answers a ping, 503 otherwise. Public; for load balancers' readiness checks.",
    security(()),
    responses(
        (status = 200, description = "The database answers", body = Health),
        (status = 405, description = "Only GET is allowed"),
        (status = 503, description = "The database does not answer")
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.db(health::ready).await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
    }))
}
