//! Normalization: who published a report, where, and for which year.
//!
//! Input is the [`Document`] (all its lines and tables) and the file's corpus path; output is an
//! [`Identity`]. Knowledge (gazetteer, abbreviations, renames, special zones, telephone and
//! postal codes, State Council departments, and the words the patterns look for, in
//! `data/rules/agency.csv`: see [`words`]) lives in `data/`, is embedded in the binary, and is
//! loaded once into a [`NameBook`] shared by all threads.
//!
//! Canonical names use today's division naming: a 2013 report of 文登市科学技术局 is published
//! under 威海市文登区科学技术局 (文登市 became a district of 威海 in 2014), with a note saying so.
//! Names are read in the names of their report's year: the GB/T 2260 revisions 2002–2016 (the
//! `gb2260` crate, read by build.rs) date today's names and give former ones, so a name shared
//! by a division made after the report's year is not taken for it (龙华区 in a 2014 report is
//! 海口's; 深圳's dates from late 2016).
//! The prefix is the region chain without the province for cities and counties
//! (威海市环翠区科学技术局, 福州市平潭县人民政府), the province (or municipality) alone for
//! provincial agencies (山东省科学技术厅, 上海市人民政府办公厅), the municipality for its
//! districts (上海市浦东新区人民政府), and the province for counties directly under it
//! (河南省济源市人民政府). State Council departments carry no prefix.

pub mod agency;
pub mod gazetteer;
pub mod region;
pub mod words;
pub mod year;

use std::borrow::Cow;

use crate::document::Document;
use crate::document::text::squash;
use crate::document::words::FirstCharIndex;
use crate::model::{Identity, Level};

use agency::{AgencyPatterns, Candidate};
use gazetteer::{Gazetteer, Sources, Tier};
use region::{CodePatterns, Context, Resolved};
use words::NameWords;
use year::YearPatterns;

/// How many lines from the top and from the bottom of a document are searched for names.
const HEAD_LINES: usize = 60;
/// See [`HEAD_LINES`].
const TAIL_LINES: usize = 40;
/// Two ideographic spaces: the indent that starts a paragraph, and so separates paragraphs a
/// crawler joined into one line.
const PARAGRAPH_GAP: &str = "\u{3000}\u{3000}";

/// Searchers for [`PARAGRAPH_GAP`] and 单位 (a cell naming its unit), built once: the standard
/// `contains` builds one for every line and cell it is asked of, which cost more than the search.
static PARAGRAPH_GAP_FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(PARAGRAPH_GAP));
static UNIT_WORD_FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new("单位"));

/// Everything normalization knows, loaded once from the files in `data/`.
pub struct NameBook {
    /// Divisions, renames, zones, area and postal codes.
    pub gazetteer: Gazetteer,
    /// Agency patterns and the abbreviation / national tables.
    pub agency: AgencyPatterns,
    /// Year and date patterns.
    pub years: YearPatterns,
    /// Telephone and postal code patterns.
    pub codes: CodePatterns,
    /// The words gating the patterns run on every scanned line.
    pub line_words: LineWordIndex,
    /// Traditional → simplified converter, for mirrors in traditional characters.
    t2s: Option<ferrous_opencc::OpenCC>,
    /// Lines that need [`NameBook::t2s`]: they contain characters only traditional text uses
    /// ([`NameWords::traditional_mark`]).
    traditional_marks: CharSet,
    /// Lines worth scanning wherever they are (labels, contact details):
    /// [`NameWords::label_line`].
    label_line: regex::Regex,
    /// The same words for table cells: short texts, where a regex call costs more than
    /// looking at each character.
    label_words: WordGroups,
    /// Pinyin that mirrors inject after characters (報(bào)告, 縣(xiàn)).
    pinyin: regex::Regex,
}

impl std::fmt::Debug for NameBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NameBook")
            .field("divisions", &self.gazetteer.divisions.len())
            .finish_non_exhaustive()
    }
}

impl Default for NameBook {
    fn default() -> Self {
        NameBook::embedded()
    }
}

