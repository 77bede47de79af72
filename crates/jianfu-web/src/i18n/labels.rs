//! Names of the kinds, types and states the core and the services define,
//! in the page's language: each has a catalog key, so no page shows a
//! service's Chinese label (`label_zh`) to an English reader.

use super::{t, Lang};
use jianfu_app::admission::Action;
use jianfu_core::admission::caps::CapBasis;
use jianfu_core::admission::rules::Severity;
use jianfu_core::admission::DemandKind;
use jianfu_core::dictionary::{EntityType, Sensitivity, ValueType};
use jianfu_core::reports::{Frequency, ReportKind};

pub fn report_kind(lang: Lang, k: ReportKind) -> &'static str {
    t(
        lang,
        match k {
            ReportKind::Roster => "report_kind_roster",
            ReportKind::Statistical => "report_kind_statistical",
            ReportKind::Card => "report_kind_card",
        },
    )
}

pub fn frequency(lang: Lang, f: Frequency) -> &'static str {
    t(
        lang,
        match f {
            Frequency::Once => "freq_once",
            Frequency::Monthly => "freq_monthly",
            Frequency::Quarterly => "freq_quarterly",
            Frequency::Yearly => "freq_yearly",
        },
    )
}

pub fn demand_kind(lang: Lang, k: DemandKind) -> &'static str {
    t(
        lang,
        match k {
            DemandKind::Report => "adm_kind_report",
            DemandKind::Meeting => "adm_kind_meeting",
            DemandKind::Inspection => "adm_kind_inspection",
            DemandKind::Document => "adm_kind_document",
            DemandKind::Task => "adm_kind_task",
            DemandKind::App => "adm_kind_app",
            DemandKind::Plaque => "adm_kind_plaque",
            DemandKind::Certificate => "adm_kind_certificate",
        },
    )
}

/// A demand kind by its stored code; the code itself if unknown.
pub fn demand_kind_code(lang: Lang, code: &str) -> String {
    DemandKind::from_code(code).map_or_else(|| code.to_string(), |k| demand_kind(lang, k).into())
}

/// A request's stored status (`draft`, `submitted`, …).
pub fn admission_status(lang: Lang, status: &str) -> &'static str {
    t(
        lang,
        match status {
            "draft" => "adm_st_draft",
            "submitted" => "adm_st_submitted",
            "escalated" => "adm_st_escalated",
            "admitted" => "adm_st_admitted",
            "returned" => "adm_st_returned",
            "refused" => "adm_st_refused",
            _ => "adm_st_unknown",
        },
    )
}

pub fn admission_action(lang: Lang, a: Action) -> &'static str {
    t(
        lang,
        match a {
            Action::Submit => "adm_act_submit",
            Action::Escalate => "adm_act_escalate",
            Action::Admit => "adm_act_admit",
            Action::Return => "adm_act_return",
            Action::Refuse => "adm_act_refuse",
        },
    )
}

pub fn cap_basis(lang: Lang, b: CapBasis) -> &'static str {
    t(
        lang,
        match b {
            CapBasis::Set => "cap_basis_set",
            CapBasis::LastYear => "cap_basis_last_year",
            CapBasis::None => "cap_basis_none",
        },
    )
}

pub fn severity(lang: Lang, s: Severity) -> &'static str {
    t(
        lang,
        match s {
            Severity::Violation => "severity_violation",
            Severity::Warning => "severity_warning",
        },
    )
}

/// The title of an admission rule by its code; `None` for a rule the
/// catalog does not know (the service's title is shown then).
pub fn rule_title(lang: Lang, code: &str) -> Option<&'static str> {
    Some(t(lang, &format!("rule_{code}"))).filter(|s| !s.is_empty())
}

pub fn entity_type(lang: Lang, e: EntityType) -> &'static str {
    t(
        lang,
        match e {
            EntityType::Person => "entity_person",
            EntityType::Household => "entity_household",
            EntityType::House => "entity_house",
            EntityType::Organization => "entity_organization",
        },
    )
}

pub fn value_type(lang: Lang, v: ValueType) -> &'static str {
    t(
        lang,
        match v {
            ValueType::Text => "vtype_text",
            ValueType::Integer => "vtype_integer",
            ValueType::Decimal => "vtype_decimal",
            ValueType::Date => "vtype_date",
            ValueType::Boolean => "vtype_boolean",
            ValueType::Code => "vtype_code",
            ValueType::IdNumber => "vtype_id_number",
            ValueType::Phone => "vtype_phone",
            ValueType::OrgUnit => "vtype_org_unit",
        },
    )
}

