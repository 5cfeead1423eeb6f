//! HTML reader: most reports are published as web pages, their statistics as `<table>`s.
//!
//! The page is parsed with html5ever (via `scraper`) and walked iteratively (no recursion, so
//! nesting depth cannot overflow the stack). Block elements become prose lines; data tables
//! keep their real structure, `rowspan`/`colspan` expanded into a grid (see [`super::grid`]
//! for the rendering contract). Scripts, styles, `<nav>`/`<header>`/`<footer>` and elements
//! whose class or id names them site navigation are dropped. Tables used for page layout (a
//! cell holding a long passage, or a one/two-column wrapper around another table) are read as
//! prose containers instead of grids.

use ego_tree::NodeRef;
use html5ever::driver;
use html5ever::tendril::TendrilSink;
use scraper::{Html, HtmlTreeSink, Node, StrTendril};

use super::grid::{DocBuilder, GridCuts, SpanCell, collapse_whitespace, expand_spans};
use super::{Decoded, ReadError, decode, depth};
use crate::budget::{Deadline, Every};

/// A cell holding more text than this is page layout, not statistics.
const LAYOUT_CELL_CHARS: usize = 200;

/// Reads an HTML page.
pub fn read(bytes: &[u8]) -> Result<Decoded, ReadError> {
    read_within(bytes, &Deadline::none())
}

/// Bytes of page text handed to the parser at a time: the deadline is looked at between
/// them.
const PARSE_CHUNK: usize = 256 * 1024;

/// Reads an HTML page, stopping early (with whatever was read) once `deadline` has passed.
pub fn read_within(bytes: &[u8], deadline: &Deadline) -> Result<Decoded, ReadError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ReadError::Unreadable("empty file".to_string()));
    }
    let text = decode::decode_html(bytes);
    if decode::is_binary_text(&text.text) {
        return Err(ReadError::Unreadable(
            "binary content, not text".to_string(),
        ));
    }
    let mut cuts: Vec<String> = text.partial_reason().into_iter().collect();
    let flat = depth::flatten(&text.text, depth::MAX_DEPTH);
    let source = match &flat {
        Some((flat, dropped)) => {
            cuts.push(format!(
                "HTML nested deeper than {} elements: {dropped} tags below that depth ignored",
                depth::MAX_DEPTH
            ));
            flat.as_str()
        }
        None => text.text.as_str(),
    };
    let page = parse(source, deadline);
    let mut builder = DocBuilder::new();
    if let Some(title) = find_title(&page) {
        builder.set_title(&title);
    }
    let mut grid_cuts = GridCuts::default();
    render(page.tree.root(), &mut builder, &mut grid_cuts, deadline);
    cuts.extend(grid_cuts.describe());
    let doc = builder.finish();
    if doc.lines.is_empty() && deadline.spent_in().is_none() {
        return Err(ReadError::Unreadable("HTML page without text".to_string()));
    }
    Ok(Decoded {
        doc,
        encoding: Some(text.encoding),
        partial: (!cuts.is_empty()).then(|| cuts.join("; ")),
    })
}

/// Parses a page a chunk at a time, stopping at the deadline (the tree then holds the page
/// up to there).
fn parse(text: &str, deadline: &Deadline) -> Html {
    let mut parser =
        driver::parse_document(HtmlTreeSink::new(Html::new_document()), Default::default());
    let mut rest = text;
    while !rest.is_empty() && !deadline.expired("html") {
        let mut cut = rest.len().min(PARSE_CHUNK);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (chunk, after) = rest.split_at(cut);
        parser.process(StrTendril::from_slice(chunk));
        rest = after;
    }
    parser.finish()
}

fn find_title(page: &Html) -> Option<String> {
    let title = page
        .tree
        .root()
        .descendants()
        .find(|n| element_name(n) == Some("title"))?;
    let text: String = title
        .descendants()
        .filter_map(|n| n.value().as_text().map(|t| t.to_string()))
        .collect();
    Some(collapse_whitespace(&text)).filter(|t| !t.is_empty())
}

fn element_name<'a>(node: &NodeRef<'a, Node>) -> Option<&'a str> {
    node.value().as_element().map(|e| e.name())
}

/// One step of the iterative walk: enter a node, or leave a block element.
enum Step<'a> {
    Enter(NodeRef<'a, Node>),
    LeaveBlock,
}

