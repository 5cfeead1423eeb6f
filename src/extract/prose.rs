//! Figures stated in sentences (共主动公开政府信息210条, 未收到…行政复议申请), in every era.
//!
//! The prose is the document's text outside its tables, width-folded and with spaces removed,
//! wrapped lines joined. Rules from `data/rules/prose.csv` are tried in order on each clause;
//! a number taken by one rule is not taken again, which lets channel rules (政府网站公开…条)
//! stand before the total they would otherwise be mistaken for. Only numbers anchored by an
//! indicator's keyword and unit are read: dates, phone numbers, document numbers (〔2017〕30号)
//! and unrelated counts (审批事项117件) match no rule, and approximate figures (400余条,
//! 约300条) are not taken for the stated ones.

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex::Regex;
use regex_syntax::hir::{Class, Hir, HirKind};
use serde::Deserialize;

use super::value::{parse_number, to_wan_yuan};
use crate::budget::{Deadline, Every};
use crate::document::Document;
use crate::document::layout::starts_with_numbering;
use crate::document::text::display_width_at_least;
use crate::document::words::{FirstCharIndex, WordMatch};
use crate::knowledge::{Knowledge, parse_csv};
use crate::model::{Fact, Method, Template};

/// The number placeholder of the rule patterns (`{N}`).
const NUMBER: &str = r"(?P<n>[0-9][0-9,]*(?:\.[0-9]+)?|[零〇○一二两三四五六七八九十百千万]+)";

/// The placeholder `{T}`: what may stand between a channel named as a list item's heading and
/// the verb of its figure (`政务微博。2016年发布信息300条`, `微信公众号，截至12月末发布…`): a
/// sentence mark and a time phrase, nothing else.
const TIME_GAP: &str = r"(?:[。：:，,\n]{1,2}(?:截至[0-9]{1,2}月(?:末|底)?|[0-9]{4}年度?(?:[0-9]{1,2}月)?|全年|本年度?|今年)?)?";

/// Characters right before a figure that make it approximate (约300条, 近百条, 逾千条).
const APPROXIMATE_BEFORE: &[char] = &['约', '近', '逾', '超'];

/// Characters right after a figure that make it approximate (400余条, 300多条).
const APPROXIMATE_AFTER: &[char] = &['余', '多'];

/// Longest (in characters) a numbered list heading may be to lend its words to the sentence
/// after it (`3、“河北工信”政务微博。2016年发布信息300条`).
const MAX_HEADING_CHARS: usize = 20;

#[derive(Debug, Clone, Deserialize)]
struct RuleRow {
    indicator: String,
    kind: String,
    pattern: String,
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub struct ProseRule {
    /// Indicator id.
    pub indicator: String,
    /// True for "none occurred" rules (value 0).
    pub zero: bool,
    /// True when the number the rule reads stays free for later rules (a channel stated with
    /// its total: 收到2份以信函形式提出的申请 is both the letters and the total).
    pub shared: bool,
    /// The earlier rule with the same pattern, if any: this one is its fallback, read only
    /// when that one gave nothing (the same sentence is another indicator in another era).
    fallback_of: Option<usize>,
    /// The forms (`2021`…) of the reports the rule is read in; empty for all. Written after
    /// the kind in the data file: `value@2021`.
    forms: Vec<String>,
    regex: Regex,
    /// Parts of every match that are much cheaper to look for: see [`gates_of`].
    gates: Vec<Regex>,
}

impl ProseRule {
    /// True when the rule is read in a report whose tables follow `template` (`None`: no
    /// table recognised).
    fn applies(&self, template: Option<Template>) -> bool {
        self.forms.is_empty()
            || template.is_some_and(|t| self.forms.iter().any(|f| f == t.as_str()))
    }

    /// False when one of the rule's gates shows at once that it cannot match `clause`.
    fn may_match(&self, clause: &str) -> bool {
        self.gates.iter().all(|g| g.is_match(clause))
    }
}

/// Splits a kind of the data file (`value@2021 2019`) into the kind and its forms.
fn kind_and_forms(kind: &str) -> (&str, Vec<String>) {
    match kind.split_once('@') {
        Some((kind, forms)) => (kind, forms.split_whitespace().map(str::to_string).collect()),
        None => (kind, Vec::new()),
    }
}

/// What keeps an indicator's figure from being read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum VetoScope {
    /// The clause says its figures are not about disclosure (共受理行政复议1起…没有因政府
    /// 信息公开而被提起的行政复议): nothing of the indicator is read in it.
    Clause,
    /// The text right before a match names another channel with it (微信公众号、政务微博发布
    /// 信息1378条 is the two channels' figure, not the microblog's): that match is not read.
    Before,
}

/// A veto of `data/rules/prose.csv` (kinds `veto` and `not_after`).
#[derive(Debug, Clone)]
struct Veto {
    indicator: String,
    scope: VetoScope,
    regex: Regex,
}

/// All sentence rules, compiled once.
#[derive(Debug, Clone, Default)]
pub struct ProseRules {
    rules: Vec<ProseRule>,
    /// Which clauses a rule can match at all: see [`Anchors`].
    anchors: Anchors,
    /// Words of plans and estimates: a figure after one of them in its clause is not a fact.
    hedge: Option<Regex>,
    vetoes: Vec<Veto>,
}

