//! A copy of the archive sent on (portability: "directly transmit a copy … to a third party
//! you designate"): to a recipient the operator declared (`privacy/recipients.json`), signed
//! and sent by the server with retries; or through a one-time link the person hands to a
//! recipient of their own (72 hours, once, revocable).
//!
//! What a recipient receives: `POST <endpoint>` with the archive as the body
//! (`application/zip`) and the headers `Ward-Transfer`, `Ward-Recipient`, `Ward-Sent-At`,
//! `Ward-Content-SHA256` and `Ward-Signature: keyid="…", ed25519="…"`: an Ed25519 signature
//! (base64url) of [`signed_message`], by the key published at
//! `GET /api/privacy/exports/signing-key`. Naming the recipient in what is signed keeps one
//! recipient from replaying an archive to another as if Ward had sent it.

use std::net::SocketAddr;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use ward_model::{
    ConsentAction, ConsentMethod, ExportLink, ExportRecipient, ExportTransfer, Localized, Region, SigningKey,
    TransferFailure, TransferState,
};

use crate::AppState;
use crate::auth::rfc3339;
use crate::auth::session::ClientMeta;
use crate::error::AppError;
use crate::privacy::{action_code, method_code};
use crate::store::{Db, ExportRow, LinkRow, NewLedgerEntry, StoreError, TransferRow};
use crate::vault::{PersonKey, Vault};

/// How often a copy is tried before it is reported as not delivered.
pub const ATTEMPTS: u32 = 3;
/// Unused one-time links a person may hold at once.
pub const MAX_LINKS: usize = 10;
/// How long a one-time link works (never past its archive).
pub const LINK_SECS: i64 = 72 * 3600;
/// The vault field a link's label is sealed under (`labels.json`: `export_links.label_ct`).
pub const LINK_LABEL: &str = "export_link_label";
/// What a signature covers, versioned (see [`signed_message`]).
const SIGNED: &str = "ward-transfer-v1";

// ---- The recipients ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(rename = "_comment")]
    _comment: Option<String>,
    recipients: Vec<ExportRecipient>,
}

/// The recipients a person may send a copy to.
#[derive(Debug, Clone, Default)]
pub struct Recipients(Vec<ExportRecipient>);

impl Recipients {
    /// The shipped `privacy/recipients.json`, or the operator's file (`--recipients`).
    /// A broken file stops the server with the reason.
    pub fn load(path: Option<&Path>) -> Result<Recipients, String> {
        let text = match path {
            None => include_str!("../../privacy/recipients.json").to_string(),
            Some(p) => std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
        };
        let file: File = serde_json::from_str(&text).map_err(|e| format!("recipients: {e}"))?;
        let mut seen = std::collections::HashSet::new();
        for r in &file.recipients {
            let id_ok = !r.id.is_empty()
                && r.id.len() <= 40
                && r.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !id_ok || !seen.insert(r.id.clone()) {
                return Err(format!("recipients: `{}` needs a unique id of a-z, 0-9 and -", r.id));
            }
            if r.name.trim().is_empty()
                || r.legal_entity.trim().is_empty()
                || r.description.en.trim().is_empty()
                || r.description.zh.trim().is_empty()
                || r.max_bytes == 0
            {
                return Err(format!(
                    "recipients: `{}` needs a name, a legal entity, a description in both languages and max_bytes",
                    r.id
                ));
            }
            if !endpoint_ok(&r.endpoint) {
                return Err(format!(
                    "recipients: `{}`: the endpoint must be an https URL (http only to this machine)",
                    r.id
                ));
            }
        }
        Ok(Recipients(file.recipients))
    }

    /// With `--dev-pages`: this server's own developer receiver (`POST /api/dev/recipient`),
    /// so a developer can try the whole path on one machine.
    pub fn with_dev_receiver(mut self, addr: SocketAddr) -> Recipients {
        self.0.push(ExportRecipient {
            id: "ward-dev-receiver".into(),
            name: "Developer receiver".into(),
            legal_entity: "This Ward server, for developers".into(),
            description: Localized {
                en: "Receives the archive on this machine and checks its signature; for trying the feature out."
                    .into(),
                zh: "在本机接收存档并验证其签名，用于试用此功能。".into(),
            },
            endpoint: format!("http://{addr}/api/dev/recipient"),
            max_bytes: 1 << 30,
        });
        self
    }

    pub fn all(&self) -> &[ExportRecipient] {
        &self.0
    }

