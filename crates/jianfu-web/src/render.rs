//! Server-side HTML rendering with minijinja. Templates are compiled into
//! the binary, so the server needs no files beside it.

use crate::context::{ReqCtx, Session};
use crate::errors::PageError;
use crate::i18n::{self, Lang};
use axum::http::StatusCode;
use axum::response::Html;
use minijinja::Environment;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

const TEMPLATES: [(&str, &str); 50] = [
    (
        "forms_audit.html",
        include_str!("../templates/forms_audit.html"),
    ),
    (
        "haochaping.html",
        include_str!("../templates/haochaping.html"),
    ),
    (
        "haochaping_case.html",
        include_str!("../templates/haochaping_case.html"),
    ),
    (
        "haochaping_public.html",
        include_str!("../templates/haochaping_public.html"),
    ),
    ("pj.html", include_str!("../templates/pj.html")),
    ("pingjia.html", include_str!("../templates/pingjia.html")),
    (
        "pingjia_round.html",
        include_str!("../templates/pingjia_round.html"),
    ),
    (
        "pingjia_results.html",
        include_str!("../templates/pingjia_results.html"),
    ),
    ("zhibao.html", include_str!("../templates/zhibao.html")),
    (
        "zhibao_new.html",
        include_str!("../templates/zhibao_new.html"),
    ),
    (
        "zhibao_receipt.html",
        include_str!("../templates/zhibao_receipt.html"),
    ),
    (
        "zhibao_follow.html",
        include_str!("../templates/zhibao_follow.html"),
    ),
    (
        "zhibao_report.html",
        include_str!("../templates/zhibao_report.html"),
    ),
    (
        "zhibao_cases.html",
        include_str!("../templates/zhibao_cases.html"),
    ),
    ("reports.html", include_str!("../templates/reports.html")),
    (
        "admissions.html",
        include_str!("../templates/admissions.html"),
    ),
    (
        "admission.html",
        include_str!("../templates/admission.html"),
    ),
    (
        "admission_caps.html",
        include_str!("../templates/admission_caps.html"),
    ),
    ("check.html", include_str!("../templates/check.html")),
    (
        "admission_settings.html",
        include_str!("../templates/admission_settings.html"),
    ),
    (
        "report_new.html",
        include_str!("../templates/report_new.html"),
    ),
    ("report.html", include_str!("../templates/report.html")),
    (
        "monitoring.html",
        include_str!("../templates/monitoring.html"),
    ),
    (
        "monitoring_lines.html",
        include_str!("../templates/monitoring_lines.html"),
    ),
    ("warnings.html", include_str!("../templates/warnings.html")),
    ("annual.html", include_str!("../templates/annual.html")),
    (
        "monitoring_settings.html",
        include_str!("../templates/monitoring_settings.html"),
    ),
    ("warning.html", include_str!("../templates/warning.html")),
    ("points.html", include_str!("../templates/points.html")),
    ("confirm.html", include_str!("../templates/confirm.html")),
    ("task.html", include_str!("../templates/task.html")),
    ("_history.html", include_str!("../templates/_history.html")),
    ("places.html", include_str!("../templates/places.html")),
    ("place.html", include_str!("../templates/place.html")),
    (
        "households.html",
        include_str!("../templates/households.html"),
    ),
    (
        "household.html",
        include_str!("../templates/household.html"),
    ),
    (
        "register_list.html",
        include_str!("../templates/register_list.html"),
    ),
    ("person.html", include_str!("../templates/person.html")),
    ("import.html", include_str!("../templates/import.html")),
    (
        "conflicts.html",
        include_str!("../templates/conflicts.html"),
    ),
    (
        "dictionary.html",
        include_str!("../templates/dictionary.html"),
    ),
    ("element.html", include_str!("../templates/element.html")),
    ("base.html", include_str!("../templates/base.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("org_tree.html", include_str!("../templates/org_tree.html")),
    ("org_unit.html", include_str!("../templates/org_unit.html")),
    ("users.html", include_str!("../templates/users.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    ("error.html", include_str!("../templates/error.html")),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            if let Err(e) = env.add_template(name, src) {
                // A broken template is a build defect; the unit test below
                // catches it before release.
                tracing::error!(template = name, error = %e, "template does not compile");
            }
        }
        env.add_filter("time", fmt_time);
        env.add_filter("status", status_filter);
        env.add_filter("source", source_filter);
        env.add_filter("fill", fill_filter);
        env
    })
}

fn page_lang(state: &minijinja::State) -> Lang {
    match state.lookup("lang").as_ref().and_then(|v| v.as_str()) {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    }
}

/// `{{ task.status|status }}`: a stored status in the page's language.
fn status_filter(state: &minijinja::State, stored: String) -> String {
    i18n::status_label(page_lang(state), &stored).map_or(stored, str::to_string)
}

