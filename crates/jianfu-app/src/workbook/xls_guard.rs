//! The old binary Excel format (.xls, BIFF8 in a compound file), checked
//! before calamine reads it.
//!
//! calamine parses every sheet when it opens an .xls: it reserves the cells
//! a DIMENSIONS record claims, builds each sheet's full rectangle from its
//! first to its last cell, and copies a shared string into every cell that
//! names it. This walk over the same records computes each of those sizes
//! from the file, so a small file that would need gigabytes is refused
//! before calamine starts.

use super::{column_name, too_big, SheetLimits};
use crate::{AppError, Result};
use std::io::{Cursor, Read};

fn u16_at(d: &[u8], at: usize) -> Option<u64> {
    Some(u16::from_le_bytes(d.get(at..at + 2)?.try_into().ok()?) as u64)
}

fn u32_at(d: &[u8], at: usize) -> Option<u64> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?) as u64)
}

/// The BIFF records of a stream: (type, data).
fn records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let typ = u16_at(stream, at)? as u16;
        let len = u16_at(stream, at + 2)? as usize;
        let data = stream.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some((typ, data))
    })
}

/// A reader over the SST record and its CONTINUE records, which may split a
/// string anywhere; each continuation of a string's characters starts with
/// a fresh flags byte.
struct Segments<'a> {
    segs: Vec<&'a [u8]>,
    seg: usize,
    pos: usize,
}

impl<'a> Segments<'a> {
    fn avail(&mut self) -> usize {
        while self.seg < self.segs.len() && self.pos >= self.segs[self.seg].len() {
            self.seg += 1;
            self.pos = 0;
        }
        self.segs.get(self.seg).map_or(0, |s| s.len() - self.pos)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.avail() < n {
            return None;
        }
        let s = &self.segs[self.seg][self.pos..self.pos + n];
        self.pos += n;
        Some(s)
    }

    fn skip(&mut self, mut n: usize) -> Option<()> {
        while n > 0 {
            let a = self.avail();
            if a == 0 {
                return None;
            }
            let k = a.min(n);
            self.pos += k;
            n -= k;
        }
        Some(())
    }

    /// Skips `chars` characters that may run on into the next record.
    fn skip_chars(&mut self, mut chars: usize, mut wide: bool) -> Option<()> {
        while chars > 0 {
            let in_seg = self.segs.get(self.seg)?.len().saturating_sub(self.pos);
            if in_seg == 0 {
                self.seg += 1;
                self.pos = 0;
                wide = self.take(1)?[0] & 1 == 1;
                continue;
            }
            let width = if wide { 2 } else { 1 };
            let n = chars.min(in_seg / width);
            if n == 0 {
                return None;
            }
            self.pos += n * width;
            chars -= n;
        }
        Some(())
    }
}

/// Characters of each shared string, in order.
fn shared_string_lengths(segs: Vec<&[u8]>) -> Vec<u64> {
    let mut r = Segments {
        segs,
        seg: 0,
        pos: 0,
    };
    let mut lengths = Vec::new();
    if r.skip(8).is_none() {
        return lengths;
    }
    while let Some(head) = r.take(3) {
        let chars = u16::from_le_bytes([head[0], head[1]]) as usize;
        let flags = head[2];
        let runs = if flags & 8 != 0 {
            r.take(2)
                .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]) as usize)
        } else {
            0
        };
        let ext = if flags & 4 != 0 {
            r.take(4)
                .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        } else {
            0
        };
        lengths.push(chars as u64);
        if r.skip_chars(chars, flags & 1 == 1).is_none() || r.skip(runs * 4 + ext).is_none() {
            break;
        }
    }
    lengths
}

#[derive(Default)]
struct SheetScan {
    index: usize,
    min_row: u64,
    max_row: u64,
    min_col: u64,
    max_col: u64,
    cells: u64,
    merges: u64,
    merged_cells: u64,
}

impl SheetScan {
    fn new(index: usize) -> SheetScan {
        SheetScan {
            index,
            min_row: u64::MAX,
            min_col: u64::MAX,
            ..SheetScan::default()
        }
    }

    fn name(&self) -> String {
        format!("第 {} 个工作表", self.index)
    }

