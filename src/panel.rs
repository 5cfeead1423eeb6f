//! The harmonized panel: one row of comparable measures and rates per report, whatever its era.
//!
//! A 2012 report states 同意公开答复数 / 申请答复数 where a 2022 report states （一）予以公开 /
//! （七）总计: different indicator ids for the same figure. Which ids feed each measure in each
//! template era, and how they combine, is knowledge (`data/rules/panel.csv`, [`PanelRules`]);
//! this module only applies it to a report's facts ([`PanelRules::values`]) and derives the
//! rates ([`RATES`]). Plain computation: the sink writes the rows, `xxgk rates` pools them.
//! A measure the report does not state is `None` (never 0), and so is every rate whose
//! numerator or denominator is not stated or whose denominator is not positive.

use rustc_hash::FxHashMap;
use serde::Deserialize;

use crate::extract::labels::LabelBook;
use crate::knowledge::parse_csv;
use crate::model::{Fact, Template};

/// A harmonized measure: a column of panel.parquet, in the order of its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    Proactive,
    Received,
    CarriedIn,
    Handled,
    Granted,
    Partial,
    Denied,
    Unavailable,
    NotProcessed,
    Other,
    CarriedOut,
    ReviewTotal,
    ReviewCorrected,
    ReviewPending,
    LitigationTotal,
    LitigationCorrected,
    LitigationPending,
}

/// Number of measures.
pub const MEASURE_COUNT: usize = 17;

impl Measure {
    /// Every measure, in column order.
    pub const ALL: [Measure; MEASURE_COUNT] = [
        Measure::Proactive,
        Measure::Received,
        Measure::CarriedIn,
        Measure::Handled,
        Measure::Granted,
        Measure::Partial,
        Measure::Denied,
        Measure::Unavailable,
        Measure::NotProcessed,
        Measure::Other,
        Measure::CarriedOut,
        Measure::ReviewTotal,
        Measure::ReviewCorrected,
        Measure::ReviewPending,
        Measure::LitigationTotal,
        Measure::LitigationCorrected,
        Measure::LitigationPending,
    ];