pub fn sensitivity(lang: Lang, s: Sensitivity) -> &'static str {
    t(
        lang,
        match s {
            Sensitivity::Public => "sens_public",
            Sensitivity::Internal => "sens_internal",
            Sensitivity::Personal => "sens_personal",
            Sensitivity::SensitivePersonal => "sens_sensitive_personal",
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jianfu_core::admission::rules::RULES;

    /// Every kind, type and state has its words in both languages, and the
    /// Chinese ones are the core's own.
    #[test]
    fn every_label_is_in_the_catalogs() {
        for lang in [Lang::Zh, Lang::En] {
            for k in [
                ReportKind::Roster,
                ReportKind::Statistical,
                ReportKind::Card,
            ] {
                assert!(!report_kind(lang, k).is_empty());
                if lang == Lang::Zh {
                    assert_eq!(report_kind(lang, k), k.label_zh());
                }
            }
            for f in [
                Frequency::Once,
                Frequency::Monthly,
                Frequency::Quarterly,
                Frequency::Yearly,
            ] {
                assert!(!frequency(lang, f).is_empty());
                if lang == Lang::Zh {
                    assert_eq!(frequency(lang, f), f.label_zh());
                }
            }
            for k in DemandKind::ALL {
                assert!(!demand_kind(lang, k).is_empty());
                if lang == Lang::Zh {
                    assert_eq!(demand_kind(lang, k), k.label_zh());
                }
            }
            for s in [
                "draft",
                "submitted",
                "escalated",
                "admitted",
                "returned",
                "refused",
            ] {
                assert!(!admission_status(lang, s).is_empty());
                if lang == Lang::Zh {
                    assert_eq!(
                        admission_status(lang, s),
                        jianfu_app::admission::status_label(s)
                    );
                }
            }
            for a in ["submit", "escalate", "admit", "return", "refuse"] {
                let a = Action::from_code(a).expect("action");
                assert!(!admission_action(lang, a).is_empty());
                if lang == Lang::Zh {
                    assert_eq!(admission_action(lang, a), a.label_zh());
                }
            }
            for b in [CapBasis::Set, CapBasis::LastYear, CapBasis::None] {
                assert!(!cap_basis(lang, b).is_empty());
            }
            for s in [Severity::Violation, Severity::Warning] {
                assert!(!severity(lang, s).is_empty());
                if lang == Lang::Zh {
                    assert_eq!(severity(lang, s), s.label_zh());
                }
            }
            for (code, title) in RULES {
                assert!(rule_title(lang, code).is_some(), "rule {code}");
                if lang == Lang::Zh {
                    assert_eq!(rule_title(lang, code), Some(title));
                }
            }
            for e in [
                EntityType::Person,
                EntityType::Household,
                EntityType::House,
                EntityType::Organization,
            ] {
                assert!(!entity_type(lang, e).is_empty());
                if lang == Lang::Zh {
                    assert_eq!(entity_type(lang, e), e.label_zh());
                }
            }
            for code in [
                "text",
                "integer",
                "decimal",
                "date",
                "boolean",
                "code",
                "id_number",
                "phone",
                "org_unit",
            ] {
                let v = ValueType::from_code(code).expect("type");
                assert!(!value_type(lang, v).is_empty());
                if lang == Lang::Zh {
                    assert_eq!(value_type(lang, v), v.label_zh());
                }
            }
            for s in [
                Sensitivity::Public,
                Sensitivity::Internal,
                Sensitivity::Personal,
                Sensitivity::SensitivePersonal,
            ] {
                assert!(!sensitivity(lang, s).is_empty());
                if lang == Lang::Zh {
                    assert_eq!(sensitivity(lang, s), s.label_zh());
                }
            }
            for code in [
                "identity",
                "contact",
                "address",
                "household",
                "education",
                "marital",
                "employment",
                "income",
                "assistance",
                "disability",
                "health",
                "veterans",
                "party",
                "elderly",
                "children",
                "housing",
                "agriculture",
                "insurance",
                "organization",
                "other",
            ] {
                // Pages show `tr["theme_" ~ group.theme]`.
                assert!(
                    !t(lang, &format!("theme_{code}")).is_empty(),
                    "theme {code}"
                );
            }
        }
    }
}
