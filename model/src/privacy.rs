//! The privacy center: purposes and consents, the consent ledger, cookie choices, policy
//! versions and "my data" (`/api/privacy/...`).

use serde::{Deserialize, Serialize};

use crate::Region;

/// A text in both of the portal's languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Localized {
    pub en: String,
    pub zh: String,
}

/// Why a processing is lawful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Consent,
    Contract,
    LegitimateInterest,
    LegalObligation,
}

/// A purpose of processing, as the data file `server/privacy/purposes.json` declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Purpose {
    pub id: String,
    pub legal_basis: Basis,
    /// Raised whenever the purpose's wording changes; each consent record names it.
    pub text_version: String,
    pub name: Localized,
    pub description: Localized,
    pub data_used: Vec<Localized>,
    pub recipients: Vec<Localized>,
    /// The cookie banner's category whose choice is recorded under this purpose.
    #[serde(default)]
    pub cookie_category: Option<String>,
    /// A Global Privacy Control signal switches it off.
    #[serde(default)]
    pub gpc: bool,
    /// For legitimate interest: whether an objection stops it (false when the interest
    /// overrides, e.g. account security; the description says why).
    #[serde(default = "yes")]
    pub objectable: bool,
    /// The registry's data categories this purpose covers ("my data" lists its recipients).
    #[serde(default)]
    pub categories: Vec<String>,
}

fn yes() -> bool {
    true
}

/// One purpose and where the signed-in person stands on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurposeState {
    pub purpose: Purpose,
    /// Whether the processing runs for this person now.
    pub active: bool,
    /// Whether the person can switch it (consent: grant/withdraw; legitimate interest: object).
    pub choosable: bool,
    /// When the person last changed it (RFC 3339), if ever.
    pub changed_at: Option<String>,
}

/// `GET /api/privacy/consents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentOverview {
    pub purposes: Vec<PurposeState>,
    /// The privacy policy version the person accepted.
    pub accepted_policy: String,
    /// A Global Privacy Control signal came with this request.
    pub gpc: bool,
    /// Since when (RFC 3339) the use of the person's data is restricted at their request:
    /// nothing beyond what the account strictly needs, and no purpose can be switched on.
    #[serde(default)]
    pub restricted_since: Option<String>,
    /// On a child's account opened with a guardian's consent: the purposes that stay off,
    /// which only the guardian's consent could change (`server/privacy/guardians.json`).
    #[serde(default)]
    pub child_locked: Vec<String>,
}

/// `POST /api/privacy/consents`: switch one purpose on or off (one click each way).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentChange {
    pub purpose: String,
    pub active: bool,
    /// The `text_version` of the purpose as shown to the person.
    pub text_version: String,
}

/// What a ledger record says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentAction {
    Granted,
    Withdrawn,
    Objected,
    ObjectionWithdrawn,
    /// A copy of the person's archive was delivered to a recipient they chose
    /// (`purpose` is `portability:<recipient id>`).
    Transferred,
}

/// How the person expressed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    Signup,
    Settings,
    Banner,
    Gpc,
    Unsubscribe,
    Reconsent,
    /// The privacy staff carried out the person's restriction request.
    Restriction,
    /// On the person's data export ("send a copy to a service").
    Export,
    /// A parent or guardian, verified by the privacy staff, prohibited the use of a child's
    /// data.
    Guardian,
}

/// One record of the consent ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerEntry {
    pub seq: u64,
    /// A purpose id, `privacy_policy` for accepting the policy, or `portability:<id>` for
    /// a copy of the archive sent to a recipient.
    pub purpose: String,
    /// For a copy sent: the recipient's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    pub action: ConsentAction,
    pub policy_version: String,
    pub method: ConsentMethod,
    pub text_version: String,
    /// RFC 3339.
    pub at: String,
    /// Hex of the record's chained MAC.
    pub hash: String,
}

