//! The administrative-division gazetteer: every province, prefecture-level city and county-level
//! division with its code, plus the names they were known by before (renames) and the special
//! zones that sit inside them, all findable in a string with one Aho-Corasick pass.
//!
//! Normalization must name a report's region from whatever fragments the report gives; this
//! module answers "which divisions does this text mention, and where" and "which city does this
//! telephone area code / postal code belong to". It never decides between candidates: that is
//! [`super::region`]'s job.

use std::collections::HashMap;

use super::Bits;
use crate::document::words::code_at;

use aho_corasick::{
    AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Anchored, Input, MatchKind, StartKind,
};

/// Which tier a gazetteer division is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// Province, autonomous region or municipality.
    Province,
    /// Prefecture-level city, prefecture, league or autonomous prefecture.
    City,
    /// County-level division (district, county, county-level city, banner).
    County,
}

/// One administrative division.
#[derive(Debug, Clone)]
pub struct Division {
    /// 6-digit code (GB/T 2260 form).
    pub code: String,
    /// Current official name, e.g. `环翠区`.
    pub name: String,
    /// The tier.
    pub tier: Tier,
    /// Index of the province this division lies in (itself for a province).
    pub province: usize,
    /// Index of the prefecture-level city, when there is a real one (not for provinces, nor for
    /// counties of municipalities or directly administered counties like 济源市).
    pub city: Option<usize>,
    /// The first year its name and code are known together: 0 when GB/T 2260 lists them from
    /// its first revision (2002) on, the year of the revision that first lists them, or 2016
    /// when no revision up to 2016-07 does (a division made or renamed since).
    pub since: u16,
}

/// What a name found in text stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A current division, by index.
    Division(usize),
    /// A former name of a division (index of today's division, year of the change).
    Renamed(usize, u16),
    /// A special zone (index into [`Gazetteer::zones`]).
    Zone(usize),
}

/// A special economic / development zone and the division it sits in.
#[derive(Debug, Clone)]
pub struct Zone {
    /// The zone's name as written, e.g. `威海高新区`.
    pub name: String,
    /// The zone's official name, e.g. `威海火炬高技术产业开发区`.
    pub canonical: String,
    /// Index of the division it sits in.
    pub division: usize,
}

/// One name found in a string: byte span and what it may stand for (several targets when the
/// name is shared, e.g. 鼓楼区).
#[derive(Debug, Clone)]
pub struct Mention {
    /// Byte offset where the name starts.
    pub start: usize,
    /// Byte offset just past the name.
    pub end: usize,
    /// Every division, rename or zone the name may denote.
    pub targets: Vec<Target>,
}

/// All divisions and the automaton that finds their names.
#[derive(Debug)]
pub struct Gazetteer {
    /// Every division; indices are stable.
    pub divisions: Vec<Division>,
    /// Special zones.
    pub zones: Vec<Zone>,
    by_code: HashMap<String, usize>,
    patterns: Vec<(String, Vec<Target>)>,
    /// The names, searched for anchored at the positions [`NameStarts`] lets through.
    matcher: AhoCorasick,
    starts: NameStarts,
    area_codes: HashMap<String, usize>,
    postal_prefixes: HashMap<String, usize>,
    /// (wrong, right) characters of confusable_chars.csv.
    confusables: Vec<(char, char)>,
}

/// Province codes of the four municipalities, whose province and city are the same.
const MUNICIPALITIES: [&str; 4] = ["11", "12", "31", "50"];

/// Placeholder "cities" of the NBS list that are not real prefecture-level cities.
const PLACEHOLDER_CITIES: [&str; 4] = [
    "市辖区",
    "县",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
];

/// The embedded data files the gazetteer is built from.
pub struct Sources<'a> {
    /// provinces.csv (`code,name`).
    pub provinces: &'a str,
    /// cities.csv (`code,name,provinceCode`).
    pub cities: &'a str,
    /// areas.csv (`code,name,cityCode,provinceCode`).
    pub areas: &'a str,
    /// division_renames.csv (`old_name,code,year,new_name`).
    pub renames: &'a str,
    /// special_zones.csv (`name,code,canonical`).
    pub zones: &'a str,
    /// area_codes.csv (`area_code,code`).
    pub area_codes: &'a str,
    /// postal_prefixes.csv (`prefix,code`).
    pub postal_prefixes: &'a str,
    /// The names of every GB/T 2260 revision 2002–2016 (`code,name,from,to`), written by
    /// build.rs from the `gb2260` crate.
    pub history: &'a str,
    /// confusable_chars.csv (`right,wrong`).
    pub confusables: &'a str,
}