    pub fn get(&self, id: &str) -> Option<&ExportRecipient> {
        self.0.iter().find(|r| r.id == id)
    }
}

/// An endpoint an archive may go to: https, or plain http to this machine (nothing leaves
/// it), never with credentials in the URL.
fn endpoint_ok(endpoint: &str) -> bool {
    let Ok(url) = url::Url::parse(endpoint) else { return false };
    if !url.username().is_empty() || url.password().is_some() {
        return false;
    }
    match (url.scheme(), url.host()) {
        ("https", Some(_)) => true,
        ("http", Some(url::Host::Ipv4(ip))) => ip.is_loopback(),
        ("http", Some(url::Host::Ipv6(ip))) => ip.is_loopback(),
        ("http", Some(url::Host::Domain(d))) => d == "localhost",
        _ => false,
    }
}

// ---- Signatures ----

/// The key that signs what Ward sends: derived from the master key, so every instance
/// signs with the same one and nothing more is kept.
pub struct Signer {
    pair: Ed25519KeyPair,
    key_id: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

impl Signer {
    pub fn new(vault: &Vault) -> Signer {
        let seed = vault.token_mac("export-signing-key", b"v1");
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed[..32]).expect("32 bytes make an Ed25519 seed");
        let key_id = hex::encode(&Sha256::digest(pair.public_key().as_ref())[..8]);
        Signer { pair, key_id }
    }

    pub fn public(&self) -> SigningKey {
        SigningKey {
            algorithm: "Ed25519".into(),
            key_id: self.key_id.clone(),
            public_key: URL_SAFE_NO_PAD.encode(self.pair.public_key().as_ref()),
            message: format!(
                "The UTF-8 text \"{SIGNED}\\n<Ward-Recipient>\\n<Ward-Transfer>\\n<Ward-Sent-At>\\n<Ward-Content-SHA256>\", \
                 signed with Ed25519; the signature is in Ward-Signature as ed25519=\"<base64url>\""
            ),
        }
    }

    fn header(&self, message: &str) -> String {
        let sig = self.pair.sign(message.as_bytes());
        format!("keyid=\"{}\", ed25519=\"{}\"", self.key_id, URL_SAFE_NO_PAD.encode(sig.as_ref()))
    }
}

/// What a transfer's signature covers.
pub fn signed_message(recipient: &str, transfer: &str, sent_at: i64, sha256_hex: &str) -> String {
    format!("{SIGNED}\n{recipient}\n{transfer}\n{sent_at}\n{sha256_hex}")
}

/// Checks a `Ward-Signature` header against a public key (base64url), as a recipient does.
pub fn verify(public_key: &str, message: &str, header: &str) -> bool {
    let Ok(public) = URL_SAFE_NO_PAD.decode(public_key) else { return false };
    let Some(sig) = header
        .split(',')
        .filter_map(|p| p.trim().strip_prefix("ed25519=\""))
        .find_map(|s| s.strip_suffix('"'))
        .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
    else {
        return false;
    };
    UnparsedPublicKey::new(&ED25519, public).verify(message.as_bytes(), &sig).is_ok()
}

// ---- Sending a copy ----

fn failure_code(f: TransferFailure) -> &'static str {
    match f {
        TransferFailure::Unreachable => "unreachable",
        TransferFailure::Refused => "refused",
        TransferFailure::ArchiveGone => "archive_gone",
    }
}

/// A transfer as the person sees it.
pub fn view(row: &TransferRow) -> ExportTransfer {
    let state = match row.state.as_str() {
        "sent" => TransferState::Sent,
        "failed" => TransferState::Failed,
        _ => TransferState::Sending,
    };
    // The stored word is `failure_code`'s: read back through it, not a second list.
    let failure = row.failure.as_deref().and_then(|f| {
        [TransferFailure::Unreachable, TransferFailure::Refused, TransferFailure::ArchiveGone]
            .into_iter()
            .find(|c| failure_code(*c) == f)
    });
    ExportTransfer {
        id: row.id.clone(),
        recipient: row.recipient.clone(),
        recipient_name: row.recipient_name.clone(),
        state,
        attempts: row.attempts.max(0) as u32,
        failure,
        status: row.status.and_then(|s| u16::try_from(s).ok()),
        requested_at: rfc3339(row.created_at),
        sent_at: row.sent_at.map(rfc3339),
    }
}

/// Where a delivery is: everything it needs, moved into its task.
struct Delivery {
    state: AppState,
    region: Region,
    db: Db,
    person_id: String,
    transfer_id: String,
    export_id: String,
    recipient: ExportRecipient,
    meta: ClientMeta,
}

