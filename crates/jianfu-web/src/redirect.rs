//! Where a login may send the browser next.
//!
//! `next` comes from the query string or a form field, so anyone can craft
//! a link with it. Browsers are lenient when they resolve a `Location`:
//! they drop tabs and newlines anywhere, read `\` as `/`, and treat `//host`
//! as another site, so `/\t/evil.example` lands on `evil.example`. Only a
//! path on this site is followed; anything else falls back to `/`.

/// Longer than any path of the product; a cap keeps the header small.
const MAX_LEN: usize = 2048;

/// The local path to redirect to after login, or `/`.
///
/// Accepted: a single leading `/` not followed by `/` or `\`, with no
/// control character and no backslash anywhere — neither as typed nor
/// percent-encoded, in case something downstream decodes it once more.
/// Characters outside visible ASCII are percent-encoded, because a header
/// value must be visible ASCII (axum's `Redirect` panics otherwise, which
/// answered 500 after the session had been created).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.len() <= MAX_LEN && is_local_path(n) && is_local_path(&percent_decoded(n)) => {
            encode_non_ascii(n)
        }
        _ => "/".to_string(),
    }
}

fn is_local_path(p: &str) -> bool {
    let mut chars = p.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !p.chars().any(|c| c == '\\' || c.is_control())
}

/// `%XX` decoded once; bytes that do not form UTF-8 become U+FFFD, which
/// the checks above accept, so only real `/`, `\` and controls count.
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |j: usize| b.get(j).and_then(|c| (*c as char).to_digit(16));
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Spaces and non-ASCII characters (a Chinese search term in `?q=`) as
/// `%XX` of their UTF-8 bytes; the rest is already visible ASCII.
fn encode_non_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_graphic() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_are_kept() {
        for p in [
            "/",
            "/org/3",
            "/reports/7?tab=tasks",
            "/register?q=a%20b",
            "/.//still-here",
            "/a//b",
            "/a/b#frag",
        ] {
            assert_eq!(safe_next(Some(p)), p, "{p:?}");
        }
        assert_eq!(
            safe_next(Some("/register?q=张三")),
            "/register?q=%E5%BC%A0%E4%B8%89"
        );
        assert_eq!(safe_next(Some("/a b")), "/a%20b");
    }

    #[test]
    fn anything_else_falls_back_to_home() {
        for p in [
            "",
            "org/3",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/x\ny",
            "/x\u{0}y",
            "/x\u{7f}y",
            "/x\u{85}y",
            "/a\\b",
            "https://evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            " /org",
            "\t/org",
            "/%2F/evil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "/%09/evil.example",
            "/x%0ay",
            "/x%0D%0ASet-Cookie:%20a=b",
        ] {
            assert_eq!(safe_next(Some(p)), "/", "{p:?}");
        }
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(MAX_LEN)))), "/");
    }

    #[test]
    fn the_answer_is_always_a_valid_header_value() {
        for p in ["/报表/一", "/x\u{200b}y", "/\u{3000}/evil.example", "/😀"] {
            let got = safe_next(Some(p));
            assert!(got.starts_with('/') && !got.starts_with("//"), "{p:?}");
            assert!(
                axum::http::HeaderValue::from_str(&got).is_ok(),
                "{p:?} → {got:?}"
            );
        }
    }
}
