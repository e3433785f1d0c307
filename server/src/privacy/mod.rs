//! The privacy center's rules: purposes (from the data file `privacy/purposes.json`), the
//! consent ledger (append-only, MAC-chained), cookie choices, policy versions, privacy
//! staff, one-click unsubscribe tokens. Handlers live in `crate::http::privacy`.

pub mod access;
pub mod analytics;
pub mod banner;
pub mod docs;
pub mod incidents;
pub mod labels;
pub mod mydata;
pub mod service;

use std::collections::HashMap;
use std::sync::RwLock;

use axum::http::HeaderMap;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Deserialize;
use ward_model::{
    Basis, ConsentAction, ConsentMethod, LedgerEntry, LedgerVerification, Localized, PolicyKind,
    PolicySummary, Purpose, PurposeState, Region,
};

use crate::auth::rfc3339;
use crate::error::AppError;
use crate::store::{Chain, Chained, Db, GENESIS, LedgerRow, NewLedgerEntry, PolicyRow, StoreError};
use crate::vault::Vault;

/// The pseudo-purpose under which accepting the privacy policy is recorded.
pub const POLICY_PURPOSE: &str = "privacy_policy";
/// The first-party cookie that holds the cookie banner's choice.
pub const CONSENT_COOKIE: &str = "ward_consent";

#[derive(Deserialize)]
struct PurposesFile {
    purposes: Vec<Purpose>,
}

/// The banner's data file.
#[derive(Debug, Deserialize)]
pub struct CookiesFile {
    pub texts: HashMap<String, Localized>,
    pub categories: Vec<CookieCategory>,
}

#[derive(Debug, Deserialize)]
pub struct CookieCategory {
    pub id: String,
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub gpc: bool,
    pub name: Localized,
    pub description: Localized,
    pub services: Vec<CookieService>,
}

#[derive(Debug, Deserialize)]
pub struct CookieService {
    pub name: String,
    pub provider: String,
    pub purpose: Localized,
    pub cookies: String,
    pub duration: Localized,
}

/// The optional categories, in the order the cookie's flags list them.
pub const COOKIE_FLAGS: [&str; 3] = ["preferences", "analytics", "advertising"];

/// What the privacy center knows besides the stores.
#[derive(Debug)]
pub struct Privacy {
    pub purposes: Vec<Purpose>,
    pub cookies: CookiesFile,
    /// The words for every personal column (`privacy/labels.json`).
    pub labels: labels::Labels,
    /// Keyed hashes of the privacy staff's emails (`WARD_PRIVACY_STAFF`).
    staff: Vec<Vec<u8>>,
    /// The newest version of each policy, kept in step with the directory on publication.
    current: RwLock<HashMap<&'static str, PolicySummary>>,
    pub banner: banner::Cache,
    /// Page views counted by `public/analytics.js` (only after analytics consent), by page of
    /// the route table: a fixed set of counters, whatever strangers post.
    pub views: analytics::PageViews,
    /// The service notices, rendered into every page with the banner.
    pub service: service::ServiceNotices,
}

/// The seed versions, published when a deployment has none.
const SEEDS: [(PolicyKind, &str, &str); 2] = [
    (
        PolicyKind::Privacy,
        crate::auth::POLICY_VERSION,
        include_str!("../../privacy/policies/privacy-2026-11-01.md"),
    ),
    (
        PolicyKind::Cookies,
        crate::auth::POLICY_VERSION,
        include_str!("../../privacy/policies/cookies-2026-11-01.md"),
    ),
];

