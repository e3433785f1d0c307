//! Rights requests: what a person asks of the privacy staff that self-service cannot do
//! (restriction, objection, correction of what they cannot edit, an explanation, a
//! complaint…), the date their region's law sets for the answer (`deadline`), and the
//! timeline both sides see. Handlers in `crate::http::requests`; rows in
//! `crate::store::requests`; every text sealed with the person's key.

pub mod deadline;
pub mod guardian;
pub mod public;

use ward_model::{AccessAction, AccessActor, ConsentMethod, FieldErrorCode, Region};
use ward_model::{
    QueueCounts, QueueItem, RequestActor, RequestEvent, RequestEventKind, RequestKind, RequestList,
    RequestPerson, RequestQueue, RequestStatus, RightsRequest, StaffAction, StaffCorrection, StaffRequest,
};

use crate::AppState;
use crate::auth::{field as auth_field, rfc3339};
use crate::devices::quota::Clock;
use crate::error::AppError;
use crate::privacy::access::Access;
use crate::store::{Db, PersonRow, QueueFilter, RequestEventRow, RequestRow, RequesterRow, Transition};
use crate::vault::PersonKey;
use deadline::Deadlines;

/// The vault fields of the sealed columns (labels.json names them too).
pub mod field {
    pub const DETAILS: &str = "request_details";
    pub const TEXT: &str = "request_text";
}

/// Open requests one person may have at once: enough for every kind, not a flood.
pub const MAX_OPEN: usize = 20;
/// The longest text a person or the staff may write.
pub const MAX_TEXT: usize = 4000;

/// Why a purpose cannot be switched on while the person's data is restricted.
pub const RESTRICTED: &str = "Your data is restricted at your request: Ward keeps it but uses it only for what \
     your account strictly needs, so nothing can be switched on until you lift the restriction in your \
     privacy center.";

/// Carries out a restriction: every purpose the person could switch off and has on is
/// switched off in their ledger, by `method` (`restriction`, or `guardian` for a verified
/// guardian's prohibition). What remains is what the account strictly needs (contract and
/// legal obligation, and legitimate interests one cannot object to).
async fn withdraw_all(
    state: &AppState,
    db: &Db,
    person_id: &str,
    method: ConsentMethod,
    at: i64,
) -> Result<(), AppError> {
    withdraw_where(state, db, person_id, |_| true, method, at).await
}

/// Withdraws consent to (or objects to) each purpose `which` picks that is on, in one
/// append to the person's ledger.
async fn withdraw_where(
    state: &AppState,
    db: &Db,
    person_id: &str,
    which: impl Fn(&ward_model::Purpose) -> bool,
    method: ConsentMethod,
    at: i64,
) -> Result<(), AppError> {
    let mut ledger = db.ledger(person_id).await?;
    let mut off = Vec::new();
    for purpose in state.privacy.purposes.iter().filter(|p| which(p)) {
        if let Some(e) = state.privacy.change(&ledger, purpose, false, method, at) {
            crate::privacy::push(&mut ledger, &e);
            off.push(e);
        }
    }
    crate::privacy::append(&state.stores.directory, &state.auth.vault, db, person_id, &off, None).await?;
    Ok(())
}

/// The deadline rules, the clock that tests stop and move, and whom to remind of due dates.
pub struct Requests {
    pub deadlines: Deadlines,
    /// What a guardian must show, per region, and when their requests are answered.
    pub guardians: guardian::Guardians,
    pub authorities: Authorities,
    pub clock: Clock,
    /// The privacy staff's addresses (`WARD_PRIVACY_STAFF`).
    staff: Vec<String>,
}

/// Every region's supervisory authority, from `server/privacy/authorities.json`.
#[derive(Debug, Clone)]
pub struct Authorities(std::collections::HashMap<Region, ward_model::Authority>);

impl Authorities {
    /// The shipped file; an authority missing for a region, or an address that is not
    /// `https://`, stops the server.
    pub fn load() -> Result<Authorities, String> {
        #[derive(serde::Deserialize)]
        struct File {
            #[serde(rename = "_comment")]
            _comment: String,
            regions: std::collections::HashMap<String, ward_model::Authority>,
        }
        let file: File = serde_json::from_str(include_str!("../../privacy/authorities.json"))
            .map_err(|e| format!("authorities.json: {e}"))?;
        let mut out = std::collections::HashMap::new();
        for (code, a) in file.regions {
            let region = Region::from_code(&code).ok_or(format!("authorities.json: no region {code}"))?;
            if !a.url.starts_with("https://") || a.name.en.is_empty() || a.name.zh.is_empty() {
                return Err(format!(
                    "authorities.json: {code} needs a name in both languages and an https address"
                ));
            }
            out.insert(region, a);
        }
        match Region::ALL.into_iter().find(|r| !out.contains_key(r)) {
            Some(r) => Err(format!("authorities.json: no authority for {}", r.code())),
            None => Ok(Authorities(out)),
        }
    }

