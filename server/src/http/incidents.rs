//! Breach notices: the privacy staff's incidents (`/api/staff/incidents/...`: record, list,
//! notify the people concerned, record the authority's notification, the report) and the
//! notices a person was sent (`GET /api/privacy/notices`); service notices (published by the
//! staff, read by anyone). The rules are `crate::privacy::{incidents, service}`.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{
    ApiError, Incident, IncidentList, IncidentNew, NoticeList, ServiceNotice, ServiceNoticeList,
    ServiceNoticeNew,
};

use crate::AppState;
use crate::auth::session::{CurrentSession, now};
use crate::error::{AppError, Json};
use crate::privacy::incidents::{self, NewIncident};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_incidents, record_incident))
        .routes(routes!(notify_people))
        .routes(routes!(authority_notified))
        .routes(routes!(incident_report))
        .routes(routes!(my_notices))
        .routes(routes!(service_notices))
        .routes(routes!(staff_service_notices, publish_service_notice))
        .routes(routes!(withdraw_service_notice))
}

/// Every incident, newest first, with its 72-hour clock (privacy staff).
#[utoipa::path(get, path = "/staff/incidents", tag = "incidents",
    responses(
        (status = 200, description = "The incidents.", body = IncidentList),
        (status = 403, description = "Not privacy staff.", body = ApiError),
    ))]
pub async fn list_incidents(
    State(state): State<AppState>,
    s: CurrentSession,
) -> Result<Json<IncidentList>, AppError> {
    state.privacy.require_staff(&s.person)?;
    Ok(Json(incidents::list(&state).await?))
}

/// Records an incident and counts the people its query finds; nobody is told yet.
#[utoipa::path(post, path = "/staff/incidents", tag = "incidents", request_body = IncidentNew,
    responses(
        (status = 201, description = "Recorded.", body = Incident),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 422, description = "A field is missing or wrong.", body = ApiError),
    ))]
pub async fn record_incident(
    State(state): State<AppState>,
    s: CurrentSession,
    Json(req): Json<IncidentNew>,
) -> Result<(StatusCode, Json<Incident>), AppError> {
    state.privacy.require_staff(&s.person)?;
    let at = now();
    let parsed = NewIncident::parse(&req, at)?;
    Ok((StatusCode::CREATED, Json(incidents::record(&state, parsed, at).await?)))
}

/// Notifies the people concerned, by mail and by a notice in their privacy center; once.
#[utoipa::path(post, path = "/staff/incidents/{id}/notify", tag = "incidents",
    params(("id" = String, Path, description = "The incident.")),
    responses(
        (status = 200, description = "Notified.", body = Incident),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 404, description = "No such incident.", body = ApiError),
        (status = 409, description = "Notified already.", body = ApiError),
    ))]
pub async fn notify_people(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<Json<Incident>, AppError> {
    state.privacy.require_staff(&s.person)?;
    Ok(Json(incidents::notify(&state, &id, now()).await?))
}

/// Records that the supervisory authority was notified; once.
#[utoipa::path(post, path = "/staff/incidents/{id}/authority", tag = "incidents",
    params(("id" = String, Path, description = "The incident.")),
    responses(
        (status = 200, description = "Recorded.", body = Incident),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 404, description = "No such incident.", body = ApiError),
        (status = 409, description = "Recorded already.", body = ApiError),
    ))]
pub async fn authority_notified(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<Json<Incident>, AppError> {
    state.privacy.require_staff(&s.person)?;
    Ok(Json(incidents::authority_notified(&state, &id, now()).await?))
}

/// The report for the supervisory authority, as a Markdown file.
#[utoipa::path(get, path = "/staff/incidents/{id}/report", tag = "incidents",
    params(("id" = String, Path, description = "The incident.")),
    responses(
        (status = 200, description = "The report.", content_type = "text/markdown", body = String),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 404, description = "No such incident.", body = ApiError),
    ))]
pub async fn incident_report(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    state.privacy.require_staff(&s.person)?;
    let report = incidents::report(&state, &id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/markdown; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"breach-report.md\"".to_string()),
        ],
        report,
    ))
}

/// The breach notices that concern the signed-in person, newest first.
#[utoipa::path(get, path = "/privacy/notices", tag = "incidents",
    responses((status = 200, description = "The person's notices.", body = NoticeList)))]
pub async fn my_notices(
    State(state): State<AppState>,
    s: CurrentSession,
) -> Result<Json<NoticeList>, AppError> {
    Ok(Json(incidents::notices(&state, &s.db, &s.person.id).await?))
}

/// The service notices shown now, to anyone (every page carries them too).
#[utoipa::path(get, path = "/service-notices", tag = "incidents",
    responses((status = 200, description = "The notices shown now.", body = ServiceNoticeList)))]
pub async fn service_notices(State(state): State<AppState>) -> Json<ServiceNoticeList> {
    Json(state.privacy.service.public(now()))
}

/// Every service notice, withdrawn and past ones too (privacy staff).
#[utoipa::path(get, path = "/staff/service-notices", tag = "incidents",
    responses(
        (status = 200, description = "Every notice.", body = ServiceNoticeList),
        (status = 403, description = "Not privacy staff.", body = ApiError),
    ))]
pub async fn staff_service_notices(
    State(state): State<AppState>,
    s: CurrentSession,
) -> Result<Json<ServiceNoticeList>, AppError> {
    state.privacy.require_staff(&s.person)?;
    Ok(Json(state.privacy.service.all()))
}

/// Publishes a dated notice for everyone, in both languages (a service's end at least 30
/// days ahead).
#[utoipa::path(post, path = "/staff/service-notices", tag = "incidents", request_body = ServiceNoticeNew,
    responses(
        (status = 201, description = "Published.", body = ServiceNotice),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 422, description = "A text is missing or the date too soon.", body = ApiError),
    ))]
pub async fn publish_service_notice(
    State(state): State<AppState>,
    s: CurrentSession,
    Json(req): Json<ServiceNoticeNew>,
) -> Result<(StatusCode, Json<ServiceNotice>), AppError> {
    state.privacy.require_staff(&s.person)?;
    let published = state.privacy.service.publish(&state.stores.directory, &req, now()).await?;
    Ok((StatusCode::CREATED, Json(published)))
}

/// Withdraws a service notice: no page shows it any more.
#[utoipa::path(post, path = "/staff/service-notices/{id}/withdraw", tag = "incidents",
    params(("id" = String, Path, description = "The notice.")),
    responses(
        (status = 200, description = "Withdrawn.", body = ServiceNotice),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 404, description = "No such notice.", body = ApiError),
        (status = 409, description = "Withdrawn already.", body = ApiError),
    ))]
pub async fn withdraw_service_notice(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<Json<ServiceNotice>, AppError> {
    state.privacy.require_staff(&s.person)?;
    Ok(Json(state.privacy.service.withdraw(&state.stores.directory, &id, now()).await?))
}
