//! Passkeys (WebAuthn) through webauthn-rs: the relying party, and the ceremonies in flight.
//!
//! A passkey signs in on its own (password-less): the authenticator verifies the person
//! (biometrics or PIN), so it counts as two factors. WebAuthn needs a domain name: the
//! relying party is `WARD_PUBLIC_URL` when set, else the request's host when it is
//! `localhost` (development); an IP address cannot hold passkeys.
//!
//! A passkey is also a second factor: when two-step verification is on, the step after the
//! password takes an authenticator code, a recovery code, or one of the person's passkeys.
//! Two-step verification is turned on with an authenticator app, because that is what issues
//! the recovery codes: a lost passkey must never lock a person out (a password reset does not
//! bypass the second factor).

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use url::Url;
use ward_model::Region;
use webauthn_rs::prelude::{DiscoverableAuthentication, PasskeyAuthentication, PasskeyRegistration};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::error::AppError;

/// A ceremony's state lives this long between its two steps.
const CEREMONY_TTL: Duration = Duration::from_secs(300);
/// At most this many password-less sign-ins between their two steps. Anyone may start one,
/// so this bounds what strangers can make the server keep (a few hundred bytes each).
pub const MAX_ANONYMOUS: usize = 10_000;
/// At most this many ceremonies of people who proved something (a session to add a passkey,
/// a password for the second step). Counted apart, so a flood of strangers' sign-ins cannot
/// keep the owner of an account from adding a passkey or finishing a sign-in.
pub const MAX_PROVEN: usize = 10_000;

pub enum Pending {
    Register {
        person_id: String,
        state: PasskeyRegistration,
    },
    SignIn(DiscoverableAuthentication),
    /// The second step of a password sign-in: the password was right; one of this person's
    /// passkeys stands in for the authenticator code. `attempt` is the account's rate-limit key.
    SecondStep {
        person_id: String,
        region: Region,
        attempt: String,
        state: PasskeyAuthentication,
    },
}

impl Pending {
    fn anonymous(&self) -> bool {
        matches!(self, Pending::SignIn(_))
    }
}

/// Ceremonies between their two steps, in memory (per instance: with several instances,
/// route both steps to one, or move this to the store).
///
/// Bounded: at most [`MAX_ANONYMOUS`] password-less sign-ins and [`MAX_PROVEN`] others; a
/// start beyond that is refused until some end or expire. Expiry is by an index in start
/// order, so a start drops the expired ones from its front (each once) rather than scanning
/// every ceremony.
pub struct Ceremonies {
    inner: Mutex<Inner>,
    max_anonymous: usize,
    max_proven: usize,
}

#[derive(Default)]
struct Inner {
    by_id: HashMap<String, (Instant, Pending)>,
    /// `(start, id)`, oldest first: what expires next.
    by_start: BTreeSet<(Instant, String)>,
    anonymous: usize,
}

impl Inner {
    fn remove(&mut self, id: &str) -> Option<(Instant, Pending)> {
        let (at, pending) = self.by_id.remove(id)?;
        self.by_start.remove(&(at, id.to_string()));
        self.anonymous -= usize::from(pending.anonymous());
        Some((at, pending))
    }

    fn expire(&mut self, now: Instant) {
        while let Some((at, id)) = self.by_start.first().cloned() {
            if now.saturating_duration_since(at) < CEREMONY_TTL {
                break;
            }
            self.remove(&id);
        }
    }
}

/// A ceremony could not start: as many are in flight as the server keeps.
#[derive(Debug, PartialEq, Eq)]
pub struct Full;

impl From<Full> for AppError {
    fn from(_: Full) -> Self {
        AppError::Unavailable(
            "Too many passkey sign-ins are in progress on this server. Try again in a few minutes, \
             or sign in with your password."
                .into(),
        )
    }
}

impl Default for Ceremonies {
    fn default() -> Self {
        Ceremonies::with_limits(MAX_ANONYMOUS, MAX_PROVEN)
    }
}

impl std::fmt::Debug for Ceremonies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ceremonies(..)")
    }
}

impl Ceremonies {
    pub fn with_limits(max_anonymous: usize, max_proven: usize) -> Self {
        Ceremonies { inner: Mutex::default(), max_anonymous, max_proven }
    }

    pub fn put(&self, pending: Pending) -> Result<String, Full> {
        self.put_at(Instant::now(), pending)
    }

    fn put_at(&self, now: Instant, pending: Pending) -> Result<String, Full> {
        let mut inner = self.inner.lock().expect("never poisoned");
        inner.expire(now);
        let anonymous = pending.anonymous();
        let full = if anonymous {
            inner.anonymous >= self.max_anonymous
        } else {
            inner.by_id.len() - inner.anonymous >= self.max_proven
        };
        if full {
            return Err(Full);
        }
        let id = hex::encode(crate::vault::random::<16>());
        inner.by_start.insert((now, id.clone()));
        inner.by_id.insert(id.clone(), (now, pending));
        inner.anonymous += usize::from(anonymous);
        Ok(id)
    }

