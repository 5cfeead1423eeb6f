//! Every form of every era in every layout crawlers leave tables in.
//!
//! The bases are reports whose facts other tests check by hand, cell by cell: the seeds of
//! `data/sample/` (2008–2018 统计表, 2021 form; `tests/sample.rs`) and fixtures of
//! `tests/fixtures/eras/` (2019 form with row spans, 2008 table with 历年累计; `tests/eras.rs`).
//! Each is read, its tables written again in each [`Layout`] (`xxgk::synth::layouts`, the text
//! around them unchanged) and the result read as a crawler's text file. A layout that keeps
//! every cell must give exactly the base's table facts. A layout that loses cell boundaries or
//! blanks (glued digits, a page on one line, PDF text) must never give a value the base
//! contradicts, and every cell it leaves out must leave the report `partial`. The cases still
//! short of that are listed in `SHORT_OF_GOAL` with the level they reached, as floors.
//! `XXGK_MATRIX_DIR=/tmp/lm cargo test --release --test layout_matrix -- --nocapture` writes
//! every rendered file there and prints the table of what each layout gave.

mod common;

use std::collections::BTreeMap;

use common::table_facts;
use xxgk::knowledge::Knowledge;
use xxgk::model::{Status, Template};
use xxgk::pipeline::process_bytes;
use xxgk::synth::layouts::{Layout, render};

/// A base report: its path under the crate and its form.
const BASES: &[(&str, Template)] = &[
    ("data/sample/001_8ce2c52a2533517f.txt", Template::T2008),
    ("data/sample/002_2d814c7af621a11d.txt", Template::T2008),
    (
        "tests/fixtures/eras/2008_chengxiang_cumulative.txt",
        Template::T2008,
    ),
    (
        "tests/fixtures/eras/2019_huangpu_rowspan.html",
        Template::T2019,
    ),
    ("data/sample/003_32627ba4512e0993.txt", Template::T2021),
];

type Facts = BTreeMap<String, Option<f64>>;

struct Read {
    status: Status,
    template: Option<Template>,
    reason: String,
    table: Facts,
}

fn read(name: &str, bytes: &[u8], k: &Knowledge) -> (Read, Option<xxgk::document::Document>) {
    let p = process_bytes(name, bytes, k);
    let table = table_facts(&p.record);
    (
        Read {
            status: p.record.status,
            template: p.record.template,
            reason: p.record.reason.unwrap_or_default(),
            table,
        },
        p.doc,
    )
}

/// What one layout of one base gave, compared with the base.
#[derive(Default)]
struct Outcome {
    missing: Vec<String>,
    wrong: Vec<String>,
    extra: Vec<String>,
    read: usize,
}

fn compare(base: &Facts, got: &Facts) -> Outcome {
    let mut o = Outcome::default();
    for (id, want) in base {
        match got.get(id) {
            None => o.missing.push(id.clone()),
            Some(v) if v == want => o.read += 1,
            Some(v) => o.wrong.push(format!("{id}: {v:?} instead of {want:?}")),
        }
    }
    for (id, v) in got {
        if !base.contains_key(id) {
            o.extra.push(format!("{id}: {v:?}"));
        }
    }
    o
}

/// Cases short of the goal, each with the level reached (cells read, misreads, whether left-out
/// cells are said): a floor that may only rise. Measured 2026-12-06 (seventh session; the
/// glued and one-line layouts since met the goal; huangpu's markdown-split and cell-per-line,
/// 183 of 198 then, since too, wtmd session); the closing note says what each needs.
/// Every case not listed must meet the goal.
#[rustfmt::skip]
const SHORT_OF_GOAL: &[(&str, &str, usize, usize, bool)] = &[
    // (base, layout, cells read at least, misreads at most, left-out cells said)
    // Its one cell "read" before was a row of figures taken as the 培训 row's by chance (a 0
    // where the form has 0); since blank cells written as spaces count as cells, none is.
    ("002_2d814c7af621a11d.txt", "detached", 0, 0, false),
    // No blank cell to show that one empty line is a row break, not an empty cell.
    ("2008_chengxiang_cumulative.txt", "cell-per-line-tight", 0, 0, true),
];

