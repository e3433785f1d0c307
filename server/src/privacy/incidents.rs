//! Breach notices: the privacy staff record an incident (what happened, to which kinds of
//! data, and a query that finds the people concerned: home regions, a time window, a
//! feature), see the 72-hour clock for the supervisory authority (GDPR art. 33(1)), notify
//! the people concerned by mail and by a notice they find in the privacy center, record when
//! the authority was told, and download the report for it. Incidents live in the directory
//! (they name no one); the notices in each person's region store.

use ward_model::{
    BreachNotice, FieldErrorCode, Incident, IncidentFeature, IncidentList, IncidentNew, Localized,
    NoticeList, PersonalCategory, Region,
};

use crate::AppState;
use crate::auth::{field as auth_field, rfc3339};
use crate::error::{AppError, Fields};
use crate::store::{Db, IncidentRow};

/// Hours the staff have, from discovery, to tell the supervisory authority.
pub const AUTHORITY_HOURS: i64 = 72;
const MAX_TITLE: usize = 200;
const MAX_DESCRIPTION: usize = 8000;

/// An incident as the staff described it, every field checked.
pub struct NewIncident {
    title: String,
    description: String,
    categories: Vec<PersonalCategory>,
    regions: Vec<Region>,
    feature: IncidentFeature,
    from: i64,
    to: i64,
    discovered_at: i64,
}

fn text(f: &mut Fields, name: &str, raw: &str, max: usize) -> Option<String> {
    let t = raw.trim();
    if t.is_empty() {
        f.push(name, FieldErrorCode::Required, "Write it, please: the people concerned will read it.");
        None
    } else if t.chars().count() > max {
        f.push(name, FieldErrorCode::TooLong, format!("At most {max} characters, please."));
        None
    } else {
        Some(t.to_string())
    }
}

fn time(f: &mut Fields, name: &str, raw: &str) -> Option<i64> {
    match time::OffsetDateTime::parse(raw.trim(), &time::format_description::well_known::Rfc3339) {
        Ok(t) => Some(t.unix_timestamp()),
        Err(_) => {
            f.push(name, FieldErrorCode::Malformed, "A date and time, such as 2026-12-01T09:30:00Z.");
            None
        }
    }
}

fn distinct<T: Ord + Copy>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

impl NewIncident {
    /// Every problem at once; `now` bounds the times (nothing is discovered in the future).
    pub fn parse(n: &IncidentNew, now: i64) -> Result<NewIncident, AppError> {
        let mut f = Fields::default();
        let title = text(&mut f, "title", &n.title, MAX_TITLE);
        let description = text(&mut f, "description", &n.description, MAX_DESCRIPTION);
        if n.categories.is_empty() {
            f.push("categories", FieldErrorCode::Required, "Choose the kinds of data concerned.");
        }
        if n.regions.is_empty() {
            f.push("regions", FieldErrorCode::Required, "Choose the home regions of the people concerned.");
        }
        let from = time(&mut f, "window_from", &n.window_from);
        let to = time(&mut f, "window_to", &n.window_to);
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            f.push("window_to", FieldErrorCode::Invalid, "The window ends after it starts.");
        }
        let discovered_at = time(&mut f, "discovered_at", &n.discovered_at);
        if discovered_at.is_some_and(|d| d > now) {
            f.push("discovered_at", FieldErrorCode::Future, "An incident is discovered by now, not later.");
        }
        f.check()?;
        let (Some(title), Some(description), Some(from), Some(to), Some(discovered_at)) =
            (title, description, from, to, discovered_at)
        else {
            return Err(AppError::internal("a checked incident lacks a field"));
        };
        Ok(NewIncident {
            title,
            description,
            categories: distinct(n.categories.clone()),
            regions: distinct(n.regions.clone()),
            feature: n.feature,
            from,
            to,
            discovered_at,
        })
    }
}

fn codes<T>(v: &[T], code: impl Fn(&T) -> &'static str) -> String {
    v.iter().map(code).collect::<Vec<_>>().join(",")
}

fn categories_of(row: &IncidentRow) -> Vec<PersonalCategory> {
    row.categories.split(',').filter_map(PersonalCategory::from_code).collect()
}

