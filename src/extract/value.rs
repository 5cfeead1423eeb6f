//! Reading a number as written: cells (`3,985,758`, `７`, `251000元`, `—`) and phrases
//! (`三件`, `一百二十条`, `两`).

use crate::document::text::{fold, fold_char};

/// A parsed cell or phrase value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A number, with the amount unit written next to it (`元`, `万元`, `亿元`) if any.
    Number(f64, Option<&'static str>),
    /// Blank, `—`, `-`, `/`, `无`: stated as nothing, read as null.
    Blank,
    /// Not a value at all (a label, a stray word).
    NotAValue,
}

/// Reads a table cell.
pub fn parse_cell(raw: &str) -> Value {
    // Most cells are plain digits: read them without folding or allocating.
    let trimmed = raw.trim();
    if !trimmed.is_empty() && trimmed.len() <= 15 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(v) = trimmed.parse::<u64>() {
            return Value::Number(v as f64, None);
        }
    }
    if cannot_be_value(raw) {
        return Value::NotAValue;
    }
    if digits_apart(raw) {
        return Value::NotAValue;
    }
    let t: String = fold(raw).chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() || matches!(t.as_str(), "-" | "--" | "---" | "/" | "无" | "——" | "\\") {
        return Value::Blank;
    }
    let (body, unit) = split_amount_unit(&t);
    let body = body.trim_end_matches(['件', '条', '个', '人', '次', '篇', '项']);
    match parse_arabic(body) {
        Some(v) => Value::Number(v, unit),
        None => Value::NotAValue,
    }
}

/// True when whitespace stands between two digits (`12 96`): two cells whose separator was
/// lost, not one number.
fn digits_apart(raw: &str) -> bool {
    // States: after a digit, then after whitespace that followed a digit.
    let mut after_digit = false;
    let mut gap = false;
    for c in raw.trim().chars().map(fold_char) {
        if c.is_ascii_digit() {
            if gap {
                return true;
            }
            after_digit = true;
        } else if c.is_whitespace() && (after_digit || gap) {
            gap = true;
            after_digit = false;
        } else {
            after_digit = false;
            gap = false;
        }
    }
    false
}

/// Every character a value or a blank mark may be written with, once width-folded: digits,
/// separators, signs, the blank marks and the units [`parse_cell`] strips.
/// (A `match` rather than a search in a string of them: every character of a cell is tested.)
fn is_value_char(c: char) -> bool {
    matches!(
        c,
        '0'..='9'
            | ','
            | '.'
            | '，'
            | '+'
            | '-'
            | '/'
            | '\\'
            | '无'
            | '万'
            | '亿'
            | '元'
            | '件'
            | '条'
            | '个'
            | '人'
            | '次'
            | '篇'
            | '项'
    )
}

/// True when the cell holds a character that no value and no blank mark is written with
/// (the Han text of a label, a letter): then [`parse_cell`] can only answer
/// [`Value::NotAValue`], and it does so without folding and copying the text. Most cells a
/// row is split by are labels, so this is the common case.
fn cannot_be_value(raw: &str) -> bool {
    raw.chars()
        .map(fold_char)
        .any(|c| !c.is_whitespace() && !is_value_char(c))
}

fn split_amount_unit(t: &str) -> (&str, Option<&'static str>) {
    for unit in ["万元", "亿元", "元"] {
        if let Some(b) = t.strip_suffix(unit) {
            return (b, Some(unit));
        }
    }
    (t, None)
}

/// Reads an Arabic number with thousands separators, a sign and decimals.
pub fn parse_arabic(s: &str) -> Option<f64> {
    let s = fold(s);
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-').or_else(|| s.strip_prefix('+')) {
        Some(b) => (s.starts_with('-'), b),
        None => (false, s),
    };
    if body.is_empty() || !body.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || c == ',' || c == '.' || c == '，')
    {
        return None;
    }
    if body.matches('.').count() > 1 || !well_grouped(body) {
        return None;
    }
    let digits: String = body.chars().filter(|&c| c != ',' && c != '，').collect();
    let v: f64 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// True when the thousands separators of an Arabic number stand where they belong: one to
/// three digits, then groups of exactly three. `3562,104` is two glued cells (356 | 2,104 or
/// another split), never the number 3562104.
fn well_grouped(body: &str) -> bool {
    let int = body.split('.').next().unwrap_or(body);
    if !int.contains([',', '，']) {
        return true;
    }
    let mut groups = int.split([',', '，']);
    let first = groups.next().unwrap_or("");
    (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3)
}

