//! Data export ("Download my data"): an archive of everything Ward holds about a person,
//! **built from the registry** (`crate::registry`): every personal column of every region
//! table goes to its `export_section`, read from the rows whose subject column
//! (`registry::SUBJECT_COLUMNS`) names the person. No list of fields is kept here, so a column
//! added to the registry is exported without a change here (the API test
//! `every_personal_column_is_in_the_archive` fills every one and finds it).
//!
//! - `archive.rs` writes the contents (`data.json`, `schema.json`, a CSV per table,
//!   `index.html`, the pictures, the consent ledger); `schema.rs` the JSON Schema;
//!   `zip.rs` a ZIP that never seeks; `seal.rs` seals it at rest in chunks.
//! - A job (a tokio task) gathers the rows while a blocking thread deflates, zips and seals
//!   them into `<data-dir>/exports/<region>/<id>.sealed`; they meet through a bounded
//!   channel, so neither the archive nor a table is ever whole in memory.
//! - One archive per person (a unique index): a new one replaces a ready one, a running one
//!   makes the request a 409. Progress is in memory on the instance building it (a
//!   `watch` channel, streamed as server-sent events); the row is the truth for the rest.
//! - Retention: 7 days after the request the row and the file go (`purge`, hourly), and
//!   files without a row (an erased account, a crash) are swept at the same time.

pub mod archive;
pub mod schema;
pub mod seal;
pub mod transfer;
pub mod zip;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, watch};
use ward_model::{ExportProgress, ExportState, ExportStatus, Region};

use crate::AppState;
use crate::auth::field;
use crate::auth::rfc3339;
use crate::devices::quota::Clock;
use crate::error::AppError;
use crate::registry::EXPORT_DAYS;
use crate::store::{Db, ExportRow, StoreError, Stores};
use crate::vault::PersonKey;

/// How long a sign-in or a password confirmation counts as fresh for a download.
pub const FRESH_SECS: i64 = 60 * 60;
/// How long an archive (its link, row and file) is kept after the request.
pub const KEEP_SECS: i64 = EXPORT_DAYS as i64 * 86_400;

/// Whether an archive can be downloaded at `now`: built, and within [`KEEP_SECS`].
pub fn available(row: &crate::store::ExportRow, now: i64) -> bool {
    row.state == "ready" && now - row.created_at <= KEEP_SECS
}
/// A running archive that no instance has touched for this long was cut off by a restart.
const STALE_RUNNING_SECS: i64 = 60 * 60;

/// The archive's language (its `index.html`, notes and the mail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }
}

struct Job {
    cancel: Arc<AtomicBool>,
    progress: watch::Receiver<ExportProgress>,
}

/// The export jobs of this instance, and where their files go.
pub struct Exports {
    /// The time archives expire by: the system's, unless a test stopped it.
    pub clock: Clock,
    /// Every build waits for a read of this at its start: a test holding it for writing
    /// keeps a build running for as long as it needs (one at a time, cancel, the live
    /// progress), the way the stopped `clock` keeps time.
    pub hold: tokio::sync::RwLock<()>,
    dir: PathBuf,
    jobs: Mutex<HashMap<String, Job>>,
    /// Where a person may send a copy (`transfer`), the key that signs it, and the client
    /// that sends it (no redirects: an archive goes to the declared endpoint or nowhere).
    pub recipients: transfer::Recipients,
    pub signer: transfer::Signer,
    pub client: reqwest::Client,
    /// The wait before a copy's second attempt, in milliseconds; the third waits six
    /// times as long. A test shortens it.
    pub retry_ms: std::sync::atomic::AtomicU64,
    /// What the developer receiver got (`--dev-pages`), newest last, at most 20.
    pub dev_received: Mutex<Vec<ward_model::DevReceived>>,
}

