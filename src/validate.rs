//! Validation: the accounting identities (勾稽关系) a report's own numbers must satisfy.
//!
//! Identities are data (`data/rules/checks.csv`). Each is evaluated only when every part it
//! needs is present and not blank: a blank is "not reported", never a zero, so an identity
//! with a blank part yields no row rather than a false failure. Validation never changes a
//! fact: the numbers stay as written and the failed identity is what gets recorded.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use serde::Deserialize;

use crate::extract::labels::LabelBook;
use crate::knowledge::{Taxonomy, parse_csv};
use crate::model::{Check, Fact};

#[derive(Debug, Clone, Deserialize)]
struct CheckRow {
    id: String,
    expected: String,
    actual: String,
}

/// One side of an identity: a sum of terms.
type Side = Vec<Term>;

/// A term: alternatives (each a list of indicators summed); the first fully present one counts.
/// Indicators are held as slots of [`CheckBook::slots`].
#[derive(Debug, Clone)]
struct Term {
    alternatives: Vec<Vec<usize>>,
    optional: bool,
}

/// One identity, placeholders expanded.
#[derive(Debug, Clone)]
struct Identity {
    id: String,
    expected: Side,
    actual: Side,
}

/// All identities.
#[derive(Debug, Clone, Default)]
pub struct CheckBook {
    identities: Vec<Identity>,
    /// Indicators whose value may be negative (`indicators.csv` notes say so: 本年增/减).
    signed: Vec<String>,
    /// A slot for every indicator the identities name: a report's values are laid out by
    /// slot once, so the hundreds of terms are read by index rather than hashed by name.
    slots: FxHashMap<String, usize>,
}

impl CheckBook {
    /// Parses `checks.csv`, expanding `{col}` over the 表三 applicant columns and `{row}` over
    /// its rows.
    pub fn parse(text: &str, labels: &LabelBook, taxonomy: &Taxonomy) -> CheckBook {
        let cols: Vec<String> = labels
            .form_keys("t3", "column")
            .into_iter()
            .filter(|c| c != "subtotal")
            .collect();
        let rows: Vec<String> = labels.form_keys("t3", "row");
        let mut identities = Vec::new();
        let mut slots = FxHashMap::default();
        for r in parse_csv::<CheckRow>("rules/checks.csv", text) {
            let expansions: Vec<(String, String)> = if r.id.contains("{col}") {
                cols.iter()
                    .map(|c| ("{col}".to_string(), c.clone()))
                    .collect()
            } else if r.id.contains("{row}") {
                rows.iter()
                    .map(|c| ("{row}".to_string(), c.clone()))
                    .collect()
            } else {
                vec![(String::new(), String::new())]
            };
            for (ph, val) in expansions {
                let sub = |s: &str| {
                    if ph.is_empty() {
                        s.to_string()
                    } else {
                        s.replace(&ph, &val)
                    }
                };
                identities.push(Identity {
                    id: sub(&r.id),
                    expected: side(&sub(&r.expected), &mut slots),
                    actual: side(&sub(&r.actual), &mut slots),
                });
            }
        }
        let signed = taxonomy
            .indicators
            .iter()
            .filter(|i| i.notes.contains("may be negative"))
            .map(|i| i.id.clone())
            .collect();
        CheckBook {
            identities,
            signed,
            slots,
        }
    }

    /// Tests every identity whose parts the facts provide.
    pub fn evaluate(&self, facts: &[Fact]) -> Vec<Check> {
        // values[slot]: None when no fact, Some(None) when the fact is blank. A later fact of
        // the same indicator wins, as it did in a map built from the facts.
        let mut values: Vec<Option<Option<f64>>> = vec![None; self.slots.len()];
        for f in facts {
            if let Some(&slot) = self.slots.get(f.indicator.as_str()) {
                values[slot] = Some(f.value);
            }
        }
        let mut out = Vec::new();
        for ident in &self.identities {
            let (Some(expected), Some(actual)) =
                (sum(&ident.expected, &values), sum(&ident.actual, &values))
            else {
                continue;
            };
            out.push(Check {
                check: ident.id.clone(),
                expected,
                actual,
                ok: (expected - actual).abs() < 1e-6,
            });
        }
        out.extend(self.negative_counts(facts));
        out
    }

    /// A failed `nonnegative.<indicator>` check for every count stated as negative (only
    /// 本年增/减 may be). Counts that are not negative get no row: this is a plausibility test,
    /// not an identity.
    fn negative_counts(&self, facts: &[Fact]) -> Vec<Check> {
        facts
            .iter()
            .filter(|f| f.value.is_some_and(|v| v < 0.0) && !self.signed.contains(&f.indicator))
            .map(|f| Check {
                check: format!("nonnegative.{}", f.indicator),
                expected: 0.0,
                actual: f.value.unwrap_or_default(),
                ok: false,
            })
            .collect()
    }
}

