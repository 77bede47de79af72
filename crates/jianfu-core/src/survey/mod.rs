//! 评价: one small survey engine behind reverse assessment (逆向考核), the
//! burden-perception survey (负担感知度调研) and any later questionnaire.
//!
//! Pure rules only: what a question is and what answer it accepts, a
//! template's questions, when a result may be shown (the group size k and
//! the round's close), and the scoring (`scoring`). Who answered is kept
//! apart from what was answered by the store, in the manner of LimeSurvey's
//! anonymised surveys; nothing here ever takes a rater.

pub mod scoring;
pub mod shipped;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// No result is shown for a group with fewer answers than this (default).
pub const DEFAULT_K: u32 = 5;

/// What a question asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// One of the options, by its position.
    Choice { options: Vec<String> },
    /// A whole number on a scale: 1–5 or 0–10.
    Scale { min: i64, max: i64 },
    /// A number, such as hours in a time diary.
    Number { min: f64, max: f64 },
    /// Free text, never shown with its source.
    Text { max_chars: usize },
}

/// One question of a template, with the code its answers are kept under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub code: String,
    pub text: String,
    #[serde(flatten)]
    pub kind: QuestionKind,
    #[serde(default)]
    pub required: bool,
    /// The indicator a scored question counts toward (逆向考核's "7+X").
    #[serde(default)]
    pub indicator: Option<String>,
    /// For a department-specific item (the "X" of "7+X"): the departments
    /// it is asked about, each as a part of the name ("卫生健康" matches
    /// "区卫生健康委员会"); empty for every department.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub departments: Vec<String>,
}

impl Question {
    /// Whether this question is asked about `department` (None: a survey
    /// about no department, where every question is asked).
    pub fn asked_about(&self, department: Option<&str>) -> bool {
        match department {
            Some(d) => {
                self.departments.is_empty()
                    || self.departments.iter().any(|x| d.contains(x.as_str()))
            }
            None => true,
        }
    }
}

/// An answer as stored: one value per question code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    Number(f64),
    Text(String),
}

/// Checks one respondent's answers against the questions; the message
/// names the question. Unknown codes are refused, so a form cannot smuggle
/// fields in.
pub fn check_answers(
    questions: &[Question],
    given: &BTreeMap<String, serde_json::Value>,
) -> Result<BTreeMap<String, Answer>, String> {
    for code in given.keys() {
        if !questions.iter().any(|q| &q.code == code) {
            return Err(format!("问卷中没有题目“{}”", clip(code, 30)));
        }
    }
    let mut out = BTreeMap::new();
    for q in questions {
        let value = given.get(&q.code).filter(|v| !is_empty(v));
        let Some(value) = value else {
            if q.required {
                return Err(format!("请回答“{}”", clip(&q.text, 40)));
            }
            continue;
        };
        let answer = match &q.kind {
            QuestionKind::Choice { options } => {
                let i = whole(value).filter(|i| *i >= 0 && (*i as usize) < options.len());
                let i = i.or_else(|| {
                    value
                        .as_str()
                        .and_then(|s| options.iter().position(|o| o == s.trim()))
                        .map(|p| p as i64)
                });
                match i {
                    Some(i) => Answer::Number(i as f64),
                    None => return Err(format!("“{}”请从给出的选项中选择", clip(&q.text, 40))),
                }
            }
            QuestionKind::Scale { min, max } => match whole(value) {
                Some(v) if v >= *min && v <= *max => Answer::Number(v as f64),
                _ => {
                    return Err(format!(
                        "“{}”应为 {min} 到 {max} 之间的整数",
                        clip(&q.text, 40)
                    ))
                }
            },
            QuestionKind::Number { min, max } => match number(value) {
                Some(v) if v >= *min && v <= *max => Answer::Number(v),
                _ => {
                    return Err(format!(
                        "“{}”应为 {min} 到 {max} 之间的数",
                        clip(&q.text, 40)
                    ))
                }
            },
            QuestionKind::Text { max_chars } => {
                let t = value.as_str().map(str::trim).unwrap_or_default();
                if t.chars().count() > *max_chars {
                    return Err(format!("“{}”不能超过 {max_chars} 字", clip(&q.text, 40)));
                }
                if crate::text::is_blank(t) {
                    continue;
                }
                Answer::Text(t.to_string())
            }
        };
        out.insert(q.code.clone(), answer);
    }
    Ok(out)
}