impl std::fmt::Debug for Exports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exports").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl Exports {
    /// `data_dir`: the server's; archives go to `<data_dir>/exports` (`registry::EXPORTS`).
    pub fn new(
        data_dir: &Path,
        recipients: transfer::Recipients,
        signer: transfer::Signer,
    ) -> Result<Exports, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(std::time::Duration::from_secs(10))
            .read_timeout(std::time::Duration::from_secs(60))
            .user_agent(concat!("Ward/", env!("CARGO_PKG_VERSION"), " (data export)"))
            .build()?;
        Ok(Exports {
            clock: Clock::default(),
            hold: tokio::sync::RwLock::new(()),
            dir: data_dir.join(crate::registry::EXPORTS.dir),
            jobs: Mutex::new(HashMap::new()),
            recipients,
            signer,
            client,
            retry_ms: std::sync::atomic::AtomicU64::new(10_000),
            dev_received: Mutex::new(Vec::new()),
        })
    }

    /// How long a copy waits after its failed attempt `attempt` (1-based).
    pub fn retry_delay(&self, attempt: u32) -> std::time::Duration {
        let base = self.retry_ms.load(Ordering::Relaxed);
        std::time::Duration::from_millis(base.saturating_mul(6u64.saturating_pow(attempt.saturating_sub(1))))
    }

    /// Where an archive's sealed file is.
    pub fn file(&self, region: Region, id: &str) -> PathBuf {
        self.dir.join(region.code()).join(format!("{id}.sealed"))
    }

    fn jobs(&self) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
        self.jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The live progress of an archive being built here.
    pub fn progress(&self, id: &str) -> Option<watch::Receiver<ExportProgress>> {
        self.jobs().get(id).map(|j| j.progress.clone())
    }

    fn stop(&self, id: &str) {
        if let Some(job) = self.jobs().get(id) {
            job.cancel.store(true, Ordering::Relaxed);
        }
    }

    async fn remove_file(&self, region: Region, id: &str) {
        match tokio::fs::remove_file(self.file(region, id)).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => tracing::warn!(%err, "could not delete an export archive"),
        }
    }

    /// Stops the archive `id` if it is being built and deletes its file.
    pub async fn discard(&self, region: Region, id: &str) {
        self.stop(id);
        self.remove_file(region, id).await;
    }
}

/// The status of an archive as the person sees it.
pub fn status(state: &AppState, row: &ExportRow, fresh: bool) -> ExportStatus {
    let progress = state.exports.progress(&row.id).map(|p| p.borrow().clone()).unwrap_or_default();
    let export_state = match row.state.as_str() {
        "running" => ExportState::Running,
        "ready" => ExportState::Ready,
        _ => ExportState::Failed,
    };
    ExportStatus {
        id: row.id.clone(),
        state: export_state,
        progress,
        requested_at: rfc3339(row.created_at),
        ready_at: row.ready_at.map(rfc3339),
        expires_at: rfc3339(row.created_at + KEEP_SECS),
        size: row.size.map(|s| s.max(0) as u64),
        pictures: row.pictures.map(|p| p.max(0) as u64),
        download_url: (export_state == ExportState::Ready)
            .then(|| format!("/api/privacy/exports/download/{}", row.id)),
        fresh,
        error: row.error.clone(),
    }
}

/// Whether the session may download now: signed in within the last hour, or the password
/// confirmed for this archive in this session within the last hour. A stolen session
/// cookie alone (a borrowed browser, a session left signed in) cannot take the archive.
pub async fn is_fresh(
    db: &Db,
    person_id: &str,
    session_id: &str,
    row: &ExportRow,
    now: i64,
) -> Result<bool, StoreError> {
    if row.confirmed_session.as_deref() == Some(session_id)
        && row.confirmed_at.is_some_and(|t| now - t <= FRESH_SECS)
    {
        return Ok(true);
    }
    let sessions = db.sessions_of(person_id).await?;
    Ok(sessions.iter().any(|s| s.id == session_id && now - s.created_at <= FRESH_SECS))
}

