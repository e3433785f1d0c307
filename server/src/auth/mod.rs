//! Accounts: what sign-up, sign-in and the security page share. Handlers live in
//! `crate::http::{signup, session, account}`; the rules live here.

pub mod erase;
pub mod input;
pub mod limits;
pub mod passkeys;
pub mod password;
pub mod relocate;
pub mod session;
pub mod signin;
pub mod signup;
pub mod totp;

use rand::Rng as _;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use ward_model::{Account, FieldError};

use crate::error::AppError;
use crate::mail::Mailer;
use crate::store::{CodePurpose, Db, PersonRow};
use crate::vault::{PersonKey, Vault};
use input::AgeRules;
use limits::Limits;
use password::Hasher;
use session::ClientMeta;
use ward_model::FieldErrorCode;

/// The name of the first version of the privacy and cookie policies, seeded into a new
/// deployment (`crate::privacy`); later versions are published by privacy staff.
pub const POLICY_VERSION: &str = "2026-11-01";
/// Emailed codes are valid this long.
pub const CODE_VALID_SECS: i64 = 10 * 60;

/// Everything the account rules need besides the stores.
#[derive(Debug)]
pub struct Auth {
    pub vault: Vault,
    pub hasher: Hasher,
    /// Rate limits and sign-in delays, in the directory store (shared by every instance).
    pub limits: Limits,
    pub mailer: Mailer,
    pub ages: AgeRules,
    pub secure_cookies: bool,
    /// The address people use to reach Ward, when configured (the passkeys' relying party).
    pub public_url: Option<url::Url>,
    pub ceremonies: passkeys::Ceremonies,
    /// Codes mailed after the answer (see [`Auth::send_code_later`]).
    pub outgoing: Outgoing,
}

/// Mail sent after the answer, so that asking for a code for a known address takes as long
/// (and, with the mail server down, answers the same) as for an unknown one. Counts what is
/// still on its way so that the developer mailbox and tests can wait for it.
#[derive(Debug, Default)]
pub struct Outgoing {
    pending: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    idle: std::sync::Arc<tokio::sync::Notify>,
}

impl Outgoing {
    /// Runs `job` in the background, counted until it ends.
    pub fn spawn(&self, job: impl std::future::Future<Output = ()> + Send + 'static) {
        use std::sync::atomic::Ordering;
        self.pending.fetch_add(1, Ordering::SeqCst);
        let (pending, idle) = (self.pending.clone(), self.idle.clone());
        tokio::spawn(async move {
            job.await;
            if pending.fetch_sub(1, Ordering::SeqCst) == 1 {
                idle.notify_waiters();
            }
        });
    }

    /// Answers once nothing spawned so far is still running.
    pub async fn settled(&self) {
        loop {
            let idle = self.idle.notified();
            tokio::pin!(idle);
            // Registered before the count is read, so an end in between is not missed.
            idle.as_mut().enable();
            if self.pending.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }
}

/// The fields of `people` sealed with the person's key; the names are the AAD.
pub mod field {
    pub const NAME: &str = "name";
    pub const EMAIL: &str = "email";
    pub const PHONE: &str = "phone";
    pub const BIRTH_DATE: &str = "birth_date";
    pub const PENDING_EMAIL: &str = "pending_email";
    pub const TOTP_SECRET: &str = "totp_secret";
    pub const ADDRESS: &str = "address";
    pub const BROWSER: &str = "browser";
    pub const PASSKEY: &str = "passkey";
    pub const PASSKEY_NAME: &str = "passkey_name";
}

pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix).ok().and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default()
}

fn mail_keys(email_hash: &[u8], what: &str) -> (String, String) {
    let id = hex::encode(email_hash);
    (format!("mail-minute:{what}:{id}"), format!("mail-hour:{what}:{id}"))
}

impl Auth {
    pub fn email_hash(&self, normalised_email: &str) -> Vec<u8> {
        self.vault.lookup_hash("email", normalised_email)
    }

    fn code_hash(&self, person_id: &str, purpose: CodePurpose, code: &str) -> Vec<u8> {
        self.vault.token_mac("code", format!("{person_id}\0{purpose:?}\0{code}").as_bytes())
    }

    pub fn recovery_hash(&self, person_id: &str, code: &str) -> Vec<u8> {
        self.vault.token_mac("recovery", format!("{person_id}\0{code}").as_bytes())
    }

    /// Mails a fresh single-use 6-digit code, replacing any earlier one of this purpose.
    /// Limited to one a minute and five an hour per person and purpose.
    pub async fn send_code(
        &self,
        db: &Db,
        person_id: &str,
        purpose: CodePurpose,
        to: &str,
        subject: &str,
        why: &str,
    ) -> Result<(), AppError> {
        self.spend_code_budget(person_id, purpose).await?;
        let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
        let expires = session::now() + CODE_VALID_SECS;
        db.code_put(person_id, purpose, &self.code_hash(person_id, purpose, &code), expires).await?;
        let text = format!(
            "{why}\n\nYour code: {code}\n\nIt is valid for {} minutes and works once. If you did not ask for it, \
             ignore this email; nothing changes.\n\n— Ward\n",
            CODE_VALID_SECS / 60
        );
        self.mail(to, subject, text).await
    }

