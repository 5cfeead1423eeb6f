//! Table detection in plain text: rebuilds the table grids that a text rendering only implies.
//!
//! Three layouts occur in real reports and all end up as the same [`Table`] grid:
//! - **tab rows**: one table row per line, cells separated by tabs (Word copied to text);
//! - **cell per line**: each cell on its own line starting with a tab, rows separated by blank
//!   lines (an HTML table flattened by a crawler); a label that wraps continues on a line
//!   without the tab;
//! - **aligned columns**: cells separated by runs of spaces (`pdftotext -layout`), where a
//!   label may wrap above or below the line holding its numbers and rowspan labels float
//!   between the rows they span.
//!
//! Blank cells are kept as empty cells wherever the layout shows them, so a missing value can
//! never shift the values after it.

use crate::budget::{Deadline, Every};

use super::text::{
    display_width, display_width_at_least, fold_char, has_ideographic_space, squash,
    trim_end_repeated,
};
use super::{Cell, Document, Row, Table};

/// Finds the tables in the document's lines and appends them to `doc.tables`.
///
/// Lines already covered by a table (e.g. rendered by the HTML reader) are left alone.
pub fn find_tables(doc: &mut Document) {
    find_tables_within(doc, &Deadline::none());
}

/// [`find_tables`], stopping at `deadline` (the line being looked at is the clock's step).
pub fn find_tables_within(doc: &mut Document, deadline: &Deadline) {
    super::reline::break_long_lines(doc);
    let tab_view = ideographic_rows_as_tabs(&doc.lines);
    // Lines cut from one line of the file (a page kept on one line) have no columns to align:
    // their single spaces are the glued-table reader's to read.
    let cut = |i: usize| {
        let o = &doc.origin;
        !o.is_empty()
            && ((i > 0 && o.get(i - 1) == o.get(i))
                || o.get(i + 1).is_some_and(|n| Some(n) == o.get(i)))
    };
    let mut found = Vec::new();
    // A region of short lines that failed as a cell-per-line table fails from any later start
    // within it too (fewer cells, fewer values): it is not scanned again.
    let mut no_blank_table_before = 0;
    // The tables found before (an HTML page's) stay where they are.
    let in_table = doc.table_line_mask();
    // The clock is read every few lines: a line's look costs less than reading it.
    let mut every = Every::new(16);
    let mut i = 0;
    while i < doc.lines.len() {
        if every.expired(deadline, "layout") {
            break;
        }
        if in_table[i] {
            i += 1;
            continue;
        }
        let floor = found.last().map_or(0, |t: &Table| t.line_span.1 as usize);
        let found_here = tab_table(tab_view.as_deref().unwrap_or(&doc.lines), i)
            .or_else(|| pipe_cell_table(&doc.lines, i))
            .or_else(|| pipe_table(&doc.lines, i))
            .or_else(|| {
                (!cut(i))
                    .then(|| aligned_table(&doc.lines, i, floor))
                    .flatten()
            })
            .or_else(|| {
                if i < no_blank_table_before {
                    return None;
                }
                blank_separated_table(&doc.lines, i)
                    .map_err(|end| no_blank_table_before = end)
                    .ok()
            });
        if let Some((table, next)) = found_here {
            found.push(table);
            i = next.max(i + 1);
        } else {
            i += 1;
        }
    }
    doc.tables.extend(found);
    doc.tables.sort_by_key(|t| t.line_span);
}

// ---------------------------------------------------------------------------------------------
// Tab layouts
// ---------------------------------------------------------------------------------------------

/// The lines with every row written between ideographic spaces (U+3000) rewritten with tabs,
/// so that the tab layouts read them; `None` when the document has no such row (the usual
/// case: no copy is made).
///
/// A crawler joining an HTML row's cells with U+3000 writes `规章　0　0　0`, a blank cell as
/// nothing between two separators. U+3000 is also a paragraph's indent (`　　一、概述`) and
/// spaces out a short heading letter by letter (`统　计　指　标`): the indent is dropped, and a
/// run of single characters between single separators is one word. A line is a row when one
/// of its cells is a figure, or when it is a line of cells without clauses next to such a row
/// (a header, a row of blanks).
fn ideographic_rows_as_tabs(lines: &[String]) -> Option<Vec<String>> {
    if !lines.iter().any(|l| has_ideographic_space(l)) {
        return None;
    }
    let unit = separator_run(lines);
    let cells: Vec<Option<Vec<String>>> =
        lines.iter().map(|l| ideographic_cells(l, unit)).collect();
    let is_figure_row = |c: &Option<Vec<String>>| {
        c.as_ref()
            .is_some_and(|cells| cells.iter().any(|x| is_value_token(x)))
    };
    let mut view: Option<Vec<String>> = None;
    for (i, c) in cells.iter().enumerate() {
        let Some(row) = c else { continue };
        let near_figures = is_figure_row(c)
            || (i.saturating_sub(3)..(i + 4).min(lines.len())).any(|j| is_figure_row(&cells[j]));
        if is_figure_row(c) || near_figures {
            view.get_or_insert_with(|| lines.to_vec())[i] = row.join("\t");
        }
    }
    view
}

/// The cells of a line written between ideographic spaces, or `None` when it has no inner
/// U+3000, holds tabs, or reads as a sentence.
fn ideographic_cells(line: &str, unit: usize) -> Option<Vec<String>> {
    if has_tab(line) {
        return None;
    }
    let body = line
        .trim_start_matches(['\u{3000}', ' '])
        .trim_end_matches([' ', '\r']);
    if body.len() > MAX_ROW_BYTES || !has_ideographic_space(body) || body.contains('。') {
        return None;
    }
    let parts = ideographic_parts(body, unit);
    let mut cells: Vec<String> = Vec::with_capacity(parts.len());
    let mut k = 0;
    while k < parts.len() {
        // A run of two or more single characters: one word spaced out.
        let run = parts[k..]
            .iter()
            .take_while(|p| p.chars().count() == 1 && !p.chars().all(|c| c.is_ascii_digit()))
            .count();
        if run >= 2 {
            cells.push(parts[k..k + run].concat());
            k += run;
        } else {
            cells.push(parts[k].to_string());
            k += 1;
        }
    }
    let filled = cells.iter().filter(|c| !c.is_empty()).count();
    // A row has a few cells and no clauses; a page or a whole table kept on one line is left
    // to the glued-table reader.
    if filled < 2
        || cells.len() > MAX_IDEOGRAPHIC_CELLS
        || cells
            .iter()
            .any(|c| super::text::more_chars_than(c, 80) || has_clause(c))
    {
        return None;
    }
    Some(cells)
}

/// True when a comma or semicolon stands outside brackets: a sentence's clause, not a label's
/// note (`（二）部分公开（区分处理的，只计这一情形…）`) or a number's separator.
fn has_clause(cell: &str) -> bool {
    let mut depth = 0usize;
    for c in cell.chars() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth = depth.saturating_sub(1),
            '，' | '；' if depth == 0 => return true,
            _ => {}
        }
    }
    false
}

/// Most cells a row between ideographic spaces is taken to have (表四 has fifteen figures).
const MAX_IDEOGRAPHIC_CELLS: usize = 24;

