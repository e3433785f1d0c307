//! Sign-up and email verification: `/api/signup...`.

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use ward_model::{ApiError, EmailOnly, RegionRule, SignUp, SignUpRules, SignedUp, VerifyEmail};

use crate::AppState;
use crate::auth::input::{self, BirthDate, Email, Name, Password, Phone};
use crate::auth::session::{ClientMeta, now};
use crate::auth::{CODE_VALID_SECS, field, limits};
use crate::error::Fields;
use crate::error::{AppError, Json};
use crate::store::{CodePurpose, DirectoryEntry, Found, NewPerson, StoreError};
use ward_model::FieldErrorCode;

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
    let auth = &state.auth;
    let mut fields = Fields::default();
    let name = fields.take(Name::parse("name", &req.name));
    let email = fields.take(Email::parse("email", &req.email));
    let region = fields.take(input::parse_region("region", &req.region));
    let phone = fields.take(Phone::parse("phone", &req.phone, region));
    let others: Vec<&str> =
        [email.as_ref().map(Email::as_str), name.as_ref().map(Name::as_str)].into_iter().flatten().collect();
    let password = fields.take(Password::parse("password", &req.password, &others));
    let today = input::today();
    let policy_version = state.privacy.current(ward_model::PolicyKind::Privacy).version;
    let birth = fields.take(BirthDate::parse("birth_date", &req.birth_date, today));
    if req.accepted_policy.trim().is_empty() {
        fields.push(
            "accepted_policy",
            FieldErrorCode::Required,
            "Read and accept the privacy policy to open an account.",
        );
    } else if req.accepted_policy.trim() != policy_version {
        fields.push(
            "accepted_policy",
            FieldErrorCode::Stale,
            "The privacy policy has changed since this page was loaded. Reload and review it.",
        );
    }
    // The age gate comes before anything is stored or mailed. Below the region's minimum age
    // an account needs a guardian's consent, where the region allows one at all.
    let mut guardian = None;
    if let (Some(birth), Some(region)) = (birth, region) {
        let min = auth.ages.min_age(region);
        let allowed = state.requests.guardians.child_accounts(region);
        if birth.age_on(today) < min && !allowed {
            fields.push("birth_date", FieldErrorCode::UnderAge, format!(
                    "You need to be at least {min} to open an account in this region. A parent or guardian can \
                     help: see the guardian page. Nothing you entered has been kept."
                ));
        } else if birth.age_on(today) < min && req.guardian_email.trim().is_empty() {
            fields.push(
                "guardian_email",
                FieldErrorCode::Required,
                format!(
                    "Under {min}, a parent or guardian must agree to your account: enter their email address and \
                     we will ask them."
                ),
            );
        } else if birth.age_on(today) < min {
            guardian = fields.take(Email::parse("guardian_email", &req.guardian_email));
            if let (Some(g), Some(own)) = (&guardian, &email)
                && g.normalised() == own.normalised()
            {
                fields.push(
                    "guardian_email",
                    FieldErrorCode::OwnEmail,
                    "This is your own address: enter your parent's or guardian's.",
                );
            }
        }
    }
    let (Some(name), Some(email), Some(region), Some(phone), Some(password), Some(birth), true) =
        (name, email, region, phone, password, birth, fields.is_empty())
    else {
        return Err(AppError::Validation(fields.0));
    };
    auth.limits.hit(&format!("signup:{}", meta.address), limits::SIGN_UP_ADDRESS).await?;

    let email_hash = auth.email_hash(&email.normalised());
    let answer = (
        StatusCode::CREATED,
        Json(SignedUp { email: email.as_str().into(), code_valid_minutes: (CODE_VALID_SECS / 60) as u32 }),
    );
    // Hashed whether or not the email is taken: the answer must take as long either way.
    let password_hash = auth.hasher.hash(password.as_str()).await?;
    // A resend right after this sign-up waits, as after any mail to the address.
    auth.record_mail_to(&email_hash, "verify").await?;
    if let Some(existing) = state.stores.directory.directory_find(&email_hash).await?
        && !discard_pending(&state, &existing).await?
    {
        tell_existing_owner(&state, email.as_str()).await?;
        return Ok(answer);
    }

    let person_id = uuid::Uuid::new_v4().simple().to_string();
    let (key, wrapped) = auth.vault.new_person_key(&person_id);
    let db = state.stores.region(region).await?;
    // Directory first: its unique email hash decides a race between two sign-ups.
    let entry = DirectoryEntry { region, person_id: person_id.clone() };
    match state.stores.directory.directory_insert(&email_hash, &entry, &wrapped).await {
        Err(StoreError::Conflict(_)) => return Ok(answer),
        other => other?,
    }
    let at = now();
    let person = NewPerson {
        id: person_id.clone(),
        email_hash,
        name_ct: key.seal(field::NAME, name.as_str()),
        email_ct: key.seal(field::EMAIL, email.as_str()),
        phone_ct: key.seal(field::PHONE, phone.as_str()),
        birth_date_ct: key.seal(field::BIRTH_DATE, &birth.to_iso()),
        password_hash,
        policy_version: policy_version.clone(),
        now: at,
        guardian: guardian.map(|g| crate::requests::guardian::named(auth, &g, &key, at)),
    };
    // The acceptance goes to the consent ledger too, like every later consent.
    let accepted = state.privacy.acceptance(&policy_version, ward_model::ConsentMethod::Signup, person.now);
    let stored = match db.person_insert(&person).await {
        Ok(()) => {
            crate::privacy::append(&state.stores.directory, &auth.vault, db, &person_id, &[accepted], None)
                .await
        }
        Err(err) => Err(err),
    };
    if let Err(err) = stored {
        // Nothing half-written: without the directory entry (and its key) a person row
        // that may have been written is unreadable, and the email is free again.
        state.stores.directory.directory_forget(&person_id).await?;
        return Err(err.into());
    }
    auth.log(db, &person_id, &key, "signed_up", &meta).await?;
    auth.send_code(
        db,
        &person_id,
        CodePurpose::VerifyEmail,
        email.as_str(),
        "Your Ward verification code",
        &format!("Welcome to Ward, {}. Enter this code to confirm your email address.", name.as_str()),
    )
    .await?;
    Ok(answer)
}