/// The carry-over figures of one report, for the check across years.
#[derive(Debug, Clone, PartialEq)]
pub struct CarryOver {
    /// Canonical agency.
    pub agency: String,
    /// Statistical year.
    pub year: i16,
    /// 上年结转 per 表三 column (`requests.carried_in.<col>`).
    pub carried_in: Figures,
    /// 结转下年度继续办理 per column (`requests.carried_out.<col>`).
    pub carried_out: Figures,
}

/// A figure for each of the `CARRY_COLUMNS`, where stated. Fixed-size and inline: a run
/// keeps one [`CarryOver`] per report in memory (at 10⁵ files, tens of thousands of them).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Figures {
    values: [f64; CARRY_COLUMNS.len()],
    /// Bit `i` set: column `i` is stated.
    stated: u8,
}

impl Figures {
    /// The figures of `(column, value)` pairs; unknown columns are ignored.
    pub fn of<'a>(pairs: impl IntoIterator<Item = (&'a str, f64)>) -> Figures {
        let mut f = Figures::default();
        for (col, v) in pairs {
            if let Some(i) = CARRY_COLUMNS.iter().position(|c| *c == col) {
                f.values[i] = v;
                f.stated |= 1 << i;
            }
        }
        f
    }

    /// The stated figures, in column order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        CARRY_COLUMNS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.stated & (1 << i) != 0)
            .map(|(i, c)| (*c, self.values[i]))
    }

    /// The figure of column `col`, if stated.
    pub fn get(&self, col: &str) -> Option<f64> {
        let i = CARRY_COLUMNS.iter().position(|c| *c == col)?;
        (self.stated & (1 << i) != 0).then_some(self.values[i])
    }

    /// True when no column is stated.
    pub fn is_empty(&self) -> bool {
        self.stated == 0
    }
}

/// The 表三 columns a carry-over is compared in (static: a run keeps one [`CarryOver`] per
/// report in memory, so its column names are not allocated per report).
const CARRY_COLUMNS: [&str; 8] = [
    "natural_person",
    "business",
    "research",
    "nonprofit",
    "legal_services",
    "other_org",
    "subtotal",
    "total",
];

/// Indicator prefixes of 上年结转 and 结转下年度继续办理, one indicator per 表三 column.
const CARRIED_IN: &str = "requests.carried_in.";
const CARRIED_OUT: &str = "requests.carried_out.";

impl CarryOver {
    /// True for the indicators [`CarryOver::of`] reads.
    pub fn is_carry_indicator(indicator: &[u8]) -> bool {
        [CARRIED_IN, CARRIED_OUT]
            .iter()
            .any(|p| indicator.starts_with(p.as_bytes()))
    }

    /// The carry-over figures of a report's facts, if it states any.
    pub fn of(agency: Option<&str>, year: Option<i16>, facts: &[Fact]) -> Option<CarryOver> {
        let (agency, year) = (agency?, year?);
        // A column stated twice keeps its first figure, as a search in fact order would.
        let pick = |prefix: &str| -> Figures {
            let mut seen = Vec::new();
            Figures::of(facts.iter().filter_map(|f| {
                let col = f.indicator.strip_prefix(prefix)?;
                let v = f.value?;
                (!seen.contains(&col)).then(|| {
                    seen.push(col);
                    (col, v)
                })
            }))
        };
        let c = CarryOver {
            agency: agency.to_string(),
            year,
            carried_in: pick(CARRIED_IN),
            carried_out: pick(CARRIED_OUT),
        };
        (!c.carried_in.is_empty() || !c.carried_out.is_empty()).then_some(c)
    }
}

/// The check across years: 结转下年度继续办理 of year N must be 上年结转 of year N + 1, for the
/// same agency and column. Returns, for each input index that gets checks (the year N + 1
/// report), its `requests.carry_over.<col>` checks (expected: N + 1's 上年结转, actual: N's
/// 结转下年度).
pub fn carry_over_checks(reports: &[CarryOver]) -> Vec<(usize, Check)> {
    let mut by_key: HashMap<(&str, i16), usize> = HashMap::new();
    for (i, r) in reports.iter().enumerate() {
        by_key.entry((r.agency.as_str(), r.year)).or_insert(i);
    }
    let mut out = Vec::new();
    for (i, later) in reports.iter().enumerate() {
        let Some(&j) = by_key.get(&(later.agency.as_str(), later.year - 1)) else {
            continue;
        };
        let earlier = &reports[j];
        for (col, carried_in) in later.carried_in.iter() {
            if let Some(carried_out) = earlier.carried_out.get(col) {
                out.push((
                    i,
                    Check {
                        check: format!("requests.carry_over.{col}"),
                        expected: carried_in,
                        actual: carried_out,
                        ok: (carried_in - carried_out).abs() < 1e-6,
                    },
                ));
            }
        }
    }
    out
}

