//! Alarm and call pictures in object storage (`object_store`): the local file system under
//! `<data-dir>/media` by default, any S3-compatible store by configuration.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt as _;
use object_store::ObjectStore;
use object_store::path::Path;

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

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> object_store::Result<()> {
        self.store.put(&Path::from(key), Bytes::from(bytes).into()).await.map(drop)
    }

    pub async fn get(&self, key: &str) -> object_store::Result<Bytes> {
        self.store.get(&Path::from(key)).await?.bytes().await
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
        media.put("us/p/d/e.jpg", vec![1, 2, 3]).await.unwrap();
        assert_eq!(media.get("us/p/d/e.jpg").await.unwrap().as_ref(), &[1, 2, 3]);
        assert_eq!(media.delete_many(vec!["us/p/d/e.jpg".into(), "us/p/d/gone.jpg".into()]).await, 0);
        assert!(media.get("us/p/d/e.jpg").await.is_err());
        // Only the server's own keys: nothing outside the media directory is touched.
        assert_eq!(media.delete_many(vec!["../outside.jpg".into(), "/etc/x".into(), "a//b".into()]).await, 3);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
