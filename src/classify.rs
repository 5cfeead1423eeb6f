//! Is this file an annual information-disclosure report at all?
//!
//! A crawl holds list pages, notices, 公开指南, 公开目录, application forms and news next to
//! the reports. A document counts as a report when its title (the container's title or the
//! opening lines, wrapped titles joined) names an annual report of 政府信息公开 / 政务公开, or
//! when its tables carry the statistics of one of the forms.

use crate::document::Document;
use crate::document::text::squash;
use crate::extract::Extraction;
use crate::model::Method;

/// Words that make a title an annual report's.
const REPORT_WORDS: &[&str] = &[
    "年度报告",
    "年报",
    "工作报告",
    "年度工作报告",
    "工作情况报告",
    "情况的报告",
];
/// Words that make it about information disclosure.
const SUBJECT_WORDS: &[&str] = &["政府信息公开", "政务公开", "信息公开"];

/// `Ok(())` for a report, `Err(reason)` otherwise.
pub fn is_annual_report(doc: &Document, extraction: &Extraction) -> Result<(), String> {
    let table_facts = extraction
        .facts
        .iter()
        .filter(|f| f.method == Method::Table)
        .count();
    if table_facts >= 5 {
        return Ok(());
    }
    let head: String = doc
        .title
        .iter()
        .map(|t| squash(t))
        .chain(doc.lines.iter().take(15).map(|l| squash(l)))
        .collect();
    let titled = REPORT_WORDS.iter().any(|w| head.contains(w))
        && SUBJECT_WORDS.iter().any(|w| head.contains(w));
    let not_list = !head.contains("公开指南") || head.contains("年度报告");
    if titled && not_list {
        return Ok(());
    }
    Err(if head.is_empty() {
        "no text".to_string()
    } else {
        "not an annual information-disclosure report: no 政府信息公开工作年度报告 title and no statistics table".to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_decide() {
        let report =
            Document::from_text("机关事务管理局2017年度政府\n\n信息公开工作年度报告\n正文");
        assert!(is_annual_report(&report, &Extraction::default()).is_ok());
        let guide = Document::from_text("威海市科学技术局政府信息公开指南\n一、公开范围");
        assert!(is_annual_report(&guide, &Extraction::default()).is_err());
        let news = Document::from_text("我市召开2018年政务公开工作会议\n会议指出");
        assert!(is_annual_report(&news, &Extraction::default()).is_err());
    }
}