impl NameBook {
    /// The book built from the data files embedded in the binary at compile time (listed,
    /// with every other data file, in [`crate::knowledge::DATA_FILES`]).
    pub fn embedded() -> NameBook {
        use crate::knowledge::data_file;
        let gazetteer = Gazetteer::build(&Sources {
            provinces: data_file("gazetteer/provinces.csv"),
            cities: data_file("gazetteer/cities.csv"),
            areas: data_file("gazetteer/areas.csv"),
            renames: data_file("division_renames.csv"),
            zones: data_file("special_zones.csv"),
            area_codes: data_file("area_codes.csv"),
            postal_prefixes: data_file("postal_prefixes.csv"),
            history: data_file("gb2260_history.csv"),
            confusables: data_file("confusable_chars.csv"),
        });
        let words = NameWords::parse(data_file(words::FILE));
        let agency = AgencyPatterns::new(
            data_file("agency_abbreviations.csv"),
            data_file("national_agencies.csv"),
            &words,
        );
        let compile =
            |p: &str| regex::Regex::new(p).unwrap_or_else(|e| panic!("built-in pattern {p}: {e}"));
        NameBook {
            gazetteer,
            agency,
            years: YearPatterns::new(&words),
            codes: CodePatterns::new(&words),
            line_words: LineWordIndex::new(&words),
            t2s: ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::T2s)
                .ok(),
            traditional_marks: CharSet::new(&words.traditional_mark.concat()),
            label_line: compile(&words::alternatives(&words.label_line)),
            label_words: WordGroups::new(&[&words.label_line[..]]),
            pinyin: compile(r"[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,8}[)）]"),
        }
    }

    /// The line in simplified characters (converted only when it shows traditional ones;
    /// borrowed as it is otherwise, which is nearly always), without injected pinyin.
    fn simplified<'a>(&self, line: &'a str) -> Cow<'a, str> {
        self.simplified_line(line, false)
    }

    /// [`NameBook::simplified`] for a line of a document the ingest found
    /// [`Document::traditional_free`] (`traditional_free`): t2s would change none of its
    /// characters, so they are not looked at (a tenth of identification's work otherwise).
    fn simplified_line<'a>(&self, line: &'a str, traditional_free: bool) -> Cow<'a, str> {
        let line = match &self.t2s {
            Some(cc) if !traditional_free && self.traditional_marks.any_in(line) => {
                Cow::Owned(cc.convert(line))
            }
            _ => Cow::Borrowed(line),
        };
        if has_pinyin_mark(&line) {
            return Cow::Owned(self.pinyin.replace_all(&line, "").into_owned());
        }
        line
    }
}

/// A cheap test before the pinyin pattern runs: an opening bracket followed by a Latin letter.
///
/// Brackets are found with SIMD searches (`memchr`, `memmem`) instead of pairing every byte of
/// the line, and a line whose brackets (such as the `（一）` of outline numbers) are never
/// followed by a letter the pattern could start with is left alone: the pattern cannot match
/// there, so running it would only have copied the line.
fn has_pinyin_mark(line: &str) -> bool {
    let b = line.as_bytes();
    // The first bytes of what may follow the bracket in a match: a Latin letter, or a
    // letter with a tone mark (U+00C0–U+01FF, and ḿ at U+1E3F).
    let may_open = |i: usize| {
        b.get(i)
            .is_some_and(|&n| n.is_ascii_alphabetic() || matches!(n, 0xC3..=0xC7 | 0xE1))
    };
    let mut half = false;
    let mut full = false;
    let mut letter_follows = false;
    for i in memchr::memchr_iter(b'(', b) {
        half |= b
            .get(i + 1)
            .is_some_and(|&n| n.is_ascii_lowercase() || matches!(n, 0xC3..=0xC7));
        letter_follows |= may_open(i + 1);
    }
    /// The searcher for `（`, built once (building one per line cost as much as searching).
    static FULL_WIDTH_BRACKET: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("（"));
    for i in FULL_WIDTH_BRACKET.find_iter(b) {
        full = true;
        letter_follows |= may_open(i + "（".len());
    }
    (half || full) && letter_follows
}

/// 64 Ki bits indexed by a 16-bit number: 8 KB, which stays in the CPU's first-level cache.
#[derive(Debug, Clone)]
struct Bits(Vec<u64>);

impl Default for Bits {
    fn default() -> Bits {
        Bits(vec![0; (1 << 16) / 64])
    }
}

impl Bits {
    fn set(&mut self, i: u16) {
        self.0[usize::from(i >> 6)] |= 1 << (i & 63);
    }

    #[inline]
    fn get(&self, i: u16) -> bool {
        self.0[usize::from(i >> 6)] & (1 << (i & 63)) != 0
    }
}

