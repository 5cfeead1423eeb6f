//! A crawl dump as it really is: reports next to everything else a government site serves.
//!
//! `tests/fixtures/crawl/tree/` (built by `make.py` beside it) is a small crawl of five sites
//! (site/column/file): the seed reports as a UTF-8 page, a GB2312 page, a DOCX attachment, a
//! PDF, UTF-16 and GB18030 text; the pages that are not reports (公开指南, 公开目录, the
//! 依申请公开 form, a news item mentioning the 年度报告, the column index listing the reports,
//! all with the site's menu naming 政府信息公开年度报告); an image, a zip, a style sheet, a
//! script; byte-identical copies; the same report as a page and as its Word attachment; an
//! empty file, binary junk named .html, a truncated DOCX and PDF, a legacy .doc, and a video
//! larger than `--max-file-bytes`. The test copies the tree, adds a broken symlink, runs the
//! binary over it and checks reports.parquet row by row and facts.parquet against it. The
//! expectations come from what each file is, written out below.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow_array::{Array, Int16Array, Int32Array, RecordBatch, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn tree() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/crawl/tree")
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk fixture tree");
        let rel = entry.path().strip_prefix(from).expect("inside tree");
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

fn read_all(path: &Path) -> Vec<RecordBatch> {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet")
        .build()
        .expect("reader")
        .map(|b| b.expect("batch"))
        .collect()
}

fn strings(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let col = b
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    let s = col
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap_or_else(|| panic!("{name} is not utf8"));
    (0..s.len())
        .map(|i| s.is_valid(i).then(|| s.value(i).to_string()))
        .collect()
}

fn int32s(b: &RecordBatch, name: &str) -> Vec<i32> {
    let s = b
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<Int32Array>())
        .unwrap_or_else(|| panic!("{name} is not int32"));
    (0..s.len()).map(|i| s.value(i)).collect()
}

fn int16s(b: &RecordBatch, name: &str) -> Vec<Option<i16>> {
    let s = b
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<Int16Array>())
        .unwrap_or_else(|| panic!("{name} is not int16"));
    (0..s.len())
        .map(|i| s.is_valid(i).then(|| s.value(i)))
        .collect()
}

/// One reports.parquet row.
#[derive(Debug, Clone)]
struct Row {
    report_id: String,
    format: String,
    encoding: Option<String>,
    status: String,
    reason: Option<String>,
    agency: Option<String>,
    year: Option<i16>,
    facts: i32,
    duplicate_of: Option<String>,
}

/// What a file is expected to become.
struct Want {
    path: &'static str,
    format: &'static str,
    encoding: Option<&'static str>,
    status: &'static str,
    /// Words the reason must contain (every non-ok row has a reason).
    reason: &'static [&'static str],
}

const fn want(
    path: &'static str,
    format: &'static str,
    encoding: Option<&'static str>,
    status: &'static str,
    reason: &'static [&'static str],
) -> Want {
    Want {
        path,
        format,
        encoding,
        status,
        reason,
    }
}

const BROKEN_LINK: &str = "www.wendeng.gov.cn/module/download/P020220201_moved.pdf";

fn pdftotext_available() -> bool {
    Command::new("pdftotext").arg("-v").output().is_ok()
}

