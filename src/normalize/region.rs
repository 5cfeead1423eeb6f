//! Resolving the region of an agency: which province, prefecture-level city and county-level
//! division the names in the agency string denote, using the rest of the report (cities named
//! elsewhere, telephone area codes, postal codes) to decide between divisions that share a name.
//!
//! The rule is "never guess": a shared name (鼓楼区, 朝阳区, 郊区) that the evidence does not
//! single out leaves the county (and whatever the candidates do not share) empty.

use regex::Regex;

use super::LineWords;
use super::gazetteer::{Gazetteer, Mention, Target, Tier};
use super::words::{NameWords, alternatives};

/// Evidence about the report's region gathered outside the agency name.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Cities (or municipalities) named by telephone area codes and postal codes.
    pub coded: Vec<usize>,
    /// Divisions mentioned unambiguously in the scanned lines, with their counts.
    pub named: Vec<(usize, usize)>,
}

/// Precompiled patterns for telephone and postal codes.
#[derive(Debug)]
pub struct CodePatterns {
    phone: Regex,
    postal: Regex,
}

impl CodePatterns {
    /// Compiles the patterns from the words of `data/rules/agency.csv`.
    pub fn new(words: &NameWords) -> CodePatterns {
        let compile =
            |p: &str| Regex::new(p).unwrap_or_else(|e| panic!("built-in pattern {p}: {e}"));
        CodePatterns {
            phone: compile(&format!(
                r"(?:{})[^0-9]{{0,8}}\(?(0[1-9]\d{{1,2}})[-)）]?\d{{7,8}}",
                alternatives(&words.phone)
            )),
            postal: compile(&format!(
                r"(?:{})[^0-9]{{0,3}}(\d{{6}})",
                alternatives(&words.postal)
            )),
        }
    }
}

impl Default for CodePatterns {
    /// The patterns of the embedded words.
    fn default() -> Self {
        CodePatterns::new(&NameWords::embedded())
    }
}

impl Context {
    /// Gathers evidence from squashed lines (borrowed: the caller keeps them numbered), each
    /// with the words it holds: a line holding none of the words a telephone number or a
    /// postal code follows ([`LineWords::PHONE`], [`LineWords::POSTAL`]: the patterns' own
    /// alternatives) is not searched for numbers.
    pub fn gather<'a>(
        g: &Gazetteer,
        p: &CodePatterns,
        lines: impl IntoIterator<Item = (&'a str, LineWords)>,
    ) -> Context {
        let mut ctx = Context::default();
        for (line, words) in lines {
            if words.has(LineWords::PHONE) {
                ctx.phone_codes(g, p, line);
            }
            if words.has(LineWords::POSTAL) {
                ctx.postal_codes(g, p, line);
            }
            for m in g.mentions(line) {
                if let [t] = m.targets.as_slice()
                    && let Some(d) = g.target_division(*t)
                {
                    match ctx.named.iter_mut().find(|(n, _)| *n == d) {
                        Some((_, count)) => *count += 1,
                        None => ctx.named.push((d, 1)),
                    }
                }
            }
        }
        ctx
    }

    /// Cities named by telephone area codes in a line.
    fn phone_codes(&mut self, g: &Gazetteer, p: &CodePatterns, line: &str) {
        for c in p.phone.captures_iter(line) {
            let code = &c[1];
            let code = if code.starts_with("01") || code.starts_with("02") {
                code.get(..3).unwrap_or(code)
            } else {
                code
            };
            if let Some(d) = g.by_area_code(code) {
                self.coded.push(d);
            }
        }
    }

    /// Cities named by postal codes in a line.
    fn postal_codes(&mut self, g: &Gazetteer, p: &CodePatterns, line: &str) {
        for c in p.postal.captures_iter(line) {
            if let Some(d) = g.by_postal_code(&c[1]) {
                self.coded.push(d);
            }
        }
    }

    /// True when division `d` lies within every city and province the report names or codes
    /// (trivially when it names none): a guess must not contradict the report.
    pub fn admits(&self, g: &Gazetteer, d: usize) -> bool {
        self.coded
            .iter()
            .chain(self.named.iter().map(|(e, _)| e))
            .filter(|&&e| g.divisions[e].tier != Tier::County)
            .all(|&e| g.contains(e, d))
    }

