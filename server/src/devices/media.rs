//! Alarm and call pictures in object storage (`object_store`): the local file system under
//! `<data-dir>/media` by default, any S3-compatible store by configuration.
//!
//! Every picture is stored **sealed** with its owner's data key (the vault's AEAD), under a
//! label naming its key (`<region>/<owner>/<device>/<event>[-thumb].jpg`), so the object
//! store only ever holds ciphertext, a blob moved to another event's key does not open, and
//! destroying the owner's key (account deletion) crypto-shreds every copy, backups included.
//! [`Media::put`] takes only a [`Sealed`] picture. Pictures stored plain before sealing came
//! (a JPEG, `FF D8 FF`) are sealed in place: by [`seal_legacy_pictures`] at start, in the
//! stores a migration marked, and by [`Media::picture`] if one is read first.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt as _;
use object_store::ObjectStore;
use object_store::path::Path;

use crate::store::{Db, StoreError, Stores};
use crate::vault::{PersonKey, Vault};

/// The first bytes of every sealed picture. A JPEG begins `FF D8 FF`, never so: a legacy
/// plain picture is told from a sealed one without guessing.
const SEALED_MAGIC: &[u8] = b"WARDPIC1";
const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];

/// A picture sealed for the object store; the only thing [`Media::put`] stores.
#[derive(Debug)]
pub struct Sealed(Vec<u8>);

/// What the vault binds a picture's ciphertext to, besides its owner: the key it is stored
/// at, which names the region, owner, device and event (and thumbnail or not).
fn label(key: &str) -> String {
    format!("picture:{key}")
}

/// Seals `jpeg`, to be stored at `key`, with its owner's data key.
pub fn seal(owner: &PersonKey, key: &str, jpeg: &[u8]) -> Sealed {
    Sealed([SEALED_MAGIC, &owner.seal_bytes(&label(key), jpeg)].concat())
}

/// Opens a stored blob (as read from `key`) with its owner's data key.
pub fn open(owner: &PersonKey, key: &str, blob: &[u8]) -> Result<Vec<u8>, PictureError> {
    let sealed = blob.strip_prefix(SEALED_MAGIC).ok_or(PictureError::NotSealed)?;
    owner.open_bytes(&label(key), sealed).map_err(|_| PictureError::Unsealable)
}

#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    #[error("no picture at this key")]
    NotFound,
    /// Neither sealed nor a legacy JPEG: not a picture this server stored.
    #[error("the stored blob is not a sealed picture")]
    NotSealed,
    /// Another owner's key, another key's blob, or tampered bytes.
    #[error("the stored picture does not open with its owner's key")]
    Unsealable,
    #[error("the media store failed")]
    Store(#[from] object_store::Error),
}

#[derive(Debug, Clone)]
pub struct Media {
    store: Arc<dyn ObjectStore>,
    /// The directory of the local store, if that is the store: deletes go straight to it.
    local: Option<std::path::PathBuf>,
}

impl Media {
    /// `url`: `s3://bucket[/prefix]` (the rest from `AWS_*` variables), or `None` for `dir`.
    pub fn open(url: Option<&str>, dir: &std::path::Path) -> anyhow::Result<Media> {
        let mut local = None;
        let store: Arc<dyn ObjectStore> = match url {
            Some(url) if url.starts_with("s3://") => {
                let (bucket_url, prefix) = split_prefix(url);
                let s3 = object_store::aws::AmazonS3Builder::from_env().with_url(bucket_url).build()?;
                match prefix {
                    Some(p) => Arc::new(object_store::prefix::PrefixStore::new(s3, p)),
                    None => Arc::new(s3),
                }
            }
            Some(other) => anyhow::bail!("WARD_MEDIA_URL must be s3://BUCKET[/PREFIX], not {other}"),
            None => {
                std::fs::create_dir_all(dir)?;
                local = Some(dir.to_path_buf());
                Arc::new(object_store::local::LocalFileSystem::new_with_prefix(dir)?)
            }
        };
        Ok(Media { store, local })
    }

