//! Spreadsheet reader: some agencies publish the statistical tables as XLS / XLSX / ODS.
//!
//! calamine reads the workbook; every sheet with data becomes one table (cells as displayed:
//! integers without ".0", other numbers as written), rendered under the contract of
//! [`super::grid`]. Merged regions (XLS, XLSX) are expanded: the top-left value is copied into
//! the other positions, marked `spanned`. Zip-based workbooks are checked for entry count
//! and declared sizes first, as DOCX files are.

use std::io::Cursor;

use calamine::{Cell, Data, DataRef, Dimensions, Range, Reader, Sheets, Xlsx};

use super::docx::{MAX_ENTRIES, MAX_PART_BYTES, open_zip};
use super::grid::{DocBuilder, GridCell, MAX_COLUMNS, collapse_whitespace};
use super::{Decoded, Format, ReadError};
use crate::budget::{Deadline, Every};

/// Largest sheet read, in cells; beyond it the sheet is cut (reports are a few hundred cells).
const MAX_CELLS: usize = 1_000_000;

/// Reads a spreadsheet.
pub fn read(bytes: &[u8]) -> Result<Decoded, ReadError> {
    read_within(bytes, &Deadline::none())
}

/// Reads a spreadsheet, sheet by sheet until `deadline` (calamine reads one sheet at a time
/// and cannot be stopped within one; a sheet is at most [`MAX_PART_BYTES`] of XML).
pub fn read_within(bytes: &[u8], deadline: &Deadline) -> Result<Decoded, ReadError> {
    // calamine can panic on hostile input (an overflow in its cell-reference parser, found by
    // fuzzing); a damaged workbook is an unreadable file, not a failed run.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_workbook(bytes, deadline)
    }))
    .unwrap_or_else(|_| {
        Err(ReadError::Unreadable(
            "damaged spreadsheet: the spreadsheet reader (calamine) failed on it".to_string(),
        ))
    })
}

fn read_workbook(bytes: &[u8], deadline: &Deadline) -> Result<Decoded, ReadError> {
    if bytes.starts_with(b"PK\x03\x04") {
        check_zip_sizes(bytes)?;
    }
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| ReadError::Unreadable(format!("damaged or unknown spreadsheet: {e}")))?;
    let mut builder = DocBuilder::new();
    let mut cuts = Vec::new();
    for name in book.sheet_names() {
        if deadline.expired("xls") {
            break;
        }
        let range = match &mut book {
            Sheets::Xlsx(x) => xlsx_range(x, &name, deadline).map(|(range, cut)| {
                cuts.extend(cut.map(|c| format!("sheet {name}: {c}")));
                range
            }),
            other => other.worksheet_range(&name).ok(),
        };
        let Some(range) = range else {
            continue;
        };
        let merges = merged_regions(&mut book, &name);
        let (grid, cut) = sheet_grid(&range, &merges);
        cuts.extend(cut.map(|c| format!("sheet {name}: {c}")));
        builder.push_table(grid);
    }
    let doc = builder.finish();
    if doc.tables.is_empty() && deadline.spent_in().is_none() {
        return Err(ReadError::Unreadable(
            "spreadsheet without data".to_string(),
        ));
    }
    Ok(Decoded {
        doc,
        encoding: None,
        partial: (!cuts.is_empty()).then(|| cuts.join("; ")),
    })
}

/// An XLSX sheet's cells as calamine's `worksheet_range` reads them (empty cells skipped,
/// the range spanning the cells found), but bounded: calamine makes the range as large as
/// the cells' bounding box, so a one-kilobyte sheet with a cell in A1 and another in
/// XFD1048576 asked for 17 billion positions (the run was killed for memory). Cells beyond
/// [`MAX_COLUMNS`] columns or past [`MAX_CELLS`] positions of the box are dropped, and said
/// so. `None` when the sheet cannot be read.
fn xlsx_range(
    x: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    deadline: &Deadline,
) -> Option<(Range<Data>, Option<String>)> {
    let mut reader = x.worksheet_cells_reader(name).ok()?;
    let mut cells: Vec<Cell<Data>> = Vec::new();
    let mut every = Every::new(4096);
    while let Some(cell) = reader.next_cell().ok()? {
        if every.expired(deadline, "xls") {
            break;
        }
        if !matches!(cell.get_value(), DataRef::Empty) {
            cells.push(Cell::new(
                cell.get_position(),
                cell.get_value().clone().into(),
            ));
        }
    }
    let (mut top, mut left, mut right) = (u32::MAX, u32::MAX, 0);
    for c in &cells {
        let (r, col) = c.get_position();
        (top, left, right) = (top.min(r), left.min(col), right.max(col));
    }
    let width = (right.saturating_sub(left) as usize + 1).min(MAX_COLUMNS);
    let rows = (MAX_CELLS / width.max(1)) as u64;
    let before = cells.len();
    cells.retain(|c| {
        let (r, col) = c.get_position();
        ((col - left) as usize) < MAX_COLUMNS && u64::from(r - top) < rows
    });
    let dropped = before - cells.len();
    let cut = (dropped > 0).then(|| {
        format!("{dropped} cells beyond {MAX_COLUMNS} columns or {MAX_CELLS} positions dropped")
    });
    Some((Range::from_sparse(cells), cut))
}

