//! Ingest: from a file's bytes to a [`Document`].
//!
//! [`sniff_format`] decides what a file is (by content first, the extension second: crawlers
//! name files badly), [`read_document`] hands the bytes to the reader of that format. Readers
//! never panic on bad input and never guess silently: they return a [`ReadError`] saying why a
//! file cannot be read, or a [`Decoded`] whose `partial` says what was lost.

pub mod decode;
pub mod docx;
pub mod html;
pub mod pdf;
pub mod sheet;
pub mod txt;

use std::path::Path;

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
    if head.starts_with(b"%PDF") {
        return Format::Pdf;
    }
    if head.starts_with(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) {
        // OLE compound file: legacy Word, WPS or Excel.
        return match extension(path).as_str() {
            "xls" | "et" => Format::Xls,
            _ => Format::Doc,
        };
    }
    if head.starts_with(b"PK\x03\x04") {
        return match extension(path).as_str() {
            "xlsx" | "xlsm" | "ods" => Format::Xls,
            "docx" | "wps" | "docm" => Format::Docx,
            _ => sheet::sniff_zip(bytes).unwrap_or(Format::Other),
        };
    }
    let ext = extension(path);
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
        _ if decode::looks_like_text(head) => Format::Txt,
        _ => Format::Other,
    }
}

fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

fn looks_like_html(head: &[u8]) -> bool {
    let text: String = String::from_utf8_lossy(head).to_ascii_lowercase();
    let t = text.trim_start_matches('\u{feff}').trim_start();
    t.starts_with("<!doctype html") || t.starts_with("<html") || t.contains("<html") || t.contains("<body") || t.contains("<meta ")
}

/// Reads a file's bytes in the given format into a document.
pub fn read_document(format: Format, bytes: &[u8]) -> Result<Decoded, ReadError> {
    match format {
        Format::Txt => txt::read(bytes),
        Format::Html => html::read(bytes),
        Format::Docx => docx::read(bytes),
        Format::Pdf => pdf::read(bytes),
        Format::Xls => sheet::read(bytes),
        Format::Doc => Err(ReadError::Unsupported(
            "legacy binary Word/WPS document (.doc): not read; convert to .docx".to_string(),
        )),
        Format::Other => Err(ReadError::Unsupported("not a text, HTML, Word, PDF or spreadsheet file".to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_before_extension() {
        assert_eq!(sniff_format(Path::new("a.html"), b"%PDF-1.4"), Format::Pdf);
        assert_eq!(sniff_format(Path::new("a.txt"), b"<!DOCTYPE html><html>"), Format::Html);
        assert_eq!(sniff_format(Path::new("a"), "政府信息公开".as_bytes()), Format::Txt);
    }
}