    /// [`Auth::send_code`] after the answer: the request does the same work whether or not
    /// the address has an account. A failure is logged; the person's own limit (one code a
    /// minute) is quiet, since the earlier code still works.
    pub fn send_code_later(
        self: &std::sync::Arc<Self>,
        db: Db,
        person_id: String,
        purpose: CodePurpose,
        to: String,
        subject: &'static str,
        why: &'static str,
    ) {
        let auth = self.clone();
        self.outgoing.spawn(async move {
            match auth.send_code(&db, &person_id, purpose, &to, subject, why).await {
                Ok(()) | Err(AppError::TooManyRequests { .. }) => {}
                Err(err) => tracing::warn!(%err, ?purpose, "a code could not be mailed"),
            }
        });
    }

    /// Counts one mailed code against the limits of [`Auth::send_code`] without sending it:
    /// for answers that must cost the same whether or not a code was sent.
    pub async fn spend_code_budget(&self, person_id: &str, purpose: CodePurpose) -> Result<(), AppError> {
        let minute = format!("code-minute:{person_id}:{purpose:?}");
        let hour = format!("code-hour:{person_id}:{purpose:?}");
        self.limits.check(&minute, limits::CODE_SEND_MINUTE).await?;
        self.limits.check(&hour, limits::CODE_SEND_HOUR).await?;
        self.limits.record(&minute, limits::CODE_SEND_MINUTE).await?;
        self.limits.record(&hour, limits::CODE_SEND_HOUR).await
    }

    /// Limits codes mailed to one address (by its hash), whether or not it has an account,
    /// so that a 429 says nothing about the address. Failures are 429s.
    pub async fn limit_mail_to(&self, email_hash: &[u8], what: &str) -> Result<(), AppError> {
        let (minute, hour) = mail_keys(email_hash, what);
        self.limits.check(&minute, limits::CODE_SEND_MINUTE).await?;
        self.limits.check(&hour, limits::CODE_SEND_HOUR).await?;
        self.record_mail_to(email_hash, what).await
    }

    /// Counts a mail to an address against [`Auth::limit_mail_to`] without being refused.
    pub async fn record_mail_to(&self, email_hash: &[u8], what: &str) -> Result<(), AppError> {
        let (minute, hour) = mail_keys(email_hash, what);
        self.limits.record(&minute, limits::CODE_SEND_MINUTE).await?;
        self.limits.record(&hour, limits::CODE_SEND_HOUR).await
    }

    /// Whether `code` is the live code of this purpose, without counting a try: wrong guesses
    /// are then limited elsewhere (per client), so a stranger cannot use up the owner's tries.
    pub async fn code_matches(
        &self,
        db: &Db,
        person_id: &str,
        purpose: CodePurpose,
        code: &str,
    ) -> Result<bool, AppError> {
        Ok(db
            .code_peek(person_id, purpose)
            .await?
            .is_some_and(|(hash, _)| hash == self.code_hash(person_id, purpose, code)))
    }

    /// Checks a code without using it up; each look counts as an attempt, right or wrong,
    /// so whatever is checked after it (a second factor) is limited by the code's attempts.
    /// Wrong, expired and exhausted codes are field errors on `field`; after
    /// [`limits::CODE_ATTEMPTS`] tries the code is void.
    pub async fn check_code(
        &self,
        db: &Db,
        person_id: &str,
        purpose: CodePurpose,
        code: &str,
        field: &str,
    ) -> Result<(), AppError> {
        let wrong = || {
            AppError::field(
                field,
                FieldErrorCode::Wrong,
                "This code is not right. Check the latest email from Ward.",
            )
        };
        let Some((hash, expires_at, attempts)) = db.code_attempt(person_id, purpose).await? else {
            return Err(wrong());
        };
        if attempts > limits::CODE_ATTEMPTS {
            db.code_delete(person_id, purpose).await?;
            return Err(AppError::field(
                field,
                FieldErrorCode::Exhausted,
                "Too many wrong codes. Ask for a new code.",
            ));
        }
        if expires_at < session::now() {
            return Err(AppError::field(
                field,
                FieldErrorCode::Expired,
                "This code has expired. Ask for a new code.",
            ));
        }
        if hash != self.code_hash(person_id, purpose, code) {
            return Err(wrong());
        }
        Ok(())
    }

    /// Uses up a code checked by [`Auth::check_code`]; of two requests racing with the same
    /// code, only one gets it.
    pub async fn consume_code(
        &self,
        db: &Db,
        person_id: &str,
        purpose: CodePurpose,
        field: &str,
    ) -> Result<(), AppError> {
        if db.code_delete(person_id, purpose).await? {
            Ok(())
        } else {
            Err(AppError::field(
                field,
                FieldErrorCode::Wrong,
                "This code is not right. Check the latest email from Ward.",
            ))
        }
    }

