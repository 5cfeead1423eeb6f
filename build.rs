//! Writes the division names of every GB/T 2260 revision 2002–2016 (from the `gb2260` crate)
//! as one small table, `$OUT_DIR/gb2260_history.csv`, which the binary embeds: each row is a
//! code, a name and the first and last year of the revisions that list that name under that
//! code (`code,name,from,to`). Normalization reads it to know which names a report of a given
//! year can use and which former names today's divisions had (see
//! `src/normalize/gazetteer.rs`). The crate offers look-ups by code only, so every code of
//! every province is tried; this runs at build time, not at each start.

use std::collections::BTreeMap;
use std::fmt::Write as _;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut revisions: Vec<&str> = gb2260::Division::revisions()
        .into_iter()
        .filter(|r| r.len() == 6 && r.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    revisions.sort_unstable();
    // (code, name) → (first year, last year).
    let mut spans: BTreeMap<(String, String), (u16, u16)> = BTreeMap::new();
    for rev in &revisions {
        let year: u16 = rev[..4].parse().expect("a revision starts with its year");
        for province in 11..=82u32 {
            if gb2260::Division::get_by_revision(&format!("{province}0000"), rev).is_none() {
                continue;
            }
            for rest in 0..10_000u32 {
                let code = format!("{province}{rest:04}");
                if let Some(d) = gb2260::Division::get_by_revision(&code, rev) {
                    let span = spans
                        .entry((d.code.to_string(), d.name.to_string()))
                        .or_insert((year, year));
                    span.0 = span.0.min(year);
                    span.1 = span.1.max(year);
                }
            }
        }
    }
    let mut out = String::from("code,name,from,to\n");
    for ((code, name), (from, to)) in &spans {
        let _ = writeln!(out, "{code},{name},{from},{to}");
    }
    let dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(std::path::Path::new(&dir).join("gb2260_history.csv"), out)
        .expect("OUT_DIR is writable");
}
