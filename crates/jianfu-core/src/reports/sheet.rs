//! The report as a sheet in the department's layout: title with the period,
//! meta lines, the template's merged header, optional column numbers, the
//! data placed under each leaf, and the footer notes.

use super::definition::{ColumnDef, ReportDef, TemplateLayout};
use crate::forms::Merge;

/// A header built from column paths, for reports designed in the UI: each
/// level is a row; equal adjacent parents merge across; a short path's
/// leaf merges down to the bottom row.
pub fn header_from_paths(paths: &[Vec<String>]) -> (Vec<Vec<String>>, Vec<Merge>) {
    let depth = paths.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let width = paths.len();
    let mut rows = vec![vec![String::new(); width]; depth];
    let mut merges = Vec::new();
    for level in 0..depth {
        let mut c = 0;
        while c < width {
            let p = &paths[c];
            if level >= p.len() {
                c += 1;
                continue;
            }
            let is_leaf = level + 1 == p.len();
            // Columns to the right that share this node (same path prefix).
            let mut end = c;
            if !is_leaf {
                while end + 1 < width
                    && paths[end + 1].len() > level + 1
                    && paths[end + 1][..=level] == p[..=level]
                {
                    end += 1;
                }
            }
            rows[level][c] = p[level].clone();
            let bottom = if is_leaf { depth - 1 } else { level };
            if end > c || bottom > level {
                merges.push(Merge {
                    top: level,
                    left: c,
                    bottom,
                    right: end,
                });
            }
            c = end + 1;
        }
    }
    (rows, merges)
}

/// A layout for columns designed in the UI, one sheet column each.
pub fn layout_for(columns: &mut [ColumnDef]) -> TemplateLayout {
    let paths: Vec<Vec<String>> = columns.iter().map(|c| c.path.clone()).collect();
    for (i, c) in columns.iter_mut().enumerate() {
        c.left = i;
        c.right = i;
    }
    let (header, merges) = header_from_paths(&paths);
    TemplateLayout {
        header,
        merges,
        meta: Vec::new(),
        footer: Vec::new(),
        number_row: false,
    }
}

/// A sheet ready to write: rows of text, merges, the header's row range and
/// which sheet columns hold numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetLayout {
    pub rows: Vec<Vec<String>>,
    pub merges: Vec<Merge>,
    pub header_rows: (usize, usize),
    pub data_rows: (usize, usize),
}

/// Lays a report out: `title` (with the period), `meta` lines (the
/// template's own first, then e.g. 填报单位), the header, the data rows
/// (one text per report column) and the footer.
pub fn sheet(def: &ReportDef, title: &str, meta: &[String], data: &[Vec<String>]) -> SheetLayout {
    let width = def
        .columns
        .iter()
        .map(|c| c.right + 1)
        .chain(def.layout.header.iter().map(Vec::len))
        .max()
        .unwrap_or(1);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut merges = Vec::new();
    let full_line = |rows: &mut Vec<Vec<String>>, merges: &mut Vec<Merge>, text: &str| {
        let r = rows.len();
        let mut row = vec![String::new(); width];
        row[0] = text.to_string();
        rows.push(row);
        if width > 1 {
            merges.push(Merge {
                top: r,
                left: 0,
                bottom: r,
                right: width - 1,
            });
        }
    };
    full_line(&mut rows, &mut merges, title);
    for m in def.layout.meta.iter().chain(meta) {
        full_line(&mut rows, &mut merges, m);
    }
    let top = rows.len();
    for h in &def.layout.header {
        let mut row = h.clone();
        row.resize(width, String::new());
        rows.push(row);
    }
    merges.extend(def.layout.merges.iter().map(|m| Merge {
        top: m.top + top,
        bottom: m.bottom + top,
        ..*m
    }));
    if def.layout.number_row {
        let mut row = vec![String::new(); width];
        for (i, c) in def.columns.iter().enumerate() {
            row[c.left] = (i + 1).to_string();
        }
        rows.push(row);
    }
    let header_bottom = rows.len().saturating_sub(1);
    let data_top = rows.len();
    for d in data {
        let r = rows.len();
        let mut row = vec![String::new(); width];
        for (c, text) in def.columns.iter().zip(d) {
            row[c.left] = text.clone();
            if c.right > c.left {
                merges.push(Merge {
                    top: r,
                    left: c.left,
                    bottom: r,
                    right: c.right,
                });
            }
        }
        rows.push(row);
    }
    let data_bottom = rows.len().saturating_sub(1);
    for f in &def.layout.footer {
        full_line(&mut rows, &mut merges, f);
    }
    SheetLayout {
        rows,
        merges,
        header_rows: (top, header_bottom),
        data_rows: (data_top, data_bottom),
    }
}

