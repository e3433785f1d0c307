//! Sign-up and email verification: `/api/signup...`.

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{ApiError, EmailOnly, RegionRule, SignUp, SignUpRules, SignedUp, VerifyEmail};

use crate::AppState;
use crate::auth::input::{self, Email};
use crate::auth::session::ClientMeta;
use crate::auth::signup;
use crate::error::{AppError, Json};
use crate::store::{CodePurpose, Found};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(rules, sign_up)).routes(routes!(verify)).routes(routes!(resend))
}

/// What the sign-up form needs: the policy version, password bounds, regions and ages.
#[utoipa::path(get, path = "/signup", tag = "accounts",
    responses((status = 200, description = "The sign-up rules.", body = SignUpRules)))]
pub async fn rules(State(state): State<AppState>) -> Json<SignUpRules> {
    Json(SignUpRules {
        policy_version: state.privacy.current(ward_model::PolicyKind::Privacy).version,
        password_min: input::PASSWORD_MIN as u32,
        password_max: input::PASSWORD_MAX as u32,
        name_max: input::NAME_MAX as u32,
        regions: ward_model::Region::ALL
            .into_iter()
            .map(|region| RegionRule {
                region,
                min_age: state.auth.ages.min_age(region),
                child_accounts: state.requests.guardians.child_accounts(region),
            })
            .collect(),
    })
}

/// Opens an account and mails a 6-digit code to verify the email. Answers the same, after
/// the same work, for an email that already has an account (its owner is told by mail
/// instead), so the form does not reveal who has an account. A sign-up with the email of an
/// account not yet verified replaces that account, and verification asks for the password
/// of the latest sign-up: the verified account carries the password of whoever proved the
/// mailbox, never that of someone who signed up before or after them with their email.
#[utoipa::path(post, path = "/signup", tag = "accounts", request_body = SignUp,
    responses(
        (status = 201, description = "A code was mailed.", body = SignedUp),
        (status = 422, description = "Fields are not valid, or the person is under the region's minimum age.", body = ApiError),
        (status = 429, description = "Too many sign-ups from this address.", body = ApiError),
    ))]
pub async fn sign_up(
    State(state): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<SignUp>,
) -> Result<(StatusCode, Json<SignedUp>), AppError> {
    let form = signup::Form::parse(&state, &req)?;
    Ok((StatusCode::CREATED, Json(signup::open(&state, form, &meta).await?)))
}

/// Confirms the email with the mailed code and the password chosen at sign-up. The code
/// alone is not enough: a later sign-up with the same email (perhaps by someone else)
/// replaces the pending account and mails a new code to the address's owner, who must not
/// then verify an account that carries the other person's password. A stranger learns
/// nothing: an unknown address, a verified one (it has no code) and a pending one with the
/// wrong password or code get the same answer after the same work (one password check).
#[utoipa::path(post, path = "/signup/verify", tag = "accounts", request_body = VerifyEmail,
    responses(
        (status = 204, description = "The email is verified; the person can sign in."),
        (status = 422, description = "The code or the password does not match the latest sign-up (field `code`, code `code_or_password`), or, with the right password, the code has expired or is used up.", body = ApiError),
    ))]
pub async fn verify(
    State(state): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<VerifyEmail>,
) -> Result<StatusCode, AppError> {
    signup::verify(&state, &req, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mails a new verification code. 202 (or 429 within a minute of the last sign-up or code
/// for the same address) whether or not the address has an account.
#[utoipa::path(post, path = "/signup/resend", tag = "accounts", request_body = EmailOnly,
    responses(
        (status = 202, description = "If the address has an unverified account, a new code is on its way."),
        (status = 429, description = "A sign-up or code for this address was less than a minute ago.", body = ApiError),
    ))]
pub async fn resend(
    State(state): State<AppState>,
    Json(req): Json<EmailOnly>,
) -> Result<StatusCode, AppError> {
    let email = Email::parse("email", &req.email).map_err(|e| AppError::Validation(vec![e]))?;
    let hash = state.auth.email_hash(&email.normalised());
    // By the address, known or not: a 429 must not mean "this address has an account".
    state.auth.limit_mail_to(&hash, "verify").await?;
    let found = state.stores.person_by_email(&hash).await?;
    if let Some(Found { db, person, .. }) = found.filter(|f| !f.person.email_verified) {
        // After the answer, as for a password reset: the same time and answer either way.
        state.auth.send_code_later(
            db,
            person.id,
            CodePurpose::VerifyEmail,
            email.as_str().to_owned(),
            "Your Ward verification code",
            "Here is a new code to confirm your email address.",
        );
    }
    Ok(StatusCode::ACCEPTED)
}