    /// The column name (`schema.md`).
    pub fn as_str(self) -> &'static str {
        const NAMES: [&str; MEASURE_COUNT] = [
            "proactive",
            "received",
            "carried_in",
            "handled",
            "granted",
            "partial",
            "denied",
            "unavailable",
            "not_processed",
            "other",
            "carried_out",
            "review_total",
            "review_corrected",
            "review_pending",
            "litigation_total",
            "litigation_corrected",
            "litigation_pending",
        ];
        NAMES[self as usize]
    }

    /// The measure of a column name.
    pub fn parse(name: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

/// A rate of panel.parquet: numerator / (plus − minus), each a sum of measures that must all
/// be stated (schema.md gives the formulas; docs/rates.md their meaning per era).
#[derive(Debug, Clone, Copy)]
pub struct RateDef {
    /// Column name.
    pub name: &'static str,
    /// Measures added into the numerator.
    pub numerator: &'static [Measure],
    /// Measures added into the denominator.
    pub plus: &'static [Measure],
    /// Measures subtracted from the denominator.
    pub minus: &'static [Measure],
}

/// The rates, in column order: 实质公开率, 绝对公开率, 复议纠错率, 综合纠错率.
pub const RATES: [RateDef; 4] = [
    RateDef {
        name: "disclosure_rate",
        numerator: &[Measure::Granted, Measure::Partial],
        plus: &[Measure::Handled],
        minus: &[],
    },
    RateDef {
        name: "disclosure_rate_absolute",
        numerator: &[Measure::Granted],
        plus: &[Measure::Handled],
        minus: &[],
    },
    RateDef {
        name: "review_correction_rate",
        numerator: &[Measure::ReviewCorrected],
        plus: &[Measure::ReviewTotal],
        minus: &[Measure::ReviewPending],
    },
    RateDef {
        name: "correction_rate",
        numerator: &[Measure::ReviewCorrected, Measure::LitigationCorrected],
        plus: &[Measure::ReviewTotal, Measure::LitigationTotal],
        minus: &[Measure::ReviewPending, Measure::LitigationPending],
    },
];

/// The sum of `terms` in order, `None` when any is not stated.
fn all_stated(values: &Measures, terms: &[Measure]) -> Option<f64> {
    terms
        .iter()
        .try_fold(0.0, |acc, m| values[*m as usize].map(|v| acc + v))
}

impl RateDef {
    /// The numerator of one report, `None` when a term is not stated.
    pub fn numerator(&self, values: &Measures) -> Option<f64> {
        all_stated(values, self.numerator)
    }

    /// The denominator of one report, `None` when a term is not stated.
    pub fn denominator(&self, values: &Measures) -> Option<f64> {
        Some(all_stated(values, self.plus)? - all_stated(values, self.minus)?)
    }

    /// The rate of one report.
    pub fn rate(&self, values: &Measures) -> Option<f64> {
        ratio(self.numerator(values), self.denominator(values))
    }
}

/// `n / d`, `None` when either is missing or `d` is not positive (a 0 denominator has no rate;
/// a negative one comes from totals that do not add up).
pub fn ratio(n: Option<f64>, d: Option<f64>) -> Option<f64> {
    match (n, d) {
        (Some(n), Some(d)) if d > 0.0 => Some(n / d),
        _ => None,
    }
}

/// A rate pooled over a group of reports: the sum of the numerators over the sum of the
/// denominators of the reports that state both with a positive denominator (not a mean of
/// their rates). A report whose denominator is 0 has nothing to pool, and one that states a
/// positive numerator over a 0 denominator does not add up: neither enters the sums.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PooledRate {
    /// Sum of the numerators of the reports used.
    pub numerator: f64,
    /// Sum of their denominators.
    pub denominator: f64,
    /// Reports that state numerator and a positive denominator (the figure stands on them).
    pub reports: usize,
    /// Reports that state the denominator.
    pub stated: usize,
}

impl PooledRate {
    /// Adds one report.
    fn add(&mut self, n: Option<f64>, d: Option<f64>) {
        if let Some(d) = d {
            self.stated += 1;
            if let (Some(n), true) = (n, d > 0.0) {
                self.numerator += n;
                self.denominator += d;
                self.reports += 1;
            }
        }
    }

    /// The pooled rate: `None` without a report stating both, or with a denominator that is
    /// not positive.
    pub fn rate(&self) -> Option<f64> {
        if self.reports == 0 {
            return None;
        }
        ratio(Some(self.numerator), Some(self.denominator))
    }
}

/// The pooled rates of one group of reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Pooled<K> {
    /// The group.
    pub key: K,
    /// Reports in the group.
    pub reports: usize,
    /// The rates, by [`RATES`].
    pub rates: [PooledRate; 4],
}

/// Pools the reports `rows` (group key and measures) by key, in key order. Sums run in the
/// order of `rows`: give them in panel order for figures that do not depend on how the
/// dataset was split into files.
pub fn pool<'a, K: Ord + Clone>(
    rows: impl IntoIterator<Item = (K, &'a Measures)>,
) -> Vec<Pooled<K>> {
    let mut groups: std::collections::BTreeMap<K, Pooled<K>> = std::collections::BTreeMap::new();
    for (key, m) in rows {
        let g = groups.entry(key.clone()).or_insert_with(|| Pooled {
            key,
            reports: 0,
            rates: [PooledRate::default(); 4],
        });
        g.reports += 1;
        for (pooled, def) in g.rates.iter_mut().zip(RATES.iter()) {
            pooled.add(def.numerator(m), def.denominator(m));
        }
    }
    groups.into_values().collect()
}

/// The measures of one report, indexed by [`Measure`].
pub type Measures = [Option<f64>; MEASURE_COUNT];