/// Reads a number written in Arabic or Chinese numerals (`120`, `一百二十`, `两`, `十五`).
pub fn parse_number(s: &str) -> Option<f64> {
    parse_arabic(s).or_else(|| parse_chinese(s))
}

/// Reads Chinese numerals up to the 万 range.
pub fn parse_chinese(s: &str) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut section: u64 = 0;
    let mut digit: Option<u64> = None;
    for c in s.chars() {
        let d = match c {
            '零' | '〇' | '○' => Some(0),
            '一' | '壹' => Some(1),
            '二' | '两' | '贰' => Some(2),
            '三' | '叁' => Some(3),
            '四' | '肆' => Some(4),
            '五' | '伍' => Some(5),
            '六' | '陆' => Some(6),
            '七' | '柒' => Some(7),
            '八' | '捌' => Some(8),
            '九' | '玖' => Some(9),
            _ => None,
        };
        if let Some(d) = d {
            digit = Some(d);
            continue;
        }
        let unit = match c {
            '十' | '拾' => 10,
            '百' | '佰' => 100,
            '千' | '仟' => 1000,
            '万' => 10_000,
            _ => return None,
        };
        if unit == 10_000 {
            section += digit.take().unwrap_or(0);
            total += section.max(1) * unit;
            section = 0;
        } else {
            section += digit.take().unwrap_or(1) * unit;
        }
    }
    Some((total + section + digit.unwrap_or(0)) as f64)
}

/// Converts an amount to 万元 given the unit it was written in (`None` means already 万元).
pub fn to_wan_yuan(v: f64, written: Option<&str>) -> f64 {
    match written {
        Some("元") => v / 10_000.0,
        Some("亿元") => v * 10_000.0,
        _ => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells() {
        assert_eq!(parse_cell("3,985,758"), Value::Number(3_985_758.0, None));
        assert_eq!(parse_cell("７"), Value::Number(7.0, None));
        assert_eq!(parse_cell("251000元"), Value::Number(251000.0, Some("元")));
        assert_eq!(
            parse_cell("160.5964万元"),
            Value::Number(160.5964, Some("万元"))
        );
        assert_eq!(parse_cell("-8"), Value::Number(-8.0, None));
        for blank in ["", "—", "-", "/", "无", "——", " "] {
            assert_eq!(parse_cell(blank), Value::Blank, "{blank:?}");
        }
        assert_eq!(parse_cell("条"), Value::NotAValue);
        assert_eq!(parse_cell("3件"), Value::Number(3.0, None));
        assert_eq!(parse_cell(" 1，200 条"), Value::Number(1200.0, None));
        assert_eq!(parse_cell("\\"), Value::Blank);
        assert_eq!(parse_cell("（一）主动公开"), Value::NotAValue);
        assert_eq!(parse_cell("12a"), Value::NotAValue);
        assert_eq!(parse_cell("1.2.3"), Value::NotAValue);
    }

    #[test]
    fn misplaced_thousands_separators_are_not_a_number() {
        assert_eq!(parse_arabic("2,104"), Some(2104.0));
        assert_eq!(parse_arabic("12,873.5"), Some(12873.5));
        assert_eq!(parse_arabic("3562,104"), None);
        assert_eq!(parse_arabic("1,23"), None);
        assert_eq!(parse_cell("3562,104"), Value::NotAValue);
        assert_eq!(parse_cell("12 96"), Value::NotAValue);
    }

    #[test]
    fn chinese_numerals() {
        assert_eq!(parse_number("三"), Some(3.0));
        assert_eq!(parse_number("两"), Some(2.0));
        assert_eq!(parse_number("十五"), Some(15.0));
        assert_eq!(parse_number("一百二十"), Some(120.0));
        assert_eq!(parse_number("一千零五"), Some(1005.0));
        assert_eq!(parse_number("三万二千"), Some(32000.0));
        assert_eq!(parse_number("二十"), Some(20.0));
    }

    #[test]
    fn amounts_convert_to_wan_yuan() {
        assert_eq!(to_wan_yuan(251000.0, Some("元")), 25.1);
        assert_eq!(to_wan_yuan(1.5, Some("亿元")), 15000.0);
    }
}
