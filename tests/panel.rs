//! The harmonized panel on reports of every era, with the expected measures written by hand
//! from each report's own text (the seeds of data/sample and the 2019 fixture of
//! tests/fixtures/eras), then panel.parquet and `xxgk rates` end to end on the sample.

use std::path::Path;
use std::process::Command;

use xxgk::knowledge::Knowledge;
use xxgk::panel::{Measure, PanelValues};
use xxgk::pipeline::{self, RunOptions, process_bytes};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The panel values of one file, processed alone.
fn values_of(rel: &str, k: &Knowledge) -> (Option<String>, PanelValues) {
    let bytes = std::fs::read(root().join(rel)).unwrap();
    let r = process_bytes(rel, &bytes, k).record;
    let template = r.template.map(|t| t.as_str().to_string());
    (
        template,
        k.panel.values(r.template, &r.facts, r.checks_failed()),
    )
}

/// Asserts every measure (those not listed are null) and every rate.
fn check(rel: &str, template: &str, want: &[(&str, f64)], rates: [Option<f64>; 4]) {
    let k = Knowledge::embedded();
    let (t, v) = values_of(rel, &k);
    assert_eq!(t.as_deref(), Some(template), "{rel}");
    for m in Measure::ALL {
        let expected = want
            .iter()
            .find(|(name, _)| *name == m.as_str())
            .map(|(_, x)| *x);
        assert_eq!(v.measures[m as usize], expected, "{rel}: {}", m.as_str());
    }
    for (name, _) in want {
        assert!(Measure::parse(name).is_some(), "{name}");
    }
    assert_eq!(v.rates, rates, "{rel}: rates");
}

/// 2008-era table, 威海市中小企业局 2017: 收到申请数 3, 申请答复数 3, all three 属于已主动公开范围
/// (so 其他 here), 同意公开 0, 同意部分公开 0; 复议 and 诉讼 0; no 结转 and no 尚未审结 on the form.
#[test]
fn a_2008_table_by_hand() {
    let zero = [
        "granted",
        "partial",
        "denied",
        "unavailable",
        "review_total",
        "review_corrected",
        "litigation_total",
        "litigation_corrected",
    ];
    let mut want: Vec<(&str, f64)> = zero.iter().map(|m| (*m, 0.0)).collect();
    want.extend([
        ("proactive", 259.0),
        ("received", 3.0),
        ("handled", 3.0),
        ("other", 3.0),
    ]);
    check(
        "data/sample/001_8ce2c52a2533517f.txt",
        "2008",
        &want,
        [Some(0.0), Some(0.0), None, None],
    );
}

/// 2008-era table whose totals do not add up, 温州市科学技术局 2017: 收到申请数 2, 申请答复数
/// stated 0 while 同意公开答复数 says 2. The rate has a 0 denominator: null, not inf.
#[test]
fn a_2008_table_that_does_not_add_up() {
    let zero = [
        "handled",
        "partial",
        "denied",
        "unavailable",
        "other",
        "review_total",
        "review_corrected",
        "litigation_total",
        "litigation_corrected",
    ];
    let mut want: Vec<(&str, f64)> = zero.iter().map(|m| (*m, 0.0)).collect();
    want.extend([("proactive", 947.0), ("received", 2.0), ("granted", 2.0)]);
    check(
        "data/sample/002_2d814c7af621a11d.txt",
        "2008",
        &want,
        [None; 4],
    );
    let (_, v) = values_of(
        "data/sample/002_2d814c7af621a11d.txt",
        &Knowledge::embedded(),
    );
    assert!(v.checks_failed > 0, "its failed identities are on the row");
}

