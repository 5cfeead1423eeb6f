//! Ingest: from a file's bytes to a [`Document`].
//!
//! [`sniff_format`] decides what a file is (by content first, the extension second: crawlers
//! name files badly), [`read_document`] hands the bytes to the reader of that format. Readers
//! never panic on bad input and never guess silently: they return a [`ReadError`] saying why a
//! file cannot be read, or a [`Decoded`] whose `partial` says what was lost.

pub mod decode;
pub mod depth;
pub mod docx;
pub mod grid;
pub mod html;
pub mod pdf;
pub mod sheet;
pub mod simplify;
pub mod txt;

use std::path::Path;

use crate::budget::Deadline;
use crate::document::Document;

/// The container format of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain text.
    Txt,
    /// HTML page.
    Html,
    /// Office Open XML word document.
    Docx,
    /// PDF.
    Pdf,
    /// Legacy binary Word / WPS.
    Doc,
    /// Spreadsheet (xls, xlsx, et).
    Xls,
    /// Anything else (images, archives, binaries).
    Other,
}

impl Format {
    /// The name written to reports.parquet.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Txt => "txt",
            Format::Html => "html",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Doc => "doc",
            Format::Xls => "xls",
            Format::Other => "other",
        }
    }
}

/// A decoded document and how it was decoded.
#[derive(Debug, Clone, Default)]
pub struct Decoded {
    /// The document model.
    pub doc: Document,
    /// The text encoding used, e.g. `UTF-8`, `GB18030`, `UTF-16LE`; `None` for binary formats
    /// whose text is Unicode by construction.
    pub encoding: Option<String>,
    /// Set when part of the file could not be read (e.g. replacement characters), with why.
    pub partial: Option<String>,
}

/// Why a file could not be turned into a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// A format xxgk does not read (or not without a missing tool).
    #[error("{0}")]
    Unsupported(String),
    /// The file is damaged, empty or not what its format claims.
    #[error("{0}")]
    Unreadable(String),
}

/// Decides a file's format from its first bytes, falling back to the extension.
pub fn sniff_format(path: &Path, bytes: &[u8]) -> Format {
    let head = &bytes[..bytes.len().min(1024)];
    let ext = extension(path);
    if head.starts_with(b"%PDF") || (ext == "pdf" && head.windows(5).any(|w| w == b"%PDF-")) {
        return Format::Pdf;
    }
    if head.starts_with(&OLE_MAGIC) {
        return sniff_ole(&ext, bytes);
    }
    if head.starts_with(b"PK\x03\x04") {
        return sheet::sniff_zip(bytes).unwrap_or(match ext.as_str() {
            "xlsx" | "xlsm" | "ods" | "et" => Format::Xls,
            "docx" | "wps" | "docm" => Format::Docx,
            _ => Format::Other,
        });
    }
    if NOT_DOCUMENT_EXTENSIONS.contains(&ext.as_str()) && !starts_like_markup(head) {
        return Format::Other;
    }
    if looks_like_html(head) {
        return Format::Html;
    }
    match ext.as_str() {
        "txt" | "text" | "csv" | "md" => Format::Txt,
        "html" | "htm" | "shtml" | "xhtml" | "jsp" | "php" | "asp" | "aspx" => Format::Html,
        "docx" => Format::Docx,
        "pdf" => Format::Pdf,
        "doc" | "wps" => Format::Doc,
        "xls" | "xlsx" | "et" => Format::Xls,
        _ if !head.is_empty() && decode::looks_like_text(head) => Format::Txt,
        _ => Format::Other,
    }
}

/// Text files a crawl saves that are never documents: style sheets, scripts, data feeds and
/// source maps. Read as text they would only be classified `not_report`; they are `other`.
const NOT_DOCUMENT_EXTENSIONS: &[&str] = &["css", "js", "mjs", "json", "map", "ico", "svg"];

/// True when the bytes open with markup (`<`, after a byte-order mark and whitespace): a page
/// saved under a script's name is still a page.
fn starts_like_markup(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    head.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'<')
}

/// Signature of an OLE compound file (legacy Word, WPS, Excel).
const OLE_MAGIC: [u8; 8] = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/// An OLE file is a workbook when named so, or when it has an Excel stream and no Word one.
fn sniff_ole(ext: &str, bytes: &[u8]) -> Format {
    match ext {
        "xls" | "et" => Format::Xls,
        "doc" | "wps" | "dot" => Format::Doc,
        _ if ole_is_workbook(bytes) => Format::Xls,
        _ => Format::Doc,
    }
}

