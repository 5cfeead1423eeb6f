//! Finding the publisher of a report and writing its name in one canonical form.
//!
//! A report names its publisher in many places and many spellings: the title, a heading above
//! the title, the signature over the date, a 填报单位 line, the opening sentence, the contact
//! sentence, the HTML title, the crawl path. This module collects those candidates, cleans them
//! (brackets, spaces, site names pasted into mirrors) and expands short forms (科技局 →
//! 科学技术局) from `data/agency_abbreviations.csv`. Which region the name denotes is left to
//! [`super::region`]. The words the patterns look for (labels, sentence phrases, agency
//! endings) are data, `data/rules/agency.csv` ([`NameWords`]).

use rustc_hash::FxHashMap;

use aho_corasick::AhoCorasick;
use regex::Regex;

use super::LineWords;
use super::gazetteer::csv_rows;
use super::words::{NameWords, alternatives};
use super::year::{self, YearPatterns};

/// Where a candidate name was found, in order of trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// The title line (text before the year).
    Title,
    /// A line just above the title.
    Heading,
    /// The name over the signature date.
    Signature,
    /// A 填报单位 / 单位名称 label.
    Label,
    /// The opening sentence (现公布XX2017年度…).
    Opening,
    /// The container's title (HTML `<title>`).
    ContainerTitle,
    /// The contact sentence (请与XX办公室联系) or a 联系单位 label.
    Contact,
    /// The subject of a clause after the year (2020年，XX厅坚持…), in a body without title.
    Subject,
    /// The corpus path.
    Path,
}

/// One candidate publisher name.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The name as written, cleaned of spaces and brackets.
    pub raw: String,
    /// Where it was found.
    pub source: Source,
}

/// A year as titles and opening sentences write it: 2017年, 二〇一七年.
const YEAR: &str = r"(?:(?:19|20)\d{2}|二[〇○零Ｏ0][〇○零Ｏ0一二三四五六七八九]{2})年";

/// The part of the opening sentence after its opening words (现公布…): the name, up to an
/// optional 关于 before the year.
fn opening_rest() -> String {
    format!(r"(.{{2,60}}?)(?:关于)?{YEAR}")
}

/// Precompiled patterns and the abbreviation table.
#[derive(Debug)]
pub struct AgencyPatterns {
    abbreviations: FxHashMap<String, String>,
    national: FxHashMap<String, String>,
    agency_end: Regex,
    label: Regex,
    opening: SentencePattern,
    compiled_by: SentencePattern,
    contact: SentencePattern,
    contact_cut: Regex,
    pronoun: Regex,
    brackets: Regex,
    title_year: Regex,
    township: Regex,
    report_word: Regex,
    /// Words that end a name after a label ([`NameWords::label_stop`]).
    label_stop: Vec<String>,
    /// Where a title's topic starts ([`NameWords::topic`]).
    topic: Vec<String>,
    /// Words that make a township name a department ([`NameWords::township_not`]).
    township_not: Vec<String>,
    /// A crawler header's title label at the start of a line (标题:).
    title_label: Regex,
    /// A contact label and its colon (联系单位：).
    contact_label: Regex,
    /// A clause (after punctuation or at the line start) ending in a compiling verb: the
    /// clause before the verb, lazily (XX办公室编制完成了本报告).
    compiled_clause: Regex,
    /// The clause after a year and a comma (2020年以来，XX厅坚持…): up to 40 characters.
    subject: Regex,
    /// A date in a signature run into the text around it (…厅2021年1月27日更多信息…).
    inline_date: Regex,
    /// Words before the agency of a compiling clause ([`NameWords::compiled_lead`]).
    compiled_lead: Vec<String>,
    /// Units that are a government ([`NameWords::government_unit`]).
    government_unit: Vec<String>,
    /// Offices compiling a government's report ([`NameWords::government_office`]).
    government_office: Vec<String>,
    /// The unit of a bare division ([`NameWords::division_unit`]).
    pub division_unit: String,
    /// The unit of a bare zone ([`NameWords::zone_unit`]).
    pub zone_unit: String,
}

