//! A hostile crawl: every kind of file a real dump may hold that could hang or blow up a
//! nightly run, built at run time in a temporary directory (nothing large is committed).
//!
//! The corpus holds a named pipe and a socket (never opened), a symlink to a device, a
//! symlink loop (files and a directory), a page nested 200,000 elements deep, colspan /
//! rowspan bombs, a 50 MB single line, a table of a million tiny cells, zip bombs in DOCX and
//! XLSX, a DOCX nested 100,000 tables deep, truncated and corrupt archives, junk named like
//! reports, and copies of the seed reports. The test runs the binary over it and checks that
//! the run completes, that every file has its row with the status it must have, that the
//! seeds' facts are those of a run over the seeds alone, and that with a tiny
//! `--file-timeout` a slow file is `failed` with its reason. A file removed between the walk
//! and the read is checked at the pipeline level (where the moment can be chosen).
//!
//! `HOSTILE_CORPUS=DIR cargo test --release --test hostile -- --ignored write_corpus` writes
//! the corpus into DIR, for measuring (see the write-up of issue 15).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow_array::{Array, RecordBatch, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

/// True for a seed report's name (`000_<16 hex digits>.txt`), not a layout sample's
/// (`100_pipes_2021.txt`, some of which are `partial` by design).
fn is_seed(path: &Path) -> bool {
    path.file_stem()
        .and_then(|s| s.to_str())
        .and_then(|s| s.split_once('_'))
        .is_some_and(|(n, h)| {
            n.len() == 3 && h.len() == 16 && h.chars().all(|c| c.is_ascii_hexdigit())
        })
}

/// The seed reports, as (file name, text).
fn seeds() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(sample_dir())
        .expect("data/sample")
        .map(|e| e.expect("entry").path())
        .filter(|p| is_seed(p))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("seed text"))
        })
        .collect();
    out.sort();
    out
}

/// A seed report's lines as HTML paragraphs: a page that is a report, before its hostile part.
fn seed_paragraphs(seed: &str) -> String {
    seed.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("<p>{}</p>\n", l.replace('&', "&amp;").replace('<', "&lt;")))
        .collect()
}

/// A zip of the given parts, deflated.
fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, content) in parts {
        zip.start_file(*name, options).expect("zip entry");
        zip.write_all(content).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

fn docx_of(document_xml: &[u8]) -> Vec<u8> {
    zip_of(&[("word/document.xml", document_xml)])
}

fn docx_body(body: &str) -> Vec<u8> {
    docx_of(
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"{W_NS}\"><w:body>{body}</w:body></w:document>"
        )
        .as_bytes(),
    )
}

fn xlsx_of(sheet_xml: &[u8]) -> Vec<u8> {
    let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let workbook = format!(
        "<?xml version=\"1.0\"?><workbook xmlns=\"{ns}\" xmlns:r=\"{rel}\"><sheets><sheet name=\"s\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
    );
    let wb_rels = format!(
        "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rel}/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>"
    );
    let types = "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
        <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
        <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
        <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
        <Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>";
    let root_rels = format!(
        "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rel}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
    );
    zip_of(&[
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", root_rels.as_bytes()),
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet_xml),
    ])
}

/// Pseudo-random bytes (a fixed linear congruential sequence: the corpus is the same on
/// every run).
fn junk(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u8
        })
        .collect()
}

