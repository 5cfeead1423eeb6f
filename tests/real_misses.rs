//! Rules added for the last misses of `../shared/corpus/real/` (helper branch wtreal), each
//! written as a general rule and checked here on fixtures in our own words and numbers
//! (`tests/fixtures/real_misses/`, each naming the real report it was modelled on); the
//! expected values are written by hand from the fixture's text.

use xxgk::model::Template;

mod common;

use common::{Read, assert_facts, read_fixture};

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
