//! Breach notices: an incident the privacy staff record (`/api/staff/incidents/...`), the people
//! it concerns chosen by a query (home regions, a time window, a feature), the 72-hour clock
//! for the supervisory authority, and the notice each concerned person sees
//! (`GET /api/privacy/notices`).

use serde::{Deserialize, Serialize};

use crate::{Localized, Region};

/// A kind of personal data, as the registry sorts it (the same words as "My data").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PersonalCategory {
    Identity,
    Contact,
    Credentials,
    Activity,
    Choices,
    Devices,
}

impl PersonalCategory {
    pub const ALL: [PersonalCategory; 6] = [
        PersonalCategory::Identity,
        PersonalCategory::Contact,
        PersonalCategory::Credentials,
        PersonalCategory::Activity,
        PersonalCategory::Choices,
        PersonalCategory::Devices,
    ];

    /// The word on the wire and in the store.
    pub const fn code(self) -> &'static str {
        match self {
            PersonalCategory::Identity => "identity",
            PersonalCategory::Contact => "contact",
            PersonalCategory::Credentials => "credentials",
            PersonalCategory::Activity => "activity",
            PersonalCategory::Choices => "choices",
            PersonalCategory::Devices => "devices",
        }
    }

    pub fn from_code(code: &str) -> Option<PersonalCategory> {
        PersonalCategory::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// Which people an incident concerns, within its regions and time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IncidentFeature {
    /// Everyone who had an account by the window's end.
    Accounts,
    /// Those who signed in during the window.
    SignIns,
    /// Those whose cameras raised an alarm during the window.
    Alarms,
    /// Those whose doorbells rang during the window.
    Calls,
}

impl IncidentFeature {
    pub const ALL: [IncidentFeature; 4] = [
        IncidentFeature::Accounts,
        IncidentFeature::SignIns,
        IncidentFeature::Alarms,
        IncidentFeature::Calls,
    ];

    /// The word on the wire and in the store.
    pub const fn code(self) -> &'static str {
        match self {
            IncidentFeature::Accounts => "accounts",
            IncidentFeature::SignIns => "sign_ins",
            IncidentFeature::Alarms => "alarms",
            IncidentFeature::Calls => "calls",
        }
    }

    pub fn from_code(code: &str) -> Option<IncidentFeature> {
        IncidentFeature::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// `POST /api/staff/incidents`: what happened, to which data, and whom it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentNew {
    pub title: String,
    /// What happened, its likely consequences, what Ward did and what people should do: the
    /// notice's text, as the people concerned will read it.
    pub description: String,
    pub categories: Vec<PersonalCategory>,
    pub regions: Vec<Region>,
    pub feature: IncidentFeature,
    /// The window (RFC 3339) in which the feature's records were exposed.
    pub window_from: String,
    pub window_to: String,
    /// When Ward became aware of it: the 72-hour clock starts here.
    pub discovered_at: String,
}

/// An incident as the staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub description: String,
    pub categories: Vec<PersonalCategory>,
    pub regions: Vec<Region>,
    pub feature: IncidentFeature,
    pub window_from: String,
    pub window_to: String,
    pub discovered_at: String,
    pub recorded_at: String,
    /// 72 hours after discovery (GDPR art. 33(1)).
    pub authority_due_at: String,
    pub authority_notified_at: Option<String>,
    pub people_notified_at: Option<String>,
    /// The people the query finds: counted when recorded, fixed when they are notified.
    pub affected: u64,
}

/// `GET /api/staff/incidents`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentList {
    pub incidents: Vec<Incident>,
}

/// A breach notice as a person it concerns sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BreachNotice {
    pub incident_id: String,
    pub title: String,
    pub description: String,
    /// The kinds of data concerned, in words (the person's page needs no codes to read them).
    pub categories: Vec<Localized>,
    pub window_from: String,
    pub window_to: String,
    pub notified_at: String,
}

/// `GET /api/privacy/notices`: the notices that concern the person, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeList {
    pub breaches: Vec<BreachNotice>,
}

/// What a service notice announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ServiceNoticeKind {
    /// The service, or a part of it, stops: at least 30 days ahead (the policy's promise).
    ServiceEnd,
    /// Any other change people should know of before it happens.
    Change,
}

impl ServiceNoticeKind {
    pub const ALL: [ServiceNoticeKind; 2] = [ServiceNoticeKind::ServiceEnd, ServiceNoticeKind::Change];

    /// The word on the wire and in the store.
    pub const fn code(self) -> &'static str {
        match self {
            ServiceNoticeKind::ServiceEnd => "service_end",
            ServiceNoticeKind::Change => "change",
        }
    }

    pub fn from_code(code: &str) -> Option<ServiceNoticeKind> {
        ServiceNoticeKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// `POST /api/staff/service-notices`: a dated notice for everyone, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceNoticeNew {
    pub kind: ServiceNoticeKind,
    pub title: Localized,
    pub body: Localized,
    /// When it takes effect (RFC 3339).
    pub effective_at: String,
}

/// A service notice. Shown on every page, to everyone, from its publication until a week
/// after it takes effect, unless withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceNotice {
    pub id: String,
    pub kind: ServiceNoticeKind,
    pub title: Localized,
    pub body: Localized,
    pub effective_at: String,
    pub published_at: String,
    pub withdrawn_at: Option<String>,
}

/// `GET /api/service-notices` (those shown now) and `GET /api/staff/service-notices` (all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceNoticeList {
    pub notices: Vec<ServiceNotice>,
}