/// Cells the lossy layouts that meet the goal read at least (measured 2026-12-06, wtglued
/// session): a floor that may only rise. What they leave out is the base's blank cells, which
/// glued digits cannot show (109 of the 2019 base's 198 cells are blank), and runs no
/// arithmetic splits one way only.
#[rustfmt::skip]
const LOSSY_FLOORS: &[(&str, &str, usize)] = &[
    ("2008_chengxiang_cumulative.txt", "glued", 13),
    ("2008_chengxiang_cumulative.txt", "one-line", 13),
    ("2019_huangpu_rowspan.html", "glued", 48),
    ("2019_huangpu_rowspan.html", "one-line", 48),
    ("2019_huangpu_rowspan.html", "one-line-spaced", 55),
    ("003_32627ba4512e0993.txt", "glued", 197),
    ("003_32627ba4512e0993.txt", "one-line", 197),
];

#[test]
fn every_layout_of_every_form() {
    let k = Knowledge::embedded();
    let root = env!("CARGO_MANIFEST_DIR");
    let mut failures = Vec::new();
    let mut summary = String::new();
    for (path, template) in BASES {
        let bytes = std::fs::read(format!("{root}/{path}")).unwrap();
        let (base, doc) = read(path, &bytes, &k);
        assert_eq!(base.template, Some(*template), "{path}: base form");
        assert!(!base.table.is_empty(), "{path}: base has no table facts");
        let doc = doc.unwrap();
        let short = path.rsplit('/').next().unwrap();
        for layout in Layout::ALL {
            let text = render(&doc, layout);
            let name = format!("{short}.{}.txt", layout.name());
            if let Ok(dir) = std::env::var("XXGK_MATRIX_DIR") {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(format!("{dir}/{name}"), &text).unwrap();
            }
            let (got, _) = read(&name, text.as_bytes(), &k);
            let o = compare(&base.table, &got.table);
            summary.push_str(&format!(
                "{short:<32} {:<20} {:>4}/{:<4} wrong {:>3} extra {:>3} {:?} {:?}\n",
                layout.name(),
                o.read,
                base.table.len(),
                o.wrong.len(),
                o.extra.len(),
                got.status,
                got.template,
            ));
            let said = o.missing.is_empty() || got.status == Status::Partial;
            if let Some(&(_, _, floor)) = LOSSY_FLOORS
                .iter()
                .find(|(b, l, _)| *b == short && *l == layout.name())
            {
                if o.read < floor {
                    failures.push(format!("{name}: {} cells read < {floor}", o.read));
                }
            }
            let known = SHORT_OF_GOAL
                .iter()
                .find(|(b, l, ..)| *b == short && *l == layout.name());
            if let Some(&(_, _, floor, misreads, must_say)) = known {
                if o.read < floor || o.wrong.len() + o.extra.len() > misreads || (must_say && !said)
                {
                    failures.push(format!(
                        "{name}: below its floor ({} read < {floor}, or misreads {:?} {:?}, or status {:?})",
                        o.read, o.wrong, o.extra, got.status
                    ));
                }
                continue;
            }
            if got.template != Some(*template) {
                failures.push(format!("{name}: template {:?}", got.template));
            }
            if !o.wrong.is_empty() || !o.extra.is_empty() {
                failures.push(format!("{name}: wrong {:?} extra {:?}", o.wrong, o.extra));
            }
            if layout.is_lossless() && !o.missing.is_empty() {
                failures.push(format!("{name}: missing {:?}", o.missing));
            }
            if !said {
                failures.push(format!(
                    "{name}: {} cells left out but status {:?} ({})",
                    o.missing.len(),
                    got.status,
                    got.reason
                ));
            }
        }
    }
    eprintln!("{summary}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