/// Checks that the person's ready archive may go to `recipient_id` and starts sending it.
pub async fn start(
    state: &AppState,
    region: Region,
    db: &Db,
    archive: &ExportRow,
    recipient_id: &str,
    meta: ClientMeta,
    now: i64,
) -> Result<TransferRow, AppError> {
    let recipient = state.exports.recipients.get(recipient_id).cloned().ok_or_else(|| {
        AppError::field(
            "recipient",
            ward_model::FieldErrorCode::Unknown,
            "Choose one of the services listed: there is no other by that name.",
        )
    })?;
    if archive.state != "ready" {
        return Err(AppError::Conflict("The archive is not ready yet: send a copy once it is.".into()));
    }
    if archive.size.unwrap_or(0).max(0) as u64 > recipient.max_bytes {
        return Err(AppError::Conflict(format!(
            "{} accepts archives of up to {} MB; this one is larger.",
            recipient.name,
            recipient.max_bytes / 1_000_000
        )));
    }
    // One delivered copy of an archive per recipient: sending the same bytes again would
    // only burden them (a new archive is a new copy).
    if let Some(done) = db
        .transfers_of(&archive.person_id)
        .await?
        .into_iter()
        .find(|t| t.export_id == archive.id && t.recipient == recipient.id && t.state == "sent")
    {
        return Err(AppError::Conflict(format!(
            "This archive was delivered to {} on {}. To send them a newer copy, make a new archive.",
            recipient.name,
            rfc3339(done.sent_at.unwrap_or(done.created_at))
        )));
    }
    let row = TransferRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        export_id: archive.id.clone(),
        person_id: archive.person_id.clone(),
        recipient: recipient.id.clone(),
        recipient_name: recipient.name.clone(),
        state: "sending".into(),
        attempts: 0,
        failure: None,
        status: None,
        created_at: now,
        sent_at: None,
    };
    match db.transfer_insert(&row).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Conflict(format!(
                "A copy is being sent to {} already: wait for it.",
                recipient.name
            )));
        }
        Err(e) => return Err(e.into()),
    }
    spawn(state, region, db, &row, recipient, meta);
    Ok(row)
}

/// Sends a copy that was not delivered again.
pub async fn retry(
    state: &AppState,
    region: Region,
    db: &Db,
    person_id: &str,
    id: &str,
    meta: ClientMeta,
) -> Result<TransferRow, AppError> {
    let row = db.transfer(person_id, id).await?.ok_or(AppError::NotFound)?;
    let recipient =
        state.exports.recipients.get(&row.recipient).cloned().ok_or_else(|| {
            AppError::Conflict(format!("{} no longer receives archives.", row.recipient_name))
        })?;
    if !db.transfer_retry(person_id, id).await? {
        return Err(AppError::Conflict("Only a copy that was not delivered can be sent again.".into()));
    }
    let row = db.transfer(person_id, id).await?.ok_or(AppError::NotFound)?;
    spawn(state, region, db, &row, recipient, meta);
    Ok(row)
}

fn spawn(
    state: &AppState,
    region: Region,
    db: &Db,
    row: &TransferRow,
    recipient: ExportRecipient,
    meta: ClientMeta,
) {
    let d = Delivery {
        state: state.clone(),
        region,
        db: db.clone(),
        person_id: row.person_id.clone(),
        transfer_id: row.id.clone(),
        export_id: row.export_id.clone(),
        recipient,
        meta,
    };
    tokio::spawn(d.run());
}

/// Why one attempt failed, and whether another may succeed.
struct Failed {
    failure: TransferFailure,
    status: Option<u16>,
    again: bool,
}