/// Rows of a small embedded CSV file (header skipped, comment lines `#` skipped, fields trimmed
/// and unquoted). Malformed rows are skipped rather than fatal.
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    reader
        .records()
        .filter_map(Result::ok)
        .map(|r| r.iter().map(|f| f.trim().to_string()).collect())
        .collect()
}

/// Pads a 2-, 4- or 6-digit division code to 6 digits.
pub fn pad_code(code: &str) -> String {
    format!("{code:0<6}")
}

impl Gazetteer {
    /// Builds the gazetteer from the data files' text.
    pub fn build(src: &Sources<'_>) -> Gazetteer {
        let mut divisions = Vec::new();
        let mut by_code = HashMap::new();
        let mut province_by_short: HashMap<String, usize> = HashMap::new();
        for row in csv_rows(src.provinces) {
            let [code, name] = match row.as_slice() {
                [code, name, ..] => [code, name],
                _ => continue,
            };
            let idx = divisions.len();
            province_by_short.insert(code.clone(), idx);
            by_code.insert(pad_code(code), idx);
            divisions.push(Division {
                code: pad_code(code),
                name: name.clone(),
                tier: Tier::Province,
                province: idx,
                city: None,
                since: 0,
            });
        }
        let mut city_by_short: HashMap<String, Option<usize>> = HashMap::new();
        let mut nbs_zones: Vec<(String, usize)> = Vec::new();
        for row in csv_rows(src.cities) {
            if row.len() < 3 {
                continue;
            }
            let Some(&province) = province_by_short.get(&row[2]) else {
                continue;
            };
            if PLACEHOLDER_CITIES.contains(&row[1].as_str()) {
                city_by_short.insert(row[0].clone(), None);
                continue;
            }
            let idx = divisions.len();
            city_by_short.insert(row[0].clone(), Some(idx));
            by_code.insert(pad_code(&row[0]), idx);
            divisions.push(Division {
                code: pad_code(&row[0]),
                name: row[1].clone(),
                tier: Tier::City,
                province,
                city: Some(idx),
                since: 0,
            });
        }
        for row in csv_rows(src.areas) {
            if row.len() < 4 {
                continue;
            }
            let Some(&province) = province_by_short.get(&row[3]) else {
                continue;
            };
            let city = city_by_short.get(&row[2]).copied().flatten();
            // NBS functional zones (code xxxx7x: 开发区, 园区, 管理区) are not counties: they are
            // zones of their city unless special_zones.csv places them more precisely.
            if row[0].chars().nth(4) == Some('7') {
                nbs_zones.push((row[1].clone(), city.unwrap_or(province)));
                continue;
            }
            // 东莞市, 中山市, 儋州市, 嘉峪关市: the "area" is the city itself.
            if let Some(c) = city
                && divisions[c].name == row[1]
            {
                by_code.insert(row[0].clone(), c);
                continue;
            }
            let idx = divisions.len();
            by_code.insert(row[0].clone(), idx);
            divisions.push(Division {
                code: row[0].clone(),
                name: row[1].clone(),
                tier: Tier::County,
                province,
                city,
                since: 0,
            });
        }
        let mut gaz = Gazetteer {
            divisions,
            zones: Vec::new(),
            by_code,
            patterns: Vec::new(),
            matcher: unreachable_matcher(),
            starts: NameStarts::default(),
            area_codes: HashMap::new(),
            postal_prefixes: HashMap::new(),
            confusables: csv_rows(src.confusables)
                .iter()
                .filter_map(|r| {
                    let right = r.first()?.chars().next()?;
                    let wrong = r.get(1)?.chars().next()?;
                    Some((wrong, right))
                })
                .collect(),
        };
        gaz.load_lookups(src);
        let former = gaz.load_history(src.history);
        for (name, division) in nbs_zones {
            if !gaz.zones.iter().any(|z| z.name == name) {
                gaz.zones.push(Zone {
                    canonical: name.clone(),
                    name,
                    division,
                });
            }
        }
        gaz.build_matcher(src, &former);
        gaz
    }