/// A set of characters of the Basic Multilingual Plane, as a bitmap: "does the line hold one
/// of these characters" is one look-up per character, cheaper than the search of a regex
/// character class over every scanned line.
struct CharSet(Bits);

impl CharSet {
    /// The set of the characters of `chars` (those outside the BMP are left out).
    fn new(chars: &str) -> CharSet {
        let mut bits = Bits::default();
        for c in chars.chars().filter_map(|c| u16::try_from(c as u32).ok()) {
            bits.set(c);
        }
        CharSet(bits)
    }

    /// True when `text` holds a character of the set.
    fn any_in(&self, text: &str) -> bool {
        text.chars().any(|c| self.contains(c))
    }

    /// True when `c` is in the set.
    #[inline]
    fn contains(&self, c: char) -> bool {
        u16::try_from(c as u32).is_ok_and(|i| self.0.get(i))
    }
}

/// Which of a few groups of words a line holds, found in one pass over its characters
/// ([`FirstCharIndex`]) instead of one substring search per word. Exactly "does the line
/// contain a word of group i" (every occurrence of a word starts with its first character).
pub(crate) struct WordGroups {
    /// Every group's words, numbered in order.
    index: FirstCharIndex,
    /// The group of each word, by its number.
    group_of: Vec<u32>,
    /// The words, for `Debug`.
    words: Vec<Box<str>>,
}

impl WordGroups {
    /// The groups (at most 32) of non-empty words.
    pub(crate) fn new<S: AsRef<str>>(groups: &[&[S]]) -> WordGroups {
        assert!(groups.len() <= 32, "at most 32 word groups");
        let mut words: Vec<Box<str>> = Vec::new();
        let mut group_of = Vec::new();
        for (g, group) in groups.iter().enumerate() {
            for w in group.iter().map(AsRef::as_ref) {
                words.push(w.into());
                group_of.push(g as u32);
            }
        }
        let bytes: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        WordGroups {
            index: FirstCharIndex::new(&bytes).expect("non-empty words"),
            group_of,
            words,
        }
    }

    /// Bit `i` is set when `text` holds a word of group `i`.
    pub(crate) fn in_text(&self, text: &str) -> u32 {
        let mut found = 0u32;
        self.index
            .for_each(text, |m| found |= 1 << self.group_of[m.word]);
        found
    }
}

impl std::fmt::Debug for WordGroups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WordGroups")
            .field("words", &self.words)
            .finish_non_exhaustive()
    }
}

/// The words that gate the patterns run on every scanned line, looked for in one pass for
/// all of them: those a telephone number or postal code follows (the region's evidence) and
/// those the agency's sentence patterns start with. Each used to make its own pass over the
/// same lines, and these passes were most of identification's work.
#[derive(Debug)]
pub struct LineWordIndex(WordGroups);

impl LineWordIndex {
    /// The index of the words of `data/rules/agency.csv`, in the groups of [`LineWords`].
    pub fn new(words: &NameWords) -> LineWordIndex {
        LineWordIndex(WordGroups::new(&[
            &words.phone[..],
            &words.postal[..],
            &words.opening[..],
            &words.compiled_by[..],
            &words.contact[..],
            &words.compiled_verb[..],
            &words.contact_label[..],
        ]))
    }

    /// The groups whose words `line` holds.
    pub fn of(&self, line: &str) -> LineWords {
        LineWords(self.0.in_text(line))
    }
}

/// The word groups a line holds ([`LineWordIndex::of`]), one bit each, in the order
/// [`LineWordIndex::new`] lists them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineWords(u32);

impl LineWords {
    /// [`NameWords::phone`].
    pub const PHONE: LineWords = LineWords(1);
    /// [`NameWords::postal`].
    pub const POSTAL: LineWords = LineWords(1 << 1);
    /// [`NameWords::opening`].
    pub const OPENING: LineWords = LineWords(1 << 2);
    /// [`NameWords::compiled_by`].
    pub const COMPILED_BY: LineWords = LineWords(1 << 3);
    /// [`NameWords::contact`].
    pub const CONTACT: LineWords = LineWords(1 << 4);
    /// [`NameWords::compiled_verb`].
    pub const COMPILED_VERB: LineWords = LineWords(1 << 5);
    /// [`NameWords::contact_label`].
    pub const CONTACT_LABEL: LineWords = LineWords(1 << 6);

    /// True when the line holds a word of `group`.
    pub fn has(self, group: LineWords) -> bool {
        self.0 & group.0 != 0
    }
}