/// Removes an account whose email was never verified, so a new sign-up takes its place
/// (its password, name, phone, region). False when the account is verified (it stays).
async fn discard_pending(state: &AppState, existing: &DirectoryEntry) -> Result<bool, AppError> {
    let db = state.stores.region(existing.region).await?;
    match db.person(&existing.person_id).await? {
        Some(person) if person.email_verified => return Ok(false),
        // Verified meanwhile: it stays.
        Some(person) if !db.person_discard_unverified(&person.id).await? => return Ok(false),
        _ => {}
    }
    // The row is gone (or never was): the key and the email hash go too.
    state.stores.directory.directory_forget(&existing.person_id).await?;
    Ok(true)
}

/// Someone signed up with an email that has a verified account: its owner learns of it by mail.
async fn tell_existing_owner(state: &AppState, email: &str) -> Result<(), AppError> {
    state
        .auth
        .mail(
            email,
            "Someone tried to open a Ward account with your email",
            "Someone (perhaps you) tried to open a new Ward account with this email address, which already \
             has an account. Nothing was changed.\n\nIf it was you, sign in instead, or reset your password \
             if you forgot it.\n\n— Ward\n"
                .into(),
        )
        .await
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
    let auth = &state.auth;
    let mut fields = Fields::default();
    let email = fields.take(Email::parse("email", &req.email));
    let code = fields.take(input::parse_code("code", &req.code));
    if req.password.is_empty() {
        fields.push("password", FieldErrorCode::Required, "Enter the password you chose when you signed up.");
    }
    let (Some(email), Some(code), true) = (email, code, fields.is_empty()) else {
        return Err(AppError::Validation(fields.0));
    };
    let found = state.stores.person_by_email(&auth.email_hash(&email.normalised())).await?;
    // Checked whatever the address (a dummy hash without an account), so the time taken
    // does not tell whether the address has an account, pending or verified.
    let stored = found.as_ref().map(|f| f.person.password_hash.as_str());
    let password_ok = auth.hasher.verify(&req.password, stored).await?;
    let Some(Found { db, person, region }) = found else { return Err(code_or_password()) };
    // Every try counts against the code, a wrong password like a wrong code, so neither can
    // be guessed more often than the code allows. A verified account has no live code.
    let checked = auth.check_code(&db, &person.id, CodePurpose::VerifyEmail, &code, "code").await;
    match checked {
        // Only someone who knows the password learns more than "does not match" (that the
        // code expired or is used up): that says nothing to a stranger.
        Err(AppError::Validation(errs)) if !password_ok || errs.iter().any(|e| e.code == "wrong") => {
            return Err(code_or_password());
        }
        Err(other) => return Err(other),
        Ok(()) if !password_ok => return Err(code_or_password()),
        Ok(()) => {}
    }
    // Of two requests racing with the same code, one wins; the other answers like a wrong code.
    match auth.consume_code(&db, &person.id, CodePurpose::VerifyEmail, "code").await {
        Err(AppError::Validation(_)) => return Err(code_or_password()),
        other => other?,
    }
    db.person_set_verified(&person.id).await?;
    // A child's account: now that the child's address is proved, their guardian is asked.
    crate::requests::guardian::ask_named(&state, region, &db, &person).await?;
    // Cameras shared with this address before it had an account here now wait for an answer.
    crate::devices::shares::claim_invitations(&db, &person.id, &auth.email_hash(&email.normalised()), now())
        .await?;
    let key = state.person_key(&person.id).await?.ok_or(AppError::NotFound)?;
    auth.log(&db, &person.id, &key, "email_verified", &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The one answer of [`verify`] for an unknown address, a verified one, a wrong code and a
/// wrong password.
fn code_or_password() -> AppError {
    AppError::field(
        "code",
        FieldErrorCode::CodeOrPassword,
        "The code or the password does not match what was set at sign-up. If you signed up again, use \
         the password and the code of the latest sign-up; if you did not, sign up again.",
    )
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
