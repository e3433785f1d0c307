//! Security incidents (the directory) and the breach notices people were sent (region
//! stores). See `crate::privacy::incidents`.

use ward_model::IncidentFeature;

use super::{Db, StoreError, with_pool};

/// An incident as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IncidentRow {
    pub id: String,
    pub title: String,
    pub description: String,
    pub categories: String,
    pub regions: String,
    pub feature: String,
    pub window_from: i64,
    pub window_to: i64,
    pub discovered_at: i64,
    pub recorded_at: i64,
    pub authority_notified_at: Option<i64>,
    pub people_notified_at: Option<i64>,
    pub affected: i64,
}

const INCIDENT_COLUMNS: &str = "id, title, description, categories, regions, feature, window_from, window_to, \
     discovered_at, recorded_at, authority_notified_at, people_notified_at, affected";

/// Whom an incident concerns in one region store: the distinct people with the feature's
/// records in the window `[$1, $2]`.
fn affected_sql(feature: IncidentFeature) -> &'static str {
    match feature {
        // `$1` is unused but bound, so every query takes the same two parameters.
        IncidentFeature::Accounts => "SELECT id FROM people WHERE created_at <= $2 AND $1 <= $2",
        IncidentFeature::SignIns => {
            "SELECT DISTINCT person_id FROM activity WHERE kind = 'signed_in' AND at BETWEEN $1 AND $2"
        }
        IncidentFeature::Alarms => "SELECT DISTINCT owner_id FROM alarm_events WHERE at BETWEEN $1 AND $2",
        IncidentFeature::Calls => "SELECT DISTINCT owner_id FROM call_records WHERE at BETWEEN $1 AND $2",
    }
}

impl Db {
    // --- the directory ---

    pub async fn incident_insert(&self, row: &IncidentRow) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO incidents ({INCIDENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        );
        with_pool!(self, pool => {
            sqlx::query(&sql)
                .bind(&row.id)
                .bind(&row.title)
                .bind(&row.description)
                .bind(&row.categories)
                .bind(&row.regions)
                .bind(&row.feature)
                .bind(row.window_from)
                .bind(row.window_to)
                .bind(row.discovered_at)
                .bind(row.recorded_at)
                .bind(row.authority_notified_at)
                .bind(row.people_notified_at)
                .bind(row.affected)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Every incident, newest first.
    pub async fn incidents(&self) -> Result<Vec<IncidentRow>, StoreError> {
        let sql = format!("SELECT {INCIDENT_COLUMNS} FROM incidents ORDER BY recorded_at DESC, id");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?))
    }

    pub async fn incident(&self, id: &str) -> Result<Option<IncidentRow>, StoreError> {
        let sql = format!("SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?))
    }

    /// Records that the people were notified (`affected` of them); false when they had been.
    pub async fn incident_people_notified(
        &self,
        id: &str,
        at: i64,
        affected: i64,
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE incidents SET people_notified_at = $2, affected = $3 \
                 WHERE id = $1 AND people_notified_at IS NULL",
            )
            .bind(id)
            .bind(at)
            .bind(affected)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Records that the authority was notified; false when it had been.
    pub async fn incident_authority_notified(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE incidents SET authority_notified_at = $2 WHERE id = $1 AND authority_notified_at IS NULL",
            )
            .bind(id)
            .bind(at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    // --- a region store ---

    /// The people of this store an incident concerns.
    pub async fn incident_affected(
        &self,
        feature: IncidentFeature,
        from: i64,
        to: i64,
    ) -> Result<Vec<String>, StoreError> {
        let sql = affected_sql(feature);
        Ok(with_pool!(self, pool => sqlx::query_scalar(sql).bind(from).bind(to).fetch_all(pool).await?))
    }

    /// Records a notice sent to the person; false when they had one for this incident.
    pub async fn notice_insert(
        &self,
        person_id: &str,
        incident_id: &str,
        at: i64,
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO incident_notices (person_id, incident_id, notified_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (person_id, incident_id) DO NOTHING",
            )
            .bind(person_id)
            .bind(incident_id)
            .bind(at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// The notices the person was sent: `(incident id, when)`, newest first.
    pub async fn notices_of(&self, person_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT incident_id, notified_at FROM incident_notices WHERE person_id = $1 \
                 ORDER BY notified_at DESC, incident_id",
            )
            .bind(person_id)
            .fetch_all(pool)
            .await?
        }))
    }
}

/// A service notice as stored (the directory).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ServiceNoticeRow {
    pub id: String,
    pub kind: String,
    pub title_en: String,
    pub title_zh: String,
    pub body_en: String,
    pub body_zh: String,
    pub effective_at: i64,
    pub published_at: i64,
    pub withdrawn_at: Option<i64>,
}

const SERVICE_COLUMNS: &str =
    "id, kind, title_en, title_zh, body_en, body_zh, effective_at, published_at, withdrawn_at";

impl Db {
    pub async fn service_notice_insert(&self, row: &ServiceNoticeRow) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO service_notices ({SERVICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        );
        with_pool!(self, pool => {
            sqlx::query(&sql)
                .bind(&row.id)
                .bind(&row.kind)
                .bind(&row.title_en)
                .bind(&row.title_zh)
                .bind(&row.body_en)
                .bind(&row.body_zh)
                .bind(row.effective_at)
                .bind(row.published_at)
                .bind(row.withdrawn_at)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Every service notice, newest first.
    pub async fn service_notices(&self) -> Result<Vec<ServiceNoticeRow>, StoreError> {
        let sql = format!("SELECT {SERVICE_COLUMNS} FROM service_notices ORDER BY published_at DESC, id");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?))
    }

    /// Withdraws a notice; false when there is no such notice or it was withdrawn.
    pub async fn service_notice_withdraw(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query("UPDATE service_notices SET withdrawn_at = $2 WHERE id = $1 AND withdrawn_at IS NULL")
                .bind(id)
                .bind(at)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }
}
