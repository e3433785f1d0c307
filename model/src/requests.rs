//! Rights requests (`/api/privacy/requests/...` for the person, `/api/staff/requests/...` for
//! the privacy staff): what a person asks of Ward that self-service cannot do, with the date
//! the law of their region sets for the answer, and the record of what happened.

use serde::{Deserialize, Serialize};

use crate::{Localized, Region};

/// What a person asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// A copy of their data, or to know what is done with it.
    Access,
    /// To correct what they cannot change themselves (such as the date of birth).
    Rectification,
    /// To have their data deleted.
    Erasure,
    /// To have their data kept but not used beyond what is strictly necessary.
    Restriction,
    /// To object to a use of their data.
    Objection,
    /// An explanation of a decision made automatically.
    Explanation,
    /// To withdraw a consent they cannot withdraw themselves.
    Withdrawal,
    /// A complaint about how Ward handles their data.
    Complaint,
    /// A parent or guardian asks about a child's data (`GuardianRequestNew`): filed only on
    /// the guardian page, never by the person the data is about.
    Guardian,
}

impl RequestKind {
    /// What a person may ask about their own data.
    pub const PERSONAL: [RequestKind; 8] = [
        RequestKind::Access,
        RequestKind::Rectification,
        RequestKind::Erasure,
        RequestKind::Restriction,
        RequestKind::Objection,
        RequestKind::Explanation,
        RequestKind::Withdrawal,
        RequestKind::Complaint,
    ];

    pub const ALL: [RequestKind; 9] = [
        RequestKind::Access,
        RequestKind::Rectification,
        RequestKind::Erasure,
        RequestKind::Restriction,
        RequestKind::Objection,
        RequestKind::Explanation,
        RequestKind::Withdrawal,
        RequestKind::Complaint,
        RequestKind::Guardian,
    ];

    /// The word used on the wire and in the store.
    pub const fn code(self) -> &'static str {
        match self {
            RequestKind::Access => "access",
            RequestKind::Rectification => "rectification",
            RequestKind::Erasure => "erasure",
            RequestKind::Restriction => "restriction",
            RequestKind::Objection => "objection",
            RequestKind::Explanation => "explanation",
            RequestKind::Withdrawal => "withdrawal",
            RequestKind::Complaint => "complaint",
            RequestKind::Guardian => "guardian",
        }
    }

    pub fn from_code(code: &str) -> Option<RequestKind> {
        RequestKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Filed; the staff answer by the due date.
    Open,
    /// Open, with the due date moved once (the person was told why).
    Extended,
    /// Done as asked.
    Fulfilled,
    /// Refused, with the reasons and the right to complain.
    Refused,
    /// The person withdrew it.
    Withdrawn,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 5] = [
        RequestStatus::Open,
        RequestStatus::Extended,
        RequestStatus::Fulfilled,
        RequestStatus::Refused,
        RequestStatus::Withdrawn,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Extended => "extended",
            RequestStatus::Fulfilled => "fulfilled",
            RequestStatus::Refused => "refused",
            RequestStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<RequestStatus> {
        RequestStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Still waiting for an answer.
    pub const fn is_open(self) -> bool {
        matches!(self, RequestStatus::Open | RequestStatus::Extended)
    }
}

/// Files a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestNew {
    pub kind: RequestKind,
    /// What the person asks, in their words (1 to 4,000 characters).
    pub details: String,
}

/// `POST /api/requests/public`: a request filed without signing in, by someone with or
/// without an account, the address proved by the code `POST /api/requests/code` mailed to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PublicRequestNew {
    pub email: String,
    /// The 6-digit code mailed to `email`.
    pub code: String,
    /// How the staff should address the person (1 to 100 characters).
    pub name: String,
    /// Where the person lives: its law sets the due date. When the address has an account,
    /// the account's home region counts instead. Required either way (so that asking says
    /// nothing about the address).
    pub region: Option<Region>,
    pub kind: RequestKind,
    /// What the person asks, in their words (1 to 4,000 characters).
    pub details: String,
}

/// `POST /api/requests/public/information`: more information for a request, without signing
/// in, the address proved by the code `POST /api/requests/code` mailed to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PublicInformation {
    pub email: String,
    /// The 6-digit code mailed to `email`.
    pub code: String,
    /// The request (its id is in every mail about it).
    pub request: String,
    /// 1 to 4,000 characters.
    pub text: String,
}

