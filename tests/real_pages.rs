//! Rules checked against crawled real reports beyond `../shared/corpus/real/` (pages and
//! repository files read with the search tool, listed per layout in the helper's notes). Each
//! fixture in `tests/fixtures/real_pages/` is written in our own words and numbers and names
//! the real page it was modelled on; the expected values are written by hand.

use std::collections::HashMap;

use xxgk::knowledge::Knowledge;
use xxgk::model::Status;
use xxgk::pipeline::process_bytes;

struct Read {
    status: Status,
    facts: HashMap<String, Option<f64>>,
    reason: String,
}

fn read(name: &str) -> Read {
    let path = format!(
        "{}/tests/fixtures/real_pages/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap();
    let p = process_bytes(name, &bytes, &Knowledge::embedded());
    Read {
        status: p.record.status,
        facts: p
            .record
            .facts
            .iter()
            .map(|f| (f.indicator.clone(), f.value))
            .collect(),
        reason: p.record.reason.unwrap_or_default(),
    }
}

fn assert_facts(r: &Read, expected: &[(&str, Option<f64>)]) {
    for (indicator, want) in expected {
        assert_eq!(
            r.facts.get(*indicator),
            Some(want),
            "{indicator} (reason: {})",
            r.reason
        );
    }
}

/// Modelled on the 2025 report of 上海市人民政府办公厅 (zxj6827111-blip/KIROGOVCOMPARE,
/// tests/fixtures/annual-report/shanghai-office-sample-source.md): "no review corrected and no
/// suit lost" is not "no review and no suit" — that report's 表四 counts 55 reviews and 34
/// suits. A plain statement of none still reads as 0.
#[test]
fn no_case_lost_is_not_no_case() {
    let r = read("no_lost_case_2021.txt");
    assert_ne!(r.status, Status::NotReport, "{}", r.reason);
    assert_eq!(r.facts.get("review.total"), None);
    assert_eq!(r.facts.get("litigation.total"), None);
    let r = read("no_case_2021.txt");
    assert_facts(
        &r,
        &[("review.total", Some(0.0)), ("litigation.total", Some(0.0))],
    );
}
