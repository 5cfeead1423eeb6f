//! Is this file an annual information-disclosure report at all?
//!
//! A crawl holds list pages, notices, 公开指南, 公开目录, application forms and news next to
//! the reports, and their site chrome (a column menu with a 政府信息公开年度报告 entry) or
//! their text (a news item saying the 年度报告 was published) names the report in passing.
//! So a document counts as a report when its tables carry the statistics of one of the
//! forms, or when it is *titled* as one report: its container title, or a short line at its
//! opening (two wrapped lines joined), names a year, an annual report and 政府信息公开 /
//! 政务公开. Mentions do not count: a title quoted in 《》, a table row, an attachment link, a
//! long sentence. A page listing three or more such titles, with next to no running text, is
//! an index of reports, not one.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::document::Document;
use crate::document::text::squash;
use crate::extract::Extraction;
use crate::knowledge::parse_csv;
use crate::model::Method;

/// The words of `data/rules/classify.csv`.
#[derive(Debug, Clone, Default)]
pub struct ClassifyRules {
    /// Words that make a title an annual report's.
    report: Vec<String>,
    /// Words that make it about information disclosure.
    subject: Vec<String>,
    /// Report words specific enough to stand without a year (a column menu says 年度报告 or
    /// 年报, an agency's title says 工作年度报告).
    yearless: Vec<String>,
    /// Prefixes of lines that link to other documents.
    not_title_prefix: Vec<String>,
    /// File name endings (`.pdf`, `.doc`…; `.doc` also stands in `.docx`): a line holding one
    /// names another document.
    file_suffix: Vec<String>,
    /// Words of other kinds of page, with what to call them.
    other_page: Vec<(String, String)>,
    /// Words of the outline headings every era's report has (总体情况, 主动公开…).
    outline: Vec<String>,
    /// Words of a report's opening sentence (本报告…, 统计期限).
    opening: Vec<String>,
    /// Title endings of pages about the reports (a 通知, a 函), with what to call them.
    notice_suffix: Vec<(String, String)>,
}

#[derive(Debug, Deserialize)]
struct Row {
    kind: String,
    word: String,
    meaning: String,
}

impl ClassifyRules {
    /// Parses `rules/classify.csv`.
    pub fn parse(text: &str) -> ClassifyRules {
        let mut rules = ClassifyRules::default();
        for row in parse_csv::<Row>("rules/classify.csv", text) {
            match row.kind.as_str() {
                "report" => rules.report.push(row.word),
                "subject" => rules.subject.push(row.word),
                "yearless" => rules.yearless.push(row.word),
                "not_title_prefix" => rules.not_title_prefix.push(row.word),
                "file_suffix" => rules.file_suffix.push(row.word),
                "other_page" => rules.other_page.push((row.word, row.meaning)),
                "outline" => rules.outline.push(row.word),
                "opening" => rules.opening.push(row.word),
                "notice_suffix" => rules.notice_suffix.push((row.word, row.meaning)),
                other => panic!("rules/classify.csv: unknown kind {other:?}"),
            }
        }
        rules
    }

    /// The subject words (信息公开, 政务公开, ...): every report says one of them, most in
    /// their title.
    pub fn subject_words(&self) -> &[String] {
        &self.subject
    }

    fn any_in(words: &[String], s: &str) -> bool {
        words.iter().any(|w| s.contains(w.as_str()))
    }
}
/// Longest line (in characters, whitespace removed) taken for a title.
const MAX_TITLE_CHARS: usize = 60;
/// Opening lines (non-blank, outside tables) searched for the title.
const OPENING_LINES: usize = 20;
/// Distinct report titles that make a page an index of reports.
const LIST_TITLES: usize = 3;
/// An index page has next to no running text (a report has pages of it, whose wrapped lines
/// may look like titles): characters in long lines.
const LIST_MAX_PROSE: usize = 400;
/// Table facts that make a document a report whatever its title.
const MIN_TABLE_FACTS: usize = 5;
/// Distinct outline headings that make a body a report's.
const MIN_OUTLINE_HEADINGS: usize = 3;
/// Non-blank lines at the start searched for the opening sentence.
const OPENING_SENTENCE_LINES: usize = 12;

