//! The words of `data/rules/agency.csv`: the vocabulary normalization finds a report's
//! publisher, region and dates with (label words, the phrases of opening and contact
//! sentences, agency endings, telephone and postal words, ...). The patterns of
//! [`super::agency`], [`super::region`] and [`super::year`] are built from these lists: the
//! words of a kind become a pattern's alternatives in file order, escaped, around the
//! grammar (digit classes, brackets, lengths) that stays in the code.

use serde::Deserialize;

use crate::knowledge::parse_csv;

/// The file's name under `data/`, as in [`crate::knowledge::DATA_FILES`].
pub const FILE: &str = "rules/agency.csv";

/// The lists of `data/rules/agency.csv`, each in file order (the file's comments say what
/// each kind is for).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NameWords {
    /// Endings that make a cleaned name read as an agency (局, 政府, 街道 ...).
    pub agency_end: Vec<String>,
    /// Words that make a text a title or phrase, never a name (报告, 工作 ...).
    pub not_name: Vec<String>,
    /// Words where a title's topic starts (政府信息公开 ...).
    pub topic: Vec<String>,
    /// First words of a pronoun name (我, 本, 该).
    pub pronoun: Vec<String>,
    /// Second words of a pronoun name (局, 单位 ...).
    pub pronoun_unit: Vec<String>,
    /// Endings of a township name (街道, 镇, 乡, 苏木).
    pub township_end: Vec<String>,
    /// What may follow a township name (办事处, 人民政府 ...).
    pub township_suffix: Vec<String>,
    /// Words that make a would-be township name a department (城乡).
    pub township_not: Vec<String>,
    /// Labels a publisher's name follows (填报单位 ...).
    pub label: Vec<String>,
    /// Remarks between a label and its colon ((盖章)).
    pub label_remark: Vec<String>,
    /// Words that end a name after a label (日期, 电话 ...).
    pub label_stop: Vec<String>,
    /// Phrases an opening sentence starts its agency with (现公布 ...).
    pub opening: Vec<String>,
    /// Words a compiled-by sentence starts with (本报告由).
    pub compiled_by: Vec<String>,
    /// Verbs after the agency of a compiled-by sentence (编制 ...).
    pub compiled_by_end: Vec<String>,
    /// Words a contact sentence starts with (请与 ...).
    pub contact: Vec<String>,
    /// Verbs after the agency of a contact sentence (联系 ...).
    pub contact_end: Vec<String>,
    /// Endings a contact sentence's agency is cut after (人民政府办公室 ...).
    pub contact_agency_end: Vec<String>,
    /// Words of lines worth scanning wherever they stand (填报, 电话 ...).
    pub label_line: Vec<String>,
    /// Characters only traditional text uses (every character of every word).
    pub traditional_mark: Vec<String>,
    /// Words a telephone number follows (电话, Tel ...).
    pub phone: Vec<String>,
    /// Words a postal code follows (邮编, 邮政编码).
    pub postal: Vec<String>,
    /// Words after 统计 in the statistical-period sentence (期限 ...).
    pub period_word: Vec<String>,
    /// First words of a date label (填报, 发布 ...).
    pub date_label: Vec<String>,
    /// Second words of a date label (日期, 时间).
    pub date_label_end: Vec<String>,
    /// Labels of a crawler's header line holding the page title (标题: ...).
    pub title_label: Vec<String>,
    /// Labels naming a contact unit (联系单位: XX局办公室): the name is cut like a contact
    /// sentence's.
    pub contact_label: Vec<String>,
    /// Verbs after a clause-initial agency that compiled the report (XX编制了本报告).
    pub compiled_verb: Vec<String>,
    /// Words before the agency of such a clause, not part of its name (由XX编制).
    pub compiled_lead: Vec<String>,
    /// What may follow the year before the comma of a clause whose subject is the publisher
    /// (2020年以来，XX厅坚持...).
    pub subject_after_year: Vec<String>,
    /// Units that are a region's government (人民政府, 管理委员会).
    pub government_unit: Vec<String>,
    /// Offices of a government that compile its report on its behalf (办公室, 办公厅).
    pub government_office: Vec<String>,
    /// The unit a bare division name stands for (人民政府): a title 平潭县2011年... is the
    /// county government's.
    pub division_unit: Vec<String>,
    /// The unit a bare special-zone name stands for (管理委员会).
    pub zone_unit: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Row {
    kind: String,
    word: String,
}

impl NameWords {
    /// Parses the text of `rules/agency.csv`.
    ///
    /// Like the other rule files, the file is part of the build: an unknown kind, an empty
    /// word, a kind without words or a malformed row panics with the file name and what is
    /// wrong (caught by the tests) rather than being skipped.
    pub fn parse(text: &str) -> NameWords {
        let mut w = NameWords::default();
        for row in parse_csv::<Row>(FILE, text) {
            let Some(list) = w.list_mut(&row.kind) else {
                panic!("{FILE}: unknown kind {:?} (word {:?})", row.kind, row.word);
            };
            assert!(
                !row.word.is_empty(),
                "{FILE}: empty word of kind {:?}",
                row.kind
            );
            list.push(row.word);
        }
        for (kind, list) in KINDS {
            assert!(
                !list(&mut w).is_empty(),
                "{FILE}: no words of kind {kind:?}"
            );
        }
        w
    }

