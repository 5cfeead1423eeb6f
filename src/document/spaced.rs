//! Rows written as a label, a space and the row's figures, one row a line.
//!
//! A PDF converted to text (or to markdown) may write a statistics table as plain lines with
//! no column alignment at all: the header row glued into one line, each data row its label, a
//! single space and its figures, captions and headings on lines of their own:
//!
//! ```text
//! 第二十条第（五）项
//! 信息内容本年处理决定数量      <- header row, cells glued
//! 行政许可 41                   <- a row: label, space, figure
//! 主动公开政府信息数 120        <- a 2008 统计表 row
//! ```
//!
//! The aligned-column reader (`layout.rs`) sees no columns in such lines: every line starts at
//! the same place, so it takes the header and caption lines for a label wrapped over several
//! lines and glues them into the first row's label, which then names no row. This pass reads
//! the lines again, with the forms' knowledge the layout stage does not have:
//! - a line is a **row line** when its first word is a row label one of the forms knows (the
//!   caller's `is_row_label`, the extractors' own matching) and everything after it is figures
//!   (each a number or a blank mark, between single spaces), a unit of the 2008 form allowed
//!   before them. A unit word after a figure (`发布信息 2139 条`, `直播 118 场`), a clause, a
//!   date or an outline heading is not one;
//! - row lines count only inside a **block** that looks like a table: row lines, header lines
//!   (two or more of the forms' header cells, `rules/cells.csv`) and short headings or
//!   captions without clauses or figures, with a header line or at least two row lines in it;
//! - a row's figures must be as many as the value columns of the header line over it (its
//!   cells less the label and unit columns), or, with no header line, as many as the other
//!   rows': a row that lost a blank cell has nothing to say which one it lost, and is not read
//!   (a misread cell is worse than a missing one).
//!
//! A block one of whose row lines the layout stage did not read as its label and figures
//! replaces the rows the layout stage made of its lines: header lines cut into their cells, a
//! row line `[label, (unit), figures…]`, a heading one cell, as the tab layout gives them; a
//! row line whose figures do not fit is left out of it. Every row line of a block is remembered
//! ([`Document::text_rows`]) so that extraction can say which of them no fact was read from.
//!
//! The pass is cheap where there is nothing to do: a line is looked at only when it ends with
//! an ASCII digit and holds a single space; most lines fail at their last byte.

use aho_corasick::AhoCorasick;
use serde::Deserialize;

use super::detached::{cut_at_header_words, put_in_place};
use super::layout::{is_unit_token, is_value_token};
use super::text::{holds_cell_separator, is_han, squash};
use super::{Cell, Document, Row, Table};
use crate::knowledge::parse_csv;

/// The header cells of the forms and which of them name a label or unit column rather than a
/// column of figures (`rules/cells.csv`, kinds `header`, `label_column`, `unit_column`,
/// `group_column`).
#[derive(Debug, Clone)]
pub struct SpacedWords {
    headers: AhoCorasick,
    label_columns: Vec<String>,
    /// Unit and group columns (`计量单位`, `法人或其他组织` over its five columns).
    not_value_columns: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct CellRow {
    kind: String,
    text: String,
}

impl SpacedWords {
    /// The column roles of `rules/cells.csv`; `headers` finds its header words (leftmost
    /// longest), the automaton [`super::detached::DetachedWords`] already built.
    pub fn new(cells_csv: &str, headers: AhoCorasick) -> SpacedWords {
        let mut label_columns = Vec::new();
        let mut not_value_columns = Vec::new();
        for r in parse_csv::<CellRow>("rules/cells.csv", cells_csv) {
            match r.kind.as_str() {
                "label_column" => label_columns.push(r.text),
                "unit_column" | "group_column" => not_value_columns.push(r.text),
                _ => {}
            }
        }
        SpacedWords {
            headers,
            label_columns,
            not_value_columns,
        }
    }

    /// A header line's cells: each header word a cell, the text between two (`2011年度`) a
    /// cell of its own; `None` unless it holds two header words (a row label holds one at
    /// most: `（七）总计`).
    fn header_cells(&self, line: &str) -> Option<Vec<String>> {
        let (cells, words) = cut_at_header_words(&self.headers, line);
        (words >= 2).then_some(cells)
    }