/// `{{ fact.source|source }}`: a fact's stored source (手工, 导入, 共享,
/// 派生) in the page's language.
fn source_filter(state: &minijinja::State, stored: minijinja::Value) -> String {
    if stored.is_none() || stored.is_undefined() {
        return String::new();
    }
    let stored = stored.to_string();
    i18n::source_label(page_lang(state), &stored).map_or(stored, str::to_string)
}

/// `{{ tr.household_of|fill(head=name) }}`: a catalog sentence with data
/// put in its `{name}` places, each marked `translate="no"` so the page
/// says which words are data. Everything is escaped.
fn fill_filter(
    sentence: String,
    kwargs: minijinja::value::Kwargs,
) -> Result<minijinja::Value, minijinja::Error> {
    let mut out = html_escape(&sentence);
    for key in kwargs.args().map(str::to_string).collect::<Vec<_>>() {
        let value: minijinja::Value = kwargs.get(&key)?;
        let data = format!(
            "<span translate=\"no\">{}</span>",
            html_escape(&value.to_string())
        );
        out = out.replace(&format!("{{{key}}}"), &data);
    }
    kwargs.assert_all_used()?;
    Ok(minijinja::Value::from_safe_string(out))
}

/// Unix milliseconds in the deployment's time zone (setting `time_zone`).
pub fn fmt_time(ms: i64) -> String {
    jianfu_app::clock::format_ms(ms, "%Y-%m-%d %H:%M:%S")
}

/// Sets `prev_url` / `next_url` for a list shown `page` rows at a time from
/// `offset`; `link` builds the URL of another offset (keeping the filters).
pub fn insert_pager(
    data: &mut Map<String, Value>,
    offset: i64,
    page: i64,
    total: i64,
    link: impl Fn(i64) -> String,
) {
    let prev = (offset > 0).then(|| link((offset - page).max(0)));
    let next = (offset + page < total).then(|| link(offset + page));
    data.insert("prev_url".into(), json!(prev));
    data.insert("next_url".into(), json!(next));
}

/// The header's link to the other language: the same page with the same
/// query (a search, the page after sign-in), `lang` set to the other one.
fn lang_switch_url(ctx: &ReqCtx) -> String {
    let other = if ctx.lang == Lang::Zh { "en" } else { "zh" };
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(ctx.query.as_bytes()) {
        match &*k {
            "lang" => {}
            // Only a page of this site, as the sign-in form carries it.
            "next" => {
                q.append_pair("next", &crate::redirect::safe_next(Some(&v)));
            }
            _ => {
                q.append_pair(&k, &v);
            }
        }
    }
    q.append_pair("lang", other);
    format!("?{}", q.finish())
}

/// The context every page shares: strings, language, user and navigation.
pub fn base(ctx: &ReqCtx, session: Option<&Session>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("tr".into(), json!(i18n::catalog(ctx.lang)));
    m.insert("lang".into(), json!(ctx.lang.code()));
    m.insert("path".into(), json!(ctx.path));
    m.insert("lang_url".into(), json!(lang_switch_url(ctx)));
    if let Some(s) = session {
        let u = &s.user;
        let role_label = if ctx.lang == Lang::Zh {
            u.role.label_zh()
        } else {
            u.role.label_en()
        };
        m.insert(
            "user".into(),
            json!({
                "username": u.username,
                "display_name": u.display_name,
                "role": u.role.code(),
                "role_label": role_label,
                "unit_name": u.unit.name,
                "scope_name": u.scope.name,
                "scope_id": u.scope.id,
            }),
        );
        m.insert("csrf".into(), json!(u.csrf_token));
        m.insert(
            "nav".into(),
            json!({
                "org": true,
                "register": u.role.can_read_residents(),
                "users": u.role.can_manage_users(),
                "audit": u.role.can_read_audit(),
                "monitoring": !matches!(u.role, jianfu_core::role::Role::Grid | jianfu_core::role::Role::Admin),
                "direct": u.role != jianfu_core::role::Role::Admin,
                "surveys": u.role != jianfu_core::role::Role::Admin,
                "ratings": u.role != jianfu_core::role::Role::Admin,
            }),
        );
    }
    m
}

/// Renders a page; `data` starts from [`base`] plus the page's own fields.
pub fn render(
    name: &str,
    ctx: &ReqCtx,
    data: Map<String, Value>,
) -> Result<Html<String>, PageError> {
    let tpl = env().get_template(name).map_err(|e| {
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{}{name}: {e}", i18n::t(ctx.lang, "template_missing")),
            ctx.lang,
        )
    })?;
    tpl.render(Value::Object(data)).map(Html).map_err(|e| {
        tracing::error!(template = name, error = %e, "render failed");
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            i18n::t(ctx.lang, "render_failed"),
            ctx.lang,
        )
    })
}