    pub fn of(&self, region: Region) -> &ward_model::Authority {
        self.0.get(&region).expect("load checks every region")
    }
}

impl Requests {
    pub fn load(staff: Vec<String>) -> Result<Requests, String> {
        Ok(Requests {
            deadlines: Deadlines::load()?,
            guardians: guardian::Guardians::load()?,
            authorities: Authorities::load()?,
            clock: Clock::default(),
            staff,
        })
    }

    /// The rule that sets the due date of a request of `kind` in `region`.
    pub fn rule(&self, region: Region, kind: RequestKind) -> &deadline::Rule {
        match kind {
            RequestKind::Guardian => self.guardians.deadlines.rule(region),
            _ => self.deadlines.rule(region),
        }
    }
}

/// How long before its due date the staff are reminded of an open request.
pub const REMIND_BEFORE_SECS: i64 = 3 * 86_400;

/// Mails the privacy staff about each open request due within [`REMIND_BEFORE_SECS`] whose
/// due date they were not reminded of: once per due date, across instances (the mark is set
/// before the mail). The mail names no one: the kind, the region, the date. Answers how many.
pub async fn remind(state: &AppState, now: i64) -> Result<usize, AppError> {
    let mut sent = 0;
    for region in Region::ALL {
        let Some(db) = state.stores.existing_region(region).await? else { continue };
        for (id, kind, due_at) in db.requests_to_remind(now + REMIND_BEFORE_SECS).await? {
            if !db.request_reminded(&id, now).await? {
                continue;
            }
            sent += 1;
            let kind = RequestKind::from_code(&kind).unwrap_or(RequestKind::Complaint);
            let rule = state.requests.rule(region, kind);
            let when = if due_at < now { "was due" } else { "is due" };
            let text = format!(
                "A request {when} by {} ({}): {}, in the {} store.\n\n\
                 Open it in Ward under Account → Requests queue (privacy staff); its id is {id}.\n",
                rfc3339(due_at),
                rule.words.en.trim_end_matches('.'),
                kind_words(kind),
                region.code(),
            );
            for to in &state.requests.staff {
                if let Err(err) = state.auth.mailer.send(to, "A request is due soon", text.clone()).await {
                    tracing::warn!(%err, "a reminder to the privacy staff could not be sent");
                }
            }
        }
    }
    Ok(sent)
}

/// Runs [`remind`] and [`guardian::delete_flagged`] at start and hourly.
pub async fn reminder_job(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        let started = std::time::Instant::now();
        match remind(&state, state.requests.clock.now()).await {
            // `cargo xtask bench requests` reads this line for the job's time.
            Ok(sent) => {
                tracing::info!(
                    sent,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "rights request reminders"
                )
            }
            Err(err) => tracing::warn!(%err, "rights request reminders failed"),
        }
        match guardian::delete_flagged(&state, state.requests.clock.now()).await {
            Ok(n) => tracing::debug!(n, "children's accounts deleted after their notice"),
            Err(err) => tracing::warn!(%err, "children's accounts could not be deleted"),
        }
    }
}

/// A text someone wrote: trimmed, 1 to [`MAX_TEXT`] characters.
pub struct Text(String);

impl Text {
    pub fn parse(field: &str, raw: &str) -> Result<Text, AppError> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(AppError::field(
                field,
                FieldErrorCode::Required,
                "Write what you ask, in a few words.",
            ));
        }
        if t.chars().count() > MAX_TEXT {
            return Err(AppError::field(
                field,
                FieldErrorCode::TooLong,
                format!("At most {MAX_TEXT} characters, please."),
            ));
        }
        Ok(Text(t.to_string()))
    }

    /// [`Text::parse`] among other fields: the text, or `None` with its error collected.
    pub fn take(fields: &mut crate::error::Fields, field: &str, raw: &str) -> Option<Text> {
        match Text::parse(field, raw) {
            Ok(t) => Some(t),
            Err(AppError::Validation(e)) => {
                fields.0.extend(e);
                None
            }
            Err(_) => None,
        }
    }
}

/// Who is asking and where their data lives.
pub struct Subject<'a> {
    pub region: Region,
    pub db: &'a Db,
    pub person_id: &'a str,
    pub key: &'a PersonKey,
}

fn kind_of(row: &RequestRow) -> RequestKind {
    RequestKind::from_code(&row.kind).unwrap_or(RequestKind::Complaint)
}

fn status_of(row: &RequestRow) -> RequestStatus {
    RequestStatus::from_code(&row.status).unwrap_or(RequestStatus::Open)
}

