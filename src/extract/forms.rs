//! The 2019 and 2021 forms: 表二 (主动公开), 表三 (收到和处理申请), 表四 (复议和诉讼).
//!
//! A small state machine walks the rows: a header row switches the table being read (表二's
//! 信息内容 row names its columns; 表三's header names the applicant columns; 表四's header
//! names 行政复议 and 行政诉讼), data rows are matched by their label to a row key, and their
//! cells to columns. Cells are matched to columns by position within the row when the row has
//! every cell (blanks included), by display column when the layout dropped blanks, and glued
//! digit runs are split only when the row's own total makes the split unique.

use super::FactSink;
use super::headers::HeaderWords;
use super::rows::{RowView, all_rows};
use super::value::{Value, parse_cell};
use crate::budget::{Deadline, Every};
use crate::document::text::squash;
use crate::document::{Cell, Document};
use crate::knowledge::Knowledge;

/// The table being read.
#[derive(Debug, Clone)]
enum Mode<'k> {
    /// Outside the forms' tables.
    None,
    /// 表二, with the column keys (and header units) of the current block.
    Table2 {
        columns: Vec<(Option<String>, Option<&'k str>, Option<u32>)>,
    },
    /// 表三, with its applicant columns in order and the right edges of a complete row.
    Table3 {
        columns: Vec<String>,
        anchors: Option<Vec<u32>>,
    },
    /// 表四.
    Table4,
}

/// Reads every form table of the document into `sink`, until `deadline`.
pub fn read(doc: &Document, k: &Knowledge, sink: &mut FactSink, deadline: &Deadline) {
    let mut mode = Mode::None;
    let t3_rows = k.labels.form_keys("t3", "row");
    let mut previous: Option<String> = None;
    let mut every = Every::new(16);
    for row in all_rows(&doc.tables) {
        if every.expired(deadline, "tables") {
            return;
        }
        let view = RowView::of(row);
        if let Some(m) = header_mode(&view, k, &mode) {
            if !matches!((&mode, &m), (Mode::Table3 { .. }, Mode::Table3 { .. })) {
                previous = None;
            }
            mode = m;
            continue;
        }
        match &mut mode {
            Mode::None => {}
            Mode::Table2 { columns } => table2_row(&view, columns, k, sink),
            Mode::Table3 { columns, anchors } => {
                let read = table3_row(
                    &view,
                    columns,
                    anchors,
                    previous.as_deref(),
                    &t3_rows,
                    k,
                    sink,
                );
                if read.as_deref() == Some("carried_out") {
                    mode = Mode::None;
                }
                if read.is_some() {
                    previous = read;
                }
            }
            Mode::Table4 => {
                if table4_row(&view, k, sink) {
                    mode = Mode::None;
                }
            }
        }
    }
}

/// Recognizes header rows; returns the mode they start (or extend).
fn header_mode<'k>(view: &RowView, k: &'k Knowledge, mode: &Mode<'k>) -> Option<Mode<'k>> {
    if view.has_numbers() {
        return None;
    }
    // The row's cells squashed once for the header words below.
    let squashed: Vec<String> = view.cells.iter().map(|c| squash(&c.text)).collect();
    let h = &k.headers;
    let mentions = |words: &[String]| squashed.iter().any(|t| HeaderWords::any(words, t));
    if let Some(pos) = squashed
        .iter()
        .position(|t| HeaderWords::any(&h.content_column, t))
    {
        let columns = view.cells[pos + 1..]
            .iter()
            .filter(|c| !c.text.trim().is_empty())
            .map(|c| {
                let key = k
                    .labels
                    .match_form("t2", "column", &c.text)
                    .map(str::to_string);
                (
                    key,
                    h.amount_unit_in(&squash(&c.text)),
                    c.x.map(|x| x + crate::document::text::display_width(&c.text) as u32),
                )
            })
            .collect();
        return Some(Mode::Table2 { columns });
    }
    if mentions(&h.t4_header)
        && (mentions(&h.t4_header_with) || matches!(mode, Mode::Table3 { .. }))
    {
        return Some(Mode::Table4);
    }
    if mentions(&h.t3_header) {
        let mut columns: Vec<String> = match mode {
            Mode::Table3 { columns, .. } => columns.clone(),
            // The official columns, in the order `forms.csv` lists them; the unofficial
            // 法人小计 only where the header shows it.
            _ => k
                .labels
                .form_keys("t3", "column")
                .into_iter()
                .filter(|c| c != "subtotal")
                .collect(),
        };
        if mentions(&h.t3_subtotal) && !columns.iter().any(|c| c == "subtotal") {
            // An unofficial 法人小计 column stands after the five organisation columns.
            columns.insert(6, "subtotal".to_string());
        }
        return Some(Mode::Table3 {
            columns,
            anchors: None,
        });
    }
    None
}

