//! The privacy center's API (`/api/privacy/...`): purposes and consents, the consent
//! ledger and its verification, cookie choices, policy versions with diffs, re-consent,
//! staff publication, marketing mail and one-click unsubscribe. Plus, outside `/api`,
//! `/.well-known/gpc.json` and the RFC 8058 `POST /unsubscribe/{token}`.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{
    AccessLog, ApiError, ConsentChange, ConsentMethod, ConsentOverview, LedgerEntry, LedgerVerification,
    MarketingMail, MyData, PolicyAccept, PolicyDiff, PolicyDocument, PolicyKind, PolicyPublish,
    PolicySummary, PrivacyStatus, Purpose, Reached, Unsubscribe,
};

use crate::AppState;
use crate::auth::field;
use crate::auth::session::{CurrentSession, now};
use crate::error::{AppError, Fields, Json};
use crate::privacy::{self, CookieChoice, docs, gpc_header, summary_of};
use crate::store::{Chain, NewLedgerEntry, PolicyRow, StoreError};
use ward_model::FieldErrorCode;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(purposes))
        .routes(routes!(consents, change_consent))
        .routes(routes!(ledger))
        .routes(routes!(verify_ledger))
        .routes(routes!(cookie_choice))
        .routes(routes!(status))
        .routes(routes!(accept_policy))
        .routes(routes!(current_policy, publish_policy))
        .routes(routes!(policy_diff))
        .routes(routes!(policy_version))
        .routes(routes!(marketing))
        .routes(routes!(unsubscribe))
        .routes(routes!(pageview))
        .routes(routes!(my_data))
        .routes(routes!(access_log))
}

/// Appends to the person's consent ledger and anchors its head (`privacy::append`).
async fn append(
    state: &AppState,
    db: &crate::store::Db,
    person_id: &str,
    entries: &[crate::store::NewLedgerEntry],
    accept: Option<(&str, i64)>,
) -> Result<(), AppError> {
    privacy::append(&state.stores.directory, &state.auth.vault, db, person_id, entries, accept).await?;
    Ok(())
}

async fn overview(
    state: &AppState,
    s: &CurrentSession,
    headers: &HeaderMap,
) -> Result<ConsentOverview, AppError> {
    let ledger = s.db.ledger(&s.person.id).await?;
    let person = s.db.person(&s.person.id).await?.ok_or(AppError::NotFound)?;
    Ok(ConsentOverview {
        purposes: state.privacy.states(&ledger),
        accepted_policy: person.policy_version,
        gpc: gpc_header(headers),
        restricted_since: s.db.restricted_since(&s.person.id).await?.map(crate::auth::rfc3339),
        child_locked: crate::requests::guardian::locked(state, &s.db, &s.person.id).await?,
    })
}

/// Every purpose Ward processes personal data for, with its legal basis, the data it uses
/// and who receives it (from the data file `privacy/purposes.json`).
#[utoipa::path(get, path = "/privacy/purposes", tag = "privacy",
    responses((status = 200, description = "The purposes.", body = Vec<Purpose>)))]
pub async fn purposes(State(state): State<AppState>) -> Json<Vec<Purpose>> {
    Json(state.privacy.purposes.clone())
}

/// Where the signed-in person stands on every purpose.
#[utoipa::path(get, path = "/privacy/consents", tag = "privacy",
    responses(
        (status = 200, description = "Each purpose and whether it runs for this person.", body = ConsentOverview),
        (status = 401, description = "Not signed in.", body = ApiError),
    ))]
pub async fn consents(
    State(state): State<AppState>,
    headers: HeaderMap,
    s: CurrentSession,
) -> Result<Json<ConsentOverview>, AppError> {
    Ok(Json(overview(&state, &s, &headers).await?))
}

/// Grants or withdraws a consent, or objects to (or stops objecting to) a purpose based
/// on legitimate interest: one request each way. Appends to the consent ledger.
#[utoipa::path(post, path = "/privacy/consents", tag = "privacy", request_body = ConsentChange,
    responses(
        (status = 200, description = "Where the person stands now.", body = ConsentOverview),
        (status = 409, description = "The purpose's text changed since it was shown: reload.", body = ApiError),
        (status = 422, description = "No such purpose, or it cannot be switched off (contract, legal obligation), or GPC forbids it.", body = ApiError),
    ))]