/// What panel.parquet holds of one report besides its identity columns.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelValues {
    /// Accounting identities of the report that did not hold (as in reports.parquet).
    pub checks_failed: i32,
    /// The measures, by [`Measure`].
    pub measures: Measures,
    /// The rates, by [`RATES`].
    pub rates: [Option<f64>; 4],
}

/// How a rule's ids combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    /// The first id the report states.
    First,
    /// The sum of the ids the report states; none stated: not stated.
    Sum,
    /// Per block `part total siblings…`: the part when stated; 0 when it is blank but the
    /// total is stated and the stated siblings already add up to it (the report's own
    /// identity proves the blank is none); else not stated. The stated blocks are summed.
    Filled,
}

/// One row of `panel.csv`.
#[derive(Debug, Deserialize)]
struct RuleRow {
    measure: String,
    templates: String,
    combine: Combine,
    ids: String,
}

/// One way to obtain a measure in some eras.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The measure.
    pub measure: Measure,
    /// The eras it applies to.
    pub templates: Vec<Template>,
    /// How the ids combine.
    pub combine: Combine,
    /// Indicator ids, `{col}` expanded, in blocks (`|` in the file; one block but for
    /// [`Combine::Filled`]).
    pub ids: Vec<Vec<String>>,
}

/// The rules of `data/rules/panel.csv`.
#[derive(Debug, Clone, Default)]
pub struct PanelRules {
    /// Rules in file order (alternatives for one measure and era are tried in that order).
    pub rules: Vec<Rule>,
}

/// What a [`Combine::Filled`] block `[part, total, siblings…]` says of its part.
enum Block {
    /// The part is stated, or proven 0: its stated total equals the sum of the stated siblings.
    Value(f64),
    /// Neither part nor total is stated: the block is left out of the sum.
    Absent,
    /// The part is blank and the total does not prove it 0: the measure is not stated.
    Unknown,
}

/// Reads a [`Combine::Filled`] block.
fn filled(block: &[String], value: &impl Fn(&str) -> Option<f64>) -> Block {
    let (part, total, siblings) = (&block[0], &block[1], &block[2..]);
    if let Some(v) = value(part) {
        return Block::Value(v);
    }
    let Some(total) = value(total) else {
        return Block::Absent;
    };
    let sum: f64 = siblings.iter().filter_map(|id| value(id)).sum();
    if sum == total {
        Block::Value(0.0)
    } else {
        Block::Unknown
    }
}

/// A template name of `panel.csv`.
fn template(name: &str) -> Option<Template> {
    [
        Template::T2008,
        Template::T2019,
        Template::T2021,
        Template::Prose,
    ]
    .into_iter()
    .find(|t| t.as_str() == name)
}

impl PanelRules {
    /// Parses `panel.csv`, expanding `{col}` over the 表三 applicant columns of `labels`
    /// (without 总计 and the unofficial 法人小计). An unknown measure or template is a
    /// programming error of the data file: it panics naming the row.
    pub fn parse(text: &str, labels: &LabelBook) -> PanelRules {
        let cols: Vec<String> = labels
            .form_keys("t3", "column")
            .into_iter()
            .filter(|c| c != "subtotal" && c != "total")
            .collect();
        let rules = parse_csv::<RuleRow>("rules/panel.csv", text)
            .into_iter()
            .map(|r| {
                let measure = Measure::parse(&r.measure).unwrap_or_else(|| {
                    panic!("data/rules/panel.csv: unknown measure {}", r.measure)
                });
                let templates = r
                    .templates
                    .split_whitespace()
                    .map(|t| {
                        template(t).unwrap_or_else(|| {
                            panic!("data/rules/panel.csv: unknown template {t} ({})", r.measure)
                        })
                    })
                    .collect();
                let ids: Vec<Vec<String>> = r
                    .ids
                    .split('|')
                    .map(|block| {
                        block
                            .split_whitespace()
                            .flat_map(|id| match id.contains("{col}") {
                                true => cols.iter().map(|c| id.replace("{col}", c)).collect(),
                                false => vec![id.to_string()],
                            })
                            .collect()
                    })
                    .collect();
                if r.combine == Combine::Filled {
                    assert!(
                        ids.iter().all(|b| b.len() >= 3),
                        "data/rules/panel.csv: {}: a filled block is part, total, siblings",
                        r.measure
                    );
                }
                Rule {
                    measure,
                    templates,
                    combine: r.combine,
                    ids,
                }
            })
            .collect();
        PanelRules { rules }
    }

