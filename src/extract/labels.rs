//! Label vocabulary of the statistics tables, and the normalization labels are matched in.
//!
//! Labels are matched on a key, never on the text as written: width-folded, spaces removed
//! (letter-spaced 商 业 企 业 and wrapped lines), outline numbering and 其中 stripped. The
//! vocabulary itself is data (`data/rules/labels_2008.csv`, `forms.csv`, `form4.csv`).

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use rustc_hash::FxHashMap;
use std::borrow::Cow;

use serde::Deserialize;

use crate::document::text::{is_outline_numeral, squash, trim_start_repeated};
use crate::knowledge::parse_csv;

/// One 2008-era row label: rows whose key starts with `label` (under an ancestor containing
/// `parent`, when given) carry `indicator`.
#[derive(Debug, Clone, Deserialize)]
pub struct RowLabel {
    /// Indicator id.
    pub indicator: String,
    /// Label key (squashed at load).
    pub label: String,
    /// Required ancestor text (squashed at load); empty for none.
    #[serde(default)]
    pub parent: String,
    /// `sum` when several rows add up into the indicator.
    #[serde(default)]
    pub combine: String,
}

/// One term of the 2019/2021 forms' vocabulary.
#[derive(Debug, Clone, Deserialize)]
pub struct FormTerm {
    /// `t2`, `t3`.
    pub table: String,
    /// `row`, `row_exact` or `column`.
    pub kind: String,
    /// The key used to build indicator ids.
    pub key: String,
    /// Text the label contains (squashed at load).
    pub pattern: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Form4Cell {
    #[allow(dead_code)]
    position: u32,
    indicator: String,
}

/// All table labels.
#[derive(Debug, Clone, Default)]
pub struct LabelBook {
    /// 2008-era row labels.
    pub rows_2008: Vec<RowLabel>,
    /// 2019/2021 row and column terms.
    pub form_terms: Vec<FormTerm>,
    /// 表四 indicators in column order.
    pub form4: Vec<String>,
    /// Positions in `rows_2008` of the rules, by the first character of their label (rules
    /// with an empty label under `None`), ascending: a key can only start with a label that
    /// starts with the key's first character, so a row is compared with those rules only.
    rows_2008_by_first: FxHashMap<Option<char>, Vec<usize>>,
    /// For each table and query kind (`row`, `column`), the positions in `form_terms` of the
    /// terms [`LabelBook::match_form`] considers, in file order, with whether each must match
    /// exactly (`row_exact`): a label is compared with those terms only.
    form_queries: FxHashMap<String, FormQueries>,
}

/// The terms of one table by query kind.
type FormQueries = FxHashMap<&'static str, FormQuery>;

/// The terms one query considers: (position in `form_terms`, exact match), in file order, and
/// an automaton over the contained (not exact) terms' non-empty patterns that finds in one
/// pass which of them a label contains (instead of one substring search per term: a label is
/// compared with every row term of a table).
#[derive(Debug, Clone, Default)]
struct FormQuery {
    terms: Vec<(usize, bool)>,
    contained: Option<AhoCorasick>,
    /// For each pattern of `contained`, its position in `terms`.
    pattern_term: Vec<usize>,
}

impl FormQuery {
    /// Builds the automaton once every term is in.
    fn finish(&mut self, form_terms: &[FormTerm]) {
        self.pattern_term = (0..self.terms.len())
            .filter(|&j| {
                let (i, exact) = self.terms[j];
                !exact && !form_terms[i].pattern.is_empty()
            })
            .collect();
        let patterns = self
            .pattern_term
            .iter()
            .map(|&j| form_terms[self.terms[j].0].pattern.as_str());
        self.contained = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .build(patterns)
            .ok();
    }