pub async fn change_consent(
    State(state): State<AppState>,
    headers: HeaderMap,
    s: CurrentSession,
    Json(req): Json<ConsentChange>,
) -> Result<Json<ConsentOverview>, AppError> {
    let purpose = state
        .privacy
        .purpose(&req.purpose)
        .ok_or_else(|| AppError::field("purpose", FieldErrorCode::Unknown, "There is no such purpose."))?;
    let choosable = match purpose.legal_basis {
        ward_model::Basis::Consent => true,
        ward_model::Basis::LegitimateInterest => purpose.objectable,
        _ => false,
    };
    if !choosable {
        return Err(AppError::field(
            "purpose",
            FieldErrorCode::NotChoosable,
            "This processing is needed to provide the account or required by law; it ends when the account is deleted.",
        ));
    }
    if req.text_version != purpose.text_version {
        return Err(AppError::Conflict(
            "The description of this purpose has changed since the page was loaded. Reload and read it again.".into(),
        ));
    }
    if req.active && purpose.gpc && gpc_header(&headers) {
        return Err(AppError::field(
            "purpose",
            FieldErrorCode::Gpc,
            "Your browser sends a Global Privacy Control signal, which keeps this off.",
        ));
    }
    if req.active && s.db.restricted_since(&s.person.id).await?.is_some() {
        return Err(AppError::Conflict(crate::requests::RESTRICTED.into()));
    }
    if req.active
        && crate::requests::guardian::locked(&state, &s.db, &s.person.id).await?.contains(&purpose.id)
    {
        return Err(AppError::field(
            "purpose",
            FieldErrorCode::ChildLocked,
            "On a child's account this stays off: your parent's or guardian's consent does not cover it.",
        ));
    }
    let ledger = s.db.ledger(&s.person.id).await?;
    if let Some(entry) = state.privacy.change(&ledger, purpose, req.active, ConsentMethod::Settings, now()) {
        append(&state, &s.db, &s.person.id, &[entry], None).await?;
    }
    Ok(Json(overview(&state, &s, &headers).await?))
}

/// The person's consent history, oldest first.
#[utoipa::path(get, path = "/privacy/ledger", tag = "privacy",
    responses((status = 200, description = "Every record of the person's consent ledger.", body = Vec<LedgerEntry>)))]
pub async fn ledger(
    State(state): State<AppState>,
    s: CurrentSession,
) -> Result<Json<Vec<LedgerEntry>>, AppError> {
    let recipients = &state.exports.recipients;
    Ok(Json(privacy::entries(&s.db.ledger(&s.person.id).await?, |id| {
        recipients.get(id).map(|r| r.name.clone())
    })?))
}

/// Recomputes the chain of the person's ledger: an altered, removed or reordered record is
/// reported by number.
#[utoipa::path(get, path = "/privacy/ledger/verify", tag = "privacy",
    responses((status = 200, description = "Whether the chain is intact.", body = LedgerVerification)))]
pub async fn verify_ledger(
    State(state): State<AppState>,
    s: CurrentSession,
) -> Result<Json<LedgerVerification>, AppError> {
    let ledger = s.db.ledger(&s.person.id).await?;
    let anchor = state.stores.directory.chain_head(Chain::Consent, &s.person.id).await?;
    Ok(Json(privacy::verify(&state.auth.vault, &s.person.id, &ledger, anchor.as_ref())))
}

/// Records the cookie banner's choice (the `ward_consent` cookie this request carries) in
/// the ledger, for each category whose state differs and was chosen after the last record;
/// a Global Privacy Control signal (`Sec-GPC: 1`, or the cookie's GPC flag) withdraws
/// advertising and sale/sharing, recorded as `gpc`. Repeating it records nothing new.
#[utoipa::path(post, path = "/privacy/cookies", tag = "privacy",
    responses(
        (status = 200, description = "Where the person stands now.", body = ConsentOverview),
        (status = 422, description = "No readable `ward_consent` cookie.", body = ApiError),
    ))]
