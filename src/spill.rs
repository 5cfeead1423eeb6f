//! Spilling to disk, so that a run's memory does not grow with the corpus.
//!
//! A compact length-prefixed binary encoding of records and rows ([`Enc`] / [`Dec`]), sorted
//! runs of facts and checks written chunk by chunk ([`write_run`]), and their k-way merge back
//! into one sorted stream ([`merge_runs`]). The files live in a work directory inside the
//! output directory and are removed when the run ends, whether it succeeds or not.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use crate::model::{Check, Date, Fact, Identity, Level, Method, ReportRecord, Status, Template};
use std::sync::Arc;

use crate::sink::{CheckRow, FactRow, RecordColumns, Shared, Text};

/// Why spilling failed.
#[derive(Debug, thiserror::Error)]
#[error("spill file {path}: {source}")]
pub struct SpillError {
    /// The file.
    pub path: PathBuf,
    /// The cause.
    pub source: io::Error,
}

/// Encoder of the binary format: little-endian integers, u32-length-prefixed UTF-8 strings,
/// a presence byte before optional values; in facts, LEB128 varints and names by number.
pub struct Enc<W: Write>(pub W);

impl<W: Write> Enc<W> {
    pub fn u8(&mut self, v: u8) -> io::Result<()> {
        self.0.write_all(&[v])
    }
    pub fn u32(&mut self, v: u32) -> io::Result<()> {
        self.0.write_all(&v.to_le_bytes())
    }
    pub fn u64(&mut self, v: u64) -> io::Result<()> {
        self.0.write_all(&v.to_le_bytes())
    }
    pub fn f64(&mut self, v: f64) -> io::Result<()> {
        self.0.write_all(&v.to_bits().to_le_bytes())
    }
    pub fn str(&mut self, s: &str) -> io::Result<()> {
        self.u32(s.len() as u32)?;
        self.0.write_all(s.as_bytes())
    }
    pub fn opt_str(&mut self, s: Option<&str>) -> io::Result<()> {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1)?;
                self.str(s)
            }
        }
    }
    /// An unsigned integer in LEB128: one byte below 128.
    pub fn varint(&mut self, mut v: u64) -> io::Result<()> {
        let mut buf = [0u8; 10];
        let mut n = 0;
        while v >= 0x80 {
            buf[n] = (v as u8) | 0x80;
            v >>= 7;
            n += 1;
        }
        buf[n] = v as u8;
        self.0.write_all(&buf[..=n])
    }
    /// A string with a [`Enc::varint`] length: the short strings of facts.
    pub fn short_str(&mut self, s: &str) -> io::Result<()> {
        self.varint(s.len() as u64)?;
        self.0.write_all(s.as_bytes())
    }
    /// An indicator id or unit: its number in the [`Vocabulary`] plus one, or 0 and the
    /// string for a name the taxonomy does not know.
    pub fn name(&mut self, s: &str) -> io::Result<()> {
        match VOCABULARY.code(s) {
            Some(code) => self.varint(u64::from(code) + 1),
            None => {
                self.varint(0)?;
                self.short_str(s)
            }
        }
    }
    /// A fact's method, one byte.
    pub fn method(&mut self, m: Method) -> io::Result<()> {
        self.u8(u8::from(m == Method::Text))
    }
    pub fn opt_i16(&mut self, v: Option<i16>) -> io::Result<()> {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1)?;
                self.0.write_all(&v.to_le_bytes())
            }
        }
    }
    pub fn opt_f64(&mut self, v: Option<f64>) -> io::Result<()> {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1)?;
                self.f64(v)
            }
        }
    }
}

/// Longest string accepted when decoding (a guard against corrupt lengths).
const MAX_STRING: usize = 64 * 1024 * 1024;

fn corrupt(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("corrupt spill data: bad {what}"),
    )
}

/// Decoder of the format [`Enc`] writes.
pub struct Dec<R: Read> {
    r: R,
    scratch: Vec<u8>,
}

impl<'a> Dec<&'a [u8]> {
    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.r
    }

    /// A string written by [`Enc::short_str`], borrowed from the input (no copy).
    pub fn short_str_ref(&mut self) -> io::Result<&'a str> {
        let len = self.varint()? as usize;
        let Some((s, rest)) = self.r.split_at_checked(len) else {
            return Err(io::ErrorKind::UnexpectedEof.into());
        };
        self.r = rest;
        std::str::from_utf8(s).map_err(|_| corrupt("string"))
    }
}

impl<'a> Dec<&'a [u8]> {
    /// A name written by [`Enc::name`], borrowed from the vocabulary or the input.
    pub fn name_ref(&mut self) -> io::Result<&'a str> {
        match self.varint()? {
            0 => self.short_str_ref(),
            code => VOCABULARY
                .name(code - 1)
                .ok_or_else(|| corrupt("name number")),
        }
    }
}

impl<R: Read> Dec<R> {
    /// A decoder reading from `r`.
    pub fn new(r: R) -> Dec<R> {
        Dec {
            r,
            scratch: Vec::new(),
        }
    }

    /// A [`Shared`] string, reusing `memo` (the previous value of the same field) when the
    /// bytes are equal: consecutive rows of a sorted run mostly repeat their report's fields.
    pub fn shared(&mut self, memo: &mut Option<Shared>) -> io::Result<Shared> {
        let len = self.u32()? as usize;
        if len > MAX_STRING {
            return Err(corrupt("string length"));
        }
        self.scratch.resize(len, 0);
        self.r.read_exact(&mut self.scratch)?;
        if let Some(m) = memo
            .as_ref()
            .filter(|m| m.as_bytes() == self.scratch.as_slice())
        {
            return Ok(m.clone());
        }
        let s: Shared = std::str::from_utf8(&self.scratch)
            .map_err(|_| corrupt("string"))?
            .into();
        *memo = Some(s.clone());
        Ok(s)
    }

