//! The authorisation matrix: every route of the router, as every role of
//! the demo, against objects of another scope (大公馆社区's resident and
//! task, minzheng's report and admission, another community's unit, an
//! account of another community). For each request:
//! - no server error;
//! - the roles that must be refused are refused (403, or 404 where the
//!   object is hidden);
//! - every 403 leaves an `access.denied` entry for that account.
//!
//! The routes are read from the router's source, so a route added without
//! a line here fails the test.

mod common;

use common::{Backend, TestServer, PASSWORD};
use jianfu_app::accounts::AccountRequest;
use jianfu_core::role::Role;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

use common::DEMO_ACCOUNTS as ROLES;

/// Must not reach 大公馆's residents or tasks.
const NOT_DAGONGGUAN: &[&str] = &["minzhu", "minzhu-wg1", "minzheng", "renshe"];
const NOT_DAGONGGUAN_TASK: &[&str] = &["minzhu", "minzhu-wg1", "renshe"];
/// Must not act on minzheng's report or admission.
const NOT_MINZHENG: &[&str] = &["renshe", "minzhu", "dagongguan", "minzhu-wg1", "xiejiawan"];
/// Only the 减负办 tunes the gate.
const NOT_OFFICE: &[&str] = &[
    "minzheng",
    "renshe",
    "xiejiawan",
    "minzhu",
    "dagongguan",
    "minzhu-wg1",
];
/// Only the administrator manages accounts.
const NOT_ADMIN: &[&str] = &[
    "jianfuban",
    "quzhang",
    "minzheng",
    "renshe",
    "xiejiawan",
    "minzhu",
    "dagongguan",
    "minzhu-wg1",
];
/// Only the 减负办 edits the dictionary; the administrator does not.
const NOT_OFFICE_NOR_ADMIN: &[&str] = &[
    "admin",
    "minzheng",
    "renshe",
    "xiejiawan",
    "minzhu",
    "dagongguan",
    "minzhu-wg1",
];
/// Communities and grids do not design reports.
const NOT_DESIGNER: &[&str] = &["xiejiawan", "minzhu", "dagongguan", "minzhu-wg1"];
/// Departments and the office do not read the register's residents.
const NOT_RESIDENTS: &[&str] = &["minzheng", "renshe"];
const ANYONE: &[&str] = &[];
/// 直报: only grassroots accounts file one.
const NOT_REPORTER: &[&str] = &["admin", "jianfuban", "quzhang", "minzheng", "renshe"];
/// 直报: only the office and the department it is assigned to read one.
const NOT_REPORT_READER: &[&str] = &["xiejiawan", "minzhu", "dagongguan", "minzhu-wg1", "admin"];
/// 好差评: only a community's window records and reads its cases.
const NOT_WINDOW: &[&str] = &[
    "admin",
    "jianfuban",
    "quzhang",
    "minzheng",
    "renshe",
    "xiejiawan",
];
/// The ledger: grid workers and the administrator have none.
const NO_LEDGER: &[&str] = &["minzhu-wg1", "admin"];
/// Warnings: the office and departments only.
const NO_WARNINGS: &[&str] = &["xiejiawan", "minzhu", "dagongguan", "minzhu-wg1", "admin"];
const NOT_POINT: &[&str] = &[
    "admin",
    "jianfuban",
    "quzhang",
    "minzheng",
    "renshe",
    "xiejiawan",
    "minzhu",
    "minzhu-wg1",
];
const NOT_OFFICE_OR_ADMIN: &[&str] = &[
    "minzheng",
    "renshe",
    "xiejiawan",
    "minzhu",
    "dagongguan",
    "minzhu-wg1",
    "admin",
];

