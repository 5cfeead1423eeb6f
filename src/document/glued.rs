//! Tables glued into running text: rows rebuilt from the words of the forms.
//!
//! A crawler that joins a page's text nodes without separators turns a statistics table into
//! `信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件81153第二十条第（五）项…`:
//! no cell boundaries, digits of neighbouring cells run together, the next row's numbering
//! glued to the last number (`00000002.其他法律…`). What is left to go by:
//! - the header cells are the forms' fixed words (`data/rules/cells.csv`): two or more of them
//!   side by side are a header row, and the text after the last one is the next row's label;
//! - a row's values are the run of digits after its label; a digit run followed by 年 / 月 / 日
//!   is a date, not a value; one digit and a `.` or `、` before a Han character is the numbering
//!   of the next label, not the last digit of a value;
//! - separators that did survive (tabs, U+3000, runs of spaces, `|`) are cell boundaries; a
//!   single space between digits is a boundary within a glued run (kept in the cell's text, so
//!   the extractor knows a cut must fall there).
//!
//! The result is the same [`Table`] grid every other layout produces: header rows, rows of
//! `[label, (unit), values…]`, rows of bare values (表四's data row). A glued run stays one cell:
//! only the extractor, which knows the row's columns and arithmetic, can split it.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Deserialize;

use super::text::{fold_char, is_han};
use super::words::FirstCharIndex;
use super::{Cell, Document, Row, Table};
use crate::knowledge::parse_csv;

/// The words that rebuild glued rows: header cells (`rules/cells.csv`) and row-label marks
/// (the forms' row patterns, `rules/forms.csv` and `rules/labels_2008.csv`).
#[derive(Debug, Clone)]
pub struct GluedWords {
    headers: AhoCorasick,
    /// The same words, searched only for whether a line holds one (a faster automaton: most
    /// lines of most reports hold none, and this is asked of every line).
    any_header: AhoCorasick,
    /// Row-label marks, asked only whether a line holds one: looked up by first character.
    /// An automaton of these long words (some 170) stepped at every byte through tables too
    /// large for the cache, and this is asked of every line of figures near a table.
    marks: FirstCharIndex,
    /// Every row mark, whatever its length, sorted: a label that is one of them whole (after
    /// its outline numbering) is a row even when the mark is too short to search for
    /// (`（七）总计`, `3.其他`, `规章`, `2.传真`).
    all_marks: Vec<String>,
    captions: Vec<String>,
    /// 表二's row labels, each of which starts a row wherever it stands.
    rows: AhoCorasick,
    /// Units split off a label's end wherever they stand, and only after a count word.
    units_any: Vec<String>,
    units_after_count: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct CellRow {
    kind: String,
    text: String,
}

/// Row-label marks shorter than this (`其他`, `总计`) say nothing on their own.
const MIN_MARK_CHARS: usize = 3;

impl GluedWords {
    /// Builds the word lists from `rules/cells.csv` and the forms' row marks.
    ///
    /// `headers_automaton` finds the header words (leftmost longest): the automaton
    /// [`super::detached::DetachedWords`] already built from the same words.
    pub fn new(
        cells_csv: &str,
        row_marks: impl IntoIterator<Item = String>,
        headers_automaton: AhoCorasick,
    ) -> GluedWords {
        let mut headers: Vec<String> = Vec::new();
        let mut captions: Vec<String> = Vec::new();
        let mut rows: Vec<String> = Vec::new();
        let mut units_any: Vec<String> = Vec::new();
        let mut units_after_count: Vec<String> = Vec::new();
        for r in parse_csv::<CellRow>("rules/cells.csv", cells_csv) {
            match r.kind.as_str() {
                "header" => headers.push(r.text),
                "caption" => captions.push(r.text),
                "row" => rows.push(r.text),
                "unit_any" => units_any.push(r.text),
                "unit_after_count" => units_after_count.push(r.text),
                // Read by the spaced-row pass (src/document/spaced.rs).
                "label_column" | "unit_column" | "group_column" => {}
                other => panic!("rules/cells.csv: unknown kind {other:?}"),
            }
        }
        let mut all_marks: Vec<String> = row_marks
            .into_iter()
            .map(|m| crate::document::text::squash(&m))
            .filter(|m| m.chars().count() >= 2)
            .collect();
        all_marks.sort();
        all_marks.dedup();
        let marks: Vec<String> = all_marks
            .iter()
            .filter(|m| m.chars().count() >= MIN_MARK_CHARS)
            .cloned()
            .collect();
        let build = |words: &[String]| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(words)
                .expect("cell words build an automaton")
        };
        // Leftmost-first, which whether a line holds a word does not depend on: unlike the
        // standard semantics it lets the automaton skip to candidates with a SIMD prefilter.
        let any_header = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&headers)
            .expect("cell words build an automaton");
        GluedWords {
            any_header,
            headers: headers_automaton,
            marks: FirstCharIndex::new(&marks).expect("row marks begin with a whole character"),
            all_marks,
            captions,
            rows: build(&rows),
            units_any,
            units_after_count,
        }
    }

    /// True when `text` is exactly one header word.
    fn whole_header(&self, text: &str) -> bool {
        self.headers
            .find(text)
            .is_some_and(|m| m.start() == 0 && m.end() == text.len())
    }

    fn has_mark(&self, text: &str) -> bool {
        self.marks.occurs_in(text)
    }

    /// True when `label`, without its outline numbering and 其中, is a row mark whole.
    fn is_row_label(&self, label: &str) -> bool {
        let key = crate::extract::labels::label_key(label);
        self.all_marks.binary_search(&key).is_ok()
    }
}