pub async fn cookie_choice(
    State(state): State<AppState>,
    headers: HeaderMap,
    s: CurrentSession,
) -> Result<Json<ConsentOverview>, AppError> {
    let choice = CookieChoice::from_headers(&headers).ok_or_else(|| {
        AppError::field("ward_consent", FieldErrorCode::Missing, "Make a choice in the cookie banner first.")
    })?;
    let gpc = choice.gpc || gpc_header(&headers);
    // While the person's data is restricted, a banner choice switches nothing on.
    let restricted = s.db.restricted_since(&s.person.id).await?.is_some();
    // Nor, on a child's account, anything its guardian's consent leaves off.
    let locked = crate::requests::guardian::locked(&state, &s.db, &s.person.id).await?;
    let mut ledger = s.db.ledger(&s.person.id).await?;
    let at = now();
    let mut new: Vec<NewLedgerEntry> = Vec::new();
    for c in &state.privacy.cookies.categories {
        let Some(purpose) = c.purpose.as_deref().and_then(|p| state.privacy.purpose(p)) else { continue };
        if gpc && purpose.gpc {
            continue; // below
        }
        let last_at = ledger.iter().rev().find(|r| r.purpose == purpose.id).map_or(i64::MIN, |r| r.at);
        // A choice older than the last record (made elsewhere since) does not overrule it.
        let held = restricted || locked.contains(&purpose.id);
        if choice.at < last_at || (held && choice.allows(&c.id)) {
            continue;
        }
        if let Some(e) =
            state.privacy.change(&ledger, purpose, choice.allows(&c.id), ConsentMethod::Banner, at)
        {
            privacy::push(&mut ledger, &e);
            new.push(e);
        }
    }
    if gpc {
        // The signal itself is recorded once per purpose it covers (even one that was
        // already off), and again only after a later record about that purpose.
        for purpose in state.privacy.purposes.iter().filter(|p| p.gpc) {
            let last = ledger.iter().rev().find(|r| r.purpose == purpose.id);
            if last.is_some_and(|r| r.method == "gpc") {
                continue;
            }
            let e = state.privacy.gpc_withdrawal(purpose, at);
            privacy::push(&mut ledger, &e);
            new.push(e);
        }
    }
    append(&state, &s.db, &s.person.id, &new, None).await?;
    Ok(Json(overview(&state, &s, &headers).await?))
}

/// What the app must ask of the signed-in person at this visit: a material privacy policy
/// change they have not accepted yet.
#[utoipa::path(get, path = "/privacy/status", tag = "privacy",
    responses((status = 200, description = "The accepted policy and any re-consent due.", body = PrivacyStatus)))]
pub async fn status(
    State(state): State<AppState>,
    s: CurrentSession,
) -> Result<Json<PrivacyStatus>, AppError> {
    let person = s.db.person(&s.person.id).await?.ok_or(AppError::NotFound)?;
    let reconsent = state.privacy.reconsent_due(&state.stores.directory, &person.policy_version).await?;
    Ok(Json(PrivacyStatus { accepted_policy: person.policy_version, reconsent }))
}

/// Accepts the current privacy policy (after a material change); recorded in the ledger.
#[utoipa::path(post, path = "/privacy/policy/accept", tag = "privacy", request_body = PolicyAccept,
    responses(
        (status = 200, description = "Accepted.", body = PrivacyStatus),
        (status = 422, description = "Not the current version (it changed again: reload).", body = ApiError),
    ))]
pub async fn accept_policy(
    State(state): State<AppState>,
    s: CurrentSession,
    Json(req): Json<PolicyAccept>,
) -> Result<Json<PrivacyStatus>, AppError> {
    let current = state.privacy.current(PolicyKind::Privacy);
    if req.version != current.version {
        return Err(AppError::field(
            "version",
            FieldErrorCode::Stale,
            "The privacy policy has changed again since this page was loaded. Reload and review it.",
        ));
    }
    let at = now();
    let entry = state.privacy.acceptance(&current.version, ConsentMethod::Reconsent, at);
    append(&state, &s.db, &s.person.id, &[entry], Some((&current.version, at))).await?;
    Ok(Json(PrivacyStatus { accepted_policy: current.version, reconsent: None }))
}

fn kind_of(code: &str) -> Result<PolicyKind, AppError> {
    PolicyKind::from_code(code).ok_or(AppError::NotFound)
}