impl Delivery {
    async fn run(self) {
        let mut last = None;
        for attempt in 1..=ATTEMPTS {
            match self.db.transfer_attempt(&self.transfer_id).await {
                Ok(true) => {}
                // Gone with its archive (cancelled, replaced, erased): nothing to report to.
                Ok(false) => return,
                Err(err) => {
                    tracing::warn!(%err, "a transfer could not be counted");
                    return;
                }
            }
            match self.send_once().await {
                Ok(digest) => return self.delivered(&digest).await,
                Err(f) => {
                    let again = f.again;
                    last = Some(f);
                    if !again || attempt == ATTEMPTS {
                        break;
                    }
                }
            }
            tokio::time::sleep(self.state.exports.retry_delay(attempt)).await;
        }
        let f = last.unwrap_or(Failed { failure: TransferFailure::Unreachable, status: None, again: false });
        tracing::info!(recipient = %self.recipient.id, failure = failure_code(f.failure), status = ?f.status, "a copy was not delivered");
        let status = f.status.map(i32::from);
        // Logged before it shows as failed, as a delivery is (see `delivered`).
        self.log("export_send_failed").await;
        match self
            .db
            .transfer_done(&self.transfer_id, "failed", Some(failure_code(f.failure)), status, None)
            .await
        {
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "a failed transfer could not be recorded"),
        }
    }

    /// One attempt: the archive read once for its digest, then again as the body.
    async fn send_once(&self) -> Result<String, Failed> {
        let gone = Failed { failure: TransferFailure::ArchiveGone, status: None, again: false };
        let path = self.state.exports.file(self.region, &self.export_id);
        let key = match self.state.person_key(&self.person_id).await {
            Ok(Some(k)) => k,
            _ => return Err(gone),
        };
        let mut rx = super::read_archive(path.clone(), key, self.export_id.clone());
        let (mut hash, mut size) = (Sha256::new(), 0u64);
        while let Some(chunk) = rx.recv().await {
            let chunk = chunk.map_err(|_| Failed {
                failure: TransferFailure::ArchiveGone,
                status: None,
                again: false,
            })?;
            size += chunk.len() as u64;
            hash.update(&chunk);
        }
        let digest = hex::encode(hash.finalize());
        let sent_at = self.state.exports.clock.now();
        let message = signed_message(&self.recipient.id, &self.transfer_id, sent_at, &digest);
        let key = match self.state.person_key(&self.person_id).await {
            Ok(Some(k)) => k,
            _ => return Err(gone),
        };
        let rx = super::read_archive(path, key, self.export_id.clone());
        let body = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
        let sent = self
            .state
            .exports
            .client
            .post(&self.recipient.endpoint)
            .header(reqwest::header::CONTENT_TYPE, "application/zip")
            .header(reqwest::header::CONTENT_LENGTH, size)
            .header("Ward-Transfer", &self.transfer_id)
            .header("Ward-Recipient", &self.recipient.id)
            .header("Ward-Sent-At", sent_at.to_string())
            .header("Ward-Content-SHA256", &digest)
            .header("Ward-Signature", self.state.exports.signer.header(&message))
            .body(reqwest::Body::wrap_stream(body))
            .send()
            .await;
        match sent {
            Ok(res) if res.status().is_success() => Ok(digest),
            Ok(res) => {
                let status = res.status();
                // A refusal for what was sent (4xx) does not change by sending it again,
                // unless the recipient asked for time (408, 429).
                let again = status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429;
                Err(Failed { failure: TransferFailure::Refused, status: Some(status.as_u16()), again })
            }
            Err(err) => {
                tracing::debug!(%err, "a recipient could not be reached");
                Err(Failed { failure: TransferFailure::Unreachable, status: None, again: true })
            }
        }
    }

    /// Delivered: recorded on the transfer, in the consent ledger and in the activity log.
    async fn delivered(&self, digest: &str) {
        // The recipient has it whatever happens next, so the ledger and the log say so first;
        // the transfer shows "sent" only once they do (a page, or a test, that sees it sent
        // finds both records).
        let now = self.state.exports.clock.now();
        let entry = NewLedgerEntry {
            purpose: format!("{PORTABILITY}{}", self.recipient.id),
            action: action_code(ConsentAction::Transferred),
            policy_version: self.state.privacy.current(ward_model::PolicyKind::Privacy).version,
            method: method_code(ConsentMethod::Export),
            // Which archive went: the digest the recipient was sent.
            text_version: digest[..16].to_string(),
            at: now,
        };
        if let Err(err) = crate::privacy::append(
            &self.state.stores.directory,
            &self.state.auth.vault,
            &self.db,
            &self.person_id,
            &[entry],
            None,
        )
        .await
        {
            tracing::warn!(%err, "a transfer could not be written to the consent ledger");
        }
        self.log("export_sent").await;
        if let Err(err) = self.db.transfer_done(&self.transfer_id, "sent", None, None, Some(now)).await {
            tracing::warn!(%err, "a delivered transfer could not be recorded");
        }
    }

    async fn log(&self, kind: &str) {
        let Ok(Some(key)) = self.state.person_key(&self.person_id).await else { return };
        if let Err(err) = self.state.auth.log(&self.db, &self.person_id, &key, kind, &self.meta).await {
            tracing::warn!(%err, "a transfer could not be written to the activity log");
        }
    }
}

