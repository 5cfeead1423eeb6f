//! Figures stated in sentences of the real reports of `../shared/corpus/real/` (third-party
//! documents, read where they are and never copied here): the share of the hand-checked `text`
//! values xxgk reads must not fall below the level reached, and no figure read from a sentence
//! may contradict a hand-checked value of its report (a misread is worse than a miss). Skips,
//! saying so, where `../shared` is absent (a user's machine).

mod common;

use std::collections::HashMap;

use common::{read_csv, real_set, same};

use xxgk::knowledge::Knowledge;
use xxgk::model::Method;
use xxgk::pipeline::process_bytes;

/// Floor of the `text` measure, in per cent (raise it as the build improves; never lower).
const MIN_TEXT: f64 = 97.0;

/// The values and methods of a report's facts of one indicator, by (file, indicator).
type FactsByKey = HashMap<(String, String), Vec<(Option<f64>, Method)>>;

#[test]
fn sentences_of_real_reports_are_read_and_never_misread() {
    let Some(dir) = real_set() else { return };
    let k = Knowledge::embedded();
    let mut facts: FactsByKey = HashMap::new();
    for m in read_csv(&dir.join("manifest.csv")) {
        let file = &m["file"];
        let bytes = std::fs::read(dir.join("reports").join(file)).unwrap();
        for f in process_bytes(file, &bytes, &k).record.facts {
            facts
                .entry((file.clone(), f.indicator.clone()))
                .or_default()
                .push((f.value, f.method));
        }
    }
    let (mut hit, mut all) = (0, 0);
    let mut misses = Vec::new();
    let mut misreads = Vec::new();
    for e in read_csv(&dir.join("expected.csv")) {
        let want: Option<f64> = e["value"].trim().parse().ok();
        let key = (e["file"].clone(), e["indicator"].clone());
        let got = facts.get(&key).map(Vec::as_slice).unwrap_or_default();
        for (v, method) in got {
            if *method == Method::Text && !same(*v, want) {
                misreads.push(format!("{} {}: read {v:?}, want {want:?}", key.0, key.1));
            }
        }
        if e["method"] == "text" {
            all += 1;
            if got.iter().any(|(v, _)| same(*v, want)) {
                hit += 1;
            } else {
                misses.push(format!("{} {} want {want:?}", key.0, key.1));
            }
        }
    }
    assert!(
        misreads.is_empty(),
        "misread sentences:\n{}",
        misreads.join("\n")
    );
    let pct = 100.0 * hit as f64 / all.max(1) as f64;
    eprintln!("real reports: text {hit}/{all} ({pct:.1}%)");
    assert!(
        pct >= MIN_TEXT,
        "text: {pct:.1}% is below the floor of {MIN_TEXT}%; misses:\n{}",
        misses.join("\n")
    );
}
