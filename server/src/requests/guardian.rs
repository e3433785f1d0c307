//! A parent's or guardian's request about a child's data: to review it, have it deleted, or
//! prohibit its use. Filed on the public guardian page without signing in (the guardian's own
//! address proved by a mailed code), always as a requester of the region the guardian says the
//! child lives in, with a proof of guardianship of a kind that region accepts
//! (`server/privacy/guardians.json`). Filing never looks for the child's account, so neither
//! the answer nor its timing says whether one exists; the privacy staff see the account the
//! child's address leads to when they open the request, verify the proof, and fulfilling the
//! request carries out what was asked on that account. The proof is sealed with the guardian's
//! key and deleted a short period (registry, `guardian_proofs`) after the decision.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ward_model::{
    AccessAction, AccessActor, ChildAccount, ConsentMethod, FieldError, FieldErrorCode, GuardianAsk,
    GuardianCase, GuardianRelation, GuardianRequestNew, GuardianRule, Localized, ProofInfo, ProofMethod,
    ProofUpload, Region, RequestActor, RequestEventKind, RequestKind, RequestStatus, RightsRequest,
};

use super::deadline::Deadlines;
use super::{Reader, Text, event, field as request_field, public, wire};
use crate::AppState;
use crate::auth::input::{AgeRules, BirthDate, Email, Name, Phone};
use crate::auth::{field as auth_field, rfc3339};
use crate::error::{AppError, Fields};
use crate::privacy::access::Access;
use crate::store::{ChildGuardianRow, Db, GuardianRow, NamedGuardian, PersonRow, ProofRow, RequestRow};
use crate::vault::PersonKey;

/// The vault fields of the sealed columns (labels.json names them too).
pub mod field {
    pub const CHILD: &str = "guardian_child";
    pub const PROOF: &str = "guardian_proof";
    /// The guardian a child named, sealed with the child's key.
    pub const GUARDIAN_EMAIL: &str = "child_guardian_email";
}

/// The largest proof accepted: a phone's photo of a form or an ID fits.
pub const MAX_PROOF: usize = 5 * 1024 * 1024;

/// What one region accepts from a guardian.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionRule {
    law: Localized,
    methods: Vec<ProofMethod>,
    child_accounts: bool,
}

/// The rules for guardians, from `server/privacy/guardians.json`.
pub struct Guardians {
    default: RegionRule,
    regions: HashMap<Region, RegionRule>,
    /// The purposes a child's account keeps off (ids of purposes.json).
    pub child_locked: Vec<String>,
    /// When the staff answer a guardian's request (deadlines.json's format).
    pub deadlines: Deadlines,
}

impl Guardians {
    /// The shipped file; a mistake in it (an unknown region or method, a region accepting no
    /// method) stops the server at start.
    pub fn load() -> Result<Guardians, String> {
        Guardians::parse(include_str!("../../privacy/guardians.json"))
    }

    fn parse(text: &str) -> Result<Guardians, String> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(rename = "_comment")]
            _comment: String,
            default: RegionRule,
            regions: HashMap<String, RegionRule>,
            child_locked: Vec<String>,
            deadlines: serde_json::Value,
        }
        let file: File = serde_json::from_str(text).map_err(|e| format!("guardians.json: {e}"))?;
        let check = |name: &str, r: &RegionRule| {
            if r.methods.is_empty() || r.law.en.is_empty() || r.law.zh.is_empty() {
                return Err(format!("guardians.json {name}: needs the law in both languages and a method"));
            }
            Ok(())
        };
        check("default", &file.default)?;
        let mut regions = HashMap::new();
        for (code, rule) in file.regions {
            let region = Region::from_code(&code).ok_or(format!("guardians.json: no region {code:?}"))?;
            check(&code, &rule)?;
            regions.insert(region, rule);
        }
        let deadlines =
            Deadlines::parse(&file.deadlines.to_string()).map_err(|e| format!("guardians.json: {e}"))?;
        Ok(Guardians { default: file.default, regions, child_locked: file.child_locked, deadlines })
    }

    fn of(&self, region: Region) -> &RegionRule {
        self.regions.get(&region).unwrap_or(&self.default)
    }

    /// Whether a child of `region` may open an account with a guardian's consent.
    pub fn child_accounts(&self, region: Region) -> bool {
        self.of(region).child_accounts
    }

    /// Every region's rule, for the guardian page.
    pub fn rules(&self, ages: &AgeRules) -> Vec<GuardianRule> {
        Region::ALL
            .into_iter()
            .map(|region| {
                let r = self.of(region);
                GuardianRule {
                    region,
                    child_under: ages.min_age(region),
                    law: r.law.clone(),
                    methods: r.methods.clone(),
                    deadline: self.deadlines.rule(region).words.clone(),
                }
            })
            .collect()
    }
}

/// An uploaded proof, its type read from its first bytes.
pub struct Proof {
    media_type: &'static str,
    bytes: Vec<u8>,
}

