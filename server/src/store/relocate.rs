//! A region store: a person's rows leaving for another region's store
//! (`crate::auth::relocate`). Which tables travel is declared once, in [`RELOCATION`]; a test
//! holds it to the real schema, so a table added later that names a person cannot be left
//! behind by a move.

use super::exports::{Cell, cells_typed};
use super::{Db, StoreError, with_pool};
use crate::store::BeginWrite as _;

/// What a move does with a table's rows about the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Travel {
    /// Copied to the new store, every column but `skip` (row numbers the new store gives).
    Move { skip: &'static [&'static str] },
    /// Deleted, not copied: only meaningful where they were (sessions, codes, an archive
    /// file of that region's file store, traces of shares that end).
    Drop,
    /// A row here stops the move: a camera stays in the region where it was claimed, and
    /// a share lives in one region.
    Blocks,
}

const MOVE: Travel = Travel::Move { skip: &[] };
const NUMBERED: Travel = Travel::Move { skip: &["id"] };

/// Every region table that names a person (in the registry's subject column), parents
/// before children, with what a move does to it. `people` first: the rest reference it.
pub const RELOCATION: &[(&str, Travel)] = &[
    ("people", MOVE),
    ("activity", NUMBERED),
    ("recovery_codes", MOVE),
    ("passkeys", MOVE),
    ("consent_ledger", MOVE),
    ("rights_requests", MOVE),
    ("request_events", NUMBERED),
    ("access_log", MOVE),
    ("incident_notices", MOVE),
    ("sessions", Travel::Drop),
    ("codes", Travel::Drop),
    ("export_transfers", Travel::Drop),
    ("export_links", Travel::Drop),
    ("exports", Travel::Drop),
    ("call_views", Travel::Drop),
    ("share_accesses", Travel::Drop),
    ("requesters", Travel::Drop),
    // A guardian's request names a requester, never an account: nothing of a person's here.
    ("guardian_requests", Travel::Drop),
    ("guardian_proofs", Travel::Drop),
    // A child's account was consented to under its region's law: moving needs a new consent.
    ("child_guardians", Travel::Blocks),
    ("devices", Travel::Blocks),
    ("alarm_events", Travel::Blocks),
    ("call_records", Travel::Blocks),
    ("picture_quotas", Travel::Blocks),
    ("device_shares", Travel::Blocks),
    ("share_invitations", Travel::Blocks),
];

/// Other columns than the subject that name a person whose rows block a move: shares the
/// person received.
const ALSO_BLOCK: &[(&str, &str)] = &[("device_shares", "invitee_id")];

impl Db {
    /// The tables whose rows about the person stop a move (empty: none).
    pub async fn relocation_blockers(&self, person_id: &str) -> Result<Vec<&'static str>, StoreError> {
        let mut out = Vec::new();
        let blocking = RELOCATION
            .iter()
            .filter(|(_, t)| *t == Travel::Blocks)
            .map(|(table, _)| (*table, crate::registry::subject_column(table)))
            .chain(ALSO_BLOCK.iter().copied());
        for (table, column) in blocking {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1");
            let n: i64 =
                with_pool!(self, pool => sqlx::query_scalar(&sql).bind(person_id).fetch_one(pool).await?);
            if n > 0 && !out.contains(&table) {
                out.push(table);
            }
        }
        Ok(out)
    }

    /// Copies the person's rows of every [`Travel::Move`] table into `to` in one
    /// transaction there: all of them or none.
    pub async fn relocate_copy(&self, to: &Db, person_id: &str) -> Result<u64, StoreError> {
        let schema = self.schema_columns().await?;
        let mut batches = Vec::new();
        for (table, travel) in RELOCATION {
            let Travel::Move { skip } = travel else { continue };
            let columns: Vec<&str> = schema
                .iter()
                .filter(|(t, c)| t == table && !skip.contains(&c.as_str()))
                .map(|(_, c)| c.as_str())
                .collect();
            let subject = crate::registry::subject_column(table);
            // Row numbers keep their order in the new store (its own numbers, same order).
            let order = if skip.contains(&"id") { " ORDER BY id" } else { "" };
            let sql = format!("SELECT {} FROM {table} WHERE {subject} = $1{order}", columns.join(", "));
            let rows: Vec<Vec<(Cell, String)>> = with_pool!(self, pool => {
                let rows = sqlx::query(&sql).bind(person_id).fetch_all(pool).await?;
                rows.iter().map(cells_typed).collect::<Result<_, _>>()?
            });
            let marks: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
            let insert =
                format!("INSERT INTO {table} ({}) VALUES ({})", columns.join(", "), marks.join(", "));
            batches.push((insert, rows));
        }
        let mut copied = 0;
        with_pool!(to, pool => {
            let mut tx = pool.begin_write().await?;
            for (insert, rows) in &batches {
                for row in rows {
                    let mut q = sqlx::query(insert);
                    for (cell, declared) in row {
                        q = match cell {
                            Cell::Int(v) => q.bind(*v),
                            Cell::Bool(v) => q.bind(*v),
                            Cell::Text(v) => q.bind(v.as_str()),
                            Cell::Bytes(v) => q.bind(v.as_slice()),
                            // A typed NULL: PostgreSQL checks the type of every parameter.
                            Cell::Null if declared.contains("BYTEA") || declared.contains("BLOB") => {
                                q.bind(None::<Vec<u8>>)
                            }
                            Cell::Null if declared.contains("TEXT") => q.bind(None::<String>),
                            Cell::Null if declared.starts_with("BOOL") => q.bind(None::<bool>),
                            Cell::Null => q.bind(None::<i64>),
                        };
                    }
                    q.execute(&mut *tx).await?;
                    copied += 1;
                }
            }
            tx.commit().await?;
        });
        Ok(copied)
    }

    /// Deletes the person's rows from every table of [`RELOCATION`], children first, in one
    /// transaction (after the copy: the person is then in one store only).
    pub async fn relocate_delete(&self, person_id: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for (table, _) in RELOCATION.iter().rev() {
                let subject = crate::registry::subject_column(table);
                sqlx::query(&format!("DELETE FROM {table} WHERE {subject} = $1"))
                    .bind(person_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
