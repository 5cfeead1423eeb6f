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
use super::value::{Value, parse_cell};
use crate::budget::{Deadline, Every};
use crate::document::text::squash;
use crate::document::{Cell, Document};
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
    /// (style, 其中, key, index of the row in [`RunningRows`]).
    stack: Vec<(Style, bool, String, usize)>,
}

impl Outline {
    /// Places a row (`index`: its place among the rows with running totals); returns the keys
    /// of its ancestors, outermost first.
    fn enter(&mut self, (style, qizhong): (Style, bool), key: String, index: usize) -> Vec<String> {
        if !qizhong {
            if let Some(pos) = self.stack.iter().rposition(|(s, ..)| *s == style) {
                self.stack.truncate(pos);
            } else if style == Style::ChineseComma {
                // 一、 heads the forms' outline: never a child. A layout that kept only rows
                // with figures lost the 一、 headings before it (三、依申请公开情况), so the
                // stack may hold only deeper levels.
                self.stack.clear();
            }
        }
        let parents = self.stack.iter().map(|(_, _, k, _)| k.clone()).collect();
        self.stack.push((style, qizhong, key, index));
        parents
    }

    /// The index of the last row's direct parent.
    fn parent_index(&self) -> Option<usize> {
        let n = self.stack.len();
        (n >= 2).then(|| self.stack[n - 2].3)
    }
}

/// The rows of tables with a running-total column (历年累计), kept for their arithmetic: a
/// row's 其中 rows add up to it in both columns, which splits glued runs that 历年累计 ≥ 本年
/// alone leaves open (`1561` is 1|561 or 15|61; its channels' rows add up to 15 and 61).
#[derive(Debug, Default)]
struct RunningRows {
    rows: Vec<RunningRow>,
}

#[derive(Debug)]
struct RunningRow {
    /// Index of the row's direct parent in the outline.
    parent: Option<usize>,
    /// What the row may read: (this year, running total, this year's cell); one entry when
    /// known, several when a glued run splits several ways, none when unreadable.
    pairs: Vec<(f64, f64, Cell)>,
    /// The indicator waiting for the split, when the row's split was left open.
    pending: Option<PendingRow>,
}

#[derive(Debug)]
struct PendingRow {
    indicator: String,
    summed: bool,
    label: String,
    glued: String,
}

/// Most combinations of splits tried for one parent and its rows.
const MAX_COMBINATIONS: usize = 4096;

