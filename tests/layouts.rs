//! Layouts crawlers leave tables in, on fixtures of our own (`tests/fixtures/layouts/`, our
//! words and numbers, each modelled on a real report of `../shared/corpus/real/` named in its
//! test). The expected values are written by hand from the fixtures: every layout must give
//! the same facts the form states, blanks as nulls, and leave out what it cannot split.

use xxgk::model::{Status, Template};

mod common;

use common::{Read, assert_facts, fixture_bytes, read_bytes, read_fixture};

fn read(name: &str) -> Read {
    read_fixture("layouts", name)
}

/// Modelled on `gh-011.txt` and `010.txt`: no title, the whole page on one line, every table
/// glued into the text with no separators.
#[test]
fn a_page_on_one_line_with_glued_tables() {
    let r = read("glued_2021.txt");
    assert_eq!(r.template, Some(Template::T2021));
    assert!(matches!(r.status, Status::Ok | Status::Partial));
    assert_facts(
        &r,
        &[
            ("art20.rules.issued", Some(0.0)),
            ("art20.rules.in_force", Some(0.0)),
            ("art20.licensing.decisions", Some(86.0)),
            ("art20.penalty.decisions", Some(12.0)),
            // 行政强制 stands with no value at all: its blank was dropped.
            ("art20.enforcement.decisions", None),
            ("art20.fees.amount", Some(0.0)),
            ("requests.received.natural_person", Some(5.0)),
            ("requests.received.business", Some(1.0)),
            ("requests.received.total", Some(6.0)),
            ("requests.carried_in.total", Some(1.0)),
            ("requests.granted.natural_person", Some(3.0)),
            ("requests.granted.total", Some(4.0)),
            ("requests.denied.internal_affairs.total", Some(1.0)),
            ("requests.unavailable.not_held.total", Some(1.0)),
            ("requests.other.misc.total", Some(0.0)),
            ("requests.processed.total", Some(6.0)),
            ("requests.carried_out.total", Some(1.0)),
            ("review.upheld", Some(2.0)),
            ("review.other", Some(1.0)),
            ("review.total", Some(3.0)),
            ("litigation.direct.upheld", Some(12.0)),
            ("litigation.direct.total", Some(12.0)),
            ("litigation.after_review.total", Some(1.0)),
        ],
    );
    // `行政规范性文件2135` is four digits for three cells with no arithmetic to decide: left
    // out, and the reason says so.
    assert!(!r.facts.contains_key("art20.normative_docs.issued"));
    assert!(r.reason.contains("行政规范性文件"), "{}", r.reason);
}

/// Modelled on `gh-007.txt`: a cell per line, two blank lines between cells, four between
/// rows, a blank cell as one more run of blank lines.
#[test]
fn a_cell_per_line_with_blank_runs() {
    let r = read("cell_per_line_2019.txt");
    assert_eq!(r.template, Some(Template::T2019));
    assert_facts(
        &r,
        &[
            ("art20.rules.made", Some(0.0)),
            ("art20.normative_docs.made", Some(4.0)),
            ("art20.normative_docs.published_total", Some(27.0)),
            ("art20.licensing.prior_items", Some(6.0)),
            ("art20.licensing.change", Some(1.0)),
            ("art20.licensing.decisions", Some(48.0)),
            ("requests.received.natural_person", Some(8.0)),
            ("requests.received.total", Some(9.0)),
            ("requests.carried_in.total", Some(0.0)),
            ("requests.granted.business", Some(1.0)),
            ("requests.granted.total", Some(7.0)),
            ("requests.partial.natural_person", None),
            ("requests.partial.total", None),
            ("requests.denied.state_secret.total", None),
            ("requests.unavailable.not_held.total", Some(2.0)),
            ("requests.processed.total", Some(9.0)),
            ("requests.carried_out.total", Some(0.0)),
            ("review.upheld", None),
            ("review.total", Some(0.0)),
            ("litigation.direct.total", Some(0.0)),
            ("litigation.after_review.total", Some(0.0)),
        ],
    );
}

