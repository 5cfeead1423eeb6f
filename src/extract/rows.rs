//! A table row seen as the extractors need it: label cells, an optional unit cell, value cells.
//!
//! The same view serves every layout: an HTML row `[三、本年度办理结果, （三）不予公开,
//! 1.属于国家秘密, 0, …]`, a text row `["", （三）不予公开, 1.属于国家秘密, 0, …]` (the empty
//! cell is a flattened rowspan) and a PDF row `[（一）收到申请数, 件, 3]`.

use crate::document::layout::is_unit_token;
use crate::document::text::is_han;
use crate::document::{Cell, Row, Table};
use crate::extract::value::{Value, parse_cell};

/// The parts of a row.
#[derive(Debug, Clone, Default)]
pub struct RowView<'a> {
    /// Every cell, as in the grid.
    pub cells: &'a [Cell],
    /// Non-empty label cells, left to right (rowspan copies included).
    pub labels: Vec<&'a Cell>,
    /// The unit cell of the 2008 form, if any.
    pub unit: Option<&'a Cell>,
    /// Index in `cells` of the first cell after the labels and unit.
    pub values_from: usize,
}

impl<'a> RowView<'a> {
    /// Splits a row into labels, unit and values.
    pub fn of(row: &'a Row) -> RowView<'a> {
        let cells = &row.cells[..];
        let last_label = cells.iter().rposition(is_label_cell);
        let Some(last) = last_label else {
            return RowView {
                cells,
                labels: Vec::new(),
                unit: None,
                values_from: 0,
            };
        };
        let labels = cells[..=last].iter().filter(|c| is_label_cell(c)).collect();
        let mut values_from = last + 1;
        let mut unit = None;
        if let Some(c) = cells.get(values_from) {
            if is_unit_token(&c.text) {
                unit = Some(c);
                values_from += 1;
            }
        }
        RowView {
            cells,
            labels,
            unit,
            values_from,
        }
    }

    /// The value cells (blanks included).
    pub fn values(&self) -> &'a [Cell] {
        &self.cells[self.values_from.min(self.cells.len())..]
    }

    /// The value cells that hold a number or a blank mark, not stray text.
    pub fn has_numbers(&self) -> bool {
        self.values()
            .iter()
            .any(|c| matches!(parse_cell(&c.text), Value::Number(..)))
    }

    /// The row's own label: the last label cell.
    pub fn label(&self) -> Option<&'a Cell> {
        self.labels.last().copied()
    }
}

/// A label cell: text with a Han character that is neither a value (`251000元`, `无`) nor a
/// unit (`件`).
pub fn is_label_cell(c: &Cell) -> bool {
    let t = c.text.trim();
    !t.is_empty()
        && t.chars().any(is_han)
        && !is_unit_token(t)
        && matches!(parse_cell(t), Value::NotAValue)
}

/// All rows of all tables, in document order.
pub fn all_rows(tables: &[Table]) -> impl Iterator<Item = &Row> {
    tables.iter().flat_map(|t| t.rows.iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Row {
        Row::new(cells.iter().map(|t| Cell::new(*t, 1)).collect())
    }

    #[test]
    fn splits_labels_unit_values() {
        let r = row(&["", "（三）不予公开", "1.属于国家秘密", "0", "", "1"]);
        let v = RowView::of(&r);
        assert_eq!(v.labels.len(), 2);
        assert_eq!(v.label().map(|c| c.text.as_str()), Some("1.属于国家秘密"));
        assert_eq!(v.values().len(), 3);
        let r = row(&["（一）收到申请数", "件", "3"]);
        let v = RowView::of(&r);
        assert_eq!(v.unit.map(|c| c.text.as_str()), Some("件"));
        assert_eq!(v.values().len(), 1);
        let r = row(&["政府集中采购", "3", "251000元"]);
        assert_eq!(RowView::of(&r).values().len(), 2);
    }
}