tokio::task_local! {
    /// The request's session and context, set by the session middleware.
    pub static PAGE_CONTEXT: (Option<Session>, ReqCtx);
}

/// An error inside the normal page: navigation, the user's name, and a way
/// back to the form as it was filled (the browser keeps its fields).
pub fn error_page(lang: Lang, message: &str, detail: Option<&str>) -> String {
    let mut data = PAGE_CONTEXT
        .try_with(|(session, ctx)| {
            let ctx = ReqCtx {
                lang,
                ..ctx.clone()
            };
            base(&ctx, session.as_ref())
        })
        .unwrap_or_else(|_| {
            let ctx = ReqCtx {
                lang,
                ip: None,
                secure: false,
                path: String::new(),
                query: String::new(),
            };
            base(&ctx, None)
        });
    data.insert("message".into(), json!(message));
    data.insert("detail".into(), json!(detail));
    match env()
        .get_template("error.html")
        .and_then(|t| t.render(Value::Object(data)))
    {
        Ok(s) => s,
        Err(_) => format!(
            "<!doctype html><meta charset=utf-8><p>{}</p>",
            html_escape(message)
        ),
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_templates_compile() {
        let mut env = Environment::new();
        env.add_filter("time", fmt_time);
        env.add_filter("status", status_filter);
        env.add_filter("source", source_filter);
        env.add_filter("fill", fill_filter);
        for (name, src) in TEMPLATES {
            env.add_template(name, src)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    /// Words a person reads come from the catalogs: a template's own text
    /// holds no Chinese. Chinese may appear only where a template compares
    /// or sends a stored value (`{% if status == "草稿" %}`,
    /// `<option value="导入">`); `tests/english.rs` checks the pages.
    #[test]
    fn templates_have_no_chinese_text_of_their_own() {
        let is_cjk = |c: char| matches!(c, '\u{3000}'..='\u{303F}' | '\u{3400}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}');
        let mut bad = Vec::new();
        for (name, src) in TEMPLATES {
            let mut text = src.to_string();
            for (open, close) in [("{%", "%}"), ("{#", "#}"), ("value=\"", "\"")] {
                while let Some(start) = text.find(open) {
                    let Some(len) = text[start + open.len()..].find(close) else {
                        break;
                    };
                    text.replace_range(start..start + open.len() + len + close.len(), " ");
                }
            }
            for line in text.lines().filter(|l| l.chars().any(is_cjk)) {
                bad.push(format!("{name}: {}", line.trim()));
            }
        }
        assert!(
            bad.is_empty(),
            "Chinese text in templates:\n{}",
            bad.join("\n")
        );
    }

    /// The page's script says nothing of its own either: its messages come
    /// from the page (data-msg-*, data-confirm).
    #[test]
    fn the_script_has_no_chinese_strings() {
        let bad: Vec<&str> = include_str!("../assets/app.js")
            .lines()
            .map(|l| l.split("//").next().unwrap_or_default())
            .filter(|l| {
                l.chars()
                    .any(|c| matches!(c, '\u{3000}'..='\u{303F}' | '\u{3400}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}'))
            })
            .collect();
        assert!(bad.is_empty(), "{bad:?}");
    }

    #[test]
    fn time_is_china_standard_time() {
        assert_eq!(fmt_time(0), "1970-01-01 08:00:00");
    }

    #[test]
    fn fill_marks_data_and_escapes() {
        let mut env = Environment::new();
        env.add_filter("fill", fill_filter);
        let out = env
            .render_str(
                "{{ s|fill(head=h) }}",
                minijinja::context! { s => "Household of {head} & co", h => "<张三>" },
            )
            .unwrap();
        assert_eq!(
            out,
            "Household of <span translate=\"no\">&lt;张三&gt;</span> &amp; co"
        );
    }

    #[test]
    fn the_language_link_keeps_the_query() {
        let ctx = |lang, query: &str| ReqCtx {
            lang,
            ip: None,
            secure: false,
            path: "/login".into(),
            query: query.into(),
        };
        assert_eq!(lang_switch_url(&ctx(Lang::Zh, "")), "?lang=en");
        assert_eq!(
            lang_switch_url(&ctx(Lang::En, "next=%2Freports%2F3&lang=en")),
            "?next=%2Freports%2F3&lang=zh"
        );
        assert_eq!(
            lang_switch_url(&ctx(Lang::Zh, "next=/%09/evil.example")),
            "?next=%2F&lang=en"
        );
        assert_eq!(
            lang_switch_url(&ctx(Lang::Zh, "q=%E5%BC%A0&offset=50")),
            "?q=%E5%BC%A0&offset=50&lang=en"
        );
    }

    #[test]
    fn error_page_escapes() {
        let html = error_page(Lang::Zh, "<script>x</script>", Some("<b>"));
        assert!(!html.contains("<b>"));
        assert!(!html.contains("<script>x"));
    }
}
