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
use super::rows::RowView;
use super::value::{Value, parse_cell};
use crate::budget::{Deadline, Every};
use crate::document::text::squash;
use crate::document::{Cell, Document};
use crate::knowledge::Knowledge;
use crate::model::Template;

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
pub fn read(
    doc: &Document,
    k: &Knowledge,
    template: Template,
    sink: &mut FactSink,
    deadline: &Deadline,
) {
    let mut mode = Mode::None;
    let mut t3 = Table3 {
        order: k.labels.form_keys("t3", "row"),
        template,
        pending: Vec::new(),
    };
    let mut previous: Option<String> = None;
    // 表四's cells when the layout split its data row into one small table per block.
    let mut t4_blocks: Vec<Cell> = Vec::new();
    let mut every = Every::new(16);
    let mut previous_end = 0u32;
    for table in &doc.tables {
        // 表四's header written as lines of text over the table, not as its rows: its first
        // row of figures is 表四's, read (or said unread) by the 表四 reader.
        let mut headed4 = headed_as_table4(doc, table.line_span.0, previous_end, k);
        previous_end = previous_end.max(table.line_span.1);
        for row in &table.rows {
            if every.expired(deadline, "tables") {
                return;
            }
            let view = RowView::of(row);
            if let Some(m) = header_mode(&view, k, &mode) {
                if !matches!((&mode, &m), (Mode::Table3 { .. }, Mode::Table3 { .. })) {
                    previous = None;
                }
                mode = m;
                headed4 = false;
                continue;
            }
            if let Some(m) = table3_by_row(&view, k, &mode) {
                mode = m;
                previous = None;
            }
            let blocks_before = t4_blocks.len();
            if !matches!(mode, Mode::Table2 { .. }) && is_table4_row(&view, k, &mut t4_blocks) {
                mode = Mode::Table4;
            } else if headed4
                && t4_blocks.len() == blocks_before
                && view.labels.is_empty()
                && has_figures(&view)
            {
                // (A block of five taken towards a row split block by block is left to it.)
                t4_blocks.clear();
                mode = Mode::Table4;
            }
            if view.labels.is_empty() && has_figures(&view) {
                headed4 = false;
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
                        &mut t3,
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
                    let blocks = std::mem::take(&mut t4_blocks);
                    let read = if blocks.is_empty() {
                        table4_row(&view, k, sink)
                    } else {
                        table4_cells(&blocks, k, sink)
                    };
                    if read {
                        mode = Mode::None;
                    }
                }
            }
        }
    }
    resolve_by_columns(&t3, sink);
}

/// Most lines over a table taken as its heading, and the longest (in characters, squashed).
const MAX_HEADING_LINES: usize = 6;
const MAX_HEADING_CHARS: usize = 120;

/// True when the lines right over a table starting on line `start` (after `previous_end`, the
/// last line of the tables before) name 表四's header: a layout that split the form into small
/// tables under generic headers (`| 类别 | 数据1 | … | 总计 |`) writes the form's own header
/// as lines of text (`### 行政复议 行政诉讼`) over the table of its one row. Only short lines
/// without figures count: a sentence with figures (`被申请行政复议7件…`) heads nothing.
fn headed_as_table4(doc: &Document, start: u32, previous_end: u32, k: &Knowledge) -> bool {
    let h = &k.headers;
    let (mut first, mut with) = (false, false);
    let mut seen = 0;
    let mut line = start.min(doc.lines.len() as u32 + 1);
    while line > previous_end + 1 && line > 1 && seen < MAX_HEADING_LINES {
        line -= 1;
        let text = doc.squashed_line(line as usize - 1);
        if text.is_empty() {
            continue;
        }
        if text.chars().any(|c| c.is_ascii_digit()) || text.chars().count() > MAX_HEADING_CHARS {
            break;
        }
        seen += 1;
        first |= HeaderWords::any(&h.t4_header, text);
        with |= HeaderWords::any(&h.t4_header_with, text);
    }
    first && with
}

/// What reading 表三 carries from row to row.
struct Table3 {
    /// The form's row keys in order (`forms.csv`).
    order: Vec<String>,
    /// The form being read (2019 and 2021 differ in their 其他处理 rows).
    template: Template,
    /// Glued rows whose own total did not decide their split.
    pending: Vec<PendingRow>,
}

/// A glued 表三 row with several splits that add up to its total.
struct PendingRow {
    key: String,
    columns: Vec<String>,
    /// Every split, as cells in column order.
    candidates: Vec<Vec<Cell>>,
    /// The note that says the row could not be split (withdrawn when the columns split it).
    note: String,
}

/// Most splits of one glued row kept for the column check, and most combinations tried.
const MAX_CANDIDATES: usize = 64;
const MAX_COMBINATIONS: usize = 20_000;