    /// `len` raw bytes.
    pub fn bytes(&mut self, len: usize) -> io::Result<Vec<u8>> {
        if len > MAX_STRING {
            return Err(corrupt("length"));
        }
        let mut buf = vec![0u8; len];
        self.r.read_exact(&mut buf)?;
        Ok(buf)
    }

    /// An optional [`Shared`] string (see [`Dec::shared`]).
    pub fn opt_shared(&mut self, memo: &mut Option<Shared>) -> io::Result<Option<Shared>> {
        if self.present()? {
            self.shared(memo).map(Some)
        } else {
            Ok(None)
        }
    }

    fn array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut b = [0u8; N];
        self.r.read_exact(&mut b)?;
        Ok(b)
    }
    pub fn u8(&mut self) -> io::Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    pub fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub fn f64(&mut self) -> io::Result<f64> {
        Ok(f64::from_bits(u64::from_le_bytes(self.array()?)))
    }
    pub fn str(&mut self) -> io::Result<String> {
        let len = self.u32()? as usize;
        if len > MAX_STRING {
            return Err(corrupt("string length"));
        }
        let mut buf = vec![0u8; len];
        self.r.read_exact(&mut buf)?;
        String::from_utf8(buf).map_err(|_| corrupt("string"))
    }
    /// A fact's method (see [`Enc::method`]).
    pub fn method(&mut self) -> io::Result<Method> {
        Ok(if self.u8()? == 1 {
            Method::Text
        } else {
            Method::Table
        })
    }

    /// An integer written by [`Enc::varint`].
    pub fn varint(&mut self) -> io::Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(corrupt("varint"))
    }
    /// The bytes of a string written by [`Enc::short_str`], into the scratch buffer.
    fn short_bytes(&mut self) -> io::Result<&[u8]> {
        let len = self.varint()? as usize;
        if len > MAX_STRING {
            return Err(corrupt("string length"));
        }
        self.scratch.resize(len, 0);
        self.r.read_exact(&mut self.scratch)?;
        Ok(&self.scratch)
    }
    /// A string written by [`Enc::short_str`].
    pub fn short_str(&mut self) -> io::Result<String> {
        std::str::from_utf8(self.short_bytes()?)
            .map(str::to_string)
            .map_err(|_| corrupt("string"))
    }
    /// The bytes of a name written by [`Enc::name`]: the vocabulary's, or the scratch
    /// buffer's.
    fn name_bytes(&mut self) -> io::Result<&[u8]> {
        match self.varint()? {
            0 => self.short_bytes(),
            code => VOCABULARY
                .name(code - 1)
                .map(str::as_bytes)
                .ok_or_else(|| corrupt("name number")),
        }
    }
    /// A name written by [`Enc::name`].
    pub fn name(&mut self) -> io::Result<String> {
        std::str::from_utf8(self.name_bytes()?)
            .map(str::to_string)
            .map_err(|_| corrupt("string"))
    }
    /// A name written by [`Enc::name`]: the vocabulary's, or appended to a report's `text`.
    pub fn text_name(&mut self, text: &mut String) -> io::Result<Text> {
        match self.varint()? {
            0 => self.text_short(text),
            code => VOCABULARY
                .name(code - 1)
                .map(Text::Named)
                .ok_or_else(|| corrupt("name number")),
        }
    }
    /// A string written by [`Enc::short_str`], appended to a report's `text`.
    pub fn text_short(&mut self, text: &mut String) -> io::Result<Text> {
        let s = std::str::from_utf8(self.short_bytes()?).map_err(|_| corrupt("string"))?;
        Ok(Text::push(text, s))
    }

    /// Skips a string.
    pub fn skip_str(&mut self) -> io::Result<()> {
        let len = self.u32()?;
        self.skip(len)
    }

    /// Skips `len` bytes.
    pub fn skip(&mut self, len: u32) -> io::Result<()> {
        let len = u64::from(len);
        let skipped = io::copy(&mut self.r.by_ref().take(len), &mut io::sink())?;
        if skipped < len {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
    fn present(&mut self) -> io::Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(corrupt("option tag")),
        }
    }
    pub fn opt_str(&mut self) -> io::Result<Option<String>> {
        if self.present()? {
            self.str().map(Some)
        } else {
            Ok(None)
        }
    }
    pub fn opt_i16(&mut self) -> io::Result<Option<i16>> {
        if self.present()? {
            Ok(Some(i16::from_le_bytes(self.array()?)))
        } else {
            Ok(None)
        }
    }
    pub fn opt_f64(&mut self) -> io::Result<Option<f64>> {
        if self.present()? {
            self.f64().map(Some)
        } else {
            Ok(None)
        }
    }
}

const STATUSES: [Status; 7] = [
    Status::Ok,
    Status::Partial,
    Status::NotReport,
    Status::Duplicate,
    Status::Unsupported,
    Status::Unreadable,
    Status::Failed,
];
const LEVELS: [Level; 6] = [
    Level::National,
    Level::Provincial,
    Level::Prefecture,
    Level::County,
    Level::Township,
    Level::Unknown,
];
const TEMPLATES: [Template; 4] = [
    Template::T2008,
    Template::T2019,
    Template::T2021,
    Template::Prose,
];

