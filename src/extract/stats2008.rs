//! The 2008–2018 statistics table (统计表) and its local variants: one indicator per row.
//!
//! A row's indicator is decided by its label and, for labels that recur (（一）维持具体行政
//! 行为数 under 行政复议 and under 被举报投诉), by its ancestors in the outline: 一、 >
//! （一） > 1. > 其中. The value is the cell in the column headed 统计数 / 本期 / 年度 when the
//! header says so, never a 累计 (cumulative) column, otherwise the first value after the label
//! and unit.

use super::FactSink;
use super::headers::HeaderWords;
use super::labels::{Style, label_key, numbering_style};
use super::rows::{RowView, all_rows};
use crate::budget::{Deadline, Every};
use crate::document::Document;
use crate::document::text::squash;
use crate::knowledge::Knowledge;

/// Column roles read from a header row.
#[derive(Debug, Default, Clone)]
struct Columns {
    /// Grid index of the column holding the year's value.
    value: Option<usize>,
    /// Grid indexes of cumulative columns.
    cumulative: Vec<usize>,
}

/// Reads the header row of a 2008-era table, if this is one (words from
/// `data/rules/headers.csv`).
fn header_columns(view: &RowView, h: &HeaderWords) -> Option<Columns> {
    // Squashing only removes spaces and folds widths, never a Han character: a row with no
    // cell holding the first character of a label column word cannot be a header, and most
    // rows are not (spares squashing every cell).
    if !view.cells.iter().any(|c| h.may_name_label_column(&c.text)) {
        return None;
    }
    let texts: Vec<String> = view.cells.iter().map(|c| squash(&c.text)).collect();
    let is_header = texts.iter().any(|t| HeaderWords::any(&h.label_column, t))
        && texts.iter().any(|t| HeaderWords::any(&h.value_header, t));
    if !is_header {
        return None;
    }
    let mut cols = Columns::default();
    for (i, t) in texts.iter().enumerate() {
        let after_prefix = h
            .not_cumulative_prefix
            .iter()
            .any(|p| t.starts_with(p.as_str()));
        if HeaderWords::any(&h.cumulative_column, t) && !after_prefix {
            cols.cumulative.push(i);
        } else if cols.value.is_none()
            && !HeaderWords::any(&h.not_value_column, t)
            && HeaderWords::any(&h.value_column, t)
        {
            cols.value = Some(i);
        }
    }
    Some(cols)
}

/// The outline the rows so far stand in: a stack of (numbering style, label key).
///
/// A row whose style is already on the stack is a sibling of that entry (everything below it
/// is closed); a new style opens a child level; a 其中 row is always a child of the row
/// before it. So 一、 > （一） > 1. > 其中 nest as printed, and so do local variants that
/// start at （一） or number the sub-items of unnumbered rows (主动公开信息数 / 其中：1.政府网站).
#[derive(Debug, Default)]
struct Outline {
    stack: Vec<(Style, bool, String)>,
}

impl Outline {
    /// Places a row; returns the keys of its ancestors, outermost first.
    fn enter(&mut self, (style, qizhong): (Style, bool), key: String) -> Vec<String> {
        if !qizhong {
            if let Some(pos) = self.stack.iter().rposition(|(s, _, _)| *s == style) {
                self.stack.truncate(pos);
            }
        }
        let parents = self.stack.iter().map(|(_, _, k)| k.clone()).collect();
        self.stack.push((style, qizhong, key));
        parents
    }
}

/// Reads all 2008-era rows of the document into `sink`, until `deadline`.
pub fn read(doc: &Document, k: &Knowledge, sink: &mut FactSink, deadline: &Deadline) {
    let mut columns = Columns::default();
    let mut outline = Outline::default();
    let mut every = Every::new(16);
    for row in all_rows(&doc.tables) {
        if every.expired(deadline, "tables") {
            return;
        }
        let view = RowView::of(row);
        if let Some(c) = header_columns(&view, &k.headers) {
            columns = c;
            outline = Outline::default();
            continue;
        }
        let Some(label) = view.label() else { continue };
        let key = label_key(&label.text);
        let parents = outline.enter(numbering_style(&label.text), key.clone());
        let matched = k.labels.match_2008(&key, &parents);
        let Some(rule) = matched else {
            if view.has_numbers() {
                sink.unmapped.push(label.text.clone());
            }
            continue;
        };
        let blank;
        let cell = match value_cell(&view, &columns) {
            Some(cell) => cell,
            None if view.unit.is_some() => {
                // A unit but no value cell at all: a blank that the layout dropped.
                blank = crate::document::Cell::new("", view.unit.map_or(label.line, |u| u.line));
                &blank
            }
            None => continue,
        };
        if rule.combine == "sum" {
            sink.add_cell_summed(&rule.indicator, cell);
        } else {
            sink.add_cell(&rule.indicator, cell, None);
        }
    }
}

/// The cell holding the row's value.
fn value_cell<'a>(view: &RowView<'a>, columns: &Columns) -> Option<&'a crate::document::Cell> {
    if let Some(i) = columns.value {
        if i >= view.values_from {
            if let Some(c) = view.cells.get(i) {
                return Some(c);
            }
        }
    }
    view.values()
        .iter()
        .enumerate()
        .find(|(j, _)| !columns.cumulative.contains(&(view.values_from + j)))
        .map(|(_, c)| c)
}
