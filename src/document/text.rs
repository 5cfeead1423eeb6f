//! Text helpers shared by the stages: line splitting, width-folding and label normalization.
//!
//! Reports mix full-width and half-width forms (（一） vs (一), ０ vs 0), pad labels with
//! ideographic spaces and letter-space them (商 业 企 业). Matching is done on a folded form in
//! which all of that is gone, never on the text as written.

/// Splits decoded text into lines on `\n`, `\r\n` or a lone `\r`, keeping empty lines so line
/// numbers stay true to the source. Byte-order marks opening the text are dropped.
///
/// Line breaks are ASCII, so the text is cut by bytes (found with SIMD by `memchr2`) and each
/// line copied once, instead of being rebuilt character by character.
pub fn split_lines(text: &str) -> Vec<String> {
    let text = text.trim_start_matches('\u{feff}');
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    while let Some(pos) = memchr::memchr2(b'\n', b'\r', &bytes[start..]) {
        let end = start + pos;
        lines.push(text[start..end].to_string());
        start = end + 1;
        if bytes[end] == b'\r' && bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
    }
    if start < bytes.len() {
        lines.push(text[start..].to_string());
    }
    lines
}

/// Folds one character to its half-width / canonical form: full-width ASCII to ASCII,
/// ideographic space and NBSP to a space, the common dash and quote variants to one form.
pub fn fold_char(c: char) -> char {
    match c {
        '\u{3000}' | '\u{a0}' | '\u{2002}' | '\u{2003}' | '\u{2009}' | '\u{200b}' => ' ',
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{2014}' | '\u{2013}' | '\u{2015}' | '\u{2500}' | '\u{2012}' | '\u{2212}' => '-',
        '\u{201c}' | '\u{201d}' | '\u{300c}' | '\u{300d}' => '"',
        '\u{2018}' | '\u{2019}' => '\'',
        '\u{3001}' => '、',
        _ => c,
    }
}

/// Width-folds a string (see [`fold_char`]).
pub fn fold(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

/// The matching key of a label: folded, with every kind of whitespace removed, brackets made
/// half-width. `（一）主动公开 政府信息数` → `(一)主动公开政府信息数`.
pub fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    squash_into(&mut out, s);
    out
}

/// The characters of [`squash`]`(s)`, one by one, without building the string: for a look
/// at the start of a long line.
pub fn squashed_chars(s: &str) -> impl Iterator<Item = char> + Clone + '_ {
    s.chars().map(fold_char).filter(|&c| !squash_drops(c))
}

/// Appends the [`squash`]ed form of `s` to `out`: for callers that build one string from many
/// pieces, or reuse one buffer, instead of allocating a string per piece.
///
/// Runs of characters that squashing keeps as they are (nearly all of them) are copied as
/// slices; only the characters it folds or drops are handled one by one. Printable ASCII and
/// the CJK ideographs from U+4E00 (most of any report) are told kept by their first UTF-8
/// bytes, without decoding them.
pub fn squash_into(out: &mut String, s: &str) {
    out.reserve(s.len());
    let mut run = 0;
    while let Some((at, c)) = next_changed(s, run) {
        out.push_str(&s[run..at]);
        run = at + c.len_utf8();
        let folded = fold_char(c);
        if !squash_drops(folded) {
            out.push(folded);
        }
    }
    out.push_str(&s[run..]);
}

/// The first character from byte `from` of `s` on that [`squash`] folds or drops, with its
/// byte index. Kept characters are skipped by their first bytes where [`kept_len`] can tell.
fn next_changed(s: &str, from: usize) -> Option<(usize, char)> {
    let b = s.as_bytes();
    let mut i = from;
    while i < b.len() {
        let len = kept_len(b, i);
        if len > 0 {
            i += len;
            continue;
        }
        let c = s[i..].chars().next()?;
        if !squash_keeps(c) {
            return Some((i, c));
        }
        i += c.len_utf8();
    }
    None
}

/// The length of the character starting at byte `i` of `b` (a char boundary of UTF-8 text)
/// when its first bytes show that it is printable ASCII (1) or a CJK ideograph
/// U+4E00..=U+9FFF (3: lead byte E5 to E9, or E4 followed by B8 or more), characters that
/// no text helper folds, drops or treats as space; 0 when it has to be decoded to tell.
#[inline]
pub(crate) fn kept_len(b: &[u8], i: usize) -> usize {
    match b[i] {
        0x21..=0x7e => 1,
        0xe5..=0xe9 => 3,
        0xe4 if b.get(i + 1).is_some_and(|&x| x >= 0xb8) => 3,
        _ => 0,
    }
}

