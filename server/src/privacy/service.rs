//! Service notices: a dated notice the privacy staff publish for everyone (a part of the
//! service that stops, which the second policy promises to announce at least 30 days ahead,
//! or another change), in both languages. The server renders the ones shown now into every
//! page, at the top, before the app loads (as it does the cookie banner: no bytes of the
//! app's first page), until a week after each takes effect, unless withdrawn.

use std::fmt::Write as _;
use std::sync::RwLock;

use ward_model::{
    FieldErrorCode, Localized, ServiceNotice, ServiceNoticeKind, ServiceNoticeList, ServiceNoticeNew,
};

use crate::auth::rfc3339;
use crate::error::{AppError, Fields};
use crate::store::{Db, ServiceNoticeRow, StoreError};

/// The notice a service's end needs, at least (the second policy: "30 days").
pub const SERVICE_END_DAYS: i64 = 30;
/// How long a notice stays up after it took effect.
pub const SHOWN_AFTER_DAYS: i64 = 7;
const MAX_TITLE: usize = 200;
const MAX_BODY: usize = 2000;

/// The notices, as the directory holds them; read at start and after each change here.
/// (Another instance's change shows here at its next start: see ARCHITECTURE.md.)
#[derive(Debug, Default)]
pub struct ServiceNotices {
    rows: RwLock<Vec<ServiceNoticeRow>>,
}

fn wire(r: &ServiceNoticeRow) -> ServiceNotice {
    ServiceNotice {
        id: r.id.clone(),
        kind: ServiceNoticeKind::from_code(&r.kind).unwrap_or(ServiceNoticeKind::Change),
        title: Localized { en: r.title_en.clone(), zh: r.title_zh.clone() },
        body: Localized { en: r.body_en.clone(), zh: r.body_zh.clone() },
        effective_at: rfc3339(r.effective_at),
        published_at: rfc3339(r.published_at),
        withdrawn_at: r.withdrawn_at.map(rfc3339),
    }
}

