//! The vault: encryption at rest with a key per person, and keyed hashes for lookups.
//!
//! - The **master key** (32 bytes) comes from `WARD_MASTER_KEY` (64 hex digits) or from
//!   `<data-dir>/master.key`, created with mode 0600 on first start. It never reaches a store.
//! - Each person has a random **data key**, stored only *wrapped* (encrypted by the master
//!   key) in the directory's `person_keys` table, never in a region store. Their personal
//!   fields are sealed with it (XChaCha20-Poly1305, the person's id as associated data, so a
//!   ciphertext moved to another person's row does not open).
//! - Destroying the wrapped key is **crypto-shredding**: region-store copies taken before
//!   (backups) keep ciphertexts that nothing can open any more.
//! - **Lookups** (find the account of an email) use HMAC-SHA256 of the normalised value
//!   under a key derived from the master key: equal inputs match, the store learns nothing.

use std::io::Write as _;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use rand::rngs::OsRng;
use sha2::{Digest as _, Sha256};

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("WARD_MASTER_KEY must be 64 hexadecimal digits (32 bytes)")]
    BadMasterKey,
    #[error("the master key file {0} is not 32 bytes of key")]
    BadKeyFile(String),
    #[error("could not read or create the master key file: {0}")]
    Io(#[from] std::io::Error),
    /// Wrong key, wrong person, or tampered bytes: indistinguishable by design.
    #[error("the sealed value does not open with this key")]
    Unsealable,
}

/// The master key and the keys derived from it.
pub struct Vault {
    wrap: XChaCha20Poly1305,
    lookup: [u8; KEY_LEN],
    tokens: [u8; KEY_LEN],
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(..)")
    }
}

impl Vault {
    /// From `WARD_MASTER_KEY` when given, else from (or into) `<data_dir>/master.key`.
    pub fn open(master_key_hex: Option<&str>, data_dir: &Path) -> Result<Vault, VaultError> {
        let key = match master_key_hex {
            Some(hex_key) => parse_hex_key(hex_key)?,
            None => load_or_create_key_file(&data_dir.join("master.key"))?,
        };
        Ok(Vault::from_master(&key))
    }

    pub fn from_master(master: &[u8; KEY_LEN]) -> Vault {
        // Separate keys per use, so no two purposes ever share key material.
        let hk = Hkdf::<Sha256>::new(Some(b"ward-vault-v1"), master);
        let derive = |info: &[u8]| {
            let mut out = [0u8; KEY_LEN];
            hk.expand(info, &mut out).expect("32 bytes is a valid HKDF-SHA256 output length");
            out
        };
        Vault {
            wrap: XChaCha20Poly1305::new(&derive(b"wrap person keys").into()),
            lookup: derive(b"lookup hashes"),
            tokens: derive(b"token macs"),
        }
    }

    /// A fresh data key for a new person, and its wrapped form for the directory.
    pub fn new_person_key(&self, person_id: &str) -> (PersonKey, Vec<u8>) {
        let key = random::<KEY_LEN>();
        let wrapped = seal_with(&self.wrap, &key, person_id.as_bytes());
        (PersonKey::new(&key, person_id), wrapped)
    }

    pub fn unwrap_person_key(&self, person_id: &str, wrapped: &[u8]) -> Result<PersonKey, VaultError> {
        let key = open_with(&self.wrap, wrapped, person_id.as_bytes())?;
        let key: [u8; KEY_LEN] = key.try_into().map_err(|_| VaultError::Unsealable)?;
        Ok(PersonKey::new(&key, person_id))
    }

    /// The lookup hash of an already normalised value, e.g. a lowercased email.
    pub fn lookup_hash(&self, kind: &str, normalised: &str) -> Vec<u8> {
        mac(&self.lookup, &[kind.as_bytes(), b"\0", normalised.as_bytes()])
    }

    /// A MAC binding a value to this server, e.g. the CSRF token of a session.
    pub fn token_mac(&self, kind: &str, value: &[u8]) -> Vec<u8> {
        mac(&self.tokens, &[kind.as_bytes(), b"\0", value])
    }
}

/// One person's data key; seals and opens their personal fields.
pub struct PersonKey {
    aead: XChaCha20Poly1305,
    person_id: String,
}

impl PersonKey {
    fn new(key: &[u8; KEY_LEN], person_id: &str) -> PersonKey {
        PersonKey { aead: XChaCha20Poly1305::new(key.into()), person_id: person_id.to_string() }
    }

    /// `field` names the column, so a value copied into another column does not open.
    pub fn seal(&self, field: &str, plaintext: &str) -> Vec<u8> {
        seal_with(&self.aead, plaintext.as_bytes(), &self.aad(field))
    }

    pub fn open(&self, field: &str, sealed: &[u8]) -> Result<String, VaultError> {
        let bytes = open_with(&self.aead, sealed, &self.aad(field))?;
        String::from_utf8(bytes).map_err(|_| VaultError::Unsealable)
    }