fn table2_row(
    view: &RowView,
    columns: &[(Option<String>, Option<&str>, Option<u32>)],
    k: &Knowledge,
    sink: &mut FactSink,
) {
    let Some(label) = view.label() else { return };
    let Some(row_key) = k.labels.match_form("t2", "row", &label.text) else {
        if view.has_numbers() {
            sink.unmapped.push(label.text.clone());
        }
        return;
    };
    let values = view.values();
    let anchors: Option<Vec<u32>> = columns.iter().map(|c| c.2).collect();
    let placed = place_cells(values, columns.len(), anchors.as_deref());
    let Some(placed) = placed else {
        sink.note(format!(
            "表二 row {} left out: {} cells for {} columns",
            label.text.trim(),
            values.len(),
            columns.len()
        ));
        return;
    };
    let blank = blank_cell(values, label.line);
    let mut indicator = IndicatorKey::new("art20", row_key);
    for ((col, unit, _), cell) in columns.iter().zip(placed) {
        let Some(col) = col else { continue };
        sink.add_cell(indicator.with(col), cell.unwrap_or(&blank), *unit);
    }
}

/// The cell standing for a blank the layout dropped: empty, on the row's line.
fn blank_cell(values: &[Cell], label_line: u32) -> Cell {
    Cell::new("", values.first().map_or(label_line, |c| c.line))
}

/// Returns the row key it read (or `None`).
fn table3_row(
    view: &RowView,
    columns: &[String],
    anchors: &mut Option<Vec<u32>>,
    previous: Option<&str>,
    order: &[String],
    k: &Knowledge,
    sink: &mut FactSink,
) -> Option<String> {
    if !view.has_numbers() && view.values().iter().all(|c| c.text.trim().is_empty()) {
        return None;
    }
    let label = view.label()?;
    let row_key = k.labels.match_form("t3", "row", &label.text).or_else(|| {
        // A label cut by a rowspan copy: try all label cells together.
        let joined: String = view.labels.iter().map(|c| c.text.as_str()).collect();
        k.labels.match_form("t3", "row", &joined)
    });
    let row_key = row_key
        .map(str::to_string)
        .or_else(|| next_sub_row(&label.text, previous, order));
    let Some(row_key) = row_key else {
        sink.unmapped.push(label.text.clone());
        return None;
    };
    let values = view.values();
    let owned;
    let values: &[Cell] = if values.len() == 1 && values.len() < columns.len() {
        match split_glued(&values[0], columns.len()) {
            Split::Unique(cells) => {
                owned = cells;
                &owned
            }
            Split::Ambiguous => {
                sink.note(format!(
                    "表三 row {} left out: glued digits {} cannot be split uniquely",
                    label.text.trim(),
                    values[0].text
                ));
                return Some(row_key);
            }
            Split::NotGlued => values,
        }
    } else {
        values
    };
    if values.len() == columns.len() && values.iter().all(|c| c.x.is_some()) {
        *anchors = Some(values.iter().filter_map(|c| c.x).collect());
    }
    let Some(placed) = place_cells(values, columns.len(), anchors.as_deref()) else {
        sink.note(format!(
            "表三 row {} left out: {} cells for {} columns",
            label.text.trim(),
            values.len(),
            columns.len()
        ));
        return Some(row_key);
    };
    let blank = blank_cell(values, label.line);
    let mut indicator = IndicatorKey::new("requests", &row_key);
    for (col, cell) in columns.iter().zip(placed) {
        sink.add_cell(indicator.with(col), cell.unwrap_or(&blank), None);
    }
    Some(row_key)
}

/// The indicator ids of one form row (`requests.{row}.{column}`), built in one buffer: a form
/// has a hundred or more cells, and formatting a fresh string for each was a visible share of
/// reading it.
struct IndicatorKey {
    buf: String,
    row_len: usize,
}

impl IndicatorKey {
    fn new(block: &str, row: &str) -> IndicatorKey {
        let mut buf = String::with_capacity(block.len() + row.len() + 24);
        buf.push_str(block);
        buf.push('.');
        buf.push_str(row);
        buf.push('.');
        let row_len = buf.len();
        IndicatorKey { buf, row_len }
    }

    /// The id of `column` in this row.
    fn with(&mut self, column: &str) -> &str {
        self.buf.truncate(self.row_len);
        self.buf.push_str(column);
        &self.buf
    }
}

