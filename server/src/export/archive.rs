//! What goes into the archive, gathered from the registry and the person's rows:
//!
//! - `data.json`: `sections` → `tables` → `columns` (each personal column's declaration:
//!   category, purpose, legal basis, retention, erasure) and `records` (the person's rows,
//!   one object each, a field per column). The declarations sit beside the records of their
//!   table rather than inside each record: every record of a table has the same ones, and a
//!   person with 10,000 alarms should not get them 10,000 times.
//! - `schema.json` (`schema.rs`), `csv/<section>-<table>.csv`, `index.html` (the person's
//!   language, no script, no network: it opens from the unpacked folder), the pictures
//!   (`pictures/<table>/<name>`, opened), `consent-ledger.json` and `consent-ledger.txt`.
//!
//! How values are given:
//! - a sealed column (`*_ct`) is opened with the person's key and named without `_ct`;
//! - a **credential** (the registry's `Credentials` category: password and code hashes,
//!   session token hashes, the authenticator secret, passkey keys) is described, never
//!   given: `{"withheld": "…"}`. Its bytes say nothing about the person, and an archive is
//!   a file that travels (mail attachments, shared folders, a lost laptop): a password hash
//!   in it could be cracked offline, an authenticator secret would be a working second
//!   factor. That the value is held, and why, is what the person is owed;
//! - other bytes as hex; numbers, booleans and text as stored (times are Unix seconds;
//!   `index.html` shows them as dates).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Map, Value, json};
use tokio::sync::{mpsc, watch};
use ward_model::{ExportProgress, Region};

use super::zip::Method;
use super::{BuildError, Lang, Piece, schema};
use crate::auth::{field, rfc3339};
use crate::devices::media::PictureError;
use crate::devices::{DEVICE_ADDRESS, DEVICE_NAME, DEVICE_SERIAL, Media};
use crate::registry::{self, Category, Column, Personal, Retention};
use crate::store::{Cell, Chain, Db};
use crate::vault::{PersonKey, Vault};

/// Rows that are also about a second person, through another column than their subject
/// column: a share is its owner's choice (`registry::SUBJECT_COLUMNS`) and also the
/// invitee's record of what they were given. Their archive holds those rows, and only the
/// personal columns of them (never the owner's ids or sealed fields).
pub const CO_SUBJECTS: &[(&str, &str)] = &[("device_shares", "invitee_id")];

/// Rows shown per table in `index.html`; the CSV and data.json hold them all.
const HTML_ROWS: usize = 200;
/// Bytes gathered before they go to the writing thread.
const PIECE: usize = 64 * 1024;

/// Where the archive's contents are read from, and where progress goes.
pub struct Ctx<'a> {
    pub db: &'a Db,
    pub directory: &'a Db,
    pub vault: &'a Vault,
    pub media: &'a Media,
    pub key: &'a PersonKey,
    pub person_id: &'a str,
    pub region: Region,
    pub lang: Lang,
    pub now: i64,
    pub progress: &'a watch::Sender<ExportProgress>,
    pub cancel: &'a AtomicBool,
}

impl Ctx<'_> {
    fn check(&self) -> Result<(), BuildError> {
        if self.cancel.load(Ordering::Relaxed) { Err(BuildError::Cancelled) } else { Ok(()) }
    }

    fn step(&self, step: &str) {
        self.progress.send_modify(|p| {
            if !p.step.is_empty() {
                p.steps_done += 1;
            }
            p.step = step.to_string();
        });
    }
}

/// Bytes on their way to the writing thread, in pieces of 64 KiB.
pub struct Sink {
    tx: mpsc::Sender<Piece>,
    buf: Vec<u8>,
}

impl Sink {
    pub(crate) fn new(tx: mpsc::Sender<Piece>) -> Sink {
        Sink { tx, buf: Vec::with_capacity(PIECE) }
    }

    async fn send(&self, piece: Piece) -> Result<(), BuildError> {
        self.tx.send(piece).await.map_err(|_| BuildError::Other("the archive's writer stopped".into()))
    }

    async fn flush(&mut self) -> Result<(), BuildError> {
        if !self.buf.is_empty() {
            let bytes = std::mem::replace(&mut self.buf, Vec::with_capacity(PIECE));
            self.send(Piece::Bytes(bytes)).await?;
        }
        Ok(())
    }

    async fn file(&mut self, name: &str, method: Method) -> Result<(), BuildError> {
        self.flush().await?;
        self.send(Piece::Start(name.to_string(), method)).await
    }

    async fn put(&mut self, bytes: &[u8]) -> Result<(), BuildError> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= PIECE {
            self.flush().await?;
        }
        Ok(())
    }

    async fn done(mut self) -> Result<(), BuildError> {
        self.flush().await?;
        self.send(Piece::Done).await
    }
}

