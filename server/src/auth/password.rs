//! Password hashing with Argon2id, off the async runtime and bounded in parallelism, so a
//! storm of sign-ins cannot starve other requests of CPU.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Semaphore;

use crate::error::AppError;

/// OWASP's Argon2id baseline: 19 MiB, 2 passes, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;

#[derive(Debug, Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// Verified when an email has no account, so both answers take the same time.
    dummy: Arc<str>,
    /// Argon2 runs so far (hashes and verifications): lets tests check that two answers
    /// that must take the same time did the same work, without timing them.
    runs: Arc<AtomicU64>,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, 1, None).expect("constant Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl Hasher {
    /// At most `parallel` hashes at once; the rest queue. One core is left for serving.
    pub fn new(parallel: usize) -> Hasher {
        let salt = SaltString::encode_b64(&crate::vault::random::<16>()).expect("16 bytes is a valid salt");
        let dummy = argon2()
            .hash_password(b"no account has this password", &salt)
            .expect("hashing a constant succeeds")
            .to_string();
        Hasher {
            permits: Arc::new(Semaphore::new(parallel.max(1))),
            dummy: dummy.into(),
            runs: Arc::default(),
        }
    }

    /// One fewer than the machine's cores, at least one.
    pub fn for_this_machine() -> Hasher {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Hasher::new(cores.saturating_sub(1).max(1))
    }

    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let password = password.to_owned();
        self.blocking(move || {
            let salt =
                SaltString::encode_b64(&crate::vault::random::<16>()).expect("16 bytes is a valid salt");
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(AppError::internal)
        })
        .await?
    }

    /// Whether `password` matches the stored hash; `None` checks against a dummy (and fails)
    /// so that an unknown account costs as much as a wrong password.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, AppError> {
        let known = stored.is_some();
        let stored = stored.map_or_else(|| self.dummy.to_string(), str::to_owned);
        let password = password.to_owned();
        let ok = self
            .blocking(move || {
                PasswordHash::new(&stored)
                    .is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
            })
            .await?;
        Ok(known && ok)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        self.runs.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(f).await.map_err(AppError::internal)
    }

    /// How many hashes and verifications have run.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = Hasher::new(1);
        let stored = h.hash("correct horse battery").await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(h.verify("correct horse battery", Some(&stored)).await.unwrap());
        assert!(!h.verify("correct horse batterY", Some(&stored)).await.unwrap());
        assert!(!h.verify("no account has this password", None).await.unwrap());
        assert!(!h.verify("x", Some("not a hash")).await.unwrap());
    }
}