/// Words every match of a rule contains (its anchors, worked out from the pattern by
/// [`required_sets`]): one word of each of the rule's sets (网站 and 条 for the website rule;
/// one of 信息公开 / 公开政府信息 / 依申请公开, and 行政复议, for a review rule), all sets'
/// words in one automaton. One pass of it over the prose tells, for every rule, the clauses
/// holding a word of each of its sets, a superset of those it matches; the rule's own regex
/// runs on those clauses only. Requiring every set rather than one word keeps the regexes off
/// clauses that hold only the commonest word of a rule (申请, 政府信息): most clauses of a
/// report hold one such word, few hold all of a rule's. Rules without an anchor run on every
/// clause.
#[derive(Debug, Clone, Default)]
struct Anchors {
    /// Every rule's anchors; `None` when there are none (or no rule has any).
    words: Option<AnchorWords>,
    /// For each anchor (by pattern id), the rules it stands for, each with the bit of the
    /// rule's set (or sets) it belongs to.
    sets_of: Vec<Vec<(usize, u64)>>,
    /// For each rule, one bit per set of anchors (0 for a rule without anchors).
    full: Vec<u64>,
    /// Rules without an anchor.
    unanchored: Vec<usize>,
}

/// Most sets of anchors kept for a rule (one bit of a `u64` each); leaving sets out only
/// lets more clauses through.
const MAX_SETS: usize = 64;

impl Anchors {
    fn new(patterns: &[&str]) -> Anchors {
        let mut words: Vec<Vec<u8>> = Vec::new();
        let mut sets_of: Vec<Vec<(usize, u64)>> = Vec::new();
        let mut full = vec![0u64; patterns.len()];
        let mut unanchored = Vec::new();
        for (rule, pattern) in patterns.iter().enumerate() {
            let mut sets = regex_syntax::parse(pattern)
                .map(|hir| required_sets(&hir))
                .unwrap_or_default();
            sets.dedup();
            sets.truncate(MAX_SETS);
            if sets.is_empty() {
                unanchored.push(rule);
                continue;
            }
            for (k, set) in sets.into_iter().enumerate() {
                let bit = 1u64 << k;
                full[rule] |= bit;
                for word in set {
                    let id = match words.iter().position(|w| *w == word) {
                        Some(id) => id,
                        None => {
                            words.push(word);
                            sets_of.push(Vec::new());
                            words.len() - 1
                        }
                    };
                    match sets_of[id].iter_mut().find(|(r, _)| *r == rule) {
                        Some((_, bits)) => *bits |= bit,
                        None => sets_of[id].push((rule, bit)),
                    }
                }
            }
        }
        let words = if words.is_empty() {
            None
        } else {
            AnchorWords::new(&words)
        };
        if words.is_none() {
            unanchored = (0..patterns.len()).collect();
            sets_of.clear();
            full = vec![0; patterns.len()];
        }
        Anchors {
            words,
            sets_of,
            full,
            unanchored,
        }
    }

    /// For each of `rules` rules, the indices of the clauses (ascending) holding a word of
    /// each of its sets of anchors. `clauses` are (start offset in `text`, clause) in text
    /// order.
    fn clauses_by_rule(
        &self,
        rules: usize,
        text: &str,
        clauses: &[(usize, &str)],
    ) -> Vec<Vec<usize>> {
        let mut by_rule: Vec<Vec<usize>> = vec![Vec::new(); rules];
        for &rule in &self.unanchored {
            by_rule[rule] = (0..clauses.len()).collect();
        }
        let Some(words) = &self.words else {
            return by_rule;
        };
        // The sets seen so far in the current clause, by rule, and the rules with any.
        let mut seen = vec![0u64; rules];
        let mut touched: Vec<usize> = Vec::new();
        let mut current: Option<usize> = None;
        let mut close = |clause: usize, seen: &mut [u64], touched: &mut Vec<usize>| {
            for rule in touched.drain(..) {
                if seen[rule] == self.full[rule] {
                    by_rule[rule].push(clause);
                }
                seen[rule] = 0;
            }
        };
        // Matches come by their start, so the clauses they lie in come in text order: a
        // clause is complete when a match of a later one comes, and the clause a match starts
        // in is found by moving forward from the last one.
        let mut next = 0;
        let mut last_clause_of: Vec<Option<usize>> = vec![None; self.sets_of.len()];
        for m in words.find_all(text) {
            while clauses
                .get(next)
                .is_some_and(|&(start, clause)| start + clause.len() <= m.start)
            {
                next += 1;
            }
            // The anchor counts when it lies in that clause (clauses exclude their ends).
            let Some(&(start, clause)) = clauses.get(next) else {
                break;
            };
            if start > m.start || m.end > start + clause.len() {
                continue;
            }
            let i = next;
            // A word seen before in this clause adds nothing: the commonest anchors (条, 年)
            // come several times in a clause, each standing for dozens of rules.
            if last_clause_of[m.word] == Some(i) {
                continue;
            }
            last_clause_of[m.word] = Some(i);
            if current != Some(i) {
                if let Some(done) = current {
                    close(done, &mut seen, &mut touched);
                }
                current = Some(i);
            }
            for &(rule, bits) in &self.sets_of[m.word] {
                if seen[rule] == 0 {
                    touched.push(rule);
                }
                seen[rule] |= bits;
            }
        }
        if let Some(done) = current {
            close(done, &mut seen, &mut touched);
        }
        for list in &mut by_rule {
            // In text order already; sorting costs nothing and states the contract.
            list.sort_unstable();
            list.dedup();
        }
        by_rule
    }
}

/// Every occurrence of a set of words in a text, overlapping ones included: by their first
/// character ([`FirstCharIndex`], by start), or, for words cut inside a character, with an
/// automaton (by end).
#[derive(Debug, Clone)]
enum AnchorWords {
    /// Words that all begin with a whole character (the anchors of every rule so far).
    ByFirstChar(FirstCharIndex),
    /// Any other words (a literal cut inside a character).
    Automaton(AhoCorasick),
}

impl AnchorWords {
    fn new(words: &[Vec<u8>]) -> Option<AnchorWords> {
        if let Some(index) = FirstCharIndex::new(words) {
            return Some(AnchorWords::ByFirstChar(index));
        }
        let ac = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .build(words)
            .ok()?;
        Some(AnchorWords::Automaton(ac))
    }

