//! Devices: the directory's factory records, and a region store's devices, alarm events,
//! doorbell calls and call views. Sealed columns arrive here encrypted.

use ward_model::Region;

use super::{Db, Pool, StoreError, with_pool};

/// A factory record as the directory holds it (hashes only).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FactoryRow {
    pub serial_hash: Vec<u8>,
    pub model: String,
    pub code_hash: Vec<u8>,
    pub secret_hash: Vec<u8>,
    pub bound_region: Option<String>,
    pub device_id: Option<String>,
    /// A new secret sent to the camera and not yet acknowledged (see [`Db::factory_secret_issue`]).
    pub next_secret_hash: Option<Vec<u8>>,
    /// Claimed since the camera's secret was last replaced: it gets a new one when connected.
    pub rekey_due: bool,
}

impl FactoryRow {
    pub fn binding(&self) -> Option<(Region, String)> {
        Some((Region::from_code(self.bound_region.as_deref()?)?, self.device_id.clone()?))
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeviceRow {
    pub id: String,
    pub owner_id: String,
    pub serial_hash: Vec<u8>,
    pub serial_ct: Vec<u8>,
    pub name_ct: Vec<u8>,
    pub model: String,
    pub firmware: String,
    pub address_ct: Option<Vec<u8>>,
    pub time_zone: String,
    pub privacy_mode: bool,
    pub online: bool,
    pub created_at: i64,
}

const DEVICE_COLUMNS: &str = "id, owner_id, serial_hash, serial_ct, name_ct, model, firmware, address_ct, \
     time_zone, privacy_mode, online, created_at";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: String,
    pub device_id: String,
    pub owner_id: String,
    pub kind: String,
    pub at: i64,
    pub picture_key: String,
    pub thumbnail_key: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CallRow {
    pub id: String,
    pub device_id: String,
    pub owner_id: String,
    pub at: i64,
    pub picture_key: String,
}

/// Which events a timeline shows.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub device_id: Option<String>,
    pub kind: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Keyset paging: strictly older than this `(at, id)`.
    pub before: Option<(i64, String)>,
    pub limit: i64,
}

impl Db {
    // ---- directory: factory records ----