/// Modelled on `059.txt`: markdown tables from a PDF converter, 表三 one small table per group
/// under generic headers (数据1 … 数据6), a header row of another table inside it, 表四 split
/// into one small table per block.
#[test]
fn markdown_tables_with_generic_headers_and_split_blocks() {
    let r = read("markdown_2021.md");
    assert_eq!(r.template, Some(Template::T2021));
    assert_facts(
        &r,
        &[
            ("art20.normative_docs.issued", Some(9.0)),
            ("art20.normative_docs.repealed", Some(2.0)),
            ("art20.normative_docs.in_force", Some(41.0)),
            ("art20.licensing.decisions", Some(15230.0)),
            ("requests.received.natural_person", Some(120.0)),
            ("requests.received.legal_services", Some(2.0)),
            ("requests.received.other_org", Some(1.0)),
            ("requests.received.total", Some(127.0)),
            ("requests.carried_in.total", Some(6.0)),
            ("requests.granted.legal_services", Some(1.0)),
            ("requests.granted.total", Some(53.0)),
            ("requests.unavailable.not_held.total", Some(42.0)),
            ("requests.other.misc.total", Some(32.0)),
            ("requests.processed.total", Some(126.0)),
            ("requests.carried_out.total", Some(7.0)),
            ("review.upheld", Some(11.0)),
            ("review.pending", Some(4.0)),
            ("review.total", Some(20.0)),
            ("litigation.direct.corrected", Some(1.0)),
            ("litigation.direct.total", Some(8.0)),
            ("litigation.after_review.pending", Some(1.0)),
            ("litigation.after_review.total", Some(3.0)),
        ],
    );
}

/// Modelled on `gh-005.txt`: the 2008 统计表 a cell per line (label, unit, figure on adjacent
/// lines, two blank lines between rows), one label wrapped onto a second line.
#[test]
fn a_2008_table_a_cell_per_line() {
    let r = read("cell_per_line_2008.txt");
    assert_eq!(r.template, Some(Template::T2008));
    assert_facts(
        &r,
        &[
            ("proactive.total", Some(912.0)),
            ("proactive.normative_docs", Some(6.0)),
            ("proactive.via.gazette", Some(0.0)),
            ("proactive.via.website", Some(912.0)),
            ("proactive.via.weibo", Some(240.0)),
            ("requests.received.total", Some(7.0)),
            ("requests.received.in_person", Some(2.0)),
            ("requests.received.letter", Some(1.0)),
            ("requests.received.online", Some(4.0)),
            ("review.upheld", Some(1.0)),
        ],
    );
}

/// Modelled on `002.txt` and `006.txt`: a one-line page whose 2008 统计表 is glued, the unit
/// before the figures and this year's figure glued to the running total. `33` can only be
/// 3|3 (历年累计 ≥ 本年); `58963` and `55900` read two ways each and are left out, with the
/// reason; the sentence still gives the year's total.
#[test]
fn a_glued_2008_table_with_its_running_totals() {
    let r = read("glued_2008.txt");
    assert_eq!(r.template, Some(Template::T2008));
    assert!(matches!(r.status, Status::Ok | Status::Partial));
    assert_facts(
        &r,
        &[
            ("proactive.via.gazette", Some(3.0)),
            ("requests.received.total", Some(0.0)),
            ("requests.answered.total", Some(0.0)),
            ("review.total", Some(0.0)),
            ("litigation.total", Some(0.0)),
            // From the sentence 全年主动公开政府信息58条, not from the glued 58963.
            ("proactive.total", Some(58.0)),
        ],
    );
    assert!(!r.facts.contains_key("proactive.via.website"));
    assert!(r.reason.contains("55900"), "{}", r.reason);
}