/// The 2019 form, the 黄浦区 fixture (a 2019 report in rowspan HTML): 表三 51 new, 3 carried
/// in, 予以公开 24, 部分公开 5, 不予公开 2 + 1 + 1 and 无法提供 9 + 1 + 1 + 2 + 1 and 不予处理
/// 2 + 3 in the 自然人/other columns only (总计 blank), 其他处理 1, 总计 53, 结转 1; 表四: 复议
/// 5, blank, blank, 2, 7; 直接起诉 8, blank, blank, 1, 9; 复议后起诉 all blank. The blank 结果纠正
/// cells are proven 0 by their totals (5 + 2 = 7, 8 + 1 = 9). 4215 条 主动公开 from the text.
#[test]
fn a_2019_form_by_hand() {
    check(
        "tests/fixtures/eras/2019_huangpu_rowspan.html",
        "2019",
        &[
            ("proactive", 4215.0),
            ("received", 51.0),
            ("carried_in", 3.0),
            ("handled", 53.0),
            ("granted", 24.0),
            ("partial", 5.0),
            ("denied", 4.0),
            ("unavailable", 14.0),
            ("not_processed", 5.0),
            ("other", 1.0),
            ("carried_out", 1.0),
            ("review_total", 7.0),
            ("review_corrected", 0.0),
            ("review_pending", 2.0),
            ("litigation_total", 9.0),
            ("litigation_corrected", 0.0),
            ("litigation_pending", 1.0),
        ],
        [
            Some(29.0 / 53.0),
            Some(24.0 / 53.0),
            Some(0.0),
            Some(0.0 / 13.0),
        ],
    );
}

/// The 2021 form, 威海市文登区科学技术局 2021: every cell of 表三 and 表四 is 0; 共主动公开政务
/// 信息253条 in the text. Every denominator is 0: no rate.
#[test]
fn a_2021_form_by_hand() {
    let mut want: Vec<(&str, f64)> = Measure::ALL.iter().map(|m| (m.as_str(), 0.0)).collect();
    want[0] = ("proactive", 253.0);
    check(
        "data/sample/003_32627ba4512e0993.txt",
        "2021",
        &want,
        [None; 4],
    );
}

/// A prose report, 吉林市昌邑区机关事务管理局 2017: 主动公开政府信息3条, 未发生受理…依申请公开
/// (0 received), 未收到…行政复议申请, 没有发生…行政诉讼. Nothing else has an equivalent.
#[test]
fn a_prose_report_by_hand() {
    check(
        "data/sample/004_028974a2b2ad95f8.txt",
        "prose",
        &[
            ("proactive", 3.0),
            ("received", 0.0),
            ("review_total", 0.0),
            ("litigation_total", 0.0),
        ],
        [None; 4],
    );
}

/// The markdown sample (2019 form), 绵阳市生态环境局 2020: 表三's rows as written; 表四 复议
/// 2 + 1 + 0 + 0 = 3, 直接起诉 1 + 0 + 0 + 1 = 2, 复议后起诉 0 + 0 + 0 + 1 = 1. No sentence states
/// a 主动公开 total. 实质公开率 (23 + 4) / 50; 复议纠错率 1 / (3 − 0); 综合纠错率
/// (1 + 0) / (3 + 3 − 0 − 2).
#[test]
fn the_markdown_sample_by_hand() {
    check(
        "data/sample/101_markdown_2019.md",
        "2019",
        &[
            ("received", 49.0),
            ("carried_in", 4.0),
            ("handled", 50.0),
            ("granted", 23.0),
            ("partial", 4.0),
            ("denied", 3.0),
            ("unavailable", 14.0),
            ("not_processed", 4.0),
            ("other", 2.0),
            ("carried_out", 3.0),
            ("review_total", 3.0),
            ("review_corrected", 1.0),
            ("review_pending", 0.0),
            ("litigation_total", 3.0),
            ("litigation_corrected", 0.0),
            ("litigation_pending", 2.0),
        ],
        [
            Some(27.0 / 50.0),
            Some(23.0 / 50.0),
            Some(1.0 / 3.0),
            Some(0.25),
        ],
    );
}

