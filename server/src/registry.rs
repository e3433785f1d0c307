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

/// Which kind of store a table lives in (see `crate::store`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// The one directory: email hashes and wrapped keys, nothing readable.
    Directory,
    /// Every region store: the personal data of the people living in that region.
    Region,
    /// Both kinds (bookkeeping tables).
    Both,
}

impl Place {
    fn holds(self, store: Place) -> bool {
        self == Place::Both || self == store
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Column {
    pub place: Place,
    pub table: &'static str,
    pub column: &'static str,
    pub class: Class,
}

const fn not_personal(place: Place, table: &'static str, column: &'static str, why: &'static str) -> Column {
    Column { place, table, column, class: Class::NotPersonal { why } }
}

const fn declared(table: &'static str, column: &'static str, p: Personal) -> Column {
    Column { place: Place::Region, table, column, class: Class::Personal(p) }
}

const CHILD_FLAG: &str = "to act on knowledge that an account belongs to a child: suspend it and delete it unless a \
     parent or guardian consents";
const CHILD_CONSENT: &str = "to ask the parent or guardian a child named for their consent, to prove it was \
     given, and to let them see and manage the child's account";
const SQLX_BOOKKEEPING: &str = "sqlx's record of applied migrations";
const ACCOUNT: &str = "to provide the account: sign-in, contact about it, and the age check";
const SECURITY: &str = "to keep the account secure and show the person who used it";
const FOR_LIFE: Retention = Retention::UntilAccountDeletion;
/// Sign-ins, failures and changes: long enough to investigate an account takeover.
const ACTIVITY_DAYS: Retention = Retention::Days(365);
/// Emailed codes are valid 10 minutes; the row is purged within a day.
const CODE_DAYS: Retention = Retention::Days(1);

use Category::*;
use Place::{Both, Directory, Region as Reg};

const fn sealed(
    table: &'static str,
    column: &'static str,
    category: Category,
    purpose: &'static str,
) -> Column {
    declared(
        table,
        column,
        Personal {
            category,
            purpose,
            legal_basis: LegalBasis::Contract,
            retention: FOR_LIFE,
            export_section: "account",
            erasure: Erasure::CryptoShred,
        },
    )
}

const fn security(table: &'static str, column: &'static str, retention: Retention) -> Column {
    declared(
        table,
        column,
        Personal {
            category: Activity,
            purpose: SECURITY,
            legal_basis: LegalBasis::LegitimateInterest,
            retention,
            export_section: "security",
            erasure: Erasure::CryptoShred,
        },
    )
}

const fn credential(table: &'static str, column: &'static str, retention: Retention) -> Column {
    declared(
        table,
        column,
        Personal {
            category: Credentials,
            purpose: "to prove that the person signing in is the account's owner",
            legal_basis: LegalBasis::Contract,
            retention,
            // Hashes and secrets are not handed out: an export must not weaken the account.
            export_section: "security",
            erasure: Erasure::Delete,
        },
    )
}

const fn account_fact(table: &'static str, column: &'static str, purpose: &'static str) -> Column {
    declared(
        table,
        column,
        Personal {
            category: Choices,
            purpose,
            legal_basis: LegalBasis::Contract,
            retention: FOR_LIFE,
            export_section: "account",
            erasure: Erasure::Delete,
        },
    )
}

/// A consent record: kept as proof of consent (GDPR art. 7(1)) while the account exists.
const fn consent(table: &'static str, column: &'static str) -> Column {
    declared(
        table,
        column,
        Personal {
            category: Choices,
            purpose: "to prove what the person consented to or objected to, when, how and under which texts",
            legal_basis: LegalBasis::LegalObligation,
            retention: FOR_LIFE,
            export_section: "consents",
            erasure: Erasure::Delete,
        },
    )
}

/// When and by whom a child's account was consented to (COPPA 312.5, PIPL art. 31): proof
/// kept while the account exists.
const fn child_consent(table: &'static str, column: &'static str) -> Column {
    declared(
        table,
        column,
        Personal {
            category: Choices,
            purpose: CHILD_CONSENT,
            legal_basis: LegalBasis::LegalObligation,
            retention: FOR_LIFE,
            export_section: "consents",
            erasure: Erasure::Delete,
        },
    )
}

// ---- Devices ----
/// Alarm events and their pictures: the privacy policy's promise of 7 days.
pub const EVENT_DAYS: u32 = 7;
/// Doorbell call records and their pictures.
pub const CALL_DAYS: u32 = 90;
const DEVICE: &str = "to run the cameras the person added: show them, their status and settings";
const ALARMS: &str = "to show the person what their cameras saw when they raised an alarm";
const CALLS: &str = "to show the person who rang their doorbell";
/// One row per camera, overwritten as it sends and deleted with it.
const QUOTA: &str =
    "to keep one camera from filling the store: how many pictures and bytes it sent today and this minute";

const fn device_data(
    table: &'static str,
    column: &'static str,
    purpose: &'static str,
    retention: Retention,
    export_section: &'static str,
) -> Column {
    declared(
        table,
        column,
        Personal {
            category: Devices,
            purpose,
            legal_basis: LegalBasis::Contract,
            retention,
            export_section,
            erasure: Erasure::Delete,
        },
    )
}

const fn device_sealed(table: &'static str, column: &'static str) -> Column {
    declared(
        table,
        column,
        Personal {
            category: Devices,
            purpose: DEVICE,
            legal_basis: LegalBasis::Contract,
            retention: FOR_LIFE,
            export_section: "devices",
            erasure: Erasure::CryptoShred,
        },
    )
}

const FACTORY: &str = "the factory's record of a camera, before and apart from any owner";
const DEVICE_COLUMNS: &[Column] = &[
    not_personal(Directory, "factory_devices", "serial_hash", "a keyed hash (HMAC) of a serial number"),
    not_personal(Directory, "factory_devices", "model", FACTORY),
    not_personal(Directory, "factory_devices", "code_hash", "a keyed hash of the label's code"),
    not_personal(
        Directory,
        "factory_devices",
        "secret_hash",
        "a keyed hash of the camera's secret (the factory's until a claim)",
    ),
    not_personal(
        Directory,
        "factory_devices",
        "next_secret_hash",
        "a keyed hash of a camera's new secret, not yet acknowledged",
    ),
    not_personal(Directory, "factory_devices", "rekey_due", "whether a claimed camera is owed a new secret"),
    not_personal(Directory, "factory_devices", "bound_region", "one of seven region codes"),
    not_personal(Directory, "factory_devices", "device_id", "a random identifier of a region store's row"),
    not_personal(Reg, "devices", "id", ID),
    not_personal(Reg, "devices", "owner_id", ID),
    not_personal(Reg, "devices", "serial_hash", "a keyed hash (HMAC) of a serial number"),
    device_sealed("devices", "serial_ct"),
    device_sealed("devices", "name_ct"),
    device_sealed("devices", "address_ct"),
    device_data("devices", "model", DEVICE, FOR_LIFE, "devices"),
    device_data("devices", "firmware", DEVICE, FOR_LIFE, "devices"),
    device_data("devices", "time_zone", DEVICE, FOR_LIFE, "devices"),
    device_data("devices", "privacy_mode", DEVICE, FOR_LIFE, "devices"),
    device_data("devices", "online", DEVICE, FOR_LIFE, "devices"),
    device_data("devices", "created_at", DEVICE, FOR_LIFE, "devices"),
    not_personal(Reg, "alarm_events", "id", ID),
    not_personal(Reg, "alarm_events", "device_id", ID),
    not_personal(Reg, "alarm_events", "owner_id", ID),
    device_data("alarm_events", "kind", ALARMS, Retention::Days(EVENT_DAYS), "alarms"),
    device_data("alarm_events", "at", ALARMS, Retention::Days(EVENT_DAYS), "alarms"),
    device_data("alarm_events", "picture_key", ALARMS, Retention::Days(EVENT_DAYS), "alarms"),
    device_data("alarm_events", "thumbnail_key", ALARMS, Retention::Days(EVENT_DAYS), "alarms"),
    not_personal(Reg, "call_records", "id", ID),
    not_personal(Reg, "call_records", "device_id", ID),
    not_personal(Reg, "call_records", "owner_id", ID),
    device_data("call_records", "at", CALLS, Retention::Days(CALL_DAYS), "calls"),
    device_data("call_records", "picture_key", CALLS, Retention::Days(CALL_DAYS), "calls"),
    not_personal(Reg, "call_views", "id", ID),
    not_personal(Reg, "call_views", "call_id", ID),
    not_personal(Reg, "call_views", "viewer_id", ID),
    device_data(
        "call_views",
        "at",
        "to show the owner each time a call record was looked at",
        Retention::Days(CALL_DAYS),
        "calls",
    ),
    not_personal(Reg, "picture_quotas", "device_id", ID),
    not_personal(Reg, "picture_quotas", "owner_id", ID),
    device_data("picture_quotas", "day", QUOTA, FOR_LIFE, "devices"),
    device_data("picture_quotas", "bytes", QUOTA, FOR_LIFE, "devices"),
    device_data("picture_quotas", "pictures", QUOTA, FOR_LIFE, "devices"),
    device_data("picture_quotas", "window_start", QUOTA, FOR_LIFE, "devices"),
    device_data("picture_quotas", "window_pictures", QUOTA, FOR_LIFE, "devices"),
    not_personal(Reg, "device_shares", "id", ID),
    not_personal(Reg, "device_shares", "device_id", ID),
    not_personal(Reg, "device_shares", "owner_id", ID),
    not_personal(Reg, "device_shares", "invitee_id", ID),
    device_data("device_shares", "permissions", SHARES, FOR_LIFE, "shares"),
    device_data("device_shares", "status", SHARES, FOR_LIFE, "shares"),
    device_data("device_shares", "expires_at", SHARES, FOR_LIFE, "shares"),
    device_data("device_shares", "created_at", SHARES, FOR_LIFE, "shares"),
    device_data("device_shares", "email_ct", SHARES, FOR_LIFE, "shares"),
    not_personal(Reg, "share_invitations", "id", ID),
    not_personal(Reg, "share_invitations", "device_id", ID),
    not_personal(Reg, "share_invitations", "owner_id", ID),
    not_personal(
        Reg,
        "share_invitations",
        "email_hash",
        "a keyed hash of the address: reveals nothing without the master key",
    ),
    device_data("share_invitations", "email_ct", SHARES, Retention::Days(INVITATION_DAYS), "shares"),
    device_data("share_invitations", "permissions", SHARES, Retention::Days(INVITATION_DAYS), "shares"),
    device_data("share_invitations", "expires_at", SHARES, Retention::Days(INVITATION_DAYS), "shares"),
    device_data("share_invitations", "created_at", SHARES, Retention::Days(INVITATION_DAYS), "shares"),
    not_personal(Reg, "share_accesses", "id", ID),
    not_personal(Reg, "share_accesses", "share_id", ID),
    not_personal(Reg, "share_accesses", "person_id", ID),
    device_data("share_accesses", "action", SHARE_USE, Retention::Days(SHARE_USE_DAYS), "shares"),
    device_data("share_accesses", "at", SHARE_USE, Retention::Days(SHARE_USE_DAYS), "shares"),
];

// ---- Data export ----
/// Days an export archive (its row and its file) is kept after it was requested.
pub const EXPORT_DAYS: u32 = 7;
const EXPORT: &str = "to build the archive of their data the person asked for and let them download it";

/// What the `exports` rows and the archive files both are: one declaration for both.
const EXPORT_PERSONAL: Personal = Personal {
    category: Activity,
    purpose: EXPORT,
    // The right of access and to portability (GDPR art. 15 and 20).
    legal_basis: LegalBasis::LegalObligation,
    retention: Retention::Days(EXPORT_DAYS),
    export_section: "exports",
    erasure: Erasure::Delete,
};

const fn export_fact(column: &'static str) -> Column {
    declared("exports", column, EXPORT_PERSONAL)
}

const EXPORT_COLUMNS: &[Column] = &[
    not_personal(Reg, "exports", "id", ID),
    not_personal(Reg, "exports", "person_id", ID),
    export_fact("state"),
    export_fact("language"),
    export_fact("created_at"),
    export_fact("ready_at"),
    export_fact("size"),
    export_fact("error"),
    not_personal(Reg, "exports", "confirmed_session", ID),
    export_fact("confirmed_at"),
    export_fact("pictures"),
    not_personal(Reg, "export_transfers", "id", ID),
    not_personal(Reg, "export_transfers", "export_id", ID),
    not_personal(Reg, "export_transfers", "person_id", ID),
    declared("export_transfers", "recipient", EXPORT_PERSONAL),
    declared("export_transfers", "recipient_name", EXPORT_PERSONAL),
    declared("export_transfers", "state", EXPORT_PERSONAL),
    declared("export_transfers", "attempts", EXPORT_PERSONAL),
    declared("export_transfers", "failure", EXPORT_PERSONAL),
    declared("export_transfers", "status", EXPORT_PERSONAL),
    declared("export_transfers", "created_at", EXPORT_PERSONAL),
    declared("export_transfers", "sent_at", EXPORT_PERSONAL),
    not_personal(Reg, "export_links", "id", ID),
    not_personal(Reg, "export_links", "export_id", ID),
    not_personal(Reg, "export_links", "person_id", ID),
    credential("export_links", "token_hash", Retention::Days(EXPORT_DAYS)),
    // Who the person made it for, in their words: sealed with their key.
    declared("export_links", "label_ct", Personal { erasure: Erasure::CryptoShred, ..EXPORT_PERSONAL }),
    declared("export_links", "created_at", EXPORT_PERSONAL),
    declared("export_links", "expires_at", EXPORT_PERSONAL),
    declared("export_links", "used_at", EXPORT_PERSONAL),
    declared("export_links", "revoked_at", EXPORT_PERSONAL),
];

/// The archives themselves (`crate::export`): ZIP files sealed with the person's key, under
/// `<data-dir>/exports/<region>/`, deleted with their row by the hourly retention job.
pub const EXPORTS: FileStore = FileStore {
    dir: "exports",
    what: "the archives of their data people asked for, sealed with their key",
    personal: EXPORT_PERSONAL,
};

// ---- Rights requests ----
/// A request and its timeline: proof that a right was asked for and how it was answered.
const REQUEST: Personal = Personal {
    category: Choices,
    purpose: "to answer what the person asked of the privacy staff, on time, and prove how it was answered",
    legal_basis: LegalBasis::LegalObligation,
    retention: FOR_LIFE,
    export_section: "requests",
    erasure: Erasure::Delete,
};

/// What the person or the staff wrote: sealed with the person's key.
const REQUEST_TEXT: Personal = Personal { erasure: Erasure::CryptoShred, ..REQUEST };

const fn request(table: &'static str, column: &'static str, p: Personal) -> Column {
    declared(table, column, p)
}

const REQUEST_COLUMNS: &[Column] = &[
    not_personal(Reg, "rights_requests", "id", ID),
    not_personal(Reg, "rights_requests", "person_id", ID),
    request("rights_requests", "kind", REQUEST),
    request("rights_requests", "status", REQUEST),
    request("rights_requests", "details_ct", REQUEST_TEXT),
    request("rights_requests", "filed_at", REQUEST),
    request("rights_requests", "due_at", REQUEST),
    request("rights_requests", "closed_at", REQUEST),
    request("rights_requests", "reminded_at", REQUEST),
    not_personal(Reg, "request_events", "id", "a row number"),
    not_personal(Reg, "request_events", "request_id", ID),
    not_personal(Reg, "request_events", "person_id", ID),
    request("request_events", "at", REQUEST),
    request("request_events", "actor", REQUEST),
    request("request_events", "kind", REQUEST),
    request("request_events", "text_ct", REQUEST_TEXT),
    not_personal(Reg, "requesters", "id", ID),
    not_personal(
        Reg,
        "requesters",
        "email_hash",
        "a keyed hash of the address: reveals nothing without the master key",
    ),
    request("requesters", "email_ct", REQUESTER),
    request("requesters", "name_ct", REQUESTER),
    request("requesters", "created_at", REQUESTER_TIME),
    request("requesters", "last_active_at", REQUESTER_TIME),
    // A guardian's request (`crate::requests::guardian`): the guardian is a requester.
    not_personal(Reg, "guardian_requests", "request_id", ID),
    not_personal(Reg, "guardian_requests", "person_id", ID),
    request("guardian_requests", "ask", REQUEST),
    request("guardian_requests", "relation", REQUEST),
    request("guardian_requests", "method", REQUEST),
    request("guardian_requests", "child_ct", REQUEST_TEXT),
    request("guardian_requests", "child_region", REQUEST),
    not_personal(Reg, "guardian_requests", "child_id", ID),
    not_personal(
        Reg,
        "guardian_requests",
        "review_hash",
        "a keyed hash of a random link: reveals nothing without the master key",
    ),
    not_personal(Reg, "guardian_proofs", "request_id", ID),
    not_personal(Reg, "guardian_proofs", "person_id", ID),
    request("guardian_proofs", "media_type", GUARDIAN_PROOF_FACT),
    request("guardian_proofs", "size", GUARDIAN_PROOF_FACT),
    request("guardian_proofs", "proof_ct", GUARDIAN_PROOF),
    request("guardian_proofs", "uploaded_at", GUARDIAN_PROOF_FACT),
    request("guardian_proofs", "decided_at", GUARDIAN_PROOF_FACT),
];

/// A guardian's proof of guardianship (a signed form, an ID): kept only until the staff's
/// decision and two weeks after it (time to ask again or complain), then deleted.
const GUARDIAN_PROOF: Personal = Personal {
    category: Identity,
    purpose: "to verify that the person asking about a child's data is the child's parent or guardian",
    legal_basis: LegalBasis::LegalObligation,
    retention: Retention::Days(14),
    export_section: "requests",
    erasure: Erasure::CryptoShred,
};
const GUARDIAN_PROOF_FACT: Personal = Personal { erasure: Erasure::Delete, ..GUARDIAN_PROOF };

/// Someone who filed a request without an account: the address the mailed code proved and
/// the name they gave, kept three years after the last thing that happened to one of their
/// requests (proof that a right was honoured), then purged with the requests.
const REQUESTER: Personal = Personal {
    category: Contact,
    purpose: "to answer a request filed without an account, at the address that proved it",
    legal_basis: LegalBasis::LegalObligation,
    retention: Retention::Days(3 * 365),
    export_section: "requests",
    erasure: Erasure::CryptoShred,
};
const REQUESTER_TIME: Personal = Personal { erasure: Erasure::Delete, ..REQUESTER };

// ---- "Who saw my data" ----
/// The access log (`crate::privacy::access`): who else reached the person's data, chained.
const ACCESS: Personal = Personal {
    category: Activity,
    purpose: "to show the person who else reached their data, and prove the record was not changed",
    // Accountability and the right of access (GDPR art. 5(2) and 15).
    legal_basis: LegalBasis::LegalObligation,
    retention: FOR_LIFE,
    export_section: "access_log",
    erasure: Erasure::Delete,
};

const ACCESS_COLUMNS: &[Column] = &[
    not_personal(Reg, "access_log", "person_id", ID),
    not_personal(Reg, "access_log", "seq", "a record's number in one person's chain"),
    declared("access_log", "at", ACCESS),
    declared("access_log", "actor", ACCESS),
    // The staff member's or invitee's id: names them only through the directory and their
    // own account; their name is looked up when shown, never copied here.
    not_personal(Reg, "access_log", "actor_id", ID),
    declared("access_log", "action", ACCESS),
    not_personal(Reg, "access_log", "object_id", "a request's or a camera's random identifier"),
    not_personal(
        Reg,
        "access_log",
        "prev_hash",
        "a MAC of the previous record: reveals nothing without the master key",
    ),
    not_personal(Reg, "access_log", "hash", "a MAC of the record: reveals nothing without the master key"),
    not_personal(Directory, "access_heads", "person_id", ID),
    not_personal(Directory, "access_heads", "records", "how many records a chain has; not what they say"),
    not_personal(
        Directory,
        "access_heads",
        "head",
        "the MAC of a chain's newest record: reveals nothing without the master key",
    ),
];

// ---- Breach notices ----
/// The notices a person was sent about an incident that concerned them.
const NOTICE: Personal = Personal {
    category: Activity,
    purpose: "to tell the person of a security incident that concerned their data, and show them the notice",
    // Communication of a personal data breach (GDPR art. 34).
    legal_basis: LegalBasis::LegalObligation,
    retention: FOR_LIFE,
    export_section: "notices",
    erasure: Erasure::Delete,
};

const SERVICE_NOTICE: &str = "a public notice about the service, for everyone; names no one";
const INCIDENT: &str = "an incident the privacy staff recorded: about the service, naming no one";

const NOTICE_COLUMNS: &[Column] = &[
    not_personal(Reg, "incident_notices", "person_id", ID),
    not_personal(
        Reg,
        "incident_notices",
        "incident_id",
        "which incident: a random identifier of the directory's",
    ),
    declared("incident_notices", "notified_at", NOTICE),
    not_personal(Directory, "incidents", "id", INCIDENT),
    not_personal(Directory, "incidents", "title", INCIDENT),
    not_personal(Directory, "incidents", "description", INCIDENT),
    not_personal(Directory, "incidents", "categories", INCIDENT),
    not_personal(Directory, "incidents", "regions", INCIDENT),
    not_personal(Directory, "incidents", "feature", INCIDENT),
    not_personal(Directory, "incidents", "window_from", INCIDENT),
    not_personal(Directory, "incidents", "window_to", INCIDENT),
    not_personal(Directory, "incidents", "discovered_at", INCIDENT),
    not_personal(Directory, "incidents", "recorded_at", INCIDENT),
    not_personal(Directory, "incidents", "authority_notified_at", INCIDENT),
    not_personal(Directory, "incidents", "people_notified_at", INCIDENT),
    not_personal(Directory, "incidents", "affected", "how many people an incident concerned; not who"),
    not_personal(Directory, "service_notices", "id", SERVICE_NOTICE),
    not_personal(Directory, "service_notices", "kind", SERVICE_NOTICE),
    not_personal(Directory, "service_notices", "title_en", SERVICE_NOTICE),
    not_personal(Directory, "service_notices", "title_zh", SERVICE_NOTICE),
    not_personal(Directory, "service_notices", "body_en", SERVICE_NOTICE),
    not_personal(Directory, "service_notices", "body_zh", SERVICE_NOTICE),
    not_personal(Directory, "service_notices", "effective_at", SERVICE_NOTICE),
    not_personal(Directory, "service_notices", "published_at", SERVICE_NOTICE),
    not_personal(Directory, "service_notices", "withdrawn_at", SERVICE_NOTICE),
];

const SHARES: &str = "to let the people you choose use a camera, as far and as long as you granted";
const SHARE_USE: &str = "to show a camera's owner when the people they shared it with used it";
/// Days an invitation to an address without an account waits for that address.
pub const INVITATION_DAYS: u32 = 14;
/// [`INVITATION_DAYS`] in seconds: when an unanswered share or invitation lapses.
pub const INVITATION_SECS: i64 = INVITATION_DAYS as i64 * 86_400;

/// How long an account flagged as a child's stays suspended before it is deleted, unless a
/// parent or guardian gives verifiable consent: time for them to come forward.
pub const CHILD_NOTICE_DAYS: u32 = 14;
pub const CHILD_NOTICE_SECS: i64 = CHILD_NOTICE_DAYS as i64 * 86_400;
/// How long a child's account opened naming a guardian waits, suspended, for that guardian's
/// verified consent before it is deleted with all it holds.
pub const CHILD_CONSENT_DAYS: u32 = 7;
pub const CHILD_CONSENT_SECS: i64 = CHILD_CONSENT_DAYS as i64 * 86_400;
/// How long the use of a share stays in its owner's view.
pub const SHARE_USE_DAYS: u32 = 90;

/// Tables whose rows carry media in object storage: the devices' retention job deletes the
/// pictures with the rows (`crate::devices::purge`), with the time column of each row.
pub const MEDIA_TABLES: &[(&str, &str)] = &[("alarm_events", "at"), ("call_records", "at")];

const ID: &str = "a random identifier; personal only through the row it belongs to, erased with it";
const HASH: &str =
    "a keyed hash (HMAC) of the email: unreadable without the master key, which no store holds";

/// A store of personal data outside the databases: files under the data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FileStore {
    /// The folder under `<data-dir>`.
    pub dir: &'static str,
    pub what: &'static str,
    pub personal: Personal,
}

impl FileStore {
    /// The days a file is kept (every file store has a `Days` rule).
    pub const fn days(&self) -> u32 {
        match self.personal.retention {
            Retention::Days(d) => d,
            Retention::UntilAccountDeletion => panic!("a file store is purged by age"),
        }
    }
}

/// Days an outbox message is kept.
pub const OUTBOX_DAYS: u32 = 1;

/// The outbox (`crate::mail`): with no SMTP server configured, every mail Ward sends is a
/// `.eml` file, with its recipient's address and any code in plain text. Deleted a day after
/// it was written by the hourly retention job (`crate::mail::purge_outbox`).
pub const OUTBOX: FileStore = FileStore {
    dir: "outbox",
    what: "mail written to files instead of sent, read by the developer mailbox",
    personal: Personal {
        category: Contact,
        purpose: "to let a developer running Ward without a mail server read the mail it sends",
        legal_basis: LegalBasis::LegitimateInterest,
        retention: Retention::Days(OUTBOX_DAYS),
        export_section: "mail",
        erasure: Erasure::Delete,
    },
};

/// Every store of personal data kept in files rather than tables.
pub const FILE_STORES: &[FileStore] = &[OUTBOX, EXPORTS];

/// Every column of every table, in every store. Add a migration, add its columns here.
pub const COLUMNS: &[Column] = concat_columns();

const PARTS: [&[Column]; 6] =
    [BASE_COLUMNS, DEVICE_COLUMNS, EXPORT_COLUMNS, REQUEST_COLUMNS, ACCESS_COLUMNS, NOTICE_COLUMNS];

const fn concat_columns() -> &'static [Column] {
    const N: usize = {
        let (mut n, mut p) = (0, 0);
        while p < PARTS.len() {
            n += PARTS[p].len();
            p += 1;
        }
        n
    };
    // Evaluated once at compile time; only a reference to it is ever used.
    #[allow(clippy::large_const_arrays)]
    const ALL: [Column; N] = {
        let mut out = [BASE_COLUMNS[0]; N];
        let (mut i, mut p) = (0, 0);
        while p < PARTS.len() {
            let mut j = 0;
            while j < PARTS[p].len() {
                out[i] = PARTS[p][j];
                i += 1;
                j += 1;
            }
            p += 1;
        }
        out
    };
    &ALL
}