/// Modelled on `002.txt` (a 2008 统计表 with 历年累计, glued, its units between label and
/// figures) and on the channel rows of `gh-005.txt`, one row per line. Each row's year and
/// running total are glued; where 历年累计 ≥ 本年 leaves a row open (`1842,310` reads
/// 1|842,310, 18|42,310 or 184|2,310), the 其中 rows adding up to it in both columns decide
/// (170 + 14 = 184, 2,150 + 160 = 2,310). Units glued after short labels (`当面件`, `电子邮件件`)
/// are split off, so every channel row is found and 电子邮件 + 网上 add up in full.
/// `行政复议数件1215` (1|215 or 12|15, no rows under it) is left out, and the reason says so.
#[test]
fn a_glued_2008_table_split_by_its_own_rows() {
    let r = read("glued_2008_rows.txt");
    assert_eq!(r.template, Some(Template::T2008));
    assert_eq!(r.status, Status::Partial);
    assert_facts(
        &r,
        &[
            ("proactive.total", Some(184.0)),
            ("proactive.via.website", Some(170.0)),
            ("proactive.via.gazette", Some(14.0)),
            ("requests.received.total", Some(12.0)),
            ("requests.received.in_person", Some(3.0)),
            ("requests.received.fax", Some(0.0)),
            ("requests.received.online", Some(7.0)),
            ("requests.received.letter", Some(2.0)),
            ("requests.received.other", Some(0.0)),
            ("requests.answered.total", Some(12.0)),
            ("requests.answered.granted", Some(9.0)),
            ("requests.answered.partial", Some(2.0)),
            ("requests.answered.denied", Some(1.0)),
            ("litigation.total", Some(0.0)),
        ],
    );
    assert!(!r.facts.contains_key("review.total"));
    assert!(r.reason.contains("1215"), "{}", r.reason);
}

/// Modelled on `008.txt` (the 2019 form with every table glued, one row per line) and the
/// glued 表四 of `gh-011.txt`. Rows whose labels are short words of the form (`规章`,
/// `（七）总计`) are rows; 表四's figures stand alone under its three header lines; a dash is
/// a blank cell of its own (`21—64`). `101000011` (本年新收 and 总计) reads 10|1|0|0|0|0|11
/// or 1|0|10|0|0|0|11: only the first lets the outcome rows add up to 总计 in every column
/// and 本年新收 + 上年结转 = 总计 + 结转下年度. `规范性文件306` (3|0|6 or 30|6 with a blank
/// dropped) is left out, and the reason says so.
#[test]
fn a_glued_2019_form_one_row_per_line() {
    let r = read("glued_2019_rows.txt");
    assert_eq!(r.template, Some(Template::T2019));
    assert_eq!(r.status, Status::Partial);
    assert_facts(
        &r,
        &[
            ("art20.rules.made", Some(0.0)),
            ("art20.rules.published", Some(0.0)),
            ("art20.rules.published_total", Some(0.0)),
            ("art20.enforcement.prior_items", Some(21.0)),
            ("art20.enforcement.change", None),
            ("art20.enforcement.decisions", Some(64.0)),
            ("art20.fees.prior_items", Some(5.0)),
            ("art20.fees.change", Some(-1.0)),
            ("requests.received.natural_person", Some(10.0)),
            ("requests.received.business", Some(1.0)),
            ("requests.received.research", Some(0.0)),
            ("requests.received.total", Some(11.0)),
            ("requests.granted.natural_person", Some(8.0)),
            ("requests.unavailable.not_held.natural_person", Some(1.0)),
            ("requests.other.total", Some(0.0)),
            ("requests.processed.natural_person", Some(10.0)),
            ("requests.processed.research", Some(0.0)),
            ("requests.processed.total", Some(11.0)),
            ("requests.carried_out.total", Some(1.0)),
            ("review.upheld", Some(1.0)),
            ("review.other", Some(1.0)),
            ("review.total", Some(2.0)),
            ("litigation.direct.upheld", Some(1.0)),
            ("litigation.direct.total", Some(1.0)),
            ("litigation.after_review.total", Some(0.0)),
        ],
    );
    assert!(!r.facts.contains_key("art20.normative_docs.made"));
    assert!(r.reason.contains("规范性文件"), "{}", r.reason);
}

/// Modelled on the `detached` layout of `data/sample/001` (PDF text, `xxgk::synth::layouts`):
/// the 2008 统计表 as its label lines, each row's unit glued to its label, then one figure line
/// per row, a page number between two of them. Every row that needs a figure has one, so the
/// zip is certain.
#[test]
fn a_2008_table_with_its_figures_after_its_labels() {
    let r = read("detached_2008.txt");
    assert_eq!(r.template, Some(Template::T2008));
    assert_eq!(r.status, Status::Ok, "{}", r.reason);
    assert_facts(
        &r,
        &[
            ("proactive.total", Some(128.0)),
            ("proactive.normative_docs", Some(4.0)),
            ("proactive.via.gazette", Some(0.0)),
            ("proactive.via.website", Some(128.0)),
            ("requests.received.total", Some(6.0)),
            ("requests.received.in_person", Some(1.0)),
            // After the page number `— 2 —`, which is not a row.
            ("requests.received.online", Some(5.0)),
            ("requests.answered.total", Some(6.0)),
            ("requests.answered.granted", Some(5.0)),
            ("requests.answered.denied", Some(1.0)),
            ("review.total", Some(0.0)),
            ("litigation.total", Some(0.0)),
            ("fees.collected", Some(0.0)),
            ("training.trainees", Some(37.0)),
        ],
    );
}