/// The row key of a numbered sub-row whose wording is damaged (a PDF text layer that dropped
/// characters: `2.其他法律行政止公开`): the form fixes the order of the sub-rows under
/// （三）（四）（五）（六）, so sub-row N after sub-row N − 1 of the same block is the next key of
/// that block in `forms.csv` order.
fn next_sub_row(label: &str, previous: Option<&str>, order: &[String]) -> Option<String> {
    let number: u32 = {
        let key = crate::document::text::squash(label);
        let digits: String = key.chars().take_while(|c| c.is_ascii_digit()).collect();
        let rest = &key[digits.len()..];
        if digits.is_empty() || !(rest.starts_with('.') || rest.starts_with('、')) {
            return None;
        }
        digits.parse().ok()?
    };
    let previous = previous?;
    let block = |key: &str| key.split_once('.').map(|(b, _)| b.to_string());
    let prev_block = block(previous)?;
    let members: Vec<&String> = order
        .iter()
        .filter(|k| block(k).as_deref() == Some(prev_block.as_str()))
        .collect();
    let position = members.iter().position(|k| k.as_str() == previous)? as u32 + 1;
    (number == position + 1)
        .then(|| members.get(position as usize).map(|k| k.to_string()))
        .flatten()
}

/// Reads 表四's data row; true when it was read.
fn table4_row(view: &RowView, k: &Knowledge, sink: &mut FactSink) -> bool {
    let n = k.labels.form4.len();
    let values = without_trailing_blanks(view.values(), n);
    if !view.has_numbers() {
        return false;
    }
    if values.len() != n {
        sink.note(format!(
            "表四 left out: {} cells for {n} columns",
            values.len()
        ));
        return true;
    }
    for (indicator, cell) in k.labels.form4.iter().zip(values) {
        sink.add_cell(indicator, cell, None);
    }
    true
}

/// Assigns value cells to `n` columns: by position when the row has all `n` cells, by display
/// column (nearest right edge) when it has fewer and the layout gave positions; `None` when
/// neither is possible.
fn place_cells<'c>(
    values: &'c [Cell],
    n: usize,
    anchors: Option<&[u32]>,
) -> Option<Vec<Option<&'c Cell>>> {
    let values = without_trailing_blanks(values, n);
    if values.len() == n {
        return Some(values.iter().map(Some).collect());
    }
    let anchors = anchors.filter(|a| a.len() == n)?;
    if values.len() > n || values.iter().any(|c| c.x.is_none()) {
        return None;
    }
    let mut placed: Vec<Option<&Cell>> = vec![None; n];
    for cell in values {
        let x = cell.x? as i64;
        let (best, dist) = anchors
            .iter()
            .enumerate()
            .map(|(i, &a)| (i, (a as i64 - x).abs()))
            .min_by_key(|&(_, d)| d)?;
        if dist > 4 || placed[best].is_some() {
            return None;
        }
        placed[best] = Some(cell);
    }
    // Columns with no cell were blank in the layout.
    Some(placed)
}

/// Drops empty cells past the `n` columns of a table: a grid as wide as its widest block (a
/// spreadsheet holding 表二 and 表四 on one sheet) pads short rows on the right.
fn without_trailing_blanks(values: &[Cell], n: usize) -> &[Cell] {
    let mut end = values.len();
    while end > n && values[end - 1].text.trim().is_empty() {
        end -= 1;
    }
    &values[..end]
}

/// The outcome of splitting a glued run of digits.
#[derive(Debug, PartialEq)]
enum Split {
    /// Exactly one split makes the parts add up to the row's total (the last part).
    Unique(Vec<Cell>),
    /// Several splits (or none) add up.
    Ambiguous,
    /// Not a run of digits long enough to be glued cells.
    NotGlued,
}

/// Splits a crawler-glued run of digits (`640020470` for 64|0|0|2|0|4|70) into `n` numbers
/// whose first `n - 1` add up to the last, when exactly one such split exists.
fn split_glued(cell: &Cell, n: usize) -> Split {
    let digits: String = cell.text.trim().to_string();
    if digits.len() < n || !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 24 || n < 2
    {
        return Split::NotGlued;
    }
    let bytes = digits.as_bytes();
    let mut found: Vec<Vec<usize>> = Vec::new();
    let mut cuts = Vec::with_capacity(n);
    search_splits(bytes, 0, n, &mut cuts, &mut found);
    if found.len() != 1 {
        return Split::Ambiguous;
    }
    let mut cells = Vec::new();
    let mut start = 0;
    for &end in &found[0] {
        let mut c = cell.clone();
        c.text = digits[start..end].to_string();
        c.x = None;
        cells.push(c);
        start = end;
    }
    Split::Unique(cells)
}