fn regions_of(row: &IncidentRow) -> Vec<Region> {
    row.regions.split(',').filter_map(Region::from_code).collect()
}

fn feature_of(row: &IncidentRow) -> IncidentFeature {
    IncidentFeature::from_code(&row.feature).unwrap_or(IncidentFeature::Accounts)
}

fn wire(row: &IncidentRow) -> Incident {
    Incident {
        id: row.id.clone(),
        title: row.title.clone(),
        description: row.description.clone(),
        categories: categories_of(row),
        regions: regions_of(row),
        feature: feature_of(row),
        window_from: rfc3339(row.window_from),
        window_to: rfc3339(row.window_to),
        discovered_at: rfc3339(row.discovered_at),
        recorded_at: rfc3339(row.recorded_at),
        authority_due_at: rfc3339(row.discovered_at + AUTHORITY_HOURS * 3600),
        authority_notified_at: row.authority_notified_at.map(rfc3339),
        people_notified_at: row.people_notified_at.map(rfc3339),
        affected: row.affected.max(0) as u64,
    }
}

/// The region stores an incident's query runs in: those of its regions that exist.
async fn stores(state: &AppState, regions: &[Region]) -> Result<Vec<Db>, AppError> {
    let mut out = Vec::new();
    for r in regions {
        if let Some(db) = state.stores.existing_region(*r).await? {
            out.push(db.clone());
        }
    }
    Ok(out)
}

/// Records an incident, with how many people its query finds now (none are told yet).
pub async fn record(state: &AppState, n: NewIncident, now: i64) -> Result<Incident, AppError> {
    let mut affected = 0;
    for db in stores(state, &n.regions).await? {
        affected += db.incident_affected(n.feature, n.from, n.to).await?.len() as i64;
    }
    let row = IncidentRow {
        id: uuid::Uuid::new_v4().to_string(),
        title: n.title,
        description: n.description,
        categories: codes(&n.categories, |c| c.code()),
        regions: codes(&n.regions, |r| r.code()),
        feature: n.feature.code().into(),
        window_from: n.from,
        window_to: n.to,
        discovered_at: n.discovered_at,
        recorded_at: now,
        authority_notified_at: None,
        people_notified_at: None,
        affected,
    };
    state.stores.directory.incident_insert(&row).await?;
    Ok(wire(&row))
}

pub async fn list(state: &AppState) -> Result<IncidentList, AppError> {
    let rows = state.stores.directory.incidents().await?;
    Ok(IncidentList { incidents: rows.iter().map(wire).collect() })
}

async fn get(state: &AppState, id: &str) -> Result<IncidentRow, AppError> {
    state.stores.directory.incident(id).await?.ok_or(AppError::NotFound)
}

/// The kinds of data in the words of the mail and the person's notice (as "My data" names them).
fn category_text(c: PersonalCategory) -> Localized {
    let (en, zh) = match c {
        PersonalCategory::Identity => ("who you are (name, date of birth)", "您是谁（姓名、出生日期）"),
        PersonalCategory::Contact => ("how to reach you (email, phone)", "如何联系您（邮箱、电话）"),
        PersonalCategory::Credentials => ("how you sign in", "您如何登录"),
        PersonalCategory::Activity => ("security and account activity", "安全与账号活动"),
        PersonalCategory::Choices => ("your choices", "您的选择"),
        PersonalCategory::Devices => ("your cameras and their recordings", "您的摄像头及其录制内容"),
    };
    Localized { en: en.into(), zh: zh.into() }
}

fn category_words(c: PersonalCategory) -> String {
    category_text(c).en
}

fn notice_mail(row: &IncidentRow) -> String {
    let kinds = categories_of(row).into_iter().map(category_words).collect::<Vec<_>>().join("; ");
    format!(
        "{}\n\n{}\n\nWhen: between {} and {}.\nWhich of your data: {kinds}.\n\n\
         You can read this notice at any time under Account → Privacy center. If you have a \
         question, or want something done about your data, file a request under Account → Requests.\n\n\
         — Ward's privacy staff\n",
        crate::mail::one_line(&row.title),
        row.description,
        rfc3339(row.window_from),
        rfc3339(row.window_to),
    )
}