    /// How many columns of figures a header row's cells announce: all but the label, unit and
    /// group columns. `None` for a header row that does not start at the label column (a
    /// header split over lines, `自然人总计` under `申请人情况`): it says nothing of the count.
    fn value_columns(&self, cells: &[String]) -> Option<usize> {
        let named = |list: &[String], c: &str| list.iter().any(|w| w == c);
        if !cells.iter().any(|c| named(&self.label_columns, c)) {
            return None;
        }
        let values = cells
            .iter()
            .filter(|c| !named(&self.label_columns, c) && !named(&self.not_value_columns, c))
            .count();
        Some(values)
    }
}

/// Most figures a row line holds (表四's fifteen and a spare).
const MAX_FIGURES: usize = 16;
/// Longest row label, in characters.
const MAX_LABEL_CHARS: usize = 48;
/// Longest heading or caption line inside a block, in characters.
const MAX_HEADING_CHARS: usize = 40;
/// Most heading lines over a block's first row line taken into the block.
const MAX_LINES_ABOVE: usize = 8;

/// A row line cut into its parts.
#[derive(Debug, Clone, PartialEq)]
struct RowLine<'a> {
    label: &'a str,
    unit: Option<&'a str>,
    figures: Vec<&'a str>,
}

/// The cheap test every line goes through: the line ends with a figure that a single space
/// sets off (looked at from the end, so a tab row or a sentence fails within its last few
/// bytes), starts flush left, and holds no other layout's separator (tabs, pipes, two spaces).
#[inline]
fn may_be_row_line(line: &str) -> bool {
    let b = line.as_bytes();
    if !b.last().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let figure = b
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_digit() || matches!(c, b'.' | b','))
        .count();
    b.len() > figure + 1
        && b[b.len() - figure - 1] == b' '
        && !b[0].is_ascii_whitespace()
        && !b
            .windows(2)
            .any(|w| matches!(w, [b'\t' | b'|', _] | [b' ', b' ']))
}

/// `line` as a row line, or `None`: its first word a label (Han text without a clause or a
/// figure past its outline number), then perhaps a unit, then figures only.
fn row_line(line: &str) -> Option<RowLine<'_>> {
    let mut words = line.split(' ');
    let label = words.next()?;
    let rest: Vec<&str> = words.collect();
    let (unit, figures) = match rest.split_first() {
        Some((u, figures)) if is_unit_token(u) => (Some(*u), figures),
        _ => (None, &rest[..]),
    };
    if figures.is_empty()
        || figures.len() > MAX_FIGURES
        || !figures.iter().all(|f| is_figure(f))
        || !is_label(label)
    {
        return None;
    }
    Some(RowLine {
        label,
        unit,
        figures: figures.to_vec(),
    })
}

/// A figure: digits (the common case, told without a copy) or any other value token
/// (`1,204`, `—`, `12.5万元`).
fn is_figure(token: &str) -> bool {
    (!token.is_empty() && token.bytes().all(|b| b.is_ascii_digit())) || is_value_token(token)
}

/// A row label: Han text, not too long, with no clause mark and no figure once its outline
/// number is set aside (`（三）不予公开`, `其中：主动公开规范性文件数`, not `2024年12月` nor a
/// sentence's fragment).
fn is_label(label: &str) -> bool {
    if label.chars().count() > MAX_LABEL_CHARS || !label.chars().any(is_han) {
        return false;
    }
    let key = crate::extract::labels::label_key(label);
    !key.is_empty() && !key.chars().any(|c| c.is_ascii_digit() || is_clause_mark(c))
}

/// Marks that end or join a sentence's clauses.
fn is_clause_mark(c: char) -> bool {
    matches!(
        c,
        '，' | ',' | '。' | '；' | ';' | '、' | '！' | '？' | '!' | '?'
    )
}

/// True when `next` carries on a sentence the line before it broke off after a figure
/// (`件，均已办结。`: a unit, then a clause mark or the line's end, or a clause mark first):
/// the line before is a wrapped sentence, not a row.
fn continues_sentence(next: Option<&String>) -> bool {
    let Some(t) = next.map(|l| l.trim_start()) else {
        return false;
    };
    let mut chars = t.char_indices();
    let Some((_, first)) = chars.next() else {
        return false;
    };
    if is_clause_mark(first) {
        return true;
    }
    // A unit of one or two characters, then a clause mark or nothing.
    t.char_indices().skip(1).take(2).any(|(at, _)| {
        is_unit_token(&t[..at]) && t[at..].chars().next().is_some_and(is_clause_mark)
    }) || is_unit_token(t)
}

