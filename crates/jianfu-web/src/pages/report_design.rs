//! Designing a report: the proposal from an uploaded template, ready to
//! correct and save as a draft, and the same form to edit a draft later.
//! Each column's element is picked by name, alias or pinyin initials (a
//! `<datalist>` of the dictionary), and the filter's variables are listed
//! beside the filter box with their names and values.

use super::reports::source_code;
use crate::api::reports::read_upload;
use crate::context::{ReqCtx, Session};
use crate::errors::PageError;
use crate::extract::{PageForm, PageMultipart, PagePath};
use crate::render::{base, render};
use crate::session::PageUser;
use crate::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jianfu_app::reports::NewReportInput;
use jianfu_core::dictionary::{pinyin_initials, Dictionary, EntityType};
use jianfu_core::reports::{ColumnSource, ReportDef};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

fn err(ctx: &ReqCtx) -> impl Fn(jianfu_app::AppError) -> PageError + '_ {
    move |e| PageError::from_app(e, ctx.lang)
}

/// How many values of a code table the variable list names before "…".
const VALUES_SHOWN: usize = 12;

/// Every element for the picker: the option's value is the code, its label
/// carries the name, aliases and pinyin initials the browser filters on.
fn element_options(dict: &Dictionary) -> Vec<Value> {
    dict.elements()
        .iter()
        .map(|e| {
            let mut words = vec![e.name.clone()];
            words.extend(e.aliases.iter().take(6).cloned());
            words.push(pinyin_initials(&e.name));
            json!({"code": e.code, "name": e.name, "label": words.join(" · ")})
        })
        .collect()
}

/// The variables a filter on this entity can name: `age`, each element by
/// its short code, and (for persons) `household.<code>`; with the name, the
/// kind of value and, for a code, its values.
fn filter_variables(dict: &Dictionary, entity: &str, lang: crate::i18n::Lang) -> Vec<Value> {
    let mut out = Vec::new();
    if entity == "person" {
        out.push(
            json!({"name": "age", "label": crate::i18n::t(lang, "var_age"),
                        "kind": crate::i18n::t(lang, "vt_integer"), "values": ""}),
        );
    }
    let described = |prefix: &str, e: &jianfu_core::dictionary::Element| {
        let short = e.code.split_once('.').map_or(e.code.as_str(), |(_, s)| s);
        let values = match e.value_type {
            jianfu_core::dictionary::ValueType::Boolean => "true / false".to_string(),
            jianfu_core::dictionary::ValueType::Code => e
                .code_table
                .as_deref()
                .and_then(|t| dict.table(t))
                .map(|t| {
                    let mut shown: Vec<String> = t
                        .values
                        .iter()
                        .take(VALUES_SHOWN)
                        .map(|(c, l)| format!("\"{c}\" {l}"))
                        .collect();
                    if t.values.len() > VALUES_SHOWN {
                        shown.push(format!("…（{}）", t.values.len()));
                    }
                    shown.join("，")
                })
                .unwrap_or_default(),
            _ => String::new(),
        };
        json!({"name": format!("{prefix}{short}"), "label": e.name,
               "kind": crate::i18n::t(lang, &format!("vt_{}", e.value_type.code())),
               "values": values})
    };
    for e in dict.elements() {
        match (entity, e.entity) {
            ("person", EntityType::Person) | ("household", EntityType::Household) => {
                out.push(described("", e))
            }
            ("person", EntityType::Household) => out.push(described("household.", e)),
            _ => {}
        }
    }
    out
}

/// What the form shows of a design, new or a draft being edited.
struct DesignForm<'a> {
    definition: &'a ReportDef,
    /// Per column: the matcher's confidence and reason (a new design only).
    reasons: Option<&'a [(f64, String)]>,
    file: Option<String>,
    sheet: Option<String>,
    notes: &'a [String],
    /// The draft being edited, with its stored fields.
    draft: Option<&'a jianfu_store::ReportRow>,
    /// What the person submitted, shown again with the reason it was
    /// refused: a failed save must not lose the work.
    submitted: Option<(&'a DesignFields, String)>,
}