/// Notifies every person the query finds: a notice in their store and a mail. A person
/// notified already (a second click, a retry after a failure) is neither noticed nor mailed
/// again; the incident records when and how many once all were.
pub async fn notify(state: &AppState, id: &str, now: i64) -> Result<Incident, AppError> {
    let row = get(state, id).await?;
    if row.people_notified_at.is_some() {
        return Err(AppError::Conflict("The people concerned have been notified already.".into()));
    }
    let text = notice_mail(&row);
    let mut affected = 0;
    for db in stores(state, &regions_of(&row)).await? {
        for person_id in db.incident_affected(feature_of(&row), row.window_from, row.window_to).await? {
            affected += 1;
            if !db.notice_insert(&person_id, &row.id, now).await? {
                continue;
            }
            let (Some(person), Some(key)) =
                (db.person(&person_id).await?, state.person_key(&person_id).await?)
            else {
                continue;
            };
            let sent = match key.open(auth_field::EMAIL, &person.email_ct) {
                Ok(email) => state
                    .auth
                    .mailer
                    .send(&email, "A security incident concerns your data", text.clone())
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            if let Err(err) = sent {
                // The notice stands in the privacy center; the mail is logged for the staff.
                tracing::warn!(%err, incident = %row.id, "a breach notice could not be mailed");
            }
        }
    }
    state.stores.directory.incident_people_notified(id, now, affected).await?;
    Ok(wire(&get(state, id).await?))
}

/// Records that the supervisory authority was told.
pub async fn authority_notified(state: &AppState, id: &str, now: i64) -> Result<Incident, AppError> {
    get(state, id).await?;
    if !state.stores.directory.incident_authority_notified(id, now).await? {
        return Err(AppError::Conflict("The authority's notification is recorded already.".into()));
    }
    Ok(wire(&get(state, id).await?))
}

/// The report for the supervisory authority (the contents GDPR art. 33(3) asks for), as
/// Markdown.
pub async fn report(state: &AppState, id: &str) -> Result<String, AppError> {
    let row = get(state, id).await?;
    let i = wire(&row);
    let or_not_yet = |t: &Option<String>| t.clone().unwrap_or_else(|| "not yet".into());
    let kinds =
        i.categories.iter().map(|c| format!("- {}", category_words(*c))).collect::<Vec<_>>().join("\n");
    let regions = i.regions.iter().map(|r| r.code()).collect::<Vec<_>>().join(", ");
    Ok(format!(
        "# Personal data breach report: {}\n\n\
         Incident {}\n\n\
         ## Timeline\n\n\
         - Discovered: {}\n- Recorded: {}\n- Authority to be notified by: {} (72 hours after discovery)\n\
         - Authority notified: {}\n- People notified: {}\n\n\
         ## Nature of the breach\n\n{}\n\n\
         Records exposed between {} and {}.\n\n\
         ## Categories of personal data\n\n{kinds}\n\n\
         ## People concerned\n\n\
         Approximately {} people, whose home region is one of: {regions}; chosen as those with {} in the window.\n\n\
         ## Contact\n\nWard's privacy staff (the data protection officer's team).\n",
        i.title,
        i.id,
        i.discovered_at,
        i.recorded_at,
        i.authority_due_at,
        or_not_yet(&i.authority_notified_at),
        or_not_yet(&i.people_notified_at),
        i.description,
        i.window_from,
        i.window_to,
        i.affected,
        match i.feature {
            IncidentFeature::Accounts => "an account",
            IncidentFeature::SignIns => "a sign-in",
            IncidentFeature::Alarms => "an alarm from their cameras",
            IncidentFeature::Calls => "a doorbell call",
        },
    ))
}

/// The breach notices that concern the person, newest first.
pub async fn notices(state: &AppState, db: &Db, person_id: &str) -> Result<NoticeList, AppError> {
    let mut breaches = Vec::new();
    for (incident_id, at) in db.notices_of(person_id).await? {
        let Some(row) = state.stores.directory.incident(&incident_id).await? else { continue };
        breaches.push(BreachNotice {
            categories: categories_of(&row).into_iter().map(category_text).collect(),
            window_from: rfc3339(row.window_from),
            window_to: rfc3339(row.window_to),
            notified_at: rfc3339(at),
            title: row.title,
            description: row.description,
            incident_id,
        });
    }
    Ok(NoticeList { breaches })
}