impl Privacy {
    /// Reads the data files (a malformed one stops the server at start, with the reason),
    /// seeds the first policy versions and loads the current ones.
    pub async fn open(directory: &Db, staff: Vec<Vec<u8>>) -> anyhow::Result<Privacy> {
        let purposes: PurposesFile = serde_json::from_str(include_str!("../../privacy/purposes.json"))?;
        let cookies: CookiesFile = serde_json::from_str(include_str!("../../privacy/cookies.json"))?;
        let privacy = Privacy {
            purposes: purposes.purposes,
            cookies,
            labels: labels::Labels::shipped()?,
            staff,
            current: RwLock::new(HashMap::new()),
            banner: banner::Cache::default(),
            views: Default::default(),
            service: Default::default(),
        };
        privacy.check()?;
        privacy.service.load(directory).await?;
        for (kind, version, body) in SEEDS {
            if directory.policy_versions(kind.code()).await?.is_empty() {
                let row = PolicyRow {
                    kind: kind.code().into(),
                    version: version.into(),
                    seq: 1,
                    last_updated: version.into(),
                    published_at: 0,
                    material: true,
                    summary: "First version.".into(),
                    body: body.into(),
                };
                match directory.policy_insert(&row).await {
                    // Another instance seeded it at the same moment.
                    Err(StoreError::Conflict(_)) => {}
                    other => other?,
                }
            }
            privacy.reload(directory, kind).await?;
        }
        Ok(privacy)
    }

    /// The data files' cross-references hold (each category's purpose exists, ids unique).
    fn check(&self) -> anyhow::Result<()> {
        for (i, p) in self.purposes.iter().enumerate() {
            anyhow::ensure!(
                !self.purposes[..i].iter().any(|q| q.id == p.id) && p.id != POLICY_PURPOSE,
                "purposes.json: the id `{}` is used twice or reserved",
                p.id
            );
        }
        for c in &self.cookies.categories {
            if let Some(p) = &c.purpose {
                anyhow::ensure!(self.purpose(p).is_some(), "cookies.json: `{}` names no purpose `{p}`", c.id);
            }
        }
        // Every cookie Ward itself sets is named in the banner's list and in the seed cookie
        // policy, under each name it can have: a person reading either sees what is stored.
        let listed = |name: &str| {
            self.cookies
                .categories
                .iter()
                .flat_map(|c| &c.services)
                .any(|s| s.cookies.split(|c: char| c == ',' || c.is_whitespace()).any(|n| n == name))
        };
        let policy = SEEDS.iter().find(|(k, ..)| *k == PolicyKind::Cookies).map_or("", |(.., body)| *body);
        for name in [crate::auth::session::COOKIE, crate::auth::session::SECURE_COOKIE, CONSENT_COOKIE] {
            anyhow::ensure!(listed(name), "cookies.json: no service lists the cookie `{name}`");
            anyhow::ensure!(
                policy.contains(&format!("`{name}`")),
                "the seed cookie policy does not name the cookie `{name}`"
            );
        }
        for flag in COOKIE_FLAGS {
            anyhow::ensure!(
                self.cookies.categories.iter().any(|c| c.id == flag && c.purpose.is_some()),
                "cookies.json: the category `{flag}` with its purpose is missing"
            );
        }
        Ok(())
    }

    pub fn purpose(&self, id: &str) -> Option<&Purpose> {
        self.purposes.iter().find(|p| p.id == id)
    }

    /// The newest version of a policy.
    pub fn current(&self, kind: PolicyKind) -> PolicySummary {
        self.current.read().expect("not poisoned").get(kind.code()).cloned().expect("seeded at start")
    }

    /// Re-reads the newest version of `kind` from the directory (after a publication).
    pub async fn reload(&self, directory: &Db, kind: PolicyKind) -> Result<(), StoreError> {
        if let Some(row) = directory.policy_versions(kind.code()).await?.into_iter().next() {
            self.current.write().expect("not poisoned").insert(kind.code(), summary_of(kind, &row));
        }
        Ok(())
    }

    pub fn count_view(&self, path: &str) {
        self.views.count(path);
    }

    /// How often the page of `path` was viewed with analytics consent since start.
    pub fn views(&self, path: &str) -> u64 {
        self.views.views(path)
    }

    /// Only the privacy staff (a verified email address named by `WARD_PRIVACY_STAFF`) pass.
    pub fn require_staff(&self, person: &crate::store::PersonRow) -> Result<(), crate::error::AppError> {
        if person.email_verified && self.is_staff(&person.email_hash) {
            Ok(())
        } else {
            Err(crate::error::AppError::Forbidden("Only privacy staff can do this.".into()))
        }
    }

