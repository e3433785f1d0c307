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

/// The app's pages meant to be found by a search engine (a parent looking for how to have a
/// child's data deleted, anyone reading the policies). Every other page of the app, an
/// account's, a device's, a developer's, a single-use link's or an unknown address, is
/// answered with `X-Robots-Tag: noindex`; `public/robots.txt` disallows the private ones
/// (a test keeps the two in step).
pub const PUBLIC_PAGES: &[&str] = &["/", "/privacy", "/cookies", "/signup", "/signin"];

/// Whether the app page at `path` may be indexed.
pub fn is_public_page(path: &str) -> bool {
    let path = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    PUBLIC_PAGES.contains(&path)
}

/// The dist dir as found at start.
pub struct Assets {
    dist_dir: PathBuf,
    /// None when the app is not built (no index.html): the API still works.
    files: Option<ServeDir<DeepLinks>>,
    index_html: Option<String>,
    /// index.html with an area's wasm chunks preloaded, for each route of that area.
    area_pages: Vec<AreaPage>,
}

/// A route of a signed-in area (`dist/preload.json`, written by the build) and the page that
/// names its chunks in `<link rel="preload">`: the browser fetches them while the main module
/// downloads and compiles, instead of one round trip after it.
struct AreaPage {
    /// The route's segments; `:name` matches any one segment.
    segments: Vec<String>,
    html: String,
}

#[derive(serde::Deserialize)]
struct PreloadMap {
    routes: Vec<PreloadRoute>,
}

#[derive(serde::Deserialize)]
struct PreloadRoute {
    path: String,
    files: Vec<String>,
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
        let area_pages = match &index_html {
            Some(html) => area_pages(dist_dir, html)?,
            None => Vec::new(),
        };
        Ok(Assets { dist_dir: dist_dir.to_path_buf(), files, index_html, area_pages })
    }

    /// The app's page for `path`, and which variant it is (0: the plain page; n: the n-th
    /// area route's, with its chunks preloaded).
    pub fn page_for(&self, path: &str) -> Option<(&str, usize)> {
        let index = self.index_html.as_deref()?;
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let found = self.area_pages.iter().position(|p| {
            p.segments.len() == segments.len()
                && p.segments
                    .iter()
                    .zip(&segments)
                    .all(|(want, got)| want.starts_with(':') && !got.is_empty() || want == got)
        });
        Some(match found {
            Some(i) => (self.area_pages[i].html.as_str(), i + 1),
            None => (index, 0),
        })
    }

    pub fn dist_dir(&self) -> &Path {
        &self.dist_dir
    }

    /// The text of index.html as read at start, if the app is built.
    pub fn index_html(&self) -> Option<&str> {
        self.index_html.as_deref()
    }
}