    /// Reads the GB/T 2260 names of 2002–2016: sets each division's [`Division::since`], and
    /// returns the former names of today's divisions with the year of the change (0 when it
    /// came after 2016-07), for [`Target::Renamed`]. A former name is today's division's when
    /// it stood under the same code, or when it stood under a code gone today and today's
    /// division of the same province has the same stem (文登市 371081 → 文登区 371003: the
    /// name without its tier word), the only such one.
    fn load_history(&mut self, history: &str) -> Vec<(String, usize, u16)> {
        let rows: Vec<(String, String, u16, u16)> = csv_rows(history)
            .into_iter()
            .filter_map(|r| match r.as_slice() {
                [code, name, from, to] => Some((
                    code.clone(),
                    name.clone(),
                    from.parse().ok()?,
                    to.parse().ok()?,
                )),
                _ => None,
            })
            .filter(|(_, name, ..)| !PLACEHOLDER_CITIES.contains(&name.as_str()))
            .collect();
        let first_revision = rows.iter().map(|r| r.2).min().unwrap_or(0);
        for d in &mut self.divisions {
            d.since = HISTORY_END;
        }
        for (code, name, from, _) in &rows {
            if let Some(&d) = self.by_code.get(code)
                && self.divisions[d].name == *name
            {
                let since = if *from == first_revision { 0 } else { *from };
                let div = &mut self.divisions[d];
                div.since = div.since.min(since);
            }
        }
        let mut former = Vec::new();
        for (code, name, _, _) in &rows {
            let today = match self.by_code.get(code) {
                Some(&d) if self.divisions[d].name == *name => continue,
                Some(&d) => Some(d),
                None => self.successor_by_stem(code, name),
            };
            if let Some(d) = today {
                // The year the name changed: when today's name and code first show; 0 when
                // that was after the last revision (2016-07).
                let since = self.divisions[d].since;
                former.push((
                    name.clone(),
                    d,
                    if since >= HISTORY_END { 0 } else { since },
                ));
            }
        }
        former
    }

    /// The one division of today in the province of `code` whose name has the stem of `name`
    /// (the name without its tier word: 文登市 / 文登区; 赣县 / 赣县区), of the same tier.
    fn successor_by_stem(&self, code: &str, name: &str) -> Option<usize> {
        let tier = tier_of_code(code);
        let province = self.by_code.get(&format!("{}0000", code.get(..2)?))?;
        let old = stem(name);
        if old.chars().count() < 2 && !name.ends_with('县') {
            return None;
        }
        let mut found = self.divisions.iter().enumerate().filter(|(_, d)| {
            d.province == *province
                && d.tier == tier
                && d.name != name
                && (stem(&d.name) == old || stem(&d.name) == name)
        });
        let first = found.next()?;
        found.next().is_none().then_some(first.0)
    }

    fn load_lookups(&mut self, src: &Sources<'_>) {
        for row in csv_rows(src.area_codes) {
            if let (Some(code), Some(div)) =
                (row.first(), row.get(1).and_then(|c| self.by_code.get(c)))
            {
                self.area_codes.insert(code.clone(), *div);
            }
        }
        for row in csv_rows(src.postal_prefixes) {
            if let (Some(code), Some(div)) =
                (row.first(), row.get(1).and_then(|c| self.by_code.get(c)))
            {
                self.postal_prefixes.insert(code.clone(), *div);
            }
        }
        for row in csv_rows(src.zones) {
            if let (Some(name), Some(div)) =
                (row.first(), row.get(1).and_then(|c| self.by_code.get(c)))
            {
                let canonical = row.get(2).filter(|c| !c.is_empty()).unwrap_or(name).clone();
                self.zones.push(Zone {
                    name: name.clone(),
                    canonical,
                    division: *div,
                });
            }
        }
    }

