//! "My data": what Ward holds about a person, generated from the personal-data registry
//! (categories, purposes, legal bases, retention), read from their region's store and put
//! into words by `privacy/labels.json`. Nothing here lists fields by hand: a column added to
//! the registry appears here (and a test fails until it has its words).
//!
//! Values are read for the person asking only: their rows (by the registry's subject
//! column), sealed values opened with their own key. Secrets are never read: a described
//! column is asked only whether it holds something.

use ward_model::{Basis, DataCategory, DataHolding, HeldField, HeldValue, Localized, MyData, Region};

use super::Privacy;
use super::labels::{ColumnLabel, Show};
use crate::auth::rfc3339;
use crate::error::AppError;
use crate::registry::{self, Category, Column, LegalBasis, Personal, Place, Retention};
use crate::store::{Db, HeldCell as Cell, Want};
use crate::vault::PersonKey;

/// The table whose rows are the person (one row, so its fields are counted one by one).
const PERSON_TABLE: &str = "people";

fn basis(b: LegalBasis) -> Basis {
    match b {
        LegalBasis::Contract => Basis::Contract,
        LegalBasis::Consent => Basis::Consent,
        LegalBasis::LegitimateInterest => Basis::LegitimateInterest,
        LegalBasis::LegalObligation => Basis::LegalObligation,
    }
}