/// One table's personal columns in one section.
#[derive(Debug, Clone)]
pub struct TablePlan {
    pub section: &'static str,
    pub table: &'static str,
    pub columns: Vec<(&'static Column, &'static Personal)>,
}

impl TablePlan {
    pub fn csv_name(&self) -> String {
        format!("csv/{}-{}.csv", self.section, self.table)
    }

    fn names(&self) -> Vec<&'static str> {
        self.columns.iter().map(|(c, _)| c.column).collect()
    }

    /// Whether some rows are about the person through another column than the subject.
    fn co_subject(&self) -> Option<&'static str> {
        CO_SUBJECTS.iter().find(|(t, _)| *t == self.table).map(|(_, c)| *c)
    }
}

/// Every section of the archive with its tables, in the registry's order: the registry's
/// personal columns of region stores (the directory declares nothing personal).
pub fn plan() -> Vec<(&'static str, Vec<TablePlan>)> {
    let mut sections: Vec<(&'static str, Vec<TablePlan>)> = Vec::new();
    for (c, p) in registry::of_accounts() {
        let tables = match sections.iter_mut().find(|(s, _)| *s == p.export_section) {
            Some((_, t)) => t,
            None => {
                sections.push((p.export_section, Vec::new()));
                &mut sections.last_mut().expect("just pushed").1
            }
        };
        match tables.iter_mut().find(|t| t.table == c.table) {
            Some(t) => t.columns.push((c, p)),
            None => {
                tables.push(TablePlan { section: p.export_section, table: c.table, columns: vec![(c, p)] })
            }
        }
    }
    sections
}

/// A column's name in the archive: a sealed column is given opened, so without `_ct`.
pub fn field_name(column: &str) -> &str {
    column.strip_suffix("_ct").unwrap_or(column)
}

/// The vault's name for a sealed column (what its ciphertext is bound to), if known.
/// A sealed column without one stops the build: the completeness test then names it.
pub fn sealed_field(table: &str, column: &str) -> Option<&'static str> {
    let stem = column.strip_suffix("_ct")?;
    Some(match (table, stem) {
        ("devices", "serial") => DEVICE_SERIAL,
        ("devices", "name") => DEVICE_NAME,
        ("devices", "address") => DEVICE_ADDRESS,
        ("passkeys", "credential") => field::PASSKEY,
        ("passkeys", "name") => field::PASSKEY_NAME,
        ("rights_requests", "details") => crate::requests::field::DETAILS,
        ("request_events", "text") => crate::requests::field::TEXT,
        ("export_links", "label") => super::transfer::LINK_LABEL,
        ("guardian_requests", "child") => crate::requests::guardian::field::CHILD,
        ("guardian_proofs", "proof") => crate::requests::guardian::field::PROOF,
        ("child_guardians", "guardian_email") => crate::requests::guardian::field::GUARDIAN_EMAIL,
        (_, "name") => field::NAME,
        (_, "email") => field::EMAIL,
        (_, "phone") => field::PHONE,
        (_, "birth_date") => field::BIRTH_DATE,
        (_, "pending_email") => field::PENDING_EMAIL,
        (_, "totp_secret") => field::TOTP_SECRET,
        (_, "address") => field::ADDRESS,
        (_, "browser") => field::BROWSER,
        _ => return None,
    })
}

/// Whether a column holds media keys whose pictures go into the archive.
fn is_media(table: &str, column: &str) -> bool {
    registry::MEDIA_TABLES.iter().any(|(t, _)| *t == table) && column.ends_with("_key")
}

/// A picture's path in the archive, from its key in the media store.
pub fn picture_path(table: &str, key: &str) -> String {
    let base = key.rsplit('/').next().unwrap_or(key);
    let safe: String = base
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    format!("pictures/{table}/{safe}")
}

/// What a withheld credential says instead of its value.
pub const WITHHELD: &str =
    "held, not included: a secret that proves who you are; a copy in a file could let someone sign in as you";

/// One record: its fields for data.json, and the same values as CSV cells.
struct Record {
    json: Map<String, Value>,
    csv: Vec<String>,
}

