//! Tables whose figures stand apart from their labels (PDF text layers).
//!
//! A PDF converter that reads a table column by column, or a page's text objects in the order
//! they were drawn, writes a statistics table as its label lines (one row per line, the cells
//! of a header row glued together), then the run of its figure lines (one row per line, the
//! figures between spaces, blank cells gone):
//!
//! ```text
//! 指标名称计量单位本年度历年累计      <- header row
//! 主动公开信息数条                   <- rows, unit glued to the label
//! 受理申请总数件
//! 356 2,104                          <- 主动公开信息数
//! 15 61                              <- 受理申请总数
//! ```
//!
//! Such a block is zipped back into the grid the tab layout gives (`[label, unit, figures…]`)
//! only when the pairing is certain: as many figure lines as label lines that need figures,
//! counted one of three ways (every label line; the 2008-era lines that end with a unit; the
//! lines that name a form's row, header rows aside), and no two ways disagreeing. A table's
//! block of nothing but header lines and figure lines (表四) gives header rows and rows of bare
//! figures, as the tab layout does. Anything else is left as it was: a row whose blank cells
//! fell out of the figure line still has fewer figures than the form has columns, which the
//! extractors leave out and say, and a run of figures that cannot be paired is never guessed.
//!
//! The pass is cheap where there is nothing to do: it looks for a line of bare figures right
//! under a line of text, a byte test per line that fails at the first Han character.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Deserialize;

use super::layout::{is_page_furniture, is_unit_token, is_value_token};
use super::{Cell, Document, Row, Table};
use crate::knowledge::parse_csv;

/// The words that tell a header row from a row label: the header cells of the forms
/// (`rules/cells.csv`, kind `header`).
#[derive(Debug, Clone)]
pub struct DetachedWords {
    headers: AhoCorasick,
}

#[derive(Debug, Deserialize)]
struct CellRow {
    kind: String,
    text: String,
}

impl DetachedWords {
    /// The header words of `rules/cells.csv`.
    pub fn new(cells_csv: &str) -> DetachedWords {
        let headers: Vec<String> = parse_csv::<CellRow>("rules/cells.csv", cells_csv)
            .into_iter()
            .filter(|r| r.kind == "header")
            .map(|r| r.text)
            .collect();
        DetachedWords {
            headers: AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&headers)
                .expect("header words build an automaton"),
        }
    }

    /// The automaton that finds the header words (leftmost longest), for the other passes
    /// that cut header rows.
    pub fn header_words(&self) -> &AhoCorasick {
        &self.headers
    }

    /// A header row written as one line cut into its cells: each header word a cell, and the
    /// text between two of them (`2009年度`) a cell of its own.
    fn header_cells(&self, line: &str) -> Vec<String> {
        cut_at_header_words(&self.headers, line).0
    }

    /// True for a header row written as one line: two or more header words in it
    /// (`自然人法人或其他组织总计`), where a row label holds one at most (`（七）总计`).
    fn is_header_line(&self, line: &str) -> bool {
        self.headers.find_iter(line).nth(1).is_some()
    }
}

/// Most figures a figure line is taken to hold (表四 has fifteen).
const MAX_FIGURES: usize = 16;
/// Fewest label lines of a table written this way (a header row and two rows).
const MIN_LABEL_LINES: usize = 3;
/// Longest label line, in characters: a row label with its group and note, not a paragraph.
const MAX_LABEL_CHARS: usize = 100;