/// Renders the page body into prose lines and tables, in reading order, until `deadline`.
fn render(
    root: NodeRef<'_, Node>,
    builder: &mut DocBuilder,
    cuts: &mut GridCuts,
    deadline: &Deadline,
) {
    let mut line = String::new();
    let mut stack = vec![Step::Enter(root)];
    let mut every = Every::new(64);
    while let Some(step) = stack.pop() {
        if every.expired(deadline, "html") {
            return;
        }
        let node = match step {
            Step::LeaveBlock => {
                flush(&mut line, builder);
                continue;
            }
            Step::Enter(node) => node,
        };
        match node.value() {
            Node::Text(t) => line.push_str(t),
            Node::Element(e) => {
                let name = e.name();
                if is_dropped(name, e.attr("class"), e.id(), node) {
                    continue;
                }
                if name == "br" || name == "hr" {
                    flush(&mut line, builder);
                    continue;
                }
                if name == "table" {
                    let table = read_table(node);
                    if !table.is_layout() {
                        flush(&mut line, builder);
                        if !table.caption.is_empty() {
                            builder.push_prose(&table.caption);
                        }
                        builder.push_table(expand_spans(&table.rows, cuts));
                        stack.extend(table.nested.into_iter().rev().map(Step::Enter));
                        continue;
                    }
                }
                if is_block(name) {
                    flush(&mut line, builder);
                    stack.push(Step::LeaveBlock);
                }
                push_children(node, &mut stack);
            }
            Node::Document | Node::Fragment => push_children(node, &mut stack),
            _ => {}
        }
    }
    flush(&mut line, builder);
}

fn push_children<'a>(node: NodeRef<'a, Node>, stack: &mut Vec<Step<'a>>) {
    let start = stack.len();
    stack.extend(node.children().map(Step::Enter));
    stack[start..].reverse();
}

fn flush(line: &mut String, builder: &mut DocBuilder) {
    let text = collapse_whitespace(line);
    line.clear();
    if !text.is_empty() {
        builder.push_prose(&text);
    }
}

/// Elements whose text is never report text.
fn is_dropped(name: &str, class: Option<&str>, id: Option<&str>, node: NodeRef<'_, Node>) -> bool {
    if matches!(
        name,
        "head"
            | "script"
            | "style"
            | "noscript"
            | "template"
            | "nav"
            | "header"
            | "footer"
            | "iframe"
            | "object"
            | "svg"
            | "select"
            | "button"
            | "textarea"
            | "input"
            | "map"
    ) {
        return true;
    }
    if matches!(name, "html" | "body" | "table" | "tr" | "td" | "th") {
        return false;
    }
    let names_navigation = [class, id].into_iter().flatten().any(|attr| {
        attr.split(|c: char| c.is_whitespace() || c == '-' || c == '_')
            .any(|word| {
                matches!(
                    word.to_ascii_lowercase().as_str(),
                    "nav"
                        | "navbar"
                        | "navigation"
                        | "menu"
                        | "breadcrumb"
                        | "breadcrumbs"
                        | "crumb"
                        | "footer"
                        | "sidebar"
                        | "topbar"
                        | "share"
                        | "copyright"
                        | "dh"
                        | "daohang"
                )
            })
    });
    // Guard against a mislabelled wrapper: navigation never holds a table or a long text.
    names_navigation
        && !node
            .descendants()
            .any(|n| element_name(&n) == Some("table"))
        && text_len(node, LAYOUT_CELL_CHARS * 5) < LAYOUT_CELL_CHARS * 5
}

/// Characters of text under `node`, counting stops at `limit`.
fn text_len(node: NodeRef<'_, Node>, limit: usize) -> usize {
    let mut n = 0;
    for d in node.descendants() {
        if let Some(t) = d.value().as_text() {
            n += t.chars().filter(|c| !c.is_whitespace()).count();
            if n >= limit {
                break;
            }
        }
    }
    n
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "section"
            | "article"
            | "main"
            | "aside"
            | "blockquote"
            | "pre"
            | "address"
            | "figure"
            | "figcaption"
            | "form"
            | "fieldset"
            | "center"
            | "table"
            | "tr"
            | "td"
            | "th"
            | "caption"
            | "thead"
            | "tbody"
            | "tfoot"
            | "body"
            | "html"
            | "title"
            | "option"
            | "legend"
    )
}