/// The cell-per-line sample (2019 form), 桃源县市场监督管理局 2019: whole rows of 表三 blank (not
/// stated: 不予公开 and 其他处理 stay null), 表四 with only its three 总计 cells, 0: the blanks
/// beside a stated 0 total are proved 0, and a 0 denominator has no rate.
#[test]
fn the_cell_per_line_sample_by_hand() {
    check(
        "data/sample/102_cell_per_line_2019.txt",
        "2019",
        &[
            ("received", 13.0),
            ("carried_in", 0.0),
            ("handled", 12.0),
            ("granted", 7.0),
            ("partial", 1.0),
            ("unavailable", 3.0),
            ("not_processed", 1.0),
            ("carried_out", 1.0),
            ("review_total", 0.0),
            ("review_corrected", 0.0),
            ("review_pending", 0.0),
            ("litigation_total", 0.0),
            ("litigation_corrected", 0.0),
            ("litigation_pending", 0.0),
        ],
        [Some(8.0 / 12.0), Some(7.0 / 12.0), None, None],
    );
}

/// A dataset of the sample: one panel row per report, and `xxgk rates` pools it as worked
/// out by hand from the rows above.
#[test]
fn sample_panel_and_rates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let k = Knowledge::embedded();
    let s = pipeline::run(&RunOptions::new(root().join("data/sample"), &out), &k).unwrap();
    // The five seeds and the six layout samples.
    assert_eq!(s.files, 11);
    let csv = Command::new(env!("CARGO_BIN_EXE_xxgk"))
        .args(["rates", "--format", "csv", "--by", "province,year"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(csv.status.success());
    let text = String::from_utf8(csv.stdout).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    let head = &rows[0];
    let col = |name: &str| head.iter().position(|h| *h == name).unwrap();
    let row = |p: &str, y: &str| {
        rows.iter()
            .find(|r| r[0] == p && r[1] == y)
            .unwrap_or_else(|| panic!("{p} {y} in {text}"))
    };
    // A header and ten groups: the seeds' four, one per layout sample.
    assert_eq!(rows.len(), 11, "{text}");
    let rate = |r: &Vec<&str>, name: &str| r[col(name)].parse::<f64>().ok();
    // 四川省 2020 (101): (23 + 4) / 50; 复议纠错率 1 / 3.
    let sc = row("四川省", "2020");
    assert_eq!(rate(sc, "disclosure_rate"), Some(27.0 / 50.0));
    assert_eq!(rate(sc, "review_correction_rate"), Some(1.0 / 3.0));
    // 湖南省 2019 (102): (7 + 1) / 12; 复议 0 of 0: no correction rate, its denominator stated.
    let hn = row("湖南省", "2019");
    assert_eq!(rate(hn, "disclosure_rate"), Some(8.0 / 12.0));
    assert_eq!(hn[col("review_correction_rate")], "");
    assert_eq!(hn[col("review_correction_rate_stated")], "1");
    // 河南省 2022 (100): (8 + 2) / 17; 甘肃省 2023 (103): (10 + 1) / 18, 复议 1 of 4 − 1 pending.
    assert_eq!(
        rate(row("河南省", "2022"), "disclosure_rate"),
        Some(10.0 / 17.0)
    );
    let gs = row("甘肃省", "2023");
    assert_eq!(rate(gs, "disclosure_rate"), Some(11.0 / 18.0));
    assert_eq!(rate(gs, "review_correction_rate"), Some(1.0 / 3.0));
    // 江西省 2011 (104) and 山西省 2016 (105), 2008 tables: 同意公开 2 of 3 and 3 of 6; no
    // 尚未审结, so no correction rate.
    assert_eq!(
        rate(row("江西省", "2011"), "disclosure_rate"),
        Some(2.0 / 3.0)
    );
    let sx = row("山西省", "2016");
    assert_eq!(rate(sx, "disclosure_rate"), Some(0.5));
    assert_eq!(sx[col("review_correction_rate_stated")], "0");
    // 山东省 2017: 环翠 answered 0 (stated, nothing to pool), 中小企业局 0 of 3.
    let sd = row("山东省", "2017");
    assert_eq!(sd[col("reports")], "2");
    assert_eq!(sd[col("disclosure_rate")], "0");
    assert_eq!(sd[col("disclosure_rate_denominator")], "3");
    assert_eq!(sd[col("disclosure_rate_reports")], "1");
    assert_eq!(sd[col("disclosure_rate_stated")], "2");
    // No 尚未审结 on the 2008 form: no correction rate, no denominator stated.
    assert_eq!(sd[col("review_correction_rate_stated")], "0");
    // 浙江省 2017: 2 granted over a stated 0: no rate (the README's old inf).
    let zj = row("浙江省", "2017");
    assert_eq!(zj[col("disclosure_rate")], "");
    assert_eq!(zj[col("disclosure_rate_stated")], "1");
    assert_eq!(zj[col("disclosure_rate_reports")], "0");
    // 山东省 2021: 0 of 0 (the README's old NaN).
    let sd21 = row("山东省", "2021");
    assert_eq!(sd21[col("disclosure_rate")], "");
    assert_eq!(sd21[col("correction_rate_stated")], "1");
    // Unknown or absent rows: 吉林省's prose report states no 办理结果.
    assert_eq!(row("吉林省", "2017")[col("disclosure_rate_stated")], "0");

    // A missing dataset is an argument error.
    let none = Command::new(env!("CARGO_BIN_EXE_xxgk"))
        .args(["rates"])
        .arg(dir.path().join("nothing"))
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2));
}