/// Writes the hostile corpus (without the seeds) into `dir`; returns the relative path of
/// every file a run must report, with the status it must have and words its reason must
/// hold. Special files are made only where the platform can (unix).
fn write_hostile(dir: &Path) -> Vec<(String, &'static str, &'static [&'static str])> {
    let seeds = seeds();
    // A seed report moved a century back: a report in its own right, not a second copy of
    // the seed beside it (which would make it a `duplicate`, hiding its own status).
    let seed = &seeds[0].1.replace("20", "19");
    let mut want: Vec<(String, &'static str, &'static [&'static str])> = Vec::new();
    let mut put = |name: &str, bytes: &[u8], status, reason| {
        std::fs::write(dir.join(name), bytes).expect("write hostile file");
        want.push((name.to_string(), status, reason));
    };

    // A page 200,000 elements deep after a report's text: html5ever's tree builder costs
    // the square of the depth, so the nesting is flattened and the report is partial.
    let depth = 200_000;
    let deep = format!(
        "<html><body>{}{}深处{}</body></html>",
        seed_paragraphs(seed),
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    put("deep.html", deep.as_bytes(), "partial", &["nested"]);

    // Span bombs: cells claiming a million columns and rows, after a report's text.
    let mut spans = seed_paragraphs(seed);
    spans.push_str("<table>");
    for _ in 0..2_000 {
        spans.push_str("<tr><td colspan=\"1000000\" rowspan=\"1000000\">9</td><td rowspan=\"0\">1</td><td colspan=\"65534\">2</td></tr>");
    }
    spans.push_str("</table>");
    put(
        "spans.html",
        format!("<html><body>{spans}</body></html>").as_bytes(),
        "partial",
        &["span"],
    );

    // A table of a million tiny cells (1,000 × 1,000), after a report's text.
    let mut cells = seed_paragraphs(seed);
    cells.push_str("<table>");
    let row = format!("<tr>{}</tr>", "<td>7</td>".repeat(1_000));
    for _ in 0..1_000 {
        cells.push_str(&row);
    }
    cells.push_str("</table>");
    put(
        "cells.html",
        format!("<html><body>{cells}</body></html>").as_bytes(),
        "partial",
        &["columns"],
    );

    // A 50 MB single line: statements of figures, over and over, without a break.
    let sentence = "本机关全年主动公开政府信息1234条，受理申请56件，";
    let line = sentence.repeat(50 * 1024 * 1024 / sentence.len());
    put("line.txt", line.as_bytes(), "not_report", &[]);

    // Zip bombs: a part far larger uncompressed than the limit on office parts.
    let bomb = vec![b' '; 80 * 1024 * 1024];
    put(
        "bomb.docx",
        &docx_of(&bomb),
        "unreadable",
        &["bytes uncompressed"],
    );
    put(
        "bomb.xlsx",
        &xlsx_of(&bomb),
        "unreadable",
        &["bytes uncompressed"],
    );

    // A one-kilobyte sheet with a cell in A1 and another in XFD1048576: the reader's grid
    // would span the 17 billion positions between them.
    let far = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>\
        <row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"1048576\"><c r=\"XFD1048576\"><v>2</v></c></row>\
        </sheetData></worksheet>";
    put("far.xlsx", &xlsx_of(far.as_bytes()), "not_report", &[]);

    // A DOCX whose tables nest 100,000 deep.
    let deep_docx = format!(
        "<w:p><w:r><w:t>一、总体情况</w:t></w:r></w:p>{}<w:p><w:r><w:t>深处</w:t></w:r></w:p>{}",
        "<w:tbl><w:tr><w:tc>".repeat(100_000),
        "</w:tc></w:tr></w:tbl>".repeat(100_000)
    );
    put("deep.docx", &docx_body(&deep_docx), "not_report", &[]);

    // Truncated and corrupt archives.
    let good_docx = docx_body(&format!(
        "<w:p><w:r><w:t>{}</w:t></w:r></w:p>",
        seed.lines().next().unwrap_or("报告")
    ));
    put(
        "truncated.docx",
        &good_docx[..good_docx.len() / 2],
        "unreadable",
        &[],
    );
    let mut corrupt =
        xlsx_of(b"<worksheet><sheetData><row><c><v>1</v></c></row></sheetData></worksheet>");
    let mid = corrupt.len() / 3;
    for b in &mut corrupt[mid..mid + 64] {
        *b ^= 0x5a;
    }
    put("corrupt.xlsx", &corrupt, "unreadable", &[]);
    put(
        "truncated.zip",
        &zip_of(&[("a.txt", b"abc")])[..20],
        "unsupported",
        &[],
    );

    // Junk named like reports.
    put("junk.txt", &junk(4096, 1), "unreadable", &["binary"]);
    put("junk.html", &junk(4096, 2), "unreadable", &["binary"]);
    put("junk.docx", &junk(4096, 3), "unreadable", &["zip"]);
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.extend(junk(4096, 4));
    let pdf_status = if pdftotext_available() {
        "unreadable"
    } else {
        "unsupported"
    };
    put("junk.pdf", &pdf, pdf_status, &[]);
    put("empty.pdf", b"", "unreadable", &["empty"]);

    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        // A symlink loop between two files, and a directory that links to itself.
        symlink("loop_b.txt", dir.join("loop_a.txt")).expect("symlink");
        symlink("loop_a.txt", dir.join("loop_b.txt")).expect("symlink");
        want.push(("loop_a.txt".into(), "unreadable", &["symlink"]));
        want.push(("loop_b.txt".into(), "unreadable", &["symlink"]));
        std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
        symlink("..", dir.join("sub/up")).expect("symlink");
        // A device, through a symlink (creating one needs privileges).
        symlink("/dev/zero", dir.join("zero.txt")).expect("symlink");
        want.push(("zero.txt".into(), "unsupported", &["character device"]));
        // A socket.
        let sock = dir.join("socket.html");
        let listener = std::os::unix::net::UnixListener::bind(&sock).expect("socket");
        std::mem::forget(listener);
        want.push(("socket.html".into(), "unsupported", &["socket"]));
        // A named pipe with no writer: opening it for reading would block forever.
        let made = Command::new("mkfifo").arg(dir.join("pipe.txt")).status();
        if made.is_ok_and(|s| s.success()) {
            want.push(("pipe.txt".into(), "unsupported", &["named pipe"]));
        } else {
            eprintln!("mkfifo unavailable: the corpus has no named pipe");
        }
    }
    want
}

fn pdftotext_available() -> bool {
    Command::new("pdftotext").arg("-v").output().is_ok()
}

/// Copies the seeds into `dir`.
fn write_seeds(dir: &Path) {
    for (name, text) in seeds() {
        std::fs::write(dir.join(name), text).expect("copy seed");
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
    let s = b
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .unwrap_or_else(|| panic!("no utf8 column {name}"));
    (0..s.len())
        .map(|i| s.is_valid(i).then(|| s.value(i).to_string()))
        .collect()
}

/// reports.parquet as source_path → (status, reason).
fn reports(out: &Path) -> BTreeMap<String, (String, String)> {
    let mut rows = BTreeMap::new();
    for b in read_all(&out.join("reports.parquet")) {
        let paths = strings(&b, "source_path");
        let statuses = strings(&b, "status");
        let reasons = strings(&b, "reason");
        for ((p, s), r) in paths.into_iter().zip(statuses).zip(reasons) {
            rows.insert(p.unwrap(), (s.unwrap(), r.unwrap_or_default()));
        }
    }
    rows
}

/// facts.parquet as sorted lines of (source_path, agency, indicator, value_raw, unit, method).
fn facts(out: &Path) -> Vec<String> {
    let mut rows = Vec::new();
    for b in read_all(&out.join("facts.parquet")) {
        let names = [
            "source_path",
            "agency",
            "indicator",
            "value_raw",
            "unit",
            "method",
        ];
        let cols: Vec<Vec<Option<String>>> = names.iter().map(|c| strings(&b, c)).collect();
        rows.extend(
            (0..b.num_rows())
                .map(|i| format!("{:?}", cols.iter().map(|c| &c[i]).collect::<Vec<_>>())),
        );
    }
    rows.sort();
    rows
}

fn run(corpus: &Path, out: &Path, extra: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_xxgk"))
        .arg("run")
        .arg(corpus)
        .arg("-o")
        .arg(out)
        .arg("-q")
        .args(extra)
        .output()
        .expect("run xxgk");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "run failed: {stderr}");
    stderr + &String::from_utf8_lossy(&output.stdout)
}

#[test]
fn a_hostile_crawl_completes_and_every_file_has_its_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).expect("mkdir");
    let want = write_hostile(&corpus);
    write_seeds(&corpus);
    let out = dir.path().join("out");
    let summary = run(&corpus, &out, &[]);
    let rows = reports(&out);

    for (path, status, words) in &want {
        let (got, reason) = rows
            .get(path)
            .unwrap_or_else(|| panic!("{path} has no row; rows: {rows:?}"));
        assert_eq!(got, status, "{path}: {reason}");
        for w in *words {
            assert!(reason.contains(w), "{path}: reason {reason:?} lacks {w:?}");
        }
    }
    for (name, _) in seeds() {
        let (status, reason) = &rows[&name];
        assert!(
            status == "ok" || status == "partial",
            "{name}: {status} {reason}"
        );
    }
    // Nothing else: the directory loop adds no file, the seeds are all there.
    assert_eq!(rows.len(), want.len() + seeds().len(), "{rows:?}");
    assert!(summary.contains("0 out of time"), "{summary}");

    // The seeds' facts are those of a run over the seeds alone.
    let alone = dir.path().join("alone");
    let seeds_corpus = dir.path().join("seeds");
    std::fs::create_dir_all(&seeds_corpus).expect("mkdir");
    write_seeds(&seeds_corpus);
    run(&seeds_corpus, &alone, &[]);
    let is_seed = |f: &String| {
        seeds()
            .iter()
            .any(|(n, _)| f.starts_with(&format!("[Some({n:?})")))
    };
    let hostile_seed_facts: Vec<String> = facts(&out).into_iter().filter(is_seed).collect();
    assert!(!hostile_seed_facts.is_empty());
    assert_eq!(hostile_seed_facts, facts(&alone));

    // A re-run reuses the cache and says the same (the special files are still not opened).
    run(&corpus, &out, &[]);
    assert_eq!(reports(&out), rows);
}

#[test]
fn a_file_over_its_budget_fails_with_its_reason_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).expect("mkdir");
    write_seeds(&corpus);
    // A slow file: a long page of table rows.
    let mut page = seed_paragraphs(&seeds()[1].1);
    page.push_str("<table>");
    for i in 0..20_000 {
        page.push_str(&format!("<tr><td>第{i}项</td><td>{i}</td></tr>"));
    }
    page.push_str("</table>");
    std::fs::write(corpus.join("slow.html"), page).expect("write");
    // A PDF, when poppler and the shared corpus are there: pdftotext is killed at the
    // deadline.
    let shared_pdf =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pdf/szfgs2024.pdf");
    let with_pdf = pdftotext_available() && shared_pdf.exists();
    if with_pdf {
        std::fs::copy(&shared_pdf, corpus.join("slow.pdf")).expect("copy pdf");
    } else {
        eprintln!("pdftotext or ../shared/corpus/pdf missing: no PDF over its budget");
    }
    let out = dir.path().join("out");
    // A budget no file can keep: the first check of the first stage finds it spent.
    let summary = run(&corpus, &out, &["--file-timeout", "0.000001"]);
    let rows = reports(&out);
    let (status, reason) = &rows["slow.html"];
    assert_eq!(status, "failed", "{reason}");
    assert!(
        reason.starts_with("exceeded 0.000001 s in "),
        "reason {reason:?}"
    );
    if with_pdf {
        let (status, reason) = &rows["slow.pdf"];
        assert_eq!(status, "failed", "{reason}");
        assert_eq!(reason, "exceeded 0.000001 s in pdftotext");
    }
    assert_eq!(rows.len(), seeds().len() + 1 + usize::from(with_pdf));
    let timed_out = rows.values().filter(|(s, _)| s == "failed").count();
    assert!(
        summary.contains(&format!("{timed_out} out of time")),
        "{summary}"
    );
    // A timed-out file is not remembered as failed: the next run with a budget tries again.
    run(&corpus, &out, &[]);
    let (status, reason) = &reports(&out)["slow.html"];
    assert_ne!(status, "failed", "{reason}");
}