/// (method, path with named holes, roles that must be refused). A route
/// that needs no login or that ends the session is marked by `None`.
fn matrix() -> Vec<(&'static str, &'static str, Option<&'static [&'static str]>)> {
    vec![
        ("POST", "/api/v1/login", None),
        ("POST", "/api/v1/logout", None),
        ("GET", "/api/v1/me", Some(ANYONE)),
        ("GET", "/api/v1/org/units", Some(ANYONE)),
        (
            "GET",
            "/api/v1/org/units/{unit}",
            Some(&["minzhu", "minzhu-wg1"]),
        ),
        ("GET", "/api/v1/users", Some(NOT_ADMIN)),
        ("POST", "/api/v1/users", Some(NOT_ADMIN)),
        (
            "GET",
            "/api/v1/audit",
            Some(&["minzhu", "dagongguan", "minzhu-wg1"]),
        ),
        ("GET", "/api/v1/openapi.json", Some(ANYONE)),
        ("GET", "/api/v1/elements", Some(ANYONE)),
        ("GET", "/api/v1/elements/{code}", Some(ANYONE)),
        ("PUT", "/api/v1/elements/{code}", Some(NOT_OFFICE)),
        ("GET", "/api/v1/elements/{code}/versions", Some(ANYONE)),
        (
            "GET",
            "/api/v1/learned-aliases",
            Some(&[
                "minzheng",
                "renshe",
                "xiejiawan",
                "minzhu",
                "dagongguan",
                "minzhu-wg1",
            ]),
        ),
        (
            "DELETE",
            "/api/v1/learned-aliases/{missing}",
            Some(NOT_OFFICE),
        ),
        ("GET", "/api/v1/persons", Some(NOT_RESIDENTS)),
        ("GET", "/api/v1/persons/{person}", Some(NOT_DAGONGGUAN)),
        (
            "GET",
            "/api/v1/persons/{person}/history",
            Some(NOT_DAGONGGUAN),
        ),
        (
            "POST",
            "/api/v1/persons/{person}/move",
            Some(NOT_DAGONGGUAN),
        ),
        (
            "POST",
            "/api/v1/persons/{person}/reveal",
            Some(NOT_DAGONGGUAN),
        ),
        (
            "PUT",
            "/api/v1/persons/{person}/facts",
            Some(NOT_DAGONGGUAN),
        ),
        ("GET", "/api/v1/conflicts", Some(NOT_RESIDENTS)),
        ("POST", "/api/v1/conflicts/{missing}", Some(NOT_RESIDENTS)),
        ("GET", "/api/v1/merge-candidates", Some(NOT_RESIDENTS)),
        (
            "POST",
            "/api/v1/merge-candidates/{missing}",
            Some(NOT_RESIDENTS),
        ),
        ("POST", "/api/v1/imports", Some(NOT_RESIDENTS)),
        ("GET", "/api/v1/imports/rejected/{token}", Some(ANYONE)),
        ("GET", "/api/v1/places/{kind}", Some(NOT_RESIDENTS)),
        (
            "GET",
            "/api/v1/places/{kind}/{missing}",
            Some(NOT_RESIDENTS),
        ),
        ("POST", "/api/v1/templates/analyze", Some(NOT_DESIGNER)),
        ("POST", "/api/v1/forms/audit", Some(NOT_DESIGNER)),
        ("POST", "/api/v1/forms/audit.xlsx", Some(NOT_DESIGNER)),
        (
            "POST",
            "/api/v1/forms/proposals",
            Some(NOT_OFFICE_NOR_ADMIN),
        ),
        ("GET", "/api/v1/reports", Some(ANYONE)),
        ("POST", "/api/v1/reports", Some(NOT_DESIGNER)),
        (
            "GET",
            "/api/v1/reports/{report}",
            Some(&["renshe", "minzhu", "minzhu-wg1"]),
        ),
        (
            "POST",
            "/api/v1/reports/{report}/publish",
            Some(NOT_MINZHENG),
        ),
        (
            "POST",
            "/api/v1/reports/{report}/prefill",
            Some(NOT_MINZHENG),
        ),
        (
            "GET",
            "/api/v1/reports/{report}/consolidated",
            Some(&["renshe", "minzhu", "minzhu-wg1"]),
        ),
        (
            "GET",
            "/api/v1/reports/{report}/export/{format}",
            Some(&["renshe", "minzhu", "minzhu-wg1"]),
        ),
        (
            "POST",
            "/api/v1/reports/{report}/export-full/{format}",
            Some(NOT_MINZHENG),
        ),
        ("GET", "/api/v1/tasks", Some(ANYONE)),
        ("GET", "/api/v1/tasks/{task}", Some(NOT_DAGONGGUAN_TASK)),
        (
            "PUT",
            "/api/v1/tasks/{task}/cells",
            Some(NOT_DAGONGGUAN_TASK),
        ),
        (
            "POST",
            "/api/v1/tasks/{task}/rows",
            Some(NOT_DAGONGGUAN_TASK),
        ),
        (
            "GET",
            "/api/v1/tasks/{task}/households",
            // Only who may fill the task searches its households.
            Some(&[
                "minzhu",
                "minzhu-wg1",
                "renshe",
                "minzheng",
                "xiejiawan",
                "jianfuban",
                "quzhang",
                "admin",
            ]),
        ),
        (
            "POST",
            "/api/v1/tasks/{task}/submit",
            Some(NOT_DAGONGGUAN_TASK),
        ),
        (
            "POST",
            "/api/v1/tasks/{task}/withdraw",
            Some(NOT_DAGONGGUAN_TASK),
        ),
        (
            "POST",
            "/api/v1/tasks/{task}/return",
            Some(NOT_DAGONGGUAN_TASK),
        ),
        (
            "POST",
            "/api/v1/tasks/{task}/accept",
            Some(NOT_DAGONGGUAN_TASK),
        ),
        (
            "GET",
            "/api/v1/tasks/{task}/export/{format}",
            Some(NOT_DAGONGGUAN_TASK),
        ),
        ("GET", "/api/v1/admissions", Some(ANYONE)),
        ("POST", "/api/v1/admissions", Some(NOT_DESIGNER)),
        (
            "GET",
            "/api/v1/admissions/{admission}",
            Some(&["renshe", "minzhu", "minzhu-wg1"]),
        ),
        ("PUT", "/api/v1/admissions/{admission}", Some(NOT_MINZHENG)),
        (
            "POST",
            "/api/v1/admissions/{admission}/decide",
            Some(NOT_MINZHENG),
        ),
        (
            "POST",
            "/api/v1/admissions/{admission}/override",
            Some(NOT_OFFICE),
        ),
        (
            "GET",
            "/api/v1/admissions/{admission}/assessment.xlsx",
            Some(&["renshe", "minzhu", "minzhu-wg1"]),
        ),
        ("GET", "/api/v1/admission-caps", Some(ANYONE)),
        ("PUT", "/api/v1/admission-caps", Some(NOT_OFFICE)),
        ("GET", "/api/v1/admission-settings", Some(ANYONE)),
        ("PUT", "/api/v1/admission-settings", Some(NOT_OFFICE)),
        ("GET", "/api/v1/duty-items", Some(ANYONE)),
        ("POST", "/api/v1/duty-items", Some(NOT_OFFICE)),
        ("DELETE", "/api/v1/duty-items/{missing}", Some(NOT_OFFICE)),
        ("GET", "/api/v1/direct-reports", Some(NOT_REPORT_READER)),
        ("POST", "/api/v1/direct-reports", Some(NOT_REPORTER)),
        ("POST", "/api/v1/direct-reports/follow", None),
        ("POST", "/api/v1/direct-reports/follow/messages", None),
        ("POST", "/api/v1/direct-reports/follow/rating", None),
        (
            "PUT",
            "/api/v1/direct-reports/public-form",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        (
            "GET",
            "/api/v1/direct-reports/{missing}",
            Some(NOT_REPORT_READER),
        ),
        (
            "POST",
            "/api/v1/direct-reports/{missing}/steps",
            Some(NOT_REPORT_READER),
        ),
        (
            "POST",
            "/api/v1/direct-reports/{missing}/publish",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        (
            "DELETE",
            "/api/v1/direct-reports/{missing}/publish",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        (
            "GET",
            "/api/v1/direct-reports/{missing}/files/{missing}",
            Some(NOT_REPORT_READER),
        ),
        ("GET", "/api/v1/service-cases", Some(NOT_WINDOW)),
        ("POST", "/api/v1/service-cases", Some(NOT_WINDOW)),
        (
            "GET",
            "/api/v1/bad-ratings",
            Some(&["admin", "minzheng", "renshe"]),
        ),
        ("POST", "/api/v1/bad-ratings/{missing}/steps", Some(ANYONE)),
        ("GET", "/api/v1/public/ratings/{missing}", None),
        ("POST", "/api/v1/public/ratings/{missing}", None),
        ("GET", "/api/v1/public/rating-overview", None),
        ("GET", "/api/v1/survey-templates", Some(NOT_OFFICE)),
        (
            "PUT",
            "/api/v1/survey-templates/{missing}",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        ("GET", "/api/v1/survey-rounds", Some(ANYONE)),
        ("POST", "/api/v1/survey-rounds", Some(NOT_OFFICE_OR_ADMIN)),
        ("GET", "/api/v1/survey-rounds/{missing}/form", Some(ANYONE)),
        (
            "POST",
            "/api/v1/survey-rounds/{missing}/answers",
            Some(ANYONE),
        ),
        (
            "POST",
            "/api/v1/survey-rounds/{missing}/close",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        (
            "GET",
            "/api/v1/survey-rounds/{missing}/results",
            Some(ANYONE),
        ),
        (
            "GET",
            "/api/v1/survey-rounds/{missing}/results/{missing}",
            Some(ANYONE),
        ),
        (
            "GET",
            "/api/v1/survey-rounds/{missing}/export.xlsx",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        ("POST", "/api/v1/public/direct-reports", None),
        ("GET", "/api/v1/typical-cases", Some(ANYONE)),
        ("GET", "/api/v1/public/admissions/{number}", None),
        ("GET", "/api/v1/ledger", Some(NO_LEDGER)),
        ("GET", "/api/v1/ledger/lines", Some(NO_LEDGER)),
        ("GET", "/api/v1/ledger/export.xlsx", Some(NO_LEDGER)),
        ("GET", "/api/v1/ledger/annual", Some(NO_LEDGER)),
        ("GET", "/api/v1/ledger/annual.xlsx", Some(NO_LEDGER)),
        (
            "GET",
            "/api/v1/monitoring-settings",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        (
            "PUT",
            "/api/v1/monitoring-settings",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        ("GET", "/api/v1/warnings", Some(NO_WARNINGS)),
        ("POST", "/api/v1/warnings/run", Some(NOT_OFFICE_OR_ADMIN)),
        ("GET", "/api/v1/warnings/{missing}", Some(ANYONE)),
        ("POST", "/api/v1/warnings/{missing}/step", Some(ANYONE)),
        (
            "GET",
            "/api/v1/monitoring-points",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        (
            "PUT",
            "/api/v1/monitoring-points/{unit}",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        (
            "POST",
            "/api/v1/monitoring-points/{unit}/remind",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        // Only a monitoring point confirms: the matrix makes 大公馆 one
        // (PUT monitoring-points/{unit}) and no other unit.
        ("GET", "/api/v1/confirmations/{month}", Some(NOT_POINT)),
        ("PUT", "/api/v1/confirmations/{month}", Some(NOT_POINT)),
        ("GET", "/", Some(ANYONE)),
        ("GET", "/login", None),
        ("POST", "/login", None),
        ("POST", "/logout", None),
        ("GET", "/org", Some(ANYONE)),
        ("GET", "/org/{unit}", Some(&["minzhu", "minzhu-wg1"])),
        ("GET", "/admin/users", Some(NOT_ADMIN)),
        ("POST", "/admin/users", Some(NOT_ADMIN)),
        ("POST", "/admin/users/{user}/disable", Some(NOT_ADMIN)),
        ("POST", "/admin/users/{user}/enable", Some(NOT_ADMIN)),
        ("POST", "/admin/users/{user}/password", Some(NOT_ADMIN)),
        (
            "GET",
            "/audit",
            Some(&["minzhu", "dagongguan", "minzhu-wg1"]),
        ),
        ("GET", "/dictionary", Some(ANYONE)),
        ("GET", "/dictionary/{code}", Some(ANYONE)),
        ("POST", "/dictionary/{code}", Some(NOT_OFFICE)),
        ("GET", "/register", Some(NOT_RESIDENTS)),
        ("GET", "/register/persons/{person}", Some(NOT_DAGONGGUAN)),
        ("GET", "/register/households", Some(NOT_RESIDENTS)),
        (
            "GET",
            "/register/households/{household}",
            Some(NOT_DAGONGGUAN),
        ),
        ("GET", "/register/places/{kind}", Some(NOT_RESIDENTS)),
        (
            "GET",
            "/register/places/{kind}/{missing}",
            Some(NOT_RESIDENTS),
        ),
        (
            "POST",
            "/register/persons/{person}/reveal",
            Some(NOT_DAGONGGUAN),
        ),
        (
            "POST",
            "/register/persons/{person}/facts",
            Some(NOT_DAGONGGUAN),
        ),
        (
            "POST",
            "/register/persons/{person}/move",
            Some(NOT_DAGONGGUAN),
        ),
        ("GET", "/register/import", Some(NOT_RESIDENTS)),
        ("POST", "/register/import", Some(NOT_RESIDENTS)),
        ("POST", "/register/import/{token}", Some(NOT_RESIDENTS)),
        ("GET", "/register/import/rejected/{token}", Some(ANYONE)),
        ("GET", "/register/conflicts", Some(NOT_RESIDENTS)),
        ("POST", "/register/conflicts/{missing}", Some(NOT_RESIDENTS)),
        ("POST", "/register/merges/{missing}", Some(NOT_RESIDENTS)),
        ("GET", "/reports", Some(ANYONE)),
        ("GET", "/reports/new", Some(ANYONE)),
        ("POST", "/reports/new", Some(NOT_DESIGNER)),
        ("POST", "/reports/create", Some(NOT_DESIGNER)),
        ("GET", "/reports/audit", Some(NOT_DESIGNER)),
        ("POST", "/reports/audit", Some(NOT_DESIGNER)),
        ("POST", "/reports/audit.xlsx", Some(NOT_DESIGNER)),
        ("POST", "/reports/audit/accept", Some(NOT_OFFICE_NOR_ADMIN)),
        ("GET", "/reports/audit/download/{missing}", Some(ANYONE)),
        (
            "GET",
            "/reports/{report}",
            Some(&["renshe", "minzhu", "minzhu-wg1"]),
        ),
        ("POST", "/reports/{report}/publish", Some(NOT_MINZHENG)),
        ("GET", "/reports/{report}/edit", Some(NOT_MINZHENG)),
        ("POST", "/reports/{report}/edit", Some(NOT_MINZHENG)),
        (
            "GET",
            "/reports/{report}/export/{format}",
            Some(&["renshe", "minzhu", "minzhu-wg1"]),
        ),
        ("POST", "/reports/{report}/export-full", Some(NOT_MINZHENG)),
        ("GET", "/monitoring", Some(NO_LEDGER)),
        ("GET", "/monitoring/lines", Some(NO_LEDGER)),
        ("GET", "/monitoring/export.xlsx", Some(NO_LEDGER)),
        ("GET", "/monitoring/annual", Some(NO_LEDGER)),
        ("GET", "/monitoring/annual.xlsx", Some(NO_LEDGER)),
        ("GET", "/monitoring/settings", Some(NOT_OFFICE_OR_ADMIN)),
        ("POST", "/monitoring/settings", Some(NOT_OFFICE_OR_ADMIN)),
        ("GET", "/monitoring/warnings", Some(NO_WARNINGS)),
        (
            "POST",
            "/monitoring/warnings/run",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        ("GET", "/monitoring/warnings/{missing}", Some(ANYONE)),
        ("POST", "/monitoring/warnings/{missing}/step", Some(ANYONE)),
        ("GET", "/monitoring/points", Some(NOT_OFFICE_OR_ADMIN)),
        ("POST", "/monitoring/points", Some(NOT_OFFICE_OR_ADMIN)),
        (
            "POST",
            "/monitoring/points/{unit}/remind",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        ("GET", "/monitoring/confirm", Some(NOT_POINT)),
        ("POST", "/monitoring/confirm", Some(NOT_POINT)),
        ("GET", "/tasks/{task}", Some(NOT_DAGONGGUAN_TASK)),
        ("POST", "/tasks/{task}/submit", Some(NOT_DAGONGGUAN_TASK)),
        ("POST", "/tasks/{task}/withdraw", Some(NOT_DAGONGGUAN_TASK)),
        ("POST", "/tasks/{task}/review", Some(NOT_DAGONGGUAN_TASK)),
        (
            "GET",
            "/tasks/{task}/export/{format}",
            Some(NOT_DAGONGGUAN_TASK),
        ),
        ("GET", "/admissions", Some(ANYONE)),
        ("POST", "/admissions", Some(NOT_DESIGNER)),
        ("GET", "/admissions/caps", Some(ANYONE)),
        ("POST", "/admissions/caps", Some(NOT_OFFICE)),
        ("GET", "/admissions/settings", Some(ANYONE)),
        ("POST", "/admissions/settings", Some(NOT_OFFICE)),
        ("POST", "/admissions/duty-items", Some(NOT_OFFICE)),
        (
            "POST",
            "/admissions/duty-items/{missing}/remove",
            Some(NOT_OFFICE),
        ),
        (
            "GET",
            "/admissions/{admission}",
            Some(&["renshe", "minzhu", "minzhu-wg1"]),
        ),
        ("POST", "/admissions/{admission}/decide", Some(NOT_MINZHENG)),
        ("POST", "/admissions/{admission}/override", Some(NOT_OFFICE)),
        (
            "GET",
            "/admissions/{admission}/assessment.xlsx",
            Some(&["renshe", "minzhu", "minzhu-wg1"]),
        ),
        ("GET", "/zhibao", Some(ANYONE)),
        ("GET", "/zhibao/new", Some(NOT_REPORTER)),
        ("POST", "/zhibao/new", Some(NOT_REPORTER)),
        ("GET", "/zhibao/public", None),
        ("POST", "/zhibao/public", None),
        ("GET", "/zhibao/follow", None),
        ("POST", "/zhibao/follow", None),
        ("POST", "/zhibao/follow/add", None),
        ("POST", "/zhibao/follow/rate", None),
        ("GET", "/zhibao/cases", Some(ANYONE)),
        ("GET", "/haochaping", Some(ANYONE)),
        ("GET", "/haochaping/public", None),
        ("POST", "/haochaping/cases", Some(NOT_WINDOW)),
        ("GET", "/haochaping/cases/{missing}", Some(NOT_WINDOW)),
        (
            "GET",
            "/haochaping/cases/{missing}/qr.svg",
            Some(NOT_WINDOW),
        ),
        ("POST", "/haochaping/bad/{missing}/step", Some(ANYONE)),
        ("GET", "/pj/{missing}", None),
        ("POST", "/pj/{missing}", None),
        ("GET", "/pingjia", Some(ANYONE)),
        ("POST", "/pingjia/rounds", Some(NOT_OFFICE_OR_ADMIN)),
        ("POST", "/pingjia/templates/{missing}", Some(NOT_OFFICE)),
        ("GET", "/pingjia/{missing}", Some(ANYONE)),
        ("POST", "/pingjia/{missing}/answer", Some(ANYONE)),
        (
            "POST",
            "/pingjia/{missing}/close",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        ("GET", "/pingjia/{missing}/results", Some(ANYONE)),
        ("POST", "/zhibao/public-form", Some(NOT_OFFICE_OR_ADMIN)),
        ("GET", "/zhibao/{missing}", Some(NOT_REPORT_READER)),
        ("POST", "/zhibao/{missing}/step", Some(NOT_REPORT_READER)),
        (
            "POST",
            "/zhibao/{missing}/publish",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        (
            "POST",
            "/zhibao/{missing}/withdraw-case",
            Some(NOT_OFFICE_OR_ADMIN),
        ),
        (
            "GET",
            "/zhibao/{missing}/files/{missing}",
            Some(NOT_REPORT_READER),
        ),
        ("GET", "/check", None),
        ("GET", "/static/app.css", None),
        ("GET", "/static/app.js", None),
    ]
}

/// A well-formed body for the routes that take one, so that what answers
/// is the authorisation check, not the body's parser. A route that takes a
/// body not given here may also answer 400/422 to a role that must be
/// refused: it was stopped before it touched anything, but that says
/// nothing about its scope check.
fn body(method: &str, path: &str, report_def: &Value) -> Option<Value> {
    Some(match (method, path) {
        // Moving within its own community changes nothing, whoever asks.
        ("POST", "/api/v1/persons/{person}/move") => json!({"community": "500107003004"}),
        ("POST", "/api/v1/persons/{person}/reveal") => json!({"element": "person.id_number"}),
        ("PUT", "/api/v1/persons/{person}/facts") => {
            json!({"element": "person.remarks", "value": "矩阵测试"})
        }
        ("POST", "/api/v1/conflicts/{missing}")
        | ("POST", "/api/v1/merge-candidates/{missing}") => {
            json!({"accept": true})
        }
        ("POST", "/api/v1/forms/proposals") => {
            json!({"code": "new.ju_zhen_ce_shi", "name": "矩阵测试项", "entity": "person"})
        }
        ("POST", "/api/v1/reports") => json!({"definition": report_def, "frequency": "monthly",
            "period": "2026年12月", "deadline": "2026-12-30", "targets": []}),
        ("POST", "/api/v1/reports/{report}/export-full/{format}") => {
            json!({"purpose": "核对低保名单"})
        }
        ("PUT", "/api/v1/tasks/{task}/cells") => json!({"row": "1", "col": 1, "value": "1"}),
        ("POST", "/api/v1/tasks/{task}/rows") => {
            json!({"id_number": "11010519491231002X", "name": "矩阵"})
        }
        ("POST", "/api/v1/tasks/{task}/return") => json!({"comment": "请补充"}),
        ("POST", "/api/v1/admissions") | ("PUT", "/api/v1/admissions/{admission}") => {
            json!({"title": "挂牌", "details": {"kind": "plaque", "name": "矩阵牌"}})
        }
        ("POST", "/api/v1/admissions/{admission}/decide") => json!({"action": "submit"}),
        ("POST", "/api/v1/admissions/{admission}/override") => {
            json!({"reason": "经区领导同意"})
        }
        ("PUT", "/api/v1/admission-caps") => {
            json!({"year": 2026, "department_id": 1, "kind": "meeting", "max_count": 1})
        }
        ("POST", "/api/v1/duty-items") => json!({"name": "矩阵事项"}),
        ("POST", "/api/v1/warnings/{missing}/step") => {
            json!({"action": "answer", "answer": "矩阵"})
        }
        ("PUT", "/api/v1/monitoring-points/{unit}") => json!({"contact": "矩阵联系人"}),
        ("PUT", "/api/v1/confirmations/{month}") => json!({"estimate_hours": 1}),
        ("PUT", "/api/v1/monitoring-settings") => json!({"answer_working_days": 10}),
        ("POST", "/api/v1/direct-reports") => json!({"category": "other", "department": "矩阵局",
            "happened_on": jianfu_app::today().to_string(), "demand": "矩阵测试", "minutes": 1}),
        ("POST", "/api/v1/direct-reports/{missing}/steps") => json!({"action": "accept"}),
        ("POST", "/api/v1/direct-reports/{missing}/publish") => {
            json!({"title": "矩阵", "body": "矩阵测试"})
        }
        ("PUT", "/api/v1/direct-reports/public-form") => json!({"open": false}),
        ("PUT", "/api/v1/survey-templates/{missing}") => json!({"name": "矩阵", "questions": []}),
        ("POST", "/api/v1/survey-rounds") => json!({"template": "perception", "title": "矩阵",
            "roles": ["community"], "period_from": "2026-01-01", "period_to": "2026-03-31",
            "opens_on": "2026-04-01", "closes_on": "2026-04-10"}),
        ("POST", "/api/v1/survey-rounds/{missing}/answers") => json!({"subject": 0, "answers": {}}),
        ("POST", "/api/v1/service-cases") => json!({"service": "other", "case_no": "矩阵-1"}),
        ("POST", "/api/v1/bad-ratings/{missing}/steps") => {
            json!({"action": "callback", "note": "矩阵"})
        }
        _ => return None,
    })
}

/// (method, path) of every `.route(...)` in a router source file, holes
/// written `{}`.
fn routes_in(source: &str, prefix: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut at = 0;
    while let Some(i) = source[at..].find(".route(") {
        let start = at + i + ".route(".len();
        let (mut depth, mut end) = (1, start);
        for (k, c) in source[start..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = start + k;
                break;
            }
        }
        let seg = &source[start..end];
        let path = seg.split('"').nth(1).unwrap_or_default();
        for m in ["get", "post", "put", "delete", "patch"] {
            let call = format!("{m}(");
            if seg.match_indices(&call).any(|(k, _)| {
                k == 0 || !seg[..k].ends_with(|c: char| c.is_alphanumeric() || c == '_')
            }) {
                out.insert((m.to_uppercase(), holes(&format!("{prefix}{path}"))));
            }
        }
        at = end;
    }
    out
}

fn holes(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if inside => {}
            _ => out.push(c),
        }
    }
    out
}

#[test]
fn every_route_has_a_matrix_line() {
    let mut routed = routes_in(include_str!("../src/api/mod.rs"), "/api/v1");
    routed.extend(routes_in(include_str!("../src/pages/mod.rs"), ""));
    let listed: BTreeSet<(String, String)> = matrix()
        .into_iter()
        .map(|(m, p, _)| (m.to_string(), holes(p)))
        .collect();
    let missing: Vec<_> = routed.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "routes without a matrix line: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&routed).collect();
    assert!(stale.is_empty(), "matrix lines without a route: {stale:?}");
}

async fn denials(s: &TestServer, who: &str) -> usize {
    s.audit("access.denied", who).await.len()
}

async fn every_route_refuses_other_scopes_and_audits_it(b: Backend) {
    let s = TestServer::start(b).await;
    // Objects of another scope: a resident of 大公馆社区, minzheng's report
    // published to 大公馆 alone and its task there, its admission.
    let p = s.first_resident("500107003004").await;
    let dagongguan = s.unit_id("500107003004").await;
    let (dept, dcsrf) = s.login("minzheng").await;
    let def = json!({
        "title": "矩阵测试统计表", "kind": "statistical", "entity": "person",
        "columns": [
            {"path": ["单位"], "source": {"type": "row_label"}, "left": 0, "right": 0},
            {"path": ["人数"], "source": {"type": "count"}, "left": 0, "right": 0}
        ],
        "layout": {"header": [], "merges": []}
    });
    let created: Value = dept
        .post(s.url("/api/v1/reports"))
        .header("x-csrf-token", &dcsrf)
        .json(
            &json!({"definition": &def, "frequency": "monthly", "period": "2026年12月",
                       "deadline": "2026-12-30", "targets": [dagongguan]}),
        )
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let report = created["id"].as_i64().expect("report id");
    let number = s.admit_report(report).await;
    let r = dept
        .post(s.url(&format!("/api/v1/reports/{report}/publish")))
        .header("x-csrf-token", &dcsrf)
        .send()
        .await
        .expect("publish");
    assert!(
        r.status().is_success(),
        "{}",
        r.text().await.unwrap_or_default()
    );
    let (dg, _) = s.login("dagongguan").await;
    let tasks: Value = dg
        .get(s.url("/api/v1/tasks"))
        .send()
        .await
        .expect("tasks")
        .json()
        .await
        .expect("json");
    let task = tasks["tasks"]
        .as_array()
        .and_then(|t| {
            t.iter()
                .find(|t| t["report_id"] == report || t["report"] == report)
        })
        .or_else(|| tasks["tasks"].get(0))
        .and_then(|t| t["id"].as_i64())
        .expect("a task in 大公馆");
    let admissions: Value = dept
        .get(s.url("/api/v1/admissions"))
        .send()
        .await
        .expect("admissions")
        .json()
        .await
        .expect("json");
    let admission = admissions["admissions"][0]["id"]
        .as_i64()
        .expect("admission");
    let target_user = s
        .app
        .create_account(
            None,
            &AccountRequest {
                username: "matrix-target".into(),
                display_name: "矩阵测试".into(),
                password: PASSWORD.into(),
                role: Role::Community,
                unit_id: dagongguan,
            },
        )
        .await
        .expect("account");
    let holes: BTreeMap<&str, String> = [
        ("person", p.id.to_string()),
        ("household", p.household_id.unwrap_or(p.id).to_string()),
        ("report", report.to_string()),
        ("task", task.to_string()),
        ("admission", admission.to_string()),
        ("unit", dagongguan.to_string()),
        ("user", target_user.to_string()),
        ("code", "person.name".to_string()),
        ("format", "csv".to_string()),
        ("kind", "organization".to_string()),
        ("token", "no-such-token".to_string()),
        ("missing", "999999".to_string()),
        ("month", jianfu_app::today().format("%Y-%m").to_string()),
        ("number", number),
    ]
    .into_iter()
    .collect();
    let fill = |path: &str| {
        let mut out = path.to_string();
        for (k, v) in &holes {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    };

    let mut sessions = Vec::new();
    for who in ROLES {
        let (c, csrf) = s.login(who).await;
        sessions.push((who, c, csrf));
    }
    let mut failures = Vec::new();
    for (method, path, refuse) in matrix() {
        let Some(refuse) = refuse else { continue };
        let url = s.url(&fill(path));
        let given = body(method, path, &def);
        for (who, c, csrf) in &sessions {
            let before = denials(&s, who).await;
            let req = match method {
                "GET" => c.get(&url),
                "DELETE" => c.delete(&url).header("x-csrf-token", csrf),
                m => {
                    let b = if m == "PUT" {
                        c.put(&url)
                    } else {
                        c.post(&url)
                    };
                    if path.starts_with("/api/") {
                        b.header("x-csrf-token", csrf)
                            .json(&given.clone().unwrap_or_else(|| json!({})))
                    } else {
                        b.form(&[("_csrf", csrf.as_str())])
                    }
                }
            };
            let status = req.send().await.expect("request").status().as_u16();
            let after = denials(&s, who).await;
            if status >= 500 {
                failures.push(format!("{method} {path} as {who}: {status}"));
            }
            let stopped_by_body = given.is_none() && method != "GET" && matches!(status, 400 | 422);
            if refuse.contains(who) && !matches!(status, 403 | 404) && !stopped_by_body {
                failures.push(format!(
                    "{method} {path} as {who}: {status}, must be refused"
                ));
            }
            if status == 403 && after <= before {
                failures.push(format!("{method} {path} as {who}: 403 not audited"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

on_both_backends!(every_route_refuses_other_scopes_and_audits_it);

/// Every API route is documented in openapi.json with its method, and the
/// document names no route that does not exist.
#[test]
fn every_api_route_is_in_openapi() {
    let routed = routes_in(include_str!("../src/api/mod.rs"), "");
    let spec: Value =
        serde_json::from_str(include_str!("../src/api/openapi.json")).expect("openapi.json");
    let mut documented = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            documented.insert((method.to_uppercase(), holes(path)));
        }
    }
    let missing: Vec<_> = routed.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes not in openapi.json: {missing:?}"
    );
    let stale: Vec<_> = documented.difference(&routed).collect();
    assert!(
        stale.is_empty(),
        "openapi.json paths without a route: {stale:?}"
    );
}