fn text(f: &mut Fields, field: &str, raw: &str, max: usize) -> String {
    let t = raw.trim();
    if t.is_empty() {
        f.push(field, FieldErrorCode::Required, "Write it in both languages: everyone reads it.");
    } else if t.chars().count() > max {
        f.push(field, FieldErrorCode::TooLong, format!("At most {max} characters, please."));
    }
    t.to_string()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

impl ServiceNotices {
    pub async fn load(&self, directory: &Db) -> Result<(), StoreError> {
        let rows = directory.service_notices().await?;
        *self.rows.write().expect("not poisoned") = rows;
        Ok(())
    }

    /// The notices shown at `now`, soonest to take effect first.
    pub fn shown(&self, now: i64) -> Vec<ServiceNoticeRow> {
        let mut out: Vec<ServiceNoticeRow> = self
            .rows
            .read()
            .expect("not poisoned")
            .iter()
            .filter(|r| {
                r.withdrawn_at.is_none()
                    && r.published_at <= now
                    && now < r.effective_at + SHOWN_AFTER_DAYS * 86_400
            })
            .cloned()
            .collect();
        out.sort_by(|a, b| (a.effective_at, &a.id).cmp(&(b.effective_at, &b.id)));
        out
    }

    pub fn public(&self, now: i64) -> ServiceNoticeList {
        ServiceNoticeList { notices: self.shown(now).iter().map(wire).collect() }
    }

    pub fn all(&self) -> ServiceNoticeList {
        ServiceNoticeList { notices: self.rows.read().expect("not poisoned").iter().map(wire).collect() }
    }

    /// Publishes a notice: both languages, a date to come, and for a service's end at least
    /// [`SERVICE_END_DAYS`] ahead.
    pub async fn publish(
        &self,
        directory: &Db,
        n: &ServiceNoticeNew,
        now: i64,
    ) -> Result<ServiceNotice, AppError> {
        let mut f = Fields::default();
        let title_en = text(&mut f, "title_en", &n.title.en, MAX_TITLE);
        let title_zh = text(&mut f, "title_zh", &n.title.zh, MAX_TITLE);
        let body_en = text(&mut f, "body_en", &n.body.en, MAX_BODY);
        let body_zh = text(&mut f, "body_zh", &n.body.zh, MAX_BODY);
        let effective_at = match time::OffsetDateTime::parse(
            n.effective_at.trim(),
            &time::format_description::well_known::Rfc3339,
        ) {
            Ok(t) => t.unix_timestamp(),
            Err(_) => {
                f.push(
                    "effective_at",
                    FieldErrorCode::Malformed,
                    "A date and time, such as 2027-01-31T00:00:00Z.",
                );
                0
            }
        };
        if effective_at != 0 {
            if effective_at <= now {
                f.push(
                    "effective_at",
                    FieldErrorCode::Past,
                    "A notice announces what is to come: a later date.",
                );
            } else if n.kind == ServiceNoticeKind::ServiceEnd
                && effective_at < now + SERVICE_END_DAYS * 86_400
            {
                f.push(
                    "effective_at",
                    FieldErrorCode::Invalid,
                    format!("A service may stop no sooner than {SERVICE_END_DAYS} days after its notice: the privacy policy promises it."),
                );
            }
        }
        f.check()?;
        let row = ServiceNoticeRow {
            id: uuid::Uuid::new_v4().to_string(),
            kind: n.kind.code().into(),
            title_en,
            title_zh,
            body_en,
            body_zh,
            effective_at,
            published_at: now,
            withdrawn_at: None,
        };
        directory.service_notice_insert(&row).await?;
        self.load(directory).await?;
        Ok(wire(&row))
    }

    pub async fn withdraw(&self, directory: &Db, id: &str, now: i64) -> Result<ServiceNotice, AppError> {
        if !directory.service_notice_withdraw(id, now).await? {
            return Err(if directory.service_notices().await?.iter().any(|r| r.id == id) {
                AppError::Conflict("This notice was withdrawn already.".into())
            } else {
                AppError::NotFound
            });
        }
        self.load(directory).await?;
        let rows = self.rows.read().expect("not poisoned");
        rows.iter().find(|r| r.id == id).map(wire).ok_or(AppError::NotFound)
    }

    /// The strip at the top of every page for `rows` (none: nothing), both languages; the
    /// stylesheet shows the one `<html lang>` names.
    pub fn html(rows: &[ServiceNoticeRow]) -> String {
        if rows.is_empty() {
            return String::new();
        }
        let mut h = String::from(
            "<aside class=\"sn\" aria-labelledby=\"sn-h\"><p class=\"sn-h\" id=\"sn-h\">\
             <span lang=\"en\">Service notice</span><span lang=\"zh\">服务通知</span></p><ul>",
        );
        for r in rows {
            let day = rfc3339(r.effective_at);
            let day = day.get(..10).unwrap_or_default();
            let _ = write!(
                h,
                "<li><strong><span lang=\"en\">{}</span><span lang=\"zh\">{}</span></strong> \
                 <span lang=\"en\">{}</span><span lang=\"zh\">{}</span> \
                 <span lang=\"en\">Takes effect on </span><span lang=\"zh\">生效日期：</span>\
                 <time datetime=\"{}\">{day}</time></li>",
                esc(&r.title_en),
                esc(&r.title_zh),
                esc(&r.body_en),
                esc(&r.body_zh),
                rfc3339(r.effective_at),
            );
        }
        h.push_str("</ul></aside>");
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, published_at: i64, effective_at: i64, withdrawn_at: Option<i64>) -> ServiceNoticeRow {
        ServiceNoticeRow {
            id: id.into(),
            kind: "change".into(),
            title_en: format!("<{id}>"),
            title_zh: "标题".into(),
            body_en: "Body & more".into(),
            body_zh: "正文".into(),
            effective_at,
            published_at,
            withdrawn_at,
        }
    }

    #[test]
    fn a_notice_shows_from_publication_until_a_week_after_it_takes_effect_unless_withdrawn() {
        let day = 86_400;
        let n = ServiceNotices::default();
        *n.rows.write().unwrap() = vec![
            row("later", 100, 100 + 40 * day, None),
            row("sooner", 100, 100 + 2 * day, None),
            row("withdrawn", 100, 100 + 40 * day, Some(200)),
        ];
        let ids = |now: i64| n.shown(now).into_iter().map(|r| r.id).collect::<Vec<_>>();
        assert!(ids(99).is_empty(), "not before its publication");
        assert_eq!(ids(100), ["sooner", "later"], "soonest to take effect first; never the withdrawn");
        let sooner_ends = 100 + 2 * day + SHOWN_AFTER_DAYS * day;
        assert_eq!(ids(sooner_ends - 1), ["sooner", "later"]);
        assert_eq!(ids(sooner_ends), ["later"]);
    }

    #[test]
    fn the_strip_escapes_the_texts_and_holds_both_languages() {
        assert_eq!(ServiceNotices::html(&[]), "");
        let h = ServiceNotices::html(&[row("a", 0, 86_400, None)]);
        assert!(h.contains("&lt;a&gt;") && !h.contains("<a>"), "{h}");
        assert!(h.contains("Body &amp; more") && h.contains("正文") && h.contains("1970-01-02"), "{h}");
    }
}