/// A heading or caption inside a block (`一、主动公开政府信息情况`, `第二十条第（五）项`,
/// `信息内容本年收费金额（单位：万元）`): short, Han, no clause, no figure past its outline
/// number, no other layout's separators.
fn is_heading(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty()
        && t.chars().count() <= MAX_HEADING_CHARS
        && t.chars().any(is_han)
        && !holds_cell_separator(t)
        && {
            let key = crate::extract::labels::label_key(t);
            !key.chars().any(|c| c.is_ascii_digit() || is_clause_mark(c))
        }
}

/// A line of a block other than a row line: a header line (two header words, the text
/// between them perhaps a year, `指标名称计量单位2011年度历年累计`) or a heading; `None` for
/// anything else, which ends the block.
fn other_part<'a>(line: &'a str, words: &SpacedWords) -> Option<Part<'a>> {
    let t = line.trim();
    if is_heading(t) {
        return Some(match words.header_cells(t) {
            Some(cells) => Part::Header(cells),
            None => Part::Heading(t),
        });
    }
    let header_like = t.chars().count() <= MAX_HEADING_CHARS
        && !holds_cell_separator(t)
        && !t.chars().any(is_clause_mark);
    words
        .header_cells(t)
        .filter(|_| header_like)
        .map(Part::Header)
}

/// What one line of a block is.
#[derive(Debug)]
enum Part<'a> {
    Row(RowLine<'a>),
    /// A header row: its cells.
    Header(Vec<String>),
    /// A heading or caption: its text.
    Heading(&'a str),
}

/// A block of lines that looks like a table.
#[derive(Debug)]
struct Block<'a> {
    /// (line index, what it is), top to bottom, from the first heading taken to the last row.
    parts: Vec<(usize, Part<'a>)>,
}

/// Finds the blocks of row lines, puts the tables of those that read whole in place of the
/// rows other layouts made of their lines, and records every row line of every block in
/// `doc.text_rows`. `is_row_label` says whether a label names a row of one of the forms.
pub fn find_spaced_rows(
    doc: &mut Document,
    words: &SpacedWords,
    is_row_label: &dyn Fn(&str) -> bool,
) {
    // The cheap look first: most documents have no row line at all.
    let mut rows: Vec<(usize, RowLine)> = Vec::new();
    for (i, line) in doc.lines.iter().enumerate() {
        if !may_be_row_line(line) {
            continue;
        }
        if let Some(r) = row_line(line) {
            if is_row_label(r.label) && !continues_sentence(doc.lines.get(i + 1)) {
                rows.push((i, r));
            }
        }
    }
    if rows.is_empty() {
        return;
    }
    let markup = markup_lines(doc);
    let blocks = blocks(&doc.lines, rows, words, &markup);
    let mut found: Vec<Table> = Vec::new();
    let mut text_rows: Vec<u32> = Vec::new();
    for block in &blocks {
        let readable = readable_rows(block, words);
        text_rows.extend(
            block
                .parts
                .iter()
                .filter(|(_, p)| matches!(p, Part::Row(_)))
                .map(|(i, _)| *i as u32 + 1),
        );
        if misread_somewhere(doc, block) {
            found.push(block_table(block, &readable));
        }
    }
    doc.text_rows = text_rows;
    if !found.is_empty() {
        put_in_place(doc, found);
    }
}

/// For each line, whether it lies in a table read from markup (HTML, Word, a spreadsheet),
/// which this pass never touches.
fn markup_lines(doc: &Document) -> Vec<bool> {
    let mut mask = vec![false; doc.lines.len()];
    for t in doc.tables.iter().filter(|t| !t.from_text) {
        let first = (t.line_span.0 as usize).max(1);
        let last = (t.line_span.1 as usize).min(mask.len());
        for m in mask.iter_mut().take(last).skip(first - 1) {
            *m = true;
        }
    }
    mask
}

/// The blocks around the row lines `rows` (in line order): each grows up over header and
/// heading lines, and down over row, header and heading lines, and ends at its last row line.
/// A block counts when it holds a header line or two row lines, and none of its lines lies in
/// a markup table.
fn blocks<'a>(
    lines: &'a [String],
    rows: Vec<(usize, RowLine<'a>)>,
    words: &SpacedWords,
    markup: &[bool],
) -> Vec<Block<'a>> {
    let mut rows = rows.into_iter().peekable();
    let mut out = Vec::new();
    let mut floor = 0;
    while let Some((start, first_row)) = rows.next() {
        let mut parts: Vec<(usize, Part)> = Vec::new();
        // Header and heading lines over the first row line.
        let mut j = start;
        while j > floor && start - j < MAX_LINES_ABOVE {
            let Some(part) = other_part(&lines[j - 1], words) else {
                break;
            };
            parts.push((j - 1, part));
            j -= 1;
        }
        parts.reverse();
        parts.push((start, Part::Row(first_row)));
        // Row, header and heading lines under it.
        let mut last_row = parts.len();
        let mut k = start + 1;
        while k < lines.len() {
            if rows.peek().is_some_and(|(r, _)| *r == k) {
                let (r, row) = rows.next().expect("peeked");
                parts.push((r, Part::Row(row)));
                last_row = parts.len();
            } else if let Some(part) = other_part(&lines[k], words) {
                parts.push((k, part));
            } else {
                break;
            }
            k += 1;
        }
        parts.truncate(last_row);
        floor = parts.last().map_or(start, |(i, _)| *i) + 1;
        let row_count = parts
            .iter()
            .filter(|(_, p)| matches!(p, Part::Row(_)))
            .count();
        let headed = parts.iter().any(|(_, p)| matches!(p, Part::Header(_)));
        let in_markup = parts.iter().any(|(i, _)| markup[*i]);
        if (headed || row_count >= 2) && !in_markup {
            out.push(Block { parts });
        }
    }
    out
}

