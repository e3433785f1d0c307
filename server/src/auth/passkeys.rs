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

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use url::Url;
use ward_model::Region;
use webauthn_rs::prelude::{DiscoverableAuthentication, PasskeyAuthentication, PasskeyRegistration};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::error::AppError;

/// A ceremony's state lives this long between its two steps.
const CEREMONY_TTL: Duration = Duration::from_secs(300);

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

/// Ceremonies between their two steps, in memory (per instance: with several instances,
/// route both steps to one, or move this to the store).
#[derive(Default)]
pub struct Ceremonies {
    inner: Mutex<HashMap<String, (Instant, Pending)>>,
}

impl std::fmt::Debug for Ceremonies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ceremonies(..)")
    }
}

impl Ceremonies {
    pub fn put(&self, pending: Pending) -> String {
        let id = hex::encode(crate::vault::random::<16>());
        let mut map = self.inner.lock().expect("never poisoned");
        map.retain(|_, (at, _)| at.elapsed() < CEREMONY_TTL);
        map.insert(id.clone(), (Instant::now(), pending));
        id
    }

    /// The ceremony's state, once; `None` when unknown or expired.
    pub fn take(&self, id: &str) -> Option<Pending> {
        let (at, pending) = self.inner.lock().expect("never poisoned").remove(id)?;
        (at.elapsed() < CEREMONY_TTL).then_some(pending)
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
        let id = c.put(Pending::SignIn(state));
        assert!(c.take(&id).is_some());
        assert!(c.take(&id).is_none());
        assert!(c.take("unknown").is_none());
    }
}
