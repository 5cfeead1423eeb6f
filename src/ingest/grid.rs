//! Shared by the structured readers (HTML, DOCX, spreadsheets): span expansion and the
//! rendering contract that turns prose blocks and table grids into one [`Document`].
//!
//! The contract, identical for every format: `doc.lines` is the text in reading order, one
//! block per line; each table row is also one line, its cells joined by `\t`, so a fact can be
//! audited by its line number; every [`Cell::line`] is the line of its row, and a table's
//! `line_span` covers exactly its rows' lines. Prose lines never contain table text.

use crate::document::text::kept_len;
use crate::document::{Cell, Document, Row, Table};

/// Widest column span honoured; larger spans (typos like `colspan="1000"`) are clamped.
pub const MAX_COLSPAN: usize = 64;
/// Longest row span honoured.
pub const MAX_ROWSPAN: usize = 1024;
/// Widest grid built; cells beyond it are dropped (no report table is this wide).
pub const MAX_COLUMNS: usize = 256;
/// Grid positions a table may fill through spans; past it spans are ignored (hostile input).
const SPAN_BUDGET: usize = 4_000_000;

/// One source cell before span expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanCell {
    /// The cell text (already joined and trimmed).
    pub text: String,
    /// Columns covered, at least 1.
    pub colspan: usize,
    /// Rows covered, at least 1; `0` means "to the end of the table" as in HTML.
    pub rowspan: usize,
}

impl SpanCell {
    /// A cell covering `colspan` × `rowspan` grid positions.
    pub fn new(text: impl Into<String>, colspan: usize, rowspan: usize) -> SpanCell {
        SpanCell {
            text: text.into(),
            colspan,
            rowspan,
        }
    }
}

/// A grid position after expansion: the text and whether it is a copy made by a span.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GridCell {
    /// The text.
    pub text: String,
    /// True for every position of a spanning cell but its top-left one.
    pub spanned: bool,
}

/// What the bounds of [`expand_spans`] cut from a document's tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GridCuts {
    /// Cells whose span was cut to the bounds (or ignored once the span budget was spent).
    pub spans_cut: usize,
    /// Cells dropped beyond [`MAX_COLUMNS`].
    pub cells_dropped: usize,
}

impl GridCuts {
    /// What was cut, for the report's reason (nothing when nothing was).
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.spans_cut > 0 {
            out.push(format!(
                "{} table cell spans cut to the bounds (colspan {MAX_COLSPAN}, rowspan \
                 {MAX_ROWSPAN}, {SPAN_BUDGET} positions per table)",
                self.spans_cut
            ));
        }
        if self.cells_dropped > 0 {
            out.push(format!(
                "{} table cells beyond {MAX_COLUMNS} columns dropped",
                self.cells_dropped
            ));
        }
        out
    }
}

/// Expands row and column spans into a rectangular grid (HTML table model): a cell spanning
/// several positions is copied into each, the copies marked `spanned`; positions no cell
/// covers become blank cells. Spans are clamped and the grid's width bounded, so hostile
/// input cannot blow it up; what the bounds cut is counted in `cuts`.
pub fn expand_spans(rows: &[Vec<SpanCell>], cuts: &mut GridCuts) -> Vec<Vec<GridCell>> {
    let n_rows = rows.len();
    let mut grid: Vec<Vec<Option<GridCell>>> = vec![Vec::new(); n_rows];
    let mut budget = SPAN_BUDGET;
    for (r, row) in rows.iter().enumerate() {
        let mut col = 0;
        for (i, cell) in row.iter().enumerate() {
            while grid[r].get(col).is_some_and(Option::is_some) {
                col += 1;
            }
            if col >= MAX_COLUMNS {
                cuts.cells_dropped += row.len() - i;
                break;
            }
            let colspan = cell.colspan.clamp(1, MAX_COLSPAN).min(MAX_COLUMNS - col);
            let mut rowspan = match cell.rowspan {
                0 => n_rows - r,
                n => n.min(MAX_ROWSPAN).min(n_rows - r),
            };
            let wanted_rows = match cell.rowspan {
                0 => n_rows - r,
                n => n.min(n_rows - r),
            };
            let mut cut = colspan < cell.colspan.min(MAX_COLUMNS - col) || rowspan < wanted_rows;
            let mut colspan = colspan;
            if colspan * rowspan > budget {
                (colspan, rowspan) = (1, 1);
                cut = true;
            }
            cuts.spans_cut += usize::from(cut);
            budget = budget.saturating_sub(colspan * rowspan);
            for (dr, grid_row) in grid[r..r + rowspan].iter_mut().enumerate() {
                for dc in 0..colspan {
                    let c = col + dc;
                    if grid_row.len() <= c {
                        grid_row.resize(c + 1, None);
                    }
                    if grid_row[c].is_none() {
                        let spanned = dr > 0 || dc > 0;
                        grid_row[c] = Some(GridCell {
                            text: cell.text.clone(),
                            spanned,
                        });
                    }
                }
            }
            col += colspan;
        }
    }
    let width = grid.iter().map(Vec::len).max().unwrap_or(0);
    grid.into_iter()
        .map(|row| {
            let mut row: Vec<GridCell> = row.into_iter().map(Option::unwrap_or_default).collect();
            row.resize(width, GridCell::default());
            row
        })
        .collect()
}

