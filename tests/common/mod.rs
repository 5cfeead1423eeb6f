//! Helpers shared by the integration tests: reading the real reports of
//! `../shared/corpus/real/` (third-party documents, read where they are, never copied here)
//! and reading our own fixtures of `tests/fixtures/` as a user's files.

#![allow(dead_code)] // each test binary uses the part it needs

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The real set's folder, or `None` where `../shared` is absent (a user's machine), after
/// saying so on standard error.
pub fn real_set() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real");
    if dir.join("expected.csv").exists() && dir.join("manifest.csv").exists() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared/corpus/real is absent (it ships with the project's CI)");
        None
    }
}

/// The rows of a CSV file with a header, as column → value.
pub fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// A fact's value equals an expected one (both null for a blank cell), as score_real.py
/// compares them.
pub fn same(got: Option<f64>, want: Option<f64>) -> bool {
    match (got, want) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() < 1e-6 * b.abs().max(1.0),
        _ => false,
    }
}

/// What xxgk read of one fixture file.
pub struct Read {
    pub status: xxgk::model::Status,
    pub template: Option<xxgk::model::Template>,
    pub agency: Option<String>,
    /// Indicator → value (null for a blank cell).
    pub facts: HashMap<String, Option<f64>>,
    pub reason: String,
}

/// Reads `tests/fixtures/<dir>/<name>` through every stage, as a file of a user's crawl.
pub fn read_fixture(dir: &str, name: &str) -> Read {
    read_bytes(name, &fixture_bytes(dir, name))
}

/// The bytes of `tests/fixtures/<dir>/<name>` (for a test that varies a fixture).
pub fn fixture_bytes(dir: &str, name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Reads `bytes` through every stage, as a file `name` of a user's crawl.
pub fn read_bytes(name: &str, bytes: &[u8]) -> Read {
    let p = xxgk::pipeline::process_bytes(name, bytes, &xxgk::knowledge::Knowledge::embedded());
    Read {
        status: p.record.status,
        template: p.record.template,
        agency: p.record.identity.agency.clone(),
        facts: p
            .record
            .facts
            .iter()
            .map(|f| (f.indicator.clone(), f.value))
            .collect(),
        reason: p.record.reason.unwrap_or_default(),
    }
}

/// Asserts every expected fact (`None` for a blank cell read as null).
pub fn assert_facts(r: &Read, expected: &[(&str, Option<f64>)]) {
    for (indicator, want) in expected {
        assert_eq!(
            r.facts.get(*indicator),
            Some(want),
            "{indicator}: got {:?} (reason: {})",
            r.facts.get(*indicator),
            r.reason
        );
    }
}

/// The facts a record read from tables, indicator → value (null for a blank cell).
pub fn table_facts(record: &xxgk::model::ReportRecord) -> BTreeMap<String, Option<f64>> {
    record
        .facts
        .iter()
        .filter(|f| f.method == xxgk::model::Method::Table)
        .map(|f| (f.indicator.clone(), f.value))
        .collect()
}