/// Lays a card (登记表) out as the department printed it: the title and
/// meta lines once, then for each entity the card's own rows and merges
/// with each value in its cell, a blank row between cards.
pub fn card_sheet(
    def: &ReportDef,
    title: &str,
    meta: &[String],
    data: &[Vec<String>],
) -> SheetLayout {
    let width = def
        .layout
        .header
        .iter()
        .map(Vec::len)
        .chain(
            def.columns
                .iter()
                .filter_map(|c| c.value_cell.map(|(_, col)| col + 1)),
        )
        .max()
        .unwrap_or(1);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut merges = Vec::new();
    for text in std::iter::once(title)
        .chain(def.layout.meta.iter().map(String::as_str))
        .chain(meta.iter().map(String::as_str))
    {
        let r = rows.len();
        let mut row = vec![String::new(); width];
        row[0] = text.to_string();
        rows.push(row);
        if width > 1 {
            merges.push(Merge {
                top: r,
                left: 0,
                bottom: r,
                right: width - 1,
            });
        }
    }
    let first = rows.len();
    for (n, d) in data.iter().enumerate() {
        if n > 0 {
            rows.push(vec![String::new(); width]);
        }
        let top = rows.len();
        for h in &def.layout.header {
            let mut row = h.clone();
            row.resize(width, String::new());
            rows.push(row);
        }
        merges.extend(def.layout.merges.iter().map(|m| Merge {
            top: m.top + top,
            bottom: m.bottom + top,
            ..*m
        }));
        for (c, text) in def.columns.iter().zip(d) {
            if let Some((r, col)) = c.value_cell {
                if let Some(cell) = rows.get_mut(top + r).and_then(|row| row.get_mut(col)) {
                    *cell = text.clone();
                }
            }
        }
    }
    let last = rows.len().saturating_sub(1).max(first);
    SheetLayout {
        rows,
        merges,
        header_rows: (first, last),
        data_rows: (first, last),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_is_filled_once_per_entity_in_its_own_cells() {
        let cell = |label: &str, left: usize, value_cell| ColumnDef {
            path: vec![label.to_string()],
            source: crate::reports::ColumnSource::Manual,
            left,
            right: left,
            value_cell,
        };
        let def = ReportDef {
            title: "困难群众登记表".into(),
            kind: crate::reports::ReportKind::Card,
            entity: "person".into(),
            filter: None,
            columns: vec![
                cell("姓名", 0, Some((0, 1))),
                cell("性别", 2, Some((0, 3))),
                cell("家庭住址", 0, Some((1, 1))),
            ],
            rows: Default::default(),
            layout: TemplateLayout {
                header: vec![p(&["姓名", "", "性别", ""]), p(&["家庭住址", "", "", ""])],
                merges: vec![Merge {
                    top: 1,
                    left: 1,
                    bottom: 1,
                    right: 3,
                }],
                meta: vec![],
                footer: vec![],
                number_row: false,
            },
        };
        let data = vec![
            p(&["张三", "男", "民主村1号"]),
            p(&["李四", "女", "民主村2号"]),
        ];
        let s = card_sheet(
            &def,
            "困难群众登记表（2026年）",
            &p(&["填报单位：民主村社区"]),
            &data,
        );
        // Title, unit line, card one (2 rows), a blank row, card two.
        assert_eq!(s.rows.len(), 7);
        assert_eq!(s.rows[2], p(&["姓名", "张三", "性别", "男"]));
        assert_eq!(s.rows[3], p(&["家庭住址", "民主村1号", "", ""]));
        assert!(s.rows[4].iter().all(String::is_empty));
        assert_eq!(s.rows[5], p(&["姓名", "李四", "性别", "女"]));
        assert_eq!(s.rows[6][1], "民主村2号");
        // Each card keeps its own merges.
        let address_merges: Vec<usize> = s
            .merges
            .iter()
            .filter(|m| m.left == 1 && m.right == 3)
            .map(|m| m.top)
            .collect();
        assert_eq!(address_merges, vec![3, 6]);
        assert_eq!(s.header_rows, (2, 6));
    }

    fn p(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_three_level_header_merges_parents_across_and_short_leaves_down() {
        let paths = vec![
            p(&["序号"]),
            p(&["家庭成员", "姓名"]),
            p(&["家庭成员", "身份证号"]),
            p(&["收入", "工资", "月"]),
            p(&["收入", "工资", "年"]),
            p(&["收入", "其他"]),
        ];
        let (rows, merges) = header_from_paths(&paths);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], p(&["序号", "家庭成员", "", "收入", "", ""]));
        assert_eq!(rows[1], p(&["", "姓名", "身份证号", "工资", "", "其他"]));
        assert_eq!(rows[2], p(&["", "", "", "月", "年", ""]));
        let m = |top, left, bottom, right| Merge {
            top,
            left,
            bottom,
            right,
        };
        for want in [
            m(0, 0, 2, 0),
            m(0, 1, 0, 2),
            m(1, 1, 2, 1),
            m(0, 3, 0, 5),
            m(1, 3, 1, 4),
            m(1, 5, 2, 5),
        ] {
            assert!(merges.contains(&want), "missing {want:?} in {merges:?}");
        }
        assert_eq!(merges.len(), 7, "{merges:?}");
    }
}