    pub async fn put(&self, key: &str, sealed: Sealed) -> object_store::Result<()> {
        self.store.put(&Path::from(key), Bytes::from(sealed.0).into()).await.map(drop)
    }

    /// The blob as stored (ciphertext).
    pub async fn get(&self, key: &str) -> object_store::Result<Bytes> {
        self.store.get(&Path::from(key)).await?.bytes().await
    }

    /// The picture at `key`, opened with its owner's key. A legacy plain JPEG is sealed in
    /// place first (then served), so nothing is lost while the start-up sweep runs.
    pub async fn picture(&self, owner: &PersonKey, key: &str) -> Result<Vec<u8>, PictureError> {
        let blob = match self.get(key).await {
            Ok(b) => b,
            Err(object_store::Error::NotFound { .. }) => return Err(PictureError::NotFound),
            Err(e) => return Err(e.into()),
        };
        if blob.starts_with(JPEG_MAGIC) {
            self.put(key, seal(owner, key, &blob)).await?;
            return Ok(blob.to_vec());
        }
        open(owner, key, &blob)
    }

    /// Seals the picture at `key` if it is a legacy plain JPEG; returns whether it was.
    pub async fn seal_legacy(&self, owner: &PersonKey, key: &str) -> Result<bool, PictureError> {
        let blob = match self.get(key).await {
            Ok(b) => b,
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        if !blob.starts_with(JPEG_MAGIC) {
            return Ok(false);
        }
        self.put(key, seal(owner, key, &blob)).await?;
        Ok(true)
    }

    /// Deletes these keys; ones already gone count as deleted. Returns how many failed.
    pub async fn delete_many(&self, keys: Vec<String>) -> usize {
        if let Some(root) = self.local.clone() {
            // One blocking task for the whole batch instead of one per file (object_store's
            // way): the retention purge deletes millions of pictures.
            let n = keys.len();
            return tokio::task::spawn_blocking(move || delete_files(&root, &keys)).await.unwrap_or(n);
        }
        let paths = futures_util::stream::iter(keys.into_iter().map(|k| Ok(Path::from(k)))).boxed();
        let results: Vec<_> = self.store.delete_stream(paths).collect().await;
        results
            .into_iter()
            .filter(|r| !matches!(r, Ok(_) | Err(object_store::Error::NotFound { .. })))
            .inspect(|r| {
                if let Err(err) = r {
                    tracing::warn!(%err, "could not delete a picture");
                }
            })
            .count()
    }

    /// Deletes everything under a prefix (a person's or a device's pictures).
    pub async fn delete_prefix(&self, prefix: &str) -> usize {
        let listed: Vec<_> = self.store.list(Some(&Path::from(prefix))).collect().await;
        let keys = listed.into_iter().filter_map(|m| m.ok()).map(|m| m.location.to_string()).collect();
        self.delete_many(keys).await
    }
}

/// Removes `keys` under `root`; ones already gone count as deleted. Returns how many failed.
/// Keys are the server's own (`<region>/<owner>/<device>/<event>.jpg`: letters, digits, `/`,
/// `.`, `-`), which `LocalFileSystem` stores under the same relative path.
fn delete_files(root: &std::path::Path, keys: &[String]) -> usize {
    let mut failed = 0;
    for key in keys {
        if key.starts_with('/') || key.split('/').any(|part| part.is_empty() || part == "..") {
            tracing::warn!(%key, "not a picture key; not deleted");
            failed += 1;
            continue;
        }
        match std::fs::remove_file(root.join(key)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                tracing::warn!(%err, %key, "could not delete a picture");
                failed += 1;
            }
        }
    }
    failed
}