/// What a piece of a glued line is.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    /// A header word of the forms.
    Header(String),
    /// Other text: a row label.
    Label(String),
    /// A caption that always stands in a row of its own (`第二十条第（五）项`).
    Caption(String),
    /// A 表二 row label glued after another label: it starts a row.
    RowLabel(String),
    /// A unit cell of the 2008 form (`条`).
    Unit(String),
    /// A run of digits (one cell, or several glued).
    Value(String),
}

/// Finds tables glued into lines of text and adds them to `doc.tables`. A line counts when it
/// holds a header row of two or more header words and at least one value, or when it follows
/// such a line closely and holds a row whose label is one of the forms' rows.
pub fn find_glued_tables(doc: &mut Document, words: &GluedWords) {
    /// What one line holds, as far as the decision goes.
    struct Seen {
        rows: Vec<Row>,
        blank_row: bool,
        header: bool,
        values: bool,
        marked: bool,
    }
    // A cheap pass first: only lines with two header words, and lines of figures with a row
    // mark that follow such a line closely, are cut into pieces.
    let mask = doc.table_line_mask();
    let mut candidate = vec![false; doc.lines.len()];
    let mut bridge = vec![false; doc.lines.len()];
    let mut unit_row = vec![false; doc.lines.len()];
    // Whether some line may hold a header row: every table found starts with one.
    let mut header_row_possible = false;
    let two_headers = lines_with_two_headers(&doc.lines, &mask, words);
    for (i, line) in doc.lines.iter().enumerate() {
        if mask[i] {
            continue;
        }
        if !could_hold_table(line) {
            // A line of bare figures close under a header row: 表四's data row.
            let near = (i.saturating_sub(3)..i).any(|j| candidate[j]);
            candidate[i] = near && is_bare_line(&runs(line));
            continue;
        }
        let (headers, close) = if two_headers[i] {
            header_words(line, words)
        } else {
            (false, false)
        };
        header_row_possible = header_row_possible || close;
        let near = (i.saturating_sub(3)..i).any(|j| candidate[j] || bridge[j]);
        // Only a line close under a table is looked at further (most lines are not).
        let digits = near && line.bytes().any(|b| b.is_ascii_digit());
        candidate[i] =
            headers || (digits && (words.marks.occurs_in(line) || short_row_line(line, words)));
        // A short line without figures under a table (a heading such as （二）通过不同渠道…,
        // a row whose blank was dropped) keeps the rows after it close to the table.
        bridge[i] = !candidate[i] && near && !digits && !super::text::more_chars_than(line, 60);
        // A 2008 row whose figure was a blank cell: its label and unit alone.
        if bridge[i] && blank_row_line(line, words) {
            (candidate[i], bridge[i], unit_row[i]) = (true, false, true);
        }
    }
    if !header_row_possible {
        return;
    }
    let see = |i: usize| {
        let no = i as u32 + 1;
        let pieces = pieces(&doc.lines[i], words);
        let rows = group_rows(&pieces, no);
        let marked = rows.iter().any(|r| {
            r.cells.iter().any(|c| is_value_text(&c.text))
                && r.cells
                    .first()
                    .is_some_and(|c| words.has_mark(&c.text) || words.is_row_label(&c.text))
        }) || is_bare_figures(&pieces);
        // A 2008 row of label and unit alone (`1.政府公报公开政府信息数条`): a blank cell.
        let blank_row = matches!(
            pieces.as_slice(),
            [.., Piece::Label(_) | Piece::RowLabel(_), Piece::Unit(_)]
        ) && !pieces
            .iter()
            .any(|p| matches!(p, Piece::Value(_) | Piece::Header(_)));
        Seen {
            blank_row,
            header: has_header_row(&pieces),
            values: pieces.iter().any(|p| matches!(p, Piece::Value(_))),
            marked,
            rows,
        }
    };
    // Lines with a digit first. A line without one holds no value and no mark: it is a
    // table only as a header row above marked lines, so it is cut into pieces only when one
    // of the next lines is marked (most candidates are headings such as 行政复议、行政诉讼
    // 情况, with nothing under them).
    let has_digit = |line: &str| line.chars().any(|c| fold_char(c).is_ascii_digit());
    let mut seen: Vec<Option<Seen>> = (0..doc.lines.len())
        .map(|i| (candidate[i] && (unit_row[i] || has_digit(&doc.lines[i]))).then(|| see(i)))
        .collect();
    let marked_after = |seen: &[Option<Seen>], i: usize| {
        (i + 1..(i + 4).min(seen.len()))
            .filter_map(|j| seen[j].as_ref())
            .any(|s| s.marked)
    };
    for i in 0..seen.len() {
        if candidate[i] && seen[i].is_none() && marked_after(&seen, i) {
            seen[i] = Some(see(i));
        }
    }
    let next_marked = |i: usize| marked_after(&seen, i);
    let mut found: Vec<Table> = Vec::new();
    let mut last_table_line: Option<usize> = None;
    for (i, s) in seen.iter().enumerate() {
        if bridge[i] && last_table_line.is_some_and(|l| i - l <= 3) {
            last_table_line = Some(i);
        }
        let Some(s) = s else { continue };
        let near = last_table_line.is_some_and(|l| i - l <= 3);
        let table = (s.header && (s.values || next_marked(i)))
            || (s.values && s.marked && near)
            || ((unit_row[i] || s.blank_row) && near);
        if table {
            let no = i as u32 + 1;
            found.push(Table {
                rows: s.rows.clone(),
                line_span: (no, no),
                from_text: true,
            });
            last_table_line = Some(i);
        }
    }
    if found.is_empty() {
        return;
    }
    doc.tables.extend(found);
    doc.tables.sort_by_key(|t| t.line_span);
}