/// `Ok(())` for a report, `Err(reason)` otherwise.
pub fn is_annual_report(
    doc: &Document,
    extraction: &Extraction,
    rules: &ClassifyRules,
) -> Result<(), String> {
    let table_facts = extraction
        .facts
        .iter()
        .filter(|f| f.method == Method::Table)
        .count();
    if table_facts >= MIN_TABLE_FACTS {
        return Ok(());
    }
    let container = doc.title.as_deref().map(squash).unwrap_or_default();
    if let Some(kind) = notice_kind(&container, rules) {
        return Err(format!(
            "not an annual information-disclosure report: {kind}"
        ));
    }
    if is_report_title(&container, true, rules) {
        return Ok(());
    }
    let lines = title_lines(doc, rules);
    if let Some(kind) = lines.first().and_then(|l| notice_kind(l, rules)) {
        return Err(format!(
            "not an annual information-disclosure report: {kind}"
        ));
    }
    // A notice that sends out the reports' format quotes the whole outline and the forms'
    // labels: its own title (关于…的通知) near the top says what it is.
    if let Some(kind) = lines
        .iter()
        .take(OPENING_LINES)
        .filter(|l| l.contains("关于"))
        .find_map(|l| notice_kind(l, rules))
    {
        return Err(format!(
            "not an annual information-disclosure report: {kind}"
        ));
    }
    let listed: BTreeSet<&String> = lines
        .iter()
        .filter(|l| is_report_title(l, false, rules))
        .collect();
    if listed.len() >= LIST_TITLES && prose_chars(doc) < LIST_MAX_PROSE {
        return Err(format!(
            "not an annual information-disclosure report: a list of {} report titles (an index page)",
            listed.len()
        ));
    }
    // The page's own title names no file: a line that does links to another document.
    let opening: Vec<&String> = lines
        .iter()
        .filter(|l| !names_file(l, rules))
        .take(OPENING_LINES)
        .collect();
    let titled = opening.iter().enumerate().any(|(i, l)| {
        is_report_title(l, i < 3, rules)
            || opening
                .get(i + 1)
                .is_some_and(|next| is_report_title(&format!("{l}{next}"), i < 3, rules))
    });
    if titled || has_report_body(doc, rules) {
        return Ok(());
    }
    if container.is_empty() && lines.is_empty() && doc.lines.iter().all(|l| l.trim().is_empty()) {
        return Err("no text".to_string());
    }
    // What the page is instead, from its own title (not from a menu entry further down).
    let named = format!("{container}{}", opening.first().map_or("", |s| s.as_str()));
    let kind = rules
        .other_page
        .iter()
        .find(|(word, _)| named.contains(word.as_str()))
        .map(|(_, kind)| kind);
    Err(match kind {
        Some(kind) => format!("not an annual information-disclosure report: {kind}"),
        None => "not an annual information-disclosure report: no 政府信息公开工作年度报告 title and no statistics table".to_string(),
    })
}

/// What a page titled `title` is when the title names a notice or letter about the reports
/// (`关于做好2023年政府信息公开工作年度报告的通知`).
fn notice_kind<'r>(title: &str, rules: &'r ClassifyRules) -> Option<&'r str> {
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return None;
    }
    let title = title.trim_end_matches(|c: char| !crate::document::text::is_han(c));
    rules
        .notice_suffix
        .iter()
        .find(|(suffix, _)| title.ends_with(suffix.as_str()))
        .map(|(_, kind)| kind.as_str())
}