/// The consent ledger's purpose of a copy sent to a recipient: this and its id.
pub const PORTABILITY: &str = "portability:";

// ---- One-time links ----

/// A link as the person sees it; `url` only when it was just made.
pub fn link_view(row: &LinkRow, key: &PersonKey, url: Option<String>) -> ExportLink {
    ExportLink {
        id: row.id.clone(),
        label: key.open(LINK_LABEL, &row.label_ct).unwrap_or_default(),
        created_at: rfc3339(row.created_at),
        expires_at: rfc3339(row.expires_at),
        used_at: row.used_at.map(rfc3339),
        revoked_at: row.revoked_at.map(rfc3339),
        url,
    }
}

/// The hash a link's token is found by (the token itself is never kept).
fn token_hash(vault: &Vault, token: &str) -> Vec<u8> {
    vault.token_mac("export-link", token.as_bytes())
}

/// Makes a one-time link to the person's ready archive for `label` (already checked):
/// answers the row and the token, which names the region whose store holds it.
pub async fn create_link(
    state: &AppState,
    region: Region,
    db: &Db,
    key: &PersonKey,
    archive: &ExportRow,
    label: &str,
    now: i64,
) -> Result<(LinkRow, String), AppError> {
    if archive.state != "ready" {
        return Err(AppError::Conflict("The archive is not ready yet: make a link once it is.".into()));
    }
    let unused = db
        .links_of(&archive.person_id)
        .await?
        .iter()
        .filter(|l| l.used_at.is_none() && l.revoked_at.is_none() && l.expires_at > now)
        .count();
    if unused >= MAX_LINKS {
        return Err(AppError::Conflict(format!(
            "You have {MAX_LINKS} one-time links that are still unused: revoke one you no longer need first."
        )));
    }
    let token = format!("{}.{}", region.code(), URL_SAFE_NO_PAD.encode(crate::vault::random::<32>()));
    let row = LinkRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        export_id: archive.id.clone(),
        person_id: archive.person_id.clone(),
        token_hash: token_hash(&state.auth.vault, &token),
        label_ct: key.seal(LINK_LABEL, label),
        created_at: now,
        expires_at: (now + LINK_SECS).min(archive.created_at + super::KEEP_SECS),
        used_at: None,
        revoked_at: None,
    };
    db.link_insert(&row).await?;
    Ok((row, token))
}

/// Spends a link's token: the region, the link and its archive, or `None` for a token that
/// is malformed, unknown, used, revoked or expired (all alike to whoever holds it).
pub async fn use_link(
    state: &AppState,
    token: &str,
    now: i64,
) -> Result<Option<(Region, LinkRow)>, AppError> {
    let Some(region) = token.split_once('.').and_then(|(r, _)| Region::from_code(r)) else { return Ok(None) };
    let Some(db) = state.stores.existing_region(region).await? else { return Ok(None) };
    let link = db.link_use(&token_hash(&state.auth.vault, token), now).await?;
    Ok(link.map(|l| (region, l)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_https_or_this_machine() {
        assert!(endpoint_ok("https://receive.example.com/ward"));
        assert!(endpoint_ok("http://127.0.0.1:8080/in"));
        assert!(endpoint_ok("http://[::1]:8080/in"));
        assert!(endpoint_ok("http://localhost/in"));
        assert!(!endpoint_ok("http://receive.example.com/ward"));
        assert!(!endpoint_ok("http://10.0.0.1/in"));
        assert!(!endpoint_ok("https://user:pw@receive.example.com/"));
        assert!(!endpoint_ok("ftp://receive.example.com/"));
        assert!(!endpoint_ok("not a url"));
    }

    #[test]
    fn a_signature_verifies_for_its_message_only() {
        let signer = Signer::new(&Vault::from_master(&[7; 32]));
        let public = signer.public();
        let message = signed_message("photos", "t1", 1_900_000_000, "ab");
        let header = signer.header(&message);
        assert!(verify(&public.public_key, &message, &header));
        assert!(!verify(&public.public_key, &signed_message("other", "t1", 1_900_000_000, "ab"), &header));
        let other = Signer::new(&Vault::from_master(&[8; 32])).public();
        assert!(!verify(&other.public_key, &message, &header));
        assert_eq!(signer.public().key_id, Signer::new(&Vault::from_master(&[7; 32])).public().key_id);
    }

    #[test]
    fn the_shipped_recipients_load() {
        Recipients::load(None).expect("privacy/recipients.json is valid");
    }
}
