//! Helpers shared by the integration tests that read the real reports of
//! `../shared/corpus/real/` (third-party documents, read where they are, never copied here).

#![allow(dead_code)] // each test binary uses the part it needs

use std::collections::HashMap;
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
