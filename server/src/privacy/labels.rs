//! The words for personal data: one declaration per personal column of the registry, in
//! English and Chinese, from the data file `privacy/labels.json` (read at start, like
//! `purposes.json`). "My data" shows values under these labels, never a table or column
//! name; the export reuses them.

use std::collections::BTreeMap;

use serde::Deserialize;
use ward_model::Localized;

use crate::registry::{self, Class, Place};

/// How a column's value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Show {
    Text,
    Number,
    /// Unix seconds.
    Time,
    YesNo,
    /// A code, put into words by `words`.
    Words,
    /// A purpose id: its name from `purposes.json`, else from `words`.
    Purpose,
    /// Opened with the person's key under the vault field `field`.
    Sealed,
    /// Never read: `about` says what it is (secrets, storage keys).
    Described,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnLabel {
    pub label: Localized,
    pub show: Show,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub about: Option<Localized>,
    #[serde(default)]
    pub words: BTreeMap<String, Localized>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableLabel {
    pub title: Localized,
    /// The column that orders the records, newest first (any column of the table).
    #[serde(default)]
    pub newest_by: Option<String>,
    /// How many of the newest records are shown.
    #[serde(default = "five")]
    pub newest: u32,
}

fn five() -> u32 {
    5
}

#[derive(Debug, Deserialize)]
pub struct Labels {
    /// Words for data this file does not know yet (a test fails on that meanwhile).
    pub other: Localized,
    tables: BTreeMap<String, TableLabel>,
    columns: BTreeMap<String, ColumnLabel>,
    /// Each purpose of the registry (its text there) in the person's words.
    #[serde(default)]
    purposes: BTreeMap<String, Localized>,
}

fn filled(l: &Localized) -> bool {
    !l.en.trim().is_empty() && !l.zh.trim().is_empty()
}

impl Labels {
    /// The shipped file, checked: a broken entry stops the server with the reason.
    pub fn shipped() -> anyhow::Result<Labels> {
        Labels::parse(include_str!("../../privacy/labels.json"))
    }

    pub fn parse(text: &str) -> anyhow::Result<Labels> {
        let labels: Labels = serde_json::from_str(text)?;
        labels.check()?;
        Ok(labels)
    }

    fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(filled(&self.other), "labels.json: `other` needs both languages");
        for (key, c) in &self.columns {
            let (table, column) = key.split_once('.').unwrap_or((key, ""));
            let personal = registry::lookup_in(Place::Region, table, column)
                .is_some_and(|c| matches!(c.class, Class::Personal(_)));
            anyhow::ensure!(personal, "labels.json: `{key}` is no personal column of the registry");
            anyhow::ensure!(filled(&c.label), "labels.json: `{key}` needs a label in English and Chinese");
            match c.show {
                Show::Sealed => anyhow::ensure!(
                    c.field.as_deref().is_some_and(|f| !f.is_empty()),
                    "labels.json: the sealed `{key}` names no vault field"
                ),
                Show::Described => anyhow::ensure!(
                    c.about.as_ref().is_some_and(filled),
                    "labels.json: `{key}` is described but has no `about` in both languages"
                ),
                Show::Words => {
                    anyhow::ensure!(!c.words.is_empty(), "labels.json: `{key}` shows words but has none")
                }
                _ => {}
            }
            for (code, w) in &c.words {
                anyhow::ensure!(filled(w), "labels.json: `{key}`'s word for `{code}` needs both languages");
            }
        }
        for (text, p) in &self.purposes {
            anyhow::ensure!(
                registry::personal().any(|(_, p)| p.purpose == text),
                "labels.json: the purpose `{text}` is no purpose of the registry"
            );
            anyhow::ensure!(filled(p), "labels.json: the purpose `{text}` needs both languages");
        }
        for (table, t) in &self.tables {
            anyhow::ensure!(
                registry::personal().any(|(c, _)| c.table == table),
                "labels.json: the table `{table}` holds no personal column"
            );
            anyhow::ensure!(
                filled(&t.title),
                "labels.json: the table `{table}` needs a title in both languages"
            );
            if let Some(by) = &t.newest_by {
                anyhow::ensure!(
                    registry::lookup_in(Place::Region, table, by).is_some(),
                    "labels.json: `{table}` is ordered by `{by}`, which the registry does not know"
                );
            }
        }
        Ok(())
    }

    pub fn column(&self, table: &str, column: &str) -> Option<&ColumnLabel> {
        self.columns.get(&format!("{table}.{column}"))
    }

    pub fn table(&self, table: &str) -> Option<&TableLabel> {
        self.tables.get(table)
    }

    /// A registry purpose in the person's words (as written in the registry while this file
    /// lacks it, which a test fails on).
    pub fn purpose(&self, text: &str) -> Localized {
        self.purposes.get(text).cloned().unwrap_or_else(|| Localized { en: text.into(), zh: text.into() })
    }

    /// What the registry declares personal but this file does not put into words: each
    /// personal column of a region table without a label, and each such table without a
    /// title. Empty when every piece of personal data has its words.
    pub fn missing(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (c, p) in registry::personal().filter(|(c, _)| c.place == Place::Region) {
            if self.column(c.table, c.column).is_none() {
                out.push(format!("{}.{}", c.table, c.column));
            }
            if self.table(c.table).is_none() && !out.contains(&c.table.to_string()) {
                out.push(c.table.to_string());
            }
            let purpose = format!("purpose: {}", p.purpose);
            if !self.purposes.contains_key(p.purpose) && !out.contains(&purpose) {
                out.push(purpose);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The registry walked: a personal column added without words fails here, naming it.
    #[test]
    fn every_personal_column_has_a_label_in_both_languages() {
        let labels = Labels::shipped().expect("labels.json is valid");
        assert_eq!(labels.missing(), Vec::<String>::new(), "add these to server/privacy/labels.json");
    }

    /// Every activity kind the server logs (each string handed to `Auth::log`) has words:
    /// a new kind never reaches a person as a code.
    #[test]
    fn every_logged_activity_kind_has_words() {
        fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    rust_files(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let labels = Labels::shipped().expect("labels.json is valid");
        let words = &labels.column("activity", "kind").expect("activity.kind has a label").words;
        let mut files = Vec::new();
        rust_files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let mut logged = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for call in text.split("auth.log(").skip(1) {
                let args = &call[..call.find(')').unwrap_or(call.len())];
                // A kind is a snake_case word (this test's own text is not a call).
                if let Some(kind) = args.split('"').nth(1)
                    && !kind.is_empty()
                    && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                {
                    logged.push(kind.to_string());
                }
            }
        }
        assert!(logged.len() >= 15, "the scan found the log calls: {logged:?}");
        let missing: Vec<_> = logged.iter().filter(|k| !words.contains_key(k.as_str())).collect();
        assert!(
            missing.is_empty(),
            "add words for {missing:?} to activity.kind in server/privacy/labels.json"
        );
    }

    #[test]
    fn a_label_for_a_column_the_registry_does_not_know_is_refused() {
        let err = Labels::parse(
            r#"{"other": {"en": "Other", "zh": "其他"}, "tables": {}, "columns": {"people.nickname": {"label": {"en": "Nickname", "zh": "昵称"}, "show": "text"}}}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("people.nickname"), "{err}");
        let err = Labels::parse(
            r#"{"other": {"en": "Other", "zh": "其他"}, "tables": {}, "columns": {"people.email_hash": {"label": {"en": "Hash", "zh": "哈希"}, "show": "text"}}}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("no personal column"), "not personal: {err}");
    }

    #[test]
    fn a_label_missing_a_language_or_a_sealed_column_without_its_field_is_refused() {
        let err = Labels::parse(
            r#"{"other": {"en": "Other", "zh": "其他"}, "tables": {}, "columns": {"people.name_ct": {"label": {"en": "Your name", "zh": ""}, "show": "sealed", "field": "name"}}}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("English and Chinese"), "{err}");
        let err = Labels::parse(
            r#"{"other": {"en": "Other", "zh": "其他"}, "tables": {}, "columns": {"people.name_ct": {"label": {"en": "Your name", "zh": "姓名"}, "show": "sealed"}}}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("vault field"), "{err}");
        let partial = Labels::parse(
            r#"{"other": {"en": "Other", "zh": "其他"}, "tables": {}, "columns": {"people.name_ct": {"label": {"en": "Your name", "zh": "姓名"}, "show": "sealed", "field": "name"}}}"#,
        )
        .unwrap();
        let missing = partial.missing();
        assert!(missing.contains(&"people.email_ct".to_string()) && missing.contains(&"people".to_string()));
    }
}