impl Proof {
    pub fn parse(field: &str, upload: &ProofUpload) -> Result<Proof, FieldError> {
        let err = |code, message: &str| FieldError { field: field.into(), code, message: message.into() };
        // Base64 is 4/3 of the bytes: refuse what cannot fit before decoding it.
        if upload.data.len() > MAX_PROOF / 3 * 4 + 4 {
            return Err(err(FieldErrorCode::FileSize, "This file is too large: at most 5 MB."));
        }
        let bytes = STANDARD
            .decode(upload.data.trim())
            .map_err(|_| err(FieldErrorCode::Malformed, "The file did not arrive whole; choose it again."))?;
        if bytes.len() > MAX_PROOF {
            return Err(err(FieldErrorCode::FileSize, "This file is too large: at most 5 MB."));
        }
        let media_type = if bytes.starts_with(b"%PDF-") {
            "application/pdf"
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "image/png"
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            "image/jpeg"
        } else {
            return Err(err(FieldErrorCode::FileType, "Only a PDF, PNG or JPEG file is accepted here."));
        };
        Ok(Proof { media_type, bytes })
    }
}

/// A guardian's request, checked field by field.
pub struct GuardianRequest {
    pub email: Email,
    pub code: String,
    pub name: Name,
    pub relation: GuardianRelation,
    pub region: Region,
    pub ask: GuardianAsk,
    pub child_email: Option<Email>,
    pub child_phone: Option<Phone>,
    pub method: ProofMethod,
    pub proof: Option<Proof>,
    pub details: Option<Text>,
}

impl GuardianRequest {
    /// Every problem at once, as field errors; nothing is looked up.
    pub fn parse(state: &AppState, req: &GuardianRequestNew) -> Result<GuardianRequest, AppError> {
        let mut fields = Fields::default();
        let email = fields.take(Email::parse("email", &req.email));
        let code = fields.take(crate::auth::input::parse_code("code", &req.code));
        let name = fields.take(Name::parse("name", &req.name));
        let mut required = |field: &str, set: bool, message: &str| {
            if !set {
                fields.push(field, FieldErrorCode::Required, message);
            }
        };
        required("relation", req.relation.is_some(), "Say how you are related to the child.");
        required(
            "region",
            req.region.is_some(),
            "Choose where the child lives: its law sets what you can show.",
        );
        required(
            "ask",
            req.ask.is_some(),
            "Choose what you ask: to review, delete, or stop the use of the data.",
        );
        required(
            "method",
            req.method.is_some(),
            "Choose how you will prove that you are the child's guardian.",
        );
        let (child_email, child_phone) = (req.child_email.trim(), req.child_phone.trim());
        if child_email.is_empty() && child_phone.is_empty() {
            fields.push(
                "child_email",
                FieldErrorCode::Required,
                "Enter the email address the child used (or their phone number).",
            );
        }
        let child_email =
            (!child_email.is_empty()).then(|| fields.take(Email::parse("child_email", child_email)));
        let child_phone = (!child_phone.is_empty())
            .then(|| fields.take(Phone::parse("child_phone", child_phone, req.region)));
        if let (Some(Some(c)), Some(g)) = (&child_email, &email)
            && c.normalised() == g.normalised()
        {
            fields.push(
                "child_email",
                FieldErrorCode::OwnEmail,
                "This is your own address: enter the one the child used.",
            );
        }
        if let (Some(region), Some(method)) = (req.region, req.method)
            && !state.requests.guardians.of(region).methods.contains(&method)
        {
            fields.push(
                "method",
                FieldErrorCode::NotChoosable,
                "Where the child lives, this proof is not accepted; choose one of those offered.",
            );
        }
        let proof = match (req.method, &req.proof) {
            (Some(m), None) if m.uploads() => {
                fields.push("proof", FieldErrorCode::Required, "Choose the file with your proof.");
                None
            }
            (Some(m), Some(_)) if !m.uploads() => {
                fields.push("proof", FieldErrorCode::NotNeeded, "A video call needs no file; remove it.");
                None
            }
            (_, Some(upload)) => fields.take(Proof::parse("proof", upload)),
            _ => None,
        };
        let details = match req.details.trim() {
            "" if req.method == Some(ProofMethod::VideoCall) => {
                fields.push(
                    "details",
                    FieldErrorCode::Required,
                    "Say when you can take the video call (days, times, your time zone).",
                );
                None
            }
            "" => None,
            text => Text::take(&mut fields, "details", text),
        };
        if !fields.0.is_empty() {
            return Err(AppError::Validation(fields.0));
        }
        let (Some(email), Some(code), Some(name), Some(relation), Some(region), Some(ask), Some(method)) =
            (email, code, name, req.relation, req.region, req.ask, req.method)
        else {
            return Err(AppError::Validation(fields.0));
        };
        Ok(GuardianRequest {
            email,
            code,
            name,
            relation,
            region,
            ask,
            child_email: child_email.flatten(),
            child_phone: child_phone.flatten(),
            method,
            proof,
            details,
        })
    }
}

/// The child's identifiers as the guardian typed them, sealed together.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Child {
    email: Option<String>,
    phone: Option<String>,
}

fn ask_words(ask: GuardianAsk) -> &'static str {
    match ask {
        GuardianAsk::Review => "to review a child's data",
        GuardianAsk::Delete => "to delete a child's account and data",
        GuardianAsk::Prohibit => "to stop the use of a child's data",
        GuardianAsk::Consent => "to consent to a child's account",
    }
}

fn method_words(method: ProofMethod) -> &'static str {
    match method {
        ProofMethod::SignedForm => "the signed consent form you uploaded",
        ProofMethod::IdDocument => "the ID document you uploaded (deleted after the decision)",
        ProofMethod::VideoCall => "a video call with our staff (we will write to arrange it)",
    }
}