    /// As [`PersonKey::seal`], for bytes (alarm and call pictures).
    pub fn seal_bytes(&self, field: &str, plaintext: &[u8]) -> Vec<u8> {
        seal_with(&self.aead, plaintext, &self.aad(field))
    }

    pub fn open_bytes(&self, field: &str, sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
        open_with(&self.aead, sealed, &self.aad(field))
    }

    fn aad(&self, field: &str) -> Vec<u8> {
        [self.person_id.as_bytes(), b"\0", field.as_bytes()].concat()
    }
}

fn seal_with(aead: &XChaCha20Poly1305, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let nonce = random::<NONCE_LEN>();
    let ct = aead
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad })
        .expect("XChaCha20-Poly1305 encrypts any message that fits in memory");
    [nonce.as_slice(), &ct].concat()
}

fn open_with(aead: &XChaCha20Poly1305, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, VaultError> {
    if sealed.len() < NONCE_LEN {
        return Err(VaultError::Unsealable);
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    aead.decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad }).map_err(|_| VaultError::Unsealable)
}

fn mac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

/// `N` bytes from the operating system's CSPRNG.
pub fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    OsRng.fill_bytes(&mut out);
    out
}

/// SHA-256, for values that are already high-entropy (session tokens, recovery codes):
/// stored hashed so a store copy cannot be replayed.
pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

fn parse_hex_key(s: &str) -> Result<[u8; KEY_LEN], VaultError> {
    let bytes = hex::decode(s.trim()).map_err(|_| VaultError::BadMasterKey)?;
    bytes.try_into().map_err(|_| VaultError::BadMasterKey)
}

fn load_or_create_key_file(path: &Path) -> Result<[u8; KEY_LEN], VaultError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text =
                String::from_utf8(bytes).map_err(|_| VaultError::BadKeyFile(path.display().to_string()))?;
            parse_hex_key(&text).map_err(|_| VaultError::BadKeyFile(path.display().to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = random::<KEY_LEN>();
            let mut options = std::fs::OpenOptions::new();
            // create_new: two servers starting at once cannot both write a key.
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                options.mode(0o600);
            }
            match options.open(path) {
                Ok(mut file) => {
                    file.write_all(hex::encode(key).as_bytes())?;
                    file.sync_all()?;
                    Ok(key)
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create_key_file(path),
                Err(e) => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault() -> Vault {
        Vault::from_master(&[7u8; 32])
    }

    #[test]
    fn a_sealed_field_opens_only_for_its_person_and_column() {
        let v = vault();
        let (key, wrapped) = v.new_person_key("p1");
        let sealed = key.seal("email", "ada@example.com");
        assert!(!String::from_utf8_lossy(&sealed).contains("ada"));
        assert_eq!(key.open("email", &sealed).unwrap(), "ada@example.com");
        assert!(key.open("name", &sealed).is_err(), "another column");
        let again = v.unwrap_person_key("p1", &wrapped).unwrap();
        assert_eq!(again.open("email", &sealed).unwrap(), "ada@example.com");
        assert!(v.unwrap_person_key("p2", &wrapped).is_err(), "another person's id");
        let (other, _) = v.new_person_key("p1");
        assert!(other.open("email", &sealed).is_err(), "another key");
    }

    #[test]
    fn a_wrapped_key_does_not_open_under_another_master_key() {
        let (_, wrapped) = vault().new_person_key("p1");
        assert!(Vault::from_master(&[8u8; 32]).unwrap_person_key("p1", &wrapped).is_err());
    }

    #[test]
    fn tampering_is_detected() {
        let (key, _) = vault().new_person_key("p1");
        let mut sealed = key.seal("name", "Ada");
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(key.open("name", &sealed).is_err());
        assert!(key.open("name", &[1, 2, 3]).is_err());
    }

    #[test]
    fn lookup_hashes_are_stable_per_kind_and_key() {
        let v = vault();
        assert_eq!(v.lookup_hash("email", "a@b.c"), v.lookup_hash("email", "a@b.c"));
        assert_ne!(v.lookup_hash("email", "a@b.c"), v.lookup_hash("phone", "a@b.c"));
        assert_ne!(
            v.lookup_hash("email", "a@b.c"),
            Vault::from_master(&[9; 32]).lookup_hash("email", "a@b.c")
        );
    }

    #[test]
    fn the_key_file_is_created_once_with_mode_0600_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let v1 = Vault::open(None, dir.path()).unwrap();
        let v2 = Vault::open(None, dir.path()).unwrap();
        assert_eq!(v1.lookup_hash("e", "x"), v2.lookup_hash("e", "x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join("master.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_master_key_from_the_environment_must_be_32_hex_bytes() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Vault::open(Some(&"ab".repeat(32)), dir.path()).is_ok());
        assert!(matches!(Vault::open(Some("abc"), dir.path()), Err(VaultError::BadMasterKey)));
        assert!(!dir.path().join("master.key").exists(), "no file when the key is given");
    }
}