    /// Checks and uses up a code. Wrong, expired and exhausted codes are field errors on
    /// `field`; after [`limits::CODE_ATTEMPTS`] wrong tries the code is void.
    pub async fn use_code(
        &self,
        db: &Db,
        person_id: &str,
        purpose: CodePurpose,
        code: &str,
        field: &str,
    ) -> Result<(), AppError> {
        self.check_code(db, person_id, purpose, code, field).await?;
        self.consume_code(db, person_id, purpose, field).await
    }

    /// Sends mail; a failure is logged and answered 503 (the action can be retried).
    pub async fn mail(&self, to: &str, subject: &str, text: String) -> Result<(), AppError> {
        self.mailer.send(to, subject, text).await.map_err(|err| {
            tracing::warn!(%err, "mail could not be sent");
            AppError::Unavailable(
                "We could not send the email just now. Please try again in a minute.".into(),
            )
        })
    }

    /// Appends to the person's activity log (address and browser sealed).
    pub async fn log(
        &self,
        db: &Db,
        person_id: &str,
        key: &PersonKey,
        kind: &str,
        meta: &ClientMeta,
    ) -> Result<(), AppError> {
        let address = key.seal(field::ADDRESS, &meta.address);
        let browser = key.seal(field::BROWSER, &meta.browser);
        db.activity_add(person_id, kind, session::now(), &address, &browser).await?;
        Ok(())
    }

    /// The person as they see themselves, opened with their key.
    pub fn account(
        &self,
        p: &PersonRow,
        key: &PersonKey,
        region: ward_model::Region,
    ) -> Result<Account, AppError> {
        let open = |f: &str, ct: &[u8]| key.open(f, ct).map_err(AppError::internal);
        Ok(Account {
            id: p.id.clone(),
            name: open(field::NAME, &p.name_ct)?,
            email: open(field::EMAIL, &p.email_ct)?,
            phone: open(field::PHONE, &p.phone_ct)?,
            region,
            birth_date: open(field::BIRTH_DATE, &p.birth_date_ct)?,
            email_verified: p.email_verified,
            pending_email: p
                .pending_email_ct
                .as_deref()
                .map(|ct| open(field::PENDING_EMAIL, ct))
                .transpose()?,
            totp_enabled: p.totp_enabled,
            created_at: rfc3339(p.created_at),
        })
    }

    /// Re-authentication for sensitive changes: the current password, as a field error.
    pub async fn reauthenticate(
        &self,
        p: &PersonRow,
        password: Option<&str>,
        field: &str,
    ) -> Result<(), AppError> {
        let Some(password) = password.filter(|p| !p.is_empty()) else {
            return Err(AppError::field(
                field,
                FieldErrorCode::Required,
                "Enter your current password to confirm it is you.",
            ));
        };
        let key = format!("reauth:{}", p.id);
        self.limits.check(&key, limits::REAUTH).await?;
        if !self.hasher.verify(password, Some(&p.password_hash)).await? {
            self.limits.record(&key, limits::REAUTH).await?;
            return Err(AppError::field(field, FieldErrorCode::Wrong, "This is not your current password."));
        }
        Ok(())
    }

    /// The second factor, when the person has one: a TOTP code or an unused recovery code.
    pub async fn second_factor(
        &self,
        db: &Db,
        p: &PersonRow,
        key: &PersonKey,
        otp: Option<&str>,
    ) -> Result<(), AppError> {
        if !p.totp_enabled {
            return Ok(());
        }
        let otp_error = |code: FieldErrorCode, message: &str| AppError::Unauthorized {
            message: "Two-step verification is on for this account.".into(),
            fields: vec![FieldError { field: "otp".into(), code, message: message.into() }],
        };
        let Some(otp) = otp.map(str::trim).filter(|o| !o.is_empty()) else {
            let mut err = otp_error(
                FieldErrorCode::Required,
                "Enter the 6-digit code from your authenticator app, or a recovery code.",
            );
            // The password was right, so saying that a passkey may stand in reveals nothing.
            if !db.passkeys_of(&p.id).await?.is_empty()
                && let AppError::Unauthorized { fields, .. } = &mut err
            {
                fields.push(FieldError {
                    field: "passkey".into(),
                    code: FieldErrorCode::Available,
                    message: "Or use one of your passkeys.".into(),
                });
            }
            return Err(err);
        };
        let digits: String = otp.chars().filter(|c| !c.is_whitespace()).collect();
        let ok = if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
            let secret =
                p.totp_secret_ct.as_deref().ok_or_else(|| AppError::internal("TOTP on without a secret"))?;
            let secret = key.open(field::TOTP_SECRET, secret).map_err(AppError::internal)?;
            match totp::matching_step(&secret, &digits, session::now()) {
                Some(step) => db.person_claim_totp_step(&p.id, step).await?,
                None => false,
            }
        } else {
            let code = totp::normalise_recovery(otp);
            db.recovery_use(&p.id, &self.recovery_hash(&p.id, &code)).await?
        };
        if ok {
            Ok(())
        } else {
            Err(otp_error(FieldErrorCode::Wrong, "This code is not right, or was already used."))
        }
    }
}