/// `GET /api/privacy/ledger/verify`: the chain recomputed record by record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerVerification {
    pub intact: bool,
    pub records: u64,
    /// The first record whose MAC or link does not match, or the first one missing when the
    /// newest records were removed (the chain stops short of the head anchored apart from it).
    pub first_broken: Option<u64>,
}

/// `GET /api/privacy/status`: what the app must ask of a signed-in person at this visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrivacyStatus {
    pub accepted_policy: String,
    /// A material privacy policy change not yet accepted.
    pub reconsent: Option<PolicySummary>,
}

/// `POST /api/privacy/policy/accept`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyAccept {
    pub version: String,
}

/// Which document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    Privacy,
    Cookies,
}

impl PolicyKind {
    pub const fn code(self) -> &'static str {
        match self {
            PolicyKind::Privacy => "privacy",
            PolicyKind::Cookies => "cookies",
        }
    }

    pub fn from_code(code: &str) -> Option<PolicyKind> {
        match code {
            "privacy" => Some(PolicyKind::Privacy),
            "cookies" => Some(PolicyKind::Cookies),
            _ => None,
        }
    }
}

/// A version of a policy, without its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicySummary {
    pub kind: PolicyKind,
    pub version: String,
    /// `YYYY-MM-DD`, shown as "Last updated".
    pub last_updated: String,
    pub material: bool,
    pub summary: String,
}

/// One version of a policy with its text: the Markdown source and its HTML rendering
/// (raw HTML in the source is shown as text, never interpreted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyDocument {
    pub summary: PolicySummary,
    pub markdown: String,
    pub html: String,
    /// Every version of this kind, newest first.
    pub versions: Vec<PolicySummary>,
}

/// `POST /api/privacy/policies/{kind}` (privacy staff).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyPublish {
    pub markdown: String,
    pub material: bool,
    pub summary: String,
}

/// One run of lines of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffLine {
    /// `same`, `added` or `removed`.
    pub change: String,
    pub text: String,
}

/// `GET /api/privacy/policies/{kind}/diff?from=&to=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyDiff {
    pub from: PolicySummary,
    pub to: PolicySummary,
    pub lines: Vec<DiffLine>,
}

/// `POST /api/privacy/marketing` (privacy staff): a marketing mail to everyone who consented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarketingMail {
    pub subject: String,
    pub text: String,
}

/// How many people a staff action reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reached {
    pub people: u32,
}

/// `GET /api/privacy/my-data`: what Ward holds about the person, generated from the
/// personal-data registry and counted in their region's store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyData {
    pub region: Region,
    /// RFC 3339: when these counts were taken.
    pub generated_at: String,
    pub categories: Vec<DataCategory>,
}

/// One category of personal data (identity, contact, credentials, activity, choices, devices).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataCategory {
    pub category: String,
    pub items: u64,
    pub holdings: Vec<DataHolding>,
    /// Who receives data of this category (from the purposes that cover it).
    pub recipients: Vec<Localized>,
}

/// Data of one category in one table, held for one purpose under one rule, with the values
/// themselves in the person's words (labels from the server's `privacy/labels.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataHolding {
    /// For programs (the export, tests): where it is stored. Never shown to a person.
    pub table: String,
    pub columns: Vec<String>,
    /// What it is, in the person's words.
    pub title: Localized,
    /// Fields held (for the account itself) or records held (for anything else).
    pub items: u64,
    /// The account's own fields; for records, what each one also holds, described once
    /// (secrets and pictures are described, never sent).
    pub fields: Vec<HeldField>,
    /// The newest records, newest first: a few of `items` (the export has them all).
    pub records: Vec<Vec<HeldField>>,
    /// Why it is held, in the person's words.
    pub purpose: Localized,
    pub legal_basis: Basis,
    /// `None`: kept until the account is deleted.
    pub retention_days: Option<u32>,
    /// When the oldest record is deleted next (RFC 3339), and in how many seconds.
    pub next_deletion: Option<String>,
    pub next_deletion_in: Option<i64>,
}