/// Whether `line` holds two header words, and whether two of them stand close enough to be
/// cells of one header row (see [`has_header_row`] and `split_headers`): with only
/// separators between them, or at most 8 other characters, a digit among them
/// (`计量单位2011年度历年累计`). A line without such a pair cuts into no header row; the words
/// in it are a sentence's (`申请行政复议、提起行政诉讼`), and a document without such a line
/// has no glued table, so it is not cut into pieces at all.
fn header_words(line: &str, words: &GluedWords) -> (bool, bool) {
    let mut last_end: Option<usize> = None;
    let mut two = false;
    for m in words.headers.find_iter(line) {
        if let Some(end) = last_end {
            two = true;
            let (mut others, mut digit) = (0, false);
            for c in line[end..m.start()].chars() {
                if !c.is_whitespace() && c != '|' {
                    others += 1;
                    digit = digit || c.is_ascii_digit();
                }
            }
            if others == 0 || (others <= 8 && digit) {
                return (true, true);
            }
        }
        last_end = Some(m.end());
    }
    (two, false)
}

/// Longest line read as one short-labelled row (`（七）总计0000000`, `2.传真件01`).
const SHORT_ROW_MAX_CHARS: usize = 60;

/// Fewest digits of a line of bare figures read as a table's data row (表四's fifteen cells,
/// some blank): fewer is a page number or a stray figure.
const BARE_ROW_MIN_DIGITS: usize = 5;

/// True for a short line holding one row whose label is a row mark whole (too short to search
/// for: `总计`, `其他`, `规章`, `传真`), then perhaps a unit, then figures, or a line of bare
/// figures (表四's data row). Asked only of lines close under a table.
fn short_row_line(line: &str, words: &GluedWords) -> bool {
    if super::text::more_chars_than(line, SHORT_ROW_MAX_CHARS) {
        return false;
    }
    let runs = runs(line);
    match runs.as_slice() {
        [(label, false), rest @ ..] if !rest.is_empty() => {
            let label = split_unit(label, words).map_or(label.as_str(), |(head, _)| head);
            words.is_row_label(label) && rest.iter().all(|(_, v)| *v)
        }
        _ => is_bare_line(&runs),
    }
}

/// True for a line that is one 2008 row's label and unit and nothing else
/// (`1.政府公报公开政府信息数条`): its figure was a blank cell. Asked only of short lines
/// without digits close under a table.
fn blank_row_line(line: &str, words: &GluedWords) -> bool {
    split_unit(line.trim(), words)
        .is_some_and(|(head, _)| words.has_mark(head) || words.is_row_label(head))
}

/// True when a line's runs are all figures with at least [`BARE_ROW_MIN_DIGITS`] digits.
fn is_bare_line(runs: &[(String, bool)]) -> bool {
    !runs.is_empty()
        && runs.iter().all(|(_, v)| *v)
        && runs
            .iter()
            .flat_map(|(t, _)| t.chars())
            .filter(|c| c.is_ascii_digit())
            .count()
            >= BARE_ROW_MIN_DIGITS
}

/// [`is_bare_line`] on a line cut into pieces.
fn is_bare_figures(pieces: &[Piece]) -> bool {
    !pieces.is_empty()
        && pieces.iter().all(|p| matches!(p, Piece::Value(_)))
        && pieces
            .iter()
            .map(|p| match p {
                Piece::Value(t) => t.chars().filter(|c| c.is_ascii_digit()).count(),
                _ => 0,
            })
            .sum::<usize>()
            >= BARE_ROW_MIN_DIGITS
}

/// For each line, whether it holds two header words: two leftmost-first matches are needed
/// for two leftmost-longest ones (the first ends no later), and most lines have fewer, so the
/// automaton with the prefilter looks first. It searches once, over the lines that could hold
/// a table (not `in_table`, [`could_hold_table`]) joined by line feeds, which no word holds:
/// a search per line spent more on starting than on searching, the lines being short. A
/// match never spans two lines, so each line's matches are those of a search of it alone.
fn lines_with_two_headers(lines: &[String], in_table: &[bool], words: &GluedWords) -> Vec<bool> {
    let mut joined = String::new();
    // (line index, where the line starts in `joined`), in order.
    let mut starts: Vec<(usize, usize)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if in_table.get(i) == Some(&true) || !could_hold_table(line) {
            continue;
        }
        starts.push((i, joined.len()));
        joined.push_str(line);
        joined.push('\n');
    }
    let mut found = vec![0u8; lines.len()];
    let mut k = 0;
    for m in words.any_header.find_iter(joined.as_str()) {
        while starts.get(k + 1).is_some_and(|&(_, at)| at <= m.start()) {
            k += 1;
        }
        let count = &mut found[starts[k].0];
        *count = count.saturating_add(1);
    }
    found.into_iter().map(|n| n >= 2).collect()
}

/// A cheap first look: a line with a table glued into it has a digit or a header word's
/// first characters; most prose lines of a report have digits, so this only spares blanks.
fn could_hold_table(line: &str) -> bool {
    line.chars().any(is_han)
}

