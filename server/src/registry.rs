//! The personal-data registry: every column of every table, declared once.
//!
//! A column is either personal (with its category, purpose, legal basis, retention rule,
//! export section and erasure action) or not personal (with the reason). Export, erasure,
//! retention and the "my data" page are driven from here, never from lists kept elsewhere.
//!
//! Architecture invariant: a test walks the real schema of both backends and fails on any
//! column missing here, and on any entry here that no longer exists in the schema.

use serde::Serialize;

/// What kind of personal data a column holds (shown on "my data", used in exports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Name, date of birth: who the person is.
    Identity,
    /// Email, phone, postal address: how to reach them.
    Contact,
    /// Password hashes, second factors: how they prove who they are.
    Credentials,
    /// Sessions, sign-in records, addresses seen: security and account activity.
    Activity,
    /// Choices the person made: consents, preferences.
    Choices,
    /// Cameras and what they record: device data, alarm pictures, call records.
    Devices,
}

/// Why the processing is lawful (GDPR art. 6 and its counterparts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    /// Needed to provide the service the person signed up for.
    Contract,
    /// Given by the person and withdrawable.
    Consent,
    /// Ours, balanced against theirs; the person may object.
    LegitimateInterest,
    /// A law requires us to keep it.
    LegalObligation,
}

/// How long a column's value is kept. A background job enforces every rule but the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "rule", content = "days")]
pub enum Retention {
    /// Kept while the account exists; erased with it.
    UntilAccountDeletion,
    /// Deleted this many days after it was recorded.
    Days(u32),
}

/// What erasing the person does to the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action", content = "reason")]
pub enum Erasure {
    /// The row is deleted.
    Delete,
    /// The value is encrypted with the person's key, which is destroyed: copies taken
    /// before (backups) no longer reveal it.
    CryptoShred,
    /// Kept because a law requires it, for the reason given; shown to the person.
    Retain(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Personal {
    pub category: Category,
    /// In plain words, for the "my data" page.
    pub purpose: &'static str,
    pub legal_basis: LegalBasis,
    pub retention: Retention,
    /// The section of the export archive the value goes to.
    pub export_section: &'static str,
    pub erasure: Erasure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Class {
    Personal(Personal),
    /// Holds nothing about a person; `why` says how we know.
    NotPersonal {
        why: &'static str,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Column {
    pub table: &'static str,
    pub column: &'static str,
    pub class: Class,
}

const fn not_personal(table: &'static str, column: &'static str, why: &'static str) -> Column {
    Column { table, column, class: Class::NotPersonal { why } }
}

const SQLX_BOOKKEEPING: &str = "sqlx's record of applied migrations";

/// Every column of every table, in every store. Add a migration, add its columns here.
pub const COLUMNS: &[Column] = &[
    not_personal("ward_meta", "key", "names a fact about the database itself"),
    not_personal("ward_meta", "value", "a fact about the database itself, such as its schema name"),
    not_personal("_sqlx_migrations", "version", SQLX_BOOKKEEPING),
    not_personal("_sqlx_migrations", "description", SQLX_BOOKKEEPING),
    not_personal("_sqlx_migrations", "installed_on", SQLX_BOOKKEEPING),
    not_personal("_sqlx_migrations", "success", SQLX_BOOKKEEPING),
    not_personal("_sqlx_migrations", "checksum", SQLX_BOOKKEEPING),
    not_personal("_sqlx_migrations", "execution_time", SQLX_BOOKKEEPING),
];

/// The declaration of one column, if any.
pub fn lookup(table: &str, column: &str) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.table == table && c.column == column)
}

/// Every personal column, for export, erasure, retention and "my data".
pub fn personal() -> impl Iterator<Item = (&'static Column, &'static Personal)> {
    COLUMNS.iter().filter_map(|c| match &c.class {
        Class::Personal(p) => Some((c, p)),
        Class::NotPersonal { .. } => None,
    })
}

/// How the real schema and the registry disagree.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    /// Columns in the schema that the registry does not declare.
    pub undeclared: Vec<(String, String)>,
    /// Declarations whose column the schema no longer has.
    pub stale: Vec<(&'static str, &'static str)>,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.undeclared.is_empty() && self.stale.is_empty()
    }
}

/// Compares the `(table, column)` pairs of a real schema with the registry.
pub fn drift(schema: &[(String, String)]) -> Drift {
    let undeclared = schema.iter().filter(|(t, c)| lookup(t, c).is_none()).cloned().collect::<Vec<_>>();
    let stale = COLUMNS
        .iter()
        .filter(|d| !schema.iter().any(|(t, c)| t == d.table && c == d.column))
        .map(|d| (d.table, d.column))
        .collect();
    Drift { undeclared, stale }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(t, c)| (t.to_string(), c.to_string())).collect()
    }

    #[test]
    fn a_column_the_registry_does_not_know_is_reported_undeclared() {
        let mut schema: Vec<_> = COLUMNS.iter().map(|c| (c.table.into(), c.column.into())).collect();
        schema.push(("users".into(), "nickname".into()));
        let d = drift(&schema);
        assert_eq!(d.undeclared, pairs(&[("users", "nickname")]));
        assert!(d.stale.is_empty());
    }

    #[test]
    fn a_declaration_whose_column_is_gone_is_reported_stale() {
        let schema: Vec<_> = COLUMNS.iter().skip(1).map(|c| (c.table.into(), c.column.into())).collect();
        let d = drift(&schema);
        assert_eq!(d.stale, vec![(COLUMNS[0].table, COLUMNS[0].column)]);
        assert!(d.undeclared.is_empty());
    }

    #[test]
    fn no_column_is_declared_twice() {
        for (i, a) in COLUMNS.iter().enumerate() {
            for b in &COLUMNS[i + 1..] {
                assert!(!(a.table == b.table && a.column == b.column), "{}.{} twice", a.table, a.column);
            }
        }
    }

    #[test]
    fn every_declaration_explains_itself() {
        for c in COLUMNS {
            match &c.class {
                Class::NotPersonal { why } => assert!(!why.trim().is_empty(), "{}.{}", c.table, c.column),
                Class::Personal(p) => {
                    assert!(!p.purpose.trim().is_empty(), "{}.{} purpose", c.table, c.column);
                    assert!(!p.export_section.trim().is_empty(), "{}.{} export", c.table, c.column);
                    if let Erasure::Retain(reason) = p.erasure {
                        assert!(!reason.trim().is_empty(), "{}.{} retention reason", c.table, c.column);
                    }
                }
            }
        }
    }
}