/// Finds blocks of label lines followed by figure lines, zips those whose pairing is certain
/// into tables, and puts them in `doc.tables` in place of the tables other layouts made of the
/// same lines (a cell per line read the labels and figures as one long row). `is_row_label`
/// says whether a label names a row of one of the forms. True when a table was made.
pub fn find_detached_tables(
    doc: &mut Document,
    words: &DetachedWords,
    is_row_label: &dyn Fn(&str) -> bool,
) -> bool {
    if !has_figure_line_under_text(&doc.lines) {
        return false;
    }
    let mut found: Vec<Table> = Vec::new();
    let mut i = 0;
    let mut floor = 0;
    while i < doc.lines.len() {
        if !is_figure_line(&doc.lines[i]) || in_markup_table(doc, i) {
            i += 1;
            continue;
        }
        // A run with an empty line for each row that has no figures (the header rows above
        // the first figure line too) is tried first; failing that, the run is the figure
        // lines up to the first empty line.
        let lead = (floor..i)
            .rev()
            .take_while(|&j| doc.lines[j].trim().is_empty())
            .count();
        let mut spaced = vec![None; lead];
        spaced.extend(figure_slots(&doc.lines, i, true));
        let tight = figure_slots(&doc.lines, i, false);
        let zipped = Some(&spaced)
            .filter(|s| s.len() > tight.len())
            .and_then(|s| {
                let labels = label_run(&doc.lines, i - lead, floor);
                zip_block(&doc.lines, &labels, s, words, is_row_label)
            })
            .map(|t| (t, &spaced))
            .or_else(|| {
                let labels = label_run(&doc.lines, i, floor);
                zip_block(&doc.lines, &labels, &tight, words, is_row_label).map(|t| (t, &tight))
            });
        let figures_end = tight.iter().flatten().last().map_or(i + 1, |&j| j + 1);
        let mut end = figures_end;
        if let Some((table, slots)) = zipped {
            end = table.line_span.1 as usize;
            let plain = slots.iter().flatten().all(|&j| is_plain(&doc.lines[j]));
            if !overlaps_kept(doc, &table, plain) {
                found.push(table);
            }
        }
        floor = end.max(figures_end);
        i = floor;
    }
    if found.is_empty() {
        return false;
    }
    put_in_place(doc, found);
    true
}

/// Puts `found` tables into `doc` in place of the rows other readers made of their lines
/// ([`cut_out`]), the tables kept in line order.
pub(crate) fn put_in_place(doc: &mut Document, found: Vec<Table>) {
    for f in &found {
        let tables = std::mem::take(&mut doc.tables);
        doc.tables = tables
            .into_iter()
            .flat_map(|t| cut_out(t, f.line_span))
            .collect();
    }
    doc.tables.extend(found);
    doc.tables.sort_by_key(|t| t.line_span);
}

/// `line` cut at the words `headers` finds: each word a cell, the text between two (`2009年度`)
/// a cell of its own; with the number of words found.
pub(crate) fn cut_at_header_words(headers: &AhoCorasick, line: &str) -> (Vec<String>, usize) {
    let mut cells = Vec::new();
    let mut at = 0;
    let mut words = 0;
    for m in headers.find_iter(line) {
        let gap = line[at..m.start()].trim();
        if !gap.is_empty() {
            cells.push(gap.to_string());
        }
        cells.push(line[m.start()..m.end()].to_string());
        words += 1;
        at = m.end();
    }
    let rest = line[at..].trim();
    if !rest.is_empty() {
        cells.push(rest.to_string());
    }
    (cells, words)
}

/// `table` without the rows that touch the lines of `span`: the rows wholly above and wholly
/// below it stay, each part a table of its own (a cell per line read the labels, the figures
/// and the tables around them as one region).
fn cut_out(table: Table, span: (u32, u32)) -> Vec<Table> {
    let (a, b) = span;
    if table.line_span.1 < a || b < table.line_span.0 {
        return vec![table];
    }
    let lines = |r: &Row| {
        let first = r.cells.iter().map(|c| c.line).min().unwrap_or(0);
        let last = r.cells.iter().map(|c| c.line).max().unwrap_or(0);
        (first, last)
    };
    let mut above = Vec::new();
    let mut below = Vec::new();
    for r in table.rows {
        let (first, last) = lines(&r);
        if r.cells.is_empty() {
            continue;
        }
        if last < a {
            above.push(r);
        } else if first > b {
            below.push(r);
        }
    }
    let part = |rows: Vec<Row>, lo: u32, hi: u32| {
        let first = rows.iter().flat_map(|r| &r.cells).map(|c| c.line).min();
        let last = rows.iter().flat_map(|r| &r.cells).map(|c| c.line).max();
        match (first, last) {
            (Some(f), Some(l)) => Some(Table {
                rows,
                line_span: (f.max(lo), l.min(hi)),
                from_text: table.from_text,
            }),
            _ => None,
        }
    };
    let (lo, hi) = table.line_span;
    [part(above, lo, a - 1), part(below, b + 1, hi)]
        .into_iter()
        .flatten()
        .collect()
}