const BASE_COLUMNS: &[Column] = &[
    not_personal(Both, "ward_meta", "key", "names a fact about the database itself"),
    not_personal(Both, "ward_meta", "value", "a fact about the database itself, such as its schema name"),
    not_personal(Both, "_sqlx_migrations", "version", SQLX_BOOKKEEPING),
    not_personal(Both, "_sqlx_migrations", "description", SQLX_BOOKKEEPING),
    not_personal(Both, "_sqlx_migrations", "installed_on", SQLX_BOOKKEEPING),
    not_personal(Both, "_sqlx_migrations", "success", SQLX_BOOKKEEPING),
    not_personal(Both, "_sqlx_migrations", "checksum", SQLX_BOOKKEEPING),
    not_personal(Both, "_sqlx_migrations", "execution_time", SQLX_BOOKKEEPING),
    // The directory holds nothing readable.
    not_personal(Directory, "directory", "email_hash", HASH),
    not_personal(Directory, "directory", "region", "one of seven region codes"),
    not_personal(Directory, "directory", "person_id", ID),
    not_personal(Directory, "person_keys", "person_id", ID),
    not_personal(
        Directory,
        "address_codes",
        "email_hash",
        "a keyed hash of an address: reveals nothing without the master key",
    ),
    not_personal(Directory, "address_codes", "code_hash", "a MAC of a mailed code, valid ten minutes"),
    not_personal(Directory, "address_codes", "expires_at", "when the code stops working"),
    not_personal(Directory, "address_codes", "attempts", "how many times the code was tried"),
    not_personal(
        Directory,
        "person_keys",
        "wrapped_key",
        "a random key, encrypted by the master key; deleting it crypto-shreds the person",
    ),
    // Rate limits and sign-in delays (`auth::limits`): counters under keyed hashes, purged
    // when their time has passed (at most a day after the last event they count).
    not_personal(
        Directory,
        "rate_limits",
        "key",
        "a keyed hash (HMAC) of what is limited (an email's hash, a client address): unreadable \
         without the master key",
    ),
    not_personal(Directory, "rate_limits", "hits", "how many events a counter holds; not what they were"),
    not_personal(Directory, "rate_limits", "window_start", "when a counter started"),
    not_personal(Directory, "rate_limits", "blocked_until", "when the next attempt is allowed"),
    not_personal(Directory, "rate_limits", "expires_at", "when a counter is purged"),
    // A region store: people.
    not_personal(Reg, "people", "id", ID),
    not_personal(Reg, "people", "email_hash", HASH),
    sealed("people", "name_ct", Identity, ACCOUNT),
    sealed("people", "email_ct", Contact, ACCOUNT),
    sealed("people", "phone_ct", Contact, ACCOUNT),
    sealed(
        "people",
        "birth_date_ct",
        Identity,
        "to check the person is old enough for an account in their region",
    ),
    sealed("people", "pending_email_ct", Contact, "to verify a new email before it replaces the old one"),
    credential("people", "password_hash", FOR_LIFE),
    account_fact("people", "email_verified", "to know the email reaches the person"),
    credential("people", "totp_secret_ct", FOR_LIFE),
    account_fact("people", "totp_enabled", "to ask for the second factor the person chose"),
    credential("people", "totp_last_step", FOR_LIFE),
    account_fact("people", "policy_version", "to prove which privacy policy the person accepted"),
    account_fact("people", "policy_accepted_at", "to prove when the person accepted the privacy policy"),
    account_fact("people", "created_at", "to show when the account was opened"),
    account_fact("people", "child_flagged_at", CHILD_FLAG),
    account_fact("people", "child_delete_at", CHILD_FLAG),
    // A child's account opened with a guardian's consent (`crate::requests::guardian`).
    not_personal(Reg, "child_guardians", "person_id", ID),
    not_personal(Reg, "child_guardians", "guardian_hash", "a keyed hash (HMAC) of the guardian's email"),
    declared(
        "child_guardians",
        "guardian_email_ct",
        Personal {
            category: Contact,
            purpose: CHILD_CONSENT,
            legal_basis: LegalBasis::LegalObligation,
            retention: FOR_LIFE,
            export_section: "consents",
            erasure: Erasure::CryptoShred,
        },
    ),
    child_consent("child_guardians", "named_at"),
    child_consent("child_guardians", "consented_at"),
    not_personal(Reg, "child_guardians", "request_id", ID),
    not_personal(Reg, "codes", "person_id", ID),
    not_personal(Reg, "codes", "purpose", "which kind of code: a fixed word"),
    credential("codes", "code_hash", CODE_DAYS),
    not_personal(Reg, "codes", "expires_at", "when a code expires; erased with it"),
    not_personal(Reg, "codes", "attempts", "how often a code was tried; erased with it"),
    not_personal(Reg, "sessions", "id", ID),
    not_personal(Reg, "sessions", "person_id", ID),
    credential("sessions", "token_hash", FOR_LIFE),
    security("sessions", "created_at", FOR_LIFE),
    security("sessions", "last_seen", FOR_LIFE),
    security("sessions", "address_ct", FOR_LIFE),
    security("sessions", "browser_ct", FOR_LIFE),
    not_personal(Reg, "activity", "id", "a row number"),
    not_personal(Reg, "activity", "person_id", ID),
    security("activity", "kind", ACTIVITY_DAYS),
    security("activity", "at", ACTIVITY_DAYS),
    security("activity", "address_ct", ACTIVITY_DAYS),
    security("activity", "browser_ct", ACTIVITY_DAYS),
    not_personal(Reg, "recovery_codes", "person_id", ID),
    credential("recovery_codes", "code_hash", FOR_LIFE),
    not_personal(Reg, "passkeys", "id", ID),
    not_personal(Reg, "passkeys", "person_id", ID),
    credential("passkeys", "credential_ct", FOR_LIFE),
    security("passkeys", "name_ct", FOR_LIFE),
    security("passkeys", "created_at", FOR_LIFE),
    security("passkeys", "last_used", FOR_LIFE),
    not_personal(Reg, "deletion_receipts", "receipt", "a random number given to the person; it names no one"),
    not_personal(Reg, "deletion_receipts", "deleted_at", "when some account was deleted; names no one"),
    // The privacy center: public policy texts (directory) and the consent ledger (region).
    not_personal(Directory, "policy_versions", "kind", "which policy: a fixed word"),
    not_personal(Directory, "policy_versions", "version", "a version name, public"),
    not_personal(Directory, "policy_versions", "seq", "the version's number"),
    not_personal(Directory, "policy_versions", "last_updated", "a public date"),
    not_personal(Directory, "policy_versions", "published_at", "when a public document was published"),
    not_personal(Directory, "policy_versions", "material", "whether a change was material"),
    not_personal(Directory, "policy_versions", "summary", "a public summary of a change"),
    not_personal(Directory, "policy_versions", "body", "the public text of a policy"),
    not_personal(Reg, "consent_ledger", "person_id", ID),
    not_personal(Reg, "consent_ledger", "seq", "a record's number in one person's chain"),
    consent("consent_ledger", "purpose"),
    consent("consent_ledger", "action"),
    consent("consent_ledger", "policy_version"),
    consent("consent_ledger", "method"),
    consent("consent_ledger", "text_version"),
    consent("consent_ledger", "at"),
    not_personal(
        Reg,
        "consent_ledger",
        "prev_hash",
        "a MAC of the previous record: reveals nothing without the master key",
    ),
    not_personal(
        Reg,
        "consent_ledger",
        "hash",
        "a MAC of the record: reveals nothing without the master key",
    ),
    not_personal(Directory, "ledger_heads", "person_id", ID),
    not_personal(
        Directory,
        "ledger_heads",
        "records",
        "how many consent records a chain has; not what they say",
    ),
    not_personal(
        Directory,
        "ledger_heads",
        "head",
        "the MAC of a chain's newest record: reveals nothing without the master key",
    ),
];