/// Seals, in place, the legacy plain pictures of every region store that migration
/// `0081_sealed_pictures` marked as holding some (stores that had pictures before sealing
/// came), then clears the mark. Runs at start; returns how many pictures it sealed. Pictures
/// whose owner has no key any more are left (their account is gone; so are the rows soon).
pub async fn seal_legacy_pictures(
    stores: &Stores,
    vault: &Vault,
    media: &Media,
) -> Result<usize, StoreError> {
    let mut sealed = 0;
    for region in stores.directory.bound_regions().await? {
        let db = stores.region(region).await?;
        if !db.pictures_unsealed().await? {
            continue;
        }
        sealed += seal_legacy_in(stores, vault, media, db).await?;
        db.pictures_all_sealed().await?;
    }
    Ok(sealed)
}

/// Seals the legacy plain pictures of one region store; returns how many.
pub async fn seal_legacy_in(
    stores: &Stores,
    vault: &Vault,
    media: &Media,
    db: &Db,
) -> Result<usize, StoreError> {
    let mut sealed = 0;
    let mut after = String::new();
    let mut owner: Option<(String, Option<PersonKey>)> = None;
    loop {
        let page = db.picture_keys_after(&after, 500).await?;
        let Some(last) = page.last() else { break };
        after = last.0.clone();
        for (_, owner_id, picture, thumbnail) in &page {
            if owner.as_ref().is_none_or(|(id, _)| id != owner_id) {
                let key = match stores.directory.person_key(owner_id).await? {
                    Some(wrapped) => vault.unwrap_person_key(owner_id, &wrapped).ok(),
                    None => None,
                };
                owner = Some((owner_id.clone(), key));
            }
            let Some((_, Some(person))) = &owner else { continue };
            let keys = if picture == thumbnail { vec![picture] } else { vec![picture, thumbnail] };
            for key in keys {
                match media.seal_legacy(person, key).await {
                    Ok(true) => sealed += 1,
                    Ok(false) => {}
                    Err(err) => tracing::warn!(%err, "could not seal a legacy picture"),
                }
            }
        }
    }
    Ok(sealed)
}

fn split_prefix(url: &str) -> (String, Option<String>) {
    let rest = &url["s3://".len()..];
    match rest.split_once('/') {
        Some((bucket, prefix)) if !prefix.trim_matches('/').is_empty() => {
            (format!("s3://{bucket}"), Some(prefix.trim_matches('/').to_string()))
        }
        _ => (format!("s3://{}", rest.trim_end_matches('/')), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_s3_url_may_carry_a_prefix() {
        assert_eq!(split_prefix("s3://b"), ("s3://b".into(), None));
        assert_eq!(split_prefix("s3://b/ward/media/"), ("s3://b".into(), Some("ward/media".into())));
    }

    #[tokio::test]
    async fn pictures_are_stored_read_and_deleted_on_the_file_system() {
        let dir = std::env::temp_dir().join(format!("ward-media-{}", std::process::id()));
        let media = Media::open(None, &dir).unwrap();
        let (key, _) = Vault::from_master(&[7; 32]).new_person_key("p");
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        media.put("us/p/d/e.jpg", seal(&key, "us/p/d/e.jpg", &jpeg)).await.unwrap();
        assert_eq!(media.picture(&key, "us/p/d/e.jpg").await.unwrap(), jpeg);
        let stored = std::fs::read(dir.join("us/p/d/e.jpg")).unwrap();
        assert!(stored.starts_with(SEALED_MAGIC) && !stored.windows(3).any(|w| w == [1, 2, 3]));
        // Bound to its key: the same blob under another event's key does not open.
        assert!(matches!(open(&key, "us/p/d/f.jpg", &stored), Err(PictureError::Unsealable)));
        assert_eq!(media.delete_many(vec!["us/p/d/e.jpg".into(), "us/p/d/gone.jpg".into()]).await, 0);
        assert!(media.get("us/p/d/e.jpg").await.is_err());
        // Only the server's own keys: nothing outside the media directory is touched.
        assert_eq!(media.delete_many(vec!["../outside.jpg".into(), "/etc/x".into(), "a//b".into()]).await, 3);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