    /// A cell at (row, col) costing `cost` bytes of text: the sheet's
    /// rectangle, its cell count and the file's text stay within limits.
    fn place(
        &mut self,
        row: u64,
        col: u64,
        cost: u64,
        text: &mut u64,
        file_name: &str,
        limits: &SheetLimits,
    ) -> Result<()> {
        let limit = |what: String| too_big(file_name, &what, limits);
        if row >= limits.max_rows {
            return Err(limit(format!(
                "{}用到第 {} 行，最多 {} 行",
                self.name(),
                row + 1,
                limits.max_rows
            )));
        }
        if col >= limits.max_columns {
            return Err(limit(format!(
                "{}用到第 {} 列（{}），最多 {} 列",
                self.name(),
                col + 1,
                column_name(col),
                limits.max_columns
            )));
        }
        self.min_row = self.min_row.min(row);
        self.max_row = self.max_row.max(row);
        self.min_col = self.min_col.min(col);
        self.max_col = self.max_col.max(col);
        self.cells += 1;
        let area =
            (self.max_row - self.min_row + 1).saturating_mul(self.max_col - self.min_col + 1);
        if area.max(self.cells) > limits.max_cells {
            return Err(limit(format!(
                "{}从第 {} 行到第 {} 行、{} 列到 {} 列，共 {area} 个单元格，最多 {} 个",
                self.name(),
                self.min_row + 1,
                self.max_row + 1,
                column_name(self.min_col),
                column_name(self.max_col),
                limits.max_cells
            )));
        }
        *text = text.saturating_add(cost);
        if *text > limits.max_text_bytes {
            return Err(limit(format!(
                "单元格文字共超过 {} MB",
                limits.max_text_bytes >> 20
            )));
        }
        Ok(())
    }
}

pub(super) fn check(file_name: &str, bytes: &[u8], limits: &SheetLimits) -> Result<()> {
    let mut cf =
        cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| super::broken(file_name, e))?;
    let path = ["/Workbook", "/Book"]
        .into_iter()
        .find(|p| cf.is_stream(p))
        .ok_or_else(|| super::broken(file_name, "no Workbook stream"))?;
    let mut stream = Vec::new();
    let mut s = cf
        .open_stream(path)
        .map_err(|e| super::broken(file_name, e))?;
    // A stream cannot hold more than the file it is in.
    (&mut s)
        .take(bytes.len() as u64 + 1)
        .read_to_end(&mut stream)
        .map_err(|e| super::broken(file_name, e))?;

    // The globals come first, up to their EOF: calamine reads the shared
    // strings there, and each sheet from the position its BOUNDSHEET
    // record names, whatever lies between. The scan does the same.
    let mut sst: Vec<&[u8]> = Vec::new();
    let mut positions: Vec<usize> = Vec::new();
    for (typ, data) in records(&stream) {
        match typ {
            0x00FC if sst.is_empty() => sst.push(data),
            0x003C if !sst.is_empty() && positions.is_empty() => sst.push(data),
            0x0085 => {
                let pos = u32_at(data, 0).unwrap_or(u64::MAX) as usize;
                if pos >= stream.len() || positions.contains(&pos) {
                    return Err(super::broken(file_name, "BOUNDSHEET position"));
                }
                positions.push(pos);
            }
            0x000A => break,
            _ => {}
        }
    }
    if positions.is_empty() {
        return Err(AppError::Invalid(format!("{file_name} 中没有工作表")));
    }
    let lengths = shared_string_lengths(sst);
    let mut text = 0u64;
    let mut file_cells = 0u64;
    for (index, pos) in positions.into_iter().enumerate() {
        let mut sheet = SheetScan::new(index + 1);
        for (typ, data) in records(&stream[pos..]) {
            if typ == 0x000A {
                break;
            }
            scan_record(
                &mut sheet, typ, data, &lengths, &mut text, file_name, limits,
            )?;
        }
        // calamine holds every sheet at once: their rectangles add up.
        if sheet.cells > 0 {
            let area = (sheet.max_row - sheet.min_row + 1)
                .saturating_mul(sheet.max_col - sheet.min_col + 1)
                .max(sheet.cells);
            file_cells = file_cells.saturating_add(area);
        }
        if file_cells > limits.max_cells {
            return Err(too_big(
                file_name,
                &format!(
                    "各工作表共 {file_cells} 个单元格，最多 {} 个",
                    limits.max_cells
                ),
                limits,
            ));
        }
    }
    Ok(())
}