impl RunningRows {
    /// Narrows the splits of every family (a row and its direct 其中 rows) to the one choice,
    /// if there is exactly one, whose children add up to the parent in both columns.
    fn resolve(&mut self) {
        for _ in 0..4 {
            let mut changed = false;
            for p in 0..self.rows.len() {
                let family: Vec<usize> = std::iter::once(p)
                    .chain((0..self.rows.len()).filter(|&c| self.rows[c].parent == Some(p)))
                    .collect();
                if family.len() < 2
                    || family.iter().any(|&r| self.rows[r].pairs.is_empty())
                    || family.iter().all(|&r| self.rows[r].pairs.len() == 1)
                {
                    continue;
                }
                let combinations = family
                    .iter()
                    .map(|&r| self.rows[r].pairs.len())
                    .try_fold(1usize, |a, n| a.checked_mul(n))
                    .unwrap_or(usize::MAX);
                if combinations > MAX_COMBINATIONS {
                    continue;
                }
                let mut fit: Option<Vec<usize>> = None;
                let mut choice = vec![0usize; family.len()];
                let mut fits = 0;
                for _ in 0..combinations {
                    let pair = |k: usize| &self.rows[family[k]].pairs[choice[k]];
                    let (year, total) = (1..family.len())
                        .fold((0.0, 0.0), |(y, t), k| (y + pair(k).0, t + pair(k).1));
                    if (year - pair(0).0).abs() < 1e-9 && (total - pair(0).1).abs() < 1e-9 {
                        fits += 1;
                        fit = Some(choice.clone());
                    }
                    for (k, &r) in family.iter().enumerate() {
                        choice[k] += 1;
                        if choice[k] < self.rows[r].pairs.len() {
                            break;
                        }
                        choice[k] = 0;
                    }
                }
                if let (1, Some(fit)) = (fits, fit) {
                    for (k, &r) in family.iter().enumerate() {
                        let chosen = self.rows[r].pairs.swap_remove(fit[k]);
                        self.rows[r].pairs = vec![chosen];
                    }
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Reads the rows whose split is now known and says which are left out.
    fn finish(mut self, sink: &mut FactSink) {
        self.resolve();
        for row in self.rows {
            let Some(p) = row.pending else { continue };
            if let [(_, _, cell)] = row.pairs.as_slice() {
                if p.summed {
                    sink.add_cell_summed(&p.indicator, cell);
                } else {
                    sink.add_cell(&p.indicator, cell, None);
                }
                continue;
            }
            if p.summed {
                sink.spoil_sum(&p.indicator);
            } else {
                sink.claim(&p.indicator);
            }
            sink.note(format!(
                "统计表 row {} left out: {} holds this year's figure and the running total glued together, with no unique split",
                p.label, p.glued
            ));
        }
    }
}

/// Reads all 2008-era rows of the document into `sink`, until `deadline`.
pub fn read(doc: &Document, k: &Knowledge, sink: &mut FactSink, deadline: &Deadline) {
    let mut running = RunningRows::default();
    read_rows(doc, k, sink, deadline, &mut running);
    running.finish(sink);
}

fn read_rows(
    doc: &Document,
    k: &Knowledge,
    sink: &mut FactSink,
    deadline: &Deadline,
    running: &mut RunningRows,
) {
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
        let parents = outline.enter(
            numbering_style(&label.text),
            key.clone(),
            running.rows.len(),
        );
        let has_running_total = columns.value.is_some() && !columns.cumulative.is_empty();
        if has_running_total {
            running.rows.push(RunningRow {
                parent: outline.parent_index(),
                pairs: year_and_total_pairs(&view, &columns),
                pending: None,
            });
        }
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
                        // Read or left out once the other rows' arithmetic is known.
                        if let Some(last) = running.rows.last_mut().filter(|_| has_running_total) {
                            last.pending = Some(PendingRow {
                                indicator: rule.indicator.clone(),
                                summed: rule.combine == "sum",
                                label: label.text.trim().to_string(),
                                glued: one.text.trim().to_string(),
                            });
                        }
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
    // Most labels hold no digit at all.
    if !label.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
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

/// What a row of a table with a running-total column may read: (this year, running total,
/// this year's cell) for each way its cells can be read.
fn year_and_total_pairs(view: &RowView, columns: &Columns) -> Vec<(f64, f64, Cell)> {
    let number = |t: &str| match parse_cell(t) {
        Value::Number(v, None) => Some(v),
        _ => None,
    };
    if expects_cumulative(view, columns) {
        let [one] = view.values() else {
            return Vec::new();
        };
        return year_total_splits(one.text.trim())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(y, t)| {
                let mut c = one.clone();
                c.text = y.to_string();
                Some((number(y)?, number(t)?, c))
            })
            .collect();
    }
    let year = value_cell(view, columns);
    let total = columns
        .cumulative
        .first()
        .filter(|&&i| i >= view.values_from)
        .and_then(|&i| view.cells.get(i));
    match (year, total) {
        (Some(y), Some(t)) => match (number(&y.text), number(&t.text)) {
            (Some(a), Some(b)) => vec![(a, b, y.clone())],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
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
fn split_year_and_cumulative(cell: &Cell) -> GluedPair {
    match year_total_splits(cell.text.trim()).as_deref() {
        None => GluedPair::NotGlued,
        Some([(year, _)]) => {
            let mut c = cell.clone();
            c.text = year.to_string();
            GluedPair::Year(c)
        }
        Some(_) => GluedPair::Ambiguous,
    }
}

/// The ways a run holds this year's figure and the running total (历年累计 ≥ 本年): at a
/// space the crawler kept (`356 2,104`), or anywhere both parts are numbers as written
/// (thousands commas in threes, no leading zero); `None` when the text is not such a run.
fn year_total_splits(d: &str) -> Option<Vec<(&str, &str)>> {
    if d.len() < 2
        || d.len() > 40
        || !d
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b',' || b == b' ')
        || !d.bytes().any(|b| b.is_ascii_digit())
    {
        return None;
    }
    let value = |s: &str| -> Option<u64> {
        if s.is_empty() || s.len() > 19 || (s.len() > 1 && s.starts_with('0')) {
            return None;
        }
        let mut groups = s.split(',');
        let head = groups.next()?;
        if head.is_empty() || (s.contains(',') && head.len() > 3) {
            return None;
        }
        if !groups.all(|g| g.len() == 3) {
            return None;
        }
        s.replace(',', "").parse().ok()
    };
    let fits = |a: &str, b: &str| matches!((value(a), value(b)), (Some(x), Some(y)) if x <= y);
    if let Some((a, b)) = d.split_once(' ') {
        let b = b.trim();
        return Some(if fits(a, b) { vec![(a, b)] } else { Vec::new() });
    }
    if !d.contains(',') && d.len() > 30 {
        return None;
    }
    Some(
        (1..d.len())
            .filter(|&p| d.is_char_boundary(p))
            .map(|p| d.split_at(p))
            .filter(|(a, b)| fits(a, b))
            .collect(),
    )
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
        // A kept space is the cut; thousands commas come in threes.
        assert_eq!(
            split_year_and_cumulative(&cell("356 2,104")),
            GluedPair::Year(cell("356"))
        );
        assert_eq!(
            split_year_and_cumulative(&cell("3001,800")),
            GluedPair::Year(cell("300"))
        );
        assert_eq!(
            split_year_and_cumulative(&cell("3562,104")),
            GluedPair::Ambiguous
        );
        assert_eq!(
            split_year_and_cumulative(&cell("61 5")),
            GluedPair::Ambiguous
        );
    }

    #[test]
    fn a_family_adding_up_decides_the_splits_left_open() {
        let pair = |y: f64, t: f64| (y, t, Cell::new(y.to_string(), 1));
        let row = |parent: Option<usize>, pairs: Vec<(f64, f64, Cell)>| RunningRow {
            parent,
            pairs,
            pending: None,
        };
        // 1250 (1|250 or 12|50) over 315 (3|15), 02, 519 (5|19) and 26.
        let mut r = RunningRows {
            rows: vec![
                row(None, vec![pair(1.0, 250.0), pair(12.0, 50.0)]),
                row(Some(0), vec![pair(3.0, 15.0)]),
                row(Some(0), vec![pair(0.0, 2.0)]),
                row(Some(0), vec![pair(5.0, 19.0)]),
                row(Some(0), vec![pair(2.0, 6.0)]),
                row(Some(0), vec![pair(2.0, 8.0)]),
            ],
        };
        r.resolve();
        assert_eq!(r.rows[0].pairs.len(), 1);
        assert_eq!((r.rows[0].pairs[0].0, r.rows[0].pairs[0].1), (12.0, 50.0));
        // A child that cannot be read leaves the family open.
        let mut r = RunningRows {
            rows: vec![
                row(None, vec![pair(1.0, 250.0), pair(12.0, 50.0)]),
                row(Some(0), vec![pair(12.0, 50.0)]),
                row(Some(0), Vec::new()),
            ],
        };
        r.resolve();
        assert_eq!(r.rows[0].pairs.len(), 2);
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