/// More information from the person, or a note from the staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestText {
    /// 1 to 4,000 characters.
    pub text: String,
}

/// Who did something to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestActor {
    /// The person the request is about.
    Person,
    /// Ward's privacy staff.
    Staff,
}

/// What happened to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestEventKind {
    Filed,
    /// The person added information.
    Information,
    /// A member of the privacy staff opened the request and the person's details.
    Viewed,
    /// The due date moved; `text` says why.
    Extended,
    Fulfilled,
    /// Refused; `text` gives the reasons.
    Refused,
    Withdrawn,
    /// A note between the privacy staff; never in the person's timeline.
    Note,
    /// The staff brought the due date forward (never back); `text` says why.
    Tightened,
    /// The person lifted the restriction this request put in place.
    Lifted,
    /// The staff corrected what the person cannot change themselves; `text` says what.
    Corrected,
    /// The staff asked the person for more (information, proof of identity); `text` says
    /// what. The person answers by adding information.
    Asked,
}

impl RequestEventKind {
    pub const ALL: [RequestEventKind; 12] = [
        RequestEventKind::Filed,
        RequestEventKind::Information,
        RequestEventKind::Viewed,
        RequestEventKind::Extended,
        RequestEventKind::Fulfilled,
        RequestEventKind::Refused,
        RequestEventKind::Withdrawn,
        RequestEventKind::Note,
        RequestEventKind::Tightened,
        RequestEventKind::Lifted,
        RequestEventKind::Corrected,
        RequestEventKind::Asked,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            RequestEventKind::Filed => "filed",
            RequestEventKind::Information => "information",
            RequestEventKind::Viewed => "viewed",
            RequestEventKind::Extended => "extended",
            RequestEventKind::Fulfilled => "fulfilled",
            RequestEventKind::Refused => "refused",
            RequestEventKind::Withdrawn => "withdrawn",
            RequestEventKind::Note => "note",
            RequestEventKind::Tightened => "tightened",
            RequestEventKind::Lifted => "lifted",
            RequestEventKind::Corrected => "corrected",
            RequestEventKind::Asked => "asked",
        }
    }

    pub fn from_code(code: &str) -> Option<RequestEventKind> {
        RequestEventKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// One entry of a request's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestEvent {
    /// RFC 3339.
    pub at: String,
    pub by: RequestActor,
    pub kind: RequestEventKind,
    /// What was said, if anything.
    pub text: Option<String>,
}

/// A request as its person and the staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RightsRequest {
    pub id: String,
    pub kind: RequestKind,
    pub status: RequestStatus,
    /// RFC 3339.
    pub filed_at: String,
    /// The end of the last day the law gives for the answer (RFC 3339).
    pub due_at: String,
    /// The rule the due date comes from, in words.
    pub rule: Localized,
    pub details: String,
    /// Oldest first.
    pub timeline: Vec<RequestEvent>,
}

/// The person's requests, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestList {
    pub requests: Vec<RightsRequest>,
    /// Where the person may complain outside Ward: their home region's supervisory authority.
    pub authority: Authority,
}

/// A supervisory authority: its name in words and its site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Authority {
    pub name: Localized,
    pub url: String,
}

/// One line of the staff's queue: nothing about the person but their region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueItem {
    pub id: String,
    pub region: Region,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub filed_at: String,
    pub due_at: String,
    /// Open past its due date.
    pub overdue: bool,
}

/// How many requests are in each state (and overdue), under the queue's filters but its status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueCounts {
    pub open: u64,
    pub extended: u64,
    pub fulfilled: u64,
    pub refused: u64,
    pub withdrawn: u64,
    pub overdue: u64,
}

/// The staff's queue: the first requests by due date, soonest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestQueue {
    pub items: Vec<QueueItem>,
    pub counts: QueueCounts,
}

/// Who a request is about, as much as answering it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestPerson {
    pub name: String,
    pub email: String,
    /// The request came from a session of an account whose email address was verified.
    pub email_verified: bool,
    /// When the account was made (RFC 3339); none when the request was filed without an
    /// account, the address being proved by a code mailed to it.
    pub account_since: Option<String>,
    /// Flagged as a child's account: suspended, and deleted at this time (RFC 3339) unless a
    /// parent or guardian gives verifiable consent first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_delete_at: Option<String>,
}