/// The run of U+3000 that separates two cells in this document: crawlers write one or a fixed
/// run of them (`规章　　0　　0`); the commonest run between two texts (indents not counted)
/// over the whole document is the separator.
fn separator_run(lines: &[String]) -> usize {
    let mut counts: std::collections::BTreeMap<usize, usize> = Default::default();
    for line in lines.iter().filter(|l| has_ideographic_space(l)) {
        let body = line.trim_start_matches(['\u{3000}', ' ']).trim_end();
        let mut run = 0;
        for c in body.chars() {
            if c == '\u{3000}' {
                run += 1;
            } else if run > 0 {
                *counts.entry(run).or_default() += 1;
                run = 0;
            }
        }
    }
    counts
        .iter()
        .max_by_key(|&(&r, &n)| (n, std::cmp::Reverse(r)))
        .map_or(1, |(&r, _)| r)
}

/// The texts between the ideographic spaces of `body`, `unit` of them making one separator:
/// each further `unit` is a blank cell.
fn ideographic_parts(body: &str, unit: usize) -> Vec<&str> {
    let mut pieces: Vec<(&str, usize)> = Vec::new(); // (text, U+3000 run after it)
    let mut rest = body;
    while let Some(p) = rest.find('\u{3000}') {
        let text = &rest[..p];
        let after = &rest[p..];
        let run = after.chars().take_while(|&c| c == '\u{3000}').count();
        pieces.push((text.trim(), run));
        rest = &after[run * '\u{3000}'.len_utf8()..];
    }
    pieces.push((rest.trim(), 0));
    let unit = unit.max(1);
    let mut parts = Vec::with_capacity(pieces.len());
    for (text, run) in pieces {
        parts.push(text);
        let blanks = (run / unit).saturating_sub(1);
        parts.extend(std::iter::repeat_n("", blanks));
    }
    parts
}

fn is_blank(line: &str) -> bool {
    // A line holding only a tab is an empty cell, not a blank line.
    line.chars()
        .all(|c| c != '\t' && (c.is_whitespace() || c == '\u{3000}'))
}

fn has_tab(line: &str) -> bool {
    line.contains('\t')
}

/// Lines that only carry a page number or a page-break artefact, inside or between tables.
pub fn is_page_furniture(line: &str) -> bool {
    if !furniture_chars_only(line) {
        return false;
    }
    let t = squash(line);
    if t.is_empty() {
        return false;
    }
    if t == "PAGE" || t.starts_with("PAGE") && t[4..].chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    let inner = t.trim_matches(|c: char| c == '-' || c == '—' || c == '·');
    if inner.is_empty() {
        return t.chars().all(|c| c == '-' || c == '—');
    }
    if inner.chars().all(|c| c.is_ascii_digit()) && inner.len() <= 3 && t.len() > inner.len() {
        return true;
    }
    // 第 4 页 / 第4页 共6页
    let stripped = inner.replace(['第', '页', '共', '/'], "");
    (inner.starts_with('第')
        && inner.contains('页')
        && stripped.chars().all(|c| c.is_ascii_digit()))
        || (inner.contains("页")
            && stripped.chars().all(|c| c.is_ascii_digit())
            && !stripped.is_empty())
}

/// True when every character of the line is one a page number or break is written with
/// (once width-folded; whitespace aside), and one of them is more than a digit: every case of
/// [`is_page_furniture`] needs a mark beside its digits (a dash, 第…页, PAGE), so a row of bare
/// numbers fails here with a sentence, which fails at its first Han character, before any copy
/// is made.
fn furniture_chars_only(line: &str) -> bool {
    let mut marked = false;
    for c in line.chars().map(fold_char) {
        if c.is_whitespace() || c.is_ascii_digit() {
            continue;
        }
        if !matches!(
            c,
            'P' | 'A'
                | 'G'
                | 'E'
                | '-'
                | '—'
                | '·'
                | '/'
                | '第'
                | '页'
                | '共'
                | '\u{200b}'
                | '\u{feff}'
        ) {
            return false;
        }
        marked = true;
    }
    marked
}

/// Index of the next non-blank line at or after `from`, and how many blank lines were skipped.
fn next_nonblank(lines: &[String], from: usize) -> Option<(usize, usize)> {
    (from..lines.len())
        .find(|&j| !is_blank(&lines[j]))
        .map(|j| (j, j - from))
}

/// A short non-tab line between tab rows (the previous one at most a line away, the next
/// after at most one blank line): a wrapped label or a heading row of its own.
fn is_inner_line(lines: &[String], i: usize) -> bool {
    let line = &lines[i];
    if has_tab(line) || is_blank(line) || display_width_at_least(line.trim(), 81) {
        return false;
    }
    let prev = (0..i).rev().find(|&j| !is_blank(&lines[j]));
    let Some(p) = prev else { return false };
    if !has_tab(&lines[p]) || i - p > 2 {
        return false;
    }
    match next_nonblank(lines, i + 1) {
        Some((n, skipped)) => has_tab(&lines[n]) && skipped <= 1,
        None => false,
    }
}

/// A non-tab line inside a tab table that continues the previous cell (a wrapped label): not
/// after a figure (a number does not wrap into words) and not an outline heading of its own
/// (`二、回应解读情况` between the rows of a 2008 统计表 written a row per line).
fn is_continuation(lines: &[String], i: usize) -> bool {
    is_inner_line(lines, i) && !is_inner_heading(lines, i)
}

/// A non-tab line between tab rows that is a row of one cell: it starts with an outline number,
/// or the row before it ends with a figure.
fn is_inner_heading(lines: &[String], i: usize) -> bool {
    if !is_inner_line(lines, i) {
        return false;
    }
    let prev = (0..i).rev().find(|&j| !is_blank(&lines[j]));
    let after_figure = prev.is_some_and(|p| {
        let last = lines[p].trim_end().rsplit('\t').next().unwrap_or("");
        lines[p].trim_end().contains('\t') && is_value_token(last)
    });
    after_figure || starts_with_numbering(lines[i].trim())
}

/// Longest line read as a table row, in bytes: a report's widest row is a few hundred
/// bytes. A longer line is prose (a page flattened into one line, or hostile input), and is
/// not split into segments again and again by the table passes, whose cost grows with it.
pub const MAX_ROW_BYTES: usize = 16 * 1024;

