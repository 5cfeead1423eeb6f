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
        if holds_several_rows(&label.text) {
            sink.note(format!(
                "统计表 row {} left out: several rows' labels and figures run together",
                label.text.trim().chars().take(24).collect::<String>()
            ));
            continue;
        }
        // A label wrapped over two cells (`（一）主动公开政府信息数` / `（不同渠道…计1条）`)
        // is read by its first cell when its last matches nothing.
        let first = view.labels.first().copied().unwrap_or(label);
        // Each cell's key is made once (this runs for every row of every table).
        let label_key_of_label = label_key(&label.text);
        let first_key = || label_key(&first.text);
        let (label, key) = match k.labels.match_2008(&label_key_of_label, &[]) {
            None => match Some(first_key()).filter(|f| k.labels.match_2008(f, &[]).is_some()) {
                Some(f) => (first, f),
                None => (label, label_key_of_label),
            },
            Some(_) => (label, label_key_of_label),
        };
        let parents = outline.enter(numbering_style(&label.text), key.clone());
        let matched = k.labels.match_2008(&key, &parents);
        let Some(rule) = matched else {
            if view.has_numbers() {
                sink.unmapped.push(label.text.clone());
            }
            continue;
        };
        let glued;
        let glued_cell = if expects_cumulative(&view, &columns) {
            match view.values() {
                [one] if one.x.is_none() => match split_year_and_cumulative(one) {
                    GluedPair::Year(c) => {
                        glued = c;
                        Some(&glued)
                    }
                    GluedPair::Ambiguous => {
                        if rule.combine == "sum" {
                            sink.spoil_sum(&rule.indicator);
                        }
                        sink.note(format!(
                            "统计表 row {} left out: {} holds this year's figure and the running total glued together, with no unique split",
                            label.text.trim(),
                            one.text.trim()
                        ));
                        continue;
                    }
                    GluedPair::NotGlued => None,
                },
                _ => None,
            }
        } else {
            None
        };
        let blank;
        let cell = match glued_cell.or_else(|| value_cell(&view, &columns)) {
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

/// True when a label cell holds a figure and the next row's numbered label after it
/// (`…公开政府信息数条9473.政务微博…`): a line of several rows whose spaces a reader took for
/// one label's. Reading it as one row would give the first label the last row's figure.
fn holds_several_rows(label: &str) -> bool {
    let chars: Vec<char> = label.chars().collect();
    chars.windows(4).any(|w| {
        crate::document::text::is_han(w[0])
            && w[1].is_ascii_digit()
            && matches!(w[2], '.' | '、' | '．')
            && crate::document::text::is_han(w[3])
    }) || chars.windows(5).any(|w| {
        crate::document::text::is_han(w[0])
            && w[1].is_ascii_digit()
            && w[2].is_ascii_digit()
            && matches!(w[3], '.' | '、' | '．')
            && crate::document::text::is_han(w[4])
    })
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

/// True when the header names a running-total column besides the year's and the row has
/// fewer value cells than that: a layout that dropped separators glued the two together.
fn expects_cumulative(view: &RowView, columns: &Columns) -> bool {
    columns.value.is_some() && !columns.cumulative.is_empty() && view.values().len() == 1
}

/// A run of digits read as this year's figure and the running total glued together.
#[derive(Debug, PartialEq)]
enum GluedPair {
    /// The unique split's first part (this year's figure).
    Year(crate::document::Cell),
    /// Several splits (or none) keep the running total at least this year's figure.
    Ambiguous,
    /// Not a glued run (one digit, a decimal, a mark).
    NotGlued,
}

/// Splits `4251516` into this year's figure and the running total (历年累计 ≥ 本年), when
/// exactly one split keeps the total at least the year's figure.
fn split_year_and_cumulative(cell: &crate::document::Cell) -> GluedPair {
    let d = cell.text.trim();
    if d.len() < 2 || d.len() > 30 || !d.bytes().all(|b| b.is_ascii_digit()) {
        return GluedPair::NotGlued;
    }
    let valid = |s: &str| s.len() == 1 || !s.starts_with('0');
    let splits: Vec<(&str, &str)> = (1..d.len())
        .map(|p| d.split_at(p))
        .filter(|(a, b)| valid(a) && valid(b) && a.len() <= 15 && b.len() <= 15)
        .filter(|(a, b)| a.parse::<u64>().ok() <= b.parse::<u64>().ok())
        .collect();
    match splits.as_slice() {
        [(year, _)] => {
            let mut c = cell.clone();
            c.text = year.to_string();
            GluedPair::Year(c)
        }
        _ => GluedPair::Ambiguous,
    }
}

#[cfg(test)]
mod glued_tests {
    use super::*;

    #[test]
    fn a_glued_year_and_running_total_split_only_when_unique() {
        let cell = |t: &str| crate::document::Cell::new(t, 1);
        assert_eq!(
            split_year_and_cumulative(&cell("55")),
            GluedPair::Year(cell("5"))
        );
        assert_eq!(
            split_year_and_cumulative(&cell("00")),
            GluedPair::Year(cell("0"))
        );
        // 3|1200, 31|200, 312|00 (not a number), 3120|0 (total below the year): two fit.
        assert_eq!(
            split_year_and_cumulative(&cell("31200")),
            GluedPair::Ambiguous
        );
        assert_eq!(split_year_and_cumulative(&cell("7")), GluedPair::NotGlued);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_running_into_the_next_row_is_several_rows() {
        assert!(holds_several_rows(
            "1.政府公报公开政府信息数条2.政府网站公开政府信息数条9473.政务微博"
        ));
        assert!(holds_several_rows(
            "从事政府信息公开工作人员数人31.专职人员数"
        ));
        assert!(!holds_several_rows(
            "（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条）"
        ));
        assert!(!holds_several_rows("其中：1.网站公开"));
    }
}