impl AgencyPatterns {
    /// Builds the patterns from the words of `data/rules/agency.csv` and loads the
    /// abbreviation and national-agency tables.
    pub fn new(abbreviations: &str, national: &str, words: &NameWords) -> AgencyPatterns {
        let compile =
            |p: &str| Regex::new(p).unwrap_or_else(|e| panic!("built-in pattern {p}: {e}"));
        let mut abbr = FxHashMap::default();
        for row in csv_rows(abbreviations) {
            if let [short, full, ..] = row.as_slice() {
                abbr.insert(short.clone(), full.clone());
            }
        }
        let mut nat = FxHashMap::default();
        for row in csv_rows(national) {
            let Some(full) = row.first() else { continue };
            nat.insert(full.clone(), full.clone());
            for alias in row.get(1).map(|a| a.split('|')).into_iter().flatten() {
                if !alias.is_empty() {
                    nat.insert(alias.to_string(), full.clone());
                }
            }
        }
        let alt = |w: &[String]| alternatives(w);
        AgencyPatterns {
            abbreviations: abbr,
            national: nat,
            agency_end: compile(&format!(r"(?:{})$", alt(&words.agency_end))),
            label: compile(&format!(
                r"(?:{})(?:{})?[:：]",
                alt(&words.label),
                alt(&words.label_remark)
            )),
            opening: SentencePattern::new(&words.opening, &opening_rest()),
            compiled_by: SentencePattern::new(
                &words.compiled_by,
                &format!(r"(.{{2,40}}?)(?:{})", alt(&words.compiled_by_end)),
            ),
            contact: SentencePattern::new(
                &words.contact,
                &format!(r"[:：]?(.{{2,50}}?)(?:{})", alt(&words.contact_end)),
            ),
            contact_cut: compile(&format!(
                r"^(.{{2,40}}?(?:{}))",
                alt(&words.contact_agency_end)
            )),
            pronoun: compile(&format!(
                r"^(?:{})(?:{})",
                alt(&words.pronoun),
                alt(&words.pronoun_unit)
            )),
            brackets: compile(
                r"\([^)]*\)|（[^）]*）|【[^】]*】|\[[^\]]*\]|〔[^〕]*〕|<[^>]*>|《|》|\x22",
            ),
            title_year: compile(YEAR),
            township: compile(&format!(
                r"^(\p{{Han}}{{1,8}}?(?:{}))(?:{})?$",
                alt(&words.township_end),
                alt(&words.township_suffix)
            )),
            report_word: compile(&alt(&words.not_name)),
            label_stop: words.label_stop.clone(),
            topic: words.topic.clone(),
            township_not: words.township_not.clone(),
            title_label: compile(&format!(r"^(?:{})[:：]", alt(&words.title_label))),
            contact_label: compile(&format!(r"(?:{})[:：]", alt(&words.contact_label))),
            compiled_clause: compile(&format!(
                r"(?:^|[，,。；;：:、）)])([^，,。；;：:、（(）)]{{2,40}}?)(?:{})",
                alt(&words.compiled_verb)
            )),
            subject: compile(&format!(
                r"(?:19|20)\d{{2}}年(?:{})?[，,]([^，,。；;]{{2,40}})",
                alt(&words.subject_after_year)
            )),
            inline_date: compile(&format!(
                r"{YEAR}\d{{1,2}}月\d{{1,2}}日|{YEAR}[一二三四五六七八九十]{{1,2}}月[一二三四五六七八九十]{{1,3}}日"
            )),
            compiled_lead: words.compiled_lead.clone(),
            government_unit: words.government_unit.clone(),
            government_office: words.government_office.clone(),
            division_unit: first_word(&words.division_unit),
            zone_unit: first_word(&words.zone_unit),
        }
    }

    /// Expands a department name written short: 科技局 → 科学技术局, 区政府办 → 人民政府办公室,
    /// 管委会办公室 → 管理委员会办公室 (a known unit followed by a known unit).
    /// A leading tier character (省/市/区/县) is dropped when what follows is a known unit, since
    /// the region prefix takes its place.
    pub fn expand_unit(&self, unit: &str) -> String {
        if let Some(full) = self.abbreviations.get(unit) {
            return full.clone();
        }
        if let Some(joined) = self.expand_pair(unit) {
            return joined;
        }
        if let Some(rest) = strip_tier_char(unit)
            && (self.abbreviations.contains_key(rest)
                || self.abbreviations.values().any(|v| v == rest))
        {
            return self
                .abbreviations
                .get(rest)
                .cloned()
                .unwrap_or_else(|| rest.to_string());
        }
        if let Some(rest) = strip_province_char(unit) {
            return self.expand_unit(rest);
        }
        unit.to_string()
    }

    /// A unit made of two known units (管委会 + 办公室), each expanded; the longest known head
    /// first.
    fn expand_pair(&self, unit: &str) -> Option<String> {
        let known = |u: &str| -> Option<String> {
            self.abbreviations.get(u).cloned().or_else(|| {
                self.abbreviations
                    .values()
                    .any(|v| v == u)
                    .then(|| u.to_string())
            })
        };
        let cuts: Vec<usize> = unit.char_indices().map(|(i, _)| i).skip(2).collect();
        cuts.into_iter().rev().find_map(|cut| {
            let head = known(&unit[..cut])?;
            let tail = known(&unit[cut..])?;
            Some(format!("{head}{tail}"))
        })
    }

