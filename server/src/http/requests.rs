//! Rights requests: the person's (`/api/privacy/requests/...`: file, follow, add information,
//! withdraw) and the privacy staff's (`/api/staff/requests/...`: the queue, a request with its
//! person, a decision). The rules are `crate::requests`.

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{
    ApiError, EmailOnly, FieldErrorCode, GuardianRequestNew, GuardianRule, PublicInformation,
    PublicRequestNew, Region, RequestKind, RequestList, RequestNew, RequestQueue, RequestStatus, RequestText,
    RightsRequest, StaffChildFlag, StaffCorrection, StaffDecision, StaffNote, StaffRequest, StaffTighten,
};

use crate::AppState;
use crate::auth::input::{self, Email, Name};
use crate::auth::session::{ClientMeta, CurrentSession};
use crate::error::{AppError, Fields, Json};
use crate::http::query::{Count, FromQuery, Pairs, Query, choice};
use crate::requests::guardian::{self, GuardianRequest};
use crate::requests::public::{self, PublicRequest};
use crate::requests::{self, Subject, Text};
use crate::store::QueueFilter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_requests, file_request))
        .routes(routes!(add_information))
        .routes(routes!(withdraw_request))
        .routes(routes!(lift_restriction))
        .routes(routes!(public_code))
        .routes(routes!(file_public))
        .routes(routes!(public_information))
        .routes(routes!(staff_ask))
        .routes(routes!(staff_queue))
        .routes(routes!(staff_request))
        .routes(routes!(staff_decision))
        .routes(routes!(staff_note))
        .routes(routes!(staff_tighten))
        .routes(routes!(staff_correct))
        .routes(routes!(staff_proof))
        .routes(routes!(staff_child))
        .routes(routes!(guardian_rules))
        .merge(
            // A proof of up to 5 MiB, in base64, with the rest of the form.
            OpenApiRouter::new()
                .routes(routes!(file_guardian))
                .layer(DefaultBodyLimit::max(guardian::MAX_PROOF / 3 * 4 + 64 * 1024)),
        )
}

fn subject(s: &CurrentSession) -> Subject<'_> {
    Subject { region: s.region, db: &s.db, person_id: &s.person.id, key: &s.key }
}

/// The signed-in person's requests, newest first, each with its due date and timeline.
#[utoipa::path(get, path = "/privacy/requests", tag = "requests",
    responses((status = 200, description = "The person's requests.", body = RequestList)))]
pub async fn list_requests(
    State(state): State<AppState>,
    s: CurrentSession,
) -> Result<Json<RequestList>, AppError> {
    Ok(Json(requests::list(&state, &subject(&s)).await?))
}

/// Files a request to the privacy staff; the person is mailed a receipt with the due date
/// their region's law sets.
#[utoipa::path(post, path = "/privacy/requests", tag = "requests", request_body = RequestNew,
    responses(
        (status = 201, description = "Filed.", body = RightsRequest),
        (status = 422, description = "The details are missing or too long, or too many requests are open.", body = ApiError),
    ))]
pub async fn file_request(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Json(req): Json<RequestNew>,
) -> Result<(StatusCode, Json<RightsRequest>), AppError> {
    let details = Text::parse("details", &req.details)?;
    let filed = requests::file(&state, &subject(&s), req.kind, details).await?;
    state.auth.log(&s.db, &s.person.id, &s.key, "request_filed", &meta).await?;
    Ok((StatusCode::CREATED, Json(filed)))
}

/// Adds information to one of the person's open requests.
#[utoipa::path(post, path = "/privacy/requests/{id}/information", tag = "requests", request_body = RequestText,
    params(("id" = String, Path, description = "The request.")),
    responses(
        (status = 200, description = "Added.", body = RightsRequest),
        (status = 404, description = "Not one of the person's requests.", body = ApiError),
        (status = 409, description = "Answered or withdrawn already.", body = ApiError),
        (status = 422, description = "The text is missing or too long.", body = ApiError),
    ))]
pub async fn add_information(
    State(state): State<AppState>,
    s: CurrentSession,
    Path(id): Path<String>,
    Json(req): Json<RequestText>,
) -> Result<Json<RightsRequest>, AppError> {
    let text = Text::parse("text", &req.text)?;
    Ok(Json(requests::add_information(&state, &subject(&s), &id, text).await?))
}

