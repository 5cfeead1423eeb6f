//! End to end over `data/sample`: the binary is run as a user runs it, the Parquet it writes is
//! read back, and every fact is compared with what was written by hand from reading each report:
//! the five seed reports (`000`–`004`) row by row in `tests/data/sample_expected.tsv`, the
//! layout samples (`100`–`105`, written for the project, see `docs/sample.md`) one file each in
//! `tests/data/samples/`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use arrow_array::{
    Array, BooleanArray, Float64Array, Int16Array, Int32Array, RecordBatch, StringArray,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn xxgk() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xxgk"))
}

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

/// The five seed reports the project was founded on; the other files of the sample are the
/// layout samples, each with its own expectations.
const SEEDS: [&str; 5] = [
    "000_3ea8ee1128555582.txt",
    "001_8ce2c52a2533517f.txt",
    "002_2d814c7af621a11d.txt",
    "003_32627ba4512e0993.txt",
    "004_028974a2b2ad95f8.txt",
];

/// Files in `data/sample` (seeds and layout samples).
const SAMPLE_FILES: usize = 11;

fn is_seed(path: &str) -> bool {
    SEEDS.contains(&path)
}

/// Runs `xxgk run data/sample -o DIR` and returns DIR.
fn run_sample(jobs: &str) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let status = xxgk()
        .args(["run"])
        .arg(sample_dir())
        .arg("-o")
        .arg(out.path())
        .args(["-j", jobs, "-q"])
        .status()
        .unwrap();
    assert!(status.success());
    out
}

fn read(path: &Path) -> RecordBatch {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // One batch holds the whole (small) file.
    let mut reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .with_batch_size(1 << 20)
        .build()
        .unwrap();
    reader
        .next()
        .map(|b| b.unwrap())
        .unwrap_or_else(|| panic!("{} is empty", path.display()))
}

fn strings(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let col = b
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    let s = col
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap_or_else(|| panic!("{name} is not utf8"));
    (0..s.len())
        .map(|i| s.is_valid(i).then(|| s.value(i).to_string()))
        .collect()
}

fn floats(b: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    let s = b
        .column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap();
    (0..s.len())
        .map(|i| s.is_valid(i).then(|| s.value(i)))
        .collect()
}

fn int16s(b: &RecordBatch, name: &str) -> Vec<Option<i16>> {
    let s = b
        .column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<Int16Array>()
        .unwrap();
    (0..s.len())
        .map(|i| s.is_valid(i).then(|| s.value(i)))
        .collect()
}

fn int32s(b: &RecordBatch, name: &str) -> Vec<i32> {
    let s = b
        .column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<Int32Array>()
        .unwrap();
    (0..s.len()).map(|i| s.value(i)).collect()
}

type FactKey = (String, String, String);

/// (file, indicator, method) → value as text (`null` for null).
fn expected_facts() -> BTreeMap<FactKey, String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sample_expected.tsv"),
    )
    .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("file\t") && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                (f[0].to_string(), f[1].to_string(), f[3].to_string()),
                f[2].to_string(),
            )
        })
        .collect()
}

fn fmt_value(v: Option<f64>) -> String {
    match v {
        None => "null".to_string(),
        Some(v) if v.fract() == 0.0 => format!("{}", v as i64),
        Some(v) => v.to_string(),
    }
}

#[test]
fn every_fact_of_the_seeds_as_written_by_hand() {
    let out = run_sample("2");
    let facts = read(&out.path().join("facts.parquet"));
    let (paths, inds, methods, values) = (
        strings(&facts, "source_path"),
        strings(&facts, "indicator"),
        strings(&facts, "method"),
        floats(&facts, "value"),
    );
    let mut got: BTreeMap<FactKey, String> = BTreeMap::new();
    for i in (0..facts.num_rows()).filter(|&i| is_seed(paths[i].as_deref().unwrap())) {
        let key = (
            paths[i].clone().unwrap(),
            inds[i].clone().unwrap(),
            methods[i].clone().unwrap(),
        );
        assert!(
            got.insert(key.clone(), fmt_value(values[i])).is_none(),
            "fact twice: {key:?}"
        );
    }
    let want = expected_facts();
    let missing: Vec<_> = want
        .iter()
        .filter(|(k, v)| got.get(*k) != Some(v))
        .collect();
    let extra: Vec<_> = got.iter().filter(|(k, _)| !want.contains_key(*k)).collect();
    assert!(
        missing.is_empty(),
        "missing or wrong ({}): {:#?}",
        missing.len(),
        &missing[..missing.len().min(20)]
    );
    assert!(
        extra.is_empty(),
        "not expected ({}): {:#?}",
        extra.len(),
        &extra[..extra.len().min(20)]
    );
}

