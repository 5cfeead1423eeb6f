//! The sink: report records to `facts.parquet`, `reports.parquet` and `checks.parquet`.
//!
//! The only stage that writes files. Rows are sorted as `schema.md` says and written with
//! zstd compression and dictionary-encoded strings, so the same input gives the same bytes.
//! Each file is written to a temporary name in the output directory and renamed into place
//! only when all three are complete: an interrupted run never leaves a half-written dataset.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int16Array, Int32Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use crate::model::{ReportRecord, Status};

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
}

impl SinkOptions {
    /// Options with the given versions and defaults otherwise.
    pub fn new(version: &str, taxonomy_version: &str) -> SinkOptions {
        SinkOptions {
            row_group_size: 128 * 1024,
            version: version.to_string(),
            taxonomy_version: taxonomy_version.to_string(),
            suffix: String::new(),
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Written {
    /// Rows of facts.parquet.
    pub facts: usize,
    /// Rows of reports.parquet.
    pub reports: usize,
    /// Rows of checks.parquet.
    pub checks: usize,
}

/// True when a record's facts and checks go into the dataset.
pub fn contributes(r: &ReportRecord) -> bool {
    matches!(r.status, Status::Ok | Status::Partial)
}

/// Writes the three files into `dir` (created if missing).
pub fn write_dataset(dir: &Path, records: &[ReportRecord], opts: &SinkOptions) -> Result<Written, SinkError> {
    fs::create_dir_all(dir).map_err(|source| SinkError::Io { path: dir.to_path_buf(), source })?;
    let batches = [
        (format!("facts{}.parquet", opts.suffix), facts_batch(records)),
        (format!("reports{}.parquet", opts.suffix), reports_batch(records)),
        (format!("checks{}.parquet", opts.suffix), checks_batch(records)),
    ];
    let written = Written { facts: batches[0].1.num_rows(), reports: batches[1].1.num_rows(), checks: batches[2].1.num_rows() };
    let mut temps = Vec::new();
    for (name, batch) in &batches {
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        if let Err(e) = write_parquet(&tmp, batch, opts) {
            let _ = fs::remove_file(&tmp);
            for (t, _) in &temps {
                let _ = fs::remove_file(t);
            }
            return Err(e);
        }
        temps.push((tmp, dir.join(name)));
    }
    for (tmp, dest) in temps {
        fs::rename(&tmp, &dest).map_err(|source| SinkError::Io { path: dest.clone(), source })?;
    }
    Ok(written)
}

fn write_parquet(path: &Path, batch: &RecordBatch, opts: &SinkOptions) -> Result<(), SinkError> {
    let file = File::create(path).map_err(|source| SinkError::Io { path: path.to_path_buf(), source })?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
        .set_dictionary_enabled(true)
        .set_max_row_group_row_count(Some(opts.row_group_size.max(1)))
        .set_key_value_metadata(Some(vec![
            KeyValue::new("xxgk.version".to_string(), opts.version.clone()),
            KeyValue::new("xxgk.taxonomy_version".to_string(), opts.taxonomy_version.clone()),
            KeyValue::new("xxgk.schema_version".to_string(), SCHEMA_VERSION.to_string()),
        ]))
        .build();
    let perr = |source| SinkError::Parquet { path: path.to_path_buf(), source };
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(perr)?;
    writer.write(batch).map_err(perr)?;
    let file = writer.into_inner().map_err(perr)?;
    file.sync_all().map_err(|source| SinkError::Io { path: path.to_path_buf(), source })?;
    Ok(())
}

fn utf8(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

fn strings<'a>(it: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(it))
}

/// facts.parquet, sorted by agency, year, indicator, report_id.
fn facts_batch(records: &[ReportRecord]) -> RecordBatch {
    let mut rows: Vec<(&ReportRecord, &crate::model::Fact)> =
        records.iter().filter(|r| contributes(r)).flat_map(|r| r.facts.iter().map(move |f| (r, f))).collect();
    rows.sort_by(|a, b| {
        (&a.0.identity.agency, a.0.identity.year, &a.1.indicator, &a.0.report_id, &a.0.source_path).cmp(&(
            &b.0.identity.agency,
            b.0.identity.year,
            &b.1.indicator,
            &b.0.report_id,
            &b.0.source_path,
        ))
    });
    let schema = Schema::new(vec![
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
    ]);
    let columns: Vec<ArrayRef> = vec![
        strings(rows.iter().map(|(r, _)| r.identity.agency.as_deref())),
        Arc::new(Int16Array::from_iter(rows.iter().map(|(r, _)| r.identity.year))),
        strings(rows.iter().map(|(_, f)| Some(f.indicator.as_str()))),
        Arc::new(Float64Array::from_iter(rows.iter().map(|(_, f)| f.value))),
        strings(rows.iter().map(|(_, f)| Some(f.value_raw.as_str()))),
        strings(rows.iter().map(|(_, f)| Some(f.unit.as_str()))),
        strings(rows.iter().map(|(r, _)| r.identity.province.as_deref())),
        strings(rows.iter().map(|(r, _)| r.identity.city.as_deref())),
        strings(rows.iter().map(|(r, _)| r.identity.county.as_deref())),
        strings(rows.iter().map(|(r, _)| r.identity.division_code.as_deref())),
        strings(rows.iter().map(|(r, _)| Some(r.identity.level.as_str()))),
        strings(rows.iter().map(|(r, _)| r.template.map(|t| t.as_str()))),
        strings(rows.iter().map(|(_, f)| Some(f.method.as_str()))),
        strings(rows.iter().map(|(r, _)| Some(r.report_id.as_str()))),
        strings(rows.iter().map(|(r, _)| Some(r.source_path.as_str()))),
        Arc::new(Int32Array::from_iter_values(rows.iter().map(|(_, f)| f.line as i32))),
    ];
    RecordBatch::try_new(Arc::new(schema), columns).expect("facts columns match their schema")
}

/// reports.parquet, sorted by source_path.
fn reports_batch(records: &[ReportRecord]) -> RecordBatch {
    let mut rows: Vec<&ReportRecord> = records.iter().collect();
    rows.sort_by(|a, b| a.source_path.cmp(&b.source_path));
    let schema = Schema::new(vec![
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
    ]);
    let columns: Vec<ArrayRef> = vec![
        strings(rows.iter().map(|r| Some(r.source_path.as_str()))),
        strings(rows.iter().map(|r| Some(r.report_id.as_str()))),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.bytes as i64))),
        strings(rows.iter().map(|r| Some(r.format.as_str()))),
        strings(rows.iter().map(|r| r.encoding.as_deref())),
        strings(rows.iter().map(|r| Some(r.status.as_str()))),
        strings(rows.iter().map(|r| r.reason.as_deref())),
        strings(rows.iter().map(|r| r.identity.agency_raw.as_deref())),
        strings(rows.iter().map(|r| r.identity.agency.as_deref())),
        strings(rows.iter().map(|r| r.identity.province.as_deref())),
        strings(rows.iter().map(|r| r.identity.city.as_deref())),
        strings(rows.iter().map(|r| r.identity.county.as_deref())),
        strings(rows.iter().map(|r| r.identity.division_code.as_deref())),
        strings(rows.iter().map(|r| Some(r.identity.level.as_str()))),
        Arc::new(Int16Array::from_iter(rows.iter().map(|r| r.identity.year))),
        Arc::new(Date32Array::from_iter(rows.iter().map(|r| r.identity.published.map(|d| d.days_since_epoch())))),
        strings(rows.iter().map(|r| r.template.map(|t| t.as_str()))),
        Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| if contributes(r) { r.facts.len() as i32 } else { 0 }))),
        Arc::new(Int32Array::from_iter_values(
            rows.iter().map(|r| if contributes(r) { r.checks_failed() as i32 } else { 0 }),
        )),
        strings(rows.iter().map(|r| r.duplicate_of.as_deref())),
    ];
    RecordBatch::try_new(Arc::new(schema), columns).expect("reports columns match their schema")
}