fn render(
    ctx: &Ctx<'_>,
    t: &TablePlan,
    cells: Vec<Cell>,
    relation: Option<&str>,
) -> Result<Record, BuildError> {
    let mut json = Map::new();
    let mut csv = Vec::with_capacity(cells.len() + 1);
    let mut files = Map::new();
    for ((c, p), cell) in t.columns.iter().zip(cells) {
        let value = if p.category == Category::Credentials {
            match cell {
                Cell::Null => Value::Null,
                _ => json!({ "withheld": WITHHELD }),
            }
        } else if c.column.ends_with("_ct") {
            match cell {
                Cell::Null => Value::Null,
                Cell::Bytes(ct) => {
                    let f = sealed_field(c.table, c.column).ok_or_else(|| {
                        BuildError::Other(format!("no vault field is known for {}.{}", c.table, c.column))
                    })?;
                    if relation.is_some() {
                        // Sealed by the subject (a share's owner) for themselves: not given
                        // to the co-subject, who is shown only what was kept in the clear.
                        Value::Null
                    } else {
                        Value::String(ctx.key.open(f, &ct).map_err(|e| BuildError::Other(e.to_string()))?)
                    }
                }
                other => {
                    return Err(BuildError::Other(format!(
                        "{}.{} is not sealed: {other:?}",
                        c.table, c.column
                    )));
                }
            }
        } else {
            match cell {
                Cell::Null => Value::Null,
                Cell::Int(n) => Value::from(n),
                Cell::Bool(b) => Value::Bool(b),
                Cell::Text(s) => Value::String(s),
                Cell::Bytes(b) => Value::String(hex::encode(b)),
            }
        };
        if let (true, Value::String(key)) = (is_media(c.table, c.column), &value) {
            files.insert(c.column.to_string(), Value::String(picture_path(c.table, key)));
        }
        csv.push(match &value {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Object(_) => "withheld".into(),
            other => other.to_string(),
        });
        json.insert(field_name(c.column).to_string(), value);
    }
    if let Some(r) = relation {
        json.insert("_as".into(), Value::String(r.to_string()));
    }
    if t.co_subject().is_some() {
        csv.push(relation.unwrap_or(registry::subject_column(t.table)).to_string());
    }
    if !files.is_empty() {
        json.insert("_files".into(), Value::Object(files));
    }
    Ok(Record { json, csv })
}

/// The person's records of one table: the rows about them by its subject column, then
/// those about them through a co-subject column.
struct Records<'c, 'a> {
    ctx: &'c Ctx<'a>,
    t: &'c TablePlan,
    relations: Vec<(&'static str, Option<&'static str>)>,
    rows: Option<(Rows, Option<&'static str>)>,
}

/// Rows of a table as the store reads them (`Db::export_rows`).
type Rows = mpsc::Receiver<Result<Vec<Cell>, crate::store::StoreError>>;

impl<'c, 'a> Records<'c, 'a> {
    fn new(ctx: &'c Ctx<'a>, t: &'c TablePlan) -> Records<'c, 'a> {
        let mut relations = vec![(registry::subject_column(t.table), None)];
        if let Some(co) = t.co_subject() {
            relations.push((co, Some(co)));
        }
        Records { ctx, t, relations, rows: None }
    }