/// True when [`squash`] would return the string unchanged (it is squashed already).
pub fn is_squashed(s: &str) -> bool {
    next_changed(s, 0).is_none()
}

/// True when [`squash`] keeps a character unchanged. Printable ASCII and the CJK unified
/// ideographs are answered by range; the rest asks [`fold_char`].
fn squash_keeps(c: char) -> bool {
    match c as u32 {
        0x21..=0x7e | 0x4e00..=0x9fff => true,
        _ => fold_char(c) == c && !squash_drops(c),
    }
}

/// True for the (folded) characters [`squash`] removes: whitespace and invisible marks.
fn squash_drops(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}')
}

/// Display width of a string in a monospaced rendering: CJK and full-width forms count 2.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// `display_width(s) >= n`, without measuring past the `n`th column: no character is wider
/// (in columns) than it is long (in UTF-8 bytes), so a string shorter than `n` bytes is
/// narrower, and a long paragraph is known wide after its first `n` columns.
pub fn display_width_at_least(s: &str, n: usize) -> bool {
    if s.len() < n {
        return false;
    }
    let mut width = 0;
    for c in s.chars() {
        width += char_width(c);
        if width >= n {
            return true;
        }
    }
    width >= n
}

/// True when `line` holds U+3000. Searched for as its three bytes: `str::contains` with the
/// character looks for its last byte, 0x80, which ends a character every few of any Chinese
/// text, and this is asked of every line of every document.
pub fn has_ideographic_space(line: &str) -> bool {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("\u{3000}"));
    FINDER.find(line.as_bytes()).is_some()
}

/// True when `line` holds a cell separator of the tab, pipe or ideographic-space layouts: its
/// cells are those layouts' to read, not a row written as a label and figures.
pub fn holds_cell_separator(line: &str) -> bool {
    line.bytes().any(|b| b == b'\t' || b == b'|') || has_ideographic_space(line)
}

/// `s.chars().count() > n`, without counting a long line to its end: a character is one to
/// four bytes, so a string of at most `n` bytes has at most `n` characters and one of more
/// than `4 * n` bytes has more; between the two, only the first `n + 1` are counted.
pub fn more_chars_than(s: &str, n: usize) -> bool {
    s.len() > n && (s.len() > 4 * n || s.chars().nth(n).is_some())
}

/// Display width of one character (see [`display_width`]).
pub fn char_width(c: char) -> usize {
    let u = c as u32;
    if c == '\t' {
        1
    } else if (0x1100..=0x115f).contains(&u)
        || (0x2e80..=0xa4cf).contains(&u)
        || (0xac00..=0xd7a3).contains(&u)
        || (0xf900..=0xfaff).contains(&u)
        || (0xfe30..=0xfe4f).contains(&u)
        || (0xff00..=0xff60).contains(&u)
        || (0xffe0..=0xffe6).contains(&u)
        || (0x20000..=0x3fffd).contains(&u)
    {
        2
    } else {
        1
    }
}

/// True for the Chinese numerals outline numbers are written with (一 … 十: 二、, （三）, 十二、).
pub fn is_outline_numeral(c: char) -> bool {
    matches!(
        c,
        '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
    )
}

/// True for characters of the CJK unified ideograph blocks.
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff | 0x20000..=0x3134f)
}

/// `s` without every repetition of `suffix` at its end, as `trim_end_matches(suffix)` gives
/// it, without building a substring searcher (which `trim_end_matches` does on every call, and
/// which cost more than the trim where this runs: every token of every line that may be a row).
pub fn trim_end_repeated<'a>(mut s: &'a str, suffix: &str) -> &'a str {
    while let Some(rest) = s.strip_suffix(suffix) {
        s = rest;
    }
    s
}