/// Refuses zip workbooks with too many entries or a part declared larger than the limit.
fn check_zip_sizes(bytes: &[u8]) -> Result<(), ReadError> {
    let mut zip = open_zip(bytes, "spreadsheet")?;
    for i in 0..zip.len().min(MAX_ENTRIES) {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| ReadError::Unreadable(format!("damaged spreadsheet (zip): {e}")))?;
        if entry.size() > MAX_PART_BYTES {
            return Err(ReadError::Unreadable(format!(
                "spreadsheet part {} is {} bytes uncompressed (limit {MAX_PART_BYTES})",
                entry.name().unwrap_or_default(),
                entry.size()
            )));
        }
    }
    Ok(())
}

/// Merged regions of a sheet, where the format records them.
fn merged_regions(book: &mut Sheets<Cursor<&[u8]>>, name: &str) -> Vec<Dimensions> {
    match book {
        Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
        Sheets::Xls(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
        Sheets::Xlsb(_) | Sheets::Ods(_) => Vec::new(),
    }
}

/// The displayed grid of a sheet with merged regions expanded, and what the bounds cut: rows
/// past [`MAX_CELLS`], and merged regions past as many copied positions (a thousand regions
/// each covering the whole sheet would otherwise cost its size a thousand times).
fn sheet_grid(range: &Range<Data>, merges: &[Dimensions]) -> (Vec<Vec<GridCell>>, Option<String>) {
    let Some((top, left)) = range.start() else {
        return (Vec::new(), None);
    };
    let width = range.width().max(1);
    let max_rows = MAX_CELLS / width;
    let mut cut = (range.height() > max_rows).then(|| {
        format!(
            "{} rows past {MAX_CELLS} cells dropped",
            range.height() - max_rows
        )
    });
    let mut copies_left = MAX_CELLS;
    let mut grid: Vec<Vec<GridCell>> = range
        .rows()
        .take(max_rows)
        .map(|row| {
            row.iter()
                .map(|d| GridCell {
                    text: display(d),
                    spanned: false,
                })
                .collect()
        })
        .collect();
    let (rows, cols) = (grid.len(), grid.first().map_or(0, Vec::len));
    for (i, m) in merges.iter().enumerate() {
        // The positions the region covers within the grid.
        let clipped = |a: u32, b: u32, origin: u32, len: usize| {
            let (a, b) = (
                a.saturating_sub(origin) as usize,
                b.saturating_sub(origin) as usize,
            );
            (b.min(len.saturating_sub(1)) + 1).saturating_sub(a)
        };
        let area = clipped(m.start.0, m.end.0, top, rows)
            .saturating_mul(clipped(m.start.1, m.end.1, left, cols));
        if area > copies_left {
            cut = Some(format!(
                "{} merged regions past {MAX_CELLS} copied cells ignored",
                merges.len() - i
            ));
            break;
        }
        copies_left -= area;
        let (Some(r0), Some(c0)) = (m.start.0.checked_sub(top), m.start.1.checked_sub(left)) else {
            continue;
        };
        let (r0, c0) = (r0 as usize, c0 as usize);
        let Some(text) = grid
            .get(r0)
            .and_then(|row| row.get(c0))
            .map(|c| c.text.clone())
        else {
            continue;
        };
        let (r1, c1) = (
            (m.end.0.saturating_sub(top)) as usize,
            (m.end.1.saturating_sub(left)) as usize,
        );
        for (r, row) in grid.iter_mut().enumerate().take(r1 + 1).skip(r0) {
            for (c, cell) in row.iter_mut().enumerate().take(c1 + 1).skip(c0) {
                if (r, c) != (r0, c0) {
                    *cell = GridCell {
                        text: text.clone(),
                        spanned: true,
                    };
                }
            }
        }
    }
    (grid, cut)
}

/// A cell as a spreadsheet displays it: whole numbers without ".0", others as written.
fn display(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => display_float(*f),
        Data::String(s) => collapse_whitespace(s),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => dt.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

fn display_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Tells a zip container's office format from its entries (`word/` → docx, `xl/` → xlsx,
/// an OpenDocument spreadsheet → xls); `None` for other zips and damaged ones.
pub fn sniff_zip(bytes: &[u8]) -> Option<Format> {
    let mut zip = open_zip(bytes, "zip").ok()?;
    let has = |zip: &zip::ZipArchive<Cursor<&[u8]>>, name: &str| zip.index_for_name(name).is_some();
    if has(&zip, "word/document.xml") {
        return Some(Format::Docx);
    }
    if has(&zip, "xl/workbook.xml") || has(&zip, "xl/workbook.bin") {
        return Some(Format::Xls);
    }
    let mimetype = super::docx::read_part(&mut zip, "mimetype")
        .ok()
        .flatten()?;
    mimetype
        .starts_with(b"application/vnd.oasis.opendocument.spreadsheet")
        .then_some(Format::Xls)
}

/// Test support: a minimal XLSX with one sheet of inline strings and numbers.
#[cfg(test)]
pub(crate) fn build_xlsx(rows: &[Vec<&str>], merges: &[&str]) -> Vec<u8> {
    let col = |i: usize| char::from(b'A' + (i as u8));
    let mut sheet_rows = String::new();
    for (r, row) in rows.iter().enumerate() {
        sheet_rows.push_str(&format!("<row r=\"{}\">", r + 1));
        for (c, v) in row.iter().enumerate() {
            let cref = format!("{}{}", col(c), r + 1);
            if v.is_empty() {
                continue;
            }
            if v.parse::<f64>().is_ok() {
                sheet_rows.push_str(&format!("<c r=\"{cref}\"><v>{v}</v></c>"));
            } else {
                sheet_rows.push_str(&format!(
                    "<c r=\"{cref}\" t=\"inlineStr\"><is><t>{v}</t></is></c>"
                ));
            }
        }
        sheet_rows.push_str("</row>");
    }
    let merge_xml = if merges.is_empty() {
        String::new()
    } else {
        let cells: String = merges
            .iter()
            .map(|m| format!("<mergeCell ref=\"{m}\"/>"))
            .collect();
        format!(
            "<mergeCells count=\"{}\">{cells}</mergeCells>",
            merges.len()
        )
    };
    build_xlsx_sheet(&sheet_rows, &merge_xml)
}

/// Test support: a minimal XLSX whose one sheet holds `sheet_rows` (`<row>` elements) and
/// `merge_xml`.
#[cfg(test)]
pub(crate) fn build_xlsx_sheet(sheet_rows: &str, merge_xml: &str) -> Vec<u8> {
    use std::io::Write;
    let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let parts = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
             <Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>"
                .to_string(),
        ),
        (
            "_rels/.rels",
            format!("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rel_ns}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"),
        ),
        (
            "xl/workbook.xml",
            format!("<?xml version=\"1.0\"?><workbook xmlns=\"{ns}\" xmlns:r=\"{rel_ns}\"><sheets><sheet name=\"表三\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rel_ns}/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>"),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!("<?xml version=\"1.0\"?><worksheet xmlns=\"{ns}\"><sheetData>{sheet_rows}</sheetData>{merge_xml}</worksheet>"),
        ),
    ];
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, content) in parts {
        zip.start_file(name, options).expect("zip entry");
        zip.write_all(content.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_xlsx_cells_as_displayed_with_merges() {
        let bytes = build_xlsx(
            &[
                vec!["信息内容", "本年制发件数", ""],
                vec!["规章", "3", "7730.28"],
                vec!["行政规范性文件", "12.0", ""],
            ],
            &["B1:C1"],
        );
        assert_eq!(sniff_zip(&bytes), Some(Format::Xls));
        let d = read(&bytes).expect("xlsx");
        assert_eq!(
            d.doc.lines,
            vec![
                "信息内容\t本年制发件数\t本年制发件数",
                "规章\t3\t7730.28",
                "行政规范性文件\t12\t"
            ]
        );
        let t = &d.doc.tables[0];
        assert!(t.rows[0].cells[2].spanned);
        assert_eq!(t.rows[2].cells[2].text, "");
        assert_eq!(t.line_span, (1, 3));
    }

    /// Two cells far apart: calamine's range would span the box between them (here 17
    /// billion positions); the cells beyond the widest grid are dropped and reported.
    #[test]
    fn cells_far_apart_do_not_blow_up_the_grid() {
        let rows = "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>项目</t></is></c><c r=\"B1\"><v>7</v></c></row>\
                    <row r=\"1048576\"><c r=\"XFD1048576\"><v>2</v></c></row>";
        let d = read(&build_xlsx_sheet(rows, "")).unwrap();
        assert_eq!(d.doc.tables.len(), 1);
        assert_eq!(d.doc.tables[0].rows.len(), 1);
        assert_eq!(d.doc.tables[0].rows[0].cells[1].text, "7");
        let why = d.partial.unwrap();
        assert!(why.contains("1 cells beyond 256 columns"), "{why}");
    }

    #[test]
    fn floats_display_as_written() {
        assert_eq!(display_float(21.0), "21");
        assert_eq!(display_float(96171.6), "96171.6");
        assert_eq!(display_float(0.1 + 0.2), "0.30000000000000004");
    }

    #[test]
    fn damaged_workbooks_are_unreadable() {
        let good = build_xlsx(&[vec!["a", "1"]], &[]);
        for cut in [0, 4, good.len() / 2, good.len() - 3] {
            assert!(
                matches!(read(&good[..cut]), Err(ReadError::Unreadable(_))),
                "cut at {cut}"
            );
        }
        assert_eq!(sniff_zip(b"PK\x03\x04junk"), None);
        assert_eq!(
            sniff_zip(&super::super::docx::build_docx("<w:p/>")),
            Some(Format::Docx)
        );
    }
}