    pub fn is_staff(&self, email_hash: &[u8]) -> bool {
        self.staff.iter().any(|h| h == email_hash)
    }

    /// Where the person stands on every purpose, from their ledger.
    pub fn states(&self, ledger: &[LedgerRow]) -> Vec<PurposeState> {
        self.purposes
            .iter()
            .map(|p| {
                let last = ledger.iter().rev().find(|r| r.purpose == p.id);
                let (active, choosable) = match p.legal_basis {
                    Basis::Consent => (last.is_some_and(|r| r.action == "granted"), true),
                    Basis::LegitimateInterest if !p.objectable => (true, false),
                    Basis::LegitimateInterest => (last.is_none_or(|r| r.action != "objected"), true),
                    Basis::Contract | Basis::LegalObligation => (true, false),
                };
                PurposeState {
                    purpose: p.clone(),
                    active,
                    choosable,
                    changed_at: last.map(|r| rfc3339(r.at)),
                }
            })
            .collect()
    }

    /// The record that switches `purpose` to `active`, or None when it already is.
    pub fn change(
        &self,
        ledger: &[LedgerRow],
        purpose: &Purpose,
        active: bool,
        method: ConsentMethod,
        at: i64,
    ) -> Option<NewLedgerEntry> {
        let state = self.states(ledger).into_iter().find(|s| s.purpose.id == purpose.id)?;
        if !state.choosable || state.active == active {
            return None;
        }
        let action = match (purpose.legal_basis, active) {
            (Basis::LegitimateInterest, true) => ConsentAction::ObjectionWithdrawn,
            (Basis::LegitimateInterest, false) => ConsentAction::Objected,
            (_, true) => ConsentAction::Granted,
            (_, false) => ConsentAction::Withdrawn,
        };
        Some(NewLedgerEntry {
            purpose: purpose.id.clone(),
            action: action_code(action),
            policy_version: self.current(PolicyKind::Privacy).version,
            method: method_code(method),
            text_version: purpose.text_version.clone(),
            at,
        })
    }

    /// The record of a Global Privacy Control signal switching `purpose` off.
    pub fn gpc_withdrawal(&self, purpose: &Purpose, at: i64) -> NewLedgerEntry {
        NewLedgerEntry {
            purpose: purpose.id.clone(),
            action: action_code(ConsentAction::Withdrawn),
            policy_version: self.current(PolicyKind::Privacy).version,
            method: method_code(ConsentMethod::Gpc),
            text_version: purpose.text_version.clone(),
            at,
        }
    }

    /// The record of accepting a privacy policy version.
    pub fn acceptance(&self, version: &str, method: ConsentMethod, at: i64) -> NewLedgerEntry {
        NewLedgerEntry {
            purpose: POLICY_PURPOSE.into(),
            action: action_code(ConsentAction::Granted),
            policy_version: version.into(),
            method: method_code(method),
            text_version: version.into(),
            at,
        }
    }

    /// Whether the person must review a material change: the newest material version of the
    /// privacy policy was published after the version they accepted.
    pub async fn reconsent_due(
        &self,
        directory: &Db,
        accepted: &str,
    ) -> Result<Option<PolicySummary>, StoreError> {
        let versions = directory.policy_versions(PolicyKind::Privacy.code()).await?;
        let accepted_seq = versions.iter().find(|v| v.version == accepted).map_or(0, |v| v.seq);
        Ok(versions
            .iter()
            .find(|v| v.material && v.seq > accepted_seq)
            .map(|_| summary_of(PolicyKind::Privacy, &versions[0])))
    }
}

pub fn summary_of(kind: PolicyKind, row: &PolicyRow) -> PolicySummary {
    PolicySummary {
        kind,
        version: row.version.clone(),
        last_updated: row.last_updated.clone(),
        material: row.material,
        summary: row.summary.clone(),
    }
}