/// Read from shards or partitions, the rates are the same text.
#[test]
fn rates_do_not_depend_on_how_the_dataset_is_split() {
    let dir = tempfile::tempdir().unwrap();
    let k = Knowledge::embedded();
    let corpus = root().join("data/sample");
    let flat = dir.path().join("flat");
    pipeline::run(&RunOptions::new(&corpus, &flat), &k).unwrap();
    let parts = dir.path().join("parts");
    pipeline::run(
        &RunOptions {
            partition_by: vec![
                xxgk::sink::PartitionBy::Year,
                xxgk::sink::PartitionBy::Province,
            ],
            ..RunOptions::new(&corpus, &parts)
        },
        &k,
    )
    .unwrap();
    assert!(
        parts
            .join("year=2017/province=山东省/panel.parquet")
            .is_file()
    );
    let sharded = dir.path().join("sharded");
    for i in 0..3 {
        pipeline::run(
            &RunOptions {
                shard: xxgk::shard::Shard::resolve(Some(3), Some(i), |_| None).unwrap(),
                ..RunOptions::new(&corpus, &sharded)
            },
            &k,
        )
        .unwrap();
    }
    let rates = |d: &Path, format: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_xxgk"))
            .args(["rates", "--format", format, "--by", "province,year"])
            .arg(d)
            .output()
            .unwrap();
        assert!(o.status.success());
        String::from_utf8(o.stdout).unwrap()
    };
    for format in ["csv", "json", "table"] {
        let reference = rates(&flat, format);
        assert_eq!(rates(&parts, format), reference, "{format}");
        assert_eq!(rates(&sharded, format), reference, "{format}");
    }
}

