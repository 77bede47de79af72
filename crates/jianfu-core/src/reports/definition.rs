//! What a report is: its kind, the entities it lists or counts, its columns
//! and where each column's value comes from, and the department's layout
//! (header rows and merges) so the export looks like the form they sent.

use super::expr::Expr;
use crate::dictionary::{Dictionary, EntityType, ValueType};
use crate::forms::Merge;
use serde::{Deserialize, Serialize};

/// Columns of one report: the widest real form has about 80.
pub const MAX_COLUMNS: usize = 500;
/// Characters of a title or of one header cell.
pub const MAX_LABEL_CHARS: usize = 200;
/// Columns of a sheet (Excel's own limit).
pub const MAX_SHEET_COLUMNS: usize = 16_384;
/// Rows of a template's header, meta lines or footer.
pub const MAX_LAYOUT_ROWS: usize = 30;
/// Header cells, merges, and cells covered by merges in a template layout.
pub const MAX_LAYOUT_CELLS: usize = 5_000;
/// Characters of all of a report's filters and formulas together: each has
/// its own limits, and 500 columns of the largest once cost minutes.
pub const MAX_EXPRESSION_CHARS_PER_REPORT: usize = 20_000;

/// What a row of a report is, in words.
fn entity_label(entity: &str) -> &'static str {
    EntityType::from_code(entity).map_or("该对象", |e| e.label_zh())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// 花名册: one row per person or household.
    Roster,
    /// 统计表: one row per org unit or per code value; cells count and sum.
    Statistical,
    /// 登记表/审批表: one entity's key and value cells. Filled like a roster
    /// (one row per entity), exported one card per entity.
    Card,
}

impl ReportKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            ReportKind::Roster => "花名册",
            ReportKind::Statistical => "统计表",
            ReportKind::Card => "登记表",
        }
    }

    pub fn from_code(s: &str) -> Option<ReportKind> {
        match s {
            "roster" => Some(ReportKind::Roster),
            "statistical" => Some(ReportKind::Statistical),
            "card" => Some(ReportKind::Card),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Once,
    Monthly,
    Quarterly,
    Yearly,
}

impl Frequency {
    pub fn label_zh(self) -> &'static str {
        match self {
            Frequency::Once => "一次性",
            Frequency::Monthly => "每月",
            Frequency::Quarterly => "每季度",
            Frequency::Yearly => "每年",
        }
    }

    /// Times a year a community fills it, for the burden estimate.
    pub fn per_year(self) -> u32 {
        match self {
            Frequency::Once => 1,
            Frequency::Monthly => 12,
            Frequency::Quarterly => 4,
            Frequency::Yearly => 1,
        }
    }

    pub fn from_code(s: &str) -> Option<Frequency> {
        match s {
            "once" => Some(Frequency::Once),
            "monthly" => Some(Frequency::Monthly),
            "quarterly" => Some(Frequency::Quarterly),
            "yearly" => Some(Frequency::Yearly),
            _ => None,
        }
    }
}

/// Rows of a statistical table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum RowAxis {
    /// One row per community (a community's own task has one row).
    #[default]
    Units,
    /// One row per code of an element's code table (e.g. 残疾类别).
    Codes { element: String },
}

/// Where a column's cells come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ColumnSource {
    /// 序号: numbered by the row.
    Serial,
    /// Not data (签字, 盖章, 备注): left blank for the paper copy.
    Blank,
    /// A register element: prefilled where the register knows it, a gap to
    /// fill (written back to the register) where it does not.
    Element { element: String },
    /// A value only this report asks for, typed per row and kept with the
    /// task, not in the register.
    Manual,
    /// A CEL expression over the row's elements.
    Computed { expr: String },
    /// Statistical: the row's name (the community, or the code's label).
    RowLabel,
    /// Statistical: how many entities of the row match the filter.
    Count {
        #[serde(default)]
        filter: Option<String>,
    },
    /// Statistical: how many households of the row match the filter. On
    /// a report of persons, a household counts once when any of its
    /// members matches (低保户数 beside 低保人数); a person in no household
    /// is not counted.
    CountHouseholds {
        #[serde(default)]
        filter: Option<String>,
    },
    /// Statistical: the sum of a numeric element over matching entities.
    Sum {
        element: String,
        #[serde(default)]
        filter: Option<String>,
    },
    /// Statistical: matching `numerator` among matching `denominator`, in %.
    Ratio {
        numerator: String,
        #[serde(default)]
        denominator: Option<String>,
    },
}