    /// The government a government office stands for, when the unit is one
    /// (人民政府办公室 → 人民政府, 管理委员会办公室 → 管理委员会).
    pub fn government_of_office<'a>(&self, unit: &'a str) -> Option<&'a str> {
        let office = self
            .government_office
            .iter()
            .find(|o| unit.ends_with(o.as_str()))?;
        let head = &unit[..unit.len() - office.len()];
        self.government_unit
            .iter()
            .any(|g| head.ends_with(g.as_str()))
            .then_some(head)
    }

    /// The tier character a unit starts with (区科技局 → 区), when it is one.
    pub fn tier_char(&self, unit: &str) -> Option<char> {
        if strip_province_char(unit).is_some() {
            return Some('省');
        }
        strip_tier_char(unit).filter(|rest| {
            self.abbreviations.contains_key(*rest) || self.abbreviations.values().any(|v| v == rest)
        })?;
        unit.chars().next()
    }

    /// The full name of a State Council department, if `name` is one (or its short form).
    pub fn national(&self, name: &str) -> Option<&str> {
        self.national.get(name).map(String::as_str)
    }

    /// The canonical township unit (XX镇人民政府, XX街道办事处) when `unit` names a township.
    pub fn township(&self, unit: &str) -> Option<String> {
        let caps = self.township.captures(unit)?;
        let name = caps.get(1)?.as_str();
        if self.township_not.iter().any(|w| name.contains(w.as_str())) || name.chars().count() < 2 {
            return None;
        }
        Some(if name.ends_with("街道") {
            format!("{name}办事处")
        } else {
            format!("{name}人民政府")
        })
    }

    /// True for 我局 / 本局 / 本单位 and the like.
    pub fn is_pronoun(&self, name: &str) -> bool {
        self.pronoun.is_match(name)
    }
}

/// The first word of a list (the lists are never empty: [`NameWords::parse`] checks).
fn first_word(words: &[String]) -> String {
    words.first().cloned().unwrap_or_default()
}

/// The unit without its first character when that character is a tier (省市区县镇乡).
fn strip_tier_char(unit: &str) -> Option<&str> {
    let first = unit.chars().next()?;
    matches!(first, '省' | '市' | '区' | '县').then(|| &unit[first.len_utf8()..])
}

/// The unit without a leading 省 (省工业和信息化厅 → 工业和信息化厅): no department name starts
/// with 省 but the province's, so the character is its tier whatever follows (市, 区 and 县
/// start names such as 市场监督管理局, so they count only before a known unit).
fn strip_province_char(unit: &str) -> Option<&str> {
    unit.strip_prefix('省')
        .filter(|rest| rest.chars().count() >= 2)
}

/// Cleans a name as found: width-folded, spaces gone, bracketed remarks and quote marks
/// dropped, anything after a site-name separator cut, leading 关于 and trailing 的 removed.
/// `None` when what remains does not look like a name.
pub fn clean_name(p: &AgencyPatterns, text: &str) -> Option<String> {
    let squashed = crate::document::text::squash(text);
    let no_brackets = p.brackets.replace_all(&squashed, "");
    let cut = no_brackets
        .split([
            '_', '|', '｜', '—', '-', '·', '，', ',', '。', ':', '：', '；', ';',
        ])
        .find(|s| !s.is_empty())?;
    let name = cut
        .trim_start_matches("关于")
        .trim_end_matches('的')
        .trim_end_matches("关于");
    let chars = name.chars().count();
    let looks_like_name = (2..=40).contains(&chars)
        && name.chars().all(crate::document::text::is_han)
        && !p.report_word.is_match(name);
    looks_like_name.then(|| name.to_string())
}

/// True when a cleaned name ends like an agency (局, 委员会, 人民政府, 街道办事处 …).
pub fn ends_like_agency(p: &AgencyPatterns, name: &str) -> bool {
    p.agency_end.is_match(name)
}

/// Collects candidate names from the numbered lines (1-based line, squashed text) in `head` and
/// `tail`, the lines carrying labels, the container title and the path. `starts_with_region`
/// tells whether a text starts with a division or zone name (the gazetteer's answer).
pub fn candidates(
    p: &AgencyPatterns,
    yp: &YearPatterns,
    lines: &[(usize, String)],
    found: &[LineWords],
    container_title: Option<&str>,
    path: &str,
    starts_with_region: &dyn Fn(&str) -> bool,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    title_candidates(p, lines, starts_with_region, &mut out);
    signature_candidates(p, yp, lines, starts_with_region, &mut out);
    for (_, line) in lines {
        label_candidate(p, line, &mut out);
    }
    for ((_, line), &words) in lines.iter().zip(found) {
        sentence_candidates(p, line, words, &mut out);
    }
    if out.is_empty() {
        subject_candidates(p, starts_with_region, lines, &mut out);
    }
    if let Some(t) = container_title {
        let s = crate::document::text::squash(t);
        if let Some(name) = title_prefix(p, &s) {
            out.push(Candidate {
                raw: name,
                source: Source::ContainerTitle,
            });
        }
    }
    path_candidates(p, path, &mut out);
    out.retain(|c| !p.is_pronoun(&c.raw));
    out.sort_by_key(|c| c.source);
    out
}