/// checks.parquet, sorted by report_id, check.
fn checks_batch(records: &[ReportRecord]) -> RecordBatch {
    let mut rows: Vec<(&ReportRecord, &crate::model::Check)> =
        records.iter().filter(|r| contributes(r)).flat_map(|r| r.checks.iter().map(move |c| (r, c))).collect();
    rows.sort_by(|a, b| (&a.0.report_id, &a.1.check, &a.0.source_path).cmp(&(&b.0.report_id, &b.1.check, &b.0.source_path)));
    let schema = Schema::new(vec![
        utf8("report_id", false),
        utf8("agency", true),
        Field::new("year", DataType::Int16, true),
        utf8("check", false),
        Field::new("expected", DataType::Float64, false),
        Field::new("actual", DataType::Float64, false),
        Field::new("ok", DataType::Boolean, false),
    ]);
    let columns: Vec<ArrayRef> = vec![
        strings(rows.iter().map(|(r, _)| Some(r.report_id.as_str()))),
        strings(rows.iter().map(|(r, _)| r.identity.agency.as_deref())),
        Arc::new(Int16Array::from_iter(rows.iter().map(|(r, _)| r.identity.year))),
        strings(rows.iter().map(|(_, c)| Some(c.check.as_str()))),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|(_, c)| c.expected))),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|(_, c)| c.actual))),
        Arc::new(BooleanArray::from_iter(rows.iter().map(|(_, c)| Some(c.ok)))),
    ];
    RecordBatch::try_new(Arc::new(schema), columns).expect("checks columns match their schema")
}