    fn build_matcher(&mut self, src: &Sources<'_>, former: &[(String, usize, u16)]) {
        let mut map: HashMap<String, Vec<Target>> = HashMap::new();
        for (idx, d) in self.divisions.iter().enumerate() {
            map.entry(d.name.clone())
                .or_default()
                .push(Target::Division(idx));
            if d.tier == Tier::Province
                && let Some(short) = province_short_name(&d.name)
            {
                map.entry(short).or_default().push(Target::Division(idx));
            }
        }
        for row in csv_rows(src.renames) {
            let (Some(old), Some(div), year) = (
                row.first(),
                row.get(1).and_then(|c| self.by_code.get(c)),
                row.get(2),
            ) else {
                continue;
            };
            // A current name always wins over a former name spelled the same.
            if map
                .get(old)
                .is_some_and(|t| t.iter().any(|t| matches!(t, Target::Division(_))))
            {
                continue;
            }
            let year = year.and_then(|y| y.parse().ok()).unwrap_or(0);
            map.entry(old.clone())
                .or_default()
                .push(Target::Renamed(*div, year));
        }
        for (old, div, year) in former {
            // Current names, and former names the renames table already gives, win.
            if map.get(old).is_some_and(|t| {
                t.iter().any(|t| {
                    matches!(t, Target::Division(_))
                        || matches!(t, Target::Renamed(d, _) if d == div)
                })
            }) {
                continue;
            }
            map.entry(old.clone())
                .or_default()
                .push(Target::Renamed(*div, *year));
        }
        for (idx, z) in self.zones.iter().enumerate() {
            map.entry(z.name.clone())
                .or_default()
                .push(Target::Zone(idx));
        }
        let mut patterns: Vec<(String, Vec<Target>)> = map.into_iter().collect();
        patterns.sort_by(|a, b| a.0.cmp(&b.0));
        // Anchored searches only (see [`Gazetteer::names`]): each walks down one branch of
        // the names' trie, so the compact NFA is as fast as a DFA here (A/B over 3,000
        // reports) and builds in a fraction of its time and 13 MB less memory.
        let matcher = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(patterns.iter().map(|p| p.0.as_str()))
            .unwrap_or_else(|_| unreachable_matcher());
        self.starts = NameStarts::new(patterns.iter().map(|p| p.0.as_str()));
        self.patterns = patterns;
        self.matcher = matcher;
    }

    /// Every division, rename and zone name in `text`, leftmost-longest, left to right. Generic
    /// two-character names (城区, 郊区, 矿区) count only right after their own city's name.
    pub fn mentions(&self, text: &str) -> Vec<Mention> {
        self.find_mentions(text, false)
    }

    /// [`Gazetteer::mentions`] in an agency's name: a two-character county name ending in 县
    /// (滑县, 攸县) also counts where the name starts with it (滑县人民政府), not only after its
    /// city; in running text such pairs are too often words (和县, 成县).
    pub fn name_mentions(&self, name: &str) -> Vec<Mention> {
        self.find_mentions(name, true)
    }

    fn find_mentions(&self, text: &str, is_name: bool) -> Vec<Mention> {
        let mut out: Vec<Mention> = Vec::new();
        for m in self.names(text) {
            let Some((name, targets)) = self.patterns.get(m.pattern().as_usize()) else {
                continue;
            };
            let mut targets = targets.clone();
            let heads_the_name = is_name && m.start() == 0 && name.ends_with('县');
            if name.chars().count() <= 2 && !heads_the_name {
                targets.retain(|t| {
                    !self.is_generic_county(*t)
                        || out.last().is_some_and(|prev| {
                            prev.end == m.start() && self.follows_parent(prev, *t)
                        })
                });
            }
            if !targets.is_empty() {
                out.push(Mention {
                    start: m.start(),
                    end: m.end(),
                    targets,
                });
            }
        }
        out
    }

    /// Every name in `text`, as an unanchored leftmost-longest search finds them, left to
    /// right, made in steps: at each character that may begin a name (by [`NameStarts`]), the
    /// longest name beginning there, if any; after a name, on from its end. The unanchored
    /// automaton took three to four nanoseconds a byte (a 13 MB table, read all over); most
    /// characters now cost two bit tests.
    fn names<'t>(&'t self, text: &'t str) -> impl Iterator<Item = aho_corasick::Match> + 't {
        let bytes = text.as_bytes();
        // The character at `at` (code point and length), decoded once for both the test
        // at it and the test at the character before it.
        let char_at = move |at: usize| (at < bytes.len()).then(|| code_at(bytes, at));
        let mut at = 0;
        let mut here = char_at(0);
        std::iter::from_fn(move || {
            while let Some((c, len)) = here {
                let start = at;
                at += len;
                here = char_at(at);
                if !self.starts.may_start(c, here.map(|(n, _)| n)) {
                    continue;
                }
                let input = Input::new(text).range(start..).anchored(Anchored::Yes);
                if let Some(m) = self.matcher.find(input) {
                    at = m.end();
                    here = char_at(at);
                    return Some(m);
                }
            }
            None
        })
    }