/// `s` without every repetition of `prefix` at its start ([`trim_end_repeated`]'s mirror).
pub fn trim_start_repeated<'a>(mut s: &'a str, prefix: &str) -> &'a str {
    while let Some(rest) = s.strip_prefix(prefix) {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_chars_than_counts_as_the_iterator_does() {
        for s in [
            "",
            "a",
            "ab",
            "公",
            "公开",
            "a公𠀀",
            "公开信息123",
            "𠀀𠀀𠀀",
            "abcdefgh",
        ] {
            for n in 0..10 {
                assert_eq!(more_chars_than(s, n), s.chars().count() > n, "{s:?} {n}");
            }
        }
    }

    #[test]
    fn repeated_trims_are_the_standard_ones() {
        for s in [
            "12万元",
            "12万元万元",
            "万元",
            "",
            "其中其中1",
            "其中：",
            "万元12",
            "元万元",
        ] {
            for w in ["万元", "其中", "元"] {
                assert_eq!(trim_end_repeated(s, w), s.trim_end_matches(w), "{s} {w}");
                assert_eq!(
                    trim_start_repeated(s, w),
                    s.trim_start_matches(w),
                    "{s} {w}"
                );
            }
        }
    }

    #[test]
    fn split_keeps_empty_lines_and_all_line_ends() {
        assert_eq!(split_lines("a\r\n\nb\rc"), vec!["a", "", "b", "c"]);
        assert_eq!(split_lines("\u{feff}x\n"), vec!["x"]);
        assert_eq!(
            split_lines("\u{feff}\u{feff}\r\n\u{feff}y\r"),
            vec!["", "\u{feff}y"]
        );
        assert_eq!(split_lines("a\n\r\r\n"), vec!["a", "", ""]);
        assert!(split_lines("").is_empty());
    }

    #[test]
    fn squash_removes_spaces_and_folds_width() {
        assert_eq!(
            squash("（一）主动公开　政府 信息数"),
            "(一)主动公开政府信息数"
        );
        assert_eq!(squash("商 业 企 业"), "商业企业");
        assert_eq!(squash("１２３"), "123");
        assert!(is_squashed("(一)主动公开2023年") && !is_squashed("a b") && !is_squashed("１"));
        assert_eq!(
            squash("\u{feff}a\u{200b}b\u{a0}“引”—\t、政\u{3000}府ｘ"),
            "ab\"引\"-、政府x"
        );
    }

    /// The squash of [`squash_into`] and [`is_squashed`] as defined, char by char.
    fn squash_by_chars(s: &str) -> String {
        s.chars()
            .filter_map(|c| {
                if squash_keeps(c) {
                    return Some(c);
                }
                let f = fold_char(c);
                (!squash_drops(f)).then_some(f)
            })
            .collect()
    }

    #[test]
    fn squash_by_bytes_agrees_with_squash_by_chars() {
        let mut texts: Vec<String> = [
            "",
            " ",
            "a",
            "一",
            "\u{4dff}\u{4e00}\u{4fff}\u{5000}\u{9fff}\u{a000}",
            "（一）主动公开　政府 信息数",
            "\u{feff}a\u{200b}b\u{a0}“引”—\t、政\u{3000}府ｘ",
            "é\u{7f}\u{80}ß𠀀😀\r\n，。：；！？《》【】",
            "㐀䶵\u{e000}\u{fffd}\u{ff5e}\u{ff5f}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every character of the BMP and a few beyond, in runs.
        let all: Vec<char> = (0..0x11000).filter_map(char::from_u32).collect();
        texts.extend(all.chunks(97).map(|c| c.iter().collect::<String>()));
        for t in &texts {
            let expected = squash_by_chars(t);
            assert_eq!(squash(t), expected, "{t:?}");
            let mut buf = "x".to_string();
            squash_into(&mut buf, t);
            assert_eq!(buf, format!("x{expected}"));
            assert_eq!(is_squashed(t), t.chars().all(squash_keeps), "{t:?}");
        }
    }

    #[test]
    fn width_counts_cjk_double() {
        assert_eq!(display_width("ab"), 2);
        assert_eq!(display_width("规章"), 4);
        for s in [
            "",
            "ab",
            "规章",
            "a\t规章１２",
            "\u{80}\u{7ff}é",
            "𠀀𠀁",
            "表一\t  12  34",
        ] {
            for n in 0..12 {
                assert_eq!(
                    display_width_at_least(s, n),
                    display_width(s) >= n,
                    "{s:?} {n}"
                );
            }
        }
    }
}
