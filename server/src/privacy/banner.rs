//! The cookie banner, rendered by the server into the first response (plain HTML, styled
//! by `style/banner.css`, driven by `public/consent.js`), so it is visible and clickable
//! before the app's WebAssembly has loaded. Texts come from `privacy/cookies.json` in
//! both languages; the stylesheet shows the one matching `<html lang>`.

use std::fmt::Write as _;
use std::sync::Mutex;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ward_model::{Localized, PolicyKind};

use super::{CookieChoice, Privacy, gpc_header};

/// Which page: the app's page variant (`Assets::page_for`), banner shown, GPC notice, encoding.
type Variant = (usize, bool, bool, Encoding);

/// The pages built for one cookie policy revision, per variant.
type Built = (String, Vec<(Variant, Vec<u8>)>);

/// Pages already built for the current cookie policy revision.
#[derive(Debug, Default)]
pub struct Cache {
    pages: Mutex<Option<Built>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Identity,
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Both languages; `style/banner.css` hides the one `<html lang>` does not name.
fn both(t: &Localized) -> String {
    format!("<span lang=\"en\">{}</span><span lang=\"zh\">{}</span>", esc(&t.en), esc(&t.zh))
}

impl Privacy {
    fn text(&self, key: &str) -> String {
        self.cookies.texts.get(key).map(both).unwrap_or_else(|| esc(key))
    }

    /// The banner's markup. `shown`: visible at once (no choice for the current revision
    /// yet); `gpc`: the request carried `Sec-GPC: 1` (`consent.js` also reads
    /// `navigator.globalPrivacyControl`).
    pub fn banner_html(&self, revision: &str, shown: bool, gpc: bool) -> String {
        let t = |k: &str| self.text(k);
        let mut h = String::new();
        let hidden = if shown { "" } else { " hidden" };
        let _ = write!(
            h,
            "<div id=\"cc\" class=\"cc\" data-rev=\"{}\"{hidden}><section class=\"cc-box\" aria-labelledby=\"cc-title\">\
             <h2 id=\"cc-title\" tabindex=\"-1\">{}</h2><p class=\"cc-intro\">{}</p>\
             <p class=\"cc-gpc\"{}>{}</p>\
             <div class=\"cc-actions\"><button type=\"button\" class=\"cc-btn\" data-cc=\"accept\">{}</button>\
             <button type=\"button\" class=\"cc-btn\" data-cc=\"reject\">{}</button>\
             <button type=\"button\" class=\"cc-btn\" data-cc=\"customize\" aria-expanded=\"false\" \
             aria-controls=\"cc-more\">{}</button></div><div id=\"cc-more\" class=\"cc-more\" hidden>",
            esc(revision),
            t("title"),
            t("intro"),
            if gpc { "" } else { " hidden" },
            t("gpc"),
            t("accept"),
            t("reject"),
            t("customize"),
        );
        for c in &self.cookies.categories {
            let necessary = c.purpose.is_none();
            let input = if necessary {
                " checked disabled".to_string()
            } else if c.gpc && gpc {
                " disabled data-gpc".to_string()
            } else if c.gpc {
                " data-gpc".to_string()
            } else {
                String::new()
            };
            let _ = write!(
                h,
                "<div class=\"cc-cat\"><div class=\"cc-cat-head\"><input type=\"checkbox\" id=\"cc-{id}\" \
                 name=\"{id}\" aria-describedby=\"cc-{id}-d\"{input}><label for=\"cc-{id}\">{name}</label>{always}</div>\
                 <p id=\"cc-{id}-d\" class=\"cc-desc\">{desc}</p><details><summary>{services} ({n})</summary><ul class=\"cc-services\">",
                id = esc(&c.id),
                name = both(&c.name),
                always = if necessary {
                    format!("<span class=\"cc-always\">{}</span>", t("always_on"))
                } else {
                    String::new()
                },
                desc = both(&c.description),
                services = t("services"),
                n = c.services.len(),
            );
            for s in &c.services {
                let _ = write!(
                    h,
                    "<li><strong>{}</strong> · {}<dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl></li>",
                    esc(&s.name),
                    esc(&s.provider),
                    t("purpose"),
                    both(&s.purpose),
                    t("cookies"),
                    esc(&s.cookies),
                    t("duration"),
                    both(&s.duration),
                );
            }
            h.push_str("</ul></details></div>");
        }
        let _ = write!(
            h,
            "<div class=\"cc-actions\"><button type=\"button\" class=\"cc-btn\" data-cc=\"save\">{}</button></div></div>\
             <p class=\"cc-foot\"><a href=\"/cookies\">{}</a></p></section></div>",
            t("save"),
            t("policy"),
        );
        h
    }

    /// `index.html` with the banner before `</body>`: shown when the request has no choice
    /// for the current cookie policy revision. Compressed once per variant and revision.
    /// `variant` names which page `index_html` is (the plain one or an area route's, see
    /// `Assets::page_for`), so each is compressed once too.
    pub fn page(&self, index_html: &str, variant: usize, headers: &HeaderMap) -> Response {
        let revision = self.current(PolicyKind::Cookies).version;
        let shown = CookieChoice::from_headers(headers).is_none_or(|c| c.revision != revision);
        let notices = self.service.shown(crate::auth::session::now());
        // The cached pages hold the notices too: another set of them is another revision.
        let cached = notices.iter().fold(revision.clone(), |k, n| format!("{k}|{}", n.id));
        let gpc = gpc_header(headers);
        let accepts_br = headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split(',').any(|e| e.split(';').next().is_some_and(|e| e.trim() == "br")));
        let encoding = if accepts_br { Encoding::Brotli } else { Encoding::Identity };
        let key = (variant, shown, gpc, encoding);
        let body = {
            let mut cache = self.banner.pages.lock().expect("not poisoned");
            if cache.as_ref().is_none_or(|(rev, _)| *rev != cached) {
                *cache = Some((cached, Vec::new()));
            }
            let (_, pages) = cache.as_mut().expect("set above");
            match pages.iter().find(|(k, _)| *k == key) {
                Some((_, b)) => b.clone(),
                None => {
                    let html = insert_before_body_end(index_html, &self.banner_html(&revision, shown, gpc));
                    let html =
                        insert_after_body_start(&html, &super::service::ServiceNotices::html(&notices));
                    let bytes = match encoding {
                        Encoding::Brotli => brotli_bytes(html.as_bytes()),
                        Encoding::Identity => html.into_bytes(),
                    };
                    pages.push((key, bytes.clone()));
                    bytes
                }
            }
        };
        let mut res = (StatusCode::OK, body).into_response();
        let h = res.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        // The page depends on the consent cookie and the GPC signal, not only the URL.
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding, cookie, sec-gpc"));
        if encoding == Encoding::Brotli {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        }
        res
    }
}

fn insert_before_body_end(html: &str, fragment: &str) -> String {
    match html.rfind("</body>") {
        Some(i) => format!("{}{fragment}{}", &html[..i], &html[i..]),
        None => format!("{html}{fragment}"),
    }
}

fn insert_after_body_start(html: &str, fragment: &str) -> String {
    match html.find("<body").and_then(|i| html[i..].find('>').map(|j| i + j + 1)) {
        Some(i) => format!("{}{fragment}{}", &html[..i], &html[i..]),
        None => format!("{fragment}{html}"),
    }
}

fn brotli_bytes(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).expect("compressing into memory cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fragment_goes_before_the_last_body_end() {
        assert_eq!(insert_before_body_end("<body>x</body>", "<b>"), "<body>x<b></body>");
        assert_eq!(esc("<a href=\"x\">&</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
    }
}
