//! Dictionary-encoded string column chunks, encoded here rather than by arrow-rs.
//!
//! Why: arrow-rs' writer takes a string column as one Arrow array, interns every row's value
//! (hash, then compare) and compares it with the running minimum and maximum. Building those
//! arrays and interning them was about a third of the write phase, and most of facts' string
//! columns belong to the report (agency, region, report_id, source_path): one value over a
//! run of rows. Here a run costs one dictionary lookup, the statistics come from the
//! dictionary, not the rows, and nothing is copied: the dictionary borrows the rows' strings.
//!
//! A chunk is what arrow-rs writes for such a column: one PLAIN dictionary page and one
//! RLE_DICTIONARY data page (format v1, definition levels RLE for nullable columns),
//! zstd-compressed, with exact min/max/null-count statistics and an offset index. Every
//! Parquet reader reads it; the tests read it back through arrow-rs and compare.

use bytes::Bytes;
use parquet::basic::{Compression, Encoding, PageType, ZstdLevel};
use parquet::column::page::{CompressedPage, Page, PageWriteSpec, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::{ColumnChunkMetaData, PageEncodingStats};
use parquet::file::page_index::offset_index::{OffsetIndexMetaData, PageLocation};
use parquet::file::statistics::{Statistics, ValueStatistics};
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;
use rustc_hash::FxHashMap;

/// One column chunk of strings being filled: its dictionary (values in order of first
/// appearance), a dictionary key per non-null row, and for a nullable column a defined flag
/// per row.
pub struct DictColumn<'a> {
    values: Vec<&'a str>,
    index: FxHashMap<&'a str, u32>,
    keys: Vec<u32>,
    /// `Some` for a nullable column: whether each row has a value.
    defined: Option<Vec<bool>>,
    rows: usize,
    /// Bytes of all non-null values, as if written out plainly (a column-chunk statistic).
    plain_bytes: i64,
    /// The last value and its key: rows of one report, or of one unit, come in runs.
    last: Option<(&'a str, u32)>,
}

impl<'a> DictColumn<'a> {
    /// An empty column; `rows` is only a capacity hint.
    pub fn new(nullable: bool, rows: usize) -> DictColumn<'a> {
        DictColumn {
            values: Vec::new(),
            index: FxHashMap::default(),
            keys: Vec::with_capacity(rows),
            defined: nullable.then(|| Vec::with_capacity(rows)),
            rows: 0,
            plain_bytes: 0,
            last: None,
        }
    }

    /// Appends `n` rows of value `v` (`None`: null, only in a nullable column).
    pub fn push_n(&mut self, v: Option<&'a str>, n: usize) {
        self.rows += n;
        if let Some(defined) = &mut self.defined {
            defined.extend(std::iter::repeat_n(v.is_some(), n));
        }
        let Some(v) = v else {
            assert!(self.defined.is_some(), "null in a required string column");
            return;
        };
        let key = self.key(v);
        self.keys.extend(std::iter::repeat_n(key, n));
        self.plain_bytes += (v.len() * n) as i64;
    }

    /// The dictionary key of `v`, added if new.
    fn key(&mut self, v: &'a str) -> u32 {
        if let Some((last, k)) = self.last
            && (std::ptr::eq(last, v) || last == v)
        {
            return k;
        }
        let k = match self.index.get(v) {
            Some(&k) => k,
            None => {
                let k = self.values.len() as u32;
                self.values.push(v);
                self.index.insert(v, k);
                k
            }
        };
        self.last = Some((v, k));
        k
    }

    /// Appends one row.
    pub fn push(&mut self, v: Option<&'a str>) {
        self.push_n(v, 1)
    }

    /// Rows appended.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The column as an Arrow array (for tests that compare with arrow-rs' own encoding).
    #[cfg(test)]
    pub fn to_array(&self) -> arrow_array::ArrayRef {
        let mut keys = self.keys.iter();
        let mut next = || Some(self.values[*keys.next()? as usize]);
        let strings: arrow_array::StringArray = match &self.defined {
            Some(defined) => defined
                .iter()
                .map(|&d| if d { next() } else { None })
                .collect(),
            None => (0..self.rows).map(|_| next()).collect(),
        };
        std::sync::Arc::new(strings)
    }

    /// Encodes the chunk for column `descr` of a file compressed with zstd at `level`.
    /// Returns its bytes (offsets in the metadata are relative to them) and what
    /// `SerializedRowGroupWriter::append_column` needs to splice them in.
    pub fn encode(
        self,
        descr: ColumnDescPtr,
        level: ZstdLevel,
    ) -> Result<(Bytes, ColumnCloseResult)> {
        let nullable = self.defined.is_some();
        if nullable != (descr.max_def_level() > 0) || descr.max_rep_level() > 0 {
            return Err(ParquetError::General(format!(
                "column {} is not a flat {} string column",
                descr.path(),
                if nullable { "nullable" } else { "required" }
            )));
        }
        let mut compressor = zstd::bulk::Compressor::new(level.compression_level())
            .map_err(|e| ParquetError::External(Box::new(e)))?;
        let mut compress = |raw: &[u8]| -> Result<Bytes> {
            compressor
                .compress(raw)
                .map(Bytes::from)
                .map_err(|e| ParquetError::External(Box::new(e)))
        };

        let dictionary = plain_dictionary(&self.values);
        let data = self.data_page_values();
        let dictionary_page = Page::DictionaryPage {
            buf: compress(&dictionary)?,
            num_values: self.values.len() as u32,
            encoding: Encoding::PLAIN,
            is_sorted: false,
        };
        let data_page = Page::DataPage {
            buf: compress(&data)?,
            num_values: self.rows as u32,
            encoding: Encoding::RLE_DICTIONARY,
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        };

        let mut sink = TrackedWrite::new(Vec::new());
        let (dict_spec, data_spec) = {
            let mut pages = SerializedPageWriter::new(&mut sink);
            let d = pages.write_page(CompressedPage::new(dictionary_page, dictionary.len()))?;
            let v = pages.write_page(CompressedPage::new(data_page, data.len()))?;
            pages.close()?;
            (d, v)
        };
        let buf = Bytes::from(sink.into_inner()?);
        let metadata = self.chunk_metadata(descr, level, &dict_spec, &data_spec)?;
        let offset_index = OffsetIndexMetaData {
            page_locations: vec![PageLocation {
                offset: data_spec.offset as i64,
                compressed_page_size: data_spec.compressed_size as i32,
                first_row_index: 0,
            }],
            unencoded_byte_array_data_bytes: None,
        };
        let close = ColumnCloseResult {
            bytes_written: buf.len() as u64,
            rows_written: self.rows as u64,
            metadata,
            bloom_filter: None,
            column_index: None,
            offset_index: Some(offset_index),
        };
        Ok((buf, close))
    }

    /// The data page's values: definition levels (nullable columns: 4-byte length, then the
    /// levels RLE/bit-packed at width 1), then the key width and the keys, RLE/bit-packed.
    fn data_page_values(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if let Some(defined) = &self.defined {
            let levels = hybrid(defined.iter().map(|&d| d as u32), defined.len(), 1);
            out.extend_from_slice(&(levels.len() as u32).to_le_bytes());
            out.extend_from_slice(&levels);
        }
        let width = bits_for(self.values.len().saturating_sub(1) as u32);
        out.push(width);
        out.extend_from_slice(&hybrid(self.keys.iter().copied(), self.keys.len(), width));
        out
    }

    fn chunk_metadata(
        &self,
        descr: ColumnDescPtr,
        level: ZstdLevel,
        dict: &PageWriteSpec,
        data: &PageWriteSpec,
    ) -> Result<ColumnChunkMetaData> {
        let (min, max) = self.min_max();
        let nulls = (self.rows - self.keys.len()) as u64;
        let statistics = Statistics::ByteArray(ValueStatistics::new(
            min.map(ByteArray::from),
            max.map(ByteArray::from),
            None,
            Some(nulls),
            false,
        ));
        ColumnChunkMetaData::builder(descr)
            .set_compression(Compression::ZSTD(level))
            .set_encodings(vec![
                Encoding::PLAIN,
                Encoding::RLE,
                Encoding::RLE_DICTIONARY,
            ])
            .set_page_encoding_stats(vec![
                PageEncodingStats {
                    page_type: PageType::DICTIONARY_PAGE,
                    encoding: Encoding::PLAIN,
                    count: 1,
                },
                PageEncodingStats {
                    page_type: PageType::DATA_PAGE,
                    encoding: Encoding::RLE_DICTIONARY,
                    count: 1,
                },
            ])
            .set_total_compressed_size((dict.compressed_size + data.compressed_size) as i64)
            .set_total_uncompressed_size((dict.uncompressed_size + data.uncompressed_size) as i64)
            .set_num_values(self.rows as i64)
            .set_dictionary_page_offset(Some(dict.offset as i64))
            .set_data_page_offset(data.offset as i64)
            .set_statistics(statistics)
            .set_unencoded_byte_array_data_bytes(Some(self.plain_bytes))
            .build()
    }

    /// The smallest and largest value from the dictionary (every entry is some row's value).
    /// `str` orders bytewise, which is Parquet's order for UTF-8 strings.
    fn min_max(&self) -> (Option<&'a str>, Option<&'a str>) {
        (
            self.values.iter().min().copied(),
            self.values.iter().max().copied(),
        )
    }
}