fn index_of<T: PartialEq>(all: &[T], v: &T) -> u8 {
    all.iter().position(|x| x == v).unwrap_or(0) as u8
}

fn nth<T: Copy>(all: &[T], i: u8, what: &str) -> io::Result<T> {
    all.get(i as usize).copied().ok_or_else(|| corrupt(what))
}

/// Encodes a whole record, facts and checks included.
pub fn encode_record<W: Write>(e: &mut Enc<W>, r: &ReportRecord) -> io::Result<()> {
    e.str(&r.source_path)?;
    e.str(&r.report_id)?;
    e.u64(r.bytes)?;
    e.str(&r.format)?;
    e.opt_str(r.encoding.as_deref())?;
    e.u8(index_of(&STATUSES, &r.status))?;
    e.opt_str(r.reason.as_deref())?;
    let id = &r.identity;
    for s in [
        &id.agency_raw,
        &id.agency,
        &id.province,
        &id.city,
        &id.county,
        &id.division_code,
    ] {
        e.opt_str(s.as_deref())?;
    }
    e.u8(index_of(&LEVELS, &id.level))?;
    e.opt_i16(id.year)?;
    match id.published {
        None => e.u8(0)?,
        Some(d) => {
            e.u8(1)?;
            e.u32(d.year as u32)?;
            e.u8(d.month as u8)?;
            e.u8(d.day as u8)?;
        }
    }
    e.u32(id.notes.len() as u32)?;
    for n in &id.notes {
        e.str(n)?;
    }
    e.u8(r
        .template
        .map(|t| 1 + index_of(&TEMPLATES, &t))
        .unwrap_or(0))?;
    // Facts and checks are sections prefixed with their count and byte length, so that a
    // reader that needs neither skips them at once. Facts are stored in indicator order (a
    // stable sort: equal indicators keep their order), the order facts.parquet wants them in
    // within a report, so the table writer decodes them sorted and every later run reuses
    // the sort.
    let mut section = Vec::with_capacity(64 * r.facts.len());
    let s = &mut Enc(&mut section);
    let mut facts: Vec<&Fact> = r.facts.iter().collect();
    facts.sort_by(|a, b| a.indicator.cmp(&b.indicator));
    // Indicator and unit by their number in the taxonomy, short lengths and lines as
    // varints: a fact takes about 20 bytes instead of 65.
    for f in facts {
        s.name(&f.indicator)?;
        s.opt_f64(f.value)?;
        s.short_str(&f.value_raw)?;
        s.name(&f.unit)?;
        s.method(f.method)?;
        s.varint(u64::from(f.line))?;
    }
    e.u32(r.facts.len() as u32)?;
    e.u32(section.len() as u32)?;
    e.0.write_all(&section)?;
    section.clear();
    let s = &mut Enc(&mut section);
    for c in &r.checks {
        s.str(&c.check)?;
        s.f64(c.expected)?;
        s.f64(c.actual)?;
        s.u8(u8::from(c.ok))?;
    }
    e.u32(r.checks.len() as u32)?;
    e.u32(section.len() as u32)?;
    e.0.write_all(&section)?;
    e.opt_str(r.duplicate_of.as_deref())
}

/// The names a record refers to by number: the embedded taxonomy's indicator ids, then its
/// units. A record file is only ever read by the binary and rules that wrote it (the cache
/// is keyed by [`Knowledge::version`](crate::knowledge::Knowledge::version)), so a number
/// always means the same name.
pub struct Vocabulary {
    names: Vec<Box<str>>,
    codes: FxHashMap<Box<str>, u32>,
}

impl Vocabulary {
    fn embedded() -> Vocabulary {
        let taxonomy =
            crate::knowledge::Taxonomy::parse(crate::knowledge::data_file("indicators.csv"));
        let mut v = Vocabulary {
            names: Vec::new(),
            codes: FxHashMap::default(),
        };
        let ids = taxonomy.indicators.iter().map(|i| i.id.as_str());
        let units = taxonomy.indicators.iter().map(|i| i.unit.as_str());
        for name in ids.chain(units) {
            if !v.codes.contains_key(name) {
                v.codes.insert(name.into(), v.names.len() as u32);
                v.names.push(name.into());
            }
        }
        v
    }

    /// The number of `name`, if the taxonomy has it.
    pub fn code(&self, name: &str) -> Option<u32> {
        self.codes.get(name).copied()
    }

    /// The name numbered `code`.
    pub fn name(&self, code: u64) -> Option<&str> {
        usize::try_from(code)
            .ok()
            .and_then(|i| self.names.get(i))
            .map(|s| &**s)
    }
}

/// The vocabulary of the embedded taxonomy, built once.
pub static VOCABULARY: std::sync::LazyLock<Vocabulary> =
    std::sync::LazyLock::new(Vocabulary::embedded);

/// Strings seen before (check ids), handed out as [`Shared`] without allocating again.
/// Bounded: past [`Names::MAX`] entries it starts afresh.
#[derive(Debug, Default)]
pub struct Names(FxHashMap<Box<str>, Shared>);

impl Names {
    /// Most names kept.
    pub const MAX: usize = 4096;

    /// The shared copy of `s`.
    pub fn intern(&mut self, s: &str) -> Shared {
        if let Some(shared) = self.0.get(s) {
            return shared.clone();
        }
        let shared: Shared = s.into();
        if self.0.len() >= Self::MAX {
            self.0.clear();
        }
        self.0.insert(s.into(), shared.clone());
        shared
    }
}

