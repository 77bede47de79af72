//! The header block of a roster or statistical table: parents typed
//! without merging, how deep the header goes, and the tree of its cells.

use super::cues::{is_label_like, is_number_row, squeeze, unit_word};
use super::grid::{Grid, Item, Merge};
use super::layout::{column_name, texts, HeaderNode, LeafColumn};

/// Parents written without merging: "夫妇情况" typed in the first of its
/// columns, the cells to its right left blank, and the children in the row
/// below. They are read as if merged, so the tree is the same either way.
pub(super) fn implicit_parents(grid: &Grid, h0: usize) -> std::borrow::Cow<'_, Grid> {
    let below = h0 + 1;
    if below >= grid.height() {
        return std::borrow::Cow::Borrowed(grid);
    }
    let row_below = grid.items(below, false);
    if row_below.len() < 2
        || !row_below.iter().all(|i| is_label_like(i.text))
        || is_number_row(&texts(&row_below))
    {
        return std::borrow::Cow::Borrowed(grid);
    }
    let mut extra = Vec::new();
    for it in grid.items(h0, false) {
        if it.is_merged() || grid.is_blank(below, it.left) {
            continue;
        }
        let mut right = it.right;
        while right + 1 < grid.width()
            && grid.is_blank(h0, right + 1)
            && !grid.is_blank(below, right + 1)
        {
            right += 1;
        }
        if right > it.right {
            extra.push(Merge {
                top: h0,
                left: it.left,
                bottom: h0,
                right,
            });
        }
    }
    if extra.is_empty() {
        return std::borrow::Cow::Borrowed(grid);
    }
    std::borrow::Cow::Owned(grid.with_extra_merges(extra))
}

/// Rows a header may take. Real forms nest three to six levels; a sheet
/// whose every row is a merged parent over the labels below it would
/// otherwise make the whole sheet one header of a thousand levels.
pub const MAX_HEADER_ROWS: usize = 20;

/// The last header row: as deep as the tallest merge that starts in the
/// header, and at least one row under a parent merged across columns; and
/// whether it was cut at [`MAX_HEADER_ROWS`].
///
/// One sweep down the rows: a row can only deepen the header while it is
/// the header's last row, so rows already passed need no second look (the
/// loop that looked again was quadratic in the rows).
pub(super) fn header_bottom(grid: &Grid, h0: usize) -> (usize, bool) {
    let last_row = grid.height().saturating_sub(1);
    let cap = h0 + MAX_HEADER_ROWS - 1;
    let mut bottom = h0;
    let mut r = h0;
    while r <= bottom && r <= last_row {
        let mut below: Option<Vec<Item<'_>>> = None;
        for it in grid.items(r, true) {
            bottom = bottom.max(it.bottom);
            if it.bottom == r && it.right > it.left && r >= bottom && r < last_row {
                let below = below.get_or_insert_with(|| grid.items(r + 1, false));
                let under: Vec<&Item<'_>> = below
                    .iter()
                    .filter(|b| b.left >= it.left && b.right <= it.right)
                    .collect();
                if !under.is_empty()
                    && under
                        .iter()
                        .all(|b| is_label_like(b.text) || unit_word(b.text).is_some())
                    && !is_number_row(&under.iter().map(|b| b.text).collect::<Vec<_>>())
                {
                    bottom = r + 1;
                }
            }
        }
        if bottom > cap {
            return (cap.min(last_row), true);
        }
        r += 1;
    }
    (bottom.min(last_row), false)
}

