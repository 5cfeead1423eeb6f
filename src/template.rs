//! Template detection: which report form a document follows (templates.md §6).
//!
//! The tables' own header words decide first (本年制发件数 is only on the 2021 form, 本年新
//! 制作数量 only on the 2019 one, 统计指标 … 收到申请数 only on the 2008–2018 table); a 表三
//! without 表二 is dated by the statistical year; a document with no form table is prose.

use crate::document::Document;
use crate::document::text::{squash, squash_into};
use crate::knowledge::Knowledge;
use crate::model::Template;

/// Detects the form of a document's tables; `None` when it has no statistics table.
pub fn detect(doc: &Document, k: &Knowledge, year: Option<i16>) -> Option<Template> {
    // Every cell's squashed text, joined by `|`, built in one string.
    let mut table_text = String::new();
    let cells = doc
        .tables
        .iter()
        .flat_map(|t| t.rows.iter())
        .flat_map(|r| r.cells.iter());
    for (i, c) in cells.enumerate() {
        if i > 0 {
            table_text.push('|');
        }
        squash_into(&mut table_text, &c.text);
    }
    let has = |template: &str| {
        k.templates
            .iter()
            .filter(|m| m.template == template)
            .any(|m| table_text.contains(&squash(&m.marker)))
    };
    if has("2021") {
        return Some(Template::T2021);
    }
    if has("2019") {
        return Some(Template::T2019);
    }
    let has_table3 = table_text.contains("自然人")
        && (table_text.contains("商业企业") || table_text.contains("法人或其他组织"));
    if has_table3 || (table_text.contains("行政复议") && table_text.contains("未经复议直接起诉"))
    {
        return Some(if year.is_some_and(|y| y <= 2020) {
            Template::T2019
        } else {
            Template::T2021
        });
    }
    if has("2008") || has_2008_rows(doc, k) {
        return Some(Template::T2008);
    }
    None
}

/// True when at least three table rows carry a 2008-era label.
fn has_2008_rows(doc: &Document, k: &Knowledge) -> bool {
    let mut n = 0;
    for row in doc.tables.iter().flat_map(|t| t.rows.iter()) {
        if let Some(label) = row.cells.iter().find(|c| !c.text.trim().is_empty()) {
            let key = crate::extract::labels::label_key(&label.text);
            if k.labels.match_2008(&key, &[]).is_some() {
                n += 1;
            }
        }
    }
    n >= 3
}
