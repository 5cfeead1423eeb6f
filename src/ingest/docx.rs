//! DOCX reader: many agencies attach the report as a Word file.
//!
//! Reads `word/document.xml` with quick-xml as a stream of events: paragraphs (`w:p`, runs'
//! `w:t`, `w:tab` as a tab, `w:br` as a line break) become prose lines, top-level tables
//! (`w:tbl`) become grids with `w:gridSpan` and `w:vMerge` expanded (rendered under the
//! contract of [`super::grid`]); a table nested in a cell is flattened into that cell's text.
//! Text boxes, drawings, headers, footers and footnotes are ignored. The zip container is
//! treated as hostile: entry count and uncompressed size are capped and reads go through
//! `take()`, so a lying header cannot exhaust memory.

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::grid::{DocBuilder, GridCell, GridCuts, MAX_COLSPAN, collapse_whitespace};
use super::{Decoded, ReadError};
use crate::budget::{Deadline, Every};

/// Most zip entries accepted in an office file.
pub const MAX_ENTRIES: usize = 10_000;
/// Largest uncompressed XML part read.
pub const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;
/// Widest table grid built.
const MAX_GRID_COLUMNS: usize = super::grid::MAX_COLUMNS;

/// Reads a DOCX file.
pub fn read(bytes: &[u8]) -> Result<Decoded, ReadError> {
    read_within(bytes, &Deadline::none())
}

/// Reads a DOCX file, stopping early once `deadline` has passed.
pub fn read_within(bytes: &[u8], deadline: &Deadline) -> Result<Decoded, ReadError> {
    let mut zip = open_zip(bytes, "DOCX")?;
    let xml = read_part(&mut zip, "word/document.xml")?.ok_or_else(|| {
        ReadError::Unreadable("not a Word document: no word/document.xml".to_string())
    })?;
    let mut builder = DocBuilder::new();
    let cuts = parse_body(&String::from_utf8_lossy(&xml), &mut builder, deadline)?.describe();
    if let Ok(Some(core)) = read_part(&mut zip, "docProps/core.xml")
        && let Some(title) = core_title(&String::from_utf8_lossy(&core))
    {
        builder.set_title(&title);
    }
    let doc = builder.finish();
    if doc.lines.is_empty() && deadline.spent_in().is_none() {
        return Err(ReadError::Unreadable(
            "Word document without text".to_string(),
        ));
    }
    Ok(Decoded {
        doc,
        encoding: None,
        partial: (!cuts.is_empty()).then(|| cuts.join("; ")),
    })
}

/// Opens a zip container, refusing archives with too many entries.
pub fn open_zip<'a>(
    bytes: &'a [u8],
    what: &str,
) -> Result<zip::ZipArchive<Cursor<&'a [u8]>>, ReadError> {
    let zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ReadError::Unreadable(format!("damaged {what} (zip): {e}")))?;
    if zip.len() > MAX_ENTRIES {
        return Err(ReadError::Unreadable(format!(
            "{what} has {} zip entries (limit {MAX_ENTRIES})",
            zip.len()
        )));
    }
    Ok(zip)
}

/// Reads one zip entry, at most [`MAX_PART_BYTES`] whatever its header claims; `None` when the
/// entry does not exist.
pub fn read_part(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<Vec<u8>>, ReadError> {
    let entry = match zip.by_name(name) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(ReadError::Unreadable(format!("cannot open {name}: {e}"))),
    };
    if entry.size() > MAX_PART_BYTES {
        return Err(ReadError::Unreadable(format!(
            "{name} is {} bytes uncompressed (limit {MAX_PART_BYTES})",
            entry.size()
        )));
    }
    let mut out = Vec::new();
    entry
        .take(MAX_PART_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| ReadError::Unreadable(format!("damaged {name}: {e}")))?;
    if out.len() as u64 > MAX_PART_BYTES {
        return Err(ReadError::Unreadable(format!(
            "{name} exceeds {MAX_PART_BYTES} bytes uncompressed"
        )));
    }
    Ok(Some(out))
}

/// How a cell takes part in a vertical merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum VMerge {
    #[default]
    None,
    Restart,
    Continue,
}

/// One `w:tc` as written: its text, how many grid columns it covers, its vertical merge.
#[derive(Debug, Clone, Default)]
struct DocxCell {
    text: String,
    span: usize,
    vmerge: VMerge,
}

/// The top-level table being read.
#[derive(Debug, Default)]
struct TableState {
    rows: Vec<Vec<DocxCell>>,
    row: Vec<DocxCell>,
    cell: Option<DocxCell>,
    /// Depth of tables nested inside the current cell (flattened into its text).
    nested: usize,
}

