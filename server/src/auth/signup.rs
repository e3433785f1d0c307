//! Opening an account: the sign-up's checks (the age gate, and a child's guardian where the
//! region allows child accounts), the account written with its key, its first consent record
//! and its code; and proving the address. `http/signup.rs` parses the JSON and answers; the
//! rules of what a stranger may learn are here, where the work is.

use ward_model::{FieldErrorCode, SignUp, SignedUp, VerifyEmail};

use crate::AppState;
use crate::auth::input::{self, BirthDate, Email, Name, Password, Phone};
use crate::auth::session::{ClientMeta, now};
use crate::auth::{CODE_VALID_SECS, field, limits};
use crate::error::{AppError, Fields};
use crate::store::{CodePurpose, DirectoryEntry, Found, NewPerson, StoreError};

/// A sign-up form that passed every check.
pub struct Form {
    name: Name,
    email: Email,
    region: ward_model::Region,
    phone: Phone,
    password: Password,
    birth: BirthDate,
    /// Below the region's minimum age: the guardian asked to consent.
    guardian: Option<Email>,
    policy_version: String,
}

impl Form {
    /// Every problem at once, as field errors; nothing is stored or mailed.
    pub fn parse(state: &AppState, req: &SignUp) -> Result<Form, AppError> {
        let auth = &state.auth;
        let mut fields = Fields::default();
        let name = fields.take(Name::parse("name", &req.name));
        let email = fields.take(Email::parse("email", &req.email));
        let region = fields.take(input::parse_region("region", &req.region));
        let phone = fields.take(Phone::parse("phone", &req.phone, region));
        let others: Vec<&str> = [email.as_ref().map(Email::as_str), name.as_ref().map(Name::as_str)]
            .into_iter()
            .flatten()
            .collect();
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
                    FieldErrorCode::GuardianNeeded,
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
        Ok(Form { name, email, region, phone, password, birth, guardian, policy_version })
    }
}

/// Opens the account of a checked form and mails the code (see `http::signup::sign_up` for
/// what the answer must not tell).
pub async fn open(state: &AppState, form: Form, meta: &ClientMeta) -> Result<SignedUp, AppError> {
    let auth = &state.auth;
    let Form { name, email, region, phone, password, birth, guardian, policy_version } = form;
    auth.limits.hit(&format!("signup:{}", meta.address), limits::SIGN_UP_ADDRESS).await?;

    let email_hash = auth.email_hash(&email.normalised());
    let answer = SignedUp { email: email.as_str().into(), code_valid_minutes: (CODE_VALID_SECS / 60) as u32 };
    // Hashed whether or not the email is taken: the answer must take as long either way.
    let password_hash = auth.hasher.hash(password.as_str()).await?;
    // A resend right after this sign-up waits, as after any mail to the address.
    auth.record_mail_to(&email_hash, "verify").await?;
    if let Some(existing) = state.stores.directory.directory_find(&email_hash).await?
        && !discard_pending(state, &existing).await?
    {
        tell_existing_owner(state, email.as_str()).await?;
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
    auth.log(db, &person_id, &key, "signed_up", meta).await?;
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

/// Proves the address with the mailed code and the latest sign-up's password (see
/// `http::signup::verify`).
pub async fn verify(state: &AppState, req: &VerifyEmail, meta: &ClientMeta) -> Result<(), AppError> {
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
    crate::requests::guardian::ask_named(state, region, &db, &person).await?;
    // Cameras shared with this address before it had an account here now wait for an answer.
    crate::devices::shares::claim_invitations(&db, &person.id, &auth.email_hash(&email.normalised()), now())
        .await?;
    let key = state.person_key(&person.id).await?.ok_or(AppError::NotFound)?;
    auth.log(&db, &person.id, &key, "email_verified", meta).await?;
    Ok(())
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