/// A `<table>` read into source cells, with the tables nested in its cells set aside.
struct HtmlTable<'a> {
    caption: String,
    rows: Vec<Vec<SpanCell>>,
    nested: Vec<NodeRef<'a, Node>>,
}

impl HtmlTable<'_> {
    /// A table used for page layout: a cell with a long passage, a single cell, or a narrow
    /// wrapper around another table.
    fn is_layout(&self) -> bool {
        let longest = self
            .rows
            .iter()
            .flatten()
            .map(|c| c.text.chars().count())
            .max()
            .unwrap_or(0);
        let widest = self
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.colspan.max(1)).sum::<usize>())
            .max()
            .unwrap_or(0);
        let cells: usize = self.rows.iter().map(Vec::len).sum();
        longest > LAYOUT_CELL_CHARS || cells <= 1 || (!self.nested.is_empty() && widest <= 2)
    }
}

/// Reads the rows of a table (those of `thead`/`tbody`/`tfoot` too, never a nested table's).
fn read_table(table: NodeRef<'_, Node>) -> HtmlTable<'_> {
    let mut out = HtmlTable {
        caption: String::new(),
        rows: Vec::new(),
        nested: Vec::new(),
    };
    for child in table.children() {
        match element_name(&child) {
            Some("tr") => out.rows.push(read_row(child, &mut out.nested)),
            Some("thead" | "tbody" | "tfoot") => {
                for tr in child.children().filter(|n| element_name(n) == Some("tr")) {
                    out.rows.push(read_row(tr, &mut out.nested));
                }
            }
            Some("caption") => out.caption = cell_text(child, &mut out.nested),
            _ => {}
        }
    }
    out
}

fn read_row<'a>(tr: NodeRef<'a, Node>, nested: &mut Vec<NodeRef<'a, Node>>) -> Vec<SpanCell> {
    tr.children()
        .filter_map(|cell| {
            let e = cell
                .value()
                .as_element()
                .filter(|e| matches!(e.name(), "td" | "th"))?;
            let colspan = span_attr(e.attr("colspan")).unwrap_or(1).max(1);
            let rowspan = span_attr(e.attr("rowspan")).unwrap_or(1);
            Some(SpanCell::new(cell_text(cell, nested), colspan, rowspan))
        })
        .collect()
}

/// Parses a span attribute as browsers do: leading digits after optional whitespace.
fn span_attr(value: Option<&str>) -> Option<usize> {
    let digits: String = value?
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .take(6)
        .collect();
    digits.parse().ok()
}