/// Splits glued rows that their own total left open by the columns' arithmetic: in every
/// applicant column, the outcome rows add up to （七）总计, and 本年新收 + 上年结转 =
/// （七）总计 + 结转下年度 (收办平衡). When exactly one choice of splits satisfies every such
/// identity that can be evaluated, and every column in which the choices differ was checked,
/// the cells are read.
fn resolve_by_columns(t3: &Table3, sink: &mut FactSink) {
    let pending: Vec<&PendingRow> = t3
        .pending
        .iter()
        .filter(|p| !p.candidates.is_empty())
        .collect();
    if pending.is_empty() {
        return;
    }
    let columns = &pending[0].columns;
    if pending.iter().any(|p| &p.columns != columns) {
        return;
    }
    let outcome_rows: Vec<&str> = t3
        .order
        .iter()
        .map(String::as_str)
        .filter(|k| is_outcome_row(k, t3.template))
        .collect();
    let stated = |row: &str, col: &str| -> Option<f64> {
        let id = format!("requests.{row}.{col}");
        sink.facts
            .iter()
            .find(|f| f.indicator == id)
            .and_then(|f| f.value)
    };
    let combinations: usize = pending
        .iter()
        .map(|p| p.candidates.len())
        .try_fold(1usize, |a, n| a.checked_mul(n))
        .unwrap_or(usize::MAX);
    if combinations > MAX_COMBINATIONS {
        return;
    }
    // Which identities can be evaluated does not depend on the choice: find them once.
    let known =
        |row: &str, col: &str| pending.iter().any(|p| p.key == row) || stated(row, col).is_some();
    let checked: Vec<bool> = columns
        .iter()
        .map(|col| {
            let sum = outcome_rows.iter().all(|r| known(r, col)) && known("processed", col);
            let balance = ["received", "carried_in", "processed", "carried_out"]
                .iter()
                .all(|r| known(r, col));
            sum || balance
        })
        .collect();
    let mut fits: Vec<Vec<usize>> = Vec::new();
    let mut choice = vec![0usize; pending.len()];
    for _ in 0..combinations {
        let value = |row: &str, ci: usize| -> Option<f64> {
            match pending.iter().position(|p| p.key == row) {
                Some(pi) => match parse_cell(&pending[pi].candidates[choice[pi]][ci].text) {
                    Value::Number(v, _) => Some(v),
                    _ => None,
                },
                None => stated(row, &columns[ci]),
            }
        };
        let holds = (0..columns.len()).filter(|&ci| checked[ci]).all(|ci| {
            let sum_ok = match (
                outcome_rows
                    .iter()
                    .map(|r| value(r, ci))
                    .sum::<Option<f64>>(),
                value("processed", ci),
            ) {
                (Some(parts), Some(total)) => (parts - total).abs() < 1e-9,
                _ => true,
            };
            let balance_ok = match (
                value("received", ci),
                value("carried_in", ci),
                value("processed", ci),
                value("carried_out", ci),
            ) {
                (Some(a), Some(b), Some(c), Some(d)) => (a + b - c - d).abs() < 1e-9,
                _ => true,
            };
            sum_ok && balance_ok
        });
        if holds {
            fits.push(choice.clone());
            if fits.len() > 1 {
                return;
            }
        }
        // The next combination (an odometer over the rows' candidates).
        for (pi, p) in pending.iter().enumerate() {
            choice[pi] += 1;
            if choice[pi] < p.candidates.len() {
                break;
            }
            choice[pi] = 0;
        }
    }
    let [fit] = fits.as_slice() else { return };
    for (pi, p) in pending.iter().enumerate() {
        let chosen = &p.candidates[fit[pi]];
        let decided = (0..columns.len())
            .all(|ci| checked[ci] || p.candidates.iter().all(|c| c[ci].text == chosen[ci].text));
        if !decided {
            continue;
        }
        let mut indicator = IndicatorKey::new("requests", &p.key);
        for (col, cell) in columns.iter().zip(chosen) {
            sink.add_cell(indicator.with(col), cell, None);
        }
        sink.notes.retain(|n| n != &p.note);
    }
}

/// The rows of 表三's outcomes that add up to （七）总计 in the given form.
fn is_outcome_row(key: &str, template: Template) -> bool {
    let other = match template {
        Template::T2019 => key == "other",
        _ => key.starts_with("other."),
    };
    other
        || key == "granted"
        || key == "partial"
        || key.starts_with("denied.")
        || key.starts_with("unavailable.")
        || key.starts_with("not_processed.")
}

/// The 表三 a row starts when no header announced it: a layout that split the form into one
/// small table per row under generic headers (`| 类别 | 数据1 | … | 总计 |`), or lost the
/// header to a page break, still labels its rows with the form's own words.
fn table3_by_row<'k>(view: &RowView, k: &'k Knowledge, mode: &Mode<'k>) -> Option<Mode<'k>> {
    if matches!(mode, Mode::Table3 { .. }) || !view.has_numbers() {
        return None;
    }
    let label = view.label()?;
    let key = k.labels.match_form("t3", "row", &label.text)?;
    // Words shared with other tables (总计, 其他) do not start 表三.
    if k.labels.is_shared_row("t3", key) || k.labels.match_form("t2", "row", &label.text).is_some()
    {
        return None;
    }
    let columns: Vec<String> = k
        .labels
        .form_keys("t3", "column")
        .into_iter()
        .filter(|c| c != "subtotal")
        .collect();
    Some(Mode::Table3 {
        columns,
        anchors: None,
    })
}

