//! A region store: rights requests (`rights_requests`) and their timelines
//! (`request_events`), for `crate::requests`. Texts arrive sealed; nothing here opens them.

use super::{Db, StoreError, with_pool};
use crate::store::BeginWrite as _;

/// Appends one event inside the caller's transaction `tx`.
macro_rules! insert_event {
    ($tx:expr, $person_id:expr, $e:expr) => {
        sqlx::query(
            "INSERT INTO request_events (request_id, person_id, at, actor, kind, text_ct) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&$e.request_id)
        .bind($person_id)
        .bind($e.at)
        .bind(&$e.actor)
        .bind(&$e.kind)
        .bind(&$e.text_ct)
        .execute(&mut *$tx)
        .await?
    };
}
pub(super) use insert_event;

/// Inserts one request inside the caller's transaction `tx`.
macro_rules! insert_request {
    ($tx:expr, $row:expr) => {
        sqlx::query(&format!(
            "INSERT INTO rights_requests ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            $crate::store::requests::REQUEST_COLUMNS
        ))
        .bind(&$row.id)
        .bind(&$row.person_id)
        .bind(&$row.kind)
        .bind(&$row.status)
        .bind(&$row.details_ct)
        .bind($row.filed_at)
        .bind($row.due_at)
        .bind($row.closed_at)
        .execute(&mut *$tx)
        .await?
    };
}
pub(super) use insert_request;

/// One row of `rights_requests`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RequestRow {
    pub id: String,
    pub person_id: String,
    pub kind: String,
    pub status: String,
    pub details_ct: Vec<u8>,
    pub filed_at: i64,
    pub due_at: i64,
    pub closed_at: Option<i64>,
}

pub(super) const REQUEST_COLUMNS: &str =
    "id, person_id, kind, status, details_ct, filed_at, due_at, closed_at";

/// One row of `request_events`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RequestEventRow {
    pub request_id: String,
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub text_ct: Option<Vec<u8>>,
}

const EVENT_COLUMNS: &str = "request_id, at, actor, kind, text_ct";

/// A line of the staff's queue: nothing about the person.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QueueRow {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub filed_at: i64,
    pub due_at: i64,
}

/// The queue's filters; `None` is "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    pub kind: Option<&'static str>,
    pub status: Option<&'static str>,
    /// Only open requests past their due date.
    pub overdue: bool,
}

/// A status change: from one of `from` to `to`, with the event that records it.
pub struct Transition<'a> {
    pub from: &'a [&'static str],
    pub to: &'static str,
    /// A new due date (an extension).
    pub due_at: Option<i64>,
    /// Set when the request closes.
    pub closed_at: Option<i64>,
}

const OPEN: &str = "status IN ('open', 'extended')";

impl QueueFilter {
    /// The WHERE clause and its bound values, `$1` being the current time. The values are
    /// bound, never spliced; only the fixed words here go into the text.
    fn clause(&self, with_status: bool) -> (String, Vec<&'static str>) {
        let mut parts = vec!["($1 = $1)".to_string()];
        let mut binds = Vec::new();
        if let Some(kind) = self.kind {
            binds.push(kind);
            parts.push(format!("kind = ${}", binds.len() + 1));
        }
        if let (true, Some(status)) = (with_status, self.status) {
            binds.push(status);
            parts.push(format!("status = ${}", binds.len() + 1));
        }
        if self.overdue {
            parts.push(format!("{OPEN} AND due_at < $1"));
        }
        (parts.join(" AND "), binds)
    }
}