/// True when the OLE directory names a `Workbook`/`Book` stream but no `WordDocument` one
/// (directory entry names are UTF-16LE).
fn ole_is_workbook(bytes: &[u8]) -> bool {
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let has = |name: &str| {
        let needle = utf16(name);
        bytes.windows(needle.len()).any(|w| w == needle.as_slice())
    };
    !has("WordDocument") && (has("Workbook") || has("Book\0"))
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// True when the head of a file holds `<html`, `<body` or `<meta ` anywhere, or opens (after
/// byte-order marks and whitespace) with `<!doctype html`, in any letter case.
///
/// The tags are ASCII, so they are looked for in the bytes, at each `<`: no lossy decoding or
/// lower-cased copy of the head (most files are text without a single `<`). Only a head that
/// has a doctype somewhere is decoded, to tell whether it opens the file.
fn looks_like_html(head: &[u8]) -> bool {
    let has_tag = |tag: &[u8]| {
        head.iter().enumerate().any(|(i, &b)| {
            b == b'<'
                && head
                    .get(i..i + tag.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(tag))
        })
    };
    if has_tag(b"<html") || has_tag(b"<body") || has_tag(b"<meta ") {
        return true;
    }
    has_tag(b"<!doctype html") && {
        let text = String::from_utf8_lossy(head);
        let t = text.trim_start_matches('\u{feff}').trim_start();
        t.get(..14)
            .is_some_and(|s| s.eq_ignore_ascii_case("<!doctype html"))
    }
}

/// Reads a file's bytes in the given format into a document. Text formats whose decoded text
/// is mostly control characters are refused as binary; predominantly traditional-character
/// documents are converted to simplified characters (see [`simplify`]).
pub fn read_document(format: Format, bytes: &[u8]) -> Result<Decoded, ReadError> {
    read_document_within(format, bytes, &Deadline::none())
}

/// [`read_document`], every reader stopping early once `deadline` has passed (the caller
/// then finds [`Deadline::spent_in`] set, and the document short).
pub fn read_document_within(
    format: Format,
    bytes: &[u8],
    deadline: &Deadline,
) -> Result<Decoded, ReadError> {
    let mut decoded = match format {
        Format::Txt => txt::read_within(bytes, deadline),
        Format::Html => html::read_within(bytes, deadline),
        Format::Docx => docx::read_within(bytes, deadline),
        Format::Pdf => pdf::read_within(bytes, deadline),
        Format::Xls => sheet::read_within(bytes, deadline),
        Format::Doc => read_ole(bytes),
        Format::Other if bytes.is_empty() => Err(ReadError::Unreadable("empty file".to_string())),
        Format::Other => Err(ReadError::Unsupported(
            "not a text, HTML, Word, PDF or spreadsheet file".to_string(),
        )),
    }?;
    if format == Format::Txt && decode::is_binary_lines(&decoded.doc.lines) {
        return Err(ReadError::Unreadable(
            "binary content, not text".to_string(),
        ));
    }
    if deadline.expired("simplify") {
        return Ok(decoded);
    }
    simplify::simplify_document(&mut decoded.doc);
    if matches!(format, Format::Html | Format::Docx) && decoded.doc.tables.is_empty() {
        // A page or document without table markup may still hold the statistics as text
        // (tab-aligned paragraphs in Word, a <pre> block, a table flattened by a crawler).
        crate::document::layout::find_tables_within(&mut decoded.doc, deadline);
    }
    Ok(decoded)
}

/// Legacy OLE files: workbooks are read by calamine, Word/WPS documents are not read.
fn read_ole(bytes: &[u8]) -> Result<Decoded, ReadError> {
    if ole_is_workbook(bytes) {
        return sheet::read(bytes);
    }
    if !bytes.starts_with(&OLE_MAGIC) {
        return Err(ReadError::Unreadable(
            "not a legacy Word/WPS document (no OLE signature)".to_string(),
        ));
    }
    Err(ReadError::Unsupported(
        "legacy binary Word/WPS document (.doc/.wps): not read; convert to .docx".to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_before_extension() {
        assert_eq!(sniff_format(Path::new("a.html"), b"%PDF-1.4"), Format::Pdf);
        assert_eq!(
            sniff_format(Path::new("a.txt"), b"<!DOCTYPE html><html>"),
            Format::Html
        );
        assert_eq!(
            sniff_format(Path::new("a"), "政府信息公开".as_bytes()),
            Format::Txt
        );
    }

    #[test]
    fn html_is_recognised_by_its_tags_in_any_case() {
        assert!(looks_like_html(b"\xef\xbb\xbf \n<!DOCTYPE HTML>\n<p>x"));
        assert!(looks_like_html("正文<BODY>".as_bytes()));
        assert!(looks_like_html(b"\xd5\xfe<Meta charset=gbk>"));
        assert!(!looks_like_html(b"text <!doctype html> later"));
        assert!(!looks_like_html(b"<metadata> <htm"));
        assert!(!looks_like_html("政府信息公开".as_bytes()));
    }

    #[test]
    fn scripts_and_styles_are_not_documents_unless_they_are_pages() {
        assert_eq!(
            sniff_format(Path::new("site/css/style.css"), b"body{margin:0}"),
            Format::Other
        );
        assert_eq!(
            sniff_format(Path::new("common.js"), b"(function(){var a='<html>';})()"),
            Format::Other
        );
        assert_eq!(
            sniff_format(Path::new("page.js"), b"\n<!DOCTYPE html><html><body>"),
            Format::Html
        );
        // Known only by name (a file over the size limit is not read).
        assert_eq!(sniff_format(Path::new("intro.mp4"), b""), Format::Other);
        assert_eq!(sniff_format(Path::new("big.txt"), b""), Format::Txt);
        assert!(matches!(
            read_document(Format::Other, b""),
            Err(ReadError::Unreadable(r)) if r == "empty file"
        ));
    }
}