async fn document(
    state: &AppState,
    kind: PolicyKind,
    version: Option<&str>,
) -> Result<PolicyDocument, AppError> {
    let rows = state.stores.directory.policy_versions(kind.code()).await?;
    let row = match version {
        None => rows.first(),
        Some(v) => rows.iter().find(|r| r.version == v),
    }
    .ok_or(AppError::NotFound)?;
    Ok(PolicyDocument {
        summary: summary_of(kind, row),
        markdown: row.body.clone(),
        html: docs::to_html(&row.body),
        versions: rows.iter().map(|r| summary_of(kind, r)).collect(),
    })
}

/// The current version of a policy (`privacy` or `cookies`), with the list of all versions.
#[utoipa::path(get, path = "/privacy/policies/{kind}", tag = "privacy",
    params(("kind" = String, Path, description = "`privacy` or `cookies`")),
    responses(
        (status = 200, description = "The current version.", body = PolicyDocument),
        (status = 404, description = "No such policy.", body = ApiError),
    ))]
pub async fn current_policy(
    State(state): State<AppState>,
    Path(kind): Path<String>,
) -> Result<Json<PolicyDocument>, AppError> {
    Ok(Json(document(&state, kind_of(&kind)?, None).await?))
}

/// One version of a policy; every past version stays readable.
#[utoipa::path(get, path = "/privacy/policies/{kind}/{version}", tag = "privacy",
    params(("kind" = String, Path, description = "`privacy` or `cookies`"), ("version" = String, Path, description = "A version name")),
    responses(
        (status = 200, description = "That version.", body = PolicyDocument),
        (status = 404, description = "No such policy or version.", body = ApiError),
    ))]
pub async fn policy_version(
    State(state): State<AppState>,
    Path((kind, version)): Path<(String, String)>,
) -> Result<Json<PolicyDocument>, AppError> {
    Ok(Json(document(&state, kind_of(&kind)?, Some(&version)).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The older version.
    pub from: String,
    /// The newer version.
    pub to: String,
}

/// What changed between two versions of a policy, line by line.
#[utoipa::path(get, path = "/privacy/policies/{kind}/diff", tag = "privacy",
    params(("kind" = String, Path, description = "`privacy` or `cookies`"), DiffQuery),
    responses(
        (status = 200, description = "The diff.", body = PolicyDiff),
        (status = 404, description = "No such policy or version.", body = ApiError),
    ))]
pub async fn policy_diff(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Result<Json<PolicyDiff>, AppError> {
    let kind = kind_of(&kind)?;
    let rows = state.stores.directory.policy_versions(kind.code()).await?;
    let find = |v: &str| rows.iter().find(|r| r.version == v).ok_or(AppError::NotFound);
    let (from, to) = (find(&q.from)?, find(&q.to)?);
    Ok(Json(PolicyDiff {
        from: summary_of(kind, from),
        to: summary_of(kind, to),
        lines: docs::diff(&from.body, &to.body),
    }))
}

/// The longest policy text accepted (Markdown).
const POLICY_MAX: usize = 200_000;

fn require_staff(state: &AppState, s: &CurrentSession) -> Result<(), AppError> {
    state.privacy.require_staff(&s.person)
}

/// Publishes a new version of a policy (privacy staff). A material change to the privacy
/// policy asks every person to review it at their next visit and mails them; any new
/// cookie policy brings the cookie banner back.
#[utoipa::path(post, path = "/privacy/policies/{kind}", tag = "privacy", request_body = PolicyPublish,
    params(("kind" = String, Path, description = "`privacy` or `cookies`")),
    responses(
        (status = 201, description = "Published.", body = PolicySummary),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 422, description = "Empty or too long text, or no summary.", body = ApiError),
    ))]
