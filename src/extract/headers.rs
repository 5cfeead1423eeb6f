//! The header words of the statistics tables (`data/rules/headers.csv`): which row is a
//! table's header and what its columns hold. Row and column labels proper are in
//! [`super::labels`].

use serde::Deserialize;

use crate::knowledge::parse_csv;

/// Header words, by table and role.
#[derive(Debug, Clone, Default)]
pub struct HeaderWords {
    /// 2008: words of the label column (指标, 项目).
    pub label_column: Vec<String>,
    /// 2008: words of which a header row holds at least one besides a label column word.
    pub value_header: Vec<String>,
    /// 2008: words of the year's value column.
    pub value_column: Vec<String>,
    /// 2008: words of columns that are never the value column (label, unit).
    pub not_value_column: Vec<String>,
    /// 2008: words of cumulative columns.
    pub cumulative_column: Vec<String>,
    /// 2008: a cumulative word after this prefix is the year's own figure (本年累计).
    pub not_cumulative_prefix: Vec<String>,
    /// First characters of the label column words: a row none of whose cells holds one
    /// cannot be a 2008 header (a cheap test before squashing).
    label_column_initials: Vec<char>,
    /// 表二: the column before the value columns.
    pub content_column: Vec<String>,
    /// 表三: header words.
    pub t3_header: Vec<String>,
    /// 表三: the subtotal column word.
    pub t3_subtotal: Vec<String>,
    /// 表四: header words, each enough with a `t4_header_with` word or right after 表三.
    pub t4_header: Vec<String>,
    /// 表四: the second header word.
    pub t4_header_with: Vec<String>,
    /// Amount units a 表二 column may name, the first that matches wins.
    pub amount_units: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Row {
    table: String,
    role: String,
    word: String,
}

impl HeaderWords {
    /// Parses `rules/headers.csv`.
    pub fn parse(text: &str) -> HeaderWords {
        let mut h = HeaderWords::default();
        for row in parse_csv::<Row>("rules/headers.csv", text) {
            let list = match (row.table.as_str(), row.role.as_str()) {
                ("2008", "label_column") => &mut h.label_column,
                ("2008", "value_header") => &mut h.value_header,
                ("2008", "value_column") => &mut h.value_column,
                ("2008", "not_value_column") => &mut h.not_value_column,
                ("2008", "cumulative_column") => &mut h.cumulative_column,
                ("2008", "not_cumulative_prefix") => &mut h.not_cumulative_prefix,
                ("t2", "content_column") => &mut h.content_column,
                ("t2", "amount_unit") => &mut h.amount_units,
                ("t3", "header") => &mut h.t3_header,
                ("t3", "subtotal") => &mut h.t3_subtotal,
                ("t4", "header") => &mut h.t4_header,
                ("t4", "header_with") => &mut h.t4_header_with,
                (t, r) => panic!("rules/headers.csv: unknown table and role {t},{r}"),
            };
            list.push(row.word);
        }
        h.label_column_initials = h
            .label_column
            .iter()
            .filter_map(|w| w.chars().next())
            .collect();
        h
    }

    /// True when `text` holds one of `words`.
    pub fn any(words: &[String], text: &str) -> bool {
        words.iter().any(|w| text.contains(w.as_str()))
    }

    /// True when `text` holds the first character of a label column word.
    pub fn may_name_label_column(&self, text: &str) -> bool {
        self.label_column_initials.iter().any(|&c| text.contains(c))
    }

    /// The amount unit named in a (squashed) header or cell (`（单位：万元）`, `元`).
    pub fn amount_unit_in(&self, squashed: &str) -> Option<&str> {
        self.amount_units
            .iter()
            .find(|u| squashed.contains(u.as_str()))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_words_parse() {
        let h = HeaderWords::parse(crate::knowledge::data_file("rules/headers.csv"));
        assert!(h.may_name_label_column("主要指标"));
        assert!(!h.may_name_label_column("单位"));
        assert_eq!(h.amount_unit_in("（单位：万元）"), Some("万元"));
        assert_eq!(h.amount_unit_in("金额（元）"), Some("元"));
        assert_eq!(h.amount_unit_in("件"), None);
    }
}
