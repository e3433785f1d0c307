//! Security headers on every answer (API, app files, errors), and the Content Security
//! Policy that lets exactly our own scripts run.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The headers added to every response; built once at start.
#[derive(Clone)]
pub struct SecurityHeaders {
    csp: HeaderValue,
    /// `Strict-Transport-Security`, when Ward is served over HTTPS.
    hsts: Option<HeaderValue>,
}

impl SecurityHeaders {
    /// `index_html` is the built app's page (None when the app is not built): each of its
    /// inline scripts is allowed by hash.
    pub fn new(index_html: Option<&str>) -> Self {
        let hashes = index_html.map(inline_script_hashes).unwrap_or_default();
        let csp = content_security_policy(&hashes);
        SecurityHeaders {
            csp: HeaderValue::from_str(&csp).expect("the policy is ASCII without controls"),
            hsts: None,
        }
    }

    /// Over HTTPS, browsers are told to use nothing else for a year (browsers ignore the
    /// header on plain HTTP, so sending it is harmless there; it is sent only when
    /// `--public-url` is https, since a development server on http must stay reachable).
    pub fn with_hsts(mut self, https: bool) -> Self {
        self.hsts = https.then(|| HeaderValue::from_static("max-age=31536000"));
        self
    }

    pub fn csp(&self) -> &HeaderValue {
        &self.csp
    }
}

/// Middleware: sets (overwrites) the security headers, so no handler can weaken them.
pub async fn apply(State(headers): State<SecurityHeaders>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, headers.csp.clone());
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // The webcam reads device labels (QR codes); nothing else is ever needed.
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(self), microphone=(), geolocation=(), payment=(), usb=()"),
    );
    // frame-ancestors in the CSP says the same; this covers browsers that ignore it.
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    if let Some(hsts) = &headers.hsts {
        h.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
    }
    res
}

/// No 'unsafe-inline' and no 'unsafe-eval': 'wasm-unsafe-eval' lets the app compile its
/// WebAssembly, and the hashes let Trunk's inline boot script run and nothing else.
pub fn content_security_policy(script_hashes: &[String]) -> String {
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for hash in script_hashes {
        script_src.push_str(" '");
        script_src.push_str(hash);
        script_src.push('\'');
    }
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; \
         img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// `sha256-<base64>` of the text of each inline `<script>` (one without `src`), in order,
/// without duplicates. The text is hashed byte for byte, as browsers do.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    for text in inline_scripts(html) {
        let digest = Sha256::digest(text.as_bytes());
        let hash = format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(digest));
        if !hashes.contains(&hash) {
            hashes.push(hash);
        }
    }
    hashes
}

/// The texts of inline scripts. Not a full HTML parser, but it handles what a built page
/// holds: comments, attributes with quoted `>` in them, any letter case.
fn inline_scripts(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase(); // ASCII-only change keeps byte offsets equal
    let mut found = Vec::new();
    let mut at = 0;
    while at < html.len() {
        let Some(lt) = lower[at..].find('<').map(|i| at + i) else { break };
        if lower[lt..].starts_with("<!--") {
            at = lower[lt + 4..].find("-->").map_or(html.len(), |i| lt + 4 + i + 3);
            continue;
        }
        let after_name = lt + "<script".len();
        let is_script = lower[lt..].starts_with("<script")
            && lower[after_name..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_whitespace() || c == '>' || c == '/');
        if !is_script {
            at = lt + 1;
            continue;
        }
        let Some((attrs, body_start)) = open_tag(html, after_name) else { break };
        let body_end = lower[body_start..].find("</script").map_or(html.len(), |i| body_start + i);
        if !has_attribute(attrs, "src") {
            found.push(&html[body_start..body_end]);
        }
        at = body_end;
    }
    found
}

/// From just after the tag name: the attribute text and the index after the closing `>`,
/// skipping `>` inside quoted values.
fn open_tag(html: &str, from: usize) -> Option<(&str, usize)> {
    let mut quote = None;
    for (i, c) in html[from..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some((&html[from..from + i], from + i + 1)),
            _ => {}
        }
    }
    None
}

/// Whether the attribute text names `wanted` as a whole attribute (`data-src` is not `src`).
fn has_attribute(attrs: &str, wanted: &str) -> bool {
    let mut rest = attrs.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
    while !rest.is_empty() {
        let name_end =
            rest.find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/').unwrap_or(rest.len());
        if rest[..name_end].eq_ignore_ascii_case(wanted) {
            return true;
        }
        rest = rest[name_end..].trim_start();
        if let Some(value) = rest.strip_prefix('=') {
            let value = value.trim_start();
            rest = match value.chars().next() {
                Some(q @ ('"' | '\'')) => value[1..].find(q).map_or("", |i| &value[1 + i + 1..]),
                _ => value.find(|c: char| c.is_ascii_whitespace()).map_or("", |i| &value[i..]),
            };
        }
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(text: &str) -> String {
        format!(
            "sha256-{}",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
        )
    }

    #[test]
    fn the_hash_of_an_empty_script_is_the_known_value() {
        // The value every CSP reference quotes for an empty inline script.
        assert_eq!(
            inline_script_hashes("<script></script>"),
            ["sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="]
        );
    }

    #[test]
    fn trunks_module_boot_script_is_hashed_byte_for_byte() {
        let body = "\nimport init, * as bindings from '/ward-0123456789abcdef.js';\n\
                    const wasm = await init({ module_or_path: '/ward-0123456789abcdef_bg.wasm' });\n";
        let html = format!(
            "<!DOCTYPE html><html><head><link rel=\"modulepreload\" href=\"/ward.js\">\
             <script type=\"module\">{body}</script></head><body></body></html>"
        );
        assert_eq!(inline_script_hashes(&html), [sha(body)]);
    }

    #[test]
    fn scripts_with_a_src_are_left_to_self() {
        let html = r#"<script src="/boot-1.js"></script><script defer SRC=/a.js></script>
                      <script data-src="/lazy.js">go()</script>"#;
        assert_eq!(inline_script_hashes(html), [sha("go()")]);
    }

    #[test]
    fn attributes_case_and_quoted_angle_brackets_do_not_confuse_the_parser() {
        let html = "<SCRIPT type='module' data-x=\"a>b\">one()</Script>\
                    <script\n  type=module\n>two()</script>";
        assert_eq!(inline_script_hashes(html), [sha("one()"), sha("two()")]);
    }

    #[test]
    fn scripts_inside_comments_and_lookalike_tags_are_ignored() {
        let html = "<!-- <script>old()</script> --><scripts>x</scripts><script>new()</script>";
        assert_eq!(inline_script_hashes(html), [sha("new()")]);
    }

    #[test]
    fn a_page_without_inline_scripts_gives_no_hashes_and_a_repeated_one_gives_one() {
        assert!(inline_script_hashes("<html><body>hi</body></html>").is_empty());
        assert_eq!(inline_script_hashes("<script>a</script><script>a</script>"), [sha("a")]);
    }

    #[test]
    fn the_policy_allows_wasm_and_the_hashes_but_never_unsafe_inline_or_eval() {
        let csp = content_security_policy(&["sha256-abc=".to_string()]);
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc=';"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("object-src 'none'"));
        assert!(!csp.contains("'unsafe-inline'") && !csp.contains("'unsafe-eval'"), "{csp}");
        // The header value must be valid whatever the page held.
        assert!(HeaderValue::from_str(&csp).is_ok());
    }
}