fn is_empty(v: &serde_json::Value) -> bool {
    v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty())
}

fn number(v: &serde_json::Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse::<f64>().ok()))
        .filter(|x| x.is_finite())
}

fn whole(v: &serde_json::Value) -> Option<i64> {
    number(v).filter(|x| x.fract() == 0.0).map(|x| x as i64)
}

fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Why a result may not be shown yet, if it may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withheld {
    /// The round is still open: nobody, the office included, reads results
    /// before it closes (CONSUL's rule), so no one can steer the rest.
    Embargo,
    /// Fewer answers than k in the group: the few could be told apart.
    BelowK,
}

/// Whether a group's result may be shown: after the round closed, and
/// with at least k answers.
pub fn may_show(round_closed: bool, answers: usize, k: u32) -> Result<(), Withheld> {
    if !round_closed {
        Err(Withheld::Embargo)
    } else if answers < k.max(1) as usize {
        Err(Withheld::BelowK)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn questions() -> Vec<Question> {
        vec![
            Question {
                code: "guidance".into(),
                text: "工作指导".into(),
                kind: QuestionKind::Scale { min: 1, max: 5 },
                required: true,
                indicator: Some("guidance".into()),
                departments: Vec::new(),
            },
            Question {
                code: "red_tape".into(),
                text: "繁文缛节".into(),
                kind: QuestionKind::Scale { min: 0, max: 10 },
                required: false,
                indicator: None,
                departments: Vec::new(),
            },
            Question {
                code: "hours_reports".into(),
                text: "本周报表用时".into(),
                kind: QuestionKind::Number {
                    min: 0.0,
                    max: 80.0,
                },
                required: false,
                indicator: None,
                departments: Vec::new(),
            },
            Question {
                code: "kind".into(),
                text: "类别".into(),
                kind: QuestionKind::Choice {
                    options: vec!["会议".into(), "报表".into()],
                },
                required: false,
                indicator: None,
                departments: Vec::new(),
            },
            Question {
                code: "comment".into(),
                text: "意见".into(),
                kind: QuestionKind::Text { max_chars: 10 },
                required: false,
                indicator: None,
                departments: Vec::new(),
            },
        ]
    }

    fn given(v: serde_json::Value) -> BTreeMap<String, serde_json::Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn answers_are_checked_question_by_question() {
        let q = questions();
        let ok = check_answers(
            &q,
            &given(json!({"guidance": 4, "red_tape": "7", "hours_reports": 6.5,
                          "kind": "报表", "comment": "  "})),
        )
        .unwrap();
        assert_eq!(ok["guidance"], Answer::Number(4.0));
        assert_eq!(ok["red_tape"], Answer::Number(7.0));
        assert_eq!(ok["kind"], Answer::Number(1.0));
        assert!(!ok.contains_key("comment"), "a blank text is no answer");

        let err = |v| check_answers(&q, &given(v)).unwrap_err();
        assert!(err(json!({})).contains("请回答“工作指导”"));
        assert!(err(json!({"guidance": 6})).contains("1 到 5"));
        assert!(err(json!({"guidance": 4.5})).contains("整数"));
        assert!(err(json!({"guidance": 4, "red_tape": 11})).contains("0 到 10"));
        assert!(err(json!({"guidance": 4, "hours_reports": -1})).contains("本周报表用时"));
        assert!(err(json!({"guidance": 4, "kind": "检查"})).contains("选项"));
        assert!(err(json!({"guidance": 4, "comment": "字".repeat(11)})).contains("10 字"));
        assert!(err(json!({"guidance": 4, "rater": "me"})).contains("没有题目"));
    }

    #[test]
    fn results_wait_for_the_close_and_for_k() {
        assert_eq!(may_show(false, 50, 5), Err(Withheld::Embargo));
        assert_eq!(may_show(true, 4, 5), Err(Withheld::BelowK));
        assert_eq!(may_show(true, 5, 5), Ok(()));
        assert_eq!(
            may_show(true, 0, 0),
            Err(Withheld::BelowK),
            "k is at least 1"
        );
    }
}