/// Starts building an archive for the person: asked in `session` (the password was checked
/// by the caller, which counts as the download's confirmation in that session), or, with
/// none, by the privacy staff fulfilling an access request (the person then confirms their
/// password, or signs in anew, to download).
pub async fn start(
    state: &AppState,
    region: Region,
    db: &Db,
    person_id: &str,
    session: Option<&str>,
    lang: Lang,
    now: i64,
) -> Result<ExportRow, AppError> {
    let row = ExportRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        person_id: person_id.to_string(),
        state: "running".into(),
        language: lang.code().into(),
        created_at: now,
        ready_at: None,
        size: None,
        error: None,
        confirmed_session: session.map(str::to_string),
        confirmed_at: session.map(|_| now),
        pictures: None,
    };
    let replaced = match db.export_insert(&row).await {
        Ok(old) => old,
        Err(StoreError::Conflict(_)) => {
            let running = db.export_of(person_id).await?;
            match running {
                // Cut off by a restart: no instance will finish it.
                Some(r)
                    if state.exports.progress(&r.id).is_none() && now - r.created_at > STALE_RUNNING_SECS =>
                {
                    db.export_failed(&r.id, "The server restarted while building this archive.").await?;
                    db.export_insert(&row).await?
                }
                _ => {
                    return Err(AppError::Conflict(
                        "An archive of your data is being built. Wait for it, or cancel it first.".into(),
                    ));
                }
            }
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(old) = replaced {
        state.exports.remove_file(region, &old).await;
    }
    let key = state.person_key(person_id).await?.ok_or(AppError::NotFound)?;
    let cancel = Arc::new(AtomicBool::new(false));
    let (tx, rx) = watch::channel(ExportProgress::default());
    state.exports.jobs().insert(row.id.clone(), Job { cancel: cancel.clone(), progress: rx });
    let job = Build {
        state: state.clone(),
        region,
        db: db.clone(),
        person_id: person_id.to_string(),
        id: row.id.clone(),
        lang,
        key: Arc::new(key),
        cancel,
        progress: tx,
    };
    tokio::spawn(job.run());
    Ok(row)
}

/// Cancels the person's running archive, or deletes their ready one. `false`: none.
pub async fn cancel(state: &AppState, region: Region, db: &Db, person_id: &str) -> Result<bool, AppError> {
    let Some(id) = db.export_delete(person_id).await? else { return Ok(false) };
    state.exports.discard(region, &id).await;
    Ok(true)
}

/// Erases the person's archive with their account (the row goes with `people`).
pub async fn erase(state: &AppState, region: Region, db: &Db, person_id: &str) -> Result<(), AppError> {
    cancel(state, region, db, person_id).await.map(drop)
}

/// Messages from the gathering task to the writing thread.
pub(crate) enum Piece {
    Start(String, zip::Method),
    Bytes(Vec<u8>),
    /// Everything was sent: close the archive.
    Done,
}

/// The error a build stops with; what the person is told is [`BuildError::tell`].
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cancelled")]
    Cancelled,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Other(String),
}

impl BuildError {
    fn tell(&self) -> String {
        match self {
            BuildError::Cancelled => "Cancelled.".into(),
            BuildError::Store(_) => {
                "The database did not answer while gathering your data. Please try again.".into()
            }
            BuildError::Other(_) => {
                "Something went wrong while building the archive. Please try again.".into()
            }
        }
    }
}

struct Build {
    state: AppState,
    region: Region,
    db: Db,
    person_id: String,
    id: String,
    lang: Lang,
    key: Arc<PersonKey>,
    cancel: Arc<AtomicBool>,
    progress: watch::Sender<ExportProgress>,
}

impl Build {
    async fn run(self) {
        drop(self.state.exports.hold.read().await);
        let path = self.state.exports.file(self.region, &self.id);
        let (tx, rx) = mpsc::channel::<Piece>(4);
        let (key, id, now) = (self.key.clone(), self.id.clone(), self.state.exports.clock.now());
        let write_path = path.clone();
        let writer = tokio::task::spawn_blocking(move || write_archive(&write_path, &key, &id, now, rx));
        let ctx = archive::Ctx {
            db: &self.db,
            directory: &self.state.stores.directory,
            vault: &self.state.auth.vault,
            media: &self.state.devices.media,
            key: &self.key,
            person_id: &self.person_id,
            region: self.region,
            lang: self.lang,
            now,
            progress: &self.progress,
            cancel: &self.cancel,
        };
        let built = archive::build(&ctx, archive::Sink::new(tx)).await;
        let written = writer.await.map_err(|e| e.to_string()).and_then(|r| r);
        let outcome = match (built, written) {
            (Ok(()), Ok(size)) => {
                let pictures = self.progress.borrow().pictures_total as i64;
                match self
                    .db
                    .export_ready(&self.id, self.state.exports.clock.now(), size as i64, pictures)
                    .await
                {
                    Ok(true) => {
                        self.mail_ready().await;
                        Ok(())
                    }
                    // Cancelled meanwhile: the row is gone, so is the file.
                    Ok(false) => Err(BuildError::Cancelled),
                    Err(e) => Err(e.into()),
                }
            }
            (Err(e), _) => Err(e),
            (Ok(()), Err(e)) => Err(BuildError::Other(e)),
        };
        if let Err(err) = outcome {
            if !matches!(err, BuildError::Cancelled) {
                tracing::warn!(%err, "an export archive could not be built");
                if let Err(err) = self.db.export_failed(&self.id, &err.tell()).await {
                    tracing::warn!(%err, "could not mark an export as failed");
                }
            }
            self.state.exports.remove_file(self.region, &self.id).await;
        }
        self.state.exports.jobs().remove(&self.id);
    }