    /// For each term, whether `squashed` contains its pattern (exact terms: unspecified).
    fn contained_in(&self, squashed: &str, form_terms: &[FormTerm]) -> Vec<bool> {
        match &self.contained {
            Some(ac) => {
                // Every text contains the empty pattern.
                let mut hit: Vec<bool> = self
                    .terms
                    .iter()
                    .map(|&(i, _)| form_terms[i].pattern.is_empty())
                    .collect();
                for m in ac.find_overlapping_iter(squashed) {
                    hit[self.pattern_term[m.pattern().as_usize()]] = true;
                }
                hit
            }
            None => self
                .terms
                .iter()
                .map(|&(i, _)| squashed.contains(&form_terms[i].pattern))
                .collect(),
        }
    }
}

impl LabelBook {
    /// Parses the three label files.
    pub fn parse(labels_2008: &str, forms: &str, form4: &str) -> LabelBook {
        let mut rows_2008: Vec<RowLabel> = parse_csv("rules/labels_2008.csv", labels_2008);
        for r in &mut rows_2008 {
            r.label = squash(&r.label);
            r.parent = squash(&r.parent);
        }
        let mut form_terms: Vec<FormTerm> = parse_csv("rules/forms.csv", forms);
        for t in &mut form_terms {
            t.pattern = squash(&t.pattern);
        }
        let form4 = parse_csv::<Form4Cell>("rules/form4.csv", form4)
            .into_iter()
            .map(|c| c.indicator)
            .collect();
        let mut rows_2008_by_first: FxHashMap<Option<char>, Vec<usize>> = FxHashMap::default();
        for (i, r) in rows_2008.iter().enumerate() {
            rows_2008_by_first
                .entry(r.label.chars().next())
                .or_default()
                .push(i);
        }
        let mut form_queries: FxHashMap<String, FormQueries> = FxHashMap::default();
        for (i, t) in form_terms.iter().enumerate() {
            let (query, exact) = match t.kind.as_str() {
                "row" => ("row", false),
                "row_exact" => ("row", true),
                "column" => ("column", false),
                _ => continue,
            };
            form_queries
                .entry(t.table.clone())
                .or_default()
                .entry(query)
                .or_default()
                .terms
                .push((i, exact));
        }
        for query in form_queries.values_mut().flat_map(|q| q.values_mut()) {
            query.finish(&form_terms);
        }
        LabelBook {
            rows_2008,
            form_terms,
            form4,
            rows_2008_by_first,
            form_queries,
        }
    }

    /// The 2008-era rule matching a row label, given its ancestors' keys (outermost first).
    pub fn match_2008(&self, key: &str, ancestors: &[String]) -> Option<&RowLabel> {
        let group = |first: Option<char>| {
            self.rows_2008_by_first
                .get(&first)
                .map_or(&[][..], Vec::as_slice)
        };
        let starting = key.chars().next().map_or(&[][..], |c| group(Some(c)));
        let empty = group(None);
        let positions: Cow<[usize]> = if empty.is_empty() {
            Cow::Borrowed(starting)
        } else {
            // In file order, so that ties resolve as they did over the whole list.
            let mut both = [starting, empty].concat();
            both.sort_unstable();
            Cow::Owned(both)
        };
        positions
            .iter()
            .map(|&i| &self.rows_2008[i])
            .filter(|r| key.starts_with(&r.label))
            .filter(|r| r.parent.is_empty() || ancestors.iter().any(|a| a.contains(&r.parent)))
            // Longest label first; among equals, a parent-qualified rule beats a bare one.
            .max_by_key(|r| (r.label.chars().count(), !r.parent.is_empty()))
    }

    /// The key of a 2019/2021 form row or column whose label contains a known term; the
    /// longest matching term wins.
    pub fn match_form(&self, table: &str, kind: &str, label: &str) -> Option<&str> {
        let query = self.form_queries.get(table)?.get(kind)?;
        let squashed = squash(label);
        let contained = query.contained_in(&squashed, &self.form_terms);
        // The key is made only for a table with exact terms.
        let mut key: Option<String> = None;
        query
            .terms
            .iter()
            .zip(contained)
            .map(|(&(i, exact), hit)| (&self.form_terms[i], exact, hit))
            .filter(|(t, exact, hit)| {
                if *exact {
                    *key.get_or_insert_with(|| label_key(label)) == t.pattern
                } else {
                    *hit
                }
            })
            .map(|(t, exact, _)| (t, exact))
            .max_by_key(|(t, exact)| (*exact, t.pattern.chars().count()))
            .map(|(t, _)| t.key.as_str())
    }

    /// True for a row of `table` whose words other tables share (`shared_row` in `forms.csv`).
    pub fn is_shared_row(&self, table: &str, key: &str) -> bool {
        self.form_terms
            .iter()
            .any(|t| t.table == table && t.kind == "shared_row" && t.key == key)
    }

    /// The texts that mark a row label of any form: the 2019/2021 row patterns and the
    /// 2008-era labels (squashed, as matched).
    pub fn row_marks(&self) -> Vec<String> {
        let form = self
            .form_terms
            .iter()
            .filter(|t| t.kind.starts_with("row") && (t.table == "t2" || t.table == "t3"))
            .map(|t| t.pattern.clone());
        let old = self.rows_2008.iter().map(|r| r.label.clone());
        form.chain(old).filter(|m| !m.is_empty()).collect()
    }