/// True when two header words stand together (side by side, or with a short caption such as
/// `2011年度` between them). Words joined by a mark or a conjunction are a phrase of a sentence
/// or a heading (`四、行政复议、行政诉讼情况`, `行政复议及行政诉讼`), not two header cells.
fn has_header_row(pieces: &[Piece]) -> bool {
    pieces
        .windows(2)
        .any(|w| matches!(w, [Piece::Header(_), Piece::Header(_)]))
        || pieces.windows(3).any(|w| match w {
            [Piece::Header(_), Piece::Label(t), Piece::Header(_)] => {
                t.chars().count() <= 8
                    && t.chars().any(|c| c.is_ascii_digit())
                    && !t.chars().any(is_joining)
            }
            _ => false,
        })
}

/// Marks and conjunctions that join the words of a phrase.
fn is_joining(c: char) -> bool {
    matches!(
        c,
        '、' | '，' | ',' | '。' | '；' | ';' | '和' | '及' | '与' | '或'
    )
}

fn is_value_text(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| fold_char(c).is_ascii_digit())
}

/// Cuts a line into header words, labels, units and values.
fn pieces(line: &str, words: &GluedWords) -> Vec<Piece> {
    let mut out = Vec::new();
    let runs = runs(line);
    // Runs that are one header word whole: with a separator between cells, header words
    // stand in runs of their own, and a neighbour that is one too makes them a header row.
    let whole: Vec<bool> = runs
        .iter()
        .map(|(t, v)| !v && words.whole_header(t))
        .collect();
    for (k, (text, is_value)) in runs.into_iter().enumerate() {
        if is_value {
            out.push(Piece::Value(text));
            continue;
        }
        let neighbour = (k > 0 && whole[k - 1]) || whole.get(k + 1).copied().unwrap_or(false);
        if whole[k] && neighbour {
            out.push(Piece::Header(text));
            continue;
        }
        for part in rows_without_values(&text, words) {
            let before = out.len();
            split_headers(part, words, &mut out);
            // A unit glued after a 2008 label and before its numbers (`行政复议数条00`).
            let added = out.len() > before;
            let last = out.last().filter(|_| added).and_then(|p| match p {
                Piece::Label(l) => Some((l.clone(), false)),
                Piece::RowLabel(l) => Some((l.clone(), true)),
                _ => None,
            });
            if let Some((label, starts_row)) = last {
                if let Some((head, unit)) = split_unit(&label, words) {
                    let unit = unit.to_string();
                    let head = head.to_string();
                    out.pop();
                    push_headings_apart(&head, starts_row, &mut out);
                    out.push(Piece::Unit(unit));
                }
            }
        }
    }
    out
}

/// Pushes a 2008 row's label, the headings glued before it cut off as rows of their own:
/// a page on one line runs a heading row that had no figures into the next row's label
/// (`一、主动公开情况(一) 主动公开政府信息数`, `(二) 通过不同渠道…的情况1. 政府公报公开…`).
/// A cut falls where an outline number starts after a Han character or a closing bracket;
/// what stands before it must be a heading of its own, not the 其中 of the row.
fn push_headings_apart(label: &str, starts_row: bool, out: &mut Vec<Piece>) {
    let mut at = 0;
    let mut previous: Option<char> = None;
    let mut first = !starts_row;
    for (i, c) in label.char_indices() {
        // The character before, past spaces (`情况 (一) …` on a page spaced out): a Han
        // character, or the bracket closing a heading's note (`…情况（…计1次）（一）回应…`).
        let after_han =
            previous.is_some_and(|p| crate::document::text::is_han(p) || matches!(p, '）' | ')'));
        if !c.is_whitespace() {
            previous = Some(c);
        }
        if i == 0 || !after_han || !starts_outline_number(&label[i..]) {
            continue;
        }
        let head = label[at..i].trim();
        let own = crate::extract::labels::label_key(head);
        if own
            .chars()
            .filter(|&c| crate::document::text::is_han(c))
            .count()
            < 2
            || own.starts_with("其中")
        {
            continue;
        }
        out.push(if first {
            Piece::Label(head.to_string())
        } else {
            Piece::RowLabel(head.to_string())
        });
        first = false;
        at = i;
    }
    let rest = label[at..].trim().to_string();
    out.push(if first {
        Piece::Label(rest)
    } else {
        Piece::RowLabel(rest)
    });
}

/// True when an outline number starts `t`: （一） / (一) / 1. / 1、 (not 其中, which starts no
/// row of its own).
fn starts_outline_number(t: &str) -> bool {
    let numeral = |c: char| c.is_ascii_digit() || crate::document::text::is_outline_numeral(c);
    let mut chars = t.chars();
    match chars.next() {
        Some('（' | '(') => {
            let inner: String = chars.by_ref().take_while(|c| numeral(*c)).collect();
            // take_while consumed the closing bracket when it stopped there.
            !inner.is_empty()
                && inner.chars().count() <= 2
                && t[t.chars().next().map_or(0, char::len_utf8) + inner.len()..]
                    .starts_with(['）', ')'])
        }
        Some(c) if numeral(c) => {
            let lead = t.chars().take_while(|c| numeral(*c)).count();
            let after = t.chars().nth(lead);
            lead <= 2
                && matches!(after, Some('.' | '、' | '．'))
                && t.chars().nth(lead + 1).is_some_and(|c| !c.is_ascii_digit())
        }
        _ => false,
    }
}

