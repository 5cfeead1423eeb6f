//! Figures stated in sentences (共主动公开政府信息210条, 未收到…行政复议申请), in every era.
//!
//! The prose is the document's text outside its tables, width-folded and with spaces removed,
//! wrapped lines joined. Rules from `data/rules/prose.csv` are tried in order on each clause;
//! a number taken by one rule is not taken again, which lets channel rules (政府网站公开…条)
//! stand before the total they would otherwise be mistaken for. Only numbers anchored by an
//! indicator's keyword and unit are read: dates, phone numbers, document numbers (〔2017〕30号)
//! and unrelated counts (审批事项117件) match no rule.

use regex::{Regex, RegexSet};
use serde::Deserialize;

use super::value::{parse_number, to_wan_yuan};
use crate::document::Document;
use crate::document::text::{display_width, squash_into};
use crate::knowledge::{Knowledge, parse_csv};
use crate::model::{Fact, Method};

/// The number placeholder of the rule patterns.
const NUMBER: &str = r"(?P<n>[0-9][0-9,]*(?:\.[0-9]+)?|[零〇○一二两三四五六七八九十百千万]+)";

#[derive(Debug, Clone, Deserialize)]
struct RuleRow {
    indicator: String,
    kind: String,
    pattern: String,
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub struct ProseRule {
    /// Indicator id.
    pub indicator: String,
    /// True for "none occurred" rules (value 0).
    pub zero: bool,
    regex: Regex,
}

/// All sentence rules, compiled once.
#[derive(Debug, Clone, Default)]
pub struct ProseRules {
    rules: Vec<ProseRule>,
    /// All rules at once: one pass over a clause tells which rules can match it, so the
    /// (slower) capturing search runs only where it will find something.
    set: Option<RegexSet>,
    /// Words of plans and estimates: a figure after one of them in its clause is not a fact.
    hedge: Option<Regex>,
}

impl ProseRules {
    /// Parses and compiles `prose.csv`.
    pub fn parse(text: &str) -> ProseRules {
        let rows: Vec<RuleRow> = parse_csv("rules/prose.csv", text);
        let compile = |r: &RuleRow| {
            let pattern = r.pattern.replace("{N}", NUMBER);
            Regex::new(&pattern).unwrap_or_else(|e| {
                panic!("data/rules/prose.csv: bad pattern for {}: {e}", r.indicator)
            })
        };
        let hedge = rows.iter().find(|r| r.kind == "hedge").map(compile);
        let rules: Vec<ProseRule> = rows
            .iter()
            .filter(|r| r.kind != "hedge")
            .map(|r| ProseRule {
                indicator: r.indicator.clone(),
                zero: r.kind == "zero",
                regex: compile(r),
            })
            .collect();
        let set = RegexSet::new(rules.iter().map(|r: &ProseRule| r.regex.as_str())).ok();
        ProseRules { rules, set, hedge }
    }

    /// True when the clause text before a figure makes it a plan or an estimate.
    fn hedged(&self, before: &str) -> bool {
        self.hedge.as_ref().is_some_and(|h| h.is_match(before))
    }

    /// The rules in file order.
    pub fn rules(&self) -> &[ProseRule] {
        &self.rules
    }
}

/// The document's prose as one string, with the line each byte came from.
struct ProseText {
    text: String,
    /// (byte offset in `text`, 1-based line) at the start of each line's contribution.
    starts: Vec<(usize, u32)>,
}

impl ProseText {
    fn of(doc: &Document) -> ProseText {
        let mut text = String::new();
        let mut starts = Vec::new();
        let mut prev_wrapped = false;
        // One buffer for every line's squashed form.
        let mut s = String::new();
        let in_table = doc.table_line_mask();
        for (i, line) in doc.lines.iter().enumerate() {
            let no = i as u32 + 1;
            if in_table[i] {
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                prev_wrapped = false;
                continue;
            }
            s.clear();
            squash_into(&mut s, line);
            if s.is_empty() {
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                prev_wrapped = false;
                continue;
            }
            if !prev_wrapped && !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            starts.push((text.len(), no));
            text.push_str(&s);
            // PDF text wraps sentences at the page width; such lines continue on the next one.
            prev_wrapped = display_width(line.trim()) >= 50 && !s.ends_with('。');
        }
        ProseText { text, starts }
    }

    fn line_at(&self, offset: usize) -> u32 {
        match self.starts.binary_search_by_key(&offset, |&(o, _)| o) {
            Ok(i) => self.starts[i].1,
            Err(0) => self.starts.first().map_or(1, |s| s.1),
            Err(i) => self.starts[i - 1].1,
        }
    }

    /// Clauses: (start offset, text) split at sentence ends and paragraph breaks.
    fn clauses(&self) -> Vec<(usize, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, c) in self.text.char_indices() {
            if matches!(c, '。' | '；' | ';' | '！' | '!' | '？' | '?' | '\n') {
                if i > start {
                    out.push((start, &self.text[start..i]));
                }
                start = i + c.len_utf8();
            }
        }
        if start < self.text.len() {
            out.push((start, &self.text[start..]));
        }
        out
    }
}

