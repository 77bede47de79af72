//! HTML pages.

mod admin_users;
mod admissions;
mod audit_log;
mod dictionary;
mod direct_reports;
mod forms_audit;
mod haochaping;
mod home;
mod login;
mod monitoring;
mod monitoring_reports;
pub use monitoring_reports::year_param;
mod org;
mod register;
mod report_design;
mod reports;
mod surveys;

use crate::context::ReqCtx;
use crate::errors::PageError;
use crate::i18n;
use crate::AppState;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use jianfu_store::OrgUnit;
use serde_json::{json, Value};

use crate::i18n::Lang;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/org", get(org::tree))
        .route("/org/{id}", get(org::unit))
        .route(
            "/admin/users",
            get(admin_users::list).post(admin_users::create),
        )
        .route("/admin/users/{id}/disable", post(admin_users::disable))
        .route("/admin/users/{id}/enable", post(admin_users::enable))
        .route("/admin/users/{id}/password", post(admin_users::password))
        .route("/audit", get(audit_log::list))
        .route("/dictionary", get(dictionary::list))
        .route(
            "/dictionary/{code}",
            get(dictionary::detail).post(dictionary::save),
        )
        .route("/register", get(register::list))
        .route("/register/persons/{id}", get(register::person))
        .route("/register/households", get(register::households))
        .route("/register/households/{id}", get(register::household))
        .route("/register/places/{kind}", get(register::places))
        .route("/register/places/{kind}/{id}", get(register::place))
        .route("/register/persons/{id}/reveal", post(register::reveal))
        .route("/register/persons/{id}/facts", post(register::set_fact))
        .route("/register/persons/{id}/move", post(register::move_person))
        .route(
            "/register/import",
            get(register::import_form)
                .post(register::import_upload)
                .layer(crate::uploads::upload_limit()),
        )
        .route("/register/import/{token}", post(register::import_confirm))
        .route("/register/import/rejected/{token}", get(register::rejected))
        .route("/register/conflicts", get(register::conflicts))
        .route("/register/conflicts/{id}", post(register::resolve))
        .route("/register/merges/{id}", post(register::decide_merge))
        .route("/reports", get(reports::list))
        .route(
            "/reports/new",
            // Reloading the mapping page (F5) asks for it by GET: go back
            // to the upload form rather than answer 405.
            get(|| async { axum::response::Redirect::to("/reports") })
                .post(report_design::upload)
                .layer(crate::uploads::upload_limit()),
        )
        .route("/reports/create", post(report_design::create))
        .route(
            "/reports/audit",
            get(forms_audit::show)
                .post(forms_audit::analyze)
                .layer(crate::uploads::upload_limit()),
        )
        .route(
            "/reports/audit.xlsx",
            post(forms_audit::export).layer(crate::uploads::upload_limit()),
        )
        .route("/reports/audit/accept", post(forms_audit::accept))
        .route(
            "/reports/audit/download/{token}",
            get(forms_audit::download),
        )
        .route(
            "/reports/{id}/edit",
            get(report_design::edit_form).post(report_design::edit),
        )
        .route("/reports/{id}", get(reports::detail))
        .route("/reports/{id}/publish", post(reports::publish))
        .route("/reports/{id}/export/{format}", get(reports::export_report))
        .route(
            "/reports/{id}/export-full",
            post(reports::export_report_full),
        )
        .route("/tasks/{id}", get(reports::task))
        .route("/tasks/{id}/submit", post(reports::submit))
        .route("/tasks/{id}/withdraw", post(reports::withdraw))
        .route("/tasks/{id}/review", post(reports::review))
        .route("/tasks/{id}/export/{format}", get(reports::export_task))
        .route(
            "/admissions",
            get(admissions::list).post(admissions::create),
        )
        .route(
            "/admissions/caps",
            get(admissions::caps).post(admissions::set_cap),
        )
        .route(
            "/admissions/settings",
            get(admissions::settings).post(admissions::save_settings),
        )
        .route("/admissions/duty-items", post(admissions::add_duty_item))
        .route(
            "/admissions/duty-items/{id}/remove",
            post(admissions::remove_duty_item),
        )
        .route("/admissions/{id}", get(admissions::detail))
        .route("/admissions/{id}/decide", post(admissions::decide))
        .route("/admissions/{id}/override", post(admissions::override_cap))
        .route(
            "/admissions/{id}/assessment.xlsx",
            get(admissions::assessment_xlsx),
        )
        .route("/monitoring", get(monitoring::dashboard))
        .route("/monitoring/lines", get(monitoring::lines))
        .route(
            "/monitoring/export.xlsx",
            get(monitoring_reports::dashboard_xlsx),
        )
        .route("/monitoring/annual", get(monitoring_reports::annual))
        .route(
            "/monitoring/annual.xlsx",
            get(monitoring_reports::annual_xlsx),
        )
        .route(
            "/monitoring/settings",
            get(monitoring_reports::settings).post(monitoring_reports::save_settings),
        )
        .route("/monitoring/warnings", get(monitoring::warnings))
        .route("/monitoring/warnings/run", post(monitoring::run_rules))
        .route("/monitoring/warnings/{id}", get(monitoring::warning))
        .route(
            "/monitoring/warnings/{id}/step",
            post(monitoring::warning_step),
        )
        .route(
            "/monitoring/points",
            get(monitoring::points).post(monitoring::designate),
        )
        .route("/monitoring/points/{unit}/remind", post(monitoring::remind))
        .route(
            "/monitoring/confirm",
            get(monitoring::confirm_form).post(monitoring::confirm),
        )
        .route("/haochaping", get(haochaping::index))
        .route("/haochaping/public", get(haochaping::public))
        .route("/haochaping/cases", post(haochaping::record))
        .route("/haochaping/cases/{id}", get(haochaping::case))
        .route("/haochaping/cases/{id}/qr.svg", get(haochaping::case_qr))
        .route("/haochaping/bad/{id}/step", post(haochaping::step))
        .route(
            "/pj/{token}",
            get(haochaping::rating_page).post(haochaping::rate),
        )
        .route("/pingjia", get(surveys::index))
        .route("/pingjia/rounds", post(surveys::create))
        .route("/pingjia/templates/{code}", post(surveys::save_template))
        .route("/pingjia/{id}", get(surveys::round))
        .route("/pingjia/{id}/answer", post(surveys::answer))
        .route("/pingjia/{id}/close", post(surveys::close))
        .route("/pingjia/{id}/results", get(surveys::results))
        .route("/zhibao", get(direct_reports::index))
        .route(
            "/zhibao/new",
            get(direct_reports::new_form)
                .post(direct_reports::file)
                .layer(crate::uploads::upload_limit()),
        )
        .route(
            "/zhibao/public",
            get(direct_reports::public_form)
                .post(direct_reports::file_public)
                .layer(crate::uploads::upload_limit()),
        )
        .route(
            "/zhibao/follow",
            get(direct_reports::follow_form).post(direct_reports::follow),
        )
        .route("/zhibao/follow/add", post(direct_reports::follow_add))
        .route("/zhibao/follow/rate", post(direct_reports::follow_rate))
        .route("/zhibao/cases", get(direct_reports::cases))
        .route(
            "/zhibao/public-form",
            post(direct_reports::toggle_public_form),
        )
        .route("/zhibao/{id}", get(direct_reports::detail))
        .route("/zhibao/{id}/step", post(direct_reports::step))
        .route("/zhibao/{id}/publish", post(direct_reports::publish))
        .route(
            "/zhibao/{id}/withdraw-case",
            post(direct_reports::withdraw_case),
        )
        .route(
            "/zhibao/{id}/files/{position}",
            get(direct_reports::evidence),
        )
        .route("/check", get(admissions::check))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        // Both last: the method fallback applies to the routes added before.
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found(ctx: ReqCtx) -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        i18n::t(ctx.lang, "not_found"),
        ctx.lang,
    )
}

async fn method_not_allowed(ctx: ReqCtx) -> PageError {
    PageError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        i18n::t(ctx.lang, "method_not_allowed"),
        ctx.lang,
    )
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../../assets/app.css"),
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../../assets/app.js"),
    )
}

/// A unit as pages show it.
pub fn unit_view(u: &OrgUnit, lang: Lang) -> Value {
    let kind_label = u
        .kind()
        .map(|k| {
            if lang == Lang::Zh {
                k.label_zh()
            } else {
                k.label_en()
            }
        })
        .unwrap_or("");
    json!({
        "id": u.id,
        "code": u.code,
        "name": u.name,
        "short_name": u.short_name,
        "kind": u.kind,
        "kind_label": kind_label,
    })
}