/// Cuts a text run after every 2008 label that ends with its unit and is followed by the next
/// numbered label (`1.专职人员数（…）人2.兼职人员数人`): the first row's value was a blank
/// cell, lost with the separators. Without the cut the two labels read as one, and the second
/// row's figure would go to the first.
fn rows_without_values<'t>(text: &'t str, words: &GluedWords) -> Vec<&'t str> {
    let mut parts = Vec::new();
    let mut at = 0;
    for (i, _) in text.char_indices().skip(1) {
        if i <= at || !crate::document::layout::starts_with_numbering(&text[i..]) {
            continue;
        }
        if split_unit(text[at..i].trim_end(), words).is_some() {
            parts.push(&text[at..i]);
            at = i;
        }
    }
    parts.push(&text[at..]);
    parts
}

/// A trailing unit of a 2008 count label: `主动公开信息数条` → (`主动公开信息数`, `条`),
/// `网站公开条`, `接受培训人员数人次` (the units of `rules/cells.csv`; the longest that fits wins).
/// A unit that may end a word (件) is split off after a count word, or where what stays is a
/// row label whole (`2.传真件`, `3.电子邮件件`: the 件 of 电子邮件 stays when no unit follows).
fn split_unit<'a>(label: &'a str, words: &GluedWords) -> Option<(&'a str, &'a str)> {
    let after_count = |head: &str| {
        head.chars()
            .last()
            .is_some_and(|p| matches!(p, '数' | '量' | '）' | ')'))
            || words.is_row_label(head)
    };
    let any = words.units_any.iter().map(|u| (u, false));
    let counted = words.units_after_count.iter().map(|u| (u, true));
    any.chain(counted)
        .filter_map(|(unit, needs_count)| {
            // A single space may stand between a label and its unit (`兼职人员数 人`).
            let head = label.strip_suffix(unit.as_str())?.trim_end();
            (!head.is_empty() && (!needs_count || after_count(head))).then_some(head)
        })
        .min_by_key(|head| head.len())
        .map(|head| (head, label[head.len()..].trim_start()))
}

/// Splits a text run at header words; header words only count where two or more stand
/// together (with at most a short caption such as `2011年度` between them).
fn split_headers(text: &str, words: &GluedWords, out: &mut Vec<Piece>) {
    let found: Vec<(usize, usize)> = words
        .headers
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect();
    // Keep the header words that have a neighbour close by: next to it, or with a caption
    // holding a year between them (`计量单位2011年度历年累计`).
    let close = |a: (usize, usize), b: (usize, usize)| {
        let between = text[a.1..b.0].trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
        between.is_empty()
            || (between.chars().count() <= 8 && between.chars().any(|c| c.is_ascii_digit()))
    };
    let keep: Vec<(usize, usize)> = found
        .iter()
        .enumerate()
        .filter(|&(k, &m)| {
            (k > 0 && close(found[k - 1], m)) || found.get(k + 1).is_some_and(|&n| close(m, n))
        })
        .map(|(_, &m)| m)
        .collect();
    let mut at = 0;
    for (start, end) in keep {
        push_labels(&text[at..start], words, out);
        out.push(Piece::Header(text[start..end].to_string()));
        at = end;
    }
    push_labels(&text[at..], words, out);
}

/// Pushes label text, cut before every caption and every 表二 row label that does not start
/// it (a row label after another label: the row before had nothing but blanks).
fn push_labels(text: &str, words: &GluedWords, out: &mut Vec<Piece>) {
    let mut cuts: Vec<(usize, bool)> = words
        .captions
        .iter()
        .flat_map(|c| text.match_indices(c.as_str()).map(|(i, _)| (i, true)))
        .chain(
            // Only in a run of row labels: one starts the text.
            words
                .rows
                .find_iter(text)
                .filter(|_| words.rows.find(text).is_some_and(|m| m.start() == 0))
                .map(|m| (m.start(), false)),
        )
        .filter(|&(i, _)| i > 0)
        .collect();
    cuts.sort_unstable();
    cuts.dedup_by_key(|c| c.0);
    let mut at = 0;
    let mut starts_row = false;
    for (cut, caption) in cuts.into_iter().chain(std::iter::once((text.len(), false))) {
        let t = text[at..cut].trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
        if !t.is_empty() {
            let is_caption = words.captions.iter().any(|c| t.starts_with(c.as_str()));
            if is_caption {
                out.push(Piece::Caption(t.to_string()));
            } else {
                push_headings_apart(t, starts_row, out);
            }
        }
        starts_row = !caption;
        at = cut;
    }
}