    /// Every occurrence in `text`, by start (and, at one start, by word number); with the
    /// automaton, by end.
    fn find_all(&self, text: &str) -> Vec<WordMatch> {
        match self {
            AnchorWords::ByFirstChar(index) => index.find_all(text),
            AnchorWords::Automaton(ac) => ac
                .find_overlapping_iter(text)
                .map(|m| WordMatch {
                    start: m.start(),
                    end: m.end(),
                    word: m.pattern().as_usize(),
                })
                .collect(),
        }
    }
}

/// Sets of literals such that every match of `hir` contains one literal of each set: the
/// parts of a concatenation each give theirs (`网站` and `条` for `网站…{N}条`), an
/// alternation or a short class gives one set ([`required_literals`]), an optional part
/// none.
pub(crate) fn required_sets(hir: &Hir) -> Vec<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Capture(cap) => required_sets(&cap.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => required_sets(&rep.sub),
        HirKind::Concat(parts) => parts.iter().flat_map(required_sets).collect(),
        _ => required_literals(hir)
            .filter(|lits| lits.iter().all(|l| !l.is_empty()))
            .into_iter()
            .collect(),
    }
}

/// Widest span of a repetition (most minus fewest times) a rule's regex runs through cheaply.
const WIDE_REPETITION: u32 = 8;

/// Cheaper regexes every clause a rule matches also matches: the parts of the pattern
/// between and after its wide repetitions (`行政诉讼(?:案件)?…{N}(?:件|起)` of
/// `(?:信息公开|…)[^。；\n]{0,30}?行政诉讼…`). A wide repetition of a large class makes the
/// rule's automaton large and slow: run on every clause holding its words (the forms'
/// headings hold 信息公开 and 行政诉讼 in many reports), such a rule cost more than all the
/// others together. Each part stands in every match, so a clause one of them does not
/// match cannot match the rule; the parts are small and mostly start with a literal. Empty
/// when the pattern has no wide repetition before its end.
fn gates_of(pattern: &str) -> Vec<Regex> {
    let Ok(hir) = regex_syntax::parse(pattern) else {
        return Vec::new();
    };
    let HirKind::Concat(parts) = hir.kind() else {
        return Vec::new();
    };
    let wide = |h: &Hir| {
        matches!(h.kind(), HirKind::Repetition(r)
            if r.max.is_none_or(|max| max - r.min > WIDE_REPETITION))
    };
    let Some(first) = parts.iter().position(wide) else {
        return Vec::new();
    };
    parts[first + 1..]
        .split(|p| wide(p))
        .filter(|run| !run.is_empty())
        .filter_map(|run| Regex::new(&Hir::concat(run.to_vec()).to_string()).ok())
        .collect()
}

/// Longest a character class may be to count as a set of anchors (one per character).
const MAX_CLASS_ANCHORS: usize = 4;

/// Literals one of which every match of `hir` contains, or `None` when the pattern has no
/// such set (an optional part, a wide class). Of a concatenation the part with the longest
/// shortest literal is taken (网站 over 条), of an alternation the union of its branches.
pub(crate) fn required_literals(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Literal(lit) => Some(vec![lit.0.to_vec()]),
        HirKind::Class(Class::Unicode(class)) => {
            let mut out = Vec::new();
            for range in class.ranges() {
                for c in range.start()..=range.end() {
                    if out.len() == MAX_CLASS_ANCHORS {
                        return None;
                    }
                    out.push(c.to_string().into_bytes());
                }
            }
            (!out.is_empty()).then_some(out)
        }
        HirKind::Capture(cap) => required_literals(&cap.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => required_literals(&rep.sub),
        HirKind::Alternation(branches) => {
            let mut out: Vec<Vec<u8>> = Vec::new();
            for branch in branches {
                for lit in required_literals(branch)? {
                    if !out.contains(&lit) {
                        out.push(lit);
                    }
                }
            }
            Some(out)
        }
        HirKind::Concat(parts) => parts
            .iter()
            .filter_map(required_literals)
            .filter(|lits| lits.iter().all(|l| !l.is_empty()))
            .max_by_key(|lits| {
                let shortest = lits.iter().map(Vec::len).min().unwrap_or(0);
                (shortest, std::cmp::Reverse(lits.len()))
            }),
        _ => None,
    }
}

impl ProseRules {
    /// Parses and compiles `prose.csv`.
    pub fn parse(text: &str) -> ProseRules {
        let rows: Vec<RuleRow> = parse_csv("rules/prose.csv", text);
        let compile = |r: &RuleRow| {
            let pattern = r.pattern.replace("{N}", NUMBER).replace("{T}", TIME_GAP);
            Regex::new(&pattern).unwrap_or_else(|e| {
                panic!("data/rules/prose.csv: bad pattern for {}: {e}", r.indicator)
            })
        };
        let hedge = rows.iter().find(|r| r.kind == "hedge").map(compile);
        let vetoes = rows
            .iter()
            .filter_map(|r| {
                let scope = match r.kind.as_str() {
                    "veto" => VetoScope::Clause,
                    "not_after" => VetoScope::Before,
                    _ => return None,
                };
                Some(Veto {
                    indicator: r.indicator.clone(),
                    scope,
                    regex: compile(r),
                })
            })
            .collect();
        let kept: Vec<&RuleRow> = rows
            .iter()
            .filter(|r| !matches!(r.kind.as_str(), "hedge" | "veto" | "not_after"))
            .collect();
        let mut rules: Vec<ProseRule> = kept
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let (kind, forms) = kind_and_forms(&r.kind);
                assert!(
                    matches!(kind, "value" | "shared" | "zero"),
                    "data/rules/prose.csv: unknown kind {:?} for {}",
                    r.kind,
                    r.indicator
                );
                ProseRule {
                    indicator: r.indicator.clone(),
                    zero: kind == "zero",
                    shared: kind == "shared",
                    fallback_of: kept[..i]
                        .iter()
                        .position(|e| e.pattern == r.pattern && e.indicator != r.indicator),
                    forms,
                    regex: compile(r),
                    gates: Vec::new(),
                }
            })
            .collect();
        for rule in &mut rules {
            rule.gates = gates_of(rule.regex.as_str());
        }
        let patterns: Vec<&str> = rules.iter().map(|r| r.regex.as_str()).collect();
        let anchors = Anchors::new(&patterns);
        ProseRules {
            rules,
            anchors,
            hedge,
            vetoes,
        }
    }

    /// True when the clause text before a figure makes it a plan or an estimate. Only the
    /// last [`HEDGE_WINDOW`] bytes before it are looked at: a clause is a few dozen
    /// characters, and a hostile one megabytes long would otherwise be read again for each
    /// of its figures.
    fn hedged(&self, before: &str) -> bool {
        let mut from = before.len().saturating_sub(HEDGE_WINDOW);
        while !before.is_char_boundary(from) {
            from += 1;
        }
        self.hedge
            .as_ref()
            .is_some_and(|h| h.is_match(&before[from..]))
    }

    /// True when a veto of `scope` for `indicator` matches `text` (the clause, or the clause
    /// up to a match).
    fn vetoed(&self, indicator: &str, scope: VetoScope, text: &str) -> bool {
        self.vetoes
            .iter()
            .any(|v| v.scope == scope && v.indicator == indicator && v.regex.is_match(text))
    }

    /// The rules in file order.
    pub fn rules(&self) -> &[ProseRule] {
        &self.rules
    }
}

