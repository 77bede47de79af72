//! 评价's templates: the shipped ones written on first use, and the
//! office's edits saved as new versions (rounds keep the version they were
//! set up with).

use super::{required_text, TemplateView};
use crate::{App, AppError, CurrentUser, Result};
use jianfu_core::role::Role;
use jianfu_core::survey::{shipped, Question, QuestionKind};
use std::collections::BTreeSet;

/// Checks an edited template's questions; the message names the question.
pub(super) fn check_questions(questions: &[Question]) -> Result<()> {
    if questions.is_empty() {
        return Err(AppError::Invalid("问卷至少要有一道题".into()));
    }
    if questions.len() > 60 {
        return Err(AppError::Invalid("问卷最多 60 道题".into()));
    }
    let mut seen = BTreeSet::new();
    for (i, q) in questions.iter().enumerate() {
        let n = i + 1;
        let code_ok = !q.code.is_empty()
            && q.code.len() <= 40
            && q.code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !code_ok {
            return Err(AppError::Invalid(format!(
                "第 {n} 题的代码“{}”只能用小写字母、数字和下划线（最多 40 个）",
                q.code.chars().take(40).collect::<String>()
            )));
        }
        if !seen.insert(q.code.as_str()) {
            return Err(AppError::Invalid(format!(
                "第 {n} 题的代码“{}”重复",
                q.code
            )));
        }
        required_text(&q.text, &format!("第 {n} 题的题目"), 300)?;
        let bad = match &q.kind {
            QuestionKind::Choice { options } => options.len() < 2 || options.len() > 20,
            QuestionKind::Scale { min, max } => {
                !(*min == 1 && *max == 5 || *min == 0 && *max == 10)
            }
            QuestionKind::Number { min, max } => !(min.is_finite() && max.is_finite() && min < max),
            QuestionKind::Text { max_chars } => *max_chars == 0 || *max_chars > 4000,
        };
        if bad {
            return Err(AppError::Invalid(format!(
                "第 {n} 题“{}”的题型设置不对：量表只能是 1–5 或 0–10，选择题 2–20 个选项，数字要有上下限，文字最多 4000 字",
                q.text.chars().take(30).collect::<String>()
            )));
        }
    }
    Ok(())
}

impl App {
    pub(super) fn office_only(&self, actor: &CurrentUser) -> bool {
        matches!(actor.role, Role::Jianfuban | Role::Admin)
    }

    /// The shipped templates, written as version 1 the first time they
    /// are needed.
    pub(super) async fn ensure_shipped_templates(&self) -> Result<()> {
        let have: BTreeSet<String> = self
            .db
            .current_templates()
            .await?
            .into_iter()
            .map(|t| t.code)
            .collect();
        for (code, name, purpose, questions) in [
            (
                shipped::REVERSE,
                "基层对上级部门逆向考核（7+X）",
                "reverse",
                shipped::reverse_questions(),
            ),
            (
                shipped::PERCEPTION,
                "基层负担感知度调研",
                "perception",
                shipped::perception_questions(),
            ),
        ] {
            if !have.contains(code) {
                let json = serde_json::to_string(&questions)
                    .map_err(|e| AppError::Invalid(e.to_string()))?;
                self.db
                    .add_template_version(code, name, purpose, &json, None)
                    .await?;
            }
        }
        Ok(())
    }

    /// The newest version of every template (the office and the admin).
    pub async fn survey_templates(&self, actor: &CurrentUser) -> Result<Vec<TemplateView>> {
        if !self.office_only(actor) {
            return Err(AppError::Forbidden("只有减负办可以管理问卷模板".into()));
        }
        self.ensure_shipped_templates().await?;
        self.db
            .current_templates()
            .await?
            .into_iter()
            .map(TemplateView::from_row)
            .collect()
    }

    /// The office saves an edited template as its next version; rounds
    /// already set up keep the version they were set up with.
    pub async fn save_survey_template(
        &self,
        actor: &CurrentUser,
        code: &str,
        name: &str,
        questions: Vec<Question>,
        ip: Option<String>,
    ) -> Result<TemplateView> {
        if !self.office_only(actor) {
            return Err(self
                .deny(actor, "survey_templates", "只有减负办可以修改问卷模板", ip)
                .await);
        }
        let current = self
            .survey_templates(actor)
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .ok_or_else(|| AppError::NotFound(format!("问卷模板“{code}”")))?;
        let name = required_text(name, "模板名称", 100)?;
        check_questions(&questions)?;
        let json =
            serde_json::to_string(&questions).map_err(|e| AppError::Invalid(e.to_string()))?;
        let row = self
            .db
            .add_template_version(code, &name, &current.purpose, &json, Some(actor.id))
            .await?;
        self.audit(
            Some(actor),
            "survey.template",
            Some(format!("survey_template:{code}")),
            "ok",
            Some(format!(
                "保存为第 {} 版（{} 题）",
                row.version,
                questions.len()
            )),
            ip,
        )
        .await?;
        TemplateView::from_row(row)
    }
}