    /// True when the evidence names the city or province of division `d`, or (from names only)
    /// another county of its city.
    fn supports(&self, g: &Gazetteer, d: usize, coded_only: bool) -> bool {
        let div = &g.divisions[d];
        let hits = |e: usize| {
            let ed = &g.divisions[e];
            Some(e) == div.city
                || (e == div.province && (g.is_municipality(e) || !coded_only))
                || (ed.city.is_some()
                    && ed.city == div.city
                    && ed.tier == Tier::County
                    && !coded_only)
        };
        self.coded.iter().any(|&e| hits(e))
            || (!coded_only && self.named.iter().any(|&(e, _)| hits(e)))
    }
}

/// The region the agency string names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolved {
    /// The most specific division singled out (index into the gazetteer).
    pub division: Option<usize>,
    /// True when a county-level name was present but shared by divisions the evidence could not
    /// tell apart.
    pub ambiguous_county: bool,
    /// Former names met, with today's division and the year of the change.
    pub renamed: Vec<(String, usize, u16)>,
    /// The special zone named, if any.
    pub zone: Option<usize>,
}

/// Resolves the mentions found in an agency string (`name`) against the context, in the
/// names of the report's `year` when it is known: a division whose name came into being after
/// the year following the report's (reports are written the year after) is not what a shared
/// name denotes while another division had it then.
pub fn resolve(
    g: &Gazetteer,
    name: &str,
    mentions: &[Mention],
    ctx: &Context,
    year: Option<i16>,
) -> Resolved {
    let mut out = Resolved::default();
    let mut chosen: Vec<usize> = Vec::new();
    for m in mentions {
        let mut candidates: Vec<usize> = m
            .targets
            .iter()
            .filter_map(|t| g.target_division(*t))
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        if let Some(year) = year {
            let of_their_year = |t: &Target| match *t {
                Target::Division(d) => i32::from(g.divisions[d].since) <= i32::from(year) + 1,
                _ => true,
            };
            let named_then: Vec<usize> = m
                .targets
                .iter()
                .filter(|t| of_their_year(t))
                .filter_map(|t| g.target_division(*t))
                .collect();
            if !named_then.is_empty() && named_then.len() < candidates.len() {
                candidates.retain(|c| named_then.contains(c));
            }
        }
        let pick = single_out(g, &candidates, &chosen, ctx);
        match pick {
            Some(d) => {
                for t in &m.targets {
                    match *t {
                        Target::Renamed(i, year) if i == d => out.renamed.push((
                            name.get(m.start..m.end).unwrap_or("").to_string(),
                            i,
                            year,
                        )),
                        Target::Zone(z) if g.target_division(*t) == Some(d) => out.zone = Some(z),
                        _ => {}
                    }
                }
                chosen.push(d);
            }
            None => {
                out.ambiguous_county = candidates
                    .iter()
                    .all(|&c| g.divisions[c].tier == Tier::County);
                if let Some(common) = common_ancestor(g, &candidates) {
                    chosen.push(common);
                }
            }
        }
    }
    out.division = deepest(g, &chosen);
    if let Some(d) = out.division
        && g.divisions[d].tier == Tier::County
    {
        out.ambiguous_county = false;
    }
    out
}

/// Picks one division among those a name may denote: consistent with divisions already chosen,
/// then supported by telephone/postal codes, then by names elsewhere in the report.
fn single_out(
    g: &Gazetteer,
    candidates: &[usize],
    chosen: &[usize],
    ctx: &Context,
) -> Option<usize> {
    if let [only] = candidates {
        return Some(*only);
    }
    let narrowed: Vec<usize> = if chosen.is_empty() {
        candidates.to_vec()
    } else {
        candidates
            .iter()
            .copied()
            .filter(|&c| chosen.iter().all(|&p| g.contains(p, c) || g.contains(c, p)))
            .collect()
    };
    if let [only] = narrowed.as_slice() {
        return Some(*only);
    }
    for coded_only in [true, false] {
        let supported: Vec<usize> = narrowed
            .iter()
            .copied()
            .filter(|&c| ctx.supports(g, c, coded_only))
            .collect();
        if let [only] = supported.as_slice() {
            return Some(*only);
        }
    }
    None
}

/// The division all candidates lie in (the province when they share one), if any.
fn common_ancestor(g: &Gazetteer, candidates: &[usize]) -> Option<usize> {
    let first = g.divisions.get(*candidates.first()?)?;
    if let Some(city) = first.city
        && candidates
            .iter()
            .all(|&c| g.divisions[c].city == Some(city))
    {
        return Some(city);
    }
    candidates
        .iter()
        .all(|&c| g.divisions[c].province == first.province)
        .then_some(first.province)
}

