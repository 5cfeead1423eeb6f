//! The sink: rows to `facts.parquet`, `reports.parquet`, `checks.parquet` and `panel.parquet`.
//!
//! The only stage that writes the dataset. Rows are sorted as `schema.md` says and written
//! with zstd compression and dictionary-encoded strings, one row group of
//! [`SinkOptions::row_group_size`] rows at a time, so the same rows give the same bytes
//! whether they come from memory ([`write_dataset`]) or stream from a large run
//! ([`DatasetWriter`]).
//! Each file is written to a temporary name and renamed into place only when all of them are
//! complete: an interrupted run never leaves a half-written dataset.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int16Array, Int32Array, Int64Array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::basic::{Compression, ZstdLevel};
use parquet::column::writer::ColumnCloseResult;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use rayon::prelude::*;

#[cfg(test)]
use crate::model::Fact;
use crate::model::{Check, Level, Method, ReportRecord, Status, Template};
use crate::panel::{Measure, PanelRules, PanelValues, RATES};

mod dict;
pub mod read;

use dict::DictColumn;

/// Version of the output schema (`schema.md`).
pub const SCHEMA_VERSION: &str = "1";

/// Why the dataset could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// Creating, writing or renaming a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Encoding Parquet failed.
    #[error("cannot encode {path}: {source}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: parquet::errors::ParquetError,
    },
}

/// A column the dataset can be split into Hive-style directories by (`year=2017/…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PartitionBy {
    /// The statistical year.
    Year,
    /// The province.
    Province,
}

impl PartitionBy {
    /// Every partition column.
    pub const ALL: [PartitionBy; 2] = [PartitionBy::Year, PartitionBy::Province];

    /// The column name, also the directory key.
    pub fn as_str(self) -> &'static str {
        match self {
            PartitionBy::Year => "year",
            PartitionBy::Province => "province",
        }
    }
}

/// Options of the sink.
#[derive(Debug, Clone)]
pub struct SinkOptions {
    /// Rows per row group. Defaults to 128 Ki.
    pub row_group_size: usize,
    /// `xxgk.version`.
    pub version: String,
    /// `xxgk.taxonomy_version`.
    pub taxonomy_version: String,
    /// Suffix of the file names (`-1-of-4` for shards); empty by default.
    pub suffix: String,
    /// Hive-style partition columns, outermost first; empty: one file per table.
    pub partition_by: Vec<PartitionBy>,
    /// Threads that encode a row group's columns (default: rayon's global pool).
    pub pool: Option<Arc<rayon::ThreadPool>>,
}

impl SinkOptions {
    /// Options with the given versions and defaults otherwise.
    pub fn new(version: &str, taxonomy_version: &str) -> SinkOptions {
        SinkOptions {
            row_group_size: 128 * 1024,
            version: version.to_string(),
            taxonomy_version: taxonomy_version.to_string(),
            suffix: String::new(),
            partition_by: Vec::new(),
            pool: None,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// Rows of facts.parquet.
    pub facts: usize,
    /// Rows of reports.parquet.
    pub reports: usize,
    /// Rows of checks.parquet.
    pub checks: usize,
    /// Rows of panel.parquet.
    pub panel: usize,
    /// The files written (one per table, or one per table and partition).
    pub files: Vec<PathBuf>,
}

/// True when a record's facts and checks go into the dataset.
pub fn contributes(r: &ReportRecord) -> bool {
    matches!(r.status, Status::Ok | Status::Partial)
}

/// A string shared by many rows (a report's agency, region, path…): cloning is a reference
/// count, not an allocation.
pub type Shared = Arc<str>;

/// One row of facts.parquet, with the position it came from (file index in walk order, fact
/// index in the file) so sorted runs merge into exactly the order of a stable in-memory sort.
/// The columns of the report are shared by all its rows ([`RecordColumns`]), and indicator,
/// unit and value_raw are [`Text`]s: names of the taxonomy or spans of the report's own
/// text. A row is small to move, allocates nothing of its own and shares no string with the
/// rows of other reports (interning value_raw, and counting references to indicator names
/// from three threads at once, were 11% of a nightly re-run's CPU by perf).
#[derive(Debug, Clone)]
pub struct FactRow {
    /// The report's columns.
    pub record: Arc<RecordColumns>,
    pub indicator: Text,
    pub value: Option<f64>,
    pub value_raw: Text,
    pub unit: Text,
    pub method: Method,
    pub source_line: i32,
    /// Index of the source file in walk order.
    pub file: u32,
    /// Index of the fact within its file.
    pub seq: u32,
}

/// A string of a fact row: a name of the embedded taxonomy, or a byte range of its
/// report's [`RecordColumns::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// A name of the taxonomy (indicator id or unit), which lives as long as the program.
    Named(&'static str),
    /// Bytes `start..end` of the report's text.
    Span(u32, u32),
}

impl Text {
    /// Appends `s` to a report's `text` and returns its span.
    pub fn push(text: &mut String, s: &str) -> Text {
        let start = text.len() as u32;
        text.push_str(s);
        Text::Span(start, text.len() as u32)
    }
}

/// The report-level columns of a record's fact rows, allocated once per record.
#[derive(Debug, Clone)]
pub struct RecordColumns {
    pub agency: Option<Shared>,
    pub year: Option<i16>,
    pub province: Option<Shared>,
    pub city: Option<Shared>,
    pub county: Option<Shared>,
    pub division_code: Option<Shared>,
    pub level: Level,
    pub template: Option<Template>,
    pub report_id: Shared,
    pub source_path: Shared,
    /// The strings of its fact rows that are not taxonomy names ([`Text::Span`]): storage,
    /// not a column, so two reports with equal columns are equal whatever their text.
    pub text: Box<str>,
}

impl PartialEq for RecordColumns {
    /// Equal columns; the text is storage.
    fn eq(&self, o: &RecordColumns) -> bool {
        fn columns(c: &RecordColumns) -> impl PartialEq + '_ {
            let names = [&c.agency, &c.province, &c.city, &c.county, &c.division_code];
            (
                names,
                c.year,
                c.level,
                c.template,
                [&c.report_id, &c.source_path],
            )
        }
        columns(self) == columns(o)
    }
}

impl RecordColumns {
    /// The shared columns of a record, without text (enough for its checks).
    pub fn of(r: &ReportRecord) -> Arc<RecordColumns> {
        Arc::new(RecordColumns::with_text(r, String::new()))
    }

    /// The columns of a record whose fact rows point into `text`.
    pub fn with_text(r: &ReportRecord, text: String) -> RecordColumns {
        let shared = |s: &Option<String>| s.as_deref().map(Shared::from);
        RecordColumns {
            agency: shared(&r.identity.agency),
            year: r.identity.year,
            province: shared(&r.identity.province),
            city: shared(&r.identity.city),
            county: shared(&r.identity.county),
            division_code: shared(&r.identity.division_code),
            level: r.identity.level,
            template: r.template,
            report_id: r.report_id.as_str().into(),
            source_path: r.source_path.as_str().into(),
            text: text.into(),
        }
    }