/// Reads a table of tab rows or cells-per-line starting at line index `start`.
fn tab_table(lines: &[String], start: usize) -> Option<(Table, usize)> {
    if !has_tab(&lines[start]) || lines[start].len() > MAX_ROW_BYTES {
        return None;
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut pending: Vec<Cell> = Vec::new();
    let mut i = start;
    let mut last_table_line = start;
    while i < lines.len() {
        let line = &lines[i];
        let no = i as u32 + 1;
        if is_blank(line) || is_page_furniture(line) {
            // A blank line ends a row of cells-per-line unless a wrapped label continues.
            let cont = next_nonblank(lines, i + 1).is_some_and(|(n, _)| is_continuation(lines, n));
            if !cont && !pending.is_empty() {
                rows.push(Row::new(std::mem::take(&mut pending)));
            }
            // The table goes on only if another tab line follows soon.
            match next_nonblank(lines, i + 1) {
                Some((n, skipped))
                    if skipped <= 3
                        && (has_tab(&lines[n])
                            || is_inner_line(lines, n)
                            || is_page_furniture(&lines[n])) =>
                {
                    i += 1;
                    continue;
                }
                _ => break,
            }
        }
        if line.len() > MAX_ROW_BYTES {
            break;
        }
        if !has_tab(line) {
            if is_inner_heading(lines, i) {
                if !pending.is_empty() {
                    rows.push(Row::new(std::mem::take(&mut pending)));
                }
                rows.push(Row::new(vec![Cell::new(clean_cell(line), no)]));
                last_table_line = i;
                i += 1;
                continue;
            }
            if is_continuation(lines, i) {
                let piece = line.trim().trim_matches('\u{3000}');
                if let Some(c) = pending.last_mut() {
                    c.text.push_str(piece);
                } else if let Some(c) = rows.last_mut().and_then(|r| r.cells.last_mut()) {
                    c.text.push_str(piece);
                }
                last_table_line = i;
                i += 1;
                continue;
            }
            break;
        }
        let body = line.strip_prefix('\t');
        match body {
            Some(rest) if !rest.contains('\t') => pending.push(Cell::new(clean_cell(rest), no)),
            _ => {
                if !pending.is_empty() {
                    rows.push(Row::new(std::mem::take(&mut pending)));
                }
                rows.push(Row::new(
                    line.split('\t')
                        .map(|c| Cell::new(clean_cell(c), no))
                        .collect(),
                ));
            }
        }
        last_table_line = i;
        i += 1;
    }
    if !pending.is_empty() {
        rows.push(Row::new(pending));
    }
    if rows.is_empty() {
        return None;
    }
    let table = Table {
        rows,
        line_span: (start as u32 + 1, last_table_line as u32 + 1),
        from_text: true,
    };
    Some((table, last_table_line + 1))
}

fn clean_cell(s: &str) -> String {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Pipe rows (markdown from PDF converters, HTML flattened with `|` between cells)
// ---------------------------------------------------------------------------------------------

/// A row of cells between pipes: `| 规章 | 0 | 0 |` or `规章 | 0 | 0`.
fn is_pipe_row(line: &str) -> bool {
    line.matches('|').count() >= 2
}

/// A markdown separator row: `|---|:---:|`.
fn is_pipe_rule(line: &str) -> bool {
    is_pipe_row(line)
        && line
            .chars()
            .all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t' | '—'))
}

/// Reads consecutive pipe rows starting at line index `start`: cells are the texts between
/// pipes (the empty edges of `| a | b |` dropped, empty inner cells kept as blanks).
fn pipe_table(lines: &[String], start: usize) -> Option<(Table, usize)> {
    if !is_pipe_row(&lines[start]) {
        return None;
    }
    let mut rows = Vec::new();
    let mut i = start;
    while i < lines.len() && is_pipe_row(&lines[i]) {
        if !is_pipe_rule(&lines[i]) {
            let line = lines[i].trim();
            let inner = line.strip_prefix('|').unwrap_or(line);
            let inner = inner.strip_suffix('|').unwrap_or(inner);
            let no = i as u32 + 1;
            rows.push(Row::new(
                inner
                    .split('|')
                    .map(|c| Cell::new(clean_cell(c), no))
                    .collect(),
            ));
        }
        i += 1;
    }
    if rows.is_empty() {
        return None;
    }
    let table = Table {
        rows,
        line_span: (start as u32 + 1, i as u32),
        from_text: true,
    };
    Some((table, i))
}

// ---------------------------------------------------------------------------------------------
// A cell per line, each ending in a pipe (an HTML table flattened cell by cell: `规章 |`, a
// blank cell `|`, the spare cells of a spanned one a line of pipes `|||`)
// ---------------------------------------------------------------------------------------------

/// Cell lines a region needs to be such a table.
const MIN_PIPE_CELL_LINES: usize = 8;

/// One line of a cell-per-line pipe region.
#[derive(Debug, Clone, PartialEq)]
enum PipeCellLine {
    /// `text |`: a cell; `text | |`: a cell that ends its row (the pipes after the cell's own
    /// are spare cells of a span, or the row's closing edge).
    Cell(String, bool),
    /// `|`: a blank cell (or the opening edge of a row, when a row is written `|` first).
    Blank,
    /// `||`, `|||`…: the spare cells of a spanned cell, written where its row ends.
    RowEnd,
}

fn pipe_cell_line(line: &str) -> Option<PipeCellLine> {
    let t = line.trim();
    let (text, rest) = t.split_once('|')?;
    if !rest.chars().all(|c| c == '|' || c.is_whitespace()) {
        return None;
    }
    let text = clean_cell(text);
    if text.is_empty() {
        return Some(if rest.contains('|') {
            PipeCellLine::RowEnd
        } else {
            PipeCellLine::Blank
        });
    }
    (text.chars().count() <= MAX_CELL_CHARS).then(|| PipeCellLine::Cell(text, rest.contains('|')))
}

/// A row label: text that is neither a value nor a unit.
fn is_label_cell(text: &str) -> bool {
    text.chars().any(super::text::is_han) && !is_value_token(text) && !is_unit_token(text)
}

/// A cell of a table whose rows carry no mark of their own, in reading order.
enum LedItem {
    /// A cell, and whether a mark after it ends its row.
    Cell(Cell, bool),
    /// A mark that ends the row.
    End,
}

/// Rows rebuilt from cells in reading order when nothing but the cells says where rows end:
/// a label after a value or a blank cell starts a row; of the labels that open a row before
/// its values, all but the last are a header row of their own (`信息内容 | 本年制发件数 | … |
/// 规章 | 0 |`: the header cells, then the row 规章); a row of nothing but blanks is dropped
/// (the opening edge of the next one).
fn label_led_rows(items: impl IntoIterator<Item = LedItem>) -> Vec<Row> {
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut row: Vec<Cell> = Vec::new();
    for item in items {
        match item {
            LedItem::End => {
                if !row.is_empty() {
                    rows.push(std::mem::take(&mut row));
                }
            }
            LedItem::Cell(cell, ends_row) => {
                let after_values = row.iter().any(|c| !is_label_cell(&c.text));
                if is_label_cell(&cell.text) && after_values {
                    rows.push(std::mem::take(&mut row));
                }
                row.push(cell);
                if ends_row {
                    rows.push(std::mem::take(&mut row));
                }
            }
        }
    }
    if !row.is_empty() {
        rows.push(row);
    }
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    for mut cells in rows {
        if cells.iter().all(|c| c.text.is_empty()) {
            continue;
        }
        let labels = cells.iter().take_while(|c| is_label_cell(&c.text)).count();
        if labels >= 2 && labels < cells.len() {
            let data = cells.split_off(labels - 1);
            out.push(Row::new(cells));
            out.push(Row::new(data));
        } else {
            out.push(Row::new(cells));
        }
    }
    out
}

/// Reads a table written one cell per line, each cell closed by a pipe, starting at line index
/// `start`: a line of pipes, or pipes after a cell's own, ends a row; otherwise rows are
/// rebuilt from what the cells are ([`label_led_rows`]).
fn pipe_cell_table(lines: &[String], start: usize) -> Option<(Table, usize)> {
    if !matches!(
        pipe_cell_line(&lines[start]),
        Some(PipeCellLine::Cell(..) | PipeCellLine::Blank)
    ) {
        return None;
    }
    let mut end = start;
    while end < lines.len() && pipe_cell_line(&lines[end]).is_some() {
        end += 1;
    }
    let cell_lines = (start..end)
        .filter(|&i| matches!(pipe_cell_line(&lines[i]), Some(PipeCellLine::Cell(..))))
        .count();
    if cell_lines < MIN_PIPE_CELL_LINES {
        return None;
    }
    let items = (start..end).filter_map(|i| {
        let no = i as u32 + 1;
        Some(match pipe_cell_line(&lines[i])? {
            PipeCellLine::RowEnd => LedItem::End,
            PipeCellLine::Blank => LedItem::Cell(Cell::new("", no), false),
            PipeCellLine::Cell(text, ends_row) => LedItem::Cell(Cell::new(text, no), ends_row),
        })
    });
    let out = label_led_rows(items);
    let table = Table {
        rows: out,
        line_span: (start as u32 + 1, end as u32),
        from_text: true,
    };
    Some((table, end))
}

// ---------------------------------------------------------------------------------------------
// A cell per line, blank lines between (an HTML table flattened by a crawler, no tabs)
// ---------------------------------------------------------------------------------------------

/// Longest line (characters) taken for a cell of such a table.
const MAX_CELL_CHARS: usize = 48;
/// Value cells a region needs to be a table.
const MIN_LINE_TABLE_VALUES: usize = 6;

/// Reads a table written one cell per line with runs of blank lines between, starting at line
/// index `start`. The blank runs carry the structure: the commonest gap separates cells, the
/// commonest larger one separates rows, and a longer gap is a row break and blank cells (or
/// blank cells alone) as its length divides; a shorter gap joins a wrapped cell's lines.
/// Blank cells go to the end of the row before them when the next cell is a label (a row
/// begins with its label), to the start of the next row otherwise (a row of bare values).
/// `Err(end)` when there is none, `end` the index where the region of short lines ended.
fn blank_separated_table(lines: &[String], start: usize) -> Result<(Table, usize), usize> {
    // The region: short lines, none a sentence, with blank runs between.
    let mut cells: Vec<(usize, usize)> = Vec::new(); // (line index, newlines before it)
    let mut i = start;
    let mut gap = 0;
    while i < lines.len() {
        let line = &lines[i];
        // A line of spaces inside the region is a blank cell a crawler wrote out (an empty
        // cell's `&nbsp;`), not a gap: real files of this layout separate by empty lines.
        let written_blank = !line.is_empty() && !cells.is_empty();
        if is_blank(line) && !written_blank {
            gap += 1;
            i += 1;
            if gap > 60 {
                break;
            }
            continue;
        }
        let t = line.trim();
        if super::text::more_chars_than(t, MAX_CELL_CHARS) || t.ends_with('。') || has_tab(line) {
            break;
        }
        cells.push((i, if cells.is_empty() { 0 } else { gap + 1 }));
        gap = 0;
        i += 1;
    }
    // Enough lines first (a count), then enough figures among them (counted no further
    // than needed): most regions of short lines are a few headings.
    if cells.len() < 2 * MIN_LINE_TABLE_VALUES
        || cells
            .iter()
            .filter(|&&(l, _)| is_value_token(&lines[l]))
            .take(MIN_LINE_TABLE_VALUES)
            .count()
            < MIN_LINE_TABLE_VALUES
    {
        return Err(i);
    }
    let written_blanks = cells.iter().any(|&(l, _)| is_blank(&lines[l]));
    let Some((cell_gap, row_gap)) = commonest_gaps(&cells, written_blanks) else {
        return uniform_gap_table(lines, &cells).ok_or(start + 1);
    };
    // Rows with the blank cells found at the break before them, not yet placed.
    let mut rows: Vec<(Vec<Cell>, usize)> = Vec::new();
    let mut row: Vec<Cell> = Vec::new();
    let mut pending = 0;
    for (k, &(l, before)) in cells.iter().enumerate() {
        let no = l as u32 + 1;
        let text = clean_cell(&lines[l]);
        let label_next = text.chars().any(super::text::is_han) && !is_value_token(&text);
        let mut short_gap = false;
        if k > 0 && before < cell_gap {
            // Only words wrap: a figure neither continues a label nor is continued by one.
            match row.last_mut() {
                Some(last) if label_next && !is_value_token(&last.text) => {
                    last.text.push_str(&text);
                    continue;
                }
                Some(_) => short_gap = true,
                None => {}
            }
        }
        let (breaks, blanks) = match decode_gap(before, cell_gap, row_gap, k == 0) {
            // A label right after a figure, closer than cells are: a row of its own (a heading
            // after the table's last row); a figure so close: the next cell.
            _ if short_gap => (label_next, 0),
            // A label after a gap as long as a row's starts a row, whatever else the gap
            // holds (a heading set off by an odd number of blank lines); so does one after a
            // gap longer than a cell's that no count of blank cells explains (the section
            // heading three blank lines after a table's last row of values).
            (false, _) if label_next && before >= row_gap => (true, 0),
            (false, 0)
                if label_next && before > cell_gap && (before - cell_gap) % cell_gap != 0 =>
            {
                (true, 0)
            }
            decoded => decoded,
        };
        if breaks {
            if !row.is_empty() {
                if label_next {
                    let above = rows.last().map_or(0, |(r, _)| r.len());
                    let lost = blanks_lost_before(before, cell_gap, row_gap, &row, above);
                    row.extend((0..lost).map(|_| Cell::new("", no)));
                }
                rows.push((std::mem::take(&mut row), pending));
            }
            pending = blanks;
        } else {
            row.extend((0..blanks).map(|_| Cell::new("", no)));
        }
        row.push(Cell::new(text, no));
    }
    if !row.is_empty() {
        rows.push((row, pending));
    }
    let rows = place_break_blanks(rows);
    let last = cells.last().map_or(start, |c| c.0);
    let table = Table {
        rows,
        line_span: (start as u32 + 1, last as u32 + 1),
        from_text: true,
    };
    Ok((table, last + 1))
}

/// The blank cells that end a row of figures before a gap no count of blank cells explains
/// and a label after it (the table's last row, set off from the heading after the table by
/// more than a row break: `9`, then 21 empty lines, then `五、…`). The row's last cells were
/// blank when the row is shorter than the row above it (its header) and the gap, less a row
/// break, holds that many blank cells; as many as both allow.
fn blanks_lost_before(gap: usize, cell: usize, row: usize, cells: &[Cell], above: usize) -> usize {
    let ends_with_figure = cells.last().is_some_and(|c| is_value_token(&c.text));
    if !ends_with_figure || cell == 0 || gap < row || (gap - row) % cell == 0 {
        return 0;
    }
    above.saturating_sub(cells.len()).min((gap - row) / cell)
}

/// A cell per line with the same gap between every two cells (a blank line each, or none):
/// the gaps say nothing of the rows, so they are rebuilt from what the cells are
/// ([`label_led_rows`]); a shorter gap still joins a wrapped cell's lines (`本年新` / `制作数量`).
fn uniform_gap_table(lines: &[String], cells: &[(usize, usize)]) -> Option<(Table, usize)> {
    let mut counts: std::collections::BTreeMap<usize, usize> = Default::default();
    for &(_, g) in cells.iter().skip(1) {
        *counts.entry(g).or_default() += 1;
    }
    let cell_gap = counts
        .iter()
        .max_by_key(|&(&g, &n)| (n, std::cmp::Reverse(g)))
        .map(|(&g, _)| g)?;
    // Any longer gap would carry structure this reading ignores.
    if counts.keys().any(|&g| g > cell_gap) {
        return None;
    }
    let mut items: Vec<LedItem> = Vec::with_capacity(cells.len());
    for (k, &(l, before)) in cells.iter().enumerate() {
        let text = clean_cell(&lines[l]);
        if k > 0 && before < cell_gap {
            if let Some(LedItem::Cell(last, _)) = items.last_mut() {
                last.text.push_str(&text);
                continue;
            }
        }
        items.push(LedItem::Cell(Cell::new(text, l as u32 + 1), false));
    }
    let first = cells.first()?.0;
    let last = cells.last()?.0;
    let table = Table {
        rows: label_led_rows(items),
        line_span: (first as u32 + 1, last as u32 + 1),
        from_text: true,
    };
    Some((table, last + 1))
}

/// Places the blank cells found at each row break: a row starts with its label, so before a
/// label they all end the row before; before a row of bare values they fill the row before up
/// to the table's commonest width, and the rest start the row.
fn place_break_blanks(rows: Vec<(Vec<Cell>, usize)>) -> Vec<Row> {
    let mut widths: std::collections::BTreeMap<usize, usize> = Default::default();
    for (cells, _) in &rows {
        *widths.entry(cells.len()).or_default() += 1;
    }
    let width = widths
        .iter()
        .max_by_key(|&(&w, &n)| (n, w))
        .map_or(0, |(&w, _)| w);
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    for (mut cells, blanks) in rows {
        let line = cells.first().map_or(0, |c| c.line);
        let starts_with_label = cells
            .first()
            .is_some_and(|c| c.text.chars().any(super::text::is_han) && !is_value_token(&c.text));
        let to_previous = match out.last() {
            Some(_) if starts_with_label => blanks,
            Some(prev) => blanks.min(width.saturating_sub(prev.cells.len())),
            None => 0,
        };
        if let Some(prev) = out.last_mut() {
            prev.cells
                .extend((0..to_previous).map(|_| Cell::new("", line)));
        }
        let lead: Vec<Cell> = (0..blanks - to_previous)
            .map(|_| Cell::new("", line))
            .collect();
        cells.splice(0..0, lead);
        out.push(Row::new(cells));
    }
    out
}

/// The commonest gap (in newlines) between cells, and the commonest larger one (rows).
fn commonest_gaps(cells: &[(usize, usize)], written_blanks: bool) -> Option<(usize, usize)> {
    let mut counts: std::collections::BTreeMap<usize, usize> = Default::default();
    for &(_, g) in cells.iter().skip(1) {
        *counts.entry(g).or_default() += 1;
    }
    let commonest = |min: usize| {
        counts
            .iter()
            .filter(|&(&g, _)| g > min)
            .max_by_key(|&(&g, &n)| (n, std::cmp::Reverse(g)))
            .map(|(&g, _)| g)
    };
    // Cells on adjacent lines need rows at least two blank lines apart to tell them, unless
    // the blank cells are written out (then one empty line can only be a row break).
    let cell_gap = commonest(0)?;
    let row_gap = commonest(cell_gap)?;
    if row_gap < if written_blanks { 2 } else { 3 } {
        return None;
    }
    Some((cell_gap, row_gap))
}

/// What a gap of `n` newlines before a cell means: (a row break, blank cells skipped).
fn decode_gap(n: usize, cell: usize, row: usize, first: bool) -> (bool, usize) {
    if first {
        return (false, 0);
    }
    if n >= row && (n - row) % cell == 0 {
        (true, (n - row) / cell)
    } else if n >= cell && (n - cell) % cell == 0 {
        (false, (n - cell) / cell)
    } else {
        (n > row, 0)
    }
}

// ---------------------------------------------------------------------------------------------
// Aligned columns (pdftotext -layout)
// ---------------------------------------------------------------------------------------------

/// A run of text on one line, with its display column.
#[derive(Debug, Clone, PartialEq)]
struct Segment {
    text: String,
    x: u32,
}

/// Splits a line at runs of two or more spaces; numbers separated by single spaces are split
/// too (columns of digits are often only one space apart).
fn segments(line: &str) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut cur = String::new();
    let mut cur_x = 0u32;
    let mut x = 0u32;
    let mut spaces = 0u32;
    for c in line.chars() {
        if c == '\t' || fold_char(c) == ' ' {
            spaces += 1;
            x += 1;
            continue;
        }
        if !cur.is_empty() && spaces >= 2 {
            out.push(Segment {
                text: std::mem::take(&mut cur),
                x: cur_x,
            });
        } else if !cur.is_empty() && spaces == 1 {
            cur.push(' ');
        }
        if cur.is_empty() {
            cur_x = x;
        }
        spaces = 0;
        cur.push(c);
        x += super::text::char_width(c) as u32;
    }
    if !cur.is_empty() {
        out.push(Segment {
            text: cur,
            x: cur_x,
        });
    }
    // Split "0 0 12" into separate numeric segments.
    let mut split = Vec::with_capacity(out.len());
    for seg in out {
        let parts: Vec<&str> = seg.text.split(' ').collect();
        if parts.len() > 1 && parts.iter().all(|p| is_value_token(p)) {
            let mut px = seg.x;
            for p in parts {
                split.push(Segment {
                    text: p.to_string(),
                    x: px,
                });
                px += display_width(p) as u32 + 1;
            }
        } else {
            split.push(seg);
        }
    }
    split
}

/// A token that fills a value cell: a number (with separators, decimals, an amount unit) or
/// one of the marks used for "nothing to report".
pub fn is_value_token(s: &str) -> bool {
    // A figure's only Han characters are those of its unit or of a blank mark (无); any other
    // ends the look at once (`2019年，…`: a line of prose that starts with a year).
    let in_grammar = |c: char| {
        BLANK_MARKS
            .iter()
            .chain(&FIGURE_UNITS)
            .any(|w| w.contains(c))
    };
    if s.chars()
        .map(fold_char)
        .any(|c| super::text::is_han(c) && !in_grammar(c))
    {
        return false;
    }
    // Most tokens asked about are squashed already: no copy is made of them.
    let owned;
    let t: &str = if super::text::is_squashed(s) {
        s
    } else {
        owned = squash(s);
        &owned
    };
    if t.is_empty() {
        return false;
    }
    if BLANK_MARKS.contains(&t) {
        return true;
    }
    let body = FIGURE_UNITS
        .iter()
        .fold(t, |rest, unit| trim_end_repeated(rest, unit))
        .trim_end_matches('%');
    let body = body
        .strip_prefix('-')
        .or_else(|| body.strip_prefix('+'))
        .unwrap_or(body);
    !body.is_empty()
        && body.chars().next().is_some_and(|c| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.' || c == '，')
}

/// Cells that stand for a blank or zero figure (a dash, a slash, 无).
const BLANK_MARKS: [&str; 6] = ["-", "--", "/", "无", "——", "---"];

/// Units a figure may end with, stripped in this order (`12万元`, `3亿元`, `800元`).
const FIGURE_UNITS: [&str; 3] = ["万元", "亿元", "元"];

/// Units written in their own column of the 2008-era form.
pub fn is_unit_token(s: &str) -> bool {
    matches!(
        s.trim(),
        "条" | "件"
            | "个"
            | "人"
            | "人次"
            | "次"
            | "篇"
            | "期"
            | "份"
            | "万元"
            | "元"
            | "项"
            | "家"
            | "场"
            | "%"
    )
}

/// What one line of an aligned region holds.
#[derive(Debug)]
struct AlignedLine {
    labels: Vec<Segment>,
    unit: Option<Segment>,
    values: Vec<Segment>,
}

/// Classifies a line: leading label segments, an optional unit, trailing value segments.
fn classify_aligned(line: &str) -> AlignedLine {
    let mut segs = segments(line);
    // Narrow columns leave a single space between a label and its unit or first value
    // (`回应公众关注热点或重大 次   0`, `1.属于 0   0`): split such tails off the label.
    for _ in 0..2 {
        let k = first_value_index(&segs).saturating_sub(1);
        let Some(seg) = segs.get(k).cloned() else {
            break;
        };
        let Some((head, tail)) = seg.text.rsplit_once(' ') else {
            break;
        };
        if head.trim().is_empty()
            || !has_label_text(head)
            || !(is_value_token(tail) || is_unit_token(tail))
        {
            break;
        }
        segs[k].text = head.to_string();
        segs.insert(
            k + 1,
            Segment {
                text: tail.to_string(),
                x: seg.x + display_width(head) as u32 + 1,
            },
        );
    }
    let first_value = first_value_index(&segs);
    let mut labels: Vec<Segment> = segs[..first_value].to_vec();
    let values = segs[first_value..].to_vec();
    let unit = if !values.is_empty()
        && labels.len() > 1
        && labels.last().is_some_and(|s| is_unit_token(&s.text))
    {
        labels.pop()
    } else {
        None
    };
    AlignedLine {
        labels,
        unit,
        values,
    }
}

/// Index of the first of the trailing value segments (`segs.len()` when there are none).
fn first_value_index(segs: &[Segment]) -> usize {
    let mut k = segs.len();
    while k > 0 && is_value_token(&segs[k - 1].text) {
        k -= 1;
    }
    k
}

/// True when text holds a Han character (a label, not a number or a mark).
fn has_label_text(s: &str) -> bool {
    s.chars().any(super::text::is_han)
}

/// A line of prose: long, one segment, no column gaps (or ending a sentence).
fn is_prose(line: &str) -> bool {
    let t = line.trim();
    t.len() > MAX_ROW_BYTES
        || t.ends_with('。')
        || t.ends_with('；')
        || (display_width_at_least(t, 54) && segments(line).len() <= 1)
}

/// True when the line holds values in the way a table row does.
fn is_value_line(line: &str) -> bool {
    // Cheap first: a row of values ends with a digit or a blank mark.
    let ends_like_value = line.trim_end().chars().last().is_some_and(|c| {
        let c = fold_char(c);
        c.is_ascii_digit() || matches!(c, '-' | '/' | '无' | '元' | '%')
    });
    if !ends_like_value || is_page_furniture(line) || is_prose(line) {
        return false;
    }
    let a = classify_aligned(line);
    let real = a
        .values
        .iter()
        .filter(|v| v.text.chars().any(|c| c.is_ascii_digit()))
        .count();
    real >= 1 && (a.values.len() >= 2 || !a.labels.is_empty())
}

/// Finds an aligned-column table whose first value line is at or after `start` and within a
/// few lines of it; returns the table and the index after its last line.
fn aligned_table(lines: &[String], start: usize, floor: usize) -> Option<(Table, usize)> {
    if !is_value_line(&lines[start]) {
        return None;
    }
    // Extend downwards while value lines keep coming.
    let mut last_value = start;
    let mut j = start + 1;
    while j < lines.len() && j <= last_value + 10 {
        if has_tab(&lines[j]) || (is_prose(&lines[j]) && !is_page_furniture(&lines[j])) {
            break;
        }
        if is_value_line(&lines[j]) {
            last_value = j;
        }
        j += 1;
    }
    // Continuation lines right after the last value line belong to its label.
    let mut end = last_value;
    while end + 1 < lines.len() && end < last_value + 2 {
        let l = &lines[end + 1];
        if is_blank(l)
            || is_prose(l)
            || has_tab(l)
            || segments(l).len() != 1
            || starts_with_numbering(l.trim())
        {
            break;
        }
        end += 1;
    }
    // Extend upwards over header and label lines.
    let mut first = start;
    let mut nonblank = 0;
    while first > floor && nonblank < 14 {
        let l = &lines[first - 1];
        if has_tab(l) || is_prose(l) {
            break;
        }
        if !is_blank(l) {
            nonblank += 1;
        }
        first -= 1;
    }
    while first < start && is_blank(&lines[first]) {
        first += 1;
    }
    let values_count = (first..=end).filter(|&k| is_value_line(&lines[k])).count();
    let multi_col = (first..=end).any(|k| classify_aligned(&lines[k]).values.len() >= 2);
    if values_count < 2 && !multi_col {
        return None;
    }
    let rows = aligned_rows(lines, first, end);
    Some((
        Table {
            rows,
            line_span: (first as u32 + 1, end as u32 + 1),
            from_text: true,
        },
        end + 1,
    ))
}

/// A label being assembled from fragments on several lines.
#[derive(Debug)]
struct Fragment {
    text: String,
    x: u32,
    line: u32,
    last_line: u32,
    /// Index of the value row this label belongs to.
    row: Option<usize>,
    /// A header row came after this fragment: nothing below continues it.
    closed: bool,
}

/// True when text starts with an outline number: 一、 （一） (一) 1. 1、 ① 其中.
///
/// Reads the squashed text's first characters only ([`super::text::squashed_chars`]): it is
/// asked of whole lines and clauses, and squashing a paragraph to look at its start cost more
/// than the rest of the look.
pub fn starts_with_numbering(t: &str) -> bool {
    let mut chars = super::text::squashed_chars(t);
    let Some(c0) = chars.next() else { return false };
    if c0 == '其' && chars.clone().next() == Some('中') {
        return true;
    }
    if c0 == '(' {
        // The closing bracket within the first 8 bytes.
        let mut at = c0.len_utf8();
        for c in chars {
            if c == ')' {
                return at <= 8;
            }
            at += c.len_utf8();
            if at > 8 {
                return false;
            }
        }
        return false;
    }
    if ('①'..='⑳').contains(&c0) {
        return true;
    }
    let is_lead = |c: char| c.is_ascii_digit() || super::text::is_outline_numeral(c);
    if !is_lead(c0) {
        return false;
    }
    let after = std::iter::once(c0).chain(chars).find(|&c| !is_lead(c));
    matches!(after, Some('、' | '.' | '．' | ','))
}

/// A line of values waiting for its label: (line, label fragment, value cells, unit cell).
type ValueRow = (u32, Option<usize>, Vec<Cell>, Option<Cell>);

/// Builds the rows of an aligned region: each value line is a row whose label is assembled
/// from the fragments around it; label fragments that own no values become label-only rows
/// (section headings and rowspan labels give context).
fn aligned_rows(lines: &[String], first: usize, end: usize) -> Vec<Row> {
    let mut frags: Vec<Fragment> = Vec::new();
    // Value rows are completed at the end, when their labels have all their fragments.
    let mut value_rows: Vec<ValueRow> = Vec::new();
    let mut header_rows: Vec<(u32, Row)> = Vec::new();
    for (k, line) in lines.iter().enumerate().take(end + 1).skip(first) {
        let no = k as u32 + 1;
        if is_blank(line) || is_page_furniture(line) {
            continue;
        }
        let a = classify_aligned(line);
        if a.values.is_empty() {
            if a.labels.len() >= 2 {
                let cells = a.labels.iter().map(|s| Cell {
                    text: s.text.replace(' ', ""),
                    line: no,
                    x: Some(s.x),
                    spanned: false,
                });
                header_rows.push((no, Row::new(cells.collect())));
                for f in &mut frags {
                    f.closed = true;
                }
            } else if let Some(seg) = a.labels.first() {
                attach_fragment(&mut frags, seg, no, false);
            }
            continue;
        }
        let row_index = value_rows.len();
        let mut label_frag = None;
        for (n, seg) in a.labels.iter().enumerate() {
            let idx = attach_fragment(&mut frags, seg, no, true);
            if n + 1 == a.labels.len() {
                label_frag = Some(idx);
            }
        }
        if label_frag.is_none() {
            // Numbers without a label on their line: the most recent label still waiting.
            label_frag = frags
                .iter()
                .rposition(|f| f.row.is_none() && no.saturating_sub(f.last_line) <= 4);
        }
        if let Some(f) = label_frag {
            if frags[f].row.is_none() {
                frags[f].row = Some(row_index);
            } else {
                label_frag = None;
            }
        }
        let values: Vec<Cell> = a
            .values
            .iter()
            .map(|s| Cell {
                text: s.text.clone(),
                line: no,
                x: Some(s.x + display_width(&s.text) as u32),
                spanned: false,
            })
            .collect();
        let unit = a.unit.map(|u| Cell {
            text: u.text,
            line: no,
            x: Some(u.x),
            spanned: false,
        });
        value_rows.push((no, label_frag, values, unit));
    }
    let mut out: Vec<(u32, Row)> = header_rows;
    for (no, frag, values, unit) in value_rows {
        let mut cells = Vec::new();
        let f = frag.map(|f| &frags[f]);
        let label_line = f.map_or(no, |f| f.line.min(no));
        if let Some(f) = f {
            cells.push(Cell {
                text: f.text.replace(' ', ""),
                line: label_line,
                x: Some(f.x),
                spanned: false,
            });
        }
        cells.extend(unit);
        cells.extend(values);
        out.push((label_line.min(no), Row::new(cells)));
    }
    for f in frags.iter().filter(|f| f.row.is_none()) {
        out.push((
            f.line,
            Row::new(vec![Cell {
                text: f.text.replace(' ', ""),
                line: f.line,
                x: Some(f.x),
                spanned: false,
            }]),
        ));
    }
    out.sort_by_key(|(l, _)| *l);
    out.into_iter().map(|(_, r)| r).collect()
}

/// Adds a label fragment: numbered text starts a new label; other text continues the recent
/// label standing in the same column. On a line with values (`with_values`), text continues
/// only a label still waiting for its numbers: a completed row's label is not extended by the
/// next row's. Returns the fragment's index.
fn attach_fragment(
    frags: &mut Vec<Fragment>,
    seg: &Segment,
    line: u32,
    with_values: bool,
) -> usize {
    let text = seg.text.trim();
    if !starts_with_numbering(text) {
        let near = frags.iter().rposition(|f| {
            line.saturating_sub(f.last_line) <= 3
                && (f.x as i64 - seg.x as i64).abs() <= 4
                && f.last_line < line
                && !f.closed
                && !(with_values && f.row.is_some())
        });
        if let Some(i) = near {
            frags[i].text.push_str(text);
            frags[i].last_line = line;
            return i;
        }
    }
    frags.push(Fragment {
        text: text.to_string(),
        x: seg.x,
        line,
        last_line: line,
        row: None,
        closed: false,
    });
    frags.len() - 1
}

#[cfg(test)]
mod tests {
    /// The cell texts of every table row found in `text`, tables one after another.
    fn table_rows(text: &str) -> Vec<Vec<String>> {
        let mut d = Document::from_text(text);
        find_tables(&mut d);
        d.tables.iter().flat_map(texts).collect()
    }

    #[test]
    fn blank_cells_written_as_spaces_let_one_empty_line_break_rows() {
        let rows = table_rows(
            "信息内容\n本年制发件数\n本年废止件数\n现行有效件数\n\n规章\n2\n  \n9\n\n行政规范性文件\n5\n1\n40\n\n行政许可\n  \n  \n7\n",
        );
        assert_eq!(rows[1], ["规章", "2", "", "9"]);
        assert_eq!(rows[2], ["行政规范性文件", "5", "1", "40"]);
        assert_eq!(rows[3], ["行政许可", "", "", "7"]);
    }

    #[test]
    fn rows_between_ideographic_spaces_become_tab_rows() {
        let doc = table_rows;
        // One U+3000 between cells, an empty one between two; letter-spaced heading joined.
        let rows = doc(
            "统　计　指　标\u{3000}单位\u{3000}数量\n　　行政许可\u{3000}件\u{3000}\u{3000}7\n行政处罚\u{3000}件\u{3000}3\u{3000}\n",
        );
        assert_eq!(rows[0], ["统计指标", "单位", "数量"]);
        assert_eq!(rows[1], ["行政许可", "件", "", "7"]);
        assert_eq!(rows[2], ["行政处罚", "件", "3", ""]);
        // Two U+3000 as the separator: four are a blank cell.
        let rows = doc(
            "规章\u{3000}\u{3000}0\u{3000}\u{3000}1\u{3000}\u{3000}2\n规范性文件\u{3000}\u{3000}\u{3000}\u{3000}4\u{3000}\u{3000}5\n",
        );
        assert_eq!(rows[0], ["规章", "0", "1", "2"]);
        assert_eq!(rows[1], ["规范性文件", "", "4", "5"]);
        // A sentence with an indent and a clause is not a row.
        assert!(doc("　　全年收到申请\u{3000}12件，办结\u{3000}12件\n").is_empty());
    }

    use super::*;

    /// The look at a line's start by squashed characters answers as squashing the whole line
    /// and looking at its start did.
    #[test]
    fn numbering_read_from_the_first_squashed_characters() {
        fn by_squashing(t: &str) -> bool {
            let t = squash(t);
            let mut chars = t.chars();
            let Some(c0) = chars.next() else { return false };
            if t.starts_with("其中") {
                return true;
            }
            if c0 == '(' {
                return t.find(')').is_some_and(|p| p <= 8);
            }
            if ('①'..='⑳').contains(&c0) {
                return true;
            }
            let lead: String = t
                .chars()
                .take_while(|&c| c.is_ascii_digit() || super::super::text::is_outline_numeral(c))
                .collect();
            !lead.is_empty() && t[lead.len()..].starts_with(['、', '.', '．', ','])
        }
        let texts = [
            "",
            " ",
            "一、总体情况",
            "（一）主动公开",
            "( 一 ) 公开",
            "(一二三四)x",
            "(一二三x)",
            "（十一）其他",
            "1.政府网站",
            "12、其他",
            "1 2 、其他",
            "１．政府",
            "1,2",
            "123",
            "其中：规章",
            "其 中",
            "其他",
            "①公开",
            "⑳x",
            "二十、",
            "二十",
            "(",
            "()",
            "（）",
            "　　一、概述",
            "2019年",
            "1．",
            "a.",
            "(1)",
            "(12345678)",
            "(1234567)",
        ];
        for t in texts {
            assert_eq!(starts_with_numbering(t), by_squashing(t), "{t:?}");
        }
        assert!(starts_with_numbering("（一）主动公开"));
        assert!(starts_with_numbering("1 2 、其他"));
        assert!(!starts_with_numbering("2019年"));
    }

    #[test]
    fn trim_end_repeated_is_trim_end_matches() {
        for s in [
            "12万元",
            "12万元万元",
            "万元",
            "",
            "12亿元",
            "万元12",
            "1.5万",
            "元万元",
        ] {
            for suffix in ["万元", "亿元", "元"] {
                assert_eq!(
                    trim_end_repeated(s, suffix),
                    s.trim_end_matches(suffix),
                    "{s} {suffix}"
                );
            }
        }
        assert!(is_value_token("12万元") && is_value_token("3亿元") && !is_value_token("万元"));
    }

    /// Figures, their units and 无 are value tokens; a token with any other Han character is
    /// not, wherever it stands.
    #[test]
    fn value_tokens_hold_no_other_han_character() {
        for yes in [
            "0",
            "1,234",
            "１２",
            "12.5万元",
            "3亿元",
            "-4",
            "无",
            "—".repeat(2).as_str(),
            "7%",
            "8元",
        ] {
            assert!(is_value_token(yes), "{yes}");
        }
        for no in [
            "2019年",
            "12件",
            "3 条",
            "无收费",
            "元",
            "万元12",
            "1年2",
            "政府12",
        ] {
            assert!(!is_value_token(no), "{no}");
        }
    }

    fn texts(t: &Table) -> Vec<Vec<String>> {
        t.rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.text.clone()).collect())
            .collect()
    }

    #[test]
    fn cell_per_line_rows_keep_blank_cells_and_join_wrapped_labels() {
        let text = "附件\n\n\t统计指标\n\t单位\n\t统计数\n\n\t（一）主动公开政府信息数\n   （不同渠道计1条）\n\t条\n\t210\n\n\t专项经费\n\t万元\n\t\n\n注：完";
        let mut doc = Document::from_text(text);
        find_tables(&mut doc);
        assert_eq!(doc.tables.len(), 1);
        let rows = texts(&doc.tables[0]);
        assert_eq!(
            rows[1],
            vec!["（一）主动公开政府信息数（不同渠道计1条）", "条", "210"]
        );
        assert_eq!(rows[2], vec!["专项经费", "万元", ""]);
        assert_eq!(doc.tables[0].rows[1].cells[2].line, 10);
    }

    #[test]
    fn tab_rows_survive_page_breaks() {
        let text =
            "统计指标\t单位\t统计数\n1. 按时办结数\t件\t3\n\n- 4 -\n\n2. 延期办结数\t件\t0\n正文。";
        let mut doc = Document::from_text(text);
        find_tables(&mut doc);
        assert_eq!(doc.tables.len(), 1);
        assert_eq!(texts(&doc.tables[0])[2], vec!["2. 延期办结数", "件", "0"]);
        assert!(!doc.is_table_line(7));
    }

    #[test]
    fn aligned_rows_assemble_wrapped_labels_around_numbers() {
        let text = "\
                  （一）予以公开                     0    0      0     0   0   0     0
                  （二）部分公开（区分处理的，只计这一情 形，不
                  计其他情形）
                                              4    0      0     0   0   0     4
                            1.属于国家秘密         1     0      0     0   0   0     1
                  （三）不予公开
                            2.其他法律行政法规禁止公开      0     0      0     0   0   0     0";
        let mut doc = Document::from_text(text);
        find_tables(&mut doc);
        assert_eq!(doc.tables.len(), 1);
        let rows = texts(&doc.tables[0]);
        assert_eq!(
            rows[1][0],
            "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
        );
        assert_eq!(rows[1][1..], ["4", "0", "0", "0", "0", "0", "4"]);
        assert!(
            rows.iter()
                .any(|r| r == &vec!["（三）不予公开".to_string()])
        );
    }

    #[test]
    fn numbers_in_prose_are_not_tables() {
        let text = "2023 年，我区在政府网站平台主动公开政府信息 1136 条。\n全市在运维政务新媒体共计 95\n个，合格率为 100%。";
        let mut doc = Document::from_text(text);
        find_tables(&mut doc);
        assert!(doc.tables.is_empty());
    }

    #[test]
    fn page_furniture() {
        for l in ["- 4 -", "— 6 —", "第 4 页", "-3-", "PAGE", "  -2-"] {
            assert!(is_page_furniture(l), "{l}");
        }
        for l in ["0", "2017", "一、概述", "12\t34\t 56", "１２３", ""] {
            assert!(!is_page_furniture(l), "{l}");
        }
    }

    // Modelled on the markdown of ../shared/corpus/real/reports/059.txt (our words, numbers).
    #[test]
    fn pipe_rows_become_grids_with_blank_cells_kept() {
        let text = "### 表二\n| 信息内容 | 本年制发件数 | 本年废止件数 |\n|---|---|---|\n| 规章 | 3 |  |\n\n正文一段。\n规章 | 1 | 2";
        let mut doc = Document::from_text(text);
        find_tables(&mut doc);
        assert_eq!(doc.tables.len(), 2);
        let rows = texts(&doc.tables[0]);
        assert_eq!(
            rows,
            [
                vec!["信息内容", "本年制发件数", "本年废止件数"],
                vec!["规章", "3", ""]
            ]
        );
        assert_eq!(doc.tables[0].line_span, (2, 4));
        assert_eq!(texts(&doc.tables[1]), [vec!["规章", "1", "2"]]);
    }

    // Modelled on ../shared/corpus/real/reports/gh-007.txt: two blank lines between cells,
    // four between rows, a blank cell one more run of two.
    #[test]
    fn a_cell_per_line_is_rebuilt_from_the_blank_runs() {
        let cells = |c: &[&str]| c.join("\n\n\n");
        let text = [
            cells(&[
                "信息内容",
                "本年新制作数量",
                "本年新公开数量",
                "对外公开总数量",
            ]),
            cells(&["规章", "1", "", "5"]),
            cells(&["规范性文件", "2", "3", "8"]),
            cells(&["行政许可", "", "", ""]),
            cells(&["", "", "0", "7"]),
        ]
        .join("\n\n\n\n\n");
        let mut doc = Document::from_text(&format!(
            "二、主动公开政府信息情况\n\n\n\n\n{text}\n\n五、问题。"
        ));
        find_tables(&mut doc);
        assert_eq!(doc.tables.len(), 1);
        let rows = texts(&doc.tables[0]);
        let at = rows.iter().position(|r| r[0] == "规章").unwrap();
        assert_eq!(rows[at - 1][0], "信息内容");
        assert_eq!(rows[at], ["规章", "1", "", "5"]);
        assert_eq!(rows[at + 1], ["规范性文件", "2", "3", "8"]);
        // Blanks after a label end its row; blanks before values start the next one.
        assert_eq!(rows[at + 2], ["行政许可", "", "", ""]);
        assert_eq!(rows[at + 3], ["", "", "0", "7"]);
    }

    // Modelled on the sample data/sample/102_cell_per_line_2019.txt: the section heading
    // after 表四 stands three blank lines below its last value, a gap neither a cell's (two)
    // nor a row's (four) and no count of blank cells: it starts a row, it is no 16th cell.
    /// 表四's review block written a cell per line (two empty lines between cells, four
    /// between rows) under its heading, `gap` line breaks before the next section's heading:
    /// the rows of the table found.
    fn review_block_cell_per_line(rows: [[&str; 5]; 2], gap: usize) -> Vec<Vec<String>> {
        let cells = |c: &[&str]| c.join("\n\n\n");
        let header = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];
        let text = [cells(&header), cells(&rows[0]), cells(&rows[1])].join("\n\n\n\n\n");
        let mut doc = Document::from_text(&format!(
            "四、行政复议情况\n\n\n\n\n{text}{}五、存在的主要问题及改进情况\n问题。",
            "\n".repeat(gap)
        ));
        find_tables(&mut doc);
        texts(&doc.tables[0])
    }

    #[test]
    fn a_heading_at_an_odd_gap_after_values_starts_a_row() {
        let rows =
            review_block_cell_per_line([["", "", "", "", "0"], ["1", "0", "0", "0", "1"]], 4);
        let at = rows.iter().position(|r| r[0] == "1").unwrap();
        assert_eq!(rows[at], ["1", "0", "0", "0", "1"]);
        assert!(rows[at + 1..].iter().all(|r| r.len() == 1), "{rows:?}");
    }

    // Modelled on the 2019 huangpu base of the layout matrix written a cell per line: 表四's
    // last cells are blank, and the empty lines they leave run into the gap that sets the
    // table off from the next heading, a gap that is no row break plus a count of blank
    // cells. The row ends with figures and is shorter than its header: its last cells were
    // blank, as many as the gap holds.
    #[test]
    fn blank_cells_ending_the_last_row_are_kept_before_the_gap_after_the_table() {
        let rows =
            review_block_cell_per_line([["2", "0", "0", "1", "3"], ["3", "", "1", "", ""]], 7);
        let at = rows.iter().position(|r| r[0] == "3").unwrap();
        assert_eq!(rows[at - 1], ["2", "0", "0", "1", "3"]);
        assert_eq!(rows[at], ["3", "", "1", "", ""]);
    }
}
