//! Validation: the accounting identities (勾稽关系) a report's own numbers must satisfy.
//!
//! Identities are data (`data/rules/checks.csv`). Each is evaluated only when every part it
//! needs is present and not blank: a blank is "not reported", never a zero, so an identity
//! with a blank part yields no row rather than a false failure. Validation never changes a
//! fact: the numbers stay as written and the failed identity is what gets recorded.

use std::collections::HashMap;

use serde::Deserialize;

use crate::extract::labels::LabelBook;
use crate::knowledge::parse_csv;
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
#[derive(Debug, Clone)]
struct Term {
    alternatives: Vec<Vec<String>>,
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
}

impl CheckBook {
    /// Parses `checks.csv`, expanding `{col}` over the 表三 applicant columns and `{row}` over
    /// its rows.
    pub fn parse(text: &str, labels: &LabelBook) -> CheckBook {
        let cols: Vec<String> = labels
            .form_keys("t3", "column")
            .into_iter()
            .filter(|c| c != "subtotal")
            .collect();
        let rows: Vec<String> = labels.form_keys("t3", "row");
        let mut identities = Vec::new();
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
                    expected: side(&sub(&r.expected)),
                    actual: side(&sub(&r.actual)),
                });
            }
        }
        CheckBook { identities }
    }

    /// Tests every identity whose parts the facts provide.
    pub fn evaluate(&self, facts: &[Fact]) -> Vec<Check> {
        let values: HashMap<&str, Option<f64>> = facts
            .iter()
            .map(|f| (f.indicator.as_str(), f.value))
            .collect();
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
        out
    }
}

fn side(s: &str) -> Side {
    s.split_whitespace()
        .map(|t| {
            let (optional, t) = match t.strip_prefix('?') {
                Some(rest) => (true, rest),
                None => (false, t),
            };
            Term {
                alternatives: t
                    .split('|')
                    .map(|a| a.split('+').map(str::to_string).collect())
                    .collect(),
                optional,
            }
        })
        .collect()
}

/// The sum of a side, or `None` when a needed part is missing or blank.
fn sum(side: &Side, values: &HashMap<&str, Option<f64>>) -> Option<f64> {
    let mut total = 0.0;
    for term in side {
        let alt = term
            .alternatives
            .iter()
            .find(|alt| alt.iter().all(|id| values.contains_key(id.as_str())));
        match alt {
            Some(alt) => {
                for id in alt {
                    total += values.get(id.as_str()).copied().flatten()?;
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