    /// The string `t` stands for.
    pub fn resolve(&self, t: Text) -> &str {
        match t {
            Text::Named(s) => s,
            Text::Span(start, end) => &self.text[start as usize..end as usize],
        }
    }
}

impl PartialEq for FactRow {
    /// Equal columns and position, wherever the strings are kept.
    fn eq(&self, o: &FactRow) -> bool {
        self.record == o.record
            && self.indicator() == o.indicator()
            && self.value == o.value
            && self.value_raw() == o.value_raw()
            && self.unit() == o.unit()
            && (self.method, self.source_line, self.file, self.seq)
                == (o.method, o.source_line, o.file, o.seq)
    }
}

impl FactRow {
    /// The rows of every fact of record `r`, the `file`-th file walked, sharing one
    /// [`RecordColumns`].
    pub fn rows_of(r: &ReportRecord, file: u32) -> Vec<FactRow> {
        let mut text = String::new();
        let texts: Vec<[Text; 3]> = r
            .facts
            .iter()
            .map(|f| [&f.indicator, &f.value_raw, &f.unit].map(|s| Text::push(&mut text, s)))
            .collect();
        let record = Arc::new(RecordColumns::with_text(r, text));
        r.facts
            .iter()
            .zip(texts)
            .enumerate()
            .map(|(seq, (f, [indicator, value_raw, unit]))| FactRow {
                record: record.clone(),
                indicator,
                value: f.value,
                value_raw,
                unit,
                method: f.method,
                source_line: f.line as i32,
                file,
                seq: seq as u32,
            })
            .collect()
    }

    /// The row of fact `f` of record `r`, as fact `seq` of the `file`-th file walked, with
    /// columns of its own.
    #[cfg(test)]
    pub fn of(r: &ReportRecord, f: &Fact, file: u32, seq: u32) -> FactRow {
        let mut one = r.clone();
        one.facts = vec![f.clone()];
        let mut row = FactRow::rows_of(&one, file).remove(0);
        row.seq = seq;
        row
    }

    /// The indicator id.
    pub fn indicator(&self) -> &str {
        self.record.resolve(self.indicator)
    }

    /// The value as written.
    pub fn value_raw(&self) -> &str {
        self.record.resolve(self.value_raw)
    }

    /// The unit.
    pub fn unit(&self) -> &str {
        self.record.resolve(self.unit)
    }

    /// facts.parquet order: agency, year, indicator, report_id, source_path, then position.
    pub fn sort_cmp(&self, o: &FactRow) -> Ordering {
        let (a, b) = (&*self.record, &*o.record);
        (
            &a.agency,
            a.year,
            self.indicator(),
            &a.report_id,
            &a.source_path,
        )
            .cmp(&(
                &b.agency,
                b.year,
                o.indicator(),
                &b.report_id,
                &b.source_path,
            ))
            .then(self.file.cmp(&o.file))
            .then(self.seq.cmp(&o.seq))
    }

    /// The order of two rows of the same report: [`FactRow::sort_cmp`] without the report's
    /// constant columns.
    pub fn cmp_within_report(&self, o: &FactRow) -> Ordering {
        self.indicator()
            .cmp(o.indicator())
            .then(self.seq.cmp(&o.seq))
    }
}

/// One row of checks.parquet, with its position like [`FactRow`]. Like a fact row it shares
/// its report's columns (report_id, agency, year, and province and source_path for
/// partitions and order) and allocates nothing of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRow {
    /// The report's columns.
    pub record: Arc<RecordColumns>,
    pub check: Shared,
    pub expected: f64,
    pub actual: f64,
    pub ok: bool,
    pub file: u32,
    pub seq: u32,
}

impl CheckRow {
    /// The row of check `seq` of record `r`, the `file`-th file walked.
    pub fn of(r: &ReportRecord, c: &Check, file: u32, seq: u32) -> CheckRow {
        CheckRow::with(&RecordColumns::of(r), c.check.as_str().into(), c, file, seq)
    }

    /// The row of check `seq` (whose id is `check`) of a record whose shared columns are `r`.
    pub fn with(r: &Arc<RecordColumns>, check: Shared, c: &Check, file: u32, seq: u32) -> CheckRow {
        CheckRow {
            record: r.clone(),
            check,
            expected: c.expected,
            actual: c.actual,
            ok: c.ok,
            file,
            seq,
        }
    }

    /// checks.parquet order: report_id, check, source_path, then position.
    pub fn sort_cmp(&self, o: &CheckRow) -> Ordering {
        let (a, b) = (&*self.record, &*o.record);
        (
            &a.report_id,
            &self.check,
            &a.source_path,
            self.file,
            self.seq,
        )
            .cmp(&(&b.report_id, &o.check, &b.source_path, o.file, o.seq))
    }
}

/// One row of reports.parquet: a record without its facts and checks.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub source_path: String,
    pub report_id: String,
    pub bytes: i64,
    pub format: String,
    pub encoding: Option<String>,
    pub status: String,
    pub reason: Option<String>,
    pub agency_raw: Option<String>,
    pub agency: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub county: Option<String>,
    pub division_code: Option<String>,
    pub level: String,
    pub year: Option<i16>,
    pub published: Option<i32>,
    pub template: Option<String>,
    pub facts: i32,
    pub checks_failed: i32,
    pub duplicate_of: Option<String>,
}

impl ReportRow {
    /// The row of a record (with its final status: facts and checks count only when it
    /// contributes).
    pub fn of(r: &ReportRecord) -> ReportRow {
        ReportRow::with_counts(r, r.facts.len(), r.checks_failed())
    }

    /// [`ReportRow::of`] for a record decoded without its facts and checks, of which it had
    /// `facts` facts and `checks_failed` failed checks.
    pub fn with_counts(r: &ReportRecord, facts: usize, checks_failed: usize) -> ReportRow {
        let counts = contributes(r);
        ReportRow {
            source_path: r.source_path.clone(),
            report_id: r.report_id.clone(),
            bytes: r.bytes as i64,
            format: r.format.clone(),
            encoding: r.encoding.clone(),
            status: r.status.as_str().to_string(),
            reason: r.reason.clone(),
            agency_raw: r.identity.agency_raw.clone(),
            agency: r.identity.agency.clone(),
            province: r.identity.province.clone(),
            city: r.identity.city.clone(),
            county: r.identity.county.clone(),
            division_code: r.identity.division_code.clone(),
            level: r.identity.level.as_str().to_string(),
            year: r.identity.year,
            published: r.identity.published.map(|d| d.days_since_epoch()),
            template: r.template.map(|t| t.as_str().to_string()),
            facts: if counts { facts as i32 } else { 0 },
            checks_failed: if counts { checks_failed as i32 } else { 0 },
            duplicate_of: r.duplicate_of.clone(),
        }
    }
}

/// One row of panel.parquet: a contributing report's identity and its harmonized measures
/// and rates ([`crate::panel`] computes them; the sink only writes them).
#[derive(Debug, Clone, PartialEq)]
pub struct PanelRow {
    /// The report's columns (no text).
    pub record: Arc<RecordColumns>,
    /// Measures, rates and failed checks.
    pub values: PanelValues,
    /// Index of the source file in walk order (orders rows of equal keys).
    pub file: u32,
}