/// One value held, with its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeldField {
    pub label: Localized,
    pub value: HeldValue,
}

/// A value as the person should read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum HeldValue {
    /// As stored (a name, an email, a model).
    Text(String),
    /// RFC 3339, shown in the reader's time zone.
    Time(String),
    Number(i64),
    YesNo(bool),
    /// Words in both languages: a code put into words, or what a secret is.
    Words(Localized),
}

/// `POST /api/privacy/unsubscribe`: the token of a marketing mail's unsubscribe link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unsubscribe {
    pub token: String,
}

/// Who, other than the person, reached their data (`GET /api/privacy/access`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccessActor {
    /// A member of Ward's privacy staff, answering a request of the person's.
    Staff,
    /// Someone the person shares a camera with.
    Invitee,
    /// The parent or guardian who consented to a child's account.
    Guardian,
}

/// What they did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccessAction {
    /// Opened a request of the person's, with their name and email.
    RequestOpened,
    /// Answered it (extended, fulfilled or refused).
    RequestAnswered,
    /// Watched a camera of the person's live.
    LiveView,
    /// Opened an alarm picture of a camera of the person's.
    AlarmPicture,
    /// Changed a setting of a camera of the person's (an installer: its name, privacy mode).
    Configured,
    /// Looked at the account (that it exists, its age) for a parent's or guardian's request
    /// about it, or acted on it as a child's.
    GuardianRequest,
    /// Looked at a child's account from their own (name, email, locked settings).
    ChildViewed,
    /// Downloaded the child's data archive.
    ChildArchive,
}

impl AccessActor {
    pub const ALL: [AccessActor; 3] = [AccessActor::Staff, AccessActor::Invitee, AccessActor::Guardian];

    /// The word in the store.
    pub const fn code(self) -> &'static str {
        match self {
            AccessActor::Staff => "staff",
            AccessActor::Invitee => "invitee",
            AccessActor::Guardian => "guardian",
        }
    }

    pub fn from_code(code: &str) -> Option<AccessActor> {
        AccessActor::ALL.into_iter().find(|a| a.code() == code)
    }
}

impl AccessAction {
    pub const ALL: [AccessAction; 8] = [
        AccessAction::RequestOpened,
        AccessAction::RequestAnswered,
        AccessAction::LiveView,
        AccessAction::AlarmPicture,
        AccessAction::Configured,
        AccessAction::GuardianRequest,
        AccessAction::ChildViewed,
        AccessAction::ChildArchive,
    ];

    /// The word in the store.
    pub const fn code(self) -> &'static str {
        match self {
            AccessAction::RequestOpened => "request_opened",
            AccessAction::RequestAnswered => "request_answered",
            AccessAction::LiveView => "live_view",
            AccessAction::AlarmPicture => "alarm_picture",
            AccessAction::Configured => "configured",
            AccessAction::GuardianRequest => "guardian_request",
            AccessAction::ChildViewed => "child_viewed",
            AccessAction::ChildArchive => "child_archive",
        }
    }

    pub fn from_code(code: &str) -> Option<AccessAction> {
        AccessAction::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// One access to the person's data by someone else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessEntry {
    /// The record's number in the person's chain.
    pub seq: u64,
    pub at: String,
    pub actor: AccessActor,
    /// The name on the invitee's account; none for the staff (the person sees the team, not
    /// its members), nor for an account since deleted.
    pub who: Option<String>,
    pub action: AccessAction,
    /// The camera's name, for a camera; none for a request.
    pub what: Option<String>,
}

/// `GET /api/privacy/access`: "who saw my data", newest first, and whether the chain of
/// records is whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessLog {
    /// At most the newest [`AccessLog::SHOWN`]; the export holds all.
    pub entries: Vec<AccessEntry>,
    pub total: u64,
    pub verification: LedgerVerification,
}

impl AccessLog {
    pub const SHOWN: usize = 100;
}