#[test]
fn blank_cells_are_null_with_their_raw_text() {
    let out = run_sample("1");
    let facts = read(&out.path().join("facts.parquet"));
    let (paths, inds, raws, values, lines) = (
        strings(&facts, "source_path"),
        strings(&facts, "indicator"),
        strings(&facts, "value_raw"),
        floats(&facts, "value"),
        int32s(&facts, "source_line"),
    );
    let find = |file: &str, ind: &str| {
        (0..facts.num_rows())
            .find(|&i| {
                paths[i].as_deref().unwrap().starts_with(file) && inds[i].as_deref() == Some(ind)
            })
            .unwrap_or_else(|| panic!("{file} {ind}"))
    };
    let budget = find("000", "staffing.budget");
    assert_eq!((values[budget], raws[budget].as_deref()), (None, Some("")));
    let gazette = find("002", "proactive.via.gazette");
    assert_eq!(values[gazette], None);
    // Audit trail: seed 000 states proactive.total 210 on line 45.
    let total = find("000", "proactive.total");
    assert_eq!((values[total], lines[total]), (Some(210.0), 45));
    // Seed 001 states its trainees in the table and in a sentence on line 33; the table's value is the fact.
    let trainees = find("001", "training.trainees");
    assert_eq!(values[trainees], Some(55.0));
}

