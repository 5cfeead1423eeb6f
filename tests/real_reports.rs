//! The real reports of `../shared/corpus/real/` (crawler dumps, CSV cells, PDF-to-markdown
//! conversions, exactly as found; third-party documents, read where they are and never copied
//! here): xxgk must keep reading at least the share of their hand-checked values it reached.
//! The floors only ever rise. Skips, saying so, where `../shared` is absent (a user's machine).
//!
//! Scored like `../shared/tools/score_real.py`: a value counts when the file has a fact of that
//! indicator with that value (null for a blank cell); a report counts as kept when it is not
//! written off as not_report / unreadable / failed.

mod common;

use std::collections::HashMap;

use common::{read_csv, real_set, same};

use xxgk::knowledge::Knowledge;
use xxgk::model::{Method, Status};
use xxgk::pipeline::process_bytes;

/// Floors, in per cent, reached on the set (raise them as the build improves; never lower).
const MIN_TABLE: f64 = 98.5;
const MIN_TEXT: f64 = 97.0;
const MIN_KEPT: f64 = 100.0;
const MIN_YEAR: f64 = 96.0;

fn pct(hit: usize, all: usize) -> f64 {
    if all == 0 {
        100.0
    } else {
        100.0 * hit as f64 / all as f64
    }
}

#[test]
fn real_reports_keep_their_floors() {
    let Some(dir) = real_set() else { return };
    let k = Knowledge::embedded();
    let manifest = read_csv(&dir.join("manifest.csv"));
    let expected = read_csv(&dir.join("expected.csv"));
    let mut values: HashMap<(String, String), Vec<Option<f64>>> = HashMap::new();
    let mut records = HashMap::new();
    for m in &manifest {
        let file = &m["file"];
        let bytes = std::fs::read(dir.join("reports").join(file)).unwrap();
        let p = process_bytes(file, &bytes, &k);
        for f in &p.record.facts {
            values
                .entry((file.clone(), f.indicator.clone()))
                .or_default()
                .push(f.value);
        }
        records.insert(file.clone(), p.record);
    }
    let (mut table, mut text) = ((0, 0), (0, 0));
    let mut misses = Vec::new();
    for e in &expected {
        let want: Option<f64> = e["value"].trim().parse().ok();
        let got = values.get(&(e["file"].clone(), e["indicator"].clone()));
        let hit = got.is_some_and(|g| g.iter().any(|&v| same(v, want)));
        let bucket = if e["method"] == "text" {
            &mut text
        } else {
            &mut table
        };
        bucket.0 += hit as usize;
        bucket.1 += 1;
        if !hit {
            misses.push(format!(
                "{} {} want {:?} got {:?}",
                e["file"], e["indicator"], want, got
            ));
        }
    }
    let (mut kept, mut year) = ((0, 0), (0, 0));
    for m in &manifest {
        let r = &records[&m["file"]];
        kept.1 += 1;
        kept.0 += matches!(r.status, Status::Ok | Status::Partial | Status::Duplicate) as usize;
        year.1 += 1;
        year.0 += (r.identity.year.map(|y| y.to_string()).as_deref() == Some(m["year"].as_str()))
            as usize;
    }
    // Every table fact of the set is a table cell's, every text fact a sentence's.
    for r in records.values() {
        for f in &r.facts {
            assert!(matches!(f.method, Method::Table | Method::Text));
        }
    }
    let scores = [
        ("table", pct(table.0, table.1), MIN_TABLE),
        ("text", pct(text.0, text.1), MIN_TEXT),
        ("kept", pct(kept.0, kept.1), MIN_KEPT),
        ("year", pct(year.0, year.1), MIN_YEAR),
    ];
    eprintln!(
        "real reports: {}",
        scores
            .iter()
            .map(|(n, v, _)| format!("{n} {v:.1}%"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (name, got, floor) in scores {
        assert!(
            got >= floor,
            "{name}: {got:.1}% is below the floor of {floor}%; misses:\n{}",
            misses.join("\n")
        );
    }
}