fn event(
    request_id: &str,
    at: i64,
    by: RequestActor,
    kind: RequestEventKind,
    text: Option<Vec<u8>>,
) -> RequestEventRow {
    let actor = match by {
        RequestActor::Person => "person",
        RequestActor::Staff => "staff",
    };
    RequestEventRow {
        request_id: request_id.into(),
        at,
        actor: actor.into(),
        kind: kind.code().into(),
        text_ct: text,
    }
}

/// Who reads a request: the person never sees the staff's notes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    Person,
    Staff,
}

fn wire(
    state: &AppState,
    region: Region,
    row: &RequestRow,
    events: &[RequestEventRow],
    key: &PersonKey,
    reader: Reader,
) -> RightsRequest {
    let timeline = events
        .iter()
        .filter(|e| e.request_id == row.id)
        .filter(|e| reader == Reader::Staff || e.kind != RequestEventKind::Note.code())
        .map(|e| RequestEvent {
            at: rfc3339(e.at),
            by: if e.actor == "staff" { RequestActor::Staff } else { RequestActor::Person },
            kind: RequestEventKind::from_code(&e.kind).unwrap_or(RequestEventKind::Information),
            text: e.text_ct.as_ref().map(|ct| key.open(field::TEXT, ct).unwrap_or_default()),
        })
        .collect();
    RightsRequest {
        id: row.id.clone(),
        kind: kind_of(row),
        status: status_of(row),
        filed_at: rfc3339(row.filed_at),
        due_at: rfc3339(row.due_at),
        rule: state.requests.rule(region, kind_of(row)).words.clone(),
        details: key.open(field::DETAILS, &row.details_ct).unwrap_or_default(),
        timeline,
    }
}

/// The kind of request in the mails' words.
fn kind_words(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Access => "a copy of your data",
        RequestKind::Rectification => "to correct your data",
        RequestKind::Erasure => "to delete your data",
        RequestKind::Restriction => "to restrict the use of your data",
        RequestKind::Objection => "to object to a use of your data",
        RequestKind::Explanation => "an explanation of an automated decision",
        RequestKind::Withdrawal => "to withdraw a consent",
        RequestKind::Complaint => "your complaint",
        RequestKind::Guardian => "about a child's data, as their parent or guardian",
    }
}

fn day(unix: i64) -> String {
    rfc3339(unix).get(..10).unwrap_or_default().to_string()
}

