//! Breaks over-long lines into logical lines.
//!
//! Crawlers often keep a page's text as one line: the title, every paragraph, the statistics
//! tables with their cells glued together, the signature (a CSV cell of a student crawler, a
//! `正文` dump). Every later stage works line by line (a table occupies whole lines; a title is
//! a short line near the top; a section heading starts a line), so such a line is broken where
//! a reader sees a break: after a sentence's 。 and before an outline heading (`二、主动公开…`,
//! `三、收到和处理…`). Each logical line remembers the line of the decoded text it came from
//! ([`Document::origin`]), so `source_line` still points into the file as written.

use super::Document;

/// Lines at least this long (in characters) are broken; shorter ones are real lines of text.
const LONG_LINE_CHARS: usize = 160;
/// A document is broken into logical lines only when it holds a line this long: a page kept
/// on one line. Ordinary paragraphs stay as they are (breaking every long paragraph cost a
/// fifth of the per-file time in later stages for nothing).
const PAGE_ON_ONE_LINE_CHARS: usize = 600;

/// Breaks every line of at least [`LONG_LINE_CHARS`] characters into logical lines. Documents
/// that already have tables are left alone (their tables point at lines by number).
pub fn break_long_lines(doc: &mut Document) {
    if !doc.tables.is_empty() || !doc.lines.iter().any(|l| holds_a_page(l)) {
        return;
    }
    let mut lines = Vec::with_capacity(doc.lines.len() + 16);
    let mut origin = Vec::with_capacity(doc.lines.len() + 16);
    for (i, line) in doc.lines.iter().enumerate() {
        let source = doc.source_line(i as u32 + 1);
        if is_long(line) {
            for piece in pieces(line) {
                lines.push(piece.to_string());
                origin.push(source);
            }
        } else {
            lines.push(line.clone());
            origin.push(source);
        }
    }
    doc.lines = lines;
    doc.origin = origin;
}

fn holds_a_page(line: &str) -> bool {
    line.len() >= PAGE_ON_ONE_LINE_CHARS && line.chars().nth(PAGE_ON_ONE_LINE_CHARS - 1).is_some()
}

fn is_long(line: &str) -> bool {
    line.len() >= LONG_LINE_CHARS && line.chars().nth(LONG_LINE_CHARS - 1).is_some()
}

/// The logical lines of one long line: cut after each 。 and before each outline heading;
/// pieces are trimmed and empty ones dropped.
fn pieces(line: &str) -> Vec<&str> {
    let mut cuts = vec![0];
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    for (k, &(at, c)) in chars.iter().enumerate() {
        if c == '。' {
            let end = at + c.len_utf8();
            // Keep a closing bracket or quote with its sentence.
            let end = match chars.get(k + 1) {
                Some(&(next_at, n)) if matches!(n, '）' | ')' | '”' | '"' | '」') => {
                    next_at + n.len_utf8()
                }
                _ => end,
            };
            cuts.push(end);
        } else if starts_heading(&chars, k) {
            cuts.push(at);
        }
    }
    cuts.push(line.len());
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .map(|w| line[w[0]..w[1]].trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}'))
        .filter(|p| !p.is_empty())
        .collect()
}

/// True when an outline heading (`二、主动公开`: one or two Chinese numerals, 、, then a Han
/// character) starts at `chars[k]` and does not continue an enumeration (`一、二、三`) or a
/// numeral word (`十一、`, `第三、`).
fn starts_heading(chars: &[(usize, char)], k: usize) -> bool {
    let numeral = super::text::is_outline_numeral;
    let Some(&(_, c)) = chars.get(k) else {
        return false;
    };
    if !numeral(c) {
        return false;
    }
    if let Some(&(_, p)) = k.checked_sub(1).and_then(|j| chars.get(j)) {
        if numeral(p) || p == '第' || p == '、' || p == '（' || p == '(' {
            return false;
        }
    }
    let mut j = k + 1;
    if chars.get(j).is_some_and(|&(_, c)| numeral(c)) {
        j += 1;
    }
    chars.get(j).is_some_and(|&(_, c)| c == '、')
        && chars
            .get(j + 1)
            .is_some_and(|&(_, c)| super::text::is_han(c) && !numeral(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long(text: &str) -> String {
        // Pads a test text past the threshold with a sentence of filler.
        format!("{text}{}。", "文".repeat(PAGE_ON_ONE_LINE_CHARS))
    }

    #[test]
    fn breaks_after_sentences_and_before_headings() {
        let line = long(
            "某县2020年报告。一、总体情况全年公开信息12条。二、主动公开政府信息情况表格规章000三、收到申请情况",
        );
        let mut doc = Document::from_text(&format!("标题\n{line}\n落款"));
        break_long_lines(&mut doc);
        assert_eq!(doc.lines[0], "标题");
        assert_eq!(doc.lines[1], "某县2020年报告。");
        assert_eq!(doc.lines[2], "一、总体情况全年公开信息12条。");
        assert_eq!(doc.lines[3], "二、主动公开政府信息情况表格规章000");
        assert!(doc.lines[4].starts_with("三、收到申请情况"));
        assert_eq!(doc.lines.last().map(String::as_str), Some("落款"));
        // Every logical line points at the line it came from.
        assert_eq!(doc.source_line(1), 1);
        assert_eq!(doc.source_line(3), 2);
        assert_eq!(doc.source_line(5), 2);
        assert_eq!(doc.source_line(doc.lines.len() as u32), 3);
    }

    #[test]
    fn enumerations_and_numeral_words_are_not_headings() {
        let line = long("分为一、二、三类。第三、四项合并。二十、其他。");
        let mut doc = Document::from_text(&line);
        break_long_lines(&mut doc);
        assert_eq!(doc.lines[0], "分为一、二、三类。");
        assert_eq!(doc.lines[1], "第三、四项合并。");
        assert_eq!(doc.lines[2], "二十、其他。");
    }

    #[test]
    fn short_lines_and_documents_with_tables_are_left_alone() {
        let mut doc = Document::from_text("一、总体情况。二、情况。");
        break_long_lines(&mut doc);
        assert_eq!(doc.lines.len(), 1);
        assert!(doc.origin.is_empty());
    }
}