/// Withdraws one of the person's open requests.
#[utoipa::path(post, path = "/privacy/requests/{id}/withdraw", tag = "requests",
    params(("id" = String, Path, description = "The request.")),
    responses(
        (status = 200, description = "Withdrawn.", body = RightsRequest),
        (status = 404, description = "Not one of the person's requests.", body = ApiError),
        (status = 409, description = "Answered or withdrawn already.", body = ApiError),
    ))]
pub async fn withdraw_request(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
    Path(id): Path<String>,
) -> Result<Json<RightsRequest>, AppError> {
    let done = requests::withdraw(&state, &subject(&s), &id).await?;
    state.auth.log(&s.db, &s.person.id, &s.key, "request_withdrawn", &meta).await?;
    Ok(Json(done))
}

/// Lifts the restriction the person asked for: their purposes stay as they are (off) until
/// they switch them on.
#[utoipa::path(post, path = "/privacy/restriction/lift", tag = "requests",
    responses(
        (status = 204, description = "Lifted."),
        (status = 409, description = "Nothing is restricted.", body = ApiError),
    ))]
pub async fn lift_restriction(
    State(state): State<AppState>,
    meta: ClientMeta,
    s: CurrentSession,
) -> Result<StatusCode, AppError> {
    requests::lift_restriction(&state, &subject(&s)).await?;
    state.auth.log(&s.db, &s.person.id, &s.key, "restriction_lifted", &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mails a code with which to file a request without signing in. 202 (or 429 within a minute
/// of the last code for the same address) whether or not the address has an account.
#[utoipa::path(post, path = "/requests/code", tag = "requests", request_body = EmailOnly,
    responses(
        (status = 202, description = "A code is on its way to the address."),
        (status = 422, description = "Not an email address.", body = ApiError),
        (status = 429, description = "A code was asked for this address less than a minute ago.", body = ApiError),
    ))]
pub async fn public_code(
    State(state): State<AppState>,
    Json(req): Json<EmailOnly>,
) -> Result<StatusCode, AppError> {
    let email = Email::parse("email", &req.email).map_err(|e| AppError::Validation(vec![e]))?;
    public::ask_code(&state, &email).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Files a request without signing in, the address proved by the mailed code: for the
/// address's account if it has one (its home region's law), else for the region chosen. The
/// person is mailed a receipt with the due date.
#[utoipa::path(post, path = "/requests/public", tag = "requests", request_body = PublicRequestNew,
    responses(
        (status = 201, description = "Filed.", body = RightsRequest),
        (status = 422, description = "A field is missing or wrong (the code among them), or too many requests are open.", body = ApiError),
        (status = 429, description = "Too many tries for this address.", body = ApiError),
    ))]
pub async fn file_public(
    State(state): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<PublicRequestNew>,
) -> Result<(StatusCode, Json<RightsRequest>), AppError> {
    let mut fields = Fields::default();
    let email = fields.take(Email::parse("email", &req.email));
    let code = fields.take(input::parse_code("code", &req.code));
    let name = fields.take(Name::parse("name", &req.name));
    let details = Text::take(&mut fields, "details", &req.details);
    if req.region.is_none() {
        fields.push(
            "region",
            FieldErrorCode::Required,
            "Choose where you live: its law sets the date of the answer.",
        );
    }
    let (Some(email), Some(code), Some(name), Some(details), Some(region)) =
        (email, code, name, details, req.region)
    else {
        return Err(AppError::Validation(fields.0));
    };
    let req = PublicRequest { email, code, name, region, kind: req.kind, details };
    Ok((StatusCode::CREATED, Json(public::file(&state, req, &meta).await?)))
}

/// Adds information to a request without signing in (the mails about it link here), the
/// address proved by the mailed code.
#[utoipa::path(post, path = "/requests/public/information", tag = "requests", request_body = PublicInformation,
    responses(
        (status = 200, description = "Added.", body = RightsRequest),
        (status = 404, description = "No such request of the address's (told only once the code is right).", body = ApiError),
        (status = 409, description = "Answered or withdrawn already.", body = ApiError),
        (status = 422, description = "A field is missing or wrong (the code among them).", body = ApiError),
        (status = 429, description = "Too many tries for this address.", body = ApiError),
    ))]
pub async fn public_information(
    State(state): State<AppState>,
    Json(req): Json<PublicInformation>,
) -> Result<Json<RightsRequest>, AppError> {
    let mut fields = Fields::default();
    let email = fields.take(Email::parse("email", &req.email));
    let code = fields.take(input::parse_code("code", &req.code));
    let text = Text::take(&mut fields, "text", &req.text);
    let (Some(email), Some(code), Some(text)) = (email, code, text) else {
        return Err(AppError::Validation(fields.0));
    };
    Ok(Json(public::add_information(&state, &email, &code, req.request.trim(), text).await?))
}

