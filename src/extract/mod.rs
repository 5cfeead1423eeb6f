//! Extraction: from a [`Document`] to facts, read from table cells and from sentences.
//!
//! The tables are read by the extractor of the form the [`crate::template`] stage found
//! ([`stats2008`] for the 2008–2018 统计表 and its local variants, [`forms`] for the 2019 and
//! 2021 forms); sentences are read by [`prose`] in every era. Where a figure appears in both,
//! the table's value is the fact, and a `text_vs_table.<indicator>` check records whether the
//! sentence agrees.

pub mod forms;
pub mod headers;
pub mod labels;
pub mod prose;
pub mod rows;
pub mod stats2008;
pub mod value;

use rustc_hash::FxHashMap;

use crate::budget::Deadline;
use crate::document::{Cell, Document};
use crate::knowledge::Knowledge;
use crate::model::{Check, Fact, Method, Template};
use value::Value;

/// What extraction found in one document.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    /// The form that was read (`None` when the document has neither tables nor figures).
    pub template: Option<Template>,
    /// Facts, at most one per indicator.
    pub facts: Vec<Fact>,
    /// `text_vs_table.*` checks.
    pub checks: Vec<Check>,
    /// Why parts of the document were left out (for the report's reason).
    pub notes: Vec<String>,
    /// Labels of table rows with values that no indicator matched (for auditing).
    pub unmapped: Vec<String>,
}

/// Extracts every statistic of a document. `year` is the statistical year when known; it only
/// decides between the 2019 and 2021 forms when the tables do not.
pub fn extract(doc: &Document, k: &Knowledge, year: Option<i16>) -> Extraction {
    extract_within(doc, k, year, &Deadline::none())
}

