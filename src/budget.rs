//! A file's time budget: the deadline every stage checks as it works.
//!
//! A nightly run must finish whatever the crawl holds, so each file gets a budget
//! (`--file-timeout`). Nothing is killed: the [`Deadline`] is plain data handed down the
//! stages, which look at it at the head of their loops ([`Deadline::expired`]) and stop early
//! when it has passed, noting where. The pipeline then records the file as `failed`, "exceeded
//! 60 s in html", and moves on. External converters are run until the deadline and killed
//! after it (see [`crate::ingest::pdf`]). A look costs one reading of the monotonic clock
//! (tens of nanoseconds), so stages look once per line, node or row, not per character.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// When a file's budget runs out, and the stage that first found it spent.
///
/// Not `Sync` (the stage is noted in a [`Cell`]): one deadline belongs to the one thread
/// processing its file.
#[derive(Debug, Clone)]
pub struct Deadline {
    /// The instant the budget is spent; `None` for no limit.
    at: Option<Instant>,
    /// The budget, as given (for the reason).
    limit: Duration,
    /// The first stage that found the budget spent.
    spent_in: Cell<Option<&'static str>>,
}

impl Default for Deadline {
    fn default() -> Deadline {
        Deadline::none()
    }
}

impl Deadline {
    /// No limit: every check passes.
    pub fn none() -> Deadline {
        Deadline {
            at: None,
            limit: Duration::ZERO,
            spent_in: Cell::new(None),
        }
    }

    /// A budget of `limit` from now; `None` means no limit.
    pub fn after(limit: Option<Duration>) -> Deadline {
        match limit {
            None => Deadline::none(),
            Some(limit) => Deadline {
                at: Some(Instant::now().checked_add(limit).unwrap_or_else(far_future)),
                limit,
                spent_in: Cell::new(None),
            },
        }
    }

    /// True when the budget is spent; the first stage to find it so is remembered. Once
    /// spent, it stays spent (later checks need not read the clock).
    pub fn expired(&self, stage: &'static str) -> bool {
        if self.spent_in.get().is_some() {
            return true;
        }
        match self.at {
            Some(at) if Instant::now() >= at => {
                self.spent_in.set(Some(stage));
                true
            }
            _ => false,
        }
    }

    /// The time left, `None` for no limit (zero once spent).
    pub fn remaining(&self) -> Option<Duration> {
        self.at
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// Marks the budget spent in `stage` (an external tool killed at the deadline).
    pub fn spend(&self, stage: &'static str) {
        if self.spent_in.get().is_none() {
            self.spent_in.set(Some(stage));
        }
    }

    /// The stage that found the budget spent, if any did.
    pub fn spent_in(&self) -> Option<&'static str> {
        self.spent_in.get()
    }

    /// The reason a file over its budget is `failed`: "exceeded 60 s in html".
    pub fn reason(&self) -> Option<String> {
        let stage = self.spent_in.get()?;
        Some(format!(
            "{TIMEOUT_PREFIX}{} s in {stage}",
            self.limit.as_secs_f64()
        ))
    }
}

/// How the reason of every file over its budget begins (the run's summary counts them).
pub const TIMEOUT_PREFIX: &str = "exceeded ";

/// True when a record's reason says its file ran out of time.
pub fn is_timeout_reason(reason: Option<&str>) -> bool {
    reason.is_some_and(|r| r.starts_with(TIMEOUT_PREFIX))
}

/// An instant too far to be reached (a budget of years).
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600)
}

/// Checks `deadline` once every `every` steps of a loop whose steps are too small to read
/// the clock each time.
#[derive(Debug)]
pub struct Every {
    every: u32,
    left: u32,
}

impl Every {
    /// A check every `every` steps (the first step checks).
    pub fn new(every: u32) -> Every {
        Every {
            every: every.max(1),
            left: 0,
        }
    }

    /// True when the budget is spent, looking at the clock once every `every` calls.
    pub fn expired(&mut self, deadline: &Deadline, stage: &'static str) -> bool {
        if self.left == 0 {
            self.left = self.every;
            return deadline.expired(stage);
        }
        self.left -= 1;
        deadline.spent_in().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_limit_never_expires() {
        let d = Deadline::none();
        assert!(!d.expired("html"));
        assert_eq!(d.remaining(), None);
        assert_eq!(d.reason(), None);
    }

    #[test]
    fn the_first_stage_to_find_it_spent_is_named() {
        let d = Deadline::after(Some(Duration::ZERO));
        assert!(d.expired("html"));
        assert!(d.expired("layout"));
        assert_eq!(d.reason().as_deref(), Some("exceeded 0 s in html"));
        assert!(is_timeout_reason(d.reason().as_deref()));
        let d = Deadline::after(Some(Duration::from_secs(60)));
        assert!(!d.expired("html"));
        d.spend("pdftotext");
        assert_eq!(d.reason().as_deref(), Some("exceeded 60 s in pdftotext"));
        assert!(!is_timeout_reason(Some("internal error")));
    }

    #[test]
    fn every_looks_at_the_clock_now_and_then() {
        let d = Deadline::after(Some(Duration::ZERO));
        let mut every = Every::new(3);
        assert!(every.expired(&d, "prose"));
        let fresh = Deadline::after(Some(Duration::from_secs(3600)));
        let mut every = Every::new(3);
        assert!((0..10).all(|_| !every.expired(&fresh, "prose")));
    }
}