fn design_page(
    state: &AppState,
    ctx: &ReqCtx,
    s: &Session,
    f: DesignForm<'_>,
) -> Result<Html<String>, PageError> {
    let dict = state.app.dict();
    let def = f.definition;
    let columns: Vec<_> = def
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (element, expr) = match &c.source {
                ColumnSource::Element { element } => (element.clone(), None),
                ColumnSource::Sum { element, filter } => (element.clone(), filter.clone()),
                ColumnSource::Count { filter } | ColumnSource::CountHouseholds { filter } => {
                    (String::new(), filter.clone())
                }
                ColumnSource::Computed { expr } => (String::new(), Some(expr.clone())),
                _ => (String::new(), None),
            };
            let (confidence, reason) = f
                .reasons
                .and_then(|r| r.get(i))
                .map(|(conf, reason)| (format!("{:.0}%", conf * 100.0), reason.clone()))
                .unwrap_or_default();
            json!({"i": i, "path": c.path.join(" › "), "source": source_code(&c.source),
                   "element": element,
                   "element_name": dict.element(&element).map(|e| e.name.clone()),
                   "expr": expr.unwrap_or_default(),
                   "confidence": confidence, "reason": reason})
        })
        .collect();
    let mut data = base(ctx, Some(s));
    data.insert("file".into(), json!(f.file));
    data.insert("sheet".into(), json!(f.sheet));
    data.insert(
        "kind".into(),
        json!(crate::i18n::labels::report_kind(ctx.lang, def.kind)),
    );
    data.insert("kind_code".into(), json!(kind_code(def)));
    data.insert("entity".into(), json!(def.entity));
    data.insert("title".into(), json!(def.title));
    data.insert(
        "filter".into(),
        json!(def.filter.clone().unwrap_or_default()),
    );
    data.insert("columns".into(), json!(columns));
    data.insert("notes".into(), json!(f.notes));
    data.insert("elements".into(), json!(element_options(&dict)));
    data.insert(
        "variables".into(),
        json!(filter_variables(&dict, &def.entity, ctx.lang)),
    );
    data.insert(
        "definition".into(),
        json!(serde_json::to_string(def).unwrap_or_default()),
    );
    data.insert("draft".into(), json!(f.draft));
    // The period fields as stored, or as just submitted.
    let (period, deadline, frequency) = match (&f.submitted, f.draft) {
        (Some((fields, _)), _) => (
            fields.period.clone(),
            fields.deadline.clone(),
            fields.frequency.clone(),
        ),
        (None, Some(r)) => (r.period.clone(), r.deadline.clone(), r.frequency.clone()),
        (None, None) => (String::new(), String::new(), "quarterly".to_string()),
    };
    data.insert("form_period".into(), json!(period));
    data.insert("form_deadline".into(), json!(deadline));
    data.insert("form_frequency".into(), json!(frequency));
    if let Some((_, error)) = &f.submitted {
        data.insert("save_error".into(), json!(error));
    }
    render("report_new.html", ctx, data)
}

fn kind_code(def: &ReportDef) -> &'static str {
    match def.kind {
        jianfu_core::reports::ReportKind::Roster => "roster",
        jianfu_core::reports::ReportKind::Statistical => "statistical",
        jianfu_core::reports::ReportKind::Card => "card",
    }
}