/// The document's prose as one string, with the line each byte came from.
struct ProseText {
    text: String,
    /// (byte offset in `text`, 1-based line) at the start of each line's contribution.
    starts: Vec<(usize, u32)>,
}

impl ProseText {
    fn of(doc: &Document) -> ProseText {
        let mut text = String::new();
        let mut starts = Vec::new();
        let mut prev_wrapped = false;
        let in_table = doc.table_line_mask();
        for (i, line) in doc.lines.iter().enumerate() {
            let no = i as u32 + 1;
            if in_table[i] {
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                prev_wrapped = false;
                continue;
            }
            let s = doc.squashed_line(i);
            if s.is_empty() {
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                prev_wrapped = false;
                continue;
            }
            if !prev_wrapped && !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            starts.push((text.len(), no));
            text.push_str(s);
            // PDF text wraps sentences at the page width; such lines continue on the next one.
            prev_wrapped = !s.ends_with('。') && display_width_at_least(line.trim(), 50);
        }
        ProseText { text, starts }
    }

    fn line_at(&self, offset: usize) -> u32 {
        match self.starts.binary_search_by_key(&offset, |&(o, _)| o) {
            Ok(i) => self.starts[i].1,
            Err(0) => self.starts.first().map_or(1, |s| s.1),
            Err(i) => self.starts[i - 1].1,
        }
    }

    /// Clauses: (start offset, text) split at sentence ends and paragraph breaks. A short
    /// numbered heading (`3、政务微博。`) stays joined to the clause after it, marks
    /// included, so that a figure stated under it (`2016年发布信息300条`) keeps its subject.
    fn clauses(&self) -> Vec<(usize, &str)> {
        let text = self.text.as_str();
        let mut out: Vec<(usize, &str)> = Vec::new();
        // A heading clause (start, end) waiting for the clause it introduces.
        let mut heading: Option<(usize, usize)> = None;
        let mut push = |from: usize, to: usize| {
            let first = heading.take().map_or(from, |(h, _)| h);
            if is_list_heading(&text[from..to]) {
                heading = Some((first, to));
            } else {
                out.push((first, &text[first..to]));
            }
        };
        let mut start = 0;
        for (i, c) in text.char_indices() {
            if matches!(c, '。' | '；' | ';' | '！' | '!' | '？' | '?' | '\n') {
                if i > start {
                    push(start, i);
                }
                start = i + c.len_utf8();
            }
        }
        if start < text.len() {
            push(start, text.len());
        }
        if let Some((first, end)) = heading {
            out.push((first, &text[first..end]));
        }
        out
    }
}

/// Bytes of a clause before a figure in which a hedge (计划, 预计) is looked for: 170
/// Chinese characters.
const HEDGE_WINDOW: usize = 512;

/// True when a clause is a short numbered list heading with no figure of its own
/// (`3、“河北工信”政务微博`, `（二）政府网站`).
fn is_list_heading(clause: &str) -> bool {
    // Length in bytes first: a clause of more than four bytes a character is too long
    // whatever it holds, and most clauses are.
    if clause.len() > 4 * MAX_HEADING_CHARS
        || !starts_with_numbering(clause)
        || clause.starts_with("其中")
        || clause.chars().count() > MAX_HEADING_CHARS
    {
        return false;
    }
    // Past the numbering (digits, Chinese numerals, brackets and the mark after them) no
    // digit may follow: a heading with a figure is a sentence.
    let body = clause.trim_start_matches(|c: char| {
        c.is_ascii_digit() || "一二三四五六七八九十（）()、.．①②③④⑤⑥⑦⑧⑨⑩".contains(c)
    });
    !body.is_empty() && !body.chars().any(|c| c.is_ascii_digit())
}

/// True when the figure at `n_start..n_end` of `clause` is written as an approximation.
fn approximate(clause: &str, n_start: usize, n_end: usize) -> bool {
    clause[..n_start]
        .chars()
        .next_back()
        .is_some_and(|c| APPROXIMATE_BEFORE.contains(&c))
        || clause[n_end..]
            .chars()
            .next()
            .is_some_and(|c| APPROXIMATE_AFTER.contains(&c))
}

/// Reads the figures stated in the document's sentences; `template` is the form the report's
/// tables follow, if any (rules written for one form are read only in its reports).
pub fn read(doc: &Document, k: &Knowledge, template: Option<Template>) -> Vec<Fact> {
    read_within(doc, k, template, &Deadline::none())
}

