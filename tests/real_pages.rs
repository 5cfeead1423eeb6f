//! Rules checked against crawled real reports beyond `../shared/corpus/real/` (pages and
//! repository files read with the search tool, listed per layout in the helper's notes). Each
//! fixture in `tests/fixtures/real_pages/` is written in our own words and numbers and names
//! the real page it was modelled on; the expected values are written by hand.

use xxgk::model::Status;

mod common;

use common::{Read, assert_facts, read_fixture};

fn read(name: &str) -> Read {
    read_fixture("real_pages", name)
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

/// A cell per line, each closed by a pipe, a blank cell a lone `|`, the spare cells of a
/// spanned cell a line of pipes where its row ends; no other mark of the rows. Modelled on the
/// 2023 report of a district 统计局 crawled as
/// http://61.150.65.235/zfxxgk/zfxxgknb/bmxxgknb/1906985018193408001.html (search tool,
/// `pages`), where nothing was read before.
#[test]
fn a_pipe_closed_cell_per_line_2021() {
    let r = read("pipe_cells_2021.txt");
    assert_eq!(r.status, Status::Ok, "{}", r.reason);
    assert_facts(
        &r,
        &[
            ("art20.rules.issued", None),
            ("art20.normative_docs.issued", Some(2.0)),
            ("art20.normative_docs.repealed", Some(1.0)),
            ("art20.normative_docs.in_force", Some(9.0)),
            ("art20.licensing.decisions", Some(14.0)),
            ("art20.penalty.decisions", Some(7.0)),
            ("art20.enforcement.decisions", Some(0.0)),
            ("art20.fees.amount", Some(0.0)),
            ("requests.received.natural_person", Some(5.0)),
            ("requests.received.business", Some(1.0)),
            ("requests.received.research", None),
            ("requests.received.total", Some(6.0)),
            ("requests.carried_in.natural_person", None),
            ("requests.carried_in.total", Some(0.0)),
            ("requests.granted.natural_person", Some(3.0)),
            ("requests.granted.business", None),
            ("requests.granted.total", Some(3.0)),
            ("requests.partial.business", Some(1.0)),
            ("requests.partial.total", Some(2.0)),
            ("requests.unavailable.not_held.total", Some(1.0)),
            ("requests.processed.total", Some(6.0)),
            ("requests.carried_out.other_org", Some(0.0)),
        ],
    );
}

/// The same layout with the 2008 统计表's unit column: the unit is not a label, the header
/// cells before the first row are a row of their own.
#[test]
fn a_pipe_closed_cell_per_line_2008() {
    let r = read("pipe_cells_2008.txt");
    assert_eq!(r.status, Status::Ok, "{}", r.reason);
    assert_facts(
        &r,
        &[
            ("proactive.total", Some(134.0)),
            ("proactive.via.website", Some(130.0)),
            ("proactive.via.gazette", None),
            ("requests.received.total", Some(3.0)),
            ("requests.answered.total", Some(3.0)),
            ("review.total", Some(0.0)),
            ("litigation.total", Some(0.0)),
        ],
    );
}

/// Rows written `|` first and closed `0 | |`, a spanned caption `第二十条第(一)项 | ||||`.
/// Modelled on the 2020 report of 湖口县大垅乡 crawled as
/// https://www.hukou.gov.cn/dlx/zfxxgknb_171215/202101/t20210116_4743388.html (`pages`).
#[test]
fn a_pipe_closed_cell_per_line_with_row_edges_2019() {
    let r = read("pipe_cells_row_edges_2019.txt");
    assert_eq!(r.status, Status::Ok, "{}", r.reason);
    assert_facts(
        &r,
        &[
            ("art20.rules.made", Some(0.0)),
            ("art20.normative_docs.made", Some(3.0)),
            ("art20.normative_docs.published", Some(3.0)),
            ("art20.normative_docs.published_total", Some(17.0)),
            ("art20.licensing.prior_items", Some(12.0)),
            ("art20.licensing.change", Some(2.0)),
            ("art20.licensing.decisions", Some(9.0)),
            ("art20.fees.prior_items", Some(2.0)),
            ("art20.fees.change", Some(0.0)),
        ],
    );
}

/// A cell per line with one blank line between every two cells, rows and cells alike, and
/// header cells cut at their line break (`本年新` / `制作数量` as two cells). Modelled on the
/// 2020 reports of 会昌县中村乡
/// (http://www.huichang.gov.cn/hcxxxgk/hc1554/202101/157a95c3e64f41039bb3beb14dbc7638.shtml)
/// and 通榆县团结乡 (http://xxgk.tongyu.gov.cn/zsjg/jgsw_98122/ndbg/202101/t20210129_890439.html),
/// whose 表二 was not found at all before.
#[test]
fn a_cell_per_line_with_even_gaps_2019() {
    let r = read("uniform_gap_cells_2019.txt");
    assert_ne!(r.status, Status::NotReport, "{}", r.reason);
    assert!(!r.reason.contains("left out"), "{}", r.reason);
    assert_facts(
        &r,
        &[
            ("art20.rules.made", Some(0.0)),
            ("art20.rules.published_total", Some(0.0)),
            ("art20.normative_docs.made", Some(4.0)),
            ("art20.normative_docs.published", Some(4.0)),
            ("art20.normative_docs.published_total", Some(11.0)),
            ("art20.licensing.prior_items", Some(6.0)),
            ("art20.licensing.change", Some(-1.0)),
            ("art20.licensing.decisions", Some(5.0)),
            ("art20.penalty.prior_items", Some(2.0)),
            ("art20.penalty.change", Some(1.0)),
            ("art20.penalty.decisions", Some(3.0)),
            ("art20.enforcement.decisions", Some(0.0)),
            ("art20.fees.prior_items", Some(1.0)),
            ("art20.fees.change", Some(0.0)),
            ("art20.procurement.items", Some(2.0)),
            ("art20.procurement.amount", Some(15600.0)),
        ],
    );
}

/// A site's menu line (登录 | 注册) or breadcrumb (… > 政务信息公开年报) just above a title that
/// has its own year is not the start of the title; and a clause of the opening sentence
/// (省、市、县有关文件规定进行编制) is not the publisher. Modelled on the 2020 reports of
/// 通榆县团结乡 (http://xxgk.tongyu.gov.cn/zsjg/jgsw_98122/ndbg/202101/t20210129_890439.html, read
/// 注册团结乡 before), 会昌县中村乡
/// (http://www.huichang.gov.cn/hcxxxgk/hc1554/202101/157a95c3e64f41039bb3beb14dbc7638.shtml, read
/// 县有关文件规定进行) and 太平乡 (http://ls-art.com/hjs/c123149/202101/521e332afc43461cb8898522a57ef023.shtml,
/// spam in its 信息来源, no agency before).
#[test]
fn menus_and_breadcrumbs_above_the_title_are_not_the_publisher() {
    for name in [
        "menu_above_title_2020.txt",
        "breadcrumb_above_title_2020.txt",
    ] {
        let r = read(name);
        assert_ne!(r.status, Status::NotReport, "{name}: {}", r.reason);
        assert_eq!(r.agency.as_deref(), Some("石门乡人民政府"), "{name}");
    }
}

/// A 本年增/减 glued to the count before it (`行政事业性收费35-15`): a minus between digits is a
/// cut as sure as a space, so a row of two columns splits (35 | -15); with three columns
/// (`行政处罚2648-18538`) one more cut is open and the row is left out. Modelled on the 2020
/// report of 平潭综合实验区 (changwu/pingtan-gov-zwgk-archive,
/// pingtan/zwgk/zfxxgk/zfxxgknb/202103/80595_平潭综合实验区2020年度政府信息公开工作年度报告/page.txt).
#[test]
fn a_signed_change_glued_to_its_count_2019() {
    let r = read("glued_signed_change_2019.txt");
    assert_ne!(r.status, Status::NotReport, "{}", r.reason);
    assert_facts(
        &r,
        &[
            ("art20.fees.prior_items", Some(12.0)),
            ("art20.fees.change", Some(-3.0)),
            ("art20.rules.made", Some(0.0)),
            ("art20.rules.published_total", Some(0.0)),
        ],
    );
    assert_eq!(r.facts.get("art20.penalty.change"), None);
    assert_eq!(r.facts.get("art20.penalty.decisions"), None);
    assert!(r.reason.contains("行政处罚"), "{}", r.reason);
}

/// Fujian's 统计表 names its total `主动公开文件数` (then 政府网站公开数, 政府公报公开数): the row
/// is the total, not an unknown label. Modelled on the 2018 report of 平潭综合实验区
/// (changwu/pingtan-gov-zwgk-archive,
/// pingtan/zwgk/zfxxgk/zfxxgknb/201901/80529_平潭综合实验区2018年度政府信息公开工作年度报告/page.txt).
#[test]
fn fujians_total_label_2008() {
    let r = read("fujian_total_label_2008.txt");
    assert_ne!(r.status, Status::NotReport, "{}", r.reason);
    assert_facts(
        &r,
        &[
            ("proactive.total", Some(318.0)),
            ("proactive.via.website", Some(311.0)),
            ("proactive.via.gazette", Some(7.0)),
            ("requests.received.total", Some(4.0)),
        ],
    );
}