    fn is_generic_county(&self, t: Target) -> bool {
        matches!(t, Target::Division(i) if self.divisions[i].tier == Tier::County)
    }

    fn follows_parent(&self, prev: &Mention, t: Target) -> bool {
        let Some(d) = self.target_division(t) else {
            return false;
        };
        prev.targets.iter().any(|p| match p {
            Target::Division(pi) => {
                Some(*pi) == self.divisions[d].city || *pi == self.divisions[d].province
            }
            _ => false,
        })
    }

    /// `name` with the county-level name it starts with corrected, when that name is no
    /// division's and swapping one confusable character (沐 → 沭) makes it the name of exactly
    /// one county-level division that `admits` accepts (the report's own cities agree).
    pub fn confusable_fix(&self, name: &str, admits: impl Fn(usize) -> bool) -> Option<String> {
        if self.confusables.is_empty() {
            return None;
        }
        let end = name
            .char_indices()
            .take(7)
            .skip(1)
            .find(|(_, c)| matches!(c, '县' | '区' | '市' | '旗'))
            .map(|(i, c)| i + c.len_utf8())?;
        let head = &name[..end];
        let whole = |text: &str| -> Vec<usize> {
            match self.name_mentions(text).as_slice() {
                [m] if m.start == 0 && m.end == text.len() => m
                    .targets
                    .iter()
                    .filter_map(|t| match *t {
                        Target::Division(d) if self.divisions[d].tier == Tier::County => Some(d),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            }
        };
        if !self.name_mentions(head).is_empty() {
            return None;
        }
        let mut found: Vec<(String, usize)> = Vec::new();
        for (i, c) in head.char_indices() {
            for &(wrong, right) in &self.confusables {
                if c != wrong {
                    continue;
                }
                let variant = format!("{}{right}{}", &head[..i], &head[i + c.len_utf8()..]);
                for d in whole(&variant) {
                    found.push((variant.clone(), d));
                }
            }
        }
        match found.as_slice() {
            [(variant, d)] if admits(*d) => Some(format!("{variant}{}", &name[end..])),
            _ => None,
        }
    }

    /// The division a target stands for today.
    pub fn target_division(&self, t: Target) -> Option<usize> {
        match t {
            Target::Division(i) | Target::Renamed(i, _) => Some(i),
            Target::Zone(z) => self.zones.get(z).map(|z| z.division),
        }
    }

    /// The division with a 6-digit (or 2/4-digit) code.
    pub fn by_code(&self, code: &str) -> Option<usize> {
        self.by_code.get(&pad_code(code)).copied()
    }

    /// The division (city or municipality) of a telephone area code such as `0631`.
    pub fn by_area_code(&self, code: &str) -> Option<usize> {
        self.area_codes.get(code).copied()
    }

    /// The division of a 6-digit postal code, by its first 4 digits then its first 3.
    pub fn by_postal_code(&self, code: &str) -> Option<usize> {
        let prefix4: String = code.chars().take(4).collect();
        let prefix3: String = code.chars().take(3).collect();
        self.postal_prefixes
            .get(&prefix4)
            .or_else(|| self.postal_prefixes.get(&prefix3))
            .copied()
    }

    /// True when the province at `idx` is a municipality (北京, 天津, 上海, 重庆).
    pub fn is_municipality(&self, idx: usize) -> bool {
        let d = &self.divisions[idx];
        MUNICIPALITIES.iter().any(|m| d.code.starts_with(m)) && d.tier == Tier::Province
    }

    /// True when division `d` lies within division `within` (or is it).
    pub fn contains(&self, within: usize, d: usize) -> bool {
        let div = &self.divisions[d];
        within == d || div.province == within || div.city == Some(within)
    }
}

/// The year of the last GB/T 2260 revision of the history table: a division it does not list
/// under today's name and code got them later.
const HISTORY_END: u16 = 2016;

/// The tier a 6-digit code denotes (xx0000 province, xxxx00 city, else county).
fn tier_of_code(code: &str) -> Tier {
    if code.ends_with("0000") {
        Tier::Province
    } else if code.ends_with("00") {
        Tier::City
    } else {
        Tier::County
    }
}

/// A division name without its tier word (文登市 → 文登, 那曲地区 → 那曲, 赣县 → 赣).
fn stem(name: &str) -> &str {
    ["地区", "县", "市", "区", "旗", "盟"]
        .iter()
        .find_map(|w| name.strip_suffix(w))
        .unwrap_or(name)
}

/// The short form of a province name: 山东省 → 山东, 广西壮族自治区 → 广西, 北京市 → 北京.
fn province_short_name(name: &str) -> Option<String> {
    let cut = [
        "壮族自治区",
        "回族自治区",
        "维吾尔自治区",
        "自治区",
        "省",
        "市",
    ]
    .iter()
    .find_map(|suffix| name.strip_suffix(suffix))?;
    (cut.chars().count() >= 2).then(|| cut.to_string())
}

/// Which characters can begin a name, as two bit tables small enough to stay in cache: one
/// for the first two characters of every name of two or more, one for the names of one
/// character. A set bit may be a collision; a clear one never misses a name, so a search
/// anchored only where a bit is set finds what an unanchored one finds.
#[derive(Debug, Default)]
struct NameStarts {
    pairs: Bits,
    singles: Bits,
}

impl NameStarts {
    fn new<'a>(names: impl Iterator<Item = &'a str>) -> NameStarts {
        let mut starts = NameStarts::default();
        for name in names {
            let mut chars = name.chars();
            match (chars.next(), chars.next()) {
                (Some(a), Some(b)) => starts.pairs.set(Self::pair(a as u32, b as u32)),
                (Some(a), None) => starts.singles.set(Self::single(a as u32)),
                _ => {}
            }
        }
        starts
    }

    /// True when a name may begin with the character `c` (followed by `next`; both code
    /// points).
    #[inline]
    fn may_start(&self, c: u32, next: Option<u32>) -> bool {
        next.is_some_and(|n| self.pairs.get(Self::pair(c, n))) || self.singles.get(Self::single(c))
    }

    #[inline]
    fn single(a: u32) -> u16 {
        (a.wrapping_mul(0x9E37_79B1) >> 16) as u16
    }

    #[inline]
    fn pair(a: u32, b: u32) -> u16 {
        ((a.wrapping_mul(0x9E37_79B1) ^ b).wrapping_mul(0x85EB_CA6B) >> 16) as u16
    }
}

/// A matcher that matches nothing, for the impossible case that building one fails.
fn unreachable_matcher() -> AhoCorasick {
    AhoCorasick::new(Vec::<&str>::new())
        .unwrap_or_else(|_| unreachable!("an empty automaton always builds"))
}

#[cfg(test)]
mod tests {
    use super::super::NameBook;
    use super::*;