impl PanelRow {
    /// The row of record `r`, the `file`-th file walked, which failed `checks_failed`
    /// identities (its own and those across years).
    pub fn of(r: &ReportRecord, panel: &PanelRules, checks_failed: usize, file: u32) -> PanelRow {
        PanelRow {
            record: RecordColumns::of(r),
            values: panel.values(r.template, &r.facts, checks_failed),
            file,
        }
    }

    /// [`PanelRow::of`] for a record decoded without its facts (`r`) and the facts'
    /// (indicator, value) pairs.
    pub fn of_values<'a>(
        r: &ReportRecord,
        facts: impl IntoIterator<Item = (&'a str, Option<f64>)>,
        panel: &PanelRules,
        checks_failed: usize,
        file: u32,
    ) -> PanelRow {
        PanelRow {
            record: RecordColumns::of(r),
            values: panel.values_of(r.template, facts, checks_failed),
            file,
        }
    }

    /// panel.parquet order: agency, year, report_id, then source_path and position.
    pub fn sort_cmp(&self, o: &PanelRow) -> Ordering {
        let (a, b) = (&*self.record, &*o.record);
        (&a.agency, a.year, &a.report_id, &a.source_path, self.file).cmp(&(
            &b.agency,
            b.year,
            &b.report_id,
            &b.source_path,
            o.file,
        ))
    }
}

/// A row type of one of the tables.
pub trait TableRow: Sized + Sync {
    /// File stem: `facts`, `reports` or `checks`.
    const STEM: &'static str;
    /// The table's row groups hold [`SinkOptions::row_group_size`] divided by this many rows
    /// (wide rows, smaller groups: a row group is buffered whole).
    const ROW_GROUP_DIVISOR: usize = 1;
    /// The Arrow schema of all columns.
    fn schema() -> Schema;
    /// Column `index` of [`TableRow::schema`] for these rows.
    fn column<'a>(rows: &Rows<'a, Self>, index: usize) -> Column<'a>;
    /// The value of a partition column, `None` for null.
    fn partition_value(&self, by: PartitionBy) -> Option<String>;
}

/// One column of a row group, ready to encode.
pub enum Column<'a> {
    /// An Arrow array, encoded by arrow-rs.
    Arrow(ArrayRef),
    /// Strings that repeat, dictionary-encoded by `dict.rs` (which borrows them from the rows).
    Dict(DictColumn<'a>),
}

/// The rows of one row group, in pieces taken in order, as the column builders read them.
pub struct Rows<'a, R> {
    pieces: &'a [Vec<R>],
    /// Runs of rows sharing their report's columns, found once for all the columns that
    /// read them (each scan of the rows is a pass over a hundred megabytes at 10⁶ rows).
    runs: std::sync::OnceLock<Vec<(&'a RecordColumns, usize)>>,
}

impl<'a, R> Rows<'a, R> {
    /// The rows of `pieces`.
    pub fn new(pieces: &'a [Vec<R>]) -> Rows<'a, R> {
        Rows {
            pieces,
            runs: std::sync::OnceLock::new(),
        }
    }

    /// Every row, in order.
    fn iter(&self) -> impl Iterator<Item = &'a R> + Clone + use<'a, R> {
        self.pieces.iter().flatten()
    }

    /// How many rows.
    fn len(&self) -> usize {
        self.pieces.iter().map(Vec::len).sum()
    }
}

impl<'a, R: OfReport> Rows<'a, R> {
    /// The runs of consecutive rows of one report: its columns and the run's length.
    fn record_runs(&self) -> &[(&'a RecordColumns, usize)] {
        self.runs.get_or_init(|| {
            self.pieces
                .iter()
                .flat_map(|piece| piece.chunk_by(|a, b| Arc::ptr_eq(a.record(), b.record())))
                .map(|run| (&**run[0].record(), run.len()))
                .collect()
        })
    }
}

/// A dictionary-encoded string column: one value per row, in order.
fn dict<'a, R: 'a>(
    rows: &Rows<'a, R>,
    nullable: bool,
    value: impl Fn(&'a R) -> Option<&'a str>,
) -> Column<'a> {
    let mut col = DictColumn::new(nullable, rows.len());
    for r in rows.iter() {
        col.push(value(r));
    }
    Column::Dict(col)
}

/// A row that shares its report's columns (facts and checks).
pub trait OfReport {
    /// The columns of the row's report, shared by all its rows.
    fn record(&self) -> &Arc<RecordColumns>;
}

impl OfReport for FactRow {
    fn record(&self) -> &Arc<RecordColumns> {
        &self.record
    }
}

impl OfReport for CheckRow {
    fn record(&self) -> &Arc<RecordColumns> {
        &self.record
    }
}

/// A dictionary-encoded column of the report's own strings: one lookup per run of rows that
/// share their report's columns.
fn record_dict<'a, R: OfReport>(
    rows: &Rows<'a, R>,
    nullable: bool,
    value: impl Fn(&'a RecordColumns) -> Option<&'a str>,
) -> Column<'a> {
    let mut col = DictColumn::new(nullable, rows.len());
    for &(record, n) in rows.record_runs() {
        col.push_n(value(record), n);
    }
    Column::Dict(col)
}

/// The report's year, one value per row.
fn record_years<R: OfReport>(rows: &Rows<'_, R>) -> Column<'static> {
    let years = rows
        .record_runs()
        .iter()
        .flat_map(|&(record, n)| std::iter::repeat_n(record.year, n));
    Column::Arrow(Arc::new(Int16Array::from_iter(years)))
}

fn utf8(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

/// A string column, its buffers sized in a first pass (growing them row by row costs more
/// than the pass).
fn strings<'a>(it: impl Iterator<Item = Option<&'a str>> + Clone) -> ArrayRef {
    let (rows, bytes) = it
        .clone()
        .fold((0, 0), |(n, b), s| (n + 1, b + s.map_or(0, str::len)));
    let mut builder = arrow_array::builder::StringBuilder::with_capacity(rows, bytes);
    for s in it {
        builder.append_option(s);
    }
    Arc::new(builder.finish())
}

fn year_string(y: Option<i16>) -> Option<String> {
    y.map(|y| y.to_string())
}

impl TableRow for FactRow {
    const STEM: &'static str = "facts";

    fn schema() -> Schema {
        Schema::new(vec![
            utf8("agency", true),
            Field::new("year", DataType::Int16, true),
            utf8("indicator", false),
            Field::new("value", DataType::Float64, true),
            utf8("value_raw", false),
            utf8("unit", false),
            utf8("province", true),
            utf8("city", true),
            utf8("county", true),
            utf8("division_code", true),
            utf8("level", false),
            utf8("template", true),
            utf8("method", false),
            utf8("report_id", false),
            utf8("source_path", false),
            Field::new("source_line", DataType::Int32, false),
        ])
    }

    fn column<'a>(rows: &Rows<'a, FactRow>, index: usize) -> Column<'a> {
        let arrow = |a: ArrayRef| Column::Arrow(a);
        match index {
            0 => record_dict(rows, true, |r| r.agency.as_deref()),
            1 => record_years(rows),
            2 => dict(rows, false, |r| Some(r.indicator())),
            3 => arrow(Arc::new(Float64Array::from_iter(
                rows.iter().map(|r| r.value),
            ))),
            4 => dict(rows, false, |r| Some(r.value_raw())),
            5 => dict(rows, false, |r| Some(r.unit())),
            6 => record_dict(rows, true, |r| r.province.as_deref()),
            7 => record_dict(rows, true, |r| r.city.as_deref()),
            8 => record_dict(rows, true, |r| r.county.as_deref()),
            9 => record_dict(rows, true, |r| r.division_code.as_deref()),
            10 => record_dict(rows, false, |r| Some(r.level.as_str())),
            11 => record_dict(rows, true, |r| r.template.map(Template::as_str)),
            12 => dict(rows, false, |r| Some(r.method.as_str())),
            13 => record_dict(rows, false, |r| Some(&*r.report_id)),
            14 => record_dict(rows, false, |r| Some(&*r.source_path)),
            15 => arrow(Arc::new(Int32Array::from_iter_values(
                rows.iter().map(|r| r.source_line),
            ))),
            _ => panic!("facts has 16 columns, not {index}"),
        }
    }