/// For each part of a block, whether it reads certainly: a row line with as many figures as
/// the value columns of the header line over it, or, under no header line that counts them,
/// as many as the most any such row line of the block has. Other parts are true.
fn readable_rows(block: &Block, words: &SpacedWords) -> Vec<bool> {
    // The count each part's row line must have, when a header line over it gives one.
    let mut columns: Option<usize> = None;
    let governed: Vec<Option<usize>> = block
        .parts
        .iter()
        .map(|(_, p)| {
            if let Part::Header(cells) = p {
                columns = words.value_columns(cells);
            }
            columns
        })
        .collect();
    let ungoverned_most = block
        .parts
        .iter()
        .zip(&governed)
        .filter_map(|((_, p), g)| match p {
            Part::Row(r) if g.is_none() => Some(r.figures.len()),
            _ => None,
        })
        .max();
    block
        .parts
        .iter()
        .zip(&governed)
        .map(|((_, p), g)| match p {
            Part::Row(r) => Some(r.figures.len()) == g.or(ungoverned_most),
            _ => true,
        })
        .collect()
}

/// True when one of the block's row lines is not already a row of the layout stage's tables
/// with the line's label and figures (the usual miss: headings glued into the label).
fn misread_somewhere(doc: &Document, block: &Block) -> bool {
    block.parts.iter().any(|(i, p)| {
        let Part::Row(r) = p else { return false };
        let line = *i as u32 + 1;
        !doc.tables
            .iter()
            .filter(|t| t.line_span.0 <= line && line <= t.line_span.1)
            .flat_map(|t| &t.rows)
            .any(|row| reads_as(row, line, r))
    })
}

/// True when `row` holds the row line `r` of `line`: its label, then its figures.
fn reads_as(row: &Row, line: u32, r: &RowLine) -> bool {
    let texts: Vec<&str> = row
        .cells
        .iter()
        .map(|c| c.text.trim())
        .filter(|t| !t.is_empty())
        .collect();
    let want: Vec<&str> = std::iter::once(r.label)
        .chain(r.unit)
        .chain(r.figures.iter().copied())
        .collect();
    row.cells.iter().any(|c| c.line == line)
        && texts.len() == want.len()
        && squash(texts[0]) == squash(want[0])
        && texts[1..] == want[1..]
}

