//! The templates jianfu ships: reverse assessment on Sichuan's "7+X"
//! pattern, and the burden-perception survey built from the short
//! administrative-burden scale (Better Government Lab: learning, compliance
//! and psychological costs of one recent concrete experience), the classic
//! 0–10 red-tape item and a one-week time diary. The 减负办 edits them as
//! new versions; these are version 1.

use super::{Question, QuestionKind};
use crate::role::Role;

/// The template codes.
pub const REVERSE: &str = "reverse_7x";
pub const PERCEPTION: &str = "perception";

/// The rater group a role answers in, for weighting (逆向考核's groups).
pub fn rater_group(role: Role) -> Option<&'static str> {
    match role {
        Role::Community | Role::Grid => Some(GROUP_COMMUNITY),
        Role::Township => Some(GROUP_TOWNSHIP),
        _ => None,
    }
}

pub const GROUP_COMMUNITY: &str = "村社区";
pub const GROUP_TOWNSHIP: &str = "街镇";
/// The one group of a survey read by place, not by group.
pub const GROUP_ANY: &str = "基层";
/// The indicator every department-specific item counts toward.
pub const INDICATOR_X: &str = "部门特色指标";

fn scale(code: &str, text: &str, indicator: Option<&str>, min: i64, max: i64) -> Question {
    Question {
        code: code.into(),
        text: text.into(),
        kind: QuestionKind::Scale { min, max },
        required: true,
        indicator: indicator.map(str::to_string),
        departments: Vec::new(),
    }
}

fn hours(code: &str, text: &str) -> Question {
    Question {
        code: code.into(),
        text: text.into(),
        kind: QuestionKind::Number {
            min: 0.0,
            max: 80.0,
        },
        required: false,
        indicator: None,
        departments: Vec::new(),
    }
}

fn comment(text: &str) -> Question {
    Question {
        code: "comment".into(),
        text: text.into(),
        kind: QuestionKind::Text { max_chars: 500 },
        required: false,
        indicator: None,
        departments: Vec::new(),
    }
}

/// The seven common indicators (code, name, what the rater judges).
pub const SEVEN: [(&str, &str, &str); 7] = [
    (
        "guidance",
        "工作指导",
        "对基层的业务指导是否及时、具体、管用",
    ),
    (
        "support",
        "服务保障",
        "经费、人员、系统等保障是否随任务一起下沉",
    ),
    (
        "response",
        "响应速度",
        "基层求助或反映问题后，响应和办结是否及时",
    ),
    ("fit", "政策适配", "下发的政策和任务是否符合基层实际"),
    (
        "burden",
        "减负落实",
        "是否经过准入、不重复要数据、不过度留痕",
    ),
    ("conduct", "作风", "是否务实，不推诿、不层层加码"),
    (
        "coordination",
        "沟通协调",
        "与街镇、村社区和其他部门的沟通协调",
    ),
];

/// The "X": items asked only about the departments they name.
const X_ITEMS: [(&str, &str, &str); 4] = [
    (
        "x_health_data",
        "卫生健康",
        "健康档案、公共卫生类数据是否复用已有数据，不向基层重复索要",
    ),
    (
        "x_aid_materials",
        "民政",
        "低保、临时救助等审核材料是否精简，不让基层重复收集",
    ),
    (
        "x_jobs_data",
        "人力资源",
        "就业、社保类台账是否一次采集、多方共用",
    ),
    ("x_stats_once", "统计", "统计调查是否按计划开展，不临时加报"),
];

/// 逆向考核 "7+X": seven indicators on 1–5 (5 best), the department's own
/// items, and an optional comment shown without its source.
pub fn reverse_questions() -> Vec<Question> {
    let mut q: Vec<Question> = SEVEN
        .iter()
        .map(|(code, name, what)| {
            scale(
                code,
                &format!("{name}：{what}（1 很差 — 5 很好）"),
                Some(name),
                1,
                5,
            )
        })
        .collect();
    for (code, department, what) in X_ITEMS {
        let mut x = scale(
            code,
            &format!("{what}（1 很差 — 5 很好）"),
            Some(INDICATOR_X),
            1,
            5,
        );
        x.departments = vec![department.to_string()];
        q.push(x);
    }
    q.push(comment("意见和建议（选填；结果中不显示来源）"));
    q
}

/// 负担感知度调研: three items on one recent concrete task (1 very easy,
/// 5 very hard), the red-tape item (0–10) and a one-week time diary.
pub fn perception_questions() -> Vec<Question> {
    vec![
        scale(
            "learn",
            "回想最近一次上级布置的报表、材料或检查任务：弄清楚要做什么、怎么做，有多难？（1 很容易 — 5 很难）",
            None,
            1,
            5,
        ),
        scale("comply", "完成这项任务本身有多难？（1 很容易 — 5 很难）", None, 1, 5),
        scale("stress", "这项任务给您带来多大压力？（1 没有压力 — 5 压力很大）", None, 1, 5),
        scale(
            "red_tape",
            "总体看，您所在单位受繁琐规定和程序困扰的程度（0 完全没有 — 10 非常严重）",
            None,
            0,
            10,
        ),
        hours("hours_reports", "过去一周：填报表、写材料的小时数（选填）"),
        hours("hours_meetings", "过去一周：参加会议的小时数（选填）"),
        hours("hours_inspections", "过去一周：迎接督查检查考核的小时数（选填）"),
        hours("hours_apps", "过去一周：在各类政务 App、工作群上的小时数（选填）"),
        hours("hours_residents", "过去一周：直接服务群众的小时数（选填）"),
        comment("最想减掉的一项负担（选填；结果中不显示来源）"),
    ]
}

/// The diary items, for the monitoring dashboard.
pub const DIARY: [(&str, &str); 5] = [
    ("hours_reports", "报表材料"),
    ("hours_meetings", "会议"),
    ("hours_inspections", "督检考"),
    ("hours_apps", "App 与工作群"),
    ("hours_residents", "服务群众"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_templates_have_unique_codes_and_seven_indicators() {
        for q in [reverse_questions(), perception_questions()] {
            let mut codes: Vec<&str> = q.iter().map(|x| x.code.as_str()).collect();
            codes.sort();
            codes.dedup();
            assert_eq!(codes.len(), q.len());
        }
        let r = reverse_questions();
        let common = r
            .iter()
            .filter(|x| x.indicator.is_some() && x.departments.is_empty())
            .count();
        assert_eq!(common, 7);
        let for_health: Vec<&str> = r
            .iter()
            .filter(|x| x.asked_about(Some("区卫生健康委员会")))
            .map(|x| x.code.as_str())
            .collect();
        assert!(for_health.contains(&"x_health_data"));
        assert!(!for_health.contains(&"x_aid_materials"));
    }
}
