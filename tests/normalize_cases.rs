//! The normalization case table: real-world report snippets (titles, signatures, 填报单位 lines,
//! opening sentences, paths) with the agency, region, tier, year and publication date a reader
//! who knows China's administrative geography would write down. Every field of every case is
//! asserted; a per-field accuracy summary is printed first so a regression shows its extent.

use xxgk::document::Document;
use xxgk::model::Identity;
use xxgk::normalize::{NameBook, identify};

const CASES: &str = include_str!("data/normalize_cases.tsv");

/// One row of the table.
struct Case {
    line: usize,
    snippet: String,
    path: String,
    expected: [Option<String>; 8],
}

const FIELDS: [&str; 8] = [
    "agency",
    "province",
    "city",
    "county",
    "code",
    "level",
    "year",
    "published",
];

fn cell(s: &str) -> Option<String> {
    (s != "-").then(|| s.to_string())
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (i, line) in CASES.lines().enumerate() {
        if line.starts_with('#') || line.starts_with("snippet\t") || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 10, "line {}: {} fields", i + 1, f.len());
        out.push(Case {
            line: i + 1,
            snippet: f[0].replace("\\n", "\n"),
            path: if f[1] == "-" {
                String::new()
            } else {
                f[1].to_string()
            },
            expected: [
                cell(f[2]),
                cell(f[3]),
                cell(f[4]),
                cell(f[5]),
                cell(f[6]),
                cell(f[7]),
                cell(f[8]),
                cell(f[9]),
            ],
        });
    }
    out
}

fn actual(id: &Identity) -> [Option<String>; 8] {
    [
        id.agency.clone(),
        id.province.clone(),
        id.city.clone(),
        id.county.clone(),
        id.division_code.clone(),
        Some(id.level.as_str().to_string()),
        id.year.map(|y| y.to_string()),
        id.published.map(|d| d.to_string()),
    ]
}

#[test]
fn case_table() {
    let book = NameBook::embedded();
    let cases = cases();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let mut right = [0usize; 8];
    let mut failures = Vec::new();
    for case in &cases {
        let id = identify(&Document::from_text(&case.snippet), &case.path, &book);
        let got = actual(&id);
        for (k, field) in FIELDS.iter().enumerate() {
            let expected = if *field == "level" {
                case.expected[k].clone().or(Some("unknown".into()))
            } else {
                case.expected[k].clone()
            };
            if got[k] == expected {
                right[k] += 1;
            } else {
                failures.push(format!(
                    "line {} {field}: expected {:?}, got {:?} (raw {:?})",
                    case.line, expected, got[k], id.agency_raw
                ));
            }
        }
    }
    println!("normalize case table: {} cases", cases.len());
    for (k, field) in FIELDS.iter().enumerate() {
        println!(
            "  {field:<10} {:>4}/{} = {:.1}%",
            right[k],
            cases.len(),
            100.0 * right[k] as f64 / cases.len() as f64
        );
    }
    for f in &failures {
        println!("  FAIL {f}");
    }
    assert!(failures.is_empty(), "{} field mismatches", failures.len());
}