    /// The ceremony's state, once; `None` when unknown or expired.
    pub fn take(&self, id: &str) -> Option<Pending> {
        self.take_at(Instant::now(), id)
    }

    fn take_at(&self, now: Instant, id: &str) -> Option<Pending> {
        let (at, pending) = self.inner.lock().expect("never poisoned").remove(id)?;
        (now.saturating_duration_since(at) < CEREMONY_TTL).then_some(pending)
    }

    /// How many ceremonies are kept (expired ones not yet dropped included).
    pub fn len(&self) -> usize {
        self.inner.lock().expect("never poisoned").by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The relying party for a request to `host` (the `Host` header).
pub fn relying_party(public_url: Option<&Url>, host: Option<&str>) -> Result<Webauthn, AppError> {
    let unavailable = || {
        AppError::Conflict(
            "Passkeys need Ward to be opened by a domain name, not an IP address: use \
             http://localhost:PORT here, or set WARD_PUBLIC_URL."
                .into(),
        )
    };
    let origin = match public_url {
        Some(url) => url.clone(),
        None => {
            let host = host.ok_or_else(unavailable)?;
            let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
            if name != "localhost" {
                return Err(unavailable());
            }
            Url::parse(&format!("http://{host}")).map_err(|_| unavailable())?
        }
    };
    let rp_id = origin.domain().ok_or_else(unavailable)?.to_string();
    WebauthnBuilder::new(&rp_id, &origin).and_then(|b| b.rp_name("Ward").build()).map_err(|_| unavailable())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_and_a_public_url_are_relying_parties_an_ip_is_not() {
        assert!(relying_party(None, Some("localhost:8080")).is_ok());
        assert!(relying_party(None, Some("127.0.0.1:8080")).is_err());
        assert!(relying_party(None, Some("evil.example")).is_err(), "no public URL: only localhost");
        let public = Url::parse("https://ward.example.com").unwrap();
        assert!(relying_party(Some(&public), Some("anything")).is_ok());
    }

    #[test]
    fn a_ceremony_is_taken_once() {
        let c = Ceremonies::default();
        let rp = relying_party(None, Some("localhost")).unwrap();
        let (_, state) = rp.start_discoverable_authentication().unwrap();
        let id = c.put(Pending::SignIn(state)).unwrap();
        assert!(c.take(&id).is_some());
        assert!(c.take(&id).is_none());
        assert!(c.take("unknown").is_none());
    }

    fn sign_in() -> Pending {
        let rp = relying_party(None, Some("localhost")).unwrap();
        Pending::SignIn(rp.start_discoverable_authentication().unwrap().1)
    }

    fn register() -> Pending {
        let rp = relying_party(None, Some("localhost")).unwrap();
        let (_, state) = rp.start_passkey_registration(uuid::Uuid::new_v4(), "ada", "Ada", None).unwrap();
        Pending::Register { person_id: "p".into(), state }
    }

    #[test]
    fn ceremonies_are_bounded_strangers_apart_and_expire_in_start_order() {
        let c = Ceremonies::with_limits(3, 1);
        let t0 = Instant::now();
        let ids: Vec<String> =
            (0..3).map(|i| c.put_at(t0 + Duration::from_secs(i), sign_in()).unwrap()).collect();
        assert_eq!(c.put_at(t0 + Duration::from_secs(3), sign_in()), Err(Full), "full of strangers");
        // Strangers filling their share do not keep a proven person from starting one.
        let own = c.put_at(t0 + Duration::from_secs(3), register()).unwrap();
        assert_eq!(c.put_at(t0 + Duration::from_secs(3), register()), Err(Full));
        // Ending one frees its place.
        assert!(c.take_at(t0 + Duration::from_secs(4), &ids[1]).is_some());
        let again = c.put_at(t0 + Duration::from_secs(4), sign_in()).unwrap();
        assert_eq!(c.len(), 4);
        // The oldest expires first, at its own time, dropped by the next start.
        let t = t0 + CEREMONY_TTL;
        assert!(c.put_at(t, sign_in()).is_ok(), "ids[0] expired, making room");
        assert_eq!(c.len(), 4);
        assert!(c.take_at(t, &ids[0]).is_none(), "gone");
        assert!(c.take_at(t, &ids[2]).is_some(), "started 2 s later: still there");
        assert!(c.take_at(t + Duration::from_secs(4), &own).is_none(), "expired when taken");
        assert!(c.take_at(t, &again).is_some());
    }
}