pub fn action_code(a: ConsentAction) -> &'static str {
    match a {
        ConsentAction::Granted => "granted",
        ConsentAction::Withdrawn => "withdrawn",
        ConsentAction::Objected => "objected",
        ConsentAction::ObjectionWithdrawn => "objection_withdrawn",
        ConsentAction::Transferred => "transferred",
    }
}

pub fn method_code(m: ConsentMethod) -> &'static str {
    match m {
        ConsentMethod::Signup => "signup",
        ConsentMethod::Settings => "settings",
        ConsentMethod::Banner => "banner",
        ConsentMethod::Gpc => "gpc",
        ConsentMethod::Unsubscribe => "unsubscribe",
        ConsentMethod::Reconsent => "reconsent",
        ConsentMethod::Restriction => "restriction",
        ConsentMethod::Export => "export",
        ConsentMethod::Guardian => "guardian",
    }
}

fn parse_action(s: &str) -> Option<ConsentAction> {
    [
        ConsentAction::Granted,
        ConsentAction::Withdrawn,
        ConsentAction::Objected,
        ConsentAction::ObjectionWithdrawn,
        ConsentAction::Transferred,
    ]
    .into_iter()
    .find(|a| action_code(*a) == s)
}

fn parse_method(s: &str) -> Option<ConsentMethod> {
    [
        ConsentMethod::Signup,
        ConsentMethod::Settings,
        ConsentMethod::Banner,
        ConsentMethod::Gpc,
        ConsentMethod::Unsubscribe,
        ConsentMethod::Reconsent,
        ConsentMethod::Restriction,
        ConsentMethod::Export,
        ConsentMethod::Guardian,
    ]
    .into_iter()
    .find(|m| method_code(*m) == s)
}

/// The MAC that chains ledger records; keyed by the master key, so nobody holding only the
/// database can rewrite the chain after changing a record.
pub fn ledger_mac(vault: &Vault) -> impl Fn(&[u8]) -> Vec<u8> + Send + Sync + '_ {
    move |msg| vault.token_mac("consent-ledger", msg)
}

/// Appends records to the person's ledger (see [`Db::ledger_append`]) and anchors the new
/// head in the directory, where the region store's rows cannot rewrite it. Should the
/// anchor not be written (a crash between the two), the anchor lags: verification then
/// checks the chain up to the anchored record, and the next append moves it on.
/// Keeps an in-memory ledger in step with records about to be appended, so later decisions
/// in the same request see them.
pub fn push(ledger: &mut Vec<LedgerRow>, e: &NewLedgerEntry) {
    ledger.push(e.row(ledger.len() as i64 + 1, Vec::new()));
}

pub async fn append(
    directory: &Db,
    vault: &Vault,
    db: &Db,
    person_id: &str,
    entries: &[NewLedgerEntry],
    accept: Option<(&str, i64)>,
) -> Result<(), StoreError> {
    if let Some((records, head)) = db.ledger_append(person_id, entries, accept, &ledger_mac(vault)).await? {
        directory.chain_anchor(Chain::Consent, person_id, records, &head).await?;
    }
    Ok(())
}

/// The records as the person sees them; a copy sent names its recipient by
/// `recipient_name` (its id when it has left the list). A record this version cannot read
/// (an unknown action or method) is an error: the ledger is written only by this code.
pub fn entries(
    ledger: &[LedgerRow],
    recipient_name: impl Fn(&str) -> Option<String>,
) -> Result<Vec<LedgerEntry>, AppError> {
    ledger
        .iter()
        .map(|r| {
            Ok(LedgerEntry {
                seq: r.seq as u64,
                purpose: r.purpose.clone(),
                recipient: r
                    .purpose
                    .strip_prefix(crate::export::transfer::PORTABILITY)
                    .map(|id| recipient_name(id).unwrap_or_else(|| id.to_string())),
                action: parse_action(&r.action)
                    .ok_or_else(|| AppError::internal(format!("ledger action `{}`", r.action)))?,
                policy_version: r.policy_version.clone(),
                method: parse_method(&r.method)
                    .ok_or_else(|| AppError::internal(format!("ledger method `{}`", r.method)))?,
                text_version: r.text_version.clone(),
                at: rfc3339(r.at),
                hash: hex::encode(&r.hash),
            })
        })
        .collect()
}

