//! PDF reader: reports with a text layer, extracted by poppler's `pdftotext -layout`.
//!
//! No Rust PDF crate extracts CJK text with its column layout as reliably as poppler, so the
//! bytes go to a temporary file and `pdftotext -layout -enc UTF-8` runs on it within the
//! file's time budget (killed when it is spent; without a budget, after [`TIMEOUT`]), on at
//! most [`MAX_PAGES`] pages. Its output is plain text whose tables are implied by aligned
//! columns, so it goes through [`crate::document::layout::find_tables`] like a `.txt` file.
//! Page breaks (form feeds) become line breaks. A PDF without a text layer (a scan) is
//! unsupported, not empty.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{Decoded, ReadError};
use crate::budget::Deadline;
use crate::document::{Document, layout};

/// How long pdftotext may run on one file read without a time budget.
pub const TIMEOUT: Duration = Duration::from_secs(60);
/// Pages read of one PDF (an annual report has a few dozen; a 5,000-page gazette is not one).
pub const MAX_PAGES: usize = 2000;
/// Reason given when poppler is not installed.
pub const MISSING_TOOL: &str =
    "PDF needs pdftotext: install poppler-utils (apt-get install poppler-utils)";
/// Reason given for a PDF without a text layer.
pub const SCANNED: &str = "scanned PDF: no text layer";

/// Reads a PDF file.
pub fn read(bytes: &[u8]) -> Result<Decoded, ReadError> {
    read_within(bytes, &Deadline::none())
}

/// Reads a PDF file within `deadline`: pdftotext is killed when it passes (the deadline then
/// names pdftotext as the stage that spent it).
pub fn read_within(bytes: &[u8], deadline: &Deadline) -> Result<Decoded, ReadError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ReadError::Unreadable("empty file".to_string()));
    }
    let text = match deadline.remaining() {
        Some(left) => match run_pdftotext(bytes, left) {
            Err(ReadError::Unreadable(why)) if why == TIMED_OUT => {
                deadline.spend("pdftotext");
                return Ok(Decoded::default());
            }
            other => other?,
        },
        None => run_pdftotext(bytes, TIMEOUT)?,
    };
    let (text, pages_cut) = first_pages(&text, MAX_PAGES);
    if !has_text_layer(text) {
        return Err(ReadError::Unsupported(SCANNED.to_string()));
    }
    let mut doc = Document::from_text(&text.replace('\x0c', "\n"));
    layout::find_tables_within(&mut doc, deadline);
    let replaced = text.chars().filter(|&c| c == '\u{fffd}').count();
    let mut notes = Vec::new();
    if replaced > 0 {
        notes.push(format!(
            "{replaced} characters of the text layer could not be decoded"
        ));
    }
    if pages_cut {
        notes.push(format!(
            "PDF longer than {MAX_PAGES} pages: only the first {MAX_PAGES} read"
        ));
    }
    let partial = (!notes.is_empty()).then(|| notes.join("; "));
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
        .args(["-layout", "-enc", "UTF-8", "-l"])
        .arg((MAX_PAGES + 1).to_string())
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
    let status = match wait_or_kill(&mut child, timeout) {
        Ok(Some(status)) => status,
        Ok(None) => return Err(ReadError::Unreadable(TIMED_OUT.to_string())),
        Err(e) => return Err(ReadError::Unreadable(format!("pdftotext failed: {e}"))),
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

/// Reason given when pdftotext ran out of time and was killed.
pub const TIMED_OUT: &str = "pdftotext timed out";

/// Waits for `child` at most `timeout`, then kills it (and reaps it): `None` when it was
/// killed. Polls, first often (most runs take milliseconds), then every 10 ms.
pub fn wait_or_kill(
    child: &mut std::process::Child,
    timeout: Duration,
) -> std::io::Result<Option<std::process::ExitStatus>> {
    let started = Instant::now();
    let mut pause = Duration::from_micros(500);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let elapsed = started.elapsed();
        if elapsed >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(pause.min(timeout - elapsed));
        pause = (pause * 2).min(Duration::from_millis(10));
    }
}

/// The text of the first `max` pages (pdftotext ends each page with a form feed), and
/// whether there were more.
fn first_pages(text: &str, max: usize) -> (&str, bool) {
    match text.match_indices('\x0c').nth(max.saturating_sub(1)) {
        Some((at, _)) if text[at + 1..].chars().any(|c| !c.is_whitespace()) => (&text[..=at], true),
        _ => (text, false),
    }
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
    fn pages_past_the_bound_are_cut() {
        assert_eq!(first_pages("a\x0cb\x0c", 2), ("a\x0cb\x0c", false));
        assert_eq!(first_pages("a\x0cb\x0cc\x0c", 2), ("a\x0cb\x0c", true));
        assert_eq!(first_pages("a\x0cb\x0c \n", 2), ("a\x0cb\x0c \n", false));
    }

    #[cfg(unix)]
    #[test]
    fn a_converter_over_its_time_is_killed() {
        let mut child = Command::new("sleep").arg("30").spawn().expect("sleep");
        let started = Instant::now();
        let status = wait_or_kill(&mut child, Duration::from_millis(50)).expect("wait");
        assert_eq!(status, None);
        assert!(started.elapsed() < Duration::from_secs(20));
        let mut quick = Command::new("true").spawn().expect("true");
        let status = wait_or_kill(&mut quick, Duration::from_secs(20)).expect("wait");
        assert!(status.is_some_and(|s| s.success()));
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