/// True when a row with no label is 表四's data, whatever header (or none) came before: 15
/// values in three blocks of five, each block's last cell the sum of its first four (a glued
/// run is split by that arithmetic; a blank counts as nothing, see [`fit_table4`]). A block of
/// five alone (a layout that gave each block its own small table) is kept in `blocks` until
/// the third completes the row.
fn is_table4_row(view: &RowView, k: &Knowledge, blocks: &mut Vec<Cell>) -> bool {
    if !view.labels.is_empty() || !has_figures(view) {
        return false;
    }
    let n = k.labels.form4.len();
    let block = n / 3;
    let values = view.values();
    if let [one] = values {
        return match split_groups(one, n, block) {
            Split::Unique(_) => {
                blocks.clear();
                true
            }
            _ => false,
        };
    }
    if !matches!(fit_table4(values, n, block), Fit::None) {
        blocks.clear();
        return true;
    }
    // A block alone is taken only as five stated figures: five cells with blanks among them
    // are too common a shape to start 表四 on.
    if values.len() == block && blocks_add_up(values, block, Blanks::Refuse) {
        blocks.extend(values.iter().cloned());
        if blocks.len() == n {
            return true;
        }
    }
    false
}

/// Where 表四's `n` cells stand in a row.
#[derive(Debug, PartialEq)]
enum Fit<'c> {
    /// Exactly one run of `n` cells adds up, the cells beyond it blank.
    Adds(&'c [Cell]),
    /// Runs at several offsets add up, holding different cells: the row cannot be placed.
    Ambiguous,
    /// No run adds up.
    None,
}

/// Finds 表四's `n` cells among a row's cells: the row may hold more cells than the form, all
/// blank — a blank label cell before the figures (a markdown row `|  | 5 |  |  | 2 | 7 | … |`
/// split under generic headers) or blanks a grid padded on the right — and a blank may just
/// as well be one of the form's own cells at either end, so every offset whose outside cells
/// are blank is tried, and the one whose blocks add up (blanks counting as nothing) is the
/// form's. Offsets that add up alike (the same cells) are one fit.
fn fit_table4(values: &[Cell], n: usize, block: usize) -> Fit<'_> {
    let blank = |c: &Cell| c.text.trim().is_empty();
    let (Some(first), Some(last)) = (
        values.iter().position(|c| !blank(c)),
        values.iter().rposition(|c| !blank(c)),
    ) else {
        return Fit::None;
    };
    if values.len() < n || block == 0 || last - first >= n {
        return Fit::None;
    }
    // The offsets whose run holds every non-blank cell: at most `n` of them.
    let mut found: Option<&[Cell]> = None;
    for start in (last + 1).saturating_sub(n)..=first.min(values.len() - n) {
        let window = &values[start..start + n];
        if !blocks_add_up(window, block, Blanks::AsNothing) {
            continue;
        }
        match found {
            None => found = Some(window),
            Some(f) if f.iter().zip(window).all(|(a, b)| a.text == b.text) => {}
            Some(_) => return Fit::Ambiguous,
        }
    }
    found.map_or(Fit::None, Fit::Adds)
}

/// True when the row holds a number, or a run of figures between single spaces (a page kept
/// on one line writes 表四's data row `0 0 2 0 2 …`), which only a split reads.
fn has_figures(view: &RowView) -> bool {
    view.has_numbers()
        || view.values().iter().any(|c| {
            let t = c.text.trim();
            t.contains(' ') && t.chars().all(|c| c.is_ascii_digit() || c == ' ')
        })
}

/// How [`blocks_add_up`] takes a blank cell (empty, `—`, `无`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Blanks {
    /// A blank fails the block: every cell must be a figure.
    Refuse,
    /// A blank counts as nothing (a sparse form leaves its zeros blank): a blank part adds
    /// nothing, a blank total holds only over blank parts, and at least one block must state
    /// its total, so a row of blanks and zeros alone is not taken for the form.
    AsNothing,
}

/// True when every block of `block` cells ends with the sum of the others.
fn blocks_add_up(cells: &[Cell], block: usize, blanks: Blanks) -> bool {
    let mut stated = false;
    let holds = cells.chunks(block).all(|b| {
        let mut v: Vec<Option<f64>> = Vec::with_capacity(b.len());
        for c in b {
            match parse_cell(&c.text) {
                Value::Number(x, _) => v.push(Some(x)),
                Value::Blank if blanks == Blanks::AsNothing => v.push(None),
                _ => return false,
            }
        }
        match v.split_last() {
            Some((Some(total), parts)) => {
                stated = true;
                (parts.iter().flatten().sum::<f64>() - total).abs() < 1e-9
            }
            Some((None, parts)) => parts.iter().all(Option::is_none),
            None => false,
        }
    });
    holds && stated
}