/// The staff queue's filters.
pub struct QueueQuery {
    region: Option<Region>,
    filter: QueueFilter,
    limit: u32,
}

impl FromQuery for QueueQuery {
    fn from_query(q: &Pairs, f: &mut Fields) -> Self {
        let kinds: Vec<(&str, Option<&'static str>)> = std::iter::once(("all", None))
            .chain(RequestKind::ALL.map(|k| (k.code(), Some(k.code()))))
            .collect();
        let statuses: Vec<(&str, Option<&'static str>)> = std::iter::once(("all", None))
            .chain(RequestStatus::ALL.map(|s| (s.code(), Some(s.code()))))
            .collect();
        let regions: Vec<(&str, Option<Region>)> =
            std::iter::once(("all", None)).chain(Region::ALL.map(|r| (r.code(), Some(r)))).collect();
        QueueQuery {
            region: choice(
                q,
                "region",
                &regions,
                None,
                "Expected a region code (us, eu, sg, br, in, ru, cn) or all.",
                f,
            ),
            filter: QueueFilter {
                kind: choice(q, "kind", &kinds, None, "Expected a kind of request or all.", f),
                status: choice(q, "status", &statuses, None, "Expected a status of a request or all.", f),
                overdue: choice(
                    q,
                    "overdue",
                    &[("true", true), ("false", false)],
                    false,
                    "Expected true or false.",
                    f,
                ),
            },
            limit: q.value::<Count<1, 200>>("limit", f).map_or(50, |c| c.0),
        }
    }
}

/// The privacy staff's queue: requests of every region by due date, soonest first, with the
/// counts per status. Filters: `kind`, `region`, `status` (each a code or `all`), `overdue`
/// (`true`: open and past due), `limit` (1–200, 50).
#[utoipa::path(get, path = "/staff/requests", tag = "requests",
    params(
        ("kind" = Option<String>, Query, description = "A kind of request, or `all`."),
        ("region" = Option<String>, Query, description = "A region code, or `all`."),
        ("status" = Option<String>, Query, description = "A status, or `all`."),
        ("overdue" = Option<bool>, Query, description = "Only open requests past their due date."),
        ("limit" = Option<u32>, Query, description = "How many (1–200, default 50)."),
    ),
    responses(
        (status = 200, description = "The queue.", body = RequestQueue),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 422, description = "A filter is not one of its words.", body = ApiError),
    ))]
pub async fn staff_queue(
    State(state): State<AppState>,
    s: CurrentSession,
    Query(q): Query<QueueQuery>,
) -> Result<Json<RequestQueue>, AppError> {
    state.privacy.require_staff(&s.person)?;
    Ok(Json(requests::queue(&state, q.region, &q.filter, q.limit).await?))
}

fn region(code: &str) -> Result<Region, AppError> {
    Region::from_code(code).ok_or(AppError::NotFound)
}

/// A request with its person's name and email (privacy staff); the person's timeline shows
/// that the staff opened it.
#[utoipa::path(get, path = "/staff/requests/{region}/{id}", tag = "requests",
    params(("region" = String, Path, description = "The person's home region."), ("id" = String, Path, description = "The request.")),
    responses(
        (status = 200, description = "The request.", body = StaffRequest),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 404, description = "No such request.", body = ApiError),
    ))]
pub async fn staff_request(
    State(state): State<AppState>,
    s: CurrentSession,
    Path((r, id)): Path<(String, String)>,
) -> Result<Json<StaffRequest>, AppError> {
    state.privacy.require_staff(&s.person)?;
    Ok(Json(requests::open_for_staff(&state, &s.person.id, region(&r)?, &id).await?))
}

/// The staff's decision on a request (extend, fulfil or refuse, with its text), mailed to the
/// person.
#[utoipa::path(post, path = "/staff/requests/{region}/{id}/decision", tag = "requests", request_body = StaffDecision,
    params(("region" = String, Path, description = "The person's home region."), ("id" = String, Path, description = "The request.")),
    responses(
        (status = 200, description = "Decided.", body = StaffRequest),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 404, description = "No such request.", body = ApiError),
        (status = 409, description = "Closed already, or the extension is not allowed.", body = ApiError),
        (status = 422, description = "The text is missing or too long.", body = ApiError),
    ))]