/// [`read`], stopping at `deadline` (looked at once per rule and every few clauses).
pub fn read_within(
    doc: &Document,
    k: &Knowledge,
    template: Option<Template>,
    deadline: &Deadline,
) -> Vec<Fact> {
    let mut every = Every::new(64);
    let prose = ProseText::of(doc);
    let all_clauses = prose.clauses();
    // For each rule, the clauses (in text order) holding one of its anchors: the others
    // cannot match it.
    let by_rule: Vec<Vec<(usize, &str)>> = k
        .prose
        .anchors
        .clauses_by_rule(k.prose.rules.len(), &prose.text, &all_clauses)
        .into_iter()
        .map(|list| list.into_iter().map(|i| all_clauses[i]).collect())
        .collect();
    let clauses_for = |rule: usize| -> &[(usize, &str)] { &by_rule[rule] };
    let mut facts: Vec<Fact> = Vec::new();
    let mut claimed: Vec<(usize, usize)> = Vec::new();
    for (index, rule) in k.prose.rules().iter().enumerate().filter(|(_, r)| !r.zero) {
        let clauses = clauses_for(index);
        let fallback_unneeded = rule.fallback_of.is_some_and(|first| {
            let first = &k.prose.rules[first].indicator;
            facts.iter().any(|f| &f.indicator == first)
        });
        if fallback_unneeded
            || facts.iter().any(|f| f.indicator == rule.indicator)
            || !rule.applies(template)
        {
            continue;
        }
        let Some(unit) = k.taxonomy.unit(&rule.indicator) else {
            continue;
        };
        'clauses: for (offset, clause) in clauses {
            if every.expired(deadline, "prose") {
                return facts;
            }
            if !rule.may_match(clause) || k.prose.vetoed(&rule.indicator, VetoScope::Clause, clause)
            {
                continue;
            }
            for caps in rule.regex.captures_iter(clause) {
                let (Some(whole), Some(n)) = (caps.get(0), caps.name("n")) else {
                    continue;
                };
                let span = (offset + n.start(), offset + n.end());
                if claimed.iter().any(|&(a, b)| a < span.1 && span.0 < b) {
                    continue;
                }
                let before = &clause[..whole.start()];
                if k.prose.hedged(before)
                    || k.prose.vetoed(&rule.indicator, VetoScope::Before, before)
                    || approximate(clause, n.start(), n.end())
                {
                    continue;
                }
                let Some(mut v) = parse_number(n.as_str()) else {
                    continue;
                };
                if unit == "万元" {
                    let m = whole.as_str();
                    let written = if m.ends_with("万元") {
                        None
                    } else if m.ends_with('元') {
                        Some("元")
                    } else {
                        None
                    };
                    v = to_wan_yuan(v, written);
                }
                if !rule.shared {
                    claimed.push(span);
                }
                facts.push(Fact {
                    indicator: rule.indicator.clone(),
                    value: Some(v),
                    value_raw: clause[n.start()..whole.end()].to_string(),
                    unit: unit.to_string(),
                    method: Method::Text,
                    line: prose.line_at(span.0),
                });
                break 'clauses;
            }
        }
    }
    for (index, rule) in k.prose.rules().iter().enumerate().filter(|(_, r)| r.zero) {
        if facts.iter().any(|f| f.indicator == rule.indicator) || !rule.applies(template) {
            continue;
        }
        let clauses = clauses_for(index);
        let Some(unit) = k.taxonomy.unit(&rule.indicator) else {
            continue;
        };
        let hit = clauses
            .iter()
            .filter(|(_, clause)| rule.may_match(clause))
            .find_map(|(offset, clause)| {
                rule.regex
                    .find(clause)
                    .map(|m| (offset + m.start(), m.as_str()))
            });
        if let Some((at, phrase)) = hit {
            facts.push(Fact {
                indicator: rule.indicator.clone(),
                value: Some(0.0),
                value_raw: phrase.to_string(),
                unit: unit.to_string(),
                method: Method::Text,
                line: prose.line_at(at),
            });
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first-character index finds exactly the overlapping matches an automaton finds;
    /// words cut inside a character go to the automaton.
    #[test]
    fn anchor_words_find_every_occurrence() {
        let words: Vec<Vec<u8>> = ["公开", "信息公开", "公开申请", "条", "年", "A", "𠀀字"]
            .iter()
            .map(|w| w.as_bytes().to_vec())
            .collect();
        let text = "2019年信息公开申请12条，A公开𠀀字年年。";
        let mut by_char: Vec<(usize, usize, usize)> = AnchorWords::new(&words)
            .unwrap()
            .find_all(text)
            .iter()
            .map(|m| (m.start, m.end, m.word))
            .collect();
        assert!(matches!(
            AnchorWords::new(&words),
            Some(AnchorWords::ByFirstChar(_))
        ));
        let ac = AhoCorasick::builder().build(&words).unwrap();
        let mut expected: Vec<(usize, usize, usize)> = ac
            .find_overlapping_iter(text)
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect();
        assert_eq!(by_char.len(), 10);
        assert!(by_char.windows(2).all(|w| w[0].0 <= w[1].0), "by start");
        by_char.sort_unstable();
        expected.sort_unstable();
        assert_eq!(by_char, expected);
        // The last byte of 条 alone: not a whole character.
        let cut = vec!["条".as_bytes()[1..].to_vec()];
        assert!(matches!(
            AnchorWords::new(&cut),
            Some(AnchorWords::Automaton(_))
        ));
        assert_eq!(AnchorWords::new(&cut).unwrap().find_all(text).len(), 1);
    }

    fn read_text(text: &str) -> Vec<(String, Option<f64>)> {
        let k = Knowledge::embedded();
        let doc = Document::from_text(text);
        let mut v: Vec<(String, Option<f64>)> = read(&doc, &k, None)
            .into_iter()
            .map(|f| (f.indicator, f.value))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    #[test]
    fn plans_are_not_figures() {
        assert!(read_text("下一步，我办将配备专兼职工作人员3名。").is_empty());
        assert_eq!(
            read_text("配备了2名专兼职人员。"),
            vec![("staffing.staff".to_string(), Some(2.0))]
        );
    }

    #[test]
    fn staff_counts() {
        assert_eq!(
            read_text("现有专兼职人员5名，其中专职人员2名，兼职人员3名。"),
            vec![
                ("staffing.full_time".to_string(), Some(2.0)),
                ("staffing.part_time".to_string(), Some(3.0)),
                ("staffing.staff".to_string(), Some(5.0)),
            ]
        );
    }

    #[test]
    fn channels_before_totals() {
        let got = read_text(
            "我局2021年来，共主动公开政务信息253条。政府网站主动公开124条，官方微信公开129条。",
        );
        assert_eq!(
            got,
            vec![
                ("proactive.total".to_string(), Some(253.0)),
                ("proactive.via.website".to_string(), Some(124.0)),
                ("proactive.via.wechat".to_string(), Some(129.0)),
            ]
        );
    }

    #[test]
    fn none_statements_are_zero() {
        let got = read_text(
            "2017年，本局未收到有关政府信息公开事务的行政复议申请，没有发生因政府信息公开提起行政诉讼。",
        );
        assert_eq!(
            got,
            vec![
                ("litigation.total".to_string(), Some(0.0)),
                ("review.total".to_string(), Some(0.0))
            ]
        );
    }

    /// Modelled on the markdown sample `data/sample/101_markdown_2019.md`: the headings
    /// （四）无法提供 and （五）不予处理 join the clause after them, and a statement of none
    /// must not reach from the 无 of one line to the 行政复议 of a heading two lines below.
    #[test]
    fn a_statement_of_none_stays_on_its_line() {
        let got =
            read_text("（四）无法提供\n（五）不予处理\n四、政府信息公开行政复议、行政诉讼情况");
        assert!(got.is_empty(), "{got:?}");
    }

    /// Reviews caused by requests (因…申请引起的行政复议) say nothing about requests received.
    #[test]
    fn none_caused_by_requests_is_not_none_received() {
        let got = read_text("本年度未发生因政府信息公开申请引起的行政复议和行政诉讼。");
        assert_eq!(
            got,
            vec![
                ("litigation.total".to_string(), Some(0.0)),
                ("review.total".to_string(), Some(0.0))
            ]
        );
        let got = read_text("本年度未收到政府信息公开申请。");
        assert_eq!(
            got,
            vec![("requests.received.total".to_string(), Some(0.0))]
        );
    }

    /// Modelled on the sample `data/sample/105_no_title_cell_per_line_2008.txt`: 计划生育
    /// (family planning, in the names of health agencies) is not the hedge 计划 (a plan).
    #[test]
    fn family_planning_is_not_a_plan() {
        let got = read_text(
            "2016年，我局围绕计划生育服务管理，完善公开目录，全年主动公开政府信息612条。",
        );
        assert_eq!(got, vec![("proactive.total".to_string(), Some(612.0))]);
        let got = read_text("2017年计划主动公开政府信息600条。");
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn chinese_numerals_and_spaces() {
        let got =
            read_text("全年共收到政府信息公开申请 三 件，其中，网络申请 两 件，信函申请 1 件。");
        assert_eq!(
            got,
            vec![
                ("requests.received.letter".to_string(), Some(1.0)),
                ("requests.received.online".to_string(), Some(2.0)),
                ("requests.received.total".to_string(), Some(3.0)),
            ]
        );
    }

    #[test]
    fn unrelated_numbers_are_not_taken() {
        let got = read_text(
            "根据〔2017〕30号文件，办理审批事项117件，联系电话0631-5230638，2018年3月20日。",
        );
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn fees_in_yuan_become_wan_yuan() {
        let got = read_text("全年收取政府信息公开信息处理费 3940 元。");
        assert_eq!(got, vec![("fees.collected".to_string(), Some(0.394))]);
    }

    fn read_in(text: &str, template: Option<Template>) -> Vec<(String, Option<f64>)> {
        let k = Knowledge::embedded();
        let mut v: Vec<(String, Option<f64>)> = read(&Document::from_text(text), &k, template)
            .into_iter()
            .map(|f| (f.indicator, f.value))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    fn fact(indicator: &str, value: f64) -> (String, Option<f64>) {
        (indicator.to_string(), Some(value))
    }

    // Modelled on ../shared/corpus/real/reports/gh-002.txt and gh-003.txt (channel named
    // after the verb; a channel named in a list heading above its figure).
    #[test]
    fn channels_named_after_the_verb_or_in_a_heading() {
        assert_eq!(
            read_text("开通了政务微博，全年共发布微博信息58条。"),
            vec![fact("proactive.via.weibo", 58.0)]
        );
        assert_eq!(
            read_text("2、“某某发布”政务微博。\n2015年发布信息412条，回复网民留言30余条。"),
            vec![fact("proactive.via.weibo", 412.0)]
        );
        assert_eq!(
            read_text("2015年6月开通微信公众号，截至12月底推送信息96条。"),
            vec![fact("proactive.via.wechat", 96.0)]
        );
        // Modelled on a city's 2022 report (shanghai.gov.cn): 共 before the verb.
        assert_eq!(
            read_text("全年市政府网站共发布各类信息3120条。"),
            vec![fact("proactive.via.website", 3120.0)]
        );
    }

    // Modelled on gh-014.txt: one figure for two channels belongs to neither.
    #[test]
    fn a_figure_of_two_channels_is_neither() {
        assert!(read_text("全年通过微信公众号、政务微博发布政务信息905条。").is_empty());
        assert!(read_text("全年在政府网站和政务微博发布信息905条。").is_empty());
    }

    // Modelled on gh-018.txt and gh-017.txt.
    #[test]
    fn approximate_figures_are_not_taken() {
        assert!(read_text("在局门户网站主动公开各类政府信息300余条。").is_empty());
        assert!(read_text("政务微博发布信息600多条，微信公众号推送信息约90条。").is_empty());
    }

    // Modelled on the Hebei prose reports (gh-001, gh-006, gh-017, gh-019, gh-002).
    #[test]
    fn requests_received_in_other_words() {
        for (text, n) in [
            ("2016年度本厅收到申请事项2件，办理答复2件。", 2.0),
            ("2016年，某某厅受理依申请信息公开5件，均依法答复。", 5.0),
            ("2016年度我局共受理依申请公开事项3件。", 3.0),
            ("2016年受理政府信息依申请公开41件，全部按期答复。", 41.0),
        ] {
            assert_eq!(
                read_text(text),
                vec![fact("requests.received.total", n)],
                "{text}"
            );
        }
        // Figure first, with its channel (gh-003, gh-004).
        assert_eq!(
            read_text("2016年，某某厅收到3份以信函形式提出的信息公开申请，已按时答复。"),
            vec![
                fact("requests.received.letter", 3.0),
                fact("requests.received.total", 3.0)
            ]
        );
    }

    // The traps of 004.txt and gh-019.txt: counts of other things near the disclosure figures.
    #[test]
    fn counts_of_other_things_are_not_requests() {
        let got = read_text(
            "今年我局共受理审批事项86件，办结92件。回应网民关切，受理群众网上来信、留言等问题2210件。\
             行政服务中心主动公开办理程序等信息，共受理1530件。\
             其中办理减免税共计40件，共计减免金额118520.36元。",
        );
        assert!(got.is_empty(), "{got:?}");
        assert!(read_text("本年度受理行政复议申请2件。").is_empty());
    }

    // gh-006.txt and gh-020.txt: a sentence counting all of an agency's cases, then saying
    // none concerned disclosure, gives 0 (none about disclosure), never the count.
    #[test]
    fn review_counts_not_about_disclosure_are_not_taken() {
        let got = read_text(
            "2017年，某某厅共受理行政复议2起，行政诉讼4起，没有因政府信息公开而被提起的行政复议或行政诉讼。",
        );
        assert_eq!(
            got,
            vec![fact("litigation.total", 0.0), fact("review.total", 0.0)]
        );
        assert!(read_text("2017年，某某厅共受理行政复议2起，行政诉讼4起。").is_empty());
        // A heading about disclosure does not make the sentence under it about disclosure.
        assert!(
            read_text("五、政府信息公开复议、诉讼情况\n2017年，某某厅共受理行政复议2起。")
                .is_empty()
        );
    }

    // Modelled on gh-002.txt, gh-003.txt and 004.txt.
    #[test]
    fn review_about_disclosure_in_other_words() {
        assert_eq!(
            read_text("本年度我厅首次受理政府信息公开行政复议2件，未受理行政诉讼案件。"),
            vec![fact("litigation.total", 0.0), fact("review.total", 2.0)]
        );
        assert_eq!(
            read_text(
                "2016年，在依申请公开政府信息中，某某厅处理4件属维持具体行政行为的行政复议事项。"
            ),
            vec![fact("review.total", 4.0)]
        );
    }

    #[test]
    fn fees_none_in_other_words() {
        for text in [
            "2016年，某某厅在办理依申请公开工作中，均未向申请人收取费用。",
            "2016年，我厅未收取和减免任何与政府信息公开相关的费用。",
            "2016年，我厅全部免费为申请人提供政府信息。",
            "2016年度没有关于信息公开的收费及减免情况。",
        ] {
            assert_eq!(read_text(text), vec![fact("fees.collected", 0.0)], "{text}");
        }
    }

    // Modelled on 008.txt, gh-001.txt and gh-004.txt.
    #[test]
    fn proactive_totals_in_other_words() {
        assert_eq!(
            read_text("今年，我区政府信息公开单位共公布政府信息1870条。"),
            vec![fact("proactive.total", 1870.0)]
        );
        assert_eq!(
            read_text("2016年我厅主动公开信息总数共计318条，其中规范性文件公开12条。"),
            vec![
                fact("proactive.normative_docs", 12.0),
                fact("proactive.total", 318.0)
            ]
        );
        // A running total since the regulation took effect is not the year's.
        assert_eq!(
            read_text(
                "本区到年底累计主动公开政府信息6120条，其中本年度新增主动公开政府信息1340条。"
            ),
            vec![fact("proactive.total", 1340.0)]
        );
        // Modelled on gh-008.txt and gh-009.txt: the total in a sentence of its own, with bare
        // 信息; and worded with 文件.
        assert_eq!(
            read_text("本局网站开设信息公开专栏。全年公开信息415条。"),
            vec![fact("proactive.total", 415.0)]
        );
        assert_eq!(
            read_text("2019年，公开政务信息233条。"),
            vec![fact("proactive.total", 233.0)]
        );
        assert_eq!(
            read_text("全年在局门户网站主动公开各类文件信息187条。"),
            vec![fact("proactive.total", 187.0)]
        );
        // Bare 信息 after a topic or a channel in its clause, or with 发布, is not the total.
        assert!(read_text("重点公开项目审批等内容，全年公开信息64条。").is_empty());
        assert!(read_text("全年共发布信息91条。").is_empty());
    }

    // Modelled on gh-014.txt: the same sentence is 表二's cell in a 2021 report and the 2008
    // form's 制发规范性文件总数 in an older one.
    #[test]
    fn rules_bound_to_a_form() {
        let text = "全年制发厅规范性文件3件、废止2件。";
        assert_eq!(
            read_in(text, Some(Template::T2021)),
            vec![fact("art20.normative_docs.issued", 3.0)]
        );
        assert_eq!(
            read_in(text, None),
            vec![fact("proactive.normative_docs_issued", 3.0)]
        );
    }

    #[test]
    fn list_headings_join_the_clause_after_them() {
        let prose = ProseText::of(&Document::from_text(
            "3、政务微博。\n全年发布信息9条。\n（四）其他\n一、总体情况。2016年，我局新增主动公开信息15条。",
        ));
        let clauses: Vec<&str> = prose.clauses().into_iter().map(|(_, c)| c).collect();
        assert_eq!(
            clauses,
            vec![
                "3、政务微博。\n全年发布信息9条",
                // Width-folded: （） and ， become ASCII.
                "(四)其他\n一、总体情况。2016年,我局新增主动公开信息15条"
            ]
        );
        assert!(!is_list_heading("1、2016年度，我办受理申请3件"));
        assert!(!is_list_heading("其中网站公开"));
    }

    #[test]
    fn required_literals_of_patterns() {
        let lits = |p: &str| {
            required_literals(&regex_syntax::parse(p).unwrap()).map(|v| {
                v.into_iter()
                    .map(|b| String::from_utf8(b).unwrap())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            lits("(?:政府|门户)*网站(?:平台)?[0-9]+条"),
            Some(vec!["网站".into()])
        );
        assert_eq!(lits("(?:网上|电子邮件)申请"), Some(vec!["申请".into()]));
        assert_eq!(
            lits("(?:甲乙|丙丁)x"),
            Some(vec!["甲乙".into(), "丙丁".into()])
        );
        assert_eq!(lits("[条件]"), Some(vec!["件".into(), "条".into()]));
        assert_eq!(lits("(?:网站)?[0-9]+"), None);
        assert_eq!(lits("[^，,]{0,3}"), None);
        assert_eq!(lits("a|[0-9]"), None);
    }

    #[test]
    fn required_sets_of_patterns() {
        let sets = |p: &str| -> Vec<Vec<String>> {
            required_sets(&regex_syntax::parse(p).unwrap())
                .into_iter()
                .map(|set| {
                    set.into_iter()
                        .map(|b| String::from_utf8(b).unwrap())
                        .collect()
                })
                .collect()
        };
        // Each part of a concatenation gives its set; optional parts and wide classes none.
        assert_eq!(
            sets("(?:政府|门户)*网站(?:平台)?[0-9]+[条件]"),
            vec![vec!["网站".to_string()], vec!["件".into(), "条".into()]]
        );
        assert_eq!(
            sets("(?:甲乙|丙)[^。]{0,30}?丁戊(?P<n>[0-9]+)个"),
            vec![
                vec!["甲乙".to_string(), "丙".into()],
                vec!["丁戊".into()],
                vec!["个".into()]
            ]
        );
        assert!(sets("(?:网站)?[0-9]+").is_empty());
    }

    #[test]
    fn a_clause_must_hold_every_set_of_a_rule() {
        let anchors = Anchors::new(&["甲乙[0-9]+个", "丙[0-9]+"]);
        let text = "甲乙3个。甲乙三。个丙。乙个丙3";
        let clauses: Vec<(usize, &str)> = {
            let mut out = Vec::new();
            let mut start = 0;
            for part in text.split('。') {
                out.push((start, part));
                start += part.len() + '。'.len_utf8();
            }
            out
        };
        assert_eq!(
            anchors.clauses_by_rule(2, text, &clauses),
            // Rule 0 needs 甲乙 and 个 in one clause (the second holds 甲乙 only); rule 1, 丙.
            vec![vec![0], vec![2, 3]]
        );
    }

    #[test]
    fn gates_are_the_parts_after_wide_repetitions() {
        let gates = gates_of("(?:甲|乙)[^。]{0,30}?丙丁(?P<n>[0-9]+)个[^，]{0,12}戊己");
        assert_eq!(gates.len(), 2);
        let passes = |t: &str| gates.iter().all(|g| g.is_match(t));
        assert!(passes("丙丁3个，戊己"));
        assert!(!passes("丙丁情况，戊己"));
        assert!(!passes("丙丁3个"));
        // Short repetitions leave the pattern to its own regex.
        assert!(gates_of("甲[^。]{0,6}乙").is_empty());
        assert!(gates_of("甲[^。]{0,30}").is_empty());
    }

    /// Every clause a rule matches holds an anchor of each of the rule's sets and passes its
    /// gates (the anchors and gates only ever narrow the clauses to those the rule can match).
    #[test]
    fn anchors_keep_every_clause_a_rule_matches() {
        let k = Knowledge::embedded();
        let mut texts: Vec<String> = vec![
            "我局2021年来，共主动公开政务信息253条。政府网站主动公开124条，官方微信公开129条。".into(),
            "全年共收到政府信息公开申请 三 件，其中，网络申请 两 件，信函申请 1 件。".into(),
            "本年度未收到依申请公开。没有收取费用；配备了2名专兼职人员。组织3期业务培训，培训120人次。".into(),
        ];
        for (name, text) in crate::knowledge::DATA_FILES {
            if name.ends_with(".csv") {
                texts.push(text.to_string());
            }
        }
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");
        for entry in std::fs::read_dir(dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            texts.push(crate::ingest::decode::decode_text(&bytes).text);
        }
        let rules = k.prose.rules();
        let mut checked = 0;
        for text in &texts {
            let prose = ProseText::of(&Document::from_text(text));
            let clauses = prose.clauses();
            let by_rule = k
                .prose
                .anchors
                .clauses_by_rule(rules.len(), &prose.text, &clauses);
            for (r, rule) in rules.iter().enumerate() {
                for (i, (_, clause)) in clauses.iter().enumerate() {
                    if rule.regex.is_match(clause) {
                        assert!(by_rule[r].contains(&i), "{}: {clause}", rule.indicator);
                        assert!(rule.may_match(clause), "{}: {clause}", rule.indicator);
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 50, "{checked}");
    }
}
