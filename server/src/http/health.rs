//! `GET /api/health`: whether the API and its store answer (load balancers, `xtask`).

use std::time::Duration;

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{ApiError, Health, HealthStatus};

use crate::AppState;
use crate::error::{AppError, Json};

/// A health check must answer fast even when the store hangs.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health))
}

/// Whether the API and its store answer.
#[utoipa::path(
    get,
    path = "/health",
    tag = "health",
    responses(
        (status = 200, description = "The API and its store answer.", body = Health),
        (status = 503, description = "The store does not answer.", body = ApiError),
    )
)]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    let store = &state.stores.directory;
    match tokio::time::timeout(PING_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => Ok(Json(Health {
            status: HealthStatus::Ok,
            version: env!("CARGO_PKG_VERSION").to_string(),
            store: store.backend().to_string(),
        })),
        Ok(Err(err)) => Err(err.into()),
        Err(_) => {
            tracing::warn!(backend = store.backend(), "the store did not answer a ping in time");
            Err(AppError::Unavailable("The store does not answer. Please try again later.".into()))
        }
    }
}
