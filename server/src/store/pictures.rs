//! Alarm and call pictures: each camera's limits (pictures a minute, bytes a day), kept in
//! the region store so every instance shares them and a restart does not reset them; and
//! the bookkeeping of sealing pictures stored plain before sealing came.

use ward_model::Region;

use super::{Db, StoreError, with_pool};

const DAY: i64 = 86_400;
const MINUTE: i64 = 60;

/// The answer of [`Db::picture_charge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charge {
    /// Within both limits, and now counted.
    Allowed,
    /// The camera sent its pictures for this minute; it may send again in `retry_after` s.
    OverRate { retry_after: i64 },
    /// The camera sent its bytes for this (UTC) day; it may send again in `retry_after` s.
    OverBytes { retry_after: i64 },
}

impl Db {
    /// Counts one alarm's or call's pictures (`bytes` in all) against the camera's limits at
    /// `now`, unless that would pass one of them: then nothing is counted and the answer says
    /// which. The minute is a window opened by the first picture after the last one ended;
    /// the day is the UTC day. One statement: two instances cannot both take the last place.
    #[allow(clippy::too_many_arguments)]
    pub async fn picture_charge(
        &self,
        device_id: &str,
        owner_id: &str,
        bytes: i64,
        now: i64,
        per_minute: i64,
        bytes_per_day: i64,
    ) -> Result<Charge, StoreError> {
        let day = now - now.rem_euclid(DAY);
        let next_day = day + DAY - now;
        if bytes > bytes_per_day {
            return Ok(Charge::OverBytes { retry_after: next_day });
        }
        // SET expressions read the row as it was (both engines), so each CASE sees the old
        // window and day. The WHERE refuses the update, and RETURNING then yields no row.
        let sql = "INSERT INTO picture_quotas \
                   (device_id, owner_id, day, bytes, pictures, window_start, window_pictures) \
                   VALUES ($1, $2, $3, $4, 1, $5, 1) \
                   ON CONFLICT (device_id) DO UPDATE SET \
                   bytes = CASE WHEN picture_quotas.day = excluded.day \
                     THEN picture_quotas.bytes + excluded.bytes ELSE excluded.bytes END, \
                   pictures = CASE WHEN picture_quotas.day = excluded.day \
                     THEN picture_quotas.pictures + 1 ELSE 1 END, \
                   day = excluded.day, \
                   window_pictures = CASE WHEN excluded.window_start < picture_quotas.window_start + 60 \
                     THEN picture_quotas.window_pictures + 1 ELSE 1 END, \
                   window_start = CASE WHEN excluded.window_start < picture_quotas.window_start + 60 \
                     THEN picture_quotas.window_start ELSE excluded.window_start END \
                   WHERE (excluded.window_start >= picture_quotas.window_start + 60 \
                          OR picture_quotas.window_pictures < $6) \
                     AND (picture_quotas.day <> excluded.day OR picture_quotas.bytes + excluded.bytes <= $7) \
                   RETURNING device_id";
        let counted: Option<(String,)> = with_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(device_id)
                .bind(owner_id)
                .bind(day)
                .bind(bytes)
                .bind(now)
                .bind(per_minute)
                .bind(bytes_per_day)
                .fetch_optional(pool)
                .await?
        });
        if counted.is_some() {
            return Ok(Charge::Allowed);
        }
        let (window_start, window_pictures): (i64, i64) = with_pool!(self, pool => {
            sqlx::query_as("SELECT window_start, window_pictures FROM picture_quotas WHERE device_id = $1")
                .bind(device_id)
                .fetch_one(pool)
                .await?
        });
        Ok(if now < window_start + MINUTE && window_pictures >= per_minute {
            Charge::OverRate { retry_after: (window_start + MINUTE - now).max(1) }
        } else {
            Charge::OverBytes { retry_after: next_day }
        })
    }

    /// Whether migration `0081_sealed_pictures` marked this region store as holding pictures
    /// stored before sealing came, not yet sealed.
    pub async fn pictures_unsealed(&self) -> Result<bool, StoreError> {
        let mark: Option<(String,)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT value FROM ward_meta WHERE key = 'pictures_unsealed'")
                .fetch_optional(pool)
                .await?
        });
        Ok(mark.is_some())
    }

    /// Clears that mark: every legacy picture of this store is sealed.
    pub async fn pictures_all_sealed(&self) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("DELETE FROM ward_meta WHERE key = 'pictures_unsealed'").execute(pool).await?.rows_affected()
        });
        Ok(())
    }

    /// `(row id, owner id, picture key, thumbnail key)` of every alarm and call (a call's
    /// picture key twice) whose row id sorts after `after`, in row-id order, at most `limit`
    /// (a page of the sweep that seals legacy pictures).
    pub async fn picture_keys_after(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<(String, String, String, String)>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, owner_id, a, b FROM ( \
                   SELECT id, owner_id, picture_key AS a, thumbnail_key AS b FROM alarm_events WHERE id > $1 \
                   UNION ALL SELECT id, owner_id, picture_key AS a, picture_key AS b FROM call_records WHERE id > $1 \
                 ) AS listed ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The regions where some camera is bound (directory): only their stores hold pictures.
    pub async fn bound_regions(&self) -> Result<Vec<Region>, StoreError> {
        let codes: Vec<(String,)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT DISTINCT bound_region FROM factory_devices WHERE bound_region IS NOT NULL ORDER BY bound_region",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(codes.iter().filter_map(|(c,)| Region::from_code(c)).collect())
    }
}