impl Db {
    /// Files a request with its first event, in one transaction.
    pub async fn request_insert(&self, row: &RequestRow, filed: &RequestEventRow) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            insert_request!(tx, row);
            insert_event!(tx, &row.person_id, filed);
            tx.commit().await?;
        });
        Ok(())
    }

    /// The person's requests, newest first.
    pub async fn requests_of(&self, person_id: &str) -> Result<Vec<RequestRow>, StoreError> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM rights_requests WHERE person_id = $1 ORDER BY filed_at DESC, id"
        );
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(person_id).fetch_all(pool).await?))
    }

    pub async fn request_by_id(&self, id: &str) -> Result<Option<RequestRow>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM rights_requests WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?))
    }

    /// Every event of the person's requests, oldest first.
    pub async fn request_events_of(&self, person_id: &str) -> Result<Vec<RequestEventRow>, StoreError> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM request_events WHERE person_id = $1 ORDER BY id");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(person_id).fetch_all(pool).await?))
    }

    /// When the person's data became restricted: their newest fulfilled restriction request.
    pub async fn restricted_since(&self, person_id: &str) -> Result<Option<i64>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT MAX(closed_at) FROM rights_requests r \
                 WHERE person_id = $1 AND kind = 'restriction' AND status = 'fulfilled' \
                 AND NOT EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = r.id AND e.kind = 'lifted')",
            )
            .bind(person_id)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Lifts the person's restrictions: a `lifted` event (`event`'s actor, time and kind) on
    /// each fulfilled restriction request not lifted yet, in one transaction. False: none.
    pub async fn restriction_lift(
        &self,
        person_id: &str,
        event: &RequestEventRow,
    ) -> Result<bool, StoreError> {
        Ok(with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // A restriction the staff filed (for a verified guardian) is not the person's to lift.
            let ids: Vec<String> = sqlx::query_scalar(
                "SELECT id FROM rights_requests r WHERE person_id = $1 AND kind = 'restriction' \
                 AND status = 'fulfilled' \
                 AND NOT EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = r.id AND e.kind = 'lifted') \
                 AND NOT EXISTS (SELECT 1 FROM request_events f WHERE f.request_id = r.id AND f.kind = 'filed' \
                 AND f.actor = 'staff')",
            )
            .bind(person_id)
            .fetch_all(&mut *tx)
            .await?;
            for id in &ids {
                let e = RequestEventRow { request_id: id.clone(), ..event.clone() };
                insert_event!(tx, person_id, e);
            }
            tx.commit().await?;
            !ids.is_empty()
        }))
    }

    /// One request's events, oldest first.
    pub async fn request_events(&self, request_id: &str) -> Result<Vec<RequestEventRow>, StoreError> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM request_events WHERE request_id = $1 ORDER BY id");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(request_id).fetch_all(pool).await?))
    }

    /// Adds an event to a request that is still open; `false` when it is closed or gone.
    pub async fn request_note(&self, person_id: &str, event: &RequestEventRow) -> Result<bool, StoreError> {
        Ok(with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let open: Option<String> =
                sqlx::query_scalar(&format!("SELECT id FROM rights_requests WHERE id = $1 AND {OPEN}"))
                    .bind(&event.request_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if open.is_some() {
                insert_event!(tx, person_id, event);
            }
            tx.commit().await?;
            open.is_some()
        }))
    }

    /// Records that someone looked, whatever the request's status.
    pub async fn request_viewed(&self, person_id: &str, event: &RequestEventRow) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            insert_event!(tx, person_id, event);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Moves a request from one of `t.from` to `t.to` and records `event`, in one transaction;
    /// `false` (nothing written) when its status is no longer one of `t.from`.
    pub async fn request_transition(
        &self,
        person_id: &str,
        t: &Transition<'_>,
        event: &RequestEventRow,
    ) -> Result<bool, StoreError> {
        let from = t.from.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "UPDATE rights_requests SET status = $2, due_at = COALESCE($3, due_at), closed_at = $4, \
             reminded_at = CASE WHEN $3 IS NULL THEN reminded_at END \
             WHERE id = $1 AND status IN ({from})"
        );
        Ok(with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query(&sql)
                .bind(&event.request_id)
                .bind(t.to)
                .bind(t.due_at)
                .bind(t.closed_at)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if changed {
                insert_event!(tx, person_id, event);
            }
            tx.commit().await?;
            changed
        }))
    }

    /// Open requests due by `by` whose staff were not reminded of this due date: `(id, kind,
    /// due_at)`, soonest first.
    pub async fn requests_to_remind(&self, by: i64) -> Result<Vec<(String, String, i64)>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, kind, due_at FROM rights_requests \
                 WHERE status IN ('open', 'extended') AND reminded_at IS NULL AND due_at <= $1 ORDER BY due_at, id",
            )
            .bind(by)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Marks the reminder sent; false when another instance sent it first.
    pub async fn request_reminded(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query("UPDATE rights_requests SET reminded_at = $2 WHERE id = $1 AND reminded_at IS NULL")
                .bind(id)
                .bind(at)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// The first `limit` requests by due date (then id) under `filter`.
    pub async fn request_queue(
        &self,
        filter: &QueueFilter,
        now: i64,
        limit: u32,
    ) -> Result<Vec<QueueRow>, StoreError> {
        let (clause, binds) = filter.clause(true);
        let sql = format!(
            "SELECT id, kind, status, filed_at, due_at FROM rights_requests WHERE {clause} \
             ORDER BY due_at, id LIMIT {limit}"
        );
        Ok(with_pool!(self, pool => {
            let mut q = sqlx::query_as(&sql).bind(now);
            for b in &binds {
                q = q.bind(*b);
            }
            q.fetch_all(pool).await?
        }))
    }

    /// How many requests are in each status, and how many are overdue, under `filter`'s kind
    /// and overdue choice (not its status: the counts are what a status filter would show).
    pub async fn request_counts(
        &self,
        filter: &QueueFilter,
        now: i64,
    ) -> Result<Vec<(String, i64, i64)>, StoreError> {
        let (clause, binds) = filter.clause(false);
        let sql = format!(
            "SELECT status, COUNT(*), SUM(CASE WHEN {OPEN} AND due_at < $1 THEN 1 ELSE 0 END) \
             FROM rights_requests WHERE {clause} GROUP BY status"
        );
        Ok(with_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, (String, i64, i64)>(&sql).bind(now);
            for b in &binds {
                q = q.bind(*b);
            }
            q.fetch_all(pool).await?
        }))
    }
}