/// Depth-first enumeration of splits into valid numbers (no leading zeros) whose parts but the
/// last add up to the last; stops after two solutions (enough to know it is ambiguous).
fn search_splits(
    d: &[u8],
    start: usize,
    parts_left: usize,
    cuts: &mut Vec<usize>,
    found: &mut Vec<Vec<usize>>,
) {
    if found.len() > 1 {
        return;
    }
    if parts_left == 1 {
        let last = &d[start..];
        if last.is_empty() || (last.len() > 1 && last[0] == b'0') || last.len() > 15 {
            return;
        }
        let total: u64 = std::str::from_utf8(last)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(u64::MAX);
        let mut sum = 0u64;
        let mut s = 0;
        for &c in cuts.iter() {
            sum += std::str::from_utf8(&d[s..c])
                .ok()
                .and_then(|x| x.parse::<u64>().ok())
                .unwrap_or(u64::MAX / 64);
            s = c;
        }
        if sum == total {
            let mut all = cuts.clone();
            all.push(d.len());
            found.push(all);
        }
        return;
    }
    let max_end = d.len() - (parts_left - 1);
    for end in start + 1..=max_end {
        if end - start > 1 && d[start] == b'0' {
            break;
        }
        cuts.push(end);
        search_splits(d, end, parts_left - 1, cuts, found);
        cuts.pop();
    }
}

/// True when a cell holds a number (used by tests).
#[allow(dead_code)]
fn is_number(c: &Cell) -> bool {
    matches!(parse_cell(&c.text), Value::Number(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicator_keys_are_block_row_column() {
        let mut key = IndicatorKey::new("requests", "received");
        assert_eq!(key.with("natural"), "requests.received.natural");
        assert_eq!(key.with("total"), "requests.received.total");
    }

    #[test]
    fn glued_digits_split_only_when_unique() {
        let c = Cell::new("640020470", 1);
        match split_glued(&c, 7) {
            Split::Unique(cells) => {
                let t: Vec<&str> = cells.iter().map(|c| c.text.as_str()).collect();
                assert_eq!(t, ["64", "0", "0", "2", "0", "4", "70"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            split_glued(&Cell::new("0000000", 1), 7),
            Split::Unique(_)
        ));
    }

    #[test]
    fn ambiguous_glue_is_left_out() {
        // "2000002" reads only as 2|0|0|0|0|0|2; "1111111111" has no split that adds up.
        assert!(matches!(
            split_glued(&Cell::new("2000002", 1), 7),
            Split::Unique(_)
        ));
        assert!(matches!(
            split_glued(&Cell::new("1111111111", 1), 7),
            Split::Ambiguous
        ));
    }

    #[test]
    fn damaged_sub_row_labels_follow_the_form_order() {
        let k = crate::knowledge::Knowledge::embedded();
        let order = k.labels.form_keys("t3", "row");
        let next = |label: &str, prev: &str| next_sub_row(label, Some(prev), &order);
        assert_eq!(
            next("2.其他法律行政止公开", "denied.state_secret").as_deref(),
            Some("denied.prohibited")
        );
        assert_eq!(
            next("3.补正后申请内容仍不", "unavailable.needs_creation").as_deref(),
            Some("unavailable.unclear")
        );
        // Numbering that does not follow, or a row outside the sub-row blocks, infers nothing.
        assert_eq!(next("3.其他法律行政止公开", "denied.state_secret"), None);
        assert_eq!(next("2.xx", "granted"), None);
        assert_eq!(next("1.xx", "denied.admin_query"), None);
    }

    #[test]
    fn cells_placed_by_position_or_column() {
        let full: Vec<Cell> = (0..3)
            .map(|i| Cell {
                text: i.to_string(),
                line: 1,
                x: Some(10 + 10 * i),
                spanned: false,
            })
            .collect();
        assert_eq!(place_cells(&full, 3, None).map(|p| p.len()), Some(3));
        let partial = vec![Cell {
            text: "5".into(),
            line: 2,
            x: Some(31),
            spanned: false,
        }];
        let placed = place_cells(&partial, 3, Some(&[10, 20, 30])).unwrap();
        assert!(placed[0].is_none() && placed[1].is_none());
        assert_eq!(placed[2].map(|c| c.text.as_str()), Some("5"));
        assert!(place_cells(&partial, 3, None).is_none());
    }
}