/// The measures of real reports (../shared/corpus/real) from the figures checked by hand in its
/// expected.csv, one report of each era: the mapping of panel.csv on real wording, whatever
/// the extractor reads today. The expected measures are worked out by hand from those figures.
#[test]
fn real_reports_of_every_era() {
    let dir = root().join("../shared/corpus/real");
    let Ok(text) = std::fs::read_to_string(dir.join("expected.csv")) else {
        eprintln!("skipped: ../shared/corpus/real is absent");
        return;
    };
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let k = Knowledge::embedded();
    let check = |file: &str,
                 template: xxgk::model::Template,
                 want: &[(&str, f64)],
                 rates: [Option<f64>; 4]| {
        let facts: Vec<xxgk::model::Fact> = rows
            .iter()
            .filter(|r| &r[0] == file)
            .map(|r| xxgk::model::Fact {
                indicator: r[1].to_string(),
                value: r[2].parse().ok(),
                value_raw: r[2].to_string(),
                unit: String::new(),
                method: xxgk::model::Method::Table,
                line: 0,
            })
            .collect();
        assert!(!facts.is_empty(), "{file} in expected.csv");
        let v = k.panel.values(Some(template), &facts, 0);
        for m in Measure::ALL {
            let expected = want.iter().find(|(n, _)| *n == m.as_str()).map(|(_, x)| *x);
            assert_eq!(v.measures[m as usize], expected, "{file}: {}", m.as_str());
        }
        assert_eq!(v.rates, rates, "{file}");
    };
    use xxgk::model::Template;
    // 平潭综合实验区 2019 (2019 form): 23 new, 0 carried in, 予以公开 7, 部分公开 1, 无法提供
    // 不掌握 7 + 仍不明确 5, 重复申请 3, 其他处理 0, 总计 23, 结转 0; 表四 totals all 0, which
    // prove their blank parts 0.
    check(
        "008.txt",
        Template::T2019,
        &[
            ("proactive", 2599.0),
            ("received", 23.0),
            ("carried_in", 0.0),
            ("handled", 23.0),
            ("granted", 7.0),
            ("partial", 1.0),
            ("unavailable", 12.0),
            ("not_processed", 3.0),
            ("other", 0.0),
            ("carried_out", 0.0),
            ("review_total", 0.0),
            ("review_corrected", 0.0),
            ("review_pending", 0.0),
            ("litigation_total", 0.0),
            ("litigation_corrected", 0.0),
            ("litigation_pending", 0.0),
        ],
        [Some(8.0 / 23.0), Some(7.0 / 23.0), None, None],
    );
    // A 2021-form report (010): 予以公开 30 of 总计 69; 部分公开 not among the checked figures,
    // and the checked outcome rows (30 + 6 + 25 + 0) do not reach 69: it stays null. 复议
    // 维持 1 + 其他 2 = 总计 3 and 直接起诉 维持 12 = 总计 12 prove 纠正 and 尚未审结 0.
    check(
        "010.txt",
        Template::T2021,
        &[
            ("received", 70.0),
            ("handled", 69.0),
            ("granted", 30.0),
            ("denied", 6.0),
            ("unavailable", 25.0),
            ("not_processed", 0.0),
            ("carried_out", 1.0),
            ("review_total", 3.0),
            ("review_corrected", 0.0),
            ("review_pending", 0.0),
            ("litigation_total", 12.0),
            ("litigation_corrected", 0.0),
            ("litigation_pending", 0.0),
        ],
        [None, Some(30.0 / 69.0), Some(0.0), Some(0.0)],
    );
    // 平潭县人民政府 2011 (old table): 收到申请数 0, 申请答复数 0, 同意公开 0, 不同意公开 0;
    // 申请答复数 0 proves 同意部分公开 0; 复议 0, 诉讼 0.
    check(
        "002.txt",
        Template::T2008,
        &[
            ("proactive", 425.0),
            ("received", 0.0),
            ("handled", 0.0),
            ("granted", 0.0),
            ("partial", 0.0),
            ("denied", 0.0),
            ("review_total", 0.0),
            ("review_corrected", 0.0),
            ("litigation_total", 0.0),
            ("litigation_corrected", 0.0),
        ],
        [None; 4],
    );
    // 平潭 地方税务局 2013 (prose): 主动公开 45, 未收到 申请, no 行政复议.
    check(
        "004.txt",
        Template::Prose,
        &[
            ("proactive", 45.0),
            ("received", 0.0),
            ("review_total", 0.0),
        ],
        [None; 4],
    );
}
