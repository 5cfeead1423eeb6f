//! Rules added for the last misses of `../shared/corpus/real/` (helper branch wtreal), each
//! written as a general rule and checked here on fixtures in our own words and numbers
//! (`tests/fixtures/real_misses/`, each naming the real report it was modelled on); the
//! expected values are written by hand from the fixture's text.

use xxgk::model::{Method, Status, Template};

mod common;

use common::{Read, assert_facts, fixture_bytes, read_bytes, read_fixture};

fn read(name: &str) -> Read {
    read_fixture("real_misses", name)
}

/// 维护 typed for 维持 in the 2008 统计表's rows of upheld decisions (modelled on gh-005.txt, a
/// cell-per-line 统计表): the row reads as the upheld cases of its own section — review,
/// litigation or complaints — and the section totals still add up.
#[test]
fn upheld_rows_typed_with_weihu_2008() {
    let r = read("typo_upheld_cell_per_line_2008.txt");
    assert_eq!(r.template, Some(Template::T2008));
    assert_facts(
        &r,
        &[
            ("proactive.total", Some(640.0)),
            ("review.total", Some(3.0)),
            ("review.upheld", Some(2.0)),
            ("review.corrected", Some(1.0)),
            ("litigation.total", Some(7.0)),
            ("litigation.upheld", Some(6.0)),
            ("litigation.other", Some(1.0)),
            ("complaints.total", Some(2.0)),
            ("complaints.upheld", Some(2.0)),
        ],
    );
}

/// The year's total in a sentence of its own, `全年公开信息538条` (modelled on gh-008.txt); a
/// topic's `全年共发布信息97条` and a channel's `微信公众号全年发布信息210条` in the same report
/// are not it.
#[test]
fn a_total_in_a_sentence_of_its_own() {
    let r = read("total_own_sentence_2019.txt");
    assert_facts(
        &r,
        &[
            ("proactive.total", Some(538.0)),
            ("requests.received.total", Some(3.0)),
        ],
    );
    assert_eq!(r.facts.get("proactive.via.wechat"), None);
}

/// `主动公开各类文件信息275条` is the proactive total worded with 文件 (modelled on gh-009.txt).
#[test]
fn a_total_of_file_information() {
    let r = read("total_file_information_2020.txt");
    assert_facts(
        &r,
        &[
            ("proactive.total", Some(275.0)),
            ("requests.received.total", Some(0.0)),
        ],
    );
}

/// A report whose only counts of published items are topics' (`…建设等内容，全年共发布信息143条`),
/// channels' (`网站全年更新各类信息3400条`, `微信公众号全年发布信息1204篇`, a microblog's figure
/// under its own heading) and a platform's (`改版后，2019年发布政务信息860条`) has no total.
#[test]
fn counts_of_topics_and_channels_are_not_the_total() {
    let r = read("no_total_topic_channel_2019.txt");
    assert_eq!(r.facts.get("proactive.total"), None, "{:?}", r.facts);
    assert_facts(
        &r,
        &[
            ("proactive.via.weibo", Some(320.0)),
            ("requests.received.total", Some(12.0)),
        ],
    );
}

/// 表一 of the 2021 form come out of a PDF as plain lines (modelled on 061.txt): each block's
/// caption and glued header row (`信息内容本年处理决定数量`) on lines of their own, each row its
/// label, one space and its figures. Every row is read, under the columns its header names;
/// the prose around it (`网站全年累计发布信息 1873 条`, `直播 56 场`) gives no table figure.
#[test]
fn form_rows_written_as_a_label_and_figures_2021() {
    let r = read("spaced_rows_form_2021.txt");
    assert_eq!(r.template, Some(Template::T2021));
    assert_eq!(r.status, Status::Ok, "{}", r.reason);
    assert_facts(
        &r,
        &[
            ("art20.rules.issued", Some(0.0)),
            ("art20.rules.repealed", Some(1.0)),
            ("art20.rules.in_force", Some(3.0)),
            ("art20.normative_docs.issued", Some(6.0)),
            ("art20.normative_docs.repealed", Some(2.0)),
            ("art20.normative_docs.in_force", Some(38.0)),
            ("art20.licensing.decisions", Some(1240.0)),
            ("art20.other_services.decisions", Some(315.0)),
            ("art20.penalty.decisions", Some(688.0)),
            ("art20.enforcement.decisions", Some(17.0)),
            ("art20.fees.amount", Some(12.5)),
            ("requests.received.total", Some(21.0)),
        ],
    );
}