/// Recomputes the consent ledger's chain (see [`verify_chain`]).
pub fn verify(
    vault: &Vault,
    person_id: &str,
    ledger: &[LedgerRow],
    anchor: Option<&(i64, Vec<u8>)>,
) -> LedgerVerification {
    verify_chain(&ledger_mac(vault), person_id, ledger, anchor)
}

/// Recomputes a chain: each record must follow the previous one (numbering and link) and
/// carry the MAC of its own fields; and the chain must reach the head anchored in the
/// directory (`anchor`: records and the newest MAC), or its newest records were removed.
/// A truncated chain is broken from the first missing record.
pub fn verify_chain<R: Chained>(
    mac: &dyn Fn(&[u8]) -> Vec<u8>,
    person_id: &str,
    rows: &[R],
    anchor: Option<&(i64, Vec<u8>)>,
) -> LedgerVerification {
    let mut prev: &[u8] = &GENESIS;
    let mut first_broken = None;
    for (i, r) in rows.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        let ok = r.seq() == expected_seq
            && r.prev_hash() == prev
            && constant_eq(&mac(&r.message(person_id)), r.hash());
        if !ok {
            first_broken = Some(expected_seq as u64);
            break;
        }
        prev = r.hash();
    }
    if first_broken.is_none()
        && let Some((records, head)) = anchor
    {
        let anchored = usize::try_from(*records).unwrap_or(usize::MAX);
        match rows.get(anchored.wrapping_sub(1)) {
            // The anchored record is there and is the one anchored (a longer chain is one
            // whose anchor a crash left behind; its extra records were checked above).
            Some(r) if constant_eq(r.hash(), head) => {}
            Some(_) => first_broken = Some(*records as u64),
            None => first_broken = Some(rows.len() as u64 + 1),
        }
    }
    LedgerVerification { intact: first_broken.is_none(), records: rows.len() as u64, first_broken }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The cookie banner's choice as the `ward_consent` cookie holds it:
/// `1.<cookie policy version>.<preferences><analytics><advertising><gpc>.<unix seconds>`,
/// each flag `0` or `1`. Written by `public/consent.js`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieChoice {
    pub revision: String,
    pub flags: [bool; 3],
    pub gpc: bool,
    pub at: i64,
}