    /// Keys of one kind of term of a table, in file order, without repeats.
    pub fn form_keys(&self, table: &str, kind: &str) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for t in self
            .form_terms
            .iter()
            .filter(|t| t.table == table && t.kind.starts_with(kind))
        {
            if !keys.contains(&t.key) {
                keys.push(t.key.clone());
            }
        }
        keys
    }
}

/// The outline numbering style of a label (一、 / （一） / 1. / ① / none), and whether it starts
/// with 其中 ("of which": a child of the row before it, whatever its own numbering).
///
/// Levels are not fixed per style: forms nest 一、 > （一） > 1. but local variants start at
/// （一） or number sub-items of unnumbered rows, so the extractor nests by the order in which
/// styles appear (see `stats2008`).
pub fn numbering_style(label: &str) -> (Style, bool) {
    let s = squash(label);
    let qizhong = s.starts_with("其中");
    let rest = trim_start_repeated(&s, "其中").trim_start_matches([':', '、']);
    (split_numbering(rest).1, qizhong)
}

/// The matching key of a label: squashed, outline numbering and 其中 removed.
pub fn label_key(label: &str) -> String {
    let s = squash(label);
    let (rest, _) = split_numbering(&s);
    let rest = rest
        .strip_prefix("其中:")
        .or_else(|| rest.strip_prefix("其中"))
        .unwrap_or(rest);
    // 其中：1.当面申请数 carries a number after the 其中.
    let (rest, _) = split_numbering(rest.trim_start_matches([':', '、']));
    rest.trim_start_matches([':', '、', '.']).to_string()
}

/// Outline numbering styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// 一、
    ChineseComma,
    /// （一）
    ChineseParen,
    /// 1. 1、 (1)
    Arabic,
    /// ① …
    Circled,
    /// No numbering.
    None,
}