/// Parses one side of an identity, giving each indicator it names a slot.
fn side(s: &str, slots: &mut FxHashMap<String, usize>) -> Side {
    s.split_whitespace()
        .map(|t| {
            let (optional, t) = match t.strip_prefix('?') {
                Some(rest) => (true, rest),
                None => (false, t),
            };
            Term {
                alternatives: t
                    .split('|')
                    .map(|a| a.split('+').map(|id| slot(slots, id)).collect())
                    .collect(),
                optional,
            }
        })
        .collect()
}

/// The slot of an indicator, a new one when it has none yet.
fn slot(slots: &mut FxHashMap<String, usize>, id: &str) -> usize {
    let next = slots.len();
    *slots.entry(id.to_string()).or_insert(next)
}

/// The sum of a side, or `None` when a needed part is missing or blank.
fn sum(side: &Side, values: &[Option<Option<f64>>]) -> Option<f64> {
    let mut total = 0.0;
    for term in side {
        let alt = term
            .alternatives
            .iter()
            .find(|alt| alt.iter().all(|&slot| values[slot].is_some()));
        match alt {
            Some(alt) => {
                for &slot in alt {
                    total += values[slot].flatten()?;
                }
            }
            None if term.optional => {}
            None => return None,
        }
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Method;

    fn f(id: &str, v: Option<f64>) -> Fact {
        Fact {
            indicator: id.into(),
            value: v,
            value_raw: String::new(),
            unit: "件".into(),
            method: Method::Table,
            line: 1,
        }
    }

    #[test]
    fn failed_and_unevaluated_identities() {
        let k = crate::knowledge::Knowledge::embedded();
        let facts = vec![
            f("requests.closed.total", Some(0.0)),
            f("requests.closed.on_time", Some(2.0)),
            f("requests.closed.extended", Some(0.0)),
            f("staffing.staff", Some(3.0)),
            f("staffing.full_time", None),
            f("staffing.part_time", Some(3.0)),
            f("review.total", Some(0.0)),
            f("review.upheld", Some(0.0)),
            f("review.corrected", Some(0.0)),
            f("review.other", Some(0.0)),
        ];
        let checks = k.checks.evaluate(&facts);
        let closed = checks
            .iter()
            .find(|c| c.check == "requests.closed.total")
            .unwrap();
        assert!(!closed.ok);
        assert_eq!((closed.expected, closed.actual), (0.0, 2.0));
        assert!(
            checks.iter().all(|c| c.check != "staffing.staff"),
            "blank part: not evaluated"
        );
        assert!(
            checks.iter().any(|c| c.check == "review.total" && c.ok),
            "optional pending absent"
        );
    }

    #[test]
    fn negative_counts_fail_but_changes_may_be_negative() {
        let k = crate::knowledge::Knowledge::embedded();
        let facts = vec![
            f("requests.received.total", Some(-3.0)),
            f("art20.licensing.change", Some(-8.0)),
        ];
        let checks = k.checks.evaluate(&facts);
        let neg: Vec<&str> = checks
            .iter()
            .filter(|c| c.check.starts_with("nonnegative."))
            .map(|c| c.check.as_str())
            .collect();
        assert_eq!(neg, ["nonnegative.requests.received.total"]);
    }

    #[test]
    fn carry_over_links_consecutive_years() {
        let y2023 = CarryOver {
            agency: "淮安市洪泽区人民政府".into(),
            year: 2023,
            carried_in: Figures::of([("total", 0.0)]),
            carried_out: Figures::of([("total", 3.0)]),
        };
        let mut y2024 = y2023.clone();
        y2024.year = 2024;
        y2024.carried_in = Figures::of([("total", 2.0)]);
        let checks = carry_over_checks(&[y2024, y2023]);
        assert_eq!(checks.len(), 1);
        let (i, c) = &checks[0];
        assert_eq!(
            (*i, c.check.as_str(), c.expected, c.actual, c.ok),
            (0, "requests.carry_over.total", 2.0, 3.0, false)
        );
    }

    #[test]
    fn alternatives_cover_both_forms() {
        let k = crate::knowledge::Knowledge::embedded();
        assert!(
            k.checks
                .identities
                .iter()
                .any(|i| i.id == "requests.balance.total")
        );
        assert!(
            k.checks
                .identities
                .iter()
                .any(|i| i.id == "requests.applicants.denied.state_secret")
        );
        assert!(k.checks.identities.iter().all(|i| !i.id.contains('{')));
    }
}