/// Cuts a line into runs of text and runs of digits (`true`), at the separators that
/// survived. A value run keeps single spaces between its digits and a trailing amount unit.
fn runs(line: &str) -> Vec<(String, bool)> {
    let chars: Vec<char> = line.chars().collect();
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut text = String::new();
    let flush_text = |text: &mut String, out: &mut Vec<(String, bool)>| {
        let t = text.trim();
        if !t.is_empty() {
            out.push((t.to_string(), false));
        }
        text.clear();
    };
    let digit = |k: usize| chars.get(k).is_some_and(|&c| fold_char(c).is_ascii_digit());
    let mut k = 0;
    let mut open_brackets = 0usize;
    while k < chars.len() {
        let c = chars[k];
        if is_separator(&chars, k) {
            flush_text(&mut text, &mut out);
            k += 1;
            continue;
        }
        // A dash after a figure is a blank cell of its own (`38—97`: 38 | — | 97).
        if is_blank_dash(c) && text.trim().is_empty() && out.last().is_some_and(|(_, v)| *v) {
            while chars.get(k).copied().is_some_and(is_blank_dash) {
                k += 1;
            }
            text.clear();
            out.push(("—".to_string(), true));
            continue;
        }
        if !digit(k) {
            match c {
                '（' | '(' => open_brackets += 1,
                '）' | ')' => open_brackets = open_brackets.saturating_sub(1),
                _ => {}
            }
            text.push(c);
            k += 1;
            continue;
        }
        // Digits inside a label's brackets are words of the label (`（…相同信息计1条）`).
        if open_brackets > 0 && closes_soon(&chars, k) {
            text.push(c);
            k += 1;
            continue;
        }
        // A run of digits, with decimal points, thousands commas, inner single spaces and a
        // sign between digits.
        let start = k;
        let mut end = k;
        while end < chars.len() {
            let ch = fold_char(chars[end]);
            let inner = matches!(ch, '.' | ',' | ' ' | '-')
                && !is_blank_dash(chars[end])
                && digit(end + 1)
                && end > start;
            if ch.is_ascii_digit() || inner {
                end += 1;
            } else {
                break;
            }
        }
        let next = chars.get(end).copied();
        // The first character after the mark, past spaces (`2. 政府网站…`).
        let after = chars[(end + 1).min(chars.len())..]
            .iter()
            .copied()
            .find(|c| *c != ' ');
        // A date or a count in a sentence-like phrase: text.
        if next.is_some_and(|n| "年月日号时".contains(n)) {
            text.extend(&chars[start..end]);
            k = end;
            continue;
        }
        // One digit and `.` / `、` before a Han character: the numbering of the next label.
        let numbering = matches!(next, Some('.' | '．' | '、')) && after.is_some_and(is_han);
        let value_end = if numbering { end - 1 } else { end };
        if value_end <= start {
            text.extend(&chars[start..end]);
            k = end;
            continue;
        }
        let mut value: String = chars[start..value_end].iter().collect();
        let mut k_next = value_end;
        if !numbering {
            for unit in ["万元", "元", "%"] {
                let u: Vec<char> = unit.chars().collect();
                if chars[end..].starts_with(&u) {
                    value.push_str(unit);
                    k_next = end + u.len();
                    break;
                }
            }
        }
        flush_text(&mut text, &mut out);
        out.push((value.trim().to_string(), true));
        k = k_next;
    }
    flush_text(&mut text, &mut out);
    out
}

/// The dashes a form writes in a cell with nothing to report (not a minus sign).
fn is_blank_dash(c: char) -> bool {
    matches!(c, '\u{2014}' | '\u{2015}' | '\u{2500}')
}

/// True when a closing bracket follows `k` within a label's reach, before any opening one: the
/// digits at `k` stand inside brackets.
fn closes_soon(chars: &[char], k: usize) -> bool {
    chars[k..]
        .iter()
        .take(40)
        .find(|c| matches!(c, '（' | '(' | '）' | ')'))
        .is_some_and(|c| matches!(c, '）' | ')'))
}

/// A cell boundary: a tab, an ideographic space, a pipe, or two or more spaces.
fn is_separator(chars: &[char], k: usize) -> bool {
    match chars[k] {
        '\t' | '\u{3000}' | '|' | '\u{a0}' => true,
        ' ' => chars.get(k + 1) == Some(&' ') || (k > 0 && chars[k - 1] == ' '),
        _ => false,
    }
}