/// Every file of the tree (and the symlink the test adds), with what it must become.
fn expectations() -> Vec<Want> {
    let pdf_tool = pdftotext_available();
    let (pdf_report, pdf_report_reason): (&str, &'static [&'static str]) = if pdf_tool {
        ("ok", &[])
    } else {
        ("unsupported", &["pdftotext"])
    };
    let (cut_pdf, cut_pdf_reason): (&str, &'static [&'static str]) = if pdf_tool {
        ("unreadable", &["pdftotext failed"])
    } else {
        ("unsupported", &["pdftotext"])
    };
    const NOT_REPORT: &str = "not an annual information-disclosure report";
    const NOT_DOCUMENT: &str = "not a text, HTML, Word, PDF or spreadsheet file";
    vec![
        // Seed 002 exported from Word as UTF-16LE text.
        want(
            "kjj.wenzhou.gov.cn/xxgk/ndbg/2017.txt",
            "txt",
            Some("UTF-16LE"),
            "ok",
            &[],
        ),
        want(
            "www.huancui.gov.cn/images/banner.jpg",
            "other",
            None,
            "unsupported",
            &[NOT_DOCUMENT],
        ),
        // Seed 000 as a GB2312 page, published in two columns byte for byte.
        want(
            "www.huancui.gov.cn/xxgk/ndbg/2018/t20180320_000.html",
            "html",
            Some("GB18030"),
            "ok",
            &[],
        ),
        want(
            "www.huancui.gov.cn/zwgk/ndbg/t20180320_000.html",
            "html",
            Some("GB18030"),
            "duplicate",
            &[
                "byte-identical",
                "www.huancui.gov.cn/xxgk/ndbg/2018/t20180320_000.html",
            ],
        ),
        // Seed 004 in GB18030 with two bytes lost mid-character in a prose paragraph.
        want(
            "www.jlcy.gov.cn/xxgk/ndbg/2017.txt",
            "txt",
            Some("GB18030"),
            "partial",
            &["could not be decoded as GB18030"],
        ),
        // Seed 003 as its page, and as the Word attachment of that page (below).
        want(
            "www.wendeng.gov.cn/art/2022/1/27/art_ndbg_003.html",
            "html",
            Some("UTF-8"),
            "ok",
            &[],
        ),
        want(
            "www.wendeng.gov.cn/art/2022/1/28/art_empty.html",
            "html",
            None,
            "unreadable",
            &["empty file"],
        ),
        want(
            "www.wendeng.gov.cn/art/2022/1/28/art_junk.html",
            "html",
            None,
            "unreadable",
            &["binary content"],
        ),
        want(
            "www.wendeng.gov.cn/art/2022/3/1/art_news_1.html",
            "html",
            Some("UTF-8"),
            "not_report",
            &[NOT_REPORT, "no 政府信息公开工作年度报告 title"],
        ),
        want(
            "www.wendeng.gov.cn/col/gkml/index.html",
            "html",
            Some("UTF-8"),
            "not_report",
            &[NOT_REPORT, "公开目录"],
        ),
        want(
            "www.wendeng.gov.cn/col/gkzn/index.html",
            "html",
            Some("UTF-8"),
            "not_report",
            &[NOT_REPORT, "公开指南"],
        ),
        want(
            "www.wendeng.gov.cn/col/ndbg/index.html",
            "html",
            Some("UTF-8"),
            "not_report",
            &[NOT_REPORT, "list of 5 report titles"],
        ),
        want(
            "www.wendeng.gov.cn/col/ysqgk/sqb.html",
            "html",
            Some("UTF-8"),
            "not_report",
            &[NOT_REPORT, "申请表"],
        ),
        want(
            "www.wendeng.gov.cn/css/style.css",
            "other",
            None,
            "unsupported",
            &[NOT_DOCUMENT],
        ),
        want(
            "www.wendeng.gov.cn/images/banner.jpg",
            "other",
            None,
            "duplicate",
            &["byte-identical", "www.huancui.gov.cn/images/banner.jpg"],
        ),
        want(
            "www.wendeng.gov.cn/js/common.js",
            "other",
            None,
            "unsupported",
            &[NOT_DOCUMENT],
        ),
        want(
            BROKEN_LINK,
            "other",
            None,
            "unreadable",
            &["broken symlink"],
        ),
        want(
            "www.wendeng.gov.cn/module/download/P020190301_old.doc",
            "doc",
            None,
            "unsupported",
            &["legacy binary Word", ".doc"],
        ),
        want(
            "www.wendeng.gov.cn/module/download/P020220127_ndbg2021.docx",
            "docx",
            None,
            "duplicate",
            &[
                "same report as",
                "www.wendeng.gov.cn/art/2022/1/27/art_ndbg_003.html",
            ],
        ),
        want(
            "www.wendeng.gov.cn/module/download/P020220128_cut.docx",
            "docx",
            None,
            "unreadable",
            &["damaged DOCX"],
        ),
        want(
            "www.wendeng.gov.cn/module/download/P020220128_cut.pdf",
            "pdf",
            None,
            cut_pdf,
            cut_pdf_reason,
        ),
        want(
            "www.wendeng.gov.cn/module/download/ndbg_all.zip",
            "other",
            None,
            "unsupported",
            &[NOT_DOCUMENT],
        ),
        want(
            "www.wendeng.gov.cn/video/intro.mp4",
            "other",
            None,
            "unsupported",
            &["file too large"],
        ),
        // Seed 001 as a PDF printed from Word.
        want(
            "www.whsme.gov.cn/xxgk/P020180320_001.pdf",
            "pdf",
            None,
            pdf_report,
            pdf_report_reason,
        ),
    ]
}