/// What separates the steps of a site's breadcrumb (首页>政务公开>…).
const BREADCRUMB_STEP: [char; 9] = ['>', '＞', '›', '»', '/', '：', ':', '|', '｜'];

/// How far into a long line (a page a crawler kept on one line) its title is looked for.
const TITLE_WINDOW: usize = 160;

/// [`title_prefix`] for a title line of a page: when the text before the year is a menu run
/// into the title (首页政务公开政府信息公开年报XX局2013年…), the name is its end that starts
/// with a region and reads as an agency.
fn page_title_prefix(
    p: &AgencyPatterns,
    starts_with_region: &dyn Fn(&str) -> bool,
    squashed: &str,
) -> Option<String> {
    title_prefix(p, squashed).or_else(|| {
        let m = p.title_year.find(squashed)?;
        region_led_suffix(p, starts_with_region, &squashed[..m.start()])
    })
}

/// The name before the year in a title line, or between the year and 政府信息公开.
fn title_prefix(p: &AgencyPatterns, squashed: &str) -> Option<String> {
    let Some(m) = p.title_year.find(squashed) else {
        // A title without a year: the name before 政府信息公开….
        return clean_name(p, &squashed[..topic_start(p, squashed)?])
            .filter(|n| ends_like_agency(p, n));
    };
    let before = &squashed[..m.start()];
    if let Some(name) = clean_name(p, before).filter(|n| ends_like_agency(p, n)) {
        return Some(name);
    }
    // A breadcrumb before the title (当前位置：首页>政务公开>XX局2017年…): the name is the
    // last step, next to the year.
    let last_step = before.rsplit(BREADCRUMB_STEP).next().unwrap_or(before);
    if last_step.len() < before.len()
        && let Some(name) = clean_name(p, last_step).filter(|n| ends_like_agency(p, n))
    {
        return Some(name);
    }
    let after = squashed[m.end()..].trim_start_matches('度');
    clean_name(p, &after[..topic_start(p, after)?]).filter(|n| ends_like_agency(p, n))
}

/// Byte offset where the report's topic (政府信息公开 / 政务公开 / 信息公开, the
/// [`NameWords::topic`] words) starts.
fn topic_start(p: &AgencyPatterns, s: &str) -> Option<usize> {
    p.topic.iter().filter_map(|w| s.find(w.as_str())).min()
}

/// Title lines among the first lines: a line with a year and 报告 (joined with the next line
/// when the title wraps), and a short agency-like line just above it.
fn title_candidates(
    p: &AgencyPatterns,
    lines: &[(usize, String)],
    starts_with_region: &dyn Fn(&str) -> bool,
    out: &mut Vec<Candidate>,
) {
    let first: Vec<&(usize, String)> = lines
        .iter()
        .filter(|(_, l)| !l.is_empty())
        .take(12)
        .collect();
    for (i, (_, line)) in first.iter().enumerate() {
        // A crawler's header line `标题: …` holds the page title.
        if let Some(label) = p.title_label.find(line)
            && let Some(name) = title_prefix(p, &line[label.end()..])
        {
            out.push(Candidate {
                raw: name,
                source: Source::Title,
            });
            return;
        }
        // A title wrapped before its topic (XX局2016年 / 政府信息公开工作年度报告) is joined;
        // a line above a title that has its own year is a menu or breadcrumb (登录 | 注册,
        // 当前位置：首页 > … > 年报), never the title's start.
        let joined = match first.get(i + 1) {
            Some((_, next))
                if !line.contains("报告")
                    && next.contains("报告")
                    && !p.title_year.is_match(next) =>
            {
                format!("{line}{next}")
            }
            _ => line.clone(),
        };
        // A page kept on one line: its title is the text up to the first 报告 near its start,
        // when that holds the year (an opening sentence 现将我厅…报告如下 is no title).
        let joined = match joined.find("报告") {
            Some(at)
                if joined.chars().count() > 80
                    && at <= TITLE_WINDOW * 3
                    && p.title_year.is_match(&joined[..at]) =>
            {
                joined[..at + "报告".len()].to_string()
            }
            _ => joined,
        };
        let is_title = joined.contains("报告")
            && (p.title_year.is_match(&joined) || topic_start(p, &joined).is_some())
            && joined.chars().count() <= 80
            && !joined.contains('。');
        if !is_title {
            continue;
        }
        if let Some(name) = page_title_prefix(p, starts_with_region, &joined) {
            out.push(Candidate {
                raw: name,
                source: Source::Title,
            });
        }
        for back in first[..i].iter().rev().take(3) {
            if let Some(name) =
                clean_name(p, &back.1).filter(|n| ends_like_agency(p, n) && n.chars().count() <= 30)
            {
                out.push(Candidate {
                    raw: name,
                    source: Source::Heading,
                });
                break;
            }
        }
        break;
    }
}

