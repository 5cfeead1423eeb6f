//! Every era and layout, on realistic report fixtures (`tests/fixtures/eras/`).
//!
//! Each fixture `NAME.EXT` has `NAME.expected.tsv`, written by hand from the fixture: the
//! complete list of facts (indicator, value or `null`, `table`/`text`) and `@` rows for the
//! identity (`@agency`, `@year`, `@template`, …), failed checks (`@failed CHECK EXPECTED
//! ACTUAL`) and words the report's reason must contain (`@reason WORDS`). A fact that is
//! missing, wrong or not listed fails the test. A last test asserts that the fixtures and the
//! sample corpus together produce every indicator id of `data/indicators.csv`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use xxgk::knowledge::Knowledge;
use xxgk::pipeline::{Processed, process_bytes};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eras")
}

/// (fixture path, expectation lines) for every fixture.
fn fixtures() -> Vec<(PathBuf, Vec<Vec<String>>)> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in &entries {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let Some(stem) = name.strip_suffix(".expected.tsv") else {
            continue;
        };
        let fixture = entries
            .iter()
            .find(|q| {
                let n = q.file_name().unwrap().to_string_lossy().to_string();
                n != name && n.starts_with(&format!("{stem}.")) && !n.ends_with(".tsv")
            })
            .unwrap_or_else(|| panic!("no fixture for {name}"))
            .clone();
        let lines = std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect();
        out.push((fixture, lines));
    }
    assert!(!out.is_empty(), "no fixtures");
    out
}

fn fmt(v: Option<f64>) -> String {
    match v {
        None => "null".into(),
        Some(v) => {
            let r = (v * 1e6).round() / 1e6;
            if r.fract() == 0.0 {
                format!("{}", r as i64)
            } else {
                format!("{r}")
            }
        }
    }
}

fn process(path: &Path, k: &Knowledge) -> Processed {
    let bytes = std::fs::read(path).unwrap();
    process_bytes(&path.file_name().unwrap().to_string_lossy(), &bytes, k)
}

/// Compares one fixture; returns the problems.
fn problems(path: &Path, lines: &[Vec<String>], k: &Knowledge) -> Vec<String> {
    let p = process(path, k);
    let r = &p.record;
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let mut out = Vec::new();
    let mut want: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut want_failed: BTreeSet<(String, String, String)> = BTreeSet::new();
    for l in lines {
        let field = |i: usize| l.get(i).cloned().unwrap_or_default();
        match l[0].as_str() {
            "@agency" => check(
                &mut out,
                &name,
                "agency",
                r.identity.agency.clone().unwrap_or_default(),
                field(1),
            ),
            "@year" => check(
                &mut out,
                &name,
                "year",
                r.identity.year.map(|y| y.to_string()).unwrap_or_default(),
                field(1),
            ),
            "@division_code" => check(
                &mut out,
                &name,
                "division_code",
                r.identity.division_code.clone().unwrap_or_default(),
                field(1),
            ),
            "@published" => check(
                &mut out,
                &name,
                "published",
                r.identity
                    .published
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                field(1),
            ),
            "@template" => check(
                &mut out,
                &name,
                "template",
                r.template
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default(),
                field(1),
            ),
            "@status" => check(
                &mut out,
                &name,
                "status",
                r.status.as_str().to_string(),
                field(1),
            ),
            "@reason" => {
                let reason = r.reason.clone().unwrap_or_default();
                if !reason.contains(&field(1)) {
                    out.push(format!("{name}: reason {reason:?} lacks {:?}", field(1)));
                }
            }
            "@failed" => {
                want_failed.insert((field(1), field(2), field(3)));
            }
            ind => {
                want.insert((ind.to_string(), field(2)), field(1));
            }
        }
    }
    let mut got: BTreeMap<(String, String), String> = BTreeMap::new();
    for f in &r.facts {
        got.insert(
            (f.indicator.clone(), f.method.as_str().to_string()),
            fmt(f.value),
        );
    }
    for (k, v) in &want {
        match got.get(k) {
            Some(g) if g == v => {}
            other => out.push(format!(
                "{name}: {} ({}) expected {v}, got {other:?}",
                k.0, k.1
            )),
        }
    }
    for (k, v) in &got {
        if !want.contains_key(k) {
            out.push(format!("{name}: unexpected {} ({}) = {v}", k.0, k.1));
        }
    }
    let failed: BTreeSet<(String, String, String)> = r
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| (c.check.clone(), fmt(Some(c.expected)), fmt(Some(c.actual))))
        .collect();
    if failed != want_failed {
        out.push(format!(
            "{name}: failed checks {failed:?}, expected {want_failed:?}"
        ));
    }
    out
}

fn check(out: &mut Vec<String>, name: &str, what: &str, got: String, want: String) {
    if got != want {
        out.push(format!("{name}: {what} {got:?}, expected {want:?}"));
    }
}

#[test]
fn every_fixture_gives_exactly_its_hand_written_facts() {
    let k = Knowledge::embedded();
    let mut all = Vec::new();
    for (path, lines) in fixtures() {
        all.extend(problems(&path, &lines, &k));
    }
    assert!(
        all.is_empty(),
        "{} problems:\n{}",
        all.len(),
        all.join("\n")
    );
}

#[test]
fn every_indicator_id_is_produced_by_some_fixture() {
    let k = Knowledge::embedded();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (path, _) in fixtures() {
        seen.extend(
            process(&path, &k)
                .record
                .facts
                .into_iter()
                .map(|f| f.indicator),
        );
    }
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    for e in std::fs::read_dir(sample).unwrap() {
        seen.extend(
            process(&e.unwrap().path(), &k)
                .record
                .facts
                .into_iter()
                .map(|f| f.indicator),
        );
    }
    let missing: Vec<&str> = k
        .taxonomy
        .indicators
        .iter()
        .map(|i| i.id.as_str())
        .filter(|id| !seen.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} ids never produced: {missing:?}",
        missing.len()
    );
}
