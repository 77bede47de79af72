//! The plain-text header notation of the forms corpus, and sheets built
//! from it. One top-level column per line; `父 > 子1 | 子2`; a nested group
//! is `(子 > 孙1 | 孙2)`; a parent marked `＊` is itself a data column;
//! `〔空白合并格〕` is a blank merged parent; `〔2列合并〕` widens a cell; any
//! other `〔…〕` is an editor's note and not part of the form.
//!
//! Tests and the matching benchmark use it to rebuild real sheets with
//! merged headers from the corpus, so the layout analysis is checked
//! against headers written by people, not by the analyser's author.

use super::grid::Merge;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecNode {
    /// Empty for a blank merged parent or the data cell under a ＊ parent.
    pub label: String,
    /// Sheet columns a leaf spans.
    pub span: usize,
    pub children: Vec<SpecNode>,
}

impl SpecNode {
    fn leaf(label: &str, span: usize) -> SpecNode {
        SpecNode {
            label: label.to_string(),
            span,
            children: Vec::new(),
        }
    }
    fn depth(&self) -> usize {
        1 + self.children.iter().map(SpecNode::depth).max().unwrap_or(0)
    }
    fn width(&self) -> usize {
        if self.children.is_empty() {
            self.span
        } else {
            self.children.iter().map(SpecNode::width).sum()
        }
    }
    /// Leaf paths, top to leaf, blank labels skipped.
    pub fn paths(&self) -> Vec<Vec<String>> {
        let own: Vec<String> = if self.label.is_empty() {
            vec![]
        } else {
            vec![self.label.clone()]
        };
        if self.children.is_empty() {
            return vec![own];
        }
        self.children
            .iter()
            .flat_map(|c| {
                c.paths().into_iter().map({
                    let own = own.clone();
                    move |p| own.iter().cloned().chain(p).collect()
                })
            })
            .collect()
    }
}