    /// The measures of a report of era `template` whose stated values are given by `value`
    /// (`None`: the report has no such fact or leaves it blank).
    pub fn measures(
        &self,
        template: Option<Template>,
        value: impl Fn(&str) -> Option<f64>,
    ) -> Measures {
        let mut out: Measures = [None; MEASURE_COUNT];
        let Some(template) = template else {
            return out;
        };
        for rule in self
            .rules
            .iter()
            .filter(|r| r.templates.contains(&template))
        {
            let slot = &mut out[rule.measure as usize];
            if slot.is_some() {
                continue;
            }
            let mut stated = rule.ids.iter().flatten().filter_map(|id| value(id));
            *slot = match rule.combine {
                Combine::First => stated.next(),
                Combine::Sum => stated.reduce(|a, b| a + b),
                Combine::Filled => rule
                    .ids
                    .iter()
                    .map(|block| filled(block, &value))
                    .try_fold(None, |acc: Option<f64>, block| match block {
                        Block::Value(v) => Some(Some(acc.unwrap_or(0.0) + v)),
                        Block::Absent => Some(acc),
                        Block::Unknown => None,
                    })
                    .flatten(),
            };
        }
        out
    }

    /// The panel values of a report: its measures from its facts, its rates, and its number
    /// of failed checks.
    pub fn values(
        &self,
        template: Option<Template>,
        facts: &[Fact],
        checks_failed: usize,
    ) -> PanelValues {
        let pairs = facts.iter().map(|f| (f.indicator.as_str(), f.value));
        self.values_of(template, pairs, checks_failed)
    }