impl CookieChoice {
    pub fn parse(value: &str) -> Option<CookieChoice> {
        let mut parts = value.split('.');
        let (Some("1"), Some(revision), Some(flags), Some(at), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let bits: Vec<bool> = flags
            .chars()
            .map(|c| match c {
                '0' => Some(false),
                '1' => Some(true),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let [p, a, d, g] = bits[..] else { return None };
        if revision.is_empty() || !revision.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return None;
        }
        Some(CookieChoice { revision: revision.into(), flags: [p, a, d], gpc: g, at: at.parse().ok()? })
    }

    /// From a request's `Cookie` headers.
    pub fn from_headers(headers: &HeaderMap) -> Option<CookieChoice> {
        cookie_value(headers, CONSENT_COOKIE).and_then(CookieChoice::parse)
    }

    pub fn allows(&self, category: &str) -> bool {
        COOKIE_FLAGS.iter().position(|c| *c == category).is_some_and(|i| self.flags[i])
    }
}

pub fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// `Sec-GPC: 1` (Global Privacy Control).
pub fn gpc_header(headers: &HeaderMap) -> bool {
    headers.get("sec-gpc").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() == "1")
}

/// The signed token of a marketing mail's unsubscribe link: who, where, which purpose.
/// It works without a session, so it names exactly one person and one purpose and is
/// MACed by the server.
pub fn unsubscribe_token(vault: &Vault, region: Region, person_id: &str, purpose: &str) -> String {
    let body = format!("{}.{person_id}.{purpose}", region.code());
    let mac = vault.token_mac("unsubscribe", body.as_bytes());
    // `~`, not `.`: a path segment with a dot is taken for a file, not the app's page.
    format!("{}~{}", B64.encode(body), B64.encode(&mac[..16]))
}

/// `(region, person id, purpose)` of a genuine token.
pub fn read_unsubscribe_token(vault: &Vault, token: &str) -> Option<(Region, String, String)> {
    let (body, mac) = token.split_once('~')?;
    let body = String::from_utf8(B64.decode(body).ok()?).ok()?;
    let expected = vault.token_mac("unsubscribe", body.as_bytes());
    if !constant_eq(&B64.decode(mac).ok()?, &expected[..16]) {
        return None;
    }
    let mut parts = body.splitn(3, '.');
    let region = Region::from_code(parts.next()?)?;
    Some((region, parts.next()?.to_string(), parts.next()?.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ledger_message;

    #[test]
    fn the_consent_cookie_is_read_strictly() {
        let c = CookieChoice::parse("1.2026-11-01.0101.1700000000").unwrap();
        assert_eq!(c.revision, "2026-11-01");
        assert_eq!(c.flags, [false, true, false]);
        assert!(c.gpc);
        assert!(c.allows("analytics") && !c.allows("advertising") && !c.allows("necessary"));
        for bad in ["", "1.x.010.1", "2.r.0000.1", "1.r.0002.1", "1.r.0000.x", "1.r;x.0000.1", "1.r.0000.1.9"]
        {
            assert_eq!(CookieChoice::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_unsubscribe_token_opens_only_unaltered() {
        let vault = Vault::from_master(&[7; 32]);
        let t = unsubscribe_token(&vault, Region::Eu, "abc", "marketing_mail");
        assert_eq!(
            read_unsubscribe_token(&vault, &t),
            Some((Region::Eu, "abc".into(), "marketing_mail".into()))
        );
        let forged = unsubscribe_token(&Vault::from_master(&[8; 32]), Region::Eu, "abc", "marketing_mail");
        assert_eq!(read_unsubscribe_token(&vault, &forged), None);
        assert!(!t.contains('.') && !t.contains('/'), "one path segment, not taken for a file: {t}");
        let (_, mac) = t.split_once('~').unwrap();
        let other = format!("{}~{mac}", B64.encode("eu.xyz.marketing_mail"));
        assert_eq!(read_unsubscribe_token(&vault, &other), None);
    }

    fn row(seq: i64, purpose: &str, action: &str) -> LedgerRow {
        LedgerRow {
            seq,
            purpose: purpose.into(),
            action: action.into(),
            policy_version: "v".into(),
            method: "settings".into(),
            text_version: "1".into(),
            at: 100 + seq,
            prev_hash: vec![],
            hash: vec![],
        }
    }

    fn chain(vault: &Vault, rows: Vec<LedgerRow>) -> Vec<LedgerRow> {
        let mac = ledger_mac(vault);
        let mut prev = GENESIS.to_vec();
        rows.into_iter()
            .map(|mut r| {
                r.prev_hash = prev.clone();
                r.hash = mac(&ledger_message("p", r.seq, &r));
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    #[test]
    fn any_altered_removed_or_reordered_record_breaks_the_chain() {
        let vault = Vault::from_master(&[1; 32]);
        let good =
            chain(&vault, vec![row(1, "a", "granted"), row(2, "a", "withdrawn"), row(3, "b", "granted")]);
        assert!(verify(&vault, "p", &good, None).intact);
        let mut altered = good.clone();
        altered[1].action = "granted".into();
        assert_eq!(verify(&vault, "p", &altered, None).first_broken, Some(2));
        let mut removed = good.clone();
        removed.remove(1);
        assert_eq!(verify(&vault, "p", &removed, None).first_broken, Some(2));
        let mut swapped = good.clone();
        swapped.swap(0, 1);
        assert_eq!(verify(&vault, "p", &swapped, None).first_broken, Some(1));
        // Another person's valid chain does not verify as this person's.
        assert_eq!(verify(&vault, "q", &good, None).first_broken, Some(1));
        // Recomputed with another key (someone holding only the database): refused.
        assert!(!verify(&vault, "p", &chain(&Vault::from_master(&[2; 32]), altered), None).intact);
    }
}