/// The reader's position in the body.
#[derive(Debug, Default)]
struct BodyState {
    paragraph: String,
    table: Option<TableState>,
    in_run: usize,
    in_text: bool,
    /// Element depth at which an ignored subtree (text box, drawing) started.
    skip_from: Option<usize>,
    depth: usize,
    /// What the grid bounds cut.
    cuts: GridCuts,
}

impl BodyState {
    /// Appends run text to the current cell, or to the current paragraph.
    fn push_text(&mut self, text: &str) {
        match self.table.as_mut().and_then(|t| t.cell.as_mut()) {
            Some(cell) => cell.text.push_str(text),
            None => self.paragraph.push_str(text),
        }
    }

    fn in_cell(&self) -> bool {
        self.table.as_ref().is_some_and(|t| t.cell.is_some())
    }
}

/// Parses `word/document.xml` into the builder, until `deadline`. Nesting costs nothing:
/// tables nested in a cell are a counter, elements a depth number, nothing recurses.
fn parse_body(
    xml: &str,
    builder: &mut DocBuilder,
    deadline: &Deadline,
) -> Result<GridCuts, ReadError> {
    let mut reader = Reader::from_str(xml);
    let mut st = BodyState::default();
    let mut every = Every::new(256);
    loop {
        if every.expired(deadline, "docx") {
            break;
        }
        let event = reader
            .read_event()
            .map_err(|e| ReadError::Unreadable(format!("damaged word/document.xml: {e}")))?;
        match event {
            Event::Start(e) => {
                st.depth += 1;
                if st.skip_from.is_none() {
                    if is_ignored_subtree(e.name().as_ref()) {
                        st.skip_from = Some(st.depth);
                    } else {
                        on_start(&e, &mut st);
                    }
                }
            }
            Event::Empty(e) if st.skip_from.is_none() => on_empty(&e, &mut st),
            Event::End(e) => {
                if st.skip_from == Some(st.depth) {
                    st.skip_from = None;
                } else if st.skip_from.is_none() {
                    on_end(e.name().as_ref(), &mut st, builder);
                }
                st.depth = st.depth.saturating_sub(1);
            }
            Event::Text(t) if st.in_text && st.skip_from.is_none() => {
                st.push_text(&t.xml10_content())
            }
            Event::CData(t) if st.in_text && st.skip_from.is_none() => {
                st.push_text(&t.xml10_content())
            }
            Event::GeneralRef(r) if st.in_text && st.skip_from.is_none() => {
                if let Some(c) = resolve_entity(&r) {
                    st.push_text(c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(table) = st.table.take() {
        builder.push_table(expand_docx_grid(table.rows, &mut st.cuts));
    }
    builder.push_prose(&st.paragraph);
    Ok(st.cuts)
}

/// Subtrees whose text is not body text: text boxes, drawings, legacy VML, embedded objects.
fn is_ignored_subtree(name: &str) -> bool {
    matches!(
        name,
        "w:txbxContent"
            | "w:drawing"
            | "w:pict"
            | "mc:AlternateContent"
            | "w:object"
            | "w:footnotePr"
            | "w:endnotePr"
    )
}

fn resolve_entity(r: &quick_xml::events::BytesRef<'_>) -> Option<char> {
    if r.is_char_ref() {
        return r.resolve_char_ref().ok().flatten();
    }
    match &**r {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

fn on_start(e: &BytesStart<'_>, st: &mut BodyState) {
    match e.name().as_ref() {
        "w:tbl" => match st.table.as_mut() {
            Some(t) => t.nested += 1,
            None => st.table = Some(TableState::default()),
        },
        "w:tr" => {
            if let Some(t) = st.table.as_mut().filter(|t| t.nested == 0) {
                t.row.clear();
            }
        }
        "w:tc" => {
            if let Some(t) = st.table.as_mut().filter(|t| t.nested == 0) {
                t.cell = Some(DocxCell {
                    span: 1,
                    ..DocxCell::default()
                });
            }
        }
        "w:r" => st.in_run += 1,
        "w:t" => st.in_text = st.in_run > 0,
        _ => {}
    }
}

fn on_empty(e: &BytesStart<'_>, st: &mut BodyState) {
    let name = e.name();
    let name = name.as_ref();
    match name {
        "w:tab" if st.in_run > 0 => st.push_text(if st.in_cell() { " " } else { "\t" }),
        "w:br" | "w:cr" if st.in_run > 0 => st.push_text(if st.in_cell() { "" } else { "\n" }),
        "w:noBreakHyphen" if st.in_run > 0 => st.push_text("-"),
        "w:gridSpan" | "w:vMerge" | "w:gridBefore" => on_cell_property(name, attr_val(e), st),
        _ => {}
    }
}

/// `w:val` of an element, if any.
fn attr_val(e: &BytesStart<'_>) -> Option<String> {
    e.try_get_attribute("w:val")
        .ok()
        .flatten()
        .map(|a| a.value.into_owned())
}

fn on_cell_property(name: &str, val: Option<String>, st: &mut BodyState) {
    let Some(t) = st.table.as_mut().filter(|t| t.nested == 0) else {
        return;
    };
    let count = || {
        val.as_deref()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(1)
            .clamp(1, MAX_COLSPAN)
    };
    match (name, t.cell.as_mut()) {
        ("w:gridSpan", Some(cell)) => cell.span = count(),
        ("w:vMerge", Some(cell)) => {
            cell.vmerge = if val.as_deref() == Some("restart") {
                VMerge::Restart
            } else {
                VMerge::Continue
            };
        }
        ("w:gridBefore", None) => t.row.push(DocxCell {
            span: count(),
            ..DocxCell::default()
        }),
        _ => {}
    }
}

fn on_end(name: &str, st: &mut BodyState, builder: &mut DocBuilder) {
    match name {
        "w:r" => st.in_run = st.in_run.saturating_sub(1),
        "w:t" => st.in_text = false,
        "w:p" if !st.in_cell() => builder.push_prose(&std::mem::take(&mut st.paragraph)),
        "w:tc" => {
            if let Some(t) = st.table.as_mut() {
                if t.nested > 0 {
                    if let Some(cell) = t.cell.as_mut() {
                        cell.text.push(' ');
                    }
                } else if let Some(mut cell) = t.cell.take() {
                    cell.text = collapse_whitespace(&cell.text);
                    t.row.push(cell);
                }
            }
        }
        "w:tr" => {
            if let Some(t) = st.table.as_mut().filter(|t| t.nested == 0) {
                let row = std::mem::take(&mut t.row);
                t.rows.push(row);
            }
        }
        "w:tbl" => {
            if let Some(t) = st.table.as_mut()
                && t.nested > 0
            {
                t.nested -= 1;
            } else if let Some(t) = st.table.take() {
                builder.push_prose(&std::mem::take(&mut st.paragraph));
                builder.push_table(expand_docx_grid(t.rows, &mut st.cuts));
            }
        }
        _ => {}
    }
}

/// Expands `w:gridSpan` (copies to the right) and `w:vMerge` continuation cells (copies of the
/// cell above) into a rectangular grid.
fn expand_docx_grid(rows: Vec<Vec<DocxCell>>, cuts: &mut GridCuts) -> Vec<Vec<GridCell>> {
    let mut grid: Vec<Vec<GridCell>> = Vec::with_capacity(rows.len());
    for row in rows {
        let mut out: Vec<GridCell> = Vec::new();
        let cells = row.len();
        for (n, cell) in row.into_iter().enumerate() {
            let col = out.len();
            if col >= MAX_GRID_COLUMNS {
                cuts.cells_dropped += cells - n;
                break;
            }
            let (text, copied) = match cell.vmerge {
                VMerge::Continue => match grid.last().and_then(|above| above.get(col)) {
                    Some(above) => (above.text.clone(), true),
                    None => (cell.text, false),
                },
                VMerge::None | VMerge::Restart => (cell.text, false),
            };
            for i in 0..cell.span.clamp(1, MAX_COLSPAN) {
                if out.len() >= MAX_GRID_COLUMNS {
                    break;
                }
                out.push(GridCell {
                    text: text.clone(),
                    spanned: copied || i > 0,
                });
            }
        }
        grid.push(out);
    }
    let width = grid.iter().map(Vec::len).max().unwrap_or(0);
    for row in &mut grid {
        row.resize(width, GridCell::default());
    }
    grid
}

/// `dc:title` from `docProps/core.xml`.
fn core_title(xml: &str) -> Option<String> {
    let mut reader = Reader::from_str(xml);
    let mut in_title = false;
    let mut title = String::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if e.name().as_ref() == "dc:title" => in_title = true,
            Event::End(e) if e.name().as_ref() == "dc:title" => break,
            Event::Text(t) if in_title => title.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_title => title.extend(resolve_entity(&r)),
            Event::Eof => break,
            _ => {}
        }
    }
    Some(title).filter(|t| !t.trim().is_empty())
}

/// Test support: builds a minimal DOCX from the inner XML of `w:body`.
#[cfg(test)]
pub(crate) fn build_docx(body: &str) -> Vec<u8> {
    use std::io::Write;
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let parts = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>",
        ),
        ("word/document.xml", document.as_str()),
    ];
    for (name, content) in parts {
        zip.start_file(name, options).expect("zip entry");
        zip.write_all(content.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> String {
        format!("<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
    }

    fn tc(props: &str, text: &str) -> String {
        format!("<w:tc><w:tcPr>{props}</w:tcPr>{}</w:tc>", p(text))
    }

    #[test]
    fn paragraphs_tabs_breaks_and_ignored_text_boxes() {
        let body = format!(
            "{}<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"420\"/></w:tabs></w:pPr><w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙 &amp; 丁</w:t></w:r></w:p>\
             <w:p><w:r><w:drawing><w:txbxContent>{}</w:txbxContent></w:drawing><w:t>正文</w:t></w:r></w:p>",
            p("2023年政府信息公开工作年度报告"),
            p("文本框")
        );
        let d = read(&build_docx(&body)).expect("docx");
        assert_eq!(
            d.doc.lines,
            vec![
                "2023年政府信息公开工作年度报告",
                "甲\t乙",
                "丙 & 丁",
                "正文"
            ]
        );
        assert!(d.doc.tables.is_empty());
    }

    #[test]
    fn cells_beyond_the_widest_grid_are_dropped_and_reported() {
        let cells: String = (0..MAX_GRID_COLUMNS + 44)
            .map(|i| tc("", &i.to_string()))
            .collect();
        let body = format!("{}<w:tbl><w:tr>{cells}</w:tr></w:tbl>", p("表"));
        let d = read(&build_docx(&body)).unwrap();
        assert_eq!(d.doc.tables[0].rows[0].cells.len(), MAX_GRID_COLUMNS);
        assert_eq!(
            d.partial.as_deref(),
            Some("44 table cells beyond 256 columns dropped")
        );
    }

    #[test]
    fn grid_span_and_vertical_merge_are_expanded() {
        let body = format!(
            "{}<w:tbl><w:tr>{}{}</w:tr><w:tr>{}{}{}</w:tr><w:tr>{}{}{}</w:tr></w:tbl>{}",
            p("前言"),
            tc("<w:gridSpan w:val=\"2\"/>", "申请人情况"),
            tc("", "总计"),
            tc("<w:vMerge w:val=\"restart\"/>", "三、办理结果"),
            tc("", "（一）予以公开"),
            tc("", "5"),
            tc("<w:vMerge/>", ""),
            tc("", "（二）部分公开"),
            tc("", ""),
            p("后记"),
        );
        let d = read(&build_docx(&body)).expect("docx");
        assert_eq!(
            d.doc.lines,
            vec![
                "前言",
                "申请人情况\t申请人情况\t总计",
                "三、办理结果\t（一）予以公开\t5",
                "三、办理结果\t（二）部分公开\t",
                "后记"
            ]
        );
        let t = &d.doc.tables[0];
        assert_eq!(t.line_span, (2, 4));
        assert!(t.rows[0].cells[1].spanned && !t.rows[0].cells[0].spanned);
        assert!(t.rows[2].cells[0].spanned);
        assert_eq!(t.rows[2].cells[2].text, "");
        assert_eq!(t.rows[2].cells[2].line, 4);
    }

    #[test]
    fn nested_table_is_flattened_into_its_cell() {
        let inner = format!(
            "<w:tbl><w:tr>{}{}</w:tr></w:tbl>",
            tc("", "内1"),
            tc("", "内2")
        );
        let body = format!(
            "<w:tbl><w:tr>{}<w:tc>{}{inner}</w:tc></w:tr></w:tbl>",
            tc("", "外"),
            p("说明")
        );
        let d = read(&build_docx(&body)).expect("docx");
        assert_eq!(d.doc.tables.len(), 1);
        assert_eq!(d.doc.tables[0].rows[0].cells[1].text, "说明内1 内2");
    }

    #[test]
    fn damaged_containers_are_unreadable() {
        let good = build_docx(&p("正文"));
        for cut in [0, 10, good.len() / 2, good.len() - 5] {
            assert!(
                matches!(read(&good[..cut]), Err(ReadError::Unreadable(_))),
                "cut at {cut}"
            );
        }
        assert!(read(&build_docx("<w:p><w:r><w:t>未闭合")).is_err());
    }
}