/// Splits a squashed label into (text after the outline number, outline level).
fn split_numbering(s: &str) -> (&str, Style) {
    if let Some(rest) = s.strip_prefix('(') {
        if let Some(end) = rest.find(')') {
            let inner = &rest[..end];
            if !inner.is_empty() && inner.chars().all(is_outline_numeral) {
                return (&rest[end + 1..], Style::ChineseParen);
            }
            if !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit()) {
                return (&rest[end + 1..], Style::Arabic);
            }
        }
    }
    let cn: usize = s
        .chars()
        .take_while(|&c| is_outline_numeral(c))
        .map(char::len_utf8)
        .sum();
    if cn > 0 && s[cn..].starts_with('、') {
        return (&s[cn + '、'.len_utf8()..], Style::ChineseComma);
    }
    let digits: usize = s
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .map(char::len_utf8)
        .sum();
    if digits > 0 && digits <= 2 {
        let rest = &s[digits..];
        for sep in ['.', '、', ',', '．'] {
            if let Some(r) = rest.strip_prefix(sep) {
                return (r, Style::Arabic);
            }
        }
    }
    if let Some(c) = s.chars().next() {
        if ('①'..='⑳').contains(&c) {
            return (&s[c.len_utf8()..], Style::Circled);
        }
    }
    (s, Style::None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_drop_numbering_spaces_and_qizhong() {
        assert_eq!(
            label_key("　　（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条）"),
            "主动公开政府信息数(不同渠道和方式公开相同信息计1条)"
        );
        assert_eq!(
            label_key("其中: 主要负责同志参加新闻发布会次数"),
            "主要负责同志参加新闻发布会次数"
        );
        assert_eq!(
            label_key("5. 其他方式公开政府信息数"),
            "其他方式公开政府信息数"
        );
        assert_eq!(
            label_key("十二、依申请公开信息收取的费用"),
            "依申请公开信息收取的费用"
        );
        assert_eq!(label_key("其中：1.当面申请数"), "当面申请数");
        assert_eq!(
            numbering_style("十二、依申请公开信息收取的费用"),
            (Style::ChineseComma, false)
        );
        assert_eq!(
            numbering_style("(二) 被依法纠错数"),
            (Style::ChineseParen, false)
        );
        assert_eq!(numbering_style("1.当面申请数"), (Style::Arabic, false));
        assert_eq!(numbering_style("其中：1.当面申请数"), (Style::Arabic, true));
        assert_eq!(numbering_style("涉及商业秘密"), (Style::None, false));
    }

    #[test]
    fn parent_decides_repeated_sub_labels() {
        let k = crate::knowledge::Knowledge::embedded();
        let id = |key: &str, parents: &[String]| {
            k.labels
                .match_2008(key, parents)
                .map(|r| r.indicator.clone())
        };
        let review = vec![label_key("四、行政复议数量")];
        let complaints = vec![label_key("六、被举报投诉数量")];
        let key = label_key("（一）维持具体行政行为数");
        assert_eq!(id(&key, &review).as_deref(), Some("review.upheld"));
        assert_eq!(id(&key, &complaints).as_deref(), Some("complaints.upheld"));
        let rooms = vec![label_key("十、设置政府信息查阅点数")];
        let visitors = vec![label_key("十一、查阅点接待人数")];
        let city = label_key("（一）市政府及其部门");
        assert_eq!(id(&city, &rooms).as_deref(), Some("reading_rooms.city"));
        assert_eq!(
            id(&city, &visitors).as_deref(),
            Some("reading_rooms.visitors.city")
        );
        assert_eq!(
            id(&label_key("（一）市政府及其部门门户网站"), &[]).as_deref(),
            Some("websites.city")
        );
    }

    #[test]
    fn indexed_2008_match_agrees_with_a_scan_of_all_rules() {
        let k = crate::knowledge::Knowledge::embedded();
        let book = &k.labels;
        let scan = |key: &str, ancestors: &[String]| {
            book.rows_2008
                .iter()
                .filter(|r| key.starts_with(&r.label))
                .filter(|r| r.parent.is_empty() || ancestors.iter().any(|a| a.contains(&r.parent)))
                .max_by_key(|r| (r.label.chars().count(), !r.parent.is_empty()))
                .map(|r| r as *const RowLabel)
        };
        let parents: Vec<Vec<String>> = std::iter::once(Vec::new())
            .chain(book.rows_2008.iter().map(|r| vec![r.label.clone()]))
            .collect();
        for r in &book.rows_2008 {
            for key in [r.label.clone(), format!("{}数", r.label), String::new()] {
                for ancestors in &parents {
                    let indexed = book
                        .match_2008(&key, ancestors)
                        .map(|r| r as *const RowLabel);
                    assert_eq!(indexed, scan(&key, ancestors), "{key}");
                }
            }
        }
    }

    #[test]
    fn indexed_form_match_agrees_with_a_scan_of_all_terms() {
        let k = crate::knowledge::Knowledge::embedded();
        let book = &k.labels;
        let scan = |table: &str, kind: &str, label: &str| {
            let squashed = squash(label);
            let key = label_key(label);
            book.form_terms
                .iter()
                .filter(|t| t.table == table)
                .filter(|t| match (kind, t.kind.as_str()) {
                    ("row", "row") | ("column", "column") => squashed.contains(&t.pattern),
                    ("row", "row_exact") => key == t.pattern,
                    _ => false,
                })
                .max_by_key(|t| (t.kind == "row_exact", t.pattern.chars().count()))
                .map(|t| t.key.as_str())
        };
        for t in &book.form_terms {
            for label in [
                t.pattern.clone(),
                format!("（一）{}合计", t.pattern),
                "其他".into(),
            ] {
                for table in ["t2", "t3", "t4"] {
                    for kind in ["row", "column", "row_exact"] {
                        assert_eq!(
                            book.match_form(table, kind, &label),
                            scan(table, kind, &label),
                            "{table} {kind} {label}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn form_terms_match_variants() {
        let k = crate::knowledge::Knowledge::embedded();
        assert_eq!(
            k.labels.match_form("t3", "column", "商 业 企 业"),
            Some("business")
        );
        assert_eq!(
            k.labels.match_form("t3", "row", "5.属于三类内容事务信息"),
            Some("denied.internal_affairs")
        );
        assert_eq!(
            k.labels.match_form("t3", "row", "3.其他"),
            Some("other.misc")
        );
        assert_eq!(
            k.labels.match_form("t3", "row", "（六）其他处理"),
            Some("other")
        );
        assert_eq!(
            k.labels.match_form("t2", "column", "本年(2023)制发件数"),
            Some("issued")
        );
        assert_eq!(k.labels.match_form("t2", "row", "規範性文件"), None);
        assert_eq!(
            k.labels.match_form("t2", "row", "行政规范性文件"),
            Some("normative_docs")
        );
    }
}