/// The text of a cell: line breaks and paragraphs inside it joined without a break (labels
/// wrap), whitespace collapsed; nested tables are set aside, not copied into the text.
fn cell_text<'a>(cell: NodeRef<'a, Node>, nested: &mut Vec<NodeRef<'a, Node>>) -> String {
    let mut text = String::new();
    let mut stack: Vec<NodeRef<'a, Node>> = cell.children().collect();
    stack.reverse();
    while let Some(node) = stack.pop() {
        match node.value() {
            Node::Text(t) => text.push_str(t),
            Node::Element(e) => {
                if e.name() == "table" {
                    nested.push(node);
                } else if !matches!(e.name(), "script" | "style" | "noscript" | "template") {
                    let start = stack.len();
                    stack.extend(node.children());
                    stack[start..].reverse();
                }
            }
            _ => {}
        }
    }
    collapse_whitespace(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(html: &str) -> Decoded {
        match read(html.as_bytes()) {
            Ok(d) => d,
            Err(e) => panic!("read failed: {e}"),
        }
    }

    #[test]
    fn prose_blocks_title_and_dropped_navigation() {
        let d = read_str(
            "<html><head><title> 2023年 报告 </title><style>p{}</style></head><body>\
             <nav>首页 | 政务公开</nav><div class=\"top-menu\">网站导航</div>\
             <h1>某某局2023年政府信息公开工作年度报告</h1><p>一、总体情况<br>（一）主动公开</p>\
             <ul><li>第一条</li><li>第二条</li></ul><script>var a=1;</script><footer>版权所有</footer></body></html>",
        );
        assert_eq!(d.doc.title.as_deref(), Some("2023年报告"));
        assert_eq!(
            d.doc.lines,
            vec![
                "某某局2023年政府信息公开工作年度报告",
                "一、总体情况",
                "（一）主动公开",
                "第一条",
                "第二条"
            ]
        );
        assert_eq!(d.encoding.as_deref(), Some("UTF-8"));
    }

    #[test]
    fn table_rows_are_tab_lines_and_cells_keep_blanks() {
        let d = read_str(
            "<p>前言</p><table><tr><td>信息内容</td><td>本年制发件数</td></tr>\
             <tr><td>规<br>章</td><td>&nbsp;</td></tr></table><p>后记</p>",
        );
        assert_eq!(
            d.doc.lines,
            vec!["前言", "信息内容\t本年制发件数", "规章\t", "后记"]
        );
        let t = &d.doc.tables[0];
        assert_eq!(t.line_span, (2, 3));
        assert_eq!(t.rows[1].cells[0].text, "规章");
        assert_eq!(t.rows[1].cells[1].text, "");
        assert_eq!(t.rows[1].cells[1].line, 3);
        assert!(!d.doc.is_table_line(1) && !d.doc.is_table_line(4));
    }

    #[test]
    fn nested_tables_become_their_own_tables() {
        let d = read_str(
            "<table><tr><td>甲</td><td>乙</td><td>丁</td></tr><tr><td>丙</td><td><table><tr><td>内1</td><td>内2</td></tr></table></td><td>5</td></tr></table>",
        );
        assert_eq!(d.doc.tables.len(), 2);
        assert_eq!(d.doc.tables[0].rows[1].cells[1].text, "");
        assert_eq!(d.doc.tables[1].rows[0].cells[1].text, "内2");
        assert_eq!(d.doc.lines, vec!["甲\t乙\t丁", "丙\t\t5", "内1\t内2"]);
    }

    #[test]
    fn layout_tables_are_read_as_prose() {
        let long = "我局认真贯彻落实政府信息公开条例。".repeat(20);
        let html = format!(
            "<table><tr><td>导航</td></tr><tr><td><p>{long}</p><table><tr><td>项目</td><td>数量</td></tr><tr><td>规章</td><td>3</td></tr></table></td></tr></table>"
        );
        let d = read_str(&html);
        assert_eq!(d.doc.tables.len(), 1);
        assert_eq!(d.doc.tables[0].rows[1].cells[1].text, "3");
        assert!(d.doc.lines.contains(&long));
    }

    #[test]
    fn junk_and_empty_pages_are_unreadable() {
        let junk: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 32) as u8).collect();
        assert_eq!(
            read(&junk).err(),
            Some(ReadError::Unreadable(
                "binary content, not text".to_string()
            ))
        );
        assert!(read(b"  ").is_err());
        assert!(read(b"<html><body><script>x</script></body></html>").is_err());
    }

    /// 100,000 nested elements are flattened before parsing (html5ever's cost grows with the
    /// square of the depth): the text is kept, the report says what was ignored.
    #[test]
    fn very_deep_nesting_is_flattened_and_reported() {
        let n = 100_000;
        let html = format!(
            "<p>前言</p>{}深处{}<p>后记</p>",
            "<span>".repeat(n),
            "</span>".repeat(n)
        );
        let d = read_str(&html);
        assert_eq!(d.doc.lines, vec!["前言", "深处", "后记"]);
        let why = d.partial.unwrap();
        assert!(
            why.contains("HTML nested deeper than 512 elements"),
            "{why}"
        );
        assert!(
            why.contains(&format!("{} tags", 2 * (n - depth::MAX_DEPTH))),
            "{why}"
        );
    }

    #[test]
    fn a_spent_budget_stops_the_reader() {
        let deadline = Deadline::after(Some(std::time::Duration::ZERO));
        let d = read_within(b"<p>\xe4\xb8\x80</p>", &deadline).unwrap();
        assert!(d.doc.lines.is_empty());
        assert_eq!(deadline.spent_in(), Some("html"));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let html = format!(
            "{}文字{}",
            "<div><table><tr><td>".repeat(5000),
            "</td></tr></table></div>".repeat(5000)
        );
        let d = read_str(&html);
        assert!(d.doc.text().contains("文字"));
    }
}