/// The lines searched for names and dates: the head, the tail and labelled lines in between,
/// as (1-based line number, squashed simplified text).
fn scanned_lines(doc: &Document, book: &NameBook) -> Vec<(usize, String)> {
    let n = doc.lines.len();
    let mut wanted = vec![false; n];
    for (i, line) in doc.lines.iter().enumerate() {
        let in_edges = i < HEAD_LINES || i + TAIL_LINES >= n;
        if in_edges || book.label_line.is_match(line) {
            wanted[i] = true;
        } else if looks_like_date_line(line) {
            // A signature in the middle (an attached table follows it): the date and the name
            // lines above it.
            for w in wanted.iter_mut().take(i + 1).skip(i.saturating_sub(4)) {
                *w = true;
            }
        }
    }
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, line) in doc.lines.iter().enumerate().filter(|(i, _)| wanted[*i]) {
        // Paragraphs a crawler joined with ideographic indents (　　) are lines of their own.
        if PARAGRAPH_GAP_FINDER.find(line.as_bytes()).is_some() {
            out.extend(
                line.split(PARAGRAPH_GAP)
                    .filter(|piece| !piece.trim().is_empty())
                    .map(|piece| {
                        let simplified = book.simplified_line(piece, doc.traditional_free);
                        (i + 1, squash(&simplified))
                    }),
            );
        } else {
            // The document's squashed line, made once for every stage, unless the line had to
            // be simplified first.
            let squashed = match book.simplified_line(line, doc.traditional_free) {
                Cow::Borrowed(_) => doc.squashed_line(i).to_string(),
                Cow::Owned(simplified) => squash(&simplified),
            };
            out.push((i + 1, squashed));
        }
    }
    for table in &doc.tables {
        for row in &table.rows {
            let texts: Vec<&str> = row
                .cells
                .iter()
                .map(|c| c.text.as_str())
                .filter(|t| !t.is_empty())
                .collect();
            // A cell of ASCII only (a figure, nearly every cell) holds no label word: all are
            // written in Han characters.
            if texts.iter().any(|t| {
                !t.is_ascii()
                    && (book.label_words.in_text(t) != 0
                        || UNIT_WORD_FINDER.find(t.as_bytes()).is_some())
            }) {
                let line = row.cells.first().map_or(0, |c| c.line as usize);
                out.push((line, squash(&book.simplified(&texts.join("：")))));
            }
        }
    }
    out
}

/// A cheap test for a short line carrying a date (年 … 日), before any regex runs. The
/// characters are counted last: most lines have no 日 at all.
fn looks_like_date_line(line: &str) -> bool {
    line.contains('日') && line.contains('年') && line.chars().count() <= 60
}

/// Finds the agency, region, tier, statistical year and publication date of a report.
pub fn identify(doc: &Document, source_path: &str, book: &NameBook) -> Identity {
    let lines = scanned_lines(doc, book);
    let title = doc.title.as_deref().map(|t| book.simplified(t));
    let mut identity = Identity::default();

    let found: Vec<LineWords> = lines.iter().map(|(_, l)| book.line_words.of(l)).collect();
    let ctx = Context::gather(
        &book.gazetteer,
        &book.codes,
        lines
            .iter()
            .map(|(_, l)| l.as_str())
            .zip(found.iter().copied()),
    );
    let starts_with_region = |t: &str| {
        book.gazetteer
            .name_mentions(t)
            .first()
            .is_some_and(|m| m.start == 0)
    };
    let candidates = agency::candidates(
        &book.agency,
        &book.years,
        &lines,
        &found,
        title.as_deref(),
        source_path,
        &starts_with_region,
    );
    let timing = timing(book, &lines, title.as_deref(), &starts_with_region);
    if let Some(chosen) = choose(book, &candidates) {
        name_and_place(book, &chosen, &ctx, timing.year, &mut identity);
    }
    identity.year = timing.year;
    identity.published = timing.published;
    identity.notes.extend(timing.notes);
    identity
}