/// A request as the staff open it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffRequest {
    pub region: Region,
    pub request: RightsRequest,
    pub person: RequestPerson,
    /// The law of the person's region allows one extension, and it has not been used.
    pub can_extend: bool,
    /// A guardian's request: what the verification needs (`person` is the guardian).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardian: Option<GuardianCase>,
}

/// What the staff decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StaffAction {
    /// Move the due date once, as the law allows; the text says why.
    Extend,
    /// Done as asked; the text tells the person what was done.
    Fulfil,
    /// Refused; the text gives the reasons (the mail adds the right to complain).
    Refuse,
}

/// A decision on a request, sent to the person by mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffDecision {
    pub action: StaffAction,
    /// 1 to 4,000 characters.
    pub text: String,
}

/// `POST /api/staff/requests/{region}/{id}/notes`: a note between the privacy staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffNote {
    pub text: String,
}

/// `POST /api/staff/requests/{region}/{id}/due`: an earlier due date (RFC 3339) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffTighten {
    pub due_at: String,
    pub text: String,
}

/// `POST /api/staff/requests/{region}/{id}/correct`: what the staff correct for the person of
/// an open rectification request, running the same code whoever asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum StaffCorrection {
    /// The date of birth (`YYYY-MM-DD`), which the profile cannot change.
    BirthDate { birth_date: String },
    /// The home region: every record about the person moves to that region's store and is
    /// deleted from the old one (the person must have agreed to transfers outside their
    /// region, and have no cameras or shares).
    HomeRegion { region: Region },
}

// ---- Parents and guardians ----

/// What a parent or guardian asks about a child's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GuardianAsk {
    /// To see the child's data (the same content as the child's export, read-only).
    Review,
    /// To have the child's account and data deleted.
    Delete,
    /// To stop every use of the child's data but what the account strictly needs.
    Prohibit,
    /// To consent to the child's account: one the child opened naming this person, or one
    /// suspended as a child's. It becomes a child's account with locked settings.
    Consent,
}

impl GuardianAsk {
    pub const ALL: [GuardianAsk; 4] =
        [GuardianAsk::Review, GuardianAsk::Delete, GuardianAsk::Prohibit, GuardianAsk::Consent];

    pub const fn code(self) -> &'static str {
        match self {
            GuardianAsk::Review => "review",
            GuardianAsk::Delete => "delete",
            GuardianAsk::Prohibit => "prohibit",
            GuardianAsk::Consent => "consent",
        }
    }

    pub fn from_code(code: &str) -> Option<GuardianAsk> {
        GuardianAsk::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// How the person asking is related to the child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GuardianRelation {
    Parent,
    /// A guardian appointed by a court or by law.
    LegalGuardian,
}

impl GuardianRelation {
    pub const ALL: [GuardianRelation; 2] = [GuardianRelation::Parent, GuardianRelation::LegalGuardian];

    pub const fn code(self) -> &'static str {
        match self {
            GuardianRelation::Parent => "parent",
            GuardianRelation::LegalGuardian => "legal_guardian",
        }
    }

    pub fn from_code(code: &str) -> Option<GuardianRelation> {
        GuardianRelation::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// How a guardian proves they are one, modelled on the verifiable-parental-consent methods of
/// COPPA (16 CFR 312.5(b)); which apply in a region is data (`server/privacy/guardians.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProofMethod {
    /// A signed form, uploaded (PDF, PNG or JPEG).
    SignedForm,
    /// A government-issued ID, uploaded, checked by the staff and then deleted.
    IdDocument,
    /// A video call with the privacy staff; `details` says when the guardian can take it.
    VideoCall,
}

impl ProofMethod {
    pub const ALL: [ProofMethod; 3] =
        [ProofMethod::SignedForm, ProofMethod::IdDocument, ProofMethod::VideoCall];

    pub const fn code(self) -> &'static str {
        match self {
            ProofMethod::SignedForm => "signed_form",
            ProofMethod::IdDocument => "id_document",
            ProofMethod::VideoCall => "video_call",
        }
    }

    pub fn from_code(code: &str) -> Option<ProofMethod> {
        ProofMethod::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The method is a file the guardian uploads.
    pub const fn uploads(self) -> bool {
        matches!(self, ProofMethod::SignedForm | ProofMethod::IdDocument)
    }
}

/// What a region accepts from a guardian (`GET /api/guardian/rules`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuardianRule {
    pub region: Region,
    /// Below this age a person is a child here.
    pub child_under: u32,
    /// The law, in words.
    pub law: Localized,
    /// The proofs of guardianship accepted, in the order offered.
    pub methods: Vec<ProofMethod>,
    /// When the staff answer, in words.
    pub deadline: Localized,
}