/// Signature blocks: an agency-like line followed within three lines by a date line, or a line
/// that ends with a date after the name.
fn signature_candidates(
    p: &AgencyPatterns,
    yp: &YearPatterns,
    lines: &[(usize, String)],
    starts_with_region: &dyn Fn(&str) -> bool,
    out: &mut Vec<Candidate>,
) {
    let mut found = Vec::new();
    for (i, (line_no, line)) in lines.iter().enumerate() {
        if line.is_empty() {
            continue;
        }
        if year::standalone_date(yp, line).is_some() {
            let above = lines[..i]
                .iter()
                .rev()
                .take_while(|(n, _)| line_no.saturating_sub(*n) <= 4)
                .filter(|(_, l)| !l.is_empty())
                .take(2);
            for (_, prev) in above {
                if let Some(name) = clean_name(p, prev)
                    .filter(|n| ends_like_agency(p, n) && n.chars().count() <= 40)
                {
                    found.push(name);
                    break;
                }
            }
        } else if let Some((before, _)) = year::trailing_date(yp, line)
            && let Some(name) = signed_name(p, before)
        {
            found.push(name);
        }
    }
    // A signature run into the text around it (paragraphs joined by a crawler): a name right
    // before a date in the last lines, after the last sentence of the body.
    if found.is_empty() {
        found.extend(
            inline_signatures(p, starts_with_region, lines)
                .into_iter()
                .map(|(name, _)| name),
        );
    }
    // The last signature is the report's own (earlier ones may sign quoted notices).
    if let Some(name) = found.pop() {
        out.push(Candidate {
            raw: name,
            source: Source::Signature,
        });
    }
}

/// Signatures run into the text around them, in the last three lines (paragraphs joined by
/// a crawler: …培训人员300余人。某省某厅2019年1月30日更多信息请关注…): each name right before a
/// date, with the date as written.
pub fn inline_signatures<'a>(
    p: &AgencyPatterns,
    starts_with_region: &dyn Fn(&str) -> bool,
    lines: &'a [(usize, String)],
) -> Vec<(String, &'a str)> {
    let tail_from = lines.len().saturating_sub(3);
    let mut out = Vec::new();
    for (_, line) in &lines[tail_from..] {
        for m in p.inline_date.find_iter(line) {
            let before = &line[..m.start()];
            if let Some(name) =
                signed_name(p, before).or_else(|| region_led_suffix(p, starts_with_region, before))
            {
                out.push((name, m.as_str()));
            }
        }
    }
    out
}

/// The name of a signature written before its date: the text after the last sentence
/// punctuation, when it reads as an agency.
fn signed_name(p: &AgencyPatterns, before: &str) -> Option<String> {
    let last = before
        .rsplit(['。', '！', '；', ';', '：', ':', '，', ','])
        .next()
        .unwrap_or(before);
    clean_name(p, last).filter(|n| ends_like_agency(p, n) && n.chars().count() <= 40)
}

/// The longest end of `text` (within its last 40 characters) that starts with a region name
/// and reads as an agency: a signature glued to the last words of the body
/// (…其他需要报告的事项无河北省某厅 → 河北省某厅).
fn region_led_suffix(
    p: &AgencyPatterns,
    starts_with_region: &dyn Fn(&str) -> bool,
    text: &str,
) -> Option<String> {
    let from = text.char_indices().rev().nth(39).map_or(0, |(i, _)| i);
    text[from..]
        .char_indices()
        .map(|(i, _)| &text[from + i..])
        .filter(|rest| starts_with_region(rest))
        .find_map(|rest| clean_name(p, rest).filter(|n| n == rest && ends_like_agency(p, n)))
}

/// `填报单位：XX` and friends.
fn label_candidate(p: &AgencyPatterns, line: &str, out: &mut Vec<Candidate>) {
    // The label pattern ends in a colon: a line without one is not searched.
    if !line.contains([':', '：']) {
        return;
    }
    let Some(m) = p.label.find(line) else { return };
    let rest = &line[m.end()..];
    let stop = p
        .label_stop
        .iter()
        .filter_map(|w| rest.find(w.as_str()))
        .min()
        .unwrap_or(rest.len());
    if let Some(name) = clean_name(p, &rest[..stop]) {
        out.push(Candidate {
            raw: name,
            source: Source::Label,
        });
    }
}

/// The opening sentence (现公布XX2017年度…, 本报告由XX编制) and the contact sentence. Each
/// pattern runs only on lines holding the words it starts with (`words`: [`LineWords::OPENING`]
/// and the others, the patterns' own alternatives, all looked for in one pass), since the
/// capturing search over every scanned line was the cost of this stage.
fn sentence_candidates(p: &AgencyPatterns, line: &str, words: LineWords, out: &mut Vec<Candidate>) {
    if words.has(LineWords::OPENING) {
        opening_candidates(p, line, out);
    }
    if words.has(LineWords::COMPILED_BY) {
        compiled_by_candidate(p, line, out);
    }
    if words.has(LineWords::CONTACT) {
        contact_candidates(p, line, out);
    }
    if words.has(LineWords::COMPILED_VERB) {
        compiled_clause_candidates(p, line, out);
    }
    if words.has(LineWords::CONTACT_LABEL) {
        contact_label_candidate(p, line, out);
    }
}