/// The fact rows of an encoded record, the `file`-th file walked, in the record's order.
/// Decoded straight into rows: indicator and unit are taxonomy names where they can be, the
/// other strings go into the report's text, and the report's columns are allocated once.
pub fn decode_fact_rows(raw: &[u8], file: u32) -> io::Result<Vec<FactRow>> {
    let d = &mut Dec::new(raw);
    let head = decode_head(d)?;
    let n = d.u32()?;
    d.u32()?;
    // The report's columns can only be built once the text the spans point into is complete.
    let mut text = String::new();
    let mut facts = Vec::with_capacity((n as usize).min(1 << 16));
    for _ in 0..n {
        let indicator = d.text_name(&mut text)?;
        let value = d.opt_f64()?;
        let value_raw = d.text_short(&mut text)?;
        let unit = d.text_name(&mut text)?;
        let method = d.method()?;
        facts.push((indicator, value, value_raw, unit, method, line(d)?));
    }
    let record = Arc::new(RecordColumns::with_text(&head, text));
    let rows = facts.into_iter().zip(0..);
    Ok(rows
        .map(
            |((indicator, value, value_raw, unit, method, source_line), seq)| FactRow {
                record: record.clone(),
                indicator,
                value,
                value_raw,
                unit,
                method,
                source_line,
                file,
                seq,
            },
        )
        .collect())
}

/// A record decoded for its summary (see [`skim_record`]).
#[derive(Debug, Clone)]
pub struct Skim {
    /// The record without its checks and with only the facts asked for.
    pub record: ReportRecord,
    /// Its number of facts.
    pub facts: u32,
    /// Its number of failed checks.
    pub checks_failed: u32,
}

/// Decodes what summarising a record needs, cheaply: everything but the facts and checks,
/// the facts whose indicator `keep` accepts, and the counts of facts and failed checks.
pub fn skim_record(raw: &[u8], keep: impl Fn(&[u8]) -> bool) -> io::Result<Skim> {
    let d = &mut Dec::new(raw);
    let mut record = decode_head(d)?;
    let facts = d.u32()?;
    d.u32()?; // the section's length: its facts are read one by one
    for _ in 0..facts {
        let indicator = d.name_bytes()?;
        if !keep(indicator) {
            d.opt_f64()?;
            d.short_bytes()?;
            d.name_bytes()?;
            d.u8()?;
            d.varint()?;
            continue;
        }
        let indicator = std::str::from_utf8(indicator)
            .map_err(|_| corrupt("string"))?
            .to_string();
        record.facts.push(decode_fact_after(d, indicator)?);
    }
    let checks = d.u32()?;
    d.u32()?;
    let mut checks_failed = 0;
    for _ in 0..checks {
        d.skip_str()?;
        d.f64()?;
        d.f64()?;
        checks_failed += u32::from(d.u8()? != 1);
    }
    record.duplicate_of = d.opt_str()?;
    Ok(Skim {
        record,
        facts,
        checks_failed,
    })
}

/// Decodes a record written by [`encode_record`].
pub fn decode_record<R: Read>(d: &mut Dec<R>) -> io::Result<ReportRecord> {
    decode_record_parts(d, Parts::ALL)
}

/// Which lists of a record to decode; the others are skipped (left empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// Decode the facts.
    pub facts: bool,
    /// Decode the checks.
    pub checks: bool,
}

impl Parts {
    /// Everything.
    pub const ALL: Parts = Parts {
        facts: true,
        checks: true,
    };
    /// The identity and the checks.
    pub const CHECKS: Parts = Parts {
        facts: false,
        checks: true,
    };
    /// The identity only.
    pub const HEAD: Parts = Parts {
        facts: false,
        checks: false,
    };
}

/// Decodes a record up to its facts: everything but facts, checks and duplicate_of.
fn decode_head<R: Read>(d: &mut Dec<R>) -> io::Result<ReportRecord> {
    let source_path = d.str()?;
    let report_id = d.str()?;
    let bytes = d.u64()?;
    let format = d.str()?;
    let mut r = ReportRecord::empty(source_path, report_id, bytes, &format);
    r.encoding = d.opt_str()?;
    r.status = nth(&STATUSES, d.u8()?, "status")?;
    r.reason = d.opt_str()?;
    let mut id = Identity {
        agency_raw: d.opt_str()?,
        agency: d.opt_str()?,
        province: d.opt_str()?,
        city: d.opt_str()?,
        county: d.opt_str()?,
        division_code: d.opt_str()?,
        ..Identity::default()
    };
    id.level = nth(&LEVELS, d.u8()?, "level")?;
    id.year = d.opt_i16()?;
    if d.present()? {
        let (y, m, day) = (d.u32()? as i32, d.u8()? as u32, d.u8()? as u32);
        id.published = Some(Date::new(y, m, day).ok_or_else(|| corrupt("date"))?);
    }
    let notes = d.u32()?;
    for _ in 0..notes {
        id.notes.push(d.str()?);
    }
    r.identity = id;
    r.template = match d.u8()? {
        0 => None,
        t => Some(nth(&TEMPLATES, t - 1, "template")?),
    };
    Ok(r)
}