pub async fn staff_decision(
    State(state): State<AppState>,
    s: CurrentSession,
    Path((r, id)): Path<(String, String)>,
    Json(req): Json<StaffDecision>,
) -> Result<Json<StaffRequest>, AppError> {
    state.privacy.require_staff(&s.person)?;
    let text = Text::parse("text", &req.text)?;
    Ok(Json(requests::decide(&state, &s.person.id, region(&r)?, &id, req.action, text).await?))
}

/// A note between the privacy staff on a request; the person never sees it.
#[utoipa::path(post, path = "/staff/requests/{region}/{id}/notes", tag = "requests", request_body = StaffNote,
    params(("region" = String, Path, description = "The person's home region."), ("id" = String, Path, description = "The request.")),
    responses(
        (status = 200, description = "Noted.", body = StaffRequest),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 404, description = "No such request.", body = ApiError),
        (status = 422, description = "The text is missing or too long.", body = ApiError),
    ))]
pub async fn staff_note(
    State(state): State<AppState>,
    s: CurrentSession,
    Path((r, id)): Path<(String, String)>,
    Json(req): Json<StaffNote>,
) -> Result<Json<StaffRequest>, AppError> {
    state.privacy.require_staff(&s.person)?;
    let text = Text::parse("text", &req.text)?;
    Ok(Json(requests::note(&state, region(&r)?, &id, text).await?))
}

/// Brings an open request's due date forward (never back), with the reason mailed to the
/// person.
#[utoipa::path(post, path = "/staff/requests/{region}/{id}/due", tag = "requests", request_body = StaffTighten,
    params(("region" = String, Path, description = "The person's home region."), ("id" = String, Path, description = "The request.")),
    responses(
        (status = 200, description = "The new due date holds.", body = StaffRequest),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 404, description = "No such request.", body = ApiError),
        (status = 409, description = "The request is closed.", body = ApiError),
        (status = 422, description = "The date is not earlier than the due date, or the reason is missing.", body = ApiError),
    ))]
pub async fn staff_tighten(
    State(state): State<AppState>,
    s: CurrentSession,
    Path((r, id)): Path<(String, String)>,
    Json(req): Json<StaffTighten>,
) -> Result<Json<StaffRequest>, AppError> {
    state.privacy.require_staff(&s.person)?;
    let text = Text::parse("text", &req.text)?;
    Ok(Json(requests::tighten(&state, &s.person.id, region(&r)?, &id, &req.due_at, text).await?))
}

/// Corrects what an open rectification request asks and the person cannot change
/// themselves: the date of birth, or the home region (every record moves to the new region's
/// store and is deleted from the old; the answer's `region` is where the request is now).
#[utoipa::path(post, path = "/staff/requests/{region}/{id}/correct", tag = "requests", request_body = StaffCorrection,
    params(("region" = String, Path, description = "The person's home region."), ("id" = String, Path, description = "The request.")),
    responses(
        (status = 200, description = "Corrected; the request, where it is now.", body = StaffRequest),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 404, description = "No such request.", body = ApiError),
        (status = 409, description = "Not an open rectification request of an account, or the move is not possible (the same region, cameras or shares, no consent to transfers).", body = ApiError),
        (status = 422, description = "The date of birth is not a date, in the future, or under the region's minimum age.", body = ApiError),
    ))]
pub async fn staff_correct(
    State(state): State<AppState>,
    s: CurrentSession,
    Path((r, id)): Path<(String, String)>,
    Json(req): Json<StaffCorrection>,
) -> Result<Json<StaffRequest>, AppError> {
    state.privacy.require_staff(&s.person)?;
    Ok(Json(requests::correct(&state, &s.person.id, region(&r)?, &id, req).await?))
}

/// Asks the person for more (information, stronger proof of identity where the law asks): on
/// their timeline and by mail, with where to answer. The request stays open.
#[utoipa::path(post, path = "/staff/requests/{region}/{id}/ask", tag = "requests", request_body = RequestText,
    params(("region" = String, Path, description = "The person's home region."), ("id" = String, Path, description = "The request.")),
    responses(
        (status = 200, description = "Asked; the person was mailed.", body = StaffRequest),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 404, description = "No such request.", body = ApiError),
        (status = 409, description = "The request is closed.", body = ApiError),
        (status = 422, description = "The text is missing or too long.", body = ApiError),
    ))]
pub async fn staff_ask(
    State(state): State<AppState>,
    s: CurrentSession,
    Path((r, id)): Path<(String, String)>,
    Json(req): Json<RequestText>,
) -> Result<Json<StaffRequest>, AppError> {
    state.privacy.require_staff(&s.person)?;
    let text = Text::parse("text", &req.text)?;
    Ok(Json(requests::ask(&state, &s.person.id, region(&r)?, &id, text).await?))
}