/// Files the guardian's request once the code proves their address. The answer and the
/// receipt mail are the same whether or not an account uses the child's address: nothing is
/// looked up here.
pub async fn file(state: &AppState, req: GuardianRequest) -> Result<RightsRequest, AppError> {
    let hash = public::prove(state, &req.email, &req.code).await?;
    let now = state.requests.clock.now();
    let (requester, key) = public::requester(state, req.region, &hash, &req.email, &req.name, now).await?;
    let db = state.stores.region(req.region).await?;
    super::check_open(db, &requester.id).await?;
    let rule = state.requests.rule(req.region, RequestKind::Guardian);
    let details = match &req.details {
        Some(t) => t.0.clone(),
        None => format!("Asks {}.", ask_words(req.ask)),
    };
    let row = RequestRow {
        id: uuid::Uuid::new_v4().to_string(),
        person_id: requester.id.clone(),
        kind: RequestKind::Guardian.code().into(),
        status: RequestStatus::Open.code().into(),
        details_ct: key.seal(request_field::DETAILS, &details),
        filed_at: now,
        due_at: rule.due(now),
        closed_at: None,
    };
    let child = Child {
        email: req.child_email.as_ref().map(|e| e.as_str().to_owned()),
        phone: req.child_phone.as_ref().map(|p| p.as_str().to_owned()),
    };
    let guardian = GuardianRow {
        request_id: row.id.clone(),
        person_id: requester.id.clone(),
        ask: req.ask.code().into(),
        relation: req.relation.code().into(),
        method: req.method.code().into(),
        child_ct: key.seal(field::CHILD, &serde_json::to_string(&child).map_err(AppError::internal)?),
        child_region: None,
        child_id: None,
    };
    let proof = req.proof.as_ref().map(|p| ProofRow {
        request_id: row.id.clone(),
        person_id: requester.id.clone(),
        media_type: p.media_type.into(),
        size: p.bytes.len() as i64,
        proof_ct: key.seal_bytes(field::PROOF, &p.bytes),
        uploaded_at: now,
        decided_at: None,
    });
    let filed = event(&row.id, now, RequestActor::Person, RequestEventKind::Filed, None);
    db.guardian_insert(&row, &filed, &guardian, proof.as_ref()).await?;
    let text = format!(
        "We received your request, as the child's {}: {}.\n\nWe will answer by {} ({})\n\n\
         Our privacy staff will check that you are the child's parent or guardian, with {}. Whether or not \
         an account uses the details you gave, nothing happens to any account until then, and this mail is \
         the same.\n\nTo add information, open {} (we will email you a code). Request id: {}\n\n— Ward's privacy staff\n",
        match req.relation {
            GuardianRelation::Parent => "parent",
            GuardianRelation::LegalGuardian => "legal guardian",
        },
        ask_words(req.ask),
        super::day(row.due_at),
        rule.words.en.trim_end_matches('.'),
        method_words(req.method),
        super::app_link(state, &format!("/requests/ask?request={}", row.id)),
        row.id,
    );
    if let Err(err) =
        state.auth.mailer.send(req.email.as_str(), "We received your request about a child", text).await
    {
        tracing::warn!(%err, "a guardian's receipt could not be mailed");
    }
    Ok(wire(state, req.region, &row, &[filed], &key, Reader::Person))
}

/// The account the child's address leads to, with its key: `None` when no account has it
/// (or only a phone number was given, which is sealed per person and cannot be searched).
async fn child_account(
    state: &AppState,
    key: &PersonKey,
    g: &GuardianRow,
) -> Result<(Child, Option<(crate::store::Found, PersonKey)>), AppError> {
    let child: Child = key
        .open(field::CHILD, &g.child_ct)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    // The address was parsed when filed; its hash is the one sign-up keeps (`Email::normalised`).
    let Some(email) = child.email.as_deref().and_then(|e| Email::parse("child_email", e).ok()) else {
        return Ok((child, None));
    };
    let hash = state.auth.email_hash(&email.normalised());
    let Some(found) = state.stores.person_by_email(&hash).await? else { return Ok((child, None)) };
    let Some(child_key) = state.person_key(&found.person.id).await? else { return Ok((child, None)) };
    Ok((child, Some((found, child_key))))
}

fn age_of(person: &PersonRow, key: &PersonKey) -> u32 {
    let today = crate::auth::input::today();
    key.open(auth_field::BIRTH_DATE, &person.birth_date_ct)
        .ok()
        .and_then(|iso| BirthDate::parse("birth_date", &iso, today).ok())
        .map_or(0, |d| d.age_on(today))
}

