//! Finding the parts of a form sheet: title, meta lines, header block (with
//! merged multi-row cells), column-number and unit rows, data area, footer;
//! building the header tree; telling a roster from a statistical table and
//! from a key–value card.

use super::cues::{
    has_cjk, is_footer_text, is_label_like, is_meta_text, is_number_row, is_title_text,
    is_unit_row, small_integer, squeeze, unit_word,
};
use super::grid::{Grid, Item};
use super::header::{header_bottom, header_tree, implicit_parents, MAX_HEADER_ROWS};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    /// 花名册: one row per person or household.
    Roster,
    /// 统计表: one row per area or category, counts and sums.
    Statistical,
    /// 登记表/审批表: label cells with value cells beside them.
    Card,
}

impl FormKind {
    pub fn code(self) -> &'static str {
        match self {
            FormKind::Roster => "roster",
            FormKind::Statistical => "statistical",
            FormKind::Card => "card",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            FormKind::Roster => "花名册",
            FormKind::Statistical => "统计表",
            FormKind::Card => "登记表",
        }
    }
}

/// One header cell and the cells under it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeaderNode {
    /// Whitespace removed; empty for a blank merged parent.
    pub label: String,
    pub top: usize,
    pub bottom: usize,
    pub left: usize,
    pub right: usize,
    pub children: Vec<HeaderNode>,
}

/// A leaf column (for a card: a field), left to right.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeafColumn {
    /// Sheet columns it spans (a leaf may be merged across two).
    pub left: usize,
    pub right: usize,
    /// Header texts from top to leaf, whitespace removed, blanks skipped.
    pub path: Vec<String>,
    /// A unit printed in a unit row or as the leaf's own cell (万元).
    pub unit: Option<String>,
    /// For a card, where the label is and where its value goes.
    pub label_cell: Option<(usize, usize)>,
    pub value_cell: Option<(usize, usize)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    pub title: Option<String>,
    pub meta: Vec<String>,
    /// First and last row of the header block (for a card: of the fields).
    pub header_rows: (usize, usize),
    pub number_row: Option<usize>,
    pub unit_row: Option<usize>,
    /// Data rows, `start..end`.
    pub data_rows: (usize, usize),
    pub footer: Vec<String>,
    pub kind: FormKind,
    pub tree: Vec<HeaderNode>,
    pub columns: Vec<LeafColumn>,
    /// What could not be understood, in plain words.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum NotAForm {
    #[error("工作表是空的")]
    Empty,
    #[error("没有找到表头：前 40 行中没有一行并列两个以上的栏目名称")]
    NoHeader,
}

/// Column letters as Excel shows them, for messages: 0 → A, 27 → AB.
pub fn column_name(mut col: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push((b'A' + (col % 26) as u8) as char);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.iter().rev().collect()
}

pub(super) fn texts<'a>(items: &[Item<'a>]) -> Vec<&'a str> {
    items.iter().map(|i| i.text).collect()
}

/// Option boxes printed in a value cell ("是□ 否□", "□有 □无") are not labels.
fn is_options_only(s: &str) -> bool {
    let t = squeeze(s);
    let Some(pos) = t.find(['□', '☐']) else {
        return false;
    };
    t[..pos].chars().count() <= 2
}