    /// Adds a factory record unless the serial is known already. Returns whether it was new.
    pub async fn factory_insert(&self, r: &FactoryRow) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO factory_devices (serial_hash, model, code_hash, secret_hash) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (serial_hash) DO NOTHING",
            )
            .bind(&r.serial_hash)
            .bind(&r.model)
            .bind(&r.code_hash)
            .bind(&r.secret_hash)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    pub async fn factory(&self, serial_hash: &[u8]) -> Result<Option<FactoryRow>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT serial_hash, model, code_hash, secret_hash, bound_region, device_id, next_secret_hash, \
                 rekey_due FROM factory_devices WHERE serial_hash = $1",
            )
            .bind(serial_hash)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Binds an unbound camera to a device row of a region; false when someone else was faster.
    /// The camera is then owed a new secret (`rekey_due`), issued over its connection.
    pub async fn factory_bind(
        &self,
        serial_hash: &[u8],
        region: Region,
        device_id: &str,
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE factory_devices SET bound_region = $2, device_id = $3, rekey_due = TRUE \
                 WHERE serial_hash = $1 AND bound_region IS NULL",
            )
            .bind(serial_hash)
            .bind(region.code())
            .bind(device_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    pub async fn factory_unbind(&self, serial_hash: &[u8], device_id: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE factory_devices SET bound_region = NULL, device_id = NULL WHERE serial_hash = $1 AND device_id = $2")
                .bind(serial_hash)
                .bind(device_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Records a new secret sent to the camera (its keyed hash), replacing any earlier one not
    /// yet acknowledged; the current secret stays valid until [`Db::factory_secret_promote`].
    /// Clears `rekey_due`: a claim made after this sets it again.
    pub async fn factory_secret_issue(
        &self,
        serial_hash: &[u8],
        next_hash: &[u8],
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query("UPDATE factory_devices SET next_secret_hash = $2, rekey_due = FALSE WHERE serial_hash = $1")
                .bind(serial_hash)
                .bind(next_hash)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// The camera holds the new secret (it acknowledged it, or connected with it): it becomes
    /// the only one accepted, and the old one stops working. False when `next_hash` is no
    /// longer the pending one (a newer secret was issued meanwhile, or it was promoted already).
    pub async fn factory_secret_promote(
        &self,
        serial_hash: &[u8],
        next_hash: &[u8],
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE factory_devices SET secret_hash = next_secret_hash, next_secret_hash = NULL \
                 WHERE serial_hash = $1 AND next_secret_hash = $2",
            )
            .bind(serial_hash)
            .bind(next_hash)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    // ---- region: devices ----

    pub async fn device_insert(&self, d: &DeviceRow) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO devices (id, owner_id, serial_hash, serial_ct, name_ct, model, firmware, address_ct, \
                 time_zone, privacy_mode, online, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(&d.id)
            .bind(&d.owner_id)
            .bind(&d.serial_hash)
            .bind(&d.serial_ct)
            .bind(&d.name_ct)
            .bind(&d.model)
            .bind(&d.firmware)
            .bind(&d.address_ct)
            .bind(&d.time_zone)
            .bind(d.privacy_mode)
            .bind(d.online)
            .bind(d.created_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    pub async fn device(&self, id: &str) -> Result<Option<DeviceRow>, StoreError> {
        let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1");
        Ok(with_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?))
    }

    /// One page of an owner's devices (oldest first), optionally only on- or offline ones,
    /// and how many match in all.
    pub async fn devices_page(
        &self,
        owner_id: &str,
        online: Option<bool>,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<DeviceRow>, i64), StoreError> {
        let (filter, total_sql) = match online {
            Some(_) => {
                ("AND online = $2", "SELECT COUNT(*) FROM devices WHERE owner_id = $1 AND online = $2")
            }
            None => ("AND $2 = $2", "SELECT COUNT(*) FROM devices WHERE owner_id = $1 AND $2 = $2"),
        };
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE owner_id = $1 {filter} \
             ORDER BY created_at, id LIMIT $3 OFFSET $4"
        );
        let flag = online.unwrap_or(false);
        Ok(with_pool!(self, pool => {
            let rows = sqlx::query_as(&sql).bind(owner_id).bind(flag).bind(limit).bind(offset).fetch_all(pool).await?;
            let total: i64 = sqlx::query_scalar(total_sql).bind(owner_id).bind(flag).fetch_one(pool).await?;
            (rows, total)
        }))
    }

    /// Every device of an owner (for a search over sealed names), oldest first.
    pub async fn devices_of(
        &self,
        owner_id: &str,
        online: Option<bool>,
    ) -> Result<Vec<DeviceRow>, StoreError> {
        let (rows, _) = self.devices_page(owner_id, online, 0, i64::MAX).await?;
        Ok(rows)
    }

    pub async fn device_set_name(&self, id: &str, name_ct: &[u8]) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query("UPDATE devices SET name_ct = $2 WHERE id = $1").bind(id).bind(name_ct).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn device_set_privacy(&self, id: &str, on: bool) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query("UPDATE devices SET privacy_mode = $2 WHERE id = $1").bind(id).bind(on).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn device_set_online(&self, id: &str, online: bool) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query("UPDATE devices SET online = $2 WHERE id = $1").bind(id).bind(online).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn device_report(
        &self,
        id: &str,
        firmware: &str,
        address_ct: &[u8],
        time_zone: &str,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE devices SET firmware = $2, address_ct = $3, time_zone = $4, online = TRUE WHERE id = $1")
                .bind(id)
                .bind(firmware)
                .bind(address_ct)
                .bind(time_zone)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Deletes a device and (by cascade) its events, calls and views. Returns whether it existed.
    pub async fn device_delete(&self, id: &str) -> Result<bool, StoreError> {
        let n = with_pool!(self, pool => sqlx::query("DELETE FROM devices WHERE id = $1").bind(id).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Every media key of a device's events and calls (deleted with it).
    pub async fn device_media_keys(&self, id: &str) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String, String)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT picture_key, thumbnail_key FROM alarm_events WHERE device_id = $1 \
                 UNION ALL SELECT picture_key, picture_key FROM call_records WHERE device_id = $1",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        let mut keys: Vec<String> = rows.into_iter().flat_map(|(a, b)| [a, b]).collect();
        keys.dedup();
        Ok(keys)
    }

    // ---- region: events and calls ----

    pub async fn event_insert(&self, e: &EventRow) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO alarm_events (id, device_id, owner_id, kind, at, picture_key, thumbnail_key) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&e.id)
            .bind(&e.device_id)
            .bind(&e.owner_id)
            .bind(&e.kind)
            .bind(e.at)
            .bind(&e.picture_key)
            .bind(&e.thumbnail_key)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    pub async fn event(&self, id: &str) -> Result<Option<EventRow>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as("SELECT id, device_id, owner_id, kind, at, picture_key, thumbnail_key FROM alarm_events WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// An owner's events, newest first, filtered.
    pub async fn events_of(&self, owner_id: &str, f: &EventFilter) -> Result<Vec<EventRow>, StoreError> {
        // Every filter is always bound; an absent one compares a column with itself, so one
        // query text serves every combination and both engines.
        let sql = "SELECT id, device_id, owner_id, kind, at, picture_key, thumbnail_key FROM alarm_events \
                   WHERE owner_id = $1 \
                   AND ($2 = '' OR device_id = $2) AND ($3 = '' OR kind = $3) \
                   AND at >= $4 AND at <= $5 AND (at < $6 OR (at = $6 AND id < $7)) \
                   ORDER BY at DESC, id DESC LIMIT $8";
        // No `before`: `at < i64::MAX` holds for every row, so the id is never compared.
        let (before_at, before_id) = f.before.clone().unwrap_or((i64::MAX, String::new()));
        Ok(with_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(owner_id)
                .bind(f.device_id.as_deref().unwrap_or(""))
                .bind(f.kind.as_deref().unwrap_or(""))
                .bind(f.from.unwrap_or(i64::MIN))
                .bind(f.to.unwrap_or(i64::MAX))
                .bind(before_at)
                .bind(before_id)
                .bind(f.limit)
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn event_delete(&self, id: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query("DELETE FROM alarm_events WHERE id = $1").bind(id).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn call_insert(&self, c: &CallRow) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO call_records (id, device_id, owner_id, at, picture_key) VALUES ($1, $2, $3, $4, $5)")
                .bind(&c.id)
                .bind(&c.device_id)
                .bind(&c.owner_id)
                .bind(c.at)
                .bind(&c.picture_key)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    pub async fn call(&self, id: &str) -> Result<Option<CallRow>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as("SELECT id, device_id, owner_id, at, picture_key FROM call_records WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    pub async fn calls_of(&self, owner_id: &str, limit: i64) -> Result<Vec<CallRow>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, device_id, owner_id, at, picture_key FROM call_records WHERE owner_id = $1 \
                 ORDER BY at DESC, id DESC LIMIT $2",
            )
            .bind(owner_id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn call_view_log(
        &self,
        id: &str,
        call_id: &str,
        viewer_id: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO call_views (id, call_id, viewer_id, at) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(call_id)
                .bind(viewer_id)
                .bind(at)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    pub async fn call_views(&self, call_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as("SELECT viewer_id, at FROM call_views WHERE call_id = $1 ORDER BY at")
                .bind(call_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Deletes every row of a media table (`alarm_events` or `call_records`) older than
    /// `cutoff`, `batch` rows per statement, and sends each batch's media keys to `keys` for
    /// the caller to delete meanwhile. Returns how many rows went.
    pub async fn media_purge(
        &self,
        table: &str,
        cutoff: i64,
        batch: i64,
        keys: &tokio::sync::mpsc::Sender<Vec<String>>,
    ) -> Result<u64, StoreError> {
        let mut total = 0;
        match &self.pool {
            Pool::Sqlite(pool) => {
                // Per batch, in one write transaction: the keys as one text (sqlx hands a
                // query's rows over one by one between threads, which for a million rows
                // cost more than the deletes), then the same rows deleted by rowid (no lookup
                // through the text primary key). Oldest first; `(at, rowid)` is the order of
                // the `at` index, so both statements pick the same rows. One connection, with
                // a page cache that holds a batch's dirty index pages (they would otherwise
                // spill to the WAL mid-statement), back to SQLite's default afterwards.
                let pick = format!("SELECT rowid FROM {table} WHERE at < $1 ORDER BY at, rowid LIMIT $2");
                let keys_sql = format!(
                    "SELECT group_concat({}, char(10)) FROM {table} WHERE rowid IN ({pick})",
                    media_keys_joined(table, "char(10)")
                );
                let delete_sql = format!("DELETE FROM {table} WHERE rowid IN ({pick})");
                let mut conn = pool.acquire().await?;
                sqlx::query("PRAGMA cache_size = -262144").execute(&mut *conn).await?;
                let mut outcome: Result<(), sqlx::Error> = Ok(());
                loop {
                    let step = async {
                        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
                        let (text,): (Option<String>,) =
                            sqlx::query_as(&keys_sql).bind(cutoff).bind(batch).fetch_one(&mut *conn).await?;
                        let rows =
                            sqlx::query(&delete_sql).bind(cutoff).bind(batch).execute(&mut *conn).await?;
                        sqlx::query("COMMIT").execute(&mut *conn).await?;
                        Ok::<_, sqlx::Error>((rows.rows_affected(), text.unwrap_or_default()))
                    };
                    match step.await {
                        Ok((0, _)) => break,
                        Ok((rows, text)) => {
                            total += rows;
                            let _ = keys.send(text.split('\n').map(String::from).collect()).await;
                        }
                        Err(e) => {
                            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                            outcome = Err(e);
                            break;
                        }
                    }
                }
                sqlx::query("PRAGMA cache_size = -2000").execute(&mut *conn).await?;
                outcome?;
            }
            Pool::Postgres(pool) => {
                let sql = format!(
                    "DELETE FROM {table} WHERE id IN \
                     (SELECT id FROM {table} WHERE at < $1 ORDER BY at LIMIT $2) RETURNING {}",
                    media_keys_joined(table, "chr(10)")
                );
                loop {
                    let rows: Vec<(String,)> =
                        sqlx::query_as(&sql).bind(cutoff).bind(batch).fetch_all(pool).await?;
                    if rows.is_empty() {
                        break;
                    }
                    total += rows.len() as u64;
                    let found =
                        rows.iter().flat_map(|(joined,)| joined.split('\n').map(String::from)).collect();
                    let _ = keys.send(found).await;
                }
            }
        }
        Ok(total)
    }

    /// Marks every device of this store offline (at start: no agent is connected yet).
    pub async fn devices_all_offline(&self) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query("UPDATE devices SET online = FALSE WHERE online = TRUE").execute(pool).await?.rows_affected());
        Ok(())
    }
}

impl Db {
    /// Bulk-inserts `n` synthetic alarm events of `owner` spread over `devices`, all at or
    /// before `at` (for `cargo xtask bench devices`; one transaction per 10,000 rows).
    pub async fn bench_insert_events(
        &self,
        owner: &str,
        devices: &[String],
        n: usize,
        at: i64,
    ) -> Result<(), StoreError> {
        let mut i = 0;
        while i < n {
            let end = (i + 10_000).min(n);
            with_pool!(self, pool => {
                let mut tx = pool.begin().await?;
                for k in i..end {
                    let id = format!("{k:032x}");
                    let device = &devices[k % devices.len()];
                    sqlx::query(
                        "INSERT INTO alarm_events (id, device_id, owner_id, kind, at, picture_key, thumbnail_key) \
                         VALUES ($1, $2, $3, 'motion', $4, $5, $6)",
                    )
                    .bind(&id)
                    .bind(device)
                    .bind(owner)
                    .bind(at - (k as i64 % 86_400))
                    .bind(format!("eu/{owner}/{device}/{id}.jpg"))
                    .bind(format!("eu/{owner}/{device}/{id}-thumb.jpg"))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
            });
            i = end;
        }
        Ok(())
    }
}

/// A media row's picture keys as one SQL text expression, joined by `newline` (the engine's
/// way to write one): an alarm has a picture and a thumbnail, a call record one picture.
fn media_keys_joined(table: &str, newline: &str) -> String {
    if table == "alarm_events" {
        format!("picture_key || {newline} || thumbnail_key")
    } else {
        "picture_key".into()
    }
}