    async fn next(&mut self) -> Result<Option<Record>, BuildError> {
        loop {
            if let Some((rx, relation)) = &mut self.rows {
                match rx.recv().await {
                    Some(Ok(cells)) => {
                        self.ctx.check()?;
                        return render(self.ctx, self.t, cells, *relation).map(Some);
                    }
                    Some(Err(e)) => return Err(e.into()),
                    None => self.rows = None,
                }
                continue;
            }
            if self.relations.is_empty() {
                return Ok(None);
            }
            let (column, relation) = self.relations.remove(0);
            let rx = self.ctx.db.export_rows(self.t.table, &self.t.names(), column, self.ctx.person_id);
            self.rows = Some((rx, relation));
        }
    }
}

fn retention_text(lang: Lang, r: Retention) -> String {
    match r {
        Retention::UntilAccountDeletion => t(lang, Text::UntilDeletion).into(),
        Retention::Days(d) => t(lang, Text::Days).replace("{0}", &d.to_string()),
    }
}

/// Builds the whole archive into `sink`.
pub async fn build(ctx: &Ctx<'_>, mut sink: Sink) -> Result<(), BuildError> {
    let sections = plan();
    let pictures_total = {
        let mut n = 0u64;
        for (_, tables) in &sections {
            for tp in tables {
                for (c, _) in tp.columns.iter().filter(|(c, _)| is_media(c.table, c.column)) {
                    let subject = registry::subject_column(tp.table);
                    n += ctx.db.count_held(tp.table, subject, c.column, ctx.person_id).await?.max(0) as u64;
                }
            }
        }
        n
    };
    ctx.progress.send_modify(|p| {
        p.steps_total = sections.len() as u32 + 4;
        p.pictures_total = pictures_total;
    });

    // data.json, section by section.
    let mut counts: HashMap<(&str, &str), u64> = HashMap::new();
    sink.file("data.json", Method::Deflate).await?;
    let head = json!({
        "format": "ward-export",
        "version": schema::VERSION,
        "schema": schema::ID,
        "schema_url": schema::PATH,
        "generated_at": rfc3339(ctx.now),
        "region": ctx.region.code(),
        "language": ctx.lang.code(),
    });
    let head = serde_json::to_string(&head).map_err(|e| BuildError::Other(e.to_string()))?;
    sink.put(head.trim_end_matches('}').as_bytes()).await?;
    sink.put(b",\"sections\":{").await?;
    for (si, (section, tables)) in sections.iter().enumerate() {
        ctx.check()?;
        ctx.step(section);
        if si > 0 {
            sink.put(b",").await?;
        }
        sink.put(format!("{}:{{\"tables\":{{", Value::from(*section)).as_bytes()).await?;
        for (ti, tp) in tables.iter().enumerate() {
            if ti > 0 {
                sink.put(b",").await?;
            }
            let columns: Map<String, Value> = tp
                .columns
                .iter()
                .map(|(c, p)| {
                    let given = if p.category == Category::Credentials {
                        "withheld"
                    } else if c.column.ends_with("_ct") {
                        "opened"
                    } else {
                        "as_stored"
                    };
                    let mut decl = serde_json::to_value(p).unwrap_or(Value::Null);
                    if let Value::Object(o) = &mut decl {
                        o.insert("column".into(), Value::from(c.column));
                        o.insert("given".into(), Value::from(given));
                    }
                    (field_name(c.column).to_string(), decl)
                })
                .collect();
            sink.put(
                format!("{}:{{\"columns\":{},\"records\":[", Value::from(tp.table), Value::Object(columns))
                    .as_bytes(),
            )
            .await?;
            let mut n = 0u64;
            let mut rows = Records::new(ctx, tp);
            while let Some(r) = rows.next().await? {
                if n > 0 {
                    sink.put(b",").await?;
                }
                n += 1;
                sink.put(Value::Object(r.json).to_string().as_bytes()).await?;
            }
            counts.insert((*section, tp.table), n);
            sink.put(b"]}").await?;
        }
        sink.put(b"}}").await?;
    }
    sink.put(b"}}").await?;

    // One CSV per table of each section.
    ctx.step("tables");
    for (_, tables) in &sections {
        for tp in tables {
            ctx.check()?;
            sink.file(&tp.csv_name(), Method::Deflate).await?;
            let mut header: Vec<String> =
                tp.columns.iter().map(|(c, _)| field_name(c.column).to_string()).collect();
            if tp.co_subject().is_some() {
                header.push("_as".into());
            }
            sink.put(csv_line(&header).as_bytes()).await?;
            let mut rows = Records::new(ctx, tp);
            while let Some(r) = rows.next().await? {
                sink.put(csv_line(&r.csv).as_bytes()).await?;
            }
        }
    }

    // The pictures, opened.
    ctx.step("pictures");
    let mut missing = 0u64;
    for (_, tables) in &sections {
        for tp in tables {
            let media: Vec<&'static str> =
                tp.columns.iter().map(|(c, _)| c.column).filter(|c| is_media(tp.table, c)).collect();
            if media.is_empty() {
                continue;
            }
            let subject = registry::subject_column(tp.table);
            let mut rows = ctx.db.export_rows(tp.table, &media, subject, ctx.person_id);
            while let Some(cells) = rows.recv().await {
                let cells = cells?;
                for (i, cell) in cells.iter().enumerate() {
                    ctx.check()?;
                    let Cell::Text(key) = cell else { continue };
                    // One file per key: older rows may name one picture as both the
                    // picture and its thumbnail, and a ZIP must not hold a name twice.
                    if cells[..i].iter().any(|c| matches!(c, Cell::Text(k) if k == key)) {
                        ctx.progress.send_modify(|p| p.pictures_done += 1);
                        continue;
                    }
                    match ctx.media.picture(ctx.key, key).await {
                        Ok(jpeg) => {
                            sink.file(&picture_path(tp.table, key), Method::Stored).await?;
                            sink.put(&jpeg).await?;
                        }
                        // Deleted by the retention job meanwhile: said in index.html.
                        Err(PictureError::NotFound) => missing += 1,
                        Err(err) => {
                            tracing::warn!(%err, "a picture could not be exported");
                            missing += 1;
                        }
                    }
                    ctx.progress.send_modify(|p| p.pictures_done += 1);
                }
            }
        }
    }

    // The consent ledger with its chain, and how to check it.
    ctx.check()?;
    ctx.step("consent_ledger");
    let ledger = ctx.db.ledger(ctx.person_id).await?;
    let anchor = ctx.directory.chain_head(Chain::Consent, ctx.person_id).await?;
    let verification = crate::privacy::verify(ctx.vault, ctx.person_id, &ledger, anchor.as_ref());
    let chain: Vec<Value> = ledger
        .iter()
        .map(|r| {
            json!({
                "seq": r.seq, "purpose": r.purpose, "action": r.action, "policy_version": r.policy_version,
                "method": r.method, "text_version": r.text_version, "at": r.at, "at_utc": rfc3339(r.at),
                "prev_hash": hex::encode(&r.prev_hash), "hash": hex::encode(&r.hash),
            })
        })
        .collect();
    let ledger_doc = json!({
        "genesis": hex::encode(crate::store::GENESIS),
        "records": chain,
        "verification": verification,
        "how_to_verify": t(ctx.lang, Text::LedgerHow),
    });
    sink.file("consent-ledger.json", Method::Deflate).await?;
    sink.put(serde_json::to_string_pretty(&ledger_doc).unwrap_or_default().as_bytes()).await?;
    sink.file("consent-ledger.txt", Method::Deflate).await?;
    let verdict = ledger_verdict(ctx.lang, &verification);
    sink.put(format!("{verdict}\n\n{}\n", t(ctx.lang, Text::LedgerHow)).as_bytes()).await?;

    // index.html: the summary a person reads.
    ctx.check()?;
    ctx.step("summary");
    sink.file("index.html", Method::Deflate).await?;
    sink.put(html_head(ctx).as_bytes()).await?;
    for (section, tables) in &sections {
        ctx.check()?;
        sink.put(format!("<section><h2>{}</h2>\n", esc(&section_name(ctx.lang, section))).as_bytes()).await?;
        for tp in tables {
            let n = counts.get(&(*section, tp.table)).copied().unwrap_or(0);
            sink.put(html_declarations(ctx.lang, tp).as_bytes()).await?;
            if n == 0 {
                sink.put(format!("<p>{}</p>\n", esc(t(ctx.lang, Text::Nothing))).as_bytes()).await?;
                continue;
            }
            sink.put(html_table_head(tp).as_bytes()).await?;
            let mut shown = 0usize;
            // Only the first rows: the query stops when the receiver is dropped.
            let mut rows = Records::new(ctx, tp);
            while shown < HTML_ROWS
                && let Some(r) = rows.next().await?
            {
                shown += 1;
                sink.put(html_row(tp, &r.json).as_bytes()).await?;
            }
            sink.put(b"</tbody></table></div>\n").await?;
            if n as usize > HTML_ROWS {
                let more = t(ctx.lang, Text::More)
                    .replace("{0}", &(n as usize - HTML_ROWS).to_string())
                    .replace("{1}", &tp.csv_name());
                sink.put(format!("<p>{}</p>\n", esc(&more)).as_bytes()).await?;
            }
        }
        sink.put(b"</section>\n").await?;
    }
    let mut tail = format!("<section><h2>{}</h2><p>{}</p>", esc(t(ctx.lang, Text::Ledger)), esc(&verdict));
    let _ = write!(tail, "<p>{}</p></section>", esc(t(ctx.lang, Text::LedgerHow)));
    if missing > 0 {
        let _ =
            write!(tail, "<p>{}</p>", esc(&t(ctx.lang, Text::Missing).replace("{0}", &missing.to_string())));
    }
    tail.push_str("</main></body></html>\n");
    sink.put(tail.as_bytes()).await?;

    sink.file("schema.json", Method::Deflate).await?;
    sink.put(schema::json().as_bytes()).await?;
    ctx.progress.send_modify(|p| {
        p.steps_done = p.steps_total;
        p.step = "done".into();
    });
    sink.done().await
}

/// One CSV line (RFC 4180): a cell with a comma, quote or line break is quoted. A cell a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) is prefixed with `'`.
pub fn csv_line(cells: &[String]) -> String {
    let mut out = String::new();
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let c = if c.starts_with(['=', '+', '-', '@']) && c.parse::<f64>().is_err() {
            format!("'{c}")
        } else {
            c.clone()
        };
        if c.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&c.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&c);
        }
    }
    out.push_str("\r\n");
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Whether a column holds a time (Unix seconds) that the summary shows as a date.
fn is_time(column: &str) -> bool {
    column == "at" || column.ends_with("_at") || matches!(column, "last_seen" | "last_used" | "window_start")
}