    fn partition_value(&self, by: PartitionBy) -> Option<String> {
        match by {
            PartitionBy::Year => year_string(self.record.year),
            PartitionBy::Province => self.record.province.as_deref().map(str::to_string),
        }
    }
}

impl TableRow for ReportRow {
    const STEM: &'static str = "reports";
    /// A report row carries names, a path and a reason: a few hundred bytes, so its row
    /// groups hold 8 Ki rows (at 10⁵ files, 32 Ki-row groups took 26 MB more at peak).
    const ROW_GROUP_DIVISOR: usize = 16;

    fn schema() -> Schema {
        Schema::new(vec![
            utf8("source_path", false),
            utf8("report_id", false),
            Field::new("bytes", DataType::Int64, false),
            utf8("format", false),
            utf8("encoding", true),
            utf8("status", false),
            utf8("reason", true),
            utf8("agency_raw", true),
            utf8("agency", true),
            utf8("province", true),
            utf8("city", true),
            utf8("county", true),
            utf8("division_code", true),
            utf8("level", false),
            Field::new("year", DataType::Int16, true),
            Field::new("published", DataType::Date32, true),
            utf8("template", true),
            Field::new("facts", DataType::Int32, false),
            Field::new("checks_failed", DataType::Int32, false),
            utf8("duplicate_of", true),
        ])
    }

    /// Every column through arrow-rs: most of a report's strings are its own, and arrow-rs
    /// falls back from a dictionary that would not pay.
    fn column<'a>(rows: &Rows<'a, ReportRow>, index: usize) -> Column<'a> {
        let array: ArrayRef = match index {
            0 => strings(rows.iter().map(|r| Some(r.source_path.as_str()))),
            1 => strings(rows.iter().map(|r| Some(r.report_id.as_str()))),
            2 => Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.bytes))),
            3 => strings(rows.iter().map(|r| Some(r.format.as_str()))),
            4 => strings(rows.iter().map(|r| r.encoding.as_deref())),
            5 => strings(rows.iter().map(|r| Some(r.status.as_str()))),
            6 => strings(rows.iter().map(|r| r.reason.as_deref())),
            7 => strings(rows.iter().map(|r| r.agency_raw.as_deref())),
            8 => strings(rows.iter().map(|r| r.agency.as_deref())),
            9 => strings(rows.iter().map(|r| r.province.as_deref())),
            10 => strings(rows.iter().map(|r| r.city.as_deref())),
            11 => strings(rows.iter().map(|r| r.county.as_deref())),
            12 => strings(rows.iter().map(|r| r.division_code.as_deref())),
            13 => strings(rows.iter().map(|r| Some(r.level.as_str()))),
            14 => Arc::new(Int16Array::from_iter(rows.iter().map(|r| r.year))),
            15 => Arc::new(Date32Array::from_iter(rows.iter().map(|r| r.published))),
            16 => strings(rows.iter().map(|r| r.template.as_deref())),
            17 => Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.facts))),
            18 => Arc::new(Int32Array::from_iter_values(
                rows.iter().map(|r| r.checks_failed),
            )),
            19 => strings(rows.iter().map(|r| r.duplicate_of.as_deref())),
            _ => panic!("reports has 20 columns, not {index}"),
        };
        Column::Arrow(array)
    }

    fn partition_value(&self, by: PartitionBy) -> Option<String> {
        match by {
            PartitionBy::Year => year_string(self.year),
            PartitionBy::Province => self.province.clone(),
        }
    }
}

impl TableRow for CheckRow {
    const STEM: &'static str = "checks";

    fn schema() -> Schema {
        Schema::new(vec![
            utf8("report_id", false),
            utf8("agency", true),
            Field::new("year", DataType::Int16, true),
            utf8("check", false),
            Field::new("expected", DataType::Float64, false),
            Field::new("actual", DataType::Float64, false),
            Field::new("ok", DataType::Boolean, false),
        ])
    }

    fn column<'a>(rows: &Rows<'a, CheckRow>, index: usize) -> Column<'a> {
        let arrow = |a: ArrayRef| Column::Arrow(a);
        match index {
            0 => record_dict(rows, false, |r| Some(&*r.report_id)),
            1 => record_dict(rows, true, |r| r.agency.as_deref()),
            2 => record_years(rows),
            3 => dict(rows, false, |r| Some(&*r.check)),
            4 => arrow(Arc::new(Float64Array::from_iter_values(
                rows.iter().map(|r| r.expected),
            ))),
            5 => arrow(Arc::new(Float64Array::from_iter_values(
                rows.iter().map(|r| r.actual),
            ))),
            6 => arrow(Arc::new(BooleanArray::from_iter(
                rows.iter().map(|r| Some(r.ok)),
            ))),
            _ => panic!("checks has 7 columns, not {index}"),
        }
    }

    fn partition_value(&self, by: PartitionBy) -> Option<String> {
        match by {
            PartitionBy::Year => year_string(self.record.year),
            PartitionBy::Province => self.record.province.as_deref().map(str::to_string),
        }
    }
}

impl TableRow for PanelRow {
    const STEM: &'static str = "panel";
    /// About thirty columns per row, like a report row.
    const ROW_GROUP_DIVISOR: usize = 16;

    fn schema() -> Schema {
        let mut fields = vec![
            utf8("agency", true),
            Field::new("year", DataType::Int16, true),
            utf8("province", true),
            utf8("city", true),
            utf8("county", true),
            utf8("division_code", true),
            utf8("level", false),
            utf8("template", true),
            utf8("report_id", false),
            utf8("source_path", false),
            Field::new("checks_failed", DataType::Int32, false),
        ];
        fields.extend(
            Measure::ALL
                .iter()
                .map(|m| Field::new(m.as_str(), DataType::Float64, true)),
        );
        fields.extend(
            RATES
                .iter()
                .map(|r| Field::new(r.name, DataType::Float64, true)),
        );
        Schema::new(fields)
    }