    /// The words embedded in the binary.
    pub fn embedded() -> NameWords {
        NameWords::parse(crate::knowledge::data_file(FILE))
    }

    /// The list of a kind (`None` for unknown kinds).
    fn list_mut(&mut self, kind: &str) -> Option<&mut Vec<String>> {
        KINDS
            .iter()
            .find(|(name, _)| *name == kind)
            .map(|(_, list)| list(self))
    }
}

/// The list of one kind in [`NameWords`].
type ListOf = fn(&mut NameWords) -> &mut Vec<String>;

/// Every kind with its list, each of which must have words.
const KINDS: [(&str, ListOf); 33] = [
    ("agency_end", |w| &mut w.agency_end),
    ("not_name", |w| &mut w.not_name),
    ("topic", |w| &mut w.topic),
    ("pronoun", |w| &mut w.pronoun),
    ("pronoun_unit", |w| &mut w.pronoun_unit),
    ("township_end", |w| &mut w.township_end),
    ("township_suffix", |w| &mut w.township_suffix),
    ("township_not", |w| &mut w.township_not),
    ("label", |w| &mut w.label),
    ("label_remark", |w| &mut w.label_remark),
    ("label_stop", |w| &mut w.label_stop),
    ("opening", |w| &mut w.opening),
    ("compiled_by", |w| &mut w.compiled_by),
    ("compiled_by_end", |w| &mut w.compiled_by_end),
    ("contact", |w| &mut w.contact),
    ("contact_end", |w| &mut w.contact_end),
    ("contact_agency_end", |w| &mut w.contact_agency_end),
    ("label_line", |w| &mut w.label_line),
    ("traditional_mark", |w| &mut w.traditional_mark),
    ("phone", |w| &mut w.phone),
    ("postal", |w| &mut w.postal),
    ("period_word", |w| &mut w.period_word),
    ("date_label", |w| &mut w.date_label),
    ("date_label_end", |w| &mut w.date_label_end),
    ("title_label", |w| &mut w.title_label),
    ("contact_label", |w| &mut w.contact_label),
    ("compiled_verb", |w| &mut w.compiled_verb),
    ("compiled_lead", |w| &mut w.compiled_lead),
    ("subject_after_year", |w| &mut w.subject_after_year),
    ("government_unit", |w| &mut w.government_unit),
    ("government_office", |w| &mut w.government_office),
    ("division_unit", |w| &mut w.division_unit),
    ("zone_unit", |w| &mut w.zone_unit),
];

/// The words as the alternatives of a pattern, in order, each escaped (`局|委|\(盖章\)`).
/// Put it in a group: `(?:{})`.
pub fn alternatives(words: &[String]) -> String {
    words
        .iter()
        .map(|w| regex::escape(w))
        .collect::<Vec<_>>()
        .join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "kind,word,note\n";

    #[test]
    fn the_embedded_words_parse_in_file_order() {
        let w = NameWords::embedded();
        assert_eq!(w.opening.first().map(String::as_str), Some("现公布"));
        assert_eq!(w.opening.last().map(String::as_str), Some("公布"));
        assert_eq!(w.compiled_by, ["本报告由"]);
        assert_eq!(w.label_remark, ["(盖章)"]);
        assert_eq!(alternatives(&w.label_remark), r"\(盖章\)");
        assert_eq!(alternatives(&w.postal), "邮编|邮政编码");
        assert_eq!(
            alternatives(&w.contact_agency_end[..3]),
            "人民政府办公厅|人民政府办公室|人民政府"
        );
    }

    #[test]
    fn every_kind_is_listed_once_with_its_own_list() {
        let mut names: Vec<&str> = KINDS.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), KINDS.len());
        // Each kind's words land in a list of their own.
        let mut w = NameWords::default();
        for (i, (_, list)) in KINDS.iter().enumerate() {
            list(&mut w).push(i.to_string());
        }
        for (i, (kind, list)) in KINDS.iter().enumerate() {
            assert_eq!(list(&mut w), &vec![i.to_string()], "{kind}");
        }
    }

    #[test]
    #[should_panic(expected = "rules/agency.csv: unknown kind \"openning\" (word \"现公布\")")]
    fn an_unknown_kind_is_reported() {
        let text = format!("{}openning,现公布,\n", crate::knowledge::data_file(FILE));
        NameWords::parse(&text);
    }

    #[test]
    #[should_panic(expected = "data/rules/agency.csv: row 2:")]
    fn a_malformed_row_is_reported() {
        NameWords::parse(&format!("{HEADER}opening,现公布,\nopening,特公布\n"));
    }

    #[test]
    #[should_panic(expected = "rules/agency.csv: empty word of kind \"contact\"")]
    fn an_empty_word_is_reported() {
        let text = format!("{}contact,,\n", crate::knowledge::data_file(FILE));
        NameWords::parse(&text);
    }

    #[test]
    #[should_panic(expected = "rules/agency.csv: no words of kind \"agency_end\"")]
    fn a_kind_without_words_is_reported() {
        NameWords::parse(&format!("{HEADER}opening,现公布,\n"));
    }
}