/// Runs the binary over a copy of the tree with a broken symlink added and the video made
/// "too large"; returns the output directory and the corpus copy.
fn run_crawl() -> (tempfile::TempDir, tempfile::TempDir) {
    let corpus = tempfile::tempdir().expect("tempdir");
    copy_tree(&tree(), corpus.path());
    let link = corpus.path().join(BROKEN_LINK);
    #[cfg(unix)]
    std::os::unix::fs::symlink("../../../nowhere/P020220201.pdf", &link).expect("symlink");
    #[cfg(not(unix))]
    std::fs::write(&link, b"").expect("placeholder");
    let video = corpus.path().join("www.wendeng.gov.cn/video/intro.mp4");
    let video_bytes = std::fs::metadata(&video).expect("video").len();
    let others_max = walkdir::WalkDir::new(corpus.path())
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.path() != video)
        .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .max()
        .unwrap_or(0);
    assert!(
        others_max < video_bytes - 1,
        "the video must be the only file over the limit"
    );
    let out = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_xxgk"))
        .arg("run")
        .arg(corpus.path())
        .arg("-o")
        .arg(out.path())
        .args(["-q", "-j", "2", "--max-file-bytes"])
        .arg((video_bytes - 1).to_string())
        .output()
        .expect("run xxgk");
    assert!(
        output.status.success(),
        "xxgk run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (out, corpus)
}

fn report_rows(out: &Path) -> BTreeMap<String, Row> {
    let mut rows = BTreeMap::new();
    for b in read_all(&out.join("reports.parquet")) {
        let (paths, ids, formats, encodings) = (
            strings(&b, "source_path"),
            strings(&b, "report_id"),
            strings(&b, "format"),
            strings(&b, "encoding"),
        );
        let (statuses, reasons, agencies, dups) = (
            strings(&b, "status"),
            strings(&b, "reason"),
            strings(&b, "agency"),
            strings(&b, "duplicate_of"),
        );
        let (years, facts) = (int16s(&b, "year"), int32s(&b, "facts"));
        for i in 0..b.num_rows() {
            let path = paths[i].clone().expect("source_path");
            let row = Row {
                report_id: ids[i].clone().expect("report_id"),
                format: formats[i].clone().expect("format"),
                encoding: encodings[i].clone(),
                status: statuses[i].clone().expect("status"),
                reason: reasons[i].clone(),
                agency: agencies[i].clone(),
                year: years[i],
                facts: facts[i],
                duplicate_of: dups[i].clone(),
            };
            assert!(
                rows.insert(path.clone(), row).is_none(),
                "{path} appears twice in reports.parquet"
            );
        }
    }
    rows
}

/// First 16 hex digits of the BLAKE3 hash of a file, as the contract defines report_id.
fn id_of(corpus: &Path, rel: &str) -> String {
    let bytes = std::fs::read(corpus.join(rel)).expect("file");
    blake3::hash(&bytes).to_hex()[..16].to_string()
}