/// A clause that starts with an agency and goes on with a compiling verb:
/// 区管委会办公室编制完成了本报告, 河北省某厅编写了《…》. The clause must read as a name
/// ending like an agency: a clause such as 汇总各单位情况编制而成 names none.
fn compiled_clause_candidates(p: &AgencyPatterns, line: &str, out: &mut Vec<Candidate>) {
    for c in p.compiled_clause.captures_iter(line) {
        let clause = c.get(1).map_or("", |m| m.as_str());
        // 由XX编制: the preposition is no part of the name.
        let clause = p
            .compiled_lead
            .iter()
            .find_map(|w| clause.strip_prefix(w.as_str()))
            .unwrap_or(clause);
        if let Some(name) = clean_name(p, clause).filter(|n| ends_like_agency(p, n)) {
            out.push(Candidate {
                raw: name,
                source: Source::Opening,
            });
        }
    }
}

/// 联系单位：XX局办公室 → XX局 (cut like a contact sentence's name).
fn contact_label_candidate(p: &AgencyPatterns, line: &str, out: &mut Vec<Candidate>) {
    let Some(m) = p.contact_label.find(line) else {
        return;
    };
    if let Some(cleaned) = clean_name(p, &line[m.end()..])
        && let Some(cut) = p.contact_cut.captures(&cleaned)
    {
        out.push(Candidate {
            raw: cut[1].to_string(),
            source: Source::Contact,
        });
    }
}

/// The subject of the first clause after a year (2020年，XX厅坚持…; 2020年以来，XX厅深入…),
/// for bodies that name their publisher nowhere else. Only a clause that starts with a
/// region name or a tier character (省工业和信息化厅) counts, cut after its first agency
/// ending; the first such clause of the document is taken.
fn subject_candidates(
    p: &AgencyPatterns,
    starts_with_region: &dyn Fn(&str) -> bool,
    lines: &[(usize, String)],
    out: &mut Vec<Candidate>,
) {
    for (_, line) in lines {
        if !line.contains('年') {
            continue;
        }
        for c in p.subject.captures_iter(line) {
            let clause = c.get(1).map_or("", |m| m.as_str());
            let tiered = clause.starts_with(['省', '市', '县', '区']);
            if !(tiered || starts_with_region(clause)) || p.is_pronoun(clause) {
                continue;
            }
            if let Some(cut) = p.contact_cut.captures(clause)
                && let Some(name) = clean_name(p, &cut[1])
            {
                out.push(Candidate {
                    raw: name,
                    source: Source::Subject,
                });
                return;
            }
        }
    }
}

/// A sentence pattern: one of a few words (现公布, 请与 …), then a lazily captured name and
/// the words that end it. It is searched only where one of its words stands, anchored there:
/// the search then reads a few dozen characters, where the unanchored search over the whole
/// line carried the lazy `.{2,60}?` from every position (the regex engine's most expensive
/// work in this stage).
///
/// The matches are those of the unanchored pattern's `captures_iter`: every match starts at
/// an occurrence of one of the words, so trying the occurrences left to right (each from the
/// end of the previous match on) finds the same leftmost-first matches.
#[derive(Debug)]
struct SentencePattern {
    /// The words, found overlapping (现公布 holds 公布: both are starts).
    starts: AhoCorasick,
    /// `^(?:words)rest`.
    anchored: Regex,
}

impl SentencePattern {
    fn new(words: &[String], rest: &str) -> SentencePattern {
        let pattern = format!(r"^(?:{}){rest}", alternatives(words));
        SentencePattern {
            starts: AhoCorasick::new(words)
                .unwrap_or_else(|e| panic!("sentence words {words:?}: {e}")),
            anchored: Regex::new(&pattern)
                .unwrap_or_else(|e| panic!("built-in pattern {pattern}: {e}")),
        }
    }

    /// The captured name (group 1) of each successive match in `line`.
    fn names<'h>(&self, line: &'h str) -> Vec<&'h str> {
        let mut starts: Vec<usize> = self
            .starts
            .find_overlapping_iter(line)
            .map(|m| m.start())
            .collect();
        starts.sort_unstable();
        starts.dedup();
        let mut names = Vec::new();
        let mut from = 0;
        for start in starts {
            if start < from {
                continue;
            }
            if let Some(c) = self.anchored.captures(&line[start..]) {
                from = start + c.get(0).map_or(0, |m| m.end());
                names.extend(c.get(1).map(|m| m.as_str()));
            }
        }
        names
    }
}

