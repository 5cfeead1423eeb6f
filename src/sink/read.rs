//! Reading a dataset back: the files of one table in a dataset directory, whole or in shards
//! (`panel-K-of-N.parquet`) and Hive partitions (`year=2017/province=山东省/…`), with the
//! partition columns, which the files do not hold, restored from the directory names.
//! `xxgk rates` reads panel.parquet (and reports.parquet) this way.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::{Array, Float64Array, Int16Array, Int32Array, RecordBatch, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{NULL_PARTITION, SinkError, table_files, table_stem};

/// One file of a table and the partition values its directories give.
#[derive(Debug, Clone)]
pub struct TableFile {
    /// The file.
    pub path: PathBuf,
    /// `(column, value)` of each partition directory, outermost first; `None` for Hive's
    /// null partition.
    pub partition: Vec<(String, Option<String>)>,
}

/// The files of table `stem` (`panel`, `reports`…) in dataset directory `dir`, in path order.
pub fn table_parts(dir: &Path, stem: &str) -> Vec<TableFile> {
    table_files(dir)
        .into_iter()
        .filter(|p| table_stem(p) == Some(stem))
        .map(|path| {
            let partition = path
                .strip_prefix(dir)
                .map(|rel| {
                    rel.parent()
                        .into_iter()
                        .flat_map(Path::components)
                        .filter_map(|c| {
                            let c = c.as_os_str().to_string_lossy();
                            let (k, v) = c.split_once('=')?;
                            let v = (v != NULL_PARTITION).then(|| unescape_partition(v));
                            Some((k.to_string(), v))
                        })
                        .collect()
                })
                .unwrap_or_default();
            TableFile { path, partition }
        })
        .collect()
}

/// Undoes the `%XX` escapes of a Hive partition value.
fn unescape_partition(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let hex = rest
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(b) => {
                out.push(b as char);
                rest = &rest[i + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The record batches of one file.
pub fn read_batches(path: &Path) -> Result<Vec<RecordBatch>, SinkError> {
    let perr = |source| SinkError::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(|source| SinkError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.with_batch_size(8192).build())
        .map_err(perr)?;
    reader
        .map(|b| b.map_err(|e| perr(parquet::errors::ParquetError::from(e))))
        .collect()
}

/// A batch of a table file, with the file's partition values standing in for the columns
/// the file does not hold.
pub struct Batch<'a> {
    /// The batch.
    pub batch: &'a RecordBatch,
    /// The file it came from.
    pub file: &'a TableFile,
}

impl Batch<'_> {
    /// Rows of the batch.
    pub fn len(&self) -> usize {
        self.batch.num_rows()
    }

    /// True when the batch has no row.
    pub fn is_empty(&self) -> bool {
        self.batch.num_rows() == 0
    }

    fn partition(&self, name: &str) -> Option<Option<&str>> {
        self.file
            .partition
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_deref())
    }

    /// A string column (or its partition value); all null when absent.
    pub fn strings(&self, name: &str) -> Vec<Option<String>> {
        if let Some(v) = self.partition(name) {
            return vec![v.map(str::to_string); self.len()];
        }
        match self
            .batch
            .column_by_name(name)
            .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        {
            Some(a) => (0..a.len())
                .map(|i| (!a.is_null(i)).then(|| a.value(i).to_string()))
                .collect(),
            None => vec![None; self.len()],
        }
    }

    /// An int16 column (or its partition value, the year); all null when absent.
    pub fn int16s(&self, name: &str) -> Vec<Option<i16>> {
        if let Some(v) = self.partition(name) {
            return vec![v.and_then(|v| v.parse().ok()); self.len()];
        }
        match self
            .batch
            .column_by_name(name)
            .and_then(|c| c.as_any().downcast_ref::<Int16Array>())
        {
            Some(a) => (0..a.len())
                .map(|i| (!a.is_null(i)).then(|| a.value(i)))
                .collect(),
            None => vec![None; self.len()],
        }
    }

    /// An int32 column; all 0 when absent.
    pub fn int32s(&self, name: &str) -> Vec<i32> {
        match self
            .batch
            .column_by_name(name)
            .and_then(|c| c.as_any().downcast_ref::<Int32Array>())
        {
            Some(a) => (0..a.len()).map(|i| a.value(i)).collect(),
            None => vec![0; self.len()],
        }
    }

    /// A float64 column; all null when absent.
    pub fn floats(&self, name: &str) -> Vec<Option<f64>> {
        match self
            .batch
            .column_by_name(name)
            .and_then(|c| c.as_any().downcast_ref::<Float64Array>())
        {
            Some(a) => (0..a.len())
                .map(|i| (!a.is_null(i)).then(|| a.value(i)))
                .collect(),
            None => vec![None; self.len()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_values_are_unescaped() {
        assert_eq!(unescape_partition("a%2Fb%3D"), "a/b=");
        assert_eq!(unescape_partition("山东省"), "山东省");
        assert_eq!(unescape_partition("100%"), "100%");
    }
}
