//! Plain data handed between the pipeline stages and to the sink.
//!
//! Nothing here knows how it is computed: the stages fill these values, the sink writes them.

use std::fmt;

/// How a value was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// From a table cell.
    Table,
    /// From a sentence.
    Text,
}

impl Method {
    /// The name written to Parquet.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Table => "table",
            Method::Text => "text",
        }
    }
}

/// Which report form a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Template {
    /// The 2008–2018 statistical table (national 统计表 and its local variants).
    T2008,
    /// The 2019 form (国办公开办函〔2019〕60号).
    T2019,
    /// The 2021 form (国办公开办函〔2021〕30号).
    T2021,
    /// No statistics table: numbers only in sentences.
    Prose,
}

impl Template {
    /// The name written to Parquet.
    pub fn as_str(self) -> &'static str {
        match self {
            Template::T2008 => "2008",
            Template::T2019 => "2019",
            Template::T2021 => "2021",
            Template::Prose => "prose",
        }
    }
}

/// Administrative tier of an agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    /// State Council and its departments.
    National,
    /// Province-level government and departments.
    Provincial,
    /// Prefecture-level city.
    Prefecture,
    /// County-level division.
    County,
    /// Township or street office.
    Township,
    /// Not determined.
    #[default]
    Unknown,
}

impl Level {
    /// The name written to Parquet.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::National => "national",
            Level::Provincial => "provincial",
            Level::Prefecture => "prefecture",
            Level::County => "county",
            Level::Township => "township",
            Level::Unknown => "unknown",
        }
    }
}

/// What became of one input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Read completely.
    Ok,
    /// Read, but some part could not be (the reason says which).
    Partial,
    /// Not an annual information-disclosure report.
    NotReport,
    /// Repeats another file (see `duplicate_of`).
    Duplicate,
    /// A format xxgk does not read.
    Unsupported,
    /// Could not be read or decoded at all.
    Unreadable,
    /// Processing failed (a bug: the reason carries the panic message).
    Failed,
}

impl Status {
    /// The name written to Parquet.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Partial => "partial",
            Status::NotReport => "not_report",
            Status::Duplicate => "duplicate",
            Status::Unsupported => "unsupported",
            Status::Unreadable => "unreadable",
            Status::Failed => "failed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A calendar date (the report's publication date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, e.g. 2018.
    pub year: i32,
    /// Month 1–12.
    pub month: u32,
    /// Day 1–31.
    pub day: u32,
}

impl Date {
    /// A validated date, `None` when the day does not exist.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = [
            31,
            if leap { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        if !(1..=12).contains(&month) || day == 0 || day > days[month as usize - 1] {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Days since 1970-01-01 (Arrow's `date32`).
    pub fn days_since_epoch(self) -> i32 {
        // Howard Hinnant's days_from_civil.
        let y = if self.month <= 2 {
            self.year - 1
        } else {
            self.year
        };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = self.month as i32;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + self.day as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe - 719468
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Who published a report, where, and for which year: the normalization stage's answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Identity {
    /// The agency name as written in the report.
    pub agency_raw: Option<String>,
    /// Canonical full name with region prefix, simplified characters.
    pub agency: Option<String>,
    /// Province-level division, e.g. `山东省`.
    pub province: Option<String>,
    /// Prefecture-level city, e.g. `威海市` (municipalities repeat the province).
    pub city: Option<String>,
    /// County-level division, e.g. `环翠区`.
    pub county: Option<String>,
    /// 6-digit code of the most specific division known.
    pub division_code: Option<String>,
    /// The agency's tier.
    pub level: Level,
    /// The statistical year.
    pub year: Option<i16>,
    /// The publication date stated in the report.
    pub published: Option<Date>,
    /// Remarks for the report's `reason` (e.g. a title year overruled by the statistical period).
    pub notes: Vec<String>,
}

/// One extracted number.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// Indicator id from `indicators.csv`.
    pub indicator: String,
    /// The value in the indicator's unit; `None` for blank / not-applicable cells.
    pub value: Option<f64>,
    /// The cell or phrase as written, trimmed.
    pub value_raw: String,
    /// The indicator's unit.
    pub unit: String,
    /// Table cell or sentence.
    pub method: Method,
    /// 1-based line in the document text.
    pub line: u32,
}

/// One accounting identity tested on a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Identity id, e.g. `requests.balance.total`.
    pub check: String,
    /// The side the form states as the total.
    pub expected: f64,
    /// The sum of its parts.
    pub actual: f64,
    /// `expected == actual`.
    pub ok: bool,
}

/// Everything known about one input file after processing: one row of reports.parquet, plus
/// the facts and checks it contributes.
#[derive(Debug, Clone)]
pub struct ReportRecord {
    /// Path relative to the corpus root, `/`-separated.
    pub source_path: String,
    /// First 16 hex digits of the BLAKE3 hash of the bytes.
    pub report_id: String,
    /// File size in bytes.
    pub bytes: u64,
    /// `txt` `html` `docx` `pdf` `doc` `xls` `other`.
    pub format: String,
    /// Encoding used to decode the text, if any.
    pub encoding: Option<String>,
    /// What became of the file.
    pub status: Status,
    /// Why, for any status but `ok`.
    pub reason: Option<String>,
    /// Agency, region and year.
    pub identity: Identity,
    /// The form that was read, if any.
    pub template: Option<Template>,
    /// Extracted numbers.
    pub facts: Vec<Fact>,
    /// Accounting identities tested.
    pub checks: Vec<Check>,
    /// The report this one repeats or is superseded by.
    pub duplicate_of: Option<String>,
}

impl ReportRecord {
    /// A record with no content yet, for a file that is about to be (or could not be) read.
    pub fn empty(source_path: String, report_id: String, bytes: u64, format: &str) -> ReportRecord {
        ReportRecord {
            source_path,
            report_id,
            bytes,
            format: format.to_string(),
            encoding: None,
            status: Status::Ok,
            reason: None,
            identity: Identity::default(),
            template: None,
            facts: Vec::new(),
            checks: Vec::new(),
            duplicate_of: None,
        }
    }

    /// Number of failed checks.
    pub fn checks_failed(&self) -> usize {
        self.checks.iter().filter(|c| !c.ok).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_epoch_days() {
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(Date::new(2018, 3, 20).unwrap().days_since_epoch(), 17610);
        assert!(Date::new(2018, 2, 30).is_none());
    }
}