/// The most specific division of a chain (county over city over province).
fn deepest(g: &Gazetteer, chosen: &[usize]) -> Option<usize> {
    let rank = |d: usize| match g.divisions[d].tier {
        Tier::Province => 0,
        Tier::City => 1,
        Tier::County => 2,
    };
    chosen.iter().copied().max_by_key(|&d| rank(d))
}

/// When the agency names no region at all (我局, 区科技局, 机关事务管理局), the division the
/// report itself names most: counties first when the tier says county, cities when it says city.
pub fn from_context(g: &Gazetteer, ctx: &Context, tier_hint: Option<char>) -> Option<usize> {
    let wanted = |d: usize| match tier_hint {
        Some('区' | '县') => g.divisions[d].tier == Tier::County,
        Some('市') => g.divisions[d].tier != Tier::Province,
        Some('省') => g.divisions[d].tier == Tier::Province,
        _ => true,
    };
    let best = ctx
        .named
        .iter()
        .filter(|(d, _)| wanted(*d))
        .max_by_key(|(d, n)| {
            (
                *n,
                g.divisions[*d].tier == Tier::County,
                std::cmp::Reverse(*d),
            )
        })
        .map(|(d, _)| *d);
    best.or_else(|| {
        // Only codes: a county tier cannot be named from a city's area code.
        ctx.coded
            .first()
            .copied()
            .filter(|_| !matches!(tier_hint, Some('区' | '县')))
    })
}

#[cfg(test)]
mod tests {
    use super::super::NameBook;
    use super::*;

    /// Lines with the words they hold, as identification hands them over.
    fn with_words<'a, const N: usize>(
        book: &NameBook,
        lines: [&'a str; N],
    ) -> [(&'a str, LineWords); N] {
        lines.map(|l| (l, book.line_words.of(l)))
    }

    fn name_of(g: &Gazetteer, d: Option<usize>) -> Option<&str> {
        d.map(|d| g.divisions[d].name.as_str())
    }

    #[test]
    fn code_patterns_start_with_their_guard_words() {
        let p = CodePatterns::default();
        assert_eq!(
            p.phone.as_str(),
            r"(?:电话|传真|热线|Tel|TEL|tel|联系方式)[^0-9]{0,8}\(?(0[1-9]\d{1,2})[-)）]?\d{7,8}"
        );
        assert_eq!(p.postal.as_str(), r"(?:邮编|邮政编码)[^0-9]{0,3}(\d{6})");
    }

    #[test]
    fn shared_district_resolved_by_area_code_or_left_alone() {
        let book = NameBook::embedded();
        let g = &book.gazetteer;
        let p = CodePatterns::default();
        let name = "鼓楼区人民政府";
        let m = g.mentions(name);
        let ctx = Context::gather(g, &p, with_words(&book, ["电话:0591-87654321"]));
        let r = resolve(g, name, &m, &ctx, None);
        assert_eq!(
            r.division.map(|d| g.divisions[d].code.as_str()),
            Some("350102")
        );
        let r = resolve(g, name, &m, &Context::default(), None);
        assert_eq!(r.division, None);
        assert!(r.ambiguous_county);
    }

    /// 龙华区 is 海口's since 2002 and 深圳's since late 2016: a 2014 report means 海口's, a
    /// 2019 one either (left open without other evidence).
    #[test]
    fn a_shared_name_is_read_in_the_names_of_its_year() {
        let book = NameBook::embedded();
        let g = &book.gazetteer;
        let name = "龙华区人民政府";
        let m = g.mentions(name);
        let ctx = Context::default();
        let r = resolve(g, name, &m, &ctx, Some(2014));
        assert_eq!(
            r.division.map(|d| g.divisions[d].code.as_str()),
            Some("460106")
        );
        let r = resolve(g, name, &m, &ctx, Some(2019));
        assert_eq!(r.division, None);
        assert!(r.ambiguous_county);
    }

    #[test]
    fn shared_district_resolved_by_city_named_elsewhere() {
        let book = NameBook::embedded();
        let g = &book.gazetteer;
        let p = CodePatterns::default();
        let name = "朝阳区教育局";
        let ctx = Context::gather(g, &p, with_words(&book, ["长春市朝阳区教育局办公室"]));
        let r = resolve(g, name, &g.mentions(name), &ctx, None);
        assert_eq!(name_of(g, r.division), Some("朝阳区"));
        assert_eq!(
            r.division.map(|d| g.divisions[d].code.as_str()),
            Some("220104")
        );
    }
}