/// The rest of a fact whose indicator was just read (see [`encode_record`]).
fn decode_fact_after<R: Read>(d: &mut Dec<R>, indicator: String) -> io::Result<Fact> {
    Ok(Fact {
        indicator,
        value: d.opt_f64()?,
        value_raw: d.short_str()?,
        unit: d.name()?,
        method: d.method()?,
        line: u32::try_from(d.varint()?).map_err(|_| corrupt("line"))?,
    })
}

/// A fact's line (see [`encode_record`]) as the source_line column.
fn line<R: Read>(d: &mut Dec<R>) -> io::Result<i32> {
    i32::try_from(d.varint()?).map_err(|_| corrupt("line"))
}

/// A fact's indicator and value, as [`decode_fact_values`] gives them.
pub type FactValue<'a> = (&'a str, Option<f64>);

/// A record written by [`encode_record`] without its facts and checks, and its facts'
/// indicators and values in their stored order, borrowed from `raw`: what a panel row is
/// computed from, without the strings [`decode_record_parts`] allocates for every fact.
pub fn decode_fact_values(raw: &[u8]) -> io::Result<(ReportRecord, Vec<FactValue<'_>>)> {
    let d = &mut Dec::new(raw);
    let mut r = decode_head(d)?;
    let (facts, _len) = (d.u32()?, d.u32()?);
    let mut values = Vec::with_capacity((facts as usize).min(1 << 16));
    for _ in 0..facts {
        let indicator = d.name_ref()?;
        let value = d.opt_f64()?;
        d.short_str_ref()?; // value_raw
        d.name_ref()?; // unit
        d.method()?;
        d.varint()?; // line
        values.push((indicator, value));
    }
    let (_checks, len) = (d.u32()?, d.u32()?);
    d.skip(len)?;
    r.duplicate_of = d.opt_str()?;
    Ok((r, values))
}

/// Decodes the parts of a record written by [`encode_record`] that `parts` asks for.
pub fn decode_record_parts<R: Read>(d: &mut Dec<R>, parts: Parts) -> io::Result<ReportRecord> {
    let mut r = decode_head(d)?;
    let (facts, len) = (d.u32()?, d.u32()?);
    if !parts.facts {
        d.skip(len)?;
    }
    for _ in 0..if parts.facts { facts } else { 0 } {
        let indicator = d.name()?;
        r.facts.push(decode_fact_after(d, indicator)?);
    }
    let (checks, len) = (d.u32()?, d.u32()?);
    if !parts.checks {
        d.skip(len)?;
    }
    for _ in 0..if parts.checks { checks } else { 0 } {
        r.checks.push(Check {
            check: d.str()?,
            expected: d.f64()?,
            actual: d.f64()?,
            ok: d.u8()? == 1,
        });
    }
    r.duplicate_of = d.opt_str()?;
    Ok(r)
}

/// A row type that can be spilled in sorted runs.
pub trait RunRow: Sized {
    /// The table's sort order.
    fn order(&self, other: &Self) -> Ordering;
    /// Writes the row.
    fn encode<W: Write>(&self, e: &mut Enc<W>) -> io::Result<()>;
    /// What decoding remembers from the previous row of the same run.
    type Memo: Default;
    /// Reads a row.
    fn decode<R: Read>(d: &mut Dec<R>, memo: &mut Self::Memo) -> io::Result<Self>;
    /// Index of the source file in walk order.
    fn file(&self) -> u32;
}

/// What decoding a run of fact rows remembers: the previous row's report columns (with
/// their encoding) and strings, reused while they repeat, as they do along a sorted run.
#[derive(Debug, Default)]
pub struct FactMemo {
    record_bytes: Vec<u8>,
    record: Option<Arc<RecordColumns>>,
    scratch: Vec<u8>,
    agency: Option<Shared>,
    indicator: Option<Shared>,
    province: Option<Shared>,
    city: Option<Shared>,
    county: Option<Shared>,
    division_code: Option<Shared>,
    report_id: Option<Shared>,
    source_path: Option<Shared>,
}

fn encode_record_columns<W: Write>(e: &mut Enc<W>, c: &RecordColumns) -> io::Result<()> {
    e.opt_str(c.agency.as_deref())?;
    e.opt_i16(c.year)?;
    for s in [&c.province, &c.city, &c.county, &c.division_code] {
        e.opt_str(s.as_deref())?;
    }
    e.u8(index_of(&LEVELS, &c.level))?;
    e.u8(c
        .template
        .map(|t| 1 + index_of(&TEMPLATES, &t))
        .unwrap_or(0))?;
    e.str(&c.report_id)?;
    e.str(&c.source_path)
}

fn decode_record_columns(bytes: &[u8], m: &mut FactMemo) -> io::Result<RecordColumns> {
    let d = &mut Dec::new(bytes);
    Ok(RecordColumns {
        agency: d.opt_shared(&mut m.agency)?,
        year: d.opt_i16()?,
        province: d.opt_shared(&mut m.province)?,
        city: d.opt_shared(&mut m.city)?,
        county: d.opt_shared(&mut m.county)?,
        division_code: d.opt_shared(&mut m.division_code)?,
        level: nth(&LEVELS, d.u8()?, "level")?,
        template: match d.u8()? {
            0 => None,
            t => Some(nth(&TEMPLATES, t - 1, "template")?),
        },
        report_id: d.shared(&mut m.report_id)?,
        source_path: d.shared(&mut m.source_path)?,
        text: Box::default(),
    })
}