/// True when the body is a report's whatever its title: three or more of the era's outline
/// headings (`一、总体情况`, `二、主动公开政府信息情况`, …) start lines, or one does and an
/// opening sentence (`本报告…编制`, `统计期限为…`) stands near the top.
fn has_report_body(doc: &Document, rules: &ClassifyRules) -> bool {
    let mut seen: Vec<&str> = Vec::new();
    for line in &doc.lines {
        let Some(heading) = outline_heading(line) else {
            continue;
        };
        let heading = squash(heading);
        let heading: String = heading.chars().take(24).collect();
        if let Some(word) = rules.outline.iter().find(|w| heading.contains(w.as_str())) {
            if !seen.contains(&word.as_str()) {
                seen.push(word);
            }
        }
    }
    if seen.len() >= MIN_OUTLINE_HEADINGS {
        return true;
    }
    !seen.is_empty()
        && doc
            .lines
            .iter()
            .filter(|l| !l.trim().is_empty())
            .take(OPENING_SENTENCE_LINES)
            .any(|l| ClassifyRules::any_in(&rules.opening, l))
}

/// The text after a top-level outline number (`二、`, `十、`) that starts a line.
fn outline_heading(line: &str) -> Option<&str> {
    let t = line.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    let numeral_end = t
        .char_indices()
        .take_while(|&(_, c)| crate::document::text::is_outline_numeral(c))
        .last()
        .map(|(i, c)| i + c.len_utf8())?;
    if numeral_end > 2 * '十'.len_utf8() {
        return None;
    }
    t[numeral_end..]
        .strip_prefix('、')
        .or_else(|| t[numeral_end..].strip_prefix('．'))
}

/// The document's lines that could be titles, squashed: non-blank, outside tables, short,
/// with titles quoted in 《》 removed and attachment links skipped.
fn title_lines(doc: &Document, rules: &ClassifyRules) -> Vec<String> {
    doc.lines
        .iter()
        .enumerate()
        .filter(|(i, _)| !doc.is_table_line(u32::try_from(i + 1).unwrap_or(u32::MAX)))
        .map(|(_, l)| squash(&strip_quoted(l)))
        .filter(|l| !l.is_empty() && l.chars().count() <= MAX_TITLE_CHARS)
        .filter(|l| {
            !rules
                .not_title_prefix
                .iter()
                .any(|p| l.starts_with(p.as_str()))
        })
        .collect()
}

/// True when `line` names a document file (`….pdf`, `….docx`): a link, not a title.
fn names_file(line: &str, rules: &ClassifyRules) -> bool {
    let lower = line.to_ascii_lowercase();
    rules.file_suffix.iter().any(|s| lower.contains(s.as_str()))
}

/// Characters of running text: those of lines longer than a title.
fn prose_chars(doc: &Document) -> usize {
    doc.lines
        .iter()
        .map(|l| l.chars().filter(|c| !c.is_whitespace()).count())
        .filter(|&n| n > MAX_TITLE_CHARS)
        .sum()
}