/// The candidate to publish under: the most trusted one, replaced by another that names the
/// same unit with more of its region (a title 机关事务管理局 and a signature 昌邑区机关事务管理局).
fn choose(book: &NameBook, candidates: &[Candidate]) -> Option<Candidate> {
    let base = candidates.first()?;
    let unit_of = |c: &Candidate| {
        let mentions = book.gazetteer.name_mentions(&c.raw);
        let end = leading_region_end(&mentions);
        (
            book.agency.expand_unit(c.raw.get(end..).unwrap_or("")),
            mentions.len(),
        )
    };
    let (base_unit, base_regions) = unit_of(base);
    let richer = candidates
        .iter()
        .skip(1)
        .map(|c| (c, unit_of(c)))
        .filter(|(_, (unit, regions))| {
            *regions > base_regions && (*unit == base_unit || base_unit.is_empty())
        })
        .max_by_key(|(c, (_, regions))| (*regions, std::cmp::Reverse(c.source)));
    Some(richer.map_or(base, |(c, _)| c).clone())
}

/// Byte offset where the leading chain of region names in a name ends (0 when it does not start
/// with one).
fn leading_region_end(mentions: &[gazetteer::Mention]) -> usize {
    let mut end = 0;
    for m in mentions {
        if m.start != end {
            break;
        }
        end = m.end;
    }
    end
}

/// Fills agency, region and level from the chosen candidate.
fn name_and_place(
    book: &NameBook,
    chosen: &Candidate,
    ctx: &Context,
    year: Option<i16>,
    identity: &mut Identity,
) {
    let g = &book.gazetteer;
    identity.agency_raw = Some(chosen.raw.clone());
    let mut mentions = g.name_mentions(&chosen.raw);
    let mut raw = chosen.raw.as_str();
    let corrected;
    if leading_region_end(&mentions) == 0
        && let Some(fixed) = g.confusable_fix(raw, |d| ctx.admits(g, d))
    {
        identity.notes.push(format!(
            "{raw} read as {fixed} (a character the division's name does not use)"
        ));
        corrected = fixed;
        raw = corrected.as_str();
        mentions = g.name_mentions(raw);
    }
    let lead = leading_region_end(&mentions);
    let unit_raw = raw.get(lead..).unwrap_or("");

    if mentions.is_empty()
        && let Some(full) = book.agency.national(raw)
    {
        identity.agency = Some(full.to_string());
        identity.level = Level::National;
        return;
    }

    let mut resolved: Resolved = region::resolve(g, raw, &mentions, ctx, year);
    let tier_hint = book.agency.tier_char(unit_raw);
    if mentions.is_empty() {
        resolved.division = region::from_context(g, ctx, tier_hint);
    }
    let mut unit = book.agency.expand_unit(unit_raw);
    if unit_raw.is_empty() && !mentions.is_empty() {
        // A bare region (a title 平潭县2011年…, 平潭综合实验区2017年度…) is its government.
        unit = if resolved.zone.is_some() {
            book.agency.zone_unit.clone()
        } else {
            book.agency.division_unit.clone()
        };
    }
    if matches!(
        chosen.source,
        agency::Source::Opening | agency::Source::Contact | agency::Source::Subject
    ) && let Some(government) = book.agency.government_of_office(&unit)
    {
        // The government's office compiled the report or answers for it: the report is the
        // government's (区管委会办公室编制完成了本报告).
        unit = government.to_string();
    }
    let township = book.agency.township(&unit);

    for (old, today, year) in &resolved.renamed {
        let d = &g.divisions[*today];
        let when = if *year == 0 {
            "after 2016".to_string()
        } else {
            year.to_string()
        };
        identity.notes.push(format!(
            "{old} is today's {} ({}, renamed {when}); the canonical name uses today's",
            d.name, d.code
        ));
    }
    fill_region(g, resolved.division, identity);

    identity.level = match (&township, resolved.division) {
        (Some(_), _) => Level::Township,
        (None, Some(d)) => match g.divisions[d].tier {
            Tier::Province => Level::Provincial,
            Tier::City => Level::Prefecture,
            Tier::County => Level::County,
        },
        (None, None) if resolved.ambiguous_county || matches!(tier_hint, Some('区' | '县')) => {
            Level::County
        }
        (None, None) if tier_hint == Some('省') => Level::Provincial,
        (None, None) => Level::Unknown,
    };
    if resolved.ambiguous_county {
        identity.level = if township.is_some() {
            Level::Township
        } else {
            Level::County
        };
        identity.notes.push("the county-level name is shared by several divisions and the report does not say which".to_string());
    }

    let unit = township.unwrap_or(unit);
    identity.agency = Some(if lead == 0 && !mentions.is_empty() {
        // A name that does not start with its region (国家税务总局威海市税务局) is kept as written.
        raw.to_string()
    } else {
        let zone = resolved.zone.and_then(|z| g.zones.get(z));
        let prefix = match zone {
            Some(z) => zone_prefix(g, z),
            // An unresolved shared name stays as written (鼓楼区人民政府).
            None if resolved.ambiguous_county => raw.get(..lead).unwrap_or("").to_string(),
            None => resolved
                .division
                .map(|d| region_prefix(g, d))
                .unwrap_or_default(),
        };
        format!("{prefix}{unit}")
    });
}