    async fn mail_ready(&self) {
        let email = match self.db.person(&self.person_id).await {
            Ok(Some(p)) => self.key.open(field::EMAIL, &p.email_ct).ok(),
            _ => None,
        };
        let Some(email) = email else { return };
        let link = match &self.state.auth.public_url {
            Some(u) => format!("{}/account/data", u.as_str().trim_end_matches('/')),
            None => "/account/data".into(),
        };
        let (subject, text) = archive::ready_mail(self.lang, &link);
        if let Err(err) = self.state.auth.mailer.send(&email, subject, text).await {
            tracing::warn!(%err, "the export-ready mail could not be sent");
        }
    }
}

/// The writing thread: deflates, zips and seals what the gathering task sends. A channel
/// closed before [`Piece::Done`] (cancelled, failed) leaves no file.
fn write_archive(
    path: &Path,
    key: &PersonKey,
    id: &str,
    now: i64,
    mut rx: mpsc::Receiver<Piece>,
) -> Result<u64, String> {
    let result = (|| -> Result<u64, String> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
        let sealed =
            seal::SealWriter::new(std::io::BufWriter::new(file), key, id).map_err(|e| e.to_string())?;
        let mut zip = zip::ZipStream::new(sealed, now);
        loop {
            match rx.blocking_recv() {
                Some(Piece::Start(name, method)) => zip.start(&name, method).map_err(|e| e.to_string())?,
                Some(Piece::Bytes(b)) => zip.write(&b).map_err(|e| e.to_string())?,
                Some(Piece::Done) => break,
                None => return Err("the archive was not finished".into()),
            }
        }
        let (sealed, size) = zip.finish().map_err(|e| e.to_string())?;
        let file = sealed.finish().map_err(|e| e.to_string())?;
        let file = file.into_inner().map_err(|e| e.to_string())?;
        file.sync_all().map_err(|e| e.to_string())?;
        Ok(size)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(path);
    }
    result
}

/// Reads an archive back for its download: plaintext chunks through a small channel, read
/// and opened on a blocking thread.
pub fn read_archive(
    path: PathBuf,
    key: PersonKey,
    id: String,
) -> mpsc::Receiver<Result<Vec<u8>, std::io::Error>> {
    let (tx, rx) = mpsc::channel(2);
    tokio::task::spawn_blocking(move || {
        let opened = std::fs::File::open(&path)
            .map_err(seal::SealError::from)
            .and_then(|f| seal::SealReader::new(std::io::BufReader::new(f), &key, &id));
        let mut reader = match opened {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
                return;
            }
        };
        loop {
            match reader.next_chunk() {
                Ok(Some(chunk)) => {
                    if tx.blocking_send(Ok(chunk)).is_err() {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(%e, "an export archive does not open");
                    let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
                    return;
                }
            }
        }
    });
    rx
}

/// The retention rule for archives at `now`: rows requested more than 7 days ago go with
/// their files, then files whose row is gone (an erased account, a crash) are swept.
/// Answers how many files were deleted.
pub async fn purge(stores: &Stores, exports: &Exports, now: i64) -> Result<u64, StoreError> {
    let mut deleted = 0;
    for (region, db) in stores.opened_regions() {
        for id in db.exports_purge(now - KEEP_SECS).await? {
            exports.stop(&id);
            if tokio::fs::remove_file(exports.file(region, &id)).await.is_ok() {
                deleted += 1;
            }
        }
        let known: std::collections::HashSet<String> = db.export_ids().await?.into_iter().collect();
        let Ok(mut entries) = tokio::fs::read_dir(exports.dir.join(region.code())).await else { continue };
        while let Ok(Some(entry)) = entries.next_entry().await {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".sealed") else { continue };
            if !known.contains(id)
                && exports.progress(id).is_none()
                && tokio::fs::remove_file(entry.path()).await.is_ok()
            {
                deleted += 1;
            }
        }
    }
    Ok(deleted)
}

/// Runs [`purge`] at start and hourly.
pub async fn retention_job(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        match purge(&state.stores, &state.exports, state.exports.clock.now()).await {
            Ok(deleted) => tracing::debug!(deleted, "export retention purge"),
            Err(err) => tracing::warn!(%err, "export retention purge failed"),
        }
    }
}