    /// [`PanelRules::values`] from a report's facts given as (indicator, value) pairs; where
    /// an indicator comes twice, the later pair counts.
    pub fn values_of<'a>(
        &self,
        template: Option<Template>,
        facts: impl IntoIterator<Item = (&'a str, Option<f64>)>,
        checks_failed: usize,
    ) -> PanelValues {
        let by_id: FxHashMap<&str, Option<f64>> = facts.into_iter().collect();
        let measures = self.measures(template, |id| by_id.get(id).copied().flatten());
        PanelValues {
            checks_failed: checks_failed as i32,
            rates: RATES.map(|r| r.rate(&measures)),
            measures,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Knowledge;
    use crate::model::Method;
    use Measure::*;

    fn facts(pairs: &[(&str, Option<f64>)]) -> Vec<Fact> {
        pairs
            .iter()
            .map(|(id, v)| Fact {
                indicator: id.to_string(),
                value: *v,
                value_raw: v.map(|v| v.to_string()).unwrap_or_default(),
                unit: "件".into(),
                method: Method::Table,
                line: 1,
            })
            .collect()
    }

    fn get(v: &PanelValues, m: Measure) -> Option<f64> {
        v.measures[m as usize]
    }

    /// A 2008-era table (申请答复数 with its eight kinds of answer), written by hand.
    #[test]
    fn the_2008_table() {
        let k = Knowledge::embedded();
        let f = facts(&[
            ("proactive.total", Some(120.0)),
            ("requests.received.total", Some(12.0)),
            ("requests.answered.total", Some(10.0)),
            ("requests.answered.already_public", Some(1.0)),
            ("requests.answered.granted", Some(5.0)),
            ("requests.answered.partial", Some(1.0)),
            ("requests.answered.denied", None),
            ("requests.answered.denied.privacy", Some(1.0)),
            ("requests.answered.not_this_agency", Some(1.0)),
            ("requests.answered.nonexistent", None),
            ("requests.answered.redirected", Some(1.0)),
            ("review.total", Some(2.0)),
            ("review.corrected", Some(1.0)),
            ("litigation.total", Some(0.0)),
            ("litigation.corrected", Some(0.0)),
        ]);
        let v = k.panel.values(Some(Template::T2008), &f, 1);
        assert_eq!(v.checks_failed, 1);
        assert_eq!(get(&v, Proactive), Some(120.0));
        assert_eq!(get(&v, Received), Some(12.0));
        assert_eq!(get(&v, Handled), Some(10.0));
        assert_eq!(get(&v, Granted), Some(5.0));
        assert_eq!(get(&v, Partial), Some(1.0));
        // 不同意公开答复数 blank: the sum of its stated 其中 reasons.
        assert_eq!(get(&v, Denied), Some(1.0));
        assert_eq!(get(&v, Unavailable), Some(1.0));
        assert_eq!(get(&v, Other), Some(2.0));
        // No 结转, no 不予处理, no 尚未审结 on the 2008 form.
        for m in [
            CarriedIn,
            CarriedOut,
            NotProcessed,
            ReviewPending,
            LitigationPending,
        ] {
            assert_eq!(get(&v, m), None, "{m:?}");
        }
        assert_eq!(get(&v, ReviewTotal), Some(2.0));
        assert_eq!(get(&v, LitigationTotal), Some(0.0));
        assert_eq!(v.rates[0], Some(0.6));
        assert_eq!(v.rates[1], Some(0.5));
        // Without 尚未审结 the correction rates have no denominator.
        assert_eq!(v.rates[2..], [None, None]);
    }

    /// A 2019 form: totals of 表三 in the 总计 column, 表四 in two litigation blocks.
    #[test]
    fn the_2019_form() {
        let k = Knowledge::embedded();
        let f = facts(&[
            ("requests.received.total", Some(20.0)),
            ("requests.carried_in.total", Some(3.0)),
            ("requests.processed.total", Some(21.0)),
            ("requests.granted.total", Some(9.0)),
            ("requests.partial.total", Some(2.0)),
            ("requests.denied.state_secret.total", Some(1.0)),
            ("requests.denied.process_info.total", Some(2.0)),
            ("requests.denied.third_party.total", None),
            ("requests.unavailable.not_held.total", Some(4.0)),
            ("requests.not_processed.duplicate.total", Some(1.0)),
            ("requests.other.total", Some(2.0)),
            ("requests.carried_out.total", Some(2.0)),
            ("review.total", Some(4.0)),
            ("review.upheld", Some(2.0)),
            ("review.corrected", Some(1.0)),
            ("review.pending", Some(1.0)),
            ("litigation.direct.total", Some(3.0)),
            ("litigation.direct.corrected", Some(1.0)),
            ("litigation.direct.pending", Some(0.0)),
            ("litigation.after_review.total", Some(1.0)),
            ("litigation.after_review.corrected", Some(0.0)),
            ("litigation.after_review.pending", Some(1.0)),
        ]);
        let v = k.panel.values(Some(Template::T2019), &f, 0);
        let want = [
            (Proactive, None),
            (Received, Some(20.0)),
            (CarriedIn, Some(3.0)),
            (Handled, Some(21.0)),
            (Granted, Some(9.0)),
            (Partial, Some(2.0)),
            (Denied, Some(3.0)),
            (Unavailable, Some(4.0)),
            (NotProcessed, Some(1.0)),
            (Other, Some(2.0)),
            (CarriedOut, Some(2.0)),
            (ReviewTotal, Some(4.0)),
            (ReviewCorrected, Some(1.0)),
            (ReviewPending, Some(1.0)),
            (LitigationTotal, Some(4.0)),
            (LitigationCorrected, Some(1.0)),
            (LitigationPending, Some(1.0)),
        ];
        for (m, x) in want {
            assert_eq!(get(&v, m), x, "{m:?}");
        }
        assert_eq!(v.rates[0], Some(11.0 / 21.0));
        assert_eq!(v.rates[1], Some(9.0 / 21.0));
        assert_eq!(v.rates[2], Some(1.0 / 3.0));
        assert_eq!(v.rates[3], Some(2.0 / 6.0));
    }

    /// A 2021 form whose 总计 column is blank below row 一: the applicant columns are summed;
    /// （六）其他处理 from its three sub-rows.
    #[test]
    fn the_2021_form_with_blank_totals() {
        let k = Knowledge::embedded();
        let f = facts(&[
            ("requests.received.total", Some(6.0)),
            ("requests.processed.total", None),
            ("requests.processed.natural_person", Some(5.0)),
            ("requests.processed.business", Some(1.0)),
            ("requests.granted.total", None),
            ("requests.granted.natural_person", Some(3.0)),
            ("requests.granted.business", Some(1.0)),
            ("requests.partial.total", None),
            ("requests.other.no_amendment.total", Some(1.0)),
            ("requests.other.misc.total", Some(1.0)),
            ("review.total", Some(0.0)),
            ("review.pending", Some(0.0)),
            ("review.corrected", Some(0.0)),
        ]);
        let v = k.panel.values(Some(Template::T2021), &f, 0);
        assert_eq!(get(&v, Handled), Some(6.0));
        assert_eq!(get(&v, Granted), Some(4.0));
        assert_eq!(get(&v, Partial), None, "blank is not 0");
        assert_eq!(get(&v, Other), Some(2.0));
        assert_eq!(get(&v, CarriedIn), None);
        assert_eq!(v.rates[0], None, "部分公开 not stated");
        assert_eq!(v.rates[1], Some(4.0 / 6.0));
        assert_eq!(v.rates[2], None, "0 reviews decided: no rate");
    }

    /// 表四 as the 2019 上海 example of templates.md writes it: 5, blank, blank, 2, 7 | 8,
    /// blank, blank, 1, 9 | all blank. The blanks of 结果纠正 are proven 0 by the totals.
    #[test]
    fn blanks_proven_zero_by_their_totals() {
        let k = Knowledge::embedded();
        let mut pairs = vec![
            ("review.upheld", Some(5.0)),
            ("review.corrected", None),
            ("review.other", None),
            ("review.pending", Some(2.0)),
            ("review.total", Some(7.0)),
            ("litigation.direct.upheld", Some(8.0)),
            ("litigation.direct.corrected", None),
            ("litigation.direct.other", None),
            ("litigation.direct.pending", Some(1.0)),
            ("litigation.direct.total", Some(9.0)),
        ];
        for part in ["upheld", "corrected", "other", "pending", "total"] {
            pairs.push((
                Box::leak(format!("litigation.after_review.{part}").into_boxed_str()),
                None,
            ));
        }
        let v = k.panel.values(Some(Template::T2019), &facts(&pairs), 0);
        assert_eq!(get(&v, ReviewCorrected), Some(0.0));
        assert_eq!(get(&v, LitigationCorrected), Some(0.0));
        assert_eq!(get(&v, LitigationTotal), Some(9.0));
        assert_eq!(get(&v, LitigationPending), Some(1.0));
        assert_eq!(v.rates[2], Some(0.0));
        assert_eq!(v.rates[3], Some(0.0 / 13.0));
        // A total the stated parts do not reach leaves the blank unknown.
        pairs[4] = ("review.total", Some(8.0));
        let v = k.panel.values(Some(Template::T2019), &facts(&pairs), 1);
        assert_eq!(get(&v, ReviewCorrected), None);
        assert_eq!(v.rates[2], None);
    }

    /// A prose report: the few figures sentences give.
    #[test]
    fn a_prose_report() {
        let k = Knowledge::embedded();
        let f = facts(&[
            ("proactive.total", Some(35.0)),
            ("requests.received.total", Some(0.0)),
            ("review.total", Some(0.0)),
            ("litigation.total", Some(0.0)),
            ("requests.answered.granted", Some(1.0)),
        ]);
        let v = k.panel.values(Some(Template::Prose), &f, 0);
        assert_eq!(get(&v, Proactive), Some(35.0));
        assert_eq!(get(&v, Received), Some(0.0));
        assert_eq!(get(&v, ReviewTotal), Some(0.0));
        assert_eq!(get(&v, LitigationTotal), Some(0.0));
        // Ids of another era do not leak in.
        assert_eq!(get(&v, Granted), None);
        assert_eq!(v.rates, [None; 4]);
        assert_eq!(k.panel.values(None, &f, 0).measures, [None; MEASURE_COUNT]);
    }

    #[test]
    fn rates_need_every_term_and_a_positive_denominator() {
        let mut m: Measures = [None; MEASURE_COUNT];
        m[Granted as usize] = Some(0.0);
        m[Handled as usize] = Some(0.0);
        assert_eq!(RATES[1].rate(&m), None);
        m[Handled as usize] = Some(4.0);
        assert_eq!(RATES[1].rate(&m), Some(0.0));
        m[ReviewTotal as usize] = Some(1.0);
        m[ReviewPending as usize] = Some(2.0);
        m[ReviewCorrected as usize] = Some(1.0);
        assert_eq!(RATES[2].denominator(&m), Some(-1.0));
        assert_eq!(RATES[2].rate(&m), None);
    }

    /// Pooled rates are sums over sums, over the reports that state both terms.
    #[test]
    fn pooling_sums_numerators_and_denominators() {
        let report = |granted: Option<f64>, partial: Option<f64>, handled: Option<f64>| {
            let mut m: Measures = [None; MEASURE_COUNT];
            m[Granted as usize] = granted;
            m[Partial as usize] = partial;
            m[Handled as usize] = handled;
            m
        };
        let rows = [
            ("山东省", report(Some(1.0), Some(1.0), Some(2.0))),
            ("山东省", report(Some(0.0), Some(0.0), Some(8.0))),
            ("山东省", report(Some(3.0), None, Some(4.0))),
            ("山东省", report(Some(3.0), Some(0.0), None)),
            ("浙江省", report(Some(2.0), Some(0.0), Some(0.0))),
        ];
        let pooled = pool(rows.iter().map(|(k, m)| (*k, m)));
        assert_eq!(pooled.len(), 2);
        let (sd, zj) = (&pooled[0], &pooled[1]);
        assert_eq!((sd.key, sd.reports), ("山东省", 4));
        // (1+1 + 0+0) / (2 + 8): the third lacks 部分公开, the fourth 办理结果总计.
        let r = sd.rates[0];
        assert_eq!(
            (r.numerator, r.denominator, r.reports, r.stated),
            (2.0, 10.0, 2, 3)
        );
        assert_eq!(r.rate(), Some(0.2));
        assert_eq!(sd.rates[1].rate(), Some(4.0 / 14.0));
        // A stated 0 denominator: counted as stated, not pooled, no rate (not inf).
        let r = zj.rates[0];
        assert_eq!(
            (r.reports, r.stated, r.numerator, r.rate()),
            (0, 1, 0.0, None)
        );
        assert_eq!(sd.rates[2], PooledRate::default());
    }

    /// Every id of panel.csv is an indicator, each measure has a rule in some table era, and
    /// the eras without an equivalent are the documented ones.
    #[test]
    fn panel_rules_name_known_ids() {
        let k = Knowledge::embedded();
        for r in &k.panel.rules {
            for id in r.ids.iter().flatten() {
                assert!(k.taxonomy.get(id).is_some(), "panel.csv: unknown id {id}");
            }
        }
        let has = |m: Measure, t: Template| {
            k.panel
                .rules
                .iter()
                .any(|r| r.measure == m && r.templates.contains(&t))
        };
        for m in Measure::ALL {
            assert!(has(m, Template::T2019) && has(m, Template::T2021), "{m:?}");
            assert_eq!(Measure::parse(m.as_str()), Some(m));
        }
        for m in [
            CarriedIn,
            NotProcessed,
            CarriedOut,
            ReviewPending,
            LitigationPending,
        ] {
            assert!(!has(m, Template::T2008), "{m:?}");
        }
    }
}