    fn column<'a>(rows: &Rows<'a, PanelRow>, index: usize) -> Column<'a> {
        let rec = || rows.iter().map(|r| &*r.record);
        let array: ArrayRef = match index {
            0 => strings(rec().map(|r| r.agency.as_deref())),
            1 => Arc::new(Int16Array::from_iter(rec().map(|r| r.year))),
            2 => strings(rec().map(|r| r.province.as_deref())),
            3 => strings(rec().map(|r| r.city.as_deref())),
            4 => strings(rec().map(|r| r.county.as_deref())),
            5 => strings(rec().map(|r| r.division_code.as_deref())),
            6 => strings(rec().map(|r| Some(r.level.as_str()))),
            7 => strings(rec().map(|r| r.template.map(Template::as_str))),
            8 => strings(rec().map(|r| Some(&*r.report_id))),
            9 => strings(rec().map(|r| Some(&*r.source_path))),
            10 => Arc::new(Int32Array::from_iter_values(
                rows.iter().map(|r| r.values.checks_failed),
            )),
            i if i < 11 + Measure::ALL.len() => Arc::new(Float64Array::from_iter(
                rows.iter().map(|r| r.values.measures[i - 11]),
            )),
            i if i < 11 + Measure::ALL.len() + RATES.len() => Arc::new(Float64Array::from_iter(
                rows.iter()
                    .map(|r| r.values.rates[i - 11 - Measure::ALL.len()]),
            )),
            _ => panic!("panel has {} columns, not {index}", 11 + 17 + 4),
        };
        Column::Arrow(array)
    }

    fn partition_value(&self, by: PartitionBy) -> Option<String> {
        match by {
            PartitionBy::Year => year_string(self.record.year),
            PartitionBy::Province => self.record.province.as_deref().map(str::to_string),
        }
    }
}

/// Hive's name for a null partition value.
const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// Directory of a partition: `year=2017/province=山东省`.
fn partition_dir(values: &[(PartitionBy, Option<String>)]) -> PathBuf {
    values
        .iter()
        .map(|(by, v)| {
            format!(
                "{}={}",
                by.as_str(),
                v.as_deref()
                    .map(escape_partition)
                    .unwrap_or(NULL_PARTITION.into())
            )
        })
        .collect()
}