/// Writes a row's report columns as one length-prefixed block.
fn encode_record_block<W: Write>(e: &mut Enc<W>, c: &RecordColumns) -> io::Result<()> {
    let mut block = Vec::with_capacity(128);
    encode_record_columns(&mut Enc(&mut block), c)?;
    e.u32(block.len() as u32)?;
    e.0.write_all(&block)
}

/// Reads a block written by [`encode_record_block`]; the previous row's columns are reused
/// when the block repeats, as it does along a sorted run.
fn decode_record_block<R: Read>(
    d: &mut Dec<R>,
    m: &mut FactMemo,
) -> io::Result<Arc<RecordColumns>> {
    let len = d.u32()? as usize;
    if len > MAX_STRING {
        return Err(corrupt("record columns"));
    }
    m.scratch.resize(len, 0);
    d.r.read_exact(&mut m.scratch)?;
    if let Some(r) = m.record.as_ref().filter(|_| m.record_bytes == m.scratch) {
        return Ok(r.clone());
    }
    let scratch = std::mem::take(&mut m.scratch);
    let columns = decode_record_columns(&scratch, m);
    m.scratch = scratch;
    let r = Arc::new(columns?);
    m.record_bytes.clone_from(&m.scratch);
    m.record = Some(r.clone());
    Ok(r)
}

impl RunRow for FactRow {
    fn order(&self, other: &Self) -> Ordering {
        self.sort_cmp(other)
    }
    fn encode<W: Write>(&self, e: &mut Enc<W>) -> io::Result<()> {
        encode_record_block(e, &self.record)?;
        e.name(self.indicator())?;
        e.opt_f64(self.value)?;
        e.short_str(self.value_raw())?;
        e.name(self.unit())?;
        e.method(self.method)?;
        e.u32(self.source_line as u32)?;
        e.u32(self.file)?;
        e.u32(self.seq)
    }
    type Memo = FactMemo;
    /// A spilled row's strings come with it: the row gets columns of its own when it has
    /// any that are not taxonomy names (rows of a sorted run alternate between reports).
    fn decode<R: Read>(d: &mut Dec<R>, m: &mut FactMemo) -> io::Result<Self> {
        let record = decode_record_block(d, m)?;
        let mut text = String::new();
        let indicator = d.text_name(&mut text)?;
        let value = d.opt_f64()?;
        let value_raw = d.text_short(&mut text)?;
        let unit = d.text_name(&mut text)?;
        let record = if text.is_empty() {
            record
        } else {
            Arc::new(RecordColumns {
                text: text.into(),
                ..(*record).clone()
            })
        };
        Ok(FactRow {
            record,
            indicator,
            value,
            value_raw,
            unit,
            method: d.method()?,
            source_line: d.u32()? as i32,
            file: d.u32()?,
            seq: d.u32()?,
        })
    }
    fn file(&self) -> u32 {
        self.file
    }
}

impl RunRow for CheckRow {
    fn order(&self, other: &Self) -> Ordering {
        self.sort_cmp(other)
    }
    fn encode<W: Write>(&self, e: &mut Enc<W>) -> io::Result<()> {
        encode_record_block(e, &self.record)?;
        e.str(&self.check)?;
        e.f64(self.expected)?;
        e.f64(self.actual)?;
        e.u8(u8::from(self.ok))?;
        e.u32(self.file)?;
        e.u32(self.seq)
    }
    type Memo = FactMemo;
    fn decode<R: Read>(d: &mut Dec<R>, m: &mut FactMemo) -> io::Result<Self> {
        Ok(CheckRow {
            record: decode_record_block(d, m)?,
            check: d.shared(&mut m.indicator)?,
            expected: d.f64()?,
            actual: d.f64()?,
            ok: d.u8()? == 1,
            file: d.u32()?,
            seq: d.u32()?,
        })
    }
    fn file(&self) -> u32 {
        self.file
    }
}

/// A work directory inside the output directory, removed on drop.
pub struct WorkDir {
    path: PathBuf,
    counter: AtomicUsize,
}

impl WorkDir {
    /// Creates `parent/.xxgk-work-{tag}-{pid}` (tag: the shard suffix, maybe empty).
    /// Work directories of the same tag left by killed runs are removed first (one process
    /// per tag writes to an output directory at a time).
    pub fn create(parent: &Path, tag: &str) -> Result<WorkDir, SpillError> {
        remove_stale(parent, tag);
        let path = parent.join(format!(".xxgk-work{tag}-{}", std::process::id()));
        fs::create_dir_all(&path).map_err(|source| SpillError {
            path: path.clone(),
            source,
        })?;
        Ok(WorkDir {
            path,
            counter: AtomicUsize::new(0),
        })
    }