/// A PLAIN-encoded byte-array dictionary: each value's length (4 bytes, little-endian), then
/// its bytes.
fn plain_dictionary(values: &[&str]) -> Vec<u8> {
    let len = values.iter().map(|v| 4 + v.len()).sum();
    let mut out = Vec::with_capacity(len);
    for v in values {
        out.extend_from_slice(&(v.len() as u32).to_le_bytes());
        out.extend_from_slice(v.as_bytes());
    }
    out
}

/// Bits needed to write `max`: 0 for 0.
fn bits_for(max: u32) -> u8 {
    (32 - max.leading_zeros()) as u8
}

/// Values shorter than this are bit-packed rather than run-length encoded.
const MIN_RUN: usize = 8;
/// Groups of 8 values in one bit-packed run: 63 keeps its header in one byte, as arrow-rs and
/// parquet-mr do.
const MAX_GROUPS: usize = 63;

/// The RLE / bit-packing hybrid encoding of `n` values of `width` bits (Parquet's encoding of
/// levels and dictionary keys). Runs of at least [`MIN_RUN`] equal values that start on a
/// group boundary become RLE runs; everything else is bit-packed in groups of 8, the last
/// group padded with zeros (readers take the value count from the page).
fn hybrid(values: impl Iterator<Item = u32>, n: usize, width: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(n / 4 + 16);
    let mut literals: Vec<u32> = Vec::with_capacity(MAX_GROUPS * 8);
    let mut values = values.peekable();
    while let Some(v) = values.next() {
        let mut run = 1;
        while values.next_if_eq(&v).is_some() {
            run += 1;
        }
        // A run starts an RLE run only once the literals before it fill whole groups.
        while run > 0 && literals.len() % 8 != 0 {
            literals.push(v);
            run -= 1;
        }
        if run >= MIN_RUN {
            flush_literals(&mut out, &mut literals, width);
            put_rle_run(&mut out, v, run, width);
        } else {
            literals.extend(std::iter::repeat_n(v, run));
        }
        if literals.len() >= MAX_GROUPS * 8 {
            let rest = literals.split_off(MAX_GROUPS * 8);
            flush_literals(&mut out, &mut literals, width);
            literals = rest;
        }
    }
    flush_literals(&mut out, &mut literals, width);
    out
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// An RLE run: its length shifted left once, then the value in whole bytes.
fn put_rle_run(out: &mut Vec<u8>, v: u32, run: usize, width: u8) {
    put_varint(out, (run as u64) << 1);
    let bytes = (width as usize).div_ceil(8);
    out.extend_from_slice(&v.to_le_bytes()[..bytes]);
}

/// Bit-packed runs of the pending literals (padded to whole groups), least significant bit
/// first, then clears them.
fn flush_literals(out: &mut Vec<u8>, literals: &mut Vec<u32>, width: u8) {
    if literals.is_empty() {
        return;
    }
    for chunk in literals.chunks(MAX_GROUPS * 8) {
        let groups = chunk.len().div_ceil(8);
        put_varint(out, ((groups as u64) << 1) | 1);
        let mut acc: u64 = 0;
        let mut bits = 0u32;
        for i in 0..groups * 8 {
            let v = chunk.get(i).copied().unwrap_or(0) as u64;
            acc |= v << bits;
            bits += width as u32;
            while bits >= 8 {
                out.push(acc as u8);
                acc >>= 8;
                bits -= 8;
            }
        }
        // groups * 8 * width bits is a whole number of bytes: nothing is left over.
        debug_assert_eq!(bits, 0);
    }
    literals.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes the hybrid encoding (the reader's side, written from the format spec) to
    /// check the encoder against it.
    fn decode(mut b: &[u8], n: usize, width: u8) -> Vec<u32> {
        let mut out = Vec::new();
        let varint = |b: &mut &[u8]| {
            let (mut v, mut shift) = (0u64, 0);
            loop {
                let byte = b[0];
                *b = &b[1..];
                v |= ((byte & 0x7f) as u64) << shift;
                if byte < 0x80 {
                    return v;
                }
                shift += 7;
            }
        };
        while out.len() < n {
            let header = varint(&mut b);
            if header & 1 == 0 {
                let bytes = (width as usize).div_ceil(8);
                let mut le = [0u8; 4];
                le[..bytes].copy_from_slice(&b[..bytes]);
                b = &b[bytes..];
                out.extend(std::iter::repeat_n(
                    u32::from_le_bytes(le),
                    (header >> 1) as usize,
                ));
            } else {
                let count = (header >> 1) as usize * 8;
                let (mut acc, mut bits, mut i) = (0u64, 0u32, 0);
                for _ in 0..count {
                    while bits < width as u32 {
                        acc |= (b[i] as u64) << bits;
                        i += 1;
                        bits += 8;
                    }
                    out.push((acc & ((1u64 << width) - 1)) as u32);
                    acc >>= width;
                    bits -= width as u32;
                }
                b = &b[i..];
            }
        }
        out.truncate(n);
        assert!(b.is_empty(), "{} bytes left over", b.len());
        out
    }

    fn round_trip(values: &[u32], width: u8) {
        let enc = hybrid(values.iter().copied(), values.len(), width);
        assert_eq!(decode(&enc, values.len(), width), values, "width {width}");
    }

    #[test]
    fn hybrid_encoding_round_trips() {
        round_trip(&[], 1);
        round_trip(&[1], 1);
        round_trip(&[0; 1000], 0);
        round_trip(&[1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], 1);
        let mixed: Vec<u32> = (0..5000)
            .map(|i| {
                if i % 97 < 40 {
                    7
                } else {
                    (i * 31 % 1000) as u32
                }
            })
            .collect();
        for width in [10, 11, 16, 17, 24, 32] {
            round_trip(&mixed, width);
        }
        // Long literal stretches are split into runs of at most 63 groups.
        let literal: Vec<u32> = (0..2000).map(|i| i % 5).collect();
        round_trip(&literal, 3);
    }

    #[test]
    fn runs_become_rle_runs() {
        let enc = hybrid(std::iter::repeat_n(5, 100_000), 100_000, 3);
        assert!(enc.len() <= 5, "{enc:?}");
    }

    /// A tiny deterministic generator (xorshift) for the randomized test below.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> usize {
            (self.next() % n) as usize
        }
    }

    /// Writes `column` as the only column of a Parquet file and reads it back through
    /// arrow-rs, with the chunk's statistics.
    fn write_and_read(
        column: DictColumn<'_>,
        nullable: bool,
    ) -> (arrow_array::ArrayRef, Option<Statistics>) {
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        use parquet::file::properties::WriterProperties;
        use parquet::file::writer::SerializedFileWriter;
        use std::sync::Arc;
        let repetition = if nullable { "optional" } else { "required" };
        let schema = parquet::schema::parser::parse_message_type(&format!(
            "message m {{ {repetition} binary s (UTF8); }}"
        ))
        .unwrap();
        let mut buf = Vec::new();
        let mut writer = SerializedFileWriter::new(
            &mut buf,
            Arc::new(schema),
            Arc::new(WriterProperties::builder().build()),
        )
        .unwrap();
        let descr = writer.schema_descr().column(0);
        let (bytes, close) = column
            .encode(descr, ZstdLevel::try_new(3).unwrap())
            .unwrap();
        let mut group = writer.next_row_group().unwrap();
        group.append_column(&bytes, close).unwrap();
        group.close().unwrap();
        let meta = writer.close().unwrap();
        let stats = meta.row_group(0).column(0).statistics().cloned();
        let mut reader = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(buf))
            .unwrap()
            .with_batch_size(1 << 20)
            .build()
            .unwrap();
        let batch = reader.next().map(Result::unwrap);
        let array = match batch {
            Some(b) => b.column(0).clone(),
            None => Arc::new(arrow_array::StringArray::from(Vec::<Option<&str>>::new())),
        };
        (array, stats)
    }

    /// Random columns (runs and single rows, nulls, repeated and unique values, long and
    /// multi-byte strings, up to 300 distinct values so keys take up to 9 bits) read back as
    /// written, with the statistics of their values.
    #[test]
    fn random_columns_read_back_as_written() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let pool: Vec<String> = (0..300)
            .map(|i| match i % 4 {
                0 => format!("{i}"),
                1 => format!("某市某县第{i}局"),
                2 => "长".repeat(i % 97),
                _ => format!("path/{i}/{}", "x".repeat(i % 300)),
            })
            .collect();
        for case in 0..60 {
            let nullable = case % 2 == 0;
            let distinct = [1, 2, 7, 300][case % 4];
            let mut column = DictColumn::new(nullable, 0);
            let mut expected: Vec<Option<&str>> = Vec::new();
            let rows = rng.below(3000);
            while expected.len() < rows {
                let v = if nullable && rng.below(5) == 0 {
                    None
                } else {
                    Some(pool[rng.below(distinct as u64)].as_str())
                };
                let n = if rng.below(3) == 0 {
                    1 + rng.below(40)
                } else {
                    1
                };
                column.push_n(v, n);
                expected.extend(std::iter::repeat_n(v, n));
            }
            let (array, stats) = write_and_read(column, nullable);
            let got = array
                .as_any()
                .downcast_ref::<arrow_array::StringArray>()
                .unwrap();
            assert_eq!(got.iter().collect::<Vec<_>>(), expected, "case {case}");
            let stats = stats.unwrap();
            let values = expected.iter().flatten().map(|s| s.as_bytes());
            assert_eq!(stats.min_bytes_opt(), values.clone().min(), "case {case}");
            assert_eq!(stats.max_bytes_opt(), values.clone().max(), "case {case}");
            let nulls = expected.iter().filter(|v| v.is_none()).count() as u64;
            assert_eq!(stats.null_count_opt(), Some(nulls), "case {case}");
        }
    }

    #[test]
    fn statistics_come_from_the_dictionary() {
        let mut c = DictColumn::new(true, 4);
        c.push_n(Some("山东省"), 3);
        c.push(None);
        c.push_n(Some("北京市"), 2);
        c.push(Some("山东省"));
        assert_eq!(c.rows(), 7);
        assert_eq!(c.values, ["山东省", "北京市"]);
        assert_eq!(c.keys, [0, 0, 0, 1, 1, 0]);
        // Bytewise: 北 is E5 8C 97, 山 is E5 B1 B1.
        assert_eq!(c.min_max(), (Some("北京市"), Some("山东省")));
    }
}