/// The region prefix of a canonical name (see the module doc).
fn region_prefix(g: &Gazetteer, d: usize) -> String {
    let div = &g.divisions[d];
    match div.tier {
        Tier::Province | Tier::City => div.name.clone(),
        Tier::County => match div.city {
            Some(c) => format!("{}{}", g.divisions[c].name, div.name),
            None => format!("{}{}", g.divisions[div.province].name, div.name),
        },
    }
}

/// The prefix of a special zone's name: the city (or province) it lies in, then the zone, unless
/// the zone's own name already starts with that place (威海火炬高技术产业开发区).
fn zone_prefix(g: &Gazetteer, z: &gazetteer::Zone) -> String {
    let div = &g.divisions[z.division];
    let parent = match div.tier {
        Tier::County => div.city.unwrap_or(div.province),
        _ => z.division,
    };
    let parent_name = &g.divisions[parent].name;
    let short: String = parent_name.chars().take(2).collect();
    let province_short: String = g.divisions[div.province].name.chars().take(2).collect();
    // A zone named with its province (福建省平潭综合实验区, run for the province) or its city
    // keeps its own name.
    if z.canonical.starts_with(&short) || z.canonical.starts_with(&province_short) {
        z.canonical.clone()
    } else {
        format!("{parent_name}{}", z.canonical)
    }
}

/// Province, city, county and code from the most specific division.
fn fill_region(g: &Gazetteer, d: Option<usize>, identity: &mut Identity) {
    let Some(d) = d else { return };
    let div = &g.divisions[d];
    let province = &g.divisions[div.province];
    identity.province = Some(province.name.clone());
    identity.division_code = Some(div.code.clone());
    identity.city = match div.city {
        Some(c) => Some(g.divisions[c].name.clone()),
        None if g.is_municipality(div.province) => Some(province.name.clone()),
        None => None,
    };
    if div.tier == Tier::County {
        identity.county = Some(div.name.clone());
    }
}

/// Statistical year and publication date from the scanned lines and the container title.
fn timing(
    book: &NameBook,
    lines: &[(usize, String)],
    title: Option<&str>,
    starts_with_region: &dyn Fn(&str) -> bool,
) -> year::Timing {
    let yp = &book.years;
    let head: Vec<&(usize, String)> = lines
        .iter()
        .filter(|(_, l)| !l.is_empty())
        .take(12)
        .collect();
    let mut title_year = None;
    for (i, (_, line)) in head.iter().enumerate() {
        let joined = match head.get(i + 1) {
            Some((_, next)) if !line.contains("报告") && next.contains("报告") => {
                format!("{line}{next}")
            }
            _ => line.clone(),
        };
        if joined.contains("报告") && joined.chars().count() <= 80 {
            title_year = year::title_year(yp, &joined);
            if title_year.is_some() {
                break;
            }
        }
    }
    let title_year = title_year.or_else(|| title.and_then(|t| year::title_year(yp, &squash(t))));
    let period = lines.iter().find_map(|(_, l)| year::period_year(yp, l));
    // The body's year only decides when neither the title nor the period gives one: it is
    // not looked for otherwise (it is the costliest of the three, a pass over the head).
    let body = if title_year.is_none() && period.is_none() {
        let body_lines = lines.iter().take(HEAD_LINES).map(|(_, l)| l.as_str());
        year::body_year(yp, body_lines)
    } else {
        None
    };
    year::decide(
        title_year,
        period,
        body,
        published(book, lines, starts_with_region),
    )
}