/// What the staff see of a guardian's request: the ask, the proof's type and size (its bytes
/// only through [`proof`]), and the account the child's address leads to, with its age.
pub async fn case(
    state: &AppState,
    db: &Db,
    request_id: &str,
    key: &PersonKey,
) -> Result<Option<GuardianCase>, AppError> {
    let Some(g) = db.guardian_of(request_id).await? else { return Ok(None) };
    let (child, found) = child_account(state, key, &g).await?;
    let named = match &found {
        Some((f, _)) => f.db.child_guardian(&f.person.id).await?,
        None => None,
    };
    let requester_hash = db.requester(&g.person_id).await?.map(|r| r.email_hash);
    let proof = db.proof_info(request_id).await?.map(|(media_type, size, decided_at)| ProofInfo {
        media_type,
        size: size.max(0) as u64,
        delete_at: decided_at.map(|at| rfc3339(at + proof_keep_secs())),
    });
    Ok(Some(GuardianCase {
        ask: GuardianAsk::from_code(&g.ask).unwrap_or(GuardianAsk::Review),
        relation: GuardianRelation::from_code(&g.relation).unwrap_or(GuardianRelation::Parent),
        method: ProofMethod::from_code(&g.method).unwrap_or(ProofMethod::SignedForm),
        child_email: child.email,
        child_phone: child.phone,
        proof,
        child: found.map(|(f, k)| ChildAccount {
            region: f.region,
            age: age_of(&f.person, &k),
            child_under: state.auth.ages.min_age(f.region),
            child_delete_at: f.person.child_delete_at.map(rfc3339),
            account_since: rfc3339(f.person.created_at),
            waits_for_consent: f.person.child_delete_at.is_some()
                && named.as_ref().is_some_and(|n| n.consented_at.is_none()),
            named_this_guardian: named
                .as_ref()
                .is_some_and(|n| requester_hash.as_deref() == Some(n.guardian_hash.as_slice())),
            consented: named.as_ref().is_some_and(|n| n.consented_at.is_some()),
        }),
    }))
}

/// How long a proof is kept after the decision (the registry's rule for `guardian_proofs`).
fn proof_keep_secs() -> i64 {
    i64::from(crate::registry::retention_days("guardian_proofs").unwrap_or(0)) * 86_400
}

/// The staff opened a guardian's request that leads to an account: the child's "who saw my
/// data" log says so (the staff saw that the account exists and its age).
pub async fn log_opened(
    state: &AppState,
    staff_id: &str,
    db: &Db,
    request_id: &str,
    key: &PersonKey,
    at: i64,
) -> Result<(), AppError> {
    let Some(g) = db.guardian_of(request_id).await? else { return Ok(()) };
    if let (_, Some((found, _))) = child_account(state, key, &g).await? {
        let access = Access {
            actor: AccessActor::Staff,
            actor_id: staff_id,
            action: AccessAction::RequestOpened,
            object_id: request_id,
            at,
        };
        crate::privacy::access::record(state, &found.db, &found.person.id, &access).await?;
    }
    Ok(())
}

/// The proof's bytes and type, opened for the staff.
pub async fn proof(db: &Db, request_id: &str, key: &PersonKey) -> Result<(String, Vec<u8>), AppError> {
    let row = db.proof_of(request_id).await?.ok_or(AppError::NotFound)?;
    let bytes = key.open_bytes(field::PROOF, &row.proof_ct).map_err(AppError::internal)?;
    Ok((row.media_type, bytes))
}

/// What fulfilling did, for the guardian's mail.
pub struct Done(pub String);