pub async fn publish_policy(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    s: CurrentSession,
    headers: HeaderMap,
    Json(req): Json<PolicyPublish>,
) -> Result<(StatusCode, Json<PolicySummary>), AppError> {
    let kind = kind_of(&kind)?;
    require_staff(&state, &s)?;
    let mut fields = Fields::default();
    if req.markdown.trim().is_empty() || req.markdown.len() > POLICY_MAX {
        fields.push(
            "markdown",
            FieldErrorCode::Length,
            format!("Write the policy (at most {POLICY_MAX} bytes)."),
        );
    }
    if req.summary.trim().is_empty() || req.summary.chars().count() > 500 {
        fields.push(
            "summary",
            FieldErrorCode::Length,
            "Say in a sentence what changed (at most 500 characters).",
        );
    }
    fields.check()?;
    let directory = &state.stores.directory;
    let mut tries = 0;
    let row = loop {
        tries += 1;
        let taken: Vec<String> =
            directory.policy_versions(kind.code()).await?.into_iter().map(|r| r.version).collect();
        let today = docs::today();
        let row = PolicyRow {
            kind: kind.code().into(),
            version: docs::version_name(&today, &taken),
            seq: 0,
            last_updated: today,
            published_at: now(),
            material: req.material,
            summary: req.summary.trim().into(),
            body: req.markdown.clone(),
        };
        match directory.policy_insert(&row).await {
            Err(StoreError::Conflict(_)) if tries < 5 => continue,
            other => other?,
        }
        break row;
    };
    state.privacy.reload(directory, kind).await?;
    let summary = state.privacy.current(kind);
    debug_assert_eq!(summary.version, row.version);
    if kind == PolicyKind::Privacy && req.material {
        let base = base_url(&state, &headers);
        let text = format!(
            "We have changed the Ward privacy policy (version {}, last updated {}).\n\n{}\n\nThe next time you \
             sign in we will ask you to review it. You can read it, and compare it with the version you accepted, \
             at {base}/privacy.\n\n— Ward\n",
            summary.version, summary.last_updated, summary.summary
        );
        mail_everyone(&state, "Our privacy policy has changed", &text, None).await?;
    }
    Ok((StatusCode::CREATED, Json(summary)))
}

/// `WARD_PUBLIC_URL`, or the address this request reached (development).
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.auth.public_url {
        return url.as_str().trim_end_matches('/').to_string();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

/// Mails every person (all regions), or with `purpose`, those for whom it is active, each
/// with a one-click unsubscribe link for it. Answers how many were reached.
async fn mail_everyone(
    state: &AppState,
    subject: &str,
    text: &str,
    marketing: Option<(&str, &str)>,
) -> Result<u32, AppError> {
    let mut reached = 0;
    for (person_id, region) in state.stores.directory.directory_people().await? {
        let db = state.stores.region(region).await?;
        let Some(person) = db.person(&person_id).await? else { continue };
        if !person.email_verified {
            continue;
        }
        let key = state.person_key(&person.id).await?.ok_or(AppError::NotFound)?;
        let email = key.open(field::EMAIL, &person.email_ct).map_err(AppError::internal)?;
        match marketing {
            None => state.auth.mail(&email, subject, text.to_string()).await?,
            Some((purpose, base)) => {
                let ledger = db.ledger(&person_id).await?;
                if !state.privacy.states(&ledger).iter().any(|s| s.purpose.id == purpose && s.active) {
                    continue;
                }
                let token = privacy::unsubscribe_token(&state.auth.vault, region, &person_id, purpose);
                let url = format!("{base}/unsubscribe/{token}");
                let body = format!(
                    "{text}\n\n—\nYou receive this because you agreed to news by email. Unsubscribe with one click: {url}\n"
                );
                state.auth.mailer.send_marketing(&email, subject, body, &url).await.map_err(|err| {
                    tracing::warn!(%err, "marketing mail could not be sent");
                    AppError::Unavailable("We could not send the email just now.".into())
                })?;
            }
        }
        reached += 1;
    }
    Ok(reached)
}

/// Sends a marketing mail to everyone who consented to `marketing_mail` (privacy staff),
/// each with RFC 8058 one-click unsubscribe.
#[utoipa::path(post, path = "/privacy/marketing", tag = "privacy", request_body = MarketingMail,
    responses(
        (status = 200, description = "How many people it was sent to.", body = Reached),
        (status = 403, description = "Not privacy staff.", body = ApiError),
        (status = 422, description = "Empty subject or text.", body = ApiError),
    ))]
