//! "My data": what Ward holds about a person, generated from the personal-data registry
//! (categories, purposes, legal bases, retention) and counted in their region's store.
//! Nothing here lists fields by hand: a column added to the registry appears here.

use ward_model::{Basis, DataCategory, DataHolding, MyData, Region};

use super::Privacy;
use crate::auth::rfc3339;
use crate::registry::{self, Category, Column, LegalBasis, Personal, Place, Retention};
use crate::store::{Db, StoreError};

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

impl Privacy {
    pub async fn my_data(
        &self,
        db: &Db,
        region: Region,
        person_id: &str,
        now: i64,
    ) -> Result<MyData, StoreError> {
        // Personal columns of region stores, grouped by category, table, purpose and rule,
        // in the registry's order.
        let mut groups: Vec<(Category, &'static str, &'static Personal, Vec<&'static Column>)> = Vec::new();
        for (c, p) in registry::personal().filter(|(c, _)| c.place == Place::Region) {
            let same = |g: &&mut (Category, &str, &Personal, Vec<&Column>)| {
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
            let items = if table == PERSON_TABLE {
                let mut n = 0;
                for c in &columns {
                    n += db.count_held(table, person_column, c.column, person_id).await?;
                }
                n
            } else {
                db.count_held(table, person_column, columns[0].column, person_id).await?
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
                items: items.max(0) as u64,
                purpose: p.purpose.into(),
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
}
