//! The JSON Schema (2020-12) of `data.json`, generated from the registry like the archive
//! itself: every section, table and field the registry declares is named, required, and
//! nothing else is allowed, so `schema.json` checks an archive field by field. Served at
//! [`PATH`] (public: it describes a format, nothing of anyone) and put in every archive.
//!
//! Versioning: [`VERSION`] is the archive's shape (sections → tables → columns and records,
//! how values are given). It is raised when that shape changes, and the old path keeps
//! answering the old shape's schema only as long as such archives can exist (7 days). The
//! set of fields follows the registry: a new column is a new required field of the same
//! version, and an archive made before it lacks it, which is why a schema is in every
//! archive and `data.json` names the one it was made with.

use serde_json::{Map, Value, json};

use super::archive::{field_name, plan};
use crate::registry::Category;

/// The version of the archive's shape.
pub const VERSION: u32 = 1;
/// The schema's identifier (the same wherever Ward runs).
pub const ID: &str = "urn:ward:export:data:v1";
/// Where the API serves it.
pub const PATH: &str = "/api/privacy/exports/schema/v1";

/// The schema as a JSON value.
pub fn document() -> Value {
    let sections = plan();
    let mut section_props = Map::new();
    for (section, tables) in &sections {
        let mut table_props = Map::new();
        for tp in tables {
            let mut fields = Map::new();
            for (c, p) in &tp.columns {
                let value = if p.category == Category::Credentials {
                    json!({ "anyOf": [{ "type": "null" }, { "$ref": "#/$defs/withheld" }] })
                } else {
                    json!({ "$ref": "#/$defs/value" })
                };
                let mut v = value;
                if let Value::Object(o) = &mut v {
                    o.insert("description".into(), Value::from(p.purpose));
                }
                fields.insert(field_name(c.column).to_string(), v);
            }
            let required: Vec<Value> = fields.keys().cloned().map(Value::from).collect();
            fields.insert(
                "_as".into(),
                json!({ "type": "string", "description": "the column naming you, when a row is about you through another column than its owner's" }),
            );
            fields.insert(
                "_files".into(),
                json!({ "type": "object", "description": "files of the archive holding a column's picture", "additionalProperties": { "type": "string" } }),
            );
            let columns: Map<String, Value> = tp
                .columns
                .iter()
                .map(|(c, _)| (field_name(c.column).to_string(), json!({ "$ref": "#/$defs/declaration" })))
                .collect();
            let column_names: Vec<Value> = columns.keys().cloned().map(Value::from).collect();
            table_props.insert(
                tp.table.to_string(),
                json!({
                    "type": "object",
                    "required": ["columns", "records"],
                    "additionalProperties": false,
                    "properties": {
                        "columns": {
                            "type": "object",
                            "required": column_names,
                            "additionalProperties": false,
                            "properties": columns,
                        },
                        "records": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": required,
                                "additionalProperties": false,
                                "properties": fields,
                            }
                        }
                    }
                }),
            );
        }
        let table_names: Vec<Value> = table_props.keys().cloned().map(Value::from).collect();
        section_props.insert(
            section.to_string(),
            json!({
                "type": "object",
                "required": ["tables"],
                "additionalProperties": false,
                "properties": {
                    "tables": {
                        "type": "object",
                        "required": table_names,
                        "additionalProperties": false,
                        "properties": table_props,
                    }
                }
            }),
        );
    }
    let section_names: Vec<Value> = section_props.keys().cloned().map(Value::from).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": ID,
        "title": "Ward data export (data.json)",
        "description": "Everything Ward holds about one person, by section of the personal-data registry. Times are Unix seconds (UTC). Sealed values are given opened; credentials are withheld and described.",
        "type": "object",
        "required": ["format", "version", "schema", "generated_at", "region", "language", "sections"],
        "additionalProperties": false,
        "properties": {
            "format": { "const": "ward-export" },
            "version": { "const": VERSION },
            "schema": { "const": ID },
            "schema_url": { "type": "string" },
            "generated_at": { "type": "string", "format": "date-time" },
            "region": { "type": "string" },
            "language": { "enum": ["en", "zh"] },
            "sections": {
                "type": "object",
                "required": section_names,
                "additionalProperties": false,
                "properties": section_props,
            }
        },
        "$defs": {
            "value": { "type": ["string", "integer", "boolean", "null"] },
            "withheld": {
                "type": "object",
                "required": ["withheld"],
                "additionalProperties": false,
                "properties": { "withheld": { "type": "string" } }
            },
            "declaration": {
                "type": "object",
                "required": ["column", "category", "purpose", "legal_basis", "retention", "export_section", "erasure", "given"],
                "properties": {
                    "column": { "type": "string" },
                    "category": { "type": "string" },
                    "purpose": { "type": "string" },
                    "legal_basis": { "enum": ["contract", "consent", "legitimate_interest", "legal_obligation"] },
                    "retention": {
                        "type": "object",
                        "required": ["rule"],
                        "properties": { "rule": { "enum": ["until_account_deletion", "days"] }, "days": { "type": "integer" } }
                    },
                    "export_section": { "type": "string" },
                    "erasure": { "type": "object", "required": ["action"] },
                    "given": { "enum": ["opened", "as_stored", "withheld"] }
                }
            }
        }
    })
}

/// The schema as served and archived (pretty, stable).
pub fn json() -> String {
    serde_json::to_string_pretty(&document()).expect("a JSON value serialises")
}