/// One row of `requesters`: someone who filed a request without an account.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RequesterRow {
    pub id: String,
    pub email_hash: Vec<u8>,
    pub email_ct: Vec<u8>,
    pub name_ct: Vec<u8>,
    pub created_at: i64,
    pub last_active_at: i64,
}

const REQUESTER_COLUMNS: &str = "id, email_hash, email_ct, name_ct, created_at, last_active_at";

/// Deletes the requests of the subject bound as `$1` (a person or a requester) and their
/// events: their `person_id` references neither table, so nothing cascades.
pub(super) const DELETE_REQUESTS_OF: [&str; 2] =
    ["DELETE FROM request_events WHERE person_id = $1", "DELETE FROM rights_requests WHERE person_id = $1"];

impl Db {
    pub async fn requester_by_email(&self, email_hash: &[u8]) -> Result<Option<RequesterRow>, StoreError> {
        let sql = format!("SELECT {REQUESTER_COLUMNS} FROM requesters WHERE email_hash = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(email_hash).fetch_optional(pool).await?))
    }

    pub async fn requester(&self, id: &str) -> Result<Option<RequesterRow>, StoreError> {
        let sql = format!("SELECT {REQUESTER_COLUMNS} FROM requesters WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?))
    }

    /// Registers a requester; false when the address has one already (a request filed at the
    /// same moment), which the caller then reads.
    pub async fn requester_insert(&self, r: &RequesterRow) -> Result<bool, StoreError> {
        let sql = format!(
            "INSERT INTO requesters ({REQUESTER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (email_hash) DO NOTHING"
        );
        let n = with_pool!(self, pool => {
            sqlx::query(&sql)
                .bind(&r.id)
                .bind(&r.email_hash)
                .bind(&r.email_ct)
                .bind(&r.name_ct)
                .bind(r.created_at)
                .bind(r.last_active_at)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// Something happened to one of the requester's requests: their retention starts again.
    pub async fn requester_touch(&self, id: &str, at: i64) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE requesters SET last_active_at = $2 WHERE id = $1 AND last_active_at < $2")
                .bind(id)
                .bind(at)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Deletes the requesters idle since before `cutoff` who have no open request, with their
    /// requests; answers their ids, whose keys the caller destroys.
    pub async fn requesters_purge(&self, cutoff: i64) -> Result<Vec<String>, StoreError> {
        Ok(with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let ids: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT id FROM requesters q WHERE last_active_at < $1 AND NOT EXISTS \
                 (SELECT 1 FROM rights_requests r WHERE r.person_id = q.id AND {OPEN})"
            ))
            .bind(cutoff)
            .fetch_all(&mut *tx)
            .await?;
            for id in &ids {
                for sql in DELETE_REQUESTS_OF {
                    sqlx::query(sql).bind(id).execute(&mut *tx).await?;
                }
                sqlx::query("DELETE FROM requesters WHERE id = $1").bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            ids
        }))
    }
}