fn category_code(c: Category) -> String {
    serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn want(show: Option<Show>) -> Want {
    match show {
        Some(Show::Number | Show::Time) => Want::Int,
        Some(Show::YesNo) => Want::Bool,
        Some(Show::Text | Show::Words | Show::Purpose) => Want::Text,
        Some(Show::Sealed) => Want::Bytes,
        Some(Show::Described) | None => Want::Present,
    }
}

impl Privacy {
    /// What Ward holds about the person `key` belongs to, read from `db`, their region's
    /// store: for each category, each table's values (the account's fields; the newest few
    /// records of anything else, with how many there are) with purpose, legal basis,
    /// retention and the next deletion.
    pub async fn my_data(
        &self,
        db: &Db,
        region: Region,
        person_id: &str,
        key: &PersonKey,
        now: i64,
    ) -> Result<MyData, AppError> {
        // Personal columns of region stores, grouped by category, table, purpose and rule,
        // in the registry's order.
        type Group = (Category, &'static str, &'static Personal, Vec<&'static Column>);
        let mut groups: Vec<Group> = Vec::new();
        for (c, p) in registry::of_accounts() {
            let same = |g: &&mut Group| {
                g.0 == p.category
                    && g.1 == c.table
                    && g.2.purpose == p.purpose
                    && g.2.legal_basis == p.legal_basis
                    && g.2.retention == p.retention
            };
            match groups.iter_mut().find(same) {
                Some(g) => g.3.push(c),
                None => groups.push((p.category, c.table, p, vec![c])),
            }
        }
        let mut categories: Vec<DataCategory> = Vec::new();
        for (category, table, p, columns) in groups {
            let person_column = registry::subject_column(table);
            let table_label = self.labels.table(table);
            let labelled: Vec<(&'static Column, Option<&ColumnLabel>)> =
                columns.iter().map(|c| (*c, self.labels.column(table, c.column))).collect();
            let wants = |cols: &[(&'static Column, Option<&ColumnLabel>)]| {
                cols.iter().map(|(c, l)| (c.column, want(l.map(|l| l.show)))).collect::<Vec<_>>()
            };
            let (items, fields, records) = if table == PERSON_TABLE {
                let rows = db.held_rows(table, person_column, person_id, &wants(&labelled), None, 1).await?;
                let fields = match rows.into_iter().next() {
                    Some(row) => self.fields(&labelled, row, key)?,
                    None => Vec::new(),
                };
                (fields.len() as i64, fields, Vec::new())
            } else {
                let n = db.count_rows(table, person_column, person_id).await?;
                // What every record holds but is never shown (secrets, stored pictures) is
                // described once; the rest is read from the newest records.
                let (described, valued): (Vec<_>, Vec<_>) =
                    labelled.iter().copied().partition(|(_, l)| l.is_none_or(|l| l.show == Show::Described));
                let mut fields = Vec::new();
                let mut records = Vec::new();
                if n > 0 {
                    fields = described.iter().map(|(_, l)| self.described(*l)).collect();
                    if !valued.is_empty() {
                        let newest_by = table_label
                            .and_then(|t| t.newest_by.as_deref())
                            .and_then(|by| registry::lookup_in(Place::Region, table, by))
                            .map(|c| c.column);
                        let limit = table_label.map_or(5, |t| t.newest);
                        let rows = db
                            .held_rows(
                                table,
                                person_column,
                                person_id,
                                &wants(&valued),
                                newest_by,
                                limit.into(),
                            )
                            .await?;
                        for row in rows {
                            records.push(self.fields(&valued, row, key)?);
                        }
                    }
                }
                (n, fields, records)
            };
            let (retention_days, next) = match p.retention {
                Retention::UntilAccountDeletion => (None, None),
                Retention::Days(days) => {
                    let time = registry::AGED_TABLES
                        .iter()
                        .chain(registry::MEDIA_TABLES)
                        .find(|(t, _)| *t == table)
                        .map(|(_, c)| *c);
                    let oldest = match time {
                        Some(col) if items > 0 => {
                            db.oldest_held(table, person_column, col, person_id).await?
                        }
                        _ => None,
                    };
                    (Some(days), oldest.map(|t| t + i64::from(days) * 86_400))
                }
            };
            let holding = DataHolding {
                table: table.into(),
                columns: columns.iter().map(|c| c.column.to_string()).collect(),
                title: table_label.map_or_else(|| self.labels.other.clone(), |t| t.title.clone()),
                items: items.max(0) as u64,
                fields,
                records,
                purpose: self.labels.purpose(p.purpose),
                legal_basis: basis(p.legal_basis),
                retention_days,
                next_deletion: next.map(rfc3339),
                next_deletion_in: next.map(|t| (t - now).max(0)),
            };
            let code = category_code(category);
            match categories.iter_mut().find(|c| c.category == code) {
                Some(c) => {
                    c.items += holding.items;
                    c.holdings.push(holding);
                }
                None => {
                    let recipients = self
                        .purposes
                        .iter()
                        .filter(|pu| pu.categories.contains(&code))
                        .flat_map(|pu| pu.recipients.iter().cloned())
                        .fold(Vec::new(), |mut acc, r| {
                            if !acc.contains(&r) {
                                acc.push(r);
                            }
                            acc
                        });
                    categories.push(DataCategory {
                        category: code,
                        items: holding.items,
                        holdings: vec![holding],
                        recipients,
                    });
                }
            }
        }
        Ok(MyData { region, generated_at: rfc3339(now), categories })
    }

    /// One row's cells under their labels; an empty cell is left out.
    fn fields(
        &self,
        columns: &[(&'static Column, Option<&ColumnLabel>)],
        row: Vec<Cell>,
        key: &PersonKey,
    ) -> Result<Vec<HeldField>, AppError> {
        let mut out = Vec::new();
        for ((_, label), cell) in columns.iter().zip(row) {
            let Some(l) = *label else {
                if cell != Cell::Null {
                    out.push(self.described(None));
                }
                continue;
            };
            let value = match cell {
                Cell::Null => continue,
                Cell::Present => self.described(Some(l)).value,
                Cell::Int(v) if l.show == Show::Time => HeldValue::Time(rfc3339(v)),
                Cell::Int(v) => HeldValue::Number(v),
                Cell::Bool(b) => HeldValue::YesNo(b),
                Cell::Text(t) => match l.show {
                    Show::Words => HeldValue::Words(words(l, &t)),
                    Show::Purpose => HeldValue::Words(match self.purpose(&t) {
                        Some(p) => p.name.clone(),
                        None => words(l, &t),
                    }),
                    _ => HeldValue::Text(t),
                },
                Cell::Bytes(sealed) => {
                    let field = l.field.as_deref().unwrap_or_default();
                    HeldValue::Text(key.open(field, &sealed).map_err(AppError::internal)?)
                }
            };
            out.push(HeldField { label: l.label.clone(), value });
        }
        Ok(out)
    }

    /// A described column: its label and what it is, never its value.
    fn described(&self, label: Option<&ColumnLabel>) -> HeldField {
        let other = || self.labels.other.clone();
        match label {
            Some(l) => HeldField {
                label: l.label.clone(),
                value: HeldValue::Words(l.about.clone().unwrap_or_else(other)),
            },
            None => HeldField { label: other(), value: HeldValue::Words(other()) },
        }
    }
}

/// A code (or a comma-separated list of codes) in words; a code the file does not know is
/// shown as its words with spaces, in both languages.
fn words(label: &ColumnLabel, codes: &str) -> Localized {
    let mut en = Vec::new();
    let mut zh = Vec::new();
    for code in codes.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        match label.words.get(code) {
            Some(w) => {
                en.push(w.en.clone());
                zh.push(w.zh.clone());
            }
            None => {
                en.push(code.replace('_', " "));
                zh.push(code.replace('_', " "));
            }
        }
    }
    Localized { en: en.join(", "), zh: zh.join("、") }
}