/// The publication date: the last date line under a signature, else the last standalone date
/// line near the top or bottom, else a 填报日期 label.
fn published(
    book: &NameBook,
    lines: &[(usize, String)],
    starts_with_region: &dyn Fn(&str) -> bool,
) -> Option<crate::model::Date> {
    let yp = &book.years;
    let mut signed = None;
    let mut standalone = None;
    for (i, (_, line)) in lines.iter().enumerate() {
        let Some(date) = year::standalone_date(yp, line).or_else(|| {
            year::trailing_date(yp, line)
                .filter(|(before, _)| {
                    agency::clean_name(&book.agency, before)
                        .is_some_and(|n| agency::ends_like_agency(&book.agency, &n))
                })
                .map(|(_, d)| d)
        }) else {
            continue;
        };
        standalone = Some(date);
        let prev = lines[..i].iter().rev().find(|(_, l)| !l.is_empty());
        let signed_here = prev.is_some_and(|(_, l)| {
            agency::clean_name(&book.agency, l)
                .is_some_and(|n| agency::ends_like_agency(&book.agency, &n))
        }) || year::trailing_date(yp, line)
            .is_some_and(|(before, _)| !before.is_empty());
        if signed_here {
            signed = Some(date);
        }
    }
    signed
        .or(standalone)
        .or_else(|| lines.iter().find_map(|(_, l)| year::labelled_date(yp, l)))
        .or_else(|| {
            // A signature run into the text around it.
            agency::inline_signatures(&book.agency, starts_with_region, lines)
                .last()
                .and_then(|(_, date)| year::standalone_date(yp, date))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_groups_agree_with_contains() {
        let groups: [&[&str]; 3] = [
            &["电话", "Tel", "联系方式", "传真"],
            &["邮编", "邮政编码"],
            &["请与", "请联系", "与"],
        ];
        let screen = WordGroups::new(&groups);
        for text in [
            "",
            "联系电话：0631-1234567",
            "邮政编码264200",
            "请与本局联系",
            "Tel邮编",
            "TEL 与",
            "联系方",
            "邮政编",
            "请联",
            "传真传真",
            "a𠀀电话",
        ] {
            let expected = groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g.iter().any(|w| text.contains(w)))
                .fold(0, |bits, (i, _)| bits | 1 << i);
            assert_eq!(screen.in_text(text), expected, "{text}");
        }
    }
    use crate::model::Date;

    fn check(
        text: &str,
        agency: &str,
        place: [Option<&str>; 3],
        code: &str,
        level: Level,
        year: i16,
        published: Option<Date>,
    ) {
        let book = NameBook::embedded();
        let id = identify(&Document::from_text(text), "", &book);
        assert_eq!(id.agency.as_deref(), Some(agency), "{id:?}");
        assert_eq!(
            [
                id.province.as_deref(),
                id.city.as_deref(),
                id.county.as_deref()
            ],
            place,
            "{id:?}"
        );
        assert_eq!(id.division_code.as_deref(), Some(code), "{id:?}");
        assert_eq!(id.level, level, "{id:?}");
        assert_eq!(id.year, Some(year), "{id:?}");
        assert_eq!(id.published, published, "{id:?}");
    }

    #[test]
    fn seed_000_signature_only() {
        let text = include_str!("../../data/sample/000_3ea8ee1128555582.txt");
        check(
            text,
            "威海市环翠区科学技术局",
            [Some("山东省"), Some("威海市"), Some("环翠区")],
            "371002",
            Level::County,
            2017,
            Date::new(2018, 3, 20),
        );
        let id = identify(&Document::from_text(text), "", &NameBook::embedded());
        assert_eq!(id.agency_raw.as_deref(), Some("威海市环翠区科技局"));
    }

    #[test]
    fn seed_001_heading_above_title() {
        let text = include_str!("../../data/sample/001_8ce2c52a2533517f.txt");
        check(
            text,
            "威海市中小企业局",
            [Some("山东省"), Some("威海市"), None],
            "371000",
            Level::Prefecture,
            2017,
            Date::new(2018, 3, 20),
        );
    }

    #[test]
    fn seed_002_city_department() {
        let text = include_str!("../../data/sample/002_2d814c7af621a11d.txt");
        check(
            text,
            "温州市科学技术局",
            [Some("浙江省"), Some("温州市"), None],
            "330300",
            Level::Prefecture,
            2017,
            Date::new(2018, 1, 2),
        );
    }

    #[test]
    fn seed_003_district_department() {
        let text = include_str!("../../data/sample/003_32627ba4512e0993.txt");
        check(
            text,
            "威海市文登区科学技术局",
            [Some("山东省"), Some("威海市"), Some("文登区")],
            "371003",
            Level::County,
            2021,
            Date::new(2022, 1, 27),
        );
    }

    #[test]
    fn seed_004_region_only_in_signature() {
        let text = include_str!("../../data/sample/004_028974a2b2ad95f8.txt");
        check(
            text,
            "吉林市昌邑区机关事务管理局",
            [Some("吉林省"), Some("吉林市"), Some("昌邑区")],
            "220202",
            Level::County,
            2017,
            Date::new(2018, 1, 17),
        );
    }

    #[test]
    fn nothing_panics_on_odd_input() {
        let book = NameBook::embedded();
        for text in [
            "",
            "\u{feff}",
            "年度报告",
            "2017年",
            "关于2017年",
            "我局\n2018年13月40日",
            "（）（）",
            "鼓楼区",
        ] {
            let _ = identify(&Document::from_text(text), "a/b/c", &book);
        }
    }

    #[test]
    fn traditional_marks_are_found_anywhere_in_a_line() {
        let book = NameBook::embedded();
        assert!(book.traditional_marks.any_in("abc臺北市政府報告"));
        assert!(!book.traditional_marks.any_in("政府信息公开工作报告𠀀"));
        assert_eq!(book.simplified("區政府"), "区政府");
    }

    /// Table cells of ASCII only are not searched for label words: none is ASCII.
    #[test]
    fn label_words_are_not_ascii() {
        let words = NameWords::embedded();
        assert!(!words.label_line.is_empty());
        assert!(
            words.label_line.iter().all(|w| !w.is_ascii()),
            "{:?}",
            words.label_line
        );
    }

    /// A document the ingest marks free of traditional characters skips the per-line look,
    /// which is safe only because every mark is a character t2s changes on its own: such a
    /// document holds none of them.
    #[test]
    fn every_traditional_mark_is_one_the_ingest_counts() {
        let words = NameWords::embedded();
        let marks: String = words.traditional_mark.concat();
        assert!(marks.chars().count() > 40, "{marks}");
        for c in marks.chars() {
            assert!(crate::ingest::simplify::t2s_changes(c), "{c}");
        }
        let book = NameBook::embedded();
        assert_eq!(book.simplified_line("區政府", false), "区政府");
        assert_eq!(book.simplified_line("区政府(qū)", true), "区政府");
    }

    /// Lines whose brackets hold no Latin letter skip the pinyin pattern, and the result is
    /// the same as running it: only a bracketed Latin run is removed.
    #[test]
    fn pinyin_test_lets_through_every_line_the_pattern_changes() {
        let book = NameBook::embedded();
        for line in [
            "（一）主动公开情况",
            "報(bào)告（一）",
            "数(shù)量",
            "（Bao）告",
            "某(Bao)告（一）",
            "某(Bao)告",
            "某(ḿ)字",
            "（ḿ）字",
            "(1)项（2）",
            "",
        ] {
            // The test this one refines: any `（`, or `(` and a lower-case or toned letter.
            let coarse = line.as_bytes().windows(2).any(|w| {
                w[0] == b'(' && (w[1].is_ascii_lowercase() || matches!(w[1], 0xC3..=0xC7))
            }) || line.contains('（');
            let unchanged = book.pinyin.replace_all(line, "") == line;
            let fine = has_pinyin_mark(line);
            assert!(!fine || coarse, "{line}");
            assert!(fine || !coarse || unchanged, "{line}");
        }
        assert!(!has_pinyin_mark("（一）主动公开情况"));
        assert!(has_pinyin_mark("報(bào)告"));
        assert!(has_pinyin_mark("某(Bao)告（一）"));
        // As before: an upper-case letter after a half-width bracket alone does not count.
        assert!(!has_pinyin_mark("某(Bao)告"));
    }

    /// The cell test finds a label word exactly where the line pattern does.
    #[test]
    fn label_words_in_cells_agree_with_the_line_pattern() {
        let book = NameBook::embedded();
        let words = NameWords::parse(crate::knowledge::data_file(words::FILE));
        let mut texts: Vec<String> = words
            .label_line
            .iter()
            .flat_map(|w| [w.clone(), format!("某{w}："), format!("（{w}）12")])
            .collect();
        texts.extend(["", "主动公开", "单", "联", "电 话", "统计表"].map(String::from));
        for t in &texts {
            assert_eq!(
                book.label_words.in_text(t) != 0,
                book.label_line.is_match(t),
                "{t}"
            );
        }
    }

    #[test]
    fn book_is_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<NameBook>();
    }
}
