//! A report's tables written out the ways crawlers and converters leave them.
//!
//! Real crawls rarely keep a form as a table: an HTML table flattened to `label | 1 | 0 |` rows
//! with a rowspan's label on its first row only, markdown from a PDF converter (sometimes one
//! small table per row under generic headers), one cell per line, cells between U+3000, digits
//! glued together, a whole page on one line, or PDF text whose figures stand apart from their
//! labels. [`render`] takes a document whose tables were read and writes it again with every
//! table in one such [`Layout`], the text around the tables unchanged. Reading the result must
//! give the facts the original gives (or, where the layout itself loses information, leave the
//! lost cells out and say so): that is how the layout stage is tested on every form of every era
//! without writing each layout by hand (`tests/layout_matrix.rs`), and how `gen-corpus
//! --layouts` makes corpora that look like real crawls.

use crate::document::layout::is_value_token;
use crate::document::{Document, Row, Table};

/// One way of writing a table as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// One row per line, cells between tabs; a spanned copy is a blank cell.
    Tabs,
    /// `| a | b |` rows of an HTML table flattened by a crawler: a rowspan's or colspan's label
    /// stands only in its first cell, blank cells kept.
    Pipes,
    /// Pipe rows with every spanned copy as a blank cell and an extra empty column at the end.
    PipesPadded,
    /// A markdown table: the first row as header, then `|---|`.
    Markdown,
    /// A PDF converter's markdown: every row with figures as a small table of its own under
    /// generic headers (`| 类别 | 数据1 | … |`), its group labels as `###` headings, rows
    /// without figures as headings (grids of five figures or more; a narrower one is plain
    /// markdown).
    MarkdownSplit,
    /// One cell per line, two empty lines between cells, four between rows, a blank cell as an
    /// empty line (a crawler's text of an HTML table).
    CellPerLine,
    /// One cell per line with no empty line between cells, a blank cell as a line holding only
    /// spaces, one empty line between rows.
    CellPerLineTight,
    /// Cells between ideographic spaces (U+3000), a blank cell as nothing between two.
    Ideographic,
    /// Cells written with no separator at all (`主动公开文件数条212210037`).
    Glued,
    /// The whole page on one line, tables glued.
    OneLine,
    /// The whole page on one line, cells between single spaces.
    OneLineSpaced,
    /// PDF text: a table's labels first, one row per line, then its figures, one row per line
    /// between spaces, blank cells gone.
    Detached,
}

impl Layout {
    /// Every layout, in a fixed order.
    pub const ALL: [Layout; 12] = [
        Layout::Tabs,
        Layout::Pipes,
        Layout::PipesPadded,
        Layout::Markdown,
        Layout::MarkdownSplit,
        Layout::CellPerLine,
        Layout::CellPerLineTight,
        Layout::Ideographic,
        Layout::Glued,
        Layout::OneLine,
        Layout::OneLineSpaced,
        Layout::Detached,
    ];

    /// The layout's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Tabs => "tabs",
            Layout::Pipes => "pipes",
            Layout::PipesPadded => "pipes-padded",
            Layout::Markdown => "markdown",
            Layout::MarkdownSplit => "markdown-split",
            Layout::CellPerLine => "cell-per-line",
            Layout::CellPerLineTight => "cell-per-line-tight",
            Layout::Ideographic => "ideographic",
            Layout::Glued => "glued",
            Layout::OneLine => "one-line",
            Layout::OneLineSpaced => "one-line-spaced",
            Layout::Detached => "detached",
        }
    }

    /// The layout named `name`, if any.
    pub fn from_name(name: &str) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| l.name() == name)
    }

    /// True when writing a table this way keeps every cell where a reader can place it; false
    /// for the layouts that lose cell boundaries (glued digits) or blank cells (PDF text), where
    /// a reader may have to leave cells out.
    pub fn is_lossless(self) -> bool {
        !matches!(
            self,
            Layout::Glued | Layout::OneLine | Layout::Detached | Layout::OneLineSpaced
        )
    }
}

/// `doc` written again with every table in `layout`; lines outside tables are kept as they are.
pub fn render(doc: &Document, layout: Layout) -> String {
    let mut out: Vec<String> = Vec::with_capacity(doc.lines.len());
    let mut tables: Vec<&Table> = doc.tables.iter().collect();
    tables.sort_by_key(|t| t.line_span.0);
    let mut next = tables.into_iter().peekable();
    let mut line = 1u32;
    while (line as usize) <= doc.lines.len() {
        match next.peek() {
            Some(t) if t.line_span.0 <= line => {
                out.extend(table_lines(t, layout));
                line = line.max(t.line_span.1 + 1);
                next.next();
            }
            _ => {
                out.push(doc.lines[line as usize - 1].clone());
                line += 1;
            }
        }
    }
    match layout {
        Layout::OneLine | Layout::OneLineSpaced => out.concat(),
        _ => out.join("\n") + "\n",
    }
}