/// Reads the figures stated in the document's sentences.
pub fn read(doc: &Document, k: &Knowledge) -> Vec<Fact> {
    let prose = ProseText::of(doc);
    let all_clauses = prose.clauses();
    // For each rule, the clauses it can match (in text order): one set search per clause
    // tells which rules can match it.
    let by_rule: Vec<Vec<(usize, &str)>> = match &k.prose.set {
        Some(set) => {
            let mut by_rule = vec![Vec::new(); k.prose.rules.len()];
            for &(offset, clause) in &all_clauses {
                for rule in set.matches(clause).into_iter() {
                    by_rule[rule].push((offset, clause));
                }
            }
            by_rule
        }
        None => vec![all_clauses.clone(); k.prose.rules.len()],
    };
    let clauses_for = |rule: usize| -> &[(usize, &str)] { &by_rule[rule] };
    let mut facts: Vec<Fact> = Vec::new();
    let mut claimed: Vec<(usize, usize)> = Vec::new();
    for (index, rule) in k.prose.rules().iter().enumerate().filter(|(_, r)| !r.zero) {
        let clauses = clauses_for(index);
        if facts.iter().any(|f| f.indicator == rule.indicator) {
            continue;
        }
        let Some(unit) = k.taxonomy.unit(&rule.indicator) else {
            continue;
        };
        'clauses: for (offset, clause) in clauses {
            for caps in rule.regex.captures_iter(clause) {
                let (Some(whole), Some(n)) = (caps.get(0), caps.name("n")) else {
                    continue;
                };
                let span = (offset + n.start(), offset + n.end());
                if claimed.iter().any(|&(a, b)| a < span.1 && span.0 < b) {
                    continue;
                }
                if k.prose.hedged(&clause[..whole.start()]) {
                    continue;
                }
                let Some(mut v) = parse_number(n.as_str()) else {
                    continue;
                };
                if unit == "万元" {
                    let m = whole.as_str();
                    let written = if m.ends_with("万元") {
                        None
                    } else if m.ends_with('元') {
                        Some("元")
                    } else {
                        None
                    };
                    v = to_wan_yuan(v, written);
                }
                claimed.push(span);
                facts.push(Fact {
                    indicator: rule.indicator.clone(),
                    value: Some(v),
                    value_raw: clause[n.start()..whole.end()].to_string(),
                    unit: unit.to_string(),
                    method: Method::Text,
                    line: prose.line_at(span.0),
                });
                break 'clauses;
            }
        }
    }
    for (index, rule) in k.prose.rules().iter().enumerate().filter(|(_, r)| r.zero) {
        if facts.iter().any(|f| f.indicator == rule.indicator) {
            continue;
        }
        let clauses = clauses_for(index);
        let Some(unit) = k.taxonomy.unit(&rule.indicator) else {
            continue;
        };
        let hit = clauses.iter().find_map(|(offset, clause)| {
            rule.regex
                .find(clause)
                .map(|m| (offset + m.start(), m.as_str()))
        });
        if let Some((at, phrase)) = hit {
            facts.push(Fact {
                indicator: rule.indicator.clone(),
                value: Some(0.0),
                value_raw: phrase.to_string(),
                unit: unit.to_string(),
                method: Method::Text,
                line: prose.line_at(at),
            });
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Vec<(String, Option<f64>)> {
        let k = Knowledge::embedded();
        let doc = Document::from_text(text);
        let mut v: Vec<(String, Option<f64>)> = read(&doc, &k)
            .into_iter()
            .map(|f| (f.indicator, f.value))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    #[test]
    fn plans_are_not_figures() {
        assert!(read_text("下一步，我办将配备专兼职工作人员3名。").is_empty());
        assert_eq!(
            read_text("配备了2名专兼职人员。"),
            vec![("staffing.staff".to_string(), Some(2.0))]
        );
    }

    #[test]
    fn staff_counts() {
        assert_eq!(
            read_text("现有专兼职人员5名，其中专职人员2名，兼职人员3名。"),
            vec![
                ("staffing.full_time".to_string(), Some(2.0)),
                ("staffing.part_time".to_string(), Some(3.0)),
                ("staffing.staff".to_string(), Some(5.0)),
            ]
        );
    }

    #[test]
    fn channels_before_totals() {
        let got = read_text(
            "我局2021年来，共主动公开政务信息253条。政府网站主动公开124条，官方微信公开129条。",
        );
        assert_eq!(
            got,
            vec![
                ("proactive.total".to_string(), Some(253.0)),
                ("proactive.via.website".to_string(), Some(124.0)),
                ("proactive.via.wechat".to_string(), Some(129.0)),
            ]
        );
    }

    #[test]
    fn none_statements_are_zero() {
        let got = read_text(
            "2017年，本局未收到有关政府信息公开事务的行政复议申请，没有发生因政府信息公开提起行政诉讼。",
        );
        assert_eq!(
            got,
            vec![
                ("litigation.total".to_string(), Some(0.0)),
                ("review.total".to_string(), Some(0.0))
            ]
        );
    }

    #[test]
    fn chinese_numerals_and_spaces() {
        let got =
            read_text("全年共收到政府信息公开申请 三 件，其中，网络申请 两 件，信函申请 1 件。");
        assert_eq!(
            got,
            vec![
                ("requests.received.letter".to_string(), Some(1.0)),
                ("requests.received.online".to_string(), Some(2.0)),
                ("requests.received.total".to_string(), Some(3.0)),
            ]
        );
    }

    #[test]
    fn unrelated_numbers_are_not_taken() {
        let got = read_text(
            "根据〔2017〕30号文件，办理审批事项117件，联系电话0631-5230638，2018年3月20日。",
        );
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn fees_in_yuan_become_wan_yuan() {
        let got = read_text("全年收取政府信息公开信息处理费 3940 元。");
        assert_eq!(got, vec![("fees.collected".to_string(), Some(0.394))]);
    }
}