/// True when some line of bare figures stands under a line of text (empty lines between
/// aside): the only shape the pass reads. Most lines fail at their first byte (a Han
/// character or a space).
fn has_figure_line_under_text(lines: &[String]) -> bool {
    (1..lines.len()).any(|i| {
        lines[i].as_bytes().first().is_some_and(u8::is_ascii_digit)
            && is_figure_line(&lines[i])
            && lines[..i]
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| is_label_line(l))
    })
}

/// A line of figures between spaces: `356 2,104`, `0`, `27 251000元`, `38 — 97`.
fn is_figure_line(line: &str) -> bool {
    let t = line.trim();
    // Cells between tabs, pipes or ideographic spaces are rows of other layouts.
    if t.is_empty() || super::text::holds_cell_separator(t) {
        return false;
    }
    let mut n = 0;
    for token in t.split(' ').filter(|s| !s.is_empty()) {
        n += 1;
        if n > MAX_FIGURES || !(token == "—" || is_value_token(token)) {
            return false;
        }
    }
    // `— 4 —` is a page number between two pages of the table, not a row.
    n > 0 && !is_page_furniture(t)
}

/// A line that can be a row label or a header row of such a table: short text with no
/// figure at its end, no cell separators, not a sentence.
fn is_label_line(line: &str) -> bool {
    let t = line.trim();
    if t.is_empty() || t.contains(['\t', '|', '。']) || is_figure_line(t) {
        return false;
    }
    if super::text::more_chars_than(t, MAX_LABEL_CHARS) {
        return false;
    }
    let last = t.rsplit(' ').next().unwrap_or(t);
    !(last == "—" || is_value_token(last))
}

/// True when line index `i` lies in a table read from markup (HTML, Word, a spreadsheet).
fn in_markup_table(doc: &Document, i: usize) -> bool {
    let line = i as u32 + 1;
    doc.tables
        .iter()
        .any(|t| t.line_span.0 <= line && line <= t.line_span.1 && !t.from_text)
}

/// A line written flush left with single spaces between its figures: nothing on it is
/// aligned, so columns "found" on it by their positions say nothing.
fn is_plain(line: &str) -> bool {
    !line.starts_with(char::is_whitespace) && !line.trim_end().contains("  ")
}

/// True when the block's lines lie in a table that is kept: one read from markup, or one read
/// from aligned columns when the block's figure lines are not `plain` (`pdftotext -layout`
/// output knows where its cells stand; a cell per line, or columns guessed from single
/// spaces, do not).
fn overlaps_kept(doc: &Document, table: &Table, plain: bool) -> bool {
    let (a, b) = table.line_span;
    doc.tables.iter().any(|t| {
        t.line_span.0 <= b
            && a <= t.line_span.1
            && (!t.from_text
                || (!plain && t.rows.iter().flat_map(|r| &r.cells).any(|c| c.x.is_some())))
    })
}

/// The rows of the run of figure lines starting at `start`: the index of each figure line, or
/// `None` for an empty line standing for a row without figures (only when `spaced`, and only
/// between two figure lines). Page furniture inside the run is passed over.
fn figure_slots(lines: &[String], start: usize, spaced: bool) -> Vec<Option<usize>> {
    let mut slots = Vec::new();
    let mut kept = 0;
    let mut j = start;
    while j < lines.len() {
        let line = &lines[j];
        if is_figure_line(line) {
            slots.push(Some(j));
            kept = slots.len();
        } else if spaced && line.trim().is_empty() {
            slots.push(None);
        } else if !is_page_furniture(line) {
            break;
        }
        j += 1;
    }
    // Empty lines after the last figure line end the run.
    slots.truncate(kept);
    slots
}

