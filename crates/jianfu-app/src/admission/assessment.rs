//! 一致性评估 (consistency assessment) of a request as a sheet: what is
//! asked, the estimate with its working, the findings with their rules and
//! sources, and every decision. The printable page shows the same.

use super::AdmissionView;
use crate::forms::{write_xlsx, SheetOut};
use crate::{App, CurrentUser, Result};
use jianfu_core::forms::Merge;

/// The assessment as rows of at most four cells, with the rows that are
/// section headings.
pub fn assessment_rows(v: &AdmissionView) -> (Vec<Vec<String>>, Vec<usize>) {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut headings = Vec::new();
    let kv = |k: &str, val: String| vec![k.to_string(), val, String::new(), String::new()];
    rows.push(vec![
        format!("为基层减负一致性评估：{}", v.row.title),
        String::new(),
        String::new(),
        String::new(),
    ]);
    headings.push(rows.len());
    rows.push(vec![
        "一、基本信息".into(),
        String::new(),
        String::new(),
        String::new(),
    ]);
    rows.push(kv(
        "准入编号",
        v.row.number.clone().unwrap_or_else(|| "（未准入）".into()),
    ));
    rows.push(kv("事项类型", v.kind_label.to_string()));
    rows.push(kv("申请部门", v.row.department.clone()));
    rows.push(kv("状态", v.status_label.to_string()));
    rows.push(kv("对象村（社区）", format!("{} 个", v.demand.units)));
    rows.push(kv("每年次数", v.demand.per_year.to_string()));
    if let Some(h) = v.demand.lead_hours {
        rows.push(kv("办理时限", format!("{h} 小时")));
    }
    rows.push(kv(
        "职责清单事项",
        v.demand
            .duty_item
            .clone()
            .unwrap_or_else(|| "（未对应）".into()),
    ));
    if let (Some(f), Some(u)) = (&v.row.valid_from, &v.row.valid_until) {
        rows.push(kv("有效期", format!("{f} 至 {u}")));
    }
    headings.push(rows.len());
    rows.push(vec![
        "二、负担估算（标准成本法）".into(),
        String::new(),
        String::new(),
        String::new(),
    ]);
    match &v.estimate {
        Some(e) => {
            for line in &e.working {
                rows.push(kv("", line.clone()));
            }
            rows.push(kv("每年负担", format!("{:.1} 小时", e.hours_per_year)));
            rows.push(kv("折合成本", format!("{:.0} 元", e.cost_yuan)));
        }
        None => rows.push(kv("", "提交审核时计算".into())),
    }
    headings.push(rows.len());
    rows.push(vec![
        "三、审查发现".into(),
        String::new(),
        String::new(),
        String::new(),
    ]);
    if v.findings.is_empty() {
        rows.push(kv("", "未发现问题".into()));
    } else {
        rows.push(vec![
            "规则".into(),
            "结论".into(),
            "发现".into(),
            "依据".into(),
        ]);
        for f in &v.findings {
            let level = if f.escalates {
                format!("{}（须提级审核）", f.severity.label_zh())
            } else {
                f.severity.label_zh().to_string()
            };
            rows.push(vec![
                f.title.clone(),
                level,
                f.message.clone(),
                f.source.clone(),
            ]);
        }
    }
    if let Some(c) = &v.cap {
        // The count and hours are this department's, of this kind only.
        let kind = v.kind_label;
        rows.push(kv(
            &format!("年度总量（本部门{kind}类事项）"),
            match &c.breach {
                Some(b) => format!("超出：{b}"),
                None => format!(
                    "已准入 {} 项、{:.1} 小时，本项 {:.1} 小时，在上限之内",
                    c.used.count, c.used.hours, c.hours
                ),
            },
        ));
    }
    headings.push(rows.len());
    rows.push(vec![
        "四、审核记录".into(),
        String::new(),
        String::new(),
        String::new(),
    ]);
    for d in &v.decisions {
        let at = crate::clock::format_ms(d.at, "%Y-%m-%d %H:%M");
        rows.push(vec![
            at,
            d.actor.clone(),
            super::decide::Action::from_code(&d.action)
                .map_or(d.action.clone(), |a| a.label_zh().to_string()),
            d.reason.clone(),
        ]);
    }
    (rows, headings)
}

impl App {
    /// The assessment of a request as .xlsx, with its file name.
    pub async fn assessment_xlsx(
        &self,
        actor: &CurrentUser,
        id: i64,
        ip: Option<String>,
    ) -> Result<(String, Vec<u8>)> {
        let v = self.admission_view(actor, id, ip.clone()).await?;
        let (rows, headings) = assessment_rows(&v);
        let mut merges = vec![Merge {
            top: 0,
            left: 0,
            bottom: 0,
            right: 3,
        }];
        merges.extend(headings.iter().map(|&r| Merge {
            top: r,
            left: 0,
            bottom: r,
            right: 3,
        }));
        let bytes = write_xlsx(&[SheetOut {
            name: "一致性评估",
            rows: &rows,
            merges: &merges,
            header_rows: (0, 0),
            data_rows: None,
            number_formats: &[],
        }])?;
        self.audit(
            Some(actor),
            "admission.assessment_export",
            Some(format!("admission:{id}")),
            "ok",
            None,
            ip,
        )
        .await?;
        Ok((format!("一致性评估-{}.xlsx", v.row.title), bytes))
    }
}