/// The line without the text inside 《》 (a title mentioned, not held).
fn strip_quoted(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut depth = 0usize;
    for c in line.chars() {
        match c {
            '《' => depth += 1,
            '》' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Names one annual report: a year, a report word and a subject word (a year-less title is
/// accepted where it stands, `prominent`, and says 工作年度报告 or the like).
fn is_report_title(s: &str, prominent: bool, rules: &ClassifyRules) -> bool {
    if s.is_empty() || s.chars().count() > MAX_TITLE_CHARS {
        return false;
    }
    if !ClassifyRules::any_in(&rules.subject, s) || !ClassifyRules::any_in(&rules.report, s) {
        return false;
    }
    has_year(s) || (prominent && ClassifyRules::any_in(&rules.yearless, s))
}

/// A four-digit year 1990–2099 followed by 年.
fn has_year(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    chars.windows(5).any(|w| {
        w[4] == '年'
            && w[..4].iter().all(char::is_ascii_digit)
            && matches!((w[0], w[1]), ('1', '9') | ('2', '0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(text: &str, title: Option<&str>) -> Result<(), String> {
        let mut doc = Document::from_text(text);
        doc.title = title.map(str::to_string);
        let rules = ClassifyRules::parse(crate::knowledge::data_file("rules/classify.csv"));
        is_annual_report(&doc, &Extraction::default(), &rules)
    }

    #[test]
    fn titles_decide() {
        assert!(
            classify(
                "机关事务管理局2017年度政府\n\n信息公开工作年度报告\n正文",
                None
            )
            .is_ok()
        );
        assert!(
            classify(
                "威海市中小企业局\n\n2017 年政府信息公开工作年度报告\n根据",
                None
            )
            .is_ok()
        );
        assert!(classify("正文", Some("某某局2021年政府信息公开工作年度报告_某某网")).is_ok());
        let guide = classify("威海市科学技术局政府信息公开指南\n一、公开范围", None);
        assert!(guide.is_err_and(|r| r.contains("公开指南")));
        assert!(classify("我市召开2018年政务公开工作会议\n会议指出", None).is_err());
    }

    #[test]
    fn menus_mentions_and_lists_are_not_titles() {
        let menu = "首页\n政府信息公开指南\n政府信息公开年度报告\n依申请公开\n政府信息公开指南\n为了更好地提供政府信息公开服务，根据条例编制本指南，本机关每年公布政府信息公开工作年度报告。";
        let r = classify(menu, Some("某局政府信息公开指南"));
        assert!(
            r.is_err_and(|r| r.contains("公开指南")),
            "guide with a menu"
        );
        let news = "区科技局召开政务公开推进会\n发布时间：2022-03-01\n会议指出，我局按时发布了《2021年政府信息公开工作年度报告》。";
        assert!(classify(news, Some("区科技局召开政务公开推进会")).is_err());
        let list = (2017..2022)
            .map(|y| format!("某某局{y}年政府信息公开工作年度报告 {}-01-20", y + 1))
            .collect::<Vec<_>>()
            .join("\n");
        let r = classify(&list, Some("政府信息公开年度报告"));
        assert!(r.is_err_and(|r| r.contains("list of 5")), "index page");
        let prose = "本局认真贯彻落实政府信息公开条例，不断完善工作机制，扩大公开范围，提高公开质量，方便群众获取政府信息，全年工作取得新成效。".repeat(3);
        let report = format!("{list}\n{prose}\n{prose}\n{prose}");
        assert!(
            classify(&report, None).is_ok(),
            "a report quoting past titles"
        );
    }

    /// A line naming a document file links to that report: two such lines (fewer than an
    /// index page lists) do not make a page a report. Modelled on the file list beside the
    /// real PDFs (../shared/corpus/pdf/SOURCE.md), in other words.
    #[test]
    fn lines_naming_files_are_links_not_titles() {
        let files = "# 报告文件

- a2022.pdf 某区人民政府2022年政府信息公开工作年度报告（4页）
- b2023.DOCX 某区人民政府2023年政府信息公开工作年度报告
- c.pdf：另一份材料";
        assert!(
            classify(files, None).is_err_and(|r| r.contains("no 政府信息公开工作年度报告 title")),
            "a list of two report files"
        );
        // The same titles as lines of their own are a report's title.
        let titled = "某区人民政府2022年政府信息公开工作年度报告
附件：a2022.pdf";
        assert!(
            classify(titled, None).is_ok(),
            "a title over its attachment"
        );
    }

    // Modelled on a crawled page of the 2021 notice that sent out the reports' format
    // (search corpus `pages`, 275167.com …/2277958.html): metadata rows, the notice's title,
    // then the format's outline and the forms' labels with no figures.
    #[test]
    fn a_notice_quoting_the_format_is_not_a_report() {
        let page = "索引号 | 0001/2021-00013 | 组配分类 | 公开制度\n信息名称 | 某某办公室关于印发《政府信息公开工作年度报告格式》的通知\n政府信息公开工作年度报告格式\n一、总体情况\n二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n六、其他需要报告的事项";
        let r = classify(page, None);
        assert!(r.is_err_and(|r| r.contains("通知")), "notice");
        // The same outline under a report's own opening is a report.
        let report = "本报告根据《条例》编制，统计期限为2021年1月1日至12月31日。\n一、总体情况\n二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况";
        assert!(classify(report, None).is_ok());
    }

    #[test]
    fn years_are_four_digits_before_nian() {
        assert!(has_year("2021年政府信息公开"));
        assert!(!has_year("202年") && !has_year("3021年") && !has_year("2021"));
    }
}