/// The declaration of one column of a store of kind `store`, if any.
pub fn lookup_in(store: Place, table: &str, column: &str) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.place.holds(store) && c.table == table && c.column == column)
}

/// Every personal column, for export, erasure, retention and "my data".
pub fn personal() -> impl Iterator<Item = (&'static Column, &'static Personal)> {
    COLUMNS.iter().filter_map(|c| match &c.class {
        Class::Personal(p) => Some((c, p)),
        Class::NotPersonal { .. } => None,
    })
}

/// Tables about people who have no account (requests filed without one): no account's
/// archive or "my data" page shows them, since they are never about an account holder; their
/// data is answered through their requests and purged by its own rule.
pub const WITHOUT_ACCOUNT: &[&str] = &["requesters", "guardian_requests", "guardian_proofs"];

/// Every personal column of the region stores that is about an account holder: what their
/// archive and their "my data" page are made of.
pub fn of_accounts() -> impl Iterator<Item = (&'static Column, &'static Personal)> {
    personal().filter(|(c, _)| c.place == Place::Region && !WITHOUT_ACCOUNT.contains(&c.table))
}

/// The rows of `table` that a retention job deletes by age: the shortest `Days` rule among
/// its personal columns, if any column has one.
pub fn retention_days(table: &str) -> Option<u32> {
    personal()
        .filter(|(c, _)| c.table == table)
        .filter_map(|(_, p)| match p.retention {
            Retention::Days(d) => Some(d),
            Retention::UntilAccountDeletion => None,
        })
        .min()
}