/// The table's lines in `layout`.
fn table_lines(table: &Table, layout: Layout) -> Vec<String> {
    let rows: Vec<Vec<&str>> = table.rows.iter().map(|r| cells(r, layout)).collect();
    match layout {
        Layout::Tabs => rows.iter().map(|r| r.join("\t")).collect(),
        Layout::Pipes => rows.iter().map(|r| pipe_row(r)).collect(),
        Layout::PipesPadded => rows
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.push("");
                pipe_row(&r)
            })
            .collect(),
        Layout::Markdown => markdown(&rows),
        Layout::MarkdownSplit => markdown_split(&rows),
        Layout::CellPerLine => set_off(cell_per_line(&rows, "", 2, 4), 6),
        Layout::CellPerLineTight => set_off(cell_per_line(&rows, "  ", 0, 1), 2),
        Layout::Ideographic => rows.iter().map(|r| r.join("\u{3000}")).collect(),
        Layout::Glued | Layout::OneLine => rows.iter().map(|r| r.concat()).collect(),
        Layout::OneLineSpaced => rows
            .iter()
            .map(|r| {
                let kept: Vec<&str> = r.iter().copied().filter(|c| !c.is_empty()).collect();
                kept.join(" ") + " "
            })
            .collect(),
        Layout::Detached => detached(&rows),
    }
}

/// The row's cell texts: a spanned copy is dropped where a flattened HTML table would lose it
/// ([`Layout::Pipes`]), blank elsewhere.
fn cells(row: &Row, layout: Layout) -> Vec<&str> {
    row.cells
        .iter()
        .filter(|c| !(c.spanned && layout == Layout::Pipes))
        .map(|c| if c.spanned { "" } else { c.text.as_str() })
        .collect()
}

fn pipe_row(cells: &[&str]) -> String {
    let mut s = String::from("|");
    for c in cells {
        s.push(' ');
        s.push_str(c);
        s.push_str(" |");
    }
    s
}

fn markdown(rows: &[Vec<&str>]) -> Vec<String> {
    let mut out = Vec::with_capacity(rows.len() + 1);
    for (i, r) in rows.iter().enumerate() {
        out.push(pipe_row(r));
        if i == 0 {
            out.push(separator(r.len()));
        }
    }
    out
}

fn separator(n: usize) -> String {
    "|".to_string() + &"---|".repeat(n.max(1))
}

/// True for a cell a form holds a figure in: a blank, or what the layout stage reads as a value
/// (a number, an amount with its unit, a dash).
fn is_figure(text: &str) -> bool {
    let t = text.trim();
    t.is_empty() || t == "—" || is_value_token(t)
}

/// Splits a row into its label cells (the non-blank text before the first figure) and its
/// figures (everything from the first non-blank figure on).
fn labels_and_figures<'a>(row: &[&'a str]) -> (Vec<&'a str>, Vec<&'a str>) {
    let first = row
        .iter()
        .position(|c| !c.trim().is_empty() && is_figure(c));
    match first {
        Some(i) if row[i..].iter().all(|c| is_figure(c)) => (
            row[..i]
                .iter()
                .copied()
                .filter(|c| !c.trim().is_empty())
                .collect(),
            row[i..].to_vec(),
        ),
        _ => (
            row.iter()
                .copied()
                .filter(|c| !c.trim().is_empty())
                .collect(),
            Vec::new(),
        ),
    }
}

fn markdown_split(rows: &[Vec<&str>]) -> Vec<String> {
    // Converters split the wide grids (表三, 表四), not 表二 or the 2008 list.
    let widest = rows
        .iter()
        .map(|r| labels_and_figures(r).1.len())
        .max()
        .unwrap_or(0);
    if widest < 5 {
        return markdown(rows);
    }
    let mut out = Vec::new();
    let mut groups: Vec<&str> = Vec::new();
    for r in rows {
        let (labels, figures) = labels_and_figures(r);
        if figures.is_empty() {
            if !labels.is_empty() {
                out.push(format!("### {}", labels.join(" ")));
            }
            continue;
        }
        let (label, group) = labels.split_last().map_or(("", &[][..]), |(l, g)| (*l, g));
        if group != groups.as_slice() {
            for g in group.iter().filter(|g| !groups.contains(g)) {
                out.push(format!("### {g}"));
            }
            groups = group.to_vec();
        }
        let mut header = vec!["类别".to_string()];
        header.extend((1..figures.len()).map(|i| format!("数据{i}")));
        header.push("总计".to_string());
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        out.push(pipe_row(&header));
        out.push(separator(header.len()));
        let mut row = vec![label];
        row.extend(figures);
        out.push(pipe_row(&row));
        out.push(String::new());
    }
    out
}