    /// A fresh file name in the directory.
    pub fn next_file(&self, stem: &str) -> PathBuf {
        let n = self.counter.fetch_add(1, AtomicOrdering::Relaxed) + 1;
        self.path.join(format!("{stem}-{n:06}.bin"))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Removes `.xxgk-work{tag}-{pid}` directories (exactly this tag, any pid).
fn remove_stale(parent: &Path, tag: &str) {
    let prefix = format!(".xxgk-work{tag}-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        let stale = name
            .strip_prefix(&prefix)
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()));
        if stale {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Sorts `rows` and writes them as one run (see [`write_run_in_order`]).
pub fn write_run<T: RunRow>(path: &Path, rows: Vec<T>) -> Result<(), SpillError> {
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| rows[a as usize].order(&rows[b as usize]));
    write_run_in_order(path, &rows, &order)
}

/// Writes `rows` in the given order (indices sorted by the row order: rows are large, so they
/// are sorted through an index, and an unstable sort is fine because the row orders end in
/// the row's position, so no two rows compare equal). Each row is preceded by a `1` byte and
/// the run ends with a `0` byte, so a truncated run is an error rather than a short one.
pub fn write_run_in_order<T: RunRow>(
    path: &Path,
    rows: &[T],
    order: &[u32],
) -> Result<(), SpillError> {
    let err = |source| SpillError {
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(path).map_err(err)?;
    let mut e = Enc(BufWriter::with_capacity(256 * 1024, file));
    for &i in order {
        let Some(row) = rows.get(i as usize) else {
            return Err(err(corrupt("run order")));
        };
        e.u8(1).map_err(err)?;
        row.encode(&mut e).map_err(err)?;
    }
    e.u8(0).map_err(err)?;
    e.0.flush().map_err(err)
}

/// Reads one run back, row by row.
struct RunReader<T: RunRow> {
    path: PathBuf,
    dec: Dec<BufReader<File>>,
    memo: T::Memo,
}

impl<T: RunRow> RunReader<T> {
    fn open(path: &Path) -> Result<RunReader<T>, SpillError> {
        let file = File::open(path).map_err(|source| SpillError {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(RunReader {
            path: path.to_path_buf(),
            dec: Dec::new(BufReader::with_capacity(32 * 1024, file)),
            memo: T::Memo::default(),
        })
    }

    fn next_row(&mut self) -> Result<Option<T>, SpillError> {
        let err = |source| SpillError {
            path: self.path.clone(),
            source,
        };
        match self.dec.u8().map_err(err)? {
            0 => Ok(None),
            1 => T::decode(&mut self.dec, &mut self.memo)
                .map(Some)
                .map_err(err),
            _ => Err(err(corrupt("row tag"))),
        }
    }
}

/// A heap entry: the smallest row of one run.
struct Head<T> {
    row: T,
    run: usize,
}

impl<T: RunRow> PartialEq for Head<T> {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl<T: RunRow> Eq for Head<T> {}
impl<T: RunRow> PartialOrd for Head<T> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<T: RunRow> Ord for Head<T> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the smallest row first.
    fn cmp(&self, o: &Self) -> Ordering {
        o.row.order(&self.row).then(o.run.cmp(&self.run))
    }
}

/// Most runs merged at once; more are first merged in groups (bounded open files).
pub const MAX_FAN_IN: usize = 256;

/// Merges sorted runs into one sorted stream handed to `emit`; the runs are deleted.
pub fn merge_runs<T: RunRow, E>(
    work: &WorkDir,
    mut runs: Vec<PathBuf>,
    stem: &str,
    mut emit: impl FnMut(T) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<SpillError>,
{
    while runs.len() > MAX_FAN_IN {
        let mut merged = Vec::new();
        for group in runs.chunks(MAX_FAN_IN) {
            let path = work.next_file(stem);
            let err = |source| SpillError {
                path: path.clone(),
                source,
            };
            let file = File::create(&path).map_err(err)?;
            let mut e = Enc(BufWriter::with_capacity(256 * 1024, file));
            merge_group::<T, SpillError>(group, |row| {
                e.u8(1)
                    .and_then(|_| row.encode(&mut e))
                    .map_err(|source| SpillError {
                        path: path.clone(),
                        source,
                    })
            })?;
            e.u8(0).and_then(|_| e.0.flush()).map_err(err)?;
            merged.push(path);
        }
        runs = merged;
    }
    merge_group(&runs, &mut emit)
}

fn merge_group<T: RunRow, E: From<SpillError>>(
    runs: &[PathBuf],
    mut emit: impl FnMut(T) -> Result<(), E>,
) -> Result<(), E> {
    let mut readers: Vec<RunReader<T>> = runs
        .iter()
        .map(|p| RunReader::open(p))
        .collect::<Result<_, _>>()?;
    let mut heap = BinaryHeap::with_capacity(readers.len());
    for (run, r) in readers.iter_mut().enumerate() {
        if let Some(row) = r.next_row()? {
            heap.push(Head { row, run });
        }
    }
    while let Some(Head { row, run }) = heap.pop() {
        if let Some(next) = readers[run].next_row()? {
            heap.push(Head { row: next, run });
        }
        emit(row)?;
    }
    for p in runs {
        let _ = fs::remove_file(p);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> ReportRecord {
        let mut r = ReportRecord::empty("a/b.txt".into(), "0123456789abcdef".into(), 42, "txt");
        r.encoding = Some("GB18030".into());
        r.status = Status::Partial;
        r.reason = Some("why".into());
        r.identity.agency = Some("威海市科学技术局".into());
        r.identity.year = Some(2017);
        r.identity.level = Level::Prefecture;
        r.identity.published = Date::new(2018, 3, 20);
        r.identity.notes = vec!["n1".into()];
        r.template = Some(Template::T2021);
        r.facts.push(Fact {
            indicator: "requests.received.total".into(),
            value: Some(3.5),
            value_raw: "3.5".into(),
            unit: "件".into(),
            method: Method::Text,
            line: 7,
        });
        r.facts.push(Fact {
            value: None,
            method: Method::Table,
            ..r.facts[0].clone()
        });
        r.checks.push(Check {
            check: "c".into(),
            expected: 1.0,
            actual: 2.0,
            ok: false,
        });
        r
    }

    #[test]
    fn record_round_trips() {
        let r = record();
        let mut buf = Vec::new();
        encode_record(&mut Enc(&mut buf), &r).unwrap();
        let back = decode_record(&mut Dec::new(buf.as_slice())).unwrap();
        assert_eq!(format!("{r:?}"), format!("{back:?}"));
        assert!(decode_record(&mut Dec::new(&buf[..buf.len() - 3])).is_err());
        let facts = decode_record_parts(
            &mut Dec::new(buf.as_slice()),
            Parts {
                facts: true,
                checks: false,
            },
        )
        .unwrap();
        assert_eq!((facts.facts.len(), facts.checks.len()), (2, 0));
        assert_eq!(facts.duplicate_of, r.duplicate_of);
        let skim = skim_record(&buf, |i| i.ends_with(b"total")).unwrap();
        assert_eq!((skim.facts, skim.checks_failed), (2, 1));
        assert_eq!(skim.record.facts, r.facts);
        assert!(
            skim_record(&buf, |_| false)
                .unwrap()
                .record
                .facts
                .is_empty()
        );
        let checks = decode_record_parts(&mut Dec::new(buf.as_slice()), Parts::CHECKS).unwrap();
        assert_eq!((checks.facts.len(), checks.checks), (0, r.checks.clone()));
        assert_eq!(checks.identity.agency, r.identity.agency);
    }

    /// Facts whose names the taxonomy lacks are stored as text, long strings and lines take
    /// more than one length byte, and facts come back in indicator order (stable).
    #[test]
    fn facts_round_trip_by_number_and_by_text() {
        let mut r = record();
        let long = "一".repeat(100);
        r.facts = vec![
            Fact {
                indicator: "zz.not.in.taxonomy".into(),
                value: None,
                value_raw: long.clone(),
                unit: "某单位".into(),
                method: Method::Text,
                line: 300_000,
            },
            Fact {
                indicator: "proactive.total".into(),
                value: Some(253.0),
                value_raw: "253".into(),
                unit: "条".into(),
                method: Method::Table,
                line: 128,
            },
            Fact {
                indicator: "proactive.total".into(),
                value: Some(1.0),
                value_raw: "一".into(),
                unit: "条".into(),
                method: Method::Text,
                line: 1,
            },
        ];
        assert!(VOCABULARY.code("proactive.total").is_some());
        assert!(VOCABULARY.code("zz.not.in.taxonomy").is_none());
        let mut buf = Vec::new();
        encode_record(&mut Enc(&mut buf), &r).unwrap();
        let back = decode_record(&mut Dec::new(buf.as_slice())).unwrap();
        let sorted = vec![r.facts[1].clone(), r.facts[2].clone(), r.facts[0].clone()];
        assert_eq!(back.facts, sorted);
        let rows = decode_fact_rows(&buf, 7).unwrap();
        let got: Vec<(&str, &str, &str, i32, u32)> = rows
            .iter()
            .map(|f| (f.indicator(), f.value_raw(), f.unit(), f.source_line, f.seq))
            .collect();
        assert_eq!(
            got,
            [
                ("proactive.total", "253", "条", 128, 0),
                ("proactive.total", "一", "条", 1, 1),
                ("zz.not.in.taxonomy", long.as_str(), "某单位", 300_000, 2),
            ]
        );
        let skim = skim_record(&buf, |i| i.starts_with(b"zz.")).unwrap();
        assert_eq!(skim.record.facts, [r.facts[0].clone()]);
        // The panel's view: the same record without facts and checks, and the facts'
        // indicators and values in the same order.
        let (head, values) = decode_fact_values(&buf).unwrap();
        assert_eq!(
            values,
            [
                ("proactive.total", Some(253.0)),
                ("proactive.total", Some(1.0)),
                ("zz.not.in.taxonomy", None),
            ]
        );
        let whole = decode_record_parts(&mut Dec::new(buf.as_slice()), Parts::HEAD).unwrap();
        assert_eq!(format!("{head:?}"), format!("{whole:?}"));
        assert!(decode_fact_values(&buf[..buf.len() - 3]).is_err());
    }

    #[test]
    fn runs_merge_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let work = WorkDir::create(dir.path(), "").unwrap();
        let r = record();
        let mut all = Vec::new();
        let mut runs = Vec::new();
        // More runs than the fan-in, to exercise the intermediate merge.
        for run in 0..(MAX_FAN_IN as u32 + 5) {
            let rows: Vec<FactRow> = (0..3)
                .map(|n| {
                    let mut fact = r.facts[0].clone();
                    fact.indicator = format!("i{}", (run * 7 + n * 13) % 11);
                    FactRow::of(&r, &fact, run, n)
                })
                .collect();
            all.extend(rows.clone());
            let p = work.next_file("facts");
            write_run(&p, rows).unwrap();
            runs.push(p);
        }
        all.sort_by(FactRow::sort_cmp);
        let mut merged = Vec::new();
        merge_runs::<FactRow, SpillError>(&work, runs, "facts", |row| {
            merged.push(row);
            Ok(())
        })
        .unwrap();
        assert_eq!(merged, all);
        let work_path = work.path().to_path_buf();
        drop(work);
        assert!(!work_path.exists());
        // Stale directories of the same tag go; other shards' stay.
        let stale = dir.path().join(".xxgk-work-999999");
        let other = dir.path().join(".xxgk-work-0-of-4-999999");
        fs::create_dir_all(&stale).unwrap();
        fs::create_dir_all(&other).unwrap();
        drop(WorkDir::create(dir.path(), "").unwrap());
        assert!(!stale.exists() && other.exists());
    }
}
