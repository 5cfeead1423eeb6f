//! The statistical year of a report and its publication date.
//!
//! A report covers one calendar year (the 统计期限) and is published early the next. The year is
//! read, in order of trust, from the statistical-period sentence, the title, and the body's
//! opening; the publication date from the signature block or a dated line under the title. Dates
//! of documents quoted in the text (〔2017〕30号, 关于印发2017年…的通知) are never the year.

use std::borrow::Cow;

use regex::Regex;

use crate::document::text::{is_squashed, squash};
use crate::model::Date;

use super::words::{NameWords, alternatives};

/// Precompiled patterns for years and dates.
#[derive(Debug)]
pub struct YearPatterns {
    period: Regex,
    year_token: Regex,
    full_date: Regex,
    dotted_date: Regex,
    fill_date: Regex,
    quoted: Regex,
    doc_number: Regex,
}

/// What was found about the report's time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timing {
    /// The statistical year.
    pub year: Option<i16>,
    /// The publication date.
    pub published: Option<Date>,
    /// Remarks (disagreements, fallbacks).
    pub notes: Vec<String>,
}

/// A numeral, Arabic or Chinese, as written in a date: `2017`, `二〇一七`, `十二`, `二十一`.
const CN_DIGITS: &str = "0-9〇○零Ｏ一二三四五六七八九十";

impl YearPatterns {
    /// Compiles the patterns (once per [`super::NameBook`]) around the words of
    /// `data/rules/agency.csv` ([`NameWords::period_word`], [`NameWords::date_label`],
    /// [`NameWords::date_label_end`]).
    pub fn new(words: &NameWords) -> YearPatterns {
        let n = format!("[{CN_DIGITS}]");
        let compile =
            |p: &str| Regex::new(p).unwrap_or_else(|e| panic!("built-in pattern {p}: {e}"));
        YearPatterns {
            period: compile(&format!(
                r"统计(?:{})?[^。]{{0,12}}?(\d{{4}})年0?1月0?1日[^。\d]{{0,8}}?(\d{{4}})年12月31日",
                alternatives(&words.period_word)
            )),
            year_token: compile(
                r"((?:19|20)\d{2}|[二][〇○零Ｏ0][〇○零Ｏ0一二三四五六七八九]{2})年",
            ),
            full_date: compile(&format!(r"({n}{{4}})年({n}{{1,3}})月({n}{{1,3}})日")),
            dotted_date: compile(r"((?:19|20)\d{2})[.\-/](\d{1,2})[.\-/](\d{1,2})"),
            fill_date: compile(&format!(
                r"(?:{})(?:{})[:：]?",
                alternatives(&words.date_label),
                alternatives(&words.date_label_end)
            )),
            doc_number: compile(r"〔[^〕]*〕|\[[^\]]*\]|[(（][0-9]{4}[)）]"),
            quoted: compile(r"〔[^〕]*〕|\[[^\]]*\]|\([0-9]{4}\)|《[^》]*》|关于[^，。,]*?通知"),
        }
    }
}

impl Default for YearPatterns {
    /// The patterns of the embedded words.
    fn default() -> Self {
        YearPatterns::new(&NameWords::embedded())
    }
}

/// The latest plausible statistical year: the current year plus one.
fn latest_plausible_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let year = 1970 + (secs / 31_556_952) as i32;
    year.max(2024) + 1
}

/// True for years a report can plausibly cover (2007 ..= current year + 1).
pub fn plausible(year: i32) -> bool {
    (2007..=latest_plausible_year()).contains(&year)
}

/// Reads a numeral written in Arabic digits, digit-by-digit Chinese (二〇一七) or positional
/// Chinese (十二, 二十一).
pub fn parse_numeral(s: &str) -> Option<u32> {
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok();
    }
    let digit = |c: char| -> Option<u32> {
        Some(match c {
            '〇' | '○' | '零' | 'Ｏ' | '0' => 0,
            '一' => 1,
            '二' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            c if c.is_ascii_digit() => c.to_digit(10)?,
            _ => return None,
        })
    };
    if s.contains('十') {
        let (tens, ones) = s.split_once('十')?;
        let tens = if tens.is_empty() {
            1
        } else {
            digit(tens.chars().next()?)?
        };
        let ones = if ones.is_empty() {
            0
        } else {
            digit(ones.chars().next()?)?
        };
        return Some(tens * 10 + ones);
    }
    s.chars()
        .try_fold(0u32, |acc, c| Some(acc * 10 + digit(c)?))
}