/// Builds a [`Document`] block by block under the rendering contract.
#[derive(Debug, Default)]
pub struct DocBuilder {
    doc: Document,
}

impl DocBuilder {
    /// An empty builder.
    pub fn new() -> DocBuilder {
        DocBuilder::default()
    }

    /// Appends a prose block; it may contain `\n` (one line each). Blank lines are dropped.
    pub fn push_prose(&mut self, block: &str) {
        for line in block.split('\n') {
            let line = line.trim_end();
            if !line.trim().is_empty() {
                self.doc.lines.push(line.to_string());
            }
        }
    }

    /// Appends a table grid: one `\t`-joined line per row. Rows that are blank throughout are
    /// dropped; a grid with no text at all adds nothing.
    pub fn push_table(&mut self, grid: Vec<Vec<GridCell>>) {
        let rows: Vec<Vec<GridCell>> = grid
            .into_iter()
            .filter(|row| row.iter().any(|c| !c.text.trim().is_empty()))
            .collect();
        if rows.is_empty() {
            return;
        }
        let first = self.next_line();
        let mut table = Table::default();
        for row in rows {
            let line = self.next_line();
            let joined: Vec<&str> = row.iter().map(|c| c.text.as_str()).collect();
            self.doc.lines.push(joined.join("\t"));
            let cells = row
                .into_iter()
                .map(|c| Cell {
                    text: c.text,
                    line,
                    x: None,
                    spanned: c.spanned,
                })
                .collect();
            table.rows.push(Row::new(cells));
        }
        table.line_span = (first, self.next_line() - 1);
        self.doc.tables.push(table);
    }

    /// Sets the container title (blank titles are ignored).
    pub fn set_title(&mut self, title: &str) {
        let title = collapse_whitespace(title);
        if !title.is_empty() {
            self.doc.title = Some(title);
        }
    }

    /// The finished document.
    pub fn finish(self) -> Document {
        self.doc
    }

    fn next_line(&self) -> u32 {
        u32::try_from(self.doc.lines.len() + 1).unwrap_or(u32::MAX)
    }
}

/// Collapses every run of whitespace (including NBSP and the ideographic space) to one space
/// and trims; a run between two CJK characters disappears (a label wrapped in the source).
///
/// Runs of printable ASCII and CJK ideographs (never space) that follow no space are copied
/// as slices, told by their first bytes; everything else is decoded and decided one by one.
pub fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !pending_space && kept_len(b, i) > 0 {
            let start = i;
            while i < b.len() {
                match kept_len(b, i) {
                    0 => break,
                    len => i += len,
                }
            }
            out.push_str(&s[start..i]);
            continue;
        }
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
        if c.is_whitespace() || c == '\u{200b}' {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            let prev_wide = out.chars().next_back().is_some_and(is_wide);
            if !(prev_wide && is_wide(c)) {
                out.push(' ');
            }
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// [`collapse_whitespace`] as it was written first, character by character (the reference
/// of its test).
#[cfg(test)]
fn collapse_whitespace_by_chars(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() || c == '\u{200b}' {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            let prev_wide = out.chars().next_back().is_some_and(is_wide);
            if !(prev_wide && is_wide(c)) {
                out.push(' ');
            }
            pending_space = false;
        }
        out.push(c);
    }
    out
}

