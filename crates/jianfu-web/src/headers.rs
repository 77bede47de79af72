//! Security headers on every response: pages, API, static files, errors.

use axum::http::{header, HeaderName, HeaderValue};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

/// Everything is served from this origin (no CDN, no web fonts: see
/// ARCHITECTURE.md), so the policy allows only 'self'. No template has an
/// inline script, event handler or style attribute (a test below keeps it
/// so); scripts still set `element.style`, which CSP permits. `data:`
/// images are allowed for small icons a stylesheet may embed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

/// `same-origin` rather than `strict-origin-when-cross-origin`: URLs here
/// carry search terms (names, ID numbers in `?q=`) and record ids, and the
/// product has no reason to tell another site even its origin.
pub const REFERRER_POLICY: &str = "same-origin";

pub const HEADERS: [(HeaderName, &str); 5] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, REFERRER_POLICY),
    // Frames are refused twice: old browsers read X-Frame-Options, new
    // ones frame-ancestors.
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    // Pages and API answers hold personal data and are read on shared
    // office PCs: no copy stays in a browser's or a proxy's cache. Static
    // assets set their own max-age, which `if_not_present` keeps.
    (header::CACHE_CONTROL, "no-store"),
];

/// Adds the headers outside every other layer, so refusals by the session
/// and CSRF middleware carry them too. A handler that sets one of them
/// itself keeps its own value.
pub fn secure<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    HEADERS.iter().fold(router, |r, (name, value)| {
        r.layer(SetResponseHeaderLayer::if_not_present(
            name.clone(),
            HeaderValue::from_static(value),
        ))
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn files(dir: &str, ext: &str) -> Vec<(String, String)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == ext) {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path.display().to_string(), text));
            }
        }
        assert!(!out.is_empty(), "no .{ext} files in {}", dir.display());
        out
    }

    /// ` onclick=`, `\tonload =`…: an attribute starting with `on`
    /// after whitespace, then letters, then `=`.
    fn event_handlers(text: &str) -> Vec<String> {
        let b = text.as_bytes();
        let mut found = Vec::new();
        for i in 1..b.len() {
            if !b[i - 1].is_ascii_whitespace() || !text[i..].to_ascii_lowercase().starts_with("on")
            {
                continue;
            }
            let mut j = i + 2;
            while j < b.len() && b[j].is_ascii_alphabetic() {
                j += 1;
            }
            let mut k = j;
            while k < b.len() && b[k] == b' ' {
                k += 1;
            }
            if j > i + 2 && b.get(k) == Some(&b'=') {
                found.push(text[i..=k].to_string());
            }
        }
        found
    }

    /// `<script>` tags without a `src`.
    fn inline_scripts(text: &str) -> Vec<String> {
        let lower = text.to_ascii_lowercase();
        lower
            .match_indices("<script")
            .filter_map(|(i, _)| {
                let tag = &lower[i..i + lower[i..].find('>').unwrap_or(lower.len() - i)];
                (!tag.contains(" src=")).then(|| tag.to_string())
            })
            .collect()
    }

    /// What the Content-Security-Policy above would block, so it cannot
    /// come back into a template unnoticed.
    #[test]
    fn templates_have_no_inline_script_handler_or_style() {
        let mut bad = Vec::new();
        for (path, text) in files("templates", "html") {
            let lower = text.to_ascii_lowercase();
            for s in inline_scripts(&text) {
                bad.push(format!("{path}: inline script {s}"));
            }
            for h in event_handlers(&text) {
                bad.push(format!("{path}: event handler attribute {h}"));
            }
            for needle in ["style=", "<style", "javascript:"] {
                if lower.contains(needle) {
                    bad.push(format!("{path}: {needle}"));
                }
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    /// Scripts build no HTML with inline styles or handlers either.
    #[test]
    fn scripts_set_no_inline_style_or_handler_through_html() {
        for (path, text) in files("assets", "js") {
            let lower = text.to_ascii_lowercase();
            for needle in [
                "style=",
                "javascript:",
                "setattribute(\"style\"",
                "setattribute('style'",
                "setattribute(\"on",
                "setattribute('on",
                "document.write",
                "eval(",
                "new function(",
            ] {
                assert!(!lower.contains(needle), "{path}: {needle}");
            }
            // `x.onclick = f` sets a handler in script, which CSP allows;
            // only a handler inside an HTML string (a line with a tag)
            // would be blocked.
            for line in text.lines().filter(|l| l.contains('<')) {
                let found = event_handlers(line);
                assert!(found.is_empty(), "{path}: {found:?} in {line}");
            }
        }
    }

    #[test]
    fn the_scanners_find_what_they_look_for() {
        assert_eq!(event_handlers("<a onclick=\"x()\">").len(), 1);
        assert_eq!(event_handlers("<body\n  onload = 'x'>").len(), 1);
        assert!(event_handlers("<p>one=1, only</p><a data-on=1>").is_empty());
        assert_eq!(inline_scripts("<script>alert(1)</script>").len(), 1);
        assert!(inline_scripts("<script src=\"/static/app.js\" defer></script>").is_empty());
    }
}
