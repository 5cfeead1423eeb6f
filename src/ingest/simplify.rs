//! Traditional-character mirrors: some sites serve a traditional-character copy of every page
//! (often Big5-encoded). Labels and matching are simplified-only, so a document that is
//! predominantly traditional is converted to simplified characters (OpenCC t2s, via
//! ferrous-opencc) before any later stage sees it. Simplified documents are left untouched.

use std::sync::OnceLock;

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;

use crate::document::Document;
use crate::document::text::is_han;

/// At least this many Han characters must change under t2s for a document to count as
/// traditional...
const MIN_CHANGED: usize = 20;
/// ...and at least this share of its Han characters.
const MIN_SHARE: f64 = 0.05;
/// Han characters sampled to decide.
const SAMPLE_HAN: usize = 50_000;

/// The t2s converter, loaded once; `None` if the embedded dictionaries fail to load.
fn converter() -> Option<&'static OpenCC> {
    static T2S: OnceLock<Option<OpenCC>> = OnceLock::new();
    T2S.get_or_init(|| OpenCC::from_config(BuiltinConfig::T2s).ok())
        .as_ref()
}

/// The basic CJK blocks (extension A and the unified ideographs), where the characters that
/// a traditional page is recognised by live.
const CJK_FIRST: u32 = 0x3400;
const CJK_LAST: u32 = 0x9fff;

/// For every character of the Basic Multilingual Plane, what telling a traditional page
/// needs to know of it: [`OTHER`], [`HAN`] (a Han character t2s leaves alone) or
/// [`HAN_CHANGED`] (one it changes, in the basic CJK blocks). Computed once from the
/// converter, so each character costs one table look-up.
fn bmp_classes() -> Option<&'static [u8]> {
    static TABLE: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            let cc = converter()?;
            let chars: Vec<char> = (CJK_FIRST..=CJK_LAST).filter_map(char::from_u32).collect();
            let joined: String = chars.iter().flat_map(|&c| [c, '\n']).collect();
            let converted = cc.convert(&joined);
            let mut table: Vec<u8> = (0..0x10000u32)
                .map(|u| match char::from_u32(u) {
                    Some(c) if is_han(c) => HAN,
                    _ => OTHER,
                })
                .collect();
            for (c, conv) in chars.iter().zip(converted.split('\n')) {
                if is_han(*c) && conv.chars().ne(std::iter::once(*c)) {
                    table[*c as usize] = HAN_CHANGED;
                }
            }
            Some(table)
        })
        .as_deref()
}

/// Classes of [`bmp_classes`].
const OTHER: u8 = 0;
const HAN: u8 = 1;
const HAN_CHANGED: u8 = 2;

/// True when enough of the text's Han characters are traditional forms.
pub fn is_predominantly_traditional(text: &str) -> bool {
    count_traditional(std::iter::once(text))
}

/// The tally of [`count_traditional`]: Han characters seen, how many of them t2s changes, and
/// whether every one was seen (not only the first [`SAMPLE_HAN`]).
struct Tally {
    han: usize,
    changed: usize,
    complete: bool,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            han: 0,
            changed: 0,
            complete: true,
        }
    }
}

fn count_traditional<'a>(texts: impl Iterator<Item = &'a str>) -> bool {
    tally_traditional(texts).is_some_and(|t| t.is_traditional())
}

/// The tally of the texts' Han characters (up to [`SAMPLE_HAN`]); `None` without a converter.
fn tally_traditional<'a>(texts: impl Iterator<Item = &'a str>) -> Option<Tally> {
    let table = bmp_classes()?;
    let mut tally = Tally::default();
    for text in texts {
        if !tally_han(text, table, &mut tally) {
            tally.complete = false;
            break;
        }
    }
    Some(tally)
}

impl Tally {
    /// Enough of the Han characters are traditional forms.
    fn is_traditional(&self) -> bool {
        let Tally { han, changed, .. } = *self;
        han >= MIN_CHANGED && changed >= MIN_CHANGED && changed as f64 >= MIN_SHARE * han as f64
    }

    /// Every Han character was read and t2s changes none of them.
    fn is_traditional_free(&self) -> bool {
        self.complete && self.changed == 0
    }
}

/// True when t2s changes `c` on its own (a character traditional text is told by).
#[cfg(test)]
pub(crate) fn t2s_changes(c: char) -> bool {
    let Some(table) = bmp_classes() else {
        return false;
    };
    u16::try_from(c as u32).is_ok_and(|u| table[usize::from(u)] == HAN_CHANGED)
}

