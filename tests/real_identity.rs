//! Identity on the real reports of `../shared/corpus/real` (third-party documents, read in
//! place, never copied here): the binary is run on them as a user runs it and the agency,
//! province and city of every file in `reports.parquet` (kept or not: identity is worked out
//! for every file) are compared with the hand-written `manifest.csv`. The test fails when a
//! measure falls below the level reached; raise the floors as rules improve, never lower
//! them. Skipped, with a message, where `../shared` is absent.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::process::Command;

use arrow_array::{Array, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

mod common;
use common::real_set;

/// Files (of 29) whose field must equal the manifest's: agency, province, city.
const FLOORS: [(&str, usize); 3] = [("agency", 28), ("province", 28), ("city", 29)];

/// `reports.parquet` as file name → column → value.
fn reports(out: &Path) -> HashMap<String, HashMap<String, Option<String>>> {
    let file = File::open(out.join("reports.parquet")).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut rows: HashMap<String, HashMap<String, Option<String>>> = HashMap::new();
    for batch in reader {
        let batch = batch.unwrap();
        let column = |name: &str| -> Vec<Option<String>> {
            let c = batch.column_by_name(name).unwrap();
            let s = c.as_any().downcast_ref::<StringArray>().unwrap();
            (0..s.len())
                .map(|i| (!s.is_null(i)).then(|| s.value(i).to_string()))
                .collect()
        };
        let paths = column("source_path");
        let fields: Vec<(&str, Vec<Option<String>>)> =
            FLOORS.iter().map(|(f, _)| (*f, column(f))).collect();
        for (i, path) in paths.iter().enumerate() {
            let name = Path::new(path.as_deref().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string();
            let row = rows.entry(name).or_default();
            for (f, values) in &fields {
                row.insert(f.to_string(), values[i].clone());
            }
        }
    }
    rows
}

#[test]
fn identity_on_the_real_reports_stays_at_its_level() {
    let Some(dir) = real_set() else { return };
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_xxgk"))
        .arg("run")
        .arg(dir.join("reports"))
        .arg("-o")
        .arg(out.path())
        .args(["-q", "--full"])
        .status()
        .unwrap();
    assert!(status.success());
    let got = reports(out.path());
    let mut manifest = csv::Reader::from_path(dir.join("manifest.csv")).unwrap();
    let headers = manifest.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut right: HashMap<&str, usize> = HashMap::new();
    let mut misses = Vec::new();
    let mut files = 0;
    for record in manifest.records() {
        let record = record.unwrap();
        files += 1;
        let file = &record[col("file")];
        for (field, _) in FLOORS {
            let wanted = &record[col(if field == "agency" {
                "agency_full"
            } else {
                field
            })];
            let wanted = (!wanted.is_empty()).then(|| wanted.to_string());
            let found = got.get(file).and_then(|r| r.get(field).cloned().flatten());
            if found == wanted {
                *right.entry(field).or_default() += 1;
            } else {
                misses.push(format!("{file} {field}: want {wanted:?}, got {found:?}"));
            }
        }
    }
    for (field, _) in FLOORS {
        println!(
            "{field}: {}/{files}",
            right.get(field).copied().unwrap_or(0)
        );
    }
    for m in &misses {
        println!("  miss {m}");
    }
    for (field, floor) in FLOORS {
        let n = right.get(field).copied().unwrap_or(0);
        assert!(n >= floor, "{field}: {n}/{files}, below the floor {floor}");
    }
}