/// The column of each region table that names the person its rows are about ("my data"
/// counts by it); a table not listed here names them in `person_id`.
pub const SUBJECT_COLUMNS: &[(&str, &str)] = &[
    ("people", "id"),
    // A camera, its alarms and its calls belong to its owner.
    ("devices", "owner_id"),
    ("alarm_events", "owner_id"),
    ("call_records", "owner_id"),
    // A camera's use of the media store is its owner's.
    ("picture_quotas", "owner_id"),
    // Who looked at a call record.
    ("call_views", "viewer_id"),
    // A share is its owner's choice; its use (`share_accesses.person_id`) is the invitee's.
    ("device_shares", "owner_id"),
    // An invitation is its owner's choice (the invitee has no account here yet).
    ("share_invitations", "owner_id"),
    // Someone who filed a request without an account is their own row.
    ("requesters", "id"),
];

/// The column of `table` that names the person a row is about.
pub fn subject_column(table: &str) -> &'static str {
    SUBJECT_COLUMNS.iter().find(|(t, _)| *t == table).map_or("person_id", |(_, c)| c)
}

/// Tables purged by age, with the column holding each row's time (Unix seconds).
pub const AGED_TABLES: &[(&str, &str)] = &[
    ("activity", "at"),
    ("codes", "expires_at"),
    ("call_views", "at"),
    ("share_accesses", "at"),
    ("share_invitations", "created_at"),
    // The export's files go first, by `crate::export::purge` (the retention job runs it
    // before this table's rows are purged).
    ("exports", "created_at"),
    // Also deleted with their archive (a foreign key), whichever comes first.
    ("export_transfers", "created_at"),
    ("export_links", "created_at"),
    // Counted from the staff's decision; kept while the request waits for one.
    ("guardian_proofs", "decided_at"),
];