/// Adds the Han characters of `text` to the tally; false once [`SAMPLE_HAN`] are counted.
///
/// Reads the UTF-8 bytes rather than decoding characters: ASCII and two-byte characters are
/// never Han and are skipped by their first byte, a three-byte character is looked up by the
/// code point its bytes spell. This scan covers every line of every document, which is why it
/// spells code points itself rather than with `document::words::code_at` (which decodes every
/// length and measured 45 M instructions more here on 3,000 reports).
fn tally_han(text: &str, table: &[u8], tally: &mut Tally) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let lead = bytes[i];
        let (class, len) = match lead {
            0x00..=0xdf => (OTHER, if lead < 0x80 { 1 } else { 2 }),
            0xe0..=0xef => {
                let cp = (u32::from(lead & 0x0f) << 12)
                    | (u32::from(bytes[i + 1] & 0x3f) << 6)
                    | u32::from(bytes[i + 2] & 0x3f);
                (table[cp as usize], 3)
            }
            _ => {
                // Beyond the BMP: Han in the extension blocks, never changed.
                let c = text[i..].chars().next().unwrap_or_default();
                (if is_han(c) { HAN } else { OTHER }, 4)
            }
        };
        i += len;
        if class == OTHER {
            continue;
        }
        if tally.han == SAMPLE_HAN {
            return false;
        }
        tally.han += 1;
        tally.changed += usize::from(class == HAN_CHANGED);
    }
    true
}

/// Converts a predominantly traditional document (lines, cell texts, title) to simplified
/// characters; returns whether it did. A document none of whose lines t2s would change is
/// marked [`Document::traditional_free`].
pub fn simplify_document(doc: &mut Document) -> bool {
    let Some(cc) = converter() else { return false };
    let Some(tally) = tally_traditional(doc.lines.iter().map(String::as_str)) else {
        return false;
    };
    if !tally.is_traditional() {
        doc.traditional_free = tally.is_traditional_free();
        return false;
    }
    for line in &mut doc.lines {
        *line = cc.convert(line);
    }
    for cell in doc
        .tables
        .iter_mut()
        .flat_map(|t| t.rows.iter_mut())
        .flat_map(|r| r.cells.iter_mut())
    {
        cell.text = cc.convert(&cell.text);
    }
    if let Some(title) = doc.title.as_mut() {
        *title = cc.convert(title);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Cell, Row, Table};

    #[test]
    fn traditional_documents_become_simplified() {
        let mut doc = Document::from_text(
            "臺北市政府2023年政府資訊公開工作年度報告\n本機關主動公開規章與規範性文件，總計收費萬元，辦理申請數量如下。\n規章\t總計",
        );
        doc.tables.push(Table {
            rows: vec![Row::new(vec![Cell::new("規章", 3), Cell::new("總計", 3)])],
            line_span: (3, 3),
            from_text: false,
        });
        doc.title = Some("年度報告".to_string());
        assert!(simplify_document(&mut doc));
        assert!(!doc.traditional_free, "converted, not found free");
        assert!(
            doc.lines[1].contains("规章")
                && doc.lines[1].contains("总计")
                && doc.lines[1].contains("万元")
        );
        assert!(doc.lines[0].contains("报告"));
        assert_eq!(doc.tables[0].rows[0].cells[0].text, "规章");
        assert_eq!(doc.tables[0].rows[0].cells[1].text, "总计");
        assert_eq!(doc.title.as_deref(), Some("年度报告"));
    }

    #[test]
    fn simplified_documents_are_left_alone() {
        let text = "洪泽区人民政府2023年政府信息公开工作年度报告。本年度主动公开政府信息1136条，受理政府信息公开申请21件。";
        let mut doc = Document::from_text(text);
        assert!(!simplify_document(&mut doc));
        assert_eq!(doc.lines[0], text);
        assert!(doc.traditional_free);
        assert!(!is_predominantly_traditional("報告"));
    }

    /// A simplified document with a single traditional character (a mangled title's 報) is
    /// left alone but not marked free of them: its lines are still looked at one by one.
    #[test]
    fn one_traditional_character_keeps_the_lines_looked_at() {
        let mut doc =
            Document::from_text("某县2023年政府信息公开工作年度報告\n本年度主动公开政府信息12条。");
        assert!(!simplify_document(&mut doc));
        assert!(!doc.traditional_free);
    }

    /// The byte scan counts what decoding every character would: ASCII, two-byte Latin,
    /// simplified and traditional Han, and Han beyond the BMP.
    #[test]
    fn byte_scan_counts_like_characters() {
        let table = bmp_classes().expect("embedded t2s dictionaries");
        let text = "A é 國家 国家 𠀀 ＡＢ 報告書 台灣。";
        let mut tally = Tally::default();
        assert!(tally_han(text, table, &mut tally));
        let (mut han, mut changed) = (0, 0);
        for c in text.chars() {
            let class = match table.get(c as usize) {
                Some(&class) => class,
                None if is_han(c) => HAN,
                None => OTHER,
            };
            han += usize::from(class != OTHER);
            changed += usize::from(class == HAN_CHANGED);
        }
        assert_eq!((tally.han, tally.changed), (han, changed));
        assert_eq!(han, 10);
        assert!(changed >= 4, "{changed}");
    }
}