pub fn analyze(grid: &Grid) -> Result<Layout, NotAForm> {
    if grid.width() == 0 || grid.height() == 0 {
        return Err(NotAForm::Empty);
    }
    let mut notes = Vec::new();
    let (title, meta, h0) = top_section(grid)?;
    let footer_start = find_footer(grid, h0);
    let end = footer_start.unwrap_or(grid.height());
    let footer = footer_start
        .map(|f| {
            (f..grid.height())
                .map(|r| texts(&grid.items(r, false)).join("　"))
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();

    if looks_like_card(grid, h0, end, title.as_deref()) {
        let (tree, columns, last, cut) = card_fields(grid, h0, end);
        if cut {
            notes.push(format!(
                "登记表超过 {MAX_FIELDS} 个栏目，只识别前 {MAX_FIELDS} 个（到第 {} 行）",
                last + 1
            ));
        }
        if columns.len() >= 2 {
            return Ok(Layout {
                title,
                meta,
                header_rows: (h0, last),
                number_row: None,
                unit_row: None,
                data_rows: (last + 1, last + 1),
                footer,
                kind: FormKind::Card,
                tree,
                columns,
                notes,
            });
        }
    }

    let grid = implicit_parents(grid, h0);
    let (mut bottom, cut) = header_bottom(&grid, h0);
    if cut {
        notes.push(format!(
            "表头超过 {MAX_HEADER_ROWS} 行，只按前 {MAX_HEADER_ROWS} 行（第 {}–{} 行）识别栏目",
            h0 + 1,
            bottom + 1
        ));
    }
    // A number or unit row caught inside the header by a tall merge.
    let mut number_row = None;
    let mut unit_row = None;
    while bottom > h0 {
        let last = texts(&grid.items(bottom, false));
        if number_row.is_none() && is_number_row(&last) {
            number_row = Some(bottom);
        } else if unit_row.is_none() && is_unit_row(&last) {
            unit_row = Some(bottom);
        } else {
            break;
        }
        bottom -= 1;
    }
    let mut data_start = number_row
        .or(unit_row)
        .map_or(bottom + 1, |r| r + 1)
        .max(bottom + 1);
    for _ in 0..2 {
        if data_start >= end {
            break;
        }
        let row = texts(&grid.items(data_start, false));
        if number_row.is_none() && is_number_row(&row) {
            number_row = Some(data_start);
        } else if unit_row.is_none() && is_unit_row(&row) {
            unit_row = Some(data_start);
        } else {
            break;
        }
        data_start += 1;
    }
    let data_end = (data_start..end)
        .rev()
        .find(|&r| !grid.items(r, false).is_empty())
        .map_or(data_start, |r| r + 1);

    let (tree, mut columns) = header_tree(&grid, h0, bottom, &mut notes);
    if columns.len() < 2 {
        return Err(NotAForm::NoHeader);
    }
    if let Some(u) = unit_row {
        for c in &mut columns {
            if let Some(w) = unit_word(grid.value(u, c.left)) {
                c.unit = Some(w);
            }
        }
    }
    let kind = table_kind(&grid, title.as_deref(), &columns, (data_start, data_end));
    Ok(Layout {
        title,
        meta,
        header_rows: (h0, bottom),
        number_row,
        unit_row,
        data_rows: (data_start, data_end),
        footer,
        kind,
        tree,
        columns,
        notes,
    })
}

/// Title and meta lines, and the first header row below them.
fn top_section(grid: &Grid) -> Result<(Option<String>, Vec<String>, usize), NotAForm> {
    let mut title: Option<String> = None;
    let mut meta = Vec::new();
    let mut r = 0;
    let limit = grid.height().min(40);
    while r < limit {
        let items = grid.items(r, false);
        if items.is_empty() {
            r += 1;
            continue;
        }
        let row = texts(&items);
        if items.len() == 1 {
            let it = &items[0];
            let wide = it.right - it.left + 1 >= (grid.width() / 2).max(2);
            // A narrow label alone on its row, with room for its value to
            // the right, is a card's first field, not a title or a note.
            if !wide
                && r > 0
                && it.right + 1 < grid.width()
                && is_label_like(it.text)
                && !is_meta_text(it.text)
                && !is_title_text(it.text)
            {
                return Ok((title, meta, r));
            }
            if title.is_none() && !is_meta_text(it.text) && (is_title_text(it.text) || wide) {
                title = Some(it.text.split_whitespace().collect::<Vec<_>>().join(" "));
            } else {
                meta.push(it.text.to_string());
            }
            r = it.bottom.max(r) + 1;
            continue;
        }
        let meta_cells = row.iter().filter(|t| is_meta_text(t)).count();
        let label_cells = row
            .iter()
            .filter(|t| is_label_like(t) && !is_meta_text(t))
            .count();
        if meta_cells * 2 >= row.len() && label_cells < 3 {
            meta.push(row.join("　"));
            r += 1;
            continue;
        }
        return Ok((title, meta, r));
    }
    Err(NotAForm::NoHeader)
}

/// The first row after the header that starts the sign-off or notes. A row
/// that merely begins with such a word but goes on with many more labels
/// (备注 as the first of a second header) is not a footer.
fn find_footer(grid: &Grid, h0: usize) -> Option<usize> {
    (h0 + 1..grid.height()).find(|&r| {
        let items = grid.items(r, false);
        let Some(first) = items.first() else {
            return false;
        };
        // The cheap test first: most rows do not begin with a footer word.
        if !is_footer_text(first.text) || items.len() > 8 {
            return false;
        }
        let label_row = items.len() > 4
            && items[1..]
                .iter()
                .all(|i| is_label_like(i.text) && !is_footer_text(i.text));
        // "负责人 | … | 联系电话 | …" on a card is a field row: the word
        // stands alone without a colon, beside other fields' labels. A
        // sign-off reads "负责人：" or lists only sign-off words.
        let first_text = squeeze(first.text);
        let field_row = !first_text.contains([':', '：'])
            && crate::dictionary::normalize_label(&first_text)
                .chars()
                .count()
                <= 6
            && items[1..]
                .iter()
                .any(|i| is_label_like(i.text) && !is_footer_text(i.text));
        !label_row && !field_row
    })
}

/// A card has label cells with an empty value cell to their right, on
/// several rows, starting on the first row: a roster's header row has its
/// labels side by side.
fn looks_like_card(grid: &Grid, h0: usize, end: usize, title: Option<&str>) -> bool {
    let kv_row = |r: usize| {
        let items = grid.items(r, false);
        let pairs = items
            .iter()
            .filter(|it| {
                is_label_like(it.text)
                    && !is_options_only(it.text)
                    && it.right + 1 < grid.width()
                    && (grid.value(r, it.right + 1).is_empty()
                        || is_options_only(grid.value(r, it.right + 1)))
                    && grid.anchor(r, it.right + 1) != (it.row, it.left)
            })
            .count();
        pairs
    };
    // A section: a label merged down on the left, a row of labels to its
    // right, and nothing but blanks beneath them inside the merge (a small
    // table of family members, or fields too many for one row). A roster's
    // two-level header has labels in its second row.
    let section_row = |r: usize| {
        let items = grid.items(r, false);
        let Some(s) = items.first() else {
            return false;
        };
        s.left == 0
            && s.bottom > s.row
            && s.row == r
            && is_label_like(s.text)
            && items.len() >= 3
            && items[1..].iter().all(|i| is_label_like(i.text))
            && (r + 1..=s.bottom).all(|rr| {
                grid.items(rr, false)
                    .iter()
                    .all(|i| (i.row, i.left) == (s.row, s.left) || i.text.trim().is_empty())
            })
    };
    let first = kv_row(h0);
    if first == 0 && !section_row(h0) {
        return false;
    }
    let rows = (h0..end.min(h0 + 30))
        .filter(|&r| kv_row(r) > 0 || section_row(r))
        .count();
    let card_title = title.is_some_and(|t| {
        [
            "申请表",
            "登记表",
            "审批表",
            "核查表",
            "评估表",
            "鉴定表",
            "调查表",
            "信息表",
            "采集表",
            "审核表",
            "卡",
        ]
        .iter()
        .any(|w| t.contains(w))
    });
    rows >= 3 || (card_title && rows >= 2)
}

/// Fields a card may have, as a report may have columns: a sheet of
/// labels a thousand rows deep is not one card.
pub const MAX_FIELDS: usize = 500;

/// The fields of a card in reading order. A label merged down over several
/// rows with fields to its right is a section; a lone wide label on its own
/// row heads the rows below it.
fn card_fields(
    grid: &Grid,
    h0: usize,
    end: usize,
) -> (Vec<HeaderNode>, Vec<LeafColumn>, usize, bool) {
    // Where each row's rightmost label starts, worked out once: asking
    // every label for the labels to its right was quadratic in a row.
    let rightmost_label: Vec<Option<usize>> = (0..end)
        .map(|r| {
            if r < h0 {
                return None;
            }
            grid.items(r, false)
                .iter()
                .filter(|o| is_label_like(o.text))
                .map(|o| o.left)
                .max()
        })
        .collect();
    let mut sections: Vec<(Item<'_>, usize, Option<usize>)> = Vec::new(); // item, until row, tree index
    let mut tree: Vec<HeaderNode> = Vec::new();
    let mut columns = Vec::new();
    let mut banner: Option<(String, usize)> = None;
    let mut last = h0;
    for r in h0..end {
        let items = grid.items(r, false);
        if items.is_empty() {
            continue;
        }
        if items.len() == 1 && is_label_like(items[0].text) {
            let it = &items[0];
            let wide = it.right - it.left + 1 >= (grid.width() / 2).max(2);
            if wide {
                tree.push(node(it, Vec::new()));
                banner = Some((squeeze(it.text), tree.len() - 1));
                last = r;
                continue;
            }
        }
        for it in &items {
            if !is_label_like(it.text) || is_options_only(it.text) {
                continue;
            }
            if columns.len() >= MAX_FIELDS {
                return (tree, columns, last, true);
            }
            let has_right = (it.row..=it.bottom)
                .any(|rr| rightmost_label.get(rr).copied().flatten() > Some(it.right));
            if it.bottom > it.row && has_right && it.left <= 1 {
                tree.push(node(it, Vec::new()));
                sections.push((it.clone(), it.bottom, Some(tree.len() - 1)));
                continue;
            }
            let section = sections
                .iter()
                .rev()
                .find(|(s, until, _)| s.row <= r && r <= *until && s.right < it.left);
            let mut path = Vec::new();
            let parent = if let Some((s, _, idx)) = section {
                path.push(squeeze(s.text));
                *idx
            } else if let Some((b, idx)) = &banner {
                path.push(b.clone());
                Some(*idx)
            } else {
                None
            };
            path.push(squeeze(it.text));
            let value_cell = if it.right + 1 < grid.width()
                && grid.anchor(r, it.right + 1) != (it.row, it.left)
                && !is_label_like(grid.value(r, it.right + 1))
            {
                Some(grid.anchor(r, it.right + 1))
            } else {
                Some((it.bottom + 1, it.left))
            };
            let leaf = node(it, Vec::new());
            match parent {
                Some(i) => tree[i].children.push(leaf),
                None => tree.push(leaf),
            }
            columns.push(LeafColumn {
                left: it.left,
                right: it.right,
                path,
                unit: None,
                label_cell: Some((it.row, it.left)),
                value_cell,
            });
            last = last.max(it.bottom);
        }
    }
    (tree, columns, last, false)
}

fn node(it: &Item<'_>, children: Vec<HeaderNode>) -> HeaderNode {
    HeaderNode {
        label: squeeze(it.text),
        top: it.row,
        bottom: it.bottom,
        left: it.left,
        right: it.right,
        children,
    }
}

const AREA_LABELS: [&str; 22] = [
    "地区",
    "单位",
    "单位名称",
    "栏目",
    "项目",
    "指标",
    "指标名称",
    "类别",
    "乡镇",
    "街道",
    "乡镇街道",
    "乡镇(街道)",
    "镇街",
    "村",
    "村(社区)",
    "区县",
    "行政区划",
    "地区名称",
    "名称",
    "区域",
    "分类",
    "类型",
];

const IDENTITY_WORDS: [&str; 7] = [
    "姓名",
    "身份证",
    "身份号码",
    "证件号码",
    "户主",
    "出生",
    "性别",
];

fn table_kind(
    grid: &Grid,
    title: Option<&str>,
    columns: &[LeafColumn],
    data: (usize, usize),
) -> FormKind {
    let mut stat = 0i32;
    let mut roster = 0i32;
    if let Some(t) = title {
        let t = squeeze(t);
        if [
            "统计表",
            "汇总表",
            "统计",
            "情况表",
            "报表",
            "任务",
            "分解",
            "进度表",
            "影响",
        ]
        .iter()
        .any(|w| t.contains(w))
        {
            stat += 2;
        }
        if ["花名册", "名册", "名单", "台账", "明细", "登记表", "人员"]
            .iter()
            .any(|w| t.contains(w))
        {
            roster += 2;
        }
    }
    let leaves: Vec<String> = columns
        .iter()
        .filter_map(|c| c.path.last())
        .map(|l| crate::dictionary::normalize_label(l))
        .collect();
    if let Some(first) = columns.first() {
        let head = crate::dictionary::normalize_label(&first.path.join(""));
        if AREA_LABELS
            .iter()
            .any(|a| head == *a || head.starts_with(a) && head.chars().count() <= 6)
        {
            stat += 2;
        }
    }
    if leaves
        .iter()
        .any(|l| IDENTITY_WORDS.iter().any(|w| l.contains(w)))
    {
        roster += 3;
    }
    let measure = |l: &str| {
        l.ends_with('数')
            || l.ends_with("金额")
            || l.ends_with("面积")
            || l.ends_with("产量")
            || l.contains("其中")
            || l.ends_with("合计")
            || l.ends_with("小计")
            || l.ends_with("支出")
            || l.ends_with("损失")
            || l.contains('/')
    };
    let measures = leaves.iter().filter(|l| measure(l)).count()
        + columns
            .iter()
            .filter(|c| c.unit.is_some() || c.path.iter().any(|p| p.contains("其中")))
            .count();
    if measures * 5 >= leaves.len() * 2 {
        stat += 2;
    }
    let first_col: Vec<String> = (data.0..data.1)
        .map(|r| squeeze(grid.value(r, columns.first().map_or(0, |c| c.left))))
        .filter(|s| !s.is_empty())
        .collect();
    if first_col
        .iter()
        .any(|s| s == "合计" || s == "总计" || s.starts_with("其中"))
    {
        stat += 1;
    }
    if first_col.len() >= 3 && first_col.iter().take(5).all(|s| small_integer(s).is_some()) {
        roster += 1;
    }
    if first_col
        .iter()
        .any(|s| has_cjk(s) && s.ends_with("村") || s.ends_with("社区") || s.ends_with("镇"))
    {
        stat += 1;
    }
    if stat > roster {
        FormKind::Statistical
    } else {
        FormKind::Roster
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A thousand rows of label–blank pairs read as one card: it stops at
    /// the field limit and says where.
    #[test]
    fn a_card_a_thousand_rows_deep_stops_at_the_field_limit() {
        let rows: Vec<Vec<String>> = (0..1_000)
            .map(|r| {
                (0..64)
                    .map(|c| {
                        if c % 2 == 0 {
                            format!("项目{}", r % 10)
                        } else {
                            String::new()
                        }
                    })
                    .collect()
            })
            .collect();
        let layout = analyze(&Grid::new(rows, Vec::new())).expect("a card");
        assert_eq!(layout.kind, FormKind::Card);
        assert_eq!(layout.columns.len(), MAX_FIELDS);
        assert!(
            layout.notes.iter().any(|n| n.contains("只识别前 500 个")),
            "{:?}",
            layout.notes
        );
    }
}