    #[test]
    fn codes_pad_and_look_up() {
        let book = NameBook::embedded();
        let g = &book.gazetteer;
        assert_eq!(pad_code("37"), "370000");
        assert_eq!(pad_code("3710"), "371000");
        let weihai = g.by_code("3710").expect("威海");
        assert_eq!(g.divisions[weihai].name, "威海市");
        let dongguan = g.by_code("441900").expect("东莞");
        assert_eq!(g.divisions[dongguan].tier, Tier::City);
        assert_eq!(g.by_area_code("0631"), Some(weihai));
        assert_eq!(g.by_postal_code("264200"), Some(weihai));
    }

    #[test]
    fn mentions_are_leftmost_longest_and_shared_names_keep_all_targets() {
        let book = NameBook::embedded();
        let g = &book.gazetteer;
        let m = g.mentions("威海市环翠区科技局");
        assert_eq!(m.len(), 2);
        let m = g.mentions("鼓楼区人民政府");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].targets.len(), 4);
        assert!(g.mentions("主城区建设").is_empty());
        assert_eq!(g.mentions("阳泉市城区人民政府").len(), 2);
        let m = g.mentions("文登市科学技术局");
        assert!(matches!(m[0].targets[0], Target::Renamed(_, 2014)));
    }

    /// The GB/T 2260 history (build.rs, from the `gb2260` crate) dates today's names and
    /// yields former names: under the same code, or under a code gone today by the stem.
    #[test]
    fn history_dates_names_and_finds_former_ones() {
        let book = NameBook::embedded();
        let g = &book.gazetteer;
        let since = |code: &str| g.divisions[g.by_code(code).unwrap()].since;
        assert_eq!(since("371002"), 0, "环翠区 is in the 2002 revision");
        assert_eq!(since("371003"), 2014, "文登区 first listed in 2014");
        assert_eq!(since("440309"), 2016, "深圳市龙华区 is newer than 2016-07");
        // 神木县 (610821) became 神木市 (610881) after 2016-07: found by its stem in 陕西省,
        // with no year (the renames table does not list it).
        let shenmu = g.by_code("610881").unwrap();
        let m = g.mentions("神木县");
        assert_eq!(m[0].targets, [Target::Renamed(shenmu, 0)]);
        // 即墨市 → 即墨区 is in the renames table, whose year wins.
        let jimo = g.by_code("370215").unwrap();
        assert_eq!(
            g.mentions("即墨市")[0].targets,
            [Target::Renamed(jimo, 2017)]
        );
        // A stem shared with no division of the province gives nothing (邯郸县, merged into
        // districts of 邯郸市 in 2016): only the city's name is found in it.
        assert!(
            g.mentions("邯郸县")
                .iter()
                .all(|m| m.end - m.start < "邯郸县".len())
        );
        assert_eq!(stem("赣县"), "赣");
        assert_eq!(stem("那曲地区"), "那曲");
        assert_eq!(tier_of_code("540600"), Tier::City);
    }

    /// A county name with one confusable character is read as the one division it can be,
    /// when the report's own places agree; a real name, an ambiguous or a contradicted one
    /// is left alone.
    #[test]
    fn a_confusable_character_is_corrected_only_when_it_is_safe() {
        let book = NameBook::embedded();
        let g = &book.gazetteer;
        let shuyang = g.by_code("321322").unwrap();
        assert_eq!(g.divisions[shuyang].name, "沭阳县");
        assert_eq!(
            g.confusable_fix("沐阳县人民政府", |_| true).as_deref(),
            Some("沭阳县人民政府")
        );
        assert_eq!(g.confusable_fix("沐阳县人民政府", |d| d != shuyang), None);
        assert_eq!(g.confusable_fix("沭阳县人民政府", |_| true), None);
        assert_eq!(g.confusable_fix("某某县人民政府", |_| true), None);
        assert_eq!(
            g.confusable_fix("毫州市谯城区教育局", |_| true),
            None,
            "亳州市 is a city: only county-level names are corrected"
        );
    }

    /// The stepwise anchored search finds exactly what the unanchored leftmost-longest
    /// automaton finds: on the bundled reports, and on texts made of names, pieces of names
    /// (prefixes and suffixes that overlap other names) and their characters, run together.
    #[test]
    fn stepwise_search_finds_what_the_unanchored_automaton_finds() {
        let book = NameBook::embedded();
        let g = &book.gazetteer;
        let names: Vec<&str> = g.patterns.iter().map(|p| p.0.as_str()).collect();
        let reference = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&names)
            .unwrap();
        let mut texts: Vec<String> = Vec::new();
        let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
        for entry in std::fs::read_dir(sample).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            texts.extend(String::from_utf8_lossy(&bytes).lines().map(str::to_string));
        }
        let chars: Vec<char> = names.iter().flat_map(|n| n.chars()).collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..1 + next(6) {
                let name: Vec<char> = names[next(names.len())].chars().collect();
                let cut = next(name.len() + 1);
                match next(5) {
                    0 => text.extend(&name[..cut]),
                    1 => text.extend(&name[cut..]),
                    2 => text.push(chars[next(chars.len())]),
                    3 => text.push_str(["，", "2021", " ", "市", "区人民政府"][next(5)]),
                    _ => text.extend(&name),
                }
            }
            texts.push(text);
        }
        let mut found = 0;
        for text in &texts {
            let ours: Vec<_> = g
                .names(text)
                .map(|m| (m.start(), m.end(), m.pattern()))
                .collect();
            let theirs: Vec<_> = reference
                .find_iter(text.as_str())
                .map(|m| (m.start(), m.end(), m.pattern()))
                .collect();
            assert_eq!(ours, theirs, "in {text:?}");
            found += ours.len();
        }
        assert!(found > 20_000, "the texts name places: {found}");
    }
}