/// 现公布XX2017年度….
fn opening_candidates(p: &AgencyPatterns, line: &str, out: &mut Vec<Candidate>) {
    for name in p.opening.names(line) {
        if let Some(name) = clean_name(p, name).filter(|n| ends_like_agency(p, n)) {
            out.push(Candidate {
                raw: name,
                source: Source::Opening,
            });
        }
    }
}

/// 本报告由XX编制.
fn compiled_by_candidate(p: &AgencyPatterns, line: &str, out: &mut Vec<Candidate>) {
    if let Some(name) = p.compiled_by.names(line).first()
        && let Some(name) = clean_name(p, name).filter(|n| ends_like_agency(p, n))
    {
        out.push(Candidate {
            raw: name,
            source: Source::Opening,
        });
    }
}

/// 请与XX联系.
fn contact_candidates(p: &AgencyPatterns, line: &str, out: &mut Vec<Candidate>) {
    for name in p.contact.names(line) {
        // Cut first: what follows the unit (政务公开科, 信息公开中心) would make the whole
        // read as a phrase.
        let cut_first = p
            .contact_cut
            .captures(name)
            .and_then(|cut| clean_name(p, &cut[1]))
            .filter(|n| p.contact_cut.is_match(n));
        let raw = cut_first.or_else(|| {
            let cleaned = clean_name(p, name)?;
            p.contact_cut
                .captures(&cleaned)
                .map(|cut| cut[1].to_string())
        });
        if let Some(raw) = raw {
            out.push(Candidate {
                raw,
                source: Source::Contact,
            });
        }
    }
}