/// Tables purged by age together with what hangs off each row (their requests, their key),
/// by their own code: `requesters` (`Db::requesters_purge`, run by the retention job).
pub const SUBJECT_TABLES: &[(&str, &str)] = &[("requesters", "last_active_at")];

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

/// Compares the `(table, column)` pairs of a real schema of a store of kind `store` with
/// the registry.
pub fn drift(store: Place, schema: &[(String, String)]) -> Drift {
    let undeclared =
        schema.iter().filter(|(t, c)| lookup_in(store, t, c).is_none()).cloned().collect::<Vec<_>>();
    let stale = COLUMNS
        .iter()
        .filter(|d| d.place.holds(store))
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
        let mut schema = region_schema();
        schema.push(("users".into(), "nickname".into()));
        let d = drift(Reg, &schema);
        assert_eq!(d.undeclared, pairs(&[("users", "nickname")]));
        assert!(d.stale.is_empty());
    }

    #[test]
    fn a_declaration_whose_column_is_gone_is_reported_stale() {
        let schema: Vec<_> = region_schema().into_iter().skip(1).collect();
        let d = drift(Reg, &schema);
        assert_eq!(d.stale, vec![(COLUMNS[0].table, COLUMNS[0].column)]);
        assert!(d.undeclared.is_empty());
    }

    fn region_schema() -> Vec<(String, String)> {
        COLUMNS.iter().filter(|c| c.place.holds(Reg)).map(|c| (c.table.into(), c.column.into())).collect()
    }

    #[test]
    fn a_directory_table_in_a_region_store_is_undeclared_there() {
        let mut schema = region_schema();
        schema.push(("person_keys".into(), "wrapped_key".into()));
        assert_eq!(drift(Reg, &schema).undeclared, pairs(&[("person_keys", "wrapped_key")]));
    }

    #[test]
    fn every_table_with_a_days_rule_has_a_purge_column_and_back() {
        let tables: std::collections::BTreeSet<_> = personal()
            .filter(|(_, p)| matches!(p.retention, Retention::Days(_)))
            .map(|(c, _)| c.table)
            .collect();
        let aged: std::collections::BTreeSet<_> =
            AGED_TABLES.iter().chain(MEDIA_TABLES).chain(SUBJECT_TABLES).map(|(t, _)| *t).collect();
        assert_eq!(tables, aged);
        for (table, column) in AGED_TABLES.iter().chain(MEDIA_TABLES).chain(SUBJECT_TABLES) {
            assert!(lookup_in(Reg, table, column).is_some(), "{table}.{column}");
        }
        assert_eq!(retention_days("activity"), Some(365));
        assert_eq!(retention_days("people"), None);
    }

    #[test]
    fn every_table_with_personal_data_names_its_subject_in_a_declared_column() {
        for (c, _) in personal() {
            let subject = subject_column(c.table);
            assert!(lookup_in(Reg, c.table, subject).is_some(), "{}.{subject}", c.table);
        }
        assert_eq!(subject_column("devices"), "owner_id");
        assert_eq!(subject_column("activity"), "person_id");
    }

    #[test]
    fn the_directory_declares_nothing_personal() {
        assert!(personal().all(|(c, _)| c.place == Reg));
    }

    #[test]
    fn no_column_is_declared_twice() {
        for (i, a) in COLUMNS.iter().enumerate() {
            for b in &COLUMNS[i + 1..] {
                let same_place = a.place.holds(b.place) || b.place.holds(a.place);
                assert!(
                    !(same_place && a.table == b.table && a.column == b.column),
                    "{}.{} twice",
                    a.table,
                    a.column
                );
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