impl ColumnSource {
    /// Whether the column carries data (序号 and 签字 do not).
    /// The CEL expressions this column evaluates.
    pub fn expressions(&self) -> Vec<&String> {
        match self {
            ColumnSource::Computed { expr } => vec![expr],
            ColumnSource::Count { filter }
            | ColumnSource::CountHouseholds { filter }
            | ColumnSource::Sum { filter, .. } => filter.iter().collect(),
            ColumnSource::Ratio {
                numerator,
                denominator,
            } => std::iter::once(numerator)
                .chain(denominator.iter())
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn is_data(&self) -> bool {
        !matches!(self, ColumnSource::Serial | ColumnSource::Blank)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDef {
    /// Header texts from the top to the leaf.
    pub path: Vec<String>,
    pub source: ColumnSource,
    /// Sheet columns the leaf spans in the template (inclusive).
    pub left: usize,
    pub right: usize,
    /// For a card (登记表): where the value goes, as (row within the
    /// layout's header, sheet column). A card is exported one filled card
    /// per entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_cell: Option<(usize, usize)>,
}

impl ColumnDef {
    pub fn label(&self) -> String {
        self.path.last().cloned().unwrap_or_default()
    }
}

/// The department's layout: what is printed above the data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateLayout {
    /// Header rows as in the template (sheet columns, anchors hold text).
    pub header: Vec<Vec<String>>,
    /// Merges inside the header, relative to its first row.
    pub merges: Vec<Merge>,
    /// Lines between the title and the header (填报单位, 单位：元 …).
    #[serde(default)]
    pub meta: Vec<String>,
    /// Notes under the data (说明, 填表人 …).
    #[serde(default)]
    pub footer: Vec<String>,
    /// Whether the template numbers its columns in a row under the header.
    #[serde(default)]
    pub number_row: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportDef {
    pub title: String,
    pub kind: ReportKind,
    /// `person` or `household`.
    pub entity: String,
    /// CEL over an entity: which ones the report is about.
    #[serde(default)]
    pub filter: Option<String>,
    pub columns: Vec<ColumnDef>,
    #[serde(default)]
    pub rows: RowAxis,
    /// The template's sheet layout; a report built in the UI has none and
    /// gets its header from the column paths.
    #[serde(default)]
    pub layout: TemplateLayout,
}

/// A report definition found wrong, with every problem named.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("报表定义有误：{}", .0.join("；"))]
pub struct DefinitionError(pub Vec<String>);

impl ReportDef {
    /// The columns that hold data.
    pub fn data_columns(&self) -> impl Iterator<Item = (usize, &ColumnDef)> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.source.is_data())
    }

    /// Checks the definition against the dictionary: known elements of a
    /// type that fits, expressions that compile, columns that fit the kind.
    pub fn check(&self, dict: &Dictionary) -> Result<(), DefinitionError> {
        let mut problems = Vec::new();
        // Limits first: a definition of 150,000 columns is refused before
        // any of them is looked at.
        if self.columns.len() > MAX_COLUMNS {
            return Err(DefinitionError(vec![format!(
                "报表有 {} 列，超出上限（最多 {MAX_COLUMNS} 列）",
                self.columns.len()
            )]));
        }
        // Positions and the template layout become an export's rows and
        // columns: a column reaching column 3,000,000,000 once made one
        // export ask for 72 GB.
        if let Some(c) = self
            .columns
            .iter()
            .find(|c| c.left >= MAX_SHEET_COLUMNS || c.right >= MAX_SHEET_COLUMNS)
        {
            return Err(DefinitionError(vec![format!(
                "列“{}”的位置超出工作表（最多 {MAX_SHEET_COLUMNS} 列）",
                c.label()
            )]));
        }
        let layout = &self.layout;
        let header_cells: usize = layout.header.iter().map(Vec::len).sum();
        let merged: usize = layout
            .merges
            .iter()
            .map(|m| {
                (m.bottom.saturating_sub(m.top) + 1)
                    .saturating_mul(m.right.saturating_sub(m.left) + 1)
            })
            .fold(0usize, usize::saturating_add);
        if layout.header.len() > MAX_LAYOUT_ROWS
            || layout.meta.len() > MAX_LAYOUT_ROWS
            || layout.footer.len() > MAX_LAYOUT_ROWS
            || header_cells > MAX_LAYOUT_CELLS
            || layout.merges.len() > MAX_LAYOUT_CELLS
            || merged > MAX_LAYOUT_CELLS
            || layout.merges.iter().any(|m| {
                m.right >= MAX_SHEET_COLUMNS
                    || m.bottom >= MAX_LAYOUT_ROWS
                    || m.right < m.left
                    || m.bottom < m.top
            })
        {
            return Err(DefinitionError(vec![format!(
                "表样超出上限：表头、说明和表尾每项最多 {MAX_LAYOUT_ROWS} 行，表头单元格和合并区域最多 {MAX_LAYOUT_CELLS} 个"
            )]));
        }
        let long = |t: &str| t.chars().count() > MAX_LABEL_CHARS;
        if layout
            .header
            .iter()
            .flatten()
            .chain(&layout.meta)
            .chain(&layout.footer)
            .any(|t| long(t))
        {
            problems.push(format!("表样中的文字每项最多 {MAX_LABEL_CHARS} 个字"));
        }
        if long(&self.title) || self.columns.iter().any(|c| c.path.iter().any(|p| long(p))) {
            problems.push(format!("报表名称和列名每项最多 {MAX_LABEL_CHARS} 个字"));
        }
        if self.title.trim().is_empty() {
            problems.push("报表名称不能为空".to_string());
        }
        if EntityType::from_code(&self.entity).is_none() {
            problems.push(format!("对象类型“{}”不存在", self.entity));
        }
        if self.columns.is_empty() {
            problems.push("报表没有任何列".to_string());
        }
        // Each expression has its limits; together they have one too, so
        // 500 columns of large filters cannot cost minutes at admission.
        let expression_chars: usize = self
            .filter
            .iter()
            .chain(self.columns.iter().flat_map(|c| c.source.expressions()))
            .map(|e| e.chars().count())
            .sum();
        if expression_chars > MAX_EXPRESSION_CHARS_PER_REPORT {
            problems.push(format!(
                "报表中的筛选条件和公式共 {expression_chars} 个字符，超出上限（最多 {MAX_EXPRESSION_CHARS_PER_REPORT} 个）"
            ));
        }
        let entity = self.entity.as_str();
        let compile = |what: &str, src: &str, problems: &mut Vec<String>| {
            if let Err(e) = Expr::new(src, dict, entity) {
                problems.push(format!("{what}：{e}"));
            }
        };
        if let Some(f) = &self.filter {
            compile("筛选条件", f, &mut problems);
        }
        if let RowAxis::Codes { element } = &self.rows {
            match dict.element(element) {
                Some(e) if e.code_table.is_some() => {}
                Some(e) => problems.push(format!("按“{}”分行需要代码表指标", e.name)),
                None => problems.push(format!("分行指标“{element}”不存在")),
            }
        }
        let statistical = self.kind == ReportKind::Statistical;
        for (i, c) in self.columns.iter().enumerate() {
            let what = format!("第{}列“{}”", i + 1, c.label());
            if c.right < c.left {
                problems.push(format!("{what}的位置无效"));
            }
            let element_ok =
                |code: &str, problems: &mut Vec<String>, numeric: bool| match dict.element(code) {
                    None => problems.push(format!("{what}：指标“{code}”不存在")),
                    Some(e)
                        if numeric
                            && !matches!(e.value_type, ValueType::Integer | ValueType::Decimal) =>
                    {
                        problems.push(format!("{what}：“{}”不是数值，不能求和", e.name))
                    }
                    Some(_) => {}
                };
            // A column writes facts of the row's entity (and, on a person,
            // of the person's household): a person's ID number typed into
            // a household's row would land on the household.
            let belongs = |code: &str| {
                code.starts_with(&format!("{entity}."))
                    || (entity == "person" && code.starts_with("household."))
            };
            match &c.source {
                ColumnSource::Element { element } if !belongs(element) => problems.push(format!(
                    "{what}：指标“{element}”不属于{}，不能用在以{}为行的报表中",
                    entity_label(entity),
                    entity_label(entity)
                )),
                ColumnSource::Element { element } => element_ok(element, &mut problems, false),
                ColumnSource::Sum { element, filter } => {
                    element_ok(element, &mut problems, true);
                    if let Some(f) = filter {
                        compile(&what, f, &mut problems);
                    }
                }
                ColumnSource::Count { filter: Some(f) }
                | ColumnSource::CountHouseholds { filter: Some(f) } => {
                    compile(&what, f, &mut problems)
                }
                ColumnSource::Ratio {
                    numerator,
                    denominator,
                } => {
                    compile(&what, numerator, &mut problems);
                    if let Some(d) = denominator {
                        compile(&what, d, &mut problems);
                    }
                }
                ColumnSource::Computed { expr } => compile(&what, expr, &mut problems),
                _ => {}
            }
            let fits = match &c.source {
                ColumnSource::Count { .. }
                | ColumnSource::CountHouseholds { .. }
                | ColumnSource::Sum { .. }
                | ColumnSource::Ratio { .. }
                | ColumnSource::RowLabel => statistical,
                ColumnSource::Element { .. } | ColumnSource::Computed { .. } => !statistical,
                ColumnSource::Serial | ColumnSource::Blank | ColumnSource::Manual => true,
            };
            if !fits {
                problems.push(format!("{what}：{}不能使用这种列", self.kind.label_zh()));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(DefinitionError(problems))
        }
    }
}