#[test]
fn who_and_when_of_each_seed() {
    let out = run_sample("2");
    let reports = read(&out.path().join("reports.parquet"));
    // The file, then the identity fields but the year (read apart below).
    let cols = std::iter::once("source_path").chain(IDENTITY.into_iter().filter(|c| *c != "year"));
    let data: Vec<Vec<Option<String>>> = cols.map(|c| strings(&reports, c)).collect();
    let years = int16s(&reports, "year");
    let row = |i: usize| -> Vec<String> {
        data.iter()
            .map(|c| c[i].clone().unwrap_or_else(|| "–".into()))
            .collect()
    };
    let want = [
        [
            "000_3ea8ee1128555582.txt",
            "威海市环翠区科学技术局",
            "山东省",
            "威海市",
            "环翠区",
            "371002",
            "county",
            "2008",
            "ok",
        ],
        [
            "001_8ce2c52a2533517f.txt",
            "威海市中小企业局",
            "山东省",
            "威海市",
            "–",
            "371000",
            "prefecture",
            "2008",
            "ok",
        ],
        [
            "002_2d814c7af621a11d.txt",
            "温州市科学技术局",
            "浙江省",
            "温州市",
            "–",
            "330300",
            "prefecture",
            "2008",
            "ok",
        ],
        [
            "003_32627ba4512e0993.txt",
            "威海市文登区科学技术局",
            "山东省",
            "威海市",
            "文登区",
            "371003",
            "county",
            "2021",
            "ok",
        ],
        [
            "004_028974a2b2ad95f8.txt",
            "吉林市昌邑区机关事务管理局",
            "吉林省",
            "吉林市",
            "昌邑区",
            "220202",
            "county",
            "prose",
            "ok",
        ],
    ];
    let want_years = [2017, 2017, 2017, 2021, 2017];
    assert_eq!(reports.num_rows(), SAMPLE_FILES);
    // reports.parquet is sorted by source_path: the seeds come first.
    for (i, w) in want.iter().enumerate() {
        assert_eq!(row(i), w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(years[i], Some(want_years[i]));
    }
}

#[test]
fn failed_identities_are_recorded_not_repaired() {
    let out = run_sample("2");
    let checks = read(&out.path().join("checks.parquet"));
    let reports = read(&out.path().join("reports.parquet"));
    let ids: BTreeMap<String, String> = strings(&reports, "report_id")
        .into_iter()
        .zip(strings(&reports, "source_path"))
        .map(|(id, p)| (id.unwrap(), p.unwrap()))
        .collect();
    let (rid, name, exp, act) = (
        strings(&checks, "report_id"),
        strings(&checks, "check"),
        floats(&checks, "expected"),
        floats(&checks, "actual"),
    );
    let ok = checks
        .column_by_name("ok")
        .unwrap()
        .as_any()
        .downcast_ref::<BooleanArray>()
        .unwrap()
        .clone();
    let failed: BTreeSet<(String, String, i64, i64)> = (0..checks.num_rows())
        .filter(|&i| !ok.value(i))
        .map(|i| {
            let file = ids[rid[i].as_ref().unwrap()][..3].to_string();
            (
                file,
                name[i].clone().unwrap(),
                exp[i].unwrap() as i64,
                act[i].unwrap() as i64,
            )
        })
        .collect();
    let want: BTreeSet<(String, String, i64, i64)> = [
        // 002: 申请办结数 0 but 按时办结数 2; 申请答复数 0 but 同意公开答复数 2.
        ("002", "requests.closed.total", 0, 2),
        ("002", "requests.answered.total", 0, 2),
        // 001: 报送信息数 9 = 纸质 9 + 电子 9 does not hold.
        ("001", "archives.total", 9, 18),
        // 001: the table says 146 via the website, a sentence says 259.
        ("001", "text_vs_table.proactive.via.website", 146, 259),
    ]
    .into_iter()
    .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c, d))
    .collect();
    // The layout samples add up everywhere: none of their checks fails.
    assert_eq!(failed, want);
    // 003's 表三 balances in every column; 000's blank budget means staffing checks still run.
    assert!(
        name.iter()
            .any(|n| n.as_deref() == Some("requests.balance.natural_person"))
    );
    let reports_failed = int32s(&reports, "checks_failed");
    assert_eq!(reports_failed, vec![0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn same_input_same_bytes_whatever_the_threads() {
    let a = run_sample("1");
    let b = run_sample("2");
    for name in ["facts.parquet", "reports.parquet", "checks.parquet"] {
        let x = std::fs::read(a.path().join(name)).unwrap();
        let y = std::fs::read(b.path().join(name)).unwrap();
        assert!(x == y, "{name} differs between -j 1 and -j 2");
    }
}

#[test]
fn exit_status_tells_bad_arguments_from_unwritable_output() {
    let bad = xxgk().args(["run", "--no-such-flag"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let missing = xxgk()
        .args(["run", "/no/such/corpus", "-q"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("out");
    std::fs::write(&blocker, b"a file where the output directory should go").unwrap();
    let unwritable = xxgk()
        .arg("run")
        .arg(sample_dir())
        .arg("-o")
        .arg(&blocker)
        .arg("-q")
        .output()
        .unwrap();
    assert_eq!(unwritable.status.code(), Some(1));
    let summary = xxgk()
        .arg("run")
        .arg(sample_dir())
        .arg("-o")
        .arg(dir.path().join("ok"))
        .arg("-q")
        .output()
        .unwrap();
    assert_eq!(summary.status.code(), Some(0));
    let err = String::from_utf8_lossy(&summary.stderr);
    assert!(
        err.contains(&format!("{SAMPLE_FILES} files"))
            && err.contains("facts")
            && err.contains("MB/s"),
        "{err}"
    );
    // No temporary files are left next to the dataset.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("ok"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn inspect_shows_identity_facts_and_checks() {
    let out = xxgk()
        .arg("inspect")
        .arg(sample_dir().join("002_2d814c7af621a11d.txt"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("温州市科学技术局"));
    assert!(text.contains("proactive.via.weibo") && text.contains("741"));
    assert!(text.contains("requests.closed.total") && text.contains("FAILED"));
    // Its panel row: 同意公开答复数 2 over a stated 申请答复数 0, so no rate.
    let panel = &text[text.find("\npanel").expect("a panel section")..];
    let value = |name: &str| {
        panel
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or_else(|| panic!("{name} in {panel}"))
            .to_string()
    };
    assert_eq!(value("granted"), "2");
    assert_eq!(value("handled"), "0");
    assert_eq!(value("carried_in"), "–");
    assert_eq!(value("disclosure_rate"), "–");
}

// ---------------------------------------------------------------------------------------------
// The layout samples: each report's facts and identity as written by hand in
// tests/data/samples/<file stem>.tsv
// ---------------------------------------------------------------------------------------------

/// 表三's columns, in the form's order: the last segment of a row's ids.
const APPLICANTS: [&str; 7] = [
    "natural_person",
    "business",
    "research",
    "nonprofit",
    "legal_services",
    "other_org",
    "total",
];

/// 表四's fifteen cells, in the form's order: written out here rather than read from
/// `data/rules/form4.csv`, so that a wrong order there fails these tests instead of moving
/// the expectations with it.
const FORM4: [&str; 15] = [
    "review.upheld",
    "review.corrected",
    "review.other",
    "review.pending",
    "review.total",
    "litigation.direct.upheld",
    "litigation.direct.corrected",
    "litigation.direct.other",
    "litigation.direct.pending",
    "litigation.direct.total",
    "litigation.after_review.upheld",
    "litigation.after_review.corrected",
    "litigation.after_review.other",
    "litigation.after_review.pending",
    "litigation.after_review.total",
];

/// Identity fields of reports.parquet a sample's file states (`year` read apart).
const IDENTITY: [&str; 9] = [
    "agency",
    "province",
    "city",
    "county",
    "division_code",
    "level",
    "template",
    "status",
    "year",
];

/// What a layout sample's expectation file says.
#[derive(Default)]
struct Expected {
    /// Identity field → value (`-` for none).
    identity: BTreeMap<String, String>,
    /// Words the report's reason must hold.
    reasons: Vec<String>,
    /// (indicator, method) → value as text (`null` for a blank cell).
    facts: BTreeMap<(String, String), String>,
}

fn hand_value(v: &str) -> String {
    if v == "-" { "null".into() } else { v.into() }
}

/// Reads `tests/data/samples/<stem>.tsv`: identity lines, `reason` lines, fact lines
/// (`ID VALUE [METHOD]`), `row ID` + 表三's seven cells, `form4` + 表四's fifteen.
fn expected_sample(file: &str) -> Expected {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/samples/{stem}.tsv"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut want = Expected::default();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split('\t').collect();
        let table = |id: String, v: &str| ((id, "table".to_string()), hand_value(v));
        match f[0] {
            "reason" => want.reasons.push(f[1].to_string()),
            key if IDENTITY.contains(&key) => {
                want.identity.insert(key.to_string(), f[1].to_string());
            }
            "row" => {
                let cells: Vec<&str> = f[2].split(' ').collect();
                assert_eq!(cells.len(), 7, "{stem}: {line}");
                want.facts.extend(
                    APPLICANTS
                        .iter()
                        .zip(cells)
                        .map(|(col, v)| table(format!("{}.{col}", f[1]), v)),
                );
            }
            "form4" => {
                let cells: Vec<&str> = f[1].split(' ').collect();
                assert_eq!(cells.len(), 15, "{stem}: {line}");
                want.facts.extend(
                    FORM4
                        .iter()
                        .zip(cells)
                        .map(|(id, v)| table(id.to_string(), v)),
                );
            }
            id => {
                let method = f.get(2).copied().unwrap_or("table");
                want.facts
                    .insert((id.to_string(), method.to_string()), hand_value(f[1]));
            }
        }
    }
    want
}

/// The sample run once for all the layout tests of this binary.
fn sample_output() -> &'static Path {
    static RUN: OnceLock<tempfile::TempDir> = OnceLock::new();
    RUN.get_or_init(|| run_sample("2")).path()
}

/// Compares what xxgk wrote for `file` of data/sample with its hand-written expectations:
/// every fact (none missing, none wrong, none extra), the identity, the status and its reason.
fn check_layout_sample(file: &str) {
    let want = expected_sample(file);
    let out = sample_output();
    let facts = read(&out.join("facts.parquet"));
    let (paths, inds, methods, values) = (
        strings(&facts, "source_path"),
        strings(&facts, "indicator"),
        strings(&facts, "method"),
        floats(&facts, "value"),
    );
    let got: BTreeMap<(String, String), String> = (0..facts.num_rows())
        .filter(|&i| paths[i].as_deref() == Some(file))
        .map(|i| {
            (
                (inds[i].clone().unwrap(), methods[i].clone().unwrap()),
                fmt_value(values[i]),
            )
        })
        .collect();
    let wrong: Vec<_> = want
        .facts
        .iter()
        .filter(|(k, v)| got.get(*k) != Some(v))
        .map(|(k, v)| format!("{} ({}): want {v}, got {:?}", k.0, k.1, got.get(k)))
        .collect();
    let extra: Vec<_> = got
        .iter()
        .filter(|(k, _)| !want.facts.contains_key(*k))
        .map(|(k, v)| format!("{} ({}) = {v}", k.0, k.1))
        .collect();

    let reports = read(&out.join("reports.parquet"));
    let row = strings(&reports, "source_path")
        .iter()
        .position(|p| p.as_deref() == Some(file))
        .unwrap_or_else(|| panic!("{file} not in reports.parquet"));
    let mut identity: BTreeMap<String, String> = IDENTITY
        .iter()
        .filter(|c| **c != "year")
        .map(|c| {
            let v = strings(&reports, c)[row].clone();
            (c.to_string(), v.unwrap_or_else(|| "-".into()))
        })
        .collect();
    let year = int16s(&reports, "year")[row].map_or("-".into(), |y| y.to_string());
    identity.insert("year".into(), year);
    let reason = strings(&reports, "reason")[row].clone().unwrap_or_default();
    let reason_misses: Vec<_> = want
        .reasons
        .iter()
        .filter(|w| !reason.contains(*w))
        .collect();

    assert!(
        wrong.is_empty()
            && extra.is_empty()
            && identity == want.identity
            && reason_misses.is_empty(),
        "{file}\nmissing or wrong ({}): {wrong:#?}\nnot expected ({}): {extra:#?}\n\
         identity: got {identity:?}\n          want {:?}\nreason {reason:?} lacks {reason_misses:?}",
        wrong.len(),
        extra.len(),
        want.identity,
    );
}

#[test]
fn sample_100_pipe_rows_2021() {
    check_layout_sample("100_pipes_2021.txt");
}

#[test]
fn sample_101_markdown_one_table_per_row_2019() {
    check_layout_sample("101_markdown_2019.md");
}

#[test]
fn sample_102_a_cell_per_line_2019() {
    check_layout_sample("102_cell_per_line_2019.txt");
}

#[test]
fn sample_103_glued_digits_2021() {
    check_layout_sample("103_glued_2021.txt");
}

#[test]
fn sample_104_glued_to_running_totals_2008() {
    check_layout_sample("104_glued_2008.txt");
}

#[test]
fn sample_105_no_title_a_cell_per_line_2008() {
    check_layout_sample("105_no_title_cell_per_line_2008.txt");
}

#[test]
fn every_file_of_the_sample_has_its_expectations() {
    let mut files: Vec<String> = std::fs::read_dir(sample_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), SAMPLE_FILES);
    for f in files.iter().filter(|f| !is_seed(f)) {
        let stem = f.rsplit_once('.').map_or(f.as_str(), |(s, _)| s);
        let tsv =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/samples/{stem}.tsv"));
        assert!(tsv.exists(), "{f} has no {}", tsv.display());
    }
}