/// The same layout with a running total (modelled on the `detached` layout of
/// `tests/fixtures/eras/2008_chengxiang_cumulative.txt`), where the last row lost one of its
/// two figures to a blank cell: whether `5` is this year's figure or the running total cannot
/// be told, so no cell of the table is read, and the report says so.
#[test]
fn a_2008_table_whose_figures_lost_a_blank_is_left_unread() {
    let r = read("detached_2008_lost_figure.txt");
    assert_eq!(r.template, Some(Template::T2008));
    assert_eq!(r.status, Status::Partial);
    for id in [
        "proactive.total",
        "requests.received.total",
        "review.total",
        "litigation.total",
    ] {
        assert!(!r.facts.contains_key(id), "{id}: {:?}", r.facts.get(id));
    }
}

/// Modelled on the `detached` layout of `data/sample/003` and on the PDF text of `061.txt`
/// (labels printed apart from their figure rows): 表二's four blocks as captions, header rows
/// and row labels, then one figure line per row; 表三's 25 label lines then 25 figure lines
/// with a page number among them; 表四's header lines over its one row of 15 figures. The row
/// 3.其他 lost its blank cells (`1 1` for seven columns): it is left out and the report is
/// partial; every other cell is read.
#[test]
fn a_2021_report_with_its_figures_after_its_labels() {
    let r = read("detached_2021.txt");
    assert_eq!(r.template, Some(Template::T2021));
    assert_eq!(r.status, Status::Partial);
    assert!(r.reason.contains("3.其他"), "{}", r.reason);
    assert_facts(
        &r,
        &[
            ("art20.rules.issued", Some(0.0)),
            ("art20.rules.in_force", Some(2.0)),
            ("art20.normative_docs.issued", Some(5.0)),
            ("art20.normative_docs.repealed", Some(1.0)),
            ("art20.normative_docs.in_force", Some(23.0)),
            ("art20.licensing.decisions", Some(318.0)),
            ("art20.penalty.decisions", Some(42.0)),
            ("art20.enforcement.decisions", Some(3.0)),
            ("art20.fees.amount", Some(0.0)),
            ("requests.received.natural_person", Some(14.0)),
            ("requests.received.business", Some(2.0)),
            ("requests.received.legal_services", Some(1.0)),
            ("requests.received.total", Some(17.0)),
            ("requests.carried_in.total", Some(1.0)),
            ("requests.granted.business", Some(1.0)),
            ("requests.granted.total", Some(7.0)),
            ("requests.partial.total", Some(2.0)),
            ("requests.denied.internal_affairs.total", Some(1.0)),
            ("requests.unavailable.not_held.natural_person", Some(3.0)),
            ("requests.unavailable.not_held.total", Some(5.0)),
            // The first row after the page number `— 4 —`.
            ("requests.unavailable.unclear.total", Some(0.0)),
            ("requests.not_processed.petition.total", Some(1.0)),
            ("requests.other.unpaid_fee.total", Some(0.0)),
            ("requests.processed.natural_person", Some(14.0)),
            ("requests.processed.total", Some(17.0)),
            ("requests.carried_out.total", Some(1.0)),
            ("review.upheld", Some(2.0)),
            ("review.corrected", Some(1.0)),
            ("review.total", Some(3.0)),
            ("litigation.direct.upheld", Some(1.0)),
            ("litigation.direct.pending", Some(1.0)),
            ("litigation.direct.total", Some(2.0)),
            ("litigation.after_review.total", Some(0.0)),
        ],
    );
    assert!(!r.facts.contains_key("requests.other.misc.total"));
    assert!(!r.facts.contains_key("requests.other.misc.natural_person"));
}