/// Indexes of the label lines right above the figure run at `start`, top to bottom: back to
/// an empty line, a sentence or the previous block (`floor`); page furniture is passed over.
fn label_run(lines: &[String], start: usize, floor: usize) -> Vec<usize> {
    let mut run = Vec::new();
    let mut j = start;
    while j > floor {
        j -= 1;
        let line = &lines[j];
        if is_page_furniture(line) {
            continue;
        }
        if !is_label_line(line) {
            break;
        }
        run.push(j);
    }
    run.reverse();
    run
}

/// How the label lines that need figures were told.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Pairing {
    /// Every label line has its figure line.
    Every,
    /// The 2008-era rows: label lines ending with their unit (`主动公开信息数条`).
    Units,
    /// Label lines naming a form's row, header rows aside.
    FormRows,
}

/// The table of one block, or `None` when its pairing is not certain.
fn zip_block(
    lines: &[String],
    labels: &[usize],
    slots: &[Option<usize>],
    words: &DetachedWords,
    is_row_label: &dyn Fn(&str) -> bool,
) -> Option<Table> {
    let first = *labels.first()?;
    let figures: Vec<usize> = slots.iter().flatten().copied().collect();
    let figures_end = *figures.last()? + 1;
    let m = figures.len();
    let text = |j: usize| lines[j].trim();
    // A label or two and the figures under them, or a label and its unit, is one row written
    // a cell per line (`（四）无法提供` / `1.本机关不掌握…` / `9` / `1`, `主动公开信息数` /
    // `条` / `356`), which the layout stage reads: a table here has a header and two rows.
    if labels.len() < MIN_LABEL_LINES || labels.iter().any(|&j| is_unit_token(text(j))) {
        return None;
    }
    let by_unit: Vec<usize> = labels
        .iter()
        .copied()
        .filter(|&j| unit_suffix(text(j)).is_some())
        .collect();
    let by_form: Vec<usize> = labels
        .iter()
        .copied()
        .filter(|&j| !words.is_header_line(text(j)) && is_row_label(text(j)))
        .collect();
    // The 2008-era form: most label lines end with their unit, which gets a cell of its own.
    let old_form = !by_unit.is_empty() && by_unit.len() * 2 >= labels.len();
    let spaced = slots.len() > m;
    let (pairing, rows) = if labels.len() == slots.len() {
        (Pairing::Every, labels.to_vec())
    } else if spaced {
        // Empty lines stand for rows without figures only where every label line has a slot.
        return None;
    } else {
        match (by_unit.len() == m, by_form.len() == m) {
            (true, true) if by_unit != by_form => return None,
            (true, _) => (Pairing::Units, by_unit),
            (false, true) => (Pairing::FormRows, by_form),
            (false, false) => {
                // A block of header lines over rows of bare figures (表四).
                let headed = labels.iter().any(|&j| words.is_header_line(text(j)));
                let wide = figures.iter().all(|&j| figure_count(&lines[j]) >= 3);
                if !(by_unit.is_empty() && by_form.is_empty() && headed && wide) {
                    return None;
                }
                let mut out: Vec<Row> =
                    labels.iter().map(|&j| label_row(lines, j, words)).collect();
                out.extend(figures.iter().map(|&j| Row::new(figure_cells(lines, j))));
                return Some(table(out, first, figures_end));
            }
        }
    };
    // One label over one figure line is a label wrapped above its figures, not a table; a
    // 2008-era row with a running total that lost one of its two figures to a blank cannot
    // say which one it lost.
    if m < 2 || (old_form && !same_width(lines, &figures)) {
        return None;
    }
    let mut paired = slots
        .iter()
        .filter(|s| pairing == Pairing::Every || s.is_some());
    let mut out = Vec::with_capacity(labels.len());
    for &j in labels {
        if !rows.contains(&j) {
            out.push(label_row(lines, j, words));
            continue;
        }
        let slot = *paired.next()?;
        let line = j as u32 + 1;
        let t = text(j);
        let mut cells = match unit_suffix(t).filter(|_| old_form) {
            Some(unit) => {
                let label = t[..t.len() - unit.len()].trim_end();
                vec![Cell::new(label, line), Cell::new(unit, line)]
            }
            None => vec![Cell::new(t, line)],
        };
        match slot {
            Some(f) => cells.extend(figure_cells(lines, f)),
            // A row without figures: its label (and unit) alone, as a layout that drops blank
            // cells leaves it.
            None if cells.len() == 1 => {
                out.push(label_row(lines, j, words));
                continue;
            }
            None => {}
        }
        out.push(Row::new(cells));
    }
    Some(table(out, first, figures_end))
}