/// Leaf columns and the tree, from the chain of header cells above each
/// sheet column. Columns with the same chain are one leaf (merged across).
pub(super) fn header_tree(
    grid: &Grid,
    h0: usize,
    bottom: usize,
    notes: &mut Vec<String>,
) -> (Vec<HeaderNode>, Vec<LeafColumn>) {
    let chain = |c: usize| {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for r in h0..=bottom {
            let a = grid.anchor(r, c);
            if a.0 < h0 {
                continue;
            }
            if out.last() != Some(&a)
                && (!grid.raw(a.0, a.1).is_empty() || grid.merge_at(r, c).is_some())
            {
                out.push(a);
            }
        }
        out
    };
    let all: Vec<Vec<(usize, usize)>> = (0..grid.width()).map(chain).collect();
    let mut columns: Vec<LeafColumn> = Vec::new();
    let mut chains: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut c = 0;
    while c < grid.width() {
        let ch = all[c].clone();
        let mut right = c;
        while right + 1 < grid.width() && all[right + 1] == ch {
            right += 1;
        }
        let path: Vec<String> = ch
            .iter()
            .map(|&(r, cc)| squeeze(grid.raw(r, cc)))
            .filter(|s| !s.is_empty())
            .collect();
        if path.is_empty() {
            let has_data = (bottom + 1..grid.height()).any(|r| !grid.raw(r, c).is_empty());
            if has_data {
                notes.push(format!(
                    "第 {} 列有数据但没有栏目名称，未作为栏目",
                    column_name(c)
                ));
            }
        } else {
            let mut path = path;
            let mut unit = None;
            if path.len() > 1 {
                if let Some(u) = path.last().and_then(|l| unit_word(l)) {
                    unit = Some(u);
                    path.pop();
                }
            }
            columns.push(LeafColumn {
                left: c,
                right,
                path,
                unit,
                label_cell: ch.last().copied(),
                value_cell: None,
            });
            chains.push(ch);
        }
        c = right + 1;
    }
    // The tree: each anchor is a node, children in column order.
    let mut tree: Vec<HeaderNode> = Vec::new();
    for ch in &chains {
        let mut level = &mut tree;
        for &(r, cc) in ch {
            let m = grid.merge_at(r, cc);
            let (bottom_r, right_c) = m.map_or((r, cc), |m| (m.bottom, m.right));
            let pos = level.iter().position(|n| n.top == r && n.left == cc);
            let i = match pos {
                Some(i) => i,
                None => {
                    level.push(HeaderNode {
                        label: squeeze(grid.raw(r, cc)),
                        top: r,
                        bottom: bottom_r,
                        left: cc,
                        right: right_c,
                        children: Vec::new(),
                    });
                    level.len() - 1
                }
            };
            level = &mut level[i].children;
        }
    }
    (tree, columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row a merged parent over the labels of the row below: the
    /// header stops at its limit, says so, and the sweep looks at each
    /// row once.
    #[test]
    fn a_staircase_of_parents_is_cut_at_the_header_limit() {
        let (height, width) = (1_000, 64);
        let rows: Vec<Vec<String>> = (0..height)
            .map(|_| {
                (0..width)
                    .map(|c| {
                        if c % 2 == 0 {
                            "项目".to_string()
                        } else {
                            String::new()
                        }
                    })
                    .collect()
            })
            .collect();
        let merges: Vec<Merge> = (0..height)
            .flat_map(|r| {
                (0..width).step_by(2).map(move |c| Merge {
                    top: r,
                    left: c,
                    bottom: r,
                    right: c + 1,
                })
            })
            .collect();
        let grid = Grid::new(rows, merges);
        assert_eq!(header_bottom(&grid, 0), (MAX_HEADER_ROWS - 1, true));
        let layout = crate::forms::analyze(&grid).expect("still a form");
        assert!(
            layout.header_rows.1 < MAX_HEADER_ROWS,
            "{:?}",
            layout.header_rows
        );
        assert!(
            layout.notes.iter().any(|n| n.contains("表头超过 20 行")),
            "{:?}",
            layout.notes
        );
        assert!(layout
            .columns
            .iter()
            .all(|c| c.path.len() <= MAX_HEADER_ROWS));
    }

    #[test]
    fn a_parent_over_labels_takes_the_row_below() {
        let rows = vec![
            vec!["姓名".to_string(), "家庭情况".to_string(), String::new()],
            vec![String::new(), "人口".to_string(), "住址".to_string()],
            vec!["张三".to_string(), "3".to_string(), "民主村".to_string()],
        ];
        let merges = vec![
            Merge {
                top: 0,
                left: 0,
                bottom: 1,
                right: 0,
            },
            Merge {
                top: 0,
                left: 1,
                bottom: 0,
                right: 2,
            },
        ];
        let grid = Grid::new(rows, merges);
        assert_eq!(header_bottom(&grid, 0), (1, false));
    }
}