/// Carries out a verified guardian's request on the child's account (before the request is
/// marked fulfilled: a failure leaves it open to try again). 409 when no account matches.
pub async fn carry_out(
    state: &AppState,
    region: Region,
    db: &Db,
    request: &RequestRow,
    key: &PersonKey,
    now: i64,
) -> Result<Done, AppError> {
    let g = db.guardian_of(&request.id).await?.ok_or(AppError::NotFound)?;
    let (_, found) = child_account(state, key, &g).await?;
    let Some((child, child_key)) = found else {
        return Err(AppError::Conflict(
            "No account uses the child's address: ask the guardian for the address the child used, or refuse."
                .into(),
        ));
    };
    match GuardianAsk::from_code(&g.ask).unwrap_or(GuardianAsk::Review) {
        GuardianAsk::Delete => {
            // The same erasure as "Delete my account"; the child's receipt goes to the
            // child's address, the guardian's in the answer's mail.
            let receipt =
                crate::auth::erase::erase(state, child.region, &child.db, &child.person, &child_key, now)
                    .await?;
            Ok(Done(format!(
                "The child's account and the personal data it held have been deleted in every region. Deletion \
                 receipt: {} (deleted at {}).",
                receipt.receipt, receipt.deleted_at
            )))
        }
        GuardianAsk::Prohibit => {
            prohibit(state, &child.db, &child.person, &child_key, &request.id, now).await?;
            Ok(Done(
                "Ward now keeps the child's data but uses it only for what the account strictly needs: every \
                 consent was withdrawn, by you, in the child's consent record, and the child cannot switch \
                 anything back on."
                    .into(),
            ))
        }
        GuardianAsk::Consent => consent(state, db, request, key, &child, &child_key, now).await,
        GuardianAsk::Review => {
            match crate::export::start(
                state,
                child.region,
                &child.db,
                &child.person.id,
                None,
                crate::export::Lang::En,
                now,
            )
            .await
            {
                Ok(_) | Err(AppError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
            // The link names the region of the request, so it finds its row without a search.
            let token = format!("{}.{}", region.code(), URL_SAFE_NO_PAD.encode(crate::vault::random::<32>()));
            db.guardian_review_set(
                &request.id,
                child.region.code(),
                &child.person.id,
                &review_hash(state, &token),
            )
            .await?;
            Ok(Done(format!(
                "You can review the child's data, read-only, as one archive (the same as the child's own \"Download \
                 my data\"): {}\n\nThe archive is being built; if the link says so, try again a few minutes later. \
                 It works for 7 days. Keep it to yourself: whoever has the link can open the archive.",
                super::app_link(state, &format!("/api/guardian/review/{token}"))
            )))
        }
    }
}

fn review_hash(state: &AppState, token: &str) -> Vec<u8> {
    state.auth.vault.token_mac("guardian-review", token.as_bytes())
}

/// A guardian's review link: the child's region, their id and the archive's row, when the
/// link is known and the archive ready. `Ok(None)`: no such link (or the account is gone).
/// `Err(Conflict)`: the archive is still being built.
pub async fn review(
    state: &AppState,
    token: &str,
) -> Result<Option<(Region, String, crate::store::ExportRow)>, AppError> {
    let Some(region) = token.split_once('.').and_then(|(r, _)| Region::from_code(r)) else { return Ok(None) };
    let Some(db) = state.stores.existing_region(region).await? else { return Ok(None) };
    let Some(g) = db.guardian_by_review(&review_hash(state, token)).await? else { return Ok(None) };
    let (Some(child_region), Some(child_id)) =
        (g.child_region.as_deref().and_then(Region::from_code), g.child_id)
    else {
        return Ok(None);
    };
    let child_db = state.stores.region(child_region).await?;
    let Some(export) = child_db.export_of(&child_id).await? else { return Ok(None) };
    if export.state == "running" {
        return Err(AppError::Conflict(
            "The child's archive is still being built: try this link again in a few minutes.".into(),
        ));
    }
    let now = state.exports.clock.now();
    if !crate::export::available(&export, now) {
        return Ok(None);
    }
    Ok(Some((child_region, child_id, export)))
}

/// Stops the use of the child's data: every purpose that can be switched off is, in the
/// child's ledger "by guardian", and a fulfilled restriction filed by the staff stands on the
/// child's account (the privacy center and the banner then refuse to switch anything on; only
/// the staff, not the child, can lift it). The child is told.
async fn prohibit(
    state: &AppState,
    db: &Db,
    child: &PersonRow,
    key: &PersonKey,
    guardian_request: &str,
    at: i64,
) -> Result<(), AppError> {
    super::withdraw_all(state, db, &child.id, ConsentMethod::Guardian, at).await?;
    let row = RequestRow {
        id: uuid::Uuid::new_v4().to_string(),
        person_id: child.id.clone(),
        kind: RequestKind::Restriction.code().into(),
        status: RequestStatus::Fulfilled.code().into(),
        details_ct: key.seal(
            request_field::DETAILS,
            &format!(
                "Restricted at the request of your verified parent or guardian (request {guardian_request})."
            ),
        ),
        filed_at: at,
        due_at: at,
        closed_at: Some(at),
    };
    let filed = event(&row.id, at, RequestActor::Staff, RequestEventKind::Filed, None);
    db.request_insert(&row, &filed).await?;
    let text = "Your parent or guardian asked Ward to stop using your data, and our privacy staff checked that \
                they are your parent or guardian. Ward now keeps your data but uses it only for what your account \
                strictly needs. Your privacy center shows this.\n\n— Ward's privacy staff\n";
    super::mail(state, key, &child.email_ct, "Ward has stopped using your data", text.into()).await;
    Ok(())
}

// ---- Child accounts with a guardian's consent ----

/// The guardian a child names at sign-up: the keyed hash of their address (so the guardian's
/// own account finds the child once they consent) and the address sealed with the child's key.
pub fn named(auth: &crate::auth::Auth, guardian: &Email, key: &PersonKey, at: i64) -> NamedGuardian {
    NamedGuardian {
        guardian_hash: auth.email_hash(&guardian.normalised()),
        guardian_email_ct: key.seal(field::GUARDIAN_EMAIL, guardian.as_str()),
        delete_at: at + crate::registry::CHILD_CONSENT_SECS,
    }
}

fn method_short(method: ProofMethod) -> &'static str {
    match method {
        ProofMethod::SignedForm => "a signed consent form",
        ProofMethod::IdDocument => "an ID document",
        ProofMethod::VideoCall => "a video call with our staff",
    }
}

/// Once a child who named a guardian has proved their own address: mails the guardian what
/// the child asked, the law, how to consent and when the account goes if they do not.
pub async fn ask_named(state: &AppState, region: Region, db: &Db, child: &PersonRow) -> Result<(), AppError> {
    let Some(delete_at) = child.child_delete_at else { return Ok(()) };
    let Some(g) = waiting(db, &child.id).await? else {
        return Ok(());
    };
    let key = state.person_key(&child.id).await?.ok_or(AppError::NotFound)?;
    let to = key.open(field::GUARDIAN_EMAIL, &g.guardian_email_ct).map_err(AppError::internal)?;
    let name = key.open(auth_field::NAME, &child.name_ct).map_err(AppError::internal)?;
    let email = key.open(auth_field::EMAIL, &child.email_ct).map_err(AppError::internal)?;
    let rule = state.requests.guardians.of(region);
    let methods: Vec<&str> = rule.methods.iter().map(|m| method_short(*m)).collect();
    let text = format!(
        "{name} ({email}) has opened a Ward account and named you as their parent or guardian. They are under \
         {min}, so the account needs your consent: {law}\n\n\
         Until you consent, the account is suspended: nobody can sign in to it, and it holds only what the \
         sign-up asked. To consent, open {link}, choose \"Consent to the child's account\" and enter the child's \
         address above. You will confirm this address with a code and show that you are the child's parent or \
         guardian ({methods}); our privacy staff check it.\n\n\
         With your consent, the account opens with marketing, advertising, analytics and the other optional \
         uses locked off, and you can see it, download its data or delete it from your own Ward account with \
         this address.\n\n\
         If you do nothing, the account and everything in it are deleted on {day}. If you do not know this \
         child, ignore this mail.\n\n— Ward's privacy staff\n",
        min = state.auth.ages.min_age(region),
        law = rule.law.en,
        link = super::app_link(state, &format!("/guardian?ask=consent&region={}", region.code())),
        methods = methods.join(", "),
        day = super::day(delete_at),
    );
    if let Err(err) =
        state.auth.mailer.send(&to, "A child asks for your consent to a Ward account", text).await
    {
        tracing::warn!(%err, "a child's guardian could not be asked");
    }
    Ok(())
}

/// A verified guardian consents to the child's account: it stops waiting (or stops being
/// suspended as a child's), the guardian who consented is recorded as its guardian, and the
/// purposes of `child_locked` are switched off in the child's ledger "by guardian", where the
/// child cannot switch them on again. 409 when the account does not wait for a consent.
async fn consent(
    state: &AppState,
    db: &Db,
    request: &RequestRow,
    key: &PersonKey,
    child: &crate::store::Found,
    child_key: &PersonKey,
    now: i64,
) -> Result<Done, AppError> {
    let requester = db.requester(&request.person_id).await?.ok_or(AppError::NotFound)?;
    let guardian_email = key.open(auth_field::EMAIL, &requester.email_ct).map_err(AppError::internal)?;
    let named_at = child.db.child_guardian(&child.person.id).await?.map_or(now, |g| g.named_at);
    let row = ChildGuardianRow {
        person_id: child.person.id.clone(),
        guardian_hash: requester.email_hash.clone(),
        guardian_email_ct: child_key.seal(field::GUARDIAN_EMAIL, &guardian_email),
        named_at,
        consented_at: Some(now),
        request_id: Some(request.id.clone()),
    };
    if !child.db.child_consent(&child.person.id, &row).await? {
        return Err(AppError::Conflict(
            "The child's account does not wait for a consent: it is not suspended as a child's. Flag it first \
             if it is a child's."
                .into(),
        ));
    }
    let locked = &state.requests.guardians.child_locked;
    super::withdraw_where(
        state,
        &child.db,
        &child.person.id,
        |p| locked.contains(&p.id),
        ConsentMethod::Guardian,
        now,
    )
    .await?;
    let off = locked_names(state);
    let text = format!(
        "Your parent or guardian has consented to your Ward account, and our privacy staff checked that they \
         are your parent or guardian. You can sign in now.\n\nThese stay off while you are under age: {off}. \
         Your parent or guardian can see your account and manage it from their own.\n\n— Ward's privacy staff\n"
    );
    super::mail(state, child_key, &child.person.email_ct, "Your Ward account is open", text).await;
    Ok(Done(format!(
        "The child's account is open. These stay off, and the child cannot switch them on: {off}. To see the \
         account, download its data or delete it, sign in to Ward with {guardian_email} (or open an account with \
         that address) and open Account."
    )))
}

/// The purposes the person cannot switch on because their account is a child's consented to
/// by a guardian (empty for everyone else).
pub async fn locked(state: &AppState, db: &Db, person_id: &str) -> Result<Vec<String>, AppError> {
    let child = consented(db, person_id).await?;
    Ok(if child.is_some() { state.requests.guardians.child_locked.clone() } else { Vec::new() })
}

/// The guardian who consented to the person's account, when it is a child's.
pub async fn consented(db: &Db, person_id: &str) -> Result<Option<ChildGuardianRow>, AppError> {
    Ok(db.child_guardian(person_id).await?.filter(|g| g.consented_at.is_some()))
}

/// The guardian a child's sign-up named and whose consent it still waits for.
pub async fn waiting(db: &Db, person_id: &str) -> Result<Option<ChildGuardianRow>, AppError> {
    Ok(db.child_guardian(person_id).await?.filter(|g| g.consented_at.is_none()))
}

/// The purposes a child's account keeps off, by their names, for the mails about it.
fn locked_names(state: &AppState) -> String {
    let names: Vec<&str> = state
        .requests
        .guardians
        .child_locked
        .iter()
        .filter_map(|id| state.privacy.purpose(id).map(|p| p.name.en.as_str()))
        .collect();
    names.join(", ")
}

/// The one decision of what a guardian may reach from their own account: the child accounts,
/// in any region, whose consent was given from the guardian's address (the keyed hash the
/// guardian's own account holds). Each comes with the child's key.
pub async fn children_of(
    state: &AppState,
    guardian: &PersonRow,
) -> Result<Vec<(crate::store::Found, PersonKey, ChildGuardianRow)>, AppError> {
    let mut out = Vec::new();
    for region in Region::ALL {
        let Some(db) = state.stores.existing_region(region).await? else { continue };
        for g in db.children_of(&guardian.email_hash).await? {
            let (Some(person), Some(key)) =
                (db.person(&g.person_id).await?, state.person_key(&g.person_id).await?)
            else {
                continue;
            };
            out.push((crate::store::Found { region, db: db.clone(), person }, key, g));
        }
    }
    Ok(out)
}

/// One child of the guardian's (see [`children_of`]), with its consent; 404 for any other
/// account.
pub async fn child_of(
    state: &AppState,
    guardian: &PersonRow,
    region: Region,
    id: &str,
) -> Result<(crate::store::Found, PersonKey, ChildGuardianRow), AppError> {
    let db = state.stores.existing_region(region).await?.ok_or(AppError::NotFound)?;
    let g = consented(db, id)
        .await?
        .filter(|g| g.guardian_hash == guardian.email_hash)
        .ok_or(AppError::NotFound)?;
    let person = db.person(id).await?.ok_or(AppError::NotFound)?;
    let key = state.person_key(id).await?.ok_or(AppError::NotFound)?;
    Ok((crate::store::Found { region, db: db.clone(), person }, key, g))
}

/// Writes a guardian's look at or use of a child's account in the child's "who saw my data".
pub async fn log_guardian(
    state: &AppState,
    guardian: &PersonRow,
    child: &crate::store::Found,
    action: AccessAction,
    at: i64,
) -> Result<(), AppError> {
    let access = Access {
        actor: AccessActor::Guardian,
        actor_id: &guardian.id,
        action,
        object_id: &child.person.id,
        at,
    };
    crate::privacy::access::record(state, &child.db, &child.person.id, &access).await
}

// ---- Actual knowledge: an account found to belong to a child ----

/// The account a request is about, for a flag: the person's own, or the child's that a
/// guardian's request leads to (with the guardian's address, to tell them too).
struct Flagged {
    region: Region,
    db: Db,
    person: PersonRow,
    key: PersonKey,
    guardian_email: Option<String>,
}

async fn flagged_account(state: &AppState, o: &super::Opened, region: Region) -> Result<Flagged, AppError> {
    match &o.who {
        super::Who::Person(p) => {
            let key = state.person_key(&p.id).await?.ok_or(AppError::NotFound)?;
            Ok(Flagged { region, db: o.db.clone(), person: p.clone(), key, guardian_email: None })
        }
        super::Who::Requester(r) => {
            let g = o.db.guardian_of(&o.row.id).await?.ok_or_else(|| {
                AppError::Conflict("No account is behind this request: there is nothing to flag.".into())
            })?;
            let (_, found) = child_account(state, &o.key, &g).await?;
            let Some((f, key)) = found else {
                return Err(AppError::Conflict(
                    "No account uses the child's address: there is nothing to flag.".into(),
                ));
            };
            let guardian_email = o.key.open(auth_field::EMAIL, &r.email_ct).ok();
            Ok(Flagged { region: f.region, db: f.db, person: f.person, key, guardian_email })
        }
    }
}

/// Puts the staff's `record` on the request's timeline, and their answer in the flagged
/// account's "who saw my data".
async fn on_record(
    state: &AppState,
    staff_id: &str,
    o: &super::Opened,
    f: &Flagged,
    record: &str,
    at: i64,
) -> Result<(), AppError> {
    let sealed = Some(o.key.seal(request_field::TEXT, record));
    let e = event(&o.row.id, at, RequestActor::Staff, RequestEventKind::Corrected, sealed);
    o.db.request_viewed(&o.row.person_id, &e).await?;
    // Acting on a guardian's request is about the child's account, not a request of theirs.
    let action = if f.guardian_email.is_some() {
        AccessAction::GuardianRequest
    } else {
        AccessAction::RequestAnswered
    };
    let access = Access { actor: AccessActor::Staff, actor_id: staff_id, action, object_id: &o.row.id, at };
    crate::privacy::access::record(state, &f.db, &f.person.id, &access).await
}

/// Flags the account behind request `id` as a child's (`why` on the record): suspended at
/// once (its sessions and live views end, it cannot sign in), deleted after
/// [`registry::CHILD_NOTICE_SECS`](crate::registry::CHILD_NOTICE_SECS) unless the staff lift
/// the flag on verifiable consent. The child, and the guardian who asked, are told.
pub async fn flag(
    state: &AppState,
    staff_id: &str,
    region: Region,
    id: &str,
    why: &str,
) -> Result<(), AppError> {
    let o = super::open(state, region, id).await?;
    let f = flagged_account(state, &o, region).await?;
    let now = state.requests.clock.now();
    let delete_at = now + crate::registry::CHILD_NOTICE_SECS;
    if !f.db.person_flag_child(&f.person.id, now, delete_at).await? {
        return Err(AppError::Conflict("This account is flagged as a child's already.".into()));
    }
    f.db.sessions_delete_all(&f.person.id, None).await?;
    state.devices.hub.end_live_of_person(&f.person.id, None);
    let day = super::day(delete_at);
    let record = format!(
        "Flagged as a child's account: suspended now, deleted on {day} unless a parent or guardian gives \
         verifiable consent first. Why: {why}"
    );
    on_record(state, staff_id, &o, &f, &record, now).await?;
    let min = state.auth.ages.min_age(f.region);
    let text = format!(
        "Ward has learned that this account appears to belong to a child under {min}, the minimum age where \
         you live, without the consent of a parent or guardian.\n\nThe account is suspended: nobody can \
         sign in to it. It will be deleted, with all its data, on {day}, unless a parent or guardian gives \
         their consent first: they can do so at {}.\n\nWhy: {why}\n\n— Ward's privacy staff\n",
        super::app_link(state, "/guardian"),
    );
    super::mail(state, &f.key, &f.person.email_ct, "Your Ward account is suspended", text).await;
    if let Some(to) = f.guardian_email {
        let text = format!(
            "About your request {id}: the child's account is suspended now and will be deleted, with all its \
             data, on {day}, unless you give verifiable consent for it first (add it to your request at {}).\n\n\
             — Ward's privacy staff\n",
            super::app_link(state, &format!("/requests/ask?request={id}")),
        );
        if let Err(err) = state.auth.mailer.send(&to, "The child's account is suspended", text).await {
            tracing::warn!(%err, "a guardian could not be told of a suspension");
        }
    }
    Ok(())
}

/// Lifts the flag on the account behind request `id`: verifiable consent arrived, or the flag
/// was a mistake (`why` on the record). The account holder is told.
pub async fn lift(
    state: &AppState,
    staff_id: &str,
    region: Region,
    id: &str,
    why: &str,
) -> Result<(), AppError> {
    let o = super::open(state, region, id).await?;
    let f = flagged_account(state, &o, region).await?;
    // A child's sign-up opens only with its guardian's consent, which locks what it must.
    if waiting(&f.db, &f.person.id).await?.is_some() {
        return Err(AppError::Conflict(
            "This account waits for a guardian's consent: it opens when you fulfil the guardian's request to \
             consent, not by lifting the flag."
                .into(),
        ));
    }
    if !f.db.person_unflag_child(&f.person.id).await? {
        return Err(AppError::Conflict("This account is not flagged as a child's.".into()));
    }
    let now = state.requests.clock.now();
    let record = format!("The child's-account flag was lifted: the account is active again. Why: {why}");
    on_record(state, staff_id, &o, &f, &record, now).await?;
    let text = format!(
        "Your Ward account is active again: you can sign in as before.\n\nWhy: {why}\n\n— Ward's privacy staff\n"
    );
    super::mail(state, &f.key, &f.person.email_ct, "Your Ward account is active again", text).await;
    Ok(())
}

/// Deletes every account flagged as a child's whose notice ran out by `now` (the same erasure
/// as "Delete my account", its receipt mailed). Answers how many.
pub async fn delete_flagged(state: &AppState, now: i64) -> Result<usize, AppError> {
    let mut deleted = 0;
    for region in Region::ALL {
        let Some(db) = state.stores.existing_region(region).await? else { continue };
        for id in db.people_flagged_due(now).await? {
            let (Some(person), Some(key)) = (db.person(&id).await?, state.person_key(&id).await?) else {
                continue;
            };
            crate::auth::erase::erase(state, region, db, &person, &key, now).await?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rules_load_and_cover_every_region() {
        let g = Guardians::load().expect("guardians.json is valid");
        let rules = g.rules(&AgeRules::default());
        assert_eq!(rules.len(), Region::ALL.len());
        let cn = rules.iter().find(|r| r.region == Region::Cn).unwrap();
        assert_eq!(cn.child_under, 14);
        assert!(!cn.methods.contains(&ProofMethod::SignedForm));
        assert!(rules.iter().all(|r| !r.methods.is_empty() && !r.deadline.en.is_empty()));
    }

    #[test]
    fn a_childs_locked_purposes_are_purposes_a_person_can_switch_off() {
        let g = Guardians::load().unwrap();
        let file: serde_json::Value =
            serde_json::from_str(include_str!("../../privacy/purposes.json")).expect("purposes.json");
        let consented: Vec<&str> = file["purposes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["legal_basis"] == "consent")
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        for id in &g.child_locked {
            assert!(consented.contains(&id.as_str()), "{id} is not a consent purpose of purposes.json");
        }
        assert!(g.child_locked.iter().any(|p| p == "marketing_mail"));
        let rules: Vec<bool> = Region::ALL.into_iter().map(|r| g.child_accounts(r)).collect();
        assert!(
            rules.contains(&true) && rules.contains(&false),
            "some regions allow child accounts: {rules:?}"
        );
    }

    #[test]
    fn a_rule_without_methods_stops_the_server() {
        let text = include_str!("../../privacy/guardians.json")
            .replace(r#""methods": ["id_document", "video_call"]"#, r#""methods": []"#);
        assert!(Guardians::parse(&text).is_err());
    }

    fn upload(bytes: &[u8]) -> ProofUpload {
        ProofUpload { name: "proof".into(), data: STANDARD.encode(bytes) }
    }

    #[test]
    fn a_proof_is_known_by_its_first_bytes() {
        assert_eq!(Proof::parse("proof", &upload(b"%PDF-1.7 ...")).unwrap().media_type, "application/pdf");
        assert_eq!(Proof::parse("proof", &upload(b"\x89PNG\r\n\x1a\n....")).unwrap().media_type, "image/png");
        assert_eq!(
            Proof::parse("proof", &upload(&[0xFF, 0xD8, 0xFF, 0xE0])).unwrap().media_type,
            "image/jpeg"
        );
        let e = Proof::parse("proof", &upload(b"MZ\x90\x00 an executable")).err().unwrap();
        assert_eq!(e.code, FieldErrorCode::FileType);
        let e = Proof::parse("proof", &ProofUpload { name: String::new(), data: "not base64!".into() })
            .err()
            .unwrap();
        assert_eq!(e.code, FieldErrorCode::Malformed);
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_PROOF + 1, b' ');
        assert_eq!(Proof::parse("proof", &upload(&big)).err().unwrap().code, FieldErrorCode::FileSize);
    }
}