/// [`extract`], each pass stopping at `deadline` (the caller then discards what was found).
pub fn extract_within(
    doc: &Document,
    k: &Knowledge,
    year: Option<i16>,
    deadline: &Deadline,
) -> Extraction {
    let template = crate::template::detect(doc, k, year);
    if deadline.expired("template") {
        return Extraction::default();
    }
    let mut out = Extraction::default();
    let mut sink = FactSink::new(k);
    match template {
        Some(Template::T2008) => stats2008::read(doc, k, &mut sink, deadline),
        Some(t @ (Template::T2019 | Template::T2021)) => {
            forms::read(doc, k, t, &mut sink, deadline)
        }
        _ => {}
    }
    sink.finish();
    let table_facts = sink.facts;
    out.notes = sink.notes;
    out.unmapped = sink.unmapped;
    if deadline.expired("tables") {
        return out;
    }
    let text_facts = prose::read_within(doc, k, template, deadline);
    let (facts, checks) = merge(table_facts, text_facts);
    let read_tables = facts.iter().any(|f| f.method == Method::Table);
    let unread = if read_tables {
        Vec::new()
    } else {
        unread_form_rows(doc, k)
    };
    let unread_rows = unread_text_rows(doc, &facts);
    if !unread_rows.is_empty() {
        out.notes.push(format!(
            "{} form rows written as a label and figures were not read: {}",
            unread_rows.len(),
            unread_rows
                .iter()
                .take(MAX_ROWS_NAMED)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out.template = match template {
        Some(t) if read_tables => Some(t),
        // Tables of a form whose cells could not be read: still that form's report.
        Some(t) => {
            out.notes.push(format!(
                "the {} form's tables were found but no cell could be read",
                t.as_str()
            ));
            Some(t)
        }
        None if unread.len() >= MIN_UNREAD_ROWS => {
            out.notes.push(format!(
                "the text holds {} row labels of the statistics tables ({}) whose figures could not be read",
                unread.len(),
                unread.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
            ));
            Some(form_of_unread(&unread, year))
        }
        None if !facts.is_empty() => Some(Template::Prose),
        None => None,
    };
    out.facts = facts;
    out.checks = checks;
    out
}

/// Most unread rows a report's reason names.
const MAX_ROWS_NAMED: usize = 5;

/// The rows of a form written as a label and figures ([`Document::text_rows`]) that no table
/// fact was read from, each named by its label and line of the decoded text
/// (`行政许可 (line 77)`): a row left unread must not pass for a report read whole.
fn unread_text_rows(doc: &Document, facts: &[Fact]) -> Vec<String> {
    if doc.text_rows.is_empty() {
        return Vec::new();
    }
    let read: rustc_hash::FxHashSet<u32> = facts
        .iter()
        .filter(|f| f.method == Method::Table)
        .map(|f| f.line)
        .collect();
    doc.text_rows
        .iter()
        .filter(|l| !read.contains(l))
        .map(|&l| {
            let line = doc.lines.get(l as usize - 1).map_or("", String::as_str);
            let label = line.split(' ').next().unwrap_or(line);
            format!("{label} (line {})", doc.source_line(l))
        })
        .collect()
}

/// Row labels of the forms standing as lines of text that make a report's unread tables
/// worth saying so.
const MIN_UNREAD_ROWS: usize = 3;

/// The forms' row labels that start lines outside any table (`一、本年新收政府信息公开申请数量`,
/// `受理政府信息公开申请总数`): tables whose layout could not be rebuilt. Their keys, without
/// repeats, in document order.
fn unread_form_rows(doc: &Document, k: &Knowledge) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (i, line) in doc.lines.iter().enumerate() {
        if doc.is_table_line(i as u32 + 1) {
            continue;
        }
        let key = labels::label_key(line);
        if key.is_empty() || key.chars().count() > 40 {
            continue;
        }
        let form = k
            .labels
            .match_form("t3", "row", &key)
            .filter(|r| !k.labels.is_shared_row("t3", r))
            .map(|r| format!("t3.{r}"));
        let old = || {
            k.labels
                .match_2008(&key, &[])
                .filter(|r| key.starts_with(&r.label))
                .map(|r| format!("2008.{}", r.indicator))
        };
        if let Some(row) = form.or_else(old) {
            if !found.contains(&row) {
                found.push(row);
            }
        }
    }
    found
}

/// The form whose row labels `unread` holds: the 2008 table's, or 表三's, dated by the year.
fn form_of_unread(unread: &[String], year: Option<i16>) -> Template {
    let old = unread.iter().filter(|r| r.starts_with("2008.")).count();
    if old * 2 > unread.len() {
        Template::T2008
    } else if year.is_some_and(|y| y <= 2020) {
        Template::T2019
    } else {
        Template::T2021
    }
}

/// Joins table and sentence facts: the table's value wins; each indicator stated in both gets
/// a `text_vs_table` check.
fn merge(table: Vec<Fact>, text: Vec<Fact>) -> (Vec<Fact>, Vec<Check>) {
    // The table facts are indexed by borrowed name and moved, not cloned, into the result.
    let index: FxHashMap<&str, usize> = table
        .iter()
        .enumerate()
        .map(|(i, f)| (f.indicator.as_str(), i))
        .collect();
    let mut text_only = Vec::new();
    let mut checks = Vec::new();
    for t in text {
        match index.get(t.indicator.as_str()) {
            Some(&i) => {
                if let (Some(tv), Some(xv)) = (table[i].value, t.value) {
                    checks.push(Check {
                        check: format!("text_vs_table.{}", t.indicator),
                        expected: tv,
                        actual: xv,
                        ok: (tv - xv).abs() < 1e-9,
                    });
                }
            }
            None => text_only.push(t),
        }
    }
    drop(index);
    let mut facts = table;
    facts.extend(text_only);
    (facts, checks)
}

/// Collects table facts: one per indicator (the first wins), units from the taxonomy, and
/// notes about what could not be read.
#[derive(Debug)]
pub struct FactSink<'k> {
    k: &'k Knowledge,
    /// Facts so far (added only through [`FactSink::add_cell`], which keeps `present`).
    pub facts: Vec<Fact>,
    /// Notes for the report's reason.
    pub notes: Vec<String>,
    /// Row labels that carried values but matched no indicator.
    pub unmapped: Vec<String>,
    /// Indicators whose fact adds up several rows.
    summed: Vec<String>,
    /// Blank cells deferred by [`FactSink::defer_blank`].
    blanks: Vec<(String, Cell)>,
    /// Indicators of rows that could not be read ([`FactSink::claim`]).
    claimed: Vec<String>,
    /// Which taxonomy indicators (by position) already have a fact: a form fills a hundred
    /// or more cells, and looking each up among the facts so far was quadratic.
    present: Vec<bool>,
}

impl<'k> FactSink<'k> {
    /// An empty sink.
    pub fn new(k: &'k Knowledge) -> FactSink<'k> {
        FactSink {
            k,
            facts: Vec::new(),
            notes: Vec::new(),
            unmapped: Vec::new(),
            summed: Vec::new(),
            blanks: Vec::new(),
            claimed: Vec::new(),
            present: vec![false; k.taxonomy.indicators.len()],
        }
    }

    /// True when the indicator already has a fact (only taxonomy indicators ever do).
    pub fn has(&self, indicator: &str) -> bool {
        self.k
            .taxonomy
            .position(indicator)
            .is_some_and(|i| self.present[i])
    }

    /// Adds the value of a table cell for an indicator; unknown ids and non-values are ignored,
    /// amounts are converted to the indicator's unit. `header_unit` is a unit stated in the
    /// column header (`本年收费金额（单位：万元）`).
    pub fn add_cell(&mut self, indicator: &str, cell: &Cell, header_unit: Option<&str>) -> bool {
        let Some(position) = self.k.taxonomy.position(indicator) else {
            return false;
        };
        let unit = self.k.taxonomy.indicators[position].unit.as_str();
        if self.present[position] {
            return false;
        }
        let value = match value::parse_cell(&cell.text) {
            Value::Number(v, written) if unit == "万元" => {
                Some(value::to_wan_yuan(v, written.or(header_unit)))
            }
            Value::Number(v, _) => Some(v),
            Value::Blank => None,
            Value::NotAValue => return false,
        };
        self.facts.push(Fact {
            indicator: indicator.to_string(),
            value,
            value_raw: cell.text.trim().to_string(),
            unit: unit.to_string(),
            method: Method::Table,
            line: cell.line,
        });
        self.present[position] = true;
        true
    }

    /// Adds a cell to an indicator that several rows add up to (local forms split 网络申请
    /// into 电子邮件 and 网上): the values are summed, the raw texts joined with `+`, blanks
    /// ignored unless every part is blank.
    pub fn add_cell_summed(&mut self, indicator: &str, cell: &Cell) -> bool {
        if self.claimed.iter().any(|c| c == indicator) {
            return false;
        }
        let Some(i) = self.facts.iter().position(|f| f.indicator == indicator) else {
            let added = self.add_cell(indicator, cell, None);
            if added {
                self.summed.push(indicator.to_string());
            }
            return added;
        };
        if !self.summed.iter().any(|s| s == indicator) {
            return false;
        }
        let value = match value::parse_cell(&cell.text) {
            Value::Number(v, _) => Some(v),
            Value::Blank => None,
            Value::NotAValue => return false,
        };
        let fact = &mut self.facts[i];
        fact.value = match (fact.value, value) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        fact.value_raw = format!("{}+{}", fact.value_raw, cell.text.trim());
        true
    }

    /// Notes that an indicator's cell is blank unless a later cell gives it a value: rows
    /// whose layout dropped every blank cell leave only their label. [`FactSink::finish`]
    /// adds the blanks still missing.
    pub fn defer_blank(&mut self, indicator: &str, cell: &Cell) {
        if self.k.taxonomy.position(indicator).is_some() {
            self.blanks.push((indicator.to_string(), cell.clone()));
        }
    }

    /// Marks an indicator as stated by a row that could not be read and drops a sum already
    /// begun for it: an indicator several rows add up to (电子邮件 + 网上) is wrong, not
    /// partial, when one of its rows is missing.
    pub fn spoil_sum(&mut self, indicator: &str) {
        if let Some(i) = self.facts.iter().position(|f| f.indicator == indicator) {
            if self.summed.iter().any(|s| s == indicator) {
                self.facts.remove(i);
                if let Some(p) = self.k.taxonomy.position(indicator) {
                    self.present[p] = false;
                }
            }
        }
        self.claim(indicator);
    }

    /// Marks an indicator as stated by a row that could not be read (glued digits with no
    /// unique split): a deferred blank must not stand in for it.
    pub fn claim(&mut self, indicator: &str) {
        self.claimed.push(indicator.to_string());
    }

    /// Adds the deferred blanks of indicators that got no value and were not claimed.
    pub fn finish(&mut self) {
        for (indicator, cell) in std::mem::take(&mut self.blanks) {
            if !self.claimed.contains(&indicator) {
                self.add_cell(&indicator, &cell, None);
            }
        }
    }

    /// Records a note once.
    pub fn note(&mut self, note: String) {
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(ind: &str, v: f64, m: Method) -> Fact {
        Fact {
            indicator: ind.into(),
            value: Some(v),
            value_raw: v.to_string(),
            unit: "条".into(),
            method: m,
            line: 1,
        }
    }

    #[test]
    fn table_wins_and_disagreement_is_checked() {
        let (facts, checks) = merge(
            vec![fact("proactive.via.website", 146.0, Method::Table)],
            vec![
                fact("proactive.via.website", 259.0, Method::Text),
                fact("proactive.via.weibo", 105.0, Method::Text),
            ],
        );
        assert_eq!(facts.len(), 2);
        assert_eq!(facts[0].value, Some(146.0));
        assert_eq!(checks.len(), 1);
        assert!(!checks[0].ok);
        assert_eq!(checks[0].check, "text_vs_table.proactive.via.website");
    }
}