/// The same report with a row that lost a figure (`行政规范性文件 6 38` under three columns)
/// and a row with one too many (`行政许可 1240 3` under one): neither can be placed, so neither
/// is read, the other rows still are, and the report is partial, its reason naming both rows.
#[test]
fn form_rows_whose_figures_do_not_fit_are_named_unread() {
    let text =
        String::from_utf8(fixture_bytes("real_misses", "spaced_rows_form_2021.txt")).unwrap();
    let text = text
        .replace("行政规范性文件 6 2 38\n", "行政规范性文件 6 38\n")
        .replace("行政许可 1240\n", "行政许可 1240 3\n");
    let r = read_bytes("spaced_rows_lost_figure_2021.txt", text.as_bytes());
    for gone in [
        "art20.normative_docs.issued",
        "art20.normative_docs.repealed",
        "art20.normative_docs.in_force",
        "art20.licensing.decisions",
    ] {
        assert_eq!(r.facts.get(gone), None, "{gone} guessed");
    }
    assert_facts(
        &r,
        &[
            ("art20.rules.in_force", Some(3.0)),
            ("art20.other_services.decisions", Some(315.0)),
            ("art20.fees.amount", Some(12.5)),
        ],
    );
    assert_eq!(r.status, Status::Partial);
    assert!(
        r.reason.contains("行政规范性文件 (line 25)") && r.reason.contains("行政许可 (line 28)"),
        "{}",
        r.reason
    );
}

/// A local 2008 统计表 whose unnumbered rows came out of a PDF as `主动公开信息数 418`, under a
/// header row `指标名称 单位 统计数` and section headings of their own (modelled on 061.txt's
/// layout): the first row is not glued to the header and headings over it, and a unit
/// written between a label and its figure is the unit's cell.
#[test]
fn statistics_table_rows_written_as_a_label_and_figures_2008() {
    let r = read("spaced_rows_2008.txt");
    assert_eq!(r.template, Some(Template::T2008));
    assert_eq!(r.status, Status::Ok, "{}", r.reason);
    assert_facts(
        &r,
        &[
            ("proactive.total", Some(418.0)),
            ("proactive.normative_docs", Some(7.0)),
            ("proactive.normative_docs_issued", Some(3.0)),
            ("requests.received.total", Some(23.0)),
            ("requests.received.in_person", Some(6.0)),
            ("requests.received.fax", Some(0.0)),
            ("requests.received.online", Some(15.0)),
            ("requests.received.letter", Some(2.0)),
            ("requests.closed.total", Some(23.0)),
            ("requests.closed.on_time", Some(23.0)),
            ("requests.closed.extended", Some(0.0)),
            ("review.total", Some(1.0)),
            ("litigation.total", Some(0.0)),
            ("complaints.total", Some(0.0)),
            ("fees.collected", Some(0.2)),
            ("staffing.staff", Some(5.0)),
        ],
    );
}

/// Prose wrapped at a fixed width (modelled on 061.txt's first pages): `发布信息 2139 条`,
/// `直播 118 场`, a line ending in a figure the next line's unit belongs to (`行政许可 1240` /
/// `件，…`), a date cut by its space: no table, no table figure, nothing said unread.
#[test]
fn sentences_with_figures_are_no_rows() {
    let bytes = fixture_bytes("real_misses", "spaced_rows_prose_2021.txt");
    let p = xxgk::pipeline::process_bytes(
        "spaced_rows_prose_2021.txt",
        &bytes,
        &xxgk::knowledge::Knowledge::embedded(),
    );
    let table: Vec<_> = p
        .record
        .facts
        .iter()
        .filter(|f| f.method == Method::Table)
        .map(|f| (&f.indicator, f.value))
        .collect();
    assert!(table.is_empty(), "{table:?}");
    assert_eq!(p.record.status, Status::Ok, "{:?}", p.record.reason);
    assert_eq!(p.record.template, Some(Template::Prose));
    let doc = p.doc.expect("a report");
    assert!(doc.text_rows.is_empty(), "{:?}", doc.text_rows);
}