fn is_wide(c: char) -> bool {
    crate::document::text::char_width(c) == 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapse_by_runs_agrees_with_collapse_by_chars() {
        let mut texts: Vec<String> = [
            "",
            " ",
            "  a  b  ",
            "政 府\n信息",
            "a 政",
            "政 a",
            "　（一）主动公开\u{a0}\u{200b} 12 ",
            "\t\r\n",
            "ab\u{3000}\u{3000}cd",
            "１ ２",
            "政\u{200b}府",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let all: Vec<char> = (0..0x11000).filter_map(char::from_u32).collect();
        for (i, chunk) in all.chunks(61).enumerate() {
            // Spaces between some characters, so every kind of neighbour meets a space.
            let spaced: String = chunk
                .iter()
                .enumerate()
                .flat_map(|(j, &c)| [c, if (i + j) % 3 == 0 { ' ' } else { '\u{0}' }])
                .filter(|&c| c != '\u{0}')
                .collect();
            texts.push(spaced);
        }
        for t in &texts {
            assert_eq!(
                collapse_whitespace(t),
                collapse_whitespace_by_chars(t),
                "{t:?}"
            );
        }
    }

    fn texts(grid: &[Vec<GridCell>]) -> Vec<Vec<&str>> {
        grid.iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn expands_row_and_column_spans() {
        let rows = vec![
            vec![SpanCell::new("a", 2, 2), SpanCell::new("b", 1, 1)],
            vec![SpanCell::new("c", 1, 1)],
            vec![SpanCell::new("d", 1, 1)],
        ];
        let grid = expand_spans(&rows, &mut GridCuts::default());
        assert_eq!(
            texts(&grid),
            vec![vec!["a", "a", "b"], vec!["a", "a", "c"], vec!["d", "", ""]]
        );
        assert!(!grid[0][0].spanned && grid[0][1].spanned && grid[1][0].spanned);
        assert!(!grid[1][2].spanned);
    }

    #[test]
    fn hostile_spans_are_clamped() {
        let rows = vec![vec![SpanCell::new("x", 100_000, 100_000)], vec![]];
        let mut cuts = GridCuts::default();
        let grid = expand_spans(&rows, &mut cuts);
        assert_eq!(grid.len(), 2);
        assert_eq!(grid[0].len(), MAX_COLSPAN);
        assert_eq!(cuts.spans_cut, 1);
        // A span that the table ends anyway is not a cut, nor is a span within the bounds.
        let rows = vec![vec![SpanCell::new("x", 2, 0), SpanCell::new("y", 1, 9)]];
        let mut cuts = GridCuts::default();
        expand_spans(&rows, &mut cuts);
        assert_eq!(cuts, GridCuts::default());
        // Cells beyond the widest grid are dropped, and counted.
        let wide = vec![
            (0..MAX_COLUMNS + 5)
                .map(|_| SpanCell::new("1", 1, 1))
                .collect(),
        ];
        let mut cuts = GridCuts::default();
        let grid = expand_spans(&wide, &mut cuts);
        assert_eq!(grid[0].len(), MAX_COLUMNS);
        assert_eq!(cuts.cells_dropped, 5);
        assert!(cuts.describe()[0].contains("5 table cells beyond 256 columns dropped"));
    }

    #[test]
    fn builder_renders_rows_as_tab_lines() {
        let mut b = DocBuilder::new();
        b.push_prose("标题\n\n正文");
        b.push_table(expand_spans(
            &[vec![SpanCell::new("项目", 1, 1), SpanCell::new("", 1, 1)]],
            &mut GridCuts::default(),
        ));
        let doc = b.finish();
        assert_eq!(doc.lines, vec!["标题", "正文", "项目\t"]);
        assert_eq!(doc.tables[0].line_span, (3, 3));
        assert_eq!(doc.tables[0].rows[0].cells[1].text, "");
        assert_eq!(doc.tables[0].rows[0].cells[0].line, 3);
    }

    #[test]
    fn collapses_whitespace_but_joins_wrapped_cjk() {
        assert_eq!(collapse_whitespace("  商业\n  企业 "), "商业企业");
        assert_eq!(collapse_whitespace("a \u{a0} b"), "a b");
        assert_eq!(collapse_whitespace("2023 年"), "2023 年");
    }
}