/// Groups the pieces of one line into rows: a run of header words is a header row (cells
/// marked `spanned` = header word, so a caption between them can be told apart); a label
/// with its unit and values is a data row; values with no label are a row of their own.
fn group_rows(pieces: &[Piece], line: u32) -> Vec<Row> {
    #[derive(PartialEq)]
    enum Kind {
        Empty,
        Header,
        Data { values: bool },
    }
    let mut rows = Vec::new();
    let mut cur: Vec<Cell> = Vec::new();
    let mut kind = Kind::Empty;
    let flush = |cur: &mut Vec<Cell>, kind: &mut Kind, rows: &mut Vec<Row>| {
        if !cur.is_empty() {
            rows.push(Row::new(std::mem::take(cur)));
        }
        *kind = Kind::Empty;
    };
    for (k, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Header(t) => {
                if kind != Kind::Header {
                    flush(&mut cur, &mut kind, &mut rows);
                    kind = Kind::Header;
                }
                let mut cell = Cell::new(t.clone(), line);
                cell.spanned = true;
                cur.push(cell);
            }
            Piece::Label(t) => {
                let caption_in_header = kind == Kind::Header
                    && t.chars().count() <= 8
                    && t.chars().any(|c| c.is_ascii_digit())
                    && matches!(pieces.get(k + 1), Some(Piece::Header(_)));
                if caption_in_header {
                    cur.push(Cell::new(t.clone(), line));
                    continue;
                }
                // After a unit, a label starts the next row (the row's figure was a blank).
                let after_unit = k > 0 && matches!(pieces[k - 1], Piece::Unit(_));
                if kind != (Kind::Data { values: false }) || after_unit {
                    flush(&mut cur, &mut kind, &mut rows);
                    kind = Kind::Data { values: false };
                }
                cur.push(Cell::new(t.clone(), line));
            }
            Piece::Caption(t) => {
                flush(&mut cur, &mut kind, &mut rows);
                rows.push(Row::new(vec![Cell::new(t.clone(), line)]));
            }
            Piece::RowLabel(t) => {
                flush(&mut cur, &mut kind, &mut rows);
                kind = Kind::Data { values: false };
                cur.push(Cell::new(t.clone(), line));
            }
            Piece::Unit(t) => {
                if kind == Kind::Header {
                    flush(&mut cur, &mut kind, &mut rows);
                }
                if kind == Kind::Empty {
                    kind = Kind::Data { values: false };
                }
                cur.push(Cell::new(t.clone(), line));
            }
            Piece::Value(t) => {
                if kind == Kind::Header || kind == Kind::Empty {
                    flush(&mut cur, &mut kind, &mut rows);
                }
                kind = Kind::Data { values: true };
                cur.push(Cell::new(t.clone(), line));
            }
        }
    }
    flush(&mut cur, &mut kind, &mut rows);
    // The header marks were only needed while grouping.
    rows.iter_mut()
        .flat_map(|r| r.cells.iter_mut())
        .for_each(|c| c.spanned = false);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> GluedWords {
        let k = crate::knowledge::Knowledge::embedded();
        k.glued.clone()
    }

    fn rows_of(line: &str) -> Vec<Vec<String>> {
        let mut doc = Document::from_text(line);
        find_glued_tables(&mut doc, &words());
        doc.tables
            .iter()
            .flat_map(|t| t.rows.iter())
            .map(|r| r.cells.iter().map(|c| c.text.clone()).collect())
            .collect()
    }

    /// The one search over the joined lines says what a search of each line would.
    #[test]
    fn two_headers_found_over_joined_lines_as_line_by_line() {
        let w = words();
        let lines: Vec<String> = [
            "信息内容本年制发件数本年废止件数",
            "本年制发件数",
            "",
            "本年制发件数本年制发件数",
            "123 456",
            "信息内容本年制发件数本年废止件数",
            "本年废止件数与信息内容",
            "本年制发件数",
            "本年废止件数",
        ]
        .iter()
        .map(|l| l.to_string())
        .collect();
        let in_table = [false, false, false, false, false, true, false, false, false];
        let got = lines_with_two_headers(&lines, &in_table, &w);
        let want: Vec<bool> = lines
            .iter()
            .zip(in_table)
            .map(|(l, t)| {
                !t && could_hold_table(l) && w.any_header.find_iter(l.as_str()).nth(1).is_some()
            })
            .collect();
        assert_eq!(got, want);
        assert_eq!(got.iter().filter(|&&g| g).count(), 3, "{got:?}");
    }

    // Modelled on the glued 表二 of the Hebei provincial crawler's CSV cells
    // (../shared/corpus/real/reports/gh-011.txt), in other words and numbers.
    #[test]
    fn a_glued_table_two_becomes_header_and_label_rows() {
        let rows = rows_of(
            "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章102行政规范性文件4260第二十条第（五）项信息内容本年处理决定数量行政许可315",
        );
        assert_eq!(
            rows,
            vec![
                vec!["二、主动公开政府信息情况"],
                vec!["第二十条第（一）项"],
                vec!["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                vec!["规章", "102"],
                vec!["行政规范性文件", "4260"],
                vec!["第二十条第（五）项"],
                vec!["信息内容", "本年处理决定数量"],
                vec!["行政许可", "315"],
            ]
        );
    }

    #[test]
    fn numbering_glued_to_a_value_starts_the_next_label() {
        let rows = rows_of(
            "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他（三）不予公开1.属于国家秘密30000032.其他法律行政法规禁止公开0000000",
        );
        // The group's heading stands as a row of its own before its first row.
        assert_eq!(rows[1], vec!["（三）不予公开"]);
        assert_eq!(rows[2], vec!["1.属于国家秘密", "3000003"]);
        assert_eq!(rows[3], vec!["2.其他法律行政法规禁止公开", "0000000"]);
    }

    // Modelled on the one-line 表三 of ../shared/corpus/real/reports/gh-017.txt, in other
    // words and numbers: rows whose blanks were dropped run their labels together.
    #[test]
    fn labels_of_rows_without_figures_stand_apart() {
        let rows = rows_of(
            "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他三、本年度办理结果（一）予以公开（二）部分公开22（六）其他处理（七）总计22",
        );
        let labels: Vec<&str> = rows.iter().skip(1).map(|r| r[0].as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "三、本年度办理结果",
                "（一）予以公开",
                "（二）部分公开",
                "（六）其他处理",
                "（七）总计"
            ]
        );
        assert_eq!(rows[3], vec!["（二）部分公开", "22"]);
        // An aside in brackets is no outline number.
        assert!(!starts_outline_number("(含)"));
        assert!(starts_outline_number("（十）其他"));
        assert!(!starts_outline_number("2019年"));
    }

    #[test]
    fn dates_are_text_and_stray_spaces_stay_in_the_run() {
        let rows = rows_of(
            "指标名称计量单位2016年度历年累计主动公开信息数条3121900其中：1.网站公开条3001850 2.政府公报公开条1250",
        );
        assert_eq!(
            rows[0],
            vec!["指标名称", "计量单位", "2016年度", "历年累计"]
        );
        assert_eq!(rows[1], vec!["主动公开信息数", "条", "3121900"]);
        assert_eq!(rows[2], vec!["其中：1.网站公开", "条", "3001850"]);
        assert_eq!(rows[3], vec!["2.政府公报公开", "条", "1250"]);
        let rows = rows_of("行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计12 0 30 013");
        assert_eq!(rows.last().unwrap(), &vec!["12 0 30 013".to_string()]);
    }

    #[test]
    fn separators_that_survived_are_cell_boundaries() {
        let rows = rows_of(
            "信息内容\u{3000}\u{3000}本年制发件数\u{3000}\u{3000}本年废止件数\u{3000}\u{3000}现行有效件数\u{3000}\u{3000}规章\u{3000}\u{3000}0\u{3000}\u{3000}1\u{3000}\u{3000}5",
        );
        assert_eq!(rows[1], vec!["规章", "0", "1", "5"]);
    }

    // Modelled on the glued 2021 form of ../shared/corpus/real/reports/gh-011.txt, one row per
    // line as in 008.txt, in other words and numbers.
    #[test]
    fn short_row_labels_and_bare_figures_under_headers_are_rows() {
        let rows = rows_of(
            "信息内容本年制发件数本年废止件数现行有效件数\n规章000\n（七）总计3100004\n3.其他0000000\n\n\n行政复议行政诉讼\n结果维持结果纠正其他结果尚未审结总计\n202040000010001",
        );
        assert!(rows.contains(&vec!["规章".to_string(), "000".to_string()]));
        assert!(rows.contains(&vec!["（七）总计".to_string(), "3100004".to_string()]));
        assert!(rows.contains(&vec!["3.其他".to_string(), "0000000".to_string()]));
        assert_eq!(rows.last().unwrap(), &vec!["202040000010001".to_string()]);
        // Far from any table, a short label with figures is prose's.
        assert!(rows_of("规章000").is_empty());
    }

    #[test]
    fn a_dash_after_a_figure_is_a_blank_cell() {
        let rows =
            rows_of("信息内容上一年项目数量本年增/减处理决定数量\n行政强制17—45\n行政许可9-230");
        assert_eq!(rows[1], vec!["行政强制", "17", "—", "45"]);
        // A minus sign stays in the run, for the extractor to cut.
        assert_eq!(rows[2], vec!["行政许可", "9-230"]);
    }

    // Modelled on the glued 统计表 of ../shared/corpus/real/reports/002.txt (units between
    // label and figures), one row per line, in other words and numbers.
    #[test]
    fn units_after_whole_row_labels_and_rows_without_figures() {
        let rows = rows_of(
            "指标名称计量单位2012年度历年累计\n其中：1.当面件417\n2.传真件03\n3.电子邮件件26\n4.政府公报公开政府信息数条",
        );
        assert_eq!(rows[1], vec!["其中：1.当面", "件", "417"]);
        assert_eq!(rows[2], vec!["2.传真", "件", "03"]);
        // 电子邮件 keeps its own 件; the unit is the one after it.
        assert_eq!(rows[3], vec!["3.电子邮件", "件", "26"]);
        // Label and unit alone: the figure was a blank cell.
        assert_eq!(rows[4], vec!["4.政府公报公开政府信息数", "条"]);
    }

    // Modelled on the one-line 统计表 of ../shared/corpus/real/reports/gh-004.txt, in other
    // words and numbers: headings without figures run into the next row's label.
    #[test]
    fn headings_run_into_a_label_stand_apart() {
        let rows = rows_of(
            "统计指标单位统计数一、主动公开情况(一) 主动公开政府信息数条212(二) 通过不同渠道和方式公开政府信息的情况1. 政府公报公开政府信息数条2. 政府网站公开政府信息数条190其中：主动公开规范性文件数条4",
        );
        let labels: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "统计指标",
                "一、主动公开情况",
                "(一) 主动公开政府信息数",
                "(二) 通过不同渠道和方式公开政府信息的情况",
                "1. 政府公报公开政府信息数",
                "2. 政府网站公开政府信息数",
                "其中：主动公开规范性文件数",
            ]
        );
        assert_eq!(rows[4], vec!["1. 政府公报公开政府信息数", "条"]);
        assert_eq!(rows[5], vec!["2. 政府网站公开政府信息数", "条", "190"]);
    }

    // Modelled on the glued 2008 统计表 that `gen-corpus --layouts` writes (tests/layout_corpus.rs):
    // a heading's bracketed note closes right before its first row's outline number.
    #[test]
    fn a_heading_whose_note_closes_before_a_row_stands_apart() {
        let rows = rows_of(
            "统计指标单位统计数二、回应解读情况（同一热点回应多次计1次）（一）回应公众关注热点或重大舆情数（同一热点回应多次计1次）次7（二）通过不同渠道和方式回应解读的情况1.参加或举办新闻发布会总次数次3",
        );
        let labels: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "统计指标",
                "二、回应解读情况（同一热点回应多次计1次）",
                "（一）回应公众关注热点或重大舆情数（同一热点回应多次计1次）",
                "（二）通过不同渠道和方式回应解读的情况",
                "1.参加或举办新闻发布会总次数",
            ]
        );
        assert_eq!(
            rows[2],
            vec![
                "（一）回应公众关注热点或重大舆情数（同一热点回应多次计1次）",
                "次",
                "7"
            ]
        );
    }

    #[test]
    fn prose_with_figures_is_not_a_table() {
        assert!(rows_of("全年收到申请12件，行政复议2起，其他0件，总计14件。").is_empty());
        assert!(rows_of("2021年行政许可3件、行政处罚5件、行政强制1件。").is_empty());
        // A section heading run into its first sentence (modelled on the old-era outline of
        // ../shared/corpus/real/reports/gh-002.txt and 004.txt, in other words and numbers).
        assert!(
            rows_of(
                "四、行政复议、行政诉讼情况　　本年度收到政府信息公开行政复议2件，未发生行政诉讼。"
            )
            .is_empty()
        );
        assert!(rows_of("（三）行政复议及行政诉讼情况　　本年度处理4件行政复议事项。").is_empty());
    }
}