/// The date written in `line` if the line is nothing but a date (optionally in brackets), e.g.
/// `2018年3月20日`, `（2018年1月17日）`, `二○一八年二月二十日`.
pub fn standalone_date(p: &YearPatterns, line: &str) -> Option<Date> {
    // A date alone on its line is short and ends in 日; most lines are neither. (A line of
    // more than 4 × 48 bytes has more than 48 characters: it is not counted.)
    if line.len() > 4 * 48 || !line.contains('日') || line.chars().count() > 48 {
        return None;
    }
    let s = squash(line);
    let inner = s.trim_matches(|c| matches!(c, '(' | ')' | '（' | '）' | '-'));
    let caps = p.full_date.captures(inner)?;
    let whole = caps.get(0)?;
    (whole.start() == 0 && whole.end() == inner.len()).then_some(())?;
    date_from(&caps[1], &caps[2], &caps[3])
}

/// A date line that ends with a date after some text, e.g. `威海市科技局 2018年3月20日`: the
/// text before and the date.
pub fn trailing_date<'a>(p: &YearPatterns, squashed: &'a str) -> Option<(&'a str, Date)> {
    if !squashed.ends_with('日') {
        return None;
    }
    let caps = p.full_date.captures_iter(squashed).last()?;
    let whole = caps.get(0)?;
    (whole.end() == squashed.len()).then_some(())?;
    let date = date_from(&caps[1], &caps[2], &caps[3])?;
    Some((&squashed[..whole.start()], date))
}

fn date_from(y: &str, m: &str, d: &str) -> Option<Date> {
    let y = parse_numeral(y)? as i32;
    (plausible(y) || plausible(y - 1)).then_some(())?;
    Date::new(y, parse_numeral(m)?, parse_numeral(d)?)
}

/// The statistical period's year (`…自2017年1月1日起至2017年12月31日止`) in a squashed line.
pub fn period_year(p: &YearPatterns, squashed: &str) -> Option<i32> {
    if !squashed.contains("统计") {
        return None;
    }
    let caps = p.period.captures(squashed)?;
    let end: i32 = caps[2].parse().ok()?;
    plausible(end).then_some(end)
}

/// The first plausible year in a title line (`2017年度`, `二〇一七年`), ignoring quoted document
/// numbers.
pub fn title_year(p: &YearPatterns, squashed: &str) -> Option<i32> {
    let cleaned = p.doc_number.replace_all(squashed, "");
    p.year_token
        .find_iter(&cleaned)
        .filter_map(|m| parse_numeral(year_digits(m.as_str())).map(|y| y as i32))
        .find(|y| plausible(*y))
}

/// The opening characters of the alternatives of `quoted` (besides 关于).
const QUOTE_MARKS: [char; 4] = ['〔', '[', '(', '《'];

/// The line squashed, borrowed when squashing would not change it (the scanned lines are
/// squashed already).
fn squash_cow(line: &str) -> Cow<'_, str> {
    if is_squashed(line) {
        Cow::Borrowed(line)
    } else {
        Cow::Owned(squash(line))
    }
}

/// The numeral of a `year_token` match: the match without its closing 年. Taking it from the
/// match spares the capture engine a second pass over every year in the text.
fn year_digits(token: &str) -> &str {
    token.strip_suffix('年').unwrap_or(token)
}

/// The year a body line speaks of (`2017年，我局…`), quoted documents and dates of the following
/// year's plans excluded: the most frequent plausible year among the given lines.
pub fn body_year<'a>(p: &YearPatterns, lines: impl IntoIterator<Item = &'a str>) -> Option<i32> {
    let mut counts: Vec<(i32, usize)> = Vec::new();
    for line in lines.into_iter().filter(|l| l.contains('年')) {
        let s = squash_cow(line);
        // Each pattern runs only where its literals are: a date needs 月 and 日, a quotation
        // one of its brackets or 关于.
        let no_dates = if s.contains('月') && s.contains('日') {
            p.full_date.replace_all(&s, "")
        } else {
            Cow::Borrowed(&*s)
        };
        let cleaned = if no_dates.contains(QUOTE_MARKS) || no_dates.contains("关于") {
            p.quoted.replace_all(&no_dates, "")
        } else {
            Cow::Borrowed(&*no_dates)
        };
        for m in p.year_token.find_iter(&cleaned) {
            let Some(y) = parse_numeral(year_digits(m.as_str())).map(|y| y as i32) else {
                continue;
            };
            if !plausible(y) {
                continue;
            }
            match counts.iter_mut().find(|(cy, _)| *cy == y) {
                Some((_, n)) => *n += 1,
                None => counts.push((y, 1)),
            }
        }
    }
    // Most frequent; on a tie the earlier year (a report looks back, plans look forward).
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(y, _)| y)
}