/// An uploaded proof: its bytes in standard base64 (a PDF, PNG or JPEG of at most
/// 5 MiB; its type is read from its first bytes, never from a name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProofUpload {
    /// The file's name on the guardian's device, for their own recognition (at most 200
    /// characters; not stored).
    #[serde(default)]
    pub name: String,
    pub data: String,
}

/// `POST /api/guardian/requests`: a parent or guardian asks about a child's data, their own
/// address proved by the code `POST /api/requests/code` mailed to it. The answer is the same
/// whether or not the child has an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GuardianRequestNew {
    /// The guardian's own address.
    pub email: String,
    /// The 6-digit code mailed to `email`.
    pub code: String,
    /// The guardian's name (1 to 100 characters).
    pub name: String,
    pub relation: Option<GuardianRelation>,
    /// Where the child lives: its law sets the accepted proofs and the due date.
    pub region: Option<Region>,
    pub ask: Option<GuardianAsk>,
    /// The address the child's account uses; this or `child_phone`, or both.
    #[serde(default)]
    pub child_email: String,
    /// The phone number the child's account uses (international format).
    #[serde(default)]
    pub child_phone: String,
    pub method: Option<ProofMethod>,
    /// The proof, when `method` is a file.
    #[serde(default)]
    pub proof: Option<ProofUpload>,
    /// Anything the staff should know; for a video call, when the guardian can take it
    /// (required then). At most 4,000 characters.
    #[serde(default)]
    pub details: String,
}

/// An uploaded proof as the staff see it before opening it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProofInfo {
    /// `application/pdf`, `image/png` or `image/jpeg`.
    pub media_type: String,
    pub size: u64,
    /// When it is deleted (RFC 3339): set by the decision, the registry's period after it.
    pub delete_at: Option<String>,
}

/// The account the child's identifiers lead to, as much as the verification needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChildAccount {
    pub region: Region,
    /// Years, from the date of birth the account gave (a child who gave a false date at
    /// sign-up reads as old enough: the proof, not this, decides).
    pub age: u32,
    /// Below this age a person is a child in the account's region.
    pub child_under: u32,
    /// Flagged as a child's account: suspended, and deleted at this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_delete_at: Option<String>,
    /// RFC 3339.
    pub account_since: String,
    /// The child opened the account naming a parent or guardian, who has not consented yet.
    #[serde(default)]
    pub waits_for_consent: bool,
    /// The address the child named is the one this request was filed from.
    #[serde(default)]
    pub named_this_guardian: bool,
    /// A guardian consented to the account already (a child's account with locked settings).
    #[serde(default)]
    pub consented: bool,
}

/// A child's account that a guardian consented to, as the guardian sees it from their own
/// account (`GET /api/account/children`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuardedChild {
    pub region: Region,
    pub id: String,
    pub name: String,
    pub email: String,
    /// RFC 3339: when the consent was recorded.
    pub consented_at: String,
    /// The purposes that stay off on the child's account.
    pub locked: Vec<String>,
    /// The child's data archive for the guardian to review: absent until asked for; then
    /// `running` or `ready` (downloaded at `/api/account/children/{region}/{id}/archive`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<String>,
}

/// A guardian's request as the staff verify it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuardianCase {
    pub ask: GuardianAsk,
    pub relation: GuardianRelation,
    pub method: ProofMethod,
    pub child_email: Option<String>,
    pub child_phone: Option<String>,
    /// None once deleted, or for a video call.
    pub proof: Option<ProofInfo>,
    /// The account the child's address belongs to; none when no account has it (a phone
    /// number alone is not searchable: the staff ask for the address).
    pub child: Option<ChildAccount>,
}

/// What the staff do on knowing that an account belongs to a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChildFlagAction {
    /// Suspend the account now and delete it after the notice period, unless a parent or
    /// guardian gives verifiable consent first.
    Flag,
    /// Verifiable consent arrived (or the flag was a mistake): the account is active again.
    Lift,
}

/// `POST /api/staff/requests/{region}/{id}/child`: the account behind the request (the
/// person's own, or the child's a guardian's request leads to) flagged as a child's, or
/// the flag lifted; the text says why and goes on the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffChildFlag {
    pub action: ChildFlagAction,
    /// 1 to 4,000 characters.
    pub text: String,
}