/// One record of a sheet's substream, counted as calamine would hold it.
fn scan_record(
    sh: &mut SheetScan,
    typ: u16,
    data: &[u8],
    lengths: &[u64],
    text: &mut u64,
    file_name: &str,
    limits: &SheetLimits,
) -> Result<()> {
    let limit = |what: String| too_big(file_name, &what, limits);
    let row = u16_at(data, 0);
    let col = u16_at(data, 2);
    match typ {
        // NUMBER, RK, BOOLERR, FORMULA: a value of fixed size.
        0x0203 | 0x027E | 0x0205 | 0x0006 => {
            if let (Some(r), Some(c)) = (row, col) {
                sh.place(r, c, 32, text, file_name, limits)?;
            }
        }
        // LABEL: the text is in the record, so bounded by the file.
        0x0204 => {
            if let (Some(r), Some(c)) = (row, col) {
                sh.place(r, c, 32 + data.len() as u64 * 2, text, file_name, limits)?;
            }
        }
        // LABELSST: a copy of a shared string per cell.
        0x00FD => {
            if let (Some(r), Some(c), Some(i)) = (row, col, u32_at(data, 6)) {
                let chars = lengths.get(i as usize).copied().unwrap_or(0);
                if chars as usize > limits.max_cell_chars {
                    return Err(limit(format!(
                        "{}有单元格超过 {} 个字符",
                        sh.name(),
                        limits.max_cell_chars
                    )));
                }
                sh.place(r, c, 32 + chars * 3, text, file_name, limits)?;
            }
        }
        // MULRK: one row, columns first..=last (the last is the record's tail).
        0x00BD => {
            let last = data.len().checked_sub(2).and_then(|at| u16_at(data, at));
            if let (Some(r), Some(first), Some(last)) = (row, col, last) {
                if last >= first {
                    sh.place(r, first, 32, text, file_name, limits)?;
                    sh.place(r, last, 32 * (last - first), text, file_name, limits)?;
                }
            }
        }
        // DIMENSIONS: calamine reserves this many cells up front.
        0x0200 => {
            let (rf, rl, cf, cl) = if data.len() >= 14 {
                (
                    u32_at(data, 0),
                    u32_at(data, 4),
                    u16_at(data, 8),
                    u16_at(data, 10),
                )
            } else {
                (
                    u16_at(data, 0),
                    u16_at(data, 2),
                    u16_at(data, 4),
                    u16_at(data, 6),
                )
            };
            let (Some(rf), Some(rl), Some(cf), Some(cl)) = (rf, rl, cf, cl) else {
                return Err(super::broken(file_name, "short DIMENSIONS"));
            };
            let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
            if rl >= 1 && cl >= 1 {
                if rl - 1 < rf {
                    return Err(super::broken(file_name, "DIMENSIONS rows reversed"));
                }
                let claimed = (rl - rf).saturating_mul(cl - cf);
                if claimed > limits.max_cells {
                    return Err(limit(format!(
                        "{}声明了 {claimed} 个单元格，最多 {} 个",
                        sh.name(),
                        limits.max_cells
                    )));
                }
            }
        }
        // MERGEDCELLS: count, then 8 bytes a range; calamine does not
        // check the length, so a short record is refused here.
        0x00E5 => {
            let count = u16_at(data, 0).unwrap_or(0);
            if data.len() < 2 + count as usize * 8 {
                return Err(super::broken(file_name, "short MERGEDCELLS"));
            }
            for i in 0..count as usize {
                let at = 2 + i * 8;
                let (rf, rl, cf, cl) = (
                    u16_at(data, at).unwrap_or(0),
                    u16_at(data, at + 2).unwrap_or(0),
                    u16_at(data, at + 4).unwrap_or(0),
                    u16_at(data, at + 6).unwrap_or(0),
                );
                sh.merges += 1;
                sh.merged_cells = sh.merged_cells.saturating_add(
                    (rl.saturating_sub(rf) + 1).saturating_mul(cl.saturating_sub(cf) + 1),
                );
            }
            if sh.merges > limits.max_merges as u64 || sh.merged_cells > limits.max_merged_cells {
                return Err(limit(format!(
                    "{}有 {} 个合并区域、共 {} 个合并单元格（最多 {} 个区域、{} 个单元格）",
                    sh.name(),
                    sh.merges,
                    sh.merged_cells,
                    limits.max_merges,
                    limits.max_merged_cells
                )));
            }
        }
        _ => {}
    }
    Ok(())
}