/// What a parent or guardian must show in each region: who is a child there, the law, the
/// proofs of guardianship accepted, and when the staff answer.
#[utoipa::path(get, path = "/guardian/rules", tag = "requests",
    responses((status = 200, description = "Every region's rule.", body = Vec<GuardianRule>)))]
pub async fn guardian_rules(State(state): State<AppState>) -> Json<Vec<GuardianRule>> {
    Json(state.requests.guardians.rules(&state.auth.ages))
}

/// A parent or guardian asks to review, delete or stop the use of a child's data, without
/// signing in, their own address proved by the code `POST /api/requests/code` mailed to it.
/// The answer, its timing and the receipt mail are the same whether or not an account uses the
/// child's details: the privacy staff look for it when they verify the guardian.
#[utoipa::path(post, path = "/guardian/requests", tag = "requests", request_body = GuardianRequestNew,
    responses(
        (status = 201, description = "Filed.", body = RightsRequest),
        (status = 413, description = "The body is larger than a 5 MiB proof needs.", body = ApiError),
        (status = 422, description = "A field is missing or wrong (the code, the file's type or size among them), or too many requests are open.", body = ApiError),
        (status = 429, description = "Too many tries for this address, or too many requests from this client.", body = ApiError),
    ))]
pub async fn file_guardian(
    State(state): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<GuardianRequestNew>,
) -> Result<(StatusCode, Json<RightsRequest>), AppError> {
    let req = GuardianRequest::parse(&state, &req)?;
    let limit = crate::auth::limits::GUARDIAN_ADDRESS;
    state.auth.limits.hit(&format!("guardian:{}", meta.address), limit).await?;
    Ok((StatusCode::CREATED, Json(guardian::file(&state, req).await?)))
}

/// The proof a guardian uploaded, opened for the privacy staff verifying them (until its
/// retention after the decision runs out).
#[utoipa::path(get, path = "/staff/requests/{region}/{id}/proof", tag = "requests",
    params(("region" = String, Path, description = "The request's region."), ("id" = String, Path, description = "The request.")),
    responses(
        (status = 200, description = "The file (PDF, PNG or JPEG).", content_type = "application/octet-stream"),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 404, description = "No such request, or no proof (any more).", body = ApiError),
    ))]
pub async fn staff_proof(
    State(state): State<AppState>,
    s: CurrentSession,
    Path((r, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    state.privacy.require_staff(&s.person)?;
    let region = region(&r)?;
    let db = state.stores.existing_region(region).await?.ok_or(AppError::NotFound)?;
    let row = db.request_by_id(&id).await?.ok_or(AppError::NotFound)?;
    let key = state.person_key(&row.person_id).await?.ok_or(AppError::NotFound)?;
    let (media_type, bytes) = guardian::proof(db, &id, &key).await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    if let Ok(v) = header::HeaderValue::from_str(&media_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    // Opened in the browser's own viewer, never as a page of Ward's: no script of the file's
    // runs with the staff's session.
    h.insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static("sandbox"));
    h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(res)
}

/// The account behind a request (the person's own, or the child's a guardian's request leads
/// to) flagged as a child's: suspended at once, deleted after 14 days unless a parent or
/// guardian gives verifiable consent, when the staff lift the flag. The person, and the
/// guardian who asked, are mailed; the request's timeline records it.
#[utoipa::path(post, path = "/staff/requests/{region}/{id}/child", tag = "requests", request_body = StaffChildFlag,
    params(("region" = String, Path, description = "The request's region."), ("id" = String, Path, description = "The request.")),
    responses(
        (status = 200, description = "Flagged, or the flag lifted.", body = StaffRequest),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 404, description = "No such request.", body = ApiError),
        (status = 409, description = "No account is behind the request, or it is flagged (or not) already.", body = ApiError),
        (status = 422, description = "The text is missing or too long.", body = ApiError),
    ))]
pub async fn staff_child(
    State(state): State<AppState>,
    s: CurrentSession,
    Path((r, id)): Path<(String, String)>,
    Json(req): Json<StaffChildFlag>,
) -> Result<Json<StaffRequest>, AppError> {
    state.privacy.require_staff(&s.person)?;
    let text = Text::parse("text", &req.text)?;
    Ok(Json(requests::child_flag(&state, &s.person.id, region(&r)?, &id, req.action, text).await?))
}