/// Mails the person; a mail that cannot go is logged, never a reason to undo the request.
async fn mail(state: &AppState, key: &PersonKey, email_ct: &[u8], subject: &str, text: String) {
    let sent = match key.open(auth_field::EMAIL, email_ct) {
        Ok(email) => state.auth.mailer.send(&email, subject, text).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(err) = sent {
        tracing::warn!(%err, subject, "a request's mail could not be sent");
    }
}

const FOLLOW: &str = "You can follow it, add information or withdraw it under Account → Privacy → Requests.";

/// An address of the app, absolute when the server knows its public address.
fn app_link(state: &AppState, path: &str) -> String {
    match &state.auth.public_url {
        Some(u) => format!("{}{path}", u.as_str().trim_end_matches('/')),
        None => path.to_string(),
    }
}

/// Whom a request is about: an account, or someone who filed without one.
pub(crate) enum Who {
    Person(PersonRow),
    Requester(RequesterRow),
}

impl Who {
    async fn load(db: &Db, id: &str) -> Result<Option<Who>, AppError> {
        if let Some(p) = db.person(id).await? {
            return Ok(Some(Who::Person(p)));
        }
        Ok(db.requester(id).await?.map(Who::Requester))
    }

    fn email_ct(&self) -> &[u8] {
        match self {
            Who::Person(p) => &p.email_ct,
            Who::Requester(r) => &r.email_ct,
        }
    }

    /// Where the person follows their request `id`, in a mail: their account, or (without
    /// one) the public page, which mails them a code.
    fn follow(&self, state: &AppState, id: &str) -> String {
        match self {
            Who::Person(_) => FOLLOW.into(),
            Who::Requester(_) => format!(
                "We will write to this address with each answer. To add information, open {} (we will email \
                 you a code).",
                app_link(state, &format!("/requests/ask?request={id}"))
            ),
        }
    }

    fn person(&self) -> Option<&PersonRow> {
        match self {
            Who::Person(p) => Some(p),
            Who::Requester(_) => None,
        }
    }
}

/// At most [`MAX_OPEN`] open requests per person (a field error on `kind`).
async fn check_open(db: &Db, person_id: &str) -> Result<(), AppError> {
    let open = db.requests_of(person_id).await?.iter().filter(|r| status_of(r).is_open()).count();
    if open >= MAX_OPEN {
        return Err(AppError::field(
            "kind",
            FieldErrorCode::TooMany,
            format!(
                "You have {MAX_OPEN} requests waiting for an answer; withdraw one or wait for the answers."
            ),
        ));
    }
    Ok(())
}

/// Files a request; the person is mailed a receipt with the due date.
pub async fn file(
    state: &AppState,
    who: &Subject<'_>,
    kind: RequestKind,
    details: Text,
) -> Result<RightsRequest, AppError> {
    if kind == RequestKind::Guardian {
        return Err(AppError::field(
            "kind",
            FieldErrorCode::NotChoosable,
            "A parent or guardian asks about a child's data on the guardian page, not here.",
        ));
    }
    check_open(who.db, who.person_id).await?;
    let now = state.requests.clock.now();
    let rule = state.requests.rule(who.region, kind);
    let row = RequestRow {
        id: uuid::Uuid::new_v4().to_string(),
        person_id: who.person_id.into(),
        kind: kind.code().into(),
        status: RequestStatus::Open.code().into(),
        details_ct: who.key.seal(field::DETAILS, &details.0),
        filed_at: now,
        due_at: rule.due(now),
        closed_at: None,
    };
    let filed = event(&row.id, now, RequestActor::Person, RequestEventKind::Filed, None);
    who.db.request_insert(&row, &filed).await?;
    if let Some(to) = Who::load(who.db, who.person_id).await? {
        let text = format!(
            "We received your request: {}.\n\nWe will answer by {} ({})\n\n{}\n\n— Ward's privacy staff\n",
            kind_words(kind),
            day(row.due_at),
            rule.words.en.trim_end_matches('.'),
            to.follow(state, &row.id),
        );
        mail(state, who.key, to.email_ct(), "We received your request", text).await;
    }
    Ok(wire(state, who.region, &row, &[filed], who.key, Reader::Person))
}

/// The person's requests, newest first, with their timelines.
pub async fn list(state: &AppState, who: &Subject<'_>) -> Result<RequestList, AppError> {
    let rows = who.db.requests_of(who.person_id).await?;
    let events = who.db.request_events_of(who.person_id).await?;
    let requests =
        rows.iter().map(|r| wire(state, who.region, r, &events, who.key, Reader::Person)).collect();
    Ok(RequestList { requests, authority: state.requests.authorities.of(who.region).clone() })
}

/// The person's own request, or 404 (someone else's looks the same as none).
async fn own(who: &Subject<'_>, id: &str) -> Result<RequestRow, AppError> {
    match who.db.request_by_id(id).await? {
        Some(row) if row.person_id == who.person_id => Ok(row),
        _ => Err(AppError::NotFound),
    }
}

async fn reread(state: &AppState, who: &Subject<'_>, id: &str) -> Result<RightsRequest, AppError> {
    let row = own(who, id).await?;
    let events = who.db.request_events(id).await?;
    Ok(wire(state, who.region, &row, &events, who.key, Reader::Person))
}

fn closed() -> AppError {
    AppError::Conflict("This request has been answered or withdrawn already.".into())
}

/// The person adds information to an open request.
pub async fn add_information(
    state: &AppState,
    who: &Subject<'_>,
    id: &str,
    text: Text,
) -> Result<RightsRequest, AppError> {
    own(who, id).await?;
    let at = state.requests.clock.now();
    let e = event(
        id,
        at,
        RequestActor::Person,
        RequestEventKind::Information,
        Some(who.key.seal(field::TEXT, &text.0)),
    );
    if !who.db.request_note(who.person_id, &e).await? {
        return Err(closed());
    }
    reread(state, who, id).await
}

/// The person withdraws an open request.
pub async fn withdraw(state: &AppState, who: &Subject<'_>, id: &str) -> Result<RightsRequest, AppError> {
    own(who, id).await?;
    let at = state.requests.clock.now();
    let t = Transition { from: &["open", "extended"], to: "withdrawn", due_at: None, closed_at: Some(at) };
    let e = event(id, at, RequestActor::Person, RequestEventKind::Withdrawn, None);
    if !who.db.request_transition(who.person_id, &t, &e).await? {
        return Err(closed());
    }
    reread(state, who, id).await
}

/// The person lifts the restriction they asked for: Ward may use their data again for what
/// they switch on (nothing is switched on for them). 409 when nothing is restricted.
pub async fn lift_restriction(state: &AppState, who: &Subject<'_>) -> Result<(), AppError> {
    let at = state.requests.clock.now();
    let e = event("", at, RequestActor::Person, RequestEventKind::Lifted, None);
    if !who.db.restriction_lift(who.person_id, &e).await? {
        if who.db.restricted_since(who.person_id).await?.is_some() {
            return Err(AppError::Conflict(
                "Your parent or guardian asked for this restriction: only Ward's privacy staff can lift it."
                    .into(),
            ));
        }
        return Err(AppError::Conflict("Nothing of yours is restricted.".into()));
    }
    Ok(())
}

// ---- The staff's side ----

/// The first `limit` requests of every region by due date, and the counts per status.
pub async fn queue(
    state: &AppState,
    region: Option<Region>,
    filter: &QueueFilter,
    limit: u32,
) -> Result<RequestQueue, AppError> {
    let now = state.requests.clock.now();
    let mut items = Vec::new();
    let mut counts = QueueCounts::default();
    let regions: Vec<Region> = match region {
        Some(r) => vec![r],
        None => Region::ALL.to_vec(),
    };
    for r in regions {
        let Some(db) = state.stores.existing_region(r).await? else { continue };
        for row in db.request_queue(filter, now, limit).await? {
            let status = RequestStatus::from_code(&row.status).unwrap_or(RequestStatus::Open);
            items.push(QueueItem {
                overdue: status.is_open() && row.due_at < now,
                kind: RequestKind::from_code(&row.kind).unwrap_or(RequestKind::Complaint),
                status,
                filed_at: rfc3339(row.filed_at),
                due_at: rfc3339(row.due_at),
                region: r,
                id: row.id,
            });
        }
        for (status, n, overdue) in db.request_counts(filter, now).await? {
            let n = n as u64;
            match RequestStatus::from_code(&status) {
                Some(RequestStatus::Open) => counts.open += n,
                Some(RequestStatus::Extended) => counts.extended += n,
                Some(RequestStatus::Fulfilled) => counts.fulfilled += n,
                Some(RequestStatus::Refused) => counts.refused += n,
                Some(RequestStatus::Withdrawn) => counts.withdrawn += n,
                None => {}
            }
            counts.overdue += overdue as u64;
        }
    }
    // RFC 3339 in UTC sorts as the time does.
    items.sort_by(|a, b| (&a.due_at, &a.id).cmp(&(&b.due_at, &b.id)));
    items.truncate(limit as usize);
    Ok(RequestQueue { items, counts })
}

/// A request, its person and their key, for the staff.
pub(crate) struct Opened {
    db: Db,
    row: RequestRow,
    key: PersonKey,
    who: Who,
}

pub(crate) async fn open(state: &AppState, region: Region, id: &str) -> Result<Opened, AppError> {
    let db = state.stores.existing_region(region).await?.ok_or(AppError::NotFound)?.clone();
    let row = db.request_by_id(id).await?.ok_or(AppError::NotFound)?;
    let key = state.person_key(&row.person_id).await?.ok_or(AppError::NotFound)?;
    let who = Who::load(&db, &row.person_id).await?.ok_or(AppError::NotFound)?;
    if let Who::Requester(r) = &who {
        // The staff at work on it: the requester's retention starts again.
        db.requester_touch(&r.id, state.requests.clock.now()).await?;
    }
    Ok(Opened { db, row, key, who })
}

async fn staff_view(state: &AppState, region: Region, o: &Opened) -> Result<StaffRequest, AppError> {
    let events = o.db.request_events(&o.row.id).await?;
    let status = status_of(&o.row);
    let now = state.requests.clock.now();
    let rule = state.requests.rule(region, kind_of(&o.row));
    let guardian = match kind_of(&o.row) {
        RequestKind::Guardian => guardian::case(state, &o.db, &o.row.id, &o.key).await?,
        _ => None,
    };
    Ok(StaffRequest {
        guardian,
        region,
        can_extend: status == RequestStatus::Open
            && rule.extended(o.row.due_at).is_some()
            && now <= o.row.due_at,
        person: match &o.who {
            Who::Person(p) => RequestPerson {
                name: o.key.open(auth_field::NAME, &p.name_ct).unwrap_or_default(),
                email: o.key.open(auth_field::EMAIL, &p.email_ct).unwrap_or_default(),
                email_verified: p.email_verified,
                account_since: Some(rfc3339(p.created_at)),
                child_delete_at: p.child_delete_at.map(rfc3339),
            },
            Who::Requester(r) => RequestPerson {
                name: o.key.open(auth_field::NAME, &r.name_ct).unwrap_or_default(),
                email: o.key.open(auth_field::EMAIL, &r.email_ct).unwrap_or_default(),
                // The mailed code proved it.
                email_verified: true,
                account_since: None,
                child_delete_at: None,
            },
        },
        request: wire(state, region, &o.row, &events, &o.key, Reader::Staff),
    })
}

/// Writes a staff member's access to the person's request into their "who saw my data" log.
async fn log_access(
    state: &AppState,
    o: &Opened,
    staff_id: &str,
    action: AccessAction,
    at: i64,
) -> Result<(), AppError> {
    // Someone without an account has no "who saw my data"; their timeline shows the staff.
    if o.who.person().is_none() {
        return Ok(());
    }
    let access = Access { actor: AccessActor::Staff, actor_id: staff_id, action, object_id: &o.row.id, at };
    crate::privacy::access::record(state, &o.db, &o.row.person_id, &access).await
}

/// The staff member `staff_id` opens a request and the person's details; the person sees
/// that they did, on the request's timeline and in "who saw my data".
pub async fn open_for_staff(
    state: &AppState,
    staff_id: &str,
    region: Region,
    id: &str,
) -> Result<StaffRequest, AppError> {
    let o = open(state, region, id).await?;
    let now = state.requests.clock.now();
    let e = event(id, now, RequestActor::Staff, RequestEventKind::Viewed, None);
    o.db.request_viewed(&o.row.person_id, &e).await?;
    log_access(state, &o, staff_id, AccessAction::RequestOpened, now).await?;
    if kind_of(&o.row) == RequestKind::Guardian {
        guardian::log_opened(state, staff_id, &o.db, id, &o.key, now).await?;
    }
    staff_view(state, region, &o).await
}

/// The staff's decision: extend (once, before the due date, where the law allows), fulfil or
/// refuse, each with its text, mailed to the person.
pub async fn decide(
    state: &AppState,
    staff_id: &str,
    region: Region,
    id: &str,
    action: StaffAction,
    text: Text,
) -> Result<StaffRequest, AppError> {
    let o = open(state, region, id).await?;
    let now = state.requests.clock.now();
    let sealed = Some(o.key.seal(field::TEXT, &text.0));
    let (t, kind, subject, mail_text) = match action {
        StaffAction::Extend => {
            let rule = state.requests.rule(region, kind_of(&o.row));
            let Some(until) = rule.extended(o.row.due_at) else {
                return Err(AppError::Conflict(format!(
                    "The rule of this region allows no extension: {}",
                    rule.words.en
                )));
            };
            if status_of(&o.row) != RequestStatus::Open || now > o.row.due_at {
                return Err(AppError::Conflict(
                    "A request can be extended once, before its due date.".into(),
                ));
            }
            let body = format!(
                "We need more time to answer your request ({}).\n\nWhy: {}\n\nWe will answer by {}.\n\n{}\n\n— Ward's privacy staff\n",
                kind_words(kind_of(&o.row)),
                text.0,
                day(until),
                o.who.follow(state, id),
            );
            let t = Transition { from: &["open"], to: "extended", due_at: Some(until), closed_at: None };
            (t, RequestEventKind::Extended, "Your request will take longer", body)
        }
        StaffAction::Fulfil => {
            // What self-service does runs only for an account; without one there is nothing
            // to restrict, export or erase but the request itself.
            let account = o.who.person().is_some();
            let restriction = kind_of(&o.row) == RequestKind::Restriction;
            if account && restriction && status_of(&o.row).is_open() {
                // Before the request closes: withdrawing more than asked is the safe side of
                // a failure between the two writes.
                withdraw_all(state, &o.db, &o.row.person_id, ConsentMethod::Restriction, now).await?;
            }
            if account && kind_of(&o.row) == RequestKind::Access && status_of(&o.row).is_open() {
                // The same archive as "Download my data"; one being built already serves.
                let lang = crate::export::Lang::En;
                match crate::export::start(state, region, &o.db, &o.row.person_id, None, lang, now).await {
                    Ok(_) | Err(AppError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            // A verified guardian's request is carried out on the child's account first: a
            // failure leaves the request open.
            let guardian_done = match kind_of(&o.row) {
                RequestKind::Guardian if status_of(&o.row).is_open() => {
                    let done = guardian::carry_out(state, region, &o.db, &o.row, &o.key, now).await?;
                    format!("{}\n\n", done.0)
                }
                _ => String::new(),
            };
            let body = format!(
                "Your request ({}) is done.\n\n{}\n\n{guardian_done}{}— Ward's privacy staff\n",
                kind_words(kind_of(&o.row)),
                text.0,
                match kind_of(&o.row) {
                    _ if !account => "",
                    RequestKind::Restriction => {
                        "Ward now keeps your data but uses it only for what your account strictly needs: every \
                         purpose you could switch off is off, as your privacy center shows.\n\n"
                    }
                    RequestKind::Access => {
                        "We are building the archive of everything Ward holds about you; we will mail you when it \
                         is ready to download under Account → My data (you will be asked for your password).\n\n"
                    }
                    RequestKind::Erasure => {
                        "Your account and the personal data it held are being deleted now; the deletion receipt \
                         follows in a separate mail.\n\n"
                    }
                    _ => "",
                },
            );
            let t = Transition {
                from: &["open", "extended"],
                to: "fulfilled",
                due_at: None,
                closed_at: Some(now),
            };
            (t, RequestEventKind::Fulfilled, "Your request is done", body)
        }
        StaffAction::Refuse => {
            let body = format!(
                "We cannot do what you asked ({}).\n\nWhy: {}\n\nIf you disagree, you can file a complaint {}, \
                 or complain to {} ({}).\n\n— Ward's privacy staff\n",
                kind_words(kind_of(&o.row)),
                text.0,
                match o.who {
                    Who::Person(_) => "under Account → Privacy → Requests".to_string(),
                    Who::Requester(_) => format!("at {}", app_link(state, "/requests/ask")),
                },
                state.requests.authorities.of(region).name.en,
                state.requests.authorities.of(region).url,
            );
            let t =
                Transition { from: &["open", "extended"], to: "refused", due_at: None, closed_at: Some(now) };
            (t, RequestEventKind::Refused, "Your request was refused", body)
        }
    };
    let e = event(id, now, RequestActor::Staff, kind, sealed);
    if !o.db.request_transition(&o.row.person_id, &t, &e).await? {
        return Err(closed());
    }
    log_access(state, &o, staff_id, AccessAction::RequestAnswered, now).await?;
    if action != StaffAction::Extend && kind_of(&o.row) == RequestKind::Guardian {
        // Decided: a guardian's proof is kept the registry's short period from now (no other
        // kind of request has one).
        o.db.proof_decided(id, now).await?;
    }
    mail(state, &o.key, o.who.email_ct(), subject, mail_text).await;
    let row = o.db.request_by_id(id).await?.ok_or(AppError::NotFound)?;
    let erase = action == StaffAction::Fulfil && kind_of(&row) == RequestKind::Erasure;
    let o = Opened { row, ..o };
    // The answer as it stands now: an erasure takes the request away with the account.
    let view = staff_view(state, region, &o).await?;
    if let (true, Some(person)) = (erase, o.who.person()) {
        // The same erasure as the person's own "Delete my account", with its receipt mailed.
        crate::auth::erase::erase(state, region, &o.db, person, &o.key, now).await?;
    }
    Ok(view)
}

/// The staff correct what an open rectification request asks and the person cannot change
/// themselves: the date of birth, or the home region (every record moves, `auth::relocate`).
/// The request stays open for the staff's answer; its timeline says what was corrected.
pub async fn correct(
    state: &AppState,
    staff_id: &str,
    region: Region,
    id: &str,
    correction: StaffCorrection,
) -> Result<StaffRequest, AppError> {
    let o = open(state, region, id).await?;
    if kind_of(&o.row) != RequestKind::Rectification {
        return Err(AppError::Conflict(
            "Only a rectification request corrects data; this one asks something else.".into(),
        ));
    }
    if !status_of(&o.row).is_open() {
        return Err(closed());
    }
    let Some(person) = o.who.person() else {
        return Err(AppError::Conflict(
            "No account is behind this request: Ward holds nothing of theirs to correct.".into(),
        ));
    };
    let now = state.requests.clock.now();
    let (now_in, text) = match correction {
        StaffCorrection::BirthDate { birth_date } => {
            let today = crate::auth::input::today();
            let date = crate::auth::input::BirthDate::parse("birth_date", &birth_date, today)
                .map_err(|e| AppError::Validation(vec![e]))?;
            let min = state.auth.ages.min_age(region);
            let sealed = o.key.seal(auth_field::BIRTH_DATE, &date.to_iso());
            if date.age_on(today) < min {
                // Actual knowledge that the account is a child's: corrected, and flagged.
                o.db.person_set_birth_date(&person.id, &sealed).await?;
                let why = format!("Date of birth corrected to {}: younger than {min}.", date.to_iso());
                guardian::flag(state, staff_id, region, id, &why).await?;
                return staff_view(state, region, &open(state, region, id).await?).await;
            }
            o.db.person_set_birth_date(&person.id, &sealed).await?;
            (region, format!("Date of birth corrected to {}.", date.to_iso()))
        }
        StaffCorrection::HomeRegion { region: to } => {
            crate::auth::relocate::relocate(state, region, &o.db, person, &o.key, to, now).await?;
            let text = format!(
                "Home region moved from {} to {}: every record was copied to the new region's store and \
                 deleted from the old one.",
                region.code(),
                to.code()
            );
            (to, text)
        }
    };
    let o = open(state, now_in, id).await?;
    let e = event(
        id,
        now,
        RequestActor::Staff,
        RequestEventKind::Corrected,
        Some(o.key.seal(field::TEXT, &text)),
    );
    o.db.request_viewed(&o.row.person_id, &e).await?;
    log_access(state, &o, staff_id, AccessAction::RequestAnswered, now).await?;
    staff_view(state, now_in, &o).await
}

/// The staff ask the person for more (information, stronger proof of identity where the law
/// asks): on the person's timeline and by mail, with where to answer. The request stays open.
pub async fn ask(
    state: &AppState,
    staff_id: &str,
    region: Region,
    id: &str,
    text: Text,
) -> Result<StaffRequest, AppError> {
    let o = open(state, region, id).await?;
    let now = state.requests.clock.now();
    let e =
        event(id, now, RequestActor::Staff, RequestEventKind::Asked, Some(o.key.seal(field::TEXT, &text.0)));
    if !o.db.request_note(&o.row.person_id, &e).await? {
        return Err(closed());
    }
    log_access(state, &o, staff_id, AccessAction::RequestAnswered, now).await?;
    let where_to = match o.who {
        Who::Person(_) => "Add it to your request under Account → Privacy → Requests.".to_string(),
        Who::Requester(_) => format!(
            "Add it at {} (we will email you a code to prove the address is yours).",
            app_link(state, &format!("/requests/ask?request={id}"))
        ),
    };
    let body = format!(
        "To answer your request ({}), we need more from you:\n\n{}\n\n{where_to}\n\n— Ward's privacy staff\n",
        kind_words(kind_of(&o.row)),
        text.0,
    );
    mail(state, &o.key, o.who.email_ct(), "We need more to answer your request", body).await;
    let row = o.db.request_by_id(id).await?.ok_or(AppError::NotFound)?;
    staff_view(state, region, &Opened { row, ..o }).await
}

/// A note between the privacy staff on a request, whatever its status; the person never
/// sees it (it is in their export, as everything about them is).
pub async fn note(state: &AppState, region: Region, id: &str, text: Text) -> Result<StaffRequest, AppError> {
    let o = open(state, region, id).await?;
    let now = state.requests.clock.now();
    let e =
        event(id, now, RequestActor::Staff, RequestEventKind::Note, Some(o.key.seal(field::TEXT, &text.0)));
    // Not an access of its own: the staff's opening of the request is in the access log.
    o.db.request_viewed(&o.row.person_id, &e).await?;
    staff_view(state, region, &o).await
}

/// Brings an open request's due date forward, never back: the staff may tighten the law's
/// deadline, not loosen it. The person is told, with the reason.
pub async fn tighten(
    state: &AppState,
    staff_id: &str,
    region: Region,
    id: &str,
    due_raw: &str,
    text: Text,
) -> Result<StaffRequest, AppError> {
    let o = open(state, region, id).await?;
    let now = state.requests.clock.now();
    let due = time::OffsetDateTime::parse(due_raw.trim(), &time::format_description::well_known::Rfc3339)
        .map_err(|_| {
            AppError::field(
                "due_at",
                FieldErrorCode::Malformed,
                "A date and time, such as 2027-01-31T17:00:00Z.",
            )
        })?
        .unix_timestamp();
    let status = status_of(&o.row);
    if !status.is_open() {
        return Err(closed());
    }
    if due >= o.row.due_at || due <= now {
        return Err(AppError::field(
            "due_at",
            FieldErrorCode::Invalid,
            format!(
                "Between now and {}: a due date can be brought forward, never put back.",
                rfc3339(o.row.due_at)
            ),
        ));
    }
    let sealed = Some(o.key.seal(field::TEXT, &text.0));
    let t = Transition { from: &[status.code()], to: status.code(), due_at: Some(due), closed_at: None };
    let e = event(id, now, RequestActor::Staff, RequestEventKind::Tightened, sealed);
    if !o.db.request_transition(&o.row.person_id, &t, &e).await? {
        return Err(closed());
    }
    log_access(state, &o, staff_id, AccessAction::RequestAnswered, now).await?;
    let body = format!(
        "We will answer your request ({}) sooner: by {}.\n\n{}\n\n{}\n\n— Ward's privacy staff\n",
        kind_words(kind_of(&o.row)),
        day(due),
        text.0,
        o.who.follow(state, id),
    );
    mail(state, &o.key, o.who.email_ct(), "We will answer your request sooner", body).await;
    let row = o.db.request_by_id(id).await?.ok_or(AppError::NotFound)?;
    staff_view(state, region, &Opened { row, ..o }).await
}

/// The staff flag the account behind a request as a child's, or lift the flag
/// (`guardian::flag`, `guardian::lift`); the request's timeline records it either way.
pub async fn child_flag(
    state: &AppState,
    staff_id: &str,
    region: Region,
    id: &str,
    action: ward_model::ChildFlagAction,
    text: Text,
) -> Result<StaffRequest, AppError> {
    match action {
        ward_model::ChildFlagAction::Flag => guardian::flag(state, staff_id, region, id, &text.0).await?,
        ward_model::ChildFlagAction::Lift => guardian::lift(state, staff_id, region, id, &text.0).await?,
    }
    staff_view(state, region, &open(state, region, id).await?).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_has_a_supervisory_authority_with_an_https_address() {
        let a = Authorities::load().expect("authorities.json is valid");
        for r in Region::ALL {
            assert!(a.of(r).url.starts_with("https://"), "{}", r.code());
        }
    }
}
