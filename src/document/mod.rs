//! The document model: what every format reader produces and every later stage reads.
//!
//! A [`Document`] is the decoded text of one file as numbered lines, plus the table grids found
//! in it. Format readers (txt, html, docx, pdf, xlsx) build it; [`layout`] finds the tables that
//! plain text only implies (tab-separated rows, one cell per line, columns aligned by spaces).
//! Every cell remembers the line it came from, so any extracted number can be traced back.

pub mod detached;
pub mod glued;
pub mod layout;
pub mod reline;
pub mod spaced;
pub mod text;
pub mod words;

/// One input file, decoded, as lines and tables.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// The text in reading order; `lines[i]` is line `i + 1` (1-based line numbers everywhere).
    pub lines: Vec<String>,
    /// Table grids, in reading order.
    pub tables: Vec<Table>,
    /// A title given by the container rather than the text (HTML `<title>`, DOCX core title).
    pub title: Option<String>,
    /// For documents whose over-long lines were broken into logical lines ([`reline`]): the
    /// 1-based line of the decoded text each logical line comes from (`origin[i]` for line
    /// `i + 1`). Empty when every line is its own (the usual case).
    pub origin: Vec<u32>,
    /// The lines' squashed forms, made on first use ([`Document::squashed_line`]).
    pub squashed: SquashedLines,
    /// True when the ingest's traditional-character pass read every Han character of every
    /// line and t2s changes none of them, so no line needs converting: identification then
    /// skips its look for traditional characters line by line. False when not known.
    pub traditional_free: bool,
    /// 1-based lines that are rows of a form written as a label, a space and figures inside a
    /// block that looks like a table ([`spaced`]), whether or not a table was made of them:
    /// extraction says which of them no fact was read from.
    pub text_rows: Vec<u32>,
}

/// The [`text::squash`]ed form of each line of a document, made the first time a stage asks
/// for it and kept for the next: identification and prose both match on squashed lines, and
/// squashing them twice was a tenth of their cost. Only the later stages ask, after the
/// document stage's passes that rewrite lines ([`reline`], the t2s conversion) are done; a
/// pass that rewrites lines later must [`SquashedLines::clear`] it.
#[derive(Clone, Default)]
pub struct SquashedLines(std::sync::OnceLock<Box<[std::sync::OnceLock<String>]>>);

impl SquashedLines {
    /// Forgets every squashed line (after the lines were rewritten).
    pub fn clear(&mut self) {
        self.0 = std::sync::OnceLock::new();
    }
}

/// Not part of what a document holds: it is derived from the lines.
impl std::fmt::Debug for SquashedLines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SquashedLines")
    }
}

/// A table grid: rows of cells after spans are expanded (a cell spanning two columns appears in
/// both, a cell spanning rows repeats in each row it covers).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The rows, top to bottom.
    pub rows: Vec<Row>,
    /// First and last document line (1-based, inclusive) that the table occupies; prose
    /// extraction skips these lines so a table cell is never read twice.
    pub line_span: (u32, u32),
    /// True when the layout stage rebuilt the table from text (tabs, a cell per line,
    /// aligned columns) rather than reading it from table markup.
    pub from_text: bool,
}

/// One row of a table grid.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// Cells left to right. Blank cells are kept (empty `text`): a blank is not a zero, and
    /// dropping it would shift the cells after it.
    pub cells: Vec<Cell>,
}

/// One table cell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    /// The cell text, trimmed, with inner line breaks replaced by nothing (labels wrap).
    pub text: String,
    /// 1-based document line where the cell starts.
    pub line: u32,
    /// Display column (in character cells, CJK counting 2) where the cell starts, when the
    /// table was rebuilt from space-aligned text; `None` for tables with real cell structure.
    pub x: Option<u32>,
    /// True when this cell is a copy made by expanding a row span or column span.
    pub spanned: bool,
}

impl Cell {
    /// A plain cell at `line`.
    pub fn new(text: impl Into<String>, line: u32) -> Cell {
        Cell {
            text: text.into(),
            line,
            x: None,
            spanned: false,
        }
    }
}

impl Row {
    /// A row from cells.
    pub fn new(cells: Vec<Cell>) -> Row {
        Row { cells }
    }
}

impl Document {
    /// A document from plain text; tables still have to be found with [`layout::find_tables`].
    pub fn from_text(text: &str) -> Document {
        Document {
            lines: text::split_lines(text),
            tables: Vec::new(),
            title: None,
            origin: Vec::new(),
            squashed: SquashedLines::default(),
            traditional_free: false,
            text_rows: Vec::new(),
        }
    }

    /// The [`text::squash`]ed form of line `i + 1` (index `i`), made once.
    pub fn squashed_line(&self, i: usize) -> &str {
        let lines = self.squashed.0.get_or_init(|| {
            self.lines
                .iter()
                .map(|_| std::sync::OnceLock::new())
                .collect()
        });
        debug_assert_eq!(
            lines.len(),
            self.lines.len(),
            "lines rewritten, squashed kept"
        );
        match lines.get(i) {
            Some(cell) => cell.get_or_init(|| text::squash(&self.lines[i])),
            None => "",
        }
    }

    /// True when the 1-based `line` lies inside one of the tables.
    pub fn is_table_line(&self, line: u32) -> bool {
        self.tables
            .iter()
            .any(|t| t.line_span.0 <= line && line <= t.line_span.1)
    }

    /// For every line (index `i` is line `i + 1`), whether it lies inside one of the tables:
    /// [`Document::is_table_line`] for all lines at once, in one pass over the tables.
    pub fn table_line_mask(&self) -> Vec<bool> {
        let n = self.lines.len();
        let mut mask = vec![false; n];
        for t in &self.tables {
            let first = (t.line_span.0 as usize).max(1);
            let last = (t.line_span.1 as usize).min(n);
            for m in mask.iter_mut().take(last).skip(first - 1) {
                *m = true;
            }
        }
        mask
    }

    /// The line of the decoded text that the document's 1-based `line` comes from: the same
    /// number unless [`reline`] broke a long line into several.
    pub fn source_line(&self, line: u32) -> u32 {
        match line
            .checked_sub(1)
            .and_then(|i| self.origin.get(i as usize))
        {
            Some(&l) => l,
            None => line,
        }
    }

    /// The whole text, lines joined by `\n`.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squashed_lines_are_made_once_and_cleared_with_the_lines() {
        let mut doc = Document::from_text("（一） 主动公开\n\n统　计　表");
        for (i, line) in doc.lines.iter().enumerate() {
            assert_eq!(doc.squashed_line(i), text::squash(line));
        }
        assert_eq!(doc.squashed_line(0), "(一)主动公开");
        assert_eq!(doc.squashed_line(9), "");
        doc.lines[0] = "二、 回应".into();
        doc.squashed.clear();
        assert_eq!(doc.squashed_line(0), "二、回应");
    }

    #[test]
    fn table_line_mask_agrees_with_is_table_line() {
        let mut doc = Document::from_text("a\nb\nc\nd\ne\nf");
        for span in [(2, 3), (0, 1), (5, 9), (4, 2)] {
            doc.tables.push(Table {
                line_span: span,
                ..Table::default()
            });
        }
        let mask = doc.table_line_mask();
        let expected: Vec<bool> = (1..=6).map(|l| doc.is_table_line(l)).collect();
        assert_eq!(mask, expected);
        assert_eq!(mask, [true, true, true, false, true, true]);
    }
}