fn html_head(ctx: &Ctx<'_>) -> String {
    let l = ctx.lang;
    let made = t(l, Text::Made).replace("{0}", &rfc3339(ctx.now)).replace("{1}", ctx.region.code());
    let files = [Text::FileData, Text::FileCsv, Text::FilePictures, Text::FileLedger]
        .iter()
        .map(|f| format!("<li>{}</li>", esc(t(l, *f))))
        .collect::<String>();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n\
         <style>{css}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n<p>{made}</p>\n\
         <h2>{files_title}</h2>\n<ul>{files}</ul>\n",
        lang = if l == Lang::Zh { "zh-CN" } else { "en" },
        title = esc(t(l, Text::Title)),
        css = CSS,
        made = esc(&made),
        files_title = esc(t(l, Text::Files)),
    )
}

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff;line-height:1.5}\
main{max-width:72rem;margin:0 auto;padding:1rem}h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2rem;\
border-bottom:1px solid #ccc}h3{font-size:1.05rem;margin-bottom:.25rem}.scroll{overflow-x:auto}\
table{border-collapse:collapse;font-size:.9rem}th,td{border:1px solid #bbb;padding:.25rem .5rem;\
text-align:left;vertical-align:top}th{background:#f0f0f0}dl{margin:.25rem 0 .75rem}dt{font-weight:600}\
dd{margin:0 0 .25rem 1rem}img{max-width:160px;height:auto}a{color:#0645ad}\
@media (prefers-color-scheme:dark){body{background:#121212;color:#eee}th{background:#2a2a2a}a{color:#8ab4f8}}";

fn basis_name(lang: Lang, b: registry::LegalBasis) -> &'static str {
    use registry::LegalBasis::*;
    match (lang, b) {
        (Lang::En, Contract) => "contract: needed to provide the service",
        (Lang::En, Consent) => "consent",
        (Lang::En, LegitimateInterest) => "legitimate interest",
        (Lang::En, LegalObligation) => "legal obligation",
        (Lang::Zh, Contract) => "合同：提供服务所必需",
        (Lang::Zh, Consent) => "同意",
        (Lang::Zh, LegitimateInterest) => "正当利益",
        (Lang::Zh, LegalObligation) => "法定义务",
    }
}

fn html_declarations(lang: Lang, tp: &TablePlan) -> String {
    let mut out = format!("<h3><code>{}</code></h3>\n<dl>", esc(tp.table));
    // Columns sharing a purpose, basis and retention are declared once.
    let mut groups: Vec<(&Personal, Vec<&str>)> = Vec::new();
    for (c, p) in &tp.columns {
        match groups.iter_mut().find(|(q, _)| {
            q.purpose == p.purpose && q.legal_basis == p.legal_basis && q.retention == p.retention
        }) {
            Some((_, cols)) => cols.push(field_name(c.column)),
            None => groups.push((p, vec![field_name(c.column)])),
        }
    }
    for (p, cols) in groups {
        let _ = write!(
            out,
            "<dt>{}</dt><dd>{}: {}</dd><dd>{}: {}</dd><dd>{}: {}</dd>",
            esc(&cols.join(", ")),
            esc(t(lang, Text::Purpose)),
            esc(p.purpose),
            esc(t(lang, Text::Basis)),
            esc(basis_name(lang, p.legal_basis)),
            esc(t(lang, Text::Kept)),
            esc(&retention_text(lang, p.retention)),
        );
    }
    out.push_str("</dl>\n");
    out
}

fn html_table_head(tp: &TablePlan) -> String {
    // Focusable and named: a wide table scrolls sideways, and keyboards must reach it too.
    let mut out = format!(
        "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"{t}\"><table><caption>{t}</caption><thead><tr>",
        t = esc(&format!("{} ({})", tp.table, tp.section))
    );
    for (c, _) in &tp.columns {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(field_name(c.column)));
    }
    out.push_str("</tr></thead><tbody>\n");
    out
}

fn html_row(tp: &TablePlan, record: &Map<String, Value>) -> String {
    let files = record.get("_files").and_then(Value::as_object);
    let mut out = String::from("<tr>");
    for (c, _) in &tp.columns {
        let name = field_name(c.column);
        let value = record.get(name).unwrap_or(&Value::Null);
        let cell = match (files.and_then(|f| f.get(c.column)).and_then(Value::as_str), value) {
            (Some(path), _) => {
                let alt =
                    format!("{} {}", tp.table, record.get("at").map(|v| v.to_string()).unwrap_or_default());
                format!(
                    "<a href=\"{p}\"><img src=\"{p}\" alt=\"{a}\" loading=\"lazy\"></a>",
                    p = esc(path),
                    a = esc(&alt)
                )
            }
            (None, Value::Null) => String::new(),
            (None, Value::Object(_)) => "withheld".into(),
            (None, Value::Number(n)) if is_time(name) => {
                n.as_i64().map(rfc3339).unwrap_or_else(|| n.to_string())
            }
            (None, Value::String(s)) => esc(s),
            (None, other) => esc(&other.to_string()),
        };
        let _ = write!(out, "<td>{cell}</td>");
    }
    out.push_str("</tr>\n");
    out
}

fn ledger_verdict(lang: Lang, v: &ward_model::LedgerVerification) -> String {
    match v.first_broken {
        None => t(lang, Text::LedgerOk).replace("{0}", &v.records.to_string()),
        Some(n) => t(lang, Text::LedgerBroken).replace("{0}", &n.to_string()),
    }
}

/// The mail saying the archive is ready: subject and text.
pub fn ready_mail(lang: Lang, link: &str) -> (&'static str, String) {
    (t(lang, Text::MailSubject), t(lang, Text::MailBody).replace("{0}", link))
}

fn section_name(lang: Lang, section: &str) -> String {
    let zh = match section {
        "account" => "账户",
        "security" => "安全",
        "consents" => "同意记录",
        "devices" => "设备",
        "alarms" => "警报",
        "calls" => "门铃呼叫",
        "shares" => "共享",
        "exports" => "数据导出",
        "activity" => "活动",
        "requests" => "权利请求",
        "access_log" => "谁接触过您的数据",
        "notices" => "安全事件通知",
        _ => "",
    };
    let en = match section {
        "account" => "Account",
        "security" => "Security",
        "consents" => "Consents",
        "devices" => "Devices",
        "alarms" => "Alarms",
        "calls" => "Doorbell calls",
        "shares" => "Sharing",
        "exports" => "Data exports",
        "activity" => "Activity",
        "requests" => "Rights requests",
        "access_log" => "Who else reached your data",
        "notices" => "Security incident notices",
        _ => "",
    };
    let word = if lang == Lang::Zh { zh } else { en };
    if word.is_empty() { section.to_string() } else { format!("{word} ({section})") }
}

#[derive(Debug, Clone, Copy)]
enum Text {
    Title,
    Made,
    Files,
    FileData,
    FileCsv,
    FilePictures,
    FileLedger,
    Purpose,
    Basis,
    Kept,
    UntilDeletion,
    Days,
    Nothing,
    More,
    Ledger,
    LedgerOk,
    LedgerBroken,
    LedgerHow,
    Missing,
    MailSubject,
    MailBody,
}

fn t(lang: Lang, text: Text) -> &'static str {
    use Text::*;
    match (lang, text) {
        (Lang::En, Title) => "Your data at Ward",
        (Lang::Zh, Title) => "您在 Ward 的数据",
        (Lang::En, Made) => {
            "Made on {0} (UTC) from the store of region {1}: everything Ward held about you then."
        }
        (Lang::Zh, Made) => "生成于 {0}（UTC），取自区域 {1} 的存储：即当时 Ward 持有的关于您的全部数据。",
        (Lang::En, Files) => "What is in this folder",
        (Lang::Zh, Files) => "本文件夹中的内容",
        (Lang::En, FileData) => {
            "data.json: everything on this page, for programs; schema.json (JSON Schema 2020-12) describes its shape."
        }
        (Lang::Zh, FileData) => {
            "data.json：本页的全部内容，供程序读取；schema.json（JSON Schema 2020-12）描述其结构。"
        }
        (Lang::En, FileCsv) => "csv/: one file per table, for spreadsheets.",
        (Lang::Zh, FileCsv) => "csv/：每个表一个文件，可用电子表格打开。",
        (Lang::En, FilePictures) => "pictures/: the pictures of your alarms and doorbell calls.",
        (Lang::Zh, FilePictures) => "pictures/：您的警报和门铃呼叫的图片。",
        (Lang::En, FileLedger) => {
            "consent-ledger.json and consent-ledger.txt: your consent records with their chain, and how to check it."
        }
        (Lang::Zh, FileLedger) => {
            "consent-ledger.json 和 consent-ledger.txt：您的同意记录及其链条，以及如何核验。"
        }
        (Lang::En, Purpose) => "Why",
        (Lang::Zh, Purpose) => "目的",
        (Lang::En, Basis) => "Legal basis",
        (Lang::Zh, Basis) => "法律依据",
        (Lang::En, Kept) => "Kept",
        (Lang::Zh, Kept) => "保留期限",
        (Lang::En, UntilDeletion) => "until you delete your account",
        (Lang::Zh, UntilDeletion) => "直到您删除账户",
        (Lang::En, Days) => "{0} days",
        (Lang::Zh, Days) => "{0} 天",
        (Lang::En, Nothing) => "Nothing held.",
        (Lang::Zh, Nothing) => "未持有任何内容。",
        (Lang::En, More) => "{0} more rows: see {1}.",
        (Lang::Zh, More) => "另有 {0} 行：见 {1}。",
        (Lang::En, Ledger) => "Consent ledger",
        (Lang::Zh, Ledger) => "同意记录账本",
        (Lang::En, LedgerOk) => {
            "The chain of your {0} consent records was intact when this archive was made."
        }
        (Lang::Zh, LedgerOk) => "生成本存档时，您的 {0} 条同意记录的链条完整。",
        (Lang::En, LedgerBroken) => {
            "The chain of your consent records was broken from record {0} when this archive was made. Please tell us."
        }
        (Lang::Zh, LedgerBroken) => "生成本存档时，您的同意记录链条自第 {0} 条起断裂。请告知我们。",
        (Lang::En, LedgerHow) => {
            "How to check the chain: each record's prev_hash must equal the hash of the record before it (the first \
             one's equals genesis), and the numbers (seq) run 1, 2, 3… without gaps; you can check this yourself in \
             consent-ledger.json. Each hash is a MAC (HMAC-SHA256) of the record's fields, its number and prev_hash, \
             keyed by a secret of Ward's, so only Ward can recompute it: in Ward, Account → Privacy center → \
             Your consent history → Verify my history does (GET /api/privacy/ledger/verify), and also checks that no newest record was removed."
        }
        (Lang::Zh, LedgerHow) => {
            "如何核验链条：每条记录的 prev_hash 必须等于前一条记录的 hash（第一条等于 genesis），且编号（seq）\
             依次为 1、2、3……没有缺号；您可以在 consent-ledger.json 中自行核对。每个 hash 是以 Ward 的密钥对该记录\
             的字段、编号和 prev_hash 计算的 MAC（HMAC-SHA256），只有 Ward 能重新计算：在 Ward 中，账户 → 隐私中心 → \
             您的同意历史 → 验证我的历史（GET /api/privacy/ledger/verify）会重新计算，并检查最新的记录没有被删除。"
        }
        (Lang::En, Missing) => "{0} pictures were deleted while the archive was made and are not in it.",
        (Lang::Zh, Missing) => "有 {0} 张图片在生成存档期间被删除，未包含在内。",
        (Lang::En, MailSubject) => "Your Ward data archive is ready",
        (Lang::Zh, MailSubject) => "您的 Ward 数据存档已准备好",
        (Lang::En, MailBody) => {
            "The archive of your data you asked for is ready. Download it from My data in your account:\n\n{0}\n\n\
             The link works for 7 days from your request, only when you are signed in. If you did not ask for it, \
             change your password and review the activity on your security page.\n\n— Ward\n"
        }
        (Lang::Zh, MailBody) => {
            "您申请的数据存档已准备好。请在账户的“我的数据”中下载：\n\n{0}\n\n自申请起 7 天内有效，且仅在您登录时可用。\
             如果这不是您本人申请的，请修改密码并查看安全页面上的活动记录。\n\n— Ward\n"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_personal_region_column_is_in_exactly_one_planned_table() {
        let planned: Vec<(&str, &str)> = plan()
            .iter()
            .flat_map(|(_, ts)| ts.iter().flat_map(|t| t.columns.iter().map(|(c, _)| (c.table, c.column))))
            .collect();
        let personal: Vec<(&str, &str)> = registry::of_accounts().map(|(c, _)| (c.table, c.column)).collect();
        assert_eq!(planned.len(), personal.len());
        for p in &personal {
            assert_eq!(planned.iter().filter(|q| *q == p).count(), 1, "{p:?}");
        }
    }

    #[test]
    fn every_sealed_personal_column_has_a_vault_field_and_no_name_clashes_when_opened() {
        for (c, p) in registry::personal() {
            if c.column.ends_with("_ct") && p.category != Category::Credentials {
                assert!(sealed_field(c.table, c.column).is_some(), "{}.{}", c.table, c.column);
            }
            if let Some(stem) = c.column.strip_suffix("_ct") {
                assert!(
                    registry::lookup_in(registry::Place::Region, c.table, stem).is_none(),
                    "{}.{stem} twice",
                    c.table
                );
            }
        }
        for (table, column) in CO_SUBJECTS {
            assert!(
                registry::lookup_in(registry::Place::Region, table, column).is_some(),
                "{table}.{column}"
            );
        }
    }

    #[test]
    fn csv_quotes_what_needs_it_and_defuses_formulas() {
        let cells = ["a".to_string(), "b,c".into(), "say \"hi\"".into(), "=1+1".into(), "-5".into()];
        assert_eq!(csv_line(&cells), "a,\"b,c\",\"say \"\"hi\"\"\",'=1+1,-5\r\n");
    }

    #[test]
    fn picture_paths_keep_only_the_file_name() {
        assert_eq!(picture_path("alarm_events", "eu/p/d/e1-thumb.jpg"), "pictures/alarm_events/e1-thumb.jpg");
        assert_eq!(picture_path("call_records", "../x y.jpg"), "pictures/call_records/x_y.jpg");
    }
}