/// Splits on `sep` outside ASCII parentheses.
fn split_top(s: &str, sep: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    let mut rest = s;
    while !rest.is_empty() {
        if depth == 0 && rest.starts_with(sep) {
            out.push(std::mem::take(&mut cur));
            rest = &rest[sep.len()..];
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        cur.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out.push(cur);
    out.into_iter().map(|p| p.trim().to_string()).collect()
}

fn is_note(s: &str) -> bool {
    s.starts_with('〔') && s.ends_with('〕') && s != "〔空白合并格〕"
}

/// Removes editor's notes written inside a label ("42 残〔截断〕").
fn strip_notes(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find('〔') {
        let Some(len) = rest[start..].find('〕') else {
            break;
        };
        let note = &rest[start..start + len + '〕'.len_utf8()];
        out.push_str(&rest[..start]);
        if note == "〔空白合并格〕" || note == "〔2列合并〕" {
            out.push_str(note);
        }
        rest = &rest[start + len + '〕'.len_utf8()..];
    }
    out.push_str(rest);
    out.trim().to_string()
}

fn parse_item(s: &str) -> Option<SpecNode> {
    let s = s.trim();
    if s.is_empty() || is_note(s) {
        return None;
    }
    let s = strip_notes(s);
    let s = s.as_str();
    if s.is_empty() {
        return None;
    }
    let inner = if s.starts_with('(') && s.ends_with(')') && s.contains(" > ") {
        &s[1..s.len() - 1]
    } else {
        s
    };
    let parts = split_top(inner, " > ");
    let (head, tail) = match parts.as_slice() {
        [head] => (head.as_str(), None),
        [head, rest @ ..] => (head.as_str(), Some(rest.join(" > "))),
        [] => return None,
    };
    let mut span = 1;
    let mut label = head.to_string();
    if let Some(pos) = label.find("〔2列合并〕") {
        label.replace_range(pos..pos + "〔2列合并〕".len(), "");
        span = 2;
    }
    let starred = label.ends_with('＊') || label.ends_with('*');
    let label = label.trim_end_matches(['＊', '*']).trim();
    let label = if label == "〔空白合并格〕" {
        ""
    } else {
        label
    };
    let Some(tail) = tail else {
        return Some(SpecNode::leaf(label, span));
    };
    let mut children: Vec<SpecNode> = split_top(&tail, " | ")
        .iter()
        .filter_map(|c| parse_item(c))
        .collect();
    if children.is_empty() {
        return None;
    }
    if starred {
        children.insert(0, SpecNode::leaf("", 1));
    }
    Some(SpecNode {
        label: label.to_string(),
        span: 1,
        children,
    })
}

/// Parses header lines (one top-level column each).
pub fn parse_header(text: &str) -> Vec<SpecNode> {
    text.lines().filter_map(parse_item).collect()
}

/// How a sheet built from a spec looks around its header.
#[derive(Debug, Clone, Default)]
pub struct SheetSpec {
    pub title: Option<String>,
    pub meta: Vec<String>,
    pub header: Vec<SpecNode>,
    /// Print 1 2 3 … under the header.
    pub number_row: bool,
    /// Data rows under the header (already split into cells).
    pub rows: Vec<Vec<String>>,
    pub footer: Vec<String>,
}

/// The cells and merges of a table sheet: title and meta lines merged
/// across the width, the header with merged parents and vertically merged
/// leaves, then the number row, data and footer.
pub fn table_sheet(spec: &SheetSpec) -> (Vec<Vec<String>>, Vec<Merge>) {
    let depth = spec.header.iter().map(SpecNode::depth).max().unwrap_or(1);
    let width: usize = spec
        .header
        .iter()
        .map(SpecNode::width)
        .sum::<usize>()
        .max(1);
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
    if let Some(t) = &spec.title {
        full_line(&mut rows, &mut merges, t);
    }
    for m in &spec.meta {
        full_line(&mut rows, &mut merges, m);
    }
    let h0 = rows.len();
    for _ in 0..depth {
        rows.push(vec![String::new(); width]);
    }
    fn place(
        node: &SpecNode,
        level: usize,
        col: usize,
        h0: usize,
        depth: usize,
        rows: &mut [Vec<String>],
        merges: &mut Vec<Merge>,
    ) -> usize {
        let w = node.width();
        rows[h0 + level][col] = node.label.clone();
        let bottom = if node.children.is_empty() {
            h0 + depth - 1
        } else {
            h0 + level
        };
        if w > 1 || bottom > h0 + level {
            merges.push(Merge {
                top: h0 + level,
                left: col,
                bottom,
                right: col + w - 1,
            });
        }
        let mut c = col;
        for child in &node.children {
            c += place(child, level + 1, c, h0, depth, rows, merges);
        }
        w
    }
    let mut col = 0;
    for n in &spec.header {
        col += place(n, 0, col, h0, depth, &mut rows, &mut merges);
    }
    if spec.number_row {
        rows.push((1..=width).map(|i| i.to_string()).collect());
    }
    for r in &spec.rows {
        let mut row = r.clone();
        row.resize(width, String::new());
        rows.push(row);
    }
    for f in &spec.footer {
        full_line(&mut rows, &mut merges, f);
    }
    (rows, merges)
}

/// A key–value card: two label/value pairs per row; a group becomes a
/// section cell merged down the left over its own sub-table (labels side by
/// side, two blank rows under them).
pub fn card_sheet(spec: &SheetSpec) -> (Vec<Vec<String>>, Vec<Merge>) {
    let width = 6;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut merges = Vec::new();
    let line = |rows: &mut Vec<Vec<String>>, merges: &mut Vec<Merge>, text: &str| {
        let r = rows.len();
        let mut row = vec![String::new(); width];
        row[0] = text.to_string();
        rows.push(row);
        merges.push(Merge {
            top: r,
            left: 0,
            bottom: r,
            right: width - 1,
        });
    };
    if let Some(t) = &spec.title {
        line(&mut rows, &mut merges, t);
    }
    for m in &spec.meta {
        line(&mut rows, &mut merges, m);
    }
    let mut pending: Vec<&SpecNode> = Vec::new();
    let flush =
        |rows: &mut Vec<Vec<String>>, merges: &mut Vec<Merge>, pending: &mut Vec<&SpecNode>| {
            for pair in pending.chunks(2) {
                let r = rows.len();
                let mut row = vec![String::new(); width];
                row[0] = pair[0].label.clone();
                merges.push(Merge {
                    top: r,
                    left: 1,
                    bottom: r,
                    right: 2,
                });
                if let Some(second) = pair.get(1) {
                    row[3] = second.label.clone();
                    merges.push(Merge {
                        top: r,
                        left: 4,
                        bottom: r,
                        right: 5,
                    });
                }
                rows.push(row);
            }
            pending.clear();
        };
    for n in &spec.header {
        if n.children.is_empty() {
            pending.push(n);
            continue;
        }
        flush(&mut rows, &mut merges, &mut pending);
        let leaves: Vec<String> = n.paths().into_iter().map(|p| p[1..].join("")).collect();
        for chunk in leaves.chunks(width - 1) {
            let r = rows.len();
            let mut row = vec![String::new(); width];
            row[0] = n.label.clone();
            for (i, l) in chunk.iter().enumerate() {
                row[i + 1] = l.clone();
            }
            rows.push(row);
            rows.push(vec![String::new(); width]);
            rows.push(vec![String::new(); width]);
            merges.push(Merge {
                top: r,
                left: 0,
                bottom: r + 2,
                right: 0,
            });
        }
    }
    flush(&mut rows, &mut merges, &mut pending);
    for f in &spec.footer {
        line(&mut rows, &mut merges, f);
    }
    (rows, merges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nesting_stars_blanks_and_notes() {
        let h = parse_header(
            "序号\n家庭成员 > 姓名 | 与户主关系\n资金＊ > 其中:低保金 | 其中:其他\n\
             明细 > (住房 > 隐患 | (〔空白合并格〕 > 加固 | 重建)) | 损失\n\
             栏目 灾害类型〔2列合并〕\n〔摘录在此截断〕",
        );
        assert_eq!(h.len(), 5);
        let paths: Vec<Vec<String>> = h.iter().flat_map(SpecNode::paths).collect();
        let show: Vec<String> = paths.iter().map(|p| p.join(">")).collect();
        assert_eq!(
            show,
            vec![
                "序号",
                "家庭成员>姓名",
                "家庭成员>与户主关系",
                "资金",
                "资金>其中:低保金",
                "资金>其中:其他",
                "明细>住房>隐患",
                "明细>住房>加固",
                "明细>住房>重建",
                "明细>损失",
                "栏目 灾害类型",
            ]
        );
        assert_eq!(h[4].span, 2);
    }

    #[test]
    fn table_sheet_merges_parents_and_leaves() {
        let h = parse_header("序号\n家庭成员 > 姓名 | 关系");
        let (rows, merges) = table_sheet(&SheetSpec {
            title: Some("花名册".into()),
            header: h,
            number_row: true,
            ..Default::default()
        });
        assert_eq!(rows[1], vec!["序号", "家庭成员", ""]);
        assert_eq!(rows[2], vec!["", "姓名", "关系"]);
        assert_eq!(rows[3], vec!["1", "2", "3"]);
        assert!(merges.contains(&Merge {
            top: 1,
            left: 0,
            bottom: 2,
            right: 0
        }));
        assert!(merges.contains(&Merge {
            top: 1,
            left: 1,
            bottom: 1,
            right: 2
        }));
    }
}
