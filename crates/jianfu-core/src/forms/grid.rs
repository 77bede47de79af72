//! A sheet as the layout analysis sees it: text cells plus merged ranges.
//! Reading a file into a `Grid` is the app's job; everything here is pure.

use std::collections::HashMap;

/// A merged range, inclusive on both ends, 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Merge {
    pub top: usize,
    pub left: usize,
    pub bottom: usize,
    pub right: usize,
}

impl Merge {
    pub fn width(&self) -> usize {
        self.right - self.left + 1
    }
    pub fn height(&self) -> usize {
        self.bottom - self.top + 1
    }
}

/// One non-empty (or merged) cell as it appears on the sheet: a merged
/// range counts once, at its top-left corner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item<'a> {
    pub row: usize,
    pub left: usize,
    pub right: usize,
    pub bottom: usize,
    pub text: &'a str,
}

impl Item<'_> {
    pub fn is_merged(&self) -> bool {
        self.right > self.left || self.bottom > self.row
    }
}

#[derive(Debug, Clone, Default)]
pub struct Grid {
    rows: Vec<Vec<String>>,
    merges: Vec<Merge>,
    /// Every cell of every merge → index into `merges`.
    covered: HashMap<(usize, usize), usize>,
    width: usize,
}

impl Grid {
    /// Texts are trimmed; merges outside the sheet or overlapping an earlier
    /// merge are dropped (a damaged file must not make analysis panic).
    pub fn new(rows: Vec<Vec<String>>, merges: Vec<Merge>) -> Grid {
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|r| r.into_iter().map(|c| c.trim().to_string()).collect())
            .collect();
        let text_width = rows
            .iter()
            .map(|r| r.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1))
            .max()
            .unwrap_or(0);
        let mut g = Grid {
            rows,
            merges: Vec::new(),
            covered: HashMap::new(),
            width: text_width,
        };
        // The reader refuses files past its limits; this ceiling keeps the
        // covered-cell map bounded whatever a caller passes in.
        let mut covered_total = 0usize;
        for m in merges {
            if m.bottom < m.top || m.right < m.left || m.height() * m.width() > 1_000_000 {
                continue;
            }
            covered_total += m.height() * m.width();
            if covered_total > 2_000_000 {
                break;
            }
            if m.height() == 1 && m.width() == 1 {
                continue;
            }
            let cells: Vec<(usize, usize)> = (m.top..=m.bottom)
                .flat_map(|r| (m.left..=m.right).map(move |c| (r, c)))
                .collect();
            if cells.iter().any(|k| g.covered.contains_key(k)) {
                continue;
            }
            let idx = g.merges.len();
            for k in cells {
                g.covered.insert(k, idx);
            }
            // A merge reaching past the last text column still belongs to
            // the sheet (a title merged across the full width).
            if m.top < g.rows.len() {
                g.width = g.width.max(m.right + 1);
            }
            g.merges.push(m);
        }
        g
    }

    /// The same sheet with more merges (header cells that were meant to be
    /// merged but were typed without it).
    pub fn with_extra_merges(&self, extra: Vec<Merge>) -> Grid {
        let mut all = self.merges.clone();
        all.extend(extra);
        Grid::new(self.rows.clone(), all)
    }

    pub fn height(&self) -> usize {
        self.rows.len()
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn merges(&self) -> &[Merge] {
        &self.merges
    }

    /// The raw text of one cell ("" outside the sheet).
    pub fn raw(&self, row: usize, col: usize) -> &str {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .map_or("", String::as_str)
    }

    pub fn merge_at(&self, row: usize, col: usize) -> Option<&Merge> {
        self.covered.get(&(row, col)).map(|&i| &self.merges[i])
    }

    /// The top-left cell of the merge holding (row, col), or the cell itself.
    pub fn anchor(&self, row: usize, col: usize) -> (usize, usize) {
        self.merge_at(row, col)
            .map_or((row, col), |m| (m.top, m.left))
    }

    /// What a reader sees at (row, col): the merged range's text.
    pub fn value(&self, row: usize, col: usize) -> &str {
        let (r, c) = self.anchor(row, col);
        self.raw(r, c)
    }

    /// True when the cell shows nothing and belongs to no merge.
    pub fn is_blank(&self, row: usize, col: usize) -> bool {
        self.raw(row, col).is_empty() && self.merge_at(row, col).is_none()
    }

    /// True when the cell is part of a merge that starts in a row above.
    pub fn covered_from_above(&self, row: usize, col: usize) -> bool {
        self.merge_at(row, col).is_some_and(|m| m.top < row)
    }

    /// Cells whose top-left corner is in `row`, left to right. With
    /// `with_blank_merges`, merged ranges without text are included (a blank
    /// merged parent in a header still groups its children).
    pub fn items(&self, row: usize, with_blank_merges: bool) -> Vec<Item<'_>> {
        let mut out = Vec::new();
        let mut col = 0;
        while col < self.width {
            match self.merge_at(row, col) {
                Some(m) if m.top == row && m.left == col => {
                    let text = self.raw(row, col);
                    if !text.is_empty() || with_blank_merges {
                        out.push(Item {
                            row,
                            left: m.left,
                            right: m.right,
                            bottom: m.bottom,
                            text,
                        });
                    }
                    col = m.right + 1;
                }
                Some(m) => col = m.right.max(col) + 1,
                None => {
                    let text = self.raw(row, col);
                    if !text.is_empty() {
                        out.push(Item {
                            row,
                            left: col,
                            right: col,
                            bottom: row,
                            text,
                        });
                    }
                    col += 1;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(rows: &[&[&str]], merges: &[(usize, usize, usize, usize)]) -> Grid {
        Grid::new(
            rows.iter()
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .collect(),
            merges
                .iter()
                .map(|&(top, left, bottom, right)| Merge {
                    top,
                    left,
                    bottom,
                    right,
                })
                .collect(),
        )
    }

    #[test]
    fn merged_cells_read_as_their_anchor() {
        let grid = g(
            &[
                &["标题", "", ""],
                &["姓名", "家庭成员", ""],
                &["", "姓名", "关系"],
            ],
            &[(0, 0, 0, 2), (1, 0, 2, 0), (1, 1, 1, 2)],
        );
        assert_eq!(grid.width(), 3);
        assert_eq!(grid.value(2, 0), "姓名");
        assert_eq!(grid.value(1, 2), "家庭成员");
        assert!(grid.covered_from_above(2, 0));
        let items = grid.items(1, false);
        assert_eq!(items.len(), 2);
        assert_eq!((items[1].left, items[1].right), (1, 2));
        assert_eq!(grid.items(2, false).len(), 2);
    }

    #[test]
    fn overlapping_or_inverted_merges_are_dropped() {
        let grid = g(
            &[&["a", "b"], &["c", "d"]],
            &[(0, 0, 1, 1), (1, 1, 1, 1), (0, 1, 1, 1), (1, 0, 0, 0)],
        );
        assert_eq!(grid.merges().len(), 1);
    }
}