/// A date given after a 填报日期 / 发布日期 label, e.g. `填报日期：2018.3.16`.
pub fn labelled_date(p: &YearPatterns, squashed: &str) -> Option<Date> {
    let label = p.fill_date.find(squashed)?;
    let rest = &squashed[label.end()..];
    if let Some(c) = p.full_date.captures(rest)
        && c.get(0).is_some_and(|m| m.start() == 0)
    {
        return date_from(&c[1], &c[2], &c[3]);
    }
    let c = p.dotted_date.captures(rest)?;
    (c.get(0)?.start() == 0).then_some(())?;
    date_from(&c[1], &c[2], &c[3])
}

/// Combines the evidence into the statistical year, with notes when sources disagree.
pub fn decide(
    title: Option<i32>,
    period: Option<i32>,
    body: Option<i32>,
    published: Option<Date>,
) -> Timing {
    let mut notes = Vec::new();
    let year = match (title, period) {
        (Some(t), Some(p)) if t != p => {
            notes.push(format!(
                "title year {t} disagrees with the statistical period {p}; the period wins"
            ));
            Some(p)
        }
        (_, Some(p)) => Some(p),
        (Some(t), None) => Some(t),
        (None, None) => body.or_else(|| {
            let y = published?.year - 1;
            notes.push(format!(
                "year {y} inferred from the publication date {}",
                published?
            ));
            plausible(y).then_some(y)
        }),
    };
    Timing {
        year: year.and_then(|y| i16::try_from(y).ok()),
        published,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals_in_every_script() {
        assert_eq!(parse_numeral("2017"), Some(2017));
        assert_eq!(parse_numeral("二〇一七"), Some(2017));
        assert_eq!(parse_numeral("二○一八"), Some(2018));
        assert_eq!(parse_numeral("十二"), Some(12));
        assert_eq!(parse_numeral("二十"), Some(20));
        assert_eq!(parse_numeral("三十一"), Some(31));
        assert_eq!(parse_numeral("十"), Some(10));
    }

    #[test]
    fn dates_standalone_and_labelled() {
        let p = YearPatterns::default();
        assert_eq!(
            standalone_date(&p, "　　 2018年1月2日  "),
            Date::new(2018, 1, 2)
        );
        assert_eq!(
            standalone_date(&p, "（2018年1月17日）"),
            Date::new(2018, 1, 17)
        );
        assert_eq!(
            standalone_date(&p, "二○一八年二月二十日"),
            Date::new(2018, 2, 20)
        );
        assert_eq!(standalone_date(&p, "2018年3月20日前完成"), None);
        assert_eq!(
            labelled_date(&p, "联系电话:5223481填报日期:2018.3.16"),
            Date::new(2018, 3, 16)
        );
    }

    #[test]
    fn years_from_period_title_and_body() {
        let p = YearPatterns::default();
        assert_eq!(
            period_year(
                &p,
                "本报告中所列数据的统计期限自2017年1月1日起至2017年12月31日止。"
            ),
            Some(2017)
        );
        assert_eq!(
            title_year(&p, "二〇一七年度政府信息公开工作报告"),
            Some(2017)
        );
        assert_eq!(
            title_year(&p, "关于印发〔2016〕3号2015年度报告"),
            Some(2015)
        );
        assert_eq!(
            body_year(&p, ["2017年，我局（威政办字〔2018〕30号）"]),
            Some(2017)
        );
        let t = decide(Some(2018), Some(2017), None, None);
        assert_eq!(t.year, Some(2017));
        assert_eq!(t.notes.len(), 1);
        let t = decide(None, None, None, Date::new(2019, 1, 20));
        assert_eq!(t.year, Some(2018));
    }
}