/// Hive escapes `/`, `=`, `%` and control characters in partition values.
fn escape_partition(v: &str) -> String {
    v.chars()
        .map(|c| {
            if matches!(c, '/' | '=' | '%' | '\\' | ':') || c.is_control() {
                format!("%{:02X}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// One Parquet file being written under a temporary name.
///
/// Rows are buffered up to a row group, whose columns are then encoded in parallel (one task
/// per column: [`DictColumn`] for repeated strings, arrow-rs' `ArrowColumnWriter` for the
/// rest) and appended in order: a row group's bytes depend only on its rows, never on
/// batching or threads.
struct PartFile<R: TableRow> {
    tmp: PathBuf,
    dest: PathBuf,
    writer: SerializedFileWriter<File>,
    columns: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    /// Columns dropped because they are encoded in the directory name.
    keep: Vec<usize>,
    /// The rows of the row group being filled, in pieces as they came.
    buf: Vec<Vec<R>>,
    /// Rows in `buf`.
    buffered: usize,
    row_group_size: usize,
    row_groups: usize,
    pool: Option<Arc<rayon::ThreadPool>>,
}

impl<R: TableRow> PartFile<R> {
    fn create(dest: PathBuf, opts: &SinkOptions) -> Result<PartFile<R>, SinkError> {
        let full = R::schema();
        let keep: Vec<usize> = (0..full.fields().len())
            .filter(|&i| {
                !opts
                    .partition_by
                    .iter()
                    .any(|p| p.as_str() == full.field(i).name())
            })
            .collect();
        // The metadata also goes into the Arrow schema, where pyarrow and polars show it
        // (`pq.read_table(...).schema.metadata`), not only into the Parquet footer.
        let schema = Arc::new(
            full.project(&keep)
                .expect("kept columns exist")
                .with_metadata(
                    metadata(opts)
                        .into_iter()
                        .map(|kv| (kv.key, kv.value.unwrap_or_default()))
                        .collect::<std::collections::HashMap<String, String>>(),
                ),
        );
        let dir = dest.parent().unwrap_or(Path::new(".")).to_path_buf();
        fs::create_dir_all(&dir).map_err(|source| SinkError::Io {
            path: dir.clone(),
            source,
        })?;
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let file = File::create(&tmp).map_err(|source| SinkError::Io {
            path: tmp.clone(),
            source,
        })?;
        let perr = |source| SinkError::Parquet {
            path: tmp.clone(),
            source,
        };
        // ArrowWriter sets up the file (schema, metadata, the embedded Arrow schema); its
        // low-level parts then write row groups column by column.
        let (writer, columns) =
            ArrowWriter::try_new(file, schema.clone(), Some(writer_properties(opts)))
                .and_then(ArrowWriter::into_serialized_writer)
                .map_err(perr)?;
        Ok(PartFile {
            tmp,
            dest,
            writer,
            columns,
            schema,
            keep,
            buf: Vec::new(),
            buffered: 0,
            row_group_size: (opts.row_group_size / R::ROW_GROUP_DIVISOR).max(1),
            row_groups: 0,
            pool: opts.pool.clone(),
        })
    }

    fn push(&mut self, row: R) -> Result<(), SinkError> {
        match self.buf.last_mut() {
            Some(piece) => piece.push(row),
            None => self.buf.push(vec![row]),
        }
        self.buffered += 1;
        if self.buffered >= self.row_group_size {
            self.flush()
        } else {
            Ok(())
        }
    }

    /// Appends a piece of rows without moving them, split where a row group ends.
    fn push_piece(&mut self, mut piece: Vec<R>) -> Result<(), SinkError> {
        while !piece.is_empty() {
            let room = self.row_group_size - self.buffered;
            if piece.len() < room {
                self.buffered += piece.len();
                self.buf.push(piece);
                return Ok(());
            }
            let rest = piece.split_off(room);
            self.buffered += piece.len();
            self.buf.push(piece);
            self.flush()?;
            piece = rest;
        }
        Ok(())
    }

    /// Writes the buffered rows as one row group.
    fn flush(&mut self) -> Result<(), SinkError> {
        if self.buffered == 0 {
            return Ok(());
        }
        let perr = |source| SinkError::Parquet {
            path: self.tmp.clone(),
            source,
        };
        let writers = self
            .columns
            .create_column_writers(self.row_groups)
            .map_err(perr)?;
        let descriptors = self.writer.schema_descr().columns().to_vec();
        let (schema, rows) = (&self.schema, &Rows::new(&self.buf));
        // Each task builds one column from the rows and encodes it.
        let encode = || -> Vec<parquet::errors::Result<Chunk>> {
            writers
                .into_par_iter()
                .zip(self.keep.par_iter())
                .zip(schema.fields().par_iter())
                .zip(descriptors.into_par_iter())
                .map(
                    |(((mut writer, &index), field), descr)| match R::column(rows, index) {
                        Column::Arrow(array) => {
                            for leaf in compute_leaves(field, &array)? {
                                writer.write(&leaf)?;
                            }
                            writer.close().map(Chunk::Arrow)
                        }
                        Column::Dict(column) => column
                            .encode(descr, zstd_level())
                            .map(|(bytes, close)| Chunk::Dict(bytes, close)),
                    },
                )
                .collect()
        };
        let chunks = match &self.pool {
            Some(pool) => pool.install(encode),
            None => encode(),
        };
        self.buf.clear();
        self.buffered = 0;
        let mut row_group = self.writer.next_row_group().map_err(perr)?;
        for chunk in chunks {
            chunk
                .and_then(|c| match c {
                    Chunk::Arrow(c) => c.append_to_row_group(&mut row_group),
                    Chunk::Dict(bytes, close) => row_group.append_column(&bytes, close),
                })
                .map_err(perr)?;
        }
        row_group.close().map_err(perr)?;
        self.row_groups += 1;
        Ok(())
    }

    /// Completes the file under its temporary name; returns (temporary, final) paths.
    fn close(mut self) -> Result<(PathBuf, PathBuf), SinkError> {
        self.flush()?;
        let perr = |source| SinkError::Parquet {
            path: self.tmp.clone(),
            source,
        };
        let file = self.writer.into_inner().map_err(perr)?;
        file.sync_all().map_err(|source| SinkError::Io {
            path: self.tmp.clone(),
            source,
        })?;
        Ok((self.tmp, self.dest))
    }
}

/// An encoded column chunk of a row group.
enum Chunk {
    Arrow(ArrowColumnChunk),
    /// Bytes of a [`DictColumn`] and their metadata.
    Dict(bytes::Bytes, ColumnCloseResult),
}

/// zstd level of every page.
fn zstd_level() -> ZstdLevel {
    ZstdLevel::try_new(3).unwrap_or_default()
}

fn writer_properties(opts: &SinkOptions) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(zstd_level()))
        .set_dictionary_enabled(true)
        // Line numbers rise within a report: plain values compress better under zstd than
        // dictionary keys do (facts.parquet of the 10k corpus: 1.27 MB -> 1.02 MB).
        .set_column_dictionary_enabled("source_line".into(), false)
        .set_max_row_group_row_count(Some(opts.row_group_size.max(1)))
        .set_key_value_metadata(Some(metadata(opts)))
        .build()
}

/// The key-value metadata every file carries.
fn metadata(opts: &SinkOptions) -> Vec<KeyValue> {
    vec![
        KeyValue::new("xxgk.version".to_string(), opts.version.clone()),
        KeyValue::new(
            "xxgk.taxonomy_version".to_string(),
            opts.taxonomy_version.clone(),
        ),
        KeyValue::new(
            "xxgk.schema_version".to_string(),
            SCHEMA_VERSION.to_string(),
        ),
    ]
}

/// One table written row by row, in sorted order, into one file or one file per partition.
pub struct TableWriter<R: TableRow> {
    dir: PathBuf,
    opts: SinkOptions,
    parts: BTreeMap<Vec<(PartitionBy, Option<String>)>, PartFile<R>>,
    rows: usize,
}

impl<R: TableRow> TableWriter<R> {
    /// A writer of `R::STEM{suffix}.parquet` in `dir`. Without partitioning the file is
    /// created at once, so an empty table still gets its (empty) file.
    pub fn create(dir: &Path, opts: &SinkOptions) -> Result<TableWriter<R>, SinkError> {
        let mut w = TableWriter {
            dir: dir.to_path_buf(),
            opts: opts.clone(),
            parts: BTreeMap::new(),
            rows: 0,
        };
        if opts.partition_by.is_empty() {
            w.part(Vec::new())?;
        }
        Ok(w)
    }

    fn part(
        &mut self,
        key: Vec<(PartitionBy, Option<String>)>,
    ) -> Result<&mut PartFile<R>, SinkError> {
        if !self.parts.contains_key(&key) {
            let dest = self.dir.join(partition_dir(&key)).join(format!(
                "{}{}.parquet",
                R::STEM,
                self.opts.suffix
            ));
            let file = PartFile::create(dest, &self.opts)?;
            self.parts.insert(key.clone(), file);
        }
        Ok(self.parts.get_mut(&key).expect("just inserted"))
    }

    /// Appends pieces of rows (they must come in the table's sort order). Unpartitioned,
    /// the pieces are kept as they are until their row group is encoded.
    pub fn push_pieces(
        &mut self,
        pieces: impl IntoIterator<Item = Vec<R>>,
    ) -> Result<(), SinkError> {
        if !self.opts.partition_by.is_empty() {
            return pieces
                .into_iter()
                .flatten()
                .try_for_each(|row| self.push(row));
        }
        let mut pushed = 0;
        let part = self.part(Vec::new())?;
        let result = pieces.into_iter().try_for_each(|piece| {
            pushed += piece.len();
            part.push_piece(piece)
        });
        self.rows += pushed;
        result
    }

    /// Appends one row (rows must come in the table's sort order).
    pub fn push(&mut self, row: R) -> Result<(), SinkError> {
        let key: Vec<(PartitionBy, Option<String>)> = self
            .opts
            .partition_by
            .clone()
            .into_iter()
            .map(|p| (p, row.partition_value(p)))
            .collect();
        self.rows += 1;
        self.part(key)?.push(row)
    }

    /// Rows pushed so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Completes every file under its temporary name, ready for [`publish`]. Finishing a
    /// table early frees its buffers.
    pub fn finish(self) -> Result<Closed, SinkError> {
        let rows = self.rows;
        let mut closed = Closed {
            pairs: Vec::new(),
            rows,
        };
        let mut first_error = None;
        for (_, part) in self.parts {
            let tmp = part.tmp.clone();
            match part.close() {
                Ok(pair) => closed.pairs.push(pair),
                Err(e) => {
                    let _ = fs::remove_file(&tmp);
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            None => Ok(closed),
            Some(e) => Err(e), // dropping `closed` removes the other temporary files
        }
    }
}

/// A completed table under temporary names. Dropped without [`publish`], its files are
/// removed.
pub struct Closed {
    pairs: Vec<(PathBuf, PathBuf)>,
    rows: usize,
}

impl Drop for Closed {
    fn drop(&mut self) {
        for (tmp, _) in &self.pairs {
            let _ = fs::remove_file(tmp);
        }
    }
}

/// Renames the completed tables into place together.
pub fn publish(
    facts: Closed,
    reports: Closed,
    checks: Closed,
    panel: Closed,
) -> Result<Written, SinkError> {
    let mut written = Written {
        facts: facts.rows,
        reports: reports.rows,
        checks: checks.rows,
        panel: panel.rows,
        files: Vec::new(),
    };
    for mut table in [facts, reports, checks, panel] {
        for (tmp, dest) in std::mem::take(&mut table.pairs) {
            fs::rename(&tmp, &dest).map_err(|source| SinkError::Io {
                path: dest.clone(),
                source,
            })?;
            written.files.push(dest);
        }
    }
    Ok(written)
}

/// Removes the table files of earlier runs that the dataset in `dir` must no longer include,
/// once this run (of shard `suffix`, which wrote `written`) has published its own: a
/// partition that got no rows this time (every report of that year gone), tables of another
/// sharding of the corpus (`facts-K-of-4.parquet` after a switch to 8 shards, or unsharded
/// tables among shards and the reverse). Left alone: this sharding's other shards, and
/// anything not named like a table of xxgk's (`facts[-K-of-N].parquet`, at the top or in
/// Hive partition directories). Otherwise a reader of the directory would count stale rows
/// twice. Returns how many files were removed.
pub fn remove_stale(dir: &Path, suffix: &str, written: &[PathBuf]) -> Result<usize, SinkError> {
    let this = crate::shard::Shard::from_suffix(suffix);
    let mut removed = 0;
    for path in table_files(dir) {
        if written.contains(&path) {
            continue;
        }
        let Some(file_suffix) = table_suffix(&path) else {
            continue;
        };
        let stale = file_suffix == suffix
            || match (this, crate::shard::Shard::from_suffix(file_suffix)) {
                (Some(ours), Some(theirs)) => ours.count != theirs.count,
                _ => true,
            };
        if stale {
            fs::remove_file(&path).map_err(|source| SinkError::Io {
                path: path.clone(),
                source,
            })?;
            removed += 1;
        }
    }
    remove_empty_partitions(dir);
    Ok(removed)
}

/// The stem of a table file's name (`facts`, `panel`…), `None` for any other file.
fn table_stem(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?.strip_suffix(".parquet")?;
    TABLE_STEMS.into_iter().find(|stem| {
        name.strip_prefix(stem).is_some_and(|suffix| {
            suffix.is_empty() || crate::shard::Shard::from_suffix(suffix).is_some()
        })
    })
}

/// The stems of the tables a run writes.
const TABLE_STEMS: [&str; 4] = [
    FactRow::STEM,
    ReportRow::STEM,
    CheckRow::STEM,
    PanelRow::STEM,
];

/// The suffix of a table file's name (`""` or `-K-of-N`), `None` for any other file.
fn table_suffix(path: &Path) -> Option<&str> {
    let name = path.file_name()?.to_str()?.strip_suffix(".parquet")?;
    let suffix = TABLE_STEMS
        .iter()
        .find_map(|stem| name.strip_prefix(stem))?;
    (suffix.is_empty() || crate::shard::Shard::from_suffix(suffix).is_some()).then_some(suffix)
}

/// Whether a directory name is a Hive partition of ours (`year=…`, `province=…`).
fn is_partition_dir(name: &str) -> bool {
    PartitionBy::ALL
        .iter()
        .any(|p| name.starts_with(&format!("{}=", p.as_str())))
}

/// The `.parquet` files at the top of `dir` and in its partition directories (two levels at
/// most: `year=…/province=…`).
fn table_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            match e.file_type() {
                Ok(t) if t.is_dir() && depth < 2 && is_partition_dir(&name) => {
                    dirs.push((path, depth + 1))
                }
                Ok(t) if t.is_file() && name.ends_with(".parquet") => out.push(path),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// Removes partition directories left empty (deepest first); a directory holding anything
/// else stays.
fn remove_empty_partitions(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type().is_ok_and(|t| t.is_dir()) && is_partition_dir(&name) {
            remove_empty_partitions(&e.path());
            let _ = fs::remove_dir(e.path()); // fails, harmlessly, unless empty
        }
    }
}

/// The tables of a dataset, written in streaming fashion and published together.
pub struct DatasetWriter {
    /// facts.parquet.
    pub facts: TableWriter<FactRow>,
    /// reports.parquet.
    pub reports: TableWriter<ReportRow>,
    /// checks.parquet.
    pub checks: TableWriter<CheckRow>,
    /// panel.parquet.
    pub panel: TableWriter<PanelRow>,
}

impl DatasetWriter {
    /// Starts the tables in `dir` (created if missing).
    pub fn create(dir: &Path, opts: &SinkOptions) -> Result<DatasetWriter, SinkError> {
        fs::create_dir_all(dir).map_err(|source| SinkError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(DatasetWriter {
            facts: TableWriter::create(dir, opts)?,
            reports: TableWriter::create(dir, opts)?,
            checks: TableWriter::create(dir, opts)?,
            panel: TableWriter::create(dir, opts)?,
        })
    }

    /// Completes the files and renames them into place together. On error, no file of this
    /// dataset replaces an existing one.
    pub fn finish(self) -> Result<Written, SinkError> {
        let facts = self.facts.finish()?;
        let reports = self.reports.finish()?;
        let checks = self.checks.finish()?;
        let panel = self.panel.finish()?;
        publish(facts, reports, checks, panel)
    }
}

/// Writes the tables of `records` (final statuses, duplicates marked, checks across years
/// linked) into `dir`, the panel's measures by the rules `panel`.
pub fn write_dataset(
    dir: &Path,
    records: &[ReportRecord],
    panel: &PanelRules,
    opts: &SinkOptions,
) -> Result<Written, SinkError> {
    let mut w = DatasetWriter::create(dir, opts)?;
    let mut facts: Vec<FactRow> = Vec::new();
    let mut checks: Vec<CheckRow> = Vec::new();
    let mut panel_rows: Vec<PanelRow> = Vec::new();
    for (i, r) in records.iter().enumerate().filter(|(_, r)| contributes(r)) {
        if !r.facts.is_empty() {
            panel_rows.push(PanelRow::of(r, panel, r.checks_failed(), i as u32));
        }
        facts.extend(FactRow::rows_of(r, i as u32));
        checks.extend(
            r.checks
                .iter()
                .enumerate()
                .map(|(n, c)| CheckRow::of(r, c, i as u32, n as u32)),
        );
    }
    facts.sort_by(FactRow::sort_cmp);
    checks.sort_by(CheckRow::sort_cmp);
    panel_rows.sort_by(PanelRow::sort_cmp);
    let mut reports: Vec<&ReportRecord> = records.iter().collect();
    reports.sort_by(|a, b| a.source_path.cmp(&b.source_path));
    for f in facts {
        w.facts.push(f)?;
    }
    for r in reports {
        w.reports.push(ReportRow::of(r))?;
    }
    for c in checks {
        w.checks.push(c)?;
    }
    for p in panel_rows {
        w.panel.push(p)?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize) -> Vec<FactRow> {
        let mut r = ReportRecord::empty("a/b.txt".into(), "0123456789abcdef".into(), 1, "txt");
        r.identity.agency = Some("某市某局".into());
        r.identity.year = Some(2020);
        r.facts = (0..n)
            .map(|i| Fact {
                indicator: format!("i{i:03}"),
                value: Some(i as f64),
                value_raw: i.to_string(),
                unit: "件".into(),
                method: Method::Table,
                line: i as u32,
            })
            .collect();
        FactRow::rows_of(&r, 0)
    }

    fn write(dir: &Path, pieces: Vec<Vec<FactRow>>, one_by_one: bool) -> Vec<u8> {
        let mut opts = SinkOptions::new("v", "t");
        opts.row_group_size = 7;
        let mut w = DatasetWriter::create(dir, &opts).unwrap();
        if one_by_one {
            for row in pieces.into_iter().flatten() {
                w.facts.push(row).unwrap();
            }
        } else {
            w.facts.push_pieces(pieces).unwrap();
        }
        assert_eq!(w.finish().unwrap().facts, 30);
        fs::read(dir.join("facts.parquet")).unwrap()
    }

    /// Rows of three reports, one without agency, region or year; values that repeat in runs
    /// and values that do not.
    fn varied_rows() -> Vec<Vec<FactRow>> {
        let report = |path: &str, agency: Option<&str>, province: Option<&str>| {
            let mut r = ReportRecord::empty(path.into(), format!("{:016x}", path.len()), 1, "txt");
            r.identity.agency = agency.map(str::to_string);
            r.identity.province = province.map(str::to_string);
            r.identity.year = agency.map(|_| 2021);
            r.template = agency.map(|_| Template::T2021);
            r
        };
        let reports = [
            report("b/乙.html", Some("某省某厅"), Some("山东省")),
            report("a/甲.txt", None, None),
            report("c/丙丁.pdf", Some("北京市某局"), Some("北京市")),
        ];
        reports
            .into_iter()
            .enumerate()
            .map(|(file, mut r)| {
                r.facts = (0..9)
                    .map(|i| Fact {
                        indicator: format!("requests.{}", i % 4),
                        value: (i % 3 != 0).then_some(i as f64),
                        value_raw: ["", "1", "二", "—"][(i * file) % 4].into(),
                        unit: if i < 5 { "件" } else { "人次" }.into(),
                        method: if i % 2 == 0 {
                            Method::Table
                        } else {
                            Method::Text
                        },
                        line: i as u32,
                    })
                    .collect();
                FactRow::rows_of(&r, file as u32)
            })
            .collect()
    }

    /// The columns encoded by [`dict`] read back through arrow-rs as the rows they came
    /// from, with the statistics arrow-rs' own writer gives the same arrays.
    /// What a run removes after publishing: its own tables it did not write this time
    /// (a partition gone), tables of another sharding; not the other shards of its own
    /// sharding, not files that are not xxgk's tables.
    #[test]
    fn stale_tables_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let files = [
            "facts-1-of-4.parquet",
            "reports-1-of-4.parquet",
            "facts-2-of-4.parquet",
            "facts-0-of-3.parquet",
            "facts.parquet",
            "year=2017/facts-1-of-4.parquet",
            "year=2016/facts-1-of-4.parquet",
            "year=2016/checks-3-of-4.parquet",
            "year=2015/province=山东省/facts-1-of-4.parquet",
            "panel-0-of-3.parquet",
            "year=2017/panel-1-of-4.parquet",
            "mine.parquet",
            "facts-x-of-4.parquet",
            "notes/facts.parquet",
            ".xxgk-cache/records-1-of-4.bin",
        ];
        for f in files {
            fs::create_dir_all(d.join(f).parent().unwrap()).unwrap();
            fs::write(d.join(f), f).unwrap();
        }
        let written = vec![
            d.join("facts-1-of-4.parquet"),
            d.join("reports-1-of-4.parquet"),
            d.join("year=2017/facts-1-of-4.parquet"),
        ];
        assert_eq!(remove_stale(d, "-1-of-4", &written).unwrap(), 6);
        let left: Vec<&str> = files
            .iter()
            .copied()
            .filter(|f| d.join(f).exists())
            .collect();
        assert_eq!(
            left,
            [
                "facts-1-of-4.parquet",
                "reports-1-of-4.parquet",
                "facts-2-of-4.parquet",
                "year=2017/facts-1-of-4.parquet",
                "year=2016/checks-3-of-4.parquet",
                "mine.parquet",
                "facts-x-of-4.parquet",
                "notes/facts.parquet",
                ".xxgk-cache/records-1-of-4.bin",
            ]
        );
        assert!(!d.join("year=2015").exists(), "emptied partitions go");
        // An unsharded run removes every shard's tables.
        assert_eq!(remove_stale(d, "", &[]).unwrap(), 5);
        assert!(!d.join("panel-0-of-3.parquet").exists());
        assert!(!d.join("year=2016").exists() && !d.join("year=2017").exists());
        assert!(d.join("mine.parquet").is_file() && d.join("notes/facts.parquet").is_file());
    }

    #[test]
    fn dictionary_columns_read_back_like_arrow_rs_output() {
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        use parquet::file::reader::FileReader;
        let dir = tempfile::tempdir().unwrap();
        let pieces = varied_rows();
        let mut opts = SinkOptions::new("v", "t");
        opts.row_group_size = 10;
        let mut w = DatasetWriter::create(&dir.path().join("ours"), &opts).unwrap();
        w.facts.push_pieces(pieces.clone()).unwrap();
        w.finish().unwrap();

        let schema = Arc::new(FactRow::schema());
        let arrays: Vec<ArrayRef> = (0..schema.fields().len())
            .map(|i| match FactRow::column(&Rows::new(&pieces), i) {
                Column::Arrow(a) => a,
                Column::Dict(d) => d.to_array(),
            })
            .collect();
        let batch = arrow_array::RecordBatch::try_new(schema.clone(), arrays).unwrap();
        let reference = dir.path().join("arrow-rs.parquet");
        let mut writer = ArrowWriter::try_new(
            File::create(&reference).unwrap(),
            schema,
            Some(writer_properties(&opts)),
        )
        .unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();

        let read = |path: &Path| {
            let mut reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
                .unwrap()
                .with_batch_size(1 << 16)
                .build()
                .unwrap();
            let batch = reader.next().unwrap().unwrap();
            assert!(reader.next().is_none());
            batch
        };
        let ours_path = dir.path().join("ours/facts.parquet");
        let (ours, theirs) = (read(&ours_path), read(&reference));
        assert_eq!(ours.num_rows(), 27);
        assert_eq!(ours.columns(), theirs.columns());
        assert_eq!(ours.columns(), batch.columns());

        let meta = |p: &Path| {
            parquet::file::reader::SerializedFileReader::new(File::open(p).unwrap())
                .unwrap()
                .metadata()
                .clone()
        };
        let (a, b) = (meta(&ours_path), meta(&reference));
        assert_eq!(a.num_row_groups(), 3);
        assert_eq!(a.num_row_groups(), b.num_row_groups());
        for g in 0..a.num_row_groups() {
            for c in 0..a.row_group(g).num_columns() {
                let (x, y) = (a.row_group(g).column(c), b.row_group(g).column(c));
                let (sx, sy) = (x.statistics().unwrap(), y.statistics().unwrap());
                let name = x.column_path().string();
                assert_eq!(
                    sx.min_bytes_opt(),
                    sy.min_bytes_opt(),
                    "{name} min, group {g}"
                );
                assert_eq!(
                    sx.max_bytes_opt(),
                    sy.max_bytes_opt(),
                    "{name} max, group {g}"
                );
                assert_eq!(sx.null_count_opt(), sy.null_count_opt(), "{name} nulls");
                assert_eq!(x.num_values(), y.num_values(), "{name} values");
            }
        }
    }

    /// Row groups end every `row_group_size` rows however the rows arrive.
    #[test]
    fn bytes_do_not_depend_on_how_rows_arrive() {
        let dir = tempfile::tempdir().unwrap();
        let all = rows(30);
        let reference = write(&dir.path().join("a"), vec![all.clone()], true);
        let mut pieces = Vec::new();
        let mut rest = all;
        for size in [3, 11, 1, 0, 7, 2] {
            let tail = rest.split_off(size);
            pieces.push(std::mem::replace(&mut rest, tail));
        }
        pieces.push(rest);
        assert_eq!(write(&dir.path().join("b"), pieces, false), reference);
        let meta = parquet::file::reader::SerializedFileReader::new(
            File::open(dir.path().join("b/facts.parquet")).unwrap(),
        )
        .unwrap();
        use parquet::file::reader::FileReader;
        assert_eq!(meta.metadata().num_row_groups(), 5);
    }
}