#[test]
fn every_file_of_the_crawl_once_with_the_right_status() {
    let (out, corpus) = run_crawl();
    let rows = report_rows(out.path());
    let wants = expectations();
    let want_paths: BTreeSet<&str> = wants.iter().map(|w| w.path).collect();
    let got_paths: BTreeSet<&str> = rows.keys().map(String::as_str).collect();
    assert_eq!(got_paths, want_paths, "every file exactly once");

    for w in &wants {
        let r = &rows[w.path];
        let what = format!("{}: {r:?}", w.path);
        assert_eq!(r.status, w.status, "status of {what}");
        assert_eq!(r.format, w.format, "format of {what}");
        assert_eq!(r.encoding.as_deref(), w.encoding, "encoding of {what}");
        if w.status == "ok" {
            assert_eq!(r.reason, None, "an ok row has no reason: {what}");
        } else {
            let reason = r
                .reason
                .as_deref()
                .unwrap_or_else(|| panic!("no reason: {what}"));
            assert!(!reason.trim().is_empty(), "blank reason: {what}");
            for word in w.reason {
                assert!(reason.contains(word), "reason lacks {word:?}: {what}");
            }
        }
        if matches!(w.status, "ok" | "partial") {
            assert!(r.facts > 0, "a report contributes facts: {what}");
            assert!(r.year.is_some() && r.agency.is_some(), "identity: {what}");
        } else {
            assert_eq!(r.facts, 0, "no facts from {what}");
        }
        if w.status != "duplicate" {
            assert_eq!(
                r.duplicate_of, None,
                "duplicate_of only on duplicates: {what}"
            );
        }
        assert_eq!(r.report_id.len(), 16, "report_id of {what}");
    }

    // Byte-identical copies point to the first copy (by path); the Word attachment of the
    // report page repeats the page (same facts, the page comes first), so it points there.
    for (copy, original) in [
        (
            "www.huancui.gov.cn/zwgk/ndbg/t20180320_000.html",
            "www.huancui.gov.cn/xxgk/ndbg/2018/t20180320_000.html",
        ),
        (
            "www.wendeng.gov.cn/images/banner.jpg",
            "www.huancui.gov.cn/images/banner.jpg",
        ),
        (
            "www.wendeng.gov.cn/module/download/P020220127_ndbg2021.docx",
            "www.wendeng.gov.cn/art/2022/1/27/art_ndbg_003.html",
        ),
    ] {
        assert_eq!(
            rows[copy].duplicate_of.as_deref(),
            Some(id_of(corpus.path(), original).as_str()),
            "{copy} repeats {original}"
        );
        assert_eq!(rows[original].report_id, id_of(corpus.path(), original));
    }

    // Who the reports are, from their text.
    let identity = |p: &str| (rows[p].agency.clone(), rows[p].year);
    assert_eq!(
        identity("www.wendeng.gov.cn/art/2022/1/27/art_ndbg_003.html"),
        (Some("威海市文登区科学技术局".to_string()), Some(2021))
    );
    assert_eq!(
        identity("www.huancui.gov.cn/xxgk/ndbg/2018/t20180320_000.html"),
        (Some("威海市环翠区科学技术局".to_string()), Some(2017))
    );
    assert_eq!(
        identity("kjj.wenzhou.gov.cn/xxgk/ndbg/2017.txt"),
        (Some("温州市科学技术局".to_string()), Some(2017))
    );
    assert_eq!(rows["www.jlcy.gov.cn/xxgk/ndbg/2017.txt"].year, Some(2017));

    // facts.parquet: rows only from the reports, as many as reports.parquet says.
    let mut per_path: BTreeMap<String, i32> = BTreeMap::new();
    for b in read_all(&out.path().join("facts.parquet")) {
        for p in strings(&b, "source_path") {
            *per_path.entry(p.expect("source_path")).or_default() += 1;
        }
    }
    let reports: BTreeMap<String, i32> = rows
        .iter()
        .filter(|(_, r)| matches!(r.status.as_str(), "ok" | "partial"))
        .map(|(p, r)| (p.clone(), r.facts))
        .collect();
    assert_eq!(
        per_path, reports,
        "facts.parquet holds the reports' facts and nothing else"
    );

    // panel.parquet: one row per report whose facts are in facts.parquet, with its failed
    // checks as reports.parquet counts them, in (agency, year, report_id) order.
    let mut checks_failed: BTreeMap<String, i32> = BTreeMap::new();
    for b in read_all(&out.path().join("reports.parquet")) {
        for (p, c) in strings(&b, "source_path")
            .into_iter()
            .zip(int32s(&b, "checks_failed"))
        {
            checks_failed.insert(p.expect("source_path"), c);
        }
    }
    let mut panel: BTreeMap<String, i32> = BTreeMap::new();
    let mut keys = Vec::new();
    for b in read_all(&out.path().join("panel.parquet")) {
        let (paths, failed) = (strings(&b, "source_path"), int32s(&b, "checks_failed"));
        let (agencies, years, ids) = (
            strings(&b, "agency"),
            int16s(&b, "year"),
            strings(&b, "report_id"),
        );
        for i in 0..paths.len() {
            let p = paths[i].clone().expect("source_path");
            assert!(panel.insert(p, failed[i]).is_none(), "one row per report");
            keys.push((agencies[i].clone(), years[i], ids[i].clone()));
        }
    }
    assert!(keys.is_sorted(), "{keys:?}");
    let expected: BTreeMap<String, i32> = per_path
        .keys()
        .map(|p| (p.clone(), checks_failed[p]))
        .collect();
    assert_eq!(panel, expected);
}
