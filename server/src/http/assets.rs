//! The built browser app: files from the dist dir (precompressed when the browser accepts
//! it), `index.html` for the app's own deep links, and caching that suits each file.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::{Service, ServiceExt as _};
use tower_http::services::{ServeDir, ServeFile};

use crate::AppState;

const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");

/// The dist dir as found at start.
pub struct Assets {
    dist_dir: PathBuf,
    /// None when the app is not built (no index.html): the API still works.
    files: Option<ServeDir<DeepLinks>>,
    index_html: Option<String>,
}

impl Assets {
    pub fn load(dist_dir: &Path) -> io::Result<Assets> {
        let index = dist_dir.join("index.html");
        let index_html = match std::fs::read_to_string(&index) {
            Ok(html) => Some(html),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", index.display()))),
        };
        let files = index_html.as_ref().map(|_| {
            let index = ServeFile::new(&index).precompressed_br().precompressed_gzip();
            ServeDir::new(dist_dir).precompressed_br().precompressed_gzip().fallback(DeepLinks { index })
        });
        Ok(Assets { dist_dir: dist_dir.to_path_buf(), files, index_html })
    }

    pub fn dist_dir(&self) -> &Path {
        &self.dist_dir
    }

    /// The text of index.html as read at start, if the app is built.
    pub fn index_html(&self) -> Option<&str> {
        self.index_html.as_deref()
    }
}

/// The fallback of every path that is not under /api.
pub async fn serve(State(state): State<AppState>, req: Request) -> Response {
    let Some(files) = state.assets.files.clone() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CACHE_CONTROL, NO_CACHE)],
            "The app is not built: run `cargo xtask run`",
        )
            .into_response();
    };
    let path = req.uri().path().to_owned();
    // The app's page carries the cookie banner, rendered per request (see privacy::banner).
    if (is_deep_link(&path) || path == "/index.html")
        && let Some(index) = state.assets.index_html()
    {
        return state.privacy.page(index, req.headers());
    }
    let mut res = match files.oneshot(req).await {
        Ok(res) => res.into_response(),
        Err(never) => match never {},
    };
    let ok = res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED;
    let headers = res.headers_mut();
    let hashed = ok && is_hashed_asset(&path);
    headers.insert(header::CACHE_CONTROL, if hashed { IMMUTABLE } else { NO_CACHE });
    if ok {
        // The same URL answers brotli, gzip or identity bytes: caches must key on it.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

/// ServeDir's fallback for files that do not exist: the app's deep links (`/devices`,
/// `/settings/security`) get index.html with 200, so a reload or a shared link opens the
/// page; anything that looks like a file (`/favicon.ico`, `/x.js`) gets a plain 404, so a
/// missing script never turns into HTML the browser would try to run.
#[derive(Clone)]
pub struct DeepLinks {
    index: ServeFile,
}

impl Service<Request> for DeepLinks {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let index = self.index.clone();
        Box::pin(async move {
            if is_deep_link(req.uri().path()) {
                let res = index.oneshot(req).await?;
                Ok(res.into_response())
            } else {
                Ok((StatusCode::NOT_FOUND, "Not found").into_response())
            }
        })
    }
}

/// A path whose last segment has no `.` is a route of the app, not a file.
pub fn is_deep_link(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    !last.contains('.')
}

/// Trunk's hashed output (`ward-0123456789abcdef.js`, `ward-0123456789abcdef_bg.wasm`,
/// `main-0123456789abcdef.css`): its name changes whenever its bytes do, so browsers may
/// keep it forever.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    let Some((stem, ext)) = name.rsplit_once('.') else { return false };
    if ext.is_empty() {
        return false;
    }
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((prefix, hash)) = stem.rsplit_once('-') else { return false };
    !prefix.is_empty()
        && hash.len() == 16
        && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_of_the_app_are_deep_links_and_files_are_not() {
        for path in ["/", "/devices", "/settings/security", "/devices/", "/a-b_c"] {
            assert!(is_deep_link(path), "{path}");
        }
        for path in ["/favicon.ico", "/x.js", "/snippets/a/b.js", "/robots.txt", "/.env"] {
            assert!(!is_deep_link(path), "{path}");
        }
    }

    #[test]
    fn trunks_hashed_names_are_recognised() {
        for path in [
            "/ward-7c3e1f0a9b2d4e6f.js",
            "/ward-7c3e1f0a9b2d4e6f_bg.wasm",
            "/main-0123456789abcdef.css",
            "/boot-0123456789abcdef.js",
        ] {
            assert!(is_hashed_asset(path), "{path}");
        }
    }

    #[test]
    fn names_that_only_look_hashed_are_not() {
        for path in [
            "/index.html",
            "/robots.txt",
            "/ward-7C3E1F0A9B2D4E6F.js",    // upper case
            "/ward-7c3e1f0a9b2d4e6.js",     // 15 digits
            "/ward-7c3e1f0a9b2d4e6f0.js",   // 17 digits
            "/ward-7c3e1f0a9b2d4e6g.js",    // not hex
            "/-7c3e1f0a9b2d4e6f.js",        // nothing before the hash
            "/ward-7c3e1f0a9b2d4e6f",       // no extension
            "/ward-7c3e1f0a9b2d4e6f.js.br", // the hash is not right before the extension
            "/ward-7c3e1f0a9b2d4e6f_x.js",
        ] {
            assert!(!is_hashed_asset(path), "{path}");
        }
    }
}