pub async fn marketing(
    State(state): State<AppState>,
    headers: HeaderMap,
    s: CurrentSession,
    Json(req): Json<MarketingMail>,
) -> Result<Json<Reached>, AppError> {
    require_staff(&state, &s)?;
    if req.subject.trim().is_empty() || req.subject.len() > 200 {
        return Err(AppError::field(
            "subject",
            FieldErrorCode::Length,
            "Write a subject (at most 200 characters).",
        ));
    }
    if req.text.trim().is_empty() || req.text.len() > 20_000 {
        return Err(AppError::field(
            "text",
            FieldErrorCode::Length,
            "Write the message (at most 20,000 characters).",
        ));
    }
    let base = base_url(&state, &headers);
    let people =
        mail_everyone(&state, req.subject.trim(), &req.text, Some(("marketing_mail", &base))).await?;
    Ok(Json(Reached { people }))
}

/// Withdraws the consent a marketing mail's unsubscribe link names: no session needed,
/// the signed token is the proof. Recorded in the ledger as `unsubscribe`.
#[utoipa::path(post, path = "/privacy/unsubscribe", tag = "privacy", request_body = Unsubscribe,
    responses(
        (status = 204, description = "Unsubscribed (or already was)."),
        (status = 422, description = "The link is not genuine.", body = ApiError),
    ))]
pub async fn unsubscribe(
    State(state): State<AppState>,
    Json(req): Json<Unsubscribe>,
) -> Result<StatusCode, AppError> {
    withdraw_by_token(&state, &req.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn withdraw_by_token(state: &AppState, token: &str) -> Result<(), AppError> {
    let bad = || {
        AppError::field(
            "token",
            FieldErrorCode::Invalid,
            "This unsubscribe link is not valid. Copy the whole link from the email.",
        )
    };
    let (region, person_id, purpose_id) =
        privacy::read_unsubscribe_token(&state.auth.vault, token).ok_or_else(bad)?;
    let purpose = state.privacy.purpose(&purpose_id).ok_or_else(bad)?;
    let db = state.stores.region(region).await?;
    // The account is gone: nothing to withdraw, and nothing to tell the sender.
    if db.person(&person_id).await?.is_none() {
        return Ok(());
    }
    let ledger = db.ledger(&person_id).await?;
    if let Some(e) = state.privacy.change(&ledger, purpose, false, ConsentMethod::Unsubscribe, now()) {
        append(state, db, &person_id, &[e], None).await?;
    }
    Ok(())
}

/// RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` to the link, no cookies.
pub async fn one_click_unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<StatusCode, AppError> {
    withdraw_by_token(&state, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The Global Privacy Control well-known resource: Ward honours the signal.
pub async fn gpc_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "public, max-age=86400")],
        "{\"gpc\": true, \"lastUpdate\": \"2026-11-25\"}\n",
    )
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PageView {
    pub path: String,
}

/// Counts a page view for `public/analytics.js`, which loads only after analytics consent.
/// Counted in memory by page of the app's route table (any other path counts as "other", so
/// strangers cannot grow the counts); no identifier, address or time is kept.
#[utoipa::path(post, path = "/analytics/pageview", tag = "privacy", request_body = PageView,
    responses((status = 204, description = "Counted.")))]
pub async fn pageview(State(state): State<AppState>, Json(req): Json<PageView>) -> StatusCode {
    state.privacy.count_view(&req.path);
    StatusCode::NO_CONTENT
}

/// What Ward holds about the person: each category with how many items, the purpose and
/// legal basis, the retention rule with the time to the next deletion, the region and the
/// recipients. Generated from the personal-data registry and counted in the real store.
#[utoipa::path(get, path = "/privacy/my-data", tag = "privacy",
    responses((status = 200, description = "The person's data, by category.", body = MyData)))]
pub async fn my_data(State(state): State<AppState>, s: CurrentSession) -> Result<Json<MyData>, AppError> {
    Ok(Json(state.privacy.my_data(&s.db, s.region, &s.person.id, &s.key, now()).await?))
}

/// "Who saw my data": every access to the person's data by someone else (the privacy staff
/// opening or answering their request, people they share a camera with using it), newest
/// first, and whether the chain of records is whole.
#[utoipa::path(get, path = "/privacy/access", tag = "privacy",
    responses((status = 200, description = "The person's access log.", body = AccessLog)))]
pub async fn access_log(
    State(state): State<AppState>,
    s: CurrentSession,
) -> Result<Json<AccessLog>, AppError> {
    Ok(Json(privacy::access::log(&state, &s.db, &s.person.id, &s.key).await?))
}