/// Modelled on the 2019 huangpu base of the layout matrix (`tests/fixtures/eras/
/// 2019_huangpu_rowspan.html`) in its markdown-split layout: 表三 and 表四 one small markdown
/// table per row under generic headers (`| 类别 | 数据1 | … | 总计 |`), the form's own headers
/// as `###` lines, and 表四's one sparse row written with a blank label cell and blank figure
/// cells, its last block all blank (`|  | 3 |  | 1 |  | 4 |  | 2 |  |  | 2 |  | … |  |`). That
/// row is 表四's whole: read cell by cell, blanks as nulls, none shifted by the label cell.
#[test]
fn markdown_split_rows_with_a_sparse_table4_row() {
    let r = read("markdown_split_2019.md");
    assert_eq!(r.template, Some(Template::T2019));
    assert_eq!(r.status, Status::Ok, "{}", r.reason);
    assert_facts(
        &r,
        &[
            ("art20.normative_docs.made", Some(3.0)),
            ("art20.normative_docs.published_total", Some(27.0)),
            ("art20.licensing.decisions", Some(368.0)),
            ("art20.penalty.change", Some(-1.0)),
            ("requests.received.natural_person", Some(12.0)),
            ("requests.received.legal_services", Some(1.0)),
            ("requests.received.total", Some(15.0)),
            ("requests.carried_in.total", Some(1.0)),
            ("requests.granted.business", Some(1.0)),
            ("requests.granted.research", None),
            ("requests.granted.total", Some(7.0)),
            ("requests.partial.legal_services", Some(1.0)),
            ("requests.partial.total", Some(3.0)),
            ("requests.denied.state_secret.natural_person", Some(0.0)),
            ("requests.denied.state_secret.total", None),
            ("requests.denied.third_party.total", Some(1.0)),
            ("requests.unavailable.not_held.business", Some(1.0)),
            ("requests.unavailable.not_held.total", Some(4.0)),
            ("requests.not_processed.duplicate.total", Some(1.0)),
            ("requests.processed.natural_person", Some(13.0)),
            ("requests.processed.total", Some(16.0)),
            ("requests.carried_out.total", Some(0.0)),
            // 表四, all fifteen cells.
            ("review.upheld", Some(3.0)),
            ("review.corrected", None),
            ("review.other", Some(1.0)),
            ("review.pending", None),
            ("review.total", Some(4.0)),
            ("litigation.direct.upheld", None),
            ("litigation.direct.corrected", Some(2.0)),
            ("litigation.direct.other", None),
            ("litigation.direct.pending", None),
            ("litigation.direct.total", Some(2.0)),
            ("litigation.after_review.upheld", None),
            ("litigation.after_review.corrected", None),
            ("litigation.after_review.other", None),
            ("litigation.after_review.pending", None),
            ("litigation.after_review.total", None),
        ],
    );
}

/// The same report with 表四's 行政复议 total off by one (`5` where its parts make 4): no
/// arithmetic places the row, but the `###` lines over its table are 表四's header, so the
/// row is 表四's all the same and is read as written (the blank label cell dropped), as the
/// markdown layout with its header rows reads it; the report's own total is then what its
/// check and the sentence (被申请行政复议4件) disagree with.
#[test]
fn markdown_split_table4_row_whose_total_is_off_is_read_as_written() {
    let text = String::from_utf8(fixture_bytes("layouts", "markdown_split_2019.md")).unwrap();
    let row = "|  | 3 |  | 1 |  | 4 |  | 2 |";
    assert!(text.contains(row), "the fixture's 表四 row changed");
    let off = text.replace(row, "|  | 3 |  | 1 |  | 5 |  | 2 |");
    let r = read_bytes("markdown_split_2019_off.md", off.as_bytes());
    assert_facts(
        &r,
        &[
            ("review.upheld", Some(3.0)),
            ("review.corrected", None),
            ("review.other", Some(1.0)),
            ("review.total", Some(5.0)),
            ("litigation.direct.upheld", None),
            ("litigation.direct.corrected", Some(2.0)),
            ("litigation.direct.total", Some(2.0)),
            ("litigation.after_review.total", None),
        ],
    );
}