/// The table of a block: a header line cut into its cells, a row line `[label, (unit),
/// figures…]`, a heading one cell; a row line that does not read certainly (`readable`) is
/// left out, its line in no row, so that no other layout's reading of it stands either.
fn block_table(block: &Block, readable: &[bool]) -> Table {
    let rows = block
        .parts
        .iter()
        .zip(readable)
        .filter(|(_, ok)| **ok)
        .map(|((i, p), _)| {
            let line = *i as u32 + 1;
            let cell = |t: &str| Cell::new(t, line);
            match p {
                Part::Row(r) => Row::new(
                    std::iter::once(r.label)
                        .chain(r.unit)
                        .chain(r.figures.iter().copied())
                        .map(cell)
                        .collect(),
                ),
                Part::Header(cells) => Row::new(cells.iter().map(|c| cell(c)).collect()),
                Part::Heading(text) => Row::new(vec![cell(text)]),
            }
        })
        .collect();
    let first = block.parts.first().map_or(0, |(i, _)| *i) as u32 + 1;
    let last = block.parts.last().map_or(0, |(i, _)| *i) as u32 + 1;
    Table {
        rows,
        line_span: (first, last),
        from_text: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> SpacedWords {
        let csv = "kind,text\nheader,信息内容\nheader,本年处理决定数量\nheader,本年制发件数\n\
             header,本年废止件数\nheader,现行有效件数\nheader,指标名称\nheader,单位\n\
             header,统计数\nheader,历年累计\nheader,自然人\nheader,总计\nheader,上一年项目数量\nheader,本年增/减\n\
             header,处理决定数量\nlabel_column,信息内容\nlabel_column,指标名称\n\
             unit_column,单位\n";
        let detached = crate::document::detached::DetachedWords::new(csv);
        SpacedWords::new(csv, detached.header_words().clone())
    }

    /// The forms' rows, as the caller's label matching would know them.
    fn is_row(label: &str) -> bool {
        [
            "规章",
            "规范性文件",
            "行政许可",
            "行政处罚",
            "信息数",
            "申请数",
        ]
        .iter()
        .any(|w| label.contains(w))
    }

    fn rows_of(text: &str) -> (Vec<Vec<String>>, Vec<u32>) {
        let mut doc = Document::from_text(text);
        find_spaced_rows(&mut doc, &words(), &is_row);
        let rows = doc
            .tables
            .iter()
            .flat_map(|t| &t.rows)
            .map(|r| r.cells.iter().map(|c| c.text.clone()).collect())
            .collect();
        (rows, doc.text_rows)
    }

    #[test]
    fn a_row_line_is_a_label_then_figures_only() {
        let r = row_line("行政许可 97").unwrap();
        assert_eq!((r.label, r.unit, r.figures), ("行政许可", None, vec!["97"]));
        let r = row_line("（一）收到申请数 件 3 12").unwrap();
        assert_eq!((r.label, r.unit), ("（一）收到申请数", Some("件")));
        assert_eq!(r.figures, ["3", "12"]);
        assert!(row_line("其中：主动公开规范性文件数 7").is_some());
        // A unit after the figure, a clause, a date, a heading, other layouts' separators.
        for line in [
            "“某某”网站全年累计发布信息 2139 条",
            "直播 118 场",
            "54373；直播 118",
            "号共制作并发布短视频，累计 584",
            "2023年1月 20",
            "一、总体情况",
            "行政许可  97",
            "行政许可\t97",
            " 行政许可 97",
            "行政许可 97 条",
            "97 12",
        ] {
            assert!(!may_be_row_line(line) || row_line(line).is_none(), "{line}");
        }
    }

    #[test]
    fn a_block_under_a_glued_header_gives_the_tab_layouts_rows() {
        let text = "一、主动公开政府信息情况\n第二十条第（五）项\n信息内容本年处理决定数量\n\
                    行政许可 97\n第二十条第（六）项\n信息内容本年处理决定数量\n行政处罚 0\n\
                    二、收到和处理政府信息公开申请情况";
        let (rows, text_rows) = rows_of(text);
        assert_eq!(rows[2], ["信息内容", "本年处理决定数量"]);
        assert_eq!(rows[3], ["行政许可", "97"]);
        assert_eq!(rows[6], ["行政处罚", "0"]);
        assert_eq!(
            rows.len(),
            7,
            "the heading after the last row is not the table's"
        );
        assert_eq!(text_rows, [4, 7]);
    }

    #[test]
    fn a_row_with_fewer_figures_than_its_header_is_left_out() {
        let text = "信息内容本年制发件数本年废止件数现行有效件数\n规章 1 0 4\n规范性文件 6 38\n";
        let (rows, text_rows) = rows_of(text);
        assert_eq!(
            rows,
            [
                vec!["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                vec!["规章", "1", "0", "4"]
            ]
        );
        assert_eq!(text_rows, [2, 3], "both are rows the report states");
        // Under a 2008 header, the label and unit columns hold no figure.
        let text = "指标名称 单位 统计数\n主动公开信息数 418\n收到申请数 件 23 5\n";
        let (rows, _) = rows_of(text);
        assert_eq!(rows[1], ["主动公开信息数", "418"]);
        assert_eq!(rows.len(), 2);
        // A year's column and a running total's: a row with one figure lost one of them.
        let text = "指标名称 单位 2016年度 历年累计\n主动公开信息数 418 2210\n收到申请数 23\n";
        let (rows, _) = rows_of(text);
        assert_eq!(rows[0], ["指标名称", "单位", "2016年度", "历年累计"]);
        assert_eq!(rows[1], ["主动公开信息数", "418", "2210"]);
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn the_2019_forms_blocks_read_with_a_change_column() {
        let text =
            "第二十条第（五）项\n信息内容上一年项目数量本年增/减处理决定数量\n行政许可 12 -1 340\n";
        let (rows, _) = rows_of(text);
        assert_eq!(
            rows[1],
            ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"]
        );
        assert_eq!(rows[2], ["行政许可", "12", "-1", "340"]);
    }

    #[test]
    fn a_header_split_over_lines_counts_no_columns() {
        // `自然人总计` names two of 表三's columns, not how many its rows have.
        let text = "申请人情况\n自然人总计\n一、本年新收申请数 3 1 0 0 0 0 4\n二、上年结转申请数 1 0 0 0 0 0 1\n\
                    三、补正申请数 1 0 0 0 0 1\n";
        let (rows, text_rows) = rows_of(text);
        assert_eq!(rows[1], ["自然人", "总计"]);
        assert_eq!(rows[2].len(), 8);
        assert_eq!(rows[3].len(), 8);
        assert_eq!(rows.len(), 4, "the row that lost a blank is left out");
        assert_eq!(text_rows, [3, 4, 5]);
    }

    #[test]
    fn without_a_header_rows_must_agree_and_be_two() {
        let (rows, _) = rows_of("主动公开信息数 418 2210\n收到申请数 23\n");
        assert_eq!(rows, [vec!["主动公开信息数", "418", "2210"]]);
        // One row line among sentences is no table.
        let (rows, text_rows) = rows_of("全年工作情况如下。\n行政许可 1240\n其他工作稳步推进。\n");
        assert!(rows.is_empty() && text_rows.is_empty());
    }

    #[test]
    fn a_figure_ending_a_wrapped_sentence_is_no_row() {
        let text = "信息内容本年处理决定数量\n行政许可 1240\n件，均已办结；行政处罚 36\n件。\n";
        let (rows, text_rows) = rows_of(text);
        assert!(rows.is_empty() && text_rows.is_empty(), "{rows:?}");
        assert!(continues_sentence(Some(&"件，均已办结".to_string())));
        assert!(continues_sentence(Some(&"人次。".to_string())));
        assert!(!continues_sentence(Some(&"行政处罚 0".to_string())));
        assert!(!continues_sentence(Some(&"件数统计".to_string())));
    }

    #[test]
    fn rows_read_right_already_are_left_as_they_are() {
        let mut doc = Document::from_text("信息内容本年处理决定数量\n行政许可 97\n");
        doc.tables.push(Table {
            rows: vec![Row::new(vec![Cell::new("行政许可", 2), Cell::new("97", 2)])],
            line_span: (2, 2),
            from_text: true,
        });
        let before = doc.tables.clone();
        find_spaced_rows(&mut doc, &words(), &is_row);
        assert_eq!(doc.tables, before);
        assert_eq!(doc.text_rows, [2]);
    }
}
