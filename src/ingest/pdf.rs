//! PDF reader: reports with a text layer, extracted by poppler's `pdftotext -layout`.
//!
//! No Rust PDF crate extracts CJK text with its column layout as reliably as poppler, so the
//! bytes go to a temporary file and `pdftotext -layout -enc UTF-8` runs on it with a timeout
//! (killed when it expires). Its output is plain text whose tables are implied by aligned
//! columns, so it goes through [`crate::document::layout::find_tables`] like a `.txt` file.
//! Page breaks (form feeds) become line breaks. A PDF without a text layer (a scan) is
//! unsupported, not empty.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{Decoded, ReadError};
use crate::document::{Document, layout};

/// How long pdftotext may run on one file.
pub const TIMEOUT: Duration = Duration::from_secs(60);
/// Reason given when poppler is not installed.
pub const MISSING_TOOL: &str =
    "PDF needs pdftotext: install poppler-utils (apt-get install poppler-utils)";
/// Reason given for a PDF without a text layer.
pub const SCANNED: &str = "scanned PDF: no text layer";

/// Reads a PDF file.
pub fn read(bytes: &[u8]) -> Result<Decoded, ReadError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ReadError::Unreadable("empty file".to_string()));
    }
    let text = run_pdftotext(bytes, TIMEOUT)?;
    if !has_text_layer(&text) {
        return Err(ReadError::Unsupported(SCANNED.to_string()));
    }
    let mut doc = Document::from_text(&text.replace('\x0c', "\n"));
    layout::find_tables(&mut doc);
    let replaced = text.chars().filter(|&c| c == '\u{fffd}').count();
    let partial = (replaced > 0)
        .then(|| format!("{replaced} characters of the text layer could not be decoded"));
    Ok(Decoded {
        doc,
        encoding: None,
        partial,
    })
}

/// Temporary files of one pdftotext run, removed when dropped.
struct TempFiles {
    pdf: PathBuf,
    txt: PathBuf,
    err: PathBuf,
}

impl TempFiles {
    fn new() -> TempFiles {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let stem =
            std::env::temp_dir().join(format!("xxgk-pdf-{}-{n}-{nanos}", std::process::id()));
        let with = |ext: &str| stem.with_extension(ext);
        TempFiles {
            pdf: with("pdf"),
            txt: with("txt"),
            err: with("err"),
        }
    }
}

impl Drop for TempFiles {
    fn drop(&mut self) {
        for path in [&self.pdf, &self.txt, &self.err] {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Runs `pdftotext -layout -enc UTF-8` on the bytes and returns its text.
pub fn run_pdftotext(bytes: &[u8], timeout: Duration) -> Result<String, ReadError> {
    let files = TempFiles::new();
    let io_err =
        |e: std::io::Error| ReadError::Unreadable(format!("cannot stage PDF for pdftotext: {e}"));
    std::fs::write(&files.pdf, bytes).map_err(io_err)?;
    let stderr = File::create(&files.err).map_err(io_err)?;
    let spawned = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&files.pdf)
        .arg(&files.txt)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ReadError::Unsupported(MISSING_TOOL.to_string()));
        }
        Err(e) => return Err(ReadError::Unreadable(format!("cannot run pdftotext: {e}"))),
    };
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ReadError::Unreadable("pdftotext timed out".to_string()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(ReadError::Unreadable(format!("pdftotext failed: {e}"))),
        }
    };
    if !status.success() {
        return Err(ReadError::Unreadable(format!(
            "pdftotext failed: {}",
            stderr_summary(&files.err)
        )));
    }
    let out = std::fs::read(&files.txt)
        .map_err(|e| ReadError::Unreadable(format!("pdftotext wrote no text: {e}")))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The first meaningful lines of pdftotext's error output, e.g. "Incorrect password".
fn stderr_summary(path: &Path) -> String {
    let text = std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(3)
        .collect();
    if lines.is_empty() {
        "no error message".to_string()
    } else {
        lines.join("; ")
    }
}

/// True when the extracted text has more than page numbers and whitespace.
fn has_text_layer(text: &str) -> bool {
    let meaningful: usize = text
        .split(['\n', '\x0c'])
        .map(str::trim)
        .filter(|line| !is_page_number(line))
        .map(|line| line.chars().filter(|c| !c.is_whitespace()).count())
        .sum();
    meaningful >= 10
}

/// Lines such as `3`, `- 3 -`, `—3—`, `第3页`, `3/5`, `第 3 页 共 5 页`.
fn is_page_number(line: &str) -> bool {
    line.chars().all(|c| {
        c.is_ascii_digit()
            || c.is_whitespace()
            || matches!(
                c,
                '-' | '—' | '－' | '/' | '第' | '页' | '共' | '.' | '·' | '(' | ')' | '（' | '）'
            )
            || c.is_ascii_alphabetic() && "pagePAGEof".contains(c)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_are_not_a_text_layer() {
        assert!(!has_text_layer(
            "\x0c - 1 -\n\x0c第 2 页 共 5 页\n 3/5\n Page 4 of 5"
        ));
        assert!(has_text_layer("2023年政府信息公开工作年度报告\n- 1 -"));
        assert!(is_page_number("— 12 —"));
        assert!(!is_page_number("一、总体情况"));
    }

    #[test]
    fn garbage_is_unreadable_not_a_panic() {
        let r = read(b"%PDF-1.4\n garbage without objects");
        assert!(
            matches!(
                r,
                Err(ReadError::Unreadable(_)) | Err(ReadError::Unsupported(_))
            ),
            "{r:?}"
        );
        assert!(read(b"").is_err());
    }
}
