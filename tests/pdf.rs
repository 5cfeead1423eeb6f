//! The real PDF reports of `../shared/corpus/pdf/` (2021 form, text layer, read through
//! `pdftotext -layout`; third-party documents, read where they are and not copied here): every
//! fact of `tests/fixtures/pdf/expected.csv`, written by hand from the PDFs, must come out with
//! its value, and the agency and year of `expected_identity.csv`. Skipped, saying so, where
//! `../shared` is absent (a user's machine); CI has it.

use std::collections::BTreeMap;
use std::path::Path;

use xxgk::knowledge::Knowledge;
use xxgk::model::Status;
use xxgk::pipeline::process_bytes;

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pdf"))
}

/// The folder of the real PDFs, when `../shared` is there.
fn pdfs() -> Option<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pdf");
    if dir.join("hzq2023_working.pdf").exists() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared/corpus/pdf is absent (it ships with the project's CI)");
        None
    }
}

fn csv_rows(name: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(fixtures().join(name)).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn pdf_reports_give_their_tables_facts() {
    let Some(pdfs) = pdfs() else { return };
    assert!(
        std::process::Command::new("pdftotext")
            .arg("-v")
            .output()
            .is_ok(),
        "pdftotext is missing: install poppler-utils (scripts/test.sh does)"
    );
    let k = Knowledge::embedded();
    let mut expected: BTreeMap<String, Vec<(String, Option<f64>)>> = BTreeMap::new();
    for r in csv_rows("expected.csv") {
        let v = r
            .get(2)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<f64>().unwrap());
        expected
            .entry(r[0].clone())
            .or_default()
            .push((r[1].clone(), v));
    }
    let identities: BTreeMap<String, (String, i16)> = csv_rows("expected_identity.csv")
        .into_iter()
        .map(|r| (r[0].clone(), (r[1].clone(), r[2].parse().unwrap())))
        .collect();
    let mut problems = Vec::new();
    for (file, facts) in &expected {
        let bytes = std::fs::read(pdfs.join(file)).unwrap();
        let p = process_bytes(file, &bytes, &k);
        assert!(
            matches!(p.record.status, Status::Ok | Status::Partial),
            "{file}: {:?} {:?}",
            p.record.status,
            p.record.reason
        );
        let got: BTreeMap<&str, Option<f64>> = p
            .record
            .facts
            .iter()
            .map(|f| (f.indicator.as_str(), f.value))
            .collect();
        for (ind, v) in facts {
            match got.get(ind.as_str()) {
                Some(g) if g == v => {}
                other => problems.push(format!("{file}: {ind} expected {v:?}, got {other:?}")),
            }
        }
        if let Some((agency, year)) = identities.get(file) {
            if p.record.identity.agency.as_deref() != Some(agency.as_str())
                || p.record.identity.year != Some(*year)
            {
                problems.push(format!(
                    "{file}: identity {:?} {:?}",
                    p.record.identity.agency, p.record.identity.year
                ));
            }
        }
        assert_eq!(
            p.record.template.map(|t| t.as_str()),
            Some("2021"),
            "{file}"
        );
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// hzq2023 and hzq2024 are consecutive reports of one agency: 结转下年度继续办理 of 2023 must
/// be 上年结转 of 2024, in every column of 表三, and the run checks it across the two files.
#[test]
fn consecutive_years_are_checked_across_reports() {
    let Some(pdfs) = pdfs() else { return };
    use arrow_array::{Array, BooleanArray, StringArray};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    for f in ["hzq2023_working.pdf", "hzq2024_working.pdf"] {
        std::fs::copy(pdfs.join(f), corpus.join(f)).unwrap();
    }
    let out = dir.path().join("out");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_xxgk"))
        .arg("run")
        .arg(&corpus)
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .status()
        .unwrap();
    assert!(status.success());
    let file = std::fs::File::open(out.join("checks.parquet")).unwrap();
    let batch = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let names = batch
        .column_by_name("check")
        .unwrap()
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap()
        .clone();
    let ok = batch
        .column_by_name("ok")
        .unwrap()
        .as_any()
        .downcast_ref::<BooleanArray>()
        .unwrap()
        .clone();
    let years: Vec<(String, bool)> = (0..batch.num_rows())
        .filter(|&i| names.value(i).starts_with("requests.carry_over."))
        .map(|i| (names.value(i).to_string(), ok.value(i)))
        .collect();
    // Both reports print 0 in every column of 四、结转下年度 (2023) and 二、上年结转 (2024).
    assert_eq!(years.len(), 7, "{years:?}");
    assert!(years.iter().all(|(_, ok)| *ok), "{years:?}");
    assert!(years.iter().any(|(n, _)| n == "requests.carry_over.total"));
}