/// Reads 表四 from cells gathered block by block.
fn table4_cells(cells: &[Cell], k: &Knowledge, sink: &mut FactSink) -> bool {
    for (indicator, cell) in k.labels.form4.iter().zip(cells) {
        sink.add_cell(indicator, cell, None);
    }
    true
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
        let columns = join_wrapped_columns(&view.cells[pos + 1..], k)
            .iter()
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

/// 表二's column header cells, blanks dropped, a header a crawler cut at its line break
/// (`本年新` | `制作数量`) joined again: two neighbours that name no column alone but do
/// together are one cell.
fn join_wrapped_columns(cells: &[Cell], k: &Knowledge) -> Vec<Cell> {
    let names = |t: &str| k.labels.match_form("t2", "column", t).is_some();
    let mut out: Vec<Cell> = Vec::new();
    let mut rest = cells
        .iter()
        .filter(|c| !c.text.trim().is_empty())
        .peekable();
    while let Some(c) = rest.next() {
        if let Some(next) = rest.peek() {
            let joined = format!("{}{}", c.text.trim(), next.text.trim());
            if !names(&c.text) && names(&joined) {
                let mut cell = (*next).clone();
                cell.text = joined;
                out.push(cell);
                rest.next();
                continue;
            }
        }
        out.push(c.clone());
    }
    out
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
    if values.iter().all(|c| c.text.trim().is_empty()) && view.cells.len() == view.labels.len() {
        // A label and nothing else: the layout dropped the row's blank cells.
        let blank = Cell::new("", label.line);
        let mut indicator = IndicatorKey::new("art20", row_key);
        for (col, _, _) in columns {
            if let Some(col) = col {
                sink.defer_blank(indicator.with(col), &blank);
            }
        }
        return;
    }
    let owned;
    let values: &[Cell] = match values {
        [one] if columns.len() > 1 => match split_groups(one, columns.len(), 1) {
            Split::Unique(cells) => {
                owned = cells;
                &owned
            }
            Split::Ambiguous => {
                sink.note(format!(
                    "表二 row {} left out: glued digits {} cannot be split uniquely",
                    label.text.trim(),
                    one.text.trim()
                ));
                return;
            }
            Split::NotGlued => values,
        },
        _ => values,
    };
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
    ctx: &mut Table3,
    k: &Knowledge,
    sink: &mut FactSink,
) -> Option<String> {
    if !view.has_numbers() && view.values().iter().all(|c| c.text.trim().is_empty()) {
        // A label alone (the layout dropped the blanks) or a label and a full row of blank
        // cells: the form's cells are blank.
        let full = without_trailing_blanks(view.values(), columns.len()).len() == columns.len();
        if view.cells.len() == view.labels.len() || full {
            blank_table3_row(view, columns, ctx, k, sink);
        }
        return None;
    }
    let Some(label) = view.label() else {
        return unlabeled_table3_row(view, columns, previous, &ctx.order, ctx.template, sink);
    };
    let row_key = k.labels.match_form("t3", "row", &label.text).or_else(|| {
        // A label cut by a rowspan copy: try all label cells together.
        let joined: String = view.labels.iter().map(|c| c.text.as_str()).collect();
        k.labels.match_form("t3", "row", &joined)
    });
    let row_key = row_key
        .map(str::to_string)
        .or_else(|| next_sub_row(&label.text, previous, &ctx.order));
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
                let mut indicator = IndicatorKey::new("requests", &row_key);
                for col in columns {
                    sink.claim(indicator.with(col));
                }
                ctx.pending.push(PendingRow {
                    key: row_key.clone(),
                    columns: columns.to_vec(),
                    candidates: all_splits(&values[0], columns.len()),
                    note: String::new(),
                });
                let total = columns.iter().position(|c| c == "total");
                let read_total = match (total, certain_total(&values[0], columns.len())) {
                    (Some(_), Some(cell)) => sink.add_cell(indicator.with("total"), &cell, None),
                    _ => false,
                };
                let note = format!(
                    "表三 row {} {}: glued digits {} cannot be split uniquely",
                    label.text.trim(),
                    if read_total {
                        "read for its total only"
                    } else {
                        "left out"
                    },
                    values[0].text
                );
                if let Some(p) = ctx.pending.last_mut() {
                    p.note = note.clone();
                }
                sink.note(note);
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

/// A 表三 row that is a label and nothing else (a layout that dropped blank cells): its cells
/// are blank, unless the form's row turns up with values after all (a label wrapped onto a
/// line of its own), which is why the blanks are only deferred.
fn blank_table3_row(
    view: &RowView,
    columns: &[String],
    ctx: &Table3,
    k: &Knowledge,
    sink: &mut FactSink,
) {
    let Some(label) = view.label() else { return };
    let Some(row_key) = k.labels.match_form("t3", "row", &label.text) else {
        return;
    };
    // A group heading of this form (2021's （六）其他处理 over its 1.–3. rows) has no cells
    // of its own: a glued page writes it as a row of its own, not as a row of blanks.
    let prefix = format!("{row_key}.");
    if !is_outcome_row(row_key, ctx.template) && ctx.order.iter().any(|o| o.starts_with(&prefix)) {
        return;
    }
    let blank = Cell::new("", label.line);
    let mut indicator = IndicatorKey::new("requests", row_key);
    for col in columns {
        sink.defer_blank(indicator.with(col), &blank);
    }
}

/// A 表三 row of bare values whose label the layout detached (a PDF text layer that printed
/// the labels apart from their numbers): the form fixes the order of its rows, so it is the
/// row after the one read before it, when it has exactly the form's cells.
fn unlabeled_table3_row(
    view: &RowView,
    columns: &[String],
    previous: Option<&str>,
    order: &[String],
    template: Template,
    sink: &mut FactSink,
) -> Option<String> {
    let values = without_trailing_blanks(view.values(), columns.len());
    if values.len() != columns.len() || values.iter().any(|c| c.text.trim().is_empty()) {
        return None;
    }
    let row_key = next_row_key(previous?, order, template)?;
    let mut indicator = IndicatorKey::new("requests", &row_key);
    for (col, cell) in columns.iter().zip(values) {
        sink.add_cell(indicator.with(col), cell, None);
    }
    Some(row_key)
}

/// The 表三 data row after `previous` in the form's order (`forms.csv`): the 2021 form splits
/// 其他处理 into three sub-rows where the 2019 form has one row, so each skips the other's.
fn next_row_key(previous: &str, order: &[String], template: Template) -> Option<String> {
    let at = order.iter().position(|k| k == previous)?;
    order[at + 1..]
        .iter()
        .find(|k| match template {
            Template::T2019 => !k.starts_with("other."),
            _ => k.as_str() != "other",
        })
        .cloned()
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
    if !has_figures(view) {
        return false;
    }
    let values = match fit_table4(view.values(), n, n / 3) {
        Fit::Adds(cells) => cells,
        Fit::Ambiguous => {
            sink.note(format!(
                "表四 left out: its {} cells hold the form's {n} at more than one place",
                view.values().len()
            ));
            return true;
        }
        // Not adding up (the report's own totals may be off): placed by its blanks alone. A
        // blank label cell before the figures (a markdown row `|  | 5 |  | … |`) is no
        // column; it goes before trailing blanks do (the row's last cells may be blank
        // figures).
        Fit::None => without_trailing_blanks(without_leading_blanks(view.values(), n), n),
    };
    let owned;
    let values = match values {
        [one] => match split_groups(one, n, n / 3) {
            Split::Unique(cells) => {
                owned = cells;
                &owned[..]
            }
            Split::Ambiguous => {
                sink.note(format!(
                    "表四 left out: glued digits {} cannot be split uniquely",
                    one.text.trim()
                ));
                return true;
            }
            Split::NotGlued => values,
        },
        _ => values,
    };
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
    let values = without_leading_blanks(without_trailing_blanks(values, n), n);
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

/// Drops empty cells between a row's label and its figures past the `n` columns: a label
/// spanning several columns written out as itself and blanks (`一、本年新收… | | | 44 | …`).
fn without_leading_blanks(values: &[Cell], n: usize) -> &[Cell] {
    let mut start = 0;
    while values.len() - start > n && values[start].text.trim().is_empty() {
        start += 1;
    }
    &values[start..]
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
    split_groups(cell, n, n)
}

/// The total of a glued row that cannot be split uniquely, when every split agrees on it: the
/// splits into `n` cells whose first add up to the last, or, when there is none (the layout
/// dropped blank cells), the splits into fewer cells. The last cell is the row's total
/// whichever split is true.
fn certain_total(cell: &Cell, n: usize) -> Option<Cell> {
    let digits: String = cell.text.chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 24 {
        return None;
    }
    for parts in (2..=n).rev() {
        let totals = all_totals(digits.as_bytes(), parts)?;
        match totals.as_slice() {
            [] => continue,
            [only] => {
                let mut c = cell.clone();
                c.text = only.to_string();
                c.x = None;
                return Some(c);
            }
            _ => return None,
        }
    }
    None
}

/// The distinct totals of the splits of `d` into `parts` numbers whose first add up to the
/// last; `None` when there are too many splits to enumerate.
fn all_totals(d: &[u8], parts: usize) -> Option<Vec<u64>> {
    fn walk(
        d: &[u8],
        start: usize,
        left: usize,
        sum: u64,
        totals: &mut Vec<u64>,
        budget: &mut u32,
    ) {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        if left == 1 {
            let last = &d[start..];
            if last.is_empty() || last.len() > 15 || (last.len() > 1 && last[0] == b'0') {
                return;
            }
            let total: u64 = std::str::from_utf8(last)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(u64::MAX);
            if total == sum && !totals.contains(&total) {
                totals.push(total);
            }
            return;
        }
        for end in start + 1..=d.len().saturating_sub(left - 1) {
            if end - start > 1 && d[start] == b'0' || end - start > 15 {
                break;
            }
            let v: u64 = std::str::from_utf8(&d[start..end])
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(u64::MAX / 64);
            if v > u64::MAX / 64 || sum + v > u64::MAX / 64 {
                break;
            }
            walk(d, end, left - 1, sum + v, totals, budget);
        }
    }
    let mut totals = Vec::new();
    let mut budget = 200_000u32;
    walk(d, 0, parts, 0, &mut totals, &mut budget);
    (budget > 0).then_some(totals)
}

/// Longest glued run tried: longer runs are not a form row's cells.
const MAX_GLUED_DIGITS: usize = 40;

/// Splits a glued run into `n` numbers in blocks of `block` cells, the last of each block the
/// sum of the others (`block` = 1: no arithmetic, so only a run of `n` digits, or one whose
/// spaces already cut it into `n`, splits). A space in the run is a cut the split must keep:
/// crawlers drop separators, they do not invent them inside a number. `Unique` only when
/// exactly one split fits.
fn split_groups(cell: &Cell, n: usize, block: usize) -> Split {
    let text = cell.text.trim();
    if n < 2
        || block == 0
        || n % block != 0
        || !text.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
        // A sign only where no arithmetic runs (the sums below are of counts).
        || text.contains('-') && block != 1
        || text.starts_with('-') && !text[1..].contains(['-', ' '])
    {
        return Split::NotGlued;
    }
    let mut digits = Vec::with_capacity(text.len());
    let mut forced = Vec::new();
    // Where a number written with a minus starts (本年增/减 `35-15` = 35 | -15): a sign
    // between digits is a cut as sure as a space.
    let mut negative = Vec::new();
    for c in text.chars() {
        if c == ' ' || c == '-' {
            if !digits.is_empty() && forced.last() != Some(&digits.len()) {
                forced.push(digits.len());
            }
            if c == '-' {
                negative.push(digits.len());
            }
        } else {
            digits.push(c as u8);
        }
    }
    if digits.len() < n || digits.len() > MAX_GLUED_DIGITS {
        // Fewer digits than cells: the layout dropped blank cells as well.
        return Split::Ambiguous;
    }
    if block == 1 && fewer_parts_fit(&digits, &forced, n) {
        // With no arithmetic to check, a run that also reads as fewer numbers (blank cells
        // dropped) is not known to hold `n`.
        return Split::Ambiguous;
    }
    let mut search = SplitSearch {
        digits: &digits,
        forced: &forced,
        n,
        block,
        cuts: Vec::with_capacity(n),
        found: Vec::new(),
        limit: 2,
    };
    search.run(0);
    if search.found.len() != 1 {
        return Split::Ambiguous;
    }
    let mut cells = Vec::with_capacity(n);
    let mut start = 0;
    for &end in &search.found[0] {
        let mut c = cell.clone();
        let sign = if negative.contains(&start) { "-" } else { "" };
        c.text = format!("{sign}{}", String::from_utf8_lossy(&digits[start..end]));
        c.x = None;
        cells.push(c);
        start = end;
    }
    Split::Unique(cells)
}

/// Every split of a glued run into `n` numbers whose first add up to the last, as cells;
/// none when there are more than [`MAX_CANDIDATES`].
fn all_splits(cell: &Cell, n: usize) -> Vec<Vec<Cell>> {
    let digits: Vec<u8> = cell.text.bytes().filter(|b| b.is_ascii_digit()).collect();
    if digits.len() != cell.text.trim().len() || digits.len() < n || digits.len() > 24 {
        return Vec::new();
    }
    let mut search = SplitSearch {
        digits: &digits,
        forced: &[],
        n,
        block: n,
        cuts: Vec::with_capacity(n),
        found: Vec::new(),
        limit: MAX_CANDIDATES + 1,
    };
    search.run(0);
    if search.found.len() > MAX_CANDIDATES {
        return Vec::new();
    }
    search
        .found
        .iter()
        .map(|ends| {
            let mut start = 0;
            ends.iter()
                .map(|&end| {
                    let mut c = cell.clone();
                    c.text = String::from_utf8_lossy(&digits[start..end]).into_owned();
                    c.x = None;
                    start = end;
                    c
                })
                .collect()
        })
        .collect()
}

/// True when the run also splits into fewer than `n` valid numbers (keeping its forced cuts).
fn fewer_parts_fit(digits: &[u8], forced: &[usize], n: usize) -> bool {
    (1..n).any(|parts| {
        let mut search = SplitSearch {
            digits,
            forced,
            n: parts,
            block: 1,
            cuts: Vec::with_capacity(parts),
            found: Vec::new(),
            limit: 1,
        };
        search.run(0);
        !search.found.is_empty()
    })
}

/// Depth-first enumeration of the splits of a glued run; stops after two (enough to know it
/// is ambiguous).
struct SplitSearch<'a> {
    digits: &'a [u8],
    /// Positions where a cut must fall (where the run had a space).
    forced: &'a [usize],
    n: usize,
    block: usize,
    /// Ends of the parts chosen so far.
    cuts: Vec<usize>,
    found: Vec<Vec<usize>>,
    /// Splits after which the search stops (2 tells unique from ambiguous).
    limit: usize,
}

impl SplitSearch<'_> {
    fn run(&mut self, start: usize) {
        if self.found.len() >= self.limit {
            return;
        }
        let parts_left = self.n - self.cuts.len();
        if parts_left == 0 {
            if start == self.digits.len() {
                self.found.push(self.cuts.clone());
            }
            return;
        }
        // The next forced cut after `start` bounds this part.
        let next_forced = self.forced.iter().copied().find(|&f| f > start);
        let max_end = (self.digits.len() + 1).saturating_sub(parts_left);
        let max_end = next_forced.map_or(max_end, |f| f.min(max_end));
        for end in start + 1..=max_end {
            if end - start > 1 && self.digits[start] == b'0' || end - start > 15 {
                break;
            }
            self.cuts.push(end);
            if self.block_holds() {
                self.run(end);
            }
            self.cuts.pop();
        }
    }

    /// True unless the parts chosen so far complete a block that does not add up.
    fn block_holds(&self) -> bool {
        if self.block < 2 || self.cuts.len() % self.block != 0 {
            return true;
        }
        let first = self.cuts.len() - self.block;
        let start_of = |i: usize| if i == 0 { 0 } else { self.cuts[i - 1] };
        let value = |i: usize| -> u64 {
            std::str::from_utf8(&self.digits[start_of(i)..self.cuts[i]])
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(u64::MAX / 64)
        };
        let parts: u64 = (first..self.cuts.len() - 1).map(value).sum();
        parts == value(self.cuts.len() - 1)
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

    /// 表三 with every row but 予以公开 in cells, and 予以公开 glued as `140010116`, which its
    /// own total reads two ways (14|0|0|1|0|1|16 and 1|4|0|0|10|1|16): the outcome rows must add
    /// up to （七）总计 in every column, which only the first does.
    fn table3_with_granted_glued(with_total_row: bool) -> Document {
        let k = crate::knowledge::Knowledge::embedded();
        let row = |texts: Vec<String>| {
            crate::document::Row::new(texts.into_iter().map(|t| Cell::new(t, 1)).collect())
        };
        let figures = |label: &str, f: [u32; 7]| {
            let mut v = vec![label.to_string()];
            v.extend(f.iter().map(u32::to_string));
            v
        };
        let mut rows = vec![row([
            "申请人情况",
            "自然人",
            "商业企业",
            "科研机构",
            "社会公益组织",
            "法律服务机构",
            "其他",
            "总计",
        ]
        .map(str::to_string)
        .to_vec())];
        rows.push(row(figures(
            "一、本年新收政府信息公开申请数量",
            [14, 0, 0, 1, 0, 1, 16],
        )));
        rows.push(row(figures("二、上年结转政府信息公开申请数量", [0; 7])));
        for key in k.labels.form_keys("t3", "row") {
            if !is_outcome_row(&key, Template::T2021) {
                continue;
            }
            let label = k
                .labels
                .form_terms
                .iter()
                .find(|t| t.table == "t3" && t.key == key)
                .map(|t| t.pattern.clone())
                .unwrap();
            if key == "granted" {
                rows.push(row(vec![label, "140010116".to_string()]));
            } else {
                rows.push(row(figures(&label, [0; 7])));
            }
        }
        if with_total_row {
            rows.push(row(figures("（七）总计", [14, 0, 0, 1, 0, 1, 16])));
        }
        rows.push(row(figures("四、结转下年度继续办理", [0; 7])));
        let mut doc = Document::default();
        doc.tables.push(crate::document::Table {
            rows,
            line_span: (1, 1),
            from_text: true,
        });
        doc
    }

    fn granted(doc: &Document) -> (Vec<(String, Option<f64>)>, Vec<String>) {
        let k = crate::knowledge::Knowledge::embedded();
        let mut sink = FactSink::new(&k);
        read(doc, &k, Template::T2021, &mut sink, &Deadline::none());
        sink.finish();
        let facts = sink
            .facts
            .iter()
            .filter(|f| f.indicator.starts_with("requests.granted."))
            .map(|f| (f.indicator.clone(), f.value))
            .collect();
        (facts, sink.notes.clone())
    }

    #[test]
    fn glued_rows_are_split_by_the_columns_arithmetic() {
        let (facts, notes) = granted(&table3_with_granted_glued(true));
        assert!(facts.contains(&("requests.granted.natural_person".into(), Some(14.0))));
        assert!(facts.contains(&("requests.granted.nonprofit".into(), Some(1.0))));
        assert!(facts.contains(&("requests.granted.total".into(), Some(16.0))));
        assert_eq!(facts.len(), 7);
        assert!(notes.is_empty(), "{notes:?}");
        // Without the 总计 row nothing decides between the two splits: the total alone, said.
        let (facts, notes) = granted(&table3_with_granted_glued(false));
        assert_eq!(facts, [("requests.granted.total".to_string(), Some(16.0))]);
        assert!(notes.iter().any(|n| n.contains("140010116")), "{notes:?}");
    }

    fn cells(texts: &[&str]) -> Vec<Cell> {
        texts.iter().map(|t| Cell::new(*t, 1)).collect()
    }

    fn texts(cells: &[Cell]) -> Vec<&str> {
        cells.iter().map(|c| c.text.as_str()).collect()
    }

    #[test]
    fn table4_cells_are_placed_by_their_blocks_sums() {
        // A blank label cell, blanks among the figures, the last block all blank: the label
        // cell goes, not a blank figure at the end.
        let row = cells(&[
            "", "6", "", "", "3", "9", "", "4", "", "", "4", "", "", "", "", "",
        ]);
        let Fit::Adds(got) = fit_table4(&row, 15, 5) else {
            panic!("{:?}", fit_table4(&row, 15, 5))
        };
        assert_eq!(
            texts(got),
            [
                "6", "", "", "3", "9", "", "4", "", "", "4", "", "", "", "", ""
            ]
        );
        // A blank total over figures does not add up, nor do zeros and blanks alone.
        let zeros = cells(&[
            "0", "0", "", "", "", "0", "", "", "", "", "", "", "", "", "",
        ]);
        assert_eq!(fit_table4(&zeros, 15, 5), Fit::None);
        let no_total = cells(&[
            "2", "", "", "", "", "1", "", "", "", "1", "", "", "", "", "", "",
        ]);
        assert_eq!(fit_table4(&no_total, 15, 5), Fit::None);
        // A text cell is no figure.
        let word = cells(&[
            "1", "", "", "", "1", "无效", "", "", "", "", "", "", "", "", "",
        ]);
        assert_eq!(fit_table4(&word, 15, 5), Fit::None);
        // One block among blanks: which of the three it is cannot be told.
        let mut lone = cells(&["", "", "", "", "", "1", "", "", "", "1"]);
        lone.extend(cells(&[""; 10]));
        assert_eq!(fit_table4(&lone, 15, 5), Fit::Ambiguous);
        // Fewer cells than the form: no fit (a glued run is split elsewhere).
        assert_eq!(fit_table4(&cells(&["1", "", "1"]), 15, 5), Fit::None);
    }

    /// 表四's data row in one small table under generic headers, with `heading` over it.
    fn table4_under(heading: &str, row: &str) -> Vec<(String, Option<f64>)> {
        let k = crate::knowledge::Knowledge::embedded();
        let header: Vec<String> = std::iter::once("类别".to_string())
            .chain((1..15).map(|i| format!("数据{i}")))
            .chain(std::iter::once("总计".to_string()))
            .collect();
        let text = format!(
            "{heading}\n| {} |\n|{}\n{row}\n\n五、存在的主要问题及改进情况\n",
            header.join(" | "),
            "---|".repeat(16)
        );
        let mut doc = Document::from_text(&text);
        crate::document::layout::find_tables(&mut doc);
        let mut sink = FactSink::new(&k);
        read(&doc, &k, Template::T2019, &mut sink, &Deadline::none());
        sink.finish();
        sink.facts
            .iter()
            .filter(|f| f.indicator.starts_with("review."))
            .map(|f| (f.indicator.clone(), f.value))
            .collect()
    }

    #[test]
    fn a_row_under_table4_header_lines_is_table4s() {
        // 复议 total 8 where its parts make 7: no arithmetic places the row, the header lines
        // over its table do; read as written.
        let off = "|  | 5 |  |  | 2 | 8 | 8 |  |  | 1 | 9 |  |  |  |  |  |";
        let headed = table4_under("四、行政复议、行政诉讼情况\n### 行政复议 行政诉讼", off);
        assert!(
            headed.contains(&("review.upheld".to_string(), Some(5.0))),
            "{headed:?}"
        );
        assert!(
            headed.contains(&("review.corrected".to_string(), None)),
            "{headed:?}"
        );
        assert!(
            headed.contains(&("review.total".to_string(), Some(8.0))),
            "{headed:?}"
        );
        // A sentence with figures over the table heads nothing.
        let prose = table4_under("全年被申请行政复议7件，被提起行政诉讼9件。", off);
        assert!(prose.is_empty(), "{prose:?}");
        // A row that adds up needs no header.
        let fits = "|  | 5 |  |  | 2 | 7 | 8 |  |  | 1 | 9 |  |  |  |  |  |";
        let bare = table4_under("全年被申请行政复议7件，被提起行政诉讼9件。", fits);
        assert!(
            bare.contains(&("review.total".to_string(), Some(7.0))),
            "{bare:?}"
        );
        assert!(
            bare.contains(&("review.pending".to_string(), Some(2.0))),
            "{bare:?}"
        );
    }
}