fn table(rows: Vec<Row>, first: usize, end: usize) -> Table {
    Table {
        rows,
        line_span: (first as u32 + 1, end as u32),
        from_text: true,
    }
}

/// The row of a label line without figures: a header row cut into its cells, any other line
/// (a caption, a group label, a row whose cells are all blank) one cell.
fn label_row(lines: &[String], j: usize, words: &DetachedWords) -> Row {
    let text = lines[j].trim();
    let line = j as u32 + 1;
    if words.is_header_line(text) {
        let cells = words.header_cells(text);
        return Row::new(cells.into_iter().map(|c| Cell::new(c, line)).collect());
    }
    Row::new(vec![Cell::new(text, line)])
}

fn figure_cells(lines: &[String], j: usize) -> Vec<Cell> {
    lines[j]
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(|s| Cell::new(s, j as u32 + 1))
        .collect()
}

/// True when every figure line holds as many figures as the first.
fn same_width(lines: &[String], figures: &[usize]) -> bool {
    figures
        .windows(2)
        .all(|w| figure_count(&lines[w[0]]) == figure_count(&lines[w[1]]))
}

fn figure_count(line: &str) -> usize {
    line.split(' ').filter(|s| !s.is_empty()).count()
}

/// The unit a 2008-era label ends with (`人次`, `万元`, `条`), when it is more than a unit.
fn unit_suffix(label: &str) -> Option<&str> {
    let ends: Vec<usize> = label.char_indices().map(|(i, _)| i).rev().take(2).collect();
    ends.into_iter()
        .rev()
        .map(|i| &label[i..])
        // 项 closes a caption (`第二十条第（一）项`), never a row of the 2008 form.
        .find(|s| is_unit_token(s) && *s != "项" && s.len() < label.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> DetachedWords {
        DetachedWords::new(
            "kind,text\nheader,自然人\nheader,总计\nheader,指标名称\nheader,计量单位\nheader,历年累计\n",
        )
    }

    fn rows_of(text: &str, is_row: &dyn Fn(&str) -> bool) -> Option<Vec<Vec<String>>> {
        let mut doc = Document::from_text(text);
        find_detached_tables(&mut doc, &words(), is_row);
        let t = doc.tables.first()?;
        Some(
            t.rows
                .iter()
                .map(|r| r.cells.iter().map(|c| c.text.clone()).collect())
                .collect(),
        )
    }

    #[test]
    fn unit_rows_are_zipped_with_their_figures() {
        let text = "附表\n\n指标名称计量单位本年历年累计\n公开信息数条\n其中：网站条\n一、申请情况\n收到申请数件\n7 30\n5 21\n2 9\n\n办公室";
        let rows = rows_of(text, &|_| false).unwrap();
        assert_eq!(rows[0], ["指标名称", "计量单位", "本年", "历年累计"]);
        assert_eq!(rows[1], ["公开信息数", "条", "7", "30"]);
        assert_eq!(rows[2], ["其中：网站", "条", "5", "21"]);
        assert_eq!(rows[3], ["一、申请情况"]);
        assert_eq!(rows[4], ["收到申请数", "件", "2", "9"]);
    }

    #[test]
    fn an_empty_line_stands_for_a_row_without_figures() {
        // The header and the heading have no figures, nor has 网站 (a blank cell).
        let text = "附表\n\n指标名称计量单位本年\n一、主动公开\n公开信息数条\n其中：网站条\n收到申请数件\n\n\n7\n\n2\n\n办公室";
        let rows = rows_of(text, &|_| false).unwrap();
        assert_eq!(rows[0], ["指标名称", "计量单位", "本年"]);
        assert_eq!(rows[1], ["一、主动公开"]);
        assert_eq!(rows[2], ["公开信息数", "条", "7"]);
        assert_eq!(rows[3], ["其中：网站", "条"]);
        assert_eq!(rows[4], ["收到申请数", "件", "2"]);
        // One empty line too few: the rows cannot be told apart.
        let text = "指标名称计量单位本年\n一、主动公开\n公开信息数条\n其中：网站条\n收到申请数件\n\n7\n\n2\n";
        assert_eq!(rows_of(text, &|_| false), None);
    }

    #[test]
    fn a_row_that_lost_a_figure_leaves_the_block_unread() {
        // Three unit rows, two figure lines: one row was blank, which one is unknown.
        let text = "公开信息数条\n其中：网站条\n收到申请数件\n7\n2\n";
        assert_eq!(rows_of(text, &|_| false), None);
        // Two figures then one: a running total or this year's figure went missing.
        let text = "公开信息数条\n收到申请数件\n7 30\n2\n";
        assert_eq!(rows_of(text, &|_| false), None);
    }

    #[test]
    fn form_rows_skip_headers_and_captions() {
        let is_row = |s: &str| s.contains("规章") || s.contains("许可") || s.contains("总计");
        let text = "第二十条第（一）项\n信息内容本年制发件数\n规章\n第二十条第（五）项\n行政许可\n自然人总计\n（七）总计\n1 0 4\n12\n3 1\n";
        let rows = rows_of(text, &is_row).unwrap();
        assert_eq!(rows[2], ["规章", "1", "0", "4"]);
        assert_eq!(rows[4], ["行政许可", "12"]);
        assert_eq!(rows[5], ["自然人", "总计"]);
        assert_eq!(rows[6], ["（七）总计", "3", "1"]);
    }

    #[test]
    fn headers_over_bare_figures_give_a_bare_row() {
        let text = "复议诉讼情况\n行政复议\n自然人总计\n1 0 0 1\n2 0 1 3\n";
        let rows = rows_of(text, &|_| false).unwrap();
        assert_eq!(rows[2], ["自然人", "总计"]);
        assert_eq!(rows[3], ["1", "0", "0", "1"]);
        assert_eq!(rows[4], ["2", "0", "1", "3"]);
        // Narrower rows of bare figures are not read as such a table.
        assert_eq!(
            rows_of("复议诉讼情况\n行政复议\n自然人总计\n1 0\n2 0\n", &|_| false),
            None
        );
    }

    #[test]
    fn prose_and_aligned_numbers_are_left_alone() {
        assert!(!has_figure_line_under_text(&[
            "全年收到申请 12 件。".to_string(),
            "规章   1   0".to_string()
        ]));
        assert!(is_figure_line("27 251000元") && is_figure_line("38 — 97"));
        assert!(!is_figure_line("— 4 —") && !is_figure_line("-3-"));
        assert!(!is_figure_line("2019年") && !is_figure_line("1 条"));
        assert_eq!(unit_suffix("接受培训人员数人次"), Some("人次"));
        assert_eq!(unit_suffix("件"), None);
        assert_eq!(unit_suffix("行政许可"), None);
        assert_eq!(unit_suffix("第二十条第（一）项"), None);
    }
}