/// A file removed, or replaced by a named pipe, between the walk and the read: the one is
/// `unreadable`, the other `unsupported` (and never blocks its reader), and the others are
/// read as usual.
#[test]
fn files_that_change_between_walk_and_read_get_their_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_seeds(dir.path());
    std::fs::write(dir.path().join("gone.txt"), "本文件将被删除").expect("write");
    std::fs::write(dir.path().join("piped.txt"), "本文件将被换成管道").expect("write");
    let entries = xxgk::pipeline::walk(dir.path());
    assert_eq!(entries.len(), seeds().len() + 2);
    std::fs::remove_file(dir.path().join("gone.txt")).expect("remove");
    let fifo = cfg!(unix)
        && std::fs::remove_file(dir.path().join("piped.txt")).is_ok()
        && Command::new("mkfifo")
            .arg(dir.path().join("piped.txt"))
            .status()
            .is_ok_and(|s| s.success());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let k = xxgk::knowledge::Knowledge::embedded();
        let records: Vec<_> = entries
            .iter()
            .map(|e| {
                let p = xxgk::pipeline::process_entry_within(e, &k, 1 << 30, None);
                (
                    e.rel.clone(),
                    p.record.status.as_str().to_string(),
                    p.record.reason,
                )
            })
            .collect();
        let _ = tx.send(records);
    });
    let records = rx
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("processing blocked: a file was opened as a pipe");
    let by_path: BTreeMap<_, _> = records.into_iter().map(|(p, s, r)| (p, (s, r))).collect();
    let (status, reason) = &by_path["gone.txt"];
    assert_eq!(status, "unreadable");
    assert!(
        reason.as_deref().unwrap().starts_with("cannot read"),
        "{reason:?}"
    );
    if fifo {
        let (status, reason) = &by_path["piped.txt"];
        assert_eq!(status, "unsupported");
        assert!(
            reason.as_deref().unwrap().contains("named pipe"),
            "{reason:?}"
        );
    }
    for (name, _) in seeds() {
        assert_eq!(by_path[&name].0, "ok", "{name}");
    }
}

/// Writes the hostile corpus, seeds included, into `$HOSTILE_CORPUS` (for measuring).
#[test]
#[ignore]
fn write_corpus() {
    let Some(dir) = std::env::var_os("HOSTILE_CORPUS") else {
        eprintln!("HOSTILE_CORPUS is not set: nothing written");
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let want = write_hostile(&dir);
    write_seeds(&dir);
    for (path, status, _) in want {
        println!("{path}\t{status}");
    }
}