/// The area routes of `dist/preload.json` (none when the build wrote no such file), each with
/// its page.
fn area_pages(dist_dir: &Path, index_html: &str) -> io::Result<Vec<AreaPage>> {
    let file = dist_dir.join("preload.json");
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", file.display()))),
    };
    let map: PreloadMap = serde_json::from_str(&text)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {e}", file.display())))?;
    Ok(map
        .routes
        .into_iter()
        .map(|r| {
            let links: String = r
                .files
                .iter()
                // File names come from our own build; anything else is not linked.
                .filter(|f| f.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)))
                .map(|f| {
                    let kind = if f.ends_with(".json") { "application/json" } else { "application/wasm" };
                    format!("<link rel=\"preload\" href=\"/{f}\" as=\"fetch\" type=\"{kind}\" crossorigin>")
                })
                .collect();
            let html = match index_html.find("</head>") {
                Some(i) => format!("{}{links}{}", &index_html[..i], &index_html[i..]),
                None => index_html.to_string(),
            };
            AreaPage { segments: r.path.trim_matches('/').split('/').map(str::to_string).collect(), html }
        })
        .collect())
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
        && let Some((page, variant)) = state.assets.page_for(&path)
    {
        let mut res = state.privacy.page(page, variant, req.headers());
        if !is_public_page(&path) {
            res.headers_mut().insert("x-robots-tag", HeaderValue::from_static("noindex"));
        }
        return res;
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
    fn an_area_route_gets_the_page_that_preloads_its_chunks_and_words_and_other_routes_the_plain_page() {
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(
            dist.path().join("index.html"),
            "<html><head><title>W</title></head><body></body></html>",
        )
        .unwrap();
        std::fs::write(
            dist.path().join("preload.json"),
            r#"{"routes":[{"path":"/devices","files":["split_devices-0123456789abcdef.wasm","chunk_3-0123456789abcdef.wasm","words-devices-en-0123456789abcdef.json"]},
                          {"path":"/unsubscribe/:token","files":["split_entry-0123456789abcdef.wasm","../../etc/passwd\"><script>"]}]}"#,
        )
        .unwrap();
        let assets = Assets::load(dist.path()).unwrap();

        let (devices, variant) = assets.page_for("/devices").unwrap();
        assert_eq!(variant, 1);
        assert!(devices.contains(
            r#"<link rel="preload" href="/split_devices-0123456789abcdef.wasm" as="fetch" type="application/wasm" crossorigin><link rel="preload" href="/chunk_3-0123456789abcdef.wasm" as="fetch" type="application/wasm" crossorigin><link rel="preload" href="/words-devices-en-0123456789abcdef.json" as="fetch" type="application/json" crossorigin></head>"#
        ));
        let (unsubscribe, variant) = assets.page_for("/unsubscribe/abc").unwrap();
        assert_eq!(variant, 2);
        assert!(unsubscribe.contains("split_entry-"));
        assert!(!unsubscribe.contains("passwd"), "a name that is not a plain file name is not linked");
        for plain in ["/", "/devices/x", "/unsubscribe", "/unsubscribe/", "/signin"] {
            let (page, variant) = assets.page_for(plain).unwrap();
            assert_eq!((variant, page.contains("preload")), (0, false), "{plain}");
        }
    }

    #[test]
    fn without_a_preload_map_every_route_gets_the_plain_page() {
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(dist.path().join("index.html"), "<html><head></head><body></body></html>").unwrap();
        let assets = Assets::load(dist.path()).unwrap();
        assert_eq!(assets.page_for("/devices").unwrap().1, 0);
    }

    #[test]
    fn routes_of_the_app_are_deep_links_and_files_are_not() {
        for path in ["/", "/devices", "/settings/security", "/devices/", "/a-b_c"] {
            assert!(is_deep_link(path), "{path}");
        }
        for path in ["/favicon.ico", "/x.js", "/snippets/a/b.js", "/robots.txt", "/.env"] {
            assert!(!is_deep_link(path), "{path}");
        }
    }

    /// robots.txt and the `noindex` header agree: every public page is allowed, every
    /// private area is disallowed and gets the header.
    #[test]
    fn robots_txt_allows_the_public_pages_and_disallows_the_private_ones() {
        let robots = include_str!("../../../public/robots.txt");
        let disallowed: Vec<&str> =
            robots.lines().filter_map(|l| l.trim().strip_prefix("Disallow:")).map(str::trim).collect();
        let blocked = |path: &str| disallowed.iter().any(|d| !d.is_empty() && path.starts_with(d));
        for page in PUBLIC_PAGES {
            assert!(is_public_page(page), "{page}");
            assert!(!blocked(page), "robots.txt disallows the public page {page}");
        }
        assert!(is_public_page("/privacy/"));
        for private in [
            "/account",
            "/account/privacy",
            "/account/data",
            "/account/security",
            "/account/requests",
            "/staff/requests",
            "/devices",
            "/events",
            "/live",
            "/dev/mailbox",
            "/signup/verify",
            "/password-reset",
            "/unsubscribe/abc",
        ] {
            assert!(!is_public_page(private), "{private} is no public page");
            assert!(blocked(private), "robots.txt does not disallow {private}");
        }
        assert!(!is_public_page("/no-such-page"), "unknown addresses are not indexed either");
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