/// `lines` with `n` empty lines before and after: a crawler sets a table off from the
/// paragraphs around it by more than it separates the table's rows.
fn set_off(lines: Vec<String>, n: usize) -> Vec<String> {
    let mut out = vec![String::new(); n];
    out.extend(lines);
    out.extend(std::iter::repeat_n(String::new(), n));
    out
}

fn cell_per_line(rows: &[Vec<&str>], blank: &str, cell_gap: usize, row_gap: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            out.extend(std::iter::repeat_n(String::new(), row_gap));
        }
        for (j, c) in r.iter().enumerate() {
            if j > 0 {
                out.extend(std::iter::repeat_n(String::new(), cell_gap));
            }
            out.push(if c.is_empty() {
                blank.to_string()
            } else {
                (*c).to_string()
            });
        }
    }
    out
}

fn detached(rows: &[Vec<&str>]) -> Vec<String> {
    let mut labels = Vec::new();
    let mut figures = Vec::new();
    for r in rows {
        let (l, f) = labels_and_figures(r);
        if !l.is_empty() {
            labels.push(l.join(""));
        }
        let f: Vec<&str> = f.into_iter().filter(|c| !c.trim().is_empty()).collect();
        if !f.is_empty() {
            figures.push(f.join(" "));
        }
    }
    labels.extend(figures);
    labels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Cell;

    fn doc() -> Document {
        let mut d = Document::from_text("标题\nA\t1\t\nB\t2\t3\n结尾");
        let row = |cells: &[(&str, bool)], line: u32| Row {
            cells: cells
                .iter()
                .map(|(t, s)| Cell {
                    spanned: *s,
                    ..Cell::new(*t, line)
                })
                .collect(),
        };
        d.tables.push(Table {
            rows: vec![
                row(&[("A", false), ("1", false), ("", false)], 2),
                row(&[("A", true), ("2", false), ("3", false)], 3),
            ],
            line_span: (2, 3),
            from_text: true,
        });
        d
    }

    #[test]
    fn names_round_trip() {
        for l in Layout::ALL {
            assert_eq!(Layout::from_name(l.name()), Some(l));
        }
        assert_eq!(Layout::from_name("nope"), None);
    }

    #[test]
    fn pipes_drop_spanned_copies_and_keep_blanks() {
        assert_eq!(
            render(&doc(), Layout::Pipes),
            "标题\n| A | 1 |  |\n| 2 | 3 |\n结尾\n"
        );
    }

    #[test]
    fn glued_and_one_line() {
        assert_eq!(render(&doc(), Layout::Glued), "标题\nA1\n23\n结尾\n");
        assert_eq!(render(&doc(), Layout::OneLine), "标题A123结尾");
    }

    #[test]
    fn cell_per_line_gaps() {
        assert_eq!(
            render(&doc(), Layout::CellPerLine),
            "标题\n\n\n\n\n\n\nA\n\n\n1\n\n\n\n\n\n\n\n\n\n\n2\n\n\n3\n\n\n\n\n\n\n结尾\n"
        );
    }

    #[test]
    fn detached_puts_labels_before_figures() {
        assert_eq!(render(&doc(), Layout::Detached), "标题\nA\n1\n2 3\n结尾\n");
    }

    #[test]
    fn markdown_split_has_generic_headers() {
        // Narrow tables stay one markdown table.
        let s = render(&doc(), Layout::MarkdownSplit);
        assert!(
            s.contains("| A | 1 |  |\n|---|---|---|\n|  | 2 | 3 |"),
            "{s}"
        );
        let mut wide = Document::from_text("G\tA\t1\t2\t3\t4\t10");
        wide.tables.push(Table {
            rows: vec![Row::new(
                ["G", "A", "1", "2", "3", "4", "10"]
                    .iter()
                    .map(|t| Cell::new(*t, 1))
                    .collect(),
            )],
            line_span: (1, 1),
            from_text: true,
        });
        assert_eq!(
            render(&wide, Layout::MarkdownSplit),
            "### G\n| 类别 | 数据1 | 数据2 | 数据3 | 数据4 | 总计 |\n|---|---|---|---|---|---|\n| A | 1 | 2 | 3 | 4 | 10 |\n\n"
        );
    }
}