/// Upload of a template: the proposal, ready to correct and save.
pub async fn upload(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageMultipart(mp): PageMultipart,
) -> Result<Html<String>, PageError> {
    let (name, bytes) = read_upload(mp).await.map_err(|e| {
        PageError::untranslated(
            axum::http::StatusCode::BAD_REQUEST,
            "refused_request",
            e.message(),
            ctx.lang,
        )
    })?;
    let proposals = state
        .app
        .propose_reports(&s.user, &name, bytes, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let p = &proposals[0];
    design_page(
        &state,
        &ctx,
        &s,
        DesignForm {
            definition: &p.definition,
            reasons: Some(&p.reasons),
            file: Some(name.clone()),
            sheet: Some(p.sheet.clone()),
            notes: &p.notes,
            draft: None,
            submitted: None,
        },
    )
}

/// The design form again, filled with a draft's definition.
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
) -> Result<Html<String>, PageError> {
    let (report, def) = state
        .app
        .report_detail(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    design_page(
        &state,
        &ctx,
        &s,
        DesignForm {
            definition: &def,
            reasons: None,
            file: report.template_name.clone(),
            sheet: None,
            notes: &[],
            draft: Some(&report),
            submitted: None,
        },
    )
}

#[derive(Deserialize)]
pub struct DesignFields {
    definition: String,
    title: String,
    #[serde(default)]
    filter: String,
    frequency: String,
    period: String,
    deadline: String,
    #[serde(default)]
    entity: Option<String>,
    #[serde(default)]
    file: Option<String>,
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

/// An element typed into the picker: its code, or an element's exact name
/// or alias (a person types 紧急联系人电话, not person.emergency_phone).
fn resolve_element(dict: &Dictionary, typed: &str) -> String {
    let typed = typed.trim();
    if typed.is_empty() || dict.element(typed).is_some() {
        return typed.to_string();
    }
    let norm = jianfu_core::dictionary::normalize_label(typed);
    let named: Vec<&str> = dict
        .elements()
        .iter()
        .filter(|e| {
            jianfu_core::dictionary::normalize_label(&e.name) == norm
                || e.aliases
                    .iter()
                    .any(|a| jianfu_core::dictionary::normalize_label(a) == norm)
        })
        .map(|e| e.code.as_str())
        .collect();
    match named.as_slice() {
        [one] => one.to_string(),
        _ => typed.to_string(),
    }
}

/// The definition as the form corrected it: title, filter, what each row
/// is, and each column's source with its element or condition.
fn corrected(f: &DesignFields, ctx: &ReqCtx, dict: &Dictionary) -> Result<ReportDef, PageError> {
    let mut def: ReportDef = crate::extract::json_body(f.definition.as_bytes(), "报表定义")
        .map_err(|p| PageError::untranslated(p.status, "refused_request", p.message, ctx.lang))?;
    def.title = f.title.trim().to_string();
    def.filter = Some(f.filter.trim().to_string()).filter(|x| !x.is_empty());
    match f.entity.as_deref() {
        Some(e @ ("person" | "household")) => def.entity = e.to_string(),
        None | Some("") => {}
        Some(other) => {
            return Err(PageError::untranslated(
                axum::http::StatusCode::BAD_REQUEST,
                "refused_request",
                format!("“每一行是”的值“{other}”无效，应为居民或户"),
                ctx.lang,
            ))
        }
    }
    for (i, c) in def.columns.iter_mut().enumerate() {
        let src = f.rest.get(&format!("src_{i}")).map(String::as_str);
        let el = resolve_element(
            dict,
            f.rest.get(&format!("el_{i}")).map_or("", String::as_str),
        );
        let expr = f
            .rest
            .get(&format!("expr_{i}"))
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty());
        c.source = match src {
            Some("serial") => ColumnSource::Serial,
            Some("blank") => ColumnSource::Blank,
            Some("element") => ColumnSource::Element { element: el },
            Some("manual") => ColumnSource::Manual,
            Some("row_label") => ColumnSource::RowLabel,
            Some("count") => ColumnSource::Count { filter: expr },
            Some("count_households") => ColumnSource::CountHouseholds { filter: expr },
            Some("sum") => ColumnSource::Sum {
                element: el,
                filter: expr,
            },
            Some("computed") => ColumnSource::Computed {
                expr: expr.unwrap_or_default(),
            },
            _ => continue,
        };
    }
    Ok(def)
}

/// Saves the corrected proposal as a draft.
pub async fn create(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PageForm(f): PageForm<DesignFields>,
) -> Result<Response, PageError> {
    let def = corrected(&f, &ctx, &state.app.dict())?;
    let saved = state
        .app
        .create_report(
            &s.user,
            NewReportInput {
                definition: def.clone(),
                frequency: f.frequency.clone(),
                period: f.period.clone(),
                deadline: f.deadline.clone(),
                targets: Vec::new(),
                template_name: f.file.clone(),
            },
            ctx.ip.clone(),
        )
        .await;
    match saved {
        Ok(id) => Ok(Redirect::to(&format!("/reports/{id}")).into_response()),
        // The design page was the answer to an upload: going back to it
        // would lose every correction. Show it again, as submitted.
        Err(e @ (jianfu_app::AppError::Invalid(_) | jianfu_app::AppError::NotFound(_))) => {
            let message = e.to_string();
            let mut page = design_page(
                &state,
                &ctx,
                &s,
                DesignForm {
                    definition: &def,
                    reasons: None,
                    file: f.file.clone(),
                    sheet: None,
                    notes: &[],
                    draft: None,
                    submitted: Some((&f, message)),
                },
            )?
            .into_response();
            *page.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(page)
        }
        Err(e) => Err(err(&ctx)(e)),
    }
}

/// Saves an edited draft; its targets stay as they were.
pub async fn edit(
    State(state): State<AppState>,
    ctx: ReqCtx,
    PageUser(s): PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<DesignFields>,
) -> Result<Response, PageError> {
    let def = corrected(&f, &ctx, &state.app.dict())?;
    let (current, _) = state
        .app
        .report_detail(&s.user, id, ctx.ip.clone())
        .await
        .map_err(err(&ctx))?;
    let targets: Vec<i64> = serde_json::from_str(&current.targets).unwrap_or_default();
    state
        .app
        .update_report(
            &s.user,
            id,
            NewReportInput {
                definition: def,
                frequency: f.frequency,
                period: f.period,
                deadline: f.deadline,
                targets,
                template_name: None,
            },
            ctx.ip.clone(),
        )
        .await
        .map_err(err(&ctx))?;
    Ok(Redirect::to(&format!("/reports/{id}?saved=1")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picker_finds_an_element_by_alias_and_initials() {
        let dict = jianfu_core::dictionary::Dictionary::builtin().expect("dictionary");
        let options = element_options(&dict);
        let name = options
            .iter()
            .find(|o| o["code"] == "person.name")
            .expect("person.name");
        let label = name["label"].as_str().unwrap_or_default();
        assert!(
            label.contains("姓名") && label.contains("居民姓名") && label.contains("xm"),
            "{label}"
        );
    }

    #[test]
    fn an_element_typed_by_name_or_alias_is_understood() {
        let dict = jianfu_core::dictionary::Dictionary::builtin().expect("dictionary");
        assert_eq!(resolve_element(&dict, "person.phone"), "person.phone");
        assert_eq!(
            resolve_element(&dict, "紧急联系人电话"),
            "person.emergency_phone"
        );
        assert_eq!(resolve_element(&dict, " 身份证号码 "), "person.id_number");
        assert_eq!(resolve_element(&dict, "没有这个指标"), "没有这个指标");
    }

    #[test]
    fn filter_variables_name_household_facts_and_code_values() {
        let dict = jianfu_core::dictionary::Dictionary::builtin().expect("dictionary");
        let vars = filter_variables(&dict, "person", crate::i18n::Lang::Zh);
        let names: Vec<&str> = vars.iter().filter_map(|v| v["name"].as_str()).collect();
        assert!(names.contains(&"age") && names.contains(&"elderly_alone"));
        assert!(names.iter().any(|n| n.starts_with("household.")));
        let sex = vars.iter().find(|v| v["name"] == "sex").expect("sex");
        assert!(
            sex["values"]
                .as_str()
                .unwrap_or_default()
                .contains("\"1\" 男"),
            "{sex}"
        );
        // A household report has no age and no household. prefix.
        let vars = filter_variables(&dict, "household", crate::i18n::Lang::Zh);
        assert!(vars.iter().all(|v| v["name"] != "age"
            && !v["name"]
                .as_str()
                .unwrap_or_default()
                .starts_with("household.")));
    }
}