/// Path segments that read as an agency name (crawl dumps laid out by site and column).
fn path_candidates(p: &AgencyPatterns, path: &str, out: &mut Vec<Candidate>) {
    for segment in path.rsplit(['/', '\\']) {
        let stem = segment.split('.').next().unwrap_or(segment);
        let s = crate::document::text::squash(stem);
        let name =
            title_prefix(p, &s).or_else(|| clean_name(p, &s).filter(|n| ends_like_agency(p, n)));
        if let Some(name) = name {
            out.push(Candidate {
                raw: name,
                source: Source::Path,
            });
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::NameBook;
    use super::*;

    /// The gate words are the patterns' own alternatives: every opening phrase and contact
    /// phrase starts a match, and the label pattern ends with its colon.
    #[test]
    fn sentence_patterns_start_with_their_gate_words() {
        let book = NameBook::embedded();
        let words = NameWords::embedded();
        for w in &words.opening {
            let line = format!("{w}某市某局2020年政府信息公开工作年度报告");
            assert_eq!(book.agency.opening.names(&line), ["某市某局"], "{line}");
            assert!(book.line_words.of(&line).has(LineWords::OPENING), "{line}");
        }
        for w in &words.compiled_by {
            let line = format!("{w}某市某局编制");
            assert_eq!(book.agency.compiled_by.names(&line), ["某市某局"], "{line}");
            // 编制 is also a compiling verb.
            let found = book.line_words.of(&line);
            assert!(found.has(LineWords::COMPILED_BY), "{line}");
            assert!(found.has(LineWords::COMPILED_VERB), "{line}");
            assert!(!found.has(LineWords::OPENING), "{line}");
        }
        for w in &words.contact {
            let line = format!("{w}某市某局联系");
            assert_eq!(book.agency.contact.names(&line), ["某市某局"], "{line}");
            assert!(book.line_words.of(&line).has(LineWords::CONTACT), "{line}");
        }
        assert!(book.agency.contact.names("如需申请某市某局联系").is_empty());
        assert_eq!(
            book.line_words.of("如需申请某市某局联系"),
            LineWords::default()
        );
        assert!(book.agency.label.as_str().ends_with("[:：]"));
    }

    /// The patterns built from `data/rules/agency.csv` find what the sentences and labels
    /// name, with the alternatives tried in file order (人民政府办公室 before 人民政府).
    #[test]
    fn the_loaded_words_find_names_in_example_lines() {
        let book = NameBook::embedded();
        let p = &book.agency;
        let found = |lines: &[&str]| -> Vec<(Source, String)> {
            let numbered: Vec<(usize, String)> = lines
                .iter()
                .enumerate()
                .map(|(i, l)| (i + 1, crate::document::text::squash(l)))
                .collect();
            let region = |t: &str| {
                book.gazetteer
                    .mentions(t)
                    .first()
                    .is_some_and(|m| m.start == 0)
            };
            let found: Vec<LineWords> = numbered
                .iter()
                .map(|(_, l)| book.line_words.of(l))
                .collect();
            candidates(p, &book.years, &numbered, &found, None, "", &region)
                .into_iter()
                .map(|c| (c.source, c.raw))
                .collect()
        };
        let one = |source: Source, raw: &str| vec![(source, raw.to_string())];
        assert_eq!(
            found(&["现公布北京市科学技术委员会2017年度政府信息公开工作年度报告。"]),
            one(Source::Opening, "北京市科学技术委员会")
        );
        assert_eq!(
            found(&["特向社会公布，威海市环翠区科技局关于2018年政府信息公开工作情况如下。"]),
            one(Source::Opening, "威海市环翠区科技局")
        );
        assert_eq!(
            found(&["本报告由威海市文登区科学技术局编制，全文包括概述等部分。"]),
            one(Source::Opening, "威海市文登区科学技术局")
        );
        assert_eq!(
            found(&["如对本报告有疑问，请与威海市人民政府办公室秘书科联系。"]),
            one(Source::Contact, "威海市人民政府办公室")
        );
        assert_eq!(
            found(&["请致电吉林市昌邑区机关事务管理局综合科咨询。"]),
            one(Source::Contact, "吉林市昌邑区机关事务管理局")
        );
        assert_eq!(
            found(&["填报单位（盖章）：威海市文登区科学技术局 填报日期：2018年1月2日"]),
            one(Source::Label, "威海市文登区科学技术局")
        );
        assert_eq!(
            found(&["报送单位：温州市科学技术局 联系电话：0577-88888888"]),
            one(Source::Label, "温州市科学技术局")
        );
        assert_eq!(
            found(&["温州市科学技术局政府信息公开工作年度报告"]),
            one(Source::Title, "温州市科学技术局")
        );
        // A pronoun names no one; a line without a gate word is not searched.
        assert!(found(&["现公布我局2017年度政府信息公开工作年度报告。"]).is_empty());
        assert!(found(&["申请人可与威海市人民政府办公室联系。"]).is_empty());
        assert!(p.is_pronoun("本单位") && p.is_pronoun("该中心") && !p.is_pronoun("本溪市科技局"));
        assert!(ends_like_agency(p, "威海市科学技术局"));
        assert!(ends_like_agency(p, "阿拉善左旗"));
        assert!(!ends_like_agency(p, "政府信息公开专栏"));
        assert_eq!(p.township("某某镇政府").as_deref(), Some("某某镇人民政府"));
        assert_eq!(p.township("某某苏木").as_deref(), Some("某某苏木人民政府"));
    }

    /// Searched from its words' occurrences, a sentence pattern finds what the unanchored
    /// pattern's `captures_iter` finds, on lines built to trip it: words inside words
    /// (现公布 holds 公布), several sentences per line, matches that would overlap, names too
    /// short or too long, and text around them.
    #[test]
    fn sentence_patterns_match_like_their_unanchored_search() {
        let words = NameWords::embedded();
        let rest = opening_rest();
        let ours = SentencePattern::new(&words.opening, &rest);
        let theirs = Regex::new(&format!("(?:{}){rest}", alternatives(&words.opening))).unwrap();
        let pieces = [
            "现公布",
            "公布",
            "现将",
            "特向社会公布",
            "某市",
            "某局",
            "关于",
            "2017年",
            "二〇一九年",
            "度",
            "，",
            "工作报告",
            "x",
            "现",
            "向社会",
            "公布公布",
            "很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长",
        ];
        // A fixed pseudo-random sequence of lines (a linear congruential generator).
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        };
        let mut matched = 0;
        for _ in 0..5000 {
            let line: String = (0..1 + next(12))
                .map(|_| pieces[next(pieces.len())])
                .collect();
            let expected: Vec<&str> = theirs
                .captures_iter(&line)
                .map(|c| c.get(1).unwrap().as_str())
                .collect();
            assert_eq!(ours.names(&line), expected, "{line}");
            matched += usize::from(!expected.is_empty());
        }
        assert!(
            matched > 500,
            "only {matched} lines matched: the test lines are too tame"
        );
    }

    #[test]
    fn short_forms_expand() {
        let book = NameBook::embedded();
        let p = &book.agency;
        assert_eq!(p.expand_unit("科技局"), "科学技术局");
        assert_eq!(p.expand_unit("区科技局"), "科学技术局");
        assert_eq!(p.expand_unit("市场监督管理局"), "市场监督管理局");
        assert_eq!(p.expand_unit("政府办"), "人民政府办公室");
        assert_eq!(p.national("国家发改委"), Some("国家发展和改革委员会"));
    }

    #[test]
    fn names_are_cleaned() {
        let book = NameBook::embedded();
        let p = &book.agency;
        assert_eq!(
            clean_name(p, "威海市环翠区科技局（发布机构）").as_deref(),
            Some("威海市环翠区科技局")
        );
        assert_eq!(
            clean_name(p, "温州市 科学技术局_温州市人民政府").as_deref(),
            Some("温州市科学技术局")
        );
        assert_eq!(clean_name(p, "2017年度政府信息公开工作报告"), None);
        assert!(p.is_pronoun("我局"));
        assert_eq!(p.township("竹岛街道").as_deref(), Some("竹岛街道办事处"));
        assert_eq!(p.township("住房和城乡建设局"), None);
    }
}
